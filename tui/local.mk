# tui/: vaxdesk, the terminal client; the only folder that includes curses.
bin_PROGRAMS += vaxdesk
vaxdesk_SOURCES = \
	tui/tui.h tui/main.c tui/app.c tui/term.c tui/input.c tui/draw.c tui/form_view.c \
	tui/screen_login.c tui/screen_confid.c tui/screen_forgot.c tui/screen_password.c \
	tui/screen_portal.c tui/screen_menu.c tui/screen_lock.c tui/screen_help.c
vaxdesk_SOURCES += tui/screen_client.c tui/screen_client_edit.c tui/screen_shot.c tui/screen_outbox.c
vaxdesk_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
vaxdesk_LDADD = $(VAXFORMS_LIBS) $(VAXCACHE_LIBS) $(VAXAPI_LIBS) $(VAXSYS_LIBS) $(NCURSES_LIBS) $(OPENSSL_LIBS)
vaxdesk_LDADD += $(VAXFORECAST_LIBS)

# Terminal tests: scripted mode (VAXDESK_SCRIPT, no terminal) and the real
# program in tmux, against a real vaxregd over TLS (tests/lib/registry.sh).
TUI_TESTS = tests/tui/cli.sh tests/tui/frame.sh tests/tui/access.sh tests/tui/tmux.sh
TESTS += $(TUI_TESTS)
dist_check_SCRIPTS += $(TUI_TESTS)
EXTRA_DIST += tests/tui/lib.sh
vaxdesk_SOURCES += tui/screen_search.c tui/screen_results.c tui/screen_review_match.c
vaxdesk_SOURCES += tui/app_sync.c tui/screen_discard.c tui/screen_merge.c tui/screen_review_dose.c
vaxdesk_SOURCES += tui/screen_device.c tui/screen_passphrase.c
vaxdesk_SOURCES += tui/session.c tui/session.h tui/record.c tui/password_form.c
vaxdesk_SOURCES += tui/app_lots.c tui/screen_pick.c tui/screen_due.c tui/screen_lots.c tui/screen_lot_edit.c

# the client record, shots, Add/Edit Client and the outbox (tests/tui/client.sh)
TESTS += tests/tui/client.sh
dist_check_SCRIPTS += tests/tui/client.sh
# AKA names, responsible persons and consent tabs; the vital-records lock (tests/tui/tabs.sh)
TESTS += tests/tui/tabs.sh
dist_check_SCRIPTS += tests/tui/tabs.sh
# the visit without codes: pick lists, due today, lots on hand, registry IDs (tests/tui/visit.sh)
TESTS += tests/tui/visit.sh
dist_check_SCRIPTS += tests/tui/visit.sh
# Finding a client and reviewing held clients (needs tests/cache/cachedrv).
TESTS += tests/tui/search.sh
# A possible duplicate beside its match, a merge field by field (needs tests/cache/cachedrv).
TESTS += tests/tui/integrity.sh
dist_check_SCRIPTS += tests/tui/integrity.sh
LONG_TESTS += tests/tui/expiry.sh
# signing in on another device (RFC 8628) with the local passphrase
LONG_TESTS += tests/tui/device.sh
dist_check_SCRIPTS += tests/tui/device.sh
# a foreign FHIR registry: Medplum's engine with its own sign-in (needs node)
TESTS += tests/tui/medplum.sh tests/tui/medplum_edit.sh
dist_check_SCRIPTS += tests/tui/medplum.sh tests/tui/medplum_edit.sh
EXTRA_DIST += tests/medplum/lib.sh tests/tui/medplum_lib.sh
dist_check_SCRIPTS += tests/tui/expiry.sh
dist_check_SCRIPTS += tests/tui/search.sh
# the outbox screen and the outbox sending itself through a maintenance
LONG_TESTS += tests/tui/outbox.sh
dist_check_SCRIPTS += tests/tui/outbox.sh
# several shots in one visit, editing a dose, correcting a rejected one (tests/tui/shots.sh)
TESTS += tests/tui/shots.sh
dist_check_SCRIPTS += tests/tui/shots.sh
# an offline session signs in when the registry is back, and the outbox goes
TESTS += tests/tui/offline_return.sh
dist_check_SCRIPTS += tests/tui/offline_return.sh
# invalid input in every field of Edit Client and the shot forms (tests/tui/fields.sh)
TESTS += tests/tui/fields.sh
dist_check_SCRIPTS += tests/tui/fields.sh
# every screen's key bar and the client's key line fit 80 columns whole (tests/tui/fit.sh)
TESTS += tests/tui/fit.sh
dist_check_SCRIPTS += tests/tui/fit.sh
# vaxdesk is not dumpable: its /proc files belong to root (tests/tui/dumpable.sh)
TESTS += tests/tui/dumpable.sh
dist_check_SCRIPTS += tests/tui/dumpable.sh
# screens are instances: two records on the stack; F9 to the main menu (tests/tui/stack.sh)
TESTS += tests/tui/stack.sh
dist_check_SCRIPTS += tests/tui/stack.sh
# roles: view-only and school users offered no write, a 403 rejected with its reason (tests/tui/roles.sh)
TESTS += tests/tui/roles.sh
dist_check_SCRIPTS += tests/tui/roles.sh
# F1 over every form returns to it unchanged, deep in the stack too (tests/tui/help.sh)
TESTS += tests/tui/help.sh
dist_check_SCRIPTS += tests/tui/help.sh
# two users on one workstation: the statement at every login, no traces left (tests/tui/users.sh)
TESTS += tests/tui/users.sh
dist_check_SCRIPTS += tests/tui/users.sh
# the outbox goes on under the idle lock (tests/tui/lock.sh)
TESTS += tests/tui/lock.sh
dist_check_SCRIPTS += tests/tui/lock.sh

# reports: printing the record, reminder/recall, school lists and their
# reports, the provider summary (print/ draws the documents)
vaxdesk_SOURCES += tui/reports.c tui/print_record.c tui/schools.c tui/screen_recall.c tui/screen_schools.c \
	tui/screen_school_list.c tui/screen_students.c tui/screen_pick_lists.c tui/screen_school_report.c \
	tui/screen_school_reports.c tui/screen_summary.c
vaxdesk_LDADD += $(VAXPRINT_LIBS)
# printing the record through CUPS; recall; school lists; the provider summary
# (tests/tui/print_record.sh, recall.sh, school.sh, summary.sh)
REPORT_TUI_TESTS = tests/tui/print_record.sh tests/tui/recall.sh tests/tui/school.sh tests/tui/summary.sh
TESTS += $(REPORT_TUI_TESTS)
dist_check_SCRIPTS += $(REPORT_TUI_TESTS)
# one request per user action on the front-desk task (tests/tui/roundtrips.sh)
TESTS += tests/tui/roundtrips.sh
dist_check_SCRIPTS += tests/tui/roundtrips.sh
# bytes written to a real terminal per keystroke: no repaint on a typed character (tests/tui/ttybytes.sh)
TESTS += tests/tui/ttybytes.sh
dist_check_SCRIPTS += tests/tui/ttybytes.sh
