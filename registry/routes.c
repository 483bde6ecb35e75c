/* registry/routes.c - see routes.h. Routing, the FHIR interactions, search,
 * Bundles and $match; login and passwords are in registry/routes_auth.c. */
#include "registry/routes.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/fhir.h"
#include "core/immunization.h"
#include "core/match.h"
#include "core/rules.h"
#include "core/text.h"
#include "core/uuid.h"
#include "forecast/immds.h"
#include "registry/routes_int.h"
#include "registry/index.h"

#define CT_FHIR            "application/fhir+json"
#define CT_JSON            "application/json"
#define BUNDLE_MAX_ENTRIES 2000

struct registry {
	struct store *st;
	const struct codes *codes;
	struct registry_config cfg;
	atomic_int forced;
};

struct registry *registry_new(struct store *st, const struct codes *codes, const struct registry_config *cfg)
{
	struct registry *a = calloc(1, sizeof *a);
	if (!a)
		abort();
	a->st = st;
	a->codes = codes;
	a->cfg = *cfg;
	if (a->cfg.token_ttl <= 0)
		a->cfg.token_ttl = 900;
	if (a->cfg.reset_ttl <= 0)
		a->cfg.reset_ttl = 86400;
	if (a->cfg.page_max <= 0)
		a->cfg.page_max = 200;
	atomic_init(&a->forced, -1);
	return a;
}

void registry_free(struct registry *a)
{
	free(a);
}

struct store *reg_store(struct registry *a)
{
	return a->st;
}

const struct registry_config *reg_cfg(struct registry *a)
{
	return &a->cfg;
}

void reg_response_free(struct reg_response *rs)
{
	free(rs->body);
	rs->body = NULL;
}

/* ---- responses ------------------------------------------------------------ */

void reg_reply_json(struct reg_response *rs, int status, cJSON *j, const char *ct)
{
	free(rs->body);
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

static void reply_err(struct reg_response *rs, const struct vax_error *err)
{
	reg_reply_oo(rs, 500, "exception", err->code, err->message, NULL);
}

/* A FHIR-INVALID mapping error as 422 (400 for an unreadable body) naming the field. */
static void reply_invalid(struct reg_response *rs, const struct vax_error *err)
{
	char path[160];
	fhir_error_path(err, path, sizeof path);
	reg_reply_oo(rs, 422, "invalid", err->code, err->message, path[0] ? path : NULL);
}

/* ---- maintenance ---------------------------------------------------------- */

void registry_set_maintenance(struct registry *a, int forced)
{
	atomic_store(&a->forced, forced);
}

bool registry_in_maintenance(struct registry *a, int64_t now, int *retry_after)
{
	int forced = atomic_load(&a->forced);
	*retry_after = 0;
	if (forced == 0)
		return false;
	if (forced == 1) {
		*retry_after = 300;
		return true;
	}
	if (a->cfg.datadir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/maintenance", a->cfg.datadir);
		FILE *f = fopen(path, "r");
		if (f) {
			/* the flag file may hold the expected duration in seconds */
			int secs = 0;
			if (fscanf(f, "%d", &secs) != 1 || secs <= 0 || secs > 7 * 86400)
				secs = 600;
			fclose(f);
			*retry_after = secs;
			return true;
		}
	}
	if (a->cfg.maint_start >= 0 && a->cfg.maint_end >= 0 && a->cfg.maint_start != a->cfg.maint_end) {
		int m = (int)((now % 86400) / 60), s = a->cfg.maint_start, e = a->cfg.maint_end;
		bool in = s < e ? (m >= s && m < e) : (m >= s || m < e);
		if (in) {
			int left = (e - m + 1440) % 1440;
			*retry_after = left * 60 - (int)(now % 60);
			if (*retry_after <= 0)
				*retry_after = 60;
			return true;
		}
	}
	return false;
}

/* ---- small helpers ---------------------------------------------------------- */

static const char *param(const struct reg_request *rq, const char *key)
{
	for (int i = 0; i < rq->n_param; i++)
		if (!strcmp(rq->param[i].key, key))
			return rq->param[i].value;
	return NULL;
}

static vax_date today(const struct reg_request *rq)
{
	return (vax_date)(rq->now / 86400);
}

static void http_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void set_version_headers(struct reg_response *rs, const char *type, const char *id, long version,
                                int64_t updated)
{
	snprintf(rs->etag, sizeof rs->etag, "W/\"%ld\"", version);
	snprintf(rs->location, sizeof rs->location, "%s/%s/_history/%ld", type, id, version);
	http_date(updated, rs->last_modified, sizeof rs->last_modified);
}

/* "W/\"3\"" or "\"3\"" or "3" -> 3; -1 if unreadable. */
static long parse_etag(const char *s)
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

static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

static const char *types[] = {"Patient", "Immunization", "RelatedPerson", "Consent", "Group", "Organization"};

static const char *known_type(const char *t)
{
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (!strcmp(types[i], t))
			return types[i];
	return NULL;
}

static void audit(struct ctx *x, const char *action, const char *type, const char *id)
{
	if (!strcmp(type, "Organization"))
		return;
	store_audit(x->a->st, x->ss.username, x->ss.org, action, type, id, x->rq->now, NULL);
}

/* Write transaction helpers: inside a transaction Bundle the Bundle owns it. */
static bool wbegin(struct ctx *x)
{
	struct vax_error err = {0};
	if (x->in_tx)
		return true;
	if (!store_begin(x->a->st, &err)) {
		reply_err(x->rs, &err);
		return false;
	}
	return true;
}

static bool wcommit(struct ctx *x)
{
	struct vax_error err = {0};
	if (x->in_tx)
		return true;
	if (!store_commit(x->a->st, &err)) {
		store_rollback(x->a->st);
		reply_err(x->rs, &err);
		return false;
	}
	return true;
}

static void wabort(struct ctx *x)
{
	if (!x->in_tx)
		store_rollback(x->a->st);
}

/* ---- access ------------------------------------------------------------------ */

/* Who may do what: provider reads and writes clinical data; view-only reads;
 * school reads clients and shots and keeps school lists (Group). Organization
 * resources are managed with `vaxregd org add`, never over the API. */
static bool allowed(struct ctx *x, const char *type, bool write)
{
	const char *role = x->ss.role;
	if (!write)
		return true;
	if (!strcmp(type, "Organization"))
		return false;
	if (!strcmp(role, "provider"))
		return true;
	if (!strcmp(role, "school"))
		return !strcmp(type, "Group");
	return false;
}

static bool deny(struct ctx *x, const char *type)
{
	char msg[200];
	snprintf(msg, sizeof msg, "Your role (%s) at organization %s may not change %s records.", x->ss.role,
	         x->ss.org, type);
	reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
	return false;
}

/* Group (school lists) belong to one organization and are visible to it only. */
static bool owner_scoped(const char *type)
{
	return !strcmp(type, "Group");
}

/* ---- search ---------------------------------------------------------------- */

struct search {
	struct store_query q;
	char buf[STORE_MAX_COND][2][200];
	int count, offset;
	const char *elements;
	const char *summary;
	bool quick_id;
};

static bool add_cond(struct search *s, enum store_cond_kind k, const char *key, const char *v1,
                     const char *v2)
{
	if (s->q.n >= STORE_MAX_COND)
		return false;
	int i = s->q.n++;
	snprintf(s->buf[i][0], sizeof s->buf[i][0], "%s", v1 ? v1 : "");
	snprintf(s->buf[i][1], sizeof s->buf[i][1], "%s", v2 ? v2 : "");
	s->q.cond[i] = (struct store_cond){k, key, s->buf[i][0], s->buf[i][1]};
	return true;
}

/* A date search value with an optional prefix -> an inclusive ISO range. */
static bool date_range(const char *v, char *lo, char *hi)
{
	char pre[3] = "eq";
	if (isalpha((unsigned char)v[0]) && isalpha((unsigned char)v[1])) {
		pre[0] = v[0];
		pre[1] = v[1];
		v += 2;
	}
	int y, m = 0, d = 0;
	size_t n = strlen(v);
	vax_date a, b;
	if (n == 4 && sscanf(v, "%4d", &y) == 1) {
		a = date_from_ymd(y, 1, 1);
		b = date_from_ymd(y, 12, 31);
	} else if (n == 7 && sscanf(v, "%4d-%2d", &y, &m) == 2) {
		a = date_from_ymd(y, m, 1);
		b = a == DATE_NONE ? DATE_NONE : date_from_ymd(y, m, date_days_in_month(y, m));
	} else if (n == 10 && date_parse_iso(v, &a) == DATE_OK) {
		b = a;
	} else {
		return false;
	}
	(void)d;
	if (a == DATE_NONE || b == DATE_NONE)
		return false;
	char sa[DATE_ISO_LEN], sb[DATE_ISO_LEN];
	date_format_iso(a, sa);
	date_format_iso(b, sb);
	lo[0] = hi[0] = '\0';
	if (!strcmp(pre, "eq")) {
		strcpy(lo, sa);
		strcpy(hi, sb);
	} else if (!strcmp(pre, "ge")) {
		strcpy(lo, sa);
	} else if (!strcmp(pre, "gt")) {
		date_format_iso(date_add_days(b, 1), lo);
	} else if (!strcmp(pre, "le")) {
		strcpy(hi, sb);
	} else if (!strcmp(pre, "lt")) {
		date_format_iso(date_add_days(a, -1), hi);
	} else {
		return false;
	}
	return true;
}

static bool bad_param(struct ctx *x, const char *key, const char *why)
{
	char msg[300];
	snprintf(msg, sizeof msg, "Search parameter '%.60s': %s", key, why);
	reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", msg, key);
	return false;
}

static bool is_param(const char *type, const char *key)
{
	static const char *patient[] = {
	    "family", "given", "birthdate", "gender", "identifier", "address-postalcode", "quick", NULL};
	static const char *imm[] = {"patient", "identifier", "date", "status", "vaccine-code", NULL};
	static const char *byp[] = {"patient", "identifier", NULL};
	static const char *group[] = {"member", "name", "identifier", NULL};
	static const char *org[] = {"name", "identifier", NULL};
	const char **list = !strcmp(type, "Patient")        ? patient
	                    : !strcmp(type, "Immunization") ? imm
	                    : !strcmp(type, "Group")        ? group
	                    : !strcmp(type, "Organization") ? org
	                                                    : byp;
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], key))
			return true;
	return false;
}

/* "garcia, maria 03/04/2019", "garcia maria", "NGUYEN", or an identifier. */
static bool quick_search(struct ctx *x, struct search *s, const char *v)
{
	char buf[200], *words[4];
	int n = 0;
	snprintf(buf, sizeof buf, "%s", v);
	bool comma = strchr(buf, ',') != NULL;
	for (char *sv = NULL, *w = strtok_r(buf, " ,\t", &sv); w && n < 4; w = strtok_r(NULL, " ,\t", &sv))
		words[n++] = w;
	if (n == 0)
		return bad_param(x, "quick", "type a name (last, first), a date of birth or an ID.");
	if (n == 1 && !comma) {
		bool has_digit = false;
		for (const char *p = words[0]; *p; p++)
			has_digit |= isdigit((unsigned char)*p) != 0;
		if (has_digit) {
			vax_date d;
			if (date_parse_us(words[0], &d) == DATE_OK) {
				char iso[DATE_ISO_LEN];
				date_format_iso(d, iso);
				return add_cond(s, SC_RANGE, "birthdate", iso, iso);
			}
			s->quick_id = true;
			return add_cond(s, SC_TERM, "identifier", words[0], NULL);
		}
	}
	int names = 0;
	for (int i = 0; i < n; i++) {
		vax_date d;
		if (date_parse_us(words[i], &d) == DATE_OK || date_parse_iso(words[i], &d) == DATE_OK) {
			char iso[DATE_ISO_LEN];
			date_format_iso(d, iso);
			add_cond(s, SC_RANGE, "birthdate", iso, iso);
			continue;
		}
		char f[160];
		index_fold_name(words[i], f, sizeof f);
		if (!f[0])
			continue;
		add_cond(s, SC_PREFIX, names == 0 ? "family" : "given", f, NULL);
		names++;
	}
	return true;
}

/* Turn query parameters into a store query; false after replying 400. */
static bool search_build(struct ctx *x, const char *type, const struct reg_param *ps, int np,
                         struct search *s)
{
	memset(s, 0, sizeof *s);
	s->q.type = type;
	s->count = 20;
	for (int i = 0; i < np; i++) {
		const char *k = ps[i].key, *v = ps[i].value ? ps[i].value : "";
		if (!strcmp(k, "_count")) {
			char *end;
			long c = strtol(v, &end, 10);
			if (!*v || *end || c < 0)
				return bad_param(x, k, "must be a whole number.");
			s->count = c > x->a->cfg.page_max ? x->a->cfg.page_max : (int)c;
			continue;
		}
		if (!strcmp(k, "_offset")) {
			char *end;
			long c = strtol(v, &end, 10);
			if (!*v || *end || c < 0 || c > 100000000)
				return bad_param(x, k, "must be a whole number.");
			s->offset = (int)c;
			continue;
		}
		if (!strcmp(k, "_elements")) {
			s->elements = v;
			continue;
		}
		if (!strcmp(k, "_summary")) {
			if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "count") &&
			    strcmp(v, "data"))
				return bad_param(x, k, "must be true, false, count or data.");
			s->summary = v;
			continue;
		}
		if (!strcmp(k, "_format") || !strcmp(k, "_pretty"))
			continue;
		if (!*v)
			return bad_param(x, k, "has no value.");
		if (strlen(v) > 150)
			return bad_param(x, k, "is too long.");
		bool ok = true;
		if (!strcmp(k, "_id")) {
			ok = add_cond(s, SC_ID, NULL, v, NULL);
		} else if (!is_param(type, k)) {
			char why[160];
			snprintf(why, sizeof why,
			         "not a search parameter of %s on this registry (see /metadata).", type);
			return bad_param(x, k, why);
		} else if (!strcmp(k, "family") || !strcmp(k, "given") || !strcmp(k, "name")) {
			char f[160];
			index_fold_name(v, f, sizeof f);
			if (!f[0])
				return bad_param(x, k, "needs at least one letter or digit.");
			ok = add_cond(s, SC_PREFIX, k, f, NULL);
		} else if (!strcmp(k, "birthdate") || !strcmp(k, "date")) {
			char lo[DATE_ISO_LEN], hi[DATE_ISO_LEN];
			if (!date_range(v, lo, hi))
				return bad_param(x, k,
				                 "must be a date YYYY-MM-DD (YYYY or YYYY-MM), optionally "
				                 "after eq, ge, gt, le or lt.");
			ok = add_cond(s, SC_RANGE, k, lo, hi);
		} else if (!strcmp(k, "gender")) {
			if (strcmp(v, "female") && strcmp(v, "male") && strcmp(v, "other") &&
			    strcmp(v, "unknown"))
				return bad_param(x, k, "must be female, male, other or unknown.");
			ok = add_cond(s, SC_TERM, k, v, NULL);
		} else if (!strcmp(k, "patient") || !strcmp(k, "member")) {
			char ref[200];
			if (strchr(v, '/'))
				snprintf(ref, sizeof ref, "%s", v);
			else
				snprintf(ref, sizeof ref, "Patient/%s", v);
			ok = add_cond(s, SC_TERM, k, ref, NULL);
		} else if (!strcmp(k, "address-postalcode")) {
			char z[6];
			snprintf(z, sizeof z, "%.5s", v);
			ok = add_cond(s, SC_TERM, k, z, NULL);
		} else if (!strcmp(k, "quick")) {
			if (!quick_search(x, s, v))
				return false;
		} else {
			ok = add_cond(s, SC_TERM, k, v, NULL);
		}
		if (!ok)
			return bad_param(x, k, "too many search parameters.");
	}
	if (owner_scoped(type))
		add_cond(s, SC_OWNER, NULL, x->ss.org, NULL);
	s->q.offset = s->offset;
	s->q.count = s->summary && !strcmp(s->summary, "count") ? 0 : s->count;
	return true;
}

static void mark_subsetted(cJSON *res)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
	if (!meta)
		meta = cJSON_AddObjectToObject(res, "meta");
	cJSON *tags = cJSON_AddArrayToObject(meta, "tag");
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue");
	cJSON_AddStringToObject(t, "code", "SUBSETTED");
	cJSON_AddItemToArray(tags, t);
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Whether _elements or _summary cut a resource down (else it goes out as
 * stored, without parsing and printing it again). */
static bool subsetting(const char *elements, const char *summary)
{
	return (elements && *elements) || (summary && !strcmp(summary, "true"));
}

/* _elements and _summary: never send PHI that was not asked for. */
static void subset(cJSON *res, const char *type, const char *elements, const char *summary)
{
	static const char patient_summary[] = "identifier,active,name,telecom,gender,birthDate,"
	                                      "deceasedBoolean,address,managingOrganization,link";
	static const char imm_summary[] =
	    "identifier,status,vaccineCode,patient,occurrenceDateTime,primarySource";
	const char *keep = NULL;
	if (!res)
		return;
	if (elements && *elements)
		keep = elements;
	else if (summary && !strcmp(summary, "true"))
		keep = !strcmp(type, "Patient")        ? patient_summary
		       : !strcmp(type, "Immunization") ? imm_summary
		                                       : NULL;
	if (!keep)
		return;
	cJSON *c = res->child;
	while (c) {
		cJSON *next = c->next;
		if (strcmp(c->string, "resourceType") && strcmp(c->string, "id") &&
		    strcmp(c->string, "meta") && !in_list(keep, c->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(res, c));
		c = next;
	}
	mark_subsetted(res);
}

static void add_link(cJSON *links, const char *rel, struct ctx *x, const char *type,
                     const struct reg_param *ps, int np, int offset, int count)
{
	char url[2048];
	size_t o = (size_t)snprintf(url, sizeof url, "%s/%s?", x->rq->base ? x->rq->base : "", type);
	for (int i = 0; i < np && o < sizeof url; i++) {
		if (!strcmp(ps[i].key, "_offset") || !strcmp(ps[i].key, "_count"))
			continue;
		char *ek = reg_url_encode(ps[i].key), *ev = reg_url_encode(ps[i].value ? ps[i].value : "");
		o += (size_t)snprintf(url + o, sizeof url - o, "%s=%s&", ek, ev);
		free(ek);
		free(ev);
	}
	if (o < sizeof url)
		snprintf(url + o, sizeof url - o, "_count=%d&_offset=%d", count, offset);
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "relation", rel);
	cJSON_AddStringToObject(l, "url", url);
	cJSON_AddItemToArray(links, l);
}

static cJSON *new_bundle(const char *type)
{
	cJSON *b = cJSON_CreateObject();
	char id[UUID_STR_LEN];
	uuid_v4(id);
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "id", id);
	cJSON_AddStringToObject(b, "type", type);
	return b;
}

static void do_search(struct ctx *x, const char *type, const struct reg_param *ps, int np)
{
	struct search s;
	if (!search_build(x, type, ps, np, &s))
		return;
	struct vax_error err = {0};
	int cap = s.q.count;
	struct store_res *res = calloc((size_t)(cap ? cap : 1), sizeof *res);
	char(*ids)[65] = calloc((size_t)(cap ? cap : 1), sizeof *ids);
	long total = 0;
	int n = store_search(x->a->st, &s.q, res, ids, &total, &err);
	if (n < 0) {
		free(res);
		free(ids);
		reply_err(x->rs, &err);
		return;
	}
	cJSON *b = new_bundle("searchset");
	cJSON_AddNumberToObject(b, "total", (double)total);
	cJSON *links = cJSON_AddArrayToObject(b, "link");
	add_link(links, "self", x, type, ps, np, s.offset, s.count);
	if (s.count > 0 && s.offset + s.count < total)
		add_link(links, "next", x, type, ps, np, s.offset + s.count, s.count);
	if (s.offset > 0)
		add_link(links, "previous", x, type, ps, np, s.offset > s.count ? s.offset - s.count : 0,
		         s.count);
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	bool cut = subsetting(s.elements, s.summary);
	for (int i = 0; i < n; i++) {
		cJSON *r = !res[i].json ? NULL
		           : cut        ? cJSON_Parse(res[i].json)
		                        : cJSON_CreateRaw(res[i].json);
		store_res_free(&res[i]);
		if (!r)
			continue;
		subset(r, type, s.elements, s.summary);
		cJSON *e = cJSON_CreateObject();
		char url[512];
		snprintf(url, sizeof url, "%s/%s/%s", x->rq->base ? x->rq->base : "", type, ids[i]);
		cJSON_AddStringToObject(e, "fullUrl", url);
		cJSON_AddItemToObject(e, "resource", r);
		cJSON *se = cJSON_AddObjectToObject(e, "search");
		cJSON_AddStringToObject(se, "mode", "match");
		cJSON_AddItemToArray(entries, e);
	}
	if (strcmp(type, "Organization") != 0)
		store_audit_many(x->a->st, x->ss.username, x->ss.org, "search", type, (const char(*)[65])ids,
		                 n, x->rq->now, NULL);
	free(res);
	free(ids);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

/* ---- read ------------------------------------------------------------------ */

static bool not_found(struct ctx *x, const char *type, const char *id)
{
	char msg[200];
	snprintf(msg, sizeof msg, "%s/%.64s is not in the registry.", type, id);
	reg_reply_oo(x->rs, 404, "not-found", "NOT-FOUND", msg, NULL);
	return false;
}

/* Current version, visible to this session; replies 404/410 otherwise. */
static bool load(struct ctx *x, const char *type, const char *id, long version, struct store_res *r)
{
	struct vax_error err = {0};
	int found = store_read(x->a->st, type, id, version, r, &err);
	if (found < 0) {
		reply_err(x->rs, &err);
		return false;
	}
	if (!found || (owner_scoped(type) && strcmp(r->org, x->ss.org) != 0)) {
		store_res_free(r);
		return not_found(x, type, id);
	}
	if (r->deleted) {
		char msg[200];
		snprintf(msg, sizeof msg, "%s/%.64s was deleted.", type, id);
		reg_reply_oo(x->rs, 410, "deleted", "DELETED", msg, NULL);
		set_version_headers(x->rs, type, id, r->version, r->updated);
		x->rs->location[0] = '\0';
		return false;
	}
	return true;
}

static void do_read(struct ctx *x, const char *type, const char *id, long version)
{
	struct store_res r;
	if (!load(x, type, id, version, &r))
		return;
	const char *el = param(x->rq, "_elements"), *su = param(x->rq, "_summary");
	cJSON *j = subsetting(el, su) ? cJSON_Parse(r.json) : cJSON_CreateRaw(r.json);
	subset(j, type, el, su);
	reg_reply_json(x->rs, 200, j, CT_FHIR);
	set_version_headers(x->rs, type, id, r.version, r.updated);
	x->rs->location[0] = '\0';
	audit(x, version ? "vread" : "read", type, id);
	store_res_free(&r);
}

static void do_history(struct ctx *x, const char *type, const char *id)
{
	struct store_res cur;
	if (!load(x, type, id, 0, &cur))
		return;
	store_res_free(&cur);
	struct store_res h[50];
	struct vax_error err = {0};
	int n = store_history(x->a->st, type, id, h, 50, &err);
	if (n < 0) {
		reply_err(x->rs, &err);
		return;
	}
	cJSON *b = new_bundle("history");
	cJSON_AddNumberToObject(b, "total", n);
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	for (int i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		if (h[i].json)
			cJSON_AddItemToObject(e, "resource", cJSON_Parse(h[i].json));
		cJSON *req = cJSON_AddObjectToObject(e, "request");
		cJSON_AddStringToObject(req, "method",
		                        h[i].deleted        ? "DELETE"
		                        : h[i].version == 1 ? "POST"
		                                            : "PUT");
		char url[200];
		snprintf(url, sizeof url, "%s/%s", type, id);
		cJSON_AddStringToObject(req, "url", url);
		cJSON_AddItemToArray(entries, e);
		store_res_free(&h[i]);
	}
	audit(x, "history", type, id);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

/* ---- validation to canonical form ------------------------------------------- */

/* Find a current resource by an index term; 1 found (id copied), 0 none, -1 error. */
static int find_by_term(struct ctx *x, const char *type, const char *key, const char *value, char *id,
                        size_t len)
{
	struct search s;
	memset(&s, 0, sizeof s);
	s.q.type = type;
	s.q.count = 1;
	add_cond(&s, SC_TERM, key, value, NULL);
	struct store_res r;
	char ids[1][65];
	long total = 0;
	struct vax_error err = {0};
	int n = store_search(x->a->st, &s.q, &r, ids, &total, &err);
	if (n < 0)
		return -1;
	if (n > 0) {
		store_res_free(&r);
		snprintf(id, len, "%s", ids[0]);
		return 1;
	}
	return 0;
}

static int find_by_uuid(struct ctx *x, const char *type, const char *uuid, char *id, size_t len)
{
	char term[80];
	snprintf(term, sizeof term, FHIR_SYS_UUID "|urn:uuid:%s", uuid);
	return find_by_term(x, type, "identifier", term, id, len);
}

static bool reply_rules(struct ctx *x, const struct rule_report *rep, const char *resource)
{
	if (!rules_has_errors(rep))
		return true;
	reg_reply_json(x->rs, 422, fhir_outcome_from_rules(rep, resource), CT_FHIR);
	return false;
}

/* Resolve a patient reference (Patient/id or urn:uuid) to an existing
 * Patient id and its birth date. */
static bool resolve_patient(struct ctx *x, const char *ref_id, const char *uuid, char *out, size_t len,
                            vax_date *dob, const char *path)
{
	char id[VAX_ID_LEN] = "";
	if (ref_id && *ref_id)
		snprintf(id, sizeof id, "%s", ref_id);
	else if (uuid && *uuid && find_by_uuid(x, "Patient", uuid, id, sizeof id) < 0)
		return reg_reply_oo(x->rs, 500, "exception", "STORE", "The registry database failed.", NULL),
		       false;
	if (!id[0]) {
		reg_reply_oo(x->rs, 422, "invalid", "REF-MISSING",
		             "The record must name a client already in the registry (patient).", path);
		return false;
	}
	struct store_res r;
	struct vax_error err = {0};
	int found = store_read(x->a->st, "Patient", id, 0, &r, &err);
	if (found <= 0 || r.deleted) {
		store_res_free(&r);
		reg_reply_oo(x->rs, 422, "invalid", "REF-UNKNOWN",
		             "The client this record names (patient) is not in the registry.", path);
		return false;
	}
	if (dob) {
		*dob = DATE_NONE;
		cJSON *p = cJSON_Parse(r.json);
		const cJSON *bd = cJSON_GetObjectItemCaseSensitive(p, "birthDate");
		if (cJSON_IsString(bd))
			date_parse_iso(bd->valuestring, dob);
		cJSON_Delete(p);
	}
	store_res_free(&r);
	snprintf(out, len, "%s", id);
	return true;
}

/* Map an incoming resource to its canonical stored form. *uuid receives the
 * record's UUID identifier if it has one. False after replying. */
static bool canonical(struct ctx *x, const char *type, const cJSON *in, bool create, cJSON **out, char *uuid,
                      const char *self_id)
{
	struct vax_error err = {0};
	struct rule_ctx rc = {.today = today(x->rq), .codes = x->a->codes, .new_record = create};
	uuid[0] = '\0';
	*out = NULL;
	if (!strcmp(type, "Patient")) {
		struct client c;
		if (!fhir_patient_from_json(in, &c, &err))
			return reply_invalid(x->rs, &err), false;
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_client(&rc, &c, &rep);
		if (!reply_rules(x, &rep, "Patient"))
			return false;
		c.id[0] = c.version[0] = '\0';
		snprintf(uuid, VAX_UUID_LEN, "%s", c.uuid);
		*out = fhir_patient_to_json(&c);
		return true;
	}
	if (!strcmp(type, "Immunization")) {
		struct immunization im;
		if (!fhir_immunization_from_json(in, &im, &err))
			return reply_invalid(x->rs, &err), false;
		vax_date dob;
		if (!resolve_patient(x, im.client_id, im.client_uuid, im.client_id, sizeof im.client_id, &dob,
		                     "Immunization.patient"))
			return false;
		if (!im.org[0]) {
			snprintf(im.org, sizeof im.org, "%s", x->ss.org);
			store_org_get(x->a->st, im.org, im.org_name, sizeof im.org_name, NULL);
		}
		struct rule_report rep;
		rules_report_init(&rep);
		/* an entered-in-error or refused record is not a dose: only shape checks apply */
		if (!im.entered_in_error)
			rules_check_immunization(&rc, dob, &im, &rep);
		if (!reply_rules(x, &rep, "Immunization"))
			return false;
		im.id[0] = im.version[0] = '\0';
		snprintf(uuid, VAX_UUID_LEN, "%s", im.uuid);
		*out = fhir_immunization_to_json(&im);
		return true;
	}
	if (!strcmp(type, "RelatedPerson") || !strcmp(type, "Consent")) {
		char ref[VAX_ID_LEN + 16], pid[VAX_ID_LEN], fixed[VAX_ID_LEN + 16];
		struct responsible_person rp;
		struct consent cs;
		bool ok = !strcmp(type, "Consent")
		              ? fhir_consent_from_json(in, &cs, ref, sizeof ref, &err)
		              : fhir_related_person_from_json(in, &rp, ref, sizeof ref, &err);
		if (!ok)
			return reply_invalid(x->rs, &err), false;
		char ruuid[VAX_UUID_LEN] = "";
		if (!strncmp(ref, "urn:uuid:", 9))
			snprintf(ruuid, sizeof ruuid, "%.36s", ref + 9);
		char expr[40];
		snprintf(expr, sizeof expr, "%s.patient", type);
		vax_date dob = DATE_NONE;
		if (!resolve_patient(x, fhir_ref_id(ref, "Patient"), ruuid, pid, sizeof pid, &dob, expr))
			return false;
		snprintf(fixed, sizeof fixed, "Patient/%s", pid);
		struct rule_report rep;
		rules_report_init(&rep);
		if (!strcmp(type, "Consent"))
			rules_check_consent(&rc, dob, &cs, &rep);
		else
			rules_check_responsible(&rp, &rep);
		if (!reply_rules(x, &rep, type))
			return false;
		if (!strcmp(type, "Consent")) {
			cs.id[0] = '\0';
			snprintf(uuid, VAX_UUID_LEN, "%s", cs.uuid);
			*out = fhir_consent_to_json(&cs, fixed);
		} else {
			rp.id[0] = '\0';
			rp.removed = false;
			snprintf(uuid, VAX_UUID_LEN, "%s", rp.uuid);
			*out = fhir_related_person_to_json(&rp, fixed);
		}
		return true;
	}
	if (!strcmp(type, "Group")) {
		if (!cJSON_IsObject(in))
			return reg_reply_oo(x->rs, 400, "structure", "FHIR-INVALID",
			                    "The body is not a JSON object.", NULL),
			       false;
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(in, "resourceType");
		if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Group"))
			return reg_reply_oo(x->rs, 422, "invalid", "FHIR-INVALID",
			                    "Group.resourceType: must be \"Group\".", "Group.resourceType"),
			       false;
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "name");
		if (!cJSON_IsString(name) || !*name->valuestring || strlen(name->valuestring) > 200)
			return reg_reply_oo(x->rs, 422, "required", "FHIR-INVALID",
			                    "Group.name: a school list needs a name (up to 200 characters).",
			                    "Group.name"),
			       false;
		cJSON *g = cJSON_Duplicate(in, true);
		cJSON_DeleteItemFromObjectCaseSensitive(g, "type");
		cJSON_DeleteItemFromObjectCaseSensitive(g, "actual");
		cJSON_DeleteItemFromObjectCaseSensitive(g, "quantity");
		cJSON_AddStringToObject(g, "type", "person");
		cJSON_AddBoolToObject(g, "actual", true);
		cJSON *members = cJSON_GetObjectItemCaseSensitive(g, "member"), *m;
		if (members && !cJSON_IsArray(members)) {
			cJSON_Delete(g);
			return reg_reply_oo(x->rs, 422, "invalid", "FHIR-INVALID",
			                    "Group.member: must be a list.", "Group.member"),
			       false;
		}
		int count = 0;
		cJSON_ArrayForEach(m, members)
		{
			cJSON *ent = cJSON_GetObjectItemCaseSensitive(m, "entity");
			cJSON *ref = cJSON_GetObjectItemCaseSensitive(ent, "reference");
			char pid[VAX_ID_LEN], ruuid[VAX_UUID_LEN] = "";
			const char *rid =
			    cJSON_IsString(ref) ? fhir_ref_id(ref->valuestring, "Patient") : NULL;
			if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "urn:uuid:", 9))
				snprintf(ruuid, sizeof ruuid, "%.36s", ref->valuestring + 9);
			if (!resolve_patient(x, rid, ruuid, pid, sizeof pid, NULL, "Group.member.entity")) {
				cJSON_Delete(g);
				return false;
			}
			char fixed[VAX_ID_LEN + 16];
			snprintf(fixed, sizeof fixed, "Patient/%s", pid);
			cJSON_SetValuestring(ref, fixed);
			count++;
		}
		cJSON_AddNumberToObject(g, "quantity", count);
		*out = g;
		return true;
	}
	(void)self_id;
	reg_reply_oo(x->rs, 405, "not-supported", "READ-ONLY",
	             "This resource type is read-only on this registry.", NULL);
	return false;
}

/* ---- create, update, delete ---------------------------------------------------- */

static bool query_params(const char *qs, struct reg_param *ps, int *np, char *buf, size_t len)
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

static void reply_resource(struct ctx *x, int status, const char *type, const char *id, cJSON *res,
                           long version, int64_t updated)
{
	reg_reply_json(x->rs, status, res, CT_FHIR);
	set_version_headers(x->rs, type, id, version, updated);
}

/* Existing resource found by a conditional create: 200 with it. */
static void reply_existing(struct ctx *x, const char *type, const char *id)
{
	struct store_res r;
	if (!load(x, type, id, 0, &r))
		return;
	reply_resource(x, 200, type, id, cJSON_Parse(r.json), r.version, r.updated);
	audit(x, "read", type, id);
	store_res_free(&r);
}

static void do_create(struct ctx *x, const char *type, const cJSON *body)
{
	if (!allowed(x, type, true)) {
		deny(x, type);
		return;
	}
	if (!wbegin(x))
		return;
	/* If-None-Exist first: a resend must never make a second copy */
	if (x->rq->if_none_exist && *x->rq->if_none_exist) {
		struct reg_param ps[REG_MAX_PARAMS];
		int np;
		char buf[1024];
		struct search s;
		if (!query_params(x->rq->if_none_exist, ps, &np, buf, sizeof buf)) {
			wabort(x);
			reg_reply_oo(x->rs, 400, "invalid", "IF-NONE-EXIST",
			             "If-None-Exist has too many parameters.", NULL);
			return;
		}
		if (!search_build(x, type, ps, np, &s)) {
			wabort(x);
			return;
		}
		s.q.count = 2;
		struct store_res r[2];
		char ids[2][65];
		long total = 0;
		struct vax_error err = {0};
		int n = store_search(x->a->st, &s.q, r, ids, &total, &err);
		for (int i = 0; i < (n > 0 ? n : 0); i++)
			store_res_free(&r[i]);
		if (n < 0) {
			wabort(x);
			reply_err(x->rs, &err);
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
	if (!canonical(x, type, body, true, &res, uuid, NULL)) {
		wabort(x);
		return;
	}
	/* the record's own UUID is its identity: a resend without If-None-Exist
	 * still finds the first copy */
	if (uuid[0]) {
		char id[VAX_ID_LEN];
		int f = find_by_uuid(x, type, uuid, id, sizeof id);
		if (f == 1) {
			cJSON_Delete(res);
			wabort(x);
			reply_existing(x, type, id);
			return;
		}
	}
	char id[VAX_ID_LEN];
	if (x->forced_id)
		snprintf(id, sizeof id, "%s", x->forced_id);
	else
		uuid_v4(id);
	long version;
	struct vax_error err = {0};
	if (!store_write(x->a->st, type, id, x->ss.org, res, false, x->rq->now, &version, &err)) {
		cJSON_Delete(res);
		wabort(x);
		reply_err(x->rs, &err);
		return;
	}
	audit(x, "create", type, id);
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
	long want = x->rq->if_match ? parse_etag(x->rq->if_match) : 0;
	if (!x->rq->if_match || want == cur->version)
		return true;
	char msg[200];
	snprintf(msg, sizeof msg,
	         "The record changed since you read it (you had version %ld, the registry has %ld). "
	         "Reload it and make your change again.",
	         want, cur->version);
	reg_reply_oo(x->rs, 412, "conflict", "VERSION-CONFLICT", msg, NULL);
	set_version_headers(x->rs, type, id, cur->version, cur->updated);
	x->rs->location[0] = '\0';
	return false;
}

static void do_update(struct ctx *x, const char *type, const char *id, const cJSON *body)
{
	if (!allowed(x, type, true)) {
		deny(x, type);
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
	int found = store_read(x->a->st, type, id, 0, &cur, &err);
	if (found < 0) {
		wabort(x);
		reply_err(x->rs, &err);
		return;
	}
	if (!found || (owner_scoped(type) && strcmp(cur.org, x->ss.org) != 0)) {
		/* the registry assigns ids: update-as-create is not offered */
		store_res_free(&cur);
		wabort(x);
		not_found(x, type, id);
		return;
	}
	if (cur.deleted) {
		/* ids are the registry's: an update never brings a deleted record back */
		char msg[200];
		snprintf(msg, sizeof msg, "%s/%.64s was deleted.", type, id);
		reg_reply_oo(x->rs, 410, "deleted", "DELETED", msg, NULL);
		set_version_headers(x->rs, type, id, cur.version, cur.updated);
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
	store_res_free(&cur);
	cJSON *res;
	char uuid[VAX_UUID_LEN];
	if (!canonical(x, type, body, false, &res, uuid, id)) {
		wabort(x);
		return;
	}
	long version;
	if (!store_write(x->a->st, type, id, org, res, false, x->rq->now, &version, &err)) {
		cJSON_Delete(res);
		wabort(x);
		reply_err(x->rs, &err);
		return;
	}
	audit(x, "update", type, id);
	if (!wcommit(x)) {
		cJSON_Delete(res);
		return;
	}
	reply_resource(x, 200, type, id, res, version, x->rq->now);
}

static void do_delete(struct ctx *x, const char *type, const char *id)
{
	if (!allowed(x, type, true)) {
		deny(x, type);
		return;
	}
	if (!wbegin(x))
		return;
	struct store_res cur;
	struct vax_error err = {0};
	int found = store_read(x->a->st, type, id, 0, &cur, &err);
	if (found <= 0 || (owner_scoped(type) && strcmp(cur.org, x->ss.org) != 0)) {
		store_res_free(&cur);
		wabort(x);
		if (found < 0)
			reply_err(x->rs, &err);
		else
			not_found(x, type, id);
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
	store_res_free(&cur);
	long version;
	if (!store_write(x->a->st, type, id, org, NULL, true, x->rq->now, &version, &err)) {
		wabort(x);
		reply_err(x->rs, &err);
		return;
	}
	audit(x, "delete", type, id);
	if (!wcommit(x))
		return;
	x->rs->status = 204;
	snprintf(x->rs->etag, sizeof x->rs->etag, "W/\"%ld\"", version);
}

/* ---- $match ------------------------------------------------------------------ */

/* Candidates and scores come from index_match() (registry/index.c): the
 * same algorithm vaxdesk runs over its offline store, so a client found (or
 * not) at the desk is found (or not) here. */

static void do_match(struct ctx *x, const cJSON *body)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(body, "resourceType");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Parameters")) {
		reg_reply_oo(x->rs, 400, "invalid", "MATCH-PARAMS", "$match takes a Parameters resource.",
		             "resourceType");
		return;
	}
	const cJSON *p, *patient = NULL;
	int count = 10;
	bool only_certain = false;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(body, "parameter"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (!cJSON_IsString(name))
			continue;
		if (!strcmp(name->valuestring, "resource"))
			patient = cJSON_GetObjectItemCaseSensitive(p, "resource");
		else if (!strcmp(name->valuestring, "count")) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "valueInteger");
			if (cJSON_IsNumber(v) && v->valueint > 0)
				count = v->valueint > 100 ? 100 : v->valueint;
		} else if (!strcmp(name->valuestring, "onlyCertainMatches")) {
			only_certain = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "valueBoolean"));
		}
	}
	struct client in;
	struct vax_error err = {0};
	if (!patient) {
		reg_reply_oo(x->rs, 400, "required", "MATCH-PARAMS",
		             "$match needs a 'resource' parameter holding a Patient.",
		             "Parameters.parameter");
		return;
	}
	if (!fhir_patient_from_json(patient, &in, &err)) {
		reply_invalid(x->rs, &err);
		return;
	}
	int max = only_certain ? 100 : count;
	struct index_cand *cands = malloc((size_t)max * sizeof *cands);
	if (!cands)
		abort();
	int nc = index_match(x->a->st, &in, cands, max, &err);
	if (nc < 0) {
		free(cands);
		reply_err(x->rs, &err);
		return;
	}
	cJSON *b = new_bundle("searchset");
	cJSON *entries = cJSON_CreateArray();
	int shown = 0;
	for (int i = 0; i < nc; i++) {
		const char *grade = match_grade_code(cands[i].r.grade);
		if (shown >= count || (only_certain && cands[i].r.grade != MATCH_CERTAIN)) {
			cJSON_Delete(cands[i].res);
			continue;
		}
		cJSON *e = cJSON_CreateObject();
		char url[512];
		snprintf(url, sizeof url, "%.300s/Patient/%.64s", x->rq->base ? x->rq->base : "",
		         cands[i].id);
		cJSON_AddStringToObject(e, "fullUrl", url);
		cJSON_AddItemToObject(e, "resource", cands[i].res);
		cJSON *se = cJSON_AddObjectToObject(e, "search");
		cJSON *ext = cJSON_AddArrayToObject(se, "extension");
		cJSON *g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "url", "http://hl7.org/fhir/StructureDefinition/match-grade");
		cJSON_AddStringToObject(g, "valueCode", grade);
		cJSON_AddItemToArray(ext, g);
		cJSON_AddStringToObject(se, "mode", "match");
		cJSON_AddNumberToObject(se, "score", (double)(int)(cands[i].r.score * 100 + 0.5) / 100.0);
		cJSON_AddItemToArray(entries, e);
		audit(x, "match", "Patient", cands[i].id);
		shown++;
	}
	cJSON_AddNumberToObject(b, "total", shown);
	cJSON_AddItemToObject(b, "entry", entries);
	free(cands);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

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

static void dispatch(struct ctx *x, const struct reg_request *rq, const cJSON *body);

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
	if (q && !query_params(q + 1, srq.param, &srq.n_param, qbuf, sizeof qbuf))
		srq.too_many_params = true;
	const cJSON *inm = cJSON_GetObjectItemCaseSensitive(req, "ifNoneExist");
	const cJSON *im = cJSON_GetObjectItemCaseSensitive(req, "ifMatch");
	srq.if_none_exist = cJSON_IsString(inm) ? inm->valuestring : NULL;
	srq.if_match = cJSON_IsString(im) ? im->valuestring : NULL;
	if (!strcmp(srq.path, "/") || !strncmp(srq.path, "/auth", 5))
		reg_reply_oo(srs, 400, "not-supported", "BUNDLE-ENTRY",
		             "A Bundle entry cannot be a Bundle or a login.", expr);
	else
		dispatch(&sx, &srq, res);
}

static cJSON *entry_response(struct reg_response *srs)
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
	else if (rb)
		cJSON_AddItemToObject(oe, "resource", rb);
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
		if (!known_type(type))
			continue; /* the entry itself will fail with a clear message */
		char existing[VAX_ID_LEN] = "";
		const cJSON *inm = cJSON_GetObjectItemCaseSensitive(req, "ifNoneExist");
		if (cJSON_IsString(inm) && *inm->valuestring) {
			struct reg_param ps[REG_MAX_PARAMS];
			int np;
			char buf[1024];
			struct search s;
			struct reg_response srs = {0};
			struct ctx sx = *x;
			sx.rs = &srs;
			if (!query_params(inm->valuestring, ps, &np, buf, sizeof buf) ||
			    !search_build(&sx, type, ps, np, &s)) {
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
			int got = store_search(x->a->st, &s.q, r, ids, &total, NULL);
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
				find_by_uuid(x, type, val->valuestring + 9, existing, sizeof existing);
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

static void do_bundle(struct ctx *x, const cJSON *body)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(body, "resourceType");
	const cJSON *bt = cJSON_GetObjectItemCaseSensitive(body, "type");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Bundle")) {
		reg_reply_oo(x->rs, 400, "invalid", "BUNDLE",
		             "POST / takes a Bundle of type transaction or batch.", "resourceType");
		return;
	}
	bool tx = cJSON_IsString(bt) && !strcmp(bt->valuestring, "transaction");
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
		if (!store_begin(x->a->st, &err)) {
			reply_err(x->rs, &err);
			failed = true;
		} else if (!tx_resolve(x, te, n, map, &nmap)) {
			store_rollback(x->a->st);
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
			store_rollback(x->a->st);
			reply_tx_failure(x, &srs, te[i].idx);
			failed = true;
		} else {
			out_entries[te[i].idx] = entry_response(&srs);
		}
		reg_response_free(&srs);
	}
	if (!failed && tx && !store_commit(x->a->st, &err)) {
		store_rollback(x->a->st);
		reply_err(x->rs, &err);
		failed = true;
	}
	if (!failed) {
		cJSON *out = new_bundle(tx ? "transaction-response" : "batch-response");
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

/* ---- CapabilityStatement ------------------------------------------------------ */

static void do_metadata(struct ctx *x)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "resourceType", "CapabilityStatement");
	cJSON_AddStringToObject(c, "status", "active");
	char date[DATE_ISO_LEN];
	date_format_iso(today(x->rq), date);
	cJSON_AddStringToObject(c, "date", date);
	cJSON_AddStringToObject(c, "kind", "instance");
	cJSON *sw = cJSON_AddObjectToObject(c, "software");
	cJSON_AddStringToObject(sw, "name", "vaxregd");
	cJSON_AddStringToObject(sw, "version", reg_version());
	cJSON_AddStringToObject(c, "fhirVersion", "4.0.1");
	cJSON *fmt = cJSON_AddArrayToObject(c, "format");
	cJSON_AddItemToArray(fmt, cJSON_CreateString("application/fhir+json"));
	cJSON *rest = cJSON_AddArrayToObject(c, "rest");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToArray(rest, r);
	cJSON_AddStringToObject(r, "mode", "server");
	cJSON *sec = cJSON_AddObjectToObject(r, "security");
	cJSON_AddStringToObject(
	    sec, "description",
	    "OAuth2 password grant at /auth/token (with org_code); bearer tokens bound to one organization.");
	cJSON *ress = cJSON_AddArrayToObject(r, "resource");
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", types[i]);
		cJSON *ia = cJSON_AddArrayToObject(o, "interaction");
		static const char *ro[] = {"read", "vread", "history-instance", "search-type"};
		static const char *rw[] = {"read",   "vread", "history-instance", "search-type", "create",
		                           "update", "delete"};
		bool writable = strcmp(types[i], "Organization") != 0;
		const char **l = writable ? rw : ro;
		int nl = writable ? 7 : 4;
		for (int k = 0; k < nl; k++) {
			cJSON *it = cJSON_CreateObject();
			cJSON_AddStringToObject(it, "code", l[k]);
			cJSON_AddItemToArray(ia, it);
		}
		cJSON_AddStringToObject(o, "versioning", "versioned-update");
		cJSON_AddBoolToObject(o, "conditionalCreate", writable);
		cJSON *sp = cJSON_AddArrayToObject(o, "searchParam");
		static const char *all[] = {"_id",
		                            "family",
		                            "given",
		                            "birthdate",
		                            "gender",
		                            "identifier",
		                            "address-postalcode",
		                            "quick",
		                            "patient",
		                            "date",
		                            "status",
		                            "vaccine-code",
		                            "member",
		                            "name"};
		for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
			if (strcmp(all[k], "_id") && !is_param(types[i], all[k]))
				continue;
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", all[k]);
			cJSON_AddStringToObject(
			    p, "type",
			    !strcmp(all[k], "birthdate") || !strcmp(all[k], "date")   ? "date"
			    : !strcmp(all[k], "patient") || !strcmp(all[k], "member") ? "reference"
			    : !strcmp(all[k], "family") || !strcmp(all[k], "given") ||
			            !strcmp(all[k], "name") || !strcmp(all[k], "quick") ||
			            !strcmp(all[k], "address-postalcode")
			        ? "string"
			        : "token");
			cJSON_AddItemToArray(sp, p);
		}
		if (!strcmp(types[i], "Patient")) {
			cJSON *ops = cJSON_AddArrayToObject(o, "operation");
			cJSON *op = cJSON_CreateObject();
			cJSON_AddStringToObject(op, "name", "match");
			cJSON_AddStringToObject(op, "definition",
			                        "http://hl7.org/fhir/OperationDefinition/Patient-match");
			cJSON_AddItemToArray(ops, op);
		}
		if (!strcmp(types[i], "Group") && x->a->cfg.school && x->a->cfg.cdsi) {
			cJSON *ops = cJSON_AddArrayToObject(o, "operation");
			cJSON *op = cJSON_CreateObject();
			cJSON_AddStringToObject(op, "name", "school-compliance");
			cJSON_AddStringToObject(
			    op, "definition",
			    "https://vaxdesk.org/fhir/OperationDefinition/Group-school-compliance");
			cJSON_AddItemToArray(ops, op);
		}
		cJSON_AddItemToArray(ress, o);
	}
	if (x->a->cfg.cdsi) {
		cJSON *ops = cJSON_AddArrayToObject(r, "operation");
		cJSON *op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "name", "immds-forecast");
		cJSON_AddStringToObject(op, "definition",
		                        "http://hl7.org/fhir/us/immds/OperationDefinition/immds-forecast");
		cJSON_AddItemToArray(ops, op);
	}
	cJSON *inter = cJSON_AddArrayToObject(r, "interaction");
	cJSON *t1 = cJSON_CreateObject(), *t2 = cJSON_CreateObject();
	cJSON_AddStringToObject(t1, "code", "transaction");
	cJSON_AddStringToObject(t2, "code", "batch");
	cJSON_AddItemToArray(inter, t1);
	cJSON_AddItemToArray(inter, t2);
	reg_reply_json(x->rs, 200, c, CT_FHIR);
}

/* ---- $immds-forecast ------------------------------------------------------------------ */

/* The ImmDS forecast over the same CDSi engine vaxdesk runs offline. Nothing
 * is stored; the history comes in the request. Audited like a read of the
 * patient it names, since the request carries a client's record. */
static void do_immds(struct ctx *x, const cJSON *body)
{
	if (!x->a->cfg.cdsi) {
		reg_reply_oo(x->rs, 501, "not-supported", "IMMDS-NODATA",
		             "This registry has no CDSi supporting data loaded, so it cannot forecast.",
		             NULL);
		return;
	}
	struct vax_error err = {0};
	cJSON *out = immds_forecast(x->a->cfg.cdsi, body, &err);
	if (!out) {
		if (!strcmp(err.code, "IMMDS-PARAM")) {
			/* the message starts with the parameter, e.g. "immunization[2]: ..." */
			char expr[64];
			size_t k = strcspn(err.message, ": ");
			snprintf(expr, sizeof expr, "%.*s", k < sizeof expr ? (int)k : 0, err.message);
			reg_reply_oo(x->rs, 400, "invalid", err.code, err.message, expr[0] ? expr : NULL);
		} else
			reply_err(x->rs, &err);
		return;
	}
	const char *pid = "";
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(body, "parameter"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
		const cJSON *id =
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "resource"), "id");
		if (cJSON_IsString(name) && !strcmp(name->valuestring, "patient") && cJSON_IsString(id))
			pid = id->valuestring;
	}
	audit(x, "forecast", "Patient", pid);
	reg_reply_json(x->rs, 200, out, CT_FHIR);
}

/* ---- Group/{id}/$school-compliance ------------------------------------------------------ */

/* One student's doses for CDSi: given ones only (refusals and records
 * entered in error are not doses). Returns the count, or -1 on a store
 * error. *doses is malloc'd. */
static int student_doses(struct ctx *x, const char *pid, struct cdsi_dose **doses)
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	int n = 0, cap = 0, offset = 0;
	*doses = NULL;
	for (;;) {
		struct store_query q = {.type = "Immunization", .n = 1, .offset = offset, .count = 100};
		q.cond[0] = (struct store_cond){.kind = SC_TERM, .key = "patient", .value = ref};
		struct store_res r[100];
		char ids[100][65];
		long total = 0;
		int got = store_search(x->a->st, &q, r, ids, &total, NULL);
		if (got < 0)
			return -1;
		for (int i = 0; i < got; i++) {
			cJSON *j = cJSON_Parse(r[i].json);
			store_res_free(&r[i]);
			struct immunization *im = calloc(1, sizeof *im);
			if (!im)
				abort();
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
			bool given = cJSON_IsString(st) && !strcmp(st->valuestring, "completed");
			if (j && given && fhir_immunization_from_json(j, im, NULL) && !im->refused &&
			    !im->entered_in_error && im->date_given != DATE_NONE && atoi(im->cvx) > 0) {
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					*doses = realloc(*doses, (size_t)cap * sizeof **doses);
					if (!*doses)
						abort();
				}
				struct cdsi_dose *d = &(*doses)[n++];
				memset(d, 0, sizeof *d);
				d->date = im->date_given;
				d->cvx = atoi(im->cvx);
				snprintf(d->mvx, sizeof d->mvx, "%s", im->mvx);
				d->lot_expiration = im->expiration;
			}
			free(im);
			cJSON_Delete(j);
		}
		offset += got;
		if (got < 100 || offset >= total || offset >= 2000)
			break;
	}
	return n;
}

/* Check one student; the answer's entry for them (never NULL). */
static cJSON *student_compliance(struct ctx *x, const char *pid, int grade, vax_date on, bool *compliant)
{
	cJSON *o = cJSON_CreateObject();
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	cJSON_AddStringToObject(o, "patient", ref);
	*compliant = false;
	struct store_res r;
	struct vax_error err = {0};
	int found = store_read(x->a->st, "Patient", pid, 0, &r, &err);
	cJSON *j = found > 0 && !r.deleted ? cJSON_Parse(r.json) : NULL;
	store_res_free(&r);
	struct client c;
	if (!j || !fhir_patient_from_json(j, &c, NULL) || c.dob == DATE_NONE) {
		cJSON_Delete(j);
		cJSON_AddStringToObject(o, "error",
		                        found < 0
		                            ? "The registry could not read this student."
		                            : "This student is not in the registry or has no date of birth.");
		return o;
	}
	cJSON_Delete(j);
	audit(x, "school-compliance", "Patient", pid);
	struct cdsi_dose *doses = NULL;
	int nd = student_doses(x, pid, &doses);
	if (nd < 0) {
		free(doses);
		cJSON_AddStringToObject(o, "error",
		                        "The registry could not read this student's immunizations.");
		return o;
	}
	struct cdsi_patient p = {.dob = c.dob,
	                         .gender = c.sex == SEX_FEMALE ? 'F'
	                                   : c.sex == SEX_MALE ? 'M'
	                                                       : 'U',
	                         .doses = doses,
	                         .ndoses = (size_t)nd};
	struct school_report rep = {0};
	if (!school_check(x->a->cfg.school, x->a->cfg.cdsi, &p, grade, on, &rep, &err)) {
		free(doses);
		cJSON_AddStringToObject(o, "error", err.message);
		return o;
	}
	free(doses);
	*compliant = rep.compliant;
	cJSON_AddBoolToObject(o, "compliant", rep.compliant);
	cJSON *reqs = cJSON_AddArrayToObject(o, "requirements");
	for (size_t i = 0; i < rep.nitems; i++) {
		const struct school_item *it = &rep.items[i];
		static const char *const status[] = {[SCHOOL_MET] = "met",
		                                     [SCHOOL_NOT_MET] = "not-met",
		                                     [SCHOOL_DUE] = "due",
		                                     [SCHOOL_EXEMPT] = "not-required"};
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "vaccine", it->label);
		cJSON_AddStringToObject(q, "status", status[it->status]);
		if (it->status == SCHOOL_DUE && it->due != DATE_NONE) {
			char iso[DATE_ISO_LEN];
			cJSON_AddStringToObject(q, "due", date_format_iso(it->due, iso));
		}
		cJSON_AddNumberToObject(q, "validDoses", it->valid_doses);
		cJSON_AddItemToArray(reqs, q);
	}
	school_report_free(&rep);
	return o;
}

/* Every student of a school list against the school requirements, for the
 * school (or the clinic) that keeps the list. A short JSON answer, see
 * doc/extensions.md. */
/* A POSTed Parameters' value[x] string for name, else the query's. */
static const char *op_param(struct ctx *x, const cJSON *body, const char *name)
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
	return param(x->rq, name);
}

static void do_school_compliance(struct ctx *x, const char *gid, const cJSON *body)
{
	if (strcmp(x->ss.role, "school") && strcmp(x->ss.role, "provider")) {
		char msg[200];
		snprintf(msg, sizeof msg, "Your role (%s) may not run school compliance reports.",
		         x->ss.role);
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
		return;
	}
	if (!x->a->cfg.school || !x->a->cfg.cdsi) {
		reg_reply_oo(
		    x->rs, 501, "not-supported", "SCHOOL-NODATA",
		    "This registry has no school requirements loaded, so it cannot check compliance.", NULL);
		return;
	}
	const char *gs = op_param(x, body, "grade");
	int grade = gs ? school_grade_parse(gs) : SCHOOL_GRADE_BAD;
	if (grade == SCHOOL_GRADE_BAD) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "grade: give PK, K or 1 to 12.", "grade");
		return;
	}
	const char *ds = op_param(x, body, "date");
	vax_date on = today(x->rq);
	if (ds && date_parse_iso(ds, &on) != DATE_OK) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "date: give the day as YYYY-MM-DD.",
		             "date");
		return;
	}
	struct store_res g;
	if (!load(x, "Group", gid, 0, &g))
		return; /* 404 also for another organization's list */
	cJSON *group = cJSON_Parse(g.json);
	store_res_free(&g);
	cJSON *out = cJSON_CreateObject();
	char buf[96];
	snprintf(buf, sizeof buf, "Group/%.64s", gid);
	cJSON_AddStringToObject(out, "group", buf);
	cJSON_AddStringToObject(out, "grade", gs);
	cJSON_AddStringToObject(out, "date", date_format_iso(on, buf));
	cJSON *students = cJSON_AddArrayToObject(out, "students");
	int total = 0, compliant = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(group, "member"))
	{
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m, "entity"), "reference");
		if (!cJSON_IsString(ref) || strncmp(ref->valuestring, "Patient/", 8) ||
		    !valid_id(ref->valuestring + 8))
			continue;
		bool ok;
		cJSON_AddItemToArray(students, student_compliance(x, ref->valuestring + 8, grade, on, &ok));
		total++;
		compliant += ok;
	}
	cJSON_Delete(group);
	cJSON_AddNumberToObject(out, "total", total);
	cJSON_AddNumberToObject(out, "compliant", compliant);
	reg_reply_json(x->rs, 200, out, CT_JSON);
}

/* ---- routing ------------------------------------------------------------------------- */

static void method_not_allowed(struct ctx *x, const char *allow)
{
	reg_reply_oo(x->rs, 405, "not-supported", "METHOD", "That method is not offered on this URL.", NULL);
	x->rs->allow = allow;
}

static void dispatch(struct ctx *x, const struct reg_request *rq, const cJSON *body)
{
	const struct reg_request *saved = x->rq;
	x->rq = rq;
	char path[1024];
	snprintf(path, sizeof path, "%s", rq->path);
	char *seg[5] = {0};
	int n = 0;
	for (char *sv = NULL, *s = strtok_r(path, "/", &sv); s; s = strtok_r(NULL, "/", &sv)) {
		if (n == 5) {
			n = 6;
			break;
		}
		seg[n++] = s;
	}
	const char *m = rq->method;
	bool get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
	bool write = !get;
	if (rq->too_many_params) {
		reg_reply_oo(x->rs, 400, "too-costly", "PARAMS", "Too many query parameters.", NULL);
		goto out;
	}
	const char *type = n >= 1 ? known_type(seg[0]) : NULL;
	if (!type) {
		char msg[200];
		snprintf(msg, sizeof msg, "'%.60s' is not a resource type this registry serves.",
		         n ? seg[0] : "");
		reg_reply_oo(x->rs, 404, "not-supported", "TYPE", msg, NULL);
		goto out;
	}
	if (n >= 2 && !valid_id(seg[1]) && strcmp(seg[1], "$match")) {
		reg_reply_oo(x->rs, 400, "invalid", "ID",
		             "A resource id has 1-64 letters, digits, '-' or '.'.", NULL);
		goto out;
	}
	bool op_no_body = n == 3 && !strcmp(seg[2], "$school-compliance") && !body;
	if (write && (!strcmp(m, "POST") || !strcmp(m, "PUT")) && !cJSON_IsObject(body) && !op_no_body) {
		reg_reply_oo(x->rs, 400, "structure", "JSON", "The body must be a JSON resource.", NULL);
		goto out;
	}
	if (n == 1) {
		if (get)
			do_search(x, type, rq->param, rq->n_param);
		else if (!strcmp(m, "POST"))
			do_create(x, type, body);
		else
			method_not_allowed(x, "GET, POST");
	} else if (n == 2 && !strcmp(seg[1], "$match")) {
		if (strcmp(type, "Patient") || strcmp(m, "POST"))
			method_not_allowed(x, "POST");
		else
			do_match(x, body);
	} else if (n == 2) {
		if (get)
			do_read(x, type, seg[1], 0);
		else if (!strcmp(m, "PUT"))
			do_update(x, type, seg[1], body);
		else if (!strcmp(m, "DELETE"))
			do_delete(x, type, seg[1]);
		else
			method_not_allowed(x, "GET, PUT, DELETE");
	} else if (n == 3 && !strcmp(seg[2], "$school-compliance") && !strcmp(type, "Group")) {
		if (strcmp(m, "GET") && strcmp(m, "POST"))
			method_not_allowed(x, "GET, POST");
		else
			do_school_compliance(x, seg[1], body);
	} else if (n == 3 && !strcmp(seg[2], "_history") && get) {
		do_history(x, type, seg[1]);
	} else if (n == 4 && !strcmp(seg[2], "_history") && get) {
		char *end;
		long v = strtol(seg[3], &end, 10);
		if (*end || v <= 0)
			reg_reply_oo(x->rs, 400, "invalid", "VERSION", "A version id is a positive number.",
			             NULL);
		else
			do_read(x, type, seg[1], v);
	} else {
		reg_reply_oo(x->rs, 404, "not-found", "URL", "No such URL on this registry.", NULL);
	}
out:
	x->rq = saved;
}

void registry_handle(struct registry *a, const struct reg_request *rq, struct reg_response *rs)
{
	memset(rs, 0, sizeof *rs);
	struct ctx x = {.a = a, .rq = rq, .rs = rs};
	int retry;
	if (!rq->admitted && registry_in_maintenance(a, rq->now, &retry)) {
		reg_reply_oo(rs, 503, "transient", "MAINTENANCE",
		             "The registry is down for scheduled maintenance; records can be entered offline "
		             "and will be "
		             "sent when it returns.",
		             NULL);
		rs->retry_after = retry;
		return;
	}
	if (!strcmp(rq->path, "/metadata")) {
		if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
			method_not_allowed(&x, "GET");
		else
			do_metadata(&x);
		return;
	}
	if (!strncmp(rq->path, "/auth/", 6)) {
		reg_auth_handle(&x);
		return;
	}
	if (!reg_authenticate(&x))
		return;
	cJSON *body = NULL;
	if (rq->body_len) {
		const char *end = NULL;
		body = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, false);
		if (!body) {
			char msg[200];
			size_t off = end && end >= rq->body ? (size_t)(end - rq->body) : 0;
			snprintf(msg, sizeof msg, "The body is not valid JSON (near byte %zu).", off);
			reg_reply_oo(rs, 400, "structure", "JSON", msg, NULL);
			return;
		}
	}
	if (!strcmp(rq->path, "/$immds-forecast")) {
		if (strcmp(rq->method, "POST"))
			method_not_allowed(&x, "POST");
		else if (!cJSON_IsObject(body))
			reg_reply_oo(rs, 400, "structure", "JSON",
			             "$immds-forecast takes a Parameters resource.", NULL);
		else
			do_immds(&x, body);
	} else if (!strcmp(rq->path, "/") || !strcmp(rq->path, "")) {
		if (strcmp(rq->method, "POST"))
			method_not_allowed(&x, "POST");
		else if (!cJSON_IsObject(body))
			reg_reply_oo(rs, 400, "structure", "JSON", "POST / takes a Bundle.", NULL);
		else
			do_bundle(&x, body);
	} else {
		dispatch(&x, rq, body);
	}
	cJSON_Delete(body);
}
