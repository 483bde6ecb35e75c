/* core/phonetic.c - see phonetic.h. */
#include "core/phonetic.h"

#include <string.h>

#include "core/text.h"

#define WORD_MAX 64

static bool is_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
}

static bool is_front(char c)
{
	return c == 'E' || c == 'I' || c == 'Y';
}

void phonetic_code(const char *word, char out[PHONETIC_LEN])
{
	char raw[WORD_MAX], s[WORD_MAX];
	size_t n = 0;

	text_fold(word, raw, sizeof raw);
	for (const char *p = raw; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			s[n++] = *p;
	s[n] = '\0';
	out[0] = '\0';
	if (n == 0)
		return;

	size_t i = 0, o = 0;
	char last = 0; /* last consonant symbol since the last vowel */

	/* English silent first letters: Knight, Gnat, Pneuma, Wright, Psalm. */
	if (n > 1 &&
	    ((s[0] == 'K' && s[1] == 'N') || (s[0] == 'G' && s[1] == 'N') || (s[0] == 'P' && s[1] == 'N') ||
	     (s[0] == 'W' && s[1] == 'R') || (s[0] == 'P' && s[1] == 'S')))
		i = 1;
	/* A silent H before the first vowel (Hernández, Huerta): the vowel
	 * starts the word. */
	if (s[i] == 'H' && i + 1 < n && is_vowel(s[i + 1]))
		i++;
	if (n > 1 && s[0] == 'N' && s[1] == 'G') {
		/* Vietnamese NG- is one sound: Nguyễn, Ngyuen, Ngô */
		out[o++] = 'N';
		last = 'N';
		i = 2;
	} else if (is_vowel(s[i])) {
		out[o++] = 'A';
		i++;
	}

	for (; i < n && o < PHONETIC_LEN - 1; i++) {
		char c = s[i], next = i + 1 < n ? s[i + 1] : 0;
		char sym = 0;
		if (is_vowel(c)) {
			last = 0;
			continue;
		}
		switch (c) {
		case 'B':
		case 'V':
			sym = 'B';
			break;
		case 'C':
			if (next == 'H') {
				sym = 'X';
				i++;
			} else if (is_front(next)) {
				sym = 'S';
			} else {
				sym = 'K';
			}
			break;
		case 'D':
		case 'T':
			if (c == 'T' && next == 'C' && i + 2 < n && s[i + 2] == 'H') {
				sym = 'X'; /* Fletcher */
				i += 2;
			} else {
				sym = 'T';
			}
			break;
		case 'G':
			if (next == 'H') {
				/* Ghent keeps it; Hugh, Wright do not */
				sym = i == 0 ? 'K' : 0;
				i++;
			} else if (next == 'N') {
				sym = 0; /* Agnes, Magnolia */
			} else if (is_front(next)) {
				sym = 'J'; /* Gerardo ~ Jerardo, Gina ~ Jina */
			} else {
				sym = 'K';
			}
			break;
		case 'H':
			sym = 0; /* silent in Spanish, weak in English */
			break;
		case 'J':
			sym = 'J';
			break;
		case 'K':
		case 'Q':
			sym = 'K';
			break;
		case 'P':
			if (next == 'H') {
				sym = 'F';
				i++;
			} else {
				sym = 'P';
			}
			break;
		case 'S':
			if (next == 'H') {
				sym = 'X';
				i++;
			} else if (next == 'C' && i + 2 < n && s[i + 2] == 'H') {
				sym = 'X'; /* Schmidt */
				i += 2;
			} else {
				sym = 'S';
			}
			break;
		case 'W':
			sym = is_vowel(next) ? 'W' : 0;
			break;
		case 'X':
			/* Xochitl starts with S; elsewhere X is KS */
			if (i > 0 && last != 'K' && o < PHONETIC_LEN - 1)
				out[o++] = 'K';
			sym = 'S';
			break;
		case 'Z':
			sym = 'S';
			break;
		default: /* F L M N R */
			sym = c;
			break;
		}
		if (!sym || sym == last)
			continue;
		if (o < PHONETIC_LEN - 1)
			out[o++] = sym;
		last = sym;
	}
	out[o] = '\0';
}

bool phonetic_equal(const char *a, const char *b)
{
	char ka[PHONETIC_LEN], kb[PHONETIC_LEN];
	phonetic_code(a, ka);
	phonetic_code(b, kb);
	return ka[0] && strcmp(ka, kb) == 0;
}

double phonetic_jaro_winkler(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > WORD_MAX)
		la = WORD_MAX;
	if (lb > WORD_MAX)
		lb = WORD_MAX;
	if (la == 0 || lb == 0)
		return 0.0;
	if (la == lb && memcmp(a, b, la) == 0)
		return 1.0;

	size_t range = (la > lb ? la : lb) / 2;
	range = range > 0 ? range - 1 : 0;
	bool ma[WORD_MAX] = {false}, mb[WORD_MAX] = {false};
	size_t m = 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > range ? i - range : 0;
		size_t hi = i + range + 1 < lb ? i + range + 1 : lb;
		for (size_t j = lo; j < hi; j++) {
			if (!mb[j] && a[i] == b[j]) {
				ma[i] = mb[j] = true;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		return 0.0;
	size_t t = 0, k = 0;
	for (size_t i = 0; i < la; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	double md = (double)m;
	double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
	size_t prefix = 0;
	while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
		prefix++;
	return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}
