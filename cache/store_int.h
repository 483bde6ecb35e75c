/* cache/store_int.h - what store.c and outbox.c share; not for other folders. */
#ifndef VAX_CACHE_STORE_INT_H
#define VAX_CACHE_STORE_INT_H

#include <sqlite3.h>

#include "cache/store.h"

struct cJSON;

struct cache_store {
	sqlite3 *db;      /* the selected user's store, else an empty in-memory one */
	char *base;       /* the workstation's data directory */
	char *dir;        /* the selected user's store directory (base until then) */
	char *org, *user; /* whose store is selected (NULL: nobody yet) */
	struct cache_kdf kdf;
	int max_failures;
	bool unlocked;
	bool readonly;                          /* opened read-only: nothing can be written */
	char notice[VAX_ERROR_MSG_LEN];         /* for the person, once (a damaged store replaced) */
	unsigned char key[CACHE_KEY_LEN];       /* the store key */
	unsigned char seal_key[CACHE_KEY_LEN];  /* seals records */
	unsigned char index_key[CACHE_KEY_LEN]; /* blind indexes */
};

/** A sealed copy of data (malloc'd, *out_len) for the row named by aad. */
unsigned char *cache_seal(struct cache_store *s, const char *aad, const void *data, size_t len,
                          size_t *out_len, struct vax_error *err);
/** Open a sealed column into a malloc'd NUL-terminated string; NULL if it
 * does not open (err set). */
char *cache_unseal(struct cache_store *s, const char *aad, const void *sealed, size_t len,
                   struct vax_error *err);
/** sqlite3_exec with the error turned into a vax_error. */
bool cache_exec(struct cache_store *s, const char *sql, struct vax_error *err);
bool cache_db_error(struct cache_store *s, struct vax_error *err, const char *what);
bool cache_require_unlocked(const struct cache_store *s, struct vax_error *err);
/** Write a client / dose row and its index entries (inside a transaction). */
bool cache_write_client_row(struct cache_store *s, const char *key, const struct client *c, int64_t as_of,
                            bool keep_as_of, struct vax_error *err);
bool cache_write_imm_row(struct cache_store *s, const char *key, const char *client_key,
                         const struct immunization *im, struct vax_error *err);
int64_t cache_now(void);
/** cJSON_Delete after wiping every string in the tree: records are PHI. */
void cache_json_free(struct cJSON *j);
/** A payload's base version (meta.versionId, what If-Match sends) becomes
 * version. */
void cache_json_set_version(struct cJSON *j, const char *version);
/** A payload's or resource's meta.versionId, "" if it has none. */
const char *cache_json_version(const struct cJSON *j);
/** cache_get_client without marking the client used when touch is false
 * (the sync engine reads clients; a person did not look at them). */
bool cache_read_client(struct cache_store *s, const char *key, struct client *c, int64_t *as_of, bool touch,
                       struct vax_error *err);
/** The registry's resource type/id as it came (cache_json_free it), NULL
 * if none is kept. */
struct cJSON *cache_remote_get(struct cache_store *s, const char *type, const char *id);
/** Forget it (the registry deleted it). */
void cache_remote_drop(struct cache_store *s, const char *type, const char *id);
/** Replace an entry's record on a side (the client's, or else the dose's). */
bool cache_outbox_set_record(struct cache_store *s, int64_t seq, enum cache_side side, const struct client *c,
                             const struct immunization *im, struct vax_error *err);
/** A merge of a change with the registry's version: ours becomes merged,
 * base the registry's (so If-Match names it), and the cached copy shows it
 * unless a later change of the record waits. Inside a transaction; the
 * state is the caller's. */
bool cache_outbox_merged(struct cache_store *s, const struct cache_entry *e, const struct client *merged_c,
                         const struct client *theirs_c, const struct immunization *merged_im,
                         const struct immunization *theirs_im, struct vax_error *err);
/** The client row key a dose belongs to (its client_uuid, else from client_id). */
bool cache_imm_client_key(struct cache_store *s, const struct immunization *im, char key[CACHE_KEY_STR]);

#endif
