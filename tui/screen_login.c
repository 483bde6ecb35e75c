/* tui/screen_login.c - the login form: org code, username, masked password,
 * and a challenge answer if a registry asks one (vaxregd asks none: after 3
 * failed attempts it makes each next one wait, and says how long).
 *
 * What the form asks follows how the registry signs in (its SMART
 * configuration, api/session.h). It is asked for only when it matters, so
 * a password login costs no request before the login's own: the
 * workstation's sign-in, the device sign-in, and a password login the
 * default token endpoint does not know (404) ask for it first.
 *   - the password grant: org code (where the registry wants one),
 *     username and password, as above; where the registry also offers the
 *     device grant, the device-sign-in key signs in on another device
 *     instead (tui/screen_device.c);
 *   - a workstation set up with its own credentials or a bearer token
 *     (vaxdesk.conf): the person's name only; the workstation signs in and
 *     the person's passphrase opens their records (tui/screen_passphrase.c);
 *   - a registry with the device grant and no password grant: the name
 *     only, then the device sign-in.
 * The last two open the records with the passphrase alone when the
 * registry cannot be reached.
 *
 * Every login is a login: the password goes first; once the registry says
 * it is right it asks for the confidentiality statement, which is shown
 * (tui/screen_confid.c) to this user, at this login. vaxregd gives the
 * token with the statement (a deferred login, api/session.h): accepting
 * completes the login here, and the first request says so; the store opens
 * while the statement is read. A registry that refuses the login until the
 * statement is accepted gets the login again with it accepted. Nothing of
 * an earlier user's session shows here:
 * the form starts empty. When the registry cannot be reached the password
 * opens this user's local store instead (offline login). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/xalloc.h"
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

/* what the form asks (see the top) */
enum login_layout { LAYOUT_PASSWORD, LAYOUT_WORKSTATION, LAYOUT_DEVICE };

/* clang-format off */
static const struct form_field_spec name_spec = {
	.id = "name", .label = "Your name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
	.max_len = 64, .width = 24 };
/* clang-format on */

struct login_view {
	struct app *app;
	enum login_layout layout;
	bool discovering; /* the registry's sign-in configuration is being asked for */
	struct form *form;
	bool waiting;     /* a request of ours is in flight */
	char pw[256];     /* the password sent, until the answer (store, statement) */
	char answer[128]; /* the challenge answer sent */
	char org[64], user[128];
	char challenge[256]; /* the registry's challenge; "" if none */
	char error[1024];    /* why the last attempt failed, shown under the form */
	/* a deferred login's statement is on screen: the store opens at the
	 * turn of the loop after it is drawn (login_idle), not before */
	int open_store;
	bool opened_early; /* ... and did */
};

static void wipe(struct login_view *v)
{
	OPENSSL_cleanse(v->pw, sizeof v->pw);
	OPENSSL_cleanse(v->answer, sizeof v->answer);
}

/* The workstation signs itself in (vaxdesk.conf: client_secret_file or
 * token_file), or the registry offers only the device grant. */
static enum login_layout layout_of(struct app *a)
{
	struct api_session *as = session_api(a->sess);
	if (!as)
		return LAYOUT_PASSWORD;
	const struct api_smart *sm = api_session_smart(as);
	if (a->cfg.client_secret_file[0] || a->cfg.token_file[0])
		return LAYOUT_WORKSTATION;
	if (api_session_discovered(as) && !(sm->grants & API_GRANT_PASSWORD) &&
	    (sm->grants & API_GRANT_DEVICE))
		return LAYOUT_DEVICE;
	return LAYOUT_PASSWORD;
}

/* The password form without the org code, for registries that take none. */
static bool org_field(struct app *a)
{
	struct api_session *as = session_api(a->sess);
	return !as || api_session_smart(as)->org_code;
}

/* (Re)make the form, keeping org and username. */
static void make_form(struct app *a, struct login_view *v)
{
	char org[64] = "", user[128] = "";
	if (v->form) {
		form_view_value(v->form, "org", org, sizeof org);
		form_view_value(v->form, "user", user, sizeof user);
		if (!user[0])
			form_view_value(v->form, "name", user, sizeof user);
		form_free(&v->form);
	}
	v->layout = layout_of(a);
	if (v->layout != LAYOUT_PASSWORD) {
		v->form = form_new(&name_spec, 1);
		form_view_fit(v->form, a->cols);
		form_set_value(v->form, 0, user);
		return;
	}
	bool with_org = org_field(a);
	v->form = form_new(specs + (with_org ? 0 : 1), (v->challenge[0] ? 4u : 3u) - (with_org ? 0u : 1u));
	form_view_fit(v->form, a->cols);
	if (with_org)
		form_set_value(v->form, 0, org);
	form_set_value(v->form, with_org ? 1 : 0, user);
	if ((org[0] || !with_org) && user[0])
		form_set_focus(v->form, with_org ? 2 : 1);
}

/* The index of the password field in the form now. */
static size_t pw_field(struct app *a)
{
	return org_field(a) ? 2 : 1;
}

static void clear_password(struct login_view *v)
{
	wipe(v);
	if (v->form && v->layout == LAYOUT_PASSWORD) {
		form_set_value(v->form, pw_field(v->app), "");
		form_set_focus(v->form, pw_field(v->app));
	}
}

static void send_login(struct app *a, struct login_view *v, bool accepted);

/* The default token endpoint was not the registry's: it said how it signs
 * in; the same login goes again where it says, if it takes passwords. */
static void discovered(struct api_session *as, const struct api_result *res, void *arg)
{
	struct login_view *v = arg;
	struct app *a = v->app;
	v->discovering = v->waiting = false;
	app_note_result(a, res);
	make_form(a, v);
	app_dirty(a, DIRTY_SCREEN);
	if (res->cls == API_OK && v->layout == LAYOUT_PASSWORD &&
	    (api_session_smart(as)->grants & API_GRANT_PASSWORD)) {
		send_login(a, v, false);
		return;
	}
	clear_password(v);
	unsigned grants = api_session_smart(as)->grants;
	if (res->cls != API_OK)
		snprintf(v->error, sizeof v->error, "The registry's sign-in configuration: %s",
		         res->err.message);
	else if (grants & API_GRANT_CLIENT)
		snprintf(v->error, sizeof v->error,
		         "This registry takes no passwords: it signs in workstations set up for it "
		         "(client_id and client_secret_file, or token_file, in vaxdesk.conf).");
	else
		snprintf(v->error, sizeof v->error,
		         "This registry takes no passwords, and offers no other sign-in vaxdesk can use%s.",
		         api_session_smart(as)->published ? "" : " (it publishes no sign-in configuration)");
}

static void *login_open(struct app *a, const void *arg)
{
	(void)arg;
	struct login_view *v = xcalloc(1, sizeof *v);
	v->app = a;
	make_form(a, v);
	return v;
}

static void login_close(struct screen *s)
{
	struct login_view *v = s->data;
	if (v->waiting || v->discovering)
		api_session_cancel(session_api(v->app->sess));
	wipe(v);
	form_free(&v->form);
	OPENSSL_cleanse(v, sizeof *v);
	free(v);
}

/* The registry cannot be reached: open the local store with the password
 * instead, if this user has logged in online here before. */
static bool try_offline(struct app *a, struct login_view *v, const char *why)
{
	struct vax_error err;
	if (!session_offline_login(a->sess, v->org, v->user, v->pw, &err)) {
		snprintf(v->error, sizeof v->error, "%.480s %s%.480s", why,
		         strcmp(err.code, "CACHE-NO-OFFLINE") ? "Offline login: " : "", err.message);
		clear_password(v);
		return false;
	}
	wipe(v);
	app_logged_in_offline(a); /* v is gone after this */
	return true;
}

static void logged_in(struct app *a, struct login_view *v);

/* The statement was agreed to: with a token that waits for it, the login
 * is done; else the same login again, with it accepted. Not agreed to: no
 * login, and the password goes. */
static void answered(struct app *a, struct screen *below, bool agreed)
{
	if (!below || below->id != SCREEN_LOGIN)
		return;
	struct login_view *v = below->data;
	struct api_session *as = session_api(a->sess);
	if (api_session_awaiting_statement(as)) {
		v->open_store = 0;
		if (agreed && api_session_accept_statement(as)) {
			logged_in(a, v); /* v is gone after this */
			return;
		}
		api_session_decline_statement(as);
		if (v->opened_early)
			session_unlock_early_undo(a->sess);
		v->opened_early = false;
		clear_password(v);
		if (agreed)
			snprintf(v->error, sizeof v->error,
			         "The registry sent no version with its statement; log in again.");
		else
			app_message(a, MSG_INFO, "You must accept the statement to log in.");
		return;
	}
	if (agreed) {
		send_login(a, v, true);
		if (v->waiting) {
			/* the password was checked before the statement came: the
			 * store opens (a slow key derivation) while the login goes,
			 * sent first */
			struct vax_error err;
			enum session_state before = session_state(a->sess);
			api_pump(app_conn(a), 0);
			/* the answer may have come in that pump: the login is then
			 * done (this screen, v, gone with it) or refused, and the
			 * store opens (or stays shut) as that said */
			if (session_state(a->sess) == before && v->waiting)
				session_unlock_early(a->sess, v->org, v->user, v->pw, (int64_t)time(NULL),
				                     &err);
		}
	} else {
		clear_password(v);
		app_message(a, MSG_INFO, "You must accept the statement to log in.");
	}
}

static void confid_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct login_view *v = arg;
	struct app *a = v->app;
	v->waiting = false;
	if (!app_statement(a, res, answered, v->error, sizeof v->error)) {
		api_session_decline_statement(as); /* a token that waits for it is no use */
		clear_password(v);
		return;
	}
	if (api_session_awaiting_statement(as))
		v->open_store = 2; /* the statement drawn first, then the slow key derivation */
}

/* The password is right and the statement is to be shown: it came with the
 * answer (no other round trip), or is asked for. */
static void show_statement(struct api_session *as, const struct api_result *res, struct login_view *v)
{
	struct app *a = v->app;
	if (api_session_login_error(as)->statement) {
		struct api_result came = *res;
		came.cls = API_OK;
		confid_done(as, &came, v);
		return;
	}
	v->waiting = api_session_fetch_confidentiality(as, confid_done, v);
	if (v->waiting) {
		app_message(a, MSG_INFO, "Fetching the confidentiality statement...");
	} else {
		api_session_decline_statement(as);
		snprintf(v->error, sizeof v->error, "Could not ask for the confidentiality statement.");
	}
}

/* The login is complete (the token serves): the session goes online and
 * the store opens (unless it did while the statement was read). */
static void logged_in(struct app *a, struct login_view *v)
{
	struct vax_error err;
	bool store_ok = session_online(a->sess, v->pw, (int64_t)time(NULL), &err);
	wipe(v);
	app_logged_in(a); /* v is gone after this */
	char note[VAX_ERROR_MSG_LEN];
	if (!store_ok)
		app_message(a, MSG_ERROR, "Local store: %s", err.message);
	else if (app_store(a) && cache_take_notice(app_store(a), note, sizeof note))
		app_message(a, MSG_ERROR, "%s", note); /* a damaged store was kept aside */
}

/* A turn of the loop: the store of a deferred login opens once its
 * statement is on screen. */
static void login_idle(struct app *a, struct screen *s)
{
	struct login_view *v = s->data;
	if (v->open_store > 0 && --v->open_store == 0) {
		struct vax_error err;
		v->opened_early =
		    session_unlock_early(a->sess, v->org, v->user, v->pw, (int64_t)time(NULL), &err);
	}
}

static void login_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct login_view *v = arg;
	struct app *a = v->app;
	v->waiting = false;
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	v->error[0] = '\0';
	a->msg[0] = '\0';
	if (res->cls == API_OK && api_session_awaiting_statement(as)) {
		/* the token came with the statement: accepting it logs in */
		show_statement(as, res, v);
		return;
	}
	if (res->cls == API_OK) {
		logged_in(a, v);
		return;
	}
	if (res->cls == API_OFFLINE || res->cls == API_TLS) {
		try_offline(a, v, res->err.message);
		return;
	}
	struct api_token_error oauth;
	bool not_token_endpoint =
	    res->status == 404 || res->status == 405 ||
	    (res->status == 401 && !api_token_error_parse(res->body, res->body_len, &oauth));
	if (not_token_endpoint && !api_session_discovered(as)) {
		/* no OAuth token endpoint answered (nothing there, or a FHIR
		 * server's own refusal): ask the registry how it signs in (the
		 * password is kept until then) */
		v->discovering = v->waiting = api_session_discover(as, discovered, v);
		if (v->waiting)
			return;
	}
	const struct api_token_error *e = api_session_login_error(as);
	if (res->cls == API_AUTH && e->confidentiality_required) {
		/* the password is right: the statement, then the login again */
		show_statement(as, res, v);
		return;
	}
	wipe(v);
	if (res->cls == API_AUTH || res->cls == API_REJECTED) {
		if (e->reset_required) {
			v->challenge[0] = '\0';
			make_form(a, v);
			struct open_forgot o = {
			    .org = v->org,
			    .user = v->user,
			    .hint = e->description[0] ? e->description
			                              : "Too many failed attempts: reset your password."};
			app_open(a, SCREEN_FORGOT, &o);
			return;
		}
		char left[64] = "";
		if (e->attempts_remaining >= 0)
			snprintf(left, sizeof left, " Attempts left: %d.", e->attempts_remaining);
		snprintf(v->error, sizeof v->error, "%s%s",
		         e->description[0] ? e->description : res->err.message, left);
		if (e->captcha) {
			snprintf(v->challenge, sizeof v->challenge, "%s",
			         e->challenge[0] ? e->challenge : "Answer the challenge.");
			make_form(a, v);
		}
		clear_password(v);
		return;
	}
	snprintf(v->error, sizeof v->error, "%s", res->err.message);
	clear_password(v);
}

/* The workstation's sign-in answered: the passphrase next (or, with the
 * registry unreachable, the passphrase alone opens the records). */
static void workstation_done(struct api_session *as, const struct api_result *res, void *arg)
{
	struct login_view *v = arg;
	struct app *a = v->app;
	(void)as;
	v->waiting = false;
	app_note_result(a, res);
	app_dirty(a, DIRTY_SCREEN);
	a->msg[0] = '\0';
	if (res->cls == API_OK) {
		struct open_passphrase o = {.mode = session_local_known(a->sess) ? PASS_UNLOCK : PASS_SET};
		app_open(a, SCREEN_PASSPHRASE, &o);
		return;
	}
	if (res->cls == API_OFFLINE || res->cls == API_TLS) {
		struct open_passphrase o = {
		    .mode = PASS_OFFLINE, .org = session_default_org(a->sess), .user = v->user};
		if (!cache_has_user(session_store_handle(a->sess), o.org, o.user)) {
			snprintf(v->error, sizeof v->error,
			         "%.480s Offline login needs one online login first.", res->err.message);
			return;
		}
		app_open(a, SCREEN_PASSPHRASE, &o);
		app_message(a, MSG_INFO, "The registry cannot be reached: %s", res->err.message);
		return;
	}
	const struct api_token_error *e = api_session_login_error(as);
	snprintf(v->error, sizeof v->error, "The registry did not sign this workstation in: %s",
	         e->description[0] ? e->description : res->err.message);
}

static void submit_name(struct app *a, struct login_view *v)
{
	form_view_value(v->form, "name", v->user, sizeof v->user);
	if (v->layout == LAYOUT_DEVICE) {
		struct open_device o = {.name = v->user};
		app_open(a, SCREEN_DEVICE, &o);
		return;
	}
	v->waiting = session_workstation_start(a->sess, v->user, workstation_done, v);
	if (v->waiting)
		app_message(a, MSG_INFO, "Signing this workstation in...");
	else
		/* the file's own complaint (mode, missing) is the first note */
		snprintf(
		    v->error, sizeof v->error, "This workstation cannot sign in: %s",
		    a->n_notes
		        ? a->notes[0]
		        : "its client_secret_file or token_file could not be read (see vaxdesk.conf(5)).");
	app_dirty(a, DIRTY_BODY);
}

static void send_login(struct app *a, struct login_view *v, bool accepted)
{
	bool ok = api_session_login(session_api(a->sess), v->org, v->user, v->pw,
	                            v->answer[0] ? v->answer : NULL, accepted, login_done, v);
	v->waiting = ok;
	if (!ok) {
		snprintf(v->error, sizeof v->error, "The login could not be sent.");
		clear_password(v);
	} else {
		app_message(a, MSG_INFO, "Logging in...");
	}
	app_dirty(a, DIRTY_BODY);
}

static void submit(struct app *a, struct login_view *v)
{
	v->error[0] = '\0';
	if (!app_conn(a)) {
		snprintf(v->error, sizeof v->error,
		         "No registry is set up: put registry_url (and ca_file) in vaxdesk.conf.");
		return;
	}
	if (v->waiting || api_session_busy(session_api(a->sess))) {
		app_message(a, MSG_INFO, "Still waiting for the registry...");
		return;
	}
	if (v->layout != LAYOUT_PASSWORD) {
		submit_name(a, v);
		return;
	}
	if (org_field(a))
		form_view_value(v->form, "org", v->org, sizeof v->org);
	else
		snprintf(v->org, sizeof v->org, "%s", session_default_org(a->sess));
	form_view_value(v->form, "user", v->user, sizeof v->user);
	form_view_secret(v->form, pw_field(a), v->pw, sizeof v->pw);
	v->answer[0] = '\0';
	if (v->challenge[0])
		form_view_value(v->form, "answer", v->answer, sizeof v->answer);
	/* the field goes now; the password is kept only until the answer */
	form_set_value(v->form, pw_field(a), "");
	form_set_focus(v->form, pw_field(a));
	send_login(a, v, false);
}

static unsigned login_action(struct app *a, struct screen *s, enum action act)
{
	struct login_view *v = s->data;
	if (act == ACTION_FORGOT_PASSWORD) {
		char org[64], user[128];
		form_view_value(v->form, "org", org, sizeof org);
		form_view_value(v->form, "user", user, sizeof user);
		struct open_forgot o = {.org = org, .user = user, .hint = ""};
		app_open(a, SCREEN_FORGOT, &o);
		return TUI_HANDLED;
	}
	if (act == ACTION_DEVICE_SIGN_IN) {
		if (!session_device_offered(a->sess)) {
			app_message(a, MSG_INFO, "This registry does not offer sign-in on another device.");
			return TUI_HANDLED;
		}
		char name[128] = "";
		form_view_value(v->form, v->layout == LAYOUT_PASSWORD ? "user" : "name", name, sizeof name);
		struct open_device o = {.name = name};
		app_open(a, SCREEN_DEVICE, &o);
		return TUI_HANDLED;
	}
	if (act == ACTION_CANCEL)
		return TUI_HANDLED; /* nowhere to go back to */
	unsigned r = form_view_action(a, v->form, act);
	if (r & FORM_SUBMIT)
		submit(a, v);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static struct form *login_form(const struct screen *s)
{
	const struct login_view *v = s->data;
	return v->form;
}

static void login_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct login_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w);
	int y = 1;
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Log in to the immunization registry", cols - 2);
	wattrset(w, A_NORMAL);
	y++;
	if (v->challenge[0]) {
		wattrset(w, A_BOLD);
		y = draw_wrapped(w, y, 1, cols - 2, v->challenge);
		wattrset(w, A_NORMAL);
		y++;
	}
	y = form_view_draw(a, w, y, v->form, true);
	if (v->error[0] && y + 1 < rows) {
		char m[1100];
		snprintf(m, sizeof m, "Error: %s", v->error);
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
	if (fk[0] && y + 1 < rows && v->layout == LAYOUT_PASSWORD) {
		char m[160];
		snprintf(m, sizeof m, "Forgot your password? Press %s.", fk);
		y = draw_wrapped(w, y + 1, 1, cols - 2, m);
	}
	char m[400], dk[KEY_NAME_LEN];
	if (session_device_offered(a->sess) && v->layout != LAYOUT_WORKSTATION && y + 1 < rows) {
		app_key_name(a, ACTION_DEVICE_SIGN_IN, dk, sizeof dk);
		if (v->layout == LAYOUT_DEVICE)
			snprintf(m, sizeof m,
			         "Type your name and press Enter, then approve the sign-in on your phone or "
			         "computer.");
		else
			snprintf(m, sizeof m, "Or sign in on your phone or computer: press %s.",
			         dk[0] ? dk : "F4");
		y = draw_wrapped(w, y + 1, 1, cols - 2, m);
	}
	if (v->layout == LAYOUT_WORKSTATION && y + 1 < rows)
		y = draw_wrapped(w, y + 1, 1, cols - 2,
		                 "This workstation signs in to the registry by itself; your name goes with "
		                 "everything you record, and your passphrase opens your records here.");
	if (v->discovering && y + 1 < rows)
		y = draw_wrapped(w, y + 1, 1, cols - 2, "Asking the registry how to sign in...");
	if (session_net(a->sess) == NET_NONE && !v->error[0] && y + 1 < rows)
		y = draw_wrapped(w, y + 1, 1, cols - 2,
		                 "No registry is set up: put registry_url (and ca_file) in vaxdesk.conf.");
	if (a->login_notice && y + 1 < rows)
		y = draw_wrapped(w, y + 1, 1, cols - 2, a->login_notice);
}

static bool login_shown(struct app *a, struct screen *s, enum action act)
{
	const struct login_view *v = s->data;
	struct api_session *as = session_api(a->sess);
	if (act == ACTION_DEVICE_SIGN_IN)
		return as && (api_session_smart(as)->grants & API_GRANT_DEVICE) &&
		       v->layout == LAYOUT_PASSWORD;
	if (act == ACTION_FORGOT_PASSWORD)
		return v->layout == LAYOUT_PASSWORD;
	return true;
}

static const enum action login_actions[] = {ACTION_SUBMIT,          ACTION_NEXT_FIELD,     ACTION_PREV_FIELD,
                                            ACTION_FORGOT_PASSWORD, ACTION_DEVICE_SIGN_IN, ACTION_NONE};

const struct screen_ops screen_login_ops = {
    .name = "login",
    .title = "Log in",
    .keymap = KEYMAP_LOGIN,
    .open = login_open,
    .draw = login_draw,
    .action = login_action,
    .form = login_form,
    .actions = login_actions,
    .action_shown = login_shown,
    .idle = login_idle,
    .close = login_close,
};
