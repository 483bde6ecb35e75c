# hl7/: HL7 v2.5.1 messages (VXU, ACK, QBP/RSP, batch files) <-> core.
noinst_LIBRARIES += libvaxhl7.a
libvaxhl7_a_SOURCES = \
	hl7/msg.c hl7/msg.h \
	hl7/batch.c hl7/batch.h \
	hl7/ack.c hl7/ack.h \
	hl7/vxu.c hl7/vxu.h \
	hl7/query.c hl7/query.h
libvaxhl7_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
VAXHL7_LIBS = libvaxhl7.a $(VAXCORE_LIBS)

tests_check_all_SOURCES += tests/hl7/test_hl7.c
tests_check_all_LDADD += $(VAXHL7_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_hl7
tests_fuzz_fuzz_hl7_SOURCES = tests/fuzz/fuzz_hl7.c
tests_fuzz_fuzz_hl7_LDADD = $(FUZZ_MAIN) $(VAXHL7_LIBS)
tests_fuzz_fuzz_hl7_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
EXTRA_DIST += tests/hl7/SOURCE.md tests/hl7/cdc

# Integration against a real vaxregd over TLS; answers are read by Debian's
# python3-hl7 too (tests/hl7/hl7check.py, run with /usr/bin/python3).
HL7_TESTS = tests/hl7/registry.sh tests/hl7/cdc.sh tests/hl7/fileroute.sh
TESTS += $(HL7_TESTS)
dist_check_SCRIPTS += $(HL7_TESTS)
EXTRA_DIST += tests/hl7/hl7check.py tests/hl7/cdc_expect.py tests/hl7/lib.sh
