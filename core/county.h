/* core/county.h - the counties of each US state (data/counties/counties.csv,
 * the Census list; see its SOURCE.md), so the residential county is chosen
 * from the state's own list rather than typed ("Travs").
 *
 * Pure: parsed from a buffer (sys/ reads the file); a bad line is an error
 * naming the file and the line. */
#ifndef VAX_CORE_COUNTY_H
#define VAX_CORE_COUNTY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct county {
	char state[3];
	char fips[6];
	char *name;        /* what the county field holds: "Travis" */
	char *census_name; /* "Travis County" */
};

struct county_list;

/** Parse counties.csv (columns state, fips, county, census_name). NULL with
 * err ("counties.csv:12: ...") if it is not that file. */
struct county_list *county_list_parse(const char *label, const char *buf, size_t len, struct vax_error *err);
void county_list_free(struct county_list **l);
/** The counties of a state (USPS code, any case), in the file's order;
 * *n gets the count (0 for an unknown state). */
const struct county *county_of_state(const struct county_list *l, const char *state, size_t *n);
/** The county of this state with this name or FIPS code (any case), or NULL. */
const struct county *county_find(const struct county_list *l, const char *state, const char *name_or_fips);

/** The states and territories: USPS code and name, in alphabetical order of the code. */
struct us_state {
	const char *code;
	const char *name;
};
const struct us_state *county_states(size_t *n);

#endif
