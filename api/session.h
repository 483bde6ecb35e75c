/* api/session.h - login, organization, password: the registry session.
 *
 * Wire (DESIGN.md section 4): every /auth/ POST is a form
 * (application/x-www-form-urlencoded), as RFC 6749 4.3 has it for the token
 * endpoint:
 *   POST /auth/token   grant_type=password, username, password, org_code,
 *                      [challenge_answer], confidentiality_accepted=true|deferred
 *     200 {"access_token","token_type":"Bearer","expires_in","org_code",
 *          "org_name", ["organizations":[{"code","name"}]], ["reset_required"],
 *          ["forecast_rules"] (the registry's CDSi engine and data),
 *          with deferred: "confidentiality_required":true,
 *          "confidentiality":{"version","text"}}
 *     400/401 {"error","error_description","attempts_remaining",
 *              "retry_after":<seconds>,"reset_required"}
 *     vaxregd slows logins after failures (retry_after: the wait before the
 *     next attempt counts); a registry that asks a challenge instead sends
 *     "captcha":"<challenge>" and takes challenge_answer.
 *   GET  /auth/confidentiality           {"version","text"} or text/plain
 *   POST /auth/switch  org_code           (bearer) -> a token answer
 *   POST /auth/password  current_password, new_password, new_password_confirm (bearer)
 *   POST /auth/password-reset  org_code, username, email -> 202 always
 *   POST /auth/password-reset/confirm  token, new_password, new_password_confirm
 *
 * Everything is asynchronous like the transport: each call starts one
 * request and calls back from api_pump(). One session operation at a time;
 * starting another cancels the first (no callback for it).
 *
 * Passwords: the caller's buffers are only read; the form bodies built from
 * them are wiped (OPENSSL_cleanse) as soon as the request finishes, and the
 * token is wiped when replaced. The caller wipes its own input fields.
 *
 * Expiry: a 401 on a request that carried the token comes back as API_AUTH
 * with res->expired (code API-AUTH-EXPIRED). Ask for the password, call
 * api_session_relogin(), then api_req_send() the failed request again: it
 * picks up the new token, and nothing typed is lost.
 *
 * Renewal: a person who is working is not stopped by the token's lifetime.
 * api_session_renew() asks POST /auth/switch for the organization the token
 * is bound to already: the registry answers with a fresh token for the same
 * user, organization and role, exactly as a switch does, and retires the old
 * one. Renew while no other request is in flight, so none is sent with a
 * token the registry has just retired.
 *
 * Signing in (DESIGN.md section 4, SMART App Launch discovery): the registry
 * says how in its SMART configuration (api_session_discover; a registry that
 * publishes none is taken as vaxdesk's registry before it did: the password
 * grant at /auth/token with an org_code). The ways a terminal can:
 *   - the password grant (api_session_login), with the org_code where the
 *     registry asks for one;
 *   - the device grant (RFC 8628: api_session_device_start, then
 *     api_session_device_poll every interval until the person approved on
 *     another device; the registry's "authorization_pending", "slow_down",
 *     "expired_token" or "access_denied" come back in
 *     api_session_login_error()->error);
 *   - the workstation's own client credentials (api_session_client_login,
 *     RFC 6749 4.4, for registries that authorize workstations);
 *   - a bearer token set up for the workstation (api_session_bearer_login
 *     checks it once with a count of clients).
 * A refresh token the registry issues is kept in memory only and renews the
 * session (api_session_renew: the refresh grant; rotated tokens replace the
 * old one); a workstation with client credentials signs in again instead;
 * otherwise vaxregd's /auth/switch to the same organization. Logging out
 * revokes the refresh token at the registry's revocation endpoint.
 *
 * Roles: the token answer names the user's role in its organization
 * ("provider" reads and writes, "view" reads, "school" reads and keeps
 * school lists); api_session_role() gives it, API_ROLE_UNKNOWN when the
 * registry does not say (the registry then decides each write alone).
 *
 * Confidentiality: vaxregd checks the password before the statement, so the
 * statement is shown only to someone who typed the right password, at every
 * login. A login not yet accepted asks confidentiality_accepted=deferred
 * where the registry takes vaxregd's login (api_smart.org_code): vaxregd
 * then answers 200 with the token and the statement, and the token serves
 * nothing until a request carries "Confidentiality-Accepted: <version>".
 * The session holds that token and is not logged in
 * (api_session_awaiting_statement; login_error()->confidentiality_required
 * and ->statement set, api_session_confidentiality() holds the text) until
 * api_session_accept_statement() puts it on the connection, which sends the
 * header with every request until one is answered 2xx (the registry then
 * recorded the acceptance), or api_session_decline_statement() forgets it.
 * One request and one password check for the whole login. A registry that
 * knows no "deferred" (vaxregd before it) answers as without the field: the
 * login is refused with login_error()->confidentiality_required (and the
 * statement, ->statement, where it sends it; otherwise fetch it), and the
 * login goes again with accepted=true.
 */
#ifndef VAX_API_SESSION_H
#define VAX_API_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "api/http.h"
#include "api/oauth.h"
#include "api/response.h"

struct api_session;

/** What the user may do at the token's organization (the registry's word). */
enum api_role {
	API_ROLE_UNKNOWN,  /* not named: the registry decides each write */
	API_ROLE_PROVIDER, /* "provider": reads and writes clients and doses */
	API_ROLE_VIEW,     /* "view": reads only */
	API_ROLE_SCHOOL,   /* "school": reads clients and doses, keeps school lists */
};

/** How the current token was got. */
enum api_signin {
	API_SIGNIN_NONE,
	API_SIGNIN_PASSWORD, /* a person's password at this terminal */
	API_SIGNIN_DEVICE,   /* a person approved on another device */
	API_SIGNIN_CLIENT,   /* the workstation's client credentials */
	API_SIGNIN_BEARER,   /* a bearer token set up for the workstation */
};

/** What this workstation brings to sign in besides a person's password
 * (vaxdesk.conf); strings are copied, secrets wiped when replaced or freed. */
struct api_auth_config {
	const char *client_id;     /* sent with every grant; NULL or "": "vaxdesk" */
	const char *client_secret; /* the workstation's secret (client credentials), NULL if none */
	const char *bearer;        /* a bearer token set up for the workstation, NULL if none */
};

/** Called when a session operation ends; res->cls == API_OK on success. */
typedef void (*api_session_fn)(struct api_session *s, const struct api_result *res, void *arg);

/** A session over a connection (not owned). */
struct api_session *api_session_new(struct api_conn *conn);
/** Cancel what is in flight, wipe the token, free. */
void api_session_free(struct api_session *s);

/** Fetch the confidentiality statement (no login needed). */
bool api_session_fetch_confidentiality(struct api_session *s, api_session_fn cb, void *arg);
/** The statement fetched ("" before), and its version ("" if unversioned). */
const char *api_session_confidentiality(const struct api_session *s);
const char *api_session_confidentiality_version(const struct api_session *s);

/** Log in. challenge_answer may be NULL; accepted: the user accepted the
 * confidentiality statement just shown (else vaxregd is asked to defer it).
 * On API_AUTH the details are in api_session_login_error(); on API_OK see
 * api_session_awaiting_statement(). */
bool api_session_login(struct api_session *s, const char *org, const char *user, const char *password,
                       const char *challenge_answer, bool accepted, api_session_fn cb, void *arg);
/** A login answered API_OK holds a token that waits for the statement
 * (a deferred login, see Confidentiality above): not logged in yet. */
bool api_session_awaiting_statement(const struct api_session *s);
/** The person accepted the statement shown: the held token goes on the
 * connection with the acceptance, and the session is logged in. False if
 * no token waits, or no statement version is known. */
bool api_session_accept_statement(struct api_session *s);
/** The person declined it: the held token is forgotten and ended at the
 * registry as at a logout (api_session_logout). */
void api_session_decline_statement(struct api_session *s);
/** After API-AUTH-EXPIRED: log in again as the same user and organization. */
bool api_session_relogin(struct api_session *s, const char *password, api_session_fn cb, void *arg);
/** Ask for a fresh token for the same user and organization while the
 * current one is still valid (see Renewal above). */
bool api_session_renew(struct api_session *s, api_session_fn cb, void *arg);
/** Why the last login was refused (attempts left, challenge, reset needed). */
const struct api_token_error *api_session_login_error(const struct api_session *s);

/** Switch to another organization the user belongs to (a new token). */
bool api_session_switch(struct api_session *s, const char *org, api_session_fn cb, void *arg);
/** Change the password (logged in). */
bool api_session_change_password(struct api_session *s, const char *old_pw, const char *new_pw,
                                 const char *new_pw2, api_session_fn cb, void *arg);
/** Ask for a reset e-mail; the registry answers 202 whatever the account. */
bool api_session_reset_request(struct api_session *s, const char *org, const char *user, const char *email,
                               api_session_fn cb, void *arg);
/** Set a new password with the token from the e-mail. */
bool api_session_reset_confirm(struct api_session *s, const char *token, const char *new_pw,
                               const char *new_pw2, api_session_fn cb, void *arg);
/** Take what this workstation brings to sign in (see struct api_auth_config). */
void api_session_configure(struct api_session *s, const struct api_auth_config *c);
/** Ask the registry how to sign in (its SMART configuration). cb gets
 * API_OK when it is known (published or not); API_OFFLINE when the registry
 * could not be asked (ask again later). */
bool api_session_discover(struct api_session *s, api_session_fn cb, void *arg);
/** The configuration has been read (or the registry has none). */
bool api_session_discovered(const struct api_session *s);
/** How this registry signs in (api_smart_default() until discovered). */
const struct api_smart *api_session_smart(const struct api_session *s);
/** Device grant: ask for a code (false if the registry has no device grant). */
bool api_session_device_start(struct api_session *s, api_session_fn cb, void *arg);
/** The code, the address and the interval the registry gave. */
const struct api_device *api_session_device(const struct api_session *s);
/** Device grant: ask whether the person has approved (not before the interval). */
bool api_session_device_poll(struct api_session *s, api_session_fn cb, void *arg);
/** Sign the workstation in with its client credentials. */
bool api_session_client_login(struct api_session *s, api_session_fn cb, void *arg);
/** Sign in with the bearer token set up for the workstation (checked once). */
bool api_session_bearer_login(struct api_session *s, api_session_fn cb, void *arg);
/** How the current token was got (API_SIGNIN_NONE when none is held). */
enum api_signin api_session_signin(const struct api_session *s);
/** api_session_renew() can get a new token without a person (a refresh
 * token, client credentials, vaxregd's switch). */
bool api_session_can_renew(const struct api_session *s);
/** The workstation has a client secret (client credentials). */
bool api_session_has_client_secret(const struct api_session *s);
/** A refresh token is held. */
bool api_session_has_refresh(const struct api_session *s);
/** The signed-in profile's name as the registry gave it ("" if none). */
const char *api_session_profile_name(const struct api_session *s);
/** Name the organization and user of a sign-in whose answer names none
 * (client credentials, a bearer token): the store and the status line use them. */
void api_session_set_who(struct api_session *s, const char *org, const char *user);
/** Stop the operation in flight, if any (no callback for it). */
void api_session_cancel(struct api_session *s);
/** Forget the token and end it at the registry: vaxregd's own login sends
 * POST /auth/logout with it (a copy of it is no use afterwards); the
 * refresh token is revoked (RFC 7009). Neither answer is waited for. */
void api_session_logout(struct api_session *s);
/** Forget the tokens without a word to the registry (the program ends:
 * they were only ever in this process's memory). */
void api_session_forget(struct api_session *s);

bool api_session_logged_in(const struct api_session *s);
/** Seconds until the token expires (INT64_MAX if the registry gave no
 * lifetime, 0 if expired or not logged in). */
int64_t api_session_expires_in(const struct api_session *s);
/** The lifetime the registry gave the current token, in seconds (0 if it
 * gave none or no one is logged in). */
int64_t api_session_lifetime(const struct api_session *s);
/** The user's role at the current organization. */
enum api_role api_session_role(const struct api_session *s);
/** The role in words for a person: "provider", "view-only", "school", "". */
const char *api_role_words(enum api_role r);
/** True if the registry asks for a new password before anything else. */
bool api_session_reset_required(const struct api_session *s);
const char *api_session_user(const struct api_session *s);
const char *api_session_org(const struct api_session *s);
const char *api_session_org_name(const struct api_session *s);
/** The rules the registry forecasts with (its token answer's
 * "forecast_rules", cdsi_data_rules()), "" when it does not say. */
const char *api_session_forecast_rules(const struct api_session *s);
/** Organizations the user may switch to. */
int api_session_orgs(const struct api_session *s, const struct api_org **orgs);
/** True while an operation is in flight. */
bool api_session_busy(const struct api_session *s);

/** Percent-encode `s` into buf for a form body (RFC 3986 unreserved kept).
 * False if buf is too small. */
bool api_form_encode(char *buf, size_t len, const char *s);

#endif
