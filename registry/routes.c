/* registry/routes.c - the route table and registry_handle(): which handler
 * answers a request, what it needs first (a token, a JSON body), and the
 * 404 and 405 answers (with Allow) when no route fits. The handlers live by
 * concern in the files routes_int.h lists. */
#include "registry/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/routes_int.h"

enum route_auth {
	PUBLIC, /* no token (the handler may still ask for credentials) */
	TOKEN,  /* a valid bearer token; x->ss is the session */
};

enum route_body {
	ANY_JSON, /* a JSON body is parsed if sent, and not required */
	RESOURCE, /* a JSON object is required */
	OPTIONAL, /* a JSON object if there is a body */
	RAW,      /* the handler reads rq->body itself (forms, other formats) */
};

enum route_where {
	TOP,   /* a request of its own only */
	ENTRY, /* also a Bundle entry's request */
};

struct route {
	const char *method; /* "GET" also answers HEAD */
	/* segments are literals or {type} (a served resource type), {id} (a
	 * resource id) or {vid} (a version number) */
	const char *pattern;
	enum route_auth auth;
	enum route_body body;
	enum route_where where;
	void (*handler)(struct ctx *x);
};

/* clang-format off */
static const struct route routes[] = {
	/* metadata.c, conformance.c */
	{"GET",    "/metadata",                      PUBLIC, RAW,      TOP,   reg_metadata},
	{"GET",    "/StructureDefinition",           PUBLIC, RAW,      TOP,   reg_conformance_search},
	{"GET",    "/StructureDefinition/{id}",      PUBLIC, RAW,      TOP,   reg_conformance_read},
	{"GET",    "/OperationDefinition",           PUBLIC, RAW,      TOP,   reg_conformance_search},
	{"GET",    "/OperationDefinition/{id}",      PUBLIC, RAW,      TOP,   reg_conformance_read},
	/* routes_auth.c */
	{"GET",    "/auth/confidentiality",          PUBLIC, RAW,      TOP,   reg_auth_confidentiality},
	{"POST",   "/auth/token",                    PUBLIC, RAW,      TOP,   reg_auth_token},
	{"POST",   "/auth/switch",                   TOKEN,  RAW,      TOP,   reg_auth_switch},
	{"POST",   "/auth/password",                 TOKEN,  RAW,      TOP,   reg_auth_password},
	{"POST",   "/auth/password-reset",           PUBLIC, RAW,      TOP,   reg_auth_reset},
	{"POST",   "/auth/password-reset/confirm",   PUBLIC, RAW,      TOP,   reg_auth_reset_confirm},
	{"POST",   "/auth/logout",                   TOKEN,  RAW,      TOP,   reg_auth_logout},
	/* routes_oauth.c */
	{"GET",    "/.well-known/smart-configuration", PUBLIC, RAW,    TOP,   reg_oauth_smart},
	{"POST",   "/auth/device",                   PUBLIC, RAW,      TOP,   reg_oauth_device},
	{"GET",    "/auth/activate",                 PUBLIC, RAW,      TOP,   reg_oauth_activate_page},
	{"POST",   "/auth/activate",                 PUBLIC, RAW,      TOP,   reg_oauth_activate},
	{"POST",   "/auth/revoke",                   PUBLIC, RAW,      TOP,   reg_oauth_revoke},
	/* bundle.c */
	{"POST",   "/",                              TOKEN,  RESOURCE, TOP,   reg_bundle},
	/* search.c */
	{"GET",    "/{type}",                        TOKEN,  ANY_JSON, ENTRY, reg_search},
	{"POST",   "/{type}/_search",                TOKEN,  RAW,      ENTRY, reg_search_post},
	/* crud.c */
	{"POST",   "/{type}",                        TOKEN,  RESOURCE, ENTRY, reg_create},
	{"GET",    "/{type}/{id}",                   TOKEN,  ANY_JSON, ENTRY, reg_read},
	{"PUT",    "/{type}/{id}",                   TOKEN,  RESOURCE, ENTRY, reg_update},
	{"DELETE", "/{type}/{id}",                   TOKEN,  ANY_JSON, ENTRY, reg_delete},
	{"GET",    "/{type}/{id}/_history",          TOKEN,  ANY_JSON, ENTRY, reg_history},
	{"GET",    "/{type}/{id}/_history/{vid}",    TOKEN,  ANY_JSON, ENTRY, reg_read},
	/* op_match.c */
	{"POST",   "/Patient/$match",                TOKEN,  RESOURCE, ENTRY, reg_op_match},
	/* op_immds.c */
	{"POST",   "/$immds-forecast",               TOKEN,  RESOURCE, TOP,   reg_op_immds},
	/* op_school.c */
	{"GET",    "/Group/{id}/$school-compliance", TOKEN,  OPTIONAL, ENTRY, reg_op_school},
	{"POST",   "/Group/{id}/$school-compliance", TOKEN,  OPTIONAL, ENTRY, reg_op_school},
	/* op_school_reports.c */
	{"POST",   "/Group/{id}/$school-report",     TOKEN,  OPTIONAL, TOP,   reg_op_school_report},
	{"GET",    "/Group/$school-reports",         TOKEN,  ANY_JSON, TOP,   reg_school_reports},
	{"GET",    "/Group/$school-reports/{id}",    TOKEN,  ANY_JSON, TOP,   reg_school_report_get},
	/* op_summary.c */
	{"GET",    "/Organization/{id}/$provider-summary", TOKEN, OPTIONAL, TOP, reg_op_summary},
	{"POST",   "/Organization/{id}/$provider-summary", TOKEN, OPTIONAL, TOP, reg_op_summary},
	/* op_recall.c */
	{"POST",   "/Patient/$recall",               TOKEN,  RESOURCE, TOP,   reg_op_recall},
	/* routes_hl7.c, soap.c: HL7 v2 */
	{"POST",   "/hl7v2",                         TOKEN,  RAW,      TOP,   reg_hl7v2},
	{"GET",    "/iis",                           PUBLIC, RAW,      TOP,   reg_soap},
	{"POST",   "/iis",                           PUBLIC, RAW,      TOP,   reg_soap},
};
/* clang-format on */

#define NROUTES (sizeof routes / sizeof *routes)
#define MAX_SEG 6

/* A path split at '/', empty segments skipped; false if it has too many. */
struct path {
	char buf[1024];
	char *seg[MAX_SEG];
	int n;
};

static bool path_split(const char *p, struct path *sp)
{
	snprintf(sp->buf, sizeof sp->buf, "%s", p);
	sp->n = 0;
	for (char *sv = NULL, *s = strtok_r(sp->buf, "/", &sv); s; s = strtok_r(NULL, "/", &sv)) {
		if (sp->n == MAX_SEG)
			return false;
		sp->seg[sp->n++] = s;
	}
	return true;
}

/* How a request's segment fails a pattern's placeholder. */
enum miss { MISS_NONE, MISS_LITERAL, MISS_TYPE, MISS_ID, MISS_VID };

static bool positive(const char *s, long *v)
{
	char *end;
	*v = strtol(s, &end, 10);
	return *s && !*end && *v > 0;
}

/* Match a path against a pattern. Returns MISS_NONE (fills type, id, vid)
 * or, when only a placeholder fails, the first that does (*at its segment);
 * MISS_LITERAL when the shape differs. */
static enum miss path_match(const struct route *r, const struct path *sp, struct ctx *x, int *at)
{
	char pat[64];
	snprintf(pat, sizeof pat, "%s", r->pattern);
	char *ps[MAX_SEG];
	int np = 0;
	for (char *sv = NULL, *s = strtok_r(pat, "/", &sv); s && np < MAX_SEG; s = strtok_r(NULL, "/", &sv))
		ps[np++] = s;
	if (np != sp->n)
		return MISS_LITERAL;
	enum miss first = MISS_NONE;
	const char *type = NULL, *id = NULL;
	long vid = 0;
	for (int i = 0; i < np; i++) {
		enum miss m = MISS_NONE;
		if (!strcmp(ps[i], "{type}"))
			m = (type = reg_known_type(sp->seg[i])) ? MISS_NONE : MISS_TYPE;
		else if (!strcmp(ps[i], "{id}"))
			m = reg_valid_id(id = sp->seg[i]) ? MISS_NONE : MISS_ID;
		else if (!strcmp(ps[i], "{vid}"))
			m = positive(sp->seg[i], &vid) ? MISS_NONE : MISS_VID;
		else if (strcmp(ps[i], sp->seg[i]))
			return MISS_LITERAL;
		if (m != MISS_NONE && first == MISS_NONE) {
			first = m;
			*at = i;
		}
	}
	if (first == MISS_NONE && x) {
		x->type = type;
		x->id = id;
		x->vid = vid;
	}
	return first;
}

static bool method_is(const struct route *r, const char *m)
{
	return !strcmp(r->method, m) || (!strcmp(r->method, "GET") && !strcmp(m, "HEAD"));
}

static bool is_auth_path(const struct path *sp)
{
	return sp->n >= 1 && !strcmp(sp->seg[0], "auth");
}

/* The route for method and path (NULL if none); x receives the path's parts.
 * *allow lists the methods the path takes when it is not method. */
static const struct route *route_find(const char *method, const struct path *sp, struct ctx *x, char *allow,
                                      size_t allow_len, bool *token_for_allow)
{
	allow[0] = '\0';
	*token_for_allow = false;
	for (size_t i = 0; i < NROUTES; i++) {
		int at;
		struct ctx tmp = {0};
		if (path_match(&routes[i], sp, &tmp, &at) != MISS_NONE)
			continue;
		if (method_is(&routes[i], method)) {
			x->type = tmp.type;
			x->id = tmp.id;
			x->vid = tmp.vid;
			return &routes[i];
		}
		if (!strstr(allow, routes[i].method)) {
			size_t o = strlen(allow);
			snprintf(allow + o, allow_len - o, "%s%s", o ? ", " : "", routes[i].method);
		}
		*token_for_allow |= routes[i].auth == TOKEN;
	}
	return NULL;
}

/* No route has this path: the most useful 404 (or 400) for it. */
static void no_route(struct ctx *x, const struct path *sp, bool split_ok)
{
	if (is_auth_path(sp)) {
		reg_auth_error(x->rs, 404, "invalid_request", "No such login endpoint.");
		return;
	}
	for (size_t i = 0; split_ok && i < NROUTES; i++) {
		int at = 0;
		enum miss m = path_match(&routes[i], sp, NULL, &at);
		if (m == MISS_LITERAL || m == MISS_NONE)
			continue;
		char msg[200];
		if (m == MISS_TYPE) {
			snprintf(msg, sizeof msg, "'%.60s' is not a resource type this registry serves.",
			         sp->seg[at]);
			reg_reply_oo(x->rs, 404, "not-supported", "TYPE", msg, NULL);
		} else if (m == MISS_ID && sp->seg[at][0] == '$') {
			snprintf(msg, sizeof msg, "'%.60s' is not an operation on %.60s on this registry.",
			         sp->seg[at], sp->seg[0]);
			reg_reply_oo(x->rs, 404, "not-supported", "OPERATION", msg, NULL);
		} else if (m == MISS_ID) {
			reg_reply_oo(x->rs, 400, "invalid", "ID",
			             "A resource id has 1-64 letters, digits, '-' or '.'.", NULL);
		} else {
			reg_reply_oo(x->rs, 400, "invalid", "VERSION", "A version id is a positive number.",
			             NULL);
		}
		return;
	}
	if (split_ok && sp->n >= 1 && !reg_known_type(sp->seg[0]) && sp->seg[0][0] != '$') {
		char msg[200];
		snprintf(msg, sizeof msg, "'%.60s' is not a resource type this registry serves.", sp->seg[0]);
		reg_reply_oo(x->rs, 404, "not-supported", "TYPE", msg, NULL);
		return;
	}
	reg_reply_oo(x->rs, 404, "not-found", "URL", "No such URL on this registry.", NULL);
}

static void not_allowed(struct ctx *x, const struct path *sp, const char *allow)
{
	if (is_auth_path(sp)) {
		reg_auth_error(x->rs, 405, "invalid_request",
		               !strcmp(allow, "GET") ? "Use GET." : "Use POST.");
		snprintf(x->rs->allow, sizeof x->rs->allow, "%s", allow);
	} else {
		reg_method_not_allowed(x->rs, allow);
	}
}

/* The body a route asks for; false after replying 400. */
static bool body_ok(struct ctx *x, const struct route *r, const cJSON *body)
{
	bool ok = r->body == RESOURCE   ? cJSON_IsObject(body)
	          : r->body == OPTIONAL ? !body || cJSON_IsObject(body)
	                                : true;
	if (!ok)
		reg_reply_oo(x->rs, 400, "structure", "JSON", "The body must be a JSON resource.", NULL);
	return ok;
}

static bool params_ok(struct ctx *x)
{
	if (!x->rq->too_many_params)
		return true;
	reg_reply_oo(x->rs, 400, "too-costly", "PARAMS", "Too many query parameters.", NULL);
	return false;
}

/* A Bundle entry's request: the routes marked ROUTE_ENTRY, with the
 * Bundle's session and the entry's resource as the body. */
static void route_entry(struct ctx *x, const struct reg_request *rq, const cJSON *body)
{
	x->rq = rq;
	struct path sp;
	bool split_ok = path_split(rq->path, &sp);
	char allow[64];
	bool token;
	const struct route *r = split_ok ? route_find(rq->method, &sp, x, allow, sizeof allow, &token) : NULL;
	if (!params_ok(x))
		return;
	if (r && r->where != ENTRY) {
		reg_reply_oo(x->rs, 400, "not-supported", "BUNDLE-ENTRY",
		             "A Bundle entry cannot be a Bundle, a login or this operation.", NULL);
		return;
	}
	if (!r) {
		if (split_ok && allow[0])
			not_allowed(x, &sp, allow);
		else
			no_route(x, &sp, split_ok);
		return;
	}
	if (!body_ok(x, r, body))
		return;
	x->body = body;
	r->handler(x);
}

/* What is wrong with a JSON body (a sentence ending where the byte offset
 * goes), or NULL. */
static const char *body_flaw(const char *b, size_t len, const cJSON *parsed, const char *end)
{
	if (!parsed)
		return "The body is not valid JSON (near byte";
	/* nothing after the value but white space: a body is one resource */
	for (const char *p = end; p && p < b + len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return "The body has something after its JSON value (at byte";
	/* a NUL would silently cut a string (a name) short */
	for (size_t i = 0; i + 6 <= len; i++)
		if (b[i] == '\\' && b[i + 1] == 'u' && b[i + 2] == '0' && b[i + 3] == '0' &&
		    b[i + 4] == '0' && b[i + 5] == '0' && (i == 0 || b[i - 1] != '\\'))
			return "The body holds a NUL character (\\u0000), which no FHIR string may "
			       "have.%.0zu";
	return NULL;
}

/* Is media type m (parameters after ';' ignored) one that JSON answers? */
static bool json_type(const char *m, size_t n)
{
	static const char *ok[] = {
	    "application/fhir+json", "application/json", "application/json+fhir", "json", "*/*",
	    "application/*"};
	while (n && (*m == ' ' || *m == '\t'))
		m++, n--;
	size_t len = strcspn(m, ";");
	if (len > n)
		len = n;
	while (len && (m[len - 1] == ' ' || m[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (strlen(ok[i]) == len && !strncasecmp(m, ok[i], len))
			return true;
	return false;
}

/* FHIR is served as JSON only: a _format or an Accept that leaves JSON out
 * is answered 406 (R4 3.1.0.6), in JSON all the same. (The /auth endpoints
 * answer RFC 6749 JSON whatever is asked.) */
static bool format_ok(struct ctx *x, const struct path *sp)
{
	const struct reg_request *rq = x->rq;
	if (is_auth_path(sp) || (sp->n && strcmp(sp->seg[0], "metadata") && !reg_known_type(sp->seg[0]) &&
	                         strcmp(sp->seg[0], "StructureDefinition") &&
	                         strcmp(sp->seg[0], "OperationDefinition") && sp->seg[0][0] != '$'))
		return true;
	const char *f = reg_param(rq, "_format");
	bool ok = !f || json_type(f, strlen(f));
	if (ok && rq->accept && *rq->accept) {
		ok = false;
		for (const char *p = rq->accept; *p && !ok;) {
			size_t n = strcspn(p, ",");
			char range[128];
			snprintf(range, sizeof range, "%.*s", (int)(n < sizeof range ? n : sizeof range - 1),
			         p);
			/* a weight of 0 ("application/json;q=0") refuses the type */
			const char *q = strstr(range, ";q=");
			if (!q)
				q = strstr(range, "; q=");
			double w = q ? strtod(strchr(q, '=') + 1, NULL) : 1.0;
			ok = w > 0 && json_type(range, strlen(range));
			p += n;
			p += *p == ',';
		}
	}
	if (!ok)
		reg_reply_oo(x->rs, 406, "not-supported", "FORMAT",
		             "This registry answers in FHIR JSON only (application/fhir+json); ask for it "
		             "with _format=json or an Accept header that names it.",
		             NULL);
	return ok;
}

/* HL7 v2 answers maintenance in its own form (an ACK, a SOAP fault) */
static bool own_maintenance(const struct route *r)
{
	return r && (r->handler == reg_hl7v2 || r->handler == reg_soap);
}

static void handle(struct ctx *xp)
{
	struct ctx x = *xp;
	struct registry *a = x.a;
	const struct reg_request *rq = x.rq;
	struct reg_response *rs = x.rs;
	struct path sp;
	bool split_ok = path_split(rq->path, &sp);
	char allow[64];
	bool token_for_allow = false;
	const struct route *r =
	    split_ok ? route_find(rq->method, &sp, &x, allow, sizeof allow, &token_for_allow) : NULL;
	int retry;
	if (!rq->admitted && !own_maintenance(r) && registry_in_maintenance(a, rq->now, &retry)) {
		reg_reply_oo(rs, 503, "transient", "MAINTENANCE",
		             "The registry is down for scheduled maintenance; records can be entered offline "
		             "and will be sent when it returns.",
		             NULL);
		rs->retry_after = retry;
		return;
	}
	if (split_ok && !format_ok(&x, &sp))
		return;
	if (!r) {
		/* who may not use the API learns nothing about its URLs */
		if (!is_auth_path(&sp) && (!allow[0] || token_for_allow) && !reg_authenticate(&x)) {
			*xp = x;
			return;
		}
		if (split_ok && allow[0])
			not_allowed(&x, &sp, allow);
		else
			no_route(&x, &sp, split_ok);
		return;
	}
	if (r->auth == TOKEN && !reg_authenticate(&x)) {
		*xp = x;
		return;
	}
	cJSON *body = NULL;
	if (r->body != RAW && rq->body_len) {
		const char *end = NULL;
		body = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, false);
		const char *why = body_flaw(rq->body, rq->body_len, body, end);
		if (why) {
			char msg[200];
			size_t off = end && end >= rq->body ? (size_t)(end - rq->body) : 0;
			snprintf(msg, sizeof msg, "%s %zu).", why, off);
			reg_reply_oo(rs, 400, "structure", "JSON", msg, NULL);
			cJSON_Delete(body);
			return;
		}
	}
	if (r->where == ENTRY && !params_ok(&x)) {
		cJSON_Delete(body);
		return;
	}
	if (body_ok(&x, r, body)) {
		x.body = body;
		r->handler(&x);
	}
	cJSON_Delete(body);
	*xp = x;
}

void registry_handle(struct registry *a, const struct reg_request *rq, struct reg_response *rs)
{
	memset(rs, 0, sizeof *rs);
	struct ctx x = {.a = a, .rq = rq, .rs = rs, .route_entry = route_entry};
	/* HL7 and SOAP answer by requests made inside theirs: one request for
	 * the store, ended by the outermost */
	static _Thread_local int nested;
	nested++;
	handle(&x);
	nested--;
	if (!nested) {
		/* before the answer goes: the next request of this user, at any
		 * server, reads what this one wrote */
		rs->replica = store_used_replica(reg_store(a));
		store_request_end(reg_store(a));
	}
	/* every refusal of who is asking is audited: no token or a bad one
	 * (401), not allowed (403), not there or not theirs (404); the path is
	 * ids and names of types, never PHI */
	if (rs->status == 401 || rs->status == 403 || rs->status == 404) {
		char action[16], path[200];
		snprintf(action, sizeof action, "denied-%d", rs->status);
		snprintf(path, sizeof path, "%.10s %.180s", rq->method, rq->path);
		store_audit(reg_store(a), x.ss.username, x.ss.org, action, x.type ? x.type : "URL", path,
		            rq->now, NULL);
	}
}
