/* print/record.h - the Official Immunization Record (what ImmTrac2 calls
 * "Print Official Immunization Record"): the client's identification, every
 * dose by vaccine group with its date and dose label ("2 of 4"), doses that
 * do not count marked NOT VALID with the reason, the organization that
 * printed it and the date.
 *
 * Printed from the local store while the registry cannot be reached, the
 * record says on every page that it is provisional and how many doses have
 * not reached the registry yet.
 */
#ifndef VAX_PRINT_RECORD_H
#define VAX_PRINT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"
#include "core/immunization.h"
#include "forecast/cdsi.h"
#include "print/pdf.h"

struct record_doc {
	const struct client *client;
	const struct immunization *imms; /* the whole history: refusals and deleted records are skipped */
	size_t nimms;
	const struct cdsi_data *cdsi;
	const char *org_code; /* the organization printing it */
	const char *org_name;
	const char *user; /* who printed it */
	vax_date printed; /* today */
	bool provisional; /* from the local store, the registry unreachable */
	int pending;      /* of those doses, how many the registry has not accepted yet */
};

/** Write the record as a PDF file (mode 0600). */
bool record_pdf_file(const char *path, enum pdf_paper paper, const struct record_doc *r,
                     struct vax_error *err);
/** The same into a malloc'd buffer. */
bool record_pdf_mem(char **buf, size_t *len, enum pdf_paper paper, const struct record_doc *r,
                    struct vax_error *err);

#endif
