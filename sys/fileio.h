/* sys/fileio.h - reading and writing whole files, with errors a person can
 * act on ("cannot read /usr/share/vaxdesk/codes/cvx.csv: No such file"). */
#ifndef VAX_SYS_FILEIO_H
#define VAX_SYS_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/** Largest file fileio_read() accepts; code tables and keymaps are far
 * smaller, and a bigger file is a mistake, not data. */
#define FILEIO_MAX (64u * 1024 * 1024)

/** Read a whole file; *buf is malloc'd and NUL-terminated (*len excludes
 * the NUL). */
bool fileio_read(const char *path, char **buf, size_t *len, struct vax_error *err);

/** Write a file atomically: a temp file in the same directory, fsync, then
 * rename, so a crash leaves either the old or the new content. */
bool fileio_write_atomic(const char *path, const char *data, size_t len, int mode, struct vax_error *err);

/** The directory holding data/ (code tables, CDSi data, keymaps):
 * $VAXDESK_DATADIR if set, else the compiled-in install path. */
const char *fileio_datadir(void);

/** Join dir and name into a malloc'd path. */
char *fileio_join(const char *dir, const char *name);

/** Read name under fileio_datadir(), as fileio_read() does. */
bool fileio_read_data(const char *name, char **buf, size_t *len, struct vax_error *err);

#endif
