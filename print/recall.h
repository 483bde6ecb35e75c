/* print/recall.h - who gets a reminder/recall notice, and for what.
 *
 * Two ways to choose, as a registry's reminder/recall offers them:
 *   RECALL_VACCINES  clients in an age range who are due or overdue for
 *                    chosen vaccine groups (CDSi's forecast);
 *   RECALL_DUE       anything due or overdue by each client's tracking
 *                    schedule: ACIP (every vaccine group CDSi forecasts) or
 *                    TX-SCHOOL (the Texas school requirements for the
 *                    grade the client's age puts them in,
 *                    forecast_school_grade()).
 * An age range narrows either. Due means the recommended date (CDSi's
 * earliest when there is none) is on or before the notice date; overdue
 * means the past-due date is too. A recall (overdue_only) takes overdue
 * doses only.
 *
 * Excluded, and counted by reason, in this order: no date of birth; outside
 * the age range; inactive at the organization (inactive, moved, lost,
 * deceased); opted out of notices; no viable address (flagged, or no street,
 * city, state and ZIP to write on an envelope).
 *
 * Pure computation: the caller reads the clients (vaxregd from its store)
 * and passes the notice date.
 */
#ifndef VAX_PRINT_RECALL_H
#define VAX_PRINT_RECALL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"
#include "core/immunization.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"

#define RECALL_MAX_GROUPS 32
#define RECALL_MAX_DUE    32

enum recall_mode {
	RECALL_DUE = 0,  /* anything due/overdue by the tracking schedule */
	RECALL_VACCINES, /* due/overdue for the chosen vaccine groups */
};

struct recall_criteria {
	enum recall_mode mode;
	int age_min_months;            /* inclusive, -1 = no bound */
	int age_max_months;            /* inclusive, -1 = no bound */
	int groups[RECALL_MAX_GROUPS]; /* RECALL_VACCINES: CDSi vaccine group indexes */
	size_t ngroups;
	vax_date on;       /* the notice date: due and ages are as of this day */
	bool overdue_only; /* a recall: only what is past due */
};

/* _(ENUM, code, label) */
#define RECALL_OUTCOMES(_)                                                                                   \
	_(SELECTED, "selected", "Selected for a notice")                                                     \
	_(NOT_DUE, "not-due", "Nothing due")                                                                 \
	_(NO_DOB, "no-dob", "No date of birth")                                                              \
	_(OUT_OF_AGE, "out-of-age", "Outside the age range")                                                 \
	_(INACTIVE, "inactive", "Inactive at this organization")                                             \
	_(OPTED_OUT, "opted-out", "Opted out of reminders")                                                  \
	_(NO_ADDRESS, "no-address", "No viable address")

#define RECALL_ENUM(e, code, label) RECALL_##e,
enum recall_outcome { RECALL_OUTCOMES(RECALL_ENUM) RECALL_OUTCOME_COUNT };
#undef RECALL_ENUM

/** One vaccine a notice names. */
struct recall_due {
	int group;         /* CDSi vaccine group */
	char vaccine[40];  /* for people: "MMR", "Hepatitis B" */
	int dose_number;   /* the dose due (1, 2, ...), 0 if not known */
	vax_date due;      /* recommended (or earliest) date */
	vax_date past_due; /* DATE_NONE if none */
	bool overdue;      /* past_due on or before the notice date */
};

struct recall_result {
	enum recall_outcome outcome;
	struct recall_due due[RECALL_MAX_DUE];
	int ndue;
};

/** Decide for one client (c with its whole history imms[0..n)); tx may be
 * NULL when no client tracks the Texas schedule. False (err) only when
 * CDSi cannot evaluate the history (a dose dated before birth). */
bool recall_check(const struct recall_criteria *q, const struct cdsi_data *d, const struct school_reqs *tx,
                  const struct client *c, const struct immunization *imms, size_t n,
                  struct recall_result *out, struct vax_error *err);

/** The exclusion that applies to the client before any dose is read
 * (no date of birth, age, inactive, opted out, no address), or
 * RECALL_SELECTED when the history must be evaluated. */
enum recall_outcome recall_exclusion(const struct recall_criteria *q, const struct client *c);
/** True if a letter can be addressed to the client. */
bool recall_address_viable(const struct client *c);
/** True if the client is active at the organization (not deceased). */
bool recall_client_active(const struct client *c);

/* ---- the registry's answer, one slice of the organization's clients ---- */

/** One client selected, with the Patient as the registry holds it (its
 * version is what a recorded notice date builds on). */
struct recall_notice {
	struct client client;
	struct recall_due due[RECALL_MAX_DUE];
	int ndue;
};

struct recall_page {
	int total;  /* the organization's clients */
	int offset; /* where this slice starts */
	int count;  /* clients examined in it */
	int outcomes[RECALL_OUTCOME_COUNT];
	struct recall_notice *notices;
	size_t nnotices;
};

/** The answer's Parameters (vaxregd): start it with the slice's numbers,
 * add each selected client (patient is the stored Patient, copied), then
 * the tallies. */
cJSON *recall_page_begin(int total, int offset, int count, vax_date on);
void recall_page_add(cJSON *page, const cJSON *patient, const struct recall_result *r);
void recall_page_end(cJSON *page, const int outcomes[RECALL_OUTCOME_COUNT]);
/** Read an answer (vaxdesk); every field checked. */
bool recall_page_from_json(const cJSON *j, struct recall_page *p, struct vax_error *err);
void recall_page_free(struct recall_page *p);
/** The criteria as the request's Parameters (vaxdesk) and back (vaxregd,
 * which checks them: unknown vaccine groups, ages and dates are refused
 * naming the parameter). */
cJSON *recall_criteria_to_json(const struct recall_criteria *q, const struct cdsi_data *d, int offset,
                               int count);
bool recall_criteria_from_json(const cJSON *j, const struct cdsi_data *d, vax_date today,
                               struct recall_criteria *q, int *offset, int *count, struct vax_error *err);

const char *recall_outcome_code(enum recall_outcome o);
const char *recall_outcome_label(enum recall_outcome o);
/** "selected", ... -> outcome; -1 if unknown. */
int recall_outcome_parse(const char *code);

#endif
