/* tests/cache/test_discard.c - discarding outbox entries: only with a
 * reason, only in a state a person may drop, always audited (sealed), the
 * entry kept as DISCARDED; and a conflict resolved the registry's way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cache/store.h"
#include "core/fhir.h"
#include "core/text.h"
#include "tests/cache/cachetest.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static char *dir;
static struct cache_store *st;

static void setup(void)
{
	dir = testutil_mkdtemp();
	st = cachetest_open(dir);
	cachetest_login(st);
}

static void teardown(void)
{
	cache_store_close(st);
	st = NULL;
	testutil_rmtree(dir);
	free(dir);
}

/* A registry client R7 in the cache and one new dose of it in the outbox. */
static struct cache_entry new_dose(const char *cvx)
{
	struct vax_error err;
	struct client c;
	cachetest_client(&c, "Discardia", "Ivo", 2019, 5, 6);
	text_copy(c.id, sizeof c.id, "R7");
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	struct immunization im;
	cachetest_dose(&im, "", cvx, 2020, 1, 2);
	text_copy(im.client_id, sizeof im.client_id, "R7");
	struct cache_entry e;
	ck_assert_msg(cache_save_immunization(st, &im, CACHE_OP_CREATE, cachetest_capture(), &e, &err), "%s",
	              err.message);
	return e;
}

static int client_doses(const char *client_key)
{
	struct immunization *v = NULL;
	struct vax_error err;
	int n = cache_client_immunizations(st, client_key, &v, &err);
	free(v);
	return n;
}

START_TEST(discard_with_reason)
{
	struct vax_error err;
	struct cache_entry e = new_dose("08");
	ck_assert_int_eq(client_doses(e.client_key), 1);
	ck_assert_int_eq(cache_outbox_due(st, 0), 1);
	struct capture who = *cachetest_capture();
	who.at = 1700000000;
	ck_assert(cache_outbox_discard(st, e.seq, "Recorded for the wrong twin Quokkaberry", &who, &err));
	struct cache_entry got;
	ck_assert(cache_outbox_get(st, e.seq, &got, &err));
	ck_assert_int_eq(got.state, CACHE_DISCARDED);
	ck_assert_str_eq(got.message, "Discarded: Recorded for the wrong twin Quokkaberry");
	/* kept, counted, never sent, out of the local history */
	ck_assert_int_eq(cache_outbox_count(st, 0), 1);
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_DISCARDED), 1);
	ck_assert_int_eq(cache_outbox_count(st, CACHE_UNSENT_MASK), 0);
	ck_assert_int_eq(cache_outbox_due(st, 0), 0);
	ck_assert_int_eq(client_doses(e.client_key), 0);
	ck_assert_str_eq(cache_state_name(CACHE_DISCARDED), "discarded");
	/* the audit: who, when, which record, why; sealed on disk */
	struct cache_audit *a;
	ck_assert_int_eq(cache_audit_list(st, 0, &a, &err), 1);
	ck_assert_int_eq(a[0].action, CACHE_AUDIT_DISCARD);
	ck_assert_int_eq(a[0].at, 1700000000);
	ck_assert_int_eq(a[0].entry_seq, e.seq);
	ck_assert_str_eq(a[0].entry_uuid, e.uuid);
	ck_assert_str_eq(a[0].record, e.rec_key);
	ck_assert_str_eq(a[0].who.user, "nurse");
	ck_assert_str_eq(a[0].who.org, "ORG1");
	ck_assert_str_eq(a[0].who.workstation, "desk-7");
	ck_assert_str_eq(a[0].reason, "Recorded for the wrong twin Quokkaberry");
	free(a);
	ck_assert_int_eq(cache_audit_list(st, 1700000001, &a, &err), 0);
	free(a);
	for (int round = 0; round < 2; round++) {
		ck_assert(!cachetest_dir_contains(dir, "Quokkaberry"));
		ck_assert(!cachetest_dir_contains(dir, "desk-7\",\"entry"));
		cache_store_close(st);
		st = cachetest_open(dir);
		cachetest_login(st);
	}
	/* it survives a restart, still discarded and still audited */
	ck_assert(cache_outbox_get(st, e.seq, &got, &err));
	ck_assert_int_eq(got.state, CACHE_DISCARDED);
	ck_assert_int_eq(cache_audit_list(st, 0, &a, &err), 1);
	ck_assert_str_eq(a[0].reason, "Recorded for the wrong twin Quokkaberry");
	free(a);
	/* final: no later answer or retry brings it back */
	ck_assert(!cache_outbox_set_state(st, e.seq, CACHE_NEEDS_REVIEW, NULL, NULL, "late", NULL, &err));
	ck_assert_str_eq(err.code, "CACHE-STATE");
	ck_assert(cache_outbox_retry(st, e.seq, 0, &err));
	ck_assert(!cache_outbox_approve(st, e.seq, NULL, &err));
	ck_assert(cache_outbox_get(st, e.seq, &got, &err));
	ck_assert_int_eq(got.state, CACHE_DISCARDED);
	/* a second discard of the same entry is refused */
	ck_assert(!cache_outbox_discard(st, e.seq, "again", &who, &err));
	ck_assert_str_eq(err.code, "CACHE-STATE");
	/* purge keeps it for the retention period, like a receipt */
	ck_assert_int_ge(cache_purge(st, (int64_t)time(NULL), 90, &err), 0);
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_DISCARDED), 1);
	ck_assert_int_ge(cache_purge(st, (int64_t)time(NULL) + 91 * 86400, 90, &err), 0);
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_DISCARDED), 0);
}
END_TEST

START_TEST(discard_refusals)
{
	struct vax_error err;
	struct cache_entry e = new_dose("08");
	const struct capture *who = cachetest_capture();
	/* no reason, or only blanks */
	ck_assert(!cache_outbox_discard(st, e.seq, "", who, &err));
	ck_assert_str_eq(err.code, "CACHE-NO-REASON");
	ck_assert(!cache_outbox_discard(st, e.seq, NULL, who, &err));
	ck_assert_str_eq(err.code, "CACHE-NO-REASON");
	ck_assert(!cache_outbox_discard(st, e.seq, " \t ", who, &err));
	ck_assert_str_eq(err.code, "CACHE-NO-REASON");
	/* in a request now */
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_SENDING, NULL, NULL, NULL, NULL, &err));
	ck_assert(!cache_outbox_discard(st, e.seq, "wrong vaccine", who, &err));
	ck_assert_str_eq(err.code, "CACHE-SENDING");
	/* on the registry already */
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_ACCEPTED, "I1", "1", NULL, NULL, &err));
	ck_assert(!cache_outbox_discard(st, e.seq, "wrong vaccine", who, &err));
	ck_assert_str_eq(err.code, "CACHE-STATE");
	/* no such entry */
	ck_assert(!cache_outbox_discard(st, 9999, "wrong vaccine", who, &err));
	ck_assert_str_eq(err.code, "CACHE-NOT-FOUND");
	/* every refusal left it as it was and wrote no audit */
	struct cache_entry got;
	ck_assert(cache_outbox_get(st, e.seq, &got, &err));
	ck_assert_int_eq(got.state, CACHE_ACCEPTED);
	struct cache_audit *a;
	ck_assert_int_eq(cache_audit_list(st, 0, &a, &err), 0);
	free(a);
	/* a locked store */
	cache_lock(st);
	ck_assert(!cache_outbox_discard(st, e.seq, "wrong vaccine", who, &err));
	ck_assert_str_eq(err.code, "CACHE-LOCKED");
}
END_TEST

START_TEST(discard_each_waiting_state)
{
	struct vax_error err;
	enum cache_state states[] = {CACHE_PENDING, CACHE_REJECTED, CACHE_CONFLICT, CACHE_NEEDS_REVIEW};
	const char *cvx[] = {"08", "20", "10", "03"};
	for (int i = 0; i < 4; i++) {
		struct cache_entry e = new_dose(cvx[i]);
		if (states[i] != CACHE_PENDING)
			ck_assert(
			    cache_outbox_set_state(st, e.seq, states[i], NULL, NULL, "why", NULL, &err));
		ck_assert_msg(cache_outbox_discard(st, e.seq, "entered twice", cachetest_capture(), &err),
		              "%s: %s", cache_state_name(states[i]), err.message);
	}
	ck_assert_int_eq(cache_outbox_count(st, 1u << CACHE_DISCARDED), 4);
	struct cache_audit *a;
	ck_assert_int_eq(cache_audit_list(st, 0, &a, &err), 4);
	free(a);
}
END_TEST

START_TEST(discard_waits_for_dependents)
{
	struct vax_error err;
	struct client c;
	cachetest_client(&c, "Newborn", "Ada", 2024, 1, 1);
	struct cache_entry ec, ed;
	ck_assert(cache_save_client(st, &c, CACHE_OP_CREATE, cachetest_capture(), &ec, &err));
	struct immunization im;
	cachetest_dose(&im, c.uuid, "08", 2024, 1, 2);
	ck_assert(cache_save_immunization(st, &im, CACHE_OP_CREATE, cachetest_capture(), &ed, &err));
	/* the new client's dose needs it */
	ck_assert(!cache_outbox_discard(st, ec.seq, "duplicate client", cachetest_capture(), &err));
	ck_assert_str_eq(err.code, "CACHE-DEPENDENT");
	ck_assert_ptr_nonnull(strstr(err.message, "1 later change"));
	ck_assert(cache_outbox_discard(st, ed.seq, "duplicate client", cachetest_capture(), &err));
	ck_assert(cache_outbox_discard(st, ec.seq, "duplicate client", cachetest_capture(), &err));
	/* the client typed here is gone from the local store and its search */
	struct client got;
	ck_assert(!cache_get_client(st, c.uuid, &got, NULL, &err));
	char keys[4][CACHE_KEY_STR];
	struct cache_query q = {.family = "Newborn", .dob = DATE_NONE};
	ck_assert_int_eq(cache_search(st, &q, keys, 4, &err), 0);
	/* a later change of a record also needs the earlier one */
	struct cache_entry e1 = new_dose("20");
	struct immunization *v;
	ck_assert_int_eq(cache_client_immunizations(st, e1.client_key, &v, &err), 1);
	struct immunization later = v[0];
	free(v);
	text_copy(later.lot, sizeof later.lot, "LOT9");
	struct cache_entry e2;
	ck_assert(cache_save_immunization(st, &later, CACHE_OP_UPDATE, cachetest_capture(), &e2, &err));
	ck_assert(!cache_outbox_discard(st, e1.seq, "wrong lot", cachetest_capture(), &err));
	ck_assert_str_eq(err.code, "CACHE-DEPENDENT");
	ck_assert(cache_outbox_discard(st, e2.seq, "wrong lot", cachetest_capture(), &err));
	ck_assert(cache_outbox_discard(st, e1.seq, "wrong lot", cachetest_capture(), &err));
}
END_TEST

START_TEST(keep_theirs)
{
	struct vax_error err;
	struct client c;
	cachetest_client(&c, "Conflicto", "Bea", 2015, 3, 4);
	text_copy(c.id, sizeof c.id, "R5");
	text_copy(c.version, sizeof c.version, "1");
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	struct client mine = c;
	text_copy(mine.name.given, sizeof mine.name.given, "Beatriz");
	struct cache_entry e;
	ck_assert(cache_save_client(st, &mine, CACHE_OP_UPDATE, cachetest_capture(), &e, &err));
	/* not in conflict: nothing of theirs to keep */
	ck_assert(!cache_outbox_keep_theirs(st, e.seq, cachetest_capture(), &err));
	ck_assert_str_eq(err.code, "CACHE-STATE");
	/* in conflict without the registry's version */
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_CONFLICT, NULL, NULL, "changed", NULL, &err));
	ck_assert(!cache_outbox_keep_theirs(st, e.seq, cachetest_capture(), &err));
	ck_assert_str_eq(err.code, "CACHE-NO-THEIRS");
	struct client theirs = c;
	text_copy(theirs.name.given, sizeof theirs.name.given, "Bettina");
	text_copy(theirs.version, sizeof theirs.version, "2");
	cJSON *j = fhir_patient_to_json(&theirs);
	char *json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_CONFLICT, NULL, NULL, NULL, json, &err));
	free(json);
	ck_assert_msg(cache_outbox_keep_theirs(st, e.seq, cachetest_capture(), &err), "%s", err.message);
	struct cache_entry got;
	ck_assert(cache_outbox_get(st, e.seq, &got, &err));
	ck_assert_int_eq(got.state, CACHE_DISCARDED);
	struct client now;
	ck_assert(cache_get_client(st, e.rec_key, &now, NULL, &err));
	ck_assert_str_eq(now.name.given, "Bettina");
	ck_assert_str_eq(now.version, "2");
	struct cache_audit *a;
	ck_assert_int_eq(cache_audit_list(st, 0, &a, &err), 1);
	ck_assert_int_eq(a[0].action, CACHE_AUDIT_KEEP_THEIRS);
	ck_assert_str_eq(cache_audit_action_name(a[0].action), "keep-theirs");
	ck_assert_str_eq(a[0].record, e.rec_key);
	free(a);
	/* once resolved, a pull may overwrite it again */
	bool kept = true;
	ck_assert(cache_put_client(st, &theirs, 200, &kept, &err));
	ck_assert(!kept);
}
END_TEST

Suite *cache_discard_suite(void)
{
	Suite *s = suite_create("cache_discard");
	TCase *tc = tcase_create("discard");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, discard_with_reason);
	tcase_add_test(tc, discard_refusals);
	tcase_add_test(tc, discard_each_waiting_state);
	tcase_add_test(tc, discard_waits_for_dependents);
	tcase_add_test(tc, keep_theirs);
	suite_add_tcase(s, tc);
	return s;
}
