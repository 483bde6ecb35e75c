/* tests/fuzz/fuzz_cache_record.c - the local store's record decoder on any
 * bytes. The first byte picks the path: 0 decodes the rest as a sealed
 * record straight from the file (header, nonce, tag checks); 1 and 2 seal
 * the rest first with the fixed key, so the fuzzer reaches the JSON and FHIR
 * parsing behind the authentication, as a Patient (1) or an Immunization (2). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/crypto.h"
#include "cache/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char KEY[CACHE_KEY_LEN] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 20)
		return 0;
	unsigned mode = data[0] % 3;
	const uint8_t *rest = data + 1;
	size_t len = size - 1;
	struct client c;
	struct immunization im;
	if (mode == 0) {
		cache_record_decode(KEY, "client/x", rest, len, CACHE_R_PATIENT, &c, &im, NULL);
		return 0;
	}
	unsigned char *sealed = malloc(cache_crypto_sealed_len(len));
	if (sealed && cache_crypto_seal(KEY, "row/x", rest, len, sealed)) {
		cache_record_decode(KEY, "row/x", sealed, cache_crypto_sealed_len(len),
		                    mode == 1 ? CACHE_R_PATIENT : CACHE_R_IMMUNIZATION, &c, &im, NULL);
		/* the same blob under another row's name must not open */
		if (cache_record_decode(KEY, "row/y", sealed, cache_crypto_sealed_len(len), CACHE_R_PATIENT,
		                        &c, &im, NULL))
			abort();
	}
	free(sealed);
	return 0;
}
