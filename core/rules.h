/* core/rules.h - the validation rules a registry applies to incoming data.
 *
 * Each rule has a stable code (it travels in OperationOutcome and in the
 * outbox, so it never changes meaning) and a sentence a front-desk person can
 * act on. The same functions run in vaxdesk (beside the field as it is typed)
 * and in vaxregd (before anything is stored), so both sides always agree.
 *
 * To add a rule: add a line to RULE_INFO, check it in rules.c, and give it a
 * passing and a failing case in tests/core/test_rules.c.
 */
#ifndef VAX_CORE_RULES_H
#define VAX_CORE_RULES_H

#include <stdbool.h>

#include "core/client.h"
#include "core/codes.h"
#include "core/immunization.h"

/* _(ENUM, code, field, severity, message) */
#define RULE_INFO(_)                                                                                         \
	_(NAME_FAMILY_MISSING, "V-NAME-FAMILY-MISSING", "name.family", RULE_ERROR,                           \
	  "Enter the client's last name.")                                                                   \
	_(NAME_GIVEN_MISSING, "V-NAME-GIVEN-MISSING", "name.given", RULE_ERROR,                              \
	  "Enter the client's first name.")                                                                  \
	_(NAME_CHARS, "V-NAME-CHARS", "name", RULE_ERROR,                                                    \
	  "Names may contain letters (accents allowed), spaces, hyphens and apostrophes only.")              \
	_(DOB_MISSING, "V-DOB-MISSING", "dob", RULE_ERROR, "Enter the date of birth.")                       \
	_(DOB_FUTURE, "V-DOB-FUTURE", "dob", RULE_ERROR, "The date of birth cannot be in the future.")       \
	_(DOB_TOO_OLD, "V-DOB-TOO-OLD", "dob", RULE_ERROR, "The date of birth cannot be before 01/01/1890.") \
	_(SEX_MISSING, "V-SEX-MISSING", "sex", RULE_ERROR, "Choose the client's sex (F, M, X or U).")        \
	_(COUNTY_MISSING, "V-COUNTY-MISSING", "address.county", RULE_ERROR,                                  \
	  "Enter the residential county for a new client.")                                                  \
	_(ZIP_FORMAT, "V-ZIP-FORMAT", "address.zip", RULE_ERROR,                                             \
	  "A ZIP code has 5 digits, or 5+4 (12345-6789).")                                                   \
	_(STATE_FORMAT, "V-STATE-FORMAT", "address.state", RULE_ERROR,                                       \
	  "Enter the state as its two-letter code (TX).")                                                    \
	_(PHONE_FORMAT, "V-PHONE-FORMAT", "phone", RULE_ERROR,                                               \
	  "A phone number has 10 digits, area code first.")                                                  \
	_(SHOT_DATE_MISSING, "V-SHOT-DATE-MISSING", "date_given", RULE_ERROR,                                \
	  "Enter the date the vaccine was given.")                                                           \
	_(SHOT_BEFORE_DOB, "V-SHOT-BEFORE-DOB", "date_given", RULE_ERROR,                                    \
	  "The vaccination date cannot be before the date of birth.")                                        \
	_(SHOT_FUTURE, "V-SHOT-FUTURE", "date_given", RULE_ERROR,                                            \
	  "The vaccination date cannot be in the future.")                                                   \
	_(EXPIRED_BEFORE_SHOT, "V-EXPIRED", "expiration", RULE_ERROR,                                        \
	  "The lot had expired on the vaccination date.")                                                    \
	_(CVX_MISSING, "V-CVX-MISSING", "cvx", RULE_ERROR, "Choose the vaccine.")                            \
	_(CVX_UNKNOWN, "V-CVX-UNKNOWN", "cvx", RULE_ERROR,                                                   \
	  "That vaccine code (CVX) is not in the CDC table.")                                                \
	_(CVX_NEVER_ACTIVE, "V-CVX-NEVER-ACTIVE", "cvx", RULE_ERROR,                                         \
	  "That vaccine (CVX) was never licensed for use; choose the vaccine actually given.")               \
	_(CVX_NOT_ACTIVE, "V-CVX-NOT-ACTIVE", "cvx", RULE_ERROR,                                             \
	  "That vaccine (CVX) is no longer available; a dose given today must use an active vaccine, or "    \
	  "record it as historical.")                                                                        \
	_(CVX_UNSPECIFIED, "V-CVX-UNSPECIFIED", "cvx", RULE_ERROR,                                           \
	  "An 'unspecified formulation' code can only be used for a historical dose; choose the product "    \
	  "given.")                                                                                          \
	_(NDC_FORMAT, "V-NDC-FORMAT", "ndc", RULE_ERROR,                                                     \
	  "Write the NDC as on the label, 10 digits with dashes (4-4-2, 5-3-2 or 5-4-1), or as 11 digits "   \
	  "without dashes.")                                                                                 \
	_(NDC_UNKNOWN, "V-NDC-UNKNOWN", "ndc", RULE_ERROR,                                                   \
	  "That NDC is not in CDC's table of vaccine NDCs.")                                                 \
	_(NDC_MISMATCH, "V-NDC-MISMATCH", "ndc", RULE_ERROR,                                                 \
	  "The NDC is for another vaccine than the CVX code says.")                                          \
	_(MVX_UNKNOWN, "V-MVX-UNKNOWN", "mvx", RULE_ERROR,                                                   \
	  "That manufacturer code (MVX) is not in the CDC table.")                                           \
	_(MVX_MISMATCH, "V-MVX-MISMATCH", "mvx", RULE_ERROR,                                                 \
	  "That manufacturer does not make this vaccine.")                                                   \
	_(LOT_MISSING, "V-LOT-MISSING", "lot", RULE_ERROR, "Enter the lot number for a dose given here.")    \
	_(FUNDING_MISSING, "V-FUNDING-MISSING", "funding", RULE_ERROR,                                       \
	  "Choose the funding source for a dose given to a child.")                                          \
	_(VFC_MISSING, "V-VFC-MISSING", "vfc", RULE_ERROR,                                                   \
	  "Choose the VFC eligibility for a dose given to a child.")                                         \
	_(CODE_UNKNOWN, "V-CODE-UNKNOWN", "code", RULE_ERROR, "That code is not one of the allowed values.") \
	_(REFUSAL_REASON_MISSING, "V-REFUSAL-REASON", "refusal_reason", RULE_ERROR,                          \
	  "Choose the reason the vaccine was refused.")                                                      \
	_(HISTORICAL_SOURCE, "V-HISTORICAL-SOURCE", "info_source", RULE_ERROR,                               \
	  "Choose where the record of this historical dose came from.")                                      \
	_(DUPLICATE_SHOT, "V-DUPLICATE-SHOT", "date_given", RULE_WARNING,                                    \
	  "This client already has a dose of this vaccine group within a few days of this date.")            \
	_(RESP_NAME_MISSING, "V-RESP-NAME-MISSING", "resp.name", RULE_ERROR,                                 \
	  "Enter the responsible person's last and first name.")                                             \
	_(RESP_RELATIONSHIP, "V-RESP-RELATIONSHIP", "resp.relationship", RULE_ERROR,                         \
	  "Choose how the responsible person is related to the client.")                                     \
	_(CONSENT_MISSING, "V-CONSENT-MISSING", "consent", RULE_WARNING,                                     \
	  "No registry consent is recorded: ask the parent or guardian (client under 18) or the client (18 " \
	  "or older) and record the answer on the Consent tab.")                                             \
	_(CONSENT_ADULT_MINOR, "V-CONSENT-ADULT-MINOR", "consent.adult", RULE_ERROR,                         \
	  "Adult consent is given by a client 18 or older; record a parent's answer as minor consent.")      \
	_(CONSENT_DATE_MISSING, "V-CONSENT-DATE-MISSING", "consent.date", RULE_ERROR,                        \
	  "Enter the date the consent was given, refused or withdrawn.")                                     \
	_(CONSENT_DATE_FUTURE, "V-CONSENT-DATE-FUTURE", "consent.date", RULE_ERROR,                          \
	  "The consent date cannot be in the future.")                                                       \
	_(COUNTY_FORMAT, "V-COUNTY-FORMAT", "address.county", RULE_ERROR,                                    \
	  "Enter the county's name (letters, spaces, hyphens, apostrophes and periods) or its 5-digit FIPS " \
	  "code.")                                                                                           \
	_(COUNTY_STATE, "V-COUNTY-STATE", "address.county", RULE_ERROR,                                      \
	  "That county code (FIPS) is not a county of the address's state.")

enum rule_severity { RULE_ERROR = 0, RULE_WARNING };

#define RULE_ENUM(e, code, field, sev, msg) RULE_##e,
enum rule_id { RULE_INFO(RULE_ENUM) RULE_COUNT };
#undef RULE_ENUM

#define RULES_MAX_VIOLATIONS 32

struct rule_violation {
	enum rule_id rule;
	const char *field; /* the field it concerns, e.g. "dob", "address.county" */
	char detail[128];  /* optional specifics ("CVX 08 is Inactive"), may be "" */
};

struct rule_report {
	struct rule_violation v[RULES_MAX_VIOLATIONS];
	int n;
};

/** What the rules need besides the record. */
struct rule_ctx {
	vax_date today;            /* from the caller, never the clock */
	const struct codes *codes; /* may be NULL: code checks are skipped */
	bool new_record;           /* creating, not updating (county rule) */
	int duplicate_window_days; /* 0 means the default, 4 */
};

const char *rule_code(enum rule_id r);
const char *rule_message(enum rule_id r);
const char *rule_field(enum rule_id r);
enum rule_severity rule_severity(enum rule_id r);

void rules_report_init(struct rule_report *rep);
/** True if the report holds any RULE_ERROR (warnings do not block a save). */
bool rules_has_errors(const struct rule_report *rep);
/** The first violation for a field, or NULL: what a form shows beside it. */
const struct rule_violation *rules_for_field(const struct rule_report *rep, const char *field);

/** Name characters only (used for each name part). */
bool rules_name_ok(const char *utf8);

/** Check a client; appends to rep. */
void rules_check_client(const struct rule_ctx *ctx, const struct client *c, struct rule_report *rep);
/** Check one responsible person (also run for each by rules_check_client). */
void rules_check_responsible(const struct responsible_person *rp, struct rule_report *rep);
/** Check the registry consent of a client born on dob (DATE_NONE if
 * unknown); a new record without any answer gets the V-CONSENT-MISSING
 * warning. Not part of rules_check_client: Consent is its own resource. */
void rules_check_consent(const struct rule_ctx *ctx, vax_date dob, const struct consent *cs,
                         struct rule_report *rep);
/** Check a dose; dob is the client's (DATE_NONE if unknown). */
void rules_check_immunization(const struct rule_ctx *ctx, vax_date dob, const struct immunization *im,
                              struct rule_report *rep);
/** Warn if im looks like a duplicate of one of existing[] (same vaccine
 * group, dates within the window, neither refused nor entered in error).
 * Returns the index of the first match or -1. */
int rules_check_duplicate(const struct rule_ctx *ctx, const struct immunization *im,
                          const struct immunization *existing, int n, struct rule_report *rep);

#endif
