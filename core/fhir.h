/* core/fhir.h - FHIR R4 JSON <-> core types (Patient, Immunization,
 * RelatedPerson, Consent, OperationOutcome).
 *
 * Pure: cJSON in, structs out and back; no I/O. Used by vaxregd to validate
 * what it receives and by the client library to read what it gets back, so
 * both sides agree on one mapping. Registry-specific fields travel as
 * extensions under FHIR_EXT (see doc/extensions.md).
 *
 * Errors from the *_from_json functions are reported in a vax_error whose
 * code is "FHIR-INVALID" and whose message starts with the FHIRPath of the
 * field at fault, then ": " and a sentence ("Patient.birthDate: not a date
 * (YYYY-MM-DD)."). fhir_error_path() recovers the path for
 * OperationOutcome.issue.expression.
 */
#ifndef VAX_CORE_FHIR_H
#define VAX_CORE_FHIR_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/error.h"
#include "core/immunization.h"
#include "core/rules.h"

#define FHIR_EXT         "https://vaxdesk.org/fhir/StructureDefinition/"
#define FHIR_CS          "https://vaxdesk.org/fhir/CodeSystem/"
#define FHIR_SYS_UUID    "urn:ietf:rfc:3986"
#define FHIR_SYS_CVX     "http://hl7.org/fhir/sid/cvx"
#define FHIR_SYS_MVX     "http://hl7.org/fhir/sid/mvx"
#define FHIR_SYS_NDC     "http://hl7.org/fhir/sid/ndc"
#define FHIR_SYS_V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"
#define FHIR_SYS_V2_0063 "http://terminology.hl7.org/CodeSystem/v2-0063"
#define FHIR_SYS_V2_0162 "http://terminology.hl7.org/CodeSystem/v2-0162"
#define FHIR_SYS_V2_0163 "http://terminology.hl7.org/CodeSystem/v2-0163"
#define FHIR_SYS_V2_0064 "http://terminology.hl7.org/CodeSystem/v2-0064"

/** A Coding {system, code, display}; empty or NULL parts are left out. */
cJSON *fhir_coding(const char *system, const char *code, const char *display);

/** Patient <-> client. Responsible persons and consent are separate
 * resources (RelatedPerson, Consent) and are not read or written here. */
bool fhir_patient_from_json(const cJSON *j, struct client *c, struct vax_error *err);
cJSON *fhir_patient_to_json(const struct client *c);

/** Immunization <-> dose. */
bool fhir_immunization_from_json(const cJSON *j, struct immunization *im, struct vax_error *err);
cJSON *fhir_immunization_to_json(const struct immunization *im);

/** RelatedPerson <-> responsible person; patient_ref receives the
 * Patient reference ("Patient/123" or "urn:uuid:...") if not NULL. */
bool fhir_related_person_from_json(const cJSON *j, struct responsible_person *rp, char *patient_ref,
                                   size_t ref_len, struct vax_error *err);
cJSON *fhir_related_person_to_json(const struct responsible_person *rp, const char *patient_ref);

/** The whole client as the local store keeps it: the Patient with its
 * responsible persons and consent as `contained` resources (patient "#").
 * Never sent as is: the sync sends them as their own resources. */
cJSON *fhir_client_to_json(const struct client *c);
bool fhir_client_from_json(const cJSON *j, struct client *c, struct vax_error *err);

/** Consent <-> registry participation consent. */
bool fhir_consent_from_json(const cJSON *j, struct consent *cs, char *patient_ref, size_t ref_len,
                            struct vax_error *err);
cJSON *fhir_consent_to_json(const struct consent *cs, const char *patient_ref);

/** A new OperationOutcome with one issue. severity: "error", "warning",
 * "information"; code: a FHIR issue-type ("invalid", "not-found", ...);
 * detail_code: our stable code (may be NULL); expression may be NULL. */
cJSON *fhir_outcome_new(const char *severity, const char *code, const char *detail_code, const char *message,
                        const char *expression);
/** Append an issue to an OperationOutcome. */
void fhir_outcome_add(cJSON *oo, const char *severity, const char *code, const char *detail_code,
                      const char *message, const char *expression);
/** The FHIRPath of a rule field (core/rules.h) in resource ("Patient",
 * "Immunization", "RelatedPerson", "Consent"): "dob" -> "Patient.birthDate",
 * "address.county" -> "Patient.address[0].district"; NULL if none. */
const char *fhir_rule_path(const char *resource, const char *field);
/** The inverse: the rule field whose FHIRPath is path (the first that has
 * it: "Patient.name.given" -> "name.given"), or NULL. */
const char *fhir_path_field(const char *path);
/** An OperationOutcome listing every violation in rep, each with the
 * FHIRPath of its field (fhir_rule_path(), else the resource type). */
cJSON *fhir_outcome_from_rules(const struct rule_report *rep, const char *resource);
/** The first error (else first) issue of an OperationOutcome into err:
 * code from details.coding[0].code (else the issue code), message from
 * diagnostics (else details.text). False if j is not an OperationOutcome. */
bool fhir_outcome_read(const cJSON *j, struct vax_error *err);

/** Copy the FHIRPath prefix of a FHIR-INVALID message into buf ("" if
 * none); "X.extension(name)" becomes X.extension('<the extension's url>'). */
char *fhir_error_path(const struct vax_error *err, char *buf, size_t len);

/** Keep of a resource its resourceType and the top-level elements named in
 * the comma-separated lists keep and also (either may be NULL); delete the
 * others. What _elements does, and what a request leaves out that its
 * receiver does not read. */
void fhir_keep_elements(cJSON *res, const char *keep, const char *also);

/** An operation's plain answer as a Parameters resource: each member a
 * parameter (a "Type/id" string as valueReference, a YYYY-MM-DD one as
 * valueDate, a YYYY-MM-DDThh:mm:ssZ one valueInstant, "status" as valueCode, other strings valueString; whole
 * numbers valueInteger; booleans valueBoolean), each object of an array
 * "<name>s" a repeated parameter "<name>" whose parts are its members. */
cJSON *fhir_parameters_from_tree(const cJSON *tree);
/** The inverse: Parameters read back into the plain tree (a parameter
 * with parts becomes an object of the array "<name>s"). */
cJSON *fhir_parameters_to_tree(const cJSON *params);

/** Is this Patient no longer the record to use: active false, or a link
 * of type replaced-by (merged into another; its reference, if any, goes to
 * replaced_by, which may be NULL)? */
bool fhir_patient_retired(const cJSON *j, char *replaced_by, size_t len);

/** "Patient/abc" -> "abc" when the reference names that type; else NULL. */
const char *fhir_ref_id(const char *ref, const char *type);

#endif
