/* core/quicksearch.h - the one-line Quick search box.
 *
 * What may be typed (doc/matching.md, "Quick search"):
 *   TX00012345          a registry ID: two letters and 4-20 digits, or
 *   12345               4-20 digits alone (letters are upper-cased),
 *                       except 8 digits that make a date MMDDYYYY: a DOB
 *   123 456 789         the registry's own 9-digit ID, in groups or not
 *   0e8a...-...         a record's UUID (the registry id or the record's own)
 *   ID:TX00012345       a scanned client card: its barcode holds "ID:"
 *                       and the registry ID (scanner control characters
 *                       such as a trailing CR are ignored)
 *   García López, María Guadalupe 03/15/2019
 *                       last, first DOB; the DOB is MM/DD/YYYY (also
 *                       M/D/YYYY, MM-DD-YYYY, MMDDYYYY) and optional
 *   García 03/15/2019   no comma: every word before the DOB is the last
 *                       name (compound surnames stay whole)
 *   03/15/2019          a DOB alone
 */
#ifndef VAX_CORE_QUICKSEARCH_H
#define VAX_CORE_QUICKSEARCH_H

#include <stdbool.h>

#include "core/client.h"
#include "core/error.h"

enum quick_kind {
	QUICK_ID = 1, /* look the ID up directly */
	QUICK_NAME,   /* match on the names and DOB in query */
};

struct quick_search {
	enum quick_kind kind;
	bool scanned;        /* came from a card's barcode */
	bool uuid;           /* QUICK_ID is a UUID (lower case, as written) */
	char id[VAX_ID_LEN]; /* QUICK_ID, upper case */
	struct client query; /* QUICK_NAME: name.family, name.given, dob */
};

/** Parse one line. On failure returns false with err set (codes QS-EMPTY,
 * QS-ENCODING, QS-BARCODE, QS-DOB, QS-NAME) and a sentence saying what to
 * type instead. */
bool quick_search_parse(const char *line, struct quick_search *out, struct vax_error *err);

/** True if s (already trimmed) has the registry ID pattern. */
bool quick_search_is_id(const char *s);

#endif
