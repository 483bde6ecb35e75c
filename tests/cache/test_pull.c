/* tests/cache/test_pull.c - the one read of a client from the registry
 * (cache/pull.h): a batch answer as vaxregd sends it (the files in
 * tests/fuzz/corpus/pull/, taken from a real vaxregd) read into records,
 * a part that failed keeps what the store had, a Patient the registry does
 * not have is "not found" in its words, and nothing that is not a batch
 * answer is taken for one; a search with _revinclude stores each client
 * found with what came for it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api/fhir_client.h"
#include "cache/pull.h"
#include "sys/fileio.h"
#include "tests/cache/cachetest.h"
#include "tests/suites.h"
#include "tests/testutil.h"

#define PID "dbd14e34-7a6f-4910-ac43-66e0c826961c"

/* A fixture as the transport would hand it over (freed by the caller). */
static char *answer(const char *name, struct api_result *res)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/pull/%s", testutil_srcdir(), name);
	char *body;
	size_t len;
	struct vax_error err;
	ck_assert_msg(fileio_read(path, &body, &len, &err), "%s", err.message);
	*res = (struct api_result){.cls = API_OK,
	                           .status = 200,
	                           .body = body,
	                           .body_len = len,
	                           .retry_after = -1,
	                           .etag = "",
	                           .location = "",
	                           .content_type = "application/fhir+json"};
	return body;
}

START_TEST(reads_the_whole_client)
{
	struct api_result res;
	char *body = answer("batch.json", &res);
	struct cache_pulled p;
	enum api_class cls;
	struct vax_error err;
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	ck_assert_int_eq(cls, API_OK);
	ck_assert_str_eq(p.client.id, PID);
	ck_assert_str_eq(p.client.version, "1");
	ck_assert_str_eq(p.client.name.family, "Peña");
	ck_assert(p.have_resp && p.have_consent && p.have_imms);
	ck_assert_int_eq(p.client.n_resp, 1);
	ck_assert_str_eq(p.client.resp[0].name.given, "Ana");
	ck_assert_str_eq(p.client.resp[0].relationship, "MTH");
	ck_assert_int_eq(p.n_imms, 1);
	ck_assert_str_eq(p.imms[0].cvx, "08");
	ck_assert_str_eq(p.next, "");
	ck_assert_ptr_nonnull(p.patient);
	cache_pulled_free(&p);
	free(body);
	/* a further page of doses appends */
	body = answer("batch.json", &res);
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	free(body);
	body = answer("page.json", &res);
	ck_assert(cache_pull_read_page(&res, &p, &err));
	ck_assert_int_eq(p.n_imms, 2);
	cache_pulled_free(&p);
	free(body);
}
END_TEST

START_TEST(not_found_in_the_registrys_words)
{
	struct api_result res;
	char *body = answer("not_found.json", &res);
	struct cache_pulled p;
	enum api_class cls;
	struct vax_error err;
	ck_assert(!cache_pull_read(&res, &p, &cls, &err));
	ck_assert_int_eq(cls, API_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "not in the registry"));
	cache_pulled_free(&p);
	free(body);
}
END_TEST

START_TEST(only_batch_answers)
{
	struct api_result res;
	char *body = answer("truncated.json", &res);
	struct cache_pulled p;
	enum api_class cls;
	struct vax_error err;
	ck_assert(!cache_pull_read(&res, &p, &cls, &err));
	ck_assert_int_eq(cls, API_PROTOCOL);
	cache_pulled_free(&p);
	free(body);
	/* a page is not a client */
	body = answer("page.json", &res);
	ck_assert(!cache_pull_read(&res, &p, &cls, &err));
	ck_assert_int_eq(cls, API_PROTOCOL);
	cache_pulled_free(&p);
	free(body);
	/* a request that failed is that failure */
	struct api_result off = {.cls = API_OFFLINE, .body = "", .retry_after = 60};
	error_set(&off.err, "API-OFFLINE-503", "The registry is unavailable (maintenance).");
	ck_assert(!cache_pull_read(&off, &p, &cls, &err));
	ck_assert_int_eq(cls, API_OFFLINE);
	ck_assert_str_eq(err.code, "API-OFFLINE-503");
	cache_pulled_free(&p);
	/* ids that are not FHIR ids never reach a URL */
	ck_assert_ptr_null(cache_pull_req(NULL, "../Patient", 0, &err));
	ck_assert_str_eq(err.code, "CACHE-PULL-ID");
	ck_assert_ptr_null(cache_pull_req(NULL, "", 0, &err));
}
END_TEST

START_TEST(a_failed_part_keeps_the_stored_one)
{
	char *dir = testutil_mkdtemp();
	struct cache_store *s = cachetest_open(dir);
	cachetest_login(s);
	/* the store knows the client, with a responsible person */
	struct client c;
	cachetest_client(&c, "Peña", "Nguyễn", 2019, 4, 12);
	snprintf(c.id, sizeof c.id, PID);
	c.n_resp = 1;
	snprintf(c.resp[0].name.family, sizeof c.resp[0].name.family, "Stored");
	snprintf(c.resp[0].relationship, sizeof c.resp[0].relationship, "FTH");
	struct vax_error err;
	ck_assert(cache_put_client(s, &c, 1000, NULL, &err));

	struct api_result res;
	char *body = answer("companions_failed.json", &res);
	struct cache_pulled p;
	enum api_class cls;
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	ck_assert(!p.have_resp && !p.have_consent);
	bool kept = true;
	int bad = -1;
	ck_assert(cache_pull_store(s, &p, 2000, &kept, &bad, &err));
	ck_assert(!kept);
	ck_assert_int_eq(bad, 0);
	cache_pulled_free(&p);
	free(body);
	char key[CACHE_KEY_STR];
	ck_assert(cache_find_rid(s, PID, key));
	struct client got;
	int64_t as_of = 0;
	ck_assert(cache_get_client(s, key, &got, &as_of, &err));
	ck_assert_int_eq(as_of, 2000);
	ck_assert_int_eq(got.n_resp, 1);
	ck_assert_str_eq(got.resp[0].name.family, "Stored");
	struct immunization *imms;
	ck_assert_int_eq(cache_client_immunizations(s, key, &imms, &err), 1);
	free(imms);

	/* the whole answer replaces them */
	body = answer("batch.json", &res);
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	ck_assert(cache_pull_store(s, &p, 3000, NULL, NULL, &err));
	cache_pulled_free(&p);
	free(body);
	ck_assert(cache_get_client(s, key, &got, NULL, &err));
	ck_assert_int_eq(got.n_resp, 1);
	ck_assert_str_eq(got.resp[0].name.given, "Ana");
	cache_store_close(s);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* batch.json with its dose searchset changed: total (-1: none) and the
 * doses cut to n. */
static char *doses_answer(long total, int n, struct api_result *res)
{
	char *body = answer("batch.json", res);
	cJSON *b = cJSON_Parse(body);
	free(body);
	cJSON *set = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 3), "resource");
	cJSON_DeleteItemFromObject(set, "total");
	if (total >= 0)
		cJSON_AddNumberToObject(set, "total", (double)total);
	cJSON *e = cJSON_GetObjectItem(set, "entry");
	while (cJSON_GetArraySize(e) > n)
		cJSON_DeleteItemFromArray(e, 0);
	body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	res->body = body;
	res->body_len = strlen(body);
	return body;
}

START_TEST(a_history_that_does_not_add_up_is_unknown)
{
	struct api_result res;
	struct cache_pulled p;
	enum api_class cls;
	struct vax_error err;
	char why[200];
	/* the answer as it came: all of it */
	char *body = doses_answer(1, 1, &res);
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	ck_assert(cache_pull_complete(&p, 0, why, sizeof why));
	ck_assert_str_eq(why, "");
	cache_pulled_free(&p);
	free(body);
	/* a total the doses sent fall short of */
	body = doses_answer(4, 0, &res);
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	ck_assert(!cache_pull_complete(&p, 0, why, sizeof why));
	ck_assert_str_eq(why, "the registry says this client has 4 doses but sent 0");
	cache_pulled_free(&p);
	free(body);
	/* none sent, no total, for a client whose doses were read before */
	body = doses_answer(-1, 0, &res);
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	ck_assert(cache_pull_complete(&p, 0, why, sizeof why)); /* a client with no doses */
	ck_assert(!cache_pull_complete(&p, 3, why, sizeof why));
	ck_assert_str_eq(why, "the registry sent no doses, but 3 were read from it before");
	cache_pulled_free(&p);
	free(body);
	/* the dose read itself failed */
	body = answer("companions_failed.json", &res);
	ck_assert(cache_pull_read(&res, &p, &cls, &err));
	if (!p.have_imms) {
		ck_assert(!cache_pull_complete(&p, 0, why, sizeof why));
		ck_assert_str_eq(why, "the registry did not answer for this client's doses");
	}
	cache_pulled_free(&p);
	free(body);
}
END_TEST

/* Store the clients of the search answer in fixture name as the search
 * screen does (history as of now); how many were stored. */
static int store_search_answer(struct cache_store *s, const char *name, int64_t now)
{
	struct api_result res;
	char *body = answer(name, &res);
	struct api_bundle b;
	struct vax_error err;
	ck_assert_msg(api_fhir_read_bundle(&res, &b, &err), "%s", err.message);
	int n = cache_pull_from_search(s, &b, now, NULL);
	api_bundle_free(&b);
	free(body);
	return n;
}

/* A search that asked _revinclude: each client found is stored with what
 * was included for it (and only that); a search whose self link does not
 * name the _revinclude (a registry that ignored them) stores nothing, so
 * its silence is never read as "no doses". */
START_TEST(a_search_brings_the_records)
{
	char *dir = testutil_mkdtemp();
	struct cache_store *s = cachetest_open(dir);
	cachetest_login(s);
	ck_assert_int_eq(store_search_answer(s, "search_included.json", 5000), 2);
	struct vax_error err;
	char key[CACHE_KEY_STR];
	struct client got;
	int64_t as_of = 0;
	struct immunization *imms;
	ck_assert(cache_find_rid(s, PID, key));
	ck_assert(cache_get_client(s, key, &got, &as_of, &err));
	ck_assert_int_eq(as_of, 5000);
	ck_assert_int_eq(got.n_resp, 1);
	ck_assert_str_eq(got.resp[0].relationship, "MTH");
	ck_assert_int_eq(cache_client_immunizations(s, key, &imms, &err), 2);
	free(imms);
	ck_assert(cache_find_rid(s, "5c0f6a1e-3f9b-4d2e-8a77-2b1f0c9d4e11", key));
	ck_assert(cache_get_client(s, key, &got, NULL, &err));
	ck_assert_str_eq(got.name.given, "Inti");
	ck_assert_int_eq(got.n_resp, 0);
	ck_assert_int_eq(cache_client_immunizations(s, key, &imms, &err), 1);
	ck_assert_str_eq(imms[0].client_id, "5c0f6a1e-3f9b-4d2e-8a77-2b1f0c9d4e11");
	free(imms);

	/* the registry ignored _revinclude: nothing is taken from it */
	ck_assert_int_eq(store_search_answer(s, "search_plain.json", 6000), 0);
	ck_assert(cache_find_rid(s, PID, key));
	ck_assert(cache_get_client(s, key, &got, &as_of, &err));
	ck_assert_int_eq(as_of, 5000);
	ck_assert_int_eq(cache_client_immunizations(s, key, &imms, &err), 2);
	free(imms);
	cache_store_close(s);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* The registry's forecast that came with the search: kept with the client
 * read ahead, given once to the record that opens it, only the client's
 * own; a client without one gets none. */
START_TEST(a_search_brings_the_forecast)
{
	char *dir = testutil_mkdtemp();
	struct cache_store *s = cachetest_open(dir);
	cachetest_login(s);
	struct api_result res;
	char *body = answer("search_forecast.json", &res);
	struct api_bundle b;
	struct vax_error err;
	ck_assert_msg(api_fhir_read_bundle(&res, &b, &err), "%s", err.message);
	int forecasts = -1;
	ck_assert_int_eq(cache_pull_from_search(s, &b, 5000, &forecasts), 2);
	ck_assert_int_eq(forecasts, 1);
	ck_assert_ptr_null(cache_pull_forecast_of(&b, "5c0f6a1e-3f9b-4d2e-8a77-2b1f0c9d4e11"));
	api_bundle_free(&b);
	free(body);
	char *fc = NULL;
	ck_assert(cache_pull_take_fresh(PID, 5010, &fc));
	ck_assert_ptr_nonnull(fc);
	cJSON *j = cJSON_Parse(fc);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "resourceType")), "Parameters");
	const cJSON *ps = cJSON_GetObjectItem(j, "parameter");
	ck_assert_int_eq(cJSON_GetArraySize(ps), 2);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(ps, 0), "name")),
	                 "recommendation");
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(ps, 1), "name")),
	                 "evaluation");
	cJSON_Delete(j);
	free(fc);
	/* once */
	ck_assert(!cache_pull_take_fresh(PID, 5010, &fc));
	ck_assert_ptr_null(fc);
	/* the other client came without one */
	ck_assert(cache_pull_take_fresh("5c0f6a1e-3f9b-4d2e-8a77-2b1f0c9d4e11", 5010, &fc));
	ck_assert_ptr_null(fc);
	/* too late for the reading ahead: neither the read nor the forecast */
	ck_assert_int_eq(store_search_answer(s, "search_forecast.json", 6000), 2);
	ck_assert(!cache_pull_take_fresh(PID, 6000 + CACHE_PULL_FRESH_S, &fc));
	ck_assert_ptr_null(fc);
	/* a logout forgets what was read ahead */
	cache_pull_note_fresh(PID, 7000);
	cache_pull_forget_fresh();
	ck_assert(!cache_pull_take_fresh(PID, 7001, NULL));
	cache_store_close(s);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

Suite *cache_pull_suite(void)
{
	Suite *s = suite_create("cache_pull");
	TCase *tc = tcase_create("pull");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reads_the_whole_client);
	tcase_add_test(tc, a_search_brings_the_forecast);
	tcase_add_test(tc, not_found_in_the_registrys_words);
	tcase_add_test(tc, only_batch_answers);
	tcase_add_test(tc, a_failed_part_keeps_the_stored_one);
	tcase_add_test(tc, a_history_that_does_not_add_up_is_unknown);
	tcase_add_test(tc, a_search_brings_the_records);
	suite_add_tcase(s, tc);
	return s;
}
