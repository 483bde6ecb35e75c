/* core/phonetic.h - a sound-alike key for one name word, tuned for the
 * English and Spanish spellings a Texas front desk types.
 *
 * A Metaphone-style consonant skeleton: the first sound is kept (a leading
 * vowel becomes 'A'), later vowels are dropped, and letters that sound alike
 * in either language share a symbol: B/V, S/Z/soft C, K/Q/hard C/hard G,
 * silent H, J and soft G, LL/RR/doubled letters as one, PH as F, D as T,
 * CH/SH as X. "Hernández", "Ernandes" and "HERNANDEZ" all give "ARNNTS";
 * "Gonzales"/"Gonsalez" give "KNSLS"; "Nguyễn"/"Ngyuen" give "NN".
 * doc/matching.md explains why this rather than Double Metaphone.
 */
#ifndef VAX_CORE_PHONETIC_H
#define VAX_CORE_PHONETIC_H

#include <stdbool.h>

/** Key length: at most PHONETIC_LEN - 1 symbols, then NUL. */
#define PHONETIC_LEN 8

/** The key of one word (any UTF-8; folded first, so accents, case and
 * punctuation do not matter). A word with no letters gives "". */
void phonetic_code(const char *word, char out[PHONETIC_LEN]);

/** True if both words have the same non-empty key. */
bool phonetic_equal(const char *a, const char *b);

/** Jaro-Winkler similarity of two ASCII strings (0 = nothing in common,
 * 1 = equal); compare folded names. Two empty strings give 0: an empty
 * field is missing, not a match. Only the first 64 bytes are compared. */
double phonetic_jaro_winkler(const char *a, const char *b);

#endif
