/* tui/screen_login.c - the login form: org code, username, masked password,
 * and a challenge answer if a registry asks one (vaxregd asks none: after 3
 * failed attempts it makes each next one wait, and says how long). The
 * first login of a run shows the confidentiality statement
 * (tui/screen_confid.c), which the registry requires to be accepted. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tui/tui.h"

/* clang-format off */
static const struct form_field_spec specs[] = {
	{ .id = "org", .label = "Org code", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 32, .width = 16 },
	{ .id = "user", .label = "Username", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
	{ .id = "password", .label = "Password", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
	{ .id = "answer", .label = "Challenge answer", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
};
/* clang-format on */

static struct {
	struct form *form;
	char pw[256]; /* the password sent, until the answer (for the store) */
	char org[64], user[128];
	bool with_challenge;
	char error[1024]; /* why the last attempt failed, shown under the form */
} st;

static struct form *login_form(struct app *a)
{
	(void)a;
	return st.form;
}

/* (Re)make the form, keeping org and username. */
static void make_form(struct app *a, bool challenge)
{
	char org[64] = "", user[128] = "";
	if (st.form) {
		form_view_value(st.form, "org", org, sizeof org);
		form_view_value(st.form, "user", user, sizeof user);
		form_free(&st.form);
	}
	st.with_challenge = challenge;
	st.form = form_new(specs, challenge ? 4 : 3);
	form_view_fit(st.form, a->cols);
	form_set_value(st.form, 0, org);
	form_set_value(st.form, 1, user);
	if (org[0] && user[0])
		form_set_focus(st.form, 2);
}

static void login_enter(struct app *a, bool fresh)
{
	if (!st.form || (fresh && !a->challenge[0] && st.with_challenge))
		make_form(a, a->challenge[0] != '\0');
	if (fresh && a->last_org[0] && st.form) {
		char org[64];
		form_view_value(st.form, "org", org, sizeof org);
		if (!org[0]) {
			form_set_value(st.form, 0, a->last_org);
			form_set_value(st.form, 1, a->last_user);
			form_set_focus(st.form, 2);
		}
	}
}

/* The registry cannot be reached: open the local store with the password
 * instead, if this user has logged in online here before. */
static bool try_offline(struct app *a, const char *org, const char *user, const char *pw, const char *why)
{
	if (!a->store || !cache_has_user(a->store, org, user)) {
		snprintf(st.error, sizeof st.error,
		         "%s Offline login needs one online login on this workstation first.", why);
		return false;
	}
	struct vax_error err;
	if (!cache_login_offline(a->store, org, user, pw, &err)) {
		snprintf(st.error, sizeof st.error, "%s Offline login: %s", why, err.message);
		return false;
	}
	app_arm_lock(a, pw);
	form_free(&st.form);
	app_logged_in_offline(a, org, user);
	return true;
}

static void login_done(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	st.error[0] = '\0';
	a->msg[0] = '\0';
	if (res->cls == API_OK) {
		a->lock_armed = true;
		a->challenge[0] = '\0';
		form_free(&st.form);
		a->offline_session = false;
		app_logged_in(a);
		struct vax_error err;
		if (a->store &&
		    !cache_login_online(a->store, st.org, st.user, st.pw, (int64_t)time(NULL), &err))
			app_message(a, MSG_ERROR, "Local store: %s", err.message);
		OPENSSL_cleanse(st.pw, sizeof st.pw);
		return;
	}
	if (res->cls == API_OFFLINE || res->cls == API_TLS) {
		try_offline(a, st.org, st.user, st.pw, res->err.message);
		OPENSSL_cleanse(st.pw, sizeof st.pw);
		return;
	}
	OPENSSL_cleanse(st.pw, sizeof st.pw);
	if (res->cls == API_AUTH || res->cls == API_REJECTED) {
		const struct api_token_error *e = api_session_login_error(s);
		if (e && e->reset_required) {
			snprintf(a->reset_hint, sizeof a->reset_hint, "%s",
			         e->description[0] ? e->description
			                           : "Too many failed attempts: reset your password.");
			a->challenge[0] = '\0';
			make_form(a, false);
			app_push(a, SCREEN_FORGOT);
			return;
		}
		char left[64] = "";
		if (e && e->attempts_remaining >= 0)
			snprintf(left, sizeof left, " Attempts left: %d.", e->attempts_remaining);
		snprintf(st.error, sizeof st.error, "%s%s",
		         e && e->description[0] ? e->description : res->err.message, left);
		if (e && e->captcha) {
			snprintf(a->challenge, sizeof a->challenge, "%s",
			         e->challenge[0] ? e->challenge : "Answer the challenge.");
			make_form(a, true);
		}
		return;
	}
	snprintf(st.error, sizeof st.error, "%s", res->err.message);
}

void screen_login_send(struct app *a)
{
	char org[64], user[128], pw[256], answer[128] = "";
	form_view_value(st.form, "org", org, sizeof org);
	form_view_value(st.form, "user", user, sizeof user);
	form_view_secret(st.form, 2, pw, sizeof pw);
	if (st.with_challenge)
		form_view_value(st.form, "answer", answer, sizeof answer);
	snprintf(a->last_org, sizeof a->last_org, "%s", org);
	snprintf(a->last_user, sizeof a->last_user, "%s", user);
	snprintf(st.org, sizeof st.org, "%s", org);
	snprintf(st.user, sizeof st.user, "%s", user);
	memcpy(st.pw, pw, sizeof st.pw);
	/* the lock hash is made now, while the password is at hand; it only
	 * counts once the registry says yes */
	app_arm_lock(a, pw);
	a->lock_armed = false;
	bool ok = api_session_login(a->sess, org, user, pw, st.with_challenge ? answer : NULL,
	                            a->confid_accepted, login_done, a);
	OPENSSL_cleanse(pw, sizeof pw);
	form_set_value(st.form, 2, "");
	form_set_focus(st.form, 2);
	if (!ok)
		snprintf(st.error, sizeof st.error, "The login could not be sent.");
	else
		app_message(a, MSG_INFO, "Logging in...");
	app_dirty(a, DIRTY_BODY);
}

static void confid_done(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)s;
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	a->msg[0] = '\0';
	if (res->cls != API_OK) {
		char org[64], user[128], pw[256];
		form_view_value(st.form, "org", org, sizeof org);
		form_view_value(st.form, "user", user, sizeof user);
		form_view_secret(st.form, 2, pw, sizeof pw);
		bool in = false;
		if (res->cls == API_OFFLINE || res->cls == API_TLS)
			in = try_offline(a, org, user, pw, res->err.message);
		else
			snprintf(st.error, sizeof st.error, "%s", res->err.message);
		OPENSSL_cleanse(pw, sizeof pw);
		if (!in && st.form) {
			form_set_value(st.form, 2, "");
			form_set_focus(st.form, 2);
		}
		return;
	}
	a->confid_for_login = true;
	app_push(a, SCREEN_CONFID);
}

static void submit(struct app *a)
{
	st.error[0] = '\0';
	if (!a->conn) {
		snprintf(st.error, sizeof st.error,
		         "No registry is set up: put registry_url (and ca_file) in vaxdesk.conf.");
		return;
	}
	if (api_session_busy(a->sess)) {
		app_message(a, MSG_INFO, "Still waiting for the registry...");
		return;
	}
	if (!a->confid_accepted) {
		if (api_session_fetch_confidentiality(a->sess, confid_done, a))
			app_message(a, MSG_INFO, "Fetching the confidentiality statement...");
		return;
	}
	screen_login_send(a);
}

static unsigned login_action(struct app *a, enum action act)
{
	if (act == ACTION_FORGOT_PASSWORD) {
		a->reset_hint[0] = '\0';
		char org[64], user[128];
		form_view_value(st.form, "org", org, sizeof org);
		form_view_value(st.form, "user", user, sizeof user);
		snprintf(a->last_org, sizeof a->last_org, "%s", org);
		snprintf(a->last_user, sizeof a->last_user, "%s", user);
		app_push(a, SCREEN_FORGOT);
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL)
		return TUI_HANDLED; /* nowhere to go back to */
	unsigned r = form_view_action(a, st.form, act);
	if (r & FORM_SUBMIT)
		submit(a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void login_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), rows = getmaxy(w);
	int y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Log in to the immunization registry", cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	if (st.with_challenge && a->challenge[0]) {
		wattrset(w, A_BOLD);
		y = draw_wrapped(w, y, 1, cols - 2, a->challenge);
		wattrset(w, A_NORMAL);
		y++;
	}
	y = form_view_draw(a, w, y, st.form, true);
	if (st.error[0] && y + 1 < rows) {
		char m[1100];
		snprintf(m, sizeof m, "Error: %s", st.error);
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y + 1, 1, cols - 2, m);
		wattrset(w, A_NORMAL);
	}
	struct key keys[2];
	size_t nk = keymap_keys_for(a->keys, KEYMAP_LOGIN, KEYMAP_EDITING, ACTION_FORGOT_PASSWORD, keys, 2);
	char fk[64] = "", k1[KEY_NAME_LEN], k2[KEY_NAME_LEN];
	if (nk)
		snprintf(fk, sizeof fk, "%s%s%s", key_label(&keys[0], k1, sizeof k1), nk > 1 ? " or " : "",
		         nk > 1 ? key_label(&keys[1], k2, sizeof k2) : "");
	if (fk[0] && y + 1 < rows) {
		char m[160];
		snprintf(m, sizeof m, "Forgot your password? Press %s.", fk);
		y = draw_wrapped(w, y + 1, 1, cols - 2, m);
	}
	if (a->net == NET_NONE && !st.error[0] && y + 1 < rows)
		y = draw_wrapped(w, y + 1, 1, cols - 2,
		                 "No registry is set up: put registry_url (and ca_file) in vaxdesk.conf.");
	if (a->login_notice && y + 1 < rows)
		y = draw_wrapped(w, y + 1, 1, cols - 2, a->login_notice);
}

static void login_cleanup(void)
{
	OPENSSL_cleanse(st.pw, sizeof st.pw);
	form_free(&st.form);
}

static const enum action login_actions[] = {ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_PREV_FIELD,
                                            ACTION_FORGOT_PASSWORD, ACTION_NONE};

const struct screen_ops screen_login_ops = {
    .name = "login",
    .title = "Log in",
    .keymap = KEYMAP_LOGIN,
    .enter = login_enter,
    .draw = login_draw,
    .action = login_action,
    .form = login_form,
    .actions = login_actions,
    .cleanup = login_cleanup,
};
