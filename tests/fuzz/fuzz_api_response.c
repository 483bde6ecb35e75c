/* tests/fuzz/fuzz_api_response.c - registry answers are outside input: feed
 * the bytes to every parser in api/response.h and api/oauth.h and the FHIR
 * result readers.
 * The first byte picks the content type the answer claims. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "api/oauth.h"
#include "api/response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a NUL-terminated copy, as the transport hands bodies over */
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	struct vax_error err;
	char text[256];

	api_outcome_text(body, size, text, sizeof text);
	api_text_clean(text, sizeof text, body);

	struct api_token t;
	if (api_token_parse(body, size, &t, &err))
		api_token_wipe(&t);
	struct api_token_error te;
	api_token_error_parse(body, size, &te);

	char *conf = NULL;
	char ver[33];
	if (api_confidentiality_parse(body, size, size && (data[0] & 1) ? "application/json" : "text/plain",
	                              &conf, ver, sizeof ver, &err))
		free(conf);

	/* how the registry signs in (api/oauth.h) */
	struct api_smart sm;
	api_smart_parse(body, size, "https://registry.example", &sm, &err);
	struct api_device dev;
	if (api_device_parse(body, size, &dev, &err))
		api_device_wipe(&dev);

	struct api_bundle b;
	if (api_bundle_parse(body, size, &b, &err)) {
		struct api_fhir_outcome out[16];
		api_fhir_entry_outcomes(&b, out, 16, &err);
		for (int i = 0; i < b.n; i++) {
			char ty[32], id[65], v[72];
			api_ref_split(b.entry[i].full_url, ty, sizeof ty, id, sizeof id, v, sizeof v);
			if (b.entry[i].outcome)
				api_outcome_text_json(b.entry[i].outcome, text, sizeof text);
		}
	}
	api_bundle_free(&b);

	/* the typed readers over a 200 with this body */
	struct api_result res = {.cls = API_OK,
	                         .status = 200,
	                         .body = body,
	                         .body_len = size,
	                         .content_type = "application/fhir+json",
	                         .etag = body,
	                         .location = "",
	                         .last_modified = "",
	                         .retry_after = -1};
	struct client *c = malloc(sizeof *c);
	struct immunization *im = malloc(sizeof *im);
	if (c && im) {
		api_fhir_read_patient(&res, c, &err);
		api_fhir_read_immunization(&res, im, &err);
	}
	free(c);
	free(im);
	cJSON *j = api_fhir_read_resource(&res, NULL, &err);
	if (j) {
		char vbuf[72];
		api_fhir_version(&res, j, vbuf, sizeof vbuf);
	}
	cJSON_Delete(j);
	/* each answer of a batch, and one past the last */
	for (int i = 0; i < 4; i++) {
		struct api_result one;
		char *owned = NULL;
		if (api_fhir_batch_entry(&res, i, &one, &owned, &err)) {
			struct api_bundle ob;
			if (api_fhir_read_bundle(&one, &ob, &err))
				api_bundle_free(&ob);
		}
		free(owned);
	}
	api_classify_status(&res, size ? 400 + data[0] % 200 : 500, size & 1, body);
	free(body);
	return 0;
}
