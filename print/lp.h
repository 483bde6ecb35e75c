/* print/lp.h - sending a finished PDF to a printer through CUPS's `lp`.
 *
 * `lp` is run as a child process with an argument vector (no shell), so a
 * printer or file name is never interpreted; the caller polls the job from
 * its own loop and is never blocked. What `lp` says on failure ("The
 * printer or class does not exist.") is passed on in the error. The job
 * title is the caller's: print queues show titles to every user of the
 * machine, so it must not hold PHI.
 *
 * $VAXDESK_LP names another program taking lp's arguments (tests and sites
 * with their own spooler); the default is "lp" on PATH.
 */
#ifndef VAX_PRINT_LP_H
#define VAX_PRINT_LP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "print/pdf.h"

struct lp_job;

/** Start printing file on printer (NULL or "" = CUPS's default
 * destination) with the job title and paper size. NULL with err on
 * failure to start. When remove_after is set the file is deleted once lp
 * has read it (a temporary copy of a document with PHI). */
struct lp_job *lp_start(const char *file, const char *printer, const char *title, enum pdf_paper paper,
                        bool remove_after, struct vax_error *err);
/** A descriptor that becomes readable when lp has something to say or
 * ends (for poll() in the caller's loop). */
int lp_fd(const struct lp_job *j);
/** 1 done (request id, e.g. "front-12", copied), 0 still running, -1
 * failed (err holds lp's own words). Never blocks. */
int lp_poll(struct lp_job *j, char *request, size_t len, struct vax_error *err);
/** Wait for the end (tests and command-line use): as lp_poll but blocking. */
int lp_wait(struct lp_job *j, char *request, size_t len, struct vax_error *err);
/** Stop waiting: the child is killed if still running. NULLs *j. */
void lp_free(struct lp_job **j);

/** A temporary file name for a document about to be printed, in
 * $TMPDIR (or /tmp), created empty with mode 0600; malloc'd, NULL on error. */
char *lp_temp_path(const char *prefix, struct vax_error *err);

#endif
