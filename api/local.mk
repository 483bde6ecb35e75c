# api/: the registry client library (transport, TLS, session, FHIR calls).
noinst_LIBRARIES += libvaxapi.a
libvaxapi_a_SOURCES = \
	api/http.c api/http.h \
	api/response.c api/response.h
libvaxapi_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
VAXAPI_LIBS = libvaxapi.a $(VAXCORE_LIBS) $(CURL_LIBS) $(CJSON_LIBS) $(OPENSSL_LIBS)

# Tests: Check suites against real TLS peers (openssl s_server with
# throwaway certificates, a listener that never answers).
check_PROGRAMS += tests/api/stall_listener
tests_api_stall_listener_SOURCES = tests/api/stall_listener.c
tests_check_all_SOURCES += \
	tests/api/apitest.c tests/api/apitest.h \
	tests/api/test_transport.c
tests_check_all_LDADD += $(VAXAPI_LIBS)
dist_check_SCRIPTS += tests/api/mkcerts.sh
