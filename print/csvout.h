/* print/csvout.h - CSV lists (recall, school reports) as RFC 4180: every
 * field quoted when it holds a comma, quote or line break, CRLF line ends,
 * UTF-8 without a byte-order mark.
 *
 * A text field that begins with '=', '+', '-', '@' or a tab is prefixed
 * with a single quote, so a spreadsheet opening the list shows it as text
 * instead of running it as a formula (a name typed as "=HYPERLINK(...)").
 * Numbers and dates are written by the callers as they are.
 */
#ifndef VAX_PRINT_CSVOUT_H
#define VAX_PRINT_CSVOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/** A CSV text being built in memory. */
struct csvout {
	char *buf;
	size_t len, cap;
	int fields; /* in the row being written */
};

/** Append one text field (the first of a row starts the row). */
void csvout_field(struct csvout *c, const char *utf8);
/** Append a number or date written by the caller, never prefixed. */
void csvout_plain(struct csvout *c, const char *s);
/** End the row. */
void csvout_end_row(struct csvout *c);
/** A whole row of text fields. */
void csvout_row(struct csvout *c, const char *const *fields, int n);
/** Write it to path (mode 0600, replacing it whole) and free the buffer. */
bool csvout_save(struct csvout *c, const char *path, struct vax_error *err);
void csvout_free(struct csvout *c);

#endif
