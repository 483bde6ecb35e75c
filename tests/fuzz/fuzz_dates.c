/* tests/fuzz/fuzz_dates.c - date entry, wire dates and CDSi spans on any
 * bytes (they arrive from keyboards, registries and CDC's XML). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	vax_date d;
	char buf[DATE_ISO_LEN];
	if (date_parse_us(s, &d) == DATE_OK)
		date_format_iso(d, buf);
	if (date_parse_iso(s, &d) == DATE_OK)
		date_format_us(d, buf);
	date_parse_compact(s, &d);
	struct date_span sp;
	if (date_span_parse(s, &sp) && sp.years < 1000 && sp.years > -1000 && sp.months < 12000 &&
	    sp.months > -12000)
		date_add_span(date_from_ymd(2000, 1, 31), &sp);
	char folded[64];
	text_fold_words(s, folded, sizeof folded);
	text_utf8_valid(s);
	free(s);
	return 0;
}
