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
 * the NDC table (forms/gs1.h, codes_ndc_by_gtin). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codes.h"
#include "core/immunization.h"
#include "core/rules.h"
#include "core/vocab.h"
#include "forms/gs1.h"
#include "tui/tui.h"

/* clang-format off */
#define F_VACCINE  { .id = "cvx", .label = "Vaccine", .kind = FORM_CODE, \
                     .flags = FORM_REQUIRED, .max_len = 64, .width = 30 }
#define F_MVX      { .id = "mvx", .label = "Manufacturer", .kind = FORM_CODE, .width = 30 }
#define F_LOT      { .id = "lot", .label = "Lot number", .kind = FORM_TEXT, .max_len = 20, .width = 20 }
#define F_EXP      { .id = "expiration", .label = "Expiration date", .kind = FORM_DATE }
#define F_DOSE     { .id = "dose", .label = "Dose volume (mL)", .kind = FORM_TEXT, .max_len = 8, \
                     .width = 8, .validate = volume_check }
#define F_ROUTE    { .id = "route", .label = "Route", .kind = FORM_CODE, .width = 24 }
#define F_SITE     { .id = "site", .label = "Site", .kind = FORM_CODE, .width = 24 }
#define F_VIS      { .id = "vis_date", .label = "VIS given on", .kind = FORM_DATE }
#define F_DATE     { .id = "date_given", .label = "Date given", .kind = FORM_DATE, .flags = FORM_REQUIRED }
#define F_FUNDING  { .id = "funding", .label = "Funding source", .kind = FORM_CODE, .width = 30 }
#define F_VFC      { .id = "vfc", .label = "VFC eligibility", .kind = FORM_CODE, .width = 30 }
#define F_PROVIDER { .id = "provider", .label = "Administered by", .kind = FORM_TEXT, .max_len = 50, \
                     .width = 30 }
#define F_SOURCE   { .id = "info_source", .label = "Record source", .kind = FORM_CODE, \
                     .flags = FORM_REQUIRED, .width = 30 }
#define F_REFUSAL  { .id = "refusal_reason", .label = "Reason refused", .kind = FORM_CODE, \
                     .flags = FORM_REQUIRED, .width = 30 }
/* clang-format on */

static const char *volume_check(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	int ul;
	if (!value[0] || imm_parse_volume(value, &ul))
		return NULL;
	return "Enter the volume in mL, like 0.5.";
}

static struct form_field_spec given_specs[] = {F_VACCINE, F_MVX, F_LOT,  F_EXP,     F_DOSE, F_ROUTE,
                                               F_SITE,    F_VIS, F_DATE, F_FUNDING, F_VFC,  F_PROVIDER};
static struct form_field_spec hist_specs[] = {F_VACCINE, F_DATE, F_SOURCE, F_MVX, F_LOT, F_PROVIDER};
static struct form_field_spec refusal_specs[] = {F_VACCINE, F_DATE, F_REFUSAL};
static const struct form_field_spec delete_specs[] = {
    {.id = "reason",
     .label = "Why delete it",
     .kind = FORM_TEXT,
     .flags = FORM_REQUIRED,
     .max_len = 100,
     .width = 40},
};

static struct {
	struct form *form;
	enum shot_mode mode;
	bool ok_stale, ok_dup; /* the person said yes to these questions */
	bool deleting;         /* the form asks why a dose is deleted */
	struct immunization victim;
	char scan_note[160]; /* what a scan filled in */
} st;

static struct form_choice *vaccine_choices, *mvx_choices;
static size_t n_vaccine_choices, n_mvx_choices;
static struct form_choice *vocab_choices[VOCAB_COUNT];
static size_t n_vocab_choices[VOCAB_COUNT];

/* Code lists from the CDC tables and the vocabularies, made once. */
static void make_choices(void)
{
	const struct codes *c = screen_client_codes();
	if (c && !vaccine_choices) {
		const struct cvx_info *cvx;
		const struct product_info *prod;
		size_t nc = codes_cvx_all(c, &cvx), np = codes_product_all(c, &prod);
		vaccine_choices = calloc(nc + np + 1, sizeof *vaccine_choices);
		for (size_t i = 0; i < nc && vaccine_choices; i++)
			if (cvx[i].status != CVX_NEVER_ACTIVE)
				vaccine_choices[n_vaccine_choices++] =
				    (struct form_choice){cvx[i].code, cvx[i].short_desc};
		/* trade names find the same CVX code ("Pediarix" -> 110) */
		for (size_t i = 0; i < np && vaccine_choices; i++)
			if (prod[i].active)
				vaccine_choices[n_vaccine_choices++] =
				    (struct form_choice){prod[i].cvx, prod[i].name};
		const struct mvx_info *mvx;
		size_t nm = codes_mvx_all(c, &mvx);
		mvx_choices = calloc(nm + 1, sizeof *mvx_choices);
		for (size_t i = 0; i < nm && mvx_choices; i++)
			mvx_choices[n_mvx_choices++] = (struct form_choice){mvx[i].code, mvx[i].name};
	}
	for (int v = 0; v < VOCAB_COUNT; v++) {
		if (vocab_choices[v])
			continue;
		size_t n;
		const struct vocab_entry *e = vocab_entries((enum vocab)v, &n);
		vocab_choices[v] = calloc(n + 1, sizeof **vocab_choices);
		for (size_t i = 0; i < n && vocab_choices[v]; i++)
			vocab_choices[v][i] = (struct form_choice){e[i].code, e[i].label};
		n_vocab_choices[v] = vocab_choices[v] ? n : 0;
	}
}

static void wire(struct form_field_spec *sp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *id = sp[i].id;
		struct form_choice *ch = NULL;
		size_t nc = 0;
		int v = -1;
		if (!strcmp(id, "cvx"))
			ch = vaccine_choices, nc = n_vaccine_choices;
		else if (!strcmp(id, "mvx"))
			ch = mvx_choices, nc = n_mvx_choices;
		else if (!strcmp(id, "route"))
			v = VOCAB_ROUTE;
		else if (!strcmp(id, "site"))
			v = VOCAB_SITE;
		else if (!strcmp(id, "funding"))
			v = VOCAB_FUNDING;
		else if (!strcmp(id, "vfc"))
			v = VOCAB_VFC;
		else if (!strcmp(id, "info_source"))
			v = VOCAB_INFO_SOURCE;
		else if (!strcmp(id, "refusal_reason"))
			v = VOCAB_REFUSAL;
		if (v >= 0)
			ch = vocab_choices[v], nc = n_vocab_choices[v];
		if (sp[i].kind == FORM_CODE) {
			sp[i].choices = ch;
			sp[i].n_choices = nc;
		}
	}
}

static long field(const char *id)
{
	return form_find(st.form, id);
}

static void set_field(const char *id, const char *value)
{
	long i = field(id);
	if (i >= 0)
		form_set_value(st.form, (size_t)i, value);
}

void screen_shot_open(struct app *a, enum shot_mode mode)
{
	if (!screen_client_current())
		return;
	make_choices();
	form_free(&st.form);
	st.mode = mode;
	st.deleting = false;
	st.ok_stale = st.ok_dup = false;
	st.scan_note[0] = '\0';
	struct form_field_spec *sp = mode == SHOT_ADMINISTERED ? given_specs
	                             : mode == SHOT_HISTORICAL ? hist_specs
	                                                       : refusal_specs;
	size_t n = mode == SHOT_ADMINISTERED ? sizeof given_specs / sizeof *given_specs
	           : mode == SHOT_HISTORICAL ? sizeof hist_specs / sizeof *hist_specs
	                                     : sizeof refusal_specs / sizeof *refusal_specs;
	wire(sp, n);
	st.form = form_new(sp, n);
	form_view_fit(st.form, a->cols);
	char today[DATE_US_LEN];
	date_format_us(screen_client_today(), today);
	if (mode != SHOT_HISTORICAL)
		set_field("date_given", today);
	if (mode == SHOT_ADMINISTERED)
		set_field("vis_date", today);
	app_push(a, SCREEN_SHOT);
}

void screen_shot_delete(struct app *a, const struct immunization *im)
{
	if (!screen_client_current())
		return;
	form_free(&st.form);
	st.deleting = true;
	st.victim = *im;
	st.scan_note[0] = '\0';
	st.form = form_new(delete_specs, 1);
	form_view_fit(st.form, a->cols);
	app_push(a, SCREEN_SHOT);
}

static void delete_save(struct app *a)
{
	struct immunization im = st.victim;
	im.entered_in_error = true;
	form_view_value(st.form, "reason", im.delete_reason, sizeof im.delete_reason);
	struct capture cap;
	screen_client_capture(a, &cap);
	struct vax_error err;
	if (!cache_save_immunization(a->store, &im, CACHE_OP_DELETE, &cap, NULL, &err)) {
		app_message(a, MSG_ERROR, "Not deleted: %s", err.message);
		return;
	}
	form_free(&st.form);
	app_pop(a);
	app_message(a, MSG_INFO, "Deleted (entered in error); waiting to send.");
}

/* ---- the vial barcode ------------------------------------------------------------ */

/* The vaccine field holds a scanned element string: fill what it says.
 * Returns true if it was a scan (filled, or refused with a message). */
static bool apply_scan(struct app *a)
{
	long vi = field("cvx");
	if (vi < 0 || form_focus(st.form) != (size_t)vi)
		return false;
	char raw[256];
	form_view_secret(st.form, (size_t)vi, raw, sizeof raw);
	if (!gs1_looks_scanned(raw))
		return false;
	struct gs1_vial v;
	struct vax_error err;
	if (!gs1_parse(raw, &v, &err)) {
		form_set_message(st.form, (size_t)vi, err.message);
		return true;
	}
	const struct codes *c = screen_client_codes();
	const struct ndc_info *ndc = c ? codes_ndc_by_gtin(c, v.gtin) : NULL;
	if (!ndc) {
		form_set_value(st.form, (size_t)vi, "");
		form_set_message(
		    st.form, (size_t)vi,
		    "The vial's product number is not in the CDC NDC table; choose the vaccine.");
		return true;
	}
	form_set_value(st.form, (size_t)vi, ndc->cvx);
	if (ndc->mvx[0])
		set_field("mvx", ndc->mvx);
	if (v.lot[0])
		set_field("lot", v.lot);
	if (v.expiry != DATE_NONE) {
		char e[DATE_US_LEN];
		set_field("expiration", date_format_us(v.expiry, e));
	}
	snprintf(st.scan_note, sizeof st.scan_note, "Scanned: %.60s, NDC %s.", ndc->name ? ndc->name : "",
	         ndc->ndc);
	/* go on to the first field the barcode does not fill */
	long next = field("dose");
	if (next < 0)
		next = field("date_given");
	if (next >= 0)
		form_set_focus(st.form, (size_t)next);
	app_dirty(a, DIRTY_BODY);
	return true;
}

/* ---- saving ---------------------------------------------------------------------- */

static void get(const char *id, char *buf, size_t len)
{
	form_view_value(st.form, id, buf, len);
}

static vax_date get_date(const char *id)
{
	char b[32];
	vax_date d = DATE_NONE;
	get(id, b, sizeof b);
	if (b[0] && date_parse_us(b, &d) != DATE_OK)
		d = DATE_NONE;
	return d;
}

static void build(struct app *a, struct immunization *im)
{
	const struct client *cl = screen_client_current();
	imm_init(im);
	snprintf(im->client_id, sizeof im->client_id, "%s", cl->id);
	snprintf(im->client_uuid, sizeof im->client_uuid, "%s", cl->uuid);
	get("cvx", im->cvx, sizeof im->cvx);
	get("mvx", im->mvx, sizeof im->mvx);
	get("lot", im->lot, sizeof im->lot);
	im->expiration = get_date("expiration");
	char vol[16];
	get("dose", vol, sizeof vol);
	if (vol[0])
		imm_parse_volume(vol, &im->dose_ul);
	get("route", im->route, sizeof im->route);
	get("site", im->site, sizeof im->site);
	get("funding", im->funding, sizeof im->funding);
	get("vfc", im->vfc, sizeof im->vfc);
	get("provider", im->provider, sizeof im->provider);
	im->date_given = get_date("date_given");
	im->historical = st.mode == SHOT_HISTORICAL;
	im->refused = st.mode == SHOT_REFUSAL;
	if (st.mode == SHOT_HISTORICAL)
		get("info_source", im->info_source, sizeof im->info_source);
	if (st.mode == SHOT_REFUSAL)
		get("refusal_reason", im->refusal_reason, sizeof im->refusal_reason);
	snprintf(im->org, sizeof im->org, "%.*s", (int)sizeof im->org - 1, app_org(a));
	vax_date vis = get_date("vis_date");
	const struct codes *c = screen_client_codes();
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
	screen_client_capture(a, &im->capture);
}

/* Put each rule's message beside its field; true if none blocks. */
static bool show_rules(struct app *a, const struct rule_report *rep)
{
	bool first = true, ok = true;
	for (int i = 0; i < rep->n; i++) {
		if (rule_severity(rep->v[i].rule) != RULE_ERROR)
			continue;
		ok = false;
		long fi = field(rep->v[i].field);
		char m[FORM_MSG_LEN];
		snprintf(m, sizeof m, "%s", rule_message(rep->v[i].rule));
		if (fi < 0) {
			app_message(a, MSG_ERROR, "%s", m);
			continue;
		}
		form_set_message(st.form, (size_t)fi, m);
		if (first) {
			form_set_focus(st.form, (size_t)fi);
			/* the field's column may be narrow: the whole sentence below too */
			app_message(a, MSG_ERROR, "Not saved: %s", m);
		}
		first = false;
	}
	return ok;
}

static void save(struct app *a);

static void stale_yes(struct app *a)
{
	st.ok_stale = true;
	save(a);
}

static void dup_yes(struct app *a)
{
	st.ok_dup = true;
	save(a);
}

static void save(struct app *a)
{
	const struct client *cl = screen_client_current();
	if (!cl || !a->store)
		return;
	struct immunization im;
	build(a, &im);
	struct rule_ctx ctx = {
	    .today = screen_client_today(), .codes = screen_client_codes(), .new_record = true};
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_immunization(&ctx, cl->dob, &im, &rep);
	app_dirty(a, DIRTY_BODY);
	if (!show_rules(a, &rep))
		return;
	if (!st.ok_stale && screen_client_stale(a)) {
		app_confirm(a, "History may be out of date (not read today). Record anyway?", stale_yes);
		return;
	}
	const struct immunization *have;
	int n = screen_client_doses(&have);
	rules_report_init(&rep);
	int dup = rules_check_duplicate(&ctx, &im, have, n, &rep);
	if (dup >= 0 && !st.ok_dup && !im.refused) {
		char d[DATE_US_LEN];
		date_format_us(have[dup].date_given, d);
		char q[256];
		snprintf(q, sizeof q, "Possible duplicate: a dose of this vaccine group on %s. Save anyway?",
		         d);
		app_confirm(a, q, dup_yes);
		return;
	}
	struct capture cap;
	screen_client_capture(a, &cap);
	struct vax_error err;
	if (!cache_save_immunization(a->store, &im, CACHE_OP_CREATE, &cap, NULL, &err)) {
		app_message(a, MSG_ERROR, "Not saved: %s", err.message);
		return;
	}
	form_mark_saved(st.form);
	form_free(&st.form);
	app_pop(a);
	app_message(a, MSG_INFO, "%s saved; waiting to send to the registry.",
	            im.refused      ? "Refusal"
	            : im.historical ? "Historical dose"
	                            : "Dose");
}

/* ---- the screen ---------------------------------------------------------------------- */

static void discard_yes(struct app *a)
{
	form_free(&st.form);
	app_pop(a);
}

static unsigned shot_action(struct app *a, enum action act)
{
	if (!st.form)
		return TUI_UNHANDLED;
	if ((act == ACTION_NEXT_FIELD || act == ACTION_SUBMIT || act == ACTION_SAVE) && apply_scan(a))
		return TUI_HANDLED;
	if (act == ACTION_CANCEL) {
		if (form_dirty(st.form))
			app_confirm(a, "Discard this shot?", discard_yes);
		else
			discard_yes(a);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, st.form, act);
	if ((r & FORM_SUBMIT) && st.deleting)
		delete_save(a);
	else if (r & FORM_SUBMIT)
		save(a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned shot_text(struct app *a, wchar_t wc)
{
	if (st.form)
		form_view_text(a, st.form, wc);
	return TUI_HANDLED;
}

static struct form *shot_form(struct app *a)
{
	(void)a;
	return st.form;
}

static void shot_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 0;
	const struct client *cl = screen_client_current();
	if (!st.form || !cl)
		return;
	char name[300], line[512];
	client_display_name(&cl->name, name, sizeof name);
	if (st.deleting) {
		char d[DATE_US_LEN];
		const struct codes *c = screen_client_codes();
		const struct cvx_info *ci = c ? codes_cvx(c, st.victim.cvx) : NULL;
		snprintf(line, sizeof line, "Delete %s of %s for %s", ci ? ci->short_desc : st.victim.cvx,
		         date_format_us(st.victim.date_given, d), name);
		wattrset(w, A_BOLD);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
		y = draw_wrapped(
		    w, y, 1, cols - 2,
		    "The dose is marked entered in error at the registry; the reason is kept with it.");
		form_view_draw(a, w, y + 1, st.form, true);
		return;
	}
	snprintf(line, sizeof line, "%s for %s",
	         st.mode == SHOT_ADMINISTERED ? "Add New (given here)"
	         : st.mode == SHOT_HISTORICAL ? "Add Historical"
	                                      : "Record a refusal",
	         name);
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	if (screen_client_stale(a)) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_text(w, y++, 1, "Warning: history may be out of date.", cols - 2);
		wattrset(w, A_NORMAL);
	}
	y = form_view_draw(a, w, y + 1, st.form, true);
	if (st.scan_note[0])
		draw_text(w, y + 1, 1, st.scan_note, cols - 2);
}

static void shot_cleanup(void)
{
	form_free(&st.form);
	free(vaccine_choices);
	free(mvx_choices);
	vaccine_choices = mvx_choices = NULL;
	n_vaccine_choices = n_mvx_choices = 0;
	for (int v = 0; v < VOCAB_COUNT; v++) {
		free(vocab_choices[v]);
		vocab_choices[v] = NULL;
	}
}

static const enum action shot_actions[] = {ACTION_SAVE,       ACTION_SUBMIT,      ACTION_NEXT_FIELD,
                                           ACTION_PREV_FIELD, ACTION_NEXT_CHOICE, ACTION_CANCEL,
                                           ACTION_NONE};

const struct screen_ops screen_shot_ops = {
    .name = "shot",
    .title = "Immunization",
    .keymap = KEYMAP_IMMUNIZATION,
    .phi = true,
    .draw = shot_draw,
    .action = shot_action,
    .text = shot_text,
    .form = shot_form,
    .actions = shot_actions,
    .cleanup = shot_cleanup,
};
