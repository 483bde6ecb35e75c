/* tui/screen_menu.c - the main menu: one line per task with its mnemonic
 * key (from the keymaps, so a rebinding shows here). Tasks this version
 * cannot do yet are listed, dimmed and labelled, not hidden. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

struct entry {
	enum action act;
	const char *label;
	bool available;
	unsigned roles; /* whose menu lists it */
};

/* a clinic's users (provider, view-only) and a school's (the school nurse) */
#define CLINIC 1u
#define SCHOOL 2u
#define ALL    (CLINIC | SCHOOL)

static const struct entry entries[] = {
    {ACTION_SEARCH, "Find a client", true, ALL},
    {ACTION_ADD_CLIENT, "Add a client", true, CLINIC},
    {ACTION_SCHOOL_LISTS, "School lists: manage lists, find students, run a report", true, ALL},
    {ACTION_SCHOOL_REPORTS, "Check School Reports", true, ALL},
    {ACTION_RECALL, "Reminder/recall notices", true, CLINIC},
    {ACTION_PROVIDER_SUMMARY, "Provider summary", true, CLINIC},
    {ACTION_OUTBOX, "Outbox: what waits for the registry", true, CLINIC},
    {ACTION_REVIEW, "Review possible duplicates", true, CLINIC},
    {ACTION_LOTS, "Vaccine lots on hand", true, CLINIC},
    {ACTION_CHANGE_PASSWORD, "Change password", true, ALL},
    {ACTION_SWITCH_ORG, "Switch organization", true, ALL},
    {ACTION_GO_ONLINE, "Sign in to the registry (offline session)", true, ALL},
    {ACTION_LOGOUT, "Log out", true, ALL},
};
#define N_ENTRIES (int)(sizeof entries / sizeof entries[0])

/* The entries of this user's menu: a school nurse's lists the school work. */
static bool listed(const struct app *a, int i)
{
	enum api_role r = session_role(a->sess);
	return entries[i].roles & (r == API_ROLE_SCHOOL ? SCHOOL : CLINIC);
}

/* What the registry lets the role do of the reports. */
static bool role_may(const struct app *a, enum action act)
{
	enum api_role r = session_role(a->sess);
	switch (act) {
	case ACTION_RECALL:
		return r == API_ROLE_PROVIDER || r == API_ROLE_UNKNOWN;
	case ACTION_PROVIDER_SUMMARY:
		return r != API_ROLE_SCHOOL;
	case ACTION_SCHOOL_LISTS:
	case ACTION_SCHOOL_REPORTS:
		return r != API_ROLE_VIEW;
	default:
		return true;
	}
}

struct menu_view {
	int sel;
};

static bool usable(const struct app *a, int i)
{
	if (!entries[i].available || !listed(a, i) || !role_may(a, entries[i].act))
		return false;
	if (entries[i].act == ACTION_GO_ONLINE)
		return app_offline(a);
	if (!app_action_allowed(a, entries[i].act))
		return false;
	/* the registry does these; offline, the local store answers searches
	 * and holds the clients to review */
	if (app_offline(a) && entries[i].act != ACTION_LOGOUT && entries[i].act != ACTION_SEARCH &&
	    entries[i].act != ACTION_ADD_CLIENT && entries[i].act != ACTION_REVIEW &&
	    entries[i].act != ACTION_OUTBOX && entries[i].act != ACTION_LOTS)
		return false;
	if (entries[i].act == ACTION_SWITCH_ORG) {
		/* 0: the registry did not list them; the org code is typed */
		const struct api_org *orgs;
		return api_session_orgs(session_api(a->sess), &orgs) != 1;
	}
	return true;
}

static void *menu_open(struct app *a, const void *arg)
{
	(void)arg;
	struct menu_view *v = xcalloc(1, sizeof *v);
	/* start on the first task this session can do (Find a client) */
	for (v->sel = 0; v->sel < N_ENTRIES - 1 && !usable(a, v->sel); v->sel++)
		;
	return v;
}

static void run(struct app *a, int i)
{
	if (!usable(a, i)) {
		char why[256];
		if (entries[i].act == ACTION_GO_ONLINE)
			app_message(a, MSG_INFO, "You are signed in to the registry already.");
		else if (!session_may_write(a->sess, why, sizeof why) &&
		         !app_action_allowed(a, entries[i].act))
			app_message(a, MSG_ERROR, "%s", why);
		else if (!listed(a, i) || !role_may(a, entries[i].act))
			app_message(a, MSG_INFO, "%s is not for your role (%s).", entries[i].label,
			            api_role_words(session_role(a->sess)));
		else if (entries[i].available && app_offline(a))
			app_message(a, MSG_INFO, "%s needs the registry; this session is offline.",
			            entries[i].label);
		else if (entries[i].act == ACTION_SWITCH_ORG && entries[i].available)
			app_message(a, MSG_INFO, "You work for one organization only.");
		else
			app_message(a, MSG_INFO, "%s: not available in this version.", entries[i].label);
		return;
	}
	switch (entries[i].act) {
	case ACTION_CHANGE_PASSWORD:
		app_open(a, SCREEN_PASSWORD, NULL);
		break;
	case ACTION_SWITCH_ORG:
		app_open(a, SCREEN_PORTAL, NULL);
		break;
	case ACTION_LOGOUT:
		app_logout(a, "Logged out.");
		break;
	case ACTION_SEARCH:
		app_open(a, SCREEN_SEARCH, NULL);
		break;
	case ACTION_ADD_CLIENT:
		/* search before create: Add Client opens from the results */
		if (app_open(a, SCREEN_SEARCH, NULL))
			app_message(a, MSG_INFO, "Search first: Add Client opens from the search results.");
		break;
	case ACTION_REVIEW:
		app_open(a, SCREEN_REVIEW_MATCH, NULL);
		break;
	case ACTION_OUTBOX:
		app_open(a, SCREEN_OUTBOX, NULL);
		break;
	case ACTION_LOTS:
		app_open(a, SCREEN_LOTS, NULL);
		break;
	case ACTION_GO_ONLINE:
		app_go_online(a);
		break;
	case ACTION_RECALL:
		recall_ask(a);
		break;
	case ACTION_SCHOOL_LISTS:
		schools_open(a);
		break;
	case ACTION_SCHOOL_REPORTS:
		app_open(a, SCREEN_SCHOOL_REPORTS, NULL);
		break;
	case ACTION_PROVIDER_SUMMARY:
		summary_ask(a);
		break;
	default:
		break;
	}
}

static unsigned menu_action(struct app *a, struct screen *s, enum action act)
{
	struct menu_view *v = s->data;
	switch (act) {
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST: {
		int before = v->sel;
		list_move(&v->sel, N_ENTRIES, 0, act);
		/* over the entries this user's menu does not list */
		int dir = v->sel >= before ? 1 : -1;
		while (v->sel >= 0 && v->sel < N_ENTRIES && !listed(a, v->sel))
			v->sel += dir;
		if (v->sel < 0 || v->sel >= N_ENTRIES)
			v->sel = before;
		break;
	}
	case ACTION_SELECT:
		run(a, v->sel);
		break;
	case ACTION_MAIN_MENU:
	case ACTION_CANCEL:
		break;
	default:
		for (int i = 0; i < N_ENTRIES; i++)
			if (entries[i].act == act) {
				v->sel = i;
				run(a, i);
				app_dirty(a, DIRTY_BODY);
				return TUI_HANDLED;
			}
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void menu_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct menu_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Main menu", cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	for (int i = 0; i < N_ENTRIES && y < rows; i++) {
		if (!listed(a, i))
			continue;
		char keys[64], line[256];
		struct key k[4];
		/* the menu's own key (a mnemonic letter) comes first */
		size_t n = keymap_keys_for(a->keys, KEYMAP_MENU, 0, entries[i].act, k, 4);
		keys[0] = '\0';
		if (n)
			key_label(&k[0], keys, sizeof keys);
		bool ok = usable(a, i);
		const char *why = "";
		if (!entries[i].available)
			why = "  - not available in this version";
		else if (!ok && entries[i].act == ACTION_GO_ONLINE)
			why = "  - signed in";
		else if (!ok && (!app_action_allowed(a, entries[i].act) || !role_may(a, entries[i].act)))
			why = "  - not for your role";
		else if (!ok && app_offline(a))
			why = "  - needs the registry (offline)";
		else if (!ok)
			why = "  - you work for one organization";
		snprintf(line, sizeof line, "%s %-6s %s%s", i == v->sel ? ">" : " ", keys, entries[i].label,
		         why);
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS)
		            : ok        ? A_NORMAL
		                        : term_attr(a, ROLE_DISABLED));
		draw_text(w, y++, 1, line, cols - 2);
	}
	wattrset(w, A_NORMAL);
}

/* The bar offers what this session can do from here. */
static bool menu_action_shown(struct app *a, struct screen *s, enum action act)
{
	(void)s;
	for (int i = 0; i < N_ENTRIES; i++)
		if (entries[i].act == act)
			return usable(a, i);
	return true;
}

static const enum action menu_actions[] = {ACTION_SELECT,    ACTION_CHANGE_PASSWORD, ACTION_SWITCH_ORG,
                                           ACTION_GO_ONLINE, ACTION_LOGOUT,          ACTION_NONE};

const struct screen_ops screen_menu_ops = {
    .name = "menu",
    .title = "Main menu",
    .keymap = KEYMAP_MENU,
    .phi = false,
    .open = menu_open,
    .draw = menu_draw,
    .action = menu_action,
    .actions = menu_actions,
    .action_shown = menu_action_shown,
};
