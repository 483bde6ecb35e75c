/* forms/field_edit.h - a one-line text field as pure data: wide characters,
 * a cursor and a horizontal scroll offset for a given display width.
 *
 * Nothing here draws. tui/ asks field_view() what to show (the visible
 * characters, '*' for each one in a masked field, and the cursor column)
 * and draws that. Display columns come from wcwidth(), so accents, combining
 * marks and wide CJK characters take the room they take on the screen; the
 * program must have called setlocale(LC_CTYPE, "") with a UTF-8 locale.
 *
 * A base character and the combining marks after it are one unit: the
 * cursor never stops between them, and backspace/delete remove the whole
 * unit ("é" typed as e + U+0301 goes away with one backspace).
 *
 * Lengths are counted in code points (what a registry field limit counts).
 */
#ifndef VAX_FORMS_FIELD_EDIT_H
#define VAX_FORMS_FIELD_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/** The most characters any field holds (a field's own limit may be lower). */
#define FIELD_MAX_LEN 256

/** What an editing call did. Values below FIELD_FULL are success. */
enum field_status {
	FIELD_NOOP = 0, /* nothing to do (backspace at the start, ...) */
	FIELD_MOVED,    /* the cursor moved; the text is unchanged */
	FIELD_CHANGED,  /* the text changed */
	FIELD_FULL,     /* refused (or, for field_set_utf8, cut): max length */
	FIELD_REJECTED, /* refused: a control character */
	FIELD_BAD_UTF8, /* refused: the bytes are not UTF-8 */
};

struct field_edit {
	wchar_t buf[FIELD_MAX_LEN + 1]; /* NUL-terminated */
	size_t len;                     /* characters in buf */
	size_t max_len;                 /* limit, 1..FIELD_MAX_LEN */
	size_t cursor;                  /* 0..len, never inside a unit */
	size_t scroll;                  /* first visible character */
	int width;                      /* display columns, >= 1 */
	bool masked;                    /* password: show '*' per unit */
};

/** What to draw. The visible part is buf[start..end); the UI draws it (or
 * one '*' per unit when masked) from the field's first column, pads to
 * width, and puts the cursor at cursor_col. */
struct field_view {
	size_t start, end;
	int cursor_col;
	int cols;        /* columns the visible part takes */
	bool more_left;  /* text hidden to the left (draw a marker) */
	bool more_right; /* text hidden to the right */
};

/** Empty field holding up to max_len characters (0 or too big means
 * FIELD_MAX_LEN) shown in width columns. */
void field_init(struct field_edit *f, size_t max_len, int width);
/** Change the display width (the window was resized); keeps the cursor in view. */
void field_set_width(struct field_edit *f, int width);
/** Turn masking on or off. */
void field_set_masked(struct field_edit *f, bool masked);

/** Insert one character at the cursor. A combining mark joins the unit
 * before it (and is refused at the very start, where there is none). */
enum field_status field_insert(struct field_edit *f, wchar_t wc);
/** Delete the unit before the cursor. */
enum field_status field_backspace(struct field_edit *f);
/** Delete the unit under the cursor. */
enum field_status field_delete(struct field_edit *f);
/** Move one unit left / right. */
enum field_status field_left(struct field_edit *f);
enum field_status field_right(struct field_edit *f);
/** Move to the start of this or the previous word / past the end of this or
 * the next word. Words are letters and digits; "Mary-Jane" is two. */
enum field_status field_word_left(struct field_edit *f);
enum field_status field_word_right(struct field_edit *f);
/** Move to the start / end. */
enum field_status field_home(struct field_edit *f);
enum field_status field_end(struct field_edit *f);
/** Delete from the cursor to the end. */
enum field_status field_kill_eol(struct field_edit *f);
/** Delete everything. */
enum field_status field_kill_line(struct field_edit *f);

/** Replace the text with UTF-8 s (len bytes, or strlen if (size_t)-1) and
 * put the cursor at the end. Invalid UTF-8 or a control character leaves the
 * field unchanged; text longer than max_len is cut to fit and FIELD_FULL
 * returned. FIELD_CHANGED otherwise (even if the text was the same). */
enum field_status field_set_utf8(struct field_edit *f, const char *s, size_t len);
/** Write the text as UTF-8 into out (always NUL-terminated if outlen > 0).
 * Returns the byte length of the full text, like snprintf. */
size_t field_get_utf8(const struct field_edit *f, char *out, size_t outlen);

/** True if the field holds no characters. */
bool field_is_empty(const struct field_edit *f);
/** Display columns of buf[from..to) as drawn (masked: one per unit). */
int field_columns(const struct field_edit *f, size_t from, size_t to);
/** What to draw; see struct field_view. */
void field_view(const struct field_edit *f, struct field_view *v);
/** The visible characters as drawn, with '*' for masked units; out gets at
 * most outlen-1 characters and a NUL. Returns the characters written. */
size_t field_visible(const struct field_edit *f, wchar_t *out, size_t outlen);

#endif
