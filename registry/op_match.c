/* registry/op_match.c - POST /Patient/$match: probabilistic matching with
 * the algorithm vaxdesk runs offline (core/match.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/match.h"
#include "registry/routes_int.h"

/* ---- $match ------------------------------------------------------------------ */

/* Candidates come from the blocking keys of core/match.h, stored as "mkey"
 * index terms (registry/index.c), and are scored with match_score(): the
 * same algorithm vaxdesk runs over its offline store, so a client found (or
 * not) at the desk is found (or not) here. */
struct cand {
	char id[65];
	double weight;
	struct match_result r;
	cJSON *res;
};

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	return a->weight < b->weight ? 1 : a->weight > b->weight ? -1 : strcmp(a->id, b->id);
}

#define MATCH_CANDS_MAX 400

/* Score the current Patients under one index term; keep graded ones. seen
 * holds every id already scored, so a record under many keys is scored once. */
static void gather(struct ctx *x, const char *key, const char *value, const struct client *in,
                   struct cand *cands, int *nc, char (*seen)[65], int *nseen)
{
	struct store_res r[100];
	char ids[100][65];
	long total;
	struct reg_search s;
	memset(&s, 0, sizeof s);
	reg_search_cond(&s, SC_TERM, key, value, NULL);
	s.q.type = "Patient";
	s.q.count = 100;
	int n = store_search(reg_store(x->a), &s.q, r, ids, &total, NULL);
	for (int i = 0; i < n; i++) {
		bool dup = false;
		for (int k = 0; k < *nseen && !dup; k++)
			dup = !strcmp(seen[k], ids[i]);
		cJSON *j = NULL;
		if (!dup && *nseen < MATCH_CANDS_MAX * 4 && *nc < MATCH_CANDS_MAX) {
			snprintf(seen[(*nseen)++], 65, "%.64s", ids[i]);
			j = cJSON_Parse(r[i].json);
		}
		store_res_free(&r[i]);
		/* a record no longer in use (inactive, merged into another) is no
		 * candidate: the one that replaced it is found on its own */
		struct client c;
		if (!j || fhir_patient_retired(j, NULL, 0) || !fhir_patient_from_json(j, &c, NULL)) {
			cJSON_Delete(j);
			continue;
		}
		struct match_result mr;
		match_score(in, &c, &mr);
		if (mr.grade == MATCH_NONE) {
			cJSON_Delete(j);
			continue;
		}
		snprintf(cands[*nc].id, 65, "%.64s", ids[i]);
		cands[*nc].weight = mr.weight;
		cands[*nc].r = mr;
		cands[*nc].res = j;
		(*nc)++;
	}
}

void reg_op_match(struct ctx *x)
{
	const cJSON *body = x->body;
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
		reg_reply_invalid(x->rs, &err);
		return;
	}
	struct cand *cands = calloc(MATCH_CANDS_MAX, sizeof *cands);
	char(*seen)[65] = calloc(MATCH_CANDS_MAX * 4, sizeof *seen);
	struct match_keys *keys = malloc(sizeof *keys);
	if (!cands || !seen || !keys)
		abort();
	int nc = 0, nseen = 0;
	match_keys_query(&in, keys);
	for (int i = 0; i < keys->n; i++)
		gather(x, "mkey", keys->key[i], &in, cands, &nc, seen, &nseen);
	free(keys);
	free(seen);
	qsort(cands, (size_t)nc, sizeof *cands, cand_cmp);
	cJSON *b = reg_bundle_new("searchset");
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
		reg_audit(x, "match", "Patient", cands[i].id);
		shown++;
	}
	cJSON_AddNumberToObject(b, "total", shown);
	cJSON_AddItemToObject(b, "entry", entries);
	free(cands);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}
