/* tui/term.c - the terminal: curses on and off, stderr kept off the screen,
 * colour or monochrome, line drawing by locale, restoring the terminal on
 * every way out (normal exit, out of memory, fatal signals). */
#include "config.h"

#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "tui/tui.h"

/* What term_close() needs, reachable from signal handlers and xalloc's die
 * hook, which get no context. */
static struct {
	bool open;
	SCREEN *scr;
	FILE *out, *in;
	int saved_stderr; /* the real stderr while curses runs; -1 if none */
	int tmp_fd;       /* where stderr goes meanwhile */
} term = {.saved_stderr = -1, .tmp_fd = -1};

/* Copy what was written to stderr while curses ran to the real stderr. */
static void stderr_restore(void)
{
	if (term.saved_stderr < 0)
		return;
	dup2(term.saved_stderr, STDERR_FILENO);
	close(term.saved_stderr);
	term.saved_stderr = -1;
	if (term.tmp_fd >= 0) {
		char buf[4096];
		ssize_t n;
		lseek(term.tmp_fd, 0, SEEK_SET);
		while ((n = read(term.tmp_fd, buf, sizeof buf)) > 0)
			if (write(STDERR_FILENO, buf, (size_t)n) < 0)
				break;
		close(term.tmp_fd);
		term.tmp_fd = -1;
	}
}

/* libcurl, OpenSSL and glibc may write to stderr; on a curses screen that
 * would corrupt the display, so it goes to an unlinked temp file. */
static void stderr_redirect(void)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/vaxdesk-stderr-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return; /* better a scribbled screen than no program */
	unlink(path);
	fflush(stderr);
	term.saved_stderr = dup(STDERR_FILENO);
	if (term.saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0) {
		close(fd);
		if (term.saved_stderr >= 0)
			close(term.saved_stderr);
		term.saved_stderr = -1;
		return;
	}
	term.tmp_fd = fd;
}

void term_close(void)
{
	if (term.open) {
		term.open = false;
		/* blank first: terminals without an alternate screen keep what
		 * was last shown in their scrollback */
		erase();
		refresh();
		endwin();
		delscreen(term.scr);
		term.scr = NULL;
		if (term.out && term.out != stdout)
			fclose(term.out);
		if (term.in && term.in != stdin)
			fclose(term.in);
		term.out = term.in = NULL;
	}
	stderr_restore();
}

static void die_hook(void)
{
	term_close();
	fputs("vaxdesk: out of memory\n", stderr);
}

static void fatal_signal(int sig)
{
	/* Not async-signal-safe, as in every curses program that restores the
	 * terminal on a crash; the alternative is a terminal left raw. */
	term_close();
	signal(sig, SIG_DFL);
	raise(sig);
}

bool term_open(struct app *a)
{
	if (a->no_display) {
		term.out = fopen("/dev/null", "w");
		term.in = fopen("/dev/null", "r");
		if (!term.out || !term.in) {
			fputs("vaxdesk: cannot open /dev/null\n", stderr);
			return false;
		}
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fputs("vaxdesk: needs a terminal (or VAXDESK_NO_DISPLAY=1 with VAXDESK_SCRIPT)\n",
			      stderr);
			return false;
		}
		term.out = stdout;
		term.in = stdin;
	}
	const char *t = getenv("TERM");
	/* without a display there is no screen to protect; stderr stays */
	if (!a->no_display)
		stderr_redirect();
	term.scr = newterm(t && *t ? t : "vt100", term.out, term.in);
	if (!term.scr) {
		stderr_restore();
		fprintf(stderr, "vaxdesk: cannot use terminal type '%s'\n", t ? t : "");
		return false;
	}
	term.open = true;
	a->term = term.scr;
	a->term_out = term.out;
	a->term_in = term.in;
	xalloc_set_die(die_hook);
	signal(SIGSEGV, fatal_signal);
	signal(SIGBUS, fatal_signal);
	signal(SIGABRT, fatal_signal);
	signal(SIGFPE, fatal_signal);
	signal(SIGILL, fatal_signal);
	signal(SIGPIPE, SIG_IGN);

	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(40);
	curs_set(0);

	const char *cs = nl_langinfo(CODESET);
	a->utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	const char *nc = getenv("NO_COLOR");
	a->color = has_colors() && !(nc && *nc);
	if (a->color) {
		start_color();
		use_default_colors();
		init_pair(ROLE_TITLE, COLOR_WHITE, COLOR_BLUE);
		init_pair(ROLE_STATUS, COLOR_BLACK, COLOR_CYAN);
		init_pair(ROLE_BAR, COLOR_BLACK, COLOR_WHITE);
		init_pair(ROLE_KEY, COLOR_BLUE, COLOR_WHITE);
		init_pair(ROLE_ERROR, COLOR_RED, -1);
		init_pair(ROLE_BANNER, COLOR_WHITE, COLOR_RED);
		init_pair(ROLE_FIELD, -1, -1);
		init_pair(ROLE_FOCUS, COLOR_BLACK, COLOR_YELLOW);
		init_pair(ROLE_DISABLED, COLOR_BLUE, -1);
	}
	return true;
}

attr_t term_attr(const struct app *a, enum tui_role role)
{
	if (a->color) {
		attr_t extra = 0;
		switch (role) {
		case ROLE_ERROR:
		case ROLE_BANNER:
		case ROLE_TITLE:
			extra = A_BOLD;
			break;
		case ROLE_FIELD:
			extra = A_UNDERLINE;
			break;
		case ROLE_NORMAL:
			return A_NORMAL;
		default:
			break;
		}
		return (attr_t)COLOR_PAIR(role) | extra;
	}
	switch (role) {
	case ROLE_TITLE:
	case ROLE_STATUS:
	case ROLE_BAR:
		return A_REVERSE;
	case ROLE_KEY:
	case ROLE_ERROR:
		return A_BOLD;
	case ROLE_BANNER:
		return A_REVERSE | A_BOLD;
	case ROLE_FIELD:
		return A_UNDERLINE;
	case ROLE_FOCUS:
		return A_REVERSE;
	case ROLE_DISABLED:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

const wchar_t *term_hline(const struct app *a)
{
	return a->utf8 ? L"\x2500" : L"-";
}

static void del(WINDOW **w)
{
	if (*w)
		delwin(*w);
	*w = NULL;
}

void term_layout(struct app *a)
{
	del(&a->w_status);
	del(&a->w_banner);
	del(&a->w_body);
	del(&a->w_msg);
	del(&a->w_bar);
	a->rows = LINES < 6 ? 6 : LINES;
	a->cols = COLS < 20 ? 20 : COLS;
	/* status, banner, body..., message, function-key bar */
	a->w_status = newwin(1, a->cols, 0, 0);
	a->w_banner = newwin(1, a->cols, 1, 0);
	a->w_body = newwin(a->rows - 4, a->cols, 2, 0);
	a->w_msg = newwin(1, a->cols, a->rows - 2, 0);
	a->w_bar = newwin(1, a->cols, a->rows - 1, 0);
	if (!a->w_status || !a->w_banner || !a->w_body || !a->w_msg || !a->w_bar) {
		term_close();
		fputs("vaxdesk: the terminal is too small\n", stderr);
		exit(1);
	}
	keypad(a->w_body, TRUE);
	nodelay(a->w_body, TRUE); /* input.c waits in poll, with the network */
	a->dirty |= DIRTY_ALL & ~DIRTY_LAYOUT;
}
