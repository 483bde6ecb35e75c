/* tui/screen_summary.c - the provider summary: for the organization and a
 * period, computed by the registry (Organization/{id}/$provider-summary):
 * timeliness, completeness, 4:3:1:3:3:1:4 coverage at 24-35 months and the
 * data-quality errors, with the doses to correct; the print key makes the
 * PDF. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "print/reports.h"
#include "tui/tui.h"

struct summary_view {
	struct app *app;
	struct api_req *req;
	struct summary *s;
	char **lines;
	int n, sel, top;
	char error[VAX_ERROR_MSG_LEN];
};

static void add(struct summary_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct summary_view *v, const char *fmt, ...)
{
	v->lines = xrealloc(v->lines, (size_t)(v->n + 1) * sizeof *v->lines);
	v->lines[v->n] = xmalloc(300);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->lines[v->n], 300, fmt, ap);
	va_end(ap);
	v->n++;
}

static void share(struct summary_view *v, const char *what, int num, int den)
{
	char pc[16];
	summary_percent(num, den, pc, sizeof pc);
	add(v, "  %-40s %5d of %-5d %6s%s", what, num, den, pc, den ? "%" : "");
}

static void build(struct summary_view *v)
{
	const struct summary *s = v->s;
	add(v, "Timeliness: reported to the registry within");
	for (int w = 0; w < 3; w++) {
		char what[40];
		snprintf(what, sizeof what, "%d day%s of the date given", summary_windows[w],
		         summary_windows[w] == 1 ? "" : "s");
		share(v, what, s->within[w], s->doses);
	}
	if (s->historical)
		add(v, "  (historical records entered in the period, not rated: %d)", s->historical);
	add(v, "Completeness");
	share(v, "Lot number", s->with_lot, s->doses);
	share(v, "VIS", s->with_vis, s->doses);
	share(v, "Funding source", s->with_funding, s->doses);
	share(v, "VFC eligibility", s->with_eligibility, s->doses);
	add(v, "Coverage: active clients 24-35 months old");
	share(v, "Up to date for 4:3:1:3:3:1:4", s->utd, s->cohort);
	for (int i = 0; i < SUMMARY_SERIES; i++)
		if (s->short_of[i])
			add(v, "    short of %-12s %d", summary_series[i].label, s->short_of[i]);
	add(v, "Data-quality errors: %d", s->errors);
	for (int i = 0; i < s->nissues; i++)
		add(v, "  %5d  %s (%s)", s->issues[i].count, s->issues[i].text, s->issues[i].code);
	for (int i = 0; i < s->nexamples; i++) {
		char d[DATE_US_LEN];
		add(v, "    %s CVX %-3s Immunization/%s %s", date_format_us(s->examples[i].date, d),
		    s->examples[i].cvx, s->examples[i].immunization, s->examples[i].code);
	}
}

static void got(struct api_req *req, const struct api_result *res, void *arg)
{
	struct summary_view *v = arg;
	v->req = NULL;
	struct vax_error err = {0};
	cJSON *j = reports_answer(v->app, res, &err);
	api_req_free(req);
	struct summary *s = xcalloc(1, sizeof *s);
	if (!j || !summary_from_json(j, s, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		free(s);
	} else {
		v->s = s;
		build(v);
	}
	cJSON_Delete(j);
	app_dirty(v->app, DIRTY_SCREEN);
}

struct period {
	char from[DATE_ISO_LEN], to[DATE_ISO_LEN];
};

static void *summary_open(struct app *a, const void *arg)
{
	const struct period *p = arg;
	struct summary_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	char path[256];
	snprintf(path, sizeof path, "Organization/%s/$provider-summary?start=%s&end=%s", app_org(a), p->from,
	         p->to);
	struct vax_error err = {0};
	v->req = reports_send(a, "GET", path, NULL, got, v, &err);
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s", err.message);
	return v;
}

static void summary_close(struct screen *s)
{
	struct summary_view *v = s->data;
	api_req_free(v->req);
	for (int i = 0; i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	free(v->s);
	free(v);
}

struct sum_job {
	struct summary s;
	char org_name[VAX_NAME_LEN];
	vax_date made;
};

static bool job_make(const char *path, enum pdf_paper paper, void *data, const volatile bool *cancel,
                     struct vax_error *err)
{
	(void)cancel;
	struct sum_job *j = data;
	return reports_summary_pdf(path, paper, &j->s, j->org_name, j->made, err);
}

static unsigned summary_action(struct app *a, struct screen *s, enum action act)
{
	struct summary_view *v = s->data;
	unsigned r = reports_list_keys(a, &v->sel, v->n, act);
	if (r)
		return r;
	switch (act) {
	case ACTION_PRINT:
		if (v->s) {
			struct sum_job *j = xcalloc(1, sizeof *j);
			j->s = *v->s;
			snprintf(j->org_name, sizeof j->org_name, "%s", reports_org_name(a));
			j->made = app_today();
			char name[96], a1[DATE_ISO_LEN], b1[DATE_ISO_LEN];
			snprintf(name, sizeof name, "provider-summary-%s-%s.pdf",
			         date_format_iso(v->s->from, a1), date_format_iso(v->s->to, b1));
			reports_ask_output(a, "Provider summary", name, job_make, j, free, NULL, NULL);
		}
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void summary_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct summary_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[300], f[DATE_US_LEN], t[DATE_US_LEN];
	wattrset(w, A_BOLD);
	snprintf(line, sizeof line, "Provider summary: %s", reports_org_name(a));
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
		return;
	}
	if (!v->s) {
		draw_text(w, y + 1, 1, "The registry is computing the summary...", cols - 2);
		return;
	}
	snprintf(line, sizeof line, "%d doses administered %s through %s.", v->s->doses,
	         date_format_us(v->s->from, f), date_format_us(v->s->to, t));
	draw_text(w, y++, 1, line, cols - 2);
	y++;
	reports_draw_list(a, w, y, v->lines, v->n, v->sel, &v->top, rows);
}

static bool summary_shown(struct app *a, struct screen *s, enum action act)
{
	struct summary_view *v = s->data;
	(void)a;
	return act != ACTION_PRINT || v->s;
}

static const enum action summary_actions[] = {ACTION_PRINT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_summary_ops = {
    .name = "summary",
    .title = "Provider summary",
    .keymap = KEYMAP_REPORTS,
    .phi = false,
    .open = summary_open,
    .draw = summary_draw,
    .action = summary_action,
    .actions = summary_actions,
    .action_shown = summary_shown,
    .close = summary_close,
};

/* ---- the period ---------------------------------------------------------------------- */

/* clang-format off */
static const struct form_field_spec period_specs[] = {
	{ .id = "from", .label = "From", .kind = FORM_DATE, .flags = FORM_REQUIRED },
	{ .id = "to", .label = "Through", .kind = FORM_DATE, .flags = FORM_REQUIRED },
};
/* clang-format on */

static void period_submit(struct app *a, const char *const *val, void *ctx)
{
	(void)ctx;
	vax_date f, t;
	if (date_parse_us(val[0], &f) != DATE_OK || date_parse_us(val[1], &t) != DATE_OK || f > t) {
		app_message(a, MSG_ERROR, "The period must start on or before the day it ends.");
		return;
	}
	struct period p;
	date_format_iso(f, p.from);
	date_format_iso(t, p.to);
	app_open(a, SCREEN_SUMMARY, &p);
}

void summary_ask(struct app *a)
{
	char from[DATE_US_LEN], to[DATE_US_LEN];
	vax_date today = app_today();
	const char *values[] = {date_format_us(date_add_days(date_add_months(today, 0, -3), 1), from),
	                        date_format_us(today, to)};
	struct open_ask o = {.title = "Provider summary",
	                     .intro =
	                         "How this organization reports to the registry over a period: timeliness, "
	                         "completeness, coverage of 2-year-olds and data-quality errors.",
	                     .specs = period_specs,
	                     .n = 2,
	                     .values = values,
	                     .submit = period_submit};
	app_open(a, SCREEN_ASK, &o);
}
