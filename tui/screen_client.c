/* tui/screen_client.c - one client's record, in four parts: who the client
 * is (and how fresh the history is), a line of what can be done, the doses
 * grouped by vaccine group with the registry status of each in words, and
 * what the selected tracking schedule recommends next.
 *
 * Each open record is an instance with its own client (the same screen may
 * be on the stack twice: a record opened from the outbox over another one).
 * The record always comes from the local store (tui/record.c): opening a
 * client shows what is cached at once, and when the registry is reachable
 * cache/pull.h reads the client into the store and the record is read again
 * from there. Writes go through the outbox (the shot and Edit Client
 * screens), so online and offline look the same. Everything drawn is
 * computed when the record is loaded; moving through it touches nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/pull.h"
#include "core/codes.h"
#include "core/lot.h"
#include "core/vocab.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct client_view {
	struct app *app;
	struct record rec;
	int sel;                 /* selected row */
	int top;                 /* first row shown */
	bool fc_focus;           /* the forecast pane has the keys (Tab switches) */
	int fc_top;              /* first forecast line shown */
	int fc_lines, fc_room;   /* forecast lines in all, and shown at the last draw */
	struct cache_pull *pull; /* the registry read in flight */
	struct api_req *fc_req;  /* the registry's forecast asked for */
	bool fc_wait;            /* ... once its CapabilityStatement says whether it has one */
	/* the registry's last forecast (Parameters JSON; by_id: over its own
	 * doses) and what it was asked for (record_forecast_key): a reload with
	 * the same key shows it again, and a question in flight with the same
	 * key is not asked again */
	char *fc_answer;
	bool fc_by_id;
	uint64_t fc_key;
	bool fc_searched; /* fc_req is the client's search with the forecast */
	/* the registry's last answer did not add up: why, in words ("" if it did) */
	char unknown[VAX_ERROR_MSG_LEN];
	int n_before; /* doses before the shot form opened: the new ones get the selection */
};

static const char reading_msg[] = "Reading the client from the registry...";

/* The read is over: its "Reading..." line goes (a message put there since,
 * such as an error, stays). */
static void fetch_over(struct app *a, struct client_view *v)
{
	v->pull = NULL;
	if (!strcmp(a->msg, reading_msg)) {
		a->msg[0] = '\0';
		app_dirty(a, DIRTY_MSG);
	}
}

static void ask_forecast(struct app *a, struct client_view *v, bool again);

static void keep_answer(struct client_view *v, char *answer, bool by_id)
{
	free(v->fc_answer);
	v->fc_answer = answer;
	v->fc_by_id = by_id;
}

static void forecast_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct client_view *v = arg;
	(void)req;
	app_note_result(v->app, res);
	if (record_forecast_key(&v->rec) != v->fc_key) {
		/* asked for the doses before a change made here since: not for
		 * these (the one computed here stays) */
		app_dirty(v->app, DIRTY_BODY);
		return;
	}
	char *answer = NULL;
	bool by_id = false;
	bool ok = record_registry_forecast_done(v->app, &v->rec, res, v->fc_searched, &answer, &by_id);
	keep_answer(v, answer, by_id);
	/* fc_req stays until the next question: its key is what was asked */
	if (!ok && v->fc_searched && v->app->reg_forecast_search < 0) {
		v->fc_key = 0; /* no forecast with the search there: the other way */
		ask_forecast(v->app, v, true);
	}
	app_dirty(v->app, DIRTY_BODY);
}

/* The registry's own forecast for the doses shown, where it offers one
 * (the CapabilityStatement is asked for first, once, if need be, unless
 * the registry sends it with a search by the client's id). Asked when the
 * record opens or is read again (again); a reload after the doses given
 * here went up asks nothing: the forecast computed here has them, and a
 * slow link is spared a round trip per shot (f reads the client and the
 * registry's forecast again). */
static void ask_forecast(struct app *a, struct client_view *v, bool again)
{
	v->fc_wait = false;
	if (!v->rec.loaded || v->rec.school || v->unknown[0] || !record_registry_forecast_wanted(a))
		return;
	uint64_t key = record_forecast_key(&v->rec);
	if (key == v->fc_key && (v->fc_answer || (v->fc_req && !api_req_done(v->fc_req)))) {
		/* asked already: shown again, or on its way (a reload is no new
		 * question, and a request cancelled costs its connection) */
		if (v->fc_answer && !v->rec.have_reg)
			record_registry_forecast_apply(a, &v->rec, v->fc_answer, v->fc_by_id);
		return;
	}
	if (!again && v->fc_key && key != v->fc_key) {
		snprintf(v->rec.fc_source, sizeof v->rec.fc_source, "computed here with the new doses");
		return;
	}
	api_req_free(v->fc_req);
	v->fc_req = NULL;
	keep_answer(v, NULL, false);
	v->fc_key = 0;
	if (!app_conn(a) || app_offline(a) || app_unreachable(a) || !session_token(a->sess))
		return;
	/* (by_search is never true while something is unsent) */
	bool by_search = record_registry_forecast_by_search(a, &v->rec);
	if (!v->rec.unsent && !by_search && !session_capability_need(a->sess)) {
		v->fc_wait = true;
		return;
	}
	v->fc_searched = by_search;
	v->fc_req = record_registry_forecast_req(a, &v->rec);
	if (v->fc_req && !api_req_send(v->fc_req, forecast_done, v)) {
		api_req_free(v->fc_req);
		v->fc_req = NULL;
	}
	if (v->fc_req)
		v->fc_key = key;
}

static void reload(struct app *a, struct client_view *v)
{
	/* a client created here is found again by its row key */
	if (v->rec.key[0])
		snprintf(v->rec.want, sizeof v->rec.want, "%s", v->rec.key);
	record_load(a, &v->rec, true);
	if (v->sel >= v->rec.n_rows)
		v->sel = v->rec.n_rows ? v->rec.n_rows - 1 : 0;
	ask_forecast(a, v, false);
	app_dirty(a, DIRTY_BODY);
}

static void pulled(struct cache_pull *p, const struct api_result *res, const struct cache_pull_outcome *out,
                   void *arg)
{
	struct client_view *v = arg;
	struct app *a = v->app;
	app_note_result(a, res);
	fetch_over(a, v);
	if (out->cls != API_OK && out->cls != API_OFFLINE && out->cls != API_CANCELLED &&
	    !(out->cls == API_AUTH && res->expired))
		snprintf(v->rec.note, sizeof v->rec.note, "The registry could not send this client: %s",
		         out->err.message);
	if (out->cls == API_OK)
		snprintf(v->unknown, sizeof v->unknown, "%s", out->history_unknown ? out->history_why : "");
	if (out->history_unknown)
		app_message(a, MSG_ERROR, "%s Refresh to ask again; what is due is not shown.",
		            out->history_why);
	cache_pull_free(p); /* out is p's: read before */
	char note[sizeof v->rec.note];
	snprintf(note, sizeof note, "%s", v->rec.note);
	record_load(a, &v->rec, true);
	if (!v->rec.loaded && note[0])
		snprintf(v->rec.note, sizeof v->rec.note, "%s", note);
	if (v->sel >= v->rec.n_rows)
		v->sel = v->rec.n_rows ? v->rec.n_rows - 1 : 0;
	if (!v->unknown[0])
		ask_forecast(a, v, true);
	app_dirty(a, DIRTY_SCREEN);
}

/* Ask the registry for a fresh copy (registry ids only; not while offline). */
static void fetch(struct app *a, struct client_view *v)
{
	struct cache_store *st = app_store(a);
	if (!app_conn(a) || app_offline(a) || app_unreachable(a) || !v->rec.want[0] || !st || v->pull ||
	    !session_token(a->sess))
		return;
	/* a local row key (a uuid or "r"+hash) is not a registry id */
	if (v->rec.loaded && !v->rec.cl.id[0])
		return;
	if (v->rec.loaded)
		snprintf(v->rec.want, sizeof v->rec.want, "%s", v->rec.cl.id);
	/* read with the search that found it (or while its list was read) a
	 * moment ago: this opening needs no other read, and the registry's
	 * forecast may have come with it */
	char *fc = NULL;
	if (v->rec.loaded && cache_pull_take_fresh(v->rec.cl.id, (int64_t)time(NULL), &fc)) {
		if (fc && !v->rec.unsent && record_registry_forecast_apply(a, &v->rec, fc, true)) {
			keep_answer(v, fc, true);
			v->fc_key = record_forecast_key(&v->rec);
		} else {
			free(fc);
			ask_forecast(a, v, true);
		}
		return;
	}
	struct vax_error err;
	v->pull = cache_pull_start(st, app_conn(a), v->rec.want, pulled, v, &err);
	if (v->pull)
		app_message(a, MSG_INFO, "%s", reading_msg);
}

static void *client_open(struct app *a, const void *arg)
{
	const char *want = arg;
	struct client_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	snprintf(v->rec.want, sizeof v->rec.want, "%s", want ? want : "");
	record_load(a, &v->rec, false);
	v->rec.school = v->rec.loaded && !strcmp(v->rec.cl.tracking_schedule, "TX-SCHOOL");
	if (v->rec.loaded)
		record_forecast(a, &v->rec);
	fetch(a, v);
	return v;
}

static void client_close(struct screen *s)
{
	struct client_view *v = s->data;
	cache_pull_free(v->pull);
	api_req_free(v->fc_req);
	free(v->fc_answer);
	record_free(&v->rec);
	memset(v, 0, sizeof *v);
	free(v);
}

/* The newest dose recorded here: where the selection goes after a save, so
 * the doses just given are in sight, not below the fold. */
static void select_newest(struct client_view *v)
{
	int64_t newest = -1;
	for (int r = 0; r < v->rec.n_rows; r++) {
		const struct immunization *im = &v->rec.imms[v->rec.rows[r].imm];
		if (im->capture.at > newest) {
			newest = im->capture.at;
			v->sel = r;
		}
	}
}

static void client_enter(struct app *a, struct screen *s, bool fresh)
{
	struct client_view *v = s->data;
	/* back from the shot form or the outbox: show what was saved */
	if (fresh)
		return;
	reload(a, v);
	if (v->rec.n_imms > v->n_before)
		select_newest(v);
	v->n_before = v->rec.n_imms;
}

static void client_notify(struct app *a, struct screen *s, unsigned events)
{
	struct client_view *v = s->data;
	if ((events & EVENT_SESSION) && v->fc_wait && session_capability(a->sess)->known) {
		ask_forecast(a, v, true);
		app_dirty(a, DIRTY_BODY);
	}
	/* the sync moved entries (a dose's state), or the store opened again */
	if ((events & EVENT_OUTBOX) || ((events & EVENT_SESSION) && !v->rec.loaded))
		reload(a, v);
}

/* ---- drawing ---------------------------------------------------------------------- */

static int draw_heading(struct app *a, WINDOW *w, int y, const char *title)
{
	int cols = getmaxx(w);
	wattrset(w, term_attr(a, ROLE_TITLE));
	char t[160];
	snprintf(t, sizeof t, " %s ", title);
	for (int x = 0; x < cols; x++)
		mvwaddch(w, y, x, ' ');
	draw_text(w, y, 1, t, cols - 2);
	wattrset(w, A_NORMAL);
	return y + 1;
}

static int draw_info(struct app *a, struct client_view *v, WINDOW *w, int y)
{
	const struct client *cl = &v->rec.cl;
	int cols = getmaxx(w);
	char name[400], dob[DATE_US_LEN], line[1024];
	client_display_name(&cl->name, name, sizeof name);
	vax_date today = app_today();
	int years = cl->dob != DATE_NONE ? date_age_years(cl->dob, today) : 0;
	int months = cl->dob != DATE_NONE ? date_age_months(cl->dob, today) % 12 : 0;
	date_format_us(cl->dob, dob);
	wattrset(w, A_BOLD);
	draw_words(a, w, y, 1, name, cols - 2);
	wattrset(w, A_NORMAL);
	snprintf(line, sizeof line, "Born %s (age %dy %dm)  Sex: %s", dob[0] ? dob : "unknown", years, months,
	         client_sex_label(cl->sex));
	int x = draw_width(name) + 3;
	if (x < cols - 2)
		draw_words(a, w, y, x, line, cols - 2 - x);
	y++;
	/* the short ID people read over the phone; the registry gives it */
	const char *rid = regid_of(cl);
	int n = snprintf(line, sizeof line, "Registry ID: %s", rid[0] ? rid : "not yet assigned");
	for (int i = 0; i < cl->n_ident && n < (int)sizeof line; i++)
		if (strcmp(cl->ident[i].type, "SR"))
			n += snprintf(line + n, sizeof line - (size_t)n, "  %s: %s", cl->ident[i].type,
			              cl->ident[i].value);
	if (n < (int)sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, "  Status here: %s",
		         client_org_status_label(cl->org_status));
	draw_words(a, w, y++, 1, line, cols - 2);
	if (cl->n_aka) {
		n = snprintf(line, sizeof line, "Also known as:");
		for (int i = 0; i < cl->n_aka && n < (int)sizeof line; i++) {
			char nm[400];
			client_display_name(&cl->aka[i], nm, sizeof nm);
			n += snprintf(line + n, sizeof line - (size_t)n, "%s %s", i ? ";" : "", nm);
		}
		draw_words(a, w, y++, 1, line, cols - 2);
	}
	bool any = false;
	n = snprintf(line, sizeof line, "Responsible:");
	for (int i = 0; i < cl->n_resp && n < (int)sizeof line; i++) {
		const struct responsible_person *r = &cl->resp[i];
		if (r->removed)
			continue;
		char nm[400];
		const char *rel = vocab_label(VOCAB_RELATIONSHIP, r->relationship);
		client_display_name(&r->name, nm, sizeof nm);
		n += snprintf(line + n, sizeof line - (size_t)n, "%s %s (%s)%s%s", any ? ";" : "", nm,
		              rel ? rel : r->relationship, r->phone.number[0] ? " " : "", r->phone.number);
		any = true;
	}
	if (any)
		draw_words(a, w, y++, 1, line, cols - 2);
	char when[64] = "";
	if (v->rec.as_of > 0) {
		time_t t = (time_t)v->rec.as_of;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%m/%d/%Y %H:%M", &tm);
	}
	if (when[0])
		snprintf(line, sizeof line, "History as of %s%s", when, v->pull ? "; reading..." : "");
	else
		snprintf(line, sizeof line, "History: recorded here only");
	int hx = draw_words(a, w, y, 1, line, cols - 2) + 3;
	/* consent in words on the same line: a refusal or withdrawal changes what may be recorded */
	n = snprintf(line, sizeof line, "Consent: %s",
	             client_consent_label(&cl->consent, cl->dob != DATE_NONE ? years : -1));
	if (client_consent_recorded(&cl->consent) && cl->consent.date != DATE_NONE) {
		char cd[DATE_US_LEN];
		snprintf(line + n, sizeof line - (size_t)n, " (%s%s%s)", date_format_us(cl->consent.date, cd),
		         cl->consent.source[0] ? ", " : "", cl->consent.source);
	}
	if (cl->consent.minor == CONSENT_REFUSED || cl->consent.minor == CONSENT_WITHDRAWN ||
	    cl->consent.adult == CONSENT_REFUSED || cl->consent.adult == CONSENT_WITHDRAWN)
		wattrset(w, term_attr(a, ROLE_ERROR));
	if (hx < cols - 2)
		draw_words(a, w, y, hx, line, cols - 2 - hx);
	wattrset(w, A_NORMAL);
	y++;
	if (v->rec.stale) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_words(a, w, y++, 1,
		           "Warning: this history may be out of date; the registry may hold newer doses.",
		           cols - 2);
		wattrset(w, A_NORMAL);
	}
	for (int i = 0; i < cl->n_comment; i++) {
		char c[300];
		snprintf(c, sizeof c, "%s: %s", client_comment_kind_label(cl->comment[i].kind),
		         cl->comment[i].text);
		if (cl->comment[i].kind == COMMENT_REACTION)
			wattrset(w, term_attr(a, ROLE_ERROR));
		draw_words(a, w, y++, 1, c, cols - 2);
		wattrset(w, A_NORMAL);
	}
	return y;
}

/* The line of the record's own keys under the details, in priority order,
 * labelled as the bar labels them (keymaps/action.h); what it shows the bar
 * leaves out (client_action_shown). */
static const enum action nav[] = {ACTION_DUE_TODAY,   ACTION_ADD_SHOT,  ACTION_ADD_HISTORICAL_SHOT,
                                  ACTION_REFUSE_SHOT, ACTION_EDIT_SHOT, ACTION_DELETE_RECORD,
                                  ACTION_EDIT_CLIENT, ACTION_SELECT,    ACTION_TOGGLE_SCHEDULE,
                                  ACTION_PRINT_RECORD};
#define NAV_N   (sizeof nav / sizeof nav[0])
#define NAV_GAP 2

/* The line says "Why" for Enter: it explains the selected dose here. */
static const char *nav_label(enum action act)
{
	return act == ACTION_SELECT ? "Why" : action_label(act);
}

static bool writes(enum action act)
{
	return act == ACTION_ADD_SHOT || act == ACTION_ADD_HISTORICAL_SHOT || act == ACTION_REFUSE_SHOT ||
	       act == ACTION_DELETE_RECORD || act == ACTION_EDIT_SHOT || act == ACTION_EDIT_CLIENT ||
	       act == ACTION_DUE_TODAY;
}

/* What applies now: a shot selected for some; writes only for a role that
 * may write (the others are not offered, and refused with the reason). */
static bool nav_applies(const struct app *a, const struct client_view *v, enum action act)
{
	if (writes(act) && !session_may_write(a->sess, NULL, 0))
		return false;
	if (!v->rec.loaded)
		return act == ACTION_TOGGLE_SCHEDULE ? false : !writes(act) && act != ACTION_SELECT;
	return v->rec.n_rows > 0 ||
	       (act != ACTION_DELETE_RECORD && act != ACTION_EDIT_SHOT && act != ACTION_SELECT);
}

/* Fit the line in cols: each item "key Label" with its shortest key, whole
 * or not at all. Returns true if an item that applies was left out. */
static bool nav_fit(const struct app *a, const struct client_view *v, int cols, char (*keys)[KEY_NAME_LEN],
                    struct fit_item *fit, int cue)
{
	struct fit_item in[NAV_N];
	size_t idx[NAV_N], n = 0;
	for (size_t i = 0; i < NAV_N; i++) {
		fit[i].shown = false;
		draw_short_key(a, KEYMAP_CLIENT, 0, nav[i], keys[i], sizeof keys[i]);
		if (!keys[i][0] || !nav_applies(a, v, nav[i]))
			continue;
		in[n] = (struct fit_item){.width = draw_width(keys[i]) + 1 + draw_width(nav_label(nav[i])),
		                          .prio = (int)i};
		idx[n++] = i;
	}
	bool dropped = draw_fit(in, n, cols, NAV_GAP, cue);
	for (size_t k = 0; k < n; k++)
		fit[idx[k]].shown = in[k].shown;
	return dropped;
}

static bool client_action_shown(struct app *a, struct screen *s, enum action act)
{
	struct client_view *v = s->data;
	/* Enter explains the selected dose here; the line above says so */
	if (act == ACTION_SELECT)
		return false;
	if (writes(act) && !session_may_write(a->sess, NULL, 0))
		return false;
	char keys[NAV_N][KEY_NAME_LEN], cue[KEY_NAME_LEN + 8];
	struct fit_item fit[NAV_N];
	draw_more_cue(a, KEYMAP_CLIENT, 0, true, cue, sizeof cue);
	nav_fit(a, v, getmaxx(a->w_body) - 2, keys, fit, draw_width(cue));
	for (size_t i = 0; i < NAV_N; i++)
		if (nav[i] == act)
			return nav_applies(a, v, act) && !fit[i].shown;
	return true;
}

static int draw_nav(struct app *a, struct client_view *v, WINDOW *w, int y)
{
	char keys[NAV_N][KEY_NAME_LEN], cue[KEY_NAME_LEN + 8], line[512] = "";
	struct fit_item fit[NAV_N];
	draw_more_cue(a, KEYMAP_CLIENT, 0, true, cue, sizeof cue);
	bool more = nav_fit(a, v, getmaxx(w) - 2, keys, fit, draw_width(cue));
	size_t len = 0; /* items NAV_GAP apart */
	for (size_t i = 0; i < NAV_N && len < sizeof line; i++)
		if (fit[i].shown)
			len += (size_t)snprintf(line + len, sizeof line - len, "%s%s %s", len ? "  " : "",
			                        keys[i], nav_label(nav[i]));
	if (more && len < sizeof line)
		snprintf(line + len, sizeof line - len, "%s%s", len ? "  " : "", cue);
	wattrset(w, term_attr(a, ROLE_DISABLED));
	draw_text(w, y++, 1, line, getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
	char why[256];
	if (!session_may_write(a->sess, why, sizeof why))
		y = draw_wrapped(w, y, 1, getmaxx(w) - 2, why);
	if (v->rec.cl.note[0]) {
		char n[VAX_TEXT_LEN + 64];
		snprintf(n, sizeof n, "Note (visible to every organization): %s", v->rec.cl.note);
		y = draw_wrapped(w, y, 1, getmaxx(w) - 2, n);
	}
	return y;
}

/* Lines rows top..sel take on screen: each row, and a group heading at the
 * first row shown and wherever the group changes. */
static int lines_to(const struct client_view *v, int top, int sel)
{
	int n = 0;
	for (int r = top; r <= sel && r < v->rec.n_rows; r++)
		n += 1 + (r == top || strcmp(v->rec.rows[r].group, v->rec.rows[r - 1].group) != 0);
	return n;
}

static int draw_record(struct app *a, struct client_view *v, WINDOW *w, int y, int last)
{
	int cols = getmaxx(w);
	y = draw_heading(
	    a, w, y, v->fc_focus ? "Immunization record (Tab: the keys back here)" : "Immunization record");
	if (v->unknown[0]) {
		/* never "none" for an answer that did not add up */
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, v->unknown);
		wattrset(w, A_NORMAL);
	} else if (!v->rec.n_rows) {
		draw_text(w, y++, 1, "No immunizations recorded.", cols - 2);
		return y;
	}
	if (!v->rec.n_rows)
		return y;
	/* the vaccine's name takes the width the other columns leave; the
	 * recording organization shows when there is room for it */
	bool org = cols >= 100;
	int vw = cols - 2 - (org ? 66 : 57);
	if (vw < 13)
		vw = 13;
	char hdr[512];
	snprintf(hdr, sizeof hdr, "  %-10s %-*s %-8s %s%-7s %-15s %s", "Date", vw, "Vaccine", "Lot",
	         org ? "Org      " : "", "Source", "Registry", "Dose");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, hdr, cols - 2);
	wattrset(w, A_NORMAL);
	/* the selected dose is always in sight (Change and Delete act on it) */
	int room = last - y;
	if (room < 2)
		room = 2;
	if (v->sel < v->top)
		v->top = v->sel;
	while (v->top < v->sel && lines_to(v, v->top, v->sel) > room)
		v->top++;
	for (int r = v->top; r < v->rec.n_rows && y < last; r++) {
		const struct record_row *row = &v->rec.rows[r];
		if (r == v->top || strcmp(row->group, v->rec.rows[r - 1].group)) {
			wattrset(w, A_BOLD);
			draw_text(w, y++, 1, row->group, cols - 2);
			wattrset(w, A_NORMAL);
			if (y >= last)
				break;
		}
		const struct immunization *im = &v->rec.imms[row->imm];
		char date[DATE_US_LEN], line[768], orgcol[16] = "";
		date_format_us(im->date_given, date);
		const char *src = im->refused ? "Refused" : im->historical ? "Hist." : "Given";
		if (org)
			snprintf(orgcol, sizeof orgcol, "%-8.8s ", im->org);
		snprintf(line, sizeof line, "%c %-10s %-*.*s %-8.8s %s%-7s %-15s %s", r == v->sel ? '>' : ' ',
		         date, vw, vw, row->vaccine, im->refused ? "" : im->lot, orgcol, src, row->state,
		         v->unknown[0] ? "" : row->eval);
		wattrset(w, r == v->sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
	}
	return y;
}

/* The forecast's vaccine group column: wider where there is room. */
static int fc_group_width(WINDOW *w)
{
	return getmaxx(w) >= 100 ? 24 : 16;
}

static void forecast_header(WINDOW *w, int y)
{
	char hdr[256];
	snprintf(hdr, sizeof hdr, "%-*s %-13s %-9s %-10s %-11s %-10s", fc_group_width(w), "Vaccine group",
	         "Status", "Next dose", "Earliest", "Recommended", "Past due");
	wattrset(w, A_BOLD);
	draw_text(w, y, 1, hdr, getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
}

/* One vaccine group's line of a forecast, whoever computed it; dose is
 * "3 of 5" or "3" or "". */
static void forecast_row(WINDOW *w, int y, const char *group, const char *status, const char *dose,
                         vax_date earliest, vax_date due, vax_date past_due, bool nothing_due)
{
	char e[DATE_US_LEN], d[DATE_US_LEN], p[DATE_US_LEN], line[512];
	date_format_us(earliest, e);
	date_format_us(due, d);
	date_format_us(past_due, p);
	bool late = !nothing_due && past_due != DATE_NONE && past_due <= app_today();
	int gw = fc_group_width(w);
	snprintf(line, sizeof line, "%-*.*s %-13.13s %-9s %-10s %-11s %-10s%s", gw, gw, group, status, dose,
	         e, d, p, late ? " PAST DUE" : "");
	draw_text(w, y, 1, line, getmaxx(w) - 2);
}

/* The registry's recommendations worth showing: nothing due and nothing
 * done is not recommended, or aged out. */
static bool reg_shown(const struct immds_rec *r)
{
	return r->complete || r->earliest != DATE_NONE || r->due != DATE_NONE || r->dose;
}

/* The registry's recommendations, in the same columns as the one computed here. */
static int draw_registry_forecast(struct client_view *v, WINDOW *w, int y, int rows)
{
	forecast_header(w, y++);
	int k = 0;
	for (size_t i = 0; i < v->rec.reg.nrecs && y < rows; i++) {
		const struct immds_rec *r = &v->rec.reg.recs[i];
		if (!reg_shown(r) || k++ < v->fc_top)
			continue;
		char dn[16] = "";
		if (r->dose > 0)
			snprintf(dn, sizeof dn, "%d", r->dose);
		forecast_row(w, y++, r->group, r->status, dn, r->earliest, r->due, r->overdue, r->complete);
	}
	return y;
}

/* The forecast lines worth showing: groups recommended, or with doses. */
static bool fc_shown(const struct cdsi_group_result *gr)
{
	return !((gr->status == CDSI_NOT_RECOMMENDED || gr->status == CDSI_AGED_OUT) && gr->nevals == 0);
}

static int fc_count(const struct client_view *v)
{
	const struct forecast_record *fc = &v->rec.fc;
	int n = 0;
	if (v->unknown[0])
		return 1;
	if (v->rec.school && fc->have_school)
		return 1 + (int)fc->school_rep.nitems;
	if (v->rec.have_reg && !v->rec.school) {
		for (size_t i = 0; i < v->rec.reg.nrecs; i++)
			n += reg_shown(&v->rec.reg.recs[i]);
		return n + 1;
	}
	for (size_t g = 0; fc->have_fc && g < fc->fc.ngroups; g++)
		n += fc_shown(&fc->fc.groups[g]);
	return n + 1; /* the column heads */
}

static int draw_forecast(struct app *a, struct client_view *v, WINDOW *w, int y, int rows)
{
	const struct forecast_record *fc = &v->rec.fc;
	int cols = getmaxx(w);
	char title[256], line[512];
	/* the pane scrolls: what is above and below is said in its heading */
	v->fc_lines = fc_count(v);
	v->fc_room = rows - y - 1;
	if (v->fc_room < 1)
		v->fc_room = 1;
	int body = v->fc_lines - 1; /* lines under the column heads */
	int fit = v->fc_room - 1;
	if (v->fc_top > body - fit)
		v->fc_top = body - fit;
	if (v->fc_top < 0)
		v->fc_top = 0;
	char more[96] = "";
	if (body > fit) {
		char key[KEY_NAME_LEN];
		draw_short_key(a, KEYMAP_CLIENT, 0, ACTION_NEXT_TAB, key, sizeof key);
		snprintf(more, sizeof more, "  %d-%d of %d%s%s", v->fc_top + 1,
		         v->fc_top + fit < body ? v->fc_top + fit : body, body, v->fc_focus ? "" : "; ",
		         v->fc_focus ? ""
		         : key[0]    ? key
		                     : "Tab");
		if (!v->fc_focus)
			snprintf(more + strlen(more), sizeof more - strlen(more), " scrolls");
	}
	if (v->rec.school)
		snprintf(title, sizeof title,
		         "Vaccines recommended: Texas school requirements (ACIP dose counting)%s", more);
	else
		snprintf(title, sizeof title, "Vaccines recommended: ACIP schedule, %s%s", v->rec.fc_source,
		         more);
	y = draw_heading(a, w, y, title);
	if (v->unknown[0]) {
		/* what is due from a history that may lack doses would be wrong */
		draw_text(w, y++, 1, "Not shown: the immunization history is unknown.", cols - 2);
		return y;
	}
	if (v->rec.school && fc->have_school) {
		char grade[16];
		forecast_grade_label(fc->grade, grade, sizeof grade);
		snprintf(line, sizeof line, "Grade %s (from the age on September 1): %s", grade,
		         fc->school_rep.compliant ? "meets the requirements"
		                                  : "DOES NOT MEET the requirements");
		draw_text(w, y++, 1, line, cols - 2);
		for (size_t i = (size_t)v->fc_top; i < fc->school_rep.nitems && y < rows; i++) {
			const struct school_item *it = &fc->school_rep.items[i];
			char due[DATE_US_LEN] = "";
			if (it->status == SCHOOL_DUE)
				date_format_us(it->due, due);
			snprintf(line, sizeof line, "%-16s %-12s %d valid dose%s%s%s", it->label,
			         school_status_name(it->status), it->valid_doses,
			         it->valid_doses == 1 ? "" : "s", due[0] ? ", next due by " : "", due);
			draw_text(w, y++, 1, line, cols - 2);
		}
		return y;
	}
	if (v->rec.have_reg && !v->rec.school)
		return draw_registry_forecast(v, w, y, rows);
	if (!fc->have_fc || (v->rec.school && !fc->have_school)) {
		draw_text(w, y++, 1, fc->error[0] ? fc->error : "No forecast.", cols - 2);
		return y;
	}
	forecast_header(w, y++);
	int k = 0;
	for (size_t g = 0; g < fc->fc.ngroups && y < rows; g++) {
		const struct cdsi_group_result *gr = &fc->fc.groups[g];
		if (!fc_shown(gr) || k++ < v->fc_top)
			continue;
		char dn[32] = "";
		/* "3 of 5", as the doses above count */
		if (gr->dose_number > 0 && gr->series_doses > 0)
			snprintf(dn, sizeof dn, "%d of %d", gr->dose_number, gr->series_doses);
		else if (gr->dose_number > 0)
			snprintf(dn, sizeof dn, "%d", gr->dose_number);
		forecast_row(w, y++, forecast_group_name(fc, gr->group), cdsi_series_status_name(gr->status),
		             dn, gr->earliest, gr->recommended, gr->past_due,
		             gr->status != CDSI_NOT_COMPLETE);
	}
	return y;
}

static void client_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct client_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 0;
	if (!v->rec.loaded) {
		draw_text(w, 1, 1, v->pull ? reading_msg : v->rec.note, cols - 2);
		return;
	}
	y = draw_info(a, v, w, y);
	y = draw_nav(a, v, w, y);
	/* the record gets what the forecast leaves, at least half; the pane
	 * with the keys (Tab) gets the larger share */
	int fc_rows = 1 + fc_count(v);
	int last = rows - fc_rows;
	int half = y + (rows - y) / 2;
	if (v->fc_focus)
		last = y + 4 < half ? y + 4 : half;
	else if (last < half)
		last = half;
	y = draw_record(a, v, w, y, last);
	draw_forecast(a, v, w, y, rows);
}

/* ---- actions ------------------------------------------------------------------------ */

static void explain_selected(struct app *a, struct client_view *v)
{
	if (!v->rec.n_rows)
		return;
	const struct record_row *row = &v->rec.rows[v->sel];
	const struct immunization *im = &v->rec.imms[row->imm];
	const struct cdsi_dose_eval *ev = forecast_record_eval(&v->rec.fc, row->imm);
	if (row->message[0]) {
		app_message(a, MSG_INFO, "%s: %s", row->state, row->message);
		return;
	}
	if (ev && ev->status == CDSI_EVAL_NOT_VALID)
		app_message(a, MSG_INFO, "NOT VALID: %s", cdsi_eval_reason_text(ev->reason));
	else if (ev && ev->status == CDSI_EVAL_VALID)
		app_message(a, MSG_INFO, "Valid dose%s", ev->dose_number ? " in the series" : "");
	else if (im->refused)
		app_message(a, MSG_INFO, "Refused: %s", im->refusal_reason);
	else
		app_message(a, MSG_INFO, "Not evaluated by the schedule.");
}

/* Open the shot form for this client: a new dose, a change, a deletion. */
static void open_shot(struct app *a, struct client_view *v, enum action act)
{
	if (!v->rec.loaded || !app_may_write(a))
		return;
	struct open_shot o = {.client_key = v->rec.key};
	if (act == ACTION_DELETE_RECORD || act == ACTION_EDIT_SHOT) {
		if (!v->rec.n_rows) {
			app_message(a, MSG_INFO, "No shot is selected.");
			return;
		}
		o.im = &v->rec.imms[v->rec.rows[v->sel].imm];
		o.delete = act == ACTION_DELETE_RECORD;
	} else {
		o.mode = act == ACTION_ADD_SHOT      ? SHOT_ADMINISTERED
		         : act == ACTION_REFUSE_SHOT ? SHOT_REFUSAL
		                                     : SHOT_HISTORICAL;
	}
	app_open(a, SCREEN_SHOT, &o);
}

static unsigned client_action(struct app *a, struct screen *s, enum action act)
{
	struct client_view *v = s->data;
	switch (act) {
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		if (v->fc_focus)
			v->fc_top = act == ACTION_MOVE_UP      ? v->fc_top - 1
			            : act == ACTION_MOVE_DOWN  ? v->fc_top + 1
			            : act == ACTION_MOVE_FIRST ? 0
			                                       : v->fc_lines;
		else
			list_move(&v->sel, v->rec.n_rows, 0, act);
		break;
	case ACTION_SELECT:
		explain_selected(a, v);
		break;
	case ACTION_TOGGLE_SCHEDULE:
		if (!v->rec.loaded)
			return TUI_HANDLED;
		v->rec.school = !v->rec.school;
		record_forecast(a, &v->rec);
		app_message(a, MSG_INFO, "Tracking schedule: %s.", v->rec.school ? "Texas school" : "ACIP");
		break;
	case ACTION_PRINT_RECORD:
		if (v->rec.loaded)
			print_record_ask(a, &v->rec);
		break;
	case ACTION_FORECAST:
		if (v->pull)
			app_message(a, MSG_INFO, "%s", reading_msg);
		else if (app_offline(a) || app_unreachable(a))
			app_message(a, MSG_INFO,
			            "The registry cannot be reached: this is the copy on this workstation.");
		else
			fetch(a, v);
		break;
	case ACTION_ADD_SHOT:
	case ACTION_ADD_HISTORICAL_SHOT:
	case ACTION_REFUSE_SHOT:
	case ACTION_DELETE_RECORD:
	case ACTION_EDIT_SHOT:
		v->n_before = v->rec.n_imms;
		open_shot(a, v, act);
		return TUI_HANDLED;
	case ACTION_DUE_TODAY:
		if (v->rec.loaded && app_may_write(a)) {
			v->n_before = v->rec.n_imms;
			app_open(a, SCREEN_DUE, v->rec.key);
		}
		return TUI_HANDLED;
	case ACTION_NEXT_TAB:
	case ACTION_PREV_TAB:
		/* the keys go to the forecast and back: at 80x24 it scrolls */
		v->fc_focus = !v->fc_focus && v->rec.loaded;
		app_message(a, MSG_INFO, "%s",
		            v->fc_focus ? "Up and Down now scroll the vaccines recommended."
		                        : "Up and Down now move through the doses.");
		break;
	case ACTION_PAGE_UP:
	case ACTION_PAGE_DOWN:
		if (v->fc_focus)
			v->fc_top += act == ACTION_PAGE_UP ? -v->fc_room : v->fc_room;
		else
			list_move(&v->sel, v->rec.n_rows, 5, act);
		break;
	case ACTION_EDIT_CLIENT:
		if (v->rec.loaded && app_may_write(a)) {
			struct open_client_edit o = {.base = &v->rec.cl};
			app_open(a, SCREEN_CLIENT_EDIT, &o);
		}
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static const enum action client_actions[] = {
    ACTION_DUE_TODAY,       ACTION_ADD_SHOT,      ACTION_ADD_HISTORICAL_SHOT,
    ACTION_REFUSE_SHOT,     ACTION_DELETE_RECORD, ACTION_EDIT_SHOT,
    ACTION_TOGGLE_SCHEDULE, ACTION_FORECAST,      ACTION_SELECT,
    ACTION_NEXT_TAB,        ACTION_OUTBOX,        ACTION_EDIT_CLIENT,
    ACTION_PRINT_RECORD,    ACTION_CANCEL,        ACTION_NONE};

const struct screen_ops screen_client_ops = {
    .name = "client",
    .title = "Client record",
    .keymap = KEYMAP_CLIENT,
    .phi = true,
    .open = client_open,
    .enter = client_enter,
    .draw = client_draw,
    .action = client_action,
    .actions = client_actions,
    .action_shown = client_action_shown,
    .notify = client_notify,
    .close = client_close,
};
