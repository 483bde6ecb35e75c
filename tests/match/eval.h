/* tests/match/eval.h - the matcher's evaluation set: a deterministic
 * generator of Texas-like clients and corrupted queries, its text file
 * form (tests/match/eval.txt) and the figures the test and the benchmark
 * report. Test code: it does I/O; its randomness is its own seeded
 * splitmix64, so a seed always gives the same set. */
#ifndef VAX_TESTS_MATCH_EVAL_H
#define VAX_TESTS_MATCH_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/client.h"
#include "core/match.h"

#define EVAL_SEED      20261122u
#define EVAL_CLIENTS   5000
#define EVAL_QUERIES   2400
#define EVAL_KINDS_MAX 24

struct eval_query {
	struct client q;
	long truth;    /* index of the true client, -1 if not in the set */
	char kind[40]; /* which corruption: "exact", "nickname", ... */
};

struct eval_set {
	struct client *c;
	size_t n;
	struct eval_query *q;
	size_t m;
};

/** Generate n clients and m queries from seed (same seed, same set). */
void eval_generate(uint64_t seed, size_t n, size_t m, struct eval_set *out);
void eval_free(struct eval_set *s);

/** Write the set as text; read it back. eval_read returns false and prints
 * the line to stderr on a malformed file. */
void eval_write(FILE *f, const struct eval_set *s);
bool eval_read(FILE *f, struct eval_set *out);

struct eval_stats {
	size_t queries, in_set, not_in_set;
	size_t top3; /* true client among the first three results */
	size_t top1;
	size_t true_certain;  /* true client first and graded certain */
	size_t wrong_certain; /* another client graded certain */
	size_t scored;        /* candidates scored, all queries */
	double *latency_ns;   /* per query (malloc'd; NULL unless asked) */
	/* the same by kind of corruption (the first one, for doubles) */
	struct eval_kind {
		char kind[40];
		size_t queries, in_set, top3, true_certain, probable, wrong_certain;
	} kind[EVAL_KINDS_MAX];
	int n_kinds;
};

/** Run every query through match_search (over ix, or a full scan if ix
 * is NULL). With `misses` not NULL, prints each miss and wrong certain
 * there, names included (for tuning: the set is synthetic). */
void eval_run(const struct eval_set *s, const struct match_index *ix, bool timing, FILE *misses,
              struct eval_stats *st);

#endif
