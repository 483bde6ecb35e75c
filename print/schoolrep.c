/* print/schoolrep.c - see schoolrep.h. */
#include "print/schoolrep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/text.h"
#include "core/xalloc.h"

static const char *const codes[] = {[SCHOOL_MET] = "met",
                                    [SCHOOL_NOT_MET] = "not-met",
                                    [SCHOOL_DUE] = "due",
                                    [SCHOOL_EXEMPT] = "not-required"};

const char *schoolrep_status_code(enum school_status s)
{
	return s <= SCHOOL_EXEMPT ? codes[s] : "";
}

const char *schoolrep_status_label(enum school_status s)
{
	return school_status_name(s);
}

int schoolrep_status_parse(const char *code)
{
	for (int i = 0; i <= SCHOOL_EXEMPT; i++)
		if (code && !strcmp(code, codes[i]))
			return i;
	return -1;
}

void schoolrep_free(struct schoolrep *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->students[i].items);
	free(r->students);
	memset(r, 0, sizeof *r);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) && text_utf8_valid(v->valuestring) ? v->valuestring : NULL;
}

static bool num(const cJSON *o, const char *k, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e7)
		return false;
	*out = (int)v->valuedouble;
	return true;
}

/* An optional ISO date: absent is DATE_NONE, malformed is an error. */
static bool opt_date(const cJSON *o, const char *k, vax_date *out)
{
	*out = DATE_NONE;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!v)
		return true;
	return cJSON_IsString(v) && date_parse_iso(v->valuestring, out) == DATE_OK;
}

static bool bad(struct vax_error *err, size_t student, const char *what)
{
	return error_set(err, "SCHOOL-FORMAT",
	                 "The registry's school report is not readable: student %zu: %s.", student + 1, what);
}

static bool read_item(const cJSON *q, struct schoolrep_item *it, size_t si, struct vax_error *err)
{
	const char *v = str(q, "vaccine"), *st = str(q, "status");
	int status = schoolrep_status_parse(st);
	if (!v || status < 0)
		return bad(err, si, "a requirement has no vaccine or an unknown status");
	snprintf(it->vaccine, sizeof it->vaccine, "%s", v);
	it->status = (enum school_status)status;
	if (!num(q, "validDoses", &it->valid_doses))
		it->valid_doses = 0;
	if (!num(q, "dose", &it->dose))
		it->dose = 0;
	vax_date due;
	if (!opt_date(q, "earliest", &it->earliest) || !opt_date(q, "due", &due))
		return bad(err, si, "a requirement's date is not YYYY-MM-DD");
	if (it->earliest == DATE_NONE && due != DATE_NONE)
		it->earliest = due;
	return true;
}

static bool read_tree(const cJSON *j, struct schoolrep *r, struct vax_error *err)
{
	memset(r, 0, sizeof *r);
	r->date = DATE_NONE;
	const cJSON *students = cJSON_GetObjectItemCaseSensitive(j, "students");
	const char *group = str(j, "group"), *grade = str(j, "grade"), *date = str(j, "date");
	if (!cJSON_IsObject(j) || !cJSON_IsArray(students) || !grade || !date ||
	    date_parse_iso(date, &r->date) != DATE_OK)
		return error_set(
		    err, "SCHOOL-FORMAT",
		    "The registry's school report is not readable (no students, grade or date).");
	if (group && !strncmp(group, "Group/", 6))
		group += 6;
	snprintf(r->group, sizeof r->group, "%s", group ? group : "");
	snprintf(r->grade, sizeof r->grade, "%s", grade);
	const char *ln = str(j, "name");
	snprintf(r->list_name, sizeof r->list_name, "%s", ln ? ln : "");
	size_t cap = (size_t)cJSON_GetArraySize(students);
	r->students = xcalloc(cap + 1, sizeof *r->students);
	const cJSON *s;
	cJSON_ArrayForEach(s, students)
	{
		struct schoolrep_student *st = &r->students[r->n];
		const char *pid = str(s, "patient");
		if (!pid || strncmp(pid, "Patient/", 8))
			return bad(err, r->n, "no patient reference"), schoolrep_free(r), false;
		snprintf(st->patient, sizeof st->patient, "%s", pid + 8);
		const char *nm = str(s, "name"), *e = str(s, "error");
		snprintf(st->name, sizeof st->name, "%s", nm ? nm : "");
		snprintf(st->error, sizeof st->error, "%s", e ? e : "");
		if (!opt_date(s, "birthDate", &st->dob))
			return bad(err, r->n, "the birth date is not YYYY-MM-DD"), schoolrep_free(r), false;
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(s, "compliant");
		st->compliant = cJSON_IsTrue(c);
		const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(s, "requirements");
		r->n++;
		if (!reqs)
			continue;
		if (!cJSON_IsArray(reqs))
			return bad(err, r->n - 1, "the requirements are not a list"), schoolrep_free(r),
			       false;
		st->items = xcalloc((size_t)cJSON_GetArraySize(reqs) + 1, sizeof *st->items);
		const cJSON *q;
		cJSON_ArrayForEach(q, reqs)
		{
			if (!read_item(q, &st->items[st->nitems], r->n - 1, err))
				return schoolrep_free(r), false;
			st->nitems++;
		}
	}
	if (!num(j, "total", &r->total))
		r->total = (int)r->n;
	if (!num(j, "compliant", &r->compliant)) {
		r->compliant = 0;
		for (size_t i = 0; i < r->n; i++)
			r->compliant += r->students[i].compliant;
	}
	return true;
}

bool schoolrep_from_json(const cJSON *j, struct schoolrep *r, struct vax_error *err)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(j, "resourceType");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Parameters"))
		return read_tree(j, r, err);
	/* the operation's answer: its parameters as the plain report */
	cJSON *t = fhir_parameters_to_tree(j);
	if (!cJSON_GetObjectItemCaseSensitive(t, "students"))
		cJSON_AddArrayToObject(t, "students"); /* a list with no one on it */
	bool ok = read_tree(t, r, err);
	cJSON_Delete(t);
	return ok;
}
