/* tui/screen_outbox.c - everything recorded on this workstation on its way
 * to the registry: each entry not yet accepted (waiting, being sent,
 * rejected, in conflict, held for a person) with the reason in words and
 * the keys that resolve it, and an end-of-day sheet of what was recorded
 * here today (accepted, waiting, rejected, discarded).
 *
 * What resolves an entry:
 *   Enter        rejected / conflict / held dose: send it as it is
 *                (cache_outbox_approve); a held new client opens the match
 *                review; anything else opens the client
 *   discard      a question, then a reason (screen_discard.c); audited
 *   keep-theirs  a conflict: the registry's version wins; audited
 *   review       a held new client: link to the registry's client or
 *                create new (screen_review_match.c)
 *   sync-now     send now (a delayed entry first goes back in line)
 * The sending itself is tui/app_sync.c's: this screen only asks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "tui/tui.h"

/* the states a person can still act on (the list), as a mask */
#define OPEN_STATES                                                                                          \
	(1u << CACHE_PENDING | 1u << CACHE_SENDING | 1u << CACHE_REJECTED | 1u << CACHE_CONFLICT |           \
	 1u << CACHE_NEEDS_REVIEW)

struct outbox_view {
	struct cache_entry *e; /* open entries, in capture order */
	char (*who)[128];      /* the client's name for each */
	int n;
	int sel, top;
	/* the end-of-day sheet: entries recorded here today, by where they are */
	int today_recorded, today_accepted, today_waiting, today_rejected, today_discarded;
	int held; /* waiting for a person, any day */
	/* the entry a question is about: the list may be read again (a sync
	 * ended) between the question and the answer, so never by position */
	int64_t asked;
};

static void outbox_load(struct app *a, struct outbox_view *v)
{
	/* the selection stays on its entry when others leave the list */
	int64_t keep = v->sel < v->n ? v->e[v->sel].seq : 0;
	free(v->e);
	free(v->who);
	v->e = NULL;
	v->who = NULL;
	v->n = 0;
	v->today_recorded = v->today_accepted = v->today_waiting = v->today_rejected = 0;
	v->today_discarded = v->held = 0;
	struct cache_store *store = app_store(a);
	if (!store)
		return;
	struct cache_entry *all;
	struct vax_error err;
	int n = cache_outbox_list(store, 0, &all, &err);
	if (n <= 0)
		return;
	v->e = xcalloc((size_t)n, sizeof *v->e);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	int64_t midnight = (int64_t)mktime(&tm);
	for (int i = 0; i < n; i++) {
		enum cache_state s = all[i].state;
		if (all[i].cap.at >= midnight) {
			v->today_recorded++;
			if (s == CACHE_ACCEPTED)
				v->today_accepted++;
			else if (s == CACHE_REJECTED)
				v->today_rejected++;
			else if (s == CACHE_DISCARDED)
				v->today_discarded++;
			else
				v->today_waiting++;
		}
		if (s == CACHE_REJECTED || s == CACHE_CONFLICT || s == CACHE_NEEDS_REVIEW)
			v->held++;
		if (OPEN_STATES & (1u << s))
			v->e[v->n++] = all[i];
	}
	free(all);
	v->who = xcalloc((size_t)v->n + 1, sizeof *v->who);
	for (int i = 0; i < v->n; i++) {
		struct client c;
		if (cache_get_client(store, v->e[i].client_key, &c, NULL, &err))
			client_display_name(&c.name, v->who[i], sizeof v->who[i]);
	}
	for (int i = 0; i < v->n && keep; i++)
		if (v->e[i].seq == keep)
			v->sel = i;
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
}

static bool held_client(const struct cache_entry *e)
{
	return e->state == CACHE_NEEDS_REVIEW && e->type == CACHE_R_PATIENT && e->op == CACHE_OP_CREATE;
}

static const char *state_words(const struct cache_entry *e)
{
	switch (e->state) {
	case CACHE_PENDING:
		return "Waiting to send";
	case CACHE_SENDING:
		return "Sending";
	case CACHE_REJECTED:
		return "Rejected";
	case CACHE_CONFLICT:
		return "Conflict";
	case CACHE_NEEDS_REVIEW:
		return held_client(e) ? "Held: match?" : "Held: duplicate?";
	case CACHE_ACCEPTED:
	case CACHE_DISCARDED:
		break;
	}
	return record_state_words(e->state);
}

/* Why the entry is where it is, in words. */
static void reason(const struct app *a, const struct cache_entry *e, char *buf, size_t len)
{
	switch (e->state) {
	case CACHE_PENDING:
		if (session_net(a->sess) == NET_MAINTENANCE)
			snprintf(buf, len, "The registry is down for maintenance; it goes when it is back.");
		else if (session_net(a->sess) == NET_OFFLINE)
			snprintf(buf, len, "The registry cannot be reached; it goes when it is back.");
		else if (e->next_try > (int64_t)time(NULL)) {
			char at[16];
			time_t t = (time_t)e->next_try;
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(at, sizeof at, "%H:%M", &tm);
			snprintf(buf, len, "The registry had a problem; tried %d time%s, next at %s.",
			         e->attempts, e->attempts == 1 ? "" : "s", at);
		} else
			snprintf(buf, len, "%s",
			         e->attempts ? "It will be tried again at the next sync."
			                     : "It goes at the next sync.");
		break;
	case CACHE_SENDING:
		snprintf(buf, len, "In a request to the registry now.");
		break;
	case CACHE_REJECTED:
		snprintf(buf, len, "The registry refused it: %s",
		         e->message[0] ? e->message : "no reason given.");
		break;
	case CACHE_CONFLICT:
		/* a responsible person or consent in conflict: the sync says which,
		 * in a whole sentence ("This responsible person ... was removed") */
		if (!strncmp(e->message, "This ", 5))
			snprintf(buf, len, "%s", e->message);
		else
			snprintf(buf, len, "Someone changed this record at the registry meanwhile%s%s",
			         e->message[0] ? ": " : ".", e->message);
		break;
	case CACHE_NEEDS_REVIEW:
		snprintf(buf, len, "%s",
		         e->message[0]    ? e->message
		         : held_client(e) ? "May already be in the registry."
		                          : "Looks like a dose the client already has.");
		break;
	case CACHE_ACCEPTED:
	case CACHE_DISCARDED:
		buf[0] = '\0';
		break;
	}
}

/* "k1 does this, k2 that": the actions for the entry, with their keys. */
static void remedy(const struct app *a, const struct cache_entry *e, char *buf, size_t len)
{
	char kd[64], kt[64], kr[64], ks[64], ke[64], kc[64];
	draw_keys_label(a, KEYMAP_OUTBOX, 0, ACTION_DISCARD, kd, sizeof kd);
	draw_keys_label(a, KEYMAP_OUTBOX, 0, ACTION_KEEP_THEIRS, kt, sizeof kt);
	draw_keys_label(a, KEYMAP_OUTBOX, 0, ACTION_REVIEW, kr, sizeof kr);
	draw_keys_label(a, KEYMAP_OUTBOX, 0, ACTION_SYNC_NOW, ks, sizeof ks);
	draw_keys_label(a, KEYMAP_OUTBOX, 0, ACTION_SELECT, ke, sizeof ke);
	draw_keys_label(a, KEYMAP_OUTBOX, 0, ACTION_EDIT_SHOT, kc, sizeof kc);
	switch (e->state) {
	case CACHE_PENDING:
		snprintf(buf, len, "%s send now   %s discard   %s open the client", ks, kd, ke);
		break;
	case CACHE_SENDING:
		snprintf(buf, len, "wait for the registry's answer");
		break;
	case CACHE_REJECTED:
		if (e->type == CACHE_R_IMMUNIZATION && e->op != CACHE_OP_DELETE &&
		    app_action_allowed(a, ACTION_EDIT_SHOT))
			snprintf(buf, len, "%s correct it   %s send it as it is   %s discard", kc, ke, kd);
		else
			snprintf(buf, len, "%s send it as it is   %s discard", ke, kd);
		break;
	case CACHE_CONFLICT:
		/* a responsible person or consent gone at the registry is sent again as new */
		snprintf(buf, len, "%s keep the registry's   %s send ours %s   %s discard", kt, ke,
		         strstr(e->message, "was removed at the registry") ? "as new" : "over it", kd);
		break;
	case CACHE_NEEDS_REVIEW:
		if (held_client(e))
			snprintf(buf, len, "%s link or create new   %s discard", kr, kd);
		else
			snprintf(buf, len, "%s send it anyway   %s discard", ke, kd);
		break;
	case CACHE_ACCEPTED:
	case CACHE_DISCARDED:
		buf[0] = '\0';
		break;
	}
}

static void *outbox_open(struct app *a, const void *arg)
{
	(void)arg;
	struct outbox_view *v = xcalloc(1, sizeof *v);
	outbox_load(a, v);
	return v;
}

static void outbox_close(struct screen *s)
{
	struct outbox_view *v = s->data;
	free(v->e);
	free(v->who);
	free(v);
}

/* the sync moved entries, a form saved one: read the list again */
static void outbox_notify(struct app *a, struct screen *s, unsigned events)
{
	if (events & (EVENT_OUTBOX | EVENT_NET | EVENT_SESSION))
		outbox_load(a, s->data);
}

static void outbox_draw(struct app *a, struct screen *s, WINDOW *w)
{
	struct outbox_view *v = s->data;
	int cols = getmaxx(w), rows = getmaxy(w), y = 0;
	char line[1024];
	wattrset(w, A_BOLD);
	draw_text(w, y++, 1, "Outbox: records on their way to the registry", cols - 2);
	wattrset(w, A_NORMAL);
	snprintf(line, sizeof line,
	         "Today: %d recorded here, %d accepted by the registry, %d waiting. "
	         "Rejected %d, discarded %d. Waiting for a person: %d.",
	         v->today_recorded, v->today_accepted, v->today_waiting, v->today_rejected,
	         v->today_discarded, v->held);
	y = draw_wrapped(w, y, 1, cols - 2, line);
	y++;
	if (!app_store(a)) {
		draw_text(w, y, 1, "The local store is not open.", cols - 2);
		return;
	}
	if (!v->n) {
		draw_text(w, y, 1, "Nothing is waiting: the registry has everything recorded here.",
		          cols - 2);
		return;
	}
	/* two rows an entry, three for the selected one (its keys) */
	if (v->sel < v->top)
		v->top = v->sel;
	int room = (rows - y - 1) / 2;
	if (room < 1)
		room = 1;
	if (v->sel >= v->top + room)
		v->top = v->sel - room + 1;
	for (int i = v->top; i < v->n && y + 1 < rows; i++) {
		const struct cache_entry *e = &v->e[i];
		char when[32];
		time_t t = (time_t)e->cap.at;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%m/%d %H:%M", &tm);
		snprintf(line, sizeof line, "%c %-14s %-16s %-20.20s %s by %s", i == v->sel ? '>' : ' ',
		         record_entry_what(e), state_words(e), v->who ? v->who[i] : "", when, e->cap.user);
		wattrset(w, i == v->sel ? term_attr(a, ROLE_FOCUS) : A_NORMAL);
		draw_text(w, y++, 1, line, cols - 2);
		wattrset(w, e->state == CACHE_REJECTED || e->state == CACHE_CONFLICT
		                ? term_attr(a, ROLE_ERROR)
		                : A_NORMAL);
		char why[VAX_ERROR_MSG_LEN + 128];
		reason(a, e, why, sizeof why);
		/* the selected entry's reason in full: it is what the person acts on */
		if (i == v->sel)
			y = draw_wrapped(w, y, 5, cols - 6, why);
		else {
			snprintf(line, sizeof line, "    %s", why);
			draw_words(a, w, y++, 1, line, cols - 2);
		}
		wattrset(w, A_NORMAL);
		if (i == v->sel && y < rows) {
			char keys[256];
			remedy(a, e, keys, sizeof keys);
			snprintf(line, sizeof line, "    Keys: %s", keys);
			draw_words(a, w, y++, 1, line, cols - 2);
		}
	}
}

static const struct cache_entry *selected(const struct outbox_view *v)
{
	return v->sel < v->n ? &v->e[v->sel] : NULL;
}

/* The entry the question was about, if it is still listed. */
static const struct cache_entry *asked(const struct outbox_view *v, int *index)
{
	for (int i = 0; i < v->n; i++)
		if (v->e[i].seq == v->asked) {
			if (index)
				*index = i;
			return &v->e[i];
		}
	return NULL;
}

static void ask(struct app *a, struct screen *s, const char *question,
                void (*yes)(struct app *a, struct screen *s))
{
	struct outbox_view *v = s->data;
	v->asked = v->sel < v->n ? v->e[v->sel].seq : 0;
	app_confirm(a, s, question, yes);
}

static void approve_yes(struct app *a, struct screen *s)
{
	struct outbox_view *v = s->data;
	const struct cache_entry *e = asked(v, NULL);
	struct cache_store *store = app_store(a);
	if (!e || !store)
		return;
	struct vax_error err;
	if (!cache_outbox_approve(store, e->seq, e->state == CACHE_CONFLICT ? e->receipt_version : NULL,
	                          &err))
		app_message(a, MSG_ERROR, "Not approved: %s", err.message);
	else
		app_message(a, MSG_INFO, "Approved: it goes at the next sync.");
	app_outbox_changed(a);
}

static void discard_yes(struct app *a, struct screen *s)
{
	struct outbox_view *v = s->data;
	int i = 0;
	const struct cache_entry *e = asked(v, &i);
	if (e) {
		struct open_discard o = {.e = e, .who = v->who ? v->who[i] : ""};
		app_open(a, SCREEN_DISCARD, &o);
	}
}

static void theirs_yes(struct app *a, struct screen *s)
{
	struct outbox_view *v = s->data;
	const struct cache_entry *e = asked(v, NULL);
	struct cache_store *store = app_store(a);
	if (!e || !store)
		return;
	struct capture who;
	app_capture(a, &who);
	struct vax_error err;
	if (!cache_outbox_keep_theirs(store, e->seq, &who, &err))
		app_message(a, MSG_ERROR, "Not changed: %s", err.message);
	else
		app_message(a, MSG_INFO, "Kept the registry's version; the change typed here is discarded.");
	app_outbox_changed(a);
}

static unsigned outbox_action(struct app *a, struct screen *s, enum action act)
{
	struct outbox_view *v = s->data;
	const struct cache_entry *e = selected(v);
	char q[320];
	switch (act) {
	case ACTION_CANCEL:
		app_pop(a);
		return TUI_HANDLED;
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
	case ACTION_PAGE_UP:
	case ACTION_PAGE_DOWN:
		list_move(&v->sel, v->n, 5, act);
		break;
	case ACTION_SELECT:
		if (!e)
			break;
		if (held_client(e))
			app_open(a, SCREEN_REVIEW_MATCH, &e->seq);
		else if (e->state == CACHE_REJECTED || e->state == CACHE_CONFLICT ||
		         e->state == CACHE_NEEDS_REVIEW)
			ask(a, s, "Send this record to the registry as it is?", approve_yes);
		else if (e->client_key[0])
			app_open(a, SCREEN_CLIENT, e->client_key);
		return TUI_HANDLED;
	case ACTION_EDIT_SHOT: /* correct a refused dose, then it goes again */
		if (e && e->type == CACHE_R_IMMUNIZATION && e->op != CACHE_OP_DELETE &&
		    e->state == CACHE_REJECTED) {
			struct open_shot o = {.client_key = e->client_key, .outbox = e};
			app_open(a, SCREEN_SHOT, &o);
		} else
			app_message(a, MSG_INFO, "Only a dose the registry rejected is corrected here.");
		return TUI_HANDLED;
	case ACTION_DISCARD:
		if (!e)
			break;
		if (e->state == CACHE_SENDING) {
			app_message(a, MSG_INFO,
			            "It is being sent right now; wait for the registry's answer.");
			break;
		}
		snprintf(q, sizeof q, "Discard this %s for %.120s? It will never reach the registry.",
		         record_entry_what(e), v->who && v->who[v->sel][0] ? v->who[v->sel] : "this client");
		ask(a, s, q, discard_yes);
		return TUI_HANDLED;
	case ACTION_KEEP_THEIRS:
		if (!e)
			break;
		if (e->state != CACHE_CONFLICT) {
			app_message(a, MSG_INFO, "Only a record in conflict has a registry version to keep.");
			break;
		}
		ask(a, s, "Keep the registry's version and discard the change typed here?", theirs_yes);
		return TUI_HANDLED;
	case ACTION_REVIEW: {
		/* the held clients, starting from the selected one if it is one */
		int64_t seq = e && held_client(e) ? e->seq : 0;
		app_open(a, SCREEN_REVIEW_MATCH, &seq);
		return TUI_HANDLED;
	}
	case ACTION_SYNC_NOW: {
		/* a delayed entry goes back in line first; then everything due goes */
		struct vax_error err;
		if (e && e->state == CACHE_PENDING && e->next_try > (int64_t)time(NULL) && app_store(a) &&
		    !cache_outbox_retry(app_store(a), e->seq, 0, &err))
			app_message(a, MSG_ERROR, "%s", err.message);
		app_sync_now(a);
		outbox_load(a, v);
		break;
	}
	default:
		return TUI_UNHANDLED;
	}
	app_dirty(a, DIRTY_BODY);
	return TUI_HANDLED;
}

/* The bar offers what applies to the selected entry. Enter sends, opens or
 * reviews by the entry: its Keys line says which, "Choose" would not. */
static bool outbox_action_shown(struct app *a, struct screen *s, enum action act)
{
	struct outbox_view *v = s->data;
	(void)a;
	const struct cache_entry *e = selected(v);
	switch (act) {
	case ACTION_SELECT:
		return false;
	case ACTION_DISCARD:
		return e != NULL;
	case ACTION_KEEP_THEIRS:
		return e && e->state == CACHE_CONFLICT;
	case ACTION_EDIT_SHOT:
		return e && e->type == CACHE_R_IMMUNIZATION && e->op != CACHE_OP_DELETE &&
		       e->state == CACHE_REJECTED;
	case ACTION_REVIEW:
		for (int i = 0; i < v->n; i++)
			if (held_client(&v->e[i]))
				return true;
		return false;
	default:
		return true;
	}
}

static const enum action outbox_actions[] = {ACTION_DISCARD,   ACTION_KEEP_THEIRS, ACTION_REVIEW,
                                             ACTION_EDIT_SHOT, ACTION_SYNC_NOW,    ACTION_SELECT,
                                             ACTION_CANCEL,    ACTION_NONE};

const struct screen_ops screen_outbox_ops = {
    .name = "outbox",
    .title = "Outbox",
    .keymap = KEYMAP_OUTBOX,
    .phi = true,
    .open = outbox_open,
    .draw = outbox_draw,
    .action = outbox_action,
    .actions = outbox_actions,
    .action_shown = outbox_action_shown,
    .notify = outbox_notify,
    .close = outbox_close,
};
