/* tests/forms/test_gs1.c - vial barcodes as a keyboard-wedge scanner types
 * them: with parentheses, raw with and without GS, with a symbology prefix;
 * and what is refused (bad check digit, bad date, cut-short fields). */
#include <check.h>
#include <string.h>

#include "core/date.h"
#include "forms/gs1.h"
#include "tests/suites.h"

/* GARDASIL 9, NDC 00006-4119-03 */
#define GTIN "00300064119039"

START_TEST(test_gtin_check_digit)
{
	ck_assert(gs1_gtin_ok(GTIN));
	ck_assert(gs1_gtin_ok("00312345678906"));
	ck_assert(!gs1_gtin_ok("00312345678907"));
	ck_assert(!gs1_gtin_ok("0031234567890"));
	ck_assert(!gs1_gtin_ok("0031234567890a"));
	ck_assert(!gs1_gtin_ok(NULL));
}
END_TEST

START_TEST(test_parens)
{
	struct gs1_vial v;
	struct vax_error err;
	ck_assert(gs1_parse("(01)" GTIN "(17)270630(10)U7012AA", &v, &err));
	ck_assert_str_eq(v.gtin, GTIN);
	ck_assert_int_eq(v.expiry, date_from_ymd(2027, 6, 30));
	ck_assert_str_eq(v.lot, "U7012AA");
	ck_assert_str_eq(v.serial, "");
	ck_assert(gs1_parse("(01)" GTIN "(10)LOT-1(17)270600(21)S99", &v, &err));
	ck_assert_str_eq(v.lot, "LOT-1");
	ck_assert_str_eq(v.serial, "S99");
	/* day 00: the last day of the month */
	ck_assert_int_eq(v.expiry, date_from_ymd(2027, 6, 30));
}
END_TEST

START_TEST(test_raw)
{
	struct gs1_vial v;
	struct vax_error err;
	/* no GS: the lot runs to the end */
	ck_assert(gs1_parse("01" GTIN "17280229"
	                    "10AB12C",
	                    &v, &err));
	ck_assert_str_eq(v.gtin, GTIN);
	ck_assert_int_eq(v.expiry, date_from_ymd(2028, 2, 29));
	ck_assert_str_eq(v.lot, "AB12C");
	/* GS ends the lot, then a serial */
	ck_assert(gs1_parse("]d201" GTIN "10AB12C\x1d"
	                    "17261231"
	                    "21XYZ",
	                    &v, &err));
	ck_assert_str_eq(v.lot, "AB12C");
	ck_assert_str_eq(v.serial, "XYZ");
	ck_assert_int_eq(v.expiry, date_from_ymd(2026, 12, 31));
	/* GTIN alone */
	ck_assert(gs1_parse("01" GTIN, &v, &err));
	ck_assert_int_eq(v.expiry, DATE_NONE);
	ck_assert_str_eq(v.lot, "");
}
END_TEST

START_TEST(test_refused)
{
	struct gs1_vial v;
	struct vax_error err;
	ck_assert(!gs1_parse("(01)00300064119038(10)A", &v, &err));
	ck_assert_str_eq(err.code, "GS1-GTIN");
	ck_assert(!gs1_parse("(01)" GTIN "(17)271332", &v, &err));
	ck_assert_str_eq(err.code, "GS1-DATE");
	ck_assert(!gs1_parse("(01)" GTIN "(17)2706", &v, &err));
	ck_assert_str_eq(err.code, "GS1-SHAPE");
	ck_assert(!gs1_parse("(17)270630(10)A", &v, &err));
	ck_assert_str_eq(err.code, "GS1-GTIN");
	ck_assert(!gs1_parse("(01)" GTIN "(10)", &v, &err));
	ck_assert(!gs1_parse("(01)" GTIN "(10)ABCDEFGHIJKLMNOPQRSTU", &v, &err));
	ck_assert(!gs1_parse("(01)" GTIN "(90)X", &v, &err));
	ck_assert_str_eq(err.code, "GS1-AI");
	ck_assert(!gs1_parse("Hep B", &v, &err));
	ck_assert(!gs1_parse("", &v, &err));
	ck_assert(!gs1_parse(NULL, &v, &err));
}
END_TEST

START_TEST(test_looks_scanned)
{
	ck_assert(gs1_looks_scanned("(01)" GTIN));
	ck_assert(gs1_looks_scanned("]d201" GTIN));
	ck_assert(gs1_looks_scanned("01" GTIN "10A"));
	ck_assert(!gs1_looks_scanned("08"));
	ck_assert(!gs1_looks_scanned("0149"));
	ck_assert(!gs1_looks_scanned("Pediarix"));
	ck_assert(!gs1_looks_scanned(NULL));
}
END_TEST

Suite *gs1_suite(void)
{
	Suite *s = suite_create("gs1");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_gtin_check_digit);
	tcase_add_test(tc, test_parens);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_looks_scanned);
	suite_add_tcase(s, tc);
	return s;
}
