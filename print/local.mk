# print/: what vaxdesk prints and reports.
#
# libvaxreport.a holds the computations (a record's history by vaccine group,
# the recall selection, the provider summary, the school report's reading)
# on core and forecast only, so vaxregd links it without cairo.
# libvaxprint.a draws the documents as PDF (cairo + pango), writes the CSV
# lists and hands files to CUPS's lp.
noinst_LIBRARIES += libvaxreport.a libvaxprint.a
libvaxreport_a_SOURCES = \
	print/history.c print/history.h \
	print/recall.c print/recall.h \
	print/summary.c print/summary.h \
	print/schoolrep.c print/schoolrep.h
libvaxreport_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(XML_CFLAGS)
VAXREPORT_LIBS = libvaxreport.a $(VAXFORECAST_LIBS)

libvaxprint_a_SOURCES = \
	print/pdf.c print/pdf.h \
	print/doc.c print/doc.h \
	print/record.c print/record.h \
	print/letters.c print/letters.h \
	print/reports.c print/reports.h \
	print/csvout.c print/csvout.h \
	print/lp.c print/lp.h \
	print/task.c print/task.h
libvaxprint_a_CFLAGS = $(AM_CFLAGS) $(CAIRO_CFLAGS) $(PANGO_CFLAGS) $(CJSON_CFLAGS)
VAXPRINT_LIBS = libvaxprint.a $(VAXREPORT_LIBS) $(VAXSYS_LIBS) $(PANGO_LIBS) $(CAIRO_LIBS)

# A driver for the shell tests: renders each document from a FHIR fixture
# and sends files through lp.
check_PROGRAMS += tests/print/printdrv
tests_print_printdrv_SOURCES = tests/print/printdrv.c
tests_print_printdrv_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_print_printdrv_LDADD = $(VAXPRINT_LIBS)

# Check suite: the computations against hand-worked cases.
tests_check_all_SOURCES += tests/print/test_print.c
tests_check_all_LDADD += $(VAXPRINT_LIBS)

# The registry's reports on fixture registries (hand-worked expectations),
# documents read back with poppler, letters and lists, printing through a
# real CUPS queue (tests/lib/cups.sh starts one).
PRINT_TESTS = \
	tests/registry/provider_summary.sh \
	tests/registry/recall.sh \
	tests/registry/school_reports.sh \
	tests/print/record.sh \
	tests/print/letters.sh \
	tests/print/reports.sh \
	tests/print/cups.sh
TESTS += $(PRINT_TESTS)
dist_check_SCRIPTS += $(PRINT_TESTS)
EXTRA_DIST += tests/print/lib.sh tests/print/load.sh tests/lib/cups.sh \
	tests/print/fixtures/anh.json tests/print/fixtures/long.json \
	tests/print/fixtures/okafor.json tests/print/fixtures/trevino.json \
	tests/print/fixtures/washington.json tests/print/fixtures/muller.json \
	tests/print/fixtures/garcia.json tests/print/fixtures/kim.json \
	tests/print/fixtures/summary.json tests/print/fixtures/school-report.json

# Fuzz targets for the readers of the registry's report answers; corpora in
# tests/fuzz/corpus/schoolrep and summary (FUZZ_TARGETS, tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz_schoolrep tests/fuzz/fuzz_summary tests/fuzz/fuzz_recall
tests_fuzz_fuzz_recall_SOURCES = tests/fuzz/fuzz_recall.c
tests_fuzz_fuzz_recall_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_recall_LDADD = $(FUZZ_MAIN) $(VAXREPORT_LIBS)
tests_fuzz_fuzz_recall_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_schoolrep_SOURCES = tests/fuzz/fuzz_schoolrep.c
tests_fuzz_fuzz_schoolrep_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_schoolrep_LDADD = $(FUZZ_MAIN) $(VAXREPORT_LIBS)
tests_fuzz_fuzz_schoolrep_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_summary_SOURCES = tests/fuzz/fuzz_summary.c
tests_fuzz_fuzz_summary_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_summary_LDADD = $(FUZZ_MAIN) $(VAXREPORT_LIBS)
tests_fuzz_fuzz_summary_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# the font libraries' process-wide caches are not leaks (tests/lsan.supp)
EXTRA_DIST += tests/lsan.supp
AM_TESTS_ENVIRONMENT += LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/lsan.supp$${LSAN_OPTIONS:+:$$LSAN_OPTIONS}"; export LSAN_OPTIONS;
