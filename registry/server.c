/* registry/server.c - see server.h */
#include "registry/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "sys/fileio.h"
#include "wire/wire.h"

/* One connection, for the header deadline: libmicrohttpd's timeout is an
 * idle timeout, so a client that sends a header line now and then would
 * hold a connection for ever. The watchdog thread shuts down a connection
 * whose request headers have not all arrived header_time seconds after it
 * opened or after its previous answer. */
struct conn {
	int fd;
	struct timespec waiting_since; /* for headers; .tv_sec 0 = a request is being served */
	struct conn *prev, *next;
};

struct server {
	struct MHD_Daemon *d;
	gnutls_datum_t ticket_key; /* TLS session tickets: a reconnect skips the certificate */
	struct registry *reg;
	struct server_opts o;
	char *cert, *key;
	char base[128];
	pthread_mutex_t lock;
	struct conn *conns;
	pthread_t watchdog;
	bool watching, stopping;
};

struct pending {
	char *body;
	size_t len, cap;
	size_t sent_len; /* the body as it came (gzip or not), for the access log */
	bool too_large;
	bool admitted; /* arrived outside maintenance */
	struct timespec start;
};

static double since_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static enum MHD_Result add_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct reg_request *rq = cls;
	if (rq->n_param >= REG_MAX_PARAMS) {
		rq->too_many_params = true;
		return MHD_NO;
	}
	rq->param[rq->n_param].key = key;
	rq->param[rq->n_param].value = value ? value : "";
	rq->n_param++;
	return MHD_YES;
}

/* --record: the body as DIR/<seq>-<status>-<METHOD>.json, with the
 * request line in a sibling .req file, for the conformance checks of the
 * tests (tests/fhir/validate.mjs). Only FHIR bodies. */
static void record_body(const struct server *s, const char *method, const char *url, int status,
                        const struct reg_response *rs)
{
	static unsigned seq;
	if (!s->o.record_dir || !rs->body || !rs->content_type ||
	    strcmp(rs->content_type, "application/fhir+json"))
		return;
	unsigned n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
	char path[4200];
	snprintf(path, sizeof path, "%.4000s/%06u-%d-%.10s.json", s->o.record_dir, n, status, method);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs(rs->body, f);
	fclose(f);
	snprintf(path, sizeof path, "%.4000s/%06u-%d-%.10s.req", s->o.record_dir, n, status, method);
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%s %s\n", method, url);
		fclose(f);
	}
}

/* A request body sent compressed (RFC 9110 8.4.1.3), as vaxdesk sends its
 * uploads on slow links: gzip, or dcz with the dictionary this registry
 * holds; never inflated past max. 0, or the status to answer with (413 too
 * large, 415 made with another dictionary, 400 not what it says). */
static int decode_body(const struct server *s, struct pending *p, const char *coding, size_t max)
{
	char *out = NULL;
	size_t n = 0;
	struct vax_error err = {0};
	enum wire_status st = wire_decode(s->o.dict, coding, p->body, p->len, max, &out, &n, &err);
	switch (st) {
	case WIRE_OK:
		free(p->body);
		p->body = out;
		p->len = n;
		p->cap = n + 1;
		return 0;
	case WIRE_TOO_LARGE:
		return 413;
	case WIRE_OTHER_DICT:
		return 415;
	case WIRE_BAD:
		return 400;
	case WIRE_NOMEM:
		break;
	}
	return 500;
}

/* A validator for a GET answer the handler gave none (the
 * CapabilityStatement, the confidentiality statement, a school report, a
 * search): a hash of the body, weak because gzip may change the bytes. A
 * searchset is made afresh for each request with a Bundle id of its own:
 * the hash leaves the id out, so the same results validate (a workstation
 * reading its lots again carries the headers only). */
static void body_etag(const char *body, size_t len, bool searchset, char *out, size_t out_len)
{
	/* the Bundle's id, near the start where reg_bundle_new puts it */
	const char *id = searchset ? memmem(body, len < 70 ? len : 70, "\"id\":\"", 6) : NULL;
	const char *end = id ? memchr(id + 6, '"', len - (size_t)(id + 6 - body)) : NULL;
	size_t from = end ? (size_t)(id - body) : len, to = end ? (size_t)(end + 1 - body) : len;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, body, from) &&
	          EVP_DigestUpdate(c, body + to, len - to) && EVP_DigestFinal_ex(c, md, &n) && n >= 8;
	EVP_MD_CTX_free(c);
	if (!ok) {
		out[0] = '\0';
		return;
	}
	snprintf(out, out_len, "W/\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1], md[2], md[3], md[4],
	         md[5], md[6], md[7]);
}

/* If-None-Match (RFC 9110 13.1.2): weak comparison against one of a list. */
static bool etag_matches(const char *inm, const char *etag)
{
	const char *e = strncmp(etag, "W/", 2) ? etag : etag + 2;
	size_t el = strlen(e);
	for (const char *p = inm; p && *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		size_t n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == el && !strncmp(p, e, n))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

static bool host_ok(const char *h)
{
	if (!h || !*h || strlen(h) > 100)
		return false;
	for (const char *p = h; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    !strchr(".-:[]", *p))
			return false;
	return true;
}

#define OUTCOME(code, text)                                                                                  \
	"{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" code         \
	"\",\"diagnostics\":\"" text "\"}]}"

static enum MHD_Result send_simple(struct MHD_Connection *con, int status, const char *json)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/fhir+json");
	if (status == 415)
		MHD_add_response_header(r, "Accept-Encoding", "gzip"); /* RFC 7694 */
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

/* --access-log: one line a request, the path escaped (it is the client's:
 * no line breaks or terminal escapes into the log), never its query */
static void access_log(const struct server *s, const char *method, const char *url, int status,
                       const struct pending *p, const char *ce, size_t out, const char *coding, bool replica)
{
	if (!s->o.access_log)
		return;
	char safe[512];
	size_t o = 0;
	for (const unsigned char *c = (const unsigned char *)url; *c && o + 5 < sizeof safe; c++)
		o += (size_t)(*c < 0x20 || *c >= 0x7f || *c == '\\'
		                  ? snprintf(safe + o, sizeof safe - o, "\\x%02x", *c)
		                  : snprintf(safe + o, sizeof safe - o, "%c", *c));
	safe[o] = '\0';
	const char *in = !ce || !strcasecmp(ce, "identity") ? ""
	                 : !strcasecmp(ce, "dcz")           ? " dcz"
	                 : !strcasecmp(ce, "gzip")          ? " gzip"
	                                                    : " other";
	fprintf(stderr, "vaxregd: %.10s %s %d %.1f ms, %zu B in%s, %zu B out%s%s%s\n", method, safe, status,
	        since_ms(&p->start), p->sent_len ? p->sent_len : p->len, in, out, coding ? " " : "",
	        coding ? coding : "", replica ? ", replica" : "");
}

/* Request line and header limits, answered as FHIR (JSON OperationOutcome).
 * libmicrohttpd answers by itself (a short HTML page, before any callback)
 * only what does not fit the connection's memory (64 KiB, the limit set
 * below), so everything between these limits and that one gets JSON. */
#define URL_MAX     8192
#define HEADERS_MAX 16384

static enum MHD_Result count_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	size_t *n = cls;
	*n += strlen(key) + (value ? strlen(value) : 0) + 4; /* "k: v\r\n", "k=v&" */
	return MHD_YES;
}

/* 414 or 431 for a request whose URL or headers are beyond the limits,
 * else 0. */
static int too_big(struct MHD_Connection *con, const char *url)
{
	size_t n = strlen(url);
	MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, count_value, &n);
	if (n > URL_MAX)
		return 414;
	n = 0;
	MHD_get_connection_values(con, MHD_HEADER_KIND, count_value, &n);
	return n > HEADERS_MAX ? 431 : 0;
}

static void conn_serving(struct server *s, struct MHD_Connection *con, bool serving)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = ci ? ci->socket_context : NULL;
	if (!c)
		return;
	pthread_mutex_lock(&s->lock);
	if (serving)
		c->waiting_since.tv_sec = 0;
	else
		clock_gettime(CLOCK_MONOTONIC, &c->waiting_since);
	pthread_mutex_unlock(&s->lock);
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe);

/* libmicrohttpd takes one connection callback: the header deadline's
 * bookkeeping and the session tickets (on_connection) both start here. */
static void notify_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	on_connection(cls, con, socket_context, code);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *c = calloc(1, sizeof *c);
		if (!c)
			return;
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = ci ? ci->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &c->waiting_since);
		pthread_mutex_lock(&s->lock);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		pthread_mutex_unlock(&s->lock);
		*socket_context = c;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		struct conn *c = *socket_context;
		pthread_mutex_lock(&s->lock);
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		pthread_mutex_unlock(&s->lock);
		free(c);
		*socket_context = NULL;
	}
}

static void *watchdog(void *arg)
{
	struct server *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->lock);
		bool stop = s->stopping;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (struct conn *c = s->conns; c && !stop; c = c->next)
			if (c->waiting_since.tv_sec && c->fd >= 0 &&
			    now.tv_sec - c->waiting_since.tv_sec >= (time_t)s->o.header_time)
				shutdown(c->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
		pthread_mutex_unlock(&s->lock);
		if (stop)
			return NULL;
		struct timespec tick = {0, 250 * 1000 * 1000};
		nanosleep(&tick, NULL);
	}
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
	(void)version;
	struct server *s = cls;
	struct pending *p = *con_cls;
	if (!p) {
		p = calloc(1, sizeof *p);
		if (!p)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &p->start);
		conn_serving(s, con, true);
		/* maintenance is decided when a request arrives: one that began
		 * before it is served, not lost */
		int retry;
		p->admitted = !registry_in_maintenance(s->reg, (int64_t)time(NULL), &retry);
		*con_cls = p;
		int big = too_big(con, url);
		if (big == 414)
			return send_simple(con, 414,
			                   "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
			                   "\"error\",\"code\":"
			                   "\"too-long\",\"diagnostics\":\"The URL is longer than the "
			                   "registry accepts (8 KiB); "
			                   "send a long search as POST [type]/_search with the parameters in "
			                   "the body.\"}]}");
		if (big == 431)
			return send_simple(
			    con, 431,
			    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
			    "\"code\":"
			    "\"too-long\",\"diagnostics\":\"The request's header fields are larger than the "
			    "registry accepts (16 KiB).\"}]}");
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!p->too_large && p->len + *upload_data_size > s->o.body_max) {
			p->too_large = true;
			free(p->body);
			p->body = NULL;
			p->len = p->cap = 0;
		}
		if (!p->too_large) {
			if (p->len + *upload_data_size + 1 > p->cap) {
				size_t cap = (p->cap ? p->cap * 2 : 4096);
				while (cap < p->len + *upload_data_size + 1)
					cap *= 2;
				char *nb = realloc(p->body, cap);
				if (!nb)
					return MHD_NO;
				p->body = nb;
				p->cap = cap;
			}
			memcpy(p->body + p->len, upload_data, *upload_data_size);
			p->len += *upload_data_size;
		}
		*upload_data_size = 0;
		if (since_ms(&p->start) > s->o.request_time * 1000.0)
			return MHD_NO; /* a body trickling in: drop the connection */
		return MHD_YES;
	}
	if (p->too_large) {
		access_log(s, method, url, 413, p, NULL, 0, NULL, false);
		return send_simple(
		    con, 413, OUTCOME("too-costly", "The request body is larger than the registry accepts."));
	}

	const char *ce = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Encoding");
	/* a client that names the dictionary held here may send and get dcz */
	bool dict_named =
	    s->o.dict && wire_dict_named(s->o.dict, MHD_lookup_connection_value(con, MHD_HEADER_KIND,
	                                                                        "Available-Dictionary"));
	if (ce && strcasecmp(ce, "identity")) {
		p->sent_len = p->len;
		bool dcz = !strcasecmp(ce, "dcz");
		int st = strcasecmp(ce, "gzip") && (!dcz || !s->o.dict) ? 415
		         : p->len                                       ? decode_body(s, p, ce, s->o.body_max)
		                                                        : 0;
		if (st) {
			access_log(s, method, url, st, p, ce, 0, NULL, false);
			return send_simple(
			    con, st,
			    st == 415
			        ? OUTCOME("not-supported",
			                  "The registry takes request bodies as they are, gzip-compressed "
			                  "(Content-Encoding: gzip), or as dcz made with the dictionary it "
			                  "holds.")
			    : st == 413 ? OUTCOME("too-costly", "The request body, uncompressed, is "
			                                        "larger than the registry accepts.")
			    : st == 400 && dcz
			        ? OUTCOME("invalid", "The request body is not valid dcz, or is cut short.")
			    : st == 400
			        ? OUTCOME("invalid", "The request body is not valid gzip, or is cut short.")
			        : OUTCOME("exception", "The request body could not be read."));
		}
	}

	struct reg_request rq;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = url;
	MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, add_param, &rq);
	rq.authorization = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
	rq.confidentiality_accepted =
	    MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Confidentiality-Accepted");
	rq.if_match = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-Match");
	rq.if_none_exist = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Exist");
	rq.prefer = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Prefer");
	rq.content_type = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
	rq.accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Accept");
	const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Host");
	char base[160];
	if (host_ok(host))
		snprintf(base, sizeof base, "https://%s", host);
	else
		snprintf(base, sizeof base, "%s", s->base);
	rq.base = base;
	rq.body = p->body;
	rq.body_len = p->len;
	rq.now = (int64_t)time(NULL);
	rq.admitted = p->admitted;
	rq.lag_ok = !strcmp(method, "GET");

	struct reg_response rs;
	registry_handle(s->reg, &rq, &rs);
	record_body(s, method, url, rs.status, &rs);

	char *body = rs.body;
	size_t len = body ? strlen(body) : 0;
	rs.body = NULL;
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (get && rs.status == 200 && body && !rs.etag[0])
		body_etag(body, len, strstr(body, "\"type\":\"searchset\"") != NULL, rs.etag, sizeof rs.etag);
	const char *inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
	if (get && rs.status == 200 && rs.etag[0] && inm && etag_matches(inm, rs.etag)) {
		/* the client has it already: a slow link carries the headers only */
		cJSON_free(body);
		body = NULL;
		len = 0;
		rs.status = 304;
	}
	const char *coding = NULL;
	const char *ae = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Accept-Encoding");
	if (body && len >= WIRE_MIN && ae) {
		size_t zlen = 0;
		unsigned char *z = NULL;
		if (dict_named && wire_coding_listed(ae, "dcz") &&
		    (z = wire_dcz_encode(s->o.dict, body, len, &zlen)))
			coding = "dcz";
		else if (wire_coding_listed(ae, "gzip") && (z = wire_gzip(body, len, &zlen)))
			coding = "gzip";
		if (z) {
			cJSON_free(body);
			body = (char *)z;
			len = zlen;
		}
	}
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
	    len, body ? body : (char *)"", body ? free : NULL);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (body && rs.status != 304)
		MHD_add_response_header(r, "Content-Type",
		                        rs.content_type ? rs.content_type : "application/fhir+json");
	if (coding)
		MHD_add_response_header(r, "Content-Encoding", coding);
	/* no Vary (RFC 9842 asks Available-Dictionary in it): nothing may store
	 * these answers (no-store), and every header is paid for on every
	 * answer over a slow link */
	MHD_add_response_header(r, "Cache-Control", "no-store");
	/* RFC 7694: that request bodies may come compressed, said where a
	 * client learns it: the login's answer (a session's first) and the
	 * answer to a large body that came plain */
	if ((!strcmp(method, "POST") && !strcmp(url, "/auth/token")) || (p->len >= WIRE_MIN && !ce))
		MHD_add_response_header(r, "Accept-Encoding", s->o.dict ? "gzip, dcz" : "gzip");
	if (rs.etag[0])
		MHD_add_response_header(r, "ETag", rs.etag);
	if (rs.last_modified[0])
		MHD_add_response_header(r, "Last-Modified", rs.last_modified);
	if (rs.location[0] && (rs.status == 201 || rs.status == 200) && strcmp(method, "GET")) {
		char loc[512];
		snprintf(loc, sizeof loc, "%s/%s", base, rs.location);
		MHD_add_response_header(r, "Location", loc);
	}
	if (rs.retry_after > 0) {
		char ra[24];
		snprintf(ra, sizeof ra, "%d", rs.retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (rs.allow[0])
		MHD_add_response_header(r, "Allow", rs.allow);
	if (rs.status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"vaxregd\"");
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)(rs.status ? rs.status : 500), r);
	MHD_destroy_response(r);
	access_log(s, method, url, rs.status, p, ce, len, coding, rs.replica);
	return ret;
}

/* libmicrohttpd has no option for session tickets, but a connection's
 * GnuTLS session exists before its handshake: enable them there, so a
 * client that reconnects resumes without the certificate exchange. Off
 * unless asked (--tls-tickets): GnuTLS sends two tickets of about 270
 * bytes on every connection, resumed ones too, which on a slow link costs
 * as much as the certificate it spares unless the chain is larger than
 * about 600 bytes (a CA's RSA chain is 2-4 kB; the tests' EC certificate
 * 0.5 kB). The key lives as long as the server. */
static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;
	(void)socket_context;
	if (toe != MHD_CONNECTION_NOTIFY_STARTED || !s->ticket_key.data)
		return;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci && ci->tls_session)
		gnutls_session_ticket_enable_server((gnutls_session_t)ci->tls_session, &s->ticket_key);
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct pending *p = *con_cls;
	if (p)
		conn_serving(cls, con, false);
	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

static bool parse_listen(const char *listen, struct sockaddr_in *sa, struct vax_error *err)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return error_set(err, "LISTEN", "--listen takes ADDRESS:PORT, e.g. 127.0.0.1:8443.");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return error_set(err, "LISTEN", "The port in --listen must be 0-65535.");
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return error_set(
		    err, "LISTEN",
		    "The address in --listen must be an IPv4 address such as 127.0.0.1 or 0.0.0.0.");
	sa->sin_port = htons((uint16_t)port);
	return true;
}

struct server *server_start(struct registry *a, const struct server_opts *o, char *url, size_t url_len,
                            struct vax_error *err)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->reg = a;
	s->o = *o;
	if (!s->o.threads)
		s->o.threads = 8;
	if (!s->o.body_max)
		s->o.body_max = 8u << 20;
	if (!s->o.timeout)
		s->o.timeout = 30;
	if (!s->o.request_time)
		s->o.request_time = 60;
	if (!s->o.per_ip)
		s->o.per_ip = 16;
	if (!s->o.header_time)
		s->o.header_time = 10;
	pthread_mutex_init(&s->lock, NULL);
	struct sockaddr_in sa;
	size_t n;
	if (!parse_listen(o->listen ? o->listen : "127.0.0.1:8443", &sa, err) ||
	    !fileio_read(o->cert_file, &s->cert, &n, err) || !fileio_read(o->key_file, &s->key, &n, err)) {
		server_stop(s);
		return NULL;
	}
	if (o->tls_tickets && o->ticket_key) {
		/* the registry's own: a client resumes with any of its servers */
		gnutls_datum_t hex = {(unsigned char *)o->ticket_key, (unsigned)strlen(o->ticket_key)};
		if (gnutls_hex_decode2(&hex, &s->ticket_key) != GNUTLS_E_SUCCESS)
			s->ticket_key.data = NULL; /* full handshakes only */
	} else if (o->tls_tickets && gnutls_session_ticket_key_generate(&s->ticket_key) != GNUTLS_E_SUCCESS) {
		s->ticket_key.data = NULL; /* full handshakes only */
	}
	s->d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_HTTPS_MEM_CERT, s->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key, MHD_OPTION_THREAD_POOL_SIZE, s->o.threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED, completed,
	    s, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->o.per_ip, MHD_OPTION_NOTIFY_CONNECTION,
	    notify_connection, s, MHD_OPTION_HTTPS_PRIORITIES,
	    s->o.tls_priorities ? s->o.tls_priorities : SERVER_TLS_DEFAULT, MHD_OPTION_END);
	if (!s->d) {
		error_set(
		    err, "LISTEN",
		    "Cannot serve on %s (address in use, the certificate and key do not match, or the TLS "
		    "priorities are not valid).",
		    o->listen);
		server_stop(s);
		return NULL;
	}
	s->watching = pthread_create(&s->watchdog, NULL, watchdog, s) == 0;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof addr);
	snprintf(s->base, sizeof s->base, "https://%s:%u", addr, info ? info->port : ntohs(sa.sin_port));
	snprintf(url, url_len, "%s/", s->base);
	return s;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	if (s->watching) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->watchdog, NULL);
	}
	if (s->d) {
		/* stop accepting first; requests in flight finish before the join */
		MHD_socket fd = MHD_quiesce_daemon(s->d);
		MHD_stop_daemon(s->d);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	if (s->ticket_key.data) {
		gnutls_memset(s->ticket_key.data, 0, s->ticket_key.size);
		gnutls_free(s->ticket_key.data);
	}
	free(s->cert);
	free(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
