/* tests/cache/cachetest.h - fixtures shared by the cache suites and tools. */
#ifndef VAX_TESTS_CACHE_CACHETEST_H
#define VAX_TESTS_CACHE_CACHETEST_H

#include <stdbool.h>

#include "cache/store.h"

/** Open a store in dir with a cheap KDF (tests only); aborts on failure. */
struct cache_store *cachetest_open(const char *dir);
/** Online login as ORG1/nurse with the test password; aborts on failure. */
void cachetest_login(struct cache_store *s);
/** The capture of the test user at desk-7. */
const struct capture *cachetest_capture(void);
/** A valid client (sex, county, identifier MR|CH-55). */
void cachetest_client(struct client *c, const char *family, const char *given, int y, int m, int d);
/** A dose of cvx for the client with that uuid. */
void cachetest_dose(struct immunization *im, const char *client_uuid, const char *cvx, int y, int m, int d);
/** True if any file in dir or below holds s as UTF-8, UTF-16LE/BE, base64 (any
 * alignment) or hex (either case). */
bool cachetest_dir_contains(const char *dir, const char *s);

/** A disk that fails on cue, for the driver's crash and disk tests: with
 * CACHEDRV_KILL_AT=N the process kills itself (SIGKILL) just before the
 * N-th write or sync SQLite makes; with CACHEDRV_FULL_FROM=N that write and
 * every later one fail as on a full disk. Call before opening a store;
 * true if either is set. */
bool cachetest_faulty_disk(void);

#endif
