/* tui/app_lots.c - the organization's vaccine lots on hand for the screens
 * (cache/lots.h): the copy kept on this workstation at first, then what
 * the registry says: read with a provider's first search after login (in
 * the search's own request, screen_results.c) or when the lots screen or a
 * shot form opens and the copy is older than a few minutes, and after a lot
 * is changed. The read goes through the api pump like every request, so
 * the loop never waits on it; the screens hear EVENT_LOTS when the list
 * changed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/fhir_client.h"
#include "cache/lots.h"
#include "core/xalloc.h"
#include "tui/tui.h"

#define LOTS_FRESH_S 300 /* a copy younger than this is not read again by itself */

struct app_lots {
	char org[VAX_SHORT_LEN]; /* whose lots these are */
	struct cache_lots l;
	bool read;           /* read from the registry since this login */
	struct api_req *req; /* the read in flight */
	struct app *app;
};

static struct app_lots *state(struct app *a)
{
	if (!a->lots) {
		a->lots = xcalloc(1, sizeof *a->lots);
		a->lots->app = a;
	}
	struct app_lots *s = a->lots;
	const char *org = app_org(a);
	struct cache_store *st = app_store(a);
	/* another organization (or the first look): its own copy */
	if (strcmp(s->org, org)) {
		api_req_free(s->req);
		s->req = NULL;
		cache_lots_free(&s->l);
		s->read = false;
		snprintf(s->org, sizeof s->org, "%s", org);
		if (st && strcmp(org, "-"))
			cache_lots_load(cache_store_dir(st), org, &s->l, NULL);
	}
	return s;
}

const struct cache_lots *app_lots(struct app *a)
{
	return &state(a)->l;
}

static void keep(struct app *a, struct app_lots *s)
{
	struct cache_store *st = app_store(a);
	if (st && strcmp(s->org, "-"))
		cache_lots_save(cache_store_dir(st), s->org, &s->l, NULL);
}

void app_lots_take(struct app *a, const struct api_result *res)
{
	struct app_lots *s = state(a);
	struct api_bundle b;
	memset(&b, 0, sizeof b);
	struct vax_error err;
	if (api_fhir_read_bundle(res, &b, &err) &&
	    cache_lots_from_bundle(&b, (int64_t)time(NULL), &s->l, &err)) {
		keep(a, s);
		s->read = true;
	}
	api_bundle_free(&b);
	app_notify(a, EVENT_LOTS);
	app_dirty(a, DIRTY_BODY);
}

static void read_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct app_lots *s = arg;
	struct app *a = s->app;
	s->req = NULL;
	app_note_result(a, res);
	app_lots_take(a, res);
	api_req_free(req);
}

static bool can_read(struct app *a, const struct app_lots *s)
{
	return !s->req && app_conn(a) && !app_offline(a) && !app_unreachable(a) && session_token(a->sess) &&
	       strcmp(s->org, "-");
}

char *app_lots_path(struct app *a)
{
	(void)a;
	char count[16];
	snprintf(count, sizeof count, "%d", LOT_MAX);
	struct api_fhir_param p[] = {{"_count", count}};
	return api_fhir_search_path("Medication", p, 1, NULL);
}

bool app_lots_due(struct app *a)
{
	struct app_lots *s = state(a);
	return session_role(a->sess) == API_ROLE_PROVIDER && can_read(a, s) &&
	       (!s->read || (int64_t)time(NULL) - s->l.as_of > LOTS_FRESH_S);
}

void app_lots_refresh(struct app *a)
{
	struct app_lots *s = state(a);
	if (!can_read(a, s))
		return;
	char *path = app_lots_path(a);
	struct vax_error err;
	struct api_req *r = path ? api_fhir_get_req(app_conn(a), path, &err) : NULL;
	free(path);
	/* read again unchanged, the lots come back as a 304: headers only */
	if (r)
		api_req_conditional(r);
	if (r && api_req_send(r, read_done, s))
		s->req = r;
	else
		api_req_free(r);
}

void app_lots_refresh_if_old(struct app *a)
{
	struct app_lots *s = state(a);
	/* a login sees the registry's lots once, whatever the copy's age */
	if (!s->read || (int64_t)time(NULL) - s->l.as_of > LOTS_FRESH_S)
		app_lots_refresh(a);
}

void app_lots_used(struct app *a, const struct immunization *ims, size_t n)
{
	struct app_lots *s = state(a);
	bool any = false;
	for (size_t i = 0; i < n; i++)
		if (!ims[i].historical && !ims[i].refused && ims[i].lot[0])
			any |= cache_lots_use(&s->l, NULL, ims[i].lot, ims[i].cvx, 1);
	if (any) {
		keep(a, s);
		app_notify(a, EVENT_LOTS);
	}
}

void app_lots_label(struct app *a, char *buf, size_t len)
{
	struct app_lots *s = state(a);
	buf[0] = '\0';
	if (s->req) {
		snprintf(buf, len, "Reading the lots from the registry...");
		return;
	}
	if (!s->l.as_of)
		return;
	time_t t = (time_t)s->l.as_of;
	struct tm tm;
	localtime_r(&t, &tm);
	char when[32];
	strftime(when, sizeof when, "%m/%d/%Y %H:%M", &tm);
	snprintf(buf, len, "Lots as the registry had them at %s%s", when,
	         app_offline(a) || app_unreachable(a) ? " (offline: the copy kept here)" : "");
}

void app_lots_free(struct app *a)
{
	if (!a->lots)
		return;
	api_req_free(a->lots->req);
	cache_lots_free(&a->lots->l);
	free(a->lots);
	a->lots = NULL;
}
