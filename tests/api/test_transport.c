/* tests/api/test_transport.c - the transport against real TLS peers:
 * openssl s_server with throwaway certificates, and a listener that never
 * answers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "api/http.h"
#include "tests/api/apitest.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static char *certs;

static void certs_setup(void)
{
	certs = apitest_certs();
}

static void certs_teardown(void)
{
	testutil_rmtree(certs);
	free(certs);
	certs = NULL;
}

static char ca_file[1024];

static struct api_conn *new_api(const char *url, const char *pin)
{
	struct api_conn_config cfg = {.base_url = url,
	                              .ca_file = ca_file,
	                              .pinned_pubkey = pin,
	                              .connect_timeout_ms = 5000,
	                              .low_speed_time_s = 10};
	struct vax_error err = {0};
	snprintf(ca_file, sizeof ca_file, "%s/ca.pem", certs);
	struct api_conn *a = api_conn_new(&cfg, &err);
	ck_assert_msg(a != NULL, "api_conn_new: %s", err.message);
	return a;
}

/* GET / from an s_server using certificate `name`; returns the error code. */
static void tls_get(const char *name, const char *pin, enum api_class want_cls, const char *want_code)
{
	struct apitest_server s;
	ck_assert(apitest_s_server(&s, certs, name, "-www", NULL));
	struct api_conn *a = new_api(apitest_url(&s), pin);
	struct api_req *r = api_req_new(a, "GET", "/", NULL);
	ck_assert_ptr_nonnull(r);
	const struct api_result *res = api_req_wait(r, 10000);
	ck_assert_msg(res->cls == want_cls && !strcmp(res->err.code, want_code),
	              "%s: got %s %s (%s), want %s %s", name, api_class_name(res->cls), res->err.code,
	              res->err.message, api_class_name(want_cls), want_code);
	if (want_cls == API_OK) {
		ck_assert_int_eq(res->status, 200);
		ck_assert(res->body_len > 0);
		ck_assert(res->bytes.received > res->body_len);
		ck_assert(res->bytes.sent > 0);
	} else {
		ck_assert(strlen(res->err.message) > 20);
	}
	api_req_free(r);
	api_conn_free(a);
	apitest_stop(&s);
}

START_TEST(tls_good)
{
	tls_get("good", NULL, API_OK, "");
}
END_TEST

START_TEST(tls_expired)
{
	tls_get("expired", NULL, API_TLS, "API-TLS-EXPIRED");
}
END_TEST

START_TEST(tls_wrong_host)
{
	tls_get("wronghost", NULL, API_TLS, "API-TLS-HOSTNAME");
}
END_TEST

/* CN=127.0.0.1, no subjectAltName: refused (libcurl alone would take the CN) */
START_TEST(tls_no_san)
{
	tls_get("nosan", NULL, API_TLS, "API-TLS-HOSTNAME");
}
END_TEST

START_TEST(tls_unknown_ca)
{
	tls_get("unknownca", NULL, API_TLS, "API-TLS-UNKNOWN-CA");
}
END_TEST

START_TEST(tls_pin_ok)
{
	char path[1100], pin[200] = "";
	snprintf(path, sizeof path, "%s/good.pin", certs);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(pin, sizeof pin, f));
	fclose(f);
	tls_get("good", pin, API_OK, "");
}
END_TEST

START_TEST(tls_pin_mismatch)
{
	char path[1100], pin[200] = "";
	snprintf(path, sizeof path, "%s/other.pin", certs);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(pin, sizeof pin, f));
	fclose(f);
	tls_get("good", pin, API_TLS, "API-TLS-PIN");
}
END_TEST

/* The system store does not know the throwaway CA: verification must fail,
 * never fall back. */
START_TEST(tls_system_store_rejects)
{
	struct apitest_server s;
	ck_assert(apitest_s_server(&s, certs, "good", "-www", NULL));
	struct api_conn_config cfg = {.base_url = apitest_url(&s)};
	struct api_conn *a = api_conn_new(&cfg, NULL);
	struct api_req *r = api_req_new(a, "GET", "/", NULL);
	const struct api_result *res = api_req_wait(r, 10000);
	ck_assert_int_eq(res->cls, API_TLS);
	ck_assert_str_eq(res->err.code, "API-TLS-UNKNOWN-CA");
	api_req_free(r);
	api_conn_free(a);
	apitest_stop(&s);
}
END_TEST

START_TEST(config_rejects_http_and_bad_ca)
{
	struct vax_error err = {0};
	struct api_conn_config cfg = {.base_url = "http://127.0.0.1:1"};
	ck_assert_ptr_null(api_conn_new(&cfg, &err));
	ck_assert_str_eq(err.code, "API-CONFIG-URL");
	struct api_conn_config cfg2 = {.base_url = "https://127.0.0.1:1", .ca_file = "/nonexistent/ca.pem"};
	ck_assert_ptr_null(api_conn_new(&cfg2, &err));
	ck_assert_str_eq(err.code, "API-TLS-CAFILE");
}
END_TEST

START_TEST(refused_is_offline)
{
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d/fhir", apitest_closed_port());
	struct api_conn *a = new_api(url, NULL);
	struct api_req *r = api_req_new(a, "GET", "/metadata", NULL);
	const struct api_result *res = api_req_wait(r, 10000);
	ck_assert_int_eq(res->cls, API_OFFLINE);
	ck_assert_str_eq(res->err.code, "API-OFFLINE-CONNECT");
	api_req_free(r);
	api_conn_free(a);
}
END_TEST

/* Canned HTTP responses served by s_server -HTTP over real TLS. The file
 * holds the whole response; Content-Length is added from the body unless
 * `declared` says otherwise (-2: none). */
static const struct canned {
	const char *file;
	const char *head;
	const char *body;
	long declared;
	enum api_class cls;
	const char *code;
	long status;
} canned[] = {
    {"p503",
     "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Type: application/fhir+json\r\n",
     "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
     "\"code\":\"transient\",\"diagnostics\":\"Maintenance\"}]}",
     -1, API_OFFLINE, "API-OFFLINE-503", 503},
    {"p401", "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer error=\"invalid_token\"\r\n", "", -1,
     API_AUTH, "API-AUTH-EXPIRED", 401},
    {"p403", "HTTP/1.1 403 Forbidden\r\n", "", -1, API_AUTH, "API-AUTH-FORBIDDEN", 403},
    {"p409", "HTTP/1.1 409 Conflict\r\n", "", -1, API_CONFLICT, "API-CONFLICT", 409},
    {"p412", "HTTP/1.1 412 Precondition Failed\r\n", "", -1, API_CONFLICT, "API-PRECONDITION", 412},
    {"p422", "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/fhir+json\r\n",
     "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"invalid\","
     "\"diagnostics\":\"Date given is after today\\u001b[2J\"}]}",
     -1, API_REJECTED, "API-REJECTED", 422},
    {"p404", "HTTP/1.1 404 Not Found\r\n", "", -1, API_NOT_FOUND, "API-NOT-FOUND", 404},
    {"p500", "HTTP/1.1 500 Internal Server Error\r\n", "", -1, API_SERVER, "API-SERVER", 500},
    {"trunc", "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n", "{\"resourceType\":", 100,
     API_PROTOCOL, "API-PROTO-TRUNCATED", 200},
    {"garbage", "SMTP ready\r\n", "", -2, API_PROTOCOL, "API-PROTO-MALFORMED", 0},
    {"badgzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n", "not gzip!!", -1, API_PROTOCOL,
     "API-PROTO-MALFORMED", 200},
    {"big", "HTTP/1.1 200 OK\r\n", "", 5000, API_PROTOCOL, "API-PROTO-TOO-BIG", 200},
    {"bigstream", "HTTP/1.1 200 OK\r\nConnection: close\r\n",
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
     -2, API_PROTOCOL, "API-PROTO-TOO-BIG", 200},
    {"ok",
     "HTTP/1.1 200 OK\r\nETag: W/\"7\"\r\nLocation: https://x/Patient/1/_history/7\r\n"
     "Content-Type: application/fhir+json\r\n",
     "{}", -1, API_OK, "", 200},
};

static void write_canned(const char *dir, const struct canned *c)
{
	char *text;
	size_t blen = strlen(c->body);
	int n;
	if (c->declared == -2)
		n = asprintf(&text, "%s\r\n%s", c->head, c->body);
	else
		n = asprintf(&text, "%sContent-Length: %ld\r\n\r\n%s", c->head,
		             c->declared >= 0 ? c->declared : (long)blen, c->body);
	ck_assert_int_ge(n, 0);
	free(testutil_write_file(dir, c->file, text, (size_t)n));
	free(text);
}

START_TEST(status_classes)
{
	char *www = testutil_mkdtemp();
	for (size_t i = 0; i < sizeof canned / sizeof canned[0]; i++)
		write_canned(www, &canned[i]);
	struct apitest_server s;
	ck_assert(apitest_s_server(&s, certs, "good", "-HTTP", www));
	char url[80];
	snprintf(url, sizeof url, "%s/", apitest_url(&s));
	snprintf(ca_file, sizeof ca_file, "%s/ca.pem", certs);
	struct api_conn_config cfg = {
	    .base_url = url, .ca_file = ca_file, .max_response = 1000, .http1_only = true};
	struct api_conn *a = api_conn_new(&cfg, NULL);
	api_conn_set_token(a, "tok123");
	for (size_t i = 0; i < sizeof canned / sizeof canned[0]; i++) {
		const struct canned *c = &canned[i];
		struct api_req *r = api_req_new(a, "GET", c->file, NULL);
		const struct api_result *res = api_req_wait(r, 10000);
		ck_assert_msg(res->cls == c->cls && !strcmp(res->err.code, c->code), "%s: got %s %s (%s)",
		              c->file, api_class_name(res->cls), res->err.code, res->err.message);
		if (c->status)
			ck_assert_int_eq(res->status, c->status);
		if (!strcmp(c->file, "p503")) {
			ck_assert_int_eq(res->retry_after, 120);
			ck_assert_ptr_nonnull(strstr(res->err.message, "2 min"));
			ck_assert_ptr_nonnull(strstr(res->err.message, "Maintenance"));
		}
		if (!strcmp(c->file, "p401"))
			ck_assert(res->expired);
		if (!strcmp(c->file, "p422")) {
			ck_assert_ptr_nonnull(strstr(res->err.message, "Date given is after today"));
			ck_assert_ptr_null(strchr(res->err.message, 0x1b));
		}
		if (!strcmp(c->file, "ok")) {
			ck_assert_str_eq(res->etag, "W/\"7\"");
			ck_assert_str_eq(res->location, "https://x/Patient/1/_history/7");
			ck_assert_str_eq(res->body, "{}");
		}
		api_req_free(r);
	}
	ck_assert_uint_eq(api_conn_bytes(a).requests, sizeof canned / sizeof canned[0]);
	api_conn_free(a);
	apitest_stop(&s);
	testutil_rmtree(www);
	free(www);
}
END_TEST

START_TEST(next_link_must_stay_on_registry)
{
	struct api_conn_config cfg = {.base_url = "https://reg.example:8443/fhir/"};
	struct vax_error err = {0};
	struct api_conn *a = api_conn_new(&cfg, NULL);
	struct api_req *r = api_req_new(a, "GET", "https://reg.example:8443/fhir/Patient?_page=2", &err);
	ck_assert_ptr_nonnull(r);
	api_req_free(r);
	ck_assert_ptr_null(api_req_new(a, "GET", "https://evil.example/fhir/Patient", &err));
	ck_assert_str_eq(err.code, "API-FOREIGN-URL");
	ck_assert_ptr_null(api_req_new(a, "GET", "https://reg.example:8443.evil/x", &err));
	api_conn_free(a);
}
END_TEST

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Time this thread spent runnable but waiting for a CPU (ms), from
 * /proc/thread-self/schedstat; -1 if the kernel does not say. On a loaded
 * two-core machine the scheduler, not the pump, can make a call late. */
static bool start_stall(struct apitest_server *s)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/api/stall_listener",
	         getenv("top_builddir") ? getenv("top_builddir") : ".");
	char *argv[] = {path, NULL};
	return apitest_start(s, argv, NULL);
}

/* Sockets of this process connected to 127.0.0.1:port, and how many of
 * them are in non-blocking mode. */
static int stalled_sockets(int port, int *nonblocking)
{
	int n = 0;
	*nonblocking = 0;
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		struct sockaddr_in peer;
		socklen_t len = sizeof peer;
		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0 || peer.sin_family != AF_INET ||
		    ntohs(peer.sin_port) != port)
			continue;
		n++;
		if (fcntl(fd, F_GETFL) & O_NONBLOCK)
			(*nonblocking)++;
	}
	closedir(d);
	return n;
}

/* The UI calls api_pump() while it waits for keys. Against a registry that
 * accepted the connection and never answers, the pump must never wait on
 * the stalled socket: every socket it opened to it is non-blocking, and a
 * pump with no wait comes back again and again while nothing arrives (a
 * blocking read would never return: the peer never writes). How long a pump
 * takes is measured by bench/bench_pump, not asserted here. Runs for
 * VAX_STALL_SECONDS (default 5; CI passes 30) of pumping with waits. */
START_TEST(pump_never_blocks_on_stalled_registry)
{
	struct apitest_server s;
	ck_assert(start_stall(&s));
	snprintf(ca_file, sizeof ca_file, "%s/ca.pem", certs);
	struct api_conn_config cfg = {.base_url = apitest_url(&s),
	                              .ca_file = ca_file,
	                              .connect_timeout_ms = 3600000,
	                              .low_speed_time_s = 3600};
	struct api_conn *a = api_conn_new(&cfg, NULL);
	struct api_req *r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = api_req_new(a, "GET", "/Patient?family=x", NULL);
		ck_assert(api_req_send(r[i], NULL, NULL));
	}
	/* until the connection is open (requests may share one, HTTP/2) */
	int nb = 0, open = 0;
	for (int i = 0; i < 100000 && open == 0; i++) {
		api_pump(a, 0);
		open = stalled_sockets(s.port, &nb);
	}
	ck_assert_int_gt(open, 0);
	ck_assert_int_eq(nb, open);
	for (int i = 0; i < 1000; i++)
		api_pump(a, 0);
	for (int i = 0; i < 4; i++)
		ck_assert(!api_req_done(r[i]));
	int secs = apitest_env_seconds("VAX_STALL_SECONDS", 5);
	long t_end = now_ms() + secs * 1000L, calls = 0;
	while (now_ms() < t_end) {
		api_pump(a, 20);
		calls++;
		if (calls == 50) {
			/* cancel one in flight and start another: still no blocking */
			api_req_cancel(r[1]);
			ck_assert(!api_req_done(r[1]));
			ck_assert(api_req_send(r[1], NULL, NULL));
		}
	}
	open = stalled_sockets(s.port, &nb);
	ck_assert_int_eq(nb, open);
	for (int i = 0; i < 4; i++)
		ck_assert(!api_req_done(r[i]));
	ck_assert_int_eq(api_busy(a), 4);
	for (int i = 0; i < 4; i++)
		api_req_free(r[i]);
	ck_assert_int_eq(api_busy(a), 0);
	api_conn_free(a);
	apitest_stop(&s);
}
END_TEST

struct done_count {
	int n;
	enum api_class cls;
	char code[32];
};

static void on_done(struct api_req *r, const struct api_result *res, void *arg)
{
	struct done_count *d = arg;
	d->n++;
	d->cls = res->cls;
	snprintf(d->code, sizeof d->code, "%s", res->err.code);
	(void)r;
}

/* A registry that stalls in the TLS handshake trips the connect timeout:
 * the request completes as offline, through the callback. */
START_TEST(stalled_registry_times_out_offline)
{
	struct apitest_server s;
	ck_assert(start_stall(&s));
	snprintf(ca_file, sizeof ca_file, "%s/ca.pem", certs);
	struct api_conn_config cfg = {
	    .base_url = apitest_url(&s), .ca_file = ca_file, .connect_timeout_ms = 700};
	struct api_conn *a = api_conn_new(&cfg, NULL);
	struct api_req *r = api_req_new(a, "GET", "/metadata", NULL);
	struct done_count d = {0};
	ck_assert(api_req_send(r, on_done, &d));
	long t0 = now_ms();
	while (d.n == 0 && now_ms() - t0 < 10000)
		api_pump(a, 50);
	ck_assert_int_eq(d.n, 1);
	ck_assert_int_eq(d.cls, API_OFFLINE);
	ck_assert_str_eq(d.code, "API-OFFLINE-TIMEOUT");
	ck_assert(api_req_done(r));
	api_req_free(r);
	api_conn_free(a);
	apitest_stop(&s);
}
END_TEST

/* api_pump_fd wakes for the terminal's fd even while the registry stalls. */
START_TEST(pump_wakes_for_keys)
{
	struct apitest_server s;
	ck_assert(start_stall(&s));
	snprintf(ca_file, sizeof ca_file, "%s/ca.pem", certs);
	struct api_conn_config cfg = {.base_url = apitest_url(&s), .ca_file = ca_file};
	struct api_conn *a = api_conn_new(&cfg, NULL);
	struct api_req *r = api_req_new(a, "GET", "/metadata", NULL);
	ck_assert(api_req_send(r, NULL, NULL));
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert(!api_pump_fd(a, p[0], 30, NULL));
	ck_assert_int_eq(write(p[1], "k", 1), 1);
	long t0 = now_ms();
	ck_assert(api_pump_fd(a, p[0], 5000, NULL));
	ck_assert(now_ms() - t0 < 1000);
	close(p[0]);
	close(p[1]);
	api_req_free(r);
	api_conn_free(a);
	apitest_stop(&s);
}
END_TEST

Suite *api_transport_suite(void)
{
	Suite *s = suite_create("api_transport");
	TCase *tc = tcase_create("tls");
	tcase_add_unchecked_fixture(tc, certs_setup, certs_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tls_good);
	tcase_add_test(tc, tls_expired);
	tcase_add_test(tc, tls_wrong_host);
	tcase_add_test(tc, tls_unknown_ca);
	tcase_add_test(tc, tls_no_san);
	tcase_add_test(tc, tls_pin_ok);
	tcase_add_test(tc, tls_pin_mismatch);
	tcase_add_test(tc, tls_system_store_rejects);
	tcase_add_test(tc, config_rejects_http_and_bad_ca);
	tcase_add_test(tc, refused_is_offline);
	tcase_add_test(tc, status_classes);
	tcase_add_test(tc, next_link_must_stay_on_registry);
	suite_add_tcase(s, tc);

	TCase *tp = tcase_create("pump");
	tcase_add_unchecked_fixture(tp, certs_setup, certs_teardown);
	tcase_set_timeout(tp, apitest_env_seconds("VAX_STALL_SECONDS", 5) + 30);
	tcase_add_test(tp, pump_never_blocks_on_stalled_registry);
	tcase_add_test(tp, stalled_registry_times_out_offline);
	tcase_add_test(tp, pump_wakes_for_keys);
	suite_add_tcase(s, tp);
	return s;
}
