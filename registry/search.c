/* registry/search.c - searches: query parameters to a store query, the
 * searchset Bundle with paging links, and _elements/_summary. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"
#include "core/fhir.h"
#include "core/text.h"
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
	static const char *patient[] = {"family", "given",      "name",  "birthdate",
	                                "gender", "identifier", "quick", "address-postalcode",
	                                NULL};
	static const char *imm[] = {"patient", "identifier", "date", "status", "vaccine-code", NULL};
	static const char *byp[] = {"patient", "identifier", NULL};
	static const char *group[] = {"member", "name", "identifier", NULL};
	static const char *org[] = {"name", "identifier", NULL};
	static const char *lots[] = {"identifier", NULL};
	const char **list = !strcmp(type, "Patient")        ? patient
	                    : !strcmp(type, "Immunization") ? imm
	                    : !strcmp(type, "Group")        ? group
	                    : !strcmp(type, "Organization") ? org
	                    : !strcmp(type, "Medication")   ? lots
	                                                    : byp;
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], key))
			return true;
	return false;
}

/* Prefer: handling=lenient (FHIR R4 3.1.1.5.7): parameters the registry does
 * not take are left out of the search, and the answer says which; strict,
 * the default here, refuses them. */
static bool lenient(const struct reg_request *rq)
{
	return rq->prefer && strstr(rq->prefer, "handling=lenient");
}

/* The order the store keeps each type in (then by id): the _sort values
 * that name it are honoured, others refused. */
static bool sort_ok(const char *type, const char *v)
{
	if (!strcmp(type, "Patient"))
		return !strcmp(v, "family") || !strcmp(v, "family,given");
	if (!strcmp(type, "Immunization"))
		return !strcmp(v, "date");
	if (!strcmp(type, "Group") || !strcmp(type, "Organization"))
		return !strcmp(v, "name");
	return !strcmp(v, "_id");
}

static const char *sort_words(const char *type)
{
	return !strcmp(type, "Patient")                                  ? "family (or family,given)"
	       : !strcmp(type, "Immunization")                           ? "date"
	       : !strcmp(type, "Group") || !strcmp(type, "Organization") ? "name"
	                                                                 : "_id";
}

/* A token's value "system|code": the code when system is the one the
 * element's codes come from (or none), else NULL (no record can match). */
static const char *token_code(const char *v, const char *system)
{
	const char *bar = strchr(v, '|');
	if (!bar)
		return v;
	size_t n = (size_t)(bar - v);
	return n == 0 || (strlen(system) == n && !strncmp(v, system, n)) ? bar + 1 : NULL;
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

static void set_alt(struct reg_alt *a, enum store_cond_kind k, const char *key, const char *v1,
                    const char *v2)
{
	a->kind = k;
	a->key = key;
	snprintf(a->v1, sizeof a->v1, "%s", v1 ? v1 : "");
	snprintf(a->v2, sizeof a->v2, "%s", v2 ? v2 : "");
}

/* One value of parameter k as conditions (out[0..], all to hold; with
 * *either, any one of them): their count, 0 for one no record can match,
 * or -1 after replying 400. */
static int value_conds(struct ctx *x, const char *type, const char *k, const char *v, struct reg_alt *out,
                       bool *either)
{
	*either = false;
	if (!*v)
		return bad_param(x, k, "has no value."), -1;
	if (strlen(v) > 150)
		return bad_param(x, k, "is too long."), -1;
	if (!strcmp(k, "_id")) {
		set_alt(out, SC_ID, NULL, v, NULL);
		return 1;
	}
	if (!strcmp(k, "family") || !strcmp(k, "given") || !strcmp(k, "name")) {
		char f[160];
		index_fold_name(v, f, sizeof f);
		if (!f[0])
			return bad_param(x, k, "needs at least one letter or digit."), -1;
		if (!strcmp(k, "name") && !strcmp(type, "Patient")) {
			/* any part of any name: the family or a given name */
			set_alt(&out[0], SC_PREFIX, "family", f, NULL);
			set_alt(&out[1], SC_PREFIX, "given", f, NULL);
			*either = true;
			return 2;
		}
		set_alt(out, SC_PREFIX, k, f, NULL);
		return 1;
	}
	if (!strcmp(k, "birthdate") || !strcmp(k, "date")) {
		char lo[DATE_ISO_LEN], hi[DATE_ISO_LEN];
		if (!date_range(v, lo, hi))
			return bad_param(x, k,
			                 "must be a date YYYY-MM-DD (YYYY or YYYY-MM), optionally after eq, "
			                 "ge, gt, le or lt."),
			       -1;
		set_alt(out, SC_RANGE, k, lo, hi);
		return 1;
	}
	if (!strcmp(k, "gender") || !strcmp(k, "status")) {
		bool gender = !strcmp(k, "gender");
		const char *code = token_code(v, gender ? "http://hl7.org/fhir/administrative-gender"
		                                        : "http://hl7.org/fhir/event-status");
		if (!code)
			return 0; /* a code of another system: no record has one */
		if (gender && strcmp(code, "female") && strcmp(code, "male") && strcmp(code, "other") &&
		    strcmp(code, "unknown"))
			return bad_param(x, k, "must be female, male, other or unknown."), -1;
		if (!gender && strcmp(code, "completed") && strcmp(code, "entered-in-error") &&
		    strcmp(code, "not-done"))
			return bad_param(x, k, "must be completed, entered-in-error or not-done."), -1;
		set_alt(out, SC_TERM, k, code, NULL);
		return 1;
	}
	if (!strcmp(k, "patient") || !strcmp(k, "member")) {
		/* Patient/id, a bare id, or this registry's absolute URL of it */
		const char *base = x->rq->base ? x->rq->base : "";
		size_t bl = strlen(base);
		if (bl && !strncmp(v, base, bl) && v[bl] == '/')
			v += bl + 1;
		char ref[200];
		if (strchr(v, '/'))
			snprintf(ref, sizeof ref, "%s", v);
		else
			snprintf(ref, sizeof ref, "Patient/%s", v);
		set_alt(out, SC_TERM, k, ref, NULL);
		return 1;
	}
	if (!strcmp(k, "address-postalcode")) {
		char z[6];
		snprintf(z, sizeof z, "%.5s", v);
		set_alt(out, SC_TERM, k, z, NULL);
		return 1;
	}
	set_alt(out, SC_TERM, k, v, NULL);
	return 1;
}

/* Split a value at its commas (a\,b is one value "a,b"): at most max
 * values into buf; their count, or -1 if more. */
static int split_values(const char *v, char (*buf)[200], int max)
{
	int n = 0;
	size_t o = 0;
	buf[0][0] = '\0';
	for (const char *p = v;; p++) {
		if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) {
			p++;
		} else if (*p == ',' || !*p) {
			buf[n][o < 199 ? o : 199] = '\0';
			if (++n == max && *p)
				return -1;
			if (!*p)
				return n;
			o = 0;
			continue;
		}
		if (o < 199)
			buf[n][o] = *p;
		o++;
	}
}

static void note_ignored(struct reg_search *s, const char *k)
{
	size_t o = strlen(s->ignored);
	snprintf(s->ignored + o, sizeof s->ignored - o, "%s%s", o ? "," : "", k);
}

/* Parameters -> store query. search: a search of its own (a parameter may
 * list values; Prefer: handling is heard), not a condition. */
static bool build(struct ctx *x, const char *type, const struct reg_param *ps, int np, struct reg_search *s,
                  bool search)
{
	memset(s, 0, sizeof *s);
	s->q.type = type;
	s->count = 20;
	bool soft = search && lenient(x->rq);
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
		if (!strcmp(k, "_total")) {
			if (strcmp(v, "none") && strcmp(v, "estimate") && strcmp(v, "accurate"))
				return bad_param(x, k, "must be none, estimate or accurate.");
			s->total_none = !strcmp(v, "none");
			continue;
		}
		if (!strcmp(k, "_sort")) {
			if (sort_ok(type, v))
				continue;
			if (soft) {
				note_ignored(s, k);
				continue;
			}
			char why[200];
			snprintf(why, sizeof why,
			         "%s records are kept in one order, by %s; no other can be asked for.", type,
			         sort_words(type));
			return bad_param(x, k, why);
		}
		if (!strcmp(k, "_format") || !strcmp(k, "_pretty"))
			continue;
		if (!strcmp(k, "_revinclude")) {
			if (s->n_revinclude >= (int)(sizeof s->revinclude / sizeof *s->revinclude))
				return bad_param(x, k, "too many.");
			if (!reg_revinclude_parse(x, type, v, s))
				return false;
			continue;
		}
		if (strcmp(k, "_id") && !reg_search_param_known(type, k)) {
			if (soft) {
				note_ignored(s, k);
				continue;
			}
			char why[200];
			snprintf(why, sizeof why,
			         "not a search parameter of %s on this registry (see /metadata; Prefer: "
			         "handling=lenient leaves out what the registry does not take).",
			         type);
			return bad_param(x, k, why);
		}
		if (!strcmp(k, "quick")) {
			if (!*v)
				return bad_param(x, k, "has no value.");
			if (strlen(v) > 150)
				return bad_param(x, k, "is too long.");
			if (!quick_search(x, s, v))
				return false;
			continue;
		}
		char values[REG_MAX_ALT][200];
		int nv = split_values(v, values, REG_MAX_ALT);
		if (nv < 0)
			return bad_param(x, k, "lists more values than the registry takes (40).");
		if (nv > 1 && !search)
			return bad_param(x, k, "a condition cannot list values (a,b).");
		if (nv > 1 && s->nalt)
			return bad_param(x, k, "only one search parameter at a time may list values (a,b).");
		bool list = nv > 1;
		int alts = 0; /* alternatives this parameter gave */
		for (int j = 0; j < nv; j++) {
			struct reg_alt c[2];
			bool either;
			int nc = value_conds(x, type, k, values[j], c, &either);
			if (nc < 0)
				return false;
			if ((either || list) && !search)
				return bad_param(x, k, "a condition cannot search more than one field.");
			if (either && s->nalt && !list)
				return bad_param(
				    x, k, "only one search parameter at a time may list values (a,b).");
			if (nc == 0 && !list && !either) {
				/* no record can match: a condition that finds nothing */
				if (!reg_search_cond(s, SC_ID, NULL, "", NULL))
					return bad_param(x, k, "too many search parameters.");
				continue;
			}
			if (list || either) {
				for (int m = 0; m < nc; m++) {
					if (s->nalt >= REG_MAX_ALT)
						return bad_param(
						    x, k, "lists more values than the registry takes.");
					s->alt[s->nalt++] = c[m];
					alts++;
				}
				snprintf(s->listed, sizeof s->listed, "%s", k);
				continue;
			}
			if (!reg_search_cond(s, c[0].kind, c[0].key, c[0].v1, c[0].v2))
				return bad_param(x, k, "too many search parameters.");
		}
		/* a list whose every value is of another system: nothing can match */
		if (list && !alts && !reg_search_cond(s, SC_ID, NULL, "", NULL))
			return bad_param(x, k, "too many search parameters.");
	}
	if (reg_owner_scoped(type))
		reg_search_cond(s, SC_OWNER, NULL, x->ss.org, NULL);
	s->q.offset = s->offset;
	s->q.count = s->summary && !strcmp(s->summary, "count") ? 0 : s->count;
	return true;
}

bool reg_search_build(struct ctx *x, const char *type, const struct reg_param *ps, int np,
                      struct reg_search *s)
{
	return build(x, type, ps, np, s, false);
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
	fhir_keep_elements(res, keep, "id,meta");
	mark_subsetted(res);
}

cJSON *reg_stored_json(const char *json, const char *type, const char *elements, const char *summary)
{
	if (!json)
		return NULL;
	/* nothing cut: out as stored, without parsing and printing it again */
	if (!(elements && *elements) && !(summary && !strcmp(summary, "true")))
		return cJSON_CreateRaw(json);
	cJSON *j = cJSON_Parse(json);
	reg_subset(j, type, elements, summary);
	return j;
}

/* A page link: the search as GET, less what handling=lenient left out. */
static void add_link(cJSON *links, const char *rel, struct ctx *x, const char *type,
                     const struct reg_search *s, const struct reg_param *ps, int np, int offset, int count)
{
	char url[2048];
	size_t o = (size_t)snprintf(url, sizeof url, "%s/%s?", x->rq->base ? x->rq->base : "", type);
	for (int i = 0; i < np && o < sizeof url; i++) {
		if (!strcmp(ps[i].key, "_offset") || !strcmp(ps[i].key, "_count") ||
		    text_in_list(s->ignored, ps[i].key))
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

/* A search whose one parameter lists values matches what any value
 * matches: each alternative is searched (at most ALT_MATCHES records each),
 * the records merged in the order of the values, each once. The page
 * (s->offset, s->q.count) goes to res/ids; returns its size, -1 on a store
 * failure (err), -2 after replying (too many). */
#define ALT_MATCHES 1000
static int search_alternatives(struct ctx *x, const struct reg_search *s, struct store_res *res,
                               char (*ids)[65], long *total, struct vax_error *err)
{
	char(*seen)[65] = calloc(ALT_MATCHES, sizeof *seen);
	struct store_res *got = calloc(ALT_MATCHES, sizeof *got);
	char(*got_ids)[65] = calloc(ALT_MATCHES, sizeof *got_ids);
	if (!seen || !got || !got_ids)
		abort();
	int nseen = 0, n = 0, rc = 0;
	for (int a = 0; a < s->nalt && rc == 0; a++) {
		struct store_query q = s->q;
		if (q.n >= STORE_MAX_COND) {
			reg_reply_oo(x->rs, 400, "too-costly", "SEARCH-PARAM", "Too many search parameters.",
			             NULL);
			rc = -2;
			break;
		}
		const struct reg_alt *al = &s->alt[a];
		q.cond[q.n++] = (struct store_cond){al->kind, al->key, al->v1, al->v2};
		q.offset = 0;
		q.count = ALT_MATCHES;
		long t = 0;
		int k = store_search(reg_store(x->a), &q, got, got_ids, &t, err);
		if (k < 0) {
			rc = -1;
			break;
		}
		for (int i = 0; i < k; i++) {
			bool dup = false;
			for (int j = 0; j < nseen && !dup; j++)
				dup = !strcmp(seen[j], got_ids[i]);
			if (dup || nseen == ALT_MATCHES) {
				store_res_free(&got[i]);
				continue;
			}
			memcpy(seen[nseen], got_ids[i], sizeof seen[0]);
			if (nseen >= s->offset && n < s->q.count) {
				res[n] = got[i];
				memcpy(ids[n], got_ids[i], sizeof ids[0]);
				n++;
			} else {
				store_res_free(&got[i]);
			}
			nseen++;
		}
		if (t > k || nseen == ALT_MATCHES) {
			char msg[240];
			snprintf(msg, sizeof msg,
			         "The values of '%s' match more than %d records together: search for fewer "
			         "values at a time, or narrow the search.",
			         s->listed, ALT_MATCHES);
			reg_reply_oo(x->rs, 400, "too-costly", "SEARCH-TOO-MANY", msg, s->listed);
			rc = -2;
		}
	}
	if (rc)
		for (int i = 0; i < n; i++)
			store_res_free(&res[i]);
	free(seen);
	free(got);
	free(got_ids);
	*total = nseen;
	return rc ? rc : n;
}

static void search_run(struct ctx *x, const char *type, const struct reg_param *ps, int np)
{
	/* on the heap: the alternatives make it large for a worker's stack */
	struct reg_search *sp = malloc(sizeof *sp), *s = sp;
	if (!sp)
		abort();
	if (!build(x, type, ps, np, s, true)) {
		free(sp);
		return;
	}
	struct vax_error err = {0};
	int cap = s->q.count;
	struct store_res *res = calloc((size_t)(cap ? cap : 1), sizeof *res);
	char(*ids)[65] = calloc((size_t)(cap ? cap : 1), sizeof *ids);
	long total = 0;
	int n = s->nalt ? search_alternatives(x, s, res, ids, &total, &err)
	                : store_search(reg_store(x->a), &s->q, res, ids, &total, &err);
	if (n < 0) {
		free(res);
		free(ids);
		if (n == -1)
			reg_reply_err(x->rs, &err);
		free(sp);
		return;
	}
	cJSON *b = reg_bundle_new("searchset");
	if (!s->total_none)
		cJSON_AddNumberToObject(b, "total", (double)total);
	cJSON *links = cJSON_AddArrayToObject(b, "link");
	add_link(links, "self", x, type, s, ps, np, s->offset, s->count);
	if (s->count > 0 && s->offset + s->count < total)
		add_link(links, "next", x, type, s, ps, np, s->offset + s->count, s->count);
	if (s->offset > 0)
		add_link(links, "previous", x, type, s, ps, np,
		         s->offset > s->count ? s->offset - s->count : 0, s->count);
	cJSON *entries = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		cJSON *r = reg_stored_json(res[i].json, type, s->elements, s->summary);
		store_res_free(&res[i]);
		if (!r)
			continue;
		cJSON *e = cJSON_CreateObject();
		char url[512];
		snprintf(url, sizeof url, "%s/%s/%s", x->rq->base ? x->rq->base : "", type, ids[i]);
		cJSON_AddStringToObject(e, "fullUrl", url);
		cJSON_AddItemToObject(e, "resource", r);
		cJSON *se = cJSON_AddObjectToObject(e, "search");
		cJSON_AddStringToObject(se, "mode", "match");
		cJSON_AddItemToArray(entries, e);
	}
	if (s->n_revinclude && !reg_revinclude_add(x, s, (const char(*)[65])ids, n, entries)) {
		cJSON_Delete(entries);
		cJSON_Delete(b);
		free(res);
		free(ids);
		free(sp);
		return;
	}
	if (s->ignored[0]) {
		/* what handling=lenient left out, said in the answer */
		char msg[400];
		snprintf(msg, sizeof msg,
		         "The registry left out search parameters it does not take (Prefer: "
		         "handling=lenient): %s.",
		         s->ignored);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(
		    e, "resource", fhir_outcome_new("warning", "not-supported", "SEARCH-IGNORED", msg, NULL));
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "search"), "mode", "outcome");
		cJSON_AddItemToArray(entries, e);
	}
	if (cJSON_GetArraySize(entries))
		cJSON_AddItemToObject(b, "entry", entries);
	else
		cJSON_Delete(entries);
	if (strcmp(type, "Organization") != 0)
		store_audit_many(reg_store(x->a), x->ss.username, x->ss.org, "search", type,
		                 (const char(*)[65])ids, n, x->rq->now, NULL);
	free(res);
	free(ids);
	free(sp);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}

static bool may_search(struct ctx *x)
{
	if (reg_may_read(x, x->type))
		return true;
	char msg[200];
	snprintf(msg, sizeof msg, "Your role (%s) may not see %s records.", x->ss.role, x->type);
	reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
	return false;
}

void reg_search(struct ctx *x)
{
	if (may_search(x))
		search_run(x, x->type, x->rq->param, x->rq->n_param);
}

/* POST [type]/_search (R4 3.1.1.5.4): the parameters in a form body, with
 * any in the URL; answered as the GET would be. */
void reg_search_post(struct ctx *x)
{
	const struct reg_request *rq = x->rq;
	if (rq->body_len &&
	    (!rq->content_type || strncasecmp(rq->content_type, "application/x-www-form-urlencoded", 33))) {
		reg_reply_oo(x->rs, 415, "not-supported", "SEARCH-FORM",
		             "POST _search takes its parameters as a form (Content-Type: "
		             "application/x-www-form-urlencoded).",
		             NULL);
		return;
	}
	if (!may_search(x))
		return;
	struct reg_param ps[REG_MAX_PARAMS], pb[REG_MAX_PARAMS];
	int np = rq->n_param, nb = 0;
	memcpy(ps, rq->param, sizeof(struct reg_param) * (size_t)np);
	char *form = malloc(rq->body_len + 1), *buf = malloc(rq->body_len + 1);
	if (!form || !buf)
		abort();
	memcpy(form, rq->body ? rq->body : "", rq->body_len);
	form[rq->body_len] = '\0';
	if (!reg_query_params(form, pb, &nb, buf, rq->body_len + 1) || np + nb > REG_MAX_PARAMS) {
		reg_reply_oo(x->rs, 400, "too-costly", "PARAMS", "Too many search parameters.", NULL);
	} else {
		memcpy(ps + np, pb, sizeof(struct reg_param) * (size_t)nb);
		search_run(x, x->type, ps, np + nb);
	}
	free(form);
	free(buf);
}
