/* tests/fuzz/fuzz_cdsi_case.c - the CDSi test case reader (NDJSON lines) on
 * any bytes: it must refuse what it cannot read, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/cdsi_cases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct cdsi_case c;
	struct vax_error err = {0};
	if (cdsi_case_parse(s, &c, &err)) {
		/* what was accepted is usable: doses are within the arrays */
		if (c.patient.ndoses > CDSI_CASE_MAX_DOSES || c.patient.nobservations > CDSI_CASE_MAX_OBS)
			abort();
	} else if (!err.message[0]) {
		abort(); /* a refusal always says why */
	}
	free(s);
	return 0;
}
