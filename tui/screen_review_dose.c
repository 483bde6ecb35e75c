/* tui/screen_review_dose.c - a dose held as a possible duplicate, beside
 * the dose it looks like.
 *
 * The registry answers a new dose of a vaccine group the client already
 * has within days (registry/dedup.h) by naming that dose, which the sync
 * keeps with ours; the desk's own check (the history cached here) names
 * nothing, so the matching dose is looked up in that history. Both are
 * shown side by side, field by field, each difference marked in words; one
 * key each: the same shot (ours is discarded, audited, with the dose it
 * duplicates as the reason), another dose (ours goes, marked as confirmed
 * by a person so the registry takes it), or decide later. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "tui/tui.h"

struct dose_view {
	struct cache_entry e;
	char who[128];
	struct immunization ours, other;
	bool have_other;
	char where[64];       /* "On the registry", "In the history here" */
	char other_id[96];    /* the other dose, for the audit: Immunization/<id> */
	struct cache_merge m; /* both doses' fields, in words (ours as base) */
};

/* The dose in this client's history the desk's own check matched. */
static bool history_match(struct app *a, struct dose_view *v)
{
	struct cache_store *store = app_store(a);
	struct immunization *have = NULL;
	int n = store ? cache_client_immunizations(store, v->e.client_key, &have, NULL) : -1;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(have[i].uuid, v->ours.uuid))
			have[k++] = have[i];
	struct rule_ctx ctx = {.today = app_today(), .codes = app_codes(a)};
	struct rule_report rep;
	rules_report_init(&rep);
	int hit = k > 0 ? rules_check_duplicate(&ctx, &v->ours, have, k, &rep) : -1;
	if (hit >= 0)
		v->other = have[hit];
	free(have);
	return hit >= 0;
}

static void *dose_open(struct app *a, const void *arg)
{
	const struct open_discard *o = arg; /* an outbox entry and its client's name */
	struct cache_store *store = app_store(a);
	if (!o || !o->e || !store)
		return NULL;
	struct dose_view *v = xcalloc(1, sizeof *v);
	v->e = *o->e;
	text_copy(v->who, sizeof v->who, o->who ? o->who : "");
	struct vax_error err;
	if (!cache_outbox_imm(store, v->e.seq, CACHE_OURS, &v->ours, &err)) {
		app_message(a, MSG_ERROR, "%s", err.message);
		free(v);
		return NULL;
	}
	if (cache_outbox_imm(store, v->e.seq, CACHE_THEIRS, &v->other, NULL)) {
		v->have_other = true;
		text_copy(v->where, sizeof v->where, "On the registry");
		snprintf(v->other_id, sizeof v->other_id, "Immunization/%.64s", v->other.id);
	} else if (history_match(a, v)) {
		v->have_other = true;
		text_copy(v->where, sizeof v->where, "In the history here");
		snprintf(v->other_id, sizeof v->other_id, "the dose in the history here");
	}
	cache_merge_imms(&v->ours, &v->ours, v->have_other ? &v->other : &v->ours, &v->m);
	return v;
}

static void dose_close(struct screen *s)
{
	struct dose_view *v = s->data;
	explicit_bzero(v, sizeof *v);
	free(v);
}

static unsigned dose_action(struct app *a, struct screen *s, enum action act)
{
	struct dose_view *v = s->data;
	struct cache_store *store = app_store(a);
	struct vax_error err;
	switch (act) {
	case ACTION_LINK_RECORD: { /* the same shot: ours is not sent */
		char reason[200];
		struct capture who;
		app_capture(a, &who);
		snprintf(reason, sizeof reason, "The same shot as %s.",
		         v->have_other ? v->other_id : "one on record");
		if (app_outbox_resolved(a, store && cache_outbox_discard(store, v->e.seq, reason, &who, &err),
		                        store ? &err : NULL, "Not discarded",
		                        "The same shot: ours is discarded (audited) and never sent."))
			return TUI_HANDLED; /* v is gone */
		break;
	}
	case ACTION_KEEP_BOTH: /* another dose: it goes, confirmed by a person */
		if (app_outbox_resolved(a, store && cache_outbox_approve(store, v->e.seq, NULL, &err),
		                        store ? &err : NULL, "Not sent",
		                        "Another dose: it goes at the next sync, confirmed by you."))
			return TUI_HANDLED;
		break;
	case ACTION_DEFER:
		app_message(a, MSG_INFO, "Deferred: it waits in the outbox until you decide.");
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void dose_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct dose_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 0;
	char line[1024];
	snprintf(line, sizeof line, "Possible duplicate dose for %s", v->who[0] ? v->who : "this client");
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, line, cols - 2);
	wattrset(w, A_NORMAL);
	if (v->e.message[0])
		y = draw_wrapped(w, y, 1, cols - 2, v->e.message);
	int lw = 16, tw = 10, vw = (cols - 2 - lw - tw - 3) / 2;
	if (vw < 8)
		vw = 8;
	int x[4] = {1, 2 + lw, 3 + lw + vw, 4 + lw + 2 * vw};
	wattrset(w, A_UNDERLINE);
	draw_text(w, y, x[0], "Field", lw);
	draw_text(w, y, x[1], "Typed here", vw);
	draw_text(w, y, x[2], v->have_other ? v->where : "(not found)", vw);
	wattrset(w, A_NORMAL);
	y++;
	for (int i = 0; i < v->m.n && y < rows - 2; i++) {
		const struct cache_merge_field *f = &v->m.f[i];
		if (!f->ours[0] && !f->theirs[0])
			continue;
		bool differs = v->have_other && strcmp(f->ours, f->theirs);
		wattrset(w, differs ? A_BOLD : A_NORMAL);
		draw_text(w, y, x[0], f->label, lw);
		draw_text(w, y, x[1], f->ours[0] ? f->ours : "-", vw);
		draw_text(w, y, x[2], !v->have_other ? "" : f->theirs[0] ? f->theirs : "-", vw);
		draw_text(w, y, x[3], !v->have_other ? "" : differs ? "DIFFERS" : "same", cols - 2 - x[3]);
		y++;
	}
	wattrset(w, A_NORMAL);
	if (y < rows) {
		char kl[64], kb[64], kd[64];
		draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_LINK_RECORD, kl, sizeof kl);
		draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_KEEP_BOTH, kb, sizeof kb);
		draw_keys_label(a, KEYMAP_REVIEW, 0, ACTION_DEFER, kd, sizeof kd);
		snprintf(line, sizeof line,
		         "Keys: %s the same shot (discard ours)   %s another dose (send it)   %s later", kl,
		         kb, kd);
		draw_words(a, w, y + 1 < rows ? y + 1 : y, 1, line, cols - 2);
	}
}

static const enum action dose_actions[] = {ACTION_LINK_RECORD, ACTION_KEEP_BOTH, ACTION_DEFER, ACTION_CANCEL,
                                           ACTION_NONE};

const struct screen_ops screen_review_dose_ops = {
    .name = "review-dose",
    .title = "Possible duplicate",
    .keymap = KEYMAP_REVIEW,
    .phi = true,
    .open = dose_open,
    .draw = dose_draw,
    .action = dose_action,
    .actions = dose_actions,
    .close = dose_close,
};
