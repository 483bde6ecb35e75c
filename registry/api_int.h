/* registry/api_int.h - what api.c and api_auth.c share; not for other files. */
#ifndef VAX_REGISTRY_API_INT_H
#define VAX_REGISTRY_API_INT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "registry/api.h"
#include "registry/store.h"

/* One request being handled. */
struct ctx {
	struct api *a;
	const struct api_request *rq;
	struct api_response *rs;
	struct store_session ss;    /* who is asking (after api_authenticate) */
	bool in_tx;                 /* inside a transaction Bundle */
	const char *forced_id;      /* a create's id, assigned by the transaction */
};

struct store *api_store(struct api *a);
const struct api_config *api_cfg(struct api *a);

/** Reply with a JSON body (takes j); ct NULL means application/fhir+json. */
void api_reply_json(struct api_response *rs, int status, cJSON *j, const char *ct);
/** Reply with a one-issue OperationOutcome. */
void api_reply_oo(struct api_response *rs, int status, const char *code, const char *detail,
		  const char *msg, const char *expr);

/** /auth/... endpoints. */
void api_auth_handle(struct ctx *x);
/** Check the bearer token; fills x->ss or replies 401 and returns false. */
bool api_authenticate(struct ctx *x);

/** URL helpers: decode in place ('+' is a space); encode into a malloc'd string. */
void api_url_decode(char *s);
char *api_url_encode(const char *s);

const char *api_version(void);

/** The $match score of candidate c for the searched client in (0..1);
 * *certain if they share an identifier. */
double api_match_score(const struct client *in, const struct client *c, bool *certain);

#endif
