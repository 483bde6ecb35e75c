/* cache/pull.h - the one way a client comes from the registry: its Patient,
 * its RelatedPersons (responsible persons), its Consent and its
 * Immunizations, asked in one batch Bundle (one round trip, which is what
 * counts on a slow or metered link), read into core records and put in the
 * local store together; further pages of doses follow the Immunization
 * searchset's next link.
 *
 * Three callers, one chain: the client record (cache_pull_start, driven by
 * the input loop's api_pump, never waited on), `vaxdesk prefetch`
 * (cache_pull_run, which waits) and the sync, which keeps the registry's
 * client beside a conflict instead of storing it (cache_pull_req +
 * cache_pull_read).
 *
 * References are written as FHIR has them (patient=Patient/<id>): a
 * server may answer a bare id with nothing, and nothing is not "no doses".
 *
 * Rules of the read, in one place:
 *   - a responsible-person or consent read that fails keeps what the store
 *     had, rather than storing "none";
 *   - several Consent resources: the latest answer (by date) stands;
 *   - a client with unsent work here is not overwritten (cache_put_client's
 *     own rule: a pull never erases local work);
 *   - a history that does not add up is unknown, never "none": the dose
 *     read failed, the searchset's total is more than the doses it sent, or
 *     it sent none for a client whose doses were read from the registry
 *     before. The outcome says so in words (history_unknown) and the client
 *     is stored as never read (as_of 0: stale), so nothing relies on it.
 */
#ifndef VAX_CACHE_PULL_H
#define VAX_CACHE_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "api/http.h"
#include "api/response.h"
#include "cache/store.h"
#include "core/client.h"
#include "core/error.h"
#include "core/immunization.h"

#define CACHE_PULL_DOSES 0x1u /* ask for the doses too */
#define CACHE_PULL_PAGE  500  /* doses asked for in one page */

/** A client as the registry sent it, read into records. */
struct cache_pulled {
	struct client client;      /* with its responsible persons and consent */
	bool have_resp;            /* the RelatedPerson read answered (else the stored ones stay) */
	bool have_consent;         /* the Consent read answered */
	struct immunization *imms; /* malloc'd; n_imms of them */
	int n_imms;
	bool have_imms;       /* the Immunization read answered */
	long imms_total;      /* the searchset's total, -1 if it gave none */
	int imms_seen;        /* Immunization entries it sent (read or not) */
	char next[1024];      /* the doses' next page, "" if none */
	cJSON *root;          /* the batch answer as it came (patient points into it) */
	const cJSON *patient; /* the Patient resource as it came */
	cJSON *as_came;       /* every resource read, as it came, not yet kept (cache_pull_keep) */
};

/** The batch that reads client rid (with its doses when what has
 * CACHE_PULL_DOSES). */
struct api_req *cache_pull_req(struct api_conn *c, const char *rid, unsigned what, struct vax_error *err);
/** Read the answer to cache_pull_req(). False with err when the request
 * failed or the Patient did not come (err->code names the class: the
 * transport's, or the entry's own status for "not found", "forbidden"),
 * *cls set to the class either way. Free out with cache_pulled_free()
 * whatever the result. */
bool cache_pull_read(const struct api_result *res, struct cache_pulled *out, enum api_class *cls,
                     struct vax_error *err);
/** Read one further page of doses (a searchset) into p (appending). */
bool cache_pull_read_page(const struct api_result *res, struct cache_pulled *p, struct vax_error *err);
void cache_pulled_free(struct cache_pulled *p);

/** Keep the resources read so far as they came (cache_put_remote: an edit
 * made here goes back as the registry's resource with only what it
 * changed), even where the records are not stored (a client with unsent
 * work; the sync's read beside a conflict). cache_pull_store does this. */
void cache_pull_keep(struct cache_store *s, struct cache_pulled *p);
/** Put what was read in the store, history as of `now`: the client (the
 * stored companions kept where their read failed), then each dose. *kept
 * (may be NULL): the client row had unsent work and was left alone. Doses
 * that do not store are counted in *bad (may be NULL). */
bool cache_pull_store(struct cache_store *s, struct cache_pulled *p, int64_t now, bool *kept, int *bad,
                      struct vax_error *err);

/* A client with the search that found it: a Patient search that asks
 * _revinclude for these (vaxregd takes them) brings each client found with
 * its doses, responsible persons and consent, all or none; stored, the
 * record opens without another round trip. */
#define CACHE_PULL_REVINCLUDES 3
extern const char *const cache_pull_revinclude[CACHE_PULL_REVINCLUDES];
/* A client read ahead (with its search, or while its list was read) is not
 * read again when its record opens within this many seconds, once; the
 * record says "History as of" the read. Any later opening reads. */
#define CACHE_PULL_FRESH_S 60
/** Note that this process has just read client rid ahead (a prefetch). */
void cache_pull_note_fresh(const char *rid, int64_t now);
/** True once if rid was read ahead less than CACHE_PULL_FRESH_S ago. If
 * forecast is not NULL it gets the registry's forecast that came with the
 * read (cache_pull_forecast_of; the caller frees it), or NULL. */
bool cache_pull_take_fresh(const char *rid, int64_t now, char **forecast);
/** Forget every client read ahead (a logout: the next user reads again). */
void cache_pull_forget_fresh(void);

/* The registry's forecast with the search: vaxregd computes, for each
 * client found, what POST /$immds-forecast answers for the doses it holds
 * (ImmunizationRecommendation, ImmunizationEvaluation). Asked beside
 * cache_pull_revinclude where the registry's forecast is wanted; a
 * registry that leaves them out costs nothing (the record asks on its
 * own). */
#define CACHE_PULL_FORECAST_REVINCLUDES 2
extern const char *const cache_pull_forecast_revinclude[CACHE_PULL_FORECAST_REVINCLUDES];
/** The forecast of Patient/id included in searchset b, as the Parameters
 * $immds-forecast answers with (JSON; the caller frees it), or NULL if b
 * has no recommendation for it. */
char *cache_pull_forecast_of(const struct api_bundle *b, const char *id);

/** Store every client of searchset b with what it included, as a pull
 * would, history as of now (each noted as read ahead, with the registry's
 * forecast of it where one came: *forecasts counts them; may be NULL).
 * Returns how many were stored: 0 when the registry did not honour the
 * _revinclude (its self link does not name them), so nothing is taken for
 * "no doses". */
int cache_pull_from_search(struct cache_store *s, const struct api_bundle *b, int64_t now, int *forecasts);

/** How a whole pull ended. */
struct cache_pull_outcome {
	enum api_class cls;   /* API_OK: stored */
	struct vax_error err; /* why not, in words */
	bool kept;            /* the client had unsent work here: left as it was */
	int doses;            /* doses read */
	int bad;              /* doses that could not be stored */
	bool history_unknown; /* the doses read cannot be all of them: why in history_why */
	char history_why[VAX_ERROR_MSG_LEN];
};

/** After the last page: is the history p read all of it? If not, why in
 * words (see the rules above); stored_doses is how many doses of this
 * client the store held from the registry before. */
bool cache_pull_complete(const struct cache_pulled *p, int stored_doses, char *why, size_t len);

struct cache_pull;
/** Called from api_pump() when the pull ends; res is the last answer (for
 * the caller's view of the registry: reachable, offline, expired). */
typedef void (*cache_pull_fn)(struct cache_pull *p, const struct api_result *res,
                              const struct cache_pull_outcome *out, void *arg);

/** Start reading client rid and its doses into the store; done is called
 * once, from api_pump(). NULL with err if it could not start. */
struct cache_pull *cache_pull_start(struct cache_store *s, struct api_conn *c, const char *rid,
                                    cache_pull_fn done, void *arg, struct vax_error *err);
/** Stop (no callback) and free; NULL is fine. */
void cache_pull_free(struct cache_pull *p);

/** The same, waiting up to timeout_ms for each request (the command line). */
bool cache_pull_run(struct cache_store *s, struct api_conn *c, const char *rid, int timeout_ms,
                    struct cache_pull_outcome *out);

#endif
