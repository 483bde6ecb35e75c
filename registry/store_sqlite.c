/* registry/store_sqlite.c - store.h on SQLite (WAL). One connection per
 * thread, prepared statements cached per connection, every value bound.
 *
 * Layout (schema version 2, PRAGMA user_version):
 *   resource  one row per resource (rid, type, id, version, deleted, org,
 *             updated, sort key): small, so sorting a result reads little
 *   doc       the current version's JSON, by rid
 *   history   every older version, by (rid, version)
 *   term      the search terms, (rid, key, value), and the index term_kv on
 *             (key, value): a search walks one key's values, never a table
 *   name      resource types and term keys as small numbers ("Patient",
 *             "Patient.family"), so a term row carries no repeated text
 * A search is planned here, not left to SQLite's planner: it probes each
 * condition's index range (at most PROBE entries) and drives from the
 * narrowest, checking the others by (rid, key, value) lookups; the page is
 * chosen by sort key before any JSON is read. Every statement therefore has
 * one index-backed plan whatever the statistics say; tests/registry/
 * test_plans.c fails if one turns into a scan.
 */
#include "registry/store.h"
#include "registry/store_impl.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "registry/index.h"

#define STMT_CACHE    64
#define DYN_CACHE     24
#define SCHEMA        2
#define PROBE         100 /* index entries a search reads to size a condition */
#define OPTIMIZE_EACH 20000

struct name {
	char s[64];
	int id;
};

struct audit_row {
	int64_t at;
	char user[65], org[33], action[24], type[40], id[65];
};

struct conn {
	sqlite3 *db;
	struct {
		const char *sql; /* a string literal: compared by address */
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	int n_cache;
	struct {
		char *sql; /* dynamic SQL, compared by text; least recently used goes */
		sqlite3_stmt *st;
		unsigned long used;
	} dyn[DYN_CACHE];
	unsigned long tick;
	/* names this connection looked up or added inside its transaction:
	 * the store learns them at commit, forgets them at rollback */
	struct name pending[32];
	int n_pending;
	/* audit rows of the open transaction, written when it commits */
	struct audit_row *apend;
	int n_apend, cap_apend;
	bool wl; /* holds the store's writer lock */
	struct conn *next;
};

struct sq_store {
	struct store base; /* first: the store.h handle */
	char *path;
	pthread_key_t key;
	pthread_mutex_t lock;
	/* One writer at a time inside this process: threads queue on a mutex
	 * (woken at once) instead of SQLite's busy handler (sleeps of 1-100
	 * ms). Other processes still meet the busy timeout. */
	pthread_mutex_t wlock;
	struct conn *all;
	/* committed names (types, term keys) and their numbers */
	struct store_names names;
	atomic_long commits;
	bool late; /* a bulk load dropped the late indexes */
	store_plan_fn plan_fn;
	void *plan_ctx;
	/* The audit trail lives in its own file, audit.db: the row every read
	 * writes never touches the registry's WAL, where any commit makes
	 * every other connection drop its whole page cache (measured: the
	 * searches that got slower with a second connection). Each request
	 * writes its rows itself under alock: a writer thread batching them
	 * (group commit) cost more in wake-ups than the commits it saved. */
	pthread_mutex_t alock; /* the audit connection */
	sqlite3 *adb;
	sqlite3_stmt *a_ins, *a_count;
};

static const char schema[] =
    "CREATE TABLE name (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE resource ("
    " rid INTEGER PRIMARY KEY, t INTEGER NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL, org TEXT NOT NULL, updated INTEGER NOT NULL, sort TEXT NOT NULL, uuid TEXT);"
    "CREATE UNIQUE INDEX resource_id ON resource(t, id);"
    /* a record's own UUID identifier is its identity (index_own_uuid) */
    "CREATE UNIQUE INDEX resource_uuid ON resource(t, uuid);"
    "CREATE TABLE doc (rid INTEGER PRIMARY KEY, json TEXT NOT NULL);"
    "CREATE TABLE history ("
    " rid INTEGER NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL, org TEXT NOT NULL,"
    " updated INTEGER NOT NULL, json TEXT);"
    "CREATE UNIQUE INDEX history_version ON history(rid, version);"
    "CREATE TABLE term (rid INTEGER NOT NULL, k INTEGER NOT NULL, v TEXT NOT NULL,"
    " PRIMARY KEY (rid, k, v)) WITHOUT ROWID;"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* The indexes a bulk load into an empty store builds at its end, sorted,
 * instead of row by row; made again by any open after a load that died. */
static const char schema_late[] =
    "CREATE INDEX IF NOT EXISTS resource_sort ON resource(t, deleted, sort, id);"
    "CREATE INDEX IF NOT EXISTS term_kv ON term(k, v);";

/* Tables that both schema versions share, with the indexes version 2 adds
 * (every query vaxregd runs has an index). */
static const char schema_common[] =
    "CREATE TABLE IF NOT EXISTS org (code TEXT PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS user ("
    " id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE, email TEXT NOT NULL,"
    " hash TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0, challenge TEXT NOT NULL DEFAULT '',"
    " reset_required INTEGER NOT NULL DEFAULT 0, pw_changed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS member ("
    " user_id INTEGER NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (user_id, org));"
    "CREATE TABLE IF NOT EXISTS pw_history ("
    " user_id INTEGER NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS pw_history_user ON pw_history(user_id, seq);"
    "CREATE TABLE IF NOT EXISTS token ("
    " hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS token_expires ON token(expires);"
    "CREATE TABLE IF NOT EXISTS reset ("
    " hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS login ("
    " user_id INTEGER NOT NULL, org TEXT NOT NULL, at INTEGER NOT NULL, statement TEXT NOT NULL);";

/* OAuth grants (refresh tokens, device codes: store_grant_*): a table any
 * vaxregd that knows it adds when it opens a store, so a store made before
 * needs no upgrade step; one made after is opened by an older vaxregd as
 * it was. */
static const char schema_grants[] =
    "CREATE TABLE IF NOT EXISTS grant_row ("
    " kind TEXT NOT NULL, key TEXT NOT NULL, family TEXT NOT NULL, user_id INTEGER NOT NULL,"
    " org TEXT NOT NULL, role TEXT NOT NULL, state INTEGER NOT NULL, start INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, last INTEGER NOT NULL, poll_interval INTEGER NOT NULL,"
    " PRIMARY KEY (kind, key));"
    "CREATE INDEX IF NOT EXISTS grant_family ON grant_row(family);"
    "CREATE INDEX IF NOT EXISTS grant_expires ON grant_row(expires);"
    /* tokens (key: the token's hash) and refresh families (key: the
     * family) of deferred logins, waiting for the confidentiality
     * statement (store_token_accept); added the same way */
    "CREATE TABLE IF NOT EXISTS token_awaiting ("
    " key TEXT PRIMARY KEY, family TEXT NOT NULL, statement TEXT NOT NULL, login INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS token_awaiting_expires ON token_awaiting(expires);";

/* Append-only, in the order written: an index on the resource would make
 * every row a write to a random page (measured: the audit then cost more
 * than the read it recorded). A client's accounting of accesses is a
 * report that reads the trail through, never a request's work. */
static const char schema_audit[] =
    "CREATE TABLE IF NOT EXISTS audit ("
    " at INTEGER NOT NULL, username TEXT NOT NULL, org TEXT NOT NULL, action TEXT NOT NULL,"
    " type TEXT NOT NULL, id TEXT NOT NULL);"
    "DROP INDEX IF EXISTS audit_res;";

static bool db_error(struct vax_error *err, sqlite3 *db, const char *what)
{
	return error_set(err, "STORE", "The registry database failed (%s: %s).", what,
	                 db ? sqlite3_errmsg(db) : "cannot open");
}

static void conn_free(struct conn *c)
{
	free(c->apend);
	for (int i = 0; i < c->n_cache; i++)
		sqlite3_finalize(c->cache[i].st);
	for (int i = 0; i < DYN_CACHE; i++) {
		sqlite3_finalize(c->dyn[i].st);
		free(c->dyn[i].sql);
	}
	sqlite3_close(c->db);
	free(c);
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

static struct conn *conn_open(struct sq_store *s, struct vax_error *err)
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
	/* no memory map: every connection maps the file on its own, and a
	 * file that grows at a checkpoint is mapped anew by each, refaulting
	 * every page (measured: bench/state_scale.sh) */
	if (!exec_simple(c,
	                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;"
	                 " PRAGMA temp_store=MEMORY; PRAGMA analysis_limit=1000;",
	                 err)) {
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

static struct conn *conn_get(struct sq_store *s, struct vax_error *err)
{
	struct conn *c = pthread_getspecific(s->key);
	return c ? c : conn_open(s, err);
}

/* ---- statements ------------------------------------------------------------ */

/* Tell the plan hook how SQLite will run sql. */
static void explain_db(struct sq_store *s, sqlite3 *db, const char *sql)
{
	if (!s->plan_fn)
		return;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;
	char plan[8192];
	size_t o = 0;
	plan[0] = '\0';
	if (q && sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW && o < sizeof plan)
			o += (size_t)snprintf(plan + o, sizeof plan - o, "%s\n",
			                      (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
	sqlite3_free(q);
	s->plan_fn(s->plan_ctx, sql, plan);
}

static void explain(struct sq_store *s, struct conn *c, const char *sql)
{
	explain_db(s, c->db, sql);
}

/* A cached, reset statement for a literal SQL string; NULL if it does not
 * prepare. */
static sqlite3_stmt *prep(struct sq_store *s, struct conn *c, const char *sql)
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
	explain(s, c, sql);
	if (c->n_cache < STMT_CACHE) {
		c->cache[c->n_cache].sql = sql;
		c->cache[c->n_cache].st = st;
		c->n_cache++;
	}
	return st;
}

/* The same for SQL built at run time (searches): cached by text. */
static sqlite3_stmt *prep_dyn(struct sq_store *s, struct conn *c, const char *sql)
{
	int lru = 0;
	c->tick++;
	for (int i = 0; i < DYN_CACHE; i++) {
		if (c->dyn[i].sql && !strcmp(c->dyn[i].sql, sql)) {
			c->dyn[i].used = c->tick;
			sqlite3_reset(c->dyn[i].st);
			sqlite3_clear_bindings(c->dyn[i].st);
			return c->dyn[i].st;
		}
		if (c->dyn[i].used < c->dyn[lru].used)
			lru = i;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	explain(s, c, sql);
	char *copy = strdup(sql);
	if (!copy)
		return st; /* done() finalizes a statement it does not know */
	sqlite3_finalize(c->dyn[lru].st);
	free(c->dyn[lru].sql);
	c->dyn[lru].sql = copy;
	c->dyn[lru].st = st;
	c->dyn[lru].used = c->tick;
	return st;
}

/* Cached statements are reset; any other is finalized. */
static void done(struct conn *c, sqlite3_stmt *st)
{
	for (int i = 0; i < c->n_cache; i++)
		if (c->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	for (int i = 0; i < DYN_CACHE; i++)
		if (c->dyn[i].st == st) {
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
	const char *t = (const char *)sqlite3_column_text(st, col);
	snprintf(buf, len, "%s", t ? t : "");
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
static bool stmt_vprep(struct stmt *q, struct sq_store *s, const char *sql, const char *what,
                       struct vax_error *err, const char *binds, va_list ap)
{
	q->what = what;
	q->c = conn_get(s, err);
	if (!q->c)
		return false;
	q->st = prep(s, q->c, sql);
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

static bool stmt_prep(struct stmt *q, struct sq_store *s, const char *sql, const char *what,
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
	if (sqlite3_extended_errcode(q->c->db) == SQLITE_CONSTRAINT_UNIQUE && !strcmp(q->what, "write"))
		error_set(err, "STORE-EXISTS", "The record is in the registry already.");
	else
		db_error(err, q->c->db, q->what);
	return -1;
}

static void stmt_done(struct stmt *q)
{
	done(q->c, q->st);
}

/* Run a statement that returns no rows (INSERT, UPDATE, DELETE). */
static bool stmt_exec(struct sq_store *s, const char *sql, const char *what, struct vax_error *err,
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

/* The first column of a one-row lookup as a number: 1 found, 0, -1. */
static int stmt_get_int(struct stmt *q, int64_t *v, struct vax_error *err)
{
	int ret = stmt_step(q, err);
	if (ret == 1)
		*v = sqlite3_column_int64(q->st, 0);
	stmt_done(q);
	return ret;
}

/* One read transaction around a call's statements: one snapshot for all
 * of them (a count and its page agree), and one WAL read lock instead of
 * one per statement (each a few fcntl calls: measured, a third of a
 * $match). Returns whether it began one, for read_end. */
static bool read_begin(struct sq_store *s, struct conn *c)
{
	static const char begin[] = "BEGIN";
	if (!sqlite3_get_autocommit(c->db))
		return false; /* inside the caller's transaction already */
	sqlite3_stmt *st = prep(s, c, begin);
	bool ok = st && sqlite3_step(st) == SQLITE_DONE;
	if (st)
		done(c, st);
	return ok;
}

static void read_end(struct sq_store *s, struct conn *c, bool began)
{
	static const char commit[] = "COMMIT";
	if (!began)
		return;
	sqlite3_stmt *st = prep(s, c, commit);
	if (!st || sqlite3_step(st) != SQLITE_DONE)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	if (st)
		done(c, st);
}

/* ---- names --------------------------------------------------------------------- */

/* The number of a type or term key name ("Patient", "Patient.family"):
 * > 0, 0 unknown (create false), -1 error. Only committed names are
 * shared: one added inside a transaction that rolls back must not outlive
 * it, so inside a transaction the connection keeps them to itself. */
static int name_id(struct sq_store *s, const char *name, bool create, struct vax_error *err)
{
	static const char get[] = "SELECT id FROM name WHERE name=?1";
	static const char add[] = "INSERT INTO name(name) VALUES (?1)";
	if (strlen(name) >= sizeof s->names.v[0].s)
		return create ? (error_set(err, "STORE", "A search key name is too long."), -1) : 0;
	int id = store_names_find(&s->names, name);
	if (id)
		return id;
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	for (int i = 0; i < c->n_pending; i++)
		if (!strcmp(c->pending[i].s, name))
			return c->pending[i].id;
	struct stmt q;
	int64_t v = 0;
	if (!stmt_prep(&q, s, get, "name", err, "t", name))
		return -1;
	int rc = stmt_get_int(&q, &v, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (!create)
			return 0;
		if (!stmt_exec(s, add, "name", err, "t", name))
			return -1;
		v = sqlite3_last_insert_rowid(c->db);
	}
	if (sqlite3_get_autocommit(c->db)) {
		store_names_remember(&s->names, name, (int)v);
	} else if (c->n_pending < (int)(sizeof c->pending / sizeof c->pending[0])) {
		snprintf(c->pending[c->n_pending].s, sizeof c->pending[0].s, "%s", name);
		c->pending[c->n_pending++].id = (int)v;
	}
	return (int)v;
}

static int key_id(struct sq_store *s, const char *type, const char *key, bool create, struct vax_error *err)
{
	char n[96];
	snprintf(n, sizeof n, "%s.%s", type, key);
	return name_id(s, n, create, err);
}

static bool names_load(struct sq_store *s, struct vax_error *err)
{
	static const char sql[] = "SELECT id, name FROM name";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "name", err, ""))
		return false;
	int rc;
	while ((rc = stmt_step(&q, err)) == 1)
		store_names_remember(&s->names, (const char *)sqlite3_column_text(q.st, 1),
		                     sqlite3_column_int(q.st, 0));
	stmt_done(&q);
	return rc == 0;
}

/* ---- open, close, versions ---------------------------------------------------------- */

static void key_destructor(void *p)
{
	(void)p; /* connections are closed in store_close, which owns the list */
}

static int64_t user_version(struct conn *c)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

static bool table_exists(struct conn *c, const char *name)
{
	sqlite3_stmt *st;
	bool yes = false;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?1", -1, &st,
	                       NULL) == SQLITE_OK) {
		bind_text(st, 1, name);
		yes = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return yes;
}

static int terms_version(struct conn *c)
{
	sqlite3_stmt *st;
	int v = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key='terms'", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

/* The store's layout: SCHEMA and current terms, 1 made by vaxregd before
 * schema versions, 0 empty, -1 newer than this vaxregd, -2 terms stale. */
static int layout(struct conn *c)
{
	int64_t v = user_version(c);
	if (v == 0)
		return table_exists(c, "resource") ? 1 : 0;
	if (v > SCHEMA)
		return -1;
	if (v == SCHEMA && terms_version(c) != INDEX_VERSION)
		return -2;
	return (int)v;
}

static bool create_schema(struct conn *c, struct vax_error *err)
{
	char sql[160];
	snprintf(sql, sizeof sql,
	         "INSERT INTO meta(key, value) VALUES ('terms', '%d'); PRAGMA user_version=%d;",
	         INDEX_VERSION, SCHEMA);
	return exec_simple(c, "BEGIN IMMEDIATE", err) &&
	       (layout(c) != 0 || /* another process made it meanwhile */
	        (exec_simple(c, schema, err) && exec_simple(c, schema_common, err) &&
	         exec_simple(c, sql, err))) &&
	       exec_simple(c, "COMMIT", err);
}

static const struct store_ops sq_ops;
static void sq_close(struct store *base);

static struct sq_store *store_new(const char *dir, struct vax_error *err)
{
	struct sq_store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base.ops = &sq_ops;
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
	store_names_init(&s->names);
	pthread_mutex_init(&s->alock, NULL);
	return s;
}

static bool audit_open(struct sq_store *s, const char *dir, struct vax_error *err)
{
	char *path;
	if (asprintf(&path, "%s/audit.db", dir) < 0)
		return error_set(err, "STORE", "Out of memory.");
	int rc = sqlite3_open_v2(path, &s->adb,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		chmod(path, 0600);
	free(path);
	if (rc != SQLITE_OK)
		return db_error(err, s->adb, "audit");
	sqlite3_busy_timeout(s->adb, 15000);
	char *msg = NULL;
	if (sqlite3_exec(s->adb,
	                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192;", NULL,
	                 NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->adb, schema_audit, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, "STORE", "The audit database failed (%s).", msg ? msg : "?");
		sqlite3_free(msg);
		return false;
	}
	if (sqlite3_prepare_v3(
	        s->adb,
	        "INSERT INTO audit(at, username, org, action, type, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
	        SQLITE_PREPARE_PERSISTENT, &s->a_ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->adb, "SELECT count(*) FROM audit WHERE type=?1 AND id=?2", -1,
	                       SQLITE_PREPARE_PERSISTENT, &s->a_count, NULL) != SQLITE_OK)
		return db_error(err, s->adb, "audit");
	if (s->plan_fn) {
		explain_db(s, s->adb, sqlite3_sql(s->a_ins));
		explain_db(s, s->adb, sqlite3_sql(s->a_count));
	}
	return true;
}

struct store *store_sqlite_open(const char *dir, struct vax_error *err)
{
	struct sq_store *s = store_new(dir, err);
	if (!s)
		return NULL;
	struct conn *c = conn_get(s, err);
	if (!c) {
		sq_close(&s->base);
		return NULL;
	}
	int l = layout(c);
	if (l == 0 && !create_schema(c, err)) {
		exec_simple(c, "ROLLBACK", NULL);
		sq_close(&s->base);
		return NULL;
	}
	l = layout(c);
	if (l != SCHEMA) {
		if (l == -1)
			error_set(
			    err, "STORE-NEWER",
			    "The registry database in %s was made by a newer vaxregd; run that version.",
			    dir);
		else
			error_set(
			    err, "STORE-UPGRADE",
			    "The registry database in %s was made by an older vaxregd: run 'vaxregd upgrade "
			    "--data %s' first (it keeps every record).",
			    dir, dir);
		sq_close(&s->base);
		return NULL;
	}
	if (!names_load(s, err) || !exec_simple(c, schema_late, err) || !exec_simple(c, schema_grants, err) ||
	    !audit_open(s, dir, err)) {
		sq_close(&s->base);
		return NULL;
	}
	chmod(s->path, 0600);
	return &s->base;
}

static void sq_close(struct store *base)
{
	struct sq_store *s = (struct sq_store *)base;
	if (!s)
		return;
	struct conn *c = s->all;
	while (c) {
		struct conn *next = c->next;
		/* what SQLite learnt about the queries becomes statistics */
		sqlite3_exec(c->db, "PRAGMA optimize", NULL, NULL, NULL);
		conn_free(c);
		c = next;
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->wlock);
	store_names_free(&s->names);
	sqlite3_finalize(s->a_ins);
	sqlite3_finalize(s->a_count);
	sqlite3_close(s->adb);
	pthread_mutex_destroy(&s->alock);
	free(s->path);
	free(s);
}

static void sq_set_plan_hook(struct store *base, store_plan_fn fn, void *ctx)
{
	struct sq_store *s = (struct sq_store *)base;
	s->plan_fn = fn;
	s->plan_ctx = ctx;
	if (fn && s->adb) {
		explain_db(s, s->adb, sqlite3_sql(s->a_ins));
		explain_db(s, s->adb, sqlite3_sql(s->a_count));
	}
}

/* Rows into audit.db, in one transaction. */
static bool audit_write(struct sq_store *s, const struct audit_row *rows, int n, struct vax_error *err)
{
	pthread_mutex_lock(&s->alock);
	bool ok = sqlite3_exec(s->adb, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
	for (int i = 0; i < n && ok; i++) {
		sqlite3_stmt *st = s->a_ins;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, rows[i].at);
		bind_text(st, 2, rows[i].user);
		bind_text(st, 3, rows[i].org);
		bind_text(st, 4, rows[i].action);
		bind_text(st, 5, rows[i].type);
		bind_text(st, 6, rows[i].id);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_reset(s->a_ins);
	if (ok)
		ok = sqlite3_exec(s->adb, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	if (!ok) {
		db_error(err, s->adb, "audit");
		sqlite3_exec(s->adb, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&s->alock);
	return ok;
}

static void wl_take(struct sq_store *s, struct conn *c)
{
	if (!c->wl) {
		pthread_mutex_lock(&s->wlock);
		c->wl = true;
	}
}

static void wl_drop(struct sq_store *s, struct conn *c)
{
	if (c->wl && sqlite3_get_autocommit(c->db)) {
		c->wl = false;
		pthread_mutex_unlock(&s->wlock);
	}
}

static bool sq_begin(struct store *base, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	wl_take(s, c);
	bool ok = exec_simple(c, "BEGIN IMMEDIATE", err);
	if (!ok)
		wl_drop(s, c);
	return ok;
}

static bool sq_commit(struct store *base, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	bool ok = exec_simple(c, "COMMIT", err);
	for (int i = 0; ok && i < c->n_pending; i++)
		store_names_remember(&s->names, c->pending[i].s, c->pending[i].id);
	if (ok) {
		c->n_pending = 0;
		/* what the transaction did is audited once it is done; a failed
		 * audit write is reported, the records stay written */
		if (c->n_apend && !audit_write(s, c->apend, c->n_apend, err))
			ok = false;
		c->n_apend = 0;
	}
	/* statistics follow the data: SQLite's own check, every so often
	 * (cheap unless a table has grown enough to need new figures) */
	if (ok && atomic_fetch_add(&s->commits, 1) % OPTIMIZE_EACH == OPTIMIZE_EACH - 1)
		sqlite3_exec(c->db, "PRAGMA optimize", NULL, NULL, NULL);
	wl_drop(s, c); /* a failed COMMIT leaves the transaction open for store_rollback */
	return ok;
}

static void sq_rollback(struct store *base)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, NULL);
	if (!c)
		return;
	if (!sqlite3_get_autocommit(c->db))
		exec_simple(c, "ROLLBACK", NULL);
	c->n_pending = 0;
	c->n_apend = 0;
	wl_drop(s, c);
}

static bool sq_bulk(struct store *base, bool on, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	if (on) {
		/* into an empty store: the big indexes are built once at the end */
		sqlite3_stmt *st;
		bool empty = false;
		if (sqlite3_prepare_v2(c->db, "SELECT NOT EXISTS (SELECT 1 FROM resource)", -1, &st, NULL) ==
		    SQLITE_OK) {
			empty = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		if (empty && !exec_simple(c, "DROP INDEX resource_sort; DROP INDEX term_kv;", err))
			return false;
		s->late = empty;
		/* the index builds at the end sort in temporary files, not in
		 * memory: a million clients make ~90 million terms (7 GB) */
		return exec_simple(c,
		                   "PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA threads=2;"
		                   " PRAGMA temp_store=FILE;",
		                   err);
	}
	bool ok = !s->late || exec_simple(c, schema_late, err);
	s->late = false;
	/* fresh statistics for what was loaded */
	return ok &&
	       exec_simple(
	           c,
	           "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; ANALYZE;",
	           err);
}

/* ---- resources ----------------------------------------------------------- */

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

static int sq_read(struct store *base, const char *type, const char *id, long version, struct store_res *r,
                   struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char cur[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                          " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=?1 AND r.id=?2";
	static const char old[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                          " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=?1 AND r.id=?2 AND r.version=?3"
	                          " UNION ALL"
	                          " SELECT h.version, h.deleted, h.org, h.updated, h.json FROM resource r"
	                          " JOIN history h ON h.rid=r.rid AND h.version=?3 WHERE r.t=?1 AND r.id=?2";
	memset(r, 0, sizeof *r);
	int t = name_id(s, type, false, err);
	if (t <= 0)
		return t;
	struct stmt q;
	if (version ? !stmt_prep(&q, s, old, "read", err, "itI", t, id, (int64_t)version)
	            : !stmt_prep(&q, s, cur, "read", err, "it", t, id))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1)
		fill_res(q.st, 0, r);
	stmt_done(&q);
	return ret;
}

/* The search terms of a resource, and its sort key. */
struct terms {
	int n;
	char sort[160];
	struct index_term t[INDEX_MAX_TERMS];
};

static void terms_of(const char *type, const cJSON *res, struct terms *tm)
{
	tm->n = res ? index_terms(type, res, tm->t, INDEX_MAX_TERMS, tm->sort, sizeof tm->sort) : 0;
	if (!res)
		tm->sort[0] = '\0';
}

/* Multi-row INSERTs of up to 8 terms: one statement step for a whole
 * resource's terms costs far less than one per term (bulk loads). */
static const char *const q_terms[] = {
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5),(?1,?6,?7)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5),(?1,?6,?7),(?1,?8,?9)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5),(?1,?6,?7),(?1,?8,?9),(?1,?10,?11)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5),(?1,?6,?7),(?1,?8,?9),(?1,?10,?11),"
    "(?1,?12,?13)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5),(?1,?6,?7),(?1,?8,?9),(?1,?10,?11),"
    "(?1,?12,?13),(?1,?14,?15)",
    "INSERT OR IGNORE INTO term(rid, k, v) VALUES (?1,?2,?3),(?1,?4,?5),(?1,?6,?7),(?1,?8,?9),(?1,?10,?11),"
    "(?1,?12,?13),(?1,?14,?15),(?1,?16,?17)",
};

static bool terms_put(struct sq_store *s, int64_t rid, const char *type, const struct index_term *t, int nt,
                      struct vax_error *err)
{
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	for (int i = 0; i < nt;) {
		int n = nt - i < 8 ? nt - i : 8;
		sqlite3_stmt *st = prep(s, c, q_terms[n - 1]);
		if (!st)
			return db_error(err, c->db, "index");
		sqlite3_bind_int64(st, 1, rid);
		for (int j = 0; j < n; j++, i++) {
			int k = key_id(s, type, t[i].key, true, err);
			if (k <= 0) {
				done(c, st);
				return false;
			}
			sqlite3_bind_int(st, 2 + 2 * j, k);
			sqlite3_bind_text(st, 3 + 2 * j, t[i].value, -1, SQLITE_STATIC);
		}
		int rc = sqlite3_step(st);
		done(c, st);
		if (rc != SQLITE_DONE)
			return db_error(err, c->db, "index");
	}
	return true;
}

static bool sq_write(struct store *base, const char *type, const char *id, const char *org, cJSON *res,
                     bool deleted, int64_t now, long *version, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char q_ver[] = "SELECT rid, version FROM resource WHERE t=?1 AND id=?2";
	static const char q_keep[] = "INSERT INTO history(rid, version, deleted, org, updated, json)"
	                             " SELECT r.rid, r.version, r.deleted, r.org, r.updated, d.json"
	                             " FROM resource r LEFT JOIN doc d ON d.rid=r.rid WHERE r.rid=?1";
	static const char q_upd[] =
	    "UPDATE resource SET version=?2, deleted=?3, org=?4, updated=?5, sort=?6, uuid=?7 WHERE rid=?1";
	static const char q_new[] = "INSERT INTO resource(t, id, version, deleted, org, updated, sort, uuid)"
	                            " VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)";
	static const char q_doc[] = "INSERT OR REPLACE INTO doc(rid, json) VALUES (?1, ?2)";
	static const char q_undoc[] = "DELETE FROM doc WHERE rid=?1";
	static const char q_unterm[] = "DELETE FROM term WHERE rid=?1";

	int t = name_id(s, type, true, err);
	if (t < 0)
		return false;
	struct stmt q;
	if (!stmt_prep(&q, s, q_ver, "version", err, "it", t, id))
		return false;
	int rc = stmt_step(&q, err);
	int64_t rid = rc == 1 ? sqlite3_column_int64(q.st, 0) : 0;
	long v = rc == 1 ? (long)sqlite3_column_int64(q.st, 1) + 1 : 1;
	stmt_done(&q);
	if (rc < 0)
		return false;

	char *json = NULL, uuid[80] = "";
	static __thread struct terms tm;
	if (!deleted && res) {
		index_stamp(res, id, v, now);
		json = cJSON_PrintUnformatted(res);
		if (!json)
			return error_set(err, "STORE", "Out of memory.");
		index_own_uuid(res, uuid, sizeof uuid);
	}
	/* a deletion has no terms and keeps no sort key */
	terms_of(type, json ? res : NULL, &tm);
	bool ok;
	if (rid) {
		ok = stmt_exec(s, q_keep, "history", err, "I", rid) &&
		     stmt_exec(s, q_unterm, "unindex", err, "I", rid) &&
		     stmt_exec(s, q_upd, "write", err, "IIitIt", rid, (int64_t)v, deleted, org, now,
		               tm.sort) &&
		     (json ? stmt_exec(s, q_doc, "write", err, "It", rid, json)
		           : stmt_exec(s, q_undoc, "write", err, "I", rid));
	} else {
		ok = stmt_exec(s, q_new, "write", err, "ititItz", t, id, deleted, org, now, tm.sort,
		               uuid[0] ? uuid : NULL);
		if (ok)
			rid = sqlite3_last_insert_rowid(conn_get(s, err)->db);
		ok = ok && (!json || stmt_exec(s, q_doc, "write", err, "It", rid, json));
	}
	ok = ok && terms_put(s, rid, type, tm.t, tm.n, err);
	if (ok && version)
		*version = v;
	cJSON_free(json);
	return ok;
}

static bool sq_write_ready(struct store *base, const struct store_ready *r, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char q_new[] = "INSERT INTO resource(t, id, version, deleted, org, updated, sort, uuid)"
	                            " VALUES (?1, ?2, 1, 0, ?3, ?4, ?5, ?6)";
	static const char q_doc[] = "INSERT INTO doc(rid, json) VALUES (?1, ?2)";
	int t = name_id(s, r->type, true, err);
	if (t < 0 || !stmt_exec(s, q_new, "write", err, "ittItz", t, r->id, r->org, r->now, r->sort,
	                        r->uuid[0] ? r->uuid : NULL))
		return false;
	int64_t rid = sqlite3_last_insert_rowid(conn_get(s, err)->db);
	return stmt_exec(s, q_doc, "write", err, "It", rid, r->json) &&
	       terms_put(s, rid, r->type, r->t, r->n, err);
}

static int sq_history(struct store *base, const char *type, const char *id, struct store_res *out, int max,
                      struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                          " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=?1 AND r.id=?2"
	                          " UNION ALL"
	                          " SELECT h.version, h.deleted, h.org, h.updated, h.json FROM resource r "
	                          "JOIN history h ON h.rid=r.rid"
	                          " WHERE r.t=?1 AND r.id=?2 ORDER BY 1 DESC LIMIT ?3";
	int t = name_id(s, type, false, err);
	if (t <= 0)
		return t;
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "history", err, "iti", t, id, max))
		return -1;
	int n = 0, rc = 0;
	while (n < max && (rc = stmt_step(&q, err)) == 1)
		fill_res(q.st, 0, &out[n++]);
	stmt_done(&q);
	if (n < max && rc < 0) {
		for (int i = 0; i < n; i++)
			store_res_free(&out[i]);
		return -1;
	}
	return n;
}

/* ---- search ----------------------------------------------------------------- */

/* Values bound to a statement built at run time. */
struct binds {
	int n;
	struct {
		bool is_int;
		int64_t i;
		const char *s;
	} v[4 * STORE_MAX_COND + 8];
};

static int bind_i(struct binds *b, int64_t v)
{
	b->v[b->n].is_int = true;
	b->v[b->n].i = v;
	return ++b->n;
}

static int bind_s(struct binds *b, const char *v)
{
	b->v[b->n].is_int = false;
	b->v[b->n].s = v;
	return ++b->n;
}

static void bind_all(sqlite3_stmt *st, const struct binds *b)
{
	for (int i = 0; i < b->n; i++) {
		if (b->v[i].is_int)
			sqlite3_bind_int64(st, i + 1, b->v[i].i);
		else
			bind_text(st, i + 1, b->v[i].s);
	}
}

struct tcond {
	int k;
	struct index_range r;
};

/* "alias.k=?N AND alias.v=?M" (or the range) for one term condition. */
static size_t term_sql(char *buf, size_t len, const char *alias, const struct tcond *c, struct binds *b)
{
	int k = bind_i(b, c->k);
	if (c->r.exact)
		return (size_t)snprintf(buf, len, "%s.k=?%d AND %s.v=?%d", alias, k, alias,
		                        bind_s(b, c->r.lo));
	int lo = bind_s(b, c->r.lo), hi = bind_s(b, c->r.hi);
	return (size_t)snprintf(buf, len, "%s.k=?%d AND %s.v>=?%d AND %s.v<?%d", alias, k, alias, lo, alias,
	                        hi);
}

/* How many terms a condition covers, counted up to PROBE. */
static int probe(struct sq_store *s, const struct tcond *c, struct vax_error *err)
{
	static const char exact[] = "SELECT count(*) FROM (SELECT 1 FROM term WHERE k=?1 AND v=?2 LIMIT ?3)";
	static const char range[] =
	    "SELECT count(*) FROM (SELECT 1 FROM term WHERE k=?1 AND v>=?2 AND v<?4 LIMIT ?3)";
	struct stmt q;
	int64_t n = 0;
	if (c->r.exact ? !stmt_prep(&q, s, exact, "search", err, "iti", c->k, c->r.lo, PROBE)
	               : !stmt_prep(&q, s, range, "search", err, "itit", c->k, c->r.lo, PROBE, c->r.hi))
		return -1;
	return stmt_get_int(&q, &n, err) < 0 ? -1 : (int)n;
}

/* Run a count statement built at run time. */
static bool dyn_count(struct sq_store *s, struct conn *c, const char *sql, const struct binds *b, long *total,
                      struct vax_error *err)
{
	sqlite3_stmt *st = prep_dyn(s, c, sql);
	if (!st)
		return db_error(err, c->db, "search");
	bind_all(st, b);
	int rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	done(c, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? true : db_error(err, c->db, "search");
}

/* Run a page statement built at run time: columns id, then fill_res's. */
static int dyn_page(struct sq_store *s, struct conn *c, const char *sql, const struct binds *b, int count,
                    struct store_res *out, char (*ids)[65], struct vax_error *err)
{
	sqlite3_stmt *st = prep_dyn(s, c, sql);
	if (!st)
		return db_error(err, c->db, "search"), -1;
	bind_all(st, b);
	int n = 0, rc = SQLITE_DONE;
	while (n < count && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		column_copy(st, 0, ids[n], 65);
		fill_res(st, 1, &out[n]);
		n++;
	}
	done(c, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		for (int i = 0; i < n; i++)
			store_res_free(&out[i]);
		return db_error(err, c->db, "search"), -1;
	}
	return n;
}

#define SMALL 1000

struct hit {
	int64_t rid;
	char sort[160];
	char id[65];
};

static int hit_cmp(const void *pa, const void *pb)
{
	const struct hit *a = pa, *b = pb;
	int c = strcmp(a->sort, b->sort);
	return c ? c : strcmp(a->id, b->id);
}

static int rid_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return a < b ? -1 : a > b;
}

/* A search whose rids (sql, bound by b) number at most SMALL: fills the
 * page and *total and returns its size; -2 if there are more (the caller
 * counts and pages in SQL), -1 on a failure. */
static int search_small(struct sq_store *s, struct conn *c, const char *sql, const struct binds *b,
                        const struct store_query *q, const char *owner, struct store_res *out,
                        char (*ids)[65], long *total, struct vax_error *err)
{
	static const char row[] = "SELECT sort, id, org FROM resource WHERE rid=?1";
	static const char page[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                           " JOIN doc d ON d.rid=r.rid WHERE r.rid=?1";
	sqlite3_stmt *st = prep_dyn(s, c, sql);
	if (!st)
		return db_error(err, c->db, "search"), -1;
	bind_all(st, b);
	static __thread int64_t rids[SMALL + 1];
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n <= SMALL)
		rids[n++] = sqlite3_column_int64(st, 0);
	done(c, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(err, c->db, "search"), -1;
	if (n > SMALL)
		return -2;
	/* a range of one key may list a resource twice (GARCIA, GARCIALOPEZ) */
	qsort(rids, (size_t)n, sizeof *rids, rid_cmp);
	int u = 0;
	for (int i = 0; i < n; i++)
		if (i == 0 || rids[i] != rids[u - 1])
			rids[u++] = rids[i];
	struct hit *h = malloc((size_t)(u ? u : 1) * sizeof *h);
	if (!h)
		return error_set(err, "STORE", "Out of memory."), -1;
	int m = 0;
	for (int i = 0; i < u; i++) {
		struct stmt r;
		if (!stmt_prep(&r, s, row, "search", err, "I", rids[i])) {
			free(h);
			return -1;
		}
		int got = stmt_step(&r, err);
		if (got == 1 && (!owner || !strcmp((const char *)sqlite3_column_text(r.st, 2), owner))) {
			h[m].rid = rids[i];
			column_copy(r.st, 0, h[m].sort, sizeof h[m].sort);
			column_copy(r.st, 1, h[m].id, sizeof h[m].id);
			m++;
		}
		stmt_done(&r);
		if (got < 0) {
			free(h);
			return -1;
		}
	}
	*total = m;
	qsort(h, (size_t)m, sizeof *h, hit_cmp);
	int k = 0;
	for (int i = q->offset; i < m && k < q->count; i++) {
		struct stmt r;
		if (!stmt_prep(&r, s, page, "search", err, "I", h[i].rid))
			break;
		int got = stmt_step(&r, err);
		if (got == 1) {
			snprintf(ids[k], 65, "%s", h[i].id);
			fill_res(r.st, 0, &out[k]);
			k++;
		}
		stmt_done(&r);
		if (got < 0) {
			for (int j = 0; j < k; j++)
				store_res_free(&out[j]);
			free(h);
			return -1;
		}
	}
	free(h);
	return k;
}

static int search_in(struct sq_store *s, struct conn *c, const struct store_query *qin, struct store_res *out,
                     char (*ids)[65], long *total, struct vax_error *err)
{
	*total = 0;
	static __thread struct index_query iq;
	index_rewrite(qin, &iq);
	const struct store_query *q = &iq.q;
	int t = name_id(s, q->type, false, err);
	if (t <= 0)
		return t; /* a type never stored has nothing to find */
	struct tcond tc[STORE_MAX_COND];
	int nt = 0;
	const char *id = NULL, *owner = NULL;
	for (int i = 0; i < q->n; i++) {
		const struct store_cond *sc = &q->cond[i];
		if (sc->kind == SC_ID) {
			if (id && strcmp(id, sc->value))
				return 0;
			id = sc->value;
		} else if (sc->kind == SC_OWNER) {
			if (owner && strcmp(owner, sc->value))
				return 0;
			owner = sc->value;
		} else {
			int k = key_id(s, q->type, sc->key, false, err);
			if (k <= 0)
				return k; /* a key never stored matches nothing */
			tc[nt].k = k;
			index_range(sc->kind, sc->key, sc->value, sc->value2, &tc[nt].r);
			nt++;
		}
	}
	/* the narrowest condition drives; an exact one wins a tie */
	int drive = 0;
	if (!id && nt > 1) {
		int best = -1;
		for (int i = 0; i < nt; i++) {
			int n = probe(s, &tc[i], err);
			if (n < 0)
				return -1;
			if (best < 0 || n < best || (n == best && tc[i].r.exact && !tc[drive].r.exact)) {
				best = n;
				drive = i;
			}
		}
	}

	/* The matching rids: "sel" (one row per resource) and what narrows it. */
	struct binds b = {0};
	char from[6000], sql[7000];
	size_t o;
	if (id || nt == 0) {
		o = (size_t)snprintf(from, sizeof from, "FROM resource r WHERE r.t=?%d AND r.deleted=0",
		                     bind_i(&b, t));
		if (id)
			o += (size_t)snprintf(from + o, sizeof from - o, " AND r.id=?%d", bind_s(&b, id));
		for (int i = 0; i < nt && o < sizeof from; i++) {
			o += (size_t)snprintf(from + o, sizeof from - o,
			                      " AND EXISTS (SELECT 1 FROM term x%d WHERE x%d.rid=r.rid AND ",
			                      i, i);
			char alias[16];
			snprintf(alias, sizeof alias, "x%d", i);
			o += term_sql(from + o, sizeof from - o, alias, &tc[i], &b);
			o += (size_t)snprintf(from + o, sizeof from - o, ")");
		}
		if (owner && o < sizeof from)
			o += (size_t)snprintf(from + o, sizeof from - o, " AND r.org=?%d", bind_s(&b, owner));
		snprintf(sql, sizeof sql, "SELECT count(*) %s", from);
		if (!dyn_count(s, c, sql, &b, total, err))
			return -1;
		if (q->count <= 0 || *total == 0)
			return 0;
		snprintf(sql, sizeof sql,
		         "SELECT p.id, p.version, p.deleted, p.org, p.updated, d.json FROM"
		         " (SELECT r.rid, r.id, r.version, r.deleted, r.org, r.updated, r.sort %s"
		         " ORDER BY r.sort, r.id LIMIT %d OFFSET %d) p"
		         " LEFT JOIN doc d ON d.rid=p.rid ORDER BY p.sort, p.id",
		         from, q->count, q->offset);
		return dyn_page(s, c, sql, &b, q->count, out, ids, err);
	}

	/* most searches match a few resources (a client, a client's doses):
	 * their rids, then each row by rid, sorted here; no temporary tables */
	char body[5900];
	o = (size_t)snprintf(body, sizeof body, "d.rid FROM term d WHERE ");
	o += term_sql(body + o, sizeof body - o, "d", &tc[drive], &b);
	for (int i = 0; i < nt && o < sizeof body; i++) {
		if (i == drive)
			continue;
		char alias[16];
		snprintf(alias, sizeof alias, "x%d", i);
		o += (size_t)snprintf(body + o, sizeof body - o,
		                      " AND EXISTS (SELECT 1 FROM term %s WHERE %s.rid=d.rid AND ", alias,
		                      alias);
		o += term_sql(body + o, sizeof body - o, alias, &tc[i], &b);
		o += (size_t)snprintf(body + o, sizeof body - o, ")");
	}
	snprintf(sql, sizeof sql, "SELECT %s LIMIT %d", body, SMALL + 1);
	int n = search_small(s, c, sql, &b, q, owner, out, ids, total, err);
	if (n != -2)
		return n;
	/* many: counted and paged by SQLite, one row per resource */
	snprintf(from, sizeof from, "SELECT %s%s", tc[drive].r.exact ? "" : "DISTINCT ", body);
	/* terms belong to current, undeleted resources only: without an owner
	 * the count never leaves the term index */
	int ob = owner ? bind_s(&b, owner) : 0;
	if (owner)
		snprintf(sql, sizeof sql, "SELECT count(*) FROM resource r WHERE r.rid IN (%s) AND r.org=?%d",
		         from, ob);
	else
		snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s)", from);
	if (!dyn_count(s, c, sql, &b, total, err))
		return -1;
	if (q->count <= 0 || *total == 0)
		return 0;
	/* the page by sort key from the small resource rows, then its JSON */
	char org_cond[32] = "";
	if (owner)
		snprintf(org_cond, sizeof org_cond, " AND r.org=?%d", ob);
	snprintf(sql, sizeof sql,
	         "SELECT p.id, p.version, p.deleted, p.org, p.updated, d.json FROM"
	         " (SELECT r.rid, r.id, r.version, r.deleted, r.org, r.updated, r.sort FROM resource r"
	         " WHERE r.rid IN (%s)%s ORDER BY r.sort, r.id LIMIT %d OFFSET %d) p"
	         " JOIN doc d ON d.rid=p.rid ORDER BY p.sort, p.id",
	         from, org_cond, q->count, q->offset);
	return dyn_page(s, c, sql, &b, q->count, out, ids, err);
}

struct shared {
	int64_t rid;
	int n;
};

static int shared_cmp(const void *pa, const void *pb)
{
	const struct shared *a = pa, *b = pb;
	if (a->n != b->n)
		return a->n < b->n ? 1 : -1;
	return a->rid < b->rid ? -1 : a->rid > b->rid;
}

static int sq_search(struct store *base, const struct store_query *q, struct store_res *out, char (*ids)[65],
                     long *total, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	bool began = read_begin(s, c);
	int n = search_in(s, c, q, out, ids, total, err);
	read_end(s, c, began);
	return n;
}

static int search_any_in(struct sq_store *s, const char *type, const char *key, const char *const *values,
                         int n, int max, struct store_res *out, char (*ids)[65], struct vax_error *err);

static int sq_search_any(struct store *base, const char *type, const char *key, const char *const *values,
                         int n, int max, struct store_res *out, char (*ids)[65], struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, err);
	if (!c)
		return -1;
	bool began = read_begin(s, c);
	int got = search_any_in(s, type, key, values, n, max, out, ids, err);
	read_end(s, c, began);
	return got;
}

static int search_any_in(struct sq_store *s, const char *type, const char *key, const char *const *values,
                         int n, int max, struct store_res *out, char (*ids)[65], struct vax_error *err)
{
	static const char page[] =
	    "SELECT r.id, r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	    " JOIN doc d ON d.rid=r.rid WHERE r.rid=?1";
	int k = key_id(s, type, key, false, err);
	if (k <= 0 || n <= 0 || max <= 0)
		return k < 0 ? -1 : 0;
	/* every key's rids in one statement (SQLite seeks the keys in
	 * order); counted here, without a temporary table */
	struct binds b = {0};
	char sql[4600];
	int kb = bind_i(&b, k);
	int nv = n < (int)(sizeof b.v / sizeof b.v[0]) - 2 ? n : (int)(sizeof b.v / sizeof b.v[0]) - 2;
	size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT rid FROM term WHERE k=?%d AND v IN (", kb);
	for (int i = 0; i < nv && o < sizeof sql; i++)
		o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?%d", i ? "," : "", bind_s(&b, values[i]));
	if (o < sizeof sql)
		snprintf(sql + o, sizeof sql - o, ")");
	struct conn *c = conn_get(s, err);
	sqlite3_stmt *st = c ? prep_dyn(s, c, sql) : NULL;
	if (!st)
		return c ? (db_error(err, c->db, "match"), -1) : -1;
	bind_all(st, &b);
	int64_t *rids = NULL;
	size_t nr = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nr == cap) {
			cap = cap ? cap * 2 : 256;
			int64_t *nw = realloc(rids, cap * sizeof *nw);
			if (!nw)
				break;
			rids = nw;
		}
		rids[nr++] = sqlite3_column_int64(st, 0);
	}
	done(c, st);
	if (rc != SQLITE_DONE) {
		free(rids);
		return rc == SQLITE_ROW ? (error_set(err, "STORE", "Out of memory."), -1)
		                        : (db_error(err, c->db, "match"), -1);
	}
	if (nr)
		qsort(rids, nr, sizeof *rids, rid_cmp);
	struct shared *sh = malloc((nr ? nr : 1) * sizeof *sh);
	if (!sh) {
		free(rids);
		return error_set(err, "STORE", "Out of memory."), -1;
	}
	size_t u = 0;
	for (size_t i = 0; i < nr; i++) {
		if (u && sh[u - 1].rid == rids[i])
			sh[u - 1].n++;
		else
			sh[u++] = (struct shared){rids[i], 1};
	}
	free(rids);
	/* the clients sharing the most keys first: with a cap, the likeliest stay */
	if (u)
		qsort(sh, u, sizeof *sh, shared_cmp);
	int got = 0;
	for (size_t i = 0; i < u && got < max; i++) {
		struct stmt q;
		if (!stmt_prep(&q, s, page, "match", err, "I", sh[i].rid))
			break;
		int r2 = stmt_step(&q, err);
		if (r2 == 1) {
			column_copy(q.st, 0, ids[got], 65);
			fill_res(q.st, 1, &out[got]);
			got++;
		}
		stmt_done(&q);
		if (r2 < 0) {
			for (int j = 0; j < got; j++)
				store_res_free(&out[j]);
			free(sh);
			return -1;
		}
	}
	free(sh);
	return got;
}

/* ---- organizations, users ----------------------------------------------- */

static bool sq_org_add(struct store *base, const char *code, const char *name, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "INSERT INTO org(code, name) VALUES (?1, ?2)"
	                          " ON CONFLICT(code) DO UPDATE SET name=?2";
	return stmt_exec(s, sql, "org", err, "tt", code, name);
}

static int sq_org_get(struct store *base, const char *code, char *name, size_t len, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
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

static bool sq_user_add(struct store *base, struct store_user *u, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
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

static int sq_user_get(struct store *base, const char *username, struct store_user *u, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                          " pw_changed FROM user WHERE username=?1";
	struct stmt q;
	return stmt_prep(&q, s, sql, "user", err, "t", username) ? user_fetch(&q, u, err) : -1;
}

static int sq_user_by_id(struct store *base, int64_t id, struct store_user *u, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                          " pw_changed FROM user WHERE id=?1";
	struct stmt q;
	return stmt_prep(&q, s, sql, "user", err, "I", id) ? user_fetch(&q, u, err) : -1;
}

static bool sq_user_update(struct store *base, const struct store_user *u, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "UPDATE user SET email=?2, hash=?3, failures=?4, challenge=?5,"
	                          " reset_required=?6, pw_changed=?7 WHERE id=?1";
	return stmt_exec(s, sql, "user", err, "IttitiI", u->id, u->email, u->hash, u->failures, u->challenge,
	                 u->reset_required, u->pw_changed);
}

static bool sq_member_add(struct store *base, int64_t user_id, const char *org, const char *role,
                          struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "INSERT INTO member(user_id, org, role) VALUES (?1, ?2, ?3)"
	                          " ON CONFLICT(user_id, org) DO UPDATE SET role=?3";
	return stmt_exec(s, sql, "member", err, "Itt", user_id, org, role);
}

static int sq_member_role(struct store *base, int64_t user_id, const char *org, char *role, size_t len,
                          struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "SELECT role FROM member WHERE user_id=?1 AND org=?2";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "member", err, "It", user_id, org))
		return -1;
	return stmt_get_text(&q, role, len, err);
}

static int sq_member_orgs(struct store *base, int64_t user_id, struct store_org *orgs, int max,
                          struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
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

static bool sq_pw_history_add(struct store *base, int64_t user_id, const char *hash, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "INSERT INTO pw_history(user_id, hash) VALUES (?1, ?2)";
	static const char trim[] =
	    "DELETE FROM pw_history WHERE user_id=?1 AND seq <"
	    " (SELECT seq FROM pw_history WHERE user_id=?1 ORDER BY seq DESC LIMIT 1 OFFSET 7)";
	return stmt_exec(s, sql, "pw_history", err, "It", user_id, hash) &&
	       stmt_exec(s, trim, "pw_history", err, "I", user_id);
}

static int sq_pw_history(struct store *base, int64_t user_id, char (*hashes)[256], int max,
                         struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
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

static bool sq_token_add(struct store *base, const char *token_hash, const struct store_session *ss,
                         struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] =
	    "INSERT INTO token(hash, user_id, org, role, expires) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char purge[] = "DELETE FROM token WHERE expires < ?1";
	static const char purge_marks[] = "DELETE FROM token_awaiting WHERE expires < ?1";
	static const char mark[] = "INSERT INTO token_awaiting(key, family, statement, login, expires)"
	                           " VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char mark_family[] =
	    "INSERT OR IGNORE INTO token_awaiting(key, family, statement, login,"
	    " expires) VALUES (?1, '', ?2, ?3, ?4)";
	struct stmt q;
	if (!stmt_prep(&q, s, purge, "token", err, "I", ss->expires - 86400))
		return false;
	stmt_step(&q, NULL); /* a purge that fails only leaves expired rows behind */
	stmt_done(&q);
	if (!stmt_prep(&q, s, purge_marks, "token", err, "I", ss->expires - 86400))
		return false;
	stmt_step(&q, NULL);
	stmt_done(&q);
	/* the mark before the token: a token never exists without its mark */
	if (ss->awaiting[0] &&
	    (!stmt_exec(s, mark, "token", err, "tttII", token_hash, ss->awaiting_family, ss->awaiting,
	                ss->awaiting_login, ss->expires) ||
	     (ss->awaiting_family[0] && !stmt_exec(s, mark_family, "token", err, "ttII", ss->awaiting_family,
	                                           ss->awaiting, ss->awaiting_login, ss->awaiting_until))))
		return false;
	return stmt_exec(s, sql, "token", err, "tIttI", token_hash, ss->user_id, ss->org, ss->role,
	                 ss->expires);
}

static int sq_token_get(struct store *base, const char *token_hash, int64_t now, struct store_session *ss,
                        struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] =
	    "SELECT t.user_id, u.username, t.org, t.role, t.expires, a.statement,"
	    " a.login, a.family FROM token t JOIN user u ON u.id=t.user_id"
	    " LEFT JOIN token_awaiting a ON a.key=t.hash WHERE t.hash=?1 AND t.expires>?2";
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
		column_copy(q.st, 5, ss->awaiting, sizeof ss->awaiting);
		ss->awaiting_login = sqlite3_column_int64(q.st, 6);
		column_copy(q.st, 7, ss->awaiting_family, sizeof ss->awaiting_family);
	}
	stmt_done(&q);
	return ret;
}

static bool sq_token_delete(struct store *base, const char *token_hash, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "DELETE FROM token WHERE hash=?1";
	static const char unmark[] = "DELETE FROM token_awaiting WHERE key=?1";
	return stmt_exec(s, sql, "token", err, "t", token_hash) &&
	       stmt_exec(s, unmark, "token", err, "t", token_hash);
}

static int sq_token_accept(struct store *base, const char *token_hash, const char *family,
                           struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	/* one statement: two requests accepting at once, one records it */
	static const char take[] = "DELETE FROM token_awaiting WHERE key=?1 RETURNING 1";
	static const char unmark[] = "DELETE FROM token_awaiting WHERE key=?1";
	struct stmt q;
	int64_t one;
	if (!stmt_prep(&q, s, take, "token", err, "t", token_hash))
		return -1;
	int ret = stmt_get_int(&q, &one, err);
	if (ret >= 0 && family[0] && !stmt_exec(s, unmark, "token", err, "t", family))
		return -1;
	return ret;
}

static int sq_family_awaiting(struct store *base, const char *family, struct store_session *ss,
                              struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "SELECT statement, login, expires FROM token_awaiting WHERE key=?1";
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "token", err, "t", family))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1) {
		column_copy(q.st, 0, ss->awaiting, sizeof ss->awaiting);
		ss->awaiting_login = sqlite3_column_int64(q.st, 1);
		ss->awaiting_until = sqlite3_column_int64(q.st, 2);
		snprintf(ss->awaiting_family, sizeof ss->awaiting_family, "%s", family);
	}
	stmt_done(&q);
	return ret;
}

static bool sq_reset_add(struct store *base, const char *token_hash, int64_t user_id, int64_t expires,
                         struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "INSERT INTO reset(hash, user_id, expires) VALUES (?1, ?2, ?3)";
	return stmt_exec(s, sql, "reset", err, "tII", token_hash, user_id, expires);
}

static int sq_reset_take(struct store *base, const char *token_hash, int64_t now, int64_t *user_id,
                         struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	/* one statement: two servers racing for the same token, one wins */
	static const char sql[] =
	    "UPDATE reset SET used=1 WHERE hash=?1 AND used=0 AND expires>?2 RETURNING user_id";
	struct stmt q;
	int64_t v = 0;
	if (!stmt_prep(&q, s, sql, "reset", err, "tI", token_hash, now))
		return -1;
	int ret = stmt_get_int(&q, &v, err);
	if (ret == 1)
		*user_id = v;
	return ret;
}

static bool sq_login_record(struct store *base, int64_t user_id, const char *org, int64_t at,
                            const char *statement_version, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "INSERT INTO login(user_id, org, at, statement) VALUES (?1, ?2, ?3, ?4)";
	return stmt_exec(s, sql, "login", err, "ItIt", user_id, org, at, statement_version);
}

static int sq_last_login(struct store *base, int64_t user_id, int64_t *at, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
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

static bool sq_audit_many(struct store *base, const char *user, const char *org, const char *action,
                          const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	struct conn *c = conn_get(s, err);
	if (!c)
		return false;
	if (n <= 0)
		return true;
	bool held = !sqlite3_get_autocommit(c->db);
	struct audit_row *rows = held ? NULL : calloc((size_t)n, sizeof *rows);
	if (held && c->n_apend + n > c->cap_apend) {
		int cap = (c->n_apend + n) * 2;
		struct audit_row *nr = realloc(c->apend, (size_t)cap * sizeof *nr);
		if (!nr)
			return error_set(err, "STORE", "Out of memory.");
		c->apend = nr;
		c->cap_apend = cap;
	}
	if (held)
		rows = c->apend + c->n_apend;
	if (!rows)
		return error_set(err, "STORE", "Out of memory.");
	for (int i = 0; i < n; i++) {
		struct audit_row *r = &rows[i];
		r->at = at;
		snprintf(r->user, sizeof r->user, "%s", user ? user : "");
		snprintf(r->org, sizeof r->org, "%s", org ? org : "");
		snprintf(r->action, sizeof r->action, "%s", action ? action : "");
		snprintf(r->type, sizeof r->type, "%s", type ? type : "");
		snprintf(r->id, sizeof r->id, "%s", ids[i]);
	}
	/* inside a transaction: written when it commits, dropped if not */
	if (held) {
		c->n_apend += n;
		return true;
	}
	bool ok = audit_write(s, rows, n, err);
	free(rows);
	return ok;
}

static long sq_audit_count(struct store *base, const char *type, const char *id, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	pthread_mutex_lock(&s->alock);
	sqlite3_reset(s->a_count);
	bind_text(s->a_count, 1, type);
	bind_text(s->a_count, 2, id);
	long n = sqlite3_step(s->a_count) == SQLITE_ROW ? (long)sqlite3_column_int64(s->a_count, 0) : -1;
	if (n < 0)
		db_error(err, s->adb, "audit");
	sqlite3_reset(s->a_count);
	pthread_mutex_unlock(&s->alock);
	return n;
}

/* ---- settings -------------------------------------------------------------- */

static int sq_setting_get(struct store *base, const char *key, char *value, size_t len, struct vax_error *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key='set:' || ?1";
	struct sq_store *s = (struct sq_store *)base;
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "setting", err, "t", key))
		return -1;
	return stmt_get_text(&q, value, len, err);
}

static bool sq_setting_set(struct store *base, const char *key, const char *value, struct vax_error *err)
{
	static const char set[] = "INSERT OR REPLACE INTO meta(key, value) VALUES ('set:' || ?1, ?2)";
	static const char del[] = "DELETE FROM meta WHERE key='set:' || ?1";
	struct sq_store *s = (struct sq_store *)base;
	return value ? stmt_exec(s, set, "setting", err, "tt", key, value)
	             : stmt_exec(s, del, "setting", err, "t", key);
}

static bool sq_setting_init(struct store *base, const char *key, const char *value, char *out, size_t len,
                            struct vax_error *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO meta(key, value) VALUES ('set:' || ?1, ?2)";
	struct sq_store *s = (struct sq_store *)base;
	return stmt_exec(s, sql, "setting", err, "tt", key, value) &&
	       sq_setting_get(base, key, out, len, err) == 1;
}

/* ---- upgrades ------------------------------------------------------------ */

static void say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(FILE *out, const char *fmt, ...)
{
	if (!out)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("vaxregd: ", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	va_end(ap);
	fflush(out);
}

/* Index one resource's current JSON again (and its sort key). */
static bool reindex_one(struct sq_store *s, int64_t rid, const char *type, const char *json,
                        struct vax_error *err)
{
	static const char q_sort[] = "UPDATE resource SET sort=?2 WHERE rid=?1";
	static __thread struct terms tm;
	cJSON *j = cJSON_Parse(json);
	if (!j)
		return error_set(err, "STORE", "A stored resource is not JSON (rid %lld).", (long long)rid);
	terms_of(type, j, &tm);
	cJSON_Delete(j);
	return terms_put(s, rid, type, tm.t, tm.n, err) &&
	       stmt_exec(s, q_sort, "reindex", err, "It", rid, tm.sort);
}

/* Schema 1 (one table of resources, every version's JSON in history,
 * terms keyed by type and key text) to schema 2, in one transaction. */
static bool upgrade_v1(struct sq_store *s, struct conn *c, FILE *out, struct vax_error *err)
{
	static const char rows[] =
	    "SELECT type, id, version, deleted, org, updated FROM v1_resource ORDER BY type, id";
	static const char cur[] = "SELECT json FROM v1_history WHERE type=?1 AND id=?2 AND version=?3";
	static const char put[] = "INSERT INTO resource(t, id, version, deleted, org, updated, sort)"
	                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, '')";
	static const char doc[] = "INSERT INTO doc(rid, json) VALUES (?1, ?2)";
	static const char old[] = "INSERT INTO history(rid, version, deleted, org, updated, json)"
	                          " SELECT ?1, version, deleted, org, updated, json FROM v1_history"
	                          " WHERE type=?2 AND id=?3 AND version<?4";
	say(out, "upgrading the registry database to schema %d (every record is kept)", SCHEMA);
	/* the audit trail moves to its own file */
	char *adb =
	    sqlite3_mprintf("%.*s/audit.db", (int)(strlen(s->path) - strlen("/registry.db")), s->path);
	char *attach = sqlite3_mprintf("ATTACH DATABASE %Q AS aud", adb);
	bool att = attach && exec_simple(c, attach, err);
	sqlite3_free(attach);
	sqlite3_free(adb);
	if (!att ||
	    !exec_simple(c,
	                 "CREATE TABLE IF NOT EXISTS aud.audit (at INTEGER NOT NULL, username TEXT NOT NULL,"
	                 " org TEXT NOT NULL, action TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL);",
	                 err))
		return false;
	if (!exec_simple(c, "BEGIN IMMEDIATE", err) ||
	    (table_exists(c, "audit") &&
	     !exec_simple(c,
	                  "INSERT INTO aud.audit SELECT at, username, org, action, type, id FROM main.audit;"
	                  " DROP TABLE main.audit;",
	                  err)) ||
	    !exec_simple(
	        c,
	        "DROP INDEX IF EXISTS resource_sort; DROP INDEX IF EXISTS term_owner; DROP TABLE term;"
	        " ALTER TABLE resource RENAME TO v1_resource; ALTER TABLE history RENAME TO v1_history;",
	        err) ||
	    !exec_simple(c, schema, err) || !exec_simple(c, schema_late, err) ||
	    !exec_simple(c, schema_common, err))
		return false;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, rows, -1, &st, NULL) != SQLITE_OK)
		return db_error(err, c->db, "upgrade");
	long n = 0;
	bool ok = true;
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		char type[64], id[65], org[33];
		column_copy(st, 0, type, sizeof type);
		column_copy(st, 1, id, sizeof id);
		int64_t version = sqlite3_column_int64(st, 2);
		int deleted = sqlite3_column_int(st, 3);
		column_copy(st, 4, org, sizeof org);
		int64_t updated = sqlite3_column_int64(st, 5);
		int t = name_id(s, type, true, err);
		ok = t > 0 &&
		     stmt_exec(s, put, "upgrade", err, "itIitI", t, id, version, deleted, org, updated);
		int64_t rid = sqlite3_last_insert_rowid(c->db);
		ok = ok && stmt_exec(s, old, "upgrade", err, "IttI", rid, type, id, version);
		if (ok && !deleted) {
			struct stmt q;
			char *json = NULL;
			ok = stmt_prep(&q, s, cur, "upgrade", err, "ttI", type, id, version);
			if (ok && stmt_step(&q, err) == 1) {
				const char *j = (const char *)sqlite3_column_text(q.st, 0);
				json = j ? strdup(j) : NULL;
			}
			if (ok)
				stmt_done(&q);
			ok = ok && json && stmt_exec(s, doc, "upgrade", err, "It", rid, json) &&
			     reindex_one(s, rid, type, json, err);
			if (ok && !json)
				ok = error_set(err, "STORE", "A current version has no JSON (%s).", type);
			free(json);
		}
		if (++n % 100000 == 0)
			say(out, "%ld resources moved", n);
	}
	sqlite3_finalize(st);
	char sql[200];
	snprintf(sql, sizeof sql,
	         "DROP TABLE v1_resource; DROP TABLE v1_history;"
	         " INSERT INTO meta(key, value) VALUES ('terms', '%d'); PRAGMA user_version=%d;",
	         INDEX_VERSION, SCHEMA);
	ok = ok && exec_simple(c, sql, err) && exec_simple(c, "COMMIT", err) &&
	     exec_simple(c, "DETACH DATABASE aud", err);
	if (ok)
		say(out, "%ld resources moved to schema %d", n, SCHEMA);
	return ok;
}

/* The search terms of every current resource made again (a new
 * INDEX_VERSION), in slices so the WAL stays small; restartable. */
static bool reindex(struct sq_store *s, struct conn *c, FILE *out, struct vax_error *err)
{
	static const char rows[] = "SELECT r.rid, n.name, d.json FROM resource r JOIN name n ON n.id=r.t"
	                           " JOIN doc d ON d.rid=r.rid WHERE r.rid>?1 ORDER BY r.rid LIMIT 5000";
	say(out, "rebuilding the search terms (version %d)", INDEX_VERSION);
	if (!exec_simple(c, "DELETE FROM term", err))
		return false;
	int64_t last = 0;
	long n = 0;
	for (;;) {
		if (!exec_simple(c, "BEGIN IMMEDIATE", err))
			return false;
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(c->db, rows, -1, &st, NULL) != SQLITE_OK)
			return db_error(err, c->db, "reindex");
		sqlite3_bind_int64(st, 1, last);
		bool ok = true;
		int got = 0;
		while (ok && sqlite3_step(st) == SQLITE_ROW) {
			last = sqlite3_column_int64(st, 0);
			char type[64];
			column_copy(st, 1, type, sizeof type);
			ok = reindex_one(s, last, type, (const char *)sqlite3_column_text(st, 2), err);
			got++;
		}
		sqlite3_finalize(st);
		if (!ok || !exec_simple(c, "COMMIT", err))
			return false;
		n += got;
		if (got < 5000)
			break;
		if (n % 100000 == 0)
			say(out, "%ld resources indexed", n);
	}
	char sql[120];
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta(key, value) VALUES ('terms', '%d'); ANALYZE;",
	         INDEX_VERSION);
	if (!exec_simple(c, sql, err))
		return false;
	say(out, "%ld resources indexed", n);
	return true;
}

bool store_sqlite_upgrade(const char *dir, FILE *out, struct vax_error *err)
{
	struct sq_store *s = store_new(dir, err);
	if (!s)
		return false;
	struct conn *c = conn_get(s, err);
	bool ok = c != NULL;
	int l = ok ? layout(c) : 0;
	if (ok && l == -1)
		ok = error_set(err, "STORE-NEWER",
		               "The registry database in %s was made by a newer vaxregd; run that version.",
		               dir);
	if (ok && l == 0) {
		ok = create_schema(c, err);
		if (ok)
			say(out, "registry database created (schema %d)", SCHEMA);
	} else if (ok && l == 1) {
		ok = upgrade_v1(s, c, out, err);
	} else if (ok && l == -2) {
		ok = names_load(s, err) && reindex(s, c, out, err);
	} else if (ok) {
		say(out, "the registry database is current (schema %d)", SCHEMA);
	}
	if (!ok && c && !sqlite3_get_autocommit(c->db))
		exec_simple(c, "ROLLBACK", NULL);
	sq_close(&s->base);
	return ok;
}

static bool sq_grant_add(struct store *base, const struct store_grant *g, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] =
	    "INSERT INTO grant_row(kind, key, family, user_id, org, role, state, start,"
	    " expires, last, poll_interval) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	static const char purge[] = "DELETE FROM grant_row WHERE expires < ?1";
	const char kind[2] = {g->kind, '\0'};
	struct stmt q;
	if (!stmt_prep(&q, s, purge, "grant", err, "I", g->start - 86400))
		return false;
	stmt_step(&q, NULL); /* a purge that fails only leaves expired rows behind */
	stmt_done(&q);
	return stmt_exec(s, sql, "grant", err, "tttIttiIIIi", kind, g->key, g->family, g->user_id, g->org,
	                 g->role, g->state, g->start, g->expires, g->last, g->interval);
}

static int sq_grant_get(struct store *base, char kind, const char *key, struct store_grant *g,
                        struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] =
	    "SELECT family, user_id, org, role, state, start, expires, last, poll_interval"
	    " FROM grant_row WHERE kind=?1 AND key=?2";
	const char k[2] = {kind, '\0'};
	struct stmt q;
	if (!stmt_prep(&q, s, sql, "grant", err, "tt", k, key))
		return -1;
	int ret = stmt_step(&q, err);
	if (ret == 1) {
		memset(g, 0, sizeof *g);
		g->kind = kind;
		snprintf(g->key, sizeof g->key, "%s", key);
		column_copy(q.st, 0, g->family, sizeof g->family);
		g->user_id = sqlite3_column_int64(q.st, 1);
		column_copy(q.st, 2, g->org, sizeof g->org);
		column_copy(q.st, 3, g->role, sizeof g->role);
		g->state = sqlite3_column_int(q.st, 4);
		g->start = sqlite3_column_int64(q.st, 5);
		g->expires = sqlite3_column_int64(q.st, 6);
		g->last = sqlite3_column_int64(q.st, 7);
		g->interval = sqlite3_column_int(q.st, 8);
	}
	stmt_done(&q);
	return ret;
}

static bool sq_grant_update(struct store *base, const struct store_grant *g, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] =
	    "UPDATE grant_row SET family=?3, user_id=?4, org=?5, role=?6, state=?7,"
	    " start=?8, expires=?9, last=?10, poll_interval=?11 WHERE kind=?1 AND key=?2";
	const char kind[2] = {g->kind, '\0'};
	return stmt_exec(s, sql, "grant", err, "tttIttiIIIi", kind, g->key, g->family, g->user_id, g->org,
	                 g->role, g->state, g->start, g->expires, g->last, g->interval);
}

static bool sq_grant_revoke(struct store *base, const char *family, struct vax_error *err)
{
	struct sq_store *s = (struct sq_store *)base;
	static const char sql[] = "DELETE FROM grant_row WHERE family=?1";
	return stmt_exec(s, sql, "grant", err, "t", family);
}

static const struct store_ops sq_ops = {
    .close = sq_close,
    .set_plan_hook = sq_set_plan_hook,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .bulk = sq_bulk,
    .read = sq_read,
    .write = sq_write,
    .write_ready = sq_write_ready,
    .history = sq_history,
    .search = sq_search,
    .search_any = sq_search_any,
    .org_add = sq_org_add,
    .org_get = sq_org_get,
    .user_add = sq_user_add,
    .user_get = sq_user_get,
    .user_by_id = sq_user_by_id,
    .user_update = sq_user_update,
    .member_add = sq_member_add,
    .member_role = sq_member_role,
    .member_orgs = sq_member_orgs,
    .pw_history_add = sq_pw_history_add,
    .pw_history = sq_pw_history,
    .token_add = sq_token_add,
    .token_get = sq_token_get,
    .token_delete = sq_token_delete,
    .token_accept = sq_token_accept,
    .family_awaiting = sq_family_awaiting,
    .reset_add = sq_reset_add,
    .reset_take = sq_reset_take,
    .login_record = sq_login_record,
    .last_login = sq_last_login,
    .grant_add = sq_grant_add,
    .grant_get = sq_grant_get,
    .grant_update = sq_grant_update,
    .grant_revoke = sq_grant_revoke,
    .audit_many = sq_audit_many,
    .audit_count = sq_audit_count,
    .setting_get = sq_setting_get,
    .setting_set = sq_setting_set,
    .setting_init = sq_setting_init,
};
