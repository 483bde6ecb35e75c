/* tests/core/test_rules.c - every validation rule, once passing and once
 * failing, against CDC's shipped code tables. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "core/text.h"
#include "sys/codeload.h"
#include "sys/fileio.h"
#include "tests/testutil.h"
#include "tests/suites.h"

static struct codes *codes;
static struct rule_ctx ctx;

static void setup(void)
{
	struct vax_error err = {0};
	codes = codeload_default(&err);
	if (!codes)
		ck_abort_msg("%s", err.message);
	ctx = (struct rule_ctx){.today = date_from_ymd(2026, 11, 22), .codes = codes, .new_record = true};
}

static void teardown(void)
{
	codes_free(&codes);
}

/* A client every rule accepts. */
static void good_client(struct client *c)
{
	client_init(c);
	text_copy(c->name.family, sizeof c->name.family, "Peña-García");
	text_copy(c->name.given, sizeof c->name.given, "José");
	text_copy(c->name.middle, sizeof c->name.middle, "D'Angelo");
	c->dob = date_from_ymd(2024, 2, 29);
	c->sex = SEX_MALE;
	c->n_addr = 1;
	text_copy(c->addr[0].line1, sizeof c->addr[0].line1, "100 Congress Ave");
	text_copy(c->addr[0].city, sizeof c->addr[0].city, "Austin");
	text_copy(c->addr[0].state, sizeof c->addr[0].state, "TX");
	text_copy(c->addr[0].zip, sizeof c->addr[0].zip, "78701");
	text_copy(c->addr[0].county, sizeof c->addr[0].county, "Travis");
	c->n_phone = 1;
	text_copy(c->phone[0].number, sizeof c->phone[0].number, "5125550100");
	c->n_race = 1;
	text_copy(c->race[0], sizeof c->race[0], "2106-3");
	text_copy(c->ethnicity, sizeof c->ethnicity, "2135-2");
}

/* A dose given today at 2 years old that every rule accepts. */
static void good_shot(struct immunization *im)
{
	imm_init(im);
	text_copy(im->cvx, sizeof im->cvx, "20");
	text_copy(im->mvx, sizeof im->mvx, "SKB");
	text_copy(im->lot, sizeof im->lot, "A1B2C3");
	im->expiration = date_from_ymd(2027, 6, 30);
	im->date_given = ctx.today;
	text_copy(im->route, sizeof im->route, "C28161");
	text_copy(im->site, sizeof im->site, "LT");
	text_copy(im->funding, sizeof im->funding, "VXC1");
	text_copy(im->vfc, sizeof im->vfc, "V02");
}

static bool client_has(const struct client *c, enum rule_id r)
{
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_client(&ctx, c, &rep);
	for (int i = 0; i < rep.n; i++)
		if (rep.v[i].rule == r)
			return true;
	return false;
}

static int client_count(const struct client *c)
{
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_client(&ctx, c, &rep);
	return rep.n;
}

static bool shot_has(const struct immunization *im, enum rule_id r)
{
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_immunization(&ctx, date_from_ymd(2024, 2, 29), im, &rep);
	for (int i = 0; i < rep.n; i++)
		if (rep.v[i].rule == r)
			return true;
	return false;
}

static int shot_count(const struct immunization *im)
{
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_immunization(&ctx, date_from_ymd(2024, 2, 29), im, &rep);
	for (int i = 0; i < rep.n; i++)
		fprintf(stderr, "unexpected: %s %s\n", rule_code(rep.v[i].rule), rep.v[i].detail);
	return rep.n;
}

START_TEST(good_records_pass)
{
	struct client c;
	struct immunization im;
	good_client(&c);
	good_shot(&im);
	ck_assert_int_eq(client_count(&c), 0);
	ck_assert_int_eq(shot_count(&im), 0);
}
END_TEST

START_TEST(names)
{
	struct client c;
	good_client(&c);
	c.name.family[0] = '\0';
	ck_assert(client_has(&c, RULE_NAME_FAMILY_MISSING));
	good_client(&c);
	c.name.given[0] = '\0';
	ck_assert(client_has(&c, RULE_NAME_GIVEN_MISSING));
	good_client(&c);
	ck_assert(!client_has(&c, RULE_NAME_CHARS));
	text_copy(c.name.given, sizeof c.name.given, "J0sé");
	ck_assert(client_has(&c, RULE_NAME_CHARS));
	/* every accepted and refused form */
	ck_assert(rules_name_ok("Nguyễn"));
	ck_assert(rules_name_ok("O'Neil"));
	ck_assert(rules_name_ok("O\xE2\x80\x99Neil")); /* typographic apostrophe */
	ck_assert(rules_name_ok("de la Cruz"));
	ck_assert(rules_name_ok("Jose\xCC\x81")); /* decomposed é */
	ck_assert(!rules_name_ok("Smith2"));
	ck_assert(!rules_name_ok("Smith;DROP"));
	ck_assert(!rules_name_ok("--"));
	ck_assert(!rules_name_ok("\xCC\x81")); /* an accent with no letter */
	ck_assert(!rules_name_ok("\xC3"));     /* broken UTF-8 */
	ck_assert(!rules_name_ok("Baby.Boy"));
	/* AKA and mother's maiden name follow the same rule */
	good_client(&c);
	text_copy(c.mother_maiden, sizeof c.mother_maiden, "Lopez#");
	ck_assert(client_has(&c, RULE_NAME_CHARS));
	good_client(&c);
	struct person_name aka = {.family = "Smith", .given = "Jo3"};
	ck_assert(client_add_aka(&c, &aka));
	ck_assert(client_has(&c, RULE_NAME_CHARS));
}
END_TEST

START_TEST(dob)
{
	struct client c;
	good_client(&c);
	c.dob = DATE_NONE;
	ck_assert(client_has(&c, RULE_DOB_MISSING));
	good_client(&c);
	c.dob = date_add_days(ctx.today, 1);
	ck_assert(client_has(&c, RULE_DOB_FUTURE));
	c.dob = ctx.today; /* born today is fine */
	ck_assert(!client_has(&c, RULE_DOB_FUTURE));
	c.dob = date_from_ymd(1889, 12, 31);
	ck_assert(client_has(&c, RULE_DOB_TOO_OLD));
	c.dob = date_from_ymd(1890, 1, 1);
	ck_assert(!client_has(&c, RULE_DOB_TOO_OLD));
}
END_TEST

START_TEST(sex_county_address_phone)
{
	struct client c;
	good_client(&c);
	c.sex = SEX_NONE;
	ck_assert(client_has(&c, RULE_SEX_MISSING));
	c.sex = SEX_UNKNOWN;
	ck_assert(!client_has(&c, RULE_SEX_MISSING));

	good_client(&c);
	c.addr[0].county[0] = '\0';
	ck_assert(client_has(&c, RULE_COUNTY_MISSING));
	ctx.new_record = false; /* an existing record may lack it */
	ck_assert(!client_has(&c, RULE_COUNTY_MISSING));
	ctx.new_record = true;
	c.n_addr = 0;
	ck_assert(client_has(&c, RULE_COUNTY_MISSING));

	good_client(&c);
	ck_assert(!client_has(&c, RULE_COUNTY_FORMAT));
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "St. Clair");
	ck_assert(!client_has(&c, RULE_COUNTY_FORMAT));
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "Doña Ana");
	ck_assert(!client_has(&c, RULE_COUNTY_FORMAT));
	/* a FIPS county code (what HL7 sends) is a county too, checked against the state */
	text_copy(c.addr[0].state, sizeof c.addr[0].state, "TX");
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "48453");
	ck_assert(!client_has(&c, RULE_COUNTY_FORMAT));
	ck_assert(!client_has(&c, RULE_COUNTY_STATE));
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "78701"); /* a ZIP code in the county field */
	ck_assert(client_has(&c, RULE_COUNTY_STATE));
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "4845");
	ck_assert(client_has(&c, RULE_COUNTY_FORMAT));
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "Travis!");
	ck_assert(client_has(&c, RULE_COUNTY_FORMAT));
	text_copy(c.addr[0].county, sizeof c.addr[0].county, "--");
	ck_assert(client_has(&c, RULE_COUNTY_FORMAT));

	good_client(&c);
	text_copy(c.addr[0].zip, sizeof c.addr[0].zip, "7870");
	ck_assert(client_has(&c, RULE_ZIP_FORMAT));
	text_copy(c.addr[0].zip, sizeof c.addr[0].zip, "78701-1234");
	ck_assert(!client_has(&c, RULE_ZIP_FORMAT));
	text_copy(c.addr[0].state, sizeof c.addr[0].state, "Tx");
	ck_assert(client_has(&c, RULE_STATE_FORMAT));

	good_client(&c);
	text_copy(c.phone[0].number, sizeof c.phone[0].number, "555010");
	ck_assert(client_has(&c, RULE_PHONE_FORMAT));
	text_copy(c.phone[0].number, sizeof c.phone[0].number, "0125550100");
	ck_assert(client_has(&c, RULE_PHONE_FORMAT));
	text_copy(c.phone[0].number, sizeof c.phone[0].number, "(512) 555-0100");
	ck_assert(!client_has(&c, RULE_PHONE_FORMAT));
}
END_TEST

START_TEST(client_codes)
{
	struct client c;
	good_client(&c);
	text_copy(c.race[0], sizeof c.race[0], "9999-9");
	ck_assert(client_has(&c, RULE_CODE_UNKNOWN));
	good_client(&c);
	c.n_resp = 1;
	text_copy(c.resp[0].name.family, sizeof c.resp[0].name.family, "García");
	text_copy(c.resp[0].relationship, sizeof c.resp[0].relationship, "MTH");
	ck_assert(!client_has(&c, RULE_CODE_UNKNOWN));
	text_copy(c.resp[0].relationship, sizeof c.resp[0].relationship, "ZZZ");
	ck_assert(client_has(&c, RULE_CODE_UNKNOWN));
}
END_TEST

START_TEST(shot_dates)
{
	struct immunization im;
	good_shot(&im);
	im.date_given = DATE_NONE;
	ck_assert(shot_has(&im, RULE_SHOT_DATE_MISSING));
	good_shot(&im);
	im.date_given = date_add_days(ctx.today, 1);
	ck_assert(shot_has(&im, RULE_SHOT_FUTURE));
	good_shot(&im);
	im.historical = true;
	text_copy(im.info_source, sizeof im.info_source, "03");
	im.date_given = date_from_ymd(2024, 2, 28);
	ck_assert(shot_has(&im, RULE_SHOT_BEFORE_DOB));
	im.date_given = date_from_ymd(2024, 2, 29); /* on the birthday: hep B at birth */
	ck_assert(!shot_has(&im, RULE_SHOT_BEFORE_DOB));
	good_shot(&im);
	im.expiration = date_add_days(ctx.today, -1);
	ck_assert(shot_has(&im, RULE_EXPIRED_BEFORE_SHOT));
	im.expiration = ctx.today; /* usable through its expiration day */
	ck_assert(!shot_has(&im, RULE_EXPIRED_BEFORE_SHOT));
}
END_TEST

START_TEST(shot_cvx_mvx)
{
	struct immunization im;
	good_shot(&im);
	im.cvx[0] = '\0';
	ck_assert(shot_has(&im, RULE_CVX_MISSING));
	text_copy(im.cvx, sizeof im.cvx, "555");
	ck_assert(shot_has(&im, RULE_CVX_UNKNOWN));
	text_copy(im.cvx, sizeof im.cvx, "8"); /* "08" without its zero is not a code */
	ck_assert(shot_has(&im, RULE_CVX_UNKNOWN));

	/* a Never Active code is refused even as history */
	const struct cvx_info *all;
	size_t n = codes_cvx_all(codes, &all);
	const char *never = NULL, *inactive = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!never && all[i].status == CVX_NEVER_ACTIVE)
			never = all[i].code;
		if (!inactive && all[i].status == CVX_INACTIVE && !all[i].unspecified)
			inactive = all[i].code;
	}
	ck_assert_ptr_nonnull(never);
	good_shot(&im);
	im.mvx[0] = '\0';
	text_copy(im.cvx, sizeof im.cvx, never);
	ck_assert(shot_has(&im, RULE_CVX_NEVER_ACTIVE));

	/* inactive: not for a dose given today, fine as history */
	text_copy(im.cvx, sizeof im.cvx, inactive);
	ck_assert(shot_has(&im, RULE_CVX_NOT_ACTIVE));
	im.historical = true;
	text_copy(im.info_source, sizeof im.info_source, "01");
	ck_assert(!shot_has(&im, RULE_CVX_NOT_ACTIVE));

	/* unspecified formulation: history only */
	good_shot(&im);
	im.mvx[0] = '\0';
	text_copy(im.cvx, sizeof im.cvx, "107");
	ck_assert(shot_has(&im, RULE_CVX_UNSPECIFIED));
	im.historical = true;
	text_copy(im.info_source, sizeof im.info_source, "04");
	ck_assert(!shot_has(&im, RULE_CVX_UNSPECIFIED));

	good_shot(&im);
	text_copy(im.mvx, sizeof im.mvx, "ZZZ");
	ck_assert(shot_has(&im, RULE_MVX_UNKNOWN));
	text_copy(im.mvx, sizeof im.mvx, "MSD"); /* Merck makes no DTaP */
	ck_assert(shot_has(&im, RULE_MVX_MISMATCH));
	text_copy(im.mvx, sizeof im.mvx, "PMC"); /* Daptacel/Tripedia */
	ck_assert(!shot_has(&im, RULE_MVX_MISMATCH));
	/* the NDC: the code system's form, in CDC's tables, of this vaccine */
	text_copy(im.ndc, sizeof im.ndc, "58160-810-52"); /* Infanrix, DTaP (CVX 20) */
	ck_assert(!shot_has(&im, RULE_NDC_FORMAT) && !shot_has(&im, RULE_NDC_UNKNOWN) &&
	          !shot_has(&im, RULE_NDC_MISMATCH));
	text_copy(im.ndc, sizeof im.ndc, "58160081052");
	ck_assert(!shot_has(&im, RULE_NDC_FORMAT) && !shot_has(&im, RULE_NDC_UNKNOWN));
	text_copy(im.ndc, sizeof im.ndc, "58160-0810-52");
	ck_assert(shot_has(&im, RULE_NDC_FORMAT));
	text_copy(im.ndc, sizeof im.ndc, "12345-678-90");
	ck_assert(shot_has(&im, RULE_NDC_UNKNOWN));
	text_copy(im.ndc, sizeof im.ndc, "0006-4109-02"); /* Gardasil: HPV, not DTaP */
	ck_assert(shot_has(&im, RULE_NDC_MISMATCH));
	im.ndc[0] = '\0';
	/* an unknown vaccine does not hide an unknown manufacturer */
	text_copy(im.cvx, sizeof im.cvx, "900");
	text_copy(im.mvx, sizeof im.mvx, "ZZZ");
	ck_assert(shot_has(&im, RULE_CVX_UNKNOWN));
	ck_assert(shot_has(&im, RULE_MVX_UNKNOWN));
}
END_TEST

START_TEST(shot_lot_funding_vfc)
{
	struct immunization im;
	good_shot(&im);
	im.lot[0] = '\0';
	ck_assert(shot_has(&im, RULE_LOT_MISSING));
	im.historical = true; /* history from a card has no lot */
	text_copy(im.info_source, sizeof im.info_source, "03");
	ck_assert(!shot_has(&im, RULE_LOT_MISSING));

	good_shot(&im);
	im.funding[0] = '\0';
	ck_assert(shot_has(&im, RULE_FUNDING_MISSING));
	good_shot(&im);
	im.vfc[0] = '\0';
	ck_assert(shot_has(&im, RULE_VFC_MISSING));

	/* an adult dose needs neither */
	struct rule_report rep;
	rules_report_init(&rep);
	good_shot(&im);
	im.funding[0] = im.vfc[0] = '\0';
	rules_check_immunization(&ctx, date_from_ymd(1980, 5, 1), &im, &rep);
	ck_assert_int_eq(rep.n, 0);
	/* 18 years and 364 days is still pediatric */
	rules_report_init(&rep);
	rules_check_immunization(&ctx, date_add_days(date_add_months(ctx.today, -19, 0), 1), &im, &rep);
	ck_assert(rules_for_field(&rep, "funding") != NULL);

	good_shot(&im);
	text_copy(im.route, sizeof im.route, "XX");
	ck_assert(shot_has(&im, RULE_CODE_UNKNOWN));
	good_shot(&im);
	text_copy(im.site, sizeof im.site, "LEFTARM");
	ck_assert(shot_has(&im, RULE_CODE_UNKNOWN));
	good_shot(&im);
	text_copy(im.vfc, sizeof im.vfc, "V99");
	ck_assert(shot_has(&im, RULE_CODE_UNKNOWN));
}
END_TEST

START_TEST(refusal_and_history)
{
	struct immunization im;
	good_shot(&im);
	im.refused = true;
	im.lot[0] = im.funding[0] = im.vfc[0] = '\0';
	ck_assert(shot_has(&im, RULE_REFUSAL_REASON_MISSING));
	ck_assert(!shot_has(&im, RULE_LOT_MISSING));
	text_copy(im.refusal_reason, sizeof im.refusal_reason, "00");
	ck_assert(!shot_has(&im, RULE_REFUSAL_REASON_MISSING));
	ck_assert(!shot_has(&im, RULE_CODE_UNKNOWN));
	text_copy(im.refusal_reason, sizeof im.refusal_reason, "77");
	ck_assert(shot_has(&im, RULE_CODE_UNKNOWN));

	good_shot(&im);
	im.historical = true; /* info_source still "00": a new record */
	ck_assert(shot_has(&im, RULE_HISTORICAL_SOURCE));
	text_copy(im.info_source, sizeof im.info_source, "07");
	ck_assert(!shot_has(&im, RULE_HISTORICAL_SOURCE));
}
END_TEST

START_TEST(duplicates)
{
	struct immunization had[2], im;
	good_shot(&had[0]);
	had[0].date_given = date_add_days(ctx.today, -3);
	text_copy(had[0].uuid, sizeof had[0].uuid, "a");
	good_shot(&had[1]);
	text_copy(had[1].cvx, sizeof had[1].cvx, "03");
	had[1].mvx[0] = '\0';
	text_copy(had[1].uuid, sizeof had[1].uuid, "b");

	struct rule_report rep;
	rules_report_init(&rep);
	good_shot(&im);
	text_copy(im.cvx, sizeof im.cvx, "110"); /* DTaP-HepB-IPV shares DTAP with 20 */
	text_copy(im.uuid, sizeof im.uuid, "c");
	ck_assert_int_eq(rules_check_duplicate(&ctx, &im, had, 2, &rep), 0);
	ck_assert_int_eq(rep.v[0].rule, RULE_DUPLICATE_SHOT);
	ck_assert_int_eq(rule_severity(RULE_DUPLICATE_SHOT), RULE_WARNING);
	ck_assert(!rules_has_errors(&rep)); /* a warning asks; it does not block */

	rules_report_init(&rep);
	had[0].date_given = date_add_days(ctx.today, -5); /* outside 4 days */
	ck_assert_int_eq(rules_check_duplicate(&ctx, &im, had, 2, &rep), -1);
	ck_assert_int_eq(rep.n, 0);
	ctx.duplicate_window_days = 7;
	ck_assert_int_eq(rules_check_duplicate(&ctx, &im, had, 2, &rep), 0);
	ctx.duplicate_window_days = 0;
	rules_report_init(&rep);
	had[0].date_given = ctx.today;
	had[0].entered_in_error = true; /* deleted doses do not count */
	ck_assert_int_eq(rules_check_duplicate(&ctx, &im, had, 2, &rep), -1);
	/* a dose given again after a subpotent one is meant to be there */
	had[0].entered_in_error = false;
	had[0].subpotent = true;
	ck_assert_int_eq(rules_check_duplicate(&ctx, &im, had, 1, &rep), -1);
	had[0].subpotent = false;
	/* editing a dose does not make it its own duplicate */
	text_copy(im.uuid, sizeof im.uuid, "a");
	ck_assert_int_eq(rules_check_duplicate(&ctx, &im, had, 1, &rep), -1);
}
END_TEST

static bool consent_has(vax_date born, const struct consent *cs, enum rule_id r, bool new_record)
{
	struct rule_report rep;
	rules_report_init(&rep);
	struct rule_ctx c = ctx;
	c.new_record = new_record;
	rules_check_consent(&c, born, cs, &rep);
	for (int i = 0; i < rep.n; i++)
		if (rep.v[i].rule == r)
			return true;
	return false;
}

START_TEST(responsible_persons)
{
	struct client c;
	good_client(&c);
	c.n_resp = 1;
	struct responsible_person *rp = &c.resp[0];
	memset(rp, 0, sizeof *rp);
	text_copy(rp->name.family, sizeof rp->name.family, "García");
	text_copy(rp->name.given, sizeof rp->name.given, "María");
	text_copy(rp->relationship, sizeof rp->relationship, "MTH");
	text_copy(rp->phone.number, sizeof rp->phone.number, "5125550101");
	ck_assert_int_eq(client_count(&c), 0);
	rp->name.given[0] = '\0';
	ck_assert(client_has(&c, RULE_RESP_NAME_MISSING));
	text_copy(rp->name.given, sizeof rp->name.given, "María");
	rp->relationship[0] = '\0';
	ck_assert(client_has(&c, RULE_RESP_RELATIONSHIP));
	text_copy(rp->relationship, sizeof rp->relationship, "MTH");
	text_copy(rp->phone.number, sizeof rp->phone.number, "555");
	ck_assert(client_has(&c, RULE_PHONE_FORMAT));
	/* one being removed is not checked */
	rp->removed = true;
	ck_assert_int_eq(client_count(&c), 0);
	/* an AKA needs its last name */
	c.n_resp = 0;
	c.n_aka = 1;
	memset(&c.aka[0], 0, sizeof c.aka[0]);
	text_copy(c.aka[0].given, sizeof c.aka[0].given, "Pepe");
	ck_assert(client_has(&c, RULE_NAME_FAMILY_MISSING));
	text_copy(c.aka[0].family, sizeof c.aka[0].family, "Peña");
	ck_assert_int_eq(client_count(&c), 0);
}
END_TEST

START_TEST(consent)
{
	vax_date child = date_from_ymd(2024, 2, 29), grown = date_from_ymd(2000, 1, 1);
	struct consent cs;
	memset(&cs, 0, sizeof cs);
	cs.date = DATE_NONE;
	/* nothing recorded: a warning for a new client only */
	ck_assert(consent_has(child, &cs, RULE_CONSENT_MISSING, true));
	ck_assert_int_eq(rule_severity(RULE_CONSENT_MISSING), RULE_WARNING);
	ck_assert(!consent_has(child, &cs, RULE_CONSENT_MISSING, false));
	cs.minor = CONSENT_GRANTED;
	cs.date = date_from_ymd(2026, 3, 1);
	ck_assert(!consent_has(child, &cs, RULE_CONSENT_MISSING, true));
	ck_assert(!consent_has(child, &cs, RULE_CONSENT_ADULT_MINOR, true));
	/* a child cannot give adult consent */
	cs.adult = CONSENT_GRANTED;
	ck_assert(consent_has(child, &cs, RULE_CONSENT_ADULT_MINOR, true));
	ck_assert(!consent_has(grown, &cs, RULE_CONSENT_ADULT_MINOR, true));
	/* an answer needs its date, and not a future one */
	cs.date = DATE_NONE;
	ck_assert(consent_has(grown, &cs, RULE_CONSENT_DATE_MISSING, true));
	cs.date = date_from_ymd(2026, 11, 23);
	ck_assert(consent_has(grown, &cs, RULE_CONSENT_DATE_FUTURE, true));
	cs.date = date_from_ymd(2026, 11, 22);
	ck_assert(!consent_has(grown, &cs, RULE_CONSENT_DATE_FUTURE, true));
	/* the header's words */
	ck_assert_str_eq(client_consent_label(&cs, 26), "Adult consent granted");
	cs.adult = CONSENT_UNKNOWN;
	ck_assert_str_eq(client_consent_label(&cs, 2), "Minor consent granted");
	cs.minor = CONSENT_WITHDRAWN;
	ck_assert_str_eq(client_consent_label(&cs, 2), "Parent withdrew: no further records");
	memset(&cs, 0, sizeof cs);
	ck_assert_str_eq(client_consent_label(&cs, 2), "None recorded");
}
END_TEST

START_TEST(rule_table_is_complete)
{
	for (int r = 0; r < RULE_COUNT; r++) {
		ck_assert_str_ne(rule_code((enum rule_id)r), "");
		ck_assert_str_ne(rule_message((enum rule_id)r), "");
		ck_assert_str_ne(rule_field((enum rule_id)r), "");
		for (int q = 0; q < r; q++)
			ck_assert_str_ne(rule_code((enum rule_id)r), rule_code((enum rule_id)q));
	}
}
END_TEST

START_TEST(every_rule_is_documented)
{
	char *path = fileio_join(testutil_srcdir(), "doc/validation.md"), *doc;
	size_t len;
	struct vax_error err = {0};
	ck_assert_msg(fileio_read(path, &doc, &len, &err), "%s", err.message);
	for (int r = 0; r < RULE_COUNT; r++) {
		char needle[64];
		snprintf(needle, sizeof needle, "`%s`", rule_code((enum rule_id)r));
		ck_assert_msg(strstr(doc, needle), "%s is not in doc/validation.md", needle);
	}
	free(doc);
	free(path);
}
END_TEST

Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_records_pass);
	tcase_add_test(tc, names);
	tcase_add_test(tc, dob);
	tcase_add_test(tc, sex_county_address_phone);
	tcase_add_test(tc, client_codes);
	tcase_add_test(tc, shot_dates);
	tcase_add_test(tc, shot_cvx_mvx);
	tcase_add_test(tc, shot_lot_funding_vfc);
	tcase_add_test(tc, refusal_and_history);
	tcase_add_test(tc, duplicates);
	tcase_add_test(tc, responsible_persons);
	tcase_add_test(tc, consent);
	tcase_add_test(tc, rule_table_is_complete);
	tcase_add_test(tc, every_rule_is_documented);
	suite_add_tcase(s, tc);
	return s;
}
