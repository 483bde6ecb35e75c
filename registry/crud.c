/* registry/crud.c - the FHIR interactions on one resource: read, vread,
 * history, create (conditional), update (If-Match), delete; who may change
 * what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/client.h"
#include "core/uuid.h"
#include "registry/dedup.h"
#include "registry/routes_int.h"

/* Write transaction helpers: inside a transaction Bundle the Bundle owns it. */
static bool wbegin(struct ctx *x)
{
	struct vax_error err = {0};
	if (x->in_tx)
		return true;
	if (!store_begin(reg_store(x->a), &err)) {
		reg_reply_err(x->rs, &err);
		return false;
	}
	return true;
}

static bool wcommit(struct ctx *x)
{
	struct vax_error err = {0};
	if (x->in_tx)
		return true;
	if (!store_commit(reg_store(x->a), &err)) {
		store_rollback(reg_store(x->a));
		reg_reply_err(x->rs, &err);
		return false;
	}
	return true;
}

static void wabort(struct ctx *x)
{
	if (!x->in_tx)
		store_rollback(reg_store(x->a));
}

/* ---- access ------------------------------------------------------------------ */

/* Who may do what: provider reads and writes clinical data; view-only reads;
 * school reads clients and shots and keeps school lists (Group). Organization
 * resources are managed with `vaxregd org add`, never over the API. */
static bool allowed(struct ctx *x, const char *type, bool write)
{
	const char *role = x->ss.role;
	/* a school sees clients and their doses, never their families or consents */
	if (!write)
		return strcmp(role, "school") || (strcmp(type, "RelatedPerson") && strcmp(type, "Consent"));
	if (!strcmp(type, "Organization"))
		return false;
	if (!strcmp(role, "provider"))
		return true;
	if (!strcmp(role, "school"))
		return !strcmp(type, "Group");
	return false;
}

static bool deny(struct ctx *x, const char *type, bool write)
{
	char msg[200];
	snprintf(msg, sizeof msg, "Your role (%s) at organization %s may not %s %s records.", x->ss.role,
	         x->ss.org, write ? "change" : "see", type);
	reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
	return false;
}

bool reg_may_read(struct ctx *x, const char *type)
{
	return allowed(x, type, false);
}

bool reg_owner_scoped(const char *type)
{
	return !strcmp(type, "Group") || !strcmp(type, "Medication");
}

/* ---- read ------------------------------------------------------------------ */

bool reg_load(struct ctx *x, const char *type, const char *id, long version, struct store_res *r)
{
	struct vax_error err = {0};
	int found = store_read(reg_store(x->a), type, id, version, r, &err);
	if (found < 0) {
		reg_reply_err(x->rs, &err);
		return false;
	}
	if (!found || (reg_owner_scoped(type) && strcmp(r->org, x->ss.org) != 0)) {
		store_res_free(r);
		return reg_not_found(x, type, id);
	}
	if (r->deleted) {
		char msg[200];
		snprintf(msg, sizeof msg, "%s/%.64s was deleted.", type, id);
		reg_reply_oo(x->rs, 410, "deleted", "DELETED", msg, NULL);
		reg_version_headers(x->rs, type, id, r->version, r->updated);
		x->rs->location[0] = '\0';
		return false;
	}
	return true;
}

static void read_version(struct ctx *x, const char *type, const char *id, long version)
{
	if (!allowed(x, type, false)) {
		deny(x, type, false);
		return;
	}
	struct store_res r;
	if (!reg_load(x, type, id, version, &r))
		return;
	cJSON *j = reg_stored_json(r.json, type, reg_param(x->rq, "_elements"), reg_param(x->rq, "_summary"));
	reg_reply_json(x->rs, 200, j, CT_FHIR);
	reg_version_headers(x->rs, type, id, r.version, r.updated);
	x->rs->location[0] = '\0';
	reg_audit(x, version ? "vread" : "read", type, id);
	store_res_free(&r);
}

void reg_history(struct ctx *x)
{
	const char *type = x->type, *id = x->id;
	if (!allowed(x, type, false)) {
		deny(x, type, false);
		return;
	}
	struct store_res cur;
	if (!reg_load(x, type, id, 0, &cur))
		return;
	store_res_free(&cur);
	struct store_res h[50];
	struct vax_error err = {0};
	int n = store_history(reg_store(x->a), type, id, h, 50, &err);
	if (n < 0) {
		reg_reply_err(x->rs, &err);
		return;
	}
	cJSON *b = reg_bundle_new("history");
	cJSON_AddNumberToObject(b, "total", n);
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	for (int i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		if (h[i].json)
			cJSON_AddItemToObject(e, "resource", cJSON_Parse(h[i].json));
		/* each version as the request that made it and its answer (bdl-4) */
		static const char *const method[] = {"POST", "PUT", "DELETE"};
		static const char *const status[] = {"201 Created", "200 OK", "204 No Content"};
		int k = h[i].deleted ? 2 : h[i].version == 1 ? 0 : 1;
		cJSON *req = cJSON_AddObjectToObject(e, "request");
		cJSON_AddStringToObject(req, "method", method[k]);
		char url[200];
		snprintf(url, sizeof url, "%s/%s", type, id);
		cJSON_AddStringToObject(req, "url", url);
		cJSON *resp = cJSON_AddObjectToObject(e, "response");
		cJSON_AddStringToObject(resp, "status", status[k]);
		char etag[48];
		snprintf(etag, sizeof etag, "W/\"%ld\"", h[i].version);
		cJSON_AddStringToObject(resp, "etag", etag);
		cJSON_AddItemToArray(entries, e);
		store_res_free(&h[i]);
	}
	reg_audit(x, "history", type, id);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

/* ---- create, update, delete ---------------------------------------------------- */

static void reply_resource(struct ctx *x, int status, const char *type, const char *id, cJSON *res,
                           long version, int64_t updated)
{
	reg_reply_json(x->rs, status, res, CT_FHIR);
	reg_version_headers(x->rs, type, id, version, updated);
}

/* Existing resource found by a conditional create: 200 with it. */
static void reply_existing(struct ctx *x, const char *type, const char *id)
{
	struct store_res r;
	if (!reg_load(x, type, id, 0, &r))
		return;
	reply_resource(x, 200, type, id, cJSON_Parse(r.json), r.version, r.updated);
	reg_audit(x, "read", type, id);
	store_res_free(&r);
}

/* A write the store refused. STORE-EXISTS here is a record's own UUID
 * (identifier urn:ietf:rfc:3986) that another record has, one this session
 * does not see (another organization's school list): a conflict, told
 * without naming that record. */
static void reply_write_err(struct ctx *x, const char *type, const struct vax_error *err)
{
	if (strcmp(err->code, "STORE-EXISTS")) {
		reg_reply_err(x->rs, err);
		return;
	}
	char path[48];
	snprintf(path, sizeof path, "%s.identifier", type);
	reg_reply_oo(x->rs, 409, "conflict", "UUID-TAKEN",
	             "Another record has this record's own UUID (identifier urn:ietf:rfc:3986): give "
	             "it a UUID of its own.",
	             path);
}

void reg_create(struct ctx *x)
{
	const char *type = x->type;
	const cJSON *body = x->body;
	if (!allowed(x, type, true)) {
		deny(x, type, true);
		return;
	}
	if (!wbegin(x))
		return;
	/* If-None-Exist first: a resend must never make a second copy */
	if (x->rq->if_none_exist && *x->rq->if_none_exist) {
		struct reg_param ps[REG_MAX_PARAMS];
		int np;
		char buf[1024];
		struct reg_search s;
		if (!reg_query_params(x->rq->if_none_exist, ps, &np, buf, sizeof buf)) {
			wabort(x);
			reg_reply_oo(x->rs, 400, "invalid", "IF-NONE-EXIST",
			             "If-None-Exist has too many parameters.", NULL);
			return;
		}
		if (!reg_search_build(x, type, ps, np, &s)) {
			wabort(x);
			return;
		}
		s.q.count = 2;
		struct store_res r[2];
		char ids[2][65];
		long total = 0;
		struct vax_error err = {0};
		int n = store_search(reg_store(x->a), &s.q, r, ids, &total, &err);
		for (int i = 0; i < (n > 0 ? n : 0); i++)
			store_res_free(&r[i]);
		if (n < 0) {
			wabort(x);
			reg_reply_err(x->rs, &err);
			return;
		}
		if (total > 1) {
			wabort(x);
			reg_reply_oo(x->rs, 412, "duplicate", "IF-NONE-EXIST-MULTIPLE",
			             "More than one record matches If-None-Exist; nothing was created.",
			             NULL);
			return;
		}
		if (total == 1) {
			wabort(x);
			reply_existing(x, type, ids[0]);
			return;
		}
	}
	cJSON *res;
	char uuid[VAX_UUID_LEN];
	if (!reg_accept(x, type, body, NULL, &res, uuid)) {
		wabort(x);
		return;
	}
	/* the record's own UUID is its identity: a resend without If-None-Exist
	 * still finds the first copy */
	if (uuid[0]) {
		char id[VAX_ID_LEN];
		int f = reg_find_by_uuid(x, type, uuid, id, sizeof id);
		if (f == 1) {
			cJSON_Delete(res);
			wabort(x);
			reply_existing(x, type, id);
			return;
		}
	}
	/* a dose the client may already have waits for a person (registry/dedup.h) */
	if (!strcmp(type, "Immunization") &&
	    !dedup_check(reg_store(x->a), reg_codes(x->a), body, res, x->rs)) {
		cJSON_Delete(res);
		wabort(x);
		return;
	}
	char id[VAX_ID_LEN];
	if (x->forced_id)
		snprintf(id, sizeof id, "%s", x->forced_id);
	else
		uuid_v4(id);
	long version;
	struct vax_error err = {0};
	if (!store_write(reg_store(x->a), type, id, x->ss.org, res, false, x->rq->now, &version, &err)) {
		cJSON_Delete(res);
		wabort(x);
		/* another server created it since the check: the constraint on the
		 * record's own UUID keeps it once, and this is a resend */
		char have[VAX_ID_LEN];
		if (!strcmp(err.code, "STORE-EXISTS") && uuid[0] &&
		    reg_find_by_uuid(x, type, uuid, have, sizeof have) == 1)
			reply_existing(x, type, have);
		else
			reply_write_err(x, type, &err);
		return;
	}
	reg_audit(x, "create", type, id);
	if (!strcmp(type, "Immunization"))
		reg_lots_dose(x, res, -1);
	if (!wcommit(x)) {
		cJSON_Delete(res);
		return;
	}
	reply_resource(x, 201, type, id, res, version, x->rq->now);
}

static bool check_org_may_change(struct ctx *x, const char *type, const struct store_res *r)
{
	/* a dose is changed only by the organization that recorded it */
	if (!strcmp(type, "Immunization") && strcmp(r->org, x->ss.org) != 0) {
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ORG",
		             "Only the organization that recorded this dose can change or delete it.", NULL);
		return false;
	}
	return true;
}

/* If-Match (a header, or request.ifMatch of a Bundle entry) names the
 * current version, or the change is refused with 412 after replying. */
static bool version_matches(struct ctx *x, const char *type, const char *id, const struct store_res *cur)
{
	long want = x->rq->if_match ? reg_parse_etag(x->rq->if_match) : 0;
	if (!x->rq->if_match || want == cur->version)
		return true;
	char msg[200];
	snprintf(msg, sizeof msg,
	         "The record changed since you read it (you had version %ld, the registry has %ld). "
	         "Reload it and make your change again.",
	         want, cur->version);
	reg_reply_oo(x->rs, 412, "conflict", "VERSION-CONFLICT", msg, NULL);
	reg_version_headers(x->rs, type, id, cur->version, cur->updated);
	x->rs->location[0] = '\0';
	return false;
}

void reg_update(struct ctx *x)
{
	const char *type = x->type, *id = x->id;
	const cJSON *body = x->body;
	if (!allowed(x, type, true)) {
		deny(x, type, true);
		return;
	}
	const cJSON *bid = cJSON_GetObjectItemCaseSensitive(body, "id");
	if (!cJSON_IsString(bid) || strcmp(bid->valuestring, id) != 0) {
		reg_reply_oo(x->rs, 400, "invalid", "ID-MISMATCH",
		             "The resource id must match the id in the URL.", "id");
		return;
	}
	if (!wbegin(x))
		return;
	struct store_res cur;
	struct vax_error err = {0};
	int found = store_read(reg_store(x->a), type, id, 0, &cur, &err);
	if (found < 0) {
		wabort(x);
		reg_reply_err(x->rs, &err);
		return;
	}
	if (!found || (reg_owner_scoped(type) && strcmp(cur.org, x->ss.org) != 0)) {
		/* the registry assigns ids: update-as-create is not offered */
		store_res_free(&cur);
		wabort(x);
		reg_not_found(x, type, id);
		return;
	}
	if (cur.deleted) {
		/* ids are the registry's: an update never brings a deleted record back */
		char msg[200];
		snprintf(msg, sizeof msg, "%s/%.64s was deleted.", type, id);
		reg_reply_oo(x->rs, 410, "deleted", "DELETED", msg, NULL);
		reg_version_headers(x->rs, type, id, cur.version, cur.updated);
		x->rs->location[0] = '\0';
		store_res_free(&cur);
		wabort(x);
		return;
	}
	if (!check_org_may_change(x, type, &cur) || !version_matches(x, type, id, &cur)) {
		store_res_free(&cur);
		wabort(x);
		return;
	}
	char org[33];
	snprintf(org, sizeof org, "%s", cur.org);
	cJSON *res;
	char uuid[VAX_UUID_LEN];
	bool ok = reg_accept(x, type, body, &cur, &res, uuid);
	store_res_free(&cur);
	if (!ok) {
		wabort(x);
		return;
	}
	long version;
	if (!store_write(reg_store(x->a), type, id, org, res, false, x->rq->now, &version, &err)) {
		cJSON_Delete(res);
		wabort(x);
		reply_write_err(x, type, &err);
		return;
	}
	reg_audit(x, "update", type, id);
	if (!wcommit(x)) {
		cJSON_Delete(res);
		return;
	}
	reply_resource(x, 200, type, id, res, version, x->rq->now);
}

void reg_delete(struct ctx *x)
{
	const char *type = x->type, *id = x->id;
	if (!allowed(x, type, true)) {
		deny(x, type, true);
		return;
	}
	if (!strcmp(type, "Patient")) {
		/* a client is never deleted by an organization: the registry
		 * administrator does it, reversibly (vaxregd record delete|restore) */
		reg_reply_oo(
		    x->rs, 403, "forbidden", "ACCESS-DELETE",
		    "A client is deleted only by the registry administrator; ask them (a duplicate is "
		    "merged, not deleted).",
		    NULL);
		return;
	}
	if (!wbegin(x))
		return;
	struct store_res cur;
	struct vax_error err = {0};
	int found = store_read(reg_store(x->a), type, id, 0, &cur, &err);
	if (found <= 0 || (reg_owner_scoped(type) && strcmp(cur.org, x->ss.org) != 0)) {
		store_res_free(&cur);
		wabort(x);
		if (found < 0)
			reg_reply_err(x->rs, &err);
		else
			reg_not_found(x, type, id);
		return;
	}
	if (cur.deleted) {
		store_res_free(&cur);
		wabort(x);
		x->rs->status = 204;
		return;
	}
	if (!check_org_may_change(x, type, &cur) || !version_matches(x, type, id, &cur)) {
		store_res_free(&cur);
		wabort(x);
		return;
	}
	char org[33];
	snprintf(org, sizeof org, "%s", cur.org);
	if (!strcmp(type, "Immunization")) {
		cJSON *was = cur.json ? cJSON_Parse(cur.json) : NULL;
		reg_lots_dose(x, was, +1);
		cJSON_Delete(was);
	}
	store_res_free(&cur);
	long version;
	if (!store_write(reg_store(x->a), type, id, org, NULL, true, x->rq->now, &version, &err)) {
		wabort(x);
		reg_reply_err(x->rs, &err);
		return;
	}
	reg_audit(x, "delete", type, id);
	if (!wcommit(x))
		return;
	x->rs->status = 204;
	snprintf(x->rs->etag, sizeof x->rs->etag, "W/\"%ld\"", version);
}

void reg_read(struct ctx *x)
{
	read_version(x, x->type, x->id, x->vid);
}
