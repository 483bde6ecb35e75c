/* tui/screen_lock.c - the idle lock: covers every screen (nothing of the
 * screens below is drawn while it is up) and asks for the password. The
 * screens below keep their state, so a half-typed form is still there after
 * the password. The check is local (a PBKDF2 hash made at login), so the
 * lock works offline and costs the registry nothing.
 *
 * The same prompt logs in again when the registry's token ran out
 * (a->session_expired), and signs an offline session in to the registry
 * once it is back (a->going_online). That one is not a lock: the store
 * stays open, Esc goes back to work offline, and the password goes to
 * the registry, whose answer (attempts left, a challenge, a reset) is
 * shown in words; its lockout is the one that counts. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

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

static struct form *form;
static int failures;
static char error[1024]; /* the registry's last refusal, under the form */
/* going online: the password sent, until the registry answers (the store
 * is wrapped for it if it changed at the registry); wiped then */
static char sent_pw[256];

static void new_form(struct app *a)
{
	form_free(&form);
	/* the registry asks a challenge after failed logins */
	form = form_new(specs, a->going_online && a->challenge[0] ? 2 : 1);
	form_view_fit(form, a->cols);
}

/* Signed in from an offline session: from now on an ordinary online
 * session for the same user and org, and the outbox goes. */
static void online_ok(struct app *a)
{
	struct vax_error err;
	a->offline_session = false;
	a->going_online = false;
	a->challenge[0] = '\0';
	error[0] = '\0';
	/* the idle lock and the store follow the registry's password (it may
	 * have changed at the registry since the store was last opened) */
	app_arm_lock(a, sent_pw);
	bool store_ok = !a->store || cache_login_online(a->store, app_org(a), app_user(a), sent_pw,
	                                                (int64_t)time(NULL), &err);
	OPENSSL_cleanse(sent_pw, sizeof sent_pw);
	if (app_top(a) == SCREEN_LOCK)
		app_pop(a);
	if (!store_ok) {
		app_message(a, MSG_ERROR, "Signed in to the registry, but the local store: %s", err.message);
		return;
	}
	int n = app_outbox_waiting(a);
	if (api_session_reset_required(a->sess)) {
		app_push(a, SCREEN_PASSWORD);
		app_message(a, MSG_INFO, "Signed in. The registry asks you to choose a new password now.");
		return;
	}
	if (n > 0) {
		app_message(a, MSG_INFO, "Signed in to the registry; sending %d waiting record%s.", n,
		            n == 1 ? "" : "s");
		app_sync_now(a); /* even where auto_sync is off: this key asked to send */
	} else {
		app_message(a, MSG_INFO, "Signed in to the registry; nothing is waiting to be sent.");
	}
}

/* The registry said no to the offline session's sign-in: say why in its
 * words, and keep working offline. */
static void online_refused(struct app *a, const struct api_result *res)
{
	const struct api_token_error *e = api_session_login_error(a->sess);
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_CANCEL, key, sizeof key);
	if (res->cls != API_AUTH && res->cls != API_REJECTED) {
		snprintf(error, sizeof error, "%s", res->err.message);
	} else if (e->reset_required) {
		/* no password typed here can help now; the records stay here */
		a->challenge[0] = '\0';
		snprintf(error, sizeof error,
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
		snprintf(error, sizeof error, "%s%s", e->description[0] ? e->description : res->err.message,
		         left);
		if (e->captcha)
			snprintf(a->challenge, sizeof a->challenge, "%s",
			         e->challenge[0] ? e->challenge : "Answer the challenge.");
	}
	new_form(a);
	app_message(a, MSG_ERROR, "Not signed in; still offline (%s goes back to work).",
	            key[0] ? key : "cancel");
}

/* The registry's answer to logging in again after the token ran out. The
 * lock stays up until it comes, so nothing is sent without a session. */
static void relogin_done(struct api_session *s, const struct api_result *res, void *arg)
{
	(void)s;
	struct app *a = arg;
	a->relogin_pending = false;
	app_note_result(a, res);
	if (a->going_online) {
		if (res->cls == API_OK) {
			online_ok(a);
		} else if (res->cls == API_OFFLINE || res->cls == API_TLS) {
			OPENSSL_cleanse(sent_pw, sizeof sent_pw);
			a->going_online = false;
			if (app_top(a) == SCREEN_LOCK)
				app_pop(a);
			app_message(a, MSG_ERROR,
			            "The registry stopped answering (%s); still working offline.",
			            res->err.message);
		} else {
			OPENSSL_cleanse(sent_pw, sizeof sent_pw);
			online_refused(a, res);
		}
		app_dirty(a, DIRTY_SCREEN);
		return;
	}
	OPENSSL_cleanse(sent_pw, sizeof sent_pw); /* the sign-in was given up meanwhile */
	if (res->cls == API_OK || res->cls == API_OFFLINE) {
		a->session_expired = false;
		if (app_top(a) == SCREEN_LOCK)
			app_pop(a);
		if (res->cls == API_OK)
			app_message(a, MSG_INFO,
			            "Session renewed. Your work is as you left it; repeat the last step.");
		else
			app_message(a, MSG_ERROR, "The registry cannot be reached (%s); working offline.",
			            res->err.message);
	} else {
		app_message(a, MSG_ERROR, "The registry did not renew the session: %s", res->err.message);
	}
	app_dirty(a, DIRTY_SCREEN);
}

static struct form *lock_form(struct app *a)
{
	(void)a;
	return form;
}

static void lock_enter(struct app *a, bool fresh)
{
	if (fresh || !form) {
		new_form(a);
		failures = 0;
		error[0] = '\0';
	}
}

/* Going online: send the password to the registry as the offline
 * session's user and org; the registry's answer decides. */
static unsigned online_submit(struct app *a)
{
	char pw[256], answer[128] = "";
	form_view_secret(form, 0, pw, sizeof pw);
	if (a->challenge[0])
		form_view_value(form, "answer", answer, sizeof answer);
	error[0] = '\0';
	memcpy(sent_pw, pw, sizeof sent_pw);
	a->relogin_pending =
	    api_session_login(a->sess, a->session_org, a->session_user, pw, a->challenge[0] ? answer : NULL,
	                      a->confid_accepted, relogin_done, a);
	OPENSSL_cleanse(pw, sizeof pw);
	new_form(a);
	if (a->relogin_pending) {
		app_message(a, MSG_INFO, "Signing in to the registry...");
	} else {
		OPENSSL_cleanse(sent_pw, sizeof sent_pw);
		app_message(a, MSG_ERROR, "Could not ask the registry to sign you in.");
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static unsigned lock_action(struct app *a, enum action act)
{
	if (act == ACTION_LOGOUT) {
		if (a->relogin_pending) {
			/* its answer would log this session in again */
			app_message(a, MSG_INFO, "Waiting for the registry's answer...");
			return TUI_HANDLED;
		}
		form_free(&form);
		app_logout(a, "Logged out from the lock screen.");
		return TUI_HANDLED;
	}
	if (a->going_online && act == ACTION_CANCEL) {
		if (a->relogin_pending) {
			app_message(a, MSG_INFO, "Waiting for the registry's answer...");
			return TUI_HANDLED;
		}
		a->going_online = false;
		a->challenge[0] = '\0';
		form_free(&form);
		app_pop(a);
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_SYNC_NOW, key, sizeof key);
		app_message(a, MSG_INFO, "Still working offline; press %s to sign in when you are ready.",
		            key[0] ? key : "sync-now");
		app_dirty(a, DIRTY_SCREEN);
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL || act == ACTION_LOCK || act == ACTION_MAIN_MENU)
		return TUI_HANDLED;
	unsigned r = form_view_action(a, form, act);
	if ((r & FORM_SUBMIT) && a->going_online) {
		if (a->relogin_pending) {
			app_message(a, MSG_INFO, "Waiting for the registry's answer...");
			return TUI_HANDLED;
		}
		return online_submit(a);
	}
	if (r & FORM_SUBMIT) {
		char pw[256];
		form_view_secret(form, 0, pw, sizeof pw);
		bool ok = app_check_lock(a, pw);
		bool relogin = ok && a->session_expired && a->sess;
		if (relogin) {
			a->relogin_pending = api_session_relogin(a->sess, pw, relogin_done, a);
			if (!a->relogin_pending)
				app_message(a, MSG_ERROR, "Could not ask the registry for a new session.");
		}
		if (ok && a->store) {
			/* open the store again (its key went with the lock) */
			struct vax_error err;
			if (cache_has_user(a->store, app_org(a), app_user(a)) &&
			    !cache_login_offline(a->store, app_org(a), app_user(a), pw, &err))
				app_message(a, MSG_ERROR, "Local store: %s", err.message);
		}
		OPENSSL_cleanse(pw, sizeof pw);
		form_free(&form);
		if (ok && relogin) {
			/* stay locked until the registry answers (relogin_done) */
			form = form_new(specs, 1);
			form_view_fit(form, a->cols);
			app_message(a, MSG_INFO, "Logging in to the registry again...");
			app_dirty(a, DIRTY_BODY);
			return TUI_HANDLED;
		}
		if (ok) {
			app_pop(a);
			app_dirty(a, DIRTY_SCREEN);
			if (!a->msg[0])
				app_message(a, MSG_INFO, "Welcome back.");
			return TUI_HANDLED;
		}
		if (++failures >= LOCK_TRIES) {
			app_logout(a, "Logged out after too many wrong passwords at the lock.");
			return TUI_HANDLED;
		}
		form = form_new(specs, 1);
		form_view_fit(form, a->cols);
		app_message(a, MSG_ERROR, "Wrong password (%d of %d tries).", failures, LOCK_TRIES);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	return r & FORM_UNHANDLED ? TUI_UNHANDLED : TUI_HANDLED;
}

static void lock_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 2;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, a->going_online ? "SIGN IN TO THE REGISTRY" : "SCREEN LOCKED", cols - 2);
	wattrset(w, A_NORMAL);
	char m[1100];
	if (a->going_online) {
		int n = app_outbox_waiting(a);
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_CANCEL, key, sizeof key);
		snprintf(m, sizeof m,
		         "The registry is back. Type the password for %s (%s) to sign in; %d record%s "
		         "waiting here "
		         "%s sent then. Everything on your screens stays as it is; %s keeps working offline.",
		         a->session_user, a->session_org, n, n == 1 ? "" : "s", n == 1 ? "is" : "are",
		         key[0] ? key : "cancel");
		y = draw_wrapped(w, y + 1, 1, cols - 2, m) + 1;
		if (a->challenge[0]) {
			wattrset(w, A_BOLD);
			y = draw_wrapped(w, y, 1, cols - 2, a->challenge) + 1;
			wattrset(w, A_NORMAL);
		}
		y = form_view_draw(a, w, y, form, true);
		if (error[0]) {
			snprintf(m, sizeof m, "Not signed in: %s", error);
			wattrset(w, term_attr(a, ROLE_ERROR));
			draw_wrapped(w, y + 1, 1, cols - 2, m);
			wattrset(w, A_NORMAL);
		}
		return;
	}
	if (a->session_expired)
		snprintf(
		    m, sizeof m,
		    "Your registry session has ended. Type the password for %s to log in again and go on "
		    "where you left off.",
		    a->sess ? api_session_user(a->sess) : "-");
	else
		snprintf(m, sizeof m, "Locked for %s. Type the password to go on where you left off.",
		         a->sess ? api_session_user(a->sess) : "-");
	y = draw_wrapped(w, y + 1, 1, cols - 2, m) + 1;
	form_view_draw(a, w, y, form, true);
}

static void lock_cleanup(void)
{
	OPENSSL_cleanse(sent_pw, sizeof sent_pw);
	form_free(&form);
}

static const enum action lock_actions[] = {ACTION_SUBMIT, ACTION_NONE};

const struct screen_ops screen_lock_ops = {
    .name = "lock",
    .title = "Screen locked",
    .keymap = KEYMAP_LOGIN,
    .enter = lock_enter,
    .draw = lock_draw,
    .action = lock_action,
    .form = lock_form,
    .actions = lock_actions,
    .cleanup = lock_cleanup,
};
