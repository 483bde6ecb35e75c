/* tests/fuzz/fuzz_schoolrep.c - the registry's school compliance answer from
 * any bytes: read with a reason for the refusal, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "print/schoolrep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!j)
		return 0;
	struct schoolrep r;
	struct vax_error err = {0};
	if (schoolrep_from_json(j, &r, &err)) {
		int compliant = 0;
		for (size_t i = 0; i < r.n; i++) {
			compliant += r.students[i].compliant;
			for (size_t k = 0; k < r.students[i].nitems; k++)
				if (r.students[i].items[k].status > SCHOOL_EXEMPT)
					abort();
		}
		(void)compliant;
		schoolrep_free(&r);
	} else if (strcmp(err.code, "SCHOOL-FORMAT") != 0 || !err.message[0]) {
		abort(); /* a refusal always says why */
	}
	cJSON_Delete(j);
	return 0;
}
