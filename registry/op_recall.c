/* registry/op_recall.c - POST /Patient/$recall: the reminder/recall
 * selection (print/recall.h) over one slice of the organization's clients.
 *
 * The organization's clients are the Patients it registered, in name order.
 * A request names the criteria and a slice (offset, count up to 500); the
 * answer gives the number of clients in all, the selected clients of the
 * slice with the Patient as stored (its version is what vaxdesk's recorded
 * notice date builds on) and what is due, and the slice's tally by outcome.
 * vaxdesk asks slice after slice, showing how far it got, and can stop
 * between two. Every client examined is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/xalloc.h"
#include "print/recall.h"
#include "registry/routes_int.h"

void reg_op_recall(struct ctx *x)
{
	if (strcmp(x->ss.role, "provider")) {
		char msg[200];
		snprintf(msg, sizeof msg, "Your role (%s) may not run reminder/recall.", x->ss.role);
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
		return;
	}
	const struct cdsi_data *cdsi = reg_cfg(x->a)->cdsi;
	if (!cdsi) {
		reg_reply_oo(x->rs, 501, "not-supported", "RECALL-NODATA",
		             "This registry has no CDSi supporting data loaded, so it cannot forecast.",
		             NULL);
		return;
	}
	struct recall_criteria q;
	int offset, count;
	struct vax_error err = {0};
	if (!recall_criteria_from_json(x->body, cdsi, reg_today(x->rq), &q, &offset, &count, &err)) {
		char expr[32];
		snprintf(expr, sizeof expr, "%.*s", (int)strcspn(err.message, ":"), err.message);
		reg_reply_oo(x->rs, 400, "invalid", err.code, err.message, expr);
		return;
	}
	struct store *st = reg_store(x->a);
	struct store_query sq = {.type = "Patient", .n = 1, .offset = offset, .count = count};
	sq.cond[0] = (struct store_cond){.kind = SC_OWNER, .value = x->ss.org};
	struct store_res *res = xcalloc((size_t)count, sizeof *res);
	char(*ids)[65] = xcalloc((size_t)count, sizeof *ids);
	long total = 0;
	int got = store_search(st, &sq, res, ids, &total, &err);
	if (got < 0) {
		free(res);
		free(ids);
		reg_reply_err(x->rs, &err);
		return;
	}
	cJSON *page = recall_page_begin((int)total, offset, got, q.on);
	int outcomes[RECALL_OUTCOME_COUNT] = {0};
	bool failed = false;
	for (int i = 0; i < got && !failed; i++) {
		/* most exclusions need the Patient alone: no doses read for them */
		struct client pc;
		cJSON *pj0 = res[i].json ? cJSON_Parse(res[i].json) : NULL;
		bool read = pj0 && fhir_patient_from_json(pj0, &pc, NULL);
		cJSON_Delete(pj0);
		if (read && recall_exclusion(&q, &pc) != RECALL_SELECTED) {
			outcomes[recall_exclusion(&q, &pc)]++;
			continue;
		}
		struct reg_history h;
		int r = reg_history_read(x, ids[i], &res[i], &h);
		failed = r < 0;
		if (r <= 0)
			continue;
		struct recall_result rr;
		struct vax_error e2 = {0};
		/* a history CDSi cannot read (a dose before birth) is not due anything it can name */
		if (!recall_check(&q, cdsi, reg_cfg(x->a)->school, &h.c, h.imms, h.n, &rr, &e2))
			rr.outcome = RECALL_NOT_DUE;
		outcomes[rr.outcome]++;
		if (rr.outcome == RECALL_SELECTED) {
			cJSON *pj = cJSON_Parse(res[i].json);
			recall_page_add(page, pj, &rr);
			cJSON_Delete(pj);
		}
		reg_history_free(&h);
	}
	for (int i = 0; i < got; i++)
		store_res_free(&res[i]);
	free(res);
	if (failed) {
		free(ids);
		cJSON_Delete(page);
		reg_reply_oo(x->rs, 500, "exception", "STORE", "The registry database failed.", NULL);
		return;
	}
	if (got > 0)
		store_audit_many(st, x->ss.username, x->ss.org, "recall", "Patient", (const char(*)[65])ids,
		                 got, x->rq->now, NULL);
	free(ids);
	recall_page_end(page, outcomes);
	reg_reply_json(x->rs, 200, page, CT_FHIR);
}
