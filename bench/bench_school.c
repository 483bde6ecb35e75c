/* bench/bench_school.c - Group/$school-compliance on a large school list,
 * called through registry_handle() in this process (the code vaxregd runs
 * for the request, without TLS), on one thread.
 *
 *   bench_school [STUDENTS]
 *
 * Default 2000. Loads STUDENTS kindergarten to grade 12 students with
 * childhood histories (about 20 doses each) and 5,000 other clients into a
 * store under $TMPDIR, puts the students on one list, and reports the wall
 * and CPU time of the report. BENCH_DATA=DIR keeps the loaded registry
 * there and reuses it (for profiling the report alone). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "core/fhir.h"
#include "core/immunization.h"
#include "core/uuid.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"
#include "registry/demo.h"
#include "registry/routes.h"
#include "registry/store.h"

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* age in months, CVX */
static const struct {
	int months;
	const char *cvx;
} plan[] = {
    {0, "08"},  {2, "08"},  {2, "20"},   {2, "10"},    {2, "49"},    {2, "133"}, {4, "20"},
    {4, "10"},  {4, "49"},  {4, "133"},  {6, "08"},    {6, "20"},    {6, "133"}, {12, "03"},
    {12, "21"}, {12, "83"}, {12, "133"}, {15, "49"},   {15, "20"},   {18, "83"}, {48, "20"},
    {48, "10"}, {48, "03"}, {48, "21"},  {132, "115"}, {132, "114"},
};

static bool add_student(struct store *st, int i, vax_date today, int64_t now, char pid[VAX_UUID_LEN],
                        struct vax_error *err)
{
	struct client c;
	client_init(&c);
	uuid_v4(c.uuid);
	snprintf(c.name.family, sizeof c.name.family, "Estudiante%d", i);
	snprintf(c.name.given, sizeof c.name.given, "Niño");
	c.sex = i % 2 ? SEX_MALE : SEX_FEMALE;
	int grade = i % 13; /* K..12 */
	c.dob = date_add_days(today, -(5 + grade) * 365 - 30 - (i * 7) % 300);
	uuid_v4(pid);
	cJSON *j = fhir_patient_to_json(&c);
	bool ok = store_write(st, "Patient", pid, "BENCHISD", j, false, now, NULL, err);
	cJSON_Delete(j);
	for (size_t k = 0; ok && k < sizeof plan / sizeof *plan; k++) {
		if (i % 7 == 3 && !strcmp(plan[k].cvx, "03"))
			continue; /* some miss MMR */
		struct immunization im;
		imm_init(&im);
		uuid_v4(im.uuid);
		snprintf(im.client_id, sizeof im.client_id, "%s", pid);
		snprintf(im.cvx, sizeof im.cvx, "%s", plan[k].cvx);
		im.date_given = date_add_months(c.dob, 0, plan[k].months);
		if (im.date_given > today)
			continue;
		im.historical = true;
		snprintf(im.info_source, sizeof im.info_source, "01");
		char iid[VAX_UUID_LEN];
		uuid_v4(iid);
		j = fhir_immunization_to_json(&im);
		ok = store_write(st, "Immunization", iid, "BENCHISD", j, false, now, NULL, err);
		cJSON_Delete(j);
	}
	return ok;
}

static char *call(struct registry *a, const char *method, const char *path, const char *body, const char *ct,
                  const char *auth, int64_t now, int *status)
{
	struct reg_request rq = {.method = method,
	                         .path = path,
	                         .body = body,
	                         .body_len = body ? strlen(body) : 0,
	                         .content_type = ct,
	                         .authorization = auth,
	                         .now = now};
	struct reg_response rs;
	registry_handle(a, &rq, &rs);
	*status = rs.status;
	return rs.body;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	if (n <= 0) {
		fprintf(stderr, "usage: bench_school [STUDENTS]\n");
		return 2;
	}
	const char *tmp = getenv("TMPDIR"), *keep = getenv("BENCH_DATA");
	char dir[4096], probe[4200];
	bool reuse = false;
	if (keep && *keep) {
		snprintf(dir, sizeof dir, "%s", keep);
		snprintf(probe, sizeof probe, "%s/registry.db", dir);
		reuse = access(probe, R_OK) == 0;
	} else {
		snprintf(dir, sizeof dir, "%s/vaxschool.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			return 1;
	}
	struct vax_error err = {0};
	int64_t now = (int64_t)time(NULL);
	vax_date today = (vax_date)(now / 86400);
	struct store *st = store_open(dir, &err);
	if (!st) {
		fprintf(stderr, "bench_school: %s\n", err.message);
		return 1;
	}
	char cdir[4096], tpath[4096];
	struct cdsi_data *d = cdsi_data_load(cdsi_data_dir(cdir, sizeof cdir), &err);
	struct school_reqs *tx = d ? school_load(school_texas_path(tpath, sizeof tpath), d, &err) : NULL;
	if (!tx) {
		fprintf(stderr, "bench_school: %s\n", err.message);
		return 1;
	}
	double t0 = bench_now_ns();
	/* other clients in the registry, so the store is not only the list */
	if (reuse)
		goto loaded;
	if (!demo_load_n(st, now, 5000, 0, NULL, &err) ||
	    !demo_org_add(st, "BENCHISD", "Bench ISD", now, &err) ||
	    !demo_user_add(st, "BENCHISD", "benchnurse", "school", "", "Bench!nurse2026", &err) ||
	    !store_bulk(st, true, &err) || !store_begin(st, &err)) {
		fprintf(stderr, "bench_school: %s\n", err.message);
		return 1;
	}
	cJSON *g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "resourceType", "Group");
	cJSON_AddStringToObject(g, "type", "person");
	cJSON_AddBoolToObject(g, "actual", true);
	cJSON_AddStringToObject(g, "name", "Bench High");
	cJSON *members = cJSON_AddArrayToObject(g, "member");
	for (int i = 0; i < n; i++) {
		char pid[VAX_UUID_LEN], ref[80];
		if (!add_student(st, i, today, now, pid, &err)) {
			fprintf(stderr, "bench_school: %s\n", err.message);
			return 1;
		}
		cJSON *m = cJSON_CreateObject();
		snprintf(ref, sizeof ref, "Patient/%s", pid);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(m, "entity"), "reference", ref);
		cJSON_AddItemToArray(members, m);
	}
	if (!store_write(st, "Group", "benchlist", "BENCHISD", g, false, now, NULL, &err) ||
	    !store_commit(st, &err) || !store_bulk(st, false, &err)) {
		fprintf(stderr, "bench_school: %s\n", err.message);
		return 1;
	}
	cJSON_Delete(g);
loaded:;
	double load_s = (bench_now_ns() - t0) / 1e9;

	struct registry_config cfg = {
	    .datadir = dir, .maint_start = -1, .maint_end = -1, .cdsi = d, .school = tx};
	struct registry *a = registry_new(st, NULL, &cfg);
	int status;
	char *body = call(a, "POST", "/auth/token",
	                  "grant_type=password&org_code=BENCHISD&username=benchnurse"
	                  "&password=Bench%21nurse2026&confidentiality_accepted=true",
	                  "application/x-www-form-urlencoded", NULL, now, &status);
	cJSON *tj = body ? cJSON_Parse(body) : NULL;
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(tj, "access_token");
	if (status != 200 || !cJSON_IsString(at)) {
		fprintf(stderr, "bench_school: login failed (%d)\n", status);
		return 1;
	}
	char auth[200];
	snprintf(auth, sizeof auth, "Bearer %s", at->valuestring);
	cJSON_Delete(tj);
	free(body);

	char title[80];
	snprintf(title, sizeof title, "Group/$school-compliance, %d students, one thread", n);
	bench_header(title);
	bench_row("load (students, doses, 5,000 others)", load_s, "s");
	const char *grades[] = {"K", "7"};
	for (size_t k = 0; k < 2; k++) {
		char path[64];
		snprintf(path, sizeof path, "/Group/benchlist/$school-compliance");
		char req[200];
		snprintf(
		    req, sizeof req,
		    "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"grade\",\"valueString\":"
		    "\"%s\"}]}",
		    grades[k]);
		double w0 = bench_now_ns(), c0 = cpu_s();
		body = call(a, "POST", path, req, "application/fhir+json", auth, now, &status);
		double wall = (bench_now_ns() - w0) / 1e9, cpu = cpu_s() - c0;
		if (status != 200) {
			fprintf(stderr, "bench_school: report failed (%d): %.300s\n", status,
			        body ? body : "");
			return 1;
		}
		char name[80];
		snprintf(name, sizeof name, "report, grade %s: wall", grades[k]);
		bench_row(name, wall, "s");
		snprintf(name, sizeof name, "report, grade %s: CPU", grades[k]);
		bench_row(name, cpu, "s");
		bench_row("  CPU per student", cpu * 1000 / n, "ms");
		bench_row("  answer size", body ? (double)strlen(body) / 1024 : 0, "KiB");
		free(body);
	}
	registry_free(a);
	school_free(tx);
	cdsi_data_free(d);
	store_close(st);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (!(keep && *keep) && system(cmd) != 0)
		fprintf(stderr, "bench_school: could not remove %s\n", dir);
	return 0;
}
