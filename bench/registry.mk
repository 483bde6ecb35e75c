# bench/registry.mk: vaxregd throughput and latency over TLS keep-alive
# (searches, reads, creates) on 100,000 clients and 1,000,000 shots.
EXTRA_PROGRAMS += bench/bench_registry
bench_bench_registry_SOURCES = bench/bench_registry.c bench/benchutil.c bench/benchutil.h
bench_bench_registry_CPPFLAGS = $(AM_CPPFLAGS) -DVAX_TOP_SRCDIR='"$(abs_top_srcdir)"'
bench_bench_registry_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS)
bench_bench_registry_LDADD = $(VAXREGISTRY_LIBS) $(CURL_LIBS)
BENCH_BINS += bench/bench_registry
