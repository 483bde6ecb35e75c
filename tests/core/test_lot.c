/* tests/core/test_lot.c - core/lot.h (a lot as FHIR Medication, what may be
 * given, lot numbers, the 9-digit registry ID) and core/county.h. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/county.h"
#include "core/lot.h"
#include "tests/suites.h"

static struct vax_lot sample(void)
{
	struct vax_lot l;
	lot_init(&l);
	snprintf(l.cvx, sizeof l.cvx, "21");
	snprintf(l.mvx, sizeof l.mvx, "MSD");
	snprintf(l.lot, sizeof l.lot, "VAR26B");
	snprintf(l.funding, sizeof l.funding, "VXC1");
	l.expiry = date_from_ymd(2027, 6, 30);
	l.doses = 5;
	return l;
}

START_TEST(lot_round_trip)
{
	struct vax_lot l = sample(), back;
	struct vax_error err;
	cJSON *j = lot_to_json(&l);
	ck_assert(lot_from_json(j, &back, &err));
	ck_assert_str_eq(back.cvx, "21");
	ck_assert_str_eq(back.mvx, "MSD");
	ck_assert_str_eq(back.lot, "VAR26B");
	ck_assert_str_eq(back.funding, "VXC1");
	ck_assert_int_eq(back.expiry, l.expiry);
	ck_assert_int_eq(back.doses, 5);
	ck_assert(back.active);
	cJSON_Delete(j);

	/* what a reader must refuse, with the path */
	static const char *const bad[][2] = {
	    {"{\"resourceType\":\"Patient\"}", "Medication.resourceType"},
	    {"{\"resourceType\":\"Medication\",\"batch\":{\"lotNumber\":\"X12\"}}", "Medication.code"},
	    {"{\"resourceType\":\"Medication\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/"
	     "cvx\","
	     "\"code\":\"21\"}]}}",
	     "Medication.batch.lotNumber"},
	    {"{\"resourceType\":\"Medication\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/"
	     "cvx\","
	     "\"code\":\"21\"}]},\"batch\":{\"lotNumber\":\"X12\",\"expirationDate\":\"06/30/2027\"}}",
	     "Medication.batch.expirationDate"},
	    {"{\"resourceType\":\"Medication\",\"status\":\"gone\",\"code\":{\"coding\":[{\"system\":"
	     "\"http://hl7.org/fhir/sid/cvx\",\"code\":\"21\"}]},\"batch\":{\"lotNumber\":\"X12\"}}",
	     "Medication.status"},
	    {"{\"resourceType\":\"Medication\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/"
	     "cvx\","
	     "\"code\":\"21\"}]},\"batch\":{\"lotNumber\":\"X12\"},\"extension\":[{\"url\":"
	     "\"https://vaxdesk.org/fhir/StructureDefinition/doses-on-hand\",\"valueInteger\":-3}]}",
	     "Medication.extension"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cJSON *b = cJSON_Parse(bad[i][0]);
		ck_assert_ptr_nonnull(b);
		ck_assert_msg(!lot_from_json(b, &back, &err), "accepted: %s", bad[i][0]);
		ck_assert_str_eq(err.code, "FHIR-INVALID");
		ck_assert_msg(!strncmp(err.message, bad[i][1], strlen(bad[i][1])), "%s", err.message);
		cJSON_Delete(b);
	}
}
END_TEST

START_TEST(lot_usable_today)
{
	struct vax_lot l = sample();
	char why[96];
	vax_date today = date_from_ymd(2026, 12, 7);
	ck_assert(lot_usable(&l, today));
	ck_assert_ptr_null(lot_refusal(&l, today, why, sizeof why));
	/* the last day is still good; the day after is not */
	ck_assert(lot_usable(&l, date_from_ymd(2027, 6, 30)));
	ck_assert_str_eq(lot_refusal(&l, date_from_ymd(2027, 7, 1), why, sizeof why),
	                 "lot VAR26B expired on 06/30/2027");
	l.doses = 0;
	ck_assert_str_eq(lot_refusal(&l, today, why, sizeof why), "lot VAR26B has no doses left");
	l.doses = 3;
	l.active = false;
	ck_assert_str_eq(lot_refusal(&l, today, why, sizeof why), "lot VAR26B is taken out of use");
}
END_TEST

START_TEST(lot_numbers)
{
	ck_assert_ptr_null(lot_number_check("VAR26B"));
	ck_assert_ptr_null(lot_number_check("U7012-AA"));
	ck_assert_ptr_null(lot_number_check(""));
	ck_assert_str_eq(lot_number_check("n/a"),
	                 "Type the lot number printed on the vial, not a placeholder.");
	ck_assert_str_eq(lot_number_check("UNK"),
	                 "Type the lot number printed on the vial, not a placeholder.");
	ck_assert_str_eq(lot_number_check("AB 12"), "A lot number has letters, digits and hyphens only.");
	ck_assert_str_eq(lot_number_check("A1"), "A lot number has at least 3 characters.");
	ck_assert_str_eq(lot_number_check("ABCDE"), "A lot number has at least one digit.");
	ck_assert(lot_number_same("var-26b", "VAR26B"));
	ck_assert(!lot_number_same("VAR26C", "VAR26B"));
	ck_assert(!lot_number_same("", ""));
}
END_TEST

START_TEST(registry_ids)
{
	char id[REGID_LEN], d[REGID_LEN];
	/* Luhn: 7992739871 has the check digit 3 (the textbook example) */
	ck_assert_int_eq(regid_check_digit("7992739871"), '3');
	ck_assert_int_eq(regid_check_digit("12a"), '\0');
	regid_make(0, id);
	ck_assert_str_eq(id, "100000009");
	ck_assert(regid_valid(id));
	regid_make(123456789ul, id);
	ck_assert_uint_eq(strlen(id), 9);
	ck_assert(id[0] != '0');
	ck_assert(regid_valid(id));
	/* one digit wrong, or two swapped: caught */
	char typo[REGID_LEN];
	memcpy(typo, id, sizeof typo);
	typo[3] = typo[3] == '9' ? '0' : (char)(typo[3] + 1);
	ck_assert(!regid_valid(typo));
	memcpy(typo, "010000009", sizeof typo); /* the first two swapped */
	ck_assert(!regid_valid(typo));
	/* read over the phone in groups */
	ck_assert(regid_normalize("100 000 009", d));
	ck_assert_str_eq(d, "100000009");
	ck_assert(regid_valid("100-000-009"));
	ck_assert(!regid_normalize("10000000", d));   /* eight digits: a birth date */
	ck_assert(!regid_normalize("1000000091", d)); /* ten */
	ck_assert(!regid_normalize("10000000x", d));
	struct client c;
	client_init(&c);
	ck_assert_str_eq(regid_of(&c), "");
	snprintf(c.ident[0].type, sizeof c.ident[0].type, "SR");
	snprintf(c.ident[0].system, sizeof c.ident[0].system, "%s", REGID_SYSTEM);
	snprintf(c.ident[0].value, sizeof c.ident[0].value, "100000009");
	c.n_ident = 1;
	ck_assert_str_eq(regid_of(&c), "100000009");
}
END_TEST

START_TEST(counties)
{
	static const char csv[] = "state,fips,county,census_name\n"
	                          "TX,48451,Tom Green,Tom Green County\n"
	                          "TX,48453,Travis,Travis County\n"
	                          "VA,51515,Bedford city,Bedford city\n";
	struct vax_error err;
	struct county_list *l = county_list_parse("counties.csv", csv, sizeof csv - 1, &err);
	ck_assert_ptr_nonnull(l);
	size_t n;
	const struct county *tx = county_of_state(l, "tx", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(tx[1].name, "Travis");
	ck_assert_ptr_null(county_of_state(l, "CA", &n));
	ck_assert_str_eq(county_find(l, "TX", "travis")->fips, "48453");
	ck_assert_str_eq(county_find(l, "TX", "48451")->name, "Tom Green");
	ck_assert_str_eq(county_find(l, "TX", "Travis County")->name, "Travis");
	ck_assert_ptr_null(county_find(l, "TX", "Travs"));
	ck_assert_ptr_null(county_find(l, "VA", "Travis"));
	county_list_free(&l);
	ck_assert_ptr_null(l);

	static const char bad[] = "state,fips,county,census_name\nTX,4845,Travis,Travis County\n";
	ck_assert_ptr_null(county_list_parse("counties.csv", bad, sizeof bad - 1, &err));
	ck_assert_str_eq(err.message, "counties.csv:2: not a county (state, 5-digit FIPS, name)");
	static const char hdr[] = "st,fips,county,census_name\n";
	ck_assert_ptr_null(county_list_parse("counties.csv", hdr, sizeof hdr - 1, &err));
	ck_assert_str_eq(err.message, "counties.csv:1: the columns are not state,fips,county,census_name");
	size_t ns;
	const struct us_state *st = county_states(&ns);
	ck_assert_uint_ge(ns, 51);
	for (size_t i = 1; i < ns; i++)
		ck_assert_int_lt(strcmp(st[i - 1].code, st[i].code), 0);
}
END_TEST

Suite *lot_suite(void)
{
	Suite *s = suite_create("lot");
	TCase *tc = tcase_create("lot");
	tcase_add_test(tc, lot_round_trip);
	tcase_add_test(tc, lot_usable_today);
	tcase_add_test(tc, lot_numbers);
	tcase_add_test(tc, registry_ids);
	tcase_add_test(tc, counties);
	suite_add_tcase(s, tc);
	return s;
}
