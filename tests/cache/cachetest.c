/* tests/cache/cachetest.c - see cachetest.h */
#include "tests/cache/cachetest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "sys/fileio.h"

struct cache_store *cachetest_open(const char *dir)
{
	struct cache_store_options o = {.dir = dir, .kdf = {10, 8, 1}};
	struct vax_error err;
	struct cache_store *s = cache_store_open(&o, &err);
	if (!s) {
		fprintf(stderr, "cachetest_open: %s\n", err.message);
		abort();
	}
	return s;
}

void cachetest_login(struct cache_store *s)
{
	struct vax_error err;
	if (!cache_login_online(s, "ORG1", "nurse", "Secret#123", 1000, &err)) {
		fprintf(stderr, "cachetest_login: %s\n", err.message);
		abort();
	}
}

const struct capture *cachetest_capture(void)
{
	static struct capture cap = {"nurse", "ORG1", "desk-7", 1700000000};
	return &cap;
}

void cachetest_client(struct client *c, const char *family, const char *given, int y, int m, int d)
{
	client_init(c);
	text_copy(c->name.family, sizeof c->name.family, family);
	text_copy(c->name.given, sizeof c->name.given, given);
	c->dob = date_from_ymd(y, m, d);
	c->sex = SEX_FEMALE;
	c->n_addr = 1;
	text_copy(c->addr[0].county, sizeof c->addr[0].county, "Travis");
	text_copy(c->addr[0].state, sizeof c->addr[0].state, "TX");
	c->n_ident = 1;
	text_copy(c->ident[0].type, sizeof c->ident[0].type, "MR");
	text_copy(c->ident[0].system, sizeof c->ident[0].system, "urn:oid:2.16.840.1.113883.4.1");
	text_copy(c->ident[0].value, sizeof c->ident[0].value, "CH-55");
}

void cachetest_dose(struct immunization *im, const char *client_uuid, const char *cvx, int y, int m, int d)
{
	imm_init(im);
	text_copy(im->client_uuid, sizeof im->client_uuid, client_uuid);
	text_copy(im->cvx, sizeof im->cvx, cvx);
	im->date_given = date_from_ymd(y, m, d);
	text_copy(im->lot, sizeof im->lot, "LOT123");
	text_copy(im->route, sizeof im->route, "IM");
	text_copy(im->site, sizeof im->site, "LA");
	im->dose_ul = 500;
}

static bool find(const char *buf, size_t len, const void *needle, size_t nlen)
{
	return nlen && memmem(buf, len, needle, nlen) != NULL;
}

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = t[v >> 6 & 63];
		out[o++] = t[v & 63];
	}
	out[o] = '\0';
}

static bool buf_contains(const char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (find(buf, len, s, n))
		return true;
	char *w = xmalloc(4 * n + 8);
	bool hit = false;
	/* UTF-16 (ASCII test strings) */
	for (int be = 0; be < 2 && !hit; be++) {
		for (size_t i = 0; i < n; i++) {
			w[2 * i + be] = s[i];
			w[2 * i + !be] = 0;
		}
		hit = find(buf, len, w, 2 * n);
	}
	/* hex, both cases */
	for (int up = 0; up < 2 && !hit; up++) {
		for (size_t i = 0; i < n; i++)
			sprintf(w + 2 * i, up ? "%02X" : "%02x", (unsigned char)s[i]);
		hit = find(buf, len, w, 2 * n);
	}
	/* base64 at the three alignments: skip 0..2 leading bytes, then the
	 * whole groups that do not depend on neighbours */
	for (size_t skip = 0; skip < 3 && !hit; skip++) {
		unsigned char *pad = xmalloc(n + 3);
		memset(pad, 0, 3);
		memcpy(pad + (3 - skip) % 3, s, n);
		size_t start = (3 - skip) % 3 ? 1 : 0; /* first group mixes in unknown bytes */
		size_t total = n + (3 - skip) % 3;
		b64(pad + 3 * start, total - 3 * start, w);
		hit = strlen(w) >= 4 && find(buf, len, w, strlen(w));
		free(pad);
	}
	free(w);
	return hit;
}

bool cachetest_dir_contains(const char *dir, const char *s)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *de;
	bool hit = false;
	while (!hit && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = fileio_join(dir, de->d_name);
		char *buf;
		size_t len;
		struct stat sb;
		/* each user's store is a directory of its own */
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			hit = cachetest_dir_contains(p, s);
		else if (fileio_read(p, &buf, &len, NULL)) {
			hit = buf_contains(buf, len, s);
			free(buf);
		}
		free(p);
	}
	closedir(d);
	return hit;
}
