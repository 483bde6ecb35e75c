/* tui/screen_password.c - Change Password (logged in), also shown at once
 * when the registry says the password must change. The password rules are
 * shown and checked here before the registry checks them again; the new
 * password typed twice, and the form handling around it, are shared with
 * the reset form (tui/screen_forgot.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include <openssl/crypto.h>

#include "tui/tui.h"

const char *const password_rules_text =
    "Passwords: 8 to 16 characters, with an upper-case letter, a lower-case letter, "
    "a digit and a special character (such as ! # $ %). Not one of your last 6 passwords.";

const char *password_rule_check(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	size_t n = 0;
	bool up = false, low = false, dig = false, spec = false;
	mbstate_t ms;
	memset(&ms, 0, sizeof ms);
	for (const char *p = value; *p;) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, p, strlen(p), &ms);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
			return "Use letters, digits and symbols only.";
		p += r;
		n++;
		if (iswupper((wint_t)wc))
			up = true;
		else if (iswlower((wint_t)wc))
			low = true;
		else if (iswdigit((wint_t)wc))
			dig = true;
		else if (!iswspace((wint_t)wc))
			spec = true;
	}
	if (n < 8 || n > 16)
		return "Use 8 to 16 characters.";
	if (!up || !low)
		return "Use both upper-case and lower-case letters.";
	if (!dig)
		return "Add a digit.";
	if (!spec)
		return "Add a special character (such as ! # $ %).";
	return NULL;
}

const char *password_again_check(const char *value, const void *ctx, char *buf, size_t len)
{
	const struct password_pair *pp = ctx;
	(void)buf;
	(void)len;
	if (!*pp->form)
		return NULL;
	char first[256];
	form_view_secret(*pp->form, pp->first, first, sizeof first);
	bool same = strcmp(first, value) == 0;
	OPENSSL_cleanse(first, sizeof first);
	return same ? NULL : "The two new passwords differ.";
}

void password_pair_read(const struct password_pair *pp, char *pw, char *pw2, size_t len)
{
	form_view_secret(*pp->form, pp->first, pw, len);
	form_view_secret(*pp->form, pp->first + 1, pw2, len);
}

void password_form_draw(struct app *a, WINDOW *w, int y, struct form *f, bool rules, const char *error)
{
	int cols = getmaxx(w), rows = getmaxy(w);
	if (rules)
		y = draw_wrapped(w, y, 1, cols - 2, password_rules_text) + 1;
	y = form_view_draw(a, w, y, f, true);
	if (error[0] && y + 1 < rows) {
		char m[1100];
		snprintf(m, sizeof m, "Error: %s", error);
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, m);
		wattrset(w, A_NORMAL);
	}
}

unsigned password_form_action(struct app *a, struct form *f, enum action act, const char *question,
                              void (*leave)(struct app *a), void (*send)(struct app *a))
{
	if (act == ACTION_CANCEL) {
		if (form_dirty(f))
			app_confirm(a, question, leave);
		else
			leave(a);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, f, act);
	if (r & FORM_SUBMIT)
		send(a);
	return r & FORM_UNHANDLED ? TUI_UNHANDLED : TUI_HANDLED;
}

bool password_form_answered(struct app *a, const struct api_result *res, char *error, size_t len)
{
	a->msg[0] = '\0'; /* "Waiting..." is over */
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	if (res->cls != API_OK) {
		snprintf(error, len, "%s", res->err.message);
		return false;
	}
	return true;
}

static struct form *form;
static const struct password_pair pair = {&form, 1};

/* clang-format off */
static const struct form_field_spec specs[] = {
	{ .id = "old", .label = "Current password", .kind = FORM_PASSWORD, .flags = FORM_REQUIRED,
	  .max_len = 64, .width = 20 },
	PASSWORD_PAIR_SPECS(pair),
};
/* clang-format on */

static char error[1024];
static char new_pw[256]; /* kept only until the registry answers */

static struct form *pw_form(struct app *a)
{
	(void)a;
	return form;
}

static void pw_enter(struct app *a, bool fresh)
{
	if (fresh || !form) {
		form_free(&form);
		form = form_new(specs, 3);
		form_view_fit(form, a->cols);
		error[0] = '\0';
	}
}

static void done(struct api_session *s, const struct api_result *res, void *arg)
{
	struct app *a = arg;
	(void)s;
	if (!password_form_answered(a, res, error, sizeof error)) {
		OPENSSL_cleanse(new_pw, sizeof new_pw);
		return;
	}
	app_arm_lock(a, new_pw);
	/* the store is open in this process: wrap its key for the new password */
	struct vax_error err;
	if (a->store && cache_unlocked(a->store) &&
	    !cache_login_online(a->store, app_org(a), app_user(a), new_pw, (int64_t)time(NULL), &err))
		app_message(a, MSG_ERROR, "Local store: %s", err.message);
	OPENSSL_cleanse(new_pw, sizeof new_pw);
	form_free(&form);
	if (a->forced_password) {
		a->forced_password = false;
		app_logged_in(a);
	} else {
		app_pop(a);
	}
	if (!a->msg[0] || a->msg_kind != MSG_ERROR)
		app_message(a, MSG_INFO, "Password Updated.");
}

static void send_change(struct app *a)
{
	char old[256], pw2[256];
	form_view_secret(form, 0, old, sizeof old);
	password_pair_read(&pair, new_pw, pw2, sizeof pw2);
	error[0] = '\0';
	if (!api_session_change_password(a->sess, old, new_pw, pw2, done, a))
		snprintf(error, sizeof error, "The change could not be sent.");
	else
		app_message(a, MSG_INFO, "Sending the new password...");
	OPENSSL_cleanse(old, sizeof old);
	OPENSSL_cleanse(pw2, sizeof pw2);
}

static void discard(struct app *a)
{
	form_free(&form);
	app_pop(a);
}

static unsigned pw_action(struct app *a, enum action act)
{
	if (act == ACTION_MAIN_MENU)
		act = ACTION_CANCEL; /* main-menu leaves this screen just as cancel does */
	if (act == ACTION_CANCEL && a->forced_password) {
		app_message(a, MSG_INFO, "Choose a new password first (or quit).");
		return TUI_HANDLED;
	}
	return password_form_action(a, form, act, "Leave without changing the password?", discard,
	                            send_change);
}

static void pw_draw(struct app *a, WINDOW *w)
{
	wattrset(w, A_BOLD);
	draw_text(w, 1, 1, a->forced_password ? "Choose a new password" : "Change password", getmaxx(w) - 2);
	wattrset(w, A_NORMAL);
	password_form_draw(a, w, 3, form, true, error);
}

static void pw_cleanup(void)
{
	form_free(&form);
}

static const enum action pw_actions[] = {ACTION_SAVE, ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_CANCEL,
                                         ACTION_NONE};

const struct screen_ops screen_password_ops = {
    .name = "password",
    .title = "Change password",
    .keymap = KEYMAP_FORM,
    .enter = pw_enter,
    .draw = pw_draw,
    .action = pw_action,
    .form = pw_form,
    .actions = pw_actions,
    .cleanup = pw_cleanup,
};
