# cache/: the encrypted local store, outbox, offline login and sync engine.
noinst_LIBRARIES += libvaxcache.a
libvaxcache_a_SOURCES = \
	cache/crypto.c cache/crypto.h \
	cache/store.c cache/store.h cache/store_int.h \
	cache/outbox.c \
	cache/merge.c cache/merge.h \
	cache/sync.c cache/sync.h \
	cache/pull.c cache/pull.h \
	cache/cli.c cache/cli.h \
	cache/hl7file.c cache/hl7file.h \
	cache/lots.c cache/lots.h
libvaxcache_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(OPENSSL_CFLAGS) $(CJSON_CFLAGS) $(CURL_CFLAGS)
VAXCACHE_LIBS = libvaxcache.a $(VAXHL7_LIBS) $(VAXAPI_LIBS) $(VAXSYS_LIBS) $(SQLITE_LIBS) $(OPENSSL_LIBS)

tests_check_all_SOURCES += tests/cache/test_pull.c
tests_check_all_SOURCES += tests/cache/test_store.c tests/cache/test_sync.c tests/cache/test_discard.c \
	tests/cache/test_merge.c \
	tests/cache/cachetest.c tests/cache/cachetest.h
tests_check_all_LDADD += $(VAXCACHE_LIBS)

# The command line as vaxdesk runs it, plus recording and checking for the
# crash and fault tests (tests/cache/*.sh against a real vaxregd over TLS).
check_PROGRAMS += tests/cache/cachedrv
tests_cache_cachedrv_SOURCES = tests/cache/cachedrv.c
tests_cache_cachedrv_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS)
tests_cache_cachedrv_LDADD = $(VAXCACHE_LIBS)
tests_cache_cachedrv_SOURCES += tests/cache/cachetest.c tests/cache/cachetest.h
check_PROGRAMS += tests/cache/faultproxy
tests_cache_faultproxy_SOURCES = tests/cache/faultproxy.c

# Integration against a real vaxregd over TLS (tests/lib/registry.sh).
CACHE_TESTS = tests/cache/sync.sh tests/cache/review.sh \
	tests/cache/users.sh tests/cache/handshake.sh tests/cache/companions.sh tests/cache/integrity.sh \
	tests/cache/roundtrip.sh tests/cache/damaged.sh
TESTS += $(CACHE_TESTS)
dist_check_SCRIPTS += $(CACHE_TESTS)
# the longest, started first (Makefile.am)
LONG_TESTS += tests/cache/crash.sh tests/cache/faults.sh
dist_check_SCRIPTS += tests/cache/crash.sh tests/cache/faults.sh
EXTRA_DIST += tests/cache/lib.sh tests/medplum/lib.sh
