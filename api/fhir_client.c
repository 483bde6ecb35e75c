/* api/fhir_client.c - see fhir_client.h */
#include "api/fhir_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/session.h"
#include "core/fhir.h"
#include "core/uuid.h"

#define FHIR_CT "application/fhir+json"

/* A type or id goes into the path as it is: allow only what FHIR allows
 * (id: [A-Za-z0-9-.]{1,64}; type: letters), so nothing can smuggle '/', '?'
 * or '..' into the URL. */
static bool id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '.'))
			return false;
	return true;
}

static bool type_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 40 || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

/* A request of the FHIR API: it asks for FHIR's type alone. */
static struct api_req *fhir_req(struct api_conn *c, const char *method, const char *path,
                                struct vax_error *err)
{
	struct api_req *r = api_req_new(c, method, path, err);
	api_req_accept(r, "application/fhir+json");
	return r;
}

/* A search parameter's value in a query: RFC 3986 lets ':' stand as it is
 * there (FHIR's _revinclude=Immunization:patient), 2 bytes less apiece. */
static bool query_encode(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	for (; *s; s++) {
		char one[2] = {*s, '\0'};
		if (*s == ':') {
			if (o + 1 >= len)
				return false;
			buf[o++] = ':';
		} else {
			if (!api_form_encode(buf + o, len - o, one))
				return false;
			o += strlen(buf + o);
		}
	}
	if (o >= len)
		return false;
	buf[o] = '\0';
	return true;
}

static struct api_req *bad_arg(struct vax_error *err, const char *what)
{
	error_set(err, "API-BAD-REQUEST", "Cannot ask the registry: %s.", what);
	return NULL;
}

static struct api_req *get_with_params(struct api_conn *c, const char *type, const struct api_fhir_param *p,
                                       int n, struct vax_error *err);

struct api_req *api_fhir_read_req(struct api_conn *c, const char *type, const char *id, const char *elements,
                                  struct vax_error *err)
{
	if (!type_ok(type) || !id_ok(id))
		return bad_arg(err, "not a valid resource type or id");
	struct api_fhir_param p = {"_elements", elements};
	char path[160];
	snprintf(path, sizeof path, "%s/%s", type, id);
	return get_with_params(c, path, &p, elements && *elements ? 1 : 0, err);
}

struct api_req *api_fhir_search_req(struct api_conn *c, const char *type, const struct api_fhir_param *p,
                                    int n, struct vax_error *err)
{
	if (!type_ok(type))
		return bad_arg(err, "not a valid resource type");
	return get_with_params(c, type, p, n, err);
}

static struct api_req *with_body(struct api_req *r, const cJSON *body, struct vax_error *err);

/* "/{type}?params" (type unchecked: a read's "Patient/{id}" too) */
static char *path_with_params(const char *type, const struct api_fhir_param *p, int n, struct vax_error *err)
{
	size_t cap = strlen(type) + 2, len;
	for (int i = 0; i < n; i++)
		cap += strlen(p[i].name) + 3 * strlen(p[i].value ? p[i].value : "") + 3;
	char *path = malloc(cap + 1);
	if (!path) {
		bad_arg(err, "out of memory");
		return NULL;
	}
	len = (size_t)snprintf(path, cap, "/%s", type);
	for (int i = 0; i < n; i++) {
		if (!p[i].value)
			continue;
		len += (size_t)snprintf(path + len, cap - len, "%c%s=", strchr(path, '?') ? '&' : '?',
		                        p[i].name);
		if (!query_encode(path + len, cap - len, p[i].value)) {
			free(path);
			bad_arg(err, "search too long");
			return NULL;
		}
		len += strlen(path + len);
	}
	return path;
}

static struct api_req *get_with_params(struct api_conn *c, const char *type, const struct api_fhir_param *p,
                                       int n, struct vax_error *err)
{
	char *path = path_with_params(type, p, n, err);
	struct api_req *r = path ? fhir_req(c, "GET", path, err) : NULL;
	free(path);
	return r;
}

char *api_fhir_search_path(const char *type, const struct api_fhir_param *p, int n, struct vax_error *err)
{
	if (!type_ok(type)) {
		bad_arg(err, "not a valid resource type");
		return NULL;
	}
	return path_with_params(type, p, n, err);
}

struct api_req *api_fhir_get_req(struct api_conn *c, const char *path, struct vax_error *err)
{
	if (!path || path[0] != '/')
		return bad_arg(err, "not a registry path");
	return fhir_req(c, "GET", path, err);
}

struct api_req *api_fhir_batch_get_req(struct api_conn *c, const char *const *paths, int n,
                                       struct vax_error *err)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "type", "batch");
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	for (int i = 0; i < n; i++) {
		if (!paths[i] || paths[i][0] != '/') {
			cJSON_Delete(b);
			return bad_arg(err, "not a registry path");
		}
		cJSON *e = cJSON_CreateObject(), *rq = cJSON_AddObjectToObject(e, "request");
		cJSON_AddStringToObject(rq, "method", "GET");
		cJSON_AddStringToObject(rq, "url", paths[i] + 1); /* relative to the base */
		cJSON_AddItemToArray(entries, e);
	}
	struct api_req *r = with_body(fhir_req(c, "POST", "/", err), b, err);
	cJSON_Delete(b);
	return r;
}

bool api_fhir_batch_entry(const struct api_result *res, int i, struct api_result *out, char **owned,
                          struct vax_error *err)
{
	*owned = NULL;
	memset(out, 0, sizeof *out);
	cJSON *j = res->cls == API_OK ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "entry"), i);
	const cJSON *rsp = cJSON_GetObjectItemCaseSensitive(e, "response");
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rsp, "status"));
	long status = st ? strtol(st, NULL, 10) : 0;
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "batch-response") || status < 100 ||
	    status > 599) {
		cJSON_Delete(j);
		error_set(err, "API-PROTO-BATCH", "The registry's answer to a batch has no answer %d.",
		          i + 1);
		return false;
	}
	/* a refusal's OperationOutcome is where a lone request has it: the body */
	const cJSON *body =
	    cJSON_GetObjectItemCaseSensitive(status < 300 ? e : rsp, status < 300 ? "resource" : "outcome");
	*owned = body ? cJSON_PrintUnformatted(body) : strdup("");
	cJSON_Delete(j);
	if (!*owned) {
		error_set(err, "API-PROTO-BATCH", "Out of memory reading the registry's answer.");
		return false;
	}
	out->body = *owned;
	out->body_len = strlen(*owned);
	out->content_type = "application/fhir+json";
	out->etag = out->location = out->last_modified = "";
	out->retry_after = -1;
	out->http_version = res->http_version;
	api_classify_status(out, status, true, NULL);
	return true;
}

struct api_req *api_fhir_next_req(struct api_conn *c, const struct api_bundle *b, struct vax_error *err)
{
	error_clear(err);
	if (!b->next || !*b->next)
		return NULL;
	return fhir_req(c, "GET", b->next, err);
}

static struct api_req *with_body(struct api_req *r, const cJSON *body, struct vax_error *err)
{
	if (!r)
		return NULL;
	char *text = cJSON_PrintUnformatted(body);
	if (!text || !api_req_body(r, FHIR_CT, text, strlen(text))) {
		free(text);
		api_req_free(r);
		return bad_arg(err, "out of memory");
	}
	free(text);
	return r;
}

static bool uuid_ok(const char *u)
{
	if (!u || strlen(u) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char ch = u[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash
		        ? ch != '-'
		        : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

struct api_req *api_fhir_create_req(struct api_conn *c, const char *type, const cJSON *resource,
                                    const char *uuid, struct vax_error *err)
{
	if (!type_ok(type) || !cJSON_IsObject(resource))
		return bad_arg(err, "not a valid resource");
	if (uuid && !uuid_ok(uuid))
		return bad_arg(err, "the record's UUID is malformed");
	/* The server assigns id and version on create. */
	cJSON *copy = cJSON_Duplicate(resource, true);
	if (!copy)
		return bad_arg(err, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "meta");
	char path[64];
	snprintf(path, sizeof path, "/%s", type);
	struct api_req *r = with_body(fhir_req(c, "POST", path, err), copy, err);
	cJSON_Delete(copy);
	if (r && uuid) {
		char h[128];
		snprintf(h, sizeof h, "If-None-Exist: identifier=%s%%7Curn%%3Auuid%%3A%s",
		         "urn%3Aietf%3Arfc%3A3986", uuid);
		if (!api_req_header(r, h)) {
			api_req_free(r);
			return bad_arg(err, "out of memory");
		}
	}
	return r;
}

struct api_req *api_fhir_update_req(struct api_conn *c, const char *type, const char *id,
                                    const cJSON *resource, const char *version, struct vax_error *err)
{
	if (!type_ok(type) || !id_ok(id) || !cJSON_IsObject(resource))
		return bad_arg(err, "not a valid resource, type or id");
	char path[160];
	snprintf(path, sizeof path, "/%s/%s", type, id);
	struct api_req *r = with_body(fhir_req(c, "PUT", path, err), resource, err);
	if (r && version && *version) {
		char h[API_VERSION_LEN + 32];
		if (strpbrk(version, "\"\r\n") || strlen(version) >= API_VERSION_LEN) {
			api_req_free(r);
			return bad_arg(err, "the record's version is malformed");
		}
		snprintf(h, sizeof h, "If-Match: W/\"%s\"", version);
		if (!api_req_header(r, h)) {
			api_req_free(r);
			return bad_arg(err, "out of memory");
		}
	}
	return r;
}

struct api_req *api_fhir_delete_req(struct api_conn *c, const char *type, const char *id,
                                    struct vax_error *err)
{
	if (!type_ok(type) || !id_ok(id))
		return bad_arg(err, "not a valid resource type or id");
	char path[160];
	snprintf(path, sizeof path, "/%s/%s", type, id);
	return fhir_req(c, "DELETE", path, err);
}

/* Every "reference" under j that names one of the Bundle's old fullUrls
 * names its new one. */
static void rename_refs(cJSON *j, char (*from)[48], char (*to)[48], int n)
{
	cJSON *c;
	cJSON_ArrayForEach(c, j)
	{
		if (cJSON_IsString(c) && c->string && !strcmp(c->string, "reference")) {
			for (int i = 0; i < n; i++)
				if (!strcmp(c->valuestring, from[i])) {
					cJSON_SetValuestring(c, to[i]);
					break;
				}
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			rename_refs(c, from, to, n);
		}
	}
}

void api_fhir_bundle_localize(cJSON *bundle)
{
	cJSON *entries = cJSON_GetObjectItemCaseSensitive(bundle, "entry"), *e;
	int n = cJSON_GetArraySize(entries), k = 0;
	if (n <= 0)
		return;
	char(*from)[48] = calloc((size_t)n, sizeof *from);
	char(*to)[48] = calloc((size_t)n, sizeof *to);
	if (!from || !to) {
		free(from);
		free(to);
		return;
	}
	cJSON_ArrayForEach(e, entries)
	{
		cJSON *full = cJSON_GetObjectItemCaseSensitive(e, "fullUrl");
		if (!cJSON_IsString(full) || strncmp(full->valuestring, "urn:uuid:", 9) ||
		    strlen(full->valuestring) >= sizeof *from)
			continue;
		char u[UUID_STR_LEN];
		uuid_v4(u);
		snprintf(from[k], sizeof *from, "%s", full->valuestring);
		snprintf(to[k], sizeof *to, "urn:uuid:%s", u);
		cJSON_SetValuestring(full, to[k]);
		k++;
	}
	cJSON_ArrayForEach(e, entries)
	    rename_refs(cJSON_GetObjectItemCaseSensitive(e, "resource"), from, to, k);
	free(from);
	free(to);
}

struct api_req *api_fhir_bundle_req(struct api_conn *c, const cJSON *bundle, struct vax_error *err)
{
	if (!cJSON_IsObject(bundle))
		return bad_arg(err, "not a Bundle");
	cJSON *copy = cJSON_Duplicate(bundle, true);
	if (!copy)
		return bad_arg(err, "out of memory");
	api_fhir_bundle_localize(copy);
	struct api_req *r = with_body(fhir_req(c, "POST", "/", err), copy, err);
	cJSON_Delete(copy);
	return r;
}

static cJSON *param(cJSON *params, const char *name)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(params, "parameter"), p);
	return p;
}

static cJSON *parameters_new(void)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Parameters");
	cJSON_AddItemToObject(j, "parameter", cJSON_CreateArray());
	return j;
}

struct api_req *api_fhir_match_req(struct api_conn *c, const cJSON *patient, int count, bool only_certain,
                                   struct vax_error *err)
{
	if (!cJSON_IsObject(patient))
		return bad_arg(err, "no patient to match");
	cJSON *j = parameters_new();
	cJSON_AddItemToObject(param(j, "resource"), "resource", cJSON_Duplicate(patient, true));
	if (count > 0)
		cJSON_AddNumberToObject(param(j, "count"), "valueInteger", count);
	cJSON_AddBoolToObject(param(j, "onlyCertainMatches"), "valueBoolean", only_certain);
	struct api_req *r = with_body(fhir_req(c, "POST", "/Patient/$match", err), j, err);
	cJSON_Delete(j);
	return r;
}

struct api_req *api_fhir_forecast_req(struct api_conn *c, const char *assessment_date, const cJSON *patient,
                                      const cJSON *const *imms, int n_imms, struct vax_error *err)
{
	if (!cJSON_IsObject(patient))
		return bad_arg(err, "no patient to forecast");
	cJSON *j = parameters_new();
	if (assessment_date && *assessment_date)
		cJSON_AddStringToObject(param(j, "assessmentDate"), "valueDate", assessment_date);
	cJSON_AddItemToObject(param(j, "patient"), "resource", cJSON_Duplicate(patient, true));
	for (int i = 0; i < n_imms; i++)
		if (cJSON_IsObject(imms[i]))
			cJSON_AddItemToObject(param(j, "immunization"), "resource",
			                      cJSON_Duplicate(imms[i], true));
	struct api_req *r = with_body(fhir_req(c, "POST", "/$immds-forecast", err), j, err);
	cJSON_Delete(j);
	return r;
}

struct api_req *api_fhir_create_patient_req(struct api_conn *c, const struct client *cl,
                                            struct vax_error *err)
{
	cJSON *j = fhir_patient_to_json(cl);
	if (!j)
		return bad_arg(err, "out of memory");
	struct api_req *r = api_fhir_create_req(c, "Patient", j, cl->uuid[0] ? cl->uuid : NULL, err);
	cJSON_Delete(j);
	return r;
}

struct api_req *api_fhir_update_patient_req(struct api_conn *c, const struct client *cl,
                                            struct vax_error *err)
{
	cJSON *j = fhir_patient_to_json(cl);
	if (!j)
		return bad_arg(err, "out of memory");
	struct api_req *r = api_fhir_update_req(c, "Patient", cl->id, j, cl->version, err);
	cJSON_Delete(j);
	return r;
}

struct api_req *api_fhir_create_immunization_req(struct api_conn *c, const struct immunization *im,
                                                 struct vax_error *err)
{
	cJSON *j = fhir_immunization_to_json(im);
	if (!j)
		return bad_arg(err, "out of memory");
	struct api_req *r = api_fhir_create_req(c, "Immunization", j, im->uuid[0] ? im->uuid : NULL, err);
	cJSON_Delete(j);
	return r;
}

struct api_req *api_fhir_update_immunization_req(struct api_conn *c, const struct immunization *im,
                                                 struct vax_error *err)
{
	cJSON *j = fhir_immunization_to_json(im);
	if (!j)
		return bad_arg(err, "out of memory");
	struct api_req *r = api_fhir_update_req(c, "Immunization", im->id, j, im->version, err);
	cJSON_Delete(j);
	return r;
}

/* ---- results ----------------------------------------------------------- */

bool api_fhir_ok(const struct api_result *res, struct vax_error *err)
{
	if (res->cls == API_OK)
		return true;
	if (err)
		*err = res->err;
	return false;
}

cJSON *api_fhir_read_resource(const struct api_result *res, const char *type, struct vax_error *err)
{
	if (!api_fhir_ok(res, err))
		return NULL;
	cJSON *j = api_json_parse(res->body, res->body_len, err);
	if (!j)
		return NULL;
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(j, "resourceType");
	if (!cJSON_IsString(rt) || (type && strcmp(rt->valuestring, type) != 0)) {
		error_set(err, "API-PROTO-TYPE",
		          "The registry sent a different kind of record than asked for%s%s.",
		          type ? ": expected " : "", type ? type : "");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

bool api_fhir_read_bundle(const struct api_result *res, struct api_bundle *b, struct vax_error *err)
{
	memset(b, 0, sizeof *b);
	if (!api_fhir_ok(res, err))
		return false;
	if (!api_bundle_parse(res->body, res->body_len, b, err)) {
		api_bundle_free(b);
		return false;
	}
	return true;
}

/* W/"3" or "3" -> 3 */
static void etag_version(const char *etag, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!etag || !*etag)
		return;
	if (!strncmp(etag, "W/", 2))
		etag += 2;
	size_t n = strlen(etag);
	if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"') {
		etag++;
		n -= 2;
	}
	if (n >= len || memchr(etag, '"', n))
		return;
	memcpy(buf, etag, n);
	buf[n] = '\0';
}

char *api_fhir_version(const struct api_result *res, const cJSON *resource, char *buf, size_t len)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(resource, "meta");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, "versionId");
	buf[0] = '\0';
	if (cJSON_IsString(v) && strlen(v->valuestring) < len)
		snprintf(buf, len, "%s", v->valuestring);
	else if (res)
		etag_version(res->etag, buf, len);
	return buf;
}

bool api_fhir_read_patient(const struct api_result *res, struct client *cl, struct vax_error *err)
{
	cJSON *j = api_fhir_read_resource(res, "Patient", err);
	if (!j)
		return false;
	client_init(cl);
	bool ok = fhir_patient_from_json(j, cl, err);
	if (ok && !cl->version[0])
		etag_version(res->etag, cl->version, sizeof cl->version);
	cJSON_Delete(j);
	if (!ok && err)
		snprintf(err->code, sizeof err->code, "API-PROTO-PATIENT");
	return ok;
}

bool api_fhir_read_immunization(const struct api_result *res, struct immunization *im, struct vax_error *err)
{
	cJSON *j = api_fhir_read_resource(res, "Immunization", err);
	if (!j)
		return false;
	imm_init(im);
	bool ok = fhir_immunization_from_json(j, im, err);
	if (ok && !im->version[0])
		etag_version(res->etag, im->version, sizeof im->version);
	cJSON_Delete(j);
	if (!ok && err)
		snprintf(err->code, sizeof err->code, "API-PROTO-IMMUNIZATION");
	return ok;
}

int api_fhir_entry_outcomes(const struct api_bundle *b, struct api_fhir_outcome *out, int max,
                            struct vax_error *err)
{
	if (!b->type || (strcmp(b->type, "transaction-response") && strcmp(b->type, "batch-response"))) {
		error_set(err, "API-PROTO-NOT-BUNDLE",
		          "The registry's answer to an upload is not a transaction or batch response.");
		return -1;
	}
	int n = 0;
	for (int i = 0; i < b->n && n < max; i++, n++) {
		const struct api_entry *e = &b->entry[i];
		struct api_fhir_outcome *o = &out[n];
		memset(o, 0, sizeof *o);
		o->status = e->status;
		struct api_result r = {.body = "", .etag = e->etag, .retry_after = -1};
		char *oo = e->outcome ? cJSON_PrintUnformatted(e->outcome) : NULL;
		if (oo) {
			r.body = oo;
			r.body_len = strlen(oo);
		}
		if (e->status)
			api_classify_status(&r, e->status, false, NULL);
		else {
			r.cls = API_PROTOCOL;
			error_set(&r.err, "API-PROTO-ENTRY", "The registry gave no status for entry %d.",
			          i + 1);
		}
		free(oo);
		o->cls = r.cls;
		o->err = r.err;
		const char *loc = e->location[0] ? e->location : e->full_url;
		char t[32], id[VAX_ID_LEN], ver[API_VERSION_LEN];
		if (api_ref_split(loc, t, sizeof t, id, sizeof id, ver, sizeof ver)) {
			snprintf(o->type, sizeof o->type, "%s", t);
			snprintf(o->id, sizeof o->id, "%s", id);
			snprintf(o->version, sizeof o->version, "%s", ver);
		} else if (e->resource) {
			snprintf(o->type, sizeof o->type, "%s", e->resource_type);
			snprintf(o->id, sizeof o->id, "%s", e->id);
		}
		if (!o->version[0] && e->resource)
			api_fhir_version(NULL, e->resource, o->version, sizeof o->version);
		if (!o->version[0])
			etag_version(e->etag, o->version, sizeof o->version);
	}
	return n;
}

/* An operation of a CapabilityStatement is `name` (its name, or the tail of
 * its canonical definition: "...OperationDefinition/Patient-match"). */
static bool names_op(const cJSON *ops, const char *name, const char *tail)
{
	const cJSON *op;
	cJSON_ArrayForEach(op, ops)
	{
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "name"));
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "definition"));
		size_t dl = d ? strlen(d) : 0, tl = strlen(tail);
		if ((n && (!strcmp(n, name) || (n[0] == '$' && !strcmp(n + 1, name)))) ||
		    (d && dl >= tl && !strcmp(d + dl - tl, tail)))
			return true;
	}
	return false;
}

bool api_capability_parse(const char *body, size_t len, struct api_capability *c)
{
	memset(c, 0, sizeof *c);
	cJSON *j = api_json_parse(body, len, NULL);
	const char *rt = j ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "resourceType")) : NULL;
	const cJSON *rest = j ? cJSON_GetObjectItemCaseSensitive(j, "rest") : NULL, *r, *res;
	if (!rt || strcmp(rt, "CapabilityStatement") || !cJSON_IsArray(rest)) {
		cJSON_Delete(j);
		return false;
	}
	c->known = true;
	cJSON_ArrayForEach(r, rest)
	{
		const cJSON *ops = cJSON_GetObjectItemCaseSensitive(r, "operation");
		c->immds |= names_op(ops, "immds-forecast", "/immds-forecast");
		c->match |= names_op(ops, "match", "/Patient-match");
		cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(r, "resource"))
		{
			const char *type =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "type"));
			if (type && !strcmp(type, "Patient"))
				c->match |= names_op(cJSON_GetObjectItemCaseSensitive(res, "operation"),
				                     "match", "/Patient-match");
		}
	}
	cJSON_Delete(j);
	return true;
}
