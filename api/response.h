/* api/response.h - parsers for what the registry sends back.
 *
 * Every function here reads outside input: it never trusts a length, a type
 * or a nesting, returns false/NULL with an API-PROTO-* error on anything it
 * cannot use, and cleans text meant for the screen (control characters, and
 * so terminal escape sequences, are dropped). tests/fuzz/fuzz_api_response.c
 * feeds them.
 */
#ifndef VAX_API_RESPONSE_H
#define VAX_API_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"

#define API_TOKEN_MAX 4096
#define API_ORGS_MAX  32

/** Parse a JSON body (UTF-8, at most `len` bytes). NULL with
 * API-PROTO-MALFORMED if it is not JSON or not an object. */
cJSON *api_json_parse(const char *body, size_t len, struct vax_error *err);

/** Copy src to dst (size len) for display: C0/C1 controls and DEL become
 * spaces, runs of blanks fold to one, invalid UTF-8 becomes '?', cut at a
 * character boundary. Returns dst. */
char *api_text_clean(char *dst, size_t len, const char *src);

/** The text a person can act on from an OperationOutcome body: the
 * error/fatal issues first (diagnostics, else details.text, else the code),
 * joined with "; ". False if the body is not an OperationOutcome. */
bool api_outcome_text(const char *body, size_t len, char *buf, size_t buflen);
/** Same for a parsed OperationOutcome resource. */
bool api_outcome_text_json(const cJSON *oo, char *buf, size_t buflen);

/** One organization the user may work for. */
struct api_org {
	char code[33];
	char name[101];
};

/** A successful token answer (RFC 6749 5.1, any grant) or /auth/switch. */
struct api_token {
	char access_token[API_TOKEN_MAX];
	char refresh_token[API_TOKEN_MAX]; /* "" if none was issued */
	char token_type[16];
	long expires_in;         /* seconds; 0 if not given */
	long refresh_expires_in; /* seconds the refresh token lives; 0 if not given */
	char org_code[33];       /* the org this token is bound to */
	char org_name[101];
	char username[65];      /* who signed in, when the registry says ("" if not) */
	char profile[101];      /* SMART's profile / fhirUser: "Practitioner/1", "ClientApplication/x" */
	char profile_name[101]; /* its display */
	char role[16];          /* the user's role there ("provider", "view", "school"); "" if not named */
	struct api_org orgs[API_ORGS_MAX];
	int n_orgs;
	bool reset_required;           /* must change the password now */
	long password_expires_in_days; /* -1 if not given */
	bool confidentiality_required; /* a deferred login: the token waits for the statement */
	char forecast_rules[64];       /* the registry's forecast rules (cdsi_data_rules), "" if not said */
};

/** A refused login (RFC 6749 5.2 plus the registry's fields). */
struct api_token_error {
	char error[48]; /* invalid_grant, invalid_request, ... */
	char description[256];
	int attempts_remaining;        /* -1 if not given */
	bool captcha;                  /* a challenge must be answered (registries that ask one) */
	char challenge[256];           /* the challenge text, if given */
	int retry_after;               /* seconds before the next attempt may be made; 0 if none */
	bool reset_required;           /* locked: the password must be reset */
	bool confidentiality_required; /* the password is right: accept the statement, then again */
	bool statement;                /* ... and the statement came with it (api_session_confidentiality) */
};

/** Parse a token answer; false with API-PROTO-* if unusable. The token is
 * wiped from the parse tree before it is freed. */
bool api_token_parse(const char *body, size_t len, struct api_token *t, struct vax_error *err);
/** Parse a token error body; false if it is not RFC 6749 JSON. */
bool api_token_error_parse(const char *body, size_t len, struct api_token_error *e);
/** Wipe a token (OPENSSL_cleanse). */
void api_token_wipe(struct api_token *t);

/** The confidentiality statement: JSON {"text","version"} or plain text.
 * *text is malloc'd and cleaned (newlines kept); version may be "". */
bool api_confidentiality_parse(const char *body, size_t len, const char *content_type, char **text,
                               char *version, size_t version_len, struct vax_error *err);

/** One entry of a Bundle. Pointers point into the bundle's tree. */
struct api_entry {
	const cJSON *resource;     /* may be NULL (transaction-response without return) */
	const char *full_url;      /* "" if none */
	const char *resource_type; /* "" if none */
	const char *id;            /* resource.id, "" if none */
	const char *mode;          /* search.mode: match, include, outcome; "" */
	double score;              /* search.score, -1 if none */
	const char *match_grade;   /* certain/probable/possible/certainly-not, "" */
	/* transaction/batch-response */
	int status;           /* HTTP status from response.status, 0 if none */
	const char *location; /* response.location */
	const char *etag;     /* response.etag */
	const cJSON *outcome; /* response.outcome (OperationOutcome) */
};

struct api_bundle {
	cJSON *root;
	const char *type; /* searchset, transaction-response, ... */
	long total;       /* -1 if not given */
	const char *next; /* link[relation=next].url, NULL if none */
	int n;            /* entries */
	struct api_entry *entry;
};

/** Parse a Bundle; false with API-PROTO-* if it is not one. Free with
 * api_bundle_free() in every case. */
bool api_bundle_parse(const char *body, size_t len, struct api_bundle *b, struct vax_error *err);
void api_bundle_free(struct api_bundle *b);

/** "Immunization/123/_history/4" -> type, id, version (each may be NULL to
 * skip; "" if absent). Also takes absolute URLs. False if unparsable. */
bool api_ref_split(const char *ref, char *type, size_t tl, char *id, size_t il, char *version, size_t vl);

#endif
