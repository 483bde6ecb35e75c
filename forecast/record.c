/* forecast/record.c - see record.h */
#include "forecast/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct forecast_data {
	struct cdsi_data *cdsi;
	bool cdsi_tried;
	struct vax_error cdsi_err;
	struct school_reqs *texas;
	bool texas_tried;
	struct vax_error texas_err;
};

struct forecast_data *forecast_data_new(void)
{
	return xcalloc(1, sizeof(struct forecast_data));
}

void forecast_data_free(struct forecast_data **d)
{
	if (!*d)
		return;
	school_free((*d)->texas);
	cdsi_data_free((*d)->cdsi);
	free(*d);
	*d = NULL;
}

const struct cdsi_data *forecast_data_cdsi(struct forecast_data *d, struct vax_error *err)
{
	if (!d->cdsi_tried) {
		d->cdsi_tried = true;
		char dir[1024];
		d->cdsi = cdsi_data_load(cdsi_data_dir(dir, sizeof dir), &d->cdsi_err);
	}
	if (!d->cdsi && err)
		*err = d->cdsi_err;
	return d->cdsi;
}

static const struct school_reqs *texas_get(struct forecast_data *d, const struct cdsi_data *cdsi,
                                           struct vax_error *err)
{
	if (!d->texas_tried) {
		d->texas_tried = true;
		char path[1024];
		d->texas = school_load(school_texas_path(path, sizeof path), cdsi, &d->texas_err);
	}
	if (!d->texas && err)
		*err = d->texas_err;
	return d->texas;
}

int forecast_school_grade(vax_date dob, vax_date today)
{
	int y, m, day;
	date_to_ymd(today, &y, &m, &day);
	vax_date sept1 = date_from_ymd(m >= 9 ? y : y - 1, 9, 1);
	int age = date_age_years(dob, sept1);
	return age < 5 ? SCHOOL_GRADE_PK : age - 5 > 12 ? 12 : age - 5;
}

void forecast_grade_label(int grade, char *buf, size_t len)
{
	if (grade == SCHOOL_GRADE_PK)
		snprintf(buf, len, "Pre-K");
	else if (grade == 0)
		snprintf(buf, len, "K");
	else
		snprintf(buf, len, "%d", grade);
}

void forecast_record_free(struct forecast_record *r)
{
	if (r->have_fc)
		cdsi_result_free(&r->fc);
	if (r->have_school)
		school_report_free(&r->school_rep);
	free(r->dose);
	memset(r, 0, sizeof *r);
}

void forecast_record_run(struct forecast_data *d, const struct client *c, const struct immunization *imms,
                         int n, vax_date today, bool school, struct forecast_record *out)
{
	forecast_record_free(out);
	out->school = school;
	out->n_imms = n;
	struct vax_error err;
	const struct cdsi_data *data = forecast_data_cdsi(d, &err);
	out->data = data;
	if (!data) {
		snprintf(out->error, sizeof out->error, "Forecast unavailable: %s", err.message);
		return;
	}
	if (c->dob == DATE_NONE) {
		snprintf(out->error, sizeof out->error, "No forecast: the date of birth is missing.");
		return;
	}
	out->dose = xcalloc((size_t)n + 1, sizeof *out->dose);
	struct cdsi_dose *doses = xcalloc((size_t)n + 1, sizeof *doses);
	size_t nd = 0;
	for (int i = 0; i < n; i++) {
		const struct immunization *im = &imms[i];
		out->dose[i] = -1;
		if (im->refused || im->entered_in_error || im->date_given == DATE_NONE)
			continue;
		struct cdsi_dose *cd = &doses[nd];
		cd->date = im->date_given;
		cd->cvx = atoi(im->cvx);
		snprintf(cd->mvx, sizeof cd->mvx, "%s", im->mvx);
		cd->lot_expiration = im->expiration;
		cd->substandard = im->subpotent; /* never counted valid */
		out->dose[i] = (int)nd++;
	}
	struct cdsi_patient p = {
	    .dob = c->dob,
	    .gender = c->sex == SEX_FEMALE ? 'F'
	              : c->sex == SEX_MALE ? 'M'
	                                   : 'U',
	    .doses = doses,
	    .ndoses = nd,
	};
	if (cdsi_evaluate(data, &p, today, -1, &out->fc, &err))
		out->have_fc = true;
	else
		snprintf(out->error, sizeof out->error, "No forecast: %s", err.message);
	if (school && out->have_fc) {
		const struct school_reqs *texas = texas_get(d, data, &err);
		out->grade = forecast_school_grade(c->dob, today);
		if (!texas)
			snprintf(out->error, sizeof out->error,
			         "The Texas school requirements could not be read.");
		else if (school_check(texas, data, &p, out->grade, today, &out->school_rep, &err))
			out->have_school = true;
		else
			snprintf(out->error, sizeof out->error, "No school check: %s", err.message);
	}
	free(doses);
}

const struct cdsi_dose_eval *forecast_record_eval(const struct forecast_record *r, int imm)
{
	if (!r->have_fc || imm < 0 || imm >= r->n_imms || r->dose[imm] < 0)
		return NULL;
	size_t d = (size_t)r->dose[imm];
	const struct cdsi_dose_eval *best = NULL;
	for (size_t g = 0; g < r->fc.ngroups; g++)
		for (size_t k = 0; k < r->fc.groups[g].nevals; k++) {
			const struct cdsi_dose_eval *ev = &r->fc.groups[g].evals[k];
			if (ev->dose != d || ev->status == CDSI_EVAL_NONE)
				continue;
			/* a dose that counts somewhere is shown as counting */
			if (!best || (best->status != CDSI_EVAL_VALID && ev->status == CDSI_EVAL_VALID))
				best = ev;
		}
	return best;
}

void forecast_eval_label(const struct cdsi_dose_eval *ev, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!ev)
		return;
	if (ev->status == CDSI_EVAL_VALID && ev->dose_number > 0) {
		/* an open-ended series (DTaP's Td boosters) counts its fixed
		 * doses: "3 of 5" says where the child is; a booster is "dose 7" */
		int of = cdsi_eval_of(ev);
		if (of > 0)
			snprintf(buf, len, "%d of %d", ev->dose_number, of);
		else
			snprintf(buf, len, "dose %d", ev->dose_number);
	} else if (ev->status == CDSI_EVAL_VALID) {
		snprintf(buf, len, "Valid");
	} else if (ev->status == CDSI_EVAL_NOT_VALID) {
		snprintf(buf, len, "NOT VALID");
	} else {
		snprintf(buf, len, "%s", cdsi_eval_status_name(ev->status));
	}
}

static int due_cmp(const void *pa, const void *pb)
{
	const struct forecast_due *a = pa, *b = pb;
	if (a->overdue != b->overdue)
		return a->overdue ? -1 : 1;
	return a->recommended < b->recommended ? -1 : a->recommended > b->recommended;
}

size_t forecast_due_today(const struct forecast_record *r, vax_date today, struct forecast_due *out,
                          size_t max)
{
	size_t n = 0;
	if (!r->have_fc)
		return 0;
	for (size_t g = 0; g < r->fc.ngroups; g++) {
		const struct cdsi_group_result *gr = &r->fc.groups[g];
		if (gr->status != CDSI_NOT_COMPLETE || gr->recommended == DATE_NONE ||
		    gr->recommended > today)
			continue;
		if (gr->latest != DATE_NONE && gr->latest < today)
			continue; /* too late for this dose: CDSi says what comes instead */
		if (n < max)
			out[n] = (struct forecast_due){
			    .group = gr->group,
			    .dose_number = gr->dose_number,
			    .series_doses = gr->series_doses,
			    .recommended = gr->recommended,
			    .past_due = gr->past_due,
			    .overdue = gr->past_due != DATE_NONE && gr->past_due <= today,
			    .cvx = gr->recommended_cvx,
			    .ncvx = gr->nrecommended_cvx,
			};
		n++;
	}
	qsort(out, n < max ? n : max, sizeof *out, due_cmp);
	return n;
}

bool forecast_due_vaccine(const struct forecast_record *r, const struct forecast_due *d, const char *cvx)
{
	int n = atoi(cvx);
	if (!cvx[0] || n <= 0)
		return false;
	for (size_t i = 0; i < d->ncvx; i++)
		if (d->cvx[i] == n)
			return true;
	if (d->ncvx || !r->data)
		return false;
	return cdsi_group_vaccine(r->data, (size_t)d->group, n, d->dose_number) ||
	       cdsi_group_vaccine(r->data, (size_t)d->group, n, 0);
}

void forecast_dose_label(int dose_number, int series_doses, char *buf, size_t len)
{
	if (dose_number <= 0)
		snprintf(buf, len, "%s", "");
	else if (series_doses > 0)
		snprintf(buf, len, "dose %d of %d", dose_number, series_doses);
	else
		snprintf(buf, len, "dose %d", dose_number);
}

const char *forecast_group_name(const struct forecast_record *r, int group)
{
	return r->data ? cdsi_group_name(r->data, (size_t)group) : "";
}
