/* tui/app_sync.c - the outbox sends itself from the input loop.
 *
 * The sync engine (cache/sync.h) is a state machine: each turn of the loop
 * calls app_sync_tick(), which starts a pass when someone is logged in
 * online, the registry is reachable and entries are due (or the person
 * pressed sync-now), and otherwise advances the pass one step. The engine
 * only starts requests; the loop's one api_pump() moves them, so a slow
 * registry never holds a key.
 *
 * Offline handling is the session's (tui/session.c): a pass that meets 503,
 * a timeout or a refused connection marks the registry offline there, with
 * the registry's Retry-After if it gave one; the session's one back-off
 * probes from there, and the first answer that says "reachable" starts the
 * send again. The engine's own probe timing is not used: one back-off.
 *
 * Sending needs a registry token: an offline session sends nothing until
 * the person signs in (app_go_online, the sync-now key), an expired one
 * until the password renews it. Under the idle lock the outbox goes on
 * while the token lasts (the store stays open; nothing is shown).
 *
 * What a pass leaves for a person (rejected, in conflict, held) is said once
 * on the message line, and the message goes by itself when nothing is held
 * any more (app_message_while); every pass ends with the outbox counted
 * again and the screens told (app_outbox_changed).
 *
 * One sync at a time: the engine takes the store's sync.lock (flock, gone
 * with the process), so a `vaxdesk sync` running beside the terminal makes
 * this side wait its turn. The engine is freed before the store is locked
 * or another user's store is selected (logout), so its entries in flight go
 * back to PENDING in the right store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/sync.h"
#include "core/xalloc.h"
#include "tui/tui.h"

#define SYNC_RECHECK_MS 30000 /* entries that waited last pass are looked at again */
#define SYNC_COUNT_MS   1000  /* the outbox is counted at most this often, not on every key */

struct app_sync {
	struct cache_sync *y;
	bool running;
	bool forced;       /* sync-now was pressed: start as soon as online */
	int total;         /* entries due when the pass began */
	int base;          /* the engine's answered count before the pass */
	int base_accepted; /* and its accepted count */
	int last_due;      /* due entries when the last pass ended */
	int64_t next_ms;   /* no automatic pass before this (unless due changes) */
	int64_t count_ms;  /* no automatic count of due entries before this */
	char note[128];    /* the last pass in words, for the status line */
};

static int answered(const struct cache_sync *y)
{
	const struct cache_sync_stats *t = cache_sync_stats(y);
	return t->accepted + t->rejected + t->conflict + t->review;
}

static bool may_sync(const struct app *a)
{
	return app_conn(a) && app_store(a) && session_token(a->sess) && !session_pending(a->sess);
}

/* "Some records need a person" is true while anything is held. */
static bool held(const struct app *a)
{
	return a->counts.held > 0;
}

void app_sync_stop(struct app *a)
{
	struct app_sync *s = a->sync;
	if (!s || !s->y)
		return;
	/* entries in flight go back to PENDING: resending is a no-op */
	cache_sync_free(s->y);
	s->y = NULL;
	s->running = false;
	a->dirty |= DIRTY_STATUS;
}

void app_sync_free(struct app *a)
{
	app_sync_stop(a);
	free(a->sync);
	a->sync = NULL;
}

/* The pass ended: say what happened where the person will look. */
static void finish(struct app *a, enum cache_sync_status st, const struct vax_error *err)
{
	struct app_sync *s = a->sync;
	int64_t now_ms = app_now_ms();
	const struct cache_sync_stats *t = cache_sync_stats(s->y);
	int sent = answered(s->y) - s->base, accepted = t->accepted - s->base_accepted;
	bool forced = s->forced;
	s->running = false;
	s->forced = false;
	struct cache_store *store = app_store(a);
	s->last_due = cache_outbox_due(store, (int64_t)time(NULL));
	s->next_ms = now_ms + SYNC_RECHECK_MS;
	switch (st) {
	case CACHE_SYNC_DONE:
	case CACHE_SYNC_IDLE:
		if (accepted > 0)
			snprintf(s->note, sizeof s->note, "Sent %d", accepted);
		if (forced)
			app_message(a, MSG_INFO,
			            "Sync: %d accepted, %d refused, %d need a person; %d waiting.",
			            t->accepted, t->rejected, t->conflict + t->review,
			            cache_outbox_count(store, 1u << CACHE_PENDING));
		break;
	case CACHE_SYNC_OFFLINE: {
		/* the session probes from here, with its one back-off; the
		 * probe's own answer carries the registry's Retry-After */
		session_note_offline(a->sess, -1,
		                     "The registry stopped answering while records were being sent.");
		app_notify(a, EVENT_NET);
		s->next_ms = 0; /* back online: send at once */
		snprintf(s->note, sizeof s->note, "Offline: sending paused");
		if (forced)
			app_message(a, MSG_INFO,
			            "The registry cannot be reached; the outbox is sent when it is back.");
		break;
	}
	case CACHE_SYNC_BUSY:
		snprintf(s->note, sizeof s->note, "Another vaxdesk is sending");
		if (forced)
			app_message(a, MSG_INFO, "%s", err->message);
		break;
	case CACHE_SYNC_AUTH:
		snprintf(s->note, sizeof s->note, "Sending paused: log in again");
		break;
	case CACHE_SYNC_ERROR:
	case CACHE_SYNC_RUNNING:
		snprintf(s->note, sizeof s->note, "Sending failed");
		app_message(a, MSG_ERROR, "Sync: %s", err->message);
		break;
	}
	/* the outbox list and the records show states: they read them again */
	app_outbox_changed(a);
	if (t->rejected + t->conflict + t->review > 0 && !forced && sent > 0 && held(a))
		app_message_while(a, held, MSG_INFO, "Some records need a person: see the outbox.");
	a->dirty |= DIRTY_STATUS | DIRTY_BODY;
}

static void start(struct app *a, int64_t now)
{
	struct app_sync *s = a->sync;
	struct vax_error err = {0};
	if (!s->y) {
		/* Bundles as large as the CLI's: on a slow link each costs a round
		 * trip, and after a maintenance evening a thousand shots wait */
		struct cache_sync_options o = {.batch_max = a->cfg.sync_batch, .codes = app_codes(a)};
		s->y = cache_sync_new(app_store(a), app_conn(a), &o);
	}
	cache_sync_note_online(s->y);
	s->total = cache_outbox_due(app_store(a), now);
	s->base = answered(s->y);
	s->base_accepted = cache_sync_stats(s->y)->accepted;
	s->note[0] = '\0';
	enum cache_sync_status st = cache_sync_start(s->y, now, &err);
	if (st == CACHE_SYNC_RUNNING)
		s->running = true;
	else
		finish(a, st, &err);
	a->dirty |= DIRTY_STATUS;
}

void app_sync_tick(struct app *a)
{
	if (!may_sync(a)) {
		app_sync_stop(a);
		return;
	}
	if (!a->sync)
		a->sync = xcalloc(1, sizeof *a->sync);
	struct app_sync *s = a->sync;
	int64_t now = (int64_t)time(NULL);
	if (s->running) {
		struct vax_error err = {0};
		enum cache_sync_status st = cache_sync_step(s->y, now, &err);
		if (st == CACHE_SYNC_RUNNING) {
			a->dirty |= DIRTY_STATUS;
			a->counts_stale = true; /* entries move: count them again soon */
		} else {
			finish(a, st, &err);
		}
		return;
	}
	if (session_net(a->sess) != NET_ONLINE)
		return; /* the session's probe says when it is back */
	if (!a->cfg.auto_sync && !s->forced)
		return; /* this site sends with the sync-now key only */
	/* counting scans the outbox (receipts included): once a second is
	 * soon enough for a new entry, and keeps it off the typing path */
	int64_t now_ms = app_now_ms();
	if (!s->forced && now_ms < s->count_ms)
		return;
	s->count_ms = now_ms + SYNC_COUNT_MS;
	int due = cache_outbox_due(app_store(a), now);
	if (due <= 0) {
		s->forced = false;
		return;
	}
	/* new entries start a pass at once; entries that had to wait (their
	 * client is held, a later retry) are looked at again now and then */
	if (!s->forced && due == s->last_due && now_ms < s->next_ms)
		return;
	start(a, now);
}

void app_sync_soon(struct app *a)
{
	/* something was saved: look at the outbox at the next turn rather
	 * than up to a second later, a second the shot's upload waits */
	if (a->sync)
		a->sync->count_ms = 0;
}

void app_sync_now(struct app *a)
{
	if (app_offline(a)) {
		/* no token to send with: sign in first (the outbox goes after) */
		app_go_online(a);
		return;
	}
	if (!may_sync(a)) {
		app_message(a, MSG_INFO, "Log in to send the outbox.");
		return;
	}
	if (!a->sync)
		a->sync = xcalloc(1, sizeof *a->sync);
	struct app_sync *s = a->sync;
	if (s->running) {
		app_message(a, MSG_INFO, "Already sending.");
		return;
	}
	s->forced = true;
	if (session_net(a->sess) != NET_ONLINE) {
		/* ask the registry now rather than at the next backoff step */
		session_probe_now(a->sess);
		app_message(a, MSG_INFO, "Checking whether the registry is back...");
		return;
	}
	/* now means now: what waits out a back-off goes too */
	cache_outbox_send_now(app_store(a));
	if (cache_outbox_due(app_store(a), (int64_t)time(NULL)) <= 0) {
		s->forced = false;
		app_message(a, MSG_INFO, "Nothing is waiting to be sent.");
		return;
	}
	start(a, (int64_t)time(NULL));
}

void app_sync_label(const struct app *a, char *buf, size_t len)
{
	const struct app_sync *s = a->sync;
	buf[0] = '\0';
	if (!s)
		return;
	if (s->running && s->y) {
		int done = answered(s->y) - s->base + cache_sync_in_flight(s->y);
		if (done < 1)
			done = 1;
		if (done > s->total)
			done = s->total;
		snprintf(buf, len, "Sending %d of %d", done, s->total);
	} else if (s->note[0]) {
		snprintf(buf, len, "%s", s->note);
	}
}
