/* hl7/vxu.h - VXU^V04 (profile Z22 of the CDC Implementation Guide for
 * Immunization Messaging, release 1.5 and its 2018 addendum) <-> core.
 *
 * A VXU is one client (PID, PD1, NK1) and the doses reported for them
 * (ORC, RXA, RXR, OBX), read into the same struct client and struct
 * immunization the FHIR mapping fills, so a message goes through the very
 * rules and store path a FHIR request does.
 *
 * Where things go (see doc/hl7.md for the whole table):
 *   PID-3   identifiers: the client's UUID (assigning authority
 *           urn:ietf:rfc:3986, type PI), the registry id (type SR, the
 *           registry's namespace), every other identifier with its type and
 *           system; PID-5 legal name then AKAs (type A); PID-6 mother's
 *           maiden name; PID-11 addresses, current first, each with its
 *           effective date (XAD-13); PID-13 phones and e-mail; PID-24/25
 *           multiple birth; PID-29/30 deceased.
 *   PD1     PD1-4 primary provider, PD1-11/18 reminder/recall, PD1-12/13
 *           registry participation (protection indicator), PD1-16/17 status
 *           at the organization (table 0441).
 *   NK1     responsible persons (NK1-33 carries their UUID).
 *   ORC-3   the dose's durable id: its UUID. An EHR's own filler number is
 *           kept as sent (order_id); vaxregd turns it into the dose's UUID,
 *           so a resend with the same ORC-3 updates the dose.
 *   RXA     CVX (NDC as alternate), amount in mL, RXA-9 information source
 *           (NIP001), provider, lot, expiration, MVX, refusal reason
 *           (NIP002), completion status (CP, RE), action (A, U, D).
 *   RXR     route (NCIT or HL7 0162, as stored) and site.
 *   OBX     64994-7 VFC eligibility, 30963-3 funding, VIS (69764-9 GS1
 *           document, or 30956-7 vaccine; 29768-9 edition, 29769-7
 *           presented), 48767-8 notes. Client comments (reactions,
 *           immunity, contraindications) ride on an RXA of CVX 998 ("no
 *           vaccine administered"), as the guide does.
 *   ZPI/ZRX (only with the `extensions` option, which vaxdesk's file route
 *           uses and EHR-facing answers do not): what HL7 has no field for,
 *           so a record survives the file route whole (vital-records lock,
 *           tracking schedule, consent details, who entered what, versions,
 *           edit and delete reasons).
 */
#ifndef VAX_HL7_VXU_H
#define VAX_HL7_VXU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/client.h"
#include "core/immunization.h"
#include "core/rules.h"
#include "hl7/ack.h"
#include "hl7/msg.h"

#define HL7_VXU_MAX_DOSES  40
#define HL7_UUID_AUTHORITY "urn:ietf:rfc:3986" /* the assigning authority of a UUID identifier */

struct hl7_dose {
	struct immunization im;
	struct hl7_where where;
	char order_id[VAX_NAME_LEN]; /* ORC-3.1 as sent */
	char order_ns[VAX_NAME_LEN]; /* ORC-3.2 */
	char action;                 /* RXA-21: 'A' add, 'U' update, 'D' delete */
};

struct hl7_vxu {
	struct hl7_header hdr;
	struct client client;
	bool has_pid;
	struct hl7_dose dose[HL7_VXU_MAX_DOSES];
	int n_dose;
	struct hl7_issues issues; /* what the message itself gets wrong */
};

/** How records are written. */
struct hl7_write_opts {
	const char *sending_app, *sending_facility;
	const char *receiving_app, *receiving_facility;
	const char *control_id;  /* MSH-10 */
	const char *processing;  /* "P" (default), "T" */
	const char *registry_ns; /* assigning authority of registry ids (SR); default "VAXREGD" */
	bool extensions;         /* write ZPI/ZRX */
	int64_t now;
};

/** Read a VXU into v (heap-sized: allocate it). Problems go to v->issues
 * with their HL7 locations; returns false when the message cannot be
 * processed at all (not a VXU, no PID): answer AR. */
bool hl7_vxu_read(const struct hl7_msg *m, struct hl7_vxu *v, const char *registry_ns);
/** Write a VXU for one client and n of their doses (malloc'd). */
char *hl7_vxu_write(const struct hl7_write_opts *o, const struct client *c, const struct immunization *im,
                    int n, size_t *len);

/** The pieces, shared with the query responses (hl7/query.h). */
void hl7_pid_write(struct hl7_out *o, const struct client *c, const struct hl7_write_opts *opt);
void hl7_pid_read(const struct hl7_msg *m, int seg, struct client *c, struct hl7_issues *is,
                  const char *registry_ns);
/** ORC, RXA, RXR and OBX of one dose; seq numbers the ORC/RXA group. */
void hl7_order_write(struct hl7_out *o, const struct immunization *im, const struct hl7_write_opts *opt);

/** The ORC and RXA (CVX 998, "no vaccine administered") that observations
 * about the client rather than a dose hang from: comments in a VXU, the
 * forecast in an RSP. */
void hl7_no_vaccine_write(struct hl7_out *o, int64_t now);
/** Start an OBX: set id ++*n, value type, LOINC code and words, sub-id
 * (OBX-4 groups the observations of one thing), result status F. */
void hl7_obx_start(struct hl7_out *o, int *n, const char *type, const char *loinc, const char *label,
                   int sub);

/** Run core/rules over a decoded VXU as vaxregd would (client and each
 * dose), adding the violations to is with their HL7 locations. */
void hl7_vxu_check(const struct hl7_vxu *v, const struct rule_ctx *ctx, struct hl7_issues *is);

#endif
