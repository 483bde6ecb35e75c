/* forms/validate.c - see validate.h. Checks here do not depend on the
 * locale: the same name is valid on every desk. */
#include "forms/validate.h"

#include <string.h>
#include <wctype.h>

#include "core/date.h"
#include "keymaps/utf8.h"

static bool is_name_mark(uint32_t c)
{
	return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	       (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	       (c >= 0xfe20 && c <= 0xfe2f);
}

static bool is_name_letter(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	if (c < 0xc0)
		return false;
	/* Latin-1 letters, Latin Extended-A/B, Vietnamese and other Latin
	 * Extended Additional letters: known without asking the locale */
	if ((c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x1e00 && c <= 0x1eff))
		return true;
	/* other scripts (Hangul, Han, Cyrillic...) as the C library knows them */
	return iswalpha((wint_t)c) != 0;
}

static bool is_name_sep(uint32_t c)
{
	return c == ' ' || c == '-' || c == '\'' || c == 0x2019;
}

/* value without surrounding spaces: [*start, *start + *len) */
static void trim(const char *value, const char **start, size_t *len)
{
	size_t n = strlen(value);
	while (n > 0 && *value == ' ')
		value++, n--;
	while (n > 0 && value[n - 1] == ' ')
		n--;
	*start = value;
	*len = n;
}

const char *validate_name(const char *value)
{
	const char *s;
	size_t len;
	trim(value, &s, &len);
	bool prev_sep = true; /* so a leading separator is caught */
	bool first = true;
	while (len > 0) {
		uint32_t c;
		size_t used = utf8_decode(s, len, &c);
		if (used == 0)
			return "The name holds bytes that are not text.";
		if (is_name_sep(c)) {
			if (first)
				return "A name must start with a letter.";
			if (prev_sep)
				return "Two spaces, hyphens or apostrophes in a row.";
			prev_sep = true;
		} else if (is_name_letter(c) || (!first && is_name_mark(c))) {
			prev_sep = false;
		} else if (first && is_name_mark(c)) {
			return "A name must start with a letter.";
		} else {
			return "A name may hold only letters, spaces, hyphens and apostrophes.";
		}
		first = false;
		s += used;
		len -= used;
	}
	if (!first && prev_sep)
		return "A name must end with a letter.";
	return NULL;
}

const char *validate_date(const char *value)
{
	vax_date d;
	const char *s;
	size_t len;
	trim(value, &s, &len);
	if (len == 0)
		return NULL;
	enum date_status st = date_parse_us(value, &d);
	return st == DATE_OK ? NULL : date_strerror(st);
}

const char *validate_phone(const char *value)
{
	char d[12];
	size_t n = 0;
	for (const char *p = value; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n == 11)
				return "A US phone number has 10 digits.";
			d[n++] = *p;
		} else if (!strchr(" ()-.+", *p)) {
			return "Enter the phone number as 10 digits, e.g. 512-555-0100.";
		}
	}
	if (n == 0)
		return NULL;
	const char *num = d;
	if (n == 11 && d[0] == '1')
		num++, n--;
	if (n != 10)
		return "A US phone number has 10 digits.";
	if (num[0] < '2')
		return "The area code cannot start with 0 or 1.";
	if (num[3] < '2')
		return "The number after the area code cannot start with 0 or 1.";
	return NULL;
}

const char *validate_zip(const char *value)
{
	const char *s;
	size_t len;
	trim(value, &s, &len);
	if (len == 0)
		return NULL;
	static const char *const msg = "Enter a ZIP code as 5 digits or ZIP+4 (12345-6789).";
	size_t digits = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (!(s[i] == '-' && i == 5 && len == 10))
			return msg;
	}
	return digits == 5 || digits == 9 ? NULL : msg;
}

bool validate_phone_digits(const char *value, char out[11])
{
	size_t n = 0;
	out[0] = '\0';
	if (validate_phone(value) != NULL)
		return false;
	for (const char *p = value; *p && n < 11; p++)
		if (*p >= '0' && *p <= '9')
			out[n++] = *p;
	if (n == 0)
		return false;
	if (n == 11) /* the country code 1 */
		memmove(out, out + 1, --n);
	out[n] = '\0';
	return true;
}
