# bench/api.mk: bytes on the wire for the registry client's common work
# (login, search, read record, record a shot), with and without gzip,
# against a throwaway vaxregd started by bench/api.sh.
EXTRA_PROGRAMS += bench/bench_api
bench_bench_api_SOURCES = bench/bench_api.c bench/benchutil.c bench/benchutil.h
bench_bench_api_CPPFLAGS = $(AM_CPPFLAGS) -DVAX_TOP_SRCDIR='"$(abs_top_srcdir)"' \
	-DVAX_TOP_BUILDDIR='"$(abs_top_builddir)"'
bench_bench_api_LDADD = $(VAXAPI_LIBS)
BENCH_BINS += bench/bench_api
EXTRA_DIST += bench/api.sh

# api_pump latency against a stalled registry (the suite checks the property,
# this measures the time)
EXTRA_PROGRAMS += bench/bench_pump
bench_bench_pump_SOURCES = bench/bench_pump.c bench/benchutil.c bench/benchutil.h
bench_bench_pump_CPPFLAGS = $(AM_CPPFLAGS) -DVAX_TOP_BUILDDIR='"$(abs_top_builddir)"'
bench_bench_pump_LDADD = $(VAXAPI_LIBS)
BENCH_BINS += bench/bench_pump
