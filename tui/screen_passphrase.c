/* tui/screen_passphrase.c - the local passphrase after a sign-in that
 * typed no password here (another device approved it, or the workstation
 * signed in with its own credentials), and for such a person's offline
 * login.
 *
 * The registry checked no secret this terminal could keep, so the person's
 * records on this workstation are sealed under a key wrapped with a
 * passphrase of their own (tui/session.h):
 *
 *   PASS_SET     their first such sign-in here: choose one, typed twice;
 *   PASS_UNLOCK  it opens their records (wrong ones are counted, as offline
 *                logins are); the forgot key starts again with a new one,
 *                which the store allows only when nothing of theirs waits to
 *                be sent (their records go with the old key);
 *   PASS_RESET   that new one, typed twice;
 *   PASS_OFFLINE the registry cannot be reached: it opens their records
 *                alone (an offline login).
 *
 * Leaving (cancel) ends the sign-in: the token goes, nothing is open. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/xalloc.h"
#include "tui/tui.h"

#define PASSPHRASE_MIN 10

static const char *passphrase_check(const char *value, const void *ctx, char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return draw_width(value) < PASSPHRASE_MIN
	           ? "Use at least 10 characters: a few words are easy to remember."
	           : NULL;
}

struct passphrase_view {
	struct app *app;
	enum passphrase_mode mode;
	char org[64], user[128]; /* whose records (offline: as typed at the login) */
	struct form *form;
	struct password_pair pair; /* the two fields of a new passphrase */
	struct form_field_spec specs[2];
	char error[VAX_ERROR_MSG_LEN + 64];
};

static void make_form(struct app *a, struct passphrase_view *v)
{
	form_free(&v->form);
	bool twice = v->mode == PASS_SET || v->mode == PASS_RESET;
	v->specs[0] = (struct form_field_spec){.id = "pass",
	                                       .label = twice ? "New passphrase" : "Passphrase",
	                                       .kind = FORM_PASSWORD,
	                                       .flags = FORM_REQUIRED,
	                                       .max_len = 128,
	                                       .width = 30,
	                                       .validate = twice ? passphrase_check : NULL};
	v->specs[1] = (struct form_field_spec){.id = "pass2",
	                                       .label = "Passphrase again",
	                                       .kind = FORM_PASSWORD,
	                                       .flags = FORM_REQUIRED,
	                                       .max_len = 128,
	                                       .width = 30,
	                                       .validate = password_again_check,
	                                       .ctx = &v->pair};
	v->form = form_new(v->specs, twice ? 2 : 1);
	form_view_fit(v->form, a->cols);
}

static void *pass_open(struct app *a, const void *arg)
{
	const struct open_passphrase *o = arg;
	struct passphrase_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->mode = o ? o->mode : PASS_UNLOCK;
	v->pair = (struct password_pair){.form = &v->form, .first = 0};
	snprintf(v->org, sizeof v->org, "%s", o && o->org ? o->org : "");
	snprintf(v->user, sizeof v->user, "%s", o && o->user ? o->user : "");
	make_form(a, v);
	return v;
}

static void pass_close(struct screen *s)
{
	struct passphrase_view *v = s->data;
	form_free(&v->form);
	OPENSSL_cleanse(v, sizeof *v);
	free(v);
}

static struct form *pass_form(const struct screen *s)
{
	const struct passphrase_view *v = s->data;
	return v->form;
}

/* The store's words for a refused passphrase, said of a passphrase. */
static void refused(struct passphrase_view *v, const struct vax_error *err)
{
	struct app *a = v->app;
	char key[64];
	draw_keys_label(a, KEYMAP_LOGIN, KEYMAP_EDITING, ACTION_FORGOT_PASSWORD, key, sizeof key);
	const char *org = v->mode == PASS_OFFLINE ? v->org : api_session_org(session_api(a->sess));
	const char *user = v->mode == PASS_OFFLINE ? v->user : api_session_user(session_api(a->sess));
	int failures = session_store_handle(a->sess)
	                   ? cache_offline_failures(session_store_handle(a->sess), org, user)
	                   : 0;
	int left = CACHE_MAX_OFFLINE_FAILURES - failures;
	if (!strcmp(err->code, "CACHE-BAD-PASSWORD"))
		snprintf(v->error, sizeof v->error, "Wrong passphrase (%d attempt%s left).%s%s%s", left,
		         left == 1 ? "" : "s", v->mode == PASS_UNLOCK ? " Forgotten? Press " : "",
		         v->mode == PASS_UNLOCK ? (key[0] ? key : "forgot-password") : "",
		         v->mode == PASS_UNLOCK ? "." : "");
	else if (!strcmp(err->code, "CACHE-OFFLINE-LOCKED"))
		snprintf(v->error, sizeof v->error,
		         "Too many wrong passphrases: your records here stay closed%s.",
		         v->mode == PASS_UNLOCK ? "; if it is forgotten, start again with a new one" : "");
	else if (!strcmp(err->code, "CACHE-KEY-OLD-PASSWORD"))
		snprintf(
		    v->error, sizeof v->error,
		    "Records of yours wait here to be sent, sealed with the old passphrase: they cannot be "
		    "opened without it, so it cannot be replaced. Type the old passphrase.");
	else
		snprintf(v->error, sizeof v->error, "%s", err->message);
}

static void submit(struct app *a, struct passphrase_view *v)
{
	char pass[256];
	form_view_secret(v->form, 0, pass, sizeof pass);
	struct vax_error err = {0};
	bool ok;
	switch (v->mode) {
	case PASS_OFFLINE:
		ok = session_offline_login(a->sess, v->org, v->user, pass, &err);
		break;
	case PASS_RESET:
		ok = session_local_reset(a->sess, pass, (int64_t)time(NULL), &err);
		break;
	default:
		ok = session_online_local(a->sess, pass, (int64_t)time(NULL), &err);
		break;
	}
	OPENSSL_cleanse(pass, sizeof pass);
	if (ok) {
		if (v->mode == PASS_OFFLINE)
			app_logged_in_offline(a); /* v is gone after this */
		else
			app_logged_in(a);
		return;
	}
	refused(v, &err);
	if (v->mode == PASS_RESET && !strcmp(err.code, "CACHE-KEY-OLD-PASSWORD"))
		v->mode = PASS_UNLOCK;
	make_form(a, v);
	app_dirty(a, DIRTY_BODY);
}

static unsigned pass_action(struct app *a, struct screen *s, enum action act)
{
	struct passphrase_view *v = s->data;
	if (act == ACTION_CANCEL || act == ACTION_MAIN_MENU) {
		app_logout(a, "Not signed in: the passphrase was not given."); /* v is gone */
		return TUI_HANDLED;
	}
	if (act == ACTION_FORGOT_PASSWORD && v->mode == PASS_UNLOCK) {
		v->mode = PASS_RESET;
		v->error[0] = '\0';
		make_form(a, v);
		app_dirty(a, DIRTY_BODY);
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, v->form, act);
	if (r & FORM_SUBMIT) {
		submit(a, v);
		return TUI_HANDLED;
	}
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void pass_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct passphrase_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 1;
	const char *user = v->mode == PASS_OFFLINE ? v->user : api_session_user(session_api(a->sess));
	char m[1200], key[64];
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1,
	          v->mode == PASS_SET       ? "Choose a passphrase for this workstation"
	          : v->mode == PASS_RESET   ? "Choose a new passphrase"
	          : v->mode == PASS_OFFLINE ? "Log in offline"
	                                    : "Your passphrase",
	          cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	switch (v->mode) {
	case PASS_SET:
		snprintf(m, sizeof m,
		         "Signed in as %s. The records you keep on this workstation are locked with a "
		         "passphrase of your own: it opens them here offline and after the screen locks. "
		         "Nobody else, the registry included, can open them without it. Use at least %d "
		         "characters.",
		         user, PASSPHRASE_MIN);
		break;
	case PASS_RESET:
		snprintf(m, sizeof m,
		         "A new passphrase starts your records on this workstation again: what the old one "
		         "locked is removed (the registry has all of it). Use at least %d characters.",
		         PASSPHRASE_MIN);
		break;
	case PASS_OFFLINE:
		snprintf(m, sizeof m,
		         "The registry cannot be reached. Type the passphrase of %s to open the records kept "
		         "on this workstation and work offline.",
		         user);
		break;
	default:
		draw_keys_label(a, KEYMAP_LOGIN, KEYMAP_EDITING, ACTION_FORGOT_PASSWORD, key, sizeof key);
		snprintf(m, sizeof m,
		         "Signed in as %s. Type the passphrase (or the password) that opens your records on "
		         "this workstation. Forgotten? %s starts again with a new one.",
		         user, key[0] ? key : "forgot-password");
		break;
	}
	y = draw_wrapped(w, y, 1, cols - 2, m) + 1;
	y = form_view_draw(a, w, y, v->form, true);
	if (v->error[0] && y + 1 < rows) {
		snprintf(m, sizeof m, "Error: %s", v->error);
		wattrset(w, term_attr(a, ROLE_ERROR));
		draw_wrapped(w, y + 1, 1, cols - 2, m);
		wattrset(w, A_NORMAL);
	}
}

static bool pass_shown(struct app *a, struct screen *s, enum action act)
{
	const struct passphrase_view *v = s->data;
	(void)a;
	return act != ACTION_FORGOT_PASSWORD || v->mode == PASS_UNLOCK;
}

static const enum action pass_actions[] = {ACTION_SUBMIT, ACTION_NEXT_FIELD, ACTION_FORGOT_PASSWORD,
                                           ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_passphrase_ops = {
    .name = "passphrase",
    .title = "Passphrase",
    .keymap = KEYMAP_LOGIN,
    .open = pass_open,
    .draw = pass_draw,
    .action = pass_action,
    .form = pass_form,
    .actions = pass_actions,
    .action_shown = pass_shown,
    .close = pass_close,
};
