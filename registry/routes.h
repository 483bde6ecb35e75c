/* registry/routes.h - the registry's HTTP API, apart from HTTP transport:
 * a request (method, path, decoded query parameters, the few headers that
 * matter, body) goes in, a response (status, headers, body) comes out.
 * registry/server.c feeds it from libmicrohttpd; transaction Bundles feed it
 * entry by entry; tests and the bench can call it directly.
 */
#ifndef VAX_REGISTRY_ROUTES_H
#define VAX_REGISTRY_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/codes.h"
#include "forecast/cdsi.h"
#include "forecast/school.h"
#include "registry/store.h"

struct registry_config {
	const char *datadir;              /* the server's data dir (maildir spool, maintenance flag) */
	int token_ttl;                    /* seconds a bearer token lives (default 900) */
	int reset_ttl;                    /* seconds a reset token lives (default 86400) */
	int login_delay;                  /* seconds to wait after the 3rd failed login in a row,
	                                   * doubled after each further one (default 15) */
	int session_max;                  /* seconds a session may be renewed for after its login
	                                   * with a password (default 43200, 12 hours) */
	int refresh_ttl;                  /* seconds a login's refresh tokens live (default 28800) */
	int device_ttl;                   /* seconds a device code waits for approval (default 600) */
	int device_interval;              /* seconds between a device's polls (default 5) */
	int test_slow_down;               /* tests: answer the first N polls of a code slow_down */
	bool test_no_batch;               /* tests: refuse batch Bundles (a registry without them) */
	const char *mail_command;         /* if set, reset mail is piped to it, else the maildir spool */
	int maint_start, maint_end;       /* daily window in minutes after 00:00 UTC; -1 = none */
	int page_max;                     /* largest _count (default 200) */
	const struct cdsi_data *cdsi;     /* CDSi supporting data for $immds-forecast; NULL = not offered */
	const struct school_reqs *school; /* school requirements (needs cdsi); NULL = not offered */
};

struct reg_param {
	const char *key;
	const char *value;
};

#define REG_MAX_PARAMS 32

struct reg_request {
	const char *method;
	const char *path; /* without the query string */
	struct reg_param param[REG_MAX_PARAMS];
	int n_param;
	bool too_many_params;
	const char *authorization;
	const char *confidentiality_accepted; /* Confidentiality-Accepted: a statement version */
	const char *if_match;
	const char *if_none_exist;
	const char
	    *prefer; /* Prefer: return=minimal (a Bundle's answer), handling=strict|lenient (searches) */
	const char *content_type;
	const char *accept; /* Accept: the formats the client takes (406 when JSON is not one) */
	const char *base;   /* "https://host:port" for links */
	const char *body;
	size_t body_len;
	int64_t now;   /* Unix seconds */
	bool admitted; /* began before maintenance: serve it anyway */
	bool lag_ok;   /* a GET from the network: its searches may read a replica
	                * (never a request made inside another: those feed writes) */
};

struct reg_response {
	int status;
	char *body; /* malloc'd, may be NULL */
	const char *content_type;
	char etag[48];
	char location[256];
	char last_modified[40];
	int retry_after; /* seconds, 0 = none */
	char allow[64];  /* for 405: the methods the URL takes */
	bool replica;    /* a read replica answered its searches */
};

struct registry;

/** A new API over an open store; codes may be NULL (code checks skipped). */
struct registry *registry_new(struct store *st, const struct codes *codes, const struct registry_config *cfg);
void registry_free(struct registry *a);

/** Handle one request. Never fails: errors are responses. */
void registry_handle(struct registry *a, const struct reg_request *rq, struct reg_response *rs);
void reg_response_free(struct reg_response *rs);

/** Maintenance: forced on/off by signal (-1 = follow the flag file and the
 * window). */
void registry_set_maintenance(struct registry *a, int forced);
/** True if the registry is in maintenance at now; *retry_after is set. */
bool registry_in_maintenance(struct registry *a, int64_t now, int *retry_after);

#endif
