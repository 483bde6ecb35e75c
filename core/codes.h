/* core/codes.h - CDC code sets: CVX, MVX, CVX->vaccine group, CVX/MVX
 * products, NDC->CVX/MVX, CVX->VIS.
 *
 * The tables are CDC's, copied to data/codes/ as CSV (see data/codes/SOURCE.md).
 * This module parses them from memory (core/ does no I/O; sys/codeload.h
 * reads the files) and checks their shape: a missing or renamed column, a
 * truncated line or a bad status is an error naming the file and the line.
 * Columns are found by header name; an unknown column is refused, because a
 * changed CDC layout should be looked at by a person before it is trusted.
 */
#ifndef VAX_CORE_CODES_H
#define VAX_CORE_CODES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/date.h"
#include "core/error.h"

enum codes_table {
	CODES_CVX = 0,       /* cvx.csv */
	CODES_MVX,           /* mvx.csv */
	CODES_VACCINE_GROUP, /* cvx_to_vaccine_group.csv */
	CODES_PRODUCT,       /* cvx_mvx_product_names.csv */
	CODES_NDC_SALE,      /* ndc_unit_of_sale.csv */
	CODES_NDC_USE,       /* ndc_unit_of_use.csv */
	CODES_VIS,           /* cvx_to_vis.csv */
	CODES_NDC_LINK,      /* ndc_linker.csv: NDC -> manufacturer */
	CODES_TABLE_COUNT
};

enum cvx_status {
	CVX_ACTIVE = 0,
	CVX_INACTIVE,
	CVX_NON_US,
	CVX_NEVER_ACTIVE,
};

struct cvx_info {
	char code[4];
	char *short_desc;
	char *full_name;
	enum cvx_status status;
	vax_date updated;
	bool unspecified; /* "unspecified formulation": history only */
};

struct mvx_info {
	char code[4];
	char *name;
	bool active;
};

struct product_info {
	char *name; /* trade name, e.g. "ADACEL" */
	char cvx[4];
	char mvx[4];
	bool active;
};

struct ndc_info {
	char ndc[14];   /* 11 digits, 5-4-2 with dashes, as CDC's ndc11 column has it (lookups) */
	char ndc10[13]; /* 10 digits as the FDA and CDC label it: 4-4-2, 5-3-2 or 5-4-1 with
	                 * dashes, the form http://hl7.org/fhir/sid/ndc codes take */
	char cvx[4];
	char mvx[4];   /* from the labeler via the product table, may be "" */
	char *name;    /* proprietary name */
	char gtin[15]; /* GTIN-14 if CDC lists one */
	bool unit_of_use;
};

struct vis_info {
	char cvx[4];
	char *document;
	vax_date edition;
	char encoded[32]; /* GS1 fully encoded string */
	bool current;
};

struct codes;

/** An empty set of tables. Never NULL (ends the program on OOM). */
struct codes *codes_new(void);
void codes_free(struct codes **cp);

/** The file name each table is read from ("cvx.csv", ...). */
const char *codes_table_file(enum codes_table t);

/** Parse one table from a CSV buffer. label names the source in errors
 * ("data/codes/cvx.csv"). Replaces any earlier contents of that table. */
bool codes_parse(struct codes *c, enum codes_table t, const char *label, const char *buf, size_t len,
                 struct vax_error *err);

/** True once every table has been parsed. */
bool codes_complete(const struct codes *c);

const struct cvx_info *codes_cvx(const struct codes *c, const char *cvx);
const struct mvx_info *codes_mvx(const struct codes *c, const char *mvx);
/** Look up by NDC in either 5-4-2 form or 11 plain digits (also the
 * 10-digit forms 4-4-2, 5-3-2, 5-4-1 that appear on labels). */
const struct ndc_info *codes_ndc(const struct codes *c, const char *ndc);
/** Is ndc written as the NDC code system (http://hl7.org/fhir/sid/ndc)
 * has its codes: 10 digits with dashes (4-4-2, 5-3-2, 5-4-1), or 11
 * digits without? (The 11-digit form with dashes is neither.) */
bool codes_ndc_form_ok(const char *ndc);
/** An NDC written 11 digits 5-4-2 with dashes (as HL7 messages and CDC's
 * ndc11 column have it) made the code system's 11 digits, in place; any
 * other value is left as it is. */
void codes_ndc_undash(char *ndc);
/** NDC from a GTIN-14 (as in a GS1 DataMatrix). */
const struct ndc_info *codes_ndc_by_gtin(const struct codes *c, const char *gtin);

/** Vaccine groups of a CVX (several for combination vaccines). Returns the
 * count written to groups[] (at most max); names like "DTAP", "MMR". */
int codes_vaccine_groups(const struct codes *c, const char *cvx, const char **groups, int max);
/** True if the two CVX codes share a vaccine group. */
bool codes_same_group(const struct codes *c, const char *cvx_a, const char *cvx_b);

/** Products (trade names) for a CVX; count written to out[]. */
int codes_products(const struct codes *c, const char *cvx, const struct product_info **out, int max);
/** True if mvx may go with cvx: CDC lists that product pair, or lists no
 * product for the CVX at all (unspecified formulations). */
bool codes_mvx_matches_cvx(const struct codes *c, const char *cvx, const char *mvx);

/** VIS documents for a CVX; count written to out[] (current ones first). */
int codes_vis(const struct codes *c, const char *cvx, const struct vis_info **out, int max);

/** Every CVX, in table order, for pickers: returns the count and sets *out. */
size_t codes_cvx_all(const struct codes *c, const struct cvx_info **out);
size_t codes_mvx_all(const struct codes *c, const struct mvx_info **out);
size_t codes_product_all(const struct codes *c, const struct product_info **out);

#endif
