/* api/http.h - the registry transport: libcurl multi, driven by the UI loop.
 *
 * One `struct api_conn` per registry. Requests are asynchronous: api_req_send()
 * queues a request and returns at once; api_pump() (called by the one input
 * loop while it waits for keys) moves every transfer forward and never waits
 * longer than asked. A finished request calls its completion callback from
 * inside api_pump(), or can be polled with api_req_done(). No thread ever
 * touches the caller's data.
 *
 * Transport choices: one connection kept alive per registry (HTTP/2 streams
 * share it when the server offers h2, HTTP/1.1 requests queue on it), gzip
 * asked for, connect and low-speed timeouts, proxies from the environment
 * (libcurl's default), a maximum response size.
 *
 * TLS is always verified, against the system store or a configured CA file,
 * with optional public-key pinning. There is deliberately no option that
 * turns verification off: a failure gives a specific API-TLS-* error.
 *
 * Every outcome falls in one `enum api_class` the rest of the program acts
 * on; `struct vax_error` carries a stable code (API-...) and a sentence.
 */
#ifndef VAX_API_HTTP_H
#define VAX_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/** What the caller does about an outcome. */
enum api_class {
	API_OK = 0,
	API_OFFLINE,   /* no route, refused, timeout, 503/429: work offline, retry later */
	API_AUTH,      /* 401/403; api_result.expired: ask the password again and resend */
	API_CONFLICT,  /* 409/412: someone else changed it; reload and review */
	API_REJECTED,  /* 400/422 and other 4xx: the registry refused this content */
	API_NOT_FOUND, /* 404/410 */
	API_SERVER,    /* other 5xx */
	API_TLS,       /* verification failed: the code says why */
	API_PROTOCOL,  /* truncated, oversized or malformed response */
	API_LOCAL,     /* this workstation: bad configuration, out of memory */
	API_CANCELLED, /* cancelled by the caller */
};

/** Words for an api_class ("offline", "tls", ...), for logs and tests. */
const char *api_class_name(enum api_class c);

/** How to reach one registry. Strings are copied by api_conn_new(). */
struct api_conn_config {
	const char *base_url;      /* "https://registry.example.org/fhir" (no trailing slash needed) */
	const char *ca_file;       /* PEM bundle; NULL = the system store */
	const char *ca_path;       /* hashed CA directory; NULL = the system store */
	const char *pinned_pubkey; /* "sha256//base64[;sha256//...]" or a PEM/DER file; NULL = no pin */
	const char *user_agent;    /* NULL = "vaxdesk/<version>" */
	long connect_timeout_ms;   /* 0 = 10000 */
	long low_speed_time_s;     /* abort when below low_speed_limit for this long; 0 = 30 */
	long low_speed_limit;      /* bytes per second; 0 = 1 */
	long request_timeout_ms;   /* whole request; 0 = none (low-speed catches stalls) */
	size_t max_response;       /* decoded body limit in bytes; 0 = 32 MiB */
	bool no_gzip;              /* true: do not ask for compressed bodies (bench) */
	const void *dict;          /* the wire dictionary's bytes (copied; NULL: gzip only): bodies
	                              go as dcz with a registry that holds it too (wire/wire.h) */
	size_t dict_len;
	bool http1_only; /* true: never negotiate HTTP/2 */
};

/** Bytes as HTTP sees them: request/response headers plus bodies as they
 * crossed the connection (compressed when gzip applied). TLS framing and
 * TCP/IP overhead are not included. */
struct api_bytes {
	uint64_t sent;
	uint64_t received;
	uint64_t requests;
};

/** Outcome of one request. Valid until the request is sent again or freed. */
struct api_result {
	enum api_class cls;
	struct vax_error err; /* code "" when cls == API_OK */
	long status;          /* HTTP status, 0 if none arrived */
	bool expired;         /* API_AUTH: the bearer token was refused (expired) */
	long retry_after;     /* seconds from Retry-After, -1 if none */
	const char *body;     /* NUL-terminated, decoded; "" if none */
	size_t body_len;
	const char *content_type; /* "" if none */
	const char *etag;         /* ETag header, "" if none */
	const char *location;     /* Location / Content-Location, "" if none */
	const char *last_modified;
	bool not_modified;      /* a conditional GET's 304: body is the answer kept from before */
	long http_version;      /* 11, 20 */
	struct api_bytes bytes; /* this request only */
	double seconds;         /* total time */
};

struct api_conn;
struct api_req;

/** Completion callback, called from api_pump(). The request may be freed or
 * sent again from inside the callback. */
typedef void (*api_done_fn)(struct api_req *req, const struct api_result *res, void *arg);

/** One-time process setup (curl_global_init); safe to call more than once. */
bool api_global_init(struct vax_error *err);

/** A registry connection. NULL with err set if the configuration is unusable
 * (no https:// URL, unreadable CA file). */
struct api_conn *api_conn_new(const struct api_conn_config *cfg, struct vax_error *err);
/** Cancel everything in flight (no callbacks) and free. Requests still owned
 * by the caller must be freed before this. */
void api_conn_free(struct api_conn *a);

/** The bearer token to send with every request (NULL or "" for none). The
 * copy is wiped when replaced. */
void api_conn_set_token(struct api_conn *a, const char *token);
/** Say that the user accepted the confidentiality statement of version (a
 * deferred login, api/session.h): every request that carries the token also
 * carries "Confidentiality-Accepted: <version>" until the registry has
 * answered one with 2xx, then no more (bytes matter on slow links). NULL
 * stops it; a new token stops it too. */
void api_conn_set_statement(struct api_conn *a, const char *version);
/** The header is still being sent (no 2xx yet). */
bool api_conn_statement_pending(const struct api_conn *a);
/** The registry's origin, "https://host[:port]" (where its sign-in endpoints must be). */
void api_conn_origin(const struct api_conn *a, char *buf, size_t len);
/** True if a bearer token is set. */
bool api_conn_has_token(const struct api_conn *a);

/** Move transfers forward and run callbacks of finished requests. Waits at
 * most max_wait_ms (0: do not wait) for network activity. Returns the number
 * of requests completed. */
int api_pump(struct api_conn *a, int max_wait_ms);
/** Like api_pump(), but also wakes when fd becomes readable (e.g. the
 * terminal); returns true if fd is readable. */
bool api_pump_fd(struct api_conn *a, int fd, int max_wait_ms, int *completed);
/** Open the TCP connection to the registry ahead of the next request (the
 * login screen, the first key after an idle spell): its handshake happens
 * while the person types. Does nothing while a request is in flight, when
 * one ended less than 25 s ago (that connection is still there) or when a
 * warm one is ready; sends nothing. True if it started one. */
bool api_conn_warm(struct api_conn *a);
/** Number of requests in flight. */
int api_busy(const struct api_conn *a);
/** Bytes for the whole life of this struct api_conn (the bandwidth meter). */
struct api_bytes api_conn_bytes(const struct api_conn *a);

/** A new idle request: method "GET", "POST", ...; path relative to base_url
 * ("/Patient?family=x") or an absolute URL on the same registry (a Bundle's
 * next link). NULL if out of memory or an absolute URL points elsewhere. */
struct api_req *api_req_new(struct api_conn *a, const char *method, const char *path, struct vax_error *err);
/** The answer types r asks for (Accept; a string that outlives r, such as a
 * literal): "application/fhir+json" for FHIR, "application/json" for the
 * token endpoint. Default: both. NULL r is ignored. */
void api_req_accept(struct api_req *r, const char *types);
/** Add a request header ("If-Match: W/\"2\""). */
bool api_req_header(struct api_req *r, const char *header);
/** Set the body (copied). content_type NULL = application/fhir+json. */
bool api_req_body(struct api_req *r, const char *content_type, const char *data, size_t len);
/** Body that holds a secret: copied, and the copy wiped when freed/replaced. */
bool api_req_body_secret(struct api_req *r, const char *content_type, const char *data, size_t len);
/** Wipe and drop the body now (a finished login: the password goes). */
void api_req_wipe_body(struct api_req *r);
/** Do not send the bearer token (login, password reset). */
void api_req_no_auth(struct api_req *r);
/** Make a GET conditional: the connection keeps the last answer that came
 * with an ETag for this URL (a few, in memory, dropped when the token
 * changes), sends If-None-Match, and hands a 304 back as that answer with
 * res->not_modified set: what does not change (the CapabilityStatement, the
 * confidentiality statement, lists) costs the headers only on a slow link. */
void api_req_conditional(struct api_req *r);
/** Start (or restart) the request. cb may be NULL (poll with api_req_done).
 * Returns false (and the callback is not called) if it could not start. */
bool api_req_send(struct api_req *r, api_done_fn cb, void *arg);
/** Stop a request in flight; no callback is made. It can be sent again. */
void api_req_cancel(struct api_req *r);
/** True once the request has finished (its result is ready). */
bool api_req_done(const struct api_req *r);
/** The result of a finished request; NULL while in flight or never sent. */
const struct api_result *api_req_result(const struct api_req *r);
/** Method and path as given (for logs: paths hold no PHI in ids only). */
const char *api_req_method(const struct api_req *r);
const char *api_req_path(const struct api_req *r);
/** Free a request; cancels it first if in flight. NULL is fine. */
void api_req_free(struct api_req *r);

/** Send and pump until done or timeout_ms passes (tests, tools and the
 * bench; the terminal never waits like this). Returns the result (also on
 * timeout: API_OFFLINE, API-OFFLINE-TIMEOUT). Not for a request whose
 * callback frees it. Other requests in flight move on and complete too. */
const struct api_result *api_req_wait(struct api_req *r, int timeout_ms);

/** Classify an HTTP status and body into r (used for every response; public
 * for the parsers' tests). body may be NULL. */
void api_classify_status(struct api_result *res, long status, bool sent_token, const char *www_authenticate);

#endif
