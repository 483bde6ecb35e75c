/* registry/op_school.c - GET|POST /Group/{id}/$school-compliance: every
 * student of a school list against the school requirements
 * (forecast/school.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/immunization.h"
#include "forecast/school.h"
#include "registry/routes_int.h"

/* ---- Group/{id}/$school-compliance ------------------------------------------------------ */

/* One student's doses for CDSi: given ones only (refusals and records
 * entered in error are not doses). Returns the count, or -1 on a store
 * error. *doses is malloc'd. */
static int student_doses(struct ctx *x, const char *pid, struct cdsi_dose **doses)
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	int n = 0, cap = 0, offset = 0;
	*doses = NULL;
	for (;;) {
		struct store_query q = {.type = "Immunization", .n = 1, .offset = offset, .count = 100};
		q.cond[0] = (struct store_cond){.kind = SC_TERM, .key = "patient", .value = ref};
		struct store_res r[100];
		char ids[100][65];
		long total = 0;
		int got = store_search(reg_store(x->a), &q, r, ids, &total, NULL);
		if (got < 0)
			return -1;
		for (int i = 0; i < got; i++) {
			cJSON *j = cJSON_Parse(r[i].json);
			store_res_free(&r[i]);
			struct immunization *im = calloc(1, sizeof *im);
			if (!im)
				abort();
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
			bool given = cJSON_IsString(st) && !strcmp(st->valuestring, "completed");
			if (j && given && fhir_immunization_from_json(j, im, NULL) && !im->refused &&
			    !im->entered_in_error && im->date_given != DATE_NONE && atoi(im->cvx) > 0) {
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					*doses = realloc(*doses, (size_t)cap * sizeof **doses);
					if (!*doses)
						abort();
				}
				struct cdsi_dose *d = &(*doses)[n++];
				memset(d, 0, sizeof *d);
				d->date = im->date_given;
				d->cvx = atoi(im->cvx);
				snprintf(d->mvx, sizeof d->mvx, "%s", im->mvx);
				d->lot_expiration = im->expiration;
				d->substandard = im->subpotent; /* never counted valid */
			}
			free(im);
			cJSON_Delete(j);
		}
		offset += got;
		if (got < 100 || offset >= total || offset >= 2000)
			break;
	}
	return n;
}

/* Check one student; the answer's entry for them (never NULL). */
static cJSON *student_compliance(struct ctx *x, const char *pid, int grade, vax_date on, bool *compliant)
{
	cJSON *o = cJSON_CreateObject();
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	cJSON_AddStringToObject(o, "patient", ref);
	*compliant = false;
	struct store_res r;
	struct vax_error err = {0};
	int found = store_read(reg_store(x->a), "Patient", pid, 0, &r, &err);
	cJSON *j = found > 0 && !r.deleted ? cJSON_Parse(r.json) : NULL;
	store_res_free(&r);
	char merged[96];
	if (j && fhir_patient_retired(j, merged, sizeof merged)) {
		/* a record no longer in use is not checked: the list should name the one in use */
		char msg[200];
		snprintf(msg, sizeof msg,
		         merged[0] ? "This record was merged into %s: put that one on the list."
		                   : "This record is no longer in use (inactive)%s.",
		         merged);
		cJSON_Delete(j);
		cJSON_AddStringToObject(o, "error", msg);
		return o;
	}
	struct client c;
	if (!j || !fhir_patient_from_json(j, &c, NULL) || c.dob == DATE_NONE) {
		cJSON_Delete(j);
		cJSON_AddStringToObject(o, "error",
		                        found < 0
		                            ? "The registry could not read this student."
		                            : "This student is not in the registry or has no date of birth.");
		return o;
	}
	cJSON_Delete(j);
	reg_audit(x, "school-compliance", "Patient", pid);
	struct cdsi_dose *doses = NULL;
	int nd = student_doses(x, pid, &doses);
	if (nd < 0) {
		free(doses);
		cJSON_AddStringToObject(o, "error",
		                        "The registry could not read this student's immunizations.");
		return o;
	}
	struct cdsi_patient p = {.dob = c.dob,
	                         .gender = c.sex == SEX_FEMALE ? 'F'
	                                   : c.sex == SEX_MALE ? 'M'
	                                                       : 'U',
	                         .doses = doses,
	                         .ndoses = (size_t)nd};
	struct school_report rep = {0};
	if (!school_check(reg_cfg(x->a)->school, reg_cfg(x->a)->cdsi, &p, grade, on, &rep, &err)) {
		free(doses);
		cJSON_AddStringToObject(o, "error", err.message);
		return o;
	}
	free(doses);
	*compliant = rep.compliant;
	cJSON_AddBoolToObject(o, "compliant", rep.compliant);
	cJSON *reqs = cJSON_AddArrayToObject(o, "requirements");
	for (size_t i = 0; i < rep.nitems; i++) {
		const struct school_item *it = &rep.items[i];
		static const char *const status[] = {[SCHOOL_MET] = "met",
		                                     [SCHOOL_NOT_MET] = "not-met",
		                                     [SCHOOL_DUE] = "due",
		                                     [SCHOOL_EXEMPT] = "not-required"};
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "vaccine", it->label);
		cJSON_AddStringToObject(q, "status", status[it->status]);
		if (it->status == SCHOOL_DUE && it->due != DATE_NONE) {
			char iso[DATE_ISO_LEN];
			cJSON_AddStringToObject(q, "due", date_format_iso(it->due, iso));
		}
		cJSON_AddNumberToObject(q, "validDoses", it->valid_doses);
		cJSON_AddItemToArray(reqs, q);
	}
	school_report_free(&rep);
	return o;
}

/* Every student of a school list against the school requirements, for the
 * school (or the clinic) that keeps the list: a Parameters resource, see
 * doc/extensions.md. */
/* A POSTed Parameters' value[x] string for name, else the query's. */
static const char *op_param(struct ctx *x, const cJSON *body, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(body, "parameter"))
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (!cJSON_IsString(nm) || strcmp(nm->valuestring, name))
			continue;
		const cJSON *v;
		cJSON_ArrayForEach(v, p)
		{
			if (v->string && !strncmp(v->string, "value", 5) && cJSON_IsString(v))
				return v->valuestring;
		}
	}
	return reg_param(x->rq, name);
}

void reg_op_school(struct ctx *x)
{
	const char *gid = x->id;
	const cJSON *body = x->body;
	if (strcmp(x->ss.role, "school") && strcmp(x->ss.role, "provider")) {
		char msg[200];
		snprintf(msg, sizeof msg, "Your role (%s) may not run school compliance reports.",
		         x->ss.role);
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
		return;
	}
	if (!reg_cfg(x->a)->school || !reg_cfg(x->a)->cdsi) {
		reg_reply_oo(
		    x->rs, 501, "not-supported", "SCHOOL-NODATA",
		    "This registry has no school requirements loaded, so it cannot check compliance.", NULL);
		return;
	}
	const char *gs = op_param(x, body, "grade");
	int grade = gs ? school_grade_parse(gs) : SCHOOL_GRADE_BAD;
	if (grade == SCHOOL_GRADE_BAD) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "grade: give PK, K or 1 to 12.", "grade");
		return;
	}
	const char *ds = op_param(x, body, "date");
	vax_date on = reg_today(x->rq);
	if (ds && date_parse_iso(ds, &on) != DATE_OK) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "date: give the day as YYYY-MM-DD.",
		             "date");
		return;
	}
	struct store_res g;
	if (!reg_load(x, "Group", gid, 0, &g))
		return; /* 404 also for another organization's list */
	cJSON *group = cJSON_Parse(g.json);
	store_res_free(&g);
	cJSON *out = cJSON_CreateObject();
	char buf[96];
	snprintf(buf, sizeof buf, "Group/%.64s", gid);
	cJSON_AddStringToObject(out, "group", buf);
	cJSON_AddStringToObject(out, "grade", gs);
	cJSON_AddStringToObject(out, "date", date_format_iso(on, buf));
	cJSON *students = cJSON_AddArrayToObject(out, "students");
	int total = 0, compliant = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(group, "member"))
	{
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m, "entity"), "reference");
		if (!cJSON_IsString(ref) || strncmp(ref->valuestring, "Patient/", 8) ||
		    !reg_valid_id(ref->valuestring + 8))
			continue;
		bool ok;
		cJSON_AddItemToArray(students, student_compliance(x, ref->valuestring + 8, grade, on, &ok));
		total++;
		compliant += ok;
	}
	cJSON_Delete(group);
	cJSON_AddNumberToObject(out, "total", total);
	cJSON_AddNumberToObject(out, "compliant", compliant);
	/* a FHIR operation answers FHIR: the report as a Parameters resource
	 * (OperationDefinition/Group-school-compliance, doc/extensions.md) */
	reg_reply_json(x->rs, 200, fhir_parameters_from_tree(out), CT_FHIR);
	cJSON_Delete(out);
}
