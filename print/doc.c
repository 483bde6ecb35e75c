/* print/doc.c - see doc.h. */
#include "print/doc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool doc_lang_parse(const char *s, enum doc_lang *out)
{
	if (s && (!strcasecmp(s, "en") || !strcasecmp(s, "english"))) {
		*out = DOC_EN;
		return true;
	}
	if (s && (!strcasecmp(s, "es") || !strcasecmp(s, "spanish") || !strcasecmp(s, "español"))) {
		*out = DOC_ES;
		return true;
	}
	return false;
}

/* Append " part" to buf when part is not empty. */
static void add_part(char *buf, size_t len, const char *part)
{
	if (!part[0])
		return;
	size_t o = strlen(buf);
	if (o < len)
		snprintf(buf + o, len - o, "%s%s", o ? " " : "", part);
}

char *doc_name_natural(const struct person_name *n, char *buf, size_t len)
{
	buf[0] = '\0';
	add_part(buf, len, n->given);
	add_part(buf, len, n->middle);
	add_part(buf, len, n->family);
	add_part(buf, len, n->suffix);
	return buf;
}

char *doc_address(const struct address *a, const char *sep, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!a->line1[0] && !a->city[0])
		return buf;
	size_t o = 0;
	if (a->line1[0])
		o += (size_t)snprintf(buf + o, len - o, "%s%s", a->line1, sep);
	if (a->line2[0] && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", a->line2, sep);
	if (o < len)
		snprintf(buf + o, len - o, "%s%s%s%s%s", a->city, a->city[0] && a->state[0] ? ", " : "",
		         a->state, a->zip[0] ? "  " : "", a->zip);
	return buf;
}

static const char *const months_en[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
static const char *const months_es[] = {"enero",      "febrero", "marzo",     "abril",
                                        "mayo",       "junio",   "julio",     "agosto",
                                        "septiembre", "octubre", "noviembre", "diciembre"};

char *doc_date_long(vax_date d, enum doc_lang lang, char *buf, size_t len)
{
	int y, m, day;
	buf[0] = '\0';
	if (d == DATE_NONE)
		return buf;
	date_to_ymd(d, &y, &m, &day);
	if (m < 1 || m > 12)
		return buf;
	if (lang == DOC_ES)
		snprintf(buf, len, "%d de %s de %d", day, months_es[m - 1], y);
	else
		snprintf(buf, len, "%s %d, %d", months_en[m - 1], day, y);
	return buf;
}

char *doc_date_short(vax_date d, enum doc_lang lang, char *buf, size_t len)
{
	int y, m, day;
	buf[0] = '\0';
	if (d == DATE_NONE)
		return buf;
	date_to_ymd(d, &y, &m, &day);
	if (lang == DOC_ES)
		snprintf(buf, len, "%02d/%02d/%04d", day, m, y);
	else
		snprintf(buf, len, "%02d/%02d/%04d", m, day, y);
	return buf;
}

const char *doc_registry_id(const struct client *c)
{
	const struct identifier *sr = client_find_ident(c, "SR");
	return sr && sr->value[0] ? sr->value : c->id;
}
