/* forms/field_edit.c - see field_edit.h. Fields are at most FIELD_MAX_LEN
 * characters, so the column sums below are simple loops, not caches. */
#include "forms/field_edit.h"

#include <string.h>
#include <wctype.h>

#include "keymaps/utf8.h"

static bool is_control(wchar_t wc)
{
	return wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0) || (wc >= 0xd800 && wc <= 0xdfff) ||
	       wc > 0x10ffff;
}

/* A combining mark (or other zero-width character) joins the unit before it. */
static bool is_mark(wchar_t wc)
{
	return wc != 0 && !is_control(wc) && wcwidth(wc) == 0;
}

/* Unknown widths (a non-UTF-8 locale) count as one column. */
static int char_cols(wchar_t wc)
{
	int w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

static size_t next_unit(const struct field_edit *f, size_t i)
{
	if (i >= f->len)
		return f->len;
	i++;
	while (i < f->len && is_mark(f->buf[i]))
		i++;
	return i;
}

static size_t prev_unit(const struct field_edit *f, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && is_mark(f->buf[i]))
		i--;
	return i;
}

static int unit_cols(const struct field_edit *f, size_t i)
{
	if (f->masked)
		return 1;
	size_t end = next_unit(f, i);
	int w = 0;
	for (size_t j = i; j < end; j++)
		w += char_cols(f->buf[j]);
	return w > 0 ? w : 1; /* a lone mark still takes a cell to show the cursor */
}

int field_columns(const struct field_edit *f, size_t from, size_t to)
{
	int w = 0;
	if (to > f->len)
		to = f->len;
	for (size_t i = from; i < to; i = next_unit(f, i))
		w += unit_cols(f, i);
	return w;
}

/* Keep the cursor (and the cell it sits on) inside the window, and show as
 * much text as fits when text to the left is hidden. */
static void fix_scroll(struct field_edit *f)
{
	if (f->scroll > f->cursor)
		f->scroll = f->cursor;
	while (f->scroll > 0 && is_mark(f->buf[f->scroll]))
		f->scroll--;
	int cur = f->cursor < f->len ? unit_cols(f, f->cursor) : 1;
	while (f->scroll < f->cursor && field_columns(f, f->scroll, f->cursor) + cur > f->width)
		f->scroll = next_unit(f, f->scroll);
	while (f->scroll > 0) {
		size_t p = prev_unit(f, f->scroll);
		if (field_columns(f, p, f->len) + 1 > f->width)
			break;
		f->scroll = p;
	}
}

void field_init(struct field_edit *f, size_t max_len, int width)
{
	memset(f, 0, sizeof *f);
	f->max_len = max_len == 0 || max_len > FIELD_MAX_LEN ? FIELD_MAX_LEN : max_len;
	f->width = width < 1 ? 1 : width;
}

void field_set_width(struct field_edit *f, int width)
{
	f->width = width < 1 ? 1 : width;
	fix_scroll(f);
}

void field_set_masked(struct field_edit *f, bool masked)
{
	f->masked = masked;
	fix_scroll(f);
}

static void remove_range(struct field_edit *f, size_t from, size_t to)
{
	memmove(f->buf + from, f->buf + to, (f->len - to + 1) * sizeof(wchar_t));
	f->len -= to - from;
}

enum field_status field_insert(struct field_edit *f, wchar_t wc)
{
	if (is_control(wc) || wc == 0)
		return FIELD_REJECTED;
	if (is_mark(wc) && f->cursor == 0)
		return FIELD_REJECTED; /* an accent needs a letter to sit on */
	if (f->len >= f->max_len)
		return FIELD_FULL;
	memmove(f->buf + f->cursor + 1, f->buf + f->cursor, (f->len - f->cursor + 1) * sizeof(wchar_t));
	f->buf[f->cursor++] = wc;
	f->len++;
	/* marks that stood alone at the start now belong to this letter */
	while (f->cursor < f->len && is_mark(f->buf[f->cursor]))
		f->cursor++;
	fix_scroll(f);
	return FIELD_CHANGED;
}

enum field_status field_backspace(struct field_edit *f)
{
	if (f->cursor == 0)
		return FIELD_NOOP;
	size_t p = prev_unit(f, f->cursor);
	remove_range(f, p, f->cursor);
	f->cursor = p;
	fix_scroll(f);
	return FIELD_CHANGED;
}

enum field_status field_delete(struct field_edit *f)
{
	if (f->cursor >= f->len)
		return FIELD_NOOP;
	remove_range(f, f->cursor, next_unit(f, f->cursor));
	fix_scroll(f);
	return FIELD_CHANGED;
}

static enum field_status move_to(struct field_edit *f, size_t pos)
{
	if (pos == f->cursor)
		return FIELD_NOOP;
	f->cursor = pos;
	fix_scroll(f);
	return FIELD_MOVED;
}

enum field_status field_left(struct field_edit *f)
{
	return move_to(f, prev_unit(f, f->cursor));
}

enum field_status field_right(struct field_edit *f)
{
	return move_to(f, next_unit(f, f->cursor));
}

/* Letters and digits make words; marks belong to their letter. Outside a
 * UTF-8 locale iswalnum() knows only ASCII, so treat other non-ASCII
 * characters that are not space or punctuation as letters. */
static bool is_word(wchar_t wc)
{
	return iswalnum((wint_t)wc) || is_mark(wc) ||
	       (wc >= 0xc0 && !iswspace((wint_t)wc) && !iswpunct((wint_t)wc));
}

enum field_status field_word_left(struct field_edit *f)
{
	size_t i = f->cursor;
	while (i > 0 && !is_word(f->buf[i - 1]))
		i--;
	while (i > 0 && is_word(f->buf[i - 1]))
		i--;
	while (i > 0 && i < f->len && is_mark(f->buf[i]))
		i--;
	return move_to(f, i);
}

enum field_status field_word_right(struct field_edit *f)
{
	size_t i = f->cursor;
	while (i < f->len && !is_word(f->buf[i]))
		i++;
	while (i < f->len && is_word(f->buf[i]))
		i++;
	while (i < f->len && is_mark(f->buf[i]))
		i++;
	return move_to(f, i);
}

enum field_status field_home(struct field_edit *f)
{
	return move_to(f, 0);
}

enum field_status field_end(struct field_edit *f)
{
	return move_to(f, f->len);
}

enum field_status field_kill_eol(struct field_edit *f)
{
	if (f->cursor >= f->len)
		return FIELD_NOOP;
	f->len = f->cursor;
	f->buf[f->len] = L'\0';
	fix_scroll(f);
	return FIELD_CHANGED;
}

enum field_status field_kill_line(struct field_edit *f)
{
	if (f->len == 0)
		return FIELD_NOOP;
	f->len = f->cursor = f->scroll = 0;
	f->buf[0] = L'\0';
	return FIELD_CHANGED;
}

enum field_status field_set_utf8(struct field_edit *f, const char *s, size_t len)
{
	wchar_t tmp[FIELD_MAX_LEN + 1];
	size_t n = 0;
	bool cut = false, cut_mark = false;
	if (len == (size_t)-1)
		len = strlen(s);
	while (len > 0) {
		uint32_t cp;
		size_t used = utf8_decode(s, len, &cp);
		if (used == 0)
			return FIELD_BAD_UTF8;
		if (is_control((wchar_t)cp))
			return FIELD_REJECTED;
		if (n < f->max_len) {
			tmp[n++] = (wchar_t)cp;
		} else if (!cut) {
			cut = true;
			cut_mark = is_mark((wchar_t)cp);
		}
		s += used;
		len -= used;
	}
	memcpy(f->buf, tmp, n * sizeof(wchar_t));
	f->len = n;
	/* a letter that lost some of its accents would be a different letter */
	if (cut_mark)
		f->len = prev_unit(f, f->len);
	f->buf[f->len] = L'\0';
	f->cursor = f->len;
	f->scroll = 0;
	fix_scroll(f);
	return cut ? FIELD_FULL : FIELD_CHANGED;
}

size_t field_get_utf8(const struct field_edit *f, char *out, size_t outlen)
{
	size_t total = 0, written = 0;
	for (size_t i = 0; i < f->len; i++) {
		char u[UTF8_MAX];
		size_t n = utf8_encode((uint32_t)f->buf[i], u);
		/* write whole characters only, and only while all before fit */
		if (written == total && total + n < outlen) {
			memcpy(out + total, u, n);
			written += n;
		}
		total += n;
	}
	if (outlen > 0)
		out[written] = '\0';
	return total;
}

bool field_is_empty(const struct field_edit *f)
{
	return f->len == 0;
}

void field_view(const struct field_edit *f, struct field_view *v)
{
	size_t i = f->scroll;
	int cols = 0;
	while (i < f->len) {
		int w = unit_cols(f, i);
		if (cols + w > f->width)
			break;
		cols += w;
		i = next_unit(f, i);
	}
	v->start = f->scroll;
	v->end = i;
	v->cols = cols;
	v->cursor_col = field_columns(f, f->scroll, f->cursor);
	v->more_left = f->scroll > 0;
	v->more_right = i < f->len;
}

size_t field_visible(const struct field_edit *f, wchar_t *out, size_t outlen)
{
	struct field_view v;
	size_t o = 0;
	if (outlen == 0)
		return 0;
	field_view(f, &v);
	for (size_t i = v.start; i < v.end && o + 1 < outlen;) {
		if (f->masked) {
			out[o++] = L'*';
			i = next_unit(f, i);
		} else {
			out[o++] = f->buf[i++];
		}
	}
	out[o] = L'\0';
	return o;
}
