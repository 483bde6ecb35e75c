/* tests/core/test_date.c - dates as entered, on the wire, and as CDSi adds them. */
#include <check.h>

#include "core/date.h"
#include "tests/suites.h"

static vax_date ymd(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

START_TEST(calcdt_examples)
{
	/* the examples printed in CDSi table 3-6 */
	ck_assert_int_eq(date_add_months(ymd(2000, 1, 1), 3, 0), ymd(2003, 1, 1));
	ck_assert_int_eq(date_add_months(ymd(2000, 1, 1), 0, 6), ymd(2000, 7, 1));
	ck_assert_int_eq(date_add_months(ymd(2000, 11, 1), 0, 6), ymd(2001, 5, 1));
	ck_assert_int_eq(date_add_days(ymd(2000, 1, 1), 3), ymd(2000, 1, 4));
	ck_assert_int_eq(date_add_days(ymd(2000, 1, 1), 21), ymd(2000, 1, 22));
	ck_assert_int_eq(date_add_days(ymd(2000, 2, 1), 35), ymd(2000, 3, 7));
	ck_assert_int_eq(date_add_days(ymd(2001, 2, 1), 35), ymd(2001, 3, 8));
	ck_assert_int_eq(date_add_days(ymd(2000, 1, 15), -4), ymd(2000, 1, 11));
	ck_assert_int_eq(date_add_months(ymd(2000, 3, 31), 0, 6), ymd(2000, 10, 1));
	ck_assert_int_eq(date_add_months(ymd(2000, 8, 31), 0, 6), ymd(2001, 3, 1));
	struct date_span sp;
	ck_assert(date_span_parse("6 months - 4 days", &sp));
	ck_assert_int_eq(date_add_span(ymd(2000, 1, 31), &sp), ymd(2000, 7, 27));
}
END_TEST

START_TEST(leap_days)
{
	ck_assert(date_from_ymd(2024, 2, 29) != DATE_NONE);
	ck_assert(date_from_ymd(2023, 2, 29) == DATE_NONE);
	ck_assert(date_from_ymd(1900, 2, 29) == DATE_NONE);
	ck_assert(date_from_ymd(2000, 2, 29) != DATE_NONE);
	/* a Feb 29 birthday: one year later is Mar 1 (CALCDT-5) */
	ck_assert_int_eq(date_add_months(ymd(2024, 2, 29), 1, 0), ymd(2025, 3, 1));
	ck_assert_int_eq(date_add_months(ymd(2024, 2, 29), 4, 0), ymd(2028, 2, 29));
	ck_assert_int_eq(date_age_years(ymd(2024, 2, 29), ymd(2025, 2, 28)), 0);
	ck_assert_int_eq(date_age_years(ymd(2024, 2, 29), ymd(2025, 3, 1)), 1);
	ck_assert_int_eq(date_age_months(ymd(2024, 1, 31), ymd(2024, 2, 29)), 0);
	ck_assert_int_eq(date_age_months(ymd(2024, 1, 31), ymd(2024, 3, 1)), 1);
	/* negative months cross year boundaries */
	ck_assert_int_eq(date_add_months(ymd(2001, 1, 15), 0, -2), ymd(2000, 11, 15));
}
END_TEST

START_TEST(parse_us)
{
	vax_date d;
	char buf[DATE_US_LEN], iso[DATE_ISO_LEN];
	ck_assert_int_eq(date_parse_us("02/29/2024", &d), DATE_OK);
	ck_assert_str_eq(date_format_us(d, buf), "02/29/2024");
	ck_assert_str_eq(date_format_iso(d, iso), "2024-02-29");
	ck_assert_int_eq(date_parse_us(" 2/9/2024 ", &d), DATE_OK);
	ck_assert_int_eq(d, ymd(2024, 2, 9));
	ck_assert_int_eq(date_parse_us("02092024", &d), DATE_OK);
	ck_assert_int_eq(d, ymd(2024, 2, 9));
	ck_assert_int_eq(date_parse_us("02-09-2024", &d), DATE_OK);
	ck_assert_int_eq(date_parse_us("02/29/2023", &d), DATE_NO_SUCH_DAY);
	ck_assert_int_eq(d, DATE_NONE);
	ck_assert_int_eq(date_parse_us("13/01/2020", &d), DATE_NO_SUCH_DAY);
	ck_assert_int_eq(date_parse_us("01/02/03", &d), DATE_TWO_DIGIT_YEAR);
	ck_assert_int_eq(date_parse_us("010203", &d), DATE_TWO_DIGIT_YEAR);
	ck_assert_int_eq(date_parse_us("1/2/203", &d), DATE_BAD_FORMAT);
	ck_assert_int_eq(date_parse_us("02/09-2024", &d), DATE_BAD_FORMAT);
	ck_assert_int_eq(date_parse_us("", &d), DATE_EMPTY);
	ck_assert_int_eq(date_parse_us("   ", &d), DATE_EMPTY);
	ck_assert_int_eq(date_parse_us("tomorrow", &d), DATE_BAD_FORMAT);
	ck_assert_int_eq(date_parse_us("01/01/1799", &d), DATE_OUT_OF_RANGE);
	ck_assert_str_ne(date_strerror(DATE_TWO_DIGIT_YEAR), "");
}
END_TEST

START_TEST(parse_wire)
{
	vax_date d;
	ck_assert_int_eq(date_parse_iso("2025-11-10", &d), DATE_OK);
	ck_assert_int_eq(d, ymd(2025, 11, 10));
	ck_assert_int_eq(date_parse_iso("2025-11-10T08:15:00-06:00", &d), DATE_OK);
	ck_assert_int_eq(date_parse_iso("2025-11-1", &d), DATE_BAD_FORMAT);
	ck_assert_int_eq(date_parse_iso("2025-02-30", &d), DATE_NO_SUCH_DAY);
	ck_assert_int_eq(date_parse_iso("2025-11-10x", &d), DATE_BAD_FORMAT);
	ck_assert_int_eq(date_parse_compact("20250701", &d), DATE_OK);
	ck_assert_int_eq(d, ymd(2025, 7, 1));
	ck_assert_int_eq(date_parse_compact("2025071", &d), DATE_BAD_FORMAT);
	char iso[DATE_ISO_LEN];
	ck_assert_str_eq(date_format_iso(DATE_NONE, iso), "");
}
END_TEST

START_TEST(spans)
{
	struct date_span sp;
	ck_assert(date_span_parse("4 weeks", &sp));
	ck_assert_int_eq(sp.days, 28);
	ck_assert(date_span_parse("19 years", &sp));
	ck_assert_int_eq(sp.years, 19);
	ck_assert(date_span_parse("1 year + 2 weeks - 4 days", &sp));
	ck_assert_int_eq(sp.years, 1);
	ck_assert_int_eq(sp.days, 10);
	ck_assert(date_span_parse("0 days", &sp));
	ck_assert(date_span_parse("-4 days", &sp));
	ck_assert_int_eq(sp.days, -4);
	ck_assert(!date_span_parse("", &sp));
	ck_assert(!date_span_parse("6 fortnights", &sp));
	ck_assert(!date_span_parse("6 months 4 days", &sp));
	ck_assert(!date_span_parse("months", &sp));
	ck_assert_int_eq(date_sub_span(ymd(2000, 7, 27), &(struct date_span){0, 6, -4}), ymd(2000, 1, 31));
}
END_TEST

START_TEST(ages)
{
	char buf[32];
	ck_assert_int_eq(date_age_years(ymd(2010, 5, 20), ymd(2026, 5, 19)), 15);
	ck_assert_int_eq(date_age_years(ymd(2010, 5, 20), ymd(2026, 5, 20)), 16);
	ck_assert_int_eq(date_age_years(ymd(2010, 5, 20), ymd(2009, 5, 20)), 0);
	ck_assert_int_eq(date_age_months(ymd(2025, 1, 31), ymd(2025, 3, 1)), 1);
	ck_assert_int_eq(date_age_months(ymd(2025, 1, 31), ymd(2025, 2, 28)), 0);
	ck_assert_int_eq(date_diff_days(ymd(2025, 1, 1), ymd(2025, 3, 1)), 59);
	ck_assert_str_eq(date_format_age(ymd(2020, 1, 15), ymd(2023, 3, 20), buf, sizeof buf), "3 y 2 m");
	ck_assert_str_eq(date_format_age(ymd(2025, 1, 15), ymd(2025, 8, 27), buf, sizeof buf), "7 m 12 d");
	ck_assert_str_eq(date_format_age(ymd(2025, 1, 15), ymd(2025, 1, 31), buf, sizeof buf), "16 d");
	/* day numbers round-trip across the whole supported range */
	for (vax_date d = ymd(1800, 1, 1); d <= ymd(2999, 12, 31); d += 37) {
		int y, m, dd;
		date_to_ymd(d, &y, &m, &dd);
		ck_assert_int_eq(date_from_ymd(y, m, dd), d);
	}
}
END_TEST

Suite *date_suite(void)
{
	Suite *s = suite_create("date");
	TCase *tc = tcase_create("date");
	tcase_add_test(tc, calcdt_examples);
	tcase_add_test(tc, leap_days);
	tcase_add_test(tc, parse_us);
	tcase_add_test(tc, parse_wire);
	tcase_add_test(tc, spans);
	tcase_add_test(tc, ages);
	suite_add_tcase(s, tc);
	return s;
}
