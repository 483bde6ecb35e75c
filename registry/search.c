/* registry/search.c - searches: query parameters to a store query, the
 * searchset Bundle with paging links, and _elements/_summary. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "registry/index.h"
#include "registry/routes_int.h"

bool reg_search_cond(struct reg_search *s, enum store_cond_kind k, const char *key, const char *v1,
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

bool reg_search_param_known(const char *type, const char *key)
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
static bool quick_search(struct ctx *x, struct reg_search *s, const char *v)
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
				return reg_search_cond(s, SC_RANGE, "birthdate", iso, iso);
			}
			s->quick_id = true;
			return reg_search_cond(s, SC_TERM, "identifier", words[0], NULL);
		}
	}
	int names = 0;
	for (int i = 0; i < n; i++) {
		vax_date d;
		if (date_parse_us(words[i], &d) == DATE_OK || date_parse_iso(words[i], &d) == DATE_OK) {
			char iso[DATE_ISO_LEN];
			date_format_iso(d, iso);
			reg_search_cond(s, SC_RANGE, "birthdate", iso, iso);
			continue;
		}
		char f[160];
		index_fold_name(words[i], f, sizeof f);
		if (!f[0])
			continue;
		reg_search_cond(s, SC_PREFIX, names == 0 ? "family" : "given", f, NULL);
		names++;
	}
	return true;
}

/* Turn query parameters into a store query; false after replying 400. */
bool reg_search_build(struct ctx *x, const char *type, const struct reg_param *ps, int np,
                      struct reg_search *s)
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
			s->count = c > reg_cfg(x->a)->page_max ? reg_cfg(x->a)->page_max : (int)c;
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
			ok = reg_search_cond(s, SC_ID, NULL, v, NULL);
		} else if (!reg_search_param_known(type, k)) {
			char why[160];
			snprintf(why, sizeof why,
			         "not a search parameter of %s on this registry (see /metadata).", type);
			return bad_param(x, k, why);
		} else if (!strcmp(k, "family") || !strcmp(k, "given") || !strcmp(k, "name")) {
			char f[160];
			index_fold_name(v, f, sizeof f);
			if (!f[0])
				return bad_param(x, k, "needs at least one letter or digit.");
			ok = reg_search_cond(s, SC_PREFIX, k, f, NULL);
		} else if (!strcmp(k, "birthdate") || !strcmp(k, "date")) {
			char lo[DATE_ISO_LEN], hi[DATE_ISO_LEN];
			if (!date_range(v, lo, hi))
				return bad_param(x, k,
				                 "must be a date YYYY-MM-DD (YYYY or YYYY-MM), optionally "
				                 "after eq, ge, gt, le or lt.");
			ok = reg_search_cond(s, SC_RANGE, k, lo, hi);
		} else if (!strcmp(k, "gender")) {
			if (strcmp(v, "female") && strcmp(v, "male") && strcmp(v, "other") &&
			    strcmp(v, "unknown"))
				return bad_param(x, k, "must be female, male, other or unknown.");
			ok = reg_search_cond(s, SC_TERM, k, v, NULL);
		} else if (!strcmp(k, "patient") || !strcmp(k, "member")) {
			char ref[200];
			if (strchr(v, '/'))
				snprintf(ref, sizeof ref, "%s", v);
			else
				snprintf(ref, sizeof ref, "Patient/%s", v);
			ok = reg_search_cond(s, SC_TERM, k, ref, NULL);
		} else if (!strcmp(k, "address-postalcode")) {
			char z[6];
			snprintf(z, sizeof z, "%.5s", v);
			ok = reg_search_cond(s, SC_TERM, k, z, NULL);
		} else if (!strcmp(k, "quick")) {
			if (!quick_search(x, s, v))
				return false;
		} else {
			ok = reg_search_cond(s, SC_TERM, k, v, NULL);
		}
		if (!ok)
			return bad_param(x, k, "too many search parameters.");
	}
	if (reg_owner_scoped(type))
		reg_search_cond(s, SC_OWNER, NULL, x->ss.org, NULL);
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

/* _elements and _summary: never send PHI that was not asked for. */
void reg_subset(cJSON *res, const char *type, const char *elements, const char *summary)
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

static void search_run(struct ctx *x, const char *type, const struct reg_param *ps, int np)
{
	struct reg_search s;
	if (!reg_search_build(x, type, ps, np, &s))
		return;
	struct vax_error err = {0};
	int cap = s.q.count;
	struct store_res *res = calloc((size_t)(cap ? cap : 1), sizeof *res);
	char(*ids)[65] = calloc((size_t)(cap ? cap : 1), sizeof *ids);
	long total = 0;
	int n = store_search(reg_store(x->a), &s.q, res, ids, &total, &err);
	if (n < 0) {
		free(res);
		free(ids);
		reg_reply_err(x->rs, &err);
		return;
	}
	cJSON *b = reg_bundle_new("searchset");
	cJSON_AddNumberToObject(b, "total", (double)total);
	cJSON *links = cJSON_AddArrayToObject(b, "link");
	add_link(links, "self", x, type, ps, np, s.offset, s.count);
	if (s.count > 0 && s.offset + s.count < total)
		add_link(links, "next", x, type, ps, np, s.offset + s.count, s.count);
	if (s.offset > 0)
		add_link(links, "previous", x, type, ps, np, s.offset > s.count ? s.offset - s.count : 0,
		         s.count);
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	for (int i = 0; i < n; i++) {
		cJSON *r = res[i].json ? cJSON_Parse(res[i].json) : NULL;
		store_res_free(&res[i]);
		if (!r)
			continue;
		reg_subset(r, type, s.elements, s.summary);
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
		store_audit_many(reg_store(x->a), x->ss.username, x->ss.org, "search", type,
		                 (const char(*)[65])ids, n, x->rq->now, NULL);
	free(res);
	free(ids);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

void reg_search(struct ctx *x)
{
	if (!reg_may_read(x, x->type)) {
		char msg[200];
		snprintf(msg, sizeof msg, "Your role (%s) may not see %s records.", x->ss.role, x->type);
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
		return;
	}
	search_run(x, x->type, x->rq->param, x->rq->n_param);
}
