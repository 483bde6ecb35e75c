/* core/text.c - see text.h */
#include "core/text.h"

#include <ctype.h>
#include <string.h>

size_t text_utf8_decode(const char *str, size_t len, uint32_t *out)
{
	const unsigned char *s = (const unsigned char *)str;
	int32_t cp;
	int n;
	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*out = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		n = 1;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		n = 2;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		n = 3;
	} else {
		return 0;
	}
	if (len <= (size_t)n)
		return 0; /* cut short */
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF are malformed */
	static const int32_t min[4] = {0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	*out = (uint32_t)cp;
	return (size_t)n + 1;
}

int32_t text_utf8_next(const char **sp)
{
	/* never look past the terminating NUL (which itself decodes as U+0000) */
	size_t len = **sp ? strnlen(*sp, 4) : 1;
	uint32_t cp;
	size_t n = text_utf8_decode(*sp, len, &cp);
	if (n == 0) {
		*sp += 1;
		return -1;
	}
	*sp += n;
	return (int32_t)cp;
}

bool text_utf8_valid(const char *s)
{
	while (*s)
		if (text_utf8_next(&s) < 0)
			return false;
	return true;
}

size_t text_utf8_len(const char *s)
{
	size_t n = 0;
	while (*s) {
		text_utf8_next(&s);
		n++;
	}
	return n;
}

size_t text_copy(char *dst, size_t cap, const char *src)
{
	if (!src)
		src = "";
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		/* back up over continuation bytes so no character is cut */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/* Latin-1 Supplement and Latin Extended-A/B letters, and the Vietnamese
 * letters of Latin Extended Additional, folded to their base letter. */
char text_fold_char(int32_t cp)
{
	if (cp >= 0 && cp < 0x80)
		return (char)cp;
	static const char latin1[] = /* U+00C0..U+00FF */
	    "AAAAAAACEEEEIIII"
	    "DNOOOOO\0OUUUUYTs"
	    "aaaaaaaceeeeiiii"
	    "dnooooo\0ouuuuyty";
	if (cp >= 0xC0 && cp <= 0xFF)
		return latin1[cp - 0xC0];
	static const char exta[] = /* U+0100..U+017F */
	    "AaAaAaCcCcCcCcDd"
	    "DdEeEeEeEeEeGgGg"
	    "GgGgHhHhIiIiIiIi"
	    "IiIiJjKkkLlLlLlL"
	    "lLlNnNnNn\0NnOoOo"
	    "OoOoRrRrRrSsSsSs"
	    "SsTtTtTtUuUuUuUu"
	    "UuUuWwYyYZzZzZzs";
	if (cp >= 0x100 && cp <= 0x17F)
		return exta[cp - 0x100];
	if (cp == 0x1A0 || cp == 0x1A1) /* Ơ ơ */
		return cp == 0x1A0 ? 'O' : 'o';
	if (cp == 0x1AF || cp == 0x1B0) /* Ư ư */
		return cp == 0x1AF ? 'U' : 'u';
	if (cp >= 0x1CD && cp <= 0x1DC) { /* Ǎ..ǜ pinyin tones */
		static const char pin[] = "AaIiOoUuUuUuUuUu";
		return pin[cp - 0x1CD];
	}
	if (cp >= 0x1E00 && cp <= 0x1EFF) {
		/* Latin Extended Additional: Vietnamese ạ ả ấ ... ỹ */
		static const char ext[] = "AaBbBbBbCcDdDdDd"
		                          "DdDdEeEeEeEeEeFf"
		                          "GgHhHhHhHhHhIiIi"
		                          "KkKkKkLlLlLlLlMm"
		                          "MmMmNnNnNnNnOoOo"
		                          "OoOoPpPpRrRrRrRr"
		                          "SsSsSsSsSsTtTtTt"
		                          "TtUuUuUuUuUuVvVv"
		                          "WwWwWwWwWwXxXxYy"
		                          "ZzZzZzhtwy\0\0\0\0\0\0"
		                          "AaAaAaAaAaAaAaAa"
		                          "AaAaAaAaEeEeEeEe"
		                          "EeEeEeEeIiIiOoOo"
		                          "OoOoOoOoOoOoOoOo"
		                          "OoOoUuUuUuUuUuUu"
		                          "UuYyYyYyYy\0\0\0\0\0\0";
		return ext[cp - 0x1E00];
	}
	return 0;
}

static void put(char *out, size_t *o, size_t cap, char c)
{
	if (*o < cap - 1)
		out[(*o)++] = c;
}

static void fold(const char *in, char *out, size_t cap, bool words)
{
	size_t o = 0;
	bool pending_space = false;
	if (cap == 0)
		return;
	while (*in) {
		int32_t cp = text_utf8_next(&in);
		char c = text_fold_char(cp);
		if (isalnum((unsigned char)c)) {
			if (pending_space && o > 0)
				put(out, &o, cap, ' ');
			pending_space = false;
			put(out, &o, cap, (char)toupper((unsigned char)c));
			if (cp == 0xDF) /* ß is "ss" */
				put(out, &o, cap, 'S');
		} else if (words && (c == ' ' || c == '-' || c == '\t')) {
			pending_space = true;
		}
		/* apostrophes, periods and anything else vanish: O'Neil = ONeil */
	}
	out[o] = '\0';
}

void text_fold(const char *in, char *out, size_t cap)
{
	fold(in ? in : "", out, cap, false);
}

void text_fold_words(const char *in, char *out, size_t cap)
{
	fold(in ? in : "", out, cap, true);
}

char *text_trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	size_t lead = strspn(s, " \t");
	if (lead)
		memmove(s, s + lead, n - lead + 1);
	return s;
}

void text_digits(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return;
	for (; s && *s && o < cap - 1; s++)
		if (isdigit((unsigned char)*s))
			out[o++] = *s;
	out[o] = '\0';
}

bool text_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool text_in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}
