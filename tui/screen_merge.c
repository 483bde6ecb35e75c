/* tui/screen_merge.c - a change in conflict, field by field.
 *
 * Opened from the outbox on a change the registry's version differs from
 * (cache_outbox_merge): every field changed anywhere, with the value the
 * change began from (Before), ours (Here) and the registry's (Registry),
 * and what goes: a field changed on one side only goes as that side has it
 * (nothing the other desk changed is erased, none of ours is lost); a
 * field changed on both sides to different values says CHOOSE until the
 * person takes ours or the registry's. Enter sends the merged record
 * (cache_outbox_resolve): the registry's with what was chosen, with
 * If-Match on the registry's version, so a further change there meanwhile
 * is merged again, never overwritten. Keeping the registry's version whole
 * or discarding ours are the outbox's keys. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct merge_view {
	struct cache_entry e;
	char who[128];
	struct cache_merge m;
	int rows[CACHE_MERGE_FIELDS_MAX]; /* the fields changed anywhere, in form order */
	int n_rows, sel;
};

static void *merge_open(struct app *a, const void *arg)
{
	const struct open_discard *o = arg; /* an outbox entry and its client's name */
	struct cache_store *store = app_store(a);
	if (!o || !o->e || !store)
		return NULL;
	struct merge_view *v = xcalloc(1, sizeof *v);
	v->e = *o->e;
	text_copy(v->who, sizeof v->who, o->who ? o->who : "");
	struct vax_error err;
	if (!cache_outbox_merge(store, v->e.seq, &v->m, &err)) {
		app_message(a, MSG_ERROR, "%s", err.message);
		free(v);
		return NULL;
	}
	for (int i = 0; i < v->m.n; i++)
		if (v->m.f[i].state != CACHE_MERGE_SAME)
			v->rows[v->n_rows++] = i;
	/* the first field that needs a choice */
	for (int i = v->n_rows - 1; i >= 0; i--)
		if (v->m.f[v->rows[i]].state == CACHE_MERGE_CONFLICT)
			v->sel = i;
	return v;
}

static void merge_close(struct screen *s)
{
	struct merge_view *v = s->data;
	explicit_bzero(v, sizeof *v);
	free(v);
}

static int undecided(const struct merge_view *v)
{
	int n = 0;
	for (int i = 0; i < v->m.n; i++)
		n += v->m.f[i].state == CACHE_MERGE_CONFLICT && v->m.f[i].pick == CACHE_PICK_NONE;
	return n;
}

/* What goes for a field, in words. */
static const char *goes(const struct cache_merge_field *f)
{
	switch (f->state) {
	case CACHE_MERGE_OURS:
		return "here";
	case CACHE_MERGE_THEIRS:
		return "registry";
	case CACHE_MERGE_AGREE:
		return "same";
	case CACHE_MERGE_CONFLICT:
		return f->pick == CACHE_PICK_OURS     ? "here*"
		       : f->pick == CACHE_PICK_THEIRS ? "registry*"
		                                      : "CHOOSE";
	case CACHE_MERGE_SAME:
		break;
	}
	return "";
}

static void send_merged(struct app *a, struct merge_view *v)
{
	int left = undecided(v);
	if (left) {
		app_message(a, MSG_ERROR, "%d field%s changed on both sides still need%s a choice (CHOOSE).",
		            left, left == 1 ? "" : "s", left == 1 ? "s" : "");
		return;
	}
	struct vax_error err;
	struct cache_store *store = app_store(a);
	/* v is gone once it is sent */
	app_outbox_resolved(a, store && cache_outbox_resolve(store, v->e.seq, &v->m, &err),
	                    store ? &err : NULL, "Not merged",
	                    "Merged with the registry's version; it goes at the next sync.");
}

static unsigned merge_action(struct app *a, struct screen *s, enum action act)
{
	struct merge_view *v = s->data;
	struct cache_merge_field *f = v->n_rows ? &v->m.f[v->rows[v->sel]] : NULL;
	unsigned moved = reports_list_keys(a, &v->sel, v->n_rows, act);
	if (moved)
		return moved;
	switch (act) {
	case ACTION_TAKE_OURS:
	case ACTION_TAKE_THEIRS:
		if (!f || f->state != CACHE_MERGE_CONFLICT) {
			app_message(a, MSG_INFO,
			            "Only a field changed on both sides needs a choice; the others merge "
			            "by themselves.");
			break;
		}
		f->pick = act == ACTION_TAKE_OURS ? CACHE_PICK_OURS : CACHE_PICK_THEIRS;
		/* on to the next field that needs a choice */
		for (int i = 1; i <= v->n_rows; i++) {
			int k = (v->sel + i) % v->n_rows;
			const struct cache_merge_field *g = &v->m.f[v->rows[k]];
			if (g->state == CACHE_MERGE_CONFLICT && g->pick == CACHE_PICK_NONE) {
				v->sel = k;
				break;
			}
		}
		break;
	case ACTION_SELECT:
	case ACTION_SAVE:
	case ACTION_SUBMIT:
		send_merged(a, v);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void merge_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct merge_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 0;
	char line[1024];
	snprintf(line, sizeof line, "Merge: %s for %s", record_entry_what(&v->e),
	         v->who[0] ? v->who : "this client");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	y = draw_wrapped(
	    w, y, 1, cols - 2,
	    "Changed here and at the registry since it was read. A field changed on one side goes "
	    "as that side has it; one changed on both says CHOOSE.");
	/* label, three values, what goes */
	int lw = 16, gw = 10, vw = (cols - 2 - lw - gw - 4) / 3;
	if (vw < 8)
		vw = 8;
	int x[5] = {1, 1 + lw + 1, 2 + lw + 1 + vw, 3 + lw + 1 + 2 * vw, 4 + lw + 1 + 3 * vw};
	wattrset(w, A_UNDERLINE);
	static const char *const head[] = {"Field", "Before", "Here", "Registry", "Goes"};
	int width[] = {lw, vw, vw, vw, gw};
	for (int k = 0; k < 5; k++)
		draw_text(w, y, x[k], head[k], width[k]);
	wattrset(w, A_NORMAL);
	y++;
	int room = rows - y - 5;
	if (room < 1)
		room = 1;
	int top = v->sel >= room ? v->sel - room + 1 : 0;
	for (int i = top; i < v->n_rows && i < top + room; i++) {
		const struct cache_merge_field *f = &v->m.f[v->rows[i]];
		bool choose = f->state == CACHE_MERGE_CONFLICT && f->pick == CACHE_PICK_NONE;
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS)
		            : choose    ? term_attr(a, ROLE_ERROR)
		                        : A_NORMAL);
		const char *cell[] = {f->label, f->base[0] ? f->base : "-", f->ours[0] ? f->ours : "-",
		                      f->theirs[0] ? f->theirs : "-", goes(f)};
		for (int k = 0; k < 5; k++)
			draw_text(w, y, x[k], cell[k], width[k]);
		y++;
	}
	wattrset(w, A_NORMAL);
	if (!v->n_rows) {
		draw_text(w, y++, 1, "Nothing differs: Enter sends it again on the registry's version.",
		          cols - 2);
	} else if (y < rows) {
		/* the selected field whole: the table cuts long values */
		const struct cache_merge_field *f = &v->m.f[v->rows[v->sel]];
		snprintf(line, sizeof line, "%s. Before: %s. Here: %s. Registry: %s.", f->label,
		         f->base[0] ? f->base : "-", f->ours[0] ? f->ours : "-",
		         f->theirs[0] ? f->theirs : "-");
		y = draw_wrapped(w, y + 1, 1, cols - 2, line);
	}
	if (y < rows) {
		char ko[64], kt[64], ks[64];
		draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_TAKE_OURS, ko, sizeof ko);
		draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_TAKE_THEIRS, kt, sizeof kt);
		draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_SELECT, ks, sizeof ks);
		int left = undecided(v);
		snprintf(line, sizeof line, "Keys: %s ours   %s the registry's   %s send the merged record%s",
		         ko, kt, ks, left ? "" : " (every choice made)");
		draw_words(a, w, y, 1, line, cols - 2);
	}
}

static const enum action merge_actions[] = {ACTION_TAKE_OURS, ACTION_TAKE_THEIRS, ACTION_SELECT,
                                            ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_merge_ops = {
    .name = "merge",
    .title = "Merge",
    .keymap = KEYMAP_REVIEW,
    .phi = true,
    .open = merge_open,
    .draw = merge_draw,
    .action = merge_action,
    .actions = merge_actions,
    .close = merge_close,
};
