/* print/summary.h - the provider summary: how well an organization reports
 * to the registry over a period (the idea of Texas's TIPS reports).
 *
 * Doses counted: those the organization administered (not historical
 * records) with a date given in the period, and not entered in error.
 *   timeliness    the share reported (first received by the registry)
 *                 within 1, 7 and 30 days of the date given;
 *   completeness  the share with a lot number, a VIS, a funding source,
 *                 a VFC eligibility;
 *   quality       errors found in them: a dose CDSi judges not valid (too
 *                 young, too soon, ...), a likely duplicate of another dose
 *                 of the client, and whatever the registry's validation
 *                 rules say of the dose today (an expired lot, ...).
 * Coverage: of the organization's active clients 24 through 35 months old
 * on the last day of the period, the share up to date for the 4:3:1:3:3:1:4
 * series (4 DTaP, 3 polio, 1 MMR, 3 Hib, 3 hepatitis B, 1 varicella, 4
 * pneumococcal conjugate), counting doses CDSi judges valid by that day; a
 * vaccine group CDSi calls complete or immune counts as met (a Hib series
 * started late is complete with fewer doses; varicella disease gives
 * immunity).
 *
 * The caller walks its records and feeds them in (vaxregd from its store);
 * summary_to_json() and summary_from_json() carry the result from vaxregd
 * to vaxdesk.
 */
#ifndef VAX_PRINT_SUMMARY_H
#define VAX_PRINT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/codes.h"
#include "core/date.h"
#include "core/error.h"
#include "core/immunization.h"
#include "forecast/cdsi.h"

#define SUMMARY_SERIES       7 /* 4:3:1:3:3:1:4 */
#define SUMMARY_MAX_ISSUES   48
#define SUMMARY_MAX_EXAMPLES 40

/** The window of timeliness: reported within 1, 7 and 30 days. */
extern const int summary_windows[3];
/** The series, in the order 4:3:1:3:3:1:4 lists it. */
extern const struct summary_series {
	const char *group; /* CDSi vaccine group */
	const char *label; /* "DTaP" */
	int doses;
} summary_series[SUMMARY_SERIES];

/** A kind of data-quality error and how often it was found. */
struct summary_issue {
	char code[32];  /* a rule code ("V-EXPIRED"), "Q-NOT-VALID-TOO-SOON", "Q-DUPLICATE" */
	char text[160]; /* for people */
	int count;
};

/** One dose with an error, so it can be found and corrected. */
struct summary_example {
	char code[32];
	char immunization[65]; /* registry id */
	char patient[65];
	vax_date date;
	char cvx[4];
};

struct summary {
	char org[33];
	vax_date from, to;
	/* doses administered in the period */
	int doses;
	int within[3]; /* reported within summary_windows[i] days */
	int with_lot, with_vis, with_funding, with_eligibility;
	int historical; /* historical records entered in the period (not rated) */
	/* coverage */
	int cohort;                   /* active clients 24-35 months old */
	int utd;                      /* of them, up to date for 4:3:1:3:3:1:4 */
	int short_of[SUMMARY_SERIES]; /* of them, short of each vaccine group */
	/* data quality */
	int errors;
	struct summary_issue issues[SUMMARY_MAX_ISSUES];
	int nissues;
	struct summary_example examples[SUMMARY_MAX_EXAMPLES];
	int nexamples;
};

/** Start a summary of org for the days from..to (inclusive). */
void summary_init(struct summary *s, const char *org, vax_date from, vax_date to);

/** One client's doses: imms[0..n) is the client's whole history; mine[i]
 * marks the organization's doses (the recording organization) and
 * received[i] the day the registry first received imms[i]. Counts the
 * organization's doses given in the period and the errors in them. codes
 * may be NULL (code rules are then skipped); today is the day the report
 * is made (the rules' "today"). False only if CDSi cannot evaluate. */
bool summary_add_doses(struct summary *s, const struct cdsi_data *d, const struct codes *codes,
                       vax_date today, const struct client *c, const char *patient_id,
                       const struct immunization *imms, size_t n, const bool *mine, const vax_date *received,
                       struct vax_error *err);

/** One of the organization's clients for the coverage measure: counted if
 * active and 24 through 35 months old on the period's last day. */
bool summary_add_cohort(struct summary *s, const struct cdsi_data *d, const struct client *c,
                        const struct immunization *imms, size_t n, struct vax_error *err);

/** True if the client belongs to the coverage cohort of s. */
bool summary_in_cohort(const struct summary *s, const struct client *c);
/** The birth dates of the cohort (inclusive), for the caller's search. */
void summary_cohort_births(const struct summary *s, vax_date *first, vax_date *last);

/** A share in percent with one decimal ("87.5"), "-" when den is 0. */
char *summary_percent(int num, int den, char *buf, size_t len);

/** The summary as JSON (the registry's answer) and back. */
cJSON *summary_to_json(const struct summary *s);
bool summary_from_json(const cJSON *j, struct summary *s, struct vax_error *err);

#endif
