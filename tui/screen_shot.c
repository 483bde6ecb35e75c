/* tui/screen_shot.c - recording a dose: Add New (given here today), Add
 * Historical (given elsewhere or earlier) and refusals, one form each.
 *
 * Every field is checked twice: by its kind as it is typed (forms/), then
 * the whole dose by core/rules.h, the registry's own rules, whose messages
 * go beside the field they concern. A likely duplicate and a history that
 * may be out of date both ask before anything is saved. Saving writes the
 * dose and its outbox entry durably (cache_save_immunization); the sync
 * sends it, online or not.
 *
 * A vial barcode read by a keyboard-wedge scanner arrives as typed text in
 * the vaccine field; when the field is left (the scanner's Tab or Enter) a
 * GS1 element string fills vaccine, manufacturer, lot and expiration from
 * the NDC table (forms/gs1.h, codes_ndc_by_gtin).
 *
 * Add New records a visit: the date, provider and funding once, then one
 * row per vaccine given (forms/ repeating rows). Only the row with the
 * cursor is shown in full; the others are one line each. Every row is
 * checked and the doses are saved together (cache_save_immunizations), each
 * with its own uuid and outbox entry, or none is.
 *
 * Editing a dose opens the same form filled in, with a required reason that
 * travels with the dose (extension edit-reason) and an update through the
 * outbox (If-Match on the version read). The outbox's edit of a rejected
 * dose uses it too, replacing the entry's payload instead. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cache/lots.h"
#include "core/codes.h"
#include "core/immunization.h"
#include "core/fhir.h"
#include "core/lot.h"
#include "core/rules.h"
#include "core/text.h"
#include "core/vocab.h"
#include "core/xalloc.h"
#include "forms/gs1.h"
#include "tui/tui.h"

/* clang-format off */
#define F_VACCINE  { .id = "cvx", .label = "Vaccine", .kind = FORM_CODE, \
                     .flags = FORM_REQUIRED, .max_len = 64, .width = 16 }
#define F_MVX      { .id = "mvx", .label = "Manufacturer", .kind = FORM_CODE, .width = 12 }
#define F_LOT      { .id = "lot", .label = "Lot number", .kind = FORM_TEXT, .max_len = 20, .width = 20, \
                     .validate = lot_check }
#define F_EXP      { .id = "expiration", .label = "Expiration date", .kind = FORM_DATE }
#define F_DOSE     { .id = "dose", .label = "Dose volume (mL)", .kind = FORM_TEXT, .max_len = 8, \
                     .width = 8, .validate = volume_check }
#define F_ROUTE    { .id = "route", .label = "Route", .kind = FORM_CODE, .width = 10 }
#define F_SITE     { .id = "site", .label = "Site", .kind = FORM_CODE, .width = 10 }
#define F_VIS      { .id = "vis_date", .label = "VIS given on", .kind = FORM_DATE }
#define F_DATE     { .id = "date_given", .label = "Date given", .kind = FORM_DATE, .flags = FORM_REQUIRED }
#define F_REFUSED  { .id = "date_given", .label = "Date refused", .kind = FORM_DATE, .flags = FORM_REQUIRED }
#define F_FUNDING  { .id = "funding", .label = "Funding source", .kind = FORM_CODE, .width = 10 }
#define F_VFC      { .id = "vfc", .label = "VFC eligibility", .kind = FORM_CODE, .width = 10 }
#define F_PROVIDER { .id = "provider", .label = "Administered by", .kind = FORM_TEXT, .max_len = 50, \
                     .width = 30 }
#define F_SOURCE   { .id = "info_source", .label = "Record source", .kind = FORM_CODE, \
                     .flags = FORM_REQUIRED, .width = 10 }
#define F_REFUSAL  { .id = "refusal_reason", .label = "Reason refused", .kind = FORM_CODE, \
                     .flags = FORM_REQUIRED, .width = 10 }
#define F_WHY      { .id = "edit_reason", .label = "Why change it", .kind = FORM_TEXT, \
                     .flags = FORM_REQUIRED, .max_len = 100, .width = 40 }
/* clang-format on */

#define ROWS_MAX     8                   /* vaccines in one visit */
#define FORM_WHY_MAX (8 + 12 * ROWS_MAX) /* fields of a visit form */

/* A lot number given here is checked as the vial prints it; one from an
 * old paper record is taken as written (ctx: the instance's mode). */
static const char *lot_check(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)buf, (void)len;
	const enum shot_mode *mode = ctx;
	return mode && *mode == SHOT_ADMINISTERED ? lot_number_check(value) : NULL;
}

static const char *volume_check(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	int ul;
	if (!value[0] || imm_parse_volume(value, &ul))
		return NULL;
	return "Enter the volume in mL, like 0.5.";
}

/* Add New: the visit once (who gave them, the child's eligibility), then a
 * row per vaccine, each with its lot (the lot says its funding source: VFC
 * stock and private stock are kept apart) */
static const struct form_field_spec visit_specs[] = {F_DATE, F_PROVIDER, F_VFC};
static const struct form_field_spec row_specs[] = {F_VACCINE, F_LOT,   F_MVX,  F_EXP, F_FUNDING,
                                                   F_DOSE,    F_ROUTE, F_SITE, F_VIS};
static const struct form_field_spec hist_specs[] = {F_VACCINE, F_DATE, F_SOURCE, F_MVX, F_LOT, F_PROVIDER};
static const struct form_field_spec refusal_specs[] = {F_VACCINE, F_REFUSED, F_REFUSAL};
/* editing one dose: its form and the reason */
static const struct form_field_spec edit_given_specs[] = {F_VACCINE, F_LOT,      F_MVX, F_EXP,  F_DOSE,
                                                          F_ROUTE,   F_SITE,     F_VIS, F_DATE, F_FUNDING,
                                                          F_VFC,     F_PROVIDER, F_WHY};
static const struct form_field_spec edit_hist_specs[] = {F_VACCINE, F_DATE,     F_SOURCE, F_MVX,
                                                         F_LOT,     F_PROVIDER, F_WHY};
static const struct form_field_spec edit_refusal_specs[] = {F_VACCINE, F_REFUSED, F_REFUSAL, F_WHY};
static const struct form_field_spec delete_specs[] = {
    {.id = "reason",
     .label = "Why delete it",
     .kind = FORM_TEXT,
     .flags = FORM_REQUIRED,
     .max_len = 100,
     .width = 40},
};

/* One open shot form: its own form, client and questions answered. */
struct shot_view {
	struct form *form;
	/* the spec tables this form was made from, wired to this form's code
	 * lists (a form keeps pointers to both) */
	struct form_field_spec specs[16], row_specs[12];
	struct form_choice *vaccine_choices, *mvx_choices;
	bool *vaccine_gone, *mvx_gone; /* beside them: no longer current */
	char **vaccine_labels;         /* "IPV - poliovirus vaccine, inactivated" (owned) */
	size_t n_vaccine_labels;
	size_t n_vaccine_choices, n_mvx_choices;
	const char **vaccine_choice_mvx; /* a trade name's maker, beside vaccine_choices */
	/* the lots on hand as this form knows them (its own copy: the lot
	 * field's list points into it), and each one's line in that list */
	struct vax_lot *lots;
	int n_lots;
	char (*lot_label)[128];
	char row_cvx[ROWS_MAX][4]; /* the vaccine each row's lists were made for */
	int row_lots[ROWS_MAX];    /* ... and how many lots they listed */
	struct form_choice *vocab_choices[VOCAB_COUNT];
	size_t n_vocab_choices[VOCAB_COUNT];
	enum shot_mode mode;
	bool ok_stale;         /* the person said yes to these questions */
	bool ok_dup[ROWS_MAX]; /* ... for each row */
	int dup_row;           /* the row the duplicate question is about */
	bool deleting;         /* the form asks why a dose is deleted */
	bool editing;          /* the form changes v->victim */
	int64_t outbox_seq;    /* > 0: editing that rejected outbox entry's payload */
	bool outbox_create;    /* ... which creates the dose */
	struct immunization victim;
	char scan_note[160]; /* what a scan filled in */
	long shown_row;      /* the row shown in full when the cursor is on the visit */
	/* the client, as read when the form opened */
	char client_key[CACHE_KEY_STR];
	struct client cl;
	bool stale;                /* its history is old: a new dose asks first */
	struct immunization *have; /* its doses, for the duplicate check */
	int n_have;
};

/* Code lists from the CDC tables and the vocabularies, for this form. */
static void make_choices(struct shot_view *v, struct app *a)
{
	const struct codes *c = app_codes(a);
	if (c) {
		const struct cvx_info *cvx;
		const struct product_info *prod;
		size_t nc = codes_cvx_all(c, &cvx), np = codes_product_all(c, &prod);
		v->vaccine_choices = xcalloc(nc + np + 1, sizeof *v->vaccine_choices);
		v->vaccine_gone = xcalloc(nc + np + 1, sizeof *v->vaccine_gone);
		v->vaccine_choice_mvx = xcalloc(nc + np + 1, sizeof *v->vaccine_choice_mvx);
		/* the full name: "IPV" says less than "poliovirus vaccine, inactivated" */
		v->vaccine_labels = xcalloc(nc + 1, sizeof *v->vaccine_labels);
		for (size_t i = 0; i < nc; i++)
			if (cvx[i].status != CVX_NEVER_ACTIVE) {
				const char *label = cvx[i].short_desc;
				if (cvx[i].full_name && strcasecmp(cvx[i].full_name, cvx[i].short_desc)) {
					size_t len = strlen(cvx[i].short_desc) + strlen(cvx[i].full_name) + 4;
					char *l = xmalloc(len);
					snprintf(l, len, "%s - %s", cvx[i].short_desc, cvx[i].full_name);
					label = v->vaccine_labels[i] = l;
				}
				v->vaccine_gone[v->n_vaccine_choices] = cvx[i].status != CVX_ACTIVE;
				v->vaccine_choices[v->n_vaccine_choices++] =
				    (struct form_choice){cvx[i].code, label};
			}
		v->n_vaccine_labels = nc;
		/* trade names find the same CVX code ("Pediarix" -> 110) and
		 * know their maker */
		for (size_t i = 0; i < np; i++)
			if (prod[i].active) {
				v->vaccine_choice_mvx[v->n_vaccine_choices] = prod[i].mvx;
				v->vaccine_choices[v->n_vaccine_choices++] =
				    (struct form_choice){prod[i].cvx, prod[i].name};
			}
		const struct mvx_info *mvx;
		size_t nm = codes_mvx_all(c, &mvx);
		v->mvx_choices = xcalloc(nm + 1, sizeof *v->mvx_choices);
		v->mvx_gone = xcalloc(nm + 1, sizeof *v->mvx_gone);
		for (size_t i = 0; i < nm; i++) {
			v->mvx_gone[v->n_mvx_choices] = !mvx[i].active;
			v->mvx_choices[v->n_mvx_choices++] = (struct form_choice){mvx[i].code, mvx[i].name};
		}
	}
	for (int k = 0; k < VOCAB_COUNT; k++) {
		size_t n;
		const struct vocab_entry *e = vocab_entries((enum vocab)k, &n);
		v->vocab_choices[k] = xcalloc(n + 1, sizeof **v->vocab_choices);
		for (size_t i = 0; i < n; i++)
			v->vocab_choices[k][i] = (struct form_choice){e[i].code, e[i].label};
		v->n_vocab_choices[k] = n;
	}
}

static void free_choices(struct shot_view *v)
{
	free(v->vaccine_choices);
	for (size_t i = 0; i < v->n_vaccine_labels; i++)
		free(v->vaccine_labels[i]);
	free(v->vaccine_labels);
	free(v->vaccine_gone);
	free(v->vaccine_choice_mvx);
	free(v->mvx_choices);
	free(v->mvx_gone);
	free(v->lots);
	free(v->lot_label);
	for (int k = 0; k < VOCAB_COUNT; k++)
		free(v->vocab_choices[k]);
}

/* Copy n specs into dst and point each code field at this form's list. */
static struct form_field_spec *wire(struct shot_view *v, struct form_field_spec *dst,
                                    const struct form_field_spec *sp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = sp[i];
		const char *id = sp[i].id;
		struct form_choice *ch = NULL;
		size_t nc = 0;
		int k = -1;
		if (!strcmp(id, "cvx"))
			ch = v->vaccine_choices, nc = v->n_vaccine_choices, dst[i].inactive = v->vaccine_gone;
		else if (!strcmp(id, "mvx"))
			ch = v->mvx_choices, nc = v->n_mvx_choices, dst[i].inactive = v->mvx_gone;
		else if (!strcmp(id, "lot"))
			dst[i].ctx = &v->mode;
		else if (!strcmp(id, "route"))
			k = VOCAB_ROUTE;
		else if (!strcmp(id, "site"))
			k = VOCAB_SITE;
		else if (!strcmp(id, "funding"))
			k = VOCAB_FUNDING;
		else if (!strcmp(id, "vfc"))
			k = VOCAB_VFC;
		else if (!strcmp(id, "info_source"))
			k = VOCAB_INFO_SOURCE;
		else if (!strcmp(id, "refusal_reason"))
			k = VOCAB_REFUSAL;
		if (k >= 0)
			ch = v->vocab_choices[k], nc = v->n_vocab_choices[k];
		if (dst[i].kind == FORM_CODE) {
			dst[i].choices = ch;
			dst[i].n_choices = nc;
		}
	}
	return dst;
}

/* A field of row r (-1: outside the rows); a visit field when the row has no such field. */
static long field_in(struct shot_view *v, long r, const char *id)
{
	long i = r >= 0 ? form_find_in_row(v->form, (size_t)r, id) : -1;
	if (i < 0)
		i = form_find(v->form, id);
	if (i >= 0 && r >= 0 && form_field_row(v->form, (size_t)i) >= 0 &&
	    form_field_row(v->form, (size_t)i) != r)
		return -1; /* another row's */
	return i;
}

static void set_field_in(struct shot_view *v, long r, const char *id, const char *value)
{
	long i = field_in(v, r, id);
	if (i >= 0)
		form_set_value(v->form, (size_t)i, value);
}

static void set_field(struct shot_view *v, const char *id, const char *value)
{
	set_field_in(v, -1, id, value);
}

/* The row with the cursor (-1: a visit field or no rows). */
static long focus_row(struct shot_view *v)
{
	return form_field_row(v->form, form_focus(v->form));
}

static bool get(struct shot_view *v, long r, const char *id, char *buf, size_t len);
static void get_date(struct shot_view *v, long r, const char *id, vax_date *d);
static void build(struct shot_view *v, struct app *a, long r, struct immunization *im);

/* A new vaccine row; the VIS was given today unless changed, the funding
 * source is the last visit's until a lot says otherwise. */
static long add_row(struct shot_view *v, struct app *a)
{
	if (form_rows(v->form) >= ROWS_MAX)
		return -1;
	long r = (long)form_row_add(v->form, v->row_specs, sizeof row_specs / sizeof *row_specs);
	char today[DATE_US_LEN];
	set_field_in(v, r, "vis_date", date_format_us(app_today(), today));
	/* the stock of the visit's other vaccines, else of the last visit */
	char before[8] = "";
	if (r > 0)
		get(v, r - 1, "funding", before, sizeof before);
	if (before[0] || a->last_visit.funding[0])
		set_field_in(v, r, "funding", before[0] ? before : a->last_visit.funding);
	v->row_cvx[r][0] = '\0';
	v->row_lots[r] = -1;
	return r;
}

/* ---- the lots on hand ------------------------------------------------------------ */

/* This form's copy of the lots, each with its line in the lot field's list:
 * "IPV Sanofi Pasteur: 8 left, expires 03/31/2027, Federal funds (VFC...)". */
static void load_lots(struct shot_view *v, struct app *a)
{
	const struct cache_lots *l = app_lots(a);
	const struct codes *c = app_codes(a);
	free(v->lots);
	free(v->lot_label);
	v->n_lots = l->n;
	v->lots = xcalloc((size_t)l->n + 1, sizeof *v->lots);
	v->lot_label = xcalloc((size_t)l->n + 1, sizeof *v->lot_label);
	for (int i = 0; i < l->n; i++) {
		const struct vax_lot *x = &v->lots[i];
		v->lots[i] = l->lot[i];
		const struct cvx_info *ci = c ? codes_cvx(c, x->cvx) : NULL;
		const struct mvx_info *mi = c && x->mvx[0] ? codes_mvx(c, x->mvx) : NULL;
		const char *fund = vocab_label(VOCAB_FUNDING, x->funding);
		char exp[DATE_US_LEN];
		/* what decides first: how many are left and until when */
		snprintf(v->lot_label[i], sizeof v->lot_label[i], "%s %s: %d left, expires %s, %s",
		         ci ? ci->short_desc : x->cvx, mi ? mi->name : x->mvx, x->doses,
		         x->expiry != DATE_NONE ? date_format_us(x->expiry, exp) : "?",
		         fund[0] ? fund : "funding not given");
	}
	for (int r = 0; r < ROWS_MAX; r++)
		v->row_lots[r] = -1; /* the lists are made again */
}

/* The lot on hand with this number (and vaccine, when one is chosen). */
static const struct vax_lot *lot_named(struct shot_view *v, const char *lot, const char *cvx)
{
	const struct vax_lot *any = NULL;
	for (int i = 0; i < v->n_lots; i++) {
		if (!lot_number_same(v->lots[i].lot, lot))
			continue;
		if (!cvx || !cvx[0] || !strcmp(v->lots[i].cvx, cvx))
			return &v->lots[i];
		any = &v->lots[i];
	}
	return cvx && cvx[0] ? NULL : any;
}

/* The date the row's dose is given (today if not typed yet). */
static vax_date visit_day(struct shot_view *v)
{
	vax_date d = DATE_NONE;
	get_date(v, -1, "date_given", &d);
	return d != DATE_NONE ? d : app_today();
}

/* Row r takes lot l: the vaccine, maker, lot, expiry and funding it says. */
static void fill_from_lot(struct shot_view *v, struct app *a, long r, const struct vax_lot *l)
{
	char exp[DATE_US_LEN];
	set_field_in(v, r, "cvx", l->cvx);
	v->row_cvx[r][0] = '\0'; /* its lists follow the vaccine */
	if (l->mvx[0])
		set_field_in(v, r, "mvx", l->mvx);
	set_field_in(v, r, "lot", l->lot);
	if (l->expiry != DATE_NONE)
		set_field_in(v, r, "expiration", date_format_us(l->expiry, exp));
	if (l->funding[0])
		set_field_in(v, r, "funding", l->funding);
	char why[96];
	if (lot_refusal(l, visit_day(v), why, sizeof why)) {
		long li = field_in(v, r, "lot");
		char m[128];
		snprintf(m, sizeof m, "Not usable: %s.", why);
		if (li >= 0)
			form_set_message(v->form, (size_t)li, m);
		app_message(a, MSG_ERROR, "Not usable: %s.", why);
	}
}

/* The pick list of a lot field: why an entry may not be given. */
static const char *lot_refuse(struct app *a, struct screen *below, size_t field, size_t k)
{
	(void)a;
	struct shot_view *v = below->data;
	static char why[128];
	size_t n;
	const struct form_choice *ch = form_choices(v->form, field, &n);
	char cvx[4] = "";
	get(v, form_field_row(v->form, field), "cvx", cvx, sizeof cvx);
	const struct vax_lot *l = k < n ? lot_named(v, ch[k].code, cvx) : NULL;
	return l ? lot_refusal(l, visit_day(v), why, sizeof why) : NULL;
}

/* The makers of a vaccine: those CDC lists a product of it for (all of
 * them when it lists none: an unspecified formulation). */
static void row_makers(struct shot_view *v, struct app *a, long r, const char *cvx)
{
	long mi = field_in(v, r, "mvx");
	const struct codes *c = app_codes(a);
	if (mi < 0 || !c)
		return;
	const struct product_info *p[24];
	int np = cvx[0] ? codes_products(c, cvx, p, 24) : 0;
	struct form_choice ch[24];
	bool gone[24];
	size_t n = 0;
	for (int i = 0; i < np; i++) {
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= !strcmp(ch[k].code, p[i]->mvx);
		const struct mvx_info *m = codes_mvx(c, p[i]->mvx);
		if (dup || !m)
			continue;
		gone[n] = !m->active || !p[i]->active;
		ch[n++] = (struct form_choice){m->code, m->name};
	}
	form_set_choices(v->form, (size_t)mi, n ? ch : NULL, n ? gone : NULL, n);
}

/* The lots on hand a row's lot field lists: of its vaccine, else all. */
static void row_lots(struct shot_view *v, long r, const char *cvx)
{
	long li = field_in(v, r, "lot");
	if (li < 0)
		return;
	struct form_choice *ch = xcalloc((size_t)v->n_lots + 1, sizeof *ch);
	bool *gone = xcalloc((size_t)v->n_lots + 1, sizeof *gone);
	size_t n = 0;
	vax_date day = visit_day(v);
	for (int i = 0; i < v->n_lots; i++) {
		if (cvx[0] && strcmp(v->lots[i].cvx, cvx))
			continue;
		gone[n] = !lot_usable(&v->lots[i], day);
		ch[n++] = (struct form_choice){v->lots[i].lot, v->lot_label[i]};
	}
	form_set_choices(v->form, (size_t)li, n ? ch : NULL, n ? gone : NULL, n);
	free(ch);
	free(gone);
}

/* The fields a rule makes required for this dose (a child's funding and
 * eligibility, a lot for a dose given here): the field empty fails a rule. */
static void mark_required(struct shot_view *v, struct app *a, long r, const struct immunization *im)
{
	static const char *const ids[] = {"lot", "funding", "vfc", "info_source", "refusal_reason"};
	struct rule_ctx ctx = {.today = app_today(), .codes = app_codes(a), .new_record = true};
	bool child = false;
	for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
		long fi = field_in(v, r, ids[k]);
		if (fi < 0 || (form_field_at(v->form, (size_t)fi)->spec->flags & FORM_REQUIRED))
			continue;
		struct immunization t = *im;
		char *f = !strcmp(ids[k], "lot")           ? t.lot
		          : !strcmp(ids[k], "funding")     ? t.funding
		          : !strcmp(ids[k], "vfc")         ? t.vfc
		          : !strcmp(ids[k], "info_source") ? t.info_source
		                                           : t.refusal_reason;
		f[0] = '\0';
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_immunization(&ctx, v->cl.dob, &t, &rep);
		bool req = false;
		for (int i = 0; i < rep.n; i++)
			req |= !strcmp(rep.v[i].field, ids[k]) && rule_severity(rep.v[i].rule) == RULE_ERROR;
		form_set_required(v->form, (size_t)fi, req);
		child |= req && !strcmp(ids[k], "funding");
	}
	/* VFC stock is accounted by lot and expiry: a child's dose needs both */
	long ei = field_in(v, r, "expiration");
	if (ei >= 0)
		form_set_required(v->form, (size_t)ei, child);
}

/* After every change: each row's lists follow its vaccine, the lots on
 * hand follow the registry, the marks follow the rules. */
static void sync_rows(struct shot_view *v, struct app *a)
{
	if (!v->form || v->deleting)
		return;
	size_t nrows = form_rows(v->form) ? form_rows(v->form) : 1;
	for (size_t r = 0; r < nrows && r < ROWS_MAX; r++) {
		long row = form_rows(v->form) ? (long)r : -1;
		char cvx[4] = "";
		get(v, row, "cvx", cvx, sizeof cvx);
		if (strcmp(cvx, v->row_cvx[r]) || v->row_lots[r] != v->n_lots) {
			row_makers(v, a, row, cvx);
			row_lots(v, row, cvx);
			snprintf(v->row_cvx[r], sizeof v->row_cvx[r], "%s", cvx);
			v->row_lots[r] = v->n_lots;
		}
		struct immunization im;
		build(v, a, row, &im);
		mark_required(v, a, row, &im);
	}
}

/* A lot number typed or chosen in row r that is a lot on hand fills the row. */
static void lot_typed(struct shot_view *v, struct app *a, long r)
{
	char lot[LOT_NUMBER_LEN + 8] = "", cvx[4] = "";
	get(v, r, "lot", lot, sizeof lot);
	get(v, r, "cvx", cvx, sizeof cvx);
	const struct vax_lot *l = lot[0] ? lot_named(v, lot, cvx) : NULL;
	if (l)
		fill_from_lot(v, a, r, l);
}

/* A new dose of v->mode: Add New (the visit and one row), Add Historical,
 * a refusal. */
static void make_new(struct shot_view *v, struct app *a)
{
	enum shot_mode mode = v->mode;
	const struct form_field_spec *sp = mode == SHOT_ADMINISTERED ? visit_specs
	                                   : mode == SHOT_HISTORICAL ? hist_specs
	                                                             : refusal_specs;
	size_t n = mode == SHOT_ADMINISTERED ? sizeof visit_specs / sizeof *visit_specs
	           : mode == SHOT_HISTORICAL ? sizeof hist_specs / sizeof *hist_specs
	                                     : sizeof refusal_specs / sizeof *refusal_specs;
	v->form = form_new(wire(v, v->specs, sp, n), n);
	if (mode == SHOT_ADMINISTERED) {
		wire(v, v->row_specs, row_specs, sizeof row_specs / sizeof *row_specs);
		add_row(v, a);
		/* the vaccine first: a scan there fills most of the row */
		form_set_focus(v->form, (size_t)field_in(v, 0, "cvx"));
		/* the same nurse, and usually the same eligibility, as the last visit */
		if (a->last_visit.provider[0])
			set_field(v, "provider", a->last_visit.provider);
		if (a->last_visit.vfc[0])
			set_field(v, "vfc", a->last_visit.vfc);
	}
	form_view_fit(v->form, a->cols);
	char today[DATE_US_LEN];
	date_format_us(app_today(), today);
	if (mode != SHOT_HISTORICAL)
		set_field(v, "date_given", today);
	form_mark_saved(v->form); /* what was filled in is no change of the person's */
}

/* Add New for the vaccines ticked in the due-today checklist: a row each,
 * from its lot on hand where there is one; the cursor on the first field
 * still to answer. */
static void make_visit_rows(struct shot_view *v, struct app *a, const struct open_visit_row *rows, int n)
{
	for (int i = 0; i < n && i < ROWS_MAX; i++) {
		long r = i == 0 ? 0 : add_row(v, a);
		if (r < 0)
			break;
		const struct vax_lot *l = NULL;
		for (int k = 0; k < v->n_lots && rows[i].lot_id[0]; k++)
			if (!strcmp(v->lots[k].id, rows[i].lot_id))
				l = &v->lots[k];
		if (l)
			fill_from_lot(v, a, r, l);
		else
			set_field_in(v, r, "cvx", rows[i].cvx);
	}
	form_view_fit(v->form, a->cols);
	sync_rows(v, a);
	form_mark_saved(v->form);
	for (size_t i = 0; i < form_count(v->form); i++) {
		const struct form_field *f = form_field_at(v->form, i);
		char val[8];
		form_get_value(v->form, i, val, sizeof val);
		if (!f->readonly && f->required && !val[0]) {
			form_set_focus(v->form, i);
			return;
		}
	}
	char save[32];
	draw_short_key(a, KEYMAP_IMMUNIZATION, KEYMAP_EDITING, ACTION_SAVE, save, sizeof save);
	app_message(a, MSG_INFO, "%d vaccine%s filled in from the lots on hand: check them, then %s saves.",
	            n, n == 1 ? "" : "s", save);
}

/* Fill the edit form from a dose. */
static void fill(struct shot_view *v, const struct immunization *im)
{
	char b[64];
	set_field(v, "cvx", im->cvx);
	set_field(v, "mvx", im->mvx);
	set_field(v, "lot", im->lot);
	set_field(v, "expiration", date_format_us(im->expiration, b));
	set_field(v, "dose", im->dose_ul > 0 ? imm_format_volume(im->dose_ul, b, sizeof b) : "");
	set_field(v, "route", im->route);
	set_field(v, "site", im->site);
	set_field(v, "vis_date", im->n_vis > 0 ? date_format_us(im->vis[0].presented, b) : "");
	set_field(v, "date_given", date_format_us(im->date_given, b));
	set_field(v, "funding", im->funding);
	set_field(v, "vfc", im->vfc);
	set_field(v, "provider", im->provider);
	set_field(v, "info_source", im->info_source);
	set_field(v, "refusal_reason", im->refusal_reason);
}

/* The edit form for im as it is now (from the record, or the outbox's). */
static void make_edit(struct shot_view *v, struct app *a, const struct immunization *im)
{
	v->editing = true;
	v->victim = *im;
	/* a historical dose edits as historical, a refusal as a refusal */
	v->mode = im->refused ? SHOT_REFUSAL : im->historical ? SHOT_HISTORICAL : SHOT_ADMINISTERED;
	const struct form_field_spec *sp = v->mode == SHOT_ADMINISTERED ? edit_given_specs
	                                   : v->mode == SHOT_HISTORICAL ? edit_hist_specs
	                                                                : edit_refusal_specs;
	size_t n = v->mode == SHOT_ADMINISTERED ? sizeof edit_given_specs / sizeof *edit_given_specs
	           : v->mode == SHOT_HISTORICAL ? sizeof edit_hist_specs / sizeof *edit_hist_specs
	                                        : sizeof edit_refusal_specs / sizeof *edit_refusal_specs;
	v->form = form_new(wire(v, v->specs, sp, n), n);
	form_view_fit(v->form, a->cols);
	fill(v, im);
}

/* The payload of a rejected outbox dose, as a dose. */
static bool outbox_dose(struct cache_store *st, const struct cache_entry *e, struct immunization *im)
{
	struct vax_error err;
	char *json = cache_outbox_payload(st, e->seq, false, &err);
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	if (json) {
		explicit_bzero(json, strlen(json));
		free(json);
	}
	imm_init(im);
	bool ok = j && fhir_immunization_from_json(j, im, &err);
	cJSON_Delete(j);
	return ok;
}

static void shot_close(struct screen *s)
{
	struct shot_view *v = s->data;
	form_free(&v->form);
	free_choices(v);
	free(v->have);
	explicit_bzero(v, sizeof *v);
	free(v);
}

/* A new instance: the client read from the store (name, birth date, doses
 * for the duplicate check), then the form its arguments ask for. */
static void *shot_open(struct app *a, const void *arg)
{
	const struct open_shot *o = arg;
	if (!o || !o->client_key || !app_store(a))
		return NULL;
	if (!app_may_write(a))
		return NULL;
	struct immunization im;
	if (o->outbox && !outbox_dose(app_store(a), o->outbox, &im)) {
		app_message(a, MSG_ERROR, "This entry cannot be opened for editing.");
		return NULL;
	}
	if (o->im && !o->delete &&o->im->org[0] && !text_ieq(o->im->org, session_org(a->sess))) {
		/* the registry refuses it too (ACCESS-ORG); say so before any typing */
		app_message(a, MSG_ERROR, "Recorded by %s; only they can change this dose.",
		            o->im->org_name[0] ? o->im->org_name : o->im->org);
		return NULL;
	}
	struct record *r = xcalloc(1, sizeof *r);
	snprintf(r->want, sizeof r->want, "%s", o->client_key);
	record_load(a, r, false);
	if (!r->loaded) {
		app_message(a, MSG_ERROR, "The client of this entry is not on this workstation.");
		record_free(r);
		free(r);
		return NULL;
	}
	struct shot_view *v = xcalloc(1, sizeof *v);
	snprintf(v->client_key, sizeof v->client_key, "%s", r->key);
	v->cl = r->cl;
	v->stale = r->stale;
	v->have = r->imms; /* the record's doses become the form's */
	v->n_have = r->n_imms;
	r->imms = NULL;
	r->n_imms = 0;
	record_free(r);
	explicit_bzero(r, sizeof *r);
	free(r);
	make_choices(v, a);
	load_lots(v, a);
	v->mode = o->mode;
	/* a dose given here is given from the lots on hand: today's counts
	 * (a historical dose, a refusal or an edit needs no read) */
	if (!o->im && !o->outbox && !o->delete &&o->mode == SHOT_ADMINISTERED)
		app_lots_refresh_if_old(a);
	if (o->delete) {
		v->deleting = true;
		v->victim = *o->im;
		v->form = form_new(delete_specs, 1);
		form_view_fit(v->form, a->cols);
	} else if (o->outbox) {
		make_edit(v, a, &im);
		v->outbox_seq = o->outbox->seq;
		v->outbox_create = o->outbox->op == CACHE_OP_CREATE;
	} else if (o->im) {
		make_edit(v, a, o->im);
	} else {
		make_new(v, a);
		if (o->n_rows > 0 && v->mode == SHOT_ADMINISTERED)
			make_visit_rows(v, a, o->rows, o->n_rows);
	}
	sync_rows(v, a);
	return v;
}

static void delete_save(struct shot_view *v, struct app *a)
{
	struct immunization im = v->victim;
	im.entered_in_error = true;
	form_view_value(v->form, "reason", im.delete_reason, sizeof im.delete_reason);
	struct capture cap;
	app_capture(a, &cap);
	struct vax_error err;
	struct cache_store *st = app_store(a);
	if (!st || !cache_save_immunization(st, &im, CACHE_OP_DELETE, &cap, NULL, &err)) {
		app_message(a, MSG_ERROR, "Not deleted: %s",
		            st ? err.message : "the local store is not open.");
		return;
	}
	form_free(&v->form);
	app_message(a, MSG_INFO, "Deleted (entered in error); waiting to send.");
	app_outbox_changed(a);
	app_pop(a); /* v is gone after this */
}

/* ---- the vial barcode ------------------------------------------------------------ */

/* The vaccine field holds a scanned element string: fill what it says.
 * Returns true if it was a scan (filled, or refused with a message). */
static bool apply_scan(struct shot_view *v, struct app *a)
{
	long row = focus_row(v);
	long vi = field_in(v, row, "cvx");
	if (vi < 0 || form_focus(v->form) != (size_t)vi)
		return false;
	char raw[256];
	form_view_secret(v->form, (size_t)vi, raw, sizeof raw);
	if (!gs1_looks_scanned(raw))
		return false;
	struct gs1_vial vial;
	struct vax_error err;
	if (!gs1_parse(raw, &vial, &err)) {
		form_set_message(v->form, (size_t)vi, err.message);
		return true;
	}
	const struct codes *c = app_codes(a);
	const struct ndc_info *ndc = c ? codes_ndc_by_gtin(c, vial.gtin) : NULL;
	if (!ndc) {
		form_set_value(v->form, (size_t)vi, "");
		form_set_message(
		    v->form, (size_t)vi,
		    "The vial's product number is not in the CDC NDC table; choose the vaccine.");
		return true;
	}
	/* a vial from the refrigerator is a lot on hand: the lot says the rest
	 * (funding, doses left); an expired vial is never recorded as given */
	const struct vax_lot *l = vial.lot[0] ? lot_named(v, vial.lot, ndc->cvx) : NULL;
	char why[128], d[DATE_US_LEN];
	if (v->mode == SHOT_ADMINISTERED && (l ? lot_refusal(l, visit_day(v), why, sizeof why) != NULL
	                                       : vial.expiry != DATE_NONE && vial.expiry < visit_day(v))) {
		if (!l)
			snprintf(why, sizeof why, "this vial expired on %s", date_format_us(vial.expiry, d));
		form_set_value(v->form, (size_t)vi, "");
		char m[FORM_MSG_LEN];
		snprintf(m, sizeof m, "Not given: %s. Take another vial.", why);
		form_set_message(v->form, (size_t)vi, m);
		app_message(a, MSG_ERROR, "%s", m);
		return true;
	}
	form_set_value(v->form, (size_t)vi, ndc->cvx);
	if (l) {
		fill_from_lot(v, a, row, l);
	} else {
		if (ndc->mvx[0])
			set_field_in(v, row, "mvx", ndc->mvx);
		if (vial.lot[0])
			set_field_in(v, row, "lot", vial.lot);
		if (vial.expiry != DATE_NONE)
			set_field_in(v, row, "expiration", date_format_us(vial.expiry, d));
	}
	snprintf(v->scan_note, sizeof v->scan_note, "Scanned: %.60s, NDC %s%s.", ndc->name ? ndc->name : "",
	         ndc->ndc,
	         l           ? ", a lot on hand"
	         : v->n_lots ? "; not among the lots on hand"
	                     : "");
	/* go on to the first field the barcode does not fill */
	long next = field_in(v, row, "dose");
	if (next < 0)
		next = field_in(v, row, "date_given");
	if (next >= 0)
		form_set_focus(v->form, (size_t)next);
	app_dirty(a, DIRTY_BODY);
	return true;
}

/* ---- saving ---------------------------------------------------------------------- */

/* Field id of row r into buf; false, buf untouched, if the form has no such
 * field (an edit keeps what its form does not show). */
static bool get(struct shot_view *v, long r, const char *id, char *buf, size_t len)
{
	long i = field_in(v, r, id);
	if (i < 0)
		return false;
	form_get_value(v->form, (size_t)i, buf, len);
	return true;
}

static void get_date(struct shot_view *v, long r, const char *id, vax_date *d)
{
	char b[32];
	if (!get(v, r, id, b, sizeof b))
		return;
	if (!b[0] || date_parse_us(b, d) != DATE_OK)
		*d = DATE_NONE;
}

/* The dose of row r (-1: a one-dose form); an edit starts from the dose as
 * read, so its ids, version and what the form does not show are kept. */
static void build(struct shot_view *v, struct app *a, long r, struct immunization *im)
{
	const struct client *cl = &v->cl;
	if (v->editing) {
		*im = v->victim;
	} else {
		imm_init(im);
		snprintf(im->client_id, sizeof im->client_id, "%s", cl->id);
		snprintf(im->client_uuid, sizeof im->client_uuid, "%s", cl->uuid);
		snprintf(im->org, sizeof im->org, "%.*s", (int)sizeof im->org - 1, app_org(a));
		app_capture(a, &im->capture);
	}
	char old_cvx[sizeof im->cvx];
	snprintf(old_cvx, sizeof old_cvx, "%s", im->cvx);
	get(v, r, "cvx", im->cvx, sizeof im->cvx);
	get(v, r, "mvx", im->mvx, sizeof im->mvx);
	get(v, r, "lot", im->lot, sizeof im->lot);
	get_date(v, r, "expiration", &im->expiration);
	char vol[16];
	if (get(v, r, "dose", vol, sizeof vol)) {
		im->dose_ul = 0;
		if (vol[0])
			imm_parse_volume(vol, &im->dose_ul);
	}
	get(v, r, "route", im->route, sizeof im->route);
	get(v, r, "site", im->site, sizeof im->site);
	get(v, r, "funding", im->funding, sizeof im->funding);
	get(v, r, "vfc", im->vfc, sizeof im->vfc);
	get(v, r, "provider", im->provider, sizeof im->provider);
	get_date(v, r, "date_given", &im->date_given);
	im->historical = v->mode == SHOT_HISTORICAL;
	im->refused = v->mode == SHOT_REFUSAL;
	if (v->mode == SHOT_HISTORICAL)
		get(v, r, "info_source", im->info_source, sizeof im->info_source);
	if (v->mode == SHOT_REFUSAL)
		get(v, r, "refusal_reason", im->refusal_reason, sizeof im->refusal_reason);
	if (v->editing)
		get(v, r, "edit_reason", im->edit_reason, sizeof im->edit_reason);
	if (v->mode != SHOT_ADMINISTERED)
		return;
	vax_date vis = DATE_NONE;
	get_date(v, r, "vis_date", &vis);
	/* an edit that leaves the vaccine and the VIS date alone keeps the
	 * statements recorded then (their editions may no longer be current) */
	if (v->editing && !strcmp(old_cvx, im->cvx) && im->n_vis > 0 && vis == im->vis[0].presented)
		return;
	im->n_vis = 0;
	const struct codes *c = app_codes(a);
	if (vis != DATE_NONE && c) {
		const struct vis_info *vi[4];
		int nv = codes_vis(c, im->cvx, vi, 4);
		for (int i = 0; i < nv && im->n_vis < IMM_VIS_MAX; i++) {
			if (!vi[i]->current)
				continue;
			struct vis_given *g = &im->vis[im->n_vis++];
			snprintf(g->document, sizeof g->document, "%s", vi[i]->document);
			g->edition = vi[i]->edition;
			g->presented = vis;
		}
	}
}

/* Put each rule's message beside its field in row r, unless the field's
 * own check already said something there; true if none blocks. A rule on
 * no field of the form goes to *loose. An empty field a rule requires
 * keeps its short "Required." (its star says so; a long sentence beside
 * every such field would push the form off an 80x24 screen): the rule's
 * sentence goes to why[] for the message line. */
static bool show_rules(struct shot_view *v, long r, const struct rule_report *rep, char *loose, size_t len,
                       char (*why)[FORM_MSG_LEN])
{
	bool ok = true;
	for (int i = 0; i < rep->n; i++) {
		if (rule_severity(rep->v[i].rule) != RULE_ERROR)
			continue;
		ok = false;
		long fi = field_in(v, r, rep->v[i].field);
		if (fi < 0) {
			snprintf(loose, len, "%s", rule_message(rep->v[i].rule));
			continue;
		}
		const char *had = form_field_at(v->form, (size_t)fi)->message;
		if (!had[0])
			form_set_message(v->form, (size_t)fi, rule_message(rep->v[i].rule));
		else if (!strcmp(had, "Required.") && (size_t)fi < FORM_WHY_MAX)
			snprintf(why[fi], sizeof why[fi], "%s", rule_message(rep->v[i].rule));
	}
	return ok;
}

/* Everything wrong, at once: the fields' own checks and the registry's
 * rules, each beside its field; the cursor on the first, the count and the
 * first on the message line (a narrow field's column may cut it). */
static bool all_errors(struct shot_view *v, struct app *a, struct immunization *ims, size_t n,
                       const struct rule_ctx *ctx)
{
	char loose[VAX_ERROR_MSG_LEN] = "";
	static char why[FORM_WHY_MAX][FORM_MSG_LEN];
	bool ok = true;
	/* twice: moving the cursor to the first wrong field checks the field
	 * it leaves again, as Tab would, which forgets that one's "Required." */
	for (int pass = 0; pass < 2; pass++) {
		form_validate(v->form, NULL, NULL);
		memset(why, 0, sizeof why);
		ok = true;
		for (size_t r = 0; r < n; r++) {
			long row = form_rows(v->form) ? (long)r : -1;
			build(v, a, row, &ims[r]);
			struct rule_report rep;
			rules_report_init(&rep);
			rules_check_immunization(ctx, v->cl.dob, &ims[r], &rep);
			ok &= show_rules(v, row, &rep, loose, sizeof loose, why);
		}
		for (size_t i = 0; pass == 0 && i < form_count(v->form); i++)
			if (form_field_at(v->form, i)->message[0] && !form_field_at(v->form, i)->readonly) {
				form_set_focus(v->form, i);
				break;
			}
	}
	size_t bad = form_count(v->form), count = 0;
	for (size_t i = 0; i < form_count(v->form); i++)
		if (form_field_at(v->form, i)->message[0] && !form_field_at(v->form, i)->readonly) {
			if (bad == form_count(v->form))
				bad = i;
			count++;
		}
	if (ok && !count)
		return true;
	if (bad == form_count(v->form)) {
		app_message(a, MSG_ERROR, "Not saved: %s", loose);
		return false;
	}
	form_set_focus(v->form, bad);
	/* the first vaccine to correct is the one shown in full */
	for (size_t i = bad; i < form_count(v->form); i++)
		if (form_field_at(v->form, i)->message[0] && form_field_row(v->form, i) >= 0) {
			v->shown_row = form_field_row(v->form, i);
			break;
		}
	const struct form_field *f = form_field_at(v->form, bad);
	const char *said = bad < FORM_WHY_MAX && why[bad][0] ? why[bad] : f->message;
	long r = form_field_row(v->form, bad);
	char where[32] = "";
	if (r >= 0 && form_rows(v->form) > 1)
		snprintf(where, sizeof where, "vaccine %ld: ", r + 1);
	/* the sentence whole on an 80-column line (a narrow field's column may
	 * cut it), the count after it */
	char more[48] = "";
	if (count > 1)
		snprintf(more, sizeof more, " (%zu fields marked)", count);
	if (draw_width(where) + draw_width(f->spec->label) + draw_width(said) + draw_width(more) + 20 <=
	    a->cols)
		app_message(a, MSG_ERROR, "Not saved: %s%s: %s%s", where, f->spec->label, said, more);
	else
		app_message(a, MSG_ERROR, "Not saved: %s%s%s", where, said, more);
	return false;
}

static void save(struct shot_view *v, struct app *a);

static void stale_yes(struct app *a, struct screen *s)
{
	struct shot_view *v = s->data;
	v->ok_stale = true;
	save(v, a);
}

static void dup_yes(struct app *a, struct screen *s)
{
	struct shot_view *v = s->data;
	if (v->dup_row >= 0 && v->dup_row < ROWS_MAX)
		v->ok_dup[v->dup_row] = true;
	save(v, a);
}

/* The doses the form's doses are compared with: the record without the one
 * being edited, and the rows before this one in the visit. */
static int others(struct shot_view *v, const struct immunization *im, const struct immunization *rows,
                  int before, struct immunization **out)
{
	const struct immunization *have = v->have;
	int n = v->n_have, k = 0;
	*out = calloc((size_t)(n + before) + 1, sizeof **out);
	if (!*out)
		return 0;
	for (int i = 0; i < n; i++) {
		bool self = v->editing && ((im->uuid[0] && !strcmp(have[i].uuid, im->uuid)) ||
		                           (im->id[0] && !strcmp(have[i].id, im->id)));
		if (!self)
			(*out)[k++] = have[i];
	}
	for (int i = 0; i < before; i++)
		(*out)[k++] = rows[i];
	return k;
}

static void saved_message(struct shot_view *v, struct app *a, const struct immunization *im, size_t n)
{
	if (v->outbox_seq > 0)
		app_message(a, MSG_INFO, "Corrected; it goes to the registry at the next sync.");
	else if (v->editing)
		app_message(a, MSG_INFO, "Change saved; waiting to send to the registry.");
	else if (n > 1)
		app_message(a, MSG_INFO, "%zu doses saved; waiting to send to the registry.", n);
	else
		app_message(a, MSG_INFO, "%s saved; waiting to send to the registry.",
		            im->refused      ? "Refusal"
		            : im->historical ? "Historical dose"
		                             : "Dose");
}

static void save(struct shot_view *v, struct app *a)
{
	const struct client *cl = &v->cl;
	struct cache_store *st = app_store(a);
	if (!st) {
		app_message(a, MSG_ERROR, "Not saved: the local store is not open.");
		return;
	}
	/* one dose, or one per row of the visit */
	size_t n = form_rows(v->form) ? form_rows(v->form) : 1;
	struct immunization ims[ROWS_MAX];
	struct rule_ctx ctx = {
	    .today = app_today(), .codes = app_codes(a), .new_record = !v->editing || v->outbox_create};
	struct rule_report rep;
	bool ok = true;
	(void)cl;
	app_dirty(a, DIRTY_BODY);
	if (!all_errors(v, a, ims, n, &ctx))
		return;
	/* an edit is sent with If-Match: a newer registry version comes back
	 * as a conflict, so only new records warn about an old history */
	if (!v->editing && !v->ok_stale && v->stale) {
		app_confirm(a, app_top_screen(a),
		            "History may be out of date (not read today). Record anyway?", stale_yes);
		return;
	}
	for (size_t r = 0; r < n; r++) {
		if (ims[r].refused || v->ok_dup[r])
			continue;
		struct immunization *cmp;
		int nc = others(v, &ims[r], ims, (int)r, &cmp);
		rules_report_init(&rep);
		int dup = rules_check_duplicate(&ctx, &ims[r], cmp, nc, &rep);
		vax_date when = dup >= 0 ? cmp[dup].date_given : DATE_NONE;
		free(cmp);
		if (dup < 0)
			continue;
		char d[DATE_US_LEN], q[256];
		date_format_us(when, d);
		/* short enough for the message line at 80 columns */
		if (n > 1)
			snprintf(q, sizeof q,
			         "Vaccine %zu may be a duplicate (same group on %s). Save anyway?", r + 1, d);
		else
			snprintf(q, sizeof q,
			         "Possible duplicate: a dose of this vaccine group on %s. Save anyway?", d);
		v->dup_row = (int)r;
		app_confirm(a, app_top_screen(a), q, dup_yes);
		return;
	}
	struct capture cap;
	app_capture(a, &cap);
	struct vax_error err;
	if (v->outbox_seq > 0)
		ok = cache_outbox_correct_immunization(st, v->outbox_seq, &ims[0], &err);
	else if (v->editing)
		ok = cache_save_immunization(st, &ims[0], CACHE_OP_UPDATE, &cap, NULL, &err);
	else
		ok = cache_save_immunizations(st, ims, n, &cap, &err);
	if (!ok) {
		app_message(a, MSG_ERROR, "Not saved: %s", err.message);
		return;
	}
	form_mark_saved(v->form);
	if (!v->editing && v->mode == SHOT_ADMINISTERED) {
		/* the next visit of this session starts from this one */
		get(v, -1, "provider", a->last_visit.provider, sizeof a->last_visit.provider);
		get(v, -1, "vfc", a->last_visit.vfc, sizeof a->last_visit.vfc);
		snprintf(a->last_visit.funding, sizeof a->last_visit.funding, "%s", ims[n - 1].funding);
		app_lots_used(a, ims, n);
	}
	form_free(&v->form);
	saved_message(v, a, &ims[0], n);
	app_outbox_changed(a);
	app_pop(a); /* v is gone after this */
}

/* ---- the screen ---------------------------------------------------------------------- */

static void discard_yes(struct app *a, struct screen *s)
{
	(void)s;
	app_pop(a);
}

/* Add New: another vaccine of the visit, or one less. */
static unsigned row_action(struct shot_view *v, struct app *a, enum action act)
{
	if (!form_rows(v->form)) {
		app_message(a, MSG_INFO, "Only Add New records several vaccines at once.");
		return TUI_HANDLED;
	}
	if (act == ACTION_ADD_ROW) {
		long r = add_row(v, a);
		if (r < 0) {
			app_message(a, MSG_ERROR, "At most %d vaccines in one visit; save these first.",
			            ROWS_MAX);
			return TUI_HANDLED;
		}
		form_view_fit(v->form, a->cols);
		form_set_focus(v->form, (size_t)field_in(v, r, "cvx"));
		app_message(a, MSG_INFO, "Vaccine %ld added to this visit.", r + 1);
	} else {
		long r = focus_row(v);
		if (r < 0) {
			app_message(a, MSG_INFO, "Move to the vaccine to remove first.");
			return TUI_HANDLED;
		}
		if (!form_row_remove(v->form, (size_t)r)) {
			app_message(a, MSG_INFO, "A visit has at least one vaccine.");
			return TUI_HANDLED;
		}
		/* the answers were about rows that have moved */
		memset(v->ok_dup, 0, sizeof v->ok_dup);
		app_message(a, MSG_INFO, "Vaccine %ld removed from this visit.", r + 1);
	}
	v->scan_note[0] = '\0';
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

/* The vaccine chosen in row r names its maker when it was picked by trade
 * name, or when CDC lists a single product for that CVX: fill an empty
 * Manufacturer so the person does not look it up. */
static void fill_maker(struct shot_view *v, struct app *a, long r, const struct form_choice *chosen)
{
	long mi = field_in(v, r, "mvx");
	if (!chosen || mi < 0 || form_choice(v->form, (size_t)mi))
		return;
	char typed[8];
	form_view_secret(v->form, (size_t)mi, typed, sizeof typed);
	if (typed[0])
		return;
	const char *mvx = NULL;
	size_t k = (size_t)(chosen - v->vaccine_choices);
	if (k < v->n_vaccine_choices && v->vaccine_choice_mvx[k] && v->vaccine_choice_mvx[k][0])
		mvx = v->vaccine_choice_mvx[k];
	const struct codes *c = app_codes(a);
	const struct product_info *p[2];
	if (!mvx && c && codes_products(c, chosen->code, p, 2) == 1 && p[0]->mvx[0])
		mvx = p[0]->mvx;
	if (!mvx)
		return;
	form_set_value(v->form, (size_t)mi, mvx);
	const struct form_choice *m = form_choice(v->form, (size_t)mi);
	app_message(a, MSG_INFO, "Manufacturer filled from the vaccine: %s.", m ? m->label : mvx);
}

/* What the pick list chose: what follows from it is filled, and the cursor
 * goes on to the next field (a choice is an answer). */
static void picked(struct app *a, struct screen *below, size_t field)
{
	struct shot_view *v = below->data;
	if (!v->form || field >= form_count(v->form))
		return;
	const char *id = form_field_at(v->form, field)->spec->id;
	long r = form_field_row(v->form, field);
	if (!strcmp(id, "cvx")) {
		sync_rows(v, a); /* the makers of this vaccine first */
		fill_maker(v, a, r, form_choice(v->form, field));
	} else if (!strcmp(id, "lot")) {
		lot_typed(v, a, r);
	}
	form_focus_next(v->form);
	sync_rows(v, a);
	app_dirty(a, DIRTY_BODY);
}

/* A field's own check refused the save: say that nothing was saved, as the
 * registry's rules do, and which vaccine of the visit needs correcting. */
static void refused_message(struct shot_view *v, struct app *a)
{
	size_t bad;
	const char *msg;
	if (form_validate(v->form, &bad, &msg))
		return;
	long r = form_field_row(v->form, bad);
	const char *label = form_field_at(v->form, bad)->spec->label;
	if (r >= 0 && form_rows(v->form) > 1)
		app_message(a, MSG_ERROR, "Not saved: vaccine %ld: %s: %s", r + 1, label, msg);
	else
		app_message(a, MSG_ERROR, "Not saved: %s: %s", label, msg);
}

static unsigned shot_action(struct app *a, struct screen *s, enum action act)
{
	struct shot_view *v = s->data;
	if (!v->form)
		return TUI_UNHANDLED;
	if ((act == ACTION_NEXT_FIELD || act == ACTION_SUBMIT || act == ACTION_SAVE) && apply_scan(v, a))
		return TUI_HANDLED;
	if (act == ACTION_ADD_ROW || act == ACTION_REMOVE_ROW)
		return row_action(v, a, act);
	if (act == ACTION_CANCEL) {
		if (form_dirty(v->form))
			app_confirm(a, s, v->editing ? "Discard this change?" : "Discard this shot?",
			            discard_yes);
		else
			app_pop(a);
		return TUI_HANDLED;
	}
	size_t at = form_focus(v->form);
	const struct form_field *here = form_field_at(v->form, at);
	/* F4, or Enter on a code that matches several: the list, never a guess */
	if (here && (act == ACTION_PICK || (act == ACTION_SUBMIT && form_view_ambiguous(v->form)))) {
		form_view_pick(a, v->form, picked, !strcmp(here->spec->id, "lot") ? lot_refuse : NULL);
		return TUI_HANDLED;
	}
	if (!v->deleting && (act == ACTION_SUBMIT || act == ACTION_SAVE)) {
		form_apply(v->form, ACTION_SUBMIT); /* leave the field as Tab would */
		save(v, a);                         /* v may be gone after this */
		return TUI_HANDLED;
	}
	/* the choice is read before the field is left: leaving writes the
	 * code, which would then find the CVX line instead of the trade name */
	long row = focus_row(v), vi = field_in(v, row, "cvx");
	const struct form_choice *chosen =
	    vi >= 0 && at == (size_t)vi ? form_choice(v->form, (size_t)vi) : NULL;
	unsigned r = form_view_action(a, v->form, act);
	if (form_focus(v->form) != at) {
		if (chosen)
			fill_maker(v, a, row, chosen);
		if (here && !strcmp(here->spec->id, "lot"))
			lot_typed(v, a, row);
	}
	if ((r & FORM_REFUSED) && !(r & FORM_SUBMIT) && (act == ACTION_SUBMIT || act == ACTION_SAVE))
		refused_message(v, a);
	if ((r & FORM_SUBMIT) && v->deleting) {
		delete_save(v, a);
		return TUI_HANDLED; /* v is gone */
	}
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	sync_rows(v, a);
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned shot_text(struct app *a, struct screen *s, wchar_t wc)
{
	struct shot_view *v = s->data;
	if (v->form && (form_view_text(a, v->form, wc) & FORM_CHANGED))
		sync_rows(v, a);
	return TUI_HANDLED;
}

static void shot_notify(struct app *a, struct screen *s, unsigned events)
{
	struct shot_view *v = s->data;
	if (!(events & EVENT_LOTS) || !v->form)
		return;
	load_lots(v, a);
	sync_rows(v, a);
	app_dirty(a, DIRTY_BODY);
}

static struct form *shot_form(const struct screen *s)
{
	const struct shot_view *v = s->data;
	return v->form;
}

static bool shot_unsaved(const struct screen *s)
{
	const struct shot_view *v = s->data;
	return v->form && form_dirty(v->form);
}

/* The first field of row r with a message, or NULL. */
static const struct form_field *row_error(struct shot_view *v, long r)
{
	for (size_t i = 0; i < form_count(v->form); i++)
		if (form_field_row(v->form, i) == r && form_field_at(v->form, i)->message[0])
			return form_field_at(v->form, i);
	return NULL;
}

/* One line for a row not being edited: "Vaccine 2: 03 MMR, lot X1". */
static void row_summary(struct shot_view *v, struct app *a, long r, char *buf, size_t len)
{
	char cvx[8] = "", lot[VAX_SHORT_LEN] = "";
	get(v, r, "cvx", cvx, sizeof cvx);
	get(v, r, "lot", lot, sizeof lot);
	const struct codes *c = app_codes(a);
	const struct cvx_info *ci = c && cvx[0] ? codes_cvx(c, cvx) : NULL;
	int n = snprintf(buf, len, "  Vaccine %ld: %s %s%s%s", r + 1, cvx[0] ? cvx : "(none chosen)",
	                 ci ? ci->short_desc : "", lot[0] ? ", lot " : "", lot);
	/* a row that needs correcting says so even when folded */
	const struct form_field *bad = row_error(v, r);
	if (bad && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "  <- %s: %s", bad->spec->label, bad->message);
}

/* Rows from..to-1 on one line, when there is no room for a line each:
 * "  Vaccines 1-3: 20, 03, 21  <- vaccine 2 needs correcting". */
static void rows_folded(struct shot_view *v, long from, long to, char *buf, size_t len)
{
	int n = to - from > 1 ? snprintf(buf, len, "  Vaccines %ld-%ld:", from + 1, to)
	                      : snprintf(buf, len, "  Vaccine %ld:", from + 1);
	for (long r = from; r < to && n > 0 && (size_t)n < len; r++) {
		char cvx[8] = "";
		get(v, r, "cvx", cvx, sizeof cvx);
		n +=
		    snprintf(buf + n, len - (size_t)n, "%s %s", r > from ? "," : "", cvx[0] ? cvx : "(none)");
	}
	for (long r = from; r < to && n > 0 && (size_t)n < len; r++)
		if (row_error(v, r)) {
			snprintf(buf + n, len - (size_t)n, "  <- vaccine %ld needs correcting", r + 1);
			break;
		}
}

/* Add New: the visit's fields, then each vaccine, the current one in full. */
static int draw_rows(struct shot_view *v, struct app *a, WINDOW *w, int y)
{
	int cols = getmaxx(w);
	char add[64], rm[64], save[64], line[512];
	draw_keys_label(a, KEYMAP_IMMUNIZATION, KEYMAP_EDITING, ACTION_ADD_ROW, add, sizeof add);
	draw_keys_label(a, KEYMAP_IMMUNIZATION, KEYMAP_EDITING, ACTION_REMOVE_ROW, rm, sizeof rm);
	draw_keys_label(a, KEYMAP_IMMUNIZATION, KEYMAP_EDITING, ACTION_SAVE, save, sizeof save);
	snprintf(line, sizeof line, "%s another vaccine  %s remove this vaccine  %s save all", add, rm, save);
	wattrset(w, term_attr(a, ROLE_DISABLED));
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	size_t nrows = form_rows(v->form), first_row = form_count(v->form);
	for (size_t i = 0; i < form_count(v->form); i++)
		if (form_field_row(v->form, i) >= 0) {
			first_row = i;
			break;
		}
	y = form_view_draw_range(a, w, y, v->form, true, 0, first_row, false);
	long cur = focus_row(v);
	if (cur >= 0)
		v->shown_row = cur;
	if (v->shown_row >= (long)nrows)
		v->shown_row = (long)nrows - 1;
	size_t per_row = sizeof row_specs / sizeof *row_specs;
	/* a line per other vaccine if they fit with the current one in full,
	 * else the ones before it on one line and the ones after on another */
	bool fold = (int)nrows - 1 > getmaxy(w) - y - (int)per_row - 3;
	if (fold && v->shown_row > 0) {
		rows_folded(v, 0, v->shown_row, line, sizeof line);
		draw_text(w, y++, 1, line, cols - 2);
	}
	for (size_t r = 0; r < nrows; r++) {
		if ((long)r != v->shown_row) {
			if (fold)
				continue;
			row_summary(v, a, (long)r, line, sizeof line);
			draw_text(w, y++, 1, line, cols - 2);
			continue;
		}
		snprintf(line, sizeof line, "Vaccine %zu of %zu:", r + 1, nrows);
		wattrset(w, A_BOLD);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
		size_t from = (size_t)field_in(v, (long)r, "cvx");
		y = form_view_draw_range(a, w, y, v->form, true, from, from + per_row, false);
	}
	if (fold && v->shown_row + 1 < (long)nrows) {
		rows_folded(v, v->shown_row + 1, (long)nrows, line, sizeof line);
		draw_text(w, y++, 1, line, cols - 2);
	}
	y++;
	draw_text(w, y++, 1, "* required", cols - 2);
	return y;
}

static void shot_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct shot_view *v = s->data;
	int cols = getmaxx(w), y = 0;
	const struct client *cl = &v->cl;
	if (!v->form)
		return;
	char name[300], line[512];
	client_display_name(&cl->name, name, sizeof name);
	if (v->deleting) {
		char d[DATE_US_LEN];
		const struct codes *c = app_codes(a);
		const struct cvx_info *ci = c ? codes_cvx(c, v->victim.cvx) : NULL;
		snprintf(line, sizeof line, "Delete %s of %s for %s", ci ? ci->short_desc : v->victim.cvx,
		         date_format_us(v->victim.date_given, d), name);
		wattrset(w, A_BOLD);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
		y = draw_wrapped(
		    w, y, 1, cols - 2,
		    "The dose is marked entered in error at the registry; the reason is kept with it.");
		form_view_draw(a, w, y + 1, v->form, true);
		return;
	}
	snprintf(line, sizeof line, "%s for %s",
	         v->editing                     ? (v->mode == SHOT_HISTORICAL ? "Change a historical dose"
	                                           : v->mode == SHOT_REFUSAL  ? "Change a refusal"
	                                                                      : "Change a dose")
	         : v->mode == SHOT_ADMINISTERED ? "Add New (given here)"
	         : v->mode == SHOT_HISTORICAL   ? "Add Historical"
	                                        : "Record a refusal",
	         name);
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	if (!v->editing && v->stale) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_text(w, y++, 1, "Warning: history may be out of date.", cols - 2);
		wattrset(w, A_NORMAL);
	}
	if (v->editing) {
		y = draw_wrapped(w, y, 1, cols - 2,
		                 v->outbox_seq > 0
		                     ? "Correct what the registry refused; saving puts it back in line."
		                     : "The reason is kept with the dose at the registry.");
		y = form_view_draw(a, w, y + 1, v->form, true);
	} else if (form_rows(v->form)) {
		y = draw_rows(v, a, w, y);
	} else {
		y = form_view_draw(a, w, y + 1, v->form, true);
	}
	if (v->scan_note[0])
		draw_text(w, y + 1, 1, v->scan_note, cols - 2);
}

/* Rows are Add New's only; a code field alone has choices to step through. */
static bool shot_action_shown(struct app *a, struct screen *s, enum action act)
{
	struct shot_view *v = s->data;
	(void)a;
	if (!v->form)
		return true;
	switch (act) {
	case ACTION_ADD_ROW:
		return form_rows(v->form) > 0;
	case ACTION_REMOVE_ROW:
		return form_rows(v->form) > 1; /* a visit keeps one vaccine */
	case ACTION_NEXT_CHOICE: {
		size_t f = form_focus(v->form);
		return f < form_count(v->form) && form_field_at(v->form, f)->spec->kind == FORM_CODE;
	}
	default:
		return true;
	}
}

static const enum action shot_actions[] = {ACTION_SAVE,        ACTION_SUBMIT,  ACTION_NEXT_FIELD,
                                           ACTION_PREV_FIELD,  ACTION_ADD_ROW, ACTION_REMOVE_ROW,
                                           ACTION_NEXT_CHOICE, ACTION_CANCEL,  ACTION_NONE};

const struct screen_ops screen_shot_ops = {
    .name = "shot",
    .title = "Immunization",
    .keymap = KEYMAP_IMMUNIZATION,
    .phi = true,
    .open = shot_open,
    .draw = shot_draw,
    .action = shot_action,
    .text = shot_text,
    .form = shot_form,
    .notify = shot_notify,
    .actions = shot_actions,
    .action_shown = shot_action_shown,
    .unsaved = shot_unsaved,
    .close = shot_close,
};
