/* tests/match/test_nickname.c - the nickname table and its text twin. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nickname.h"
#include "tests/suites.h"
#include "tests/testutil.h"

START_TEST(pairs_the_desk_sees)
{
	static const char *const pairs[][2] = {
	    {"Bill", "William"},   {"Chuy", "Jesús"},    {"Lupe", "Guadalupe"},   {"Pepe", "José"},
	    {"Paco", "Francisco"}, {"Nacho", "Ignacio"}, {"Beto", "Alberto"},     {"Beto", "Roberto"},
	    {"Memo", "Guillermo"}, {"Lalo", "Eduardo"},  {"Kathy", "Katherine"},  {"Liz", "Elizabeth"},
	    {"William", "Bill"},   {"JESUS", "chuy"},    {"Lupita", "Guadalupe"}, {"Pancho", "Francisco"},
	    {"Juan", "John"},      {"Tony", "Antonio"},  {"Toño", "Antonio"},     {"Concha", "Concepción"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		ck_assert_msg(nickname_related(pairs[i][0], pairs[i][1]), "%s / %s", pairs[i][0],
		              pairs[i][1]);
	/* two nicknames of one name */
	ck_assert(nickname_related("Memo", "Guille"));
	ck_assert(nickname_related("Paco", "Pancho"));
}
END_TEST

START_TEST(unrelated_and_empty)
{
	ck_assert(!nickname_related("Bill", "Robert"));
	ck_assert(!nickname_related("Beto", "Bill"));
	ck_assert(!nickname_related("Lupe", "Lucia"));
	ck_assert(!nickname_related("William", "William")); /* equal is not "related" */
	ck_assert(!nickname_related("", "William"));
	ck_assert(!nickname_related("Bill", ""));
	ck_assert(!nickname_related(NULL, NULL));
	ck_assert_ptr_null(nickname_find(""));
	ck_assert_ptr_null(nickname_find("ZZZZ"));
	ck_assert_ptr_nonnull(nickname_find("CHUY"));
	ck_assert_str_eq(nickname_find("CHUY")->full[0], "JESUS");
}
END_TEST

/* The compiled table is data/names/nicknames.txt, sorted: both must say the
 * same, and there must be a few hundred pairs. */
START_TEST(table_matches_text)
{
	size_t n;
	const struct nickname_entry *t = nickname_table(&n);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(strcmp(t[i - 1].nick, t[i].nick) < 0, "not sorted at %s", t[i].nick);
	size_t pairs = 0;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < NICKNAME_FULL_MAX && t[i].full[j]; j++)
			pairs++;
	ck_assert_uint_ge(pairs, 300);

	char path[4096];
	snprintf(path, sizeof path, "%s/data/names/nicknames.txt", testutil_srcdir());
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[512];
	size_t lines = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		lines++;
		char *save = NULL, *nick = strtok_r(line, " \n", &save);
		const struct nickname_entry *e = nickname_find(nick);
		ck_assert_msg(e != NULL, "%s is in the text but not compiled in", nick);
		int j = 0;
		for (char *w = strtok_r(NULL, " \n", &save); w; w = strtok_r(NULL, " \n", &save), j++)
			ck_assert_msg(j < NICKNAME_FULL_MAX && e->full[j] && strcmp(e->full[j], w) == 0,
			              "%s: %s differs", nick, w);
		ck_assert_msg(j == NICKNAME_FULL_MAX || !e->full[j], "%s: compiled row is longer", nick);
	}
	fclose(f);
	ck_assert_uint_eq(lines, n);
}
END_TEST

Suite *nickname_suite(void)
{
	Suite *s = suite_create("nickname");
	TCase *tc = tcase_create("nickname");
	tcase_add_test(tc, pairs_the_desk_sees);
	tcase_add_test(tc, unrelated_and_empty);
	tcase_add_test(tc, table_matches_text);
	suite_add_tcase(s, tc);
	return s;
}
