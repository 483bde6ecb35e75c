/* print/history.c - see history.h. */
#include "print/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "forecast/record.h"

char history_gender(enum sex s)
{
	return s == SEX_FEMALE ? 'F' : s == SEX_MALE ? 'M' : 'U';
}

size_t history_cdsi_doses(const struct immunization *imms, size_t n, struct cdsi_dose *doses, size_t *map)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct immunization *im = &imms[i];
		if (im->refused || im->entered_in_error || im->date_given == DATE_NONE || atoi(im->cvx) <= 0)
			continue;
		struct cdsi_dose *d = &doses[k];
		memset(d, 0, sizeof *d);
		d->date = im->date_given;
		d->cvx = atoi(im->cvx);
		snprintf(d->mvx, sizeof d->mvx, "%s", im->mvx);
		d->lot_expiration = im->expiration;
		if (map)
			map[k] = i;
		k++;
	}
	return k;
}

/* The order a childhood record reads in; groups not named follow in CDC's
 * order. */
static const struct {
	const char *cdsi, *label;
} order[] = {
    {"HepB", "Hepatitis B"},
    {"Rotavirus", "Rotavirus"},
    {"DTaP/Tdap/Td", "DTaP/Tdap/Td"},
    {"Hib", "Hib"},
    {"Pneumococcal", "Pneumococcal"},
    {"Polio", "Polio"},
    {"Influenza", "Influenza"},
    {"COVID-19", "COVID-19"},
    {"MMR", "MMR"},
    {"Varicella", "Varicella"},
    {"HepA", "Hepatitis A"},
    {"Meningococcal", "Meningococcal ACWY"},
    {"Meningococcal B", "Meningococcal B"},
    {"HPV", "HPV"},
    {"RSV", "RSV"},
    {"Zoster", "Zoster"},
};
#define NORDER (sizeof order / sizeof *order)

const char *history_group_label(const struct cdsi_data *d, int group)
{
	const char *name = group >= 0 ? cdsi_group_name(d, (size_t)group) : NULL;
	if (!name)
		return "Other";
	for (size_t i = 0; i < NORDER; i++)
		if (!strcasecmp(order[i].cdsi, name))
			return order[i].label;
	return name;
}

static size_t rank(const struct cdsi_data *d, int group)
{
	const char *name = group >= 0 ? cdsi_group_name(d, (size_t)group) : NULL;
	if (!name)
		return 100000;
	for (size_t i = 0; i < NORDER; i++)
		if (!strcasecmp(order[i].cdsi, name))
			return i;
	return NORDER + (size_t)group;
}

static const char *reason_words(enum cdsi_eval_reason r)
{
	switch (r) {
	case CDSI_REASON_TOO_YOUNG:
		return "given too young";
	case CDSI_REASON_TOO_OLD:
		return "given too old";
	case CDSI_REASON_TOO_SOON:
		return "given too soon after the previous dose";
	case CDSI_REASON_INADVERTENT:
		return "wrong vaccine for this dose";
	case CDSI_REASON_CONFLICT:
		return "too close to another live vaccine";
	case CDSI_REASON_NOT_PREFERABLE_OR_ALLOWABLE:
		return "vaccine not allowed for this dose";
	case CDSI_REASON_SERIES_COMPLETE:
		return "series already complete";
	case CDSI_REASON_SUBSTANDARD:
		return "recalled, cold-chain or sub-potent dose";
	case CDSI_REASON_EXPIRED:
		return "lot had expired";
	case CDSI_REASON_NONE:
		break;
	}
	return "";
}

/* The screen's words for a dose (forecast_eval_label: "2 of 4", "dose 3"),
 * and on paper the reason a dose does not count. */
static void dose_label(const struct cdsi_dose_eval *e, char *buf, size_t len)
{
	if (e->status == CDSI_EVAL_EXTRANEOUS) {
		snprintf(buf, len, "Extra dose, not needed");
	} else if ((e->status == CDSI_EVAL_NOT_VALID || e->status == CDSI_EVAL_SUBSTANDARD) &&
	           e->reason != CDSI_REASON_NONE) {
		snprintf(buf, len, "NOT VALID: %s", reason_words(e->reason));
	} else if (e->status == CDSI_EVAL_SUBSTANDARD) {
		snprintf(buf, len, "NOT VALID");
	} else {
		forecast_eval_label(e, buf, len);
	}
}

static void vaccine_name(const struct cdsi_data *d, const struct immunization *im, char *buf, size_t len)
{
	const char *desc = d ? cdsi_cvx_description(d, atoi(im->cvx)) : NULL;
	if (desc)
		snprintf(buf, len, "%s", desc);
	else
		snprintf(buf, len, "CVX %s", im->cvx);
}

static int dose_cmp(const void *a, const void *b)
{
	const struct history_dose *x = a, *y = b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->imm < y->imm ? -1 : x->imm > y->imm;
}

static int group_cmp(const void *a, const void *b)
{
	const struct history_group *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

bool history_build(const struct cdsi_data *d, const struct client *c, const struct immunization *imms,
                   size_t n, vax_date on, struct history *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	struct cdsi_dose *doses = xcalloc(n + 1, sizeof *doses);
	size_t *map = xcalloc(n + 1, sizeof *map);
	size_t nd = history_cdsi_doses(imms, n, doses, map);
	for (size_t i = 0; i < n; i++)
		out->refusals += imms[i].refused && !imms[i].entered_in_error;
	out->given = (int)nd;
	struct cdsi_patient p = {
	    .dob = c->dob, .gender = history_gender(c->sex), .doses = doses, .ndoses = nd};
	struct cdsi_result res;
	if (!cdsi_evaluate(d, &p, on, -1, &res, err)) {
		free(doses);
		free(map);
		return false;
	}
	bool *grouped = xcalloc(nd + 1, sizeof *grouped);
	out->groups = xcalloc(res.ngroups + 1, sizeof *out->groups);
	for (size_t g = 0; g < res.ngroups; g++) {
		const struct cdsi_group_result *gr = &res.groups[g];
		size_t m = 0;
		for (size_t k = 0; k < gr->nevals; k++)
			m += gr->evals[k].status != CDSI_EVAL_NONE;
		if (!m)
			continue;
		struct history_group *hg = &out->groups[out->ngroups++];
		hg->group = gr->group;
		snprintf(hg->name, sizeof hg->name, "%s", history_group_label(d, gr->group));
		hg->doses = xcalloc(m, sizeof *hg->doses);
		for (size_t k = 0; k < gr->nevals; k++) {
			const struct cdsi_dose_eval *e = &gr->evals[k];
			if (e->status == CDSI_EVAL_NONE)
				continue;
			struct history_dose *hd = &hg->doses[hg->ndoses++];
			hd->imm = map[e->dose];
			hd->date = doses[e->dose].date;
			hd->valid = e->status == CDSI_EVAL_VALID;
			hg->valid += hd->valid;
			vaccine_name(d, &imms[hd->imm], hd->vaccine, sizeof hd->vaccine);
			dose_label(e, hd->label, sizeof hd->label);
			grouped[e->dose] = true;
		}
		qsort(hg->doses, hg->ndoses, sizeof *hg->doses, dose_cmp);
	}
	/* what CDSi does not know still belongs on the record */
	size_t other = 0;
	for (size_t k = 0; k < nd; k++)
		other += !grouped[k];
	if (other) {
		struct history_group *hg = &out->groups[out->ngroups++];
		hg->group = -1;
		snprintf(hg->name, sizeof hg->name, "Other");
		hg->doses = xcalloc(other, sizeof *hg->doses);
		for (size_t k = 0; k < nd; k++) {
			if (grouped[k])
				continue;
			struct history_dose *hd = &hg->doses[hg->ndoses++];
			hd->imm = map[k];
			hd->date = doses[k].date;
			vaccine_name(d, &imms[hd->imm], hd->vaccine, sizeof hd->vaccine);
			snprintf(hd->label, sizeof hd->label, "Not evaluated");
		}
		qsort(hg->doses, hg->ndoses, sizeof *hg->doses, dose_cmp);
	}
	for (size_t g = 0; g < out->ngroups; g++)
		out->groups[g].order = rank(d, out->groups[g].group);
	qsort(out->groups, out->ngroups, sizeof *out->groups, group_cmp);
	cdsi_result_free(&res);
	free(grouped);
	free(doses);
	free(map);
	return true;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ngroups; i++)
		free(h->groups[i].doses);
	free(h->groups);
	memset(h, 0, sizeof *h);
}
