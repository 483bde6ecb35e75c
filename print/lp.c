/* print/lp.c - see lp.h. */
#include "print/lp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xalloc.h"

extern char **environ;

struct lp_job {
	pid_t pid;
	int fd; /* lp's stdout and stderr, together */
	char out[2048];
	size_t nout;
	char *remove; /* a file to delete when lp is done */
	bool eof;
	int status; /* wait status once reaped */
	bool reaped;
};

char *lp_temp_path(const char *prefix, struct vax_error *err)
{
	const char *dir = getenv("TMPDIR");
	size_t n = strlen(dir && *dir ? dir : "/tmp") + strlen(prefix) + 16;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s.XXXXXX", dir && *dir ? dir : "/tmp", prefix);
	int fd = mkstemp(p);
	if (fd < 0) {
		error_set(err, "PRINT-TEMP", "A temporary file for printing cannot be made in %s: %s.",
		          dir && *dir ? dir : "/tmp", strerror(errno));
		free(p);
		return NULL;
	}
	fchmod(fd, 0600);
	close(fd);
	return p;
}

struct lp_job *lp_start(const char *file, const char *printer, const char *title, enum pdf_paper paper,
                        bool remove_after, struct vax_error *err)
{
	const char *prog = getenv("VAXDESK_LP");
	if (!prog || !*prog)
		prog = "lp";
	const char *argv[16];
	int n = 0;
	argv[n++] = prog;
	if (printer && *printer) {
		argv[n++] = "-d";
		argv[n++] = printer;
	}
	argv[n++] = "-t";
	argv[n++] = title && *title ? title : "vaxdesk";
	argv[n++] = "-o";
	argv[n++] = paper == PDF_PAPER_A4 ? "media=A4" : "media=Letter";
	argv[n++] = "--";
	argv[n++] = file;
	argv[n] = NULL;

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return error_set(err, "PRINT-START", "lp cannot be started: %s.", strerror(errno)), NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, prog, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		if (rc == ENOENT)
			return error_set(
			           err, "PRINT-NO-LP",
			           "Printing needs CUPS's lp command, which is not installed (Debian: "
			           "apt-get install cups-client); save the document to a file instead."),
			       NULL;
		return error_set(err, "PRINT-START", "%s cannot be started: %s.", prog, strerror(rc)), NULL;
	}
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	struct lp_job *j = xcalloc(1, sizeof *j);
	j->pid = pid;
	j->fd = pfd[0];
	if (remove_after)
		j->remove = xstrdup(file);
	return j;
}

int lp_fd(const struct lp_job *j)
{
	return j->fd;
}

static void drain(struct lp_job *j)
{
	while (!j->eof) {
		char tmp[512];
		ssize_t r = read(j->fd, tmp, sizeof tmp);
		if (r > 0) {
			size_t room = sizeof j->out - 1 - j->nout;
			size_t k = (size_t)r < room ? (size_t)r : room;
			memcpy(j->out + j->nout, tmp, k);
			j->nout += k;
			j->out[j->nout] = '\0';
		} else if (r == 0) {
			j->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else {
			if (errno != EAGAIN)
				j->eof = true;
			break;
		}
	}
}

/* The job is over: read what lp said. */
static int finish(struct lp_job *j, char *request, size_t len, struct vax_error *err)
{
	if (j->remove) {
		unlink(j->remove);
		free(j->remove);
		j->remove = NULL;
	}
	/* "request id is front-12 (1 file(s))" */
	char *rid = strstr(j->out, "request id is ");
	bool ok = WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0;
	if (ok) {
		if (request && len) {
			request[0] = '\0';
			if (rid) {
				rid += 14;
				size_t k = strcspn(rid, " \n");
				snprintf(request, len, "%.*s", (int)k, rid);
			}
		}
		return 1;
	}
	/* lp's own words, first line, without its "lp: " prefix */
	char *msg = j->out;
	while (*msg == ' ' || *msg == '\n')
		msg++;
	if (!strncmp(msg, "lp: ", 4))
		msg += 4;
	msg[strcspn(msg, "\n")] = '\0';
	if (WIFSIGNALED(j->status))
		error_set(err, "PRINT-FAILED", "lp was stopped by signal %d.", WTERMSIG(j->status));
	else if (*msg)
		error_set(err, "PRINT-FAILED", "The printer refused the job: %s", msg);
	else
		error_set(err, "PRINT-FAILED", "lp failed (exit status %d).", WEXITSTATUS(j->status));
	return -1;
}

int lp_poll(struct lp_job *j, char *request, size_t len, struct vax_error *err)
{
	drain(j);
	if (!j->reaped) {
		pid_t r = waitpid(j->pid, &j->status, WNOHANG);
		if (r == 0)
			return 0;
		j->reaped = true;
		if (r < 0)
			j->status = 0;
	}
	/* the child is gone: whatever it wrote is in the pipe already */
	fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) & ~O_NONBLOCK);
	drain(j);
	return finish(j, request, len, err);
}

int lp_wait(struct lp_job *j, char *request, size_t len, struct vax_error *err)
{
	for (;;) {
		int r = lp_poll(j, request, len, err);
		if (r != 0)
			return r;
		if (j->eof) {
			/* the output is closed: lp is ending */
			if (waitpid(j->pid, &j->status, 0) == j->pid || errno == ECHILD)
				j->reaped = true;
			continue;
		}
		struct pollfd pfd = {.fd = j->fd, .events = POLLIN};
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return error_set(err, "PRINT-FAILED", "Waiting for lp failed: %s.", strerror(errno)),
			       -1;
	}
}

void lp_free(struct lp_job **jp)
{
	struct lp_job *j = *jp;
	if (!j)
		return;
	if (!j->reaped) {
		kill(j->pid, SIGTERM);
		waitpid(j->pid, &j->status, 0);
	}
	if (j->remove) {
		unlink(j->remove);
		free(j->remove);
	}
	close(j->fd);
	free(j);
	*jp = NULL;
}
