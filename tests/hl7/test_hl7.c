/* tests/hl7/test_hl7.c - HL7 v2: the text layer, VXU <-> core round trips
 * over generated clients, ACKs, batch files, and CDC's test messages. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "hl7/batch.h"
#include "hl7/query.h"
#include "hl7/vxu.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static char *slurp(const char *rel, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/hl7/cdc/%s", testutil_srcdir(), rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = xmalloc((size_t)n + 1);
	ck_assert_int_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

static struct hl7_msg *parse_ok(const char *t)
{
	struct vax_error err = {0};
	struct hl7_msg *m = hl7_parse(t, strlen(t), &err);
	ck_assert_msg(m != NULL, "%s", err.message);
	return m;
}

/* ---- the text layer ---------------------------------------------------------------- */

START_TEST(parse_positions)
{
	struct hl7_msg *m =
	    parse_ok("MSH|^~\\&|APP|FAC||REG|20240105||VXU^V04^VXU_V04|7|P|2.5.1\r"
	             "PID|1||A1^^^&urn:x&URI^MR~B2^^^NS^SR||Pe\\T\\a^Jo\\S\\e^^Jr||20190304|F\n"
	             "NK1|1|Doe&Sub^Jane\r\n"
	             "\r\n"
	             "OBX|1|TX|48767-8||line one\\.br\\line two \\F\\ \\E\\ \\X41\\\r");
	char b[64];
	ck_assert_int_eq(hl7_nseg(m), 4);
	ck_assert_str_eq(hl7_seg_id(m, 3), "OBX");
	ck_assert_int_eq(hl7_seg_line(m, 3), 5);
	hl7_get(m, 0, 1, 1, 1, 1, b, sizeof b);
	ck_assert_str_eq(b, "|");
	hl7_get(m, 0, 2, 1, 1, 1, b, sizeof b);
	ck_assert_str_eq(b, "^~\\&");
	hl7_get(m, 0, 9, 1, 2, 1, b, sizeof b);
	ck_assert_str_eq(b, "V04");
	ck_assert_int_eq(hl7_reps(m, 1, 3), 2);
	hl7_get(m, 1, 3, 2, 1, 1, b, sizeof b);
	ck_assert_str_eq(b, "B2");
	hl7_get(m, 1, 3, 1, 4, 2, b, sizeof b);
	ck_assert_str_eq(b, "urn:x");
	hl7_get(m, 1, 5, 1, 1, 1, b, sizeof b);
	ck_assert_str_eq(b, "Pe&a");
	hl7_get(m, 1, 5, 1, 2, 1, b, sizeof b);
	ck_assert_str_eq(b, "Jo^e");
	hl7_get(m, 2, 2, 1, 1, 2, b, sizeof b);
	ck_assert_str_eq(b, "Sub");
	hl7_get(m, 3, 5, 1, 1, 1, b, sizeof b);
	ck_assert_str_eq(b, "line one\nline two | \\ A");
	ck_assert(!hl7_has(m, 1, 4, 1, 1, 1));
	ck_assert_int_eq(hl7_occurrence(m, 3), 1);
	/* a value that does not fit says so and is cut on a character boundary */
	char small[4];
	ck_assert_uint_ge(hl7_get(m, 1, 5, 1, 1, 1, small, sizeof small), sizeof small);
	hl7_free(&m);
}
END_TEST

START_TEST(parse_other_separators_and_latin1)
{
	/* MLLP framing, other separators, Latin-1 text (Peña) */
	const char t[] = "\x0bMSH#!*?$#APP#FAC###20240105##VXU!V04#7#P#2.5.1#####8859/1\r"
	                 "PID#1##X1##Pe\xf1"
	                 "a!Jos\xe9\r\x1c\r";
	struct hl7_msg *m = parse_ok(t);
	char b[64];
	hl7_get(m, 1, 5, 1, 1, 1, b, sizeof b);
	ck_assert_str_eq(b, "Peña");
	hl7_get(m, 1, 5, 1, 2, 1, b, sizeof b);
	ck_assert_str_eq(b, "José");
	hl7_get(m, 0, 9, 1, 2, 1, b, sizeof b);
	ck_assert_str_eq(b, "V04");
	hl7_free(&m);
}
END_TEST

START_TEST(parse_errors)
{
	struct vax_error err = {0};
	ck_assert_ptr_null(hl7_parse("", 0, &err));
	ck_assert_str_eq(err.code, "HL7-EMPTY");
	ck_assert_ptr_null(hl7_parse("PID|1", 5, &err));
	ck_assert_str_eq(err.code, "HL7-NO-MSH");
	ck_assert_ptr_null(hl7_parse("MSH|^~|AB", 9, &err));
	ck_assert_str_eq(err.code, "HL7-ENCODING");
	/* a separator outside ASCII would split UTF-8 characters (and, read as
	 * Latin-1, is two bytes); the last one is checked like the others */
	const char *nonascii[] = {"MSH|^\xfe\\&|A\r", "MSH|^~\\x|A\r", "MSH|^~\\ |A\r"};
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_null(hl7_parse(nonascii[i], strlen(nonascii[i]), &err));
		ck_assert_str_eq(err.code, "HL7-ENCODING");
	}
	const char *bad = "MSH|^~\\&|A\rPID|1\rthis is not a segment\r";
	ck_assert_ptr_null(hl7_parse(bad, strlen(bad), &err));
	ck_assert_str_eq(err.code, "HL7-SEGMENT");
	ck_assert_ptr_nonnull(strstr(err.message, "Line 3"));
}
END_TEST

START_TEST(build_and_escape)
{
	struct hl7_out *o = hl7_out_new();
	hl7_out_segment(o, "MSH");
	hl7_out_set(o, 9, 1, 1, 1, "VXU");
	hl7_out_set(o, 9, 1, 2, 1, "V04");
	hl7_out_set(o, 10, 1, 1, 1, "1");
	hl7_out_segment(o, "PID");
	hl7_out_set(o, 5, 1, 2, 1, "a|b^c&d~e\\f\ng");
	hl7_out_set(o, 5, 2, 1, 2, "sub");
	hl7_out_set(o, 3, 1, 1, 1, "X");
	hl7_out_set(o, 3, 1, 1, 1, "Y"); /* replaces */
	hl7_out_set(o, 7, 1, 1, 1, "");  /* left out */
	size_t n;
	char *t = hl7_out_take(o, &n);
	ck_assert_str_eq(
	    t, "MSH|^~\\&|||||||VXU^V04|1\rPID|||Y||^a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g~&sub\r");
	struct hl7_msg *m = parse_ok(t);
	char b[64];
	hl7_get(m, 1, 5, 1, 2, 1, b, sizeof b);
	ck_assert_str_eq(b, "a|b^c&d~e\\f\ng");
	hl7_get(m, 1, 5, 2, 1, 2, b, sizeof b);
	ck_assert_str_eq(b, "sub");
	hl7_free(&m);
	free(t);
	hl7_out_free(&o);
	int64_t s;
	ck_assert(hl7_ts_parse("20240105143000.123-0500", &s));
	ck_assert_int_eq(s, 1704483000);
	ck_assert(hl7_ts_parse("2024", &s));
	ck_assert(!hl7_ts_parse("2024-01-05", &s));
	char ts[32];
	ck_assert_str_eq(hl7_ts(1704483000, ts, sizeof ts), "20240105193000+0000");
}
END_TEST

/* ---- generated clients ------------------------------------------------------------------ */

static unsigned long long rng = 88172645463325252ull;

static unsigned pick(unsigned n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *any(const char *const *list, size_t n)
{
	return list[pick((unsigned)n)];
}
#define ANY(list) any(list, sizeof list / sizeof *list)

static const char *const family[] = {"Peña",   "Nguyễn",     "O'Neil",      "Smith-Jones",
                                     "Müller", "de la Cruz", "A|B^C&D~E\\F"};
static const char *const given[] = {"José", "Thị", "Mary Ann", "Zoë", "Łukasz", "Renée"};
static const char *const cvx[] = {"08", "20", "110", "140", "208", "03", "21"};
static const char *const mvx[] = {"MSD", "PMC", "SKB", "PFR", "MOD"};
static const char *const route[] = {"C28161", "IM", "C38299", "SC", "PO"};
static const char *const site[] = {"LA", "RA", "LT", "RT", "LD", "RVL"};
static const char *const race[] = {"2106-3", "2054-5", "2028-9", "1002-5", "UNK"};
static const char *const rel[] = {"MTH", "FTH", "GRD", "GRP"};

static vax_date rdate(int from, int years)
{
	return date_from_ymd(from, 1, 1) + (vax_date)pick((unsigned)(years * 365));
}

static void rcap(struct capture *c)
{
	snprintf(c->user, sizeof c->user, "user%u", pick(100));
	snprintf(c->org, sizeof c->org, "ORG%u", pick(10));
	snprintf(c->workstation, sizeof c->workstation, "desk-%u", pick(9));
	c->at = 1600000000 + pick(100000000);
}

static void raddr(struct address *a, bool history)
{
	snprintf(a->line1, sizeof a->line1, "%u Main St & 2nd ^ Apt", pick(9999));
	snprintf(a->line2, sizeof a->line2, "Unit %u", pick(50));
	snprintf(a->city, sizeof a->city, "San Antonio");
	snprintf(a->state, sizeof a->state, "TX");
	snprintf(a->zip, sizeof a->zip, "78%03u", pick(1000));
	snprintf(a->county, sizeof a->county, pick(2) ? "Bexar" : "48029");
	a->since = rdate(2000, 20);
	if (history)
		rcap(&a->entered);
}

static void gen_client(struct client *c)
{
	client_init(c);
	uuid_v4(c->uuid);
	snprintf(c->id, sizeof c->id, "p%u", pick(100000));
	snprintf(c->version, sizeof c->version, "%u", 1 + pick(9));
	snprintf(c->name.family, sizeof c->name.family, "%s", ANY(family));
	snprintf(c->name.given, sizeof c->name.given, "%s", ANY(given));
	snprintf(c->name.middle, sizeof c->name.middle, "%s", ANY(given));
	snprintf(c->name.suffix, sizeof c->name.suffix, "%s", pick(2) ? "Jr" : "");
	c->n_aka = (int)pick(3);
	for (int i = 0; i < c->n_aka; i++) {
		snprintf(c->aka[i].family, sizeof c->aka[i].family, "%s", ANY(family));
		snprintf(c->aka[i].given, sizeof c->aka[i].given, "%s", ANY(given));
	}
	c->dob = rdate(1950, 70);
	c->sex = (enum sex)(1 + pick(4));
	snprintf(c->mother_maiden, sizeof c->mother_maiden, "%s", ANY(family));
	snprintf(c->mother_given, sizeof c->mother_given, "%s", ANY(given));
	c->multiple_birth = (int)pick(3);
	c->n_race = 1 + (int)pick(2);
	for (int i = 0; i < c->n_race; i++)
		snprintf(c->race[i], sizeof c->race[i], "%s", ANY(race));
	snprintf(c->ethnicity, sizeof c->ethnicity, "%s", pick(2) ? "2135-2" : "2186-5");
	c->n_addr = 1 + (int)pick(3);
	for (int i = 0; i < c->n_addr; i++)
		raddr(&c->addr[i], true);
	c->n_phone = (int)pick(4);
	for (int i = 0; i < c->n_phone; i++) {
		c->phone[i].use = (enum phone_use)pick(3);
		snprintf(c->phone[i].number, sizeof c->phone[i].number, "210555%04u", pick(10000));
	}
	if (pick(2))
		snprintf(c->email, sizeof c->email, "person%u@example.org", pick(1000));
	c->n_ident = (int)pick(3);
	for (int i = 0; i < c->n_ident; i++) {
		snprintf(c->ident[i].type, sizeof c->ident[i].type, "%s", pick(2) ? "MR" : "MA");
		snprintf(c->ident[i].system, sizeof c->ident[i].system, "%s",
		         pick(2) ? "https://clinic.example/mrn?a=1&b=2" : "CLINICNS");
		snprintf(c->ident[i].value, sizeof c->ident[i].value, "X%u^%u", pick(100000), pick(10));
	}
	c->n_resp = (int)pick(3);
	for (int i = 0; i < c->n_resp; i++) {
		struct responsible_person *r = &c->resp[i];
		snprintf(r->name.family, sizeof r->name.family, "%s", ANY(family));
		snprintf(r->name.given, sizeof r->name.given, "%s", ANY(given));
		snprintf(r->relationship, sizeof r->relationship, "%s", ANY(rel));
		r->phone.use = (enum phone_use)pick(3);
		snprintf(r->phone.number, sizeof r->phone.number, "512555%04u", pick(10000));
		raddr(&r->address, false);
		snprintf(r->id, sizeof r->id, "rp%u", pick(1000));
		snprintf(r->version, sizeof r->version, "%u", 1 + pick(5));
		uuid_v4(r->uuid);
		r->removed = pick(4) == 0;
	}
	if (pick(3)) {
		c->consent.minor = (enum consent_status)(1 + pick(3));
		c->consent.adult = pick(2) ? (enum consent_status)(1 + pick(3)) : CONSENT_UNKNOWN;
		c->consent.disaster_retention = pick(2);
		c->consent.date = rdate(2010, 10);
		snprintf(c->consent.source, sizeof c->consent.source, "signed form");
		snprintf(c->consent.id, sizeof c->consent.id, "c%u", pick(1000));
		snprintf(c->consent.version, sizeof c->consent.version, "%u", 1 + pick(3));
		uuid_v4(c->consent.uuid);
	}
	c->org_status = (enum org_status)pick(5);
	snprintf(c->org_status_reason, sizeof c->org_status_reason, "%s", c->org_status ? "moved away" : "");
	snprintf(c->primary_provider, sizeof c->primary_provider, "Dr. %s", ANY(family));
	snprintf(c->tracking_schedule, sizeof c->tracking_schedule, "%s", pick(2) ? "ACIP" : "TX-SCHOOL");
	c->reminder_recall = pick(2);
	c->last_notice = pick(2) ? rdate(2020, 3) : DATE_NONE;
	c->no_viable_address = pick(4) == 0;
	c->vital_records_lock = pick(2);
	c->deceased = pick(8) == 0;
	c->n_comment = (int)pick(4);
	for (int i = 0; i < c->n_comment; i++) {
		struct client_comment *cm = &c->comment[i];
		cm->kind = (enum comment_kind)pick(4);
		snprintf(cm->code, sizeof cm->code, "%s", cm->kind == COMMENT_OTHER && pick(2) ? "" : "042");
		snprintf(cm->text, sizeof cm->text, "observed & noted ^ %u", pick(100));
		cm->begin = pick(2) ? rdate(2015, 5) : DATE_NONE;
		cm->end = pick(2) ? rdate(2021, 2) : DATE_NONE;
	}
	snprintf(c->note, sizeof c->note, "%s", pick(2) ? "Prefers Spanish.\nCall after 5." : "");
	rcap(&c->capture);
}

static void gen_dose(struct immunization *im, const struct client *c)
{
	imm_init(im);
	if (pick(5))
		uuid_v4(im->uuid);
	snprintf(im->id, sizeof im->id, "i%u", pick(100000));
	snprintf(im->version, sizeof im->version, "%u", 1 + pick(4));
	snprintf(im->client_id, sizeof im->client_id, "%s", c->id);
	snprintf(im->client_uuid, sizeof im->client_uuid, "%s", c->uuid);
	snprintf(im->cvx, sizeof im->cvx, "%s", ANY(cvx));
	snprintf(im->mvx, sizeof im->mvx, "%s", ANY(mvx));
	if (pick(2))
		snprintf(im->ndc, sizeof im->ndc, "%05u-%04u-%02u", pick(99999), pick(9999), pick(99));
	snprintf(im->lot, sizeof im->lot, "L%u", pick(99999));
	im->expiration = rdate(2020, 6);
	im->dose_ul = (int)pick(4) * 250;
	snprintf(im->route, sizeof im->route, "%s", ANY(route));
	snprintf(im->site, sizeof im->site, "%s", ANY(site));
	im->n_vis = (int)pick(3);
	for (int i = 0; i < im->n_vis; i++) {
		snprintf(im->vis[i].document, sizeof im->vis[i].document, "%s",
		         pick(2) ? "253088698300012711120420" : "Multiple Vaccines VIS");
		im->vis[i].edition = pick(2) ? rdate(2015, 5) : DATE_NONE;
		im->vis[i].presented = rdate(2019, 3);
	}
	snprintf(im->funding, sizeof im->funding, "%s", pick(2) ? "VXC1" : "PHC70");
	snprintf(im->vfc, sizeof im->vfc, "V0%u", 1 + pick(6));
	im->date_given = rdate(2019, 4);
	im->historical = pick(4) == 0;
	snprintf(im->info_source, sizeof im->info_source, "%s", im->historical ? "01" : "00");
	im->refused = !im->historical && pick(6) == 0;
	snprintf(im->refusal_reason, sizeof im->refusal_reason, "%s", im->refused ? "03" : "");
	snprintf(im->provider, sizeof im->provider, "Nurse %s", ANY(family));
	snprintf(im->org, sizeof im->org, "CLIN%u", pick(9));
	snprintf(im->org_name, sizeof im->org_name, "Clinic & Co %u", pick(9));
	snprintf(im->note, sizeof im->note, "%s", pick(2) ? "left arm ~ sore" : "");
	im->entered_in_error = pick(8) == 0;
	snprintf(im->delete_reason, sizeof im->delete_reason, "%s",
	         im->entered_in_error ? "wrong client" : "");
	snprintf(im->edit_reason, sizeof im->edit_reason, "%s", pick(3) ? "" : "lot corrected");
	rcap(&im->capture);
}

static char *json_of(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static void assert_same_json(cJSON *a, cJSON *b, int round)
{
	char *sa = json_of(a), *sb = json_of(b);
	ck_assert_msg(!strcmp(sa, sb), "round %d lost a field:\n sent %s\n back %s", round, sa, sb);
	free(sa);
	free(sb);
}

START_TEST(vxu_round_trip_generated)
{
	struct hl7_vxu *v = xmalloc(sizeof *v);
	for (int round = 0; round < 300; round++) {
		struct client c;
		struct immunization im[4];
		gen_client(&c);
		int n = (int)pick(5);
		for (int i = 0; i < n; i++)
			gen_dose(&im[i], &c);
		struct hl7_write_opts o = {.sending_app = "VAXDESK",
		                           .sending_facility = "CLIN1",
		                           .control_id = "m1",
		                           .extensions = true,
		                           .now = 1704483000};
		size_t len;
		char *t = hl7_vxu_write(&o, &c, im, n, &len);
		struct vax_error err = {0};
		struct hl7_msg *m = hl7_parse(t, len, &err);
		ck_assert_msg(m != NULL, "%s", err.message);
		ck_assert(hl7_vxu_read(m, v, NULL));
		for (int i = 0; i < v->issues.n; i++)
			ck_abort_msg("round %d: %s %s", round, v->issues.v[i].code, v->issues.v[i].text);
		ck_assert_int_eq(v->n_dose, n);
		assert_same_json(fhir_client_to_json(&c), fhir_client_to_json(&v->client), round);
		ck_assert_int_eq(v->client.n_comment, c.n_comment);
		for (int i = 0; i < c.n_comment; i++) {
			ck_assert_int_eq(v->client.comment[i].kind, c.comment[i].kind);
			ck_assert_str_eq(v->client.comment[i].code, c.comment[i].code);
			ck_assert_str_eq(v->client.comment[i].text, c.comment[i].text);
			ck_assert_int_eq(v->client.comment[i].begin, c.comment[i].begin);
			ck_assert_int_eq(v->client.comment[i].end, c.comment[i].end);
		}
		ck_assert_str_eq(v->client.email, c.email);
		ck_assert_int_eq(v->client.multiple_birth, c.multiple_birth);
		for (int i = 0; i < n; i++) {
			assert_same_json(fhir_immunization_to_json(&im[i]),
			                 fhir_immunization_to_json(&v->dose[i].im), round);
			ck_assert(!memcmp(&im[i].capture, &v->dose[i].im.capture, sizeof im[i].capture));
			ck_assert_str_eq(v->dose[i].im.client_uuid, c.uuid);
		}
		hl7_free(&m);
		free(t);
	}
	free(v);
}
END_TEST

/* Without the extension segments (what an EHR gets): everything the guide
 * has a field for still comes back. */
START_TEST(vxu_round_trip_standard_fields)
{
	struct hl7_vxu *v = xmalloc(sizeof *v);
	for (int round = 0; round < 100; round++) {
		struct client c;
		struct immunization im;
		gen_client(&c);
		gen_dose(&im, &c);
		struct hl7_write_opts o = {.control_id = "m2", .now = 1704483000};
		size_t len;
		char *t = hl7_vxu_write(&o, &c, &im, 1, &len);
		ck_assert_ptr_null(strstr(t, "\rZ"));
		struct hl7_msg *m = parse_ok(t);
		ck_assert(hl7_vxu_read(m, v, NULL));
		ck_assert_str_eq(v->client.uuid, c.uuid);
		ck_assert_str_eq(v->client.id, c.id);
		ck_assert_str_eq(v->client.name.family, c.name.family);
		ck_assert_str_eq(v->client.name.given, c.name.given);
		ck_assert_int_eq(v->client.n_aka, c.n_aka);
		ck_assert_int_eq(v->client.dob, c.dob);
		ck_assert_int_eq(v->client.sex, c.sex);
		ck_assert_int_eq(v->client.n_addr, c.n_addr);
		ck_assert_str_eq(v->client.addr[0].county, c.addr[0].county);
		ck_assert_int_eq(v->client.addr[c.n_addr - 1].since, c.addr[c.n_addr - 1].since);
		ck_assert_int_eq(v->client.n_phone, c.n_phone);
		ck_assert_int_eq(v->client.org_status, c.org_status);
		ck_assert_int_eq(v->client.reminder_recall, c.reminder_recall);
		ck_assert_int_eq(v->client.deceased, c.deceased);
		struct immunization *b = &v->dose[0].im;
		ck_assert_str_eq(b->uuid, im.uuid);
		ck_assert_str_eq(b->cvx, im.cvx);
		ck_assert_str_eq(b->ndc, im.ndc);
		ck_assert_str_eq(b->mvx, im.mvx);
		ck_assert_str_eq(b->lot, im.lot);
		ck_assert_int_eq(b->expiration, im.expiration);
		ck_assert_int_eq(b->dose_ul, im.dose_ul);
		ck_assert_str_eq(b->route, im.route);
		ck_assert_str_eq(b->site, im.site);
		ck_assert_int_eq(b->n_vis, im.n_vis);
		ck_assert_str_eq(b->funding, im.funding);
		ck_assert_str_eq(b->vfc, im.vfc);
		ck_assert_int_eq(b->date_given, im.date_given);
		ck_assert_int_eq(b->historical, im.historical);
		ck_assert_int_eq(b->refused, im.refused);
		ck_assert_str_eq(b->refusal_reason, im.refusal_reason);
		ck_assert_int_eq(b->entered_in_error, im.entered_in_error);
		ck_assert_str_eq(b->note, im.note);
		hl7_free(&m);
		free(t);
	}
	free(v);
}
END_TEST

/* ---- CDC's messages ------------------------------------------------------------------------ */

static struct hl7_vxu *read_file_vxu(const char *name)
{
	size_t len;
	char *t = slurp(name, &len);
	struct vax_error err = {0};
	struct hl7_msg *m = hl7_parse(t, len, &err);
	ck_assert_msg(m != NULL, "%s: %s", name, err.message);
	struct hl7_vxu *v = xmalloc(sizeof *v);
	ck_assert(hl7_vxu_read(m, v, NULL));
	hl7_free(&m);
	free(t);
	return v;
}

START_TEST(cdc_z22_administered)
{
	struct hl7_vxu *v = read_file_vxu("Adult_z22_New_Covid_vaccine.hl7");
	ck_assert_int_eq(v->issues.n, 0);
	ck_assert_str_eq(v->hdr.profile, "Z22");
	ck_assert_str_eq(v->hdr.sending_facility, "X68");
	ck_assert_str_eq(v->client.name.family, "Winchester");
	ck_assert_str_eq(v->client.name.given, "Dorothy");
	ck_assert_str_eq(v->client.mother_maiden, "Bruno");
	ck_assert_int_eq(v->client.dob, date_from_ymd(1984, 6, 15));
	ck_assert_int_eq(v->client.sex, SEX_FEMALE);
	ck_assert_int_eq(v->client.n_race, 2);
	ck_assert_str_eq(v->client.ethnicity, "2135-2");
	ck_assert_str_eq(v->client.addr[0].county, "42003");
	ck_assert_str_eq(v->client.phone[0].number, "2155551213");
	ck_assert_int_eq(v->client.phone[0].use, PHONE_MOBILE);
	ck_assert_int_eq(v->client.n_ident, 2); /* MYEHR MR and MYIIS SR: not this registry's */
	ck_assert_int_eq(v->n_dose, 1);
	const struct hl7_dose *d = &v->dose[0];
	ck_assert_str_eq(d->order_id, "197030");
	ck_assert_str_eq(d->order_ns, "NVC");
	ck_assert_str_eq(d->im.cvx, "24");
	ck_assert_str_eq(d->im.ndc, "00006-1101-99");
	ck_assert_int_eq(d->im.dose_ul, 500);
	ck_assert_str_eq(d->im.lot, "8L7B3418");
	ck_assert_int_eq(d->im.expiration, date_from_ymd(2021, 12, 31));
	ck_assert_str_eq(d->im.mvx, "PMC");
	ck_assert_str_eq(d->im.route, "C28161");
	ck_assert_str_eq(d->im.site, "RD");
	ck_assert_str_eq(d->im.vfc, "V01");
	ck_assert_str_eq(d->im.funding, "VXC1");
	ck_assert_int_eq(d->im.n_vis, 1);
	ck_assert_str_eq(d->im.vis[0].document, "253088698300002811180321");
	ck_assert_int_eq(d->im.vis[0].presented, date_from_ymd(2020, 10, 31));
	ck_assert_str_eq(d->im.org, "NVC");
	ck_assert_str_eq(d->im.org_name, "Newvax Clinic");
	ck_assert(!d->im.historical && !d->im.refused);
	ck_assert_int_eq(d->where.rxa_seq, 1);
	ck_assert_int_eq(d->where.obx_funding_seq, 4);
	free(v);
}
END_TEST

/* A code that does not fit is an error and is kept as nothing: "2080" cut to
 * three characters would be CVX 208, and "998..." cut would be the "no
 * vaccine given" code. An NDC sent first is the product, whole. */
START_TEST(vxu_codes_never_cut)
{
	struct hl7_msg *m = parse_ok("MSH|^~\\&|EHR|X68||IIS|20240101||VXU^V04^VXU_V04|C1|P|2.5.1\r"
	                             "PID|1||123^^^EHR^MR||Doe^Ann|||F\r"
	                             "ORC|RE||1^EHR\r"
	                             "RXA|0|1|20230105|20230105|00006-4047-41^RotaTeq^NDC|2|mL||00^^NIP001\r"
	                             "ORC|RE||2^EHR\r"
	                             "RXA|0|1|20230105|20230105|2080^COVID^CVX|0.5|mL||00^^NIP001\r"
	                             "ORC|RE||3^EHR\r"
	                             "RXA|0|1|20230105|20230105|998902^none^CVX|999|||00^^NIP001\r");
	struct hl7_vxu *v = xmalloc(sizeof *v);
	ck_assert(hl7_vxu_read(m, v, NULL));
	ck_assert_int_eq(v->n_dose, 3);
	ck_assert_str_eq(v->dose[0].im.ndc, "00006-4047-41");
	ck_assert_str_eq(v->dose[0].im.cvx, "");
	ck_assert_str_eq(v->dose[1].im.cvx, "");
	ck_assert_str_eq(v->dose[2].im.cvx, "");
	int cut = 0, unknown = 0;
	for (int i = 0; i < v->issues.n; i++) {
		const struct hl7_issue *is = &v->issues.v[i];
		if (!strcmp(is->code, "HL7-LENGTH") || !strcmp(is->code, "HL7-CODE-UNKNOWN")) {
			ck_assert_int_eq(is->severity, 'E');
			ck_assert_int_eq(is->loc.field, 5);
			if (!strcmp(is->code, "HL7-LENGTH"))
				cut++;
			else
				unknown++;
		}
	}
	/* as CDC's validator has it: too long (102), and so in no table (103) */
	ck_assert_int_eq(cut, 2);
	ck_assert_int_eq(unknown, 2);
	ck_assert_str_eq(hl7_ack_code(&v->issues), "AE");
	free(v);
	hl7_free(&m);
}
END_TEST

START_TEST(cdc_z22_not_administered)
{
	struct hl7_vxu *v = read_file_vxu("Adult_z22_non-vaccination_deferral.hl7");
	ck_assert_int_eq(v->n_dose, 0);
	ck_assert_int_eq(v->client.n_comment, 1);
	ck_assert_int_eq(v->client.comment[0].kind, COMMENT_CONTRAINDICATION);
	ck_assert_str_eq(v->client.comment[0].code, "VXC23");
	ck_assert_int_eq(v->client.comment[0].begin, date_from_ymd(2020, 12, 15));
	ck_assert_int_eq(v->client.comment[0].end, date_from_ymd(2021, 1, 15));
	free(v);
	v = read_file_vxu("Adult_z22_serologic_evidence_covid.hl7");
	ck_assert_int_eq(v->client.n_comment, 1);
	ck_assert_int_eq(v->client.comment[0].kind, COMMENT_IMMUNITY);
	ck_assert_str_eq(v->client.comment[0].code, "840535000");
	free(v);
	v = read_file_vxu("Adult_z22_non-vaccination_missed_appointment.hl7");
	ck_assert_int_eq(v->n_dose, 1);
	ck_assert(v->dose[0].im.refused);
	ck_assert_str_eq(v->dose[0].im.refusal_reason, "02");
	free(v);
}
END_TEST

static int has_issue(const struct hl7_issues *is, const char *code, const char *seg, int field)
{
	for (int i = 0; i < is->n; i++)
		if (!strcmp(is->v[i].code, code) && !strcmp(is->v[i].loc.seg, seg) &&
		    is->v[i].loc.field == field)
			return 1;
	return 0;
}

START_TEST(cdc_batches)
{
	const char *files[] = {"testgood.hl7", "testerror.hl7"};
	int want[] = {33, 52};
	for (int f = 0; f < 2; f++) {
		size_t len;
		char *t = slurp(files[f], &len);
		struct hl7_batch b;
		struct vax_error err = {0};
		ck_assert_msg(hl7_batch_read(t, len, &b, &err), "%s", err.message);
		ck_assert_int_eq(b.n, want[f]);
		for (int i = 0; i < b.n; i++) {
			struct hl7_msg *m = hl7_parse(b.msg[i].text, b.msg[i].len, &err);
			ck_assert_msg(m != NULL, "%s #%d: %s", files[f], i + 1, err.message);
			struct hl7_vxu *v = xmalloc(sizeof *v);
			ck_assert(hl7_vxu_read(m, v, NULL));
			if (f == 0) {
				/* CDC's good messages: nothing wrong in HL7 terms */
				for (int k = 0; k < v->issues.n; k++)
					ck_assert_msg(v->issues.v[k].severity != 'E', "good #%d: %s", i + 1,
					              v->issues.v[k].text);
			}
			if (f == 1 && i == 2) /* RXA-3 "202010": an invalid date */
				ck_assert(has_issue(&v->issues, "HL7-DATE", "RXA", 3));
			if (f == 1 && i == 9) /* PID-8 "UNK" */
				ck_assert(has_issue(&v->issues, "HL7-SEX", "PID", 8));
			if (f == 1 && i == 11) /* RXA-17 "AAAA" does not fit an MVX code */
				ck_assert(has_issue(&v->issues, "HL7-LENGTH", "RXA", 17));
			free(v);
			hl7_free(&m);
		}
		hl7_batch_free(&b);
		free(t);
	}
}
END_TEST

START_TEST(rules_in_hl7_terms)
{
	struct client c;
	client_init(&c);
	struct immunization im;
	imm_init(&im);
	strcpy(c.name.family, "Doe");
	strcpy(c.name.given, "Ann");
	c.dob = date_from_ymd(2020, 1, 1);
	c.sex = SEX_FEMALE;
	strcpy(im.cvx, "900");
	im.date_given = date_from_ymd(2019, 5, 1);
	struct hl7_vxu *v = xcalloc(1, sizeof *v);
	v->client = c;
	v->n_dose = 1;
	v->dose[0].im = im;
	v->dose[0].where.rxa_seq = 1;
	struct codes *codes = codes_new();
	struct rule_ctx ctx = {.today = date_from_ymd(2024, 1, 1), .new_record = true};
	struct hl7_issues is = {0};
	hl7_vxu_check(v, &ctx, &is);
	ck_assert(has_issue(&is, "V-COUNTY-MISSING", "PID", 11));
	ck_assert(has_issue(&is, "V-SHOT-BEFORE-DOB", "RXA", 3));
	ck_assert(has_issue(&is, "V-LOT-MISSING", "RXA", 15));
	for (int i = 0; i < is.n; i++)
		if (!strcmp(is.v[i].code, "V-SHOT-BEFORE-DOB")) {
			ck_assert_int_eq(is.v[i].hl7_code, 102);
			ck_assert_int_eq(is.v[i].app_code, 1);
			ck_assert_int_eq(is.v[i].severity, 'E');
		} else if (!strcmp(is.v[i].code, "V-FUNDING-MISSING")) {
			/* not sent at all: the dose's RXA is named */
			ck_assert_str_eq(is.v[i].loc.seg, "RXA");
			ck_assert_int_eq(is.v[i].app_code, 6);
		}
	ck_assert_str_eq(hl7_ack_code(&is), "AE");
	codes_free(&codes);
	free(v);
}
END_TEST

/* ---- ACK and batch files ---------------------------------------------------------------------- */

START_TEST(ack_round_trip)
{
	struct hl7_header req = {0};
	strcpy(req.sending_app, "EHR");
	strcpy(req.sending_facility, "CLIN1");
	strcpy(req.control_id, "MSG-7");
	strcpy(req.processing, "P");
	strcpy(req.event, "V04");
	struct hl7_issues is = {0};
	struct hl7_loc loc = {"RXA", 2, 5, 1, 0};
	hl7_issue_add(&is, &loc, HL7_TABLE_VALUE, 'E', HL7_APP_TABLE_VALUE, "V-CVX-UNKNOWN", "CVX 900",
	              "That vaccine code (CVX) is not in the CDC table | sorry.");
	struct hl7_loc w = {"PID", 1, 11, 1, 9};
	hl7_issue_add(&is, &w, HL7_OK, 'W', HL7_APP_DATA_MISSING, "V-CONSENT-MISSING", NULL, "No consent.");
	size_t len;
	char *t = hl7_ack_write(&req, "VAXREGD", "TXREG", "A-1", hl7_ack_code(&is), &is, 1704483000, &len);
	ck_assert_ptr_nonnull(strstr(t, "MSA|AE|MSG-7\r"));
	ck_assert_ptr_nonnull(strstr(t,
	                             "ERR||RXA^2^5^1|103^Table value not found^HL70357|E|5^Table value not "
	                             "found^HL70533^V-CVX-UNKNOWN^^L||CVX 900|"));
	ck_assert_ptr_nonnull(strstr(t, "Z23^CDCPHINVS"));
	struct hl7_msg *m = parse_ok(t);
	struct hl7_ack a;
	struct vax_error err = {0};
	ck_assert(hl7_ack_read(m, &a, &err));
	ck_assert_str_eq(a.code, "AE");
	ck_assert_str_eq(a.acked_id, "MSG-7");
	ck_assert_int_eq(a.issues.n, 2);
	ck_assert_str_eq(a.issues.v[0].code, "V-CVX-UNKNOWN");
	ck_assert_str_eq(a.issues.v[0].text, "That vaccine code (CVX) is not in the CDC table | sorry.");
	ck_assert_int_eq(a.issues.v[0].loc.seq, 2);
	ck_assert_int_eq(a.issues.v[1].severity, 'W');
	ck_assert_int_eq(a.issues.v[1].loc.comp, 9);
	char words[400];
	ck_assert_str_eq(
	    hl7_issue_words(&a.issues.v[0], words, sizeof words),
	    "RXA-5 (dose 2): That vaccine code (CVX) is not in the CDC table | sorry. [V-CVX-UNKNOWN]");
	hl7_free(&m);
	free(t);
	struct hl7_issues none = {0};
	ck_assert_str_eq(hl7_ack_code(&none), "AA");
}
END_TEST

START_TEST(batch_files)
{
	char *msgs[2] = {"MSH|^~\\&|A||||||VXU^V04|1|P|2.5.1\rPID|1\r",
	                 "MSH|^~\\&|A||||||VXU^V04|2|P|2.5.1\rPID|2\r"};
	size_t lens[2] = {strlen(msgs[0]), strlen(msgs[1])};
	struct hl7_batch_header h = {
	    .sending_app = "VAXDESK", .sending_facility = "CLIN1", .control_id = "B1", .now = 1704483000};
	size_t len;
	char *t = hl7_batch_write(&h, msgs, lens, 2, &len);
	struct hl7_batch b;
	struct vax_error err = {0};
	ck_assert(hl7_batch_read(t, len, &b, &err));
	ck_assert_int_eq(b.n, 2);
	ck_assert(b.has_header);
	ck_assert_str_eq(b.control_id, "B1");
	ck_assert_str_eq(b.sending_facility, "CLIN1");
	ck_assert_str_eq(b.msg[1].text, msgs[1]);
	hl7_batch_free(&b);
	/* a file cut short: BTS counts more than it holds */
	char *cut = strdup(t);
	char *bts = strstr(cut, "BTS|2");
	bts[4] = '3';
	ck_assert(!hl7_batch_read(cut, strlen(cut), &b, &err));
	ck_assert_str_eq(err.code, "HL7-BATCH-COUNT");
	free(cut);
	free(t);
	/* \n line ends and no headers at all */
	const char *bare =
	    "MSH|^~\\&|A||||||VXU^V04|1|P|2.5.1\nPID|1\n\nMSH|^~\\&|A||||||VXU^V04|2|P|2.5.1\nPID|2\n";
	ck_assert(hl7_batch_read(bare, strlen(bare), &b, &err));
	ck_assert_int_eq(b.n, 2);
	ck_assert_int_eq(b.msg[1].line, 4);
	hl7_batch_free(&b);
	const char *junk = "hello\nMSH|^~\\&|A\n";
	ck_assert(!hl7_batch_read(junk, strlen(junk), &b, &err));
	ck_assert_str_eq(err.code, "HL7-BATCH-TEXT");
}
END_TEST

START_TEST(query_round_trip)
{
	struct client who;
	client_init(&who);
	strcpy(who.name.family, "Peña");
	strcpy(who.name.given, "Ana");
	who.dob = date_from_ymd(2019, 3, 4);
	who.sex = SEX_FEMALE;
	who.n_ident = 1;
	strcpy(who.ident[0].type, "MR");
	strcpy(who.ident[0].system, "CLINIC");
	strcpy(who.ident[0].value, "A-77");
	struct hl7_write_opts o = {
	    .sending_app = "EHR", .sending_facility = "CLIN1", .control_id = "Q-1", .now = 1704483000};
	size_t len;
	char *t = hl7_qbp_write(&o, "Z44", "TAG-9", &who, 5, &len);
	struct hl7_msg *m = parse_ok(t);
	struct hl7_qbp *q = xmalloc(sizeof *q);
	ck_assert(hl7_qbp_read(m, q, NULL));
	ck_assert_str_eq(q->profile, "Z44");
	ck_assert_str_eq(q->tag, "TAG-9");
	ck_assert_str_eq(q->who.name.family, "Peña");
	ck_assert_int_eq(q->who.dob, who.dob);
	ck_assert_int_eq(q->who.n_ident, 1);
	ck_assert_str_eq(q->who.ident[0].value, "A-77");
	ck_assert_int_eq(q->max_results, 5);
	hl7_free(&m);
	free(t);
	/* Z42: one client, a dose, a forecast */
	struct immunization im;
	imm_init(&im);
	strcpy(im.cvx, "20");
	im.date_given = date_from_ymd(2019, 5, 4);
	uuid_v4(im.uuid);
	struct hl7_forecast fc = {.group = "DTaP/Tdap/Td",
	                          .dose_number = 2,
	                          .earliest = date_from_ymd(2019, 6, 1),
	                          .due = date_from_ymd(2019, 7, 4),
	                          .overdue = DATE_NONE,
	                          .latest = DATE_NONE,
	                          .status = "Not complete"};
	struct hl7_eval ev = {.dose = 0, .group = "DTaP/Tdap/Td", .dose_number = 1, .valid = true};
	struct hl7_rsp r = {.status = "OK",
	                    .clients = &who,
	                    .n_clients = 1,
	                    .doses = &im,
	                    .n_doses = 1,
	                    .evals = &ev,
	                    .n_evals = 1,
	                    .forecast = &fc,
	                    .n_forecast = 1};
	o.control_id = "R-1";
	t = hl7_rsp_write(&o, q, &r, &len);
	ck_assert_ptr_nonnull(strstr(t, "QAK|TAG-9|OK|Z44^"));
	ck_assert_ptr_nonnull(strstr(t, "MSA|AA|Q-1\r"));
	ck_assert_ptr_nonnull(strstr(t, "|30980-7^Date vaccine due^LN|1|20190704|"));
	m = parse_ok(t);
	struct hl7_rsp_read rr;
	struct vax_error err = {0};
	ck_assert(hl7_rsp_parse(m, &rr, &err));
	ck_assert_str_eq(rr.profile, "Z42");
	ck_assert_str_eq(rr.status, "OK");
	ck_assert_int_eq(rr.n_clients, 1);
	ck_assert_str_eq(rr.clients[0].name.family, "Peña");
	ck_assert_int_eq(rr.n_doses, 1);
	ck_assert_str_eq(rr.doses[0].cvx, "20");
	ck_assert_int_eq(rr.n_forecast, 1);
	hl7_rsp_read_free(&rr);
	hl7_free(&m);
	free(t);
	/* nobody found: Z33 */
	struct hl7_rsp none = {.status = "NF"};
	t = hl7_rsp_write(&o, q, &none, &len);
	ck_assert_ptr_nonnull(strstr(t, "Z33^CDCPHINVS"));
	ck_assert_ptr_nonnull(strstr(t, "QAK|TAG-9|NF|"));
	free(t);
	free(q);
}
END_TEST

Suite *hl7_suite(void)
{
	Suite *s = suite_create("hl7");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, parse_positions);
	tcase_add_test(tc, parse_other_separators_and_latin1);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, build_and_escape);
	suite_add_tcase(s, tc);
	tc = tcase_create("vxu");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, vxu_round_trip_generated);
	tcase_add_test(tc, vxu_round_trip_standard_fields);
	tcase_add_test(tc, cdc_z22_administered);
	tcase_add_test(tc, cdc_z22_not_administered);
	tcase_add_test(tc, vxu_codes_never_cut);
	tcase_add_test(tc, cdc_batches);
	tcase_add_test(tc, rules_in_hl7_terms);
	suite_add_tcase(s, tc);
	tc = tcase_create("ack");
	tcase_add_test(tc, ack_round_trip);
	tcase_add_test(tc, batch_files);
	tcase_add_test(tc, query_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
