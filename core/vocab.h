/* core/vocab.h - the small coded vocabularies of immunization records (HL7
 * v2.5.1 immunization IG tables and CDC value sets), each with the words a
 * person sees in a picker. Codes are what travel on the wire. */
#ifndef VAX_CORE_VOCAB_H
#define VAX_CORE_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

struct vocab_entry {
	const char *code;
	const char *label;
};

enum vocab {
	VOCAB_ROUTE = 0,    /* HL7 0162 */
	VOCAB_SITE,         /* HL7 0163 */
	VOCAB_FUNDING,      /* CDC PHVS_ImmunizationFundingSource_IIS */
	VOCAB_VFC,          /* HL7 0064 VFC eligibility */
	VOCAB_INFO_SOURCE,  /* CDC NIP001 immunization information source */
	VOCAB_REFUSAL,      /* CDC NIP002 substance refusal reason */
	VOCAB_RELATIONSHIP, /* HL7 0063 */
	VOCAB_RACE,         /* CDC race (OMB) */
	VOCAB_ETHNICITY,    /* CDC ethnicity */
	VOCAB_COUNT
};

/** Entries of a vocabulary; *n gets the count. */
const struct vocab_entry *vocab_entries(enum vocab v, size_t *n);
/** The entry for a code (case-insensitive), or NULL. */
const struct vocab_entry *vocab_find(enum vocab v, const char *code);
/** The label for a code, or "" if unknown. */
const char *vocab_label(enum vocab v, const char *code);
/** Name of the vocabulary for messages: "route", "body site", ... */
const char *vocab_name(enum vocab v);

#endif
