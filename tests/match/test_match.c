/* tests/match/test_match.c - field comparators, grading, twins, name
 * changes, blocking keys and the in-memory index. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/match.h"
#include "core/text.h"
#include "tests/suites.h"

static struct client person(const char *family, const char *given, int y, int m, int d, enum sex sex)
{
	struct client c;
	client_init(&c);
	text_copy(c.name.family, sizeof c.name.family, family);
	text_copy(c.name.given, sizeof c.name.given, given);
	c.dob = y ? date_from_ymd(y, m, d) : DATE_NONE;
	c.sex = sex;
	return c;
}

static void contact(struct client *c, const char *phone, const char *line1, const char *zip,
                    const char *maiden)
{
	c->n_phone = 1;
	text_copy(c->phone[0].number, sizeof c->phone[0].number, phone);
	c->n_addr = 1;
	text_copy(c->addr[0].line1, sizeof c->addr[0].line1, line1);
	text_copy(c->addr[0].zip, sizeof c->addr[0].zip, zip);
	text_copy(c->mother_maiden, sizeof c->mother_maiden, maiden);
}

static bool said(const struct match_result *r, const char *words)
{
	for (int i = 0; i < r->n_why; i++)
		if (strstr(r->why[i], words))
			return true;
	return false;
}

static struct match_result score(const struct client *q, const struct client *c)
{
	struct match_result r;
	match_score(q, c, &r);
	ck_assert(r.score >= 0.0 && r.score <= 1.0);
	return r;
}

START_TEST(identical_is_certain)
{
	struct client c = person("García López", "María", 2019, 3, 15, SEX_FEMALE);
	struct match_result r = score(&c, &c);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(r.score > 0.99);
	ck_assert(said(&r, "DOB agrees"));
	ck_assert(said(&r, "last name agrees"));
	ck_assert(said(&r, "first name agrees"));
	ck_assert_str_eq(match_grade_code(r.grade), "certain");
	ck_assert_str_eq(match_grade_code(MATCH_NONE), "certainly-not");
}
END_TEST

START_TEST(accents_case_and_punctuation_do_not_matter)
{
	struct client rec = person("Peña-O'Neil", "José Ángel", 2018, 1, 2, SEX_MALE);
	struct client q = person("PENA ONEIL", "jose angel", 2018, 1, 2, SEX_NONE);
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "last name agrees"));
	ck_assert(said(&r, "first name agrees"));
}
END_TEST

START_TEST(empty_fields)
{
	struct client empty = person("", "", 0, 0, 0, SEX_NONE);
	struct client rec = person("García", "María", 2019, 3, 15, SEX_FEMALE);
	struct match_result r = score(&empty, &rec);
	ck_assert_int_eq(r.grade, MATCH_NONE);
	ck_assert(r.weight == 0.0);
	ck_assert_int_eq(r.n_why, 0);
	r = score(&empty, &empty);
	ck_assert_int_eq(r.grade, MATCH_NONE);
	/* only punctuation is as good as empty */
	struct client dots = person("--", "'", 0, 0, 0, SEX_NONE);
	r = score(&dots, &rec);
	ck_assert_int_eq(r.grade, MATCH_NONE);
}
END_TEST

START_TEST(very_long_names)
{
	struct client a, b;
	client_init(&a);
	char longname[VAX_NAME_LEN * 3];
	longname[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(longname, i % 2 ? "ñ" : "de la ");
	text_copy(a.name.family, sizeof a.name.family, longname);
	text_copy(a.name.given, sizeof a.name.given, longname);
	a.dob = date_from_ymd(2000, 1, 1);
	b = a;
	struct match_result r = score(&a, &b);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	memset(b.name.given, 'z', sizeof b.name.given - 1);
	b.name.given[sizeof b.name.given - 1] = '\0';
	r = score(&a, &b);
	ck_assert_int_lt(r.grade, MATCH_CERTAIN);
	for (int i = 0; i < r.n_why; i++)
		ck_assert(text_utf8_valid(r.why[i]));
}
END_TEST

START_TEST(compound_surnames)
{
	struct client rec = person("García López", "María", 2019, 3, 15, SEX_FEMALE);
	struct client q = rec;

	text_copy(q.name.family, sizeof q.name.family, "López García");
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "other order (López García vs García López)"));

	text_copy(q.name.family, sizeof q.name.family, "Garcia-Lopez");
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "last name agrees"));

	/* only one part: found, but a person confirms unless contact agrees */
	text_copy(q.name.family, sizeof q.name.family, "García");
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_PROBABLE);
	ck_assert(said(&r, "part of the compound name (García vs García López)"));
	contact(&rec, "5125550100", "12 Pecan St", "78701", "López");
	contact(&q, "5125550100", "", "", "");
	q.n_addr = 0;
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);

	text_copy(q.name.family, sizeof q.name.family, "López");
	r = score(&q, &rec);
	ck_assert(said(&r, "part of the compound name"));

	/* sharing one of two parts is weaker than containing */
	struct client other = person("García Pérez", "María", 2019, 3, 15, SEX_FEMALE);
	struct match_result part = score(&other, &rec);
	ck_assert(said(&part, "shares one part"));
	ck_assert(part.weight < score(&q, &rec).weight);
}
END_TEST

START_TEST(typos_and_sound_alikes)
{
	struct client rec = person("Rodríguez", "Alejandro", 2015, 6, 1, SEX_MALE);
	struct client q = person("Rodrigeuz", "Alejandro", 2015, 6, 1, SEX_NONE);
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "spelled differently (Rodrigeuz vs Rodríguez)"));
	text_copy(q.name.family, sizeof q.name.family, "Rodirguez");
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "sounds alike"));
	text_copy(q.name.given, sizeof q.name.given, "Alexjandro");
	r = score(&q, &rec);
	ck_assert(said(&r, "first name spelled differently"));
	text_copy(q.name.family, sizeof q.name.family, "Smith");
	r = score(&q, &rec);
	ck_assert(said(&r, "last name differs (Smith vs Rodríguez)"));
	ck_assert_int_lt(r.grade, MATCH_CERTAIN);
}
END_TEST

START_TEST(nicknames)
{
	struct client rec = person("Hernández", "Jesús", 2012, 9, 9, SEX_MALE);
	struct client q = person("Hernandez", "Chuy", 2012, 9, 9, SEX_NONE);
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "first name is a nickname of the other (Chuy vs Jesús)"));
	struct client bill = person("Smith", "Bill", 1990, 2, 3, SEX_MALE);
	struct client william = person("Smith", "William", 1990, 2, 3, SEX_MALE);
	r = score(&bill, &william);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "nickname"));
}
END_TEST

START_TEST(swapped_first_and_last)
{
	struct client rec = person("Nguyễn", "Minh", 2016, 4, 20, SEX_MALE);
	struct client q = person("Minh", "Nguyen", 2016, 4, 20, SEX_NONE);
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "first and last names swapped"));
	struct match_result straight = score(&rec, &rec);
	ck_assert(r.weight < straight.weight);
}
END_TEST

START_TEST(dob_errors)
{
	struct client rec = person("Garza", "Luis", 2017, 3, 4, SEX_MALE);
	struct client q = rec;
	q.dob = date_from_ymd(2017, 4, 3);
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_PROBABLE);
	ck_assert(said(&r, "day and month swapped (04/03/2017 vs 03/04/2017)"));

	q.dob = date_from_ymd(2017, 3, 14);
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_PROBABLE);
	ck_assert(said(&r, "differs by one digit"));

	q.dob = date_from_ymd(2071, 3, 4); /* 17 typed 71 */
	r = score(&q, &rec);
	ck_assert(said(&r, "differs by one digit"));

	q.dob = date_from_ymd(2018, 3, 4);
	r = score(&q, &rec);
	ck_assert(said(&r, "by one"));

	q.dob = date_from_ymd(2010, 11, 25);
	r = score(&q, &rec);
	ck_assert(said(&r, "DOB differs"));
	ck_assert_int_le(r.grade, MATCH_POSSIBLE);
	struct match_result exact = score(&rec, &rec);
	ck_assert(r.weight < exact.weight - 15);

	/* no DOB: never certain */
	q.dob = DATE_NONE;
	r = score(&q, &rec);
	ck_assert_int_lt(r.grade, MATCH_CERTAIN);
}
END_TEST

START_TEST(twins_are_kept_apart)
{
	struct client a = person("Trần", "Hùng", 2021, 6, 2, SEX_MALE);
	struct client b = person("Trần", "Hương", 2021, 6, 2, SEX_FEMALE);
	contact(&a, "7135550101", "4 Oak Ln", "77002", "Lê");
	contact(&b, "7135550101", "4 Oak Ln", "77002", "Lê");
	a.multiple_birth = 1;
	b.multiple_birth = 2;
	/* the desk types twin A without the birth order */
	struct client q = a;
	q.multiple_birth = 0;
	struct match_result ra = score(&q, &a), rb = score(&q, &b);
	ck_assert_int_eq(ra.grade, MATCH_CERTAIN);
	ck_assert_int_lt(rb.grade, MATCH_CERTAIN);
	ck_assert(ra.weight > rb.weight);
	ck_assert(said(&rb, "twin"));

	/* twins with clearly different names, no birth order on record */
	struct client c = person("García", "Sofía", 2020, 1, 29, SEX_FEMALE);
	struct client d = person("García", "Valentina", 2020, 1, 29, SEX_FEMALE);
	contact(&c, "2105550123", "9 Elm St", "78205", "Ruiz");
	contact(&d, "2105550123", "9 Elm St", "78205", "Ruiz");
	struct match_result rd = score(&c, &d);
	ck_assert_int_le(rd.grade, MATCH_PROBABLE);
	ck_assert(said(&rd, "same DOB but a different first name"));

	/* boy-girl twins whose names fold alike, no birth order on record */
	struct client maria = person("Cantú", "María", 2019, 7, 7, SEX_FEMALE);
	struct client mario = person("Cantú", "Mario", 2019, 7, 7, SEX_MALE);
	contact(&maria, "9565550177", "3 Frio Ct", "78040", "Leal");
	contact(&mario, "9565550177", "3 Frio Ct", "78040", "Leal");
	struct match_result rm = score(&maria, &mario);
	ck_assert_int_lt(rm.grade, MATCH_CERTAIN);
	ck_assert(rm.not_certain);
	ck_assert(said(&rm, "sex differs"));

	/* a different birth order is never certain either */
	struct client e = c;
	e.multiple_birth = 1;
	struct client f = c;
	f.multiple_birth = 2;
	struct match_result rf = score(&e, &f);
	ck_assert_int_lt(rf.grade, MATCH_CERTAIN);
	ck_assert(said(&rf, "birth order"));
}
END_TEST

START_TEST(name_change_after_marriage)
{
	struct client rec = person("Moreno", "Adriana", 1990, 5, 17, SEX_FEMALE);
	contact(&rec, "9565550188", "210 Brazos Dr", "78520", "Treviño");
	text_copy(rec.mother_given, sizeof rec.mother_given, "Rosa");
	struct client q = person("Smith", "Adriana", 1990, 5, 17, SEX_FEMALE);
	contact(&q, "9565550188", "", "", "Trevino");
	q.n_addr = 0;
	struct match_result r = score(&q, &rec);
	ck_assert_int_ge(r.grade, MATCH_PROBABLE);
	ck_assert(said(&r, "last name differs (Smith vs Moreno)"));
	ck_assert(said(&r, "mother's maiden name agrees"));
	ck_assert(said(&r, "phone agrees"));

	/* another woman of that age and first name, nothing else shared */
	struct client stranger = person("Smith", "Adriana", 1991, 8, 2, SEX_FEMALE);
	ck_assert(score(&q, &stranger).grade < r.grade || score(&q, &stranger).weight < r.weight);

	/* the record knows the earlier name */
	struct person_name maiden = {.family = "Moreno", .given = "Adriana"};
	struct client married = rec;
	text_copy(married.name.family, sizeof married.name.family, "Smith");
	client_add_aka(&married, &maiden);
	struct client q2 = person("Moreno", "Adriana", 1990, 5, 17, SEX_NONE);
	r = score(&q2, &married);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "earlier name on record (Moreno)"));
}
END_TEST

START_TEST(middle_name_used_as_first)
{
	struct client rec = person("Flores", "María", 2011, 12, 12, SEX_FEMALE);
	text_copy(rec.name.middle, sizeof rec.name.middle, "Guadalupe");
	struct client q = person("Flores", "Lupe", 2011, 12, 12, SEX_NONE);
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_PROBABLE);
	ck_assert(said(&r, "middle name on record (Guadalupe)"));
	/* compound given name */
	text_copy(rec.name.given, sizeof rec.name.given, "María Guadalupe");
	rec.name.middle[0] = '\0';
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
}
END_TEST

START_TEST(namesakes_are_not_certain)
{
	/* two children with the same name and DOB, different mothers */
	struct client rec = person("Martínez", "Rafael", 2016, 10, 1, SEX_MALE);
	contact(&rec, "2145550144", "77 Lamar Blvd", "75201", "González");
	struct client q = person("Martinez", "Rafael", 2016, 10, 1, SEX_MALE);
	text_copy(q.mother_maiden, sizeof q.mother_maiden, "Vargas");
	struct match_result r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_PROBABLE);
	ck_assert(r.not_certain);
	ck_assert(said(&r, "mother's maiden name differs (Vargas vs González)"));
	/* the same mother, typed without the accent: certain */
	text_copy(q.mother_maiden, sizeof q.mother_maiden, "Gonzalez");
	r = score(&q, &rec);
	ck_assert_int_eq(r.grade, MATCH_CERTAIN);
	ck_assert(said(&r, "mother's maiden name agrees"));
}
END_TEST

static bool has_key(const struct match_keys *k, const char *key)
{
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->key[i], key) == 0)
			return true;
	return false;
}

START_TEST(blocking_keys)
{
	struct client c = person("García López", "Bill", 2019, 3, 4, SEX_MALE);
	c.n_phone = 1;
	text_copy(c.phone[0].number, sizeof c.phone[0].number, "(512) 555-0100");
	struct match_keys rk, qk;
	match_keys_record(&c, &rk);
	ck_assert(has_key(&rk, "D:20190304"));
	ck_assert(has_key(&rk, "P:5125550100"));
	ck_assert(has_key(&rk, "FY:KRS:2019"));
	ck_assert(has_key(&rk, "FY:LPS:2019"));
	ck_assert(has_key(&rk, "GF:BL:KRS"));
	ck_assert(has_key(&rk, "GF:WLM:KRS")); /* William, through the nickname */
	for (int i = 0; i < rk.n; i++) {
		ck_assert(strlen(rk.key[i]) > 2);
		for (const char *p = rk.key[i]; *p; p++)
			ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:", *p));
	}
	/* a query asks every record key and variants */
	match_keys_query(&c, &qk);
	for (int i = 0; i < rk.n; i++)
		ck_assert_msg(has_key(&qk, rk.key[i]), "query lacks %s", rk.key[i]);
	ck_assert(has_key(&qk, "D:20190403"));
	/* William typed at the desk meets Bill's record */
	struct client w = person("Garcia", "William", 2019, 3, 4, SEX_NONE);
	match_keys_query(&w, &qk);
	ck_assert(has_key(&qk, "GF:WLM:KRS"));
	/* nothing typed, no keys */
	struct client empty = person("", "", 0, 0, 0, SEX_NONE);
	match_keys_query(&empty, &qk);
	ck_assert_int_eq(qk.n, 0);
}
END_TEST

START_TEST(narrow_blocking_keys)
{
	struct client c = person("García López", "Bill", 2019, 3, 4, SEX_MALE);
	c.n_phone = 1;
	text_copy(c.phone[0].number, sizeof c.phone[0].number, "(512) 555-0100");
	struct match_keys rk, qk;
	match_block_record(&c, &rk);
	static const char *const want[] = {
	    "D:20190304",  "P:5125550100",  "Y:BL:KRS:201903", "M:BL:KRS:201904", "X:BL:KRS:0304",
	    "N:BL:KRS",    "G:BL:20190304", "F:KRS:20190304",  "F:LPS:20190304",  "G:WLM:20190304",
	    "A:BL:201903", "B:BL:0304",     "C:KRS:201903",    "E:LPS:0304",      "Y:WLM:LPS:201903"};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_msg(has_key(&rk, want[i]), "record lacks %s", want[i]);
	/* the query asks only narrow keys, each one the record has */
	match_block_query(&c, &qk);
	for (int i = 0; i < qk.n; i++)
		if (strncmp(qk.key[i], "Y:", 2) || !strstr(qk.key[i], "201904"))
			ck_assert(qk.key[i][0] != 'N' && qk.key[i][0] != 'D' && qk.key[i][0] != 'A');
	ck_assert(has_key(&qk, "F:KRS:20190304"));
	ck_assert(has_key(&qk, "F:KRS:20190403")); /* day and month swapped */
	ck_assert(has_key(&qk, "G:BL:20190304"));
	ck_assert(!has_key(&qk, "N:BL:KRS"));
	/* one field wrong leaves a key in common: a DOB digit, a last name */
	struct client typo = person("García López", "Bill", 2019, 3, 5, SEX_MALE);
	match_block_query(&typo, &qk);
	ck_assert(has_key(&qk, "Y:BL:KRS:201903"));
	struct client married = person("Smith", "William", 2019, 3, 4, SEX_MALE);
	match_block_query(&married, &qk);
	ck_assert(has_key(&qk, "G:WLM:20190304"));
	/* no DOB: the names alone; no name: the DOB alone */
	struct client nodob = person("Garcia", "Bill", 0, 0, 0, SEX_NONE);
	match_block_query(&nodob, &qk);
	ck_assert(has_key(&qk, "N:BL:KRS"));
	struct client noname = person("", "", 2019, 3, 4, SEX_NONE);
	match_block_query(&noname, &qk);
	ck_assert(has_key(&qk, "D:20190304"));
	/* the wide keys, for queries the narrow ones leave without a probable */
	match_block_wide(&c, &qk);
	ck_assert(has_key(&qk, "D:20190304"));
	ck_assert(has_key(&qk, "A:BL:201903"));
	ck_assert(has_key(&qk, "E:KRS:0304"));
	match_block_wide(&nodob, &qk);
	ck_assert_int_eq(qk.n, 0);
}
END_TEST

/* Twins found together: a first name that is only a nickname (or a
 * look-alike) of one twin's never makes a certain match, and one twin is
 * never certain for the other, even when their first names are nicknames
 * of each other. */
START_TEST(co_twin_never_certain)
{
	struct client recs[3];
	recs[0] = person("Garza", "Jacob", 2018, 6, 1, SEX_MALE);
	recs[1] = person("Garza", "Jake", 2018, 6, 1, SEX_MALE);
	recs[2] = person("Garza", "Mía", 2018, 6, 1, SEX_FEMALE);
	for (int i = 0; i < 3; i++)
		contact(&recs[i], "5125550199", "12 Pecan Grove Ln", "78741", "Treviño");
	struct match_index *ix = match_index_new();
	for (uint32_t i = 0; i < 3; i++)
		match_index_add(ix, &recs[i], i);
	struct match_result r[3];

	/* Jake is Jake: certain, and Jacob (whose nickname Jake is) is not */
	struct client q = recs[1];
	size_t n = match_search(&q, recs, 3, ix, r, 3, NULL);
	ck_assert_uint_ge(n, 2);
	ck_assert_uint_eq(r[0].index, 1);
	ck_assert_int_eq(r[0].grade, MATCH_CERTAIN);
	for (size_t i = 1; i < n; i++)
		ck_assert_int_lt(r[i].grade, MATCH_CERTAIN);

	/* Jack could be either boy (a nickname of Jacob, a look-alike of Jake):
	 * neither is certain, and the desk is told why */
	text_copy(q.name.given, sizeof q.name.given, "Jack");
	n = match_search(&q, recs, 3, ix, r, 3, NULL);
	ck_assert_uint_ge(n, 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_lt(r[i].grade, MATCH_CERTAIN);
	ck_assert(said(&r[0], "twin"));

	/* Mia (no accent) is only Mía's: certain beside her brothers */
	q = recs[2];
	text_copy(q.name.given, sizeof q.name.given, "Mia");
	n = match_search(&q, recs, 3, ix, r, 3, NULL);
	ck_assert_uint_eq(r[0].index, 2);
	ck_assert_int_eq(r[0].grade, MATCH_CERTAIN);

	/* birth order on the query and both records tells them apart */
	recs[0].multiple_birth = 1;
	recs[1].multiple_birth = 2;
	q = recs[0];
	text_copy(q.name.given, sizeof q.name.given, "Jake");
	q.multiple_birth = 1;
	const struct client *cl[2] = {&recs[0], &recs[1]};
	struct match_result res[2];
	match_score(&q, &recs[0], &res[0]);
	match_score(&q, &recs[1], &res[1]);
	res[0].grade = MATCH_CERTAIN; /* as if every field had agreed */
	match_twins(&q, cl, res, 2);
	ck_assert_int_eq(res[0].grade, MATCH_CERTAIN);
	q.multiple_birth = 0;
	match_twins(&q, cl, res, 2);
	ck_assert_int_eq(res[0].grade, MATCH_PROBABLE);
	match_index_free(ix);
}
END_TEST

START_TEST(index_search_agrees_with_scan)
{
	static const char *const fam[] = {"García", "Garza", "Smith", "Nguyễn", "López García", "Moreno"};
	static const char *const giv[] = {"María", "José", "William", "Minh", "Ana", "Luis"};
	struct client recs[36];
	size_t n = 0;
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			recs[n++] = person(fam[i], giv[j], 2010 + i, 1 + j, 10 + i + j,
			                   j % 2 ? SEX_MALE : SEX_FEMALE);
	struct match_index *ix = match_index_new();
	for (size_t i = 0; i < n; i++)
		match_index_add(ix, &recs[i], (uint32_t)i);
	size_t np;
	ck_assert_ptr_nonnull(match_index_lookup(ix, "D:20100110", &np));
	ck_assert_uint_eq(np, 1);
	ck_assert_ptr_null(match_index_lookup(ix, "D:19000101", &np));
	ck_assert_uint_eq(np, 0);

	struct client q = person("Garcia Lopez", "Pepe", 2014, 2, 15, SEX_NONE); /* López García, José */
	struct match_result a[3], b[3];
	size_t scored_ix, scored_scan;
	size_t na = match_search(&q, recs, n, ix, a, 3, &scored_ix);
	size_t nb = match_search(&q, recs, n, NULL, b, 3, &scored_scan);
	ck_assert_uint_ge(na, 1);
	ck_assert_uint_eq(na, nb);
	ck_assert_uint_eq(a[0].index, b[0].index);
	ck_assert_str_eq(recs[a[0].index].name.family, "López García");
	ck_assert_str_eq(recs[a[0].index].name.given, "José");
	ck_assert_uint_lt(scored_ix, scored_scan);
	ck_assert_uint_eq(scored_scan, n);
	ck_assert_int_gt(a[0].n_why, 0);
	for (size_t i = 1; i < na; i++)
		ck_assert(a[i - 1].weight >= a[i].weight);
	ck_assert_uint_eq(match_search(&q, recs, n, ix, a, 0, NULL), 0);
	/* results at most max, each at least possible */
	struct client loose = person("García", "", 0, 0, 0, SEX_NONE);
	loose.dob = DATE_NONE;
	na = match_search(&loose, recs, n, NULL, a, 2, NULL);
	ck_assert_uint_le(na, 2);
	for (size_t i = 0; i < na; i++)
		ck_assert_int_ge(a[i].grade, MATCH_POSSIBLE);
	match_index_free(ix);
	match_index_free(NULL);
}
END_TEST

Suite *match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("comparators");
	tcase_add_test(tc, identical_is_certain);
	tcase_add_test(tc, accents_case_and_punctuation_do_not_matter);
	tcase_add_test(tc, empty_fields);
	tcase_add_test(tc, very_long_names);
	tcase_add_test(tc, compound_surnames);
	tcase_add_test(tc, typos_and_sound_alikes);
	tcase_add_test(tc, nicknames);
	tcase_add_test(tc, swapped_first_and_last);
	tcase_add_test(tc, dob_errors);
	tcase_add_test(tc, middle_name_used_as_first);
	suite_add_tcase(s, tc);
	TCase *tg = tcase_create("grading");
	tcase_add_test(tg, twins_are_kept_apart);
	tcase_add_test(tg, name_change_after_marriage);
	tcase_add_test(tg, namesakes_are_not_certain);
	suite_add_tcase(s, tg);
	TCase *tk = tcase_create("index");
	tcase_add_test(tk, blocking_keys);
	tcase_add_test(tk, narrow_blocking_keys);
	tcase_add_test(tk, co_twin_never_certain);
	tcase_add_test(tk, index_search_agrees_with_scan);
	suite_add_tcase(s, tk);
	return s;
}
