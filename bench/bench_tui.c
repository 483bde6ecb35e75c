/* bench/bench_tui.c - vaxdesk as a person at a terminal sees it: the real
 * program on a pseudo-terminal (80x24, TERM=xterm-256color, no registry
 * configured, so only the terminal side is measured).
 *
 * Prints: cold start to the login screen, keystroke-to-screen latency
 * (time from writing a key to the first byte of the answer; p50/p99 over
 * typed characters), bytes written to the terminal per keystroke and per
 * screen change (help on and off, next field), and peak RSS.
 *
 * Run from the build directory (make bench), or VAXDESK=path/to/vaxdesk.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/benchutil.h"

#define KEYS     300
#define QUIET_MS 30

static int master = -1;
static char seen[1 << 16];
static size_t seen_len;

/* Read what the program writes until it stays quiet for quiet_ms (or
 * until total_ms passes); returns bytes read, *first_ns the time of the
 * first byte (0 if none). */
static size_t drain(int quiet_ms, int total_ms, double *first_ns)
{
	size_t n = 0;
	double end = bench_now_ns() + total_ms * 1e6;
	if (first_ns)
		*first_ns = 0;
	for (;;) {
		double now = bench_now_ns();
		if (now >= end)
			break;
		int wait = n ? quiet_ms : (int)((end - now) / 1e6) + 1;
		struct pollfd p = {.fd = master, .events = POLLIN};
		int r = poll(&p, 1, wait);
		if (r <= 0)
			break;
		char buf[8192];
		ssize_t got = read(master, buf, sizeof buf);
		if (got <= 0)
			break;
		if (!n && first_ns)
			*first_ns = bench_now_ns();
		n += (size_t)got;
		/* keep the tail to look for text */
		if (seen_len + (size_t)got >= sizeof seen)
			seen_len = 0;
		memcpy(seen + seen_len, buf, (size_t)got);
		seen_len += (size_t)got;
		seen[seen_len] = '\0';
	}
	return n;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The program made its local store under the scratch HOME: remove it all. */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void send_keys(const char *s)
{
	if (write(master, s, strlen(s)) < 0)
		perror("bench_tui: write");
}

int main(void)
{
	const char *prog = getenv("VAXDESK");
	if (!prog || !*prog)
		prog = "./vaxdesk";
	if (access(prog, X_OK) != 0) {
		fprintf(stderr, "bench_tui: %s not found (run from the build directory or set VAXDESK)\n",
		        prog);
		return 1;
	}
	char home[] = "/tmp/vaxbench-XXXXXX";
	if (!mkdtemp(home)) {
		perror("bench_tui: mkdtemp");
		return 1;
	}
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	double t0 = bench_now_ns();
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("bench_tui: forkpty");
		return 1;
	}
	if (pid == 0) {
		setenv("HOME", home, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		unsetenv("XDG_CONFIG_HOME");
		unsetenv("XDG_DATA_HOME");
		unsetenv("NO_COLOR");
		unsetenv("VAXDESK_SCRIPT");
		unsetenv("VAXDESK_NO_DISPLAY");
		execl(prog, "vaxdesk", (char *)NULL);
		_exit(127);
	}
	/* cold start: until the login form is on the screen */
	double ready = 0;
	size_t start_bytes = 0;
	for (int i = 0; i < 200 && !ready; i++) {
		start_bytes += drain(QUIET_MS, 100, NULL);
		if (strstr(seen, "Password"))
			ready = bench_now_ns();
	}
	if (!ready) {
		fprintf(stderr, "bench_tui: the login screen never appeared\n");
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		rm_tree(home);
		return 1;
	}
	drain(QUIET_MS, 500, NULL);

	/* typing: a letter, then backspace, so the field never fills */
	static double lat[KEYS];
	size_t key_bytes = 0;
	for (int i = 0; i < KEYS; i++) {
		double first;
		double s = bench_now_ns();
		send_keys(i % 2 ? "\x7f" : "A");
		key_bytes += drain(QUIET_MS, 2000, &first);
		lat[i] = first ? (first - s) / 1e6 : 2000;
	}
	/* screen changes */
	size_t help_on, help_off, next_field;
	send_keys("\x1bOP"); /* F1 */
	help_on = drain(QUIET_MS, 2000, NULL);
	send_keys("\x1b");
	help_off = drain(200, 2000, NULL); /* Esc waits for ESCDELAY */
	send_keys("\t");
	next_field = drain(QUIET_MS, 2000, NULL);

	send_keys("\x1b[21~"); /* F10 */
	drain(QUIET_MS, 2000, NULL);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		memset(&ru, 0, sizeof ru);
	close(master);
	rm_tree(home);

	bench_header("vaxdesk on a pseudo-terminal (80x24, xterm-256color)");
	bench_row("cold start to login screen", (ready - t0) / 1e6, "ms");
	bench_row("bytes to draw the login screen", (double)start_bytes, "B");
	bench_row("keystroke to screen p50", bench_percentile(lat, KEYS, 50), "ms");
	bench_row("keystroke to screen p99", bench_percentile(lat, KEYS, 99), "ms");
	bench_row("bytes per typed character", (double)key_bytes / KEYS, "B");
	bench_row("bytes: help screen on", (double)help_on, "B");
	bench_row("bytes: help screen off", (double)help_off, "B");
	bench_row("bytes: next field", (double)next_field, "B");
	bench_row("peak RSS", (double)ru.ru_maxrss / 1024.0, "MiB");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
