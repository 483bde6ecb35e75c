/* registry/store_sqlite.c - store.h on SQLite (WAL). One connection per
 * thread, prepared statements cached per connection, every value bound. */
#include "registry/store.h"

#include <pthread.h>
#include <stdarg.h>
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
	bool wl; /* holds the store's writer lock */
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
    " sort TEXT NOT NULL DEFAULT ''," /* the resource's sort key: a search never leaves this table */
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
	if (sqlite3_exec(c->db,
	                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
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

/* A cached, reset statement for a literal SQL string; NULL if it does not
 * prepare (stmt_prep reports it). */
static sqlite3_stmt *prep(struct conn *c, const char *sql)
{
	for (int i = 0; i < c->n_cache; i++)
		if (c->cache[i].sql == sql) {
			sqlite3_reset(c->cache[i].st);
			sqlite3_clear_bindings(c->cache[i].st);
			return c->cache[i].st;
		}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	if (c->n_cache < STMT_CACHE) {
		c->cache[c->n_cache].sql = sql;
		c->cache[c->n_cache].st = st;
		c->n_cache++;
	}
	return st;
}

/* Statements not in the cache (dynamic SQL, or a full cache) are
 * finalized; cached ones only reset. */
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

/* Copy a text column into a fixed buffer, cut to fit. */
static void column_copy(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, col));
}

/* One statement of a store call. Errors name what it is for ("token",
 * "member"), never a bound value: values may be PHI. */
struct stmt {
	struct conn *c;
	sqlite3_stmt *st;
	const char *what;
};

/* Prepare sql (a literal: the cache keys on its address) on the calling
 * thread's connection and bind ?1, ?2, ... from the arguments, one letter
 * of binds each: 't' text (NULL binds ""), 'z' text or SQL NULL for a NULL
 * pointer, 'i' int (or bool), 'I' int64_t. */
static bool stmt_vprep(struct stmt *q, struct store *s, const char *sql, const char *what,
                       struct vax_error *err, const char *binds, va_list ap)
{
	q->what = what;
	q->c = conn_get(s, err);
	if (!q->c)
		return false;
	q->st = prep(q->c, sql);
	if (!q->st)
		return db_error(err, q->c->db, what);
	for (int i = 1; binds[i - 1]; i++) {
		switch (binds[i - 1]) {
		case 't':
			bind_text(q->st, i, va_arg(ap, const char *));
			break;
		case 'z': {
			const char *v = va_arg(ap, const char *);
			if (v)
				bind_text(q->st, i, v);
			else
				sqlite3_bind_null(q->st, i);
			break;
		}
		case 'i':
			sqlite3_bind_int(q->st, i, va_arg(ap, int));
			break;
		case 'I':
			sqlite3_bind_int64(q->st, i, va_arg(ap, int64_t));
			break;
		default:
			abort(); /* a typo in a bind spec: a bug, not a storage failure */
		}
	}
	return true;
}

static bool stmt_prep(struct stmt *q, struct store *s, const char *sql, const char *what,
                      struct vax_error *err, const char *binds, ...)
{
	va_list ap;
	va_start(ap, binds);
	bool ok = stmt_vprep(q, s, sql, what, err, binds, ap);
	va_end(ap);
	return ok;
}

/* The next row: 1 a row, 0 no more, -1 a failure (reported in err). */
static int stmt_step(struct stmt *q, struct vax_error *err)
{
	int rc = sqlite3_step(q->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_error(err, q->c->db, q->what);
	return -1;
}

static void stmt_done(struct stmt *q)
{
	done(q->c, q->st);
}

/* Run a statement that returns no rows (INSERT, UPDATE, DELETE). */
static bool stmt_exec(struct store *s, const char *sql, const char *what, struct vax_error *err,
                      const char *binds, ...)
{
	struct stmt q;
	va_list ap;
	va_start(ap, binds);
	bool ok = stmt_vprep(&q, s, sql, what, err, binds, ap);
	va_end(ap);
	if (!ok)
		return false;
	ok = stmt_step(&q, err) >= 0;
	stmt_done(&q);
	return ok;
}

/* The one row of a lookup: copies its first column into buf (when buf is
 * not NULL) and releases the statement. 1 found, 0 none, -1 failure. */
static int stmt_get_text(struct stmt *q, char *buf, size_t len, struct vax_error *err)
{
	int ret = stmt_step(q, err);
	if (ret == 1 && buf)
		column_copy(q->st, 0, buf, len);
	stmt_done(q);
	return ret;
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
	return c && exec_simple(c,
	                        on ? "PRAGMA synchronous=OFF; PRAGMA cache_size=-524288;"
	                           : "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
	                        err);
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
	column_copy(st, col + 2, r->org, sizeof r->org);
	r->updated = sqlite3_column_int64(st, col + 3);
	const char *j = (const char *)sqlite3_column_text(st, col + 4);
	r->json = j && !r->deleted ? strdup(j) : NULL;
}

int store_read(struct store *s, const char *type, const char *id, long version, struct store_res *r,
               struct vax_error *err)
{
	/* the JSON of every version lives once, in history */
	static const char cur[] = "SELECT r.version, r.deleted, r.org, r.updated, h.json FROM resource r"
	                          " JOIN history h ON h.type=r.type AND h.id=r.id AND h.version=r.version"
	                          " WHERE r.type=?1 AND r.id=?2";
	static const char old[] =
	    "SELECT version, deleted, org, updated, json FROM history WHERE type=?1 AND id=?2 AND version=?3";
	memset(r, 0, sizeof *r);
	struct stmt q;
	if (version ? !stmt_prep(&q, s, old, "read", err, "ttI", type, id, (int64_t)version)
	            : !stmt_prep(&q, s, cur, "read", err, "tt", type, id))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1)
		fill_res(q.st, 0, r);
	stmt_done(&q);
	return ret;
}

static void format_instant(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool store_write(struct store *s, const char *type, const char *id, const char *org, cJSON *res, bool deleted,
                 int64_t now, long *version, struct vax_error *err)
{
	static const char q_ver[] = "SELECT version FROM resource WHERE type=?1 AND id=?2";
	static const char q_put[] =
	    "INSERT INTO resource(type, id, version, deleted, org, updated, sort, json)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT(type, id) DO UPDATE SET version=?3, deleted=?4, org=?5, updated=?6, sort=?7, "
	    "json=?8";
	static const char q_hist[] = "INSERT INTO history(type, id, version, deleted, org, updated, json) "
	                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	static const char q_unterm[] = "DELETE FROM term WHERE type=?1 AND id=?2";
	static const char q_term[] =
	    "INSERT INTO term(type, key, value, id, sort) VALUES (?1, ?2, ?3, ?4, ?5)";

	struct stmt q;
	if (!stmt_prep(&q, s, q_ver, "version", err, "tt", type, id))
		return false;
	int rc = stmt_step(&q, err);
	long v = rc == 1 ? (long)sqlite3_column_int64(q.st, 0) + 1 : 1;
	stmt_done(&q);
	if (rc < 0)
		return false;

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

	/* the resource row binds no JSON (NULL): it lives in history only */
	int64_t ver = v;
	bool ok = stmt_exec(s, q_put, "write", err, "ttIitItz", type, id, ver, deleted, org, now, sort, NULL);
	ok = ok && stmt_exec(s, q_hist, "history", err, "ttIitIz", type, id, ver, deleted, org, now, json);
	ok = ok && stmt_exec(s, q_unterm, "unindex", err, "tt", type, id);
	for (int i = 0; i < nterms && ok; i++) {
		const struct index_term *t = &terms[i];
		ok = stmt_exec(s, q_term, "index", err, "ttttt", type, t->key, t->value, id, sort);
	}
	if (ok && version)
		*version = v;
	cJSON_free(json);
	return ok;
}

int store_history(struct store *s, const char *type, const char *id, struct store_res *out, int max,
                  struct vax_error *err)
{
	static const char sql[] =
	    "SELECT version, deleted, org, updated, json FROM history WHERE type=?1 AND id=?2"
	    " ORDER BY version DESC LIMIT ?3";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "history", err, "tti", type, id, max))
		return -1;
	int n = 0, rc;
	while ((rc = stmt_step(&q, err)) == 1 && n < max)
		fill_res(q.st, 0, &out[n++]);
	stmt_done(&q);
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			store_res_free(&out[i]);
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
			o += (size_t)snprintf(
			    buf + o, len - o,
			    " AND r.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d AND value=?%d)", b,
			    b + 1);
			b += 2;
			break;
		case SC_PREFIX:
		case SC_RANGE:
			o += (size_t)snprintf(buf + o, len - o,
			                      " AND r.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d"
			                      " AND value>=?%d AND value<=?%d)",
			                      b, b + 1, b + 2);
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

/* The number of matches of a dynamic count query (bound by bind_conds). */
static bool search_count(struct conn *c, const char *sql, const struct store_query *q, long *total,
                         struct vax_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "search");
	bind_conds(st, q);
	*total = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return true;
}

/* A page of a dynamic query whose columns are the id, then fill_res's. */
static int search_page(struct conn *c, const char *sql, const struct store_query *q, struct store_res *out,
                       char (*ids)[65], struct vax_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "search"), -1;
	bind_conds(st, q);
	int n = 0;
	while (n < q->count && sqlite3_step(st) == SQLITE_ROW) {
		column_copy(st, 0, ids[n], 65);
		fill_res(st, 1, &out[n]);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static int search_terms(struct conn *c, const struct store_query *q, struct store_res *out, char (*ids)[65],
                        long *total, struct vax_error *err)
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
		o = (size_t)snprintf(from, sizeof from,
		                     " FROM term t WHERE t.type=?1 AND t.key=?%d AND t.value=?%d",
		                     base[drive], base[drive] + 1);
	else
		o = (size_t)snprintf(
		    from, sizeof from,
		    " FROM term t WHERE t.type=?1 AND t.key=?%d AND t.value>=?%d AND t.value<=?%d",
		    base[drive], base[drive] + 1, base[drive] + 2);
	for (int i = 0; i < q->n && o < sizeof from; i++) {
		if (i == drive)
			continue;
		if (q->cond[i].kind == SC_TERM)
			o += (size_t)snprintf(
			    from + o, sizeof from - o,
			    " AND t.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d AND value=?%d)",
			    base[i], base[i] + 1);
		else
			o += (size_t)snprintf(from + o, sizeof from - o,
			                      " AND t.id IN (SELECT id FROM term WHERE type=?1 AND key=?%d"
			                      " AND value>=?%d AND value<=?%d)",
			                      base[i], base[i] + 1, base[i] + 2);
	}
	char sql[4600];
	snprintf(sql, sizeof sql, "SELECT count(DISTINCT t.id)%s", from);
	if (!search_count(c, sql, q, total, err))
		return -1;
	if (q->count <= 0 || *total == 0)
		return 0;
	snprintf(
	    sql, sizeof sql,
	    "SELECT r.id, r.version, r.deleted, r.org, r.updated, h.json FROM"
	    " (SELECT t.id AS id, min(t.sort) AS s%s GROUP BY t.id ORDER BY s, t.id LIMIT %d OFFSET %d) p"
	    " JOIN resource r ON r.type=?1 AND r.id=p.id"
	    " JOIN history h ON h.type=r.type AND h.id=r.id AND h.version=r.version ORDER BY p.s, p.id",
	    from, q->count, q->offset);
	return search_page(c, sql, q, out, ids, err);
}

int store_search(struct store *s, const struct store_query *q, struct store_res *out, char (*ids)[65],
                 long *total, struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	char where[4096], sql[4400];
	if (term_only(q))
		return search_terms(c, q, out, ids, total, err);
	where_clause(q, where, sizeof where);

	/* With search terms, walk the (few) matching ids and sort them: the
	 * unary plus keeps SQLite from walking the whole sort index instead. */
	bool by_terms = false;
	for (int i = 0; i < q->n; i++)
		by_terms |= q->cond[i].kind != SC_OWNER;
	snprintf(sql, sizeof sql, "SELECT count(*)%s", where);
	if (!search_count(c, sql, q, total, err))
		return -1;
	if (q->count <= 0 || *total == 0)
		return 0;

	/* page first, then fetch the JSON of that page only */
	snprintf(
	    sql, sizeof sql,
	    "SELECT p.id, p.version, p.deleted, p.org, p.updated, h.json FROM"
	    " (SELECT r.type, r.id, r.version, r.deleted, r.org, r.updated, r.sort%s"
	    " ORDER BY %s LIMIT %d OFFSET %d) p"
	    " JOIN history h ON h.type=p.type AND h.id=p.id AND h.version=p.version ORDER BY p.sort, p.id",
	    where, by_terms ? "+r.sort, +r.id" : "r.sort, r.id", q->count, q->offset);
	return search_page(c, sql, q, out, ids, err);
}

/* ---- organizations, users ----------------------------------------------- */

bool store_org_add(struct store *s, const char *code, const char *name, struct vax_error *err)
{
	static const char sql[] = "INSERT INTO org(code, name) VALUES (?1, ?2)"
	                          " ON CONFLICT(code) DO UPDATE SET name=?2";
	return stmt_exec(s, sql, "org", err, "tt", code, name);
}

int store_org_get(struct store *s, const char *code, char *name, size_t len, struct vax_error *err)
{
	static const char sql[] = "SELECT name FROM org WHERE code=?1";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "org", err, "t", code))
		return -1;
	return stmt_get_text(&q, name, len, err);
}

static void fill_user(sqlite3_stmt *st, struct store_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	column_copy(st, 1, u->username, sizeof u->username);
	column_copy(st, 2, u->email, sizeof u->email);
	column_copy(st, 3, u->hash, sizeof u->hash);
	u->failures = sqlite3_column_int(st, 4);
	column_copy(st, 5, u->challenge, sizeof u->challenge);
	u->reset_required = sqlite3_column_int(st, 6) != 0;
	u->pw_changed = sqlite3_column_int64(st, 7);
}

bool store_user_add(struct store *s, struct store_user *u, struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO user(username, email, hash, pw_changed) VALUES (?1, ?2, ?3, ?4)";
	if (!stmt_exec(s, sql, "user", err, "tttI", u->username, u->email, u->hash, u->pw_changed))
		return false;
	/* the thread's own connection: the row it has just inserted */
	u->id = sqlite3_last_insert_rowid(conn_get(s, err)->db);
	return true;
}

/* The one row of a user query (columns as fill_user reads them): 1/0/-1. */
static int user_fetch(struct stmt *q, struct store_user *u, struct vax_error *err)
{
	int ret = stmt_step(q, err);
	if (ret == 1)
		fill_user(q->st, u);
	stmt_done(q);
	return ret;
}

int store_user_get(struct store *s, const char *username, struct store_user *u, struct vax_error *err)
{
	static const char sql[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                          " pw_changed FROM user WHERE username=?1";
	struct stmt q;
	return stmt_prep(&q, s, sql, "user", err, "t", username) ? user_fetch(&q, u, err) : -1;
}

int store_user_by_id(struct store *s, int64_t id, struct store_user *u, struct vax_error *err)
{
	static const char sql[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                          " pw_changed FROM user WHERE id=?1";
	struct stmt q;
	return stmt_prep(&q, s, sql, "user", err, "I", id) ? user_fetch(&q, u, err) : -1;
}

bool store_user_update(struct store *s, const struct store_user *u, struct vax_error *err)
{
	static const char sql[] = "UPDATE user SET email=?2, hash=?3, failures=?4, challenge=?5,"
	                          " reset_required=?6, pw_changed=?7 WHERE id=?1";
	return stmt_exec(s, sql, "user", err, "IttitiI", u->id, u->email, u->hash, u->failures, u->challenge,
	                 u->reset_required, u->pw_changed);
}

bool store_member_add(struct store *s, int64_t user_id, const char *org, const char *role,
                      struct vax_error *err)
{
	static const char sql[] = "INSERT INTO member(user_id, org, role) VALUES (?1, ?2, ?3)"
	                          " ON CONFLICT(user_id, org) DO UPDATE SET role=?3";
	return stmt_exec(s, sql, "member", err, "Itt", user_id, org, role);
}

int store_member_role(struct store *s, int64_t user_id, const char *org, char *role, size_t len,
                      struct vax_error *err)
{
	static const char sql[] = "SELECT role FROM member WHERE user_id=?1 AND org=?2";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "member", err, "It", user_id, org))
		return -1;
	return stmt_get_text(&q, role, len, err);
}

int store_member_orgs(struct store *s, int64_t user_id, struct store_org *orgs, int max,
                      struct vax_error *err)
{
	static const char sql[] = "SELECT m.org, COALESCE(o.name, '') FROM member m"
	                          " LEFT JOIN org o ON o.code = m.org WHERE m.user_id=?1 ORDER BY m.org";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "member", err, "I", user_id))
		return -1;
	int n = 0, rc;
	while ((rc = stmt_step(&q, err)) == 1 && n < max) {
		column_copy(q.st, 0, orgs[n].code, sizeof orgs[n].code);
		column_copy(q.st, 1, orgs[n].name, sizeof orgs[n].name);
		n++;
	}
	stmt_done(&q);
	return rc < 0 ? -1 : n;
}

bool store_pw_history_add(struct store *s, int64_t user_id, const char *hash, struct vax_error *err)
{
	static const char sql[] = "INSERT INTO pw_history(user_id, hash) VALUES (?1, ?2)";
	static const char trim[] = "DELETE FROM pw_history WHERE user_id=?1 AND seq NOT IN"
	                           " (SELECT seq FROM pw_history WHERE user_id=?1 ORDER BY seq DESC LIMIT 8)";
	return stmt_exec(s, sql, "pw_history", err, "It", user_id, hash) &&
	       stmt_exec(s, trim, "pw_history", err, "I", user_id);
}

int store_pw_history(struct store *s, int64_t user_id, char (*hashes)[256], int max, struct vax_error *err)
{
	static const char sql[] = "SELECT hash FROM pw_history WHERE user_id=?1 ORDER BY seq DESC LIMIT ?2";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "pw_history", err, "Ii", user_id, max))
		return -1;
	int n = 0, rc = 0;
	while (n < max && (rc = stmt_step(&q, err)) == 1) {
		column_copy(q.st, 0, hashes[n], 256);
		n++;
	}
	stmt_done(&q);
	return rc < 0 ? -1 : n;
}

bool store_token_add(struct store *s, const char *token_hash, const struct store_session *ss,
                     struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO token(hash, user_id, org, role, expires) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char purge[] = "DELETE FROM token WHERE expires < ?1";
	struct stmt q;
	if (!stmt_prep(&q, s, purge, "token", err, "I", ss->expires - 86400))
		return false;
	stmt_step(&q, NULL); /* a purge that fails only leaves expired rows behind */
	stmt_done(&q);
	return stmt_exec(s, sql, "token", err, "tIttI", token_hash, ss->user_id, ss->org, ss->role,
	                 ss->expires);
}

int store_token_get(struct store *s, const char *token_hash, int64_t now, struct store_session *ss,
                    struct vax_error *err)
{
	static const char sql[] = "SELECT t.user_id, u.username, t.org, t.role, t.expires FROM token t"
	                          " JOIN user u ON u.id=t.user_id WHERE t.hash=?1 AND t.expires>?2";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "token", err, "tI", token_hash, now))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1) {
		memset(ss, 0, sizeof *ss);
		ss->user_id = sqlite3_column_int64(q.st, 0);
		column_copy(q.st, 1, ss->username, sizeof ss->username);
		column_copy(q.st, 2, ss->org, sizeof ss->org);
		column_copy(q.st, 3, ss->role, sizeof ss->role);
		ss->expires = sqlite3_column_int64(q.st, 4);
	}
	stmt_done(&q);
	return ret;
}

bool store_token_delete(struct store *s, const char *token_hash, struct vax_error *err)
{
	static const char sql[] = "DELETE FROM token WHERE hash=?1 OR hash=?2";
	return stmt_exec(s, sql, "token", err, "tt", token_hash, token_hash);
}

bool store_reset_add(struct store *s, const char *token_hash, int64_t user_id, int64_t expires,
                     struct vax_error *err)
{
	static const char sql[] = "INSERT INTO reset(hash, user_id, expires) VALUES (?1, ?2, ?3)";
	return stmt_exec(s, sql, "reset", err, "tII", token_hash, user_id, expires);
}

int store_reset_take(struct store *s, const char *token_hash, int64_t now, int64_t *user_id,
                     struct vax_error *err)
{
	static const char sql[] = "SELECT user_id FROM reset WHERE hash=?1 AND used=0 AND expires>?2";
	static const char use[] = "UPDATE reset SET used=1 WHERE hash=?1";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "reset", err, "tI", token_hash, now))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1)
		*user_id = sqlite3_column_int64(q.st, 0);
	stmt_done(&q);
	if (ret != 1)
		return ret;
	return stmt_exec(s, use, "reset", err, "t", token_hash) ? 1 : -1;
}

bool store_login_record(struct store *s, int64_t user_id, const char *org, int64_t at,
                        const char *statement_version, struct vax_error *err)
{
	static const char sql[] = "INSERT INTO login(user_id, org, at, statement) VALUES (?1, ?2, ?3, ?4)";
	return stmt_exec(s, sql, "login", err, "ItIt", user_id, org, at, statement_version);
}

int store_last_login(struct store *s, int64_t user_id, int64_t *at, struct vax_error *err)
{
	static const char sql[] = "SELECT max(at) FROM login WHERE user_id=?1";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "login", err, "I", user_id))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1 && sqlite3_column_type(q.st, 0) == SQLITE_NULL)
		ret = 0;
	if (ret == 1)
		*at = sqlite3_column_int64(q.st, 0);
	stmt_done(&q);
	return ret;
}

bool store_audit_many(struct store *s, const char *user, const char *org, const char *action,
                      const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO audit(at, username, org, action, type, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
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
	for (int i = 0; i < n && ok; i++)
		ok = stmt_exec(s, sql, "audit", err, "Ittttt", at, user, org, action, type, ids[i]);
	if (own) {
		if (ok && store_commit(s, err))
			return true;
		store_rollback(s);
		return false;
	}
	return ok;
}

bool store_audit(struct store *s, const char *user, const char *org, const char *action, const char *type,
                 const char *id, int64_t at, struct vax_error *err)
{
	char one[1][65];
	snprintf(one[0], sizeof one[0], "%.64s", id ? id : "");
	return store_audit_many(s, user, org, action, type, (const char(*)[65])one, 1, at, err);
}

long store_audit_count(struct store *s, const char *type, const char *id, struct vax_error *err)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE type=?1 AND id=?2";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "audit", err, "tt", type, id))
		return -1;
	long n = stmt_step(&q, err) == 1 ? (long)sqlite3_column_int64(q.st, 0) : -1;
	stmt_done(&q);
	return n;
}
