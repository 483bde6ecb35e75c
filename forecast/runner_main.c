/* forecast/runner_main.c - vaxdesk-forecast: run CDC's CDSi test cases, or
 * evaluate one history given on the command line.
 *
 *   vaxdesk-forecast [--data DIR] [--known FILE] [--quiet] --cases FILE.ndjson
 *   vaxdesk-forecast [--data DIR] --dob YYYY-MM-DD [--gender F|M] --on YYYY-MM-DD
 *                    [--dose YYYY-MM-DD:CVX ...] [--obs CODE ...]
 *
 * Each case is evaluated at its own assessment date; every dose's status and
 * reason and the forecast (series status, dose number, earliest,
 * recommended, past due) are compared. Failing cases are listed with what
 * differed, then a table by vaccine group, then three summary lines.
 * Exit status: 0 when the file was read (whatever the pass rate; the
 * threshold is the caller's), 1 on a bad line or unreadable data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forecast/cdsi.h"
#include "forecast/cdsi_cases.h"
#include "forecast/cdsi_model.h"

struct tally {
	char label[48];
	int cases, eval_ok, fc_ok, all_ok;
};

struct known {
	char id[32];
	char reason[200];
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vaxdesk-forecast [--data DIR] [--known FILE] [--quiet] [--trace CASE-ID]\n"
	           "                        --cases FILE.ndjson\n"
	           "       vaxdesk-forecast [--data DIR] --dob YYYY-MM-DD [--gender F|M] --on YYYY-MM-DD\n"
	           "                        [--dose YYYY-MM-DD:CVX ...] [--obs CODE ...]\n");
}

#define MAX_ARGS_DOSES 64

/* One history from the command line: a table per vaccine group. */
static int run_one(const struct cdsi_data *d, struct cdsi_patient *p, vax_date on)
{
	struct cdsi_result res;
	struct vax_error err = {0};
	if (!cdsi_evaluate(d, p, on, -1, &res, &err)) {
		fprintf(stderr, "vaxdesk-forecast: %s\n", err.message);
		return 1;
	}
	char a[DATE_ISO_LEN], b[DATE_ISO_LEN], c[DATE_ISO_LEN];
	printf("%-16s %-15s %4s  %-10s  %-10s  %-10s\n", "vaccine group", "status", "dose", "earliest", "due",
	       "past due");
	for (size_t i = 0; i < res.ngroups; i++) {
		const struct cdsi_group_result *g = &res.groups[i];
		if (g->status == CDSI_NOT_RECOMMENDED && !g->nevals)
			continue;
		char num[8] = "";
		if (g->dose_number)
			snprintf(num, sizeof num, "%d", g->dose_number);
		printf("%-16s %-15s %4s  %-10s  %-10s  %-10s%s\n", cdsi_group_name(d, (size_t)g->group),
		       cdsi_series_status_name(g->status), num, date_format_iso(g->earliest, a),
		       date_format_iso(g->recommended, b), date_format_iso(g->past_due, c),
		       g->risk ? "  (risk)" : "");
		for (size_t k = 0; k < g->nevals; k++) {
			const struct cdsi_dose_eval *e = &g->evals[k];
			const struct cdsi_dose *dz = &p->doses[e->dose];
			const char *desc = cdsi_cvx_description(d, dz->cvx);
			if (e->status == CDSI_EVAL_VALID && e->series_doses)
				snprintf(num, sizeof num, "%d of %d", e->dose_number, e->series_doses);
			else if (e->status == CDSI_EVAL_VALID)
				snprintf(num, sizeof num, "%d", e->dose_number);
			else
				num[0] = '\0';
			printf("    %s  %-24.24s %-10s %s%s%s\n", date_format_iso(dz->date, a),
			       desc ? desc : "?",
			       e->status == CDSI_EVAL_VALID ? num : cdsi_eval_status_name(e->status),
			       e->reason ? "(" : "", cdsi_eval_reason_text(e->reason), e->reason ? ")" : "");
		}
	}
	cdsi_result_free(&res);
	return 0;
}

static struct known *read_known(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vaxdesk-forecast: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	struct known *k = NULL;
	size_t cap = 0;
	*n = 0;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			k = realloc(k, cap * sizeof *k);
			if (!k)
				abort();
		}
		size_t idlen = strcspn(p, " \t");
		snprintf(k[*n].id, sizeof k[*n].id, "%.*s", (int)idlen, p);
		p += idlen;
		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(k[*n].reason, sizeof k[*n].reason, "%s", p);
		(*n)++;
	}
	fclose(f);
	return k;
}

int main(int argc, char **argv)
{
	const char *cases = NULL, *datadir = NULL, *known_path = NULL, *trace = NULL;
	bool quiet = false;
	struct cdsi_dose doses[MAX_ARGS_DOSES];
	struct cdsi_observation_in obs[16];
	struct cdsi_patient one = {.dob = DATE_NONE, .gender = 'U', .doses = doses, .observations = obs};
	vax_date on = DATE_NONE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc)
			cases = argv[++i];
		else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			datadir = argv[++i];
		else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc)
			known_path = argv[++i];
		else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
			trace = argv[++i];
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (strcmp(argv[i], "--dob") == 0 && i + 1 < argc) {
			if (date_parse_iso(argv[++i], &one.dob) != DATE_OK) {
				fprintf(stderr, "vaxdesk-forecast: --dob %s: not a YYYY-MM-DD date\n",
				        argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--on") == 0 && i + 1 < argc) {
			if (date_parse_iso(argv[++i], &on) != DATE_OK) {
				fprintf(stderr, "vaxdesk-forecast: --on %s: not a YYYY-MM-DD date\n",
				        argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--gender") == 0 && i + 1 < argc) {
			one.gender = argv[++i][0] == 'F' ? 'F' : argv[i][0] == 'M' ? 'M' : 'U';
		} else if (strcmp(argv[i], "--dose") == 0 && i + 1 < argc) {
			const char *arg = argv[++i];
			const char *colon = strchr(arg, ':');
			char day[16], *end;
			long cvx = colon ? strtol(colon + 1, &end, 10) : -1;
			if (one.ndoses == MAX_ARGS_DOSES || !colon || (size_t)(colon - arg) >= sizeof day ||
			    *end || cvx < 0 || colon[1] == '\0') {
				fprintf(stderr, "vaxdesk-forecast: --dose %s: expected YYYY-MM-DD:CVX\n",
				        arg);
				return 2;
			}
			memcpy(day, arg, (size_t)(colon - arg));
			day[colon - arg] = '\0';
			struct cdsi_dose *dz = &doses[one.ndoses];
			memset(dz, 0, sizeof *dz);
			dz->cvx = (int)cvx;
			dz->lot_expiration = DATE_NONE;
			if (date_parse_iso(day, &dz->date) != DATE_OK) {
				fprintf(stderr, "vaxdesk-forecast: --dose %s: expected YYYY-MM-DD:CVX\n",
				        arg);
				return 2;
			}
			one.ndoses++;
		} else if (strcmp(argv[i], "--obs") == 0 && i + 1 < argc) {
			if (one.nobservations == 16 || strlen(argv[i + 1]) >= sizeof obs[0].code) {
				fprintf(stderr, "vaxdesk-forecast: --obs %s: too many or too long\n",
				        argv[i + 1]);
				return 2;
			}
			struct cdsi_observation_in *o = &obs[one.nobservations++];
			snprintf(o->code, sizeof o->code, "%s", argv[++i]);
			o->begin = o->end = DATE_NONE;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!cases && (one.dob == DATE_NONE || on == DATE_NONE)) {
		usage(stderr);
		return 2;
	}
	char dirbuf[4096];
	if (!datadir)
		datadir = cdsi_data_dir(dirbuf, sizeof dirbuf);
	struct vax_error err = {0};
	struct cdsi_data *d = cdsi_data_load(datadir, &err);
	if (!d) {
		fprintf(stderr, "vaxdesk-forecast: %s\n", err.message);
		return 1;
	}
	if (!cases) {
		int r = run_one(d, &one, on);
		cdsi_data_free(d);
		return r;
	}
	size_t nknown = 0;
	struct known *known = known_path ? read_known(known_path, &nknown) : NULL;

	FILE *f = fopen(cases, "r");
	if (!f) {
		fprintf(stderr, "vaxdesk-forecast: %s: %s\n", cases, strerror(errno));
		cdsi_data_free(d);
		free(known);
		return 1;
	}
	struct tally t[64];
	size_t nt = 0;
	int ev_pass = 0, ev_fail = 0, fc_pass = 0, fc_fail = 0, all_pass = 0, all_fail = 0, stale = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = 0;
	char *diffbuf = NULL;
	size_t difflen = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		struct cdsi_case c;
		if (!cdsi_case_parse(line, &c, &err)) {
			fprintf(stderr, "vaxdesk-forecast: %s:%ld: %s\n", cases, lineno, err.message);
			rc = 1;
			break;
		}
		if (trace && strcmp(trace, c.id) != 0)
			continue;
		cdsi_trace = trace ? stdout : NULL;
		int g = cdsi_case_group(d, c.group_label);
		struct cdsi_result res = {0};
		const struct cdsi_group_result *r = NULL;
		if (g < 0) {
			fprintf(stderr,
			        "vaxdesk-forecast: %s:%ld: vaccine group \"%s\" is not in the CDSi data\n",
			        cases, lineno, c.group_label);
		} else if (!cdsi_evaluate(d, &c.patient, c.assessment, -1, &res, &err)) {
			fprintf(stderr, "vaxdesk-forecast: %s:%ld: %s\n", cases, lineno, err.message);
		} else {
			r = cdsi_result_group(&res, g);
		}
		FILE *diff = open_memstream(&diffbuf, &difflen);
		struct cdsi_case_outcome o = cdsi_case_check(&c, &res, r, diff);
		fclose(diff);
		cdsi_result_free(&res);

		size_t k;
		for (k = 0; k < nt; k++)
			if (strcmp(t[k].label, c.group_label) == 0)
				break;
		if (k == nt && nt < 64) {
			memset(&t[nt], 0, sizeof t[nt]);
			snprintf(t[nt].label, sizeof t[nt].label, "%s", c.group_label);
			nt++;
		}
		if (k < 64) {
			t[k].cases++;
			t[k].eval_ok += o.eval_ok;
			t[k].fc_ok += o.forecast_ok;
			t[k].all_ok += o.eval_ok && o.forecast_ok;
		}
		o.eval_ok ? ev_pass++ : ev_fail++;
		o.forecast_ok ? fc_pass++ : fc_fail++;
		(o.eval_ok && o.forecast_ok) ? all_pass++ : all_fail++;
		if (!(o.eval_ok && o.forecast_ok)) {
			const char *why = NULL;
			for (size_t i = 0; i < nknown; i++)
				if (strcmp(known[i].id, c.id) == 0)
					why = known[i].reason;
			stale += why != NULL;
			if (!quiet)
				printf("FAIL %s (%s)%s%s\n%s", c.id, c.group_label,
				       why ? " known stale: " : "", why ? why : "", diffbuf);
		}
		free(diffbuf);
		diffbuf = NULL;
	}
	free(line);
	fclose(f);
	if (rc == 0) {
		printf("\n%-24s %6s %6s %6s %6s\n", "vaccine group", "cases", "eval", "fcast", "cdsi");
		for (size_t k = 0; k < nt; k++)
			printf("%-24s %6d %6d %6d %6d\n", t[k].label, t[k].cases, t[k].eval_ok, t[k].fc_ok,
			       t[k].all_ok);
		/* the three lines below stay last: scripts read them */
		if (known_path)
			printf("\nstale (case contradicts CDC's data 4.64 or the specification): %d of the "
			       "%d failed\n",
			       stale, all_fail);
		printf("\nevaluation: %d passed, %d failed\n", ev_pass, ev_fail);
		printf("forecast: %d passed, %d failed\n", fc_pass, fc_fail);
		printf("cdsi: %d passed, %d failed\n", all_pass, all_fail);
	}
	free(known);
	cdsi_data_free(d);
	return rc;
}
