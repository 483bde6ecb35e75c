/* tests/registry/test_fhir.c - core/fhir.c: FHIR R4 JSON <-> core types. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/text.h"
#include "registry/routes_int.h"
#include "tests/suites.h"

static vax_date ymd(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

static void full_client(struct client *c)
{
	client_init(c);
	strcpy(c->uuid, "6f1c2f9e-3a44-4c4b-9d7e-0a1b2c3d4e01");
	strcpy(c->id, "p1");
	strcpy(c->version, "3");
	strcpy(c->name.family, "de la Peña-Treviño");
	strcpy(c->name.given, "José");
	strcpy(c->name.middle, "Luis Ángel");
	strcpy(c->name.suffix, "Jr");
	struct person_name aka = {.family = "Nguyễn", .given = "Bảo"};
	client_add_aka(c, &aka);
	c->dob = ymd(2021, 3, 4);
	c->sex = SEX_MALE;
	strcpy(c->mother_maiden, "Garza");
	strcpy(c->mother_given, "María");
	c->multiple_birth = 2;
	strcpy(c->race[c->n_race++], "2106-3");
	strcpy(c->ethnicity, "2135-2");
	struct address *a = &c->addr[c->n_addr++];
	strcpy(a->line1, "12 Calle del Sol");
	strcpy(a->line2, "Apt 4");
	strcpy(a->city, "McAllen");
	strcpy(a->state, "TX");
	strcpy(a->zip, "78501-1234");
	strcpy(a->county, "Hidalgo");
	a->since = ymd(2021, 3, 4);
	strcpy(a->entered.user, "frontdesk");
	a->entered.at = 1700000000;
	c->phone[0].use = PHONE_MOBILE;
	strcpy(c->phone[0].number, "9565550123");
	c->n_phone = 1;
	strcpy(c->email, "mom@example.org");
	strcpy(c->ident[0].type, "MR");
	strcpy(c->ident[0].system, "https://clinic.example/mrn");
	strcpy(c->ident[0].value, "MR-77");
	c->n_ident = 1;
	c->org_status = ORG_STATUS_MOVED;
	strcpy(c->org_status_reason, "moved to Laredo");
	strcpy(c->primary_provider, "Dr. Salinas");
	strcpy(c->tracking_schedule, "TX-SCHOOL");
	c->reminder_recall = true;
	c->last_notice = ymd(2024, 1, 2);
	c->vital_records_lock = true;
	c->comment[0].kind = COMMENT_IMMUNITY;
	strcpy(c->comment[0].code, "038");
	strcpy(c->comment[0].text, "varicella history");
	c->comment[0].begin = ymd(2022, 5, 1);
	c->comment[0].end = DATE_NONE;
	c->n_comment = 1;
	strcpy(c->note, "prefers Spanish");
	strcpy(c->capture.user, "frontdesk");
	strcpy(c->capture.org, "HILLPEDS");
	strcpy(c->capture.workstation, "ws1");
	c->capture.at = 1763800000;
}

START_TEST(patient_round_trip)
{
	struct client c, back;
	full_client(&c);
	cJSON *j = fhir_patient_to_json(&c);
	struct vax_error err = {0};
	ck_assert_msg(fhir_patient_from_json(j, &back, &err), "%s", err.message);
	cJSON_Delete(j);
	ck_assert_str_eq(back.uuid, c.uuid);
	ck_assert_str_eq(back.id, "p1");
	ck_assert_str_eq(back.version, "3");
	ck_assert_str_eq(back.name.family, "de la Peña-Treviño");
	ck_assert_str_eq(back.name.middle, "Luis Ángel");
	ck_assert_str_eq(back.name.suffix, "Jr");
	ck_assert_int_eq(back.n_aka, 1);
	ck_assert_str_eq(back.aka[0].family, "Nguyễn");
	ck_assert_int_eq(back.dob, c.dob);
	ck_assert_int_eq(back.sex, SEX_MALE);
	ck_assert_str_eq(back.mother_maiden, "Garza");
	ck_assert_str_eq(back.mother_given, "María");
	ck_assert_int_eq(back.multiple_birth, 2);
	ck_assert_int_eq(back.n_race, 1);
	ck_assert_str_eq(back.race[0], "2106-3");
	ck_assert_str_eq(back.ethnicity, "2135-2");
	ck_assert_int_eq(back.n_addr, 1);
	ck_assert_str_eq(back.addr[0].line2, "Apt 4");
	ck_assert_str_eq(back.addr[0].county, "Hidalgo");
	ck_assert_str_eq(back.addr[0].zip, "78501-1234");
	ck_assert_int_eq(back.addr[0].since, c.addr[0].since);
	ck_assert_str_eq(back.addr[0].entered.user, "frontdesk");
	ck_assert_int_eq(back.addr[0].entered.at, 1700000000);
	ck_assert_int_eq(back.n_phone, 1);
	ck_assert_int_eq(back.phone[0].use, PHONE_MOBILE);
	ck_assert_str_eq(back.email, "mom@example.org");
	ck_assert_int_eq(back.n_ident, 1);
	ck_assert_str_eq(back.ident[0].type, "MR");
	ck_assert_str_eq(back.ident[0].value, "MR-77");
	ck_assert_int_eq(back.org_status, ORG_STATUS_MOVED);
	ck_assert_str_eq(back.org_status_reason, "moved to Laredo");
	ck_assert_str_eq(back.tracking_schedule, "TX-SCHOOL");
	ck_assert(back.reminder_recall);
	ck_assert_int_eq(back.last_notice, c.last_notice);
	ck_assert(back.vital_records_lock);
	ck_assert(!back.no_viable_address);
	ck_assert_int_eq(back.n_comment, 1);
	ck_assert_int_eq(back.comment[0].kind, COMMENT_IMMUNITY);
	ck_assert_str_eq(back.comment[0].code, "038");
	ck_assert_int_eq(back.comment[0].begin, c.comment[0].begin);
	ck_assert_int_eq(back.comment[0].end, DATE_NONE);
	ck_assert_str_eq(back.note, "prefers Spanish");
	ck_assert_str_eq(back.capture.workstation, "ws1");
	ck_assert_int_eq(back.capture.at, 1763800000);
}
END_TEST

static void full_imm(struct immunization *im)
{
	imm_init(im);
	strcpy(im->uuid, "0d9b1e1a-5b6c-4d7e-8f90-a1b2c3d4e5f6");
	strcpy(im->client_id, "p1");
	strcpy(im->client_uuid, "6f1c2f9e-3a44-4c4b-9d7e-0a1b2c3d4e01");
	strcpy(im->cvx, "08");
	strcpy(im->mvx, "MSD");
	strcpy(im->ndc, "0006-4981-00");
	strcpy(im->lot, "X1234");
	im->expiration = ymd(2027, 1, 1);
	im->dose_ul = 500;
	strcpy(im->route, "IM");
	strcpy(im->site, "LT");
	strcpy(im->vis[0].document, "Hepatitis B VIS");
	im->vis[0].edition = ymd(2023, 5, 12);
	im->vis[0].presented = ymd(2024, 1, 10);
	im->n_vis = 1;
	strcpy(im->funding, "VXC1");
	strcpy(im->vfc, "V02");
	im->date_given = ymd(2024, 1, 10);
	strcpy(im->provider, "N. Garza, RN");
	strcpy(im->org, "HILLPEDS");
	strcpy(im->org_name, "Hill Country Pediatrics");
	strcpy(im->note, "left thigh");
	strcpy(im->edit_reason, "lot number typed wrong");
	strcpy(im->capture.user, "frontdesk");
	im->capture.at = 1763800000;
}

/* The extension of url in a Patient, and the value of its sub-extension. */
static const cJSON *ext_of(const cJSON *j, const char *url)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "extension"))
	{
		if (!strcmp(cJSON_GetObjectItem(e, "url")->valuestring, url))
			return e;
	}
	return NULL;
}

/* US Core race and ethnicity: OMB categories in ombCategory, other CDC
 * codes in detailed, the words in text; a non-OMB code offered as a
 * category is refused. */
START_TEST(race_us_core)
{
	struct client c, back;
	full_client(&c);
	c.n_race = 0;
	strcpy(c.race[c.n_race++], "2106-3");
	strcpy(c.race[c.n_race++], "2131-1");
	strcpy(c.race[c.n_race++], "UNK");
	cJSON *j = fhir_patient_to_json(&c);
	const cJSON *race = ext_of(j, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race");
	ck_assert_ptr_nonnull(race);
	const cJSON *sub = cJSON_GetObjectItem(race, "extension");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 0), "url")->valuestring, "ombCategory");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 1), "url")->valuestring, "detailed");
	const cJSON *unk = cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 2), "valueCoding");
	ck_assert_str_eq(cJSON_GetObjectItem(unk, "system")->valuestring,
	                 "http://terminology.hl7.org/CodeSystem/v3-NullFlavor");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 3), "valueString")->valuestring,
	                 "White, Other race, Unknown");
	const cJSON *eth = ext_of(j, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity");
	const cJSON *esub = cJSON_GetObjectItem(eth, "extension");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(esub, 1), "valueString")->valuestring,
	                 "Hispanic or Latino");
	struct vax_error err = {0};
	ck_assert_msg(fhir_patient_from_json(j, &back, &err), "%s", err.message);
	ck_assert_int_eq(back.n_race, 3);
	ck_assert_str_eq(back.race[1], "2131-1");
	ck_assert_str_eq(back.race[2], "UNK");
	cJSON_Delete(j);
	/* "Other race" offered as an OMB category */
	j = cJSON_Parse(
	    "{\"resourceType\":\"Patient\",\"extension\":[{\"url\":\"http://hl7.org/fhir/us/core/"
	    "StructureDefinition/us-core-race\",\"extension\":[{\"url\":\"ombCategory\",\"valueCoding\":{"
	    "\"system\":\"urn:oid:2.16.840.1.113883.6.238\",\"code\":\"2131-1\"}},{\"url\":\"text\","
	    "\"valueString\":\"Other\"}]}]}");
	ck_assert(!fhir_patient_from_json(j, &back, &err));
	ck_assert_str_eq(err.code, "FHIR-INVALID");
	ck_assert_ptr_nonnull(strstr(err.message, "detailed"));
	cJSON_Delete(j);
	/* any CDC code in detailed is taken (the record keeps it); garbage is not */
	j = cJSON_Parse(
	    "{\"resourceType\":\"Patient\",\"extension\":[{\"url\":\"http://hl7.org/fhir/us/core/"
	    "StructureDefinition/us-core-race\",\"extension\":[{\"url\":\"ombCategory\",\"valueCoding\":{"
	    "\"system\":\"urn:oid:2.16.840.1.113883.6.238\",\"code\":\"2106-3\"}},{\"url\":\"detailed\","
	    "\"valueCoding\":{\"system\":\"urn:oid:2.16.840.1.113883.6.238\",\"code\":\"2108-9\"}},{"
	    "\"url\":\"text\",\"valueString\":\"European\"}]}]}");
	ck_assert_msg(fhir_patient_from_json(j, &back, &err), "%s", err.message);
	ck_assert_int_eq(back.n_race, 1);
	cJSON *code = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(
	        cJSON_GetArrayItem(
	            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "extension"), 0),
	                                "extension"),
	            1),
	        "valueCoding"),
	    "code");
	cJSON_SetValuestring(code, "eur");
	ck_assert(!fhir_patient_from_json(j, &back, &err));
	cJSON_Delete(j);
}
END_TEST

START_TEST(immunization_round_trip)
{
	struct immunization im, back;
	full_imm(&im);
	cJSON *j = fhir_immunization_to_json(&im);
	struct vax_error err = {0};
	ck_assert_msg(fhir_immunization_from_json(j, &back, &err), "%s", err.message);
	cJSON_Delete(j);
	ck_assert_str_eq(back.uuid, im.uuid);
	ck_assert_str_eq(back.client_id, "p1");
	ck_assert_str_eq(back.client_uuid, im.client_uuid);
	ck_assert(!back.subpotent);
	/* a subpotent dose stays one both ways */
	im.subpotent = true;
	cJSON *sj = fhir_immunization_to_json(&im);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(sj, "isSubpotent")));
	struct immunization sb;
	ck_assert_msg(fhir_immunization_from_json(sj, &sb, &err), "%s", err.message);
	ck_assert(sb.subpotent);
	cJSON_Delete(sj);
	im.subpotent = false;
	ck_assert_str_eq(back.cvx, "08");
	ck_assert_str_eq(back.mvx, "MSD");
	ck_assert_str_eq(back.ndc, "0006-4981-00");
	ck_assert_str_eq(back.lot, "X1234");
	ck_assert_int_eq(back.expiration, im.expiration);
	ck_assert_int_eq(back.dose_ul, 500);
	ck_assert_str_eq(back.route, "IM");
	ck_assert_str_eq(back.site, "LT");
	ck_assert_int_eq(back.n_vis, 1);
	ck_assert_int_eq(back.vis[0].presented, im.vis[0].presented);
	ck_assert_str_eq(back.funding, "VXC1");
	ck_assert_str_eq(back.vfc, "V02");
	ck_assert_int_eq(back.date_given, im.date_given);
	ck_assert(!back.historical);
	ck_assert_str_eq(back.provider, "N. Garza, RN");
	ck_assert_str_eq(back.org, "HILLPEDS");
	ck_assert_str_eq(back.org_name, "Hill Country Pediatrics");
	ck_assert_str_eq(back.note, "left thigh");
	ck_assert_str_eq(back.edit_reason, "lot number typed wrong");
	ck_assert_int_eq(back.capture.at, 1763800000);

	/* a refusal and a historical dose */
	imm_init(&im);
	strcpy(im.cvx, "03");
	im.date_given = ymd(2024, 2, 2);
	im.refused = true;
	strcpy(im.refusal_reason, "00");
	j = fhir_immunization_to_json(&im);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "not-done");
	ck_assert(fhir_immunization_from_json(j, &back, &err));
	cJSON_Delete(j);
	ck_assert(back.refused);
	ck_assert_str_eq(back.refusal_reason, "00");
	imm_init(&im);
	strcpy(im.cvx, "03");
	im.historical = true;
	strcpy(im.info_source, "01");
	j = fhir_immunization_to_json(&im);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "primarySource")));
	ck_assert(fhir_immunization_from_json(j, &back, &err));
	cJSON_Delete(j);
	ck_assert(back.historical);
	ck_assert_str_eq(back.info_source, "01");
}
END_TEST

static void expect_error(const char *json, const char *path, bool patient)
{
	cJSON *j = cJSON_Parse(json);
	ck_assert_ptr_nonnull(j);
	struct vax_error err = {0};
	struct client c;
	struct immunization im;
	bool ok = patient ? fhir_patient_from_json(j, &c, &err) : fhir_immunization_from_json(j, &im, &err);
	cJSON_Delete(j);
	ck_assert_msg(!ok, "accepted: %s", json);
	ck_assert_str_eq(err.code, "FHIR-INVALID");
	char p[160];
	fhir_error_path(&err, p, sizeof p);
	ck_assert_msg(!strcmp(p, path), "path '%s' for %s (%s)", p, json, err.message);
}

START_TEST(errors_name_the_field)
{
	expect_error("{\"resourceType\":\"Observation\"}", "Patient.resourceType", true);
	expect_error("[]", "Patient", true);
	expect_error("{\"resourceType\":\"Patient\",\"birthDate\":7}", "Patient.birthDate", true);
	expect_error("{\"resourceType\":\"Patient\",\"birthDate\":\"2020-13-01\"}", "Patient.birthDate",
	             true);
	expect_error("{\"resourceType\":\"Patient\",\"gender\":\"x\"}", "Patient.gender", true);
	expect_error("{\"resourceType\":\"Patient\",\"name\":{}}", "Patient.name", true);
	expect_error("{\"resourceType\":\"Patient\",\"name\":[{\"given\":[1]}]}", "Patient.name.given", true);
	expect_error("{\"resourceType\":\"Patient\",\"address\":[{\"line\":[\"a\",\"b\",\"c\"]}]}",
	             "Patient.address.line", true);
	expect_error("{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:ietf:rfc:3986\","
	             "\"value\":\"x\"}]}",
	             "Patient.identifier", true);
	expect_error("{\"resourceType\":\"Patient\",\"multipleBirthInteger\":1.5}",
	             "Patient.multipleBirthInteger", true);
	expect_error("{\"resourceType\":\"Immunization\",\"status\":\"done\"}", "Immunization.status", false);
	expect_error("{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"patient\":{\"reference\":"
	             "\"Group/1\"}}",
	             "Immunization.patient", false);
	expect_error(
	    "{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"doseQuantity\":{\"value\":\"x\"}}",
	    "Immunization.doseQuantity.value", false);
	expect_error("{\"resourceType\":\"Immunization\",\"status\":\"completed\",\"lotNumber\":\""
	             "012345678901234567890123456789012345\"}",
	             "Immunization.lotNumber", false);
}
END_TEST

START_TEST(related_and_consent)
{
	struct responsible_person rp = {0}, back;
	strcpy(rp.name.family, "Treviño");
	strcpy(rp.name.given, "Guadalupe");
	strcpy(rp.relationship, "MTH");
	strcpy(rp.phone.number, "9565550199");
	rp.address.since = DATE_NONE;
	cJSON *j = fhir_related_person_to_json(&rp, "Patient/p1");
	char ref[80];
	struct vax_error err = {0};
	ck_assert_msg(fhir_related_person_from_json(j, &back, ref, sizeof ref, &err), "%s", err.message);
	cJSON_Delete(j);
	ck_assert_str_eq(ref, "Patient/p1");
	ck_assert_str_eq(back.relationship, "MTH");
	ck_assert(!back.relationship_v3);
	/* a v3 RoleCode stays one; another system is refused */
	strcpy(rp.relationship, "GRPRN");
	rp.relationship_v3 = true;
	cJSON *v3 = fhir_related_person_to_json(&rp, "Patient/p1");
	const cJSON *rc = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(v3, "relationship"), 0), "coding"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(rc, "system")->valuestring,
	                 "http://terminology.hl7.org/CodeSystem/v3-RoleCode");
	struct responsible_person b3;
	ck_assert(fhir_related_person_from_json(v3, &b3, NULL, 0, &err));
	ck_assert(b3.relationship_v3);
	ck_assert_str_eq(b3.relationship, "GRPRN");
	cJSON_ReplaceItemInObject((cJSON *)rc, "system", cJSON_CreateString("urn:example:family"));
	ck_assert(!fhir_related_person_from_json(v3, &b3, NULL, 0, &err));
	ck_assert_str_eq(err.code, "FHIR-INVALID");
	cJSON_Delete(v3);
	strcpy(rp.relationship, "MTH");
	rp.relationship_v3 = false;
	ck_assert_str_eq(back.name.given, "Guadalupe");
	ck_assert_str_eq(back.phone.number, "9565550199");
	ck_assert_str_eq(back.version, "");
	/* meta.versionId as the registry sends it */
	j = cJSON_Parse("{\"resourceType\":\"RelatedPerson\",\"id\":\"rp1\",\"meta\":{\"versionId\":\"4\"},"
	                "\"patient\":{\"reference\":\"Patient/p1\"}}");
	ck_assert_msg(fhir_related_person_from_json(j, &back, NULL, 0, &err), "%s", err.message);
	cJSON_Delete(j);
	ck_assert_str_eq(back.id, "rp1");
	ck_assert_str_eq(back.version, "4");
	j = cJSON_Parse(
	    "{\"resourceType\":\"RelatedPerson\",\"meta\":\"4\",\"patient\":{\"reference\":\"Patient/p1\"}}");
	ck_assert(!fhir_related_person_from_json(j, &back, NULL, 0, &err));
	cJSON_Delete(j);
	ck_assert_str_eq(err.code, "FHIR-INVALID");

	struct consent cs = {.minor = CONSENT_GRANTED,
	                     .adult = CONSENT_REFUSED,
	                     .disaster_retention = true,
	                     .date = ymd(2025, 1, 1),
	                     .source = "signed form"},
	               cb;
	j = fhir_consent_to_json(&cs, "Patient/p1");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "rejected");
	ck_assert(fhir_consent_from_json(j, &cb, ref, sizeof ref, &err));
	cJSON_Delete(j);
	ck_assert_int_eq(cb.minor, CONSENT_GRANTED);
	ck_assert_int_eq(cb.adult, CONSENT_REFUSED);
	ck_assert(cb.disaster_retention);
	ck_assert_int_eq(cb.date, cs.date);
	ck_assert_str_eq(cb.source, "signed form");
	/* a consent must name its client */
	j = cJSON_Parse("{\"resourceType\":\"Consent\"}");
	ck_assert(!fhir_consent_from_json(j, &cb, ref, sizeof ref, &err));
	cJSON_Delete(j);
}
END_TEST

/* The local store keeps a client whole: responsible persons and consent
 * ride along as contained resources, with their UUIDs and ids. */
START_TEST(client_with_contained)
{
	struct client c, back;
	full_client(&c);
	c.n_resp = 2;
	memset(c.resp, 0, sizeof c.resp[0] * 2);
	strcpy(c.resp[0].name.family, "Treviño");
	strcpy(c.resp[0].name.given, "Guadalupe");
	strcpy(c.resp[0].relationship, "MTH");
	strcpy(c.resp[0].uuid, "0b8e3c52-8c1a-4e8e-9a39-2f6f1d7c0a11");
	strcpy(c.resp[0].id, "rp7");
	strcpy(c.resp[0].version, "3");
	c.resp[0].address.since = DATE_NONE;
	strcpy(c.resp[1].name.family, "Treviño");
	strcpy(c.resp[1].name.given, "Jesús");
	strcpy(c.resp[1].relationship, "FTH");
	strcpy(c.resp[1].id, "rp8");
	c.resp[1].removed = true;
	c.resp[1].address.since = DATE_NONE;
	memset(&c.consent, 0, sizeof c.consent);
	c.consent.minor = CONSENT_GRANTED;
	c.consent.date = ymd(2025, 1, 1);
	strcpy(c.consent.uuid, "4c9a7f3e-1d2b-4f6a-8e0c-5b7d9a1c3e22");
	strcpy(c.consent.id, "cs2");
	strcpy(c.consent.version, "5");
	cJSON *j = fhir_client_to_json(&c);
	struct vax_error err = {0};
	ck_assert_msg(fhir_client_from_json(j, &back, &err), "%s", err.message);
	ck_assert_int_eq(back.n_resp, 2);
	ck_assert_str_eq(back.resp[0].uuid, c.resp[0].uuid);
	ck_assert_str_eq(back.resp[0].id, "rp7");
	/* the version each was read at: the sync's If-Match for it */
	ck_assert_str_eq(back.resp[0].version, "3");
	ck_assert_str_eq(back.resp[1].version, "");
	ck_assert_str_eq(back.consent.id, "cs2");
	ck_assert_str_eq(back.consent.version, "5");
	ck_assert(!back.resp[0].removed);
	ck_assert(back.resp[1].removed);
	ck_assert_str_eq(back.consent.uuid, c.consent.uuid);
	ck_assert_int_eq(back.consent.minor, CONSENT_GRANTED);
	/* the Patient alone knows nothing of them */
	struct client p;
	ck_assert(fhir_patient_from_json(j, &p, &err));
	ck_assert_int_eq(p.n_resp, 0);
	cJSON_Delete(j);
	/* a client with neither has no contained list */
	c.n_resp = 0;
	memset(&c.consent, 0, sizeof c.consent);
	j = fhir_client_to_json(&c);
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "contained"));
	cJSON_Delete(j);
}
END_TEST

/* Every rule's field, and every field the rules name besides, has a
 * FHIRPath: an OperationOutcome never names an internal field. */
/* Every project extension URL in j (at any depth) into urls. */
static void ext_urls(const cJSON *j, char (*urls)[160], int *n)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, j)
	{
		if (c->string && !strcmp(c->string, "url") && cJSON_IsString(c) &&
		    !strncmp(c->valuestring, FHIR_EXT, strlen(FHIR_EXT))) {
			bool seen = false;
			for (int i = 0; i < *n && !seen; i++)
				seen = !strcmp(urls[i], c->valuestring);
			if (!seen && *n < 64)
				snprintf(urls[(*n)++], 160, "%s", c->valuestring);
		}
		ext_urls(c, urls, n);
	}
}

/* Every extension vaxdesk and vaxregd write has a StructureDefinition
 * served (registry/conformance.c): a record with every field set, its
 * responsible person and consent. */
START_TEST(extensions_defined)
{
	struct client c;
	full_client(&c);
	c.no_viable_address = true;
	struct immunization im;
	full_imm(&im);
	strcpy(im.delete_reason, "entered twice");
	im.subpotent = true;
	struct consent cs = {0};
	cs.minor = CONSENT_GRANTED;
	cs.adult = CONSENT_UNKNOWN;
	cs.date = ymd(2024, 1, 2);
	cs.disaster_retention = true;
	strcpy(cs.source, "form");
	cJSON *all[3] = {fhir_patient_to_json(&c), fhir_immunization_to_json(&im),
	                 fhir_consent_to_json(&cs, "Patient/p1")};
	char urls[64][160];
	int n = 0;
	for (int i = 0; i < 3; i++) {
		ext_urls(all[i], urls, &n);
		cJSON_Delete(all[i]);
	}
	for (int i = 0; i < n; i++)
		ck_assert_msg(reg_extension_defined(urls[i]), "no StructureDefinition for %s", urls[i]);
	ck_assert_int_eq(n, 19);
	ck_assert(!reg_extension_defined(FHIR_EXT "no-such-extension"));
}
END_TEST

/* An operation's plain answer and its Parameters form, both ways. */
START_TEST(parameters_tree)
{
	cJSON *tree = cJSON_Parse("{\"group\":\"Group/g1\",\"grade\":\"K\",\"date\":\"2024-08-20\","
	                          "\"total\":2,\"students\":[{\"patient\":\"Patient/a\",\"compliant\":true,"
	                          "\"requirements\":[{\"vaccine\":\"Tdap/Td\",\"status\":\"met\","
	                          "\"validDoses\":1}]},{\"patient\":\"Patient/b\",\"error\":\"gone\"}]}");
	cJSON *p = fhir_parameters_from_tree(tree);
	const cJSON *ps = cJSON_GetObjectItem(p, "parameter");
	ck_assert_str_eq(cJSON_GetObjectItem(p, "resourceType")->valuestring, "Parameters");
	const cJSON *g = cJSON_GetArrayItem(ps, 0);
	ck_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(g, "valueReference"), "reference")->valuestring,
	    "Group/g1");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(ps, 2), "valueDate")->valuestring,
	                 "2024-08-20");
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(ps, 3), "valueInteger")->valueint, 2);
	const cJSON *st = cJSON_GetArrayItem(ps, 4);
	ck_assert_str_eq(cJSON_GetObjectItem(st, "name")->valuestring, "student");
	const cJSON *req = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "part"), 2);
	ck_assert_str_eq(cJSON_GetObjectItem(req, "name")->valuestring, "requirement");
	const cJSON *vac = cJSON_GetArrayItem(cJSON_GetObjectItem(req, "part"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(vac, "valueString")->valuestring, "Tdap/Td");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(req, "part"), 1), "valueCode")
	        ->valuestring,
	    "met");
	cJSON *back = fhir_parameters_to_tree(p);
	ck_assert(cJSON_Compare(back, tree, true));
	cJSON_Delete(back);
	cJSON_Delete(p);
	cJSON_Delete(tree);
}
END_TEST

START_TEST(rule_paths)
{
	static const char *resources[] = {"Patient", "Immunization", "RelatedPerson", "Consent"};
	static const char *fields[] = {
	    "aka.family",     "aka.given",   "aka.middle", "name.middle", "mother_maiden",     "mother_given",
	    "race",           "ethnicity",   "route",      "site",        "funding",           "vfc",
	    "refusal_reason", "resp.family", "resp.given", "resp.middle", "resp.relationship", "resp.phone",
	    "resp.zip",       "resp.state"};
	for (int r = 0; r < RULE_COUNT; r++) {
		if (r == RULE_CODE_UNKNOWN)
			continue; /* always given the field of the code */
		bool found = false;
		for (size_t k = 0; k < 4 && !found; k++)
			found = fhir_rule_path(resources[k], rule_field((enum rule_id)r)) != NULL;
		ck_assert_msg(found, "rule %s: field %s has no FHIRPath", rule_code((enum rule_id)r),
		              rule_field((enum rule_id)r));
	}
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		bool found = false;
		for (size_t k = 0; k < 4 && !found; k++)
			found = fhir_rule_path(resources[k], fields[i]) != NULL;
		ck_assert_msg(found, "field %s has no FHIRPath", fields[i]);
	}
	ck_assert_str_eq(fhir_rule_path("Patient", "address.county"), "Patient.address[0].district");
	ck_assert_str_eq(fhir_rule_path("Immunization", "lot"), "Immunization.lotNumber");
	/* mapping errors name project extensions by their URL */
	struct vax_error err = {0};
	char buf[200];
	error_set(&err, "FHIR-INVALID",
	          "Patient.extension(comment): has more comments than the registry keeps.");
	ck_assert_str_eq(fhir_error_path(&err, buf, sizeof buf),
	                 "Patient.extension('https://vaxdesk.org/fhir/StructureDefinition/comment')");
	error_set(&err, "FHIR-INVALID", "Patient.extension(race): ombCategory needs a valueCoding.");
	ck_assert_str_eq(fhir_error_path(&err, buf, sizeof buf),
	                 "Patient.extension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-race')");
	error_set(&err, "FHIR-INVALID", "Patient.birthDate: not a date.");
	ck_assert_str_eq(fhir_error_path(&err, buf, sizeof buf), "Patient.birthDate");
}
END_TEST

START_TEST(outcomes)
{
	struct rule_report rep;
	rules_report_init(&rep);
	rep.v[0].rule = RULE_DOB_FUTURE;
	rep.v[0].field = "dob";
	rep.v[0].detail[0] = '\0';
	rep.n = 1;
	cJSON *oo = fhir_outcome_from_rules(&rep, "Patient");
	const cJSON *i0 = cJSON_GetArrayItem(cJSON_GetObjectItem(oo, "issue"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(i0, "severity")->valuestring, "error");
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(i0, "expression"), 0)->valuestring,
	                 "Patient.birthDate");
	struct vax_error err = {0};
	ck_assert(fhir_outcome_read(oo, &err));
	ck_assert_str_eq(err.code, "V-DOB-FUTURE");
	ck_assert_str_eq(err.message, rule_message(RULE_DOB_FUTURE));
	cJSON_Delete(oo);
	oo = fhir_outcome_new("warning", "informational", NULL, "fyi", NULL);
	fhir_outcome_add(oo, "error", "not-found", "NOT-FOUND", "gone", "Patient.id");
	ck_assert(fhir_outcome_read(oo, &err));
	ck_assert_str_eq(err.code, "NOT-FOUND");
	ck_assert_str_eq(err.message, "gone");
	cJSON_Delete(oo);
	cJSON *p = cJSON_Parse("{\"resourceType\":\"Patient\"}");
	ck_assert(!fhir_outcome_read(p, &err));
	cJSON_Delete(p);
}
END_TEST

START_TEST(names_without_official)
{
	struct client c;
	struct vax_error err = {0};
	cJSON *j =
	    cJSON_Parse("{\"resourceType\":\"Patient\",\"name\":[{\"use\":\"old\",\"family\":\"Garza\"},"
	                "{\"use\":\"usual\",\"family\":\"Treviño\",\"given\":[\"Ana\"]}]}");
	ck_assert(fhir_patient_from_json(j, &c, &err));
	cJSON_Delete(j);
	ck_assert_str_eq(c.name.family, "Treviño");
	ck_assert_int_eq(c.n_aka, 1);
	ck_assert_str_eq(c.aka[0].family, "Garza");
	/* an AKA comes back as a former name, the client's name as official */
	j = fhir_patient_to_json(&c);
	const cJSON *n0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "name"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(n0, "use")->valuestring, "official");
	cJSON_Delete(j);
}
END_TEST

START_TEST(keep_elements)
{
	cJSON *j =
	    cJSON_Parse("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"versionId\":\"2\"},"
	                "\"name\":[{\"family\":\"Doe\"}],\"birthDate\":\"2020-01-01\","
	                "\"address\":[{\"city\":\"Austin\"}],\"telecom\":[{\"value\":\"5125550100\"}]}");
	/* what the forecast request keeps: no meta, no address, no telephone */
	fhir_keep_elements(j, "id,name,birthDate", NULL);
	char *t = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(t, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Doe\"}],"
	                    "\"birthDate\":\"2020-01-01\"}");
	free(t);
	cJSON_Delete(j);
	/* _elements: the asked ones, and always id and meta */
	j = cJSON_Parse("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{},\"gender\":\"female\","
	                "\"birthDate\":\"2020-01-01\"}");
	fhir_keep_elements(j, "gender", "id,meta");
	t = cJSON_PrintUnformatted(j);
	ck_assert_str_eq(t, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{},\"gender\":\"female\"}");
	free(t);
	cJSON_Delete(j);
	/* a list item is a whole name, never a prefix */
	ck_assert(text_in_list("id,name,gender", "name"));
	ck_assert(!text_in_list("id,names", "name"));
	ck_assert(!text_in_list(NULL, "id"));
}
END_TEST

START_TEST(references)
{
	ck_assert_str_eq(fhir_ref_id("Patient/abc", "Patient"), "abc");
	ck_assert_ptr_null(fhir_ref_id("Patient/", "Patient"));
	ck_assert_ptr_null(fhir_ref_id("Patients/abc", "Patient"));
	ck_assert_ptr_null(fhir_ref_id("Patient/abc/_history/2", "Patient"));
	ck_assert_ptr_null(fhir_ref_id("urn:uuid:x", "Patient"));
	ck_assert_ptr_null(fhir_ref_id(NULL, "Patient"));
}
END_TEST

Suite *fhir_suite(void)
{
	Suite *s = suite_create("fhir");
	TCase *tc = tcase_create("mapping");
	tcase_add_test(tc, patient_round_trip);
	tcase_add_test(tc, immunization_round_trip);
	tcase_add_test(tc, errors_name_the_field);
	tcase_add_test(tc, related_and_consent);
	tcase_add_test(tc, client_with_contained);
	tcase_add_test(tc, outcomes);
	tcase_add_test(tc, rule_paths);
	tcase_add_test(tc, extensions_defined);
	tcase_add_test(tc, parameters_tree);
	tcase_add_test(tc, race_us_core);
	tcase_add_test(tc, names_without_official);
	tcase_add_test(tc, references);
	tcase_add_test(tc, keep_elements);
	suite_add_tcase(s, tc);
	return s;
}
