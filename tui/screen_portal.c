/* tui/screen_portal.c - the portal: for a user who works for several
 * organizations, pick the one to work for now (after login, and later
 * through Switch Organization on the main menu). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

static int sel;
static char error[1024];

/* When the registry does not list the user's organizations, the org code
 * is typed instead. */
/* clang-format off */
static const struct form_field_spec specs[] = {
	{ .id = "org", .label = "Org code", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 32, .width = 16 },
};
/* clang-format on */
static struct form *form;

static int org_count(const struct app *a, const struct api_org **orgs)
{
	return a->sess ? api_session_orgs(a->sess, orgs) : 0;
}

static struct form *portal_form(struct app *a)
{
	const struct api_org *orgs;
	return org_count(a, &orgs) > 1 ? NULL : form;
}

static void portal_cleanup(void)
{
	form_free(&form);
}

static void portal_enter(struct app *a, bool fresh)
{
	if (!fresh)
		return;
	error[0] = '\0';
	sel = 0;
	form_free(&form);
	form = form_new(specs, 1);
	form_view_fit(form, a->cols);
	const struct api_org *orgs;
	int n = a->sess ? api_session_orgs(a->sess, &orgs) : 0;
	for (int i = 0; i < n; i++)
		if (!strcmp(orgs[i].code, api_session_org(a->sess)))
			sel = i;
}

static void switched(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	a->msg[0] = '\0'; /* "Waiting..." is over */
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	if (res->cls != API_OK) {
		snprintf(error, sizeof error, "%s", res->err.message);
		return;
	}
	app_reset_to(a, SCREEN_MENU);
	app_message(a, MSG_INFO, "Working for %s (%s).", api_session_org_name(s), api_session_org(s));
}

static void leave(struct app *a)
{
	if (a->depth > 1)
		app_pop(a);
	else
		app_reset_to(a, SCREEN_MENU);
}

static unsigned typed_action(struct app *a, enum action act)
{
	if (act == ACTION_CANCEL || act == ACTION_MAIN_MENU) {
		leave(a);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, form, act);
	if (r & FORM_SUBMIT) {
		char org[64];
		form_view_value(form, "org", org, sizeof org);
		error[0] = '\0';
		if (api_session_switch(a->sess, org, switched, a))
			app_message(a, MSG_INFO, "Switching to %s...", org);
	}
	return r & FORM_UNHANDLED ? TUI_UNHANDLED : TUI_HANDLED;
}

static unsigned portal_action(struct app *a, enum action act)
{
	const struct api_org *orgs;
	int n = org_count(a, &orgs);
	if (n <= 1 && act != ACTION_LOGOUT)
		return typed_action(a, act);
	switch (act) {
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		list_move(&sel, n, 0, act);
		break;
	case ACTION_SELECT:
	case ACTION_SUBMIT:
		if (sel >= n)
			break;
		if (!strcmp(orgs[sel].code, api_session_org(a->sess))) {
			app_reset_to(a, SCREEN_MENU);
			app_message(a, MSG_INFO, "Working for %s (%s).", orgs[sel].name, orgs[sel].code);
			break;
		}
		error[0] = '\0';
		if (api_session_switch(a->sess, orgs[sel].code, switched, a))
			app_message(a, MSG_INFO, "Switching to %s...", orgs[sel].code);
		break;
	case ACTION_CANCEL:
	case ACTION_MAIN_MENU:
		leave(a);
		break;
	case ACTION_LOGOUT:
		app_logout(a, "Logged out.");
		break;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void portal_draw(struct app *a, WINDOW *w)
{
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
		         api_session_org_name(a->sess), api_session_org(a->sess));
		y = draw_wrapped(w, y, 1, cols - 2, m) + 1;
		y = form_view_draw(a, w, y, form, true);
	}
	for (int i = 0; i < n && y < rows - 2; i++, y++) {
		char line[256];
		bool cur = !strcmp(orgs[i].code, api_session_org(a->sess));
		snprintf(line, sizeof line, "%s %-10s %s%s", i == sel ? ">" : " ", orgs[i].code, orgs[i].name,
		         cur ? "  (current)" : "");
		wattrset(w, i == sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y, 1, line, cols - 2);
	}
	wattrset(w, A_NORMAL);
	if (error[0]) {
		char m[1100];
		snprintf(m, sizeof m, "Error: %s", error);
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
    .enter = portal_enter,
    .draw = portal_draw,
    .action = portal_action,
    .form = portal_form,
    .actions = portal_actions,
    .cleanup = portal_cleanup,
};
