/* core/uuid.h - RFC 4122 version 4 UUIDs from OpenSSL's CSPRNG. A record's
 * UUID is its identity until the registry assigns an id, and the key that
 * makes a resend a no-op, so it must never repeat: no rand(), no clock. */
#ifndef VAX_CORE_UUID_H
#define VAX_CORE_UUID_H

#include <stdbool.h>

#define UUID_STR_LEN 37

/** Write a fresh lowercase UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
 * Ends the program if the system cannot supply randomness. */
void uuid_v4(char out[UUID_STR_LEN]);

/** True if s is a UUID in canonical 8-4-4-4-12 hex form (any version). */
bool uuid_valid(const char *s);

#endif
