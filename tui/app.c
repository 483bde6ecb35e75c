/* tui/app.c - the screen stack and the one input loop.
 *
 * Each turn: redraw what is dirty (one doupdate), take one input (keys or
 * network progress, tui/input.c), let the session move (probe, renewal,
 * expiry: tui/session.c) and the screens follow it (a lock over everything
 * while it is locked or expired), turn a key into an action through the
 * keymaps, give it to the top screen, and let the frame handle what the
 * screen leaves (help, lock, main menu, quit, redraw). The network is pumped
 * while waiting, never waited on.
 *
 * The stack holds screen instances (struct screen: ops and their own state):
 * app_open() asks the screen's ops->open() for a new instance from the
 * opener's arguments, app_pop() closes one. A screen opens another only
 * through app_open(), never by calling into its file.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cache/pull.h"
#include "core/codes.h"
#include "core/county.h"
#include "sys/codeload.h"
#include "sys/fileio.h"
#include "tui/tui.h"

#define COUNT_MS 1000 /* the outbox is counted again at most this often while it moves */

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
	return session_now_ms();
}

const struct screen_ops *app_screen(enum screen_id id)
{
	return screens[id];
}

enum screen_id app_top(const struct app *a)
{
	return a->stack[a->depth - 1].id;
}

struct screen *app_top_screen(struct app *a)
{
	return a->depth ? &a->stack[a->depth - 1] : NULL;
}

struct screen *app_below(struct app *a, const struct screen *s)
{
	for (int i = 1; i < a->depth; i++)
		if (&a->stack[i] == s)
			return &a->stack[i - 1];
	return NULL;
}

static void entered(struct app *a, bool fresh)
{
	struct screen *s = app_top_screen(a);
	/* a question belongs to the screen that asked it */
	a->confirm_yes = NULL;
	if (s->ops->enter)
		s->ops->enter(a, s, fresh);
	a->dirty |= DIRTY_STATUS | DIRTY_BODY | DIRTY_BAR | DIRTY_MSG;
}

static void close_screen(struct screen *s)
{
	if (s->ops->close)
		s->ops->close(s);
	else
		free(s->data);
	s->data = NULL;
}

bool app_open(struct app *a, enum screen_id id, const void *arg)
{
	if (a->depth == APP_STACK_MAX) {
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_MAIN_MENU, key, sizeof key);
		app_message(a, MSG_ERROR,
		            "Too many screens are open: go back, or press %s for the main menu.",
		            key[0] ? key : "main-menu");
		return false;
	}
	const struct screen_ops *ops = screens[id];
	void *data = NULL;
	if (ops->open && !(data = ops->open(a, arg)))
		return false;
	a->stack[a->depth++] = (struct screen){.id = id, .ops = ops, .data = data};
	entered(a, true);
	return true;
}

void app_pop(struct app *a)
{
	if (a->depth > 1) {
		close_screen(&a->stack[--a->depth]);
		entered(a, false);
	}
}

void app_close_all(struct app *a)
{
	while (a->depth > 0)
		close_screen(&a->stack[--a->depth]);
	a->confirm_yes = NULL;
}

void app_reset_to(struct app *a, enum screen_id id)
{
	app_close_all(a);
	if (!app_open(a, id, NULL))
		app_open(a, SCREEN_LOGIN, NULL); /* never an empty stack */
}

static void set_message(struct app *a, enum msg_kind kind, const char *fmt, va_list ap)
{
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	a->msg_kind = kind;
	a->msg_true = NULL;
	a->dirty |= DIRTY_MSG;
}

void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(a, kind, fmt, ap);
	va_end(ap);
}

void app_message_while(struct app *a, bool (*still_true)(const struct app *a), enum msg_kind kind,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(a, kind, fmt, ap);
	va_end(ap);
	a->msg_true = still_true;
}

void app_dirty(struct app *a, unsigned what)
{
	a->dirty |= what;
}

void app_notify(struct app *a, unsigned events)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i].ops->notify)
			a->stack[i].ops->notify(a, &a->stack[i], events);
	a->dirty |= DIRTY_SCREEN;
}

/* ---- what the screens read --------------------------------------------------- */

struct cache_store *app_store(const struct app *a)
{
	return session_store(a->sess);
}

struct api_conn *app_conn(const struct app *a)
{
	return session_conn(a->sess);
}

const struct codes *app_codes(struct app *a)
{
	if (!a->codes_tried) {
		a->codes_tried = true;
		struct vax_error err;
		a->codes = codeload_default(&err);
	}
	return a->codes;
}

const struct county_list *app_counties(struct app *a)
{
	if (!a->counties_tried) {
		a->counties_tried = true;
		char *path = fileio_join(fileio_datadir(), "counties/counties.csv");
		char *buf = NULL;
		size_t len = 0;
		struct vax_error err;
		if (fileio_read(path, &buf, &len, &err))
			a->counties = county_list_parse(path, buf, len, &err);
		free(buf);
		free(path);
	}
	return a->counties;
}

vax_date app_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void app_capture(const struct app *a, struct capture *cap)
{
	memset(cap, 0, sizeof *cap);
	snprintf(cap->user, sizeof cap->user, "%.*s", (int)sizeof cap->user - 1, session_user(a->sess));
	snprintf(cap->org, sizeof cap->org, "%.*s", (int)sizeof cap->org - 1, session_org(a->sess));
	snprintf(cap->workstation, sizeof cap->workstation, "%.*s", (int)sizeof cap->workstation - 1,
	         a->cfg.workstation);
	cap->at = (int64_t)time(NULL);
}

bool app_may_write(struct app *a)
{
	char why[256];
	if (session_may_write(a->sess, why, sizeof why))
		return true;
	app_message(a, MSG_ERROR, "%s", why);
	return false;
}

bool app_action_allowed(const struct app *a, enum action act)
{
	switch (act) {
	case ACTION_ADD_CLIENT:
	case ACTION_EDIT_CLIENT:
	case ACTION_ADD_SHOT:
	case ACTION_ADD_HISTORICAL_SHOT:
	case ACTION_REFUSE_SHOT:
	case ACTION_DELETE_RECORD:
	case ACTION_EDIT_SHOT:
		return session_may_write(a->sess, NULL, 0);
	default:
		return true;
	}
}

bool app_offline(const struct app *a)
{
	return session_offline(a->sess);
}

bool app_unreachable(const struct app *a)
{
	enum net_state n = session_net(a->sess);
	return !app_conn(a) || n == NET_OFFLINE || n == NET_MAINTENANCE || n == NET_NONE;
}

bool app_logged_in_any(const struct app *a)
{
	return session_in(a->sess);
}

const char *app_org(const struct app *a)
{
	return session_in(a->sess) ? session_org(a->sess) : "-";
}

const char *app_user(const struct app *a)
{
	return session_in(a->sess) ? session_user(a->sess) : "-";
}

void app_key_name(const struct app *a, enum action act, char *buf, size_t len)
{
	struct key k;
	buf[0] = '\0';
	if (keymap_keys_for(a->keys, KEYMAP_GENERIC, 0, act, &k, 1) > 0)
		key_label(&k, buf, len);
}

/* ---- the outbox, counted when it changes ------------------------------------------- */

static void count_outbox(struct app *a)
{
	struct cache_store *st = app_store(a);
	struct outbox_counts c = {0};
	if (st) {
		c.waiting = cache_outbox_count(st, 1u << CACHE_PENDING | 1u << CACHE_SENDING);
		c.open = cache_outbox_count(st, CACHE_UNSENT_MASK);
		c.held = cache_outbox_count(st, 1u << CACHE_REJECTED | 1u << CACHE_CONFLICT |
		                                    1u << CACHE_NEEDS_REVIEW);
	}
	if (memcmp(&c, &a->counts, sizeof c))
		a->dirty |= DIRTY_STATUS | DIRTY_BODY;
	a->counts = c;
	a->counts_stale = false;
	a->counts_ms = app_now_ms();
}

void app_outbox_changed(struct app *a)
{
	count_outbox(a);
	app_sync_soon(a);
	app_notify(a, EVENT_OUTBOX);
}

bool app_outbox_resolved(struct app *a, bool ok, const struct vax_error *err, const char *failed,
                         const char *done)
{
	if (!ok) {
		app_message(a, MSG_ERROR, "%s: %s", failed,
		            err ? err->message : "the local store is not open.");
		return false;
	}
	app_message(a, MSG_INFO, "%s", done);
	app_outbox_changed(a);
	app_pop(a);
	return true;
}

/* ---- the registry --------------------------------------------------------------------- */

/* "The registry is back" is true while it answers; "press F5 to sign in"
 * while the session is still an offline one. */
static bool reachable(const struct app *a)
{
	return session_net(a->sess) == NET_ONLINE;
}

static bool back_offline(const struct app *a)
{
	return reachable(a) && app_offline(a);
}

/* The registry answers again. An offline session cannot send with no
 * token, so say what to press rather than leave the outbox waiting. */
static void back_message(struct app *a)
{
	if (!app_offline(a)) {
		app_message_while(a, reachable, MSG_INFO, "The registry is reachable again.");
		return;
	}
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_SYNC_NOW, key, sizeof key);
	int n = a->counts.waiting;
	if (n > 0)
		app_message_while(a, back_offline, MSG_INFO,
		                  "The registry is back: press %s to sign in and send %d record%s.",
		                  key[0] ? key : "sync-now", n, n == 1 ? "" : "s");
	else
		app_message_while(a, back_offline, MSG_INFO,
		                  "The registry is back: press %s to sign in to it.",
		                  key[0] ? key : "sync-now");
}

/* The screens follow the registry's reachability (an answer that came in
 * the pump: a probe, a read). Opens and closes no screen, so it is safe
 * from inside a screen's callback. */
static void follow_net(struct app *a)
{
	enum net_state net = session_net(a->sess), was = a->seen_net;
	if (net == was)
		return;
	a->seen_net = net;
	app_notify(a, EVENT_NET);
	if (net == NET_ONLINE && (was == NET_OFFLINE || was == NET_MAINTENANCE))
		back_message(a);
}

void app_note_result(struct app *a, const struct api_result *res)
{
	session_note(a->sess, res);
	follow_net(a);
}

/* ---- sessions ---------------------------------------------------------------------------- */

void app_logout(struct app *a, const char *why)
{
	/* every trace of the session goes: screens (search terms, forms),
	 * messages, the sync's counters, the outbox counts, documents being
	 * made (the notice dates of letters sent are recorded first) */
	reports_stop(a);
	app_sync_free(a);
	app_lots_free(a);
	memset(&a->last_visit, 0, sizeof a->last_visit);
	/* what was read ahead was read for this user, into this user's store */
	cache_pull_forget_fresh();
	a->reg_forecast_search = 0;
	session_logout(a->sess);
	app_close_all(a);
	a->msg[0] = '\0';
	a->msg_true = NULL;
	memset(&a->counts, 0, sizeof a->counts);
	if (app_conn(a)) {
		struct api_bytes b = api_conn_bytes(app_conn(a));
		a->bytes_base = b.sent + b.received;
	}
	app_reset_to(a, SCREEN_LOGIN);
	if (why)
		app_message(a, MSG_INFO, "%s", why);
	a->dirty |= DIRTY_ALL;
}

void app_logged_in(struct app *a)
{
	const struct api_org *orgs;
	int n = api_session_orgs(session_api(a->sess), &orgs);
	count_outbox(a);
	if (api_session_reset_required(session_api(a->sess))) {
		app_close_all(a);
		bool forced = true;
		if (!app_open(a, SCREEN_PASSWORD, &forced))
			app_reset_to(a, SCREEN_MENU);
		app_message(a, MSG_INFO, "The registry asks you to choose a new password now.");
		return;
	}
	if (n > 1) {
		app_reset_to(a, SCREEN_PORTAL);
		return;
	}
	app_reset_to(a, SCREEN_MENU);
	app_message(a, MSG_INFO, "Logged in to %s.", session_org_name(a->sess));
}

void app_logged_in_offline(struct app *a)
{
	count_outbox(a);
	app_reset_to(a, SCREEN_MENU);
	app_message(a, MSG_INFO,
	            "Logged in OFFLINE from this workstation's store; the registry is not reachable.");
}

bool app_locked(const struct app *a)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i].id == SCREEN_LOCK)
			return true;
	return false;
}

/* The lock screen's instance on the stack, or NULL. */
static struct screen *lock_screen(struct app *a)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i].id == SCREEN_LOCK)
			return &a->stack[i];
	return NULL;
}

/* The screens follow the session: a lock over everything while it is
 * LOCKED or EXPIRED, none once it is not. */
static void follow_session(struct app *a)
{
	enum session_state st = session_state(a->sess), was = a->seen_state;
	struct screen *lock = lock_screen(a);
	enum lock_mode *mode = lock ? lock->data : NULL;
	if (st == SESSION_LOCKED || st == SESSION_EXPIRED) {
		enum lock_mode want = st == SESSION_LOCKED ? LOCK_IDLE : LOCK_EXPIRED;
		/* the sign-in prompt can be left with Esc: going idle over it
		 * makes it a real lock */
		if (lock && *mode == LOCK_SIGN_IN && lock == app_top_screen(a) && !session_pending(a->sess)) {
			app_pop(a);
			lock = NULL;
		}
		if (!lock) {
			a->confirm_yes = NULL;
			app_open(a, SCREEN_LOCK, &want);
			a->dirty |= DIRTY_SCREEN;
		} else if (*mode != want && *mode != LOCK_SIGN_IN) {
			*mode = want;
			a->dirty |= DIRTY_SCREEN;
		}
	} else if (lock && *mode != LOCK_SIGN_IN && (st == SESSION_ONLINE || st == SESSION_OFFLINE)) {
		while (a->depth > 1 && lock_screen(a))
			app_pop(a);
	}
	a->seen_state = st;
	if (st != was) {
		if (st == SESSION_ONLINE)
			count_outbox(a);
		app_notify(a, EVENT_SESSION);
	}
	follow_net(a);
}

static void lock_now(struct app *a)
{
	session_lock(a->sess);
	follow_session(a);
}

bool app_statement(struct app *a, const struct api_result *res,
                   void (*answered)(struct app *a, struct screen *below, bool agreed), char *error,
                   size_t len)
{
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	a->msg[0] = '\0'; /* "Fetching..." is over */
	if (res->cls != API_OK) {
		snprintf(error, len, "The confidentiality statement did not come: %s", res->err.message);
		return false;
	}
	struct open_confid o = {.answered = answered};
	return app_open(a, SCREEN_CONFID, &o);
}

/* ---- back online from an offline session ------------------------------------------- */

/* The workstation's own sign-in (an offline session going online) answered. */
static void signed_in_again(struct api_session *as, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)as;
	struct vax_error err = {0};
	session_relogin_done(a->sess, res, &err);
	app_note_result(a, res);
	follow_session(a);
	a->dirty |= DIRTY_SCREEN;
	if (res->cls != API_OK) {
		app_message(a, MSG_ERROR, "The registry did not sign this workstation in: %s; still offline.",
		            res->err.message);
		return;
	}
	app_signed_in_again(a);
}

void app_signed_in_again(struct app *a)
{
	app_outbox_changed(a);
	int n = a->counts.waiting;
	if (n > 0)
		app_message(a, MSG_INFO, "Signed in to the registry; sending %d waiting record%s.", n,
		            n == 1 ? "" : "s");
	else
		app_message(a, MSG_INFO, "Signed in to the registry; nothing is waiting to be sent.");
	if (n > 0)
		app_sync_now(a); /* even where auto_sync is off: this sign-in asked to send */
}

void app_go_online(struct app *a)
{
	if (!app_offline(a)) {
		app_message(a, MSG_INFO, "You are signed in to the registry already.");
		return;
	}
	if (!app_conn(a) || app_locked(a) || app_top(a) == SCREEN_CONFID)
		return;
	if (session_net(a->sess) != NET_ONLINE) {
		/* ask now rather than at the next backoff step */
		session_probe_now(a->sess);
		app_message(a, MSG_INFO,
		            "Checking whether the registry is back; your work is kept here meanwhile.");
		return;
	}
	if (api_session_busy(session_api(a->sess))) {
		app_message(a, MSG_INFO, "Still waiting for the registry...");
		return;
	}
	/* a workstation that signs itself in does so without asking anyone */
	if (session_sign_in_again(a->sess, signed_in_again, a)) {
		app_message(a, MSG_INFO, "Signing this workstation in to the registry...");
		return;
	}
	/* a person who signs in on another device does so again */
	if (session_local(a->sess) && (api_session_smart(session_api(a->sess))->grants & API_GRANT_DEVICE)) {
		struct open_device o = {.name = session_user(a->sess), .adopt = true};
		app_open(a, SCREEN_DEVICE, &o);
		return;
	}
	/* the lock screen asks, over every screen, which all stay as they are;
	 * the store stays open: this is not an idle lock */
	enum lock_mode mode = LOCK_SIGN_IN;
	app_open(a, SCREEN_LOCK, &mode);
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_CANCEL, key, sizeof key);
	app_message(a, MSG_INFO, "Type your password to sign in to the registry; %s keeps working offline.",
	            key[0] ? key : "cancel");
}

/* ---- drawing -------------------------------------------------------------------------------- */

void app_render(struct app *a)
{
	if (a->dirty & DIRTY_LAYOUT) {
		term_layout(a);
		a->dirty &= ~DIRTY_LAYOUT;
		for (int i = 0; i < a->depth; i++) {
			/* forms fit the new width */
			struct screen *s = &a->stack[i];
			struct form *f = s->ops->form ? s->ops->form(s) : NULL;
			if (f)
				form_view_fit(f, a->cols);
		}
	}
	/* a message that is no longer true goes */
	if (a->msg[0] && a->msg_true && !a->msg_true(a)) {
		a->msg[0] = '\0';
		a->msg_true = NULL;
		a->dirty |= DIRTY_MSG;
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
		struct screen *s = app_top_screen(a);
		s->ops->draw(a, s, w);
	}
	if (a->cur_show)
		wmove(w, a->cur_y, a->cur_x);
	curs_set(a->cur_show ? 1 : 0);
	wnoutrefresh(w);
	doupdate();
	a->dirty = 0;
}

/* ---- the loop ----------------------------------------------------------------------------------- */

static void quit_yes(struct app *a, struct screen *s)
{
	(void)s;
	a->quit = true;
}

static void menu_yes(struct app *a, struct screen *s)
{
	(void)s;
	app_reset_to(a, SCREEN_MENU);
}

/* A screen on the stack with something typed and not saved, or NULL. */
static const struct screen *unsaved(const struct app *a)
{
	for (int i = a->depth - 1; i >= 0; i--)
		if (a->stack[i].ops->unsaved && a->stack[i].ops->unsaved(&a->stack[i]))
			return &a->stack[i];
	return NULL;
}

/* q / F10: leaving loses what is typed and not saved, and leaves what is
 * not sent on this workstation until the next login: ask first. */
static void quit(struct app *a, struct screen *top)
{
	const struct screen *u = unsaved(a);
	char q[256];
	count_outbox(a);
	if (u)
		snprintf(q, sizeof q, "Quit and lose what you typed (%s)?", u->ops->title);
	else if (session_in(a->sess) && a->counts.open > 0)
		snprintf(q, sizeof q, "%d record%s not sent yet (kept here until you log in again). Quit?",
		         a->counts.open, a->counts.open == 1 ? "" : "s");
	else {
		a->quit = true;
		return;
	}
	app_confirm(a, top, q, quit_yes);
}

/* The outbox is reached from everywhere: one already on the stack is
 * brought back (the screens over it closed) rather than another piled on,
 * unless something over it is typed and not saved. (A search starts afresh
 * every time: a new one over the record it was asked from.) */
static void raise_or_open(struct app *a, enum screen_id id)
{
	int at = -1;
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i].id == id)
			at = i;
	for (int i = at + 1; at >= 0 && i < a->depth; i++)
		if (a->stack[i].ops->unsaved && a->stack[i].ops->unsaved(&a->stack[i]))
			at = -1;
	if (at < 0) {
		app_open(a, id, NULL);
		return;
	}
	while (a->depth - 1 > at)
		app_pop(a);
}

/* Actions the frame handles on every screen when the screen does not. */
static void frame_action(struct app *a, struct screen *top, enum action act)
{
	switch (act) {
	case ACTION_HELP:
		if (app_top(a) != SCREEN_HELP)
			app_open(a, SCREEN_HELP, NULL);
		break;
	case ACTION_REDRAW:
		a->dirty |= DIRTY_ALL;
		break;
	case ACTION_SEARCH:
		if (!app_logged_in_any(a))
			app_message(a, MSG_INFO, "Log in first to find a client.");
		else if (app_top(a) != SCREEN_SEARCH)
			app_open(a, SCREEN_SEARCH, NULL);
		break;
	case ACTION_OUTBOX:
		/* the outbox is reachable from every screen once someone is in */
		if (!app_logged_in_any(a))
			app_message(a, MSG_INFO, "Log in first to see the outbox.");
		else if (app_top(a) != SCREEN_OUTBOX)
			raise_or_open(a, SCREEN_OUTBOX);
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
		if (session_in(a->sess))
			lock_now(a);
		else
			app_message(a, MSG_INFO, "Nothing to lock: no one is logged in.");
		break;
	case ACTION_MAIN_MENU: {
		if (!app_logged_in_any(a)) {
			app_message(a, MSG_INFO, "Log in first.");
			break;
		}
		if (a->depth == 1 && app_top(a) == SCREEN_MENU)
			break;
		const struct screen *u = unsaved(a);
		char q[200];
		if (u) {
			snprintf(q, sizeof q, "Go to the main menu and lose what you typed (%s)?",
			         u->ops->title);
			app_confirm(a, top, q, menu_yes);
		} else {
			app_reset_to(a, SCREEN_MENU);
		}
		break;
	}
	case ACTION_QUIT:
		quit(a, top);
		break;
	case ACTION_NONE:
		break;
	default:
		app_message(a, MSG_INFO, "%s: not available on this screen.", action_help(act));
		break;
	}
}

static void handle_key(struct app *a, const struct key *k)
{
	struct screen *s = app_top_screen(a);
	const struct screen_ops *ops = s->ops;
	struct form *f = ops->form ? ops->form(s) : NULL;
	unsigned flags = f ? KEYMAP_EDITING : 0;
	if (a->confirm_yes) {
		void (*yes)(struct app *, struct screen *) = a->confirm_yes;
		bool same = a->confirm_for == s->data;
		a->confirm_yes = NULL;
		a->msg[0] = '\0';
		a->dirty |= DIRTY_MSG | DIRTY_BAR;
		if (same && k->kind == KEY_KIND_CHAR && !k->ctrl && (k->code == 'y' || k->code == 'Y'))
			yes(a, s);
		return;
	}
	enum action act = keymap_lookup(a->keys, ops->keymap, k, flags);
	/* a new key clears the last message */
	if (a->msg[0]) {
		a->msg[0] = '\0';
		a->msg_true = NULL;
		a->dirty |= DIRTY_MSG;
	}
	if (act == ACTION_NONE) {
		if (f && key_is_text(k)) {
			if (ops->text)
				ops->text(a, s, (wchar_t)k->code);
			else
				form_view_text(a, f, (wchar_t)k->code);
			return;
		}
		char name[KEY_NAME_LEN];
		key_format(k, name, sizeof name);
		app_message(a, MSG_INFO, "The key %s does nothing here; ? lists the keys.", name);
		return;
	}
	if (ops->action && (ops->action(a, s, act) & TUI_HANDLED))
		return;
	/* the screen may have closed itself: the frame acts on what is on top now */
	frame_action(a, app_top_screen(a), act);
}

void app_confirm(struct app *a, struct screen *s, const char *question,
                 void (*yes)(struct app *a, struct screen *s))
{
	/* the answer keys on the line when they fit, shorter if need be; the
	 * bar shows them anyway (draw_bar) */
	static const char *const hints[] = {" (y = yes, any other key = no)", " (y/n)", ""};
	size_t i = 0;
	while (i < 2 && draw_width(question) + draw_width(hints[i]) > a->cols)
		i++;
	app_message(a, MSG_INFO, "%s%s", question, hints[i]);
	a->confirm_yes = yes;
	a->confirm_for = s ? s->data : NULL;
	app_dirty(a, DIRTY_BAR);
}

static void show_notes(struct app *a)
{
	if (!a->n_notes)
		return;
	app_message(a, MSG_ERROR, "%s%s", a->notes[0],
	            a->n_notes > 1 ? " (and more; see the help screen)" : "");
}

/* Everything that moves without a key: the session (probe, renewal,
 * expiry), the idle lock, the outbox's sending and counting. */
void app_idle(struct app *a)
{
	int64_t now = app_now_ms();
	session_tick(a->sess, now, a->last_input_ms);
	if (session_device_seq(a->sess) != a->seen_device) {
		/* a device sign-in moved on (a code, an approval, a refusal) */
		a->seen_device = session_device_seq(a->sess);
		app_notify(a, EVENT_SESSION);
		a->dirty |= DIRTY_SCREEN;
	}
	if (a->idle_lock_ms > 0 && session_in(a->sess) && now - a->last_input_ms >= a->idle_lock_ms &&
	    session_state(a->sess) != SESSION_LOCKED)
		session_lock(a->sess);
	follow_session(a);
	app_sync_tick(a);
	reports_idle(a);
	/* screens with long work go on a step (an idle op never opens or closes a screen) */
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i].ops->idle)
			a->stack[i].ops->idle(a, &a->stack[i]);
	if (a->counts_stale && now - a->counts_ms >= COUNT_MS)
		count_outbox(a);
	/* the byte count in the status line follows the traffic */
	if (app_conn(a) && api_busy(app_conn(a)))
		a->dirty |= DIRTY_STATUS;
}

void app_key(struct app *a, const struct key *k)
{
	a->last_input_ms = app_now_ms();
	/* a key after the token ran out locks first and is not acted on, so
	 * nothing is sent without a session */
	enum session_state was = session_state(a->sess);
	session_tick(a->sess, a->last_input_ms, a->last_input_ms);
	follow_session(a);
	if (session_state(a->sess) != was)
		return;
	handle_key(a, k);
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
	/* no probe here: the login is the first request (tui/session.c); its
	 * TCP handshake happens while the login is typed */
	if (app_conn(a))
		api_conn_warm(app_conn(a));
	while (!a->quit) {
		if (stop_signal) {
			a->exit_status = 128 + stop_signal;
			break;
		}
		app_render(a);
		struct key k;
		enum input_kind in = input_next(a, &k, 250);
		switch (in) {
		case INPUT_EOF:
			a->quit = true;
			break;
		case INPUT_RESIZE:
			a->dirty |= DIRTY_LAYOUT | DIRTY_ALL;
			break;
		case INPUT_KEY:
			/* a key after a quiet spell: the registry has likely closed
			 * the connection; open the next while this action is typed */
			if (app_conn(a))
				api_conn_warm(app_conn(a));
			app_key(a, &k);
			break;
		case INPUT_NONE:
			break;
		}
		app_idle(a);
	}
	return a->exit_status;
}
