/* registry/dedup.c - see dedup.h */
#include "registry/dedup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/rules.h"
#include "registry/routes_int.h"

#define HISTORY_MAX 2000 /* doses of one client read for the check */

/* Did a person confirm this is another dose (meta.tag)? */
static bool confirmed(const cJSON *incoming)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(incoming, "meta"), *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(meta, "tag"))
	{
		const char *sys = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "system"));
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "code"));
		if (sys && code && !strcmp(sys, DEDUP_TAG_SYSTEM) && !strcmp(code, DEDUP_TAG_CODE))
			return true;
	}
	return false;
}

/* Every current dose of the client, with their ids; the count or -1. */
static int history(struct store *st, const char *client_id, struct immunization **doses, char (**ids)[65])
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", client_id);
	int n = 0, offset = 0;
	*doses = NULL;
	*ids = NULL;
	for (;;) {
		struct store_query q = {.type = "Immunization", .n = 1, .offset = offset, .count = 100};
		q.cond[0] = (struct store_cond){.kind = SC_TERM, .key = "patient", .value = ref};
		struct store_res r[100];
		char got_ids[100][65];
		long total = 0;
		int got = store_search(st, &q, r, got_ids, &total, NULL);
		if (got < 0)
			return -1;
		*doses = realloc(*doses, ((size_t)n + (size_t)got + 1) * sizeof **doses);
		*ids = realloc(*ids, ((size_t)n + (size_t)got + 1) * sizeof **ids);
		if (!*doses || !*ids)
			abort();
		for (int i = 0; i < got; i++) {
			cJSON *j = cJSON_Parse(r[i].json);
			store_res_free(&r[i]);
			if (j && fhir_immunization_from_json(j, &(*doses)[n], NULL)) {
				memcpy((*ids)[n], got_ids[i], sizeof got_ids[i]);
				n++;
			}
			cJSON_Delete(j);
		}
		offset += got;
		if (got < 100 || offset >= total || offset >= HISTORY_MAX)
			break;
	}
	return n;
}

bool dedup_check(struct store *st, const struct codes *codes, const cJSON *incoming, const cJSON *dose,
                 struct reg_response *rs)
{
	struct immunization *im = malloc(sizeof *im);
	if (!im)
		abort();
	bool ok = true;
	if (confirmed(incoming) || !fhir_immunization_from_json(dose, im, NULL) || !im->client_id[0])
		goto out;
	struct immunization *have;
	char(*ids)[65];
	int n = history(st, im->client_id, &have, &ids);
	if (n < 0) {
		reg_reply_oo(rs, 500, "exception", "STORE", "The registry database failed.", NULL);
		ok = false;
		goto out;
	}
	/* "today" only matters to the date rules, which are not run here */
	struct rule_ctx ctx = {.today = im->date_given, .codes = codes};
	struct rule_report rep;
	rules_report_init(&rep);
	int hit = rules_check_duplicate(&ctx, im, have, n, &rep);
	if (hit >= 0) {
		char msg[400], ref[96];
		snprintf(ref, sizeof ref, "Immunization/%.64s", ids[hit]);
		snprintf(
		    msg, sizeof msg,
		    "Possible duplicate: the registry already has a dose of the same vaccine group for this "
		    "client (%s, %s). If this is another dose, a person confirms it and sends it again.",
		    ref, rep.v[0].detail);
		cJSON *oo = fhir_outcome_new("error", "duplicate", "DUPLICATE-DOSE", msg, "Immunization");
		cJSON *iss = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
		cJSON *ext = cJSON_AddArrayToObject(iss, "extension");
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", DEDUP_EXT_OF);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "valueReference"), "reference", ref);
		cJSON_AddItemToArray(ext, e);
		reg_reply_json(rs, 422, oo, NULL);
		ok = false;
	}
	free(have);
	free(ids);
out:
	free(im);
	return ok;
}

bool dedup_outcome_of(const cJSON *oo, char *ref, size_t cap)
{
	const cJSON *iss = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0), *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(iss, "extension"))
	{
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "url"));
		const char *to = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(e, "valueReference"), "reference"));
		if (url && to && !strcmp(url, DEDUP_EXT_OF)) {
			snprintf(ref, cap, "%s", to);
			return true;
		}
	}
	return false;
}
