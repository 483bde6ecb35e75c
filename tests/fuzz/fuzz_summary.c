/* tests/fuzz/fuzz_summary.c - the registry's provider summary from any
 * bytes: read (and written back the same) or refused with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "print/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!j)
		return 0;
	struct summary *s = xcalloc(2, sizeof *s);
	struct vax_error err = {0};
	if (summary_from_json(j, &s[0], &err)) {
		/* what was read survives a round trip */
		cJSON *back = summary_to_json(&s[0]);
		if (!summary_from_json(back, &s[1], &err) || s[1].doses != s[0].doses ||
		    s[1].nissues != s[0].nissues || s[1].to != s[0].to)
			abort();
		cJSON_Delete(back);
	} else if (strcmp(err.code, "SUMMARY-FORMAT") != 0 || !err.message[0]) {
		abort();
	}
	free(s);
	cJSON_Delete(j);
	return 0;
}
