/* forecast/record.h - what the schedule says about one client's record: the
 * CDSi evaluation of each dose and the forecast of every vaccine group (ACIP),
 * or the Texas school check for the grade the client's age gives. The grade
 * rule and the words for a dose's evaluation ("2 of 4", "NOT VALID") live
 * here, once, so the record on screen, a printed record and a report say the
 * same thing about the same doses.
 *
 * The supporting data (CDC's XML, the Texas requirements) is loaded once per
 * process on first use (struct forecast_data) and shared by every record;
 * a record's result is computed when its doses change, never while drawing.
 */
#ifndef VAX_FORECAST_RECORD_H
#define VAX_FORECAST_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"
#include "core/immunization.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"

/** The data every forecast reads, loaded on first use. */
struct forecast_data;
struct forecast_data *forecast_data_new(void);
void forecast_data_free(struct forecast_data **d);
/** CDC's supporting data, or NULL with err (the same error every time). */
const struct cdsi_data *forecast_data_cdsi(struct forecast_data *d, struct vax_error *err);

/** One record's forecast. */
struct forecast_record {
	bool school;  /* the Texas school check was asked for */
	bool have_fc; /* fc holds CDSi's evaluation and forecast */
	struct cdsi_result fc;
	bool have_school; /* school_rep holds the Texas check for grade */
	struct school_report school_rep;
	int grade;                          /* SCHOOL_GRADE_PK, 0 (K) .. 12 */
	char error[VAX_ERROR_MSG_LEN + 64]; /* why there is none, in words ("" if there is) */
	int *dose;                          /* per immunization: its CDSi dose index, -1 if not counted */
	int n_imms;
	const struct cdsi_data *data; /* what fc was computed with (group names) */
};

/** Evaluate client c's doses as of today: ACIP, and the Texas school check
 * when school is true. Refusals, doses entered in error and doses with no
 * date are not counted. out is replaced (free it with forecast_record_free). */
void forecast_record_run(struct forecast_data *d, const struct client *c, const struct immunization *imms,
                         int n, vax_date today, bool school, struct forecast_record *out);
void forecast_record_free(struct forecast_record *r);
/** How immunization imm counted: a valid one where it counts somewhere, or
 * NULL if it was not evaluated. */
const struct cdsi_dose_eval *forecast_record_eval(const struct forecast_record *r, int imm);
/** A dose's evaluation in a few words: "2 of 4", "dose 3", "Valid", "NOT VALID", "". */
void forecast_eval_label(const struct cdsi_dose_eval *ev, char *buf, size_t len);
/** The name of a vaccine group of the result ("MMR"). */
const char *forecast_group_name(const struct forecast_record *r, int group);

/** One vaccine group due or overdue on a day: what a visit would give. */
struct forecast_due {
	int group;        /* for forecast_group_name() */
	int dose_number;  /* the dose to give (1-based), 0 if not counted */
	int series_doses; /* doses in the series, 0 if open-ended */
	vax_date recommended, past_due;
	bool overdue;   /* past due on that day */
	const int *cvx; /* the vaccines CDSi names for this dose, best first */
	size_t ncvx;
};
/** The groups the forecast says are due (recommended date reached) or
 * overdue on `today`, overdue first, then by recommended date; fills up
 * to max and returns how many there are. Pointers are into r. */
size_t forecast_due_today(const struct forecast_record *r, vax_date today, struct forecast_due *out,
                          size_t max);
/** May vaccine cvx ("10") be given for this due dose: one CDSi names for
 * it, else (it names none) a preferable vaccine of that dose of the group. */
bool forecast_due_vaccine(const struct forecast_record *r, const struct forecast_due *d, const char *cvx);
/** "dose 3 of 5" ("dose 3" open-ended, "" if not counted). */
void forecast_dose_label(int dose_number, int series_doses, char *buf, size_t len);

/** The school grade a child of this birth date is in on `today`, from the
 * age on September 1 of the school year (age 5 is K; under 5 is Pre-K,
 * SCHOOL_GRADE_PK; 12 at most). */
int forecast_school_grade(vax_date dob, vax_date today);
/** "Pre-K", "K", "1".."12". */
void forecast_grade_label(int grade, char *buf, size_t len);

#endif
