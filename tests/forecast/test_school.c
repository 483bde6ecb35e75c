/* tests/forecast/test_school.c - Texas school requirements: the data file
 * and the compliance check over CDSi-valid doses. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/cdsi.h"
#include "forecast/school.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct cdsi_data *data;
static struct school_reqs *texas;

static void load_all(void)
{
	testutil_load_schedules(&data, &texas);
}

static void free_all(void)
{
	school_free(texas);
	cdsi_data_free(data);
}

static vax_date ymd(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

static struct cdsi_dose dose(vax_date when, int cvx)
{
	struct cdsi_dose d = {.date = when, .cvx = cvx, .lot_expiration = DATE_NONE};
	return d;
}

static const struct school_item *item(const struct school_report *rep, const char *label)
{
	for (size_t i = 0; i < rep->nitems; i++)
		if (strcmp(rep->items[i].label, label) == 0)
			return &rep->items[i];
	ck_abort_msg("no item %s", label);
	return NULL;
}

/* A child born 2019-01-15 vaccinated on the ACIP schedule up to 4-6 years. */
static size_t kindergarten_history(struct cdsi_dose *d, bool fifth_dtap)
{
	size_t n = 0;
	const vax_date v2m = ymd(2019, 3, 15), v4m = ymd(2019, 5, 15), v6m = ymd(2019, 7, 15);
	const vax_date v12m = ymd(2020, 1, 20), v15m = ymd(2020, 4, 20), v4y = ymd(2023, 2, 1);
	d[n++] = dose(ymd(2019, 1, 15), 8); /* HepB birth */
	d[n++] = dose(v2m, 110);            /* DTaP-HepB-IPV */
	d[n++] = dose(v4m, 110);
	d[n++] = dose(v6m, 110);
	d[n++] = dose(v2m, 49); /* Hib PRP-OMP */
	d[n++] = dose(v4m, 49);
	d[n++] = dose(v12m, 49);
	d[n++] = dose(v2m, 133); /* PCV13 */
	d[n++] = dose(v4m, 133);
	d[n++] = dose(v6m, 133);
	d[n++] = dose(v12m, 133);
	d[n++] = dose(v12m, 3);  /* MMR */
	d[n++] = dose(v12m, 21); /* varicella */
	d[n++] = dose(v12m, 83); /* HepA */
	d[n++] = dose(ymd(2020, 7, 20), 83);
	d[n++] = dose(v15m, 20); /* DTaP 4 */
	if (fifth_dtap)
		d[n++] = dose(v4y, 130); /* DTaP-IPV at 4 years */
	else
		d[n++] = dose(v4y, 10); /* IPV only */
	d[n++] = dose(v4y, 94);         /* MMRV */
	return n;
}

START_TEST(kindergarten_compliant)
{
	struct cdsi_dose d[32];
	size_t n = kindergarten_history(d, true);
	struct cdsi_patient p = {.dob = ymd(2019, 1, 15), .gender = 'F', .doses = d, .ndoses = n};
	struct school_report rep;
	struct vax_error err = {0};
	ck_assert_msg(school_check(texas, data, &p, 0, ymd(2024, 8, 20), &rep, &err), "%s", err.message);
	for (size_t i = 0; i < rep.nitems; i++)
		ck_assert_msg(rep.items[i].status == SCHOOL_MET, "%s: %s", rep.items[i].label,
		              school_status_name(rep.items[i].status));
	ck_assert(rep.compliant);
	ck_assert_int_eq(item(&rep, "DTaP/DT/Td")->valid_doses, 5);
	/* no meningococcal requirement before 7th grade */
	for (size_t i = 0; i < rep.nitems; i++)
		ck_assert_str_ne(rep.items[i].label, "MenACWY");
	school_report_free(&rep);
}
END_TEST

START_TEST(kindergarten_missing_fifth_dtap)
{
	struct cdsi_dose d[32];
	size_t n = kindergarten_history(d, false);
	struct cdsi_patient p = {.dob = ymd(2019, 1, 15), .gender = 'F', .doses = d, .ndoses = n};
	struct school_report rep;
	struct vax_error err = {0};
	ck_assert(school_check(texas, data, &p, 0, ymd(2024, 8, 20), &rep, &err));
	ck_assert(!rep.compliant);
	/* 4 doses, the 4th at 15 months: neither 5 doses nor a 4th after age 4 */
	ck_assert_int_eq(item(&rep, "DTaP/DT/Td")->status, SCHOOL_NOT_MET);
	ck_assert_int_eq(item(&rep, "Polio")->status, SCHOOL_MET);
	school_report_free(&rep);
}
END_TEST

START_TEST(only_valid_doses_count)
{
	/* second MMR 10 days after the first is not valid (interval), so two
	 * doses on record do not meet the K-12 MMR requirement; the next dose
	 * can be given 4 weeks after the first */
	struct cdsi_dose d[] = {dose(ymd(2024, 8, 1), 3), dose(ymd(2024, 8, 11), 3)};
	struct cdsi_patient p = {.dob = ymd(2018, 1, 15), .gender = 'M', .doses = d, .ndoses = 2};
	struct school_report rep;
	struct vax_error err = {0};
	ck_assert(school_check(texas, data, &p, 1, ymd(2024, 8, 20), &rep, &err));
	const struct school_item *mmr = item(&rep, "MMR");
	ck_assert_int_eq(mmr->valid_doses, 1);
	ck_assert_int_eq(mmr->status, SCHOOL_DUE);
	ck_assert_int_eq(mmr->due, ymd(2024, 9, 8));
	ck_assert_int_eq(item(&rep, "Hepatitis B")->status, SCHOOL_NOT_MET);
	school_report_free(&rep);
}
END_TEST

START_TEST(seventh_grade_booster_window)
{
	/* primary DTaP series, Tdap at 11: met in 7th grade; a Td 6 years
	 * ago is outside the 5-year window of 7th grade but inside the
	 * 10-year window of 8th-12th */
	struct cdsi_dose d[] = {
	    dose(ymd(2012, 3, 1), 20),   dose(ymd(2012, 5, 1), 20), dose(ymd(2012, 7, 1), 20),
	    dose(ymd(2013, 4, 1), 20),   dose(ymd(2016, 2, 1), 20), dose(ymd(2023, 1, 10), 115),
	    dose(ymd(2023, 1, 10), 114),
	};
	struct cdsi_patient p = {.dob = ymd(2012, 1, 1), .gender = 'F', .doses = d, .ndoses = 7};
	struct school_report rep;
	struct vax_error err = {0};
	ck_assert(school_check(texas, data, &p, 7, ymd(2024, 8, 20), &rep, &err));
	ck_assert_int_eq(item(&rep, "Tdap/Td")->status, SCHOOL_MET);
	ck_assert_int_eq(item(&rep, "MenACWY")->status, SCHOOL_MET);
	school_report_free(&rep);

	p.ndoses = 5; /* no adolescent booster */
	ck_assert(school_check(texas, data, &p, 7, ymd(2024, 8, 20), &rep, &err));
	ck_assert_int_eq(item(&rep, "Tdap/Td")->status, SCHOOL_NOT_MET);
	ck_assert_int_eq(item(&rep, "MenACWY")->status, SCHOOL_NOT_MET);
	school_report_free(&rep);
}
END_TEST

START_TEST(prek_hib_not_required_at_five)
{
	struct cdsi_patient p = {.dob = ymd(2019, 6, 1), .gender = 'F'};
	struct school_report rep;
	struct vax_error err = {0};
	ck_assert(school_check(texas, data, &p, SCHOOL_GRADE_PK, ymd(2024, 8, 20), &rep, &err));
	ck_assert_int_eq(item(&rep, "Hib")->status, SCHOOL_EXEMPT);
	ck_assert_int_eq(item(&rep, "DTaP")->status, SCHOOL_NOT_MET);
	school_report_free(&rep);
}
END_TEST

START_TEST(grades_parse)
{
	ck_assert_int_eq(school_grade_parse("PK"), SCHOOL_GRADE_PK);
	ck_assert_int_eq(school_grade_parse("k"), 0);
	ck_assert_int_eq(school_grade_parse("12"), 12);
	ck_assert_int_eq(school_grade_parse("13"), SCHOOL_GRADE_BAD);
	ck_assert_int_eq(school_grade_parse("7th"), SCHOOL_GRADE_BAD);
	struct cdsi_patient p = {.dob = ymd(2019, 6, 1), .gender = 'F'};
	struct school_report rep;
	struct vax_error err = {0};
	ck_assert(!school_check(texas, data, &p, 14, ymd(2024, 8, 20), &rep, &err));
	ck_assert_str_eq(err.code, "SCHOOL-GRADE");
}
END_TEST

START_TEST(bad_requirement_line_is_named)
{
	char *dir = testutil_mkdtemp();
	const char text[] = "# comment\nK-12 MMR \"MMR\" doses=2\nK-12 Measels \"MMR\" doses=2\n";
	char *path = testutil_write_file(dir, "req.txt", text, strlen(text));
	struct vax_error err = {0};
	ck_assert_ptr_null(school_load(path, data, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "req.txt:3"));
	ck_assert_ptr_nonnull(strstr(err.message, "vaccine group"));
	const char text2[] = "K-12 MMR \"MMR\" doses=2 after=1year\n";
	free(path);
	path = testutil_write_file(dir, "req.txt", text2, strlen(text2));
	ck_assert_ptr_null(school_load(path, data, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "req.txt:1"));
	free(path);
	ck_assert_ptr_null(school_load("/nonexistent/req.txt", data, &err));
	ck_assert_str_eq(err.code, "SCHOOL-MISSING");
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

Suite *school_suite(void)
{
	Suite *s = suite_create("school");
	TCase *tc = tcase_create("texas");
	tcase_add_unchecked_fixture(tc, load_all, free_all);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kindergarten_compliant);
	tcase_add_test(tc, kindergarten_missing_fifth_dtap);
	tcase_add_test(tc, only_valid_doses_count);
	tcase_add_test(tc, seventh_grade_booster_window);
	tcase_add_test(tc, prek_hib_not_required_at_five);
	tcase_add_test(tc, grades_parse);
	tcase_add_test(tc, bad_requirement_line_is_named);
	suite_add_tcase(s, tc);
	return s;
}
