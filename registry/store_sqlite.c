/* registry/store_sqlite.c - store.h on SQLite (WAL). One connection per
 * thread, prepared statements cached per connection, every value bound. */
#include "registry/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "registry/index.h"

#define STMT_CACHE 48

struct conn {
	sqlite3 *db;
	struct {
		const char *sql; /* a string literal: compared by address */
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	int n_cache;
	bool wl;             /* holds the store's writer lock */
	struct conn *next;
};

struct store {
	char *path;
	pthread_key_t key;
	pthread_mutex_t lock;
	/* One writer at a time inside this process: threads queue on a mutex
	 * (woken at once) instead of SQLite's busy handler (sleeps of 1-100
	 * ms). Other processes still meet the busy timeout. */
	pthread_mutex_t wlock;
	struct conn *all;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS resource ("
	" type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL DEFAULT 0, org TEXT NOT NULL DEFAULT '',"
	" updated INTEGER NOT NULL, sort TEXT NOT NULL DEFAULT '', json TEXT,"
	" PRIMARY KEY (type, id));"
	"CREATE INDEX IF NOT EXISTS resource_sort ON resource(type, sort, id);"
	"CREATE TABLE IF NOT EXISTS history ("
	" type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
	" deleted INTEGER NOT NULL, org TEXT NOT NULL, updated INTEGER NOT NULL, json TEXT,"
	" PRIMARY KEY (type, id, version));"
	"CREATE TABLE IF NOT EXISTS term ("
	" type TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,"
	" sort TEXT NOT NULL DEFAULT '',"  /* the resource's sort key: a search never leaves this table */
	" PRIMARY KEY (type, key, value, id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS term_owner ON term(type, id);"
	"CREATE TABLE IF NOT EXISTS org (code TEXT PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS user ("
	" id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE, email TEXT NOT NULL,"
	" hash TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0, challenge TEXT NOT NULL DEFAULT '',"
	" reset_required INTEGER NOT NULL DEFAULT 0, pw_changed INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS member ("
	" user_id INTEGER NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (user_id, org));"
	"CREATE TABLE IF NOT EXISTS pw_history ("
	" user_id INTEGER NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS token ("
	" hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS reset ("
	" hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS login ("
	" user_id INTEGER NOT NULL, org TEXT NOT NULL, at INTEGER NOT NULL, statement TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS audit ("
	" at INTEGER NOT NULL, username TEXT NOT NULL, org TEXT NOT NULL, action TEXT NOT NULL,"
	" type TEXT NOT NULL, id TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS audit_res ON audit(type, id);";

static bool db_error(struct vax_error *err, sqlite3 *db, const char *what)
{
	return error_set(err, "STORE", "The registry database failed (%s: %s).", what,
			 db ? sqlite3_errmsg(db) : "cannot open");
}

static void conn_free(struct conn *c)
{
	for (int i = 0; i < c->n_cache; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

static struct conn *conn_open(struct store *s, struct vax_error *err)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		db_error(err, c->db, "open");
		conn_free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 15000);
	char *msg = NULL;
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			 " PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, "STORE", "The registry database failed (pragma: %s).", msg ? msg : "?");
		sqlite3_free(msg);
		conn_free(c);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	c->next = s->all;
	s->all = c;
	pthread_mutex_unlock(&s->lock);
	pthread_setspecific(s->key, c);
	return c;
}

static struct conn *conn_get(struct store *s, struct vax_error *err)
{
	struct conn *c = pthread_getspecific(s->key);
	return c ? c : conn_open(s, err);
}

/* A cached, reset statement for a literal SQL string. */
static sqlite3_stmt *prep(struct conn *c, const char *sql, struct vax_error *err)
{
	for (int i = 0; i < c->n_cache; i++)
		if (c->cache[i].sql == sql) {
			sqlite3_reset(c->cache[i].st);
			sqlite3_clear_bindings(c->cache[i].st);
			return c->cache[i].st;
		}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		db_error(err, c->db, "prepare");
		return NULL;
	}
	if (c->n_cache < STMT_CACHE) {
		c->cache[c->n_cache].sql = sql;
		c->cache[c->n_cache].st = st;
		c->n_cache++;
	}
	return st;
}

/* Statements not in the cache (dynamic SQL) are finalized by the caller;
 * cached ones only reset. */
static void done(struct conn *c, sqlite3_stmt *st)
{
	for (int i = 0; i < c->n_cache; i++)
		if (c->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	sqlite3_finalize(st);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static bool exec_simple(struct conn *c, const char *sql, struct vax_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, "STORE", "The registry database failed (%s).", msg ? msg : sql);
		sqlite3_free(msg);
		return false;
	}
	return true;
}

static void key_destructor(void *p)
{
	(void)p; /* connections are closed in store_close, which owns the list */
}

struct store *store_open(const char *dir, struct vax_error *err)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (mkdir(dir, 0700) != 0 && access(dir, W_OK) != 0) {
		free(s);
		error_set(err, "STORE-DIR", "Cannot use the data directory %s.", dir);
		return NULL;
	}
	if (asprintf(&s->path, "%s/registry.db", dir) < 0) {
		free(s);
		return NULL;
	}
	pthread_key_create(&s->key, key_destructor);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->wlock, NULL);
	struct conn *c = conn_get(s, err);
	if (!c || !exec_simple(c, schema, err)) {
		store_close(s);
		return NULL;
	}
	/* stores made before term.sort existed: add it (the error for a
	 * store that has it is expected and ignored) */
	sqlite3_exec(c->db, "ALTER TABLE term ADD COLUMN sort TEXT NOT NULL DEFAULT ''", NULL, NULL, NULL);
	chmod(s->path, 0600);
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	struct conn *c = s->all;
	while (c) {
		struct conn *next = c->next;
		conn_free(c);
		c = next;
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->wlock);
	free(s->path);
	free(s);
}

static void wl_take(struct store *s, struct conn *c)
{
	if (!c->wl) {
		pthread_mutex_lock(&s->wlock);
		c->wl = true;
	}
}

static void wl_drop(struct store *s, struct conn *c)
{
	if (c->wl && sqlite3_get_autocommit(c->db)) {
		c->wl = false;
		pthread_mutex_unlock(&s->wlock);
	}
}

bool store_begin(struct store *s, struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	wl_take(s, c);
	bool ok = exec_simple(c, "BEGIN IMMEDIATE", err);
	if (!ok)
		wl_drop(s, c);
	return ok;
}

bool store_commit(struct store *s, struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	bool ok = exec_simple(c, "COMMIT", err);
	wl_drop(s, c); /* a failed COMMIT leaves the transaction open for store_rollback */
	return ok;
}

void store_rollback(struct store *s)
{
	struct conn *c = conn_get(s, NULL);
	if (!c)
		return;
	if (!sqlite3_get_autocommit(c->db))
		exec_simple(c, "ROLLBACK", NULL);
	wl_drop(s, c);
}

bool store_bulk(struct store *s, bool on, struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	return c && exec_simple(c, on ? "PRAGMA synchronous=OFF; PRAGMA cache_size=-524288;"
				      : "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;", err);
}

/* ---- resources ----------------------------------------------------------- */

void store_res_free(struct store_res *r)
{
	if (r) {
		free(r->json);
		r->json = NULL;
	}
}

static void fill_res(sqlite3_stmt *st, int col, struct store_res *r)
{
	/* columns: version, deleted, org, updated, json */
	r->version = sqlite3_column_int64(st, col);
	r->deleted = sqlite3_column_int(st, col + 1) != 0;
	snprintf(r->org, sizeof r->org, "%s", (const char *)sqlite3_column_text(st, col + 2));
	r->updated = sqlite3_column_int64(st, col + 3);
	const char *j = (const char *)sqlite3_column_text(st, col + 4);
	r->json = j && !r->deleted ? strdup(j) : NULL;
}

int store_read(struct store *s, const char *type, const char *id, long version,
	       struct store_res *r, struct vax_error *err)
{
	/* the JSON of every version lives once, in history */
	static const char cur[] =
		"SELECT r.version, r.deleted, r.org, r.updated, h.json FROM resource r"
		" JOIN history h ON h.type=r.type AND h.id=r.id AND h.version=r.version"
		" WHERE r.type=?1 AND r.id=?2";
	static const char old[] =
		"SELECT version, deleted, org, updated, json FROM history WHERE type=?1 AND id=?2 AND version=?3";
	memset(r, 0, sizeof *r);
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, version ? old : cur, err);
	if (!st)
		return -1;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	if (version)
		sqlite3_bind_int64(st, 3, version);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		fill_res(st, 0, r);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		db_error(err, c->db, "read");
		ret = -1;
	}
	done(c, st);
	return ret;
}

static void format_instant(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool store_write(struct store *s, const char *type, const char *id, const char *org,
		 cJSON *res, bool deleted, int64_t now, long *version, struct vax_error *err)
{
	static const char q_ver[] = "SELECT version FROM resource WHERE type=?1 AND id=?2";
	static const char q_put[] =
		"INSERT INTO resource(type, id, version, deleted, org, updated, sort, json)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT(type, id) DO UPDATE SET version=?3, deleted=?4, org=?5, updated=?6, sort=?7, json=?8";
	static const char q_hist[] =
		"INSERT INTO history(type, id, version, deleted, org, updated, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	static const char q_unterm[] = "DELETE FROM term WHERE type=?1 AND id=?2";
	static const char q_term[] = "INSERT INTO term(type, key, value, id, sort) VALUES (?1, ?2, ?3, ?4, ?5)";

	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q_ver, err);
	if (!st)
		return false;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	long v = 1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0) + 1;
	done(c, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(err, c->db, "version");

	char *json = NULL, sort[160] = "";
	static __thread struct index_term terms[INDEX_MAX_TERMS];
	int nterms = 0;
	if (!deleted && res) {
		char vbuf[24], when[32];
		snprintf(vbuf, sizeof vbuf, "%ld", v);
		format_instant(now, when, sizeof when);
		cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
		/* id and meta right after resourceType, as people expect to read them */
		cJSON *idj = cJSON_CreateString(id);
		cJSON *meta = cJSON_CreateObject();
		cJSON_AddStringToObject(meta, "versionId", vbuf);
		cJSON_AddStringToObject(meta, "lastUpdated", when);
		/* rebuild the member order: resourceType, id, meta, the rest */
		cJSON *rt = cJSON_DetachItemFromObjectCaseSensitive(res, "resourceType");
		cJSON *rest = cJSON_CreateArray();
		while (res->child)
			cJSON_AddItemToArray(rest, cJSON_DetachItemViaPointer(res, res->child));
		if (rt)
			cJSON_AddItemToObject(res, "resourceType", rt);
		cJSON_AddItemToObject(res, "id", idj);
		cJSON_AddItemToObject(res, "meta", meta);
		while (rest->child)
			cJSON_AddItemToArray(res, cJSON_DetachItemViaPointer(rest, rest->child));
		cJSON_Delete(rest);
		json = cJSON_PrintUnformatted(res);
		if (!json)
			return error_set(err, "STORE", "Out of memory.");
		nterms = index_terms(type, res, terms, INDEX_MAX_TERMS, sort, sizeof sort);
	}

	bool ok = false;
	st = prep(c, q_put, err);
	if (!st)
		goto out;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	sqlite3_bind_int64(st, 3, v);
	sqlite3_bind_int(st, 4, deleted);
	bind_text(st, 5, org);
	sqlite3_bind_int64(st, 6, now);
	bind_text(st, 7, sort);
	sqlite3_bind_null(st, 8); /* kept in history only */
	rc = sqlite3_step(st);
	done(c, st);
	if (rc != SQLITE_DONE) {
		db_error(err, c->db, "write");
		goto out;
	}
	st = prep(c, q_hist, err);
	if (!st)
		goto out;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	sqlite3_bind_int64(st, 3, v);
	sqlite3_bind_int(st, 4, deleted);
	bind_text(st, 5, org);
	sqlite3_bind_int64(st, 6, now);
	if (json)
		bind_text(st, 7, json);
	else
		sqlite3_bind_null(st, 7);
	rc = sqlite3_step(st);
	done(c, st);
	if (rc != SQLITE_DONE) {
		db_error(err, c->db, "history");
		goto out;
	}
	st = prep(c, q_unterm, err);
	if (!st)
		goto out;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	rc = sqlite3_step(st);
	done(c, st);
	if (rc != SQLITE_DONE) {
		db_error(err, c->db, "unindex");
		goto out;
	}
	for (int i = 0; i < nterms; i++) {
		st = prep(c, q_term, err);
		if (!st)
			goto out;
		bind_text(st, 1, type);
		bind_text(st, 2, terms[i].key);
		bind_text(st, 3, terms[i].value);
		bind_text(st, 4, id);
		bind_text(st, 5, sort);
		rc = sqlite3_step(st);
		done(c, st);
		if (rc != SQLITE_DONE) {
			db_error(err, c->db, "index");
			goto out;
		}
	}
	if (version)
		*version = v;
	ok = true;
out:
	cJSON_free(json);
	return ok;
}

int store_history(struct store *s, const char *type, const char *id, struct store_res *out, int max,
		  struct vax_error *err)
{
	static const char q[] =
		"SELECT version, deleted, org, updated, json FROM history WHERE type=?1 AND id=?2"
		" ORDER BY version DESC LIMIT ?3";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	sqlite3_bind_int(st, 3, max);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
		fill_res(st, 0, &out[n++]);
	done(c, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			store_res_free(&out[i]);
		db_error(err, c->db, "history");
		return -1;
	}
	return n;
}

/* Build "FROM resource r WHERE ..." for a query; binds start at ?2 (?1 is the type). */
static void where_clause(const struct store_query *q, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, " FROM resource r WHERE r.type=?1 AND r.deleted=0");
	int b = 2;
	for (int i = 0; i < q->n && o < len; i++) {
		const struct store_cond *sc = &q->cond[i];
		switch (sc->kind) {
		case SC_ID:
			o += (size_t)snprintf(buf + o, len - o, " AND r.id=?%d", b);
			b += 1;
			break;
		case SC_OWNER:
			o += (size_t)snprintf(buf + o, len - o, " AND r.org=?%d", b);
			b += 1;
			break;
		case SC_TERM:
			o += (size_t)snprintf(buf + o, len - o,
					      " AND r.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d AND value=?%d)",
					      b, b + 1);
			b += 2;
			break;
		case SC_PREFIX:
		case SC_RANGE:
			o += (size_t)snprintf(buf + o, len - o,
					      " AND r.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d"
					      " AND value>=?%d AND value<=?%d)", b, b + 1, b + 2);
			b += 3;
			break;
		}
	}
}

static void bind_conds(sqlite3_stmt *st, const struct store_query *q)
{
	bind_text(st, 1, q->type);
	int b = 2;
	for (int i = 0; i < q->n; i++) {
		const struct store_cond *sc = &q->cond[i];
		switch (sc->kind) {
		case SC_ID:
		case SC_OWNER:
			bind_text(st, b++, sc->value);
			break;
		case SC_TERM:
			bind_text(st, b++, sc->key);
			bind_text(st, b++, sc->value);
			break;
		case SC_PREFIX: {
			char hi[200];
			snprintf(hi, sizeof hi, "%s\x7f", sc->value);
			bind_text(st, b++, sc->key);
			bind_text(st, b++, sc->value);
			bind_text(st, b++, hi);
			break;
		}
		case SC_RANGE:
			bind_text(st, b++, sc->key);
			bind_text(st, b++, sc->value && *sc->value ? sc->value : "");
			bind_text(st, b++, sc->value2 && *sc->value2 ? sc->value2 : "\x7f");
			break;
		}
	}
}

/* A query made only of index terms is answered from the term table alone
 * (it holds the sort key too): counting and paging never touch the big
 * resource rows, only the page's JSON is fetched. */
static bool term_only(const struct store_query *q)
{
	if (q->n == 0)
		return false;
	for (int i = 0; i < q->n; i++)
		if (q->cond[i].kind == SC_ID || q->cond[i].kind == SC_OWNER)
			return false;
	return true;
}

static int search_terms(struct conn *c, const struct store_query *q, struct store_res *out,
			char (*ids)[65], long *total, struct vax_error *err)
{
	/* parameter numbers as bind_conds() assigns them */
	int base[STORE_MAX_COND], b = 2, drive = 0;
	for (int i = 0; i < q->n; i++) {
		base[i] = b;
		b += q->cond[i].kind == SC_TERM ? 2 : 3;
	}
	/* drive from an exact term or a name, not from a broad date range */
	for (int i = 0; i < q->n; i++)
		if (q->cond[i].kind != SC_RANGE) {
			drive = i;
			break;
		}
	char from[4096];
	size_t o;
	const struct store_cond *d = &q->cond[drive];
	if (d->kind == SC_TERM)
		o = (size_t)snprintf(from, sizeof from, " FROM term t WHERE t.type=?1 AND t.key=?%d AND t.value=?%d",
				     base[drive], base[drive] + 1);
	else
		o = (size_t)snprintf(from, sizeof from,
				     " FROM term t WHERE t.type=?1 AND t.key=?%d AND t.value>=?%d AND t.value<=?%d",
				     base[drive], base[drive] + 1, base[drive] + 2);
	for (int i = 0; i < q->n && o < sizeof from; i++) {
		if (i == drive)
			continue;
		if (q->cond[i].kind == SC_TERM)
			o += (size_t)snprintf(from + o, sizeof from - o,
					      " AND t.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d AND value=?%d)",
					      base[i], base[i] + 1);
		else
			o += (size_t)snprintf(from + o, sizeof from - o,
					      " AND t.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d"
					      " AND value>=?%d AND value<=?%d)", base[i], base[i] + 1, base[i] + 2);
	}
	char sql[4600];
	sqlite3_stmt *st;
	snprintf(sql, sizeof sql, "SELECT count(DISTINCT t.id)%s", from);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "search"), -1;
	bind_conds(st, q);
	*total = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (q->count <= 0 || *total == 0)
		return 0;
	snprintf(sql, sizeof sql,
		 "SELECT r.id, r.version, r.deleted, r.org, r.updated, h.json FROM"
		 " (SELECT t.id AS id, min(t.sort) AS s%s GROUP BY t.id ORDER BY s, t.id LIMIT %d OFFSET %d) p"
		 " JOIN resource r ON r.type=?1 AND r.id=p.id"
		 " JOIN history h ON h.type=r.type AND h.id=r.id AND h.version=r.version ORDER BY p.s, p.id",
		 from, q->count, q->offset);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "search"), -1;
	bind_conds(st, q);
	int n = 0;
	while (n < q->count && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ids[n], 65, "%s", (const char *)sqlite3_column_text(st, 0));
		fill_res(st, 1, &out[n]);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int store_search(struct store *s, const struct store_query *q, struct store_res *out,
		 char (*ids)[65], long *total, struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	char where[4096], sql[4400];
	sqlite3_stmt *st;
	if (term_only(q))
		return search_terms(c, q, out, ids, total, err);
	where_clause(q, where, sizeof where);

	/* With search terms, walk the (few) matching ids and sort them: the
	 * unary plus keeps SQLite from walking the whole sort index instead. */
	bool by_terms = false;
	for (int i = 0; i < q->n; i++)
		by_terms |= q->cond[i].kind != SC_OWNER;
	snprintf(sql, sizeof sql, "SELECT count(*)%s", where);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "search"), -1;
	bind_conds(st, q);
	*total = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (q->count <= 0 || *total == 0)
		return 0;

	/* page first, then fetch the JSON of that page only */
	snprintf(sql, sizeof sql,
		 "SELECT p.id, p.version, p.deleted, p.org, p.updated, h.json FROM"
		 " (SELECT r.type, r.id, r.version, r.deleted, r.org, r.updated, r.sort%s"
		 " ORDER BY %s LIMIT %d OFFSET %d) p"
		 " JOIN history h ON h.type=p.type AND h.id=p.id AND h.version=p.version ORDER BY p.sort, p.id",
		 where, by_terms ? "+r.sort, +r.id" : "r.sort, r.id", q->count, q->offset);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "search"), -1;
	bind_conds(st, q);
	int n = 0, rc;
	while (n < q->count && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(ids[n], 65, "%s", (const char *)sqlite3_column_text(st, 0));
		fill_res(st, 1, &out[n]);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* ---- organizations, users ----------------------------------------------- */

static bool exec_bound(struct store *s, const char *sql, const char *what, struct vax_error *err,
		       void (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, sql, err);
	if (!st)
		return false;
	bind(st, arg);
	int rc = sqlite3_step(st);
	done(c, st);
	if (rc != SQLITE_DONE)
		return db_error(err, c->db, what);
	return true;
}

struct two { const char *a, *b; };

static void bind_two(sqlite3_stmt *st, const void *p)
{
	const struct two *t = p;
	bind_text(st, 1, t->a);
	bind_text(st, 2, t->b);
}

bool store_org_add(struct store *s, const char *code, const char *name, struct vax_error *err)
{
	static const char q[] = "INSERT INTO org(code, name) VALUES (?1, ?2)"
				" ON CONFLICT(code) DO UPDATE SET name=?2";
	struct two t = {code, name};
	return exec_bound(s, q, "org", err, bind_two, &t);
}

int store_org_get(struct store *s, const char *code, char *name, size_t len, struct vax_error *err)
{
	static const char q[] = "SELECT name FROM org WHERE code=?1";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	bind_text(st, 1, code);
	int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1 && name)
		snprintf(name, len, "%s", (const char *)sqlite3_column_text(st, 0));
	if (ret < 0)
		db_error(err, c->db, "org");
	done(c, st);
	return ret;
}

static void fill_user(sqlite3_stmt *st, struct store_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	snprintf(u->username, sizeof u->username, "%s", (const char *)sqlite3_column_text(st, 1));
	snprintf(u->email, sizeof u->email, "%s", (const char *)sqlite3_column_text(st, 2));
	snprintf(u->hash, sizeof u->hash, "%s", (const char *)sqlite3_column_text(st, 3));
	u->failures = sqlite3_column_int(st, 4);
	snprintf(u->challenge, sizeof u->challenge, "%s", (const char *)sqlite3_column_text(st, 5));
	u->reset_required = sqlite3_column_int(st, 6) != 0;
	u->pw_changed = sqlite3_column_int64(st, 7);
}

bool store_user_add(struct store *s, struct store_user *u, struct vax_error *err)
{
	static const char q[] = "INSERT INTO user(username, email, hash, pw_changed) VALUES (?1, ?2, ?3, ?4)";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return false;
	bind_text(st, 1, u->username);
	bind_text(st, 2, u->email);
	bind_text(st, 3, u->hash);
	sqlite3_bind_int64(st, 4, u->pw_changed);
	int rc = sqlite3_step(st);
	done(c, st);
	if (rc != SQLITE_DONE)
		return db_error(err, c->db, "user");
	u->id = sqlite3_last_insert_rowid(c->db);
	return true;
}

static int user_get(struct store *s, const char *sql, const char *name, int64_t id,
		    struct store_user *u, struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, sql, err);
	if (!st)
		return -1;
	if (name)
		bind_text(st, 1, name);
	else
		sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		fill_user(st, u);
	else if (ret < 0)
		db_error(err, c->db, "user");
	done(c, st);
	return ret;
}

int store_user_get(struct store *s, const char *username, struct store_user *u, struct vax_error *err)
{
	static const char q[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
				" pw_changed FROM user WHERE username=?1";
	return user_get(s, q, username, 0, u, err);
}

int store_user_by_id(struct store *s, int64_t id, struct store_user *u, struct vax_error *err)
{
	static const char q[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
				" pw_changed FROM user WHERE id=?1";
	return user_get(s, q, NULL, id, u, err);
}

bool store_user_update(struct store *s, const struct store_user *u, struct vax_error *err)
{
	static const char q[] = "UPDATE user SET email=?2, hash=?3, failures=?4, challenge=?5,"
				" reset_required=?6, pw_changed=?7 WHERE id=?1";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, u->id);
	bind_text(st, 2, u->email);
	bind_text(st, 3, u->hash);
	sqlite3_bind_int(st, 4, u->failures);
	bind_text(st, 5, u->challenge);
	sqlite3_bind_int(st, 6, u->reset_required);
	sqlite3_bind_int64(st, 7, u->pw_changed);
	int rc = sqlite3_step(st);
	done(c, st);
	return rc == SQLITE_DONE ? true : db_error(err, c->db, "user");
}

bool store_member_add(struct store *s, int64_t user_id, const char *org, const char *role,
		      struct vax_error *err)
{
	static const char q[] = "INSERT INTO member(user_id, org, role) VALUES (?1, ?2, ?3)"
				" ON CONFLICT(user_id, org) DO UPDATE SET role=?3";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, user_id);
	bind_text(st, 2, org);
	bind_text(st, 3, role);
	int rc = sqlite3_step(st);
	done(c, st);
	return rc == SQLITE_DONE ? true : db_error(err, c->db, "member");
}

int store_member_role(struct store *s, int64_t user_id, const char *org, char *role, size_t len,
		      struct vax_error *err)
{
	static const char q[] = "SELECT role FROM member WHERE user_id=?1 AND org=?2";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	bind_text(st, 2, org);
	int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1 && role)
		snprintf(role, len, "%s", (const char *)sqlite3_column_text(st, 0));
	if (ret < 0)
		db_error(err, c->db, "member");
	done(c, st);
	return ret;
}

int store_member_orgs(struct store *s, int64_t user_id, struct store_org *orgs, int max,
		      struct vax_error *err)
{
	static const char q[] = "SELECT m.org, COALESCE(o.name, '') FROM member m"
				" LEFT JOIN org o ON o.code = m.org WHERE m.user_id=?1 ORDER BY m.org";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		snprintf(orgs[n].code, sizeof orgs[n].code, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(orgs[n].name, sizeof orgs[n].name, "%s", (const char *)sqlite3_column_text(st, 1));
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(err, c->db, "member");
		n = -1;
	}
	done(c, st);
	return n;
}

bool store_pw_history_add(struct store *s, int64_t user_id, const char *hash, struct vax_error *err)
{
	static const char q[] = "INSERT INTO pw_history(user_id, hash) VALUES (?1, ?2)";
	static const char trim[] = "DELETE FROM pw_history WHERE user_id=?1 AND seq NOT IN"
				   " (SELECT seq FROM pw_history WHERE user_id=?1 ORDER BY seq DESC LIMIT 8)";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, user_id);
	bind_text(st, 2, hash);
	int rc = sqlite3_step(st);
	done(c, st);
	if (rc != SQLITE_DONE)
		return db_error(err, c->db, "pw_history");
	st = prep(c, trim, err);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, user_id);
	rc = sqlite3_step(st);
	done(c, st);
	return rc == SQLITE_DONE ? true : db_error(err, c->db, "pw_history");
}

int store_pw_history(struct store *s, int64_t user_id, char (*hashes)[256], int max, struct vax_error *err)
{
	static const char q[] = "SELECT hash FROM pw_history WHERE user_id=?1 ORDER BY seq DESC LIMIT ?2";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int(st, 2, max);
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(hashes[n], 256, "%s", (const char *)sqlite3_column_text(st, 0));
		n++;
	}
	done(c, st);
	return n;
}

bool store_token_add(struct store *s, const char *token_hash, const struct store_session *ss,
		     struct vax_error *err)
{
	static const char q[] = "INSERT INTO token(hash, user_id, org, role, expires) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char purge[] = "DELETE FROM token WHERE expires < ?1";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, purge, err);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, ss->expires - 86400);
	sqlite3_step(st);
	done(c, st);
	st = prep(c, q, err);
	if (!st)
		return false;
	bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, ss->user_id);
	bind_text(st, 3, ss->org);
	bind_text(st, 4, ss->role);
	sqlite3_bind_int64(st, 5, ss->expires);
	int rc = sqlite3_step(st);
	done(c, st);
	return rc == SQLITE_DONE ? true : db_error(err, c->db, "token");
}

int store_token_get(struct store *s, const char *token_hash, int64_t now, struct store_session *ss,
		    struct vax_error *err)
{
	static const char q[] = "SELECT t.user_id, u.username, t.org, t.role, t.expires FROM token t"
				" JOIN user u ON u.id=t.user_id WHERE t.hash=?1 AND t.expires>?2";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1) {
		memset(ss, 0, sizeof *ss);
		ss->user_id = sqlite3_column_int64(st, 0);
		snprintf(ss->username, sizeof ss->username, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(ss->org, sizeof ss->org, "%s", (const char *)sqlite3_column_text(st, 2));
		snprintf(ss->role, sizeof ss->role, "%s", (const char *)sqlite3_column_text(st, 3));
		ss->expires = sqlite3_column_int64(st, 4);
	} else if (ret < 0) {
		db_error(err, c->db, "token");
	}
	done(c, st);
	return ret;
}

bool store_token_delete(struct store *s, const char *token_hash, struct vax_error *err)
{
	static const char q[] = "DELETE FROM token WHERE hash=?1 OR hash=?2";
	struct two t = {token_hash, token_hash};
	return exec_bound(s, q, "token", err, bind_two, &t);
}

bool store_reset_add(struct store *s, const char *token_hash, int64_t user_id, int64_t expires,
		     struct vax_error *err)
{
	static const char q[] = "INSERT INTO reset(hash, user_id, expires) VALUES (?1, ?2, ?3)";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return false;
	bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, expires);
	int rc = sqlite3_step(st);
	done(c, st);
	return rc == SQLITE_DONE ? true : db_error(err, c->db, "reset");
}

int store_reset_take(struct store *s, const char *token_hash, int64_t now, int64_t *user_id,
		     struct vax_error *err)
{
	static const char q[] = "SELECT user_id FROM reset WHERE hash=?1 AND used=0 AND expires>?2";
	static const char use[] = "UPDATE reset SET used=1 WHERE hash=?1";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	bind_text(st, 1, token_hash);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (ret == 1)
		*user_id = sqlite3_column_int64(st, 0);
	done(c, st);
	if (ret != 1)
		return ret < 0 ? (db_error(err, c->db, "reset"), -1) : 0;
	struct two t = {token_hash, NULL};
	return exec_bound(s, use, "reset", err, bind_two, &t) ? 1 : -1;
}

bool store_login_record(struct store *s, int64_t user_id, const char *org, int64_t at,
			const char *statement_version, struct vax_error *err)
{
	static const char q[] = "INSERT INTO login(user_id, org, at, statement) VALUES (?1, ?2, ?3, ?4)";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, user_id);
	bind_text(st, 2, org);
	sqlite3_bind_int64(st, 3, at);
	bind_text(st, 4, statement_version);
	int rc = sqlite3_step(st);
	done(c, st);
	return rc == SQLITE_DONE ? true : db_error(err, c->db, "login");
}

bool store_audit_many(struct store *s, const char *user, const char *org, const char *action,
		      const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err)
{
	static const char q[] = "INSERT INTO audit(at, username, org, action, type, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	if (n <= 0)
		return true;
	/* one transaction for the lot: a search page is one write, not twenty */
	bool own = sqlite3_get_autocommit(c->db) != 0;
	if (own && !store_begin(s, err))
		return false;
	bool ok = true;
	for (int i = 0; i < n && ok; i++) {
		sqlite3_stmt *st = prep(c, q, err);
		if (!st) {
			ok = false;
			break;
		}
		sqlite3_bind_int64(st, 1, at);
		bind_text(st, 2, user);
		bind_text(st, 3, org);
		bind_text(st, 4, action);
		bind_text(st, 5, type);
		bind_text(st, 6, ids[i]);
		int rc = sqlite3_step(st);
		done(c, st);
		if (rc != SQLITE_DONE)
			ok = db_error(err, c->db, "audit");
	}
	if (own) {
		if (ok && store_commit(s, err))
			return true;
		store_rollback(s);
		return false;
	}
	return ok;
}

bool store_audit(struct store *s, const char *user, const char *org, const char *action,
		 const char *type, const char *id, int64_t at, struct vax_error *err)
{
	char one[1][65];
	snprintf(one[0], sizeof one[0], "%.64s", id ? id : "");
	return store_audit_many(s, user, org, action, type, (const char (*)[65])one, 1, at, err);
}

long store_audit_count(struct store *s, const char *type, const char *id, struct vax_error *err)
{
	static const char q[] = "SELECT count(*) FROM audit WHERE type=?1 AND id=?2";
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	sqlite3_stmt *st = prep(c, q, err);
	if (!st)
		return -1;
	bind_text(st, 1, type);
	bind_text(st, 2, id);
	long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
	done(c, st);
	return n;
}
