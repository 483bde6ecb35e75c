# forecast/: CDSi evaluation and forecast, tracking schedules (ACIP, Texas
# school). Depends on core, sys (reading the supporting data's files) and
# libxml2; the NDJSON case reader uses cJSON.
noinst_LIBRARIES += libvaxforecast.a
libvaxforecast_a_SOURCES = \
	forecast/cdsi.c forecast/cdsi.h \
	forecast/cdsi_model.h \
	forecast/cdsi_data.c \
	forecast/cdsi_cases.c forecast/cdsi_cases.h \
	forecast/school.c forecast/school.h \
	forecast/record.c forecast/record.h \
	forecast/immds.c forecast/immds.h forecast/immds_read.c
libvaxforecast_a_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS) $(CJSON_CFLAGS)
VAXFORECAST_LIBS = libvaxforecast.a $(VAXSYS_LIBS) $(XML_LIBS) $(CJSON_LIBS)

bin_PROGRAMS += vaxdesk-forecast
vaxdesk_forecast_SOURCES = forecast/runner_main.c
vaxdesk_forecast_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS) $(CJSON_CFLAGS)
vaxdesk_forecast_LDADD = $(VAXFORECAST_LIBS)

# CDC's supporting data, installed flat into $(pkgdatadir)/cdsi where
# cdsi_data_dir() looks (file names without spaces; see data/cdsi/SOURCE.md).
cdsidir = $(pkgdatadir)/cdsi
dist_cdsi_DATA = \
	data/cdsi/SOURCE.md \
	data/cdsi/ScheduleSupportingData.xml \
	data/cdsi/ScheduleSupportingData.xsd \
	data/cdsi/AntigenSupportingData.xsd \
	data/cdsi/AntigenSupportingData-COVID-19-508.xml \
	data/cdsi/AntigenSupportingData-Chikungunya-508.xml \
	data/cdsi/AntigenSupportingData-Cholera-508.xml \
	data/cdsi/AntigenSupportingData-Dengue-508.xml \
	data/cdsi/AntigenSupportingData-Diphtheria-508.xml \
	data/cdsi/AntigenSupportingData-Ebola-508.xml \
	data/cdsi/AntigenSupportingData-HPV-508.xml \
	data/cdsi/AntigenSupportingData-HepA-508.xml \
	data/cdsi/AntigenSupportingData-HepB-508.xml \
	data/cdsi/AntigenSupportingData-Hib-508.xml \
	data/cdsi/AntigenSupportingData-Influenza-508.xml \
	data/cdsi/AntigenSupportingData-JE-508.xml \
	data/cdsi/AntigenSupportingData-Measles-508.xml \
	data/cdsi/AntigenSupportingData-Meningococcal-508.xml \
	data/cdsi/AntigenSupportingData-Meningococcal_B-508.xml \
	data/cdsi/AntigenSupportingData-Mumps-508.xml \
	data/cdsi/AntigenSupportingData-Orthopoxvirus-508.xml \
	data/cdsi/AntigenSupportingData-Pertussis-508.xml \
	data/cdsi/AntigenSupportingData-Pneumococcal-508.xml \
	data/cdsi/AntigenSupportingData-Polio-508.xml \
	data/cdsi/AntigenSupportingData-RSV-508.xml \
	data/cdsi/AntigenSupportingData-Rabies-508.xml \
	data/cdsi/AntigenSupportingData-Rotavirus-508.xml \
	data/cdsi/AntigenSupportingData-Rubella-508.xml \
	data/cdsi/AntigenSupportingData-TBE-508.xml \
	data/cdsi/AntigenSupportingData-Tetanus-508.xml \
	data/cdsi/AntigenSupportingData-Typhoid-508.xml \
	data/cdsi/AntigenSupportingData-Varicella-508.xml \
	data/cdsi/AntigenSupportingData-YF-508.xml \
	data/cdsi/AntigenSupportingData-Zoster-508.xml

# Texas school and child-care requirements (25 TAC §97.63) as data.
texasdir = $(pkgdatadir)/texas
dist_texas_DATA = data/texas/school-requirements.txt

# Check suites: loading, the CDSi rules, the case reader, school compliance.
tests_check_all_SOURCES += tests/forecast/test_record.c
tests_check_all_SOURCES += tests/forecast/test_cdsi.c tests/forecast/test_school.c \
	tests/forecast/test_immds.c

# CDC's test cases through the real program, with a pass-rate floor.
TESTS += tests/cdsi/run_cdsi.sh
dist_check_SCRIPTS += tests/cdsi/run_cdsi.sh
EXTRA_DIST += \
	forecast/README.md \
	tests/cdsi/SOURCE.md \
	tests/cdsi/known-stale.txt \
	tests/cdsi/healthy-v4.45.ndjson \
	tests/cdsi/underlying-conditions-v4.6.ndjson

tests_check_all_LDADD += $(VAXFORECAST_LIBS)

# Fuzz target for the NDJSON case reader; its corpus is tests/fuzz/corpus/cdsi_case
# (replayed once "cdsi_case" is in FUZZ_TARGETS, tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz_cdsi_case
tests_fuzz_fuzz_cdsi_case_SOURCES = tests/fuzz/fuzz_cdsi_case.c
tests_fuzz_fuzz_cdsi_case_LDADD = $(FUZZ_MAIN) $(VAXFORECAST_LIBS)
tests_fuzz_fuzz_cdsi_case_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

# Fuzz target for the $immds-forecast request reader; corpus
# tests/fuzz/corpus/immds ("immds" is in FUZZ_TARGETS, tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz_immds
tests_fuzz_fuzz_immds_SOURCES = tests/fuzz/fuzz_immds.c
tests_fuzz_fuzz_immds_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_immds_LDADD = $(FUZZ_MAIN) $(VAXFORECAST_LIBS)
tests_fuzz_fuzz_immds_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
