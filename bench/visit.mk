# bench/visit.mk: the common visit in keystrokes (find a child, record the
# two vaccines due today from the lots on hand) on the real vaxdesk against
# a throwaway vaxregd started by bench/visit.sh.
EXTRA_PROGRAMS += bench/bench_visit
bench_bench_visit_SOURCES = bench/bench_visit.c
bench_bench_visit_CPPFLAGS = $(AM_CPPFLAGS) -DVAX_TOP_SRCDIR='"$(abs_top_srcdir)"' \
	-DVAX_TOP_BUILDDIR='"$(abs_top_builddir)"'
EXTRA_bench_bench_visit_DEPENDENCIES = vaxdesk$(EXEEXT) vaxregd$(EXEEXT)
BENCH_BINS += bench/bench_visit
EXTRA_DIST += bench/visit.sh
