/* tui/screen_outbox.c - everything recorded on this workstation on its way
 * to the registry: each entry not yet accepted with its state and the
 * reason in words, what resolves it, and an end-of-day sheet (recorded here
 * today, accepted, still waiting).
 *
 * Enter on an entry that waits for a person (needs review, conflict,
 * rejected) asks to send it as it is (cache_outbox_approve); on any other
 * it opens the client. The sync-now key puts a rejected or delayed entry
 * back in line (cache_outbox_retry); the sync itself sends it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/tui.h"

static struct {
	struct cache_entry *e; /* not accepted, in capture order */
	char (*who)[128];      /* the client's name for each */
	int n;
	int sel, top;
	int today_recorded, today_accepted, today_waiting; /* the end-of-day sheet */
	int held;                                          /* waiting for a person */
} st;

static void outbox_load(struct app *a)
{
	free(st.e);
	free(st.who);
	st.e = NULL;
	st.who = NULL;
	st.n = 0;
	st.today_recorded = st.today_accepted = st.today_waiting = st.held = 0;
	if (!a->store || !cache_unlocked(a->store))
		return;
	struct cache_entry *all;
	struct vax_error err;
	int n = cache_outbox_list(a->store, 0, &all, &err);
	if (n <= 0)
		return;
	st.e = calloc((size_t)n, sizeof *st.e);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	int64_t midnight = (int64_t)mktime(&tm);
	for (int i = 0; i < n; i++) {
		bool waiting = all[i].state != CACHE_ACCEPTED;
		if (all[i].cap.at >= midnight) {
			st.today_recorded++;
			if (waiting)
				st.today_waiting++;
			else
				st.today_accepted++;
		}
		if (all[i].state == CACHE_REJECTED || all[i].state == CACHE_CONFLICT ||
		    all[i].state == CACHE_NEEDS_REVIEW)
			st.held++;
		if (waiting && st.e)
			st.e[st.n++] = all[i];
	}
	free(all);
	st.who = calloc((size_t)st.n + 1, sizeof *st.who);
	for (int i = 0; i < st.n && st.who; i++) {
		struct client c;
		if (cache_get_client(a->store, st.e[i].client_key, &c, NULL, &err))
			client_display_name(&c.name, st.who[i], sizeof st.who[i]);
	}
	if (st.sel >= st.n)
		st.sel = st.n ? st.n - 1 : 0;
}

static const char *what(const struct cache_entry *e)
{
	if (e->type == CACHE_R_PATIENT)
		return e->op == CACHE_OP_CREATE   ? "New client"
		       : e->op == CACHE_OP_UPDATE ? "Client change"
		                                  : "Client removal";
	return e->op == CACHE_OP_CREATE   ? "New dose"
	       : e->op == CACHE_OP_UPDATE ? "Dose change"
	                                  : "Dose deletion";
}

/* What the person can do about an entry, in words. */
static const char *remedy(const struct cache_entry *e)
{
	switch (e->state) {
	case CACHE_PENDING:
	case CACHE_SENDING:
		return e->attempts ? "will be tried again at the next sync" : "goes at the next sync";
	case CACHE_REJECTED:
		return "correct the record, or Enter to send it as it is";
	case CACHE_CONFLICT:
		return "someone changed it at the registry; Enter keeps this version";
	case CACHE_NEEDS_REVIEW:
		return "possible duplicate; Enter sends it as it is";
	case CACHE_ACCEPTED:
		break;
	}
	return "";
}

static void outbox_enter(struct app *a, bool fresh)
{
	if (fresh)
		st.sel = st.top = 0;
	outbox_load(a);
}

static void outbox_draw(struct app *a, WINDOW *w)
{
	int cols = getmaxx(w), rows = getmaxy(w), y = 0;
	char line[1024];
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Outbox: records on their way to the registry", cols - 2);
	wattrset(w, A_NORMAL);
	snprintf(line, sizeof line,
	         "Today: %d recorded here, %d accepted by the registry, %d waiting. "
	         "Waiting for a person: %d.",
	         st.today_recorded, st.today_accepted, st.today_waiting, st.held);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	y++;
	if (!a->store || !cache_unlocked(a->store)) {
		draw_text(w, y, 1, "The local store is not open.", cols - 2);
		return;
	}
	if (!st.n) {
		draw_text(w, y, 1, "Nothing is waiting: the registry has everything recorded here.",
		          cols - 2);
		return;
	}
	if (st.sel < st.top)
		st.top = st.sel;
	int per = 2, room = (rows - y) / per;
	if (room < 1)
		room = 1;
	if (st.sel >= st.top + room)
		st.top = st.sel - room + 1;
	for (int i = st.top; i < st.n && y + 1 < rows; i++) {
		const struct cache_entry *e = &st.e[i];
		char when[32];
		time_t t = (time_t)e->cap.at;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%m/%d %H:%M", &tm);
		snprintf(line, sizeof line, "%c %-14s %-15s %-22.22s %s by %s%s", i == st.sel ? '>' : ' ',
		         what(e), screen_client_state_words(e->state), st.who ? st.who[i] : "", when,
		         e->cap.user, e->attempts ? " (tried before)" : "");
		wattrset(w, i == st.sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, e->state == CACHE_REJECTED ? term_attr(a, ROLE_ERROR) : A_NORMAL);
		snprintf(line, sizeof line, "    %s%s%s", e->message[0] ? e->message : "",
		         e->message[0] ? "; " : "", remedy(e));
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, A_NORMAL);
	}
}

static void approve_yes(struct app *a)
{
	if (st.sel >= st.n)
		return;
	struct vax_error err;
	const struct cache_entry *e = &st.e[st.sel];
	if (!cache_outbox_approve(a->store, e->seq, e->state == CACHE_CONFLICT ? e->receipt_version : NULL,
	                          &err))
		app_message(a, MSG_ERROR, "Not approved: %s", err.message);
	else
		app_message(a, MSG_INFO, "Approved: it goes at the next sync.");
	outbox_load(a);
	app_dirty(a, DIRTY_BODY);
}

static unsigned outbox_action(struct app *a, enum action act)
{
	switch (act) {
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		list_move(&st.sel, st.n, 0, act);
		break;
	case ACTION_SELECT: {
		if (st.sel >= st.n)
			break;
		const struct cache_entry *e = &st.e[st.sel];
		if (e->state == CACHE_REJECTED || e->state == CACHE_CONFLICT ||
		    e->state == CACHE_NEEDS_REVIEW)
			app_confirm(a, "Send this record to the registry as it is?", approve_yes);
		else if (app_top(a) == SCREEN_OUTBOX && e->client_key[0])
			screen_client_open(a, e->client_key);
		return TUI_HANDLED;
	}
	case ACTION_EDIT_SHOT: /* correct a refused dose, then it goes again */
		if (st.sel < st.n && st.e[st.sel].type == CACHE_R_IMMUNIZATION &&
		    st.e[st.sel].op != CACHE_OP_DELETE && st.e[st.sel].state == CACHE_REJECTED)
			screen_shot_edit_outbox(a, &st.e[st.sel]);
		else
			app_message(a, MSG_INFO, "Only a dose the registry rejected is corrected here.");
		return TUI_HANDLED;
	case ACTION_SYNC_NOW: {
		if (st.sel >= st.n)
			break;
		struct vax_error err;
		if (!cache_outbox_retry(a->store, st.e[st.sel].seq, 0, &err))
			app_message(a, MSG_ERROR, "%s", err.message);
		else
			app_message(a, MSG_INFO, "Back in line: it goes at the next sync (vaxdesk sync).");
		outbox_load(a);
		break;
	}
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

static void outbox_cleanup(void)
{
	free(st.e);
	free(st.who);
	memset(&st, 0, sizeof st);
}

static const enum action outbox_actions[] = {ACTION_SELECT, ACTION_SYNC_NOW, ACTION_EDIT_SHOT, ACTION_CANCEL,
                                             ACTION_NONE};

const struct screen_ops screen_outbox_ops = {
    .name = "outbox",
    .title = "Outbox",
    .keymap = KEYMAP_OUTBOX,
    .phi = true,
    .enter = outbox_enter,
    .draw = outbox_draw,
    .action = outbox_action,
    .actions = outbox_actions,
    .cleanup = outbox_cleanup,
};
