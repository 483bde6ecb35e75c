/* tests/fuzz/fuzz_immds.c - $immds-forecast requests from any bytes: a
 * request is refused with a reason naming the parameter, or answered with
 * a Parameters resource; never a crash. The same bytes are read as a
 * registry's answer too (immds_read_answer), and every answer built reads
 * back. With the supporting data at hand
 * ($VAXDESK_DATADIR/cdsi) accepted requests also run through the engine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/immds.h"

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
		struct vax_error err = {0};
		loaded = 1;
		if (getenv("VAXDESK_DATADIR")) {
			cdsi = cdsi_data_load(cdsi_data_dir(dir, sizeof dir), &err);
			atexit(cleanup);
		}
	}
	cJSON *in = cJSON_ParseWithLength((const char *)data, size);
	if (!in)
		return 0;
	struct immds_request q;
	struct vax_error err = {0};
	if (immds_parse_request(in, &q, &err)) {
		if (q.patient.ndoses > IMMDS_MAX_IMMUNIZATIONS ||
		    q.patient.nobservations > IMMDS_MAX_OBSERVATIONS)
			abort();
		/* cap the engine's work per input: a fuzzer wants many inputs */
		if (cdsi && q.patient.ndoses <= 40) {
			struct cdsi_result res = {0};
			if (cdsi_evaluate(cdsi, &q.patient, q.assessment, -1, &res, &err)) {
				cJSON *out = immds_build_response(cdsi, &q, &res);
				if (!out)
					abort();
				/* our own answer reads back as a registry's */
				struct immds_answer ans;
				if (!immds_read_answer(out, &ans, &err))
					abort();
				immds_answer_free(&ans);
				cJSON_Delete(out);
				cdsi_result_free(&res);
			}
		}
	} else if (!err.message[0] || strcmp(err.code, "IMMDS-PARAM") != 0) {
		abort(); /* a refusal always says why */
	}
	immds_request_free(&q);
	/* the same bytes as a registry's answer (vaxdesk reads those) */
	struct immds_answer a;
	if (immds_read_answer(in, &a, &err)) {
		for (size_t i = 0; i < a.nevals; i++)
			immds_answer_eval(&a, a.evals[i].ref);
	} else if (strcmp(err.code, "IMMDS-ANSWER") != 0) {
		abort();
	}
	immds_answer_free(&a);
	cJSON_Delete(in);
	return 0;
}
