/* registry/index.h - the search terms of a FHIR resource, whatever backend
 * stores them, and the stored values a search condition covers. Names are
 * folded with text_fold (accents and case, spaces and hyphens dropped) and
 * split into words, so "García-López" is found by garcia, lopez and
 * garcialopez. A token with a system (identifier, vaccine-code) is stored
 * once, as value, 0x1f, system: a search by value alone is then a prefix
 * of the index and one by system|value an exact term. A Patient's $match
 * blocking keys (core/match.h match_block_record) are its "match" terms. */
#ifndef VAX_REGISTRY_INDEX_H
#define VAX_REGISTRY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/match.h"
#include "registry/store.h"

#define INDEX_MAX_TERMS 256

/* What index_terms() stores, by version: a store whose terms another
 * version made rebuilds them (vaxregd upgrade). */
#define INDEX_VERSION 2

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

struct index_query {
	struct store_query q;
	char buf[STORE_MAX_COND][200];
};

/** The query a store runs for in: the same, but a name with a single day
 * of birth (Basic and Quick search) becomes the dob-family / dob-given
 * composite terms, one narrow index range each. */
void index_rewrite(const struct store_query *in, struct index_query *out);

struct index_range {
	bool exact;   /* lo is the one value */
	char lo[200]; /* first value covered */
	char hi[200]; /* first value past the range ("\xff": none, above all UTF-8) */
};

/** The stored values of key a search condition (SC_TERM, SC_PREFIX,
 * SC_RANGE) covers: lo <= value < hi, or value = lo when exact. */
void index_range(enum store_cond_kind kind, const char *key, const char *v1, const char *v2,
                 struct index_range *r);

/** Give res its id, meta.versionId and meta.lastUpdated, right after
 * resourceType, as people expect to read them. */
void index_stamp(cJSON *res, const char *id, long version, int64_t now);

/** The record's own UUID identifier (system urn:ietf:rfc:3986, value
 * urn:uuid:...), the one every resend carries: stores keep it unique per
 * type by constraint, so a create is made once however many servers race
 * with it. "" if none. */
void index_own_uuid(const cJSON *res, char *buf, size_t len);

/* A create made ready off the loading thread (store.h store_ready_new):
 * its stored JSON and its search terms. */
struct store_ready {
	char type[40], id[65], org[33], uuid[80];
	int64_t now;
	char *json;
	char sort[160];
	int n;
	struct index_term t[INDEX_MAX_TERMS];
};

/* ---- $match ---------------------------------------------------------------- */

struct index_cand {
	char id[65];
	struct match_result r;
	cJSON *res; /* the Patient, the caller's to free */
};

#define INDEX_MATCH_CANDS 400

/** Patient/$match over the store: the Patients sharing a narrow blocking
 * key with q (core/match.h match_block_query; the wide keys too when none
 * of them is probable), scored with match_score(), the twin rule applied,
 * best first (grade, weight, id). Fills at most max; returns the count, or
 * -1 on a storage failure. The same algorithm as match_search(), so a
 * client found at the desk is found here. */
int index_match(struct store *st, const struct client *q, struct index_cand *out, int max,
                struct vax_error *err);

#endif
