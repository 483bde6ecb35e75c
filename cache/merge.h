/* cache/merge.h - three-way merge: of records, field by field, for the
 * person who resolves a conflict and for the sync that resolves what needs
 * no person; and of FHIR resources, so an edit goes back to the registry
 * with only the fields it changed.
 *
 * Records. An edit starts from a base (the record as the registry had it
 * when the edit began); ours is the edited record; theirs is what the
 * registry holds now. Each field a person would name (given name, date of
 * birth, the current address, one responsible person, the consent, a dose's
 * lot, ...) is compared as a whole: changed on one side only, it merges by
 * itself; changed on both sides to different values, it needs a person
 * (CACHE_MERGE_CONFLICT). A responsible person or consent is one field,
 * matched across the three by its UUID, else its registry id, so one
 * removed at the registry and changed here is a conflict, never dropped.
 * Record ids, versions and who-typed-it are not fields: they say which
 * record, not what it says.
 *
 * Resources. cache_merge_resource() applies the difference between two
 * encodings of our record (base and ours, both from core/fhir.h) to the
 * registry's resource as it came, so elements vaxdesk does not model
 * (other systems' extensions, name periods, ...) stay as they were. An
 * array is patched element by element when every element of the base
 * encoding is found whole inside a distinct element of the registry's
 * array; otherwise the whole array is replaced by ours (the only case in
 * which something vaxdesk does not model can be lost, and only inside an
 * element vaxdesk changed).
 */
#ifndef VAX_CACHE_MERGE_H
#define VAX_CACHE_MERGE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/immunization.h"

#define CACHE_MERGE_FIELDS_MAX 48
#define CACHE_MERGE_TEXT       320

enum cache_merge_state {
	CACHE_MERGE_SAME = 0, /* nobody changed it */
	CACHE_MERGE_OURS,     /* changed here only: ours goes */
	CACHE_MERGE_THEIRS,   /* changed at the registry only: theirs stays */
	CACHE_MERGE_AGREE,    /* changed on both sides to the same value */
	CACHE_MERGE_CONFLICT, /* changed on both sides differently: a person picks */
};

enum cache_merge_pick { CACHE_PICK_NONE = 0, CACHE_PICK_OURS, CACHE_PICK_THEIRS };

/** One field as the three versions have it, in words ("(none)" if absent). */
struct cache_merge_field {
	char label[80];
	enum cache_merge_state state;
	enum cache_merge_pick pick; /* a person's choice for a conflict */
	char base[CACHE_MERGE_TEXT], ours[CACHE_MERGE_TEXT], theirs[CACHE_MERGE_TEXT];
	int kind;                /* which field (internal) */
	char uuid[VAX_UUID_LEN]; /* a responsible person's UUID and registry id (internal) */
	char id[VAX_ID_LEN];
};

struct cache_merge {
	bool client; /* fields of a client, else of a dose */
	int n;
	int n_conflicts;
	struct cache_merge_field f[CACHE_MERGE_FIELDS_MAX];
};

/** Compare a client's base, ours and theirs field by field. */
void cache_merge_clients(const struct client *base, const struct client *ours, const struct client *theirs,
                         struct cache_merge *m);
/** The same for a dose. */
void cache_merge_imms(const struct immunization *base, const struct immunization *ours,
                      const struct immunization *theirs, struct cache_merge *m);
/** True if theirs already holds every change ours made to base (nothing is
 * CACHE_MERGE_OURS or CACHE_MERGE_CONFLICT): a lost answer, not a conflict. */
bool cache_merge_holds_ours(const struct cache_merge *m);
/** Every conflict has a pick (or there is none). */
bool cache_merge_decided(const struct cache_merge *m);
/** The merged client: theirs (ids and versions too, so it can be sent with
 * If-Match on theirs), with what only ours changed, and each conflict as
 * picked. A responsible person or consent of ours that the registry no
 * longer has goes as new (a new UUID); one removed here that the registry
 * still has stays, marked removed, to be deleted. False if a conflict has
 * no pick. */
bool cache_merge_client_result(const struct cache_merge *m, const struct client *ours,
                               const struct client *theirs, struct client *out);
bool cache_merge_imm_result(const struct cache_merge *m, const struct immunization *ours,
                            const struct immunization *theirs, struct immunization *out);
/** The labels of the conflicting fields, "Given name, Phone". */
char *cache_merge_conflict_names(const struct cache_merge *m, char *buf, size_t len);

/** Do two copies of a responsible person (or consent) say the same, ids
 * and versions aside? */
bool cache_merge_same_person(const struct responsible_person *a, const struct responsible_person *b);
bool cache_merge_same_consent(const struct consent *a, const struct consent *b);

/** A copy of `remote` (the registry's resource as it came) with the
 * difference between `base` and `ours` (two encodings of our record)
 * applied; id and meta are remote's. NULL remote: a copy of ours. */
cJSON *cache_merge_resource(const cJSON *remote, const cJSON *base, const cJSON *ours);
/** The same, checked: the result must read (core/fhir.h, as `type`:
 * Patient, RelatedPerson, Consent, Immunization) as ours does. Where it
 * would not (the registry's resource repeats what vaxdesk reads as one
 * field: two e-mails, a malformed element vaxdesk reads), the arrays are
 * replaced whole by ours; failing that, the result is ours: the edit always
 * goes as typed, what vaxdesk does not model is kept wherever it can be. */
cJSON *cache_merge_resource_checked(const cJSON *remote, const cJSON *base, const cJSON *ours,
                                    const char *type);

#endif
