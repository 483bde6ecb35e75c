/* registry/routes_hl7.h - vaxregd's HL7 v2.5.1 service: VXU answered with an
 * ACK, QBP answered with an RSP.
 *
 * Three ways in, one way through: POST /hl7v2 (Content-Type
 * application/hl7-v2, a bearer token as for FHIR), the CDC IIS SOAP web
 * service (registry/soap.h, at /iis), and the spool folder for batch files
 * (registry/spool.h). Each message is read into core structs (hl7/vxu.h) and
 * sent through the registry's own FHIR handlers as the sending user, so the
 * same validation rules (with the same codes), permissions and audit apply;
 * their OperationOutcomes come back as ERR segments. On top of FHIR:
 *   - the client is found by the registry id (PID-3 type SR), the UUID, the
 *     sender's other identifiers, then Patient/$match (certain matches
 *     only), and updated with what the message adds; else created;
 *   - a dose's UUID is its ORC-3: a UUID as is, else a name-based UUID (v5)
 *     of the sending organization and ORC-3, so a resend with the same ORC-3
 *     updates that dose instead of adding one;
 *   - a new dose that looks like one the client already has (same vaccine
 *     group, within the duplicate window, another ORC-3) is not added: the
 *     ACK says V-DUPLICATE-SHOT and names the dose the registry has.
 */
#ifndef VAX_REGISTRY_ROUTES_HL7_H
#define VAX_REGISTRY_ROUTES_HL7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/routes.h"

#define CT_HL7 "application/hl7-v2"

/** Answer one HL7 message (or a batch file: a batch of answers) sent by the
 * session of `bearer` ("Bearer ..."). Returns the answer (malloc'd);
 * ack_code (may be NULL, 4 bytes) receives the worst MSA-1 of it. */
char *reg_hl7_answer(struct registry *a, const char *bearer, const char *text, size_t len, int64_t now,
                     size_t *out_len, char *ack_code);

/** Mint a short-lived session for a system account (the spool): a token
 * for `username` (created without a usable password if missing) at org as
 * a provider. Writes "Bearer <token>" into bearer. False if org is unknown. */
bool reg_hl7_system_session(struct registry *a, const char *username, const char *org, int64_t now,
                            char *bearer, size_t cap);
/** End a session made by reg_hl7_system_session or a SOAP login. */
void reg_hl7_end_session(struct registry *a, const char *bearer, int64_t now);

#endif
