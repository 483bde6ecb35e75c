# tests/: the Check runner and shared helpers. Suites live beside their
# module's tests (tests/<module>/) and are added by that module's local.mk.
if HAVE_CHECK
check_PROGRAMS += tests/check_all
LONG_TESTS += tests/check_all
endif
tests_check_all_LDADD += $(CHECK_LIBS)
