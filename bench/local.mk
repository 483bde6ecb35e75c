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

# bench/links.sh: vaxdesk and a generic FHIR client over emulated slow links
# (needs root for network namespaces; run it by hand, not from `make bench`).
# linkemu is its link (netem in user space) and meter.
EXTRA_PROGRAMS += bench/linkemu
bench_linkemu_SOURCES = bench/linkemu.c
EXTRA_DIST += bench/links.sh bench/peer/package.json bench/peer/package-lock.json bench/peer/peer.mjs
EXTRA_DIST += bench/ttybytes.py
