/* forecast/cdsi.c - the CDSi logic (chapters 4-9 of the specification v4.6).
 *
 * For each antigen: split the history into antigen doses (4.2), pick the
 * relevant series (5), evaluate every dose against each series' target
 * doses (6) and forecast the next one (7), select the best series (8), then
 * merge antigens into vaccine groups (9). Section numbers in comments point
 * at the specification. Nothing here reads a file or the clock.
 */
#include "forecast/cdsi.h"
#include "forecast/cdsi_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATE_LOW  date_from_ymd(1900, 1, 1)
#define DATE_HIGH date_from_ymd(2999, 12, 31)

enum td_status { TD_NOT_SATISFIED, TD_SATISFIED, TD_SKIPPED };

struct tdose {
	const struct cdsi_series_dose *sd;
	enum td_status status;
	int dose; /* antigen dose that satisfied it, -1 */
};

/* An antigen administered record (4.2). */
struct adose {
	size_t idx; /* into patient doses */
	vax_date date;
	int cvx;
	const struct cdsi_dose *src;
};

/* A relevant patient series with its evaluation and forecast. */
struct pseries {
	const struct cdsi_series *s;
	struct tdose *td;
	size_t ntd, cap;
	enum cdsi_eval_status *st;
	enum cdsi_eval_reason *rs;
	unsigned *rmask;
	int *tdnum;
	bool *inadv;
	/* forecast */
	enum cdsi_series_status status;
	int fc_td; /* target dose forecast, -1 */
	int dose_number;
	vax_date earliest, rec, pastdue, latest;
	vax_date start; /* SELECTB-13: the forecast earliest date */
	vax_date from;  /* relevant from this indication begin age date, or DATE_NONE */
	bool priority;
	int recommended_cvx[8];
	size_t nrec_cvx;
	/* selection */
	enum cdsi_series_status pass1_status;
	int nvalid;
	bool scorable, best;
	int score;
};

struct actx {
	const struct cdsi_data *d;
	const struct cdsi_patient *p;
	vax_date assess;
	const struct cdsi_antigen *ag;
	int antigen;
	struct adose *ad;
	size_t nad;
	struct pseries *ps;
	size_t nps;
	bool pass2;
};

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);
	if (!p)
		abort();
	return p;
}

static vax_date add(vax_date base, const struct cdsi_span *s)
{
	if (base == DATE_NONE || !s->set)
		return DATE_NONE;
	return date_add_span(base, &s->sp);
}

static vax_date or_default(vax_date d, vax_date dflt)
{
	return d == DATE_NONE ? dflt : d;
}

static vax_date later(vax_date a, vax_date b)
{
	if (a == DATE_NONE)
		return b;
	if (b == DATE_NONE)
		return a;
	return a > b ? a : b;
}

static vax_date sooner(vax_date a, vax_date b)
{
	if (a == DATE_NONE)
		return b;
	if (b == DATE_NONE)
		return a;
	return a < b ? a : b;
}

static bool in_list(const struct cdsi_cvx_list *l, int cvx)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->cvx[i] == cvx)
			return true;
	return false;
}

/* RELEVANT-1/2: a component with effective/cessation dates applies only
 * when the anchor date falls between them (both inclusive). */
static bool relevant(vax_date effective, vax_date cessation, vax_date anchor)
{
	if (effective != DATE_NONE && anchor < effective)
		return false;
	if (cessation != DATE_NONE && anchor > cessation)
		return false;
	return true;
}

static const struct cdsi_age *age_for(const struct cdsi_series_dose *sd, vax_date anchor)
{
	for (size_t i = 0; i < sd->nages; i++)
		if (relevant(sd->ages[i].effective, sd->ages[i].cessation, anchor))
			return &sd->ages[i];
	return NULL;
}

/* An observation is active on a date when it began on or before it and has
 * not ended. */
static bool obs_active(const struct cdsi_observation_in *o, vax_date on)
{
	return (o->begin == DATE_NONE || o->begin <= on) && (o->end == DATE_NONE || on < o->end);
}

static const struct cdsi_observation_in *has_obs(const struct cdsi_patient *p, const char *code, vax_date on)
{
	const struct cdsi_observation_in *best = NULL;
	for (size_t i = 0; i < p->nobservations; i++) {
		const struct cdsi_observation_in *o = &p->observations[i];
		if (strcmp(o->code, code) == 0 && obs_active(o, on) &&
		    (!best || later(best->begin, o->begin) == o->begin))
			best = o;
	}
	return best;
}

/* ---- target doses ----------------------------------------------------- */

static void td_insert(struct pseries *ps, size_t at, const struct cdsi_series_dose *sd)
{
	if (ps->ntd == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 8;
		ps->td = realloc(ps->td, ps->cap * sizeof *ps->td);
		if (!ps->td)
			abort();
	}
	memmove(&ps->td[at + 1], &ps->td[at], (ps->ntd - at) * sizeof *ps->td);
	ps->td[at] = (struct tdose){.sd = sd, .status = TD_NOT_SATISFIED, .dose = -1};
	ps->ntd++;
}

static void series_reset(struct actx *c, struct pseries *ps)
{
	ps->ntd = 0;
	for (size_t i = 0; i < ps->s->ndoses; i++)
		td_insert(ps, ps->ntd, &ps->s->doses[i]);
	for (size_t i = 0; i < c->nad; i++) {
		ps->st[i] = CDSI_EVAL_NONE;
		ps->rs[i] = CDSI_REASON_NONE;
		ps->rmask[i] = 0;
		ps->tdnum[i] = 0;
		ps->inadv[i] = false;
	}
	ps->status = CDSI_NOT_COMPLETE;
	ps->fc_td = -1;
	ps->dose_number = 0;
	ps->earliest = ps->rec = ps->pastdue = ps->latest = ps->start = DATE_NONE;
	ps->priority = false;
	ps->nrec_cvx = 0;
}

/* ---- 6.2 conditional skip ---------------------------------------------- */

/* upto: antigen doses [0, upto) are the history the condition may look at. */
static bool condition_met(struct actx *c, struct pseries *ps, const struct cdsi_condition *k, vax_date ref,
                          size_t upto)
{
	vax_date dob = c->p->dob;
	switch (k->type) {
	case COND_AGE: {
		vax_date b = or_default(add(dob, &k->begin_age), DATE_LOW);
		vax_date e = or_default(add(dob, &k->end_age), DATE_HIGH);
		return b <= ref && ref < e;
	}
	case COND_COMPLETED_SERIES:
		if (!c->pass2)
			return false;
		for (size_t i = 0; i < c->nps; i++) {
			if (c->ps[i].pass1_status != CDSI_COMPLETE)
				continue;
			for (size_t g = 0; g < k->n_series_groups; g++)
				if (c->ps[i].s->series_group == k->series_groups[g])
					return true;
		}
		return false;
	case COND_INTERVAL: {
		/* CALCDTSKIP-5: from the immediate previous dose */
		if (upto == 0)
			return false;
		vax_date d = add(c->ad[upto - 1].date, &k->interval);
		return d != DATE_NONE && ref >= d;
	}
	case COND_COUNT: {
		vax_date b = or_default(add(dob, &k->begin_age), DATE_LOW);
		vax_date e = or_default(add(dob, &k->end_age), DATE_HIGH);
		vax_date sd = or_default(k->start, DATE_LOW), ed = or_default(k->end, DATE_HIGH);
		int n = 0;
		for (size_t i = 0; i < upto; i++) { /* CONDSKIP-1 */
			const struct adose *a = &c->ad[i];
			/* no vaccine types listed: every dose of the antigen counts */
			if (k->vaccines.n && !in_list(&k->vaccines, a->cvx))
				continue;
			if (a->date < b || a->date >= e || a->date < sd || a->date >= ed)
				continue;
			if (k->valid_only && ps->st[i] != CDSI_EVAL_VALID)
				continue;
			n++;
		}
		switch (k->logic) {
		case COUNT_GREATER:
			return n > k->dose_count;
		case COUNT_LESS:
			return n < k->dose_count;
		case COUNT_EQUAL:
			return n == k->dose_count;
		}
		return false;
	}
	case COND_UNKNOWN:
		break;
	}
	return false;
}

static bool can_skip(struct actx *c, struct pseries *ps, const struct cdsi_series_dose *sd, int context,
                     vax_date ref, vax_date anchor, size_t upto)
{
	for (size_t i = 0; i < sd->nskips; i++) {
		const struct cdsi_skip *sk = &sd->skips[i];
		if (!(sk->context & context))
			continue;
		size_t met = 0, considered = 0;
		for (size_t s = 0; s < sk->nsets; s++) {
			const struct cdsi_skip_set *set = &sk->sets[s];
			if (!relevant(set->effective, set->cessation, anchor))
				continue;
			considered++;
			size_t cm = 0;
			for (size_t k = 0; k < set->nconds; k++)
				cm += condition_met(c, ps, &set->conds[k], ref, upto);
			bool set_met = set->and_logic ? (set->nconds && cm == set->nconds) : cm > 0;
			met += set_met;
		}
		if (considered && (sk->and_logic ? met == considered : met > 0))
			return true;
	}
	return false;
}

/* ---- 6.5/6.6 intervals -------------------------------------------------- */

/* Reference date of an interval for antigen dose `cur` (evaluation) or for
 * the forecast (cur == nad); DATE_NONE when the interval does not apply. */
static vax_date interval_ref(struct actx *c, struct pseries *ps, const struct cdsi_interval *iv, size_t cur)
{
	if (iv->from_previous) { /* CALCDTINT-1 */
		for (size_t j = cur; j-- > 0;)
			if ((ps->st[j] == CDSI_EVAL_VALID || ps->st[j] == CDSI_EVAL_NOT_VALID) &&
			    !ps->inadv[j])
				return c->ad[j].date;
		return DATE_NONE;
	}
	if (iv->from_target_dose > 0) { /* CALCDTINT-2 */
		size_t t = (size_t)iv->from_target_dose - 1;
		if (t < ps->ntd && ps->td[t].status == TD_SATISFIED && ps->td[t].dose >= 0 &&
		    (size_t)ps->td[t].dose < cur)
			return c->ad[ps->td[t].dose].date;
		return DATE_NONE;
	}
	if (iv->from_most_recent.n) { /* CALCDTINT-8 */
		vax_date limit = cur < c->nad ? c->ad[cur].date : DATE_HIGH;
		vax_date best = DATE_NONE;
		for (size_t k = 0; k < c->p->ndoses; k++) {
			const struct cdsi_dose *d = &c->p->doses[k];
			if (!in_list(&iv->from_most_recent, d->cvx))
				continue;
			if (cur < c->nad ? d->date >= limit : d->date > c->assess)
				continue;
			best = later(best, d->date);
		}
		return best;
	}
	if (iv->from_obs[0]) { /* CALCDTINT-9 */
		const struct cdsi_observation_in *o = has_obs(c->p, iv->from_obs, c->assess);
		return o ? o->begin : DATE_NONE;
	}
	return DATE_NONE;
}

/* ---- 6 evaluation ---------------------------------------------------- */

static bool conflicted(struct actx *c, struct pseries *ps, size_t cur)
{
	const struct adose *a = &c->ad[cur];
	for (size_t k = 0; k < c->p->ndoses; k++) {
		const struct cdsi_dose *prev = &c->p->doses[k];
		if (k == a->idx || prev->date >= a->date)
			continue;
		const struct cdsi_conflict *cfs;
		size_t ncf = cdsi_data_conflicts(c->d, prev->cvx, &cfs);
		for (size_t i = 0; i < ncf; i++) {
			const struct cdsi_conflict *cf = &cfs[i];
			if (cf->current != a->cvx)
				continue;
			/* CALCDTCONFLICT-2: a previous dose judged not valid here
			 * gets the full interval, others the minimum */
			bool valid = true;
			for (size_t j = 0; j < cur; j++)
				if (c->ad[j].idx == k && ps->st[j] != CDSI_EVAL_VALID)
					valid = false;
			vax_date b = add(prev->date, &cf->begin);
			vax_date e = add(prev->date, valid ? &cf->min_end : &cf->end);
			if (b != DATE_NONE && e != DATE_NONE && a->date >= b && a->date < e)
				return true;
		}
	}
	return false;
}

static bool vaccine_ok(struct actx *c, const struct cdsi_series_dose *sd, const struct adose *a)
{
	vax_date dob = c->p->dob;
	for (size_t i = 0; i < sd->npreferable; i++) { /* 6.8 */
		const struct cdsi_vaccine *v = &sd->preferable[i];
		if (v->cvx != a->cvx)
			continue;
		vax_date b = or_default(add(dob, &v->begin_age), DATE_LOW);
		vax_date e = or_default(add(dob, &v->end_age), DATE_HIGH);
		if (a->date < b || a->date >= e)
			continue;
		if (v->mvx[0] && a->src->mvx[0] && strcmp(v->mvx, a->src->mvx) != 0)
			continue;
		return true;
	}
	for (size_t i = 0; i < sd->nallowable; i++) { /* 6.9 */
		const struct cdsi_vaccine *v = &sd->allowable[i];
		if (v->cvx != a->cvx)
			continue;
		vax_date b = or_default(add(dob, &v->begin_age), DATE_LOW);
		vax_date e = or_default(add(dob, &v->end_age), DATE_HIGH);
		if (a->date >= b && a->date < e)
			return true;
	}
	return false;
}

static bool intervals_ok(struct actx *c, struct pseries *ps, const struct cdsi_interval *ivs, size_t n,
                         size_t cur)
{
	const struct adose *a = &c->ad[cur];
	for (size_t i = 0; i < n; i++) {
		const struct cdsi_interval *iv = &ivs[i];
		if (!relevant(iv->effective, iv->cessation, a->date))
			continue;
		vax_date ref = interval_ref(c, ps, iv, cur);
		vax_date abs_min = or_default(add(ref, &iv->abs_min), DATE_LOW);
		if (a->date < abs_min)
			return false;
	}
	return true;
}

/* Evaluate one antigen dose against one target dose (6.3-6.10). Every
 * check runs and adds its reason to *reasons (a dose can be both too young
 * and too soon); *why is the first in the specification's order. */
static enum cdsi_eval_status eval_dose(struct actx *c, struct pseries *ps, size_t cur,
                                       const struct cdsi_series_dose *sd, enum cdsi_eval_reason *why,
                                       unsigned *reasons)
{
	const struct adose *a = &c->ad[cur];
	vax_date dob = c->p->dob;
	*why = CDSI_REASON_NONE;
	*reasons = 0;

	if (in_list(&sd->inadvertent, a->cvx)) { /* 6.3 */
		ps->inadv[cur] = true;
		*why = CDSI_REASON_INADVERTENT;
		*reasons = 1u << CDSI_REASON_INADVERTENT;
		return CDSI_EVAL_NOT_VALID;
	}
	const struct cdsi_age *age = age_for(sd, a->date); /* 6.4 */
	if (age) {
		vax_date abs_min = or_default(add(dob, &age->abs_min), DATE_LOW);
		vax_date max = or_default(add(dob, &age->max), DATE_HIGH);
		if (a->date >= max) {
			*why = CDSI_REASON_TOO_OLD;
			*reasons = 1u << CDSI_REASON_TOO_OLD;
			return CDSI_EVAL_EXTRANEOUS;
		}
		if (a->date < abs_min)
			*reasons |= 1u << CDSI_REASON_TOO_YOUNG;
	}
	/* 6.5, then 6.6 when the preferable interval is not met */
	if (!intervals_ok(c, ps, sd->intervals, sd->nintervals, cur) &&
	    !(sd->nallow_intervals && intervals_ok(c, ps, sd->allow_intervals, sd->nallow_intervals, cur)))
		*reasons |= 1u << CDSI_REASON_TOO_SOON;
	if (conflicted(c, ps, cur)) /* 6.7 */
		*reasons |= 1u << CDSI_REASON_CONFLICT;
	if (!vaccine_ok(c, sd, a)) /* 6.8, 6.9 */
		*reasons |= 1u << CDSI_REASON_NOT_PREFERABLE_OR_ALLOWABLE;
	if (!*reasons)
		return CDSI_EVAL_VALID;
	for (int r = CDSI_REASON_TOO_YOUNG; r <= CDSI_REASON_NOT_PREFERABLE_OR_ALLOWABLE; r++)
		if (*reasons & (1u << r)) {
			*why = (enum cdsi_eval_reason)r;
			break;
		}
	return CDSI_EVAL_NOT_VALID;
}

/* Figure 4-6: walk the antigen doses and the target doses together. */
static void evaluate_series(struct actx *c, struct pseries *ps)
{
	size_t t = 0;
	for (size_t i = 0; i < c->nad; i++) {
		const struct adose *a = &c->ad[i];
		/* 6.1: a dose with a condition or given after its lot expired
		 * cannot be evaluated */
		if (a->src->substandard ||
		    (a->src->lot_expiration != DATE_NONE && a->date > a->src->lot_expiration)) {
			ps->st[i] = CDSI_EVAL_SUBSTANDARD;
			ps->rs[i] = a->src->substandard ? CDSI_REASON_SUBSTANDARD : CDSI_REASON_EXPIRED;
			continue;
		}
		while (t < ps->ntd && can_skip(c, ps, ps->td[t].sd, CTX_EVALUATION, a->date, a->date, i)) {
			ps->td[t].status = TD_SKIPPED;
			t++;
		}
		if (t >= ps->ntd) {
			ps->st[i] = CDSI_EVAL_EXTRANEOUS;
			ps->rs[i] = CDSI_REASON_SERIES_COMPLETE;
			continue;
		}
		enum cdsi_eval_reason why;
		unsigned reasons;
		enum cdsi_eval_status st = eval_dose(c, ps, i, ps->td[t].sd, &why, &reasons);
		ps->st[i] = st;
		ps->rs[i] = why;
		ps->rmask[i] = reasons;
		if (st != CDSI_EVAL_VALID)
			continue;
		ps->td[t].status = TD_SATISFIED;
		ps->td[t].dose = (int)i;
		ps->tdnum[i] = (int)t + 1;
		if (ps->td[t].sd->recurring)
			td_insert(ps, t + 1, ps->td[t].sd);
		t++;
	}
}

/* ---- 7 forecast ------------------------------------------------------- */

static bool immune(struct actx *c)
{
	const struct cdsi_antigen *ag = c->ag;
	for (size_t i = 0; i < ag->n_immunity; i++) /* 7.2 */
		if (has_obs(c->p, ag->immunity_codes[i], c->assess))
			return true;
	if (ag->immunity_birth == DATE_NONE || c->p->dob >= ag->immunity_birth)
		return false;
	for (size_t i = 0; i < ag->n_exclusions; i++)
		if (has_obs(c->p, ag->immunity_exclusions[i], c->assess))
			return false;
	/* a birth-country condition cannot be confirmed: the patient record
	 * carries no country of birth, so it does not give immunity */
	return ag->immunity_country[0] == '\0';
}

static bool contra_applies(struct actx *c, const struct cdsi_contraindication *ci)
{
	if (!has_obs(c->p, ci->code, c->assess))
		return false;
	vax_date b = or_default(add(c->p->dob, &ci->begin_age), DATE_LOW);
	vax_date e = or_default(add(c->p->dob, &ci->end_age), DATE_HIGH);
	return b <= c->assess && c->assess < e;
}

/* Table 7-6: the contraindication begin and end ages are those given with
 * each contraindicated vaccine (CALCDTCI-1/2). */
static bool vaccine_contraindicated(struct actx *c, int cvx)
{
	for (size_t i = 0; i < c->ag->ncontra; i++) {
		const struct cdsi_contraindication *ci = &c->ag->contra[i];
		for (size_t v = 0; v < ci->vaccines.n; v++) {
			if (ci->vaccines.cvx[v] != cvx || !has_obs(c->p, ci->code, c->assess))
				continue;
			vax_date b = or_default(add(c->p->dob, &ci->vaccine_begin[v]), DATE_LOW);
			vax_date e = or_default(add(c->p->dob, &ci->vaccine_end[v]), DATE_HIGH);
			if (b <= c->assess && c->assess < e)
				return true;
		}
	}
	return false;
}

/* Table 7-7 */
static bool contraindicated(struct actx *c, const struct cdsi_series_dose *sd)
{
	for (size_t i = 0; i < c->ag->ncontra; i++) {
		const struct cdsi_contraindication *ci = &c->ag->contra[i];
		if (!ci->vaccines.n && contra_applies(c, ci))
			return true;
	}
	if (!sd || !sd->npreferable)
		return false;
	for (size_t i = 0; i < sd->npreferable; i++)
		if (!vaccine_contraindicated(c, sd->preferable[i].cvx))
			return false;
	return true;
}

struct fdates {
	vax_date earliest, unadj_rec, unadj_pd, max, min_int_latest;
	bool priority;
};

/* FORECASTDTCAN-1 and FORECASTDT-1..4 for target dose t. */
static void forecast_dates(struct actx *c, struct pseries *ps, size_t t, struct fdates *f)
{
	const struct cdsi_series_dose *sd = ps->td[t].sd;
	vax_date dob = c->p->dob;
	const struct cdsi_age *age = age_for(sd, c->assess);
	vax_date min_age = DATE_NONE, rec_age = DATE_NONE, late_age = DATE_NONE;
	f->max = DATE_NONE;
	if (age) {
		min_age = add(dob, &age->min);
		rec_age = add(dob, &age->earliest_rec);
		late_age = add(dob, &age->latest_rec);
		f->max = add(dob, &age->max);
	}
	vax_date min_int = DATE_NONE, rec_int = DATE_NONE, late_int = DATE_NONE;
	size_t npref = 0, nprio = 0;
	for (size_t i = 0; i < sd->nintervals; i++) {
		const struct cdsi_interval *iv = &sd->intervals[i];
		if (!relevant(iv->effective, iv->cessation, c->assess))
			continue;
		npref++;
		nprio += iv->priority;
		vax_date ref = interval_ref(c, ps, iv, c->nad);
		if (ref == DATE_NONE)
			continue;
		min_int = later(min_int, add(ref, &iv->min));
		rec_int = later(rec_int, add(ref, &iv->earliest_rec));
		late_int = later(late_int, add(ref, &iv->latest_rec));
	}
	f->priority = npref && nprio == npref; /* FORECASTPRIORITY-1 */
	f->min_int_latest = min_int;

	vax_date e = later(min_age, min_int);
	/* CALCDTCONFLICT-3: a previous dose whose conflict reaches a vaccine
	 * this target dose would be given as */
	for (size_t k = 0; k < c->p->ndoses; k++) {
		const struct cdsi_dose *prev = &c->p->doses[k];
		if (prev->date > c->assess)
			continue;
		const struct cdsi_conflict *cfs;
		size_t ncf = cdsi_data_conflicts(c->d, prev->cvx, &cfs);
		for (size_t i = 0; i < ncf; i++) {
			const struct cdsi_conflict *cf = &cfs[i];
			for (size_t v = 0; v < sd->npreferable; v++)
				if (sd->preferable[v].cvx == cf->current)
					e = later(e, add(prev->date, &cf->end));
		}
	}
	e = later(e, sd->season_start);
	e = later(e, ps->from); /* the indication's begin age date (run_antigen) */
	/* FORECASTDTCAN-1: the most recent dose evaluated against a target
	 * dose; one with a dose condition never is (6.1) */
	for (size_t i = 0; i < c->nad; i++)
		if (ps->st[i] != CDSI_EVAL_NONE && ps->st[i] != CDSI_EVAL_SUBSTANDARD)
			e = later(e, c->ad[i].date);
	/* FORECASTDTCAN-1: empty when no date applies (table 7-10 then
	 * assumes 12/31/2999) */
	f->earliest = e;

	/* FORECASTDT-2/3 */
	f->unadj_rec = rec_age != DATE_NONE ? rec_age : rec_int != DATE_NONE ? rec_int : e;
	if (late_age != DATE_NONE)
		f->unadj_pd = date_add_days(late_age, -1);
	else if (late_int != DATE_NONE)
		f->unadj_pd = date_add_days(late_int, -1);
	else
		f->unadj_pd = DATE_NONE;
}

static void recommend_vaccines(struct actx *c, struct pseries *ps, const struct cdsi_series_dose *sd)
{
	ps->nrec_cvx = 0;
	for (size_t i = 0; i < sd->npreferable && ps->nrec_cvx < 8; i++) { /* FORECASTRECVAC-1 */
		const struct cdsi_vaccine *v = &sd->preferable[i];
		if (!v->forecast || vaccine_contraindicated(c, v->cvx))
			continue;
		vax_date b = or_default(add(c->p->dob, &v->begin_age), DATE_LOW);
		vax_date e = or_default(add(c->p->dob, &v->end_age), DATE_HIGH);
		if ((ps->earliest >= b && ps->earliest < e) || (ps->rec >= b && ps->rec < e))
			ps->recommended_cvx[ps->nrec_cvx++] = v->cvx;
	}
}

static void forecast_series(struct actx *c, struct pseries *ps)
{
	size_t t = 0;
	while (t < ps->ntd && ps->td[t].status != TD_NOT_SATISFIED)
		t++;
	/* evaluation may stop before the last target dose with satisfied or
	 * skipped ones behind; the first unsatisfied one after them is next */
	for (;;) {
		while (t < ps->ntd &&
		       can_skip(c, ps, ps->td[t].sd, CTX_FORECAST, c->assess, c->assess, c->nad)) {
			ps->td[t].status = TD_SKIPPED;
			t++;
		}
		int satisfied = 0;
		for (size_t i = 0; i < ps->ntd; i++)
			satisfied += ps->td[i].status == TD_SATISFIED;
		if (t >= ps->ntd) { /* table 7-10 */
			ps->status = satisfied ? CDSI_COMPLETE : CDSI_NOT_RECOMMENDED;
			return;
		}
		if (immune(c)) {
			ps->status = CDSI_IMMUNE;
			return;
		}
		if (contraindicated(c, ps->td[t].sd)) {
			ps->status = CDSI_CONTRAINDICATED;
			return;
		}
		struct fdates f;
		forecast_dates(c, ps, t, &f);
		const struct cdsi_series_dose *sd = ps->td[t].sd;
		if (sd->season_end != DATE_NONE && c->assess > sd->season_end) {
			ps->status = CDSI_NOT_RECOMMENDED;
			return;
		}
		/* table 7-10: the maximum age date and an empty candidate
		 * earliest date are assumed 12/31/2999 (table 7-9), so a target
		 * dose with nothing to date it from cannot be forecast */
		vax_date maxd = or_default(f.max, DATE_HIGH);
		if (c->assess >= maxd || or_default(f.earliest, DATE_HIGH) >= maxd) {
			ps->status = CDSI_AGED_OUT;
			return;
		}
		/* 7.6: would the dose be skipped on the day it becomes due? */
		if (can_skip(c, ps, sd, CTX_FORECAST, f.earliest, c->assess, c->nad)) {
			ps->td[t].status = TD_SKIPPED;
			t++;
			continue;
		}
		ps->status = CDSI_NOT_COMPLETE;
		ps->fc_td = (int)t;
		ps->earliest = f.earliest;
		ps->rec = later(f.earliest, f.unadj_rec);
		ps->pastdue = f.unadj_pd == DATE_NONE ? DATE_NONE : later(f.earliest, f.unadj_pd);
		ps->latest = f.max == DATE_NONE ? DATE_NONE : date_add_days(f.max, -1);
		ps->priority = f.priority;
		ps->start = f.earliest; /* SELECTB-13 */
		/* FORECASTDN-1 */
		int n = 0;
		for (size_t i = 0; i < ps->ntd; i++) {
			if (ps->td[i].status != TD_SATISFIED)
				continue;
			const struct cdsi_series_dose *s2 = ps->td[i].sd;
			if (s2->season_start != DATE_NONE && c->ad[ps->td[i].dose].date < s2->season_start)
				continue;
			n++;
		}
		ps->dose_number = n + 1;
		recommend_vaccines(c, ps, sd);
		return;
	}
}

/* ---- 5 relevant series ------------------------------------------------- */

static bool gender_ok(const struct cdsi_series *s, char g)
{
	if (!s->n_gender)
		return true;
	const char *want = g == 'F' ? "Female" : g == 'M' ? "Male" : "Unknown";
	for (size_t i = 0; i < s->n_gender; i++)
		if (strcmp(s->required_gender[i], want) == 0)
			return true;
	return false;
}

/* Tables 5-4 and 5-5. With `ahead`, an indication whose begin age date is
 * still to come also counts; *from is then the soonest such date (DATE_NONE
 * when an indication applies today). */
static bool series_relevant(struct actx *c, const struct cdsi_series *s, bool ahead, vax_date *from)
{
	*from = DATE_NONE;
	if (!gender_ok(s, c->p->gender))
		return false;
	if (s->type != SERIES_RISK)
		return !ahead;
	for (size_t i = 0; i < s->nindications; i++) { /* table 5-4 */
		const struct cdsi_indication *in = &s->indications[i];
		vax_date b = or_default(add(c->p->dob, &in->begin_age), DATE_LOW);
		vax_date e = or_default(add(c->p->dob, &in->end_age), DATE_HIGH);
		if (!has_obs(c->p, in->code, c->assess) || c->assess >= e)
			continue;
		if (b <= c->assess) {
			*from = DATE_NONE;
			return true;
		}
		if (ahead)
			*from = sooner(*from, b);
	}
	return *from != DATE_NONE;
}

/* ---- 8 best series ---------------------------------------------------- */

static bool is_complete(const struct pseries *ps)
{
	return ps->status == CDSI_COMPLETE;
}

static bool in_process(const struct pseries *ps)
{
	return ps->nvalid > 0 && ps->status == CDSI_NOT_COMPLETE;
}

/* SELECTB-12: earliest date plus the longest minimum interval left. */
static vax_date finish_date(const struct pseries *ps)
{
	if (ps->fc_td < 0 || ps->earliest == DATE_NONE)
		return DATE_NONE;
	vax_date f = ps->earliest;
	for (size_t t = (size_t)ps->fc_td + 1; t < ps->ntd; t++) {
		const struct cdsi_series_dose *sd = ps->td[t].sd;
		for (size_t i = 0; i < sd->nintervals; i++)
			if (sd->intervals[i].from_previous)
				f = later(f, add(f, &sd->intervals[i].min));
	}
	return f;
}

static vax_date last_max_age(struct actx *c, const struct pseries *ps)
{
	if (!ps->ntd)
		return DATE_NONE;
	const struct cdsi_age *a = age_for(ps->td[ps->ntd - 1].sd, c->assess);
	return a ? add(c->p->dob, &a->max) : DATE_NONE;
}

static bool completable(struct actx *c, const struct pseries *ps)
{
	vax_date f = finish_date(ps), m = last_max_age(c, ps);
	if (ps->status != CDSI_NOT_COMPLETE)
		return false;
	return m == DATE_NONE || (f != DATE_NONE && f < m);
}

static bool all_valid(const struct actx *c, const struct pseries *ps)
{
	for (size_t i = 0; i < c->nad; i++)
		if (ps->st[i] != CDSI_EVAL_VALID && ps->st[i] != CDSI_EVAL_NONE)
			return false;
	return true;
}

/* Award +win to those meeting cond, 0 to all when two or more tie and
 * `tie_zero`, -lose to the others. */
static void award(struct pseries **v, size_t n, const bool *cond, int win, int lose, bool tie_zero)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += cond[i];
	for (size_t i = 0; i < n; i++) {
		if (cond[i])
			v[i]->score += (tie_zero && k >= 2) ? 0 : win;
		else
			v[i]->score -= lose;
	}
}

static struct pseries *prioritize_group(struct actx *c, int group)
{
	struct pseries *v[64];
	size_t n = 0;
	bool all_contra = true;
	char top = 'Z';
	for (size_t i = 0; i < c->nps; i++)
		if (c->ps[i].s->series_group == group)
			all_contra &= c->ps[i].status == CDSI_CONTRAINDICATED;
	for (size_t i = 0; i < c->nps; i++) {
		struct pseries *ps = &c->ps[i];
		if (ps->s->series_group != group)
			continue;
		/* SELECTSCORE-2 / 8.1: the highest priority among the
		 * candidate series (SELECTB-24) that can still be given; one
		 * the patient can no longer finish (Aged Out, table 7-10: an
		 * infant series at 60 years) does not hold back a
		 * lower-priority series that can */
		bool candidate = ps->status != CDSI_CONTRAINDICATED || all_contra;
		if (candidate && ps->status != CDSI_AGED_OUT && ps->s->priority < top)
			top = ps->s->priority;
	}
	bool none_valid = true, has_default = false;
	for (size_t i = 0; i < c->nps; i++) {
		struct pseries *ps = &c->ps[i];
		if (ps->s->series_group != group)
			continue;
		none_valid &= ps->nvalid == 0;
		has_default |= ps->s->default_series;
	}
	struct pseries *dflt = NULL;
	for (size_t i = 0; i < c->nps && n < 64; i++) {
		struct pseries *ps = &c->ps[i];
		if (ps->s->series_group != group)
			continue;
		if (ps->s->default_series && !dflt)
			dflt = ps;
		bool candidate = ps->status != CDSI_CONTRAINDICATED || all_contra; /* SELECTB-24 */
		if (!candidate)
			continue;
		bool scorable = false; /* SELECTSCORE-2 */
		if (ps->s->type == SERIES_RISK) {
			scorable = ps->s->priority <= top;
		} else if (ps->s->type == SERIES_STANDARD) {
			vax_date first = DATE_NONE;
			for (size_t j = 0; j < c->nad && first == DATE_NONE; j++)
				if (ps->st[j] == CDSI_EVAL_VALID)
					first = c->ad[j].date;
			vax_date max_start = add(c->p->dob, &ps->s->max_age_start);
			if (first != DATE_NONE && (max_start == DATE_NONE || first < max_start))
				scorable = true;
			if (none_valid && !has_default)
				scorable = true;
		} else {
			scorable = is_complete(ps);
		}
		if (scorable)
			v[n++] = ps;
	}
	/* table 8-3 */
	if (n == 0)
		return dflt;
	if (n == 1)
		return v[0];
	size_t ncomplete = 0, ninproc = 0, ndefault = 0;
	struct pseries *onec = NULL, *onei = NULL, *oned = NULL;
	for (size_t i = 0; i < n; i++) {
		if (is_complete(v[i]))
			ncomplete++, onec = v[i];
		if (in_process(v[i]))
			ninproc++, onei = v[i];
		if (v[i]->s->default_series)
			ndefault++, oned = v[i];
	}
	if (ncomplete == 1)
		return onec;
	if (ncomplete == 0 && ninproc == 1)
		return onei;
	if (ncomplete == 0 && ninproc == 0 && ndefault == 1)
		return oned;
	/* table 8-5: keep only the series worth scoring */
	struct pseries *w[64];
	size_t m = 0;
	enum { SC_COMPLETE, SC_INPROC, SC_NONE } kind;
	if (ncomplete >= 2) {
		kind = SC_COMPLETE;
		for (size_t i = 0; i < n; i++)
			if (is_complete(v[i]))
				w[m++] = v[i];
	} else if (ninproc >= 2) {
		kind = SC_INPROC;
		for (size_t i = 0; i < n; i++)
			if (in_process(v[i]))
				w[m++] = v[i];
	} else {
		kind = SC_NONE;
		bool any_valid = false;
		for (size_t i = 0; i < n; i++)
			any_valid |= v[i]->nvalid > 0;
		if (any_valid) {
			/* table 8-5 has no rule for this (e.g. every series
			 * contraindicated, one with doses): keep the series
			 * with the most valid doses, then the preferred one */
			struct pseries *best = v[0];
			for (size_t i = 1; i < n; i++)
				if (v[i]->nvalid > best->nvalid ||
				    (v[i]->nvalid == best->nvalid &&
				     v[i]->s->preference < best->s->preference))
					best = v[i];
			return best;
		}
		for (size_t i = 0; i < n; i++)
			w[m++] = v[i];
	}
	if (m == 0)
		return v[0];
	bool cond[64];
	int most = 0;
	for (size_t i = 0; i < m; i++) {
		w[i]->score = 0;
		if (w[i]->nvalid > most)
			most = w[i]->nvalid;
	}
	if (kind == SC_COMPLETE) { /* table 8-7 */
		for (size_t i = 0; i < m; i++)
			cond[i] = w[i]->nvalid >= most;
		award(w, m, cond, 1, 1, true);
	} else if (kind == SC_INPROC) { /* table 8-9 */
		for (size_t i = 0; i < m; i++)
			cond[i] = w[i]->s->product_path && all_valid(c, w[i]);
		award(w, m, cond, 2, 2, false);
		for (size_t i = 0; i < m; i++)
			cond[i] = completable(c, w[i]);
		award(w, m, cond, 3, 3, false);
		for (size_t i = 0; i < m; i++)
			cond[i] = w[i]->nvalid >= most;
		award(w, m, cond, 2, 2, true);
		int fewest = 1 << 30;
		int left[64];
		for (size_t i = 0; i < m; i++) {
			left[i] = 0;
			for (size_t t = 0; t < w[i]->ntd; t++)
				left[i] += w[i]->td[t].status == TD_NOT_SATISFIED;
			if (left[i] < fewest)
				fewest = left[i];
		}
		for (size_t i = 0; i < m; i++)
			cond[i] = left[i] == fewest;
		award(w, m, cond, 2, 2, true);
		vax_date soonest = DATE_NONE;
		for (size_t i = 0; i < m; i++)
			if (completable(c, w[i]))
				soonest = sooner(soonest, finish_date(w[i]));
		for (size_t i = 0; i < m; i++)
			cond[i] = completable(c, w[i]) && finish_date(w[i]) == soonest;
		award(w, m, cond, 1, 1, true);
	} else { /* table 8-11 */
		vax_date start = DATE_NONE;
		for (size_t i = 0; i < m; i++)
			start = sooner(start, w[i]->start);
		size_t nstart = 0;
		for (size_t i = 0; i < m; i++)
			nstart += w[i]->start != DATE_NONE && w[i]->start == start;
		for (size_t i = 0; i < m; i++) {
			bool s = w[i]->start != DATE_NONE && w[i]->start == start;
			w[i]->score += s ? (nstart >= 2 ? 0 : 1) : -1;
			w[i]->score += completable(c, w[i]) ? 1 : -1;
			w[i]->score += w[i]->s->product_path ? -1 : 1;
		}
	}
	struct pseries *best = w[0]; /* SELECTBEST-2 */
	for (size_t i = 1; i < m; i++)
		if (w[i]->score > best->score ||
		    (w[i]->score == best->score && w[i]->s->preference < best->s->preference))
			best = w[i];
	return best;
}

static bool equivalent(const struct cdsi_series *a, int group)
{
	for (size_t i = 0; i < a->n_equivalent; i++)
		if (a->equivalent_groups[i] == group)
			return true;
	return false;
}

static void select_best(struct actx *c)
{
	int groups[64];
	struct pseries *prio[64];
	size_t ng = 0;
	for (size_t i = 0; i < c->nps && ng < 64; i++) {
		int g = c->ps[i].s->series_group;
		bool seen = false;
		for (size_t k = 0; k < ng; k++)
			seen |= groups[k] == g;
		if (!seen)
			groups[ng++] = g;
	}
	for (size_t k = 0; k < ng; k++)
		prio[k] = prioritize_group(c, groups[k]);
	for (size_t k = 0; k < ng; k++) { /* table 8-14 */
		struct pseries *p = prio[k];
		if (!p)
			continue;
		if (is_complete(p)) {
			p->best = true;
			continue;
		}
		bool equiv_complete = false, equiv_risk = false;
		for (size_t j = 0; j < ng; j++) {
			if (j == k || !prio[j] || !equivalent(p->s, groups[j]))
				continue;
			equiv_complete |= is_complete(prio[j]);
			equiv_risk |= prio[j]->s->type == SERIES_RISK;
		}
		if (equiv_complete || p->s->type == SERIES_EVAL_ONLY)
			continue;
		if (p->s->type == SERIES_RISK || !equiv_risk)
			p->best = true;
	}
}

/* ---- the antigen loop --------------------------------------------------- */

static int cmp_adose(const void *a, const void *b)
{
	const struct adose *x = a, *y = b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void run_antigen(struct actx *c)
{
	/* 4.2: doses carrying this antigen at the patient's age then */
	c->nad = 0;
	for (size_t i = 0; i < c->p->ndoses; i++) {
		const struct cdsi_dose *d = &c->p->doses[i];
		if (d->date > c->assess)
			continue;
		const struct cdsi_cvx_entry *e = cdsi_data_cvx(c->d, d->cvx);
		for (size_t k = 0; e && k < e->nassoc; k++) {
			const struct cdsi_assoc *as = &e->assoc[k];
			if (as->antigen != c->antigen)
				continue;
			vax_date b = or_default(add(c->p->dob, &as->begin_age), DATE_LOW);
			vax_date en = or_default(add(c->p->dob, &as->end_age), DATE_HIGH);
			if (d->date < b || d->date >= en)
				continue;
			c->ad[c->nad++] = (struct adose){.idx = i, .date = d->date, .cvx = d->cvx, .src = d};
			break;
		}
	}
	qsort(c->ad, c->nad, sizeof *c->ad, cmp_adose);

	c->nps = 0;
	vax_date from;
	for (size_t i = 0; i < c->ag->nseries; i++) {
		if (!series_relevant(c, &c->ag->series[i], false, &from))
			continue;
		struct pseries *ps = &c->ps[c->nps++];
		ps->s = &c->ag->series[i];
		ps->from = DATE_NONE;
	}
	/* Table 5-5 leaves an antigen without any relevant series when the
	 * patient's indication only applies from an age still to come (dengue
	 * from 9 years). The specification then has no forecast to make; the
	 * risk series is followed so the forecast says when the indication
	 * starts (its begin age date is the earliest date). Where any series
	 * of the antigen applies today, table 5-4 decides alone. */
	if (!c->nps)
		for (size_t i = 0; i < c->ag->nseries; i++) {
			if (!series_relevant(c, &c->ag->series[i], true, &from))
				continue;
			struct pseries *ps = &c->ps[c->nps++];
			ps->s = &c->ag->series[i];
			ps->from = from;
		}
	int passes = c->ag->uses_completed_series ? 2 : 1;
	for (int pass = 0; pass < passes; pass++) {
		c->pass2 = pass == 1;
		for (size_t i = 0; i < c->nps; i++) {
			struct pseries *ps = &c->ps[i];
			series_reset(c, ps);
			evaluate_series(c, ps);
			forecast_series(c, ps);
		}
		for (size_t i = 0; i < c->nps; i++)
			c->ps[i].pass1_status = c->ps[i].status;
	}
	for (size_t i = 0; i < c->nps; i++) {
		struct pseries *ps = &c->ps[i];
		ps->nvalid = 0;
		for (size_t t = 0; t < ps->ntd; t++)
			ps->nvalid += ps->td[t].status == TD_SATISFIED;
		ps->best = false;
	}
	select_best(c);
}

/* ---- 9 vaccine groups ---------------------------------------------------- */

/* Diagnostics for vaxdesk-forecast --trace: every series of the antigen. */
FILE *cdsi_trace;

static void trace_antigen(const struct actx *c)
{
	char a[DATE_ISO_LEN], b[DATE_ISO_LEN], e[DATE_ISO_LEN];
	fprintf(cdsi_trace, "  antigen %s: %zu doses\n", c->ag->name, c->nad);
	for (size_t i = 0; i < c->nps; i++) {
		const struct pseries *ps = &c->ps[i];
		fprintf(cdsi_trace, "    %s%s [grp %d %c pref %d] %s #%d e=%s r=%s pd=%s%s\n",
		        ps->best ? "*" : " ", ps->s->name, ps->s->series_group, ps->s->priority,
		        ps->s->preference, cdsi_series_status_name(ps->status), ps->dose_number,
		        date_format_iso(ps->earliest, a), date_format_iso(ps->rec, b),
		        date_format_iso(ps->pastdue, e), ps->priority ? " priority" : "");
		for (size_t k = 0; k < c->nad; k++)
			fprintf(cdsi_trace, "      dose %s cvx %d: %s %s td%d\n",
			        date_format_iso(c->ad[k].date, a), c->ad[k].cvx,
			        cdsi_eval_status_name(ps->st[k]), cdsi_eval_reason_text(ps->rs[k]),
			        ps->tdnum[k]);
		fprintf(cdsi_trace, "      targets:");
		for (size_t t = 0; t < ps->ntd; t++)
			fprintf(cdsi_trace, " %c", "NSK"[ps->td[t].status]);
		fprintf(cdsi_trace, "\n");
	}
}

/* The one best series of an antigen shown for the group when there are
 * several (a risk series beside a standard one, child and 50+ pneumococcal):
 * a series the patient is too young to start and has no dose in comes last;
 * then a risk series that is not aged out (the patient's condition), then
 * "Not complete" before "Complete" before the other statuses, then the one
 * due soonest. */
static struct pseries *shown_series(struct actx *c)
{
	if (cdsi_trace)
		trace_antigen(c);
	struct pseries *pick = NULL;
	int pick_rank = -1;
	for (size_t i = 0; i < c->nps; i++) {
		struct pseries *ps = &c->ps[i];
		if (!ps->best)
			continue;
		/* a series the patient is too young to start and has no dose
		 * in yet (adult pneumococcal at 2 years) is for later */
		vax_date start = add(c->p->dob, &ps->s->min_age_start);
		bool later_series = ps->nvalid == 0 && start != DATE_NONE && start > c->assess;
		int rank = later_series                                                      ? 0
		           : ps->status == CDSI_NOT_COMPLETE                                 ? 4
		           : ps->status == CDSI_COMPLETE                                     ? 3
		           : ps->status == CDSI_IMMUNE || ps->status == CDSI_CONTRAINDICATED ? 2
		                                                                             : 1;
		bool risk = ps->s->type == SERIES_RISK;
		bool pick_risk = pick && pick->s->type == SERIES_RISK;
		if (rank >= 2 && risk)
			rank += 10;
		if (rank > pick_rank || (rank == pick_rank && risk && !pick_risk) ||
		    (rank == pick_rank && risk == pick_risk && rank % 10 == 4 &&
		     ps->earliest < pick->earliest)) {
			pick = ps;
			pick_rank = rank;
		}
	}
	return pick;
}

static int status_rank(enum cdsi_eval_status s)
{
	switch (s) {
	case CDSI_EVAL_NOT_VALID:
		return 4;
	case CDSI_EVAL_SUBSTANDARD:
		return 3;
	case CDSI_EVAL_EXTRANEOUS:
		return 2;
	case CDSI_EVAL_VALID:
		return 1;
	case CDSI_EVAL_NONE:
		break;
	}
	return 0;
}

struct antigen_out {
	enum cdsi_series_status status;
	bool present;
	bool borrowed; /* some doses are valid only in another best series */
	int nvalid;    /* doses valid for the antigen in any best series */
	int dose_number;
	vax_date earliest, rec, pastdue, latest;
	bool priority, risk;
	char series[128];
	int series_doses;
	int rec_cvx[8];
	size_t nrec_cvx;
};

static void group_result(struct actx *c, const struct cdsi_group *g, struct cdsi_group_result *out)
{
	struct antigen_out ao[4];
	size_t na = 0;
	size_t nd = c->p->ndoses;
	enum cdsi_eval_status *gst = xcalloc(nd, sizeof *gst);
	enum cdsi_eval_reason *grs = xcalloc(nd, sizeof *grs);
	unsigned *gmask = xcalloc(nd, sizeof *gmask);
	int *gnum = xcalloc(nd, sizeof *gnum), *gof = xcalloc(nd, sizeof *gof);
	int *gfix = xcalloc(nd, sizeof *gfix);
	bool *carries = xcalloc(nd, sizeof *carries);

	for (size_t a = 0; a < g->nantigens && a < 4; a++) {
		c->antigen = g->antigens[a];
		c->ag = &c->d->antigens[c->antigen];
		run_antigen(c);
		struct pseries *ps = shown_series(c);
		struct antigen_out *o = &ao[na++];
		memset(o, 0, sizeof *o);
		for (size_t i = 0; i < c->nad; i++)
			carries[c->ad[i].idx] = true;
		if (!ps) {
			/* no series applies (e.g. a risk-only antigen without
			 * the condition): nothing is recommended */
			o->status = CDSI_NOT_RECOMMENDED;
			o->earliest = o->rec = o->pastdue = o->latest = DATE_NONE;
			for (size_t i = 0; i < c->nad; i++)
				if (!gst[c->ad[i].idx])
					gst[c->ad[i].idx] = CDSI_EVAL_NONE;
			continue;
		}
		o->present = true;
		o->status = ps->status;
		o->dose_number = ps->dose_number;
		o->earliest = ps->earliest;
		o->rec = ps->rec;
		o->pastdue = ps->pastdue;
		o->latest = ps->latest;
		o->priority = ps->priority;
		o->risk = ps->s->type == SERIES_RISK;
		snprintf(o->series, sizeof o->series, "%s", ps->s->name);
		o->series_doses = (int)ps->s->ndoses;
		for (size_t t = 0; t < ps->s->ndoses; t++)
			if (ps->s->doses[t].recurring)
				o->series_doses = 0;
		memcpy(o->rec_cvx, ps->recommended_cvx, sizeof o->rec_cvx);
		o->nrec_cvx = ps->nrec_cvx;
		for (size_t i = 0; i < c->nad; i++) {
			size_t k = c->ad[i].idx;
			/* a dose counts for the antigen when it is valid in any
			 * best series (an MMR dose valid in the standard series
			 * but before the risk series' reference date) */
			enum cdsi_eval_status st = ps->st[i];
			enum cdsi_eval_reason rs = ps->rs[i];
			unsigned mask = ps->rmask[i];
			for (size_t j = 0; j < c->nps && st != CDSI_EVAL_VALID; j++)
				if (c->ps[j].best && c->ps[j].st[i] == CDSI_EVAL_VALID) {
					st = CDSI_EVAL_VALID;
					rs = CDSI_REASON_NONE;
					mask = 0;
					o->borrowed = true;
				}
			o->nvalid += st == CDSI_EVAL_VALID;
			if (status_rank(st) > status_rank(gst[k])) {
				gst[k] = st;
				grs[k] = rs;
				gmask[k] = 0;
			}
			if (st == gst[k])
				gmask[k] |= mask | (rs ? 1u << rs : 0);
			if (!gnum[k] && ps->tdnum[i]) {
				gnum[k] = ps->tdnum[i];
				bool open = false;
				int last_m = -1;
				for (size_t t = 0; t < ps->s->ndoses; t++) {
					const struct cdsi_series_dose *d = &ps->s->doses[t];
					open |= d->recurring;
					/* the childhood doses: those recommended before age 7,
					 * each at a later age than the one before (DTaP's five;
					 * a make-up dose at the same age, Tdap and the boosters
					 * are not among them) */
					const struct cdsi_span *rec =
					    d->nages ? &d->ages[0].earliest_rec : NULL;
					int m = rec && rec->set ? rec->sp.years * 12 + rec->sp.months : -1;
					if (!d->recurring && m > last_m && m < 7 * 12) {
						gfix[k]++;
						last_m = m;
					}
				}
				gof[k] = open ? 0 : (int)ps->s->ndoses;
			}
		}
	}

	/* per-dose results in date order */
	size_t ne = 0;
	for (size_t k = 0; k < nd; k++)
		ne += carries[k];
	out->evals = xcalloc(ne, sizeof *out->evals);
	out->nevals = 0;
	for (size_t k = 0; k < nd; k++) {
		if (!carries[k])
			continue;
		struct cdsi_dose_eval *e = &out->evals[out->nevals++];
		e->dose = k;
		e->status = gst[k];
		e->reason = grs[k];
		e->reasons = gmask[k];
		e->dose_number = gst[k] == CDSI_EVAL_VALID ? gnum[k] : 0;
		e->series_doses = gof[k];
		e->fixed_doses = gfix[k];
	}
	for (size_t i = 1; i < out->nevals; i++) /* insertion sort by date, stable */
		for (size_t j = i;
		     j > 0 && c->p->doses[out->evals[j].dose].date < c->p->doses[out->evals[j - 1].dose].date;
		     j--) {
			struct cdsi_dose_eval t = out->evals[j];
			out->evals[j] = out->evals[j - 1];
			out->evals[j - 1] = t;
		}

	/* 4.6: blend only best series of the same type. When an antigen is
	 * followed on a risk series (pertussis in pregnancy), the group's
	 * forecast is made from the risk series; the other antigens' standard
	 * series do not join it. */
	bool any_risk = false;
	for (size_t a = 0; a < na; a++)
		any_risk |= ao[a].present && ao[a].risk;
	if (any_risk)
		for (size_t a = 0; a < na; a++)
			if (!ao[a].risk)
				ao[a].present = false;

	/* 9.2 / 9.3 */
	out->earliest = out->recommended = out->past_due = out->latest = DATE_NONE;
	out->dose_number = 0;
	size_t npresent = 0;
	bool any[6] = {0}, all_immune = true, all_done = true;
	for (size_t a = 0; a < na; a++) {
		if (!ao[a].present)
			continue;
		npresent++;
		any[ao[a].status] = true;
		all_immune &= ao[a].status == CDSI_IMMUNE;
		all_done &= ao[a].status == CDSI_COMPLETE || ao[a].status == CDSI_IMMUNE;
	}
	if (!npresent)
		out->status = CDSI_NOT_RECOMMENDED;
	else if (any[CDSI_CONTRAINDICATED])
		out->status = CDSI_CONTRAINDICATED;
	else if (any[CDSI_AGED_OUT])
		out->status = CDSI_AGED_OUT;
	else if (any[CDSI_NOT_RECOMMENDED])
		out->status = CDSI_NOT_RECOMMENDED;
	else if (any[CDSI_NOT_COMPLETE])
		out->status = CDSI_NOT_COMPLETE;
	else if (all_immune)
		out->status = CDSI_IMMUNE;
	else if (all_done)
		out->status = CDSI_COMPLETE;
	else
		out->status = CDSI_NOT_COMPLETE;
	if (npresent == 1 && na == 1)
		out->status = ao[0].status; /* SINGLEANTVG-1 */

	if (out->status == CDSI_NOT_COMPLETE) {
		bool priority = false;
		vax_date min_e = DATE_NONE, max_e = DATE_NONE, rec = DATE_NONE, pd = DATE_NONE,
		         lat = DATE_NONE;
		int dn = 0;
		bool first = true;
		for (size_t a = 0; a < na; a++) {
			struct antigen_out *o = &ao[a];
			if (!o->present || o->status != CDSI_NOT_COMPLETE)
				continue;
			priority |= o->priority;
			min_e = sooner(min_e, o->earliest);
			max_e = later(max_e, o->earliest);
			rec = sooner(rec, o->rec);
			pd = sooner(pd, o->pastdue);
			lat = sooner(lat, o->latest);
			/* doses valid in another best series (a standard series
			 * completed before a risk series started) still count in
			 * the dose number people see */
			int odn =
			    o->borrowed && o->nvalid + 1 > o->dose_number ? o->nvalid + 1 : o->dose_number;
			if (first)
				dn = odn;
			else
				dn = g->administer_full ? (odn < dn ? odn : dn) : (odn > dn ? odn : dn);
			first = false;
			if (!out->series[0] || o->risk) {
				snprintf(out->series, sizeof out->series, "%s", o->series);
				out->series_doses = o->series_doses;
				out->risk = o->risk;
			}
			for (size_t v = 0; v < o->nrec_cvx && out->nrecommended_cvx < 8; v++) {
				bool dup = false;
				for (size_t w = 0; w < out->nrecommended_cvx; w++)
					dup |= out->recommended_cvx[w] == o->rec_cvx[v];
				if (!dup)
					out->recommended_cvx[out->nrecommended_cvx++] = o->rec_cvx[v];
			}
		}
		vax_date e = max_e;
		if (na > 1 && priority) { /* MULTIANTVG-1 */
			vax_date last = DATE_NONE;
			for (size_t k = 0; k < nd; k++)
				if (carries[k] && c->p->doses[k].date <= c->assess)
					last = later(last, c->p->doses[k].date);
			e = later(min_e, last);
		}
		out->earliest = e;
		out->recommended = later(rec, e);                           /* FORECASTVG-2 */
		out->past_due = pd == DATE_NONE ? DATE_NONE : later(pd, e); /* FORECASTVG-3 */
		out->latest = lat;                                          /* FORECASTVG-4 */
		out->dose_number = dn;                                      /* FORECASTDN-2 */
	} else {
		for (size_t a = 0; a < na; a++)
			if (ao[a].present && !out->series[0]) {
				snprintf(out->series, sizeof out->series, "%s", ao[a].series);
				out->series_doses = ao[a].series_doses;
				out->risk = ao[a].risk;
			}
	}
	free(gst);
	free(grs);
	free(gmask);
	free(gnum);
	free(gof);
	free(gfix);
	free(carries);
}

/* want[g] picks the groups to evaluate (NULL: every one). */
static bool evaluate(const struct cdsi_data *d, const struct cdsi_patient *p, vax_date assessment,
                     const bool *want, struct cdsi_result *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	if (p->dob == DATE_NONE)
		return error_set(err, "CDSI-NO-DOB", "The date of birth is needed to evaluate the history.");
	if (assessment == DATE_NONE)
		return error_set(err, "CDSI-NO-DATE", "An assessment date is needed.");
	for (size_t i = 0; i < p->ndoses; i++) {
		if (p->doses[i].date == DATE_NONE)
			return error_set(err, "CDSI-DOSE-DATE", "Dose %zu has no date.", i + 1);
		if (p->doses[i].date < p->dob)
			return error_set(err, "CDSI-DOSE-BEFORE-BIRTH",
			                 "Dose %zu is dated before the date of birth.", i + 1);
	}
	size_t maxseries = 0;
	for (size_t i = 0; i < d->nantigens; i++)
		if (d->antigens[i].nseries > maxseries)
			maxseries = d->antigens[i].nseries;
	struct actx c = {.d = d, .p = p, .assess = assessment};
	c.ad = xcalloc(p->ndoses, sizeof *c.ad);
	c.ps = xcalloc(maxseries, sizeof *c.ps);
	for (size_t i = 0; i < maxseries; i++) {
		c.ps[i].st = xcalloc(p->ndoses, sizeof *c.ps[i].st);
		c.ps[i].rs = xcalloc(p->ndoses, sizeof *c.ps[i].rs);
		c.ps[i].rmask = xcalloc(p->ndoses, sizeof *c.ps[i].rmask);
		c.ps[i].tdnum = xcalloc(p->ndoses, sizeof *c.ps[i].tdnum);
		c.ps[i].inadv = xcalloc(p->ndoses, sizeof *c.ps[i].inadv);
	}
	out->groups = xcalloc(d->ngroups + 1, sizeof *out->groups);
	for (size_t gi = 0; gi < d->ngroups; gi++) {
		if (want && !want[gi])
			continue;
		struct cdsi_group_result *r = &out->groups[out->ngroups++];
		r->group = (int)gi;
		group_result(&c, &d->groups[gi], r);
	}
	for (size_t i = 0; i < maxseries; i++) {
		free(c.ps[i].st);
		free(c.ps[i].rs);
		free(c.ps[i].rmask);
		free(c.ps[i].tdnum);
		free(c.ps[i].inadv);
		free(c.ps[i].td);
	}
	free(c.ps);
	free(c.ad);
	return true;
}

bool cdsi_evaluate(const struct cdsi_data *d, const struct cdsi_patient *p, vax_date assessment,
                   int only_group, struct cdsi_result *out, struct vax_error *err)
{
	if (only_group >= (int)d->ngroups) {
		memset(out, 0, sizeof *out);
		return error_set(err, "CDSI-GROUP", "No such vaccine group.");
	}
	if (only_group < 0)
		return evaluate(d, p, assessment, NULL, out, err);
	bool *want = xcalloc(d->ngroups, sizeof *want);
	want[only_group] = true;
	bool ok = evaluate(d, p, assessment, want, out, err);
	free(want);
	return ok;
}

bool cdsi_evaluate_groups(const struct cdsi_data *d, const struct cdsi_patient *p, vax_date assessment,
                          const bool *want, struct cdsi_result *out, struct vax_error *err)
{
	return evaluate(d, p, assessment, want, out, err);
}

void cdsi_result_free(struct cdsi_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].evals);
	free(r->groups);
	memset(r, 0, sizeof *r);
}

const struct cdsi_group_result *cdsi_result_group(const struct cdsi_result *r, int group)
{
	for (size_t i = 0; i < r->ngroups; i++)
		if (r->groups[i].group == group)
			return &r->groups[i];
	return NULL;
}

int cdsi_eval_of(const struct cdsi_dose_eval *e)
{
	int of = e->series_doses > 0 ? e->series_doses : e->fixed_doses;
	return of > 0 && e->dose_number <= of ? of : 0;
}

const char *cdsi_eval_status_name(enum cdsi_eval_status s)
{
	switch (s) {
	case CDSI_EVAL_VALID:
		return "Valid";
	case CDSI_EVAL_NOT_VALID:
		return "Not Valid";
	case CDSI_EVAL_EXTRANEOUS:
		return "Extraneous";
	case CDSI_EVAL_SUBSTANDARD:
		return "Sub-standard";
	case CDSI_EVAL_NONE:
		break;
	}
	return "";
}

const char *cdsi_eval_reason_text(enum cdsi_eval_reason r)
{
	switch (r) {
	case CDSI_REASON_TOO_YOUNG:
		return "Age: Too Young";
	case CDSI_REASON_TOO_OLD:
		return "Age: Too Old";
	case CDSI_REASON_TOO_SOON:
		return "Interval: Too Soon";
	case CDSI_REASON_INADVERTENT:
		return "Inadvertent Vaccine";
	case CDSI_REASON_CONFLICT:
		return "Live Virus Conflict";
	case CDSI_REASON_NOT_PREFERABLE_OR_ALLOWABLE:
		return "Not a preferable or allowable vaccine";
	case CDSI_REASON_SERIES_COMPLETE:
		return "Series Already Complete";
	case CDSI_REASON_SUBSTANDARD:
		return "Dose condition (recall, cold chain, sub-potent)";
	case CDSI_REASON_EXPIRED:
		return "Given after lot expiration";
	case CDSI_REASON_NONE:
		break;
	}
	return "";
}

const char *cdsi_series_status_name(enum cdsi_series_status s)
{
	switch (s) {
	case CDSI_NOT_COMPLETE:
		return "Not complete";
	case CDSI_COMPLETE:
		return "Complete";
	case CDSI_AGED_OUT:
		return "Aged out";
	case CDSI_IMMUNE:
		return "Immune";
	case CDSI_CONTRAINDICATED:
		return "Contraindicated";
	case CDSI_NOT_RECOMMENDED:
		return "Not recommended";
	}
	return "";
}
