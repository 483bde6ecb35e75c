/* registry/index.h - the search terms of a FHIR resource, whatever backend
 * stores them. Names are folded with text_fold (accents and case, spaces and
 * hyphens dropped) and split into words, so "García-López" is found by
 * garcia, lopez and garcialopez. */
#ifndef VAX_REGISTRY_INDEX_H
#define VAX_REGISTRY_INDEX_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define INDEX_MAX_TERMS 256

struct index_term {
	char key[24]; /* family, given, birthdate, gender, identifier, patient, member, ... */
	char value[160];
};

/** Terms of res (a resource of type). Writes at most max; returns the
 * count. sort receives the key results are ordered by. */
int index_terms(const char *type, const cJSON *res, struct index_term *out, int max, char *sort,
                size_t sort_len);

/** Fold a name for the family/given index and queries. */
void index_fold_name(const char *in, char *out, size_t cap);

#endif
