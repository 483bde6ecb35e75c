/* tui/screen_schools.c - School lists (Manage List, as a school nurse's
 * registry training calls it): the organization's lists with how many
 * students each has; make one, rename it, delete it; open one to see and
 * change its students; find a student to add; run a list's compliance
 * report; Check School Reports. The lists live at the registry (Group). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct schools_view {
	struct app *app;
	struct api_req *req;
	struct school_list *lists;
	int n;
	char **lines;
	int sel, top;
	bool loading;
	bool report_open; /* a report is asked or read from here: nothing to read again on return */
	char error[VAX_ERROR_MSG_LEN];
};

static void free_lists(struct schools_view *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	schools_free_lists(v->lists, v->n);
	v->lines = NULL;
	v->lists = NULL;
	v->n = 0;
}

static void got_lists(struct api_req *req, const struct api_result *res, void *arg)
{
	struct schools_view *v = arg;
	struct app *a = v->app;
	v->req = NULL;
	v->loading = false;
	app_note_result(a, res);
	struct api_bundle b = {0};
	struct vax_error err = {0};
	free_lists(v);
	if (!api_fhir_read_bundle(res, &b, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
	} else {
		v->error[0] = '\0';
		v->n = schools_read_lists(&b, &v->lists);
		v->lines = xcalloc((size_t)v->n + 1, sizeof *v->lines);
		for (int i = 0; i < v->n; i++) {
			v->lines[i] = xmalloc(300);
			snprintf(v->lines[i], 300, "%-50.50s %5d student%s", v->lists[i].name,
			         v->lists[i].members, v->lists[i].members == 1 ? "" : "s");
		}
		if (v->sel >= v->n)
			v->sel = v->n ? v->n - 1 : 0;
	}
	api_bundle_free(&b);
	api_req_free(req);
	app_dirty(a, DIRTY_SCREEN);
}

static void load(struct schools_view *v)
{
	struct vax_error err = {0};
	if (v->req)
		return;
	struct api_fhir_param p[] = {{"_count", "200"}};
	v->req = app_conn(v->app) && !app_offline(v->app)
	             ? api_fhir_search_req(app_conn(v->app), "Group", p, 1, &err)
	             : NULL;
	if (v->req && !api_req_send(v->req, got_lists, v)) {
		api_req_free(v->req);
		v->req = NULL;
	}
	v->loading = v->req != NULL;
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s",
		         err.message[0] ? err.message
		                        : "School lists are kept at the registry; the session is offline.");
}

static void *schools_open_view(struct app *a, const void *arg)
{
	(void)arg;
	struct schools_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	load(v);
	return v;
}

static void schools_enter(struct app *a, struct screen *s, bool fresh)
{
	(void)a;
	struct schools_view *v = s->data;
	/* back from a list or Find Student: a count may have changed; back
	 * from the report's form or a report, nothing has (the lists are
	 * 10-20 kB on a slow link) */
	if (!fresh && !v->report_open)
		load(v);
}

static void schools_close(struct screen *s)
{
	struct schools_view *v = s->data;
	api_req_free(v->req);
	free_lists(v);
	free(v);
}

/* ---- changes: make, rename, delete ------------------------------------------------- */

static void changed(struct api_req *req, const struct api_result *res, void *arg)
{
	struct schools_view *v = arg;
	struct app *a = v->app;
	v->req = NULL;
	app_note_result(a, res);
	struct vax_error err = {0};
	if (res->status == 412)
		app_message(a, MSG_ERROR,
		            "Not done: the list was changed at another desk meanwhile; here it is now.");
	else if (!api_fhir_ok(res, &err))
		app_message(a, MSG_ERROR, "%s", err.message);
	else
		app_message(a, MSG_INFO, "Done.");
	api_req_free(req);
	load(v);
	app_dirty(a, DIRTY_SCREEN);
}

static const struct form_field_spec name_spec[] = {
    {.id = "name",
     .label = "List name",
     .kind = FORM_TEXT,
     .flags = FORM_REQUIRED,
     .max_len = 200,
     .width = 50},
};

struct name_ctx {
	struct schools_view *v;
	int index; /* -1: a new list */
};

static void name_submit(struct app *a, const char *const *val, void *ctx)
{
	struct name_ctx *c = ctx;
	struct schools_view *v = c->v;
	if (app_top_screen(a)->data != v)
		return; /* the lists screen is gone */
	/* the list read that coming back here started: the change reads again */
	api_req_free(v->req);
	v->req = NULL;
	v->loading = false;
	struct vax_error err = {0};
	if (c->index < 0) {
		cJSON *g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "resourceType", "Group");
		cJSON_AddStringToObject(g, "type", "person");
		cJSON_AddBoolToObject(g, "actual", true);
		cJSON_AddStringToObject(g, "name", val[0]);
		/* no member yet: no "member" (FHIR has no empty lists) */
		v->req = reports_send(a, "POST", "Group", g, changed, v, &err);
		cJSON_Delete(g);
	} else if (c->index < v->n) {
		struct school_list *l = &v->lists[c->index];
		cJSON_ReplaceItemInObjectCaseSensitive(l->group, "name", cJSON_CreateString(val[0]));
		v->req = schools_put(a, l, changed, v, &err);
	}
	if (!v->req && err.message[0])
		app_message(a, MSG_ERROR, "%s", err.message);
}

static void ask_name(struct app *a, struct schools_view *v, int index)
{
	struct name_ctx *c = xcalloc(1, sizeof *c);
	c->v = v;
	c->index = index;
	const char *values[] = {index >= 0 ? v->lists[index].name : ""};
	struct open_ask o = {.title = index >= 0 ? "Rename a school list" : "New school list",
	                     .intro =
	                         "A list of students, such as a school and grade (Becker Elementary - K).",
	                     .specs = name_spec,
	                     .n = 1,
	                     .values = values,
	                     .submit = name_submit,
	                     .ctx = c,
	                     .free_ctx = free};
	if (!app_open(a, SCREEN_ASK, &o))
		free(c);
}

static void delete_yes(struct app *a, struct screen *s)
{
	struct schools_view *v = s->data;
	if (v->sel >= v->n)
		return;
	api_req_free(v->req); /* a read again in flight: the change reads after it */
	v->req = NULL;
	char path[128];
	snprintf(path, sizeof path, "Group/%s", v->lists[v->sel].id);
	struct vax_error err = {0};
	v->req = reports_send(a, "DELETE", path, NULL, changed, v, &err);
	if (!v->req)
		app_message(a, MSG_ERROR, "%s", err.message);
}

static unsigned schools_action(struct app *a, struct screen *s, enum action act)
{
	struct schools_view *v = s->data;
	unsigned r = reports_list_keys(a, &v->sel, v->n, act);
	if (r)
		return r;
	bool have = v->sel < v->n;
	switch (act) {
	case ACTION_SELECT:
		if (have) {
			struct open_school_list o = {.id = v->lists[v->sel].id};
			v->report_open = false;
			app_open(a, SCREEN_SCHOOL_LIST, &o);
		}
		return TUI_HANDLED;
	case ACTION_NEW_LIST:
		v->report_open = false;
		ask_name(a, v, -1);
		return TUI_HANDLED;
	case ACTION_RENAME:
		v->report_open = false;
		if (have)
			ask_name(a, v, v->sel);
		return TUI_HANDLED;
	case ACTION_DELETE_RECORD:
		if (have) {
			char q[300];
			snprintf(q, sizeof q, "Delete the list '%.200s' (the students stay in the registry)?",
			         v->lists[v->sel].name);
			app_confirm(a, s, q, delete_yes);
		}
		return TUI_HANDLED;
	case ACTION_RUN_REPORT:
		if (have) {
			v->report_open = true;
			school_report_ask(a, v->lists[v->sel].id, v->lists[v->sel].name);
		}
		return TUI_HANDLED;
	case ACTION_FIND_STUDENT:
		v->report_open = false;
		students_ask(a, have ? v->lists[v->sel].id : NULL);
		return TUI_HANDLED;
	case ACTION_SCHOOL_REPORTS:
		v->report_open = true;
		app_open(a, SCREEN_SCHOOL_REPORTS, NULL);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void schools_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct schools_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	y = reports_draw_head(a, w, "School lists", NULL);
	char org[200];
	snprintf(org, sizeof org, "Kept at the registry for %s.", reports_org_name(a));
	draw_text(w, y++, 1, org, cols - 2);
	y++;
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
	} else if (v->loading && !v->n) {
		draw_text(w, y++, 1, "Reading the lists from the registry...", cols - 2);
	} else if (!v->n) {
		char key[KEY_NAME_LEN], line[200];
		draw_short_key(a, KEYMAP_REPORTS, 0, ACTION_NEW_LIST, key, sizeof key);
		snprintf(line, sizeof line, "No school lists yet. %s makes one.", key);
		draw_text(w, y++, 1, line, cols - 2);
	}
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

static bool schools_shown(struct app *a, struct screen *s, enum action act)
{
	struct schools_view *v = s->data;
	(void)a;
	if (act == ACTION_RENAME || act == ACTION_DELETE_RECORD || act == ACTION_RUN_REPORT ||
	    act == ACTION_SELECT)
		return v->n > 0;
	return true;
}

static const enum action schools_actions[] = {ACTION_SELECT,         ACTION_RUN_REPORT, ACTION_FIND_STUDENT,
                                              ACTION_NEW_LIST,       ACTION_RENAME,     ACTION_DELETE_RECORD,
                                              ACTION_SCHOOL_REPORTS, ACTION_CANCEL,     ACTION_NONE};

const struct screen_ops screen_schools_ops = {
    .name = "schools",
    .title = "School lists",
    .keymap = KEYMAP_REPORTS,
    .phi = false,
    .open = schools_open_view,
    .enter = schools_enter,
    .draw = schools_draw,
    .action = schools_action,
    .actions = schools_actions,
    .action_shown = schools_shown,
    .close = schools_close,
};

void schools_open(struct app *a)
{
	app_open(a, SCREEN_SCHOOLS, NULL);
}
