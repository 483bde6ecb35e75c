/* wire/wire.c - see wire.h */
#include "wire/wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

/* RFC 9842 section 5.2: a Zstandard skippable frame of 32 bytes (the
 * dictionary's SHA-256) before the compressed one */
static const unsigned char dcz_magic[8] = {0x5e, 0x2a, 0x4d, 0x18, 0x20, 0x00, 0x00, 0x00};

#define DICT_MAX (1u << 20)
/* what every dcz decoder must take (RFC 9842 5.2): 8 MB windows */
#define WINDOW_LOG_MAX 23
/* above this a body (a school list, a sync page) is compressed faster */
#define LARGE (256u * 1024)

struct wire_dict {
	unsigned char *bytes;
	size_t len;
	unsigned char sha[32];
	char name[48]; /* ":<base64>:" */
	ZSTD_CDict *small, *large;
	ZSTD_DDict *dd;
};

struct wire_dict *wire_dict_new(const void *bytes, size_t len, struct vax_error *err)
{
	if (!bytes || len < 8 || len > DICT_MAX) {
		error_set(err, "WIRE-DICT", "The compression dictionary is empty or larger than %u bytes.",
		          DICT_MAX);
		return NULL;
	}
	struct wire_dict *d = calloc(1, sizeof *d);
	if (!d || !(d->bytes = malloc(len))) {
		free(d);
		error_set(err, "WIRE-NOMEM", "Out of memory loading the compression dictionary.");
		return NULL;
	}
	memcpy(d->bytes, bytes, len);
	d->len = len;
	unsigned int n = 0;
	bool ok = EVP_Digest(d->bytes, len, d->sha, &n, EVP_sha256(), NULL) == 1 && n == 32;
	if (ok) {
		d->name[0] = ':';
		int b = EVP_EncodeBlock((unsigned char *)d->name + 1, d->sha, 32);
		ok = b == 44;
		d->name[45] = ':';
		d->name[46] = '\0';
	}
	/* a trained dictionary names itself; raw bytes are no dictionary of ours */
	ok = ok && ZSTD_getDictID_fromDict(d->bytes, len) != 0;
	ok = ok && (d->small = ZSTD_createCDict(d->bytes, len, 15)) &&
	     (d->large = ZSTD_createCDict(d->bytes, len, 6)) && (d->dd = ZSTD_createDDict(d->bytes, len));
	if (!ok) {
		wire_dict_free(d);
		error_set(err, "WIRE-DICT", "The compression dictionary is not a Zstandard dictionary.");
		return NULL;
	}
	return d;
}

void wire_dict_free(struct wire_dict *d)
{
	if (!d)
		return;
	ZSTD_freeCDict(d->small);
	ZSTD_freeCDict(d->large);
	ZSTD_freeDDict(d->dd);
	free(d->bytes);
	free(d);
}

const char *wire_dict_name(const struct wire_dict *d)
{
	return d ? d->name : "";
}

bool wire_dict_named(const struct wire_dict *d, const char *value)
{
	if (!d || !value)
		return false;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t n = strlen(d->name);
	if (strncmp(value, d->name, n) != 0)
		return false;
	for (value += n; *value == ' ' || *value == '\t'; value++)
		;
	return *value == '\0';
}

bool wire_coding_listed(const char *list, const char *coding)
{
	size_t cl = strlen(coding);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, " \t,;");
		bool match = n == cl && !strncasecmp(p, coding, n);
		p += n;
		/* parameters: q=0 refuses it (RFC 9110 12.5.3) */
		bool refused = false;
		while (*p && *p != ',') {
			p += strspn(p, " \t;");
			if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
				const char *q = p + 2;
				refused = q[0] == '0' &&
				          (q[1] != '.' || strspn(q + 2, "0") == strcspn(q + 2, " \t,;"));
			}
			p += strcspn(p, ",;");
		}
		if (match)
			return !refused;
	}
	return false;
}

unsigned char *wire_dcz_encode(const struct wire_dict *d, const void *in, size_t len, size_t *out_len)
{
	if (!d || len < WIRE_MIN)
		return NULL;
	size_t cap = WIRE_DCZ_HEADER + ZSTD_compressBound(len);
	unsigned char *out = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t n = 0;
	if (out && c) {
		memcpy(out, dcz_magic, sizeof dcz_magic);
		memcpy(out + sizeof dcz_magic, d->sha, 32);
		n = ZSTD_compress_usingCDict(c, out + WIRE_DCZ_HEADER, cap - WIRE_DCZ_HEADER, in, len,
		                             len > LARGE ? d->large : d->small);
	}
	ZSTD_freeCCtx(c);
	if (!out || !c || ZSTD_isError(n) || WIRE_DCZ_HEADER + n >= len) {
		free(out);
		return NULL;
	}
	*out_len = WIRE_DCZ_HEADER + n;
	return out;
}

/* Room for one more byte past *cap, never past max + 1: false when max
 * is passed (the caller says too large) or memory runs out. */
static bool grow(char **buf, size_t *cap, size_t used, size_t max, bool *nomem)
{
	if (used < *cap)
		return true;
	if (*cap > max)
		return false;
	size_t nc = *cap * 2 > max + 1 ? max + 1 : *cap * 2;
	char *nb = realloc(*buf, nc + 1);
	if (!nb) {
		*nomem = true;
		return false;
	}
	*buf = nb;
	*cap = nc;
	return true;
}

static enum wire_status failed(enum wire_status st, struct vax_error *err, size_t max, const char *coding)
{
	switch (st) {
	case WIRE_TOO_LARGE:
		error_set(err, "WIRE-TOO-LARGE", "The body is larger than %zu bytes once uncompressed.", max);
		break;
	case WIRE_OTHER_DICT:
		error_set(err, "WIRE-OTHER-DICT",
		          "The body was compressed with a dictionary this end does not hold.");
		break;
	case WIRE_BAD:
		error_set(err, "WIRE-BAD", "The body is not valid %s, or is cut short.", coding);
		break;
	case WIRE_NOMEM:
		error_set(err, "WIRE-NOMEM", "Out of memory uncompressing a body.");
		break;
	case WIRE_OK:
		break;
	}
	return st;
}

enum wire_status wire_dcz_decode(const struct wire_dict *d, const void *in, size_t len, size_t max,
                                 char **out, size_t *out_len, struct vax_error *err)
{
	*out = NULL;
	*out_len = 0;
	const unsigned char *b = in;
	if (len < WIRE_DCZ_HEADER || memcmp(b, dcz_magic, sizeof dcz_magic))
		return failed(WIRE_BAD, err, max, "dcz");
	if (!d || memcmp(b + sizeof dcz_magic, d->sha, 32))
		return failed(WIRE_OTHER_DICT, err, max, "dcz");
	ZSTD_DCtx *z = ZSTD_createDCtx();
	size_t cap = max + 1 < 65536 ? max + 1 : 65536;
	char *buf = malloc(cap + 1);
	if (!z || !buf) {
		ZSTD_freeDCtx(z);
		free(buf);
		return failed(WIRE_NOMEM, err, max, "dcz");
	}
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, WINDOW_LOG_MAX);
	ZSTD_DCtx_refDDict(z, d->dd);
	ZSTD_inBuffer ib = {b + WIRE_DCZ_HEADER, len - WIRE_DCZ_HEADER, 0};
	ZSTD_outBuffer ob = {buf, cap, 0};
	enum wire_status st = WIRE_OK;
	size_t left = 1; /* 0 once a frame ends where the input does */
	bool nomem = false;
	while (ib.pos < ib.size || (left && ob.pos == ob.size)) {
		if (ob.pos == ob.size) {
			if (!grow(&buf, &cap, ob.pos, max, &nomem)) {
				st = nomem ? WIRE_NOMEM : WIRE_TOO_LARGE;
				break;
			}
			ob.dst = buf;
			ob.size = cap;
		}
		size_t before_in = ib.pos, before_out = ob.pos;
		left = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(left)) {
			st = WIRE_BAD;
			break;
		}
		if (ib.pos == before_in && ob.pos == before_out && ob.pos < ob.size)
			break; /* no progress: input cut short */
	}
	if (st == WIRE_OK && ob.pos > max)
		st = WIRE_TOO_LARGE;
	if (st == WIRE_OK && left != 0)
		st = WIRE_BAD; /* cut short */
	ZSTD_freeDCtx(z);
	if (st != WIRE_OK) {
		free(buf);
		return failed(st, err, max, "dcz");
	}
	buf[ob.pos] = '\0';
	*out = buf;
	*out_len = ob.pos;
	return WIRE_OK;
}

unsigned char *wire_gzip(const void *in, size_t len, size_t *out_len)
{
	if (len < WIRE_MIN)
		return NULL;
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, (uLong)len);
	unsigned char *out = malloc(cap);
	int rc = Z_STREAM_ERROR;
	if (out) {
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		rc = deflate(&z, Z_FINISH);
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END || *out_len >= len) {
		free(out);
		return NULL;
	}
	return out;
}

enum wire_status wire_gunzip(const void *in, size_t len, size_t max, char **out, size_t *out_len,
                             struct vax_error *err)
{
	*out = NULL;
	*out_len = 0;
	z_stream z = {0};
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return failed(WIRE_NOMEM, err, max, "gzip");
	size_t cap = max + 1 < 65536 ? max + 1 : 65536;
	char *buf = malloc(cap + 1);
	int rc = Z_OK;
	enum wire_status st = buf ? WIRE_OK : WIRE_NOMEM;
	bool nomem = false;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	while (st == WIRE_OK && rc != Z_STREAM_END) {
		if (z.total_out >= cap && !grow(&buf, &cap, z.total_out, max, &nomem)) {
			st = nomem ? WIRE_NOMEM : WIRE_TOO_LARGE;
			break;
		}
		z.next_out = (Bytef *)buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && z.avail_out == 0))
			st = WIRE_BAD; /* not gzip, or cut short */
		else if (rc == Z_OK && z.avail_in == 0 && z.avail_out > 0)
			st = WIRE_BAD; /* the input ended inside the member */
	}
	if (st == WIRE_OK && z.total_out > max)
		st = WIRE_TOO_LARGE;
	if (st == WIRE_OK && z.avail_in)
		st = WIRE_BAD; /* something after the gzip member */
	size_t n = z.total_out;
	inflateEnd(&z);
	if (st != WIRE_OK) {
		free(buf);
		return failed(st, err, max, "gzip");
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return WIRE_OK;
}

enum wire_status wire_decode(const struct wire_dict *d, const char *coding, const void *in, size_t len,
                             size_t max, char **out, size_t *out_len, struct vax_error *err)
{
	if (coding && !strcasecmp(coding, "dcz"))
		return wire_dcz_decode(d, in, len, max, out, out_len, err);
	if (coding && !strcasecmp(coding, "gzip"))
		return wire_gunzip(in, len, max, out, out_len, err);
	*out = NULL;
	*out_len = 0;
	error_set(err, "WIRE-BAD", "The body's coding (%s) is neither gzip nor dcz.", coding ? coding : "");
	return WIRE_BAD;
}
