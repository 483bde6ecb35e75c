/* tui/form_view.c - draws a forms/ model: one field per row, label on the
 * left, required fields marked "*" (explained in a legend), the message for
 * a wrong field beside it, passwords masked. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

#define LABEL_COLS 22

/* Field width for the room there is: the field, then room for a message. */
void form_view_fit(struct form *f, int cols)
{
	int room = cols - LABEL_COLS - 4;
	if (room < 8)
		room = 8;
	for (size_t i = 0; i < form_count(f); i++) {
		const struct form_field *ff = form_field_at(f, i);
		int want = ff->spec->width > 0 ? ff->spec->width : 30;
		form_set_width(f, i, want < room ? want : room);
	}
}

int form_view_draw(struct app *a, WINDOW *w, int y, struct form *f, bool focus)
{
	return form_view_draw_range(a, w, y, f, focus, 0, form_count(f), true);
}

/* What a code field's text stands for, shown beside it: the person types
 * "gard" and must see which vaccine that is before leaving the field; with
 * several matches, which one of how many (next-choice steps through them). */
static bool code_hint(const struct form *f, size_t i, bool here, char *buf, size_t len)
{
	const struct form_choice *c = form_choice(f, i);
	if (!c) {
		char typed[8];
		form_view_secret(f, i, typed, sizeof typed);
		if (!here || !typed[0])
			return false;
		snprintf(buf, len, "(no match)");
		return true;
	}
	size_t total = form_matches(f, i, NULL, 0);
	if (!here || total < 2 || form_field_at(f, i)->autofilled) {
		snprintf(buf, len, "= %s", c->label);
		return true;
	}
	size_t *m = xmalloc(total * sizeof *m), pos = 0;
	form_matches(f, i, m, total);
	for (size_t k = 0; k < total; k++)
		if (&form_field_at(f, i)->spec->choices[m[k]] == c)
			pos = k;
	free(m);
	snprintf(buf, len, "%zu of %zu: %s", pos + 1, total, c->label);
	return true;
}

int form_view_draw_range(struct app *a, WINDOW *w, int y, struct form *f, bool focus, size_t from, size_t to,
                         bool legend)
{
	int rows = getmaxy(w), cols = getmaxx(w);
	bool any_required = false;
	size_t fi = form_focus(f);
	int cur_y = -1, cur_x = -1;
	for (size_t i = from; i < to && i < form_count(f) && y < rows; i++, y++) {
		const struct form_field *ff = form_field_at(f, i);
		bool req = ff->required; /* the spec's, or a rule's for this record */
		any_required |= req;
		char label[128];
		snprintf(label, sizeof label, "%s%s:", req ? "* " : "  ", ff->spec->label);
		wattrset(w, ff->readonly ? term_attr(a, ROLE_DISABLED) : A_NORMAL);
		draw_text(w, y, 1, label, LABEL_COLS);
		struct field_view v;
		field_view(&ff->edit, &v);
		wchar_t vis[FIELD_MAX_LEN + 1];
		field_visible(&ff->edit, vis, FIELD_MAX_LEN + 1);
		int x = LABEL_COLS + 1;
		bool here = focus && i == fi;
		attr_t at = term_attr(a, here ? ROLE_FOCUS : ROLE_FIELD);
		wattrset(w, at);
		/* markers for hidden text, then the text padded to the width */
		mvwaddch(w, y, x - 1, v.more_left ? '<' : ' ');
		mvwaddwstr(w, y, x, vis);
		for (int c = v.cols; c < ff->edit.width && x + c < cols; c++)
			mvwaddch(w, y, x + c, a->color || here ? ' ' : '_');
		wattrset(w, A_NORMAL);
		int after = x + ff->edit.width;
		if (after < cols)
			mvwaddch(w, y, after, v.more_right ? '>' : ' ');
		if (ff->message[0] && after + 2 < cols) {
			char m[FORM_MSG_LEN + 8];
			snprintf(m, sizeof m, "<- %s", ff->message);
			wattrset(w, term_attr(a, ROLE_ERROR));
			/* beside the field when the whole sentence fits there; else under the
			 * field, wrapped, as long as the fields after it still fit below (a
			 * message cut mid-word tells the person nothing) */
			int beside = cols - after - 2, under = cols - x - 1;
			int need = under > 10 ? 1 + draw_width(m) / (under - 10) : rows;
			int fields_after = (int)(to - i - 1);
			if (draw_width(m) <= beside) {
				draw_text(w, y, after + 2, m, beside);
			} else if (under > 10 && y + need + fields_after < rows) {
				y = draw_wrapped(w, y + 1, x, under, m) - 1;
			} else if (beside >= 24) {
				draw_words(a, w, y, after + 2, m, beside);
			} else if (y + 1 < rows) {
				y++;
				draw_words(a, w, y, x, m, cols - x);
			}
			wattrset(w, A_NORMAL);
		} else if (ff->readonly && ff->lock_reason[0] && after + 2 < cols) {
			draw_words(a, w, y, after + 2, ff->lock_reason, cols - after - 2);
		} else if (ff->spec->kind == FORM_CODE && after + 2 < cols) {
			char hint[160];
			if (code_hint(f, i, here, hint, sizeof hint)) {
				wattrset(w, term_attr(a, ROLE_DISABLED));
				draw_words(a, w, y, after + 2, hint, cols - after - 2);
				wattrset(w, A_NORMAL);
			}
		} else if (here && (ff->spec->kind == FORM_TEXT || ff->spec->kind == FORM_NAME) &&
		           after + 2 < cols) {
			/* the limit is shown where it is typed, never found by a cut */
			char count[32];
			snprintf(count, sizeof count, "%zu/%zu", ff->edit.len, ff->edit.max_len);
			wattrset(w, term_attr(a, ROLE_DISABLED));
			draw_text(w, y, after + 2, count, cols - after - 2);
			wattrset(w, A_NORMAL);
		}
		if (here) {
			cur_y = y;
			cur_x = x + v.cursor_col;
		}
	}
	if (legend && any_required && y + 1 < rows) {
		y++;
		draw_text(w, y++, 1, "* required", cols - 2);
	}
	if (cur_y >= 0) {
		/* the frame leaves the cursor here after the final doupdate */
		a->cur_show = true;
		a->cur_y = cur_y;
		a->cur_x = cur_x;
	}
	return y;
}

bool form_view_ambiguous(const struct form *f)
{
	size_t i = form_focus(f);
	const struct form_field *ff = form_field_at(f, i);
	if (!ff || ff->readonly || ff->spec->kind != FORM_CODE || form_choice(f, i))
		return false;
	char typed[8];
	form_view_secret(f, i, typed, sizeof typed);
	return typed[0] && form_matches(f, i, NULL, 0) > 1;
}

bool form_view_pick(struct app *a, struct form *f,
                    void (*picked)(struct app *a, struct screen *below, size_t field),
                    const char *(*refuse)(struct app *a, struct screen *below, size_t field, size_t k))
{
	size_t i = form_focus(f), n = 0;
	const struct form_field *ff = form_field_at(f, i);
	if (ff)
		form_choices(f, i, &n);
	if (!ff || !n) {
		app_message(a, MSG_INFO, "This field has no list: type the value.");
		return false;
	}
	if (ff->readonly) {
		app_message(a, MSG_INFO, "%s",
		            ff->lock_reason[0] ? ff->lock_reason : "This field is locked.");
		return false;
	}
	struct open_pick o = {.form = f, .field = i, .picked = picked, .refuse = refuse};
	return app_open(a, SCREEN_PICK, &o);
}

unsigned form_view_action(struct app *a, struct form *f, enum action act)
{
	/* Enter on a code field that matches several: the list, never a guess */
	if (act == ACTION_PICK || (act == ACTION_SUBMIT && form_view_ambiguous(f))) {
		form_view_pick(a, f, NULL, NULL);
		return FORM_REDRAW;
	}
	unsigned r = form_apply(f, act);
	if (r & (FORM_REDRAW | FORM_CHANGED))
		app_dirty(a, DIRTY_BODY);
	if (r & FORM_SUBMIT)
		app_dirty(a, DIRTY_BODY);
	if ((r & (FORM_REFUSED)) && !(r & FORM_SUBMIT)) {
		size_t bad;
		const char *msg;
		if (act == ACTION_SUBMIT || act == ACTION_SAVE) {
			if (!form_validate(f, &bad, &msg))
				app_message(a, MSG_ERROR, "%s: %s", form_field_at(f, bad)->spec->label, msg);
			app_dirty(a, DIRTY_BODY);
		}
	}
	return r;
}

unsigned form_view_text(struct app *a, struct form *f, wchar_t wc)
{
	unsigned r = form_input(f, wc);
	if (r & (FORM_REDRAW | FORM_CHANGED))
		app_dirty(a, DIRTY_BODY);
	return r;
}

void form_view_secret(const struct form *f, size_t i, char *buf, size_t len)
{
	field_get_utf8(&form_field_at(f, i)->edit, buf, len);
}

void form_view_value(const struct form *f, const char *id, char *buf, size_t len)
{
	long i = form_find(f, id);
	buf[0] = '\0';
	if (i >= 0)
		form_get_value(f, (size_t)i, buf, len);
}
