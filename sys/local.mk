# sys/: the thin layer over the operating system that core/ must not touch:
# reading files, finding the data directory, the clock.
noinst_LIBRARIES += libvaxsys.a
libvaxsys_a_SOURCES = \
	sys/fileio.c sys/fileio.h \
	sys/codeload.c sys/codeload.h \
	sys/config.c sys/config.h
VAXSYS_LIBS = libvaxsys.a $(VAXCORE_LIBS)

tests_check_all_SOURCES += tests/sys/test_codeload.c tests/sys/test_config.c
tests_check_all_LDADD += $(VAXSYS_LIBS)
