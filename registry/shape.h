/* registry/shape.h - is a JSON resource a well-formed FHIR R4 resource?
 * Every element must be one R4 defines for its type (so an element a client
 * made up is refused, never stored and echoed), with the right cardinality
 * and JSON kind, every required element present, primitives of their form
 * (dates, codes, integers), no empty values (FHIR JSON forbids them) and no
 * modifierExtension (a modifier vaxregd does not know; storing it would
 * change a record's meaning unseen) nor implicitRules.
 *
 * The element table (registry/fhir_elements.c) is generated from HL7's R4
 * StructureDefinitions by tools/gen-fhir-elements.mjs. Invariants
 * (FHIRPath constraints) are not checked here; the registry's own rules
 * (core/rules.h) and registry/accept.c check what matters to it.
 */
#ifndef VAX_REGISTRY_SHAPE_H
#define VAX_REGISTRY_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"

struct shape_element {
	const char *path;  /* "Patient.name", "Patient.deceased[x]", "HumanName.given" */
	const char *types; /* "HumanName", "boolean|dateTime", "@Consent.provision" (a reference to another
	                      element) */
	unsigned char min;
	bool many;
	bool modifier;
};

extern const struct shape_element shape_elements[];
extern const size_t shape_nelements;

/** Check res (a resource of the given type). False with err set: code
 * FHIR-INVALID (FHIR-MODIFIER for a modifier the registry cannot honour),
 * the message starting with the FHIRPath of the element at fault and ": "
 * (as core/fhir.h's errors do, so fhir_error_path() finds it). */
bool shape_check(const cJSON *res, const char *type, struct vax_error *err);

#endif
