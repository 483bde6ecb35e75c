/* registry/store_impl.h - what a storage backend provides behind store.h:
 * one function per call, in a table; store.c dispatches to it. Not for the
 * HTTP layer. Backends: store_sqlite.c (a directory), store_pg.c (a
 * postgresql:// URL). */
#ifndef VAX_REGISTRY_STORE_IMPL_H
#define VAX_REGISTRY_STORE_IMPL_H

#include <pthread.h>

#include "registry/store.h"

struct store_ops {
	void (*close)(struct store *s);
	void (*set_plan_hook)(struct store *s, store_plan_fn fn, void *ctx);
	bool (*begin)(struct store *s, struct vax_error *err);
	bool (*commit)(struct store *s, struct vax_error *err);
	void (*rollback)(struct store *s);
	bool (*bulk)(struct store *s, bool on, struct vax_error *err);
	int (*read)(struct store *s, const char *type, const char *id, long version, struct store_res *r,
	            struct vax_error *err);
	bool (*write)(struct store *s, const char *type, const char *id, const char *org, cJSON *res,
	              bool deleted, int64_t now, long *version, struct vax_error *err);
	bool (*write_ready)(struct store *s, const struct store_ready *r, struct vax_error *err);
	int (*history)(struct store *s, const char *type, const char *id, struct store_res *out, int max,
	               struct vax_error *err);
	int (*search)(struct store *s, const struct store_query *q, struct store_res *out, char (*ids)[65],
	              long *total, struct vax_error *err);
	int (*search_any)(struct store *s, const char *type, const char *key, const char *const *values,
	                  int n, int max, struct store_res *out, char (*ids)[65], struct vax_error *err);
	bool (*org_add)(struct store *s, const char *code, const char *name, struct vax_error *err);
	int (*org_get)(struct store *s, const char *code, char *name, size_t len, struct vax_error *err);
	bool (*user_add)(struct store *s, struct store_user *u, struct vax_error *err);
	int (*user_get)(struct store *s, const char *username, struct store_user *u, struct vax_error *err);
	int (*user_by_id)(struct store *s, int64_t id, struct store_user *u, struct vax_error *err);
	bool (*user_update)(struct store *s, const struct store_user *u, struct vax_error *err);
	bool (*member_add)(struct store *s, int64_t user_id, const char *org, const char *role,
	                   struct vax_error *err);
	int (*member_role)(struct store *s, int64_t user_id, const char *org, char *role, size_t len,
	                   struct vax_error *err);
	int (*member_orgs)(struct store *s, int64_t user_id, struct store_org *orgs, int max,
	                   struct vax_error *err);
	bool (*pw_history_add)(struct store *s, int64_t user_id, const char *hash, struct vax_error *err);
	int (*pw_history)(struct store *s, int64_t user_id, char (*hashes)[256], int max,
	                  struct vax_error *err);
	bool (*token_add)(struct store *s, const char *token_hash, const struct store_session *ss,
	                  struct vax_error *err);
	int (*token_get)(struct store *s, const char *token_hash, int64_t now, struct store_session *ss,
	                 struct vax_error *err);
	bool (*token_delete)(struct store *s, const char *token_hash, struct vax_error *err);
	int (*token_accept)(struct store *s, const char *token_hash, const char *family,
	                    struct vax_error *err);
	int (*family_awaiting)(struct store *s, const char *family, struct store_session *ss,
	                       struct vax_error *err);
	bool (*reset_add)(struct store *s, const char *token_hash, int64_t user_id, int64_t expires,
	                  struct vax_error *err);
	int (*reset_take)(struct store *s, const char *token_hash, int64_t now, int64_t *user_id,
	                  struct vax_error *err);
	bool (*login_record)(struct store *s, int64_t user_id, const char *org, int64_t at,
	                     const char *statement_version, struct vax_error *err);
	int (*last_login)(struct store *s, int64_t user_id, int64_t *at, struct vax_error *err);
	bool (*grant_add)(struct store *s, const struct store_grant *g, struct vax_error *err);
	int (*grant_get)(struct store *s, char kind, const char *key, struct store_grant *g,
	                 struct vax_error *err);
	bool (*grant_update)(struct store *s, const struct store_grant *g, struct vax_error *err);
	bool (*grant_revoke)(struct store *s, const char *family, struct vax_error *err);
	bool (*audit_many)(struct store *s, const char *user, const char *org, const char *action,
	                   const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err);
	long (*audit_count)(struct store *s, const char *type, const char *id, struct vax_error *err);
	int (*setting_get)(struct store *s, const char *key, char *value, size_t len, struct vax_error *err);
	bool (*setting_set)(struct store *s, const char *key, const char *value, struct vax_error *err);
	bool (*setting_init)(struct store *s, const char *key, const char *value, char *out, size_t len,
	                     struct vax_error *err);
	/* read replicas: NULL where the backend has none */
	bool (*set_replica)(struct store *s, const char *url, int max_lag, struct vax_error *err);
	void (*request_begin)(struct store *s, int64_t user_id, const char *wrote, bool lag_ok);
	void (*request_end)(struct store *s);
	bool (*used_replica)(struct store *s);
};

/* The committed numbers of type and term key names ("Patient",
 * "Patient.family"), read by every thread: a backend's cache of its name
 * table. */
struct store_names {
	pthread_rwlock_t lock;
	struct store_name {
		char s[64];
		int id;
	} * v;
	int n, cap;
};

void store_names_init(struct store_names *nm);
void store_names_free(struct store_names *nm);
/** The number of name, 0 if not known yet. */
int store_names_find(struct store_names *nm, const char *name);
void store_names_remember(struct store_names *nm, const char *name, int id);

/* The head of every backend's store. */
struct store {
	const struct store_ops *ops;
};

struct store *store_sqlite_open(const char *dir, struct vax_error *err);
bool store_sqlite_upgrade(const char *dir, FILE *out, struct vax_error *err);
struct store *store_pg_open(const char *url, struct vax_error *err);
bool store_pg_upgrade(const char *url, FILE *out, struct vax_error *err);

#endif
