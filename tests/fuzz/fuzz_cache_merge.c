/* tests/fuzz/fuzz_cache_merge.c - an edit applied to any resource a registry
 * may send (cache/merge.h): the input is the registry's Patient as it came.
 * The plain merge must not crash on anything; the checked merge must read
 * back as ours does, whatever the registry's resource holds (a fuzzer found
 * two e-mails, one without a value, where the plain merge kept the
 * registry's e-mail in the place vaxdesk reads it from). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cache/merge.h"
#include "core/fhir.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	cJSON *remote = cJSON_ParseWithLength((const char *)data, size);
	struct client *c = malloc(3 * sizeof *c);
	if (!c)
		abort();
	bool reads = remote && fhir_patient_from_json(remote, &c[0], NULL);
	if (!reads) {
		client_init(&c[0]);
		text_copy(c[0].name.family, sizeof c[0].name.family, "Fuzz");
	}
	c[1] = c[0];
	text_copy(c[1].name.given, sizeof c[1].name.given, "Zebediah");
	text_copy(c[1].email, sizeof c[1].email, "z@example.org");
	cJSON *base = fhir_patient_to_json(&c[0]), *ours = fhir_patient_to_json(&c[1]);
	cJSON *out = cache_merge_resource(remote, base, ours);
	if (!out)
		abort();
	cJSON_Delete(out);
	out = cache_merge_resource_checked(remote, base, ours, "Patient");
	/* as ours reads, written again: what the mapping sees (it cleans what
	 * it reads; an empty given name before a middle one writes as the
	 * given name) */
	if (!out)
		abort();
	/* (only where ours reads at all: the mapping can write from garbage it
	 * read what it then refuses to read, core/fhir.c's to answer) */
	if (fhir_patient_from_json(ours, &c[1], NULL)) {
		if (!fhir_patient_from_json(out, &c[2], NULL))
			abort();
		cJSON *a = fhir_patient_to_json(&c[1]), *b = fhir_patient_to_json(&c[2]);
		cJSON_DeleteItemFromObjectCaseSensitive(a, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(a, "meta");
		cJSON_DeleteItemFromObjectCaseSensitive(b, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(b, "meta");
		if (!cJSON_Compare(a, b, true))
			abort();
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	cJSON_Delete(out);
	cJSON_Delete(base);
	cJSON_Delete(ours);
	cJSON_Delete(remote);
	free(c);
	return 0;
}
