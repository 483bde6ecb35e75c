/* tui/screen_password.c - Change Password (logged in), also shown at once
 * when the registry says the password must change (then it cannot be left
 * but by quitting). The new password typed twice, and its rules, are
 * tui/password_form.c's. The lock and the local store's key follow the new
 * password (tui/session.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/xalloc.h"
#include "tui/tui.h"

/* clang-format off */
static const struct form_field_spec old_spec = {
	.id = "old", .label = "Current password", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED,
	.max_len = 64, .width = 20 };
/* clang-format on */

struct password_view {
	struct app *app;
	struct form *form;
	struct password_pair pair;       /* the two new-password fields of form */
	struct form_field_spec specs[3]; /* old, new, new again (pair's ctx is this instance's) */
	bool forced;                     /* the registry wants a new password now */
	bool waiting;
	char error[1024];
	char new_pw[256]; /* kept only until the registry answers */
};

static void *pw_open(struct app *a, const void *arg)
{
	struct password_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->forced = arg && *(const bool *)arg;
	v->pair = (struct password_pair){.form = &v->form, .first = 1};
	const struct form_field_spec pair_specs[] = {PASSWORD_PAIR_SPECS(v->pair)};
	v->specs[0] = old_spec;
	v->specs[1] = pair_specs[0];
	v->specs[2] = pair_specs[1];
	v->form = form_new(v->specs, 3);
	form_view_fit(v->form, a->cols);
	return v;
}

static void pw_close(struct screen *s)
{
	struct password_view *v = s->data;
	if (v->waiting)
		api_session_cancel(session_api(v->app->sess));
	form_free(&v->form);
	OPENSSL_cleanse(v, sizeof *v);
	free(v);
}

static struct form *pw_form(const struct screen *s)
{
	const struct password_view *v = s->data;
	return v->form;
}

static bool pw_unsaved(const struct screen *s)
{
	const struct password_view *v = s->data;
	return form_dirty(v->form);
}

static void done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct password_view *v = arg;
	struct app *a = v->app;
	(void)as;
	v->waiting = false;
	if (!password_form_answered(a, res, v->error, sizeof v->error)) {
		OPENSSL_cleanse(v->new_pw, sizeof v->new_pw);
		return;
	}
	/* the lock and the store's key follow the new password */
	struct vax_error err;
	bool ok = session_password_changed(a->sess, v->new_pw, (int64_t)time(NULL), &err);
	OPENSSL_cleanse(v->new_pw, sizeof v->new_pw);
	if (v->forced)
		app_logged_in(a); /* v is gone after this */
	else
		app_pop(a); /* v is gone after this */
	if (!ok)
		app_message(a, MSG_ERROR, "Local store: %s", err.message);
	else
		app_message(a, MSG_INFO, "Password Updated.");
}

static void send_change(struct app *a, struct screen *s)
{
	struct password_view *v = s->data;
	char old[256], pw2[256];
	form_view_secret(v->form, 0, old, sizeof old);
	password_pair_read(&v->pair, v->new_pw, pw2, sizeof pw2);
	v->error[0] = '\0';
	v->waiting = api_session_change_password(session_api(a->sess), old, v->new_pw, pw2, done, v);
	if (!v->waiting)
		snprintf(v->error, sizeof v->error, "The change could not be sent.");
	else
		app_message(a, MSG_INFO, "Sending the new password...");
	OPENSSL_cleanse(old, sizeof old);
	OPENSSL_cleanse(pw2, sizeof pw2);
}

static unsigned pw_action(struct app *a, struct screen *s, enum action act)
{
	struct password_view *v = s->data;
	if (act == ACTION_MAIN_MENU)
		act = ACTION_CANCEL; /* main-menu leaves this screen just as cancel does */
	if (act == ACTION_CANCEL && v->forced) {
		app_message(a, MSG_INFO, "Choose a new password first (or quit).");
		return TUI_HANDLED;
	}
	return password_form_action(a, s, v->form, act, "Leave without changing the password?", send_change);
}

static void pw_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct password_view *v = s->data;
	wattrset(w, A_BOLD);
	draw_text(w, 1, 1, v->forced ? "Choose a new password" : "Change password", getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
	password_form_draw(a, w, 3, v->form, true, v->error);
}

static const enum action pw_actions[] = {ACTION_SAVE, ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_CANCEL,
                                         ACTION_NONE};

const struct screen_ops screen_password_ops = {
    .name = "password",
    .title = "Change password",
    .keymap = KEYMAP_FORM,
    .open = pw_open,
    .draw = pw_draw,
    .action = pw_action,
    .form = pw_form,
    .actions = pw_actions,
    .unsaved = pw_unsaved,
    .close = pw_close,
};
