/* core/csv.c - see csv.h */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void csv_init(struct csv_reader *r, const char *label, const char *buf, size_t len)
{
	r->p = buf;
	r->end = buf + len;
	r->line = 1;
	r->label = label ? label : "(csv)";
}

static void row_clear(struct csv_row *row)
{
	for (int i = 0; i < row->n; i++)
		free(row->field[i]);
	row->n = 0;
}

void csv_row_free(struct csv_row *row)
{
	row_clear(row);
	free(row->field);
	memset(row, 0, sizeof *row);
}

static void add_field(struct csv_row *row, const char *s, size_t n)
{
	row->field = xgrow(row->field, &row->cap, (size_t)row->n + 1, sizeof *row->field);
	row->field[row->n++] = xstrndup(s, n);
}

enum csv_status csv_next(struct csv_reader *r, struct csv_row *row, struct vax_error *err)
{
	row_clear(row);
	if (r->p >= r->end)
		return CSV_END;
	row->line = r->line;
	/* a final blank line (or a stray CR) is the end, not an empty record;
	 * the buffer need not be NUL-terminated, so no str* functions here */
	const char *q = r->p;
	while (q < r->end && q - r->p < 2 && (*q == '\r' || *q == '\n'))
		q++;
	if (q == r->end)
		return CSV_END;
	if (memchr(r->p, '\0', (size_t)(r->end - r->p)))
		return error_set(err, "CSV-NUL",
		                 "%s:%d: the file contains a NUL byte; it is not a text CSV file", r->label,
		                 r->line),
		       CSV_ERROR;

	size_t cap = 64, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		len = 0;
		if (r->p < r->end && *r->p == '"') {
			int start_line = r->line;
			r->p++;
			for (;;) {
				if (r->p >= r->end) {
					free(buf);
					error_set(
					    err, "CSV-QUOTE",
					    "%s:%d: a quoted field is not closed (the file may be truncated)",
					    r->label, start_line);
					return CSV_ERROR;
				}
				char c = *r->p++;
				if (c == '"') {
					if (r->p < r->end && *r->p == '"') {
						r->p++;
					} else {
						break;
					}
				} else if (c == '\n') {
					r->line++;
				}
				buf = xgrow(buf, &cap, len + 1, 1);
				buf[len++] = c;
			}
			if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
				free(buf);
				error_set(err, "CSV-QUOTE", "%s:%d: unexpected text after a closing quote",
				          r->label, r->line);
				return CSV_ERROR;
			}
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
				buf = xgrow(buf, &cap, len + 1, 1);
				buf[len++] = *r->p++;
			}
		}
		add_field(row, buf, len);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		break;
	}
	free(buf);
	return CSV_ROW;
}
