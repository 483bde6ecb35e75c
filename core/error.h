/* core/error.h - a recoverable error: a stable code and a sentence for a person.
 *
 * Functions that can fail for reasons a user or operator can fix take a
 * `struct vax_error *` (may be NULL) and return false/NULL/-1; the caller shows
 * err->message as it is. Programming errors are not reported this way: they
 * are bugs, caught by assertions and the sanitizers.
 */
#ifndef VAX_CORE_ERROR_H
#define VAX_CORE_ERROR_H

#include <stdbool.h>

#define VAX_ERROR_MSG_LEN 512

struct vax_error {
	char code[32];                   /* stable, e.g. "V-DOB-FUTURE", "CODES-COLUMN" */
	char message[VAX_ERROR_MSG_LEN]; /* what a person reads */
};

/** Set code and a printf-style message; no-op if err is NULL. Returns false
 * so callers can `return error_set(err, ...);`. */
bool error_set(struct vax_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Clear to "no error". */
void error_clear(struct vax_error *err);
/** True if err holds an error. */
bool error_isset(const struct vax_error *err);

#endif
