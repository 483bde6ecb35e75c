/* tui/screen_device.c - sign in on another device (the OAuth 2.0 device
 * grant, RFC 8628): the terminal shows a short code and an address; the
 * person opens the address on a phone or PC, types the code and logs in
 * there; the terminal notices by itself (tui/session.c polls at the
 * registry's interval, slower when asked) and goes on.
 *
 * Two uses (struct open_device):
 *   - at the login screen: once approved, the passphrase that opens the
 *     person's records here (tui/screen_passphrase.c);
 *   - over a session whose store is open (an offline session signing in, or
 *     one whose token the registry would not renew): the approval must be
 *     for the same person, and the session is online again at once.
 *
 * An expired, refused or failed code says so; Enter asks for a new one. Esc
 * gives the sign-in up (the registry lets the code expire). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "tui/tui.h"

struct device_view {
	struct app *app;
	bool adopt; /* a session with its store open signs in again */
	char name[128];
};

static void *device_open(struct app *a, const void *arg)
{
	const struct open_device *o = arg;
	struct device_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	v->adopt = o && o->adopt;
	snprintf(v->name, sizeof v->name, "%s", o && o->name ? o->name : "");
	if (!session_device_start(a->sess, v->name))
		app_message(a, MSG_ERROR, "%s", session_device_note(a->sess));
	return v;
}

static void device_close(struct screen *s)
{
	struct device_view *v = s->data;
	if (session_device_state(v->app->sess) != DEVICE_APPROVED)
		session_device_cancel(v->app->sess);
	free(v);
}

/* Approved: on to the passphrase, or back to work. */
static void approved(struct app *a, struct device_view *v)
{
	if (v->adopt) {
		struct vax_error err;
		bool ok = session_device_adopt(a->sess, &err);
		app_pop(a); /* v is gone after this */
		if (!ok) {
			app_message(a, MSG_ERROR, "%s", err.message);
			return;
		}
		app_signed_in_again(a);
		return;
	}
	struct open_passphrase o = {.mode = session_local_known(a->sess) ? PASS_UNLOCK : PASS_SET};
	app_open(a, SCREEN_PASSPHRASE, &o);
}

static void device_notify(struct app *a, struct screen *s, unsigned events)
{
	struct device_view *v = s->data;
	if (!(events & EVENT_SESSION))
		return;
	app_dirty(a, DIRTY_BODY);
	if (session_device_state(a->sess) == DEVICE_APPROVED && app_top_screen(a) == s)
		approved(a, v);
}

static unsigned device_action(struct app *a, struct screen *s, enum action act)
{
	struct device_view *v = s->data;
	if (act == ACTION_CANCEL || act == ACTION_MAIN_MENU) {
		app_pop(a); /* the close gives the code up */
		app_message(a, MSG_INFO, "Sign-in on another device given up.");
		return TUI_HANDLED;
	}
	if (act == ACTION_SUBMIT || act == ACTION_SELECT) {
		enum device_state st = session_device_state(a->sess);
		if (st == DEVICE_FAILED || st == DEVICE_IDLE) {
			if (!session_device_start(a->sess, v->name))
				app_message(a, MSG_ERROR, "%s", session_device_note(a->sess));
			app_dirty(a, DIRTY_BODY);
		}
		return TUI_HANDLED;
	}
	return TUI_UNHANDLED;
}

static void device_draw(struct app *a, struct screen *s, WINDOW *w)
{
	(void)s;
	int cols = getmaxx(w), y = 1;
	char m[1400];
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Sign in on another device", cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	enum device_state st = session_device_state(a->sess);
	const struct api_device *d = session_device(a->sess);
	if (st == DEVICE_WAITING || st == DEVICE_APPROVED) {
		y = draw_wrapped(w, y, 1, cols - 2, "On your phone or computer, open this address:") + 1;
		wattrset(w, A_BOLD);
		y = draw_wrapped(w, y, 3, cols - 4, d->uri) + 1;
		wattrset(w, A_NORMAL);
		y = draw_wrapped(w, y, 1, cols - 2, "and type this code there, then log in as yourself:") + 1;
		wattrset(w, A_BOLD | A_REVERSE);
		char code[80];
		snprintf(code, sizeof code, " %s ", d->user_code);
		draw_text(w, y, 3, code, cols - 4);
		wattrset(w, A_NORMAL);
		y += 2;
		if (d->uri_complete[0] && y + 2 < getmaxy(w)) {
			snprintf(m, sizeof m, "(Or open %s, which has the code in it.)", d->uri_complete);
			y = draw_wrapped(w, y, 1, cols - 2, m) + 1;
		}
		time_t until = (time_t)session_device_expires(a->sess);
		struct tm tm;
		char at[16] = "";
		if (localtime_r(&until, &tm))
			strftime(at, sizeof at, "%H:%M", &tm);
		snprintf(m, sizeof m,
		         "%s The code works until %s; this screen goes on by itself once you approve.",
		         session_device_note(a->sess), at);
		y = draw_wrapped(w, y, 1, cols - 2, m) + 1;
	} else if (st == DEVICE_FAILED) {
		wattrset(w, term_attr(a, ROLE_ERROR));
		y = draw_wrapped(w, y, 1, cols - 2, session_device_note(a->sess)) + 1;
		wattrset(w, A_NORMAL);
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_SUBMIT, key, sizeof key);
		snprintf(m, sizeof m, "Press %s for a new code.", key[0] ? key : "Enter");
		y = draw_wrapped(w, y, 1, cols - 2, m) + 1;
	} else {
		y = draw_wrapped(w, y, 1, cols - 2, session_device_note(a->sess)) + 1;
	}
	char key[KEY_NAME_LEN];
	app_key_name(a, ACTION_CANCEL, key, sizeof key);
	snprintf(m, sizeof m, "%s gives the sign-in up.", key[0] ? key : "Cancel");
	draw_wrapped(w, y + 1, 1, cols - 2, m);
}

static const enum action device_actions[] = {ACTION_SUBMIT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_device_ops = {
    .name = "device",
    .title = "Sign in on another device",
    .keymap = KEYMAP_LOGIN,
    .open = device_open,
    .draw = device_draw,
    .action = device_action,
    .actions = device_actions,
    .notify = device_notify,
    .close = device_close,
};
