# tests/fuzz/: libFuzzer targets for every parser of outside input. Under
# --enable-fuzzing they are real libFuzzer binaries
# (`build/fuzz/tests/fuzz/fuzz_codes -max_total_time=60 corpus/codes`);
# otherwise they link replay.c and `make check` replays each corpus.
if ENABLE_FUZZING
FUZZ_MAIN =
else
noinst_LIBRARIES += tests/fuzz/libfuzzreplay.a
tests_fuzz_libfuzzreplay_a_SOURCES = tests/fuzz/replay.c
FUZZ_MAIN = tests/fuzz/libfuzzreplay.a $(VAXSYS_LIBS)
endif

check_PROGRAMS += tests/fuzz/fuzz_codes tests/fuzz/fuzz_dates tests/fuzz/fuzz_config
tests_fuzz_fuzz_codes_SOURCES = tests/fuzz/fuzz_codes.c
tests_fuzz_fuzz_codes_LDADD = $(FUZZ_MAIN) $(VAXCORE_LIBS)
tests_fuzz_fuzz_codes_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dates_SOURCES = tests/fuzz/fuzz_dates.c
tests_fuzz_fuzz_dates_LDADD = $(FUZZ_MAIN) $(VAXCORE_LIBS)
tests_fuzz_fuzz_dates_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_MAIN) $(VAXSYS_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
check_PROGRAMS += tests/fuzz/fuzz_quick_search
tests_fuzz_fuzz_quick_search_SOURCES = tests/fuzz/fuzz_quick_search.c
tests_fuzz_fuzz_quick_search_LDADD = $(FUZZ_MAIN) $(VAXCORE_LIBS)
tests_fuzz_fuzz_quick_search_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
check_PROGRAMS += tests/fuzz/fuzz_cache_record
tests_fuzz_fuzz_cache_record_SOURCES = tests/fuzz/fuzz_cache_record.c
tests_fuzz_fuzz_cache_record_LDADD = $(FUZZ_MAIN) $(VAXCACHE_LIBS)
tests_fuzz_fuzz_cache_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
check_PROGRAMS += tests/fuzz/fuzz_cache_merge
tests_fuzz_fuzz_cache_merge_SOURCES = tests/fuzz/fuzz_cache_merge.c
tests_fuzz_fuzz_cache_merge_LDADD = $(FUZZ_MAIN) $(VAXCACHE_LIBS)
tests_fuzz_fuzz_cache_merge_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
check_PROGRAMS += tests/fuzz/fuzz_keys
tests_fuzz_fuzz_keys_SOURCES = tests/fuzz/fuzz_keys.c
tests_fuzz_fuzz_keys_LDADD = $(FUZZ_MAIN) $(VAXKEYMAPS_LIBS)
tests_fuzz_fuzz_keys_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
check_PROGRAMS += tests/fuzz/fuzz_api_response
tests_fuzz_fuzz_api_response_SOURCES = tests/fuzz/fuzz_api_response.c
tests_fuzz_fuzz_api_response_LDADD = $(FUZZ_MAIN) $(VAXAPI_LIBS)
tests_fuzz_fuzz_api_response_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
check_PROGRAMS += tests/fuzz/fuzz_fhir
tests_fuzz_fuzz_fhir_SOURCES = tests/fuzz/fuzz_fhir.c
tests_fuzz_fuzz_fhir_LDADD = $(FUZZ_MAIN) $(VAXCORE_LIBS)
tests_fuzz_fuzz_fhir_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
# fuzz_cdsi_case and fuzz_immds are built in forecast/local.mk

check_PROGRAMS += tests/fuzz/fuzz_gs1
tests_fuzz_fuzz_gs1_SOURCES = tests/fuzz/fuzz_gs1.c
tests_fuzz_fuzz_gs1_LDADD = $(FUZZ_MAIN) $(VAXFORMS_LIBS)
tests_fuzz_fuzz_gs1_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# Each target NAME replays tests/fuzz/corpus/NAME/ (see replay.sh).
FUZZ_TARGETS = codes dates config quick_search cache_record cache_merge keys api_response cdsi_case fhir
# fuzz_immds ($immds-forecast requests) is built in forecast/local.mk
FUZZ_TARGETS += immds
FUZZ_TARGETS += gs1
# fuzz_schoolrep, fuzz_summary, fuzz_recall (the report answers) are built in print/local.mk
FUZZ_TARGETS += schoolrep summary recall
# the registry's answer to a client read (cache/pull.h)
FUZZ_TARGETS += pull
# fuzz_hl7 (messages, batch files, ACKs) is built in hl7/local.mk
FUZZ_TARGETS += hl7
# a lot on hand (Medication) from the registry or a client (core/lot.h)
check_PROGRAMS += tests/fuzz/fuzz_lot
tests_fuzz_fuzz_lot_SOURCES = tests/fuzz/fuzz_lot.c
tests_fuzz_fuzz_lot_LDADD = $(FUZZ_MAIN) $(VAXCORE_LIBS)
tests_fuzz_fuzz_lot_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
FUZZ_TARGETS += lot
TESTS += tests/fuzz/replay.sh
dist_check_SCRIPTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/run-fuzzers.sh
EXTRA_DIST += tests/fuzz/corpus
AM_TESTS_ENVIRONMENT += FUZZ_TARGETS='$(FUZZ_TARGETS)'; export FUZZ_TARGETS;
check_PROGRAMS += tests/fuzz/fuzz_pull
tests_fuzz_fuzz_pull_SOURCES = tests/fuzz/fuzz_pull.c
tests_fuzz_fuzz_pull_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(CURL_CFLAGS)
tests_fuzz_fuzz_pull_LDADD = $(FUZZ_MAIN) $(VAXCACHE_LIBS)
tests_fuzz_fuzz_pull_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# dcz and gzip bodies (wire/), with the shipped dictionary
check_PROGRAMS += tests/fuzz/fuzz_wire
tests_fuzz_fuzz_wire_SOURCES = tests/fuzz/fuzz_wire.c
tests_fuzz_fuzz_wire_CPPFLAGS = $(AM_CPPFLAGS) -DWIRE_DICT_PATH='"$(abs_top_srcdir)/data/wire/fhir.dict"'
tests_fuzz_fuzz_wire_LDADD = $(FUZZ_MAIN) $(VAXWIRE_LIBS) $(VAXSYS_LIBS)
tests_fuzz_fuzz_wire_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
FUZZ_TARGETS += wire
