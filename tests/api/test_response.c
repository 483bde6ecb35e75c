/* tests/api/test_response.c - the parsers of registry answers and the
 * error classes, on hand-written inputs (good, hostile and broken). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "api/oauth.h"
#include "api/response.h"
#include "api/session.h"
#include "core/uuid.h"
#include "tests/suites.h"
#include "tests/testutil.h"

START_TEST(outcome_text_errors_first_and_clean)
{
	const char *oo =
	    "{\"resourceType\":\"OperationOutcome\",\"issue\":["
	    "{\"severity\":\"warning\",\"code\":\"business\",\"diagnostics\":\"Lot expires soon\"},"
	    "{\"severity\":\"information\",\"code\":\"informational\",\"diagnostics\":\"ignored\"},"
	    "{\"severity\":\"error\",\"code\":\"invalid\",\"details\":{\"text\":\"Date\\u001b[31m given\\n "
	    "is after today\"}}]}";
	char buf[200];
	ck_assert(api_outcome_text(oo, strlen(oo), buf, sizeof buf));
	ck_assert_str_eq(buf, "Date [31m given is after today; Lot expires soon");
	ck_assert(!api_outcome_text("{\"resourceType\":\"Patient\"}", 26, buf, sizeof buf));
	ck_assert(!api_outcome_text("not json", 8, buf, sizeof buf));
	ck_assert(
	    !api_outcome_text("{\"resourceType\":\"OperationOutcome\",\"issue\":{}}", 46, buf, sizeof buf));
	/* code only, and C1 controls (U+009B CSI) dropped */
	const char *oo2 = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
	                  "\"code\":\"x\\u009by\"}]}";
	ck_assert(api_outcome_text(oo2, strlen(oo2), buf, sizeof buf));
	ck_assert_str_eq(buf, "x y");
	/* a small buffer cuts at a character boundary */
	const char *oo3 = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
	                  "\"diagnostics\":\"Peña Peña\"}]}";
	char small[6];
	ck_assert(api_outcome_text(oo3, strlen(oo3), small, sizeof small));
	ck_assert_str_eq(small, "Peña");
}
END_TEST

START_TEST(text_clean)
{
	char buf[32];
	ck_assert_str_eq(api_text_clean(buf, sizeof buf, "  a\tb\r\n\x1b]0;x\x07 c  "), "a b ]0;x c");
	ck_assert_str_eq(api_text_clean(buf, sizeof buf, "\xff\xfe ok \xc3\x28"), "?? ok ?(");
	ck_assert_str_eq(api_text_clean(buf, 6, "Nguyễn"), "Nguy"); /* no half characters */
	ck_assert_str_eq(api_text_clean(buf, sizeof buf, NULL), "");
}
END_TEST

START_TEST(token_ok_and_refused)
{
	struct api_token t;
	struct vax_error err = {0};
	const char *ok = "{\"access_token\":\"abc123\",\"token_type\":\"Bearer\",\"expires_in\":900,"
	                 "\"org_code\":\"CLINA\",\"org_name\":\"Clinic "
	                 "A\",\"organizations\":[{\"code\":\"CLINA\",\"name\":\"A\"},"
	                 "{\"code\":\"CLINB\"},{\"name\":\"no code\"}],\"reset_required\":true,"
	                 "\"role\":\"view\"}";
	ck_assert(api_token_parse(ok, strlen(ok), &t, &err));
	ck_assert_str_eq(t.role, "view");
	ck_assert_str_eq(t.access_token, "abc123");
	ck_assert_int_eq(t.expires_in, 900);
	ck_assert_str_eq(t.org_code, "CLINA");
	ck_assert_int_eq(t.n_orgs, 2);
	ck_assert_str_eq(t.orgs[1].code, "CLINB");
	ck_assert(t.reset_required);
	api_token_wipe(&t);
	ck_assert_str_eq(t.access_token, "");

	const char *bad[] = {
	    "{\"token_type\":\"Bearer\"}",
	    "{\"access_token\":\"a b\"}", /* would break the header */
	    "{\"access_token\":\"ab\\r\\nX-Evil: 1\"}",
	    "{\"access_token\":\"abc\",\"token_type\":\"mac\"}",
	    "[1,2]",
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!api_token_parse(bad[i], strlen(bad[i]), &t, &err), "%s", bad[i]);
		ck_assert(!strncmp(err.code, "API-PROTO-", 10));
	}

	struct api_token_error e;
	const char *refused =
	    "{\"error\":\"invalid_grant\",\"error_description\":\"Wrong password.\","
	    "\"attempts_remaining\":2,\"captcha\":\"Type the word: maple\",\"reset_required\":false}";
	ck_assert(api_token_error_parse(refused, strlen(refused), &e));
	ck_assert_str_eq(e.error, "invalid_grant");
	ck_assert_int_eq(e.attempts_remaining, 2);
	ck_assert(e.captcha);
	ck_assert_str_eq(e.challenge, "Type the word: maple");
	ck_assert(!e.reset_required);
	ck_assert_int_eq(e.retry_after, 0);
	/* vaxregd: no challenge, a wait before the next attempt */
	const char *slowed = "{\"error\":\"invalid_grant\",\"error_description\":\"Wait 15 seconds.\","
	                     "\"attempts_remaining\":3,\"retry_after\":15,\"reset_required\":false}";
	ck_assert(api_token_error_parse(slowed, strlen(slowed), &e));
	ck_assert_int_eq(e.retry_after, 15);
	ck_assert(!e.captcha);
	ck_assert(!e.confidentiality_required);
	const char *statement = "{\"error\":\"invalid_request\",\"error_description\":\"Accept the "
	                        "statement.\",\"confidentiality_required\":true}";
	ck_assert(api_token_error_parse(statement, strlen(statement), &e));
	ck_assert(e.confidentiality_required);
	ck_assert(!api_token_error_parse("{\"resourceType\":\"OperationOutcome\"}", 35, &e));
}
END_TEST

START_TEST(confidentiality)
{
	char *text;
	char ver[16];
	const char *j = "{\"version\":\"2026-1\",\"text\":\"Line one.\\nLine\\u001b two.\"}";
	ck_assert(api_confidentiality_parse(j, strlen(j), "application/json", &text, ver, sizeof ver, NULL));
	ck_assert_str_eq(text, "Line one.\nLine two.");
	ck_assert_str_eq(ver, "2026-1");
	free(text);
	ck_assert(api_confidentiality_parse("Plain text.", 11, "text/plain", &text, ver, sizeof ver, NULL));
	ck_assert_str_eq(text, "Plain text.");
	ck_assert_str_eq(ver, "");
	free(text);
	ck_assert(!api_confidentiality_parse("{\"version\":\"1\"}", 15, "application/json", &text, ver,
	                                     sizeof ver, NULL));
}
END_TEST

START_TEST(bundle_searchset_and_transaction)
{
	struct api_bundle b;
	struct vax_error err = {0};
	const char *ss =
	    "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":3,"
	    "\"link\":[{\"relation\":\"self\",\"url\":\"https://r/fhir/Patient?x\"},"
	    "{\"relation\":\"next\",\"url\":\"https://r/fhir/Patient?_offset=2\"}],"
	    "\"entry\":[{\"fullUrl\":\"https://r/fhir/Patient/"
	    "1\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"1\"},"
	    "\"search\":{\"mode\":\"match\",\"score\":0.93,\"extension\":[{\"url\":"
	    "\"http://hl7.org/fhir/StructureDefinition/match-grade\",\"valueCode\":\"certain\"}]}},"
	    "7,{\"resource\":{\"resourceType\":\"OperationOutcome\"},\"search\":{\"mode\":\"outcome\"}}]}";
	ck_assert(api_bundle_parse(ss, strlen(ss), &b, &err));
	ck_assert_str_eq(b.type, "searchset");
	ck_assert_int_eq(b.total, 3);
	ck_assert_str_eq(b.next, "https://r/fhir/Patient?_offset=2");
	ck_assert_int_eq(b.n, 2);
	ck_assert_str_eq(b.entry[0].id, "1");
	ck_assert_str_eq(b.entry[0].match_grade, "certain");
	ck_assert(b.entry[0].score > 0.9);
	ck_assert_str_eq(b.entry[1].mode, "outcome");
	api_bundle_free(&b);

	const char *tx =
	    "{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":["
	    "{\"response\":{\"status\":\"201 "
	    "Created\",\"location\":\"Patient/p1/_history/1\",\"etag\":\"W/\\\"1\\\"\"}},"
	    "{\"response\":{\"status\":\"422\",\"outcome\":{\"resourceType\":\"OperationOutcome\",\"issue\":"
	    "[{\"severity\":\"error\",\"code\":\"invalid\",\"diagnostics\":\"Enter the lot number.\"}]}}},"
	    "{\"response\":{\"status\":\"412 Precondition Failed\"}},"
	    "{\"response\":{\"status\":\"banana\"}}]}";
	ck_assert(api_bundle_parse(tx, strlen(tx), &b, &err));
	struct api_fhir_outcome out[8];
	ck_assert_int_eq(api_fhir_entry_outcomes(&b, out, 8, &err), 4);
	ck_assert_int_eq(out[0].cls, API_OK);
	ck_assert_str_eq(out[0].type, "Patient");
	ck_assert_str_eq(out[0].id, "p1");
	ck_assert_str_eq(out[0].version, "1");
	ck_assert_int_eq(out[1].cls, API_REJECTED);
	ck_assert_ptr_nonnull(strstr(out[1].err.message, "Enter the lot number."));
	ck_assert_int_eq(out[2].cls, API_CONFLICT);
	ck_assert_int_eq(out[3].cls, API_PROTOCOL);
	api_bundle_free(&b);

	const char *bad[] = {"{\"resourceType\":\"Patient\"}", "{\"resourceType\":\"Bundle\",\"entry\":{}}",
	                     "{\"resourceType\":\"Bundle\"", "null"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!api_bundle_parse(bad[i], strlen(bad[i]), &b, &err), "%s", bad[i]);
		api_bundle_free(&b);
	}
}
END_TEST

START_TEST(ref_split)
{
	char t[32], id[65], v[33];
	ck_assert(api_ref_split("Immunization/123/_history/4", t, sizeof t, id, sizeof id, v, sizeof v));
	ck_assert_str_eq(t, "Immunization");
	ck_assert_str_eq(id, "123");
	ck_assert_str_eq(v, "4");
	ck_assert(api_ref_split("https://r.example/fhir/Patient/Abc/_history/2?x=1", t, sizeof t, id,
	                        sizeof id, v, sizeof v));
	ck_assert_str_eq(t, "Patient");
	ck_assert_str_eq(id, "Abc");
	ck_assert_str_eq(v, "2");
	ck_assert(api_ref_split("Patient/9", t, sizeof t, id, sizeof id, NULL, 0));
	ck_assert_str_eq(id, "9");
	ck_assert(!api_ref_split("urn:uuid:1234", t, sizeof t, id, sizeof id, v, sizeof v));
	ck_assert(!api_ref_split("", t, sizeof t, id, sizeof id, v, sizeof v));
}
END_TEST

START_TEST(form_encode)
{
	char buf[64];
	ck_assert(api_form_encode(buf, sizeof buf, "P@ss w&rd=1+é"));
	ck_assert_str_eq(buf, "P%40ss%20w%26rd%3D1%2B%C3%A9");
	ck_assert(!api_form_encode(buf, 4, "abcd"));
}
END_TEST

static void classify(long status, bool token, const char *www, const char *body, enum api_class cls,
                     const char *code, bool expired)
{
	struct api_result r = {
	    .body = body ? body : "", .body_len = body ? strlen(body) : 0, .retry_after = -1};
	api_classify_status(&r, status, token, www);
	ck_assert_msg(r.cls == cls && !strcmp(r.err.code, code) && r.expired == expired, "%ld: %s %s", status,
	              api_class_name(r.cls), r.err.code);
}

START_TEST(status_classes)
{
	classify(200, true, NULL, NULL, API_OK, "", false);
	classify(201, true, NULL, NULL, API_OK, "", false);
	classify(401, true, NULL, NULL, API_AUTH, "API-AUTH-EXPIRED", true);
	classify(401, false, "Bearer error=\"invalid_token\"", NULL, API_AUTH, "API-AUTH-EXPIRED", true);
	classify(401, false, NULL, NULL, API_AUTH, "API-AUTH-DENIED", false);
	classify(403, true, NULL, NULL, API_AUTH, "API-AUTH-FORBIDDEN", false);
	classify(409, true, NULL, NULL, API_CONFLICT, "API-CONFLICT", false);
	classify(412, true, NULL, NULL, API_CONFLICT, "API-PRECONDITION", false);
	classify(400, true, NULL, "{}", API_REJECTED, "API-REJECTED", false);
	classify(422, true, NULL, NULL, API_REJECTED, "API-REJECTED", false);
	classify(404, true, NULL, NULL, API_NOT_FOUND, "API-NOT-FOUND", false);
	classify(410, true, NULL, NULL, API_NOT_FOUND, "API-GONE", false);
	classify(429, true, NULL, NULL, API_OFFLINE, "API-OFFLINE-429", false);
	classify(503, true, NULL, NULL, API_OFFLINE, "API-OFFLINE-503", false);
	classify(500, true, NULL, NULL, API_SERVER, "API-SERVER", false);
	classify(502, true, NULL, NULL, API_SERVER, "API-SERVER", false);
	classify(302, true, NULL, NULL, API_PROTOCOL, "API-PROTO-STATUS", false);
	ck_assert_str_eq(api_class_name(API_TLS), "tls");
	ck_assert_str_eq(api_class_name((enum api_class)99), "?");
}
END_TEST

START_TEST(request_building)
{
	struct api_conn_config cfg = {.base_url = "https://reg.example/fhir"};
	struct vax_error err = {0};
	struct api_conn *c = api_conn_new(&cfg, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(api_fhir_read_req(c, "Patient", "../metadata", NULL, &err));
	ck_assert_ptr_null(api_fhir_read_req(c, "Patient", "a/b", NULL, &err));
	ck_assert_ptr_null(api_fhir_read_req(c, "patient?x", "1", NULL, &err));
	struct api_req *r = api_fhir_read_req(c, "Patient", "p-1.2", "name,birthDate", &err);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(api_req_path(r), "/Patient/p-1.2?_elements=name%2CbirthDate");
	api_req_free(r);
	struct api_fhir_param p[] = {{"family", "O'Brien Peña"}, {"_count", "10"}, {"given", NULL}};
	r = api_fhir_search_req(c, "Patient", p, 3, &err);
	ck_assert_str_eq(api_req_path(r), "/Patient?family=O%27Brien%20Pe%C3%B1a&_count=10");
	api_req_free(r);
	cJSON *j = cJSON_Parse("{\"resourceType\":\"Patient\"}");
	ck_assert_ptr_null(api_fhir_create_req(c, "Patient", j, "not-a-uuid", &err));
	ck_assert_ptr_null(api_fhir_update_req(c, "Patient", "1", j, "3\"\r\nX: y", &err));
	r = api_fhir_update_req(c, "Patient", "1", j, "3", &err);
	ck_assert_ptr_nonnull(r);
	api_req_free(r);
	cJSON_Delete(j);
	struct api_bundle b = {.next = NULL};
	ck_assert_ptr_null(api_fhir_next_req(c, &b, &err));
	ck_assert(!error_isset(&err));
	api_conn_free(c);
}
END_TEST

START_TEST(smart_configuration)
{
	struct api_smart sm;
	struct vax_error err;
	const char *origin = "https://reg.example:8443";
	/* vaxregd's */
	const char *v = "{\"token_endpoint\":\"https://reg.example:8443/auth/token\","
	                "\"device_authorization_endpoint\":\"https://reg.example:8443/auth/device\","
	                "\"revocation_endpoint\":\"https://reg.example:8443/auth/revoke\","
	                "\"grant_types_supported\":[\"password\",\"refresh_token\","
	                "\"urn:ietf:params:oauth:grant-type:device_code\"],"
	                "\"token_endpoint_auth_methods_supported\":[\"none\"],\"org_code_required\":true}";
	ck_assert(api_smart_parse(v, strlen(v), origin, &sm, &err));
	ck_assert(sm.published && sm.org_code);
	ck_assert_uint_eq(sm.grants, API_GRANT_PASSWORD | API_GRANT_REFRESH | API_GRANT_DEVICE);
	ck_assert_str_eq(sm.token_endpoint, "https://reg.example:8443/auth/token");
	ck_assert_str_eq(sm.device_endpoint, "https://reg.example:8443/auth/device");
	/* Medplum's: no password, no device; the token endpoint outside /fhir */
	const char *m = "{\"token_endpoint\":\"https://reg.example:8443/oauth2/token\","
	                "\"grant_types_supported\":[\"client_credentials\",\"authorization_code\","
	                "\"refresh_token\",\"urn:ietf:params:oauth:grant-type:token-exchange\"],"
	                "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\","
	                "\"client_secret_post\",\"private_key_jwt\"]}";
	ck_assert(api_smart_parse(m, strlen(m), origin, &sm, &err));
	ck_assert_uint_eq(sm.grants, API_GRANT_CLIENT | API_GRANT_REFRESH);
	ck_assert(!sm.org_code && sm.secret_post);
	/* the device grant without its endpoint is no device grant */
	const char *d = "{\"token_endpoint\":\"https://reg.example:8443/t\","
	                "\"grant_types_supported\":[\"urn:ietf:params:oauth:grant-type:device_code\"]}";
	ck_assert(api_smart_parse(d, strlen(d), origin, &sm, &err));
	ck_assert_uint_eq(sm.grants, 0);
	/* an endpoint on another server: refused, and the defaults stay */
	const char *o = "{\"token_endpoint\":\"https://evil.example/token\"}";
	ck_assert(!api_smart_parse(o, strlen(o), origin, &sm, &err));
	ck_assert_str_eq(err.code, "API-OAUTH-ORIGIN");
	ck_assert_str_eq(sm.token_endpoint, "/auth/token");
	ck_assert(!sm.published && sm.org_code);
	/* a look-alike host is another server too */
	const char *l = "{\"token_endpoint\":\"https://reg.example:8443.evil.example/token\"}";
	ck_assert(!api_smart_parse(l, strlen(l), origin, &sm, &err));
	/* no token endpoint, not JSON */
	ck_assert(!api_smart_parse("{}", 2, origin, &sm, &err));
	ck_assert_str_eq(err.code, "API-PROTO-SMART");
	ck_assert(!api_smart_parse("<html>", 6, origin, &sm, &err));
}
END_TEST

START_TEST(device_authorization)
{
	struct api_device d;
	struct vax_error err;
	const char *ok = "{\"device_code\":\"abc123\",\"user_code\":\"BCDF-GHJK\","
	                 "\"verification_uri\":\"https://reg/auth/activate\","
	                 "\"verification_uri_complete\":\"https://reg/auth/activate?user_code=BCDF-GHJK\","
	                 "\"expires_in\":600}";
	ck_assert(api_device_parse(ok, strlen(ok), &d, &err));
	ck_assert_str_eq(d.device_code, "abc123");
	ck_assert_str_eq(d.user_code, "BCDF-GHJK");
	ck_assert_int_eq(d.expires_in, 600);
	ck_assert_int_eq(d.interval, 5); /* RFC 8628: 5 when not given */
	const char *esc = "{\"device_code\":\"a b\",\"user_code\":\"X\",\"verification_uri\":\"u\","
	                  "\"expires_in\":6}";
	ck_assert(!api_device_parse(esc, strlen(esc), &d, &err));
	ck_assert_str_eq(err.code, "API-PROTO-DEVICE");
	const char *noexp = "{\"device_code\":\"a\",\"user_code\":\"X\",\"verification_uri\":\"u\"}";
	ck_assert(!api_device_parse(noexp, strlen(noexp), &d, &err));
	/* control characters never reach the screen */
	const char *ctl = "{\"device_code\":\"a\",\"user_code\":\"AB\\u001b[2JCD\","
	                  "\"verification_uri\":\"u\",\"expires_in\":60,\"interval\":2}";
	ck_assert(api_device_parse(ctl, strlen(ctl), &d, &err));
	ck_assert_ptr_null(strchr(d.user_code, 0x1b));
	ck_assert_int_eq(d.interval, 2);
}
END_TEST

START_TEST(token_answer_identity)
{
	struct api_token t;
	struct vax_error err;
	const char *v = "{\"access_token\":\"a1\",\"refresh_token\":\"r1\",\"token_type\":\"Bearer\","
	                "\"expires_in\":900,\"refresh_expires_in\":28800,\"username\":\"alice\","
	                "\"org_code\":\"CLINPENA\"}";
	ck_assert(api_token_parse(v, strlen(v), &t, &err));
	ck_assert_str_eq(t.refresh_token, "r1");
	ck_assert_str_eq(t.username, "alice");
	ck_assert_int_eq(t.refresh_expires_in, 28800);
	const char *m = "{\"access_token\":\"a2\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
	                "\"profile\":{\"reference\":\"ClientApplication/ws1\",\"display\":\"Desk 1\"}}";
	ck_assert(api_token_parse(m, strlen(m), &t, &err));
	ck_assert_str_eq(t.refresh_token, "");
	ck_assert_str_eq(t.profile, "ClientApplication/ws1");
	ck_assert_str_eq(t.profile_name, "Desk 1");
	api_token_wipe(&t);
}
END_TEST

START_TEST(bundle_fullurls_fresh)
{
	const char *b =
	    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
	    "{\"fullUrl\":\"urn:uuid:11111111-1111-4111-8111-111111111111\",\"resource\":{\"resourceType\":"
	    "\"Patient\",\"identifier\":[{\"system\":\"urn:ietf:rfc:3986\",\"value\":"
	    "\"urn:uuid:11111111-1111-4111-8111-111111111111\"}]},\"request\":{\"method\":\"POST\","
	    "\"url\":\"Patient\",\"ifNoneExist\":\"identifier=urn:ietf:rfc:3986|urn:uuid:"
	    "11111111-1111-4111-8111-111111111111\"}},"
	    "{\"fullUrl\":\"urn:uuid:22222222-2222-4222-8222-222222222222\",\"resource\":{\"resourceType\":"
	    "\"Immunization\",\"patient\":{\"reference\":\"urn:uuid:11111111-1111-4111-8111-111111111111\"},"
	    "\"identifier\":[{\"system\":\"urn:ietf:rfc:3986\",\"value\":"
	    "\"urn:uuid:22222222-2222-4222-8222-222222222222\"}]},\"request\":{\"method\":\"POST\","
	    "\"url\":\"Immunization\"}}]}";
	cJSON *j = cJSON_Parse(b), *k = cJSON_Parse(b);
	api_fhir_bundle_localize(j);
	api_fhir_bundle_localize(k);
	cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entry"), 0);
	cJSON *e1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entry"), 1);
	const char *full = cJSON_GetStringValue(cJSON_GetObjectItem(e0, "fullUrl"));
	ck_assert_str_ne(full, "urn:uuid:11111111-1111-4111-8111-111111111111");
	ck_assert(!strncmp(full, "urn:uuid:", 9) && uuid_valid(full + 9));
	/* the reference follows; the identifier and the condition do not */
	ck_assert_str_eq(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(e1, "resource"), "patient"), "reference")),
	    full);
	ck_assert_str_eq(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "resource"), "identifier"), 0),
	        "value")),
	    "urn:uuid:11111111-1111-4111-8111-111111111111");
	ck_assert_str_eq(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "request"), "ifNoneExist")),
	    "identifier=urn:ietf:rfc:3986|urn:uuid:11111111-1111-4111-8111-111111111111");
	/* fresh for every Bundle: a resend never repeats one */
	cJSON *k0 = cJSON_GetArrayItem(cJSON_GetObjectItem(k, "entry"), 0);
	ck_assert_str_ne(cJSON_GetStringValue(cJSON_GetObjectItem(k0, "fullUrl")), full);
	cJSON_Delete(j);
	cJSON_Delete(k);
}
END_TEST

START_TEST(secret_files)
{
	char *dir = testutil_mkdtemp(), path[4096], buf[128];
	struct vax_error err;
	snprintf(path, sizeof path, "%s/token", dir);
	FILE *f = fopen(path, "w");
	fputs("  tok-123  \nsecond line\n", f);
	fclose(f);
	chmod(path, 0644);
	ck_assert(!api_secret_file_read(path, buf, sizeof buf, &err));
	ck_assert_str_eq(err.code, "API-SECRET-MODE");
	ck_assert_ptr_nonnull(strstr(err.message, "644"));
	chmod(path, 0600);
	ck_assert(api_secret_file_read(path, buf, sizeof buf, &err));
	ck_assert_str_eq(buf, "tok-123");
	/* a link to it is not taken */
	char link[4096];
	snprintf(link, sizeof link, "%s/link", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert(!api_secret_file_read(link, buf, sizeof buf, &err));
	ck_assert_str_eq(err.code, "API-SECRET-MODE");
	/* too long for the buffer; empty */
	char small[4];
	ck_assert(!api_secret_file_read(path, small, sizeof small, &err));
	f = fopen(path, "w");
	fputs("\n", f);
	fclose(f);
	ck_assert(!api_secret_file_read(path, buf, sizeof buf, &err));
	ck_assert_str_eq(err.code, "API-SECRET-READ");
	snprintf(path, sizeof path, "%s/missing", dir);
	ck_assert(!api_secret_file_read(path, buf, sizeof buf, &err));
	ck_assert_str_eq(err.code, "API-SECRET-READ");
	unlink(link);
	snprintf(path, sizeof path, "%s/token", dir);
	unlink(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

Suite *api_response_suite(void)
{
	Suite *s = suite_create("api_response");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, outcome_text_errors_first_and_clean);
	tcase_add_test(tc, text_clean);
	tcase_add_test(tc, token_ok_and_refused);
	tcase_add_test(tc, confidentiality);
	tcase_add_test(tc, bundle_searchset_and_transaction);
	tcase_add_test(tc, ref_split);
	tcase_add_test(tc, form_encode);
	tcase_add_test(tc, status_classes);
	tcase_add_test(tc, request_building);
	tcase_add_test(tc, smart_configuration);
	tcase_add_test(tc, device_authorization);
	tcase_add_test(tc, token_answer_identity);
	tcase_add_test(tc, bundle_fullurls_fresh);
	tcase_add_test(tc, secret_files);
	suite_add_tcase(s, tc);
	return s;
}
