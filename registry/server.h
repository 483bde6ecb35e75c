/* registry/server.h - HTTPS transport for the API (libmicrohttpd with
 * GnuTLS): thread pool, keep-alive, gzip, size and time limits. */
#ifndef VAX_REGISTRY_SERVER_H
#define VAX_REGISTRY_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "registry/routes.h"

struct server_opts {
	const char *listen;           /* "127.0.0.1:8443"; port 0 picks a free one */
	const char *cert_file;        /* PEM */
	const char *key_file;         /* PEM */
	unsigned threads;             /* default 8 */
	size_t body_max;              /* bytes, default 8 MiB */
	unsigned timeout;             /* idle seconds per connection, default 30 */
	unsigned request_time;        /* seconds to receive one request body, default 60 */
	bool access_log;              /* method, path (no query), status, time on stderr */
	const char *record_dir;       /* if set, every FHIR response body is written there (tests) */
	const char *tls_priorities;   /* GnuTLS priority string; NULL = SERVER_TLS_DEFAULT */
	unsigned per_ip;              /* connections at once from one address, default 16 */
	unsigned header_time;         /* seconds to receive a request's headers, default 10 */
	bool tls_tickets;             /* TLS session tickets (resumption); see server.c */
	const char *ticket_key;       /* with tls_tickets: the key in hex, shared by a registry's servers
	                                 (NULL: a new one) */
	const struct wire_dict *dict; /* bodies as dcz for clients that hold it too (NULL: gzip only) */
};

/* TLS 1.2 and 1.3 only, forward-secret key exchange (ECDHE, DHE) with AEAD
 * ciphers; no CBC, no SHA-1 MACs, no RSA key transport. */
#define SERVER_TLS_DEFAULT                                                                                   \
	"SECURE192:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:+DHE-RSA:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD"

struct server;
struct wire_dict;

/** Start serving; url receives "https://ADDR:PORT/". */
struct server *server_start(struct registry *a, const struct server_opts *o, char *url, size_t url_len,
                            struct vax_error *err);
/** Stop accepting, let requests in flight finish, free. */
void server_stop(struct server *s);

#endif
