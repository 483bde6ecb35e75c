/* registry/include.c - _revinclude on Patient searches: the doses,
 * responsible persons and consent of the clients found, in the same
 * searchset (search.mode "include"), so a client's record comes with the
 * search that found it: one round trip where a slow link paid four.
 *
 * What is taken: Immunization:patient, RelatedPerson:patient,
 * Consent:patient, and the registry's forecast of each client found:
 * ImmunizationRecommendation:patient and ImmunizationEvaluation:patient, as
 * POST /$immds-forecast would answer for the doses the registry holds, as
 * of today. Those are computed, not stored: they come with no id and no
 * fullUrl (nothing to read back). Anything else is a 400 naming what is. Every included
 * resource of every client on the page comes, or none does: past
 * REG_INCLUDED_MAX the search is refused as too costly rather than cut,
 * since a client reading a cut history would take missing doses for
 * doses never given. The self link carries the _revinclude parameters, so
 * a client can tell they were honoured (FHIR: the self link says what was
 * processed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forecast/immds.h"
#include "registry/routes_int.h"

static const char *const supported[] = {"Immunization:patient", "RelatedPerson:patient", "Consent:patient",
                                        "ImmunizationRecommendation:patient",
                                        "ImmunizationEvaluation:patient"};
#define N_SUPPORTED (sizeof supported / sizeof *supported)

bool reg_revinclude_parse(struct ctx *x, const char *type, const char *v, struct reg_search *s)
{
	for (size_t i = 0; i < N_SUPPORTED; i++) {
		if (strcmp(v, supported[i]) || strcmp(type, "Patient"))
			continue;
		for (int k = 0; k < s->n_revinclude; k++)
			if (!strcmp(s->revinclude[k], v))
				return true;
		s->revinclude[s->n_revinclude++] = supported[i];
		return true;
	}
	char msg[300];
	snprintf(msg, sizeof msg,
	         "Search parameter '_revinclude': %.60s is not taken here; a Patient search takes "
	         "Immunization:patient, RelatedPerson:patient, Consent:patient, "
	         "ImmunizationRecommendation:patient and ImmunizationEvaluation:patient.",
	         v);
	reg_reply_oo(x->rs, 400, "not-supported", "SEARCH-PARAM", msg, "_revinclude");
	return false;
}

static void too_costly(struct ctx *x)
{
	char msg[200];
	snprintf(msg, sizeof msg,
	         "The clients found have more than %d records to include; search for fewer "
	         "clients or leave out _revinclude.",
	         REG_INCLUDED_MAX);
	reg_reply_oo(x->rs, 400, "too-costly", "SEARCH-INCLUDE", msg, "_revinclude");
}

/* (url NULL: a resource computed for this answer has no identity to name;
 * FHIR leaves fullUrl out for those) */
static void add_entry(cJSON *entries, const char *url, cJSON *r)
{
	cJSON *e = cJSON_CreateObject();
	if (url)
		cJSON_AddStringToObject(e, "fullUrl", url);
	cJSON_AddItemToObject(e, "resource", r);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "search"), "mode", "include");
	cJSON_AddItemToArray(entries, e);
}

/* The resources of type that point at Patient/pid, appended to entries;
 * -1 after replying (too costly, or the store failed). */
static int add_for(struct ctx *x, const char *type, const char *pid, cJSON *entries, int room)
{
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = type;
	char ref[100];
	snprintf(ref, sizeof ref, "Patient/%s", pid);
	reg_search_cond(&s, SC_TERM, "patient", ref, NULL);
	if (reg_owner_scoped(type))
		reg_search_cond(&s, SC_OWNER, NULL, x->ss.org, NULL);
	s.q.count = room + 1; /* one more than fits tells that it does not */
	struct store_res *res = calloc((size_t)s.q.count, sizeof *res);
	char(*ids)[65] = calloc((size_t)s.q.count, sizeof *ids);
	long total = 0;
	struct vax_error err = {0};
	int n = res && ids ? store_search(reg_store(x->a), &s.q, res, ids, &total, &err) : -1;
	if (n < 0 || n > room) {
		for (int i = 0; i < n; i++)
			store_res_free(&res[i]);
		free(res);
		free(ids);
		if (n < 0)
			reg_reply_err(x->rs, &err);
		else
			too_costly(x);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		cJSON *r = res[i].json ? cJSON_Parse(res[i].json) : NULL;
		store_res_free(&res[i]);
		if (!r)
			continue;
		char url[512];
		snprintf(url, sizeof url, "%s/%s/%s", x->rq->base ? x->rq->base : "", type, ids[i]);
		add_entry(entries, url, r);
	}
	store_audit_many(reg_store(x->a), x->ss.username, x->ss.org, "search", type, (const char(*)[65])ids,
	                 n, x->rq->now, NULL);
	free(res);
	free(ids);
	return n;
}

/* The $immds-forecast request for Patient/pid over the doses the registry
 * holds (those the searcher may see, as the Immunization include has
 * them), as of today; NULL if the client cannot be read (err set, or not
 * found: err->code ""). */
static cJSON *forecast_request(struct ctx *x, const char *pid, struct vax_error *err)
{
	struct store_res pr;
	if (store_read(reg_store(x->a), "Patient", pid, 0, &pr, err) != 1)
		return NULL;
	cJSON *patient = pr.json ? cJSON_Parse(pr.json) : NULL;
	store_res_free(&pr);
	if (!patient)
		return NULL;
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = "Immunization";
	char ref[100];
	snprintf(ref, sizeof ref, "Patient/%s", pid);
	reg_search_cond(&s, SC_TERM, "patient", ref, NULL);
	if (reg_owner_scoped("Immunization"))
		reg_search_cond(&s, SC_OWNER, NULL, x->ss.org, NULL);
	s.q.count = IMMDS_MAX_IMMUNIZATIONS;
	struct store_res *res = calloc((size_t)s.q.count, sizeof *res);
	char(*ids)[65] = calloc((size_t)s.q.count, sizeof *ids);
	long total = 0;
	int n = res && ids ? store_search(reg_store(x->a), &s.q, res, ids, &total, err) : -1;
	cJSON *params = NULL;
	if (n >= 0) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "resourceType", "Parameters");
		cJSON *ps = cJSON_AddArrayToObject(params, "parameter");
		struct tm tm;
		time_t now = (time_t)x->rq->now;
		localtime_r(&now, &tm);
		char today[DATE_ISO_LEN];
		date_format_iso(date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), today);
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", "assessmentDate");
		cJSON_AddStringToObject(p, "valueDate", today);
		cJSON_AddItemToArray(ps, p);
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", "patient");
		cJSON_AddItemToObject(p, "resource", patient);
		patient = NULL;
		cJSON_AddItemToArray(ps, p);
		for (int i = 0; i < n; i++) {
			cJSON *r = res[i].json ? cJSON_Parse(res[i].json) : NULL;
			if (!r)
				continue;
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", "immunization");
			cJSON_AddItemToObject(p, "resource", r);
			cJSON_AddItemToArray(ps, p);
		}
	}
	for (int i = 0; i < (n > 0 ? n : 0); i++)
		store_res_free(&res[i]);
	free(res);
	free(ids);
	cJSON_Delete(patient);
	return params;
}

/* Is the forecast's parameter p one the search asked for? */
static bool forecast_wanted(const cJSON *p, bool rec, bool evals)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
	return name && ((rec && !strcmp(name, "recommendation")) || (evals && !strcmp(name, "evaluation")));
}

/* The registry's forecast of Patient/pid: what the search asked of it
 * (recommendation, evaluations) appended to entries; the number added, -1
 * after replying. A registry without CDSi data adds nothing (its
 * CapabilityStatement names no $immds-forecast either). */
static int add_forecast(struct ctx *x, const char *pid, bool rec, bool evals, cJSON *entries, int room)
{
	const struct cdsi_data *d = reg_cfg(x->a)->cdsi;
	if (!d)
		return 0;
	struct vax_error err = {0};
	cJSON *req = forecast_request(x, pid, &err);
	if (!req) {
		if (!err.code[0])
			return 0; /* gone since the search: nothing to forecast */
		reg_reply_err(x->rs, &err);
		return -1;
	}
	cJSON *out = immds_forecast(d, req, &err);
	cJSON_Delete(req);
	if (!out)
		return 0; /* a record the engine cannot read: the client asks on its own and is told why */
	int added = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(out, "parameter")) added +=
	    forecast_wanted(p, rec, evals);
	if (added > room) {
		cJSON_Delete(out);
		too_costly(x);
		return -1;
	}
	cJSON *ps = cJSON_GetObjectItemCaseSensitive(out, "parameter");
	for (cJSON *q = ps ? ps->child : NULL; q; q = q->next) {
		if (!forecast_wanted(q, rec, evals))
			continue;
		cJSON *r = cJSON_DetachItemFromObjectCaseSensitive(q, "resource");
		if (!r)
			continue;
		/* no fullUrl: a made-up urn:uuid, new at each answer, named
		 * nothing and cost 27 bytes of gzip per entry on a slow link */
		add_entry(entries, NULL, r);
	}
	cJSON_Delete(out);
	reg_audit(x, "forecast", "Patient", pid);
	return added;
}

bool reg_revinclude_add(struct ctx *x, const struct reg_search *s, const char (*ids)[65], int n,
                        cJSON *entries)
{
	int room = REG_INCLUDED_MAX;
	bool rec = false, evals = false;
	for (int k = 0; k < s->n_revinclude; k++) {
		char type[32];
		snprintf(type, sizeof type, "%.*s", (int)strcspn(s->revinclude[k], ":"), s->revinclude[k]);
		bool r = !strcmp(type, "ImmunizationRecommendation"),
		     e = !strcmp(type, "ImmunizationEvaluation");
		if (r || e) {
			/* one forecast per client gives both */
			rec |= r;
			evals |= e;
			continue;
		}
		for (int i = 0; i < n; i++) {
			int got = add_for(x, type, ids[i], entries, room);
			if (got < 0)
				return false;
			room -= got;
		}
	}
	if ((rec || evals) && n > REG_FORECASTS_MAX) {
		/* each is a CDSi run: a page of a thousand would hold a server */
		char msg[200];
		snprintf(msg, sizeof msg,
		         "The registry computes the forecast of at most %d clients per page; ask "
		         "_count=%d or fewer, or leave out the forecast's _revinclude.",
		         REG_FORECASTS_MAX, REG_FORECASTS_MAX);
		reg_reply_oo(x->rs, 400, "too-costly", "SEARCH-INCLUDE", msg, "_revinclude");
		return false;
	}
	for (int i = 0; (rec || evals) && i < n; i++) {
		int got = add_forecast(x, ids[i], rec, evals, entries, room);
		if (got < 0)
			return false;
		room -= got;
	}
	return true;
}
