/* tui/screen_review_match.c - clients held back by the sync: created
 * offline, then Patient/$match found a certain or probable match on the
 * registry, so a person decides. Side by side (what was typed here, the
 * registry's client), every differing field marked in words; one key each:
 * Link (same person: the doses go to the registry's client), Create new
 * (a different person: send the new client), Defer (decide later).
 * Everything here is local: the store, no request. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api/response.h"
#include "core/date.h"
#include "core/fhir.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct review_view {
	struct cache_entry *list; /* held client creates */
	int n, cur;
	bool have; /* ours/theirs of list[cur] are read */
	struct client ours, theirs;
	char rid[VAX_ID_LEN]; /* the registry's client */
	char grade[16];
	char error[VAX_ERROR_MSG_LEN];
	int64_t want; /* open on this entry (from the outbox); 0: none */
};

static void load_current(struct app *a, struct review_view *v)
{
	v->have = false;
	v->rid[0] = v->grade[0] = '\0';
	if (v->cur >= v->n)
		return;
	const struct cache_entry *e = &v->list[v->cur];
	struct vax_error err;
	struct cache_store *store = app_store(a);
	if (!store)
		return;
	char *mine = cache_outbox_payload(store, e->seq, false, &err);
	char *cands = cache_outbox_payload(store, e->seq, true, NULL);
	cJSON *j = mine ? cJSON_Parse(mine) : NULL;
	memset(&v->ours, 0, sizeof v->ours);
	memset(&v->theirs, 0, sizeof v->theirs);
	bool ok = j && fhir_patient_from_json(j, &v->ours, NULL);
	cJSON_Delete(j);
	struct api_bundle b;
	memset(&b, 0, sizeof b);
	if (ok && cands && api_bundle_parse(cands, strlen(cands), &b, NULL)) {
		/* the best candidate the registry graded certain or probable */
		for (int i = 0; i < b.n && !v->rid[0]; i++) {
			const struct api_entry *m = &b.entry[i];
			if (!m->resource ||
			    (strcmp(m->match_grade, "certain") && strcmp(m->match_grade, "probable")))
				continue;
			if (fhir_patient_from_json(m->resource, &v->theirs, NULL)) {
				snprintf(v->rid, sizeof v->rid, "%s", m->id);
				snprintf(v->grade, sizeof v->grade, "%s", m->match_grade);
			}
		}
	}
	api_bundle_free(&b);
	bool read = mine != NULL;
	free(mine);
	free(cands);
	v->have = ok && v->rid[0];
	if (!v->have)
		snprintf(v->error, sizeof v->error, "This held client could not be read: %.400s",
		         read ? "the registry's candidates are missing." : err.message);
}

static void reload(struct app *a, struct review_view *v)
{
	free(v->list);
	v->list = NULL;
	v->n = 0;
	v->error[0] = '\0';
	struct cache_store *store = app_store(a);
	if (!store) {
		snprintf(v->error, sizeof v->error, "The local store is not open.");
		return;
	}
	struct cache_entry *all = NULL;
	struct vax_error err;
	int n = cache_outbox_list(store, 1u << CACHE_NEEDS_REVIEW, &all, &err);
	if (n < 0) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		return;
	}
	v->list = all;
	for (int i = 0; i < n; i++)
		if (all[i].type == CACHE_R_PATIENT && all[i].op == CACHE_OP_CREATE) {
			if (v->want && all[i].seq == v->want)
				v->cur = v->n;
			v->list[v->n++] = all[i];
		}
	v->want = 0;
	if (v->cur >= v->n)
		v->cur = 0;
	load_current(a, v);
}

static void *review_open(struct app *a, const void *arg)
{
	struct review_view *v = xcalloc(1, sizeof *v);
	v->want = arg ? *(const int64_t *)arg : 0;
	reload(a, v);
	return v;
}

static void review_close(struct screen *s)
{
	struct review_view *v = s->data;
	free(v->list);
	explicit_bzero(v, sizeof *v);
	free(v);
}

static void review_notify(struct app *a, struct screen *s, unsigned events)
{
	struct review_view *v = s->data;
	if (!(events & (EVENT_OUTBOX | EVENT_SESSION)))
		return;
	/* stay on the client shown if it is still held */
	if (v->cur < v->n)
		v->want = v->list[v->cur].seq;
	reload(a, v);
}

static void next_or_done(struct app *a, struct review_view *v, const char *what)
{
	app_outbox_changed(a); /* reads this list again too (review_notify) */
	if (v->n)
		app_message(a, MSG_INFO, "%s %d held client%s left.", what, v->n, v->n == 1 ? "" : "s");
	else
		app_message(a, MSG_INFO, "%s No held clients left to review.", what);
}

static unsigned review_action(struct app *a, struct screen *s, enum action act)
{
	struct review_view *v = s->data;
	struct cache_store *store = app_store(a);
	struct vax_error err;
	switch (act) {
	case ACTION_LINK_RECORD:
		if (!v->have || !store)
			break;
		if (!cache_outbox_link(store, v->list[v->cur].seq, v->rid, &err)) {
			app_message(a, MSG_ERROR, "%s", err.message);
			break;
		}
		next_or_done(a, v, "Linked: the doses will go to the registry's client.");
		break;
	case ACTION_KEEP_BOTH:
		if (v->cur >= v->n || !store)
			break;
		if (!cache_outbox_approve(store, v->list[v->cur].seq, NULL, &err)) {
			app_message(a, MSG_ERROR, "%s", err.message);
			break;
		}
		next_or_done(a, v, "Created: the new client will be sent at the next sync.");
		break;
	case ACTION_DEFER:
	case ACTION_MOVE_DOWN:
		if (v->n) {
			v->cur = (v->cur + 1) % v->n;
			load_current(a, v);
			if (act == ACTION_DEFER)
				app_message(a, MSG_INFO,
				            "Deferred: it waits in the outbox until you decide.");
		}
		break;
	case ACTION_MOVE_UP:
		if (v->n) {
			v->cur = (v->cur + v->n - 1) % v->n;
			load_current(a, v);
		}
		break;
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY | DIRTY_STATUS);
	return TUI_HANDLED;
}

static bool differs(const char *x, const char *y)
{
	char a[256], b[256];
	text_fold(x, a, sizeof a);
	text_fold(y, b, sizeof b);
	return strcmp(a, b) != 0;
}

/* One field: both values at fixed screen columns (accented names take
 * fewer columns than bytes), then whether they agree, in words. */
static void row(WINDOW *w, int y, int cols, const char *label, const char *x, const char *yv)
{
	int colw = (cols - 2 - 16 - 16) / 2;
	if (colw < 8)
		colw = 8;
	const char *verdict = !x[0] && !yv[0]  ? ""
	                      : !x[0]          ? "not typed here"
	                      : !yv[0]         ? "not in registry"
	                      : differs(x, yv) ? "DIFFERS"
	                                       : "same";
	wattrset(w, !strcmp(verdict, "DIFFERS") ? A_BOLD : A_NORMAL);
	draw_text(w, y, 1, label, 15);
	draw_text(w, y, 17, x, colw);
	draw_text(w, y, 18 + colw, yv, colw);
	draw_text(w, y, 19 + 2 * colw, verdict, cols - 20 - 2 * colw);
	wattrset(w, A_NORMAL);
}

static void review_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct review_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[400];
	wattrset(w, A_BOLD);
	if (v->n)
		snprintf(line, sizeof line, "Held client %d of %d: may already be in the registry",
		         v->cur + 1, v->n);
	else
		snprintf(line, sizeof line, "No held clients waiting for review");
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	if (v->error[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, v->error);
		wattrset(w, A_NORMAL);
	}
	if (!v->have)
		return;
	snprintf(line, sizeof line, "The registry found a %s match (Patient/%s).", v->grade, v->rid);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	y++;
	int colw = (cols - 2 - 16 - 16) / 2;
	if (colw < 8)
		colw = 8;
	wattrset(w, A_UNDERLINE);
	draw_text(w, y, 17, "Typed here", colw);
	draw_text(w, y++, 18 + colw, "In the registry", colw);
	wattrset(w, A_NORMAL);
	const struct client *o = &v->ours, *t = &v->theirs;
	char d1[DATE_US_LEN], d2[DATE_US_LEN];
	const char *labels[] = {"Last name",       "First name", "Middle name", "Date of birth", "Sex",
	                        "Mother's maiden", "Street",     "City",        "ZIP",           "Phone"};
	const char *xs[] = {o->name.family,
	                    o->name.given,
	                    o->name.middle,
	                    date_format_us(o->dob, d1),
	                    o->sex ? client_sex_label(o->sex) : "",
	                    o->mother_maiden,
	                    o->n_addr ? o->addr[0].line1 : "",
	                    o->n_addr ? o->addr[0].city : "",
	                    o->n_addr ? o->addr[0].zip : "",
	                    o->n_phone ? o->phone[0].number : ""};
	const char *ys[] = {t->name.family,
	                    t->name.given,
	                    t->name.middle,
	                    date_format_us(t->dob, d2),
	                    t->sex ? client_sex_label(t->sex) : "",
	                    t->mother_maiden,
	                    t->n_addr ? t->addr[0].line1 : "",
	                    t->n_addr ? t->addr[0].city : "",
	                    t->n_addr ? t->addr[0].zip : "",
	                    t->n_phone ? t->phone[0].number : ""};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0] && y < rows - 3; i++)
		row(w, y++, cols, labels[i], xs[i], ys[i]);
	char kl[64], kb[64], kd[64];
	draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_LINK_RECORD, kl, sizeof kl);
	draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_KEEP_BOTH, kb, sizeof kb);
	draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_DEFER, kd, sizeof kd);
	snprintf(line, sizeof line, "%s Link (same person)   %s Create new (different person)   %s Defer", kl,
	         kb, kd);
	if (y + 1 < rows)
		draw_wrapped(w, y + 1, 1, cols - 2, line);
}

/* Link, create and defer act on a held client: none when the list is empty. */
static bool review_action_shown(struct app *a, struct screen *s, enum action act)
{
	const struct review_view *v = s->data;
	(void)a;
	return act == ACTION_CANCEL || v->cur < v->n;
}

static const enum action review_actions[] = {ACTION_LINK_RECORD, ACTION_KEEP_BOTH, ACTION_DEFER,
                                             ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_review_match_ops = {
    .name = "review_match",
    .title = "Held clients: review",
    .keymap = KEYMAP_REVIEW,
    .phi = true,
    .open = review_open,
    .draw = review_draw,
    .action = review_action,
    .actions = review_actions,
    .action_shown = review_action_shown,
    .notify = review_notify,
    .close = review_close,
};
