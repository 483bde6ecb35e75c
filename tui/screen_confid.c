/* tui/screen_confid.c - the registry's confidentiality statement, to be
 * read and accepted ("I Agree") before the first login of a run. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

static int top_line;

static void confid_enter(struct app *a, bool fresh)
{
	(void)a;
	if (fresh)
		top_line = 0;
}

static void confid_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), rows = getmaxy(w);
	wattrset(w, A_BOLD);
	draw_text(w, 0, 1, "Confidentiality statement", cols - 2);
	wattrset(w, A_NORMAL);
	/* draw into a pad-like scratch window so the statement scrolls */
	const char *text = a->sess ? api_session_confidentiality(a->sess) : "";
	WINDOW *tmp = newwin(200, cols - 2 > 1 ? cols - 2 : 1, 0, 0);
	int used = tmp ? draw_wrapped(tmp, 0, 0, cols - 2, text) : 0;
	int room = rows - 5;
	if (top_line > used - room)
		top_line = used - room > 0 ? used - room : 0;
	for (int y = 0; tmp && y < room && top_line + y < used; y++) {
		cchar_t line[512];
		int n = cols - 2 < 511 ? cols - 2 : 511;
		if (mvwin_wchnstr(tmp, top_line + y, 0, line, n) != ERR)
			mvwadd_wchnstr(w, 2 + y, 1, line, n);
	}
	if (tmp)
		delwin(tmp);
	char agree[64], no[64], m[256];
	draw_keys_label(a, KEYMAP_GENERIC, 0, ACTION_SELECT, agree, sizeof agree);
	draw_keys_label(a, KEYMAP_GENERIC, 0, ACTION_CANCEL, no, sizeof no);
	snprintf(m, sizeof m, "[ I Agree: %s ]   [ I Do Not Agree: %s ]%s", agree, no,
	         used > room ? "   (Up/Down top_line)" : "");
	wattrset(w, A_BOLD);
	draw_text(w, rows - 2, 1, m, cols - 2);
	wattrset(w, A_NORMAL);
}

static unsigned confid_action(struct app *a, enum action act)
{
	switch (act) {
	case ACTION_SELECT:
	case ACTION_SUBMIT:
		a->confid_accepted = true;
		app_pop(a);
		if (a->confid_for_login && app_top(a) == SCREEN_LOGIN)
			screen_login_send(a);
		else if (a->confid_for_login && a->offline_session)
			app_go_online(a); /* now the password, over the same screens */
		a->confid_for_login = false;
		return TUI_HANDLED;
	case ACTION_CANCEL:
		a->confid_for_login = false;
		app_pop(a);
		app_message(a, MSG_INFO, "You must accept the statement to log in.");
		return TUI_HANDLED;
	case ACTION_MOVE_DOWN:
	case ACTION_PAGE_DOWN:
		top_line += act == ACTION_PAGE_DOWN ? 10 : 1;
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	case ACTION_MOVE_UP:
	case ACTION_PAGE_UP:
		top_line -= act == ACTION_PAGE_UP ? 10 : 1;
		if (top_line < 0)
			top_line = 0;
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static const enum action confid_actions[] = {ACTION_SELECT, ACTION_CANCEL, ACTION_MOVE_DOWN, ACTION_MOVE_UP,
                                             ACTION_NONE};

const struct screen_ops screen_confid_ops = {
    .name = "confid",
    .title = "Confidentiality statement",
    .keymap = KEYMAP_GENERIC,
    .enter = confid_enter,
    .draw = confid_draw,
    .action = confid_action,
    .actions = confid_actions,
};
