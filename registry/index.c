/* registry/index.c - see index.h */
#include "registry/index.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/fhir.h"
#include "core/match.h"
#include "core/text.h"

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

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void add_identifiers(struct acc *a, const cJSON *res)
{
	const cJSON *id;
	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(res, "identifier"))
	{
		const char *sys = str(id, "system"), *val = str(id, "value");
		char buf[160];
		if (!val)
			continue;
		snprintf(buf, sizeof buf, "%s|%s", sys ? sys : "", val);
		add(a, "identifier", buf);
		add(a, "identifier", val); /* any system */
	}
}

static void add_ref(struct acc *a, const char *key, const cJSON *ref)
{
	add(a, key, str(ref, "reference"));
}

static void add_codes(struct acc *a, const char *key, const cJSON *cc)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
	{
		char buf[160];
		const char *sys = str(c, "system"), *code = str(c, "code");
		if (!code)
			continue;
		add(a, key, code);
		snprintf(buf, sizeof buf, "%s|%s", sys ? sys : "", code);
		add(a, key, buf);
	}
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
		/* $match's blocking keys (core/match.h): the same keys the offline
		 * store files a client under, so candidates are found alike. */
		struct client c;
		if (!strcmp(type, "Patient") && fhir_patient_from_json(res, &c, NULL)) {
			struct match_keys k;
			match_keys_record(&c, &k);
			for (int i = 0; i < k.n; i++)
				add(&a, "mkey", k.key[i]);
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
