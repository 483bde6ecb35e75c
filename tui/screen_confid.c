/* tui/screen_confid.c - the registry's confidentiality statement, read and
 * accepted ("I Agree") at every login, after the registry has said the
 * password is right; the screen that asked (the login form, the sign-in
 * prompt) sends the login again with it accepted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

struct confid_view {
	int top_line;
	void (*answered)(struct app *a, struct screen *below, bool agreed);
};

static void *confid_open(struct app *a, const void *arg)
{
	const struct open_confid *o = arg;
	(void)a;
	struct confid_view *v = xcalloc(1, sizeof *v);
	v->answered = o ? o->answered : NULL;
	return v;
}

static void confid_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct confid_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w);
	wattrset(w, A_BOLD);
	draw_text(w, 0, 1, "Confidentiality statement", cols - 2);
	wattrset(w, A_NORMAL);
	/* draw into a pad-like scratch window so the statement scrolls */
	const char *text = api_session_confidentiality(session_api(a->sess));
	WINDOW *tmp = newwin(200, cols - 2 > 1 ? cols - 2 : 1, 0, 0);
	int used = tmp ? draw_wrapped(tmp, 0, 0, cols - 2, text) : 0;
	int room = rows - 5;
	if (v->top_line > used - room)
		v->top_line = used - room > 0 ? used - room : 0;
	for (int y = 0; tmp && y < room && v->top_line + y < used; y++) {
		cchar_t line[512];
		int n = cols - 2 < 511 ? cols - 2 : 511;
		if (mvwin_wchnstr(tmp, v->top_line + y, 0, line, n) != ERR)
			mvwadd_wchnstr(w, 2 + y, 1, line, n);
	}
	if (tmp)
		delwin(tmp);
	char agree[64], no[64], m[256];
	draw_keys_label(a, KEYMAP_GENERIC, 0, ACTION_SELECT, agree, sizeof agree);
	draw_keys_label(a, KEYMAP_GENERIC, 0, ACTION_CANCEL, no, sizeof no);
	snprintf(m, sizeof m, "[ I Agree: %s ]   [ I Do Not Agree: %s ]%s", agree, no,
	         used > room ? "   (Up/Down scroll)" : "");
	wattrset(w, A_BOLD);
	draw_text(w, rows - 2, 1, m, cols - 2);
	wattrset(w, A_NORMAL);
}

/* Close, then tell the screen below what was answered (it may open or
 * close screens itself). */
static void answer(struct app *a, struct confid_view *v, bool agreed)
{
	void (*answered)(struct app *, struct screen *, bool) = v->answered;
	app_pop(a); /* v is gone after this */
	if (answered)
		answered(a, app_top_screen(a), agreed);
}

static unsigned confid_action(struct app *a, struct screen *s, enum action act)
{
	struct confid_view *v = s->data;
	switch (act) {
	case ACTION_SELECT:
	case ACTION_SUBMIT:
		answer(a, v, true);
		return TUI_HANDLED;
	case ACTION_CANCEL:
		answer(a, v, false);
		return TUI_HANDLED;
	case ACTION_MOVE_DOWN:
	case ACTION_PAGE_DOWN:
		v->top_line += act == ACTION_PAGE_DOWN ? 10 : 1;
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	case ACTION_MOVE_UP:
	case ACTION_PAGE_UP:
		v->top_line -= act == ACTION_PAGE_UP ? 10 : 1;
		if (v->top_line < 0)
			v->top_line = 0;
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	case ACTION_QUIT:
	case ACTION_HELP:
		return TUI_UNHANDLED;
	default:
		/* nothing else until it is answered: the login waits on it */
		return TUI_HANDLED;
	}
}

static const enum action confid_actions[] = {ACTION_SELECT, ACTION_CANCEL, ACTION_MOVE_DOWN, ACTION_MOVE_UP,
                                             ACTION_NONE};

const struct screen_ops screen_confid_ops = {
    .name = "confid",
    .title = "Confidentiality statement",
    .keymap = KEYMAP_GENERIC,
    .open = confid_open,
    .draw = confid_draw,
    .action = confid_action,
    .actions = confid_actions,
};
