/* tests/print/test_print.c - the computations behind the printed documents,
 * against hand-worked cases: the recall selection's exclusions and due
 * dates, the provider summary's timeliness, completeness, coverage and
 * errors, a record's history by vaccine group, the CSV writer, and the
 * readers of the registry's report answers (errors named). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/fhir.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"
#include "print/csvout.h"
#include "print/doc.h"
#include "print/history.h"
#include "print/recall.h"
#include "print/schoolrep.h"
#include "print/summary.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct cdsi_data *data;
static struct school_reqs *texas;

static void load_all(void)
{
	testutil_load_schedules(&data, &texas);
}

static void free_all(void)
{
	school_free(texas);
	cdsi_data_free(data);
}

static vax_date ymd(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

static void client(struct client *c, const char *family, vax_date dob)
{
	client_init(c);
	snprintf(c->name.family, sizeof c->name.family, "%s", family);
	snprintf(c->name.given, sizeof c->name.given, "Ana");
	c->dob = dob;
	c->sex = SEX_FEMALE;
	c->n_addr = 1;
	snprintf(c->addr[0].line1, sizeof c->addr[0].line1, "1 Main St");
	snprintf(c->addr[0].city, sizeof c->addr[0].city, "Austin");
	snprintf(c->addr[0].state, sizeof c->addr[0].state, "TX");
	snprintf(c->addr[0].zip, sizeof c->addr[0].zip, "78701");
}

static struct immunization shot(const char *cvx, vax_date when)
{
	struct immunization im;
	imm_init(&im);
	snprintf(im.cvx, sizeof im.cvx, "%s", cvx);
	im.date_given = when;
	im.historical = true;
	return im;
}

/* ---- doc ----------------------------------------------------------------------- */

START_TEST(doc_words)
{
	char buf[200];
	struct person_name n = {.family = "García López", .given = "Ana", .middle = "María", .suffix = ""};
	ck_assert_str_eq(doc_name_natural(&n, buf, sizeof buf), "Ana María García López");
	ck_assert_str_eq(doc_date_long(ymd(2026, 11, 2), DOC_EN, buf, sizeof buf), "November 2, 2026");
	ck_assert_str_eq(doc_date_long(ymd(2026, 11, 2), DOC_ES, buf, sizeof buf), "2 de noviembre de 2026");
	ck_assert_str_eq(doc_date_short(ymd(2026, 3, 4), DOC_ES, buf, sizeof buf), "04/03/2026");
	ck_assert_str_eq(doc_date_short(DATE_NONE, DOC_EN, buf, sizeof buf), "");
	struct address a = {
	    .line1 = "1 Main St", .line2 = "Apt 2", .city = "Austin", .state = "TX", .zip = "78701"};
	ck_assert_str_eq(doc_address(&a, "|", buf, sizeof buf), "1 Main St|Apt 2|Austin, TX  78701");
	struct address none = {0};
	ck_assert_str_eq(doc_address(&none, "|", buf, sizeof buf), "");
	enum doc_lang l;
	ck_assert(doc_lang_parse("ES", &l) && l == DOC_ES);
	ck_assert(!doc_lang_parse("fr", &l));
}
END_TEST

/* ---- csvout -------------------------------------------------------------------- */

START_TEST(csv_quoting)
{
	struct csvout o = {0};
	csvout_field(&o, "");
	csvout_field(&o, "a,b");
	csvout_field(&o, "say \"hi\"");
	csvout_field(&o, "=SUM(A1)");
	csvout_plain(&o, "-5");
	csvout_field(&o, "two\nlines");
	csvout_end_row(&o);
	csvout_field(&o, "");
	csvout_field(&o, "x");
	csvout_end_row(&o);
	ck_assert_str_eq(o.buf, ",\"a,b\",\"say \"\"hi\"\"\",\"'=SUM(A1)\",-5,\"two\nlines\"\r\n,x\r\n");
	/* and the project's own RFC 4180 reader reads it back */
	struct csv_reader r;
	struct csv_row row = {0};
	csv_init(&r, "t.csv", o.buf, o.len);
	ck_assert_int_eq(csv_next(&r, &row, NULL), CSV_ROW);
	ck_assert_int_eq(row.n, 6);
	ck_assert_str_eq(row.field[2], "say \"hi\"");
	ck_assert_str_eq(row.field[5], "two\nlines");
	ck_assert_int_eq(csv_next(&r, &row, NULL), CSV_ROW);
	ck_assert_int_eq(row.n, 2);
	ck_assert_str_eq(row.field[0], "");
	ck_assert_int_eq(csv_next(&r, &row, NULL), CSV_END);
	csv_row_free(&row);
	csvout_free(&o);
}
END_TEST

/* ---- recall -------------------------------------------------------------------- */

START_TEST(recall_exclusions)
{
	struct recall_criteria q = {.age_min_months = 0, .age_max_months = 72, .on = ymd(2026, 11, 22)};
	struct recall_result r;
	struct client c;
	struct vax_error err = {0};
	/* each exclusion alone, and the order they are checked in */
	client(&c, "A", DATE_NONE);
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_NO_DOB);
	client(&c, "A", ymd(2020, 11, 21)); /* 72 months and a day: still 72 */
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_SELECTED);
	client(&c, "A", ymd(2020, 10, 21)); /* 73 months */
	c.org_status = ORG_STATUS_INACTIVE;
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_OUT_OF_AGE);
	client(&c, "A", ymd(2024, 1, 1));
	c.deceased = true;
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_INACTIVE);
	client(&c, "A", ymd(2024, 1, 1));
	c.org_status = ORG_STATUS_LOST;
	c.reminder_recall = false;
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_INACTIVE);
	client(&c, "A", ymd(2024, 1, 1));
	c.reminder_recall = false;
	c.no_viable_address = true;
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_OPTED_OUT);
	client(&c, "A", ymd(2024, 1, 1));
	c.addr[0].zip[0] = '\0'; /* nothing to put on an envelope */
	ck_assert(!recall_address_viable(&c));
	ck_assert(recall_check(&q, data, texas, &c, NULL, 0, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_NO_ADDRESS);
	client(&c, "A", ymd(2024, 1, 1));
	c.n_addr = 0;
	ck_assert(!recall_address_viable(&c));
	ck_assert_int_eq(recall_outcome_parse("no-address"), RECALL_NO_ADDRESS);
	ck_assert_int_eq(recall_outcome_parse("nope"), -1);
}
END_TEST

START_TEST(recall_vaccines)
{
	/* born 07/20/2026, hepatitis B at birth: on 11/22/2026 dose 2 was due
	 * at 1 month (08/20) and past due from 4 months less 4 days (11/16) */
	struct recall_criteria q = {
	    .mode = RECALL_VACCINES, .age_min_months = -1, .age_max_months = -1, .on = ymd(2026, 11, 22)};
	q.groups[q.ngroups++] = cdsi_group_find(data, "HepB");
	q.groups[q.ngroups++] = cdsi_group_find(data, "MMR");
	struct client c;
	client(&c, "Okafor", ymd(2026, 7, 20));
	struct immunization im = shot("08", ymd(2026, 7, 20));
	struct recall_result r;
	struct vax_error err = {0};
	ck_assert(recall_check(&q, data, texas, &c, &im, 1, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_SELECTED);
	ck_assert_int_eq(r.ndue, 1); /* MMR is not due before 12 months */
	ck_assert_str_eq(r.due[0].vaccine, "Hepatitis B");
	ck_assert_int_eq(r.due[0].dose_number, 2);
	ck_assert_int_eq(r.due[0].due, ymd(2026, 8, 20));
	ck_assert_int_eq(r.due[0].past_due, ymd(2026, 11, 16));
	ck_assert(r.due[0].overdue);
	/* a week earlier it was due but not overdue: a reminder, not a recall */
	q.on = ymd(2026, 11, 15);
	ck_assert(recall_check(&q, data, texas, &c, &im, 1, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_SELECTED);
	ck_assert(!r.due[0].overdue);
	q.overdue_only = true;
	ck_assert(recall_check(&q, data, texas, &c, &im, 1, &r, &err));
	ck_assert_int_eq(r.outcome, RECALL_NOT_DUE);
	/* a refusal and a record entered in error are not doses */
	struct immunization two[3] = {im, shot("08", ymd(2026, 8, 25)), shot("08", ymd(2026, 9, 1))};
	two[1].refused = true;
	two[2].entered_in_error = true;
	q.overdue_only = false;
	q.on = ymd(2026, 11, 22);
	ck_assert(recall_check(&q, data, texas, &c, two, 3, &r, &err));
	ck_assert_int_eq(r.ndue, 1);
	ck_assert_int_eq(r.due[0].dose_number, 2);
}
END_TEST

/* ---- provider summary --------------------------------------------------------- */

/* Up to date for 4:3:1:3:3:1:4 at 26 months (born 01/10/2024, checked
 * 03/31/2026), every dose on the ACIP schedule. */
static size_t utd_history(struct immunization *h, bool fourth_pcv)
{
	static const struct {
		const char *cvx;
		int y, m, d;
	} plan[] = {
	    {"08", 2024, 1, 10},  {"08", 2024, 2, 15},  {"08", 2024, 7, 15},  {"20", 2024, 3, 10},
	    {"20", 2024, 5, 10},  {"20", 2024, 7, 10},  {"20", 2025, 4, 15},  {"10", 2024, 3, 10},
	    {"10", 2024, 5, 10},  {"10", 2024, 7, 10},  {"49", 2024, 3, 10},  {"49", 2024, 5, 10},
	    {"49", 2025, 1, 15},  {"133", 2024, 3, 10}, {"133", 2024, 5, 10}, {"133", 2024, 7, 10},
	    {"133", 2025, 1, 15}, {"03", 2025, 1, 15},  {"21", 2025, 1, 15},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof plan / sizeof *plan; i++) {
		if (!fourth_pcv && !strcmp(plan[i].cvx, "133") && plan[i].y == 2025)
			continue;
		h[n++] = shot(plan[i].cvx, ymd(plan[i].y, plan[i].m, plan[i].d));
	}
	return n;
}

START_TEST(summary_coverage)
{
	struct summary s;
	summary_init(&s, "CLINPENA", ymd(2026, 1, 1), ymd(2026, 3, 31));
	vax_date first, last;
	summary_cohort_births(&s, &first, &last);
	ck_assert_int_eq(first, ymd(2023, 4, 1)); /* 35 months old on 3/31/2026 */
	ck_assert_int_eq(last, ymd(2024, 3, 31)); /* 24 months */
	struct immunization h[32];
	struct client c;
	struct vax_error err = {0};
	client(&c, "Full", ymd(2024, 1, 10));
	size_t n = utd_history(h, true);
	ck_assert(summary_add_cohort(&s, data, &c, h, n, &err));
	client(&c, "ShortPCV", ymd(2024, 1, 10));
	n = utd_history(h, false);
	ck_assert(summary_add_cohort(&s, data, &c, h, n, &err));
	client(&c, "Moved", ymd(2024, 1, 10));
	c.org_status = ORG_STATUS_MOVED;
	ck_assert(summary_add_cohort(&s, data, &c, h, n, &err));
	client(&c, "ThirtySix", ymd(2023, 3, 31));
	ck_assert(summary_add_cohort(&s, data, &c, NULL, 0, &err));
	client(&c, "TwentyThree", ymd(2024, 4, 1));
	ck_assert(summary_add_cohort(&s, data, &c, NULL, 0, &err));
	client(&c, "ThirtyFiveNone", ymd(2023, 4, 1)); /* in the cohort, no doses at all */
	ck_assert(summary_add_cohort(&s, data, &c, NULL, 0, &err));
	ck_assert_int_eq(s.cohort, 3);
	ck_assert_int_eq(s.utd, 1);
	ck_assert_int_eq(s.short_of[6], 2); /* PCV: ShortPCV and ThirtyFiveNone */
	ck_assert_int_eq(s.short_of[0], 1); /* DTaP: ThirtyFiveNone */
	/* a dose given after the period does not count for it */
	summary_init(&s, "CLINPENA", ymd(2025, 1, 1), ymd(2026, 3, 31));
	client(&c, "Late", ymd(2024, 1, 10));
	n = utd_history(h, true);
	h[n++] = shot("03", ymd(2026, 4, 2));
	h[n - 1].date_given = ymd(2026, 4, 2);
	ck_assert(summary_add_cohort(&s, data, &c, h, n, &err));
	ck_assert_int_eq(s.utd, 1);
}
END_TEST

START_TEST(summary_doses)
{
	struct summary s;
	summary_init(&s, "CLINPENA", ymd(2026, 1, 1), ymd(2026, 3, 31));
	struct client c;
	client(&c, "Timely", ymd(2025, 1, 10));
	struct immunization h[12];
	bool mine[12];
	vax_date recv[12];
	size_t n = 0;
	/* administered here, reported after 0, 1, 2, 7, 8, 30 and 31 days */
	static const int lag[] = {0, 1, 2, 7, 8, 30, 31};
	static const char *cvx[] = {"141", "88", "20", "10", "49", "133", "83"};
	for (int i = 0; i < 7; i++) {
		h[n] = shot(cvx[i], date_add_days(ymd(2026, 1, 10), 7 * i));
		h[n].historical = false;
		snprintf(h[n].lot, sizeof h[n].lot, "L%d", i);
		if (i < 5)
			snprintf(h[n].funding, sizeof h[n].funding, "VXC1");
		if (i < 6)
			snprintf(h[n].vfc, sizeof h[n].vfc, "V02");
		if (i < 2)
			h[n].n_vis = 1;
		mine[n] = true;
		recv[n] = date_add_days(h[n].date_given, lag[i]);
		n++;
	}
	/* not counted: another organization's dose, a historical record, one
	 * outside the period, one entered in error */
	h[n] = shot("08", ymd(2026, 2, 1)), h[n].historical = false, mine[n] = false,
	recv[n] = ymd(2026, 2, 1), n++;
	h[n] = shot("08", ymd(2025, 1, 10)), mine[n] = true, recv[n] = ymd(2026, 2, 2), n++;
	h[n] = shot("141", ymd(2025, 12, 31)), h[n].historical = false, mine[n] = true,
	recv[n] = ymd(2026, 1, 1), n++;
	h[n] = shot("141", ymd(2026, 3, 1)), h[n].historical = false, h[n].entered_in_error = true,
	mine[n] = true, recv[n] = ymd(2026, 3, 1), n++;
	struct vax_error err = {0};
	ck_assert(summary_add_doses(&s, data, NULL, ymd(2026, 4, 1), &c, "pat-1", h, n, mine, recv, &err));
	ck_assert_int_eq(s.doses, 7);
	ck_assert_int_eq(s.within[0], 2); /* 0 and 1 day */
	ck_assert_int_eq(s.within[1], 4); /* and 2 and 7 */
	ck_assert_int_eq(s.within[2], 6); /* all but 31 */
	ck_assert_int_eq(s.with_lot, 7);
	ck_assert_int_eq(s.with_funding, 5);
	ck_assert_int_eq(s.with_eligibility, 6);
	ck_assert_int_eq(s.with_vis, 2);
	ck_assert_int_eq(s.historical, 0); /* the historical record is outside the period */
	char pc[16];
	ck_assert_str_eq(summary_percent(s.within[2], s.doses, pc, sizeof pc), "85.7");
	ck_assert_str_eq(summary_percent(1, 0, pc, sizeof pc), "-");
}
END_TEST

START_TEST(summary_errors)
{
	/* an MMR 10 days after the first (not valid, but outside the 4-day
	 * duplicate window), a duplicate DTaP two days after another, and doses
	 * the client's (corrected) birth date now puts before birth */
	struct summary s;
	summary_init(&s, "CLINPENA", ymd(2026, 1, 1), ymd(2026, 3, 31));
	struct client c;
	client(&c, "Errors", ymd(2024, 1, 10));
	struct immunization h[6];
	bool mine[6] = {true, true, true, true, false, true};
	vax_date recv[6];
	h[0] = shot("03", ymd(2026, 1, 15));
	h[1] = shot("03", ymd(2026, 1, 25));
	h[2] = shot("20", ymd(2026, 2, 1));
	h[3] = shot("20", ymd(2026, 2, 3));
	h[4] = shot("20", ymd(2025, 1, 1));
	h[5] = shot("141", ymd(2026, 3, 1));
	for (int i = 0; i < 6; i++) {
		h[i].historical = false;
		snprintf(h[i].lot, sizeof h[i].lot, "L");
		snprintf(h[i].funding, sizeof h[i].funding, "VXC1");
		snprintf(h[i].vfc, sizeof h[i].vfc, "V02");
		snprintf(h[i].id, sizeof h[i].id, "imm-%d", i);
		recv[i] = h[i].date_given;
	}
	struct vax_error err = {0};
	ck_assert(summary_add_doses(&s, data, NULL, ymd(2026, 4, 1), &c, "pat-9", h, 6, mine, recv, &err));
	ck_assert_int_eq(s.doses, 5);
	int interval = 0, dup = 0;
	for (int i = 0; i < s.nissues; i++) {
		if (!strcmp(s.issues[i].code, "Q-NOT-VALID-INTERVAL") ||
		    !strcmp(s.issues[i].code, "Q-NOT-VALID-AGE"))
			interval += s.issues[i].count;
		if (!strcmp(s.issues[i].code, "V-DUPLICATE-SHOT"))
			dup += s.issues[i].count;
	}
	ck_assert_int_ge(interval, 1); /* the second MMR */
	ck_assert_int_eq(dup, 1);      /* the second DTaP */
	bool found = false;
	for (int i = 0; i < s.nexamples; i++)
		found |=
		    !strcmp(s.examples[i].immunization, "imm-1") && !strcmp(s.examples[i].patient, "pat-9");
	ck_assert(found);
	/* the birth date corrected after the doses were recorded */
	summary_init(&s, "CLINPENA", ymd(2026, 1, 1), ymd(2026, 3, 31));
	c.dob = ymd(2026, 2, 15);
	ck_assert(!summary_add_doses(&s, data, NULL, ymd(2026, 4, 1), &c, "pat-9", h, 6, mine, recv, &err) ||
	          s.nissues > 0);
	int before = 0;
	for (int i = 0; i < s.nissues; i++)
		if (!strcmp(s.issues[i].code, "V-SHOT-BEFORE-DOB"))
			before = s.issues[i].count;
	ck_assert_int_eq(before, 4); /* the four of the organization's doses in the period */
}
END_TEST

START_TEST(summary_json)
{
	struct summary s, t;
	summary_init(&s, "CLINPENA", ymd(2026, 1, 1), ymd(2026, 3, 31));
	s.doses = 9, s.within[0] = 4, s.within[1] = 7, s.within[2] = 8, s.with_lot = 9, s.cohort = 3,
	s.utd = 2;
	s.short_of[6] = 1;
	s.errors = 1;
	s.nissues = 1;
	snprintf(s.issues[0].code, sizeof s.issues[0].code, "V-EXPIRED");
	snprintf(s.issues[0].text, sizeof s.issues[0].text, "The lot had expired on the vaccination date.");
	s.issues[0].count = 1;
	s.nexamples = 1;
	snprintf(s.examples[0].code, sizeof s.examples[0].code, "V-EXPIRED");
	snprintf(s.examples[0].immunization, sizeof s.examples[0].immunization, "imm-3");
	snprintf(s.examples[0].patient, sizeof s.examples[0].patient, "pat-3");
	s.examples[0].date = ymd(2026, 2, 2);
	cJSON *j = summary_to_json(&s);
	struct vax_error err = {0};
	ck_assert_msg(summary_from_json(j, &t, &err), "%s", err.message);
	cJSON_Delete(j);
	ck_assert_str_eq(t.org, "CLINPENA");
	ck_assert_int_eq(t.from, s.from);
	ck_assert_int_eq(t.within[1], 7);
	ck_assert_int_eq(t.short_of[6], 1);
	ck_assert_str_eq(t.issues[0].text, s.issues[0].text);
	ck_assert_str_eq(t.examples[0].patient, "pat-3");
	ck_assert_int_eq(t.examples[0].date, ymd(2026, 2, 2));
	/* wrong shapes are refused with the parameter named */
	j = cJSON_Parse("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"start\",\"valueDate\":"
	                "\"2026-13-01\"}]}");
	ck_assert(!summary_from_json(j, &t, &err));
	ck_assert_str_eq(err.code, "SUMMARY-FORMAT");
	ck_assert_ptr_nonnull(strstr(err.message, "'start'"));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"resourceType\":\"Bundle\"}");
	ck_assert(!summary_from_json(j, &t, &err));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"resourceType\":\"Parameters\",\"parameter\":[]}");
	ck_assert(!summary_from_json(j, &t, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "no period"));
	cJSON_Delete(j);
}
END_TEST

/* ---- school report reader ------------------------------------------------------ */

START_TEST(schoolrep_read)
{
	const char *ok =
	    "{\"group\":\"Group/g1\",\"grade\":\"K\",\"date\":\"2024-08-20\",\"name\":\"Becker\","
	    "\"students\":[{\"patient\":\"Patient/k2\",\"name\":\"Ortiz, Luis\",\"birthDate\":"
	    "\"2018-01-15\",\"compliant\":false,\"requirements\":[{\"vaccine\":\"MMR\",\"status\":"
	    "\"due\",\"due\":\"2024-09-08\",\"validDoses\":1,\"dose\":2}]}]}";
	cJSON *j = cJSON_Parse(ok);
	struct schoolrep r;
	struct vax_error err = {0};
	ck_assert_msg(schoolrep_from_json(j, &r, &err), "%s", err.message);
	cJSON_Delete(j);
	ck_assert_str_eq(r.group, "g1");
	ck_assert_str_eq(r.list_name, "Becker");
	ck_assert_int_eq(r.total, 1);
	ck_assert_int_eq(r.compliant, 0);
	ck_assert_str_eq(r.students[0].patient, "k2");
	ck_assert_int_eq(r.students[0].items[0].status, SCHOOL_DUE);
	ck_assert_int_eq(r.students[0].items[0].earliest, ymd(2024, 9, 8));
	ck_assert_int_eq(r.students[0].items[0].dose, 2);
	schoolrep_free(&r);
	static const char *const bad[][2] = {
	    {"[]", "no students"},
	    {"{\"grade\":\"K\",\"date\":\"2024-08-20\",\"students\":[{\"patient\":\"Group/x\"}]}",
	     "student 1: no patient"},
	    {"{\"grade\":\"K\",\"date\":\"2024-08-20\",\"students\":[{\"patient\":\"Patient/"
	     "x\",\"birthDate\":\"x\"}]}",
	     "student 1: the birth date"},
	    {"{\"grade\":\"K\",\"date\":\"2024-08-20\",\"students\":[{\"patient\":\"Patient/"
	     "x\"},{\"patient\":"
	     "\"Patient/y\",\"requirements\":{}}]}",
	     "student 2: the requirements are not a list"},
	    {"{\"grade\":\"K\",\"date\":\"2024-08-20\",\"students\":[{\"patient\":\"Patient/"
	     "x\",\"requirements\":[{"
	     "\"vaccine\":\"MMR\",\"status\":\"met\",\"earliest\":\"08/20/2024\"}]}]}",
	     "student 1: a requirement's date"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		j = cJSON_Parse(bad[i][0]);
		ck_assert_msg(!schoolrep_from_json(j, &r, &err), "%s read", bad[i][0]);
		ck_assert_msg(strstr(err.message, bad[i][1]) != NULL, "%s: %s", bad[i][0], err.message);
		cJSON_Delete(j);
	}
}
END_TEST

/* ---- history -------------------------------------------------------------------- */

START_TEST(history_groups)
{
	struct client c;
	client(&c, "H", ymd(2022, 1, 10));
	struct immunization h[6] = {
	    shot("03", ymd(2023, 1, 15)),  shot("08", ymd(2022, 1, 10)), shot("03", ymd(2023, 1, 25)),
	    shot("110", ymd(2022, 3, 10)), shot("08", ymd(2022, 5, 1)),  shot("88", ymd(2023, 10, 1)),
	};
	h[5].refused = true;
	struct history hi;
	struct vax_error err = {0};
	ck_assert_msg(history_build(data, &c, h, 6, ymd(2026, 1, 1), &hi, &err), "%s", err.message);
	ck_assert_int_eq(hi.given, 5);
	ck_assert_int_eq(hi.refusals, 1);
	/* hepatitis B first (a childhood record's order), with the combination
	 * vaccine (DTaP-HepB-IPV) under each of its groups */
	ck_assert_str_eq(hi.groups[0].name, "Hepatitis B");
	ck_assert_int_eq(hi.groups[0].ndoses, 3);
	ck_assert_int_eq(hi.groups[0].doses[1].imm, 3);
	/* with a combination vaccine in it, CDSi counts hepatitis B on its 4-dose series */
	ck_assert_str_eq(hi.groups[0].doses[0].label, "1 of 4");
	bool dtap = false, polio = false, mmr = false;
	for (size_t g = 0; g < hi.ngroups; g++) {
		dtap |= !strcmp(hi.groups[g].name, "DTaP/Tdap/Td") && hi.groups[g].doses[0].imm == 3;
		polio |= !strcmp(hi.groups[g].name, "Polio") && hi.groups[g].doses[0].imm == 3;
		if (!strcmp(hi.groups[g].name, "MMR")) {
			mmr = true;
			ck_assert_int_eq(hi.groups[g].valid, 1);
			ck_assert(!hi.groups[g].doses[1].valid);
			ck_assert_ptr_nonnull(strstr(hi.groups[g].doses[1].label, "NOT VALID"));
		}
	}
	ck_assert(dtap && polio && mmr);
	history_free(&hi);
	/* a dose before birth: no evaluation, and a message that says so */
	c.dob = ymd(2023, 1, 20);
	ck_assert(!history_build(data, &c, h, 6, ymd(2026, 1, 1), &hi, &err));
}
END_TEST

Suite *print_suite(void)
{
	Suite *s = suite_create("print");
	TCase *t = tcase_create("print");
	tcase_add_unchecked_fixture(t, load_all, free_all);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, doc_words);
	tcase_add_test(t, csv_quoting);
	tcase_add_test(t, recall_exclusions);
	tcase_add_test(t, recall_vaccines);
	tcase_add_test(t, summary_coverage);
	tcase_add_test(t, summary_doses);
	tcase_add_test(t, summary_errors);
	tcase_add_test(t, summary_json);
	tcase_add_test(t, schoolrep_read);
	tcase_add_test(t, history_groups);
	suite_add_tcase(s, t);
	return s;
}
