/* tests/api/apitest.h - helpers for the api suites: throwaway certificates
 * and real servers (openssl s_server, the stall listener) on ephemeral
 * loopback ports. */
#ifndef VAX_TESTS_API_APITEST_H
#define VAX_TESTS_API_APITEST_H

#include <stdbool.h>
#include <sys/types.h>

struct apitest_server {
	pid_t pid;
	int port;
	int stdin_fd; /* closing it stops the stall listener */
	int stdout_fd;
};

/** Make the test certificates in a fresh temp dir (tests/api/mkcerts.sh);
 * returns the malloc'd directory, aborts on failure. */
char *apitest_certs(void);
/** Start argv (argv[0] looked up in PATH) in directory cwd (NULL = here) and
 * read its port from the first stdout line "ACCEPT host:port" or "PORT n".
 * False if it did not start within 10 s. */
bool apitest_start(struct apitest_server *s, char *const argv[], const char *cwd);
/** openssl s_server with certificate dir/name.crt and key dir/name.key;
 * mode "-www" or "-HTTP" (files in cwd). */
bool apitest_s_server(struct apitest_server *s, const char *dir, const char *name, const char *mode,
                      const char *cwd);
/** Stop and reap. */
void apitest_stop(struct apitest_server *s);
/** "https://127.0.0.1:<port>" in a static buffer. */
const char *apitest_url(const struct apitest_server *s);
/** A loopback port that nothing listens on (bound then closed). */
int apitest_closed_port(void);
/** Seconds for the long pump test: VAX_STALL_SECONDS, default dflt. */
int apitest_env_seconds(const char *name, int dflt);

#endif
