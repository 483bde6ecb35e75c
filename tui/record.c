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
#include "core/fhir.h"
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
	immds_answer_free(&r->reg);
	r->have_reg = false;
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

/* Where the forecast shown comes from, for a registry that has none of its own. */
static const char no_immds[] = "computed here (no $immds-forecast there)";

/* A dose as a forecast request names it: its place in the record. */
static void dose_ref(int i, char *buf, size_t len)
{
	snprintf(buf, len, "Immunization/d%d", i);
}

/* How the registry counted each dose, where it said (the forecast shown is
 * its own). */
static void registry_evals(struct record *r)
{
	snprintf(r->fc_source, sizeof r->fc_source, "from the registry");
	for (int k = 0; k < r->n_rows; k++) {
		char ref[32];
		dose_ref(r->rows[k].imm, ref, sizeof ref);
		const struct immds_eval *e = immds_answer_eval(&r->reg, ref);
		if (!e)
			continue;
		if (!e->valid)
			snprintf(r->rows[k].eval, sizeof r->rows[k].eval, "NOT VALID");
		else if (e->dose && e->series)
			snprintf(r->rows[k].eval, sizeof r->rows[k].eval, "%d of %d", e->dose, e->series);
		else if (e->dose)
			snprintf(r->rows[k].eval, sizeof r->rows[k].eval, "dose %d", e->dose);
	}
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
	const struct api_capability *cap = session_capability(a->sess);
	if (r->have_reg)
		registry_evals(r);
	else
		snprintf(r->fc_source, sizeof r->fc_source, "%s",
		         cap->known && !cap->immds ? no_immds : "computed here");
}

/* What the ImmDS profiles ask and the forecast reads: the registry has the
 * rest, and an address, telephone or lot sent again is PHI sent for nothing
 * (and bytes on a slow link) */
static const char immds_patient_keys[] = "id,name,gender,birthDate";
static const char immds_dose_keys[] = "id,status,vaccineCode,patient,occurrenceDateTime,expirationDate,"
                                      "isSubpotent,subpotentReason,manufacturer,doseQuantity";

struct api_req *record_registry_forecast_req(struct app *a, struct record *r)
{
	const struct api_capability *cap = session_capability(a->sess);
	if (cap->known && !cap->immds)
		snprintf(r->fc_source, sizeof r->fc_source, "%s", no_immds);
	if (!r->loaded || r->school || !cap->known || !cap->immds || !app_conn(a) || app_offline(a) ||
	    app_unreachable(a) || !session_token(a->sess))
		return NULL;
	cJSON *patient = fhir_patient_to_json(&r->cl);
	fhir_keep_elements(patient, immds_patient_keys, NULL);
	cJSON **imms = xcalloc((size_t)r->n_imms + 1, sizeof *imms);
	int n = 0;
	for (int i = 0; i < r->n_imms; i++) {
		if (r->imms[i].entered_in_error || r->imms[i].refused)
			continue;
		char ref[32];
		dose_ref(i, ref, sizeof ref);
		imms[n] = fhir_immunization_to_json(&r->imms[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(imms[n], "id");
		cJSON_AddStringToObject(imms[n], "id", ref + strlen("Immunization/"));
		fhir_keep_elements(imms[n], immds_dose_keys, NULL);
		n++;
	}
	char today[DATE_ISO_LEN];
	struct vax_error err;
	struct api_req *req = api_fhir_forecast_req(app_conn(a), date_format_iso(app_today(), today), patient,
	                                            (const cJSON *const *)imms, n, &err);
	for (int i = 0; i < n; i++)
		cJSON_Delete(imms[i]);
	free(imms);
	cJSON_Delete(patient);
	return req;
}

bool record_registry_forecast_done(struct app *a, struct record *r, const struct api_result *res)
{
	(void)a;
	struct vax_error err;
	cJSON *j = res->cls == API_OK ? api_fhir_read_resource(res, "Parameters", &err) : NULL;
	immds_answer_free(&r->reg);
	r->have_reg = j && immds_read_answer(j, &r->reg, &err);
	cJSON_Delete(j);
	if (!r->have_reg) {
		snprintf(r->fc_source, sizeof r->fc_source, "computed here (registry did not answer)");
		return false;
	}
	registry_evals(r);
	return true;
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
