/* keymaps/key.c - key names; see key.h. */
#include "keymaps/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keymaps/utf8.h"

/* Canonical names, indexed by enum key_special. */
static const char *const special_names[] = {
    [KEYSP_ENTER] = "Enter",   [KEYSP_TAB] = "Tab",
    [KEYSP_BACKTAB] = "S-Tab", [KEYSP_ESC] = "Esc",
    [KEYSP_UP] = "Up",         [KEYSP_DOWN] = "Down",
    [KEYSP_LEFT] = "Left",     [KEYSP_RIGHT] = "Right",
    [KEYSP_PGUP] = "PgUp",     [KEYSP_PGDOWN] = "PgDown",
    [KEYSP_HOME] = "Home",     [KEYSP_END] = "End",
    [KEYSP_DEL] = "Del",       [KEYSP_BACKSPACE] = "Backspace",
    [KEYSP_INSERT] = "Insert",
};
#define SPECIAL_MAX KEYSP_INSERT

/* Other spellings people write (tig's and common ones). */
static const struct {
	const char *name;
	enum key_special sp;
} special_aliases[] = {
    {"Return", KEYSP_ENTER},    {"BackTab", KEYSP_BACKTAB}, {"Escape", KEYSP_ESC}, {"PageUp", KEYSP_PGUP},
    {"PageDown", KEYSP_PGDOWN}, {"PgDn", KEYSP_PGDOWN},     {"Delete", KEYSP_DEL}, {"Ins", KEYSP_INSERT},
};

/* Printable characters that need a name because the file syntax uses them. */
static const struct {
	const char *name;
	uint32_t cp;
} char_names[] = {
    {"Space", ' '},
    {"Hash", '#'},
    {"LessThan", '<'},
    {"Lt", '<'},
};

struct key key_from_char(uint32_t cp)
{
	return (struct key){.kind = KEY_KIND_CHAR, .code = cp};
}

struct key key_from_ctrl(uint32_t cp)
{
	/* A terminal sends Ctrl+c as the byte c & 0x1f, so characters with the
	 * same low five bits are the same key: ^| is ^\, ^a is ^A, ^@ is ^Space.
	 * One spelling for each: lower-case letters, [ \ ] ^ _, and Space. */
	if (cp >= 0x40 && cp <= 0x7f)
		cp = (cp & 0x1f) | 0x40;
	if (cp == '@')
		cp = ' ';
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	return (struct key){.kind = KEY_KIND_CHAR, .code = cp, .ctrl = true};
}

struct key key_from_special(enum key_special sp)
{
	return (struct key){.kind = KEY_KIND_SPECIAL, .code = (uint32_t)sp};
}

struct key key_from_fkey(int n)
{
	return (struct key){.kind = KEY_KIND_FKEY, .code = (uint32_t)n};
}

bool key_equal(const struct key *a, const struct key *b)
{
	return a->kind == b->kind && a->code == b->code && a->ctrl == b->ctrl;
}

static bool printable(uint32_t cp)
{
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
}

bool key_is_text(const struct key *k)
{
	return k->kind == KEY_KIND_CHAR && !k->ctrl && printable(k->code);
}

/* Characters that may follow Ctrl: the ones a terminal can send as ^x. */
static bool ctrl_ok(uint32_t cp)
{
	return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
	       (cp != 0 && strchr("@[\\]^_", (int)cp) != NULL);
}

static bool set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return false;
}

/* The part inside <...>, already stripped of "C-". */
static bool parse_bracketed(const char *s, size_t n, bool ctrl, struct key *out, const char **why)
{
	if (n == 1 && ctrl) {
		if (!ctrl_ok((unsigned char)s[0]))
			return set_why(why, "Ctrl works with letters, @ [ \\ ] ^ _, <C-Space> "
			                    "and named keys only");
		*out = key_from_ctrl((unsigned char)s[0]);
		return true;
	}
	for (int sp = 1; sp <= SPECIAL_MAX; sp++) {
		if (strlen(special_names[sp]) == n && !strncasecmp(s, special_names[sp], n)) {
			*out = key_from_special((enum key_special)sp);
			out->ctrl = ctrl;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof special_aliases / sizeof special_aliases[0]; i++) {
		if (strlen(special_aliases[i].name) == n && !strncasecmp(s, special_aliases[i].name, n)) {
			*out = key_from_special(special_aliases[i].sp);
			out->ctrl = ctrl;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof char_names / sizeof char_names[0]; i++) {
		if (strlen(char_names[i].name) == n && !strncasecmp(s, char_names[i].name, n)) {
			if (ctrl && char_names[i].cp != ' ')
				return set_why(why, "Ctrl works with letters, @ [ \\ ] ^ _, "
				                    "<C-Space> and named keys only");
			*out = key_from_char(char_names[i].cp);
			out->ctrl = ctrl;
			return true;
		}
	}
	if (n >= 2 && n <= 3 && (s[0] == 'F' || s[0] == 'f')) {
		int num = 0;
		for (size_t i = 1; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return set_why(why, "unknown key name");
			num = num * 10 + (s[i] - '0');
		}
		if (num < 1 || num > KEY_FKEY_MAX || s[1] == '0')
			return set_why(why, "function keys go from <F1> to <F24>");
		*out = key_from_fkey(num);
		out->ctrl = ctrl;
		return true;
	}
	return set_why(why, "unknown key name");
}

bool key_parse(const char *name, struct key *out, const char **why)
{
	size_t n = strlen(name);
	if (n == 0)
		return set_why(why, "empty key name");
	if (!utf8_valid(name, n))
		return set_why(why, "key name is not valid UTF-8");
	if (name[0] == '<' && n > 2 && name[n - 1] == '>') {
		const char *s = name + 1;
		size_t len = n - 2;
		bool ctrl = false;
		if (len > 2 && (s[0] == 'C' || s[0] == 'c') && s[1] == '-') {
			ctrl = true;
			s += 2;
			len -= 2;
		}
		return parse_bracketed(s, len, ctrl, out, why);
	}
	if (name[0] == '^' && n == 2) {
		if (!ctrl_ok((unsigned char)name[1]))
			return set_why(why, "Ctrl works with letters, @ [ \\ ] ^ _, <C-Space> "
			                    "and named keys only");
		*out = key_from_ctrl((unsigned char)name[1]);
		return true;
	}
	uint32_t cp;
	size_t used = utf8_decode(name, n, &cp);
	if (used != n)
		return set_why(why, "a key is one character or a name in <>, such as <Enter>");
	if (!printable(cp))
		return set_why(why, "control characters cannot be written as keys; use <C-x>");
	*out = key_from_char(cp);
	return true;
}

static const char *char_name(uint32_t cp)
{
	for (size_t i = 0; i < sizeof char_names / sizeof char_names[0]; i++)
		if (char_names[i].cp == cp)
			return char_names[i].name;
	return NULL;
}

/* What the two spellings of a key share. A special or function key is
 * its name between open and close ("<C-F5>" in keys files, "C-F5" on
 * screen); a plain character is itself. Characters with Ctrl and named
 * characters are each spelling's own, and left "" here. */
static char *name_common(const struct key *k, char *buf, size_t len, const char *open, const char *close)
{
	const char *c = k->ctrl ? "C-" : "";
	buf[0] = '\0';
	switch (k->kind) {
	case KEY_KIND_CHAR:
		if (!k->ctrl) {
			char u[UTF8_MAX + 1];
			size_t m = utf8_encode(k->code, u);
			u[m] = '\0';
			snprintf(buf, len, "%s", u);
		}
		break;
	case KEY_KIND_SPECIAL:
		if (k->code >= 1 && k->code <= SPECIAL_MAX)
			snprintf(buf, len, "%s%s%s%s", open, c, special_names[k->code], close);
		break;
	case KEY_KIND_FKEY:
		snprintf(buf, len, "%s%sF%u%s", open, c, (unsigned)k->code, close);
		break;
	case KEY_KIND_NONE:
		break;
	}
	return buf;
}

char *key_format(const struct key *k, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (k->kind != KEY_KIND_CHAR || (!k->ctrl && !char_name(k->code)))
		return name_common(k, buf, len, "<", ">");
	buf[0] = '\0';
	if (k->ctrl && k->code == ' ')
		snprintf(buf, len, "<C-Space>");
	else if (k->ctrl && k->code < 0x80)
		snprintf(buf, len, "<C-%c>", (char)k->code);
	else if (!k->ctrl)
		snprintf(buf, len, "<%s>", char_name(k->code));
	return buf;
}

char *key_label(const struct key *k, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (k->kind != KEY_KIND_CHAR || (!k->ctrl && k->code != ' '))
		return name_common(k, buf, len, "", "");
	buf[0] = '\0';
	if (k->code == ' ')
		snprintf(buf, len, "%sSpace", k->ctrl ? "^" : "");
	else if (k->code < 0x80)
		snprintf(buf, len, "^%c", (char)(k->code >= 'a' && k->code <= 'z' ? k->code - 32 : k->code));
	return buf;
}
