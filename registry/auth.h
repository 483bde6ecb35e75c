/* registry/auth.h - passwords (scrypt through OpenSSL 3 EVP_KDF), the
 * ImmTrac2 password rules, bearer and reset tokens. */
#ifndef VAX_REGISTRY_AUTH_H
#define VAX_REGISTRY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define AUTH_HASH_LEN  256
#define AUTH_TOKEN_LEN 65 /* 64 hex digits + NUL */

/** Hash a password as "scrypt$N$r$p$salt$key" (hex). False on failure. */
bool auth_hash_password(const char *pw, char *out, size_t len);
/** Test suites only (vaxregd --test-kdf-cost): hash new passwords with
 * scrypt N = 2^10 instead of 2^17, so the hundreds of logins a suite makes
 * take milliseconds. Such hashes are cheap to guess; call it before any
 * thread starts. */
void auth_set_test_cost(bool on);
/** The scrypt N new hashes get. */
unsigned auth_scrypt_n(void);
/** True if pw matches a hash made by auth_hash_password (constant time). */
bool auth_verify_password(const char *pw, const char *hash);

/** ImmTrac2 rules: 8-16 characters, an upper-case letter, a lower-case
 * letter, a digit and a special character; if previous is not NULL, at
 * least 4 characters different from it (edit distance). */
bool auth_password_rules(const char *pw, const char *previous, struct vax_error *err);

/** 32 random bytes as hex. */
void auth_random_token(char out[AUTH_TOKEN_LEN]);
/** SHA-256 of a token as hex: what the store keeps instead of the token. */
void auth_token_hash(const char *token, char out[AUTH_TOKEN_LEN]);
/** A hash made with the current parameters, for the time an unknown
 * user's login must take. */
const char *auth_dummy_hash(void);

#endif
