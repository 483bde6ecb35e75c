/* api/oauth.h - how a registry signs clients in: its SMART configuration
 * (SMART App Launch 2.0 discovery, GET {base}/.well-known/smart-configuration),
 * the device grant's first answer (RFC 8628 3.2), and secrets kept in files
 * (a bearer token, a workstation's client secret).
 *
 * Parsers of outside input, like api/response.h: they never trust a length
 * or a type, clean text meant for the screen, and give API-PROTO-* errors
 * (tests/fuzz/fuzz_api_response.c feeds them).
 *
 * The endpoints a configuration names must be on the registry's own origin
 * (scheme, host and port of registry_url): the password, the client secret
 * and the tokens only ever go where the registry's TLS settings (CA file,
 * pin) apply. An endpoint elsewhere is refused with API-OAUTH-ORIGIN.
 */
#ifndef VAX_API_OAUTH_H
#define VAX_API_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* The grants vaxdesk can use, as grant_types_supported names them. */
#define API_GRANT_PASSWORD 0x1u /* "password" (RFC 6749 4.3) */
#define API_GRANT_DEVICE   0x2u /* "urn:ietf:params:oauth:grant-type:device_code" (RFC 8628) */
#define API_GRANT_REFRESH  0x4u /* "refresh_token" (RFC 6749 6) */
#define API_GRANT_CLIENT   0x8u /* "client_credentials" (RFC 6749 4.4) */

#define API_URL_MAX 512

/** What a registry publishes about signing in. */
struct api_smart {
	bool published; /* it answered a SMART configuration */
	unsigned grants;
	char token_endpoint[API_URL_MAX];  /* absolute, or a path on the registry */
	char device_endpoint[API_URL_MAX]; /* "" if it has no device grant */
	char revocation_endpoint[API_URL_MAX];
	bool org_code;    /* the password grant takes an org_code (vaxregd) */
	bool secret_post; /* client secrets may go in the form (client_secret_post) */
};

/** The defaults for a registry that publishes none: vaxregd's password grant
 * at /auth/token with an org_code. */
void api_smart_default(struct api_smart *s);
/** Read a SMART configuration. origin ("https://host:port") is where its
 * endpoints must be. False with err if it is not one, or names an endpoint
 * elsewhere; s then holds api_smart_default(). */
bool api_smart_parse(const char *body, size_t len, const char *origin, struct api_smart *s,
                     struct vax_error *err);

/** A device authorization answer (RFC 8628 3.2). */
struct api_device {
	char device_code[1024];
	char user_code[64];
	char uri[API_URL_MAX];          /* verification_uri: where the person goes */
	char uri_complete[API_URL_MAX]; /* with the code in it ("" if not given) */
	long expires_in;                /* seconds */
	long interval;                  /* seconds between polls (5 if not given) */
};

/** Read a device authorization answer; false with API-PROTO-DEVICE. */
bool api_device_parse(const char *body, size_t len, struct api_device *d, struct vax_error *err);
/** Wipe the device code. */
void api_device_wipe(struct api_device *d);

/** Read a secret (a bearer token, a client secret) from a file, the first
 * line without its newline. The file must be a regular file owned by this
 * user and readable by nobody else (not group or others), or it is refused
 * with API-SECRET-MODE: a secret others can read is no secret. */
bool api_secret_file_read(const char *path, char *buf, size_t len, struct vax_error *err);

#endif
