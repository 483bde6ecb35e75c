/* tui/screen_school_reports.c - Check School Reports: the compliance
 * reports the organization has run, newest first (kept at the registry);
 * Enter reopens one as it was run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct kept {
	char id[VAX_ID_LEN];
	char line[400];
};

struct reports_view {
	struct app *app;
	struct api_req *req;
	struct kept *k;
	char **lines;
	int n, sel, top;
	bool loading;
	char error[VAX_ERROR_MSG_LEN];
};

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
}

static void got(struct api_req *req, const struct api_result *res, void *arg)
{
	struct reports_view *v = arg;
	v->req = NULL;
	v->loading = false;
	struct vax_error err = {0};
	cJSON *p = reports_answer(v->app, res, &err);
	api_req_free(req);
	/* a Parameters resource: "total" and a "report" for each, with parts */
	cJSON *j = p ? fhir_parameters_to_tree(p) : NULL;
	cJSON_Delete(p);
	if (j && !cJSON_GetObjectItemCaseSensitive(j, "reports") &&
	    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "total")))
		cJSON_AddArrayToObject(j, "reports"); /* none run yet */
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "reports"), *r;
	if (!cJSON_IsArray(list)) {
		snprintf(v->error, sizeof v->error, "%s",
		         j ? "The registry's list of reports is not readable." : err.message);
	} else {
		v->k = xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *v->k);
		v->lines = xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *v->lines);
		cJSON_ArrayForEach(r, list)
		{
			struct kept *k = &v->k[v->n];
			vax_date d = DATE_NONE;
			char us[DATE_US_LEN], ran[24];
			date_parse_iso(str(r, "date"), &d);
			snprintf(ran, sizeof ran, "%.10s %.5s", str(r, "ranAt"),
			         strlen(str(r, "ranAt")) > 11 ? str(r, "ranAt") + 11 : "");
			snprintf(k->id, sizeof k->id, "%s", str(r, "id"));
			snprintf(k->line, sizeof k->line, "%s  %-22.22s %-3s %s  %d of %d  by %s", ran,
			         str(r, "name"), str(r, "grade"), date_format_us(d, us), num(r, "compliant"),
			         num(r, "total"), str(r, "ranBy"));
			v->lines[v->n] = k->line;
			v->n++;
		}
	}
	cJSON_Delete(j);
	app_dirty(v->app, DIRTY_SCREEN);
}

static void *reports_open(struct app *a, const void *arg)
{
	(void)arg;
	struct reports_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	struct vax_error err = {0};
	v->req = reports_send(a, "GET", "Group/$school-reports", NULL, got, v, &err);
	v->loading = v->req != NULL;
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s", err.message);
	return v;
}

static void reports_close(struct screen *s)
{
	struct reports_view *v = s->data;
	api_req_free(v->req);
	free(v->k);
	free(v->lines);
	free(v);
}

static unsigned reports_action(struct app *a, struct screen *s, enum action act)
{
	struct reports_view *v = s->data;
	unsigned r = reports_list_keys(a, &v->sel, v->n, act);
	if (r)
		return r;
	switch (act) {
	case ACTION_SELECT:
		if (v->sel < v->n) {
			struct open_school_report o = {.fetch_id = v->k[v->sel].id};
			app_open(a, SCREEN_SCHOOL_REPORT, &o);
		}
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void reports_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct reports_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	y = reports_draw_head(a, w, "Check School Reports", NULL);
	if (v->loading)
		draw_text(w, y++, 1, "Reading the reports from the registry...", cols - 2);
	else if (v->error[0])
		y = draw_wrapped(w, y, 1, cols - 2, v->error);
	else if (!v->n)
		draw_text(w, y++, 1, "No report has been run yet: run one from School lists.", cols - 2);
	else
		draw_text(w, y++, 1, "Newest first: run, list, grade, as of, compliant. Enter reopens one.",
		          cols - 2);
	y++;
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

static const enum action reports_actions[] = {ACTION_SELECT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_school_reports_ops = {
    .name = "school_reports",
    .title = "Check School Reports",
    .keymap = KEYMAP_REPORTS,
    .phi = false,
    .open = reports_open,
    .draw = reports_draw,
    .action = reports_action,
    .actions = reports_actions,
    .close = reports_close,
};
