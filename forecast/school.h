/* forecast/school.h - school and child-care requirements (Texas, 25 TAC
 * §97.63) as data, and the compliance check for one student.
 *
 * The requirements live in a text file (data/texas/school-requirements.txt,
 * format described there), loaded once with school_load(). The check uses
 * only doses that CDSi judged Valid for the requirement's vaccine group, and
 * CDSi's forecast to tell "not met" (a dose can be given now) from "due by"
 * (the next dose cannot be given before a date: provisional enrolment).
 */
#ifndef VAX_FORECAST_SCHOOL_H
#define VAX_FORECAST_SCHOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/date.h"
#include "core/error.h"
#include "forecast/cdsi.h"

struct school_reqs;

/** Grades: SCHOOL_GRADE_PK for Pre-K/child care, 0 for K, 1..12. */
#define SCHOOL_GRADE_PK  (-1)
#define SCHOOL_GRADE_BAD (-99)

/** Load requirements from path; err names file:line on a bad line. */
struct school_reqs *school_load(const char *path, const struct cdsi_data *d, struct vax_error *err);
void school_free(struct school_reqs *r);
/** Path of the Texas file at run time ($VAXDESK_DATADIR or VAX_DATADIR). */
char *school_texas_path(char *buf, size_t len);
/** "PK", "K", "1".."12" (case-insensitive) -> grade, or SCHOOL_GRADE_BAD. */
int school_grade_parse(const char *s);

enum school_status {
	SCHOOL_MET,
	SCHOOL_NOT_MET, /* a dose is needed and can be given now */
	SCHOOL_DUE,     /* not met yet; the next dose is due by `due` */
	SCHOOL_EXEMPT,  /* not required at the student's age */
};

struct school_item {
	char label[32]; /* "DTaP/DT/Td", "MMR" */
	int group;      /* CDSi vaccine group index */
	enum school_status status;
	vax_date due;      /* SCHOOL_DUE: earliest date of the next dose */
	int valid_doses;   /* doses CDSi judged valid for the group */
	int dose;          /* not met or due: the dose missing (1 = the first), from CDSi's forecast */
	vax_date earliest; /* not met or due: the first day it may be given (the check date when now) */
};

struct school_report {
	struct school_item *items;
	size_t nitems;
	bool compliant; /* every item met or exempt */
};

/** Check one student of `grade` on date `on`. */
bool school_check(const struct school_reqs *r, const struct cdsi_data *d, const struct cdsi_patient *p,
                  int grade, vax_date on, struct school_report *out, struct vax_error *err);
void school_report_free(struct school_report *rep);
const char *school_status_name(enum school_status s);

#endif
