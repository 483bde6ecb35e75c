/* tests/sys/test_codeload.c - CDC's shipped tables load, and broken copies
 * of them fail with the file and line named. */
#include <check.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "sys/codeload.h"
#include "sys/fileio.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct codes *shipped;

static void load_shipped(void)
{
	struct vax_error err = {0};
	shipped = codeload_default(&err);
	if (!shipped)
		ck_abort_msg("loading the shipped code tables failed: %s", err.message);
}

static void free_shipped(void)
{
	codes_free(&shipped);
}

START_TEST(shipped_tables)
{
	ck_assert(codes_complete(shipped));
	const struct cvx_info *all;
	ck_assert_uint_eq(codes_cvx_all(shipped, &all), 288);
	const struct cvx_info *c = codes_cvx(shipped, "08");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->code, "08"); /* the leading zero survives */
	ck_assert_ptr_null(codes_cvx(shipped, "8"));
	ck_assert_int_eq(codes_cvx(shipped, "20")->status, CVX_ACTIVE);
	ck_assert(codes_cvx(shipped, "107")->unspecified);
	const struct mvx_info *m;
	ck_assert_uint_eq(codes_mvx_all(shipped, &m), 89);
	ck_assert_str_eq(codes_mvx(shipped, "PMC")->name, "Sanofi Pasteur");

	const char *groups[8];
	int n = codes_vaccine_groups(shipped, "146", groups, 8); /* DTaP-IPV-Hib-HepB */
	ck_assert_int_ge(n, 4);
	ck_assert(codes_same_group(shipped, "20", "107"));
	ck_assert(codes_same_group(shipped, "146", "08"));
	ck_assert(!codes_same_group(shipped, "03", "20"));

	ck_assert(codes_mvx_matches_cvx(shipped, "115", "PMC"));
	ck_assert(codes_mvx_matches_cvx(shipped, "115", "SKB")); /* Boostrix */
	ck_assert(!codes_mvx_matches_cvx(shipped, "115", "MSD"));
	ck_assert(codes_mvx_matches_cvx(shipped, "107", "SKB")); /* unspecified: no products listed */

	const struct vis_info *vis[8];
	ck_assert_int_ge(codes_vis(shipped, "20", vis, 8), 1);
	ck_assert(vis[0]->current);
}
END_TEST

START_TEST(ndc_lookups)
{
	const struct ndc_info *a = codes_ndc(shipped, "58160-0810-52");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->cvx, "20");
	ck_assert_str_eq(a->name, "INFANRIX");
	ck_assert_str_eq(a->mvx, "SKB");
	ck_assert_ptr_eq(codes_ndc(shipped, "58160081052"), a);
	ck_assert_ptr_eq(codes_ndc(shipped, "58160-810-52"), a); /* 5-3-2 label form */
	ck_assert_ptr_null(codes_ndc(shipped, "58160-0810-5x"));
	ck_assert_ptr_null(codes_ndc(shipped, "12345"));
	/* the label's 10 digits, the form the NDC code system takes */
	ck_assert_str_eq(a->ndc10, "58160-810-52");
	ck_assert(codes_ndc_form_ok(a->ndc10));
	ck_assert_str_eq(codes_ndc(shipped, "0006-4109-02")->ndc10, "0006-4109-02"); /* 4-4-2 */
	ck_assert(codes_ndc_form_ok("58160081052"));
	ck_assert(
	    !codes_ndc_form_ok("58160-0810-52")); /* 11 digits with dashes: no form of the code system */
	ck_assert(!codes_ndc_form_ok("5816-0810-52x"));
	ck_assert(!codes_ndc_form_ok("not-an-ndc"));
	ck_assert(!codes_ndc_form_ok("581600810521"));
	/* from a GS1 GTIN, both listed and derived from the embedded NDC */
	ck_assert_ptr_eq(codes_ndc_by_gtin(shipped, "00358160810527"), a);
	const struct ndc_info *u = codes_ndc_by_gtin(shipped, "10358160810432");
	ck_assert_ptr_nonnull(u);
	ck_assert(u->unit_of_use);
	ck_assert_str_eq(u->cvx, "20");
	ck_assert_ptr_null(codes_ndc_by_gtin(shipped, "123"));
}
END_TEST

/* Copy the shipped tables into a temp dir, with one file replaced. */
static char *tables_with(const char *file, const char *content)
{
	char *dir = testutil_mkdtemp();
	char *src = fileio_join(testutil_datadir(), "codes");
	for (int t = 0; t < CODES_TABLE_COUNT; t++) {
		const char *name = codes_table_file((enum codes_table)t);
		char *p = fileio_join(src, name), *buf;
		size_t len;
		ck_assert(fileio_read(p, &buf, &len, NULL));
		if (file && !strcmp(name, file))
			free(testutil_write_file(dir, name, content, strlen(content)));
		else if (!file || strcmp(name, file))
			free(testutil_write_file(dir, name, buf, len));
		free(buf);
		free(p);
	}
	free(src);
	return dir;
}

static void expect_failure(const char *file, const char *content, const char *code, const char *where)
{
	char *dir = tables_with(file, content);
	struct codes *c = codes_new();
	struct vax_error err = {0};
	ck_assert(!codeload_dir(c, dir, &err));
	ck_assert_str_eq(err.code, code);
	if (!strstr(err.message, where))
		ck_abort_msg("message '%s' does not name '%s'", err.message, where);
	codes_free(&c);
	testutil_rmtree(dir);
	free(dir);
}

START_TEST(missing_file)
{
	char *dir = tables_with(NULL, NULL);
	char *p = fileio_join(dir, "mvx.csv");
	remove(p);
	struct codes *c = codes_new();
	struct vax_error err = {0};
	ck_assert(!codeload_dir(c, dir, &err));
	ck_assert_str_eq(err.code, "FILE-OPEN");
	ck_assert_ptr_nonnull(strstr(err.message, "mvx.csv"));
	ck_assert_ptr_nonnull(strstr(err.message, "No such file"));
	codes_free(&c);
	free(p);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(truncated_csv)
{
	expect_failure("cvx.csv",
	               "cvx_code,short_description,full_vaccine_name,status,last_updated,notes\n"
	               "03,MMR,\"measles, mumps and rubella virus vaccine\",Active,5/28/2010,\n"
	               "20,DTaP,\"diphtheria, tet",
	               "CSV-QUOTE", "cvx.csv:3:");
	expect_failure("mvx.csv",
	               "mvx_code,manufacturer_name,status,last_updated,notes\n"
	               "PMC,Sanofi Pasteur,Active,5/28/2010,\n"
	               "SKB,GlaxoSmith",
	               "CODES-ROW", "mvx.csv:3:");
	expect_failure("cvx.csv", "", "CODES-EMPTY", "cvx.csv");
}
END_TEST

START_TEST(unknown_or_missing_column)
{
	expect_failure("mvx.csv",
	               "mvx_code,manufacturer_name,status,last_updated,notes,colour\n"
	               "PMC,Sanofi Pasteur,Active,5/28/2010,,blue\n",
	               "CODES-COLUMN", "unknown column 'colour'");
	expect_failure("mvx.csv", "mvx_code,manufacturer_name,last_updated,notes\n", "CODES-COLUMN",
	               "'status' is missing");
	expect_failure("mvx.csv", "mvx_code,manufacturer_name,status,status,last_updated,notes\n",
	               "CODES-COLUMN", "appears twice");
}
END_TEST

START_TEST(bad_values)
{
	const char *hdr = "cvx_code,short_description,full_vaccine_name,status,last_updated,notes\n";
	char buf[512];
	snprintf(buf, sizeof buf, "%s03,MMR,mmr,Retired,5/28/2010,\n", hdr);
	expect_failure("cvx.csv", buf, "CODES-ROW", "cvx.csv:2: unknown CVX status 'Retired'");
	snprintf(buf, sizeof buf, "%s03,MMR,mmr,Active,2010-05-28,\n", hdr);
	expect_failure("cvx.csv", buf, "CODES-ROW", "not a date");
	snprintf(buf, sizeof buf, "%s03,MMR,mmr,Active,5/28/2010,\n03,MMR,mmr,Active,5/28/2010,\n", hdr);
	expect_failure("cvx.csv", buf, "CODES-ROW", "cvx.csv:3: CVX 03 is listed twice");
	snprintf(buf, sizeof buf, "%s0$3,MMR,mmr,Active,5/28/2010,\n", hdr);
	expect_failure("cvx.csv", buf, "CODES-ROW", "is not a CVX code");
}
END_TEST

Suite *codeload_suite(void)
{
	Suite *s = suite_create("codeload");
	TCase *tc = tcase_create("shipped");
	tcase_add_unchecked_fixture(tc, load_shipped, free_shipped);
	tcase_add_test(tc, shipped_tables);
	tcase_add_test(tc, ndc_lookups);
	suite_add_tcase(s, tc);
	TCase *bad = tcase_create("broken");
	tcase_add_test(bad, missing_file);
	tcase_add_test(bad, truncated_csv);
	tcase_add_test(bad, unknown_or_missing_column);
	tcase_add_test(bad, bad_values);
	suite_add_tcase(s, bad);
	return s;
}
