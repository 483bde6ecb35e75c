# wire/: how bodies travel between vaxdesk and vaxregd (gzip, and Zstandard
# with the shared dictionary data/wire/fhir.dict: RFC 9842 dcz). Pure.
noinst_LIBRARIES += libvaxwire.a
libvaxwire_a_SOURCES = wire/wire.c wire/wire.h
libvaxwire_a_CFLAGS = $(AM_CFLAGS) $(ZSTD_CFLAGS) $(ZLIB_CFLAGS) $(OPENSSL_CFLAGS)
VAXWIRE_LIBS = libvaxwire.a $(VAXCORE_LIBS) $(ZSTD_LIBS) $(ZLIB_LIBS) $(OPENSSL_LIBS)

tests_check_all_SOURCES += tests/wire/test_wire.c
tests_check_all_LDADD += $(VAXWIRE_LIBS) $(VAXSYS_LIBS)

# the dictionary (tools/mkdict trains it; see data/wire/SOURCE.md)
wiredir = $(pkgdatadir)/wire
dist_wire_DATA = data/wire/fhir.dict data/wire/SOURCE.md
