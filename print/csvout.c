/* print/csvout.c - see csvout.h. */
#include "print/csvout.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sys/fileio.h"

static void put(struct csvout *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		size_t nc = c->cap ? c->cap : 4096;
		while (nc < c->len + n + 1)
			nc *= 2;
		c->buf = xrealloc(c->buf, nc);
		c->cap = nc;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

/* A field, after the separator when the row has one already. */
static void field(struct csvout *c, const char *s, bool text)
{
	if (!s)
		s = "";
	if (c->fields++ > 0)
		put(c, ",", 1);
	bool guard = text && strchr("=+-@\t", s[0]) && s[0];
	bool quote = guard || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		put(c, "\"", 1);
	if (guard)
		put(c, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			put(c, "\"", 1);
		put(c, p, 1);
	}
	if (quote)
		put(c, "\"", 1);
}

void csvout_field(struct csvout *c, const char *utf8)
{
	field(c, utf8, true);
}

void csvout_plain(struct csvout *c, const char *s)
{
	field(c, s, false);
}

void csvout_end_row(struct csvout *c)
{
	put(c, "\r\n", 2);
	c->fields = 0;
}

void csvout_row(struct csvout *c, const char *const *fields, int n)
{
	for (int i = 0; i < n; i++)
		csvout_field(c, fields[i]);
	csvout_end_row(c);
}

bool csvout_save(struct csvout *c, const char *path, struct vax_error *err)
{
	bool ok = fileio_write_atomic(path, c->buf ? c->buf : "", c->len, 0600, err);
	csvout_free(c);
	return ok;
}

void csvout_free(struct csvout *c)
{
	free(c->buf);
	memset(c, 0, sizeof *c);
}
