/* tui/screen_forgot.c - Forgot Password, in two steps as the registry's
 * training shows them: org code, username and e-mail (the registry always
 * answers "sent", whether or not they match an account); then the token
 * from the e-mail and the new password twice, with the rules shown
 * (tui/password_form.c). Also the screen a locked-out account lands on. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/xalloc.h"
#include "tui/tui.h"

/* clang-format off */
static const struct form_field_spec ask_specs[] = {
	{ .id = "org", .label = "Org code", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 32, .width = 16 },
	{ .id = "user", .label = "Username", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 24 },
	{ .id = "email", .label = "E-mail address", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	  .max_len = 128, .width = 30 },
};
static const struct form_field_spec token_spec = {
	.id = "token", .label = "E-mail token", .kind = FORM_TEXT,
	.flags = FORM_REQUIRED, .max_len = 128, .width = 30 };
/* clang-format on */

struct forgot_view {
	struct app *app;
	struct form *form;
	int step; /* 1: ask for the e-mail, 2: token and new password */
	struct password_pair pair;
	struct form_field_spec confirm_specs[3]; /* token, new, new again */
	bool waiting;
	char error[1024];
	char info[512];
	char hint[256]; /* why the reset opened ("" if asked for) */
};

static struct form *forgot_form(const struct screen *s)
{
	const struct forgot_view *v = s->data;
	return v->form;
}

static bool forgot_unsaved(const struct screen *s)
{
	const struct forgot_view *v = s->data;
	return form_dirty(v->form);
}

static void start_step(struct app *a, struct forgot_view *v, int step, const char *org, const char *user)
{
	form_free(&v->form);
	v->step = step;
	v->form = step == 1 ? form_new(ask_specs, 3) : form_new(v->confirm_specs, 3);
	form_view_fit(v->form, a->cols);
	v->error[0] = '\0';
	if (step == 1) {
		form_set_value(v->form, 0, org ? org : "");
		form_set_value(v->form, 1, user ? user : "");
		form_set_focus(v->form, org && org[0] && user && user[0] ? 2 : 0);
	}
}

static void *forgot_open(struct app *a, const void *arg)
{
	const struct open_forgot *o = arg;
	struct forgot_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->pair = (struct password_pair){.form = &v->form, .first = 1};
	const struct form_field_spec pair_specs[] = {PASSWORD_PAIR_SPECS(v->pair)};
	v->confirm_specs[0] = token_spec;
	v->confirm_specs[1] = pair_specs[0];
	v->confirm_specs[2] = pair_specs[1];
	snprintf(v->hint, sizeof v->hint, "%s", o && o->hint ? o->hint : "");
	start_step(a, v, 1, o ? o->org : NULL, o ? o->user : NULL);
	return v;
}

static void forgot_close(struct screen *s)
{
	struct forgot_view *v = s->data;
	if (v->waiting)
		api_session_cancel(session_api(v->app->sess));
	form_free(&v->form);
	OPENSSL_cleanse(v, sizeof *v);
	free(v);
}

static void request_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct forgot_view *v = arg;
	struct app *a = v->app;
	(void)as;
	v->waiting = false;
	if (!password_form_answered(a, res, v->error, sizeof v->error))
		return;
	start_step(a, v, 2, NULL, NULL);
	snprintf(v->info, sizeof v->info,
	         "If the details match an account, the registry has sent a token to its "
	         "e-mail address. Type it below with your new password.");
}

static void confirm_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct forgot_view *v = arg;
	struct app *a = v->app;
	(void)as;
	v->waiting = false;
	if (!password_form_answered(a, res, v->error, sizeof v->error))
		return;
	app_pop(a); /* v is gone after this */
	app_message(a, MSG_INFO, "Password Updated. Log in with the new password.");
}

static void send(struct app *a, struct screen *s)
{
	struct forgot_view *v = s->data;
	struct api_session *as = session_api(a->sess);
	v->error[0] = '\0';
	if (!as) {
		snprintf(v->error, sizeof v->error, "No registry is set up.");
		return;
	}
	if (v->step == 1) {
		char org[64], user[128], email[256];
		form_view_value(v->form, "org", org, sizeof org);
		form_view_value(v->form, "user", user, sizeof user);
		form_view_value(v->form, "email", email, sizeof email);
		v->waiting = api_session_reset_request(as, org, user, email, request_done, v);
	} else {
		char token[256], pw[256], pw2[256];
		form_view_value(v->form, "token", token, sizeof token);
		password_pair_read(&v->pair, pw, pw2, sizeof pw);
		v->waiting = api_session_reset_confirm(as, token, pw, pw2, confirm_done, v);
		OPENSSL_cleanse(pw, sizeof pw);
		OPENSSL_cleanse(pw2, sizeof pw2);
		OPENSSL_cleanse(token, sizeof token);
	}
	if (!v->waiting)
		snprintf(v->error, sizeof v->error, "The request could not be sent.");
	else
		app_message(a, MSG_INFO, "Waiting for the registry...");
}

static unsigned forgot_action(struct app *a, struct screen *s, enum action act)
{
	struct forgot_view *v = s->data;
	return password_form_action(a, s, v->form, act, "Leave the password reset? What you typed is lost.",
	                            send);
}

static void forgot_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct forgot_view *v = s->data;
	int cols = getmaxx(w), y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1,
	          v->step == 1 ? "Forgot password - step 1 of 2: who are you?"
	                       : "Forgot password - step 2 of 2: the token and a new password",
	          cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	if (v->hint[0]) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, v->hint) + 1;
		wattrset(w, A_NORMAL);
	}
	if (v->info[0])
		y = draw_wrapped(w, y, 1, cols - 2, v->info) + 1;
	password_form_draw(a, w, y, v->form, v->step == 2, v->error); /* step 1 asks no password yet */
}

static const enum action forgot_actions[] = {ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_forgot_ops = {
    .name = "forgot",
    .title = "Forgot password",
    .keymap = KEYMAP_FORM,
    .open = forgot_open,
    .draw = forgot_draw,
    .action = forgot_action,
    .form = forgot_form,
    .actions = forgot_actions,
    .unsaved = forgot_unsaved,
    .close = forgot_close,
};
