/* registry/include.c - _revinclude on Patient searches: the doses,
 * responsible persons and consent of the clients found, in the same
 * searchset (search.mode "include"), so a client's record comes with the
 * search that found it: one round trip where a slow link paid four.
 *
 * What is taken: Immunization:patient, RelatedPerson:patient and
 * Consent:patient (anything else is a 400 naming what is). Every included
 * resource of every client on the page comes, or none does: past
 * REG_INCLUDED_MAX the search is refused as too costly rather than cut,
 * since a client reading a cut history would take missing doses for
 * doses never given. The self link carries the _revinclude parameters, so
 * a client can tell they were honoured (FHIR: the self link says what was
 * processed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/routes_int.h"

static const char *const supported[] = {"Immunization:patient", "RelatedPerson:patient", "Consent:patient"};
#define N_SUPPORTED (sizeof supported / sizeof *supported)

bool reg_revinclude_parse(struct ctx *x, const char *type, const char *v, struct reg_search *s)
{
	for (size_t i = 0; i < N_SUPPORTED; i++) {
		if (strcmp(v, supported[i]) || strcmp(type, "Patient"))
			continue;
		for (int k = 0; k < s->n_revinclude; k++)
			if (!strcmp(s->revinclude[k], v))
				return true;
		s->revinclude[s->n_revinclude++] = supported[i];
		return true;
	}
	char msg[300];
	snprintf(msg, sizeof msg,
	         "Search parameter '_revinclude': %.60s is not taken here; a Patient search takes "
	         "Immunization:patient, RelatedPerson:patient and Consent:patient.",
	         v);
	reg_reply_oo(x->rs, 400, "not-supported", "SEARCH-PARAM", msg, "_revinclude");
	return false;
}

/* The resources of type that point at Patient/pid, appended to entries;
 * -1 after replying (too costly, or the store failed). */
static int add_for(struct ctx *x, const char *type, const char *pid, cJSON *entries, int room)
{
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = type;
	char ref[100];
	snprintf(ref, sizeof ref, "Patient/%s", pid);
	reg_search_cond(&s, SC_TERM, "patient", ref, NULL);
	if (reg_owner_scoped(type))
		reg_search_cond(&s, SC_OWNER, NULL, x->ss.org, NULL);
	s.q.count = room + 1; /* one more than fits tells that it does not */
	struct store_res *res = calloc((size_t)s.q.count, sizeof *res);
	char(*ids)[65] = calloc((size_t)s.q.count, sizeof *ids);
	long total = 0;
	struct vax_error err = {0};
	int n = res && ids ? store_search(reg_store(x->a), &s.q, res, ids, &total, &err) : -1;
	if (n < 0 || n > room) {
		for (int i = 0; i < n; i++)
			store_res_free(&res[i]);
		free(res);
		free(ids);
		if (n < 0) {
			reg_reply_err(x->rs, &err);
		} else {
			char msg[200];
			snprintf(msg, sizeof msg,
			         "The clients found have more than %d records to include; search for fewer "
			         "clients or leave out _revinclude.",
			         REG_INCLUDED_MAX);
			reg_reply_oo(x->rs, 400, "too-costly", "SEARCH-INCLUDE", msg, "_revinclude");
		}
		return -1;
	}
	for (int i = 0; i < n; i++) {
		cJSON *r = res[i].json ? cJSON_Parse(res[i].json) : NULL;
		store_res_free(&res[i]);
		if (!r)
			continue;
		cJSON *e = cJSON_CreateObject();
		char url[512];
		snprintf(url, sizeof url, "%s/%s/%s", x->rq->base ? x->rq->base : "", type, ids[i]);
		cJSON_AddStringToObject(e, "fullUrl", url);
		cJSON_AddItemToObject(e, "resource", r);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "search"), "mode", "include");
		cJSON_AddItemToArray(entries, e);
	}
	store_audit_many(reg_store(x->a), x->ss.username, x->ss.org, "search", type, (const char(*)[65])ids,
	                 n, x->rq->now, NULL);
	free(res);
	free(ids);
	return n;
}

bool reg_revinclude_add(struct ctx *x, const struct reg_search *s, const char (*ids)[65], int n,
                        cJSON *entries)
{
	int room = REG_INCLUDED_MAX;
	for (int k = 0; k < s->n_revinclude; k++) {
		char type[32];
		snprintf(type, sizeof type, "%.*s", (int)strcspn(s->revinclude[k], ":"), s->revinclude[k]);
		for (int i = 0; i < n; i++) {
			int got = add_for(x, type, ids[i], entries, room);
			if (got < 0)
				return false;
			room -= got;
		}
	}
	return true;
}
