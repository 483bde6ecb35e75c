/* tests/api/session_check.c - the session against a real vaxregd over TLS:
 * confidentiality, refused and accepted login, token expiry with re-login
 * and resend of the failed request, organization switch, password change.
 *
 *   session_check BASE_URL CA_FILE ORG OTHER_ORG FOREIGN_ORG USER PASSWORD NEW_PASSWORD
 *
 * The registry must run with a short token lifetime (--token-ttl 2); USER
 * is a provider at ORG and view-only at OTHER_ORG, not a member of
 * FOREIGN_ORG. Run by tests/api/registry.sh. Exit 0 if every check passes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/http.h"
#include "api/session.h"

static int failures, checks;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	checks++;
	if (!ok)
		failures++;
}

static struct api_conn *conn;
static struct api_result last;
static char last_code[32], last_msg[VAX_ERROR_MSG_LEN];
static bool done;

static void on_session(struct api_session *s, const struct api_result *res, void *arg)
{
	(void)s, (void)arg;
	last = *res;
	snprintf(last_code, sizeof last_code, "%s", res->err.code);
	snprintf(last_msg, sizeof last_msg, "%s", res->err.message);
	done = true;
}

/* Pump as the terminal would, until the operation calls back. */
static void wait_done(bool started)
{
	if (!started) {
		fprintf(stderr, "session_check: operation did not start\n");
		exit(2);
	}
	for (int i = 0; i < 400 && !done; i++)
		api_pump(conn, 50);
	if (!done) {
		fprintf(stderr, "session_check: no answer in 20 s\n");
		exit(2);
	}
	done = false;
}

static const struct api_result *search(struct api_req *r)
{
	return api_req_wait(r, 20000);
}

int main(int argc, char **argv)
{
	if (argc < 9) {
		fprintf(stderr,
		        "usage: session_check URL CA ORG OTHER_ORG FOREIGN_ORG USER PASSWORD NEW_PASSWORD\n");
		return 2;
	}
	const char *org = argv[3], *other = argv[4], *foreign = argv[5], *user = argv[6];
	const char *pw = argv[7], *newpw = argv[8];
	struct vax_error err = {0};
	struct api_conn_config cfg = {.base_url = argv[1], .ca_file = argv[2]};
	conn = api_conn_new(&cfg, &err);
	if (!conn) {
		fprintf(stderr, "session_check: %s\n", err.message);
		return 2;
	}
	struct api_session *s = api_session_new(conn);

	wait_done(api_session_fetch_confidentiality(s, on_session, NULL));
	check(last.cls == API_OK && strlen(api_session_confidentiality(s)) > 40,
	      "confidentiality statement (%zu chars, version '%s') %s",
	      strlen(api_session_confidentiality(s)), api_session_confidentiality_version(s), last_msg);

	/* the statement comes after the password: a right one without it is
	 * asked to accept it, a wrong one is simply wrong */
	wait_done(api_session_login(s, org, user, pw, NULL, false, on_session, NULL));
	const struct api_token_error *le = api_session_login_error(s);
	check(last.cls == API_OK && le->confidentiality_required && le->statement &&
	          api_session_awaiting_statement(s) && !api_session_logged_in(s) &&
	          strlen(api_session_confidentiality(s)) > 40,
	      "right password, statement not accepted yet: the token waits, with the statement (%s)",
	      last_code);
	api_session_decline_statement(s);
	check(!api_session_awaiting_statement(s) && !api_session_logged_in(s) && !api_conn_has_token(conn),
	      "statement declined: the token is gone");
	/* accepted: the requests say so until one is served */
	wait_done(api_session_login(s, org, user, pw, NULL, false, on_session, NULL));
	check(last.cls == API_OK && api_session_accept_statement(s) && api_session_logged_in(s) &&
	          api_conn_statement_pending(conn),
	      "statement accepted: logged in, the acceptance goes with the next request");
	struct api_req *ar = api_req_new(conn, "GET", "/Patient?family=Nobody&_count=5", &err);
	const struct api_result *ares = search(ar);
	check(ares->cls == API_OK && !api_conn_statement_pending(conn),
	      "the first request after the acceptance is served, the header goes no more: %s",
	      ares->err.message);
	ares = search(ar);
	check(ares->cls == API_OK, "the next request, without the header: %s", ares->err.message);
	api_req_free(ar);
	api_session_forget(s);
	wait_done(api_session_login(s, org, user, "Wrong!pass98", NULL, false, on_session, NULL));
	check(last.cls == API_AUTH && !le->confidentiality_required && !api_session_logged_in(s),
	      "wrong password, statement not accepted: wrong password (%s)", last_code);

	wait_done(api_session_login(s, org, user, "Wrong!pass99", NULL, true, on_session, NULL));
	check(last.cls == API_AUTH && !strncmp(last_code, "API-AUTH-", 9) && !api_session_logged_in(s),
	      "wrong password refused: %s %s", last_code, last_msg);
	check(le->attempts_remaining >= 0 && !strcmp(le->error, "invalid_grant"),
	      "refusal says attempts remaining (%d, %s)", le->attempts_remaining, le->error);

	wait_done(api_session_login(s, org, user, pw, NULL, true, on_session, NULL));
	check(last.cls == API_OK && api_session_logged_in(s), "login: %s %s", api_class_name(last.cls),
	      last_msg);
	check(!strcmp(api_session_org(s), org), "token bound to %s (%s)", org, api_session_org_name(s));
	check(api_session_role(s) == API_ROLE_PROVIDER, "the registry names the role: %s",
	      api_role_words(api_session_role(s)));
	int64_t left = api_session_expires_in(s);
	check(left > 0 && left <= 2, "token lifetime from the registry (%lld s)", (long long)left);

	struct api_req *r = api_req_new(conn, "GET", "/Patient?family=Nobody&_count=5", &err);
	const struct api_result *res = search(r);
	check(res->cls == API_OK, "search with the token: %s", res->err.message);

	/* renewal while working: a fresh token for the same org and role (the
	 * terminal test tests/tui/expiry.sh works well past a token's lifetime) */
	wait_done(api_session_renew(s, on_session, NULL));
	check(last.cls == API_OK && api_session_logged_in(s) && !strcmp(api_session_org(s), org) &&
	          api_session_role(s) == API_ROLE_PROVIDER,
	      "renewed: %s", last_msg);
	res = search(r);
	check(res->cls == API_OK, "search with the renewed token: %s", res->err.message);

	/* Let the token expire: the same request fails as "expired", a
	 * re-login with the password fixes it, and the request is resent. */
	sleep(3);
	res = search(r);
	check(res->cls == API_AUTH && res->expired && !strcmp(res->err.code, "API-AUTH-EXPIRED"),
	      "expired token: %s %s", res->err.code, res->err.message);
	wait_done(api_session_relogin(s, pw, on_session, NULL));
	check(last.cls == API_OK, "re-login after expiry: %s", last_msg);
	res = search(r);
	check(res->cls == API_OK, "the failed request resent as it was: %s", res->err.message);

	wait_done(api_session_switch(s, other, on_session, NULL));
	check(last.cls == API_OK && !strcmp(api_session_org(s), other), "switch to %s: %s", other, last_msg);
	check(api_session_role(s) == API_ROLE_VIEW, "the role there: %s",
	      api_role_words(api_session_role(s)));
	wait_done(api_session_switch(s, foreign, on_session, NULL));
	check(last.cls == API_AUTH && !last.expired, "switch to a foreign org refused: %s %s", last_code,
	      last_msg);

	/* the foreign switch must not have cost the session: log in again
	 * (the registry may have dropped the token) and change the password */
	wait_done(api_session_login(s, org, user, pw, NULL, true, on_session, NULL));
	wait_done(api_session_change_password(s, pw, "short", "short", on_session, NULL));
	check(last.cls == API_REJECTED || last.cls == API_AUTH,
	      "weak new password refused with a reason: %s %s", last_code, last_msg);
	wait_done(api_session_login(s, org, user, pw, NULL, true, on_session, NULL));
	wait_done(api_session_change_password(s, pw, newpw, newpw, on_session, NULL));
	check(last.cls == API_OK, "password changed: %s", last_msg);
	wait_done(api_session_login(s, org, user, newpw, NULL, true, on_session, NULL));
	check(last.cls == API_OK, "login with the new password: %s", last_msg);

	wait_done(api_session_reset_request(s, org, user, "nobody@example.org", on_session, NULL));
	check(last.status == 202 || last.status == 200, "reset request answered %ld whatever the account",
	      last.status);
	wait_done(
	    api_session_reset_confirm(s, "0000000000000000000000000000000000000000000000000000000000000000",
	                              newpw, newpw, on_session, NULL));
	check(last.cls != API_OK, "a made-up reset token is refused: %s", last_msg);

	api_req_free(r);
	api_session_free(s);
	struct api_bytes t = api_conn_bytes(conn);
	printf("%d checks, %d failed; %llu requests, %llu bytes sent, %llu received\n", checks, failures,
	       (unsigned long long)t.requests, (unsigned long long)t.sent, (unsigned long long)t.received);
	api_conn_free(conn);
	return failures ? 1 : 0;
}
