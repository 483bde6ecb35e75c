/* core/match.h - finding a client: blocking keys, field comparators that know
 * front-desk typing errors, a weight-sum score with grades, and an in-memory
 * candidate index.
 *
 * The same code runs on the server (Patient/$match), over the offline store
 * and at the Smart search screen. Scoring is a Fellegi-Sunter-style sum of
 * log2 likelihood ratios, one per field and agreement level; the grades cut
 * that sum at thresholds calibrated on tests/match/eval.txt. doc/matching.md
 * explains the weights, the keys and the measured figures.
 *
 * The reasons in a match_result name the values compared ("García vs
 * García-López"): they are PHI, for the screen only, never for logs.
 */
#ifndef VAX_CORE_MATCH_H
#define VAX_CORE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/client.h"

/** FHIR match-grade, weakest first. */
enum match_grade {
	MATCH_NONE = 0, /* not returned as a candidate */
	MATCH_POSSIBLE,
	MATCH_PROBABLE,
	MATCH_CERTAIN,
};

/* Grade thresholds on the weight sum (calibrated, see doc/matching.md). */
#define MATCH_W_CERTAIN  22.0
#define MATCH_W_PROBABLE 13.0
#define MATCH_W_POSSIBLE 6.0

#define MATCH_WHY_MAX 12
#define MATCH_WHY_LEN 160

struct match_result {
	double weight; /* sum of log2 likelihood ratios */
	double score;  /* 0..1, monotone in weight */
	enum match_grade grade;
	/* a rule keeps this pair below certain whatever the weight (twins,
	 * no DOB or first name agreement, a partial surname unconfirmed) */
	bool not_certain;
	size_t index; /* match_search: position in the array */
	int n_why;
	/* field by field in words: "DOB agrees", "last name differs (A vs B)" */
	char why[MATCH_WHY_MAX][MATCH_WHY_LEN];
};

/** Compare a query (what was typed: any fields may be empty) with a
 * candidate record and fill out. Symmetric enough for record-to-record
 * duplicate checks, but the query's empty fields count as "not asked". */
void match_score(const struct client *query, const struct client *candidate, struct match_result *out);

/** FHIR code of a grade: "certain", "probable", "possible", "certainly-not". */
const char *match_grade_code(enum match_grade g);

/* ---- blocking keys --------------------------------------------------- */

#define MATCH_KEY_LEN  32
#define MATCH_KEYS_MAX 128

/** Index keys: short strings made of phonetic codes, digits and a kind
 * prefix: D:20190315 (DOB), GF:MR:KRS (given and family sound), FY:KRS:2019
 * and FM:KRS:0315 (family with birth year, with birth month and day),
 * GY:MR:2019 and GM:MR:0315 (the same for the given name), P:5125550100
 * (phone). Store them (or an HMAC of them) per client; look up the query's
 * keys and score the union of what they find. They are derived from PHI:
 * keep them as protected as the record. */
struct match_keys {
	int n;
	char key[MATCH_KEYS_MAX][MATCH_KEY_LEN];
};

/** The keys an index stores for a record (its name and AKA names). */
void match_keys_record(const struct client *c, struct match_keys *out);

/** The keys to look up for a query: the record keys of the query plus
 * variants for the errors the comparators forgive (day and month swapped,
 * first and last name swapped). A superset of match_keys_record(q). */
void match_keys_query(const struct client *q, struct match_keys *out);

/** Narrow blocking keys, for large registries (vaxregd, the in-memory
 * index): each combines a name's sound with most of the DOB, so a key holds
 * a handful of clients even among millions, and any one field typed wrong
 * (a DOB digit, day and month swapped, a nickname, a married or misspelt
 * last name) still leaves a key in common: Y:MR:KRS:201903 (given, family,
 * birth year and month), M:MR:KRS:201915 (year and day), X:MR:KRS:0315
 * (month and day), G:MR:20190315 (given and DOB), F:KRS:20190315 (family
 * and DOB), N:MR:KRS (names alone), D:20190315, P:5125550100 and the wide
 * keys below. A record
 * stores every kind; a query looks up the narrow ones it can make (N and P
 * only without a DOB, D only without a name), with first and last name and
 * day and month swapped. Derived from PHI like match_keys. */
void match_block_record(const struct client *c, struct match_keys *out);
void match_block_query(const struct client *q, struct match_keys *out);
/** The wider keys to look up when the narrow ones found nothing probable
 * (two fields wrong, or a client not on file), for a query with a DOB: D
 * (the DOB), A:MR:201903, H:MR:201915 and B:MR:0315 (given with the birth
 * year and month, year and day, or month and day), C:KRS:201903,
 * I:KRS:201915 and E:KRS:0315 (the same for the family name); with day and
 * month swapped too. Records store them. */
void match_block_wide(const struct client *q, struct match_keys *out);

/** The twin rule over a scored candidate list (cands[i] scored as res[i]):
 * a client graded certain whose co-twin (same DOB and last name, another
 * first name or birth order) is also a candidate stays certain only if the
 * query tells them apart, by birth order on all three or by a first name
 * that is the client's own and not the co-twin's. A nickname or look-alike
 * name never does. Lowers res[i] to probable, with the reason. */
void match_twins(const struct client *query, const struct client *const *cands, struct match_result *res,
                 size_t n);

/* ---- in-memory index and search (tests, bench, offline store) -------- */

struct match_index;

/** An empty index of 64-bit key hashes to positions. */
struct match_index *match_index_new(void);
void match_index_free(struct match_index *ix);
/** Add record c at position pos (its index in the caller's array), under
 * its match_block_record() keys. */
void match_index_add(struct match_index *ix, const struct client *c, uint32_t pos);
/** Positions stored under one key, or NULL (then *n is 0). */
const uint32_t *match_index_lookup(const struct match_index *ix, const char *key, size_t *n);

/** Score candidates from arr (n records), apply the twin rule, and keep
 * the best `max` with a grade of at least possible, best first (grade, then
 * weight), reasons filled in. With an index only the records sharing a key
 * with the query (match_block_query) are scored; with ix NULL every record
 * is. Returns how many results were written. If scored is not
 * NULL it receives the number of records scored. */
size_t match_search(const struct client *query, const struct client *arr, size_t n,
                    const struct match_index *ix, struct match_result *out, size_t max, size_t *scored);

#endif
