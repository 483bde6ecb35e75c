/* registry/spool.h - the file route: batch files dropped into a spool folder
 * (the registry's FTP area) are processed, each answered by an ACK file
 * beside it.
 *
 * Layout: DIR/<ORG>/<file>, one folder per organization code (the sender's
 * FTP account writes only its own). A file is taken once its size and time
 * have stayed the same for one poll (an upload in progress is left alone),
 * unless its name starts with '.' or ends in .part, .tmp or .ack. The answer
 * is written to <file>.ack (atomically); a file with an .ack beside it is
 * done. While the registry is in maintenance files wait, and are processed
 * when it ends: nothing has to be sent again. A crash between processing
 * and writing the ACK processes the file again, which changes nothing
 * (clients are found again, doses by their ORC-3).
 *
 * Files are processed as the system account "hl7-spool" of the folder's
 * organization, with a provider's rights there, through the same path as
 * POST /hl7v2, so every read and write is audited under that name.
 */
#ifndef VAX_REGISTRY_SPOOL_H
#define VAX_REGISTRY_SPOOL_H

#include "core/error.h"
#include "registry/routes.h"

#define SPOOL_USER "hl7-spool"

struct spool;

/** Start watching dir (created if missing) every poll_ms (default 2000). */
struct spool *spool_start(struct registry *a, const char *dir, int poll_ms, struct vax_error *err);
/** Stop after the file in progress. NULL is fine. */
void spool_stop(struct spool **sp);

#endif
