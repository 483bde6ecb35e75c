/* registry/op_match.c - POST /Patient/$match: probabilistic matching with
 * the algorithm vaxdesk runs offline (core/match.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/match.h"
#include "registry/index.h"
#include "registry/routes_int.h"

/* ---- $match ------------------------------------------------------------------ */

/* Candidates and scores come from index_match() (registry/index.c): the
 * same algorithm vaxdesk runs over its offline store, so a client found (or
 * not) at the desk is found (or not) here. */

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
	int max = only_certain ? 100 : count;
	struct index_cand *cands = malloc((size_t)max * sizeof *cands);
	if (!cands)
		abort();
	int nc = index_match(reg_store(x->a), &in, cands, max, &err);
	if (nc < 0) {
		free(cands);
		reg_reply_err(x->rs, &err);
		return;
	}
	cJSON *b = reg_bundle_new("searchset");
	cJSON *entries = cJSON_CreateArray();
	int shown = 0;
	char(*seen)[65] = malloc((size_t)(nc ? nc : 1) * sizeof *seen);
	if (!seen)
		abort();
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
		snprintf(seen[shown], sizeof seen[shown], "%s", cands[i].id);
		shown++;
	}
	/* every client shown, audited in one write, as a search's are (a
	 * commit each cost more than the matching) */
	store_audit_many(reg_store(x->a), x->ss.username, x->ss.org, "match", "Patient",
	                 (const char(*)[65])seen, shown, x->rq->now, NULL);
	free(seen);
	cJSON_AddNumberToObject(b, "total", shown);
	cJSON_AddItemToObject(b, "entry", entries);
	free(cands);
	reg_reply_json(x->rs, 200, b, CT_FHIR);
}
