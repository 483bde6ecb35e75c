/* tests/cache/test_merge.c - three-way merge of records field by field, and
 * of the registry's resources: an edit changes only what it changed. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cache/merge.h"
#include "core/fhir.h"
#include "core/text.h"
#include "tests/cache/cachetest.h"
#include "tests/suites.h"

static const struct cache_merge_field *field(const struct cache_merge *m, const char *label)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->f[i].label, label))
			return &m->f[i];
	ck_abort_msg("no field %s", label);
	return NULL;
}

START_TEST(one_sided_fields_merge)
{
	struct client base, ours, theirs, out;
	cachetest_client(&base, "Okafor", "Chidi", 2019, 3, 4);
	text_copy(base.id, sizeof base.id, "P1");
	text_copy(base.version, sizeof base.version, "1");
	ours = theirs = base;
	/* desk B changes the phone, desk A (the registry now) added a middle name */
	ours.n_phone = 1;
	text_copy(ours.phone[0].number, sizeof ours.phone[0].number, "5125550100");
	text_copy(theirs.name.middle, sizeof theirs.name.middle, "Emeka");
	text_copy(theirs.version, sizeof theirs.version, "2");
	struct cache_merge m;
	cache_merge_clients(&base, &ours, &theirs, &m);
	ck_assert_int_eq(m.n_conflicts, 0);
	ck_assert_int_eq(field(&m, "Phone")->state, CACHE_MERGE_OURS);
	ck_assert_int_eq(field(&m, "Middle name")->state, CACHE_MERGE_THEIRS);
	ck_assert_int_eq(field(&m, "Given name")->state, CACHE_MERGE_SAME);
	ck_assert_str_eq(field(&m, "Middle name")->theirs, "Emeka");
	ck_assert(!cache_merge_holds_ours(&m));
	ck_assert(cache_merge_client_result(&m, &ours, &theirs, &out));
	ck_assert_str_eq(out.name.middle, "Emeka");
	ck_assert_str_eq(out.phone[0].number, "5125550100");
	ck_assert_str_eq(out.version, "2"); /* sent with If-Match on theirs */
}
END_TEST

START_TEST(two_sided_field_needs_a_person)
{
	struct client base, ours, theirs, out;
	cachetest_client(&base, "Okafor", "Chidi", 2019, 3, 4);
	ours = theirs = base;
	text_copy(ours.name.given, sizeof ours.name.given, "Chidera");
	text_copy(theirs.name.given, sizeof theirs.name.given, "Chidiebere");
	text_copy(theirs.note, sizeof theirs.note, "moved to Travis county");
	struct cache_merge m;
	cache_merge_clients(&base, &ours, &theirs, &m);
	ck_assert_int_eq(m.n_conflicts, 1);
	const struct cache_merge_field *g = field(&m, "Given name");
	ck_assert_int_eq(g->state, CACHE_MERGE_CONFLICT);
	ck_assert_str_eq(g->base, "Chidi");
	ck_assert_str_eq(g->ours, "Chidera");
	ck_assert_str_eq(g->theirs, "Chidiebere");
	char names[200];
	ck_assert_str_eq(cache_merge_conflict_names(&m, names, sizeof names), "Given name");
	ck_assert(!cache_merge_client_result(&m, &ours, &theirs, &out));
	m.f[g - m.f].pick = CACHE_PICK_OURS;
	ck_assert(cache_merge_client_result(&m, &ours, &theirs, &out));
	ck_assert_str_eq(out.name.given, "Chidera");
	/* what only they changed is never erased */
	ck_assert_str_eq(out.note, "moved to Travis county");
	m.f[g - m.f].pick = CACHE_PICK_THEIRS;
	ck_assert(cache_merge_client_result(&m, &ours, &theirs, &out));
	ck_assert_str_eq(out.name.given, "Chidiebere");
}
END_TEST

START_TEST(lost_answer_is_not_a_conflict)
{
	struct client base, ours, theirs;
	cachetest_client(&base, "Okafor", "Chidi", 2019, 3, 4);
	ours = base;
	text_copy(ours.email, sizeof ours.email, "okafor@example.org");
	theirs = ours; /* the registry took our change; only the answer was lost */
	text_copy(theirs.version, sizeof theirs.version, "2");
	struct cache_merge m;
	cache_merge_clients(&base, &ours, &theirs, &m);
	ck_assert_int_eq(field(&m, "E-mail")->state, CACHE_MERGE_AGREE);
	ck_assert(cache_merge_holds_ours(&m));
}
END_TEST

static void person(struct responsible_person *rp, const char *family, const char *id, const char *phone)
{
	memset(rp, 0, sizeof *rp);
	rp->address.since = DATE_NONE;
	text_copy(rp->name.family, sizeof rp->name.family, family);
	text_copy(rp->name.given, sizeof rp->name.given, "Ana");
	text_copy(rp->relationship, sizeof rp->relationship, "MTH");
	text_copy(rp->id, sizeof rp->id, id);
	text_copy(rp->version, sizeof rp->version, "1");
	text_copy(rp->phone.number, sizeof rp->phone.number, phone);
}

START_TEST(companions_by_identity)
{
	struct client base, ours, theirs, out;
	cachetest_client(&base, "Okafor", "Chidi", 2019, 3, 4);
	base.n_resp = 2;
	person(&base.resp[0], "Alvarado", "R1", "5125550100");
	person(&base.resp[1], "Benavides", "R2", "5125550200");
	ours = theirs = base;
	/* theirs: R1 deleted, R2 re-phoned (version 2); ours: R1 re-phoned,
	 * R2 left alone, a new person added */
	theirs.n_resp = 1;
	theirs.resp[0] = base.resp[1];
	text_copy(theirs.resp[0].phone.number, sizeof theirs.resp[0].phone.number, "5125550222");
	text_copy(theirs.resp[0].version, sizeof theirs.resp[0].version, "2");
	text_copy(ours.resp[0].phone.number, sizeof ours.resp[0].phone.number, "5125550111");
	ours.n_resp = 3;
	person(&ours.resp[2], "Cardenas", "", "5125550300");
	text_copy(ours.resp[2].uuid, sizeof ours.resp[2].uuid, "11111111-2222-4333-8444-555555555555");
	struct cache_merge m;
	cache_merge_clients(&base, &ours, &theirs, &m);
	const struct cache_merge_field *a = field(&m, "Responsible person Alvarado, Ana");
	const struct cache_merge_field *b = field(&m, "Responsible person Benavides, Ana");
	const struct cache_merge_field *c = field(&m, "Responsible person Cardenas, Ana");
	ck_assert_int_eq(a->state, CACHE_MERGE_CONFLICT); /* changed here, removed there */
	ck_assert_str_eq(a->theirs, "(none)");
	ck_assert_int_eq(b->state, CACHE_MERGE_THEIRS);
	ck_assert_int_eq(c->state, CACHE_MERGE_OURS);
	m.f[a - m.f].pick = CACHE_PICK_OURS;
	ck_assert(cache_merge_client_result(&m, &ours, &theirs, &out));
	ck_assert_int_eq(out.n_resp, 3);
	ck_assert_str_eq(out.resp[0].phone.number, "5125550222"); /* theirs kept */
	ck_assert_str_eq(out.resp[0].version, "2");
	/* ours again, as a new record: new UUID, no registry id */
	ck_assert_str_eq(out.resp[1].name.family, "Alvarado");
	ck_assert_str_eq(out.resp[1].id, "");
	ck_assert_int_eq(strlen(out.resp[1].uuid), 36);
	ck_assert_str_eq(out.resp[2].name.family, "Cardenas");
}
END_TEST

START_TEST(dose_fields)
{
	struct immunization base, ours, theirs, out;
	cachetest_dose(&base, "11111111-2222-4333-8444-555555555555", "08", 2020, 1, 2);
	ours = theirs = base;
	text_copy(ours.lot, sizeof ours.lot, "LOT999");
	text_copy(theirs.site, sizeof theirs.site, "RA");
	struct cache_merge m;
	cache_merge_imms(&base, &ours, &theirs, &m);
	ck_assert_int_eq(m.n_conflicts, 0);
	ck_assert_int_eq(field(&m, "Lot")->state, CACHE_MERGE_OURS);
	ck_assert_int_eq(field(&m, "Site")->state, CACHE_MERGE_THEIRS);
	ck_assert(cache_merge_imm_result(&m, &ours, &theirs, &out));
	ck_assert_str_eq(out.lot, "LOT999");
	ck_assert_str_eq(out.site, "RA");
}
END_TEST

/* The registry's Patient with elements vaxdesk does not model. */
static const char *REMOTE =
    "{\"resourceType\":\"Patient\",\"id\":\"P1\",\"meta\":{\"versionId\":\"3\"},"
    "\"extension\":[{\"url\":\"http://other.example/ext/shoe-size\",\"valueInteger\":31}],"
    "\"identifier\":[{\"system\":\"http://other.example/mrn\",\"value\":\"X9\"}],"
    "\"name\":[{\"use\":\"official\",\"family\":\"Okafor\",\"given\":[\"Chidi\"],"
    "\"period\":{\"start\":\"2019-03-04\"}}],"
    "\"telecom\":[{\"system\":\"fax\",\"value\":\"5125559999\"}],"
    "\"gender\":\"male\",\"birthDate\":\"2019-03-04\","
    "\"maritalStatus\":{\"text\":\"never married\"},"
    "\"communication\":[{\"language\":{\"text\":\"Igbo\"}}]}";

START_TEST(resource_keeps_what_vaxdesk_does_not_model)
{
	cJSON *remote = cJSON_Parse(REMOTE);
	struct client base, ours;
	ck_assert(fhir_patient_from_json(remote, &base, NULL));
	ours = base;
	text_copy(ours.name.given, sizeof ours.name.given, "Chidiebere");
	ours.n_phone = 1;
	text_copy(ours.phone[0].number, sizeof ours.phone[0].number, "5125550100");
	cJSON *bj = fhir_patient_to_json(&base), *oj = fhir_patient_to_json(&ours);
	cJSON *out = cache_merge_resource(remote, bj, oj);
	/* the edit is there */
	cJSON *name0 = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "name"), 0);
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(name0, "given"), 0)->valuestring,
	                 "Chidiebere");
	/* and everything it did not touch is as the registry had it */
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(name0, "period"));
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(out, "maritalStatus"));
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(out, "communication"));
	ck_assert_str_eq(cJSON_GetObjectItem(out, "id")->valuestring, "P1");
	bool shoe = false, fax = false, phone = false;
	const cJSON *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(out, "extension")) shoe |=
	    !strcmp(cJSON_GetObjectItem(x, "url")->valuestring, "http://other.example/ext/shoe-size");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(out, "telecom"))
	{
		const char *sys = cJSON_GetObjectItem(x, "system")->valuestring;
		fax |= !strcmp(sys, "fax");
		phone |= !strcmp(sys, "phone") &&
		         !strcmp(cJSON_GetObjectItem(x, "value")->valuestring, "5125550100");
	}
	ck_assert(shoe && fax && phone);
	int mrn = 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(out, "identifier")) mrn +=
	    !strcmp(cJSON_GetObjectItem(x, "value")->valuestring, "X9");
	ck_assert_int_eq(mrn, 1);
	/* read back, it is ours */
	struct client back;
	ck_assert(fhir_patient_from_json(out, &back, NULL));
	ck_assert_str_eq(back.name.given, "Chidiebere");
	ck_assert_str_eq(back.phone[0].number, "5125550100");
	cJSON_Delete(out);
	/* no change: the registry's resource exactly */
	out = cache_merge_resource(remote, bj, bj);
	ck_assert(cJSON_Compare(out, remote, true));
	cJSON_Delete(out);
	cJSON_Delete(bj);
	cJSON_Delete(oj);
	cJSON_Delete(remote);
}
END_TEST

START_TEST(resource_removal_and_replacement)
{
	/* a removed element goes; an array whose changed element cannot be
	 * found in theirs is replaced whole */
	cJSON *remote =
	    cJSON_Parse("{\"a\":[{\"k\":1,\"x\":true},{\"k\":2}],\"b\":\"keep\",\"c\":[\"p\",\"q\"]}");
	cJSON *base = cJSON_Parse("{\"a\":[{\"k\":1},{\"k\":2}],\"c\":[\"p\",\"z\"]}");
	cJSON *ours = cJSON_Parse("{\"a\":[{\"k\":1}],\"c\":[\"p\",\"y\"]}");
	cJSON *out = cache_merge_resource(remote, base, ours);
	char *t = cJSON_PrintUnformatted(out);
	ck_assert_str_eq(t, "{\"a\":[{\"k\":1,\"x\":true}],\"b\":\"keep\",\"c\":[\"p\",\"y\"]}");
	free(t);
	cJSON_Delete(out);
	cJSON_Delete(remote);
	cJSON_Delete(base);
	cJSON_Delete(ours);
}
END_TEST

Suite *cache_merge_suite(void)
{
	Suite *s = suite_create("cache_merge");
	TCase *tc = tcase_create("merge");
	tcase_add_test(tc, one_sided_fields_merge);
	tcase_add_test(tc, two_sided_field_needs_a_person);
	tcase_add_test(tc, lost_answer_is_not_a_conflict);
	tcase_add_test(tc, companions_by_identity);
	tcase_add_test(tc, dose_fields);
	tcase_add_test(tc, resource_keeps_what_vaxdesk_does_not_model);
	tcase_add_test(tc, resource_removal_and_replacement);
	suite_add_tcase(s, tc);
	return s;
}
