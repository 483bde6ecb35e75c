/* registry/store.h - vaxregd's storage: versioned FHIR resources with the
 * search indexes the API offers, users and organizations, tokens, audit.
 *
 * The HTTP layer uses nothing but these functions, so another backend
 * (PostgreSQL) can replace store_sqlite.c without touching it. Search terms
 * are extracted from the resources by registry/index.c, which is backend
 * neutral. Every function is safe to call from any thread: each thread gets
 * its own connection, and a transaction belongs to the thread that began it.
 * Functions return false (or -1) with err set on a storage failure.
 */
#ifndef VAX_REGISTRY_STORE_H
#define VAX_REGISTRY_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/error.h"

struct store;

/** Open (creating if needed) the store at where: a directory (SQLite, the
 * embedded default) or a postgresql:// URL (PostgreSQL: several vaxregd
 * servers on one registry). A store an older vaxregd made is not opened
 * (error STORE-UPGRADE: run store_upgrade first). */
struct store *store_open(const char *where, struct vax_error *err);
/** Whether where names a PostgreSQL database rather than a directory. */
bool store_is_url(const char *where);
void store_close(struct store *s);

/** Bring the store at where to this vaxregd's schema and search terms,
 * keeping every record (vaxregd upgrade): each step is versioned and runs
 * once. Progress lines go to out (may be NULL). */
bool store_upgrade(const char *where, FILE *out, struct vax_error *err);

/* ---- read replicas (PostgreSQL) ------------------------------------------
 * Searches may be answered by a streaming replica of the registry database,
 * where the request says it tolerates replica lag. The rule: a user never
 * reads older data than they wrote. Every request that writes a resource
 * records, for its user, where the database's log stood after the write;
 * a search goes to the replica only if the replica has replayed that far,
 * is streaming, and is at most max_lag seconds behind. Otherwise, and
 * whenever the replica fails, the primary answers. Reads by id, history and
 * everything inside a transaction always read the primary. */

/** Answer this server's lag-tolerant searches from the replica at url.
 * Only a PostgreSQL registry has replicas (error STORE-REPLICA). */
bool store_set_replica(struct store *s, const char *url, int max_lag, struct vax_error *err);

/** A request of user_id begins on the calling thread; wrote is the user's
 * last write position (store_session.wrote, "" none), lag_ok whether its
 * searches may read the replica. Called again for a request made inside
 * another (HL7), it keeps what the outer one wrote; one store_request_end()
 * ends both. */
void store_request_begin(struct store *s, int64_t user_id, const char *wrote, bool lag_ok);
/** The request ends: if it wrote a resource, the user's write position is
 * recorded (every server sees it) before the answer goes out. */
void store_request_end(struct store *s);
/** Whether the replica answered a search of the calling thread's request
 * (the access log, tests). */
bool store_used_replica(struct store *s);

/** Plan checking (tests): fn gets every statement the store prepares, with
 * the database's plan for it as text, one step a line (EXPLAIN QUERY PLAN
 * on SQLite). */
typedef void (*store_plan_fn)(void *ctx, const char *sql, const char *plan);
void store_set_plan_hook(struct store *s, store_plan_fn fn, void *ctx);

/** A write transaction (all-or-nothing) for the calling thread. Reads
 * outside a transaction see the latest committed state. */
bool store_begin(struct store *s, struct vax_error *err);
bool store_commit(struct store *s, struct vax_error *err);
void store_rollback(struct store *s);

/** Bulk loading on the calling thread's connection (demo, bench): no
 * syncs and a large page cache. A crash during a bulk load may lose it;
 * never on for serving. */
bool store_bulk(struct store *s, bool on, struct vax_error *err);

/** Bulk loading on two threads: store_ready_new() does a create's work
 * that needs no database (id and meta stamped into res, its JSON text,
 * its search terms) on any thread; store_write_ready() stores it, as
 * version 1, on the loading thread. res stays the caller's. */
struct store_ready;
struct store_ready *store_ready_new(const char *type, const char *id, const char *org, cJSON *res,
                                    int64_t now, struct vax_error *err);
bool store_write_ready(struct store *s, const struct store_ready *r, struct vax_error *err);
void store_ready_free(struct store_ready *r);

/* ---- resources ---------------------------------------------------------- */

struct store_res {
	long version;    /* 1, 2, ... */
	bool deleted;    /* this version is a deletion */
	char org[33];    /* organization that owns / recorded it */
	int64_t updated; /* Unix seconds */
	char *json;      /* the resource (malloc'd; store_res_free) */
};

void store_res_free(struct store_res *r);

/** Read the current version (version 0) or a given one. Returns 1 found,
 * 0 no such resource/version, -1 error. A deleted resource is found with
 * r->deleted set and r->json NULL. */
int store_read(struct store *s, const char *type, const char *id, long version, struct store_res *r,
               struct vax_error *err);

/** Write a new version of type/id (a create if none exists): sets res's
 * id, meta.versionId and meta.lastUpdated, stores it, keeps the old one in
 * the history and replaces its search terms. deleted=true records a
 * deletion (res may be NULL). *version receives the new version. */
bool store_write(struct store *s, const char *type, const char *id, const char *org, cJSON *res, bool deleted,
                 int64_t now, long *version, struct vax_error *err);

/** All versions of type/id, newest first (count written; caller frees). */
int store_history(struct store *s, const char *type, const char *id, struct store_res *out, int max,
                  struct vax_error *err);

enum store_cond_kind {
	SC_ID,     /* exact id */
	SC_TERM,   /* exact index term: key (e.g. "gender") = value */
	SC_PREFIX, /* index term starting with value (names) */
	SC_RANGE,  /* key between value and value2 inclusive (dates, "" = open) */
	SC_OWNER,  /* owning organization */
};

struct store_cond {
	enum store_cond_kind kind;
	const char *key;
	const char *value;
	const char *value2;
};

#define STORE_MAX_COND 16

struct store_query {
	const char *type;
	struct store_cond cond[STORE_MAX_COND];
	int n;
	int offset;
	int count;
};

/** Current, non-deleted resources matching every condition, ordered by
 * their sort key then id. Fills out[0..count-1] (returns how many) and
 * *total (all matches). */
int store_search(struct store *s, const struct store_query *q, struct store_res *out, char (*ids)[65],
                 long *total, struct vax_error *err);

/** A resource as store_walk() hands it over: r as store_read() fills it, and
 * when its first version was written (how soon a record reached the
 * registry). Return false to stop the walk. */
typedef bool (*store_walk_fn)(void *u, const char *id, const struct store_res *r, int64_t created);

/** Every current, non-deleted resource matching q, in no set order, with
 * no count and no paging (q->offset and q->count are ignored): for reports
 * that read many resources in one request. False on a storage failure. */
bool store_walk(struct store *s, const struct store_query *q, store_walk_fn fn, void *u,
                struct vax_error *err);

/** Current resources of type with any of the n index terms key = values[i]
 * ($match's blocking keys), each once, those sharing the most terms first,
 * at most max. Returns how many were written to out and ids, or -1. */
int store_search_any(struct store *s, const char *type, const char *key, const char *const *values, int n,
                     int max, struct store_res *out, char (*ids)[65], struct vax_error *err);

/* ---- registry-wide settings ---------------------------------------------- */

/** A setting every server of the registry sees (maintenance mode, the TLS
 * ticket key): 1 found (value copied), 0 not set, -1 error. */
int store_setting_get(struct store *s, const char *key, char *value, size_t len, struct vax_error *err);
/** Set it; value NULL removes it. */
bool store_setting_set(struct store *s, const char *key, const char *value, struct vax_error *err);
/** Set it unless it is set, and read what is set (one value, however many
 * servers race). */
bool store_setting_init(struct store *s, const char *key, const char *value, char *out, size_t len,
                        struct vax_error *err);

/* ---- organizations, users, sessions ------------------------------------ */

bool store_org_add(struct store *s, const char *code, const char *name, struct vax_error *err);
/** 1 found (name copied), 0 unknown, -1 error. */
int store_org_get(struct store *s, const char *code, char *name, size_t len, struct vax_error *err);

struct store_user {
	int64_t id;
	char username[65];
	char email[129];
	char hash[256];     /* password hash string (registry/auth.c) */
	int failures;       /* consecutive failed logins */
	char challenge[33]; /* unused: logins are slowed, not challenged (kept "") */
	bool reset_required;
	int64_t pw_changed;
};

bool store_user_add(struct store *s, struct store_user *u, struct vax_error *err);
/** 1 found, 0 unknown, -1 error. */
int store_user_get(struct store *s, const char *username, struct store_user *u, struct vax_error *err);
bool store_user_update(struct store *s, const struct store_user *u, struct vax_error *err);

bool store_member_add(struct store *s, int64_t user_id, const char *org, const char *role,
                      struct vax_error *err);
/** 1 member (role copied), 0 not a member, -1 error. */
int store_member_role(struct store *s, int64_t user_id, const char *org, char *role, size_t len,
                      struct vax_error *err);

struct store_org {
	char code[33];
	char name[128];
};

/** The organizations a user belongs to, by code; returns the count (at
 * most max) or -1. */
int store_member_orgs(struct store *s, int64_t user_id, struct store_org *orgs, int max,
                      struct vax_error *err);

/** Remember a password hash; keeps the newest few. */
bool store_pw_history_add(struct store *s, int64_t user_id, const char *hash, struct vax_error *err);
/** The newest hashes, newest first; returns the count. */
int store_pw_history(struct store *s, int64_t user_id, char (*hashes)[256], int max, struct vax_error *err);

struct store_session {
	int64_t user_id;
	char username[65];
	char org[33];
	char role[16];
	int64_t expires;
	char wrote[24]; /* the user's last write position ("" none): read replicas */
	/* A token issued before its user accepted the confidentiality
	 * statement (a deferred login) serves nothing until they do: */
	char awaiting[16];        /* the statement version it waits for ("" none) */
	int64_t awaiting_login;   /* when its password was proven */
	char awaiting_family[65]; /* its login's refresh family ("" none) */
	int64_t awaiting_until;   /* when the family ends (its mark may go then) */
};

/** Store a token; with ss->awaiting set, also its mark (and, with
 * ss->awaiting_family, the family's, so a refresh gives a marked token). */
bool store_token_add(struct store *s, const char *token_hash, const struct store_session *ss,
                     struct vax_error *err);
/** 1 valid at now, 0 unknown or expired, -1 error. The awaiting fields come
 * in the same query. */
int store_token_get(struct store *s, const char *token_hash, int64_t now, struct store_session *ss,
                    struct vax_error *err);
/** Remove a token and its mark (its family's mark stays: a refresh must
 * still give a marked token). */
bool store_token_delete(struct store *s, const char *token_hash, struct vax_error *err);
/** The statement was accepted with the token of token_hash: remove its mark
 * and its family's (family may be ""). 1 this call removed the token's mark,
 * 0 it was gone (another request took it), -1 error. */
int store_token_accept(struct store *s, const char *token_hash, const char *family, struct vax_error *err);
/** Whether the refresh family waits for the statement: 1 (version and the
 * login's time copied into ss's awaiting fields), 0 no, -1 error. */
int store_family_awaiting(struct store *s, const char *family, struct store_session *ss,
                          struct vax_error *err);

bool store_reset_add(struct store *s, const char *token_hash, int64_t user_id, int64_t expires,
                     struct vax_error *err);
/** Use a reset token once: 1 valid (user id set), 0 unknown/used/expired. */
int store_reset_take(struct store *s, const char *token_hash, int64_t now, int64_t *user_id,
                     struct vax_error *err);
/** The username of a user id (for a reset), 1/0/-1. */
int store_user_by_id(struct store *s, int64_t id, struct store_user *u, struct vax_error *err);

/* OAuth grants (registry/routes_oauth.c): refresh tokens and device codes,
 * one table. A refresh token is kept as its hash, in a family: each use
 * rotates it (the old row is marked used, the new one joins the family),
 * and revoking removes the family. A device code is kept as its hash ('D')
 * with its user code ('U', whose family is the device code's hash). */
struct store_grant {
	char kind;       /* 'R' refresh token, 'D' device code, 'U' user code */
	char key[65];    /* the token's hash (R, D); the user code (U) */
	char family[65]; /* R: the chain of rotations; D, U: the device code's hash */
	int64_t user_id; /* 0 until a device code is approved */
	char org[33];
	char role[16];
	int state;       /* R: 0 live, 1 used; D: 0 pending, 1 approved, 2 denied */
	int64_t start;   /* R: when the login began; D: when the code was asked for */
	int64_t expires; /* Unix seconds */
	int64_t last;    /* D: the last poll */
	int interval;    /* D: seconds the device must wait between polls */
};

/** Add a grant row (expired rows go at the same time). */
bool store_grant_add(struct store *s, const struct store_grant *g, struct vax_error *err);
/** 1 found (expired or not), 0 unknown, -1 error. */
int store_grant_get(struct store *s, char kind, const char *key, struct store_grant *g,
                    struct vax_error *err);
/** Rewrite the row of (g->kind, g->key). */
bool store_grant_update(struct store *s, const struct store_grant *g, struct vax_error *err);
/** Remove every row of a family (a revoked login, a finished device code). */
bool store_grant_revoke(struct store *s, const char *family, struct vax_error *err);

bool store_login_record(struct store *s, int64_t user_id, const char *org, int64_t at,
                        const char *statement_version, struct vax_error *err);

/** When the user last logged in with a password (any organization): 1
 * (*at set), 0 never, -1 error. Bounds a session's renewals. */
int store_last_login(struct store *s, int64_t user_id, int64_t *at, struct vax_error *err);

/** Audit one access: never PHI, only who, where, what and which id. */
bool store_audit(struct store *s, const char *user, const char *org, const char *action, const char *type,
                 const char *id, int64_t at, struct vax_error *err);
/** The same for many ids at once (one search page), in one transaction. */
bool store_audit_many(struct store *s, const char *user, const char *org, const char *action,
                      const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err);
/** Number of audit rows for a resource (tests, reports). */
long store_audit_count(struct store *s, const char *type, const char *id, struct vax_error *err);

#endif
