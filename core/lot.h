/* core/lot.h - a vaccine lot an organization keeps on hand, and the short
 * human registry ID (digits and a check digit) the registry gives clients.
 *
 * Lots. What the clinic's refrigerator holds: vaccine (CVX), maker (MVX),
 * lot number, expiry, funding source (VFC stock is kept apart from private
 * stock) and the doses left. Stored at the registry for the organization as
 * a FHIR R4 Medication (the resource a FHIR reader expects for one batch of
 * a product: code, manufacturer, batch.lotNumber, batch.expirationDate),
 * with the doses on hand and the funding source as extensions; see
 * doc/extensions.md. Every workstation of the clinic reads the same list
 * and keeps a copy for offline work; the registry counts a dose off its lot
 * when one is recorded with that lot number.
 *
 * Registry IDs. State registries give each client a short number that can
 * be read over the phone (ImmTrac2's, imMTrax's): here 8 digits and a Luhn
 * check digit, so a mistyped digit or two swapped digits are caught. Nine
 * digits never read as a date of birth (MMDDYYYY has eight).
 *
 * Pure: no I/O; the clock is a parameter. */
#ifndef VAX_CORE_LOT_H
#define VAX_CORE_LOT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"

#define LOT_NUMBER_LEN 21  /* 20 characters, what HL7 RXA-15 and most labels hold */
#define LOT_MAX        200 /* lots one organization keeps at once */

struct vax_lot {
	char id[VAX_ID_LEN];           /* the registry's Medication id, "" before it has one */
	char version[VAX_VERSION_LEN]; /* for If-Match */
	char cvx[4];
	char mvx[4]; /* "" if not known */
	char ndc[14];
	char lot[LOT_NUMBER_LEN];
	vax_date expiry; /* DATE_NONE if not known */
	char funding[8]; /* funding source code: VXC1, VXC2, PHC70, ... ("" unknown) */
	int doses;       /* doses on hand */
	bool active;     /* false: used up or taken out of use */
};

/** An empty lot (no dates, active, no doses). */
void lot_init(struct vax_lot *l);

/** Medication <-> lot. Errors are FHIR-INVALID with the path, as core/fhir.h's. */
bool lot_from_json(const cJSON *j, struct vax_lot *l, struct vax_error *err);
cJSON *lot_to_json(const struct vax_lot *l);
/** Set a Medication's doses-on-hand extension (added if missing), leaving
 * every other element as it is. */
void lot_set_doses(cJSON *medication, int doses);

/** A lot that may be given on `day`: active, doses left, not expired. */
bool lot_usable(const struct vax_lot *l, vax_date day);
/** Why a lot may not be given on `day` ("expired on 01/31/2026", "no doses
 * left", "taken out of use"), or NULL if it may. */
const char *lot_refusal(const struct vax_lot *l, vax_date day, char *buf, size_t len);

/** A lot number as printed on vials: 3-20 letters, digits and hyphens with
 * at least one digit, not a placeholder ("N/A", "UNK"). NULL if fine, else
 * a sentence to show beside the field. */
const char *lot_number_check(const char *lot);
/** The same lot number however it was typed (case, hyphens, spaces). */
bool lot_number_same(const char *a, const char *b);

/* ---- registry IDs ----------------------------------------------------------- */

#define REGID_DIGITS 9 /* 8 and the check digit */
#define REGID_LEN    (REGID_DIGITS + 1)
/** The identifier system of registry IDs (Patient.identifier, type SR). */
#define REGID_SYSTEM "https://vaxdesk.org/fhir/sid/registry-id"

/** The Luhn check digit ('0'..'9') for digits (NUL-terminated), '\0' if
 * they are not all digits. */
char regid_check_digit(const char *digits);
/** True if s is a registry ID: 9 digits whose last is the check digit.
 * Spaces and hyphens people type between groups are ignored. */
bool regid_valid(const char *s);
/** The digits of a registry ID typed with spaces or hyphens, in out
 * (REGID_LEN); false if it has not 9 digits. */
bool regid_normalize(const char *s, char out[REGID_LEN]);
/** A registry ID from 8 digits (leading digit not 0) and its check digit. */
void regid_make(unsigned long eight, char out[REGID_LEN]);
/** The registry ID of a client ("" if it has none). */
const char *regid_of(const struct client *c);

#endif
