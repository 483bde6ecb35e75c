/* tests/fuzz/fuzz_codes.c - the CDC code-table parser (CSV) on any bytes.
 * The first byte picks the table. */
#include <stdint.h>
#include <stdlib.h>

#include "core/codes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct codes *c = codes_new();
	struct vax_error err;
	enum codes_table t = (enum codes_table)(data[0] % CODES_TABLE_COUNT);
	if (codes_parse(c, t, "fuzz.csv", (const char *)data + 1, size - 1, &err)) {
		/* exercise lookups over whatever was accepted */
		codes_cvx(c, "08");
		codes_ndc(c, "58160-0810-52");
		codes_ndc_by_gtin(c, "00358160810527");
		const char *g[4];
		codes_vaccine_groups(c, "20", g, 4);
	}
	codes_free(&c);
	return 0;
}
