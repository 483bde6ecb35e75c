/* tests/forms/test_form.c - the form model: focus, validation, messages,
 * dirty flag, read-only fields, code type-ahead and the field checks. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/rules.h"
#include "forms/form.h"
#include "forms/validate.h"
#include "tests/suites.h"

static const struct form_choice vaccines[] = {
    {"08", "Hep B, adolescent or pediatric"},
    {"20", "DTaP"},
    {"110", "DTaP-Hep B-IPV"},
    {"03", "MMR"},
    {"21", "varicella"},
    {"141", "Influenza, seasonal, injectable"},
    {"10", "IPV"},
};
#define N_VACCINES (sizeof vaccines / sizeof vaccines[0])

static const struct form_choice languages[] = {
    {"eng", "English"},
    {"spa", "Español"},
    {"vie", "Tiếng Việt"},
};

/* A date that must not be after *ctx (today): a validator with context. */
static const char *not_future(const char *value, const void *ctx, char *buf, size_t len)
{
	vax_date d, today = *(const vax_date *)ctx;
	char us[DATE_US_LEN];
	if (date_parse_us(value, &d) != DATE_OK)
		return NULL; /* the kind's check already spoke */
	if (d <= today)
		return NULL;
	snprintf(buf, len, "Cannot be after today (%s).", date_format_us(today, us));
	return buf;
}

static vax_date today;

static const struct form_field_spec client_specs[] = {
    {.id = "registry_id", .label = "Registry ID", .kind = FORM_TEXT, .flags = FORM_READONLY},
    {.id = "last", .label = "Last name", .kind = FORM_NAME, .flags = FORM_REQUIRED},
    {.id = "first", .label = "First name", .kind = FORM_NAME, .flags = FORM_REQUIRED},
    {.id = "dob",
     .label = "Birth date",
     .kind = FORM_DATE,
     .flags = FORM_REQUIRED,
     .validate = not_future,
     .ctx = &today},
    {.id = "phone", .label = "Phone", .kind = FORM_PHONE},
    {.id = "zip", .label = "ZIP", .kind = FORM_ZIP},
    {.id = "vaccine",
     .label = "Vaccine",
     .kind = FORM_CODE,
     .flags = FORM_REQUIRED,
     .choices = vaccines,
     .n_choices = N_VACCINES},
    {.id = "lang", .label = "Language", .kind = FORM_CODE, .choices = languages, .n_choices = 3},
    {.id = "vfc", .label = "VFC eligible", .kind = FORM_YESNO},
    {.id = "password", .label = "Password", .kind = FORM_PASSWORD, .max_len = 16},
};
enum { F_ID, F_LAST, F_FIRST, F_DOB, F_PHONE, F_ZIP, F_VACCINE, F_LANG, F_VFC, F_PW, F_COUNT };

static struct form *form;

static void setup(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	today = date_from_ymd(2026, 11, 22);
	form = form_new(client_specs, F_COUNT);
}

static void teardown(void)
{
	form_free(&form);
	ck_assert_ptr_null(form);
	setlocale(LC_ALL, "C");
}

static unsigned type(const wchar_t *s)
{
	unsigned r = 0;
	for (; *s; s++)
		r |= form_input(form, *s);
	return r;
}

static const char *value(size_t i)
{
	static char buf[1024];
	form_get_value(form, i, buf, sizeof buf);
	return buf;
}

static const char *message(size_t i)
{
	return form_field_at(form, i)->message;
}

/* Fill every field with good values, without making the form dirty. */
static void fill_good(void)
{
	form_set_value(form, F_LAST, "Nguyễn");
	form_set_value(form, F_FIRST, "José");
	form_set_value(form, F_DOB, "02/29/2024");
	form_set_value(form, F_PHONE, "(512) 555-0100");
	form_set_value(form, F_ZIP, "78701-1234");
	form_set_value(form, F_VACCINE, "08");
	form_set_value(form, F_VFC, "yes");
}

START_TEST(focus_skips_readonly)
{
	ck_assert_uint_eq(form_count(form), F_COUNT);
	ck_assert_int_eq(form_find(form, "dob"), F_DOB);
	ck_assert_int_eq(form_find(form, "nope"), -1);
	/* the read-only first field is skipped at the start */
	ck_assert_uint_eq(form_focus(form), F_LAST);
	ck_assert_uint_eq(form_apply(form, ACTION_NEXT_FIELD), FORM_REDRAW);
	ck_assert_uint_eq(form_focus(form), F_FIRST);
	form_apply(form, ACTION_PREV_FIELD);
	form_apply(form, ACTION_PREV_FIELD);
	/* wraps around to the end, never landing on the read-only field */
	ck_assert_uint_eq(form_focus(form), F_PW);
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_uint_eq(form_focus(form), F_LAST);
	ck_assert(!form_set_focus(form, F_ID));
	ck_assert(form_set_focus(form, F_ZIP));
	ck_assert_uint_eq(form_focus(form), F_ZIP);

	/* locking the focused field moves focus on and shows the reason */
	form_set_readonly(form, F_ZIP, true, "Locked: from vital records");
	ck_assert_uint_eq(form_focus(form), F_VACCINE);
	ck_assert_str_eq(form_field_at(form, F_ZIP)->lock_reason, "Locked: from vital records");
	form_set_focus(form, F_PHONE);
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_uint_eq(form_focus(form), F_VACCINE);
	form_set_readonly(form, F_ZIP, false, NULL);
	ck_assert_str_eq(form_field_at(form, F_ZIP)->lock_reason, "");
	form_set_focus(form, F_PHONE);
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_uint_eq(form_focus(form), F_ZIP);
}
END_TEST

START_TEST(all_readonly)
{
	static const struct form_field_spec specs[] = {
	    {.id = "a", .label = "A", .kind = FORM_TEXT, .flags = FORM_READONLY},
	    {.id = "b", .label = "B", .kind = FORM_TEXT, .flags = FORM_READONLY},
	};
	struct form *ro = form_new(specs, 2);
	ck_assert_uint_eq(form_focus(ro), 2);
	ck_assert_uint_eq(form_apply(ro, ACTION_NEXT_FIELD), 0);
	ck_assert_uint_eq(form_apply(ro, ACTION_BACKSPACE), FORM_REFUSED);
	ck_assert_uint_eq(form_input(ro, L'x'), FORM_REFUSED);
	ck_assert_uint_eq(form_apply(ro, ACTION_SUBMIT), FORM_SUBMIT | FORM_REDRAW);
	form_free(&ro);
}
END_TEST

START_TEST(dirty_flag)
{
	fill_good();
	/* loading a record is not a change */
	ck_assert(!form_dirty(form));
	/* moving is not a change */
	form_apply(form, ACTION_HOME);
	form_apply(form, ACTION_FIELD_RIGHT);
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert(!form_dirty(form));
	unsigned r = form_input(form, L'a');
	ck_assert_uint_eq(r, FORM_CHANGED | FORM_REDRAW);
	ck_assert(form_dirty(form));
	form_mark_saved(form);
	ck_assert(!form_dirty(form));
	/* a refused key is not a change */
	form_set_focus(form, F_DOB);
	ck_assert_uint_eq(form_input(form, L'x'), FORM_REFUSED);
	ck_assert(!form_dirty(form));
	ck_assert_uint_eq(form_apply(form, ACTION_BACKSPACE), FORM_CHANGED | FORM_REDRAW);
	ck_assert(form_dirty(form));
	/* cancel only reports; the screen asks "Discard changes?" */
	ck_assert_uint_eq(form_apply(form, ACTION_CANCEL), FORM_CANCEL);
	ck_assert(form_dirty(form));
}
END_TEST

START_TEST(validate_required_and_messages)
{
	size_t bad = 99;
	const char *msg = NULL;
	ck_assert(!form_validate(form, &bad, &msg));
	ck_assert_uint_eq(bad, F_LAST);
	ck_assert_str_eq(msg, "Required.");
	/* every field got its message, not just the first */
	ck_assert_str_eq(message(F_LAST), "Required.");
	ck_assert_str_eq(message(F_FIRST), "Required.");
	ck_assert_str_eq(message(F_DOB), "Required.");
	ck_assert_str_eq(message(F_VACCINE), "Required.");
	ck_assert_str_eq(message(F_PHONE), "");
	ck_assert_str_eq(message(F_ID), "");

	fill_good();
	form_set_value(form, F_DOB, "02/30/2024");
	form_set_value(form, F_PHONE, "555-0100");
	ck_assert(!form_validate(form, &bad, &msg));
	ck_assert_uint_eq(bad, F_DOB);
	ck_assert_str_eq(msg, date_strerror(DATE_NO_SUCH_DAY));
	ck_assert_str_eq(message(F_LAST), "");
	ck_assert_str_eq(message(F_PHONE), "A US phone number has 10 digits.");

	/* the spec's own validator runs after the kind's check, with its ctx */
	form_set_value(form, F_DOB, "12/01/2026");
	ck_assert_str_eq(form_validate_field(form, F_DOB), "Cannot be after today (11/22/2026).");
	form_set_value(form, F_DOB, "1/2/24");
	ck_assert_str_eq(form_validate_field(form, F_DOB), date_strerror(DATE_TWO_DIGIT_YEAR));
	form_set_value(form, F_DOB, "11/22/2026");
	ck_assert_ptr_null(form_validate_field(form, F_DOB));
	form_set_value(form, F_PHONE, "");
	ck_assert(form_validate(form, NULL, NULL));
	ck_assert_str_eq(message(F_DOB), "");
	ck_assert_str_eq(message(F_PHONE), "");

	/* read-only fields hold what the record says: not checked */
	form_set_value(form, F_ID, "anything at all");
	ck_assert(form_validate(form, NULL, NULL));
}
END_TEST

START_TEST(submit_moves_to_first_bad_field)
{
	fill_good();
	form_set_value(form, F_ZIP, "7870");
	form_set_focus(form, F_LAST);
	unsigned r = form_apply(form, ACTION_SUBMIT);
	ck_assert_uint_eq(r, FORM_REFUSED | FORM_REDRAW);
	ck_assert_uint_eq(form_focus(form), F_ZIP);
	ck_assert_str_eq(message(F_ZIP), "Enter a ZIP code as 5 digits or ZIP+4 (12345-6789).");
	/* fixing it clears the message as soon as it is edited */
	form_apply(form, ACTION_KILL_LINE);
	ck_assert_str_eq(message(F_ZIP), "");
	type(L"78701");
	ck_assert_uint_eq(form_apply(form, ACTION_SAVE), FORM_SUBMIT | FORM_REDRAW);
	ck_assert_str_eq(value(F_ZIP), "78701");
}
END_TEST

START_TEST(leaving_a_field_checks_it)
{
	form_set_focus(form, F_LAST);
	type(L"J0nes");
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_str_eq(message(F_LAST), rule_message(RULE_NAME_CHARS));
	/* an empty required field does not nag on the way through */
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_str_eq(message(F_FIRST), "");
}
END_TEST

START_TEST(editing_actions)
{
	form_set_focus(form, F_LAST);
	ck_assert_uint_eq(type(L"Pena"), FORM_CHANGED | FORM_REDRAW);
	form_apply(form, ACTION_FIELD_LEFT);
	form_apply(form, ACTION_BACKSPACE);
	form_input(form, L'ñ');
	ck_assert_str_eq(value(F_LAST), "Peña");
	form_apply(form, ACTION_HOME);
	ck_assert_uint_eq(form_apply(form, ACTION_HOME), 0);
	form_apply(form, ACTION_DELETE);
	ck_assert_str_eq(value(F_LAST), "eña");
	form_apply(form, ACTION_END);
	form_apply(form, ACTION_WORD_LEFT);
	ck_assert_uint_eq(form_field_at(form, F_LAST)->edit.cursor, 0);
	form_apply(form, ACTION_WORD_RIGHT);
	ck_assert_uint_eq(form_field_at(form, F_LAST)->edit.cursor, 3);
	form_apply(form, ACTION_FIELD_LEFT);
	form_apply(form, ACTION_KILL_EOL);
	ck_assert_str_eq(value(F_LAST), "eñ");
	form_apply(form, ACTION_FIELD_RIGHT);
	form_apply(form, ACTION_KILL_LINE);
	ck_assert_str_eq(value(F_LAST), "");
	/* surrounding spaces are not part of the value */
	type(L"  Lee  ");
	ck_assert_str_eq(value(F_LAST), "Lee");
	ck_assert_ptr_null(form_validate_field(form, F_LAST));
	/* a short buffer gets whole characters only, and the full length */
	form_set_value(form, F_LAST, "Peña");
	char small[4];
	ck_assert_uint_eq(form_get_value(form, F_LAST, small, sizeof small), 5);
	ck_assert_str_eq(small, "Pe");
	/* actions that are not the form's go back to the screen */
	ck_assert_uint_eq(form_apply(form, ACTION_PRINT_RECORD), FORM_UNHANDLED);
	ck_assert_uint_eq(form_apply(form, ACTION_MOVE_DOWN), FORM_UNHANDLED);
	ck_assert_uint_eq(form_apply(form, ACTION_NONE), FORM_UNHANDLED);
	/* next-choice means nothing in a name */
	ck_assert_uint_eq(form_apply(form, ACTION_NEXT_CHOICE), FORM_REFUSED);
}
END_TEST

START_TEST(input_filters)
{
	form_set_focus(form, F_DOB);
	ck_assert_uint_eq(type(L"a"), FORM_REFUSED);
	type(L"02/29/2024");
	ck_assert_str_eq(value(F_DOB), "02/29/2024");
	/* max length of a date is 10: refused, and the field says so */
	ck_assert_uint_eq(form_input(form, L'1'), FORM_REFUSED | FORM_REDRAW);
	form_set_focus(form, F_PHONE);
	ck_assert_uint_eq(type(L"x"), FORM_REFUSED);
	type(L"+1 (512) 555.0100");
	ck_assert_str_eq(value(F_PHONE), "+1 (512) 555.0100");
	/* the country code is not part of a US number */
	ck_assert_str_eq(form_validate_field(form, F_PHONE), "A US phone number has 10 digits.");
	form_apply(form, ACTION_HOME);
	form_apply(form, ACTION_DELETE);
	form_apply(form, ACTION_DELETE);
	ck_assert_ptr_null(form_validate_field(form, F_PHONE));
	form_set_focus(form, F_ZIP);
	ck_assert_uint_eq(type(L" "), FORM_REFUSED);
	type(L"78701-1234");
	ck_assert_ptr_null(form_validate_field(form, F_ZIP));
}
END_TEST

START_TEST(yes_no)
{
	form_set_focus(form, F_VFC);
	ck_assert_str_eq(value(F_VFC), "");
	ck_assert_uint_eq(form_input(form, L'y'), FORM_CHANGED | FORM_REDRAW);
	ck_assert_str_eq(value(F_VFC), "Y");
	ck_assert_uint_eq(form_input(form, L'Y'), 0);
	form_input(form, L'N');
	ck_assert_str_eq(value(F_VFC), "N");
	form_input(form, L' ');
	ck_assert_str_eq(value(F_VFC), "Y");
	form_apply(form, ACTION_NEXT_CHOICE);
	ck_assert_str_eq(value(F_VFC), "N");
	ck_assert_uint_eq(form_input(form, L'x'), FORM_REFUSED);
	form_apply(form, ACTION_BACKSPACE);
	ck_assert_str_eq(value(F_VFC), "");
	ck_assert_int_eq(form_set_value(form, F_VFC, "no"), FIELD_CHANGED);
	ck_assert_str_eq(value(F_VFC), "N");
	ck_assert_int_eq(form_set_value(form, F_VFC, "maybe"), FIELD_REJECTED);
	ck_assert_str_eq(value(F_VFC), "N");
}
END_TEST

START_TEST(code_type_ahead)
{
	size_t m[N_VACCINES];
	form_set_focus(form, F_VACCINE);
	/* nothing typed: every entry is a candidate, none chosen */
	ck_assert_uint_eq(form_matches(form, F_VACCINE, m, N_VACCINES), N_VACCINES);
	ck_assert_ptr_null(form_choice(form, F_VACCINE));

	/* a word of the label, any case; two match: nothing is chosen for the person */
	type(L"HEP");
	ck_assert_ptr_null(form_choice(form, F_VACCINE));
	ck_assert_uint_eq(form_matches(form, F_VACCINE, m, N_VACCINES), 2);
	ck_assert_uint_eq(m[0], 0);
	ck_assert_uint_eq(m[1], 2);
	/* the query may run over several words: now one matches */
	type(L" b-i");
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "110");
	/* a code prefix is no choice while others share it; the exact code is */
	form_apply(form, ACTION_KILL_LINE);
	type(L"1");
	ck_assert_ptr_null(form_choice(form, F_VACCINE));
	ck_assert_uint_eq(form_matches(form, F_VACCINE, m, N_VACCINES), 3);
	type(L"0");
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "10");
	ck_assert_str_eq(value(F_VACCINE), "10");
	/* the whole label names one: IPV is IPV, though DTaP-Hep B-IPV matches too */
	form_apply(form, ACTION_KILL_LINE);
	type(L"ipv");
	ck_assert_uint_eq(form_matches(form, F_VACCINE, m, N_VACCINES), 2);
	ck_assert_uint_eq(m[0], 6); /* the whole label first */
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "10");

	/* stepping through the matches, wrapping both ways */
	form_apply(form, ACTION_KILL_LINE);
	type(L"dtap");
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "20");
	ck_assert_uint_eq(form_apply(form, ACTION_NEXT_CHOICE), FORM_CHANGED | FORM_REDRAW);
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "110");
	form_apply(form, ACTION_NEXT_CHOICE);
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "20");
	form_apply(form, ACTION_PREV_CHOICE);
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "110");
	/* leaving the field shows the chosen code itself */
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_str_eq(value(F_VACCINE), "110");
	char typed[16];
	field_get_utf8(&form_field_at(form, F_VACCINE)->edit, typed, sizeof typed);
	ck_assert_str_eq(typed, "110");
	ck_assert_str_eq(message(F_VACCINE), "");

	/* several match and none is chosen: leaving says how many, and how to choose */
	form_set_focus(form, F_VACCINE);
	type(L"hep");
	ck_assert_ptr_null(form_choice(form, F_VACCINE));
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_str_eq(message(F_VACCINE), "2 match: choose one (F4 lists them).");
	ck_assert_str_eq(value(F_VACCINE), "");

	/* nothing matches: a message on leaving, and no value */
	form_set_focus(form, F_VACCINE);
	form_apply(form, ACTION_KILL_LINE);
	type(L"zzz");
	ck_assert_ptr_null(form_choice(form, F_VACCINE));
	ck_assert_uint_eq(form_apply(form, ACTION_NEXT_CHOICE), FORM_REFUSED);
	form_apply(form, ACTION_NEXT_FIELD);
	ck_assert_str_eq(message(F_VACCINE), "No code matches what was typed.");
	ck_assert_str_eq(value(F_VACCINE), "");

	/* empty query: next-choice walks the whole list */
	form_set_focus(form, F_VACCINE);
	form_apply(form, ACTION_KILL_LINE);
	form_apply(form, ACTION_NEXT_CHOICE);
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "08");
	form_apply(form, ACTION_PREV_CHOICE);
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "10");

	/* loading a record picks the code */
	form_set_value(form, F_VACCINE, "141");
	ck_assert_str_eq(form_choice(form, F_VACCINE)->label, "Influenza, seasonal, injectable");
	form_set_value(form, F_VACCINE, "999");
	ck_assert_ptr_null(form_choice(form, F_VACCINE));
	ck_assert_str_eq(form_validate_field(form, F_VACCINE), "No code matches what was typed.");
}
END_TEST

/* Makers, one no longer in business: "mer" is Merck first, never Merieux by itself. */
static const struct form_choice makers[] = {
    {"IM", "Merieux"},
    {"MSD", "Merck and Co., Inc."},
    {"PMC", "sanofi pasteur"},
    {"MSP", "MERCK SANOFI PASTEUR"},
};
static const bool makers_gone[] = {true, false, false, true};

START_TEST(pick_list_model)
{
	size_t m[8];
	/* current entries before inactive ones, whatever the list order */
	ck_assert_uint_eq(form_choices_match(makers, makers_gone, 4, "mer", m, 8), 3);
	ck_assert_uint_eq(m[0], 1);
	ck_assert_uint_eq(m[1], 0);
	ck_assert_uint_eq(m[2], 3);
	ck_assert_uint_eq(form_choices_match(makers, makers_gone, 4, "  sanofi ", m, 8), 2);
	ck_assert_uint_eq(m[0], 2);
	ck_assert_uint_eq(form_choices_match(makers, makers_gone, 4, "", m, 8), 4);
	ck_assert_uint_eq(m[3], 3);

	/* a field's own list (the makers of the chosen vaccine) instead of the spec's */
	size_t n;
	form_set_value(form, F_VACCINE, "20");
	ck_assert_ptr_eq(form_choices(form, F_VACCINE, &n), vaccines);
	ck_assert_uint_eq(n, N_VACCINES);
	static const struct form_choice two[] = {{"20", "DTaP"}, {"03", "MMR"}};
	form_set_choices(form, F_VACCINE, two, NULL, 2);
	ck_assert_ptr_ne(form_choices(form, F_VACCINE, &n), two); /* a copy */
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "20"); /* kept: in the new list */
	form_set_focus(form, F_VACCINE);
	form_apply(form, ACTION_KILL_LINE);
	type(L"m");
	ck_assert_str_eq(form_choice(form, F_VACCINE)->code, "03");
	form_set_choices(form, F_VACCINE, NULL, NULL, 0);
	ck_assert_uint_eq(form_matches(form, F_VACCINE, m, 8), 1); /* MMR again, in the whole list */

	/* a pick: the field takes the entry, as if loaded, and the form changed */
	ck_assert(!form_dirty(form) || true);
	form_mark_saved(form);
	ck_assert_uint_eq(form_pick(form, F_VACCINE, 5), FORM_CHANGED | FORM_REDRAW);
	ck_assert(form_dirty(form));
	ck_assert_str_eq(value(F_VACCINE), "141");
	ck_assert(form_field_at(form, F_VACCINE)->autofilled);
	ck_assert_uint_eq(form_pick(form, F_VACCINE, 99), FORM_REFUSED);
	/* typing replaces what was picked or loaded, never adds to it */
	type(L"mmr");
	ck_assert_str_eq(value(F_VACCINE), "03");
	form_set_value(form, F_LAST, "PFR");
	form_set_focus(form, F_LAST);
	type(L"Pfizer");
	ck_assert_str_eq(value(F_LAST), "Pfizer");
	/* ... unless the person moved into it first: then it is an edit */
	form_set_value(form, F_LAST, "Garci");
	form_set_focus(form, F_LAST);
	form_apply(form, ACTION_END);
	type(L"a");
	ck_assert_str_eq(value(F_LAST), "Garcia");
}
END_TEST

START_TEST(required_by_rule_and_length)
{
	fill_good();
	/* a rule makes a field required (a child's funding source) and back */
	ck_assert_ptr_null(form_validate_field(form, F_ZIP));
	form_set_value(form, F_ZIP, "");
	ck_assert(!form_field_at(form, F_ZIP)->required);
	form_set_required(form, F_ZIP, true);
	ck_assert(form_field_at(form, F_ZIP)->required);
	ck_assert_str_eq(form_validate_field(form, F_ZIP), "Required.");
	form_set_required(form, F_ZIP, false);
	ck_assert_ptr_null(form_validate_field(form, F_ZIP));

	/* typing past the limit: refused with a message, and the save is held */
	form_set_focus(form, F_PW);
	for (int i = 0; i < 20; i++)
		form_input(form, L'a');
	ck_assert_uint_eq(form_field_at(form, F_PW)->edit.len, 16);
	ck_assert_str_eq(message(F_PW), "Too long: at most 16 characters (4 more did not fit).");
	size_t bad;
	ck_assert(!form_validate(form, &bad, NULL));
	ck_assert_uint_eq(bad, F_PW);
	/* the person shortens it: fine again */
	form_apply(form, ACTION_BACKSPACE);
	ck_assert_str_eq(message(F_PW), "");
	ck_assert(form_validate(form, NULL, NULL));

	/* a value too long to load (an 82-character name) is never cut silently */
	char longname[100];
	memset(longname, 'a', 82);
	longname[82] = '\0';
	ck_assert_int_eq(form_set_value(form, F_LAST, longname), FIELD_FULL);
	ck_assert_str_eq(message(F_LAST), "Too long: at most 50 characters (32 more did not fit).");
	ck_assert(!form_validate(form, &bad, NULL));
	ck_assert_uint_eq(bad, F_LAST);
}
END_TEST

START_TEST(names_capitalised)
{
	char b[128];
	form_capitalize_name("o'brien", b, sizeof b);
	ck_assert_str_eq(b, "O'Brien");
	form_capitalize_name("garcía lópez", b, sizeof b);
	ck_assert_str_eq(b, "García López");
	form_capitalize_name("mary-jane", b, sizeof b);
	ck_assert_str_eq(b, "Mary-Jane");
	form_capitalize_name("élodie", b, sizeof b);
	ck_assert_str_eq(b, "Élodie");
	/* typed with capitals by a person: kept as typed */
	form_capitalize_name("McDonald", b, sizeof b);
	ck_assert_str_eq(b, "McDonald");
	form_capitalize_name("van der BERG", b, sizeof b);
	ck_assert_str_eq(b, "van der BERG");
	form_capitalize_name("", b, sizeof b);
	ck_assert_str_eq(b, "");
	form_capitalize_name("nguyễn", b, 6); /* a small buffer never cuts a character */
	ck_assert_str_eq(b, "Nguy");
}
END_TEST

START_TEST(code_accent_insensitive)
{
	form_set_focus(form, F_LANG);
	type(L"espa");
	ck_assert_str_eq(form_choice(form, F_LANG)->code, "spa");
	form_apply(form, ACTION_KILL_LINE);
	type(L"ESPAÑ");
	ck_assert_str_eq(form_choice(form, F_LANG)->code, "spa");
	form_apply(form, ACTION_KILL_LINE);
	type(L"viet");
	ck_assert_str_eq(form_choice(form, F_LANG)->code, "vie");
	form_apply(form, ACTION_KILL_LINE);
	type(L"tieng");
	ck_assert_str_eq(form_choice(form, F_LANG)->code, "vie");
	/* a decomposed accent folds the same as a precomposed one */
	form_apply(form, ACTION_KILL_LINE);
	type(L"Tie\x0302\x0301ng");
	ck_assert_str_eq(form_choice(form, F_LANG)->code, "vie");

	ck_assert_int_eq(form_fold(L'É'), L'e');
	ck_assert_int_eq(form_fold(L'ñ'), L'n');
	ck_assert_int_eq(form_fold(0x1ec5), L'e'); /* ễ */
	ck_assert_int_eq(form_fold(0x0111), L'd'); /* đ */
	ck_assert_int_eq(form_fold(0x01b0), L'u'); /* ư */
	ck_assert_int_eq(form_fold(L'ß'), L's');
	ck_assert_int_eq(form_fold(0x0301), 0);
	ck_assert_int_eq(form_fold(L'×'), L'×');
	ck_assert_int_eq(form_fold(L'Q'), L'q');
}
END_TEST

START_TEST(password_field)
{
	form_set_focus(form, F_PW);
	const struct form_field *f = form_field_at(form, F_PW);
	ck_assert(f->edit.masked);
	type(L" Secret1! ");
	/* spaces in a password are the password's own */
	ck_assert_str_eq(value(F_PW), " Secret1! ");
	wchar_t vis[32];
	field_visible(&f->edit, vis, 32);
	ck_assert(wcscmp(vis, L"**********") == 0);
	/* its own max length */
	type(L"123456");
	ck_assert_uint_eq(form_input(form, L'7'), FORM_REFUSED | FORM_REDRAW);
	ck_assert_uint_eq(f->edit.len, 16);
}
END_TEST

START_TEST(check_names)
{
	static const char *const good[] = {
	    "Peña",       "Nguyễn",       "O'Brien", "D’Angelo", "Mary-Jane",
	    "de la Cruz", "Jose\xcc\x81", /* combining acute */
	    "  Lee ",                     /* surrounding spaces are trimmed */
	    "Đặng",       "Zoë",          "Łukasz",  "Øyvind",   "",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(validate_name(good[i]) == NULL, "refused %s: %s", good[i],
		              validate_name(good[i]));
	/* which characters are allowed is core's rule, and core's sentence */
	const char *chars = rule_message(RULE_NAME_CHARS);
	static const struct {
		const char *name, *msg;
	} bad[] = {
	    {"J0hn", NULL},
	    {"Smith!", NULL},
	    {"Ann.", NULL},
	    {"Ann\xc3\x97", NULL}, /* × is not a letter */
	    {"김", NULL},          /* registry names are in Latin letters */
	    {"\xcc\x81"
	     "Ann",
	     NULL},
	    {"-Ann", "A name must start with a letter."},
	    {"'Ann", "A name must start with a letter."},
	    {"Ann--Marie", "Two spaces, hyphens or apostrophes in a row."},
	    {"Ann  Marie", "Two spaces, hyphens or apostrophes in a row."},
	    {"Ann-", "A name must end with a letter."},
	    {"Pe\xf1"
	     "a",
	     "The name holds bytes that are not text."},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *m = validate_name(bad[i].name);
		ck_assert_msg(m != NULL, "accepted #%zu", i);
		ck_assert_str_eq(m, bad[i].msg ? bad[i].msg : chars);
	}
}
END_TEST

START_TEST(check_phone_zip_date)
{
	char digits[11];
	ck_assert_ptr_null(validate_phone("(512) 555-0100"));
	ck_assert_ptr_null(validate_phone("512.555.0100"));
	ck_assert_str_eq(validate_phone("1-512-555-0100"), "A US phone number has 10 digits.");
	ck_assert_ptr_null(validate_phone(""));
	ck_assert_str_eq(validate_phone("555-0100"), "A US phone number has 10 digits.");
	ck_assert_str_eq(validate_phone("2-512-555-0100"), "A US phone number has 10 digits.");
	ck_assert_str_eq(validate_phone("512-555-01000"), "A US phone number has 10 digits.");
	ck_assert_str_eq(validate_phone("012-555-0100"), "The area code cannot start with 0 or 1.");
	ck_assert_str_eq(validate_phone("512-155-0100"),
	                 "The number after the area code cannot start with 0 or 1.");
	ck_assert_str_eq(validate_phone("512-555-O100"),
	                 "Enter the phone number as 10 digits, e.g. 512-555-0100.");
	ck_assert(validate_phone_digits("(512) 555-0100", digits));
	ck_assert_str_eq(digits, "5125550100");
	ck_assert(!validate_phone_digits("+1 (512) 555-0100", digits));
	ck_assert(validate_phone_digits("512 555 0100", digits));
	ck_assert_str_eq(digits, "5125550100");
	ck_assert(!validate_phone_digits("555-0100", digits));
	ck_assert(!validate_phone_digits("", digits));

	ck_assert_ptr_null(validate_zip("78701"));
	ck_assert_ptr_null(validate_zip("78701-1234"));
	ck_assert_ptr_null(validate_zip("787011234"));
	ck_assert_ptr_null(validate_zip(" 78701 "));
	ck_assert_ptr_null(validate_zip(""));
	static const char *const badzip[] = {"7870",       "787012", "78701-12", "7870a",
	                                     "7870-11234", "78701-", "-78701",   "78701 1234"};
	for (size_t i = 0; i < sizeof badzip / sizeof badzip[0]; i++)
		ck_assert_msg(validate_zip(badzip[i]) != NULL, "accepted %s", badzip[i]);

	ck_assert_ptr_null(validate_date("02/29/2024"));
	ck_assert_ptr_null(validate_date(""));
	ck_assert_str_eq(validate_date("02/29/2023"), date_strerror(DATE_NO_SUCH_DAY));
	ck_assert_str_eq(validate_date("2/9/24"), date_strerror(DATE_TWO_DIGIT_YEAR));
	ck_assert_str_eq(validate_date("yesterday"), date_strerror(DATE_BAD_FORMAT));
}
END_TEST

START_TEST(widths_and_view)
{
	const struct form_field *f = form_field_at(form, F_LAST);
	ck_assert_int_eq(f->edit.width, 25);
	form_set_width(form, F_LAST, 4);
	form_set_focus(form, F_LAST);
	type(L"Hernández");
	struct field_view v;
	field_view(&f->edit, &v);
	ck_assert(v.more_left);
	ck_assert_int_eq(v.cursor_col, 3);
	ck_assert_int_eq(form_field_at(form, F_DOB)->edit.width, 10);
	ck_assert_ptr_null(form_field_at(form, F_COUNT));
}
END_TEST

START_TEST(message_from_elsewhere)
{
	fill_good();
	form_set_message(form, F_DOB, "The registry refused this date.");
	ck_assert_str_eq(form_field_at(form, F_DOB)->message, "The registry refused this date.");
	ck_assert(!form_dirty(form));
	form_set_message(form, F_DOB, NULL);
	ck_assert_str_eq(form_field_at(form, F_DOB)->message, "");
	form_set_message(form, form_count(form), "ignored"); /* out of range: no-op */
}
END_TEST

/* A visit: the date once, then one row per vaccine. */
static const struct form_field_spec visit_specs[] = {
    {.id = "date", .label = "Date given", .kind = FORM_DATE, .flags = FORM_REQUIRED},
};
static const struct form_field_spec row_specs[] = {
    {.id = "vaccine",
     .label = "Vaccine",
     .kind = FORM_CODE,
     .flags = FORM_REQUIRED,
     .choices = vaccines,
     .n_choices = N_VACCINES},
    {.id = "lot", .label = "Lot", .kind = FORM_TEXT},
};

static void put(struct form *f, long i, const char *v)
{
	ck_assert_int_ge(i, 0);
	form_set_value(f, (size_t)i, v);
}

START_TEST(repeating_rows)
{
	struct form *f = form_new(visit_specs, 1);
	ck_assert_uint_eq(form_rows(f), 0);
	ck_assert_int_eq(form_field_row(f, 0), -1);
	ck_assert_uint_eq(form_row_add(f, row_specs, 2), 0);
	ck_assert_uint_eq(form_row_add(f, row_specs, 2), 1);
	ck_assert_uint_eq(form_row_add(f, row_specs, 2), 2);
	ck_assert_uint_eq(form_rows(f), 3);
	ck_assert_uint_eq(form_count(f), 7);
	ck_assert_uint_eq(form_focus(f), 0); /* adding rows does not move focus */
	for (size_t r = 0; r < 3; r++) {
		long v = form_find_in_row(f, r, "vaccine");
		ck_assert_int_eq(v, 1 + 2 * (long)r);
		ck_assert_int_eq(form_field_row(f, (size_t)v), (long)r);
	}
	ck_assert_int_eq(form_find(f, "lot"), 2); /* the first row's */
	ck_assert_int_eq(form_find_in_row(f, 3, "lot"), -1);
	put(f, form_find_in_row(f, 0, "lot"), "A1");
	put(f, form_find_in_row(f, 1, "lot"), "B2");
	put(f, form_find_in_row(f, 2, "lot"), "C3");

	/* focus walks through the rows in order */
	form_apply(f, ACTION_NEXT_FIELD);
	form_apply(f, ACTION_NEXT_FIELD);
	form_apply(f, ACTION_NEXT_FIELD);
	ck_assert_uint_eq(form_focus(f), 3);
	ck_assert_int_eq(form_field_row(f, 3), 1);

	/* a row's own message stays with its field */
	form_set_message(f, (size_t)form_find_in_row(f, 2, "lot"), "Lot C3 expired");
	ck_assert_str_eq(form_field_at(f, 6)->message, "Lot C3 expired");
	ck_assert_str_eq(form_field_at(f, 2)->message, "");

	/* removing the middle row: the last moves up, focus to its vaccine */
	ck_assert(!form_dirty(f));
	ck_assert(form_row_remove(f, 1));
	ck_assert(form_dirty(f));
	ck_assert_uint_eq(form_rows(f), 2);
	ck_assert_uint_eq(form_count(f), 5);
	ck_assert_uint_eq(form_focus(f), 3);
	ck_assert_int_eq(form_field_row(f, 3), 1);
	char b[16];
	form_get_value(f, (size_t)form_find_in_row(f, 1, "lot"), b, sizeof b);
	ck_assert_str_eq(b, "C3");
	ck_assert_str_eq(form_field_at(f, 4)->message, "Lot C3 expired");

	/* removing the last row: focus goes to the same field of the one before */
	form_apply(f, ACTION_NEXT_FIELD);
	ck_assert_uint_eq(form_focus(f), 4);
	ck_assert(form_row_remove(f, 1));
	ck_assert_uint_eq(form_focus(f), 2);
	form_get_value(f, 2, b, sizeof b);
	ck_assert_str_eq(b, "A1");

	/* the only row stays; so do rows that do not exist */
	ck_assert(!form_row_remove(f, 0));
	ck_assert(!form_row_remove(f, 5));
	ck_assert_uint_eq(form_rows(f), 1);

	/* a required field in a row is checked like any other */
	form_set_value(f, 0, "01/02/2024");
	size_t bad;
	ck_assert(!form_validate(f, &bad, NULL));
	ck_assert_uint_eq(bad, 1);
	form_free(&f);
	ck_assert_ptr_null(f);
}
END_TEST

Suite *form_suite(void)
{
	Suite *s = suite_create("form");
	TCase *tc = tcase_create("model");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, focus_skips_readonly);
	tcase_add_test(tc, all_readonly);
	tcase_add_test(tc, dirty_flag);
	tcase_add_test(tc, message_from_elsewhere);
	tcase_add_test(tc, validate_required_and_messages);
	tcase_add_test(tc, submit_moves_to_first_bad_field);
	tcase_add_test(tc, leaving_a_field_checks_it);
	tcase_add_test(tc, editing_actions);
	tcase_add_test(tc, input_filters);
	tcase_add_test(tc, yes_no);
	tcase_add_test(tc, code_type_ahead);
	tcase_add_test(tc, code_accent_insensitive);
	tcase_add_test(tc, pick_list_model);
	tcase_add_test(tc, required_by_rule_and_length);
	tcase_add_test(tc, names_capitalised);
	tcase_add_test(tc, password_field);
	tcase_add_test(tc, widths_and_view);
	tcase_add_test(tc, repeating_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("checks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, check_names);
	tcase_add_test(tc, check_phone_zip_date);
	suite_add_tcase(s, tc);
	return s;
}
