/* registry/routes_int.h - what routes.c and routes_auth.c share; not for other files. */
#ifndef VAX_REGISTRY_ROUTES_INT_H
#define VAX_REGISTRY_ROUTES_INT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "registry/routes.h"
#include "registry/store.h"

/* One request being handled. */
struct ctx {
	struct registry *a;
	const struct reg_request *rq;
	struct reg_response *rs;
	struct store_session ss; /* who is asking (after reg_authenticate) */
	bool in_tx;              /* inside a transaction Bundle */
	const char *forced_id;   /* a create's id, assigned by the transaction */
};

struct store *reg_store(struct registry *a);
const struct registry_config *reg_cfg(struct registry *a);
const struct codes *reg_codes(struct registry *a);

/** Reply with a JSON body (takes j); ct NULL means application/fhir+json. */
void reg_reply_json(struct reg_response *rs, int status, cJSON *j, const char *ct);
/** Reply with a one-issue OperationOutcome. */
void reg_reply_oo(struct reg_response *rs, int status, const char *code, const char *detail, const char *msg,
                  const char *expr);

/** /auth/... endpoints. */
void reg_auth_handle(struct ctx *x);
/** Check the bearer token; fills x->ss or replies 401 and returns false. */
bool reg_authenticate(struct ctx *x);

/** URL helpers: decode in place ('+' is a space); encode into a malloc'd string. */
void reg_url_decode(char *s);
char *reg_url_encode(const char *s);

const char *reg_version(void);

#endif
