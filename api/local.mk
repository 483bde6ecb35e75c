# api/: the registry client library (transport, TLS, session, FHIR calls).
noinst_LIBRARIES += libvaxapi.a
libvaxapi_a_SOURCES = \
	api/http.c api/http.h \
	api/response.c api/response.h \
	api/session.c api/session.h \
	api/oauth.c api/oauth.h \
	api/fhir_client.c api/fhir_client.h
libvaxapi_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS) $(ZLIB_CFLAGS)
VAXAPI_LIBS = libvaxapi.a $(VAXWIRE_LIBS) $(VAXCORE_LIBS) $(CURL_LIBS) $(CJSON_LIBS) $(OPENSSL_LIBS) $(ZLIB_LIBS)

# Tests: Check suites against real TLS peers (openssl s_server with
# throwaway certificates, a listener that never answers).
check_PROGRAMS += tests/api/stall_listener
tests_api_stall_listener_SOURCES = tests/api/stall_listener.c
tests_check_all_SOURCES += \
	tests/api/apitest.c tests/api/apitest.h \
	tests/api/test_transport.c tests/api/test_response.c
tests_check_all_LDADD += $(VAXAPI_LIBS)
dist_check_SCRIPTS += tests/api/mkcerts.sh

# The client's standard FHIR use against a real server over TLS; run against
# Medplum's engine by medplum.sh (SKIPs without node/npm).
check_PROGRAMS += tests/api/fhir_interop
tests_api_fhir_interop_SOURCES = tests/api/fhir_interop.c
tests_api_fhir_interop_LDADD = $(VAXAPI_LIBS)
TESTS += tests/api/medplum.sh
dist_check_SCRIPTS += tests/api/medplum.sh
EXTRA_DIST += tests/medplum/package.json tests/medplum/package-lock.json \
	tests/medplum/server.mjs tests/medplum/setup.sh
CLEANFILES += tests/api/medplum-setup.log

# Against a real vaxregd (tests/lib/registry.sh): FHIR operations and session.
check_PROGRAMS += tests/api/session_check
tests_api_session_check_SOURCES = tests/api/session_check.c
tests_api_session_check_LDADD = $(VAXAPI_LIBS)
TESTS += tests/api/registry.sh
dist_check_SCRIPTS += tests/api/registry.sh
