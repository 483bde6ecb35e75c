/* hl7/ack.h - the message header, errors as HL7 reports them, and the
 * acknowledgement (ACK^V04, profile Z23).
 *
 * An error found anywhere (the text, the header, a data type, a code
 * table, or one of core/rules' validation rules) becomes one struct
 * hl7_issue: where it is (ERR-2: segment, its sequence, field, component),
 * HL7's own code (ERR-3, table 0357), the severity (ERR-4: E, W or I), the
 * CDC application error (ERR-5, table 0533, with our stable code such as
 * V-CVX-UNKNOWN as the alternate identifier), and the words a person acts on
 * (ERR-8). A rule's code is the same in an ACK as in a FHIR OperationOutcome.
 *
 * MSA-1 follows the 2018 addendum to the CDC guide (release 1.5): AA when
 * nothing is an error (warnings may be listed), AE when something was not
 * stored, AR when the message as a whole was refused (header, type, version,
 * processing id, not readable).
 */
#ifndef VAX_HL7_ACK_H
#define VAX_HL7_ACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/rules.h"
#include "hl7/msg.h"

/* HL7 table 0357, message error condition codes. */
#define HL7_ERR_TABLE(_)                                                                                     \
	_(HL7_OK, 0, "Message accepted")                                                                     \
	_(HL7_SEGMENT_SEQUENCE, 100, "Segment sequence error")                                               \
	_(HL7_REQUIRED, 101, "Required field missing")                                                       \
	_(HL7_DATA_TYPE, 102, "Data type error")                                                             \
	_(HL7_TABLE_VALUE, 103, "Table value not found")                                                     \
	_(HL7_UNSUPPORTED_TYPE, 200, "Unsupported message type")                                             \
	_(HL7_UNSUPPORTED_EVENT, 201, "Unsupported event code")                                              \
	_(HL7_UNSUPPORTED_PROCESSING, 202, "Unsupported processing id")                                      \
	_(HL7_UNSUPPORTED_VERSION, 203, "Unsupported version id")                                            \
	_(HL7_UNKNOWN_KEY, 204, "Unknown key identifier")                                                    \
	_(HL7_DUPLICATE_KEY, 205, "Duplicate key identifier")                                                \
	_(HL7_RECORD_LOCKED, 206, "Application record locked")                                               \
	_(HL7_INTERNAL, 207, "Application internal error")

#define HL7_ERR_ENUM(e, n, t) e = n,
enum hl7_err { HL7_ERR_TABLE(HL7_ERR_ENUM) };
#undef HL7_ERR_ENUM

/* CDC table 0533, application error codes (ERR-5). */
#define HL7_APP_TABLE(_)                                                                                     \
	_(HL7_APP_NONE, 0, "")                                                                               \
	_(HL7_APP_ILLOGICAL_DATE, 1, "Illogical Date error")                                                 \
	_(HL7_APP_INVALID_DATE, 2, "Invalid Date")                                                           \
	_(HL7_APP_ILLOGICAL_VALUE, 3, "Illogical Value error")                                               \
	_(HL7_APP_INVALID_VALUE, 4, "Invalid value")                                                         \
	_(HL7_APP_TABLE_VALUE, 5, "Table value not found")                                                   \
	_(HL7_APP_OBSERVATION_MISSING, 6, "Required observation missing")                                    \
	_(HL7_APP_DATA_MISSING, 7, "Required Data Missing")

#define HL7_APP_ENUM(e, n, t) e = n,
enum hl7_app_err { HL7_APP_TABLE(HL7_APP_ENUM) };
#undef HL7_APP_ENUM

/** Words of a 0357 or 0533 code ("" if unknown). */
const char *hl7_err_text(int code);
const char *hl7_app_err_text(int code);

/** ERR-2: where the problem is. seq is the segment's occurrence (1 = the
 * first RXA); 0 in field/comp means the whole segment/field. */
struct hl7_loc {
	char seg[4];
	int seq, field, rep, comp;
};

struct hl7_issue {
	struct hl7_loc loc;
	int hl7_code;   /* enum hl7_err */
	char severity;  /* 'E', 'W' or 'I' */
	int app_code;   /* enum hl7_app_err */
	char code[40];  /* stable: "V-CVX-UNKNOWN", "HL7-DATE", ... */
	char text[320]; /* ERR-8: for the person who fixes it */
	char diag[160]; /* ERR-7: specifics (the value sent), may be "" */
};

#define HL7_MAX_ISSUES 48

struct hl7_issues {
	struct hl7_issue v[HL7_MAX_ISSUES];
	int n;
};

/** Append an issue (silently ignored once HL7_MAX_ISSUES are kept). */
void hl7_issue_add(struct hl7_issues *is, const struct hl7_loc *loc, int hl7_code, char severity,
                   int app_code, const char *code, const char *diag, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/** True if any issue is an error (severity E). */
bool hl7_issues_errors(const struct hl7_issues *is);
/** True if any issue refuses the whole message (a header problem). */
bool hl7_issues_reject(const struct hl7_issues *is);

/** Where each record of a VXU is, so a rule's field can be named in HL7. */
struct hl7_where {
	int rxa_seq; /* the dose's RXA (0: the rule is about the client) */
	int rxr_seq; /* its RXR, 0 if none */
	int obx_funding_seq, obx_vfc_seq, obx_vis_seq;
	int nk1_seq; /* for responsible-person rules, the NK1 */
};

/** Add each violation of a rule report with its HL7 location and codes. */
void hl7_issues_from_rules(struct hl7_issues *is, const struct rule_report *rep, const struct hl7_where *w);
/** The same from a FHIR OperationOutcome (what vaxregd's FHIR handlers
 * answer): business-rule issues keep their rule's location and codes;
 * others become a 207 at the record's segment. */
void hl7_issues_from_outcome(struct hl7_issues *is, const cJSON *oo, const struct hl7_where *w);

/* ---- the header --------------------------------------------------------------- */

struct hl7_header {
	char sending_app[64], sending_facility[64];
	char receiving_app[64], receiving_facility[64];
	char time[32];
	char type[8], event[8], structure[16]; /* MSH-9: VXU^V04^VXU_V04 */
	char control_id[200];                  /* MSH-10 */
	char processing[4];                    /* MSH-11: P, T or D */
	char version[16];                      /* MSH-12 */
	char accept_ack[4], app_ack[4];        /* MSH-15, MSH-16 */
	char charset[16];                      /* MSH-18 */
	char profile[32];                      /* MSH-21.1: Z22, Z34, ... */
	char responsible_org[64];              /* MSH-22.1 (XON organization name) */
	char responsible_id[64];               /* MSH-22.10 (organization identifier) */
};

/** Read MSH; problems go to is (an AR-level issue when the message cannot be
 * processed). Returns false if the message is not one to answer at all. */
bool hl7_header_read(const struct hl7_msg *m, struct hl7_header *h, struct hl7_issues *is);
/** Write MSH into a builder (MSH-7 from now when h->time is empty). */
void hl7_header_write(struct hl7_out *o, const struct hl7_header *h, int64_t now);

/* ---- ACK -------------------------------------------------------------------------- */

struct hl7_ack {
	struct hl7_header hdr;
	char code[4];       /* MSA-1: AA, AE, AR (CA, CE, CR accepted too) */
	char acked_id[200]; /* MSA-2: the control id of the message answered */
	char text[200];     /* MSA-3 (deprecated; read if sent) */
	struct hl7_issues issues;
};

/** "AA", "AE" or "AR" for a set of issues. */
const char *hl7_ack_code(const struct hl7_issues *is);
/** An ACK answering req (which may be partly unreadable: any field may be
 * ""). The ACK's own MSH-10 is control_id. */
char *hl7_ack_write(const struct hl7_header *req, const char *app, const char *facility,
                    const char *control_id, const char *ack_code, const struct hl7_issues *is, int64_t now,
                    size_t *len);
/** Read an ACK (HL7-NOT-ACK if it is another message). */
bool hl7_ack_read(const struct hl7_msg *m, struct hl7_ack *a, struct vax_error *err);
/** One line for a person: "RXA-5 (dose 1): That vaccine code (CVX) is not in
 * the CDC table. [V-CVX-UNKNOWN]". */
char *hl7_issue_words(const struct hl7_issue *i, char *buf, size_t cap);

#endif
