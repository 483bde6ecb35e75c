/* tui/screen_school_report.c - a school list's compliance report: run now
 * (the registry checks every student and keeps the report, so it is in
 * Check School Reports afterwards) or reopened; per student compliant or
 * not, and per requirement not met the dose missing and its earliest date.
 * The print key makes the PDF, and the CSV beside it when saved to a file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "print/reports.h"
#include "tui/tui.h"

struct report_view {
	struct app *app;
	struct api_req *req;
	struct schoolrep rep;
	bool have;
	char title[260];
	char **lines;
	int n; /* lines */
	int sel, top;
	time_t started;
	char error[VAX_ERROR_MSG_LEN];
};

static void build_lines(struct report_view *v)
{
	/* one line per student, one more per requirement missing */
	int cap = 0;
	for (size_t i = 0; i < v->rep.n; i++)
		cap += 1 + (int)v->rep.students[i].nitems;
	v->lines = xcalloc((size_t)cap + 1, sizeof *v->lines);
	for (size_t i = 0; i < v->rep.n; i++) {
		const struct schoolrep_student *st = &v->rep.students[i];
		char dob[DATE_US_LEN], col[200];
		v->lines[v->n] = xmalloc(400);
		snprintf(v->lines[v->n++], 400, "%s %-10s %s",
		         reports_pad(col, sizeof col, st->name[0] ? st->name : st->patient, 32),
		         date_format_us(st->dob, dob),
		         st->error[0]    ? "not checked"
		         : st->compliant ? "compliant"
		                         : "NOT COMPLIANT");
		if (st->error[0]) {
			v->lines[v->n] = xmalloc(400);
			snprintf(v->lines[v->n++], 400, "    %s", st->error);
		}
		for (size_t k = 0; k < st->nitems; k++) {
			const struct schoolrep_item *it = &st->items[k];
			if (it->status == SCHOOL_MET || it->status == SCHOOL_EXEMPT)
				continue;
			char when[DATE_US_LEN];
			v->lines[v->n] = xmalloc(400);
			snprintf(v->lines[v->n++], 400, "    %-12s dose %d, %s %s", it->vaccine, it->dose,
			         it->status == SCHOOL_DUE ? "due by" : "earliest",
			         date_format_us(it->earliest, when));
		}
	}
}

static void got(struct api_req *req, const struct api_result *res, void *arg)
{
	struct report_view *v = arg;
	v->req = NULL;
	struct vax_error err = {0};
	cJSON *j = reports_answer(v->app, res, &err);
	api_req_free(req);
	if (!j || !schoolrep_from_json(j, &v->rep, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
	} else {
		v->have = true;
		if (v->rep.list_name[0])
			snprintf(v->title, sizeof v->title, "%s - grade %s", v->rep.list_name, v->rep.grade);
		build_lines(v);
	}
	cJSON_Delete(j);
	app_dirty(v->app, DIRTY_SCREEN);
}

static void *report_open(struct app *a, const void *arg)
{
	const struct open_school_report *o = arg;
	struct report_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->started = time(NULL);
	struct vax_error err = {0};
	char path[160];
	if (o->fetch_id) {
		snprintf(v->title, sizeof v->title, "School compliance report");
		snprintf(path, sizeof path, "Group/$school-reports/%.64s", o->fetch_id);
		v->req = reports_send(a, "GET", path, NULL, got, v, &err);
	} else {
		snprintf(v->title, sizeof v->title, "%.200s - grade %s", o->run_name ? o->run_name : "",
		         o->grade);
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "resourceType", "Parameters");
		cJSON *ps = cJSON_AddArrayToObject(p, "parameter");
		cJSON *g = cJSON_CreateObject(), *d = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "name", "grade");
		cJSON_AddStringToObject(g, "valueString", o->grade);
		cJSON_AddStringToObject(d, "name", "date");
		cJSON_AddStringToObject(d, "valueDate", o->date);
		cJSON_AddItemToArray(ps, g);
		cJSON_AddItemToArray(ps, d);
		snprintf(path, sizeof path, "Group/%.64s/$school-report", o->run_id);
		v->req = reports_send(a, "POST", path, p, got, v, &err);
		cJSON_Delete(p);
	}
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s", err.message);
	return v;
}

static void report_close(struct screen *s)
{
	struct report_view *v = s->data;
	api_req_free(v->req);
	for (int i = 0; i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	if (v->have)
		schoolrep_free(&v->rep);
	free(v);
}

/* ---- printing ------------------------------------------------------------------------ */

struct rep_job {
	struct schoolrep rep; /* the worker's own copy */
};

static void job_free(void *p)
{
	struct rep_job *j = p;
	schoolrep_free(&j->rep);
	free(j);
}

static bool job_make(const char *path, enum pdf_paper paper, void *data, const volatile bool *cancel,
                     struct vax_error *err)
{
	(void)cancel;
	struct rep_job *j = data;
	return reports_school_pdf(path, paper, &j->rep, err);
}

static bool job_csv(const char *path, void *data, struct vax_error *err)
{
	struct rep_job *j = data;
	return reports_school_csv(path, &j->rep, err);
}

/* The worker gets its own copy of the report: copy the students deep. */
static void copy_rep(const struct schoolrep *from, struct schoolrep *to)
{
	*to = *from;
	to->students = xcalloc(from->n + 1, sizeof *to->students);
	for (size_t i = 0; i < from->n; i++) {
		to->students[i] = from->students[i];
		to->students[i].items = xcalloc(from->students[i].nitems + 1, sizeof *to->students[i].items);
		if (from->students[i].nitems)
			memcpy(to->students[i].items, from->students[i].items,
			       from->students[i].nitems * sizeof *to->students[i].items);
	}
}

static unsigned report_action(struct app *a, struct screen *s, enum action act)
{
	struct report_view *v = s->data;
	if (list_move(&v->sel, v->n, getmaxy(a->w_body) - 6, act)) {
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	switch (act) {
	case ACTION_CANCEL:
		if (v->req)
			app_message(
			    a, MSG_INFO,
			    "Stopped waiting: the registry keeps the report; Check School Reports has it.");
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_PRINT:
		if (v->have) {
			struct rep_job *j = xcalloc(1, sizeof *j);
			copy_rep(&v->rep, &j->rep);
			char name[128], ymd[DATE_ISO_LEN];
			snprintf(name, sizeof name, "school-report-grade-%s-%s.pdf", v->rep.grade,
			         date_format_iso(v->rep.date, ymd));
			reports_ask_output(a, "School compliance report", name, job_make, j, job_free,
			                   job_csv, NULL);
		}
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void report_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct report_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[400], d[DATE_US_LEN];
	y = reports_draw_head(a, w, v->title, v->error);
	if (v->error[0])
		return;
	if (!v->have) {
		snprintf(line, sizeof line,
		         "The registry is checking every student (%ld s)... Esc stops waiting.",
		         (long)(time(NULL) - v->started));
		draw_text(w, y + 1, 1, line, cols - 2);
		return;
	}
	snprintf(line, sizeof line, "Checked as of %s: %d of %d students compliant.",
	         date_format_us(v->rep.date, d), v->rep.compliant, v->rep.total);
	draw_text(w, y++, 1, line, cols - 2);
	y++;
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

/* the wait counts seconds on the screen */
static void report_idle(struct app *a, struct screen *s)
{
	struct report_view *v = s->data;
	if (v->req)
		app_dirty(a, DIRTY_BODY);
}

static bool report_shown(struct app *a, struct screen *s, enum action act)
{
	struct report_view *v = s->data;
	(void)a;
	return act != ACTION_PRINT || v->have;
}

static const enum action report_actions[] = {ACTION_PRINT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_school_report_ops = {
    .name = "school_report",
    .title = "School compliance report",
    .keymap = KEYMAP_REPORTS,
    .phi = true,
    .open = report_open,
    .draw = report_draw,
    .action = report_action,
    .actions = report_actions,
    .action_shown = report_shown,
    .close = report_close,
    .idle = report_idle,
};

/* ---- running one --------------------------------------------------------------------- */

static const struct form_choice grades[] = {
    {"PK", "Pre-K / child care"},
    {"K", "Kindergarten"},
    {"1", "Grade 1"},
    {"2", "Grade 2"},
    {"3", "Grade 3"},
    {"4", "Grade 4"},
    {"5", "Grade 5"},
    {"6", "Grade 6"},
    {"7", "Grade 7"},
    {"8", "Grade 8"},
    {"9", "Grade 9"},
    {"10", "Grade 10"},
    {"11", "Grade 11"},
    {"12", "Grade 12"},
};

/* clang-format off */
static const struct form_field_spec run_specs[] = {
	{ .id = "grade", .label = "Grade", .kind = FORM_CODE, .flags = FORM_REQUIRED, .choices = grades,
	  .n_choices = sizeof grades / sizeof *grades, .width = 22 },
	{ .id = "date", .label = "Checked as of", .kind = FORM_DATE, .flags = FORM_REQUIRED },
};
/* clang-format on */

struct run_ctx {
	char id[VAX_ID_LEN];
	char name[201];
};

static void run_submit(struct app *a, const char *const *val, void *ctx)
{
	struct run_ctx *c = ctx;
	vax_date d;
	char iso[DATE_ISO_LEN];
	if (date_parse_us(val[1], &d) != DATE_OK)
		d = app_today();
	struct open_school_report o = {
	    .run_id = c->id, .run_name = c->name, .grade = val[0], .date = date_format_iso(d, iso)};
	app_open(a, SCREEN_SCHOOL_REPORT, &o);
}

void school_report_ask(struct app *a, const char *id, const char *name)
{
	struct run_ctx *c = xcalloc(1, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s", id);
	snprintf(c->name, sizeof c->name, "%s", name);
	char today[DATE_US_LEN];
	const char *values[] = {"K", date_format_us(app_today(), today)};
	char title[260];
	snprintf(title, sizeof title, "Run report: %.200s", name);
	struct open_ask o = {.title = title,
	                     .intro =
	                         "Every student on the list is checked against the Texas school requirements "
	                         "(25 TAC 97.63) for the grade; the registry keeps the report.",
	                     .specs = run_specs,
	                     .n = 2,
	                     .values = values,
	                     .submit = run_submit,
	                     .ctx = c,
	                     .free_ctx = free};
	if (!app_open(a, SCREEN_ASK, &o))
		free(c);
}
