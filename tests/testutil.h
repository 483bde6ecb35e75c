/* tests/testutil.h - helpers shared by the Check suites. */
#ifndef VAX_TESTS_TESTUTIL_H
#define VAX_TESTS_TESTUTIL_H

#include <stddef.h>

/** Directory of the project's data/ (VAXDESK_DATADIR, set by make check). */
const char *testutil_datadir(void);
/** Top of the source tree (top_srcdir, set by make check; "." otherwise). */
const char *testutil_srcdir(void);
/** Make a fresh private temporary directory; the path is malloc'd. */
char *testutil_mkdtemp(void);
/** Remove a directory tree made by testutil_mkdtemp. */
void testutil_rmtree(const char *path);
struct cdsi_data;
struct school_reqs;
/** CDC's supporting data and the Texas school requirements from data/;
 * aborts (a fixture cannot fail a test) when they do not load. */
void testutil_load_schedules(struct cdsi_data **cdsi, struct school_reqs **texas);
/** Write len bytes to dir/name; returns the malloc'd full path. */
char *testutil_write_file(const char *dir, const char *name, const char *data, size_t len);

#endif
