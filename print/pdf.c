/* print/pdf.c - see pdf.h. */
#include "print/pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "core/text.h"

/* The first family prints Latin, Greek, Cyrillic, Vietnamese and Arabic;
 * fontconfig falls back per character for anything else (CJK from Droid
 * Sans Fallback when installed). */
#define FONT_FAMILY "DejaVu Sans, Droid Sans Fallback, sans-serif"

static const struct {
	double size;
	bool bold;
} style_font[PDF_STYLE_COUNT] = {
    [PDF_BODY] = {10, false},   [PDF_BOLD] = {10, true},  [PDF_SMALL] = {8, false},
    [PDF_HEADING] = {12, true}, [PDF_TITLE] = {17, true}, [PDF_LARGE] = {12, false},
};

#define CELL_PAD_X  3.0
#define CELL_PAD_Y  2.5
#define FOOTER_SIZE 8.0

struct pdf {
	cairo_surface_t *surf;
	cairo_t *cr;
	PangoContext *ctx;
	PangoFontDescription *font[PDF_STYLE_COUNT][2]; /* [style][bold] */
	const struct pdf_setup *s;
	double w, h, m;
	double y;
	int page;
	int pages; /* from the counting pass; 0 while counting */
	const struct pdf_table *table;
	double col_x[PDF_TABLE_MAX_COLS + 1];
	bool in_header; /* drawing a table's header row */
};

bool pdf_paper_parse(const char *s, enum pdf_paper *out)
{
	if (!s)
		return false;
	if (!strcasecmp(s, "letter") || !strcasecmp(s, "us-letter")) {
		*out = PDF_PAPER_LETTER;
		return true;
	}
	if (!strcasecmp(s, "a4")) {
		*out = PDF_PAPER_A4;
		return true;
	}
	return false;
}

const char *pdf_paper_name(enum pdf_paper p)
{
	return p == PDF_PAPER_A4 ? "a4" : "letter";
}

void pdf_paper_size(enum pdf_paper p, double *w, double *h)
{
	if (p == PDF_PAPER_A4) {
		*w = 595.276; /* 210 mm */
		*h = 841.890; /* 297 mm */
	} else {
		*w = 612;
		*h = 792;
	}
}

/* ---- text ------------------------------------------------------------------ */

/* Pango wants valid UTF-8: a stray byte (a damaged record) becomes '?'
 * rather than a blank document. Returns s itself when it is valid. */
static const char *clean(const char *s, char **owned)
{
	*owned = NULL;
	if (!s)
		return "";
	if (text_utf8_valid(s))
		return s;
	size_t n = strlen(s);
	char *o = malloc(n + 1);
	if (!o)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			o[k++] = '?';
			i++;
		} else {
			memcpy(o + k, s + i, len);
			k += len;
			i += len;
		}
	}
	o[k] = '\0';
	*owned = o;
	return o;
}

static PangoLayout *layout(struct pdf *p, enum pdf_style st, bool bold, double width, const char *utf8)
{
	PangoLayout *l = pango_layout_new(p->ctx);
	pango_layout_set_font_description(l, p->font[st][bold || style_font[st].bold]);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	/* no ligatures: "ffi" stays three letters for a search, also after a
	 * print queue has turned the PDF into PostScript and back */
	PangoAttrList *al = pango_attr_list_new();
	pango_attr_list_insert(al, pango_attr_font_features_new("liga 0, clig 0"));
	pango_layout_set_attributes(l, al);
	pango_attr_list_unref(al);
	char *owned;
	pango_layout_set_text(l, clean(utf8, &owned), -1);
	free(owned);
	return l;
}

static double layout_height(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void draw_footer(struct pdf *p)
{
	const struct pdf_setup *s = p->s;
	bool left = s->footer && *s->footer;
	if (!left && !s->page_numbers)
		return;
	double y = p->h - p->m + 14;
	double w = p->w - 2 * p->m;
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
	cairo_set_line_width(p->cr, 0.4);
	cairo_move_to(p->cr, p->m, y - 4);
	cairo_line_to(p->cr, p->w - p->m, y - 4);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	double right_w = 0;
	if (s->page_numbers) {
		char num[48];
		if (p->pages > 0)
			snprintf(num, sizeof num, "Page %d of %d", p->page, p->pages);
		else
			snprintf(num, sizeof num, "Page %d of %d", p->page, p->page + 99);
		PangoLayout *l = layout(p, PDF_SMALL, false, 0, num);
		int lw, lh;
		pango_layout_get_size(l, &lw, &lh);
		right_w = (double)lw / PANGO_SCALE;
		cairo_move_to(p->cr, p->w - p->m - right_w, y);
		pango_cairo_show_layout(p->cr, l);
		g_object_unref(l);
	}
	if (left) {
		PangoLayout *l = layout(p, PDF_SMALL, false, w - right_w - 12, s->footer);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
		cairo_move_to(p->cr, p->m, y);
		pango_cairo_show_layout(p->cr, l);
		g_object_unref(l);
	}
	cairo_restore(p->cr);
}

static double bottom(const struct pdf *p)
{
	return p->h - p->m;
}

static void table_header(struct pdf *p);

void pdf_new_page(struct pdf *p)
{
	draw_footer(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = p->m;
	if (p->table && !p->in_header)
		table_header(p);
}

void pdf_need(struct pdf *p, double height)
{
	if (p->y + height > bottom(p) && p->y > p->m + 0.5)
		pdf_new_page(p);
}

void pdf_space(struct pdf *p, double pt)
{
	p->y += pt;
	if (p->y > bottom(p))
		pdf_new_page(p);
}

double pdf_width(const struct pdf *p)
{
	return p->w - 2 * p->m;
}

double pdf_y(const struct pdf *p)
{
	return p->y;
}

void pdf_set_y(struct pdf *p, double y)
{
	p->y = y;
}

int pdf_page(const struct pdf *p)
{
	return p->page;
}

/* Draw a layout line by line from the cursor at x, starting new pages as
 * the lines reach the bottom margin. */
static void flow(struct pdf *p, PangoLayout *l, double x)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	double top = p->y; /* page y of the layout's origin */
	do {
		PangoRectangle log;
		pango_layout_iter_get_line_extents(it, NULL, &log);
		double ly = (double)log.y / PANGO_SCALE, lh = (double)log.height / PANGO_SCALE;
		if (top + ly + lh > bottom(p) && top + ly > p->m + 0.5) {
			pdf_new_page(p);
			top = p->y - ly;
		}
		double base = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
		cairo_move_to(p->cr, x + (double)log.x / PANGO_SCALE, top + base);
		pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		p->y = top + ly + lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

void pdf_text_indent(struct pdf *p, enum pdf_style st, double indent, const char *utf8)
{
	PangoLayout *l = layout(p, st, false, pdf_width(p) - indent, utf8);
	flow(p, l, p->m + indent);
	g_object_unref(l);
}

void pdf_text(struct pdf *p, enum pdf_style st, const char *utf8)
{
	if (st == PDF_HEADING) {
		/* keep a heading with the first lines under it */
		pdf_need(p, 60);
	}
	pdf_text_indent(p, st, 0, utf8);
}

double pdf_text_at(struct pdf *p, double x, double y, double width, enum pdf_style st, const char *utf8)
{
	PangoLayout *l = layout(p, st, false, width, utf8);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
	double h = layout_height(l);
	g_object_unref(l);
	return h;
}

void pdf_rule(struct pdf *p)
{
	pdf_need(p, 6);
	cairo_save(p->cr);
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, p->m, p->y + 2);
	cairo_line_to(p->cr, p->w - p->m, p->y + 2);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
	p->y += 5;
}

void pdf_notice(struct pdf *p, const char *utf8)
{
	double pad = 6, w = pdf_width(p);
	PangoLayout *l = layout(p, PDF_BOLD, true, w - 2 * pad, utf8);
	double h = layout_height(l) + 2 * pad;
	pdf_need(p, h);
	cairo_save(p->cr);
	cairo_rectangle(p->cr, p->m, p->y, w, h);
	cairo_set_source_rgb(p->cr, 0.90, 0.90, 0.90);
	cairo_fill_preserve(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_line_width(p->cr, 1.5);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
	cairo_move_to(p->cr, p->m + pad, p->y + pad);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	p->y += h + 6;
}

void pdf_fields(struct pdf *p, const char *const *kv, int n, int columns)
{
	if (columns < 1)
		columns = 1;
	double cw = pdf_width(p) / columns, label_w = cw * 0.36;
	for (int i = 0; i < n; i += columns) {
		PangoLayout *lab[8] = {0}, *val[8] = {0};
		double rh = 0;
		for (int c = 0; c < columns && c < 8 && i + c < n; c++) {
			lab[c] = layout(p, PDF_SMALL, true, label_w - 4, kv[2 * (i + c)]);
			val[c] = layout(p, PDF_BODY, false, cw - label_w - 6, kv[2 * (i + c) + 1]);
			double h = layout_height(val[c]);
			if (layout_height(lab[c]) > h)
				h = layout_height(lab[c]);
			if (h > rh)
				rh = h;
		}
		pdf_need(p, rh + 3);
		for (int c = 0; c < columns && c < 8 && lab[c]; c++) {
			double x = p->m + c * cw;
			cairo_move_to(p->cr, x, p->y + 1.5);
			pango_cairo_show_layout(p->cr, lab[c]);
			cairo_move_to(p->cr, x + label_w, p->y);
			pango_cairo_show_layout(p->cr, val[c]);
			g_object_unref(lab[c]);
			g_object_unref(val[c]);
		}
		p->y += rh + 3;
	}
}

/* ---- tables -------------------------------------------------------------------- */

/* Lay out one row's cells; returns the row height. */
static double row_layouts(struct pdf *p, const char *const *cells, bool bold, PangoLayout **out)
{
	const struct pdf_table *t = p->table;
	double rh = 0;
	for (int c = 0; c < t->ncols; c++) {
		double cw = p->col_x[c + 1] - p->col_x[c] - 2 * CELL_PAD_X;
		out[c] = layout(p, t->style, bold, cw > 4 ? cw : 4, cells[c] ? cells[c] : "");
		double h = layout_height(out[c]);
		if (h > rh)
			rh = h;
	}
	return rh + 2 * CELL_PAD_Y;
}

static void row_draw(struct pdf *p, PangoLayout **ls, double rh, unsigned flags)
{
	const struct pdf_table *t = p->table;
	double x0 = p->col_x[0], x1 = p->col_x[t->ncols];
	cairo_save(p->cr);
	if (flags & PDF_ROW_SHADE) {
		cairo_rectangle(p->cr, x0, p->y, x1 - x0, rh);
		cairo_set_source_rgb(p->cr, 0.88, 0.88, 0.88);
		cairo_fill(p->cr);
	}
	if (flags & PDF_ROW_MARK) {
		cairo_rectangle(p->cr, x0, p->y + 1, 2.2, rh - 2);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_fill(p->cr);
	}
	if (flags & PDF_ROW_GROUP) {
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_set_line_width(p->cr, 0.8);
		cairo_move_to(p->cr, x0, p->y);
		cairo_line_to(p->cr, x1, p->y);
		cairo_stroke(p->cr);
	}
	cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(p->cr, 0.3);
	cairo_move_to(p->cr, x0, p->y + rh);
	cairo_line_to(p->cr, x1, p->y + rh);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
	for (int c = 0; c < t->ncols; c++) {
		cairo_move_to(p->cr, p->col_x[c] + CELL_PAD_X + ((flags & PDF_ROW_MARK) && c == 0 ? 2 : 0),
		              p->y + CELL_PAD_Y);
		pango_cairo_show_layout(p->cr, ls[c]);
		g_object_unref(ls[c]);
	}
	p->y += rh;
}

static void table_header(struct pdf *p)
{
	PangoLayout *ls[PDF_TABLE_MAX_COLS];
	p->in_header = true;
	double rh = row_layouts(p, p->table->headers, true, ls);
	if (p->y + rh * 2 > bottom(p) && p->y > p->m + 0.5)
		pdf_new_page(p);
	row_draw(p, ls, rh, PDF_ROW_SHADE);
	p->in_header = false;
}

void pdf_table_begin(struct pdf *p, const struct pdf_table *t)
{
	double sum = 0;
	for (int c = 0; c < t->ncols; c++)
		sum += t->widths[c] > 0 ? t->widths[c] : 1;
	double x = p->m;
	for (int c = 0; c < t->ncols; c++) {
		p->col_x[c] = x;
		x += pdf_width(p) * (t->widths[c] > 0 ? t->widths[c] : 1) / sum;
	}
	p->col_x[t->ncols] = p->w - p->m;
	p->table = t;
	table_header(p);
}

void pdf_table_row(struct pdf *p, const char *const *cells, unsigned flags)
{
	PangoLayout *ls[PDF_TABLE_MAX_COLS];
	double rh = row_layouts(p, cells, (flags & PDF_ROW_BOLD) != 0, ls);
	if (p->y + rh > bottom(p) && p->y > p->m + 0.5) {
		/* the header goes above the row on the new page */
		for (int c = 0; c < p->table->ncols; c++)
			g_object_unref(ls[c]);
		pdf_new_page(p);
		rh = row_layouts(p, cells, (flags & PDF_ROW_BOLD) != 0, ls);
	}
	row_draw(p, ls, rh, flags);
}

void pdf_table_end(struct pdf *p)
{
	p->table = NULL;
	pdf_space(p, 8);
}

void pdf_shutdown(void)
{
	/* pango's font map goes; fontconfig's and cairo's caches stay (their
	 * debug resets assert while a font is still referenced somewhere):
	 * the tests' leak checker is told so (tests/lsan.supp) */
	pango_cairo_font_map_set_default(NULL);
}

/* ---- documents ------------------------------------------------------------------ */

struct sink {
	FILE *f;   /* a file, or */
	char *buf; /* memory */
	size_t len, cap;
	bool discard; /* the counting pass */
	int err;      /* errno of a failed write */
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int length)
{
	struct sink *k = closure;
	if (k->discard)
		return CAIRO_STATUS_SUCCESS;
	if (k->f) {
		if (fwrite(data, 1, length, k->f) != length) {
			k->err = errno ? errno : EIO;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		return CAIRO_STATUS_SUCCESS;
	}
	if (k->len + length > k->cap) {
		size_t nc = k->cap ? k->cap : 65536;
		while (nc < k->len + length)
			nc *= 2;
		char *nb = realloc(k->buf, nc);
		if (!nb)
			abort();
		k->buf = nb;
		k->cap = nc;
	}
	memcpy(k->buf + k->len, data, length);
	k->len += length;
	return CAIRO_STATUS_SUCCESS;
}

/* One pass; returns the page count, or -1 (err set). */
static int render(struct sink *k, const struct pdf_setup *s, int pages, pdf_draw_fn draw, const void *data,
                  struct vax_error *err)
{
	struct pdf p = {.s = s, .pages = pages, .page = 1};
	pdf_paper_size(s->paper, &p.w, &p.h);
	p.m = s->margin > 0 ? s->margin : 54;
	p.y = p.m;
	p.surf = cairo_pdf_surface_create_for_stream(sink_write, k, p.w, p.h);
	if (cairo_surface_status(p.surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(p.surf);
		return error_set(err, "PRINT-CAIRO", "The PDF could not be started."), -1;
	}
	cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE, s->title ? s->title : "vaxdesk");
	cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "vaxdesk");
	p.cr = cairo_create(p.surf);
	p.ctx = pango_cairo_create_context(p.cr);
	/* points are cairo's units on a PDF surface: 10 pt text is 10 units */
	pango_cairo_context_set_resolution(p.ctx, 72);
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(p.ctx, fo);
	cairo_font_options_destroy(fo);
	for (int st = 0; st < PDF_STYLE_COUNT; st++)
		for (int b = 0; b < 2; b++) {
			PangoFontDescription *fd = pango_font_description_from_string(FONT_FAMILY);
			pango_font_description_set_size(fd, (gint)(style_font[st].size * PANGO_SCALE));
			pango_font_description_set_weight(fd, b ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
			p.font[st][b] = fd;
		}
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	draw(&p, data);
	draw_footer(&p);
	cairo_show_page(p.cr);
	int n = p.page;
	for (int st = 0; st < PDF_STYLE_COUNT; st++)
		for (int b = 0; b < 2; b++)
			pango_font_description_free(p.font[st][b]);
	g_object_unref(p.ctx);
	cairo_destroy(p.cr);
	cairo_surface_finish(p.surf);
	cairo_status_t cs = cairo_surface_status(p.surf);
	cairo_surface_destroy(p.surf);
	if (cs != CAIRO_STATUS_SUCCESS) {
		if (k->err)
			error_set(err, "PRINT-WRITE", "The PDF could not be written: %s.", strerror(k->err));
		else
			error_set(err, "PRINT-CAIRO", "The PDF could not be made: %s.",
			          cairo_status_to_string(cs));
		return -1;
	}
	return n;
}

static bool render_both(struct sink *k, const struct pdf_setup *s, pdf_draw_fn draw, const void *data,
                        struct vax_error *err)
{
	struct sink count = {.discard = true};
	int pages = render(&count, s, 0, draw, data, err);
	return pages > 0 && render(k, s, pages, draw, data, err) > 0;
}

bool pdf_write_mem(char **buf, size_t *len, const struct pdf_setup *s, pdf_draw_fn draw, const void *data,
                   struct vax_error *err)
{
	struct sink k = {0};
	*buf = NULL;
	*len = 0;
	if (!render_both(&k, s, draw, data, err)) {
		free(k.buf);
		return false;
	}
	*buf = k.buf;
	*len = k.len;
	return true;
}

bool pdf_write_file(const char *path, const struct pdf_setup *s, pdf_draw_fn draw, const void *data,
                    struct vax_error *err)
{
	/* a temporary beside the target, renamed over it when complete: a
	 * failed or interrupted print never leaves half a record at path */
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (!tmp)
		abort();
	snprintf(tmp, n + 16, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		error_set(err, "PRINT-OPEN", "%s cannot be written: %s.", path, strerror(errno));
		free(tmp);
		return false;
	}
	fchmod(fd, 0600);
	struct sink k = {.f = fdopen(fd, "wb")};
	if (!k.f) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return error_set(err, "PRINT-OPEN", "%s cannot be written: %s.", path, strerror(errno));
	}
	bool ok = render_both(&k, s, draw, data, err);
	if (fflush(k.f) != 0 || fsync(fileno(k.f)) != 0) {
		if (ok)
			error_set(err, "PRINT-WRITE", "%s could not be written: %s.", path, strerror(errno));
		ok = false;
	}
	if (fclose(k.f) != 0 && ok) {
		error_set(err, "PRINT-WRITE", "%s could not be written: %s.", path, strerror(errno));
		ok = false;
	}
	if (ok && rename(tmp, path) != 0) {
		error_set(err, "PRINT-WRITE", "%s could not be written: %s.", path, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok;
}
