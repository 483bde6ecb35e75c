# api/: the registry client library (transport, TLS, session, FHIR calls).
noinst_LIBRARIES += libvaxapi.a
libvaxapi_a_SOURCES = \
	api/http.c api/http.h \
	api/response.c api/response.h
libvaxapi_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
VAXAPI_LIBS = libvaxapi.a $(VAXCORE_LIBS) $(CURL_LIBS) $(CJSON_LIBS) $(OPENSSL_LIBS)
