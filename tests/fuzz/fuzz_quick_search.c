/* tests/fuzz/fuzz_quick_search.c - the Quick search line on any bytes (it
 * comes from keyboards and barcode scanners), then the matcher's keys and
 * score on whatever it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "core/quicksearch.h"
#include "core/text.h"
#include "core/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct quick_search qs;
	struct vax_error err;
	if (quick_search_parse(s, &qs, &err)) {
		if (qs.kind == QUICK_ID && !qs.uuid && !quick_search_is_id(qs.id))
			abort();
		if (qs.uuid && (qs.kind != QUICK_ID || !uuid_valid(qs.id)))
			abort();
		if (qs.kind == QUICK_NAME) {
			if (!text_utf8_valid(qs.query.name.family) || !text_utf8_valid(qs.query.name.given))
				abort();
			struct match_keys k;
			match_keys_query(&qs.query, &k);
			struct match_result r;
			match_score(&qs.query, &qs.query, &r);
			if (r.score < 0.0 || r.score > 1.0)
				abort();
		}
	} else if (!err.code[0] || !err.message[0]) {
		abort();
	}
	free(s);
	return 0;
}
