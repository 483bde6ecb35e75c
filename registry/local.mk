# registry/: vaxregd, the registry server. libvaxregistry.a holds everything
# but main() so the Check suites and the bench link the same code.
noinst_LIBRARIES += libvaxregistry.a
libvaxregistry_a_SOURCES = \
	registry/store.h registry/store.c registry/store_impl.h registry/store_sqlite.c registry/store_pg.c \
	registry/index.c registry/index.h \
	registry/dedup.c registry/dedup.h \
	registry/auth.c registry/auth.h \
	registry/routes.c registry/routes.h registry/routes_int.h \
	registry/registry.c registry/reply.c registry/crud.c registry/accept.c registry/search.c registry/include.c \
	registry/bundle.c registry/metadata.c registry/op_match.c registry/op_immds.c registry/op_school.c \
	registry/routes_auth.c registry/routes_oauth.c registry/shape.c registry/shape.h registry/fhir_elements.c \
	registry/server.c registry/server.h \
	registry/demo.c registry/demo.h \
	registry/conformance.c \
	registry/routes_hl7.c registry/routes_hl7.h registry/soap.c registry/soap.h \
	registry/spool.c registry/spool.h \
	registry/registry_id.c registry/lots.c
# the reports (print/'s computations, no drawing): provider summary, recall,
# the school reports kept
libvaxregistry_a_SOURCES += registry/op_summary.c registry/op_recall.c registry/op_school_reports.c \
	registry/client_read.c
libvaxregistry_a_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS) \
	$(MHD_CFLAGS) $(ZLIB_CFLAGS) $(XML_CFLAGS)
VAXREGISTRY_LIBS = libvaxregistry.a $(VAXHL7_LIBS) $(VAXREPORT_LIBS) $(VAXFORECAST_LIBS) $(VAXWIRE_LIBS) $(VAXSYS_LIBS) $(MHD_LIBS) \
	$(SQLITE_LIBS) $(LIBPQ_LIBS) \
	$(ZLIB_LIBS) $(OPENSSL_LIBS) $(CJSON_LIBS)

sbin_PROGRAMS += vaxregd
vaxregd_SOURCES = registry/main.c
vaxregd_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS) $(XML_CFLAGS) $(MHD_CFLAGS)
vaxregd_LDADD = $(VAXREGISTRY_LIBS)

# Integration: a real vaxregd over TLS with a throwaway CA (tests/lib/registry.sh).
REGISTRY_TESTS = \
	tests/registry/metadata.sh \
	tests/registry/oauth.sh \
	tests/registry/fhir.sh \
	tests/registry/bundle.sh \
	tests/registry/dedup.sh \
	tests/registry/access.sh \
	tests/registry/maintenance.sh \
	tests/registry/badinput.sh \
	tests/registry/demo.sh \
	tests/registry/forecast.sh \
	tests/registry/school.sh \
	tests/registry/harness.sh \
	tests/registry/routes.sh \
	tests/registry/roundtrip.sh \
	tests/registry/authz.sh \
	tests/registry/slowconn.sh \
	tests/registry/search.sh \
	tests/registry/ownrules.sh \
	tests/registry/multiserver.sh \
	tests/registry/lots.sh
TESTS += $(REGISTRY_TESTS)
dist_check_SCRIPTS += $(REGISTRY_TESTS)
# the longest, started first (Makefile.am)
REGISTRY_LONG_TESTS = tests/registry/pg.sh tests/registry/security.sh tests/registry/auth.sh \
	tests/registry/replica.sh
LONG_TESTS += $(REGISTRY_LONG_TESTS)
dist_check_SCRIPTS += $(REGISTRY_LONG_TESTS)
EXTRA_DIST += tests/lib/registry.sh tests/lib/pg.sh tests/tls/mkca.sh tests/lib/visit.sh tests/registry/roundtrip.json \
	tests/registry/slowconn.py
# the HL7 ImmDS IG's example against its profiles (Medplum)
TESTS += tests/fhir/immds.sh
dist_check_SCRIPTS += tests/fhir/immds.sh
EXTRA_DIST += tests/fhir/immds-profiles.mjs tests/fhir/immds-stu1.json tests/fhir/immds-ig-request.json

# Unit suites: core/fhir.c (the mapping is ours), the store, and the store's
# query plans at state scale.
tests_check_all_SOURCES += tests/registry/test_fhir.c tests/registry/test_store.c \
	tests/registry/test_plans.c
tests_check_all_CFLAGS += $(SQLITE_CFLAGS) $(CJSON_CFLAGS)
tests_check_all_LDADD += $(VAXREGISTRY_LIBS)
EXTRA_DIST += doc/extensions.md tests/registry/plans-stat1.txt

# The conformance pass over every FHIR body the integration tests received
# (tests/lib/registry.sh records them): after all the other tests.
TESTS += tests/fhir/validate.sh
dist_check_SCRIPTS += tests/fhir/validate.sh
EXTRA_DIST += tests/fhir/validate.mjs tests/lib/medplum.sh tools/gen-fhir-elements.mjs
# (through a variable: automake writes no rule of its own for a target it sees here)
VALIDATE_LOG = tests/fhir/validate.sh.log
$(VALIDATE_LOG): $(filter-out $(VALIDATE_LOG),$(TEST_LOGS))
CLEANFILES += tests/medplum-setup.log
clean-local: clean-fhir-record
clean-fhir-record:
	rm -rf tests/fhir-record
.PHONY: clean-fhir-record
# Slow links: gzip request bodies, _revinclude, conditional reads.
TESTS += tests/registry/slowlink.sh tests/registry/dcz.sh
dist_check_SCRIPTS += tests/registry/slowlink.sh tests/registry/dcz.sh
