/* cache/sync.c - see sync.h */
#include "cache/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "api/fhir_client.h"
#include "api/response.h"
#include "cache/pull.h"
#include "cache/store_int.h"
#include "core/fhir.h"
#include "core/rules.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "sys/fileio.h"

#define BACKOFF_MIN    5
#define BACKOFF_MAX    300
#define RETRY_SERVER_S 60 /* a single entry the server failed on (5xx) */

enum phase { P_IDLE, P_PROBE, P_PLAN, P_MATCH, P_UPLOAD, P_THEIRS };

/* Why the registry's current version of a record is being read. */
enum fetch_why {
	FETCH_CONFLICT, /* a change came back 409/412 (or a companion 404/410) */
	FETCH_FRESH,    /* a change needs the registry's copy it builds on, and none is kept */
	FETCH_DUP,      /* the dose a possible duplicate matches, to show beside ours */
};

/* One Bundle entry in flight. A client's entry is followed by its
 * responsible persons and consent, which have no outbox entry of their own. */
struct sent {
	int b;                      /* index into batch: the outbox entry it belongs to */
	char kind;                  /* 'E' the entry itself, 'R' RelatedPerson, 'D' its delete, 'C' Consent */
	char type[16];              /* its resource type */
	char uuid[VAX_UUID_LEN];    /* the companion's own UUID */
	char id[VAX_ID_LEN];        /* its registry id, "" for a create */
	char base[VAX_VERSION_LEN]; /* the version its If-Match names, "" if none */
	cJSON *body;                /* what a PUT or POST sent: the registry's copy if the answer has none */
};

/* Is this the companion t was sent for? By UUID, else (one created at the
 * registry by someone else has none) by registry id. */
static bool sent_is(const struct sent *t, const char *uuid, const char *id)
{
	return t->uuid[0] ? !strcmp(t->uuid, uuid) : t->id[0] && !strcmp(t->id, id);
}

struct cache_sync {
	struct cache_store *s;
	struct api_conn *conn;
	struct cache_sync_options o;
	enum phase phase;
	int lock_fd;
	bool online;
	int64_t next_probe;
	int backoff;
	struct api_req *req;
	int64_t *batch; /* seqs in the Bundle in flight */
	int n_batch;
	size_t cap_batch;
	int cap;           /* current Bundle size limit (halved on refusal) */
	struct sent *sent; /* every Bundle entry in flight: whose, and what */
	int n_sent;
	size_t cap_sent;
	int64_t *matched; /* new clients $match cleared in this pass */
	int n_matched;
	size_t cap_matched;
	int64_t *fresh; /* entries whose registry copy was read in this pass */
	int n_fresh;
	size_t cap_fresh;
	int64_t cur;     /* the entry a $match or a fetch is for */
	bool cur_client; /* the fetch is a client's: Patient, RelatedPersons, Consent */
	enum fetch_why why;
	char cur_key[CACHE_KEY_STR];
	struct cache_sync_stats stats;
};

const char *cache_sync_status_name(enum cache_sync_status st)
{
	static const char *const names[] = {"idle", "running", "done", "offline", "auth", "busy", "error"};
	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

bool cache_sync_is_offline(const struct api_result *res)
{
	return res->cls == API_OFFLINE;
}

struct cache_sync *cache_sync_new(struct cache_store *s, struct api_conn *c,
                                  const struct cache_sync_options *o)
{
	struct cache_sync *y = xcalloc(1, sizeof *y);
	y->s = s;
	y->conn = c;
	if (o)
		y->o = *o;
	if (y->o.batch_max <= 0)
		y->o.batch_max = CACHE_SYNC_BATCH;
	y->lock_fd = -1;
	y->online = true; /* until a request says otherwise */
	y->backoff = BACKOFF_MIN;
	return y;
}

bool cache_sync_online(const struct cache_sync *y)
{
	return y->online;
}

int64_t cache_sync_next_probe(const struct cache_sync *y)
{
	return y->next_probe;
}

const struct cache_sync_stats *cache_sync_stats(const struct cache_sync *y)
{
	return &y->stats;
}

void cache_sync_note_offline(struct cache_sync *y, int64_t now, long retry_after)
{
	int wait = retry_after > 0 ? (int)(retry_after < 86400 ? retry_after : 86400) : y->backoff;
	if (retry_after <= 0)
		y->backoff = y->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : y->backoff * 2;
	y->online = false;
	y->next_probe = now + wait;
}

void cache_sync_note_online(struct cache_sync *y)
{
	y->online = true;
	y->backoff = BACKOFF_MIN;
	y->next_probe = 0;
}

int cache_sync_in_flight(const struct cache_sync *y)
{
	return y->phase == P_UPLOAD ? y->n_batch : 0;
}

bool cache_sync_running(const struct cache_sync *y)
{
	return y->phase != P_IDLE;
}

static void unlock(struct cache_sync *y)
{
	if (y->lock_fd >= 0) {
		close(y->lock_fd); /* closing drops the flock */
		y->lock_fd = -1;
	}
}

static bool lock(struct cache_sync *y, struct vax_error *err)
{
	char *path = fileio_join(cache_store_dir(y->s), "sync.lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return error_set(err, "CACHE-SYNC-LOCK", "cannot open the sync lock: %s", strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return error_set(err, "CACHE-SYNC-BUSY",
		                 "Another vaxdesk on this workstation is sending the outbox.");
	}
	y->lock_fd = fd;
	return true;
}

/* Entries of the Bundle in flight go back to PENDING (not sent, or the
 * answer was lost: resending is safe). */
static void batch_back(struct cache_sync *y, int64_t next_try)
{
	sqlite3_exec(y->s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (int i = 0; i < y->n_batch; i++)
		cache_outbox_retry(y->s, y->batch[i], next_try, NULL);
	sqlite3_exec(y->s->db, "COMMIT", NULL, NULL, NULL);
	y->n_batch = 0;
}

/* Forget the Bundle entries of the last request. */
static void sent_clear(struct cache_sync *y)
{
	for (int i = 0; i < y->n_sent; i++)
		cache_json_free(y->sent[i].body);
	y->n_sent = 0;
}

static enum cache_sync_status end_pass(struct cache_sync *y, enum cache_sync_status st)
{
	sent_clear(y);
	if (y->req) {
		api_req_free(y->req);
		y->req = NULL;
	}
	if (y->n_batch)
		batch_back(y, 0);
	y->phase = P_IDLE;
	y->n_matched = 0;
	y->n_fresh = 0;
	unlock(y);
	return st;
}

void cache_sync_free(struct cache_sync *y)
{
	if (!y)
		return;
	end_pass(y, CACHE_SYNC_IDLE);
	free(y->batch);
	free(y->sent);
	free(y->matched);
	free(y->fresh);
	free(y);
}

static bool send(struct cache_sync *y, struct api_req *r, enum phase next, struct vax_error *err)
{
	if (!r)
		return false;
	if (!api_req_send(r, NULL, NULL)) {
		api_req_free(r);
		return error_set(err, "CACHE-SYNC-SEND", "The request could not be started.");
	}
	y->req = r;
	y->phase = next;
	return true;
}

enum cache_sync_status cache_sync_start(struct cache_sync *y, int64_t now, struct vax_error *err)
{
	if (y->phase != P_IDLE)
		return CACHE_SYNC_RUNNING;
	if (!cache_require_unlocked(y->s, err))
		return CACHE_SYNC_ERROR;
	if (!y->online && now < y->next_probe)
		return CACHE_SYNC_OFFLINE;
	if (!lock(y, err))
		return !strcmp(err ? err->code : "CACHE-SYNC-BUSY", "CACHE-SYNC-BUSY") ? CACHE_SYNC_BUSY
		                                                                       : CACHE_SYNC_ERROR;
	y->cap = y->o.batch_max;
	y->n_matched = 0;
	y->n_fresh = 0;
	if (y->online) {
		y->phase = P_PLAN;
		return CACHE_SYNC_RUNNING;
	}
	y->stats.probes++;
	if (!send(y, api_req_new(y->conn, "GET", "/metadata", err), P_PROBE, err))
		return end_pass(y, CACHE_SYNC_ERROR);
	return CACHE_SYNC_RUNNING;
}

static bool is_self(const cJSON *res, const char *uuid);

/* --- planning ------------------------------------------------------------ */

/* A small set of row keys: records and clients that must wait this pass. */
struct keyset {
	char (*k)[CACHE_KEY_STR];
	int n;
	size_t cap;
};

static bool ks_has(const struct keyset *ks, const char *key)
{
	for (int i = 0; i < ks->n; i++)
		if (!strcmp(ks->k[i], key))
			return true;
	return false;
}

static void ks_add(struct keyset *ks, const char *key)
{
	if (ks_has(ks, key))
		return;
	ks->k = xgrow(ks->k, &ks->cap, (size_t)ks->n + 1, sizeof *ks->k);
	text_copy(ks->k[ks->n++], CACHE_KEY_STR, key);
}

static bool seq_in(const int64_t *v, int n, int64_t seq)
{
	for (int i = 0; i < n; i++)
		if (v[i] == seq)
			return true;
	return false;
}

static void seq_add(int64_t **v, int *n, size_t *cap, int64_t seq)
{
	*v = xgrow(*v, cap, (size_t)*n + 1, sizeof **v);
	(*v)[(*n)++] = seq;
}

/* An entry that waits this pass: later changes of its record wait too,
 * and the doses of a client whose create waits. */
static void hold(struct keyset *waiting, struct keyset *held_clients, const struct cache_entry *e)
{
	ks_add(waiting, e->rec_key);
	if (e->type == CACHE_R_PATIENT && e->op == CACHE_OP_CREATE)
		ks_add(held_clients, e->rec_key);
}

/* The registry id of a record: from the accepted create of its row key,
 * else "" (the record's own id is checked by the caller). */
static void receipt_of_create(struct cache_sync *y, const char *rec_key, enum cache_rtype t, char *id,
                              size_t len)
{
	sqlite3_stmt *st;
	id[0] = '\0';
	if (sqlite3_prepare_v2(y->s->db,
	                       "SELECT seq FROM outbox WHERE rec_key=? AND rtype=? AND op=1 AND state=2"
	                       " ORDER BY seq DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, rec_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, t);
	int64_t seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	struct cache_entry e;
	if (seq && cache_outbox_get(y->s, seq, &e, NULL))
		text_copy(id, len, e.receipt_id);
}

/* The registry id of a client row: the cached copy's id, else the receipt
 * of its accepted create. */
static void client_rid(struct cache_sync *y, const char *client_key, char *id, size_t len)
{
	struct client *c = xmalloc(sizeof *c);
	id[0] = '\0';
	if (cache_read_client(y->s, client_key, c, NULL, false, NULL) && c->id[0])
		text_copy(id, len, c->id);
	else
		receipt_of_create(y, client_key, CACHE_R_PATIENT, id, len);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

static vax_date today(int64_t now)
{
	return (vax_date)(now / 86400);
}

/* The seq of the unsent create of a record, 0 if none. */
static int64_t unsent_create_seq(struct cache_sync *y, const char *rec_key)
{
	sqlite3_stmt *st;
	int64_t seq = 0;
	if (sqlite3_prepare_v2(y->s->db,
	                       "SELECT min(seq) FROM outbox WHERE rec_key=? AND op=1 AND state NOT IN (2, 6)",
	                       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, rec_key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}

/* Does this new dose look like one the client already has here? Doses
 * typed later than this one are left out, so of two duplicates typed
 * offline only the second waits. (The registry checks again against
 * everything it holds: registry/dedup.h.) */
static bool looks_duplicate(struct cache_sync *y, const struct cache_entry *e, const struct immunization *im,
                            char *msg, size_t len, int64_t now)
{
	struct immunization *have = NULL;
	int n = cache_client_immunizations(y->s, e->client_key, &have, NULL);
	int k = 0;
	for (int i = 0; i < n; i++) {
		char key[CACHE_KEY_STR];
		if (!cache_imm_key(y->s, &have[i], key) || !strcmp(key, e->rec_key))
			continue;
		int64_t seq = unsent_create_seq(y, key);
		if (seq && seq > e->seq)
			continue;
		have[k++] = have[i];
	}
	struct rule_ctx ctx = {
	    .today = today(now), .codes = y->o.codes, .duplicate_window_days = y->o.duplicate_window_days};
	struct rule_report rep;
	rules_report_init(&rep);
	int hit = k > 0 ? rules_check_duplicate(&ctx, im, have, k, &rep) : -1;
	if (hit >= 0)
		snprintf(msg, len, "%s (%s)", rule_message(RULE_DUPLICATE_SHOT), rep.v[0].detail);
	free(have);
	return hit >= 0;
}

static void sent_add(struct cache_sync *y, int b, char kind, const char *type, const char *uuid,
                     const char *id, const char *base, const cJSON *body)
{
	y->sent = xgrow(y->sent, &y->cap_sent, (size_t)y->n_sent + 1, sizeof *y->sent);
	struct sent *t = &y->sent[y->n_sent++];
	t->b = b;
	t->kind = kind;
	text_copy(t->type, sizeof t->type, type);
	text_copy(t->uuid, sizeof t->uuid, uuid ? uuid : "");
	text_copy(t->id, sizeof t->id, id ? id : "");
	text_copy(t->base, sizeof t->base, base ? base : "");
	t->body = body ? cJSON_Duplicate(body, true) : NULL;
}

/* One Bundle entry: a conditional create on uuid (id ""), else by id an
 * update or (del) a delete with If-Match on version. Takes res. */
static void add_request(struct cache_sync *y, cJSON *entries, int b, char kind, const char *type, cJSON *res,
                        const char *id, const char *version, const char *uuid, bool del)
{
	cJSON *ent = cJSON_CreateObject(), *req = cJSON_CreateObject();
	char url[VAX_ID_LEN + 80];
	if (res) {
		cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
		if (id[0])
			cJSON_AddStringToObject(res, "id", id);
	}
	if (id[0]) {
		snprintf(url, sizeof url, "%s/%s", type, id);
		cJSON_AddStringToObject(req, "method", del ? "DELETE" : "PUT");
		cJSON_AddStringToObject(req, "url", url);
		if (version[0]) {
			char m[VAX_VERSION_LEN + 8];
			snprintf(m, sizeof m, "W/\"%s\"", version);
			cJSON_AddStringToObject(req, "ifMatch", m);
		}
	} else {
		snprintf(url, sizeof url, "urn:uuid:%s", uuid);
		cJSON_AddStringToObject(ent, "fullUrl", url);
		cJSON_AddStringToObject(req, "method", "POST");
		cJSON_AddStringToObject(req, "url", type);
		snprintf(url, sizeof url, "identifier=" FHIR_SYS_UUID "|urn:uuid:%s", uuid);
		cJSON_AddStringToObject(req, "ifNoneExist", url);
	}
	sent_add(y, b, kind, type, uuid, id, id[0] ? version : "", del ? NULL : res);
	if (del || !res)
		cache_json_free(res);
	else
		cJSON_AddItemToObject(ent, "resource", res);
	cJSON_AddItemToObject(ent, "request", req);
	cJSON_AddItemToArray(entries, ent);
}

/* The registry's copy of type/id, if it is the version `version`. */
static cJSON *remote_at(struct cache_sync *y, const char *type, const char *id, const char *version)
{
	cJSON *r = version[0] ? cache_remote_get(y->s, type, id) : NULL;
	if (r && strcmp(cache_json_version(r), version)) {
		cache_json_free(r);
		r = NULL;
	}
	return r;
}

/* The body of a change: the registry's copy at the base version with what
 * changed from base to ours (cache/merge.h), else ours as it is. */
static cJSON *change_body(const char *type, cJSON *remote, cJSON *base, cJSON *ours)
{
	cJSON *body = remote && base ? cache_merge_resource_checked(remote, base, ours, type)
	                             : cJSON_Duplicate(ours, true);
	cache_json_free(remote);
	cache_json_free(base);
	cache_json_free(ours);
	cJSON_DeleteItemFromObjectCaseSensitive(body, "meta");
	return body;
}

static void set_patient(cJSON *res, const char *ref)
{
	cJSON_DeleteItemFromObjectCaseSensitive(res, "patient");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "patient"), "reference", ref);
}

/* A companion a record typed before the registry gave it an id learns it
 * from the cached client (by UUID). */
static void learn_person(struct responsible_person *rp, const struct client *cached)
{
	for (int i = 0; cached && !rp->id[0] && rp->uuid[0] && i < cached->n_resp; i++)
		if (!strcmp(cached->resp[i].uuid, rp->uuid)) {
			text_copy(rp->id, sizeof rp->id, cached->resp[i].id);
			text_copy(rp->version, sizeof rp->version, cached->resp[i].version);
		}
}

static void learn_consent(struct consent *cs, const struct client *cached)
{
	if (cached && !cs->id[0] && cs->uuid[0] && !strcmp(cached->consent.uuid, cs->uuid)) {
		text_copy(cs->id, sizeof cs->id, cached->consent.id);
		text_copy(cs->version, sizeof cs->version, cached->consent.version);
	}
}

static const struct responsible_person *person_in(const struct client *c, const struct responsible_person *rp)
{
	for (int i = 0; c && i < c->n_resp; i++)
		if ((rp->uuid[0] && !strcmp(c->resp[i].uuid, rp->uuid)) ||
		    (rp->id[0] && !strcmp(c->resp[i].id, rp->id)))
			return &c->resp[i];
	return NULL;
}

/* What a client change sends, worked out once: the Patient and each
 * companion that differs from the base (all of them for a change kept
 * without a base by an older vaxdesk, whose payload held only those). */
struct client_plan {
	struct client ours, base, cached;
	bool have_base, have_cached;
};

static void client_plan_load(struct cache_sync *y, const struct cache_entry *e, struct client_plan *p,
                             bool *ok)
{
	*ok = cache_outbox_client(y->s, e->seq, CACHE_OURS, &p->ours, NULL);
	p->have_base =
	    *ok && e->op != CACHE_OP_CREATE && cache_outbox_client(y->s, e->seq, CACHE_BASE, &p->base, NULL);
	p->have_cached = cache_read_client(y->s, e->rec_key, &p->cached, NULL, false, NULL);
	const struct client *cached = p->have_cached ? &p->cached : NULL;
	for (int i = 0; i < p->ours.n_resp; i++)
		learn_person(&p->ours.resp[i], cached);
	learn_consent(&p->ours.consent, cached);
	for (int i = 0; p->have_base && i < p->base.n_resp; i++)
		learn_person(&p->base.resp[i], cached);
	if (p->have_base)
		learn_consent(&p->base.consent, cached);
}

/* Does a change need the registry's copies it builds on read first (one
 * of them is not kept at the base version)? */
static bool needs_fresh(struct cache_sync *y, const struct cache_entry *e, const struct client_plan *p,
                        const struct immunization *base_im, const char *id)
{
	if (e->op != CACHE_OP_UPDATE || seq_in(y->fresh, y->n_fresh, e->seq))
		return false;
	if (e->type == CACHE_R_IMMUNIZATION) {
		cJSON *r = base_im ? remote_at(y, "Immunization", id, base_im->version) : NULL;
		bool need = base_im && !r;
		cache_json_free(r);
		return need;
	}
	if (!p->have_base)
		return false;
	cJSON *r = remote_at(y, "Patient", id, p->base.version);
	bool need = !r;
	cache_json_free(r);
	for (int i = 0; !need && i < p->ours.n_resp; i++) {
		const struct responsible_person *rp = &p->ours.resp[i];
		const struct responsible_person *b = person_in(&p->base, rp);
		if (rp->removed || !rp->id[0] || !b || cache_merge_same_person(rp, b))
			continue;
		r = remote_at(y, "RelatedPerson", rp->id, b->version);
		need = !r;
		cache_json_free(r);
	}
	const struct consent *cs = &p->ours.consent;
	if (!need && cs->id[0] && !strcmp(p->base.consent.id, cs->id) &&
	    !cache_merge_same_consent(cs, &p->base.consent)) {
		r = remote_at(y, "Consent", cs->id, p->base.consent.version);
		need = !r;
		cache_json_free(r);
	}
	return need;
}

/* A client's responsible persons and consent go in the same transaction,
 * right after it: the new ones as conditional creates, the changed ones
 * (compared with the base) as updates and the removed ones as deletes, each
 * with If-Match on the base's version of it: the Patient's own If-Match
 * does not see a change made to a responsible person or consent alone. */
static void add_companions(struct cache_sync *y, const struct client_plan *p, cJSON *entries,
                           const char *patient_ref, int b)
{
	const struct client *base = p->have_base ? &p->base : NULL;
	for (int i = 0; i < p->ours.n_resp; i++) {
		const struct responsible_person *rp = &p->ours.resp[i];
		const struct responsible_person *br = person_in(base, rp);
		const char *version = br ? br->version : rp->version;
		if (rp->removed) {
			if (rp->id[0] && (!base || br))
				add_request(y, entries, b, 'D', "RelatedPerson", NULL, rp->id, version,
				            rp->uuid, true);
			continue; /* one that never reached the registry has nothing to delete */
		}
		if (br && rp->id[0] && cache_merge_same_person(rp, br))
			continue;
		cJSON *body;
		if (!rp->id[0]) {
			body = fhir_related_person_to_json(rp, patient_ref);
			cJSON_DeleteItemFromObjectCaseSensitive(body, "meta");
		} else {
			body = change_body("RelatedPerson",
			                   br ? remote_at(y, "RelatedPerson", rp->id, version) : NULL,
			                   br ? fhir_related_person_to_json(br, "#") : NULL,
			                   fhir_related_person_to_json(rp, "#"));
			const cJSON *pref = cJSON_GetObjectItemCaseSensitive(body, "patient");
			const char *ref =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pref, "reference"));
			if (!ref || !strcmp(ref, "#"))
				set_patient(body, patient_ref);
		}
		add_request(y, entries, b, 'R', "RelatedPerson", body, rp->id, version, rp->uuid, false);
	}
	const struct consent *cs = &p->ours.consent;
	if (!client_consent_recorded(cs))
		return;
	const struct consent *bc = base && ((cs->uuid[0] && !strcmp(base->consent.uuid, cs->uuid)) ||
	                                    (cs->id[0] && !strcmp(base->consent.id, cs->id)))
	                               ? &base->consent
	                               : NULL;
	if (bc && cs->id[0] && cache_merge_same_consent(cs, bc))
		return;
	const char *version = bc ? bc->version : cs->version;
	cJSON *body;
	if (!cs->id[0]) {
		body = fhir_consent_to_json(cs, patient_ref);
		cJSON_DeleteItemFromObjectCaseSensitive(body, "meta");
	} else {
		body = change_body("Consent", bc ? remote_at(y, "Consent", cs->id, version) : NULL,
		                   bc ? fhir_consent_to_json(bc, "#") : NULL, fhir_consent_to_json(cs, "#"));
		const cJSON *pref = cJSON_GetObjectItemCaseSensitive(body, "patient");
		const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pref, "reference"));
		if (!ref || !strcmp(ref, "#"))
			set_patient(body, patient_ref);
	}
	add_request(y, entries, b, 'C', "Consent", body, cs->id, version, cs->uuid, false);
}

/* What building one entry came to. */
enum built {
	B_ADDED, /* in the Bundle */
	B_WAIT,  /* not yet: its client or create is not on the registry */
	B_FETCH, /* the registry's copy it builds on must be read first */
	B_BAD,   /* it cannot be read back */
};

static enum built add_client_entry(struct cache_sync *y, const struct cache_entry *e, cJSON *entries, int b)
{
	struct client_plan *p = xmalloc(sizeof *p);
	bool ok;
	client_plan_load(y, e, p, &ok);
	enum built r = B_ADDED;
	char id[VAX_ID_LEN] = "";
	text_copy(id, sizeof id, p->ours.id);
	if (ok && e->op != CACHE_OP_CREATE && !id[0])
		receipt_of_create(y, e->rec_key, CACHE_R_PATIENT, id, sizeof id);
	if (!ok) {
		r = B_BAD;
	} else if (e->op != CACHE_OP_CREATE && !id[0]) {
		r = B_WAIT; /* its create is not on the registry yet */
	} else if (needs_fresh(y, e, p, NULL, id)) {
		r = B_FETCH;
	} else if (e->op == CACHE_OP_CREATE) {
		char ref[VAX_UUID_LEN + 16];
		snprintf(ref, sizeof ref, "urn:uuid:%s", e->rec_key);
		cJSON *res = fhir_patient_to_json(&p->ours);
		cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
		add_request(y, entries, b, 'E', "Patient", res, "", "", e->rec_key, false);
		add_companions(y, p, entries, ref, b);
	} else {
		const char *version = p->have_base ? p->base.version : p->ours.version;
		char ref[VAX_ID_LEN + 16];
		snprintf(ref, sizeof ref, "Patient/%s", id);
		if (e->op == CACHE_OP_DELETE) {
			add_request(y, entries, b, 'E', "Patient", NULL, id, version, "", true);
		} else {
			cJSON *body =
			    change_body("Patient", p->have_base ? remote_at(y, "Patient", id, version) : NULL,
			                p->have_base ? fhir_patient_to_json(&p->base) : NULL,
			                fhir_patient_to_json(&p->ours));
			add_request(y, entries, b, 'E', "Patient", body, id, version, "", false);
			add_companions(y, p, entries, ref, b);
		}
	}
	OPENSSL_cleanse(p, sizeof *p);
	free(p);
	return r;
}

static enum built add_imm_entry(struct cache_sync *y, const struct cache_entry *e,
                                const struct keyset *in_batch, cJSON *entries, int b)
{
	struct immunization ours, base;
	if (!cache_outbox_imm(y->s, e->seq, CACHE_OURS, &ours, NULL))
		return B_BAD;
	bool have_base = e->op != CACHE_OP_CREATE && cache_outbox_imm(y->s, e->seq, CACHE_BASE, &base, NULL);
	char id[VAX_ID_LEN] = "";
	text_copy(id, sizeof id, ours.id);
	if (e->op != CACHE_OP_CREATE && !id[0])
		receipt_of_create(y, e->rec_key, CACHE_R_IMMUNIZATION, id, sizeof id);
	if (e->op != CACHE_OP_CREATE && !id[0])
		return B_WAIT;
	if (needs_fresh(y, e, NULL, have_base ? &base : NULL, id))
		return B_FETCH;
	const char *version = have_base ? base.version : ours.version;
	if (e->op == CACHE_OP_DELETE) {
		add_request(y, entries, b, 'E', "Immunization", NULL, id, version, "", true);
		return B_ADDED;
	}
	/* the client: as the dose names it, else as the store knows it by now,
	 * else a new client in this same Bundle */
	char cid[VAX_ID_LEN] = "", ref[VAX_ID_LEN + 16];
	text_copy(cid, sizeof cid, ours.client_id);
	if (!cid[0])
		client_rid(y, e->client_key, cid, sizeof cid);
	if (cid[0])
		snprintf(ref, sizeof ref, "Patient/%s", cid);
	else if (ks_has(in_batch, e->client_key))
		snprintf(ref, sizeof ref, "urn:uuid:%s", e->client_key);
	else
		return B_WAIT;
	if (e->op == CACHE_OP_CREATE) {
		cJSON *res = fhir_immunization_to_json(&ours);
		cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
		set_patient(res, ref);
		if (e->reviewed) {
			/* a person looked at the possible duplicate: another dose */
			cJSON *tag = cJSON_CreateObject();
			cJSON_AddStringToObject(tag, "system", FHIR_CS "review");
			cJSON_AddStringToObject(tag, "code", "confirmed-not-duplicate");
			cJSON_AddItemToArray(
			    cJSON_AddArrayToObject(cJSON_AddObjectToObject(res, "meta"), "tag"), tag);
		}
		add_request(y, entries, b, 'E', "Immunization", res, "", "", e->rec_key, false);
		return B_ADDED;
	}
	cJSON *body = change_body(
	    "Immunization", have_base ? remote_at(y, "Immunization", id, version) : NULL,
	    have_base ? fhir_immunization_to_json(&base) : NULL, fhir_immunization_to_json(&ours));
	if (!have_base)
		set_patient(body, ref);
	add_request(y, entries, b, 'E', "Immunization", body, id, version, "", false);
	return B_ADDED;
}

static bool fetch_theirs(struct cache_sync *y, int64_t seq, enum cache_rtype type, const char *id,
                         enum fetch_why why);
static enum cache_sync_status went_offline(struct cache_sync *y, const struct api_result *res, int64_t now);

/* The registry id of the record an entry changes ("" if not known yet). */
static void entry_rid(struct cache_sync *y, const struct cache_entry *e, char *id, size_t len)
{
	struct client *c = xmalloc(sizeof *c);
	struct immunization im;
	id[0] = '\0';
	if (e->type == CACHE_R_PATIENT ? cache_outbox_client(y->s, e->seq, CACHE_OURS, c, NULL)
	                               : cache_outbox_imm(y->s, e->seq, CACHE_OURS, &im, NULL))
		text_copy(id, len, e->type == CACHE_R_PATIENT ? c->id : im.id);
	if (!id[0])
		receipt_of_create(y, e->rec_key, e->type, id, len);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

/* Choose what to do next: a $match, a read of the registry's copy, a
 * Bundle, or the end of the pass. */
static enum cache_sync_status plan(struct cache_sync *y, int64_t now, struct vax_error *err)
{
	struct cache_entry *v = NULL;
	int n = cache_outbox_list(y->s, 1u << CACHE_PENDING, &v, err);
	if (n < 0)
		return end_pass(y, CACHE_SYNC_ERROR);
	/* records that wait this pass, and clients whose create waits (their
	 * doses wait with them; a client's refused edit holds no dose) */
	struct keyset waiting = {0}, in_batch = {0}, held_clients = {0};
	cJSON *bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
	cJSON_AddStringToObject(bundle, "type", "transaction");
	cJSON *entries = cJSON_AddArrayToObject(bundle, "entry");
	y->n_batch = 0;
	sent_clear(y);
	enum cache_sync_status st = CACHE_SYNC_RUNNING;
	bool started = false;
	/* records whose earlier entries are not accepted and not pending wait */
	struct cache_entry *blocked = NULL;
	int nb = cache_outbox_list(
	    y->s, 1u << CACHE_REJECTED | 1u << CACHE_CONFLICT | 1u << CACHE_NEEDS_REVIEW, &blocked, NULL);
	for (int i = 0; i < nb; i++) {
		ks_add(&waiting, blocked[i].rec_key);
		if (blocked[i].type == CACHE_R_PATIENT && blocked[i].op == CACHE_OP_CREATE)
			ks_add(&held_clients, blocked[i].client_key);
	}
	free(blocked);
	/* every new client is matched before any Bundle goes, so Bundles stay
	 * full: n new clients cost n $match requests and n/batch_max uploads */
	int first_match = -1;
	for (int i = 0; i < n && !y->o.no_match; i++) {
		struct cache_entry *e = &v[i];
		if (e->type == CACHE_R_PATIENT && e->op == CACHE_OP_CREATE && !e->reviewed &&
		    e->next_try <= now && !ks_has(&waiting, e->rec_key) &&
		    !seq_in(y->matched, y->n_matched, e->seq)) {
			first_match = i;
			break;
		}
	}
	for (int i = first_match >= 0 ? first_match : 0; i < n && y->n_batch < y->cap && !started; i++) {
		struct cache_entry *e = &v[i];
		bool blocked_here = e->next_try > now || ks_has(&waiting, e->rec_key) ||
		                    (e->type == CACHE_R_IMMUNIZATION && ks_has(&held_clients, e->client_key));
		if (blocked_here) {
			hold(&waiting, &held_clients, e);
			continue;
		}
		if (i == first_match) {
			struct client *c = xmalloc(sizeof *c);
			bool read = cache_outbox_client(y->s, e->seq, CACHE_OURS, c, NULL);
			cJSON *pat = read ? fhir_patient_to_json(c) : NULL;
			OPENSSL_cleanse(c, sizeof *c);
			free(c);
			if (!pat) {
				cache_outbox_set_state(y->s, e->seq, CACHE_REJECTED, NULL, NULL,
				                       "The saved client could not be read back.", NULL,
				                       NULL);
				hold(&waiting, &held_clients, e);
				continue;
			}
			y->cur = e->seq;
			text_copy(y->cur_key, sizeof y->cur_key, e->rec_key);
			y->stats.matches++;
			struct api_req *r = api_fhir_match_req(y->conn, pat, 5, false, err);
			cache_json_free(pat);
			if (!send(y, r, P_MATCH, err))
				st = end_pass(y, CACHE_SYNC_ERROR);
			started = true;
			break;
		}
		if (e->type == CACHE_R_IMMUNIZATION && e->op == CACHE_OP_CREATE && !e->reviewed) {
			struct immunization im;
			char msg[VAX_ERROR_MSG_LEN];
			if (cache_outbox_imm(y->s, e->seq, CACHE_OURS, &im, NULL) &&
			    looks_duplicate(y, e, &im, msg, sizeof msg, now)) {
				cache_outbox_set_state(y->s, e->seq, CACHE_NEEDS_REVIEW, NULL, NULL, msg,
				                       NULL, NULL);
				y->stats.review++;
				ks_add(&waiting, e->rec_key);
				continue;
			}
		}
		if (e->op != CACHE_OP_CREATE && ks_has(&in_batch, e->rec_key)) {
			/* a second change of a record in this Bundle would name the
			 * same base version: it goes after the first is accepted */
			ks_add(&waiting, e->rec_key);
			continue;
		}
		int mark = cJSON_GetArraySize(entries), mark_sent = y->n_sent;
		enum built r = e->type == CACHE_R_PATIENT
		                   ? add_client_entry(y, e, entries, y->n_batch)
		                   : add_imm_entry(y, e, &in_batch, entries, y->n_batch);
		if (r == B_FETCH && y->n_batch == 0) {
			/* read what the change builds on, then plan again */
			char id[VAX_ID_LEN];
			entry_rid(y, e, id, sizeof id);
			seq_add(&y->fresh, &y->n_fresh, &y->cap_fresh, e->seq);
			if (!fetch_theirs(y, e->seq, e->type, id, FETCH_FRESH))
				st = end_pass(y, CACHE_SYNC_ERROR);
			started = true;
			break;
		}
		if (r != B_ADDED) {
			while (cJSON_GetArraySize(entries) > mark)
				cJSON_DeleteItemFromArray(entries, mark);
			while (y->n_sent > mark_sent)
				cache_json_free(y->sent[--y->n_sent].body);
			if (r == B_BAD)
				cache_outbox_set_state(y->s, e->seq, CACHE_REJECTED, NULL, NULL,
				                       "The saved change could not be read back.", NULL,
				                       NULL);
			hold(&waiting, &held_clients, e);
			continue;
		}
		ks_add(&in_batch, e->rec_key);
		y->batch = xgrow(y->batch, &y->cap_batch, (size_t)y->n_batch + 1, sizeof *y->batch);
		y->batch[y->n_batch++] = e->seq;
	}
	free(v);
	free(waiting.k);
	free(in_batch.k);
	free(held_clients.k);
	if (started || !y->n_batch) {
		cache_json_free(bundle);
		if (!started)
			sent_clear(y);
		y->n_batch = 0;
		return started ? st : end_pass(y, CACHE_SYNC_DONE);
	}
	/* SENDING is durable before the request leaves; a crash puts it back
	 * to PENDING at the next open */
	bool ok = cache_exec(y->s, "BEGIN IMMEDIATE", err);
	for (int i = 0; ok && i < y->n_batch; i++)
		ok = cache_outbox_set_state(y->s, y->batch[i], CACHE_SENDING, NULL, NULL, NULL, NULL, err);
	if (!ok || !cache_exec(y->s, "COMMIT", err)) {
		if (ok)
			sqlite3_exec(y->s->db, "ROLLBACK", NULL, NULL, NULL);
		else if (!sqlite3_get_autocommit(y->s->db))
			sqlite3_exec(y->s->db, "ROLLBACK", NULL, NULL, NULL);
		cache_json_free(bundle);
		y->n_batch = 0;
		return end_pass(y, CACHE_SYNC_ERROR);
	}
	y->stats.bundles++;
	struct api_req *r = api_fhir_bundle_req(y->conn, bundle, err);
	cache_json_free(bundle);
	/* the receipts need each entry's id and version only, not back what
	 * was just sent: on a slow link that halves the answer */
	if (r && !api_req_header(r, "Prefer: return=minimal")) {
		api_req_free(r);
		r = NULL;
	}
	if (!send(y, r, P_UPLOAD, err))
		return end_pass(y, CACHE_SYNC_ERROR);
	return CACHE_SYNC_RUNNING;
}

/* --- answers --------------------------------------------------------------- */

static enum cache_sync_status went_offline(struct cache_sync *y, const struct api_result *res, int64_t now)
{
	cache_sync_note_offline(y, now, res->retry_after);
	return end_pass(y, CACHE_SYNC_OFFLINE);
}

static void outcome_text(const struct api_result *res, char *buf, size_t len)
{
	if (!api_outcome_text(res->body, res->body_len, buf, len))
		text_copy(buf, len,
		          res->err.message[0] ? res->err.message : "The registry refused this change.");
}

/* Keep the registry's copy of what it just accepted: the resource its
 * answer carries, else what we sent with the id and version it gave. */
static void keep_remote(struct cache_sync *y, const struct sent *t, const cJSON *answered, const char *id,
                        const char *version)
{
	if (t->kind == 'D' || (t->kind == 'E' && !t->body && !answered)) {
		cache_remote_drop(y->s, t->type, id);
		return;
	}
	cJSON *r = answered  ? cJSON_Duplicate(answered, true)
	           : t->body ? cJSON_Duplicate(t->body, true)
	                     : NULL;
	if (!r)
		return;
	if (!answered) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, "id");
		cJSON_AddStringToObject(r, "id", id);
		cache_json_set_version(r, version);
	}
	cache_put_remote(y->s, r, NULL);
	cache_json_free(r);
}

/* After acceptance the cached copy learns its registry id and version. */
static void record_receipt(struct cache_sync *y, const struct cache_entry *e, const char *id,
                           const char *version)
{
	if (e->op == CACHE_OP_DELETE)
		return;
	if (e->type == CACHE_R_PATIENT) {
		struct client *c = xmalloc(sizeof *c);
		if (cache_read_client(y->s, e->rec_key, c, NULL, false, NULL)) {
			text_copy(c->id, sizeof c->id, id);
			text_copy(c->version, sizeof c->version, version);
			cache_write_client_row(y->s, e->rec_key, c, 0, true, NULL);
		}
		OPENSSL_cleanse(c, sizeof *c);
		free(c);
		return;
	}
	struct immunization *have = NULL;
	int n = cache_client_immunizations(y->s, e->client_key, &have, NULL);
	for (int i = 0; i < n; i++) {
		char key[CACHE_KEY_STR];
		if (!cache_imm_key(y->s, &have[i], key) || strcmp(key, e->rec_key))
			continue;
		text_copy(have[i].id, sizeof have[i].id, id);
		text_copy(have[i].version, sizeof have[i].version, version);
		if (!have[i].client_id[0])
			client_rid(y, e->client_key, have[i].client_id, sizeof have[i].client_id);
		cache_write_imm_row(y->s, key, e->client_key, &have[i], NULL);
	}
	free(have);
}

/* The unsent changes of e's record queued after it (not accepted, not
 * discarded, not a create), oldest first; at most max. */
static int later_edits(struct cache_sync *y, const struct cache_entry *e, int64_t *later, int max)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        y->s->db,
	        "SELECT seq FROM outbox WHERE rec_key=? AND seq>? AND state NOT IN (2, 6) AND op<>1"
	        " ORDER BY seq",
	        -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, e->rec_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, e->seq);
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		later[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The later changes of a record, each as its records on both sides, for
 * a fix applied to all of them. */
struct later_fix {
	const struct sent *t; /* a companion's receipt, or NULL: the record's own */
	const char *old_version, *new_version, *new_id;
};

/* One record of a later change: a base (or, without one, ours) that named
 * the version this answer replaced now names the new one; a companion
 * typed before its create was accepted learns its id. */
static bool fix_client(struct client *c, const struct later_fix *f, bool version_too)
{
	bool changed = false;
	if (!f->t) {
		if (version_too && !strcmp(c->version, f->old_version)) {
			text_copy(c->version, sizeof c->version, f->new_version);
			changed = true;
		}
		return changed;
	}
	if (f->t->kind == 'C') {
		if (sent_is(f->t, c->consent.uuid, c->consent.id)) {
			if (!c->consent.id[0]) {
				text_copy(c->consent.id, sizeof c->consent.id, f->new_id);
				changed = true;
			}
			if (version_too && !strcmp(c->consent.version, f->old_version)) {
				text_copy(c->consent.version, sizeof c->consent.version, f->new_version);
				changed = true;
			}
		}
		return changed;
	}
	for (int i = 0; i < c->n_resp; i++) {
		struct responsible_person *rp = &c->resp[i];
		if (!sent_is(f->t, rp->uuid, rp->id))
			continue;
		if (f->t->kind == 'D') {
			memmove(rp, rp + 1, (size_t)(c->n_resp - i - 1) * sizeof *rp);
			c->n_resp--;
			return true;
		}
		if (!rp->id[0]) {
			text_copy(rp->id, sizeof rp->id, f->new_id);
			changed = true;
		}
		if (version_too && !strcmp(rp->version, f->old_version)) {
			text_copy(rp->version, sizeof rp->version, f->new_version);
			changed = true;
		}
	}
	return changed;
}

/* Later changes of the same record, typed on the version this answer
 * replaced while this one waited, now build on the version it made: else
 * the second of two offline edits would always come back 412. */
static void fix_later(struct cache_sync *y, const struct cache_entry *e, const struct later_fix *f)
{
	if (!f->new_version[0] && (!f->t || f->t->kind != 'D'))
		return;
	int64_t later[64];
	int n = later_edits(y, e, later, 64);
	for (int i = 0; i < n; i++) {
		if (e->type == CACHE_R_PATIENT) {
			struct client *c = xmalloc(sizeof *c);
			/* the base names what If-Match sends; an older vaxdesk's
			 * entry has only ours */
			bool based = cache_outbox_client(y->s, later[i], CACHE_BASE, c, NULL);
			if (based && fix_client(c, f, true))
				cache_outbox_set_record(y->s, later[i], CACHE_BASE, c, NULL, NULL);
			if (cache_outbox_client(y->s, later[i], CACHE_OURS, c, NULL) &&
			    fix_client(c, f, !based))
				cache_outbox_set_record(y->s, later[i], CACHE_OURS, c, NULL, NULL);
			OPENSSL_cleanse(c, sizeof *c);
			free(c);
		} else if (!f->t) {
			struct immunization im;
			bool based = cache_outbox_imm(y->s, later[i], CACHE_BASE, &im, NULL);
			enum cache_side side = based ? CACHE_BASE : CACHE_OURS;
			if ((based || cache_outbox_imm(y->s, later[i], CACHE_OURS, &im, NULL)) &&
			    !strcmp(im.version, f->old_version)) {
				text_copy(im.version, sizeof im.version, f->new_version);
				cache_outbox_set_record(y->s, later[i], side, NULL, &im, NULL);
			}
		}
	}
}

/* The version an entry's If-Match named: its base's ("" for a create), or
 * for an entry an older vaxdesk kept without a base, its own. */
static void entry_base_version(struct cache_sync *y, const struct cache_entry *e, char *out, size_t len)
{
	struct client *c = xmalloc(sizeof *c);
	struct immunization im;
	bool pat = e->type == CACHE_R_PATIENT;
	out[0] = '\0';
	if (pat ? cache_outbox_client(y->s, e->seq, CACHE_BASE, c, NULL) ||
	              cache_outbox_client(y->s, e->seq, CACHE_OURS, c, NULL)
	        : cache_outbox_imm(y->s, e->seq, CACHE_BASE, &im, NULL) ||
	              cache_outbox_imm(y->s, e->seq, CACHE_OURS, &im, NULL))
		text_copy(out, len, pat ? c->version : im.version);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

/* The registry's ids and versions for a client's companions go into the
 * cached copy and into the later changes; deleted ones leave them. */
static void companion_receipt(struct cache_sync *y, const struct cache_entry *e, const struct sent *t,
                              const char *id, const char *version)
{
	struct later_fix f = {.t = t, .old_version = t->base, .new_version = version, .new_id = id};
	fix_later(y, e, &f);
	struct client *c = xmalloc(sizeof *c);
	if (cache_read_client(y->s, e->rec_key, c, NULL, false, NULL)) {
		if (t->kind == 'C' && sent_is(t, c->consent.uuid, c->consent.id)) {
			text_copy(c->consent.id, sizeof c->consent.id, id);
			text_copy(c->consent.version, sizeof c->consent.version, version);
		} else if (t->kind == 'D') {
			fix_client(c, &f, false);
		} else if (t->kind == 'R') {
			for (int i = 0; i < c->n_resp; i++)
				if (sent_is(t, c->resp[i].uuid, c->resp[i].id)) {
					text_copy(c->resp[i].id, sizeof c->resp[i].id, id);
					text_copy(c->resp[i].version, sizeof c->resp[i].version, version);
				}
		}
		cache_write_client_row(y->s, e->rec_key, c, 0, true, NULL);
	}
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

/* After a read of the registry's client found our change there (its answer
 * lost) or merged with it: the ids and versions the registry gave our
 * responsible persons and consent go into the later changes and the cached
 * copy, as the lost receipts would have put them. A companion the registry
 * holds exactly as we sent it takes the registry's version; one it holds
 * otherwise gets an id and a version no registry has, so a later change of
 * it comes back 412 and is merged in its turn, never sent blind. */
static void learn_companions(struct cache_sync *y, const struct cache_entry *e, const struct client *base,
                             const struct client *ours, const struct client *theirs)
{
	for (int i = 0; i < theirs->n_resp; i++) {
		const struct responsible_person *t = &theirs->resp[i];
		const struct responsible_person *o = person_in(ours, t), *b = person_in(base, t);
		if (!o || (b && !strcmp(b->version, t->version) && b->id[0]))
			continue; /* not ours, or nobody changed it */
		struct sent s = {.kind = 'R'};
		text_copy(s.type, sizeof s.type, "RelatedPerson");
		text_copy(s.uuid, sizeof s.uuid, o->uuid);
		text_copy(s.id, sizeof s.id, o->id[0] ? o->id : t->id);
		text_copy(s.base, sizeof s.base, b ? b->version : o->version);
		companion_receipt(y, e, &s, t->id, cache_merge_same_person(o, t) ? t->version : "0");
	}
	for (int i = 0; i < ours->n_resp; i++) {
		const struct responsible_person *o = &ours->resp[i];
		if (o->removed && o->id[0] && !person_in(theirs, o)) {
			struct sent s = {.kind = 'D'};
			text_copy(s.uuid, sizeof s.uuid, o->uuid);
			text_copy(s.id, sizeof s.id, o->id);
			companion_receipt(y, e, &s, o->id, "");
		}
	}
	const struct consent *t = &theirs->consent, *o = &ours->consent;
	bool same_one =
	    t->id[0] && ((o->uuid[0] && !strcmp(o->uuid, t->uuid)) || (o->id[0] && !strcmp(o->id, t->id)));
	if (same_one && !(base->consent.id[0] && !strcmp(base->consent.version, t->version))) {
		struct sent s = {.kind = 'C'};
		text_copy(s.type, sizeof s.type, "Consent");
		text_copy(s.uuid, sizeof s.uuid, o->uuid);
		text_copy(s.id, sizeof s.id, o->id[0] ? o->id : t->id);
		text_copy(s.base, sizeof s.base, base->consent.id[0] ? base->consent.version : o->version);
		companion_receipt(y, e, &s, t->id, cache_merge_same_consent(o, t) ? t->version : "0");
	}
}

/* Ask for the registry's current version of a record: for a client the
 * Patient with its responsible persons and consent (one batch of three
 * reads), so a merge or keeping theirs sees all of it. */
static bool fetch_theirs(struct cache_sync *y, int64_t seq, enum cache_rtype type, const char *id,
                         enum fetch_why why)
{
	struct api_req *r;
	y->cur = seq;
	y->why = why;
	y->cur_client = type == CACHE_R_PATIENT;
	if (!id || !id[0])
		return false;
	/* a client as cache/pull.h reads one: Patient, RelatedPersons, Consent */
	r = y->cur_client ? cache_pull_req(y->conn, id, 0, NULL)
	                  : api_fhir_read_req(y->conn, cache_rtype_name(type), id, NULL, NULL);
	return r && send(y, r, P_THEIRS, NULL);
}

/* The outbox entry (index into batch) whose Bundle entry a refused
 * transaction names (vaxregd: the first issue's expression
 * "Bundle.entry[N]..."), or -1. */
static int culprit_entry(const struct cache_sync *y, const struct api_result *res)
{
	cJSON *oo = cJSON_ParseWithLength(res->body, res->body_len);
	const cJSON *iss = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
	const char *ex =
	    cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(iss, "expression"), 0));
	int n = -1;
	if (!ex || sscanf(ex, "Bundle.entry[%d]", &n) != 1 || n < 0 || n >= y->n_sent)
		n = -1;
	cJSON_Delete(oo);
	return n < 0 ? -1 : y->sent[n].b;
}

/* A possible duplicate (registry/dedup.h): the dose it matches into id,
 * the registry's sentence for it into msg (not the transaction's wrapping). */
static bool duplicate_of(const struct api_result *res, char *id, size_t len, char *msg, size_t mlen)
{
	cJSON *oo = cJSON_ParseWithLength(res->body, res->body_len);
	const cJSON *iss, *x;
	bool dup = false;
	id[0] = '\0';
	cJSON_ArrayForEach(iss, cJSON_GetObjectItemCaseSensitive(oo, "issue"))
	{
		const cJSON *code =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		                           cJSON_GetObjectItemCaseSensitive(iss, "details"), "coding"),
		                       0);
		const char *c = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(code, "code"));
		dup = dup || (c && !strcmp(c, "DUPLICATE-DOSE"));
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(iss, "extension"))
		{
			const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "url"));
			const cJSON *vr = cJSON_GetObjectItemCaseSensitive(x, "valueReference");
			const char *ref =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vr, "reference"));
			const char *rid = ref ? fhir_ref_id(ref, "Immunization") : NULL;
			const char *said =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(iss, "diagnostics"));
			if (url && !strcmp(url, FHIR_EXT "duplicate-of") && rid && !id[0]) {
				text_copy(id, len, rid);
				if (said)
					text_copy(msg, mlen, said);
			}
		}
	}
	cJSON_Delete(oo);
	return dup;
}

/* What a conflict is, in words for the person who resolves it from the
 * outbox: the fields changed on both sides, and a responsible person or
 * consent in the sentence a front desk knows. */
static void conflict_words(const struct cache_merge *m, const struct client *ours,
                           const struct client *theirs, char *msg, size_t len)
{
	size_t used = 0;
	char fields[VAX_ERROR_MSG_LEN] = "";
	msg[0] = '\0';
	for (int i = 0; i < m->n; i++) {
		const struct cache_merge_field *f = &m->f[i];
		if (f->state != CACHE_MERGE_CONFLICT)
			continue;
		char part[VAX_ERROR_MSG_LEN] = "";
		if (f->kind == 100 && ours) { /* a responsible person (cache/merge.c CK_RESP) */
			const struct responsible_person *rp = NULL;
			for (int k = 0; k < ours->n_resp && !rp; k++)
				if ((f->uuid[0] && !strcmp(ours->resp[k].uuid, f->uuid)) ||
				    (f->id[0] && !strcmp(ours->resp[k].id, f->id)))
					rp = &ours->resp[k];
			for (int k = 0; theirs && k < theirs->n_resp && !rp; k++)
				if ((f->uuid[0] && !strcmp(theirs->resp[k].uuid, f->uuid)) ||
				    (f->id[0] && !strcmp(theirs->resp[k].id, f->id)))
					rp = &theirs->resp[k];
			char name[VAX_NAME_LEN * 3] = "", who[VAX_NAME_LEN * 3 + 16] = "";
			if (rp)
				snprintf(who, sizeof who, " (%s%s%s)",
				         client_display_name(&rp->name, name, sizeof name),
				         rp->relationship[0] ? ", " : "", rp->relationship);
			if (!strcmp(f->theirs, "(none)"))
				snprintf(part, sizeof part,
				         "This responsible person%s was removed at the registry. Keep the "
				         "registry's "
				         "(without them), or send ours to add them again as new.",
				         who);
			else if (!strcmp(f->ours, "(none)"))
				snprintf(part, sizeof part,
				         "This responsible person%s was changed at the registry since it was "
				         "removed "
				         "here. Keep the registry's, or send the removal again.",
				         who);
			else
				snprintf(
				    part, sizeof part,
				    "This responsible person%s was changed at the registry since it was read "
				    "here. Keep the registry's, or send ours over it.",
				    who);
		} else if (!strcmp(f->label, "Consent")) {
			snprintf(
			    part, sizeof part, "%s",
			    !strcmp(f->theirs, "(none)")
			        ? "This client's registry consent was removed at the registry. Keep the "
			          "registry's (no consent), or send ours to record it again as new."
			        : "This client's registry consent was changed at the registry since it was "
			          "read here. Keep the registry's, or send ours over it.");
		} else {
			size_t fl = strlen(fields);
			snprintf(fields + fl, sizeof fields - fl, "%s%s", fl ? ", " : "", f->label);
			continue;
		}
		int w = snprintf(msg + used, len - used, "%s%s", used ? " " : "", part);
		if (w > 0)
			used = (size_t)w < len - used ? used + (size_t)w : len - 1;
	}
	if (fields[0]) {
		int w = snprintf(
		    msg + used, len - used,
		    "%sSomeone changed this record at the registry meanwhile, " CACHE_SYNC_BOTH_CHANGED
		    "%s. Choose ours or the registry's for each.",
		    used ? " " : "", fields);
		(void)w;
	}
	OPENSSL_cleanse(fields, sizeof fields);
}

/* The registry's client from the answer of fetch_theirs() (deleted: a
 * Patient read that found it gone); each resource is kept as it came. */
static bool theirs_client(struct cache_sync *y, const struct api_result *res, struct client *c, bool *deleted)
{
	struct cache_pulled *p = xmalloc(sizeof *p);
	enum api_class cls;
	bool ok = cache_pull_read(res, p, &cls, NULL);
	*deleted = !ok && cls == API_NOT_FOUND;
	client_init(c);
	if (ok) {
		*c = p->client;
		cache_pull_keep(y->s, p);
	}
	cache_pulled_free(p);
	free(p);
	return ok || *deleted;
}

static bool theirs_imm(struct cache_sync *y, const struct api_result *res, struct immunization *im,
                       bool *deleted)
{
	*deleted = res->status == 404 || res->status == 410;
	if (*deleted)
		return true;
	cJSON *j = res->cls == API_OK ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
	bool ok = j && fhir_immunization_from_json(j, im, NULL);
	if (ok)
		cache_put_remote(y->s, j, NULL);
	cache_json_free(j);
	return ok;
}

/* A change and the registry's version of its record, compared: what the
 * outbox entry becomes. Inside a transaction. */
struct verdict {
	enum cache_state state; /* ACCEPTED, PENDING (merged, or nothing new), CONFLICT */
	bool counted_merge, lost_answer;
	char msg[VAX_ERROR_MSG_LEN];
};

static void decide(struct cache_sync *y, const struct cache_entry *e, const struct client *theirs_c,
                   const struct immunization *theirs_im, bool deleted, struct verdict *v)
{
	bool pat = e->type == CACHE_R_PATIENT;
	struct client *c = pat ? xmalloc(3 * sizeof *c) : NULL; /* base, ours, merged */
	struct immunization im[3];
	struct cache_merge *m = xmalloc(sizeof *m);
	const char *what = pat ? "client" : "dose";
	memset(v, 0, sizeof *v);
	v->state = CACHE_CONFLICT;
	bool based = pat ? cache_outbox_client(y->s, e->seq, CACHE_BASE, &c[0], NULL)
	                 : cache_outbox_imm(y->s, e->seq, CACHE_BASE, &im[0], NULL);
	bool ours = pat ? cache_outbox_client(y->s, e->seq, CACHE_OURS, &c[1], NULL)
	                : cache_outbox_imm(y->s, e->seq, CACHE_OURS, &im[1], NULL);
	const char *theirs_version = deleted ? "" : pat ? theirs_c->version : theirs_im->version;
	const char *theirs_id = deleted ? "" : pat ? theirs_c->id : theirs_im->id;
	if (e->op == CACHE_OP_DELETE) {
		if (deleted) {
			v->state = CACHE_ACCEPTED;
			snprintf(v->msg, sizeof v->msg, "The registry had already deleted this %s.", what);
		} else if (based && !strcmp(theirs_version, pat ? c[0].version : im[0].version)) {
			/* nothing changed there: the delete goes, on theirs */
			v->state = CACHE_PENDING;
			cache_outbox_set_record(y->s, e->seq, CACHE_BASE, pat ? theirs_c : NULL, theirs_im,
			                        NULL);
		} else {
			snprintf(v->msg, sizeof v->msg,
			         "This %s was changed at the registry since it was deleted here. Keep the "
			         "registry's, or delete it anyway.",
			         what);
		}
	} else if (deleted) {
		snprintf(v->msg, sizeof v->msg,
		         "This %s was deleted at the registry since it was read here. Discard this change, "
		         "or ask the registry why.",
		         what);
	} else if (!based || !ours) {
		/* kept by an older vaxdesk without a base: a person looks */
		snprintf(
		    v->msg, sizeof v->msg,
		    "This %s was changed at the registry since it was read here. Keep the registry's, or "
		    "send ours over it.",
		    what);
	} else {
		if (pat)
			cache_merge_clients(&c[0], &c[1], theirs_c, m);
		else
			cache_merge_imms(&im[0], &im[1], theirs_im, m);
		bool moved = strcmp(theirs_version, pat ? c[0].version : im[0].version) != 0;
		for (int i = 0; i < m->n; i++)
			moved = moved || m->f[i].state == CACHE_MERGE_THEIRS ||
			        m->f[i].state == CACHE_MERGE_AGREE || m->f[i].state == CACHE_MERGE_CONFLICT;
		if (moved && cache_merge_holds_ours(m)) {
			/* our change is there: its answer was lost (or the same
			 * change was made there); a receipt, not a conflict */
			v->state = CACHE_ACCEPTED;
			v->lost_answer = true;
			snprintf(v->msg, sizeof v->msg,
			         "The registry already had this change (its first answer was lost).");
			bool same = true;
			for (int i = 0; i < m->n; i++)
				same = same && m->f[i].state != CACHE_MERGE_THEIRS;
			cache_outbox_set_state(y->s, e->seq, CACHE_ACCEPTED, theirs_id, theirs_version,
			                       v->msg, NULL, NULL);
			if (pat)
				learn_companions(y, e, &c[0], &c[1], theirs_c);
			int64_t one[1];
			if (later_edits(y, e, one, 1) == 0) {
				/* the cached copy becomes the registry's (under our UUID) */
				if (pat) {
					c[2] = *theirs_c;
					memcpy(c[2].uuid, c[1].uuid, sizeof c[2].uuid);
					cache_write_client_row(y->s, e->rec_key, &c[2], 0, true, NULL);
				} else {
					im[2] = *theirs_im;
					memcpy(im[2].uuid, im[1].uuid, sizeof im[2].uuid);
					memcpy(im[2].client_uuid, im[1].client_uuid,
					       sizeof im[2].client_uuid);
					cache_write_imm_row(y->s, e->rec_key, e->client_key, &im[2], NULL);
				}
			} else {
				record_receipt(y, e, theirs_id, theirs_version);
			}
			if (same) {
				char oldv[VAX_VERSION_LEN];
				text_copy(oldv, sizeof oldv, pat ? c[0].version : im[0].version);
				struct later_fix f = {.old_version = oldv, .new_version = theirs_version};
				fix_later(y, e, &f);
			}
		} else if (m->n_conflicts == 0) {
			/* changed on one side or the other, never both: merged */
			if (pat)
				learn_companions(y, e, &c[0], &c[1], theirs_c);
			bool ok = pat ? cache_merge_client_result(m, &c[1], theirs_c, &c[2]) &&
			                    cache_outbox_merged(y->s, e, &c[2], theirs_c, NULL, NULL, NULL)
			              : cache_merge_imm_result(m, &im[1], theirs_im, &im[2]) &&
			                    cache_outbox_merged(y->s, e, NULL, NULL, &im[2], theirs_im, NULL);
			/* not moved: the same record at the registry's versions (a
			 * companion changed and changed back): sent again on them */
			v->state = ok ? CACHE_PENDING : CACHE_CONFLICT;
			v->counted_merge = ok && moved;
			size_t used = 0;
			for (int i = 0; i < m->n; i++)
				if (m->f[i].state == CACHE_MERGE_THEIRS) {
					int w = snprintf(
					    v->msg + used, sizeof v->msg - used, "%s%s",
					    used ? ", " : "Merged with what the registry changed meanwhile: ",
					    m->f[i].label);
					if (w > 0)
						used = (size_t)w < sizeof v->msg - used ? used + (size_t)w
						                                        : sizeof v->msg - 1;
				}
			if (!ok)
				snprintf(v->msg, sizeof v->msg,
				         "This %s could not be merged with the registry's.", what);
		} else if (pat) {
			conflict_words(m, &c[1], theirs_c, v->msg, sizeof v->msg);
		} else {
			conflict_words(m, NULL, NULL, v->msg, sizeof v->msg);
		}
	}
	OPENSSL_cleanse(m, sizeof *m);
	free(m);
	if (c) {
		OPENSSL_cleanse(c, 3 * sizeof *c);
		free(c);
	}
	OPENSSL_cleanse(im, sizeof im);
}

/* The answer of fetch_theirs(): keep the registry's copies, then merge,
 * reconcile or hold the change for a person. */
static enum cache_sync_status theirs_done(struct cache_sync *y, const struct api_result *res, int64_t now,
                                          struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_outbox_get(y->s, y->cur, &e, NULL) || e.state == CACHE_DISCARDED)
		return plan(y, now, err);
	if (y->why == FETCH_DUP) {
		/* the registry's dose beside ours, for the person who decides */
		if (res->cls == API_OK)
			cache_outbox_set_state(y->s, e.seq, CACHE_NEEDS_REVIEW, NULL, NULL, NULL, res->body,
			                       NULL);
		return plan(y, now, err);
	}
	if (cache_sync_is_offline(res))
		return went_offline(y, res, now);
	if (res->cls == API_AUTH) {
		error_set(err, res->err.code, "%s", res->err.message);
		return end_pass(y, CACHE_SYNC_AUTH);
	}
	bool gone_status = res->status == 404 || res->status == 410;
	if (res->cls != API_OK && !(gone_status && !y->cur_client)) {
		/* no answer to compare with: try the change again later */
		cache_outbox_retry(y->s, e.seq, now + RETRY_SERVER_S, NULL);
		return plan(y, now, err);
	}
	struct client *c = xmalloc(sizeof *c);
	struct immunization im;
	bool deleted = false;
	if (!cache_exec(y->s, "BEGIN IMMEDIATE", err)) {
		free(c);
		return end_pass(y, CACHE_SYNC_ERROR);
	}
	bool read = y->cur_client ? theirs_client(y, res, c, &deleted) : theirs_imm(y, res, &im, &deleted);
	struct verdict v = {.state = CACHE_PENDING};
	if (!read) {
		cache_outbox_retry(y->s, e.seq, now + RETRY_SERVER_S, NULL);
	} else {
		decide(y, &e, c, &im, deleted, &v);
		char *theirs = NULL;
		if (!deleted) {
			cJSON *j = y->cur_client ? fhir_client_to_json(c) : fhir_immunization_to_json(&im);
			theirs = cJSON_PrintUnformatted(j);
			cache_json_free(j);
		}
		if (v.state == CACHE_PENDING && y->why == FETCH_CONFLICT && !v.counted_merge &&
		    seq_in(y->fresh, y->n_fresh, e.seq)) {
			/* refused again on the registry's own versions: a person looks */
			v.state = CACHE_CONFLICT;
			snprintf(v.msg, sizeof v.msg, "The registry refused this change again: %s",
			         "keep the registry's, or send ours over it.");
		}
		if (y->why == FETCH_CONFLICT)
			seq_add(&y->fresh, &y->n_fresh, &y->cap_fresh, e.seq);
		switch (v.state) {
		case CACHE_ACCEPTED:
			if (!v.lost_answer) { /* a delete the registry had done already */
				char rid[VAX_ID_LEN];
				entry_rid(y, &e, rid, sizeof rid);
				cache_outbox_set_state(y->s, e.seq, CACHE_ACCEPTED, rid, "", v.msg, NULL,
				                       NULL);
				cache_remote_drop(y->s, cache_rtype_name(e.type), rid);
			}
			y->stats.accepted++;
			y->stats.reconciled++;
			break;
		case CACHE_CONFLICT:
			cache_outbox_set_state(y->s, e.seq, CACHE_CONFLICT, NULL, NULL, v.msg, theirs, NULL);
			y->stats.conflict++;
			break;
		default:
			cache_outbox_set_state(y->s, e.seq, CACHE_PENDING, NULL, NULL,
			                       v.msg[0] ? v.msg : NULL, v.counted_merge ? theirs : NULL,
			                       NULL);
			cache_outbox_retry(y->s, e.seq, 0, NULL);
			if (v.counted_merge)
				y->stats.merged++;
			break;
		}
		if (theirs) {
			OPENSSL_cleanse(theirs, strlen(theirs));
			free(theirs);
		}
	}
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
	if (!cache_exec(y->s, "COMMIT", err)) {
		sqlite3_exec(y->s->db, "ROLLBACK", NULL, NULL, NULL);
		return end_pass(y, CACHE_SYNC_ERROR);
	}
	return plan(y, now, err);
}

/* Store the outcomes of an accepted Bundle, in one transaction (one fsync).
 * The counts go to the stats only once the receipts are on disk. */
static bool receipts(struct cache_sync *y, const struct api_bundle *b, const struct api_fhir_outcome *out,
                     int n, struct vax_error *err)
{
	int accepted = 0, rejected = 0;
	if (!cache_exec(y->s, "BEGIN IMMEDIATE", err))
		return false;
	for (int i = 0; i < n; i++) {
		struct cache_entry e;
		const struct sent *t = &y->sent[i];
		if (!cache_outbox_get(y->s, y->batch[t->b], &e, NULL))
			continue;
		const cJSON *answered = i < b->n ? b->entry[i].resource : NULL;
		if (t->kind != 'E') {
			if (out[i].cls == API_OK) {
				companion_receipt(y, &e, t, out[i].id[0] ? out[i].id : t->id, out[i].version);
				keep_remote(y, t, answered, out[i].id[0] ? out[i].id : t->id, out[i].version);
			}
			continue;
		}
		if (out[i].cls == API_OK) {
			char oldv[VAX_VERSION_LEN];
			entry_base_version(y, &e, oldv, sizeof oldv);
			cache_outbox_set_state(y->s, e.seq, CACHE_ACCEPTED, out[i].id, out[i].version, NULL,
			                       NULL, NULL);
			record_receipt(y, &e, out[i].id, out[i].version);
			keep_remote(y, t, answered, out[i].id[0] ? out[i].id : t->id, out[i].version);
			if (e.op != CACHE_OP_DELETE) {
				struct later_fix f = {.old_version = oldv, .new_version = out[i].version};
				fix_later(y, &e, &f);
			}
			accepted++;
		} else {
			cache_outbox_set_state(y->s, e.seq, CACHE_REJECTED, NULL, NULL, out[i].err.message,
			                       NULL, NULL);
			rejected++;
		}
	}
	if (!cache_exec(y->s, "COMMIT", err)) {
		sqlite3_exec(y->s->db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	y->stats.accepted += accepted;
	y->stats.rejected += rejected;
	return true;
}

static enum cache_sync_status upload_done(struct cache_sync *y, const struct api_result *res, int64_t now,
                                          struct vax_error *err)
{
	if (res->cls == API_OK) {
		struct api_bundle b;
		struct api_fhir_outcome *out = xcalloc((size_t)y->n_sent, sizeof *out);
		int n = api_fhir_read_bundle(res, &b, err) ? api_fhir_entry_outcomes(&b, out, y->n_sent, err)
		                                           : -1;
		if (n != y->n_sent) {
			/* an answer we cannot read: we do not know; send again later */
			api_bundle_free(&b);
			free(out);
			batch_back(y, now + y->backoff);
			return plan(y, now, err);
		}
		bool stored = receipts(y, &b, out, n, err);
		api_bundle_free(&b);
		free(out);
		if (!stored) {
			/* the registry has them; resending is a no-op (conditional
			 * creates) or reconciles (a change it already holds) */
			batch_back(y, 0);
			return end_pass(y, CACHE_SYNC_ERROR);
		}
		y->n_batch = 0;
		y->cap = y->cap * 2 > y->o.batch_max ? y->o.batch_max : y->cap * 2;
		return plan(y, now, err);
	}
	if (cache_sync_is_offline(res)) {
		batch_back(y, 0);
		return went_offline(y, res, now);
	}
	switch (res->cls) {
	case API_AUTH:
		if (!res->expired)
			break; /* 403: the user may not make this change: refused below, with the reason */
		error_set(err, res->err.code, "%s", res->err.message);
		batch_back(y, 0);
		return end_pass(y, CACHE_SYNC_AUTH);
	case API_TLS:
	case API_LOCAL:
	case API_CANCELLED:
		error_set(err, res->err.code, "%s", res->err.message);
		batch_back(y, 0);
		return end_pass(y, CACHE_SYNC_ERROR);
	default:
		break;
	}
	int culprit = culprit_entry(y, res);
	if (y->n_batch > 1 && culprit >= 0 &&
	    (res->cls == API_CONFLICT || res->status == 404 || res->status == 410)) {
		/* the registry names the change it refused as changed or gone (a
		 * resend after a lost answer refuses every change of the Bundle
		 * in turn): compare that one with the registry now, the others go
		 * again as they are */
		int64_t seq = y->batch[culprit];
		struct cache_entry e;
		char id[VAX_ID_LEN];
		batch_back(y, 0);
		if (cache_outbox_get(y->s, seq, &e, NULL) && e.op != CACHE_OP_CREATE) {
			entry_rid(y, &e, id, sizeof id);
			if (fetch_theirs(y, seq, e.type, id, FETCH_CONFLICT))
				return CACHE_SYNC_RUNNING;
		}
		y->stats.splits++;
		y->cap = y->cap > 1 ? y->cap / 2 : 1;
		return plan(y, now, err);
	}
	if (y->n_batch > 1) {
		/* one entry spoils a transaction: halve until it is alone */
		y->stats.splits++;
		y->cap = y->n_batch / 2;
		batch_back(y, 0);
		return plan(y, now, err);
	}
	int64_t seq = y->batch[0];
	struct cache_entry e;
	char msg[VAX_ERROR_MSG_LEN], id[VAX_ID_LEN];
	outcome_text(res, msg, sizeof msg);
	y->n_batch = 0;
	if (!cache_outbox_get(y->s, seq, &e, NULL))
		return plan(y, now, err);
	bool gone = res->status == 404 || res->status == 410;
	if (e.type == CACHE_R_IMMUNIZATION && e.op == CACHE_OP_CREATE &&
	    duplicate_of(res, id, sizeof id, msg, sizeof msg)) {
		/* the registry holds a dose like it: a person looks at both */
		cache_outbox_set_state(y->s, seq, CACHE_NEEDS_REVIEW, NULL, NULL, msg, NULL, NULL);
		y->stats.review++;
		if (id[0] && fetch_theirs(y, seq, CACHE_R_IMMUNIZATION, id, FETCH_DUP))
			return CACHE_SYNC_RUNNING;
		return plan(y, now, err);
	}
	if (e.op != CACHE_OP_CREATE && (res->cls == API_CONFLICT || gone)) {
		/* changed or deleted there since we read it, or our own change
		 * whose answer was lost: compare with what the registry holds
		 * now before calling it a conflict */
		cache_outbox_retry(y->s, seq, 0, NULL);
		entry_rid(y, &e, id, sizeof id);
		if (fetch_theirs(y, seq, e.type, id, FETCH_CONFLICT))
			return CACHE_SYNC_RUNNING;
		cache_outbox_set_state(y->s, seq, CACHE_CONFLICT, NULL, NULL, msg, NULL, NULL);
		y->stats.conflict++;
		return plan(y, now, err);
	}
	switch (res->cls) {
	case API_REJECTED:
	case API_NOT_FOUND:
	case API_AUTH: /* forbidden: never "waiting"; the person reads why */
		cache_outbox_set_state(y->s, seq, CACHE_REJECTED, NULL, NULL, msg, NULL, NULL);
		y->stats.rejected++;
		break;
	case API_CONFLICT:
		cache_outbox_set_state(y->s, seq, CACHE_CONFLICT, NULL, NULL, msg, NULL, NULL);
		y->stats.conflict++;
		break;
	default: /* 5xx, a broken answer: not this entry's fault; later */
		cache_outbox_retry(y->s, seq, now + RETRY_SERVER_S, NULL);
		break;
	}
	return plan(y, now, err);
}

/* Does a candidate carry our record's UUID identifier? */
static bool is_self(const cJSON *res, const char *uuid)
{
	char want[VAX_UUID_LEN + 16];
	snprintf(want, sizeof want, "urn:uuid:%s", uuid);
	const cJSON *ids = res ? cJSON_GetObjectItemCaseSensitive(res, "identifier") : NULL;
	const cJSON *id;
	cJSON_ArrayForEach(id, ids)
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(id, "value");
		if (cJSON_IsString(v) && !strcmp(v->valuestring, want))
			return true;
	}
	return false;
}

static enum cache_sync_status match_done(struct cache_sync *y, const struct api_result *res, int64_t now,
                                         struct vax_error *err)
{
	if (cache_sync_is_offline(res))
		return went_offline(y, res, now);
	if (res->cls == API_AUTH) {
		error_set(err, res->err.code, "%s", res->err.message);
		return end_pass(y, CACHE_SYNC_AUTH);
	}
	struct api_bundle b;
	memset(&b, 0, sizeof b);
	if (res->cls == API_OK && api_fhir_read_bundle(res, &b, NULL)) {
		char msg[VAX_ERROR_MSG_LEN] = "";
		size_t used = 0;
		for (int i = 0; i < b.n; i++) {
			const struct api_entry *m = &b.entry[i];
			if (strcmp(m->match_grade, "certain") && strcmp(m->match_grade, "probable"))
				continue;
			if (is_self(m->resource, y->cur_key))
				continue; /* our own earlier upload whose answer was lost */
			int w =
			    snprintf(msg + used, sizeof msg - used, "%sPatient/%s (%s)",
			             used ? ", " : "May already be in the registry: ", m->id, m->match_grade);
			if (w < 0 || (size_t)w >= sizeof msg - used)
				break;
			used += (size_t)w;
		}
		if (used) {
			/* the candidates themselves, sealed, for the review screen */
			cache_outbox_set_state(y->s, y->cur, CACHE_NEEDS_REVIEW, NULL, NULL, msg, res->body,
			                       NULL);
			y->stats.review++;
			api_bundle_free(&b);
			return plan(y, now, err);
		}
		api_bundle_free(&b);
	} else if (res->cls == API_SERVER || res->cls == API_PROTOCOL) {
		cache_outbox_retry(y->s, y->cur, now + RETRY_SERVER_S, NULL);
		return plan(y, now, err);
	}
	/* no likely match (or a registry without $match): create */
	seq_add(&y->matched, &y->n_matched, &y->cap_matched, y->cur);
	return plan(y, now, err);
}

enum cache_sync_status cache_sync_step(struct cache_sync *y, int64_t now, struct vax_error *err)
{
	if (y->phase == P_IDLE)
		return CACHE_SYNC_IDLE;
	if (y->phase == P_PLAN)
		return plan(y, now, err);
	if (!y->req || !api_req_done(y->req))
		return CACHE_SYNC_RUNNING;
	struct api_req *r = y->req;
	y->req = NULL;
	const struct api_result *res = api_req_result(r);
	enum phase ph = y->phase;
	enum cache_sync_status st = CACHE_SYNC_RUNNING;
	switch (ph) {
	case P_PROBE:
		if (res->cls == API_OK) {
			y->online = true;
			y->backoff = BACKOFF_MIN;
			st = plan(y, now, err);
		} else if (cache_sync_is_offline(res) || res->cls == API_SERVER || res->cls == API_PROTOCOL) {
			st = went_offline(y, res, now);
		} else {
			error_set(err, res->err.code, "%s", res->err.message);
			st = end_pass(y, CACHE_SYNC_ERROR);
		}
		break;
	case P_MATCH:
		st = match_done(y, res, now, err);
		break;
	case P_UPLOAD:
		st = upload_done(y, res, now, err);
		break;
	case P_THEIRS:
		st = theirs_done(y, res, now, err);
		break;
	default:
		break;
	}
	api_req_free(r);
	return st;
}

enum cache_sync_status cache_sync_run(struct cache_sync *y, struct vax_error *err)
{
	enum cache_sync_status st = cache_sync_start(y, cache_now(), err);
	while (st == CACHE_SYNC_RUNNING) {
		if (y->req && !api_req_done(y->req))
			api_pump(y->conn, 200);
		st = cache_sync_step(y, cache_now(), err);
	}
	return st;
}
