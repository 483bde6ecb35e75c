/* tests/cache/test_store.c - the encrypted store: sealing, login, outbox,
 * blind-index search, retention, and that no PHI reaches the disk. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "cache/crypto.h"
#include "cache/store.h"
#include "core/text.h"
#include "core/uuid.h"
#include "sys/fileio.h"
#include "tests/cache/cachetest.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static char *dir;
static struct cache_store *st;

static void setup(void)
{
	dir = testutil_mkdtemp();
	st = cachetest_open(dir);
}

static void teardown(void)
{
	cache_store_close(st);
	st = NULL;
	testutil_rmtree(dir);
	free(dir);
}

static void reopen(void)
{
	cache_store_close(st);
	st = cachetest_open(dir);
}

START_TEST(crypto_roundtrip)
{
	unsigned char key[CACHE_KEY_LEN], other[CACHE_KEY_LEN];
	ck_assert(cache_crypto_random(key, sizeof key));
	ck_assert(cache_crypto_random(other, sizeof other));
	const char *msg = "Zebulon Quixotic 2019-03-14";
	size_t len = strlen(msg), n = 0;
	unsigned char sealed[128], out[128];
	ck_assert(cache_crypto_seal(key, "client/a", msg, len, sealed));
	ck_assert(memmem(sealed, cache_crypto_sealed_len(len), "Zebulon", 7) == NULL);
	ck_assert(cache_crypto_open(key, "client/a", sealed, cache_crypto_sealed_len(len), out, &n));
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(out, msg, len) == 0);
	/* another row, another key, a flipped bit, a short record: all refused */
	ck_assert(!cache_crypto_open(key, "client/b", sealed, cache_crypto_sealed_len(len), out, &n));
	ck_assert(!cache_crypto_open(other, "client/a", sealed, cache_crypto_sealed_len(len), out, &n));
	sealed[20] ^= 1;
	ck_assert(!cache_crypto_open(key, "client/a", sealed, cache_crypto_sealed_len(len), out, &n));
	sealed[20] ^= 1;
	ck_assert(!cache_crypto_open(key, "client/a", sealed, CACHE_SEAL_OVERHEAD - 1, out, &n));
	sealed[0] = 2;
	ck_assert(!cache_crypto_open(key, "client/a", sealed, cache_crypto_sealed_len(len), out, &n));
	/* two seals of the same text differ (fresh nonce) */
	unsigned char s2[128];
	ck_assert(cache_crypto_seal(key, "client/a", msg, len, sealed));
	ck_assert(cache_crypto_seal(key, "client/a", msg, len, s2));
	ck_assert(memcmp(sealed, s2, cache_crypto_sealed_len(len)) != 0);
}
END_TEST

START_TEST(crypto_kdf_and_tags)
{
	unsigned char salt[CACHE_SALT_LEN] = {1, 2, 3};
	unsigned char a[CACHE_KEY_LEN], b[CACHE_KEY_LEN], c[CACHE_KEY_LEN];
	struct cache_kdf kdf = {10, 8, 1};
	ck_assert(cache_crypto_kdf("Passw0rd!", salt, sizeof salt, &kdf, a));
	ck_assert(cache_crypto_kdf("Passw0rd!", salt, sizeof salt, &kdf, b));
	ck_assert(cache_crypto_kdf("Passw0rd?", salt, sizeof salt, &kdf, c));
	ck_assert(memcmp(a, b, sizeof a) == 0);
	ck_assert(memcmp(a, c, sizeof a) != 0);
	unsigned char t1[CACHE_TAG_LEN], t2[CACHE_TAG_LEN];
	ck_assert(cache_crypto_tag(a, CACHE_IX_FAMILY, "SMITH", t1));
	ck_assert(cache_crypto_tag(a, CACHE_IX_GIVEN, "SMITH", t2));
	ck_assert(memcmp(t1, t2, sizeof t1) != 0); /* kinds never collide */
}
END_TEST

/* Every directory 0700 and every file 0600 under path; returns files seen. */
static int check_modes(const char *path)
{
	DIR *d = opendir(path);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	struct stat sb;
	int files = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = fileio_join(path, de->d_name);
		ck_assert_int_eq(stat(p, &sb), 0);
		ck_assert_msg((sb.st_mode & 077) == 0, "%s is mode %o", p, sb.st_mode & 0777);
		if (S_ISDIR(sb.st_mode))
			files += check_modes(p);
		else
			files++;
		free(p);
	}
	closedir(d);
	return files;
}

START_TEST(store_modes)
{
	struct stat sb;
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	/* nobody logged in: nothing is written */
	ck_assert_int_eq(check_modes(dir), 0);
	cachetest_login(st);
	const char *udir = cache_store_dir(st);
	ck_assert(strncmp(udir, dir, strlen(dir)) == 0);
	ck_assert_ptr_null(strstr(udir + strlen(dir), "nurse"));
	ck_assert_ptr_null(strstr(udir + strlen(dir), "ORG1"));
	ck_assert_int_eq(stat(udir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	char *db = fileio_join(udir, "store.db");
	ck_assert_int_eq(stat(db, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	free(db);
	struct client c;
	cachetest_client(&c, "Modeson", "Ann", 2020, 1, 2);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, NULL));
	ck_assert_int_ge(check_modes(dir), 2); /* store.db and its -wal at least */
}
END_TEST

START_TEST(login_offline)
{
	struct vax_error err;
	ck_assert(!cache_login_offline(st, "ORG1", "nurse", "Secret#123", &err));
	ck_assert_str_eq(err.code, "CACHE-NO-OFFLINE");
	ck_assert(cache_login_online(st, "ORG1", "nurse", "Secret#123", 1000, &err));
	ck_assert(cache_unlocked(st));
	reopen();
	ck_assert(!cache_unlocked(st));
	ck_assert(cache_has_user(st, "ORG1", "nurse"));
	ck_assert(!cache_has_user(st, "ORG2", "nurse"));
	ck_assert(cache_login_offline(st, "ORG1", "nurse", "Secret#123", &err));
	cache_lock(st);
	/* wrong passwords are counted durably, across restarts */
	ck_assert(!cache_login_offline(st, "ORG1", "nurse", "secret#123", &err));
	ck_assert_str_eq(err.code, "CACHE-BAD-PASSWORD");
	ck_assert(!cache_unlocked(st));
	reopen();
	ck_assert_int_eq(cache_offline_failures(st, "ORG1", "nurse"), 1);
	for (int i = 0; i < 3; i++)
		ck_assert(!cache_login_offline(st, "ORG1", "nurse", "nope", &err));
	ck_assert(!cache_login_offline(st, "ORG1", "nurse", "nope", &err));
	ck_assert_str_eq(err.code, "CACHE-OFFLINE-LOCKED");
	/* now even the right password is refused offline */
	ck_assert(!cache_login_offline(st, "ORG1", "nurse", "Secret#123", &err));
	ck_assert_str_eq(err.code, "CACHE-OFFLINE-LOCKED");
	/* an online login clears it */
	ck_assert(cache_login_online(st, "ORG1", "nurse", "Secret#123", 2000, &err));
	ck_assert_int_eq(cache_offline_failures(st, "ORG1", "nurse"), 0);
	cache_lock(st);
	ck_assert(cache_login_offline(st, "ORG1", "nurse", "Secret#123", &err));
}
END_TEST

START_TEST(login_password_changed)
{
	struct vax_error err;
	ck_assert(cache_login_online(st, "ORG1", "nurse", "Old#Pass1", 1000, &err));
	struct client c;
	cachetest_client(&c, "Changeling", "Bo", 2018, 5, 6);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	reopen();
	/* changed on the registry; unsent work is locked under the old one */
	ck_assert(!cache_login_online(st, "ORG1", "nurse", "New#Pass2", 2000, &err));
	ck_assert_str_eq(err.code, "CACHE-KEY-OLD-PASSWORD");
	ck_assert(cache_login_rekey(st, "ORG1", "nurse", "Old#Pass1", "New#Pass2", &err));
	reopen();
	ck_assert(!cache_login_offline(st, "ORG1", "nurse", "Old#Pass1", &err));
	ck_assert(cache_login_offline(st, "ORG1", "nurse", "New#Pass2", &err));
	struct client back;
	ck_assert(cache_get_client(st, c.uuid, &back, NULL, &err));
	ck_assert_str_eq(back.name.family, "Changeling");
	/* while unlocked, an online login re-wraps at once (changed from here) */
	ck_assert(cache_login_online(st, "ORG1", "nurse", "Third#Pass3", 3000, &err));
	cache_lock(st);
	ck_assert(cache_login_offline(st, "ORG1", "nurse", "Third#Pass3", &err));
}
END_TEST

static const struct capture *capture_of(const char *user)
{
	static struct capture cap;
	cap = *cachetest_capture();
	text_copy(cap.user, sizeof cap.user, user);
	return &cap;
}

/* Colleagues at one desk: each has a store of their own, offline too. */
START_TEST(login_second_user)
{
	struct vax_error err;
	ck_assert(cache_login_online(st, "ORG1", "amy", "Amy#Pass11", 1000, &err));
	char amy_dir[512];
	text_copy(amy_dir, sizeof amy_dir, cache_store_dir(st));
	struct client c;
	cachetest_client(&c, "Sharedesk", "Cy", 2017, 7, 8);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, capture_of("amy"), NULL, &err));
	/* a record naming someone else is refused: it would be sent as amy */
	struct client other;
	cachetest_client(&other, "Elsewho", "Di", 2017, 7, 9);
	ck_assert(!cache_save_client(st, &other, CACHE_OP_CREATE, capture_of("bob"), NULL, &err));
	ck_assert_str_eq(err.code, "CACHE-WRONG-USER");
	/* bob, new here, logs in online while amy has unsent work: his own
	 * store, amy's is locked and untouched */
	ck_assert(!cache_has_user(st, "ORG1", "bob"));
	ck_assert(cache_login_online(st, "ORG1", "bob", "Bob#Pass22", 1000, &err));
	ck_assert_str_ne(cache_store_dir(st), amy_dir);
	ck_assert_int_eq(cache_outbox_count(st, 0), 0);
	ck_assert_int_eq(cache_count_clients(st), 0);
	ck_assert(!cache_get_client(st, c.uuid, &other, NULL, &err));
	ck_assert(cache_has_user(st, "ORG1", "amy"));
	reopen();
	/* both offline; each sees only their own work */
	ck_assert(cache_login_offline(st, "ORG1", "bob", "Bob#Pass22", &err));
	cachetest_client(&other, "Bobsworth", "Ed", 2016, 1, 1);
	ck_assert(cache_save_client(st, &other, CACHE_OP_CREATE, capture_of("bob"), NULL, &err));
	ck_assert_int_eq(cache_outbox_count(st, 0), 1);
	ck_assert(cache_login_offline(st, "ORG1", "amy", "Amy#Pass11", &err));
	ck_assert_str_eq(cache_store_dir(st), amy_dir);
	ck_assert_int_eq(cache_outbox_count(st, 0), 1);
	struct cache_entry *v;
	ck_assert_int_eq(cache_outbox_list(st, 0, &v, &err), 1);
	ck_assert_str_eq(v[0].cap.user, "amy");
	free(v);
	struct client back;
	ck_assert(cache_get_client(st, c.uuid, &back, NULL, &err));
	ck_assert(!cache_get_client(st, other.uuid, &back, NULL, &err));
	/* one password does not open the other's store, and a failed try
	 * leaves nothing unlocked */
	ck_assert(!cache_login_offline(st, "ORG1", "amy", "Bob#Pass22", &err));
	ck_assert_str_eq(err.code, "CACHE-BAD-PASSWORD");
	ck_assert(!cache_unlocked(st));
	ck_assert(!cache_login_offline(st, "ORG1", "bob", "Amy#Pass11", &err));
	ck_assert(!cache_unlocked(st));
	ck_assert_int_eq(cache_offline_failures(st, "ORG1", "amy"), 1);
	ck_assert_int_eq(cache_offline_failures(st, "ORG1", "bob"), 1);
	/* org codes are matched whatever their case or blanks */
	ck_assert(cache_login_offline(st, " org1", "amy", "Amy#Pass11", &err));
	ck_assert_str_eq(cache_store_dir(st), amy_dir);
	/* a failed login of someone else does not leave amy's store open */
	ck_assert(cache_unlocked(st));
	ck_assert(!cache_login_offline(st, "ORG1", "dan", "Amy#Pass11", &err));
	ck_assert_str_eq(err.code, "CACHE-NO-OFFLINE");
	ck_assert(!cache_unlocked(st));
	/* a third user logs in online whatever the others left unsent */
	ck_assert(cache_login_online(st, "ORG1", "cat", "Cat#Pass33", 1000, &err));
	ck_assert_int_eq(cache_outbox_count(st, 0), 0);
	ck_assert(cache_login_offline(st, "ORG1", "bob", "Bob#Pass22", &err));
	ck_assert_int_eq(cache_outbox_count(st, 0), 1);
	ck_assert(cache_has_user(st, "ORG1", "amy"));
}
END_TEST

START_TEST(outbox_durable)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Outboxer", "Di", 2021, 2, 3);
	struct cache_entry e1, e2;
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), &e1, &err));
	ck_assert(uuid_valid(c.uuid));
	struct immunization im;
	cachetest_dose(&im, c.uuid, "08", 2021, 2, 3);
	ck_assert(cache_save_immunization(st, &im, CACHE_OP_CREATE, cachetest_capture(), &e2, &err));
	ck_assert_int_lt(e1.seq, e2.seq);
	ck_assert_str_eq(e2.client_key, c.uuid);
	ck_assert(cache_outbox_set_state(st, e2.seq, CACHE_SENDING, NULL, NULL, NULL, NULL, &err));
	reopen(); /* as after a crash: SENDING goes back to PENDING */
	cachetest_login(st);
	struct cache_entry *v;
	int n = cache_outbox_list(st, 0, &v, &err);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(v[0].state, CACHE_PENDING);
	ck_assert_int_eq(v[1].state, CACHE_PENDING);
	ck_assert_int_eq(v[1].type, CACHE_R_IMMUNIZATION);
	ck_assert_str_eq(v[1].cap.user, "nurse");
	ck_assert_str_eq(v[1].cap.workstation, "desk-7");
	ck_assert_int_eq(v[1].attempts, 1);
	free(v);
	char *json = cache_outbox_payload(st, e2.seq, false, &err);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(strstr(json, im.uuid));
	ck_assert_ptr_nonnull(strstr(json, c.uuid)); /* urn:uuid: reference to the client */
	free(json);
	ck_assert(cache_outbox_set_state(st, e1.seq, CACHE_ACCEPTED, "123", "1", NULL, NULL, &err));
	ck_assert(cache_outbox_set_state(st, e2.seq, CACHE_REJECTED, NULL, NULL,
	                                 "Immunization.lotNumber: required", NULL, &err));
	reopen();
	cachetest_login(st);
	struct cache_entry e;
	ck_assert(cache_outbox_get(st, e1.seq, &e, &err));
	ck_assert_int_eq(e.state, CACHE_ACCEPTED);
	ck_assert_str_eq(e.receipt_id, "123");
	ck_assert_str_eq(e.receipt_version, "1");
	ck_assert(cache_outbox_get(st, e2.seq, &e, &err));
	ck_assert_str_eq(e.message, "Immunization.lotNumber: required");
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_REJECTED), 1);
	/* an accepted entry's payload cannot change; a rejected one can */
	ck_assert(!cache_outbox_set_payload(st, e1.seq, "{}", &err));
	ck_assert(cache_outbox_approve(st, e2.seq, NULL, &err));
	ck_assert(cache_outbox_get(st, e2.seq, &e, &err));
	ck_assert_int_eq(e.state, CACHE_PENDING);
	ck_assert(e.reviewed);
	/* the dose is in the local history at once */
	struct immunization *imms;
	ck_assert_int_eq(cache_client_immunizations(st, c.uuid, &imms, &err), 1);
	ck_assert_str_eq(imms[0].cvx, "08");
	free(imms);
}
END_TEST

/* One visit's doses: each its own uuid and entry, all in one transaction. */
START_TEST(outbox_visit_all_or_none)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Visiter", "Bo", 2021, 2, 3);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	struct immunization v[3];
	cachetest_dose(&v[0], c.uuid, "20", 2021, 4, 5);
	cachetest_dose(&v[1], c.uuid, "10", 2021, 4, 5);
	cachetest_dose(&v[2], "", "08", 2021, 4, 5);
	v[2].client_id[0] = '\0'; /* names no client: the whole visit fails */
	int before = cache_outbox_count(st, 0);
	ck_assert(!cache_save_immunizations(st, v, 3, cachetest_capture(), &err));
	ck_assert_int_eq(cache_outbox_count(st, 0), before);
	struct immunization *imms;
	ck_assert_int_eq(cache_client_immunizations(st, c.uuid, &imms, &err), 0);
	free(imms);
	ck_assert(cache_save_immunizations(st, v, 2, cachetest_capture(), &err));
	ck_assert_int_eq(cache_outbox_count(st, 0), before + 2);
	ck_assert(uuid_valid(v[0].uuid) && uuid_valid(v[1].uuid));
	ck_assert_str_ne(v[0].uuid, v[1].uuid);
	ck_assert_int_eq(cache_client_immunizations(st, c.uuid, &imms, &err), 2);
	free(imms);
}
END_TEST

/* A rejected dose corrected: local copy, payload and state change together. */
START_TEST(outbox_correct_rejected)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Fixer", "Al", 2021, 2, 3);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	struct immunization im;
	cachetest_dose(&im, c.uuid, "141", 2021, 4, 5);
	struct cache_entry e;
	ck_assert(cache_save_immunization(st, &im, CACHE_OP_CREATE, cachetest_capture(), &e, &err));
	/* only a rejected entry can be corrected */
	ck_assert(!cache_outbox_correct_immunization(st, e.seq, &im, &err));
	ck_assert_str_eq(err.code, "CACHE-STATE");
	ck_assert(
	    cache_outbox_set_state(st, e.seq, CACHE_REJECTED, NULL, NULL, "CVX 141 is inactive", NULL, &err));
	strcpy(im.cvx, "150");
	ck_assert(cache_outbox_correct_immunization(st, e.seq, &im, &err));
	struct cache_entry back;
	ck_assert(cache_outbox_get(st, e.seq, &back, &err));
	ck_assert_int_eq(back.state, CACHE_PENDING);
	ck_assert_str_eq(back.message, "");
	char *json = cache_outbox_payload(st, e.seq, false, &err);
	ck_assert_ptr_nonnull(strstr(json, "\"150\""));
	ck_assert_ptr_null(strstr(json, "\"141\""));
	free(json);
	struct immunization *imms;
	ck_assert_int_eq(cache_client_immunizations(st, c.uuid, &imms, &err), 1);
	ck_assert_str_eq(imms[0].cvx, "150");
	ck_assert_str_eq(imms[0].uuid, im.uuid);
	free(imms);
}
END_TEST

START_TEST(search_blind_index)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Peña-Garza", "José", 2019, 3, 14);
	text_copy(c.id, sizeof c.id, "R1001");
	ck_assert(cache_put_client(st, &c, 5000, NULL, &err));
	cachetest_client(&c, "Penn", "Joe", 2019, 3, 14);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	char keys[4][CACHE_KEY_STR];
	struct cache_query q = {.family = "PENA GARZA", .dob = DATE_NONE};
	ck_assert_int_eq(cache_search(st, &q, keys, 4, &err), 1);
	struct client got;
	ck_assert(cache_get_client(st, keys[0], &got, NULL, &err));
	ck_assert_str_eq(got.name.given, "José");
	q = (struct cache_query){.family = "pen", .family_prefix = true, .dob = date_from_ymd(2019, 3, 14)};
	ck_assert_int_eq(cache_search(st, &q, keys, 4, &err), 2);
	q = (struct cache_query){.family = "pen", .family_prefix = true, .given = "jose", .dob = DATE_NONE};
	ck_assert_int_eq(cache_search(st, &q, keys, 4, &err), 1);
	q = (struct cache_query){.dob = date_from_ymd(2019, 3, 15)};
	ck_assert_int_eq(cache_search(st, &q, keys, 4, &err), 0);
	q = (struct cache_query){.ident = "MR|CH-55", .dob = DATE_NONE};
	ck_assert_int_eq(cache_search(st, &q, keys, 4, &err), 2);
	char key[CACHE_KEY_STR];
	ck_assert(cache_find_rid(st, "R1001", key));
	ck_assert_str_eq(key, keys[0][0] == 'r' ? keys[0] : keys[1]);
	ck_assert(!cache_find_rid(st, "R1002", key));
	/* freshness: pulled at 5000, created offline = unknown */
	ck_assert(!cache_is_stale(st, key, 5000 + 3600, 86400));
	ck_assert(cache_is_stale(st, key, 5000 + 2 * 86400, 86400));
	ck_assert(cache_is_stale(st, c.uuid, 5000, 86400));
}
END_TEST

START_TEST(offline_match)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Villanueva", "Marisol", 2017, 2, 3);
	text_copy(c.id, sizeof c.id, "V1");
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	cachetest_client(&c, "Okonkwo", "Adaeze", 2019, 5, 5);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	cachetest_client(&c, "Villanova", "Mario", 1990, 8, 8);
	text_copy(c.id, sizeof c.id, "V2");
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	/* typed with day and month swapped and the name in capitals */
	struct client q;
	cachetest_client(&q, "VILLANUEVA", "Marisol", 2017, 3, 2);
	struct cache_match m[4];
	int n = cache_match_search(st, &q, m, 4, &err);
	ck_assert_int_ge(n, 1);
	struct client got;
	ck_assert(cache_get_client(st, m[0].key, &got, NULL, &err));
	ck_assert_str_eq(got.id, "V1");
	ck_assert_int_ge(m[0].r.grade, MATCH_PROBABLE);
	for (int i = 1; i < n; i++)
		ck_assert(m[i].r.weight <= m[i - 1].r.weight);
	/* nobody like this */
	cachetest_client(&q, "Schmidt", "Wyatt", 1950, 5, 5);
	ck_assert_int_eq(cache_match_search(st, &q, m, 4, &err), 0);
}
END_TEST

START_TEST(pull_keeps_local_work)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Localwin", "Ed", 2016, 1, 1);
	text_copy(c.id, sizeof c.id, "R9");
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	text_copy(c.name.given, sizeof c.name.given, "Edward");
	ck_assert(cache_save_client(st, &c, CACHE_OP_UPDATE, cachetest_capture(), NULL, &err));
	struct client theirs = c;
	text_copy(theirs.name.given, sizeof theirs.name.given, "Eddie");
	bool kept = false;
	ck_assert(cache_put_client(st, &theirs, 200, &kept, &err));
	ck_assert(kept);
	char key[CACHE_KEY_STR];
	ck_assert(cache_find_rid(st, "R9", key));
	struct client got;
	int64_t as_of = 0;
	ck_assert(cache_get_client(st, key, &got, &as_of, &err));
	ck_assert_str_eq(got.name.given, "Edward");
	ck_assert_int_eq(as_of, 100);
	ck_assert(cache_outbox_set_state(st, 1, CACHE_ACCEPTED, "R9", "2", NULL, NULL, &err));
	ck_assert(cache_put_client(st, &theirs, 300, &kept, &err));
	ck_assert(!kept);
	ck_assert(cache_get_client(st, key, &got, &as_of, &err));
	ck_assert_str_eq(got.name.given, "Eddie");
	ck_assert_int_eq(as_of, 300);
}
END_TEST

START_TEST(rows_cannot_swap)
{
	struct vax_error err;
	cachetest_login(st);
	struct client a, b;
	cachetest_client(&a, "Alpha", "A", 2010, 1, 1);
	cachetest_client(&b, "Bravo", "B", 2011, 1, 1);
	ck_assert(cache_save_client(st, &a, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	ck_assert(cache_save_client(st, &b, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	char sql[256];
	snprintf(sql, sizeof sql,
	         "UPDATE clients SET sealed=(SELECT sealed FROM clients WHERE key='%s') WHERE key='%s'",
	         b.uuid, a.uuid);
	ck_assert_int_eq(sqlite3_exec(cache_store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
	struct client got;
	ck_assert(!cache_get_client(st, a.uuid, &got, NULL, &err));
	ck_assert_str_eq(err.code, "CACHE-CORRUPT");
	ck_assert(cache_get_client(st, b.uuid, &got, NULL, &err));
}
END_TEST

START_TEST(purge_retention)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	for (int i = 0; i < 3; i++) {
		cachetest_client(&c, "Retained", "Kid", 2015, 1, 1 + i);
		snprintf(c.id, sizeof c.id, "P%d", i);
		ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	}
	struct client mine;
	cachetest_client(&mine, "Unsent", "Kid", 2015, 2, 1);
	ck_assert(cache_save_client(st, &mine, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	ck_assert_int_eq(cache_count_clients(st), 4);
	int64_t later = (int64_t)time(NULL) + 40 * 86400;
	ck_assert_int_eq(cache_purge(st, later, 90, &err), 0);
	ck_assert_int_eq(cache_purge(st, later, 30, &err), 3);
	ck_assert_int_eq(cache_count_clients(st), 1);
	char keys[2][CACHE_KEY_STR];
	struct cache_query q = {.family = "Retained", .dob = DATE_NONE};
	ck_assert_int_eq(cache_search(st, &q, keys, 2, &err), 0);
	/* purge everything: unsent work stays */
	ck_assert_int_eq(cache_purge(st, later, -1, &err), 0);
	ck_assert(cache_get_client(st, mine.uuid, &c, NULL, &err));
	ck_assert_int_eq(cache_outbox_count(st, 0), 1);
}
END_TEST

/* the scanner the next test relies on must see every encoding it claims */
START_TEST(scanner_sees_encodings)
{
	static const char *const forms[] = {
	    "..Xylophonist..",                   /* plain */
	    "X\0y\0l\0o\0p\0h\0o\0n\0i\0s\0t\0", /* UTF-16LE */
	    "\0X\0y\0l\0o\0p\0h\0o\0n\0i\0s\0t", /* UTF-16BE */
	    "WHlsb3Bob25pc3Q=",                  /* base64 */
	    "YVh5bG9waG9uaXN0",                  /* base64 of "aXylophonist" */
	    "YWFYeWxvcGhvbmlzdA==",              /* base64 of "aaXylophonist" */
	    "58796c6f70686f6e697374",            /* hex */
	    "58796C6F70686F6E697374",
	};
	static const size_t lens[] = {15, 22, 22, 16, 16, 20, 22, 22};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char *sub = testutil_mkdtemp();
		free(testutil_write_file(sub, "f", forms[i], lens[i]));
		ck_assert_msg(cachetest_dir_contains(sub, "Xylophonist"), "form %zu not seen", i);
		testutil_rmtree(sub);
		free(sub);
	}
	ck_assert(!cachetest_dir_contains(dir, "Xylophonist"));
}
END_TEST

START_TEST(no_plaintext_on_disk)
{
	struct vax_error err;
	cachetest_login(st);
	struct client c;
	cachetest_client(&c, "Xylophonist", "Quintavius", 1987, 11, 23);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	struct immunization im;
	cachetest_dose(&im, c.uuid, "141", 2024, 10, 1);
	ck_assert(cache_save_immunization(st, &im, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	cachetest_client(&c, "Zanzibarian", "Ottoline", 2003, 6, 9);
	text_copy(c.id, sizeof c.id, "R77");
	ck_assert(cache_put_client(st, &c, 1, NULL, &err));
	const char *secrets[] = {"Xylophonist", "Quintavius",  "XYLOPHONIST", "1987-11-23", "11/23/1987",
	                         "19871123",    "Zanzibarian", "Ottoline",    "2003-06-09"};
	/* while open (WAL not checkpointed) and after close */
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
			ck_assert_msg(!cachetest_dir_contains(dir, secrets[i]), "%s found on disk (round %d)",
			              secrets[i], round);
		cache_store_close(st);
		st = NULL;
	}
	st = cachetest_open(dir);
	/* a wrong password cannot open it */
	ck_assert(!cache_login_offline(st, "ORG1", "nurse", "Wrong#Pass9", &err));
	struct client got;
	ck_assert(!cache_get_client(st, c.uuid, &got, NULL, &err));
	ck_assert_str_eq(err.code, "CACHE-LOCKED");
}
END_TEST

Suite *cache_store_suite(void)
{
	Suite *s = suite_create("cache_store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, crypto_roundtrip);
	tcase_add_test(tc, crypto_kdf_and_tags);
	tcase_add_test(tc, store_modes);
	tcase_add_test(tc, login_offline);
	tcase_add_test(tc, login_password_changed);
	tcase_add_test(tc, login_second_user);
	tcase_add_test(tc, outbox_durable);
	tcase_add_test(tc, outbox_visit_all_or_none);
	tcase_add_test(tc, outbox_correct_rejected);
	tcase_add_test(tc, search_blind_index);
	tcase_add_test(tc, offline_match);
	tcase_add_test(tc, pull_keeps_local_work);
	tcase_add_test(tc, rows_cannot_swap);
	tcase_add_test(tc, purge_retention);
	tcase_add_test(tc, scanner_sees_encodings);
	tcase_add_test(tc, no_plaintext_on_disk);
	suite_add_tcase(s, tc);
	return s;
}
