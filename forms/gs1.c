/* forms/gs1.c - GS1 element strings from vial barcodes (see gs1.h). */
#include "config.h"

#include <string.h>

#include "forms/gs1.h"

#define GS 0x1d

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool gs1_gtin_ok(const char *g)
{
	if (!g || strlen(g) != 14 || !digits(g, 14))
		return false;
	/* weights 3,1,3,... from the left for a 14-digit key */
	int sum = 0;
	for (int i = 0; i < 13; i++)
		sum += (g[i] - '0') * (i % 2 == 0 ? 3 : 1);
	return (10 - sum % 10) % 10 == g[13] - '0';
}

bool gs1_looks_scanned(const char *t)
{
	if (!t)
		return false;
	if (!strncmp(t, "]d2", 3) || !strncmp(t, "]Q3", 3) || !strncmp(t, "(01)", 4))
		return true;
	return t[0] == '0' && t[1] == '1' && strlen(t) >= 16 && digits(t + 2, 14);
}

/* Fixed lengths of the data of AIs a vial label may carry; -1 variable. */
static int ai_fixed_len(const char *ai, size_t ai_len)
{
	if (ai_len != 2)
		return -1;
	if (!strncmp(ai, "00", 2))
		return 18;
	if (!strncmp(ai, "01", 2) || !strncmp(ai, "02", 2))
		return 14;
	if (ai[0] == '1' &&
	    (ai[1] == '1' || ai[1] == '2' || ai[1] == '3' || ai[1] == '5' || ai[1] == '6' || ai[1] == '7'))
		return 6;
	if (!strncmp(ai, "20", 2))
		return 2;
	return -1;
}

static bool yymmdd(const char *s, vax_date *out)
{
	int y = 2000 + (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[2] - '0') * 10 + (s[3] - '0');
	int d = (s[4] - '0') * 10 + (s[5] - '0');
	if (m < 1 || m > 12)
		return false;
	/* day 00: the last day of the month (GS1 General Specifications 3.4.2) */
	if (d == 0)
		d = date_days_in_month(y, m);
	*out = date_from_ymd(y, m, d);
	return *out != DATE_NONE;
}

/* Copy a variable-length value, at most max-1 characters, printable only. */
static bool take_var(const char *s, size_t n, char *out, size_t max)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

bool gs1_parse(const char *text, struct gs1_vial *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	out->expiry = DATE_NONE;
	if (!text)
		return error_set(err, "GS1-SHAPE", "No barcode was read.");
	const char *p = text;
	if (!strncmp(p, "]d2", 3) || !strncmp(p, "]Q3", 3))
		p += 3;
	bool parens = *p == '(';
	while (*p) {
		if (*p == GS) {
			p++;
			continue;
		}
		char ai[5];
		size_t ai_len;
		if (parens) {
			if (*p != '(')
				return error_set(err, "GS1-SHAPE",
				                 "The barcode text is not a GS1 element string.");
			const char *close = strchr(p, ')');
			if (!close || close - p - 1 < 2 || close - p - 1 > 4 ||
			    !digits(p + 1, (size_t)(close - p - 1)))
				return error_set(err, "GS1-SHAPE",
				                 "The barcode text is not a GS1 element string.");
			ai_len = (size_t)(close - p - 1);
			memcpy(ai, p + 1, ai_len);
			p = close + 1;
		} else {
			if (!is_digit(p[0]) || !is_digit(p[1]))
				return error_set(err, "GS1-SHAPE",
				                 "The barcode text is not a GS1 element string.");
			ai_len = 2;
			memcpy(ai, p, 2);
			p += 2;
		}
		ai[ai_len] = '\0';
		int fixed = ai_fixed_len(ai, ai_len);
		size_t n;
		if (fixed > 0) {
			if (strlen(p) < (size_t)fixed || !digits(p, (size_t)fixed))
				return error_set(err, "GS1-SHAPE", "The barcode's AI (%s) is cut short.", ai);
			n = (size_t)fixed;
		} else {
			/* a variable field runs to GS, the next "(", or the end */
			n = strcspn(p, parens ? "(\x1d" : "\x1d");
		}
		if (!strcmp(ai, "01")) {
			memcpy(out->gtin, p, 14);
			out->gtin[14] = '\0';
			if (!gs1_gtin_ok(out->gtin))
				return error_set(
				    err, "GS1-GTIN",
				    "The barcode's product number (GTIN) fails its check digit; scan again.");
		} else if (!strcmp(ai, "17")) {
			if (!yymmdd(p, &out->expiry))
				return error_set(err, "GS1-DATE",
				                 "The barcode's expiration date is not a real date.");
		} else if (!strcmp(ai, "10")) {
			if (!take_var(p, n, out->lot, sizeof out->lot))
				return error_set(err, "GS1-SHAPE",
				                 "The barcode's lot number is empty or too long.");
		} else if (!strcmp(ai, "21")) {
			if (!take_var(p, n, out->serial, sizeof out->serial))
				return error_set(err, "GS1-SHAPE",
				                 "The barcode's serial number is empty or too long.");
		} else if (fixed < 0) {
			return error_set(err, "GS1-AI",
			                 "The barcode holds a field (AI %s) vaxdesk does not read.", ai);
		}
		p += n;
	}
	if (!out->gtin[0])
		return error_set(err, "GS1-GTIN", "The barcode has no product number (GTIN, AI 01).");
	return true;
}
