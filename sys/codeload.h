/* sys/codeload.h - load CDC's code tables from the data directory. */
#ifndef VAX_SYS_CODELOAD_H
#define VAX_SYS_CODELOAD_H

#include <stdbool.h>

#include "core/codes.h"
#include "core/error.h"

/** Read every table from dir (e.g. "<datadir>/codes"). Stops at the first
 * bad file with an error naming it and the line. */
bool codeload_dir(struct codes *c, const char *dir, struct vax_error *err);

/** codeload_dir on fileio_datadir()/codes into a new set; NULL on error. */
struct codes *codeload_default(struct vax_error *err);

#endif
