/* tui/screen_forgot.c - Forgot Password, in two steps as the registry's
 * training shows them: org code, username and e-mail (the registry always
 * answers "sent", whether or not they match an account); then the token
 * from the e-mail and the new password twice, with the rules shown. Also
 * the screen a locked-out account lands on. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tui/tui.h"

static struct form *form;
static int step; /* 1: ask for the e-mail, 2: token and new password */
static char error[1024];
static char info[512];

static const struct password_pair pair = {&form, 1};

/* clang-format off */
static const struct form_field_spec ask_specs[] = {
	{ .id = "org", .label = "Org code", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 32, .width = 16 },
	{ .id = "user", .label = "Username", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
	{ .id = "email", .label = "E-mail address", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 128, .width = 30 },
};
/* clang-format on */

/* clang-format off */
static const struct form_field_spec confirm_specs[] = {
	{ .id = "token", .label = "E-mail token", .kind = FORM_TEXT,
	  .flags = FORM_REQUIRED, .max_len = 128, .width = 30 },
	PASSWORD_PAIR_SPECS(pair),
};
/* clang-format on */

static struct form *forgot_form(struct app *a)
{
	(void)a;
	return form;
}

static void start_step(struct app *a, int s)
{
	form_free(&form);
	step = s;
	form = s == 1 ? form_new(ask_specs, 3) : form_new(confirm_specs, 3);
	form_view_fit(form, a->cols);
	error[0] = '\0';
	if (s == 1) {
		form_set_value(form, 0, a->last_org);
		form_set_value(form, 1, a->last_user);
		form_set_focus(form, a->last_org[0] && a->last_user[0] ? 2 : 0);
	}
}

static void forgot_enter(struct app *a, bool fresh)
{
	if (fresh || !form) {
		info[0] = '\0';
		start_step(a, 1);
	}
}

static void request_done(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)s;
	if (!password_form_answered(a, res, error, sizeof error))
		return;
	start_step(a, 2);
	snprintf(info, sizeof info,
	         "If the details match an account, the registry has sent a token to its "
	         "e-mail address. Type it below with your new password.");
}

static void confirm_done(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)s;
	if (!password_form_answered(a, res, error, sizeof error))
		return;
	form_free(&form);
	a->reset_hint[0] = '\0';
	app_pop(a);
	app_message(a, MSG_INFO, "Password Updated. Log in with the new password.");
}

static void send(struct app *a)
{
	error[0] = '\0';
	if (!a->sess) {
		snprintf(error, sizeof error, "No registry is set up.");
		return;
	}
	bool ok;
	if (step == 1) {
		char org[64], user[128], email[256];
		form_view_value(form, "org", org, sizeof org);
		form_view_value(form, "user", user, sizeof user);
		form_view_value(form, "email", email, sizeof email);
		snprintf(a->last_org, sizeof a->last_org, "%s", org);
		snprintf(a->last_user, sizeof a->last_user, "%s", user);
		ok = api_session_reset_request(a->sess, org, user, email, request_done, a);
	} else {
		char token[256], pw[256], pw2[256];
		form_view_value(form, "token", token, sizeof token);
		password_pair_read(&pair, pw, pw2, sizeof pw);
		ok = api_session_reset_confirm(a->sess, token, pw, pw2, confirm_done, a);
		OPENSSL_cleanse(pw, sizeof pw);
		OPENSSL_cleanse(pw2, sizeof pw2);
		OPENSSL_cleanse(token, sizeof token);
	}
	if (!ok)
		snprintf(error, sizeof error, "The request could not be sent.");
	else
		app_message(a, MSG_INFO, "Waiting for the registry...");
}

static void discard(struct app *a)
{
	form_free(&form);
	app_pop(a);
}

static unsigned forgot_action(struct app *a, enum action act)
{
	return password_form_action(a, form, act, "Leave the password reset? What you typed is lost.",
	                            discard, send);
}

static void forgot_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1,
	          step == 1 ? "Forgot password - step 1 of 2: who are you?"
	                    : "Forgot password - step 2 of 2: the token and a new password",
	          cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	if (a->reset_hint[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, a->reset_hint) + 1;
		wattrset(w, A_NORMAL);
	}
	if (info[0])
		y = draw_wrapped(w, y, 1, cols - 2, info) + 1;
	password_form_draw(a, w, y, form, step == 2, error); /* step 1 asks no password yet */
}

static void forgot_cleanup(void)
{
	form_free(&form);
}

static const enum action forgot_actions[] = {ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_forgot_ops = {
    .name = "forgot",
    .title = "Forgot password",
    .keymap = KEYMAP_FORM,
    .enter = forgot_enter,
    .draw = forgot_draw,
    .action = forgot_action,
    .form = forgot_form,
    .actions = forgot_actions,
    .cleanup = forgot_cleanup,
};
