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

/* One student's doses for CDSi: given ones only (refusals, doses not given
 * and records entered in error are not doses; a subpotent one is never
 * counted valid), read in one walk of the store. */
struct doses {
	struct cdsi_dose *d;
	size_t n, cap;
};

static bool add_dose(void *u, const char *id, const struct store_res *r, int64_t created)
{
	(void)id, (void)created;
	struct doses *ds = u;
	cJSON *j = r->json ? cJSON_Parse(r->json) : NULL;
	struct immunization im;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	bool given = cJSON_IsString(st) && !strcmp(st->valuestring, "completed");
	if (j && given && fhir_immunization_from_json(j, &im, NULL) && !im.refused && !im.entered_in_error &&
	    im.date_given != DATE_NONE && atoi(im.cvx) > 0) {
		if (ds->n == ds->cap) {
			ds->cap = ds->cap ? ds->cap * 2 : 32;
			ds->d = realloc(ds->d, ds->cap * sizeof *ds->d);
			if (!ds->d)
				abort();
		}
		struct cdsi_dose *d = &ds->d[ds->n++];
		memset(d, 0, sizeof *d);
		d->date = im.date_given;
		d->cvx = atoi(im.cvx);
		snprintf(d->mvx, sizeof d->mvx, "%s", im.mvx);
		d->lot_expiration = im.expiration;
		d->substandard = im.subpotent; /* never counted valid */
	}
	cJSON_Delete(j);
	return true;
}

/* Returns the count, or -1 on a store error. *doses is malloc'd. */
static int student_doses(struct ctx *x, const char *pid, struct cdsi_dose **doses)
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	struct store_query q = {.type = "Immunization", .n = 1};
	q.cond[0] = (struct store_cond){.kind = SC_TERM, .key = "patient", .value = ref};
	struct doses ds = {0};
	bool ok = store_walk(reg_store(x->a), &q, add_dose, &ds, NULL);
	*doses = ds.d;
	return ok ? (int)ds.n : -1;
}

/* The students read, audited together when the report is done: one audit
 * transaction for the list rather than a commit (and a disk sync) each. */
struct audited {
	char (*ids)[65];
	int n, cap;
};

static void audit_add(struct audited *a, const char *pid)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->ids = realloc(a->ids, (size_t)a->cap * sizeof *a->ids);
		if (!a->ids)
			abort();
	}
	snprintf(a->ids[a->n++], sizeof a->ids[0], "%.64s", pid);
}

/* Check one student; the answer's entry for them (never NULL). */
static cJSON *student_compliance(struct ctx *x, const char *pid, int grade, vax_date on, bool *compliant,
                                 struct audited *aud)
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
	/* the list's keeper sees who each line is, to act on it */
	char name[2 * VAX_NAME_LEN + 2], iso[DATE_ISO_LEN];
	snprintf(name, sizeof name, "%s, %s", c.name.family, c.name.given);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "birthDate", date_format_iso(c.dob, iso));
	audit_add(aud, pid);
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
		if (it->status == SCHOOL_DUE && it->due != DATE_NONE)
			cJSON_AddStringToObject(q, "due", date_format_iso(it->due, iso));
		cJSON_AddNumberToObject(q, "validDoses", it->valid_doses);
		if (it->status == SCHOOL_DUE || it->status == SCHOOL_NOT_MET) {
			cJSON_AddNumberToObject(q, "dose", it->dose);
			cJSON_AddStringToObject(q, "earliest", date_format_iso(it->earliest, iso));
		}
		cJSON_AddItemToArray(reqs, q);
	}
	school_report_free(&rep);
	return o;
}

/* Every student of a school list against the school requirements, for the
 * school (or the clinic) that keeps the list: a Parameters resource, see
 * doc/extensions.md. */
cJSON *reg_school_run(struct ctx *x, const char *gid, const cJSON *body)
{
	if (strcmp(x->ss.role, "school") && strcmp(x->ss.role, "provider")) {
		char msg[200];
		snprintf(msg, sizeof msg, "Your role (%s) may not run school compliance reports.",
		         x->ss.role);
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
		return NULL;
	}
	if (!reg_cfg(x->a)->school || !reg_cfg(x->a)->cdsi) {
		reg_reply_oo(
		    x->rs, 501, "not-supported", "SCHOOL-NODATA",
		    "This registry has no school requirements loaded, so it cannot check compliance.", NULL);
		return NULL;
	}
	const char *gs = reg_op_param(x, body, "grade");
	int grade = gs ? school_grade_parse(gs) : SCHOOL_GRADE_BAD;
	if (grade == SCHOOL_GRADE_BAD) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "grade: give PK, K or 1 to 12.", "grade");
		return NULL;
	}
	const char *ds = reg_op_param(x, body, "date");
	vax_date on = reg_today(x->rq);
	if (ds && date_parse_iso(ds, &on) != DATE_OK) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "date: give the day as YYYY-MM-DD.",
		             "date");
		return NULL;
	}
	struct store_res g;
	if (!reg_load(x, "Group", gid, 0, &g))
		return NULL; /* 404 also for another organization's list */
	cJSON *group = cJSON_Parse(g.json);
	store_res_free(&g);
	cJSON *out = cJSON_CreateObject();
	char buf[96];
	snprintf(buf, sizeof buf, "Group/%.64s", gid);
	cJSON_AddStringToObject(out, "group", buf);
	const cJSON *gname = cJSON_GetObjectItemCaseSensitive(group, "name");
	if (cJSON_IsString(gname))
		cJSON_AddStringToObject(out, "name", gname->valuestring);
	cJSON_AddStringToObject(out, "grade", gs);
	cJSON_AddStringToObject(out, "date", date_format_iso(on, buf));
	cJSON *students = cJSON_AddArrayToObject(out, "students");
	int total = 0, compliant = 0;
	struct audited aud = {0};
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(group, "member"))
	{
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m, "entity"), "reference");
		if (!cJSON_IsString(ref) || strncmp(ref->valuestring, "Patient/", 8) ||
		    !reg_valid_id(ref->valuestring + 8) ||
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "inactive")))
			continue;
		bool ok;
		cJSON_AddItemToArray(students,
		                     student_compliance(x, ref->valuestring + 8, grade, on, &ok, &aud));
		total++;
		compliant += ok;
	}
	cJSON_Delete(group);
	if (aud.n)
		store_audit_many(reg_store(x->a), x->ss.username, x->ss.org, "school-compliance", "Patient",
		                 (const char(*)[65])aud.ids, aud.n, x->rq->now, NULL);
	free(aud.ids);
	cJSON_AddNumberToObject(out, "total", total);
	cJSON_AddNumberToObject(out, "compliant", compliant);
	return out;
}

void reg_op_school(struct ctx *x)
{
	cJSON *out = reg_school_run(x, x->id, x->body);
	if (!out)
		return;
	/* a FHIR operation answers FHIR: the report as a Parameters resource
	 * (OperationDefinition/Group-school-compliance, doc/extensions.md) */
	reg_reply_json(x->rs, 200, fhir_parameters_from_tree(out), CT_FHIR);
	cJSON_Delete(out);
}
