/* core/nickname.h - given-name nicknames (Bill for William, Chuy for Jesús,
 * Lupe for Guadalupe) and cross-language equivalents (Juan/John).
 *
 * The table is compiled in (core/ does no I/O); data/names/nicknames.txt is
 * the same table as text, with its SOURCE.md. Names are compared folded
 * (text_fold: no accents, no spaces), so "José María" is JOSEMARIA.
 */
#ifndef VAX_CORE_NICKNAME_H
#define VAX_CORE_NICKNAME_H

#include <stdbool.h>
#include <stddef.h>

/** Most full names one nickname can stand for. */
#define NICKNAME_FULL_MAX 8

struct nickname_entry {
	const char *nick;                    /* folded */
	const char *full[NICKNAME_FULL_MAX]; /* folded; NULL after the last */
};

/** The full names a folded nickname stands for, or NULL if it is none. */
const struct nickname_entry *nickname_find(const char *folded);

/** True if two given names (any UTF-8) are the same person's name by the
 * table: one is a nickname of the other, or both are nicknames of one full
 * name (Memo and Guille for Guillermo). Equal names are not "related":
 * callers test equality first. Empty names never are. */
bool nickname_related(const char *a, const char *b);

/** The whole table, sorted by nick (for the table check and the
 * generator of the evaluation set). */
const struct nickname_entry *nickname_table(size_t *n);

#endif
