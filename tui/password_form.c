/* tui/password_form.c - the new password typed twice under the registry's
 * rules (shown, and checked here before the registry checks them again),
 * and the form handling around it: one implementation for Change Password
 * (tui/screen_password.c) and the reset form (tui/screen_forgot.c). */
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

static void leave_yes(struct app *a, struct screen *s)
{
	(void)s;
	app_pop(a);
}

unsigned password_form_action(struct app *a, struct screen *s, struct form *f, enum action act,
                              const char *question, void (*send)(struct app *a, struct screen *s))
{
	if (act == ACTION_CANCEL) {
		if (form_dirty(f))
			app_confirm(a, s, question, leave_yes);
		else
			app_pop(a);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, f, act);
	if (r & FORM_SUBMIT) {
		send(a, s);
		return TUI_HANDLED;
	}
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
