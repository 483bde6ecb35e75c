/* registry/lots.c - the organization's vaccine lots on hand, as FHIR R4
 * Medication resources (core/lot.h; doc/extensions.md).
 *
 * Lots are the organization's own, like school lists (Group): only its
 * users see or change them (crud.c's owner scope), and a provider role
 * keeps them. The ordinary FHIR interactions serve them (create, read,
 * update with If-Match, delete, search GET /Medication), so every
 * workstation of the clinic reads the same list.
 *
 * A dose given here with a lot number counts one dose off the
 * organization's lot of that number (and vaccine) in the same transaction
 * as the dose; deleting the dose puts it back. A lot that cannot be found
 * or updated never stops the dose: the count is bookkeeping, the dose is
 * the clinical fact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codes.h"
#include "core/fhir.h"
#include "core/immunization.h"
#include "core/lot.h"
#include "core/vocab.h"
#include "registry/routes_int.h"

static bool refuse(struct ctx *x, const char *detail, const char *msg, const char *expr)
{
	reg_reply_oo(x->rs, 422, "invalid", detail, msg, expr);
	return false;
}

bool reg_lot_check(struct ctx *x, const cJSON *in)
{
	struct vax_lot l;
	struct vax_error err = {0};
	if (!lot_from_json(in, &l, &err))
		return reg_reply_invalid(x->rs, &err), false;
	const struct codes *c = reg_codes(x->a);
	if (c && !codes_cvx(c, l.cvx))
		return refuse(x, "V-CVX-UNKNOWN", rule_message(RULE_CVX_UNKNOWN), "Medication.code");
	if (c && l.mvx[0] && !codes_mvx(c, l.mvx))
		return refuse(x, "V-MVX-UNKNOWN", rule_message(RULE_MVX_UNKNOWN), "Medication.manufacturer");
	if (c && l.mvx[0] && !codes_mvx_matches_cvx(c, l.cvx, l.mvx))
		return refuse(x, "V-MVX-MISMATCH", rule_message(RULE_MVX_MISMATCH),
		              "Medication.manufacturer");
	if (l.funding[0] && !vocab_find(VOCAB_FUNDING, l.funding))
		return refuse(x, "V-CODE-UNKNOWN", "That funding source is not one of the allowed values.",
		              "Medication.extension");
	const char *why = lot_number_check(l.lot);
	if (why)
		return refuse(x, "V-LOT-FORMAT", why, "Medication.batch.lotNumber");
	return true; /* kept as sent, like every resource (accept.c) */
}

/* The organization's lot a dose names: the same lot number and vaccine,
 * else the same lot number alone. 1 found (*l, id, *json: the resource as
 * stored, the caller's), 0 none, -1 error. */
static int find_lot(struct ctx *x, const struct immunization *im, struct vax_lot *out, cJSON **json)
{
	*json = NULL;
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = "Medication";
	s.q.count = LOT_MAX;
	reg_search_cond(&s, SC_OWNER, NULL, x->ss.org, NULL);
	struct store_res *r = calloc(LOT_MAX, sizeof *r);
	char(*ids)[65] = calloc(LOT_MAX, sizeof *ids);
	long total = 0;
	struct vax_error err = {0};
	int n = r && ids ? store_search(reg_store(x->a), &s.q, r, ids, &total, &err) : -1;
	int found = n < 0 ? -1 : 0;
	for (int i = 0; i < n; i++) {
		cJSON *j = r[i].json ? cJSON_Parse(r[i].json) : NULL;
		struct vax_lot l;
		if (j && lot_from_json(j, &l, NULL) && lot_number_same(l.lot, im->lot)) {
			bool same_vaccine = !strcmp(l.cvx, im->cvx);
			if (same_vaccine || found == 0) {
				*out = l;
				snprintf(out->id, sizeof out->id, "%s", ids[i]);
				found = same_vaccine ? 2 : 1;
				cJSON_Delete(*json);
				*json = j;
				j = NULL;
			}
		}
		cJSON_Delete(j);
		store_res_free(&r[i]);
	}
	free(r);
	free(ids);
	return found > 0 ? 1 : found;
}

void reg_lots_dose(struct ctx *x, const cJSON *imm, int delta)
{
	struct immunization im;
	if (!imm || !fhir_immunization_from_json(imm, &im, NULL))
		return;
	/* only a dose given here takes a vial from the refrigerator */
	if (im.historical || im.refused || !im.lot[0] || (delta < 0 && im.entered_in_error))
		return;
	struct vax_lot l;
	cJSON *j;
	if (find_lot(x, &im, &l, &j) != 1) {
		cJSON_Delete(j);
		return;
	}
	l.doses += delta;
	if (l.doses < 0)
		l.doses = 0;
	/* the count changes in the lot as it is kept; the rest stays as sent */
	lot_set_doses(j, l.doses);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "meta");
	long version;
	struct vax_error err = {0};
	if (store_write(reg_store(x->a), "Medication", l.id, x->ss.org, j, false, x->rq->now, &version, &err))
		reg_audit(x, "update", "Medication", l.id);
	cJSON_Delete(j);
}
