/* tui/screen_students.c - Find Student: the students a name (and a birth
 * date) finds at the registry, to add to one list or several. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct students_view {
	struct app *app;
	char list_id[VAX_ID_LEN];
	struct api_req *req;
	cJSON **patients;
	char **lines;
	int n;
	int sel, top;
	bool loading;
	char error[VAX_ERROR_MSG_LEN];
};

static void got(struct api_req *req, const struct api_result *res, void *arg)
{
	struct students_view *v = arg;
	v->req = NULL;
	v->loading = false;
	app_note_result(v->app, res);
	struct api_bundle b = {0};
	struct vax_error err = {0};
	if (!api_fhir_read_bundle(res, &b, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
	} else {
		v->patients = xcalloc((size_t)b.n + 1, sizeof *v->patients);
		v->lines = xcalloc((size_t)b.n + 1, sizeof *v->lines);
		for (int i = 0; i < b.n; i++) {
			if (!b.entry[i].resource || strcmp(b.entry[i].resource_type, "Patient"))
				continue;
			v->patients[v->n] = cJSON_Duplicate(b.entry[i].resource, true);
			v->lines[v->n] = xmalloc(300);
			schools_member_display(v->patients[v->n], v->lines[v->n], 300);
			v->n++;
		}
		if (!v->n)
			snprintf(v->error, sizeof v->error, "No student matched.");
	}
	api_bundle_free(&b);
	api_req_free(req);
	app_dirty(v->app, DIRTY_SCREEN);
}

static void *students_open(struct app *a, const void *arg)
{
	const struct open_students *o = arg;
	struct students_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	snprintf(v->list_id, sizeof v->list_id, "%s", o->list_id ? o->list_id : "");
	struct api_fhir_param p[5];
	int n = 0;
	p[n++] = (struct api_fhir_param){"family", o->family};
	if (o->given && *o->given)
		p[n++] = (struct api_fhir_param){"given", o->given};
	if (o->dob && *o->dob)
		p[n++] = (struct api_fhir_param){"birthdate", o->dob};
	p[n++] = (struct api_fhir_param){"_elements", "name,birthDate,gender"};
	p[n++] = (struct api_fhir_param){"_count", "50"};
	struct vax_error err = {0};
	if (app_conn(a) && !app_offline(a))
		v->req = api_fhir_search_req(app_conn(a), "Patient", p, n, &err);
	if (v->req && !api_req_send(v->req, got, v)) {
		api_req_free(v->req);
		v->req = NULL;
	}
	v->loading = v->req != NULL;
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s",
		         err.message[0] ? err.message
		                        : "Finding a student needs the registry; the session is offline.");
	return v;
}

static void students_close(struct screen *s)
{
	struct students_view *v = s->data;
	api_req_free(v->req);
	for (int i = 0; i < v->n; i++) {
		cJSON_Delete(v->patients[i]);
		free(v->lines[i]);
	}
	free(v->patients);
	free(v->lines);
	free(v);
}

static unsigned students_action(struct app *a, struct screen *s, enum action act)
{
	struct students_view *v = s->data;
	unsigned r = reports_list_keys(a, &v->sel, v->n, act);
	if (r)
		return r;
	switch (act) {
	case ACTION_SELECT:
	case ACTION_ADD_TO_LIST:
		if (v->sel < v->n) {
			struct open_pick_lists o = {.patient = v->patients[v->sel],
			                            .mark = v->list_id[0] ? v->list_id : NULL};
			app_open(a, SCREEN_PICK_LISTS, &o);
		}
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void students_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct students_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	y = reports_draw_head(a, w, "Find Student", NULL);
	if (v->loading)
		draw_text(w, y++, 1, "Searching the registry...", cols - 2);
	if (v->error[0])
		y = draw_wrapped(w, y, 1, cols - 2, v->error);
	if (v->n) {
		char key[KEY_NAME_LEN], line[200];
		draw_short_key(a, KEYMAP_REPORTS, 0, ACTION_ADD_TO_LIST, key, sizeof key);
		snprintf(line, sizeof line, "Enter or %s adds the student to lists.", key);
		draw_text(w, y++, 1, line, cols - 2);
	}
	y++;
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

static const enum action students_actions[] = {ACTION_ADD_TO_LIST, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_students_ops = {
    .name = "students",
    .title = "Find Student",
    .keymap = KEYMAP_REPORTS,
    .phi = true,
    .open = students_open,
    .draw = students_draw,
    .action = students_action,
    .actions = students_actions,
    .close = students_close,
};

/* ---- the search ---------------------------------------------------------------------- */

/* clang-format off */
static const struct form_field_spec find_specs[] = {
	{ .id = "last", .label = "Last name", .kind = FORM_NAME, .flags = FORM_REQUIRED, .max_len = 60, .width = 24 },
	{ .id = "first", .label = "First name", .kind = FORM_NAME, .max_len = 60, .width = 24 },
	{ .id = "dob", .label = "Date of birth", .kind = FORM_DATE },
};
/* clang-format on */

static void find_submit(struct app *a, const char *const *val, void *ctx)
{
	const char *list_id = ctx;
	char dob[DATE_ISO_LEN] = "";
	vax_date d;
	if (val[2][0] && date_parse_us(val[2], &d) == DATE_OK)
		date_format_iso(d, dob);
	struct open_students o = {.family = val[0], .given = val[1], .dob = dob, .list_id = list_id};
	app_open(a, SCREEN_STUDENTS, &o);
}

void students_ask(struct app *a, const char *list_id)
{
	struct open_ask o = {
	    .title = "Find Student",
	    .intro = "A last name (and a first name, a birth date) finds students at the registry.",
	    .specs = find_specs,
	    .n = sizeof find_specs / sizeof *find_specs,
	    .submit = find_submit,
	    .ctx = xstrdup(list_id ? list_id : ""),
	    .free_ctx = free};
	if (!app_open(a, SCREEN_ASK, &o))
		free(o.ctx);
}
