/* hl7/query.h - the history and forecast queries of the CDC guide: QBP^Q11
 * (profiles Z34 "request immunization history" and Z44 "request evaluated
 * history and forecast") and RSP^K11 answers:
 *   Z32  one client found: PID, PD1, NK1, then each dose (ORC/RXA/RXR/OBX)
 *   Z42  the same with each dose's evaluation (OBX 30956-7 vaccine group,
 *        59779-9 schedule, 30973-2 dose number, 59781-5 validity) and the
 *        forecast on an RXA of CVX 998 (30981-5 earliest, 30980-7 due,
 *        59778-1 overdue, 59777-3 latest, 59783-1 status, per group)
 *   Z31  several possible clients: one PID each, for the sender to choose
 *   Z33  none: QAK-2 NF (not found), TM (more than RCP-2 allows), AE/AR
 * The query's QPD is echoed; QAK-1 is the query tag (QPD-2).
 */
#ifndef VAX_HL7_QUERY_H
#define VAX_HL7_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "hl7/vxu.h"

struct hl7_qbp {
	struct hl7_header hdr;
	char profile[8];   /* QPD-1: Z34 or Z44 */
	char tag[64];      /* QPD-2 */
	struct client who; /* QPD-3..11: identifiers, name, mother's maiden name, DOB, sex, address, phone,
	                      birth order */
	int max_results;   /* RCP-2 (default 10) */
	struct hl7_issues issues;
};

/** Read a QBP; false when it cannot be answered (then AR with q->issues). */
bool hl7_qbp_read(const struct hl7_msg *m, struct hl7_qbp *q, const char *registry_ns);
/** Write a QBP^Q11 for who (profile "Z34" or "Z44"). */
char *hl7_qbp_write(const struct hl7_write_opts *o, const char *profile, const char *tag,
                    const struct client *who, int max_results, size_t *len);

/** One dose's evaluation for one vaccine group (Z42). */
struct hl7_eval {
	int dose;          /* index into the doses */
	char group_cvx[4]; /* the group's CVX ("107" DTaP, unspecified formulation ...), may be "" */
	char group[64];    /* CDC's group name */
	int dose_number;   /* 0 if it counted for no dose */
	bool valid;
	char reason[80]; /* why not valid, "" */
};

/** What is due for one vaccine group (Z42). */
struct hl7_forecast {
	char group_cvx[4];
	char group[64];
	int dose_number;
	vax_date earliest, due, overdue, latest;
	char status[32]; /* "Not complete", "Complete", "Immune", ... */
};

struct hl7_rsp {
	const char *status; /* QAK-2: "OK", "NF", "TM", "AE", "AR" */
	const struct client *clients;
	int n_clients; /* 1 for Z32/Z42, several for Z31, 0 for Z33 */
	const struct immunization *doses;
	int n_doses;
	const struct hl7_eval *evals;
	int n_evals;
	const struct hl7_forecast *forecast;
	int n_forecast;
	const struct hl7_issues *issues;
};

/** The answer to q (malloc'd): its profile follows from r (Z31/Z32/Z33/Z42). */
char *hl7_rsp_write(const struct hl7_write_opts *o, const struct hl7_qbp *q, const struct hl7_rsp *r,
                    size_t *len);

/** What a reader of an RSP needs (tests, vaxdesk): profile, QAK status and the
 * records. clients and doses are malloc'd (free them). */
struct hl7_rsp_read {
	char profile[8], status[4], ack[4], tag[64];
	struct client *clients;
	int n_clients;
	struct immunization *doses;
	int n_doses;
	int n_forecast;
};
bool hl7_rsp_parse(const struct hl7_msg *m, struct hl7_rsp_read *r, struct vax_error *err);
void hl7_rsp_read_free(struct hl7_rsp_read *r);

#endif
