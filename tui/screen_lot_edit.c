/* tui/screen_lot_edit.c - add or change one vaccine lot on hand: vaccine,
 * maker (the vaccine's makers only), lot number (checked as vials print
 * it), expiry, funding source and the doses on hand. Saved straight to the
 * registry (POST /Medication, or PUT with If-Match), which keeps the
 * organization's lots for every workstation: a lot is stock, not a
 * clinical record, so it is not queued offline. A vial's barcode typed
 * into the vaccine field fills vaccine, maker, lot and expiry. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "core/codes.h"
#include "core/lot.h"
#include "core/vocab.h"
#include "core/xalloc.h"
#include "forms/gs1.h"
#include "tui/tui.h"

static const char *lot_ok(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	return lot_number_check(value);
}

static const char *doses_ok(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	char *end;
	long n = strtol(value, &end, 10);
	return *end || n < 0 || n > 100000 ? "Enter the number of doses on hand, like 10." : NULL;
}

/* clang-format off */
static const struct form_field_spec lot_specs[] = {
	{ .id = "cvx", .label = "Vaccine", .kind = FORM_CODE, .flags = FORM_REQUIRED, .max_len = 64, .width = 16 },
	{ .id = "mvx", .label = "Manufacturer", .kind = FORM_CODE, .flags = FORM_REQUIRED, .width = 12 },
	{ .id = "lot", .label = "Lot number", .kind = FORM_TEXT, .flags = FORM_REQUIRED, .max_len = 20,
	  .width = 20, .validate = lot_ok },
	{ .id = "expiry", .label = "Expiration date", .kind = FORM_DATE, .flags = FORM_REQUIRED },
	{ .id = "funding", .label = "Funding source", .kind = FORM_CODE, .flags = FORM_REQUIRED, .width = 10 },
	{ .id = "doses", .label = "Doses on hand", .kind = FORM_TEXT, .flags = FORM_REQUIRED, .max_len = 6,
	  .width = 6, .validate = doses_ok },
};
/* clang-format on */
#define NSPECS (sizeof lot_specs / sizeof *lot_specs)

struct lot_edit_view {
	struct app *app;
	struct form *form;
	struct form_field_spec specs[NSPECS];
	struct form_choice *cvx, *mvx, *funding;
	bool *cvx_gone;
	size_t n_cvx, n_mvx, n_funding;
	char shown_cvx[4];
	struct vax_lot base; /* the lot changed (id "" for a new one) */
	struct api_req *req;
	char error[VAX_ERROR_MSG_LEN + 16];
};

static void *lot_edit_open(struct app *a, const void *arg)
{
	const struct vax_lot *l = arg;
	const struct codes *c = app_codes(a);
	if (!c) {
		app_message(a, MSG_ERROR, "The CDC code tables cannot be read: lots cannot be kept.");
		return NULL;
	}
	struct lot_edit_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	const struct cvx_info *cvx;
	size_t nc = codes_cvx_all(c, &cvx);
	v->cvx = xcalloc(nc + 1, sizeof *v->cvx);
	v->cvx_gone = xcalloc(nc + 1, sizeof *v->cvx_gone);
	for (size_t i = 0; i < nc; i++)
		if (cvx[i].status != CVX_NEVER_ACTIVE && !cvx[i].unspecified) {
			v->cvx_gone[v->n_cvx] = cvx[i].status != CVX_ACTIVE;
			v->cvx[v->n_cvx++] = (struct form_choice){cvx[i].code, cvx[i].short_desc};
		}
	const struct mvx_info *mvx;
	size_t nm = codes_mvx_all(c, &mvx);
	v->mvx = xcalloc(nm + 1, sizeof *v->mvx);
	for (size_t i = 0; i < nm; i++)
		v->mvx[v->n_mvx++] = (struct form_choice){mvx[i].code, mvx[i].name};
	size_t nf;
	const struct vocab_entry *f = vocab_entries(VOCAB_FUNDING, &nf);
	v->funding = xcalloc(nf + 1, sizeof *v->funding);
	for (size_t i = 0; i < nf; i++)
		v->funding[v->n_funding++] = (struct form_choice){f[i].code, f[i].label};
	memcpy(v->specs, lot_specs, sizeof v->specs);
	v->specs[0].choices = v->cvx, v->specs[0].n_choices = v->n_cvx, v->specs[0].inactive = v->cvx_gone;
	v->specs[1].choices = v->mvx, v->specs[1].n_choices = v->n_mvx;
	v->specs[4].choices = v->funding, v->specs[4].n_choices = v->n_funding;
	v->form = form_new(v->specs, NSPECS);
	form_view_fit(v->form, a->cols);
	lot_init(&v->base);
	if (l) {
		char d[DATE_US_LEN], n[16];
		v->base = *l;
		form_set_value(v->form, 0, l->cvx);
		form_set_value(v->form, 1, l->mvx);
		form_set_value(v->form, 2, l->lot);
		form_set_value(v->form, 3, date_format_us(l->expiry, d));
		form_set_value(v->form, 4, l->funding);
		snprintf(n, sizeof n, "%d", l->doses);
		form_set_value(v->form, 5, n);
		form_mark_saved(v->form);
	}
	return v;
}

static void lot_edit_close(struct screen *s)
{
	struct lot_edit_view *v = s->data;
	api_req_free(v->req);
	form_free(&v->form);
	free(v->cvx);
	free(v->cvx_gone);
	free(v->mvx);
	free(v->funding);
	free(v);
}

/* The maker list follows the vaccine; one maker is filled in. */
static void sync_makers(struct lot_edit_view *v, struct app *a)
{
	char cvx[4] = "";
	form_get_value(v->form, 0, cvx, sizeof cvx);
	if (!strcmp(cvx, v->shown_cvx))
		return;
	snprintf(v->shown_cvx, sizeof v->shown_cvx, "%s", cvx);
	const struct codes *c = app_codes(a);
	const struct product_info *p[24];
	int np = cvx[0] && c ? codes_products(c, cvx, p, 24) : 0;
	struct form_choice ch[24];
	size_t n = 0;
	for (int i = 0; i < np; i++) {
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= !strcmp(ch[k].code, p[i]->mvx);
		const struct mvx_info *m = codes_mvx(c, p[i]->mvx);
		if (!dup && m)
			ch[n++] = (struct form_choice){m->code, m->name};
	}
	form_set_choices(v->form, 1, n ? ch : NULL, NULL, n);
	if (n == 1 && !form_choice(v->form, 1))
		form_set_value(v->form, 1, ch[0].code);
}

/* A vial's barcode in the vaccine field: vaccine, maker, lot and expiry. */
static bool scanned(struct lot_edit_view *v, struct app *a)
{
	if (form_focus(v->form) != 0)
		return false;
	char raw[256];
	form_view_secret(v->form, 0, raw, sizeof raw);
	if (!gs1_looks_scanned(raw))
		return false;
	struct gs1_vial vial;
	struct vax_error err;
	const struct codes *c = app_codes(a);
	const struct ndc_info *ndc = NULL;
	if (!gs1_parse(raw, &vial, &err) || !(ndc = c ? codes_ndc_by_gtin(c, vial.gtin) : NULL)) {
		form_set_value(v->form, 0, "");
		form_set_message(
		    v->form, 0, ndc ? err.message : "The vial's product number is not in the CDC NDC table.");
		return true;
	}
	char d[DATE_US_LEN];
	form_set_value(v->form, 0, ndc->cvx);
	sync_makers(v, a);
	if (ndc->mvx[0])
		form_set_value(v->form, 1, ndc->mvx);
	if (vial.lot[0])
		form_set_value(v->form, 2, vial.lot);
	if (vial.expiry != DATE_NONE)
		form_set_value(v->form, 3, date_format_us(vial.expiry, d));
	snprintf(v->base.ndc, sizeof v->base.ndc, "%s", ndc->ndc);
	form_set_focus(v->form, 4);
	return true;
}

static void saved(struct api_req *req, const struct api_result *res, void *arg)
{
	struct lot_edit_view *v = arg;
	struct app *a = v->app;
	v->req = NULL;
	app_note_result(a, res);
	struct vax_error err;
	bool ok = api_fhir_ok(res, &err);
	api_req_free(req);
	if (!ok) {
		snprintf(v->error, sizeof v->error, "Not saved: %s", err.message);
		app_dirty(a, DIRTY_BODY);
		return;
	}
	app_lots_refresh(a);
	app_message(a, MSG_INFO, "Lot saved at the registry: every workstation of the clinic offers it.");
	form_mark_saved(v->form);
	app_pop(a); /* v is gone after this */
}

static void save(struct lot_edit_view *v, struct app *a)
{
	size_t bad;
	const char *msg;
	if (!form_validate(v->form, &bad, &msg)) {
		form_set_focus(v->form, bad);
		app_message(a, MSG_ERROR, "Not saved: %s: %s", form_field_at(v->form, bad)->spec->label, msg);
		return;
	}
	if (v->req)
		return;
	struct vax_lot l = v->base;
	char b[32];
	form_get_value(v->form, 0, l.cvx, sizeof l.cvx);
	form_get_value(v->form, 1, l.mvx, sizeof l.mvx);
	form_get_value(v->form, 2, l.lot, sizeof l.lot);
	form_get_value(v->form, 3, b, sizeof b);
	date_parse_us(b, &l.expiry);
	form_get_value(v->form, 4, l.funding, sizeof l.funding);
	form_get_value(v->form, 5, b, sizeof b);
	l.doses = atoi(b);
	if (strcmp(l.cvx, v->base.cvx))
		l.ndc[0] = '\0'; /* the scanned product was another vaccine */
	cJSON *j = lot_to_json(&l);
	struct vax_error err;
	struct api_req *r = l.id[0] ? api_fhir_update_req(app_conn(a), "Medication", l.id, j, l.version, &err)
	                            : api_fhir_create_req(app_conn(a), "Medication", j, NULL, &err);
	cJSON_Delete(j);
	if (r && api_req_send(r, saved, v)) {
		v->req = r;
		app_message(a, MSG_INFO, "Saving the lot at the registry...");
	} else {
		api_req_free(r);
		app_message(a, MSG_ERROR, "Not saved: %s",
		            r ? "the request could not be sent." : err.message);
	}
}

static void discard_yes(struct app *a, struct screen *s)
{
	(void)s;
	app_pop(a);
}

static unsigned lot_edit_action(struct app *a, struct screen *s, enum action act)
{
	struct lot_edit_view *v = s->data;
	if ((act == ACTION_NEXT_FIELD || act == ACTION_SUBMIT) && scanned(v, a)) {
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL) {
		if (form_dirty(v->form))
			app_confirm(a, s, "Discard this lot?", discard_yes);
		else
			app_pop(a);
		return TUI_HANDLED;
	}
	if (act == ACTION_SAVE || (act == ACTION_SUBMIT && !form_view_ambiguous(v->form))) {
		form_apply(v->form, ACTION_SUBMIT);
		save(v, a);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, v->form, act);
	sync_makers(v, a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned lot_edit_text(struct app *a, struct screen *s, wchar_t wc)
{
	struct lot_edit_view *v = s->data;
	form_view_text(a, v->form, wc);
	sync_makers(v, a);
	return TUI_HANDLED;
}

static void lot_edit_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct lot_edit_view *v = s->data;
	int cols = getmaxx(w), y = 0;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, v->base.id[0] ? "Change a lot on hand" : "Add a lot on hand", cols - 2);
	wattrset(w, A_NORMAL);
	y = draw_wrapped(w, y, 1, cols - 2,
	                 "Scan the vial into Vaccine, or type. The registry keeps the lot for every "
	                 "workstation and counts a dose off it each time one is recorded with it.");
	y = form_view_draw(a, w, y + 1, v->form, true);
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
	}
}

static struct form *lot_edit_form(const struct screen *s)
{
	const struct lot_edit_view *v = s->data;
	return v->form;
}

static bool lot_edit_unsaved(const struct screen *s)
{
	const struct lot_edit_view *v = s->data;
	return form_dirty(v->form);
}

static const enum action lot_edit_actions[] = {ACTION_SAVE, ACTION_PICK, ACTION_NEXT_FIELD, ACTION_CANCEL,
                                               ACTION_NONE};

const struct screen_ops screen_lot_edit_ops = {
    .name = "lot-edit",
    .title = "Lot on hand",
    .keymap = KEYMAP_FORM,
    .open = lot_edit_open,
    .draw = lot_edit_draw,
    .action = lot_edit_action,
    .text = lot_edit_text,
    .form = lot_edit_form,
    .actions = lot_edit_actions,
    .unsaved = lot_edit_unsaved,
    .close = lot_edit_close,
};
