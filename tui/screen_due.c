/* tui/screen_due.c - what is due today, as a checklist: the vaccine groups
 * the schedule (forecast/record.h, the CDSi forecast) says are due or
 * overdue, each with the lot on hand that would be given. What is ticked
 * becomes the rows of Add New, each filled from its lot (vaccine, maker,
 * lot, expiry, funding), so a visit is a few keys and no codes.
 *
 * The lot offered for a group is a usable lot of a vaccine CDSi names for
 * that dose (best first), the one that expires first (first expired, first
 * out); a combination vaccine chosen for two groups is given once. A group
 * with no such lot is offered with the vaccine CDSi prefers and no lot:
 * the form then asks for one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/lots.h"
#include "core/codes.h"
#include "core/vocab.h"
#include "core/xalloc.h"
#include "tui/tui.h"

#define DUE_MAX 24

struct due_item {
	struct forecast_due d;
	char group[40];
	char cvx[4];        /* the vaccine to give */
	struct vax_lot lot; /* the lot on hand for it (lot.id "" if none) */
	bool have_lot;
	bool ticked;
};

struct due_view {
	char key[CACHE_KEY_STR];
	char name[200];
	bool loaded;
	char note[VAX_ERROR_MSG_LEN + 128];
	struct due_item item[DUE_MAX];
	int n;
	int sel, top, page;
};

/* The lot to give for a dose: a usable lot of a vaccine that may be given
 * for it (forecast/record.h), the one that expires first. */
static bool best_lot(struct app *a, const struct forecast_record *fc, const struct forecast_due *d,
                     struct vax_lot *out)
{
	const struct cache_lots *l = app_lots(a);
	vax_date today = app_today();
	const struct vax_lot *best = NULL;
	for (int i = 0; i < l->n; i++) {
		const struct vax_lot *x = &l->lot[i];
		if (!lot_usable(x, today) || !forecast_due_vaccine(fc, d, x->cvx))
			continue;
		if (!best ||
		    (x->expiry != DATE_NONE && (best->expiry == DATE_NONE || x->expiry < best->expiry)))
			best = x;
	}
	if (best)
		*out = *best;
	return best != NULL;
}

static void compute(struct app *a, struct due_view *v)
{
	struct record rec;
	memset(&rec, 0, sizeof rec);
	snprintf(rec.want, sizeof rec.want, "%s", v->key);
	record_load(a, &rec, false);
	v->loaded = rec.loaded;
	v->n = 0;
	if (!rec.loaded) {
		snprintf(v->note, sizeof v->note, "%s", rec.note);
		record_free(&rec);
		return;
	}
	client_display_name(&rec.cl.name, v->name, sizeof v->name);
	rec.school = false; /* what is due is the ACIP schedule's */
	record_forecast(a, &rec);
	struct forecast_due d[DUE_MAX];
	size_t n = forecast_due_today(&rec.fc, app_today(), d, DUE_MAX);
	if (!rec.fc.have_fc)
		snprintf(v->note, sizeof v->note, "%s", rec.fc.error[0] ? rec.fc.error : "No forecast.");
	for (size_t i = 0; i < n && i < DUE_MAX; i++) {
		struct due_item *it = &v->item[v->n++];
		memset(it, 0, sizeof *it);
		it->d = d[i];
		it->d.cvx = NULL; /* points into rec, freed below */
		snprintf(it->group, sizeof it->group, "%s", forecast_group_name(&rec.fc, d[i].group));
		it->have_lot = best_lot(a, &rec.fc, &d[i], &it->lot);
		if (it->have_lot)
			memcpy(it->cvx, it->lot.cvx, sizeof it->cvx);
		else if (d[i].ncvx)
			snprintf(it->cvx, sizeof it->cvx, "%02d", d[i].cvx[0]);
	}
	record_free(&rec);
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
}

static void *due_open(struct app *a, const void *arg)
{
	const char *key = arg;
	if (!key || !key[0] || !app_may_write(a))
		return NULL;
	struct due_view *v = xcalloc(1, sizeof *v);
	snprintf(v->key, sizeof v->key, "%s", key);
	app_lots_refresh_if_old(a);
	compute(a, v);
	if (v->loaded && !v->n)
		app_message(a, MSG_INFO, "Nothing is due today by the ACIP schedule.");
	return v;
}

static void due_notify(struct app *a, struct screen *s, unsigned events)
{
	struct due_view *v = s->data;
	if (!(events & (EVENT_LOTS | EVENT_OUTBOX)))
		return;
	/* the same items (a new lot list or a dose sent): keep the ticks */
	bool ticked[DUE_MAX];
	for (int i = 0; i < DUE_MAX; i++)
		ticked[i] = i < v->n && v->item[i].ticked;
	int n = v->n;
	compute(a, v);
	for (int i = 0; i < v->n && v->n == n; i++)
		v->item[i].ticked = ticked[i];
	app_dirty(a, DIRTY_BODY);
}

static void due_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct due_view *v = s->data;
	int rows = getmaxy(w), cols = getmaxx(w), y = 0;
	char line[512], tick[32], enter[32];
	if (!v->loaded) {
		draw_wrapped(w, 1, 1, cols - 2, v->note);
		return;
	}
	snprintf(line, sizeof line, "Due today for %s (ACIP schedule)", v->name);
	wattrset(w, A_BOLD);
	draw_words(a, w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	draw_short_key(a, KEYMAP_CHECKLIST, 0, ACTION_TOGGLE, tick, sizeof tick);
	draw_short_key(a, KEYMAP_CHECKLIST, 0, ACTION_SELECT, enter, sizeof enter);
	snprintf(line, sizeof line,
	         "Tick what is given today (%s), then %s: Add New opens with them filled in.", tick, enter);
	wattrset(w, term_attr(a, ROLE_DISABLED));
	y = draw_wrapped(w, y, 1, cols - 2, line);
	wattrset(w, A_NORMAL);
	char lots[160];
	app_lots_label(a, lots, sizeof lots);
	if (lots[0])
		y = draw_wrapped(w, y, 1, cols - 2, lots);
	y++;
	if (!v->n) {
		y = draw_wrapped(w, y, 1, cols - 2,
		                 v->note[0] ? v->note
		                            : "Nothing is due or overdue today by the ACIP schedule.");
		return;
	}
	list_view(&v->top, &v->page, v->sel, (rows - y) / 2); /* two lines an item */
	const struct codes *c = app_codes(a);
	for (int i = v->top; i < v->n && y + 1 < rows + 1 && y < rows; i++) {
		const struct due_item *it = &v->item[i];
		char dose[32], when[DATE_US_LEN];
		forecast_dose_label(it->d.dose_number, it->d.series_doses, dose, sizeof dose);
		date_format_us(it->d.overdue ? it->d.past_due : it->d.recommended, when);
		snprintf(line, sizeof line, "%c [%c] %-14.14s %-13s %s %s", i == v->sel ? '>' : ' ',
		         it->ticked ? 'x' : ' ', it->group, dose,
		         it->d.overdue ? "overdue since" : "due since", when);
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		mvwhline(w, y, 0, ' ', cols);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
		if (y >= rows)
			break;
		const struct cvx_info *ci = c && it->cvx[0] ? codes_cvx(c, it->cvx) : NULL;
		if (it->have_lot) {
			char exp[DATE_US_LEN];
			const char *fund = vocab_label(VOCAB_FUNDING, it->lot.funding);
			snprintf(line, sizeof line, "%s, lot %s, expires %s, %s, %d left",
			         ci ? ci->short_desc : it->cvx, it->lot.lot,
			         it->lot.expiry != DATE_NONE ? date_format_us(it->lot.expiry, exp) : "?",
			         fund[0] ? fund : "funding not given", it->lot.doses);
		} else {
			snprintf(line, sizeof line, "%s%sno lot of it on hand: the form asks for one",
			         ci ? ci->short_desc : it->cvx, it->cvx[0] ? ": " : "");
		}
		draw_words(a, w, y++, 7, line, cols - 8);
	}
}

/* Add New over the record with the ticked vaccines (a lot given for two
 * groups, a combination vaccine, is one row). */
static void record_ticked(struct app *a, struct due_view *v)
{
	struct open_visit_row rows[DUE_MAX];
	int n = 0;
	for (int i = 0; i < v->n; i++) {
		const struct due_item *it = &v->item[i];
		if (!it->ticked)
			continue;
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup |= it->have_lot ? !strcmp(rows[k].lot_id, it->lot.id)
			                    : !strcmp(rows[k].cvx, it->cvx);
		if (dup || n >= 8)
			continue;
		memset(&rows[n], 0, sizeof rows[n]);
		snprintf(rows[n].cvx, sizeof rows[n].cvx, "%s", it->cvx);
		if (it->have_lot)
			snprintf(rows[n].lot_id, sizeof rows[n].lot_id, "%s", it->lot.id);
		n++;
	}
	if (!n) {
		char tick[32];
		draw_short_key(a, KEYMAP_CHECKLIST, 0, ACTION_TOGGLE, tick, sizeof tick);
		app_message(a, MSG_INFO, "Tick the vaccines given today first (%s).", tick);
		return;
	}
	char key[CACHE_KEY_STR];
	snprintf(key, sizeof key, "%s", v->key);
	/* the form opens over the record, which it goes back to */
	app_pop(a); /* v is gone after this */
	struct open_shot o = {.client_key = key, .mode = SHOT_ADMINISTERED, .rows = rows, .n_rows = n};
	app_open(a, SCREEN_SHOT, &o);
}

static unsigned due_action(struct app *a, struct screen *s, enum action act)
{
	struct due_view *v = s->data;
	if (list_move(&v->sel, v->n, v->page, act)) {
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	switch (act) {
	case ACTION_TOGGLE:
		if (v->n)
			v->item[v->sel].ticked = !v->item[v->sel].ticked;
		/* on to the next, as a checklist is gone through */
		if (v->n && v->item[v->sel].ticked && v->sel + 1 < v->n)
			v->sel++;
		break;
	case ACTION_SELECT:
	case ACTION_SAVE:
		record_ticked(a, v);
		return TUI_HANDLED;
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static const enum action due_actions[] = {ACTION_TOGGLE, ACTION_SELECT, ACTION_MOVE_DOWN, ACTION_CANCEL,
                                          ACTION_NONE};

const struct screen_ops screen_due_ops = {
    .name = "due",
    .title = "Due today",
    .keymap = KEYMAP_CHECKLIST,
    .phi = true,
    .open = due_open,
    .draw = due_draw,
    .action = due_action,
    .actions = due_actions,
    .notify = due_notify,
};
