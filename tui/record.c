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

#include "cache/pull.h"
#include "core/codes.h"
#include "core/fhir.h"
#include "core/xalloc.h"
#include "forecast/cdsi.h"
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

/* Is there work of this client's here the registry does not have yet (a
 * dose, a deletion, the client's own details)? */
static bool any_unsent(struct cache_store *st, const struct record *r, const struct cache_entry *list, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i].rec_key, r->key))
			return true;
	for (int k = 0; k < r->n_imms; k++) {
		const struct immunization *im = &r->imms[k];
		char key[CACHE_KEY_STR];
		if (!im->id[0] && !im->entered_in_error)
			return true;
		for (int i = 0; i < n && cache_imm_key(st, im, key); i++)
			if (!strcmp(list[i].rec_key, key))
				return true;
	}
	return false;
}

/* Each dose's newest unsent outbox entry, read once. */
static void states(struct app *a, struct cache_store *st, struct record *r)
{
	struct cache_entry *list = NULL;
	int n = cache_outbox_list(st, CACHE_UNSENT_MASK, &list, NULL);
	r->unsent = any_unsent(st, r, list, n > 0 ? n : 0);
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
 * its own). An answer to the record's own request names the doses by their
 * place in it; one the registry made over the doses it holds, by its ids. */
static void registry_evals(struct record *r)
{
	snprintf(r->fc_source, sizeof r->fc_source, "from the registry");
	for (int k = 0; k < r->n_rows; k++) {
		char ref[VAX_ID_LEN + 16];
		const struct immunization *im = &r->imms[r->rows[k].imm];
		if (r->reg_by_id && !im->id[0])
			continue;
		if (r->reg_by_id)
			snprintf(ref, sizeof ref, "Immunization/%s", im->id);
		else
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

bool record_same_rules(struct app *a)
{
	const char *theirs = session_forecast_rules(a->sess);
	if (!theirs[0])
		return false;
	if (!a->forecast)
		a->forecast = forecast_data_new();
	const struct cdsi_data *d = forecast_data_cdsi(a->forecast, NULL);
	return d && !strcmp(cdsi_data_rules(d), theirs);
}

bool record_registry_forecast_wanted(struct app *a)
{
	return a->cfg.registry_forecast == CONFIG_FORECAST_ALWAYS ||
	       (a->cfg.registry_forecast == CONFIG_FORECAST_YES && !record_same_rules(a));
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
	else if (!r->school && a->cfg.registry_forecast == CONFIG_FORECAST_YES && record_same_rules(a))
		snprintf(r->fc_source, sizeof r->fc_source, "by the registry's rules");
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

bool record_registry_forecast_by_search(const struct app *a, const struct record *r)
{
	return a->reg_forecast_search >= 0 && r->loaded && r->cl.id[0] && !r->unsent;
}

/* The registry's forecast over the doses it holds: the client's search by
 * id with the forecast included, and nothing else of it (_elements). */
static struct api_req *forecast_search_req(struct app *a, const struct record *r)
{
	struct api_fhir_param p[2 + CACHE_PULL_FORECAST_REVINCLUDES] = {{"_id", r->cl.id},
	                                                                {"_elements", "id"}};
	int n = 2;
	for (int i = 0; i < CACHE_PULL_FORECAST_REVINCLUDES; i++)
		p[n++] = (struct api_fhir_param){"_revinclude", cache_pull_forecast_revinclude[i]};
	struct vax_error err;
	return api_fhir_search_req(app_conn(a), "Patient", p, n, &err);
}

struct api_req *record_registry_forecast_req(struct app *a, struct record *r)
{
	if (!r->loaded || r->school || !app_conn(a) || app_offline(a) || app_unreachable(a) ||
	    !session_token(a->sess))
		return NULL;
	if (r->unsent) {
		/* the registry does not have it all yet: asked again once it does
		 * (the shot goes up first, not behind a forecast) */
		snprintf(r->fc_source, sizeof r->fc_source, "computed here (until what is new is sent)");
		return NULL;
	}
	if (record_registry_forecast_by_search(a, r))
		return forecast_search_req(a, r);
	const struct api_capability *cap = session_capability(a->sess);
	if (cap->known && !cap->immds)
		snprintf(r->fc_source, sizeof r->fc_source, "%s", no_immds);
	if (!cap->known || !cap->immds)
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

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211u;
	return h;
}

uint64_t record_forecast_key(const struct record *r)
{
	uint64_t h = 14695981039346656037u;
	vax_date today = app_today();
	h = fnv(h, r->cl.id, strlen(r->cl.id) + 1);
	h = fnv(h, &r->cl.dob, sizeof r->cl.dob);
	h = fnv(h, &r->cl.sex, sizeof r->cl.sex);
	h = fnv(h, &today, sizeof today);
	for (int i = 0; i < r->n_imms; i++) {
		const struct immunization *im = &r->imms[i];
		bool flags[3] = {im->refused, im->subpotent, im->entered_in_error};
		h = fnv(h, im->id, strlen(im->id) + 1);
		h = fnv(h, im->uuid, strlen(im->uuid) + 1);
		h = fnv(h, im->cvx, strlen(im->cvx) + 1);
		h = fnv(h, &im->date_given, sizeof im->date_given);
		h = fnv(h, flags, sizeof flags);
	}
	return h;
}

/* Take the registry's answer (Parameters as $immds-forecast has it). */
static bool take_answer(struct record *r, const cJSON *j, bool by_id)
{
	struct vax_error err;
	immds_answer_free(&r->reg);
	r->have_reg = j && immds_read_answer(j, &r->reg, &err);
	r->reg_by_id = by_id;
	return r->have_reg;
}

bool record_registry_forecast_apply(struct app *a, struct record *r, const char *params, bool by_id)
{
	(void)a;
	cJSON *j = params ? cJSON_Parse(params) : NULL;
	bool ok = take_answer(r, j, by_id);
	cJSON_Delete(j);
	if (ok)
		registry_evals(r);
	return ok;
}

bool record_registry_forecast_done(struct app *a, struct record *r, const struct api_result *res,
                                   bool searched, char **answer, bool *by_id_out)
{
	struct vax_error err;
	cJSON *j = NULL;
	bool by_id = false;
	struct api_bundle b;
	memset(&b, 0, sizeof b);
	if (res->cls == API_OK && api_fhir_read_bundle(res, &b, &err) && b.type &&
	    !strcmp(b.type, "searchset")) {
		/* the client's search with its forecast included */
		char *p = cache_pull_forecast_of(&b, r->cl.id);
		j = p ? cJSON_Parse(p) : NULL;
		free(p);
		by_id = true;
	} else if (res->cls == API_OK && !searched) {
		j = api_fhir_read_resource(res, "Parameters", &err);
	}
	/* a registry that refuses the search, or leaves the forecast out, is
	 * asked the other way from now on (what the caller does next) */
	if (searched && res->cls != API_OFFLINE && res->cls != API_AUTH && res->cls != API_CANCELLED)
		a->reg_forecast_search = j ? 1 : -1;
	api_bundle_free(&b);
	take_answer(r, j, by_id);
	*answer = r->have_reg ? cJSON_PrintUnformatted(j) : NULL;
	*by_id_out = by_id;
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
