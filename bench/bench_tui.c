/* bench/bench_tui.c - vaxdesk as a person at a terminal sees it: the real
 * program on a pseudo-terminal (80x24, TERM=xterm-256color).
 *
 * Two runs:
 *   1. the login screen, no registry configured (the terminal side alone):
 *      cold start, keystroke-to-screen latency over typed characters, bytes
 *      per keystroke and per screen change, peak RSS;
 *   2. the client record after months of use: a store made here with the
 *      cache API (a client with RECORD_DOSES doses and RECEIPTS accepted
 *      outbox entries, about 90 days of a busy clinic), vaxdesk logged in
 *      offline from it (the registry URL points at a closed port), the
 *      record opened by its registry id; then the selection moved up and
 *      down the doses. Prints the time to open the record and the
 *      keystroke-to-screen latency p50/p99 (the record must redraw every
 *      row's registry state and evaluation for each key).
 * Latency is the time from writing a key to the first byte of the answer
 * (run 1), or to its last byte, the screen complete (run 2). BENCH_TRACE=1
 * prints each key of run 2 on stderr (latency, first byte, bytes), to tell
 * a slow key from a machine that was busy.
 *
 * Run from the build directory (make bench), or VAXDESK=path/to/vaxdesk
 * (VAXDESK_DATADIR must name the data when it is not installed).
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
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "cache/store.h"
#include "core/client.h"
#include "core/immunization.h"

#include <sqlite3.h>

#define KEYS         300
#define QUIET_MS     30
#define RECORD_DOSES 300
#define RECEIPTS     3000
#define RECORD_KEYS  300
#define BENCH_ORG    "BENCHORG"
#define BENCH_USER   "bench"
#define BENCH_PW     "Bench!pass2026"
#define BENCH_RID    "TX20260001"

static int master = -1;
static char seen[1 << 16];
static size_t seen_len;
static double last_ns; /* when drain() read its last byte */

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
		last_ns = bench_now_ns();
		if (!n && first_ns)
			*first_ns = last_ns;
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

/* vaxdesk on a new pseudo-terminal, HOME as given. */
static pid_t spawn(const char *prog, const char *home)
{
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	seen_len = 0;
	seen[0] = '\0';
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("bench_tui: forkpty");
		return -1;
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
	return pid;
}

/* Wait until the screen has shown text (up to secs seconds). */
static bool wait_text(const char *text, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (strstr(seen, text))
			return true;
		drain(QUIET_MS, 100, NULL);
	}
	return strstr(seen, text) != NULL;
}

/* CPU seconds (user + system) a process has used so far, from /proc; -1 if unknown. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after the command name in parentheses: fields 3.. ; utime is 14, stime 15 */
	const char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void kill_wait(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

/* The store of months of use, made with the cache API as vaxdesk would
 * have made it: BENCH_USER's store (an online login here), the client with
 * RECORD_DOSES doses as the registry sent them, and RECEIPTS accepted
 * changes of those doses in the outbox. */
static bool make_store(const char *home)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/.local/share/vaxdesk", home);
	struct cache_store_options so = {.dir = dir};
	struct vax_error err;
	struct cache_store *st = cache_store_open(&so, &err);
	if (!st || !cache_login_online(st, BENCH_ORG, BENCH_USER, BENCH_PW, (int64_t)time(NULL), &err)) {
		fprintf(stderr, "bench_tui: store: %s\n", err.message);
		cache_store_close(st);
		return false;
	}
	/* building it is not what is measured: no fsync per row */
	sqlite3_exec(cache_store_db(st), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	struct client c;
	client_init(&c);
	snprintf(c.id, sizeof c.id, "%s", BENCH_RID);
	snprintf(c.version, sizeof c.version, "1");
	snprintf(c.name.family, sizeof c.name.family, "Benchmark");
	snprintf(c.name.given, sizeof c.name.given, "Patricia");
	c.dob = date_from_ymd(1960, 1, 15);
	c.sex = SEX_FEMALE;
	bool ok = cache_put_client(st, &c, (int64_t)time(NULL), NULL, &err);
	static const char *const cvx[] = {"08",  "20",  "10",  "03", "21",  "83",
	                                  "141", "150", "133", "62", "115", "33"};
	struct capture cap = {.at = (int64_t)time(NULL)};
	snprintf(cap.user, sizeof cap.user, BENCH_USER);
	snprintf(cap.org, sizeof cap.org, BENCH_ORG);
	snprintf(cap.workstation, sizeof cap.workstation, "bench");
	for (int i = 0; ok && i < RECORD_DOSES; i++) {
		struct immunization im;
		imm_init(&im);
		snprintf(im.id, sizeof im.id, "dose%d", i);
		snprintf(im.version, sizeof im.version, "1");
		snprintf(im.client_id, sizeof im.client_id, "%s", BENCH_RID);
		snprintf(im.cvx, sizeof im.cvx, "%s", cvx[i % 12]);
		snprintf(im.lot, sizeof im.lot, "LOT%04d", i);
		snprintf(im.org, sizeof im.org, BENCH_ORG);
		im.date_given = date_from_ymd(1960, 3, 1) + i * 60;
		im.historical = true;
		snprintf(im.info_source, sizeof im.info_source, "01");
		ok = cache_put_immunization(st, &im, NULL, &err);
	}
	/* every change accepted by the registry left its receipt here */
	struct immunization *all = NULL;
	char key[CACHE_KEY_STR];
	int n =
	    ok && cache_find_rid(st, BENCH_RID, key) ? cache_client_immunizations(st, key, &all, &err) : -1;
	ok = ok && n == RECORD_DOSES;
	for (int i = 0; ok && i < RECEIPTS; i++) {
		struct immunization im = all[i % RECORD_DOSES];
		snprintf(im.lot, sizeof im.lot, "LOT%04dR%d", i % RECORD_DOSES, i / RECORD_DOSES);
		struct cache_entry e;
		char ver[16];
		snprintf(ver, sizeof ver, "%d", 2 + i / RECORD_DOSES);
		ok = cache_save_immunization(st, &im, CACHE_OP_UPDATE, &cap, &e, &err) &&
		     cache_outbox_set_state(st, e.seq, CACHE_ACCEPTED, im.id, ver, NULL, NULL, &err);
	}
	free(all);
	if (!ok)
		fprintf(stderr, "bench_tui: store: %s\n", err.message);
	cache_store_close(st);
	return ok;
}

/* Run 2: the client record of months of use. */
static int record_run(const char *prog, const char *home)
{
	double t_store = bench_now_ns();
	if (!make_store(home))
		return 1;
	t_store = (bench_now_ns() - t_store) / 1e6;
	char path[512];
	snprintf(path, sizeof path, "%s/.config", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/.config/vaxdesk", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/.config/vaxdesk/vaxdesk.conf", home);
	/* a registry that refuses the connection at once: the login is offline */
	if (!write_file(path, "registry_url = https://127.0.0.1:1\nauto_sync = no\n"))
		return 1;
	pid_t pid = spawn(prog, home);
	if (pid < 0)
		return 1;
	bool ok = wait_text("Password", 20);
	if (ok) {
		drain(QUIET_MS, 300, NULL);
		send_keys(BENCH_ORG "\t" BENCH_USER "\t" BENCH_PW "\r");
		ok = wait_text("Main menu", 30);
	}
	double open_ms = 0;
	if (ok) {
		drain(QUIET_MS, 300, NULL);
		send_keys("/");
		ok = wait_text("Quick search", 10);
		drain(QUIET_MS, 300, NULL);
		send_keys(BENCH_RID);
		drain(QUIET_MS, 300, NULL);
		seen_len = 0;
		seen[0] = '\0';
		double t = bench_now_ns();
		send_keys("\r");
		ok = ok && wait_text("Vaccines recommended", 60);
		open_ms = (bench_now_ns() - t) / 1e6;
		drain(200, 2000, NULL);
	}
	if (!ok) {
		fprintf(stderr, "bench_tui: the client record never appeared; the terminal's last output:\n");
		fwrite(seen, 1, seen_len > 2000 ? 2000 : seen_len, stderr);
		fputc('\n', stderr);
		kill_wait(pid);
		return 1;
	}
	/* down the doses and back: every key redraws the record; the screen
	 * is there when the last byte of the answer is */
	static double lat[RECORD_KEYS];
	double cpu0 = cpu_s(pid);
	for (int i = 0; i < RECORD_KEYS; i++) {
		double first;
		double t = bench_now_ns();
		/* 20 down, 20 up, ...: the cursor keys as xterm sends them in
		 * keypad mode (curses turns it on) */
		send_keys((i / 20) % 2 ? "\x1bOA" : "\x1bOB");
		size_t got = drain(QUIET_MS, 5000, &first);
		lat[i] = first ? (last_ns - t) / 1e6 : 5000;
		if (getenv("BENCH_TRACE"))
			fprintf(stderr, "key %3d %8.2f ms first %8.2f ms %5zu B\n", i, lat[i],
			        first ? (first - t) / 1e6 : -1, got);
	}
	double cpu = cpu_s(pid) - cpu0;
	/* still the record, with a dose selected: Enter says how it counted */
	seen_len = 0;
	seen[0] = '\0';
	send_keys("\r");
	drain(QUIET_MS, 2000, NULL);
	if (!strstr(seen, "Valid dose") && !strstr(seen, "NOT VALID") && !strstr(seen, "Not evaluated")) {
		fprintf(stderr, "bench_tui: the keys did not move through the record\n");
		kill_wait(pid);
		return 1;
	}
	send_keys("\x1b[21~"); /* F10: it asks (nothing unsent here) or leaves */
	drain(QUIET_MS, 2000, NULL);
	send_keys("y");
	drain(QUIET_MS, 2000, NULL);
	kill_wait(pid);
	char title[128];
	snprintf(title, sizeof title, "client record: %d doses, %d receipts in the store (80x24)",
	         RECORD_DOSES, RECEIPTS);
	bench_header(title);
	bench_row("making the store (not vaxdesk)", t_store, "ms");
	bench_row("open the record (store + forecast)", open_ms, "ms");
	bench_row("keystroke to screen p50", bench_percentile(lat, RECORD_KEYS, 50), "ms");
	bench_row("keystroke to screen p99", bench_percentile(lat, RECORD_KEYS, 99), "ms");
	bench_row("keystroke to screen max", bench_percentile(lat, RECORD_KEYS, 100), "ms");
	/* what the program itself spent, whatever the machine's load did to the latency */
	if (cpu0 >= 0 && cpu >= 0)
		bench_row("vaxdesk CPU per keystroke (mean)", cpu * 1000 / RECORD_KEYS, "ms");
	return 0;
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
	double t0 = bench_now_ns();
	pid_t pid = spawn(prog, home);
	if (pid < 0)
		return 1;
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
	bool exited = WIFEXITED(status) && WEXITSTATUS(status) == 0;

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

	char home2[] = "/tmp/vaxbench-XXXXXX";
	if (!mkdtemp(home2)) {
		perror("bench_tui: mkdtemp");
		return 1;
	}
	int rc = record_run(prog, home2);
	close(master);
	if (getenv("BENCH_KEEP")) /* to look at the store, or drive vaxdesk over it by hand */
		fprintf(stderr, "bench_tui: kept %s\n", home2);
	else
		rm_tree(home2);
	return exited && rc == 0 ? 0 : 1;
}
