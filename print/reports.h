/* print/reports.h - the reports as PDF and CSV: the provider summary
 * (print/summary.h) and a school list's compliance report
 * (print/schoolrep.h). */
#ifndef VAX_PRINT_REPORTS_H
#define VAX_PRINT_REPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/date.h"
#include "core/error.h"
#include "print/pdf.h"
#include "print/schoolrep.h"
#include "print/summary.h"

/** The provider summary; org_name may be NULL (the code is shown). */
bool reports_summary_pdf(const char *path, enum pdf_paper paper, const struct summary *s,
                         const char *org_name, vax_date made, struct vax_error *err);

/** A school list's report: per student compliant or not, and per
 * requirement not met the dose missing and its earliest date. */
bool reports_school_pdf(const char *path, enum pdf_paper paper, const struct schoolrep *r,
                        struct vax_error *err);
/** The same as CSV: one row per requirement not met (and one per
 * compliant student). */
bool reports_school_csv(const char *path, const struct schoolrep *r, struct vax_error *err);

#endif
