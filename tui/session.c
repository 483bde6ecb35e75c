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

#include "api/fhir_client.h"
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
	char forecast_rules[64];             /* what the registry forecasts with, as it says */
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

	/* a sign-in without a password typed here (device, workstation) */
	bool local; /* the store and the lock answer a local passphrase */
	char default_org[64];
	char name[128]; /* who signs in, when the registry does not say */
	enum device_state dev;
	unsigned dev_seq; /* counts what the device screen shows changing */
	bool dev_polling;
	char dev_note[VAX_ERROR_MSG_LEN + 128];
	long dev_interval;
	int64_t dev_next_ms, dev_expires_ms, dev_expires_wall;

	/* what the registry offers (its CapabilityStatement: read when first
	 * needed, or by the probe) */
	struct api_capability cap;
	struct api_req *cap_req;
	/* a workstation sign-in waiting for the registry's SMART configuration */
	api_session_fn ws_cb;
	void *ws_arg;

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
	if (s->api)
		api_session_forget(s->api); /* at exit: nothing to tell the registry */
	session_logout(s);
	api_req_free(s->probe);
	api_req_free(s->cap_req);
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

const char *session_forecast_rules(const struct session *s)
{
	return s->forecast_rules;
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
	snprintf(s->forecast_rules, sizeof s->forecast_rules, "%s", api_session_forecast_rules(s->api));
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

void session_unlock_early_undo(struct session *s)
{
	if (s->early_user[0] && s->store && s->state == SESSION_LOGGED_OUT)
		cache_lock(s->store);
	s->early_org[0] = s->early_user[0] = '\0';
}

bool session_online(struct session *s, const char *password, int64_t now, struct vax_error *err)
{
	s->local = false;
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
	/* the secret is the one the store was wrapped with: a password or a
	 * local passphrase; renewing it later is a sign-in either way */
	s->local = false;
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
	s->local = false;
	session_device_cancel(s);
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
	if (s->local)
		/* the passphrase stays here: the registry renews without it */
		s->relogin = api_session_can_renew(s->api)
		                 ? api_session_renew(s->api, cb, arg)
		                 : api_session_signin(s->api) == API_SIGNIN_BEARER &&
		                       api_session_bearer_login(s->api, cb, arg);
	else
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
		 * or the lock last saw it: both follow the registry's (a local
		 * passphrase is the store's own and did not) */
		if (!s->local)
			arm(s, s->password);
		if (s->store && !s->local)
			ok = cache_login_online(s->store, s->org, s->user, s->password, (int64_t)time(NULL),
			                        err);
	} else if ((res->cls == API_OFFLINE || res->cls == API_TLS || (s->local && res->cls == API_AUTH)) &&
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

static bool device_tick(struct session *s, int64_t now_ms);

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
	/* the probe is the CapabilityStatement: what the registry offers */
	struct api_capability c;
	if (res->cls == API_OK && api_capability_parse(res->body, res->body_len, &c))
		s->cap = c;
}

const struct api_capability *session_capability(const struct session *s)
{
	return &s->cap;
}

static void cap_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	(void)req;
	session_note(s, res);
	struct api_capability c;
	if (res->cls == API_OK && api_capability_parse(res->body, res->body_len, &c))
		s->cap = c;
	else if (res->cls != API_OFFLINE && res->cls != API_TLS)
		s->cap.known = true; /* no usable statement: nothing beyond the basics */
	s->dev_seq++;                /* the screens waiting for it go on */
}

bool session_capability_need(struct session *s)
{
	if (s->cap.known)
		return true;
	if (!s->conn || (s->cap_req && !api_req_done(s->cap_req)))
		return false;
	if (!s->cap_req) {
		s->cap_req = api_req_new(s->conn, "GET", "/metadata", NULL);
		if (!s->cap_req)
			return false;
		api_req_no_auth(s->cap_req);
		api_req_conditional(s->cap_req);
	}
	if (!api_req_send(s->cap_req, cap_done, s)) {
		s->cap.known = true; /* cannot ask: the basics only */
		return true;
	}
	return false;
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
	enum device_state dev = s->dev;
	bool shown = s->api && device_tick(s, now_ms);
	if (s->conn && now_ms >= s->next_probe_ms)
		session_probe_now(s);
	maybe_renew(s, now_ms, last_input_ms);
	/* a token that ran out while nobody worked */
	if (s->api && !s->relogin && !s->renewing && !api_session_logged_in(s->api))
		session_expire(s);
	return shown || s->state != was || s->net != net || s->dev != dev;
}

/* ---- signing in without a password typed here ------------------------------------------------ */

void session_set_default_org(struct session *s, const char *org)
{
	snprintf(s->default_org, sizeof s->default_org, "%s", org ? org : "");
}

const char *session_default_org(const struct session *s)
{
	return s->default_org;
}

bool session_local(const struct session *s)
{
	return s->local;
}

/* Who the token signed in: the registry's words where it gave them, else
 * this workstation's organization and the name typed. */
static void local_who(struct session *s)
{
	const char *org = api_session_org(s->api), *user = api_session_user(s->api);
	api_session_set_who(s->api, org[0] ? org : s->default_org, user[0] ? user : s->name);
}

/* The device sign-in is over without a token: why, in words (what, then
 * the registry's detail if any). */
static void device_fail(struct session *s, const char *what, const char *detail)
{
	s->dev_seq++;
	s->dev = DEVICE_FAILED;
	s->dev_polling = false;
	snprintf(s->dev_note, sizeof s->dev_note, "%s%s%s", what, detail ? " " : "", detail ? detail : "");
}

/* A registry answer for a device sign-in in state want: true if it is
 * still that sign-in's (the screens hear of it). */
static bool device_answer(struct session *s, const struct api_result *res, enum device_state want)
{
	session_note(s, res);
	if (s->dev != want)
		return false;
	s->dev_seq++;
	return true;
}

static void device_asked(struct api_session *as, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	(void)as;
	if (!device_answer(s, res, DEVICE_ASKING))
		return;
	if (res->cls != API_OK) {
		device_fail(s, "The registry did not give a sign-in code:", res->err.message);
		return;
	}
	const struct api_device *d = api_session_device(s->api);
	int64_t now = session_now_ms();
	s->dev = DEVICE_WAITING;
	s->dev_interval = d->interval;
	s->dev_next_ms = now + d->interval * 1000 + 250; /* a little after: the registry counts in seconds */
	s->dev_expires_ms = now + d->expires_in * 1000;
	s->dev_expires_wall = (int64_t)time(NULL) + d->expires_in;
	snprintf(s->dev_note, sizeof s->dev_note,
	         "Waiting for you to approve the sign-in on the other device.");
}

static void device_ask(struct session *s);

/* The registry said how it signs in: on to the code, if it can. */
static void device_discovered(struct api_session *as, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	(void)as;
	if (!device_answer(s, res, DEVICE_ASKING))
		return;
	if (res->cls == API_OFFLINE || res->cls == API_TLS) {
		device_fail(s, "The registry cannot be reached:", res->err.message);
		return;
	}
	device_ask(s);
}

bool session_device_start(struct session *s, const char *name)
{
	session_device_cancel(s);
	snprintf(s->name, sizeof s->name, "%s", name ? name : "");
	if (s->api && !api_session_discovered(s->api)) {
		/* how the registry signs in is asked for only when it matters */
		s->dev = DEVICE_ASKING;
		snprintf(s->dev_note, sizeof s->dev_note, "Asking the registry how to sign in...");
		if (api_session_discover(s->api, device_discovered, s))
			return true;
		device_fail(s, "The registry could not be asked how to sign in.", NULL);
		return false;
	}
	device_ask(s);
	return s->dev == DEVICE_ASKING;
}

/* Ask for a code (the registry's configuration is known). */
static void device_ask(struct session *s)
{
	if (!s->api || !(api_session_smart(s->api)->grants & API_GRANT_DEVICE)) {
		device_fail(s, "This registry does not offer sign-in on another device.", NULL);
		return;
	}
	s->dev = DEVICE_ASKING;
	if (!api_session_device_start(s->api, device_asked, s)) {
		device_fail(s, "The sign-in code could not be asked for.", NULL);
		return;
	}
	snprintf(s->dev_note, sizeof s->dev_note, "Asking the registry for a sign-in code...");
}

void session_device_cancel(struct session *s)
{
	s->dev_seq++;
	if (s->api && (s->dev == DEVICE_ASKING || s->dev_polling))
		api_session_cancel(s->api);
	s->dev = DEVICE_IDLE;
	s->dev_polling = false;
	s->dev_note[0] = '\0';
}

bool session_device_offered(const struct session *s)
{
	return s->api &&
	       (!api_session_discovered(s->api) || (api_session_smart(s->api)->grants & API_GRANT_DEVICE));
}

enum device_state session_device_state(const struct session *s)
{
	return s->dev;
}

unsigned session_device_seq(const struct session *s)
{
	return s->dev_seq;
}

const struct api_device *session_device(const struct session *s)
{
	return api_session_device(s->api);
}

const char *session_device_note(const struct session *s)
{
	return s->dev_note;
}

long session_device_interval(const struct session *s)
{
	return s->dev_interval;
}

int64_t session_device_expires(const struct session *s)
{
	return s->dev_expires_wall;
}

static void device_polled(struct api_session *as, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	s->dev_polling = false;
	if (!device_answer(s, res, DEVICE_WAITING))
		return;
	int64_t now = session_now_ms();
	if (res->cls == API_OK) {
		local_who(s);
		s->dev = DEVICE_APPROVED;
		snprintf(s->dev_note, sizeof s->dev_note, "Approved.");
		return;
	}
	const char *e = api_session_login_error(as)->error;
	if (!strcmp(e, "authorization_pending")) {
		s->dev_next_ms = now + s->dev_interval * 1000 + 250;
	} else if (!strcmp(e, "slow_down")) {
		/* RFC 8628 3.5: five seconds more, for this and every later poll */
		s->dev_interval += 5;
		s->dev_next_ms = now + s->dev_interval * 1000 + 250;
		snprintf(s->dev_note, sizeof s->dev_note,
		         "The registry asked to be asked less often: checking every %ld seconds now.",
		         s->dev_interval);
	} else if (!strcmp(e, "expired_token")) {
		device_fail(s, "The code expired before the sign-in was approved.", NULL);
	} else if (!strcmp(e, "access_denied")) {
		device_fail(s, "The sign-in was refused on the other device.", NULL);
	} else if (res->cls == API_OFFLINE || res->cls == API_TLS) {
		/* keep the code: the registry may be back before it expires */
		s->dev_next_ms = now + s->dev_interval * 1000 + 250;
		snprintf(s->dev_note, sizeof s->dev_note,
		         "The registry is not answering (%s); still waiting.", res->err.message);
	} else {
		device_fail(s, "The registry refused the sign-in:", res->err.message);
	}
}

/* One turn of the device grant: poll when it is time, stop when the code
 * has run out. True if what is shown changed. */
static bool device_tick(struct session *s, int64_t now_ms)
{
	if (s->dev != DEVICE_WAITING || s->dev_polling)
		return false;
	if (now_ms >= s->dev_expires_ms) {
		device_fail(s, "The code expired before the sign-in was approved.", NULL);
		return true;
	}
	if (now_ms < s->dev_next_ms || api_session_busy(s->api))
		return false;
	s->dev_polling = api_session_device_poll(s->api, device_polled, s);
	if (!s->dev_polling)
		s->dev_next_ms = now_ms + s->dev_interval * 1000;
	return false;
}

/* The registry said where its token endpoint is: the workstation signs in. */
static void workstation_discovered(struct api_session *as, const struct api_result *res, void *arg)
{
	struct session *s = arg;
	api_session_fn cb = s->ws_cb;
	void *cbarg = s->ws_arg;
	s->ws_cb = NULL;
	if (res->cls == API_OK &&
	    (api_session_client_login(as, cb, cbarg) || api_session_bearer_login(as, cb, cbarg)))
		return;
	cb(as, res, cbarg); /* unreachable, or nothing to sign in with */
}

bool session_workstation_start(struct session *s, const char *name, api_session_fn cb, void *arg)
{
	snprintf(s->name, sizeof s->name, "%s", name ? name : "");
	if (!s->api)
		return false;
	api_session_set_who(s->api, s->default_org, s->name);
	if (!api_session_discovered(s->api) && api_session_has_client_secret(s->api)) {
		/* the client credentials go to the token endpoint it names */
		s->ws_cb = cb;
		s->ws_arg = arg;
		return api_session_discover(s->api, workstation_discovered, s);
	}
	if (api_session_client_login(s->api, cb, arg))
		return true;
	return api_session_bearer_login(s->api, cb, arg);
}

bool session_signed_in(const struct session *s)
{
	return s->api && s->state == SESSION_LOGGED_OUT && api_session_logged_in(s->api);
}

bool session_local_known(const struct session *s)
{
	if (!s->store || !s->api)
		return false;
	return cache_has_user(s->store, api_session_org(s->api), api_session_user(s->api));
}

/* The store is open with the passphrase: the session is ONLINE. */
static void local_in(struct session *s, const char *passphrase)
{
	s->local = true;
	s->dev = DEVICE_IDLE;
	take_login(s);
	s->state = SESSION_ONLINE;
	arm(s, passphrase);
}

bool session_online_local(struct session *s, const char *passphrase, int64_t now, struct vax_error *err)
{
	if (!session_signed_in(s))
		return error_set(err, "SESSION-NOT-SIGNED-IN", "Sign in to the registry first.");
	const char *org = api_session_org(s->api), *user = api_session_user(s->api);
	bool ok = true;
	if (s->store)
		ok = session_local_known(s) ? cache_login_offline(s->store, org, user, passphrase, err)
		                            : cache_login_online(s->store, org, user, passphrase, now, err);
	if (ok)
		local_in(s, passphrase);
	return ok;
}

bool session_local_reset(struct session *s, const char *passphrase, int64_t now, struct vax_error *err)
{
	if (!session_signed_in(s))
		return error_set(err, "SESSION-NOT-SIGNED-IN", "Sign in to the registry first.");
	/* the registry vouched for the person: their old store may go when it
	 * holds nothing the registry lacks (cache_login_online's own rule) */
	if (s->store && !cache_login_online(s->store, api_session_org(s->api), api_session_user(s->api),
	                                    passphrase, now, err))
		return false;
	local_in(s, passphrase);
	return true;
}

bool session_sign_in_again(struct session *s, api_session_fn cb, void *arg)
{
	if (!s->api || s->state == SESSION_LOGGED_OUT || s->relogin)
		return false;
	/* the store is open already with the passphrase, which goes nowhere */
	api_session_set_who(s->api, s->org, s->user);
	bool ok = api_session_client_login(s->api, cb, arg) || api_session_bearer_login(s->api, cb, arg);
	if (ok) {
		s->local = true;
		s->relogin = true;
		wipe_password(s);
	}
	return ok;
}

bool session_device_adopt(struct session *s, struct vax_error *err)
{
	if (s->dev != DEVICE_APPROVED || s->state == SESSION_LOGGED_OUT)
		return error_set(err, "SESSION-NOT-SIGNED-IN", "No sign-in was approved.");
	s->dev = DEVICE_IDLE;
	const char *org = api_session_org(s->api), *user = api_session_user(s->api);
	if (strcasecmp(org, s->org) || strcmp(user, s->user)) {
		/* the records open here are someone else's */
		error_set(
		    err, "SESSION-OTHER-USER",
		    "The other device signed in %s at %s, but the records open here are %s's at %s: sign "
		    "in there as %s.",
		    user, org, s->user, s->org, s->user);
		api_session_logout(s->api);
		return false;
	}
	s->local = true;
	take_login(s);
	s->state = SESSION_ONLINE;
	s->resume = SESSION_LOGGED_OUT;
	return true;
}
