/* tests/fuzz/fuzz_wire.c - bodies as they come off the wire (wire/wire.h):
 * the first byte says how the rest is read - 0 a dcz frame behind the
 * shipped dictionary's own header (so the Zstandard decoder is reached), 1
 * a whole dcz body, 2 gzip, 3 the Available-Dictionary and Accept-Encoding
 * readers. Whatever comes is refused with a WIRE- code, or decoded within
 * the limit; what decodes encodes and decodes back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sys/fileio.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX (1u << 20)

/* the header that names the shipped dictionary, as the encoder writes it */
static unsigned char header[WIRE_DCZ_HEADER];

static struct wire_dict *dict(void)
{
	static struct wire_dict *d;
	static int tried;
	if (!tried) {
		tried = 1;
		char *bytes = NULL;
		size_t len = 0;
		struct vax_error err;
		bool ok = getenv("VAXDESK_DATADIR") ? fileio_read_data(WIRE_DICT_FILE, &bytes, &len, &err)
		                                    : fileio_read(WIRE_DICT_PATH, &bytes, &len, &err);
		if (!ok || !(d = wire_dict_new(bytes, len, &err)))
			abort(); /* the shipped dictionary must load */
		free(bytes);
		char sample[WIRE_MIN * 2];
		memset(sample, 'x', sizeof sample);
		size_t hl = 0;
		unsigned char *ref = wire_dcz_encode(d, sample, sizeof sample, &hl);
		if (!ref)
			abort();
		memcpy(header, ref, WIRE_DCZ_HEADER);
		free(ref);
	}
	return d;
}

static void check(enum wire_status st, char *out, size_t n, const struct vax_error *err)
{
	if (st == WIRE_OK) {
		if (!out || n > MAX || out[n] != '\0')
			abort();
	} else if (out || strncmp(err->code, "WIRE-", 5) != 0 || !err->message[0]) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct wire_dict *d = dict();
	int mode = data[0] % 4;
	data++;
	size--;
	char *out = NULL;
	size_t n = 0;
	struct vax_error err = {0};
	if (mode == 0 || mode == 1) {
		unsigned char *body = malloc(size + WIRE_DCZ_HEADER + 1);
		size_t len = size;
		if (mode == 0) {
			memcpy(body, header, WIRE_DCZ_HEADER);
			memcpy(body + WIRE_DCZ_HEADER, data, size);
			len = size + WIRE_DCZ_HEADER;
		} else {
			memcpy(body, data, size);
		}
		enum wire_status st = wire_dcz_decode(d, body, len, MAX, &out, &n, &err);
		check(st, out, n, &err);
		if (st == WIRE_OK) {
			size_t zl = 0;
			unsigned char *z = wire_dcz_encode(d, out, n, &zl);
			char *back = NULL;
			size_t bn = 0;
			if (z && (wire_dcz_decode(d, z, zl, MAX, &back, &bn, &err) != WIRE_OK || bn != n ||
			          memcmp(back, out, n)))
				abort();
			free(back);
			free(z);
		}
		free(body);
	} else if (mode == 2) {
		enum wire_status st = wire_gunzip(data, size, MAX, &out, &n, &err);
		check(st, out, n, &err);
	} else {
		char *s = malloc(size + 1);
		memcpy(s, data, size);
		s[size] = '\0';
		(void)wire_dict_named(d, s);
		(void)wire_coding_listed(s, "dcz");
		(void)wire_coding_listed(s, "gzip");
		free(s);
	}
	free(out);
	return 0;
}
