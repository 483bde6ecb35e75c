# bench/tui.mk: vaxdesk on a pseudo-terminal: start-up, keystroke latency,
# bytes written per keystroke and per screen change, peak RSS.
EXTRA_PROGRAMS += bench/bench_tui
bench_bench_tui_SOURCES = bench/bench_tui.c bench/benchutil.c bench/benchutil.h
bench_bench_tui_LDADD = -lutil
# it measures the real program
EXTRA_bench_bench_tui_DEPENDENCIES = vaxdesk$(EXEEXT)
BENCH_BINS += bench/bench_tui
