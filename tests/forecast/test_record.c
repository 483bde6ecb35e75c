/* tests/forecast/test_record.c - a record's forecast in one place
 * (forecast/record.h): which doses CDSi counts, the words for a dose's
 * evaluation, the Texas school check at the grade the age gives, and the
 * grade rule itself. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "forecast/record.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct forecast_data *data;

static void load(void)
{
	data = forecast_data_new();
}

static void unload(void)
{
	forecast_data_free(&data);
}

static struct immunization dose(const char *cvx, int y, int m, int d)
{
	struct immunization im;
	imm_init(&im);
	snprintf(im.cvx, sizeof im.cvx, "%s", cvx);
	im.date_given = date_from_ymd(y, m, d);
	return im;
}

START_TEST(grade_from_age_on_september_first)
{
	vax_date dob = date_from_ymd(2019, 4, 12);
	/* 7 on 1 Sep 2026: grade 2 all that school year, until the next September */
	ck_assert_int_eq(forecast_school_grade(dob, date_from_ymd(2026, 12, 7)), 2);
	ck_assert_int_eq(forecast_school_grade(dob, date_from_ymd(2027, 8, 31)), 2);
	ck_assert_int_eq(forecast_school_grade(dob, date_from_ymd(2027, 9, 1)), 3);
	/* 4 on 1 Sep: Pre-K; 5: K; never past 12 */
	ck_assert_int_eq(forecast_school_grade(date_from_ymd(2021, 9, 2), date_from_ymd(2026, 10, 1)),
	                 SCHOOL_GRADE_PK);
	ck_assert_int_eq(forecast_school_grade(date_from_ymd(2021, 9, 1), date_from_ymd(2026, 10, 1)), 0);
	ck_assert_int_eq(forecast_school_grade(date_from_ymd(1990, 1, 1), date_from_ymd(2026, 10, 1)), 12);
	char b[16];
	forecast_grade_label(SCHOOL_GRADE_PK, b, sizeof b);
	ck_assert_str_eq(b, "Pre-K");
	forecast_grade_label(0, b, sizeof b);
	ck_assert_str_eq(b, "K");
	forecast_grade_label(7, b, sizeof b);
	ck_assert_str_eq(b, "7");
}
END_TEST

START_TEST(doses_counted_and_words)
{
	struct client c;
	client_init(&c);
	c.dob = date_from_ymd(2019, 4, 12);
	c.sex = SEX_FEMALE;
	/* Hep B at birth and 1 month; an MMR too early; a refusal; a deleted dose */
	struct immunization im[5] = {dose("08", 2019, 4, 12), dose("08", 2019, 5, 20),
	                             dose("03", 2019, 10, 1), dose("21", 2020, 5, 1),
	                             dose("10", 2019, 6, 12)};
	im[3].refused = true;
	im[4].entered_in_error = true;
	struct forecast_record r = {0};
	forecast_record_run(data, &c, im, 5, date_from_ymd(2026, 12, 7), false, &r);
	ck_assert_msg(r.have_fc, "%s", r.error);
	char w[24];
	forecast_eval_label(forecast_record_eval(&r, 0), w, sizeof w);
	ck_assert_str_eq(w, "1 of 3");
	forecast_eval_label(forecast_record_eval(&r, 1), w, sizeof w);
	ck_assert_str_eq(w, "2 of 3");
	/* MMR before the first birthday does not count */
	forecast_eval_label(forecast_record_eval(&r, 2), w, sizeof w);
	ck_assert_str_eq(w, "NOT VALID");
	/* a refusal and a deleted dose are not given to CDSi */
	ck_assert_ptr_null(forecast_record_eval(&r, 3));
	ck_assert_ptr_null(forecast_record_eval(&r, 4));
	ck_assert_ptr_null(forecast_record_eval(&r, 5));
	forecast_eval_label(NULL, w, sizeof w);
	ck_assert_str_eq(w, "");
	ck_assert(!r.have_school);
	forecast_record_free(&r);

	/* the Texas school check at the grade the age gives (grade 2) */
	forecast_record_run(data, &c, im, 5, date_from_ymd(2026, 12, 7), true, &r);
	ck_assert_msg(r.have_school, "%s", r.error);
	ck_assert_int_eq(r.grade, 2);
	ck_assert(!r.school_rep.compliant);
	forecast_record_free(&r);
}
END_TEST

START_TEST(no_birth_date_says_so)
{
	struct client c;
	client_init(&c);
	struct immunization im = dose("08", 2019, 4, 12);
	struct forecast_record r = {0};
	forecast_record_run(data, &c, &im, 1, date_from_ymd(2026, 12, 7), false, &r);
	ck_assert(!r.have_fc);
	ck_assert_ptr_nonnull(strstr(r.error, "date of birth"));
	ck_assert_ptr_null(forecast_record_eval(&r, 0));
	forecast_record_free(&r);
}
END_TEST

Suite *forecast_record_suite(void)
{
	Suite *s = suite_create("forecast_record");
	TCase *tc = tcase_create("record");
	tcase_add_unchecked_fixture(tc, load, unload);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, grade_from_age_on_september_first);
	tcase_add_test(tc, doses_counted_and_words);
	tcase_add_test(tc, no_birth_date_says_so);
	suite_add_tcase(s, tc);
	return s;
}
