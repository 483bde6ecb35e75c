/* tests/wire/test_wire.c - wire/wire.h with the shipped dictionary: a FHIR
 * body goes through dcz and gzip and comes back the same, smaller than
 * gzip makes it; a body made with another dictionary, cut short, larger
 * than allowed once uncompressed, or not what it says is refused with a
 * reason; the Available-Dictionary and Accept-Encoding readers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sys/fileio.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "wire/wire.h"

static const char body[] =
    "{\"resourceType\":\"Immunization\",\"identifier\":[{\"system\":\"urn:ietf:rfc:3986\",\"value\":"
    "\"urn:uuid:412a34e8-7d9c-451f-9c40-9901953048df\"}],\"status\":\"completed\",\"vaccineCode\":"
    "{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/cvx\",\"code\":\"141\"}]},"
    "\"occurrenceDateTime\":\"2026-12-07\",\"primarySource\":true,\"reportOrigin\":{\"coding\":[{"
    "\"system\":\"https://vaxdesk.org/fhir/CodeSystem/info-source\",\"code\":\"00\"}]},\"lotNumber\":"
    "\"FL26A\",\"expirationDate\":\"2027-06-30\",\"fundingSource\":{\"coding\":[{\"system\":"
    "\"https://vaxdesk.org/fhir/CodeSystem/funding-source\",\"code\":\"VXC1\"}]},"
    "\"programEligibility\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
    "v2-0064\",\"code\":\"V02\"}]}],\"patient\":{\"reference\":\"Patient/"
    "40e321d6-5277-4e1a-b6dd-1d3b840a1a82\"}}";

static struct wire_dict *shipped(void)
{
	char *path = fileio_join(testutil_datadir(), WIRE_DICT_FILE), *bytes = NULL;
	size_t len = 0;
	struct vax_error err = {0};
	ck_assert_msg(fileio_read(path, &bytes, &len, &err), "%s", err.message);
	struct wire_dict *d = wire_dict_new(bytes, len, &err);
	ck_assert_msg(d, "%s", err.message);
	free(bytes);
	free(path);
	return d;
}

START_TEST(dcz_round_trip)
{
	struct wire_dict *d = shipped();
	size_t zlen = 0, glen = 0, back_len = 0;
	unsigned char *z = wire_dcz_encode(d, body, strlen(body), &zlen);
	unsigned char *g = wire_gzip(body, strlen(body), &glen);
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_nonnull(g);
	/* the point of it: well under what gzip makes of a shot */
	ck_assert_msg(zlen * 2 < glen, "dcz %zu B, gzip %zu B", zlen, glen);
	char *back = NULL;
	struct vax_error err = {0};
	ck_assert_int_eq(wire_dcz_decode(d, z, zlen, 1 << 20, &back, &back_len, &err), WIRE_OK);
	ck_assert_uint_eq(back_len, strlen(body));
	ck_assert_str_eq(back, body);
	free(back);
	ck_assert_int_eq(wire_gunzip(g, glen, 1 << 20, &back, &back_len, &err), WIRE_OK);
	ck_assert_str_eq(back, body);
	free(back);
	/* by the Content-Encoding's name, in any case */
	ck_assert_int_eq(wire_decode(d, "DCZ", z, zlen, 1 << 20, &back, &back_len, &err), WIRE_OK);
	ck_assert_str_eq(back, body);
	free(back);
	ck_assert_int_eq(wire_decode(d, "gzip", g, glen, 1 << 20, &back, &back_len, &err), WIRE_OK);
	ck_assert_str_eq(back, body);
	free(back);
	ck_assert_int_eq(wire_decode(d, "br", g, glen, 1 << 20, &back, &back_len, &err), WIRE_BAD);
	ck_assert_ptr_null(back);
	ck_assert_str_eq(err.code, "WIRE-BAD");
	/* the second time: the same bytes (nothing kept between bodies) */
	size_t zlen2 = 0;
	unsigned char *z2 = wire_dcz_encode(d, body, strlen(body), &zlen2);
	ck_assert_uint_eq(zlen2, zlen);
	ck_assert_mem_eq(z2, z, zlen);
	free(z2);
	free(z);
	free(g);
	wire_dict_free(d);
}
END_TEST

START_TEST(dcz_refused)
{
	struct wire_dict *d = shipped();
	size_t zlen = 0, n = 0;
	unsigned char *z = wire_dcz_encode(d, body, strlen(body), &zlen);
	char *out = NULL;
	struct vax_error err = {0};
	/* larger than allowed once uncompressed */
	ck_assert_int_eq(wire_dcz_decode(d, z, zlen, 100, &out, &n, &err), WIRE_TOO_LARGE);
	ck_assert_str_eq(err.code, "WIRE-TOO-LARGE");
	ck_assert_ptr_null(out);
	/* exactly as large as allowed */
	ck_assert_int_eq(wire_dcz_decode(d, z, zlen, strlen(body), &out, &n, &err), WIRE_OK);
	free(out);
	/* cut short, anywhere */
	for (size_t cut = 0; cut < zlen; cut += 7) {
		ck_assert_int_ne(wire_dcz_decode(d, z, cut, 1 << 20, &out, &n, &err), WIRE_OK);
		ck_assert_ptr_null(out);
	}
	/* another dictionary's hash in the header */
	z[12] ^= 1;
	ck_assert_int_eq(wire_dcz_decode(d, z, zlen, 1 << 20, &out, &n, &err), WIRE_OTHER_DICT);
	ck_assert_str_eq(err.code, "WIRE-OTHER-DICT");
	z[12] ^= 1;
	/* no dictionary here at all */
	ck_assert_int_eq(wire_dcz_decode(NULL, z, zlen, 1 << 20, &out, &n, &err), WIRE_OTHER_DICT);
	/* a damaged frame */
	z[zlen - 3] ^= 0x55;
	ck_assert_int_eq(wire_dcz_decode(d, z, zlen, 1 << 20, &out, &n, &err), WIRE_BAD);
	/* gzip that is not gzip, and gzip with something after it */
	ck_assert_int_eq(wire_gunzip(body, strlen(body), 1 << 20, &out, &n, &err), WIRE_BAD);
	size_t glen = 0;
	unsigned char *g = wire_gzip(body, strlen(body), &glen);
	unsigned char *g2 = malloc(glen + 3);
	memcpy(g2, g, glen);
	memcpy(g2 + glen, "xyz", 3);
	ck_assert_int_eq(wire_gunzip(g2, glen + 3, 1 << 20, &out, &n, &err), WIRE_BAD);
	ck_assert_int_eq(wire_gunzip(g, glen - 5, 1 << 20, &out, &n, &err), WIRE_BAD);
	ck_assert_int_eq(wire_gunzip(g, glen, 10, &out, &n, &err), WIRE_TOO_LARGE);
	/* a small body is not worth compressing */
	ck_assert_ptr_null(wire_dcz_encode(d, "{}", 2, &n));
	ck_assert_ptr_null(wire_gzip("{}", 2, &n));
	/* bytes that are no dictionary */
	ck_assert_ptr_null(wire_dict_new(body, strlen(body), &err));
	ck_assert_str_eq(err.code, "WIRE-DICT");
	free(g);
	free(g2);
	free(z);
	wire_dict_free(d);
}
END_TEST

START_TEST(headers)
{
	struct wire_dict *d = shipped();
	const char *name = wire_dict_name(d);
	ck_assert_uint_eq(strlen(name), 46);
	ck_assert(name[0] == ':' && name[45] == ':');
	ck_assert(wire_dict_named(d, name));
	char spaced[64];
	snprintf(spaced, sizeof spaced, " %s ", name);
	ck_assert(wire_dict_named(d, spaced));
	ck_assert(!wire_dict_named(d, ":AAAA:"));
	ck_assert(!wire_dict_named(d, NULL));
	ck_assert(!wire_dict_named(NULL, name));
	snprintf(spaced, sizeof spaced, "%s, :x:", name);
	ck_assert(!wire_dict_named(d, spaced));

	ck_assert(wire_coding_listed("gzip, dcz", "dcz"));
	ck_assert(wire_coding_listed("DCZ;q=0.5", "dcz"));
	ck_assert(wire_coding_listed("gzip", "gzip"));
	ck_assert(!wire_coding_listed("gzip", "dcz"));
	ck_assert(!wire_coding_listed("dcz;q=0, gzip", "dcz"));
	ck_assert(!wire_coding_listed("dcz; q=0.000", "dcz"));
	ck_assert(wire_coding_listed("dcz; q=0.001", "dcz"));
	ck_assert(!wire_coding_listed("xdcz, dczz", "dcz"));
	ck_assert(!wire_coding_listed(NULL, "dcz"));
	ck_assert(!wire_coding_listed("", "dcz"));
	wire_dict_free(d);
}
END_TEST

Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");
	tcase_add_test(tc, dcz_round_trip);
	tcase_add_test(tc, dcz_refused);
	tcase_add_test(tc, headers);
	suite_add_tcase(s, tc);
	return s;
}
