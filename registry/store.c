/* registry/store.c - store.h: the backend a location names (a
 * postgresql:// URL or a directory), and every call passed to it. */
#include "registry/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/store_impl.h"

bool store_is_url(const char *where)
{
	return where && (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11));
}

struct store *store_open(const char *where, struct vax_error *err)
{
	return store_is_url(where) ? store_pg_open(where, err) : store_sqlite_open(where, err);
}

bool store_upgrade(const char *where, FILE *out, struct vax_error *err)
{
	return store_is_url(where) ? store_pg_upgrade(where, out, err)
	                           : store_sqlite_upgrade(where, out, err);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

void store_res_free(struct store_res *r)
{
	if (r) {
		free(r->json);
		r->json = NULL;
	}
}

bool store_set_replica(struct store *s, const char *url, int max_lag, struct vax_error *err)
{
	if (!s->ops->set_replica)
		return error_set(
		    err, "STORE-REPLICA",
		    "Read replicas need a registry in PostgreSQL (--database postgresql://...).");
	return s->ops->set_replica(s, url, max_lag, err);
}

void store_request_begin(struct store *s, int64_t user_id, const char *wrote, bool lag_ok)
{
	if (s->ops->request_begin)
		s->ops->request_begin(s, user_id, wrote, lag_ok);
}

void store_request_end(struct store *s)
{
	if (s->ops->request_end)
		s->ops->request_end(s);
}

bool store_used_replica(struct store *s)
{
	return s->ops->used_replica && s->ops->used_replica(s);
}

void store_set_plan_hook(struct store *s, store_plan_fn fn, void *ctx)
{
	s->ops->set_plan_hook(s, fn, ctx);
}

bool store_begin(struct store *s, struct vax_error *err)
{
	return s->ops->begin(s, err);
}

bool store_commit(struct store *s, struct vax_error *err)
{
	return s->ops->commit(s, err);
}

void store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

bool store_bulk(struct store *s, bool on, struct vax_error *err)
{
	return s->ops->bulk(s, on, err);
}

int store_read(struct store *s, const char *type, const char *id, long version, struct store_res *r,
               struct vax_error *err)
{
	return s->ops->read(s, type, id, version, r, err);
}

bool store_write(struct store *s, const char *type, const char *id, const char *org, cJSON *res, bool deleted,
                 int64_t now, long *version, struct vax_error *err)
{
	return s->ops->write(s, type, id, org, res, deleted, now, version, err);
}

bool store_write_ready(struct store *s, const struct store_ready *r, struct vax_error *err)
{
	return s->ops->write_ready(s, r, err);
}

int store_history(struct store *s, const char *type, const char *id, struct store_res *out, int max,
                  struct vax_error *err)
{
	return s->ops->history(s, type, id, out, max, err);
}

int store_search(struct store *s, const struct store_query *q, struct store_res *out, char (*ids)[65],
                 long *total, struct vax_error *err)
{
	return s->ops->search(s, q, out, ids, total, err);
}

int store_search_any(struct store *s, const char *type, const char *key, const char *const *values, int n,
                     int max, struct store_res *out, char (*ids)[65], struct vax_error *err)
{
	return s->ops->search_any(s, type, key, values, n, max, out, ids, err);
}

bool store_org_add(struct store *s, const char *code, const char *name, struct vax_error *err)
{
	return s->ops->org_add(s, code, name, err);
}

int store_org_get(struct store *s, const char *code, char *name, size_t len, struct vax_error *err)
{
	return s->ops->org_get(s, code, name, len, err);
}

bool store_user_add(struct store *s, struct store_user *u, struct vax_error *err)
{
	return s->ops->user_add(s, u, err);
}

int store_user_get(struct store *s, const char *username, struct store_user *u, struct vax_error *err)
{
	return s->ops->user_get(s, username, u, err);
}

int store_user_by_id(struct store *s, int64_t id, struct store_user *u, struct vax_error *err)
{
	return s->ops->user_by_id(s, id, u, err);
}

bool store_user_update(struct store *s, const struct store_user *u, struct vax_error *err)
{
	return s->ops->user_update(s, u, err);
}

bool store_member_add(struct store *s, int64_t user_id, const char *org, const char *role,
                      struct vax_error *err)
{
	return s->ops->member_add(s, user_id, org, role, err);
}

int store_member_role(struct store *s, int64_t user_id, const char *org, char *role, size_t len,
                      struct vax_error *err)
{
	return s->ops->member_role(s, user_id, org, role, len, err);
}

int store_member_orgs(struct store *s, int64_t user_id, struct store_org *orgs, int max,
                      struct vax_error *err)
{
	return s->ops->member_orgs(s, user_id, orgs, max, err);
}

bool store_pw_history_add(struct store *s, int64_t user_id, const char *hash, struct vax_error *err)
{
	return s->ops->pw_history_add(s, user_id, hash, err);
}

int store_pw_history(struct store *s, int64_t user_id, char (*hashes)[256], int max, struct vax_error *err)
{
	return s->ops->pw_history(s, user_id, hashes, max, err);
}

bool store_token_add(struct store *s, const char *token_hash, const struct store_session *ss,
                     struct vax_error *err)
{
	return s->ops->token_add(s, token_hash, ss, err);
}

int store_token_get(struct store *s, const char *token_hash, int64_t now, struct store_session *ss,
                    struct vax_error *err)
{
	return s->ops->token_get(s, token_hash, now, ss, err);
}

bool store_token_delete(struct store *s, const char *token_hash, struct vax_error *err)
{
	return s->ops->token_delete(s, token_hash, err);
}

int store_token_accept(struct store *s, const char *token_hash, const char *family, struct vax_error *err)
{
	return s->ops->token_accept(s, token_hash, family ? family : "", err);
}

int store_family_awaiting(struct store *s, const char *family, struct store_session *ss,
                          struct vax_error *err)
{
	return s->ops->family_awaiting(s, family, ss, err);
}

bool store_reset_add(struct store *s, const char *token_hash, int64_t user_id, int64_t expires,
                     struct vax_error *err)
{
	return s->ops->reset_add(s, token_hash, user_id, expires, err);
}

int store_reset_take(struct store *s, const char *token_hash, int64_t now, int64_t *user_id,
                     struct vax_error *err)
{
	return s->ops->reset_take(s, token_hash, now, user_id, err);
}

bool store_grant_add(struct store *s, const struct store_grant *g, struct vax_error *err)
{
	return s->ops->grant_add(s, g, err);
}

int store_grant_get(struct store *s, char kind, const char *key, struct store_grant *g, struct vax_error *err)
{
	return s->ops->grant_get(s, kind, key, g, err);
}

bool store_grant_update(struct store *s, const struct store_grant *g, struct vax_error *err)
{
	return s->ops->grant_update(s, g, err);
}

bool store_grant_revoke(struct store *s, const char *family, struct vax_error *err)
{
	return s->ops->grant_revoke(s, family, err);
}

bool store_login_record(struct store *s, int64_t user_id, const char *org, int64_t at,
                        const char *statement_version, struct vax_error *err)
{
	return s->ops->login_record(s, user_id, org, at, statement_version, err);
}

int store_last_login(struct store *s, int64_t user_id, int64_t *at, struct vax_error *err)
{
	return s->ops->last_login(s, user_id, at, err);
}

bool store_audit_many(struct store *s, const char *user, const char *org, const char *action,
                      const char *type, const char (*ids)[65], int n, int64_t at, struct vax_error *err)
{
	return s->ops->audit_many(s, user, org, action, type, ids, n, at, err);
}

bool store_audit(struct store *s, const char *user, const char *org, const char *action, const char *type,
                 const char *id, int64_t at, struct vax_error *err)
{
	char one[1][65];
	snprintf(one[0], sizeof one[0], "%.64s", id ? id : "");
	return s->ops->audit_many(s, user, org, action, type, (const char(*)[65])one, 1, at, err);
}

long store_audit_count(struct store *s, const char *type, const char *id, struct vax_error *err)
{
	return s->ops->audit_count(s, type, id, err);
}

int store_setting_get(struct store *s, const char *key, char *value, size_t len, struct vax_error *err)
{
	return s->ops->setting_get(s, key, value, len, err);
}

bool store_setting_set(struct store *s, const char *key, const char *value, struct vax_error *err)
{
	return s->ops->setting_set(s, key, value, err);
}

bool store_setting_init(struct store *s, const char *key, const char *value, char *out, size_t len,
                        struct vax_error *err)
{
	return s->ops->setting_init(s, key, value, out, len, err);
}

void store_names_init(struct store_names *nm)
{
	memset(nm, 0, sizeof *nm);
	pthread_rwlock_init(&nm->lock, NULL);
}

void store_names_free(struct store_names *nm)
{
	pthread_rwlock_destroy(&nm->lock);
	free(nm->v);
	nm->v = NULL;
}

int store_names_find(struct store_names *nm, const char *name)
{
	int id = 0;
	pthread_rwlock_rdlock(&nm->lock);
	for (int i = 0; i < nm->n && !id; i++)
		if (!strcmp(nm->v[i].s, name))
			id = nm->v[i].id;
	pthread_rwlock_unlock(&nm->lock);
	return id;
}

void store_names_remember(struct store_names *nm, const char *name, int id)
{
	if (strlen(name) >= sizeof nm->v[0].s)
		return;
	pthread_rwlock_wrlock(&nm->lock);
	bool have = false;
	for (int i = 0; i < nm->n && !have; i++)
		have = !strcmp(nm->v[i].s, name);
	if (!have && nm->n == nm->cap) {
		int cap = nm->cap ? nm->cap * 2 : 32;
		struct store_name *nv = realloc(nm->v, (size_t)cap * sizeof *nv);
		if (nv) {
			nm->v = nv;
			nm->cap = cap;
		}
	}
	if (!have && nm->n < nm->cap) {
		snprintf(nm->v[nm->n].s, sizeof nm->v[0].s, "%s", name);
		nm->v[nm->n++].id = id;
	}
	pthread_rwlock_unlock(&nm->lock);
}

/* Pages of the backend's own search, so every backend walks the same way;
 * a resource's first version is read only when it has had others. */
bool store_walk(struct store *s, const struct store_query *q, store_walk_fn fn, void *u,
                struct vax_error *err)
{
	enum { PAGE = 500 };
	struct store_query pq = *q;
	struct store_res *res = calloc(PAGE, sizeof *res);
	char(*ids)[65] = calloc(PAGE, sizeof *ids);
	if (!res || !ids)
		abort();
	bool ok = true, go = true;
	for (pq.offset = 0, pq.count = PAGE; ok && go; pq.offset += PAGE) {
		long total = 0;
		int got = s->ops->search(s, &pq, res, ids, &total, err);
		if (got < 0) {
			ok = false;
			break;
		}
		for (int i = 0; i < got; i++) {
			int64_t created = res[i].updated;
			if (go && res[i].version > 1) {
				struct store_res first = {0};
				if (s->ops->read(s, q->type, ids[i], 1, &first, NULL) == 1)
					created = first.updated;
				store_res_free(&first);
			}
			if (go)
				go = fn(u, ids[i], &res[i], created);
			store_res_free(&res[i]);
		}
		if (got < PAGE || pq.offset + got >= total)
			break;
	}
	free(res);
	free(ids);
	return ok;
}
