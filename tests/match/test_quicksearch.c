/* tests/match/test_quicksearch.c - the one-line Quick search box. */
#include <check.h>
#include <string.h>

#include "core/quicksearch.h"
#include "tests/suites.h"

static struct quick_search qs;
static struct vax_error err;

static bool parse(const char *line)
{
	error_clear(&err);
	return quick_search_parse(line, &qs, &err);
}

START_TEST(registry_ids)
{
	ck_assert(parse("TX00012345"));
	ck_assert_int_eq(qs.kind, QUICK_ID);
	ck_assert_str_eq(qs.id, "TX00012345");
	ck_assert(!qs.scanned);
	ck_assert(parse("  tx1234  "));
	ck_assert_str_eq(qs.id, "TX1234");
	ck_assert(parse("123456789"));
	ck_assert_str_eq(qs.id, "123456789");
	ck_assert(quick_search_is_id("1234"));
	ck_assert(!quick_search_is_id("123"));
	ck_assert(!quick_search_is_id("TXX1234"));
	ck_assert(!quick_search_is_id("123456789012345678901")); /* 21 digits */
	ck_assert(!quick_search_is_id("12 34"));
	/* the registry's 9-digit ID read over the phone in groups */
	ck_assert(parse("100 000 009"));
	ck_assert_int_eq(qs.kind, QUICK_ID);
	ck_assert_str_eq(qs.id, "100000009");
	ck_assert(parse("100-000-009"));
	ck_assert_str_eq(qs.id, "100000009");
	/* a UUID (the registry's id of the record, or the record's own), kept in lower case */
	ck_assert(parse(" 0E8A1B2C-3D4E-4F50-8a6b-7C8D9E0F1A2B "));
	ck_assert_int_eq(qs.kind, QUICK_ID);
	ck_assert(qs.uuid);
	ck_assert_str_eq(qs.id, "0e8a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b");
	ck_assert(parse("123456789"));
	ck_assert(!qs.uuid);
}
END_TEST

START_TEST(scanned_cards)
{
	ck_assert(parse("ID:TX00012345\r"));
	ck_assert_int_eq(qs.kind, QUICK_ID);
	ck_assert(qs.scanned);
	ck_assert_str_eq(qs.id, "TX00012345");
	ck_assert(parse("id: 98765432\t\n"));
	ck_assert_str_eq(qs.id, "98765432");
	ck_assert(!parse("ID:García"));
	ck_assert_str_eq(err.code, "QS-BARCODE");
	ck_assert(!parse("ID:"));
	ck_assert_str_eq(err.code, "QS-BARCODE");
}
END_TEST

START_TEST(names_and_dob)
{
	ck_assert(parse("García López, María Guadalupe 03/15/2019"));
	ck_assert_int_eq(qs.kind, QUICK_NAME);
	ck_assert_str_eq(qs.query.name.family, "García López");
	ck_assert_str_eq(qs.query.name.given, "María Guadalupe");
	ck_assert_int_eq(qs.query.dob, date_from_ymd(2019, 3, 15));

	ck_assert(parse("smith,bill 3/4/2019"));
	ck_assert_str_eq(qs.query.name.family, "smith");
	ck_assert_str_eq(qs.query.name.given, "bill");
	ck_assert_int_eq(qs.query.dob, date_from_ymd(2019, 3, 4));

	ck_assert(parse("Nguyễn, Minh"));
	ck_assert_str_eq(qs.query.name.given, "Minh");
	ck_assert_int_eq(qs.query.dob, DATE_NONE);

	ck_assert(parse("De La Cruz 01-02-2020"));
	ck_assert_str_eq(qs.query.name.family, "De La Cruz");
	ck_assert_str_eq(qs.query.name.given, "");
	ck_assert_int_eq(qs.query.dob, date_from_ymd(2020, 1, 2));

	ck_assert(parse("Garcia, Maria, 03152019"));
	ck_assert_str_eq(qs.query.name.given, "Maria");
	ck_assert_int_eq(qs.query.dob, date_from_ymd(2019, 3, 15));

	ck_assert(parse("O'Neil-Peña, Ana,"));
	ck_assert_str_eq(qs.query.name.family, "O'Neil-Peña");
	ck_assert_str_eq(qs.query.name.given, "Ana");

	/* eight digits that make a date are a DOB, not an ID */
	ck_assert(parse("03152019"));
	ck_assert_int_eq(qs.kind, QUICK_NAME);
	ck_assert_int_eq(qs.query.dob, date_from_ymd(2019, 3, 15));
	ck_assert(parse("99999999"));
	ck_assert_int_eq(qs.kind, QUICK_ID);
}
END_TEST

START_TEST(mistakes_get_a_sentence)
{
	ck_assert(!parse(""));
	ck_assert_str_eq(err.code, "QS-EMPTY");
	ck_assert(!parse("   \t "));
	ck_assert_str_eq(err.code, "QS-EMPTY");
	ck_assert(!parse(NULL));
	ck_assert(!parse("Garcia, Maria 02/30/2019"));
	ck_assert_str_eq(err.code, "QS-DOB");
	ck_assert(strstr(err.message, "MM/DD/YYYY"));
	ck_assert(!parse("Garcia, Maria 03/15/19"));
	ck_assert_str_eq(err.code, "QS-DOB");
	ck_assert(!parse("Garc1a, Maria"));
	ck_assert_str_eq(err.code, "QS-NAME");
	ck_assert(!parse("Garcia, Maria 2 03/15/2019"));
	ck_assert_str_eq(err.code, "QS-NAME");
	ck_assert(!parse("\xC3("));
	ck_assert_str_eq(err.code, "QS-ENCODING");
	ck_assert(!parse(", , ,"));
	ck_assert(!parse("--, ''"));
	ck_assert_str_eq(err.code, "QS-NAME");
	char big[1000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert(!parse(big));
	ck_assert_str_eq(err.code, "QS-NAME");
}
END_TEST

Suite *quick_search_suite(void)
{
	Suite *s = suite_create("quick_search");
	TCase *tc = tcase_create("quick_search");
	tcase_add_test(tc, registry_ids);
	tcase_add_test(tc, scanned_cards);
	tcase_add_test(tc, names_and_dob);
	tcase_add_test(tc, mistakes_get_a_sentence);
	suite_add_tcase(s, tc);
	return s;
}
