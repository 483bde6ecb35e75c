/* tui/app.c - the screen stack and the one input loop.
 *
 * Each turn: redraw what is dirty (one doupdate), take one input (keys or
 * network progress, tui/input.c), turn a key into an action through the
 * keymaps, give it to the top screen, and let the frame handle what the
 * screen leaves (help, lock, quit, redraw). The network is pumped while
 * waiting, never waited on.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tui/tui.h"

static const struct screen_ops *const screens[SCREEN_COUNT] = {
#define SCREEN_PTR(id, name) [SCREEN_##id] = &screen_##name##_ops,
    SCREEN_INFO(SCREEN_PTR)
#undef SCREEN_PTR
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

int64_t app_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct screen_ops *app_screen(enum screen_id id)
{
	return screens[id];
}

enum screen_id app_top(const struct app *a)
{
	return a->stack[a->depth - 1];
}

static void entered(struct app *a, bool fresh)
{
	const struct screen_ops *ops = screens[app_top(a)];
	if (ops->enter)
		ops->enter(a, fresh);
	a->dirty |= DIRTY_STATUS | DIRTY_BODY | DIRTY_BAR;
}

void app_push(struct app *a, enum screen_id id)
{
	if (a->depth == APP_STACK_MAX)
		a->depth--; /* never happens in practice; keep the newest */
	a->stack[a->depth++] = id;
	entered(a, true);
}

void app_pop(struct app *a)
{
	if (a->depth > 1) {
		a->depth--;
		entered(a, false);
	}
}

void app_reset_to(struct app *a, enum screen_id id)
{
	a->depth = 0;
	app_push(a, id);
}

void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_kind = kind;
	a->dirty |= DIRTY_MSG;
}

void app_dirty(struct app *a, unsigned what)
{
	a->dirty |= what;
}

static void lock_now(struct app *a);

int app_outbox_waiting(const struct app *a)
{
	if (!a->store || !cache_unlocked(a->store))
		return 0;
	return cache_outbox_count(a->store, 1u << CACHE_PENDING | 1u << CACHE_SENDING);
}

void app_key_name(const struct app *a, enum action act, char *buf, size_t len)
{
	struct key k;
	buf[0] = '\0';
	if (keymap_keys_for(a->keys, KEYMAP_GENERIC, 0, act, &k, 1) > 0)
		key_label(&k, buf, len);
}

/* The registry answers again. An offline session cannot send with no
 * token, so say what to press rather than leave the outbox waiting. */
static void back_message(struct app *a)
{
	if (!a->offline_session || a->going_online) {
		app_message(a, MSG_INFO, "The registry is reachable again.");
		return;
	}
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_SYNC_NOW, key, sizeof key);
	int n = app_outbox_waiting(a);
	if (n > 0)
		app_message(a, MSG_INFO, "The registry is back: press %s to sign in and send %d record%s.",
		            key[0] ? key : "sync-now", n, n == 1 ? "" : "s");
	else
		app_message(a, MSG_INFO, "The registry is back: press %s to sign in to it.",
		            key[0] ? key : "sync-now");
}

void app_note_result(struct app *a, const struct api_result *res)
{
	enum net_state was = a->net;
	switch (res->cls) {
	case API_OFFLINE:
		a->net = res->status == 503 ? NET_MAINTENANCE : NET_OFFLINE;
		snprintf(a->net_detail, sizeof a->net_detail, "%s", res->err.message);
		break;
	case API_TLS:
	case API_LOCAL:
		a->net = NET_OFFLINE;
		snprintf(a->net_detail, sizeof a->net_detail, "%s", res->err.message);
		break;
	case API_CANCELLED:
		break;
	case API_AUTH:
		/* the token ran out: ask for the password over the screen, keep
		 * everything below it, then log in again (screen_lock.c) */
		if (res->expired && a->lock_armed && !a->offline_session) {
			a->session_expired = true;
			lock_now(a);
		}
		a->net = NET_ONLINE;
		a->net_detail[0] = '\0';
		break;
	default:
		/* any answer from the registry itself means it is reachable */
		a->net = NET_ONLINE;
		a->net_detail[0] = '\0';
		break;
	}
	if (a->net != was) {
		a->dirty |= DIRTY_STATUS | DIRTY_BODY;
		if (a->net == NET_ONLINE && (was == NET_OFFLINE || was == NET_MAINTENANCE))
			back_message(a);
	}
	/* come back on our own: probe again with backoff (15 s doubling to
	 * 5 min), or when the registry said, if it said (Retry-After) */
	int64_t wait = 60000;
	if (a->net == NET_ONLINE) {
		a->probe_failures = 0;
	} else if (res->cls != API_CANCELLED) {
		int n = a->probe_failures < 5 ? a->probe_failures : 5;
		wait = 15000LL << n;
		if (wait > 300000)
			wait = 300000;
		a->probe_failures++;
	}
	a->retry_after_s = res->retry_after;
	if (res->retry_after > 0 && res->retry_after < 24 * 3600)
		wait = res->retry_after * 1000LL;
	a->next_probe_ms = app_now_ms() + wait;
}

static void probe_done(struct api_req *req, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)req;
	a->probe_busy = false;
	app_note_result(a, res);
}

void app_probe(struct app *a)
{
	if (!a->conn)
		return;
	if (!a->probe) {
		struct vax_error err;
		a->probe = api_req_new(a->conn, "GET", "/metadata?_summary=true", &err);
		if (!a->probe)
			return;
		api_req_no_auth(a->probe);
	}
	if (a->probe_busy)
		return;
	a->probe_busy = api_req_send(a->probe, probe_done, a);
	a->next_probe_ms = app_now_ms() + 60000;
}

/* ---- idle lock ------------------------------------------------------------ */

static void lock_hash(const unsigned char salt[16], const char *pw, unsigned char out[32])
{
	/* the hash only has to outlast a walk to the printer, not an offline
	 * attack on a core file (core dumps are off) */
	PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, 16, 20000, EVP_sha256(), 32, out);
}

void app_arm_lock(struct app *a, const char *password)
{
	if (RAND_bytes(a->lock_salt, sizeof a->lock_salt) != 1)
		return;
	lock_hash(a->lock_salt, password, a->lock_hash);
	a->lock_armed = true;
}

bool app_check_lock(const struct app *a, const char *password)
{
	unsigned char h[32];
	if (!a->lock_armed)
		return false;
	lock_hash(a->lock_salt, password, h);
	bool ok = CRYPTO_memcmp(h, a->lock_hash, sizeof h) == 0;
	OPENSSL_cleanse(h, sizeof h);
	return ok;
}

bool app_logged_in_any(const struct app *a)
{
	return a->offline_session || (a->sess && api_session_logged_in(a->sess));
}

const char *app_org(const struct app *a)
{
	if (a->sess && api_session_logged_in(a->sess))
		return api_session_org(a->sess);
	return a->offline_session ? a->session_org : "-";
}

const char *app_user(const struct app *a)
{
	if (a->sess && api_session_logged_in(a->sess))
		return api_session_user(a->sess);
	return a->offline_session ? a->session_user : "-";
}

void app_logged_in_offline(struct app *a, const char *org, const char *user)
{
	a->offline_session = true;
	snprintf(a->session_org, sizeof a->session_org, "%s", org);
	snprintf(a->session_user, sizeof a->session_user, "%s", user);
	a->challenge[0] = '\0';
	app_reset_to(a, SCREEN_MENU);
	app_message(a, MSG_INFO,
	            "Logged in OFFLINE from this workstation's store; the registry is not reachable.");
}

void app_logout(struct app *a, const char *why)
{
	app_sync_stop(a);
	if (a->sess)
		api_session_logout(a->sess);
	if (a->store)
		cache_lock(a->store);
	a->offline_session = false;
	a->session_org[0] = a->session_user[0] = '\0';
	OPENSSL_cleanse(a->lock_hash, sizeof a->lock_hash);
	a->lock_armed = false;
	a->session_expired = false;
	a->relogin_pending = false;
	a->going_online = false;
	a->forced_password = false;
	a->challenge[0] = '\0';
	app_reset_to(a, SCREEN_LOGIN);
	if (why)
		app_message(a, MSG_INFO, "%s", why);
}

void app_logged_in(struct app *a)
{
	const struct api_org *orgs;
	int n = api_session_orgs(a->sess, &orgs);
	a->challenge[0] = '\0';
	if (api_session_reset_required(a->sess)) {
		a->forced_password = true;
		app_reset_to(a, SCREEN_PASSWORD);
		app_message(a, MSG_INFO, "The registry asks you to choose a new password now.");
		return;
	}
	if (n > 1) {
		app_reset_to(a, SCREEN_PORTAL);
		return;
	}
	app_reset_to(a, SCREEN_MENU);
	app_message(a, MSG_INFO, "Logged in to %s.", api_session_org_name(a->sess));
}

bool app_locked(const struct app *a)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i] == SCREEN_LOCK)
			return true;
	return false;
}

/* The registry's token has run out: ask for the password over the screen
 * (screen_lock.c logs in again), keeping every screen below as it is.
 * Returns true if it locked just now. */
static bool session_check(struct app *a)
{
	if (!a->lock_armed || a->offline_session || !a->sess || !*api_session_user(a->sess) ||
	    a->relogin_pending || api_session_logged_in(a->sess) || app_locked(a))
		return false;
	a->session_expired = true;
	lock_now(a);
	return true;
}

static void lock_now(struct app *a)
{
	/* the sign-in prompt can be left with Esc: going idle over it makes
	 * it a real lock (a login on its way finishes first) */
	if (a->going_online && !a->relogin_pending && app_top(a) == SCREEN_LOCK) {
		a->going_online = false;
		app_pop(a);
	}
	if (!a->lock_armed || app_locked(a))
		return;
	/* the store's key goes too; the lock screen opens it again */
	app_sync_stop(a);
	if (a->store)
		cache_lock(a->store);
	app_push(a, SCREEN_LOCK);
	a->dirty |= DIRTY_SCREEN;
}

/* ---- back online from an offline session ------------------------------- */

static bool covered(const struct app *a)
{
	return app_locked(a) || app_top(a) == SCREEN_CONFID;
}

/* The statement came (or did not): show it, then ask the password. */
static void online_confid_done(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)s;
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	if (!a->offline_session || covered(a))
		return; /* logged out or locked meanwhile */
	if (res->cls != API_OK) {
		app_message(a, MSG_ERROR, "Still offline: the confidentiality statement did not come (%s).",
		            res->err.message);
		return;
	}
	a->msg[0] = '\0';
	a->confid_for_login = true; /* "I Agree" comes back to app_go_online() */
	app_push(a, SCREEN_CONFID);
}

void app_go_online(struct app *a)
{
	if (!a->offline_session) {
		app_message(a, MSG_INFO, "You are signed in to the registry already.");
		return;
	}
	if (!a->conn || !a->sess || covered(a))
		return;
	if (a->net != NET_ONLINE) {
		/* ask now rather than at the next backoff step */
		app_probe(a);
		app_message(a, MSG_INFO,
		            "Checking whether the registry is back; your work is kept here meanwhile.");
		return;
	}
	if (api_session_busy(a->sess)) {
		app_message(a, MSG_INFO, "Still waiting for the registry...");
		return;
	}
	if (!a->confid_accepted) {
		/* the registry takes a login only with the statement accepted */
		if (api_session_fetch_confidentiality(a->sess, online_confid_done, a))
			app_message(a, MSG_INFO, "Fetching the confidentiality statement...");
		else
			app_message(a, MSG_ERROR,
			            "Could not ask the registry for the confidentiality statement.");
		return;
	}
	/* the lock screen asks, over every screen, which all stay as they are;
	 * the store stays open: this is not an idle lock */
	a->going_online = true;
	a->challenge[0] = '\0';
	app_push(a, SCREEN_LOCK);
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_CANCEL, key, sizeof key);
	app_message(a, MSG_INFO, "Type your password to sign in to the registry; %s keeps working offline.",
	            key[0] ? key : "cancel");
}

/* ---- drawing ---------------------------------------------------------------- */

void app_render(struct app *a)
{
	if (a->dirty & DIRTY_LAYOUT) {
		term_layout(a);
		a->dirty &= ~DIRTY_LAYOUT;
		for (int i = 0; i < a->depth; i++) {
			/* forms fit the new width */
			const struct screen_ops *ops = screens[a->stack[i]];
			if (ops->form && ops->form(a))
				form_view_fit(ops->form(a), a->cols);
		}
	}
	if (!a->dirty)
		return;
	if (a->dirty & DIRTY_CLEAR)
		clearok(curscr, TRUE);
	if (a->dirty & DIRTY_STATUS) {
		draw_status(a);
		draw_banner(a);
		wnoutrefresh(a->w_status);
		wnoutrefresh(a->w_banner);
	}
	if (a->dirty & DIRTY_MSG) {
		draw_message(a);
		wnoutrefresh(a->w_msg);
	}
	/* what the bar offers follows the body's state (selection, focus, mode) */
	if (a->dirty & (DIRTY_BAR | DIRTY_BODY)) {
		draw_bar(a);
		wnoutrefresh(a->w_bar);
	}
	/* the body last, so the cursor ends on the focused field */
	WINDOW *w = a->w_body;
	if (a->dirty & DIRTY_BODY) {
		wbkgdset(w, ' ');
		werase(w);
		wattrset(w, A_NORMAL);
		a->cur_show = false;
		screens[app_top(a)]->draw(a, w);
	}
	if (a->cur_show)
		wmove(w, a->cur_y, a->cur_x);
	curs_set(a->cur_show ? 1 : 0);
	wnoutrefresh(w);
	doupdate();
	a->dirty = 0;
}

/* ---- the loop ------------------------------------------------------------------ */

static void quit_yes(struct app *a)
{
	a->quit = true;
}

/* Actions the frame handles on every screen when the screen does not. */
static void frame_action(struct app *a, enum action act)
{
	switch (act) {
	case ACTION_HELP:
		if (app_top(a) != SCREEN_HELP)
			app_push(a, SCREEN_HELP);
		break;
	case ACTION_REDRAW:
		a->dirty |= DIRTY_ALL;
		break;
	case ACTION_SEARCH:
		if (!app_logged_in_any(a))
			app_message(a, MSG_INFO, "Log in first to find a client.");
		else if (app_top(a) != SCREEN_SEARCH)
			app_push(a, SCREEN_SEARCH);
		break;
	case ACTION_OUTBOX:
		/* the outbox is reachable from every screen once someone is in */
		if (!app_logged_in_any(a))
			app_message(a, MSG_INFO, "Log in first to see the outbox.");
		else if (app_top(a) != SCREEN_OUTBOX)
			app_push(a, SCREEN_OUTBOX);
		break;
	case ACTION_SYNC_NOW:
		app_sync_now(a);
		break;
	case ACTION_GO_ONLINE:
		if (!app_logged_in_any(a))
			app_message(a, MSG_INFO, "Log in first.");
		else
			app_go_online(a);
		break;
	case ACTION_LOCK:
		if (a->lock_armed)
			lock_now(a);
		else
			app_message(a, MSG_INFO, "Nothing to lock: no one is logged in.");
		break;
	case ACTION_QUIT: {
		/* leaving a half-typed form asks first (not the login or lock form) */
		const struct screen_ops *ops = screens[app_top(a)];
		struct form *f = ops->form ? ops->form(a) : NULL;
		if (f && form_dirty(f) && app_top(a) != SCREEN_LOGIN && app_top(a) != SCREEN_LOCK)
			app_confirm(a, "Quit and lose what you typed here?", quit_yes);
		else
			a->quit = true;
		break;
	}
	case ACTION_NONE:
		break;
	default:
		app_message(a, MSG_INFO, "%s: not available on this screen.", action_help(act));
		break;
	}
}

static void handle_key(struct app *a, const struct key *k)
{
	const struct screen_ops *ops = screens[app_top(a)];
	struct form *f = ops->form ? ops->form(a) : NULL;
	unsigned flags = f ? KEYMAP_EDITING : 0;
	if (a->confirm_yes) {
		void (*yes)(struct app *) = a->confirm_yes;
		a->confirm_yes = NULL;
		a->msg[0] = '\0';
		a->dirty |= DIRTY_MSG | DIRTY_BAR;
		if (k->kind == KEY_KIND_CHAR && !k->ctrl && (k->code == 'y' || k->code == 'Y'))
			yes(a);
		return;
	}
	enum action act = keymap_lookup(a->keys, ops->keymap, k, flags);
	/* a new key clears the last message */
	if (a->msg[0]) {
		a->msg[0] = '\0';
		a->dirty |= DIRTY_MSG;
	}
	if (act == ACTION_NONE) {
		if (f && key_is_text(k)) {
			if (ops->text)
				ops->text(a, (wchar_t)k->code);
			else
				form_view_text(a, f, (wchar_t)k->code);
			return;
		}
		char name[KEY_NAME_LEN];
		key_format(k, name, sizeof name);
		app_message(a, MSG_INFO, "The key %s does nothing here; ? lists the keys.", name);
		return;
	}
	if (ops->action && (ops->action(a, act) & TUI_HANDLED))
		return;
	frame_action(a, act);
}

void app_confirm(struct app *a, const char *question, void (*yes)(struct app *a))
{
	/* the answer keys on the line when they fit, shorter if need be; the
	 * bar shows them anyway (draw_bar) */
	static const char *const hints[] = {" (y = yes, any other key = no)", " (y/n)", ""};
	size_t i = 0;
	while (i < 2 && draw_width(question) + draw_width(hints[i]) > a->cols)
		i++;
	app_message(a, MSG_INFO, "%s%s", question, hints[i]);
	a->confirm_yes = yes;
	app_dirty(a, DIRTY_BAR);
}

void screens_free(void)
{
	for (int i = 0; i < SCREEN_COUNT; i++)
		if (screens[i]->cleanup)
			screens[i]->cleanup();
}

static void show_notes(struct app *a)
{
	if (!a->n_notes)
		return;
	app_message(a, MSG_ERROR, "%s%s", a->notes[0],
	            a->n_notes > 1 ? " (and more; see the help screen)" : "");
}

int app_run(struct app *a)
{
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGHUP, on_stop);
	a->dirty = DIRTY_ALL | DIRTY_LAYOUT;
	a->last_input_ms = app_now_ms();
	app_reset_to(a, SCREEN_LOGIN);
	show_notes(a);
	if (a->conn)
		app_probe(a);
	while (!a->quit) {
		if (stop_signal) {
			a->exit_status = 128 + stop_signal;
			break;
		}
		app_render(a);
		struct key k;
		enum input_kind in = input_next(a, &k, 250);
		int64_t now = app_now_ms();
		switch (in) {
		case INPUT_EOF:
			a->quit = true;
			break;
		case INPUT_RESIZE:
			a->dirty |= DIRTY_LAYOUT | DIRTY_ALL;
			break;
		case INPUT_KEY:
			a->last_input_ms = now;
			/* a key after the token ran out locks first (and is not
			 * acted on), so nothing is sent without a session */
			if (!session_check(a))
				handle_key(a, &k);
			break;
		case INPUT_NONE:
			break;
		}
		if (a->idle_lock_ms > 0 && a->lock_armed && now - a->last_input_ms >= a->idle_lock_ms)
			lock_now(a);
		session_check(a);
		if (a->conn && now >= a->next_probe_ms)
			app_probe(a);
		app_sync_tick(a);
		/* the byte count in the status line follows the traffic */
		if (a->conn && api_busy(a->conn))
			a->dirty |= DIRTY_STATUS;
	}
	return a->exit_status;
}
