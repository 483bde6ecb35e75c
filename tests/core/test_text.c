/* tests/core/test_text.c - UTF-8 handling and name folding. */
#include <check.h>
#include <string.h>

#include "core/text.h"
#include "tests/suites.h"

START_TEST(copy_truncates_on_char_boundary)
{
	char buf[6];
	/* "Peña" is P e ñ(2 bytes) a = 5 bytes; cap 4 must not split ñ */
	ck_assert_uint_eq(text_copy(buf, 4, "Peña"), 2);
	ck_assert_str_eq(buf, "Pe");
	ck_assert_uint_eq(text_copy(buf, sizeof buf, "Peña"), 5);
	ck_assert_str_eq(buf, "Peña");
	ck_assert_uint_eq(text_copy(buf, sizeof buf, NULL), 0);
	ck_assert_str_eq(buf, "");
	ck_assert(text_utf8_valid(buf));
}
END_TEST

START_TEST(utf8_validation)
{
	ck_assert(text_utf8_valid("Nguyễn"));
	ck_assert(text_utf8_valid("김민준"));
	ck_assert(!text_utf8_valid("\xC3"));             /* truncated */
	ck_assert(!text_utf8_valid("\xC0\xAF"));         /* overlong '/' */
	ck_assert(!text_utf8_valid("\xED\xA0\x80"));     /* surrogate */
	ck_assert(!text_utf8_valid("\xF4\x90\x80\x80")); /* > U+10FFFF */
	ck_assert(!text_utf8_valid("\xFF"));
	ck_assert_uint_eq(text_utf8_len("Nguyễn"), 6);
}
END_TEST

START_TEST(folding)
{
	char out[64];
	text_fold("Peña", out, sizeof out);
	ck_assert_str_eq(out, "PENA");
	text_fold("O'Neil", out, sizeof out);
	ck_assert_str_eq(out, "ONEIL");
	text_fold("Nguyễn", out, sizeof out);
	ck_assert_str_eq(out, "NGUYEN");
	text_fold("Đặng", out, sizeof out);
	ck_assert_str_eq(out, "DANG");
	text_fold("García-López", out, sizeof out);
	ck_assert_str_eq(out, "GARCIALOPEZ");
	text_fold("Strauß", out, sizeof out);
	ck_assert_str_eq(out, "STRAUSS");
	text_fold_words("de la Peña-Garza", out, sizeof out);
	ck_assert_str_eq(out, "DE LA PENA GARZA");
	text_fold_words("  Mary   Ann ", out, sizeof out);
	ck_assert_str_eq(out, "MARY ANN");
	text_fold("ÀÉÎÕÜÇÑ", out, sizeof out);
	ck_assert_str_eq(out, "AEIOUCN");
	/* small buffers truncate, never overflow */
	text_fold("Hernández", out, 4);
	ck_assert_str_eq(out, "HER");
	ck_assert_int_eq(text_fold_char(0x4E2D), 0); /* 中 has no ASCII form */
}
END_TEST

START_TEST(trim_digits)
{
	char s[] = "  \tLopez \t";
	ck_assert_str_eq(text_trim(s), "Lopez");
	char d[16];
	text_digits("(512) 555-0100", d, sizeof d);
	ck_assert_str_eq(d, "5125550100");
	ck_assert(text_ieq("im", "IM"));
	ck_assert(!text_ieq("im", "IMX"));
}
END_TEST

Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, copy_truncates_on_char_boundary);
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, folding);
	tcase_add_test(tc, trim_digits);
	suite_add_tcase(s, tc);
	return s;
}
