/* hl7/msg.c - see msg.h */
#include "hl7/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "core/xalloc.h"

#define MAX_INPUT (64u << 20)

struct seg {
	char *text; /* NUL-terminated, separators as sent */
	size_t len;
	int line;
	char id[4];
};

struct hl7_msg {
	char *buf;
	struct seg *seg;
	int n;
	char fs, cs, rs, ec, ss; /* field, component, repetition, escape, sub-component */
	char enc[6];             /* MSH-2 as sent */
};

/* ---- input ------------------------------------------------------------------ */

/* Latin-1 to UTF-8 (each byte >= 0x80 becomes two). */
static char *latin1_to_utf8(const char *s, size_t len)
{
	char *out = xmalloc(len * 2 + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			*o++ = (char)c;
		} else {
			*o++ = (char)(0xC0 | (c >> 6));
			*o++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*o = '\0';
	return out;
}

static bool seg_id_ok(const char *s, size_t n, char fs)
{
	if (n < 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return n == 3 || s[3] == fs;
}

struct hl7_msg *hl7_parse(const char *text, size_t len, struct vax_error *err)
{
	if (len > MAX_INPUT)
		return error_set(err, "HL7-TOO-BIG", "The message is larger than %u MiB.", MAX_INPUT >> 20),
		       NULL;
	/* MLLP framing (VT ... FS CR) and a byte order mark are not part of the message */
	while (len &&
	       (text[0] == 0x0B || text[0] == ' ' || text[0] == '\t' || text[0] == '\r' || text[0] == '\n'))
		text++, len--;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		text += 3, len -= 3;
	while (len && (text[len - 1] == 0x1C || text[len - 1] == '\r' || text[len - 1] == '\n' ||
	               text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (!len)
		return error_set(err, "HL7-EMPTY", "The message is empty."), NULL;
	if (memchr(text, '\0', len))
		return error_set(err, "HL7-BINARY", "The message contains a NUL byte: it is not HL7 text."),
		       NULL;
	if (len < 8 || memcmp(text, "MSH", 3) != 0) {
		char got[8];
		size_t k = 0; /* the input need not end in a NUL */
		while (k < len && k < 6 && text[k] != '|' && text[k] != '\r' && text[k] != '\n')
			k++;
		snprintf(got, sizeof got, "%.*s", (int)(k < 6 ? k : 6), text);
		return error_set(err, "HL7-NO-MSH",
		                 "The message does not start with an MSH segment (it starts with '%s').",
		                 got),
		       NULL;
	}
	struct hl7_msg *m = xcalloc(1, sizeof *m);
	m->buf = xstrndup(text, len);
	if (!text_utf8_valid(m->buf)) {
		char *u = latin1_to_utf8(text, len);
		free(m->buf);
		m->buf = u;
	}
	m->fs = m->buf[3];
	const char *enc = m->buf + 4;
	size_t ne = 0;
	while (ne < 5 && enc[ne] && enc[ne] != m->fs && enc[ne] != '\r' && enc[ne] != '\n')
		ne++;
	if (ne < 4 || (enc[ne] != m->fs && enc[ne] != '\0')) {
		hl7_free(&m);
		return error_set(
		           err, "HL7-ENCODING",
		           "MSH-2 must hold the four encoding characters (^~\\&), then the field separator."),
		       NULL;
	}
	memcpy(m->enc, enc, ne);
	m->cs = enc[0];
	m->rs = enc[1];
	m->ec = enc[2];
	m->ss = enc[3];
	/* five different printable ASCII signs, none a letter or digit: a byte
	 * of a UTF-8 character as a separator would split the characters */
	const char seps[] = {m->fs, m->cs, m->rs, m->ec, m->ss};
	bool seps_ok = true;
	for (int i = 0; i < 5; i++) {
		unsigned char c = (unsigned char)seps[i];
		if (c < 0x21 || c > 0x7e || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z'))
			seps_ok = false;
		for (int j = i + 1; j < 5; j++)
			if (seps[i] == seps[j])
				seps_ok = false;
	}
	if (!seps_ok) {
		hl7_free(&m);
		return error_set(err, "HL7-ENCODING",
		                 "The separators in MSH-1 and MSH-2 must be five different signs "
		                 "(|^~\\&)."),
		       NULL;
	}
	/* split into segments: \r, \n and \r\n all end one; empty lines are skipped */
	size_t cap = 0;
	int line = 1;
	char *p = m->buf;
	while (*p) {
		char *end = p + strcspn(p, "\r\n");
		char term = *end;
		*end = '\0';
		size_t n = (size_t)(end - p);
		/* trailing spaces some editors leave */
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = '\0';
		if (n) {
			if (!seg_id_ok(p, n, m->fs)) {
				char got[8];
				snprintf(got, sizeof got, "%.*s", (int)(n < 5 ? n : 5), p);
				int ln = line;
				hl7_free(&m);
				return error_set(err, "HL7-SEGMENT",
				                 "Line %d does not start with a segment name (three capital "
				                 "letters "
				                 "or digits, then '|'); it starts with '%s'.",
				                 ln, got),
				       NULL;
			}
			if (m->n >= HL7_MAX_SEGMENTS) {
				hl7_free(&m);
				return error_set(err, "HL7-TOO-BIG", "The message has more than %d segments.",
				                 HL7_MAX_SEGMENTS),
				       NULL;
			}
			m->seg = xgrow(m->seg, &cap, (size_t)m->n + 1, sizeof *m->seg);
			struct seg *s = &m->seg[m->n++];
			s->text = p;
			s->len = n;
			s->line = line;
			memcpy(s->id, p, 3);
			s->id[3] = '\0';
		}
		if (!term)
			break;
		p = end + 1;
		if (term == '\r' && *p == '\n')
			p++;
		line++;
	}
	return m;
}

void hl7_free(struct hl7_msg **mp)
{
	if (!mp || !*mp)
		return;
	free((*mp)->buf);
	free((*mp)->seg);
	free(*mp);
	*mp = NULL;
}

int hl7_nseg(const struct hl7_msg *m)
{
	return m->n;
}

const char *hl7_seg_id(const struct hl7_msg *m, int seg)
{
	return seg >= 0 && seg < m->n ? m->seg[seg].id : "";
}

int hl7_seg_line(const struct hl7_msg *m, int seg)
{
	return seg >= 0 && seg < m->n ? m->seg[seg].line : 0;
}

int hl7_find(const struct hl7_msg *m, const char *id, int from)
{
	for (int i = from < 0 ? 0 : from; i < m->n; i++)
		if (!strcmp(m->seg[i].id, id))
			return i;
	return -1;
}

int hl7_occurrence(const struct hl7_msg *m, int seg)
{
	if (seg < 0 || seg >= m->n)
		return 0;
	int k = 0;
	for (int i = 0; i <= seg; i++)
		if (!strcmp(m->seg[i].id, m->seg[seg].id))
			k++;
	return k;
}

/* ---- reading ------------------------------------------------------------------ */

/* The k-th piece (1-based) of s[0..len) split on sep. */
static const char *piece(const char *s, size_t len, char sep, int k, size_t *out_len)
{
	const char *end = s + len;
	for (int i = 1; i < k; i++) {
		const char *q = memchr(s, sep, (size_t)(end - s));
		if (!q) {
			*out_len = 0;
			return NULL;
		}
		s = q + 1;
	}
	const char *q = memchr(s, sep, (size_t)(end - s));
	*out_len = q ? (size_t)(q - s) : (size_t)(end - s);
	return s;
}

const char *hl7_raw_field(const struct hl7_msg *m, int seg, int field, size_t *len)
{
	*len = 0;
	if (seg < 0 || seg >= m->n || field < 1)
		return NULL;
	const struct seg *s = &m->seg[seg];
	if (!strcmp(s->id, "MSH") || !strcmp(s->id, "FHS") || !strcmp(s->id, "BHS")) {
		if (field == 1) {
			*len = 1;
			return s->text + 3;
		}
		return piece(s->text, s->len, m->fs, field, len);
	}
	return piece(s->text, s->len, m->fs, field + 1, len);
}

static bool is_header(const struct hl7_msg *m, int seg, int field)
{
	const char *id = m->seg[seg].id;
	return field <= 2 && (!strcmp(id, "MSH") || !strcmp(id, "FHS") || !strcmp(id, "BHS"));
}

/* The raw text at a position (escaped), or NULL. */
static const char *locate(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub,
                          size_t *len)
{
	const char *f = hl7_raw_field(m, seg, field, len);
	if (!f)
		return NULL;
	if (is_header(m, seg, field))
		return f; /* MSH-1 and MSH-2 are not split */
	f = piece(f, *len, m->rs, rep < 1 ? 1 : rep, len);
	if (f)
		f = piece(f, *len, m->cs, comp < 1 ? 1 : comp, len);
	if (f)
		f = piece(f, *len, m->ss, sub < 1 ? 1 : sub, len);
	return f;
}

int hl7_reps(const struct hl7_msg *m, int seg, int field)
{
	size_t len;
	const char *f = hl7_raw_field(m, seg, field, &len);
	if (!f || !len)
		return 0;
	if (is_header(m, seg, field))
		return 1;
	int n = 1;
	for (size_t i = 0; i < len; i++)
		if (f[i] == m->rs)
			n++;
	return n;
}

static void put(char *buf, size_t cap, size_t *n, const char *s, size_t k)
{
	for (size_t i = 0; i < k; i++, (*n)++)
		if (*n + 1 < cap)
			buf[*n] = s[i];
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

size_t hl7_unescape(const struct hl7_msg *m, const char *src, size_t len, char *buf, size_t cap)
{
	size_t n = 0;
	if (len == 2 && src[0] == '"' && src[1] == '"')
		len = 0; /* the explicit null */
	for (size_t i = 0; i < len; i++) {
		if (src[i] != m->ec) {
			put(buf, cap, &n, src + i, 1);
			continue;
		}
		const char *close = memchr(src + i + 1, m->ec, len - i - 1);
		if (!close) {
			put(buf, cap, &n, src + i, len - i); /* not an escape: keep as sent */
			break;
		}
		const char *e = src + i + 1;
		size_t el = (size_t)(close - e);
		char c = 0;
		if (el == 1 && *e == 'F')
			c = m->fs;
		else if (el == 1 && *e == 'S')
			c = m->cs;
		else if (el == 1 && *e == 'T')
			c = m->ss;
		else if (el == 1 && *e == 'R')
			c = m->rs;
		else if (el == 1 && *e == 'E')
			c = m->ec;
		if (c) {
			put(buf, cap, &n, &c, 1);
		} else if (el >= 3 && *e == 'X' && el % 2 == 1) {
			/* hex bytes: UTF-8 as sent when they are UTF-8, else Latin-1 */
			char bytes[128];
			size_t nb = 0;
			for (size_t k = 1; k + 1 < el && nb + 1 < sizeof bytes; k += 2) {
				int h = hexval(e[k]), l = hexval(e[k + 1]);
				if (h < 0 || l < 0)
					break;
				if (h * 16 + l)
					bytes[nb++] = (char)(h * 16 + l);
			}
			bytes[nb] = '\0';
			if (text_utf8_valid(bytes)) {
				put(buf, cap, &n, bytes, nb);
			} else {
				char *u = latin1_to_utf8(bytes, nb);
				put(buf, cap, &n, u, strlen(u));
				free(u);
			}
		} else if (el == 3 && !memcmp(e, ".br", 3)) {
			put(buf, cap, &n, "\n", 1);
		} else if ((el == 1 && (*e == 'H' || *e == 'N')) || (el >= 1 && (*e == 'C' || *e == 'M'))) {
			/* highlighting and character set switches carry no text */
		} else {
			put(buf, cap, &n, src + i, el + 2); /* unknown: keep as sent */
		}
		i += el + 1;
	}
	if (cap) {
		size_t end = n < cap ? n : cap - 1;
		buf[end] = '\0';
		/* never leave half a UTF-8 character at a cut */
		if (n >= cap) {
			while (end > 0 && ((unsigned char)buf[end - 1] & 0xC0) == 0x80)
				end--;
			if (end > 0 && ((unsigned char)buf[end - 1] & 0xC0) == 0xC0)
				end--;
			buf[end] = '\0';
		}
	}
	return n;
}

size_t hl7_get(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub, char *buf, size_t cap)
{
	size_t len;
	const char *s = locate(m, seg, field, rep, comp, sub, &len);
	if (!s || !len) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	if (is_header(m, seg, field)) {
		size_t k = len < cap ? len : cap ? cap - 1 : 0;
		if (cap) {
			memcpy(buf, s, k);
			buf[k] = '\0';
		}
		return len;
	}
	return hl7_unescape(m, s, len, buf, cap);
}

bool hl7_has(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub)
{
	size_t len;
	const char *s = locate(m, seg, field, rep, comp, sub, &len);
	return s && len && !(len == 2 && s[0] == '"' && s[1] == '"');
}

/* ---- building -------------------------------------------------------------------- */

struct val {
	int f, r, c, s;
	char *text; /* escaped */
};

struct hl7_out {
	char *buf;
	size_t len, cap;
	char id[4];
	struct val *v;
	size_t nv, capv;
	bool open;
};

struct hl7_out *hl7_out_new(void)
{
	return xcalloc(1, sizeof(struct hl7_out));
}

static void out_clear_vals(struct hl7_out *o)
{
	for (size_t i = 0; i < o->nv; i++)
		free(o->v[i].text);
	o->nv = 0;
}

void hl7_out_free(struct hl7_out **op)
{
	if (!op || !*op)
		return;
	out_clear_vals(*op);
	free((*op)->v);
	free((*op)->buf);
	free(*op);
	*op = NULL;
}

static void append(struct hl7_out *o, const char *s, size_t n)
{
	o->buf = xgrow(o->buf, &o->cap, o->len + n + 1, 1);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void repeat(struct hl7_out *o, char c, int k)
{
	for (int i = 0; i < k; i++)
		append(o, &c, 1);
}

static int val_cmp(const void *pa, const void *pb)
{
	const struct val *a = pa, *b = pb;
	if (a->f != b->f)
		return a->f - b->f;
	if (a->r != b->r)
		return a->r - b->r;
	if (a->c != b->c)
		return a->c - b->c;
	return a->s - b->s;
}

static void finish_segment(struct hl7_out *o)
{
	if (!o->open)
		return;
	bool msh = !strcmp(o->id, "MSH") || !strcmp(o->id, "FHS") || !strcmp(o->id, "BHS");
	append(o, o->id, 3);
	int f = 0, r = 1, c = 1, s = 1;
	if (msh) {
		append(o, "|^~\\&", 5);
		f = 2;
	}
	qsort(o->v, o->nv, sizeof *o->v, val_cmp);
	for (size_t i = 0; i < o->nv; i++) {
		const struct val *v = &o->v[i];
		if (v->f != f) {
			repeat(o, '|', v->f - f);
			f = v->f, r = 1, c = 1, s = 1;
		}
		if (v->r != r) {
			repeat(o, '~', v->r - r);
			r = v->r, c = 1, s = 1;
		}
		if (v->c != c) {
			repeat(o, '^', v->c - c);
			c = v->c, s = 1;
		}
		if (v->s != s) {
			repeat(o, '&', v->s - s);
			s = v->s;
		}
		append(o, v->text, strlen(v->text));
	}
	append(o, "\r", 1);
	out_clear_vals(o);
	o->open = false;
}

void hl7_out_segment(struct hl7_out *o, const char *id)
{
	finish_segment(o);
	snprintf(o->id, sizeof o->id, "%.3s", id);
	o->open = true;
}

char *hl7_escape(const char *value)
{
	size_t n = strlen(value);
	char *out = xmalloc(n * 5 + 1), *p = out;
	for (const char *s = value; *s; s++) {
		switch (*s) {
		case '|':
			memcpy(p, "\\F\\", 3), p += 3;
			break;
		case '^':
			memcpy(p, "\\S\\", 3), p += 3;
			break;
		case '&':
			memcpy(p, "\\T\\", 3), p += 3;
			break;
		case '~':
			memcpy(p, "\\R\\", 3), p += 3;
			break;
		case '\\':
			memcpy(p, "\\E\\", 3), p += 3;
			break;
		case '\n':
			memcpy(p, "\\.br\\", 5), p += 5;
			break;
		default:
			if ((unsigned char)*s < 0x20) {
				p += sprintf(p, "\\X%02X\\", (unsigned char)*s);
			} else {
				*p++ = *s;
			}
		}
	}
	*p = '\0';
	return out;
}

void hl7_out_set(struct hl7_out *o, int field, int rep, int comp, int sub, const char *value)
{
	if (!o->open || !value || !*value || field < 1)
		return;
	struct val nv = {field, rep < 1 ? 1 : rep, comp < 1 ? 1 : comp, sub < 1 ? 1 : sub, hl7_escape(value)};
	for (size_t i = 0; i < o->nv; i++)
		if (!val_cmp(&o->v[i], &nv)) {
			free(o->v[i].text);
			o->v[i].text = nv.text;
			return;
		}
	o->v = xgrow(o->v, &o->capv, o->nv + 1, sizeof *o->v);
	o->v[o->nv++] = nv;
}

void hl7_out_setf(struct hl7_out *o, int field, int rep, int comp, int sub, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	hl7_out_set(o, field, rep, comp, sub, buf);
}

void hl7_out_date(struct hl7_out *o, int field, int rep, int comp, int sub, vax_date d)
{
	if (d == DATE_NONE)
		return;
	int y, m, dd;
	date_to_ymd(d, &y, &m, &dd);
	hl7_out_setf(o, field, rep, comp, sub, "%04d%02d%02d", y, m, dd);
}

char *hl7_out_take(struct hl7_out *o, size_t *len)
{
	finish_segment(o);
	char *t = o->buf ? o->buf : xstrdup("");
	if (len)
		*len = o->len;
	o->buf = NULL;
	o->len = o->cap = 0;
	return t;
}

/* ---- time stamps ------------------------------------------------------------------- */

char *hl7_ts(int64_t unix_s, char *buf, size_t cap)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y%m%d%H%M%S+0000", &tm);
	return buf;
}

bool hl7_ts_parse(const char *ts, int64_t *unix_s)
{
	int part[6] = {0, 1, 1, 0, 0, 0};
	static const int width[6] = {4, 2, 2, 2, 2, 2};
	const char *p = ts;
	int got = 0;
	for (; got < 6; got++) {
		if (!(p[0] >= '0' && p[0] <= '9'))
			break;
		int v = 0;
		for (int k = 0; k < width[got]; k++) {
			if (!(p[k] >= '0' && p[k] <= '9'))
				return false;
			v = v * 10 + (p[k] - '0');
		}
		part[got] = v;
		p += width[got];
	}
	if (got == 0)
		return false;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	int offset = 0;
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		p++;
		if (strlen(p) != 4 || strspn(p, "0123456789") != 4)
			return false;
		offset = sign * (((p[0] - '0') * 10 + (p[1] - '0')) * 60 + (p[2] - '0') * 10 + (p[3] - '0'));
		p += 4;
	}
	if (*p)
		return false;
	vax_date day = date_from_ymd(part[0], part[1], part[2]);
	if (day == DATE_NONE || part[3] > 23 || part[4] > 59 || part[5] > 60)
		return false;
	*unix_s = (int64_t)day * 86400 + part[3] * 3600 + part[4] * 60 + part[5] - (int64_t)offset * 60;
	return true;
}
