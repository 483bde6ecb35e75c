/* tests/fuzz/fuzz_fhir.c - the FHIR JSON -> core mapping (core/fhir.c) on
 * any bytes: whatever a registry or a client sends. A record that maps must
 * map back to JSON and read again to the same thing (round trip). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void patient(const cJSON *j)
{
	struct client c, back;
	struct vax_error err;
	if (!fhir_patient_from_json(j, &c, &err)) {
		char path[160];
		fhir_error_path(&err, path, sizeof path);
		return;
	}
	cJSON *out = fhir_patient_to_json(&c);
	if (!fhir_patient_from_json(out, &back, &err) || strcmp(back.name.family, c.name.family) ||
	    back.dob != c.dob || back.n_ident != c.n_ident || back.n_addr != c.n_addr ||
	    back.n_aka != c.n_aka)
		abort(); /* the canonical form must read back */
	cJSON_Delete(out);
}

/* The local store's form: a Patient with contained RelatedPersons and Consent. */
static void whole_client(const cJSON *j)
{
	struct client c, back;
	struct vax_error err;
	if (!fhir_client_from_json(j, &c, &err))
		return;
	cJSON *out = fhir_client_to_json(&c);
	if (!fhir_client_from_json(out, &back, &err) || back.n_resp != c.n_resp ||
	    client_consent_recorded(&back.consent) != client_consent_recorded(&c.consent))
		abort();
	cJSON_Delete(out);
}

static void immunization(const cJSON *j)
{
	struct immunization im, back;
	struct vax_error err;
	if (!fhir_immunization_from_json(j, &im, &err))
		return;
	cJSON *out = fhir_immunization_to_json(&im);
	if (!fhir_immunization_from_json(out, &back, &err) || strcmp(back.cvx, im.cvx) ||
	    back.date_given != im.date_given || back.historical != im.historical ||
	    back.dose_ul != im.dose_ul)
		abort();
	cJSON_Delete(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!j)
		return 0;
	patient(j);
	whole_client(j);
	immunization(j);
	struct responsible_person rp;
	struct consent cs;
	struct vax_error err;
	char ref[96];
	if (fhir_related_person_from_json(j, &rp, ref, sizeof ref, &err))
		cJSON_Delete(fhir_related_person_to_json(&rp, ref));
	if (fhir_consent_from_json(j, &cs, ref, sizeof ref, &err))
		cJSON_Delete(fhir_consent_to_json(&cs, ref));
	fhir_outcome_read(j, &err);
	/* resources also arrive inside Bundles and Parameters */
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "entry"))
	{
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (r) {
			patient(r);
			immunization(r);
		}
	}
	cJSON_Delete(j);
	return 0;
}
