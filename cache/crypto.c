/* cache/crypto.c - see crypto.h */
#include "cache/crypto.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

bool cache_crypto_random(void *buf, size_t n)
{
	return n <= INT32_MAX && RAND_bytes(buf, (int)n) == 1;
}

bool cache_crypto_kdf(const char *password, const unsigned char *salt, size_t salt_len,
                      const struct cache_kdf *kdf, unsigned char out[CACHE_KEY_LEN])
{
	if (!password || kdf->log2n < 1 || kdf->log2n > 22 || kdf->r < 1 || kdf->p < 1)
		return false;
	EVP_KDF *k = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	if (!k)
		return false;
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(k);
	EVP_KDF_free(k);
	if (!ctx)
		return false;
	uint64_t n = UINT64_C(1) << kdf->log2n;
	uint32_t r = (uint32_t)kdf->r, p = (uint32_t)kdf->p;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password, strlen(password)),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
	    OSSL_PARAM_construct_end(),
	};
	bool ok = EVP_KDF_derive(ctx, out, CACHE_KEY_LEN, params) == 1;
	EVP_KDF_CTX_free(ctx);
	if (!ok)
		OPENSSL_cleanse(out, CACHE_KEY_LEN);
	return ok;
}

size_t cache_crypto_sealed_len(size_t plain_len)
{
	return plain_len + CACHE_SEAL_OVERHEAD;
}

bool cache_crypto_seal(const unsigned char key[CACHE_KEY_LEN], const char *aad, const void *plain, size_t len,
                       unsigned char *out)
{
	if (len > INT32_MAX - 64)
		return false;
	out[0] = CACHE_SEAL_VERSION;
	unsigned char *nonce = out + 1, *ct = out + 1 + CACHE_NONCE_LEN;
	if (!cache_crypto_random(nonce, CACHE_NONCE_LEN))
		return false;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return false;
	int n = 0, fin = 0;
	size_t aad_len = aad ? strlen(aad) : 0;
	bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	          (aad_len == 0 ||
	           EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)aad_len) == 1) &&
	          EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) == 1 &&
	          EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CACHE_GCM_TAG_LEN, ct + len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool cache_crypto_open(const unsigned char key[CACHE_KEY_LEN], const char *aad, const unsigned char *sealed,
                       size_t sealed_len, unsigned char *out, size_t *out_len)
{
	*out_len = 0;
	if (!sealed || sealed_len < CACHE_SEAL_OVERHEAD || sealed_len > INT32_MAX - 64 ||
	    sealed[0] != CACHE_SEAL_VERSION)
		return false;
	size_t len = sealed_len - CACHE_SEAL_OVERHEAD;
	const unsigned char *nonce = sealed + 1, *ct = sealed + 1 + CACHE_NONCE_LEN;
	unsigned char tag[CACHE_GCM_TAG_LEN];
	memcpy(tag, ct + len, sizeof tag);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return false;
	int n = 0, fin = 0;
	size_t aad_len = aad ? strlen(aad) : 0;
	bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	          (aad_len == 0 ||
	           EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)aad_len) == 1) &&
	          EVP_DecryptUpdate(ctx, out, &n, ct, (int)len) == 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CACHE_GCM_TAG_LEN, tag) == 1 &&
	          EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		/* never hand back plaintext that did not authenticate */
		OPENSSL_cleanse(out, len);
		return false;
	}
	*out_len = len;
	return true;
}

static bool hmac(const unsigned char key[CACHE_KEY_LEN], const unsigned char *msg, size_t len,
                 unsigned char out[32])
{
	unsigned int olen = 0;
	return HMAC(EVP_sha256(), key, CACHE_KEY_LEN, msg, len, out, &olen) != NULL && olen == 32;
}

bool cache_crypto_derive(const unsigned char key[CACHE_KEY_LEN], const char *label,
                         unsigned char out[CACHE_KEY_LEN])
{
	return hmac(key, (const unsigned char *)label, strlen(label), out);
}

bool cache_crypto_tag(const unsigned char key[CACHE_KEY_LEN], int kind, const char *value,
                      unsigned char out[CACHE_TAG_LEN])
{
	size_t vlen = strlen(value);
	unsigned char stackbuf[256];
	unsigned char *msg = vlen + 2 <= sizeof stackbuf ? stackbuf : OPENSSL_malloc(vlen + 2);
	if (!msg)
		return false;
	/* kind first and a separator, so the same text in two fields differs */
	msg[0] = (unsigned char)kind;
	msg[1] = 0x1f;
	memcpy(msg + 2, value, vlen);
	unsigned char full[32];
	bool ok = hmac(key, msg, vlen + 2, full);
	memcpy(out, full, CACHE_TAG_LEN);
	OPENSSL_cleanse(full, sizeof full);
	OPENSSL_cleanse(msg, vlen + 2);
	if (msg != stackbuf)
		OPENSSL_free(msg);
	return ok;
}
