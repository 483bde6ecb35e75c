# core/: the domain. No I/O, no curses; libc, cJSON and OpenSSL's RAND only.
noinst_LIBRARIES += libvaxcore.a
libvaxcore_a_SOURCES = \
	core/error.c core/error.h \
	core/date.c core/date.h
libvaxcore_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
VAXCORE_LIBS = libvaxcore.a $(CJSON_LIBS) $(OPENSSL_LIBS)

tests_check_all_SOURCES += tests/core/test_date.c
tests_check_all_LDADD += $(VAXCORE_LIBS)
