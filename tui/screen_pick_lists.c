/* tui/screen_pick_lists.c - add a student to one school list or several:
 * mark the lists (the one the search started from is marked already), then
 * each marked list gets the student, one PUT after the other. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct pick_view {
	struct app *app;
	cJSON *patient;
	char pid[VAX_ID_LEN];
	char who[300];
	char mark_id[VAX_ID_LEN];
	struct api_req *req;
	struct school_list *lists;
	bool *marked;
	char **lines;
	int n, sel, top;
	int next; /* adding: the next list to look at, -1 when not adding */
	int added, already;
	char error[VAX_ERROR_MSG_LEN];
};

static void lines(struct pick_view *v)
{
	for (int i = 0; i < v->n; i++) {
		if (!v->lines[i])
			v->lines[i] = xmalloc(300);
		snprintf(v->lines[i], 300, "[%c] %s", v->marked[i] ? 'x' : ' ', v->lists[i].name);
	}
}

static void got_lists(struct api_req *req, const struct api_result *res, void *arg)
{
	struct pick_view *v = arg;
	v->req = NULL;
	app_note_result(v->app, res);
	struct api_bundle b = {0};
	struct vax_error err = {0};
	if (!api_fhir_read_bundle(res, &b, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
	} else {
		/* marks made before a read again stay on the same lists */
		struct school_list *old = v->lists;
		bool *old_marked = v->marked;
		int old_n = v->n;
		for (int i = 0; i < old_n; i++)
			free(v->lines[i]);
		free(v->lines);
		v->n = schools_read_lists(&b, &v->lists);
		v->marked = xcalloc((size_t)v->n + 1, sizeof *v->marked);
		v->lines = xcalloc((size_t)v->n + 1, sizeof *v->lines);
		for (int i = 0; i < v->n; i++) {
			if (!old && !strcmp(v->lists[i].id, v->mark_id))
				v->marked[i] = true, v->sel = i;
			for (int k = 0; k < old_n; k++)
				if (old_marked[k] && !strcmp(old[k].id, v->lists[i].id))
					v->marked[i] = true;
		}
		schools_free_lists(old, old_n);
		free(old_marked);
		lines(v);
		if (!v->n)
			snprintf(v->error, sizeof v->error, "There are no school lists yet: make one first.");
	}
	api_bundle_free(&b);
	api_req_free(req);
	app_dirty(v->app, DIRTY_SCREEN);
}

/* Read the lists (again, after a change elsewhere: the marks are kept). */
static void fetch(struct pick_view *v)
{
	struct app *a = v->app;
	struct api_fhir_param p[] = {{"_count", "200"}};
	struct vax_error err = {0};
	if (app_conn(a) && !app_offline(a))
		v->req = api_fhir_search_req(app_conn(a), "Group", p, 1, &err);
	if (v->req && !api_req_send(v->req, got_lists, v)) {
		api_req_free(v->req);
		v->req = NULL;
	}
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s",
		         err.message[0] ? err.message
		                        : "School lists are kept at the registry; the session is offline.");
}

static void *pick_open(struct app *a, const void *arg)
{
	const struct open_pick_lists *o = arg;
	struct pick_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->next = -1;
	v->patient = cJSON_Duplicate(o->patient, true);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(v->patient, "id");
	snprintf(v->pid, sizeof v->pid, "%s", cJSON_IsString(id) ? id->valuestring : "");
	schools_member_display(v->patient, v->who, sizeof v->who);
	snprintf(v->mark_id, sizeof v->mark_id, "%s", o->mark ? o->mark : "");
	fetch(v);
	return v;
}

static void pick_close(struct screen *s)
{
	struct pick_view *v = s->data;
	api_req_free(v->req);
	for (int i = 0; i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	free(v->marked);
	schools_free_lists(v->lists, v->n);
	cJSON_Delete(v->patient);
	free(v);
}

static void add_next(struct pick_view *v);

static void put_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct pick_view *v = arg;
	v->req = NULL;
	app_note_result(v->app, res);
	struct vax_error err = {0};
	if (api_fhir_ok(res, &err)) {
		v->added++;
	} else {
		snprintf(v->error, sizeof v->error, "%.100s: %.300s", v->lists[v->next].name,
		         res->status == 412 ? "changed at another desk meanwhile; read again: add once more"
		                            : err.message);
		v->next = -1;
		api_req_free(req);
		if (res->status == 412)
			fetch(v);
		app_dirty(v->app, DIRTY_SCREEN);
		return;
	}
	api_req_free(req);
	v->next++;
	add_next(v);
}

/* The marked lists, one after the other. */
static void add_next(struct pick_view *v)
{
	struct app *a = v->app;
	for (; v->next >= 0 && v->next < v->n; v->next++) {
		if (!v->marked[v->next])
			continue;
		struct school_list *l = &v->lists[v->next];
		if (!schools_add_member(l->group, v->pid, v->who)) {
			v->already++;
			continue;
		}
		struct vax_error err = {0};
		v->req = schools_put(a, l, put_done, v, &err);
		if (!v->req) {
			snprintf(v->error, sizeof v->error, "%s", err.message);
			v->next = -1;
		}
		return;
	}
	v->next = -1;
	char msg[400];
	snprintf(msg, sizeof msg, "%s: added to %d list%s%s.", v->who, v->added, v->added == 1 ? "" : "s",
	         v->already ? " (on some already)" : "");
	app_pop(a); /* v is gone */
	app_message(a, MSG_INFO, "%s", msg);
}

static unsigned pick_action(struct app *a, struct screen *s, enum action act)
{
	struct pick_view *v = s->data;
	if (v->next >= 0)
		return act == ACTION_CANCEL ? TUI_HANDLED : TUI_UNHANDLED; /* adding: wait */
	unsigned r = reports_list_keys(a, &v->sel, v->n, act);
	if (r)
		return r;
	switch (act) {
	case ACTION_MARK:
		if (v->sel < v->n) {
			v->marked[v->sel] = !v->marked[v->sel];
			lines(v);
			app_dirty(a, DIRTY_BODY);
		}
		return TUI_HANDLED;
	case ACTION_SELECT:
	case ACTION_ADD_TO_LIST: {
		bool any = false;
		for (int i = 0; i < v->n; i++)
			any |= v->marked[i];
		if (!any && v->sel < v->n)
			v->marked[v->sel] = any = true; /* Enter on a line: that list */
		if (!any)
			return TUI_HANDLED;
		v->error[0] = '\0';
		v->added = v->already = 0;
		v->next = 0;
		add_next(v);
		return TUI_HANDLED;
	}
	default:
		return TUI_UNHANDLED;
	}
}

static void pick_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct pick_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[400], mk[KEY_NAME_LEN], add[KEY_NAME_LEN];
	wattrset(w, A_BOLD);
	snprintf(line, sizeof line, "Add %s to school lists", v->who);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	draw_short_key(a, KEYMAP_REPORTS, 0, ACTION_MARK, mk, sizeof mk);
	draw_short_key(a, KEYMAP_REPORTS, 0, ACTION_ADD_TO_LIST, add, sizeof add);
	snprintf(line, sizeof line, "%s marks a list; %s adds the student to every list marked.", mk, add);
	draw_text(w, y++, 1, line, cols - 2);
	if (v->next >= 0)
		draw_text(w, y++, 1, "Adding...", cols - 2);
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
	}
	y++;
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

static const enum action pick_actions[] = {ACTION_MARK, ACTION_ADD_TO_LIST, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_pick_lists_ops = {
    .name = "pick_lists",
    .title = "Add to school lists",
    .keymap = KEYMAP_REPORTS,
    .phi = true,
    .open = pick_open,
    .draw = pick_draw,
    .action = pick_action,
    .actions = pick_actions,
    .close = pick_close,
};
