/* tui/draw.c - the frame's lines: status, banner, message, function-key
 * bar, and text helpers that count display columns (accents, wide
 * characters) rather than bytes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/tui.h"

static size_t to_wide(const char *s, wchar_t *out, size_t max)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = 0, left = strlen(s);
	while (left && n + 1 < max) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s, left, &st);
		if (r == (size_t)-1 || r == (size_t)-2) {
			wc = L'?';
			r = 1;
			memset(&st, 0, sizeof st);
		} else if (r == 0) {
			break;
		}
		out[n++] = wc < 0x20 || wc == 0x7f ? L' ' : wc;
		s += r;
		left -= r;
	}
	out[n] = 0;
	return n;
}

int draw_width(const char *utf8)
{
	wchar_t buf[1024];
	size_t n = to_wide(utf8, buf, sizeof buf / sizeof buf[0]);
	int w = 0;
	for (size_t i = 0; i < n; i++) {
		int c = wcwidth(buf[i]);
		w += c < 0 ? 1 : c;
	}
	return w;
}

int draw_text(WINDOW *w, int y, int x, const char *utf8, int max)
{
	wchar_t buf[1024];
	size_t n = to_wide(utf8, buf, sizeof buf / sizeof buf[0]);
	int used = 0;
	size_t i = 0;
	for (; i < n; i++) {
		int c = wcwidth(buf[i]);
		if (c < 0)
			buf[i] = L'?', c = 1;
		if (used + c > max)
			break;
		used += c;
	}
	buf[i] = 0;
	mvwaddnwstr(w, y, x, buf, (int)i);
	return used;
}

/* The longest start of s made of whole words that fits width columns (at
 * least one word, even cut); its length in bytes. */
static size_t words_that_fit(const char *s, int width)
{
	size_t best = 0, i = 0;
	char tmp[1024];
	while (s[i] && s[i] != '\n') {
		size_t we = i + strcspn(s + i, " \n");
		size_t len = we < sizeof tmp - 1 ? we : sizeof tmp - 1;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		if (draw_width(tmp) > width)
			break;
		best = we;
		i = s[we] == ' ' ? we + 1 : we;
	}
	return best;
}

int draw_words(const struct app *a, WINDOW *w, int y, int x, const char *utf8, int max)
{
	if (draw_width(utf8) <= max)
		return draw_text(w, y, x, utf8, max);
	char one[1024], buf[1024];
	snprintf(one, sizeof one, "%s", utf8);
	for (char *p = one; (p = strchr(p, '\n')) != NULL;)
		*p = ' '; /* one line: draw_text shows a newline as a space too */
	const char *dots = a->utf8 ? "\u2026" : "...";
	size_t n = words_that_fit(one, max - draw_width(dots));
	while (n && one[n - 1] == ' ')
		n--;
	snprintf(buf, sizeof buf, "%.*s%s", (int)n, one, dots);
	return draw_text(w, y, x, buf, max);
}

const char *draw_line_of_words(const char *utf8, int width, char *buf, size_t len)
{
	size_t n = words_that_fit(utf8, width);
	if (!n) /* one word wider than the line: cut it */
		n = strcspn(utf8, " \n");
	snprintf(buf, len, "%.*s", (int)n, utf8);
	const char *p = utf8 + n;
	while (*p == ' ')
		p++;
	if (*p == '\n')
		p++;
	return p;
}

int draw_wrapped(WINDOW *w, int y, int x, int width, const char *utf8)
{
	int rows = getmaxy(w);
	const char *p = utf8;
	while (*p && y < rows) {
		if (*p == '\n') {
			y++;
			p++;
			continue;
		}
		/* take words while they fit */
		const char *end = p, *best = NULL;
		while (*end && *end != '\n') {
			const char *we = end + strcspn(end, " \n");
			char tmp[1024];
			size_t len = (size_t)(we - p) < sizeof tmp - 1 ? (size_t)(we - p) : sizeof tmp - 1;
			memcpy(tmp, p, len);
			tmp[len] = '\0';
			if (draw_width(tmp) > width)
				break;
			best = we;
			end = *we == ' ' ? we + 1 : we;
		}
		if (!best) /* one word wider than the line: cut it */
			best = p + strcspn(p, " \n");
		char line[1024];
		size_t len = (size_t)(best - p) < sizeof line - 1 ? (size_t)(best - p) : sizeof line - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		draw_text(w, y++, x, line, width);
		p = best;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
	}
	return y;
}

static void fill(WINDOW *w, attr_t at)
{
	wbkgdset(w, ' ' | at);
	werase(w);
	wattrset(w, at);
}

static void human_bytes(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%.1f kB", (double)n / 1024);
	else
		snprintf(buf, len, "%.1f MB", (double)n / (1024 * 1024));
}

void draw_status(struct app *a)
{
	WINDOW *w = a->w_status;
	fill(w, term_attr(a, ROLE_STATUS));
	const char *net = "NO REGISTRY";
	switch (session_net(a->sess)) {
	case NET_NONE:
		net = "NO REGISTRY";
		break;
	case NET_UNKNOWN: /* nothing asked yet: the login is the first request */
		net = "NOT ASKED YET";
		break;
	case NET_ONLINE:
		/* reachable, but this session has no token: nothing is sent yet */
		net = app_offline(a) ? "OFFLINE (registry back)" : "ONLINE";
		break;
	case NET_OFFLINE:
		net = "OFFLINE";
		break;
	case NET_MAINTENANCE:
		net = "OFFLINE (maintenance)";
		break;
	}
	char bytes[32] = "";
	if (app_conn(a)) {
		/* this session's traffic: the last user's is not theirs to see */
		struct api_bytes b = api_conn_bytes(app_conn(a));
		if (b.sent + b.received > a->bytes_base)
			human_bytes(b.sent + b.received - a->bytes_base, bytes, sizeof bytes);
	}
	char org[96], user[192], outbox[48] = "", sending[64] = "", used[48] = "";
	snprintf(org, sizeof org, "Org: %s", app_org(a));
	/* a role that limits what may be done is said where the user is */
	enum api_role role = session_role(a->sess);
	snprintf(user, sizeof user, "User: %s%s%s%s", app_user(a),
	         role == API_ROLE_VIEW || role == API_ROLE_SCHOOL ? " (" : "",
	         role == API_ROLE_VIEW || role == API_ROLE_SCHOOL ? api_role_words(role) : "",
	         role == API_ROLE_VIEW || role == API_ROLE_SCHOOL ? ")" : "");
	if (app_store(a)) {
		/* everything not yet green: waiting, sending, refused, in conflict, to review */
		app_sync_label(a, sending, sizeof sending);
		snprintf(outbox, sizeof outbox, "Outbox: %d", a->counts.open);
	}
	if (bytes[0])
		snprintf(used, sizeof used, "Used: %s", bytes);
	/* whole parts only; when narrow, what says something is wrong (the
	 * network, the sending) stays before who and where, and figures (bytes
	 * used) go first: a shorter figure never takes the place of a warning */
	const char *part[] = {"vaxdesk", net, org, user, outbox, sending, used};
	static const int prio[] = {5, 0, 3, 4, 2, 1, 6};
	struct fit_item fit[7];
	size_t n = 0, idx[7];
	for (size_t i = 0; i < 7; i++)
		if (part[i][0]) {
			fit[n] = (struct fit_item){.width = draw_width(part[i]), .prio = prio[i]};
			idx[n++] = i;
		}
	draw_fit(fit, n, a->cols - 1, 3, 0);
	int dropped = 7; /* the most urgent part left out */
	for (size_t k = 0; k < n; k++)
		if (!fit[k].shown && prio[idx[k]] < dropped)
			dropped = prio[idx[k]];
	for (size_t k = 0; k < n; k++)
		if (fit[k].shown && idx[k] == 6 && dropped < prio[6])
			fit[k].shown = false;
	char line[512] = " ";
	size_t len = 1;
	for (size_t k = 0; k < n && len < sizeof line; k++)
		if (fit[k].shown)
			len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", len > 1 ? " | " : "",
			                        part[idx[k]]);
	int w_used = draw_text(w, 0, 0, line, a->cols);
	struct screen *top = app_top_screen(a);
	const enum lock_mode *mode = top->id == SCREEN_LOCK ? top->data : NULL;
	const char *title = mode && *mode == LOCK_SIGN_IN ? "Sign in" : top->ops->title;
	int tw = draw_width(title);
	if (w_used + tw + 3 < a->cols)
		draw_text(w, 0, a->cols - tw - 1, title, tw);
}

void draw_banner(struct app *a)
{
	WINDOW *w = a->w_banner;
	const char *text = NULL;
	char buf[VAX_ERROR_MSG_LEN + 64];
	enum net_state net = session_net(a->sess);
	if (app_offline(a) && net == NET_ONLINE) {
		char key[KEY_NAME_LEN];
		app_key_name(a, ACTION_SYNC_NOW, key, sizeof key);
		snprintf(buf, sizeof buf, " OFFLINE SESSION - the registry is back: press %s to sign in%s",
		         key[0] ? key : "sync-now", a->counts.waiting > 0 ? " and send the outbox" : "");
		text = buf;
	} else if (app_offline(a) && net != NET_MAINTENANCE && net != NET_OFFLINE) {
		snprintf(buf, sizeof buf, " %s",
		         "OFFLINE SESSION - logged in from this workstation's store; log in again "
		         "when the registry is back");
		text = buf;
	} else if (net == NET_OFFLINE || net == NET_MAINTENANCE) {
		char when[48] = "";
		long ra = session_retry_after(a->sess);
		if (ra > 0)
			snprintf(when, sizeof when, " (back in about %ld min)", (ra + 59) / 60);
		snprintf(buf, sizeof buf, " %s%s: %s",
		         net == NET_MAINTENANCE ? "OFFLINE - REGISTRY IN MAINTENANCE"
		                                : "OFFLINE - REGISTRY NOT REACHABLE",
		         when, session_net_detail(a->sess));
		text = buf;
	}
	if (!text) {
		/* a rule under the status line: box drawing in UTF-8, '-' in ASCII */
		fill(w, A_NORMAL);
		cchar_t c;
		setcchar(&c, term_hline(a), A_NORMAL, 0, NULL);
		mvwhline_set(w, 0, 0, &c, a->cols);
		return;
	}
	fill(w, term_attr(a, ROLE_BANNER));
	draw_words(a, w, 0, 0, text, a->cols);
}

void draw_message(struct app *a)
{
	WINDOW *w = a->w_msg;
	fill(w, A_NORMAL);
	if (!a->msg[0])
		return;
	char buf[600];
	snprintf(buf, sizeof buf, "%s%s", a->msg_kind == MSG_ERROR ? "Error: " : "", a->msg);
	wattrset(w, term_attr(a, a->msg_kind == MSG_ERROR ? ROLE_ERROR : ROLE_NORMAL));
	draw_words(a, w, 0, 0, buf, a->cols);
}

void draw_keys_label(const struct app *a, enum keymap_id id, unsigned flags, enum action act, char *buf,
                     size_t len)
{
	struct key keys[8];
	size_t n = keymap_keys_for(a->keys, id, flags, act, keys, 8);
	buf[0] = '\0';
	size_t used = 0;
	for (size_t i = 0; i < n && i < 8; i++) {
		char label[KEY_NAME_LEN];
		/* while a field has the cursor, letters are text, not commands */
		if ((flags & KEYMAP_EDITING) && key_is_text(&keys[i]))
			continue;
		key_label(&keys[i], label, sizeof label);
		int r = snprintf(buf + used, len - used, "%s%s", used ? " " : "", label);
		if (r < 0 || (size_t)r >= len - used)
			break;
		used += (size_t)r;
	}
}

bool draw_fit(struct fit_item *it, size_t n, int cols, int gap, int cue)
{
	int total = 0;
	for (size_t i = 0; i < n; i++)
		total += it[i].width + (i ? gap : 0);
	for (size_t i = 0; i < n; i++)
		it[i].shown = total <= cols;
	if (total <= cols)
		return false;
	/* by (priority, position), skipping what does not fit: a shorter one
	 * further down may still */
	int budget = cue > 0 ? cols - cue - gap : cols, used = 0, count = 0;
	size_t prev = n;
	for (size_t k = 0; k < n; k++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			bool after = prev == n || it[i].prio > it[prev].prio ||
			             (it[i].prio == it[prev].prio && i > prev);
			if (after && (best == n || it[i].prio < it[best].prio))
				best = i;
		}
		prev = best;
		int need = it[best].width + (count ? gap : 0);
		if (used + need <= budget) {
			it[best].shown = true;
			used += need;
			count++;
		}
	}
	return true;
}

/* The keys of act that work now: letters are text while a field has the
 * cursor. Returns how many (at most max). */
static size_t live_keys(const struct app *a, enum keymap_id id, unsigned flags, enum action act,
                        struct key *out, size_t max)
{
	struct key all[8];
	size_t na = keymap_keys_for(a->keys, id, flags, act, all, 8), n = 0;
	for (size_t i = 0; i < na && i < 8 && n < max; i++)
		if (!(flags & KEYMAP_EDITING) || !key_is_text(&all[i]))
			out[n++] = all[i];
	return n;
}

void draw_short_key(const struct app *a, enum keymap_id id, unsigned flags, enum action act, char *buf,
                    size_t len)
{
	struct key keys[8];
	size_t n = live_keys(a, id, flags, act, keys, 8);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char l[KEY_NAME_LEN];
		key_label(&keys[i], l, sizeof l);
		if (!buf[0] || draw_width(l) < draw_width(buf))
			snprintf(buf, len, "%s", l);
	}
}

/* The first key of help that works here, or the shortest. */
static void help_key(const struct app *a, enum keymap_id id, unsigned flags, bool shortest, char *buf,
                     size_t len)
{
	struct key key;
	buf[0] = '\0';
	if (shortest)
		draw_short_key(a, id, flags, ACTION_HELP, buf, len);
	else if (live_keys(a, id, flags, ACTION_HELP, &key, 1))
		key_label(&key, buf, len);
}

void draw_more_cue(const struct app *a, enum keymap_id id, unsigned flags, bool shortest, char *buf,
                   size_t len)
{
	char k[KEY_NAME_LEN];
	help_key(a, id, flags, shortest, k, sizeof k);
	snprintf(buf, len, "%s%smore", k, k[0] ? " " : "");
}

/* The bar's label for the keys of act: the function key and one fallback
 * ("F1/^G"), or the function key alone when compact; else the first key. */
static void bar_keys(const struct app *a, enum keymap_id id, unsigned flags, enum action act, bool compact,
                     char *buf, size_t len)
{
	struct key keys[4], fk;
	size_t n = live_keys(a, id, flags, act, keys, 4);
	buf[0] = '\0';
	if (!n)
		return;
	char k1[KEY_NAME_LEN], k2[KEY_NAME_LEN] = "";
	if (keymap_fkey_for(a->keys, id, flags, act, &fk)) {
		key_label(&fk, k1, sizeof k1);
		for (size_t i = 0; i < n && !compact; i++)
			if (keys[i].kind != KEY_KIND_FKEY) {
				key_label(&keys[i], k2, sizeof k2);
				break;
			}
		snprintf(buf, len, "%s%s%s", k1, k2[0] ? "/" : "", k2);
	} else {
		key_label(&keys[0], buf, len);
	}
}

#define BAR_MAX 24

/* What the bar offers on the top screen, in the order it shows them, with
 * their priority: Help always, the screen's own actions in the order of
 * its list, then Lock and Quit. Actions with no working key are left out:
 * they need no room and no cue. */
static size_t bar_actions(struct app *a, struct screen *s, unsigned flags, enum action *act,
                          struct fit_item *fit)
{
	static const enum action first[] = {ACTION_HELP, ACTION_NONE};
	static const enum action last[] = {ACTION_LOCK, ACTION_QUIT, ACTION_NONE};
	const struct screen_ops *ops = s->ops;
	const enum action *lists[3] = {first, ops->actions, last};
	size_t n = 0;
	for (int l = 0; l < 3; l++) {
		for (const enum action *p = lists[l]; p && *p != ACTION_NONE && n < BAR_MAX; p++) {
			if (*p == ACTION_LOCK && (!session_in(a->sess) || app_top(a) == SCREEN_LOCK))
				continue;
			if (app_top(a) == SCREEN_HELP && l != 1)
				continue;
			/* moving around needs no advertising in the bar; tabs do */
			if (l == 1 && action_group(*p) == ACTION_GROUP_MOVE && *p != ACTION_SELECT &&
			    *p != ACTION_NEXT_TAB && *p != ACTION_PREV_TAB)
				continue;
			if (l == 1 && (*p == ACTION_NEXT_FIELD || *p == ACTION_PREV_FIELD))
				continue;
			if (l == 1 && ops->action_shown && !ops->action_shown(a, s, *p))
				continue;
			/* what this user's role may not do is not offered */
			if (!app_action_allowed(a, *p))
				continue;
			struct key k;
			if (!live_keys(a, ops->keymap, flags, *p, &k, 1))
				continue;
			act[n] = *p;
			fit[n].prio = l == 0   ? -1
			              : l == 1 ? (int)(p - lists[l])
			                       : BAR_MAX + (int)(p - lists[l]);
			n++;
		}
	}
	return n;
}

/* Label the keys of every item (compact: function keys alone) and fit
 * them; true if any is left out. */
static bool bar_layout(const struct app *a, const struct screen_ops *ops, unsigned flags,
                       const enum action *act, char (*keys)[48], struct fit_item *fit, size_t n, bool compact,
                       int cue)
{
	for (size_t i = 0; i < n; i++) {
		bar_keys(a, ops->keymap, flags, act[i], compact, keys[i], sizeof keys[i]);
		fit[i].width = draw_width(keys[i]) + 1 + draw_width(action_label(act[i]));
	}
	return draw_fit(fit, n, a->cols, 1, cue);
}

void draw_bar(struct app *a)
{
	WINDOW *w = a->w_bar;
	fill(w, term_attr(a, ROLE_BAR));
	if (a->confirm_yes) {
		/* the next key answers the question: no other key does its job */
		static const char *const answer[][2] = {{"y", "Yes"}, {"any other key", "No"}};
		int x = 0;
		for (size_t i = 0; i < 2; i++) {
			wattrset(w, term_attr(a, ROLE_KEY) | A_BOLD);
			x += draw_text(w, 0, x, answer[i][0], a->cols - x);
			wattrset(w, term_attr(a, ROLE_BAR));
			x += draw_text(w, 0, x, " ", a->cols - x);
			x += draw_text(w, 0, x, answer[i][1], a->cols - x);
			x += draw_text(w, 0, x, "  ", a->cols - x);
		}
		return;
	}
	struct screen *top = app_top_screen(a);
	const struct screen_ops *ops = top->ops;
	unsigned flags = ops->form && ops->form(top) ? KEYMAP_EDITING : 0;
	enum action act[BAR_MAX];
	struct fit_item fit[BAR_MAX];
	char keys[BAR_MAX][48];
	size_t n = bar_actions(a, top, flags, act, fit);
	char cue_key[KEY_NAME_LEN];
	help_key(a, ops->keymap, flags, false, cue_key, sizeof cue_key);
	static const char more[] = "more";
	int cue_w = (cue_key[0] ? draw_width(cue_key) + 1 : 0) + draw_width(more);
	/* every key with its fallback; else function keys alone; else the
	 * items that fit, by priority */
	bool dropped = bar_layout(a, ops, flags, act, keys, fit, n, false, cue_w);
	if (dropped)
		dropped = bar_layout(a, ops, flags, act, keys, fit, n, true, cue_w);
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!fit[i].shown)
			continue;
		if (x)
			x += draw_text(w, 0, x, " ", a->cols - x);
		wattrset(w, term_attr(a, ROLE_KEY) | A_BOLD);
		x += draw_text(w, 0, x, keys[i], a->cols - x);
		wattrset(w, term_attr(a, ROLE_BAR));
		x += draw_text(w, 0, x, " ", a->cols - x);
		x += draw_text(w, 0, x, action_label(act[i]), a->cols - x);
	}
	if (dropped && x + 1 + cue_w <= a->cols) {
		/* the rest is in help: say so at the right end */
		int cx = a->cols - cue_w;
		wattrset(w, term_attr(a, ROLE_KEY) | A_BOLD);
		if (cue_key[0])
			cx += draw_text(w, 0, cx, cue_key, a->cols - cx) + 1;
		wattrset(w, term_attr(a, ROLE_BAR));
		draw_text(w, 0, cx, more, a->cols - cx);
	}
}

void list_view(int *top, int *page, int sel, int rows)
{
	*page = rows > 1 ? rows : 1;
	if (sel < *top)
		*top = sel;
	if (sel >= *top + *page)
		*top = sel - *page + 1;
}

bool list_move(int *sel, int n, int page, enum action act)
{
	int last = n > 0 ? n - 1 : 0;
	switch (act) {
	case ACTION_MOVE_UP:
		if (*sel > 0)
			(*sel)--;
		return true;
	case ACTION_MOVE_DOWN:
		if (*sel < last)
			(*sel)++;
		return true;
	case ACTION_MOVE_FIRST:
		*sel = 0;
		return true;
	case ACTION_MOVE_LAST:
		*sel = last;
		return true;
	case ACTION_PAGE_UP:
		if (page <= 0)
			return false;
		*sel = *sel > page ? *sel - page : 0;
		return true;
	case ACTION_PAGE_DOWN:
		if (page <= 0)
			return false;
		*sel = *sel + page < n ? *sel + page : last;
		return true;
	default:
		return false;
	}
}
