/* core/csv.h - an RFC 4180 reader over a buffer in memory.
 *
 * Quoted fields may hold commas, doubled quotes and newlines; CRLF and LF
 * both end a record. Every row knows the line it started on, so a loader can
 * say "cvx.csv:212: ..." about the exact place a person must look.
 */
#ifndef VAX_CORE_CSV_H
#define VAX_CORE_CSV_H

#include <stddef.h>

#include "core/error.h"

struct csv_reader {
	const char *p;
	const char *end;
	int line;          /* line the next record starts on */
	const char *label; /* file name for messages */
};

struct csv_row {
	char **field;
	int n;
	int line;
	size_t cap;
};

enum csv_status { CSV_ROW = 0, CSV_END, CSV_ERROR };

void csv_init(struct csv_reader *r, const char *label, const char *buf, size_t len);
/** Read the next record into row (reusing its memory). A blank line at the
 * end of the buffer is not a record. */
enum csv_status csv_next(struct csv_reader *r, struct csv_row *row, struct vax_error *err);
void csv_row_free(struct csv_row *row);

#endif
