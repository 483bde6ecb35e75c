/* tui/screen_portal.c - the portal: for a user who works for several
 * organizations, pick the one to work for now (after login, and later
 * through Switch Organization on the main menu). The role may differ from
 * one organization to the next; the registry says which with the new token. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

/* When the registry does not list the user's organizations, the org code
 * is typed instead. */
/* clang-format off */
static const struct form_field_spec specs[] = {
	{ .id = "org", .label = "Org code", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 32, .width = 16 },
};
/* clang-format on */

struct portal_view {
	struct app *app;
	int sel;
	struct form *form;
	bool waiting;
	char error[1024];
};

static int org_count(const struct app *a, const struct api_org **orgs)
{
	*orgs = NULL;
	return session_api(a->sess) ? api_session_orgs(session_api(a->sess), orgs) : 0;
}

static struct form *portal_form(const struct screen *s)
{
	const struct portal_view *v = s->data;
	const struct api_org *orgs;
	return org_count(v->app, &orgs) > 1 ? NULL : v->form;
}

static void *portal_open(struct app *a, const void *arg)
{
	(void)arg;
	struct portal_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->form = form_new(specs, 1);
	form_view_fit(v->form, a->cols);
	const struct api_org *orgs;
	int n = org_count(a, &orgs);
	for (int i = 0; i < n; i++)
		if (!strcmp(orgs[i].code, session_org(a->sess)))
			v->sel = i;
	return v;
}

static void portal_close(struct screen *s)
{
	struct portal_view *v = s->data;
	if (v->waiting)
		api_session_cancel(session_api(v->app->sess));
	form_free(&v->form);
	free(v);
}

static void switched(struct api_session *as, const struct api_result *res, void *arg)
{
	struct portal_view *v = arg;
	struct app *a = v->app;
	v->waiting = false;
	a->msg[0] = '\0'; /* "Waiting..." is over */
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	if (res->cls != API_OK) {
		snprintf(v->error, sizeof v->error, "%s", res->err.message);
		return;
	}
	session_switched(a->sess);
	app_reset_to(a, SCREEN_MENU); /* v is gone after this */
	app_message(a, MSG_INFO, "Working for %s (%s).", api_session_org_name(as), api_session_org(as));
}

static void switch_to(struct app *a, struct portal_view *v, const char *org)
{
	v->error[0] = '\0';
	v->waiting = api_session_switch(session_api(a->sess), org, switched, v);
	if (v->waiting)
		app_message(a, MSG_INFO, "Switching to %s...", org);
	else
		snprintf(v->error, sizeof v->error, "The switch could not be sent.");
}

static void leave(struct app *a)
{
	if (a->depth > 1)
		app_pop(a);
	else
		app_reset_to(a, SCREEN_MENU);
}

static unsigned typed_action(struct app *a, struct portal_view *v, enum action act)
{
	if (act == ACTION_CANCEL || act == ACTION_MAIN_MENU) {
		leave(a);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, v->form, act);
	if (r & FORM_SUBMIT) {
		char org[64];
		form_view_value(v->form, "org", org, sizeof org);
		switch_to(a, v, org);
	}
	return r & FORM_UNHANDLED ? TUI_UNHANDLED : TUI_HANDLED;
}

static unsigned portal_action(struct app *a, struct screen *s, enum action act)
{
	struct portal_view *v = s->data;
	const struct api_org *orgs;
	int n = org_count(a, &orgs);
	if (v->waiting && act != ACTION_HELP && act != ACTION_QUIT) {
		app_message(a, MSG_INFO, "Waiting for the registry...");
		return TUI_HANDLED;
	}
	if (n <= 1 && act != ACTION_LOGOUT)
		return typed_action(a, v, act);
	switch (act) {
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		list_move(&v->sel, n, 0, act);
		break;
	case ACTION_SELECT:
	case ACTION_SUBMIT:
		if (v->sel >= n)
			break;
		if (!strcmp(orgs[v->sel].code, session_org(a->sess))) {
			char name[128], code[64];
			snprintf(name, sizeof name, "%s", orgs[v->sel].name);
			snprintf(code, sizeof code, "%s", orgs[v->sel].code);
			app_reset_to(a, SCREEN_MENU); /* v is gone after this */
			app_message(a, MSG_INFO, "Working for %s (%s).", name, code);
			return TUI_HANDLED;
		}
		switch_to(a, v, orgs[v->sel].code);
		break;
	case ACTION_CANCEL:
	case ACTION_MAIN_MENU:
		leave(a);
		return TUI_HANDLED;
	case ACTION_LOGOUT:
		app_logout(a, "Logged out.");
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void portal_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct portal_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Choose the organization to work for", cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	const struct api_org *orgs;
	int n = org_count(a, &orgs);
	if (n <= 1) {
		char m[256];
		snprintf(m, sizeof m,
		         "You are working for %s (%s). Type the code of another organization "
		         "you belong to:",
		         session_org_name(a->sess), session_org(a->sess));
		y = draw_wrapped(w, y, 1, cols - 2, m) + 1;
		y = form_view_draw(a, w, y, v->form, true);
	}
	for (int i = 0; i < n && y < rows - 2; i++, y++) {
		char line[256];
		bool cur = !strcmp(orgs[i].code, session_org(a->sess));
		snprintf(line, sizeof line, "%s %-10s %s%s", i == v->sel ? ">" : " ", orgs[i].code,
		         orgs[i].name, cur ? "  (current)" : "");
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y, 1, line, cols - 2);
	}
	wattrset(w, A_NORMAL);
	if (v->error[0]) {
		char m[1100];
		snprintf(m, sizeof m, "Error: %s", v->error);
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, m);
		wattrset(w, A_NORMAL);
	}
}

static const enum action portal_actions[] = {ACTION_SELECT, ACTION_MOVE_UP, ACTION_MOVE_DOWN,
                                             ACTION_CANCEL, ACTION_LOGOUT,  ACTION_NONE};

const struct screen_ops screen_portal_ops = {
    .name = "portal",
    .title = "Choose an organization",
    .keymap = KEYMAP_MENU,
    .open = portal_open,
    .draw = portal_draw,
    .action = portal_action,
    .form = portal_form,
    .actions = portal_actions,
    .close = portal_close,
};
