# bench/school.mk: Group/$school-compliance on a 2,000-student list, through
# registry_handle() on one thread (wall and CPU seconds).
EXTRA_PROGRAMS += bench/bench_school
bench_bench_school_SOURCES = bench/bench_school.c bench/benchutil.c bench/benchutil.h
bench_bench_school_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(XML_CFLAGS)
bench_bench_school_LDADD = $(VAXREGISTRY_LIBS)
BENCH_BINS += bench/bench_school
