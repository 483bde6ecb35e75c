/* tests/match/test_phonetic.c - the sound-alike key and Jaro-Winkler. */
#include <check.h>
#include <string.h>

#include "core/phonetic.h"
#include "tests/suites.h"

static const char *code(const char *w)
{
	static char k[PHONETIC_LEN];
	phonetic_code(w, k);
	return k;
}

START_TEST(spanish_spellings_agree)
{
	ck_assert_str_eq(code("Hernández"), "ARNNTS");
	ck_assert_str_eq(code("Ernandes"), "ARNNTS");
	ck_assert_str_eq(code("HERNANDEZ"), "ARNNTS");
	ck_assert_str_eq(code("González"), code("Gonsales"));
	ck_assert_str_eq(code("Vásquez"), code("Basques"));
	ck_assert_str_eq(code("Vázquez"), code("Vasquez"));
	ck_assert_str_eq(code("Castillo"), code("Castilo"));
	ck_assert_str_eq(code("Jiménez"), code("Gimenez"));
	ck_assert_str_eq(code("Peña"), code("Pena"));
	ck_assert_str_eq(code("Rodríguez"), code("Rodriquez"));
	ck_assert_str_eq(code("Guerrero"), code("Guerero"));
	ck_assert(phonetic_equal("Ybarra", "Ibarra"));
	ck_assert(phonetic_equal("Zúñiga", "Suniga"));
}
END_TEST

START_TEST(english_and_vietnamese_spellings_agree)
{
	ck_assert_str_eq(code("Nguyễn"), "NN");
	ck_assert_str_eq(code("Ngyuen"), "NN");
	ck_assert_str_eq(code("Ngô"), "N");
	ck_assert_str_eq(code("Phillips"), code("Filips"));
	ck_assert_str_eq(code("Smith"), code("Smyth"));
	ck_assert_str_eq(code("Knight"), code("Night"));
	ck_assert_str_eq(code("Catherine"), code("Kathryn"));
	ck_assert_str_eq(code("O'Neil"), code("ONeill"));
	ck_assert_str_eq(code("Phạm"), "FM");
}
END_TEST

START_TEST(different_names_differ)
{
	ck_assert(!phonetic_equal("López", "Pérez"));
	ck_assert(!phonetic_equal("Martínez", "Ramírez"));
	ck_assert(!phonetic_equal("Smith", "Schmidt"));
	ck_assert(phonetic_equal("Maria", "Mario")); /* vowels after the first are not kept */
	ck_assert(!phonetic_equal("Juan", "Jose"));
}
END_TEST

START_TEST(edge_cases)
{
	ck_assert_str_eq(code(""), "");
	ck_assert_str_eq(code("1234"), "");
	ck_assert_str_eq(code("-'"), "");
	ck_assert_str_eq(code("김민준"), ""); /* no Latin letters */
	ck_assert(!phonetic_equal("", ""));
	ck_assert_str_eq(code("A"), "A");
	ck_assert_str_eq(code("X"), "S");
	ck_assert_str_eq(code("Alexander"), "ALKSNTR");
	/* long input: truncated key, no overflow */
	char longname[400];
	memset(longname, 'b', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_uint_le(strlen(code(longname)), PHONETIC_LEN - 1);
	ck_assert_str_eq(code("Wolfeschlegelsteinhausenbergerdorff"), "WLFXLJL");
}
END_TEST

START_TEST(jaro_winkler)
{
	ck_assert(phonetic_jaro_winkler("MARTHA", "MARHTA") > 0.96 &&
	          phonetic_jaro_winkler("MARTHA", "MARHTA") < 0.97);
	ck_assert(phonetic_jaro_winkler("DWAYNE", "DUANE") > 0.83 &&
	          phonetic_jaro_winkler("DWAYNE", "DUANE") < 0.85);
	ck_assert(phonetic_jaro_winkler("DIXON", "DICKSONX") > 0.81 &&
	          phonetic_jaro_winkler("DIXON", "DICKSONX") < 0.82);
	ck_assert(phonetic_jaro_winkler("GARCIA", "GARCIA") == 1.0);
	ck_assert(phonetic_jaro_winkler("", "") == 0.0);
	ck_assert(phonetic_jaro_winkler("ABC", "") == 0.0);
	ck_assert(phonetic_jaro_winkler("ABC", "XYZ") == 0.0);
	char a[300], b[300];
	memset(a, 'A', sizeof a - 1);
	a[sizeof a - 1] = '\0';
	memcpy(b, a, sizeof b);
	b[10] = 'B';
	double s = phonetic_jaro_winkler(a, b);
	ck_assert(s > 0.9 && s <= 1.0);
}
END_TEST

Suite *phonetic_suite(void)
{
	Suite *s = suite_create("phonetic");
	TCase *tc = tcase_create("phonetic");
	tcase_add_test(tc, spanish_spellings_agree);
	tcase_add_test(tc, english_and_vietnamese_spellings_agree);
	tcase_add_test(tc, different_names_differ);
	tcase_add_test(tc, edge_cases);
	tcase_add_test(tc, jaro_winkler);
	suite_add_tcase(s, tc);
	return s;
}
