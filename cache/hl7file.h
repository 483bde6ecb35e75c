/* cache/hl7file.h - vaxdesk's file route: the outbox as an HL7 v2.5.1 batch
 * file for the registry's FTP folder (accepted while the registry is down
 * for maintenance and processed after), and the registry's ACK file read
 * back into the outbox.
 *
 *   vaxdesk export-hl7 [--from DATE] [--to DATE] [--output FILE]
 *   vaxdesk import-ack FILE
 *
 * Each outbox entry becomes one VXU whose MSH-10 is the entry's UUID, so
 * each ACK (MSA-2) names the entry it answers. A dose goes with its client
 * (PID), its ORC-3 is the dose's UUID (a resend, over HL7 or FHIR, is the
 * same dose), and the ZPI/ZRX segments carry what HL7 has no field for, so
 * nothing typed at the desk is lost on the way. Without dates the unsent
 * entries are written; with --from/--to (MM/DD/YYYY or YYYY-MM-DD, by the
 * day each was typed) every entry of those days that was not discarded.
 * Exporting changes nothing in the store; importing the ACK marks each
 * entry accepted, or rejected with the registry's errors in words.
 */
#ifndef VAX_CACHE_HL7FILE_H
#define VAX_CACHE_HL7FILE_H

#include <stdint.h>
#include <stdio.h>

#include "cache/store.h"
#include "core/date.h"
#include "core/error.h"

struct hl7file_export {
	const char *path;       /* file to write (created 0600) */
	vax_date from, to;      /* DATE_NONE: the unsent entries */
	const char *org, *user; /* MSH-4 / FHS-4 is the organization */
	int64_t now;
};

/** Write the batch; returns the number of messages, -1 with err. A summary
 * line goes to out. */
int hl7file_export(struct cache_store *s, const struct hl7file_export *o, FILE *out, struct vax_error *err);
/** Read an ACK file; each answer moves its entry. Returns the entries
 * updated, -1 with err (HL7-* codes name the problem and line). One line
 * per entry goes to out. */
int hl7file_import_ack(struct cache_store *s, const char *path, FILE *out, struct vax_error *err);

#endif
