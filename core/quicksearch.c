/* core/quicksearch.c - see quicksearch.h. */
#include "core/quicksearch.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/lot.h"
#include "core/text.h"
#include "core/uuid.h"

#define LINE_MAX_BYTES 512

bool quick_search_is_id(const char *s)
{
	size_t n = strlen(s), i = 0;
	if (n >= 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]))
		i = 2;
	size_t digits = n - i;
	if (digits < 4 || digits > 20)
		return false;
	for (; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void upcase_copy(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

/* A word that is meant as a date: digits with / or - between, or 8 digits. */
static bool looks_like_date(const char *w)
{
	size_t digits = 0, seps = 0, n = strlen(w);
	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)w[i]))
			digits++;
		else if (w[i] == '/' || w[i] == '-' || w[i] == '.')
			seps++;
		else
			return false;
	}
	return digits > 0 && (seps > 0 || digits >= 6);
}

static bool has_digit(const char *s)
{
	for (; *s; s++)
		if (isdigit((unsigned char)*s))
			return true;
	return false;
}

static bool has_letter(const char *s)
{
	char f[8];
	text_fold(s, f, sizeof f);
	return f[0] != '\0';
}

/* Trim spaces, tabs and trailing commas. */
static char *tidy(char *s)
{
	text_trim(s);
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ',' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return text_trim(s);
}

bool quick_search_parse(const char *line, struct quick_search *out, struct vax_error *err)
{
	char buf[LINE_MAX_BYTES];
	memset(out, 0, sizeof *out);
	client_init(&out->query);
	if (!line)
		line = "";
	if (strlen(line) >= sizeof buf)
		return error_set(err, "QS-NAME",
		                 "That is too long for a search: type last, first MM/DD/YYYY.");
	/* scanners end with CR, LF or tab; other control bytes never belong */
	size_t o = 0;
	for (const char *p = line; *p; p++)
		buf[o++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
	buf[o] = '\0';
	text_trim(buf);
	if (!buf[0])
		return error_set(err, "QS-EMPTY", "Type a registry ID, or last, first MM/DD/YYYY.");
	if (!text_utf8_valid(buf))
		return error_set(err, "QS-ENCODING",
		                 "The search has characters that could not be read; type it again.");

	if (strncasecmp(buf, "ID:", 3) == 0) {
		char *id = buf + 3;
		text_trim(id);
		if (!quick_search_is_id(id))
			return error_set(err, "QS-BARCODE",
			                 "The card's barcode did not hold a registry ID; type the ID or the "
			                 "name instead.");
		out->kind = QUICK_ID;
		out->scanned = true;
		upcase_copy(out->id, sizeof out->id, id);
		return true;
	}
	/* a UUID: the registry's id of the record, or the record's own */
	if (uuid_valid(buf)) {
		out->kind = QUICK_ID;
		out->uuid = true;
		size_t i = 0;
		for (; buf[i] && i + 1 < sizeof out->id; i++)
			out->id[i] = (char)tolower((unsigned char)buf[i]);
		out->id[i] = '\0';
		return true;
	}
	/* the registry ID read over the phone in groups: 123 456 789 */
	char rid[REGID_LEN];
	if (regid_normalize(buf, rid)) {
		out->kind = QUICK_ID;
		snprintf(out->id, sizeof out->id, "%s", rid);
		return true;
	}
	/* eight digits that make a date are a DOB typed MMDDYYYY */
	vax_date d8;
	bool dob8 = strlen(buf) == 8 && date_parse_us(buf, &d8) == DATE_OK;
	if (quick_search_is_id(buf) && !dob8) {
		out->kind = QUICK_ID;
		upcase_copy(out->id, sizeof out->id, buf);
		return true;
	}

	/* the DOB is the last word, if it looks like one */
	char *last = buf + strlen(buf);
	while (last > buf && last[-1] != ' ' && last[-1] != ',')
		last--;
	if (looks_like_date(last)) {
		enum date_status st = date_parse_us(last, &out->query.dob);
		if (st != DATE_OK)
			return error_set(err, "QS-DOB", "%s Type the DOB as MM/DD/YYYY.", date_strerror(st));
		*last = '\0';
	}
	tidy(buf);
	char *comma = strchr(buf, ',');
	char *given = NULL;
	if (comma) {
		*comma = '\0';
		given = tidy(comma + 1);
		/* "Garcia, Maria, Lupe": a second comma is as good as a space */
		for (char *c = given; (c = strchr(c, ',')) != NULL;)
			*c = ' ';
		text_trim(given);
	}
	char *family = tidy(buf);
	if (has_digit(family) || (given && has_digit(given)))
		return error_set(
		    err, "QS-NAME",
		    "Names have no digits: type last, first MM/DD/YYYY, or the registry ID alone.");
	if ((family[0] && !has_letter(family)) || (given && given[0] && !has_letter(given)))
		return error_set(err, "QS-NAME", "Type the name with letters: last, first MM/DD/YYYY.");
	if (!family[0] && !(given && given[0]) && out->query.dob == DATE_NONE)
		return error_set(err, "QS-EMPTY", "Type a registry ID, or last, first MM/DD/YYYY.");
	text_copy(out->query.name.family, sizeof out->query.name.family, family);
	if (given)
		text_copy(out->query.name.given, sizeof out->query.name.given, given);
	out->kind = QUICK_NAME;
	return true;
}
