/* tests/sys/test_config.c - vaxdesk.conf: good settings apply, every bad line
 * is reported with its line number and leaves the default. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sys/config.h"
#include "sys/fileio.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static bool has_error(const struct config *cfg, const char *needle)
{
	for (int i = 0; i < cfg->n_errors; i++)
		if (strstr(cfg->errors[i], needle))
			return true;
	return false;
}

START_TEST(defaults_and_good_lines)
{
	struct config cfg;
	config_defaults(&cfg, "desk-1");
	ck_assert_int_eq(cfg.idle_lock_minutes, 15);
	ck_assert(cfg.auto_sync);
	ck_assert_int_eq(cfg.registry_forecast, CONFIG_FORECAST_YES);
	ck_assert_str_eq(cfg.workstation, "desk-1");
	const char *in = "# clinic settings\r\n"
	                 "registry_url = https://registry.example.org/fhir/\n"
	                 "  IDLE_LOCK_MINUTES=5  \n"
	                 "\n"
	                 "pinned_pubkey = sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=\n"
	                 "keys = vi\n"
	                 "auto_sync = No\n"
	                 "printer = Front_Desk-HP\n"
	                 "paper = A4\n"
	                 "print_dir = /srv/clinic/printed\n"
	                 "registry_forecast = Always\n"
	                 "workstation = Front desk 2";
	ck_assert_int_eq(config_parse(&cfg, "c.conf", in, strlen(in)), 0);
	ck_assert_str_eq(cfg.registry_url, "https://registry.example.org/fhir/");
	ck_assert_int_eq(cfg.idle_lock_minutes, 5);
	ck_assert_str_eq(cfg.workstation, "Front desk 2");
	ck_assert_str_eq(cfg.keys, "vi");
	ck_assert(!cfg.auto_sync);
	ck_assert_int_eq(cfg.registry_forecast, CONFIG_FORECAST_ALWAYS);
	ck_assert_str_eq(cfg.printer, "Front_Desk-HP");
	ck_assert(cfg.paper_a4);
	ck_assert_str_eq(cfg.print_dir, "/srv/clinic/printed");
	ck_assert_str_eq(cfg.pinned_pubkey, "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=");
	ck_assert_str_eq(cfg.fatal, "");
}
END_TEST

START_TEST(bad_lines_are_reported_and_ignored)
{
	struct config cfg;
	config_defaults(&cfg, "w");
	const char *in = "registry_url = http://insecure.example.org/\n"
	                 "idle_lock_minutes = 0\n"
	                 "idle_lock_minutes = ten\n"
	                 "colour = blue\n"
	                 "just some words\n"
	                 "= 5\n"
	                 "pinned_pubkey = md5//abc\n"
	                 "cache_retention_days = 30\n"
	                 "auto_sync = sometimes\n"
	                 "printer = Front Desk\n"
	                 "paper = legal\n"
	                 "registry_forecast = sometimes\n"
	                 "registry_forecast = no\n";
	ck_assert_int_eq(config_parse(&cfg, "c.conf", in, strlen(in)), 11);
	ck_assert(has_error(&cfg, "c.conf:12: registry_forecast must be yes, no or always"));
	ck_assert_int_eq(cfg.registry_forecast, CONFIG_FORECAST_NO); /* the good line after it */
	ck_assert(has_error(&cfg, "c.conf:10: printer must be a CUPS printer name"));
	ck_assert(has_error(&cfg, "c.conf:11: paper must be letter or a4"));
	ck_assert_str_eq(cfg.printer, "");
	ck_assert(!cfg.paper_a4);
	ck_assert(has_error(&cfg, "c.conf:9: auto_sync must be yes or no"));
	ck_assert(cfg.auto_sync);
	ck_assert(has_error(&cfg, "c.conf:1: registry_url must start with https://"));
	ck_assert(has_error(&cfg, "c.conf:2: idle_lock_minutes must be a whole number from 1 to 240"));
	ck_assert(has_error(&cfg, "c.conf:3:"));
	ck_assert(has_error(&cfg, "c.conf:4: unknown setting 'colour'"));
	ck_assert(has_error(&cfg, "c.conf:5: expected 'key = value'"));
	ck_assert(has_error(&cfg, "c.conf:6:"));
	ck_assert(has_error(&cfg, "c.conf:7: pinned_pubkey"));
	/* the one bad line that stops start-up: no pin would be weaker than asked */
	ck_assert(!strncmp(cfg.fatal, "c.conf:7: pinned_pubkey", 23));
	ck_assert_str_eq(cfg.pinned_pubkey, "");
	ck_assert_str_eq(cfg.registry_url, "");
	ck_assert_int_eq(cfg.idle_lock_minutes, 15);
	ck_assert_int_eq(cfg.cache_retention_days, 30); /* good lines still apply */
}
END_TEST

START_TEST(files)
{
	struct config cfg;
	config_defaults(&cfg, "w");
	char *dir = testutil_mkdtemp();
	char *missing = fileio_join(dir, "absent.conf");
	ck_assert_int_eq(config_load(&cfg, missing), 0); /* no file: defaults */
	char *p = testutil_write_file(dir, "vaxdesk.conf", "idle_lock_minutes = 30\nbogus\n", 29);
	ck_assert_int_eq(config_load(&cfg, p), 1);
	ck_assert_int_eq(cfg.idle_lock_minutes, 30);
	ck_assert(has_error(&cfg, "vaxdesk.conf:2:"));
	config_defaults(&cfg, "w");
	ck_assert_int_eq(config_load(&cfg, dir), 1); /* a directory is not a file */
	ck_assert(has_error(&cfg, "not a regular file"));
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	char *d = config_default_path();
	ck_assert_str_eq(d, "/cfg/vaxdesk/vaxdesk.conf");
	free(d);
	free(p);
	free(missing);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, defaults_and_good_lines);
	tcase_add_test(tc, bad_lines_are_reported_and_ignored);
	tcase_add_test(tc, files);
	suite_add_tcase(s, tc);
	return s;
}
