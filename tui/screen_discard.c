/* tui/screen_discard.c - the reason an outbox entry is dropped.
 *
 * Opened from the outbox after the person said yes to "Discard ...?": one
 * field, the reason. cache_outbox_discard() refuses an empty one, and its
 * message is shown, so the rule lives in one place (the store), not in the
 * form. A discarded entry is kept as "discarded" and audited; it never
 * reaches the registry. A screen of its own (not a field on the outbox
 * list) so the outbox's letter keys never steal the letters typed here. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "tui/tui.h"

static const struct form_field_spec reason_specs[] = {
    {.id = "reason", .label = "Reason (required)", .kind = FORM_TEXT, .max_len = 200, .width = 50},
};

static struct {
	struct form *form;
	struct cache_entry e;
	char who[128]; /* the client's name */
} st;

static const char *entry_what(const struct cache_entry *e)
{
	if (e->type == CACHE_R_PATIENT)
		return e->op == CACHE_OP_CREATE   ? "new client"
		       : e->op == CACHE_OP_UPDATE ? "client change"
		                                  : "client removal";
	return e->op == CACHE_OP_CREATE   ? "new dose"
	       : e->op == CACHE_OP_UPDATE ? "dose change"
	                                  : "dose deletion";
}

void screen_discard_open(struct app *a, const struct cache_entry *e, const char *client_name)
{
	form_free(&st.form);
	st.e = *e;
	text_copy(st.who, sizeof st.who, client_name ? client_name : "");
	st.form = form_new(reason_specs, 1);
	form_view_fit(st.form, a->cols);
	app_push(a, SCREEN_DISCARD);
}

static void discard_save(struct app *a)
{
	char reason[256];
	form_view_value(st.form, "reason", reason, sizeof reason);
	struct capture who;
	screen_client_capture(a, &who);
	struct vax_error err;
	if (!cache_outbox_discard(a->store, st.e.seq, reason, &who, &err)) {
		app_message(a, MSG_ERROR, "Not discarded: %s", err.message);
		return;
	}
	form_free(&st.form);
	app_pop(a);
	app_message(a, MSG_INFO, "Discarded: it will not be sent, and counts as discarded today.");
}

static unsigned discard_action(struct app *a, enum action act)
{
	if (!st.form)
		return TUI_UNHANDLED;
	if (act == ACTION_CANCEL) {
		form_free(&st.form);
		app_pop(a);
		app_message(a, MSG_INFO, "Nothing discarded.");
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, st.form, act);
	if (r & FORM_SUBMIT)
		discard_save(a);
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static struct form *discard_form(struct app *a)
{
	(void)a;
	return st.form;
}

static void discard_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), y = 0;
	char line[1024], when[32];
	if (!st.form)
		return;
	time_t t = (time_t)st.e.cap.at;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%m/%d/%Y %H:%M", &tm);
	snprintf(line, sizeof line, "Discard the %s for %s", entry_what(&st.e),
	         st.who[0] ? st.who : "this client");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	snprintf(line, sizeof line, "Recorded %s by %s. %s%s%s", when, st.e.cap.user,
	         screen_client_state_words(st.e.state), st.e.message[0] ? ": " : ".", st.e.message);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	y = draw_wrapped(w, y + 1, 1, cols - 2,
	                 "It will never be sent to the registry. It stays in the outbox as discarded, and "
	                 "who discarded it, when and why are kept in this workstation's audit.");
	form_view_draw(a, w, y + 1, st.form, true);
}

static void discard_cleanup(void)
{
	form_free(&st.form);
}

static const enum action discard_actions[] = {ACTION_SAVE, ACTION_SUBMIT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_discard_ops = {
    .name = "discard",
    .title = "Discard",
    .keymap = KEYMAP_FORM,
    .phi = true,
    .draw = discard_draw,
    .action = discard_action,
    .form = discard_form,
    .actions = discard_actions,
    .cleanup = discard_cleanup,
};
