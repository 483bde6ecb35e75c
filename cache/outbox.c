/* cache/outbox.c - see store.h. Every change typed at this workstation is a
 * row here, written in the same transaction as the local copy, and stays
 * until the registry has accepted it (accepted rows are kept as receipts
 * for the retention period). */
#include "cache/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "core/fhir.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"

const char *cache_state_name(enum cache_state st)
{
	switch (st) {
	case CACHE_PENDING:
		return "pending";
	case CACHE_SENDING:
		return "sending";
	case CACHE_ACCEPTED:
		return "accepted";
	case CACHE_REJECTED:
		return "rejected";
	case CACHE_CONFLICT:
		return "conflict";
	case CACHE_NEEDS_REVIEW:
		return "needs-review";
	case CACHE_DISCARDED:
		return "discarded";
	}
	return "?";
}

const char *cache_op_name(enum cache_op op)
{
	switch (op) {
	case CACHE_OP_CREATE:
		return "create";
	case CACHE_OP_UPDATE:
		return "update";
	case CACHE_OP_DELETE:
		return "delete";
	}
	return "?";
}

const char *cache_rtype_name(enum cache_rtype t)
{
	return t == CACHE_R_PATIENT ? "Patient" : t == CACHE_R_IMMUNIZATION ? "Immunization" : "?";
}

/* The payload's AAD names the entry and what it does, so neither the blob
 * nor the row's clear columns (op, type, record, client) can be changed or
 * swapped without the payload failing to open. */
static void payload_aad(const struct cache_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "outbox/%s/%d/%d/%s/%s", e->uuid, (int)e->op, (int)e->type, e->rec_key,
	         e->client_key);
}

static bool insert_entry(struct cache_store *s, enum cache_op op, enum cache_rtype type, const char *rec_key,
                         const char *client_key, const struct capture *cap, const char *json,
                         struct cache_entry *e, struct vax_error *err)
{
	memset(e, 0, sizeof *e);
	/* a store holds its own user's work only: it is sent under their login */
	char u[VAX_SHORT_LEN], o[VAX_SHORT_LEN];
	text_copy(u, sizeof u, cap->user);
	text_copy(o, sizeof o, cap->org);
	if (s->user && (strcmp(text_trim(u), s->user) || !text_ieq(text_trim(o), s->org)))
		return error_set(err, "CACHE-WRONG-USER",
		                 "This record names another user than the one logged in; log in as that user "
		                 "to record it.");
	uuid_v4(e->uuid);
	e->op = op;
	e->type = type;
	text_copy(e->rec_key, sizeof e->rec_key, rec_key);
	text_copy(e->client_key, sizeof e->client_key, client_key);
	e->cap = *cap;
	e->state = CACHE_PENDING;
	e->updated_at = cache_now();
	char aad[160];
	payload_aad(e, aad, sizeof aad);
	size_t slen;
	unsigned char *sealed = cache_seal(s, aad, json, strlen(json), &slen, err);
	if (!sealed)
		return false;
	sqlite3_stmt *st;
	bool ok = sqlite3_prepare_v2(s->db,
	                             "INSERT INTO outbox(uuid, op, rtype, rec_key, client_key, user, org,"
	                             " workstation, captured_at, state, payload, updated_at)"
	                             " VALUES(?,?,?,?,?,?,?,?,?,0,?,?)",
	                             -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, e->uuid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, op);
		sqlite3_bind_int(st, 3, type);
		sqlite3_bind_text(st, 4, rec_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, client_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, cap->user, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, cap->org, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 8, cap->workstation, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 9, cap->at);
		sqlite3_bind_blob(st, 10, sealed, (int)slen, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 11, e->updated_at);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	free(sealed);
	if (!ok)
		return cache_db_error(s, err, "save the change");
	e->seq = sqlite3_last_insert_rowid(s->db);
	return true;
}

/* Run the body, then COMMIT; roll back on any failure. The commit is the
 * point after which the screen may say "saved": synchronous=FULL means the
 * WAL is fsync'd before sqlite3_exec("COMMIT") returns. */
static bool commit_or_rollback(struct cache_store *s, bool ok, struct vax_error *err)
{
	if (ok && cache_exec(s, "COMMIT", err))
		return true;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

static char *record_json(cJSON *j)
{
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	cache_json_free(j);
	return text;
}

static void free_secret(char *text)
{
	if (text) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
}

/* Two encodings of a companion are the same change. */
static bool same_json(const cJSON *a, cJSON *b)
{
	char *ta = cJSON_PrintUnformatted(a), *tb = cJSON_PrintUnformatted(b);
	cache_json_free(b);
	bool same = ta && tb && !strcmp(ta, tb);
	free_secret(ta);
	free_secret(tb);
	return same;
}

/* A change carries only the responsible persons and consent it touches:
 * one left as the local copy had it is not sent again, so a change made to
 * it elsewhere meanwhile (or its removal) does not stop this change, and
 * the registry does not get a new version of what nobody changed. */
static void drop_unchanged_companions(cJSON *payload, const struct client *before)
{
	cJSON *con = cJSON_GetObjectItemCaseSensitive(payload, "contained");
	cJSON *x = con ? con->child : NULL;
	while (x) {
		cJSON *next = x->next;
		const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "resourceType"));
		bool same = false;
		if (rt && !strcmp(rt, "RelatedPerson")) {
			struct responsible_person rp;
			if (fhir_related_person_from_json(x, &rp, NULL, 0, NULL))
				for (int i = 0; i < before->n_resp && !same; i++)
					if (rp.uuid[0] ? !strcmp(rp.uuid, before->resp[i].uuid)
					               : rp.id[0] && !strcmp(rp.id, before->resp[i].id))
						same = same_json(
						    x, fhir_related_person_to_json(&before->resp[i], "#"));
			OPENSSL_cleanse(&rp, sizeof rp);
		} else if (rt && !strcmp(rt, "Consent") && client_consent_recorded(&before->consent)) {
			same = same_json(x, fhir_consent_to_json(&before->consent, "#"));
		}
		if (same)
			cache_json_free(cJSON_DetachItemViaPointer(con, x));
		x = next;
	}
	if (con && !con->child)
		cJSON_DeleteItemFromObjectCaseSensitive(payload, "contained");
}

bool cache_save_client(struct cache_store *s, struct client *c, enum cache_op op, const struct capture *cap,
                       struct cache_entry *entry, struct vax_error *err)
{
	struct cache_entry tmp;
	char key[CACHE_KEY_STR];
	if (!entry)
		entry = &tmp;
	if (!cache_require_unlocked(s, err))
		return false;
	if (op == CACHE_OP_CREATE) {
		if (!c->uuid[0])
			uuid_v4(c->uuid);
		if (!c->capture.user[0])
			c->capture = *cap;
	} else if (!c->id[0] && !c->uuid[0]) {
		return error_set(err, "CACHE-NO-ID", "Only a saved client can be changed.");
	}
	if (!cache_client_key(s, c, key))
		return error_set(err, "CACHE-NO-ID", "The client has no identity to save under.");
	/* responsible persons and consent travel with the client (the sync sends
	 * them as their own resources, conditional on these) */
	for (int i = 0; i < c->n_resp; i++)
		if (!c->resp[i].uuid[0] && !c->resp[i].id[0])
			uuid_v4(c->resp[i].uuid);
	if (client_consent_recorded(&c->consent) && !c->consent.uuid[0] && !c->consent.id[0])
		uuid_v4(c->consent.uuid);
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return false;
	cJSON *j = fhir_client_to_json(c);
	struct client *before = xmalloc(sizeof *before);
	if (op != CACHE_OP_CREATE && cache_read_client(s, key, before, NULL, false, NULL))
		drop_unchanged_companions(j, before);
	OPENSSL_cleanse(before, sizeof *before);
	free(before);
	char *json = record_json(j);
	bool ok = json ? true : error_set(err, "CACHE-ENCODE", "The client record could not be encoded.");
	ok = ok && cache_write_client_row(s, key, c, 0, true, err) &&
	     insert_entry(s, op, CACHE_R_PATIENT, key, key, cap, json, entry, err);
	free_secret(json);
	return commit_or_rollback(s, ok, err);
}

/* Prepare one dose (uuid, encoding) before the transaction opens. */
static char *imm_prepare(struct cache_store *s, struct immunization *im, enum cache_op op,
                         const struct capture *cap, struct vax_error *err)
{
	char key[CACHE_KEY_STR], ckey[CACHE_KEY_STR];
	if (op == CACHE_OP_CREATE) {
		if (!im->uuid[0])
			uuid_v4(im->uuid);
		if (!im->capture.user[0])
			im->capture = *cap;
	} else if (!im->id[0] && !im->uuid[0]) {
		error_set(err, "CACHE-NO-ID", "Only a saved dose can be changed.");
		return NULL;
	}
	if (!cache_imm_key(s, im, key) || !cache_imm_client_key(s, im, ckey)) {
		error_set(err, "CACHE-NO-ID", "The dose does not name its client.");
		return NULL;
	}
	char *json = record_json(fhir_immunization_to_json(im));
	if (!json)
		error_set(err, "CACHE-ENCODE", "The dose could not be encoded.");
	return json;
}

/* Write one prepared dose and its outbox entry inside an open transaction. */
static bool imm_write(struct cache_store *s, const struct immunization *im, enum cache_op op,
                      const struct capture *cap, const char *json, struct cache_entry *entry,
                      struct vax_error *err)
{
	char key[CACHE_KEY_STR], ckey[CACHE_KEY_STR];
	if (!cache_imm_key(s, im, key) || !cache_imm_client_key(s, im, ckey))
		return error_set(err, "CACHE-NO-ID", "The dose does not name its client.");
	bool ok = true;
	if (op == CACHE_OP_DELETE) {
		sqlite3_stmt *st;
		ok = sqlite3_prepare_v2(s->db, "DELETE FROM imms WHERE key=?", -1, &st, NULL) == SQLITE_OK;
		if (ok) {
			sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_finalize(st);
		}
		if (!ok)
			cache_db_error(s, err, "delete the dose");
	} else {
		ok = cache_write_imm_row(s, key, ckey, im, err);
	}
	return ok && insert_entry(s, op, CACHE_R_IMMUNIZATION, key, ckey, cap, json, entry, err);
}

/* Save n doses, each with its own outbox entry, in one transaction: all of
 * them or none. *entry (if given) gets the last one's entry. */
static bool save_imms(struct cache_store *s, struct immunization *im, size_t n, enum cache_op op,
                      const struct capture *cap, struct cache_entry *entry, struct vax_error *err)
{
	if (!cache_require_unlocked(s, err))
		return false;
	struct cache_entry tmp;
	if (!entry)
		entry = &tmp;
	char **json = xcalloc(n ? n : 1, sizeof *json);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		ok = (json[i] = imm_prepare(s, &im[i], op, cap, err)) != NULL;
	ok = ok && cache_exec(s, "BEGIN IMMEDIATE", err);
	if (ok) {
		for (size_t i = 0; i < n && ok; i++)
			ok = imm_write(s, &im[i], op, cap, json[i], entry, err);
		ok = commit_or_rollback(s, ok, err);
	}
	for (size_t i = 0; i < n; i++)
		free_secret(json[i]);
	free(json);
	return ok;
}

bool cache_save_immunization(struct cache_store *s, struct immunization *im, enum cache_op op,
                             const struct capture *cap, struct cache_entry *entry, struct vax_error *err)
{
	return save_imms(s, im, 1, op, cap, entry, err);
}

bool cache_save_immunizations(struct cache_store *s, struct immunization *im, size_t n,
                              const struct capture *cap, struct vax_error *err)
{
	return save_imms(s, im, n, CACHE_OP_CREATE, cap, NULL, err);
}

#define ENTRY_COLS                                                                                           \
	"seq, uuid, op, rtype, rec_key, client_key, user, org, workstation, captured_at,"                    \
	" state, attempts, next_try, receipt, message, reviewed, updated_at"

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	text_copy(dst, cap, (const char *)sqlite3_column_text(st, i));
}

static void read_entry(struct cache_store *s, sqlite3_stmt *st, struct cache_entry *e)
{
	memset(e, 0, sizeof *e);
	e->seq = sqlite3_column_int64(st, 0);
	col_text(st, 1, e->uuid, sizeof e->uuid);
	e->op = (enum cache_op)sqlite3_column_int(st, 2);
	e->type = (enum cache_rtype)sqlite3_column_int(st, 3);
	col_text(st, 4, e->rec_key, sizeof e->rec_key);
	col_text(st, 5, e->client_key, sizeof e->client_key);
	col_text(st, 6, e->cap.user, sizeof e->cap.user);
	col_text(st, 7, e->cap.org, sizeof e->cap.org);
	col_text(st, 8, e->cap.workstation, sizeof e->cap.workstation);
	e->cap.at = sqlite3_column_int64(st, 9);
	e->state = (enum cache_state)sqlite3_column_int(st, 10);
	e->attempts = sqlite3_column_int(st, 11);
	e->next_try = sqlite3_column_int64(st, 12);
	e->reviewed = sqlite3_column_int(st, 15) != 0;
	e->updated_at = sqlite3_column_int64(st, 16);
	char aad[64];
	if (s->unlocked && sqlite3_column_bytes(st, 13) > 0) {
		snprintf(aad, sizeof aad, "receipt/%s", e->uuid);
		char *r = cache_unseal(s, aad, sqlite3_column_blob(st, 13),
		                       (size_t)sqlite3_column_bytes(st, 13), NULL);
		if (r) {
			char *nl = strchr(r, '\n');
			if (nl) {
				*nl = '\0';
				text_copy(e->receipt_version, sizeof e->receipt_version, nl + 1);
			}
			text_copy(e->receipt_id, sizeof e->receipt_id, r);
			free(r);
		}
	}
	if (s->unlocked && sqlite3_column_bytes(st, 14) > 0) {
		snprintf(aad, sizeof aad, "msg/%s", e->uuid);
		char *m = cache_unseal(s, aad, sqlite3_column_blob(st, 14),
		                       (size_t)sqlite3_column_bytes(st, 14), NULL);
		if (m) {
			text_copy(e->message, sizeof e->message, m);
			free_secret(m);
		}
	}
}

int cache_outbox_list(struct cache_store *s, unsigned states, struct cache_entry **out, struct vax_error *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT " ENTRY_COLS " FROM outbox WHERE ?1 = 0 OR ((1 << state) & ?1) <> 0"
	                       " ORDER BY seq",
	                       -1, &st, NULL) != SQLITE_OK) {
		cache_db_error(s, err, "list the outbox");
		return -1;
	}
	sqlite3_bind_int64(st, 1, states);
	size_t cap = 0;
	int n = 0;
	struct cache_entry *v = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xgrow(v, &cap, (size_t)n + 1, sizeof *v);
		read_entry(s, st, &v[n++]);
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}

int cache_outbox_count(struct cache_store *s, unsigned states)
{
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM outbox WHERE ?1 = 0 OR ((1 << state) & ?1) <> 0",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, states);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

bool cache_outbox_get(struct cache_store *s, int64_t seq, struct cache_entry *e, struct vax_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT " ENTRY_COLS " FROM outbox WHERE seq=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return cache_db_error(s, err, "read the outbox");
	sqlite3_bind_int64(st, 1, seq);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		read_entry(s, st, e);
	sqlite3_finalize(st);
	return found ? true : error_set(err, "CACHE-NOT-FOUND", "No such outbox entry.");
}

char *cache_outbox_payload(struct cache_store *s, int64_t seq, bool theirs, struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       theirs ? "SELECT theirs FROM outbox WHERE seq=?"
	                              : "SELECT payload FROM outbox WHERE seq=?",
	                       -1, &st, NULL) != SQLITE_OK) {
		cache_db_error(s, err, "read the outbox");
		return NULL;
	}
	sqlite3_bind_int64(st, 1, seq);
	char *text = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 0) {
		char aad[160];
		if (theirs)
			snprintf(aad, sizeof aad, "theirs/%s", e.uuid);
		else
			payload_aad(&e, aad, sizeof aad);
		text = cache_unseal(s, aad, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
		                    err);
	} else if (!theirs) {
		error_set(err, "CACHE-NOT-FOUND", "No such outbox entry.");
	}
	sqlite3_finalize(st);
	return text;
}

/* Seal `text` for column `col` of entry seq (AAD prefix names the column). */
static bool set_sealed(struct cache_store *s, int64_t seq, const char *col, const char *prefix,
                       const char *uuid, const char *text, struct vax_error *err)
{
	char aad[200], sql[96];
	snprintf(aad, sizeof aad, "%s/%s", prefix, uuid);
	snprintf(sql, sizeof sql, "UPDATE outbox SET %s=? WHERE seq=?", col);
	size_t slen = 0;
	unsigned char *sealed = NULL;
	if (text) {
		sealed = cache_seal(s, aad, text, strlen(text), &slen, err);
		if (!sealed)
			return false;
	}
	sqlite3_stmt *st;
	bool ok = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		if (sealed)
			sqlite3_bind_blob(st, 1, sealed, (int)slen, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 1);
		sqlite3_bind_int64(st, 2, seq);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	free(sealed);
	return ok ? true : cache_db_error(s, err, "update the outbox");
}

bool cache_outbox_set_payload(struct cache_store *s, int64_t seq, const char *json, struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return false;
	if (e.state == CACHE_ACCEPTED)
		return error_set(err, "CACHE-ACCEPTED", "That change is already on the registry.");
	char name[160];
	payload_aad(&e, name, sizeof name);
	/* set_sealed prefixes "outbox/" again: pass the part after it */
	return set_sealed(s, seq, "payload", "outbox", name + strlen("outbox/"), json, err);
}

bool cache_outbox_correct_immunization(struct cache_store *s, int64_t seq, const struct immunization *im,
                                       struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return false;
	if (e.type != CACHE_R_IMMUNIZATION || e.op == CACHE_OP_DELETE || e.state != CACHE_REJECTED)
		return error_set(err, "CACHE-STATE", "Only a rejected dose can be corrected and sent again.");
	char *json = record_json(fhir_immunization_to_json(im));
	if (!json)
		return error_set(err, "CACHE-ENCODE", "The dose could not be encoded.");
	if (!cache_exec(s, "BEGIN IMMEDIATE", err)) {
		free_secret(json);
		return false;
	}
	/* the local copy, what is sent and the state change together: the
	 * history never shows one version while the outbox sends another */
	bool ok = cache_write_imm_row(s, e.rec_key, e.client_key, im, err) &&
	          cache_outbox_set_payload(s, seq, json, err) &&
	          cache_outbox_set_state(s, seq, CACHE_PENDING, NULL, NULL, "", NULL, err) &&
	          cache_outbox_retry(s, seq, 0, err);
	free_secret(json);
	return commit_or_rollback(s, ok, err);
}

bool cache_outbox_set_state(struct cache_store *s, int64_t seq, enum cache_state st, const char *receipt_id,
                            const char *receipt_version, const char *message, const char *theirs,
                            struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return false;
	/* a person's discard is final: an answer that arrives after it (a
	 * $match, the registry's version of a conflict) must not revive it */
	if (e.state == CACHE_DISCARDED)
		return error_set(err, "CACHE-STATE", "That change was discarded.");
	/* a savepoint, so the sync engine can group many of these in one
	 * transaction (one fsync per response, not per entry) */
	if (!cache_exec(s, "SAVEPOINT set_state", err))
		return false;
	sqlite3_stmt *q;
	bool ok = sqlite3_prepare_v2(s->db,
	                             "UPDATE outbox SET state=?, updated_at=?,"
	                             " attempts = attempts + (? = 1) WHERE seq=?",
	                             -1, &q, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_int(q, 1, st);
		sqlite3_bind_int64(q, 2, cache_now());
		sqlite3_bind_int(q, 3, st);
		sqlite3_bind_int64(q, 4, seq);
		ok = sqlite3_step(q) == SQLITE_DONE;
		sqlite3_finalize(q);
	}
	if (!ok)
		cache_db_error(s, err, "update the outbox");
	if (ok && receipt_id) {
		char r[VAX_ID_LEN + VAX_VERSION_LEN + 2];
		snprintf(r, sizeof r, "%s\n%s", receipt_id, receipt_version ? receipt_version : "");
		ok = set_sealed(s, seq, "receipt", "receipt", e.uuid, r, err);
	}
	if (ok && message)
		ok = set_sealed(s, seq, "message", "msg", e.uuid, message, err);
	if (ok && theirs)
		ok = set_sealed(s, seq, "theirs", "theirs", e.uuid, theirs, err);
	if (ok && cache_exec(s, "RELEASE set_state", err))
		return true;
	sqlite3_exec(s->db, "ROLLBACK TO set_state; RELEASE set_state", NULL, NULL, NULL);
	return false;
}

bool cache_outbox_retry(struct cache_store *s, int64_t seq, int64_t next_try, struct vax_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        s->db,
	        "UPDATE outbox SET state=0, next_try=?, updated_at=? WHERE seq=? AND state NOT IN (2, 6)", -1,
	        &st, NULL) != SQLITE_OK)
		return cache_db_error(s, err, "update the outbox");
	sqlite3_bind_int64(st, 1, next_try);
	sqlite3_bind_int64(st, 2, cache_now());
	sqlite3_bind_int64(st, 3, seq);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? true : cache_db_error(s, err, "update the outbox");
}

static bool mark_approved(struct cache_store *s, int64_t seq, struct vax_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "UPDATE outbox SET state=0, reviewed=1, next_try=0, updated_at=? WHERE seq=?",
	                       -1, &st, NULL) != SQLITE_OK)
		return cache_db_error(s, err, "update the outbox");
	sqlite3_bind_int64(st, 1, cache_now());
	sqlite3_bind_int64(st, 2, seq);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? true : cache_db_error(s, err, "update the outbox");
}

/* How "send ours" treats one companion the registry no longer has: a
 * person still wanted here goes again as a new record (a new UUID: the
 * registry's deleted one keeps the old), one removed here too is dropped. */
struct gone {
	char uuid[VAX_UUID_LEN], id[VAX_ID_LEN];
	char new_uuid[VAX_UUID_LEN];
};

struct companion_fix {
	const struct client *theirs;
	struct gone gone[CLIENT_RESP_MAX + 1];
	int n_gone;
};

static const char *fix_new_uuid(struct companion_fix *f, const char *uuid, const char *id)
{
	for (int i = 0; i < f->n_gone; i++)
		if (!strcmp(f->gone[i].uuid, uuid) && !strcmp(f->gone[i].id, id))
			return f->gone[i].new_uuid;
	if (f->n_gone == CLIENT_RESP_MAX + 1)
		return NULL;
	struct gone *g = &f->gone[f->n_gone++];
	text_copy(g->uuid, sizeof g->uuid, uuid);
	text_copy(g->id, sizeof g->id, id);
	uuid_v4(g->new_uuid);
	return g->new_uuid;
}

/* One responsible person of ours against the registry's: its version
 * becomes theirs (ours goes over it), or it goes as new; false: drop it. */
static bool fix_person(struct companion_fix *f, struct responsible_person *rp)
{
	if (!rp->id[0])
		return true;
	for (int i = 0; i < f->theirs->n_resp; i++) {
		const struct responsible_person *t = &f->theirs->resp[i];
		if (!strcmp(t->id, rp->id)) {
			text_copy(rp->version, sizeof rp->version, t->version);
			return true;
		}
	}
	if (rp->removed)
		return false;
	const char *nu = fix_new_uuid(f, rp->uuid, rp->id);
	if (nu) {
		text_copy(rp->uuid, sizeof rp->uuid, nu);
		rp->id[0] = rp->version[0] = '\0';
	}
	return true;
}

static void fix_consent(struct companion_fix *f, struct consent *cs)
{
	if (!cs->id[0])
		return;
	if (!strcmp(f->theirs->consent.id, cs->id)) {
		text_copy(cs->version, sizeof cs->version, f->theirs->consent.version);
		return;
	}
	const char *nu = fix_new_uuid(f, cs->uuid, cs->id);
	if (nu) {
		text_copy(cs->uuid, sizeof cs->uuid, nu);
		cs->id[0] = cs->version[0] = '\0';
	}
}

/* The companions of a payload, fixed against the registry's copy. */
static void fix_payload(struct companion_fix *f, cJSON *payload)
{
	cJSON *con = cJSON_DetachItemFromObjectCaseSensitive(payload, "contained");
	if (!con)
		return;
	cJSON *out = cJSON_AddArrayToObject(payload, "contained");
	while (con->child) {
		cJSON *x = cJSON_DetachItemViaPointer(con, con->child), *now = x;
		const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "resourceType"));
		struct responsible_person rp;
		struct consent cs;
		if (rt && !strcmp(rt, "RelatedPerson") &&
		    fhir_related_person_from_json(x, &rp, NULL, 0, NULL)) {
			now = fix_person(f, &rp) ? fhir_related_person_to_json(&rp, "#") : NULL;
			OPENSSL_cleanse(&rp, sizeof rp);
		} else if (rt && !strcmp(rt, "Consent") && fhir_consent_from_json(x, &cs, NULL, 0, NULL)) {
			fix_consent(f, &cs);
			now = fhir_consent_to_json(&cs, "#");
			OPENSSL_cleanse(&cs, sizeof cs);
		}
		if (now != x)
			cache_json_free(x);
		if (now)
			cJSON_AddItemToArray(out, now);
	}
	cache_json_free(con);
	if (!out->child)
		cJSON_DeleteItemFromObjectCaseSensitive(payload, "contained");
}

void cache_json_set_version(cJSON *j, const char *version)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	if (!cJSON_IsObject(meta)) {
		cJSON_DeleteItemFromObjectCaseSensitive(j, "meta");
		meta = cJSON_AddObjectToObject(j, "meta");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "versionId");
	cJSON_AddStringToObject(meta, "versionId", version);
}

const char *cache_json_version(const cJSON *j)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "versionId"));
	return v ? v : "";
}

/* Rewrite one unsent payload: fix(payload, arg) changes it in place. */
static bool rewrite_payload(struct cache_store *s, int64_t seq, void (*fix)(cJSON *, void *), void *arg,
                            struct vax_error *err)
{
	char *json = cache_outbox_payload(s, seq, false, err);
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	free_secret(json);
	if (!j)
		return error_set(err, "CACHE-CORRUPT", "The change could not be read.");
	fix(j, arg);
	char *out = cJSON_PrintUnformatted(j);
	cache_json_free(j);
	bool ok = out && cache_outbox_set_payload(s, seq, out, err);
	free_secret(out);
	return ok;
}

struct client_fix {
	struct companion_fix comp;
	char old_base[VAX_VERSION_LEN]; /* the Patient version the conflicting change named */
	const char *new_base;           /* what it names now ("" = unchanged) */
};

static void fix_client_payload(cJSON *j, void *arg)
{
	struct client_fix *cf = arg;
	if (cf->new_base[0] && !strcmp(cache_json_version(j), cf->old_base))
		cache_json_set_version(j, cf->new_base);
	if (cf->comp.theirs)
		fix_payload(&cf->comp, j);
}

/* "Send ours" for a client in conflict, against the registry's whole
 * client kept with the conflict: this change and the later unsent ones of
 * the client name the registry's versions the person saw, a responsible
 * person or consent removed at the registry goes again as new, and the
 * local copy learns the same, so the sync's receipts find them. */
static bool approve_client(struct cache_store *s, const struct cache_entry *e, const char *base_version,
                           struct vax_error *err)
{
	char *theirs = cache_outbox_payload(s, e->seq, true, NULL);
	cJSON *tj = theirs ? cJSON_Parse(theirs) : NULL;
	free_secret(theirs);
	struct client *th = xmalloc(sizeof *th), *c = xmalloc(sizeof *c);
	client_init(th);
	bool have = tj && fhir_client_from_json(tj, th, NULL);
	cache_json_free(tj);
	struct client_fix cf = {.comp = {.theirs = have ? th : NULL},
	                        .new_base = base_version ? base_version : ""};
	if (!cf.new_base[0] && have)
		cf.new_base = th->version;
	char *json = cache_outbox_payload(s, e->seq, false, err);
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	free_secret(json);
	bool ok = j != NULL;
	if (j)
		text_copy(cf.old_base, sizeof cf.old_base, cache_json_version(j));
	cache_json_free(j);
	if (!ok) {
		error_set(err, "CACHE-CORRUPT", "The change could not be read.");
		goto out;
	}
	if (!have) {
		/* no registry copy kept: only the Patient's base can change */
		if (cf.new_base[0])
			ok = rewrite_payload(s, e->seq, fix_client_payload, &cf, err);
		goto out;
	}
	sqlite3_stmt *st;
	ok = sqlite3_prepare_v2(
	         s->db,
	         "SELECT seq FROM outbox WHERE rec_key=? AND seq>=? AND state NOT IN (2, 6) ORDER BY seq", -1,
	         &st, NULL) == SQLITE_OK;
	if (!ok) {
		cache_db_error(s, err, "read the outbox");
		goto out;
	}
	sqlite3_bind_text(st, 1, e->rec_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, e->seq);
	int64_t seqs[64];
	int n = 0;
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		seqs[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	for (int i = 0; i < n && ok; i++)
		ok = rewrite_payload(s, seqs[i], fix_client_payload, &cf, err);
	if (ok && cache_read_client(s, e->client_key, c, NULL, false, NULL)) {
		int k = 0;
		for (int i = 0; i < c->n_resp; i++)
			if (fix_person(&cf.comp, &c->resp[i]))
				c->resp[k++] = c->resp[i];
		c->n_resp = k;
		fix_consent(&cf.comp, &c->consent);
		ok = cache_write_client_row(s, e->client_key, c, 0, true, err);
	}
out:
	OPENSSL_cleanse(th, sizeof *th);
	OPENSSL_cleanse(c, sizeof *c);
	free(th);
	free(c);
	return ok;
}

bool cache_outbox_approve(struct cache_store *s, int64_t seq, const char *base_version, struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return false;
	if (e.state != CACHE_NEEDS_REVIEW && e.state != CACHE_CONFLICT && e.state != CACHE_REJECTED)
		return error_set(err, "CACHE-STATE", "Only an entry waiting for review can be approved.");
	if (e.state == CACHE_CONFLICT && e.type == CACHE_R_PATIENT && e.op == CACHE_OP_UPDATE) {
		if (!cache_exec(s, "BEGIN IMMEDIATE", err))
			return false;
		bool ok = approve_client(s, &e, base_version, err);
		if (ok)
			ok = mark_approved(s, seq, err);
		return commit_or_rollback(s, ok, err);
	}
	if (base_version && base_version[0]) {
		/* an update overriding a newer registry version: send it with
		 * If-Match on the version the person saw */
		char *json = cache_outbox_payload(s, seq, false, err);
		if (!json)
			return false;
		cJSON *j = cJSON_Parse(json);
		free_secret(json);
		if (!j)
			return error_set(err, "CACHE-CORRUPT", "The change could not be read.");
		cache_json_set_version(j, base_version);
		char *out = cJSON_PrintUnformatted(j);
		cache_json_free(j);
		bool ok = cache_outbox_set_payload(s, seq, out, err);
		free_secret(out);
		if (!ok)
			return false;
	}
	return mark_approved(s, seq, err);
}

bool cache_outbox_link(struct cache_store *s, int64_t seq, const char *rid, struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return false;
	if (e.type != CACHE_R_PATIENT || e.op != CACHE_OP_CREATE || e.state == CACHE_ACCEPTED ||
	    e.state == CACHE_DISCARDED)
		return error_set(err, "CACHE-STATE", "Only an unsent new client can be linked.");
	struct client c;
	if (!cache_get_client(s, e.client_key, &c, NULL, err))
		return false;
	text_copy(c.id, sizeof c.id, rid);
	c.version[0] = '\0';
	/* the receipt first: doses find their client's id through it even if
	 * the program stops before the cached copy is updated */
	if (!cache_outbox_set_state(s, seq, CACHE_ACCEPTED, rid, "", "Linked to an existing registry client.",
	                            NULL, err))
		return false;
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return false;
	bool ok = cache_write_client_row(s, e.client_key, &c, 0, true, err);
	return commit_or_rollback(s, ok, err);
}

bool cache_outbox_send_now(struct cache_store *s)
{
	return sqlite3_exec(s->db, "UPDATE outbox SET next_try=0 WHERE state=0 AND next_try>0", NULL, NULL,
	                    NULL) == SQLITE_OK;
}

int cache_outbox_due(struct cache_store *s, int64_t now)
{
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM outbox WHERE state=0 AND next_try<=?", -1, &st,
	                       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* --- discarding, audited ----------------------------------------------------- */

const char *cache_audit_action_name(enum cache_audit_action a)
{
	switch (a) {
	case CACHE_AUDIT_DISCARD:
		return "discard";
	case CACHE_AUDIT_KEEP_THEIRS:
		return "keep-theirs";
	}
	return "?";
}

/* The audit AAD names the row and its clear columns, so neither the blob
 * nor the time, action or entry can be swapped or edited unnoticed. */
static void audit_aad(const char *uuid, int64_t at, int action, int64_t entry_seq, char *buf, size_t len)
{
	snprintf(buf, len, "audit/%s/%lld/%d/%lld", uuid, (long long)at, action, (long long)entry_seq);
}

static bool audit_write(struct cache_store *s, const struct cache_entry *e, enum cache_audit_action action,
                        const struct capture *who, const char *reason, struct vax_error *err)
{
	char uuid[VAX_UUID_LEN], aad[160];
	uuid_v4(uuid);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "user", who->user);
	cJSON_AddStringToObject(j, "org", who->org);
	cJSON_AddStringToObject(j, "workstation", who->workstation);
	cJSON_AddStringToObject(j, "entry", e->uuid);
	cJSON_AddStringToObject(j, "record", e->rec_key);
	cJSON_AddStringToObject(j, "reason", reason);
	char *text = record_json(j);
	if (!text)
		return error_set(err, "CACHE-ENCODE", "The audit record could not be encoded.");
	audit_aad(uuid, who->at, (int)action, e->seq, aad, sizeof aad);
	size_t slen;
	unsigned char *sealed = cache_seal(s, aad, text, strlen(text), &slen, err);
	free_secret(text);
	if (!sealed)
		return false;
	sqlite3_stmt *st;
	bool ok = sqlite3_prepare_v2(
	              s->db, "INSERT INTO audit(uuid, at, action, entry_seq, sealed) VALUES(?,?,?,?,?)", -1,
	              &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, who->at);
		sqlite3_bind_int(st, 3, (int)action);
		sqlite3_bind_int64(st, 4, e->seq);
		sqlite3_bind_blob(st, 5, sealed, (int)slen, SQLITE_TRANSIENT);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	free(sealed);
	return ok ? true : cache_db_error(s, err, "write the audit record");
}

/* Run one statement with up to two text parameters and an int64. */
static bool exec_bound(struct cache_store *s, const char *sql, const char *t1, int64_t i2,
                       struct vax_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_db_error(s, err, "update the store");
	int n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		sqlite3_bind_text(st, 1, t1, -1, SQLITE_TRANSIENT);
	if (n >= 2)
		sqlite3_bind_int64(st, 2, i2);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? true : cache_db_error(s, err, "update the store");
}

/* Later unsent entries that need this one on the registry first: changes
 * of the same record, and for a new client, its doses and changes. */
static int dependents(struct cache_store *s, const struct cache_entry *e)
{
	sqlite3_stmt *st;
	int n = -1;
	bool new_client = e->type == CACHE_R_PATIENT && e->op == CACHE_OP_CREATE;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT count(*) FROM outbox WHERE seq<>?1 AND state NOT IN (2, 6) AND"
	                       " ((rec_key=?2 AND seq>?1) OR (?3 AND client_key=?2))",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_text(st, 2, e->rec_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, new_client);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Inside a transaction: the entry becomes DISCARDED if it is still in a
 * state a person may drop (checked here, not before, so another process's
 * sync cannot slip between), with the audit row beside it. */
static bool drop_entry(struct cache_store *s, const struct cache_entry *e, enum cache_audit_action action,
                       const struct capture *who, const char *reason, struct vax_error *err)
{
	struct cache_entry now;
	if (!cache_outbox_get(s, e->seq, &now, err))
		return false;
	switch (now.state) {
	case CACHE_PENDING:
	case CACHE_REJECTED:
	case CACHE_CONFLICT:
	case CACHE_NEEDS_REVIEW:
		break;
	case CACHE_SENDING:
		return error_set(err, "CACHE-SENDING",
		                 "That change is being sent right now; wait for the registry's answer.");
	case CACHE_ACCEPTED:
		return error_set(err, "CACHE-STATE", "That change is already on the registry.");
	case CACHE_DISCARDED:
		return error_set(err, "CACHE-STATE", "That change was discarded already.");
	}
	int deps = dependents(s, &now);
	if (deps != 0)
		return deps < 0 ? cache_db_error(s, err, "read the outbox")
		                : error_set(err, "CACHE-DEPENDENT",
		                            "%d later change%s of this record need%s it; discard %s first.",
		                            deps, deps == 1 ? "" : "s", deps == 1 ? "s" : "",
		                            deps == 1 ? "that one" : "those");
	char msg[VAX_ERROR_MSG_LEN];
	snprintf(msg, sizeof msg, "%s: %s",
	         action == CACHE_AUDIT_KEEP_THEIRS ? "Kept the registry's version" : "Discarded", reason);
	if (!cache_outbox_set_state(s, now.seq, CACHE_DISCARDED, NULL, NULL, msg, NULL, err))
		return false;
	OPENSSL_cleanse(msg, sizeof msg);
	return audit_write(s, &now, action, who, reason, err);
}

static bool reason_given(const char *reason)
{
	for (const char *p = reason; p && *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return true;
	return false;
}

bool cache_outbox_discard(struct cache_store *s, int64_t seq, const char *reason, const struct capture *who,
                          struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err))
		return false;
	if (!reason_given(reason))
		return error_set(err, "CACHE-NO-REASON", "Say why it is discarded: a reason is required.");
	if (!cache_outbox_get(s, seq, &e, err) || !cache_exec(s, "BEGIN IMMEDIATE", err))
		return false;
	bool ok = drop_entry(s, &e, CACHE_AUDIT_DISCARD, who, reason, err);
	if (ok && e.op == CACHE_OP_CREATE && e.type == CACHE_R_IMMUNIZATION) {
		/* never reaches the registry: it leaves the local history too */
		ok = exec_bound(s, "DELETE FROM imms WHERE key=?", e.rec_key, 0, err);
	} else if (ok && e.op == CACHE_OP_CREATE) {
		ok = exec_bound(s, "DELETE FROM search WHERE client_key=?", e.rec_key, 0, err) &&
		     exec_bound(s, "DELETE FROM imms WHERE client_key=?", e.rec_key, 0, err) &&
		     exec_bound(s, "DELETE FROM clients WHERE key=?", e.rec_key, 0, err);
	} else if (ok) {
		/* the local copy holds the dropped change: read the registry's again */
		ok = exec_bound(s, "UPDATE clients SET as_of=0 WHERE key=?", e.client_key, 0, err);
	}
	return commit_or_rollback(s, ok, err);
}

bool cache_outbox_keep_theirs(struct cache_store *s, int64_t seq, const struct capture *who,
                              struct vax_error *err)
{
	struct cache_entry e;
	if (!cache_require_unlocked(s, err) || !cache_outbox_get(s, seq, &e, err))
		return false;
	if (e.state != CACHE_CONFLICT)
		return error_set(err, "CACHE-STATE",
		                 "Only a change in conflict has a registry version to keep.");
	char *theirs = cache_outbox_payload(s, seq, true, err);
	cJSON *j = theirs ? cJSON_Parse(theirs) : NULL;
	free_secret(theirs);
	struct client c;
	struct immunization im;
	bool read = false;
	client_init(&c);
	imm_init(&im);
	if (j && e.type == CACHE_R_PATIENT) {
		/* the registry's client with its responsible persons and consent */
		read = fhir_client_from_json(j, &c, NULL);
	} else if (j) {
		read = fhir_immunization_from_json(j, &im, NULL);
	}
	cache_json_free(j);
	if (!read)
		return error_set(err, "CACHE-NO-THEIRS",
		                 "The registry's version was not fetched; send it again to fetch it.");
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return false;
	bool ok = drop_entry(s, &e, CACHE_AUDIT_KEEP_THEIRS, who, "Kept the registry's version.", err);
	if (ok && e.type == CACHE_R_PATIENT)
		ok = cache_write_client_row(s, e.rec_key, &c, 0, true, err);
	else if (ok)
		ok = cache_write_imm_row(s, e.rec_key, e.client_key, &im, err);
	OPENSSL_cleanse(&c, sizeof c);
	OPENSSL_cleanse(&im, sizeof im);
	return commit_or_rollback(s, ok, err);
}

int cache_audit_list(struct cache_store *s, int64_t since, struct cache_audit **out, struct vax_error *err)
{
	*out = NULL;
	if (!cache_require_unlocked(s, err))
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT a.uuid, a.at, a.action, a.entry_seq, a.sealed, o.uuid FROM audit a"
	                       " LEFT JOIN outbox o ON o.seq = a.entry_seq WHERE a.at >= ? ORDER BY a.id",
	                       -1, &st, NULL) != SQLITE_OK) {
		cache_db_error(s, err, "read the audit");
		return -1;
	}
	sqlite3_bind_int64(st, 1, since);
	size_t cap = 0;
	int n = 0;
	struct cache_audit *v = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cache_audit a;
		memset(&a, 0, sizeof a);
		a.at = sqlite3_column_int64(st, 1);
		a.action = (enum cache_audit_action)sqlite3_column_int(st, 2);
		a.entry_seq = sqlite3_column_int64(st, 3);
		col_text(st, 5, a.entry_uuid, sizeof a.entry_uuid);
		char aad[160];
		audit_aad((const char *)sqlite3_column_text(st, 0), a.at, (int)a.action, a.entry_seq, aad,
		          sizeof aad);
		char *text = cache_unseal(s, aad, sqlite3_column_blob(st, 4),
		                          (size_t)sqlite3_column_bytes(st, 4), NULL);
		cJSON *j = text ? cJSON_Parse(text) : NULL;
		free_secret(text);
		if (!j) {
			/* a row that does not open is shown as such, never skipped */
			text_copy(a.reason, sizeof a.reason, "(this audit record does not open)");
		} else {
			const char *f[] = {"user", "org", "workstation", "record", "reason"};
			char *dst[] = {a.who.user, a.who.org, a.who.workstation, a.record, a.reason};
			size_t len[] = {sizeof a.who.user, sizeof a.who.org, sizeof a.who.workstation,
			                sizeof a.record, sizeof a.reason};
			for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
				const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, f[i]);
				if (cJSON_IsString(x))
					text_copy(dst[i], len[i], x->valuestring);
			}
			cache_json_free(j);
		}
		a.who.at = a.at;
		v = xgrow(v, &cap, (size_t)n + 1, sizeof *v);
		v[n++] = a;
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}
