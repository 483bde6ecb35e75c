/* bench/bench_api.c - bytes on the wire for a front desk's common work:
 * log in, search a family, open a record (client + shot history), record a
 * shot; once asking for gzip and once not, over the real transport to a
 * real vaxregd. Bytes are HTTP headers plus bodies as they crossed the
 * connection (compressed when gzip applied); TLS framing not included.
 *
 *   bench_api                      start a throwaway vaxregd (bench/api.sh)
 *   bench_api URL CA ORG USER PW   use a running registry
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "api/session.h"
#include "bench/benchutil.h"
#include "core/fhir.h"
#include "core/uuid.h"

#define FAMILY    "Benchfamily"
#define N_CLIENTS 12
#define N_SHOTS   8

enum { OP_LOGIN, OP_SEARCH, OP_READ, OP_SHOT, OP_N };
static const char *const op_name[OP_N] = {
    "login (POST /auth/token)",
    "search family, 20 per page, 4 elements",
    "read record (Patient + Immunization?patient)",
    "record a shot (conditional POST)",
};

struct tally {
	unsigned long long sent, received;
	int requests;
	double ms;
};

static const char *url, *ca, *org, *user, *pw;
static char patient_id[VAX_ID_LEN];

static void fail(const char *what, const struct api_result *res)
{
	fprintf(stderr, "bench_api: %s: %s (%s)\n", what, res ? res->err.message : "",
	        res ? res->err.code : "");
	exit(1);
}

static const struct api_result *run(struct api_req *r, struct tally *t, const char *what)
{
	if (!r)
		fail(what, NULL);
	const struct api_result *res = api_req_wait(r, 30000);
	if (res->cls != API_OK)
		fail(what, res);
	if (t) {
		t->sent += res->bytes.sent;
		t->received += res->bytes.received;
		t->requests++;
		t->ms += res->seconds * 1000.0;
	}
	return res;
}

static struct api_conn *connect_login(bool gzip, struct tally *t, struct api_session **sp)
{
	struct api_conn_config cfg = {.base_url = url, .ca_file = ca, .no_gzip = !gzip};
	struct vax_error err = {0};
	struct api_conn *c = api_conn_new(&cfg, &err);
	if (!c) {
		fprintf(stderr, "bench_api: %s\n", err.message);
		exit(1);
	}
	struct api_session *s = api_session_new(c);
	struct api_bytes before = api_conn_bytes(c);
	if (!api_session_login(s, org, user, pw, NULL, true, NULL, NULL))
		fail("login start", NULL);
	while (api_session_busy(s))
		api_pump(c, 50);
	if (!api_session_logged_in(s)) {
		fprintf(stderr, "bench_api: login failed\n");
		exit(1);
	}
	struct api_bytes after = api_conn_bytes(c);
	if (t) {
		t->sent += after.sent - before.sent;
		t->received += after.received - before.received;
		t->requests++;
	}
	*sp = s;
	return c;
}

static void client_of(struct client *c, int i)
{
	static const char *const given[] = {"Ana", "Luis", "Maria", "Jose", "Sofia", "Diego"};
	client_init(c);
	uuid_v4(c->uuid);
	snprintf(c->name.family, sizeof c->name.family, "%s", FAMILY);
	snprintf(c->name.given, sizeof c->name.given, "%s", given[i % 6]);
	c->dob = date_from_ymd(2018 + i % 5, 1 + i % 12, 1 + i % 27);
	c->sex = i % 2 ? SEX_MALE : SEX_FEMALE;
	c->n_addr = 1;
	snprintf(c->addr[0].line1, sizeof c->addr[0].line1, "%d Oak Street", 100 + i);
	snprintf(c->addr[0].city, sizeof c->addr[0].city, "Austin");
	snprintf(c->addr[0].state, sizeof c->addr[0].state, "TX");
	snprintf(c->addr[0].zip, sizeof c->addr[0].zip, "78701");
	snprintf(c->addr[0].county, sizeof c->addr[0].county, "Travis");
	c->n_phone = 1;
	snprintf(c->phone[0].number, sizeof c->phone[0].number, "512555%04d", i);
	snprintf(c->mother_maiden, sizeof c->mother_maiden, "Garcia");
}

static struct api_req *shot_req(struct api_conn *c, const char *pid, vax_date dob, int k)
{
	static const char *const cvx[] = {"08", "20", "10", "49", "133", "116", "03", "21"};
	struct immunization im;
	imm_init(&im);
	uuid_v4(im.uuid);
	snprintf(im.client_id, sizeof im.client_id, "%s", pid);
	snprintf(im.cvx, sizeof im.cvx, "%s", cvx[k % 8]);
	snprintf(im.lot, sizeof im.lot, "LOT%04d", k);
	snprintf(im.route, sizeof im.route, "IM");
	snprintf(im.site, sizeof im.site, "LT");
	snprintf(im.funding, sizeof im.funding, "VXC1");
	snprintf(im.vfc, sizeof im.vfc, "V02");
	snprintf(im.provider, sizeof im.provider, "Nurse One");
	im.dose_ul = 500;
	im.date_given = date_add_days(dob, 60 + 30 * k);
	struct vax_error err;
	return api_fhir_create_immunization_req(c, &im, &err);
}

/* Clients and a shot history to search and read (not measured). */
static void seed(void)
{
	struct api_session *s;
	struct api_conn *c = connect_login(true, NULL, &s);
	struct vax_error err;
	for (int i = 0; i < N_CLIENTS; i++) {
		struct client cl;
		client_of(&cl, i);
		struct api_req *r = api_fhir_create_patient_req(c, &cl, &err);
		const struct api_result *res = run(r, NULL, "seed client");
		if (i == 0) {
			struct client back;
			if (!api_fhir_read_patient(res, &back, &err))
				fail("seed read", res);
			snprintf(patient_id, sizeof patient_id, "%s", back.id);
			for (int k = 0; k < N_SHOTS; k++) {
				struct api_req *sr = shot_req(c, patient_id, cl.dob, k);
				run(sr, NULL, "seed shot");
				api_req_free(sr);
			}
		}
		api_req_free(r);
	}
	api_session_free(s);
	api_conn_free(c);
}

static void measure(bool gzip, struct tally t[OP_N])
{
	memset(t, 0, sizeof(struct tally) * OP_N);
	struct api_session *s;
	struct api_conn *c = connect_login(gzip, &t[OP_LOGIN], &s);
	struct vax_error err;

	struct api_fhir_param sp[] = {
	    {"family", FAMILY}, {"_count", "20"}, {"_elements", "name,birthDate,gender,identifier"}};
	struct api_req *r = api_fhir_search_req(c, "Patient", sp, 3, &err);
	run(r, &t[OP_SEARCH], "search");
	api_req_free(r);

	r = api_fhir_read_req(c, "Patient", patient_id, NULL, &err);
	const struct api_result *res = run(r, &t[OP_READ], "read patient");
	struct client cl;
	if (!api_fhir_read_patient(res, &cl, &err))
		fail("read patient parse", res);
	api_req_free(r);
	char ref[100];
	snprintf(ref, sizeof ref, "Patient/%s", patient_id);
	struct api_fhir_param hp[] = {{"patient", ref}, {"_count", "100"}};
	r = api_fhir_search_req(c, "Immunization", hp, 2, &err);
	run(r, &t[OP_READ], "read history");
	api_req_free(r);

	r = shot_req(c, patient_id, cl.dob, 20 + (gzip ? 1 : 2));
	run(r, &t[OP_SHOT], "record shot");
	api_req_free(r);
	api_session_free(s);
	api_conn_free(c);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		/* no registry given: start a throwaway one and come back */
		const char *src = getenv("top_srcdir") ? getenv("top_srcdir") : VAX_TOP_SRCDIR;
		const char *bld = getenv("top_builddir") ? getenv("top_builddir") : VAX_TOP_BUILDDIR;
		char cmd[4096];
		snprintf(cmd, sizeof cmd,
		         "top_srcdir='%s' top_builddir='%s' sh '%s/bench/api.sh' '%s/bench/bench_api'", src,
		         bld, src, bld);
		int rc = system(cmd);
		return rc == 0 ? 0 : 1;
	}
	url = argv[1], ca = argv[2], org = argv[3], user = argv[4], pw = argv[5];
	struct vax_error err;
	if (!api_global_init(&err))
		return 1;
	seed();
	struct tally gz[OP_N], id[OP_N];
	measure(true, gz);
	measure(false, id);

	printf(
	    "\nbench_api: bytes on the wire per operation (HTTP headers + bodies, TLS framing excluded)\n");
	printf("registry %s, %d clients named %s, record with %d shots\n", url, N_CLIENTS, FAMILY, N_SHOTS);
	printf("%-46s %5s %10s %12s %12s %7s\n", "operation", "reqs", "sent", "recv gzip", "recv plain",
	       "saved");
	printf("%-46s %5s %10s %12s %12s %7s\n", "----------------------------------------------", "-----",
	       "----------", "------------", "------------", "-------");
	unsigned long long tg = 0, tp = 0, ts = 0;
	for (int i = 0; i < OP_N; i++) {
		double saved =
		    id[i].received ? 100.0 * (1.0 - (double)gz[i].received / (double)id[i].received) : 0;
		printf("%-46s %5d %10llu %12llu %12llu %6.1f%%\n", op_name[i], gz[i].requests, gz[i].sent,
		       gz[i].received, id[i].received, saved);
		tg += gz[i].received;
		tp += id[i].received;
		ts += gz[i].sent;
	}
	printf("%-46s %5s %10llu %12llu %12llu %6.1f%%\n", "total", "", ts, tg, tp,
	       tp ? 100.0 * (1.0 - (double)tg / (double)tp) : 0);
	return 0;
}
