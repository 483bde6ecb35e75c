# bench/cache.mk: offline save latency, sync of queued shots against a real
# vaxregd on loopback, blind-index search over 100,000 cached clients.
EXTRA_PROGRAMS += bench/bench_cache
bench_bench_cache_SOURCES = bench/bench_cache.c bench/benchutil.c bench/benchutil.h
bench_bench_cache_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS)
bench_bench_cache_LDADD = $(VAXCACHE_LIBS)
BENCH_BINS += bench/bench_cache
