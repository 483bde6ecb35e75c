/* keymaps/key.h - a key press, with no curses in sight.
 *
 * tui/ turns what wget_wch() returns into a struct key (KEY_UP -> <Up>,
 * 0x01 -> <C-a>, 0x7f and KEY_BACKSPACE -> <Backspace>, 0x08 -> <C-h>,
 * '\r' '\n' KEY_ENTER -> <Enter>, 0x1b -> <Esc>, '\t' -> <Tab>, KEY_BTAB ->
 * <BackTab>, KEY_F(n) -> <Fn>, any other character -> itself); everything
 * below tui/ sees only this struct. Key names follow tig: `a`, `A`, `é`,
 * `<Enter>`, `<C-x>` (or `^x`), `<F2>`, `<Space>`, `<Hash>`, `<LessThan>`.
 * Names inside <> are case-insensitive; a plain character is not.
 */
#ifndef VAX_KEYMAPS_KEY_H
#define VAX_KEYMAPS_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum key_kind {
	KEY_KIND_NONE = 0, /* no key (zeroed struct) */
	KEY_KIND_CHAR,     /* a Unicode character; with ctrl, a control key */
	KEY_KIND_SPECIAL,  /* a named key: enum key_special */
	KEY_KIND_FKEY,     /* function key F1..F24 */
};

enum key_special {
	KEYSP_ENTER = 1,
	KEYSP_TAB,
	KEYSP_BACKTAB, /* Shift-Tab */
	KEYSP_ESC,
	KEYSP_UP,
	KEYSP_DOWN,
	KEYSP_LEFT,
	KEYSP_RIGHT,
	KEYSP_PGUP,
	KEYSP_PGDOWN,
	KEYSP_HOME,
	KEYSP_END,
	KEYSP_DEL,
	KEYSP_BACKSPACE,
	KEYSP_INSERT,
};

/** Highest function key number a keys file may name. */
#define KEY_FKEY_MAX 24
/** Room for any formatted key name or label, with the NUL. */
#define KEY_NAME_LEN 24

struct key {
	enum key_kind kind;
	uint32_t code; /* CHAR: code point (lower case if ctrl); SPECIAL: enum
	                  key_special; FKEY: 1..KEY_FKEY_MAX */
	bool ctrl;     /* Ctrl held: <C-x>, <C-Left> */
};

/** A plain character key. */
struct key key_from_char(uint32_t cp);
/** A Ctrl key: key_from_ctrl('x') is <C-x>. Characters a terminal cannot
 * tell apart under Ctrl give the same key (same c & 0x1f): 'X' and 'x',
 * '|' and '\\', '@' and ' ' (<C-Space>), so a control byte b can be passed
 * as b + 0x40 or b + 0x60. */
struct key key_from_ctrl(uint32_t cp);
/** A named key. */
struct key key_from_special(enum key_special sp);
/** Function key n (1..KEY_FKEY_MAX). */
struct key key_from_fkey(int n);

/** Same key. */
bool key_equal(const struct key *a, const struct key *b);
/** True for a character a person types into a field (no Ctrl, printable). */
bool key_is_text(const struct key *k);

/** Parse a key name as written in a *.keys file. On failure return false and
 * point *why (if not NULL) at a static sentence saying what is wrong. */
bool key_parse(const char *name, struct key *out, const char **why);

/** The canonical name, parseable by key_parse: "a", "<C-x>", "<F2>",
 * "<Space>". Returns buf. */
char *key_format(const struct key *k, char *buf, size_t len);

/** A short label for the function-key bar and help: "F2", "^X", "Enter",
 * "Space", "a". Returns buf. */
char *key_label(const struct key *k, char *buf, size_t len);

#endif
