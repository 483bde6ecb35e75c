/* core/text.h - UTF-8 strings in fixed buffers, and the folding that makes
 * Peña match Pena and O'Neil match ONEIL. */
#ifndef VAX_CORE_TEXT_H
#define VAX_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Copy src into dst (capacity cap, cap > 0), truncating at a UTF-8
 * character boundary so the result is always valid. Returns the bytes
 * copied. A NULL src copies "". */
size_t text_copy(char *dst, size_t cap, const char *src);

/** True if s is well-formed UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const char *s);

/** Decode one code point from s[0..len), which need not end in a NUL:
 * store it in *cp and return the bytes used (1-4), or 0 if they are not
 * well-formed UTF-8 (overlong, surrogate, above U+10FFFF, cut short) or len
 * is 0. The one UTF-8 decoder: the others are built on it. */
size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp);

/** Decode one UTF-8 character at *s, advance *s; returns the code point or
 * -1 on malformed input (then *s advances by one byte). */
int32_t text_utf8_next(const char **s);

/** Number of characters (code points) in a valid UTF-8 string. */
size_t text_utf8_len(const char *s);

/** The search key of a name: accents folded to ASCII, upper case, only A-Z
 * and 0-9 kept (spaces, hyphens, apostrophes and punctuation dropped).
 * "Peña-O'Neil" -> "PENAONEIL". Letters with no ASCII form are dropped. */
void text_fold(const char *in, char *out, size_t cap);

/** Like text_fold but keeps single spaces between words (hyphens become
 * spaces): "de la Peña-Garza" -> "DE LA PENA GARZA". */
void text_fold_words(const char *in, char *out, size_t cap);

/** The ASCII base letter of a Latin letter with diacritics (é -> 'e',
 * Đ -> 'D', ß -> 's'), the character itself for ASCII, 0 if none. */
char text_fold_char(int32_t cp);

/** Trim ASCII spaces and tabs at both ends, in place. Returns s. */
char *text_trim(char *s);

/** Keep only the digits of s in out ("(512) 555-0100" -> "5125550100"). */
void text_digits(const char *s, char *out, size_t cap);

/** Case-insensitive ASCII comparison (codes: "im" == "IM"). */
bool text_ieq(const char *a, const char *b);

/** Is name one of the items of a comma-separated list ("id,name,gender")?
 * A NULL list has none. */
bool text_in_list(const char *list, const char *name);

#endif
