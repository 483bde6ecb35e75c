/* tests/core/test_csv.c - the RFC 4180 reader. */
#include <check.h>
#include <string.h>

#include "core/csv.h"
#include "tests/suites.h"

START_TEST(quoted_fields_and_lines)
{
	const char *in = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n3,,last";
	struct csv_reader r;
	struct csv_row row = {0};
	struct vax_error err = {0};
	csv_init(&r, "t.csv", in, strlen(in));
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ROW);
	ck_assert_int_eq(row.n, 3);
	ck_assert_int_eq(row.line, 1);
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ROW);
	ck_assert_str_eq(row.field[1], "x, y");
	ck_assert_str_eq(row.field[2], "say \"hi\"");
	ck_assert_int_eq(row.line, 2);
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ROW);
	ck_assert_str_eq(row.field[1], "two\nlines");
	ck_assert_str_eq(row.field[2], "");
	ck_assert_int_eq(row.line, 3);
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ROW);
	ck_assert_int_eq(row.line, 5);
	ck_assert_str_eq(row.field[2], "last");
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_END);
	csv_row_free(&row);
}
END_TEST

START_TEST(unterminated_quote)
{
	const char *in = "a,b\n1,\"never closed\n2,3\n";
	struct csv_reader r;
	struct csv_row row = {0};
	struct vax_error err = {0};
	csv_init(&r, "cut.csv", in, strlen(in));
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ROW);
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ERROR);
	ck_assert_str_eq(err.code, "CSV-QUOTE");
	ck_assert_ptr_nonnull(strstr(err.message, "cut.csv:2:"));
	csv_row_free(&row);
}
END_TEST

START_TEST(garbage_after_quote_and_nul)
{
	const char *in = "\"a\"b,c\n";
	struct csv_reader r;
	struct csv_row row = {0};
	struct vax_error err = {0};
	csv_init(&r, "g.csv", in, strlen(in));
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ERROR);
	const char bin[] = "a,b\n\0\0\0";
	csv_init(&r, "bin.csv", bin, sizeof bin - 1);
	ck_assert_int_eq(csv_next(&r, &row, &err), CSV_ERROR);
	ck_assert_str_eq(err.code, "CSV-NUL");
	csv_row_free(&row);
}
END_TEST

Suite *csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("csv");
	tcase_add_test(tc, quoted_fields_and_lines);
	tcase_add_test(tc, unterminated_quote);
	tcase_add_test(tc, garbage_after_quote_and_nul);
	suite_add_tcase(s, tc);
	return s;
}
