/* tui/screen_lots.c - the organization's vaccine lots on hand: what each
 * workstation of the clinic offers in the shot form (tui/app_lots.c). One
 * line a lot: vaccine, maker, lot number, expiry, funding source, doses
 * left, and whether it may be given today (an expired lot says so, and the
 * shot form refuses it). Add and change open the lot form; "used up" takes
 * a lot out of use at the registry. Read from the registry when it
 * answers, else the copy kept here (said above the list). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "cache/lots.h"
#include "core/codes.h"
#include "core/vocab.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct lots_view {
	struct app *app;
	int sel, top, page;
	struct api_req *req; /* taking a lot out of use */
};

static void *lots_open(struct app *a, const void *arg)
{
	(void)arg;
	if (!app_logged_in_any(a))
		return NULL;
	struct lots_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	app_lots_refresh(a);
	return v;
}

static void lots_close(struct screen *s)
{
	struct lots_view *v = s->data;
	api_req_free(v->req);
	free(v);
}

static void lots_notify(struct app *a, struct screen *s, unsigned events)
{
	struct lots_view *v = s->data;
	const struct cache_lots *l = app_lots(a);
	if (v->sel >= l->n)
		v->sel = l->n ? l->n - 1 : 0;
	if (events & EVENT_LOTS)
		app_dirty(a, DIRTY_BODY);
}

static void lots_enter(struct app *a, struct screen *s, bool fresh)
{
	if (!fresh)
		lots_notify(a, s, EVENT_LOTS);
}

static void lots_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct lots_view *v = s->data;
	const struct cache_lots *l = app_lots(a);
	const struct codes *c = app_codes(a);
	int rows = getmaxy(w), cols = getmaxx(w), y = 0;
	char line[512], label[160];
	snprintf(line, sizeof line, "Vaccine lots on hand at %s", session_org_name(a->sess));
	wattrset(w, A_BOLD);
	draw_words(a, w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	app_lots_label(a, label, sizeof label);
	y = draw_wrapped(w, y, 1, cols - 2,
	                 label[0] ? label : "Not read from the registry yet on this workstation.");
	y++;
	if (!l->n) {
		char add[32];
		draw_short_key(a, KEYMAP_CHECKLIST, 0, ACTION_ADD_LOT, add, sizeof add);
		snprintf(line, sizeof line,
		         "No lots on record. %s adds one: the shot form then fills in its vaccine, "
		         "maker, expiry and funding.",
		         add);
		draw_wrapped(w, y, 1, cols - 2, line);
		return;
	}
	/* the vaccine takes the width the figures leave */
	int vw = cols - 2 - 2 - (8 + 1 + 13 + 1 + 10 + 1 + 6 + 1 + 5 + 1 + 12);
	if (vw < 10)
		vw = 10;
	snprintf(line, sizeof line, "  %-*s %-8s %-13s %-10s %-6s %5s %s", vw, "Vaccine", "Maker", "Lot",
	         "Expires", "Fund", "Doses", "Today");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	list_view(&v->top, &v->page, v->sel, rows - y);
	vax_date today = app_today();
	for (int i = v->top; i < l->n && y < rows; i++) {
		const struct vax_lot *x = &l->lot[i];
		const struct cvx_info *ci = c ? codes_cvx(c, x->cvx) : NULL;
		char exp[DATE_US_LEN], why[96], vacc[96];
		const char *ok = lot_refusal(x, today, why, sizeof why);
		snprintf(vacc, sizeof vacc, "%s %s", x->cvx, ci ? ci->short_desc : "");
		const char *state = !ok                                           ? "usable"
		                    : x->expiry != DATE_NONE && x->expiry < today ? "EXPIRED"
		                    : !x->active                                  ? "out of use"
		                                                                  : "none left";
		snprintf(line, sizeof line, "%c %-*.*s %-8.8s %-13.13s %-10s %-6.6s %5d %s",
		         i == v->sel ? '>' : ' ', vw, vw, vacc, x->mvx, x->lot,
		         x->expiry != DATE_NONE ? date_format_us(x->expiry, exp) : "", x->funding, x->doses,
		         state);
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS)
		            : ok        ? term_attr(a, ROLE_DISABLED)
		                        : A_NORMAL);
		mvwhline(w, y, 0, ' ', cols);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
	}
}

static void used_up_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct lots_view *v = arg;
	struct app *a = v->app;
	v->req = NULL;
	app_note_result(a, res);
	struct vax_error err;
	if (api_fhir_ok(res, &err))
		app_message(a, MSG_INFO, "The lot is out of use; no workstation offers it now.");
	else
		app_message(a, MSG_ERROR, "Not changed: %s", err.message);
	api_req_free(req);
	app_lots_refresh(a);
}

/* A lot used up or withdrawn: out of use at the registry (kept, for the
 * doses recorded with it). */
static void used_up_yes(struct app *a, struct screen *s)
{
	struct lots_view *v = s->data;
	const struct cache_lots *l = app_lots(a);
	if (v->sel >= l->n || v->req)
		return;
	struct vax_lot x = l->lot[v->sel];
	x.active = false;
	cJSON *j = lot_to_json(&x);
	struct vax_error err;
	struct api_req *r = api_fhir_update_req(app_conn(a), "Medication", x.id, j, x.version, &err);
	cJSON_Delete(j);
	if (r && api_req_send(r, used_up_done, v))
		v->req = r;
	else {
		api_req_free(r);
		app_message(a, MSG_ERROR, "Not changed: %s",
		            r ? "the request could not be sent." : err.message);
	}
}

static bool online_for_lots(struct app *a)
{
	if (app_conn(a) && !app_offline(a) && !app_unreachable(a))
		return true;
	app_message(a, MSG_INFO,
	            "Lots are kept at the registry for every workstation: change them when it answers.");
	return false;
}

static unsigned lots_action(struct app *a, struct screen *s, enum action act)
{
	struct lots_view *v = s->data;
	const struct cache_lots *l = app_lots(a);
	if (list_move(&v->sel, l->n, v->page, act)) {
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	switch (act) {
	case ACTION_ADD_LOT:
		if (app_may_write(a) && online_for_lots(a))
			app_open(a, SCREEN_LOT_EDIT, NULL);
		return TUI_HANDLED;
	case ACTION_SELECT:
	case ACTION_EDIT_SHOT:
		if (l->n && app_may_write(a) && online_for_lots(a))
			app_open(a, SCREEN_LOT_EDIT, &l->lot[v->sel]);
		return TUI_HANDLED;
	case ACTION_DELETE_RECORD:
		if (l->n && app_may_write(a) && online_for_lots(a))
			app_confirm(a, s, "Take this lot out of use (used up or withdrawn)?", used_up_yes);
		return TUI_HANDLED;
	case ACTION_FORECAST:
		app_lots_refresh(a);
		break;
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static const enum action lots_actions[] = {ACTION_ADD_LOT, ACTION_EDIT_SHOT, ACTION_DELETE_RECORD,
                                           ACTION_SELECT,  ACTION_CANCEL,    ACTION_NONE};

const struct screen_ops screen_lots_ops = {
    .name = "lots",
    .title = "Lots on hand",
    .keymap = KEYMAP_CHECKLIST,
    .open = lots_open,
    .enter = lots_enter,
    .draw = lots_draw,
    .action = lots_action,
    .actions = lots_actions,
    .notify = lots_notify,
    .close = lots_close,
};
