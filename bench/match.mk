# bench/match.mk: the client matcher (core/match.h) at 100,000 clients, and
# the generator of its evaluation set (tests/match/eval.txt).
EXTRA_PROGRAMS += bench/bench_match tests/match/gen_eval
bench_bench_match_SOURCES = bench/bench_match.c bench/benchutil.c bench/benchutil.h \
	tests/match/eval.c tests/match/eval.h
bench_bench_match_LDADD = $(VAXCORE_LIBS)
BENCH_BINS += bench/bench_match
tests_match_gen_eval_SOURCES = tests/match/gen_eval.c tests/match/eval.c tests/match/eval.h
tests_match_gen_eval_LDADD = $(VAXCORE_LIBS)
EXTRA_DIST += tests/match/eval.txt data/names/nicknames.txt data/names/SOURCE.md doc/matching.md

# After changing the generator: `make match-eval`, then commit the new file
# (the match_eval suite fails while the stored set is stale).
match-eval: tests/match/gen_eval$(EXEEXT)
	./tests/match/gen_eval$(EXEEXT) > $(srcdir)/tests/match/eval.txt.tmp
	mv $(srcdir)/tests/match/eval.txt.tmp $(srcdir)/tests/match/eval.txt
.PHONY: match-eval
