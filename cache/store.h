/* cache/store.h - the encrypted local store: cached clients and doses, the
 * outbox, offline login (DESIGN.md sections 5 and 6).
 *
 * One store per user: each (organization, username) that logs in on a
 * workstation has its own SQLite file, `store.db`, and its own random store
 * key, in $XDG_DATA_HOME/vaxdesk/stores/<hex SHA-256 of the normalised org
 * and user>/ (else under ~/.local/share/vaxdesk/); directories 0700, files
 * 0600, WAL journal with synchronous=FULL: a function that writes returns
 * only after its transaction is on disk. Colleagues sharing a terminal each
 * keep their own offline work, sealed under their own key, and it is sent
 * only under their own login. The directory name keeps usernames out of
 * listings; it is a plain hash, not a secret (see user_store_dir in store.c).
 *
 * A struct cache_store is the workstation's handle: it works on the store of
 * the user who last logged in through it (online, offline or rekey); before
 * that, every call sees an empty store in memory and writes nothing.
 *
 * What is in the file, and what is not:
 *   - every record (client, dose, outbox payload, registry message) is a
 *     sealed blob (cache/crypto.h) whose AAD names its row, under a random
 *     store key; nothing a person typed is stored in the clear;
 *   - the store key is wrapped for its one user with a key derived by
 *     scrypt from that user's password; a wrong password fails to unwrap,
 *     and that is the whole password check offline;
 *   - offline search uses blind indexes: HMAC tags of folded names, the
 *     birth date and identifiers, in one table keyed by (kind, tag) so new
 *     kinds (phonetic keys) are a new number, not a new table;
 *   - row keys are the record's UUID, or for records that came from the
 *     registry without one, "r" + a keyed hash of the registry id, so no
 *     registry id is stored in the clear either.
 *
 * Who may unlock: a user's first online login on a workstation creates
 * their store and key. A later online login re-wraps it when it is already
 * unlocked in this process (password changed from vaxdesk). If it is locked
 * and the wrap does not open (password changed at the registry) the key
 * cannot be recovered without the old password: that user's cache alone is
 * then dropped and re-keyed, but only when their outbox holds nothing
 * unsent; otherwise the login is refused with CACHE-KEY-OLD-PASSWORD and
 * cache_login_rekey() with the old password opens it once. Nothing unsent
 * is ever dropped.
 */
#ifndef VAX_CACHE_STORE_H
#define VAX_CACHE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/crypto.h"
#include "core/client.h"
#include "core/error.h"
#include "core/immunization.h"
#include "core/match.h"

#define CACHE_KEY_STR              40 /* a row key: uuid or "r" + 32 hex */
#define CACHE_MAX_OFFLINE_FAILURES 5

enum cache_op { CACHE_OP_CREATE = 1, CACHE_OP_UPDATE = 2, CACHE_OP_DELETE = 3 };
enum cache_rtype { CACHE_R_PATIENT = 1, CACHE_R_IMMUNIZATION = 2 };

/** Outbox entry states (DESIGN.md 5). Green only at ACCEPTED. */
enum cache_state {
	CACHE_PENDING = 0,      /* waiting to be sent */
	CACHE_SENDING = 1,      /* in a request now (back to PENDING after a crash) */
	CACHE_ACCEPTED = 2,     /* the registry has it: receipt id/version set */
	CACHE_REJECTED = 3,     /* the registry refused the content: message says why */
	CACHE_CONFLICT = 4,     /* 409/412: someone changed it; both versions kept */
	CACHE_NEEDS_REVIEW = 5, /* a probable match or a possible duplicate: a person decides */
	CACHE_DISCARDED = 6,    /* a person dropped it, with a reason (audited); never sent */
};
/* Entries the registry still has to get: not accepted, not discarded. */
#define CACHE_UNSENT_MASK (~(1u << CACHE_ACCEPTED | 1u << CACHE_DISCARDED))

/** Blind-index kinds. The number is part of every tag: never reuse one. */
enum cache_index_kind {
	CACHE_IX_FAMILY = 1,  /* text_fold(family) and of every AKA family */
	CACHE_IX_GIVEN = 2,   /* text_fold(given) */
	CACHE_IX_DOB = 3,     /* ISO date */
	CACHE_IX_IDENT = 4,   /* "TYPE|value" of each identifier */
	CACHE_IX_RID = 5,     /* the registry id */
	CACHE_IX_FAMILY3 = 6, /* the first 3 folded letters of the family name */
	CACHE_IX_MATCH = 7,   /* core/match.h blocking keys (phonetic names + dates, phone) */
};

struct cache_store;

struct cache_store_options {
	const char *dir;          /* NULL: cache_default_dir() */
	struct cache_kdf kdf;     /* log2n 0: the default cost */
	int max_offline_failures; /* 0: CACHE_MAX_OFFLINE_FAILURES */
};

/** One outbox entry as the screens and the sync engine see it. */
struct cache_entry {
	int64_t seq;             /* order of capture */
	char uuid[VAX_UUID_LEN]; /* the entry's own identifier */
	enum cache_op op;
	enum cache_rtype type;
	char rec_key[CACHE_KEY_STR];    /* the record's row key (its uuid for local creates) */
	char client_key[CACHE_KEY_STR]; /* the client row the record belongs to */
	struct capture cap;
	enum cache_state state;
	int attempts;
	int64_t next_try; /* Unix seconds; 0 = now */
	char receipt_id[VAX_ID_LEN];
	char receipt_version[VAX_VERSION_LEN];
	char message[VAX_ERROR_MSG_LEN]; /* why rejected / what to review (opened) */
	bool reviewed;                   /* a person said "send it anyway" */
	int64_t updated_at;
};

/** $XDG_DATA_HOME/vaxdesk or ~/.local/share/vaxdesk (malloc'd). */
char *cache_default_dir(void);

/** Open the workstation's data directory o->dir (created 0700). No user's
 * store is selected yet: a login selects one. When a user's store is
 * selected, its entries left SENDING by a crash go back to PENDING (resends
 * are no-ops: creates are conditional). */
struct cache_store *cache_store_open(const struct cache_store_options *o, struct vax_error *err);
/** Wipe the key and close. NULL is fine. */
void cache_store_close(struct cache_store *s);
/** The directory of the selected user's store (the data directory before
 * any login). */
const char *cache_store_dir(const struct cache_store *s);
/** The open SQLite handle (for the sync engine and tests in this folder). */
struct sqlite3 *cache_store_db(struct cache_store *s);

/* --- login ------------------------------------------------------------ */

/** After the registry accepted (org, user, password): select that user's own
 * store (creating it on their first login here) and unlock it with that
 * password, creating or re-wrapping the key as described above, and clear
 * the offline failure count. Another user's store open before is locked.
 * Codes: CACHE-KEY-OLD-PASSWORD (unsent work under an old password). */
bool cache_login_online(struct cache_store *s, const char *org, const char *user, const char *password,
                        int64_t now, struct vax_error *err);
/** Registry unreachable: select the user's own store and unlock it with the
 * password alone. Each failure is
 * counted durably; after max_offline_failures the user must log in online.
 * Codes: CACHE-NO-OFFLINE, CACHE-BAD-PASSWORD, CACHE-OFFLINE-LOCKED. */
bool cache_login_offline(struct cache_store *s, const char *org, const char *user, const char *password,
                         struct vax_error *err);
/** Open with an old password and wrap for a new one (password changed). */
bool cache_login_rekey(struct cache_store *s, const char *org, const char *user, const char *old_password,
                       const char *new_password, struct vax_error *err);
/** Failed offline attempts counted for the user (0 if unknown). */
int cache_offline_failures(struct cache_store *s, const char *org, const char *user);
/** True if the user has logged in online here (offline login possible).
 * Neither this nor cache_offline_failures changes the selected store. */
bool cache_has_user(struct cache_store *s, const char *org, const char *user);
bool cache_unlocked(const struct cache_store *s);
/** Forget the key (idle lock, logout). */
void cache_lock(struct cache_store *s);

/* --- cached records ------------------------------------------------------ */

/** The row key of a client or dose: its uuid, else from its registry id. */
bool cache_client_key(struct cache_store *s, const struct client *c, char key[CACHE_KEY_STR]);
bool cache_imm_key(struct cache_store *s, const struct immunization *im, char key[CACHE_KEY_STR]);

/** Store a client as the registry sent it, history as of `as_of`. A row with
 * unsent outbox entries is left alone (a pull never overwrites local work);
 * returns true in both cases, *kept (may be NULL) says which. */
bool cache_put_client(struct cache_store *s, const struct client *c, int64_t as_of, bool *kept,
                      struct vax_error *err);
/** Store a dose from the registry (same rule as cache_put_client). */
bool cache_put_immunization(struct cache_store *s, const struct immunization *im, bool *kept,
                            struct vax_error *err);
/** Read a cached client; also marks it used (retention counts from there). */
bool cache_get_client(struct cache_store *s, const char *key, struct client *c, int64_t *as_of,
                      struct vax_error *err);
/** Every cached dose of a client, malloc'd in *out; returns the count or -1. */
int cache_client_immunizations(struct cache_store *s, const char *client_key, struct immunization **out,
                               struct vax_error *err);
/** Find the cached client with this registry id. */
bool cache_find_rid(struct cache_store *s, const char *rid, char key[CACHE_KEY_STR]);

/** An offline search: every non-empty field must match (folded names,
 * exact DOB, identifier "TYPE|value" or registry id). */
struct cache_query {
	const char *family; /* whole name, or 3+ letters with family_prefix */
	bool family_prefix; /* match the first 3 letters only */
	const char *given;
	vax_date dob;      /* DATE_NONE: any */
	const char *ident; /* "MR|12345" */
	const char *rid;
};
/** Row keys of the matching clients, up to max; returns the count or -1. */
int cache_search(struct cache_store *s, const struct cache_query *q, char (*keys)[CACHE_KEY_STR], int max,
                 struct vax_error *err);

/** One candidate of an offline Smart search. */
struct cache_match {
	char key[CACHE_KEY_STR];
	struct match_result r;
};
/** The offline Patient/$match: the blocking keys of q (core/match.h) are
 * looked up as blind tags, the candidates opened and scored with the
 * registry's own comparators. Up to max results graded possible or better,
 * best first; returns the count or -1. */
int cache_match_search(struct cache_store *s, const struct client *q, struct cache_match *out, int max,
                       struct vax_error *err);

/** True if the client's history is older than max_age_s (or unknown: never
 * pulled, e.g. created offline): recording a shot should warn. */
bool cache_is_stale(struct cache_store *s, const char *key, int64_t now, int64_t max_age_s);

/** Drop cached clients (and their doses and index rows) not used for
 * retention_days (all of them if retention_days < 0), and accepted outbox
 * entries older than that; never anything unsent. Returns clients dropped
 * or -1. */
int cache_purge(struct cache_store *s, int64_t now, int retention_days, struct vax_error *err);
/** Number of cached clients. */
int cache_count_clients(struct cache_store *s);

/** The read-back every cached record passes through: open `sealed` with
 * key and aad, parse the FHIR JSON inside as a Patient (into *c) or an
 * Immunization (into *im). False with CACHE-CORRUPT if it does not open or
 * does not parse. Plaintext is wiped before return. */
bool cache_record_decode(const unsigned char key[CACHE_KEY_LEN], const char *aad, const void *sealed,
                         size_t len, enum cache_rtype type, struct client *c, struct immunization *im,
                         struct vax_error *err);

/* --- outbox --------------------------------------------------------------- */

/** Record a create/update/delete of a client: the local copy and the outbox
 * entry in one transaction, returned only after commit. A create without a
 * uuid gets one (written back into *c). `entry` (may be NULL) receives the
 * new entry. The entry carries the responsible persons and consent this
 * change touched (compared with the cached copy), not the unchanged ones. */
bool cache_save_client(struct cache_store *s, struct client *c, enum cache_op op, const struct capture *cap,
                       struct cache_entry *entry, struct vax_error *err);
/** Same for a dose; im->client_uuid or im->client_id names its client. */
bool cache_save_immunization(struct cache_store *s, struct immunization *im, enum cache_op op,
                             const struct capture *cap, struct cache_entry *entry, struct vax_error *err);
/** Several new doses (one visit) in one transaction: all are saved, each
 * with its own uuid and outbox entry, or none is. */
bool cache_save_immunizations(struct cache_store *s, struct immunization *im, size_t n,
                              const struct capture *cap, struct vax_error *err);

/** Entries in capture order; states is a bit mask (1 << state), 0 = all.
 * *out malloc'd; returns the count or -1. */
int cache_outbox_list(struct cache_store *s, unsigned states, struct cache_entry **out,
                      struct vax_error *err);
/** Count of entries in any state of the mask (0 = all). */
int cache_outbox_count(struct cache_store *s, unsigned states);
/** Read one entry by seq. */
bool cache_outbox_get(struct cache_store *s, int64_t seq, struct cache_entry *e, struct vax_error *err);
/** The entry's payload (FHIR JSON text, malloc'd, NUL-terminated); `theirs`
 * instead gives the registry's version stored with a conflict (NULL if none). */
char *cache_outbox_payload(struct cache_store *s, int64_t seq, bool theirs, struct vax_error *err);
/** Replace the payload of an entry not yet accepted (resolving a reference
 * once the client has its registry id, or after review). */
bool cache_outbox_set_payload(struct cache_store *s, int64_t seq, const char *json, struct vax_error *err);
/** A rejected dose corrected by a person: the cached copy and the entry's
 * payload become im, and the entry goes back to PENDING, in one transaction. */
bool cache_outbox_correct_immunization(struct cache_store *s, int64_t seq, const struct immunization *im,
                                       struct vax_error *err);
/** Move an entry to a state; receipt and message may be NULL; theirs (may be
 * NULL) is stored with a conflict. Durable before return. */
bool cache_outbox_set_state(struct cache_store *s, int64_t seq, enum cache_state st, const char *receipt_id,
                            const char *receipt_version, const char *message, const char *theirs,
                            struct vax_error *err);
/** Put an entry back to PENDING, to try again after next_try (backoff). */
bool cache_outbox_retry(struct cache_store *s, int64_t seq, int64_t next_try, struct vax_error *err);

/** A person reviewed an entry in NEEDS_REVIEW or CONFLICT: send it as it is
 * (create the client although a probable match exists, keep the dose that
 * looked like a duplicate, overwrite the registry's newer version with
 * base_version). Back to PENDING with the reviewed flag. A client change in
 * conflict is sent over the registry's client kept with the conflict: it
 * and the client's later unsent changes name the versions kept there (the
 * Patient's too when base_version is NULL or ""), and a responsible person
 * or consent deleted at the registry goes again as new, under a new UUID,
 * in the cached copy as well. */
bool cache_outbox_approve(struct cache_store *s, int64_t seq, const char *base_version,
                          struct vax_error *err);
/** A person linked an offline-created client to an existing registry client
 * (rid): the create is dropped as ACCEPTED with that receipt, and the
 * client's doses are sent against rid. */
bool cache_outbox_link(struct cache_store *s, int64_t seq, const char *rid, struct vax_error *err);

/** A person asked to send now: pending entries waiting out a back-off
 * (a 5xx, an answer that did not come) are due at once. */
bool cache_outbox_send_now(struct cache_store *s);
/** Entries in PENDING whose next try is due at `now` (Unix seconds). */
int cache_outbox_due(struct cache_store *s, int64_t now);

/* --- discarding, audited ---------------------------------------------------- */

/** What a person did to an entry instead of sending it. */
enum cache_audit_action {
	CACHE_AUDIT_DISCARD = 1,     /* dropped ours, with a reason */
	CACHE_AUDIT_KEEP_THEIRS = 2, /* a conflict: took the registry's version */
};

/** One audit row, opened. */
struct cache_audit {
	int64_t at; /* Unix seconds (the capture's time) */
	enum cache_audit_action action;
	int64_t entry_seq;
	char entry_uuid[VAX_UUID_LEN];
	char record[CACHE_KEY_STR]; /* the entry's rec_key */
	struct capture who;
	char reason[VAX_ERROR_MSG_LEN];
};

/** A person drops an entry that is pending, rejected, in conflict or held
 * for review: it stays in the outbox as DISCARDED (never deleted, never
 * sent) and an audit row (who, when, which record, why; sealed) is written
 * in the same transaction. A discarded create also leaves the local copy;
 * a discarded change marks the client's history stale so the registry's
 * version is read again. Codes: CACHE-NO-REASON (reason empty),
 * CACHE-SENDING (in a request now), CACHE-STATE (accepted or discarded
 * already), CACHE-DEPENDENT (later unsent changes need this one). */
bool cache_outbox_discard(struct cache_store *s, int64_t seq, const char *reason, const struct capture *who,
                          struct vax_error *err);
/** A conflict resolved the registry's way: ours is discarded (audited as
 * CACHE_AUDIT_KEEP_THEIRS) and the registry's version stored with the
 * conflict becomes the cached copy (for a client, with the responsible
 * persons and consent stored with it). CACHE-NO-THEIRS if none was fetched. */
bool cache_outbox_keep_theirs(struct cache_store *s, int64_t seq, const struct capture *who,
                              struct vax_error *err);
/** Audit rows at or after `since` (Unix seconds), oldest first; *out
 * malloc'd; returns the count or -1. */
int cache_audit_list(struct cache_store *s, int64_t since, struct cache_audit **out, struct vax_error *err);
const char *cache_audit_action_name(enum cache_audit_action a);

/** "pending", "sending", "accepted", ... */
const char *cache_state_name(enum cache_state st);
const char *cache_op_name(enum cache_op op);
const char *cache_rtype_name(enum cache_rtype t);

#endif
