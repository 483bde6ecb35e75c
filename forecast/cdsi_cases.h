/* forecast/cdsi_cases.h - CDC's CDSi test cases in NDJSON, and checking the
 * engine against them.
 *
 * One JSON object per line, in the shape of CDC's test case workbooks
 * (id, dob, gender, assessment_date, vaccine_group, doses[] with expected
 * status/reason, expected_forecast, observations[]). The reader is strict:
 * a line that is not such an object is refused with a message that says
 * which field is wrong.
 */
#ifndef VAX_FORECAST_CDSI_CASES_H
#define VAX_FORECAST_CDSI_CASES_H

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "forecast/cdsi.h"

#define CDSI_CASE_MAX_DOSES 16
#define CDSI_CASE_MAX_OBS   8

struct cdsi_case_dose {
	char expected_status[24];
	char expected_reason[64];
};

struct cdsi_case {
	char id[32];
	char group_label[48]; /* as the case names it: "DTAP", "IPOL", ... */
	vax_date assessment;
	struct cdsi_patient patient;
	struct cdsi_dose doses[CDSI_CASE_MAX_DOSES];
	struct cdsi_case_dose expect[CDSI_CASE_MAX_DOSES];
	struct cdsi_observation_in obs[CDSI_CASE_MAX_OBS];
	char series_status[24];
	int forecast_num; /* 0 = none expected */
	vax_date earliest, recommended, past_due;
};

/** Parse one NDJSON line. On failure err says what is wrong (the caller
 * adds file and line). */
bool cdsi_case_parse(const char *line, struct cdsi_case *c, struct vax_error *err);

/** Map a case's vaccine group label (CDC's test files use short labels such
 * as "DTAP", "POL", "PCV", "MCV") to a group index, or -1. */
int cdsi_case_group(const struct cdsi_data *d, const char *label);

struct cdsi_case_outcome {
	bool eval_ok, forecast_ok;
};
/** Compare the engine's result for one case: r is the case's group, all the
 * result for every group (used for doses outside the case's group; may be
 * NULL). Writes what differed, one indented line each, to diff (may be NULL). */
struct cdsi_case_outcome cdsi_case_check(const struct cdsi_case *c, const struct cdsi_result *all,
                                         const struct cdsi_group_result *r, FILE *diff);

#endif
