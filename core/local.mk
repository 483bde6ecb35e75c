# core/: the domain. No I/O, no curses; libc, cJSON and OpenSSL's RAND only.
noinst_LIBRARIES += libvaxcore.a
libvaxcore_a_SOURCES = \
	core/error.c core/error.h \
	core/xalloc.c core/xalloc.h \
	core/date.c core/date.h \
	core/text.c core/text.h \
	core/uuid.c core/uuid.h \
	core/csv.c core/csv.h \
	core/codes.c core/codes.h \
	core/vocab.c core/vocab.h \
	core/client.c core/client.h \
	core/immunization.c core/immunization.h \
	core/rules.c core/rules.h \
	core/fhir.c core/fhir.h \
	core/phonetic.c core/phonetic.h \
	core/nickname.c core/nickname.h \
	core/match.c core/match.h \
	core/quicksearch.c core/quicksearch.h \
	core/lot.c core/lot.h \
	core/county.c core/county.h
libvaxcore_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
VAXCORE_LIBS = libvaxcore.a $(CJSON_LIBS) $(OPENSSL_LIBS)

tests_check_all_SOURCES += \
	tests/core/test_date.c tests/core/test_text.c tests/core/test_uuid.c \
	tests/core/test_csv.c tests/core/test_rules.c tests/core/test_client.c tests/core/test_lot.c
tests_check_all_SOURCES += \
	tests/match/test_phonetic.c tests/match/test_nickname.c tests/match/test_match.c \
	tests/match/test_quicksearch.c tests/match/test_match_eval.c \
	tests/match/eval.c tests/match/eval.h
tests_check_all_LDADD += $(VAXCORE_LIBS)
