/* registry/dedup.h - the registry's check for a dose it may already hold.
 *
 * Every new dose is compared with the client's history on the registry,
 * whichever organization recorded it: same vaccine group (core/codes.h),
 * given within the duplicate window of the validation rules (4 days, the
 * CDSi grace period), neither refused nor entered in error
 * (rules_check_duplicate(), the same test vaxdesk runs on its cache). This
 * is the vaccination-level de-duplication CDC and AIRA describe for an
 * IIS: a candidate pair is not merged by the registry, it is put to a
 * person. A possible duplicate is answered 422 with an OperationOutcome
 * whose issue has code `duplicate`, detail code DUPLICATE-DOSE and an
 * extension `duplicate-of` (valueReference `Immunization/<id>`) naming the
 * dose it matches; nothing is stored.
 *
 * A person who checked and says it is another dose sends it again with
 * `meta.tag` system https://vaxdesk.org/fhir/CodeSystem/review, code
 * `confirmed-not-duplicate`; that dose is stored without the check.
 */
#ifndef VAX_REGISTRY_DEDUP_H
#define VAX_REGISTRY_DEDUP_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "core/codes.h"
#include "registry/routes.h"
#include "registry/store.h"

#define DEDUP_TAG_SYSTEM "https://vaxdesk.org/fhir/CodeSystem/review"
#define DEDUP_TAG_CODE   "confirmed-not-duplicate"
#define DEDUP_EXT_OF     "https://vaxdesk.org/fhir/StructureDefinition/duplicate-of"

/** May this new dose be stored? `incoming` is the body as sent (for the
 * person's confirmation), `dose` its canonical form with the patient
 * reference resolved to Patient/<id>. False after filling rs with the 422
 * (or a 500 if the store failed). */
bool dedup_check(struct store *st, const struct codes *codes, const cJSON *incoming, const cJSON *dose,
                 struct reg_response *rs);

/** Is oo dedup_check()'s answer? Then true with the dose it names
 * ("Immunization/<id>") in ref: for a route that creates doses through the
 * FHIR handlers and answers in its own form (HL7 v2). */
bool dedup_outcome_of(const cJSON *oo, char *ref, size_t cap);

#endif
