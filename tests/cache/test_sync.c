/* tests/cache/test_sync.c - the sync engine's own rules that need no
 * registry: one pass at a time (the lock), and the offline clock. Uploads,
 * faults and review are tested against a real vaxregd in the tests/cache scripts. */
#include <stdlib.h>
#include <time.h>

#include "api/http.h"
#include "cache/store.h"
#include "cache/sync.h"
#include "tests/cache/cachetest.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static char *dir;
static struct cache_store *st;
static struct api_conn *conn;

static void setup(void)
{
	dir = testutil_mkdtemp();
	st = cachetest_open(dir);
	cachetest_login(st);
	struct vax_error err;
	/* never contacted: these tests send nothing */
	struct api_conn_config cfg = {.base_url = "https://127.0.0.1:9"};
	ck_assert(api_global_init(&err));
	conn = api_conn_new(&cfg, &err);
	ck_assert_ptr_nonnull(conn);
}

static void teardown(void)
{
	api_conn_free(conn);
	cache_store_close(st);
	testutil_rmtree(dir);
	free(dir);
}

START_TEST(one_pass_at_a_time)
{
	struct vax_error err;
	struct cache_sync *a = cache_sync_new(st, conn, NULL);
	struct cache_sync *b = cache_sync_new(st, conn, NULL);
	int64_t now = (int64_t)time(NULL);
	ck_assert_int_eq(cache_sync_start(a, now, &err), CACHE_SYNC_RUNNING);
	/* the flock is per open file: a second engine, even in this process, waits */
	ck_assert_int_eq(cache_sync_start(b, now, &err), CACHE_SYNC_BUSY);
	ck_assert_str_eq(err.code, "CACHE-SYNC-BUSY");
	/* an empty outbox: the pass ends without a request, and the lock goes */
	ck_assert_int_eq(cache_sync_step(a, now, &err), CACHE_SYNC_DONE);
	ck_assert_int_eq(cache_sync_start(b, now, &err), CACHE_SYNC_RUNNING);
	ck_assert_int_eq(cache_sync_step(b, now, &err), CACHE_SYNC_DONE);
	/* freeing an engine mid-pass also lets go */
	ck_assert_int_eq(cache_sync_start(a, now, &err), CACHE_SYNC_RUNNING);
	cache_sync_free(a);
	ck_assert_int_eq(cache_sync_start(b, now, &err), CACHE_SYNC_RUNNING);
	cache_sync_free(b);
}
END_TEST

START_TEST(offline_clock)
{
	struct vax_error err;
	struct cache_sync *y = cache_sync_new(st, conn, NULL);
	int64_t now = 1000000;
	ck_assert(cache_sync_online(y));
	cache_sync_note_offline(y, now, 1200); /* Retry-After: 1200 */
	ck_assert(!cache_sync_online(y));
	ck_assert_int_eq(cache_sync_next_probe(y), now + 1200);
	ck_assert_int_eq(cache_sync_start(y, now + 600, &err), CACHE_SYNC_OFFLINE);
	/* without Retry-After: backoff doubles from 5 s, up to 5 min */
	int64_t prev = 0;
	for (int i = 0; i < 12; i++) {
		cache_sync_note_offline(y, now, -1);
		int64_t wait = cache_sync_next_probe(y) - now;
		ck_assert_int_ge(wait, prev);
		ck_assert_int_le(wait, 300);
		prev = wait;
	}
	ck_assert_int_eq(prev, 300);
	cache_sync_free(y);
}
END_TEST

START_TEST(pending_work_is_kept_when_cancelled)
{
	struct vax_error err;
	struct client c;
	cachetest_client(&c, "Keepme", "Al", 2019, 1, 1);
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), NULL, &err));
	struct cache_sync_options o = {.no_match = true};
	struct cache_sync *y = cache_sync_new(st, conn, &o);
	int64_t now = (int64_t)time(NULL);
	ck_assert_int_eq(cache_sync_start(y, now, &err), CACHE_SYNC_RUNNING);
	/* the plan marks the entry SENDING and starts the upload ... */
	ck_assert_int_eq(cache_sync_step(y, now, &err), CACHE_SYNC_RUNNING);
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_SENDING), 1);
	/* another process opening the store meanwhile leaves it in flight */
	struct cache_store *other = cachetest_open(dir);
	cachetest_login(other); /* selecting the user's store is when recovery runs */
	ck_assert_int_eq(cache_outbox_count(other, 1u << CACHE_SENDING), 1);
	cache_store_close(other);
	/* ... and giving up (logout, program exit) puts it back */
	cache_sync_free(y);
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_PENDING), 1);
}
END_TEST

Suite *cache_sync_suite(void)
{
	Suite *s = suite_create("cache_sync");
	TCase *tc = tcase_create("sync");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_pass_at_a_time);
	tcase_add_test(tc, offline_clock);
	tcase_add_test(tc, pending_work_is_kept_when_cancelled);
	suite_add_tcase(s, tc);
	return s;
}
