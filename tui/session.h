/* tui/session.h - who is logged in at this terminal, and how: one state
 * machine over the registry login and its token, the local store's key, the
 * idle lock and the registry's reachability. The screens ask it; nothing
 * else keeps a copy of any of this. No curses here.
 *
 * States (struct session.state):
 *
 *   LOGGED_OUT --login online--> ONLINE --token runs out--> EXPIRED
 *        |                        ^  |                          |
 *        |--login offline--> OFFLINE |--idle / lock key--> LOCKED (over the
 *        |                        |  |                      state it came from)
 *        '<------- logout from any state ------------------'
 *
 *   ONLINE   a registry token and the user's store open.
 *   OFFLINE  the store opened with the password alone (the registry could
 *            not be reached at login); signing in later makes it ONLINE.
 *   EXPIRED  the token ran out while nobody worked: the store stays open and
 *            every screen stays as it is; the password logs in again (the
 *            same user and organization) and the state is ONLINE once more,
 *            or OFFLINE when the registry cannot be reached just then (the
 *            work goes on with the store, and signs in once it is back).
 *   LOCKED   idle lock (or the lock key): every screen is hidden; the
 *            password, checked here against a hash made at login, resumes.
 *            The store stays open, so the outbox goes on sending while the
 *            token lasts; a token that ran out under the lock is renewed
 *            with the password that unlocks.
 *
 * A person who is working is never stopped by the token's lifetime: when
 * less than a third of it is left and a key was pressed since it was issued,
 * session_tick() renews it (api_session_renew) while no other request is in
 * flight.
 *
 * Reachability ("maintenance" is one of its facts, not a state) comes from
 * every registry answer (session_note) and from a health probe that backs
 * off 15 s, 30 s, ... 5 min, or waits as long as the registry's Retry-After
 * says: one back-off for the whole program (the outbox's sending asks the
 * same probe when it meets an offline registry).
 *
 * Sign-ins without a password typed here (api/session.h: the device grant,
 * the workstation's client credentials, a bearer token set up for it): the
 * registry checked no secret this terminal could keep, so the store's key
 * and the idle lock answer a local passphrase instead, chosen at the
 * person's first such sign-in on this workstation and typed after every
 * later one (session_online_local). Offline, it opens the store exactly as
 * a password does (session_offline_login), and a person whose sign-in
 * needs no password here types it at the lock. A token that runs out is
 * renewed without the person where the sign-in allows it (a refresh token,
 * the client credentials again); where it does not (the registry refused
 * the refresh), the session goes on offline and signs in again by the same
 * way (app_go_online).
 *
 * The device grant is driven from session_tick: session_device_start() asks
 * the registry for a code, then polls at the registry's interval (five
 * seconds more after every slow_down, RFC 8628 3.5) until the person
 * approves (DEVICE_APPROVED: the token is held, the passphrase comes next),
 * refuses or lets the code expire (DEVICE_FAILED, with why in words).
 *
 * Roles: the registry names the user's role at the organization with the
 * token; session_may_write() says whether clients and doses may be written
 * and, if not, why in words ("Your role at HILLPEDS is view-only."). An
 * offline session uses the role of this user's last online login here, if
 * this process saw one.
 */
#ifndef VAX_TUI_SESSION_H
#define VAX_TUI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "api/session.h"
#include "cache/store.h"

enum session_state {
	SESSION_LOGGED_OUT,
	SESSION_ONLINE,
	SESSION_OFFLINE,
	SESSION_EXPIRED,
	SESSION_LOCKED,
};

/** What the terminal knows of the registry's reachability. */
enum net_state { NET_UNKNOWN, NET_NONE, NET_ONLINE, NET_OFFLINE, NET_MAINTENANCE };

struct session;

/** A session over the workstation's store (may be NULL) and the registry
 * connection (NULL when none is configured); both stay the caller's. */
struct session *session_new(struct cache_store *store, struct api_conn *conn);
/** Log out (wiping every secret) and free; NULL is fine. */
void session_free(struct session **s);

enum session_state session_state(const struct session *s);
/** The state a LOCKED session resumes (the state itself otherwise). */
enum session_state session_resumes(const struct session *s);
/** Someone is logged in (any state but LOGGED_OUT). */
bool session_in(const struct session *s);
/** Logged in with the store alone (OFFLINE, or LOCKED over it). */
bool session_offline(const struct session *s);
/** "" when nobody is logged in. */
const char *session_org(const struct session *s);
const char *session_user(const struct session *s);
const char *session_org_name(const struct session *s);
/** The rules the registry forecasts with (its login answer), "" if unsaid. */
const char *session_forecast_rules(const struct session *s);
enum api_role session_role(const struct session *s);
/** May this user write clients and doses here? If not, why in words. */
bool session_may_write(const struct session *s, char *why, size_t len);
/** The user's store, open; NULL when it is not (nobody in, or it failed). */
struct cache_store *session_store(const struct session *s);
/** The workstation's store handle whether or not it is open (NULL: none). */
struct cache_store *session_store_handle(const struct session *s);
struct api_session *session_api(const struct session *s);
struct api_conn *session_conn(const struct session *s);
/** A registry token is held and valid now (what sending needs). */
bool session_token(const struct session *s);

/* ---- logging in and out ---------------------------------------------------- */

/** The registry has checked the password (it asked for the statement, or
 * gave a token that waits for it): open this user's store now, while the
 * statement is read or the login's last request travels, so the key
 * derivation is not waited for when the login completes. */
bool session_unlock_early(struct session *s, const char *org, const char *user, const char *password,
                          int64_t now, struct vax_error *err);
/** The login did not complete (the statement was declined): shut the
 * store session_unlock_early() opened. */
void session_unlock_early_undo(struct session *s);
/** The registry accepted the password (api_session_login answered OK): open
 * this user's store with it, arm the lock, ONLINE. False (with err) if the
 * store could not open; the session is ONLINE all the same. */
bool session_online(struct session *s, const char *password, int64_t now, struct vax_error *err);
/** The registry cannot be reached: open the user's store with the password
 * alone (they logged in online here before). OFFLINE, or false with err. */
bool session_offline_login(struct session *s, const char *org, const char *user, const char *password,
                           struct vax_error *err);
/** The registry switched the token to another organization (POST
 * /auth/switch answered OK): its name and the role there are the session's. */
void session_switched(struct session *s);
/** Forget everything of the session: token, store key, lock hash, names. */
void session_logout(struct session *s);
/** The password changed at the registry: the lock and the store's key follow it. */
bool session_password_changed(struct session *s, const char *password, int64_t now, struct vax_error *err);

/* ---- signing in without a password typed here ---------------------------------- */

/** What a sign-in without an organization from the registry works for
 * (vaxdesk.conf's organization, else the registry's host); copied. */
void session_set_default_org(struct session *s, const char *org);
/** The organization such a sign-in works for. */
const char *session_default_org(const struct session *s);

enum device_state {
	DEVICE_IDLE,     /* none asked for */
	DEVICE_ASKING,   /* a code is being asked for */
	DEVICE_WAITING,  /* the code is shown; polling until the person answers */
	DEVICE_APPROVED, /* approved: the token is held; the passphrase next */
	DEVICE_FAILED,   /* refused, expired or unreachable: why in session_device_note */
};
/** Start a device sign-in; name is who signs in when the registry does not
 * say (may be ""). False (with why in the note) if it could not start. */
bool session_device_start(struct session *s, const char *name);
/** Give it up (the code is forgotten; the registry lets it expire). */
void session_device_cancel(struct session *s);
enum device_state session_device_state(const struct session *s);
/** The registry may offer sign-in on another device (it was not asked yet,
 * or it said so): the key for it is shown. */
bool session_device_offered(const struct session *s);
/** Changes each time what a device sign-in shows changes, or the
 * registry's capabilities arrive (the frame tells the screens: EVENT_SESSION). */
unsigned session_device_seq(const struct session *s);
/** The code, the address to type it at, and the one with the code in it. */
const struct api_device *session_device(const struct session *s);
/** What to tell the person now ("Waiting for your approval", why it failed). */
const char *session_device_note(const struct session *s);
/** Seconds between polls now; the wall-clock time the code stops working. */
long session_device_interval(const struct session *s);
int64_t session_device_expires(const struct session *s);

/** Sign the workstation in (its client credentials, else the bearer token
 * set up for it) for the person called name; cb gets the registry's answer. */
bool session_workstation_start(struct session *s, const char *name, api_session_fn cb, void *arg);
/** A token is held and the store waits for the local passphrase. */
bool session_signed_in(const struct session *s);
/** The signed-in person has a store here (the passphrase opens it) or not
 * (one is made with it). */
bool session_local_known(const struct session *s);
/** Open (or make) the signed-in person's store with their local passphrase:
 * ONLINE, and the lock answers it. Codes: CACHE-BAD-PASSWORD,
 * CACHE-OFFLINE-LOCKED (cache_login_offline's words). */
bool session_online_local(struct session *s, const char *passphrase, int64_t now, struct vax_error *err);
/** A forgotten passphrase: a new one, with a new store, when nothing waits
 * to be sent in the old one (CACHE-KEY-OLD-PASSWORD otherwise). */
bool session_local_reset(struct session *s, const char *passphrase, int64_t now, struct vax_error *err);
/** The session's secret is a local passphrase (not a registry password). */
bool session_local(const struct session *s);
/** A session with the store open signs in again as the workstation (its
 * client credentials, else its bearer token; the passphrase goes nowhere).
 * True if it started: cb gets the answer, to hand to session_relogin_done().
 * False when this workstation has neither (then: a password, or a device
 * sign-in and session_device_adopt). */
bool session_sign_in_again(struct session *s, api_session_fn cb, void *arg);
/** An offline (or renewal-less) session's device sign-in was approved: it
 * goes ONLINE if the registry signed in the same user and organization
 * whose store is open (SESSION-OTHER-USER otherwise, and the token goes). */
bool session_device_adopt(struct session *s, struct vax_error *err);

/* ---- lock and expiry ---------------------------------------------------------- */

/** Idle lock or the lock key (no-op unless ONLINE, OFFLINE or EXPIRED). */
void session_lock(struct session *s);
/** The password typed at the lock (also when EXPIRED). True if it is this
 * user's. *relogin is set when the token must be renewed with it: call
 * session_relogin() with the same password (the state stays as it is until
 * the registry answers). Otherwise the session resumes at once. */
bool session_unlock(struct session *s, const char *password, bool *relogin);
/** Log in again as the same user and organization with password (EXPIRED,
 * LOCKED over an expired token, or OFFLINE signing in to the registry);
 * cb gets the registry's answer after session_relogin_done() has run. */
bool session_relogin(struct session *s, const char *password, bool accepted, const char *challenge_answer,
                     api_session_fn cb, void *arg);
/** The registry's answer to session_relogin(): ONLINE on success (the store
 * re-wrapped for the password if it changed at the registry); an expired
 * session whose registry cannot be reached goes on OFFLINE; the password is
 * wiped either way. False (with err) if the store could not follow. */
bool session_relogin_done(struct session *s, const struct api_result *res, struct vax_error *err);
/** A login answer is awaited (relogin or renewal). */
bool session_pending(const struct session *s);
/** The token ran out (ONLINE only): EXPIRED. */
void session_expire(struct session *s);

/* ---- the registry's reachability ------------------------------------------- */

enum net_state session_net(const struct session *s);
/** Why it is offline, in words ("" when online). */
const char *session_net_detail(const struct session *s);
/** The registry's Retry-After in seconds, -1 if none. */
long session_retry_after(const struct session *s);
/** Take note of a registry answer. Returns the reachability before it.
 * An expired token (ONLINE) makes the session EXPIRED. */
enum net_state session_note(struct session *s, const struct api_result *res);
/** Something that sends met an offline registry: offline now (why in words),
 * probe again with the back-off, or after retry_after_s if it is > 0. */
void session_note_offline(struct session *s, long retry_after_s, const char *why);
/** What the registry offers ($match, $immds-forecast), from the
 * CapabilityStatement the health probe reads; known false until one came. */
const struct api_capability *session_capability(const struct session *s);
/** The capabilities are needed: true if they are known; otherwise the
 * CapabilityStatement is asked for (once), and the screens hear of its
 * answer through session_device_seq() like a sign-in's progress. */
bool session_capability_need(struct session *s);
/** Ask the registry's health now. */
void session_probe_now(struct session *s);
/** Once per loop turn: the probe, the token's renewal and its expiry.
 * last_input_ms: when a key was last pressed. Returns true if anything
 * shown may have changed (state, reachability). */
bool session_tick(struct session *s, int64_t now_ms, int64_t last_input_ms);

/** Monotonic milliseconds. */
int64_t session_now_ms(void);

#endif
