/* bench/bench_pump.c - how long api_pump() keeps the input loop when the
 * registry accepted the connection and never answers (the stall the UI must
 * ride out). The suite proves the pump never waits on the stalled socket;
 * this measures the time a call takes, wall clock and less the time the
 * thread spent queued for a CPU (/proc/thread-self/schedstat), asking for no
 * wait (a key is pending) and for a 20 ms wait (idle).
 *
 *   bench_pump [SECONDS]     default 5 s per row
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/http.h"
#include "bench/benchutil.h"

static double run_delay_ms(void)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	unsigned long long cpu, delay;
	int n = f ? fscanf(f, "%llu %llu", &cpu, &delay) : 0;
	if (f)
		fclose(f);
	return n == 2 ? (double)delay / 1e6 : -1;
}

/* Start the stall listener; its port, or -1. */
static int start_stall(pid_t *pid, int *in_fd)
{
	int out[2], in[2];
	if (pipe(out) < 0 || pipe(in) < 0)
		return -1;
	*pid = fork();
	if (*pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(VAX_TOP_BUILDDIR "/tests/api/stall_listener", "stall_listener", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*in_fd = in[1];
	FILE *f = fdopen(out[0], "r");
	int port = -1;
	if (!f || fscanf(f, "PORT %d", &port) != 1)
		port = -1;
	return port;
}

static void row(struct api_conn *a, int wait_ms, int secs)
{
	size_t cap = 1u << 20, n = 0;
	double *wall = malloc(cap * sizeof *wall), *own = malloc(cap * sizeof *own);
	double t_end = bench_now_ns() + secs * 1e9;
	while (bench_now_ns() < t_end && n < cap) {
		double d0 = run_delay_ms(), t0 = bench_now_ns();
		api_pump(a, wait_ms);
		double dt = (bench_now_ns() - t0) / 1e6, d1 = run_delay_ms();
		wall[n] = dt;
		own[n] = d0 >= 0 && d1 >= 0 ? dt - (d1 - d0) : dt;
		n++;
	}
	char name[96];
	snprintf(name, sizeof name, "pump(%d ms): calls", wait_ms);
	bench_row(name, (double)n, "");
	snprintf(name, sizeof name, "pump(%d ms): wall p50", wait_ms);
	bench_row(name, bench_percentile(wall, n, 50), "ms");
	snprintf(name, sizeof name, "pump(%d ms): wall p99", wait_ms);
	bench_row(name, bench_percentile(wall, n, 99), "ms");
	snprintf(name, sizeof name, "pump(%d ms): wall max", wait_ms);
	bench_row(name, bench_percentile(wall, n, 100), "ms");
	snprintf(name, sizeof name, "pump(%d ms): own (less CPU queueing) p99", wait_ms);
	bench_row(name, bench_percentile(own, n, 99), "ms");
	snprintf(name, sizeof name, "pump(%d ms): own max", wait_ms);
	bench_row(name, bench_percentile(own, n, 100), "ms");
	free(wall);
	free(own);
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 5;
	pid_t pid;
	int in_fd;
	int port = start_stall(&pid, &in_fd);
	if (port <= 0) {
		fprintf(stderr, "bench_pump: cannot start tests/api/stall_listener (make check builds it)\n");
		return 1;
	}
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
	struct api_conn_config cfg = {
	    .base_url = url, .connect_timeout_ms = 3600000, .low_speed_time_s = 3600};
	struct vax_error err = {0};
	struct api_conn *a = api_conn_new(&cfg, &err);
	if (!a) {
		fprintf(stderr, "bench_pump: %s\n", err.message);
		return 1;
	}
	struct api_req *r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = api_req_new(a, "GET", "/Patient?family=x", NULL);
		api_req_send(r[i], NULL, NULL);
	}
	bench_header("api_pump against a registry that never answers (4 requests in flight)");
	row(a, 0, secs);
	row(a, 20, secs);
	for (int i = 0; i < 4; i++)
		api_req_free(r[i]);
	api_conn_free(a);
	close(in_fd);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return 0;
}
