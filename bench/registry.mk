# bench/registry.mk: vaxregd at state scale (bench/state_scale.sh): seed
# 10,000 to 1,000,000 clients, then requests/s and p50/p99 per kind of
# request over TLS keep-alive with wrk. `make bench` runs it at 10,000;
# `make bench-state BENCH_SIZES="10000 100000 1000000"` for the full table.
EXTRA_PROGRAMS += bench/registry_sample
bench_registry_sample_SOURCES = bench/registry_sample.c
bench_registry_sample_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
bench_registry_sample_LDADD = $(VAXREGISTRY_LIBS)
EXTRA_DIST += bench/state_scale.sh bench/state_scale.lua

bench-state: vaxregd$(EXEEXT) bench/registry_sample$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	VAXDESK_DATADIR='$(abs_top_srcdir)/data' sh '$(abs_top_srcdir)/bench/state_scale.sh' $(BENCH_SIZES)
bench: bench-state
.PHONY: bench-state
