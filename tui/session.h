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

/** The registry has checked the password (it asked for the statement):
 * open this user's store now, while the login's last request travels, so
 * the key derivation is not waited for when the token comes. */
bool session_unlock_early(struct session *s, const char *org, const char *user, const char *password,
                          int64_t now, struct vax_error *err);
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
/** Ask the registry's health now. */
void session_probe_now(struct session *s);
/** Once per loop turn: the probe, the token's renewal and its expiry.
 * last_input_ms: when a key was last pressed. Returns true if anything
 * shown may have changed (state, reachability). */
bool session_tick(struct session *s, int64_t now_ms, int64_t last_input_ms);

/** Monotonic milliseconds. */
int64_t session_now_ms(void);

#endif
