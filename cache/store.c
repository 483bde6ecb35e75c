/* cache/store.c - see store.h. Opening, keys and login, cached records,
 * blind indexes, retention. The outbox is in outbox.c. */
#include "cache/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "core/fhir.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "sys/fileio.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);"
    "CREATE TABLE IF NOT EXISTS users(org TEXT NOT NULL, user TEXT NOT NULL,"
    " salt BLOB NOT NULL, log2n INTEGER NOT NULL, r INTEGER NOT NULL, p INTEGER NOT NULL,"
    " wrap BLOB NOT NULL, failures INTEGER NOT NULL DEFAULT 0, last_online INTEGER,"
    " PRIMARY KEY(org, user));"
    "CREATE TABLE IF NOT EXISTS clients(key TEXT PRIMARY KEY, sealed BLOB NOT NULL,"
    " as_of INTEGER NOT NULL DEFAULT 0, last_used INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS imms(key TEXT PRIMARY KEY, client_key TEXT NOT NULL,"
    " sealed BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS imms_client ON imms(client_key);"
    "CREATE TABLE IF NOT EXISTS search(kind INTEGER NOT NULL, tag BLOB NOT NULL,"
    " client_key TEXT NOT NULL, PRIMARY KEY(kind, tag, client_key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS search_client ON search(client_key);"
    "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " uuid TEXT NOT NULL UNIQUE, op INTEGER NOT NULL, rtype INTEGER NOT NULL,"
    " rec_key TEXT NOT NULL, client_key TEXT NOT NULL, user TEXT NOT NULL, org TEXT NOT NULL,"
    " workstation TEXT NOT NULL, captured_at INTEGER NOT NULL, state INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0,"
    " receipt BLOB, message BLOB, payload BLOB NOT NULL, theirs BLOB,"
    " reviewed INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL, base BLOB);"
    "CREATE INDEX IF NOT EXISTS outbox_rec ON outbox(rec_key, state);"
    "CREATE INDEX IF NOT EXISTS outbox_client ON outbox(client_key, state);"
    /* what a person did instead of sending (discard, keep theirs): who,
     * which record and why are sealed; the clear columns only order it */
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " uuid TEXT NOT NULL UNIQUE, at INTEGER NOT NULL, action INTEGER NOT NULL,"
    " entry_seq INTEGER NOT NULL, sealed BLOB NOT NULL);"
    /* the registry's resources as they came (key from type/id, like a
     * row key), so an edit goes back with only what it changed */
    "CREATE TABLE IF NOT EXISTS remote(key TEXT PRIMARY KEY, client_key TEXT NOT NULL,"
    " sealed BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS remote_client ON remote(client_key);"
    "INSERT OR IGNORE INTO meta(k, v) VALUES('schema', 2);";

/* A store made by an older vaxdesk: what schema 1 lacked. */
static const char MIGRATE_1[] = "ALTER TABLE outbox ADD COLUMN base BLOB;"
                                "UPDATE meta SET v = 2 WHERE k = 'schema';";

static void json_wipe(cJSON *j)
{
	for (; j; j = j->next) {
		if (j->valuestring)
			OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
		if (j->string && !(j->type & cJSON_StringIsConst))
			OPENSSL_cleanse(j->string, strlen(j->string));
		json_wipe(j->child);
	}
}

void cache_json_free(struct cJSON *j)
{
	if (j) {
		json_wipe(j->child);
		if (j->valuestring)
			OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
		cJSON_Delete(j);
	}
}

int64_t cache_now(void)
{
	return (int64_t)time(NULL);
}

bool cache_db_error(struct cache_store *s, struct vax_error *err, const char *what)
{
	int rc = s && s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_OK;
	/* what a person can do about it, not SQLite's words for it; a later
	 * ROLLBACK never replaces the first error (callers keep err) */
	switch (rc) {
	case SQLITE_FULL:
		return error_set(
		    err, "CACHE-FULL",
		    "The disk of this workstation is full: the local store could not %s, and "
		    "nothing of it was saved. Free some space (or call support), then try again.",
		    what);
	case SQLITE_READONLY:
		return error_set(
		    err, "CACHE-READONLY",
		    "The local store is on a disk that cannot be written (read-only): it could not "
		    "%s. What it holds can be read and sent; ask support to make it writable.",
		    what);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return error_set(err, "CACHE-CORRUPT",
		                 "The local store is damaged: it could not %s. Log in online to start a new "
		                 "one, and call support.",
		                 what);
	case SQLITE_IOERR:
		return error_set(err, "CACHE-IO",
		                 "A disk error stopped the local store: it could not %s. Check the disk (or "
		                 "call support), then try again.",
		                 what);
	}
	/* SQLite messages name tables and constraints, never values */
	return error_set(err, "CACHE-DB", "The local store could not %s: %s.", what,
	                 s && s->db ? sqlite3_errmsg(s->db) : "not open");
}

/* A write that may fail on a full or read-only disk without stopping what
 * it belongs to (a login's bookkeeping, the recovery of SENDING entries). */
static bool cache_soft_failure(struct cache_store *s)
{
	int rc = sqlite3_errcode(s->db) & 0xff;
	return rc == SQLITE_FULL || rc == SQLITE_READONLY || rc == SQLITE_IOERR;
}

bool cache_exec(struct cache_store *s, const char *sql, struct vax_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_db_error(s, err, "be written");
	return true;
}

bool cache_require_unlocked(const struct cache_store *s, struct vax_error *err)
{
	if (s->unlocked)
		return true;
	return error_set(err, "CACHE-LOCKED", "The local store is locked; log in first.");
}

char *cache_default_dir(void)
{
	const char *x = getenv("XDG_DATA_HOME");
	if (x && *x == '/')
		return fileio_join(x, "vaxdesk");
	const char *home = getenv("HOME");
	char *base = fileio_join(home && *home ? home : ".", ".local/share");
	char *d = fileio_join(base, "vaxdesk");
	free(base);
	return d;
}

/* mkdir -p; the last component gets mode (0700), parents 0755 as usual. */
static bool make_dirs(const char *path, mode_t mode, struct vax_error *err)
{
	char *p = xstrdup(path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			error_set(err, "CACHE-DIR", "cannot create %s: %s", p, strerror(errno));
			free(p);
			return false;
		}
		*q = '/';
	}
	free(p);
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		return error_set(err, "CACHE-DIR", "cannot create %s: %s", path, strerror(errno));
	/* an existing directory made with a looser umask is tightened */
	if (chmod(path, mode) != 0)
		return error_set(err, "CACHE-DIR", "cannot set permissions on %s: %s", path, strerror(errno));
	return true;
}

/* The directory name of a user's store: hex SHA-256 of a label and the
 * normalised "org\0user" (struct who below: surrounding blanks dropped, the
 * organization code upper-cased; the username kept as typed, since the
 * registry tells users apart by exact name). A plain hash, not a keyed
 * one: it keeps usernames out of directory listings and backups, but is not
 * a secret from someone holding the disk who can guess names; it need not be,
 * since everything inside is sealed with that user's own key. */
static char *user_store_dir(const char *base, const char *org, const char *user)
{
	const char *o = org, *u = user;
	unsigned char md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static const char label[] = "vaxdesk user store v1";
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	          EVP_DigestUpdate(ctx, label, sizeof label) && EVP_DigestUpdate(ctx, o, strlen(o) + 1) &&
	          EVP_DigestUpdate(ctx, u, strlen(u)) && EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return NULL;
	char name[2 * SHA256_DIGEST_LENGTH + 1];
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(name + 2 * i, 3, "%02x", md[i]);
	char *stores = fileio_join(base, "stores");
	char *d = fileio_join(stores, name);
	free(stores);
	return d;
}

/* An empty store in memory: what every call sees before a user is chosen,
 * so nothing reads or writes a file that belongs to nobody. */
static bool open_nobody(struct cache_store *s, struct vax_error *err)
{
	if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) !=
	    SQLITE_OK)
		return cache_db_error(s, err, "be opened");
	return cache_exec(s, SCHEMA, err);
}

/* Bring a store an older vaxdesk made up to this schema, in one transaction. */
static bool migrate(struct cache_store *s, struct vax_error *err)
{
	sqlite3_stmt *st;
	int v = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT v FROM meta WHERE k = 'schema'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (v != 1)
		return true;
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return false;
	if (cache_exec(s, MIGRATE_1, err) && cache_exec(s, "COMMIT", err))
		return true;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

/* What is where a user's store should be. */
enum health {
	H_NONE,       /* no store: never logged in online here */
	H_OK,         /* a store that can be opened for writing */
	H_READONLY,   /* a store that can only be read (read-only disk or file) */
	H_UNREADABLE, /* something there that cannot be read (permissions) */
	H_DAMAGED,    /* a file that is not a store (any more) */
};

static const char SQLITE_MAGIC[16] = "SQLite format 3";

/* Look at dir/store.db without SQLite: errno in *why for H_UNREADABLE. */
static enum health probe_store(const char *dir, int *why)
{
	struct stat sb;
	char *path = fileio_join(dir, "store.db");
	enum health h = H_OK;
	*why = 0;
	if (stat(dir, &sb) != 0 || stat(path, &sb) != 0) {
		*why = errno;
		h = errno == ENOENT ? H_NONE : H_UNREADABLE;
	} else if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
		/* created whole (store.db.new, then renamed): empty is damage */
		h = H_DAMAGED;
	} else {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			h = H_READONLY;
		}
		char head[16] = "";
		if (fd < 0) {
			*why = errno;
			h = H_UNREADABLE;
		} else if (read(fd, head, sizeof head) != (ssize_t)sizeof head ||
		           memcmp(head, SQLITE_MAGIC, sizeof head)) {
			h = H_DAMAGED;
		}
		if (fd >= 0)
			close(fd);
	}
	free(path);
	return h;
}

/* Move a damaged store and its journal aside (never deleted: support may
 * recover what waited in it); the new name's last part into kept. */
static void keep_aside(const char *dir, char *kept, size_t len)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
	static const char *const part[] = {"", "-wal", "-shm"};
	snprintf(kept, len, "store.db.damaged-%s", stamp);
	for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
		char from[64], to[200];
		snprintf(from, sizeof from, "store.db%s", part[i]);
		snprintf(to, sizeof to, "%s%s", kept, part[i]);
		char *a = fileio_join(dir, from), *b = fileio_join(dir, to);
		if (rename(a, b) != 0 && errno != ENOENT && i == 0)
			snprintf(kept, len, "store.db (it could not be moved: %s)", strerror(errno));
		free(a);
		free(b);
	}
}

static bool open_sqlite(struct cache_store *s, const char *path, bool readonly, struct vax_error *err)
{
	int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_FULLMUTEX;
	char *uri = NULL;
	char *wal = xmalloc(strlen(path) + 5);
	sprintf(wal, "%s-wal", path);
	if (readonly && access(wal, F_OK) != 0) {
		/* read-only media: SQLite cannot make the WAL index beside it; with
		 * no WAL left over, the file is all there is, so it is read as is */
		size_t n = strlen(path);
		uri = xmalloc(3 * n + 32);
		char *q = uri + sprintf(uri, "file:");
		for (const unsigned char *p = (const unsigned char *)path; *p; p++)
			q += *p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p > 0x7e
			         ? sprintf(q, "%%%02X", *p)
			         : sprintf(q, "%c", *p);
		strcpy(q, "?immutable=1");
		flags |= SQLITE_OPEN_URI;
	}
	free(wal);
	int rc = sqlite3_open_v2(uri ? uri : path, &s->db, flags, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return cache_db_error(s, err, "be opened");
	sqlite3_busy_timeout(s->db, 10000);
	return true;
}

/* A new store, whole or not at all: made as store.db.new, then renamed, so
 * an empty or half-made store.db is always damage. */
static bool create_store(struct cache_store *s, const char *dir, struct vax_error *err)
{
	if (!make_dirs(dir, 0700, err))
		return false;
	char *tmp = fileio_join(dir, "store.db.new"), *path = fileio_join(dir, "store.db");
	unlink(tmp); /* a creation that never finished */
	/* created 0600 here: SQLite would use the umask, and gives the -wal and
	 * -shm files the database file's mode */
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && fchmod(fd, 0600) == 0;
	if (!ok)
		error_set(err, "CACHE-OPEN", "The local store could not be created in %s: %s.", dir,
		          strerror(errno));
	if (fd >= 0)
		close(fd);
	ok = ok && open_sqlite(s, tmp, false, err) &&
	     cache_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err) &&
	     cache_exec(s, SCHEMA, err);
	if (s->db) /* the last connection: SQLite checkpoints and drops the WAL */
		sqlite3_close_v2(s->db);
	s->db = NULL;
	if (ok && rename(tmp, path) != 0)
		ok = error_set(err, "CACHE-OPEN", "The local store could not be created in %s: %s.", dir,
		               strerror(errno));
	if (!ok)
		unlink(tmp);
	free(tmp);
	free(path);
	return ok;
}

static bool unreadable(const char *dir, int why, struct vax_error *err)
{
	return error_set(
	    err, "CACHE-UNREADABLE",
	    "The local store in %s cannot be read (%s). Ask whoever looks after this workstation "
	    "to give your account access to it; nothing in it was changed.",
	    dir, strerror(why));
}

static bool damaged(struct cache_store *s, const char *dir, bool create, struct vax_error *err)
{
	char kept[160];
	keep_aside(dir, kept, sizeof kept);
	(void)s;
	return create ? true
	              : error_set(err, "CACHE-DAMAGED",
	                          "The local store on this workstation is damaged: it was kept as %s in %s. "
	                          "Offline login needs a store: log in when the registry is reachable (a new "
	                          "one is started), and call support with that file.",
	                          kept, dir);
}

/* A new store beside one kept aside as damaged (now, or at an offline
 * login before): the person is told once. */
static void note_kept(struct cache_store *s, const char *dir)
{
	DIR *d = opendir(dir);
	char newest[128] = "";
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "store.db.damaged-", 17) && !strchr(de->d_name + 17, '-') &&
		    strcmp(de->d_name, newest) > 0)
			text_copy(newest, sizeof newest, de->d_name);
	if (d)
		closedir(d);
	if (newest[0])
		snprintf(
		    s->notice, sizeof s->notice,
		    "The local store on this workstation was damaged: it was kept as %s in %s and a new one "
		    "was started. Records that waited in it could not be read; call support with that file.",
		    newest, dir);
}

/* Open the store in dir into s->db: create it when `create` and there is
 * none; a damaged one is kept aside (and, when `create`, a new one made). */
static bool open_file(struct cache_store *s, const char *dir, bool create, struct vax_error *err)
{
	int why;
	enum health h = probe_store(dir, &why);
	if (h == H_UNREADABLE)
		return unreadable(dir, why, err);
	if (h == H_NONE && !create)
		return error_set(err, "CACHE-NO-STORE", "There is no local store for this user here.");
	if (h == H_DAMAGED && !damaged(s, dir, create, err))
		return false;
	if (h == H_NONE || h == H_DAMAGED) {
		if (!create_store(s, dir, err))
			return false;
		note_kept(s, dir);
	}
	char *path = fileio_join(dir, "store.db");
	s->readonly = h == H_READONLY;
	bool ok = open_sqlite(s, path, s->readonly, err);
	free(path);
	if (!ok)
		return false;
	/* a store damaged inside (a page overwritten, a truncated file) is
	 * found now, not when a record in it is needed */
	char check[16] = "";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			text_copy(check, sizeof check, (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (strcmp(check, "ok")) {
		int rc = sqlite3_errcode(s->db) & 0xff;
		if (rc != SQLITE_OK && rc != SQLITE_CORRUPT && rc != SQLITE_NOTADB && rc != SQLITE_ROW &&
		    rc != SQLITE_DONE)
			return cache_db_error(s, err, "be opened");
		sqlite3_close_v2(s->db);
		s->db = NULL;
		if (!damaged(s, dir, create, err) || !create_store(s, dir, err))
			return false;
		note_kept(s, dir);
		path = fileio_join(dir, "store.db");
		ok = open_sqlite(s, path, false, err);
		free(path);
		if (!ok)
			return false;
		s->readonly = false;
	}
	if (s->readonly)
		return true; /* read it as it is: nothing can be written */
	if (!cache_exec(s,
	                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;",
	                err) ||
	    !cache_exec(s, SCHEMA, err) || !migrate(s, err))
		return false;
	/* a crash mid-request leaves entries SENDING; creates are conditional
	 * and updates carry If-Match, so sending again is safe. Only when no
	 * other process holds the sync lock: its entries are really in flight.
	 * A full disk leaves them SENDING until there is room. */
	char *lock_path = fileio_join(dir, "sync.lock");
	int lfd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock_path);
	if (lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) == 0) {
		bool reset = cache_exec(s, "UPDATE outbox SET state = 0 WHERE state = 1;", err);
		close(lfd);
		if (!reset && !cache_soft_failure(s))
			return false;
	} else if (lfd >= 0) {
		close(lfd);
	}
	return true;
}

static void close_db(struct cache_store *s)
{
	if (s->db)
		sqlite3_close_v2(s->db);
	s->db = NULL;
}

/* Make (org, user)'s own store the one every call works on: its file, its
 * key. Switching users locks first, so no key outlives its user. Without
 * `create`, a user who has no store here gets CACHE-NO-STORE and the
 * previous selection stays. */
static bool select_user(struct cache_store *s, const char *org, const char *user, bool create,
                        struct vax_error *err)
{
	if (s->org && !strcmp(s->org, org) && !strcmp(s->user, user))
		return true;
	char *dir = user_store_dir(s->base, org, user);
	if (!dir)
		return error_set(err, "CACHE-CRYPTO", "The local store could not be located.");
	sqlite3 *old = s->db;
	s->db = NULL;
	if (!open_file(s, dir, create, err)) {
		close_db(s);
		s->db = old;
		free(dir);
		return false;
	}
	cache_lock(s);
	if (old)
		sqlite3_close_v2(old);
	free(s->dir);
	free(s->org);
	free(s->user);
	s->dir = dir;
	s->org = xstrdup(org);
	s->user = xstrdup(user);
	return true;
}

struct cache_store *cache_store_open(const struct cache_store_options *o, struct vax_error *err)
{
	struct cache_store *s = xcalloc(1, sizeof *s);
	s->base = o && o->dir ? xstrdup(o->dir) : cache_default_dir();
	s->dir = xstrdup(s->base);
	s->kdf.log2n = o && o->kdf.log2n ? o->kdf.log2n : CACHE_KDF_DEFAULT_LOG2N;
	s->kdf.r = o && o->kdf.r ? o->kdf.r : 8;
	s->kdf.p = o && o->kdf.p ? o->kdf.p : 1;
	s->max_failures = o && o->max_offline_failures ? o->max_offline_failures : CACHE_MAX_OFFLINE_FAILURES;
	char *stores = fileio_join(s->base, "stores");
	bool ok = make_dirs(s->base, 0700, err) && make_dirs(stores, 0700, err);
	free(stores);
	if (!ok || !open_nobody(s, err)) {
		cache_store_close(s);
		return NULL;
	}
	return s;
}

void cache_lock(struct cache_store *s)
{
	OPENSSL_cleanse(s->key, sizeof s->key);
	OPENSSL_cleanse(s->seal_key, sizeof s->seal_key);
	OPENSSL_cleanse(s->index_key, sizeof s->index_key);
	s->unlocked = false;
}

void cache_store_close(struct cache_store *s)
{
	if (!s)
		return;
	cache_lock(s);
	close_db(s);
	free(s->base);
	free(s->dir);
	free(s->org);
	free(s->user);
	free(s);
}

const char *cache_store_dir(const struct cache_store *s)
{
	return s->dir;
}

struct sqlite3 *cache_store_db(struct cache_store *s)
{
	return s->db;
}

bool cache_unlocked(const struct cache_store *s)
{
	return s->unlocked;
}

unsigned char *cache_seal(struct cache_store *s, const char *aad, const void *data, size_t len,
                          size_t *out_len, struct vax_error *err)
{
	*out_len = cache_crypto_sealed_len(len);
	unsigned char *out = xmalloc(*out_len);
	if (!cache_crypto_seal(s->seal_key, aad, data, len, out)) {
		free(out);
		error_set(err, "CACHE-CRYPTO", "A record could not be encrypted.");
		return NULL;
	}
	return out;
}

char *cache_unseal(struct cache_store *s, const char *aad, const void *sealed, size_t len,
                   struct vax_error *err)
{
	if (len < CACHE_SEAL_OVERHEAD) {
		error_set(err, "CACHE-CORRUPT", "A record in the local store is damaged.");
		return NULL;
	}
	char *out = xmalloc(len - CACHE_SEAL_OVERHEAD + 1);
	size_t n = 0;
	if (!cache_crypto_open(s->seal_key, aad, sealed, len, (unsigned char *)out, &n)) {
		free(out);
		error_set(err, "CACHE-CORRUPT", "A record in the local store is damaged or was moved.");
		return NULL;
	}
	out[n] = '\0';
	return out;
}

bool cache_record_decode(const unsigned char key[CACHE_KEY_LEN], const char *aad, const void *sealed,
                         size_t len, enum cache_rtype type, struct client *c, struct immunization *im,
                         struct vax_error *err)
{
	if (len < CACHE_SEAL_OVERHEAD)
		return error_set(err, "CACHE-CORRUPT", "A record in the local store is damaged.");
	size_t n = 0;
	char *text = xmalloc(len - CACHE_SEAL_OVERHEAD + 1);
	bool ok = cache_crypto_open(key, aad, sealed, len, (unsigned char *)text, &n);
	cJSON *j = NULL;
	if (ok) {
		text[n] = '\0';
		j = cJSON_ParseWithLength(text, n);
		OPENSSL_cleanse(text, n);
	}
	free(text);
	if (type == CACHE_R_PATIENT) {
		client_init(c);
		ok = j && fhir_client_from_json(j, c, NULL);
	} else {
		imm_init(im);
		ok = j && fhir_immunization_from_json(j, im, NULL);
	}
	cache_json_free(j);
	return ok ? true
	          : error_set(err, "CACHE-CORRUPT", "A record in the local store is damaged or was moved.");
}

/* --- keys and login ------------------------------------------------------ */

static void set_key(struct cache_store *s, const unsigned char key[CACHE_KEY_LEN])
{
	memcpy(s->key, key, CACHE_KEY_LEN);
	cache_crypto_derive(s->key, "vaxdesk record seal v1", s->seal_key);
	cache_crypto_derive(s->key, "vaxdesk blind index v1", s->index_key);
	s->unlocked = true;
}

static void wrap_aad(char *buf, size_t len, const char *org, const char *user)
{
	snprintf(buf, len, "key/%s/%s", org, user);
}

/* Wrap the store key for a user under a key from the password. */
static bool wrap_for(struct cache_store *s, const char *org, const char *user, const char *password,
                     int64_t now, struct vax_error *err)
{
	unsigned char salt[CACHE_SALT_LEN], kek[CACHE_KEY_LEN];
	unsigned char wrap[CACHE_KEY_LEN + CACHE_SEAL_OVERHEAD];
	char aad[2 * VAX_SHORT_LEN + 16];
	wrap_aad(aad, sizeof aad, org, user);
	if (!cache_crypto_random(salt, sizeof salt) ||
	    !cache_crypto_kdf(password, salt, sizeof salt, &s->kdf, kek) ||
	    !cache_crypto_seal(kek, aad, s->key, CACHE_KEY_LEN, wrap)) {
		OPENSSL_cleanse(kek, sizeof kek);
		return error_set(err, "CACHE-CRYPTO", "The local store key could not be protected.");
	}
	OPENSSL_cleanse(kek, sizeof kek);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT OR REPLACE INTO users(org, user, salt, log2n, r, p, wrap,"
	                       " failures, last_online) VALUES(?,?,?,?,?,?,?,0,?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return cache_db_error(s, err, "save the login");
	sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, salt, sizeof salt, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, s->kdf.log2n);
	sqlite3_bind_int(st, 5, s->kdf.r);
	sqlite3_bind_int(st, 6, s->kdf.p);
	sqlite3_bind_blob(st, 7, wrap, sizeof wrap, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? true : cache_db_error(s, err, "save the login");
}

enum unwrap_result { UNWRAP_OK, UNWRAP_NO_USER, UNWRAP_BAD };

static enum unwrap_result try_unwrap(struct cache_store *s, const char *org, const char *user,
                                     const char *password, int *failures, unsigned char key[CACHE_KEY_LEN],
                                     bool count_only)
{
	sqlite3_stmt *st;
	enum unwrap_result r = UNWRAP_NO_USER;
	if (failures)
		*failures = 0;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT salt, log2n, r, p, wrap, failures FROM users WHERE org=? AND user=?",
	                       -1, &st, NULL) != SQLITE_OK)
		return UNWRAP_NO_USER;
	sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r = UNWRAP_BAD;
		if (failures)
			*failures = sqlite3_column_int(st, 5);
		struct cache_kdf kdf = {sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
		                        sqlite3_column_int(st, 3)};
		const void *salt = sqlite3_column_blob(st, 0);
		int salt_len = sqlite3_column_bytes(st, 0);
		const unsigned char *wrap = sqlite3_column_blob(st, 4);
		int wrap_len = sqlite3_column_bytes(st, 4);
		unsigned char kek[CACHE_KEY_LEN];
		unsigned char plain[CACHE_KEY_LEN + CACHE_SEAL_OVERHEAD];
		char aad[2 * VAX_SHORT_LEN + 16];
		size_t n = 0;
		wrap_aad(aad, sizeof aad, org, user);
		if (!count_only && wrap_len == CACHE_KEY_LEN + CACHE_SEAL_OVERHEAD &&
		    cache_crypto_kdf(password, salt, (size_t)salt_len, &kdf, kek) &&
		    cache_crypto_open(kek, aad, wrap, (size_t)wrap_len, plain, &n) && n == CACHE_KEY_LEN) {
			memcpy(key, plain, CACHE_KEY_LEN);
			r = UNWRAP_OK;
		}
		OPENSSL_cleanse(kek, sizeof kek);
		OPENSSL_cleanse(plain, sizeof plain);
	}
	sqlite3_finalize(st);
	return r;
}

static bool user_update(struct cache_store *s, const char *sql, const char *org, const char *user,
                        int64_t now)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, org, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static int count_sql(struct cache_store *s, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A user as the store names them: blanks around dropped, the organization
 * code upper-cased, so "org1 " and "ORG1" find the same store and wrap. */
struct who {
	char org[VAX_SHORT_LEN];
	char user[VAX_SHORT_LEN];
};

static void who_init(struct who *w, const char *org, const char *user)
{
	text_copy(w->org, sizeof w->org, org ? org : "");
	text_copy(w->user, sizeof w->user, user ? user : "");
	memmove(w->org, text_trim(w->org), strlen(text_trim(w->org)) + 1);
	memmove(w->user, text_trim(w->user), strlen(text_trim(w->user)) + 1);
	for (char *q = w->org; *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 'a' + 'A');
}

/* Is (org, user) the user whose store is selected? */
static bool is_selected(const struct cache_store *s, const struct who *w)
{
	return s->org && !strcmp(s->org, w->org) && !strcmp(s->user, w->user);
}

/* The user's failure count without selecting their store (so asking about
 * one user never locks another's session); -1 if they have no store or no
 * wrap here, -2 if something is there that cannot be opened (damaged,
 * unreadable: selecting it says which). */
static int peek_user(struct cache_store *s, const struct who *w)
{
	unsigned char key[CACHE_KEY_LEN];
	int failures = 0;
	if (is_selected(s, w))
		return try_unwrap(s, w->org, w->user, "", &failures, key, true) == UNWRAP_NO_USER ? -1
		                                                                                  : failures;
	char *dir = user_store_dir(s->base, w->org, w->user);
	if (!dir)
		return -1;
	int why;
	enum health h = probe_store(dir, &why);
	char *path = fileio_join(dir, "store.db");
	free(dir);
	struct cache_store t = {0};
	int n = h == H_NONE ? -1 : -2;
	if ((h == H_OK || h == H_READONLY) &&
	    sqlite3_open_v2(path, &t.db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(t.db, 10000);
		sqlite3_stmt *st;
		/* a store whose tables cannot be read is damaged, not unknown */
		if (sqlite3_prepare_v2(t.db, "SELECT count(*) FROM users", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_finalize(st);
			n = try_unwrap(&t, w->org, w->user, "", &failures, key, true) != UNWRAP_NO_USER
			        ? failures
			        : -1;
		}
	}
	if (t.db)
		sqlite3_close_v2(t.db);
	free(path);
	return n;
}

bool cache_take_notice(struct cache_store *s, char *buf, size_t len)
{
	if (!s->notice[0])
		return false;
	text_copy(buf, len, s->notice);
	s->notice[0] = '\0';
	return true;
}

bool cache_login_online(struct cache_store *s, const char *org_in, const char *user_in, const char *password,
                        int64_t now, struct vax_error *err)
{
	struct who w;
	who_init(&w, org_in, user_in);
	const char *org = w.org, *user = w.user;
	if (!is_selected(s, &w))
		cache_lock(s); /* another user's key never outlives a login attempt */
	if (!org[0] || !user[0])
		return error_set(err, "CACHE-NO-USER", "An organization code and a username are needed.");
	/* each user has a store of their own: their offline work is sealed
	 * under their key and syncs only under their login */
	if (!select_user(s, org, user, true, err))
		return false;
	unsigned char key[CACHE_KEY_LEN];
	enum unwrap_result r = try_unwrap(s, org, user, password, NULL, key, false);
	if (r == UNWRAP_OK) {
		set_key(s, key);
		OPENSSL_cleanse(key, sizeof key);
		/* bookkeeping: a full or read-only disk does not stop the login */
		if (!user_update(s, "UPDATE users SET failures=0, last_online=?3 WHERE org=?1 AND user=?2",
		                 org, user, now) &&
		    !cache_soft_failure(s))
			return cache_db_error(s, err, "save the login");
		return true;
	}
	if (s->unlocked) /* this user's session, password changed from here */
		return wrap_for(s, org, user, password, now, err);
	/* locked and this password does not open it (changed at the registry):
	 * only what is already on the registry may be dropped to start a
	 * fresh key */
	int unsent = count_sql(s, "SELECT count(*) FROM outbox WHERE state NOT IN (2, 6)");
	if (unsent != 0)
		return error_set(err, "CACHE-KEY-OLD-PASSWORD",
		                 "Your %d unsent record(s) on this workstation are locked with your previous "
		                 "password; enter the previous password once to unlock them.",
		                 unsent);
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return false;
	cache_crypto_random(key, sizeof key);
	set_key(s, key);
	OPENSSL_cleanse(key, sizeof key);
	if (!cache_exec(s,
	                "DELETE FROM search; DELETE FROM imms; DELETE FROM clients; DELETE FROM remote;"
	                "DELETE FROM outbox; DELETE FROM audit; DELETE FROM users;",
	                err) ||
	    !wrap_for(s, org, user, password, now, err) || !cache_exec(s, "COMMIT", err)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		cache_lock(s);
		return false;
	}
	return true;
}

static bool no_offline(struct vax_error *err)
{
	return error_set(err, "CACHE-NO-OFFLINE",
	                 "You have not logged in online on this workstation yet; offline login needs one "
	                 "online login first.");
}

/* Select a user who has logged in online here before, for a login with
 * the store alone or a change of the key's password. */
static bool select_offline_user(struct cache_store *s, struct who *w, const char *org_in, const char *user_in,
                                struct vax_error *err)
{
	who_init(w, org_in, user_in);
	if (!is_selected(s, w))
		cache_lock(s); /* another user's key never outlives a login attempt */
	if (peek_user(s, w) == -1)
		return no_offline(err);
	return select_user(s, w->org, w->user, false, err);
}

bool cache_login_offline(struct cache_store *s, const char *org_in, const char *user_in, const char *password,
                         struct vax_error *err)
{
	struct who w;
	if (!select_offline_user(s, &w, org_in, user_in, err))
		return false;
	const char *org = w.org, *user = w.user;
	cache_lock(s); /* a wrong password leaves nothing open */
	unsigned char key[CACHE_KEY_LEN];
	int failures = 0;
	enum unwrap_result r = try_unwrap(s, org, user, password, &failures, key, true);
	if (r == UNWRAP_NO_USER)
		return no_offline(err);
	if (failures >= s->max_failures)
		return error_set(err, "CACHE-OFFLINE-LOCKED",
		                 "Too many wrong passwords: log in when the registry is reachable.");
	/* Only a password found wrong is counted: a check cut short (the
	 * program killed, the power gone) is not a wrong password, and must
	 * not lock staff out during a maintenance evening. Guessing by killing
	 * the program is no easier than copying the file and guessing against
	 * it, which the count cannot stop either; scrypt's cost is what does. */
	r = try_unwrap(s, org, user, password, NULL, key, false);
	if (r != UNWRAP_OK) {
		if (!user_update(s, "UPDATE users SET failures=failures+1 WHERE org=?1 AND user=?2", org,
		                 user, 0) &&
		    !cache_soft_failure(s))
			return cache_db_error(s, err, "count the attempt");
		int left = s->max_failures - failures - 1;
		if (left <= 0)
			return error_set(err, "CACHE-OFFLINE-LOCKED",
			                 "Wrong password. Too many wrong passwords: log in when the registry "
			                 "is reachable.");
		return error_set(err, "CACHE-BAD-PASSWORD", "Wrong password (%d attempt%s left offline).",
		                 left, left == 1 ? "" : "s");
	}
	set_key(s, key);
	OPENSSL_cleanse(key, sizeof key);
	if (failures &&
	    !user_update(s, "UPDATE users SET failures=0 WHERE org=?1 AND user=?2", org, user, 0) &&
	    !cache_soft_failure(s)) {
		cache_lock(s);
		return cache_db_error(s, err, "save the login");
	}
	return true;
}

bool cache_login_rekey(struct cache_store *s, const char *org_in, const char *user_in,
                       const char *old_password, const char *new_password, struct vax_error *err)
{
	struct who w;
	if (!select_offline_user(s, &w, org_in, user_in, err))
		return false;
	const char *org = w.org, *user = w.user;
	unsigned char key[CACHE_KEY_LEN];
	if (try_unwrap(s, org, user, old_password, NULL, key, false) != UNWRAP_OK)
		return error_set(err, "CACHE-BAD-PASSWORD", "That is not the previous password.");
	set_key(s, key);
	OPENSSL_cleanse(key, sizeof key);
	return wrap_for(s, org, user, new_password, cache_now(), err);
}

int cache_offline_failures(struct cache_store *s, const char *org, const char *user)
{
	struct who w;
	who_init(&w, org, user);
	int n = peek_user(s, &w);
	return n < 0 ? 0 : n;
}

bool cache_has_user(struct cache_store *s, const char *org, const char *user)
{
	struct who w;
	who_init(&w, org, user);
	return peek_user(s, &w) != -1;
}

/* --- keys of rows, blind indexes --------------------------------------- */

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = h[b[i] >> 4];
		out[2 * i + 1] = h[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool rid_key(struct cache_store *s, const char *rtype, const char *rid, char key[CACHE_KEY_STR])
{
	char v[VAX_ID_LEN + 16];
	unsigned char tag[CACHE_TAG_LEN];
	snprintf(v, sizeof v, "%s/%s", rtype, rid);
	if (!s->unlocked || !cache_crypto_tag(s->index_key, CACHE_IX_RID, v, tag))
		return false;
	key[0] = 'r';
	hex(tag, sizeof tag, key + 1);
	return true;
}

bool cache_client_key(struct cache_store *s, const struct client *c, char key[CACHE_KEY_STR])
{
	if (c->uuid[0]) {
		text_copy(key, CACHE_KEY_STR, c->uuid);
		return true;
	}
	return c->id[0] && rid_key(s, "Patient", c->id, key);
}

bool cache_imm_key(struct cache_store *s, const struct immunization *im, char key[CACHE_KEY_STR])
{
	if (im->uuid[0]) {
		text_copy(key, CACHE_KEY_STR, im->uuid);
		return true;
	}
	return im->id[0] && rid_key(s, "Immunization", im->id, key);
}

static bool add_tag(struct cache_store *s, sqlite3_stmt *ins, int kind, const char *value)
{
	unsigned char tag[CACHE_TAG_LEN];
	if (!value[0])
		return true;
	if (!cache_crypto_tag(s->index_key, kind, value, tag))
		return false;
	sqlite3_reset(ins);
	sqlite3_bind_int(ins, 1, kind);
	sqlite3_bind_blob(ins, 2, tag, sizeof tag, SQLITE_TRANSIENT);
	int rc = sqlite3_step(ins);
	return rc == SQLITE_DONE;
}

static bool add_name_tags(struct cache_store *s, sqlite3_stmt *ins, const struct person_name *n)
{
	char f[VAX_NAME_LEN], g[VAX_NAME_LEN], f3[4];
	text_fold(n->family, f, sizeof f);
	text_fold(n->given, g, sizeof g);
	text_copy(f3, sizeof f3, f);
	return add_tag(s, ins, CACHE_IX_FAMILY, f) && add_tag(s, ins, CACHE_IX_FAMILY3, f3) &&
	       add_tag(s, ins, CACHE_IX_GIVEN, g);
}

static bool write_index(struct cache_store *s, const char *key, const struct client *c)
{
	sqlite3_stmt *del, *ins;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM search WHERE client_key=?", -1, &del, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(del, 1, key, -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(del) == SQLITE_DONE;
	sqlite3_finalize(del);
	if (!ok ||
	    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO search(kind, tag, client_key) VALUES(?,?,?)", -1,
	                       &ins, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(ins, 3, key, -1, SQLITE_TRANSIENT);
	ok = add_name_tags(s, ins, &c->name);
	for (int i = 0; ok && i < c->n_aka && i < CLIENT_AKA_MAX; i++)
		ok = add_name_tags(s, ins, &c->aka[i]);
	char buf[VAX_NAME_LEN + 16];
	if (ok && c->dob != DATE_NONE) {
		char iso[DATE_ISO_LEN];
		ok = add_tag(s, ins, CACHE_IX_DOB, date_format_iso(c->dob, iso));
	}
	for (int i = 0; ok && i < c->n_ident && i < CLIENT_IDENT_MAX; i++) {
		if (!c->ident[i].value[0])
			continue;
		snprintf(buf, sizeof buf, "%s|%s", c->ident[i].type, c->ident[i].value);
		ok = add_tag(s, ins, CACHE_IX_IDENT, buf);
	}
	if (ok && c->id[0]) {
		snprintf(buf, sizeof buf, "Patient/%s", c->id);
		ok = add_tag(s, ins, CACHE_IX_RID, buf);
	}
	struct match_keys *mk = xmalloc(sizeof *mk);
	match_keys_record(c, mk);
	for (int i = 0; ok && i < mk->n; i++)
		ok = add_tag(s, ins, CACHE_IX_MATCH, mk->key[i]);
	OPENSSL_cleanse(mk, sizeof *mk);
	free(mk);
	sqlite3_finalize(ins);
	OPENSSL_cleanse(buf, sizeof buf);
	return ok;
}

/* --- cached records --------------------------------------------------------- */

/* Does the record have outbox entries the registry has not accepted? */
static bool has_unsent(struct cache_store *s, const char *rec_key)
{
	sqlite3_stmt *st;
	bool yes = true; /* on doubt, do not overwrite */
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM outbox WHERE rec_key=? AND state NOT IN (2, 6) LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return true;
	sqlite3_bind_text(st, 1, rec_key, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	yes = rc != SQLITE_DONE;
	sqlite3_finalize(st);
	return yes;
}

/* A record's FHIR JSON (j, freed here) sealed for the row kind/key, the
 * plain text wiped; NULL with err set (unencodable is the message when
 * there is no JSON to seal). */
static unsigned char *seal_record(struct cache_store *s, cJSON *j, const char *kind, const char *key,
                                  const char *unencodable, size_t *slen, struct vax_error *err)
{
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	cache_json_free(j);
	if (!text) {
		error_set(err, "CACHE-ENCODE", "%s", unencodable);
		return NULL;
	}
	char aad[CACHE_KEY_STR + 16];
	snprintf(aad, sizeof aad, "%s/%s", kind, key);
	size_t len = strlen(text);
	unsigned char *sealed = cache_seal(s, aad, text, len, slen, err);
	OPENSSL_cleanse(text, len);
	free(text);
	return sealed;
}

/* Row key of table (imms: a dose; remote: a registry resource as it came),
 * belonging to the client client_key: j (freed here) sealed as kind, the
 * row replaced. */
static bool write_owned_row(struct cache_store *s, const char *table, const char *kind, const char *key,
                            const char *client_key, cJSON *j, const char *unencodable, const char *doing,
                            struct vax_error *err)
{
	size_t slen;
	unsigned char *sealed = seal_record(s, j, kind, key, unencodable, &slen, err);
	if (!sealed)
		return false;
	char sql[96];
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %s(key, client_key, sealed) VALUES(?,?,?)", table);
	sqlite3_stmt *st;
	bool ok = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, client_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, sealed, (int)slen, SQLITE_TRANSIENT);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	free(sealed);
	return ok ? true : cache_db_error(s, err, doing);
}

bool cache_write_client_row(struct cache_store *s, const char *key, const struct client *c, int64_t as_of,
                            bool keep_as_of, struct vax_error *err)
{
	size_t slen;
	unsigned char *sealed = seal_record(s, fhir_client_to_json(c), "client", key,
	                                    "The client record could not be encoded.", &slen, err);
	if (!sealed)
		return false;
	sqlite3_stmt *st;
	const char *sql =
	    keep_as_of
	        ? "INSERT INTO clients(key, sealed, as_of, last_used) VALUES(?1,?2,?3,?4)"
	          " ON CONFLICT(key) DO UPDATE SET sealed=excluded.sealed, last_used=excluded.last_used"
	        : "INSERT INTO clients(key, sealed, as_of, last_used) VALUES(?1,?2,?3,?4)"
	          " ON CONFLICT(key) DO UPDATE SET sealed=excluded.sealed, as_of=excluded.as_of,"
	          " last_used=excluded.last_used";
	bool ok = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 2, sealed, (int)slen, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, keep_as_of ? 0 : as_of);
		sqlite3_bind_int64(st, 4, cache_now());
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	free(sealed);
	if (!ok || !write_index(s, key, c))
		return cache_db_error(s, err, "save the client");
	return true;
}

bool cache_write_imm_row(struct cache_store *s, const char *key, const char *client_key,
                         const struct immunization *im, struct vax_error *err)
{
	return write_owned_row(s, "imms", "imm", key, client_key, fhir_immunization_to_json(im),
	                       "The dose could not be encoded.", "save the dose", err);
}

/* The transaction around a registry copy replacing row key: 1 write it
 * (then put_end), 0 kept as it is because the outbox still holds a change
 * to it (*kept set), -1 failure. */
static int put_begin(struct cache_store *s, const char *key, bool *kept, struct vax_error *err)
{
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return -1;
	if (!has_unsent(s, key))
		return 1;
	if (kept)
		*kept = true;
	return cache_exec(s, "COMMIT", err) ? 0 : -1;
}

/* Commit what put_begin began if written, else roll it back. */
static bool put_end(struct cache_store *s, bool written, struct vax_error *err)
{
	if (written && cache_exec(s, "COMMIT", err))
		return true;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

bool cache_put_client(struct cache_store *s, const struct client *c, int64_t as_of, bool *kept,
                      struct vax_error *err)
{
	char key[CACHE_KEY_STR];
	if (kept)
		*kept = false;
	if (!cache_require_unlocked(s, err))
		return false;
	if (!cache_client_key(s, c, key))
		return error_set(err, "CACHE-NO-ID", "A client without an id or UUID cannot be cached.");
	int w = put_begin(s, key, kept, err);
	if (w <= 0)
		return w == 0;
	return put_end(s, cache_write_client_row(s, key, c, as_of, false, err), err);
}

/* The client row key a dose belongs to. */
bool cache_imm_client_key(struct cache_store *s, const struct immunization *im, char key[CACHE_KEY_STR])
{
	if (im->client_uuid[0]) {
		text_copy(key, CACHE_KEY_STR, im->client_uuid);
		return true;
	}
	if (im->client_id[0] && cache_find_rid(s, im->client_id, key))
		return true;
	return im->client_id[0] && rid_key(s, "Patient", im->client_id, key);
}

bool cache_put_immunization(struct cache_store *s, const struct immunization *im, bool *kept,
                            struct vax_error *err)
{
	char key[CACHE_KEY_STR], ckey[CACHE_KEY_STR];
	if (kept)
		*kept = false;
	if (!cache_require_unlocked(s, err))
		return false;
	if (!cache_imm_key(s, im, key) || !cache_imm_client_key(s, im, ckey))
		return error_set(err, "CACHE-NO-ID", "A dose without ids cannot be cached.");
	int w = put_begin(s, key, kept, err);
	if (w <= 0)
		return w == 0;
	return put_end(s, cache_write_imm_row(s, key, ckey, im, err), err);
}

/* --- the registry's resources as they came ------------------------------------- */

/* The client row a registry resource belongs to: its own for a Patient,
 * else the one its patient reference names. */
static bool remote_client_key(struct cache_store *s, const char *type, const cJSON *res, const char *id,
                              char key[CACHE_KEY_STR])
{
	const char *pid = id;
	if (strcmp(type, "Patient")) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(res, "patient");
		const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "reference"));
		pid = ref ? fhir_ref_id(ref, "Patient") : NULL;
	}
	if (!pid || !*pid)
		return false;
	return cache_find_rid(s, pid, key) || rid_key(s, "Patient", pid, key);
}

bool cache_put_remote(struct cache_store *s, const cJSON *res, struct vax_error *err)
{
	if (!cache_require_unlocked(s, err))
		return false;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "resourceType"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "id"));
	char key[CACHE_KEY_STR], ckey[CACHE_KEY_STR];
	if (!type || !id || !*id || !rid_key(s, type, id, key) || !remote_client_key(s, type, res, id, ckey))
		return error_set(err, "CACHE-NO-ID",
		                 "A registry resource without an id or client cannot be kept.");
	return write_owned_row(s, "remote", "remote", key, ckey, cJSON_Duplicate(res, true),
	                       "The registry's resource could not be encoded.", "keep the registry's copy",
	                       err);
}

struct cJSON *cache_remote_get(struct cache_store *s, const char *type, const char *id)
{
	char key[CACHE_KEY_STR];
	if (!s->unlocked || !id || !*id || !rid_key(s, type, id, key))
		return NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT sealed FROM remote WHERE key=?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	cJSON *j = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		char aad[CACHE_KEY_STR + 16];
		snprintf(aad, sizeof aad, "remote/%s", key);
		char *text = cache_unseal(s, aad, sqlite3_column_blob(st, 0),
		                          (size_t)sqlite3_column_bytes(st, 0), NULL);
		if (text) {
			j = cJSON_Parse(text);
			OPENSSL_cleanse(text, strlen(text));
			free(text);
		}
	}
	sqlite3_finalize(st);
	return j;
}

void cache_remote_drop(struct cache_store *s, const char *type, const char *id)
{
	char key[CACHE_KEY_STR];
	sqlite3_stmt *st;
	if (!s->unlocked || !id || !*id || !rid_key(s, type, id, key) ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM remote WHERE key=?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

bool cache_get_client(struct cache_store *s, const char *key, struct client *c, int64_t *as_of,
                      struct vax_error *err)
{
	return cache_read_client(s, key, c, as_of, true, err);
}

bool cache_read_client(struct cache_store *s, const char *key, struct client *c, int64_t *as_of, bool touch,
                       struct vax_error *err)
{
	if (!cache_require_unlocked(s, err))
		return false;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT sealed, as_of FROM clients WHERE key=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return cache_db_error(s, err, "read the client");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return error_set(err, "CACHE-NOT-FOUND", "That client is not in the local store.");
	}
	char aad[CACHE_KEY_STR + 16];
	snprintf(aad, sizeof aad, "client/%s", key);
	bool ok = cache_record_decode(s->seal_key, aad, sqlite3_column_blob(st, 0),
	                              (size_t)sqlite3_column_bytes(st, 0), CACHE_R_PATIENT, c, NULL, err);
	if (as_of)
		*as_of = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (!ok)
		return false;
	if (touch && sqlite3_prepare_v2(s->db, "UPDATE clients SET last_used=? WHERE key=?", -1, &st, NULL) ==
	                 SQLITE_OK) {
		sqlite3_bind_int64(st, 1, cache_now());
		sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return true;
}

int cache_client_immunizations(struct cache_store *s, const char *client_key, struct immunization **out,
                               struct vax_error *err)
{
	*out = NULL;
	if (!cache_require_unlocked(s, err))
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT key, sealed FROM imms WHERE client_key=? ORDER BY rowid", -1,
	                       &st, NULL) != SQLITE_OK) {
		cache_db_error(s, err, "read the doses");
		return -1;
	}
	sqlite3_bind_text(st, 1, client_key, -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	int n = 0;
	struct immunization *v = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char aad[CACHE_KEY_STR + 16];
		snprintf(aad, sizeof aad, "imm/%s", (const char *)sqlite3_column_text(st, 0));
		v = xgrow(v, &cap, (size_t)n + 1, sizeof *v);
		/* a damaged row does not hide the others */
		if (cache_record_decode(s->seal_key, aad, sqlite3_column_blob(st, 1),
		                        (size_t)sqlite3_column_bytes(st, 1), CACHE_R_IMMUNIZATION, NULL,
		                        &v[n], NULL))
			n++;
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}

bool cache_find_rid(struct cache_store *s, const char *rid, char key[CACHE_KEY_STR])
{
	struct cache_query q = {.dob = DATE_NONE, .rid = rid};
	char(*keys)[CACHE_KEY_STR] = xmalloc(sizeof *keys);
	int n = cache_search(s, &q, keys, 1, NULL);
	if (n == 1)
		text_copy(key, CACHE_KEY_STR, keys[0]);
	free(keys);
	return n == 1;
}

int cache_search(struct cache_store *s, const struct cache_query *q, char (*keys)[CACHE_KEY_STR], int max,
                 struct vax_error *err)
{
	if (!cache_require_unlocked(s, err))
		return -1;
	struct {
		int kind;
		char value[VAX_NAME_LEN + 16];
	} term[6];
	int nt = 0;
	char f[VAX_NAME_LEN];
	if (q->family && q->family[0]) {
		text_fold(q->family, f, sizeof f);
		if (q->family_prefix && strlen(f) > 3)
			f[3] = '\0';
		term[nt].kind = q->family_prefix ? CACHE_IX_FAMILY3 : CACHE_IX_FAMILY;
		text_copy(term[nt++].value, sizeof term[0].value, f);
	}
	if (q->given && q->given[0]) {
		term[nt].kind = CACHE_IX_GIVEN;
		text_fold(q->given, term[nt++].value, sizeof term[0].value);
	}
	if (q->dob != DATE_NONE) {
		term[nt].kind = CACHE_IX_DOB;
		date_format_iso(q->dob, term[nt++].value);
	}
	if (q->ident && q->ident[0]) {
		term[nt].kind = CACHE_IX_IDENT;
		text_copy(term[nt++].value, sizeof term[0].value, q->ident);
	}
	if (q->rid && q->rid[0]) {
		term[nt].kind = CACHE_IX_RID;
		snprintf(term[nt++].value, sizeof term[0].value, "Patient/%s", q->rid);
	}
	if (nt == 0)
		return 0;
	char sql[512] = "";
	for (int i = 0; i < nt; i++)
		strcat(sql, i ? " INTERSECT SELECT client_key FROM search WHERE kind=? AND tag=?"
		              : "SELECT client_key FROM search WHERE kind=? AND tag=?");
	strcat(sql, " LIMIT ?");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		cache_db_error(s, err, "search");
		return -1;
	}
	for (int i = 0; i < nt; i++) {
		unsigned char tag[CACHE_TAG_LEN];
		cache_crypto_tag(s->index_key, term[i].kind, term[i].value, tag);
		sqlite3_bind_int(st, 2 * i + 1, term[i].kind);
		sqlite3_bind_blob(st, 2 * i + 2, tag, sizeof tag, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(st, 2 * nt + 1, max);
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		text_copy(keys[n++], CACHE_KEY_STR, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	OPENSSL_cleanse(term, sizeof term);
	OPENSSL_cleanse(f, sizeof f);
	return n;
}

#define MATCH_CANDIDATES_MAX 1000

int cache_match_search(struct cache_store *s, const struct client *q, struct cache_match *out, int max,
                       struct vax_error *err)
{
	if (!cache_require_unlocked(s, err))
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT client_key FROM search WHERE kind=? AND tag=? LIMIT 1000", -1,
	                       &st, NULL) != SQLITE_OK) {
		cache_db_error(s, err, "search");
		return -1;
	}
	struct match_keys *mk = xmalloc(sizeof *mk);
	match_keys_query(q, mk);
	char(*cand)[CACHE_KEY_STR] = xmalloc(MATCH_CANDIDATES_MAX * sizeof *cand);
	int nc = 0;
	for (int i = 0; i < mk->n && nc < MATCH_CANDIDATES_MAX; i++) {
		unsigned char tag[CACHE_TAG_LEN];
		cache_crypto_tag(s->index_key, CACHE_IX_MATCH, mk->key[i], tag);
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, CACHE_IX_MATCH);
		sqlite3_bind_blob(st, 2, tag, sizeof tag, SQLITE_TRANSIENT);
		while (nc < MATCH_CANDIDATES_MAX && sqlite3_step(st) == SQLITE_ROW) {
			const char *k = (const char *)sqlite3_column_text(st, 0);
			bool seen = false;
			for (int j = 0; j < nc && !seen; j++)
				seen = !strcmp(cand[j], k);
			if (!seen)
				text_copy(cand[nc++], CACHE_KEY_STR, k);
		}
	}
	sqlite3_finalize(st);
	OPENSSL_cleanse(mk, sizeof *mk);
	free(mk);
	int n = 0;
	struct cache_match *m = xmalloc(sizeof *m);
	for (int i = 0; i < nc; i++) {
		struct client c;
		if (!cache_read_client(s, cand[i], &c, NULL, false, NULL))
			continue;
		match_score(q, &c, &m->r);
		OPENSSL_cleanse(&c, sizeof c);
		if (m->r.grade < MATCH_POSSIBLE)
			continue;
		text_copy(m->key, sizeof m->key, cand[i]);
		/* keep the best max, best first */
		int at = n;
		while (at > 0 && out[at - 1].r.weight < m->r.weight)
			at--;
		if (at >= max)
			continue;
		int last = n < max ? n : max - 1;
		for (int j = last; j > at; j--)
			out[j] = out[j - 1];
		out[at] = *m;
		if (n < max)
			n++;
	}
	OPENSSL_cleanse(m, sizeof *m);
	free(m);
	free(cand);
	return n;
}

bool cache_is_stale(struct cache_store *s, const char *key, int64_t now, int64_t max_age_s)
{
	sqlite3_stmt *st;
	bool stale = true;
	if (sqlite3_prepare_v2(s->db, "SELECT as_of FROM clients WHERE key=?", -1, &st, NULL) != SQLITE_OK)
		return true;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int64_t as_of = sqlite3_column_int64(st, 0);
		stale = as_of <= 0 || now - as_of > max_age_s;
	}
	sqlite3_finalize(st);
	return stale;
}

int cache_count_clients(struct cache_store *s)
{
	return count_sql(s, "SELECT count(*) FROM clients");
}

int cache_purge(struct cache_store *s, int64_t now, int retention_days, struct vax_error *err)
{
	int64_t cutoff = retention_days < 0 ? INT64_MAX : now - (int64_t)retention_days * 86400;
	if (!cache_exec(s, "BEGIN IMMEDIATE", err))
		return -1;
	static const char *const steps[] = {
	    "CREATE TEMP TABLE IF NOT EXISTS doomed(key TEXT PRIMARY KEY)",
	    "DELETE FROM temp.doomed",
	    "INSERT INTO temp.doomed SELECT key FROM clients WHERE last_used < ?1 AND NOT EXISTS"
	    " (SELECT 1 FROM outbox o WHERE o.client_key = clients.key AND o.state NOT IN (2, 6))",
	    "DELETE FROM search WHERE client_key IN (SELECT key FROM temp.doomed)",
	    "DELETE FROM remote WHERE client_key IN (SELECT key FROM temp.doomed)",
	    "DELETE FROM imms WHERE client_key IN (SELECT key FROM temp.doomed) AND NOT EXISTS"
	    " (SELECT 1 FROM outbox o WHERE o.rec_key = imms.key AND o.state NOT IN (2, 6))",
	    "DELETE FROM clients WHERE key IN (SELECT key FROM temp.doomed)",
	    "DELETE FROM outbox WHERE state IN (2, 6) AND updated_at < ?1",
	};
	int dropped = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, steps[i], -1, &st, NULL) != SQLITE_OK) {
			cache_db_error(s, err, "purge");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_int64(st, 1, cutoff);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			cache_db_error(s, err, "purge");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (i == 6)
			dropped = sqlite3_changes(s->db);
	}
	if (!cache_exec(s, "COMMIT", err))
		return -1;
	/* give the freed pages (already zeroed by secure_delete) back */
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	return dropped;
}
