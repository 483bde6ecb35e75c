/* registry/store_pg.c - store.h on PostgreSQL (libpq), for a registry
 * that several vaxregd servers share: everything a request needs lives in
 * the database (sessions, lockout counters, reset tokens, the audit trail,
 * maintenance mode, the TLS ticket key), so any server answers any request
 * and a server may die at any moment.
 *
 * The tables are store_sqlite.c's (schema 2), with PostgreSQL's types:
 * text in the "C" collation (byte order, as SQLite's), term values as
 * bytea (a search's upper bound is not UTF-8), the audit trail in the same
 * database. Searches are the same SQL, planned the same way, so both
 * backends give the same answers byte for byte.
 *
 * Concurrency: one connection per thread. A write transaction (store_begin)
 * takes a transaction-scoped advisory lock first: one writer at a time
 * across every server, as on SQLite, so the FHIR layer's checks (If-Match,
 * If-None-Exist) stay true until commit. A resource's own UUID identifier
 * is unique by constraint besides: a create that races another for it
 * fails with STORE-EXISTS whatever the locking.
 *
 * Read replicas (store.h says the rule): each thread keeps a second
 * connection, to the replica, and what the replica last said of itself
 * (how far it has replayed, whether it streams within the lag allowed),
 * asked again at most once a second or when a user's write is newer.
 * Positions are PostgreSQL's log sequence numbers: a request that wrote a
 * resource records pg_current_wal_insert_lsn() for its user in the table
 * wrote, read back with the user's token.
 */
#include "registry/store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "registry/index.h"
#include "registry/store_impl.h"

#define SCHEMA   2
#define PROBE    100
#define SMALL    1000
#define STMT_MAX 96

struct pconn {
	PGconn *db;
	struct {
		const char *sql; /* literal: by address; dynamic: a copy, by text */
		bool owned;
		char name[16];
	} st[STMT_MAX];
	int n_st;
	int depth; /* inside store_begin */
	struct pconn *next;
	/* the request on this thread (store_request_begin) */
	int64_t user_id;
	uint64_t after; /* the user's last write position */
	bool lag_ok;    /* its searches may read the replica */
	bool wrote;     /* it wrote a resource */
	bool used_rep;  /* the replica answered one of its searches */
	/* this thread's replica connection, and what the replica last said */
	struct pconn *rep;
	uint64_t rep_lsn;    /* replayed up to */
	bool rep_ok;         /* streaming, within the lag allowed */
	int64_t rep_checked; /* when it was asked (ms, monotonic) */
	int64_t rep_next;    /* unreachable: not tried again before (ms) */
	int rep_backoff;     /* ms, doubled after each failed connect */
};

struct pg_store {
	struct store base;
	char *url;
	pthread_key_t key;
	pthread_mutex_t lock;
	struct pconn *all;
	struct store_names names;
	store_plan_fn plan_fn;
	void *plan_ctx;
	char *replica_url; /* NULL: every read from the primary */
	int max_lag;       /* seconds */
};

static const struct store_ops pg_ops;

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE name (id serial PRIMARY KEY, name text COLLATE \"C\" NOT NULL UNIQUE)",
    "CREATE TABLE resource (rid bigserial PRIMARY KEY, t integer NOT NULL, id text COLLATE \"C\" NOT NULL,"
    " version bigint NOT NULL, deleted integer NOT NULL, org text COLLATE \"C\" NOT NULL,"
    " updated bigint NOT NULL, sort text COLLATE \"C\" NOT NULL, uuid text COLLATE \"C\")",
    "CREATE UNIQUE INDEX resource_id ON resource(t, id)",
    "CREATE UNIQUE INDEX resource_uuid ON resource(t, uuid)",
    "CREATE INDEX resource_sort ON resource(t, deleted, sort, id)",
    "CREATE TABLE doc (rid bigint PRIMARY KEY, json text NOT NULL)",
    "CREATE TABLE history (rid bigint NOT NULL, version bigint NOT NULL, deleted integer NOT NULL,"
    " org text COLLATE \"C\" NOT NULL, updated bigint NOT NULL, json text, PRIMARY KEY (rid, version))",
    "CREATE TABLE term (rid bigint NOT NULL, k integer NOT NULL, v bytea NOT NULL, PRIMARY KEY (rid, k, v))",
    "CREATE INDEX term_kv ON term(k, v, rid)",
    "CREATE TABLE org (code text COLLATE \"C\" PRIMARY KEY, name text NOT NULL)",
    "CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL, email text NOT NULL,"
    " hash text NOT NULL, failures integer NOT NULL DEFAULT 0, challenge text NOT NULL DEFAULT '',"
    " reset_required integer NOT NULL DEFAULT 0, pw_changed bigint NOT NULL DEFAULT 0)",
    "CREATE UNIQUE INDEX users_name ON users(lower(username))",
    "CREATE TABLE member (user_id bigint NOT NULL, org text COLLATE \"C\" NOT NULL, role text NOT NULL,"
    " PRIMARY KEY (user_id, org))",
    "CREATE TABLE pw_history (user_id bigint NOT NULL, seq bigserial PRIMARY KEY, hash text NOT NULL)",
    "CREATE INDEX pw_history_user ON pw_history(user_id, seq)",
    "CREATE TABLE token (hash text PRIMARY KEY, user_id bigint NOT NULL, org text NOT NULL, role text NOT "
    "NULL,"
    " expires bigint NOT NULL)",
    "CREATE INDEX token_expires ON token(expires)",
    "CREATE TABLE reset (hash text PRIMARY KEY, user_id bigint NOT NULL, expires bigint NOT NULL,"
    " used integer NOT NULL DEFAULT 0)",
    "CREATE TABLE login (user_id bigint NOT NULL, org text NOT NULL, at bigint NOT NULL, statement text NOT "
    "NULL)",
    /* append-only, as on SQLite (store_sqlite.c says why there is no index) */
    "CREATE TABLE audit (at bigint NOT NULL, username text NOT NULL, org text NOT NULL, action text NOT NULL,"
    " type text NOT NULL, id text NOT NULL)",
    NULL,
};

/* ---- connections and statements ------------------------------------------------ */

static bool pg_error(struct vax_error *err, PGconn *db, const char *what)
{
	const char *m = db ? PQerrorMessage(db) : "cannot connect";
	char msg[300];
	snprintf(msg, sizeof msg, "%s", m);
	msg[strcspn(msg, "\n")] = '\0';
	return error_set(err, "STORE", "The registry database failed (%s: %s).", what, msg);
}

static bool res_error(struct vax_error *err, PGresult *r, PGconn *db, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state && !strcmp(state, "23505"))
		return error_set(err, "STORE-EXISTS", "The record is in the registry already.");
	return pg_error(err, db, what);
}

static void pconn_free(struct pconn *c)
{
	for (int i = 0; i < c->n_st; i++)
		if (c->st[i].owned)
			free((char *)c->st[i].sql);
	PQfinish(c->db);
	free(c);
}

static void key_destructor(void *p)
{
	(void)p; /* closed in store_close, which owns the list */
}

/* A connection to url, on the store's list (closed by store_close). A
 * replica's gives up connecting after 2 s: the primary answers meanwhile. */
static struct pconn *pconn_connect(struct pg_store *s, const char *url, bool replica, struct vax_error *err)
{
	struct pconn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	const char *const keys[] = {"dbname", "connect_timeout", NULL};
	const char *const vals[] = {url, "2", NULL};
	c->db = replica ? PQconnectdbParams(keys, vals, 1) : PQconnectdb(url);
	if (PQstatus(c->db) != CONNECTION_OK) {
		pg_error(err, c->db, "connect");
		pconn_free(c);
		return NULL;
	}
	/* every statement is prepared; a generic plan (made once for any
	 * parameters) would read a whole term index for a narrow range */
	PGresult *r = PQexec(c->db, "SET client_min_messages = warning; SET TIME ZONE 'UTC';"
	                            " SET plan_cache_mode = force_custom_plan");
	PQclear(r);
	pthread_mutex_lock(&s->lock);
	c->next = s->all;
	s->all = c;
	pthread_mutex_unlock(&s->lock);
	return c;
}

static struct pconn *pconn_open(struct pg_store *s, struct vax_error *err)
{
	struct pconn *c = pconn_connect(s, s->url, false, err);
	if (c)
		pthread_setspecific(s->key, c);
	return c;
}

/* Connect c again after its server went away; its statements went too. */
static void pconn_reset(struct pconn *c)
{
	PQreset(c->db);
	for (int i = 0; i < c->n_st; i++)
		if (c->st[i].owned)
			free((char *)c->st[i].sql);
	c->n_st = 0;
}

/* The calling thread's connection; one that broke (a restarted database)
 * is made again, outside a transaction. */
static struct pconn *pconn_get(struct pg_store *s, struct vax_error *err)
{
	struct pconn *c = pthread_getspecific(s->key);
	if (c && PQstatus(c->db) != CONNECTION_OK && c->depth == 0)
		pconn_reset(c);
	return c ? c : pconn_open(s, err);
}

static void explain(struct pg_store *s, struct pconn *c, const char *sql, int nparams)
{
	if (!s->plan_fn)
		return;
	/* what index-backed plans exist: PostgreSQL prefers a scan of a small
	 * table, so a test asks with sequential scans priced out */
	PQclear(PQexec(c->db, "SET enable_seqscan = off"));
	char *q = malloc(strlen(sql) + 32);
	snprintf(q, strlen(sql) + 32, "EXPLAIN %s", sql);
	const char *vals[64] = {0};
	PGresult *r = PQexecParams(c->db, q, nparams > 64 ? 64 : nparams, NULL, vals, NULL, NULL, 0);
	free(q);
	char plan[8192];
	size_t o = 0;
	plan[0] = '\0';
	for (int i = 0; r && PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r) && o < sizeof plan; i++)
		o += (size_t)snprintf(plan + o, sizeof plan - o, "%s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	PQclear(PQexec(c->db, "SET enable_seqscan = on"));
	s->plan_fn(s->plan_ctx, sql, plan);
}

/* The name of a prepared statement for sql on c, preparing it the first
 * time; literal says whether sql is a string literal (kept by address). */
static const char *prepared(struct pg_store *s, struct pconn *c, const char *sql, bool literal, int nparams,
                            struct vax_error *err)
{
	for (int i = 0; i < c->n_st; i++)
		if (literal ? c->st[i].sql == sql : (c->st[i].owned && !strcmp(c->st[i].sql, sql)))
			return c->st[i].name;
	if (c->n_st == STMT_MAX) {
		/* full: drop the dynamic ones (searches) and start their list again */
		int k = 0;
		for (int i = 0; i < c->n_st; i++) {
			if (c->st[i].owned) {
				char dealloc[40];
				snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", c->st[i].name);
				PQclear(PQexec(c->db, dealloc));
				free((char *)c->st[i].sql);
			} else {
				c->st[k++] = c->st[i];
			}
		}
		c->n_st = k;
		if (k == STMT_MAX)
			return NULL;
	}
	static _Atomic unsigned seq;
	char name[16];
	snprintf(name, sizeof name, "v%u", seq++);
	PGresult *r = PQprepare(c->db, name, sql, nparams, NULL);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		res_error(err, r, c->db, "prepare");
	PQclear(r);
	if (!ok)
		return NULL;
	explain(s, c, sql, nparams);
	c->st[c->n_st].sql = literal ? sql : strdup(sql);
	c->st[c->n_st].owned = !literal;
	snprintf(c->st[c->n_st].name, sizeof c->st[0].name, "%s", name);
	c->n_st++;
	return c->st[c->n_st - 1].name;
}

/* Parameters of one statement: text, or bytes (term values). */
struct params {
	int n;
	const char *v[4 * STORE_MAX_COND + 80];
	int len[4 * STORE_MAX_COND + 80];
	int fmt[4 * STORE_MAX_COND + 80];
	char nums[4 * STORE_MAX_COND + 80][24];
};

static int p_text(struct params *p, const char *v)
{
	p->v[p->n] = v ? v : "";
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	return ++p->n;
}

static int p_int(struct params *p, int64_t v)
{
	snprintf(p->nums[p->n], sizeof p->nums[0], "%lld", (long long)v);
	return p_text(p, p->nums[p->n]);
}

static int p_bytes(struct params *p, const char *v)
{
	p->v[p->n] = v;
	p->len[p->n] = (int)strlen(v);
	p->fmt[p->n] = 1;
	return ++p->n;
}

/* Run sql (literal or built) with p; the result (caller PQclears), or
 * NULL with err set. */
static PGresult *run(struct pg_store *s, struct pconn *c, const char *sql, bool literal,
                     const struct params *p, const char *what, struct vax_error *err)
{
	const char *name = prepared(s, c, sql, literal, p ? p->n : 0, err);
	if (!name)
		return NULL;
	PGresult *r = PQexecPrepared(c->db, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
	                             p ? p->fmt : NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		res_error(err, r, c->db, what);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* A literal statement with parameters from a bind spec as store_sqlite.c's:
 * 't' text, 'z' text or NULL, 'i' int, 'I' int64_t. */
static PGresult *q(struct pg_store *s, const char *sql, const char *what, struct vax_error *err,
                   const char *binds, ...)
{
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return NULL;
	static __thread struct params p;
	p.n = 0;
	va_list ap;
	va_start(ap, binds);
	for (const char *b = binds; *b; b++) {
		switch (*b) {
		case 't':
			p_text(&p, va_arg(ap, const char *));
			break;
		case 'z': {
			const char *v = va_arg(ap, const char *);
			p_text(&p, v);
			if (!v)
				p.v[p.n - 1] = NULL;
			break;
		}
		case 'i':
			p_int(&p, va_arg(ap, int));
			break;
		case 'I':
			p_int(&p, va_arg(ap, int64_t));
			break;
		default:
			abort();
		}
	}
	va_end(ap);
	return run(s, c, sql, true, &p, what, err);
}

static bool qexec(struct pg_store *s, PGresult *r)
{
	(void)s;
	PQclear(r);
	return r != NULL;
}

static int64_t num(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void copy(PGresult *r, int row, int col, char *buf, size_t len)
{
	snprintf(buf, len, "%s", PQgetvalue(r, row, col));
}

/* ---- names ----------------------------------------------------------------------- */

/* A type's or key's number: > 0, 0 unknown, -1 error. A new one is made
 * in its own statement (committed at once, whatever the caller's
 * transaction does), racing servers agreeing through the constraint. */
static int name_id(struct pg_store *s, const char *name, bool create, struct vax_error *err)
{
	static const char get[] = "SELECT id FROM name WHERE name=$1";
	static const char add[] = "INSERT INTO name(name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
	int id = store_names_find(&s->names, name);
	if (id)
		return id;
	PGresult *r = q(s, get, "name", err, "t", name);
	if (!r)
		return -1;
	if (PQntuples(r)) {
		id = (int)num(r, 0, 0);
		PQclear(r);
		store_names_remember(&s->names, name, id);
		return id;
	}
	PQclear(r);
	if (!create)
		return 0;
	/* outside the caller's transaction: a second connection */
	PGconn *own = PQconnectdb(s->url);
	if (PQstatus(own) != CONNECTION_OK) {
		pg_error(err, own, "name");
		PQfinish(own);
		return -1;
	}
	const char *v[1] = {name};
	PGresult *a = PQexecParams(own, add, 1, NULL, v, NULL, NULL, 0);
	PQclear(a);
	PGresult *g = PQexecParams(own, get, 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(g) == PGRES_TUPLES_OK && PQntuples(g))
		id = (int)num(g, 0, 0);
	else
		pg_error(err, own, "name");
	PQclear(g);
	PQfinish(own);
	if (id > 0)
		store_names_remember(&s->names, name, id);
	return id > 0 ? id : -1;
}

static int key_id(struct pg_store *s, const char *type, const char *key, bool create, struct vax_error *err)
{
	char n[96];
	snprintf(n, sizeof n, "%s.%s", type, key);
	return name_id(s, n, create, err);
}

/* ---- open, versions -------------------------------------------------------------- */

static bool exec_plain(PGconn *db, const char *sql, struct vax_error *err)
{
	PGresult *r = PQexec(db, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		res_error(err, r, db, "schema");
	PQclear(r);
	return ok;
}

static int meta_int(PGconn *db, const char *key)
{
	const char *v[1] = {key};
	PGresult *r = PQexecParams(db, "SELECT value FROM meta WHERE key=$1", 1, NULL, v, NULL, NULL, 0);
	int n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return n;
}

/* 0 empty, SCHEMA current, -1 newer, -2 terms stale */
static int layout(PGconn *db)
{
	PGresult *r = PQexec(db, "SELECT to_regclass('meta') IS NOT NULL");
	bool have = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!have)
		return 0;
	int v = meta_int(db, "schema");
	if (v == 0)
		return 0;
	if (v > SCHEMA)
		return -1;
	if (v == SCHEMA && meta_int(db, "terms") != INDEX_VERSION)
		return -2;
	return v;
}

/* OAuth grants (store_grant_*): added by any vaxregd that knows them, in
 * the schema's transaction, so a database made before needs no upgrade
 * step (store_sqlite.c does the same). */
static const char *const schema_grants[] = {
    "CREATE TABLE IF NOT EXISTS grant_row (kind text COLLATE \"C\" NOT NULL, key text COLLATE \"C\" NOT NULL,"
    " family text COLLATE \"C\" NOT NULL, user_id bigint NOT NULL, org text NOT NULL, role text NOT NULL,"
    " state integer NOT NULL, start bigint NOT NULL, expires bigint NOT NULL, last bigint NOT NULL,"
    " poll_interval integer NOT NULL, PRIMARY KEY (kind, key))",
    "CREATE INDEX IF NOT EXISTS grant_family ON grant_row(family)",
    "CREATE INDEX IF NOT EXISTS grant_expires ON grant_row(expires)",
    /* each user's last write position, for read replicas */
    "CREATE TABLE IF NOT EXISTS wrote (user_id bigint PRIMARY KEY, lsn pg_lsn NOT NULL)",
    /* deferred logins waiting for the confidentiality statement (store_sqlite.c) */
    "CREATE TABLE IF NOT EXISTS token_awaiting (key text COLLATE \"C\" PRIMARY KEY, family text NOT NULL,"
    " statement text NOT NULL, login bigint NOT NULL, expires bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS token_awaiting_expires ON token_awaiting(expires)",
    NULL,
};

/* The schema, versioned: made in one transaction, under a lock so two
 * servers starting at once make it once. */
static bool migrate(PGconn *db, FILE *out, struct vax_error *err)
{
	if (!exec_plain(db, "BEGIN", err))
		return false;
	bool ok =
	    exec_plain(db, "SELECT pg_advisory_xact_lock(7661787266)", err) && exec_plain(db, schema[0], err);
	int l = ok ? layout(db) : 0;
	if (ok && l == 0) {
		for (int i = 1; ok && schema[i]; i++)
			ok = exec_plain(db, schema[i], err);
		char sql[200];
		snprintf(sql, sizeof sql,
		         "INSERT INTO meta(key, value) VALUES ('schema', '%d'), ('terms', '%d')"
		         " ON CONFLICT (key) DO UPDATE SET value=EXCLUDED.value",
		         SCHEMA, INDEX_VERSION);
		ok = ok && exec_plain(db, sql, err);
		if (ok && out)
			fprintf(out, "vaxregd: registry database created (schema %d)\n", SCHEMA);
	} else if (ok && l == -1) {
		ok = error_set(err, "STORE-NEWER",
		               "The registry database was made by a newer vaxregd; run that version.");
	} else if (ok && l == -2) {
		ok = error_set(
		    err, "STORE-UPGRADE",
		    "The registry database's search terms are from another vaxregd: run 'vaxregd upgrade'.");
	}
	for (int i = 0; ok && schema_grants[i]; i++)
		ok = exec_plain(db, schema_grants[i], err);
	if (ok)
		return exec_plain(db, "COMMIT", err);
	PQclear(PQexec(db, "ROLLBACK"));
	return false;
}

static struct pg_store *pg_new(const char *url)
{
	struct pg_store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->base.ops = &pg_ops;
	s->url = strdup(url);
	pthread_key_create(&s->key, key_destructor);
	pthread_mutex_init(&s->lock, NULL);
	store_names_init(&s->names);
	return s;
}

static void pg_close(struct store *base)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = s->all;
	while (c) {
		struct pconn *next = c->next;
		pconn_free(c);
		c = next;
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	store_names_free(&s->names);
	free(s->replica_url);
	free(s->url);
	free(s);
}

struct store *store_pg_open(const char *url, struct vax_error *err)
{
	struct pg_store *s = pg_new(url);
	if (!s)
		return NULL;
	struct pconn *c = pconn_get(s, err);
	int l = c ? layout(c->db) : 0;
	/* the schema's additions (IF NOT EXISTS) are made by any server that
	 * knows them */
	if (c && (l == 0 || l == SCHEMA) && !migrate(c->db, NULL, err))
		c = NULL;
	l = c ? layout(c->db) : l;
	if (c && l != SCHEMA) {
		if (l == -1)
			error_set(err, "STORE-NEWER",
			          "The registry database was made by a newer vaxregd; run that version.");
		else
			error_set(
			    err, "STORE-UPGRADE",
			    "The registry database was made by an older vaxregd: run 'vaxregd upgrade' first "
			    "(it keeps every record).");
		c = NULL;
	}
	if (!c) {
		pg_close(&s->base);
		return NULL;
	}
	return &s->base;
}

static bool reindex(struct pg_store *s, struct pconn *c, FILE *out, struct vax_error *err);

bool store_pg_upgrade(const char *url, FILE *out, struct vax_error *err)
{
	struct pg_store *s = pg_new(url);
	if (!s)
		return false;
	struct pconn *c = pconn_get(s, err);
	bool ok = c != NULL;
	int l = ok ? layout(c->db) : 0;
	if (ok && l == 0)
		ok = migrate(c->db, out, err);
	else if (ok && l == -1)
		ok = error_set(err, "STORE-NEWER",
		               "The registry database was made by a newer vaxregd; run that version.");
	else if (ok && l == -2)
		ok = reindex(s, c, out, err);
	else if (ok && out)
		fprintf(out, "vaxregd: the registry database is current (schema %d)\n", SCHEMA);
	pg_close(&s->base);
	return ok;
}

static void pg_set_plan_hook(struct store *base, store_plan_fn fn, void *ctx)
{
	struct pg_store *s = (struct pg_store *)base;
	s->plan_fn = fn;
	s->plan_ctx = ctx;
}

/* ---- transactions ---------------------------------------------------------------- */

static bool pg_begin(struct store *base, struct vax_error *err)
{
	static const char lock[] = "SELECT pg_advisory_xact_lock("
	                           "512300155493"
	                           ")";
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return false;
	if (!exec_plain(c->db, "BEGIN", err))
		return false;
	/* one writer at a time, on every server: the FHIR layer's checks hold
	 * until the commit */
	if (!qexec(s, q(s, lock, "begin", err, ""))) {
		PQclear(PQexec(c->db, "ROLLBACK"));
		return false;
	}
	c->depth = 1;
	return true;
}

static bool pg_commit(struct store *base, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return false;
	bool ok = exec_plain(c->db, "COMMIT", err);
	c->depth = 0;
	return ok;
}

static void pg_rollback(struct store *base)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, NULL);
	if (!c)
		return;
	if (PQtransactionStatus(c->db) != PQTRANS_IDLE)
		PQclear(PQexec(c->db, "ROLLBACK"));
	c->depth = 0;
}

static bool pg_bulk(struct store *base, bool on, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return false;
	if (on)
		return exec_plain(c->db, "SET synchronous_commit = off", err);
	/* fresh statistics for what was loaded */
	return exec_plain(c->db, "SET synchronous_commit = on", err) && exec_plain(c->db, "ANALYZE", err);
}

/* ---- resources ----------------------------------------------------------------- */

static void fill_res(PGresult *r, int row, int col, struct store_res *out)
{
	/* columns: version, deleted, org, updated, json */
	memset(out, 0, sizeof *out);
	out->version = num(r, row, col);
	out->deleted = num(r, row, col + 1) != 0;
	copy(r, row, col + 2, out->org, sizeof out->org);
	out->updated = num(r, row, col + 3);
	out->json =
	    !out->deleted && !PQgetisnull(r, row, col + 4) ? strdup(PQgetvalue(r, row, col + 4)) : NULL;
}

static int pg_read(struct store *base, const char *type, const char *id, long version, struct store_res *out,
                   struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	static const char cur[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                          " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=$1 AND r.id=$2";
	/* inside a write transaction: the row stays as read until the commit */
	static const char cur_lock[] =
	    "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	    " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=$1 AND r.id=$2 FOR UPDATE OF r";
	static const char old[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                          " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=$1 AND r.id=$2 AND r.version=$3"
	                          " UNION ALL"
	                          " SELECT h.version, h.deleted, h.org, h.updated, h.json FROM resource r"
	                          " JOIN history h ON h.rid=r.rid AND h.version=$3 WHERE r.t=$1 AND r.id=$2";
	memset(out, 0, sizeof *out);
	int t = name_id(s, type, false, err);
	if (t <= 0)
		return t;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return -1;
	PGresult *r = version ? q(s, old, "read", err, "itI", t, id, (int64_t)version)
	                      : q(s, c->depth ? cur_lock : cur, "read", err, "it", t, id);
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found)
		fill_res(r, 0, 0, out);
	PQclear(r);
	return found;
}

static bool terms_put(struct pg_store *s, int64_t rid, const char *type, const struct index_term *t, int nt,
                      struct vax_error *err)
{
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return false;
	for (int i = 0; i < nt;) {
		int n = nt - i < 16 ? nt - i : 16;
		char sql[1024];
		size_t o = (size_t)snprintf(sql, sizeof sql, "INSERT INTO term(rid, k, v) VALUES ");
		static __thread struct params p;
		p.n = 0;
		p_int(&p, rid);
		for (int j = 0; j < n; j++, i++) {
			int k = key_id(s, type, t[i].key, true, err);
			if (k <= 0)
				return false;
			int a = p_int(&p, k), b = p_bytes(&p, t[i].value);
			o +=
			    (size_t)snprintf(sql + o, sizeof sql - o, "%s($1, $%d, $%d)", j ? "," : "", a, b);
		}
		snprintf(sql + o, sizeof sql - o, " ON CONFLICT DO NOTHING");
		PGresult *r = run(s, c, sql, false, &p, "index", err);
		if (!r)
			return false;
		PQclear(r);
	}
	return true;
}

static bool pg_write(struct store *base, const char *type, const char *id, const char *org, cJSON *res,
                     bool deleted, int64_t now, long *version, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	static const char q_ver[] = "SELECT rid, version FROM resource WHERE t=$1 AND id=$2 FOR UPDATE";
	static const char q_keep[] = "INSERT INTO history(rid, version, deleted, org, updated, json)"
	                             " SELECT r.rid, r.version, r.deleted, r.org, r.updated, d.json"
	                             " FROM resource r LEFT JOIN doc d ON d.rid=r.rid WHERE r.rid=$1";
	static const char q_upd[] =
	    "UPDATE resource SET version=$2, deleted=$3, org=$4, updated=$5, sort=$6, uuid=$7 WHERE rid=$1";
	static const char q_new[] = "INSERT INTO resource(t, id, version, deleted, org, updated, sort, uuid)"
	                            " VALUES ($1, $2, 1, $3, $4, $5, $6, $7) RETURNING rid";
	static const char q_doc[] = "INSERT INTO doc(rid, json) VALUES ($1, $2)"
	                            " ON CONFLICT (rid) DO UPDATE SET json=EXCLUDED.json";
	static const char q_undoc[] = "DELETE FROM doc WHERE rid=$1";
	static const char q_unterm[] = "DELETE FROM term WHERE rid=$1";
	int t = name_id(s, type, true, err);
	if (t < 0)
		return false;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return false;
	/* a write outside store_begin is a transaction of its own */
	bool own = c->depth == 0;
	if (own && !exec_plain(c->db, "BEGIN", err))
		return false;
	/* a failed statement must not spoil the caller's transaction */
	if (!own && !exec_plain(c->db, "SAVEPOINT w", err))
		return false;
	PGresult *r = q(s, q_ver, "version", err, "it", t, id);
	bool ok = r != NULL;
	int64_t rid = ok && PQntuples(r) ? num(r, 0, 0) : 0;
	long v = ok && PQntuples(r) ? (long)num(r, 0, 1) + 1 : 1;
	PQclear(r);
	char *json = NULL, uuid[80] = "";
	static __thread struct store_ready tm;
	if (ok && !deleted && res) {
		index_stamp(res, id, v, now);
		json = cJSON_PrintUnformatted(res);
		index_own_uuid(res, uuid, sizeof uuid);
		ok = json != NULL || error_set(err, "STORE", "Out of memory.");
	}
	tm.n = json ? index_terms(type, res, tm.t, INDEX_MAX_TERMS, tm.sort, sizeof tm.sort) : 0;
	if (!json)
		tm.sort[0] = '\0';
	if (ok && rid) {
		ok = qexec(s, q(s, q_keep, "history", err, "I", rid)) &&
		     qexec(s, q(s, q_unterm, "unindex", err, "I", rid)) &&
		     qexec(s, q(s, q_upd, "write", err, "IIitItz", rid, (int64_t)v, deleted, org, now,
		                tm.sort, uuid[0] ? uuid : NULL)) &&
		     (json ? qexec(s, q(s, q_doc, "write", err, "It", rid, json))
		           : qexec(s, q(s, q_undoc, "write", err, "I", rid)));
	} else if (ok) {
		r = q(s, q_new, "write", err, "ititItz", t, id, deleted, org, now, tm.sort,
		      uuid[0] ? uuid : NULL);
		ok = r != NULL && PQntuples(r) == 1;
		if (ok)
			rid = num(r, 0, 0);
		PQclear(r);
		ok = ok && (!json || qexec(s, q(s, q_doc, "write", err, "It", rid, json)));
	}
	ok = ok && terms_put(s, rid, type, tm.t, tm.n, err);
	c->wrote = true;
	if (own) {
		if (ok)
			ok = exec_plain(c->db, "COMMIT", err);
		else
			PQclear(PQexec(c->db, "ROLLBACK"));
	} else if (ok) {
		ok = exec_plain(c->db, "RELEASE SAVEPOINT w", err);
	} else {
		PQclear(PQexec(c->db, "ROLLBACK TO SAVEPOINT w"));
	}
	if (ok && version)
		*version = v;
	cJSON_free(json);
	return ok;
}

static bool pg_write_ready(struct store *base, const struct store_ready *rd, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	static const char q_new[] = "INSERT INTO resource(t, id, version, deleted, org, updated, sort, uuid)"
	                            " VALUES ($1, $2, 1, 0, $3, $4, $5, $6) RETURNING rid";
	static const char q_doc[] = "INSERT INTO doc(rid, json) VALUES ($1, $2)";
	int t = name_id(s, rd->type, true, err);
	if (t < 0)
		return false;
	PGresult *r = q(s, q_new, "write", err, "ittItz", t, rd->id, rd->org, rd->now, rd->sort,
	                rd->uuid[0] ? rd->uuid : NULL);
	if (!r)
		return false;
	int64_t rid = num(r, 0, 0);
	PQclear(r);
	return qexec(s, q(s, q_doc, "write", err, "It", rid, rd->json)) &&
	       terms_put(s, rid, rd->type, rd->t, rd->n, err);
}

static int pg_history(struct store *base, const char *type, const char *id, struct store_res *out, int max,
                      struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	static const char sql[] = "SELECT r.version, r.deleted, r.org, r.updated, d.json FROM resource r"
	                          " LEFT JOIN doc d ON d.rid=r.rid WHERE r.t=$1 AND r.id=$2"
	                          " UNION ALL"
	                          " SELECT h.version, h.deleted, h.org, h.updated, h.json FROM resource r "
	                          "JOIN history h ON h.rid=r.rid"
	                          " WHERE r.t=$1 AND r.id=$2 ORDER BY 1 DESC LIMIT $3";
	int t = name_id(s, type, false, err);
	if (t <= 0)
		return t;
	PGresult *r = q(s, sql, "history", err, "iti", t, id, max);
	if (!r)
		return -1;
	int n = PQntuples(r) < max ? PQntuples(r) : max;
	for (int i = 0; i < n; i++)
		fill_res(r, i, 0, &out[i]);
	PQclear(r);
	return n;
}

/* ---- read replicas ------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A log sequence number as PostgreSQL writes it ("16/B374D848"); 0 for "". */
static uint64_t lsn_parse(const char *v)
{
	unsigned hi, lo;
	return v && sscanf(v, "%X/%X", &hi, &lo) == 2 ? (uint64_t)hi << 32 | lo : 0;
}

/* Ask the replica how far it has replayed and whether it streams from the
 * primary within the lag allowed (a replica cut off from the primary
 * looks current to itself: no WAL receiver means no). */
static void replica_check(struct pg_store *s, struct pconn *c)
{
	static const char sql[] =
	    "SELECT pg_last_wal_replay_lsn(),"
	    " EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL),"
	    " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
	    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END";
	c->rep_checked = now_ms();
	c->rep_ok = false;
	if (c->rep && PQstatus(c->rep->db) != CONNECTION_OK)
		pconn_reset(c->rep);
	else if (!c->rep)
		c->rep = pconn_connect(s, s->replica_url, true, NULL);
	if (!c->rep || PQstatus(c->rep->db) != CONNECTION_OK) {
		/* a connect may take its whole timeout (a host gone): the
		 * searches meanwhile go to the primary without waiting on it */
		c->rep_backoff =
		    c->rep_backoff ? (c->rep_backoff < 15000 ? c->rep_backoff * 2 : 30000) : 1000;
		c->rep_next = c->rep_checked + c->rep_backoff;
		return;
	}
	c->rep_backoff = 0;
	PGresult *r = run(s, c->rep, sql, true, NULL, "replica", NULL);
	if (r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		c->rep_lsn = lsn_parse(PQgetvalue(r, 0, 0));
		c->rep_ok = PQgetvalue(r, 0, 1)[0] == 't' && atof(PQgetvalue(r, 0, 2)) <= s->max_lag;
	}
	PQclear(r);
}

/* The connection a search on c's thread reads: the replica where the
 * request allows it and the replica has what its user wrote; else c. */
static struct pconn *reader(struct pg_store *s, struct pconn *c)
{
	if (!s->replica_url || !c->lag_ok || c->wrote || c->depth)
		return c;
	int64_t now = now_ms();
	if (now < c->rep_next)
		return c;
	if (now - c->rep_checked >= 1000 || (c->rep_ok && c->rep_lsn < c->after))
		replica_check(s, c);
	if (!c->rep_ok || c->rep_lsn < c->after)
		return c;
	c->used_rep = true;
	return c->rep;
}

/* A search on the replica failed: the primary answers, and the replica is
 * asked again in a second. */
static struct pconn *replica_failed(struct pconn *c)
{
	c->rep_ok = false;
	c->rep_checked = now_ms();
	return c;
}

static bool pg_set_replica(struct store *base, const char *url, int max_lag, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	if (!store_is_url(url))
		return error_set(err, "STORE-REPLICA", "A read replica is a postgresql:// URL.");
	free(s->replica_url);
	s->replica_url = strdup(url);
	s->max_lag = max_lag > 0 ? max_lag : 5;
	return s->replica_url != NULL;
}

static void pg_request_begin(struct store *base, int64_t user_id, const char *wrote, bool lag_ok)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, NULL);
	if (!c)
		return;
	/* a request inside another (HL7) begins again as its sender: what the
	 * outer one wrote stays to be recorded */
	if (user_id > 0)
		c->user_id = user_id;
	c->after = lsn_parse(wrote);
	c->lag_ok = lag_ok;
}

static void pg_request_end(struct store *base)
{
	/* after the write's commit: the insert position covers it */
	static const char sql[] =
	    "INSERT INTO wrote(user_id, lsn) VALUES ($1, pg_current_wal_insert_lsn())"
	    " ON CONFLICT (user_id) DO UPDATE SET lsn=greatest(wrote.lsn, EXCLUDED.lsn)";
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pthread_getspecific(s->key);
	if (!c)
		return;
	if (c->wrote && c->user_id > 0 && c->depth == 0)
		PQclear(q(s, sql, "wrote", NULL, "I", c->user_id));
	c->user_id = 0;
	c->after = 0;
	c->lag_ok = false;
	c->wrote = false;
	c->used_rep = false;
}

static bool pg_used_replica(struct store *base)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pthread_getspecific(s->key);
	return c && c->used_rep;
}

/* ---- search ------------------------------------------------------------------- */

struct tcond {
	int k;
	struct index_range r;
};

static size_t term_sql(char *buf, size_t len, const char *alias, const struct tcond *c, struct params *p)
{
	int k = p_int(p, c->k);
	if (c->r.exact)
		return (size_t)snprintf(buf, len, "%s.k=$%d AND %s.v=$%d", alias, k, alias,
		                        p_bytes(p, c->r.lo));
	int lo = p_bytes(p, c->r.lo), hi = p_bytes(p, c->r.hi);
	return (size_t)snprintf(buf, len, "%s.k=$%d AND %s.v>=$%d AND %s.v<$%d", alias, k, alias, lo, alias,
	                        hi);
}

static int probe(struct pg_store *s, struct pconn *c, const struct tcond *tc, struct vax_error *err)
{
	static __thread struct params p;
	p.n = 0;
	char sql[300], where[200];
	term_sql(where, sizeof where, "t", tc, &p);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM term t WHERE %s LIMIT %d) x", where,
	         PROBE);
	PGresult *r = run(s, c, sql, false, &p, "search", err);
	if (!r)
		return -1;
	int n = (int)num(r, 0, 0);
	PQclear(r);
	return n;
}

static int search_on(struct pg_store *s, struct pconn *c, const struct store_query *qin,
                     struct store_res *out, char (*ids)[65], long *total, struct vax_error *err)
{
	*total = 0;
	static __thread struct index_query iq;
	index_rewrite(qin, &iq);
	const struct store_query *qq = &iq.q;
	int t = name_id(s, qq->type, false, err);
	if (t <= 0)
		return t;
	struct tcond tc[STORE_MAX_COND];
	int nt = 0;
	const char *id = NULL, *owner = NULL;
	for (int i = 0; i < qq->n; i++) {
		const struct store_cond *sc = &qq->cond[i];
		if (sc->kind == SC_ID) {
			if (id && strcmp(id, sc->value))
				return 0;
			id = sc->value;
		} else if (sc->kind == SC_OWNER) {
			if (owner && strcmp(owner, sc->value))
				return 0;
			owner = sc->value;
		} else {
			int k = key_id(s, qq->type, sc->key, false, err);
			if (k <= 0)
				return k;
			tc[nt].k = k;
			index_range(sc->kind, sc->key, sc->value, sc->value2, &tc[nt].r);
			nt++;
		}
	}
	int drive = 0;
	if (!id && nt > 1) {
		int best = -1;
		for (int i = 0; i < nt; i++) {
			int n = probe(s, c, &tc[i], err);
			if (n < 0)
				return -1;
			if (best < 0 || n < best || (n == best && tc[i].r.exact && !tc[drive].r.exact)) {
				best = n;
				drive = i;
			}
		}
	}
	static __thread struct params p;
	p.n = 0;
	char from[6000], sql[7000];
	size_t o;
	if (id || nt == 0) {
		o = (size_t)snprintf(from, sizeof from, "FROM resource r WHERE r.t=$%d AND r.deleted=0",
		                     p_int(&p, t));
		if (id)
			o += (size_t)snprintf(from + o, sizeof from - o, " AND r.id=$%d", p_text(&p, id));
		for (int i = 0; i < nt && o < sizeof from; i++) {
			o += (size_t)snprintf(from + o, sizeof from - o,
			                      " AND EXISTS (SELECT 1 FROM term x%d WHERE x%d.rid=r.rid AND ",
			                      i, i);
			char alias[16];
			snprintf(alias, sizeof alias, "x%d", i);
			o += term_sql(from + o, sizeof from - o, alias, &tc[i], &p);
			o += (size_t)snprintf(from + o, sizeof from - o, ")");
		}
	} else {
		o = (size_t)snprintf(from, sizeof from,
		                     "FROM resource r WHERE r.rid IN (SELECT d.rid FROM term d WHERE ");
		o += term_sql(from + o, sizeof from - o, "d", &tc[drive], &p);
		for (int i = 0; i < nt && o < sizeof from; i++) {
			if (i == drive)
				continue;
			char alias[16];
			snprintf(alias, sizeof alias, "x%d", i);
			o += (size_t)snprintf(from + o, sizeof from - o,
			                      " AND EXISTS (SELECT 1 FROM term %s WHERE %s.rid=d.rid AND ",
			                      alias, alias);
			o += term_sql(from + o, sizeof from - o, alias, &tc[i], &p);
			o += (size_t)snprintf(from + o, sizeof from - o, ")");
		}
		o += (size_t)snprintf(from + o, sizeof from - o, ")");
	}
	if (owner && o < sizeof from)
		snprintf(from + o, sizeof from - o, " AND r.org=$%d", p_text(&p, owner));
	/* the page by sort key, with the total beside each row; its JSON after */
	snprintf(sql, sizeof sql,
	         "SELECT p.id, p.version, p.deleted, p.org, p.updated, d.json, p.total FROM"
	         " (SELECT r.rid, r.id, r.version, r.deleted, r.org, r.updated, r.sort, count(*) OVER () AS "
	         "total %s"
	         " ORDER BY r.sort, r.id LIMIT %d OFFSET %d) p"
	         " LEFT JOIN doc d ON d.rid=p.rid ORDER BY p.sort, p.id",
	         from, qq->count > 0 ? qq->count : 0, qq->offset);
	PGresult *r = run(s, c, sql, false, &p, "search", err);
	if (!r)
		return -1;
	int n = PQntuples(r);
	if (n > 0)
		*total = (long)num(r, 0, 6);
	int k = 0;
	for (int i = 0; i < n && k < qq->count; i++) {
		copy(r, i, 0, ids[k], 65);
		fill_res(r, i, 1, &out[k]);
		k++;
	}
	PQclear(r);
	if (n == 0 || qq->count <= 0) {
		/* an empty page, or only the count: the count alone */
		snprintf(sql, sizeof sql, "SELECT count(*) %s", from);
		r = run(s, c, sql, false, &p, "search", err);
		if (!r)
			return -1;
		*total = (long)num(r, 0, 0);
		PQclear(r);
	}
	return k;
}

static int search_any_on(struct pg_store *s, struct pconn *c, const char *type, const char *key,
                         const char *const *values, int n, int max, struct store_res *out, char (*ids)[65],
                         struct vax_error *err)
{
	int k = key_id(s, type, key, false, err);
	if (k <= 0 || n <= 0 || max <= 0)
		return k < 0 ? -1 : 0;
	static __thread struct params p;
	p.n = 0;
	char in[4096], sql[4800];
	size_t o = 0;
	int kb = p_int(&p, k);
	int nv = n < (int)(sizeof p.v / sizeof p.v[0]) - 2 ? n : (int)(sizeof p.v / sizeof p.v[0]) - 2;
	for (int i = 0; i < nv && o < sizeof in; i++)
		o += (size_t)snprintf(in + o, sizeof in - o, "%s$%d", i ? "," : "", p_bytes(&p, values[i]));
	/* the clients sharing the most keys first, then by rid, as on SQLite */
	snprintf(sql, sizeof sql,
	         "SELECT r.id, r.version, r.deleted, r.org, r.updated, d.json FROM"
	         " (SELECT t.rid, count(*) AS n FROM term t WHERE t.k=$%d AND t.v IN (%s)"
	         " GROUP BY t.rid ORDER BY n DESC, t.rid LIMIT %d) m"
	         " JOIN resource r ON r.rid=m.rid JOIN doc d ON d.rid=m.rid ORDER BY m.n DESC, m.rid",
	         kb, in, max);
	PGresult *r = run(s, c, sql, false, &p, "match", err);
	if (!r)
		return -1;
	int got = PQntuples(r) < max ? PQntuples(r) : max;
	for (int i = 0; i < got; i++) {
		copy(r, i, 0, ids[i], 65);
		fill_res(r, i, 1, &out[i]);
	}
	PQclear(r);
	return got;
}

static int pg_search(struct store *base, const struct store_query *q, struct store_res *out, char (*ids)[65],
                     long *total, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return -1;
	struct pconn *rd = reader(s, c);
	int n = search_on(s, rd, q, out, ids, total, rd == c ? err : NULL);
	if (n < 0 && rd != c)
		n = search_on(s, replica_failed(c), q, out, ids, total, err);
	return n;
}

static int pg_search_any(struct store *base, const char *type, const char *key, const char *const *values,
                         int n, int max, struct store_res *out, char (*ids)[65], struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return -1;
	struct pconn *rd = reader(s, c);
	int got = search_any_on(s, rd, type, key, values, n, max, out, ids, rd == c ? err : NULL);
	if (got < 0 && rd != c)
		got = search_any_on(s, replica_failed(c), type, key, values, n, max, out, ids, err);
	return got;
}

/* ---- organizations, users, sessions --------------------------------------------- */

static bool pg_org_add(struct store *base, const char *code, const char *name, struct vax_error *err)
{
	static const char sql[] = "INSERT INTO org(code, name) VALUES ($1, $2)"
	                          " ON CONFLICT (code) DO UPDATE SET name=EXCLUDED.name";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "org", err, "tt", code, name));
}

/* The first column of a one-row answer: 1 found (copied), 0 none, -1. */
static int one_text(PGresult *r, char *buf, size_t len)
{
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found && buf)
		copy(r, 0, 0, buf, len);
	PQclear(r);
	return found;
}

static int pg_org_get(struct store *base, const char *code, char *name, size_t len, struct vax_error *err)
{
	static const char sql[] = "SELECT name FROM org WHERE code=$1";
	struct pg_store *s = (struct pg_store *)base;
	return one_text(q(s, sql, "org", err, "t", code), name, len);
}

static int user_fetch(PGresult *r, struct store_user *u)
{
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found) {
		memset(u, 0, sizeof *u);
		u->id = num(r, 0, 0);
		copy(r, 0, 1, u->username, sizeof u->username);
		copy(r, 0, 2, u->email, sizeof u->email);
		copy(r, 0, 3, u->hash, sizeof u->hash);
		u->failures = (int)num(r, 0, 4);
		copy(r, 0, 5, u->challenge, sizeof u->challenge);
		u->reset_required = num(r, 0, 6) != 0;
		u->pw_changed = num(r, 0, 7);
	}
	PQclear(r);
	return found;
}

static bool pg_user_add(struct store *base, struct store_user *u, struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO users(username, email, hash, pw_changed) VALUES ($1, $2, $3, $4) RETURNING id";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "user", err, "tttI", u->username, u->email, u->hash, u->pw_changed);
	if (!r)
		return false;
	u->id = num(r, 0, 0);
	PQclear(r);
	return true;
}

static int pg_user_get(struct store *base, const char *username, struct store_user *u, struct vax_error *err)
{
	static const char sql[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                          " pw_changed FROM users WHERE lower(username)=lower($1)";
	struct pg_store *s = (struct pg_store *)base;
	return user_fetch(q(s, sql, "user", err, "t", username), u);
}

static int pg_user_by_id(struct store *base, int64_t id, struct store_user *u, struct vax_error *err)
{
	static const char sql[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                          " pw_changed FROM users WHERE id=$1";
	/* read to be changed (a failed login, a new password): locked to the
	 * commit, so two servers counting failures both count */
	static const char lock[] = "SELECT id, username, email, hash, failures, challenge, reset_required,"
	                           " pw_changed FROM users WHERE id=$1 FOR UPDATE";
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return -1;
	return user_fetch(q(s, c->depth ? lock : sql, "user", err, "I", id), u);
}

static bool pg_user_update(struct store *base, const struct store_user *u, struct vax_error *err)
{
	static const char sql[] = "UPDATE users SET email=$2, hash=$3, failures=$4, challenge=$5,"
	                          " reset_required=$6, pw_changed=$7 WHERE id=$1";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "user", err, "IttitiI", u->id, u->email, u->hash, u->failures, u->challenge,
	                  u->reset_required, u->pw_changed));
}

static bool pg_member_add(struct store *base, int64_t user_id, const char *org, const char *role,
                          struct vax_error *err)
{
	static const char sql[] = "INSERT INTO member(user_id, org, role) VALUES ($1, $2, $3)"
	                          " ON CONFLICT (user_id, org) DO UPDATE SET role=EXCLUDED.role";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "member", err, "Itt", user_id, org, role));
}

static int pg_member_role(struct store *base, int64_t user_id, const char *org, char *role, size_t len,
                          struct vax_error *err)
{
	static const char sql[] = "SELECT role FROM member WHERE user_id=$1 AND org=$2";
	struct pg_store *s = (struct pg_store *)base;
	return one_text(q(s, sql, "member", err, "It", user_id, org), role, len);
}

static int pg_member_orgs(struct store *base, int64_t user_id, struct store_org *orgs, int max,
                          struct vax_error *err)
{
	static const char sql[] = "SELECT m.org, COALESCE(o.name, '') FROM member m"
	                          " LEFT JOIN org o ON o.code = m.org WHERE m.user_id=$1 ORDER BY m.org";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "member", err, "I", user_id);
	if (!r)
		return -1;
	int n = PQntuples(r) < max ? PQntuples(r) : max;
	for (int i = 0; i < n; i++) {
		copy(r, i, 0, orgs[i].code, sizeof orgs[i].code);
		copy(r, i, 1, orgs[i].name, sizeof orgs[i].name);
	}
	PQclear(r);
	return n;
}

static bool pg_pw_history_add(struct store *base, int64_t user_id, const char *hash, struct vax_error *err)
{
	static const char sql[] = "INSERT INTO pw_history(user_id, hash) VALUES ($1, $2)";
	static const char trim[] =
	    "DELETE FROM pw_history WHERE user_id=$1 AND seq <"
	    " (SELECT seq FROM pw_history WHERE user_id=$1 ORDER BY seq DESC LIMIT 1 OFFSET 7)";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "pw_history", err, "It", user_id, hash)) &&
	       qexec(s, q(s, trim, "pw_history", err, "I", user_id));
}

static int pg_pw_history(struct store *base, int64_t user_id, char (*hashes)[256], int max,
                         struct vax_error *err)
{
	static const char sql[] = "SELECT hash FROM pw_history WHERE user_id=$1 ORDER BY seq DESC LIMIT $2";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "pw_history", err, "Ii", user_id, max);
	if (!r)
		return -1;
	int n = PQntuples(r) < max ? PQntuples(r) : max;
	for (int i = 0; i < n; i++)
		copy(r, i, 0, hashes[i], 256);
	PQclear(r);
	return n;
}

static bool pg_token_add(struct store *base, const char *token_hash, const struct store_session *ss,
                         struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO token(hash, user_id, org, role, expires) VALUES ($1, $2, $3, $4, $5)";
	static const char purge[] = "DELETE FROM token WHERE expires < $1";
	static const char purge_marks[] = "DELETE FROM token_awaiting WHERE expires < $1";
	static const char mark[] = "INSERT INTO token_awaiting(key, family, statement, login, expires)"
	                           " VALUES ($1, $2, $3, $4, $5)";
	static const char mark_family[] = "INSERT INTO token_awaiting(key, family, statement, login, expires)"
	                                  " VALUES ($1, '', $2, $3, $4) ON CONFLICT (key) DO NOTHING";
	struct pg_store *s = (struct pg_store *)base;
	PQclear(q(s, purge, "token", NULL, "I", ss->expires - 86400));
	PQclear(q(s, purge_marks, "token", NULL, "I", ss->expires - 86400));
	/* the mark before the token: a token never exists without its mark */
	if (ss->awaiting[0] &&
	    (!qexec(s, q(s, mark, "token", err, "tttII", token_hash, ss->awaiting_family, ss->awaiting,
	                 ss->awaiting_login, ss->expires)) ||
	     (ss->awaiting_family[0] && !qexec(s, q(s, mark_family, "token", err, "ttII", ss->awaiting_family,
	                                            ss->awaiting, ss->awaiting_login, ss->awaiting_until)))))
		return false;
	return qexec(
	    s, q(s, sql, "token", err, "tIttI", token_hash, ss->user_id, ss->org, ss->role, ss->expires));
}

static int pg_token_get(struct store *base, const char *token_hash, int64_t now, struct store_session *ss,
                        struct vax_error *err)
{
	static const char sql[] =
	    "SELECT t.user_id, u.username, t.org, t.role, t.expires, w.lsn, a.statement,"
	    " a.login, a.family FROM token t JOIN users u ON u.id=t.user_id"
	    " LEFT JOIN wrote w ON w.user_id=t.user_id"
	    " LEFT JOIN token_awaiting a ON a.key=t.hash"
	    " WHERE t.hash=$1 AND t.expires>$2";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "token", err, "tI", token_hash, now);
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found) {
		memset(ss, 0, sizeof *ss);
		ss->user_id = num(r, 0, 0);
		copy(r, 0, 1, ss->username, sizeof ss->username);
		copy(r, 0, 2, ss->org, sizeof ss->org);
		copy(r, 0, 3, ss->role, sizeof ss->role);
		ss->expires = num(r, 0, 4);
		copy(r, 0, 5, ss->wrote, sizeof ss->wrote);
		copy(r, 0, 6, ss->awaiting, sizeof ss->awaiting);
		ss->awaiting_login = num(r, 0, 7);
		copy(r, 0, 8, ss->awaiting_family, sizeof ss->awaiting_family);
	}
	PQclear(r);
	return found;
}

static bool pg_token_delete(struct store *base, const char *token_hash, struct vax_error *err)
{
	static const char sql[] = "DELETE FROM token WHERE hash=$1";
	static const char unmark[] = "DELETE FROM token_awaiting WHERE key=$1";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "token", err, "t", token_hash)) &&
	       qexec(s, q(s, unmark, "token", err, "t", token_hash));
}

static int pg_token_accept(struct store *base, const char *token_hash, const char *family,
                           struct vax_error *err)
{
	/* one statement: two requests accepting at once (at any servers), one
	 * records it */
	static const char take[] = "DELETE FROM token_awaiting WHERE key=$1 RETURNING 1";
	static const char unmark[] = "DELETE FROM token_awaiting WHERE key=$1";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, take, "token", err, "t", token_hash);
	if (!r)
		return -1;
	int took = PQntuples(r) > 0;
	PQclear(r);
	if (family[0] && !qexec(s, q(s, unmark, "token", err, "t", family)))
		return -1;
	return took;
}

static int pg_family_awaiting(struct store *base, const char *family, struct store_session *ss,
                              struct vax_error *err)
{
	static const char sql[] = "SELECT statement, login, expires FROM token_awaiting WHERE key=$1";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "token", err, "t", family);
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found) {
		copy(r, 0, 0, ss->awaiting, sizeof ss->awaiting);
		ss->awaiting_login = num(r, 0, 1);
		ss->awaiting_until = num(r, 0, 2);
		snprintf(ss->awaiting_family, sizeof ss->awaiting_family, "%s", family);
	}
	PQclear(r);
	return found;
}

static bool pg_reset_add(struct store *base, const char *token_hash, int64_t user_id, int64_t expires,
                         struct vax_error *err)
{
	static const char sql[] = "INSERT INTO reset(hash, user_id, expires) VALUES ($1, $2, $3)";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "reset", err, "tII", token_hash, user_id, expires));
}

static int pg_reset_take(struct store *base, const char *token_hash, int64_t now, int64_t *user_id,
                         struct vax_error *err)
{
	/* one statement: two servers racing for the same token, one wins */
	static const char sql[] =
	    "UPDATE reset SET used=1 WHERE hash=$1 AND used=0 AND expires>$2 RETURNING user_id";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "reset", err, "tI", token_hash, now);
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found)
		*user_id = num(r, 0, 0);
	PQclear(r);
	return found;
}

static bool pg_login_record(struct store *base, int64_t user_id, const char *org, int64_t at,
                            const char *statement_version, struct vax_error *err)
{
	static const char sql[] = "INSERT INTO login(user_id, org, at, statement) VALUES ($1, $2, $3, $4)";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "login", err, "ItIt", user_id, org, at, statement_version));
}

static int pg_last_login(struct store *base, int64_t user_id, int64_t *at, struct vax_error *err)
{
	static const char sql[] = "SELECT max(at) FROM login WHERE user_id=$1";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "login", err, "I", user_id);
	if (!r)
		return -1;
	int found = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0);
	if (found)
		*at = num(r, 0, 0);
	PQclear(r);
	return found;
}

static bool pg_grant_add(struct store *base, const struct store_grant *g, struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO grant_row(kind, key, family, user_id, org, role, state, start,"
	    " expires, last, poll_interval) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
	static const char purge[] = "DELETE FROM grant_row WHERE expires < $1";
	struct pg_store *s = (struct pg_store *)base;
	const char kind[2] = {g->kind, '\0'};
	PQclear(q(s, purge, "grant", NULL, "I", g->start - 86400));
	return qexec(s, q(s, sql, "grant", err, "tttIttiIIIi", kind, g->key, g->family, g->user_id, g->org,
	                  g->role, g->state, g->start, g->expires, g->last, g->interval));
}

static int pg_grant_get(struct store *base, char kind, const char *key, struct store_grant *g,
                        struct vax_error *err)
{
	static const char sql[] =
	    "SELECT family, user_id, org, role, state, start, expires, last, poll_interval"
	    " FROM grant_row WHERE kind=$1 AND key=$2";
	struct pg_store *s = (struct pg_store *)base;
	const char k[2] = {kind, '\0'};
	PGresult *r = q(s, sql, "grant", err, "tt", k, key);
	if (!r)
		return -1;
	int found = PQntuples(r) > 0;
	if (found) {
		memset(g, 0, sizeof *g);
		g->kind = kind;
		snprintf(g->key, sizeof g->key, "%s", key);
		copy(r, 0, 0, g->family, sizeof g->family);
		g->user_id = num(r, 0, 1);
		copy(r, 0, 2, g->org, sizeof g->org);
		copy(r, 0, 3, g->role, sizeof g->role);
		g->state = (int)num(r, 0, 4);
		g->start = num(r, 0, 5);
		g->expires = num(r, 0, 6);
		g->last = num(r, 0, 7);
		g->interval = (int)num(r, 0, 8);
	}
	PQclear(r);
	return found;
}

static bool pg_grant_update(struct store *base, const struct store_grant *g, struct vax_error *err)
{
	static const char sql[] =
	    "UPDATE grant_row SET family=$3, user_id=$4, org=$5, role=$6, state=$7,"
	    " start=$8, expires=$9, last=$10, poll_interval=$11 WHERE kind=$1 AND key=$2";
	struct pg_store *s = (struct pg_store *)base;
	const char kind[2] = {g->kind, '\0'};
	return qexec(s, q(s, sql, "grant", err, "tttIttiIIIi", kind, g->key, g->family, g->user_id, g->org,
	                  g->role, g->state, g->start, g->expires, g->last, g->interval));
}

static bool pg_grant_revoke(struct store *base, const char *family, struct vax_error *err)
{
	static const char sql[] = "DELETE FROM grant_row WHERE family=$1";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "grant", err, "t", family));
}

static bool pg_audit_many(struct store *base, const char *user, const char *org, const char *action,
                          const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct pconn *c = pconn_get(s, err);
	if (!c)
		return false;
	/* one statement for a page; inside a transaction, written with it */
	for (int i = 0; i < n;) {
		int m = n - i < 20 ? n - i : 20;
		static __thread struct params p;
		p.n = 0;
		int a = p_int(&p, at), u = p_text(&p, user), o = p_text(&p, org), ac = p_text(&p, action),
		    t = p_text(&p, type);
		char sql[2048];
		size_t l = (size_t)snprintf(sql, sizeof sql,
		                            "INSERT INTO audit(at, username, org, action, type, id) VALUES ");
		for (int j = 0; j < m; j++, i++)
			l += (size_t)snprintf(sql + l, sizeof sql - l, "%s($%d, $%d, $%d, $%d, $%d, $%d)",
			                      j ? "," : "", a, u, o, ac, t, p_text(&p, ids[i]));
		PGresult *r = run(s, c, sql, false, &p, "audit", err);
		if (!r)
			return false;
		PQclear(r);
	}
	return true;
}

static long pg_audit_count(struct store *base, const char *type, const char *id, struct vax_error *err)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE type=$1 AND id=$2";
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r = q(s, sql, "audit", err, "tt", type, id);
	if (!r)
		return -1;
	long n = (long)num(r, 0, 0);
	PQclear(r);
	return n;
}

/* ---- settings ---------------------------------------------------------------- */

static int pg_setting_get(struct store *base, const char *key, char *value, size_t len, struct vax_error *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key='set:' || $1";
	struct pg_store *s = (struct pg_store *)base;
	return one_text(q(s, sql, "setting", err, "t", key), value, len);
}

static bool pg_setting_set(struct store *base, const char *key, const char *value, struct vax_error *err)
{
	static const char set[] = "INSERT INTO meta(key, value) VALUES ('set:' || $1, $2)"
	                          " ON CONFLICT (key) DO UPDATE SET value=EXCLUDED.value";
	static const char del[] = "DELETE FROM meta WHERE key='set:' || $1";
	struct pg_store *s = (struct pg_store *)base;
	return value ? qexec(s, q(s, set, "setting", err, "tt", key, value))
	             : qexec(s, q(s, del, "setting", err, "t", key));
}

static bool pg_setting_init(struct store *base, const char *key, const char *value, char *out, size_t len,
                            struct vax_error *err)
{
	static const char sql[] =
	    "INSERT INTO meta(key, value) VALUES ('set:' || $1, $2) ON CONFLICT (key) DO NOTHING";
	struct pg_store *s = (struct pg_store *)base;
	return qexec(s, q(s, sql, "setting", err, "tt", key, value)) &&
	       pg_setting_get(base, key, out, len, err) == 1;
}

/* ---- upgrades ----------------------------------------------------------------- */

static bool reindex(struct pg_store *s, struct pconn *c, FILE *out, struct vax_error *err)
{
	if (out)
		fprintf(out, "vaxregd: rebuilding the search terms (version %d)\n", INDEX_VERSION);
	if (!exec_plain(c->db, "BEGIN", err) || !exec_plain(c->db, "LOCK TABLE term", err) ||
	    !exec_plain(c->db, "DELETE FROM term", err))
		return false;
	PGresult *r = PQexec(c->db, "SELECT r.rid, n.name, d.json FROM resource r JOIN name n ON n.id=r.t"
	                            " JOIN doc d ON d.rid=r.rid");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	static struct store_ready tm;
	c->depth = 1;
	for (int i = 0; ok && i < PQntuples(r); i++) {
		cJSON *j = cJSON_Parse(PQgetvalue(r, i, 2));
		tm.n = j ? index_terms(PQgetvalue(r, i, 1), j, tm.t, INDEX_MAX_TERMS, tm.sort, sizeof tm.sort)
		         : 0;
		cJSON_Delete(j);
		ok = terms_put(s, num(r, i, 0), PQgetvalue(r, i, 1), tm.t, tm.n, err) &&
		     qexec(s, q(s, "UPDATE resource SET sort=$2 WHERE rid=$1", "reindex", err, "It",
		                num(r, i, 0), tm.sort));
	}
	c->depth = 0;
	PQclear(r);
	char sql[120];
	snprintf(sql, sizeof sql, "UPDATE meta SET value='%d' WHERE key='terms'", INDEX_VERSION);
	ok = ok && exec_plain(c->db, sql, err) && exec_plain(c->db, "COMMIT", err);
	if (!ok)
		PQclear(PQexec(c->db, "ROLLBACK"));
	return ok;
}

static const struct store_ops pg_ops = {
    .close = pg_close,
    .set_plan_hook = pg_set_plan_hook,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .bulk = pg_bulk,
    .read = pg_read,
    .write = pg_write,
    .write_ready = pg_write_ready,
    .history = pg_history,
    .search = pg_search,
    .search_any = pg_search_any,
    .org_add = pg_org_add,
    .org_get = pg_org_get,
    .user_add = pg_user_add,
    .user_get = pg_user_get,
    .user_by_id = pg_user_by_id,
    .user_update = pg_user_update,
    .member_add = pg_member_add,
    .member_role = pg_member_role,
    .member_orgs = pg_member_orgs,
    .pw_history_add = pg_pw_history_add,
    .pw_history = pg_pw_history,
    .token_add = pg_token_add,
    .token_get = pg_token_get,
    .token_delete = pg_token_delete,
    .token_accept = pg_token_accept,
    .family_awaiting = pg_family_awaiting,
    .reset_add = pg_reset_add,
    .reset_take = pg_reset_take,
    .login_record = pg_login_record,
    .last_login = pg_last_login,
    .grant_add = pg_grant_add,
    .grant_get = pg_grant_get,
    .grant_update = pg_grant_update,
    .grant_revoke = pg_grant_revoke,
    .audit_many = pg_audit_many,
    .audit_count = pg_audit_count,
    .setting_get = pg_setting_get,
    .setting_set = pg_setting_set,
    .setting_init = pg_setting_init,
    .set_replica = pg_set_replica,
    .request_begin = pg_request_begin,
    .request_end = pg_request_end,
    .used_replica = pg_used_replica,
};
