/* api/http.c - see http.h */
#include "config.h"

#include "api/http.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

#include "api/response.h"
#include "wire/wire.h"

#define DEFAULT_MAX_RESPONSE (32u << 20)
#define HDR_SMALL            160
#define HDR_URL              1024
#define API_GZIP_MIN         512 /* bytes of body before compressing pays */
#define API_DCZ_MIN          128 /* the same with the dictionary */

enum req_state { REQ_IDLE = 0, REQ_RUNNING, REQ_DONE };

/* The last answer, with its ETag, to a conditional GET (api_req_conditional). */
struct cached {
	char *url;
	char *etag;
	char *body;
	size_t len;
	char ctype[HDR_SMALL];
	uint64_t used;
};
#define API_CACHE_MAX 16

struct api_conn {
	CURLM *multi;
	CURLSH *share;
	char *base;     /* base URL without trailing '/' */
	char *origin;   /* scheme://host[:port] of base */
	char host[256]; /* for messages */
	char name[256]; /* the host the certificate must name: no port, no brackets */
	char *ca_file, *ca_path, *pin, *agent;
	long connect_timeout_ms, low_speed_time, low_speed_limit, request_timeout_ms;
	size_t max_response;
	bool gzip, http2;
	bool gzip_up;           /* the registry takes gzip request bodies (RFC 7694) */
	bool no_gzip_up;        /* it refused one (415): never again on this connection */
	struct wire_dict *dict; /* NULL: no dcz */
	bool dcz_up, no_dcz_up; /* the same for dcz (with the dictionary held here) */
	char *token;
	char *statement; /* Confidentiality-Accepted until a 2xx (api_conn_set_statement) */
	int running;     /* requests in flight */
	struct api_bytes total;
	struct cached cache[API_CACHE_MAX];
	uint64_t cache_tick;
	/* a TCP connection opened ahead of the next request (api_conn_warm) */
	CURL *warm;               /* the connect-only transfer opening it */
	curl_socket_t warm_fd;    /* connected, not yet used; CURL_SOCKET_BAD if none */
	curl_socket_t warm_given; /* handed to a request just now */
	int64_t warm_ms;          /* when it connected */
	int64_t last_net_ms;      /* when a request last ended */
};

struct api_req {
	struct api_conn *api;
	enum req_state state;
	char method[12];
	char *path;
	char *url;
	struct curl_slist *extra; /* caller's headers */
	struct curl_slist *sent;  /* headers of the transfer in flight */
	char *body;
	size_t body_len;
	bool body_secret;
	unsigned char *zbody; /* the body as sent, compressed; NULL: sent as it is */
	size_t zbody_len;
	const char *zcoding; /* its Content-Encoding: "gzip" or "dcz" */
	char *content_type;
	bool no_auth;
	const char *accept; /* api_req_accept(); NULL: FHIR's type or plain JSON */
	bool sent_token;
	bool sent_statement; /* it carried Confidentiality-Accepted */
	bool conditional;    /* GET with If-None-Match from the connection's cache */
	api_done_fn cb;
	void *arg;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];

	/* response */
	char *rbody;
	size_t rlen, rcap;
	bool oversized;
	char etag[HDR_SMALL];
	char location[HDR_URL];
	char ctype[HDR_SMALL];
	char last_modified[HDR_SMALL];
	char cenc[HDR_SMALL]; /* Content-Encoding: decoded here (curl is told not to) */
	char www_auth[HDR_SMALL * 2];
	long retry_after;
	struct api_result res;
};

static const char *const class_names[] = {
    [API_OK] = "ok",
    [API_OFFLINE] = "offline",
    [API_AUTH] = "auth",
    [API_CONFLICT] = "conflict",
    [API_REJECTED] = "rejected",
    [API_NOT_FOUND] = "not-found",
    [API_SERVER] = "server",
    [API_TLS] = "tls",
    [API_PROTOCOL] = "protocol",
    [API_LOCAL] = "local",
    [API_CANCELLED] = "cancelled",
};

const char *api_class_name(enum api_class c)
{
	if ((unsigned)c < sizeof class_names / sizeof class_names[0] && class_names[c])
		return class_names[c];
	return "?";
}

bool api_global_init(struct vax_error *err)
{
	static bool done;
	if (done)
		return true;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return error_set(err, "API-INIT", "The network library could not start.");
	done = true;
	return true;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void wipe_free(char *s, size_t len)
{
	if (s) {
		OPENSSL_cleanse(s, len);
		free(s);
	}
}

/* scheme://authority of an absolute URL: a next link must stay on it. */
/* The registry's name is checked against the certificate's subjectAltName
 * only (RFC 6125; the CA/Browser Forum ended names in the subject's CN):
 * libcurl 7.88 with OpenSSL falls back to the CN when a certificate has no
 * SAN, so OpenSSL is asked to check the name too, never from the subject.
 * Called by libcurl for each new TLS context, before the handshake. */
static CURLcode ssl_ctx_san_only(CURL *e, void *ssl_ctx, void *arg)
{
	(void)e;
	const struct api_conn *a = arg;
	X509_VERIFY_PARAM *p = SSL_CTX_get0_param(ssl_ctx);
	X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
	if (X509_VERIFY_PARAM_set1_ip_asc(p, a->name) == 1 || X509_VERIFY_PARAM_set1_host(p, a->name, 0) == 1)
		return CURLE_OK;
	return CURLE_SSL_CERTPROBLEM;
}

static char *url_origin(const char *url, char *host, size_t hostlen)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	size_t n = strcspn(p, "/?#");
	if (n == 0)
		return NULL;
	if (host) {
		size_t h = n;
		const char *at = memchr(p, '@', n);
		const char *hp = at ? at + 1 : p;
		h = n - (size_t)(hp - p);
		if (h >= hostlen)
			h = hostlen - 1;
		memcpy(host, hp, h);
		host[h] = '\0';
	}
	return strndup(url, (size_t)(p - url) + n);
}

struct api_conn *api_conn_new(const struct api_conn_config *cfg, struct vax_error *err)
{
	if (!api_global_init(err))
		return NULL;
	if (!cfg || !cfg->base_url || strncasecmp(cfg->base_url, "https://", 8) != 0) {
		error_set(err, "API-CONFIG-URL",
		          "The registry address must start with https:// (it is \"%s\").",
		          cfg && cfg->base_url ? cfg->base_url : "");
		return NULL;
	}
	if (cfg->ca_file && *cfg->ca_file) {
		FILE *f = fopen(cfg->ca_file, "r");
		if (!f) {
			error_set(err, "API-TLS-CAFILE", "Cannot read the registry CA file %s: %s.",
			          cfg->ca_file, strerror(errno));
			return NULL;
		}
		fclose(f);
	}
	struct api_conn *a = calloc(1, sizeof *a);
	if (!a)
		goto oom;
	a->base = strdup(cfg->base_url);
	if (!a->base)
		goto oom;
	for (size_t n = strlen(a->base); n > 8 && a->base[n - 1] == '/'; n--)
		a->base[n - 1] = '\0';
	a->origin = url_origin(a->base, a->host, sizeof a->host);
	if (!a->origin) {
		error_set(err, "API-CONFIG-URL", "The registry address \"%s\" has no host name.",
		          cfg->base_url);
		api_conn_free(a);
		return NULL;
	}
	{
		/* "host:port" or "[v6]:port" -> the name alone */
		const char *h = a->host, *end = h + strlen(h);
		if (*h == '[') {
			h++;
			const char *rb = strchr(h, ']');
			end = rb ? rb : end;
		} else if (strchr(h, ':')) {
			end = strrchr(h, ':');
		}
		snprintf(a->name, sizeof a->name, "%.*s", (int)(end - h), h);
	}
	a->ca_file = dup_or_null(cfg->ca_file);
	a->ca_path = dup_or_null(cfg->ca_path);
	a->pin = dup_or_null(cfg->pinned_pubkey);
	a->agent = strdup(cfg->user_agent && *cfg->user_agent ? cfg->user_agent : "vaxdesk/" PACKAGE_VERSION);
	a->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	a->low_speed_time = cfg->low_speed_time_s > 0 ? cfg->low_speed_time_s : 30;
	a->low_speed_limit = cfg->low_speed_limit > 0 ? cfg->low_speed_limit : 1;
	a->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 0;
	a->max_response = cfg->max_response ? cfg->max_response : DEFAULT_MAX_RESPONSE;
	a->gzip = !cfg->no_gzip;
	a->http2 = !cfg->http1_only;
	/* a dictionary that is not one is no reason to refuse the registry:
	 * the bodies go as gzip */
	struct vax_error derr;
	a->dict = cfg->dict ? wire_dict_new(cfg->dict, cfg->dict_len, &derr) : NULL;
	a->warm_fd = a->warm_given = CURL_SOCKET_BAD;
	a->multi = curl_multi_init();
	a->share = curl_share_init();
	if (!a->agent || !a->multi || !a->share)
		goto oom;
	/* One connection per registry: HTTP/2 multiplexes on it, HTTP/1.1
	 * requests wait for it, so a slow link is never split further. */
	curl_multi_setopt(a->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
	curl_multi_setopt(a->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_share_setopt(a->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(a->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	return a;
oom:
	error_set(err, "API-NOMEM", "Out of memory setting up the registry connection.");
	api_conn_free(a);
	return NULL;
}

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- warming: the TCP handshake while the person types --------------------
 * On a slow link the first request of a session (or the first after the
 * registry closed an idle connection) waits a round trip for TCP before
 * TLS even starts. api_conn_warm() opens the TCP connection ahead, with
 * curl's connect-only mode on the registry's host and port (curl resolves
 * and connects without blocking the loop); the next request's transfer
 * then takes that socket (CURLOPT_OPENSOCKETFUNCTION) as already
 * connected. Nothing is sent on it until a real request: it costs no
 * round trip that request would not have paid. */
#define WARM_FRESH_MS 20000 /* older than this, the registry may have closed it */
#define WARM_IDLE_MS  25000 /* no request for this long: curl's pooled connection may be gone */

static void warm_drop(struct api_conn *a)
{
	if (a->warm) {
		curl_multi_remove_handle(a->multi, a->warm);
		curl_easy_cleanup(a->warm);
		a->warm = NULL;
	}
	if (a->warm_fd != CURL_SOCKET_BAD)
		close(a->warm_fd);
	a->warm_fd = CURL_SOCKET_BAD;
}

/* the connect-only transfer ends: its socket is ours, curl must not close it */
static int warm_keep(void *clientp, curl_socket_t fd)
{
	struct api_conn *a = clientp;
	if (fd == a->warm_fd)
		return 0;
	return close(fd);
}

/* Still connected, nothing arrived on it (a close or reset would)? */
static bool warm_alive(curl_socket_t fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 0;
}

static curl_socket_t warm_open(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct api_conn *a = clientp;
	if (purpose == CURLSOCKTYPE_IPCXN && a->warm_fd != CURL_SOCKET_BAD) {
		/* only where curl is going: not to a proxy, not to another address */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		bool same = getpeername(a->warm_fd, (struct sockaddr *)&ss, &sl) == 0 &&
		            sl == (socklen_t)addr->addrlen && !memcmp(&ss, &addr->addr, sl);
		curl_socket_t fd = a->warm_fd;
		a->warm_fd = CURL_SOCKET_BAD;
		if (same && mono_ms() - a->warm_ms < WARM_FRESH_MS && warm_alive(fd)) {
			a->warm_given = fd;
			return fd;
		}
		close(fd);
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* curl counts an upload as sent once the kernel holds it. On a 56 kbit/s
 * link the kernel takes a whole 80 kB batch at once and needs 12 s to send
 * it, in which curl sees nothing move, and its stall limit (low speed)
 * called a working link dead. With at most 16 kB unsent in the kernel,
 * what curl sees moves at the link's pace; what is in flight is not
 * limited, so a fast link is not slowed. */
#define UNSENT_MAX 16384

static int warm_sockopt(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	struct api_conn *a = clientp;
	(void)purpose;
#ifdef TCP_NOTSENT_LOWAT
	int lowat = UNSENT_MAX;
	if (fd != CURL_SOCKET_BAD)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat);
#endif
	if (fd != CURL_SOCKET_BAD && fd == a->warm_given) {
		a->warm_given = CURL_SOCKET_BAD;
		return CURL_SOCKOPT_ALREADY_CONNECTED;
	}
	return CURL_SOCKOPT_OK;
}

bool api_conn_warm(struct api_conn *a)
{
	int64_t now = mono_ms();
	if (a->warm || a->running || (a->last_net_ms && now - a->last_net_ms < WARM_IDLE_MS))
		return false;
	if (a->warm_fd != CURL_SOCKET_BAD) {
		if (now - a->warm_ms < WARM_FRESH_MS && warm_alive(a->warm_fd))
			return false; /* one is ready */
		close(a->warm_fd);
		a->warm_fd = CURL_SOCKET_BAD;
	}
	/* the registry's host and port, as plain TCP: connect-only sends nothing */
	const char *hp = strstr(a->origin, "://") + 3;
	char url[300];
	snprintf(url, sizeof url, "http://%s%s", hp,
	         strchr(hp[0] == '[' ? strchr(hp, ']') : hp, ':') ? "" : ":443");
	CURL *e = curl_easy_init();
	if (!e)
		return false;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY,
	                 "*"); /* a proxy would need the request; the transfer goes as it is configured */
	curl_easy_setopt(e, CURLOPT_SHARE, a->share);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, a->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, warm_keep);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, a);
	if (curl_multi_add_handle(a->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return false;
	}
	a->warm = e;
	return true;
}

/* The connect-only transfer ended: keep its socket if it connected. */
static void warm_done(struct api_conn *a, CURLcode cc)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	if (cc == CURLE_OK && curl_easy_getinfo(a->warm, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD) {
		a->warm_fd = fd; /* warm_keep leaves it open */
		a->warm_ms = mono_ms();
	}
	curl_multi_remove_handle(a->multi, a->warm);
	curl_easy_cleanup(a->warm);
	a->warm = NULL;
}

static void cache_drop(struct cached *c)
{
	if (c->body)
		OPENSSL_cleanse(c->body, c->len);
	free(c->body);
	free(c->url);
	free(c->etag);
	memset(c, 0, sizeof *c);
}

static void cache_clear(struct api_conn *a)
{
	for (int i = 0; i < API_CACHE_MAX; i++)
		cache_drop(&a->cache[i]);
}

static struct cached *cache_find(struct api_conn *a, const char *url)
{
	for (int i = 0; i < API_CACHE_MAX; i++)
		if (a->cache[i].url && !strcmp(a->cache[i].url, url))
			return &a->cache[i];
	return NULL;
}

/* Keep a conditional GET's answer (replacing the least used one). */
static void cache_put(struct api_conn *a, const struct api_req *r)
{
	struct cached *c = cache_find(a, r->url);
	for (int i = 0; !c && i < API_CACHE_MAX; i++)
		if (!a->cache[i].url)
			c = &a->cache[i];
	if (!c) {
		c = &a->cache[0];
		for (int i = 1; i < API_CACHE_MAX; i++)
			if (a->cache[i].used < c->used)
				c = &a->cache[i];
	}
	cache_drop(c);
	c->url = strdup(r->url);
	c->etag = strdup(r->etag);
	c->body = malloc(r->rlen + 1);
	if (!c->url || !c->etag || !c->body) {
		cache_drop(c);
		return;
	}
	memcpy(c->body, r->rbody ? r->rbody : "", r->rlen);
	c->body[r->rlen] = '\0';
	c->len = r->rlen;
	snprintf(c->ctype, sizeof c->ctype, "%s", r->ctype);
	c->used = ++a->cache_tick;
}

void api_conn_free(struct api_conn *a)
{
	if (!a)
		return;
	cache_clear(a);
	warm_drop(a);
	if (a->multi)
		curl_multi_cleanup(a->multi);
	if (a->share)
		curl_share_cleanup(a->share);
	free(a->base);
	free(a->origin);
	free(a->ca_file);
	free(a->ca_path);
	free(a->pin);
	free(a->agent);
	wire_dict_free(a->dict);
	if (a->token)
		wipe_free(a->token, strlen(a->token));
	free(a->statement);
	free(a);
}

void api_conn_set_token(struct api_conn *a, const char *token)
{
	/* what was kept for one login is not for the next, nor for another
	 * organization; nor is a statement accepted with it */
	if (!a->token || !token || strcmp(a->token, token)) {
		cache_clear(a);
		api_conn_set_statement(a, NULL);
	}
	if (a->token)
		wipe_free(a->token, strlen(a->token));
	a->token = dup_or_null(token);
}

void api_conn_set_statement(struct api_conn *a, const char *version)
{
	free(a->statement);
	a->statement = version && *version ? dup_or_null(version) : NULL;
}

bool api_conn_statement_pending(const struct api_conn *a)
{
	return a->statement != NULL;
}

void api_conn_origin(const struct api_conn *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s", a->origin);
}

bool api_conn_has_token(const struct api_conn *a)
{
	return a->token != NULL;
}

int api_busy(const struct api_conn *a)
{
	return a->running;
}

struct api_bytes api_conn_bytes(const struct api_conn *a)
{
	return a->total;
}

/* ---- requests ---------------------------------------------------------- */

void api_req_accept(struct api_req *r, const char *types)
{
	if (r)
		r->accept = types;
}

struct api_req *api_req_new(struct api_conn *a, const char *method, const char *path, struct vax_error *err)
{
	if (!method || strlen(method) >= sizeof((struct api_req *)0)->method || !path) {
		error_set(err, "API-BAD-REQUEST", "Bad request method or path.");
		return NULL;
	}
	struct api_req *r = calloc(1, sizeof *r);
	if (!r)
		goto oom;
	r->api = a;
	snprintf(r->method, sizeof r->method, "%s", method);
	r->path = strdup(path);
	if (!r->path)
		goto oom;
	int n;
	if (strstr(path, "://")) {
		/* An absolute URL (a next link) must be on the same registry:
		 * the bearer token goes with it. */
		size_t ol = strlen(a->origin);
		if (strncasecmp(path, a->origin, ol) != 0 ||
		    (path[ol] != '\0' && path[ol] != '/' && path[ol] != '?')) {
			error_set(err, "API-FOREIGN-URL",
			          "The registry sent a link to another server; it was not followed.");
			api_req_free(r);
			return NULL;
		}
		n = asprintf(&r->url, "%s", path);
	} else {
		n = asprintf(&r->url, "%s%s%s", a->base, path[0] == '/' ? "" : "/", path);
	}
	if (n < 0) {
		r->url = NULL;
		goto oom;
	}
	r->retry_after = -1;
	return r;
oom:
	error_set(err, "API-NOMEM", "Out of memory building a registry request.");
	api_req_free(r);
	return NULL;
}

bool api_req_header(struct api_req *r, const char *header)
{
	struct curl_slist *l = curl_slist_append(r->extra, header);
	if (!l)
		return false;
	r->extra = l;
	return true;
}

static void drop_body(struct api_req *r)
{
	if (r->body_secret)
		wipe_free(r->body, r->body_len);
	else
		free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->body_secret = false;
	free(r->content_type);
	r->content_type = NULL;
}

static bool set_body(struct api_req *r, const char *ct, const char *data, size_t len, bool secret)
{
	drop_body(r);
	r->body = malloc(len + 1);
	r->content_type = strdup(ct ? ct : "application/fhir+json");
	if (!r->body || !r->content_type) {
		drop_body(r);
		return false;
	}
	memcpy(r->body, data, len);
	r->body[len] = '\0';
	r->body_len = len;
	r->body_secret = secret;
	return true;
}

bool api_req_body(struct api_req *r, const char *ct, const char *data, size_t len)
{
	return set_body(r, ct, data, len, false);
}

bool api_req_body_secret(struct api_req *r, const char *ct, const char *data, size_t len)
{
	return set_body(r, ct, data, len, true);
}

void api_req_wipe_body(struct api_req *r)
{
	if (r->state != REQ_RUNNING)
		drop_body(r);
}

void api_req_no_auth(struct api_req *r)
{
	r->no_auth = true;
}

void api_req_conditional(struct api_req *r)
{
	r->conditional = !strcmp(r->method, "GET");
}

const char *api_req_method(const struct api_req *r)
{
	return r->method;
}

const char *api_req_path(const struct api_req *r)
{
	return r->path;
}

bool api_req_done(const struct api_req *r)
{
	return r && r->state == REQ_DONE;
}

const struct api_result *api_req_result(const struct api_req *r)
{
	return r && r->state == REQ_DONE ? &r->res : NULL;
}

static void reset_response(struct api_req *r)
{
	free(r->rbody);
	r->rbody = NULL;
	r->rlen = r->rcap = 0;
	r->oversized = false;
	r->etag[0] = r->location[0] = r->ctype[0] = r->last_modified[0] = r->www_auth[0] = '\0';
	r->retry_after = -1;
	r->errbuf[0] = '\0';
	memset(&r->res, 0, sizeof r->res);
}

static void release_easy(struct api_req *r)
{
	if (r->easy) {
		if (r->state == REQ_RUNNING) {
			curl_multi_remove_handle(r->api->multi, r->easy);
			r->api->running--;
		}
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	free(r->zbody);
	r->zbody = NULL;
	r->zbody_len = 0;
	r->zcoding = NULL;
	if (r->sent) {
		/* The Authorization line holds the token: wipe it. */
		for (struct curl_slist *l = r->sent; l; l = l->next)
			OPENSSL_cleanse(l->data, strlen(l->data));
		curl_slist_free_all(r->sent);
		r->sent = NULL;
	}
}

void api_req_cancel(struct api_req *r)
{
	if (!r || r->state != REQ_RUNNING)
		return;
	release_easy(r);
	reset_response(r);
	r->state = REQ_IDLE;
}

void api_req_free(struct api_req *r)
{
	if (!r)
		return;
	release_easy(r);
	reset_response(r);
	drop_body(r);
	curl_slist_free_all(r->extra);
	free(r->path);
	free(r->url);
	free(r);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct api_req *r = userp;
	size_t n = size * nmemb;
	if (r->rlen + n > r->api->max_response) {
		r->oversized = true;
		return 0; /* aborts with CURLE_WRITE_ERROR */
	}
	if (r->rlen + n + 1 > r->rcap) {
		size_t cap = r->rcap ? r->rcap : 4096;
		while (cap < r->rlen + n + 1)
			cap *= 2;
		char *p = realloc(r->rbody, cap);
		if (!p)
			return 0;
		r->rbody = p;
		r->rcap = cap;
	}
	memcpy(r->rbody + r->rlen, data, n);
	r->rlen += n;
	r->rbody[r->rlen] = '\0';
	return n;
}

/* Copy a header value (after "Name:"), trimmed, into dst. */
static void header_value(char *dst, size_t len, const char *v, size_t vlen)
{
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen >= len)
		vlen = len - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static bool header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t k = strlen(name);
	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return false;
	*val = line + k + 1;
	*vlen = n - k - 1;
	return true;
}

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 10.2.3). */
static long parse_retry_after(const char *v)
{
	if (!*v)
		return -1;
	if (isdigit((unsigned char)*v)) {
		char *end;
		errno = 0;
		long s = strtol(v, &end, 10);
		if (errno || *end)
			return -1;
		return s > 7 * 86400 ? 7 * 86400 : s;
	}
	time_t t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	return t > now ? (long)(t - now) : 0;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userp)
{
	struct api_req *r = userp;
	size_t n = size * nmemb;
	const char *v;
	size_t vl;
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue or a proxy's CONNECT) */
		r->etag[0] = r->location[0] = r->ctype[0] = r->last_modified[0] = r->www_auth[0] = '\0';
		r->cenc[0] = '\0';
		r->retry_after = -1;
	} else if (header_is(line, n, "etag", &v, &vl)) {
		header_value(r->etag, sizeof r->etag, v, vl);
	} else if (header_is(line, n, "location", &v, &vl)) {
		header_value(r->location, sizeof r->location, v, vl);
	} else if (header_is(line, n, "content-location", &v, &vl)) {
		if (!r->location[0])
			header_value(r->location, sizeof r->location, v, vl);
	} else if (header_is(line, n, "content-type", &v, &vl)) {
		header_value(r->ctype, sizeof r->ctype, v, vl);
	} else if (header_is(line, n, "last-modified", &v, &vl)) {
		header_value(r->last_modified, sizeof r->last_modified, v, vl);
	} else if (header_is(line, n, "accept-encoding", &v, &vl)) {
		/* RFC 7694: the server names the codings it takes in requests */
		char buf[64];
		header_value(buf, sizeof buf, v, vl);
		if (wire_coding_listed(buf, "gzip") && !r->api->no_gzip_up)
			r->api->gzip_up = true;
		if (wire_coding_listed(buf, "dcz") && r->api->dict && !r->api->no_dcz_up)
			r->api->dcz_up = true;
	} else if (header_is(line, n, "content-encoding", &v, &vl)) {
		header_value(r->cenc, sizeof r->cenc, v, vl);
	} else if (header_is(line, n, "www-authenticate", &v, &vl)) {
		header_value(r->www_auth, sizeof r->www_auth, v, vl);
	} else if (header_is(line, n, "retry-after", &v, &vl)) {
		char buf[64];
		header_value(buf, sizeof buf, v, vl);
		r->retry_after = parse_retry_after(buf);
	}
	return n;
}

static bool add_header(struct curl_slist **l, const char *name, const char *v)
{
	char *s;
	if (asprintf(&s, "%s%s", name, v) < 0)
		return false;
	struct curl_slist *nl = curl_slist_append(*l, s);
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	if (!nl)
		return false;
	*l = nl;
	return true;
}

/* Compress the body for a registry that takes it compressed: what goes up
 * on a slow link is mostly uploads of Bundles, which shrink 10-20 times
 * with gzip, and a single shot 3 times more with the shared dictionary
 * (dcz). Never a secret (a password mixed into compressed data leaks
 * through its length), never a small body (the framing does not pay). */
static void compress_body(struct api_req *r)
{
	struct api_conn *a = r->api;
	if (r->body_secret)
		return;
	/* the dictionary holds what a small FHIR body says: a few hundred
	 * bytes shrink by half where gzip would not repay its header */
	if (a->dcz_up && r->body_len >= API_DCZ_MIN &&
	    (r->zbody = wire_dcz_encode(a->dict, r->body, r->body_len, &r->zbody_len)))
		r->zcoding = "dcz";
	else if (a->gzip_up && r->body_len >= API_GZIP_MIN &&
	         (r->zbody = wire_gzip(r->body, r->body_len, &r->zbody_len)))
		r->zcoding = "gzip";
	/* what the Content-Encoding line costs: never more than it saves */
	if (r->zbody && r->zbody_len + sizeof "Content-Encoding: gzip\r\n" >= r->body_len) {
		free(r->zbody);
		r->zbody = NULL;
		r->zbody_len = 0;
		r->zcoding = NULL;
	}
}

/* The answer as it came (Content-Encoding) made plain, never past the
 * largest answer taken: false with the reason in err. */
static bool decode_answer(struct api_req *r, struct vax_error *err)
{
	if (!r->cenc[0] || !strcasecmp(r->cenc, "identity") || !r->rlen)
		return true;
	if (strcasecmp(r->cenc, "dcz") && strcasecmp(r->cenc, "gzip")) {
		error_set(err, "API-PROTO-MALFORMED",
		          "The registry's answer came in an encoding that was not asked for (%s).", r->cenc);
		return false;
	}
	char *out = NULL;
	size_t n = 0;
	struct vax_error why = {0};
	enum wire_status st =
	    wire_decode(r->api->dict, r->cenc, r->rbody, r->rlen, r->api->max_response, &out, &n, &why);
	if (st == WIRE_TOO_LARGE) {
		error_set(err, "API-PROTO-TOO-BIG",
		          "The registry's answer is larger than %zu bytes and was refused.",
		          r->api->max_response);
		return false;
	}
	if (st != WIRE_OK) {
		error_set(err, "API-PROTO-MALFORMED", "The registry's answer could not be read (%s).",
		          why.message);
		return false;
	}
	free(r->rbody);
	r->rbody = out;
	r->rlen = n;
	r->rcap = n + 1;
	return true;
}

static bool build_easy(struct api_req *r)
{
	struct api_conn *a = r->api;
	CURL *e = curl_easy_init();
	if (!e)
		return false;
	r->easy = e;
	/* FHIR answers in FHIR's own type, the sign-in in plain JSON; each
	 * type named is bytes on every request of a slow link */
	bool ok = add_header(&r->sent,
	                     "Accept: ", r->accept ? r->accept : "application/fhir+json, application/json");
	/* No "Expect: 100-continue": it costs a round trip on slow links. */
	ok = ok && add_header(&r->sent, "Expect:", "");
	if (r->body)
		ok = ok && add_header(&r->sent, "Content-Type: ", r->content_type);
	if (r->body)
		compress_body(r);
	if (r->zbody)
		ok = ok && add_header(&r->sent, "Content-Encoding: ", r->zcoding);
	/* what the answer may come as: decoded here, curl is told not to.
	 * The dictionary is named where a FHIR body answers (a sign-in's
	 * answer is too small to repay the 69 bytes of the header) */
	if (a->gzip && a->dict && !r->no_auth)
		ok = ok && add_header(&r->sent, "Accept-Encoding: ", "gzip, dcz") &&
		     add_header(&r->sent, "Available-Dictionary: ", wire_dict_name(a->dict));
	else if (a->gzip)
		ok = ok && add_header(&r->sent, "Accept-Encoding: ", "gzip");
	r->sent_token = r->sent_statement = false;
	if (!r->no_auth && a->token) {
		ok = ok && add_header(&r->sent, "Authorization: Bearer ", a->token);
		r->sent_token = true;
	}
	if (r->sent_token && a->statement) {
		ok = ok && add_header(&r->sent, "Confidentiality-Accepted: ", a->statement);
		r->sent_statement = true;
	}
	for (struct curl_slist *l = r->extra; ok && l; l = l->next)
		ok = add_header(&r->sent, "", l->data);
	const struct cached *c = r->conditional ? cache_find(a, r->url) : NULL;
	if (c)
		ok = ok && add_header(&r->sent, "If-None-Match: ", c->etag);
	if (!ok)
		return false;

	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_SHARE, a->share);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->sent);
	curl_easy_setopt(e, CURLOPT_USERAGENT, a->agent);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, warm_open);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, a);
	curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, warm_sockopt);
	curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, a);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* only what vaxregd sends is asked (each coding named costs bytes on
	 * every request), and decoded here: curl knows no dcz */
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	                 a->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, a->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, a->low_speed_time);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, a->low_speed_limit);
	if (a->request_timeout_ms)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, a->request_timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)a->max_response);

	/* What the ClientHello offers is sent at every connection: TLS 1.2
	 * only with ECDHE and AEAD (what TLS 1.3 has anyway), the common
	 * curves; a shorter offer is a few hundred bytes less on a slow link */
	curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST,
	                 "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	                 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
	curl_easy_setopt(e, CURLOPT_SSL_EC_CURVES, "X25519:P-256:P-384");
	/* Verification is always on; these two lines are never conditional. */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_san_only);
	curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, (void *)a);
	if (a->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, a->ca_file);
	if (a->ca_path)
		curl_easy_setopt(e, CURLOPT_CAPATH, a->ca_path);
	if (a->pin)
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, a->pin);

	if (!strcmp(r->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(r->method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(r->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
		if (r->body || !strcmp(r->method, "POST") || !strcmp(r->method, "PUT")) {
			/* Not copied: secrets stay in our buffer, which is wiped. */
			if (r->zbody) {
				curl_easy_setopt(e, CURLOPT_POSTFIELDS, (char *)r->zbody);
				curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->zbody_len);
			} else {
				curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
				curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
			}
		}
	}
	return true;
}

bool api_req_send(struct api_req *r, api_done_fn cb, void *arg)
{
	if (r->state == REQ_RUNNING)
		api_req_cancel(r);
	release_easy(r);
	reset_response(r);
	r->state = REQ_IDLE;
	r->cb = cb;
	r->arg = arg;
	if (!build_easy(r)) {
		release_easy(r);
		return false;
	}
	if (curl_multi_add_handle(r->api->multi, r->easy) != CURLM_OK) {
		release_easy(r);
		return false;
	}
	r->state = REQ_RUNNING;
	r->api->running++;
	return true;
}

/* ---- outcomes ---------------------------------------------------------- */

static void tls_error(struct api_result *res, CURLcode cc, long verify, const char *errbuf, const char *host)
{
	res->cls = API_TLS;
	if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
		error_set(&res->err, "API-TLS-PIN",
		          "The key of %s does not match the pinned key: the connection may be "
		          "intercepted, or the registry changed its key. Nothing was sent; "
		          "call the registry help desk.",
		          host);
		return;
	}
	if (cc == CURLE_SSL_CACERT_BADFILE) {
		error_set(&res->err, "API-TLS-CAFILE",
		          "The CA file configured for the registry cannot be used (%s).", errbuf);
		return;
	}
	if (cc != CURLE_PEER_FAILED_VERIFICATION) {
		error_set(&res->err, "API-TLS-HANDSHAKE",
		          "A secure connection to %s could not be set up (%s).", host,
		          *errbuf ? errbuf : curl_easy_strerror(cc));
		return;
	}
	/* libcurl checks the host name itself once the chain verified, and
	 * says so in its message */
	if (strstr(errbuf, "target host name"))
		verify = X509_V_ERR_HOSTNAME_MISMATCH;
	switch (verify) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		error_set(&res->err, "API-TLS-EXPIRED",
		          "The certificate of %s has expired, so the connection is not safe. "
		          "Check this computer's date; otherwise the registry must renew it.",
		          host);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		error_set(&res->err, "API-TLS-NOT-YET-VALID",
		          "The certificate of %s is not valid yet. Check this computer's date and time.",
		          host);
		break;
	case X509_V_OK:
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		error_set(&res->err, "API-TLS-HOSTNAME",
		          "The certificate presented is not for %s: check the registry address "
		          "in the configuration; the connection may be going to the wrong server.",
		          host);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		error_set(&res->err, "API-TLS-UNKNOWN-CA",
		          "The certificate of %s was issued by an authority this computer does not "
		          "trust. If the registry uses its own CA, set its CA file in the configuration.",
		          host);
		break;
	case X509_V_ERR_CERT_REVOKED:
		error_set(&res->err, "API-TLS-REVOKED", "The certificate of %s has been revoked.", host);
		break;
	default:
		error_set(&res->err, "API-TLS-VERIFY", "The certificate of %s could not be verified: %s.",
		          host, X509_verify_cert_error_string(verify));
		break;
	}
}

/* Did libcurl's message say the peer reset or closed the connection (not a
 * verdict on its certificate)? OpenSSL reports a reset as "Connection reset
 * by peer" or SSL_ERROR_SYSCALL, an early close as "unexpected eof". */
static bool peer_cut_off(const char *errbuf)
{
	static const char *const signs[] = {
	    "reset by peer", "Connection reset",     "SSL_ERROR_SYSCALL", "unexpected eof",
	    "Broken pipe",   "Connection was reset", "Recv failure",      "Send failure",
	};
	for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++)
		if (strstr(errbuf, signs[i]))
			return true;
	return false;
}

static void transport_error(struct api_req *r, CURLcode cc)
{
	struct api_result *res = &r->res;
	const char *host = r->api->host;
	const char *detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc);
	long verify = 0;
	curl_off_t tls_done = 0;
	curl_easy_getinfo(r->easy, CURLINFO_APPCONNECT_TIME_T, &tls_done);
	if ((cc == CURLE_SSL_CONNECT_ERROR ||
	     ((cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR) && tls_done == 0)) &&
	    peer_cut_off(r->errbuf)) {
		/* the peer (or a box on the way) dropped the link mid-handshake:
		 * nothing about certificates was decided, so it is a network
		 * failure and the work goes on offline */
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-RESET",
		          "The connection to %s was cut off (%s). Work continues offline.", host, detail);
		return;
	}
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
		curl_easy_getinfo(r->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
		tls_error(res, cc, verify, r->errbuf, host);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-DNS",
		          "Cannot find the registry host %s: check the network connection.", host);
		return;
	case CURLE_COULDNT_RESOLVE_PROXY:
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-PROXY", "Cannot find the proxy server (%s).", detail);
		return;
	case CURLE_COULDNT_CONNECT:
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-CONNECT",
		          "Cannot connect to the registry at %s (refused or no route). "
		          "Work continues offline.",
		          host);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-TIMEOUT",
		          "The registry at %s did not answer in time. Work continues offline.", host);
		return;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-DROPPED",
		          "The connection to %s broke before the answer arrived. Work continues offline.",
		          host);
		return;
	case CURLE_PARTIAL_FILE:
		res->cls = API_PROTOCOL;
		error_set(&res->err, "API-PROTO-TRUNCATED",
		          "The registry's answer was cut short; it will be asked again.");
		return;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		res->cls = r->oversized || cc == CURLE_FILESIZE_EXCEEDED ? API_PROTOCOL : API_LOCAL;
		if (res->cls == API_PROTOCOL)
			error_set(&res->err, "API-PROTO-TOO-BIG",
			          "The registry's answer is larger than %zu bytes and was refused.",
			          r->api->max_response);
		else
			error_set(&res->err, "API-NOMEM", "Out of memory reading the registry's answer.");
		return;
	case CURLE_OUT_OF_MEMORY:
		res->cls = API_LOCAL;
		error_set(&res->err, "API-NOMEM", "Out of memory talking to the registry.");
		return;
	case CURLE_URL_MALFORMAT:
		res->cls = API_LOCAL;
		error_set(&res->err, "API-CONFIG-URL", "The registry address cannot be used (%s).", detail);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL: /* the URL is checked: an HTTP/0.9 reply */
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_TOO_MANY_REDIRECTS:
		res->cls = API_PROTOCOL;
		error_set(&res->err, "API-PROTO-MALFORMED", "The registry's answer could not be read (%s).",
		          detail);
		return;
	default:
		res->cls = API_OFFLINE;
		error_set(&res->err, "API-OFFLINE-NETWORK", "Network error talking to %s: %s.", host, detail);
		return;
	}
}

/* Append " (text)" from an OperationOutcome body, if there is one. */
static void outcome_suffix(const struct api_result *res, char *buf, size_t len)
{
	buf[0] = '\0';
	char text[VAX_ERROR_MSG_LEN - 160];
	if (res->body_len && api_outcome_text(res->body, res->body_len, text, sizeof text))
		snprintf(buf, len, " The registry says: %s", text);
}

void api_classify_status(struct api_result *res, long status, bool sent_token, const char *www_authenticate)
{
	char oo[VAX_ERROR_MSG_LEN];
	res->status = status;
	res->expired = false;
	error_clear(&res->err);
	if (status >= 200 && status < 300) {
		res->cls = API_OK;
		return;
	}
	outcome_suffix(res, oo, sizeof oo);
	if (status == 503 || status == 429) {
		res->cls = API_OFFLINE;
		if (res->retry_after >= 0)
			error_set(
			    &res->err, status == 503 ? "API-OFFLINE-503" : "API-OFFLINE-429",
			    "The registry is %s; it asks to retry in %ld min. Work continues offline.%s",
			    status == 503 ? "unavailable (maintenance)" : "busy",
			    (res->retry_after + 59) / 60, oo);
		else
			error_set(&res->err, status == 503 ? "API-OFFLINE-503" : "API-OFFLINE-429",
			          "The registry is %s. Work continues offline.%s",
			          status == 503 ? "unavailable (maintenance)" : "busy", oo);
	} else if (status == 401) {
		res->cls = API_AUTH;
		bool invalid_token = www_authenticate && strstr(www_authenticate, "invalid_token");
		if (sent_token || invalid_token) {
			res->expired = true;
			error_set(&res->err, "API-AUTH-EXPIRED",
			          "Your registry session has ended. Enter your password to go on; "
			          "nothing you typed is lost.");
		} else {
			error_set(&res->err, "API-AUTH-DENIED", "The registry did not accept the login.%s",
			          oo);
		}
	} else if (status == 403) {
		res->cls = API_AUTH;
		error_set(&res->err, "API-AUTH-FORBIDDEN",
		          "Your account may not do this at this organization.%s", oo);
	} else if (status == 409) {
		res->cls = API_CONFLICT;
		error_set(&res->err, "API-CONFLICT",
		          "The registry already has a conflicting record. Review it before saving again.%s",
		          oo);
	} else if (status == 412) {
		res->cls = API_CONFLICT;
		error_set(
		    &res->err, "API-PRECONDITION",
		    "Someone changed this record since it was opened. Reload it and review the changes.%s",
		    oo);
	} else if (status == 404 || status == 410) {
		res->cls = API_NOT_FOUND;
		error_set(&res->err, status == 404 ? "API-NOT-FOUND" : "API-GONE",
		          "The registry has no such record%s.%s", status == 410 ? " any more" : "", oo);
	} else if (status >= 400 && status < 500) {
		res->cls = API_REJECTED;
		error_set(&res->err, "API-REJECTED", "The registry refused this (HTTP %ld).%s", status, oo);
	} else if (status >= 500) {
		res->cls = API_SERVER;
		error_set(&res->err, "API-SERVER",
		          "The registry had an internal error (code %ld); try again later.%s", status, oo);
	} else {
		res->cls = API_PROTOCOL;
		error_set(
		    &res->err, "API-PROTO-STATUS",
		    "The registry gave an answer vaxdesk does not know (code %ld); if it happens again, "
		    "tell the registry's help desk.",
		    status);
	}
}

static void finish(struct api_req *r, CURLcode cc)
{
	struct api_conn *a = r->api;
	struct api_result *res = &r->res;
	CURL *e = r->easy;
	curl_off_t up = 0, down = 0;
	long hdr = 0, reqsz = 0, status = 0, ver = 0;
	curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &hdr);
	curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &reqsz);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &ver);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &res->seconds);
	res->bytes.sent = (uint64_t)reqsz + (uint64_t)up;
	res->bytes.received = (uint64_t)hdr + (uint64_t)down;
	res->bytes.requests = 1;
	a->total.sent += res->bytes.sent;
	a->total.received += res->bytes.received;
	a->total.requests++;
	res->http_version = ver == CURL_HTTP_VERSION_2_0 ? 20 : ver == CURL_HTTP_VERSION_1_0 ? 10 : 11;
	struct vax_error derr = {0};
	bool plain = cc != CURLE_OK || decode_answer(r, &derr);
	res->location = r->location;
	res->last_modified = r->last_modified;
	res->retry_after = r->retry_after;
	struct cached *c = r->conditional && cc == CURLE_OK ? cache_find(a, r->url) : NULL;
	if (c && status == 304) {
		/* not modified: the answer kept from last time, as if it came */
		char *b = malloc(c->len + 1);
		if (b) {
			memcpy(b, c->body, c->len + 1);
			free(r->rbody);
			r->rbody = b;
			r->rlen = c->len;
			r->rcap = c->len + 1;
			snprintf(r->ctype, sizeof r->ctype, "%s", c->ctype);
			snprintf(r->etag, sizeof r->etag, "%s", c->etag);
			c->used = ++a->cache_tick;
			status = 200;
			res->not_modified = true;
		}
	} else if (r->conditional && cc == CURLE_OK && status == 200 && r->etag[0]) {
		cache_put(a, r);
	}
	res->body = r->rbody ? r->rbody : "";
	res->body_len = r->rlen;
	res->content_type = r->ctype;
	res->etag = r->etag;
	if (cc != CURLE_OK) {
		res->status = status;
		transport_error(r, cc);
	} else if (!plain) {
		res->status = status;
		res->cls = API_PROTOCOL;
		res->err = derr;
	} else {
		api_classify_status(res, status, r->sent_token, r->www_auth);
		/* the registry has recorded the acceptance: the header is done */
		if (r->sent_statement && res->cls == API_OK)
			api_conn_set_statement(a, NULL);
	}
	release_easy(r); /* wipes the headers that held the token */
	r->state = REQ_DONE;
}

static int collect(struct api_conn *a)
{
	int done = 0, left;
	CURLMsg *m;
	while ((m = curl_multi_info_read(a->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct api_req *r = NULL;
		CURLcode cc = m->data.result;
		if (m->easy_handle == a->warm) {
			warm_done(a, cc);
			continue;
		}
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (!r)
			continue;
		a->last_net_ms = mono_ms();
		const char *zipped = r->zcoding;
		finish(r, cc);
		if (zipped && r->res.status == 415) {
			/* it said it takes the coding, then refused it (dcz: it holds
			 * another dictionary): send it another way */
			if (!strcmp(zipped, "dcz")) {
				a->dcz_up = false;
				a->no_dcz_up = true;
			} else {
				a->gzip_up = false;
				a->no_gzip_up = true;
			}
			if (api_req_send(r, r->cb, r->arg))
				continue;
		}
		done++;
		if (r->cb)
			r->cb(r, &r->res, r->arg); /* may free or resend r */
	}
	return done;
}

bool api_pump_fd(struct api_conn *a, int fd, int max_wait_ms, int *completed)
{
	int running = 0, done;
	struct curl_waitfd w = {.fd = fd, .events = CURL_WAIT_POLLIN, .revents = 0};
	curl_multi_perform(a->multi, &running);
	done = collect(a);
	/* with nothing in flight it still waits (a caller's pause must not
	 * spin), and a warm-up's connect moves on meanwhile */
	if (done == 0 && max_wait_ms > 0) {
		long t = -1;
		curl_multi_timeout(a->multi, &t);
		int wait = max_wait_ms;
		if ((a->running > 0 || a->warm) && t >= 0 && t < wait)
			wait = (int)t;
		int nfds = 0;
		curl_multi_poll(a->multi, fd >= 0 ? &w : NULL, fd >= 0 ? 1 : 0, wait, &nfds);
		curl_multi_perform(a->multi, &running);
		done += collect(a);
	}
	if (completed)
		*completed = done;
	if (fd >= 0 && !w.revents) {
		/* curl_multi_poll was skipped: look without waiting */
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP)))
			return true;
	}
	return fd >= 0 && (w.revents & CURL_WAIT_POLLIN);
}

int api_pump(struct api_conn *a, int max_wait_ms)
{
	int done = 0;
	api_pump_fd(a, -1, max_wait_ms, &done);
	return done;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

const struct api_result *api_req_wait(struct api_req *r, int timeout_ms)
{
	if (r->state != REQ_RUNNING && !api_req_send(r, r->cb, r->arg)) {
		reset_response(r);
		r->res.cls = API_LOCAL;
		r->res.body = r->res.content_type = r->res.etag = r->res.location = r->res.last_modified = "";
		r->res.retry_after = -1;
		error_set(&r->res.err, "API-NOMEM", "The request could not be started.");
		r->state = REQ_DONE;
		return &r->res;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r->state == REQ_RUNNING) {
		long left = timeout_ms - ms_since(&t0);
		if (left <= 0) {
			api_req_cancel(r);
			r->res.cls = API_OFFLINE;
			r->res.body = r->res.content_type = r->res.etag = r->res.location =
			    r->res.last_modified = "";
			r->res.retry_after = -1;
			error_set(&r->res.err, "API-OFFLINE-TIMEOUT",
			          "The registry at %s did not answer in time. Work continues offline.",
			          r->api->host);
			r->state = REQ_DONE;
			break;
		}
		api_pump(r->api, left > 100 ? 100 : (int)left);
	}
	return &r->res;
}
