/* api/session.c - see session.h */
#include "api/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#define FORM_CT  "application/x-www-form-urlencoded"
#define FORM_MAX 4096

#define GRANT_DEVICE "urn:ietf:params:oauth:grant-type:device_code"

enum op {
	OP_NONE = 0,
	OP_CONFIDENTIALITY,
	OP_LOGIN,
	OP_SWITCH,
	OP_RENEW,
	OP_CHANGE,
	OP_RESET_REQUEST,
	OP_RESET_CONFIRM,
	OP_DISCOVER,
	OP_DEVICE_START,
	OP_DEVICE_POLL,
	OP_CLIENT,
	OP_BEARER,
};

struct api_session {
	struct api_conn *conn;
	struct api_req *req;
	enum op op;
	api_session_fn cb;
	void *arg;

	bool logged_in;
	char user[65];
	char org[33];
	char org_name[101];
	bool accepted;
	struct api_org orgs[API_ORGS_MAX];
	int n_orgs;
	int64_t expires_at; /* CLOCK_MONOTONIC seconds; 0 = unknown */
	int64_t lifetime;   /* seconds the registry gave the token; 0 = unknown */
	enum api_role role;
	bool reset_required;
	char *conf_text;
	char conf_version[33];
	char forecast_rules[64]; /* the registry's, from its token answer */
	struct api_token_error login_error;
	struct api_result res; /* what the callback sees */

	/* how this registry signs in, and how this session did */
	struct api_smart smart;
	bool discovered;
	enum api_signin signin;
	char client_id[128];
	char client_secret[512];     /* the workstation's (client_credentials), wiped */
	char bearer[API_TOKEN_MAX];  /* a bearer token set up for this workstation, wiped */
	char refresh[API_TOKEN_MAX]; /* the registry's refresh token, wiped */
	char profile_name[101];
	struct api_device device;
	struct api_req *revoke; /* a refresh token being revoked at logout */
	struct api_req *logout; /* an access token being ended at logout (vaxregd) */
	/* a deferred login's token, held off the connection until the person
	 * accepts the statement (api_session_accept_statement), wiped */
	bool awaiting;
	char held[API_TOKEN_MAX];
};

static int64_t mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

bool api_form_encode(char *buf, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		             (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
		if (o + (plain ? 1 : 3) >= len)
			return false;
		if (plain) {
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		}
	}
	if (o >= len)
		return false;
	buf[o] = '\0';
	return true;
}

/* Append "&name=value" to a form body; the temporary is wiped. */
static bool form_add(char *form, size_t len, const char *name, const char *value)
{
	char enc[FORM_MAX];
	if (!value)
		return true;
	if (!api_form_encode(enc, sizeof enc, value))
		return false;
	size_t o = strlen(form);
	int n = snprintf(form + o, len - o, "%s%s=%s", o ? "&" : "", name, enc);
	OPENSSL_cleanse(enc, sizeof enc);
	return n >= 0 && (size_t)n < len - o;
}

struct api_session *api_session_new(struct api_conn *conn)
{
	struct api_session *s = calloc(1, sizeof *s);
	if (s) {
		s->conn = conn;
		api_smart_default(&s->smart);
		snprintf(s->client_id, sizeof s->client_id, "vaxdesk");
	}
	return s;
}

static void drop_req(struct api_session *s)
{
	api_req_free(s->req); /* wipes a secret body */
	s->req = NULL;
	s->op = OP_NONE;
}

void api_session_cancel(struct api_session *s)
{
	drop_req(s);
}

static bool form_add(char *form, size_t len, const char *name, const char *value);

/* RFC 7009: the registry forgets the refresh token (the answer does not
 * matter: a token it does not know is no use to anyone either). */
static void revoke_refresh(struct api_session *s)
{
	char form[FORM_MAX + 64] = "";
	if (!s->refresh[0] || !s->smart.revocation_endpoint[0])
		return;
	api_req_free(s->revoke);
	s->revoke = api_req_new(s->conn, "POST", s->smart.revocation_endpoint, NULL);
	if (s->revoke) {
		api_req_no_auth(s->revoke);
		if (!form_add(form, sizeof form, "token", s->refresh) ||
		    !form_add(form, sizeof form, "token_type_hint", "refresh_token") ||
		    !form_add(form, sizeof form, "client_id", s->client_id) ||
		    !api_req_body_secret(s->revoke, FORM_CT, form, strlen(form)) ||
		    !api_req_send(s->revoke, NULL, NULL)) {
			api_req_free(s->revoke);
			s->revoke = NULL;
		}
	}
	OPENSSL_cleanse(form, sizeof form);
}

/* vaxregd's own login ends the access token at logout too (POST
 * /auth/logout): a copy of it is no use afterwards. held: a token not on
 * the connection yet (a statement declined). The answer does not matter. */
static void end_token(struct api_session *s, const char *held)
{
	bool on_conn = s->logged_in && !(held && *held);
	if (!s->smart.org_code || (!on_conn && !(held && *held)))
		return;
	api_req_free(s->logout);
	s->logout = api_req_new(s->conn, "POST", "/auth/logout", NULL);
	if (!s->logout)
		return;
	if (!on_conn)
		api_conn_set_token(s->conn, held);
	if (!api_req_send(s->logout, NULL, NULL)) {
		api_req_free(s->logout);
		s->logout = NULL;
	}
}

void api_session_logout(struct api_session *s)
{
	revoke_refresh(s);
	end_token(s, s->awaiting ? s->held : NULL);
	api_session_forget(s);
}

void api_session_forget(struct api_session *s)
{
	api_conn_set_token(s->conn, NULL);
	OPENSSL_cleanse(s->refresh, sizeof s->refresh);
	OPENSSL_cleanse(s->held, sizeof s->held);
	s->awaiting = false;
	api_device_wipe(&s->device);
	s->logged_in = false;
	s->expires_at = 0;
	s->lifetime = 0;
	s->role = API_ROLE_UNKNOWN;
	s->signin = API_SIGNIN_NONE;
	s->profile_name[0] = '\0';
}

void api_session_free(struct api_session *s)
{
	if (!s)
		return;
	drop_req(s);
	api_session_forget(s); /* the tokens go with the process: nothing to revoke */
	api_req_free(s->revoke);
	api_req_free(s->logout);
	free(s->conf_text);
	OPENSSL_cleanse(s->client_secret, sizeof s->client_secret);
	OPENSSL_cleanse(s->bearer, sizeof s->bearer);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
}

static void take_statement(struct api_session *s, const struct api_result *res, struct api_token_error *e);

/* Keep the token answer: set the bearer, remember org and lifetime. A
 * deferred login's token (confidentiality_required) is held instead: the
 * session is not logged in until the statement is accepted. */
static bool take_token(struct api_session *s, const struct api_result *res)
{
	struct api_token *t = malloc(sizeof *t);
	if (!t) {
		s->res.cls = API_LOCAL;
		return error_set(&s->res.err, "API-NOMEM", "Out of memory.");
	}
	bool ok = api_token_parse(res->body, res->body_len, t, &s->res.err);
	if (ok && t->confidentiality_required && s->op == OP_LOGIN) {
		api_conn_set_token(s->conn, NULL);
		memcpy(s->held, t->access_token, sizeof s->held);
		s->awaiting = true;
		s->login_error.confidentiality_required = true;
		take_statement(s, res, &s->login_error);
	} else if (ok) {
		/* renewed before any request took the acceptance to the registry:
		 * the new token waits as the old one did, so the acceptance goes
		 * with it (a new token drops it otherwise) */
		char version[sizeof s->conf_version] = "";
		if (t->confidentiality_required && api_conn_statement_pending(s->conn))
			snprintf(version, sizeof version, "%s", s->conf_version);
		api_conn_set_token(s->conn, t->access_token);
		if (version[0])
			api_conn_set_statement(s->conn, version);
		OPENSSL_cleanse(s->held, sizeof s->held);
		s->awaiting = false;
	}
	if (ok) {
		/* a rotated refresh token replaces the old one; an answer without
		 * one (a switch, a registry that rotates none) keeps it */
		if (t->refresh_token[0])
			memcpy(s->refresh, t->refresh_token, sizeof s->refresh);
		if (t->username[0])
			snprintf(s->user, sizeof s->user, "%s", t->username);
		if (t->profile_name[0])
			snprintf(s->profile_name, sizeof s->profile_name, "%s", t->profile_name);
		s->logged_in = !s->awaiting;
		s->expires_at = t->expires_in > 0 ? mono_now() + t->expires_in : 0;
		s->lifetime = t->expires_in > 0 ? t->expires_in : 0;
		s->role = !strcmp(t->role, "provider") ? API_ROLE_PROVIDER
		          : !strcmp(t->role, "view")   ? API_ROLE_VIEW
		          : !strcmp(t->role, "school") ? API_ROLE_SCHOOL
		                                       : API_ROLE_UNKNOWN;
		s->reset_required = t->reset_required;
		if (t->org_code[0])
			snprintf(s->org, sizeof s->org, "%s", t->org_code);
		snprintf(s->org_name, sizeof s->org_name, "%s", t->org_name);
		snprintf(s->forecast_rules, sizeof s->forecast_rules, "%s", t->forecast_rules);
		if (t->n_orgs) {
			memcpy(s->orgs, t->orgs, sizeof s->orgs);
			s->n_orgs = t->n_orgs;
		}
	} else {
		s->res.cls = API_PROTOCOL;
	}
	api_token_wipe(t);
	free(t);
	return ok;
}

/* The statement that came with a "confidentiality_required" refusal
 * (vaxregd sends it there, saving a slow link the GET): kept as if fetched,
 * and e->statement says so. */
static void take_statement(struct api_session *s, const struct api_result *res, struct api_token_error *e)
{
	cJSON *j = cJSON_ParseWithLength(res->body, res->body_len);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "confidentiality");
	char *body = cJSON_IsObject(st) ? cJSON_PrintUnformatted(st) : NULL;
	char *text = NULL;
	if (body && api_confidentiality_parse(body, strlen(body), "application/json", &text, s->conf_version,
	                                      sizeof s->conf_version, NULL)) {
		free(s->conf_text);
		s->conf_text = text;
		e->statement = true;
	}
	free(body);
	cJSON_Delete(j);
}

/* A refused login: say what the person can do next. */
static void login_refused(struct api_session *s, const struct api_result *res)
{
	struct api_token_error *e = &s->login_error;
	if (!api_token_error_parse(res->body, res->body_len, e))
		return; /* not RFC 6749: keep the transport's classification */
	s->res.cls = API_AUTH;
	s->res.expired = false;
	const char *why =
	    e->description[0] ? e->description : "The organization code, user name or password is wrong.";
	if (e->confidentiality_required) {
		error_set(&s->res.err, "API-AUTH-CONFIDENTIALITY", "%s", why);
		take_statement(s, res, e);
	} else if (e->reset_required) {
		error_set(&s->res.err, "API-AUTH-RESET-REQUIRED",
		          "%s The account is locked: reset the password (F4 on the login screen) "
		          "or call the registry help desk.",
		          why);
	} else if (e->captcha) {
		error_set(&s->res.err, "API-AUTH-CHALLENGE", "%s Answer the challenge to go on%s%s.", why,
		          e->challenge[0] ? ": " : "", e->challenge);
	} else if (e->retry_after > 0) {
		/* the registry's words say how long; they are enough */
		error_set(&s->res.err, "API-AUTH-WAIT", "%s", why);
	} else if (e->attempts_remaining >= 0) {
		error_set(&s->res.err, "API-AUTH-LOGIN", "%s %d attempt%s left before the account is locked.",
		          why, e->attempts_remaining, e->attempts_remaining == 1 ? "" : "s");
	} else {
		error_set(&s->res.err, "API-AUTH-LOGIN", "%s", why);
	}
}

/* The registry's sign-in configuration arrived (or did not). */
static void discovered(struct api_session *s, const struct api_result *res)
{
	if (res->cls == API_OFFLINE || res->cls == API_TLS || res->cls == API_LOCAL)
		return; /* not known yet: ask again when the registry answers */
	s->discovered = true;
	if (res->cls != API_OK) {
		api_smart_default(&s->smart); /* none published: vaxregd's own login */
		s->res.cls = API_OK;
		return;
	}
	char origin[API_URL_MAX];
	api_conn_origin(s->conn, origin, sizeof origin);
	if (!api_smart_parse(res->body, res->body_len, origin, &s->smart, &s->res.err))
		s->res.cls = API_PROTOCOL;
}

static void on_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct api_session *s = arg;
	api_req_wipe_body(req);
	s->res = *res;
	enum op op = s->op;
	bool token_op = op == OP_LOGIN || op == OP_RENEW || op == OP_DEVICE_POLL || op == OP_CLIENT;
	if (op == OP_DISCOVER) {
		discovered(s, res);
	} else if (res->cls == API_OK) {
		switch (op) {
		case OP_LOGIN:
		case OP_SWITCH:
		case OP_RENEW:
		case OP_DEVICE_POLL:
		case OP_CLIENT:
			if (take_token(s, res) && op != OP_SWITCH && op != OP_RENEW)
				s->signin = op == OP_LOGIN         ? API_SIGNIN_PASSWORD
				            : op == OP_DEVICE_POLL ? API_SIGNIN_DEVICE
				                                   : API_SIGNIN_CLIENT;
			break;
		case OP_BEARER:
			/* the token set up for this workstation works */
			api_conn_set_token(s->conn, s->bearer);
			s->logged_in = true;
			s->expires_at = 0;
			s->lifetime = 0;
			s->role = API_ROLE_UNKNOWN;
			s->signin = API_SIGNIN_BEARER;
			break;
		case OP_DEVICE_START:
			if (!api_device_parse(res->body, res->body_len, &s->device, &s->res.err))
				s->res.cls = API_PROTOCOL;
			break;
		case OP_CONFIDENTIALITY: {
			char *text = NULL;
			if (api_confidentiality_parse(res->body, res->body_len, res->content_type, &text,
			                              s->conf_version, sizeof s->conf_version, &s->res.err)) {
				free(s->conf_text);
				s->conf_text = text;
			} else {
				s->res.cls = API_PROTOCOL;
			}
			break;
		}
		case OP_CHANGE:
			s->reset_required = false;
			break;
		default:
			break;
		}
	} else if (token_op && (res->status == 400 || res->status == 401 || res->status == 403)) {
		login_refused(s, res);
		if (op == OP_RENEW && !strcmp(s->login_error.error, "invalid_grant"))
			OPENSSL_cleanse(s->refresh, sizeof s->refresh); /* dead: never sent again */
	} else if (op == OP_BEARER && res->cls == API_AUTH) {
		api_conn_set_token(s->conn, NULL);
		error_set(&s->res.err, "API-AUTH-BEARER",
		          "The registry refused the token set up for this workstation (token_file): ask who "
		          "set it up for a new one.");
	} else if (res->cls != API_OK && !(res->cls == API_AUTH && res->expired)) {
		/* /auth/ errors are RFC 6749 JSON, not OperationOutcome: their
		 * description (a password rule, "not a member") is the message */
		struct api_token_error e;
		if (api_token_error_parse(res->body, res->body_len, &e) && e.description[0])
			error_set(&s->res.err, s->res.err.code, "%s", e.description);
	}
	api_session_fn cb = s->cb;
	void *cbarg = s->arg;
	s->op = OP_NONE;
	if (cb)
		cb(s, &s->res, cbarg);
	/* the request (and its wiped secret body) is freed at the next start
	 * or at api_session_free: res still points into it for the callback */
}

static bool start(struct api_session *s, enum op op, const char *method, const char *path, const char *form,
                  bool auth, api_session_fn cb, void *arg)
{
	drop_req(s);
	s->req = api_req_new(s->conn, method, path, NULL);
	if (!s->req)
		return false;
	if (!auth)
		api_req_no_auth(s->req);
	/* what a form is answered with: JSON (RFC 6749 5.1) */
	if (form)
		api_req_accept(s->req, "application/json");
	if (form && !api_req_body_secret(s->req, FORM_CT, form, strlen(form))) {
		drop_req(s);
		return false;
	}
	s->op = op;
	s->cb = cb;
	s->arg = arg;
	if (!api_req_send(s->req, on_done, s)) {
		drop_req(s);
		return false;
	}
	return true;
}

bool api_session_fetch_confidentiality(struct api_session *s, api_session_fn cb, void *arg)
{
	return start(s, OP_CONFIDENTIALITY, "GET", "/auth/confidentiality", NULL, false, cb, arg);
}

const char *api_session_confidentiality(const struct api_session *s)
{
	return s->conf_text ? s->conf_text : "";
}

const char *api_session_confidentiality_version(const struct api_session *s)
{
	return s->conf_version;
}

bool api_session_login(struct api_session *s, const char *org, const char *user, const char *password,
                       const char *challenge_answer, bool accepted, api_session_fn cb, void *arg)
{
	char form[FORM_MAX] = "";
	memset(&s->login_error, 0, sizeof s->login_error);
	s->login_error.attempts_remaining = -1;
	bool ok = form_add(form, sizeof form, "grant_type", "password") &&
	          form_add(form, sizeof form, "username", user) &&
	          form_add(form, sizeof form, "password", password) &&
	          form_add(form, sizeof form, "org_code", s->smart.org_code ? org : NULL) &&
	          form_add(form, sizeof form, "client_id", s->client_id) &&
	          form_add(form, sizeof form, "challenge_answer",
	                   challenge_answer && *challenge_answer ? challenge_answer : NULL) &&
	          /* vaxregd's own login: the token and the statement in one
	           * answer (one round trip and one password check fewer); a
	           * registry that knows no "deferred" answers as without it */
	          form_add(form, sizeof form, "confidentiality_accepted",
	                   accepted            ? "true"
	                   : s->smart.org_code ? "deferred"
	                                       : NULL);
	if (ok) {
		snprintf(s->user, sizeof s->user, "%s", user);
		snprintf(s->org, sizeof s->org, "%s", org);
		s->accepted = accepted;
		ok = start(s, OP_LOGIN, "POST", s->smart.token_endpoint, form, false, cb, arg);
	}
	OPENSSL_cleanse(form, sizeof form);
	return ok;
}

bool api_session_relogin(struct api_session *s, const char *password, api_session_fn cb, void *arg)
{
	char user[sizeof s->user], org[sizeof s->org];
	memcpy(user, s->user, sizeof user);
	memcpy(org, s->org, sizeof org);
	return api_session_login(s, org, user, password, NULL, s->accepted, cb, arg);
}

bool api_session_awaiting_statement(const struct api_session *s)
{
	return s->awaiting;
}

bool api_session_accept_statement(struct api_session *s)
{
	if (!s->awaiting || !s->conf_version[0])
		return false;
	api_conn_set_token(s->conn, s->held);
	api_conn_set_statement(s->conn, s->conf_version);
	OPENSSL_cleanse(s->held, sizeof s->held);
	s->awaiting = false;
	s->logged_in = true;
	s->accepted = true; /* a login again after expiry, as after a one-request one */
	return true;
}

void api_session_decline_statement(struct api_session *s)
{
	if (!s->awaiting)
		return;
	/* the registry forgets both tokens where it can: a copy of the access
	 * token would serve whoever sent the statement's version with it */
	revoke_refresh(s);
	end_token(s, s->held);
	api_session_forget(s);
}

const struct api_token_error *api_session_login_error(const struct api_session *s)
{
	return &s->login_error;
}

bool api_session_switch(struct api_session *s, const char *org, api_session_fn cb, void *arg)
{
	char form[256] = "";
	if (!form_add(form, sizeof form, "org_code", org))
		return false;
	return start(s, OP_SWITCH, "POST", "/auth/switch", form, true, cb, arg);
}

bool api_session_renew(struct api_session *s, api_session_fn cb, void *arg)
{
	char form[FORM_MAX + 256] = "";
	bool ok = false;
	if (s->refresh[0]) {
		/* RFC 6749 6: the refresh token the registry gave; no password */
		ok = form_add(form, sizeof form, "grant_type", "refresh_token") &&
		     form_add(form, sizeof form, "refresh_token", s->refresh) &&
		     form_add(form, sizeof form, "client_id", s->client_id) &&
		     start(s, OP_RENEW, "POST", s->smart.token_endpoint, form, false, cb, arg);
	} else if (s->signin == API_SIGNIN_CLIENT) {
		ok = api_session_client_login(s, cb, arg); /* the workstation signs in again */
	} else if (s->logged_in && s->signin != API_SIGNIN_BEARER && s->smart.org_code) {
		/* vaxregd without refresh tokens: the same organization again */
		ok = form_add(form, sizeof form, "org_code", s->org) &&
		     start(s, OP_RENEW, "POST", "/auth/switch", form, true, cb, arg);
	}
	OPENSSL_cleanse(form, sizeof form);
	return ok;
}

bool api_session_can_renew(const struct api_session *s)
{
	return s->refresh[0] || s->signin == API_SIGNIN_CLIENT ||
	       (s->logged_in && s->signin != API_SIGNIN_BEARER && s->smart.org_code);
}

void api_session_configure(struct api_session *s, const struct api_auth_config *c)
{
	snprintf(s->client_id, sizeof s->client_id, "%s",
	         c->client_id && *c->client_id ? c->client_id : "vaxdesk");
	OPENSSL_cleanse(s->client_secret, sizeof s->client_secret);
	OPENSSL_cleanse(s->bearer, sizeof s->bearer);
	if (c->client_secret)
		snprintf(s->client_secret, sizeof s->client_secret, "%s", c->client_secret);
	if (c->bearer)
		snprintf(s->bearer, sizeof s->bearer, "%s", c->bearer);
}

bool api_session_discover(struct api_session *s, api_session_fn cb, void *arg)
{
	return start(s, OP_DISCOVER, "GET", "/.well-known/smart-configuration", NULL, false, cb, arg);
}

bool api_session_discovered(const struct api_session *s)
{
	return s->discovered;
}

const struct api_smart *api_session_smart(const struct api_session *s)
{
	return &s->smart;
}

bool api_session_device_start(struct api_session *s, api_session_fn cb, void *arg)
{
	char form[256] = "";
	api_device_wipe(&s->device);
	memset(&s->login_error, 0, sizeof s->login_error);
	s->login_error.attempts_remaining = -1;
	if (!(s->smart.grants & API_GRANT_DEVICE))
		return false;
	return form_add(form, sizeof form, "client_id", s->client_id) &&
	       start(s, OP_DEVICE_START, "POST", s->smart.device_endpoint, form, false, cb, arg);
}

const struct api_device *api_session_device(const struct api_session *s)
{
	return &s->device;
}

bool api_session_device_poll(struct api_session *s, api_session_fn cb, void *arg)
{
	char form[FORM_MAX] = "";
	memset(&s->login_error, 0, sizeof s->login_error);
	s->login_error.attempts_remaining = -1;
	bool ok = s->device.device_code[0] && form_add(form, sizeof form, "grant_type", GRANT_DEVICE) &&
	          form_add(form, sizeof form, "device_code", s->device.device_code) &&
	          form_add(form, sizeof form, "client_id", s->client_id) &&
	          start(s, OP_DEVICE_POLL, "POST", s->smart.token_endpoint, form, false, cb, arg);
	OPENSSL_cleanse(form, sizeof form);
	return ok;
}

bool api_session_client_login(struct api_session *s, api_session_fn cb, void *arg)
{
	char form[FORM_MAX + 256] = "";
	memset(&s->login_error, 0, sizeof s->login_error);
	s->login_error.attempts_remaining = -1;
	/* client_secret_post: the secret travels in the body, which is wiped
	 * when the request ends (a header would not be) */
	bool ok = s->client_secret[0] && form_add(form, sizeof form, "grant_type", "client_credentials") &&
	          form_add(form, sizeof form, "client_id", s->client_id) &&
	          form_add(form, sizeof form, "client_secret", s->client_secret) &&
	          start(s, OP_CLIENT, "POST", s->smart.token_endpoint, form, false, cb, arg);
	OPENSSL_cleanse(form, sizeof form);
	return ok;
}

bool api_session_bearer_login(struct api_session *s, api_session_fn cb, void *arg)
{
	if (!s->bearer[0])
		return false;
	/* a read that needs the token and returns no record: the count of
	 * clients (FHIR's _summary=count), so nothing is fetched to check it */
	api_conn_set_token(s->conn, s->bearer);
	if (start(s, OP_BEARER, "GET", "/Patient?_summary=count", NULL, true, cb, arg))
		return true;
	api_conn_set_token(s->conn, NULL);
	return false;
}

enum api_signin api_session_signin(const struct api_session *s)
{
	return s->logged_in ? s->signin : API_SIGNIN_NONE;
}

bool api_session_has_client_secret(const struct api_session *s)
{
	return s->client_secret[0] != '\0';
}

bool api_session_has_refresh(const struct api_session *s)
{
	return s->refresh[0] != '\0';
}

const char *api_session_profile_name(const struct api_session *s)
{
	return s->profile_name;
}

void api_session_set_who(struct api_session *s, const char *org, const char *user)
{
	/* the caller may pass the session's own names back */
	char o[sizeof s->org], u[sizeof s->user];
	snprintf(o, sizeof o, "%s", org ? org : s->org);
	snprintf(u, sizeof u, "%s", user ? user : s->user);
	memcpy(s->org, o, sizeof o);
	memcpy(s->user, u, sizeof u);
}

static bool two_passwords(struct api_session *s, enum op op, const char *path, const char *first_name,
                          const char *first, const char *new_pw, const char *new_pw2, bool auth,
                          api_session_fn cb, void *arg)
{
	char form[FORM_MAX] = "";
	bool ok = form_add(form, sizeof form, first_name, first) &&
	          form_add(form, sizeof form, "new_password", new_pw) &&
	          form_add(form, sizeof form, "new_password_confirm", new_pw2) &&
	          start(s, op, "POST", path, form, auth, cb, arg);
	OPENSSL_cleanse(form, sizeof form);
	return ok;
}

bool api_session_change_password(struct api_session *s, const char *old_pw, const char *new_pw,
                                 const char *new_pw2, api_session_fn cb, void *arg)
{
	return two_passwords(s, OP_CHANGE, "/auth/password", "current_password", old_pw, new_pw, new_pw2,
	                     true, cb, arg);
}

bool api_session_reset_request(struct api_session *s, const char *org, const char *user, const char *email,
                               api_session_fn cb, void *arg)
{
	char form[FORM_MAX] = "";
	bool ok = form_add(form, sizeof form, "org_code", org) &&
	          form_add(form, sizeof form, "username", user) &&
	          form_add(form, sizeof form, "email", email) &&
	          start(s, OP_RESET_REQUEST, "POST", "/auth/password-reset", form, false, cb, arg);
	OPENSSL_cleanse(form, sizeof form);
	return ok;
}

bool api_session_reset_confirm(struct api_session *s, const char *token, const char *new_pw,
                               const char *new_pw2, api_session_fn cb, void *arg)
{
	return two_passwords(s, OP_RESET_CONFIRM, "/auth/password-reset/confirm", "token", token, new_pw,
	                     new_pw2, false, cb, arg);
}

bool api_session_logged_in(const struct api_session *s)
{
	return s->logged_in && api_session_expires_in(s) > 0;
}

int64_t api_session_expires_in(const struct api_session *s)
{
	if (!s->logged_in)
		return 0;
	if (!s->expires_at)
		return INT64_MAX;
	int64_t left = s->expires_at - mono_now();
	return left > 0 ? left : 0;
}

int64_t api_session_lifetime(const struct api_session *s)
{
	return s->logged_in ? s->lifetime : 0;
}

enum api_role api_session_role(const struct api_session *s)
{
	return s->logged_in ? s->role : API_ROLE_UNKNOWN;
}

const char *api_role_words(enum api_role r)
{
	switch (r) {
	case API_ROLE_PROVIDER:
		return "provider";
	case API_ROLE_VIEW:
		return "view-only";
	case API_ROLE_SCHOOL:
		return "school";
	case API_ROLE_UNKNOWN:
		break;
	}
	return "";
}

bool api_session_reset_required(const struct api_session *s)
{
	return s->reset_required;
}

const char *api_session_user(const struct api_session *s)
{
	return s->user;
}

const char *api_session_org(const struct api_session *s)
{
	return s->org;
}

const char *api_session_forecast_rules(const struct api_session *s)
{
	return s->forecast_rules;
}

const char *api_session_org_name(const struct api_session *s)
{
	return s->org_name;
}

int api_session_orgs(const struct api_session *s, const struct api_org **orgs)
{
	*orgs = s->orgs;
	return s->n_orgs;
}

bool api_session_busy(const struct api_session *s)
{
	return s->op != OP_NONE;
}
