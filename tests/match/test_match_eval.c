/* tests/match/test_match_eval.c - the matcher over the stored evaluation
 * set (tests/match/eval.txt): fails when recall of the true client in the
 * top three drops below 99% or a wrong client is graded certain for more
 * than 0.1% of queries. bench/bench_match gives the same figures at
 * 100,000 clients. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "tests/match/eval.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static FILE *open_eval(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/match/eval.txt", testutil_srcdir());
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

START_TEST(targets_met)
{
	FILE *f = open_eval();
	struct eval_set s;
	ck_assert(eval_read(f, &s));
	fclose(f);
	ck_assert_uint_ge(s.n, 5000);
	ck_assert_uint_ge(s.m, 2000);

	struct match_index *ix = match_index_new();
	for (size_t i = 0; i < s.n; i++)
		match_index_add(ix, &s.c[i], (uint32_t)i);
	struct eval_stats st;
	eval_run(&s, ix, false, NULL, &st);
	double recall = (double)st.top3 / (double)st.in_set;
	double wrong = (double)st.wrong_certain / (double)st.queries;
	fprintf(stderr,
	        "match eval: %zu clients, %zu queries: recall@3 %.2f%%, wrong certain %.3f%%, "
	        "true certain %.1f%%\n",
	        s.n, s.m, 100 * recall, 100 * wrong, 100.0 * (double)st.true_certain / (double)st.in_set);
	ck_assert_msg(recall >= 0.99, "recall@3 %.4f below 0.99", recall);
	ck_assert_msg(wrong <= 0.001, "wrong certain %.4f above 0.001", wrong);
	ck_assert_uint_gt(st.not_in_set, 100);
	match_index_free(ix);
	eval_free(&s);
}
END_TEST

/* The stored file is what the generator makes today: a change to the
 * generator must come with a regenerated file (make match-eval). */
START_TEST(file_is_current)
{
	struct eval_set s;
	eval_generate(EVAL_SEED, EVAL_CLIENTS, EVAL_QUERIES, &s);
	char *mem = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&mem, &len);
	eval_write(m, &s);
	fclose(m);
	eval_free(&s);

	FILE *f = open_eval();
	char *disk = malloc(len + 2);
	size_t got = fread(disk, 1, len + 1, f);
	fclose(f);
	ck_assert_msg(got == len && memcmp(disk, mem, len) == 0,
	              "tests/match/eval.txt is not the generator's output: run make match-eval");
	free(disk);
	free(mem);
}
END_TEST

START_TEST(round_trip)
{
	struct eval_set s, back;
	eval_generate(7, 300, 100, &s);
	char *mem = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&mem, &len);
	eval_write(m, &s);
	fclose(m);
	FILE *r = fmemopen(mem, len, "r");
	ck_assert(eval_read(r, &back));
	fclose(r);
	ck_assert_uint_eq(back.n, s.n);
	ck_assert_uint_eq(back.m, s.m);
	for (size_t i = 0; i < s.m; i++) {
		ck_assert_int_eq(back.q[i].truth, s.q[i].truth);
		ck_assert_str_eq(back.q[i].q.name.family, s.q[i].q.name.family);
		ck_assert_int_eq(back.q[i].q.dob, s.q[i].q.dob);
	}
	eval_free(&s);
	eval_free(&back);
	free(mem);
}
END_TEST

Suite *match_eval_suite(void)
{
	Suite *s = suite_create("match_eval");
	TCase *tc = tcase_create("match_eval");
	/* a few seconds under valgrind */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, targets_met);
	tcase_add_test(tc, file_is_current);
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	return s;
}
