/* core/county.c - see county.h. */
#include "core/county.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/csv.h"
#include "core/xalloc.h"

struct county_list {
	struct county *c;
	size_t n;
};

static const struct us_state states[] = {
    {"AK", "Alaska"},
    {"AL", "Alabama"},
    {"AR", "Arkansas"},
    {"AS", "American Samoa"},
    {"AZ", "Arizona"},
    {"CA", "California"},
    {"CO", "Colorado"},
    {"CT", "Connecticut"},
    {"DC", "District of Columbia"},
    {"DE", "Delaware"},
    {"FL", "Florida"},
    {"GA", "Georgia"},
    {"GU", "Guam"},
    {"HI", "Hawaii"},
    {"IA", "Iowa"},
    {"ID", "Idaho"},
    {"IL", "Illinois"},
    {"IN", "Indiana"},
    {"KS", "Kansas"},
    {"KY", "Kentucky"},
    {"LA", "Louisiana"},
    {"MA", "Massachusetts"},
    {"MD", "Maryland"},
    {"ME", "Maine"},
    {"MI", "Michigan"},
    {"MN", "Minnesota"},
    {"MO", "Missouri"},
    {"MP", "Northern Mariana Islands"},
    {"MS", "Mississippi"},
    {"MT", "Montana"},
    {"NC", "North Carolina"},
    {"ND", "North Dakota"},
    {"NE", "Nebraska"},
    {"NH", "New Hampshire"},
    {"NJ", "New Jersey"},
    {"NM", "New Mexico"},
    {"NV", "Nevada"},
    {"NY", "New York"},
    {"OH", "Ohio"},
    {"OK", "Oklahoma"},
    {"OR", "Oregon"},
    {"PA", "Pennsylvania"},
    {"PR", "Puerto Rico"},
    {"RI", "Rhode Island"},
    {"SC", "South Carolina"},
    {"SD", "South Dakota"},
    {"TN", "Tennessee"},
    {"TX", "Texas"},
    {"UM", "U.S. Minor Outlying Islands"},
    {"UT", "Utah"},
    {"VA", "Virginia"},
    {"VI", "U.S. Virgin Islands"},
    {"VT", "Vermont"},
    {"WA", "Washington"},
    {"WI", "Wisconsin"},
    {"WV", "West Virginia"},
    {"WY", "Wyoming"},
};

const struct us_state *county_states(size_t *n)
{
	*n = sizeof states / sizeof *states;
	return states;
}

void county_list_free(struct county_list **lp)
{
	if (!lp || !*lp)
		return;
	struct county_list *l = *lp;
	for (size_t i = 0; i < l->n; i++) {
		free(l->c[i].name);
		free(l->c[i].census_name);
	}
	free(l->c);
	free(l);
	*lp = NULL;
}

static bool digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

struct county_list *county_list_parse(const char *label, const char *buf, size_t len, struct vax_error *err)
{
	static const char *const cols[] = {"state", "fips", "county", "census_name"};
	struct csv_reader r;
	struct csv_row row = {0};
	csv_init(&r, label, buf, len);
	struct county_list *l = xcalloc(1, sizeof *l);
	size_t cap = 0;
	bool header = true, ok = true;
	enum csv_status st;
	while (ok && (st = csv_next(&r, &row, err)) == CSV_ROW) {
		if (header) {
			header = false;
			for (int i = 0; i < 4; i++)
				if (row.n != 4 || strcmp(row.field[i], cols[i]))
					ok = error_set(
					    err, "COUNTY-HEADER",
					    "%s:%d: the columns are not state,fips,county,census_name", label,
					    row.line);
			continue;
		}
		if (row.n != 4 || strlen(row.field[0]) != 2 || !digits(row.field[1], 5) || !row.field[2][0]) {
			ok = error_set(err, "COUNTY-LINE", "%s:%d: not a county (state, 5-digit FIPS, name)",
			               label, row.line);
			break;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 512;
			l->c = xrealloc(l->c, cap * sizeof *l->c);
		}
		struct county *c = &l->c[l->n++];
		memcpy(c->state, row.field[0], 3);
		memcpy(c->fips, row.field[1], 6);
		c->name = xstrdup(row.field[2]);
		c->census_name = xstrdup(row.field[3]);
	}
	csv_row_free(&row);
	if (ok && st == CSV_ERROR)
		ok = false;
	if (ok && header)
		ok = error_set(err, "COUNTY-EMPTY", "%s: no counties in it", label);
	if (!ok)
		county_list_free(&l);
	return l;
}

const struct county *county_of_state(const struct county_list *l, const char *state, size_t *n)
{
	*n = 0;
	if (!l || !state)
		return NULL;
	size_t first = l->n;
	for (size_t i = 0; i < l->n; i++)
		if (!strcasecmp(l->c[i].state, state)) {
			if (first == l->n)
				first = i;
			(*n)++;
		} else if (first != l->n) {
			break; /* the file keeps a state's counties together */
		}
	return *n ? &l->c[first] : NULL;
}

const struct county *county_find(const struct county_list *l, const char *state, const char *name_or_fips)
{
	size_t n;
	const struct county *c = county_of_state(l, state, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(c[i].name, name_or_fips) || !strcmp(c[i].fips, name_or_fips) ||
		    !strcasecmp(c[i].census_name, name_or_fips))
			return &c[i];
	return NULL;
}
