/* cache/sync.h - the sync engine: sends the outbox to the registry, once.
 *
 * A state machine the UI advances from its loop (cache_sync_step() after
 * api_pump()); it never waits. One pass:
 *
 *   lock     flock() on <store dir>/sync.lock, non-blocking: the kernel
 *            drops it when the holder exits or is killed, so a crashed
 *            process never leaves it held, and two vaxdesk processes never
 *            send the same entries at once.
 *   probe    only when offline: GET /metadata; 503/timeouts/connection
 *            failures keep us offline until the next probe (exponential
 *            backoff 5 s .. 5 min, Retry-After honoured).
 *   match    a client created offline goes through POST /Patient/$match
 *            first; a certain or probable match waits in NEEDS_REVIEW.
 *   check    a new dose that rules_check_duplicate() flags against the
 *            client's cached history waits in NEEDS_REVIEW.
 *   upload   pending entries in capture order, as transaction Bundles of up
 *            to batch_max entries: a new client and its doses travel
 *            together with urn:uuid: references; a dose of a client that is
 *            not on the registry yet (waiting for review, rejected) waits
 *            too, and so does every later change of a record that waits.
 *            Creates are conditional on the record UUID (ifNoneExist), so
 *            resending after a lost answer is a no-op; updates carry ifMatch,
 *            and so does each responsible person and consent sent with a
 *            client (the version it was read at).
 *   answer   all accepted: receipts stored, the cached copies get their
 *            registry ids. A refused Bundle of n entries is split (n/2, ...)
 *            until the entry at fault is alone: it becomes REJECTED with the
 *            registry's message, 409/412 a CONFLICT with the registry's
 *            version stored beside ours (for a client, the Patient with its
 *            RelatedPersons and Consent); a responsible person or consent
 *            changed (409/412) or deleted (404/410) at the registry makes
 *            the client's entry a CONFLICT too, its message naming which
 *            (doc/extensions.md). Offline, an expired login or a
 *            broken answer puts the entries back to PENDING. Nothing is
 *            ever dropped.
 */
#ifndef VAX_CACHE_SYNC_H
#define VAX_CACHE_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"
#include "cache/store.h"
#include "core/codes.h"
#include "core/error.h"

/* Entries in one upload Bundle unless the caller says otherwise: every
 * Bundle costs a round trip, which is what slow links pay for (a
 * maintenance evening's 1,000 shots go up in one, about 70 kB gzipped;
 * vaxregd takes 8 MiB inflated). A refused Bundle is split until the
 * entry at fault is alone, so a big one costs only log2(n) more trips
 * when something is wrong. */
#define CACHE_SYNC_BATCH 1000

enum cache_sync_status {
	CACHE_SYNC_IDLE = 0, /* no pass running */
	CACHE_SYNC_RUNNING,  /* call cache_sync_step() again after api_pump() */
	CACHE_SYNC_DONE,     /* nothing left that can be sent now */
	CACHE_SYNC_OFFLINE,  /* registry unreachable: next try at cache_sync_next_probe() */
	CACHE_SYNC_AUTH,     /* the token was refused: log in again, then start again */
	CACHE_SYNC_BUSY,     /* another vaxdesk process is syncing this store */
	CACHE_SYNC_ERROR,    /* a local problem; see the error */
};

struct cache_sync_options {
	int batch_max;             /* entries per Bundle; 0 = CACHE_SYNC_BATCH */
	bool no_match;             /* skip $match for offline-created clients */
	const struct codes *codes; /* vaccine groups for the duplicate check; may be NULL */
	int duplicate_window_days; /* 0 = the rules' default */
};

struct cache_sync_stats {
	int accepted, rejected, conflict, review; /* entries moved to each state */
	int bundles, matches, probes;             /* requests by kind */
	int splits;                               /* refused Bundles split to find the bad entry */
};

struct cache_sync;

/** An engine for a store (unlocked) and a connection with a token. */
struct cache_sync *cache_sync_new(struct cache_store *s, struct api_conn *c,
                                  const struct cache_sync_options *o);
/** Cancel what is in flight (entries go back to PENDING), unlock, free. */
void cache_sync_free(struct cache_sync *y);

/** Begin a pass (no-op while one runs). Offline and before the next probe
 * time it returns CACHE_SYNC_OFFLINE at once. */
enum cache_sync_status cache_sync_start(struct cache_sync *y, int64_t now, struct vax_error *err);
/** Advance the pass: handle a finished request, start the next one. Never
 * waits. Returns RUNNING until the pass ends. */
enum cache_sync_status cache_sync_step(struct cache_sync *y, int64_t now, struct vax_error *err);
/** Start and drive a pass to its end, pumping the connection (CLI, tests,
 * bench: never the terminal's loop). */
enum cache_sync_status cache_sync_run(struct cache_sync *y, struct vax_error *err);

/** What the engine believes: the last request reached the registry. */
bool cache_sync_online(const struct cache_sync *y);
/** When an offline engine probes next (Unix seconds). */
int64_t cache_sync_next_probe(const struct cache_sync *y);
/** Another request of the UI failed as offline (503, timeout): go offline
 * now; retry_after in seconds or -1. */
void cache_sync_note_offline(struct cache_sync *y, int64_t now, long retry_after);
/** Another request of the UI reached the registry: online again, so the
 * next start sends at once instead of waiting for its own probe. */
void cache_sync_note_online(struct cache_sync *y);
/** Entries in the Bundle in flight now (0 between requests). */
int cache_sync_in_flight(const struct cache_sync *y);
/** True while a pass runs (between a RUNNING start and its end). */
bool cache_sync_running(const struct cache_sync *y);
const struct cache_sync_stats *cache_sync_stats(const struct cache_sync *y);
const char *cache_sync_status_name(enum cache_sync_status st);
/** True if a result means "the registry cannot be reached now": API_OFFLINE
 * (api/http.c classes a handshake the peer reset or closed as
 * API-OFFLINE-RESET). Certificate failures (API_TLS) are not offline: they
 * are shown, never retried quietly. */
bool cache_sync_is_offline(const struct api_result *res);

#endif
