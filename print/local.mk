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
	print/lp.c print/lp.h
libvaxprint_a_CFLAGS = $(AM_CFLAGS) $(CAIRO_CFLAGS) $(PANGO_CFLAGS) $(CJSON_CFLAGS)
VAXPRINT_LIBS = libvaxprint.a $(VAXREPORT_LIBS) $(VAXSYS_LIBS) $(PANGO_LIBS) $(CAIRO_LIBS)

# A driver for the shell tests: renders each document from a FHIR fixture
# and sends files through lp.
check_PROGRAMS += tests/print/printdrv
tests_print_printdrv_SOURCES = tests/print/printdrv.c
tests_print_printdrv_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_print_printdrv_LDADD = $(VAXPRINT_LIBS)
