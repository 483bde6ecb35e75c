/* print/schoolrep.h - a school list's compliance report as vaxdesk reads it
 * from the registry (Group/{id}/$school-compliance), to show, print and
 * export: per student compliant or not, and per requirement not met the
 * dose missing and the earliest date it may be given.
 *
 * The registry's answer is outside input: schoolrep_from_json() checks
 * every field it keeps and says what is wrong.
 */
#ifndef VAX_PRINT_SCHOOLREP_H
#define VAX_PRINT_SCHOOLREP_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"
#include "forecast/school.h"

struct schoolrep_item {
	char vaccine[32]; /* the requirement's label: "MMR", "DTaP/DT/Td" */
	enum school_status status;
	int valid_doses;   /* doses CDSi judged valid */
	int dose;          /* not met: the dose missing (2 = the second), 0 if unknown */
	vax_date earliest; /* not met: the earliest date it may be given; DATE_NONE if met */
};

struct schoolrep_student {
	char patient[VAX_ID_LEN];    /* registry id */
	char name[2 * VAX_NAME_LEN]; /* "Family, Given" as the registry has it */
	vax_date dob;
	bool compliant;
	char error[200]; /* the student could not be checked: why */
	struct schoolrep_item *items;
	size_t nitems;
};

struct schoolrep {
	char group[VAX_ID_LEN];
	char list_name[201];
	char grade[4]; /* "PK", "K", "1".."12" */
	vax_date date; /* checked as of */
	int total, compliant;
	struct schoolrep_student *students;
	size_t n;
};

/** Read the registry's answer: the Parameters resource the operation
 * answers, or the same report as a plain tree (fhir_parameters_to_tree()). */
bool schoolrep_from_json(const cJSON *j, struct schoolrep *r, struct vax_error *err);
void schoolrep_free(struct schoolrep *r);

/** Status words for people: "met", "not met", "due by", "not required". */
const char *schoolrep_status_label(enum school_status s);
/** "met", "not-met", "due", "not-required" on the wire. */
const char *schoolrep_status_code(enum school_status s);
int schoolrep_status_parse(const char *code);

#endif
