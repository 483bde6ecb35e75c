/* tests/keymaps/test_keymap.c - actions, key names, keymaps, the keys-file
 * parser and the shipped default.keys and vi.keys. */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymaps/action.h"
#include "keymaps/key.h"
#include "keymaps/keymap.h"
#include "keymaps/utf8.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct keymap_set *set;
static struct keymap_errors errs;

static void setup(void)
{
	set = keymap_set_new();
	memset(&errs, 0, sizeof errs);
}

static void teardown(void)
{
	keymap_set_free(&set);
	keymap_errors_free(&errs);
}

static size_t parse(const char *text)
{
	return keymap_parse_buffer(set, text, strlen(text), "test.keys", &errs);
}

static struct key K(const char *name) {
	struct key k;
	const char *why = NULL;
	ck_assert_msg(key_parse(name, &k, &why), "key %s: %s", name, why);
	return k;
}

static enum action
lookup(enum keymap_id id, const char *keyname, unsigned flags)
{
	struct key k = K(keyname);
	return keymap_lookup(set, id, &k, flags);
}

/* --- actions --------------------------------------------------------------- */

START_TEST(actions_defined_once)
{
	ck_assert_uint_gt(ACTION_COUNT, 40);
	for (size_t i = 0; i < ACTION_COUNT; i++) {
		enum action a = action_at(i);
		ck_assert(action_valid(a));
		/* actions never collide with a Unicode character or a curses key */
		ck_assert_int_gt((int)a, 0x10ffff);
		const char *name = action_name(a);
		ck_assert_ptr_nonnull(name);
		ck_assert_ptr_nonnull(action_help(a));
		ck_assert_uint_gt(strlen(action_help(a)), 5);
		ck_assert_ptr_nonnull(action_group_heading(action_group(a)));
		/* names are lower-case words joined by '-', unique */
		for (const char *p = name; *p; p++)
			ck_assert((*p >= 'a' && *p <= 'z') || *p == '-');
		enum action back;
		ck_assert(action_from_name(name, &back));
		ck_assert_int_eq(back, a);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(action_name(action_at(j)), name);
	}
	enum action a;
	ck_assert(action_from_name("none", &a));
	ck_assert_int_eq(a, ACTION_NONE);
	ck_assert(!action_from_name("Next-Field", &a));
	ck_assert(!action_from_name("", &a));
	ck_assert(!action_valid(ACTION_NONE));
	ck_assert(!action_valid(ACTION_END_));
	ck_assert_str_eq(action_name(ACTION_NONE), "none");
	ck_assert_ptr_null(action_name((enum action)5));
	ck_assert_str_eq(action_name(ACTION_NEXT_FIELD), "next-field");
	ck_assert_str_eq(action_name(ACTION_ADD_HISTORICAL_SHOT), "add-historical-shot");
	ck_assert_int_eq(action_group(ACTION_KILL_EOL), ACTION_GROUP_FIELD);
	ck_assert_int_eq(action_at(ACTION_COUNT), ACTION_NONE);
}
END_TEST

/* --- key names ------------------------------------------------------------- */

START_TEST(key_names)
{
	struct key k;
	k = K("a");
	ck_assert(k.kind == KEY_KIND_CHAR && k.code == 'a' && !k.ctrl);
	k = K("A");
	ck_assert(k.kind == KEY_KIND_CHAR && k.code == 'A');
	k = K("é");
	ck_assert(k.kind == KEY_KIND_CHAR && k.code == 0xe9);
	k = K("김");
	ck_assert(k.kind == KEY_KIND_CHAR && k.code == 0xae40);
	k = K("<Space>");
	ck_assert(k.kind == KEY_KIND_CHAR && k.code == ' ');
	k = K("<Hash>");
	ck_assert(k.code == '#');
	k = K("<LessThan>");
	ck_assert(k.code == '<');
	k = K("<");
	ck_assert(k.code == '<');
	k = K("^");
	ck_assert(k.code == '^' && !k.ctrl);

	struct key want = key_from_ctrl('x');
	k = K("<C-x>");
	ck_assert(key_equal(&k, &want));
	k = K("<C-X>");
	ck_assert(key_equal(&k, &want));
	k = K("^x");
	ck_assert(key_equal(&k, &want));
	k = K("^X");
	ck_assert(key_equal(&k, &want));
	/* a control byte maps to one key however the terminal layer spells it */
	for (uint32_t b = 1; b < 0x20; b++) {
		struct key hi = key_from_ctrl(b + 0x40), lo = key_from_ctrl(b + 0x60);
		ck_assert(key_equal(&hi, &lo));
	}
	struct key bs = key_from_ctrl(0x1c + 0x60);
	k = K("<C-\\>");
	ck_assert(key_equal(&k, &bs));
	k = K("<C-@>");
	struct key sp = key_from_ctrl(' ');
	ck_assert(key_equal(&k, &sp));
	k = K("<C-Space>");
	ck_assert(key_equal(&k, &sp));

	static const struct {
		const char *name;
		enum key_special sp;
	} specials[] = {
	    {"<Enter>", KEYSP_ENTER},   {"<enter>", KEYSP_ENTER},   {"<Return>", KEYSP_ENTER},
	    {"<Tab>", KEYSP_TAB},       {"<S-Tab>", KEYSP_BACKTAB}, {"<BackTab>", KEYSP_BACKTAB},
	    {"<Esc>", KEYSP_ESC},       {"<Escape>", KEYSP_ESC},    {"<Up>", KEYSP_UP},
	    {"<Down>", KEYSP_DOWN},     {"<Left>", KEYSP_LEFT},     {"<Right>", KEYSP_RIGHT},
	    {"<PgUp>", KEYSP_PGUP},     {"<PageUp>", KEYSP_PGUP},   {"<PgDown>", KEYSP_PGDOWN},
	    {"<PgDn>", KEYSP_PGDOWN},   {"<Home>", KEYSP_HOME},     {"<End>", KEYSP_END},
	    {"<Del>", KEYSP_DEL},       {"<Delete>", KEYSP_DEL},    {"<Backspace>", KEYSP_BACKSPACE},
	    {"<Insert>", KEYSP_INSERT}, {"<HOME>", KEYSP_HOME},
	};
	for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
		k = K(specials[i].name);
		ck_assert_msg(k.kind == KEY_KIND_SPECIAL && k.code == (uint32_t)specials[i].sp && !k.ctrl,
		              "%s", specials[i].name);
	}
	k = K("<C-Left>");
	ck_assert(k.kind == KEY_KIND_SPECIAL && k.code == KEYSP_LEFT && k.ctrl);
	for (int n = 1; n <= 12; n++) {
		char name[8];
		snprintf(name, sizeof name, "<F%d>", n);
		k = K(name);
		ck_assert(k.kind == KEY_KIND_FKEY && k.code == (uint32_t)n);
	}
	k = K("<f24>");
	ck_assert(k.kind == KEY_KIND_FKEY && k.code == 24);
}
END_TEST

START_TEST(key_name_errors)
{
	static const char *const bad[] = {
	    "",     "ab", "<Foo>", "<F0>",     "<F25>", "<F01>", "<C-1>",        "<C-é>",
	    "<C->", "<>", "^1",    "\x01",     "\x7f",  "\xc3",  "\xe9",         "<C-Hash>",
	    "<a>",  "éé", "<F>",   "\xc0\x80", "<Fx>",  "<F1x>", "\xed\xa0\x80",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct key k;
		const char *why = NULL;
		ck_assert_msg(!key_parse(bad[i], &k, &why), "accepted bad key #%zu", i);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(key_format_round_trip)
{
	static const char *const names[] = {
	    "a",        "Z",         "é",     "김",      "<Space>", "<Hash>",      "<LessThan>",
	    "<C-a>",    "<C-Space>", "<C-]>", "<Enter>", "<S-Tab>", "<Esc>",       "<PgDown>",
	    "<C-Left>", "<F1>",      "<F12>", "<C-F3>",  "<Del>",   "<Backspace>", ">",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char buf[KEY_NAME_LEN];
		struct key k = K(names[i]), back;
		key_format(&k, buf, sizeof buf);
		ck_assert_str_eq(buf, names[i]);
		back = K(buf);
		ck_assert(key_equal(&k, &back));
	}
	char buf[KEY_NAME_LEN];
	struct key k = K("<C-x>");
	ck_assert_str_eq(key_label(&k, buf, sizeof buf), "^X");
	k = K("<F2>");
	ck_assert_str_eq(key_label(&k, buf, sizeof buf), "F2");
	k = K("<Enter>");
	ck_assert_str_eq(key_label(&k, buf, sizeof buf), "Enter");
	k = K("<Space>");
	ck_assert_str_eq(key_label(&k, buf, sizeof buf), "Space");
	k = K("ñ");
	ck_assert_str_eq(key_label(&k, buf, sizeof buf), "ñ");
	k = K("<BackTab>");
	ck_assert_str_eq(key_format(&k, buf, sizeof buf), "<S-Tab>");
	k = key_from_char('q');
	ck_assert(key_is_text(&k));
	k = K("<C-q>");
	ck_assert(!key_is_text(&k));
	k = K("<Up>");
	ck_assert(!key_is_text(&k));
}
END_TEST

/* --- parsing and lookup ---------------------------------------------------- */

START_TEST(parse_good_lines)
{
	size_t n = parse("# a comment\n"
	                 "\n"
	                 "   \t  \n"
	                 "bind generic q quit\n"
	                 "bind\tgeneric\t<F1>\thelp   # trailing comment\n"
	                 "bind menu,results j move-down\r\n"
	                 "bind generic <Hash> help\n"
	                 "bind search é select\n"
	                 "bind generic x lock\n"
	                 "bind generic x logout\n"     /* the later line wins */
	                 "bind generic <C-l> redraw"); /* no final newline */
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(errs.count, 0);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "q", 0), ACTION_QUIT);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "<F1>", 0), ACTION_HELP);
	ck_assert_int_eq(lookup(KEYMAP_MENU, "j", 0), ACTION_MOVE_DOWN);
	ck_assert_int_eq(lookup(KEYMAP_RESULTS, "j", 0), ACTION_MOVE_DOWN);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "j", 0), ACTION_NONE);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "<Hash>", 0), ACTION_HELP);
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "é", 0), ACTION_SELECT);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "x", 0), ACTION_LOGOUT);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "<C-l>", 0), ACTION_REDRAW);
	ck_assert_uint_eq(keymap_binding_count(set, KEYMAP_GENERIC), 5);
}
END_TEST

START_TEST(lookup_falls_back_to_generic)
{
	ck_assert_uint_eq(parse("bind generic q quit\n"
	                        "bind generic <F2> search\n"
	                        "bind generic <Tab> next-tab\n"
	                        "bind client q forecast\n"
	                        "bind field <Tab> next-field\n"
	                        "bind field <C-k> kill-eol\n"),
	                  0);
	/* the screen's own keymap first, then generic */
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "q", 0), ACTION_FORECAST);
	ck_assert_int_eq(lookup(KEYMAP_MENU, "q", 0), ACTION_QUIT);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "<F2>", 0), ACTION_SEARCH);
	ck_assert_int_eq(lookup(KEYMAP_MENU, "z", 0), ACTION_NONE);
	/* field is consulted only while editing */
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "<Tab>", 0), ACTION_NEXT_TAB);
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "<Tab>", KEYMAP_EDITING), ACTION_NEXT_FIELD);
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "<C-k>", KEYMAP_EDITING), ACTION_KILL_EOL);
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "<F2>", KEYMAP_EDITING), ACTION_SEARCH);
	/* while editing, letters are text: generic's q does not quit */
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "q", KEYMAP_EDITING), ACTION_NONE);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "q", KEYMAP_EDITING), ACTION_FORECAST);
	ck_assert_int_eq(lookup(KEYMAP_FIELD, "<Tab>", KEYMAP_EDITING), ACTION_NEXT_FIELD);
}
END_TEST

START_TEST(none_unbinds)
{
	ck_assert_uint_eq(parse("bind generic q quit\n"
	                        "bind generic w lock\n"
	                        "bind help q none\n"
	                        "bind generic w none\n"),
	                  0);
	ck_assert_int_eq(lookup(KEYMAP_MENU, "q", 0), ACTION_QUIT);
	/* none in a screen keymap hides the generic binding there */
	ck_assert_int_eq(lookup(KEYMAP_HELP, "q", 0), ACTION_NONE);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "w", 0), ACTION_NONE);
	ck_assert_int_eq(lookup(KEYMAP_MENU, "w", 0), ACTION_NONE);
	struct key keys[4];
	ck_assert_uint_eq(keymap_keys_for(set, KEYMAP_HELP, 0, ACTION_QUIT, keys, 4), 0);
	ck_assert_uint_eq(keymap_keys_for(set, KEYMAP_MENU, 0, ACTION_QUIT, keys, 4), 1);
	ck_assert_uint_eq(keymap_keys_for(set, KEYMAP_MENU, 0, ACTION_LOCK, keys, 4), 0);
}
END_TEST

START_TEST(keys_for_action)
{
	ck_assert_uint_eq(parse("bind generic <F2> search\n"
	                        "bind generic <C-f> search\n"
	                        "bind generic / search\n"
	                        "bind results s search\n"
	                        "bind results <C-f> page-down\n"),
	                  0);
	struct key keys[8];
	char buf[KEY_NAME_LEN];
	/* own keymap first; generic keys the screen rebinds are left out */
	size_t n = keymap_keys_for(set, KEYMAP_RESULTS, 0, ACTION_SEARCH, keys, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(key_format(&keys[0], buf, sizeof buf), "s");
	ck_assert_str_eq(key_format(&keys[1], buf, sizeof buf), "<F2>");
	ck_assert_str_eq(key_format(&keys[2], buf, sizeof buf), "/");
	/* while editing, / is text and does not count */
	n = keymap_keys_for(set, KEYMAP_SEARCH, KEYMAP_EDITING, ACTION_SEARCH, keys, 8);
	ck_assert_uint_eq(n, 2);
	/* the total is returned even when out is short */
	ck_assert_uint_eq(keymap_keys_for(set, KEYMAP_MENU, 0, ACTION_SEARCH, keys, 1), 3);
	struct key fk;
	ck_assert(keymap_fkey_for(set, KEYMAP_RESULTS, 0, ACTION_SEARCH, &fk));
	ck_assert_str_eq(key_label(&fk, buf, sizeof buf), "F2");
	ck_assert(!keymap_fkey_for(set, KEYMAP_RESULTS, 0, ACTION_PAGE_DOWN, &fk));

	/* a help line: the keys as labels, then the text from ACTION_INFO */
	char line[128];
	ck_assert_uint_eq(keymap_help_line(set, KEYMAP_MENU, 0, ACTION_SEARCH, line, sizeof line), 3);
	ck_assert_str_eq(line, "F2 ^F /         Find a client");
	ck_assert_uint_eq(keymap_help_line(set, KEYMAP_MENU, 0, ACTION_LOCK, line, sizeof line), 0);
	ck_assert_str_eq(line, "                Lock the screen (password to resume)");
	ck_assert_uint_eq(keymap_help_line(set, KEYMAP_MENU, 0, ACTION_SEARCH, line, 5), 3);
	ck_assert_str_eq(line, "F2 ^");
}
END_TEST

/* Each kind of error gives its own message with the right file:line, and
 * the good lines around the bad ones still apply. */
START_TEST(parse_errors_each_kind)
{
	const char *text = "bind generic q quit\n"         /* 1 ok */
	                   "bind nowhere q quit\n"         /* 2 unknown keymap */
	                   "bind generic <Foo> quit\n"     /* 3 unknown key */
	                   "bind generic z fly-away\n"     /* 4 unknown action */
	                   "bind generic\n"                /* 5 missing key + action */
	                   "bind generic z\n"              /* 6 missing action */
	                   "bind\n"                        /* 7 missing everything */
	                   "unbind generic q\n"            /* 8 unknown command */
	                   "bind generic z quit extra\n"   /* 9 too many fields */
	                   "bind generic z \xff\xfe\n"     /* 10 invalid UTF-8 */
	                   "bind nowhere <Foo> fly-away\n" /* 11 three errors */
	                   "bind , z quit\n"               /* 12 no keymap name */
	                   "bind generic <F2> search\n";   /* 13 ok */
	size_t n = parse(text);
	static const char *const want[] = {
	    "test.keys:2: unknown keymap 'nowhere'",
	    "test.keys:3: bad key '<Foo>': unknown key name",
	    "test.keys:4: unknown action 'fly-away'",
	    "test.keys:5: bind: missing key and action (bind <keymap> <key> <action>)",
	    "test.keys:6: bind: missing action (bind <keymap> <key> <action>)",
	    "test.keys:7: bind: missing keymap, key and action (bind <keymap> <key> <action>)",
	    "test.keys:8: unknown command 'unbind' (lines look like: bind <keymap> <key> <action>)",
	    "test.keys:9: bind: unexpected 'extra' after the action (comments start with #)",
	    "test.keys:10: line is not valid UTF-8; ignored",
	    "test.keys:11: unknown keymap 'nowhere'",
	    "test.keys:11: bad key '<Foo>': unknown key name",
	    "test.keys:11: unknown action 'fly-away'",
	    "test.keys:12: bind: missing keymap name",
	};
	size_t nwant = sizeof want / sizeof want[0];
	ck_assert_uint_eq(n, nwant);
	ck_assert_uint_eq(errs.count, nwant);
	for (size_t i = 0; i < nwant; i++)
		ck_assert_str_eq(errs.msgs[i], want[i]);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "q", 0), ACTION_QUIT);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "<F2>", 0), ACTION_SEARCH);
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "z", 0), ACTION_NONE);
}
END_TEST

START_TEST(parse_errors_long_and_nul)
{
	char *text = malloc(3 * KEYMAP_LINE_MAX);
	ck_assert_ptr_nonnull(text);
	size_t o = 0;
	o += (size_t)sprintf(text + o, "bind generic q quit\n");
	/* exactly the limit is fine (spaces after a binding) */
	o += (size_t)sprintf(text + o, "bind generic w lock");
	memset(text + o, ' ', KEYMAP_LINE_MAX - strlen("bind generic w lock"));
	o += KEYMAP_LINE_MAX - strlen("bind generic w lock");
	text[o++] = '\n';
	/* one over is not */
	memset(text + o, '#', KEYMAP_LINE_MAX + 1);
	o += KEYMAP_LINE_MAX + 1;
	text[o++] = '\n';
	memcpy(text + o, "bind generic\0 x quit\n", 21);
	o += 21;
	o += (size_t)sprintf(text + o, "bind generic <X\x01> quit\n");
	size_t n = keymap_parse_buffer(set, text, o, "long.keys", &errs);
	free(text);
	ck_assert_uint_eq(n, 3);
	char want[80];
	snprintf(want, sizeof want, "long.keys:3: line is longer than %d bytes; ignored", KEYMAP_LINE_MAX);
	ck_assert_str_eq(errs.msgs[0], want);
	ck_assert_str_eq(errs.msgs[1], "long.keys:4: line contains a NUL byte; ignored");
	/* control characters are escaped in messages */
	ck_assert_str_eq(errs.msgs[2], "long.keys:5: bad key '<X\\x01>': unknown key name");
	ck_assert_int_eq(lookup(KEYMAP_GENERIC, "w", 0), ACTION_LOCK);
}
END_TEST

START_TEST(parse_errors_capped)
{
	size_t lines = KEYMAP_ERRORS_MAX + 50;
	char *text = malloc(lines * 8);
	ck_assert_ptr_nonnull(text);
	size_t o = 0;
	for (size_t i = 0; i < lines; i++)
		o += (size_t)sprintf(text + o, "bogus\n");
	size_t n = keymap_parse_buffer(set, text, o, "many.keys", &errs);
	free(text);
	ck_assert_uint_eq(n, lines);
	ck_assert_uint_eq(errs.count, KEYMAP_ERRORS_MAX);
	ck_assert_uint_eq(errs.dropped, 50);
	/* a long token is cut in a message, never in the middle of a character */
	keymap_errors_free(&errs);
	n = parse("bind generic q ééééééééééééééééééééééééééééééééééééééééééé\n");
	ck_assert_uint_eq(n, 1);
	ck_assert(utf8_valid(errs.msgs[0], strlen(errs.msgs[0])));
	ck_assert_ptr_nonnull(strstr(errs.msgs[0], "...'"));
}
END_TEST

/* --- the shipped files ----------------------------------------------------- */

static char *srcpath(const char *rel)
{
	char *p;
	if (asprintf(&p, "%s/%s", testutil_srcdir(), rel) < 0)
		abort();
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);
		if (got == 0)
			break;
		*len += got;
	}
	fclose(f);
	return buf;
}

START_TEST(default_keys_clean)
{
	ck_assert_uint_eq(keymap_load_defaults(set, &errs), 0);
	ck_assert_uint_eq(errs.count, 0);
	/* the compiled-in text is exactly the shipped file */
	char *path = srcpath("keymaps/default.keys");
	size_t len;
	char *text = slurp(path, &len);
	ck_assert_uint_eq(len, keymap_default_len);
	ck_assert(memcmp(text, keymap_default_text, len) == 0);
	free(text);
	free(path);

	/* the bindings the product relies on */
	ck_assert_int_eq(lookup(KEYMAP_MENU, "<F1>", 0), ACTION_HELP);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "?", 0), ACTION_HELP);
	ck_assert_int_eq(lookup(KEYMAP_LOGIN, "?", KEYMAP_EDITING), ACTION_NONE);
	ck_assert_int_eq(lookup(KEYMAP_LOGIN, "<Enter>", KEYMAP_EDITING), ACTION_SUBMIT);
	ck_assert_int_eq(lookup(KEYMAP_IMMUNIZATION, "<Tab>", KEYMAP_EDITING), ACTION_NEXT_FIELD);
	ck_assert_int_eq(lookup(KEYMAP_IMMUNIZATION, "<F8>", KEYMAP_EDITING), ACTION_SAVE);
	ck_assert_int_eq(lookup(KEYMAP_RESULTS, "<Enter>", 0), ACTION_SELECT);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "<Tab>", 0), ACTION_NEXT_TAB);
	ck_assert_int_eq(lookup(KEYMAP_HELP, "q", 0), ACTION_CANCEL);
	ck_assert_int_eq(lookup(KEYMAP_FORM, "<PgDown>", KEYMAP_EDITING), ACTION_NONE);

	/* every action has a key somewhere; the record prints with p and F8 */
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "p", 0), ACTION_PRINT_RECORD);
	for (size_t i = 0; i < ACTION_COUNT; i++) {
		enum action a = action_at(i);
		bool bound = false;
		for (int id = 0; id < KEYMAP_COUNT && !bound; id++) {
			struct key k;
			bound = keymap_keys_for(set, (enum keymap_id)id, 0, a, &k, 1) > 0 ||
			        keymap_keys_for(set, (enum keymap_id)id, KEYMAP_EDITING, a, &k, 1) > 0;
		}
		ck_assert_msg(bound, "no default key for %s", action_name(a));
	}
}
END_TEST

/* A screen that is a form is used with KEYMAP_EDITING; a list without it. */
static unsigned screen_flags(enum keymap_id id)
{
	switch (id) {
	case KEYMAP_LOGIN:
	case KEYMAP_SEARCH:
	case KEYMAP_IMMUNIZATION:
	case KEYMAP_FORM:
	case KEYMAP_FIELD:
		return KEYMAP_EDITING;
	default:
		return 0;
	}
}

/* Every function key that does something on a screen has a second key that
 * does the same there and that is not a function key: terminals without
 * function keys can still do everything. */
static void check_fkey_fallbacks(void)
{
	for (int id = 0; id < KEYMAP_COUNT; id++) {
		unsigned flags = screen_flags((enum keymap_id)id);
		for (int fk = 1; fk <= KEY_FKEY_MAX; fk++) {
			struct key f = key_from_fkey(fk);
			enum action a = keymap_lookup(set, (enum keymap_id)id, &f, flags);
			if (a == ACTION_NONE)
				continue;
			struct key keys[16];
			size_t n = keymap_keys_for(set, (enum keymap_id)id, flags, a, keys, 16);
			bool other = false;
			for (size_t i = 0; i < n && i < 16; i++)
				other = other || keys[i].kind != KEY_KIND_FKEY;
			ck_assert_msg(other, "%s: F%d (%s) has no other key", keymap_name(id), fk,
			              action_name(a));
		}
	}
}

START_TEST(default_fkeys_have_fallbacks)
{
	ck_assert_uint_eq(keymap_load_defaults(set, &errs), 0);
	check_fkey_fallbacks();
}
END_TEST

START_TEST(vi_keys_clean)
{
	ck_assert_uint_eq(keymap_load_defaults(set, &errs), 0);
	char *path = srcpath("keymaps/vi.keys");
	ck_assert_uint_eq(keymap_load_file(set, path, &errs), 0);
	free(path);
	ck_assert_uint_eq(errs.count, 0);
	ck_assert_int_eq(lookup(KEYMAP_RESULTS, "j", 0), ACTION_MOVE_DOWN);
	ck_assert_int_eq(lookup(KEYMAP_MENU, "k", 0), ACTION_MOVE_UP);
	ck_assert_int_eq(lookup(KEYMAP_OUTBOX, "G", 0), ACTION_MOVE_LAST);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "l", 0), ACTION_NEXT_TAB);
	ck_assert_int_eq(lookup(KEYMAP_CLIENT, "H", 0), ACTION_ADD_HISTORICAL_SHOT);
	ck_assert_int_eq(lookup(KEYMAP_RESULTS, "/", 0), ACTION_SEARCH);
	/* fields keep their editing keys: j is text */
	ck_assert_int_eq(lookup(KEYMAP_SEARCH, "j", KEYMAP_EDITING), ACTION_NONE);
	check_fkey_fallbacks();
}
END_TEST

START_TEST(check_file)
{
	char *dir = testutil_mkdtemp();
	const char good[] = "bind generic q quit\n";
	const char bad[] = "bind generic q quit\nbind generic <Nope> quit\nbind x y z\n";
	char *gp = testutil_write_file(dir, "good.keys", good, sizeof good - 1);
	char *bp = testutil_write_file(dir, "bad.keys", bad, sizeof bad - 1);
	char *out = NULL;
	size_t outlen = 0;
	FILE *err = open_memstream(&out, &outlen);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(keymap_check_file(gp, err), 0);
	fflush(err);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_int_eq(keymap_check_file(bp, err), 1);
	fclose(err);
	char *want;
	/* 'y' is a fine key; 'z' is not an action */
	ck_assert_int_ge(asprintf(&want,
	                          "%s:2: bad key '<Nope>': unknown key name\n"
	                          "%s:3: unknown keymap 'x'\n"
	                          "%s:3: unknown action 'z'\n",
	                          bp, bp, bp),
	                 0);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);

	/* a file that is not there is an error too, not a crash */
	char *missing;
	ck_assert_int_ge(asprintf(&missing, "%s/none.keys", dir), 0);
	out = NULL;
	err = open_memstream(&out, &outlen);
	ck_assert_int_eq(keymap_check_file(missing, err), 1);
	fclose(err);
	ck_assert_ptr_nonnull(strstr(out, "none.keys: cannot open: No such file"));
	free(out);
	free(missing);

	/* the shipped files are clean */
	char *def = srcpath("keymaps/default.keys");
	char *vi = srcpath("keymaps/vi.keys");
	ck_assert_int_eq(keymap_check_file(def, stderr), 0);
	ck_assert_int_eq(keymap_check_file(vi, stderr), 0);
	free(def);
	free(vi);

	free(gp);
	free(bp);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(utf8_strict)
{
	uint32_t cp;
	char buf[UTF8_MAX];
	ck_assert_uint_eq(utf8_decode("\xc3\xb1", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xf1);
	ck_assert_uint_eq(utf8_decode("\xf0\x9f\x92\x89", 4, &cp), 4); /* syringe */
	ck_assert_uint_eq(cp, 0x1f489);
	ck_assert_uint_eq(utf8_decode("\xc0\xaf", 2, &cp), 0);         /* overlong */
	ck_assert_uint_eq(utf8_decode("\xe0\x80\xaf", 3, &cp), 0);     /* overlong */
	ck_assert_uint_eq(utf8_decode("\xed\xa0\x80", 3, &cp), 0);     /* surrogate */
	ck_assert_uint_eq(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
	ck_assert_uint_eq(utf8_decode("\xc3", 1, &cp), 0);             /* cut short */
	ck_assert_uint_eq(utf8_decode("\x80", 1, &cp), 0);
	ck_assert_uint_eq(utf8_encode(0x1ec5, buf), 3);
	ck_assert(memcmp(buf, "\xe1\xbb\x85", 3) == 0);
	ck_assert_uint_eq(utf8_encode(0xd800, buf), 0);
	ck_assert_uint_eq(utf8_encode(0x110000, buf), 0);
	for (uint32_t c = 0; c < 0x110000; c += 0x101) {
		size_t n = utf8_encode(c, buf);
		if (n == 0)
			continue;
		ck_assert_uint_eq(utf8_decode(buf, n, &cp), n);
		ck_assert_uint_eq(cp, c);
	}
}
END_TEST

Suite *keymap_suite(void)
{
	Suite *s = suite_create("keymap");
	TCase *tc = tcase_create("actions_keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, actions_defined_once);
	tcase_add_test(tc, key_names);
	tcase_add_test(tc, key_name_errors);
	tcase_add_test(tc, key_format_round_trip);
	tcase_add_test(tc, utf8_strict);
	suite_add_tcase(s, tc);

	tc = tcase_create("parser");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_good_lines);
	tcase_add_test(tc, lookup_falls_back_to_generic);
	tcase_add_test(tc, none_unbinds);
	tcase_add_test(tc, keys_for_action);
	tcase_add_test(tc, parse_errors_each_kind);
	tcase_add_test(tc, parse_errors_long_and_nul);
	tcase_add_test(tc, parse_errors_capped);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, default_keys_clean);
	tcase_add_test(tc, default_fkeys_have_fallbacks);
	tcase_add_test(tc, vi_keys_clean);
	tcase_add_test(tc, check_file);
	suite_add_tcase(s, tc);
	return s;
}
