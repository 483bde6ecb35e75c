/* bench/bench_cache.c - the local store: what an offline save costs (the
 * fsync'd commit before the screen may say "saved"), what sending 1,000
 * queued shots costs on loopback against a real vaxregd over TLS, and how
 * fast a blind-index search is over 100,000 cached clients, and what it
 * costs for colleagues at one desk to take turns (each has a store of their
 * own: the switch opens the file and runs scrypt at the default cost).
 *
 * The sync part starts its own vaxregd (throwaway CA from tests/tls/mkca.sh,
 * ./vaxregd from the build tree); without one it prints "skipped". Sizes:
 * BENCH_CACHE_CLIENTS (default 100000), BENCH_CACHE_SHOTS (default 1000).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "api/session.h"
#include "bench/benchutil.h"
#include "cache/store.h"
#include "cache/sync.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "sys/fileio.h"

#define PASSWORD "Bench!pass2026"

static const struct capture CAP = {"bench", "BENCHORG", "bench-desk", 1763800000};

static void name_of(long i, char *buf, size_t len)
{
	/* letters only, distinct per i */
	size_t n = 0;
	buf[n++] = 'Q';
	do {
		buf[n++] = (char)('a' + i % 26);
		i /= 26;
	} while (i && n + 2 < len);
	buf[n] = '\0';
}

static void make_client(struct client *c, long i)
{
	client_init(c);
	name_of(i, c->name.family, sizeof c->name.family);
	name_of(i * 7 + 3, c->name.given, sizeof c->name.given);
	c->dob = date_add_days(date_from_ymd(2008, 1, 1), (int)(i % 5000));
	c->sex = i % 2 ? SEX_FEMALE : SEX_MALE;
	c->n_addr = 1;
	text_copy(c->addr[0].county, sizeof c->addr[0].county, "Travis");
	text_copy(c->addr[0].state, sizeof c->addr[0].state, "TX");
	text_copy(c->addr[0].zip, sizeof c->addr[0].zip, "78701");
}

static void make_shot(struct immunization *im, const struct client *c, int k)
{
	static const char *const cvx[] = {"08", "20", "10", "03", "21", "83", "116", "62"};
	imm_init(im);
	text_copy(im->client_uuid, sizeof im->client_uuid, c->uuid);
	text_copy(im->client_id, sizeof im->client_id, c->id);
	text_copy(im->cvx, sizeof im->cvx, cvx[k % 8]);
	im->date_given = date_add_days(c->dob, 1 + 10 * k); /* > the duplicate window apart */
	im->historical = true;
	text_copy(im->info_source, sizeof im->info_source, "01");
}

static struct cache_store *open_store(const char *dir)
{
	struct cache_store_options o = {.dir = dir};
	struct vax_error err;
	struct cache_store *s = cache_store_open(&o, &err);
	if (!s || !cache_login_online(s, CAP.org, CAP.user, PASSWORD, time(NULL), &err)) {
		fprintf(stderr, "bench_cache: %s\n", err.message);
		exit(1);
	}
	return s;
}

static void bench_save(const char *tmp)
{
	char *dir = fileio_join(tmp, "save");
	struct cache_store *s = open_store(dir);
	enum { N = 300 };
	struct client c;
	make_client(&c, 1);
	cache_save_client(s, &c, CACHE_OP_CREATE, &CAP, NULL, NULL);
	double t[N];
	for (int i = 0; i < N; i++) {
		struct immunization im;
		make_shot(&im, &c, i);
		double t0 = bench_now_ns();
		if (!cache_save_immunization(s, &im, CACHE_OP_CREATE, &CAP, NULL, NULL))
			exit(1);
		t[i] = (bench_now_ns() - t0) / 1e6;
	}
	bench_row("offline save of a shot, p50 (commit+fsync)", bench_percentile(t, N, 50), "ms");
	bench_row("offline save of a shot, p99", bench_percentile(t, N, 99), "ms");
	cache_store_close(s);
	free(dir);
}

static void bench_switch(const char *tmp)
{
	char *dir = fileio_join(tmp, "desk");
	struct cache_store *s = open_store(dir);
	struct vax_error err;
	if (!cache_login_online(s, CAP.org, "colleague", PASSWORD, time(NULL), &err)) {
		fprintf(stderr, "bench_cache: %s\n", err.message);
		exit(1);
	}
	enum { N = 20 };
	double t[N];
	for (int i = 0; i < N; i++) {
		double t0 = bench_now_ns();
		if (!cache_login_offline(s, CAP.org, i % 2 ? "colleague" : CAP.user, PASSWORD, &err)) {
			fprintf(stderr, "bench_cache: %s\n", err.message);
			exit(1);
		}
		t[i] = (bench_now_ns() - t0) / 1e6;
	}
	bench_row("switch user at one desk (offline login), p50", bench_percentile(t, N, 50), "ms");
	bench_row("switch user at one desk, max", bench_percentile(t, N, 100), "ms");
	cache_store_close(s);
	free(dir);
}

static void bench_search(const char *tmp, long n)
{
	char *dir = fileio_join(tmp, "search");
	struct cache_store *s = open_store(dir);
	/* the bulk load only: one transaction per client would fsync 100,000
	 * times; the searches below are what is measured */
	sqlite3_exec(cache_store_db(s), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	double t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		struct client c;
		make_client(&c, i);
		snprintf(c.id, sizeof c.id, "B%ld", i);
		if (!cache_put_client(s, &c, time(NULL), NULL, NULL))
			exit(1);
	}
	double load_s = (bench_now_ns() - t0) / 1e9;
	sqlite3_exec(cache_store_db(s), "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	enum { Q = 2000 };
	double *t = xmalloc(Q * sizeof *t), *tp = xmalloc(Q * sizeof *tp);
	char(*keys)[CACHE_KEY_STR] = xmalloc(50 * sizeof *keys);
	long hits = 0;
	for (int q = 0; q < Q; q++) {
		struct client c;
		make_client(&c, (long)q * 37 % n);
		struct cache_query cq = {.family = c.name.family, .given = c.name.given, .dob = c.dob};
		double a = bench_now_ns();
		int k = cache_search(s, &cq, keys, 50, NULL);
		t[q] = (bench_now_ns() - a) / 1e3;
		hits += k == 1;
		struct cache_query pq = {.family = c.name.family, .family_prefix = true, .dob = c.dob};
		a = bench_now_ns();
		cache_search(s, &pq, keys, 50, NULL);
		tp[q] = (bench_now_ns() - a) / 1e3;
	}
	enum { M = 200 };
	double *tm = xmalloc(M * sizeof *tm);
	struct cache_match *mm = xmalloc(5 * sizeof *mm);
	for (int q = 0; q < M; q++) {
		struct client c;
		make_client(&c, (long)q * 101 % n);
		double a = bench_now_ns();
		cache_match_search(s, &c, mm, 5, NULL);
		tm[q] = (bench_now_ns() - a) / 1e3;
	}
	char label[96];
	snprintf(label, sizeof label, "load %ld clients (sealed + indexed)", n);
	bench_row(label, load_s, "s");
	bench_row("search family+given+DOB, p50", bench_percentile(t, Q, 50), "us");
	bench_row("search family+given+DOB, p99", bench_percentile(t, Q, 99), "us");
	bench_row("search 3-letter prefix+DOB, p50", bench_percentile(tp, Q, 50), "us");
	bench_row("searches that found their client", 100.0 * (double)hits / Q, "%");
	bench_row("offline Smart search (match keys + score), p50", bench_percentile(tm, M, 50), "us");
	bench_row("offline Smart search, p99", bench_percentile(tm, M, 99), "us");
	free(tm);
	free(mm);
	free(t);
	free(tp);
	free(keys);
	cache_store_close(s);
	free(dir);
}

/* --- a real vaxregd ----------------------------------------------------- */

static pid_t reg_pid;

static bool run(const char *cmd)
{
	int rc = system(cmd);
	return rc == 0;
}

static bool start_registry(const char *tmp, const char *srcdir, char *url, size_t urllen, char *ca,
                           size_t calen)
{
	char cmd[2048];
	snprintf(ca, calen, "%s/tls/ca.pem", tmp);
	snprintf(
	    cmd, sizeof cmd,
	    "sh '%s/tests/tls/mkca.sh' '%s/tls' >/dev/null 2>&1 && ./vaxregd init --data '%s/reg' >/dev/null"
	    " && ./vaxregd org add --data '%s/reg' --code %s --name Bench >/dev/null"
	    " && printf '%%s\\n' '%s' | ./vaxregd user add --data '%s/reg' --org %s --username %s"
	    " --role provider --email b@example.org >/dev/null",
	    srcdir, tmp, tmp, tmp, CAP.org, PASSWORD, tmp, CAP.org, CAP.user);
	if (access("./vaxregd", X_OK) != 0 || !run(cmd))
		return false;
	char out[1024];
	snprintf(out, sizeof out, "%s/reg.out", tmp);
	fflush(stdout); /* the child must not write our buffered table again */
	reg_pid = fork();
	if (reg_pid == 0) {
		char data[1024], cert[1024], key[1024];
		snprintf(data, sizeof data, "%s/reg", tmp);
		snprintf(cert, sizeof cert, "%s/tls/server.pem", tmp);
		snprintf(key, sizeof key, "%s/tls/server.key", tmp);
		if (!freopen(out, "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(1);
		execl("./vaxregd", "vaxregd", "--data", data, "--listen", "127.0.0.1:0", "--cert", cert,
		      "--key", key, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		char *buf;
		size_t len;
		if (fileio_read(out, &buf, &len, NULL)) {
			char *p = strstr(buf, "serving ");
			char *nl = p ? strchr(p, '\n') : NULL;
			if (p && nl) {
				*nl = '\0';
				text_copy(url, urllen, p + 8);
				size_t ul = strlen(url);
				if (ul && url[ul - 1] == '/')
					url[ul - 1] = '\0';
				free(buf);
				return true;
			}
			free(buf);
		}
		usleep(50000);
	}
	return false;
}

static void login_cb(struct api_session *ss, const struct api_result *res, void *arg)
{
	(void)ss;
	*(int *)arg = res->cls == API_OK ? 1 : 2;
}

static void bench_sync(const char *tmp, int shots)
{
	const char *dd = getenv("VAXDESK_DATADIR");
	char *srcdir = xstrdup(dd && *dd ? dd : "./data");
	char *slash = strrchr(srcdir, '/');
	if (slash)
		*slash = '\0';
	char url[512], ca[1024];
	if (!start_registry(tmp, srcdir, url, sizeof url, ca, sizeof ca)) {
		bench_row("sync 1,000 queued shots: skipped (no ./vaxregd)", 0, "");
		free(srcdir);
		return;
	}
	free(srcdir);
	struct vax_error err;
	struct api_conn_config cfg = {.base_url = url, .ca_file = ca};
	struct api_conn *conn = api_global_init(&err) ? api_conn_new(&cfg, &err) : NULL;
	struct api_session *ss = conn ? api_session_new(conn) : NULL;
	int done = 0;
	if (ss)
		api_session_login(ss, CAP.org, CAP.user, PASSWORD, NULL, true, login_cb, &done);
	while (ss && !done)
		api_pump(conn, 100);
	if (done != 1) {
		fprintf(stderr, "bench_cache: cannot log in to the bench registry\n");
		goto out;
	}
	char *dir = fileio_join(tmp, "sync");
	struct cache_store *s = open_store(dir);
	free(dir);
	/* clients already on the registry (no $match in the measured part) */
	enum { CLIENTS = 100 };
	struct client *cl = xcalloc(CLIENTS, sizeof *cl);
	for (int i = 0; i < CLIENTS; i++) {
		make_client(&cl[i], 900000 + i);
		cache_save_client(s, &cl[i], CACHE_OP_CREATE, &CAP, NULL, NULL);
	}
	struct cache_sync_options so = {.no_match = true};
	struct cache_sync *y = cache_sync_new(s, conn, &so);
	if (cache_sync_run(y, &err) != CACHE_SYNC_DONE) {
		fprintf(stderr, "bench_cache: setup sync: %s\n", err.message);
		goto done;
	}
	cache_sync_free(y);
	for (int i = 0; i < shots; i++) {
		struct immunization im;
		make_shot(&im, &cl[i % CLIENTS], i / CLIENTS);
		cache_save_immunization(s, &im, CACHE_OP_CREATE, &CAP, NULL, NULL);
	}
	y = cache_sync_new(s, conn, NULL);
	struct api_bytes b0 = api_conn_bytes(conn);
	double t0 = bench_now_ns();
	enum cache_sync_status st = cache_sync_run(y, &err);
	double secs = (bench_now_ns() - t0) / 1e9;
	struct api_bytes b1 = api_conn_bytes(conn);
	const struct cache_sync_stats *x = cache_sync_stats(y);
	if (st != CACHE_SYNC_DONE || x->accepted != shots)
		fprintf(stderr, "bench_cache: sync %s, %d accepted: %s\n", cache_sync_status_name(st),
		        x->accepted, err.message);
	char label[96];
	snprintf(label, sizeof label, "sync %d queued shots: wall time", shots);
	bench_row(label, secs, "s");
	bench_row("  requests", (double)(b1.requests - b0.requests), "");
	bench_row("  bytes sent (HTTP, before TLS)", (double)(b1.sent - b0.sent), "B");
	bench_row("  bytes received", (double)(b1.received - b0.received), "B");
	bench_row("  shots per second", shots / secs, "/s");
done:
	cache_sync_free(y);
	free(cl);
	cache_store_close(s);
out:
	api_session_free(ss);
	api_conn_free(conn);
	if (reg_pid > 0) {
		kill(reg_pid, SIGTERM);
		waitpid(reg_pid, NULL, 0);
	}
}

int main(void)
{
	const char *e = getenv("BENCH_CACHE_CLIENTS");
	long clients = e && atol(e) > 0 ? atol(e) : 100000;
	e = getenv("BENCH_CACHE_SHOTS");
	int shots = e && atoi(e) > 0 ? atoi(e) : 1000;
	char tmp[] = "/tmp/vaxbench.XXXXXX";
	if (!mkdtemp(tmp))
		return 1;
	bench_header("cache/ (bench/bench_cache)");
	bench_save(tmp);
	bench_switch(tmp);
	bench_sync(tmp, shots);
	bench_search(tmp, clients);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	return run(cmd) ? 0 : 1;
}
