/* forecast/school.c - see school.h. Loading (school_load) is the only part
 * that reads a file; the check is pure computation. */
#include "forecast/school.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef VAX_DATADIR
#define VAX_DATADIR "/usr/local/share/vaxdesk"
#endif

#define MAX_ALTS 4
#define MAX_CVX  12

struct alt {
	int doses;
	struct date_span after;
	bool has_after;
	int nth;
	struct date_span nth_age;
	struct date_span min_age;
	bool has_min_age;
	struct date_span recent;
	bool has_recent;
	int cvx[MAX_CVX];
	size_t ncvx;
};

struct req {
	int lo, hi; /* grade range */
	int group;
	char label[32];
	struct alt alts[MAX_ALTS];
	size_t nalts;
	struct date_span exempt;
	bool has_exempt;
};

struct school_reqs {
	struct req *reqs;
	size_t n;
};

int school_grade_parse(const char *s)
{
	if (strcasecmp(s, "PK") == 0)
		return SCHOOL_GRADE_PK;
	if (strcasecmp(s, "K") == 0)
		return 0;
	char *end;
	long g = strtol(s, &end, 10);
	if (end == s || *end || g < 1 || g > 12)
		return SCHOOL_GRADE_BAD;
	return (int)g;
}

/* "4y", "12m", "10w", "3d" */
static bool parse_age(const char *s, struct date_span *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	memset(out, 0, sizeof *out);
	if (end == s || v < 0 || v > 200 || end[1] != '\0')
		return false;
	switch (*end) {
	case 'y':
		out->years = (int)v;
		return true;
	case 'm':
		out->months = (int)v;
		return true;
	case 'w':
		out->days = (int)v * 7;
		return true;
	case 'd':
		out->days = (int)v;
		return true;
	}
	return false;
}

static bool parse_term(char *t, struct alt *a, struct req *r)
{
	char *eq = strchr(t, '=');
	if (!eq)
		return false;
	*eq = '\0';
	const char *k = t, *v = eq + 1;
	char *end;
	if (strcmp(k, "doses") == 0) {
		long n = strtol(v, &end, 10);
		if (*end || n < 1 || n > 20)
			return false;
		a->doses = (int)n;
		return true;
	}
	if (strcmp(k, "after") == 0)
		return (a->has_after = parse_age(v, &a->after));
	if (strcmp(k, "age") == 0)
		return (a->has_min_age = parse_age(v, &a->min_age));
	if (strcmp(k, "recent") == 0)
		return (a->has_recent = parse_age(v, &a->recent));
	if (strcmp(k, "exempt") == 0)
		return (r->has_exempt = parse_age(v, &r->exempt));
	if (strcmp(k, "nth") == 0) {
		long n = strtol(v, &end, 10);
		if (*end != '@' || n < 1 || n > 20)
			return false;
		a->nth = (int)n;
		return parse_age(end + 1, &a->nth_age);
	}
	if (strcmp(k, "cvx") == 0) {
		const char *p = v;
		while (*p) {
			long c = strtol(p, &end, 10);
			if (end == p || a->ncvx == MAX_CVX)
				return false;
			a->cvx[a->ncvx++] = (int)c;
			p = *end == ';' ? end + 1 : end;
			if (*end && *end != ';')
				return false;
		}
		return a->ncvx > 0;
	}
	return false;
}

static bool parse_grades(const char *s, int *lo, int *hi)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%s", s);
	char *dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	*lo = school_grade_parse(buf);
	*hi = dash ? school_grade_parse(dash + 1) : *lo;
	return *lo != SCHOOL_GRADE_BAD && *hi != SCHOOL_GRADE_BAD && *lo <= *hi;
}

/* One requirement line; false with a message in why. */
static bool parse_line(char *line, const struct cdsi_data *d, struct req *r, const char **why)
{
	memset(r, 0, sizeof *r);
	char *save = NULL;
	char *grades = strtok_r(line, " \t", &save);
	char *group = strtok_r(NULL, " \t", &save);
	if (!grades || !group) {
		*why = "expected GRADES GROUP \"LABEL\" ALTERNATIVES";
		return false;
	}
	if (!parse_grades(grades, &r->lo, &r->hi)) {
		*why = "grades must be PK, K, 1..12 or a range such as K-6";
		return false;
	}
	r->group = cdsi_group_find(d, group);
	if (r->group < 0) {
		*why = "unknown vaccine group (use a CDSi group name such as DTaP/Tdap/Td)";
		return false;
	}
	char *rest = save;
	while (rest && isspace((unsigned char)*rest))
		rest++;
	if (!rest || *rest != '"' || !strchr(rest + 1, '"')) {
		*why = "the label must be in double quotes";
		return false;
	}
	char *close = strchr(rest + 1, '"');
	*close = '\0';
	snprintf(r->label, sizeof r->label, "%s", rest + 1);
	char *alts = close + 1, *asave = NULL;
	for (char *alt = strtok_r(alts, "|", &asave); alt; alt = strtok_r(NULL, "|", &asave)) {
		if (r->nalts == MAX_ALTS) {
			*why = "too many alternatives";
			return false;
		}
		struct alt *a = &r->alts[r->nalts++];
		char *tsave = NULL;
		for (char *t = strtok_r(alt, " \t", &tsave); t; t = strtok_r(NULL, " \t", &tsave)) {
			if (!parse_term(t, a, r)) {
				*why = "a term is not understood (see the format at the top of the file)";
				return false;
			}
		}
		if (!a->doses) {
			*why = "every alternative needs doses=N";
			return false;
		}
	}
	if (!r->nalts) {
		*why = "no alternatives";
		return false;
	}
	return true;
}

struct school_reqs *school_load(const char *path, const struct cdsi_data *d, struct vax_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		error_set(err, "SCHOOL-MISSING",
		          "%s: cannot be read; install the school requirements "
		          "or set VAXDESK_DATADIR",
		          path);
		return NULL;
	}
	struct school_reqs *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	size_t cap = 0;
	char line[1024];
	int lineno = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		if (r->n == cap) {
			cap = cap ? 2 * cap : 16;
			r->reqs = realloc(r->reqs, cap * sizeof *r->reqs);
			if (!r->reqs)
				abort();
		}
		const char *why = NULL;
		if (!parse_line(p, d, &r->reqs[r->n], &why)) {
			error_set(err, "SCHOOL-LINE", "%s:%d: %s", path, lineno, why);
			ok = false;
		} else {
			r->n++;
		}
	}
	fclose(f);
	if (ok && r->n == 0) {
		error_set(err, "SCHOOL-EMPTY", "%s: no requirements", path);
		ok = false;
	}
	if (!ok) {
		school_free(r);
		return NULL;
	}
	return r;
}

void school_free(struct school_reqs *r)
{
	if (!r)
		return;
	free(r->reqs);
	free(r);
}

char *school_texas_path(char *buf, size_t len)
{
	const char *base = getenv("VAXDESK_DATADIR");
	snprintf(buf, len, "%s/texas/school-requirements.txt", base && *base ? base : VAX_DATADIR);
	return buf;
}

/* Date of an age with the 4-day birthday grace of §97.63(1). */
static vax_date age_date(vax_date dob, const struct date_span *age)
{
	return date_add_days(date_add_span(dob, age), -4);
}

static bool alt_met(const struct alt *a, const struct cdsi_patient *p, const vax_date *valid, size_t nvalid,
                    const int *valid_cvx, vax_date on)
{
	if ((int)nvalid < a->doses)
		return false;
	if (a->has_after) {
		vax_date when = age_date(p->dob, &a->after);
		bool any = false;
		for (size_t i = 0; i < nvalid; i++)
			any |= valid[i] >= when;
		if (!any)
			return false;
	}
	if (a->nth && ((size_t)a->nth > nvalid || valid[a->nth - 1] < age_date(p->dob, &a->nth_age)))
		return false;
	if (a->has_recent) {
		vax_date from = date_sub_span(on, &a->recent);
		bool any = false;
		for (size_t i = 0; i < nvalid; i++) {
			bool type_ok = a->ncvx == 0;
			for (size_t k = 0; k < a->ncvx; k++)
				type_ok |= a->cvx[k] == valid_cvx[i];
			any |= type_ok && valid[i] >= from && valid[i] <= on;
		}
		if (!any)
			return false;
	}
	return true;
}

bool school_check(const struct school_reqs *r, const struct cdsi_data *d, const struct cdsi_patient *p,
                  int grade, vax_date on, struct school_report *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	if (grade == SCHOOL_GRADE_BAD || grade < SCHOOL_GRADE_PK || grade > 12)
		return error_set(err, "SCHOOL-GRADE", "The grade must be PK, K or 1 to 12.");
	/* only the vaccine groups this grade's requirements name */
	size_t ng = cdsi_group_count(d);
	bool *want = calloc(ng + 1, sizeof *want);
	if (!want)
		abort();
	for (size_t i = 0; i < r->n; i++)
		if (grade >= r->reqs[i].lo && grade <= r->reqs[i].hi && r->reqs[i].group >= 0 &&
		    (size_t)r->reqs[i].group < ng)
			want[r->reqs[i].group] = true;
	struct cdsi_result res;
	bool ok = cdsi_evaluate_groups(d, p, on, want, &res, err);
	free(want);
	if (!ok)
		return false;
	out->items = calloc(r->n ? r->n : 1, sizeof *out->items);
	if (!out->items)
		abort();
	out->compliant = true;
	vax_date *valid = calloc(p->ndoses ? p->ndoses : 1, sizeof *valid);
	int *valid_cvx = calloc(p->ndoses ? p->ndoses : 1, sizeof *valid_cvx);
	if (!valid || !valid_cvx)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		const struct req *q = &r->reqs[i];
		if (grade < q->lo || grade > q->hi)
			continue;
		struct school_item *it = &out->items[out->nitems++];
		snprintf(it->label, sizeof it->label, "%s", q->label);
		it->group = q->group;
		it->due = it->earliest = DATE_NONE;
		const struct cdsi_group_result *g = cdsi_result_group(&res, q->group);
		size_t nvalid = 0;
		for (size_t k = 0; g && k < g->nevals; k++) /* evals are in date order */
			if (g->evals[k].status == CDSI_EVAL_VALID) {
				valid[nvalid] = p->doses[g->evals[k].dose].date;
				valid_cvx[nvalid++] = p->doses[g->evals[k].dose].cvx;
			}
		it->valid_doses = (int)nvalid;
		if (q->has_exempt && on >= age_date(p->dob, &q->exempt)) {
			it->status = SCHOOL_EXEMPT;
			continue;
		}
		bool met = g && g->status == CDSI_IMMUNE;
		for (size_t k = 0; k < q->nalts && !met; k++) {
			const struct alt *a = &q->alts[k];
			if (a->has_min_age && on < age_date(p->dob, &a->min_age))
				continue;
			met = alt_met(a, p, valid, nvalid, valid_cvx, on);
		}
		if (met) {
			it->status = SCHOOL_MET;
			continue;
		}
		out->compliant = false;
		/* the dose missing: CDSi's next dose, else one more than counted
		 * (a booster the school wants after a series CDSi calls done) */
		it->dose = g && g->status == CDSI_NOT_COMPLETE && g->dose_number > 0 ? g->dose_number
		                                                                     : (int)nvalid + 1;
		/* when CDSi says the next dose cannot be given yet, the student is
		 * in process: due by that date */
		if (g && g->status == CDSI_NOT_COMPLETE && g->earliest != DATE_NONE && g->earliest > on &&
		    nvalid > 0) {
			it->status = SCHOOL_DUE;
			it->due = it->earliest = g->earliest;
		} else {
			it->status = SCHOOL_NOT_MET;
			it->earliest = g && g->status == CDSI_NOT_COMPLETE && g->earliest != DATE_NONE &&
			                       g->earliest > on
			                   ? g->earliest
			                   : on;
		}
	}
	free(valid);
	free(valid_cvx);
	cdsi_result_free(&res);
	return true;
}

void school_report_free(struct school_report *rep)
{
	if (!rep)
		return;
	free(rep->items);
	memset(rep, 0, sizeof *rep);
}

const char *school_status_name(enum school_status s)
{
	switch (s) {
	case SCHOOL_MET:
		return "met";
	case SCHOOL_NOT_MET:
		return "not met";
	case SCHOOL_DUE:
		return "due by";
	case SCHOOL_EXEMPT:
		return "not required";
	}
	return "";
}
