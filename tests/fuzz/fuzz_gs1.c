/* tests/fuzz/fuzz_gs1.c - vial barcode text on any bytes (it comes from a
 * scanner acting as a keyboard, so anything can arrive). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forms/gs1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct gs1_vial v;
	struct vax_error err;
	gs1_looks_scanned(s);
	if (gs1_parse(s, &v, &err)) {
		/* what came out is bounded and the GTIN is checked */
		if (strlen(v.gtin) != 14 || !gs1_gtin_ok(v.gtin) || strlen(v.lot) >= GS1_LOT_LEN)
			abort();
	}
	free(s);
	return 0;
}
