/* tests/forms/test_field_edit.c - the pure field editor, no terminal:
 * every editing function, multi-byte names, wide characters, combining
 * marks, scrolling in narrow fields and masked fields. */
#include <check.h>
#include <locale.h>
#include <string.h>

#include "forms/field_edit.h"
#include "tests/suites.h"

static struct field_edit fe;

static void setup(void)
{
	/* display widths come from the locale, as in the program */
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	field_init(&fe, 40, 20);
}

static void teardown(void)
{
	setlocale(LC_ALL, "C");
}

static const char *text(void)
{
	static char buf[FIELD_MAX_LEN * 4 + 1];
	field_get_utf8(&fe, buf, sizeof buf);
	return buf;
}

static void type(const wchar_t *s)
{
	for (; *s; s++)
		ck_assert_int_eq(field_insert(&fe, *s), FIELD_CHANGED);
}

static void visible_is(const wchar_t *want, int cursor_col)
{
	wchar_t got[FIELD_MAX_LEN + 1];
	struct field_view v;
	field_visible(&fe, got, FIELD_MAX_LEN + 1);
	field_view(&fe, &v);
	ck_assert_msg(wcscmp(got, want) == 0, "visible '%ls', want '%ls'", got, want);
	ck_assert_int_eq(v.cursor_col, cursor_col);
	ck_assert_int_le(v.cols, fe.width);
	ck_assert_int_lt(v.cursor_col, fe.width);
}

START_TEST(insert_and_move)
{
	type(L"Smth");
	ck_assert_str_eq(text(), "Smth");
	ck_assert_uint_eq(fe.cursor, 4);
	ck_assert_int_eq(field_left(&fe), FIELD_MOVED);
	ck_assert_int_eq(field_left(&fe), FIELD_MOVED);
	type(L"i");
	ck_assert_str_eq(text(), "Smith");
	ck_assert_uint_eq(fe.cursor, 3);
	ck_assert_int_eq(field_home(&fe), FIELD_MOVED);
	ck_assert_int_eq(field_home(&fe), FIELD_NOOP);
	ck_assert_int_eq(field_left(&fe), FIELD_NOOP);
	ck_assert_int_eq(field_end(&fe), FIELD_MOVED);
	ck_assert_int_eq(field_end(&fe), FIELD_NOOP);
	ck_assert_int_eq(field_right(&fe), FIELD_NOOP);
	ck_assert_uint_eq(fe.cursor, 5);
	/* control characters never get in */
	ck_assert_int_eq(field_insert(&fe, L'\t'), FIELD_REJECTED);
	ck_assert_int_eq(field_insert(&fe, 0x1b), FIELD_REJECTED);
	ck_assert_int_eq(field_insert(&fe, 0x85), FIELD_REJECTED);
	ck_assert_int_eq(field_insert(&fe, 0), FIELD_REJECTED);
	ck_assert_str_eq(text(), "Smith");
}
END_TEST

START_TEST(backspace_delete)
{
	type(L"Jones");
	ck_assert_int_eq(field_backspace(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Jone");
	ck_assert_int_eq(field_delete(&fe), FIELD_NOOP); /* at the end */
	field_home(&fe);
	ck_assert_int_eq(field_backspace(&fe), FIELD_NOOP); /* at the start */
	ck_assert_int_eq(field_delete(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "one");
	ck_assert_uint_eq(fe.cursor, 0);
	field_right(&fe);
	ck_assert_int_eq(field_backspace(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "ne");
	ck_assert_uint_eq(fe.cursor, 0);
}
END_TEST

START_TEST(kill_eol_and_line)
{
	type(L"Garcia Lopez");
	field_home(&fe);
	field_word_right(&fe);
	ck_assert_int_eq(field_kill_eol(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Garcia");
	ck_assert_int_eq(field_kill_eol(&fe), FIELD_NOOP);
	ck_assert_int_eq(field_kill_line(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "");
	ck_assert(field_is_empty(&fe));
	ck_assert_uint_eq(fe.cursor, 0);
	ck_assert_int_eq(field_kill_line(&fe), FIELD_NOOP);
}
END_TEST

START_TEST(word_moves)
{
	type(L"Mary-Jane  O’Neil");
	/* from the end: Neil, O, Jane, Mary */
	ck_assert_int_eq(field_word_left(&fe), FIELD_MOVED);
	ck_assert_uint_eq(fe.cursor, 13);
	field_word_left(&fe);
	ck_assert_uint_eq(fe.cursor, 11);
	field_word_left(&fe);
	ck_assert_uint_eq(fe.cursor, 5);
	field_word_left(&fe);
	ck_assert_uint_eq(fe.cursor, 0);
	ck_assert_int_eq(field_word_left(&fe), FIELD_NOOP);
	field_word_right(&fe);
	ck_assert_uint_eq(fe.cursor, 4);
	field_word_right(&fe);
	ck_assert_uint_eq(fe.cursor, 9);
	field_word_right(&fe);
	ck_assert_uint_eq(fe.cursor, 12);
	field_word_right(&fe);
	ck_assert_uint_eq(fe.cursor, 17);
	ck_assert_int_eq(field_word_right(&fe), FIELD_NOOP);

	/* accented and combined letters are part of their word */
	field_kill_line(&fe);
	type(L"Nguye\x0302\x0303n Pen\x0303"
	     L"a");
	field_word_left(&fe);
	ck_assert_uint_eq(fe.cursor, 9);
	field_word_left(&fe);
	ck_assert_uint_eq(fe.cursor, 0);
	field_word_right(&fe);
	ck_assert_uint_eq(fe.cursor, 8);
}
END_TEST

START_TEST(utf8_names)
{
	static const char *const names[] = {"Peña",        "Nguyễn",       "김민준",
	                                    "Zoë O’Brien", "Jose\xcc\x81", "Đặng"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_int_eq(field_set_utf8(&fe, names[i], (size_t)-1), FIELD_CHANGED);
		ck_assert_str_eq(text(), names[i]);
	}
	ck_assert_int_eq(field_set_utf8(&fe, "Peña", (size_t)-1), FIELD_CHANGED);
	ck_assert_uint_eq(fe.len, 4);
	ck_assert_uint_eq(fe.cursor, 4);
	ck_assert_int_eq(field_backspace(&fe), FIELD_CHANGED);
	ck_assert_int_eq(field_backspace(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Pe");
	type(L"ñ");
	ck_assert_str_eq(text(), "Peñ");

	ck_assert_int_eq(field_set_utf8(&fe, "Nguyễn", (size_t)-1), FIELD_CHANGED);
	ck_assert_uint_eq(fe.len, 6);
	field_left(&fe);
	field_left(&fe);
	ck_assert_int_eq(field_delete(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Nguyn");

	/* a length instead of a NUL */
	ck_assert_int_eq(field_set_utf8(&fe, "Peña Gómez", 5), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Peña");
}
END_TEST

START_TEST(utf8_refused)
{
	field_set_utf8(&fe, "Keep", (size_t)-1);
	ck_assert_int_eq(field_set_utf8(&fe,
	                                "Pe\xf1"
	                                "a",
	                                (size_t)-1),
	                 FIELD_BAD_UTF8); /* Latin-1 */
	ck_assert_int_eq(field_set_utf8(&fe, "\xc3", (size_t)-1), FIELD_BAD_UTF8);
	ck_assert_int_eq(field_set_utf8(&fe, "a\tb", (size_t)-1), FIELD_REJECTED);
	ck_assert_int_eq(field_set_utf8(&fe, "a\nb", (size_t)-1), FIELD_REJECTED);
	ck_assert_str_eq(text(), "Keep");
}
END_TEST

START_TEST(max_length)
{
	field_init(&fe, 5, 10);
	type(L"Smith");
	ck_assert_int_eq(field_insert(&fe, L's'), FIELD_FULL);
	ck_assert_str_eq(text(), "Smith");
	/* too long from a record: cut to fit, and said so */
	ck_assert_int_eq(field_set_utf8(&fe, "Washington", (size_t)-1), FIELD_FULL);
	ck_assert_str_eq(text(), "Washi");
	/* never keep a letter whose accent was cut off */
	ck_assert_int_eq(field_set_utf8(&fe, "Jose\xcc\x81\xcc\x81", (size_t)-1), FIELD_FULL);
	ck_assert_str_eq(text(), "Jos");
	/* 0 and oversize limits mean the largest */
	field_init(&fe, 0, 10);
	ck_assert_uint_eq(fe.max_len, FIELD_MAX_LEN);
	field_init(&fe, FIELD_MAX_LEN + 100, 0);
	ck_assert_uint_eq(fe.max_len, FIELD_MAX_LEN);
	ck_assert_int_eq(fe.width, 1);
}
END_TEST

START_TEST(get_utf8_short_buffer)
{
	char small[6];
	field_set_utf8(&fe, "Peñaloza", (size_t)-1);
	/* 9 bytes in all; only whole characters are written */
	ck_assert_uint_eq(field_get_utf8(&fe, small, sizeof small), 9);
	ck_assert_str_eq(small, "Peña");
	ck_assert_uint_eq(field_get_utf8(&fe, small, 4), 9);
	ck_assert_str_eq(small, "Pe");
	ck_assert_uint_eq(field_get_utf8(&fe, NULL, 0), 9);
}
END_TEST

START_TEST(combining_marks)
{
	/* é typed as e + U+0301 is one unit */
	type(L"Jose\x0301");
	ck_assert_uint_eq(fe.len, 5);
	ck_assert_int_eq(field_columns(&fe, 0, fe.len), 4);
	ck_assert_int_eq(field_left(&fe), FIELD_MOVED);
	ck_assert_uint_eq(fe.cursor, 3);
	ck_assert_int_eq(field_right(&fe), FIELD_MOVED);
	ck_assert_uint_eq(fe.cursor, 5);
	ck_assert_int_eq(field_backspace(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Jos");
	/* a mark typed after a letter joins it */
	type(L"e");
	type(L"\x0301");
	field_home(&fe);
	field_right(&fe);
	field_right(&fe);
	field_right(&fe);
	ck_assert_uint_eq(fe.cursor, 3);
	ck_assert_int_eq(field_delete(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Jos");
	/* an accent with no letter before it is refused */
	field_home(&fe);
	ck_assert_int_eq(field_insert(&fe, 0x0301), FIELD_REJECTED);
	/* a record that starts with a stray mark: a letter typed before it
	 * takes it, and the cursor goes past the pair */
	field_set_utf8(&fe,
	               "\xcc\x81"
	               "a",
	               (size_t)-1);
	field_home(&fe);
	ck_assert_int_eq(field_insert(&fe, L'e'), FIELD_CHANGED);
	ck_assert_uint_eq(fe.cursor, 2);
	ck_assert_str_eq(text(), "e\xcc\x81"
	                         "a");
	/* Vietnamese with two stacked marks: ê + ̃  */
	field_kill_line(&fe);
	type(L"Nguye\x0302\x0303n");
	ck_assert_int_eq(field_columns(&fe, 0, fe.len), 6);
	field_left(&fe);
	field_left(&fe);
	ck_assert_uint_eq(fe.cursor, 4);
	visible_is(L"Nguye\x0302\x0303n", 4);
	ck_assert_int_eq(field_delete(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "Nguyn");
}
END_TEST

START_TEST(wide_cjk)
{
	field_init(&fe, 20, 7);
	type(L"김민준");
	ck_assert_int_eq(field_columns(&fe, 0, fe.len), 6);
	/* 6 columns plus the cursor cell fit in 7 */
	visible_is(L"김민준", 6);
	type(L"a");
	/* now 7 columns + cursor: the first syllable scrolls out */
	visible_is(L"민준a", 5);
	struct field_view v;
	field_view(&fe, &v);
	ck_assert(v.more_left);
	ck_assert(!v.more_right);
	field_home(&fe);
	visible_is(L"김민준a", 0);
	field_right(&fe);
	visible_is(L"김민준a", 2);
	ck_assert_int_eq(field_backspace(&fe), FIELD_CHANGED);
	ck_assert_str_eq(text(), "민준a");
	/* a wide character never shows half: width 3 holds one syllable + 1 */
	field_set_width(&fe, 3);
	field_home(&fe);
	visible_is(L"민", 0);
	field_view(&fe, &v);
	ck_assert(v.more_right);
	/* a field narrower than a wide character still shows the cursor */
	field_set_width(&fe, 1);
	field_view(&fe, &v);
	ck_assert_int_eq(v.cursor_col, 0);
	ck_assert_uint_eq(v.end, v.start);
}
END_TEST

START_TEST(scroll_narrow)
{
	field_init(&fe, 40, 5);
	type(L"Washington");
	/* the cursor sits after the text, in the last column */
	visible_is(L"gton", 4);
	struct field_view v;
	field_view(&fe, &v);
	ck_assert(v.more_left);
	ck_assert(!v.more_right);
	field_home(&fe);
	visible_is(L"Washi", 0);
	field_view(&fe, &v);
	ck_assert(!v.more_left);
	ck_assert(v.more_right);
	for (int i = 0; i < 5; i++)
		field_right(&fe);
	/* moving right past the edge scrolls one character at a time */
	visible_is(L"ashin", 4);
	field_right(&fe);
	visible_is(L"shing", 4);
	field_word_left(&fe);
	visible_is(L"Washi", 0);
	/* deleting pulls hidden text back into view */
	field_end(&fe);
	visible_is(L"gton", 4);
	field_backspace(&fe);
	field_backspace(&fe);
	field_backspace(&fe);
	visible_is(L"hing", 4);
	field_kill_line(&fe);
	visible_is(L"", 0);
	/* growing the window shows more; shrinking keeps the cursor in view */
	type(L"Brownsville");
	field_set_width(&fe, 20);
	visible_is(L"Brownsville", 11);
	field_set_width(&fe, 3);
	visible_is(L"le", 2);
}
END_TEST

START_TEST(masked)
{
	field_init(&fe, 64, 6);
	field_set_masked(&fe, true);
	type(L"Pässwörd9");
	ck_assert_str_eq(text(), "Pässwörd9");
	visible_is(L"*****", 5);
	field_home(&fe);
	visible_is(L"******", 0);
	field_right(&fe);
	visible_is(L"******", 1);
	/* combining marks do not betray themselves with extra stars */
	field_kill_line(&fe);
	type(L"e\x0301"
	     L"a");
	ck_assert_uint_eq(fe.len, 3);
	visible_is(L"**", 2);
	field_set_masked(&fe, false);
	visible_is(L"e\x0301"
	           L"a",
	           2);
	/* wide characters are one star each */
	field_set_masked(&fe, true);
	field_kill_line(&fe);
	type(L"김민");
	visible_is(L"**", 2);
}
END_TEST

Suite *field_edit_suite(void)
{
	Suite *s = suite_create("field_edit");
	TCase *tc = tcase_create("edit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, insert_and_move);
	tcase_add_test(tc, backspace_delete);
	tcase_add_test(tc, kill_eol_and_line);
	tcase_add_test(tc, word_moves);
	tcase_add_test(tc, utf8_names);
	tcase_add_test(tc, utf8_refused);
	tcase_add_test(tc, max_length);
	tcase_add_test(tc, get_utf8_short_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("display");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, combining_marks);
	tcase_add_test(tc, wide_cjk);
	tcase_add_test(tc, scroll_narrow);
	tcase_add_test(tc, masked);
	suite_add_tcase(s, tc);
	return s;
}
