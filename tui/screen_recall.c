/* tui/screen_recall.c - Reminder/recall: the criteria (asked first, on the
 * ask screen), then the run: the registry's selection (Patient/$recall)
 * slice by slice, with how far it got; Esc stops between two slices. The
 * clients selected are listed with what is due; the print key makes the
 * letters (English, Spanish or both) and, when saved to a file, the CSV
 * list beside them; once the letters are printed or saved, the notice date
 * goes on each client through the outbox (tui/reports.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "print/doc.h"
#include "print/letters.h"
#include "tui/tui.h"

#define SLICE 200

struct recall_view {
	struct app *app;
	struct recall_criteria q;
	enum letters_lang lang;
	struct api_req *req;
	int next;    /* offset of the next slice */
	int total;   /* the organization's clients (from the first answer) */
	int checked; /* clients examined so far */
	int outcomes[RECALL_OUTCOME_COUNT];
	struct recall_notice *notices;
	size_t n, cap;
	bool running, stopped, done;
	char error[VAX_ERROR_MSG_LEN];
	char **lines; /* one per notice, made when the run ends */
	int sel, top;
};

static void send_slice(struct recall_view *v);

static void got(struct api_req *req, const struct api_result *res, void *arg)
{
	struct recall_view *v = arg;
	struct app *a = v->app;
	v->req = NULL;
	struct vax_error err = {0};
	cJSON *j = reports_answer(a, res, &err);
	struct recall_page pg;
	if (!j || !recall_page_from_json(j, &pg, &err)) {
		cJSON_Delete(j);
		api_req_free(req);
		v->running = false;
		snprintf(v->error, sizeof v->error, "%s", err.message);
		app_dirty(a, DIRTY_SCREEN);
		return;
	}
	cJSON_Delete(j);
	api_req_free(req);
	v->total = pg.total;
	v->checked += pg.count;
	for (int i = 0; i < RECALL_OUTCOME_COUNT; i++)
		v->outcomes[i] += pg.outcomes[i];
	for (size_t i = 0; i < pg.nnotices; i++) {
		if (v->n == v->cap) {
			v->cap = v->cap ? 2 * v->cap : 64;
			v->notices = xrealloc(v->notices, v->cap * sizeof *v->notices);
		}
		v->notices[v->n++] = pg.notices[i];
	}
	int count = pg.count;
	recall_page_free(&pg);
	v->next += SLICE;
	if (count > 0 && v->next < v->total && !v->stopped)
		send_slice(v);
	else
		v->running = false;
	if (!v->running) {
		v->done = !v->stopped;
		v->lines = xcalloc(v->n + 1, sizeof *v->lines);
		for (size_t i = 0; i < v->n; i++) {
			const struct recall_notice *nt = &v->notices[i];
			char name[2 * VAX_NAME_LEN + 4], dob[DATE_US_LEN], due[600] = "";
			client_display_name(&nt->client.name, name, sizeof name);
			for (int k = 0; k < nt->ndue; k++) {
				size_t o = strlen(due);
				snprintf(due + o, sizeof due - o, "%s%s%s", k ? ", " : "", nt->due[k].vaccine,
				         nt->due[k].overdue ? " (overdue)" : "");
			}
			char col[160];
			v->lines[i] = xmalloc(1024);
			snprintf(v->lines[i], 1024, "%s %-10s %s", reports_pad(col, sizeof col, name, 26),
			         date_format_us(nt->client.dob, dob), due);
		}
		app_message(a, MSG_INFO, "%s: %zu clients selected for a notice.",
		            v->stopped ? "Stopped" : "Done", v->n);
	}
	app_dirty(a, DIRTY_SCREEN);
}

static void send_slice(struct recall_view *v)
{
	struct vax_error err = {0};
	cJSON *body =
	    recall_criteria_to_json(&v->q, forecast_data_cdsi(v->app->forecast, NULL), v->next, SLICE);
	v->req = reports_send(v->app, "POST", "Patient/$recall", body, got, v, &err);
	cJSON_Delete(body);
	v->running = v->req != NULL;
	if (!v->req)
		snprintf(v->error, sizeof v->error, "%s", err.message);
}

static void *recall_open(struct app *a, const void *arg)
{
	const struct open_recall *o = arg;
	struct recall_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->q = *o->q;
	v->lang = (enum letters_lang)o->lang;
	send_slice(v);
	return v;
}

static void recall_close(struct screen *s)
{
	struct recall_view *v = s->data;
	api_req_free(v->req); /* cancels a slice in flight */
	for (size_t i = 0; v->lines && i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	free(v->notices);
	free(v);
}

/* ---- the letters ------------------------------------------------------------------- */

struct letters_job {
	struct recall_notice *notices;
	size_t n;
	struct letter *letters;
	struct letters_doc doc;
	char org_name[VAX_NAME_LEN];
};

static void letters_free(void *p)
{
	struct letters_job *j = p;
	free(j->notices);
	free(j->letters);
	free(j);
}

static bool letters_make(const char *path, enum pdf_paper paper, void *data, const volatile bool *cancel,
                         struct vax_error *err)
{
	struct letters_job *j = data;
	j->doc.cancel = cancel;
	bool ok = letters_pdf_file(path, paper, &j->doc, err);
	if (ok && *cancel)
		return error_set(err, "PRINT-STOPPED", "Stopped.");
	return ok;
}

static bool letters_csv(const char *path, void *data, struct vax_error *err)
{
	struct letters_job *j = data;
	return letters_csv_file(path, &j->doc, err);
}

static void letters_done(struct app *a, void *data)
{
	struct letters_job *j = data;
	reports_record_notices(a, j->notices, j->n, j->doc.date);
}

static void letters(struct app *a, struct recall_view *v)
{
	if (!v->n) {
		app_message(a, MSG_INFO, "No client was selected: there are no letters to make.");
		return;
	}
	struct letters_job *j = xcalloc(1, sizeof *j);
	j->n = v->n;
	j->notices = xcalloc(j->n, sizeof *j->notices);
	memcpy(j->notices, v->notices, j->n * sizeof *j->notices);
	j->letters = xcalloc(j->n, sizeof *j->letters);
	for (size_t i = 0; i < j->n; i++)
		j->letters[i] = (struct letter){&j->notices[i].client, j->notices[i].due, j->notices[i].ndue};
	snprintf(j->org_name, sizeof j->org_name, "%s", reports_org_name(a));
	j->doc = (struct letters_doc){
	    .org_name = j->org_name, .date = v->q.on, .lang = v->lang, .letters = j->letters, .n = j->n};
	char name[64], ymd[DATE_ISO_LEN];
	snprintf(name, sizeof name, "recall-letters-%s.pdf", date_format_iso(v->q.on, ymd));
	reports_ask_output(a, "Reminder letters", name, letters_make, j, letters_free, letters_csv,
	                   letters_done);
}

/* ---- the screen -------------------------------------------------------------------- */

static unsigned recall_action(struct app *a, struct screen *s, enum action act)
{
	struct recall_view *v = s->data;
	if (list_move(&v->sel, (int)v->n, getmaxy(a->w_body) - 8, act)) {
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	switch (act) {
	case ACTION_CANCEL:
		if (v->running) {
			v->stopped = true; /* the slice in flight finishes; no further one is asked for */
			app_message(a, MSG_INFO, "Stopping after the slice in flight...");
			return TUI_HANDLED;
		}
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_PRINT:
		if (v->running)
			app_message(a, MSG_INFO, "The run is not finished yet (Esc stops it).");
		else
			letters(a, v);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
}

static void recall_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct recall_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[512], d[DATE_US_LEN];
	y = reports_draw_head(a, w, "Reminder/recall", NULL);
	snprintf(line, sizeof line, "%s as of %s%s.",
	         v->q.mode == RECALL_DUE ? "Anything due or overdue by each client's tracking schedule"
	                                 : "Due or overdue for the chosen vaccines",
	         date_format_us(v->q.on, d), v->q.overdue_only ? ", overdue only" : "");
	y = draw_wrapped(w, y, 1, cols - 2, line);
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y + 1, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
	}
	if (v->running && !v->total)
		snprintf(line, sizeof line, "Asking the registry... Esc stops.");
	else if (v->running)
		snprintf(line, sizeof line, "Checked %d of %d clients; %zu selected so far. Esc stops.",
		         v->checked, v->total, v->n);
	else
		snprintf(line, sizeof line, "%s %d of %d clients; %zu selected.",
		         v->stopped ? "Stopped after" : "Checked", v->checked, v->total, v->n);
	draw_text(w, ++y, 1, line, cols - 2);
	y++;
	if (!v->running && v->checked) {
		/* why the others were not selected */
		line[0] = '\0';
		for (int i = 1; i < RECALL_OUTCOME_COUNT; i++) {
			if (!v->outcomes[i])
				continue;
			size_t o = strlen(line);
			snprintf(line + o, sizeof line - o, "%s%s %d",
			         o ? "; " : "Not selected: ", recall_outcome_label(i), v->outcomes[i]);
		}
		if (line[0])
			y = draw_wrapped(w, y, 1, cols - 2, line);
		if (v->n) {
			char key[KEY_NAME_LEN];
			draw_short_key(a, KEYMAP_REPORTS, 0, ACTION_PRINT, key, sizeof key);
			snprintf(line, sizeof line,
			         "%s makes the letters; the notice date is recorded once they are out.",
			         key[0] ? key : "Print");
			y = draw_wrapped(w, y, 1, cols - 2, line);
		}
		y++;
		/* the selected client in full below the list: address and what is due */
		int room = rows - 3;
		if (v->lines)
			reports_draw_list(a, w, y, v->lines, (int)v->n, v->sel, &v->top, room);
		if (v->sel < (int)v->n) {
			const struct recall_notice *nt = &v->notices[v->sel];
			char addr[400], due[900] = "";
			for (int k = 0; k < nt->ndue; k++) {
				char dd[DATE_US_LEN];
				size_t o = strlen(due);
				snprintf(due + o, sizeof due - o, "%s%s dose %d %s%s",
				         k ? "; " : "Due: ", nt->due[k].vaccine, nt->due[k].dose_number,
				         date_format_us(nt->due[k].due, dd),
				         nt->due[k].overdue ? " (overdue)" : "");
			}
			doc_address(&nt->client.addr[0], ", ", addr, sizeof addr);
			wattrset(w, A_DIM);
			draw_text(w, room, 1, addr, cols - 2);
			draw_wrapped(w, room + 1, 1, cols - 2, due);
			wattrset(w, A_NORMAL);
		}
	}
}

static bool recall_shown(struct app *a, struct screen *s, enum action act)
{
	struct recall_view *v = s->data;
	(void)a;
	return act != ACTION_PRINT || (!v->running && v->n > 0);
}

static const enum action recall_actions[] = {ACTION_PRINT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_recall_ops = {
    .name = "recall",
    .title = "Reminder/recall",
    .keymap = KEYMAP_REPORTS,
    .phi = true,
    .open = recall_open,
    .draw = recall_draw,
    .action = recall_action,
    .actions = recall_actions,
    .action_shown = recall_shown,
    .close = recall_close,
};

/* ---- the criteria -------------------------------------------------------------------- */

static const struct form_choice modes[] = {{"D", "Anything due (tracking schedule)"},
                                           {"V", "Chosen vaccines"}};
static const struct form_choice langs[] = {
    {"en", "English"}, {"es", "Spanish"}, {"both", "English and Spanish"}};

static const char *months_ok(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	char *end;
	long m = strtol(value, &end, 10);
	if (!value[0] || (!*end && m >= 0 && m <= 1500))
		return NULL;
	snprintf(buf, len, "an age in months, 0 to 1500");
	return buf;
}

/* clang-format off */
static const struct form_field_spec criteria[] = {
	{ .id = "mode", .label = "Select", .kind = FORM_CODE, .flags = FORM_REQUIRED, .choices = modes,
	  .n_choices = 2, .width = 34 },
	{ .id = "vaccines", .label = "Vaccines (MMR, HepB, ...)", .kind = FORM_TEXT, .max_len = 200, .width = 40 },
	{ .id = "agemin", .label = "Age from (months)", .kind = FORM_TEXT, .max_len = 4, .width = 6,
	  .validate = months_ok },
	{ .id = "agemax", .label = "Age to (months)", .kind = FORM_TEXT, .max_len = 4, .width = 6,
	  .validate = months_ok },
	{ .id = "date", .label = "Notice date", .kind = FORM_DATE, .flags = FORM_REQUIRED },
	{ .id = "overdue", .label = "Overdue only (recall)", .kind = FORM_YESNO, .flags = FORM_REQUIRED },
	{ .id = "lang", .label = "Letters in", .kind = FORM_CODE, .flags = FORM_REQUIRED, .choices = langs,
	  .n_choices = 3, .width = 24 },
};
/* clang-format on */

static void criteria_submit(struct app *a, const char *const *val, void *ctx)
{
	(void)ctx;
	struct recall_criteria q = {.age_min_months = -1, .age_max_months = -1};
	q.mode = !strcmp(val[0], "V") ? RECALL_VACCINES : RECALL_DUE;
	const struct cdsi_data *d = forecast_data_cdsi(a->forecast, NULL);
	char list[256];
	snprintf(list, sizeof list, "%s", val[1]);
	for (char *sv = NULL, *g = strtok_r(list, ", ", &sv); g; g = strtok_r(NULL, ", ", &sv)) {
		int gi = d ? cdsi_group_find(d, g) : -1;
		if (gi < 0) {
			app_message(a, MSG_ERROR,
			            "'%s' is not a vaccine group (MMR, HepB, DTaP/Tdap/Td, Varicella, ...).",
			            g);
			return;
		}
		if (q.ngroups < RECALL_MAX_GROUPS)
			q.groups[q.ngroups++] = gi;
	}
	if (q.mode == RECALL_VACCINES && !q.ngroups) {
		app_message(a, MSG_ERROR, "Name the vaccines to select clients for (MMR, HepB, ...).");
		return;
	}
	if (val[2][0])
		q.age_min_months = atoi(val[2]);
	if (val[3][0])
		q.age_max_months = atoi(val[3]);
	if (q.age_min_months >= 0 && q.age_max_months >= 0 && q.age_min_months > q.age_max_months) {
		app_message(a, MSG_ERROR, "The youngest age is above the oldest.");
		return;
	}
	if (date_parse_us(val[4], &q.on) != DATE_OK)
		q.on = app_today();
	q.overdue_only = !strcmp(val[5], "Y");
	enum letters_lang lang = LETTERS_EN;
	letters_lang_parse(val[6], &lang);
	struct open_recall o = {.q = &q, .lang = (int)lang};
	app_open(a, SCREEN_RECALL, &o);
}

void recall_ask(struct app *a)
{
	if (!a->forecast)
		a->forecast = forecast_data_new();
	struct vax_error err = {0};
	if (!forecast_data_cdsi(a->forecast, &err)) {
		app_message(a, MSG_ERROR, "Reminder/recall needs the schedule data: %s", err.message);
		return;
	}
	char today[DATE_US_LEN];
	date_format_us(app_today(), today);
	const char *values[] = {"D", "", "", "", today, "N", "en"};
	struct open_ask o = {
	    .title = "Reminder/recall",
	    .intro = "Choose who gets a notice: anything due or overdue by each client's tracking "
	             "schedule, or chosen vaccines; an age range narrows either. Inactive clients, "
	             "clients who opted out and clients with no viable address are left out.",
	    .specs = criteria,
	    .n = sizeof criteria / sizeof *criteria,
	    .values = values,
	    .submit = criteria_submit};
	app_open(a, SCREEN_ASK, &o);
}
