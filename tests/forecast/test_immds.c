/* tests/forecast/test_immds.c - $immds-forecast: FHIR Parameters in, the
 * CDSi engine's answer out as ImmunizationEvaluation/Recommendation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/immds.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct cdsi_data *data;

static void load_data(void)
{
	char dir[4096];
	struct vax_error err = {0};
	snprintf(dir, sizeof dir, "%s/cdsi", testutil_datadir());
	data = cdsi_data_load(dir, &err);
	if (!data) {
		fprintf(stderr, "cannot load CDSi data: %s\n", err.message);
		abort();
	}
}

static void free_data(void)
{
	cdsi_data_free(data);
	data = NULL;
}

/* Each parameter starts with its separating comma, so they concatenate. */
#define PATIENT(dob, gender)                                                                                 \
	",{\"name\":\"patient\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\","                   \
	"\"birthDate\":\"" dob "\",\"gender\":\"" gender "\"}}"
#define IMM(id, cvx, when, status)                                                                           \
	",{\"name\":\"immunization\",\"resource\":{\"resourceType\":\"Immunization\",\"id\":\"" id           \
	"\",\"status\":\"" status "\",\"vaccineCode\":{\"coding\":[{\"system\":"                             \
	"\"http://hl7.org/fhir/sid/cvx\",\"code\":\"" cvx "\"}]},\"occurrenceDateTime\":\"" when "\"}}"
#define IMM_SUB(id, cvx, when, reason)                                                                       \
	",{\"name\":\"immunization\",\"resource\":{\"resourceType\":\"Immunization\",\"id\":\"" id           \
	"\",\"status\":\"completed\",\"isSubpotent\":true,\"subpotentReason\":[{\"coding\":[{\"system\":"    \
	"\"http://terminology.hl7.org/CodeSystem/immunization-subpotent-reason\",\"code\":\"" reason         \
	"\"}]}],"                                                                                            \
	"\"vaccineCode\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/cvx\",\"code\":\"" cvx "\"}]},"  \
	"\"occurrenceDateTime\":\"" when "\"}}"
#define REQ(date, params)                                                                                    \
	"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"assessmentDate\","                      \
	"\"valueDate\":\"" date "\"}" params "]}"

static cJSON *forecast(const char *json, struct vax_error *err)
{
	cJSON *in = cJSON_Parse(json);
	ck_assert_ptr_nonnull(in);
	cJSON *out = immds_forecast(data, in, err);
	cJSON_Delete(in);
	return out;
}

/* The n-th parameter named `name` (its resource). */
static const cJSON *param(const cJSON *out, const char *name, int n)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(out, "parameter"))
	{
		if (strcmp(cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring, name) == 0 && n-- == 0)
			return cJSON_GetObjectItemCaseSensitive(p, "resource");
	}
	return NULL;
}

static const char *text_of(const cJSON *cc)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(cc, "text");
	return cJSON_IsString(t) ? t->valuestring : "";
}

static const char *code_of(const cJSON *cc)
{
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cc, "coding"), 0);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "code");
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The recommendation[] entry for a vaccine group. */
static const cJSON *rec_for(const cJSON *out, const char *group)
{
	const cJSON *rec = param(out, "recommendation", 0), *r;
	ck_assert_ptr_nonnull(rec);
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rec, "recommendation"))
	{
		if (strcmp(text_of(cJSON_GetObjectItemCaseSensitive(r, "targetDisease")), group) == 0)
			return r;
	}
	return NULL;
}

static const char *coding_code(const cJSON *cc, int i)
{
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cc, "coding"), i);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "code");
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *system_of(const cJSON *cc, int i)
{
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cc, "coding"), i);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "system");
	return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *criterion(const cJSON *r, const char *loinc)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "dateCriterion"))
	{
		if (strcmp(code_of(cJSON_GetObjectItemCaseSensitive(c, "code")), loinc) == 0)
			return cJSON_GetObjectItemCaseSensitive(c, "value")->valuestring;
	}
	return NULL;
}

/* The first evaluation, which must say not valid: its first reason. */
static const cJSON *not_valid_reason(const cJSON *out)
{
	const cJSON *ev = param(out, "evaluation", 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(code_of(cJSON_GetObjectItemCaseSensitive(ev, "doseStatus")), "notvalid");
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ev, "doseStatusReason"), 0);
}

START_TEST(test_hepb_birth_dose)
{
	struct vax_error err = {0};
	cJSON *out = forecast(REQ("2024-04-10", PATIENT("2024-03-10", "female") IMM(
	                                            "i1", "08", "2024-03-10T09:30:00-05:00", "completed")),
	                      &err);
	ck_assert_msg(out != NULL, "%s", err.message);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(out, "resourceType")->valuestring, "Parameters");

	const cJSON *ev = param(out, "evaluation", 0);
	ck_assert_ptr_nonnull(ev);
	ck_assert_ptr_null(param(out, "evaluation", 1)); /* one dose, one group */
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(ev, "resourceType")->valuestring,
	                 "ImmunizationEvaluation");
	ck_assert_str_eq(code_of(cJSON_GetObjectItemCaseSensitive(ev, "doseStatus")), "valid");
	ck_assert_str_eq(text_of(cJSON_GetObjectItemCaseSensitive(ev, "targetDisease")), "HepB");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(
	                     cJSON_GetObjectItemCaseSensitive(ev, "immunizationEvent"), "reference")
	                     ->valuestring,
	                 "Immunization/i1");
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(ev, "doseNumberPositiveInt")->valueint, 1);

	const cJSON *rec = param(out, "recommendation", 0);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(rec, "resourceType")->valuestring,
	                 "ImmunizationRecommendation");
	ck_assert_str_eq(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "patient"), "reference")
	        ->valuestring,
	    "Patient/p1");
	const cJSON *hepb = rec_for(out, "HepB");
	ck_assert_ptr_nonnull(hepb);
	/* the IG's ForecastStatus code, and R4's "due": the earliest date is here */
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(hepb, "forecastStatus");
	ck_assert_str_eq(code_of(fs), "notComplete");
	ck_assert_str_eq(system_of(fs, 0), "http://hl7.org/fhir/us/immds/CodeSystem/ForecastStatus");
	ck_assert_str_eq(system_of(fs, 1),
	                 "http://terminology.hl7.org/CodeSystem/immunization-recommendation-status");
	ck_assert_str_eq(coding_code(fs, 1), "due");
	/* a vaccine code (CVX) and the disease in SNOMED CT as the IG's value set has it */
	const cJSON *vc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(hepb, "vaccineCode"), 0);
	ck_assert_str_eq(system_of(vc, 0), "http://hl7.org/fhir/sid/cvx");
	ck_assert(*code_of(vc));
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(hepb, "targetDisease");
	ck_assert_str_eq(system_of(td, 0), "http://snomed.info/sct");
	ck_assert_str_eq(code_of(td), "66071002");
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(hepb, "doseNumberPositiveInt")->valueint, 2);
	/* dose 2: 4 weeks after dose 1 and at least 4 weeks of age */
	ck_assert_str_eq(criterion(hepb, "30981-5"), "2024-04-07");
	ck_assert_ptr_nonnull(criterion(hepb, "30980-7"));

	/* the same answer as the engine gives directly */
	struct cdsi_dose d = {.date = date_from_ymd(2024, 3, 10), .cvx = 8, .lot_expiration = DATE_NONE};
	struct cdsi_patient p = {.dob = date_from_ymd(2024, 3, 10), .gender = 'F', .doses = &d, .ndoses = 1};
	struct cdsi_result res = {0};
	ck_assert(cdsi_evaluate(data, &p, date_from_ymd(2024, 4, 10), -1, &res, &err));
	const struct cdsi_group_result *g = cdsi_result_group(&res, cdsi_group_find(data, "HepB"));
	char buf[DATE_ISO_LEN];
	ck_assert_str_eq(criterion(hepb, "30980-7"), date_format_iso(g->recommended, buf));
	if (g->past_due != DATE_NONE)
		ck_assert_str_eq(criterion(hepb, "59778-1"), date_format_iso(g->past_due, buf));
	cdsi_result_free(&res);

	/* every vaccine group gets a recommendation */
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, "recommendation"));
	ck_assert_int_eq(n, (int)cdsi_group_count(data));
	cJSON_Delete(out);
}
END_TEST

START_TEST(test_not_valid_and_entered_in_error)
{
	struct vax_error err = {0};
	/* MMR at 6 months is too young; the record entered in error is ignored */
	cJSON *out =
	    forecast(REQ("2021-06-01", PATIENT("2020-01-01", "male") IMM("a", "03", "2020-07-01", "completed")
	                                   IMM("b", "03", "2021-01-15", "entered-in-error")),
	             &err);
	ck_assert_msg(out != NULL, "%s", err.message);
	const cJSON *why = not_valid_reason(out);
	ck_assert_str_eq(code_of(why), "tooyoung");
	ck_assert_str_eq(system_of(why, 0), "http://hl7.org/fhir/us/immds/CodeSystem/StatusReason");
	ck_assert_ptr_nonnull(strstr(text_of(why), "Too Young"));
	ck_assert_ptr_null(param(out, "evaluation", 1));
	const cJSON *mmr = rec_for(out, "MMR");
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(mmr, "doseNumberPositiveInt")->valueint, 1);
	cJSON_Delete(out);
}
END_TEST

/* A dose the request calls subpotent is not valid, with the IG's reason
 * from subpotentReason; a series whose earliest date is years ahead is not
 * complete and not "due"; a group CDSi names no vaccine for gets the CVX
 * that stands for the group. */
START_TEST(test_subpotent_and_not_yet_due)
{
	struct vax_error err = {0};
	cJSON *out = forecast(REQ("2024-09-01", PATIENT("2019-06-01", "female")
	                                            IMM_SUB("s1", "03", "2020-06-15", "partialdose")),
	                      &err);
	ck_assert_msg(out != NULL, "%s", err.message);
	ck_assert_str_eq(code_of(not_valid_reason(out)), "quantity");
	/* the subpotent dose does not count: MMR's first dose is still to give */
	const cJSON *mmr = rec_for(out, "MMR");
	ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(mmr, "doseNumberPositiveInt")->valueint, 1);
	const cJSON *zos = rec_for(out, "Zoster");
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(zos, "forecastStatus");
	ck_assert_str_eq(code_of(fs), "notComplete");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fs, "coding")),
	                 1); /* no "due" */
	const cJSON *vc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(zos, "vaccineCode"), 0);
	ck_assert_str_eq(code_of(vc), "188");
	cJSON_Delete(out);
}
END_TEST

START_TEST(test_condition_selects_risk_series)
{
	struct vax_error err = {0};
	/* pregnant (007), with the onset (170) the risk series' dose is
	 * dated from: without it the dose has no earliest date (table 7-10) */
	const char *cond =
	    ",{\"name\":\"condition\",\"resource\":{\"resourceType\":\"Condition\",\"code\":{\"coding\":[{"
	    "\"system\":\"" IMMDS_CDSI_OBSERVATION_SYSTEM "\",\"code\":\"007\"}]}}}"
	    ",{\"name\":\"condition\",\"resource\":{\"resourceType\":\"Condition\",\"code\":{\"coding\":[{"
	    "\"system\":\"" IMMDS_CDSI_OBSERVATION_SYSTEM "\",\"code\":\"170\"}]},"
	    "\"onsetDateTime\":\"2024-03-01\"}}";
	char json[2048];
	snprintf(json, sizeof json, REQ("2024-06-01", PATIENT("1994-02-01", "female") "%s"), cond);
	cJSON *out = forecast(json, &err);
	ck_assert_msg(out != NULL, "%s", err.message);
	const cJSON *r = rec_for(out, "DTaP/Tdap/Td");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItemCaseSensitive(r, "series")->valuestring, "risk"));
	cJSON_Delete(out);

	/* without the condition the standard series drives the group */
	out = forecast(REQ("2024-06-01", PATIENT("1994-02-01", "female")), &err);
	ck_assert_ptr_nonnull(out);
	r = rec_for(out, "DTaP/Tdap/Td");
	ck_assert_ptr_null(strstr(cJSON_GetObjectItemCaseSensitive(r, "series")->valuestring, "risk"));
	cJSON_Delete(out);
}
END_TEST

static void refused(const char *json, const char *names)
{
	struct vax_error err = {0};
	cJSON *out = forecast(json, &err);
	ck_assert_msg(out == NULL, "accepted: %s", json);
	ck_assert_str_eq(err.code, "IMMDS-PARAM");
	ck_assert_msg(strstr(err.message, names) != NULL, "\"%s\" does not name %s", err.message, names);
}

START_TEST(test_bad_input_names_the_parameter)
{
	refused("{\"resourceType\":\"Patient\"}", "Parameters");
	refused("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"resource\":"
	        "{\"resourceType\":\"Patient\",\"birthDate\":\"2020-01-01\"}}]}",
	        "assessmentDate");
	refused(REQ("2024-13-01", PATIENT("2020-01-01", "male")), "assessmentDate");
	refused(REQ("2024-01-01", IMM("a", "03", "2021-01-01", "completed")), "patient");
	refused(REQ("2024-01-01", PATIENT("2020-01", "male")), "birthDate");
	refused(REQ("2024-01-01", PATIENT("2020-01-01", "male") IMM("a", "MMR", "2021-01-01", "completed")),
	        "immunization[0]");
	refused(REQ("2024-01-01", PATIENT("2020-01-01", "male") IMM("a", "03", "2021-01-01", "completed")
	                              IMM("b", "03", "2021", "completed")),
	        "immunization[1]: occurrenceDateTime");
	refused(REQ("2024-01-01", PATIENT("2020-01-01", "male") IMM("a", "03", "2021-01-01", "done")),
	        "Immunization.status");
	refused(REQ("2024-01-01", PATIENT("2020-01-01", "male") IMM("a", "03", "2019-01-01", "completed")),
	        "before Patient.birthDate");
	refused(
	    REQ("2024-01-01",
	        PATIENT("2020-01-01",
	                "male") ",{\"name\":\"immunization\",\"resource\":{\"resourceType\":\"Patient\"}}"),
	    "immunization[0]: expected resourceType Immunization");
}
END_TEST

Suite *immds_suite(void)
{
	Suite *s = suite_create("immds");
	TCase *tc = tcase_create("immds");
	tcase_add_unchecked_fixture(tc, load_data, free_data);
	tcase_add_test(tc, test_hepb_birth_dose);
	tcase_add_test(tc, test_not_valid_and_entered_in_error);
	tcase_add_test(tc, test_condition_selects_risk_series);
	tcase_add_test(tc, test_subpotent_and_not_yet_due);
	tcase_add_test(tc, test_bad_input_names_the_parameter);
	suite_add_tcase(s, tc);
	return s;
}
