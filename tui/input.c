/* tui/input.c - the one place keys come from.
 *
 * Keys come from the terminal (the program's only wget_wch() call) or, in
 * scripted mode, from VAXDESK_SCRIPT, as in tig's TIG_SCRIPT. While waiting
 * for a key the network is pumped, so transfers move on and the registry's
 * answers arrive while a person reads or types.
 *
 * Script lines (UTF-8):
 *     <Tab> <Enter> a b     key names as in *.keys files, separated by blanks
 *     :type TEXT            type TEXT character by character
 *     :save-screen PATH     write the screen as text to PATH
 *     :wait-idle            pump the network until no request is in flight
 *     :resize COLS ROWS     the terminal changed size
 *     :probe                check the registry's health now
 *     :idle-timeout         act as if the idle time has passed
 *     :wait-file PATH       pump the network until PATH exists (at most 60 s),
 *                           so a test can act on the registry mid-session
 *     :type-file PATH       type the first line of PATH
 *     :wait-text SECS TEXT  let the loop run with no keys (network, probes,
 *                           the outbox sending itself) until the screen
 *                           shows TEXT, at most SECS seconds
 *     :quit                 end the program
 *     # comment
 * At the end of the script the program ends.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "tui/tui.h"

struct script {
	FILE *f;
	char line[4096];
	char *pos;           /* next key name in line, NULL: read a line */
	wchar_t typing[512]; /* :type text still to deliver */
	size_t typing_pos, typing_len;
	int lineno;
	int64_t wait_until_ms; /* :wait-text: no keys before this (0: none) */
	char wait_text[256];
};

static bool screen_shows(const char *text);

bool input_script_open(struct app *a, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vaxdesk: cannot read VAXDESK_SCRIPT %s: %s\n", path, strerror(errno));
		return false;
	}
	a->script = xcalloc(1, sizeof *a->script);
	a->script->f = f;
	return true;
}

void input_script_close(struct app *a)
{
	if (!a->script)
		return;
	fclose(a->script->f);
	free(a->script);
	a->script = NULL;
}

/* Curses' answer -> struct key; false for keys vaxdesk has no name for. */
static bool key_from_curses(int r, wint_t wc, struct key *k)
{
	if (r == KEY_CODE_YES) {
		switch (wc) {
		case KEY_UP:
			*k = key_from_special(KEYSP_UP);
			return true;
		case KEY_DOWN:
			*k = key_from_special(KEYSP_DOWN);
			return true;
		case KEY_LEFT:
			*k = key_from_special(KEYSP_LEFT);
			return true;
		case KEY_RIGHT:
			*k = key_from_special(KEYSP_RIGHT);
			return true;
		case KEY_PPAGE:
			*k = key_from_special(KEYSP_PGUP);
			return true;
		case KEY_NPAGE:
			*k = key_from_special(KEYSP_PGDOWN);
			return true;
		case KEY_HOME:
			*k = key_from_special(KEYSP_HOME);
			return true;
		case KEY_END:
			*k = key_from_special(KEYSP_END);
			return true;
		case KEY_DC:
			*k = key_from_special(KEYSP_DEL);
			return true;
		case KEY_IC:
			*k = key_from_special(KEYSP_INSERT);
			return true;
		case KEY_BACKSPACE:
			*k = key_from_special(KEYSP_BACKSPACE);
			return true;
		case KEY_ENTER:
			*k = key_from_special(KEYSP_ENTER);
			return true;
		case KEY_BTAB:
			*k = key_from_special(KEYSP_BACKTAB);
			return true;
		default:
			if (wc >= KEY_F(1) && wc <= KEY_F(KEY_FKEY_MAX)) {
				*k = key_from_fkey((int)(wc - KEY_F0));
				return true;
			}
			/* xterm's Ctrl+arrows arrive as extended names */
			return false;
		}
	}
	switch (wc) {
	case '\r':
	case '\n':
		*k = key_from_special(KEYSP_ENTER);
		return true;
	case '\t':
		*k = key_from_special(KEYSP_TAB);
		return true;
	case 0x1b:
		*k = key_from_special(KEYSP_ESC);
		return true;
	case 0x7f:
		*k = key_from_special(KEYSP_BACKSPACE);
		return true;
	default:
		break;
	}
	if (wc == 0)
		*k = key_from_ctrl(' ');
	else if (wc < 0x20)
		*k = key_from_ctrl(wc + 0x60);
	else if (wc >= 0x80 && wc < 0xa0)
		return false; /* C1 controls are nobody's key */
	else
		*k = key_from_char((uint32_t)wc);
	return true;
}

/* ---- scripted mode ------------------------------------------------------- */

static void utf8_to_wide(const char *s, wchar_t *out, size_t max, size_t *n)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	*n = 0;
	while (*s && *n + 1 < max) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s, strlen(s), &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
			break;
		out[(*n)++] = wc;
		s += r;
	}
}

static void script_wait_idle(struct app *a)
{
	int64_t end = app_now_ms() + 30000;
	while (app_conn(a) && api_busy(app_conn(a)) > 0 && app_now_ms() < end)
		api_pump(app_conn(a), 50);
	app_render(a);
}

/* Run one script command; returns false to end the program. */
static bool script_command(struct app *a, char *cmd)
{
	char *arg = cmd + strcspn(cmd, " \t");
	if (*arg)
		*arg++ = '\0';
	arg += strspn(arg, " \t");
	if (!strcmp(cmd, "save-screen")) {
		app_render(a);
		if (!input_dump_screen(a, arg))
			app_message(a, MSG_ERROR, "Script: cannot write %s", arg);
	} else if (!strcmp(cmd, "wait-idle")) {
		script_wait_idle(a);
	} else if (!strcmp(cmd, "type")) {
		utf8_to_wide(arg, a->script->typing, sizeof a->script->typing / sizeof(wchar_t),
		             &a->script->typing_len);
		a->script->typing_pos = 0;
	} else if (!strcmp(cmd, "wait-file")) {
		int64_t end = app_now_ms() + 60000;
		while (access(arg, F_OK) != 0 && app_now_ms() < end) {
			if (app_conn(a))
				api_pump(app_conn(a), 50);
			else
				poll(NULL, 0, 50);
		}
	} else if (!strcmp(cmd, "wait-text")) {
		char *text = NULL;
		long secs = strtol(arg, &text, 10);
		text += strspn(text, " \t");
		if (secs <= 0 || !*text) {
			app_message(a, MSG_ERROR, "Script line %d: :wait-text SECS TEXT", a->script->lineno);
		} else {
			snprintf(a->script->wait_text, sizeof a->script->wait_text, "%s", text);
			a->script->wait_until_ms = app_now_ms() + secs * 1000;
		}
	} else if (!strcmp(cmd, "type-file")) {
		FILE *f = fopen(arg, "r");
		char buf[1024] = "";
		if (f) {
			if (!fgets(buf, sizeof buf, f))
				buf[0] = '\0';
			fclose(f);
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		utf8_to_wide(buf, a->script->typing, sizeof a->script->typing / sizeof(wchar_t),
		             &a->script->typing_len);
		a->script->typing_pos = 0;
	} else if (!strcmp(cmd, "resize")) {
		int c = 0, r = 0;
		if (sscanf(arg, "%d %d", &c, &r) == 2 && c > 0 && r > 0) {
			resizeterm(r, c);
			a->dirty |= DIRTY_LAYOUT;
		}
	} else if (!strcmp(cmd, "probe")) {
		session_probe_now(a->sess);
	} else if (!strcmp(cmd, "idle-timeout")) {
		a->last_input_ms = app_now_ms() - a->idle_lock_ms - 1;
	} else if (!strcmp(cmd, "quit")) {
		return false;
	} else {
		app_message(a, MSG_ERROR, "Script line %d: unknown command :%s", a->script->lineno, cmd);
	}
	return true;
}

static enum input_kind script_next(struct app *a, struct key *k)
{
	struct script *s = a->script;
	if (s->wait_until_ms) {
		/* the loop turns as if nobody touched the keyboard */
		int64_t left = s->wait_until_ms - app_now_ms();
		if (left > 0 && !screen_shows(s->wait_text)) {
			/* to the millisecond: bench/links.sh takes these pauses off */
			int ms = left < 50 ? (int)left : 50;
			if (app_conn(a))
				api_pump(app_conn(a), ms);
			else
				poll(NULL, 0, ms);
			return INPUT_NONE;
		}
		s->wait_until_ms = 0;
	}
	for (;;) {
		if (s->typing_pos < s->typing_len) {
			*k = key_from_char((uint32_t)s->typing[s->typing_pos++]);
			return INPUT_KEY;
		}
		if (!s->pos) {
			if (!fgets(s->line, sizeof s->line, s->f))
				return INPUT_EOF;
			s->lineno++;
			s->line[strcspn(s->line, "\r\n")] = '\0';
			char *p = s->line + strspn(s->line, " \t");
			if (*p == '#' || !*p)
				continue;
			if (*p == ':') {
				if (!script_command(a, p + 1))
					return INPUT_EOF;
				if (a->dirty & DIRTY_LAYOUT)
					return INPUT_RESIZE;
				return INPUT_NONE;
			}
			s->pos = p;
		}
		char *p = s->pos + strspn(s->pos, " \t");
		if (!*p) {
			s->pos = NULL;
			continue;
		}
		size_t n = strcspn(p, " \t");
		char save = p[n];
		p[n] = '\0';
		const char *why = NULL;
		bool ok = key_parse(p, k, &why);
		if (!ok)
			app_message(a, MSG_ERROR, "Script line %d: %s: %s", s->lineno, p,
			            why ? why : "not a key");
		p[n] = save;
		s->pos = p + n;
		if (ok)
			return INPUT_KEY;
	}
}

/* ---- the terminal -------------------------------------------------------- */

static bool term_hung_up(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

enum input_kind input_next(struct app *a, struct key *k, int wait_ms)
{
	if (a->script) {
		/* let answers that already arrived land between keys */
		if (app_conn(a))
			api_pump(app_conn(a), 0);
		return script_next(a, k);
	}
	for (int pass = 0; pass < 2; pass++) {
		wint_t wc;
		/* the only key read in the program */
		int r = wget_wch(a->w_body, &wc);
		if (r != ERR) {
			if (r == KEY_CODE_YES && wc == KEY_RESIZE)
				return INPUT_RESIZE;
			return key_from_curses(r, wc, k) ? INPUT_KEY : INPUT_NONE;
		}
		int fd = fileno(a->term_in);
		if (pass == 1) {
			/* the terminal was ready yet gave no key: a hung-up terminal
			 * (window closed, ssh dropped) reads as ready for ever, so
			 * leave rather than spin; the outbox is already on disk */
			if (term_hung_up(fd))
				return INPUT_EOF;
			break;
		}
		/* nothing buffered: wait for the terminal or the network */
		if (app_conn(a)) {
			int done = 0;
			if (!api_pump_fd(app_conn(a), fd, wait_ms, &done))
				return INPUT_NONE;
		} else {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, wait_ms) <= 0)
				return INPUT_NONE;
		}
	}
	return INPUT_NONE;
}

/* Row y of what the last doupdate() put on the terminal, as UTF-8 with
 * trailing blanks cut; line holds COLS * MB_LEN_MAX + 1 bytes. */
static void screen_row(int y, cchar_t *cells, char *line)
{
	/* newscr is what the last doupdate() put on the terminal */
	int n = mvwin_wchnstr(newscr, y, 0, cells, COLS) == ERR ? 0 : COLS;
	size_t len = 0, keep = 0;
	for (int x = 0; x < n && x < COLS; x++) {
		wchar_t wch[CCHARW_MAX + 1];
		attr_t at;
		short pair;
		if (getcchar(&cells[x], wch, &at, &pair, NULL) == ERR)
			continue;
		if (at & WA_INVIS)
			continue;
		for (int i = 0; wch[i]; i++) {
			mbstate_t st;
			memset(&st, 0, sizeof st);
			size_t r = wcrtomb(line + len, wch[i], &st);
			if (r != (size_t)-1)
				len += r;
		}
		if (!(wch[0] == L' ' && !wch[1]))
			keep = len;
		/* a wide character's second cell repeats it: skip */
		if (wch[0] && wcwidth(wch[0]) == 2)
			x++;
	}
	line[keep] = '\0';
}

static bool screen_shows(const char *text)
{
	cchar_t *cells = xcalloc((size_t)COLS + 1, sizeof *cells);
	char *line = xmalloc((size_t)COLS * MB_LEN_MAX + 1);
	bool found = false;
	for (int y = 0; y < LINES && !found; y++) {
		screen_row(y, cells, line);
		found = strstr(line, text) != NULL;
	}
	free(cells);
	free(line);
	return found;
}

bool input_dump_screen(struct app *a, const char *path)
{
	(void)a;
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	cchar_t *cells = xcalloc((size_t)COLS + 1, sizeof *cells);
	char *line = xmalloc((size_t)COLS * MB_LEN_MAX + 1);
	for (int y = 0; y < LINES; y++) {
		screen_row(y, cells, line);
		fprintf(f, "%s\n", line);
	}
	free(cells);
	free(line);
	return fclose(f) == 0;
}
