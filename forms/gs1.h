/* forms/gs1.h - the GS1 element string a vial's 2D barcode carries, as a
 * keyboard-wedge scanner types it into a field.
 *
 * Vaccine vials carry a GS1 DataMatrix with (01) GTIN-14, (17) expiry
 * YYMMDD, (10) lot and sometimes (21) serial. Scanners send it in one of
 * three shapes, all accepted here:
 *   "(01)00312345678906(17)270630(10)AB12C"        human-readable form
 *   "010031234567890617270630" "10AB12C" <GS> "21.." raw, GS (0x1D) ends
 *                                                   a variable field
 *   "]d2" + either of the above                     symbology prefix
 * A scanner that drops the GS character still works when the lot comes
 * last, which is how vaccine labels are printed.
 *
 * Pure: no I/O, no curses. The GTIN is checked with its check digit; the
 * NDC table (core/codes.h codes_ndc_by_gtin) turns it into vaccine and
 * manufacturer.
 */
#ifndef VAX_FORMS_GS1_H
#define VAX_FORMS_GS1_H

#include <stdbool.h>

#include "core/date.h"
#include "core/error.h"

#define GS1_LOT_LEN 21 /* AI 10 and 21 hold up to 20 characters */

struct gs1_vial {
	char gtin[15];            /* 14 digits, "" if absent */
	vax_date expiry;          /* DATE_NONE if absent */
	char lot[GS1_LOT_LEN];    /* "" if absent */
	char serial[GS1_LOT_LEN]; /* "" if absent */
};

/** True if text looks like a scanned element string rather than something
 * typed by hand (a CVX code or a product name): it starts with "(01)",
 * "]d2" or "01" followed by 14 digits. */
bool gs1_looks_scanned(const char *text);

/** Parse a scanned element string into *out. False with err (codes
 * GS1-SHAPE, GS1-GTIN, GS1-DATE, GS1-AI) when it is not one; a GTIN is
 * required, the other parts are optional. Unknown AIs with a fixed length
 * are skipped; an unknown variable-length AI ends the parse with GS1-AI. */
bool gs1_parse(const char *text, struct gs1_vial *out, struct vax_error *err);

/** True if the 14 digits end with a correct GS1 check digit. */
bool gs1_gtin_ok(const char *gtin14);

#endif
