/* tui/screen_results.c - the clients a search found, and the searches
 * themselves (Quick, Basic and Smart search send them from here).
 *
 * Online a search is one request through the api pump (never on the input
 * path); the list keeps every page it has fetched, so scrolling back never
 * asks again, and the next page is asked for only when the selection
 * reaches the end of what is held. Offline the same questions go to the
 * encrypted local store (blind-index search, the registry's own matcher
 * for Smart search) and the screen says how old those records are.
 *
 * Add Client opens from here only: a client is created after a search
 * (search-before-create), with what was typed pre-filled. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/fhir_client.h"
#include "cache/pull.h"
#include "cache/sync.h"
#include "core/date.h"
#include "core/fhir.h"
#include "core/match.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "tui/tui.h"

#define PAGE_COUNT 20
#define WHY_SHOWN  4

struct hit {
	char ref[CACHE_KEY_STR > VAX_ID_LEN ? CACHE_KEY_STR : VAX_ID_LEN]; /* registry id or row key */
	char name[200];
	char dob[DATE_US_LEN];
	char sex[4];
	char place[96];
	char grade[16]; /* Smart search: certain, probable, possible */
	double score;   /* -1: none */
	int n_why;
	char why[WHY_SHOWN][MATCH_WHY_LEN];
};

struct results_view {
	struct app *app;
	enum search_kind kind;
	struct client query; /* what was typed, for Add Client and the reasons */
	char phone[16];      /* Basic search: digits, checked on each hit */
	char maiden[VAX_NAME_LEN];
	bool open_single; /* an exact hit opens the record */
	struct hit *hits;
	int n, cap;
	long total;             /* the registry's total, -1 if unknown */
	struct api_bundle last; /* the last page: its next link */
	bool have_last;
	struct api_req *req;
	bool busy, first_page;
	bool offline;   /* these results came from the local store */
	int64_t oldest; /* offline: the oldest copy's as-of, Unix seconds */
	int sel, top;
	bool open_first;             /* the exact hit opens as soon as this screen is up */
	bool no_match;               /* Smart search asked, a registry without $match: searched instead */
	bool cap_wait;               /* Smart search waits to know whether the registry has $match */
	char cap_rid[VAX_ID_LEN];    /* ... and then runs with these */
	bool uuid_own;               /* a UUID found no registry id: asked again as the record's own UUID */
	bool batched;                /* the first page asked with the lots (search_req) */
	char *search_path;           /* ... and the search alone, should the batch be refused */
	struct cache_pull *prefetch; /* the first hit's record, read while the list is read */
	char prefetch_rid[VAX_ID_LEN];
	char error[VAX_ERROR_MSG_LEN];
};

static void hits_clear(struct results_view *v)
{
	free(v->hits);
	v->hits = NULL;
	v->n = v->cap = 0;
	v->sel = v->top = 0;
	if (v->have_last)
		api_bundle_free(&v->last);
	v->have_last = false;
	v->total = -1;
	v->error[0] = '\0';
}

static struct hit *hit_add(struct results_view *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 32;
		v->hits = xrealloc(v->hits, (size_t)v->cap * sizeof *v->hits);
	}
	struct hit *h = &v->hits[v->n++];
	memset(h, 0, sizeof *h);
	h->score = -1;
	return h;
}

static void digits_only(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (; *in && n + 1 < cap; in++)
		if (*in >= '0' && *in <= '9')
			out[n++] = *in;
	out[n] = '\0';
}

/* Basic search asks for a phone and mother's maiden name the registry has
 * no search parameter for: those are checked on each client found. */
static bool extra_ok(const struct results_view *v, const struct client *c)
{
	if (v->phone[0]) {
		bool any = false;
		for (int i = 0; i < c->n_phone && !any; i++) {
			char d[16];
			digits_only(c->phone[i].number, d, sizeof d);
			any = !strcmp(d, v->phone);
		}
		if (!any)
			return false;
	}
	if (v->maiden[0]) {
		char a[VAX_NAME_LEN], b[VAX_NAME_LEN];
		text_fold(v->maiden, a, sizeof a);
		text_fold(c->mother_maiden, b, sizeof b);
		if (strcmp(a, b))
			return false;
	}
	return true;
}

static void hit_fill(struct hit *h, const struct client *c)
{
	snprintf(h->name, sizeof h->name, "%.60s, %.60s%s%.60s", c->name.family, c->name.given,
	         c->name.middle[0] ? " " : "", c->name.middle);
	date_format_us(c->dob, h->dob);
	snprintf(h->sex, sizeof h->sex, "%s", c->sex ? client_sex_code(c->sex) : "");
	if (c->n_addr)
		snprintf(h->place, sizeof h->place, "%.60s %.10s", c->addr[0].city, c->addr[0].zip);
}

static void hit_reasons(struct hit *h, const struct match_result *r)
{
	h->n_why = r->n_why < WHY_SHOWN ? r->n_why : WHY_SHOWN;
	for (int i = 0; i < h->n_why; i++)
		snprintf(h->why[i], sizeof h->why[i], "%s", r->why[i]);
}

/* ---- what happens when the first page is in --------------------------- */

static void first_page_done(struct app *a, struct results_view *v)
{
	v->first_page = false;
	app_dirty(a, DIRTY_SCREEN);
	if (v->error[0])
		return;
	if (v->n == 0) {
		char key[KEY_NAME_LEN];
		draw_short_key(a, KEYMAP_RESULTS, 0, ACTION_ADD_CLIENT, key, sizeof key);
		if (app_action_allowed(a, ACTION_ADD_CLIENT) && key[0])
			app_message(a, MSG_INFO, "No client matched. Press %s to add a new client.", key);
		else
			app_message(a, MSG_INFO, "No client matched.");
		return;
	}
	bool exact = false;
	if (v->kind == SEARCH_SMART)
		exact = !strcmp(v->hits[0].grade, "certain") &&
		        (v->n == 1 || strcmp(v->hits[1].grade, "certain"));
	else
		exact = v->open_single && v->n == 1 && v->total <= 1;
	if (exact) {
		app_message(a, MSG_INFO, "Exact match: opening the client.");
		/* over this list, once it is on the stack */
		if (app_top_screen(a)->data == v)
			app_open(a, SCREEN_CLIENT, v->hits[0].ref);
		else
			v->open_first = true;
	}
}

/* ---- offline: the local store ------------------------------------------ */

static void offline_note(struct results_view *v, int64_t as_of)
{
	if (as_of > 0 && (v->oldest == 0 || as_of < v->oldest))
		v->oldest = as_of;
}

static bool prefix_of(const char *typed, const char *name)
{
	char a[VAX_NAME_LEN], b[VAX_NAME_LEN];
	text_fold(typed, a, sizeof a);
	text_fold(name, b, sizeof b);
	return !strncmp(a, b, strlen(a));
}

static void run_offline(struct app *a, struct results_view *v, const char *rid)
{
	v->offline = true;
	v->oldest = 0;
	struct cache_store *store = app_store(a);
	if (!store) {
		snprintf(v->error, sizeof v->error,
		         "The local store is not open: log in again to search it.");
		first_page_done(a, v);
		return;
	}
	struct vax_error err;
	if (v->kind == SEARCH_SMART) {
		struct cache_match *m = xcalloc(50, sizeof *m);
		int n = cache_match_search(store, &v->query, m, 50, &err);
		if (n < 0)
			snprintf(v->error, sizeof v->error, "%s", err.message);
		for (int i = 0; i < n; i++) {
			struct client c;
			int64_t as_of = 0;
			if (!cache_get_client(store, m[i].key, &c, &as_of, NULL))
				continue;
			offline_note(v, as_of);
			struct hit *h = hit_add(v);
			snprintf(h->ref, sizeof h->ref, "%.*s", (int)sizeof h->ref - 1, m[i].key);
			hit_fill(h, &c);
			h->score = m[i].r.score;
			snprintf(h->grade, sizeof h->grade, "%s", match_grade_code(m[i].r.grade));
			hit_reasons(h, &m[i].r);
		}
		free(m);
		v->total = v->n;
		first_page_done(a, v);
		return;
	}
	char(*keys)[CACHE_KEY_STR] = xcalloc(500, sizeof *keys);
	int n = 0;
	if (rid) {
		/* the registry's own id, else an identifier printed on a card
		 * (the blind index holds "TYPE|value") */
		static const char *types[] = {"MR", "SR", "PI", "PT"};
		n = cache_find_rid(store, rid, keys[0]) ? 1 : 0;
		/* a record's own UUID is its row key here */
		struct client probe;
		if (!n && uuid_valid(rid) && cache_get_client(store, rid, &probe, NULL, NULL)) {
			snprintf(keys[0], sizeof keys[0], "%s", rid);
			n = 1;
		}
		for (size_t t = 0; t < sizeof types / sizeof types[0] && n == 0; t++) {
			char ident[VAX_ID_LEN + 8];
			snprintf(ident, sizeof ident, "%s|%.*s", types[t], VAX_ID_LEN - 1, rid);
			struct cache_query q = {.ident = ident, .dob = DATE_NONE};
			n = cache_search(store, &q, keys, 500, &err);
			if (n < 0)
				n = 0;
		}
	} else {
		/* the blind index holds whole names and the first three letters:
		 * ask for the three, then keep the names that start as typed */
		char f3[VAX_NAME_LEN] = "";
		text_fold(v->query.name.family, f3, sizeof f3);
		f3[3] = '\0';
		struct cache_query q = {.family = f3[0] ? v->query.name.family : NULL,
		                        .family_prefix = true,
		                        .dob = v->query.dob};
		n = cache_search(store, &q, keys, 500, &err);
		if (n < 0)
			snprintf(v->error, sizeof v->error, "%s", err.message);
	}
	for (int i = 0; i < n; i++) {
		struct client c;
		int64_t as_of = 0;
		if (!cache_get_client(store, keys[i], &c, &as_of, NULL))
			continue;
		if (!rid) {
			if (v->query.name.family[0] && !prefix_of(v->query.name.family, c.name.family))
				continue;
			if (v->query.name.given[0] && !prefix_of(v->query.name.given, c.name.given))
				continue;
			if (v->query.sex && c.sex != v->query.sex)
				continue;
			if (v->query.n_addr && v->query.addr[0].zip[0] &&
			    (!c.n_addr || strncmp(c.addr[0].zip, v->query.addr[0].zip, 5)))
				continue;
			if (!extra_ok(v, &c))
				continue;
		}
		offline_note(v, as_of);
		struct hit *h = hit_add(v);
		snprintf(h->ref, sizeof h->ref, "%.*s", (int)sizeof h->ref - 1, keys[i]);
		hit_fill(h, &c);
	}
	free(keys);
	v->total = v->n;
	first_page_done(a, v);
}

/* ---- online: the registry ---------------------------------------------- */

static void send(struct app *a, struct results_view *v, struct api_req *r);

static void prefetched(struct cache_pull *p, const struct api_result *res,
                       const struct cache_pull_outcome *out, void *arg)
{
	struct results_view *v = arg;
	app_note_result(v->app, res);
	if (out->cls == API_OK && !out->kept)
		cache_pull_note_fresh(v->prefetch_rid, (int64_t)time(NULL));
	cache_pull_free(p);
	v->prefetch = NULL;
}

/* Without the records in the list's answer, the first one is read now,
 * while the list is read: opening it then costs no round trip. */
static void prefetch(struct app *a, struct results_view *v)
{
	struct cache_store *st = app_store(a);
	if (!st || v->n == 0 || v->prefetch || v->open_first || app_top_screen(a)->data != v)
		return;
	struct vax_error err;
	snprintf(v->prefetch_rid, sizeof v->prefetch_rid, "%s", v->hits[0].ref);
	v->prefetch = cache_pull_start(st, app_conn(a), v->prefetch_rid, prefetched, v, &err);
}

/* A search sent with the lots (search_req): the lots to app_lots, the
 * search's own answer back. A registry that takes no batch is asked the
 * search alone, now and from then on (NULL: sent again). */
static const struct api_result *unbatch(struct app *a, struct results_view *v, const struct api_result *res,
                                        struct api_result *one, char **owned)
{
	struct api_result lots;
	char *lots_body = NULL;
	if (api_fhir_batch_entry(res, 1, &lots, &lots_body, NULL))
		app_lots_take(a, &lots);
	free(lots_body);
	if (api_fhir_batch_entry(res, 0, one, owned, NULL))
		return one;
	bool refused = res->cls == API_OK || res->cls == API_REJECTED || res->cls == API_NOT_FOUND ||
	               (res->cls == API_SERVER && res->status == 501);
	if (!refused)
		return res; /* offline, the session ended...: as a search alone would */
	a->no_batch = true;
	struct vax_error err;
	send(a, v, api_fhir_get_req(app_conn(a), v->search_path, &err));
	if (!v->req) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		first_page_done(a, v);
	}
	return NULL;
}

static void page_take(struct api_req *req, const struct api_result *res, struct results_view *v);

static void page_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct results_view *v = arg;
	struct app *a = v->app;
	v->busy = false;
	v->req = NULL;
	app_note_result(a, res);
	struct api_result one;
	char *owned = NULL;
	if (v->batched) {
		v->batched = false;
		res = unbatch(a, v, res, &one, &owned);
		if (!res) {
			api_req_free(req);
			return;
		}
	}
	page_take(req, res, v);
	free(owned);
}

static void page_take(struct api_req *req, const struct api_result *res, struct results_view *v)
{
	struct app *a = v->app;
	app_dirty(a, DIRTY_SCREEN);
	a->msg[0] = '\0';
	bool first = v->first_page;
	if (cache_sync_is_offline(res) && first) {
		api_req_free(req);
		app_message(a, MSG_INFO, "The registry cannot be reached: searching the local store.");
		run_offline(a, v, v->kind == SEARCH_QUICK && v->query.id[0] ? v->query.id : NULL);
		return;
	}
	struct api_bundle b;
	memset(&b, 0, sizeof b);
	struct vax_error err;
	if (!api_fhir_read_bundle(res, &b, &err)) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		api_bundle_free(&b);
		api_req_free(req);
		if (first)
			first_page_done(a, v);
		return;
	}
	/* a UUID that is no registry id may be the record's own UUID */
	if (first && b.n == 0 && !v->uuid_own && v->kind == SEARCH_QUICK && uuid_valid(v->query.id)) {
		api_bundle_free(&b);
		api_req_free(req);
		v->uuid_own = true;
		char ident[VAX_ID_LEN + 40];
		snprintf(ident, sizeof ident, "urn:ietf:rfc:3986|urn:uuid:%s", v->query.id);
		struct api_fhir_param p[] = {{"identifier", ident}};
		struct api_req *r = api_fhir_search_req(app_conn(a), "Patient", p, 1, &err);
		if (r)
			send(a, v, r);
		else
			first_page_done(a, v);
		return;
	}
	if (v->have_last)
		api_bundle_free(&v->last);
	v->last = b;
	v->have_last = true;
	if (b.total >= 0)
		v->total = b.total;
	for (int i = 0; i < b.n; i++) {
		const struct api_entry *e = &b.entry[i];
		if (!e->resource || strcmp(e->resource_type, "Patient") || !strcmp(e->mode, "outcome"))
			continue;
		struct client c;
		if (!fhir_patient_from_json(e->resource, &c, NULL))
			continue;
		if (v->kind == SEARCH_BASIC && !extra_ok(v, &c))
			continue;
		struct hit *h = hit_add(v);
		snprintf(h->ref, sizeof h->ref, "%.*s", (int)sizeof h->ref - 1, e->id);
		hit_fill(h, &c);
		if (v->kind == SEARCH_SMART) {
			struct match_result r;
			/* the registry's grade and score; the reasons in words come
			 * from the same comparators, run here on what it sent */
			match_score(&v->query, &c, &r);
			h->score = e->score >= 0 ? e->score : r.score;
			snprintf(h->grade, sizeof h->grade, "%s",
			         e->match_grade[0] ? e->match_grade : match_grade_code(r.grade));
			hit_reasons(h, &r);
		}
	}
	api_req_free(req);
	if (first) {
		/* the records that came with the list (_revinclude) go in the
		 * store first, so the one that opens now is there */
		int forecasts = 0;
		bool records = app_store(a) && cache_pull_from_search(app_store(a), &v->last,
		                                                      (int64_t)time(NULL), &forecasts) > 0;
		if (forecasts)
			a->reg_forecast_search = 1;
		else if (records && v->kind == SEARCH_BASIC && record_registry_forecast_wanted(a))
			a->reg_forecast_search = -1; /* asked, and left out */
		first_page_done(a, v);
		if (!records)
			prefetch(a, v);
	}
}

static void send(struct app *a, struct results_view *v, struct api_req *r)
{
	if (!r)
		return;
	v->req = r;
	v->busy = api_req_send(r, page_done, v);
	if (!v->busy) {
		api_req_free(r);
		v->req = NULL;
		snprintf(v->error, sizeof v->error, "The search could not be sent.");
	} else {
		app_message(a, MSG_INFO, "Searching...");
	}
}

/* A provider's search while the lots are old carries their read in the
 * same request (a batch Bundle of the two GETs): the shot form that often
 * follows the record opens with them, a round trip and its headers saved. */
static struct api_req *search_req(struct app *a, struct results_view *v, const struct api_fhir_param *p,
                                  int n, struct vax_error *err)
{
	free(v->search_path);
	v->search_path = api_fhir_search_path("Patient", p, n, err);
	v->batched = false;
	if (!v->search_path)
		return NULL;
	char *lots = !a->no_batch && app_lots_due(a) ? app_lots_path(a) : NULL;
	struct api_req *r = NULL;
	if (lots) {
		const char *paths[2] = {v->search_path, lots};
		r = api_fhir_batch_get_req(app_conn(a), paths, 2, err);
		v->batched = r != NULL;
		free(lots);
	}
	return r ? r : api_fhir_get_req(app_conn(a), v->search_path, err);
}

static bool want_offline(const struct app *a)
{
	return app_offline(a) || app_unreachable(a) || !session_token(a->sess);
}

/* Run a search: the registry, or the local store when offline. */
static void search_run(struct app *a, struct results_view *v, enum search_kind kind,
                       const struct client *query, const char *rid, const char *phone, bool open_single)
{
	hits_clear(v);
	v->kind = kind;
	v->query = *query;
	if (rid)
		snprintf(v->query.id, sizeof v->query.id, "%s", rid);
	digits_only(phone ? phone : "", v->phone, sizeof v->phone);
	snprintf(v->maiden, sizeof v->maiden, "%s", kind == SEARCH_BASIC ? query->mother_maiden : "");
	v->open_single = open_single;
	v->first_page = true;
	v->offline = false;
	if (want_offline(a)) {
		run_offline(a, v, rid);
		return;
	}
	struct vax_error err;
	struct api_req *r = NULL;
	const struct api_capability *cap = session_capability(a->sess);
	if (kind == SEARCH_SMART && cap->known && !cap->match) {
		/* the registry offers no matching: a search on the same fields */
		kind = v->kind = SEARCH_BASIC;
		v->no_match = true;
	}
	if (kind == SEARCH_SMART) {
		cJSON *p = fhir_patient_to_json(query);
		r = api_fhir_match_req(app_conn(a), p, PAGE_COUNT, false, &err);
		cJSON_Delete(p);
	} else {
		struct api_fhir_param p[8 + CACHE_PULL_REVINCLUDES + CACHE_PULL_FORECAST_REVINCLUDES];
		int n = 0;
		char count[16], dob[DATE_ISO_LEN];
		snprintf(count, sizeof count, "%d", PAGE_COUNT);
		if (rid && uuid_valid(rid)) {
			p[n++] = (struct api_fhir_param){"_id", rid}; /* the registry's id */
		} else if (rid) {
			p[n++] = (struct api_fhir_param){"identifier", rid};
		} else {
			if (query->name.family[0])
				p[n++] = (struct api_fhir_param){"family", query->name.family};
			if (query->name.given[0])
				p[n++] = (struct api_fhir_param){"given", query->name.given};
			if (query->dob != DATE_NONE)
				p[n++] =
				    (struct api_fhir_param){"birthdate", date_format_iso(query->dob, dob)};
			if (query->sex == SEX_FEMALE || query->sex == SEX_MALE)
				p[n++] = (struct api_fhir_param){"gender", query->sex == SEX_FEMALE ? "female"
				                                                                    : "male"};
			else if (query->sex)
				p[n++] = (struct api_fhir_param){
				    "gender", query->sex == SEX_UNKNOWN ? "unknown" : "other"};
			if (query->n_addr && query->addr[0].zip[0])
				p[n++] = (struct api_fhir_param){"address-postalcode", query->addr[0].zip};
		}
		p[n++] = (struct api_fhir_param){"_count", count};
		/* name and birth date find one client or a few: each comes with
		 * its record, and the one chosen opens without a round trip */
		if (kind == SEARCH_BASIC && !rid && query->name.family[0] && query->name.given[0] &&
		    query->dob != DATE_NONE) {
			for (int i = 0; i < CACHE_PULL_REVINCLUDES; i++)
				p[n++] = (struct api_fhir_param){"_revinclude", cache_pull_revinclude[i]};
			/* and the registry's forecast of each, where it is shown */
			if (record_registry_forecast_wanted(a))
				for (int i = 0; i < CACHE_PULL_FORECAST_REVINCLUDES; i++)
					p[n++] = (struct api_fhir_param){"_revinclude",
					                                 cache_pull_forecast_revinclude[i]};
		}
		r = search_req(a, v, p, n, &err);
	}
	if (!r) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		first_page_done(a, v);
		return;
	}
	send(a, v, r);
}

static void *results_open(struct app *a, const void *arg)
{
	const struct open_results *o = arg;
	if (!o || !o->query)
		return NULL;
	struct results_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->total = -1;
	if (o->kind == SEARCH_SMART && !want_offline(a) && !session_capability_need(a->sess)) {
		/* whether to $match or search comes from the registry's CapabilityStatement */
		v->cap_wait = v->busy = true;
		v->kind = o->kind;
		v->query = *o->query;
		snprintf(v->cap_rid, sizeof v->cap_rid, "%s", o->rid ? o->rid : "");
		digits_only(o->phone ? o->phone : "", v->phone, sizeof v->phone);
		v->open_single = o->open_single;
		app_message(a, MSG_INFO, "Searching...");
		return v;
	}
	search_run(a, v, o->kind, o->query, o->rid, o->phone, o->open_single);
	return v;
}

static void results_notify(struct app *a, struct screen *s, unsigned events)
{
	struct results_view *v = s->data;
	if (!(events & EVENT_SESSION) || !v->cap_wait || !session_capability(a->sess)->known)
		return;
	v->cap_wait = false;
	struct client q = v->query;
	char rid[VAX_ID_LEN], phone[sizeof v->phone];
	snprintf(rid, sizeof rid, "%s", v->cap_rid);
	snprintf(phone, sizeof phone, "%s", v->phone);
	search_run(a, v, SEARCH_SMART, &q, rid[0] ? rid : NULL, phone, v->open_single);
	app_dirty(a, DIRTY_SCREEN);
}

static void results_enter(struct app *a, struct screen *s, bool fresh)
{
	struct results_view *v = s->data;
	if (fresh && v->open_first) {
		v->open_first = false;
		app_open(a, SCREEN_CLIENT, v->hits[0].ref);
	}
}

/* The next page, when the selection nears the end of what is held. */
static void maybe_more(struct app *a, struct results_view *v, int rows)
{
	if (v->busy || v->offline || !v->have_last || !v->last.next || v->sel + rows < v->n)
		return;
	struct vax_error err;
	err.code[0] = '\0';
	struct api_req *r = api_fhir_next_req(app_conn(a), &v->last, &err);
	if (r)
		send(a, v, r);
	else if (err.code[0])
		app_message(a, MSG_ERROR, "%s", err.message);
}

/* ---- the screen ---------------------------------------------------------- */

static int list_rows(const struct app *a, const struct results_view *v)
{
	int per = v->kind == SEARCH_SMART ? 3 : 1; /* the reasons take up to two rows */
	int rows = (a->w_body ? getmaxy(a->w_body) : 20) - 5;
	return rows / per > 1 ? rows / per : 1;
}

static unsigned results_action(struct app *a, struct screen *s, enum action act)
{
	struct results_view *v = s->data;
	int page = list_rows(a, v);
	switch (act) {
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_PAGE_UP:
	case ACTION_PAGE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		list_move(&v->sel, v->n, page, act);
		break;
	case ACTION_SELECT:
		if (v->n)
			app_open(a, SCREEN_CLIENT, v->hits[v->sel].ref);
		return TUI_HANDLED;
	case ACTION_ADD_CLIENT:
		if (app_may_write(a)) {
			struct open_client_edit o = {.base = &v->query, .adding = true};
			app_open(a, SCREEN_CLIENT_EDIT, &o);
		}
		return TUI_HANDLED;
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	maybe_more(a, v, page);
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + page)
		v->top = v->sel - page + 1;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void results_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct results_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	char line[VAX_ERROR_MSG_LEN + 64];
	static const char *titles[] = {"Quick search", "Basic search", "Smart search"};
	wattrset(w, A_BOLD);
	if (v->total > v->n)
		snprintf(line, sizeof line, "%s: %d of %ld clients shown", titles[v->kind], v->n, v->total);
	else
		snprintf(line, sizeof line, "%s: %d client%s found", titles[v->kind], v->n,
		         v->n == 1 ? "" : "s");
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	if (v->no_match)
		y = draw_wrapped(
		    w, y, 1, cols - 2,
		    "This registry offers no Smart search ($match): these are the clients a search by "
		    "name, birth date and sex found, without scores.");
	if (v->offline) {
		char when[128] = "no copy dated";
		if (v->oldest > 0) {
			struct tm tm;
			time_t t = (time_t)v->oldest;
			localtime_r(&t, &tm);
			long h = (long)((time(NULL) - v->oldest) / 3600);
			char d[32];
			strftime(d, sizeof d, "%m/%d/%Y %H:%M", &tm);
			snprintf(when, sizeof when, "oldest copy from %s, %ld hour%s old", d, h,
			         h == 1 ? "" : "s");
		}
		snprintf(line, sizeof line, "OFFLINE: results from the local store (%s).", when);
		wattrset(w, term_attr(a, ROLE_BANNER));
		y = draw_wrapped(w, y, 1, cols - 2, line);
		wattrset(w, A_NORMAL);
	}
	if (v->error[0]) {
		snprintf(line, sizeof line, "Error: %s", v->error);
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, line);
		wattrset(w, A_NORMAL);
	}
	char keys[64];
	draw_keys_label(a, KEYMAP_RESULTS, 0, ACTION_ADD_CLIENT, keys, sizeof keys);
	if (v->n == 0 && v->busy) {
		draw_text(w, y + 1, 1, "Searching...", cols - 2);
		return;
	}
	if (v->n == 0 && !v->busy && !v->error[0]) {
		y++;
		draw_text(w, y++, 1, "No client matched what you typed.", cols - 2);
		snprintf(line, sizeof line, "Add Client (%s) opens with what you typed filled in.", keys);
		if (app_action_allowed(a, ACTION_ADD_CLIENT))
			draw_text(w, y++, 1, line, cols - 2);
		return;
	}
	snprintf(line, sizeof line, "%-34s %-10s %-3s %s", "  Name", "Born", "Sex",
	         v->kind == SEARCH_SMART ? "Match" : "City ZIP");
	wattrset(w, A_UNDERLINE);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	int page = list_rows(a, v);
	for (int i = v->top; i < v->n && i < v->top + page && y < rows - 1; i++) {
		const struct hit *h = &v->hits[i];
		char tail[128];
		if (v->kind == SEARCH_SMART)
			snprintf(tail, sizeof tail, "%s, score %.2f", h->grade, h->score);
		else
			snprintf(tail, sizeof tail, "%s", h->place);
		/* columns placed by screen position: names with accents take
		 * fewer columns than bytes */
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		mvwhline(w, y, 1, ' ', cols - 2);
		draw_text(w, y, 1, i == v->sel ? ">" : " ", 1);
		draw_text(w, y, 3, h->name, 32);
		draw_text(w, y, 36, h->dob, cols - 37);
		draw_text(w, y, 47, h->sex, cols - 48);
		draw_text(w, y, 51, tail, cols - 52);
		wattrset(w, A_NORMAL);
		y++;
		if (v->kind == SEARCH_SMART && y < rows - 1) {
			char why[WHY_SHOWN * MATCH_WHY_LEN + 8] = "    ";
			for (int k = 0; k < h->n_why; k++) {
				strncat(why, h->why[k], sizeof why - strlen(why) - 1);
				if (k + 1 < h->n_why)
					strncat(why, "; ", sizeof why - strlen(why) - 1);
			}
			/* at most two rows, so the list keeps its page size */
			char *cut = why;
			size_t room = (size_t)(cols > 10 ? cols - 6 : 4) * 2;
			if (strlen(cut) > room)
				cut[room] = '\0';
			y = draw_wrapped(w, y, 5, cols - 6, why + 4);
		}
	}
	if (y < rows) {
		if (v->busy)
			snprintf(line, sizeof line, "Fetching more...");
		else if (v->have_last && v->last.next)
			snprintf(line, sizeof line, "More on the registry: move past the end to fetch them.");
		else if (app_action_allowed(a, ACTION_ADD_CLIENT))
			snprintf(line, sizeof line, "Not the right client? Add Client: %s.", keys);
		else
			line[0] = '\0';
		draw_text(w, rows - 1, 1, line, cols - 2);
	}
}

static void results_close(struct screen *s)
{
	struct results_view *v = s->data;
	api_req_free(v->req); /* cancels a page in flight */
	cache_pull_free(v->prefetch);
	free(v->search_path);
	hits_clear(v);
	explicit_bzero(&v->query, sizeof v->query);
	free(v);
}

static const enum action results_actions[] = {ACTION_SELECT,  ACTION_ADD_CLIENT, ACTION_PAGE_DOWN,
                                              ACTION_PAGE_UP, ACTION_CANCEL,     ACTION_NONE};

const struct screen_ops screen_results_ops = {
    .name = "results",
    .title = "Search results",
    .keymap = KEYMAP_RESULTS,
    .phi = true,
    .open = results_open,
    .notify = results_notify,
    .enter = results_enter,
    .draw = results_draw,
    .action = results_action,
    .actions = results_actions,
    .close = results_close,
};
