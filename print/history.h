/* print/history.h - an immunization history as the official record prints
 * it: every dose by vaccine group, with CDSi's verdict on it ("2 of 4",
 * or not valid and why), evaluated as of the print date.
 *
 * Also the one conversion of recorded doses to what CDSi reads, shared by
 * the recall selection and the provider summary: refusals, records entered
 * in error and undated records are not doses.
 */
#ifndef VAX_PRINT_HISTORY_H
#define VAX_PRINT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/client.h"
#include "core/date.h"
#include "core/error.h"
#include "core/immunization.h"
#include "forecast/cdsi.h"

struct history_dose {
	size_t imm; /* index into the caller's immunizations */
	vax_date date;
	char vaccine[64]; /* CDC's short description of the CVX, or "CVX nn" */
	bool valid;
	char label[64]; /* "2 of 4", "3", "Not valid: too soon", "Extraneous" */
};

struct history_group {
	char name[40]; /* "Hepatitis B", "DTaP/Tdap/Td" */
	int group;     /* CDSi vaccine group index, -1 for doses CDSi does not know */
	struct history_dose *doses;
	size_t ndoses;
	int valid;    /* how many are valid */
	size_t order; /* place in the record (sorting) */
};

struct history {
	struct history_group *groups; /* in the order a childhood record reads */
	size_t ngroups;
	int given;    /* doses on the record (each counted once) */
	int refusals; /* refusals on the record (not doses) */
};

/** CDSi's reading of a client's sex. */
char history_gender(enum sex s);

/** The given doses of imms[0..n) as CDSi reads them, in doses[] (room for
 * n); map[k] receives the index in imms of doses[k] (map may be NULL).
 * Returns the count. */
size_t history_cdsi_doses(const struct immunization *imms, size_t n, struct cdsi_dose *doses, size_t *map);

/** Build the record's history as of `on`. Doses of vaccines CDSi does not
 * know are listed in a last group "Other" as not evaluated. False (err set)
 * when CDSi cannot evaluate (no date of birth, a dose before birth). */
bool history_build(const struct cdsi_data *d, const struct client *c, const struct immunization *imms,
                   size_t n, vax_date on, struct history *out, struct vax_error *err);
void history_free(struct history *h);

/** A vaccine group's name for people ("Hepatitis B" for CDSi's "HepB"). */
const char *history_group_label(const struct cdsi_data *d, int group);

#endif
