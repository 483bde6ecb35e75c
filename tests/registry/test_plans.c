/* tests/registry/test_plans.c - every statement vaxregd's store runs on a
 * request's path has an index-backed plan at state scale: a small registry
 * is given the statistics of a 1,000,000-client one
 * (tests/registry/plans-stat1.txt, from `bench/state_scale.sh 1000000`
 * with BENCH_KEEP=1: SELECT * FROM sqlite_stat1), then each store call a
 * request makes is run with the plan hook on. A full scan of a table, or of
 * a whole index of a big one, fails the test and names the statement. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/client.h"
#include "core/fhir.h"
#include "registry/demo.h"
#include "registry/index.h"
#include "registry/store.h"
#include "tests/suites.h"
#include "tests/testutil.h"

struct plans {
	int n, bad;
	char report[16384];
};

/* "SCAN x ..." where x is a table of sql, or an alias of one: FROM and
 * JOIN name them. Scans of subquery results (p, m) are fine. */
static bool scans_table(const char *sql, const char *line)
{
	static const char *const tables[] = {
	    "resource", "doc",        "history", "term", "user",  "member",         "token", "reset",
	    "org",      "pw_history", "login",   "meta", "audit", "token_awaiting", NULL};
	const char *p = strstr(line, "SCAN ");
	if (!p)
		return false;
	char name[64];
	if (sscanf(p + 5, "%63[A-Za-z0-9_]", name) != 1)
		return false;
	for (int i = 0; tables[i]; i++)
		if (!strcmp(name, tables[i]))
			return true;
	/* an alias: "FROM term d", "JOIN doc d" */
	for (const char *s = sql; (s = strstr(s, " ")) != NULL; s++) {
		char kw[8], tbl[64], alias[64];
		if (sscanf(s, " %7s %63[A-Za-z_] %63[A-Za-z0-9_]", kw, tbl, alias) == 3 &&
		    (!strcmp(kw, "FROM") || !strcmp(kw, "JOIN")) && !strcmp(alias, name))
			for (int i = 0; tables[i]; i++)
				if (!strcmp(tbl, tables[i]))
					return true;
	}
	return false;
}

static void hook(void *ctx, const char *sql, const char *plan)
{
	struct plans *p = ctx;
	p->n++;
	/* the names are read whole, once, when the store opens; a client's
	 * accounting of accesses is a report that reads the append-only audit
	 * trail through (registry/store_sqlite.c says why it has no index) */
	if (!strcmp(sql, "SELECT id, name FROM name") || strstr(sql, "count(*) FROM audit"))
		return;
	char copy[8192];
	snprintf(copy, sizeof copy, "%s", plan);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (scans_table(sql, l)) {
			p->bad++;
			size_t o = strlen(p->report);
			snprintf(p->report + o, sizeof p->report - o, "\n  %s\n    -> %s", sql, l);
		}
}

static char *dir;

/* The statistics of a big registry in place of the small one's. */
static void big_statistics(void)
{
	char path[4096], db[4096];
	snprintf(db, sizeof db, "%s/registry.db", dir);
	snprintf(path, sizeof path, "%s/tests/registry/plans-stat1.txt", testutil_srcdir());
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	sqlite3 *h;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "DELETE FROM sqlite_stat1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(
	    sqlite3_prepare_v2(h, "INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?1, NULLIF(?2, ''), ?3)",
	                       -1, &st, NULL),
	    SQLITE_OK);
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		char tbl[64] = "", idx[64] = "", stat[256] = "";
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		char *a = strchr(line, '|'), *b = a ? strchr(a + 1, '|') : NULL;
		ck_assert_msg(b != NULL, "plans-stat1.txt: bad line %s", line);
		snprintf(tbl, sizeof tbl, "%.*s", (int)(a - line), line);
		snprintf(idx, sizeof idx, "%.*s", (int)(b - a - 1), a + 1);
		snprintf(stat, sizeof stat, "%s", b + 1);
		sqlite3_bind_text(st, 1, tbl, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, idx, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, stat, -1, SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		n++;
	}
	fclose(f);
	sqlite3_finalize(st);
	sqlite3_close(h);
	ck_assert_int_gt(n, 5);
}

static long search(struct store *st, const char *type, const struct store_cond *c, int n, int count)
{
	struct store_query q = {.type = type, .n = n, .count = count};
	if (n)
		memcpy(q.cond, c, (size_t)n * sizeof *c);
	struct store_res r[20];
	char ids[20][65];
	long total = -1;
	struct vax_error err = {0};
	int got = store_search(st, &q, r, ids, &total, &err);
	ck_assert_msg(got >= 0, "%s", err.message);
	for (int i = 0; i < got; i++)
		store_res_free(&r[i]);
	return total;
}

START_TEST(hot_queries_use_indexes)
{
	dir = testutil_mkdtemp();
	struct vax_error err = {0};
	struct store *st = store_open(dir, &err);
	ck_assert_msg(st != NULL, "%s", err.message);
	/* more doses than a search sorts by itself: the big-result path too */
	ck_assert_msg(demo_load_n(st, 1798761600, 400, 3, NULL, &err), "%s", err.message);
	/* a client to look for */
	struct store_query q = {.type = "Patient", .count = 1, .offset = 7};
	struct store_res r;
	char id[1][65];
	long total;
	ck_assert_int_eq(store_search(st, &q, &r, id, &total, &err), 1);
	cJSON *pj = cJSON_Parse(r.json);
	store_res_free(&r);
	struct client c;
	ck_assert(fhir_patient_from_json(pj, &c, &err));
	cJSON_Delete(pj);
	store_close(st);
	big_statistics();

	struct plans p = {0};
	st = store_open(dir, &err);
	ck_assert_msg(st != NULL, "%s", err.message);
	store_set_plan_hook(st, hook, &p);

	/* reading a record and its history */
	ck_assert_int_eq(store_read(st, "Patient", id[0], 0, &r, &err), 1);
	store_res_free(&r);
	ck_assert_int_eq(store_read(st, "Patient", id[0], 1, &r, &err), 1);
	store_res_free(&r);
	struct store_res h[4];
	int nh = store_history(st, "Patient", id[0], h, 4, &err);
	ck_assert_int_ge(nh, 1);
	for (int i = 0; i < nh; i++)
		store_res_free(&h[i]);

	/* Basic search as vaxdesk sends it, and the other searches */
	char fam[160], giv[160], dob[DATE_ISO_LEN], ref[96];
	index_fold_name(c.name.family, fam, sizeof fam);
	index_fold_name(c.name.given, giv, sizeof giv);
	date_format_iso(c.dob, dob);
	snprintf(ref, sizeof ref, "Patient/%s", id[0]);
	struct store_cond basic[] = {{SC_PREFIX, "family", fam, NULL},
	                             {SC_PREFIX, "given", giv, NULL},
	                             {SC_RANGE, "birthdate", dob, dob}};
	ck_assert_int_ge(search(st, "Patient", basic, 3, 20), 1);
	ck_assert_int_ge(search(st, "Patient", basic, 1, 20), 1);
	ck_assert_int_ge(search(st, "Patient", basic + 2, 1, 0), 1);
	struct store_cond hist[] = {{SC_TERM, "patient", ref, NULL}};
	ck_assert_int_eq(search(st, "Immunization", hist, 1, 20), 3);
	struct store_cond dated[] = {{SC_TERM, "patient", ref, NULL}, {SC_RANGE, "date", "1900-01-01", ""}};
	ck_assert_int_eq(search(st, "Immunization", dated, 2, 20), 3);
	struct store_cond byid[] = {{SC_ID, NULL, id[0], NULL}};
	ck_assert_int_eq(search(st, "Patient", byid, 1, 20), 1);
	struct store_cond ident[] = {{SC_TERM, "identifier", "urn:ietf:rfc:3986|urn:uuid:0", NULL}};
	ck_assert_int_eq(search(st, "Immunization", ident, 1, 2), 0);
	struct store_cond anysys[] = {{SC_TERM, "identifier", "urn:uuid:0", NULL}};
	ck_assert_int_eq(search(st, "Patient", anysys, 1, 2), 0);
	struct store_cond gender[] = {{SC_TERM, "gender", "female", NULL}, {SC_RANGE, "birthdate", dob, dob}};
	ck_assert_int_ge(search(st, "Patient", gender, 2, 20), 0);
	struct store_cond owner[] = {{SC_OWNER, NULL, "AUSTINISD", NULL}};
	ck_assert_int_eq(search(st, "Group", owner, 1, 20), 1);
	struct store_cond named[] = {{SC_PREFIX, "name", "BECKER", NULL},
	                             {SC_OWNER, NULL, "AUSTINISD", NULL}};
	ck_assert_int_eq(search(st, "Group", named, 2, 20), 1);
	ck_assert_int_ge(search(st, "Patient", NULL, 0, 20), 400);
	struct store_cond given[] = {{SC_TERM, "status", "completed", NULL}};
	ck_assert_int_gt(search(st, "Immunization", given, 1, 20), 1000);
	struct store_cond given2[] = {{SC_TERM, "status", "completed", NULL},
	                              {SC_RANGE, "date", "1900-01-01", ""}};
	ck_assert_int_gt(search(st, "Immunization", given2, 2, 20), 1000);

	/* $match */
	struct index_cand cand[5];
	int nc = index_match(st, &c, cand, 5, &err);
	ck_assert_int_ge(nc, 1);
	for (int i = 0; i < nc; i++)
		cJSON_Delete(cand[i].res);

	/* writing: a create, an update, a deletion, with their audit */
	ck_assert(store_begin(st, &err));
	/* another client: the record's own UUID is unique */
	snprintf(c.uuid, sizeof c.uuid, "9a1f3c2e-5b7d-4e8f-a012-3456789abcde");
	cJSON *pt = fhir_patient_to_json(&c);
	ck_assert(store_write(st, "Patient", "plans-1", "HILLPEDS", pt, false, 1798761600, NULL, &err));
	ck_assert(store_write(st, "Patient", "plans-1", "HILLPEDS", pt, false, 1798761601, NULL, &err));
	ck_assert(store_write(st, "Patient", "plans-1", "HILLPEDS", NULL, true, 1798761602, NULL, &err));
	cJSON_Delete(pt);
	ck_assert(store_audit(st, "frontdesk", "HILLPEDS", "create", "Patient", "plans-1", 1798761600, &err));
	ck_assert(store_commit(st, &err));

	/* logins and sessions */
	struct store_user u;
	ck_assert_int_eq(store_user_get(st, "frontdesk", &u, &err), 1);
	ck_assert_int_eq(store_user_by_id(st, u.id, &u, &err), 1);
	ck_assert(store_user_update(st, &u, &err));
	char role[16], name[128], hashes[6][256];
	ck_assert_int_eq(store_member_role(st, u.id, "HILLPEDS", role, sizeof role, &err), 1);
	struct store_org orgs[8];
	ck_assert_int_ge(store_member_orgs(st, u.id, orgs, 8, &err), 1);
	ck_assert_int_eq(store_org_get(st, "HILLPEDS", name, sizeof name, &err), 1);
	ck_assert(store_pw_history_add(st, u.id, u.hash, &err));
	ck_assert_int_ge(store_pw_history(st, u.id, hashes, 6, &err), 1);
	struct store_session ss = {
	    .user_id = u.id, .org = "HILLPEDS", .role = "provider", .expires = 1798765200};
	ck_assert(store_token_add(st, "plans-token", &ss, &err));
	ck_assert_int_eq(store_token_get(st, "plans-token", 1798761600, &ss, &err), 1);
	ck_assert(store_token_delete(st, "plans-token", &err));
	/* a deferred login's token, its family, the acceptance */
	struct store_session aw = ss;
	snprintf(aw.awaiting, sizeof aw.awaiting, "2026-1");
	snprintf(aw.awaiting_family, sizeof aw.awaiting_family, "plans-family");
	aw.awaiting_login = 1798761600;
	aw.awaiting_until = 1798790400;
	ck_assert(store_token_add(st, "plans-waits", &aw, &err));
	ck_assert_int_eq(store_token_get(st, "plans-waits", 1798761600, &aw, &err), 1);
	ck_assert_str_eq(aw.awaiting, "2026-1");
	ck_assert_str_eq(aw.awaiting_family, "plans-family");
	ck_assert_int_eq(aw.awaiting_login, 1798761600);
	struct store_session fs = {0};
	ck_assert_int_eq(store_family_awaiting(st, "plans-family", &fs, &err), 1);
	ck_assert_int_eq(fs.awaiting_until, 1798790400);
	ck_assert_int_eq(store_token_accept(st, "plans-waits", "plans-family", &err), 1);
	ck_assert_int_eq(store_token_accept(st, "plans-waits", "plans-family", &err), 0);
	ck_assert_int_eq(store_family_awaiting(st, "plans-family", &fs, &err), 0);
	ck_assert_int_eq(store_token_get(st, "plans-waits", 1798761600, &aw, &err), 1);
	ck_assert_str_eq(aw.awaiting, "");
	ck_assert(store_token_delete(st, "plans-waits", &err));
	int64_t uid;
	ck_assert(store_reset_add(st, "plans-reset", u.id, 1798765200, &err));
	ck_assert_int_eq(store_reset_take(st, "plans-reset", 1798761600, &uid, &err), 1);
	ck_assert(store_login_record(st, u.id, "HILLPEDS", 1798761600, "2026-1", &err));

	ck_assert_int_gt(p.n, 30);
	ck_assert_msg(p.bad == 0, "%d statements scan a table at state scale:%s", p.bad, p.report);
	store_close(st);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* The check itself: a scan is seen for what it is. */
START_TEST(a_scan_is_caught)
{
	struct plans p = {0};
	hook(&p, "SELECT t.rid FROM term t WHERE t.v=?1", "SCAN t\n");
	ck_assert_int_eq(p.bad, 1);
	hook(&p, "SELECT count(*) FROM (SELECT 1 FROM term WHERE k=?1 AND v=?2 LIMIT ?3)",
	     "CO-ROUTINE (subquery-1)\nSEARCH term USING COVERING INDEX term_kv (k=? AND v=?)\nSCAN "
	     "(subquery-1)\n");
	ck_assert_int_eq(p.bad, 1);
	hook(&p, "SELECT 1 FROM resource r WHERE r.sort=?", "SCAN r USING INDEX resource_sort\n");
	ck_assert_int_eq(p.bad, 2);
	hook(&p, "SELECT p.id FROM (SELECT r.rid FROM resource r WHERE r.rid=?1) p JOIN doc d ON d.rid=p.rid",
	     "SCAN p\nSEARCH d USING INTEGER PRIMARY KEY (rowid=?)\n");
	ck_assert_int_eq(p.bad, 2);
}
END_TEST

Suite *plans_suite(void)
{
	Suite *s = suite_create("plans");
	TCase *tc = tcase_create("plans");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_scan_is_caught);
	tcase_add_test(tc, hot_queries_use_indexes);
	suite_add_tcase(s, tc);
	return s;
}
