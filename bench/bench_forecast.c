/* bench/bench_forecast.c - what CDSi costs: loading CDC's supporting data,
 * one full child history (every vaccine group evaluated and forecast), and
 * a Texas compliance report for a school list of 2,000 students. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/benchutil.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"

static struct cdsi_dose dose(vax_date when, int cvx)
{
	struct cdsi_dose d = {.date = when, .cvx = cvx, .lot_expiration = DATE_NONE};
	return d;
}

/* A 12-year-old with the routine ACIP childhood and adolescent doses. */
static size_t child_history(vax_date dob, struct cdsi_dose *d)
{
	static const struct {
		int months, cvx;
	} plan[] = {
	    {0, 8},    {2, 110},  {2, 49},   {2, 133},   {2, 116},   {4, 110},   {4, 49},    {4, 133},
	    {4, 116},  {6, 110},  {6, 133},  {6, 116},   {6, 141},   {12, 3},    {12, 21},   {12, 83},
	    {12, 49},  {12, 133}, {15, 20},  {18, 83},   {18, 141},  {30, 141},  {48, 130},  {48, 94},
	    {54, 141}, {66, 141}, {78, 141}, {132, 115}, {132, 114}, {132, 165}, {138, 165}, {140, 141},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		d[n++] = dose(date_add_months(dob, 0, plan[i].months), plan[i].cvx);
	return n;
}

int main(void)
{
	char dir[4096], path[4096];
	struct vax_error err = {0};
	cdsi_data_dir(dir, sizeof dir);
	double t0 = bench_now_ns();
	struct cdsi_data *d = cdsi_data_load(dir, &err);
	double load_ms = (bench_now_ns() - t0) / 1e6;
	if (!d) {
		fprintf(stderr, "bench_forecast: %s\n", err.message);
		return 1;
	}
	struct school_reqs *tx = school_load(school_texas_path(path, sizeof path), d, &err);
	if (!tx) {
		fprintf(stderr, "bench_forecast: %s\n", err.message);
		cdsi_data_free(d);
		return 1;
	}

	vax_date today = date_from_ymd(2026, 11, 22);
	vax_date dob = date_from_ymd(2014, 3, 10);
	struct cdsi_dose doses[40];
	size_t n = child_history(dob, doses);
	struct cdsi_patient p = {.dob = dob, .gender = 'F', .doses = doses, .ndoses = n};

	enum { RUNS = 300, STUDENTS = 2000 };
	double *lat = malloc(RUNS * sizeof *lat);
	if (!lat)
		return 1;
	t0 = bench_now_ns();
	for (int i = 0; i < RUNS; i++) {
		double s = bench_now_ns();
		struct cdsi_result res;
		if (!cdsi_evaluate(d, &p, today, -1, &res, &err)) {
			fprintf(stderr, "bench_forecast: %s\n", err.message);
			return 1;
		}
		cdsi_result_free(&res);
		lat[i] = (bench_now_ns() - s) / 1e6;
	}
	double total_s = (bench_now_ns() - t0) / 1e9;

	/* a school list: students of grades K-12 with shifted birthdays */
	t0 = bench_now_ns();
	int compliant = 0;
	for (int i = 0; i < STUDENTS; i++) {
		int grade = i % 13;
		vax_date sdob = date_add_days(date_from_ymd(2020, 9, 1), -365 * grade - (i * 7) % 360);
		struct cdsi_dose sd[40];
		size_t sn = child_history(sdob, sd);
		size_t keep = 0;
		for (size_t k = 0; k < sn; k++)                               /* only doses already given */
			if (sd[k].date <= today && (i % 5 || sd[k].cvx != 3)) /* every 5th misses MMR */
				sd[keep++] = sd[k];
		struct cdsi_patient sp = {
		    .dob = sdob, .gender = i % 2 ? 'M' : 'F', .doses = sd, .ndoses = keep};
		struct school_report rep;
		if (!school_check(tx, d, &sp, grade, today, &rep, &err)) {
			fprintf(stderr, "bench_forecast: %s\n", err.message);
			return 1;
		}
		compliant += rep.compliant;
		school_report_free(&rep);
	}
	double school_s = (bench_now_ns() - t0) / 1e9;

	bench_header("forecast (CDSi 4.6, supporting data in data/cdsi)");
	bench_row("load supporting data", load_ms, "ms");
	bench_row("full child history: doses", (double)n, "doses");
	bench_row("evaluations+forecasts/s (all groups)", RUNS / total_s, "/s");
	bench_row("one history, p50", bench_percentile(lat, RUNS, 50), "ms");
	bench_row("one history, p99", bench_percentile(lat, RUNS, 99), "ms");
	bench_row("school list of 2,000 students", school_s, "s");
	bench_row("students compliant in the list", compliant, "");
	free(lat);
	school_free(tx);
	cdsi_data_free(d);
	return 0;
}
