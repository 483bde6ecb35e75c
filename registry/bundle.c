/* registry/bundle.c - POST /: transaction (all-or-nothing, urn:uuid
 * references resolved first) and batch Bundles; each entry goes through
 * the route table like a request of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/uuid.h"
#include "registry/routes_int.h"

#define BUNDLE_MAX_ENTRIES 2000

/* ---- Bundles --------------------------------------------------------------------- */

struct urn_map {
	char urn[80];
	char ref[VAX_ID_LEN + 32];
};

static void rewrite_refs(cJSON *j, const struct urn_map *map, int n)
{
	cJSON *c;
	if (!j)
		return;
	cJSON_ArrayForEach(c, j)
	{
		if (cJSON_IsString(c) && c->string && !strcmp(c->string, "reference")) {
			for (int i = 0; i < n; i++)
				if (!strcmp(c->valuestring, map[i].urn)) {
					cJSON_SetValuestring(c, map[i].ref);
					break;
				}
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			rewrite_refs(c, map, n);
		}
	}
}

static void outcome_status(char *buf, size_t len, int status)
{
	const char *w = status == 200   ? "OK"
	                : status == 201 ? "Created"
	                : status == 204 ? "No Content"
	                : status == 400 ? "Bad Request"
	                : status == 403 ? "Forbidden"
	                : status == 404 ? "Not Found"
	                : status == 409 ? "Conflict"
	                : status == 410 ? "Gone"
	                : status == 412 ? "Precondition Failed"
	                : status == 422 ? "Unprocessable Entity"
	                                : "";
	snprintf(buf, len, "%d %s", status, w);
}

/* One Bundle entry through the normal handlers; srs receives the answer. */
static void run_entry(struct ctx *x, const cJSON *e, const cJSON *res, int idx, bool tx,
                      const char *forced_id, struct reg_response *srs)
{
	struct ctx sx = *x;
	sx.rs = srs;
	sx.in_tx = tx;
	sx.forced_id = forced_id;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(e, "request");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(req, "method");
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(req, "url");
	char expr[64];
	snprintf(expr, sizeof expr, "Bundle.entry[%d].request", idx);
	if (!cJSON_IsString(method) || !cJSON_IsString(url) || strlen(url->valuestring) > 900) {
		reg_reply_oo(srs, 400, "invalid", "BUNDLE-ENTRY",
		             "Each entry needs request.method and request.url.", expr);
		return;
	}
	struct reg_request srq = {0};
	char path[1024], qbuf[1024];
	const char *u = url->valuestring;
	const char *q = strchr(u, '?');
	snprintf(path, sizeof path, "/%.*s", (int)(q ? (size_t)(q - u) : strlen(u)), u);
	srq.method = method->valuestring;
	srq.path = path;
	srq.base = x->rq->base;
	srq.now = x->rq->now;
	srq.authorization = x->rq->authorization;
	srq.admitted = true;
	if (q && !reg_query_params(q + 1, srq.param, &srq.n_param, qbuf, sizeof qbuf))
		srq.too_many_params = true;
	const cJSON *inm = cJSON_GetObjectItemCaseSensitive(req, "ifNoneExist");
	const cJSON *im = cJSON_GetObjectItemCaseSensitive(req, "ifMatch");
	srq.if_none_exist = cJSON_IsString(inm) ? inm->valuestring : NULL;
	srq.if_match = cJSON_IsString(im) ? im->valuestring : NULL;
	x->route_entry(&sx, &srq, res);
}

/* minimal: the client asked Prefer: return=minimal (RFC 7240), as a sync
 * does: what it wrote stays out of the answer, the location and version
 * say all it needs; a refusal still carries its OperationOutcome. */
static cJSON *entry_response(struct reg_response *srs, bool minimal)
{
	cJSON *oe = cJSON_CreateObject();
	cJSON *resp = cJSON_AddObjectToObject(oe, "response");
	char st[48];
	outcome_status(st, sizeof st, srs->status);
	cJSON_AddStringToObject(resp, "status", st);
	if (srs->location[0])
		cJSON_AddStringToObject(resp, "location", srs->location);
	if (srs->etag[0])
		cJSON_AddStringToObject(resp, "etag", srs->etag);
	cJSON *rb = srs->body ? cJSON_Parse(srs->body) : NULL;
	if (rb && srs->status >= 400)
		cJSON_AddItemToObject(resp, "outcome", rb);
	else if (rb && !minimal)
		cJSON_AddItemToObject(oe, "resource", rb);
	else
		cJSON_Delete(rb);
	return oe;
}

/* The transaction failed at entry idx: one OperationOutcome naming it, with
 * the entry's own issues (which name the field) re-rooted in the Bundle. */
static void reply_tx_failure(struct ctx *x, const struct reg_response *srs, int idx)
{
	char msg[400], expr[64];
	struct vax_error ee = {0};
	cJSON *rb = srs->body ? cJSON_Parse(srs->body) : NULL;
	if (rb)
		fhir_outcome_read(rb, &ee);
	snprintf(expr, sizeof expr, "Bundle.entry[%d]", idx);
	snprintf(msg, sizeof msg, "Entry %d failed (%d): %.300s Nothing in this transaction was saved.", idx,
	         srs->status, ee.message[0] ? ee.message : "see the outcome.");
	cJSON *oo = fhir_outcome_new("error", "processing", ee.code[0] ? ee.code : "BUNDLE-ENTRY", msg, expr);
	cJSON *iss = cJSON_GetObjectItemCaseSensitive(rb, "issue"), *i;
	cJSON *dst = cJSON_GetObjectItemCaseSensitive(oo, "issue");
	cJSON_ArrayForEach(i, iss)
	{
		cJSON *dup = cJSON_Duplicate(i, true);
		cJSON *ex = cJSON_GetObjectItemCaseSensitive(dup, "expression"), *s;
		cJSON_ArrayForEach(s, ex)
		{
			if (!cJSON_IsString(s))
				continue;
			char full_expr[256];
			const char *dot = strchr(s->valuestring, '.');
			snprintf(full_expr, sizeof full_expr, "Bundle.entry[%d].resource.%.200s", idx,
			         dot ? dot + 1 : s->valuestring);
			cJSON_SetValuestring(s, full_expr);
		}
		cJSON_AddItemToArray(dst, dup);
	}
	cJSON_Delete(rb);
	reg_reply_json(x->rs, srs->status, oo, CT_FHIR);
}

static int type_rank(const char *url)
{
	static const char *order[] = {"Organization", "Patient",      "RelatedPerson",
	                              "Consent",      "Immunization", "Group"};
	for (int i = 0; i < 6; i++) {
		size_t n = strlen(order[i]);
		if (!strncmp(url, order[i], n) && (url[n] == '\0' || url[n] == '?' || url[n] == '/'))
			return i;
	}
	return 6;
}

/* FHIR processing order: DELETE, POST (referenced types first), PUT, GET. */
static int entry_rank(const cJSON *e)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(e, "request");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(req, "url");
	const char *method = cJSON_IsString(m) ? m->valuestring : "";
	const char *url = cJSON_IsString(u) ? u->valuestring : "";
	if (!strcmp(method, "DELETE"))
		return 0;
	if (!strcmp(method, "POST"))
		return 10 + type_rank(url);
	if (!strcmp(method, "PUT"))
		return 20;
	return 30;
}

struct tx_entry {
	const cJSON *e;
	cJSON *res; /* a copy, references rewritten */
	int idx, rank;
	char forced_id[VAX_ID_LEN];
};

static int tx_cmp(const void *pa, const void *pb)
{
	const struct tx_entry *a = pa, *b = pb;
	return a->rank != b->rank ? a->rank - b->rank : a->idx - b->idx;
}

/* Before anything runs, decide what each urn:uuid fullUrl of a create will
 * be: the existing record (If-None-Exist or the record's own UUID matched)
 * or a new id assigned now; then rewrite every reference. False after
 * replying. */
static bool tx_resolve(struct ctx *x, struct tx_entry *te, int n, struct urn_map *map, int *nmap)
{
	for (int i = 0; i < n; i++) {
		const cJSON *e = te[i].e;
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(e, "request");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(req, "url");
		const cJSON *full = cJSON_GetObjectItemCaseSensitive(e, "fullUrl");
		if (!cJSON_IsString(m) || strcmp(m->valuestring, "POST") || !cJSON_IsString(u) ||
		    !cJSON_IsString(full) || strncmp(full->valuestring, "urn:uuid:", 9))
			continue;
		char type[32];
		snprintf(type, sizeof type, "%.*s", (int)strcspn(u->valuestring, "/?"), u->valuestring);
		if (!reg_known_type(type))
			continue; /* the entry itself will fail with a clear message */
		char existing[VAX_ID_LEN] = "";
		const cJSON *inm = cJSON_GetObjectItemCaseSensitive(req, "ifNoneExist");
		if (cJSON_IsString(inm) && *inm->valuestring) {
			struct reg_param ps[REG_MAX_PARAMS];
			int np;
			char buf[1024];
			struct reg_search s;
			struct reg_response srs = {0};
			struct ctx sx = *x;
			sx.rs = &srs;
			if (!reg_query_params(inm->valuestring, ps, &np, buf, sizeof buf) ||
			    !reg_search_build(&sx, type, ps, np, &s)) {
				if (!srs.status)
					reg_reply_oo(&srs, 400, "invalid", "IF-NONE-EXIST",
					             "ifNoneExist has too many parameters.", NULL);
				reply_tx_failure(x, &srs, te[i].idx);
				reg_response_free(&srs);
				return false;
			}
			s.q.count = 2;
			struct store_res r[2];
			char ids[2][65];
			long total = 0;
			int got = store_search(reg_store(x->a), &s.q, r, ids, &total, NULL);
			for (int k = 0; k < (got > 0 ? got : 0); k++)
				store_res_free(&r[k]);
			if (total == 1)
				snprintf(existing, sizeof existing, "%s", ids[0]);
		}
		const cJSON *idents = cJSON_GetObjectItemCaseSensitive(
		                cJSON_GetObjectItemCaseSensitive(e, "resource"), "identifier"),
		            *id;
		cJSON_ArrayForEach(id, idents)
		{
			const cJSON *sys = cJSON_GetObjectItemCaseSensitive(id, "system");
			const cJSON *val = cJSON_GetObjectItemCaseSensitive(id, "value");
			if (!existing[0] && cJSON_IsString(sys) && cJSON_IsString(val) &&
			    !strcmp(sys->valuestring, FHIR_SYS_UUID) &&
			    !strncmp(val->valuestring, "urn:uuid:", 9) && strlen(val->valuestring) == 45)
				reg_find_by_uuid(x, type, val->valuestring + 9, existing, sizeof existing);
		}
		if (!existing[0])
			uuid_v4(te[i].forced_id);
		snprintf(map[*nmap].urn, sizeof map[*nmap].urn, "%.79s", full->valuestring);
		snprintf(map[*nmap].ref, sizeof map[*nmap].ref, "%s/%s", type,
		         existing[0] ? existing : te[i].forced_id);
		(*nmap)++;
	}
	for (int i = 0; i < n; i++)
		rewrite_refs(te[i].res, map, *nmap);
	return true;
}

void reg_bundle(struct ctx *x)
{
	const cJSON *body = x->body;
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(body, "resourceType");
	const cJSON *bt = cJSON_GetObjectItemCaseSensitive(body, "type");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Bundle")) {
		reg_reply_oo(x->rs, 400, "invalid", "BUNDLE",
		             "POST / takes a Bundle of type transaction or batch.", "resourceType");
		return;
	}
	bool tx = cJSON_IsString(bt) && !strcmp(bt->valuestring, "transaction");
	if (!tx && reg_cfg(x->a)->test_no_batch) {
		reg_reply_oo(x->rs, 400, "not-supported", "BUNDLE", "Bundle.type must be transaction.",
		             "Bundle.type");
		return;
	}
	if (!tx && !(cJSON_IsString(bt) && !strcmp(bt->valuestring, "batch"))) {
		reg_reply_oo(x->rs, 400, "invalid", "BUNDLE", "Bundle.type must be transaction or batch.",
		             "Bundle.type");
		return;
	}
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(body, "entry"), *e;
	if (entries && !cJSON_IsArray(entries)) {
		reg_reply_oo(x->rs, 400, "invalid", "BUNDLE", "Bundle.entry must be a list.", "Bundle.entry");
		return;
	}
	int n = cJSON_GetArraySize(entries);
	if (n > BUNDLE_MAX_ENTRIES) {
		reg_reply_oo(x->rs, 413, "too-costly", "BUNDLE-SIZE",
		             "A Bundle may hold at most 2000 entries; send it in parts.", "Bundle.entry");
		return;
	}
	struct tx_entry *te = calloc((size_t)(n ? n : 1), sizeof *te);
	struct urn_map *map = calloc((size_t)(n ? n : 1), sizeof *map);
	cJSON **out_entries = calloc((size_t)(n ? n : 1), sizeof *out_entries);
	int nmap = 0, i = 0;
	cJSON_ArrayForEach(e, entries)
	{
		te[i].e = e;
		te[i].res = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "resource"), true);
		te[i].idx = i;
		te[i].rank = tx ? entry_rank(e) : 0;
		i++;
	}
	struct vax_error err = {0};
	bool failed = false;
	if (tx) {
		if (!store_begin(reg_store(x->a), &err)) {
			reg_reply_err(x->rs, &err);
			failed = true;
		} else if (!tx_resolve(x, te, n, map, &nmap)) {
			store_rollback(reg_store(x->a));
			failed = true;
		}
		if (!failed)
			qsort(te, (size_t)n, sizeof *te, tx_cmp);
	}
	for (i = 0; i < n && !failed; i++) {
		struct reg_response srs = {0};
		if (!tx)
			rewrite_refs(te[i].res, map, nmap); /* batch: earlier entries only */
		run_entry(x, te[i].e, te[i].res, te[i].idx, tx, te[i].forced_id[0] ? te[i].forced_id : NULL,
		          &srs);
		const cJSON *full = cJSON_GetObjectItemCaseSensitive(te[i].e, "fullUrl");
		if (!tx && srs.status < 300 && cJSON_IsString(full) &&
		    !strncmp(full->valuestring, "urn:uuid:", 9) && srs.location[0]) {
			char ref[VAX_ID_LEN + 32];
			snprintf(ref, sizeof ref, "%.90s", srs.location);
			char *h = strstr(ref, "/_history");
			if (h)
				*h = '\0';
			snprintf(map[nmap].urn, sizeof map[nmap].urn, "%.79s", full->valuestring);
			snprintf(map[nmap].ref, sizeof map[nmap].ref, "%s", ref);
			nmap++;
		}
		if (tx && srs.status >= 400) {
			/* all-or-nothing: undo everything, name the entry that failed */
			store_rollback(reg_store(x->a));
			reply_tx_failure(x, &srs, te[i].idx);
			failed = true;
		} else {
			out_entries[te[i].idx] =
			    entry_response(&srs, x->rq->prefer && strstr(x->rq->prefer, "return=minimal"));
		}
		reg_response_free(&srs);
	}
	if (!failed && tx && !store_commit(reg_store(x->a), &err)) {
		store_rollback(reg_store(x->a));
		reg_reply_err(x->rs, &err);
		failed = true;
	}
	if (!failed) {
		cJSON *out = reg_bundle_new(tx ? "transaction-response" : "batch-response");
		cJSON *oentries = cJSON_AddArrayToObject(out, "entry");
		for (i = 0; i < n; i++) {
			cJSON_AddItemToArray(oentries, out_entries[i]);
			out_entries[i] = NULL;
		}
		reg_reply_json(x->rs, 200, out, CT_FHIR);
	}
	for (i = 0; i < n; i++) {
		cJSON_Delete(te[i].res);
		cJSON_Delete(out_entries[i]);
	}
	free(out_entries);
	free(te);
	free(map);
}
