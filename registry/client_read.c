/* registry/client_read.c - a client and every dose of theirs as the reports
 * need them (provider summary, recall): the mapped records, who recorded
 * each dose and the day the registry first had it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/xalloc.h"
#include "registry/routes_int.h"

void reg_history_free(struct reg_history *h)
{
	free(h->imms);
	free(h->org);
	free(h->received);
	memset(h, 0, sizeof *h);
}

static bool add_imm(void *u, const char *id, const struct store_res *r, int64_t created)
{
	struct reg_history *h = u;
	cJSON *j = r->json ? cJSON_Parse(r->json) : NULL;
	if (!j)
		return true;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 32;
		h->imms = xrealloc(h->imms, h->cap * sizeof *h->imms);
		h->org = xrealloc(h->org, h->cap * sizeof *h->org);
		h->received = xrealloc(h->received, h->cap * sizeof *h->received);
	}
	struct immunization *im = &h->imms[h->n];
	if (fhir_immunization_from_json(j, im, NULL)) {
		snprintf(im->id, sizeof im->id, "%s", id);
		snprintf(h->org[h->n], sizeof h->org[0], "%s", r->org);
		h->received[h->n] = (vax_date)(created / 86400);
		h->n++;
	}
	cJSON_Delete(j);
	return true;
}

int reg_history_read(struct ctx *x, const char *pid, const struct store_res *patient, struct reg_history *h)
{
	memset(h, 0, sizeof *h);
	struct store_res own;
	const struct store_res *p = patient;
	if (!p) {
		int found = store_read(reg_store(x->a), "Patient", pid, 0, &own, NULL);
		if (found <= 0)
			return found;
		p = &own;
	}
	cJSON *j = !p->deleted && p->json ? cJSON_Parse(p->json) : NULL;
	bool ok = j && fhir_patient_from_json(j, &h->c, NULL);
	cJSON_Delete(j);
	if (!patient)
		store_res_free(&own);
	if (!ok)
		return 0;
	snprintf(h->c.id, sizeof h->c.id, "%s", pid);
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	struct store_query q = {.type = "Immunization", .n = 1};
	q.cond[0] = (struct store_cond){.kind = SC_TERM, .key = "patient", .value = ref};
	if (!store_walk(reg_store(x->a), &q, add_imm, h, NULL)) {
		reg_history_free(h);
		return -1;
	}
	return 1;
}
