/* registry/index.c - see index.h */
#include "registry/index.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/match.h"
#include "core/text.h"

#include <time.h>

struct acc {
	struct index_term *t;
	int n, max;
};

static void add(struct acc *a, const char *key, const char *value)
{
	if (!value || !*value || a->n >= a->max)
		return;
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->t[i].key, key) && !strcmp(a->t[i].value, value))
			return;
	snprintf(a->t[a->n].key, sizeof a->t[a->n].key, "%s", key);
	snprintf(a->t[a->n].value, sizeof a->t[a->n].value, "%s", value);
	a->n++;
}

void index_fold_name(const char *in, char *out, size_t cap)
{
	text_fold(in, out, cap);
}

/* The whole name folded, and each word of it. */
static void add_name(struct acc *a, const char *key, const char *name)
{
	char whole[160], words[160];
	if (!name)
		return;
	text_fold(name, whole, sizeof whole);
	add(a, key, whole);
	text_fold_words(name, words, sizeof words);
	for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
		add(a, key, w);
}

/* Name search with a date of birth, as the front desk types it, reads one
 * narrow key: each family and given name term again, after the DOB
 * ("2019-03-15 GARCIA"), so family=garcia&birthdate=2019-03-15 is one
 * prefix of one key however many García or 2019-03-15 there are. */
static void add_with_dob(struct acc *a, const char *dob)
{
	if (!dob || strlen(dob) != 10)
		return;
	int n = a->n;
	for (int i = 0; i < n; i++) {
		const char *key = !strcmp(a->t[i].key, "family")  ? "dob-family"
		                  : !strcmp(a->t[i].key, "given") ? "dob-given"
		                                                  : NULL;
		char v[160];
		if (key && snprintf(v, sizeof v, "%s %s", dob, a->t[i].value) < (int)sizeof v)
			add(a, key, v);
	}
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* value 0x1f system, control characters made '?' so the separator is
 * the only one: the same on storing and on searching */
static void token(char *out, size_t cap, const char *val, size_t vlen, const char *sys)
{
	snprintf(out, cap, "%.*s\x1f%s", (int)vlen, val, sys ? sys : "");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && p != out + vlen)
			*p = '?';
}

static void add_token(struct acc *a, const char *key, const char *sys, const char *val)
{
	char buf[160];
	if (!val || !*val)
		return;
	token(buf, sizeof buf, val, strlen(val), sys);
	add(a, key, buf);
}

static void add_identifiers(struct acc *a, const cJSON *res)
{
	const cJSON *id;
	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(res, "identifier"))
	    add_token(a, "identifier", str(id, "system"), str(id, "value"));
}

static void add_ref(struct acc *a, const char *key, const cJSON *ref)
{
	add(a, key, str(ref, "reference"));
}

static void add_codes(struct acc *a, const char *key, const cJSON *cc)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
	    add_token(a, key, str(c, "system"), str(c, "code"));
}

int index_terms(const char *type, const cJSON *res, struct index_term *out, int max, char *sort,
                size_t sort_len)
{
	struct acc a = {out, 0, max};
	sort[0] = '\0';
	add_identifiers(&a, res);
	if (!strcmp(type, "Patient") || !strcmp(type, "RelatedPerson")) {
		const cJSON *n;
		bool first = true;
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(res, "name"))
		{
			const char *fam = str(n, "family");
			add_name(&a, "family", fam);
			const cJSON *g;
			const char *g0 = NULL;
			cJSON_ArrayForEach(
			    g, cJSON_GetObjectItemCaseSensitive(n, "given")) if (cJSON_IsString(g))
			{
				add_name(&a, "given", g->valuestring);
				if (!g0)
					g0 = g->valuestring;
			}
			if (first) {
				char f1[80], f2[80];
				text_fold(fam ? fam : "", f1, sizeof f1);
				text_fold(g0 ? g0 : "", f2, sizeof f2);
				snprintf(sort, sort_len, "%s %s", f1, f2);
				first = false;
			}
		}
		add(&a, "birthdate", str(res, "birthDate"));
		add_with_dob(&a, str(res, "birthDate"));
		add(&a, "gender", str(res, "gender"));
		add_ref(&a, "patient", cJSON_GetObjectItemCaseSensitive(res, "patient"));
		const cJSON *ad;
		cJSON_ArrayForEach(ad, cJSON_GetObjectItemCaseSensitive(res, "address"))
		{
			const char *zip = str(ad, "postalCode");
			if (zip) {
				char z5[6];
				snprintf(z5, sizeof z5, "%s", zip);
				add(&a, "address-postalcode", z5);
			}
		}
		/* $match's narrow blocking keys (core/match.h): a handful of
		 * clients each, even among millions */
		static __thread struct client c;
		static __thread struct match_keys k;
		if (!strcmp(type, "Patient") && fhir_patient_from_json(res, &c, NULL)) {
			match_block_record(&c, &k);
			for (int i = 0; i < k.n; i++)
				add(&a, "match", k.key[i]);
		}
	} else if (!strcmp(type, "Immunization")) {
		add_ref(&a, "patient", cJSON_GetObjectItemCaseSensitive(res, "patient"));
		const char *occ = str(res, "occurrenceDateTime");
		if (occ) {
			char d[11];
			snprintf(d, sizeof d, "%s", occ);
			add(&a, "date", d);
			snprintf(sort, sort_len, "%s", d);
		}
		add(&a, "status", str(res, "status"));
		add_codes(&a, "vaccine-code", cJSON_GetObjectItemCaseSensitive(res, "vaccineCode"));
	} else if (!strcmp(type, "Consent")) {
		add_ref(&a, "patient", cJSON_GetObjectItemCaseSensitive(res, "patient"));
	} else if (!strcmp(type, "Group")) {
		const cJSON *m;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(res, "member"))
		{
			const cJSON *inactive = cJSON_GetObjectItemCaseSensitive(m, "inactive");
			if (!cJSON_IsTrue(inactive))
				add_ref(&a, "member", cJSON_GetObjectItemCaseSensitive(m, "entity"));
		}
		const char *name = str(res, "name");
		add_name(&a, "name", name);
		if (name)
			snprintf(sort, sort_len, "%s", name);
	} else if (!strcmp(type, "Organization")) {
		const char *name = str(res, "name");
		add_name(&a, "name", name);
		if (name)
			snprintf(sort, sort_len, "%s", name);
	}
	return a.n;
}

static bool is_token(const char *key)
{
	return !strcmp(key, "identifier") || !strcmp(key, "vaccine-code");
}

/* The first string past every string that starts with p: p with its last
 * byte raised (0xff bytes dropped first). */
static void prefix_end(const char *p, char *out, size_t cap)
{
	size_t n = strlen(p);
	while (n > 0 && (unsigned char)p[n - 1] == 0xff)
		n--;
	if (n == 0 || n >= cap) {
		snprintf(out, cap, "\xff");
		return;
	}
	memcpy(out, p, n);
	out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
	out[n] = '\0';
}

void index_rewrite(const struct store_query *in, struct index_query *out)
{
	out->q = *in;
	if (strcmp(in->type, "Patient") != 0)
		return;
	/* one day of birth, as Basic and Quick search send it */
	int dob = -1;
	for (int i = 0; i < in->n && dob < 0; i++) {
		const struct store_cond *c = &in->cond[i];
		if (c->kind == SC_RANGE && !strcmp(c->key, "birthdate") && c->value &&
		    strlen(c->value) == 10 && c->value2 && !strcmp(c->value, c->value2))
			dob = i;
	}
	if (dob < 0)
		return;
	int n = 0, used = 0;
	for (int i = 0; i < in->n; i++) {
		const struct store_cond *c = &in->cond[i];
		bool name = c->kind == SC_PREFIX && (!strcmp(c->key, "family") || !strcmp(c->key, "given"));
		if (name) {
			snprintf(out->buf[i], sizeof out->buf[i], "%s %s", in->cond[dob].value, c->value);
			out->q.cond[n++] = (struct store_cond){
			    SC_PREFIX, !strcmp(c->key, "family") ? "dob-family" : "dob-given", out->buf[i],
			    NULL};
			used++;
		} else if (i != dob) {
			out->q.cond[n++] = *c;
		}
	}
	/* the DOB is in the composite terms now; without a name it stays */
	if (used == 0)
		return;
	out->q.n = n;
}

void index_range(enum store_cond_kind kind, const char *key, const char *v1, const char *v2,
                 struct index_range *r)
{
	v1 = v1 ? v1 : "";
	memset(r, 0, sizeof *r);
	switch (kind) {
	case SC_TERM:
		if (key && is_token(key)) {
			/* system|value exact; value alone any system; |value none */
			const char *bar = strchr(v1, '|');
			if (bar) {
				char sys[160];
				snprintf(sys, sizeof sys, "%.*s", (int)(bar - v1), v1);
				token(r->lo, sizeof r->lo, bar + 1, strlen(bar + 1), sys);
				r->exact = true;
			} else {
				token(r->lo, sizeof r->lo, v1, strlen(v1), "");
				prefix_end(r->lo, r->hi, sizeof r->hi);
			}
			return;
		}
		snprintf(r->lo, sizeof r->lo, "%s", v1);
		r->exact = true;
		return;
	case SC_PREFIX:
		snprintf(r->lo, sizeof r->lo, "%s", v1);
		prefix_end(r->lo, r->hi, sizeof r->hi);
		return;
	case SC_RANGE:
		/* inclusive upper bound: nothing sorts between v2 and v2 0x01 */
		snprintf(r->lo, sizeof r->lo, "%s", v1);
		if (v2 && *v2)
			snprintf(r->hi, sizeof r->hi, "%s\x01", v2);
		else
			snprintf(r->hi, sizeof r->hi, "\xff");
		return;
	case SC_ID:
	case SC_OWNER:
		break;
	}
	r->exact = true;
}

/* ---- $match ------------------------------------------------------------------ */

/* A client is 12 kB: each candidate's is allocated on its own, so the
 * array grows and sorts in small steps (one 14 kB element apiece went to
 * mmap and page faults at a million clients). */
struct mcand {
	char id[65];
	struct client *c;
	struct match_result r;
	cJSON *res;
};

static int mcand_cmp(const void *pa, const void *pb)
{
	const struct mcand *a = pa, *b = pb;
	if (a->r.grade != b->r.grade)
		return a->r.grade < b->r.grade ? 1 : -1;
	if (a->r.weight != b->r.weight)
		return a->r.weight < b->r.weight ? 1 : -1;
	return strcmp(a->id, b->id);
}

/* Score the Patients under keys not scored yet; false on a store failure. */
static bool match_gather(struct store *st, const struct client *q, const struct match_keys *k,
                         struct mcand **cp, int *nc, struct vax_error *err)
{
	const char *vals[MATCH_KEYS_MAX];
	for (int i = 0; i < k->n; i++)
		vals[i] = k->key[i];
	int room = INDEX_MATCH_CANDS - *nc;
	if (room <= 0 || k->n == 0)
		return true;
	struct store_res *r = malloc((size_t)room * sizeof *r);
	char(*ids)[65] = malloc((size_t)room * sizeof *ids);
	if (!r || !ids)
		abort();
	int n = store_search_any(st, "Patient", "match", vals, k->n, room, r, ids, err);
	struct mcand *c = realloc(*cp, (size_t)(*nc + (n > 0 ? n : 0) + 1) * sizeof *c);
	if (!c)
		abort();
	*cp = c;
	struct client *cl = NULL;
	for (int i = 0; i < n; i++) {
		bool seen = false;
		for (int j = 0; j < *nc && !seen; j++)
			seen = !strcmp(c[j].id, ids[i]);
		cJSON *j = seen ? NULL : cJSON_Parse(r[i].json);
		store_res_free(&r[i]);
		struct mcand *m = &c[*nc];
		if (!cl && !(cl = malloc(sizeof *cl)))
			abort();
		/* a record no longer in use (inactive, merged into another) is no
		 * candidate: the one that replaced it is found on its own */
		if (!j || fhir_patient_retired(j, NULL, 0) || !fhir_patient_from_json(j, cl, NULL)) {
			cJSON_Delete(j);
			continue;
		}
		snprintf(m->id, sizeof m->id, "%s", ids[i]);
		m->res = j;
		m->c = cl;
		cl = NULL;
		match_score(q, m->c, &m->r);
		(*nc)++;
	}
	free(cl);
	free(r);
	free(ids);
	return n >= 0;
}

int index_match(struct store *st, const struct client *q, struct index_cand *out, int max,
                struct vax_error *err)
{
	struct mcand *c = NULL;
	struct match_keys *k = malloc(sizeof *k);
	if (!k)
		abort();
	int nc = 0;
	match_block_query(q, k);
	bool ok = match_gather(st, q, k, &c, &nc, err);
	bool probable = false;
	for (int i = 0; i < nc && !probable; i++)
		probable = c[i].r.grade >= MATCH_PROBABLE;
	/* nothing probable: two fields wrong, or a client not on file */
	if (ok && !probable) {
		match_block_wide(q, k);
		ok = match_gather(st, q, k, &c, &nc, err);
	}
	free(k);
	int n = 0;
	if (ok) {
		const struct client **cl = malloc((size_t)(nc ? nc : 1) * sizeof *cl);
		struct match_result *rs = malloc((size_t)(nc ? nc : 1) * sizeof *rs);
		if (!cl || !rs)
			abort();
		for (int i = 0; i < nc; i++) {
			cl[i] = c[i].c;
			rs[i] = c[i].r;
		}
		match_twins(q, cl, rs, (size_t)nc);
		for (int i = 0; i < nc; i++)
			c[i].r = rs[i];
		free(cl);
		free(rs);
		if (nc)
			qsort(c, (size_t)nc, sizeof *c, mcand_cmp);
		for (int i = 0; i < nc; i++) {
			if (n < max && c[i].r.grade != MATCH_NONE) {
				snprintf(out[n].id, sizeof out[n].id, "%s", c[i].id);
				out[n].r = c[i].r;
				out[n].res = c[i].res;
				n++;
			} else {
				cJSON_Delete(c[i].res);
			}
		}
	} else {
		for (int i = 0; i < nc; i++)
			cJSON_Delete(c[i].res);
	}
	for (int i = 0; i < nc; i++)
		free(c[i].c);
	free(c);
	return ok ? n : -1;
}

/* ---- stored form ---------------------------------------------------------------- */

static void format_instant(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Set id, meta.versionId and meta.lastUpdated and put them right after
 * resourceType, as people expect to read them. */
void index_stamp(cJSON *res, const char *id, long v, int64_t now)
{
	char vbuf[24], when[32];
	snprintf(vbuf, sizeof vbuf, "%ld", v);
	format_instant(now, when, sizeof when);
	cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
	cJSON *idj = cJSON_CreateString(id);
	cJSON *meta = cJSON_CreateObject();
	cJSON_AddStringToObject(meta, "versionId", vbuf);
	cJSON_AddStringToObject(meta, "lastUpdated", when);
	cJSON *rt = cJSON_DetachItemFromObjectCaseSensitive(res, "resourceType");
	cJSON *rest = res->child;
	res->child = NULL;
	if (rt)
		cJSON_AddItemToObject(res, "resourceType", rt);
	cJSON_AddItemToObject(res, "id", idj);
	cJSON_AddItemToObject(res, "meta", meta);
	/* the other members, in their order, after meta */
	cJSON *last = meta;
	last->next = rest;
	if (rest)
		rest->prev = last;
	while (last->next)
		last = last->next;
	res->child->prev = last;
}

struct store_ready *store_ready_new(const char *type, const char *id, const char *org, cJSON *res,
                                    int64_t now, struct vax_error *err)
{
	struct store_ready *r = calloc(1, sizeof *r);
	if (!r) {
		error_set(err, "STORE", "Out of memory.");
		return NULL;
	}
	snprintf(r->type, sizeof r->type, "%s", type);
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->org, sizeof r->org, "%s", org ? org : "");
	r->now = now;
	index_stamp(res, id, 1, now);
	r->json = cJSON_PrintUnformatted(res);
	r->n = index_terms(type, res, r->t, INDEX_MAX_TERMS, r->sort, sizeof r->sort);
	index_own_uuid(res, r->uuid, sizeof r->uuid);
	if (!r->json) {
		free(r);
		error_set(err, "STORE", "Out of memory.");
		return NULL;
	}
	return r;
}

void store_ready_free(struct store_ready *r)
{
	if (r) {
		cJSON_free(r->json);
		free(r);
	}
}

void index_own_uuid(const cJSON *res, char *buf, size_t len)
{
	const cJSON *id;
	buf[0] = '\0';
	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(res, "identifier"))
	{
		const char *sys = str(id, "system"), *val = str(id, "value");
		if (sys && val && !strcmp(sys, "urn:ietf:rfc:3986") && !strncmp(val, "urn:uuid:", 9)) {
			snprintf(buf, len, "%s", val + 9);
			return;
		}
	}
}
