/* cache/lots.h - the organization's vaccine lots on hand as this
 * workstation knows them: read from the registry (GET /Medication, the
 * organization's own; core/lot.h) and kept in a file beside the store for
 * offline work, so the shot form offers the same lots with the registry
 * away.
 *
 * Lots are not PHI (vaccine, lot number, expiry, counts), so the copy is a
 * plain JSON file (mode 0600, written atomically): `lots-<ORG>.json` in the
 * data directory, holding the Medication resources as the registry sent
 * them and when they were read. Doses recorded here are counted off the
 * copy at once; the registry counts them too when the dose reaches it, and
 * the next read brings its figure. */
#ifndef VAX_CACHE_LOTS_H
#define VAX_CACHE_LOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/response.h"
#include "core/error.h"
#include "core/lot.h"

struct cache_lots {
	struct vax_lot *lot; /* malloc'd */
	int n;
	int64_t as_of; /* when the registry sent them (Unix seconds); 0: never */
};

/** The lots of a searchset (Medication entries; others are skipped),
 * replacing out's. False with err if an entry is not a lot. */
bool cache_lots_from_bundle(const struct api_bundle *b, int64_t as_of, struct cache_lots *out,
                            struct vax_error *err);
/** The copy kept for org in dir (empty, true, if there is none yet). */
bool cache_lots_load(const char *dir, const char *org, struct cache_lots *out, struct vax_error *err);
/** Keep this list as org's copy in dir. */
bool cache_lots_save(const char *dir, const char *org, const struct cache_lots *l, struct vax_error *err);
/** Count n doses off the lot with this id (or this lot number and
 * vaccine when it has no id yet); false if there is no such lot. */
bool cache_lots_use(struct cache_lots *l, const char *id, const char *lot, const char *cvx, int n);
/** Free and empty. */
void cache_lots_free(struct cache_lots *l);

#endif
