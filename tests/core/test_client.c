/* tests/core/test_client.c - client and dose value types. */
#include <check.h>
#include <string.h>

#include "core/client.h"
#include "core/immunization.h"
#include "core/vocab.h"
#include "tests/suites.h"

START_TEST(init_and_names)
{
	struct client c;
	client_init(&c);
	ck_assert_int_eq(c.dob, DATE_NONE);
	ck_assert_int_eq(c.sex, SEX_NONE);
	ck_assert_str_eq(c.tracking_schedule, "ACIP");
	strcpy(c.name.family, "Nguyễn");
	strcpy(c.name.given, "Thị");
	strcpy(c.name.middle, "Lan");
	char buf[128];
	ck_assert_str_eq(client_display_name(&c.name, buf, sizeof buf), "Nguyễn, Thị Lan");
	struct person_name aka = {.family = "Tran", .given = "Lan"};
	for (int i = 0; i < CLIENT_AKA_MAX; i++)
		ck_assert(client_add_aka(&c, &aka));
	ck_assert(!client_add_aka(&c, &aka));
	ck_assert_ptr_null(client_find_ident(&c, "SR"));
	c.n_ident = 1;
	strcpy(c.ident[0].type, "SR");
	strcpy(c.ident[0].value, "TX123");
	ck_assert_str_eq(client_find_ident(&c, "SR")->value, "TX123");
}
END_TEST

START_TEST(sex_codes)
{
	ck_assert_str_eq(client_sex_code(SEX_FEMALE), "F");
	ck_assert_str_eq(client_sex_code(SEX_NONE), "");
	ck_assert_int_eq(client_sex_from_code("m"), SEX_MALE);
	ck_assert_int_eq(client_sex_from_code("U"), SEX_UNKNOWN);
	ck_assert_int_eq(client_sex_from_code("Q"), SEX_NONE);
	ck_assert_str_eq(client_sex_label(SEX_NONBINARY), "X (non-binary)");
	ck_assert_str_eq(client_org_status_label(ORG_STATUS_MOVED), "Inactive: moved or gone elsewhere");
	ck_assert_str_eq(client_comment_kind_label(COMMENT_REACTION), "Reaction");
}
END_TEST

START_TEST(volumes)
{
	int ul;
	char buf[16];
	ck_assert(imm_parse_volume("0.5", &ul));
	ck_assert_int_eq(ul, 500);
	ck_assert(imm_parse_volume(".25 mL", &ul));
	ck_assert_int_eq(ul, 250);
	ck_assert(imm_parse_volume("1", &ul));
	ck_assert_int_eq(ul, 1000);
	ck_assert(!imm_parse_volume("0", &ul));
	ck_assert(!imm_parse_volume("half", &ul));
	ck_assert(!imm_parse_volume("0.0001", &ul));
	ck_assert(!imm_parse_volume("", &ul));
	ck_assert(!imm_parse_volume("500", &ul));
	ck_assert_str_eq(imm_format_volume(500, buf, sizeof buf), "0.5");
	ck_assert_str_eq(imm_format_volume(250, buf, sizeof buf), "0.25");
	ck_assert_str_eq(imm_format_volume(2000, buf, sizeof buf), "2");
	struct immunization im;
	imm_init(&im);
	ck_assert_str_eq(im.info_source, "00");
	ck_assert_int_eq(im.date_given, DATE_NONE);
}
END_TEST

START_TEST(vocabularies)
{
	ck_assert_str_eq(vocab_label(VOCAB_SITE, "lt"), "Left thigh");
	ck_assert_str_eq(vocab_label(VOCAB_SITE, "nowhere"), "");
	ck_assert_ptr_nonnull(vocab_find(VOCAB_VFC, "V03"));
	ck_assert_ptr_null(vocab_find(VOCAB_VFC, NULL));
	for (int v = 0; v < VOCAB_COUNT; v++) {
		size_t n;
		const struct vocab_entry *e = vocab_entries((enum vocab)v, &n);
		ck_assert_uint_gt(n, 0);
		ck_assert_str_ne(vocab_name((enum vocab)v), "");
		for (size_t i = 0; i < n; i++)
			ck_assert_str_ne(e[i].label, "");
	}
}
END_TEST

Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");
	tcase_add_test(tc, init_and_names);
	tcase_add_test(tc, sex_codes);
	tcase_add_test(tc, volumes);
	tcase_add_test(tc, vocabularies);
	suite_add_tcase(s, tc);
	return s;
}
