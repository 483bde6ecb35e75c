/* cache/pull.c - see pull.h */
#include "cache/pull.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api/fhir_client.h"
#include "api/response.h"
#include "core/fhir.h"
#include "core/xalloc.h"

/* A FHIR id: [A-Za-z0-9-.]{1,64}. Anything else never reaches a URL. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.'))
			return false;
	return true;
}

struct api_req *cache_pull_req(struct api_conn *c, const char *rid, unsigned what, struct vax_error *err)
{
	if (!rid || !id_ok(rid)) {
		error_set(err, "CACHE-PULL-ID", "'%.80s' is not a registry client ID.", rid ? rid : "");
		return NULL;
	}
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "type", "batch");
	cJSON *entries = cJSON_AddArrayToObject(b, "entry");
	char url[4][160];
	snprintf(url[0], sizeof url[0], "Patient/%s", rid);
	snprintf(url[1], sizeof url[1], "RelatedPerson?patient=Patient/%s&_count=50", rid);
	snprintf(url[2], sizeof url[2], "Consent?patient=Patient/%s&_count=50", rid);
	snprintf(url[3], sizeof url[3], "Immunization?patient=Patient/%s&_count=%d", rid, CACHE_PULL_PAGE);
	int n = what & CACHE_PULL_DOSES ? 4 : 3;
	for (int i = 0; i < n; i++) {
		cJSON *ent = cJSON_CreateObject();
		cJSON_AddItemToArray(entries, ent);
		cJSON *req = cJSON_AddObjectToObject(ent, "request");
		cJSON_AddStringToObject(req, "method", "GET");
		cJSON_AddStringToObject(req, "url", url[i]);
	}
	struct api_req *r = api_fhir_bundle_req(c, b, err);
	cJSON_Delete(b);
	return r;
}

void cache_pulled_free(struct cache_pulled *p)
{
	if (p->imms) {
		OPENSSL_cleanse(p->imms, (size_t)p->n_imms * sizeof *p->imms);
		free(p->imms);
	}
	if (p->root)
		cJSON_Delete(p->root);
	cJSON_Delete(p->as_came);
	OPENSSL_cleanse(&p->client, sizeof p->client);
	memset(p, 0, sizeof *p);
}

/* The HTTP status of a batch entry ("200 OK" -> 200), 0 if none. */
static int entry_status(const cJSON *ent)
{
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(ent, "response");
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "status"));
	return st ? atoi(st) : 0;
}

/* A failed entry in the words a failed request would have. */
static void entry_error(const cJSON *ent, int status, enum api_class *cls, struct vax_error *err)
{
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(ent, "response");
	const cJSON *oo = cJSON_GetObjectItemCaseSensitive(resp, "outcome");
	if (!oo)
		oo = cJSON_GetObjectItemCaseSensitive(ent, "resource");
	char *text = oo ? cJSON_PrintUnformatted(oo) : NULL;
	struct api_result r = {
	    .body = text ? text : "", .body_len = text ? strlen(text) : 0, .retry_after = -1};
	if (status)
		api_classify_status(&r, status, false, NULL);
	else {
		r.cls = API_PROTOCOL;
		error_set(&r.err, "API-PROTO-ENTRY",
		          "The registry gave no status for a part of the client's read.");
	}
	free(text);
	*cls = r.cls;
	if (err)
		*err = r.err;
}

/* The resources of a searchset entry of the batch; NULL if it failed. */
static const cJSON *searchset(const cJSON *ent)
{
	int st = entry_status(ent);
	if (st < 200 || st > 299)
		return NULL;
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(ent, "resource");
	const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "resourceType"));
	return rt && !strcmp(rt, "Bundle") ? b : NULL;
}

static bool is_type(const cJSON *r, const char *type)
{
	const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "resourceType"));
	return rt && !strcmp(rt, type);
}

/* A resource read, kept aside until cache_pull_keep. */
static void came(struct cache_pulled *p, const cJSON *r)
{
	if (!p->as_came)
		p->as_came = cJSON_CreateArray();
	cJSON_AddItemToArray(p->as_came, cJSON_Duplicate(r, true));
}

void cache_pull_keep(struct cache_store *s, struct cache_pulled *p)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, p->as_came) cache_put_remote(s, r, NULL);
	cJSON_Delete(p->as_came);
	p->as_came = NULL;
}

/* One responsible person, one consent answer (the latest stands), one dose
 * into what was read, each kept as it came: the batch's searchsets and a
 * search's includes read them alike. */
static void add_resp(struct cache_pulled *p, const cJSON *r)
{
	struct client *c = &p->client;
	if (c->n_resp < CLIENT_RESP_MAX && is_type(r, "RelatedPerson") &&
	    fhir_related_person_from_json(r, &c->resp[c->n_resp], NULL, 0, NULL)) {
		c->n_resp++;
		came(p, r);
	}
}

static void no_consent(struct consent *best)
{
	memset(best, 0, sizeof *best);
	best->date = DATE_NONE;
}

static void add_consent(struct cache_pulled *p, const cJSON *r)
{
	struct consent cs, *best = &p->client.consent;
	if (is_type(r, "Consent") && fhir_consent_from_json(r, &cs, NULL, 0, NULL) &&
	    (!best->id[0] || cs.date >= best->date)) {
		*best = cs;
		came(p, r);
	}
}

static void add_dose(struct cache_pulled *p, const cJSON *r)
{
	if (!is_type(r, "Immunization"))
		return;
	p->imms_seen++;
	p->imms = xrealloc(p->imms, ((size_t)p->n_imms + 1) * sizeof *p->imms);
	struct immunization *im = &p->imms[p->n_imms];
	imm_init(im);
	if (fhir_immunization_from_json(r, im, NULL)) {
		p->n_imms++;
		came(p, r);
	}
}

/* The doses of a searchset into p, and its next link. */
static void read_doses(const cJSON *set, struct cache_pulled *p)
{
	const cJSON *e, *l;
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(set, "total");
	if (!p->have_imms)
		p->imms_total =
		    cJSON_IsNumber(total) && total->valuedouble >= 0 ? (long)total->valuedouble : -1;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(set, "entry"))
	    add_dose(p, cJSON_GetObjectItemCaseSensitive(e, "resource"));
	p->next[0] = '\0';
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(set, "link"))
	{
		const char *rel = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "relation"));
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "url"));
		if (rel && url && !strcmp(rel, "next") && strlen(url) < sizeof p->next)
			snprintf(p->next, sizeof p->next, "%s", url);
	}
	p->have_imms = true;
}

bool cache_pull_read(const struct api_result *res, struct cache_pulled *out, enum api_class *cls,
                     struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	out->imms_total = -1;
	client_init(&out->client);
	*cls = res->cls;
	if (res->cls != API_OK) {
		if (err)
			*err = res->err;
		return false;
	}
	out->root = api_json_parse(res->body, res->body_len, err);
	const cJSON *ents = out->root ? cJSON_GetObjectItemCaseSensitive(out->root, "entry") : NULL;
	if (!out->root || !is_type(out->root, "Bundle") || cJSON_GetArraySize(ents) < 3) {
		*cls = API_PROTOCOL;
		if (out->root)
			error_set(err, "API-PROTO-NOT-BUNDLE",
			          "The registry's answer to a client read is not a batch response.");
		return false;
	}
	const cJSON *pe = cJSON_GetArrayItem(ents, 0);
	int st = entry_status(pe);
	if (st < 200 || st > 299) {
		entry_error(pe, st, cls, err);
		return false;
	}
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(pe, "resource");
	if (!is_type(pat, "Patient") || !fhir_patient_from_json(pat, &out->client, err)) {
		*cls = API_PROTOCOL;
		if (err)
			snprintf(err->code, sizeof err->code, "API-PROTO-PATIENT");
		return false;
	}
	out->patient = pat;
	came(out, pat);
	if (!out->client.version[0]) {
		/* the version from the entry's ETag (W/"3") when meta has none */
		const cJSON *resp = cJSON_GetObjectItemCaseSensitive(pe, "response");
		const char *etag = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "etag"));
		struct api_result r = {.etag = etag ? etag : "", .body = ""};
		api_fhir_version(&r, NULL, out->client.version, sizeof out->client.version);
	}
	const cJSON *set = searchset(cJSON_GetArrayItem(ents, 1)), *e;
	if (set) {
		out->client.n_resp = 0;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(set, "entry"))
		    add_resp(out, cJSON_GetObjectItemCaseSensitive(e, "resource"));
		out->have_resp = true;
	}
	set = searchset(cJSON_GetArrayItem(ents, 2));
	if (set) {
		no_consent(&out->client.consent);
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(set, "entry"))
		    add_consent(out, cJSON_GetObjectItemCaseSensitive(e, "resource"));
		out->have_consent = true;
	}
	set = cJSON_GetArraySize(ents) > 3 ? searchset(cJSON_GetArrayItem(ents, 3)) : NULL;
	if (set)
		read_doses(set, out);
	return true;
}

bool cache_pull_complete(const struct cache_pulled *p, int stored_doses, char *why, size_t len)
{
	why[0] = '\0';
	if (!p->have_imms)
		snprintf(why, len, "the registry did not answer for this client's doses");
	else if (p->imms_total > p->imms_seen)
		snprintf(why, len, "the registry says this client has %ld dose%s but sent %d", p->imms_total,
		         p->imms_total == 1 ? "" : "s", p->imms_seen);
	else if (p->imms_seen == 0 && stored_doses > 0)
		snprintf(why, len, "the registry sent no doses, but %d were read from it before",
		         stored_doses);
	return !why[0];
}

/* Doses of the client in the store that came from the registry (have its id). */
static int registry_doses(struct cache_store *s, const char *rid)
{
	char key[CACHE_KEY_STR];
	struct immunization *imms = NULL;
	if (!cache_find_rid(s, rid, key))
		return 0;
	int n = cache_client_immunizations(s, key, &imms, NULL), k = 0;
	for (int i = 0; i < n; i++)
		k += imms[i].id[0] != '\0';
	if (n > 0) {
		OPENSSL_cleanse(imms, (size_t)n * sizeof *imms);
		free(imms);
	}
	return k;
}

/* The end of a pull: a history that does not add up is stored as never
 * read, and the outcome says why. */
static void check_complete(struct cache_store *s, const struct cache_pulled *p, int stored,
                           struct cache_pull_outcome *out)
{
	char why[VAX_ERROR_MSG_LEN - 64];
	if (cache_pull_complete(p, stored, why, sizeof why))
		return;
	out->history_unknown = true;
	snprintf(out->history_why, sizeof out->history_why, "History unknown: %s.", why);
	/* the client as stored (companions kept where their read failed),
	 * again with as_of 0: never read, so stale */
	char key[CACHE_KEY_STR];
	struct client *c = xmalloc(sizeof *c);
	if (cache_find_rid(s, p->client.id, key) && cache_get_client(s, key, c, NULL, NULL))
		cache_put_client(s, c, 0, NULL, NULL);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

bool cache_pull_read_page(const struct api_result *res, struct cache_pulled *p, struct vax_error *err)
{
	p->next[0] = '\0';
	if (res->cls != API_OK) {
		if (err)
			*err = res->err;
		return false;
	}
	cJSON *set = api_json_parse(res->body, res->body_len, err);
	if (!set || !is_type(set, "Bundle")) {
		if (set)
			error_set(err, "API-PROTO-NOT-BUNDLE",
			          "The registry's page of doses is not a Bundle.");
		cJSON_Delete(set);
		return false;
	}
	read_doses(set, p);
	cJSON_Delete(set);
	return true;
}

bool cache_pull_store(struct cache_store *s, struct cache_pulled *p, int64_t now, bool *kept, int *bad,
                      struct vax_error *err)
{
	cache_pull_keep(s, p);
	struct client *c = xmalloc(sizeof *c);
	*c = p->client;
	if (!p->have_resp || !p->have_consent) {
		/* a failed read keeps what the store had, rather than "none" */
		char key[CACHE_KEY_STR];
		struct client *old = xmalloc(sizeof *old);
		if (cache_find_rid(s, c->id, key) && cache_get_client(s, key, old, NULL, NULL)) {
			if (!p->have_resp) {
				memcpy(c->resp, old->resp, sizeof c->resp);
				c->n_resp = old->n_resp;
			}
			if (!p->have_consent)
				c->consent = old->consent;
		}
		OPENSSL_cleanse(old, sizeof *old);
		free(old);
	}
	bool ok = cache_put_client(s, c, now, kept, err);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
	if (bad)
		*bad = 0;
	for (int i = 0; ok && i < p->n_imms; i++) {
		struct immunization im = p->imms[i];
		if (!cache_put_immunization(s, &im, NULL, NULL) && bad)
			(*bad)++;
	}
	return ok;
}

/* ---- a client with the search that found it ------------------------------------ */

const char *const cache_pull_revinclude[CACHE_PULL_REVINCLUDES] = {
    "Immunization:patient", "RelatedPerson:patient", "Consent:patient"};

/* Did the registry honour every _revinclude? FHIR's self link names the
 * parameters a search was run with; one that ignored them leaves them
 * out, and its silence must not read as "no doses". */
static bool includes_honoured(const cJSON *root)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(root, "link"))
	{
		const char *rel = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "relation"));
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "url"));
		if (!rel || !url || strcmp(rel, "self"))
			continue;
		for (int i = 0; i < CACHE_PULL_REVINCLUDES; i++) {
			char plain[64], encoded[64];
			const char *v = cache_pull_revinclude[i];
			int type_len = (int)strcspn(v, ":");
			snprintf(plain, sizeof plain, "_revinclude=%s", v);
			snprintf(encoded, sizeof encoded, "_revinclude=%.*s%%3A%s", type_len, v,
			         v + type_len + 1);
			if (!strstr(url, plain) && !strstr(url, encoded))
				return false;
		}
		return true;
	}
	return false;
}

/* Does resource r (a dose, a responsible person, a consent) belong to
 * Patient/id ("Patient/id" or an absolute URL ending so)? */
static bool belongs_to(const cJSON *r, const char *id)
{
	const cJSON *pat = cJSON_GetObjectItemCaseSensitive(r, "patient");
	const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pat, "reference"));
	char want[VAX_ID_LEN + 16];
	snprintf(want, sizeof want, "Patient/%s", id);
	size_t n = ref ? strlen(ref) : 0, w = strlen(want);
	return n >= w && !strcmp(ref + n - w, want) && (n == w || ref[n - w - 1] == '/');
}

/* The clients this process has just read ahead (with a search, or while a
 * list was read), each good for one opening of its record; with the
 * registry's forecast of it where the search brought one. */
#define FRESH_MAX 64
static struct {
	char rid[VAX_ID_LEN];
	int64_t at;
	char *forecast; /* Parameters JSON, or NULL */
} fresh[FRESH_MAX];

static int fresh_slot(const char *rid)
{
	int slot = 0;
	for (int i = 0; i < FRESH_MAX; i++) {
		if (!strcmp(fresh[i].rid, rid))
			return i;
		if (fresh[i].at < fresh[slot].at)
			slot = i;
	}
	return slot;
}

static void note_fresh(const char *rid, int64_t now, char *forecast)
{
	int slot = fresh_slot(rid);
	free(fresh[slot].forecast);
	snprintf(fresh[slot].rid, sizeof fresh[slot].rid, "%s", rid);
	fresh[slot].at = now;
	fresh[slot].forecast = forecast;
}

void cache_pull_note_fresh(const char *rid, int64_t now)
{
	note_fresh(rid, now, NULL);
}

bool cache_pull_take_fresh(const char *rid, int64_t now, char **forecast)
{
	if (forecast)
		*forecast = NULL;
	for (int i = 0; rid[0] && i < FRESH_MAX; i++)
		if (!strcmp(fresh[i].rid, rid)) {
			bool ok = now - fresh[i].at < CACHE_PULL_FRESH_S;
			fresh[i].rid[0] = '\0';
			if (ok && forecast)
				*forecast = fresh[i].forecast;
			else
				free(fresh[i].forecast);
			fresh[i].forecast = NULL;
			return ok;
		}
	return false;
}

void cache_pull_forget_fresh(void)
{
	for (int i = 0; i < FRESH_MAX; i++) {
		free(fresh[i].forecast);
		memset(&fresh[i], 0, sizeof fresh[i]);
	}
}

const char *const cache_pull_forecast_revinclude[CACHE_PULL_FORECAST_REVINCLUDES] = {
    "ImmunizationRecommendation:patient", "ImmunizationEvaluation:patient"};

char *cache_pull_forecast_of(const struct api_bundle *b, const char *id)
{
	cJSON *params = NULL, *ps = NULL;
	bool rec = false;
	for (int k = 0; b->root && k < b->n; k++) {
		const struct api_entry *e = &b->entry[k];
		bool r = e->resource && !strcmp(e->resource_type, "ImmunizationRecommendation");
		bool ev = e->resource && !strcmp(e->resource_type, "ImmunizationEvaluation");
		if ((!r && !ev) || strcmp(e->mode, "include") || !belongs_to(e->resource, id))
			continue;
		if (!params) {
			params = cJSON_CreateObject();
			cJSON_AddStringToObject(params, "resourceType", "Parameters");
			ps = cJSON_AddArrayToObject(params, "parameter");
		}
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", r ? "recommendation" : "evaluation");
		cJSON_AddItemToObject(p, "resource", cJSON_Duplicate(e->resource, true));
		cJSON_AddItemToArray(ps, p);
		rec |= r;
	}
	char *out = rec ? cJSON_PrintUnformatted(params) : NULL;
	cJSON_Delete(params);
	return out;
}

int cache_pull_from_search(struct cache_store *s, const struct api_bundle *b, int64_t now, int *forecasts)
{
	if (forecasts)
		*forecasts = 0;
	if (!b->root || !b->type || strcmp(b->type, "searchset") || !includes_honoured(b->root))
		return 0;
	int stored = 0;
	for (int i = 0; i < b->n; i++) {
		const struct api_entry *m = &b->entry[i];
		if (!m->resource || strcmp(m->resource_type, "Patient") || strcmp(m->mode, "match") ||
		    !m->id[0])
			continue;
		struct cache_pulled *p = xcalloc(1, sizeof *p);
		client_init(&p->client);
		if (fhir_patient_from_json(m->resource, &p->client, NULL)) {
			came(p, m->resource);
			no_consent(&p->client.consent);
			p->client.n_resp = 0;
			for (int k = 0; k < b->n; k++) {
				const struct api_entry *e = &b->entry[k];
				if (!e->resource || strcmp(e->mode, "include") ||
				    !belongs_to(e->resource, m->id))
					continue;
				add_resp(p, e->resource);
				add_consent(p, e->resource);
				add_dose(p, e->resource);
			}
			/* the registry sends all of them or refuses the search */
			p->have_resp = p->have_consent = p->have_imms = true;
			if (cache_pull_store(s, p, now, NULL, NULL, NULL)) {
				char *fc = cache_pull_forecast_of(b, m->id);
				if (fc && forecasts)
					(*forecasts)++;
				note_fresh(m->id, now, fc);
				stored++;
			}
		}
		cache_pulled_free(p);
		free(p);
	}
	return stored;
}

/* ---- the whole pull ---------------------------------------------------------- */

struct cache_pull {
	struct cache_store *s;
	struct api_conn *c;
	struct api_req *req;
	cache_pull_fn done;
	void *arg;
	struct cache_pulled got;
	int stored;  /* doses already in the store */
	int before;  /* the client's registry doses the store held before this pull */
	bool paging; /* the client is in; pages of doses follow */
	struct cache_pull_outcome out;
};

/* Store the doses read since the last time. */
static void store_more(struct cache_pull *p, int64_t now)
{
	(void)now;
	cache_pull_keep(p->s, &p->got);
	for (; p->stored < p->got.n_imms; p->stored++) {
		struct immunization im = p->got.imms[p->stored];
		if (!cache_put_immunization(p->s, &im, NULL, NULL))
			p->out.bad++;
	}
	p->out.doses = p->got.n_imms;
}

/* The answer came: store it; true if another page is to be asked for. */
static bool pull_step(struct cache_pull *p, const struct api_result *res, bool first, int64_t now)
{
	struct vax_error err = {0};
	if (first) {
		if (!cache_pull_read(res, &p->got, &p->out.cls, &p->out.err))
			return false;
		p->before = registry_doses(p->s, p->got.client.id);
		if (!cache_pull_store(p->s, &p->got, now, &p->out.kept, &p->out.bad, &err)) {
			p->out.cls = API_LOCAL;
			p->out.err = err;
			return false;
		}
		p->stored = p->got.n_imms;
		p->out.doses = p->got.n_imms;
		p->out.cls = API_OK;
	} else if (!cache_pull_read_page(res, &p->got, &err)) {
		/* the client and the doses so far are stored; the rest later */
		p->out.cls = res->cls == API_OK ? API_PROTOCOL : res->cls;
		p->out.err = err;
		return false;
	} else {
		store_more(p, now);
	}
	if (p->got.next[0])
		return true;
	check_complete(p->s, &p->got, p->before, &p->out);
	return false;
}

static struct api_req *next_page(struct cache_pull *p)
{
	struct api_bundle nb = {.next = p->got.next};
	struct vax_error err;
	struct api_req *r = api_fhir_next_req(p->c, &nb, &err);
	if (!r) {
		p->out.cls = API_LOCAL;
		p->out.err = err;
	}
	return r;
}

static void on_answer(struct api_req *req, const struct api_result *res, void *arg)
{
	struct cache_pull *p = arg;
	bool first = !p->paging;
	p->paging = true;
	if (pull_step(p, res, first, (int64_t)time(NULL))) {
		struct api_req *r = next_page(p);
		if (r && api_req_send(r, on_answer, p)) {
			/* the old request holds res for this call: free it after */
			p->req = r;
			api_req_free(req);
			return;
		}
		api_req_free(r);
	}
	p->req = NULL;
	p->done(p, res, &p->out, p->arg);
	/* the callback may have freed p; req is ours still */
	api_req_free(req);
}

struct cache_pull *cache_pull_start(struct cache_store *s, struct api_conn *c, const char *rid,
                                    cache_pull_fn done, void *arg, struct vax_error *err)
{
	struct api_req *r = cache_pull_req(c, rid, CACHE_PULL_DOSES, err);
	if (!r)
		return NULL;
	struct cache_pull *p = xcalloc(1, sizeof *p);
	p->s = s;
	p->c = c;
	p->done = done;
	p->arg = arg;
	p->req = r;
	p->out.cls = API_CANCELLED;
	if (!api_req_send(r, on_answer, p)) {
		error_set(err, "API-LOCAL", "The client's read could not be sent.");
		api_req_free(r);
		free(p);
		return NULL;
	}
	return p;
}

void cache_pull_free(struct cache_pull *p)
{
	if (!p)
		return;
	api_req_free(p->req);
	cache_pulled_free(&p->got);
	free(p);
}

bool cache_pull_run(struct cache_store *s, struct api_conn *c, const char *rid, int timeout_ms,
                    struct cache_pull_outcome *out)
{
	struct cache_pull p = {.s = s, .c = c};
	p.out.cls = API_CANCELLED;
	struct api_req *r = cache_pull_req(c, rid, CACHE_PULL_DOSES, &p.out.err);
	if (!r)
		p.out.cls = API_LOCAL;
	for (bool first = true; r; first = false) {
		const struct api_result *res = api_req_wait(r, timeout_ms);
		bool more = pull_step(&p, res, first, (int64_t)time(NULL));
		api_req_free(r);
		r = more ? next_page(&p) : NULL;
	}
	cache_pulled_free(&p.got);
	*out = p.out;
	return out->cls == API_OK && out->bad == 0;
}
