/* forecast/cdsi_cases.c - see cdsi_cases.h */
#include "forecast/cdsi_cases.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

static bool get_str(const cJSON *o, const char *key, bool required, char *buf, size_t len,
                    struct vax_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	buf[0] = '\0';
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return error_set(err, "CASE-FIELD", "field \"%s\" is missing", key);
		return true;
	}
	if (cJSON_IsNumber(v)) {
		snprintf(buf, len, "%d", v->valueint);
		return true;
	}
	if (!cJSON_IsString(v))
		return error_set(err, "CASE-FIELD", "field \"%s\" must be a string", key);
	if (strlen(v->valuestring) >= len)
		return error_set(err, "CASE-FIELD", "field \"%s\" is too long", key);
	snprintf(buf, len, "%s", v->valuestring);
	return true;
}

static bool get_date(const cJSON *o, const char *key, bool required, vax_date *out, struct vax_error *err)
{
	char buf[32];
	if (!get_str(o, key, required, buf, sizeof buf, err))
		return false;
	*out = DATE_NONE;
	if (!buf[0]) {
		if (required)
			return error_set(err, "CASE-FIELD", "field \"%s\" is empty", key);
		return true;
	}
	enum date_status st = date_parse_iso(buf, out);
	if (st != DATE_OK)
		return error_set(err, "CASE-DATE", "field \"%s\": \"%s\" is not a YYYY-MM-DD date (%s)", key,
		                 buf, date_strerror(st));
	return true;
}

bool cdsi_case_parse(const char *line, struct cdsi_case *c, struct vax_error *err)
{
	memset(c, 0, sizeof *c);
	cJSON *root = cJSON_Parse(line);
	if (!root)
		return error_set(err, "CASE-JSON", "not valid JSON");
	bool ok = false;
	char buf[64];
	if (!cJSON_IsObject(root)) {
		error_set(err, "CASE-JSON", "a test case must be a JSON object");
		goto out;
	}
	if (!get_str(root, "id", true, c->id, sizeof c->id, err) ||
	    !get_str(root, "vaccine_group", true, c->group_label, sizeof c->group_label, err) ||
	    !get_date(root, "dob", true, &c->patient.dob, err) ||
	    !get_date(root, "assessment_date", true, &c->assessment, err))
		goto out;
	if (!get_str(root, "gender", false, buf, sizeof buf, err))
		goto out;
	c->patient.gender = buf[0] == 'F' || buf[0] == 'f' ? 'F' : buf[0] == 'M' || buf[0] == 'm' ? 'M' : 'U';

	const cJSON *doses = cJSON_GetObjectItemCaseSensitive(root, "doses");
	if (!cJSON_IsArray(doses)) {
		error_set(err, "CASE-FIELD", "field \"doses\" must be an array");
		goto out;
	}
	if (cJSON_GetArraySize(doses) > CDSI_CASE_MAX_DOSES) {
		error_set(err, "CASE-FIELD", "more than %d doses", CDSI_CASE_MAX_DOSES);
		goto out;
	}
	const cJSON *d;
	size_t n = 0;
	cJSON_ArrayForEach(d, doses)
	{
		struct cdsi_dose *dose = &c->doses[n];
		char cvx[16], *end;
		if (!cJSON_IsObject(d)) {
			error_set(err, "CASE-FIELD", "dose %zu is not an object", n + 1);
			goto out;
		}
		if (!get_date(d, "date", true, &dose->date, err) ||
		    !get_str(d, "cvx", true, cvx, sizeof cvx, err) ||
		    !get_str(d, "mvx", false, dose->mvx, sizeof dose->mvx, err) ||
		    !get_str(d, "expected_status", false, c->expect[n].expected_status,
		             sizeof c->expect[n].expected_status, err) ||
		    !get_str(d, "expected_reason", false, c->expect[n].expected_reason,
		             sizeof c->expect[n].expected_reason, err)) {
			char inner[VAX_ERROR_MSG_LEN];
			snprintf(inner, sizeof inner, "%s", err ? err->message : "");
			error_set(err, "CASE-FIELD", "dose %zu: %s", n + 1, inner);
			goto out;
		}
		long v = strtol(cvx, &end, 10);
		if (!cvx[0] || *end || v < 0 || v > 9999) {
			error_set(err, "CASE-FIELD", "dose %zu: cvx \"%s\" is not a CVX code", n + 1, cvx);
			goto out;
		}
		dose->cvx = (int)v;
		dose->lot_expiration = DATE_NONE;
		n++;
	}
	c->patient.doses = c->doses;
	c->patient.ndoses = n;

	const cJSON *obs = cJSON_GetObjectItemCaseSensitive(root, "observations");
	n = 0;
	if (obs && !cJSON_IsArray(obs)) {
		error_set(err, "CASE-FIELD", "field \"observations\" must be an array");
		goto out;
	}
	cJSON_ArrayForEach(d, obs)
	{
		if (n == CDSI_CASE_MAX_OBS) {
			error_set(err, "CASE-FIELD", "more than %d observations", CDSI_CASE_MAX_OBS);
			goto out;
		}
		struct cdsi_observation_in *o = &c->obs[n];
		if (!cJSON_IsObject(d) || !get_str(d, "code", true, o->code, sizeof o->code, err) ||
		    !get_date(d, "date", false, &o->begin, err)) {
			char inner[VAX_ERROR_MSG_LEN];
			snprintf(inner, sizeof inner, "%s",
			         err && err->message[0] ? err->message : "not an object");
			error_set(err, "CASE-FIELD", "observation %zu: %s", n + 1, inner);
			goto out;
		}
		o->end = DATE_NONE;
		if (o->code[0])
			n++;
	}
	c->patient.observations = c->obs;
	c->patient.nobservations = n;

	const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "expected_forecast");
	if (!cJSON_IsObject(f)) {
		error_set(err, "CASE-FIELD", "field \"expected_forecast\" must be an object");
		goto out;
	}
	if (!get_str(f, "series_status", true, c->series_status, sizeof c->series_status, err) ||
	    !get_str(f, "forecast_num", false, buf, sizeof buf, err) ||
	    !get_date(f, "earliest", false, &c->earliest, err) ||
	    !get_date(f, "recommended", false, &c->recommended, err) ||
	    !get_date(f, "past_due", false, &c->past_due, err)) {
		char inner[VAX_ERROR_MSG_LEN];
		snprintf(inner, sizeof inner, "%s", err ? err->message : "");
		error_set(err, "CASE-FIELD", "expected_forecast: %s", inner);
		goto out;
	}
	char *end;
	c->forecast_num = buf[0] ? (int)strtol(buf, &end, 10) : 0;
	if (buf[0] && *end) {
		error_set(err, "CASE-FIELD", "expected_forecast: forecast_num \"%s\" is not a number", buf);
		goto out;
	}
	ok = true;
out:
	cJSON_Delete(root);
	return ok;
}

int cdsi_case_group(const struct cdsi_data *d, const char *label)
{
	/* the test files' short labels; CDC names are matched as they are */
	static const char *const alias[][2] = {
	    {"DTAP", "DTaP/Tdap/Td"}, {"POL", "Polio"},         {"IPOL", "Polio"},
	    {"HIB", "Hib"},           {"PCV", "Pneumococcal"},  {"VAR", "Varicella"},
	    {"ROTA", "Rotavirus"},    {"MCV", "Meningococcal"}, {"MENB", "Meningococcal B"},
	    {"FLU", "Influenza"},     {"ZOSTER", "Zoster"},
	};
	int g = cdsi_group_find(d, label);
	if (g >= 0)
		return g;
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (strcasecmp(label, alias[i][0]) == 0)
			return cdsi_group_find(d, alias[i][1]);
	return -1;
}

/* Letters and digits only, lower case: "Interval: too Soon" == "Interval too soon". */
static void squash(const char *s, char *out, size_t len)
{
	size_t k = 0;
	for (; *s && k + 1 < len; s++)
		if (isalnum((unsigned char)*s))
			out[k++] = (char)tolower((unsigned char)*s);
	out[k] = '\0';
}

static bool same_words(const char *a, const char *b)
{
	char x[96], y[96];
	squash(a, x, sizeof x);
	squash(b, y, sizeof y);
	return strcmp(x, y) == 0;
}

static void date_diff(FILE *diff, bool *ok, const char *what, vax_date want, vax_date got)
{
	if (want == got)
		return;
	*ok = false;
	if (diff) {
		char a[DATE_ISO_LEN], b[DATE_ISO_LEN];
		fprintf(diff, "    %s: expected %s, got %s\n", what,
		        want == DATE_NONE ? "(none)" : date_format_iso(want, a),
		        got == DATE_NONE ? "(none)" : date_format_iso(got, b));
	}
}

struct cdsi_case_outcome cdsi_case_check(const struct cdsi_case *c, const struct cdsi_result *all,
                                         const struct cdsi_group_result *r, FILE *diff)
{
	struct cdsi_case_outcome o = {true, true};
	for (size_t i = 0; i < c->patient.ndoses; i++) {
		const struct cdsi_case_dose *x = &c->expect[i];
		enum cdsi_eval_status st = CDSI_EVAL_NONE;
		enum cdsi_eval_reason rs = CDSI_REASON_NONE;
		unsigned mask = 0;
		for (size_t k = 0; r && k < r->nevals; k++)
			if (r->evals[k].dose == i) {
				st = r->evals[k].status;
				rs = r->evals[k].reason;
				mask = r->evals[k].reasons;
			}
		/* a dose outside the case's group (varicella in an MMR case) is
		 * judged in the group it belongs to */
		for (size_t g = 0; st == CDSI_EVAL_NONE && all && g < all->ngroups; g++)
			for (size_t k = 0; k < all->groups[g].nevals; k++)
				if (all->groups[g].evals[k].dose == i && all->groups[g].evals[k].status) {
					st = all->groups[g].evals[k].status;
					rs = all->groups[g].evals[k].reason;
					mask = all->groups[g].evals[k].reasons;
				}
		if (!x->expected_status[0])
			continue;
		bool same = same_words(x->expected_status, cdsi_eval_status_name(st));
		if (same && x->expected_reason[0]) {
			/* the expected reason must be one the engine found */
			bool found = same_words(x->expected_reason, cdsi_eval_reason_text(rs));
			for (int k = 1; k < 32 && !found; k++)
				if (mask & (1u << k))
					found = same_words(x->expected_reason,
					                   cdsi_eval_reason_text((enum cdsi_eval_reason)k));
			same = found;
		}
		if (!same) {
			o.eval_ok = false;
			if (diff)
				fprintf(diff, "    dose %zu (cvx %d): expected %s%s%s, got %s%s%s\n", i + 1,
				        c->doses[i].cvx, x->expected_status,
				        x->expected_reason[0] ? " / " : "", x->expected_reason,
				        st ? cdsi_eval_status_name(st) : "(not evaluated)", rs ? " / " : "",
				        cdsi_eval_reason_text(rs));
		}
	}
	const char *got_status = r ? cdsi_series_status_name(r->status) : "(no result)";
	if (!same_words(c->series_status, got_status)) {
		o.forecast_ok = false;
		if (diff)
			fprintf(diff, "    series status: expected %s, got %s\n", c->series_status,
			        got_status);
	}
	int num = r ? r->dose_number : 0;
	if (num != c->forecast_num) {
		o.forecast_ok = false;
		if (diff)
			fprintf(diff, "    forecast dose: expected %d, got %d\n", c->forecast_num, num);
	}
	date_diff(diff, &o.forecast_ok, "earliest", c->earliest, r ? r->earliest : DATE_NONE);
	date_diff(diff, &o.forecast_ok, "recommended", c->recommended, r ? r->recommended : DATE_NONE);
	date_diff(diff, &o.forecast_ok, "past due", c->past_due, r ? r->past_due : DATE_NONE);
	return o;
}
