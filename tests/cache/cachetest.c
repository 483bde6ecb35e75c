/* tests/cache/cachetest.c - see cachetest.h */
#include "tests/cache/cachetest.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

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

/* --- a disk that fails on cue ------------------------------------------------ */

/* Every file SQLite opens goes through this VFS, which forwards to the
 * system's and counts writes and syncs. */
struct tfile {
	sqlite3_file base;
	sqlite3_file *real; /* allocated after this struct */
};

static sqlite3_vfs *real_vfs;
static long kill_at = -1, full_from = -1, disk_ops;

/* The next write or sync: the process dies before it (CACHEDRV_KILL_AT), or
 * it fails as on a full disk (CACHEDRV_FULL_FROM). */
static int disk_op(bool write)
{
	disk_ops++;
	if (kill_at > 0 && disk_ops >= kill_at) {
		fflush(stdout);
		raise(SIGKILL);
	}
	return write && full_from > 0 && disk_ops >= full_from ? SQLITE_FULL : SQLITE_OK;
}

#define REAL(f) (((struct tfile *)(f))->real)

static int t_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	return rc;
}
static int t_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int t_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	int rc = disk_op(true);
	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int t_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int t_sync(sqlite3_file *f, int flags)
{
	int rc = disk_op(false);
	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int t_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int t_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int t_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int t_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int t_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int t_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int t_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int t_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int t_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void t_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int t_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int t_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp);
}
static int t_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

static const sqlite3_io_methods t_io = {
    3,          t_close,       t_read,      t_write,   t_truncate, t_sync,   t_size,
    t_lock,     t_unlock,      t_check,     t_control, t_sector,   t_device, t_shm_map,
    t_shm_lock, t_shm_barrier, t_shm_unmap, t_fetch,   t_unfetch,
};

static int t_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	struct tfile *t = (struct tfile *)f;
	t->real = (sqlite3_file *)(t + 1);
	memset(t->real, 0, (size_t)real_vfs->szOsFile);
	int rc = real_vfs->xOpen(real_vfs, name, t->real, flags, out_flags);
	t->base.pMethods = rc == SQLITE_OK && t->real->pMethods ? &t_io : NULL;
	return rc;
}

static sqlite3_vfs t_vfs;

bool cachetest_faulty_disk(void)
{
	const char *k = getenv("CACHEDRV_KILL_AT"), *f = getenv("CACHEDRV_FULL_FROM");
	kill_at = k && *k ? atol(k) : -1;
	full_from = f && *f ? atol(f) : -1;
	if (kill_at <= 0 && full_from <= 0)
		return false;
	real_vfs = sqlite3_vfs_find(NULL);
	t_vfs = *real_vfs;
	t_vfs.zName = "faulty-disk";
	t_vfs.szOsFile = (int)sizeof(struct tfile) + real_vfs->szOsFile;
	t_vfs.xOpen = t_open;
	t_vfs.pNext = NULL;
	return sqlite3_vfs_register(&t_vfs, 1) == SQLITE_OK;
}
