/* tui/session.c - see session.h */
#include "config.h"

#include "tui/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/xalloc.h"

#define PROBE_FIRST_MS 15000LL   /* the first probe after going offline */
#define PROBE_MAX_MS   300000LL  /* the back-off's longest pause */
#define PROBE_GUARD_MS 60000LL   /* a probe in flight: not another before it ends */
#define PROBE_NEVER    INT64_MAX /* online or not asked yet: every request tells */
#define RENEW_MIN_S    5         /* renew at the latest this long before expiry */

struct session {
	enum session_state state;
	enum session_state resume; /* LOCKED: the state the password resumes */
	char org[64], user[128], org_name[128];
	char early_org[64], early_user[128]; /* the store opened ahead of the token (session_unlock_early) */
	enum api_role role;
	/* the last online role of (org, user) in this process, for an offline session */
	char role_org[64], role_user[128];
	enum api_role role_known;

	struct cache_store *store;
	struct api_conn *conn;
	struct api_session *api;

	/* the idle lock: a hash of the password made at login */
	unsigned char salt[16], hash[32];
	bool armed;

	/* a login answer awaited: relogin (password kept for the store) or renewal */
	bool relogin, renewing;
	char password[256];
	int64_t issued_ms; /* when the current token came */

	/* reachability */
	enum net_state net;
	char net_detail[VAX_ERROR_MSG_LEN];
	long retry_after;
	struct api_req *probe;
	bool probing;
	int failures; /* probes that failed in a row: the back-off */
	int64_t next_probe_ms;
};

int64_t session_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct session *session_new(struct cache_store *store, struct api_conn *conn)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->store = store;
	s->conn = conn;
	s->api = conn ? api_session_new(conn) : NULL;
	s->net = conn ? NET_UNKNOWN : NET_NONE;
	s->retry_after = -1;
	/* no probe at start: the login is the first thing said to the registry,
	 * and on a slow link every request is a round trip the user waits for */
	s->next_probe_ms = PROBE_NEVER;
	return s;
}

static void wipe_password(struct session *s)
{
	OPENSSL_cleanse(s->password, sizeof s->password);
}

void session_free(struct session **sp)
{
	struct session *s = *sp;
	if (!s)
		return;
	session_logout(s);
	api_req_free(s->probe);
	api_session_free(s->api);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
	*sp = NULL;
}

enum session_state session_state(const struct session *s)
{
	return s->state;
}

enum session_state session_resumes(const struct session *s)
{
	return s->state == SESSION_LOCKED ? s->resume : s->state;
}

bool session_in(const struct session *s)
{
	return s->state != SESSION_LOGGED_OUT;
}

bool session_offline(const struct session *s)
{
	return session_resumes(s) == SESSION_OFFLINE;
}

const char *session_org(const struct session *s)
{
	return s->org;
}

const char *session_user(const struct session *s)
{
	return s->user;
}

const char *session_org_name(const struct session *s)
{
	return s->org_name[0] ? s->org_name : s->org;
}

enum api_role session_role(const struct session *s)
{
	return s->role;
}

bool session_may_write(const struct session *s, char *why, size_t len)
{
	if (s->role != API_ROLE_VIEW && s->role != API_ROLE_SCHOOL)
		return true;
	if (why)
		snprintf(why, len, "Your role at %s is %s: %s.", s->org, api_role_words(s->role),
		         s->role == API_ROLE_VIEW ? "you can look records up, not change them"
		                                  : "you can look records up and keep school lists, not "
		                                    "change clients or doses");
	return false;
}

struct cache_store *session_store(const struct session *s)
{
	return s->state != SESSION_LOGGED_OUT && s->store && cache_unlocked(s->store) ? s->store : NULL;
}

struct cache_store *session_store_handle(const struct session *s)
{
	return s->store;
}

struct api_session *session_api(const struct session *s)
{
	return s->api;
}

struct api_conn *session_conn(const struct session *s)
{
	return s->conn;
}

bool session_token(const struct session *s)
{
	return s->api && api_session_logged_in(s->api) &&
	       (s->state == SESSION_ONLINE || (s->state == SESSION_LOCKED && s->resume == SESSION_ONLINE));
}

/* ---- the lock hash ---------------------------------------------------------------- */

static void lock_hash(const unsigned char salt[16], const char *pw, unsigned char out[32])
{
	/* the hash only has to outlast a walk to the printer, not an offline
	 * attack on a core file (core dumps are off) */
	PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, 16, 20000, EVP_sha256(), 32, out);
}

static void arm(struct session *s, const char *password)
{
	if (RAND_bytes(s->salt, sizeof s->salt) != 1) {
		s->armed = false;
		return;
	}
	lock_hash(s->salt, password, s->hash);
	s->armed = true;
}

static bool check(const struct session *s, const char *password)
{
	unsigned char h[32];
	if (!s->armed)
		return false;
	lock_hash(s->salt, password, h);
	bool ok = CRYPTO_memcmp(h, s->hash, sizeof h) == 0;
	OPENSSL_cleanse(h, sizeof h);
	return ok;
}

/* ---- logging in and out --------------------------------------------------------------- */

/* The token answer's names and role become the session's. */
static void take_login(struct session *s)
{
	snprintf(s->org, sizeof s->org, "%s", api_session_org(s->api));
	snprintf(s->user, sizeof s->user, "%s", api_session_user(s->api));
	snprintf(s->org_name, sizeof s->org_name, "%s", api_session_org_name(s->api));
	s->role = api_session_role(s->api);
	snprintf(s->role_org, sizeof s->role_org, "%s", s->org);
	snprintf(s->role_user, sizeof s->role_user, "%s", s->user);
	s->role_known = s->role;
	s->issued_ms = session_now_ms();
}

bool session_unlock_early(struct session *s, const char *org, const char *user, const char *password,
                          int64_t now, struct vax_error *err)
{
	s->early_org[0] = s->early_user[0] = '\0';
	if (!s->store || !cache_login_online(s->store, org, user, password, now, err))
		return false;
	snprintf(s->early_org, sizeof s->early_org, "%s", org);
	snprintf(s->early_user, sizeof s->early_user, "%s", user);
	return true;
}

bool session_online(struct session *s, const char *password, int64_t now, struct vax_error *err)
{
	take_login(s);
	s->state = SESSION_ONLINE;
	arm(s, password);
	if (!s->store)
		return true;
	/* opened already while the login's last request travelled */
	bool early = !strcasecmp(s->early_org, s->org) && !strcmp(s->early_user, s->user) &&
	             s->early_user[0] && cache_unlocked(s->store);
	s->early_org[0] = s->early_user[0] = '\0';
	if (early)
		return true;
	return cache_login_online(s->store, s->org, s->user, password, now, err);
}

bool session_offline_login(struct session *s, const char *org, const char *user, const char *password,
                           struct vax_error *err)
{
	if (!s->store || !cache_has_user(s->store, org, user)) {
		error_set(err, "CACHE-NO-OFFLINE",
		          "Offline login needs one online login on this workstation first.");
		return false;
	}
	if (!cache_login_offline(s->store, org, user, password, err))
		return false;
	snprintf(s->org, sizeof s->org, "%s", org);
	snprintf(s->user, sizeof s->user, "%s", user);
	s->org_name[0] = '\0';
	/* the role this process last saw the registry give them here, if any */
	s->role = !strcmp(s->role_org, org) && !strcmp(s->role_user, user) ? s->role_known : API_ROLE_UNKNOWN;
	s->state = SESSION_OFFLINE;
	arm(s, password);
	return true;
}

void session_switched(struct session *s)
{
	if (s->state != SESSION_LOGGED_OUT && s->api && api_session_logged_in(s->api))
		take_login(s);
}

void session_logout(struct session *s)
{
	if (s->api)
		api_session_logout(s->api);
	if (s->store)
		cache_lock(s->store);
	wipe_password(s);
	OPENSSL_cleanse(s->hash, sizeof s->hash);
	s->armed = false;
	s->relogin = s->renewing = false;
	s->org[0] = s->user[0] = s->org_name[0] = '\0';
	s->role = API_ROLE_UNKNOWN;
	s->state = SESSION_LOGGED_OUT;
	s->resume = SESSION_LOGGED_OUT;
}

bool session_password_changed(struct session *s, const char *password, int64_t now, struct vax_error *err)
{
	arm(s, password);
	if (!session_store(s))
		return true;
	return cache_login_online(s->store, s->org, s->user, password, now, err);
}

/* ---- lock and expiry ---------------------------------------------------------------------- */

void session_lock(struct session *s)
{
	if (s->state != SESSION_ONLINE && s->state != SESSION_OFFLINE && s->state != SESSION_EXPIRED)
		return;
	if (!s->armed)
		return;
	s->resume = s->state;
	s->state = SESSION_LOCKED;
}

void session_expire(struct session *s)
{
	if (s->state == SESSION_ONLINE && !s->relogin)
		s->state = SESSION_EXPIRED;
	else if (s->state == SESSION_LOCKED && s->resume == SESSION_ONLINE)
		s->resume = SESSION_EXPIRED; /* the password that unlocks renews it */
}

bool session_unlock(struct session *s, const char *password, bool *relogin)
{
	*relogin = false;
	if ((s->state != SESSION_LOCKED && s->state != SESSION_EXPIRED) || !check(s, password))
		return false;
	enum session_state to = s->state == SESSION_LOCKED ? s->resume : s->state;
	if (to == SESSION_ONLINE && s->api && !api_session_logged_in(s->api))
		to = SESSION_EXPIRED;
	if (to == SESSION_EXPIRED && s->api) {
		*relogin = true;
		return true;
	}
	s->state = to == SESSION_EXPIRED ? SESSION_ONLINE : to;
	return true;
}

bool session_relogin(struct session *s, const char *password, bool accepted, const char *challenge_answer,
                     api_session_fn cb, void *arg)
{
	if (!s->api || s->state == SESSION_LOGGED_OUT)
		return false;
	snprintf(s->password, sizeof s->password, "%s", password);
	s->relogin =
	    api_session_login(s->api, s->org, s->user, password, challenge_answer, accepted, cb, arg);
	s->renewing = false;
	if (!s->relogin)
		wipe_password(s);
	return s->relogin;
}

bool session_relogin_done(struct session *s, const struct api_result *res, struct vax_error *err)
{
	bool ok = true;
	s->relogin = false;
	if (res->cls == API_OK && s->state != SESSION_LOGGED_OUT) {
		take_login(s);
		s->state = SESSION_ONLINE;
		s->resume = SESSION_LOGGED_OUT;
		/* the password may have changed at the registry since the store
		 * or the lock last saw it: both follow the registry's */
		arm(s, s->password);
		if (s->store)
			ok = cache_login_online(s->store, s->org, s->user, s->password, (int64_t)time(NULL),
			                        err);
	} else if ((res->cls == API_OFFLINE || res->cls == API_TLS) &&
	           (s->state == SESSION_EXPIRED ||
	            (s->state == SESSION_LOCKED && s->resume == SESSION_EXPIRED))) {
		/* the password was this user's (checked at the lock), but the
		 * registry cannot take it now: go on working with the store, as
		 * an offline session that signs in once the registry is back */
		api_session_logout(s->api);
		s->state = SESSION_OFFLINE;
		s->resume = SESSION_LOGGED_OUT;
	}
	wipe_password(s);
	return ok;
}

bool session_pending(const struct session *s)
{
	return s->relogin || s->renewing;
}

/* ---- reachability ------------------------------------------------------------------------ */

enum net_state session_net(const struct session *s)
{
	return s->net;
}

const char *session_net_detail(const struct session *s)
{
	return s->net_detail;
}

long session_retry_after(const struct session *s)
{
	return s->retry_after;
}

/* The next probe: the back-off while offline, Retry-After when given;
 * none while online (each request says whether the registry answers, and
 * a probe now and then would cost a metered link a connection a minute). */
static void schedule(struct session *s, long retry_after_s, bool failed)
{
	int64_t wait = PROBE_FIRST_MS;
	if (s->net == NET_ONLINE) {
		s->failures = 0;
		s->retry_after = retry_after_s;
		s->next_probe_ms = PROBE_NEVER;
		return;
	} else if (failed) {
		int n = s->failures < 5 ? s->failures : 5;
		wait = PROBE_FIRST_MS << n;
		if (wait > PROBE_MAX_MS)
			wait = PROBE_MAX_MS;
		s->failures++;
	}
	s->retry_after = retry_after_s;
	if (retry_after_s > 0 && retry_after_s < 24 * 3600)
		wait = retry_after_s * 1000LL;
	s->next_probe_ms = session_now_ms() + wait;
}

enum net_state session_note(struct session *s, const struct api_result *res)
{
	enum net_state was = s->net;
	switch (res->cls) {
	case API_OFFLINE:
		s->net = res->status == 503 ? NET_MAINTENANCE : NET_OFFLINE;
		snprintf(s->net_detail, sizeof s->net_detail, "%s", res->err.message);
		break;
	case API_TLS:
	case API_LOCAL:
		s->net = NET_OFFLINE;
		snprintf(s->net_detail, sizeof s->net_detail, "%s", res->err.message);
		break;
	case API_CANCELLED:
		return was;
	default:
		/* any answer from the registry itself means it is reachable */
		s->net = NET_ONLINE;
		s->net_detail[0] = '\0';
		/* a token it refused: ask for the password over the screens; not
		 * for an answer to a request sent with the token a renewal just
		 * replaced */
		if (res->cls == API_AUTH && res->expired && !s->relogin && !s->renewing &&
		    !(api_session_logged_in(s->api) && session_now_ms() - s->issued_ms < 10000))
			session_expire(s);
		break;
	}
	schedule(s, res->retry_after, s->net != NET_ONLINE);
	return was;
}

void session_note_offline(struct session *s, long retry_after_s, const char *why)
{
	if (s->net == NET_ONLINE || s->net == NET_UNKNOWN) {
		s->net = NET_OFFLINE;
		snprintf(s->net_detail, sizeof s->net_detail, "%s", why);
	}
	schedule(s, retry_after_s, true);
}

static void probe_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	(void)req;
	s->probing = false;
	session_note(s, res);
}

void session_probe_now(struct session *s)
{
	if (!s->conn)
		return;
	if (!s->probe) {
		struct vax_error err;
		s->probe = api_req_new(s->conn, "GET", "/metadata?_summary=true", &err);
		if (!s->probe)
			return;
		api_req_no_auth(s->probe);
		/* asked again and again while offline: after the first answer a
		 * 304, the headers only */
		api_req_conditional(s->probe);
	}
	if (s->probing)
		return;
	s->probing = api_req_send(s->probe, probe_done, s);
	s->next_probe_ms = session_now_ms() + PROBE_GUARD_MS;
}

static void renewed(struct api_session *as, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	(void)as;
	s->renewing = false;
	if (res->cls == API_OK) {
		s->issued_ms = session_now_ms();
		s->role = api_session_role(s->api);
		s->role_known = s->role;
	}
	session_note(s, res);
}

/* Renew the token of someone who is working: a key pressed since it was
 * issued, a third of its lifetime left, nothing else in flight. */
static void maybe_renew(struct session *s, int64_t now_ms, int64_t last_input_ms)
{
	if (s->renewing || s->relogin || !session_token(s) || s->state != SESSION_ONLINE)
		return;
	int64_t life = api_session_lifetime(s->api), left = api_session_expires_in(s->api);
	if (life <= 0 || left == INT64_MAX)
		return;
	int64_t margin = life / 3 > RENEW_MIN_S ? life / 3 : RENEW_MIN_S;
	if (left > margin || last_input_ms <= s->issued_ms || api_session_busy(s->api) ||
	    api_busy(s->conn) > (s->probing ? 1 : 0))
		return;
	(void)now_ms;
	s->renewing = api_session_renew(s->api, renewed, s);
}

bool session_tick(struct session *s, int64_t now_ms, int64_t last_input_ms)
{
	enum session_state was = s->state;
	enum net_state net = s->net;
	if (s->conn && now_ms >= s->next_probe_ms)
		session_probe_now(s);
	maybe_renew(s, now_ms, last_input_ms);
	/* a token that ran out while nobody worked */
	if (s->api && !s->relogin && !s->renewing && !api_session_logged_in(s->api))
		session_expire(s);
	return s->state != was || s->net != net;
}
