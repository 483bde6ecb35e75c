/* tui/screen_school_list.c - one school list's students: who is on it (the
 * member's display, or for members added elsewhere without one, the
 * student's name read in one batch); take a student off; find students to
 * add; run the list's report. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct member {
	char pid[VAX_ID_LEN];
	char line[300];
};

struct list_view {
	struct app *app;
	char id[VAX_ID_LEN];
	struct school_list list;
	bool have;
	struct api_req *req;
	struct member *m;
	int n;
	char **lines;
	int sel, top;
	char error[VAX_ERROR_MSG_LEN];
};

static void load(struct list_view *v);

static void forget(struct list_view *v)
{
	free(v->m);
	free(v->lines);
	v->m = NULL;
	v->lines = NULL;
	v->n = 0;
	if (v->have)
		cJSON_Delete(v->list.group);
	v->have = false;
}

static void make_lines(struct list_view *v)
{
	free(v->lines);
	v->lines = xcalloc((size_t)v->n + 1, sizeof *v->lines);
	for (int i = 0; i < v->n; i++)
		v->lines[i] = v->m[i].line;
}

/* names of members that have no display, read in one batch */
static void got_names(struct api_req *req, const struct api_result *res, void *arg)
{
	struct list_view *v = arg;
	v->req = NULL;
	app_note_result(v->app, res);
	struct api_bundle b = {0};
	if (api_fhir_read_bundle(res, &b, NULL))
		for (int e = 0; e < b.n; e++) {
			const cJSON *p = b.entry[e].resource;
			const char *id = b.entry[e].id;
			for (int i = 0; p && id[0] && i < v->n; i++)
				if (!strcmp(v->m[i].pid, id))
					schools_member_display(p, v->m[i].line, sizeof v->m[i].line);
		}
	api_bundle_free(&b);
	api_req_free(req);
	app_dirty(v->app, DIRTY_BODY);
}

static void read_names(struct list_view *v)
{
	cJSON *bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
	cJSON_AddStringToObject(bundle, "type", "batch");
	cJSON *entries = cJSON_AddArrayToObject(bundle, "entry");
	int k = 0;
	for (int i = 0; i < v->n && k < 500; i++) {
		if (v->m[i].line[0] != '(')
			continue;
		char url[128];
		snprintf(url, sizeof url, "Patient/%s?_elements=name,birthDate", v->m[i].pid);
		cJSON *e = cJSON_CreateObject();
		cJSON *rq = cJSON_AddObjectToObject(e, "request");
		cJSON_AddStringToObject(rq, "method", "GET");
		cJSON_AddStringToObject(rq, "url", url);
		cJSON_AddItemToArray(entries, e);
		k++;
	}
	if (k) {
		struct vax_error err = {0};
		v->req = api_fhir_bundle_req(app_conn(v->app), bundle, &err);
		if (v->req && !api_req_send(v->req, got_names, v)) {
			api_req_free(v->req);
			v->req = NULL;
		}
	}
	cJSON_Delete(bundle);
}

static void got_list(struct api_req *req, const struct api_result *res, void *arg)
{
	struct list_view *v = arg;
	struct app *a = v->app;
	v->req = NULL;
	struct vax_error err = {0};
	cJSON *j = reports_answer(a, res, &err);
	api_req_free(req);
	forget(v);
	if (!j || !schools_read_one(j, &v->list)) {
		snprintf(v->error, sizeof v->error, "%s",
		         j ? "The registry's answer is not a school list." : err.message);
		cJSON_Delete(j);
		app_dirty(a, DIRTY_SCREEN);
		return;
	}
	cJSON_Delete(j);
	v->have = true;
	v->error[0] = '\0';
	const cJSON *members = cJSON_GetObjectItemCaseSensitive(v->list.group, "member"), *m;
	v->m = xcalloc((size_t)cJSON_GetArraySize(members) + 1, sizeof *v->m);
	bool missing = false;
	cJSON_ArrayForEach(m, members)
	{
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "entity");
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(e, "reference");
		const cJSON *disp = cJSON_GetObjectItemCaseSensitive(e, "display");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "inactive")) || !cJSON_IsString(ref) ||
		    strncmp(ref->valuestring, "Patient/", 8))
			continue;
		struct member *mm = &v->m[v->n++];
		snprintf(mm->pid, sizeof mm->pid, "%s", ref->valuestring + 8);
		if (cJSON_IsString(disp))
			snprintf(mm->line, sizeof mm->line, "%s", disp->valuestring);
		else
			snprintf(mm->line, sizeof mm->line, "(student %s)", mm->pid), missing = true;
	}
	make_lines(v);
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
	if (missing)
		read_names(v);
	app_dirty(a, DIRTY_SCREEN);
}

static void load(struct list_view *v)
{
	if (v->req)
		return;
	char path[128];
	snprintf(path, sizeof path, "Group/%s", v->id);
	struct vax_error err = {0};
	v->req = reports_send(v->app, "GET", path, NULL, got_list, v, &err);
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s", err.message);
}

static void *list_open(struct app *a, const void *arg)
{
	const struct open_school_list *o = arg;
	struct list_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	snprintf(v->id, sizeof v->id, "%s", o->id);
	load(v);
	return v;
}

static void list_enter(struct app *a, struct screen *s, bool fresh)
{
	(void)a;
	if (!fresh)
		load(s->data);
}

static void list_close(struct screen *s)
{
	struct list_view *v = s->data;
	api_req_free(v->req);
	forget(v);
	free(v);
}

static void removed(struct api_req *req, const struct api_result *res, void *arg)
{
	struct list_view *v = arg;
	v->req = NULL;
	app_note_result(v->app, res);
	struct vax_error err = {0};
	if (api_fhir_ok(res, &err))
		app_message(v->app, MSG_INFO, "Taken off the list.");
	else
		app_message(v->app, MSG_ERROR, "%s", err.message);
	api_req_free(req);
	load(v);
}

static void remove_yes(struct app *a, struct screen *s)
{
	struct list_view *v = s->data;
	if (!v->have || v->sel >= v->n || v->req)
		return;
	schools_remove_member(v->list.group, v->m[v->sel].pid);
	struct vax_error err = {0};
	v->req = schools_put(a, &v->list, removed, v, &err);
	if (!v->req)
		app_message(a, MSG_ERROR, "%s", err.message);
}

static unsigned list_action(struct app *a, struct screen *s, enum action act)
{
	struct list_view *v = s->data;
	unsigned r = reports_list_keys(a, &v->sel, v->n, act);
	if (r)
		return r;
	switch (act) {
	case ACTION_DELETE_RECORD:
		if (v->sel < v->n) {
			char q[400];
			snprintf(q, sizeof q, "Take %.300s off this list?", v->m[v->sel].line);
			app_confirm(a, s, q, remove_yes);
		}
		return TUI_HANDLED;
	case ACTION_FIND_STUDENT:
	case ACTION_ADD_TO_LIST:
		students_ask(a, v->id);
		return TUI_HANDLED;
	case ACTION_RUN_REPORT:
		if (v->have)
			school_report_ask(a, v->id, v->list.name);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void list_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct list_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[300];
	y = reports_draw_head(a, w, v->have ? v->list.name : "School list", v->error);
	if (v->error[0])
		return;
	if (!v->have) {
		draw_text(w, y + 1, 1, "Reading the list from the registry...", cols - 2);
		return;
	}
	snprintf(line, sizeof line, "%d student%s.", v->n, v->n == 1 ? "" : "s");
	draw_text(w, y++, 1, line, cols - 2);
	y++;
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

static const enum action list_actions[] = {ACTION_FIND_STUDENT, ACTION_DELETE_RECORD, ACTION_RUN_REPORT,
                                           ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_school_list_ops = {
    .name = "school_list",
    .title = "School list",
    .keymap = KEYMAP_REPORTS,
    .phi = true,
    .open = list_open,
    .enter = list_enter,
    .draw = list_draw,
    .action = list_action,
    .actions = list_actions,
    .close = list_close,
};
