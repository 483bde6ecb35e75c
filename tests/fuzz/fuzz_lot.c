/* tests/fuzz/fuzz_lot.c - a lot on hand (FHIR Medication) as a registry
 * sends it or a client posts it, on any bytes: refused with a path, or
 * read, written and read back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/lot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!j)
		return 0;
	struct vax_lot l, back;
	struct vax_error err;
	if (lot_from_json(j, &l, &err)) {
		cJSON *out = lot_to_json(&l);
		if (!lot_from_json(out, &back, &err) || strcmp(l.lot, back.lot) || strcmp(l.cvx, back.cvx) ||
		    l.doses != back.doses || l.expiry != back.expiry || l.active != back.active)
			abort();
		char why[96];
		(void)lot_refusal(&l, date_from_ymd(2026, 12, 7), why, sizeof why);
		(void)lot_number_check(l.lot);
		cJSON_Delete(out);
	} else if (strcmp(err.code, "FHIR-INVALID") || !strchr(err.message, ':')) {
		abort();
	}
	cJSON_Delete(j);
	return 0;
}
