/* tests/forecast/test_cdsi.c - loading CDC's supporting data and the CDSi
 * rules that decide a dose: age, intervals, skips, conflicts, forecasts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/cdsi.h"
#include "forecast/cdsi_cases.h"
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

static vax_date ymd(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

static vax_date plus(vax_date d, const char *span)
{
	struct date_span sp;
	ck_assert(date_span_parse(span, &sp));
	return date_add_span(d, &sp);
}

static struct cdsi_dose dose(vax_date when, int cvx)
{
	struct cdsi_dose d = {.date = when, .cvx = cvx, .lot_expiration = DATE_NONE};
	return d;
}

/* Evaluate and return the result for a group (by CDC name). */
static const struct cdsi_group_result *run(struct cdsi_result *res, vax_date dob, char gender,
                                           const struct cdsi_dose *doses, size_t n,
                                           const struct cdsi_observation_in *obs, size_t nobs, vax_date on,
                                           const char *group)
{
	struct cdsi_patient p = {.dob = dob,
	                         .gender = gender,
	                         .doses = doses,
	                         .ndoses = n,
	                         .observations = obs,
	                         .nobservations = nobs};
	struct vax_error err = {0};
	int g = cdsi_group_find(data, group);
	ck_assert_int_ge(g, 0);
	ck_assert_msg(cdsi_evaluate(data, &p, on, g, res, &err), "%s", err.message);
	const struct cdsi_group_result *r = cdsi_result_group(res, g);
	ck_assert_ptr_nonnull(r);
	return r;
}

static const struct cdsi_dose_eval *eval_of(const struct cdsi_group_result *r, size_t dose)
{
	for (size_t i = 0; i < r->nevals; i++)
		if (r->evals[i].dose == dose)
			return &r->evals[i];
	ck_abort_msg("dose %zu not evaluated", dose);
	return NULL;
}

/* ---- loading ---------------------------------------------------------- */

START_TEST(loads_cdc_release)
{
	ck_assert_uint_ge(cdsi_group_count(data), 20);
	ck_assert_int_ge(cdsi_group_find(data, "DTaP/Tdap/Td"), 0);
	ck_assert_int_ge(cdsi_group_find(data, "mmr"), 0);
	ck_assert_str_eq(cdsi_cvx_description(data, 3), "MMR");
	ck_assert_ptr_null(cdsi_cvx_description(data, 99999));
	ck_assert_str_eq(cdsi_observation_title(data, "042"), "Smoke cigarettes");
}
END_TEST

START_TEST(missing_dir_is_named)
{
	struct vax_error err = {0};
	ck_assert_ptr_null(cdsi_data_load("/nonexistent/cdsi", &err));
	ck_assert_str_eq(err.code, "CDSI-DATA-MISSING");
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/cdsi"));
}
END_TEST

static const char good_antigen[] =
    "<antigenSupportingData><immunity/><contraindications/>\n"
    "<series><seriesName>Test series</seriesName><targetDisease>Testitis</targetDisease>\n"
    "<vaccineGroup>Test</vaccineGroup><seriesType>Standard</seriesType>\n"
    "<selectSeries><defaultSeries>Yes</defaultSeries><seriesGroup>1</seriesGroup></selectSeries>\n"
    "<seriesDose><doseNumber>Dose 1</doseNumber><age><absMinAge>%s</absMinAge></age>\n"
    "<preferableVaccine><cvx>999</cvx></preferableVaccine></seriesDose></series>\n"
    "</antigenSupportingData>\n";

static const char schedule[] =
    "<scheduleSupportingData><liveVirusConflicts/>\n"
    "<vaccineGroups><vaccineGroup><name>Test</name></vaccineGroup></vaccineGroups>\n"
    "<vaccineGroupToAntigenMap><vaccineGroupMap><name>Test</name><antigen>Testitis</antigen>"
    "</vaccineGroupMap></vaccineGroupToAntigenMap>\n"
    "<cvxToAntigenMap><cvxMap><cvx>999</cvx><shortDescription>Test vaccine</shortDescription>"
    "<association><antigen>Testitis</antigen></association></cvxMap></cvxToAntigenMap>\n"
    "<observations/></scheduleSupportingData>\n";

static char *write_antigen(const char *dir, const char *abs_min_age)
{
	char buf[2048];
	int n = snprintf(buf, sizeof buf, good_antigen, abs_min_age);
	return testutil_write_file(dir, "AntigenSupportingData- Testitis-508.xml", buf, (size_t)n);
}

START_TEST(small_release_loads_and_runs)
{
	char *dir = testutil_mkdtemp();
	free(write_antigen(dir, "6 weeks - 4 days"));
	free(testutil_write_file(dir, "ScheduleSupportingData.xml", schedule, strlen(schedule)));
	struct vax_error err = {0};
	struct cdsi_data *d = cdsi_data_load(dir, &err);
	ck_assert_msg(d != NULL, "%s", err.message);
	ck_assert_uint_eq(cdsi_group_count(d), 1);
	/* the engine runs on a release it has never seen */
	struct cdsi_dose doses[] = {dose(ymd(2020, 2, 8), 999)};
	struct cdsi_patient p = {.dob = ymd(2020, 1, 1), .gender = 'F', .doses = doses, .ndoses = 1};
	struct cdsi_result res;
	ck_assert(cdsi_evaluate(d, &p, ymd(2020, 6, 1), -1, &res, &err));
	ck_assert_int_eq(res.groups[0].status, CDSI_COMPLETE);
	ck_assert_int_eq(res.groups[0].evals[0].status, CDSI_EVAL_VALID);
	cdsi_result_free(&res);
	cdsi_data_free(d);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* The rules' identity: the same files give the same, wherever they are;
 * a byte changed, or another file, gives another. */
START_TEST(rules_name_the_data)
{
	char *a = testutil_mkdtemp(), *b = testutil_mkdtemp();
	free(write_antigen(a, "6 weeks"));
	free(testutil_write_file(a, "ScheduleSupportingData.xml", schedule, strlen(schedule)));
	free(write_antigen(b, "6 weeks"));
	free(testutil_write_file(b, "ScheduleSupportingData.xml", schedule, strlen(schedule)));
	struct vax_error err = {0};
	struct cdsi_data *da = cdsi_data_load(a, &err), *db = cdsi_data_load(b, &err);
	ck_assert_msg(da && db, "%s", err.message);
	ck_assert(!strncmp(cdsi_data_rules(da), "vaxdesk-cdsi/", 13));
	ck_assert_str_eq(cdsi_data_rules(da), cdsi_data_rules(db));
	/* the CDC's release loaded here is another set of rules */
	ck_assert_str_ne(cdsi_data_rules(da), cdsi_data_rules(data));
	cdsi_data_free(db);
	free(write_antigen(b, "6 weeks - 4 days")); /* one value changed */
	db = cdsi_data_load(b, &err);
	ck_assert_msg(db != NULL, "%s", err.message);
	ck_assert_str_ne(cdsi_data_rules(da), cdsi_data_rules(db));
	cdsi_data_free(db);
	free(write_antigen(b, "6 weeks"));
	/* a comment after the data: the same rules in effect, but other files,
	 * and only the files are compared */
	char *p = testutil_write_file(b, "ScheduleSupportingData.xml", schedule, strlen(schedule));
	FILE *f = fopen(p, "a");
	ck_assert_ptr_nonnull(f);
	fputs("<!-- a later release -->\n", f);
	fclose(f);
	free(p);
	db = cdsi_data_load(b, &err);
	ck_assert_msg(db != NULL, "%s", err.message);
	ck_assert_str_ne(cdsi_data_rules(da), cdsi_data_rules(db));
	cdsi_data_free(db);
	cdsi_data_free(da);
	testutil_rmtree(a);
	testutil_rmtree(b);
	free(a);
	free(b);
}
END_TEST

START_TEST(broken_xml_names_file_and_line)
{
	char *dir = testutil_mkdtemp();
	const char bad[] = "<antigenSupportingData>\n<series>\n</antigenSupportingData>\n";
	free(testutil_write_file(dir, "AntigenSupportingData-Broken.xml", bad, strlen(bad)));
	struct vax_error err = {0};
	ck_assert_ptr_null(cdsi_data_load(dir, &err));
	ck_assert_str_eq(err.code, "CDSI-DATA-XML");
	ck_assert_ptr_nonnull(strstr(err.message, "AntigenSupportingData-Broken.xml"));
	ck_assert_ptr_nonnull(strstr(err.message, "line"));
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(bad_value_names_element)
{
	char *dir = testutil_mkdtemp();
	free(write_antigen(dir, "six weeks"));
	free(testutil_write_file(dir, "ScheduleSupportingData.xml", schedule, strlen(schedule)));
	struct vax_error err = {0};
	ck_assert_ptr_null(cdsi_data_load(dir, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "Testitis-508.xml"));
	ck_assert_ptr_nonnull(strstr(err.message, "absMinAge"));
	ck_assert_ptr_nonnull(strstr(err.message, "six weeks"));
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(missing_schedule_is_named)
{
	char *dir = testutil_mkdtemp();
	free(write_antigen(dir, "6 weeks"));
	struct vax_error err = {0};
	ck_assert_ptr_null(cdsi_data_load(dir, &err));
	ck_assert_str_eq(err.code, "CDSI-DATA-MISSING");
	ck_assert_ptr_nonnull(strstr(err.message, "ScheduleSupportingData.xml"));
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* ---- age and interval ----------------------------------------------------- */

START_TEST(age_grace_four_days)
{
	vax_date dob = ymd(2025, 1, 31);
	struct cdsi_result res;
	/* DTaP dose 1: absolute minimum age 6 weeks - 4 days */
	struct cdsi_dose ok[] = {dose(plus(dob, "6 weeks - 4 days"), 20)};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'F', ok, 1, NULL, 0, ymd(2025, 4, 1), "DTaP/Tdap/Td");
	ck_assert_int_eq(eval_of(r, 0)->status, CDSI_EVAL_VALID);
	ck_assert_int_eq(eval_of(r, 0)->dose_number, 1);
	cdsi_result_free(&res);

	struct cdsi_dose young[] = {dose(plus(dob, "6 weeks - 5 days"), 20)};
	r = run(&res, dob, 'F', young, 1, NULL, 0, ymd(2025, 4, 1), "DTaP/Tdap/Td");
	ck_assert_int_eq(eval_of(r, 0)->status, CDSI_EVAL_NOT_VALID);
	ck_assert_int_eq(eval_of(r, 0)->reason, CDSI_REASON_TOO_YOUNG);
	/* the forecast asks for dose 1 again, from 6 weeks */
	ck_assert_int_eq(r->dose_number, 1);
	ck_assert_int_eq(r->earliest, plus(dob, "6 weeks"));
	cdsi_result_free(&res);
}
END_TEST

START_TEST(interval_grace_four_days)
{
	vax_date dob = ymd(2025, 1, 1);
	vax_date d1 = plus(dob, "2 months");
	struct cdsi_result res;
	struct cdsi_dose ok[] = {dose(d1, 20), dose(plus(d1, "4 weeks - 4 days"), 20)};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'M', ok, 2, NULL, 0, ymd(2025, 6, 1), "DTaP/Tdap/Td");
	ck_assert_int_eq(eval_of(r, 1)->status, CDSI_EVAL_VALID);
	ck_assert_int_eq(r->dose_number, 3);
	cdsi_result_free(&res);

	struct cdsi_dose soon[] = {dose(d1, 20), dose(plus(d1, "4 weeks - 5 days"), 20)};
	r = run(&res, dob, 'M', soon, 2, NULL, 0, ymd(2025, 6, 1), "DTaP/Tdap/Td");
	ck_assert_int_eq(eval_of(r, 1)->status, CDSI_EVAL_NOT_VALID);
	ck_assert_int_eq(eval_of(r, 1)->reason, CDSI_REASON_TOO_SOON);
	ck_assert_int_eq(r->dose_number, 2);
	/* the next dose counts from the invalid one (CALCDTINT-1) */
	ck_assert_int_eq(r->earliest, plus(plus(d1, "4 weeks - 5 days"), "4 weeks"));
	cdsi_result_free(&res);
}
END_TEST

START_TEST(newborn_forecast_dates)
{
	vax_date dob = ymd(2025, 11, 10);
	struct cdsi_result res;
	const struct cdsi_group_result *r = run(&res, dob, 'F', NULL, 0, NULL, 0, dob, "DTaP/Tdap/Td");
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	ck_assert_int_eq(r->dose_number, 1);
	ck_assert_int_eq(r->earliest, ymd(2025, 12, 22));   /* 6 weeks */
	ck_assert_int_eq(r->recommended, ymd(2026, 1, 10)); /* 2 months */
	ck_assert_int_eq(r->past_due, ymd(2026, 3, 9));     /* 3 months + 4 weeks - 1 day */
	ck_assert_uint_eq(r->nevals, 0);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(too_old_is_extraneous)
{
	/* rotavirus: maximum age 8 months 1 day for dose 1 */
	vax_date dob = ymd(2024, 1, 1);
	struct cdsi_result res;
	struct cdsi_dose late[] = {dose(ymd(2025, 1, 1), 116)};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'F', late, 1, NULL, 0, ymd(2025, 2, 1), "Rotavirus");
	ck_assert_int_eq(eval_of(r, 0)->status, CDSI_EVAL_EXTRANEOUS);
	ck_assert_int_eq(eval_of(r, 0)->reason, CDSI_REASON_TOO_OLD);
	ck_assert_int_eq(r->status, CDSI_AGED_OUT);
	ck_assert_int_eq(r->earliest, DATE_NONE);
	cdsi_result_free(&res);
}
END_TEST

/* ---- skips, conflicts, vaccines -------------------------------------------- */

START_TEST(skip_hib_after_15_months)
{
	/* one Hib dose on/after 15 months completes the series: the later
	 * target doses are skipped by their conditional skips */
	vax_date dob = ymd(2023, 1, 1);
	struct cdsi_result res;
	struct cdsi_dose doses[] = {dose(plus(dob, "16 months"), 48)};
	const struct cdsi_group_result *r = run(&res, dob, 'F', doses, 1, NULL, 0, ymd(2025, 1, 1), "Hib");
	ck_assert_int_eq(eval_of(r, 0)->status, CDSI_EVAL_VALID);
	ck_assert_int_eq(r->status, CDSI_COMPLETE);
	ck_assert_int_eq(r->dose_number, 0);
	cdsi_result_free(&res);

	/* the same dose at 10 months leaves more doses to give */
	struct cdsi_dose early[] = {dose(plus(dob, "10 months"), 48)};
	r = run(&res, dob, 'F', early, 1, NULL, 0, plus(dob, "11 months"), "Hib");
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	ck_assert_int_eq(r->dose_number, 2);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(skip_dtap_from_seven_years)
{
	/* first DTaP-group dose at 8 years: catch-up, infant doses skipped */
	vax_date dob = ymd(2015, 3, 1);
	struct cdsi_result res;
	struct cdsi_dose doses[] = {dose(plus(dob, "8 years"), 115)};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'M', doses, 1, NULL, 0, plus(dob, "8 years + 1 day"), "DTaP/Tdap/Td");
	ck_assert_int_eq(eval_of(r, 0)->status, CDSI_EVAL_VALID);
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	ck_assert_int_eq(r->dose_number, 2);
	ck_assert_int_eq(r->earliest, plus(plus(dob, "8 years"), "4 weeks"));
	cdsi_result_free(&res);
}
END_TEST

START_TEST(live_virus_conflict)
{
	/* varicella 10 days after MMR: not valid; the repeat waits 28 days
	 * after the last live vaccine (the invalid varicella dose itself) */
	vax_date dob = ymd(2020, 1, 1);
	vax_date mmr = ymd(2021, 2, 1);
	struct cdsi_result res;
	struct cdsi_dose doses[] = {dose(mmr, 3), dose(date_add_days(mmr, 10), 21)};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'F', doses, 2, NULL, 0, ymd(2021, 2, 20), "Varicella");
	ck_assert_int_eq(eval_of(r, 1)->status, CDSI_EVAL_NOT_VALID);
	ck_assert_int_eq(eval_of(r, 1)->reason, CDSI_REASON_CONFLICT);
	ck_assert_int_eq(r->dose_number, 1);
	ck_assert_int_eq(r->earliest, date_add_days(mmr, 10 + 28));
	cdsi_result_free(&res);
}
END_TEST

START_TEST(inadvertent_vaccine)
{
	/* adult Td given to an infant is an inadvertent DTaP-group dose */
	vax_date dob = ymd(2025, 1, 1);
	struct cdsi_result res;
	struct cdsi_dose doses[] = {dose(plus(dob, "2 months"), 9)};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'F', doses, 1, NULL, 0, plus(dob, "3 months"), "DTaP/Tdap/Td");
	ck_assert_int_eq(eval_of(r, 0)->status, CDSI_EVAL_NOT_VALID);
	ck_assert_int_eq(eval_of(r, 0)->reason, CDSI_REASON_INADVERTENT);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(series_complete_then_extraneous)
{
	vax_date dob = ymd(2010, 1, 1);
	struct cdsi_result res;
	struct cdsi_dose doses[] = {dose(ymd(2011, 1, 1), 3), dose(ymd(2014, 1, 1), 3),
	                            dose(ymd(2015, 1, 1), 3)};
	const struct cdsi_group_result *r = run(&res, dob, 'F', doses, 3, NULL, 0, ymd(2016, 1, 1), "MMR");
	ck_assert_int_eq(r->status, CDSI_COMPLETE);
	ck_assert_int_eq(eval_of(r, 0)->dose_number, 1);
	ck_assert_int_eq(eval_of(r, 0)->series_doses, 2);
	ck_assert_int_eq(eval_of(r, 2)->status, CDSI_EVAL_EXTRANEOUS);
	ck_assert_int_eq(eval_of(r, 2)->reason, CDSI_REASON_SERIES_COMPLETE);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(birth_before_1957_immune)
{
	struct cdsi_result res;
	const struct cdsi_group_result *r =
	    run(&res, ymd(1950, 6, 1), 'M', NULL, 0, NULL, 0, ymd(2025, 1, 1), "MMR");
	ck_assert_int_eq(r->status, CDSI_IMMUNE);
	cdsi_result_free(&res);
	/* a health care worker born then is not presumed immune (exclusion 055) */
	struct cdsi_observation_in hcp = {.code = "055", .begin = DATE_NONE, .end = DATE_NONE};
	r = run(&res, ymd(1950, 6, 1), 'M', NULL, 0, &hcp, 1, ymd(2025, 1, 1), "MMR");
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(risk_series_needs_condition)
{
	/* Meningococcal B for a healthy 5-year-old: no series applies; with
	 * asplenia (160) the risk series from 10 years does */
	vax_date dob = ymd(2010, 1, 1);
	struct cdsi_result res;
	struct cdsi_observation_in asplenia = {.code = "160", .begin = DATE_NONE, .end = DATE_NONE};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'F', NULL, 0, &asplenia, 1, ymd(2025, 1, 1), "Meningococcal B");
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	ck_assert(r->risk);
	ck_assert_int_eq(r->dose_number, 1);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(indication_ahead_of_age)
{
	/* Dengue has only a risk series, for indication 211 from 9 to 17
	 * years. At 8 no series of the antigen applies (table 5-4), so the
	 * risk series is followed from the indication's begin age date; at
	 * 17 the end age has passed and nothing is recommended. */
	vax_date dob = ymd(2015, 3, 1);
	struct cdsi_result res;
	struct cdsi_observation_in dengue = {.code = "211", .begin = DATE_NONE, .end = DATE_NONE};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'M', NULL, 0, &dengue, 1, ymd(2023, 6, 1), "Dengue");
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	ck_assert_int_eq(r->dose_number, 1);
	ck_assert_int_eq(r->earliest, plus(dob, "9 years"));
	cdsi_result_free(&res);
	r = run(&res, dob, 'M', NULL, 0, NULL, 0, ymd(2023, 6, 1), "Dengue");
	ck_assert_int_eq(r->status, CDSI_NOT_RECOMMENDED);
	cdsi_result_free(&res);
	r = run(&res, dob, 'M', NULL, 0, &dengue, 1, plus(dob, "17 years"), "Dengue");
	ck_assert_int_eq(r->status, CDSI_NOT_RECOMMENDED);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(undatable_series_gives_way)
{
	/* A 30-year-old travelling where meningococcal disease is hyperendemic
	 * (164): the priority-A infant series has nothing left to date its
	 * next dose from (table 7-9: 12/31/2999, so Aged Out in table 7-10)
	 * and does not hold back the priority-B 1-dose series from 2 years */
	vax_date dob = ymd(1995, 3, 15);
	struct cdsi_result res;
	struct cdsi_observation_in travel = {.code = "164", .begin = DATE_NONE, .end = DATE_NONE};
	const struct cdsi_group_result *r =
	    run(&res, dob, 'M', NULL, 0, &travel, 1, ymd(2025, 6, 1), "Meningococcal");
	ck_assert_int_eq(r->status, CDSI_NOT_COMPLETE);
	ck_assert(r->risk);
	ck_assert_int_eq(r->dose_number, 1);
	ck_assert_int_eq(r->earliest, plus(dob, "2 years"));
	cdsi_result_free(&res);

	/* pregnant (007) with no onset date: the pertussis risk dose is dated
	 * from the onset (170), so without it the standard series is shown */
	struct cdsi_observation_in pregnant = {.code = "007", .begin = DATE_NONE, .end = DATE_NONE};
	r = run(&res, ymd(1994, 2, 1), 'F', NULL, 0, &pregnant, 1, ymd(2024, 6, 1), "DTaP/Tdap/Td");
	ck_assert(!r->risk);
	cdsi_result_free(&res);
}
END_TEST

START_TEST(substandard_dose_does_not_date_forecast)
{
	/* a recalled IPV dose is never evaluated against a target dose
	 * (6.1), so it does not move the next dose's earliest date
	 * (FORECASTDTCAN-1): dose 2 is due 4 weeks after the valid dose 1 */
	vax_date dob = ymd(2025, 1, 1);
	struct cdsi_dose d[2] = {dose(ymd(2025, 3, 1), 10), dose(ymd(2025, 4, 20), 10)};
	d[1].substandard = true;
	struct cdsi_result res;
	const struct cdsi_group_result *r = run(&res, dob, 'F', d, 2, NULL, 0, ymd(2025, 4, 25), "Polio");
	ck_assert_int_eq(eval_of(r, 1)->status, CDSI_EVAL_SUBSTANDARD);
	ck_assert_int_eq(r->dose_number, 2);
	ck_assert_int_eq(r->earliest, plus(ymd(2025, 3, 1), "4 weeks"));
	cdsi_result_free(&res);
}
END_TEST

START_TEST(rejects_dose_before_birth)
{
	struct cdsi_dose doses[] = {dose(ymd(2019, 1, 1), 20)};
	struct cdsi_patient p = {.dob = ymd(2020, 1, 1), .gender = 'F', .doses = doses, .ndoses = 1};
	struct cdsi_result res;
	struct vax_error err = {0};
	ck_assert(!cdsi_evaluate(data, &p, ymd(2021, 1, 1), -1, &res, &err));
	ck_assert_str_eq(err.code, "CDSI-DOSE-BEFORE-BIRTH");
}
END_TEST

/* ---- the NDJSON case reader ----------------------------------------------- */

START_TEST(case_reader_accepts_cdc_shape)
{
	const char *line =
	    "{\"id\": \"T-1\", \"dob\": \"2025-11-10\", \"gender\": \"F\", \"assessment_date\": "
	    "\"2025-11-10\","
	    " \"vaccine_group\": \"DTAP\", \"doses\": [{\"seq\": 1, \"date\": \"2025-11-10\", \"cvx\": "
	    "\"08\","
	    " \"mvx\": \"\", \"expected_status\": \"Valid\", \"expected_reason\": \"\"}],"
	    " \"expected_forecast\": {\"series_status\": \"Not complete\", \"forecast_num\": \"1\","
	    " \"earliest\": \"2025-12-22\", \"recommended\": \"2026-01-10\", \"past_due\": \"\"},"
	    " \"observations\": [{\"seq\": 1, \"code\": \"042\", \"text\": \"x\", \"date\": \"\"}]}";
	struct cdsi_case c;
	struct vax_error err = {0};
	ck_assert_msg(cdsi_case_parse(line, &c, &err), "%s", err.message);
	ck_assert_str_eq(c.id, "T-1");
	ck_assert_uint_eq(c.patient.ndoses, 1);
	ck_assert_int_eq(c.doses[0].cvx, 8);
	ck_assert_int_eq(c.forecast_num, 1);
	ck_assert_int_eq(c.past_due, DATE_NONE);
	ck_assert_uint_eq(c.patient.nobservations, 1);
	ck_assert_str_eq(c.obs[0].code, "042");
	ck_assert_int_eq(cdsi_case_group(data, c.group_label), cdsi_group_find(data, "DTaP/Tdap/Td"));
}
END_TEST

START_TEST(case_reader_rejects_bad_lines)
{
	static const struct {
		const char *line, *says;
	} bad[] = {
	    {"not json", "not valid JSON"},
	    {"[1, 2]", "JSON object"},
	    {"{\"id\": \"x\"}", "\"vaccine_group\" is missing"},
	    {"{\"id\": \"x\", \"vaccine_group\": \"MMR\", \"dob\": \"11/10/2025\", \"assessment_date\": "
	     "\"2025-11-10\"}",
	     "\"dob\""},
	    {"{\"id\": \"x\", \"vaccine_group\": \"MMR\", \"dob\": \"2025-11-10\", \"assessment_date\": "
	     "\"2025-11-10\","
	     " \"doses\": {}}",
	     "\"doses\" must be an array"},
	    {"{\"id\": \"x\", \"vaccine_group\": \"MMR\", \"dob\": \"2025-11-10\", \"assessment_date\": "
	     "\"2025-11-10\","
	     " \"doses\": [{\"date\": \"2025-11-10\", \"cvx\": \"MMR\"}]}",
	     "dose 1: cvx \"MMR\""},
	    {"{\"id\": \"x\", \"vaccine_group\": \"MMR\", \"dob\": \"2025-11-10\", \"assessment_date\": "
	     "\"2025-11-10\","
	     " \"doses\": []}",
	     "expected_forecast"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cdsi_case c;
		struct vax_error err = {0};
		ck_assert_msg(!cdsi_case_parse(bad[i].line, &c, &err), "accepted: %s", bad[i].line);
		ck_assert_msg(strstr(err.message, bad[i].says) != NULL, "\"%s\" does not say \"%s\"",
		              err.message, bad[i].says);
	}
}
END_TEST

Suite *cdsi_suite(void)
{
	Suite *s = suite_create("cdsi");
	TCase *tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, load_data, free_data);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, loads_cdc_release);
	tcase_add_test(tc, missing_dir_is_named);
	tcase_add_test(tc, small_release_loads_and_runs);
	tcase_add_test(tc, rules_name_the_data);
	tcase_add_test(tc, broken_xml_names_file_and_line);
	tcase_add_test(tc, bad_value_names_element);
	tcase_add_test(tc, missing_schedule_is_named);
	suite_add_tcase(s, tc);

	tc = tcase_create("evaluate");
	tcase_add_unchecked_fixture(tc, load_data, free_data);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, age_grace_four_days);
	tcase_add_test(tc, interval_grace_four_days);
	tcase_add_test(tc, newborn_forecast_dates);
	tcase_add_test(tc, too_old_is_extraneous);
	tcase_add_test(tc, skip_hib_after_15_months);
	tcase_add_test(tc, skip_dtap_from_seven_years);
	tcase_add_test(tc, live_virus_conflict);
	tcase_add_test(tc, inadvertent_vaccine);
	tcase_add_test(tc, series_complete_then_extraneous);
	tcase_add_test(tc, birth_before_1957_immune);
	tcase_add_test(tc, risk_series_needs_condition);
	tcase_add_test(tc, indication_ahead_of_age);
	tcase_add_test(tc, undatable_series_gives_way);
	tcase_add_test(tc, substandard_dose_does_not_date_forecast);
	tcase_add_test(tc, rejects_dose_before_birth);
	suite_add_tcase(s, tc);

	tc = tcase_create("cases");
	tcase_add_unchecked_fixture(tc, load_data, free_data);
	tcase_add_test(tc, case_reader_accepts_cdc_shape);
	tcase_add_test(tc, case_reader_rejects_bad_lines);
	suite_add_tcase(s, tc);
	return s;
}
