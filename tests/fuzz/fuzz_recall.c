/* tests/fuzz/fuzz_recall.c - the registry's Patient/$recall answer, and the
 * request vaxregd reads, from any bytes: read, or refused with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "print/recall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cdsi_data *cdsi;
static int loaded;

static void cleanup(void)
{
	cdsi_data_free(cdsi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		char dir[4096];
		loaded = 1;
		if (getenv("VAXDESK_DATADIR")) {
			cdsi = cdsi_data_load(cdsi_data_dir(dir, sizeof dir), NULL);
			atexit(cleanup);
		}
	}
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (!j)
		return 0;
	struct recall_page p;
	struct vax_error err = {0};
	if (recall_page_from_json(j, &p, &err)) {
		for (size_t i = 0; i < p.nnotices; i++)
			if (p.notices[i].ndue < 0 || p.notices[i].ndue > RECALL_MAX_DUE)
				abort();
		recall_page_free(&p);
	} else if (strcmp(err.code, "RECALL-FORMAT") != 0 || !err.message[0]) {
		abort();
	}
	if (cdsi) {
		struct recall_criteria q;
		int offset, count;
		error_clear(&err);
		if (recall_criteria_from_json(j, cdsi, date_from_ymd(2026, 11, 22), &q, &offset, &count,
		                              &err)) {
			if (count < 1 || count > 500 || offset < 0 || q.ngroups > RECALL_MAX_GROUPS)
				abort();
		} else if (strcmp(err.code, "RECALL-PARAM") != 0 || !err.message[0]) {
			abort();
		}
	}
	cJSON_Delete(j);
	return 0;
}
