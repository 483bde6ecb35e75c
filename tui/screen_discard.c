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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "tui/tui.h"

static const struct form_field_spec reason_specs[] = {
    {.id = "reason", .label = "Reason (required)", .kind = FORM_TEXT, .max_len = 200, .width = 50},
};

struct discard_view {
	struct form *form;
	struct cache_entry e;
	char who[128]; /* the client's name */
};

static void *discard_open(struct app *a, const void *arg)
{
	const struct open_discard *o = arg;
	if (!o || !o->e)
		return NULL;
	struct discard_view *v = xcalloc(1, sizeof *v);
	v->e = *o->e;
	text_copy(v->who, sizeof v->who, o->who ? o->who : "");
	v->form = form_new(reason_specs, 1);
	form_view_fit(v->form, a->cols);
	return v;
}

static void discard_close(struct screen *s)
{
	struct discard_view *v = s->data;
	form_free(&v->form);
	free(v);
}

static void discard_save(struct app *a, struct discard_view *v)
{
	char reason[256];
	form_view_value(v->form, "reason", reason, sizeof reason);
	struct capture who;
	app_capture(a, &who);
	struct vax_error err;
	struct cache_store *store = app_store(a);
	if (!store || !cache_outbox_discard(store, v->e.seq, reason, &who, &err)) {
		app_message(a, MSG_ERROR, "Not discarded: %s",
		            store ? err.message : "the local store is not open.");
		return;
	}
	app_message(a, MSG_INFO, "Discarded: it will not be sent, and counts as discarded today.");
	app_outbox_changed(a);
	app_pop(a); /* v is gone after this */
}

static unsigned discard_action(struct app *a, struct screen *s, enum action act)
{
	struct discard_view *v = s->data;
	if (act == ACTION_CANCEL) {
		app_pop(a);
		app_message(a, MSG_INFO, "Nothing discarded.");
		return TUI_HANDLED;
	}
	unsigned r = form_view_action(a, v->form, act);
	if (r & FORM_SUBMIT) {
		discard_save(a, v);
		return TUI_HANDLED;
	}
	if (r & FORM_UNHANDLED)
		return TUI_UNHANDLED;
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static struct form *discard_form(const struct screen *s)
{
	const struct discard_view *v = s->data;
	return v->form;
}

static bool discard_unsaved(const struct screen *s)
{
	const struct discard_view *v = s->data;
	return form_dirty(v->form);
}

static void discard_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct discard_view *v = s->data;
	int cols = getmaxx(w), y = 0;
	char line[1024], when[32];
	time_t t = (time_t)v->e.cap.at;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%m/%d/%Y %H:%M", &tm);
	char what[32];
	snprintf(what, sizeof what, "%s", record_entry_what(&v->e));
	what[0] = (char)(what[0] - 'A' + 'a'); /* "new dose" in the sentence */
	snprintf(line, sizeof line, "Discard the %s for %s", what, v->who[0] ? v->who : "this client");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	snprintf(line, sizeof line, "Recorded %s by %s. %s%s%s", when, v->e.cap.user,
	         record_state_words(v->e.state), v->e.message[0] ? ": " : ".", v->e.message);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	y = draw_wrapped(w, y + 1, 1, cols - 2,
	                 "It will never be sent to the registry. It stays in the outbox as discarded, and "
	                 "who discarded it, when and why are kept in this workstation's audit.");
	form_view_draw(a, w, y + 1, v->form, true);
}

static const enum action discard_actions[] = {ACTION_SAVE, ACTION_SUBMIT, ACTION_CANCEL, ACTION_NONE};

const struct screen_ops screen_discard_ops = {
    .name = "discard",
    .title = "Discard",
    .keymap = KEYMAP_FORM,
    .phi = true,
    .open = discard_open,
    .draw = discard_draw,
    .action = discard_action,
    .form = discard_form,
    .actions = discard_actions,
    .unsaved = discard_unsaved,
    .close = discard_close,
};
