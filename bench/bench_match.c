/* bench/bench_match.c - the client matcher at registry scale: 100,000
 * generated clients (tests/match/eval.c, the evaluation set's generator
 * with its seed), an in-memory index of their blocking keys, and corrupted
 * queries answered through the index. Prints recall of the true client in
 * the top three, how often a wrong or the true client is graded certain,
 * and query latency. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/benchutil.h"
#include "core/match.h"
#include "tests/match/eval.h"

static void run(size_t clients, size_t queries, bool scan_too)
{
	char title[128];
	struct eval_set s;
	double t0 = bench_now_ns();
	eval_generate(EVAL_SEED, clients, queries, &s);
	double gen_ms = (bench_now_ns() - t0) / 1e6;

	t0 = bench_now_ns();
	struct match_index *ix = match_index_new();
	size_t keys = 0;
	for (size_t i = 0; i < s.n; i++) {
		struct match_keys k;
		match_block_record(&s.c[i], &k);
		keys += (size_t)k.n;
		match_index_add(ix, &s.c[i], (uint32_t)i);
	}
	double index_ms = (bench_now_ns() - t0) / 1e6;

	struct eval_stats st;
	eval_run(&s, ix, true, NULL, &st);
	snprintf(title, sizeof title, "client matching: %zu clients, %zu queries (%zu of people not on file)",
	         s.n, s.m, st.not_in_set);
	bench_header(title);
	bench_row("generate clients and queries", gen_ms, "ms");
	bench_row("build index", index_ms, "ms");
	bench_row("blocking keys per client", (double)keys / (double)s.n, "keys");
	bench_row("candidates scored per query", (double)st.scored / (double)st.queries, "records");
	bench_row("recall: true client in top 3", 100.0 * (double)st.top3 / (double)st.in_set, "%");
	bench_row("true client ranked first", 100.0 * (double)st.top1 / (double)st.in_set, "%");
	bench_row("true client graded certain", 100.0 * (double)st.true_certain / (double)st.in_set, "%");
	bench_row("wrong client graded certain (all queries)",
	          100.0 * (double)st.wrong_certain / (double)st.queries, "%");
	bench_row("query latency p50", bench_percentile(st.latency_ns, st.queries, 50) / 1e6, "ms");
	bench_row("query latency p99", bench_percentile(st.latency_ns, st.queries, 99) / 1e6, "ms");
	bench_row("query latency max", bench_percentile(st.latency_ns, st.queries, 100) / 1e6, "ms");
	free(st.latency_ns);
	if (scan_too) {
		printf("\n%-20s %7s %8s %9s %9s %9s\n", "by kind of query", "queries", "in top 3", "certain",
		       "probable", "wrong cert");
		for (int i = 0; i < st.n_kinds; i++) {
			const struct eval_kind *k = &st.kind[i];
			double n = (double)k->queries;
			char top3[16] = "-";
			if (k->in_set)
				snprintf(top3, sizeof top3, "%.1f%%",
				         100.0 * (double)k->top3 / (double)k->in_set);
			printf("%-20s %7zu %8s %8.1f%% %8.1f%% %8.2f%%\n", k->kind, k->queries, top3,
			       100.0 * (double)k->true_certain / n, 100.0 * (double)k->probable / n,
			       100.0 * (double)k->wrong_certain / n);
		}
	}

	if (scan_too) {
		/* what the index saves: the same queries scoring every record */
		size_t m = s.m < 20 ? s.m : 20;
		struct eval_set part = s;
		part.m = m;
		eval_run(&part, NULL, true, NULL, &st);
		bench_row("full scan instead of index, p50 (20 queries)",
		          bench_percentile(st.latency_ns, st.queries, 50) / 1e6, "ms");
		free(st.latency_ns);
	}
	match_index_free(ix);
	eval_free(&s);
}

int main(int argc, char **argv)
{
	size_t clients = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t queries = argc > 2 ? strtoul(argv[2], NULL, 10) : 2400;
	if (clients == 0 || queries == 0) {
		fprintf(stderr, "usage: bench_match [clients [queries]]\n");
		return 2;
	}
	run(EVAL_CLIENTS, EVAL_QUERIES, false);
	run(clients, queries, true);
	return 0;
}
