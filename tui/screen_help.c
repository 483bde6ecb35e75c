/* tui/screen_help.c - `?` on any screen: the keys that work on the screen
 * below, read from the live keymaps (a rebinding in a keys file shows up
 * here), with each action's help text from keymaps/action.h; then any
 * problems found in the keys and configuration files. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

struct help_view {
	int top_line;
	int lines_total;
};

static void *help_open(struct app *a, const void *arg)
{
	(void)a, (void)arg;
	return xcalloc(1, sizeof(struct help_view));
}

/* The screen whose keys are listed: the one help opened over. */
static struct screen *subject(struct app *a, struct screen *s)
{
	struct screen *below = app_below(a, s);
	return below ? below : s;
}

/* One line per action that has a key (more when its help wraps); returns
 * the next line number. */
static int list(struct app *a, const struct help_view *v, WINDOW *w, int line, int top,
                const struct screen_ops *ops, unsigned flags, enum action act)
{
	char keys[128];
	draw_keys_label(a, ops->keymap, flags, act, keys, sizeof keys);
	if (!keys[0])
		return line;
	int rows = getmaxy(w), width = getmaxx(w) - 25;
	const char *p = action_help(act);
	for (bool first = true; first || *p; first = false, line++) {
		char text[256];
		p = draw_line_of_words(p, width, text, sizeof text);
		int y = line - v->top_line + top;
		if (y < top || y >= rows)
			continue;
		if (first) {
			wattrset(w, A_BOLD);
			draw_text(w, y, 2, keys, 20);
			wattrset(w, A_NORMAL);
		}
		draw_text(w, y, 24, text, width);
	}
	return line;
}

static int heading(const struct help_view *v, WINDOW *w, int line, int top, const char *text)
{
	int y = line - v->top_line + top;
	if (y >= top && y < getmaxy(w)) {
		wattrset(w, A_UNDERLINE);
		draw_text(w, y, 1, text, getmaxx(w) - 2);
		wattrset(w, A_NORMAL);
	}
	return line + 1;
}

static bool in_list(const enum action *l, enum action act)
{
	for (; l && *l != ACTION_NONE; l++)
		if (*l == act)
			return true;
	return false;
}

static void help_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct help_view *v = s->data;
	struct screen *subj = subject(a, s);
	const struct screen_ops *ops = subj->ops;
	char title[160];
	snprintf(title, sizeof title, "Keys for: %s   (keymap \"%s\"; Esc or q closes)", ops->title,
	         keymap_name(ops->keymap));
	wattrset(w, A_BOLD);
	draw_text(w, 0, 1, title, getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
	int top = 2, line = 0;
	unsigned flags = ops->form && ops->form(subj) ? KEYMAP_EDITING : 0;
	line = heading(v, w, line, top, "On this screen");
	for (const enum action *p = ops->actions; p && *p != ACTION_NONE; p++)
		if (app_action_allowed(a, *p)) /* what the role may not do is not offered */
			line = list(a, v, w, line, top, ops, flags, *p);
	if (flags & KEYMAP_EDITING) {
		line = heading(v, w, line + 1, top, "In a field");
		for (size_t i = 0; i < ACTION_COUNT; i++) {
			enum action act = action_at(i);
			if (action_group(act) == ACTION_GROUP_FIELD && !in_list(ops->actions, act) &&
			    act != ACTION_NEXT_CHOICE && act != ACTION_PREV_CHOICE)
				line = list(a, v, w, line, top, ops, flags, act);
		}
		if (!in_list(ops->actions, ACTION_PREV_FIELD))
			line = list(a, v, w, line, top, ops, flags, ACTION_PREV_FIELD);
	}
	line = heading(v, w, line + 1, top, "Everywhere");
	static const enum action frame[] = {ACTION_HELP,     ACTION_MAIN_MENU, ACTION_SEARCH, ACTION_OUTBOX,
	                                    ACTION_SYNC_NOW, ACTION_REDRAW,    ACTION_LOCK,   ACTION_QUIT};
	for (size_t i = 0; i < sizeof frame / sizeof frame[0]; i++)
		if (!in_list(ops->actions, frame[i]))
			line = list(a, v, w, line, top, ops, flags, frame[i]);
	if (a->n_notes) {
		line = heading(v, w, line + 1, top, "Problems in your keys or configuration files");
		for (size_t i = 0; i < a->n_notes; i++, line++) {
			int y = line - v->top_line + top;
			if (y >= top && y < getmaxy(w))
				draw_text(w, y, 2, a->notes[i], getmaxx(w) - 3);
		}
	}
	v->lines_total = line;
}

static unsigned help_action(struct app *a, struct screen *s, enum action act)
{
	struct help_view *v = s->data;
	int page = getmaxy(a->w_body) - 3;
	switch (act) {
	case ACTION_CANCEL:
	case ACTION_HELP:
	case ACTION_QUIT:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_MOVE_DOWN:
		v->top_line++;
		break;
	case ACTION_MOVE_UP:
		v->top_line--;
		break;
	case ACTION_PAGE_DOWN:
		v->top_line += page;
		break;
	case ACTION_PAGE_UP:
		v->top_line -= page;
		break;
	case ACTION_MOVE_FIRST:
		v->top_line = 0;
		break;
	case ACTION_MOVE_LAST:
		v->top_line = v->lines_total - page;
		break;
	default:
		return TUI_HANDLED; /* nothing else happens while help is up */
	}
	if (v->top_line > v->lines_total - page)
		v->top_line = v->lines_total - page;
	if (v->top_line < 0)
		v->top_line = 0;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static const enum action help_actions[] = {ACTION_CANCEL, ACTION_PAGE_DOWN, ACTION_NONE};

const struct screen_ops screen_help_ops = {
    .name = "help",
    .title = "Help",
    .keymap = KEYMAP_HELP,
    .open = help_open,
    .draw = help_draw,
    .action = help_action,
    .actions = help_actions,
};
