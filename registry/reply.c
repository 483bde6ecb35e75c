/* registry/reply.c - responses and request helpers every handler uses (see
 * routes_int.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fhir.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "registry/routes_int.h"

/* ---- responses ------------------------------------------------------------ */

void reg_response_free(struct reg_response *rs)
{
	free(rs->body);
	rs->body = NULL;
}

/* FHIR JSON has no empty arrays, objects or strings (R4 json.html): an
 * empty search's "entry": [] or an absent value is left out, not sent. */
static void prune_empty(cJSON *j)
{
	cJSON *c = j ? j->child : NULL;
	while (c) {
		cJSON *next = c->next;
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			prune_empty(c);
		if (((cJSON_IsObject(c) || cJSON_IsArray(c)) && !c->child) ||
		    (cJSON_IsString(c) && !c->valuestring[0]) || cJSON_IsNull(c))
			cJSON_Delete(cJSON_DetachItemViaPointer(j, c));
		c = next;
	}
}

void reg_reply_json(struct reg_response *rs, int status, cJSON *j, const char *ct)
{
	free(rs->body);
	if (!ct || !strcmp(ct, CT_FHIR))
		prune_empty(j);
	rs->status = status;
	rs->body = j ? cJSON_PrintUnformatted(j) : NULL;
	rs->content_type = ct ? ct : CT_FHIR;
	cJSON_Delete(j);
}

void reg_reply_oo(struct reg_response *rs, int status, const char *code, const char *detail, const char *msg,
                  const char *expr)
{
	const char *sev = status >= 500 ? "fatal" : status >= 400 ? "error" : "information";
	reg_reply_json(rs, status, fhir_outcome_new(sev, code, detail, msg, expr), CT_FHIR);
}

void reg_reply_err(struct reg_response *rs, const struct vax_error *err)
{
	reg_reply_oo(rs, 500, "exception", err->code, err->message, NULL);
}

void reg_reply_invalid(struct reg_response *rs, const struct vax_error *err)
{
	char path[160];
	fhir_error_path(err, path, sizeof path);
	reg_reply_oo(rs, 422, "invalid", err->code, err->message, path[0] ? path : NULL);
}

bool reg_not_found(struct ctx *x, const char *type, const char *id)
{
	char msg[200];
	snprintf(msg, sizeof msg, "%s/%.64s is not in the registry.", type, id);
	reg_reply_oo(x->rs, 404, "not-found", "NOT-FOUND", msg, NULL);
	return false;
}

void reg_method_not_allowed(struct reg_response *rs, const char *allow)
{
	reg_reply_oo(rs, 405, "not-supported", "METHOD", "That method is not offered on this URL.", NULL);
	snprintf(rs->allow, sizeof rs->allow, "%s", allow);
}

static void http_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void reg_version_headers(struct reg_response *rs, const char *type, const char *id, long version,
                         int64_t updated)
{
	snprintf(rs->etag, sizeof rs->etag, "W/\"%ld\"", version);
	snprintf(rs->location, sizeof rs->location, "%s/%s/_history/%ld", type, id, version);
	http_date(updated, rs->last_modified, sizeof rs->last_modified);
}

cJSON *reg_bundle_new(const char *type)
{
	cJSON *b = cJSON_CreateObject();
	char id[UUID_STR_LEN];
	uuid_v4(id);
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "id", id);
	cJSON_AddStringToObject(b, "type", type);
	return b;
}

/* ---- requests ---------------------------------------------------------------- */

const char *reg_param(const struct reg_request *rq, const char *key)
{
	for (int i = 0; i < rq->n_param; i++)
		if (!strcmp(rq->param[i].key, key))
			return rq->param[i].value;
	return NULL;
}

vax_date reg_today(const struct reg_request *rq)
{
	return (vax_date)(rq->now / 86400);
}

bool reg_valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

const char *const reg_types[] = {"Patient", "Immunization", "RelatedPerson", "Consent",
                                 "Group",   "Organization", "Medication"};
const size_t reg_ntypes = sizeof reg_types / sizeof *reg_types;

const char *reg_known_type(const char *t)
{
	for (size_t i = 0; i < reg_ntypes; i++)
		if (!strcmp(reg_types[i], t))
			return reg_types[i];
	return NULL;
}

long reg_parse_etag(const char *s)
{
	if (!s)
		return -1;
	if (!strncmp(s, "W/", 2))
		s += 2;
	if (*s == '"')
		s++;
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || v <= 0 || (*end && *end != '"'))
		return -1;
	return v;
}

bool reg_query_params(const char *qs, struct reg_param *ps, int *np, char *buf, size_t len)
{
	snprintf(buf, len, "%s", qs);
	*np = 0;
	if (buf[0] == '?')
		memmove(buf, buf + 1, strlen(buf));
	for (char *sv = NULL, *kv = strtok_r(buf, "&", &sv); kv; kv = strtok_r(NULL, "&", &sv)) {
		if (*np >= REG_MAX_PARAMS)
			return false;
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = '\0';
		reg_url_decode(kv);
		if (eq)
			reg_url_decode(eq);
		ps[*np].key = kv;
		ps[*np].value = eq ? eq : "";
		(*np)++;
	}
	return true;
}

void reg_url_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char h[3] = {s[1], s[2], 0};
			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

char *reg_url_encode(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;
	if (!out)
		abort();
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '|' || c == ',' ||
		    c == ':')
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

const char *reg_op_param(struct ctx *x, const cJSON *body, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(body, "parameter"))
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (!cJSON_IsString(nm) || strcmp(nm->valuestring, name))
			continue;
		const cJSON *v;
		cJSON_ArrayForEach(v, p)
		{
			if (v->string && !strncmp(v->string, "value", 5) && cJSON_IsString(v))
				return v->valuestring;
		}
	}
	return reg_param(x->rq, name);
}

void reg_audit(struct ctx *x, const char *action, const char *type, const char *id)
{
	if (!strcmp(type, "Organization"))
		return;
	store_audit(reg_store(x->a), x->ss.username, x->ss.org, action, type, id, x->rq->now, NULL);
}

const char *reg_version(void)
{
	return PACKAGE_VERSION;
}

/* ---- text documents (SOAP, the device approval page) ----------------------------- */

void reg_buf_put(struct reg_buf *b, const char *s)
{
	size_t k = strlen(s);
	b->s = xgrow(b->s, &b->cap, b->n + k + 1, 1);
	memcpy(b->s + b->n, s, k + 1);
	b->n += k;
}

void reg_buf_text(struct reg_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			reg_buf_put(b, "&amp;");
			break;
		case '<':
			reg_buf_put(b, "&lt;");
			break;
		case '>':
			reg_buf_put(b, "&gt;");
			break;
		case '"':
			reg_buf_put(b, "&quot;");
			break;
		case '\'':
			reg_buf_put(b, "&#39;");
			break;
		case '\r':
			/* HL7's segment end: no XML reader turns it into a line feed */
			reg_buf_put(b, "&#xD;");
			break;
		default: {
			char c[2] = {*s, 0};
			reg_buf_put(b, c);
		}
		}
	}
}
