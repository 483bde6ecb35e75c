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

/* One Bundle entry in flight. A client's entry is followed by its
 * responsible persons and consent, which have no outbox entry of their own. */
struct sent {
	int b;                      /* index into batch: the outbox entry it belongs to */
	char kind;                  /* 'E' the entry itself, 'R' RelatedPerson, 'D' its delete, 'C' Consent */
	char uuid[VAX_UUID_LEN];    /* the companion's own UUID */
	char id[VAX_ID_LEN];        /* its registry id, "" for a create */
	char base[VAX_VERSION_LEN]; /* the companion's version its If-Match names, "" if none */
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
	int64_t cur;     /* the entry a $match or a conflict fetch is for */
	bool cur_client; /* the conflict fetch is a client's: Patient, RelatedPersons, Consent */
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

static enum cache_sync_status end_pass(struct cache_sync *y, enum cache_sync_status st)
{
	if (y->req) {
		api_req_free(y->req);
		y->req = NULL;
	}
	if (y->n_batch)
		batch_back(y, 0);
	y->phase = P_IDLE;
	y->n_matched = 0;
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

/* The registry id of a record: from the accepted create of its row key,
 * else "" (the payload's own id is checked by the caller). */
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
	struct client c;
	id[0] = '\0';
	if (cache_read_client(y->s, client_key, &c, NULL, false, NULL) && c.id[0]) {
		text_copy(id, len, c.id);
		return;
	}
	receipt_of_create(y, client_key, CACHE_R_PATIENT, id, len);
}

static bool was_matched(const struct cache_sync *y, int64_t seq)
{
	for (int i = 0; i < y->n_matched; i++)
		if (y->matched[i] == seq)
			return true;
	return false;
}

static void add_matched(struct cache_sync *y, int64_t seq)
{
	y->matched = xgrow(y->matched, &y->cap_matched, (size_t)y->n_matched + 1, sizeof *y->matched);
	y->matched[y->n_matched++] = seq;
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

/* Does this new dose look like one the client already has? Doses typed
 * later than this one are left out, so of two duplicates typed offline only
 * the second waits. */
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

/* Build one Bundle entry; false (and *wait set) if it cannot go yet. */
static cJSON *bundle_entry(struct cache_sync *y, const struct cache_entry *e, const struct keyset *in_batch,
                           bool *wait, struct vax_error *err)
{
	*wait = false;
	char *json = cache_outbox_payload(y->s, e->seq, false, err);
	cJSON *res = json ? cJSON_Parse(json) : NULL;
	if (json) {
		OPENSSL_cleanse(json, strlen(json));
		free(json);
	}
	if (!res)
		return NULL;
	const char *type = cache_rtype_name(e->type);
	char id[VAX_ID_LEN] = "", version[VAX_VERSION_LEN] = "";
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(res, "id");
	if (cJSON_IsString(jid))
		text_copy(id, sizeof id, jid->valuestring);
	text_copy(version, sizeof version, cache_json_version(res));
	if (e->op != CACHE_OP_CREATE && !id[0])
		receipt_of_create(y, e->rec_key, e->type, id, sizeof id);
	if (e->op != CACHE_OP_CREATE && !id[0]) {
		*wait = true; /* its create is not on the registry yet */
		cache_json_free(res);
		return NULL;
	}
	if (e->type == CACHE_R_IMMUNIZATION) {
		char cid[VAX_ID_LEN] = "", ref[VAX_ID_LEN + 16];
		/* a dose typed for a client the registry already had names it */
		const cJSON *pat = cJSON_GetObjectItemCaseSensitive(res, "patient");
		const cJSON *pref = pat ? cJSON_GetObjectItemCaseSensitive(pat, "reference") : NULL;
		const char *known = cJSON_IsString(pref) ? fhir_ref_id(pref->valuestring, "Patient") : NULL;
		if (known)
			text_copy(cid, sizeof cid, known);
		else
			client_rid(y, e->client_key, cid, sizeof cid);
		if (cid[0]) {
			snprintf(ref, sizeof ref, "Patient/%s", cid);
		} else if (ks_has(in_batch, e->client_key)) {
			snprintf(ref, sizeof ref, "urn:uuid:%s", e->client_key);
		} else {
			*wait = true;
			cache_json_free(res);
			return NULL;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(res, "patient");
		cJSON *p = cJSON_AddObjectToObject(res, "patient");
		cJSON_AddStringToObject(p, "reference", ref);
	}
	cJSON *ent = cJSON_CreateObject();
	cJSON *req = cJSON_CreateObject();
	char url[VAX_ID_LEN + 64];
	if (e->op == CACHE_OP_CREATE) {
		snprintf(url, sizeof url, "urn:uuid:%s", e->rec_key);
		cJSON_AddStringToObject(ent, "fullUrl", url);
		cJSON_AddStringToObject(req, "method", "POST");
		cJSON_AddStringToObject(req, "url", type);
		snprintf(url, sizeof url, "identifier=" FHIR_SYS_UUID "|urn:uuid:%s", e->rec_key);
		cJSON_AddStringToObject(req, "ifNoneExist", url);
		cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
	} else {
		snprintf(url, sizeof url, "%s/%s", type, id);
		cJSON_AddStringToObject(req, "method", e->op == CACHE_OP_DELETE ? "DELETE" : "PUT");
		cJSON_AddStringToObject(req, "url", url);
		if (version[0]) {
			char m[VAX_VERSION_LEN + 8];
			snprintf(m, sizeof m, "W/\"%s\"", version);
			cJSON_AddStringToObject(req, "ifMatch", m);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
		cJSON_AddStringToObject(res, "id", id);
	}
	if (e->op == CACHE_OP_DELETE)
		cache_json_free(res);
	else
		cJSON_AddItemToObject(ent, "resource", res);
	cJSON_AddItemToObject(ent, "request", req);
	return ent;
}

static void sent_add(struct cache_sync *y, int b, char kind, const char *uuid, const char *id,
                     const char *base)
{
	y->sent = xgrow(y->sent, &y->cap_sent, (size_t)y->n_sent + 1, sizeof *y->sent);
	struct sent *t = &y->sent[y->n_sent++];
	t->b = b;
	t->kind = kind;
	text_copy(t->uuid, sizeof t->uuid, uuid ? uuid : "");
	text_copy(t->id, sizeof t->id, id ? id : "");
	text_copy(t->base, sizeof t->base, base ? base : "");
}

/* One companion resource: a conditional create on its UUID, or by id an
 * update or (removed here) a delete, each with If-Match on the version it
 * was read at: the Patient's own If-Match does not see a change made to a
 * responsible person or consent alone. The cached client may know an id
 * this payload, typed before the create was accepted, does not. */
static void add_companion(struct cache_sync *y, cJSON *entries, cJSON *res, const char *type, const char *id,
                          const char *version, const char *uuid, bool removed, const char *patient_ref, int b)
{
	cJSON_DeleteItemFromObjectCaseSensitive(res, "patient");
	cJSON *p = cJSON_AddObjectToObject(res, "patient");
	cJSON_AddStringToObject(p, "reference", patient_ref);
	cJSON_DeleteItemFromObjectCaseSensitive(res, "active");
	cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
	cJSON *ent = cJSON_CreateObject(), *req = cJSON_CreateObject();
	char url[VAX_ID_LEN + 80];
	if (id[0]) {
		snprintf(url, sizeof url, "%s/%s", type, id);
		cJSON_AddStringToObject(req, "method", removed ? "DELETE" : "PUT");
		cJSON_AddStringToObject(req, "url", url);
		if (version[0]) {
			char m[VAX_VERSION_LEN + 8];
			snprintf(m, sizeof m, "W/\"%s\"", version);
			cJSON_AddStringToObject(req, "ifMatch", m);
		}
		cJSON_AddStringToObject(res, "id", id);
	} else {
		snprintf(url, sizeof url, "urn:uuid:%s", uuid);
		cJSON_AddStringToObject(ent, "fullUrl", url);
		cJSON_AddStringToObject(req, "method", "POST");
		cJSON_AddStringToObject(req, "url", type);
		snprintf(url, sizeof url, "identifier=" FHIR_SYS_UUID "|urn:uuid:%s", uuid);
		cJSON_AddStringToObject(req, "ifNoneExist", url);
	}
	if (removed)
		cache_json_free(res);
	else
		cJSON_AddItemToObject(ent, "resource", res);
	cJSON_AddItemToObject(ent, "request", req);
	cJSON_AddItemToArray(entries, ent);
	sent_add(y, b, removed ? 'D' : type[0] == 'C' ? 'C' : 'R', uuid, id, id[0] ? version : "");
}

/* A client's responsible persons and consent travel inside its payload
 * (contained); they go in the same transaction, right after it. */
static void add_companions(struct cache_sync *y, const struct cache_entry *e, cJSON *ent, cJSON *entries,
                           int b)
{
	cJSON *res = cJSON_GetObjectItemCaseSensitive(ent, "resource");
	cJSON *con = res ? cJSON_DetachItemFromObjectCaseSensitive(res, "contained") : NULL;
	if (!con)
		return;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(ent, "request");
	const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "method"));
	const char *ref = method && !strcmp(method, "POST")
	                      ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ent, "fullUrl"))
	                      : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req, "url"));
	struct client cached;
	bool have = cache_read_client(y->s, e->rec_key, &cached, NULL, false, NULL);
	cJSON *x;
	while (ref && (x = cJSON_DetachItemViaPointer(con, con->child)) != NULL) {
		const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "resourceType"));
		if (rt && !strcmp(rt, "RelatedPerson")) {
			struct responsible_person rp;
			if (!fhir_related_person_from_json(x, &rp, NULL, 0, NULL)) {
				cache_json_free(x);
				continue;
			}
			for (int i = 0; have && !rp.id[0] && rp.uuid[0] && i < cached.n_resp; i++)
				if (!strcmp(cached.resp[i].uuid, rp.uuid)) {
					text_copy(rp.id, sizeof rp.id, cached.resp[i].id);
					text_copy(rp.version, sizeof rp.version, cached.resp[i].version);
				}
			if (rp.removed && !rp.id[0]) {
				cache_json_free(x); /* never reached the registry */
				continue;
			}
			add_companion(y, entries, x, "RelatedPerson", rp.id, rp.version, rp.uuid, rp.removed,
			              ref, b);
		} else if (rt && !strcmp(rt, "Consent")) {
			struct consent cs;
			if (!fhir_consent_from_json(x, &cs, NULL, 0, NULL)) {
				cache_json_free(x);
				continue;
			}
			if (have && !cs.id[0] && !strcmp(cached.consent.uuid, cs.uuid)) {
				text_copy(cs.id, sizeof cs.id, cached.consent.id);
				text_copy(cs.version, sizeof cs.version, cached.consent.version);
			}
			add_companion(y, entries, x, "Consent", cs.id, cs.version, cs.uuid, false, ref, b);
		} else {
			cache_json_free(x);
		}
	}
	cache_json_free(con);
}

/* The unsent updates of e's record queued after it (not accepted, not
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

/* Later unsent changes of the client that name a companion at the version
 * this Bundle replaced now name the version it made (as rebase_later does
 * for the Patient), else the second of two offline edits would be a 412. */
static void rebase_companion_later(struct cache_sync *y, const struct cache_entry *e, const struct sent *t,
                                   const char *new_version)
{
	if (t->kind == 'D' || !new_version[0])
		return;
	int64_t later[64];
	int n = later_edits(y, e, later, 64);
	for (int i = 0; i < n; i++) {
		char *json = cache_outbox_payload(y->s, later[i], false, NULL);
		cJSON *j = json ? cJSON_Parse(json) : NULL;
		if (json) {
			OPENSSL_cleanse(json, strlen(json));
			free(json);
		}
		bool changed = false;
		cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "contained"))
		{
			const char *xid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "id"));
			if (t->uuid[0] ? !is_self(x, t->uuid) : !xid || strcmp(xid, t->id))
				continue;
			const cJSON *meta = cJSON_GetObjectItemCaseSensitive(x, "meta");
			const char *v =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "versionId"));
			if (!v || strcmp(v, t->base))
				continue;
			cache_json_set_version(x, new_version);
			changed = true;
		}
		char *out = changed ? cJSON_PrintUnformatted(j) : NULL;
		cache_json_free(j);
		if (out) {
			cache_outbox_set_payload(y->s, later[i], out, NULL);
			OPENSSL_cleanse(out, strlen(out));
			free(out);
		}
	}
}

/* The registry's ids and versions for a client's companions go into the
 * cached copy; deleted ones leave it. */
static void companion_receipt(struct cache_sync *y, const struct cache_entry *e, const struct sent *t,
                              const char *id, const char *version)
{
	struct client c;
	rebase_companion_later(y, e, t, version);
	if (!cache_read_client(y->s, e->rec_key, &c, NULL, false, NULL))
		return;
	if (t->kind == 'C') {
		if (sent_is(t, c.consent.uuid, c.consent.id)) {
			text_copy(c.consent.id, sizeof c.consent.id, id);
			text_copy(c.consent.version, sizeof c.consent.version, version);
		}
	} else {
		for (int i = 0; i < c.n_resp; i++) {
			if (!sent_is(t, c.resp[i].uuid, c.resp[i].id))
				continue;
			if (t->kind == 'D' && c.resp[i].removed) {
				memmove(&c.resp[i], &c.resp[i + 1],
				        (size_t)(c.n_resp - i - 1) * sizeof c.resp[i]);
				c.n_resp--;
			} else if (t->kind == 'R') {
				text_copy(c.resp[i].id, sizeof c.resp[i].id, id);
				text_copy(c.resp[i].version, sizeof c.resp[i].version, version);
			}
			break;
		}
	}
	cache_write_client_row(y->s, e->rec_key, &c, 0, true, NULL);
}

/* Choose what to do next: a $match, a Bundle, or the end of the pass. */
static enum cache_sync_status plan(struct cache_sync *y, int64_t now, struct vax_error *err)
{
	struct cache_entry *v = NULL;
	int n = cache_outbox_list(y->s, 1u << CACHE_PENDING, &v, err);
	if (n < 0)
		return end_pass(y, CACHE_SYNC_ERROR);
	struct keyset waiting = {0}, in_batch = {0};
	cJSON *bundle = NULL, *entries = NULL;
	y->n_batch = 0;
	y->n_sent = 0;
	enum cache_sync_status st = CACHE_SYNC_RUNNING;
	bool started = false;
	/* records whose earlier entries are not accepted and not pending wait */
	struct cache_entry *blocked = NULL;
	int nb = cache_outbox_list(
	    y->s, 1u << CACHE_REJECTED | 1u << CACHE_CONFLICT | 1u << CACHE_NEEDS_REVIEW, &blocked, NULL);
	for (int i = 0; i < nb; i++) {
		ks_add(&waiting, blocked[i].rec_key);
		if (blocked[i].type == CACHE_R_PATIENT && blocked[i].op == CACHE_OP_CREATE)
			ks_add(&waiting, blocked[i].client_key);
	}
	free(blocked);
	/* every new client is matched before any Bundle goes, so Bundles stay
	 * full: n new clients cost n $match requests and n/batch_max uploads */
	int first_match = -1;
	for (int i = 0; i < n && !y->o.no_match; i++) {
		struct cache_entry *e = &v[i];
		if (e->type == CACHE_R_PATIENT && e->op == CACHE_OP_CREATE && !e->reviewed &&
		    e->next_try <= now && !ks_has(&waiting, e->rec_key) && !was_matched(y, e->seq)) {
			first_match = i;
			break;
		}
	}
	for (int i = first_match >= 0 ? first_match : 0; i < n && y->n_batch < y->cap; i++) {
		struct cache_entry *e = &v[i];
		bool blocked_here = e->next_try > now || ks_has(&waiting, e->rec_key) ||
		                    (e->type == CACHE_R_IMMUNIZATION && ks_has(&waiting, e->client_key));
		if (blocked_here) {
			ks_add(&waiting, e->rec_key);
			continue;
		}
		if (i == first_match) {
			char *json = cache_outbox_payload(y->s, e->seq, false, err);
			cJSON *pat = json ? cJSON_Parse(json) : NULL;
			if (json) {
				OPENSSL_cleanse(json, strlen(json));
				free(json);
			}
			if (!pat) {
				cache_outbox_set_state(y->s, e->seq, CACHE_REJECTED, NULL, NULL,
				                       "The saved client could not be read back.", NULL,
				                       NULL);
				ks_add(&waiting, e->rec_key);
				continue;
			}
			y->cur = e->seq;
			text_copy(y->cur_key, sizeof y->cur_key, e->rec_key);
			y->stats.matches++;
			cJSON_DeleteItemFromObjectCaseSensitive(pat, "contained");
			struct api_req *r = api_fhir_match_req(y->conn, pat, 5, false, err);
			cache_json_free(pat);
			if (!send(y, r, P_MATCH, err))
				st = end_pass(y, CACHE_SYNC_ERROR);
			started = true;
			break;
		}
		if (e->type == CACHE_R_IMMUNIZATION && e->op == CACHE_OP_CREATE && !e->reviewed) {
			char *json = cache_outbox_payload(y->s, e->seq, false, NULL);
			cJSON *j = json ? cJSON_Parse(json) : NULL;
			if (json) {
				OPENSSL_cleanse(json, strlen(json));
				free(json);
			}
			struct immunization im;
			imm_init(&im);
			char msg[VAX_ERROR_MSG_LEN];
			bool dup = j && fhir_immunization_from_json(j, &im, NULL) &&
			           looks_duplicate(y, e, &im, msg, sizeof msg, now);
			cache_json_free(j);
			if (dup) {
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
		bool wait = false;
		cJSON *ent = bundle_entry(y, e, &in_batch, &wait, err);
		if (!ent) {
			if (!wait) {
				cache_outbox_set_state(y->s, e->seq, CACHE_REJECTED, NULL, NULL,
				                       "The saved change could not be read back.", NULL,
				                       NULL);
			}
			ks_add(&waiting, e->rec_key);
			continue;
		}
		if (!bundle) {
			bundle = cJSON_CreateObject();
			cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
			cJSON_AddStringToObject(bundle, "type", "transaction");
			entries = cJSON_AddArrayToObject(bundle, "entry");
		}
		cJSON_AddItemToArray(entries, ent);
		ks_add(&in_batch, e->rec_key);
		y->batch = xgrow(y->batch, &y->cap_batch, (size_t)y->n_batch + 1, sizeof *y->batch);
		sent_add(y, y->n_batch, 'E', NULL, NULL, NULL);
		if (e->type == CACHE_R_PATIENT && e->op != CACHE_OP_DELETE)
			add_companions(y, e, ent, entries, y->n_batch);
		y->batch[y->n_batch++] = e->seq;
	}
	free(v);
	free(waiting.k);
	free(in_batch.k);
	if (started) {
		cache_json_free(bundle);
		y->n_batch = 0;
		return st;
	}
	if (!bundle)
		return end_pass(y, CACHE_SYNC_DONE);
	/* SENDING is durable before the request leaves; a crash puts it back
	 * to PENDING at the next open */
	sqlite3_exec(y->s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (int i = 0; i < y->n_batch; i++)
		cache_outbox_set_state(y->s, y->batch[i], CACHE_SENDING, NULL, NULL, NULL, NULL, NULL);
	if (sqlite3_exec(y->s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(y->s->db, "ROLLBACK", NULL, NULL, NULL);
		cache_json_free(bundle);
		y->n_batch = 0;
		cache_db_error(y->s, err, "mark the entries being sent");
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

/* After acceptance the cached copy learns its registry id and version. */
static void record_receipt(struct cache_sync *y, const struct cache_entry *e, const char *id,
                           const char *version)
{
	if (e->op == CACHE_OP_DELETE)
		return;
	if (e->type == CACHE_R_PATIENT) {
		struct client c;
		if (cache_read_client(y->s, e->rec_key, &c, NULL, false, NULL)) {
			text_copy(c.id, sizeof c.id, id);
			text_copy(c.version, sizeof c.version, version);
			cache_write_client_row(y->s, e->rec_key, &c, 0, true, NULL);
		}
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

/* The base version (meta.versionId) of a payload, "" if none. */
static void payload_base(const char *json, char *out, size_t len)
{
	out[0] = '\0';
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	text_copy(out, len, cache_json_version(j));
	cache_json_free(j);
}

/* Later changes of the same record, typed on the same base version while
 * this one waited, now build on the version this one made; else the second
 * of two offline edits would always come back 412. */
static void rebase_later(struct cache_sync *y, const struct cache_entry *e, const char *new_version)
{
	if (e->op == CACHE_OP_DELETE || !new_version[0])
		return;
	int64_t later[64];
	int n = later_edits(y, e, later, 64);
	if (n == 0)
		return;
	char *mine = cache_outbox_payload(y->s, e->seq, false, NULL);
	char base[VAX_VERSION_LEN];
	payload_base(mine, base, sizeof base);
	if (mine) {
		OPENSSL_cleanse(mine, strlen(mine));
		free(mine);
	}
	for (int i = 0; i < n; i++) {
		char *json = cache_outbox_payload(y->s, later[i], false, NULL);
		char theirs_base[VAX_VERSION_LEN];
		payload_base(json, theirs_base, sizeof theirs_base);
		cJSON *j = json && !strcmp(theirs_base, base) ? cJSON_Parse(json) : NULL;
		if (json) {
			OPENSSL_cleanse(json, strlen(json));
			free(json);
		}
		if (!j)
			continue;
		cache_json_set_version(j, new_version);
		char *out = cJSON_PrintUnformatted(j);
		cache_json_free(j);
		if (out) {
			cache_outbox_set_payload(y->s, later[i], out, NULL);
			OPENSSL_cleanse(out, strlen(out));
			free(out);
		}
	}
}

/* Ask for the registry's version of a record in conflict, to keep beside
 * ours: for a client the Patient with its responsible persons and consent
 * (cache/pull.h's read), so keeping theirs keeps all of it. */
static bool fetch_theirs(struct cache_sync *y, int64_t seq, enum cache_rtype type, const char *id)
{
	y->cur = seq;
	y->cur_client = type == CACHE_R_PATIENT;
	struct api_req *r = y->cur_client
	                        ? cache_pull_req(y->conn, id, 0, NULL)
	                        : api_fhir_read_req(y->conn, cache_rtype_name(type), id, NULL, NULL);
	return r && send(y, r, P_THEIRS, NULL);
}

/* The answer of fetch_theirs() for a client, kept with the conflict as the
 * local store keeps a client (contained companions). */
static void theirs_client(struct cache_sync *y, const struct api_result *res)
{
	struct cache_pulled *p = xmalloc(sizeof *p);
	enum api_class cls;
	if (cache_pull_read(res, p, &cls, NULL)) {
		cJSON *j = fhir_client_to_json(&p->client);
		char *text = cJSON_PrintUnformatted(j);
		cache_json_free(j);
		if (text) {
			cache_outbox_set_state(y->s, y->cur, CACHE_CONFLICT, NULL, NULL, NULL, text, NULL);
			OPENSSL_cleanse(text, strlen(text));
			free(text);
		}
	}
	cache_pulled_free(p);
	free(p);
}

/* The Bundle entry a refused transaction names (vaxregd: the first issue's
 * expression "Bundle.entry[N]"), or -1. */
static int failed_entry(const struct api_result *res)
{
	cJSON *oo = cJSON_ParseWithLength(res->body, res->body_len);
	const cJSON *iss = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
	const char *ex =
	    cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(iss, "expression"), 0));
	int n = -1;
	if (!ex || sscanf(ex, "Bundle.entry[%d]", &n) != 1)
		n = -1;
	cJSON_Delete(oo);
	return n;
}

/* What a companion conflict is, in words for the person who resolves it
 * from the outbox (the entry is the client's change; these name which part). */
static void companion_words(struct cache_sync *y, const char *key, const struct sent *t, bool gone, char *msg,
                            size_t len)
{
	if (t->kind == 'C') {
		snprintf(msg, len,
		         gone ? "This client's registry consent was removed at the registry. Keep the "
		                "registry's (no consent), or send ours to record it again as new."
		              : "This client's registry consent was changed at the registry since it was "
		                "read here. Keep the registry's, or send ours over it.");
		return;
	}
	struct client *c = xmalloc(sizeof *c);
	char who[VAX_NAME_LEN * 2 + 16] = "";
	if (cache_read_client(y->s, key, c, NULL, false, NULL))
		for (int i = 0; i < c->n_resp; i++)
			if (sent_is(t, c->resp[i].uuid, c->resp[i].id)) {
				char name[VAX_NAME_LEN * 2];
				client_display_name(&c->resp[i].name, name, sizeof name);
				snprintf(who, sizeof who, " (%s%s%s)", name,
				         c->resp[i].relationship[0] ? ", " : "", c->resp[i].relationship);
			}
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
	if (gone)
		snprintf(msg, len,
		         "This responsible person%s was removed at the registry. Keep the registry's "
		         "(without them), or send ours to add them again as new.",
		         who);
	else if (t->kind == 'D')
		snprintf(msg, len,
		         "This responsible person%s was changed at the registry since it was removed "
		         "here. Keep the registry's, or send the removal again.",
		         who);
	else
		snprintf(msg, len,
		         "This responsible person%s was changed at the registry since it was read "
		         "here. Keep the registry's, or send ours over it.",
		         who);
	OPENSSL_cleanse(who, sizeof who);
}

/* A transaction of one client's change refused because of one of its
 * responsible persons or consent: changed elsewhere (409/412) or gone
 * (404/410). Either way a person decides, so it is a conflict, kept with
 * the registry's whole client. -1: not such a refusal; 0: a conflict now;
 * 1: and the fetch of the registry's client is under way. */
static int companion_conflict(struct cache_sync *y, const struct api_result *res, int64_t seq)
{
	int idx = failed_entry(res);
	if (idx < 0 || idx >= y->n_sent || y->sent[idx].kind == 'E')
		return -1;
	bool gone = res->status == 404 || res->status == 410;
	struct cache_entry e;
	if ((!gone && res->cls != API_CONFLICT) || !cache_outbox_get(y->s, seq, &e, NULL))
		return -1;
	char msg[VAX_ERROR_MSG_LEN], id[VAX_ID_LEN];
	companion_words(y, e.rec_key, &y->sent[idx], gone, msg, sizeof msg);
	cache_outbox_set_state(y->s, seq, CACHE_CONFLICT, NULL, NULL, msg, NULL, NULL);
	OPENSSL_cleanse(msg, sizeof msg);
	y->stats.conflict++;
	client_rid(y, e.rec_key, id, sizeof id);
	return id[0] && fetch_theirs(y, seq, CACHE_R_PATIENT, id) ? 1 : 0;
}

static enum cache_sync_status upload_done(struct cache_sync *y, const struct api_result *res, int64_t now,
                                          struct vax_error *err)
{
	if (res->cls == API_OK) {
		struct api_bundle b;
		struct api_fhir_outcome *out = xcalloc((size_t)y->n_sent, sizeof *out);
		int n = api_fhir_read_bundle(res, &b, err) ? api_fhir_entry_outcomes(&b, out, y->n_sent, err)
		                                           : -1;
		api_bundle_free(&b);
		if (n != y->n_sent) {
			/* an answer we cannot read: we do not know; send again later */
			free(out);
			batch_back(y, now + y->backoff);
			return plan(y, now, err);
		}
		sqlite3_exec(y->s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (int i = 0; i < n; i++) {
			struct cache_entry e;
			const struct sent *t = &y->sent[i];
			if (!cache_outbox_get(y->s, y->batch[t->b], &e, NULL))
				continue;
			if (t->kind != 'E') {
				if (out[i].cls == API_OK)
					companion_receipt(y, &e, t, out[i].id, out[i].version);
				continue;
			}
			if (out[i].cls == API_OK) {
				cache_outbox_set_state(y->s, e.seq, CACHE_ACCEPTED, out[i].id, out[i].version,
				                       NULL, NULL, NULL);
				record_receipt(y, &e, out[i].id, out[i].version);
				rebase_later(y, &e, out[i].version);
				y->stats.accepted++;
			} else {
				cache_outbox_set_state(y->s, e.seq, CACHE_REJECTED, NULL, NULL,
				                       out[i].err.message, NULL, NULL);
				y->stats.rejected++;
			}
		}
		free(out);
		if (sqlite3_exec(y->s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(y->s->db, "ROLLBACK", NULL, NULL, NULL);
			cache_db_error(y->s, err, "store the receipts");
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
	if (y->n_batch > 1) {
		/* one entry spoils a transaction: halve until it is alone */
		y->stats.splits++;
		y->cap = y->n_batch / 2;
		batch_back(y, 0);
		return plan(y, now, err);
	}
	int64_t seq = y->batch[0];
	char msg[VAX_ERROR_MSG_LEN];
	outcome_text(res, msg, sizeof msg);
	y->n_batch = 0;
	switch (companion_conflict(y, res, seq)) {
	case 1:
		return CACHE_SYNC_RUNNING;
	case 0:
		return plan(y, now, err);
	default:
		break;
	}
	switch (res->cls) {
	case API_REJECTED:
	case API_NOT_FOUND:
	case API_AUTH: /* forbidden: never "waiting"; the person reads why */
		cache_outbox_set_state(y->s, seq, CACHE_REJECTED, NULL, NULL, msg, NULL, NULL);
		y->stats.rejected++;
		break;
	case API_CONFLICT: {
		cache_outbox_set_state(y->s, seq, CACHE_CONFLICT, NULL, NULL, msg, NULL, NULL);
		y->stats.conflict++;
		/* keep the registry's version beside ours for the person who decides */
		struct cache_entry e;
		char id[VAX_ID_LEN] = "";
		char *json = cache_outbox_get(y->s, seq, &e, NULL) && e.op != CACHE_OP_CREATE
		                 ? cache_outbox_payload(y->s, seq, false, NULL)
		                 : NULL;
		cJSON *j = json ? cJSON_Parse(json) : NULL;
		if (json) {
			OPENSSL_cleanse(json, strlen(json));
			free(json);
		}
		const cJSON *jid = j ? cJSON_GetObjectItemCaseSensitive(j, "id") : NULL;
		if (cJSON_IsString(jid))
			text_copy(id, sizeof id, jid->valuestring);
		cache_json_free(j);
		if (id[0] && fetch_theirs(y, seq, e.type, id))
			return CACHE_SYNC_RUNNING;
		break;
	}
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
	add_matched(y, y->cur);
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
		if (res->cls == API_OK && y->cur_client)
			theirs_client(y, res);
		else if (res->cls == API_OK)
			cache_outbox_set_state(y->s, y->cur, CACHE_CONFLICT, NULL, NULL, NULL, res->body,
			                       NULL);
		st = plan(y, now, err);
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
