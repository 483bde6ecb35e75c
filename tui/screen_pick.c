/* tui/screen_pick.c - the pick list: what a field accepts, code and full
 * name in the whole width, over the form it belongs to.
 *
 * F4 in a code field (or Enter when what was typed matches several
 * entries) opens it. Typing narrows the list as forms/ matches (a code
 * prefix, a word of the name, accents and case ignored), current entries
 * before inactive ones; Up/Down move, Enter or Tab chooses, Esc leaves the
 * field as it was. Nothing is chosen for the person: with several matches
 * the list waits. The opener may refuse an entry with a reason (an expired
 * lot) and is told what was chosen (to fill what follows from it).
 *
 * The form stays the opener's: it is under this screen on the stack, so it
 * outlives the list. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

/* clang-format off */
static const struct form_field_spec filter_spec[] = {
	{ .id = "filter", .label = "Narrow to", .kind = FORM_TEXT, .max_len = 60, .width = 30 },
};
/* clang-format on */

struct pick_view {
	struct open_pick o;
	char title[128];
	struct form *filter;
	size_t *m; /* matches: indexes into the field's list */
	size_t nm;
	int sel, top;
	int page; /* rows of the list last drawn */
};

static void refilter(struct pick_view *v)
{
	char q[256];
	size_t n;
	form_get_value(v->filter, 0, q, sizeof q);
	const struct form_choice *ch = form_choices(v->o.form, v->o.field, &n);
	free(v->m);
	v->m = xmalloc((n ? n : 1) * sizeof *v->m);
	/* the inactive flags travel with the field: ask it per entry */
	bool *in = xcalloc(n ? n : 1, sizeof *in);
	for (size_t k = 0; k < n; k++)
		in[k] = form_choice_inactive(v->o.form, v->o.field, k);
	v->nm = form_choices_match(ch, in, n, q, v->m, n);
	free(in);
	if (v->sel >= (int)v->nm)
		v->sel = v->nm ? (int)v->nm - 1 : 0;
	if (v->sel < 0)
		v->sel = 0;
}

static void *pick_open(struct app *a, const void *arg)
{
	const struct open_pick *o = arg;
	size_t n;
	if (!o || !o->form || o->field >= form_count(o->form))
		return NULL;
	form_choices(o->form, o->field, &n);
	if (!n) {
		app_message(a, MSG_INFO, "This field has no list to choose from.");
		return NULL;
	}
	struct pick_view *v = xcalloc(1, sizeof *v);
	v->o = *o;
	const struct form_field *f = form_field_at(o->form, o->field);
	snprintf(v->title, sizeof v->title, "%s", o->title ? o->title : f->spec->label);
	v->filter = form_new(filter_spec, 1);
	form_view_fit(v->filter, a->cols);
	/* what was typed narrows the list from the start; a value put there
	 * (loaded, chosen) shows the whole list with it selected */
	char typed[256];
	form_view_secret(o->form, o->field, typed, sizeof typed);
	const struct form_choice *cur = form_choice(o->form, o->field);
	if (!f->autofilled && typed[0] && !cur)
		form_set_value(v->filter, 0, typed);
	form_mark_saved(v->filter);
	/* the filter is typed, never replaced by the first key */
	form_apply(v->filter, ACTION_END);
	refilter(v);
	const struct form_choice *ch = form_choices(o->form, o->field, &n);
	for (size_t i = 0; cur && i < v->nm; i++)
		if (&ch[v->m[i]] == cur)
			v->sel = (int)i;
	return v;
}

static void pick_close(struct screen *s)
{
	struct pick_view *v = s->data;
	form_free(&v->filter);
	free(v->m);
	free(v);
}

/* Columns the codes take: the widest shown, at most 12. */
static int code_cols(const struct pick_view *v)
{
	size_t n;
	const struct form_choice *ch = form_choices(v->o.form, v->o.field, &n);
	int w = 4;
	for (size_t i = 0; i < v->nm && i < 400; i++) {
		int cw = draw_width(ch[v->m[i]].code);
		if (cw > w)
			w = cw;
	}
	return w > 12 ? 12 : w;
}

static void pick_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct pick_view *v = s->data;
	struct screen *below = app_below(a, s);
	int rows = getmaxy(w), cols = getmaxx(w);
	/* the form stays in sight above the list */
	if (below && below->ops->draw) {
		below->ops->draw(a, below, w);
		a->cur_show = false;
	}
	int y0 = rows > 16 ? rows / 4 : 1;
	for (int y = y0; y < rows; y++)
		mvwhline(w, y, 0, ' ', cols);
	wattrset(w, term_attr(a, ROLE_TITLE));
	mvwhline(w, y0, 0, ' ', cols);
	char line[600], keys[64];
	draw_keys_label(a, KEYMAP_PICK, KEYMAP_EDITING, ACTION_SELECT, keys, sizeof keys);
	size_t n;
	const struct form_choice *ch = form_choices(v->o.form, v->o.field, &n);
	snprintf(line, sizeof line, " %s: %zu of %zu. Type to narrow; %s chooses. ", v->title, v->nm, n,
	         keys);
	draw_words(a, w, y0, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	int y = form_view_draw_range(a, w, y0 + 1, v->filter, true, 0, 1, false);
	int cw = code_cols(v);
	list_view(&v->top, &v->page, v->sel, rows - y);
	if (!v->nm)
		draw_text(w, y, 2, "Nothing matches what was typed: change or clear it (^U).", cols - 3);
	for (int i = v->top; i < (int)v->nm && y < rows; i++, y++) {
		size_t k = v->m[i];
		const char *why = v->o.refuse ? v->o.refuse(a, below, v->o.field, k) : NULL;
		bool gone = form_choice_inactive(v->o.form, v->o.field, k);
		attr_t at = i == v->sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL;
		if (i != v->sel && (gone || why))
			at = term_attr(a, ROLE_DISABLED);
		wattrset(w, at);
		mvwhline(w, y, 0, ' ', cols);
		draw_text(w, y, 1, i == v->sel ? ">" : " ", 1);
		draw_text(w, y, 3, ch[k].code, cw);
		/* why it may not be chosen comes first: it must not be cut off */
		if (why)
			snprintf(line, sizeof line, "NOT USABLE, %s: %s", why,
			         ch[k].label ? ch[k].label : "");
		else
			snprintf(line, sizeof line, "%s%s", ch[k].label ? ch[k].label : "",
			         gone ? "  (no longer current)" : "");
		draw_words(a, w, y, 4 + cw, line, cols - 5 - cw);
		wattrset(w, A_NORMAL);
	}
}

static unsigned pick_action(struct app *a, struct screen *s, enum action act)
{
	struct pick_view *v = s->data;
	switch (act) {
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_PAGE_UP:
	case ACTION_PAGE_DOWN:
		list_move(&v->sel, (int)v->nm, v->page, act);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	case ACTION_SELECT:
	case ACTION_SUBMIT: {
		if (!v->nm) {
			app_message(a, MSG_INFO,
			            "Nothing matches: change what was typed, or Esc to go back.");
			return TUI_HANDLED;
		}
		size_t k = v->m[v->sel];
		struct screen *below = app_below(a, s);
		const char *why = v->o.refuse ? v->o.refuse(a, below, v->o.field, k) : NULL;
		if (why) {
			app_message(a, MSG_ERROR, "Not this one: %s", why);
			return TUI_HANDLED;
		}
		struct open_pick o = v->o;
		form_pick(o.form, o.field, k);
		app_pop(a); /* v is gone after this */
		if (o.picked)
			o.picked(a, app_top_screen(a), o.field);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_NEXT_FIELD:
	case ACTION_PREV_FIELD:
	case ACTION_PICK:
		return TUI_HANDLED; /* one field here */
	default: {
		unsigned r = form_view_action(a, v->filter, act);
		if (r & FORM_CHANGED)
			refilter(v);
		return r & FORM_UNHANDLED ? TUI_UNHANDLED : TUI_HANDLED;
	}
	}
}

static unsigned pick_text(struct app *a, struct screen *s, wchar_t wc)
{
	struct pick_view *v = s->data;
	if (form_view_text(a, v->filter, wc) & FORM_CHANGED) {
		v->sel = 0;
		refilter(v);
	}
	return TUI_HANDLED;
}

static struct form *pick_form(const struct screen *s)
{
	const struct pick_view *v = s->data;
	return v->filter;
}

static const enum action pick_actions[] = {ACTION_SELECT, ACTION_MOVE_DOWN, ACTION_MOVE_UP, ACTION_CANCEL,
                                           ACTION_NONE};

const struct screen_ops screen_pick_ops = {
    .name = "pick",
    .title = "Choose from the list",
    .keymap = KEYMAP_PICK,
    .phi = true, /* drawn over a form that may hold PHI */
    .open = pick_open,
    .draw = pick_draw,
    .action = pick_action,
    .text = pick_text,
    .form = pick_form,
    .actions = pick_actions,
    .close = pick_close,
};
