# bench/tui.mk: vaxdesk on a pseudo-terminal: start-up, keystroke latency,
# bytes written per keystroke and per screen change, peak RSS; and the
# client record with 300 doses and 3,000 receipts in a store the bench makes.
EXTRA_PROGRAMS += bench/bench_tui
bench_bench_tui_SOURCES = bench/bench_tui.c bench/benchutil.c bench/benchutil.h
bench_bench_tui_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(OPENSSL_CFLAGS) $(CJSON_CFLAGS)
bench_bench_tui_LDADD = $(VAXCACHE_LIBS) -lutil
# it measures the real program
EXTRA_bench_bench_tui_DEPENDENCIES = vaxdesk$(EXEEXT)
BENCH_BINS += bench/bench_tui
