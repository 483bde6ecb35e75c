/* bench/bench_registry.c - vaxregd under load: load 100,000 clients and
 * 1,000,000 immunizations straight through the store, serve them over TLS
 * from this process (the same server code as vaxregd), and drive it from 8
 * keep-alive connections (one libcurl easy handle per thread): searches,
 * reads and creates per second with p50/p99 latency.
 *
 *   bench_registry [CLIENTS [SHOTS_PER_CLIENT [SECONDS_PER_PHASE]]]
 *
 * Defaults 100000 10 10. The database goes to $TMPDIR and is removed, or
 * to $BENCH_DATA, which is kept and reused by the next run. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench/benchutil.h"
#include "registry/routes.h"
#include "registry/demo.h"
#include "registry/server.h"
#include "registry/store.h"
#include "sys/codeload.h"
#include "sys/fileio.h"

#define THREADS     8
#define MAX_SAMPLES 2000000

static const char *families[] = {"garcia", "nguyen",  "smith",  "pena",     "trevino",   "lopez",
                                 "huynh",  "schmidt", "okafor", "delacruz", "hernandez", "washington"};

struct phase {
	const char *name;
	int kind; /* 0 search, 1 read, 2 create */
};

struct shared {
	const char *url, *ca, *token;
	char (*ids)[65];
	int n_ids;
	int kind;
	double until_ns;
	pthread_mutex_t lock;
	double *samples;
	size_t n_samples;
	long errors;
};

static size_t sink(char *p, size_t sz, size_t n, void *u)
{
	(void)p, (void)u;
	return sz * n;
}

struct buf {
	char *d;
	size_t n;
};

static size_t keep(char *p, size_t sz, size_t n, void *u)
{
	struct buf *b = u;
	char *nd = realloc(b->d, b->n + sz * n + 1);
	if (!nd)
		return 0;
	b->d = nd;
	memcpy(b->d + b->n, p, sz * n);
	b->n += sz * n;
	b->d[b->n] = '\0';
	return sz * n;
}

static void *worker(void *arg)
{
	struct shared *sh = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char auth[128];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", sh->token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/fhir+json");
	h = curl_slist_append(h, "Accept-Encoding: gzip");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CAINFO, sh->ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	unsigned seed = (unsigned)(uintptr_t)pthread_self();
	double *local = malloc(sizeof(double) * 200000);
	size_t nl = 0;
	long errors = 0;
	while (bench_now_ns() < sh->until_ns && nl < 200000) {
		char url[512], body[1024];
		int r = rand_r(&seed);
		if (sh->kind == 0) {
			snprintf(url, sizeof url, "%sPatient?family=%s&_count=20", sh->url,
			         families[r % (int)(sizeof families / sizeof *families)]);
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		} else if (sh->kind == 1) {
			snprintf(url, sizeof url, "%sPatient/%s", sh->url, sh->ids[r % sh->n_ids]);
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		} else {
			snprintf(url, sizeof url, "%sImmunization", sh->url);
			snprintf(body, sizeof body,
			         "{\"resourceType\":\"Immunization\",\"status\":\"completed\","
			         "\"vaccineCode\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/"
			         "cvx\",\"code\":\"141\"}]},"
			         "\"patient\":{\"reference\":\"Patient/"
			         "%s\"},\"occurrenceDateTime\":\"2026-10-01\","
			         "\"primarySource\":false,\"reportOrigin\":{\"coding\":[{\"code\":\"01\"}]}}",
			         sh->ids[r % sh->n_ids]);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		}
		curl_easy_setopt(c, CURLOPT_URL, url);
		double t0 = bench_now_ns();
		CURLcode rc = curl_easy_perform(c);
		double dt = (bench_now_ns() - t0) / 1e6;
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		/* a create of a shot the client already has within 4 days would
		 * still be 201: the warning does not block */
		if (rc != CURLE_OK || (code != 200 && code != 201))
			errors++;
		local[nl++] = dt;
	}
	pthread_mutex_lock(&sh->lock);
	for (size_t i = 0; i < nl && sh->n_samples < MAX_SAMPLES; i++)
		sh->samples[sh->n_samples++] = local[i];
	sh->errors += errors;
	pthread_mutex_unlock(&sh->lock);
	free(local);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static char *login(const char *url, const char *ca)
{
	CURL *c = curl_easy_init();
	char u[256];
	snprintf(u, sizeof u, "%sauth/token", url);
	struct buf b = {0};
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS,
	                 "grant_type=password&org_code=HILLPEDS&username=frontdesk"
	                 "&password=Vax%21demo2026&confidentiality_accepted=true");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || !b.d)
		return NULL;
	char *t = strstr(b.d, "\"access_token\":\"");
	char *tok = NULL;
	if (t) {
		t += 16;
		char *e = strchr(t, '"');
		if (e)
			tok = strndup(t, (size_t)(e - t));
	}
	free(b.d);
	return tok;
}

int main(int argc, char **argv)
{
	int n_clients = argc > 1 ? atoi(argv[1]) : 100000;
	int shots = argc > 2 ? atoi(argv[2]) : 10;
	int seconds = argc > 3 ? atoi(argv[3]) : 10;
	if (n_clients <= 0 || shots < 0 || seconds <= 0) {
		fprintf(stderr, "usage: bench_registry [CLIENTS [SHOTS_PER_CLIENT [SECONDS_PER_PHASE]]]\n");
		return 2;
	}
	const char *tmp = getenv("TMPDIR");
	char dir[4096], cmd[8192], ca[4200], cert[4200], key[4200];
	snprintf(dir, sizeof dir, "%s/vaxbench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof cmd, "sh '%s/tests/tls/mkca.sh' '%s/tls'", VAX_TOP_SRCDIR, dir);
	if (system(cmd) != 0)
		return 1;
	snprintf(ca, sizeof ca, "%s/tls/ca.pem", dir);
	snprintf(cert, sizeof cert, "%s/tls/server.pem", dir);
	snprintf(key, sizeof key, "%s/tls/server.key", dir);

	struct vax_error err = {0};
	char data[4200];
	/* BENCH_DATA=DIR keeps the loaded registry there and reuses it */
	const char *keep = getenv("BENCH_DATA");
	snprintf(data, sizeof data, "%s", keep && *keep ? keep : "");
	if (!data[0])
		snprintf(data, sizeof data, "%s/data", dir);
	char probe[4300];
	snprintf(probe, sizeof probe, "%s/registry.db", data);
	bool reuse = keep && *keep && access(probe, R_OK) == 0;
	struct store *st = store_open(data, &err);
	if (!st) {
		fprintf(stderr, "bench_registry: %s\n", err.message);
		return 1;
	}
	bench_header("vaxregd: load through the store");
	double t0 = bench_now_ns();
	if (!reuse && !demo_load_n(st, (int64_t)time(NULL), n_clients, shots, NULL, &err)) {
		fprintf(stderr, "bench_registry: %s\n", err.message);
		return 1;
	}
	double load_s = (bench_now_ns() - t0) / 1e9;
	long total_p = 0, total_i = 0;
	{
		struct store_query q = {.type = "Patient", .count = 0};
		struct store_res r;
		char ids[1][65];
		store_search(st, &q, &r, ids, &total_p, &err);
		q.type = "Immunization";
		store_search(st, &q, &r, ids, &total_i, &err);
	}
	bench_row("clients loaded", (double)total_p, "");
	bench_row("immunizations loaded", (double)total_i, "");
	if (!reuse) {
		bench_row("load time", load_s, "s");
		bench_row("resources per second", (double)(total_p + total_i) / load_s, "/s");
	}

	/* ids to read */
	int n_ids = 5000;
	char(*ids)[65] = calloc((size_t)n_ids, sizeof *ids);
	struct store_res *res = calloc((size_t)n_ids, sizeof *res);
	struct store_query q = {.type = "Patient", .count = n_ids, .offset = (int)(total_p / 3)};
	long tot;
	n_ids = store_search(st, &q, res, ids, &tot, &err);
	for (int i = 0; i < n_ids; i++)
		store_res_free(&res[i]);
	free(res);
	if (n_ids <= 0) {
		fprintf(stderr, "bench_registry: no clients to read\n");
		return 1;
	}

	char *codes_dir = fileio_join(fileio_datadir(), "codes");
	struct codes *codes = codes_new();
	if (!codeload_dir(codes, codes_dir, &err))
		codes_free(&codes); /* run without code checks rather than not at all */
	free(codes_dir);
	struct registry_config cfg = {.datadir = data, .maint_start = -1, .maint_end = -1, .token_ttl = 3600};
	struct registry *a = registry_new(st, codes, &cfg);
	struct server_opts so = {
	    .listen = "127.0.0.1:0", .cert_file = cert, .key_file = key, .threads = THREADS};
	char url[160];
	struct server *srv = server_start(a, &so, url, sizeof url, &err);
	if (!srv) {
		fprintf(stderr, "bench_registry: %s\n", err.message);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char *token = login(url, ca);
	if (!token) {
		fprintf(stderr, "bench_registry: login failed\n");
		return 1;
	}

	static const struct phase phases[] = {
	    {"search (family, 20 per page)", 0},
	    {"read (Patient by id)", 1},
	    {"create (Immunization)", 2},
	};
	char title[128];
	snprintf(title, sizeof title, "vaxregd over TLS, %d keep-alive connections, %d s each", THREADS,
	         seconds);
	bench_header(title);
	struct shared sh = {.url = url, .ca = ca, .token = token, .ids = ids, .n_ids = n_ids};
	pthread_mutex_init(&sh.lock, NULL);
	sh.samples = malloc(sizeof(double) * MAX_SAMPLES);
	for (size_t p = 0; p < sizeof phases / sizeof *phases; p++) {
		sh.kind = phases[p].kind;
		sh.n_samples = 0;
		sh.errors = 0;
		double start = bench_now_ns();
		sh.until_ns = start + seconds * 1e9;
		pthread_t th[THREADS];
		for (int i = 0; i < THREADS; i++)
			pthread_create(&th[i], NULL, worker, &sh);
		for (int i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		double el = (bench_now_ns() - start) / 1e9;
		char name[160];
		snprintf(name, sizeof name, "%s", phases[p].name);
		bench_row(name, (double)sh.n_samples / el, "req/s");
		snprintf(name, sizeof name, "  p50 latency");
		bench_row(name, bench_percentile(sh.samples, sh.n_samples, 50), "ms");
		snprintf(name, sizeof name, "  p99 latency");
		bench_row(name, bench_percentile(sh.samples, sh.n_samples, 99), "ms");
		if (sh.errors)
			bench_row("  errors", (double)sh.errors, "");
	}
	free(sh.samples);
	free(token);
	free(ids);
	server_stop(srv);
	registry_free(a);
	codes_free(&codes);
	store_close(st);
	curl_global_cleanup();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_registry: could not remove %s\n", dir);
	return 0;
}
