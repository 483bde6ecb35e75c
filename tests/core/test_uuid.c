/* tests/core/test_uuid.c - record identifiers. */
#include <check.h>
#include <string.h>

#include "core/uuid.h"
#include "tests/suites.h"

START_TEST(v4_shape_and_uniqueness)
{
	char a[UUID_STR_LEN], b[UUID_STR_LEN];
	uuid_v4(a);
	uuid_v4(b);
	ck_assert(uuid_valid(a));
	ck_assert_uint_eq(strlen(a), 36);
	ck_assert_int_eq(a[14], '4');             /* version */
	ck_assert(strchr("89ab", a[19]) != NULL); /* variant */
	ck_assert_str_ne(a, b);
	ck_assert(!uuid_valid("not-a-uuid"));
	ck_assert(!uuid_valid("123e4567-e89b-12d3-a456-42661417400g"));
	ck_assert(!uuid_valid("123e4567e89b-12d3-a456-4266141740000"));
	ck_assert(uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
}
END_TEST

Suite *uuid_suite(void)
{
	Suite *s = suite_create("uuid");
	TCase *tc = tcase_create("uuid");
	tcase_add_test(tc, v4_shape_and_uniqueness);
	suite_add_tcase(s, tc);
	return s;
}
