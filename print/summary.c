/* print/summary.c - see summary.h. */
#include "print/summary.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"
#include "core/xalloc.h"
#include "print/history.h"
#include "print/recall.h"

const int summary_windows[3] = {1, 7, 30};

const struct summary_series summary_series[SUMMARY_SERIES] = {
    {"DTaP/Tdap/Td", "DTaP", 4}, {"Polio", "Polio", 3},         {"MMR", "MMR", 1},          {"Hib", "Hib", 3},
    {"HepB", "Hepatitis B", 3},  {"Varicella", "Varicella", 1}, {"Pneumococcal", "PCV", 4},
};

void summary_init(struct summary *s, const char *org, vax_date from, vax_date to)
{
	memset(s, 0, sizeof *s);
	snprintf(s->org, sizeof s->org, "%s", org ? org : "");
	s->from = from;
	s->to = to;
}

static void add_issue(struct summary *s, const char *code, const char *text, const char *pid,
                      const struct immunization *im)
{
	s->errors++;
	int i = 0;
	while (i < s->nissues && strcmp(s->issues[i].code, code))
		i++;
	if (i == s->nissues) {
		if (s->nissues == SUMMARY_MAX_ISSUES)
			return;
		s->nissues++;
		snprintf(s->issues[i].code, sizeof s->issues[i].code, "%s", code);
		snprintf(s->issues[i].text, sizeof s->issues[i].text, "%s", text);
	}
	s->issues[i].count++;
	if (s->nexamples < SUMMARY_MAX_EXAMPLES) {
		struct summary_example *e = &s->examples[s->nexamples++];
		snprintf(e->code, sizeof e->code, "%s", code);
		snprintf(e->immunization, sizeof e->immunization, "%s", im->id);
		snprintf(e->patient, sizeof e->patient, "%s", pid ? pid : "");
		e->date = im->date_given;
		snprintf(e->cvx, sizeof e->cvx, "%s", im->cvx);
	}
}

static const struct {
	enum cdsi_eval_reason reason;
	const char *code, *text;
} not_valid[] = {
    {CDSI_REASON_TOO_YOUNG, "Q-NOT-VALID-AGE", "Dose not valid: given below the minimum age"},
    {CDSI_REASON_TOO_OLD, "Q-NOT-VALID-AGE", "Dose not valid: given below the minimum age"},
    {CDSI_REASON_TOO_SOON, "Q-NOT-VALID-INTERVAL", "Dose not valid: given too soon after the previous dose"},
    {CDSI_REASON_CONFLICT, "Q-NOT-VALID-LIVE", "Dose not valid: too close to another live vaccine"},
    {CDSI_REASON_EXPIRED, "Q-NOT-VALID-EXPIRED", "Dose not valid: given after the lot expired"},
    {CDSI_REASON_SUBSTANDARD, "Q-NOT-VALID-SUBSTANDARD",
     "Dose not valid: recalled, cold-chain or sub-potent"},
};

static void not_valid_issue(enum cdsi_eval_reason r, const char **code, const char **text)
{
	*code = "Q-NOT-VALID";
	*text = "Dose not valid for its series";
	for (size_t i = 0; i < sizeof not_valid / sizeof *not_valid; i++)
		if (not_valid[i].reason == r) {
			*code = not_valid[i].code;
			*text = not_valid[i].text;
		}
	if (r == CDSI_REASON_TOO_OLD)
		*text = "Dose not valid: given above the maximum age";
}

static bool counted(const struct summary *s, const struct immunization *im)
{
	return !im->entered_in_error && !im->refused && im->date_given != DATE_NONE &&
	       im->date_given >= s->from && im->date_given <= s->to;
}

bool summary_add_doses(struct summary *s, const struct cdsi_data *d, const struct codes *codes,
                       vax_date today, const struct client *c, const char *patient_id,
                       const struct immunization *imms, size_t n, const bool *mine, const vax_date *received,
                       struct vax_error *err)
{
	bool *rated = xcalloc(n + 1, sizeof *rated);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!mine[i] || !counted(s, &imms[i]))
			continue;
		const struct immunization *im = &imms[i];
		if (im->historical) {
			s->historical++;
			continue;
		}
		rated[i] = any = true;
		s->doses++;
		int days = received[i] != DATE_NONE ? date_diff_days(im->date_given, received[i]) : 100000;
		for (int w = 0; w < 3; w++)
			s->within[w] += days <= summary_windows[w];
		s->with_lot += im->lot[0] != '\0';
		s->with_vis += im->n_vis > 0;
		s->with_funding += im->funding[0] != '\0';
		s->with_eligibility += im->vfc[0] != '\0';
	}
	if (!any) {
		free(rated);
		return true;
	}
	/* the registry's rules on each dose as the client is now */
	struct rule_ctx rc = {.today = today, .codes = codes};
	for (size_t i = 0; i < n; i++) {
		if (!rated[i])
			continue;
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_immunization(&rc, c->dob, &imms[i], &rep);
		bool seen[RULE_COUNT] = {0};
		for (int k = 0; k < rep.n; k++) {
			enum rule_id r = rep.v[k].rule;
			/* a vaccine retired since it was given is not an error of the dose */
			if (rule_severity(r) != RULE_ERROR || r == RULE_CVX_NOT_ACTIVE || seen[r])
				continue;
			seen[r] = true;
			add_issue(s, rule_code(r), rule_message(r), patient_id, &imms[i]);
		}
		rules_report_init(&rep);
		/* a duplicate of an earlier record of the client */
		if (rules_check_duplicate(&rc, &imms[i], imms, (int)i, &rep) >= 0)
			add_issue(s, rule_code(RULE_DUPLICATE_SHOT), rule_message(RULE_DUPLICATE_SHOT),
			          patient_id, &imms[i]);
	}
	/* CDSi's verdict on each of the organization's doses */
	if (c->dob == DATE_NONE) {
		free(rated);
		return true;
	}
	struct cdsi_dose *doses = xcalloc(n + 1, sizeof *doses);
	size_t *map = xcalloc(n + 1, sizeof *map);
	size_t nd = history_cdsi_doses(imms, n, doses, map);
	struct cdsi_patient p = {
	    .dob = c->dob, .gender = history_gender(c->sex), .doses = doses, .ndoses = nd};
	struct cdsi_result res;
	bool ok = cdsi_evaluate(d, &p, s->to, -1, &res, err);
	if (ok) {
		bool *flagged = xcalloc(nd + 1, sizeof *flagged);
		for (size_t g = 0; g < res.ngroups; g++)
			for (size_t k = 0; k < res.groups[g].nevals; k++) {
				const struct cdsi_dose_eval *e = &res.groups[g].evals[k];
				if (flagged[e->dose] || !rated[map[e->dose]] ||
				    (e->status != CDSI_EVAL_NOT_VALID && e->status != CDSI_EVAL_SUBSTANDARD))
					continue;
				/* "series already complete" is an extra dose, not an error */
				if (e->reason == CDSI_REASON_SERIES_COMPLETE)
					continue;
				const char *code, *text;
				not_valid_issue(e->reason, &code, &text);
				add_issue(s, code, text, patient_id, &imms[map[e->dose]]);
				flagged[e->dose] = true;
			}
		free(flagged);
		cdsi_result_free(&res);
	}
	free(doses);
	free(map);
	free(rated);
	return ok;
}

void summary_cohort_births(const struct summary *s, vax_date *first, vax_date *last)
{
	/* 24 through 35 months old on s->to: 35 months completed at most */
	*first = date_add_days(date_add_months(s->to, 0, -36), 1);
	*last = date_add_months(s->to, 0, -24);
}

bool summary_in_cohort(const struct summary *s, const struct client *c)
{
	if (c->dob == DATE_NONE || !recall_client_active(c))
		return false;
	int m = date_age_months(c->dob, s->to);
	return c->dob <= s->to && m >= 24 && m <= 35;
}

bool summary_add_cohort(struct summary *s, const struct cdsi_data *d, const struct client *c,
                        const struct immunization *imms, size_t n, struct vax_error *err)
{
	if (!summary_in_cohort(s, c))
		return true;
	struct cdsi_dose *doses = xcalloc(n + 1, sizeof *doses);
	size_t nd = history_cdsi_doses(imms, n, doses, NULL);
	/* doses given after the period's end do not count yet */
	size_t keep = 0;
	for (size_t k = 0; k < nd; k++)
		if (doses[k].date <= s->to)
			doses[keep++] = doses[k];
	struct cdsi_patient p = {
	    .dob = c->dob, .gender = history_gender(c->sex), .doses = doses, .ndoses = keep};
	struct cdsi_result res;
	if (!cdsi_evaluate(d, &p, s->to, -1, &res, err)) {
		free(doses);
		return false;
	}
	s->cohort++;
	bool utd = true;
	for (int i = 0; i < SUMMARY_SERIES; i++) {
		int g = cdsi_group_find(d, summary_series[i].group);
		const struct cdsi_group_result *gr = g >= 0 ? cdsi_result_group(&res, g) : NULL;
		int valid = 0;
		for (size_t k = 0; gr && k < gr->nevals; k++)
			valid += gr->evals[k].status == CDSI_EVAL_VALID;
		bool met = valid >= summary_series[i].doses ||
		           (gr && (gr->status == CDSI_COMPLETE || gr->status == CDSI_IMMUNE));
		if (!met) {
			s->short_of[i]++;
			utd = false;
		}
	}
	s->utd += utd;
	cdsi_result_free(&res);
	free(doses);
	return true;
}

char *summary_percent(int num, int den, char *buf, size_t len)
{
	if (den <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", 100.0 * num / den);
	return buf;
}

/* ---- JSON: a FHIR Parameters resource ----------------------------------------- */

static void p_int(cJSON *ps, const char *name, int v)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddNumberToObject(p, "valueInteger", v);
	cJSON_AddItemToArray(ps, p);
}

static void p_str(cJSON *ps, const char *name, const char *type, const char *v)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, type, v);
	cJSON_AddItemToArray(ps, p);
}

static void p_ref(cJSON *ps, const char *name, const char *type, const char *id)
{
	char ref[96];
	snprintf(ref, sizeof ref, "%s/%s", type, id);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "valueReference"), "reference", ref);
	cJSON_AddItemToArray(ps, p);
}

static cJSON *p_part(cJSON *ps, const char *name)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToArray(ps, p);
	return cJSON_AddArrayToObject(p, "part");
}

/* the counts, by their parameter names */
static const struct {
	const char *name;
	size_t off;
} fields[] = {
    {"doses", offsetof(struct summary, doses)},
    {"reported-within-1-day", offsetof(struct summary, within[0])},
    {"reported-within-7-days", offsetof(struct summary, within[1])},
    {"reported-within-30-days", offsetof(struct summary, within[2])},
    {"with-lot", offsetof(struct summary, with_lot)},
    {"with-vis", offsetof(struct summary, with_vis)},
    {"with-funding", offsetof(struct summary, with_funding)},
    {"with-eligibility", offsetof(struct summary, with_eligibility)},
    {"historical", offsetof(struct summary, historical)},
    {"cohort", offsetof(struct summary, cohort)},
    {"up-to-date", offsetof(struct summary, utd)},
    {"errors", offsetof(struct summary, errors)},
};
#define NFIELDS (sizeof fields / sizeof *fields)

cJSON *summary_to_json(const struct summary *s)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Parameters");
	cJSON *ps = cJSON_AddArrayToObject(j, "parameter");
	char a[DATE_ISO_LEN];
	p_str(ps, "organization", "valueString", s->org);
	p_str(ps, "start", "valueDate", date_format_iso(s->from, a));
	p_str(ps, "end", "valueDate", date_format_iso(s->to, a));
	for (size_t i = 0; i < NFIELDS; i++)
		p_int(ps, fields[i].name, *(const int *)((const char *)s + fields[i].off));
	for (int i = 0; i < SUMMARY_SERIES; i++) {
		cJSON *part = p_part(ps, "short-of");
		p_str(part, "vaccine", "valueString", summary_series[i].label);
		p_int(part, "count", s->short_of[i]);
	}
	for (int i = 0; i < s->nissues; i++) {
		cJSON *part = p_part(ps, "issue");
		p_str(part, "code", "valueCode", s->issues[i].code);
		p_str(part, "text", "valueString", s->issues[i].text);
		p_int(part, "count", s->issues[i].count);
	}
	for (int i = 0; i < s->nexamples; i++) {
		const struct summary_example *e = &s->examples[i];
		cJSON *part = p_part(ps, "example");
		p_str(part, "code", "valueCode", e->code);
		if (e->immunization[0])
			p_ref(part, "immunization", "Immunization", e->immunization);
		if (e->patient[0])
			p_ref(part, "patient", "Patient", e->patient);
		if (e->date != DATE_NONE)
			p_str(part, "date", "valueDate", date_format_iso(e->date, a));
		if (e->cvx[0])
			p_str(part, "cvx", "valueCode", e->cvx);
	}
	return j;
}

/* ---- reading it back (what vaxdesk receives: checked, never trusted) ---------- */

static const char *get_str(const cJSON *p)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, p)
	{
		if (v->string && !strncmp(v->string, "value", 5) && cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

static bool get_int(const cJSON *p, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "valueInteger");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e9)
		return false;
	*out = (int)v->valuedouble;
	return true;
}

static const char *get_ref(const cJSON *p, const char *type)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(p, "valueReference"), "reference");
	size_t n = strlen(type);
	if (!cJSON_IsString(r) || strncmp(r->valuestring, type, n) || r->valuestring[n] != '/')
		return NULL;
	return r->valuestring + n + 1;
}

static const cJSON *part_named(const cJSON *parts, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, parts)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return p;
	}
	return NULL;
}

static bool read_date(const cJSON *p, vax_date *d)
{
	const char *v = get_str(p);
	return v && date_parse_iso(v, d) == DATE_OK;
}

bool summary_from_json(const cJSON *j, struct summary *s, struct vax_error *err)
{
	memset(s, 0, sizeof *s);
	s->from = s->to = DATE_NONE;
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(j, "resourceType");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "parameter");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Parameters") || !cJSON_IsArray(ps))
		return error_set(err, "SUMMARY-FORMAT",
		                 "The registry's provider summary is not a Parameters resource.");
	const cJSON *p;
	cJSON_ArrayForEach(p, ps)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (!cJSON_IsString(nm))
			return error_set(err, "SUMMARY-FORMAT",
			                 "A parameter of the provider summary has no name.");
		const char *n = nm->valuestring;
		const cJSON *parts = cJSON_GetObjectItemCaseSensitive(p, "part");
		bool ok = true;
		if (!strcmp(n, "organization")) {
			const char *v = get_str(p);
			ok = v != NULL;
			if (ok)
				snprintf(s->org, sizeof s->org, "%s", v);
		} else if (!strcmp(n, "start")) {
			ok = read_date(p, &s->from);
		} else if (!strcmp(n, "end")) {
			ok = read_date(p, &s->to);
		} else if (!strcmp(n, "short-of")) {
			const char *v = get_str(part_named(parts, "vaccine"));
			int cnt = 0;
			ok = v && get_int(part_named(parts, "count"), &cnt);
			for (int i = 0; ok && i < SUMMARY_SERIES; i++)
				if (!strcmp(v, summary_series[i].label))
					s->short_of[i] = cnt;
		} else if (!strcmp(n, "issue")) {
			const char *code = get_str(part_named(parts, "code")),
			           *text = get_str(part_named(parts, "text"));
			int cnt = 0;
			ok = code && text && get_int(part_named(parts, "count"), &cnt);
			if (ok && s->nissues < SUMMARY_MAX_ISSUES) {
				struct summary_issue *is = &s->issues[s->nissues++];
				snprintf(is->code, sizeof is->code, "%s", code);
				snprintf(is->text, sizeof is->text, "%s", text);
				is->count = cnt;
			}
		} else if (!strcmp(n, "example")) {
			const char *code = get_str(part_named(parts, "code"));
			ok = code != NULL;
			if (ok && s->nexamples < SUMMARY_MAX_EXAMPLES) {
				struct summary_example *e = &s->examples[s->nexamples++];
				const char *im = get_ref(part_named(parts, "immunization"), "Immunization");
				const char *pt = get_ref(part_named(parts, "patient"), "Patient");
				const char *cvx = get_str(part_named(parts, "cvx"));
				snprintf(e->code, sizeof e->code, "%s", code);
				snprintf(e->immunization, sizeof e->immunization, "%s", im ? im : "");
				snprintf(e->patient, sizeof e->patient, "%s", pt ? pt : "");
				snprintf(e->cvx, sizeof e->cvx, "%s", cvx ? cvx : "");
				if (!read_date(part_named(parts, "date"), &e->date))
					e->date = DATE_NONE;
			}
		} else {
			for (size_t i = 0; i < NFIELDS; i++)
				if (!strcmp(n, fields[i].name))
					ok = get_int(p, (int *)((char *)s + fields[i].off));
		}
		if (!ok)
			return error_set(err, "SUMMARY-FORMAT",
			                 "The provider summary's '%.40s' is not readable.", n);
	}
	if (s->from == DATE_NONE || s->to == DATE_NONE)
		return error_set(err, "SUMMARY-FORMAT", "The provider summary names no period.");
	return true;
}
