/* forms/validate.c - see validate.h. Checks here do not depend on the
 * locale: the same name is valid on every desk and on the server. */
#include "forms/validate.h"

#include <string.h>

#include "core/date.h"
#include "core/rules.h"
#include "forms/field_edit.h"
#include "keymaps/utf8.h"

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
	char buf[FIELD_MAX_LEN * 4 + 1];
	const char *s;
	size_t len;
	trim(value, &s, &len);
	if (len == 0)
		return NULL;
	if (len >= sizeof buf)
		return "The name is too long.";
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!utf8_valid(buf, len))
		return "The name holds bytes that are not text.";
	/* which characters a name may hold is core's rule, shared with vaxregd */
	if (!rules_name_ok(buf))
		return rule_message(RULE_NAME_CHARS);
	/* and the shape of it, which the form can say more precisely */
	bool first = true, prev_sep = false;
	for (const char *p = buf; *p;) {
		uint32_t c;
		p += utf8_decode(p, strlen(p), &c);
		if (is_name_sep(c)) {
			if (first)
				return "A name must start with a letter.";
			if (prev_sep)
				return "Two spaces, hyphens or apostrophes in a row.";
			prev_sep = true;
		} else {
			if (first && c >= 0x300 && c <= 0x36f)
				return "A name must start with a letter.";
			prev_sep = false;
		}
		first = false;
	}
	if (prev_sep)
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
	for (const char *p = value; *p && n < 10; p++)
		if (*p >= '0' && *p <= '9')
			out[n++] = *p;
	out[n] = '\0';
	if (n == 0)
		return false;
	return true;
}
