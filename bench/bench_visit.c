/* bench/bench_visit.c - the common visit in keystrokes, on the real vaxdesk:
 * from the main menu, find a child by name and date of birth, and record
 * the two vaccines due today from the clinic's lots on hand, knowing no
 * code (no CVX, MVX, funding or eligibility code is typed).
 *
 *   bench_visit                              start a throwaway vaxregd with
 *                                            the child and the lots
 *                                            (bench/visit.sh) and come back
 *   bench_visit URL CA ORG USER PASSWORD MMDDYYYY
 *
 * vaxdesk runs in scripted mode (VAXDESK_SCRIPT, as tests/tui/lib.sh runs
 * it) at 80x24. The login is not counted (the task starts at the main
 * menu); every key name in the script is one keystroke and every typed
 * character one more; waits and screen saves are none. The screens seen
 * after each step are printed, and the visit must end saved and sent:
 * bench/visit.sh then checks the registry holds the two doses. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STEPS 32

struct step {
	const char *what; /* what the person does, in words */
	char keys[128];   /* script lines (key names, :type ...), '\n' apart */
	int count;        /* keystrokes */
};

static struct step steps[MAX_STEPS];
static int nsteps;

/* Keystrokes in a script fragment: a key name is one, a typed character
 * (UTF-8 counted as characters) one each; lines starting ':' but :type
 * are the harness's own. */
static int count_keys(const char *s)
{
	int n = 0;
	char line[256];
	while (*s) {
		size_t len = strcspn(s, "\n");
		snprintf(line, sizeof line, "%.*s", (int)len, s);
		s += len + (s[len] == '\n');
		if (!strncmp(line, ":type ", 6)) {
			for (const char *p = line + 6; *p; p++)
				n += ((unsigned char)*p & 0xc0) != 0x80;
		} else if (line[0] && line[0] != ':') {
			for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " "))
				n++;
		}
	}
	return n;
}

static void step(const char *what, const char *keys)
{
	struct step *st = &steps[nsteps++];
	st->what = what;
	snprintf(st->keys, sizeof st->keys, "%s", keys);
	st->count = count_keys(keys);
}

static char tmp[] = "/tmp/vaxvisit.XXXXXX";

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* The screen saved after step i: its first line below the status line and
 * the one after it (what the person looks at), and the message line. */
static void describe(int i, char *buf, size_t len, char *msg, size_t mlen)
{
	char path[512], line[512];
	snprintf(path, sizeof path, "%s/step%02d.txt", tmp, i);
	buf[0] = msg[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	int n = 0;
	char last[512] = "", prev[512] = "";
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		n++;
		const char *t = line + strspn(line, " ");
		if (n >= 3 && !buf[0] && *t && strncmp(t, "OFFLINE", 7))
			snprintf(buf, len, "%.60s", t);
		snprintf(prev, sizeof prev, "%s", last);
		snprintf(last, sizeof last, "%s", line);
	}
	fclose(f);
	/* the message line is the one above the bar */
	const char *t = prev + strspn(prev, " ");
	snprintf(msg, mlen, "%.70s", t);
}

static bool screen_has(int i, const char *text)
{
	char path[512], line[512];
	snprintf(path, sizeof path, "%s/step%02d.txt", tmp, i);
	FILE *f = fopen(path, "r");
	bool found = false;
	while (f && !found && fgets(line, sizeof line, f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		const char *src = getenv("top_srcdir") ? getenv("top_srcdir") : VAX_TOP_SRCDIR;
		const char *bld = getenv("top_builddir") ? getenv("top_builddir") : VAX_TOP_BUILDDIR;
		char cmd[4096];
		snprintf(cmd, sizeof cmd,
		         "top_srcdir='%s' top_builddir='%s' sh '%s/bench/visit.sh' '%s/bench/bench_visit'",
		         src, bld, src, bld);
		return system(cmd) == 0 ? 0 : 1;
	}
	const char *url = argv[1], *ca = argv[2], *org = argv[3], *user = argv[4], *pw = argv[5],
	           *dob = argv[6];
	if (!mkdtemp(tmp)) {
		perror("bench_visit: mkdtemp");
		return 1;
	}
	char path[600];

	/* the visit, as a person without any code in mind does it */
	char find[128];
	/* the first letters of the names, the birth date in 8 digits */
	snprintf(find, sizeof find, ":type obr,w %s\n<Enter>\n:wait-idle", dob);
	step("main menu: Find a client", "s\n:wait-idle");
	step("Quick search: name and date of birth, Enter", find);
	step("the record: Due today", "v\n:wait-idle");
	step("tick the first due vaccine (it moves on)", "<Space>");
	step("tick the next", "<Space>");
	step("Enter: Add New filled from the lots", "<Enter>");
	step("VFC eligibility: F4 lists it", "<F4>");
	step("the second line (Medicaid)", "<Down>");
	step("Enter chooses it", "<Enter>");
	step("F8 saves the visit (then it is sent by itself)", "<F8>\n:wait-idle\n:wait-text 90 Outbox: 0");

	snprintf(path, sizeof path, "%s/home/.config/vaxdesk", tmp);
	char mk[700];
	snprintf(mk, sizeof mk, "mkdir -p '%s'", path);
	if (system(mk) != 0)
		return 1;
	snprintf(path, sizeof path, "%s/home/.config/vaxdesk/vaxdesk.conf", tmp);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "registry_url = %s\nca_file = %s\n", url, ca);
	fclose(f);
	snprintf(path, sizeof path, "%s/script", tmp);
	f = fopen(path, "w");
	if (!f)
		return 1;
	/* the login, not counted: the task starts at the main menu */
	fprintf(f,
	        ":wait-idle\n:type %s\n<Tab>\n:type %s\n<Tab>\n:type "
	        "%s\n<Enter>\n:wait-idle\n<Enter>\n:wait-idle\n",
	        org, user, pw);
	fprintf(f, ":save-screen %s/step00.txt\n", tmp);
	for (int i = 0; i < nsteps; i++)
		fprintf(f, "%s\n:save-screen %s/step%02d.txt\n", steps[i].keys, tmp, i + 1);
	fclose(f);

	pid_t pid = fork();
	if (pid == 0) {
		char home[600], script[600];
		snprintf(home, sizeof home, "%s/home", tmp);
		snprintf(script, sizeof script, "%s/script", tmp);
		setenv("HOME", home, 1);
		setenv("VAXDESK_SCRIPT", script, 1);
		setenv("VAXDESK_NO_DISPLAY", "1", 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("COLUMNS", "80", 1);
		setenv("LINES", "24", 1);
		unsetenv("XDG_CONFIG_HOME");
		const char *bld = getenv("top_builddir") ? getenv("top_builddir") : VAX_TOP_BUILDDIR;
		const char *prog = getenv("VAXDESK");
		char def[600];
		snprintf(def, sizeof def, "%s/vaxdesk", bld);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(prog ? prog : def, "vaxdesk", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);

	int total = 0;
	printf("\nbench_visit: the common visit at 80x24, from the main menu (login not counted)\n");
	printf("%-4s %-46s %s\n", "keys", "what the person does", "screen then");
	printf("%-4s %-46s %s\n", "----", "----------------------------------------------",
	       "----------------------------");
	char first[128], msg[128];
	describe(0, first, sizeof first, msg, sizeof msg);
	printf("%-4s %-46s %s\n", "", "(logged in)", first);
	for (int i = 0; i < nsteps; i++) {
		total += steps[i].count;
		describe(i + 1, first, sizeof first, msg, sizeof msg);
		printf("%4d %-46s %s\n", steps[i].count, steps[i].what, first);
		if (msg[0] && strncmp(msg, "F1", 2))
			printf("%-4s %-46s   \"%s\"\n", "", "", msg);
	}
	/* the visit must really have happened */
	bool ticked = screen_has(5, "[x] Polio") && screen_has(5, "[x] Varicella");
	bool saved = screen_has(nsteps, "Outbox: 0") && screen_has(nsteps, "2 doses saved");
	/* the screens, in the order they were seen (the same one twice in a row once) */
	char seen[1024] = "", last[64] = "";
	for (int i = 0; i <= nsteps; i++) {
		const char *name = screen_has(i, "Type to narrow")         ? "pick list"
		                   : screen_has(i, "Due today for")        ? "Due today"
		                   : screen_has(i, "Add New (given here)") ? "Add New"
		                   : screen_has(i, "Registry ID:")         ? "Client record"
		                   : screen_has(i, "Quick search")         ? "Find a client"
		                   : screen_has(i, "Main menu")            ? "Main menu"
		                                                           : "?";
		if (strcmp(name, last)) {
			size_t o = strlen(seen);
			snprintf(seen + o, sizeof seen - o, "%s%s", o ? " -> " : "", name);
			snprintf(last, sizeof last, "%s", name);
		}
	}
	printf("\nscreens seen: %s\n", seen);
	printf("visit keystrokes: %d\n", total);
	printf("polio and varicella ticked: %s; both saved and sent to the registry: %s\n",
	       ticked ? "yes" : "NO", saved ? "yes" : "NO");
	if (!getenv("BENCH_VISIT_KEEP"))
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else
		printf("screens kept in %s\n", tmp);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && ticked && saved && total <= 30 ? 0 : 1;
}
