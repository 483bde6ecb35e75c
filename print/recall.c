/* print/recall.c - see recall.h. */
#include "print/recall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "forecast/record.h"
#include "print/history.h"

#define RECALL_CODE(e, code, label) code,
static const char *const codes[] = {RECALL_OUTCOMES(RECALL_CODE)};
#undef RECALL_CODE
#define RECALL_LABEL(e, code, label) label,
static const char *const labels[] = {RECALL_OUTCOMES(RECALL_LABEL)};
#undef RECALL_LABEL

const char *recall_outcome_code(enum recall_outcome o)
{
	return o < RECALL_OUTCOME_COUNT ? codes[o] : "";
}

const char *recall_outcome_label(enum recall_outcome o)
{
	return o < RECALL_OUTCOME_COUNT ? labels[o] : "";
}

int recall_outcome_parse(const char *code)
{
	for (int i = 0; i < RECALL_OUTCOME_COUNT; i++)
		if (code && !strcmp(code, codes[i]))
			return i;
	return -1;
}

bool recall_address_viable(const struct client *c)
{
	if (c->no_viable_address || c->n_addr < 1)
		return false;
	const struct address *a = &c->addr[0];
	return a->line1[0] && a->city[0] && a->state[0] && a->zip[0];
}

bool recall_client_active(const struct client *c)
{
	return c->org_status == ORG_STATUS_ACTIVE && !c->deceased;
}

static bool chosen(const struct recall_criteria *q, int group)
{
	for (size_t i = 0; i < q->ngroups; i++)
		if (q->groups[i] == group)
			return true;
	return false;
}

/* Add the group's next dose when it is due (or overdue, for a recall). */
static void consider(const struct recall_criteria *q, const struct cdsi_data *d,
                     const struct cdsi_group_result *g, bool required, struct recall_result *out)
{
	if (out->ndue >= RECALL_MAX_DUE)
		return;
	vax_date due = g->recommended != DATE_NONE ? g->recommended : g->earliest;
	bool overdue = g->past_due != DATE_NONE && g->past_due <= q->on;
	if (required) {
		/* a school requirement not met: needed now, whatever ACIP's dates */
		if (g->status != CDSI_NOT_COMPLETE || due == DATE_NONE || due > q->on)
			due = q->on;
		overdue = true;
	} else if (g->status != CDSI_NOT_COMPLETE || due == DATE_NONE || due > q->on) {
		return;
	}
	if (q->overdue_only && !overdue)
		return;
	struct recall_due *r = &out->due[out->ndue++];
	r->group = g->group;
	snprintf(r->vaccine, sizeof r->vaccine, "%s", history_group_label(d, g->group));
	r->dose_number = g->dose_number;
	r->due = due;
	r->past_due = g->past_due;
	r->overdue = overdue;
}

enum recall_outcome recall_exclusion(const struct recall_criteria *q, const struct client *c)
{
	if (c->dob == DATE_NONE)
		return RECALL_NO_DOB;
	int age = date_age_months(c->dob, q->on);
	if (c->dob > q->on || (q->age_min_months >= 0 && age < q->age_min_months) ||
	    (q->age_max_months >= 0 && age > q->age_max_months))
		return RECALL_OUT_OF_AGE;
	if (!recall_client_active(c))
		return RECALL_INACTIVE;
	if (!c->reminder_recall)
		return RECALL_OPTED_OUT;
	if (!recall_address_viable(c))
		return RECALL_NO_ADDRESS;
	return RECALL_SELECTED;
}

bool recall_check(const struct recall_criteria *q, const struct cdsi_data *d, const struct school_reqs *tx,
                  const struct client *c, const struct immunization *imms, size_t n,
                  struct recall_result *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	out->outcome = recall_exclusion(q, c);
	if (out->outcome != RECALL_SELECTED)
		return true;
	struct cdsi_dose *doses = xcalloc(n + 1, sizeof *doses);
	size_t nd = history_cdsi_doses(imms, n, doses, NULL);
	struct cdsi_patient p = {
	    .dob = c->dob, .gender = history_gender(c->sex), .doses = doses, .ndoses = nd};
	bool school = q->mode == RECALL_DUE && tx && text_ieq(c->tracking_schedule, "TX-SCHOOL");
	bool ok = true;
	if (school) {
		struct school_report rep;
		struct cdsi_result res;
		int grade = forecast_school_grade(c->dob, q->on);
		ok = school_check(tx, d, &p, grade, q->on, &rep, err) &&
		     cdsi_evaluate(d, &p, q->on, -1, &res, err);
		if (ok) {
			for (size_t i = 0; i < rep.nitems; i++) {
				const struct school_item *it = &rep.items[i];
				const struct cdsi_group_result *g = cdsi_result_group(&res, it->group);
				if (it->status == SCHOOL_NOT_MET && g)
					consider(q, d, g, true, out);
			}
			cdsi_result_free(&res);
			school_report_free(&rep);
		}
	} else {
		struct cdsi_result res;
		ok = cdsi_evaluate(d, &p, q->on, -1, &res, err);
		if (ok) {
			for (size_t i = 0; i < res.ngroups; i++)
				if (q->mode == RECALL_DUE || chosen(q, res.groups[i].group))
					consider(q, d, &res.groups[i], false, out);
			cdsi_result_free(&res);
		}
	}
	free(doses);
	if (!ok)
		return false;
	out->outcome = out->ndue > 0 ? RECALL_SELECTED : RECALL_NOT_DUE;
	return true;
}

/* ---- Parameters on the wire ---------------------------------------------------- */

#define RECALL_PAGE_MAX 500

static cJSON *param(cJSON *list, const char *name)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToArray(list, p);
	return p;
}

static void p_int(cJSON *list, const char *name, int v)
{
	cJSON_AddNumberToObject(param(list, name), "valueInteger", v);
}

static void p_date(cJSON *list, const char *name, vax_date d)
{
	char iso[DATE_ISO_LEN];
	if (d != DATE_NONE)
		cJSON_AddStringToObject(param(list, name), "valueDate", date_format_iso(d, iso));
}

static cJSON *parameters(void)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Parameters");
	cJSON_AddArrayToObject(j, "parameter");
	return j;
}

cJSON *recall_page_begin(int total, int offset, int count, vax_date on)
{
	cJSON *j = parameters(), *ps = cJSON_GetObjectItemCaseSensitive(j, "parameter");
	p_int(ps, "total", total);
	p_int(ps, "offset", offset);
	p_int(ps, "count", count);
	p_date(ps, "date", on);
	return j;
}

void recall_page_add(cJSON *page, const cJSON *patient, const struct recall_result *r)
{
	cJSON *ps = cJSON_GetObjectItemCaseSensitive(page, "parameter");
	cJSON *parts = cJSON_AddArrayToObject(param(ps, "notice"), "part");
	cJSON_AddItemToObject(param(parts, "patient"), "resource", cJSON_Duplicate(patient, true));
	for (int i = 0; i < r->ndue; i++) {
		const struct recall_due *d = &r->due[i];
		cJSON *dp = cJSON_AddArrayToObject(param(parts, "due"), "part");
		cJSON_AddStringToObject(param(dp, "vaccine"), "valueString", d->vaccine);
		if (d->dose_number > 0)
			p_int(dp, "dose", d->dose_number);
		p_date(dp, "due", d->due);
		p_date(dp, "pastDue", d->past_due);
		cJSON_AddBoolToObject(param(dp, "overdue"), "valueBoolean", d->overdue);
	}
}

void recall_page_end(cJSON *page, const int outcomes[RECALL_OUTCOME_COUNT])
{
	cJSON *ps = cJSON_GetObjectItemCaseSensitive(page, "parameter");
	for (int i = 0; i < RECALL_OUTCOME_COUNT; i++) {
		cJSON *parts = cJSON_AddArrayToObject(param(ps, "outcome"), "part");
		cJSON_AddStringToObject(param(parts, "code"), "valueCode", codes[i]);
		p_int(parts, "count", outcomes[i]);
	}
}

static const cJSON *named(const cJSON *list, const char *name, const cJSON *after)
{
	const cJSON *p = after ? after->next : list ? list->child : NULL;
	for (; p; p = p->next) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return p;
	}
	return NULL;
}

/* value[x] of a parameter as a string, an integer, a date, a boolean;
 * each false when present but not of that kind. */
static const char *v_str(const cJSON *p)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, p)
	{
		if (v->string && !strncmp(v->string, "value", 5))
			return cJSON_IsString(v) && text_utf8_valid(v->valuestring) ? v->valuestring : NULL;
	}
	return NULL;
}

static bool v_int(const cJSON *p, int lo, int hi, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "valueInteger");
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (int)v->valuedouble)
		return false;
	*out = (int)v->valuedouble;
	return true;
}

static bool v_date(const cJSON *p, vax_date *out)
{
	const char *s = v_str(p);
	return s && date_parse_iso(s, out) == DATE_OK;
}

static bool v_bool(const cJSON *p, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "valueBoolean");
	if (!cJSON_IsBool(v))
		return false;
	*out = cJSON_IsTrue(v);
	return true;
}

static bool is_parameters(const cJSON *j, const cJSON **ps)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(j, "resourceType");
	*ps = cJSON_GetObjectItemCaseSensitive(j, "parameter");
	return cJSON_IsString(rt) && !strcmp(rt->valuestring, "Parameters") && cJSON_IsArray(*ps);
}

cJSON *recall_criteria_to_json(const struct recall_criteria *q, const struct cdsi_data *d, int offset,
                               int count)
{
	cJSON *j = parameters(), *ps = cJSON_GetObjectItemCaseSensitive(j, "parameter");
	cJSON_AddStringToObject(param(ps, "mode"), "valueCode",
	                        q->mode == RECALL_VACCINES ? "vaccines" : "due");
	for (size_t i = 0; i < q->ngroups; i++)
		cJSON_AddStringToObject(param(ps, "vaccine"), "valueString",
		                        cdsi_group_name(d, (size_t)q->groups[i]));
	if (q->age_min_months >= 0)
		p_int(ps, "age-min", q->age_min_months);
	if (q->age_max_months >= 0)
		p_int(ps, "age-max", q->age_max_months);
	p_date(ps, "date", q->on);
	cJSON_AddBoolToObject(param(ps, "overdue"), "valueBoolean", q->overdue_only);
	p_int(ps, "offset", offset);
	p_int(ps, "count", count);
	return j;
}

static bool bad_param(struct vax_error *err, const char *name, const char *why)
{
	return error_set(err, "RECALL-PARAM", "%s: %s", name, why);
}

bool recall_criteria_from_json(const cJSON *j, const struct cdsi_data *d, vax_date today,
                               struct recall_criteria *q, int *offset, int *count, struct vax_error *err)
{
	memset(q, 0, sizeof *q);
	q->age_min_months = q->age_max_months = -1;
	q->on = today;
	*offset = 0;
	*count = 200;
	const cJSON *ps, *p;
	if (!is_parameters(j, &ps))
		return error_set(err, "RECALL-PARAM", "The request must be a Parameters resource.");
	if ((p = named(ps, "mode", NULL))) {
		const char *m = v_str(p);
		if (m && !strcmp(m, "vaccines"))
			q->mode = RECALL_VACCINES;
		else if (!m || strcmp(m, "due"))
			return bad_param(err, "mode",
			                 "give due (anything due by the tracking schedule) or vaccines.");
	}
	for (p = named(ps, "vaccine", NULL); p; p = named(ps, "vaccine", p)) {
		const char *g = v_str(p);
		int gi = g ? cdsi_group_find(d, g) : -1;
		if (gi < 0)
			return bad_param(err, "vaccine",
			                 "not a vaccine group (MMR, HepB, DTaP/Tdap/Td, ...).");
		if (q->ngroups == RECALL_MAX_GROUPS)
			return bad_param(err, "vaccine", "too many vaccine groups.");
		q->groups[q->ngroups++] = gi;
	}
	if (q->mode == RECALL_VACCINES && q->ngroups == 0)
		return bad_param(err, "vaccine", "choose at least one vaccine group.");
	if ((p = named(ps, "age-min", NULL)) && !v_int(p, 0, 1500, &q->age_min_months))
		return bad_param(err, "age-min", "an age in whole months, 0 to 1500.");
	if ((p = named(ps, "age-max", NULL)) && !v_int(p, 0, 1500, &q->age_max_months))
		return bad_param(err, "age-max", "an age in whole months, 0 to 1500.");
	if (q->age_min_months >= 0 && q->age_max_months >= 0 && q->age_min_months > q->age_max_months)
		return bad_param(err, "age-min", "the youngest age is above the oldest.");
	if ((p = named(ps, "date", NULL)) && !v_date(p, &q->on))
		return bad_param(err, "date", "give the day as YYYY-MM-DD.");
	if ((p = named(ps, "overdue", NULL)) && !v_bool(p, &q->overdue_only))
		return bad_param(err, "overdue", "true or false.");
	if ((p = named(ps, "offset", NULL)) && !v_int(p, 0, 100000000, offset))
		return bad_param(err, "offset", "a whole number from 0.");
	if ((p = named(ps, "count", NULL)) && !v_int(p, 1, RECALL_PAGE_MAX, count))
		return bad_param(err, "count", "1 to 500 clients per request.");
	return true;
}

void recall_page_free(struct recall_page *p)
{
	free(p->notices);
	memset(p, 0, sizeof *p);
}

static bool page_bad(struct recall_page *p, struct vax_error *err, const char *what)
{
	recall_page_free(p);
	return error_set(err, "RECALL-FORMAT", "The registry's recall answer is not readable: %s.", what);
}

/* A vaccine due as the answer carries it: by its label (the group index is
 * the registry's own and is not sent). */
static bool read_due(const cJSON *parts, struct recall_due *r)
{
	memset(r, 0, sizeof *r);
	r->group = -1;
	r->due = r->past_due = DATE_NONE;
	const char *v = v_str(named(parts, "vaccine", NULL));
	if (!v)
		return false;
	snprintf(r->vaccine, sizeof r->vaccine, "%s", v);
	const cJSON *p;
	if ((p = named(parts, "dose", NULL)) && !v_int(p, 0, 100, &r->dose_number))
		return false;
	if (!v_date(named(parts, "due", NULL), &r->due))
		return false;
	if ((p = named(parts, "pastDue", NULL)) && !v_date(p, &r->past_due))
		return false;
	if ((p = named(parts, "overdue", NULL)) && !v_bool(p, &r->overdue))
		return false;
	return true;
}

bool recall_page_from_json(const cJSON *j, struct recall_page *pg, struct vax_error *err)
{
	memset(pg, 0, sizeof *pg);
	const cJSON *ps, *p;
	if (!is_parameters(j, &ps))
		return page_bad(pg, err, "not a Parameters resource");
	if (!v_int(named(ps, "total", NULL), 0, 100000000, &pg->total) ||
	    !v_int(named(ps, "offset", NULL), 0, 100000000, &pg->offset) ||
	    !v_int(named(ps, "count", NULL), 0, 100000, &pg->count))
		return page_bad(pg, err, "no total, offset or count");
	size_t n = 0;
	for (p = named(ps, "notice", NULL); p; p = named(ps, "notice", p))
		n++;
	pg->notices = calloc(n + 1, sizeof *pg->notices);
	if (!pg->notices)
		abort();
	for (p = named(ps, "notice", NULL); p; p = named(ps, "notice", p)) {
		const cJSON *parts = cJSON_GetObjectItemCaseSensitive(p, "part");
		const cJSON *pat =
		    cJSON_GetObjectItemCaseSensitive(named(parts, "patient", NULL), "resource");
		struct recall_notice *nt = &pg->notices[pg->nnotices];
		if (!pat || !fhir_patient_from_json(pat, &nt->client, NULL))
			return page_bad(pg, err, "a notice without a readable Patient");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(pat, "id");
		if (!cJSON_IsString(id) || !id->valuestring[0])
			return page_bad(pg, err, "a notice's Patient has no id");
		for (const cJSON *dp = named(parts, "due", NULL); dp; dp = named(parts, "due", dp)) {
			if (nt->ndue == RECALL_MAX_DUE)
				break;
			if (!read_due(cJSON_GetObjectItemCaseSensitive(dp, "part"), &nt->due[nt->ndue]))
				return page_bad(pg, err, "a vaccine due without its vaccine or date");
			nt->ndue++;
		}
		pg->nnotices++;
	}
	for (p = named(ps, "outcome", NULL); p; p = named(ps, "outcome", p)) {
		const cJSON *parts = cJSON_GetObjectItemCaseSensitive(p, "part");
		int o = recall_outcome_parse(v_str(named(parts, "code", NULL))), c;
		if (o < 0 || !v_int(named(parts, "count", NULL), 0, 100000, &c))
			return page_bad(pg, err, "an outcome without its code or count");
		pg->outcomes[o] = c;
	}
	return true;
}
