/* tui/reports.c - what the report screens share: registry requests and
 * their answers in words, the documents made and printed in the background
 * (print/task.h: the loop never waits for cairo or lp), where a document
 * goes (a printer or a file), and the ask screen: a few fields, then a
 * callback once they are right.
 *
 * Documents belong to the process, not to the screen that asked: a record
 * sent to the printer keeps printing when its screen closes; each one says
 * when it is printed or saved on the message line. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <wchar.h>

#include "api/fhir_client.h"
#include "core/xalloc.h"
#include "print/pdf.h"
#include "tui/tui.h"

/* ---- registry requests --------------------------------------------------------- */

struct api_req *reports_send(struct app *a, const char *method, const char *path, const cJSON *body,
                             api_done_fn cb, void *arg, struct vax_error *err)
{
	struct api_conn *c = app_conn(a);
	if (!c || app_offline(a)) {
		error_set(err, "REPORT-OFFLINE", "This needs the registry; the session is offline.");
		return NULL;
	}
	struct api_req *r = api_req_new(c, method, path, err);
	if (!r)
		return NULL;
	if (body) {
		char *text = cJSON_PrintUnformatted(body);
		bool ok = text && api_req_body(r, "application/fhir+json", text, strlen(text));
		free(text);
		if (!ok) {
			api_req_free(r);
			error_set(err, "REPORT-REQUEST", "The request could not be made.");
			return NULL;
		}
	}
	if (!api_req_send(r, cb, arg)) {
		api_req_free(r);
		error_set(err, "REPORT-REQUEST", "The request could not be sent.");
		return NULL;
	}
	return r;
}

cJSON *reports_answer(struct app *a, const struct api_result *res, struct vax_error *err)
{
	app_note_result(a, res);
	if (!api_fhir_ok(res, err))
		return NULL;
	cJSON *j = res->body ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
	if (!j)
		error_set(err, "REPORT-ANSWER", "The registry's answer could not be read.");
	return j;
}

const char *reports_org_name(const struct app *a)
{
	const char *n = session_org_name(a->sess);
	return n && *n ? n : app_org(a);
}

/* ---- notice dates, through the outbox ------------------------------------------------ */

/* Clients whose letter went out: each gets the notice date, saved as a
 * change of the client in the outbox (so it reaches the registry as every
 * other change does, offline or not), a few per turn of the loop. */
struct notices {
	struct client *c;
	size_t n, i;
	vax_date date;
	int saved, failed;
	char why[VAX_ERROR_MSG_LEN];
	struct notices *next;
};

static struct notices *queue;

#define NOTICES_PER_TURN 8

void reports_record_notices(struct app *a, const struct recall_notice *nt, size_t n, vax_date date)
{
	if (!n)
		return;
	struct notices *q = xcalloc(1, sizeof *q);
	q->c = xcalloc(n, sizeof *q->c);
	for (size_t i = 0; i < n; i++)
		q->c[i] = nt[i].client;
	q->n = n;
	q->date = date;
	struct notices **pp = &queue;
	while (*pp)
		pp = &(*pp)->next;
	*pp = q;
	(void)a; /* the next turns say how far it got */
}

/* One client: the registry's copy in the store (its responsible persons and
 * consent kept from the stored copy; a stored copy with unsent work stays as
 * it is), then the notice date as a change of it. */
static bool record_one(struct app *a, struct cache_store *st, const struct client *from, vax_date date,
                       struct vax_error *err)
{
	struct client c = *from, stored;
	char key[CACHE_KEY_STR];
	int64_t as_of = 0;
	if (cache_find_rid(st, c.id, key) && cache_get_client(st, key, &stored, &as_of, NULL)) {
		memcpy(c.resp, stored.resp, sizeof c.resp);
		c.n_resp = stored.n_resp;
		c.consent = stored.consent;
	}
	bool kept = false;
	if (!cache_put_client(st, &c, (int64_t)time(NULL), &kept, err) || !cache_find_rid(st, c.id, key) ||
	    !cache_get_client(st, key, &c, &as_of, err))
		return false;
	c.last_notice = date;
	struct capture cap;
	app_capture(a, &cap);
	return cache_save_client(st, &c, CACHE_OP_UPDATE, &cap, NULL, err);
}

static void notices_idle(struct app *a)
{
	struct notices *q = queue;
	if (!q)
		return;
	struct cache_store *st = app_store(a);
	for (int k = 0; st && k < NOTICES_PER_TURN && q->i < q->n; k++, q->i++) {
		struct vax_error err = {0};
		if (record_one(a, st, &q->c[q->i], q->date, &err))
			q->saved++;
		else if (q->failed++ == 0)
			snprintf(q->why, sizeof q->why, "%s", err.message);
	}
	if (!st || q->i >= q->n) {
		if (!st)
			app_message(a, MSG_ERROR,
			            "The notice dates were not recorded: the local store is not open.");
		else if (q->failed)
			app_message(a, MSG_ERROR, "Notice date recorded on %d clients; %d failed: %s",
			            q->saved, q->failed, q->why);
		else
			app_message(a, MSG_INFO, "Notice date recorded on %d clients; the outbox sends it.",
			            q->saved);
		queue = q->next;
		free(q->c);
		free(q);
		app_outbox_changed(a);
	} else {
		app_message(a, MSG_INFO, "Recording the notice date: %zu of %zu clients...", q->i, q->n);
	}
	app_dirty(a, DIRTY_MSG);
}

/* ---- documents in the background ------------------------------------------------- */

struct doc {
	struct print_task *t;
	char what[64];
	void (*done)(struct app *a, void *data);
	void *done_data;
	void (*free_done)(void *data);
	struct doc *next;
};

static struct doc *docs;

static bool start(struct app *a, const struct task_spec *spec, const char *what,
                  void (*done)(struct app *, void *), void *done_data, void (*free_done)(void *))
{
	struct vax_error err = {0};
	struct print_task *t = task_start(spec, &err);
	if (!t) {
		app_message(a, MSG_ERROR, "%s: %s", what, err.message);
		if (free_done)
			free_done(done_data);
		return false;
	}
	struct doc *d = xcalloc(1, sizeof *d);
	d->t = t;
	snprintf(d->what, sizeof d->what, "%s", what);
	d->done = done;
	d->done_data = done_data;
	d->free_done = free_done;
	d->next = docs;
	docs = d;
	app_message(a, MSG_INFO, "%s: %s...", what, spec->dest == TASK_PRINT ? "printing" : "saving");
	return true;
}

bool reports_output(struct app *a, const struct task_spec *spec, const char *what)
{
	return start(a, spec, what, NULL, NULL, NULL);
}

void reports_idle(struct app *a)
{
	notices_idle(a);
	for (struct doc **pp = &docs; *pp;) {
		struct doc *d = *pp;
		char words[700];
		enum task_state st = task_poll(d->t, words, sizeof words);
		if (st == TASK_DRAWING || st == TASK_PRINTING) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		if (st == TASK_DONE)
			app_message(a, MSG_INFO, "%s: %s", d->what, words);
		else if (st == TASK_FAILED)
			app_message(a, MSG_ERROR, "%s not made: %s", d->what, words);
		if (st == TASK_DONE && d->done)
			d->done(a, d->done_data);
		if (d->free_done)
			d->free_done(d->done_data);
		task_free(&d->t);
		free(d);
		app_dirty(a, DIRTY_MSG | DIRTY_BODY);
	}
}

void reports_stop(struct app *a)
{
	/* letters that went out keep their notice dates: finish recording */
	while (queue && app_store(a))
		notices_idle(a);
	while (queue) {
		struct notices *q = queue;
		queue = q->next;
		free(q->c);
		free(q);
	}
	while (docs) {
		struct doc *d = docs;
		docs = d->next;
		task_free(&d->t);
		if (d->free_done)
			d->free_done(d->done_data);
		free(d);
	}
}

/* ---- where a document goes --------------------------------------------------------- */

static const struct form_choice dests[] = {{"P", "Printer"}, {"F", "File"}};
static const struct form_choice papers[] = {{"letter", "US Letter"}, {"a4", "A4"}};

/* clang-format off */
static const struct form_field_spec out_specs[] = {
	{ .id = "to", .label = "Send to", .kind = FORM_CODE, .flags = FORM_REQUIRED, .choices = dests,
	  .n_choices = 2, .width = 12 },
	{ .id = "printer", .label = "Printer", .kind = FORM_TEXT, .max_len = 120, .width = 30 },
	{ .id = "file", .label = "File", .kind = FORM_TEXT, .max_len = 400, .width = 50 },
	{ .id = "paper", .label = "Paper", .kind = FORM_CODE, .flags = FORM_REQUIRED, .choices = papers,
	  .n_choices = 2, .width = 12 },
};
/* clang-format on */

struct out_ctx {
	char what[64];
	task_make_fn make;
	void *data;
	void (*free_data)(void *data);
	bool (*csv)(const char *path, void *data, struct vax_error *err);
	void (*done)(struct app *a, void *data);
};

static void out_free(void *p)
{
	struct out_ctx *o = p;
	if (o->free_data)
		o->free_data(o->data);
	free(o);
}

/* path with its extension changed to .csv */
static void csv_path(const char *pdf, char *buf, size_t len)
{
	snprintf(buf, len, "%s", pdf);
	char *dot = strrchr(buf, '.'), *slash = strrchr(buf, '/');
	if (dot && (!slash || dot > slash))
		*dot = '\0';
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, ".csv");
}

/* The done callback runs once with the data it was made for; the task has
 * its own copy-free reference, so the data is freed by the task only. */
static void noop_free(void *p)
{
	(void)p;
}

static void out_submit(struct app *a, const char *const *v, void *ctx)
{
	struct out_ctx *o = ctx;
	bool file = !strcmp(v[0], "F");
	/* the job title print queues show: what it is, never whose; unique, so
	 * a PDF printer's file names do not collide */
	static unsigned jobs;
	char title[96], slug[64];
	size_t k = 0;
	for (const char *p = o->what; *p && k + 1 < sizeof slug; p++)
		slug[k++] = (*p >= 'A' && *p <= 'Z')   ? (char)(*p - 'A' + 'a')
		            : (*p >= 'a' && *p <= 'z') ? *p
		                                       : '-';
	slug[k] = '\0';
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	snprintf(title, sizeof title, "vaxdesk-%s-%02d%02d%02d-%u", slug, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         ++jobs);
	struct task_spec spec = {.make = o->make,
	                         .data = o->data,
	                         .free_data = o->free_data,
	                         .dest = file ? TASK_FILE : TASK_PRINT,
	                         .paper = !strcmp(v[3], "a4") ? PDF_PAPER_A4 : PDF_PAPER_LETTER,
	                         .printer = v[1],
	                         .title = title,
	                         .path = v[2]};
	if (file && !v[2][0]) {
		app_message(a, MSG_ERROR, "Give the file to save %s in.", o->what);
		return;
	}
	if (file && o->csv) {
		char cp[1100];
		struct vax_error err = {0};
		csv_path(v[2], cp, sizeof cp);
		if (!o->csv(cp, o->data, &err)) {
			app_message(a, MSG_ERROR, "The list was not saved: %s", err.message);
			return;
		}
	}
	/* the task owns the data now; the ask screen frees only its ctx */
	o->free_data = NULL;
	start(a, &spec, o->what, o->done, o->data, o->done ? noop_free : NULL);
}

void reports_ask_output(struct app *a, const char *what, const char *name, task_make_fn make, void *data,
                        void (*free_data)(void *data),
                        bool (*csv)(const char *path, void *data, struct vax_error *err),
                        void (*done)(struct app *a, void *data))
{
	struct out_ctx *o = xcalloc(1, sizeof *o);
	snprintf(o->what, sizeof o->what, "%s", what);
	o->make = make;
	o->data = data;
	o->free_data = free_data;
	o->csv = csv;
	o->done = done;
	char file[1100];
	const char *dir = a->cfg.print_dir[0] ? a->cfg.print_dir : getenv("HOME");
	snprintf(file, sizeof file, "%s/%s", dir && *dir ? dir : ".", name);
	const char *values[] = {"P", a->cfg.printer, file, a->cfg.paper_a4 ? "a4" : "letter"};
	char intro[300];
	snprintf(intro, sizeof intro,
	         "%s: to a printer (empty: the default printer) or to a file%s. Files hold PHI: they are "
	         "readable by you only.",
	         what, csv ? " (the list is saved beside it as .csv)" : "");
	struct open_ask ask = {.title = what,
	                       .intro = intro,
	                       .specs = out_specs,
	                       .n = sizeof out_specs / sizeof *out_specs,
	                       .values = values,
	                       .submit = out_submit,
	                       .ctx = o,
	                       .free_ctx = out_free};
	if (!app_open(a, SCREEN_ASK, &ask))
		out_free(o);
}

/* ---- a list -------------------------------------------------------------------------- */

char *reports_pad(char *buf, size_t len, const char *utf8, int width)
{
	size_t o = 0;
	int cols = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	for (const char *p = utf8; *p && o + 8 < len;) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, p, strlen(p), &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
			break;
		int w = wcwidth(wc);
		if (w < 0)
			w = 0;
		if (cols + w > width)
			break;
		memcpy(buf + o, p, r);
		o += r;
		cols += w;
		p += r;
	}
	while (cols < width && o + 1 < len)
		buf[o++] = ' ', cols++;
	buf[o] = '\0';
	return buf;
}

int reports_draw_list(struct app *a, WINDOW *w, int y, char *const *lines, int n, int sel, int *top,
                      int bottom)
{
	int cols = getmaxx(w), room = bottom - y;
	if (room < 1)
		return y;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + room)
		*top = sel - room + 1;
	if (*top < 0)
		*top = 0;
	for (int i = *top; i < n && y < bottom; i++) {
		char line[1200];
		snprintf(line, sizeof line, "%c %s", i == sel ? '>' : ' ', lines[i]);
		wattrset(w, i == sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y++, 1, line, cols - 2);
	}
	wattrset(w, A_NORMAL);
	return y;
}

unsigned reports_list_keys(struct app *a, int *sel, int n, enum action act)
{
	if (list_move(sel, n, getmaxy(a->w_body) - 6, act)) {
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL) {
		app_pop(a);
		return TUI_HANDLED;
	}
	return 0;
}

int reports_draw_head(struct app *a, WINDOW *w, const char *title, const char *error)
{
	int cols = getmaxx(w), y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, title, cols - 2);
	wattrset(w, A_NORMAL);
	if (error && error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, error);
		wattrset(w, A_NORMAL);
	}
	return y;
}

/* ---- the ask screen ------------------------------------------------------------------- */

struct ask_view {
	struct open_ask o;
	struct form *form;
	char title[96], intro[400];
};

static void *ask_open(struct app *a, const void *arg)
{
	const struct open_ask *o = arg;
	struct ask_view *v = xcalloc(1, sizeof *v);
	v->o = *o;
	snprintf(v->title, sizeof v->title, "%s", o->title ? o->title : "");
	snprintf(v->intro, sizeof v->intro, "%s", o->intro ? o->intro : "");
	v->o.title = v->title;
	v->o.intro = v->intro;
	v->o.values = NULL;
	v->form = form_new(o->specs, o->n);
	for (size_t i = 0; o->values && i < o->n; i++)
		if (o->values[i])
			form_set_value(v->form, i, o->values[i]);
	form_view_fit(v->form, a->cols);
	return v;
}

static void ask_close(struct screen *s)
{
	struct ask_view *v = s->data;
	if (v->o.free_ctx)
		v->o.free_ctx(v->o.ctx);
	form_free(&v->form);
	free(v);
}

static struct form *ask_form(const struct screen *s)
{
	const struct ask_view *v = s->data;
	return v->form;
}

static bool ask_unsaved(const struct screen *s)
{
	const struct ask_view *v = s->data;
	return form_dirty(v->form);
}

static unsigned ask_action(struct app *a, struct screen *s, enum action act)
{
	struct ask_view *v = s->data;
	unsigned r = form_view_action(a, v->form, act);
	if (r & FORM_SUBMIT) {
		/* the values outlive the form: the callback runs after it closed */
		size_t n = form_count(v->form);
		char **vals = xcalloc(n + 1, sizeof *vals);
		for (size_t i = 0; i < n; i++) {
			char buf[1024];
			form_get_value(v->form, i, buf, sizeof buf);
			vals[i] = xstrdup(buf);
		}
		struct open_ask o = v->o;
		v->o.free_ctx = NULL; /* the callback has it now */
		app_pop(a);           /* v is gone */
		o.submit(a, (const char *const *)vals, o.ctx);
		if (o.free_ctx)
			o.free_ctx(o.ctx);
		for (size_t i = 0; i < n; i++)
			free(vals[i]);
		free(vals);
		app_dirty(a, DIRTY_SCREEN);
		return TUI_HANDLED;
	}
	if (r & FORM_CANCEL) {
		app_pop(a);
		return TUI_HANDLED;
	}
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void ask_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct ask_view *v = s->data;
	int cols = getmaxx(w), y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, v->title, cols - 2);
	wattrset(w, A_NORMAL);
	if (v->intro[0])
		y = draw_wrapped(w, y + 1, 1, cols - 2, v->intro);
	form_view_draw(a, w, y + 1, v->form, true);
}

static const enum action ask_actions[] = {ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_NEXT_CHOICE, ACTION_CANCEL,
                                          ACTION_NONE};

const struct screen_ops screen_ask_ops = {
    .name = "ask",
    .title = "Report",
    .keymap = KEYMAP_FORM,
    .open = ask_open,
    .draw = ask_draw,
    .action = ask_action,
    .form = ask_form,
    .actions = ask_actions,
    .unsaved = ask_unsaved,
    .close = ask_close,
};
