/* tui/screen_lock.c - the password over every screen, in three modes
 * (enum lock_mode, the instance's first member, which the frame reads):
 *
 *   LOCK_IDLE     the idle lock or the lock key: nothing of the screens
 *                 below is drawn; the password, checked against a hash made
 *                 at login (tui/session.c), works offline and costs the
 *                 registry nothing. A token that ran out under the lock is
 *                 renewed with the same password.
 *   LOCK_EXPIRED  the registry's token ran out while nobody worked: the
 *                 password logs in again as the same user and organization.
 *   LOCK_SIGN_IN  an offline session signs in to the registry once it is
 *                 back. Not a lock: the store stays open, Esc goes back to
 *                 work offline, and the password goes to the registry, whose
 *                 answer (attempts left, a challenge, a reset, the
 *                 confidentiality statement) is shown in words.
 *
 * In every mode the screens below keep their state, so a half-typed form is
 * still there after the password, and the store stays open throughout: the
 * frame takes this screen away once the session is ONLINE or OFFLINE again. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/xalloc.h"
#include "tui/tui.h"

#define LOCK_TRIES 5

/* clang-format off */
static const struct form_field_spec specs[] = {
	{ .id = "password", .label = "Password", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
	{ .id = "answer", .label = "Challenge answer", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
};
/* clang-format on */

struct lock_view {
	enum lock_mode mode; /* first: the frame reads it */
	struct app *app;
	struct form *form;
	int failures;
	bool waiting;        /* the registry's answer to our login is awaited */
	char pw[256];        /* signing in: the password, until the statement is answered */
	char answer[128];    /* ... and the challenge answer sent with it */
	char challenge[256]; /* signing in: the registry's challenge, "" if none */
	char error[1024];    /* the registry's last refusal, under the form */
};

/* clang-format off */
/* a session whose secret here is a local passphrase (tui/session.h) */
static const struct form_field_spec passphrase_spec = {
	.id = "password", .label = "Passphrase", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED,
	.max_len = 128, .width = 30 };
/* clang-format on */

static void new_form(struct app *a, struct lock_view *v)
{
	form_free(&v->form);
	if (v->mode != LOCK_SIGN_IN && session_local(a->sess))
		v->form = form_new(&passphrase_spec, 1);
	else /* the registry asks a challenge after failed logins */
		v->form = form_new(specs, v->mode == LOCK_SIGN_IN && v->challenge[0] ? 2 : 1);
	form_view_fit(v->form, a->cols);
}

static void *lock_open(struct app *a, const void *arg)
{
	struct lock_view *v = xcalloc(1, sizeof *v);
	v->mode = arg ? *(const enum lock_mode *)arg : LOCK_IDLE;
	v->app = a;
	new_form(a, v);
	return v;
}

static void lock_close(struct screen *s)
{
	struct lock_view *v = s->data;
	if (v->waiting)
		api_session_cancel(session_api(v->app->sess));
	form_free(&v->form);
	OPENSSL_cleanse(v, sizeof *v);
	free(v);
}

static struct form *lock_form(const struct screen *s)
{
	const struct lock_view *v = s->data;
	return v->form;
}

/* Signed in (or logged in again): the outbox goes on, and says how much. */
static void signed_in(struct app *a, bool sign_in)
{
	if (api_session_reset_required(session_api(a->sess))) {
		app_outbox_changed(a);
		bool forced = true;
		app_open(a, SCREEN_PASSWORD, &forced);
		app_message(a, MSG_INFO, "Signed in. The registry asks you to choose a new password now.");
		return;
	}
	if (sign_in) {
		app_signed_in_again(a);
		return;
	}
	app_outbox_changed(a);
	app_message(a, MSG_INFO, "Session renewed. Your work is as you left it; repeat the last step.");
	if (a->counts.waiting > 0)
		app_sync_now(a);
}

/* The registry said no to the offline session's sign-in: say why in its
 * words, and keep working offline. */
static void refused(struct app *a, struct lock_view *v, const struct api_result *res)
{
	const struct api_token_error *e = api_session_login_error(session_api(a->sess));
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_CANCEL, key, sizeof key);
	if (res->cls != API_AUTH && res->cls != API_REJECTED) {
		snprintf(v->error, sizeof v->error, "%s", res->err.message);
	} else if (e->reset_required) {
		/* no password typed here can help now; the records stay here */
		v->challenge[0] = '\0';
		snprintf(v->error, sizeof v->error,
		         "The registry has locked this account after too many wrong passwords: it needs a "
		         "password reset (log out, then Forgot Password on the login screen). Your records "
		         "stay here; %s goes back to work offline.",
		         key[0] ? key : "cancel");
	} else {
		char left[160] = "";
		if (e->attempts_remaining >= 0)
			snprintf(left, sizeof left,
			         " %d more wrong password%s and the account needs a reset.",
			         e->attempts_remaining, e->attempts_remaining == 1 ? "" : "s");
		snprintf(v->error, sizeof v->error, "%s%s",
		         e->description[0] ? e->description : res->err.message, left);
		if (e->captcha)
			snprintf(v->challenge, sizeof v->challenge, "%s",
			         e->challenge[0] ? e->challenge : "Answer the challenge.");
	}
	new_form(a, v);
	app_message(a, MSG_ERROR, "Not signed in; still offline (%s goes back to work).",
	            key[0] ? key : "cancel");
}

static bool relogin(struct app *a, struct lock_view *v, const char *pw, bool accepted, const char *answer);

static void relogin_done(struct api_session *as, const struct api_result *res, void *arg);

/* A deferred login's token that will not be used (the statement declined,
 * or not shown): it goes, and the session, still offline, is told the
 * sign-in failed (why: for the session's words, or NULL). */
static void drop_awaiting(struct app *a, struct api_session *as, const char *why)
{
	struct api_result r = {.cls = API_AUTH, .status = 403, .body = "", .content_type = ""};
	if (why)
		error_set(&r.err, "API-AUTH-CONFIDENTIALITY", "%s", why);
	struct vax_error err = {0};
	api_session_decline_statement(as);
	session_relogin_done(a->sess, &r, &err); /* still offline, nothing kept */
}

/* Signing in: the statement answered. A token that waits for it (a
 * deferred login) completes the sign-in, or goes; else the login again
 * with it accepted. */
static void statement_answered(struct app *a, struct screen *below, bool agreed)
{
	if (!below || below->id != SCREEN_LOCK)
		return;
	struct lock_view *v = below->data;
	struct api_session *as = session_api(a->sess);
	if (api_session_awaiting_statement(as)) {
		OPENSSL_cleanse(v->answer, sizeof v->answer);
		if (agreed && api_session_accept_statement(as)) {
			struct api_result r = {.cls = API_OK, .status = 200, .body = "", .content_type = ""};
			relogin_done(as, &r, v); /* v may be gone after this */
			return;
		}
		OPENSSL_cleanse(v->pw, sizeof v->pw);
		drop_awaiting(a, as, "You must accept the statement to sign in.");
		app_message(a, MSG_INFO, "You must accept the statement to sign in; still working offline.");
		app_dirty(a, DIRTY_SCREEN);
		return;
	}
	if (agreed && relogin(a, v, v->pw, true, v->answer[0] ? v->answer : NULL))
		app_message(a, MSG_INFO, "Signing in to the registry...");
	else if (!agreed)
		app_message(a, MSG_INFO, "You must accept the statement to sign in; still working offline.");
	OPENSSL_cleanse(v->pw, sizeof v->pw);
	OPENSSL_cleanse(v->answer, sizeof v->answer);
	app_dirty(a, DIRTY_SCREEN);
}

static void statement_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct lock_view *v = arg;
	struct app *a = v->app;
	v->waiting = false;
	if (!app_statement(a, res, statement_answered, v->error, sizeof v->error)) {
		OPENSSL_cleanse(v->pw, sizeof v->pw);
		if (api_session_awaiting_statement(as))
			drop_awaiting(a, as, NULL);
	}
}

/* The registry's answer to logging in again (expired token, or signing in
 * from an offline session). The screen stays until it comes, so nothing is
 * sent without a session. */
static void relogin_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct lock_view *v = arg;
	struct app *a = v->app;
	v->waiting = false;
	bool sign_in = v->mode == LOCK_SIGN_IN;
	if (sign_in && res->cls == API_OK && api_session_awaiting_statement(as)) {
		/* the token came with the statement: accepting it signs in
		 * (statement_answered); the session waits for the answer */
		app_note_result(a, res);
		struct api_result came = *res;
		if (api_session_login_error(as)->statement) {
			statement_done(as, &came, v);
			return;
		}
		v->waiting = api_session_fetch_confidentiality(as, statement_done, v);
		if (!v->waiting) {
			came.cls = API_AUTH;
			statement_done(as, &came, v);
		}
		return;
	}
	struct vax_error err = {0};
	bool store_ok = session_relogin_done(a->sess, res, &err);
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	const struct api_token_error *e = api_session_login_error(as);
	if (res->cls == API_OK) {
		OPENSSL_cleanse(v->pw, sizeof v->pw);
		/* the frame takes the lock away now that the session is ONLINE;
		 * the sign-in prompt goes here */
		if (sign_in && app_top_screen(a)->data == v)
			app_pop(a); /* v is gone after this */
		if (!store_ok)
			app_message(a, MSG_ERROR, "Signed in to the registry, but the local store: %s",
			            err.message);
		else
			signed_in(a, sign_in);
		return;
	}
	if (sign_in && res->cls == API_AUTH && e->confidentiality_required) {
		/* the password is right: the statement first (v->pw is still held) */
		if (e->statement) {
			/* it came with the answer: no other round trip */
			struct api_result came = *res;
			came.cls = API_OK;
			statement_done(as, &came, v);
			return;
		}
		v->waiting = api_session_fetch_confidentiality(as, statement_done, v);
		if (!v->waiting)
			OPENSSL_cleanse(v->pw, sizeof v->pw);
		return;
	}
	OPENSSL_cleanse(v->pw, sizeof v->pw);
	if (!sign_in) {
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_SYNC_NOW, key, sizeof key);
		/* the session goes on offline (tui/session.c); the frame takes
		 * this screen away */
		if (res->cls == API_OFFLINE || res->cls == API_TLS)
			app_message(
			    a, MSG_INFO,
			    "Working offline: the registry cannot be reached. %s signs in when it is back.",
			    key[0] ? key : "sync-now");
		else
			app_message(a, MSG_ERROR, "The registry did not renew the session: %s",
			            res->err.message);
		return;
	}
	if (res->cls == API_OFFLINE || res->cls == API_TLS) {
		if (app_top_screen(a)->data == v)
			app_pop(a);
		app_message(a, MSG_ERROR, "The registry stopped answering (%s); still working offline.",
		            res->err.message);
		return;
	}
	refused(a, v, res);
}

static bool relogin(struct app *a, struct lock_view *v, const char *pw, bool accepted, const char *answer)
{
	if (v->mode == LOCK_SIGN_IN && pw != v->pw) {
		/* for the statement, if the registry asks for it */
		snprintf(v->pw, sizeof v->pw, "%s", pw);
		snprintf(v->answer, sizeof v->answer, "%s", answer ? answer : "");
	}
	v->waiting = session_relogin(a->sess, pw, accepted, answer, relogin_done, v);
	if (!v->waiting) {
		OPENSSL_cleanse(v->pw, sizeof v->pw);
		app_message(a, MSG_ERROR, "Could not ask the registry to sign you in.");
	}
	return v->waiting;
}

/* Going online: the password to the registry as the offline session's user
 * and org; the registry's answer decides. */
static unsigned sign_in_submit(struct app *a, struct lock_view *v)
{
	char pw[256], answer[128] = "";
	form_view_secret(v->form, 0, pw, sizeof pw);
	if (v->challenge[0])
		form_view_value(v->form, "answer", answer, sizeof answer);
	v->error[0] = '\0';
	if (relogin(a, v, pw, false, v->challenge[0] ? answer : NULL))
		app_message(a, MSG_INFO, "Signing in to the registry...");
	OPENSSL_cleanse(pw, sizeof pw);
	new_form(a, v);
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

/* The lock's own password (idle lock, expired token). */
static unsigned unlock_submit(struct app *a, struct lock_view *v)
{
	char pw[256];
	form_view_secret(v->form, 0, pw, sizeof pw);
	bool need_relogin = false;
	bool ok = session_unlock(a->sess, pw, &need_relogin);
	if (ok && need_relogin && relogin(a, v, pw, true, NULL)) {
		/* stay until the registry answers (relogin_done) */
		OPENSSL_cleanse(pw, sizeof pw);
		new_form(a, v);
		app_message(a, MSG_INFO, "Logging in to the registry again...");
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	OPENSSL_cleanse(pw, sizeof pw);
	if (ok) {
		/* the frame takes this screen away (the session resumed) */
		app_dirty(a, DIRTY_SCREEN);
		if (!a->msg[0])
			app_message(a, MSG_INFO, "Welcome back.");
		return TUI_HANDLED;
	}
	if (++v->failures >= LOCK_TRIES) {
		app_logout(a, "Logged out after too many wrong passwords at the lock."); /* v is gone */
		return TUI_HANDLED;
	}
	new_form(a, v);
	app_message(a, MSG_ERROR, "Wrong password (%d of %d tries).", v->failures, LOCK_TRIES);
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned lock_action(struct app *a, struct screen *s, enum action act)
{
	struct lock_view *v = s->data;
	if (act == ACTION_LOGOUT) {
		if (v->waiting) {
			/* its answer would log this session in again */
			app_message(a, MSG_INFO, "Waiting for the registry's answer...");
			return TUI_HANDLED;
		}
		app_logout(a, "Logged out from the lock screen.");
		return TUI_HANDLED;
	}
	if (v->mode == LOCK_SIGN_IN && act == ACTION_DEVICE_SIGN_IN && !v->waiting) {
		app_pop(a); /* v is gone: the device screen takes over, over the same screens */
		struct open_device o = {.name = session_user(a->sess), .adopt = true};
		app_open(a, SCREEN_DEVICE, &o);
		return TUI_HANDLED;
	}
	if (v->mode == LOCK_SIGN_IN && act == ACTION_CANCEL) {
		if (v->waiting) {
			app_message(a, MSG_INFO, "Waiting for the registry's answer...");
			return TUI_HANDLED;
		}
		app_pop(a);
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_SYNC_NOW, key, sizeof key);
		app_message(a, MSG_INFO, "Still working offline; press %s to sign in when you are ready.",
		            key[0] ? key : "sync-now");
		app_dirty(a, DIRTY_SCREEN);
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL || act == ACTION_LOCK || act == ACTION_MAIN_MENU || act == ACTION_SEARCH ||
	    act == ACTION_OUTBOX || act == ACTION_SYNC_NOW || act == ACTION_GO_ONLINE)
		return TUI_HANDLED; /* nothing under the lock until the password */
	unsigned r = form_view_action(a, v->form, act);
	if (r & FORM_SUBMIT) {
		if (v->waiting) {
			app_message(a, MSG_INFO, "Waiting for the registry's answer...");
			return TUI_HANDLED;
		}
		return v->mode == LOCK_SIGN_IN ? sign_in_submit(a, v) : unlock_submit(a, v);
	}
	return r & FORM_UNHANDLED ? TUI_UNHANDLED : TUI_HANDLED;
}

static void lock_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct lock_view *v = s->data;
	int cols = getmaxx(w), y = 2;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1,
	          v->mode == LOCK_SIGN_IN ? "SIGN IN TO THE REGISTRY"
	          : v->mode == LOCK_IDLE  ? "SCREEN LOCKED"
	                                  : "SESSION ENDED",
	          cols - 2);
	wattrset(w, A_NORMAL);
	char m[1100];
	const char *user = session_user(a->sess), *org = session_org(a->sess);
	if (v->mode == LOCK_SIGN_IN) {
		int n = a->counts.waiting;
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_CANCEL, key, sizeof key);
		snprintf(m, sizeof m,
		         "The registry is back. Type the password for %s (%s) to sign in; %d record%s "
		         "waiting here "
		         "%s sent then. Everything on your screens stays as it is; %s keeps working offline.",
		         user, org, n, n == 1 ? "" : "s", n == 1 ? "is" : "are", key[0] ? key : "cancel");
		y = draw_wrapped(w, y + 1, 1, cols - 2, m) + 1;
		if (v->challenge[0]) {
			wattrset(w, A_BOLD);
			y = draw_wrapped(w, y, 1, cols - 2, v->challenge) + 1;
			wattrset(w, A_NORMAL);
		}
		y = form_view_draw(a, w, y, v->form, true);
		if (session_device_offered(a->sess)) {
			char dk[KEY_NAME_LEN];
			app_key_name(a, ACTION_DEVICE_SIGN_IN, dk, sizeof dk);
			snprintf(m, sizeof m, "Or sign in on your phone or computer: press %s.",
			         dk[0] ? dk : "F4");
			y = draw_wrapped(w, y + 1, 1, cols - 2, m);
		}
		if (v->error[0]) {
			snprintf(m, sizeof m, "Not signed in: %s", v->error);
			wattrset(w, term_attr(a, ROLE_ERROR));
			draw_wrapped(w, y + 1, 1, cols - 2, m);
			wattrset(w, A_NORMAL);
		}
		return;
	}
	const char *secret = session_local(a->sess) ? "passphrase" : "password";
	if (v->mode == LOCK_EXPIRED)
		snprintf(m, sizeof m,
		         "Your registry session has ended. Type the %s for %s to log in again and go on "
		         "where you left off.",
		         secret, user);
	else
		snprintf(m, sizeof m, "Locked for %s. Type the %s to go on where you left off.", user,
		         secret);
	y = draw_wrapped(w, y + 1, 1, cols - 2, m) + 1;
	form_view_draw(a, w, y, v->form, true);
}

static bool lock_shown(struct app *a, struct screen *s, enum action act)
{
	const struct lock_view *v = s->data;
	return act != ACTION_DEVICE_SIGN_IN ||
	       (v->mode == LOCK_SIGN_IN &&
	        (api_session_smart(session_api(a->sess))->grants & API_GRANT_DEVICE));
}

static const enum action lock_actions[] = {ACTION_SUBMIT, ACTION_DEVICE_SIGN_IN, ACTION_NONE};

const struct screen_ops screen_lock_ops = {
    .name = "lock",
    .title = "Screen locked",
    .keymap = KEYMAP_LOGIN,
    .open = lock_open,
    .draw = lock_draw,
    .action = lock_action,
    .form = lock_form,
    .actions = lock_actions,
    .action_shown = lock_shown,
    .close = lock_close,
};
