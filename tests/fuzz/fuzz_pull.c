/* tests/fuzz/fuzz_pull.c - the registry's answer to a client read is outside
 * input: feed the bytes to cache/pull.h's readers, as the batch answer, as
 * a further page of doses, and as a search with each client's forecast. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "cache/pull.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a NUL-terminated copy, as the transport hands bodies over */
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	struct api_result res = {.cls = API_OK,
	                         .status = 200,
	                         .body = body,
	                         .body_len = size,
	                         .retry_after = -1,
	                         .content_type = "application/fhir+json",
	                         .etag = "",
	                         .location = ""};
	struct cache_pulled *p = malloc(sizeof *p);
	if (p) {
		enum api_class cls;
		struct vax_error err;
		if (cache_pull_read(&res, p, &cls, &err))
			cache_pull_read_page(&res, p, &err);
		cache_pulled_free(p);
		free(p);
	}
	struct api_bundle b;
	struct vax_error err;
	memset(&b, 0, sizeof b);
	if (api_fhir_read_bundle(&res, &b, &err))
		for (int i = 0; i < b.n; i++)
			free(cache_pull_forecast_of(&b, b.entry[i].id));
	api_bundle_free(&b);
	free(body);
	return 0;
}
