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

/* A registry client R9 with two responsible persons and a consent, cached
 * as read (ids and versions). */
static struct client companions_client(void)
{
	struct client c;
	cachetest_client(&c, "Companiero", "Lia", 2016, 2, 3);
	text_copy(c.id, sizeof c.id, "R9");
	text_copy(c.version, sizeof c.version, "4");
	static const char *const fam[] = {"Alcala", "Bustos"}, *const id[] = {"rpA", "rpB"};
	for (int i = 0; i < 2; i++) {
		struct responsible_person *rp = &c.resp[c.n_resp++];
		memset(rp, 0, sizeof *rp);
		rp->address.since = DATE_NONE;
		text_copy(rp->name.family, sizeof rp->name.family, fam[i]);
		text_copy(rp->name.given, sizeof rp->name.given, "Ana");
		text_copy(rp->relationship, sizeof rp->relationship, "GRD");
		text_copy(rp->id, sizeof rp->id, id[i]);
		text_copy(rp->version, sizeof rp->version, "1");
	}
	memset(&c.consent, 0, sizeof c.consent);
	c.consent.minor = CONSENT_GRANTED;
	c.consent.date = 17000;
	text_copy(c.consent.id, sizeof c.consent.id, "cs1");
	text_copy(c.consent.version, sizeof c.consent.version, "1");
	return c;
}

/* The entry's client on a side. */
static struct client side_client(int64_t seq, enum cache_side side)
{
	struct vax_error err;
	struct client c;
	ck_assert_msg(cache_outbox_client(st, seq, side, &c, &err), "%s", err.message);
	return c;
}

/* A change keeps the whole record as saved and the record it began from,
 * companions with the versions they were read at: the sync sends only
 * what differs (tests/cache/companions.sh checks what reaches the
 * registry). */
START_TEST(change_keeps_its_base)
{
	struct vax_error err;
	struct client c = companions_client();
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	text_copy(c.resp[0].phone.number, sizeof c.resp[0].phone.number, "5125550101");
	struct cache_entry e1, e2;
	ck_assert_msg(cache_save_client(st, &c, CACHE_OP_UPDATE, cachetest_capture(), &e1, &err), "%s",
	              err.message);
	struct client ours = side_client(e1.seq, CACHE_OURS), base = side_client(e1.seq, CACHE_BASE);
	ck_assert_int_eq(ours.n_resp, 2);
	ck_assert_int_eq(base.n_resp, 2);
	ck_assert_str_eq(ours.resp[0].phone.number, "5125550101");
	ck_assert_str_eq(base.resp[0].phone.number, "");
	ck_assert_str_eq(base.resp[0].version, "1");
	ck_assert_str_eq(base.version, "4");
	ck_assert(!cache_merge_same_person(&ours.resp[0], &base.resp[0]));
	ck_assert(cache_merge_same_person(&ours.resp[1], &base.resp[1]));
	ck_assert(cache_merge_same_consent(&ours.consent, &base.consent));
	/* a second change builds on the first: its base is the first's ours */
	text_copy(c.name.given, sizeof c.name.given, "Lucia");
	ck_assert(cache_save_client(st, &c, CACHE_OP_UPDATE, cachetest_capture(), &e2, &err));
	base = side_client(e2.seq, CACHE_BASE);
	ck_assert_str_eq(base.resp[0].phone.number, "5125550101");
	ck_assert_str_eq(base.name.given, "Lia");
	ck_assert_str_eq(side_client(e2.seq, CACHE_OURS).name.given, "Lucia");
	/* a create has no base */
	struct client n;
	cachetest_client(&n, "Nuevo", "Ana", 2018, 1, 1);
	ck_assert(cache_save_client(st, &n, CACHE_OP_CREATE, cachetest_capture(), &e2, &err));
	ck_assert(!cache_outbox_client(st, e2.seq, CACHE_BASE, &n, &err));
	ck_assert_str_eq(err.code, "CACHE-NOT-FOUND");
}
END_TEST

/* An edit that began from an older copy: the copy it began from is the
 * base, and when the cached copy is our own accepted change of the same
 * record, the base names the cached version. */
START_TEST(edit_from_a_form)
{
	struct vax_error err;
	struct client c = companions_client();
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	struct client started = c, edited = c;
	/* meanwhile our earlier change was accepted as version 5 */
	text_copy(c.version, sizeof c.version, "5");
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	text_copy(edited.email, sizeof edited.email, "lia@example.org");
	struct cache_entry e;
	ck_assert(cache_save_client_edit(st, &started, &edited, cachetest_capture(), &e, &err));
	ck_assert_str_eq(side_client(e.seq, CACHE_BASE).version, "5");
	/* someone else's change read in meanwhile: the base stays what the
	 * form began from, so theirs is not taken for part of ours */
	text_copy(c.version, sizeof c.version, "6");
	text_copy(c.note, sizeof c.note, "moved");
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_ACCEPTED, "R9", "6", NULL, NULL, &err));
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	text_copy(edited.email, sizeof edited.email, "lia2@example.org");
	ck_assert(cache_save_client_edit(st, &started, &edited, cachetest_capture(), &e, &err));
	struct client base = side_client(e.seq, CACHE_BASE);
	ck_assert_str_eq(base.version, "4");
	ck_assert_str_eq(base.note, "");
	/* a dose the same way */
	struct immunization dose, started_im, got;
	cachetest_dose(&dose, "", "08", 2016, 3, 1);
	dose.client_uuid[0] = '\0';
	text_copy(dose.client_id, sizeof dose.client_id, "R9");
	text_copy(dose.id, sizeof dose.id, "I1");
	text_copy(dose.version, sizeof dose.version, "2");
	ck_assert(cache_put_immunization(st, &dose, NULL, &err));
	started_im = dose;
	text_copy(dose.site, sizeof dose.site, "RA"); /* read in meanwhile: someone's change */
	text_copy(dose.version, sizeof dose.version, "3");
	ck_assert(cache_put_immunization(st, &dose, NULL, &err));
	struct immunization edited_im = started_im;
	text_copy(edited_im.lot, sizeof edited_im.lot, "LOT777");
	ck_assert(cache_save_immunization_edit(st, &started_im, &edited_im, CACHE_OP_UPDATE,
	                                       cachetest_capture(), &e, &err));
	ck_assert(cache_outbox_imm(st, e.seq, CACHE_BASE, &got, &err));
	ck_assert_str_eq(got.version, "2");
	ck_assert_str_eq(got.site, "LA");
}
END_TEST

/* "Send ours" for a client whose responsible persons changed or went at the
 * registry: field by field, ours over the one only the registry re-versioned
 * (its version now theirs), the deleted one we changed (and the deleted
 * consent we changed) again as new under a new UUID, here and in the
 * cache; keeping theirs takes the registry's persons. */
START_TEST(companion_conflict_resolved)
{
	struct vax_error err;
	struct client c = companions_client();
	ck_assert(cache_put_client(st, &c, 100, NULL, &err));
	text_copy(c.resp[0].phone.number, sizeof c.resp[0].phone.number, "5125550101");
	text_copy(c.resp[1].phone.number, sizeof c.resp[1].phone.number, "5125550202");
	text_copy(c.consent.source, sizeof c.consent.source, "verbal");
	struct cache_entry e;
	ck_assert(cache_save_client(st, &c, CACHE_OP_UPDATE, cachetest_capture(), &e, &err));
	/* the registry: Alcala re-versioned (3), Bustos and the consent deleted */
	struct client theirs = companions_client();
	text_copy(theirs.resp[0].version, sizeof theirs.resp[0].version, "3");
	theirs.n_resp = 1;
	memset(&theirs.consent, 0, sizeof theirs.consent);
	theirs.consent.date = DATE_NONE;
	cJSON *tj = fhir_client_to_json(&theirs);
	char *tjson = cJSON_PrintUnformatted(tj);
	cJSON_Delete(tj);
	ck_assert(cache_outbox_set_state(
	    st, e.seq, CACHE_CONFLICT, NULL, NULL,
	    "This responsible person (Bustos, Ana, GRD) was removed at the registry.", tjson, &err));
	free(tjson);
	struct cache_merge m;
	ck_assert_msg(cache_outbox_merge(st, e.seq, &m, &err), "%s", err.message);
	ck_assert_int_eq(m.n_conflicts, 2); /* Bustos and the consent */
	ck_assert_msg(cache_outbox_approve(st, e.seq, NULL, &err), "%s", err.message);
	struct cache_entry got;
	ck_assert(cache_outbox_get(st, e.seq, &got, &err));
	ck_assert_int_eq(got.state, CACHE_PENDING);
	struct client ours = side_client(e.seq, CACHE_OURS);
	ck_assert_str_eq(ours.version, "4");
	ck_assert_int_eq(ours.n_resp, 2);
	ck_assert_str_eq(ours.resp[0].id, "rpA");
	ck_assert_str_eq(ours.resp[0].version, "3");
	ck_assert_str_eq(ours.resp[0].phone.number, "5125550101");
	ck_assert_str_eq(ours.resp[1].id, "");
	ck_assert_int_eq((int)strlen(ours.resp[1].uuid), 36);
	ck_assert_str_eq(ours.consent.id, "");
	ck_assert_int_eq((int)strlen(ours.consent.uuid), 36);
	ck_assert_str_eq(ours.consent.source, "verbal");
	/* the registry's version is the base now: If-Match names it */
	ck_assert_str_eq(side_client(e.seq, CACHE_BASE).resp[0].version, "3");
	struct client now;
	ck_assert(cache_get_client(st, e.rec_key, &now, NULL, &err));
	ck_assert_int_eq(now.n_resp, 2);
	ck_assert_str_eq(now.resp[0].version, "3");
	ck_assert_str_eq(now.resp[1].id, "");
	ck_assert_str_eq(now.resp[1].uuid, ours.resp[1].uuid);
	ck_assert_str_eq(now.resp[1].phone.number, "5125550202");
	ck_assert_str_eq(now.consent.id, "");
	ck_assert_str_eq(now.consent.uuid, ours.consent.uuid);

	/* the same conflict again, this time the registry's way */
	text_copy(c.name.given, sizeof c.name.given, "Lucia");
	c.resp[0] = now.resp[0];
	text_copy(c.resp[0].phone.number, sizeof c.resp[0].phone.number, "5125550111");
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_ACCEPTED, "R9", "5", NULL, NULL, &err));
	ck_assert(cache_save_client(st, &c, CACHE_OP_UPDATE, cachetest_capture(), &e, &err));
	theirs = companions_client();
	text_copy(theirs.resp[0].version, sizeof theirs.resp[0].version, "3");
	theirs.n_resp = 1;
	tj = fhir_client_to_json(&theirs);
	tjson = cJSON_PrintUnformatted(tj);
	cJSON_Delete(tj);
	ck_assert(cache_outbox_set_state(st, e.seq, CACHE_CONFLICT, NULL, NULL, "changed", tjson, &err));
	free(tjson);
	ck_assert_msg(cache_outbox_keep_theirs(st, e.seq, cachetest_capture(), &err), "%s", err.message);
	ck_assert(cache_get_client(st, e.rec_key, &now, NULL, &err));
	ck_assert_int_eq(now.n_resp, 1);
	ck_assert_str_eq(now.resp[0].name.family, "Alcala");
	ck_assert_str_eq(now.resp[0].version, "3");
	ck_assert_str_eq(now.name.given, "Lia");
	ck_assert_str_eq(now.consent.id, "cs1");
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
	tcase_add_test(tc, change_keeps_its_base);
	tcase_add_test(tc, edit_from_a_form);
	tcase_add_test(tc, companion_conflict_resolved);
	suite_add_tcase(s, tc);
	return s;
}
