/* tui/record.c - one client's record as the screens show it (see tui.h):
 * read from the local store and computed when it changes, so that drawing
 * it, and moving through it, never touches the store.
 *
 * A dose's registry state is its newest unsent outbox entry's (waiting,
 * rejected, in conflict, held), else "Accepted" when the registry gave it an
 * id: the unsent entries are a handful, read once per load, whereas the
 * receipts of every dose ever accepted here (thousands after a few months)
 * are never read for it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/codes.h"
#include "core/xalloc.h"
#include "tui/tui.h"

#define STALE_AFTER_S (24 * 3600) /* history older than a day: warn before recording */

const char *record_state_words(enum cache_state s)
{
	switch (s) {
	case CACHE_PENDING:
	case CACHE_SENDING:
		return "Waiting to send";
	case CACHE_ACCEPTED:
		return "Accepted";
	case CACHE_REJECTED:
		return "Rejected";
	case CACHE_CONFLICT:
		return "Conflict";
	case CACHE_NEEDS_REVIEW:
		return "Needs review";
	case CACHE_DISCARDED:
		return "Discarded";
	}
	return "?";
}

const char *record_entry_what(const struct cache_entry *e)
{
	if (e->type == CACHE_R_PATIENT)
		return e->op == CACHE_OP_CREATE   ? "New client"
		       : e->op == CACHE_OP_UPDATE ? "Client change"
		                                  : "Client removal";
	return e->op == CACHE_OP_CREATE   ? "New dose"
	       : e->op == CACHE_OP_UPDATE ? "Dose change"
	                                  : "Dose deletion";
}

void record_free(struct record *r)
{
	forecast_record_free(&r->fc);
	free(r->imms);
	free(r->rows);
	r->imms = NULL;
	r->rows = NULL;
	r->n_imms = r->n_rows = 0;
	r->loaded = false;
}

/* rows sort by group, then date given; the doses are the record's */
static const struct immunization *sort_imms;

static int row_cmp(const void *pa, const void *pb)
{
	const struct record_row *x = pa, *y = pb;
	int c = strcmp(x->group, y->group);
	if (c)
		return c;
	vax_date dx = sort_imms[x->imm].date_given, dy = sort_imms[y->imm].date_given;
	return dx < dy ? -1 : dx > dy;
}

/* Each dose's newest unsent outbox entry, read once. */
static void states(struct app *a, struct cache_store *st, struct record *r)
{
	struct cache_entry *list = NULL;
	int n = cache_outbox_list(st, CACHE_UNSENT_MASK, &list, NULL);
	for (int k = 0; k < r->n_rows; k++) {
		struct record_row *row = &r->rows[k];
		const struct immunization *im = &r->imms[row->imm];
		char key[CACHE_KEY_STR];
		const struct cache_entry *e = NULL;
		if (n > 0 && cache_imm_key(st, im, key))
			for (int i = 0; i < n; i++)
				if (!strcmp(list[i].rec_key, key))
					e = &list[i]; /* in capture order: the last is the newest */
		if (e) {
			row->state = record_state_words(e->state);
			snprintf(row->message, sizeof row->message, "%s", e->message);
		} else {
			row->state = im->id[0] ? "Accepted" : "Not sent";
		}
	}
	(void)a;
	if (n > 0)
		free(list);
}

/* How the schedule counted each dose, in words, beside it. */
static void evals(struct record *r)
{
	for (int k = 0; k < r->n_rows; k++)
		forecast_eval_label(forecast_record_eval(&r->fc, r->rows[k].imm), r->rows[k].eval,
		                    sizeof r->rows[k].eval);
}

void record_forecast(struct app *a, struct record *r)
{
	if (!a->forecast)
		a->forecast = forecast_data_new();
	forecast_record_run(a->forecast, &r->cl, r->imms, r->n_imms, app_today(), r->school, &r->fc);
	evals(r);
}

void record_load(struct app *a, struct record *r, bool forecast)
{
	record_free(r);
	r->key[0] = '\0';
	r->note[0] = '\0';
	struct cache_store *st = app_store(a);
	if (!st) {
		snprintf(r->note, sizeof r->note, "The local store is not open.");
		return;
	}
	char key[CACHE_KEY_STR];
	if (!cache_find_rid(st, r->want, key))
		snprintf(key, sizeof key, "%.*s", (int)sizeof key - 1, r->want);
	client_init(&r->cl);
	if (!cache_get_client(st, key, &r->cl, &r->as_of, NULL)) {
		snprintf(r->note, sizeof r->note, "This client is not on this workstation%s.",
		         app_unreachable(a) ? " and the registry cannot be reached" : "");
		return;
	}
	snprintf(r->key, sizeof r->key, "%s", key);
	r->loaded = true;
	r->stale = cache_is_stale(st, key, (int64_t)time(NULL), STALE_AFTER_S);
	int n = cache_client_immunizations(st, key, &r->imms, NULL);
	r->n_imms = n < 0 ? 0 : n;
	r->rows = xcalloc((size_t)r->n_imms + 1, sizeof *r->rows);
	const struct codes *c = app_codes(a);
	for (int i = 0; i < r->n_imms; i++) {
		const struct immunization *im = &r->imms[i];
		if (im->entered_in_error)
			continue; /* deleted: kept for the registry, not shown */
		struct record_row *row = &r->rows[r->n_rows++];
		const char *g[4];
		int ng = c ? codes_vaccine_groups(c, im->cvx, g, 4) : 0;
		const struct cvx_info *ci = c ? codes_cvx(c, im->cvx) : NULL;
		row->imm = i;
		row->group = im->refused ? "Refusals" : ng > 0 ? g[0] : "Other";
		snprintf(row->vaccine, sizeof row->vaccine, "%s", ci ? ci->short_desc : im->cvx);
	}
	sort_imms = r->imms;
	qsort(r->rows, (size_t)r->n_rows, sizeof *r->rows, row_cmp);
	sort_imms = NULL;
	states(a, st, r);
	if (forecast)
		record_forecast(a, r);
}
