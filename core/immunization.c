/* core/immunization.c - see immunization.h */
#include "core/immunization.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

void imm_init(struct immunization *im)
{
	memset(im, 0, sizeof *im);
	im->expiration = DATE_NONE;
	im->date_given = DATE_NONE;
	for (int i = 0; i < IMM_VIS_MAX; i++)
		im->vis[i].edition = im->vis[i].presented = DATE_NONE;
	text_copy(im->info_source, sizeof im->info_source, "00");
}

bool imm_parse_volume(const char *s, int *ul)
{
	long whole = 0, frac = 0, scale = 1000;
	bool digits = false;
	while (*s == ' ')
		s++;
	while (isdigit((unsigned char)*s)) {
		whole = whole * 10 + (*s++ - '0');
		digits = true;
		if (whole > 100)
			return false;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			digits = true;
			scale /= 10;
			if (scale == 0)
				return false; /* more precision than a syringe has */
			frac += (*s++ - '0') * scale;
		}
	}
	while (*s == ' ')
		s++;
	if (!strcasecmp(s, "ml"))
		s += 2;
	if (*s || !digits)
		return false;
	*ul = (int)(whole * 1000 + frac);
	return *ul > 0;
}

char *imm_format_volume(int ul, char *buf, size_t len)
{
	int frac = ul % 1000;
	if (frac == 0)
		snprintf(buf, len, "%d", ul / 1000);
	else if (frac % 100 == 0)
		snprintf(buf, len, "%d.%d", ul / 1000, frac / 100);
	else if (frac % 10 == 0)
		snprintf(buf, len, "%d.%02d", ul / 1000, frac / 10);
	else
		snprintf(buf, len, "%d.%03d", ul / 1000, frac);
	return buf;
}
