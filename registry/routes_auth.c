/* registry/routes_auth.c - login, organization switch, passwords, resets.
 *
 * Lockout as ImmTrac2 counts it, with a wait instead of its challenge: after
 * 3 failed logins in a row each next attempt must wait (--login-delay, 15 s,
 * doubled each time) before its password is checked; after 3 more the
 * account needs a password reset. Unknown users get the same answers as
 * known ones (their failures are counted too, in memory), so the endpoint
 * does not tell who has an account; an attempt in the wait gets the same
 * words whether its password was right or not.
 *
 * Sessions end: a token is refused once the account needs a reset, or when
 * the password changed after the token was issued (a change, a reset); a
 * switch of organization (or to the same one: a renewal) gives a full token
 * lifetime, but never past --session-max after the last password login. Wrong
 * current passwords at /auth/password count as failed logins. A reset token
 * carries the time it was issued, and one issued before the password last
 * changed is no longer good. Every login, failure, lockout, switch,
 * logout, password change and reset is audited (type "User").
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <pthread.h>

#include "forecast/cdsi.h"
#include "registry/routes_int.h"
#include "registry/auth.h"

#define SLOW_AFTER        3 /* failures in a row before each attempt must wait */
#define RESET_AFTER       6 /* failures in a row before the account needs a reset */
#define STATEMENT_VERSION "2026-1"

static const char statement[] =
    "You are about to use a state immunization registry. The information in it is confidential "
    "and protected by state and federal law. Use it only to provide or document immunizations "
    "for the clients you serve, and only as your organization's agreement with the registry "
    "allows. Every access is recorded. Do not share your password or leave a session open.";

/* The body as a JSON object, whether it came as JSON or as a form. */
static cJSON *read_fields(const struct reg_request *rq)
{
	if (!rq->body_len)
		return cJSON_CreateObject();
	if (rq->content_type && strstr(rq->content_type, "json")) {
		cJSON *j = cJSON_ParseWithLength(rq->body, rq->body_len);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			return NULL;
		}
		return j;
	}
	char *buf = malloc(rq->body_len + 1);
	if (!buf)
		abort();
	memcpy(buf, rq->body, rq->body_len);
	buf[rq->body_len] = '\0';
	cJSON *j = cJSON_CreateObject();
	for (char *sv = NULL, *kv = strtok_r(buf, "&", &sv); kv; kv = strtok_r(NULL, "&", &sv)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = '\0';
		reg_url_decode(kv);
		if (eq)
			reg_url_decode(eq);
		if (!cJSON_GetObjectItemCaseSensitive(j, kv))
			cJSON_AddStringToObject(j, kv, eq ? eq : "");
	}
	OPENSSL_cleanse(buf, rq->body_len);
	free(buf);
	return j;
}

/* Secrets do not linger in freed memory. */
static void wipe_fields(cJSON *j)
{
	cJSON *c;
	cJSON_ArrayForEach(c, j) if (cJSON_IsString(c))
	    OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
	cJSON_Delete(j);
}

static const char *field(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsTrue(v))
		return "true";
	if (cJSON_IsFalse(v))
		return "false";
	return NULL;
}

/* An RFC 6749 error; attempts (left before a reset) and wait (seconds
 * before the next attempt may be made) are left out when negative / 0. */
static void oauth_error(struct reg_response *rs, int status, const char *error, const char *desc,
                        int attempts, int wait, bool reset)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", error);
	cJSON_AddStringToObject(j, "error_description", desc);
	if (attempts >= 0)
		cJSON_AddNumberToObject(j, "attempts_remaining", attempts);
	if (wait > 0)
		cJSON_AddNumberToObject(j, "retry_after", wait);
	cJSON_AddBoolToObject(j, "reset_required", reset);
	reg_reply_json(rs, status, j, CT_JSON);
}

/* The answer to a failed login (or an attempt made in its wait): the
 * same words for every account, known or not, password right or wrong. */
static void login_refused(struct ctx *x, int failures, bool reset, int wait, bool early)
{
	char desc[200];
	if (reset)
		snprintf(desc, sizeof desc,
		         "Too many failed logins: this account needs a password reset (POST "
		         "/auth/password-reset).");
	else if (early)
		snprintf(desc, sizeof desc,
		         "Too many failed logins: wait %d more second%s before the next attempt.", wait,
		         wait == 1 ? "" : "s");
	else if (wait > 0)
		snprintf(desc, sizeof desc,
		         "The organization code, username or password is not right. Wait %d second%s "
		         "before the next attempt.",
		         wait, wait == 1 ? "" : "s");
	else
		snprintf(desc, sizeof desc, "The organization code, username or password is not right.");
	int left = RESET_AFTER - failures;
	oauth_error(x->rs, 400, "invalid_grant", desc,
	            reset      ? 0
	            : left < 0 ? 0
	                       : left,
	            reset ? 0 : wait, reset);
}

static void store_failed(struct reg_response *rs, const struct vax_error *err)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", "server_error");
	cJSON_AddStringToObject(j, "error_description", err->message);
	reg_reply_json(rs, 500, j, CT_JSON);
}

/* An account event in the audit: who (the username as given), the
 * organization, what; never a password. */
static void audit_user(struct ctx *x, const char *user, const char *org, const char *action)
{
	store_audit(reg_store(x->a), user ? user : "", org ? org : "", action, "User", user ? user : "",
	            x->rq->now, NULL);
}

/* Logins are slowed, not challenged: after SLOW_AFTER failures in a row each
 * further attempt must wait (login_delay seconds, doubled at each failure)
 * before its password is even checked; an attempt in the wait is answered
 * with the time left and counts for nothing. A program gains nothing from a
 * wait a person hardly notices, and a word in the JSON stopped no program.
 *
 * The table keeps, per name given: when the next attempt may be made, and
 * for names that are no account the failures a real account would have
 * counted (so the answers do not tell who has an account). In memory: a
 * restart forgets the waits, never the failures of real accounts (kept in
 * the store, with the reset they lead to). */
#define THROTTLE_MAX 4096
static struct {
	char name[65];
	int failures; /* names that are no account only */
	int64_t not_before;
	unsigned stamp;
} throttle[THROTTLE_MAX];
static unsigned throttle_clock;
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of name (made if new, the oldest reused when full); with
 * throttle_lock held. */
static int throttle_slot(const char *name)
{
	int slot = -1, oldest = 0;
	for (int i = 0; i < THROTTLE_MAX && slot < 0; i++) {
		if (!strcmp(throttle[i].name, name))
			slot = i;
		else if (throttle[i].stamp < throttle[oldest].stamp)
			oldest = i;
	}
	if (slot < 0) {
		slot = oldest;
		memset(&throttle[slot], 0, sizeof throttle[slot]);
		snprintf(throttle[slot].name, sizeof throttle[slot].name, "%s", name);
	}
	throttle[slot].stamp = ++throttle_clock;
	return slot;
}

/* Seconds name must still wait before its next attempt (0: none). */
static int throttle_wait(const char *name, int64_t now)
{
	int wait = 0;
	pthread_mutex_lock(&throttle_lock);
	for (int i = 0; i < THROTTLE_MAX; i++)
		if (throttle[i].name[0] && !strcmp(throttle[i].name, name)) {
			if (throttle[i].not_before > now)
				wait = (int)(throttle[i].not_before - now);
			break;
		}
	pthread_mutex_unlock(&throttle_lock);
	return wait;
}

/* The wait after the failures-th failure in a row (0 before SLOW_AFTER). */
static int throttle_delay(struct ctx *x, int failures)
{
	if (failures < SLOW_AFTER || failures >= RESET_AFTER)
		return 0;
	return reg_cfg(x->a)->login_delay << (failures - SLOW_AFTER);
}

/* Record a failure of name: failures is the count after it (a real
 * account's), or -1 for a name that is no account, whose count the table
 * keeps. Returns the count. */
static int throttle_fail(struct ctx *x, const char *name, int failures)
{
	pthread_mutex_lock(&throttle_lock);
	int slot = throttle_slot(name);
	if (failures < 0)
		failures = ++throttle[slot].failures;
	int delay = throttle_delay(x, failures);
	throttle[slot].not_before = delay ? x->rq->now + delay : 0;
	pthread_mutex_unlock(&throttle_lock);
	return failures;
}

/* The failures the table counted for a name that is no account. */
static int throttle_failures(const char *name)
{
	int n = 0;
	pthread_mutex_lock(&throttle_lock);
	for (int i = 0; i < THROTTLE_MAX; i++)
		if (throttle[i].name[0] && !strcmp(throttle[i].name, name)) {
			n = throttle[i].failures;
			break;
		}
	pthread_mutex_unlock(&throttle_lock);
	return n;
}

/* A right password ends the waits of name. */
static void throttle_clear(const char *name)
{
	pthread_mutex_lock(&throttle_lock);
	for (int i = 0; i < THROTTLE_MAX; i++)
		if (throttle[i].name[0] && !strcmp(throttle[i].name, name)) {
			throttle[i].not_before = 0;
			break;
		}
	pthread_mutex_unlock(&throttle_lock);
}

/* The statement, as GET /auth/confidentiality has it, into a token
 * answer: a client on a slow link shows it without another round trip. */
static void add_statement(cJSON *j)
{
	cJSON_AddBoolToObject(j, "confidentiality_required", true);
	cJSON *stmt = cJSON_AddObjectToObject(j, "confidentiality");
	cJSON_AddStringToObject(stmt, "version", STATEMENT_VERSION);
	cJSON_AddStringToObject(stmt, "text", statement);
}

/* Issue a token for user/org/role ending at expires (0: a full lifetime
 * from now) and reply with it. awaiting_login (a deferred login: when its
 * password was proven; else 0) issues it waiting for the statement, as
 * does a refresh of such a login's family: the mark never goes without
 * an acceptance. */
static void issue_token(struct ctx *x, const struct store_user *u, const char *org, const char *role,
                        int64_t expires, int64_t awaiting_login)
{
	struct store *st = reg_store(x->a);
	const struct registry_config *cfg = reg_cfg(x->a);
	char token[AUTH_TOKEN_LEN], hash[AUTH_TOKEN_LEN];
	auth_random_token(token);
	auth_token_hash(token, hash);
	/* a token starts when it is issued (after the password check, which may
	 * take a while under load), and never before the last password change:
	 * reg_authenticate counts tokens that start before it as revoked */
	int64_t now = (int64_t)time(NULL);
	if (now < x->rq->now)
		now = x->rq->now;
	int64_t start = now;
	if (u->pw_changed > start)
		start = u->pw_changed;
	struct store_session ss = {.user_id = u->id, .expires = expires ? expires : start + cfg->token_ttl};
	snprintf(ss.username, sizeof ss.username, "%s", u->username);
	snprintf(ss.org, sizeof ss.org, "%s", org);
	snprintf(ss.role, sizeof ss.role, "%s", role);
	struct vax_error err = {0};
	/* the refresh token first: a token waiting for the statement marks
	 * its family too */
	cJSON *refresh = cJSON_CreateObject();
	char family[65];
	int64_t family_ends;
	reg_oauth_refresh_add(x, refresh, u, org, role, family, &family_ends);
	int awaits = 0;
	if (awaiting_login) {
		snprintf(ss.awaiting, sizeof ss.awaiting, "%s", STATEMENT_VERSION);
		ss.awaiting_login = awaiting_login;
		awaits = 1;
	} else if (x->refresh_family && x->refresh_family[0]) {
		awaits = store_family_awaiting(st, x->refresh_family, &ss, &err);
	}
	if (awaits) {
		snprintf(ss.awaiting_family, sizeof ss.awaiting_family, "%s", family);
		ss.awaiting_until = family_ends;
	}
	if (awaits < 0 || !store_token_add(st, hash, &ss, &err)) {
		wipe_fields(refresh);
		store_failed(x->rs, &err);
		return;
	}
	char org_name[128] = "";
	store_org_get(st, org, org_name, sizeof org_name, NULL);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "access_token", token);
	cJSON_AddStringToObject(j, "token_type", "Bearer");
	cJSON_AddNumberToObject(j, "expires_in", (double)(ss.expires > now ? ss.expires - now : 0));
	cJSON_AddStringToObject(j, "org_code", org);
	cJSON_AddStringToObject(j, "org_name", org_name);
	cJSON_AddStringToObject(j, "username", u->username);
	cJSON_AddStringToObject(j, "role", role);
	/* what its forecasts are computed with: a client holding the same
	 * rules computes the same forecast and need not download it */
	if (cfg->cdsi)
		cJSON_AddStringToObject(j, "forecast_rules", cdsi_data_rules(cfg->cdsi));
	/* Every organization the user may switch to, so a client can offer
	 * the choice without another round trip. */
	struct store_org orgs[32];
	int n = store_member_orgs(st, u->id, orgs, 32, NULL);
	cJSON *arr = cJSON_AddArrayToObject(j, "organizations");
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", orgs[i].code);
		cJSON_AddStringToObject(o, "name", orgs[i].name);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON *item;
	while ((item = refresh->child) != NULL)
		cJSON_AddItemToObject(j, item->string, cJSON_DetachItemViaPointer(refresh, item));
	cJSON_Delete(refresh);
	if (awaits)
		add_statement(j);
	reg_reply_json(x->rs, 200, j, CT_JSON);
	OPENSSL_cleanse(token, sizeof token);
}

static void do_token(struct ctx *x, const cJSON *f)
{
	struct store *st = reg_store(x->a);
	const char *grant = field(f, "grant_type"), *org = field(f, "org_code");
	const char *user = field(f, "username"), *pw = field(f, "password");
	const char *accepted = field(f, "confidentiality_accepted");
	if (grant && strcmp(grant, "password") != 0 && reg_oauth_grant(x, f, grant))
		return;
	if (!grant || strcmp(grant, "password") != 0) {
		oauth_error(
		    x->rs, 400, "unsupported_grant_type",
		    "Use grant_type=password, refresh_token or urn:ietf:params:oauth:grant-type:device_code.",
		    -1, 0, false);
		return;
	}
	if (!org || !*org || !user || !*user || !pw || !*pw) {
		oauth_error(x->rs, 400, "invalid_request",
		            "Enter the organization code, username and password.", -1, 0, false);
		return;
	}
	struct store_user u;
	struct vax_error err = {0};
	int found = store_user_get(st, user, &u, &err);
	if (found < 0) {
		store_failed(x->rs, &err);
		return;
	}
	/* in the wait after failures nothing is checked or counted */
	int wait = throttle_wait(user, x->rq->now);
	if (wait > 0) {
		int failures = found ? u.failures : throttle_failures(user);
		audit_user(x, user, org, "login-early");
		login_refused(x, failures, false, wait, true);
		return;
	}
	if (!found) {
		/* the answers and the time a real account would get */
		auth_verify_password(pw, auth_dummy_hash());
		int failures = throttle_fail(x, user, -1);
		bool reset = failures >= RESET_AFTER;
		audit_user(x, user, org, reset && failures == RESET_AFTER ? "lockout" : "login-failed");
		login_refused(x, failures, reset, throttle_delay(x, failures), false);
		return;
	}
	if (u.reset_required) {
		auth_verify_password(pw, auth_dummy_hash());
		audit_user(x, user, org, "login-failed");
		login_refused(x, u.failures, true, 0, false);
		return;
	}
	bool pw_ok = auth_verify_password(pw, u.hash);
	char role[16] = "";
	int member = pw_ok ? store_member_role(st, u.id, org, role, sizeof role, &err) : 0;
	if (member < 0) {
		store_failed(x->rs, &err);
		return;
	}
	if (!store_begin(st, &err)) {
		store_failed(x->rs, &err);
		return;
	}
	struct store_user cur;
	if (store_user_by_id(st, u.id, &cur, &err) != 1) {
		store_rollback(st);
		store_failed(x->rs, &err);
		return;
	}
	/* "deferred": the token now, the statement accepted with its first
	 * request (reg_authenticate), one round trip and one password check
	 * fewer than the refusal below and a second login */
	bool deferred = accepted && !strcmp(accepted, "deferred");
	if (pw_ok && member == 1 && !cur.reset_required && !deferred &&
	    (!accepted || strcmp(accepted, "true") != 0)) {
		/* the statement is shown after the password is known to be right
		 * (every login, every user); asking for it is not a failure */
		store_rollback(st);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "error", "invalid_request");
		cJSON_AddStringToObject(
		    j, "error_description",
		    "Read and accept the confidentiality statement (GET "
		    "/auth/confidentiality; send confidentiality_accepted=true) to log in.");
		add_statement(j);
		reg_reply_json(x->rs, 400, j, CT_JSON);
		return;
	}
	if (pw_ok && member == 1 && !cur.reset_required) {
		cur.failures = 0;
		cur.challenge[0] = '\0';
		/* a login row says the password was proven and the statement
		 * accepted (session_max counts from it): a deferred login's is
		 * written when the statement is, with the time of this check */
		if (!store_user_update(st, &cur, &err) ||
		    (!deferred &&
		     !store_login_record(st, cur.id, org, x->rq->now, STATEMENT_VERSION, &err)) ||
		    !store_commit(st, &err)) {
			store_rollback(st);
			store_failed(x->rs, &err);
			return;
		}
		throttle_clear(cur.username);
		audit_user(x, cur.username, org, deferred ? "login-deferred" : "login");
		issue_token(x, &cur, org, role, 0, deferred ? x->rq->now : 0);
		return;
	}
	cur.failures++;
	cur.challenge[0] = '\0';
	if (cur.failures >= RESET_AFTER)
		cur.reset_required = true;
	if (!store_user_update(st, &cur, &err) || !store_commit(st, &err)) {
		store_rollback(st);
		store_failed(x->rs, &err);
		return;
	}
	throttle_fail(x, user, cur.failures);
	audit_user(x, cur.username, org, cur.reset_required ? "lockout" : "login-failed");
	login_refused(x, cur.failures, cur.reset_required, throttle_delay(x, cur.failures), false);
}

/* A token of a deferred login serves a request only once its user accepted
 * the statement: the request says so (Confidentiality-Accepted: the
 * version shown), and the acceptance is recorded before anything is read,
 * as a one-request login records it. Logging out is the one thing such a
 * token may do without (a declined statement ends the login). False after
 * replying. */
static bool statement_accepted(struct ctx *x, const char *hash)
{
	const char *v = x->rq->confidentiality_accepted;
	if (!v || strcmp(v, STATEMENT_VERSION) != 0) {
		if (x->rq->path && !strcmp(x->rq->path, "/auth/logout") && !strcmp(x->rq->method, "POST"))
			return true;
		reg_reply_oo(x->rs, 403, "forbidden", "AUTH-CONFIDENTIALITY",
		             v ? "The confidentiality statement accepted is not the registry's current one "
		                 "(" STATEMENT_VERSION
		                 "); read it (GET /auth/confidentiality), accept it and "
		                 "send its version as 'Confidentiality-Accepted'."
		               : "Accept the confidentiality statement before using the registry: send its "
		                 "version as 'Confidentiality-Accepted: " STATEMENT_VERSION "'.",
		             NULL);
		return false;
	}
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	int took = store_begin(st, &err) ? store_token_accept(st, hash, x->ss.awaiting_family, &err) : -2;
	bool ok = took >= 0 &&
	          (took == 0 || store_login_record(st, x->ss.user_id, x->ss.org, x->ss.awaiting_login,
	                                           STATEMENT_VERSION, &err)) &&
	          store_commit(st, &err);
	if (!ok) {
		if (took != -2)
			store_rollback(st);
		reg_reply_err(x->rs, &err);
		return false;
	}
	/* another request with the same token may have recorded it first */
	if (took == 1)
		audit_user(x, x->ss.username, x->ss.org, "login");
	x->ss.awaiting[0] = '\0';
	x->ss.awaiting_family[0] = '\0';
	return true;
}

bool reg_authenticate(struct ctx *x)
{
	const char *h = x->rq->authorization;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != AUTH_TOKEN_LEN - 1) {
		reg_reply_oo(
		    x->rs, 401, "login", "AUTH-REQUIRED",
		    "Log in first (POST /auth/token) and send the token as 'Authorization: Bearer ...'.",
		    NULL);
		return false;
	}
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(h + 7, hash);
	struct vax_error err = {0};
	int ok = store_token_get(reg_store(x->a), hash, x->rq->now, &x->ss, &err);
	if (ok < 0) {
		reg_reply_err(x->rs, &err);
		return false;
	}
	if (!ok) {
		reg_reply_oo(x->rs, 401, "login", "AUTH-EXPIRED", "Your session has ended; log in again.",
		             NULL);
		return false;
	}
	/* a lockout, a password change or a reset ends every session of the account */
	struct store_user u;
	int64_t issued = x->ss.expires - reg_cfg(x->a)->token_ttl;
	if (store_user_by_id(reg_store(x->a), x->ss.user_id, &u, &err) != 1 || u.reset_required ||
	    (u.pw_changed > 0 && issued < u.pw_changed)) {
		reg_reply_oo(
		    x->rs, 401, "login", "AUTH-REVOKED",
		    "Your session was ended (the password changed or the account was locked); log in "
		    "again.",
		    NULL);
		store_token_delete(reg_store(x->a), hash, NULL);
		return false;
	}
	if (x->ss.awaiting[0] && !statement_accepted(x, hash))
		return false;
	/* a GET from the network only reads: its searches may come from a read
	 * replica that has what this user wrote */
	store_request_begin(reg_store(x->a), x->ss.user_id, x->ss.wrote, x->rq->lag_ok);
	return true;
}

static void do_switch(struct ctx *x, const cJSON *f)
{
	const char *org = field(f, "org_code");
	struct store *st = reg_store(x->a);
	char role[16];
	struct vax_error err = {0};
	int member = org ? store_member_role(st, x->ss.user_id, org, role, sizeof role, &err) : 0;
	if (member < 0) {
		store_failed(x->rs, &err);
		return;
	}
	if (!member) {
		audit_user(x, x->ss.username, org, "switch-denied");
		oauth_error(x->rs, 403, "access_denied", "You are not a member of that organization.", -1, 0,
		            false);
		return;
	}
	struct store_user u;
	if (store_user_by_id(st, x->ss.user_id, &u, &err) != 1) {
		store_failed(x->rs, &err);
		return;
	}
	/* A switch (to the same organization: vaxdesk renews a working user's
	 * session so) gives a token of a full lifetime from now, but never past
	 * session_max after the last login with a password: a session ends. A
	 * locked account or a changed password ended it before this point
	 * (reg_authenticate). */
	int64_t login = 0, now = x->rq->now;
	if (store_last_login(st, u.id, &login, &err) < 0) {
		store_failed(x->rs, &err);
		return;
	}
	if (u.pw_changed > login)
		login = u.pw_changed; /* a password change proves the password too */
	int64_t end = login + reg_cfg(x->a)->session_max;
	if (end <= now) {
		audit_user(x, u.username, org, "session-over");
		reg_reply_oo(x->rs, 401, "login", "AUTH-SESSION-OVER",
		             "This session has lasted as long as one may; log in again with your password.",
		             NULL);
		return;
	}
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(x->rq->authorization + 7, hash);
	store_token_delete(st, hash, NULL);
	audit_user(x, u.username, org, "switch");
	int64_t expires = now + reg_cfg(x->a)->token_ttl;
	issue_token(x, &u, org, role, expires < end ? expires : end, 0);
}

/* The new password against the rules and the last 6 passwords. */
static bool new_password_ok(struct ctx *x, int64_t user_id, const char *pw, const char *confirm,
                            const char *previous)
{
	struct vax_error err = {0};
	if (!confirm || strcmp(pw, confirm) != 0) {
		oauth_error(x->rs, 400, "invalid_request", "The two new passwords are not the same.", -1, 0,
		            false);
		return false;
	}
	if (!auth_password_rules(pw, previous, &err)) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "error", "invalid_request");
		cJSON_AddStringToObject(j, "error_description", err.message);
		cJSON_AddStringToObject(j, "rule", err.code);
		reg_reply_json(x->rs, 400, j, CT_JSON);
		return false;
	}
	char hist[6][256];
	int n = store_pw_history(reg_store(x->a), user_id, hist, 6, &err);
	for (int i = 0; i < n; i++)
		if (auth_verify_password(pw, hist[i])) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "error", "invalid_request");
			cJSON_AddStringToObject(
			    j, "error_description",
			    "That password was used recently; choose one not among your last 6.");
			cJSON_AddStringToObject(j, "rule", "PW-REUSED");
			reg_reply_json(x->rs, 400, j, CT_JSON);
			return false;
		}
	return true;
}

static bool set_password(struct ctx *x, struct store_user *u, const char *pw)
{
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	if (!auth_hash_password(pw, u->hash, sizeof u->hash)) {
		error_set(&err, "PW-HASH", "The password could not be hashed.");
		store_failed(x->rs, &err);
		return false;
	}
	u->failures = 0;
	u->challenge[0] = '\0';
	u->reset_required = false;
	/* a second ahead of now and of the last change: tokens are stamped in
	 * seconds, and one issued in this second before the change must count
	 * as before it (issue_token and do_reset stamp later ones with this
	 * time at the earliest) */
	u->pw_changed = (u->pw_changed > x->rq->now ? u->pw_changed : x->rq->now) + 1;
	if (!store_user_update(st, u, &err) || !store_pw_history_add(st, u->id, u->hash, &err)) {
		store_failed(x->rs, &err);
		return false;
	}
	return true;
}

static void do_password(struct ctx *x, const cJSON *f)
{
	const char *cur = field(f, "current_password"), *pw = field(f, "new_password");
	const char *confirm = field(f, "new_password_confirm");
	struct store *st = reg_store(x->a);
	struct store_user u;
	struct vax_error err = {0};
	if (store_user_by_id(st, x->ss.user_id, &u, &err) != 1) {
		store_failed(x->rs, &err);
		return;
	}
	/* guessing here counts as guessing at the login: the same waits and lockout */
	int wait = throttle_wait(u.username, x->rq->now);
	if (wait > 0) {
		audit_user(x, u.username, x->ss.org, "password-early");
		login_refused(x, u.failures, false, wait, true);
		return;
	}
	if (!cur || !auth_verify_password(cur, u.hash)) {
		u.failures++;
		if (u.failures >= RESET_AFTER)
			u.reset_required = true;
		store_user_update(st, &u, NULL);
		throttle_fail(x, u.username, u.failures);
		audit_user(x, u.username, x->ss.org, u.reset_required ? "lockout" : "password-failed");
		wait = throttle_delay(x, u.failures);
		char desc[160];
		if (u.reset_required)
			snprintf(desc, sizeof desc,
			         "Too many wrong passwords: this account needs a password reset.");
		else if (wait)
			snprintf(
			    desc, sizeof desc,
			    "The current password is not right. Wait %d seconds before the next attempt.",
			    wait);
		else
			snprintf(desc, sizeof desc, "The current password is not right.");
		oauth_error(x->rs, 400, "invalid_grant", desc,
		            u.reset_required ? 0 : RESET_AFTER - u.failures, wait, u.reset_required);
		return;
	}
	if (!pw || !new_password_ok(x, u.id, pw, confirm, cur))
		return;
	if (!store_begin(st, &err)) {
		store_failed(x->rs, &err);
		return;
	}
	if (!set_password(x, &u, pw) || !store_commit(st, &err)) {
		store_rollback(st);
		if (!x->rs->body)
			store_failed(x->rs, &err);
		return;
	}
	/* every other session of the account ends (issued before the change);
	 * this one goes on, as one issued now */
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(x->rq->authorization + 7, hash);
	struct store_session ss = x->ss;
	ss.expires = u.pw_changed + reg_cfg(x->a)->token_ttl;
	store_token_delete(st, hash, NULL);
	store_token_add(st, hash, &ss, NULL);
	audit_user(x, u.username, x->ss.org, "password-change");
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Your password was changed.");
	reg_reply_json(x->rs, 200, j, CT_JSON);
}

/* Deliver the reset mail: a configured command, else the maildir spool
 * <data>/mail/{tmp,new}. */
static void send_reset_mail(struct ctx *x, const struct store_user *u, const char *org, const char *token)
{
	const struct registry_config *cfg = reg_cfg(x->a);
	char *msg = NULL;
	int len =
	    asprintf(&msg,
	             "To: %s\nSubject: Registry password reset\nContent-Type: text/plain; charset=utf-8\n\n"
	             "A password reset was asked for user %s at organization %s.\n"
	             "Reset token (valid %d hours): %s\n\n"
	             "If you did not ask for this, ignore this message.\n",
	             u->email, u->username, org, cfg->reset_ttl / 3600, token);
	if (len < 0)
		return;
	if (cfg->mail_command && *cfg->mail_command) {
		FILE *p = popen(cfg->mail_command, "w");
		if (p) {
			fwrite(msg, 1, (size_t)len, p);
			pclose(p);
		}
	} else if (cfg->datadir) {
		char dir[4096], tmp[4200], dst[4200];
		static unsigned seq;
		snprintf(dir, sizeof dir, "%s/mail", cfg->datadir);
		mkdir(dir, 0700);
		snprintf(tmp, sizeof tmp, "%s/tmp", dir);
		mkdir(tmp, 0700);
		snprintf(tmp, sizeof tmp, "%s/new", dir);
		mkdir(tmp, 0700);
		char name[128];
		snprintf(name, sizeof name, "%lld.%d_%u.vaxregd", (long long)x->rq->now, (int)getpid(),
		         __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
		snprintf(tmp, sizeof tmp, "%.3900s/tmp/%.128s", dir, name);
		snprintf(dst, sizeof dst, "%.3900s/new/%.128s", dir, name);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			bool ok = write(fd, msg, (size_t)len) == len && fsync(fd) == 0;
			close(fd);
			if (ok)
				rename(tmp, dst);
			else
				unlink(tmp);
		}
	}
	OPENSSL_cleanse(msg, (size_t)len);
	free(msg);
}

static void do_reset(struct ctx *x, const cJSON *f)
{
	const char *org = field(f, "org_code"), *user = field(f, "username"), *email = field(f, "email");
	struct store *st = reg_store(x->a);
	struct store_user u;
	char role[16];
	audit_user(x, user, org, "reset-asked");
	if (org && user && email && store_user_get(st, user, &u, NULL) == 1 && !strcasecmp(u.email, email) &&
	    store_member_role(st, u.id, org, role, sizeof role, NULL) == 1) {
		/* "<issued>-<random>": a token older than the last password change is void */
		char rnd[AUTH_TOKEN_LEN], token[96], hash[AUTH_TOKEN_LEN];
		auth_random_token(rnd);
		int64_t issued = u.pw_changed > x->rq->now ? u.pw_changed : x->rq->now;
		snprintf(token, sizeof token, "%lld-%s", (long long)issued, rnd);
		OPENSSL_cleanse(rnd, sizeof rnd);
		auth_token_hash(token, hash);
		if (store_reset_add(st, hash, u.id, x->rq->now + reg_cfg(x->a)->reset_ttl, NULL))
			send_reset_mail(x, &u, org, token);
		OPENSSL_cleanse(token, sizeof token);
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message",
	                        "If these details match an account, a message with a reset token has been "
	                        "sent to its e-mail address.");
	reg_reply_json(x->rs, 202, j, CT_JSON);
}

static void do_reset_confirm(struct ctx *x, const cJSON *f)
{
	const char *token = field(f, "token"), *pw = field(f, "new_password");
	const char *confirm = field(f, "new_password_confirm");
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	if (!token || !pw) {
		oauth_error(x->rs, 400, "invalid_request", "Send the reset token and the new password twice.",
		            -1, 0, false);
		return;
	}
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(token, hash);
	if (!store_begin(st, &err)) {
		store_failed(x->rs, &err);
		return;
	}
	int64_t uid;
	int ok = store_reset_take(st, hash, x->rq->now, &uid, &err);
	struct store_user u;
	long long issued = strtoll(token, NULL, 10);
	if (ok != 1 || store_user_by_id(st, uid, &u, &err) != 1 ||
	    (u.pw_changed > 0 && issued < u.pw_changed)) {
		store_rollback(st);
		oauth_error(
		    x->rs, 400, "invalid_grant",
		    "That reset token is not valid: it may have expired or been used. Ask for a new one.", -1,
		    0, false);
		return;
	}
	/* taking the token and the password checks are one transaction: a
	 * rejected password leaves the token usable */
	if (!new_password_ok(x, u.id, pw, confirm, NULL) || !set_password(x, &u, pw) ||
	    !store_commit(st, &err)) {
		store_rollback(st);
		if (!x->rs->body)
			store_failed(x->rs, &err);
		return;
	}
	audit_user(x, u.username, "", "password-reset");
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Your password was reset; log in with the new one.");
	reg_reply_json(x->rs, 200, j, CT_JSON);
}

static void do_logout(struct ctx *x, const cJSON *f)
{
	(void)f;
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(x->rq->authorization + 7, hash);
	store_token_delete(reg_store(x->a), hash, NULL);
	audit_user(x, x->ss.username, x->ss.org, "logout");
	x->rs->status = 204;
}

/* Run an endpoint with the request's fields; they are wiped afterwards. */
static void with_fields(struct ctx *x, void (*fn)(struct ctx *, const cJSON *))
{
	cJSON *f = read_fields(x->rq);
	if (!f) {
		oauth_error(x->rs, 400, "invalid_request", "The body is neither a form nor a JSON object.",
		            -1, 0, false);
		return;
	}
	fn(x, f);
	wipe_fields(f);
}

void reg_auth_error(struct reg_response *rs, int status, const char *error, const char *desc)
{
	oauth_error(rs, status, error, desc, -1, 0, false);
}

void reg_auth_confidentiality(struct ctx *x)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "version", STATEMENT_VERSION);
	cJSON_AddStringToObject(j, "text", statement);
	reg_reply_json(x->rs, 200, j, CT_JSON);
}

void reg_auth_token(struct ctx *x)
{
	with_fields(x, do_token);
}

void reg_auth_switch(struct ctx *x)
{
	with_fields(x, do_switch);
}

void reg_auth_password(struct ctx *x)
{
	with_fields(x, do_password);
}

void reg_auth_reset(struct ctx *x)
{
	with_fields(x, do_reset);
}

void reg_auth_reset_confirm(struct ctx *x)
{
	with_fields(x, do_reset_confirm);
}

void reg_auth_logout(struct ctx *x)
{
	with_fields(x, do_logout);
}

/* ---- shared with routes_oauth.c ------------------------------------------------ */

void reg_auth_issue(struct ctx *x, const struct store_user *u, const char *org, const char *role)
{
	issue_token(x, u, org, role, 0, 0);
}

cJSON *reg_auth_read_fields(const struct reg_request *rq)
{
	return read_fields(rq);
}

void reg_auth_wipe_fields(cJSON *f)
{
	wipe_fields(f);
}
