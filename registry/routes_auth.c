/* registry/routes_auth.c - login, organization switch, passwords, resets.
 *
 * Lockout as ImmTrac2 does it: after 3 failed logins the next ones need the
 * answer to a text challenge (a word a terminal can show); after 3 more the
 * account needs a password reset. Unknown users get the same answers as
 * known ones (their failures are counted too, in memory), so the endpoint
 * does not tell who has an account; a wrong challenge answer gets the same
 * words whether the password was right or not.
 *
 * Sessions end: a token is refused once the account needs a reset, or when
 * the password changed after the token was issued (a change, a reset); a
 * switch of organization keeps the session's end, never extends it. Wrong
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

#include "registry/routes_int.h"
#include "registry/auth.h"

#define CHALLENGE_AFTER   3
#define RESET_AFTER       6
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

static void oauth_error(struct reg_response *rs, int status, const char *error, const char *desc,
                        int attempts, const char *captcha, bool reset)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", error);
	cJSON_AddStringToObject(j, "error_description", desc);
	if (attempts >= 0)
		cJSON_AddNumberToObject(j, "attempts_remaining", attempts);
	if (captcha) {
		char buf[80];
		snprintf(buf, sizeof buf, "Type the word shown: %s", captcha);
		cJSON_AddStringToObject(j, "captcha", buf);
	}
	cJSON_AddBoolToObject(j, "reset_required", reset);
	reg_reply_json(rs, status, j, CT_JSON);
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

/* Failed logins of names that are no account, so they are answered as a
 * real one would be (attempts left, challenge, reset): a small table in
 * memory, the oldest entry reused when full. */
#define UNKNOWN_MAX 1024
static struct {
	char name[65];
	int failures;
	char challenge[33];
	unsigned stamp;
} unknown[UNKNOWN_MAX];
static unsigned unknown_clock;
static pthread_mutex_t unknown_lock = PTHREAD_MUTEX_INITIALIZER;

/* One more failure of an unknown name; its count and challenge word are
 * copied to u. */
static void unknown_fail(const char *name, struct store_user *u)
{
	pthread_mutex_lock(&unknown_lock);
	int slot = -1, oldest = 0;
	for (int i = 0; i < UNKNOWN_MAX && slot < 0; i++) {
		if (!strcmp(unknown[i].name, name))
			slot = i;
		else if (unknown[i].stamp < unknown[oldest].stamp)
			oldest = i;
	}
	if (slot < 0) {
		slot = oldest;
		memset(&unknown[slot], 0, sizeof unknown[slot]);
		snprintf(unknown[slot].name, sizeof unknown[slot].name, "%s", name);
	}
	unknown[slot].stamp = ++unknown_clock;
	unknown[slot].failures++;
	if (unknown[slot].failures >= RESET_AFTER)
		unknown[slot].challenge[0] = '\0';
	else if (unknown[slot].failures >= CHALLENGE_AFTER)
		snprintf(unknown[slot].challenge, sizeof unknown[slot].challenge, "%s",
		         auth_challenge_word());
	u->failures = unknown[slot].failures;
	u->reset_required = unknown[slot].failures >= RESET_AFTER;
	snprintf(u->challenge, sizeof u->challenge, "%s", unknown[slot].challenge);
	pthread_mutex_unlock(&unknown_lock);
}

/* Issue a token for user/org/role ending at expires (0: a full lifetime
 * from now) and reply with it. */
static void issue_token(struct ctx *x, const struct store_user *u, const char *org, const char *role,
                        int64_t expires)
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
	if (!store_token_add(st, hash, &ss, &err)) {
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
	reg_reply_json(x->rs, 200, j, CT_JSON);
	OPENSSL_cleanse(token, sizeof token);
}

static void do_token(struct ctx *x, const cJSON *f)
{
	struct store *st = reg_store(x->a);
	const char *grant = field(f, "grant_type"), *org = field(f, "org_code");
	const char *user = field(f, "username"), *pw = field(f, "password");
	const char *answer = field(f, "challenge_answer");
	if (!answer)
		answer = field(f, "captcha_answer");
	const char *accepted = field(f, "confidentiality_accepted");
	if (!grant || strcmp(grant, "password") != 0) {
		oauth_error(x->rs, 400, "unsupported_grant_type", "Use grant_type=password.", -1, NULL,
		            false);
		return;
	}
	if (!org || !*org || !user || !*user || !pw || !*pw) {
		oauth_error(x->rs, 400, "invalid_request",
		            "Enter the organization code, username and password.", -1, NULL, false);
		return;
	}
	if (!accepted || strcmp(accepted, "true") != 0) {
		oauth_error(x->rs, 400, "invalid_request",
		            "Read and accept the confidentiality statement (GET /auth/confidentiality; send "
		            "confidentiality_accepted=true) to log in.",
		            -1, NULL, false);
		return;
	}
	struct store_user u;
	struct vax_error err = {0};
	int found = store_user_get(st, user, &u, &err);
	if (found < 0) {
		store_failed(x->rs, &err);
		return;
	}
	if (!found) {
		/* the answers and the time a real account would get */
		auth_verify_password(pw, auth_dummy_hash());
		struct store_user ghost = {0};
		unknown_fail(user, &ghost);
		audit_user(x, user, org, "login-failed");
		int left = ghost.failures < CHALLENGE_AFTER ? CHALLENGE_AFTER - ghost.failures
		                                            : RESET_AFTER - ghost.failures;
		oauth_error(
		    x->rs, 400, "invalid_grant",
		    ghost.reset_required ? "Too many failed logins: this account needs a password reset "
		                           "(POST /auth/password-reset)."
		    : ghost.failures > CHALLENGE_AFTER
		        ? "The organization code, username, password or challenge answer is not right."
		        : "The organization code, username or password is not right.",
		    left < 0 ? 0 : left, ghost.challenge[0] ? ghost.challenge : NULL, ghost.reset_required);
		return;
	}
	if (u.reset_required) {
		auth_verify_password(pw, auth_dummy_hash());
		audit_user(x, user, org, "login-failed");
		oauth_error(x->rs, 400, "invalid_grant",
		            "Too many failed logins: this account needs a password reset (POST "
		            "/auth/password-reset).",
		            0, NULL, true);
		return;
	}
	bool challenge_ok = true;
	if (u.failures >= CHALLENGE_AFTER)
		challenge_ok = answer && u.challenge[0] && !strcasecmp(answer, u.challenge);
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
	if (pw_ok && member == 1 && challenge_ok && !cur.reset_required) {
		cur.failures = 0;
		cur.challenge[0] = '\0';
		if (!store_user_update(st, &cur, &err) ||
		    !store_login_record(st, cur.id, org, x->rq->now, STATEMENT_VERSION, &err) ||
		    !store_commit(st, &err)) {
			store_rollback(st);
			store_failed(x->rs, &err);
			return;
		}
		audit_user(x, cur.username, org, "login");
		issue_token(x, &cur, org, role, 0);
		return;
	}
	cur.failures++;
	const char *word = NULL;
	if (cur.failures >= RESET_AFTER) {
		cur.reset_required = true;
		cur.challenge[0] = '\0';
	} else if (cur.failures >= CHALLENGE_AFTER) {
		word = auth_challenge_word();
		snprintf(cur.challenge, sizeof cur.challenge, "%s", word);
	}
	if (!store_user_update(st, &cur, &err) || !store_commit(st, &err)) {
		store_rollback(st);
		store_failed(x->rs, &err);
		return;
	}
	audit_user(x, cur.username, org, cur.reset_required ? "lockout" : "login-failed");
	int left =
	    cur.failures < CHALLENGE_AFTER ? CHALLENGE_AFTER - cur.failures : RESET_AFTER - cur.failures;
	/* in the challenge phase the words never tell whether the password was right */
	const char *desc =
	    cur.reset_required
	        ? "Too many failed logins: this account needs a password reset (POST /auth/password-reset)."
	    : cur.failures > CHALLENGE_AFTER
	        ? "The organization code, username, password or challenge answer is not right."
	        : "The organization code, username or password is not right.";
	oauth_error(x->rs, 400, "invalid_grant", desc, left < 0 ? 0 : left, word, cur.reset_required);
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
		reg_reply_oo(x->rs, 500, "exception", err.code, err.message, NULL);
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
		oauth_error(x->rs, 403, "access_denied", "You are not a member of that organization.", -1,
		            NULL, false);
		return;
	}
	struct store_user u;
	if (store_user_by_id(st, x->ss.user_id, &u, &err) != 1) {
		store_failed(x->rs, &err);
		return;
	}
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(x->rq->authorization + 7, hash);
	store_token_delete(st, hash, NULL);
	audit_user(x, u.username, org, "switch");
	/* the new organization's token ends when the session would have */
	issue_token(x, &u, org, role, x->ss.expires);
}

/* The new password against the rules and the last 6 passwords. */
static bool new_password_ok(struct ctx *x, int64_t user_id, const char *pw, const char *confirm,
                            const char *previous)
{
	struct vax_error err = {0};
	if (!confirm || strcmp(pw, confirm) != 0) {
		oauth_error(x->rs, 400, "invalid_request", "The two new passwords are not the same.", -1,
		            NULL, false);
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
	/* a second ahead: tokens are stamped in seconds, and one issued in this
	 * second before the change must count as before it (issue_token gives
	 * later ones this time as their start) */
	u->pw_changed = x->rq->now + 1;
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
	if (!cur || !auth_verify_password(cur, u.hash)) {
		/* guessing here counts as guessing at the login: the same lockout */
		u.failures++;
		if (u.failures >= RESET_AFTER)
			u.reset_required = true;
		store_user_update(st, &u, NULL);
		audit_user(x, u.username, x->ss.org, u.reset_required ? "lockout" : "password-failed");
		oauth_error(x->rs, 400, "invalid_grant",
		            u.reset_required
		                ? "Too many wrong passwords: this account needs a password reset."
		                : "The current password is not right.",
		            u.reset_required ? 0 : RESET_AFTER - u.failures, NULL, u.reset_required);
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
		snprintf(token, sizeof token, "%lld-%s", (long long)x->rq->now, rnd);
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
		            -1, NULL, false);
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
		    NULL, false);
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
		            -1, NULL, false);
		return;
	}
	fn(x, f);
	wipe_fields(f);
}

void reg_auth_error(struct reg_response *rs, int status, const char *error, const char *desc)
{
	oauth_error(rs, status, error, desc, -1, NULL, false);
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
