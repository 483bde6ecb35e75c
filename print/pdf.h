/* print/pdf.h - a small flowing-document writer for the printed documents
 * (official record, recall letters, school and provider reports), on cairo's
 * PDF surface and pango's text layout.
 *
 * Text is always set with pango_layout_set_text(), never as markup, so a
 * name with '<' or '&' prints as typed; fontconfig supplies a font for any
 * script (DejaVu Sans first, then whatever covers the character), so any
 * UTF-8 name prints. A document is a draw function called twice: once
 * against a discarding surface to count the pages, once for real, so every
 * footer can say "Page 2 of 5". Positions are in points (1/72 inch) from
 * the top left of the page.
 */
#ifndef VAX_PRINT_PDF_H
#define VAX_PRINT_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

enum pdf_paper {
	PDF_PAPER_LETTER = 0, /* US Letter, 8.5 x 11 in: the default */
	PDF_PAPER_A4,
};

/** "letter" or "a4" (case-insensitive); false for anything else. */
bool pdf_paper_parse(const char *s, enum pdf_paper *out);
/** "letter", "a4". */
const char *pdf_paper_name(enum pdf_paper p);
/** Width and height in points. */
void pdf_paper_size(enum pdf_paper p, double *w, double *h);

enum pdf_style {
	PDF_BODY = 0, /* 10 pt */
	PDF_BOLD,     /* 10 pt bold */
	PDF_SMALL,    /* 8 pt */
	PDF_HEADING,  /* 12 pt bold, a section */
	PDF_TITLE,    /* 17 pt bold, the document's name */
	PDF_LARGE,    /* 12 pt, letters */
	PDF_STYLE_COUNT,
};

struct pdf;

/** What the whole document shares. */
struct pdf_setup {
	enum pdf_paper paper;
	const char *title;  /* PDF metadata; never PHI (it is shown by viewers and print queues) */
	const char *footer; /* left of every footer, "" or NULL for none */
	bool page_numbers;  /* "Page n of N" at the right of the footer */
	double margin;      /* points; 0 means 54 (3/4 inch) */
};

typedef void (*pdf_draw_fn)(struct pdf *p, const void *data);

/** Draw the document and write it to path (created mode 0600: it holds
 * PHI). On failure nothing is left at path and err says why. */
bool pdf_write_file(const char *path, const struct pdf_setup *s, pdf_draw_fn draw, const void *data,
                    struct vax_error *err);
/** The same into a malloc'd buffer (*len bytes). */
bool pdf_write_mem(char **buf, size_t *len, const struct pdf_setup *s, pdf_draw_fn draw, const void *data,
                   struct vax_error *err);

/** Let go of pango's process-wide font map: call once at exit, after the
 * last document. fontconfig's own caches stay for the process's life. */
void pdf_shutdown(void);

/* ---- drawing (inside a draw function) ----------------------------------- */

/** Content width and the cursor's distance from the top of the page. */
double pdf_width(const struct pdf *p);
double pdf_y(const struct pdf *p);
/** Move the cursor to y (points from the top of the page). */
void pdf_set_y(struct pdf *p, double y);
/** The page being drawn, from 1. */
int pdf_page(const struct pdf *p);
/** Start a new page (the footer of the current one is drawn). */
void pdf_new_page(struct pdf *p);
/** A new page unless `height` points still fit below the cursor. */
void pdf_need(struct pdf *p, double height);
/** Vertical space. */
void pdf_space(struct pdf *p, double pt);
/** A paragraph wrapped to the content width; lines flow onto new pages. */
void pdf_text(struct pdf *p, enum pdf_style st, const char *utf8);
/** The same, indented by `indent` points. */
void pdf_text_indent(struct pdf *p, enum pdf_style st, double indent, const char *utf8);
/** Text at a fixed place (x from the left edge of the page, y from the top),
 * wrapped to width; the cursor does not move. Returns the height used. */
double pdf_text_at(struct pdf *p, double x, double y, double width, enum pdf_style st, const char *utf8);
/** A thin horizontal line across the content width. */
void pdf_rule(struct pdf *p);
/** A boxed notice (bold, shaded), e.g. "PROVISIONAL". */
void pdf_notice(struct pdf *p, const char *utf8);
/** Label/value pairs in `columns` columns (kv holds 2*n strings). */
void pdf_fields(struct pdf *p, const char *const *kv, int n, int columns);

/* ---- tables ------------------------------------------------------------- */

#define PDF_TABLE_MAX_COLS 10

struct pdf_table {
	int ncols;
	double widths[PDF_TABLE_MAX_COLS]; /* shares of the content width; they need not add to 1 */
	const char *headers[PDF_TABLE_MAX_COLS];
	enum pdf_style style; /* of the cells (PDF_BODY or PDF_SMALL) */
};

enum pdf_row_flags {
	PDF_ROW_BOLD = 1,  /* e.g. a group's heading row */
	PDF_ROW_SHADE = 2, /* a light grey background */
	PDF_ROW_MARK = 4,  /* set off by a bar at the left edge: a row that needs attention */
	PDF_ROW_GROUP = 8, /* a darker line above: the first row of a group */
};

/** The header row (repeated at the top of every page the table runs onto). */
void pdf_table_begin(struct pdf *p, const struct pdf_table *t);
/** One row; cells wrap within their column; a row is never split. */
void pdf_table_row(struct pdf *p, const char *const *cells, unsigned flags);
/** The end of the table (a closing rule and some space). */
void pdf_table_end(struct pdf *p);

#endif
