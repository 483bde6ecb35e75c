# bench/: benchmarks that print a table; built and run by `make bench`, never
# timed inside the test suite. Other modules add theirs to EXTRA_PROGRAMS and
# BENCH_BINS in bench/<module>.mk.
EXTRA_PROGRAMS += bench/bench_core
bench_bench_core_SOURCES = bench/bench_core.c bench/benchutil.c bench/benchutil.h
bench_bench_core_LDADD = $(VAXSYS_LIBS)
BENCH_BINS += bench/bench_core
CLEANFILES += $(EXTRA_PROGRAMS)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do \
		VAXDESK_DATADIR='$(abs_top_srcdir)/data' ./$$b || exit 1; \
	done
.PHONY: bench
