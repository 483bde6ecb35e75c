/* registry/routes_oauth.c - the standard sign-in around the login of
 * routes_auth.c: SMART discovery, refresh tokens and the device grant.
 *
 *   GET  /.well-known/smart-configuration   what a client needs to sign in
 *                                           (SMART App Launch 2.0 discovery;
 *                                           no token needed)
 *   POST /auth/token  grant_type=refresh_token    a new access token
 *                     grant_type=urn:ietf:params:oauth:grant-type:device_code
 *   POST /auth/device                       RFC 8628 device authorization
 *   GET  /auth/activate[?user_code=]        the page where a person approves
 *   POST /auth/activate                     ... with their own login
 *   POST /auth/revoke                       RFC 7009: a refresh token's login ends
 *
 * Refresh tokens: every token answer carries one (reg_oauth_refresh_add),
 * bound to the user and organization of the access token. Each use rotates
 * it: the token used is spent, the new one joins its family, and a spent
 * token used again ends the whole family (a stolen copy is then worth
 * nothing to either side). A family lives refresh_ttl from its login, never
 * longer: renewal never makes a login last past a working day. Refreshing
 * checks what a login checks: the account is not locked or waiting for a
 * reset, the password has not changed since the login began (a change or a
 * reset ends every session, refresh tokens included), and the user is still
 * a member of the organization (the role is read again).
 *
 * The device grant: a terminal asks /auth/device for a code, shows the user
 * code and the page's address, and polls /auth/token. The person opens the
 * page on a phone or PC, types the user code and logs in there with their
 * organization code, username and password (the same login, lockout and
 * statement as POST /auth/token: the page sends it through the route table,
 * and the token that login would have given is dropped at once), then
 * approves or denies. The terminal's next poll gets its own token. Polls
 * closer together than the interval are answered slow_down and the interval
 * grows by 5 s, as RFC 8628 3.5 has it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "registry/auth.h"
#include "registry/routes_int.h"

#define GRANT_DEVICE   "urn:ietf:params:oauth:grant-type:device_code"
#define CT_HTML        "text/html; charset=utf-8"
#define USER_CODE_LEN  8 /* letters, shown as XXXX-XXXX */
#define SLOW_DOWN_STEP 5

enum { D_PENDING = 0, D_APPROVED = 1, D_DENIED = 2 };
enum { R_LIVE = 0, R_USED = 1 };

static const char *str(const cJSON *f, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, key));
}

/* ---- discovery ---------------------------------------------------------------- */

void reg_oauth_smart(struct ctx *x)
{
	const char *base = x->rq->base ? x->rq->base : "";
	char url[512];
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "issuer", base);
	snprintf(url, sizeof url, "%s/auth/token", base);
	cJSON_AddStringToObject(j, "token_endpoint", url);
	snprintf(url, sizeof url, "%s/auth/device", base);
	cJSON_AddStringToObject(j, "device_authorization_endpoint", url);
	snprintf(url, sizeof url, "%s/auth/revoke", base);
	cJSON_AddStringToObject(j, "revocation_endpoint", url);
	cJSON *g = cJSON_AddArrayToObject(j, "grant_types_supported");
	cJSON_AddItemToArray(g, cJSON_CreateString("password"));
	cJSON_AddItemToArray(g, cJSON_CreateString("refresh_token"));
	cJSON_AddItemToArray(g, cJSON_CreateString(GRANT_DEVICE));
	cJSON *m = cJSON_AddArrayToObject(j, "token_endpoint_auth_methods_supported");
	cJSON_AddItemToArray(m, cJSON_CreateString("none"));
	cJSON *sc = cJSON_AddArrayToObject(j, "scopes_supported");
	cJSON_AddItemToArray(sc, cJSON_CreateString("user/*.cruds"));
	cJSON_AddItemToArray(sc, cJSON_CreateString("offline_access"));
	cJSON *c = cJSON_AddArrayToObject(j, "capabilities");
	cJSON_AddItemToArray(c, cJSON_CreateString("client-public"));
	cJSON_AddItemToArray(c, cJSON_CreateString("permission-offline"));
	cJSON_AddItemToArray(c, cJSON_CreateString("permission-user"));
	/* vaxregd's own member (SMART allows more): its password grant takes
	 * the organization code a token is bound to */
	cJSON_AddBoolToObject(j, "org_code_required", true);
	reg_reply_json(x->rs, 200, j, CT_JSON);
}

/* ---- refresh tokens ------------------------------------------------------------- */

void reg_oauth_refresh_add(struct ctx *x, cJSON *answer, const struct store_user *u, const char *org,
                           const char *role, char family[65], int64_t *ends)
{
	char token[AUTH_TOKEN_LEN];
	struct store_grant g = {.kind = 'R', .user_id = u->id, .state = R_LIVE, .start = x->rq->now};
	auth_random_token(token);
	auth_token_hash(token, g.key);
	if (x->refresh_family && x->refresh_family[0]) {
		/* a rotation: the family and its end stay */
		snprintf(g.family, sizeof g.family, "%s", x->refresh_family);
		g.start = x->refresh_start;
	} else {
		snprintf(g.family, sizeof g.family, "%s", g.key);
	}
	g.expires = g.start + reg_cfg(x->a)->refresh_ttl;
	snprintf(g.org, sizeof g.org, "%s", org);
	snprintf(g.role, sizeof g.role, "%s", role);
	/* without its row the token would be refused at once: leave it out */
	if (store_grant_add(reg_store(x->a), &g, NULL)) {
		cJSON_AddStringToObject(answer, "refresh_token", token);
		long left = (long)(g.expires - x->rq->now);
		cJSON_AddNumberToObject(answer, "refresh_expires_in", left > 0 ? left : 0);
		snprintf(family, 65, "%s", g.family);
		*ends = g.expires;
	} else {
		family[0] = '\0';
		*ends = 0;
	}
	OPENSSL_cleanse(token, sizeof token);
}

/* The account behind a grant still may log in: not locked, no reset
 * waiting, no password change since start, still a member of org (its
 * role now in role). False after replying invalid_grant. */
static bool still_good(struct ctx *x, int64_t user_id, int64_t start, const char *org, char *role,
                       size_t role_len, struct store_user *u)
{
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	int found = store_user_by_id(st, user_id, u, &err);
	if (found < 0) {
		reg_reply_err(x->rs, &err);
		return false;
	}
	if (!found || u->reset_required || (u->pw_changed > 0 && start < u->pw_changed)) {
		reg_auth_error(x->rs, 400, "invalid_grant",
		               "Your session was ended (the password changed or the account was locked); "
		               "log in again.");
		return false;
	}
	int member = store_member_role(st, user_id, org, role, role_len, &err);
	if (member < 0) {
		reg_reply_err(x->rs, &err);
		return false;
	}
	if (!member) {
		reg_auth_error(x->rs, 400, "invalid_grant",
		               "You are no longer a member of that organization.");
		return false;
	}
	return true;
}

static void audit_grant(struct ctx *x, const char *user, const char *org, const char *action)
{
	store_audit(reg_store(x->a), user, org, action, "User", user, x->rq->now, NULL);
}

/* The grant row of kind for the token in the form's field, read in a
 * transaction begun here: 1 found, 0 unknown (in the transaction still),
 * -1 after replying (nothing begun). */
static int grant_begin(struct ctx *x, const cJSON *f, const char *field, char kind, struct store_grant *g)
{
	const char *token = str(f, field);
	if (!token || !*token) {
		char m[64];
		snprintf(m, sizeof m, "%s is missing.", field);
		reg_auth_error(x->rs, 400, "invalid_request", m);
		return -1;
	}
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(token, hash);
	int found = store_begin(st, &err) ? store_grant_get(st, kind, hash, g, &err) : -2;
	if (found < 0) {
		if (found == -1)
			store_rollback(st);
		reg_reply_err(x->rs, &err);
		return -1;
	}
	return found;
}

static void grant_refresh(struct ctx *x, const cJSON *f)
{
	struct store *st = reg_store(x->a);
	struct store_grant g;
	struct vax_error err = {0};
	int found = grant_begin(x, f, "refresh_token", 'R', &g);
	if (found < 0)
		return;
	if (!found || g.expires <= x->rq->now) {
		store_rollback(st);
		reg_auth_error(x->rs, 400, "invalid_grant",
		               "The refresh token is unknown or has expired; log in again.");
		return;
	}
	if (g.state != R_LIVE) {
		/* a spent token again: someone holds a copy; the login ends */
		store_grant_revoke(st, g.family, NULL);
		store_commit(st, NULL);
		store_audit(st, "", g.org, "refresh-reused", "User", "", x->rq->now, NULL);
		reg_auth_error(x->rs, 400, "invalid_grant",
		               "The refresh token was already used; log in again.");
		return;
	}
	struct store_user u;
	char role[16];
	if (!still_good(x, g.user_id, g.start, g.org, role, sizeof role, &u)) {
		store_grant_revoke(st, g.family, NULL);
		store_commit(st, NULL);
		return;
	}
	g.state = R_USED;
	if (!store_grant_update(st, &g, &err) || !store_commit(st, &err)) {
		store_rollback(st);
		reg_reply_err(x->rs, &err);
		return;
	}
	x->refresh_family = g.family;
	x->refresh_start = g.start;
	audit_grant(x, u.username, g.org, "refresh");
	reg_auth_issue(x, &u, g.org, role);
}

/* ---- the device grant ---------------------------------------------------------- */

/* RFC 8628 6.1: consonants only (no words, no 0/O or 1/I confusion). */
static void user_code_new(char out[USER_CODE_LEN + 1])
{
	static const char letters[] = "BCDFGHJKLMNPQRSTVWXZ";
	unsigned char b[USER_CODE_LEN];
	if (RAND_bytes(b, sizeof b) != 1)
		abort(); /* no randomness: nothing here may be guessable */
	for (int i = 0; i < USER_CODE_LEN; i++)
		out[i] = letters[b[i] % 20]; /* 256 % 20 = 16: a bias too small to matter here */
	out[USER_CODE_LEN] = '\0';
}

/* A user code as typed ("bcdf-ghjk", " BCDF GHJK") -> "BCDFGHJK"; false if
 * it cannot be one. */
static bool user_code_norm(const char *in, char out[USER_CODE_LEN + 1])
{
	int n = 0;
	for (const char *p = in ? in : ""; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (!isalpha((unsigned char)*p) || n >= USER_CODE_LEN)
			return false;
		out[n++] = (char)toupper((unsigned char)*p);
	}
	out[n] = '\0';
	return n == USER_CODE_LEN;
}

void reg_oauth_device(struct ctx *x)
{
	const struct registry_config *cfg = reg_cfg(x->a);
	char device[AUTH_TOKEN_LEN], code[USER_CODE_LEN + 1];
	struct store_grant d = {.kind = 'D', .state = D_PENDING, .start = x->rq->now};
	auth_random_token(device);
	auth_token_hash(device, d.key);
	snprintf(d.family, sizeof d.family, "%s", d.key);
	d.expires = x->rq->now + cfg->device_ttl;
	d.interval = cfg->device_interval;
	struct store_grant uc = d;
	uc.kind = 'U';
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	bool ok = store_begin(st, &err), free_code = false;
	/* a user code is short: draw again in the rare case one is in use */
	for (int tries = 0; ok && !free_code && tries < 5; tries++) {
		struct store_grant old;
		user_code_new(code);
		int found = store_grant_get(st, 'U', code, &old, &err);
		ok = found >= 0;
		if (found == 1 && old.expires <= x->rq->now)
			ok = store_grant_revoke(st, old.family, &err); /* an expired holder */
		free_code = ok && (found == 0 || old.expires <= x->rq->now);
	}
	if (ok && !free_code)
		ok = error_set(&err, "GRANT-BUSY", "No free user code now; try again.");
	snprintf(uc.key, sizeof uc.key, "%s", code);
	ok = ok && store_grant_add(st, &d, &err) && store_grant_add(st, &uc, &err) && store_commit(st, &err);
	if (!ok) {
		store_rollback(st);
		OPENSSL_cleanse(device, sizeof device);
		reg_reply_err(x->rs, &err);
		return;
	}
	const char *base = x->rq->base ? x->rq->base : "";
	char shown[USER_CODE_LEN + 2], url[512];
	snprintf(shown, sizeof shown, "%.4s-%.4s", code, code + 4);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "device_code", device);
	cJSON_AddStringToObject(j, "user_code", shown);
	snprintf(url, sizeof url, "%s/auth/activate", base);
	cJSON_AddStringToObject(j, "verification_uri", url);
	snprintf(url, sizeof url, "%s/auth/activate?user_code=%s", base, shown);
	cJSON_AddStringToObject(j, "verification_uri_complete", url);
	cJSON_AddNumberToObject(j, "expires_in", cfg->device_ttl);
	cJSON_AddNumberToObject(j, "interval", cfg->device_interval);
	reg_reply_json(x->rs, 200, j, CT_JSON);
	OPENSSL_cleanse(device, sizeof device);
}

static void grant_device(struct ctx *x, const cJSON *f)
{
	struct store *st = reg_store(x->a);
	struct store_grant d;
	struct vax_error err = {0};
	int found = grant_begin(x, f, "device_code", 'D', &d);
	if (found < 0)
		return;
	if (!found) {
		store_rollback(st);
		reg_auth_error(x->rs, 400, "invalid_grant",
		               "The device code is unknown or was used already.");
		return;
	}
	if (d.expires <= x->rq->now) {
		store_grant_revoke(st, d.family, NULL);
		store_commit(st, NULL);
		reg_auth_error(x->rs, 400, "expired_token",
		               "The sign-in code expired before it was approved; ask for a new one.");
		return;
	}
	if (d.state == D_DENIED) {
		store_grant_revoke(st, d.family, NULL);
		store_commit(st, NULL);
		reg_auth_error(x->rs, 400, "access_denied", "The sign-in was refused on the other device.");
		return;
	}
	/* polled sooner than the interval; or, for test suites, one of the
	 * first polls a registry told to ask for slow_down (each one so far
	 * added SLOW_DOWN_STEP to the interval) */
	const struct registry_config *cfg = reg_cfg(x->a);
	bool early = (d.last > 0 && x->rq->now - d.last < d.interval) ||
	             (d.interval - cfg->device_interval) / SLOW_DOWN_STEP < cfg->test_slow_down;
	d.last = x->rq->now;
	if (early)
		d.interval += SLOW_DOWN_STEP;
	if (d.state == D_PENDING || early) {
		bool ok = store_grant_update(st, &d, &err) && store_commit(st, &err);
		if (!ok) {
			store_rollback(st);
			reg_reply_err(x->rs, &err);
		} else if (early) {
			char m[120];
			snprintf(m, sizeof m, "Polling too often: wait %d seconds between requests.",
			         d.interval);
			reg_auth_error(x->rs, 400, "slow_down", m);
		} else {
			reg_auth_error(x->rs, 400, "authorization_pending",
			               "Waiting for the person to approve the sign-in on the other device.");
		}
		return;
	}
	/* approved: this poll takes it, once */
	struct store_user u;
	char role[16];
	if (!still_good(x, d.user_id, d.start, d.org, role, sizeof role, &u)) {
		store_grant_revoke(st, d.family, NULL);
		store_commit(st, NULL);
		return;
	}
	if (!store_grant_revoke(st, d.family, &err) || !store_commit(st, &err)) {
		store_rollback(st);
		reg_reply_err(x->rs, &err);
		return;
	}
	audit_grant(x, u.username, d.org, "login-device");
	reg_auth_issue(x, &u, d.org, role);
}

bool reg_oauth_grant(struct ctx *x, const cJSON *f, const char *grant)
{
	if (!strcmp(grant, "refresh_token"))
		grant_refresh(x, f);
	else if (!strcmp(grant, GRANT_DEVICE))
		grant_device(x, f);
	else
		return false;
	return true;
}

static void do_revoke(struct ctx *x, const cJSON *f)
{
	const char *token = str(f, "token");
	if (!token || !*token) {
		reg_auth_error(x->rs, 400, "invalid_request", "token is missing.");
		return;
	}
	struct store *st = reg_store(x->a);
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(token, hash);
	struct store_grant g;
	if (store_grant_get(st, 'R', hash, &g, NULL) == 1) {
		store_grant_revoke(st, g.family, NULL);
		store_audit(st, "", g.org, "revoke", "User", "", x->rq->now, NULL);
	} else {
		store_token_delete(st, hash, NULL); /* an access token */
	}
	/* RFC 7009 2.2: 200 whether or not the token was known */
	reg_reply_json(x->rs, 200, NULL, CT_JSON);
}

void reg_oauth_revoke(struct ctx *x)
{
	cJSON *f = reg_auth_read_fields(x->rq);
	if (!f) {
		reg_auth_error(x->rs, 400, "invalid_request",
		               "The body is neither a form nor a JSON object.");
		return;
	}
	do_revoke(x, f);
	reg_auth_wipe_fields(f);
}

/* ---- the approval page ------------------------------------------------------------- */

/* The registry's confidentiality statement, as GET /auth/confidentiality gives it. */
static char *statement_text(struct ctx *x)
{
	struct reg_request rq = {.method = "GET",
	                         .path = "/auth/confidentiality",
	                         .base = x->rq->base,
	                         .now = x->rq->now,
	                         .admitted = true};
	struct reg_response rs;
	registry_handle(x->a, &rq, &rs);
	cJSON *j = rs.body ? cJSON_Parse(rs.body) : NULL;
	const char *t = str(j, "text");
	char *out = strdup(t ? t : "");
	cJSON_Delete(j);
	reg_response_free(&rs);
	return out;
}

/* The page: its message (NULL: none), an error or not, and the form when
 * there is something left to do. */
static void activate_page(struct ctx *x, int status, const char *code, const char *msg, bool error, bool form)
{
	struct reg_buf p = {0};
	reg_buf_put(&p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	                "<title>Sign in a registry terminal</title></head><body>\n"
	                "<h1>Sign in a registry terminal</h1>\n");
	if (msg) {
		reg_buf_put(&p, error ? "<p role=\"alert\"><strong>" : "<p role=\"status\"><strong>");
		reg_buf_text(&p, msg);
		reg_buf_put(&p, "</strong></p>\n");
	}
	if (form) {
		char *stmt = statement_text(x);
		reg_buf_put(&p, "<p>Type the code the terminal shows and log in with your own organization "
		                "code, username and password. The terminal is then signed in as you.</p>\n"
		                "<form method=\"post\" action=\"/auth/activate\">\n"
		                "<p><label>Code shown on the terminal <input name=\"user_code\" "
		                "autocomplete=\"off\" required value=\"");
		reg_buf_text(&p, code);
		reg_buf_put(&p, "\"></label></p>\n"
		                "<p><label>Organization code <input name=\"org_code\" required></label></p>\n"
		                "<p><label>Username <input name=\"username\" autocomplete=\"username\" "
		                "required></label></p>\n"
		                "<p><label>Password <input type=\"password\" name=\"password\" "
		                "autocomplete=\"current-password\" required></label></p>\n"
		                "<p>");
		reg_buf_text(&p, stmt);
		reg_buf_put(&p, "</p>\n<p><label><input type=\"checkbox\" name=\"confidentiality_accepted\" "
		                "value=\"true\"> I accept the statement above</label></p>\n"
		                "<p><button name=\"action\" value=\"approve\">Sign the terminal in</button> "
		                "<button name=\"action\" value=\"deny\">It was not me: refuse</button></p>\n"
		                "</form>\n");
		free(stmt);
	}
	reg_buf_put(&p, "</body></html>\n");
	free(x->rs->body);
	x->rs->status = status;
	x->rs->body = p.s;
	x->rs->content_type = CT_HTML;
}

void reg_oauth_activate_page(struct ctx *x)
{
	const char *code = reg_param(x->rq, "user_code");
	char norm[USER_CODE_LEN + 1], shown[USER_CODE_LEN + 2] = "";
	if (code && user_code_norm(code, norm))
		snprintf(shown, sizeof shown, "%.4s-%.4s", norm, norm + 4);
	activate_page(x, 200, shown, NULL, false, true);
}

/* Log in as the page's person through POST /auth/token itself, so the
 * login's rules, lockout and audit are the ones every login meets. On
 * success the session it made (user, org, role) is copied out and its
 * tokens dropped: the device gets its own. Otherwise msg says why. */
static bool page_login(struct ctx *x, const cJSON *f, struct store_session *ss, char *msg, size_t len)
{
	static const char *const keys[] = {"org_code", "username", "password", "confidentiality_accepted"};
	char *form = strdup("grant_type=password");
	for (size_t i = 0; form && i < sizeof keys / sizeof *keys; i++) {
		const char *v = str(f, keys[i]);
		/* the page shows the statement itself: its box ticked is "true",
		 * and nothing else (a deferred login would approve the device
		 * before the statement is accepted) */
		if (!strcmp(keys[i], "confidentiality_accepted") && (!v || strcmp(v, "true") != 0))
			v = "";
		char *enc = reg_url_encode(v ? v : "");
		char *more = NULL;
		if (enc && asprintf(&more, "%s&%s=%s", form, keys[i], enc) < 0)
			more = NULL;
		if (enc)
			OPENSSL_cleanse(enc, strlen(enc));
		free(enc);
		OPENSSL_cleanse(form, strlen(form));
		free(form);
		form = more;
	}
	if (!form)
		abort();
	struct reg_request rq = {.method = "POST",
	                         .path = "/auth/token",
	                         .content_type = "application/x-www-form-urlencoded",
	                         .base = x->rq->base,
	                         .body = form,
	                         .body_len = strlen(form),
	                         .now = x->rq->now,
	                         .admitted = x->rq->admitted};
	struct reg_response rs;
	registry_handle(x->a, &rq, &rs);
	OPENSSL_cleanse(form, strlen(form));
	free(form);
	cJSON *j = rs.body ? cJSON_Parse(rs.body) : NULL;
	bool ok = false;
	const char *access = str(j, "access_token"), *refresh = str(j, "refresh_token");
	if (rs.status == 200 && access) {
		struct store *st = reg_store(x->a);
		char hash[AUTH_TOKEN_LEN];
		auth_token_hash(access, hash);
		ok = store_token_get(st, hash, x->rq->now, ss, NULL) == 1;
		store_token_delete(st, hash, NULL);
		struct store_grant g;
		if (refresh) {
			auth_token_hash(refresh, hash);
			if (store_grant_get(st, 'R', hash, &g, NULL) == 1)
				store_grant_revoke(st, g.family, NULL);
		}
		if (!ok)
			snprintf(msg, len, "The registry could not complete the login; try again.");
	} else {
		const char *why = str(j, "error_description");
		bool statement =
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "confidentiality_required"));
		snprintf(msg, len, "%s",
		         statement ? "Accept the confidentiality statement to sign the terminal in."
		         : why     ? why
		                   : "The login was refused.");
	}
	if (j) {
		cJSON *c;
		cJSON_ArrayForEach(c, j) if (cJSON_IsString(c))
		    OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
		cJSON_Delete(j);
	}
	if (rs.body)
		OPENSSL_cleanse(rs.body, strlen(rs.body));
	reg_response_free(&rs);
	return ok;
}

static void do_activate(struct ctx *x, const cJSON *f)
{
	struct store *st = reg_store(x->a);
	char norm[USER_CODE_LEN + 1], shown[USER_CODE_LEN + 2] = "", msg[300];
	const char *action = str(f, "action");
	bool deny = action && !strcmp(action, "deny");
	if (!user_code_norm(str(f, "user_code"), norm)) {
		activate_page(x, 400, "", "That is not a code a terminal shows (8 letters).", true, true);
		return;
	}
	snprintf(shown, sizeof shown, "%.4s-%.4s", norm, norm + 4);
	struct store_grant uc, d;
	struct vax_error err = {0};
	int found = store_grant_get(st, 'U', norm, &uc, &err);
	if (found < 0) {
		reg_reply_err(x->rs, &err);
		return;
	}
	if (!found || uc.expires <= x->rq->now || store_grant_get(st, 'D', uc.family, &d, NULL) != 1 ||
	    d.state != D_PENDING) {
		activate_page(
		    x, 400, shown,
		    "That code is not waiting for a sign-in (it is mistyped, expired or used); ask the "
		    "terminal for a new one.",
		    true, true);
		return;
	}
	struct store_session ss = {0};
	if (!deny && !page_login(x, f, &ss, msg, sizeof msg)) {
		activate_page(x, 400, shown, msg, true, true);
		return;
	}
	d.state = deny ? D_DENIED : D_APPROVED;
	if (!deny) {
		d.user_id = ss.user_id;
		snprintf(d.org, sizeof d.org, "%s", ss.org);
		snprintf(d.role, sizeof d.role, "%s", ss.role);
	}
	if (!store_grant_update(st, &d, &err)) {
		reg_reply_err(x->rs, &err);
		return;
	}
	audit_grant(x, deny ? "" : ss.username, deny ? "" : ss.org,
	            deny ? "device-denied" : "device-approved");
	activate_page(x, 200, shown,
	              deny ? "The sign-in was refused. The terminal will say so."
	                   : "Done: the terminal is signed in. You can close this page.",
	              false, false);
}

void reg_oauth_activate(struct ctx *x)
{
	cJSON *f = reg_auth_read_fields(x->rq);
	if (!f) {
		activate_page(x, 400, "", "The form could not be read.", true, true);
		return;
	}
	do_activate(x, f);
	reg_auth_wipe_fields(f);
}
