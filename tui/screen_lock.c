/* tui/screen_lock.c - the idle lock: covers every screen (nothing of the
 * screens below is drawn while it is up) and asks for the password. The
 * screens below keep their state, so a half-typed form is still there after
 * the password. The check is local (a PBKDF2 hash made at login), so the
 * lock works offline and costs the registry nothing. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tui/tui.h"

#define LOCK_TRIES 5

/* clang-format off */
static const struct form_field_spec specs[] = {
	{ .id = "password", .label = "Password", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
};
/* clang-format on */

static struct form *form;
static int failures;

/* The registry's answer to logging in again after the token ran out. The
 * lock stays up until it comes, so nothing is sent without a session. */
static void relogin_done(struct api_session *s, const struct api_result *res, void *arg)
{
	(void)s;
	struct app *a = arg;
	a->relogin_pending = false;
	app_note_result(a, res);
	if (res->cls == API_OK || res->cls == API_OFFLINE) {
		a->session_expired = false;
		if (app_top(a) == SCREEN_LOCK)
			app_pop(a);
		if (res->cls == API_OK)
			app_message(a, MSG_INFO, "Session renewed. Your work is as you left it; repeat the last step.");
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
		form_free(&form);
		form = form_new(specs, 1);
		form_view_fit(form, a->cols);
		failures = 0;
	}
}

static unsigned lock_action(struct app *a, enum action act)
{
	if (act == ACTION_LOGOUT) {
		form_free(&form);
		app_logout(a, "Logged out from the lock screen.");
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL || act == ACTION_LOCK || act == ACTION_MAIN_MENU)
		return TUI_HANDLED;
	unsigned r = form_view_action(a, form, act);
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

static unsigned lock_text(struct app *a, wchar_t wc)
{
	form_view_text(a, form, wc);
	return TUI_HANDLED;
}

static void lock_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 2;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "SCREEN LOCKED", cols - 2);
	wattrset(w, A_NORMAL);
	char m[256];
	if (a->session_expired)
		snprintf(m, sizeof m,
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
	.text = lock_text,
	.form = lock_form,
	.actions = lock_actions,
	.cleanup = lock_cleanup,
};
