/* registry/auth.c - see auth.h */
#include "registry/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

/* scrypt cost as current guidance has it (OWASP: N = 2^17, r = 8, p = 1):
 * 128 MiB per check. Hashes keep their own parameters, so older ones
 * (2^14) still verify. Test suites may lower N for the hashes they make
 * (auth_set_test_cost); nothing else does. */
#define SCRYPT_N      131072u
#define SCRYPT_N_TEST 1024u
static unsigned scrypt_n = SCRYPT_N;
#define SCRYPT_R 8u
#define SCRYPT_P 1u
#define SALT_LEN 16
#define KEY_LEN  32

/* At most two checks at once: each takes 128 MiB, and more at a time would
 * not finish sooner on the cores a registry has. */
static sem_t kdf_slots;
static void kdf_slots_init(void)
{
	sem_init(&kdf_slots, 0, 2);
}

static bool scrypt_run(const char *pw, const unsigned char *salt, size_t salt_len, uint64_t n, uint32_t r,
                       uint32_t p, unsigned char *key, size_t key_len);

static bool scrypt(const char *pw, const unsigned char *salt, size_t salt_len, uint64_t n, uint32_t r,
                   uint32_t p, unsigned char *key, size_t key_len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, kdf_slots_init);
	while (sem_wait(&kdf_slots) != 0)
		;
	bool ok = scrypt_run(pw, salt, salt_len, n, r, p, key, key_len);
	sem_post(&kdf_slots);
	return ok;
}

static bool scrypt_run(const char *pw, const unsigned char *salt, size_t salt_len, uint64_t n, uint32_t r,
                       uint32_t p, unsigned char *key, size_t key_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	if (!kdf)
		return false;
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	uint64_t maxmem = 256ull << 20; /* OpenSSL's default (32 MiB) is below N = 2^17 */
	if (!ctx)
		return false;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, strlen(pw)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
	    OSSL_PARAM_construct_end(),
	};
	bool ok = EVP_KDF_derive(ctx, key, key_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static bool unhex(const char *s, unsigned char *b, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		b[i] = (unsigned char)v;
	}
	return true;
}

bool auth_hash_password(const char *pw, char *out, size_t len)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char salt_hex[2 * SALT_LEN + 1], key_hex[2 * KEY_LEN + 1];
	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    !scrypt(pw, salt, sizeof salt, scrypt_n, SCRYPT_R, SCRYPT_P, key, sizeof key))
		return false;
	hex(salt, sizeof salt, salt_hex);
	hex(key, sizeof key, key_hex);
	OPENSSL_cleanse(key, sizeof key);
	return snprintf(out, len, "scrypt$%u$%u$%u$%s$%s", scrypt_n, SCRYPT_R, SCRYPT_P, salt_hex, key_hex) <
	       (int)len;
}

void auth_set_test_cost(bool on)
{
	scrypt_n = on ? SCRYPT_N_TEST : SCRYPT_N;
}

unsigned auth_scrypt_n(void)
{
	return scrypt_n;
}

bool auth_verify_password(const char *pw, const char *hash)
{
	unsigned n, r, p;
	char salt_hex[2 * SALT_LEN + 1], key_hex[2 * KEY_LEN + 1];
	unsigned char salt[SALT_LEN], want[KEY_LEN], got[KEY_LEN];
	if (!pw || !hash ||
	    sscanf(hash, "scrypt$%u$%u$%u$%32[0-9a-f]$%64[0-9a-f]", &n, &r, &p, salt_hex, key_hex) != 5)
		return false;
	if (n < 2 || n > (1u << 20) || r == 0 || r > 32 || p == 0 || p > 16 ||
	    !unhex(salt_hex, salt, sizeof salt) || !unhex(key_hex, want, sizeof want))
		return false;
	if (!scrypt(pw, salt, sizeof salt, n, r, p, got, sizeof got))
		return false;
	bool ok = CRYPTO_memcmp(got, want, sizeof got) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];
	if (la > 63 || lb > 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

bool auth_password_rules(const char *pw, const char *previous, struct vax_error *err)
{
	size_t len = strlen(pw);
	bool up = false, low = false, dig = false, spec = false;
	for (const char *p = pw; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x21 || c > 0x7e)
			return error_set(err, "PW-CHARS",
			                 "A password uses letters, digits and the special characters on a US "
			                 "keyboard, without spaces.");
		up |= isupper(c) != 0;
		low |= islower(c) != 0;
		dig |= isdigit(c) != 0;
		spec |= ispunct(c) != 0;
	}
	if (len < 8 || len > 16)
		return error_set(err, "PW-LENGTH", "A password has 8 to 16 characters.");
	if (!up || !low || !dig || !spec)
		return error_set(err, "PW-CLASSES",
		                 "A password needs an upper-case letter, a lower-case letter, a digit and a "
		                 "special character (such as ! # $ %%).");
	if (previous && edit_distance(pw, previous) < 4)
		return error_set(err, "PW-SIMILAR",
		                 "The new password must differ from the old one in at least 4 characters.");
	return true;
}

void auth_random_token(char out[AUTH_TOKEN_LEN])
{
	unsigned char b[32];
	if (RAND_bytes(b, sizeof b) != 1)
		abort(); /* no randomness: issuing guessable tokens would be worse */
	hex(b, sizeof b, out);
}

void auth_token_hash(const char *token, char out[AUTH_TOKEN_LEN])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
	hex(md, 32, out);
}

static char dummy[AUTH_HASH_LEN];
static void dummy_make(void)
{
	if (!auth_hash_password("not a password", dummy, sizeof dummy))
		dummy[0] = '\0';
}

const char *auth_dummy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, dummy_make);
	return dummy;
}
