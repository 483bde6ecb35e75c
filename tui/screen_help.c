/* tui/screen_help.c - `?` on any screen: the keys that work on the screen
 * below, read from the live keymaps (a rebinding in a keys file shows up
 * here), with each action's help text from keymaps/action.h; then any
 * problems found in the keys and configuration files. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

static int top_line;

enum screen_id help_subject(const struct app *a)
{
	return a->depth > 1 ? a->stack[a->depth - 2] : SCREEN_LOGIN;
}

static void help_enter(struct app *a, bool fresh)
{
	(void)a;
	if (fresh)
		top_line = 0;
}

/* One line per action that has a key (more when its help wraps); returns
 * the next line number. */
static int list(struct app *a, WINDOW *w, int line, int top, const struct screen_ops *ops, unsigned flags,
                enum action act)
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
		int y = line - top_line + top;
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

static int heading(WINDOW *w, int line, int top, const char *text)
{
	int y = line - top_line + top;
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

static int lines_total;

static void help_draw(struct app *a, WINDOW *w)
{
	const struct screen_ops *ops = app_screen(help_subject(a));
	char title[160];
	snprintf(title, sizeof title, "Keys for: %s   (keymap \"%s\"; Esc or q closes)", ops->title,
	         keymap_name(ops->keymap));
	wattrset(w, A_BOLD);
	draw_text(w, 0, 1, title, getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
	int top = 2, line = 0;
	unsigned flags = ops->form ? KEYMAP_EDITING : 0;
	line = heading(w, line, top, "On this screen");
	for (const enum action *p = ops->actions; p && *p != ACTION_NONE; p++)
		line = list(a, w, line, top, ops, flags, *p);
	if (ops->form) {
		line = heading(w, line + 1, top, "In a field");
		for (size_t i = 0; i < ACTION_COUNT; i++) {
			enum action act = action_at(i);
			if (action_group(act) == ACTION_GROUP_FIELD && !in_list(ops->actions, act) &&
			    act != ACTION_NEXT_CHOICE && act != ACTION_PREV_CHOICE)
				line = list(a, w, line, top, ops, flags, act);
		}
		if (!in_list(ops->actions, ACTION_PREV_FIELD))
			line = list(a, w, line, top, ops, flags, ACTION_PREV_FIELD);
	}
	line = heading(w, line + 1, top, "Everywhere");
	static const enum action frame[] = {ACTION_HELP, ACTION_REDRAW, ACTION_LOCK, ACTION_QUIT};
	for (size_t i = 0; i < sizeof frame / sizeof frame[0]; i++)
		if (!in_list(ops->actions, frame[i]))
			line = list(a, w, line, top, ops, flags, frame[i]);
	if (a->n_notes) {
		line = heading(w, line + 1, top, "Problems in your keys or configuration files");
		for (size_t i = 0; i < a->n_notes; i++, line++) {
			int y = line - top_line + top;
			if (y >= top && y < getmaxy(w))
				draw_text(w, y, 2, a->notes[i], getmaxx(w) - 3);
		}
	}
	lines_total = line;
}

static unsigned help_action(struct app *a, enum action act)
{
	int page = getmaxy(a->w_body) - 3;
	switch (act) {
	case ACTION_CANCEL:
	case ACTION_HELP:
	case ACTION_QUIT:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_MOVE_DOWN:
		top_line++;
		break;
	case ACTION_MOVE_UP:
		top_line--;
		break;
	case ACTION_PAGE_DOWN:
		top_line += page;
		break;
	case ACTION_PAGE_UP:
		top_line -= page;
		break;
	case ACTION_MOVE_FIRST:
		top_line = 0;
		break;
	case ACTION_MOVE_LAST:
		top_line = lines_total - page;
		break;
	default:
		return TUI_HANDLED; /* nothing else happens while help is up */
	}
	if (top_line > lines_total - page)
		top_line = lines_total - page;
	if (top_line < 0)
		top_line = 0;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static const enum action help_actions[] = {ACTION_CANCEL, ACTION_PAGE_DOWN, ACTION_NONE};

const struct screen_ops screen_help_ops = {
    .name = "help",
    .title = "Help",
    .keymap = KEYMAP_HELP,
    .enter = help_enter,
    .draw = help_draw,
    .action = help_action,
    .actions = help_actions,
};
