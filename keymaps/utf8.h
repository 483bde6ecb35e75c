/* keymaps/utf8.h - strict UTF-8 decoding and encoding, independent of the
 * locale (keymap files and stored records are UTF-8 whatever LC_CTYPE says).
 *
 * Strict means: no overlong forms, no surrogates, nothing above U+10FFFF.
 * forms/ uses the same functions for field values. Decoding is core's
 * (text_utf8_decode in core/text.h): one decoder for the whole program.
 */
#ifndef VAX_KEYMAPS_UTF8_H
#define VAX_KEYMAPS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest encoding of one code point. */
#define UTF8_MAX 4

/** Decode one code point from s[0..len). On success store it in *cp and
 * return the number of bytes used (1-4); return 0 if the bytes are not valid
 * UTF-8 (or len is 0). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/** Encode cp into out (at least UTF8_MAX bytes, not NUL-terminated); return
 * the byte count, or 0 if cp is a surrogate or above U+10FFFF. */
size_t utf8_encode(uint32_t cp, char out[UTF8_MAX]);

/** True if s[0..len) is entirely valid UTF-8. */
bool utf8_valid(const char *s, size_t len);

#endif
