/* print/recall.c - see recall.h. */
#include "print/recall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "print/history.h"

#define RECALL_CODE(e, code, label) code,
static const char *const codes[] = {RECALL_OUTCOMES(RECALL_CODE)};
#undef RECALL_CODE
#define RECALL_LABEL(e, code, label) label,
static const char *const labels[] = {RECALL_OUTCOMES(RECALL_LABEL)};
#undef RECALL_LABEL

const char *recall_outcome_code(enum recall_outcome o)
{
	return o < RECALL_OUTCOME_COUNT ? codes[o] : "";
}

const char *recall_outcome_label(enum recall_outcome o)
{
	return o < RECALL_OUTCOME_COUNT ? labels[o] : "";
}

int recall_outcome_parse(const char *code)
{
	for (int i = 0; i < RECALL_OUTCOME_COUNT; i++)
		if (code && !strcmp(code, codes[i]))
			return i;
	return -1;
}

bool recall_address_viable(const struct client *c)
{
	if (c->no_viable_address || c->n_addr < 1)
		return false;
	const struct address *a = &c->addr[0];
	return a->line1[0] && a->city[0] && a->state[0] && a->zip[0];
}

bool recall_client_active(const struct client *c)
{
	return c->org_status == ORG_STATUS_ACTIVE && !c->deceased;
}

int recall_school_grade(vax_date dob, vax_date on)
{
	int y, m, d;
	date_to_ymd(on, &y, &m, &d);
	vax_date sept1 = date_from_ymd(m >= 9 ? y : y - 1, 9, 1);
	int age = date_age_years(dob, sept1);
	return age < 5 ? SCHOOL_GRADE_PK : age - 5 > 12 ? 12 : age - 5;
}

static bool chosen(const struct recall_criteria *q, int group)
{
	for (size_t i = 0; i < q->ngroups; i++)
		if (q->groups[i] == group)
			return true;
	return false;
}

/* Add the group's next dose when it is due (or overdue, for a recall). */
static void consider(const struct recall_criteria *q, const struct cdsi_data *d,
                     const struct cdsi_group_result *g, bool required, struct recall_result *out)
{
	if (out->ndue >= RECALL_MAX_DUE)
		return;
	vax_date due = g->recommended != DATE_NONE ? g->recommended : g->earliest;
	bool overdue = g->past_due != DATE_NONE && g->past_due <= q->on;
	if (required) {
		/* a school requirement not met: needed now, whatever ACIP's dates */
		if (g->status != CDSI_NOT_COMPLETE || due == DATE_NONE || due > q->on)
			due = q->on;
		overdue = true;
	} else if (g->status != CDSI_NOT_COMPLETE || due == DATE_NONE || due > q->on) {
		return;
	}
	if (q->overdue_only && !overdue)
		return;
	struct recall_due *r = &out->due[out->ndue++];
	r->group = g->group;
	snprintf(r->vaccine, sizeof r->vaccine, "%s", history_group_label(d, g->group));
	r->dose_number = g->dose_number;
	r->due = due;
	r->past_due = g->past_due;
	r->overdue = overdue;
}

bool recall_check(const struct recall_criteria *q, const struct cdsi_data *d, const struct school_reqs *tx,
                  const struct client *c, const struct immunization *imms, size_t n,
                  struct recall_result *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	if (c->dob == DATE_NONE) {
		out->outcome = RECALL_NO_DOB;
		return true;
	}
	int age = date_age_months(c->dob, q->on);
	if (c->dob > q->on || (q->age_min_months >= 0 && age < q->age_min_months) ||
	    (q->age_max_months >= 0 && age > q->age_max_months)) {
		out->outcome = RECALL_OUT_OF_AGE;
		return true;
	}
	if (!recall_client_active(c)) {
		out->outcome = RECALL_INACTIVE;
		return true;
	}
	if (!c->reminder_recall) {
		out->outcome = RECALL_OPTED_OUT;
		return true;
	}
	if (!recall_address_viable(c)) {
		out->outcome = RECALL_NO_ADDRESS;
		return true;
	}
	struct cdsi_dose *doses = xcalloc(n + 1, sizeof *doses);
	size_t nd = history_cdsi_doses(imms, n, doses, NULL);
	struct cdsi_patient p = {
	    .dob = c->dob, .gender = history_gender(c->sex), .doses = doses, .ndoses = nd};
	bool school = q->mode == RECALL_DUE && tx && text_ieq(c->tracking_schedule, "TX-SCHOOL");
	bool ok = true;
	if (school) {
		struct school_report rep;
		struct cdsi_result res;
		int grade = recall_school_grade(c->dob, q->on);
		ok = school_check(tx, d, &p, grade, q->on, &rep, err) &&
		     cdsi_evaluate(d, &p, q->on, -1, &res, err);
		if (ok) {
			for (size_t i = 0; i < rep.nitems; i++) {
				const struct school_item *it = &rep.items[i];
				const struct cdsi_group_result *g = cdsi_result_group(&res, it->group);
				if (it->status == SCHOOL_NOT_MET && g)
					consider(q, d, g, true, out);
			}
			cdsi_result_free(&res);
			school_report_free(&rep);
		}
	} else {
		struct cdsi_result res;
		ok = cdsi_evaluate(d, &p, q->on, -1, &res, err);
		if (ok) {
			for (size_t i = 0; i < res.ngroups; i++)
				if (q->mode == RECALL_DUE || chosen(q, res.groups[i].group))
					consider(q, d, &res.groups[i], false, out);
			cdsi_result_free(&res);
		}
	}
	free(doses);
	if (!ok)
		return false;
	out->outcome = out->ndue > 0 ? RECALL_SELECTED : RECALL_NOT_DUE;
	return true;
}
