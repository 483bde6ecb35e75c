/* cache/crypto.h - the sealing the local store is built on (OpenSSL 3 EVP).
 *
 *   sealed record  = 0x01 | nonce[12] | ciphertext | tag[16]   (AES-256-GCM)
 *   AAD            = a string naming the row ("client/<uuid>"), so a blob
 *                    copied into another row does not open
 *   key wrap       = a sealed record of the 32-byte store key under a key
 *                    derived from the password with scrypt; AAD names the
 *                    organization and user it belongs to
 *   sub-keys       = HMAC-SHA256(store key, label): one to seal records,
 *                    one for the blind indexes, so neither key is used for
 *                    two purposes
 *   blind index    = HMAC-SHA256(index key, kind | value), first 16 bytes
 *
 * Every secret on the stack is wiped with OPENSSL_cleanse before return.
 */
#ifndef VAX_CACHE_CRYPTO_H
#define VAX_CACHE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_KEY_LEN       32
#define CACHE_SALT_LEN      16
#define CACHE_NONCE_LEN     12
#define CACHE_GCM_TAG_LEN   16
#define CACHE_SEAL_OVERHEAD (1 + CACHE_NONCE_LEN + CACHE_GCM_TAG_LEN)
#define CACHE_SEAL_VERSION  0x01
#define CACHE_TAG_LEN       16

/** scrypt cost. The default (N = 2^15, r = 8, p = 1: 32 MiB, ~0.1 s) is
 * what an offline attacker pays per guess; tests may lower log2n. */
struct cache_kdf {
	int log2n;
	int r;
	int p;
};
#define CACHE_KDF_DEFAULT_LOG2N 15

/** Fill buf with CSPRNG bytes; false if the system has no randomness. */
bool cache_crypto_random(void *buf, size_t n);

/** Derive a 32-byte key from a password with scrypt (EVP_KDF "SCRYPT"). */
bool cache_crypto_kdf(const char *password, const unsigned char *salt, size_t salt_len,
                      const struct cache_kdf *kdf, unsigned char out[CACHE_KEY_LEN]);

/** Bytes a sealed record of plain_len bytes takes. */
size_t cache_crypto_sealed_len(size_t plain_len);

/** Seal plain (len bytes) into out (cache_crypto_sealed_len(len) bytes) with
 * a fresh random nonce, authenticating aad too. */
bool cache_crypto_seal(const unsigned char key[CACHE_KEY_LEN], const char *aad, const void *plain, size_t len,
                       unsigned char *out);

/** Open a sealed record: out receives sealed_len - CACHE_SEAL_OVERHEAD bytes
 * (*out_len). False if the record is short, of an unknown version, or does
 * not authenticate (wrong key, wrong row, tampered); out is then wiped. */
bool cache_crypto_open(const unsigned char key[CACHE_KEY_LEN], const char *aad, const unsigned char *sealed,
                       size_t sealed_len, unsigned char *out, size_t *out_len);

/** out = HMAC-SHA256(key, label): a sub-key for one purpose. */
bool cache_crypto_derive(const unsigned char key[CACHE_KEY_LEN], const char *label,
                         unsigned char out[CACHE_KEY_LEN]);

/** A blind-index tag of value for one kind of field. */
bool cache_crypto_tag(const unsigned char key[CACHE_KEY_LEN], int kind, const char *value,
                      unsigned char out[CACHE_TAG_LEN]);

#endif
