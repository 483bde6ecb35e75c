/* hl7/batch.h - HL7 v2 batch files: FHS [BHS {MSH...} BTS] FTS.
 *
 * The file route of a registry (an FTP drop, vaxdesk export-hl7): many
 * messages in one file. Reading also accepts what senders produce in
 * practice: a file of bare messages with no FHS/BHS at all, several
 * batches in one file, and any of \r, \n or \r\n between segments. The
 * counts BTS-1 and FTS-1 are checked when present.
 */
#ifndef VAX_HL7_BATCH_H
#define VAX_HL7_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct hl7_batch_msg {
	char *text; /* the message, segments ending in \r (malloc'd) */
	size_t len;
	int line; /* line of its MSH in the file */
};

struct hl7_batch {
	char sending_app[64], sending_facility[64];
	char receiving_app[64], receiving_facility[64];
	char control_id[200]; /* FHS-11 (else BHS-11) */
	char reference[200];  /* FHS-12 (else BHS-12): the file this one answers */
	bool has_header;      /* FHS or BHS present */
	struct hl7_batch_msg *msg;
	int n;
};

/** Split a file into its messages. Errors (HL7-BATCH-*) name the line:
 * text before the first message, a count in BTS/FTS that does not match,
 * a trailer without its header. */
bool hl7_batch_read(const char *text, size_t len, struct hl7_batch *b, struct vax_error *err);
void hl7_batch_free(struct hl7_batch *b);

/** What a batch file says about itself. */
struct hl7_batch_header {
	const char *sending_app, *sending_facility;
	const char *receiving_app, *receiving_facility;
	const char *control_id; /* FHS-11/BHS-11 */
	const char *reference;  /* FHS-12/BHS-12 (an ACK file names the file it answers) */
	const char *comment;    /* FHS-10/BHS-10 */
	int64_t now;
};

/** FHS, BHS, the messages, BTS and FTS with their counts (malloc'd). Each
 * message must be whole segments ending in \r. */
char *hl7_batch_write(const struct hl7_batch_header *h, char *const *msgs, const size_t *lens, int n,
                      size_t *len);

#endif
