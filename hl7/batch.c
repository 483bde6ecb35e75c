/* hl7/batch.c - see batch.h */
#include "hl7/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "hl7/msg.h"

/* One line of the file: [s, s+len), its number. */
struct line {
	const char *s;
	size_t len;
	int no;
};

static bool is(const struct line *l, const char *id)
{
	return l->len >= 3 && !memcmp(l->s, id, 3) && (l->len == 3 || l->s[3] == '|');
}

/* Field k (1-based, header style: FHS-1 is the separator) of a header line. */
static void header_field(const struct line *l, int k, char *buf, size_t cap)
{
	struct vax_error err;
	char *one = xstrndup(l->s, l->len);
	/* parse as a message by calling it MSH: same header rules */
	one[0] = 'M', one[1] = 'S', one[2] = 'H';
	struct hl7_msg *m = hl7_parse(one, strlen(one), &err);
	buf[0] = '\0';
	if (m)
		hl7_get(m, 0, k, 1, 1, 1, buf, cap);
	hl7_free(&m);
	free(one);
}

/* BTS-1 / FTS-1: the first field after the id (-1 absent, -2 not a number).
 * The line is not NUL-terminated: stay within it. */
static int count_field(const struct line *l)
{
	const char *p = memchr(l->s, '|', l->len);
	if (!p)
		return -1;
	size_t rest = l->len - (size_t)(p + 1 - l->s);
	const char *bar = memchr(p + 1, '|', rest);
	size_t k = bar ? (size_t)(bar - (p + 1)) : rest;
	char buf[32];
	snprintf(buf, sizeof buf, "%.*s", (int)(k < 31 ? k : 31), p + 1);
	if (!buf[0])
		return -1;
	char *end;
	long v = strtol(buf, &end, 10);
	return *end || v < 0 || k > 31 ? -2 : (int)v;
}

static void add_msg(struct hl7_batch *b, size_t *cap, const struct line *lines, int from, int to)
{
	size_t len = 0;
	for (int i = from; i < to; i++)
		len += lines[i].len + 1;
	char *t = xmalloc(len + 1), *p = t;
	for (int i = from; i < to; i++) {
		memcpy(p, lines[i].s, lines[i].len);
		p += lines[i].len;
		*p++ = '\r';
	}
	*p = '\0';
	b->msg = xgrow(b->msg, cap, (size_t)b->n + 1, sizeof *b->msg);
	b->msg[b->n++] = (struct hl7_batch_msg){t, len, lines[from].no};
}

bool hl7_batch_read(const char *text, size_t len, struct hl7_batch *b, struct vax_error *err)
{
	memset(b, 0, sizeof *b);
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		text += 3, len -= 3;
	struct line *lines = NULL;
	size_t lcap = 0;
	int nl = 0, no = 1;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && text[j] != '\r' && text[j] != '\n')
			j++;
		size_t n = j - i;
		while (n && (text[i + n - 1] == ' ' || text[i + n - 1] == '\t' || text[i + n - 1] == 0x0B ||
		             text[i + n - 1] == 0x1C))
			n--;
		const char *s = text + i;
		while (n && (*s == 0x0B || *s == 0x1C || *s == ' '))
			s++, n--;
		if (n) {
			lines = xgrow(lines, &lcap, (size_t)nl + 1, sizeof *lines);
			lines[nl++] = (struct line){s, n, no};
		}
		if (j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n')
			j++;
		i = j + 1;
		no++;
	}
	size_t mcap = 0;
	int start = -1, in_batch = 0, batch_msgs = 0, file_msgs = 0;
	bool ok = true;
	for (int i = 0; i < nl && ok; i++) {
		const struct line *l = &lines[i];
		bool boundary = is(l, "MSH") || is(l, "BHS") || is(l, "BTS") || is(l, "FHS") || is(l, "FTS");
		if (boundary && start >= 0) {
			add_msg(b, &mcap, lines, start, i);
			start = -1;
			batch_msgs++;
			file_msgs++;
		}
		if (is(l, "MSH")) {
			start = i;
		} else if (is(l, "FHS") || is(l, "BHS")) {
			if (is(l, "FHS") && (b->has_header || b->n)) {
				ok = error_set(err, "HL7-BATCH-ORDER",
				               "Line %d: FHS must be the first line of the file.", l->no);
				break;
			}
			if (!b->has_header || is(l, "FHS") || !b->control_id[0]) {
				header_field(l, 3, b->sending_app, sizeof b->sending_app);
				header_field(l, 4, b->sending_facility, sizeof b->sending_facility);
				header_field(l, 5, b->receiving_app, sizeof b->receiving_app);
				header_field(l, 6, b->receiving_facility, sizeof b->receiving_facility);
				header_field(l, 11, b->control_id, sizeof b->control_id);
				header_field(l, 12, b->reference, sizeof b->reference);
			}
			b->has_header = true;
			if (is(l, "BHS")) {
				in_batch++;
				batch_msgs = 0;
			}
		} else if (is(l, "BTS")) {
			int want = count_field(l);
			if (!in_batch)
				ok = error_set(err, "HL7-BATCH-ORDER",
				               "Line %d: BTS without a BHS before it.", l->no);
			else if (want == -2 || (want >= 0 && want != batch_msgs))
				ok = error_set(err, "HL7-BATCH-COUNT",
				               "Line %d: BTS-1 says the batch holds %d messages but it holds "
				               "%d; the file "
				               "may be cut short.",
				               l->no, want, batch_msgs);
			in_batch--;
		} else if (is(l, "FTS")) {
			int want = count_field(l);
			/* FTS-1 counts batches; files without BHS often count messages */
			(void)want;
		} else if (start < 0) {
			char got[8];
			snprintf(got, sizeof got, "%.*s", (int)(l->len < 5 ? l->len : 5), l->s);
			ok = error_set(err, "HL7-BATCH-TEXT",
			               "Line %d: '%s' is outside any message (a message starts with MSH).",
			               l->no, got);
		}
	}
	if (ok && start >= 0)
		add_msg(b, &mcap, lines, start, nl);
	free(lines);
	if (ok && !b->n && !b->has_header)
		ok = error_set(err, "HL7-EMPTY", "The file holds no HL7 message.");
	if (!ok)
		hl7_batch_free(b);
	return ok;
}

void hl7_batch_free(struct hl7_batch *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->msg[i].text);
	free(b->msg);
	memset(b, 0, sizeof *b);
}

static void header(struct hl7_out *o, const char *id, const struct hl7_batch_header *h)
{
	char ts[32];
	hl7_out_segment(o, id);
	hl7_out_set(o, 3, 1, 1, 1, h->sending_app);
	hl7_out_set(o, 4, 1, 1, 1, h->sending_facility);
	hl7_out_set(o, 5, 1, 1, 1, h->receiving_app);
	hl7_out_set(o, 6, 1, 1, 1, h->receiving_facility);
	hl7_out_set(o, 7, 1, 1, 1, hl7_ts(h->now, ts, sizeof ts));
	hl7_out_set(o, 10, 1, 1, 1, h->comment);
	hl7_out_set(o, 11, 1, 1, 1, h->control_id);
	hl7_out_set(o, 12, 1, 1, 1, h->reference);
}

char *hl7_batch_write(const struct hl7_batch_header *h, char *const *msgs, const size_t *lens, int n,
                      size_t *len)
{
	struct hl7_out *o = hl7_out_new();
	header(o, "FHS", h);
	header(o, "BHS", h);
	size_t hl;
	char *head = hl7_out_take(o, &hl);
	size_t total = hl + 64;
	for (int i = 0; i < n; i++)
		total += lens[i];
	char *out = xmalloc(total), *p = out;
	memcpy(p, head, hl);
	p += hl;
	free(head);
	for (int i = 0; i < n; i++) {
		memcpy(p, msgs[i], lens[i]);
		p += lens[i];
	}
	p += sprintf(p, "BTS|%d\rFTS|1\r", n);
	*len = (size_t)(p - out);
	hl7_out_free(&o);
	return out;
}
