/* tests/api/apitest.c - see apitest.h */
#include "tests/api/apitest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/testutil.h"

char *apitest_certs(void)
{
	char *dir = testutil_mkdtemp();
	char *cmd;
	if (asprintf(&cmd, "sh '%s/tests/api/mkcerts.sh' '%s'", testutil_srcdir(), dir) < 0)
		abort();
	if (system(cmd) != 0) {
		fprintf(stderr, "apitest: %s failed (see %s/mkcerts.log)\n", cmd, dir);
		abort();
	}
	free(cmd);
	return dir;
}

static bool read_port(int fd, int *port)
{
	char buf[512];
	size_t n = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = 10000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
		if (k <= 0)
			return false;
		n += (size_t)k;
		buf[n] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			const char *c;
			if (!strncmp(buf, "ACCEPT ", 7) && (c = strrchr(buf, ':'))) {
				*port = atoi(c + 1);
				return *port > 0;
			}
			if (!strncmp(buf, "PORT ", 5)) {
				*port = atoi(buf + 5);
				return *port > 0;
			}
			/* drop the line, keep the rest */
			size_t used = (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, n - used + 1);
			n -= used;
		}
		if (n == sizeof buf - 1)
			n = 0;
	}
}

bool apitest_start(struct apitest_server *s, char *const argv[], const char *cwd)
{
	int out[2], in[2];
	memset(s, 0, sizeof *s);
	s->stdin_fd = s->stdout_fd = -1;
	if (pipe(out) < 0 || pipe(in) < 0)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0 && !getenv("VAX_TEST_VERBOSE"))
			dup2(nul, 2);
		close(in[1]);
		close(out[0]);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->pid = pid;
	s->stdin_fd = in[1];
	bool ok = read_port(out[0], &s->port);
	/* the server says little after its port; the pipe holds it until stop */
	s->stdout_fd = out[0];
	if (!ok)
		apitest_stop(s);
	return ok;
}

bool apitest_s_server(struct apitest_server *s, const char *dir, const char *name, const char *mode,
                      const char *cwd)
{
	char cert[1024], key[1024];
	snprintf(cert, sizeof cert, "%s/%s.crt", dir, name);
	snprintf(key, sizeof key, "%s/%s.key", dir, name);
	char *argv[] = {"openssl", "s_server", "-accept",    "127.0.0.1:0", "-cert", cert,
	                "-key",    key,        (char *)mode, "-naccept",    "1000",  NULL};
	return apitest_start(s, argv, cwd);
}

void apitest_stop(struct apitest_server *s)
{
	if (s->stdin_fd >= 0)
		close(s->stdin_fd);
	if (s->stdout_fd >= 0)
		close(s->stdout_fd);
	s->stdin_fd = s->stdout_fd = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

const char *apitest_url(const struct apitest_server *s)
{
	static char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d", s->port);
	return url;
}

int apitest_closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		abort();
	close(fd);
	return ntohs(sa.sin_port);
}

int apitest_env_seconds(const char *name, int dflt)
{
	const char *v = getenv(name);
	int n = v ? atoi(v) : 0;
	return n > 0 ? n : dflt;
}
