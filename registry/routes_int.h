/* registry/routes_int.h - what the files behind registry/routes.h share;
 * not for other modules.
 *
 * How a request travels: registry_handle() (routes.c) finds the request's
 * route in the one route table there (method, pattern, authentication, body,
 * handler), answers 404 or 405 (Allow from the table) when none fits, checks
 * the bearer token and the body as the route asks, and calls the handler with
 * a struct ctx holding the path's parts. Handlers live by concern:
 *
 *   reply.c       responses, OperationOutcomes, URL and request helpers
 *   registry.c    the registry object and maintenance
 *   crud.c        read, vread, history, create, update, delete; access rules
 *   accept.c      what a create or update is checked against before storing
 *   search.c      searches, _elements/_summary
 *   include.c     _revinclude: a client's doses and companions with the search
 *   bundle.c      transaction and batch Bundles
 *   op_match.c    Patient/$match
 *   op_immds.c    $immds-forecast
 *   op_school.c   Group/{id}/$school-compliance
 *   op_school_reports.c  Group/{id}/$school-report and the reports kept
 *   op_summary.c  Organization/{id}/$provider-summary
 *   op_recall.c   Patient/$recall
 *   client_read.c a client with every dose, for the reports
 *   metadata.c    the CapabilityStatement
 *   conformance.c StructureDefinitions of the extensions, OperationDefinitions
 *   routes_auth.c /auth/...: login, switch, passwords, resets
 *   routes_oauth.c SMART discovery, refresh tokens, the device grant
 *   routes_hl7.c  POST /hl7v2: HL7 v2.5.1 through the handlers above
 *   soap.c        /iis: the CDC IIS SOAP web service
 *   registry_id.c the clients' short human registry IDs
 *   lots.c        the organization's vaccine lots on hand (Medication)
 *
 * A new endpoint is a handler in the file of its concern, declared below,
 * and one line in the table in routes.c.
 */
#ifndef VAX_REGISTRY_ROUTES_INT_H
#define VAX_REGISTRY_ROUTES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/client.h"
#include "core/date.h"
#include "registry/routes.h"
#include "registry/store.h"

#define CT_FHIR "application/fhir+json"
#define CT_JSON "application/json"

struct ctx;

/* Route a request inside a Bundle entry (set by routes.c; bundle.c calls
 * it, so the Bundle code does not depend on the table). */
typedef void (*reg_route_fn)(struct ctx *x, const struct reg_request *rq, const cJSON *body);

/* One request being handled. */
struct ctx {
	struct registry *a;
	const struct reg_request *rq;
	struct reg_response *rs;
	struct store_session ss; /* who is asking (after reg_authenticate) */
	bool in_tx;              /* inside a transaction Bundle */
	const char *forced_id;   /* a create's id, assigned by the transaction */
	/* from the route's pattern */
	const char *type;  /* {type}: a resource type this registry serves */
	const char *id;    /* {id} */
	long vid;          /* {vid}: a version, > 0 */
	const cJSON *body; /* the parsed JSON body (routes that take one), else NULL */
	reg_route_fn route_entry;
	/* a refresh token being rotated: the new one joins its family
	 * (routes_oauth.c; NULL for a new login) */
	const char *refresh_family;
	int64_t refresh_start;
};

/* ---- registry.c ------------------------------------------------------------ */

struct store *reg_store(struct registry *a);
const struct registry_config *reg_cfg(struct registry *a);
const struct codes *reg_codes(struct registry *a);

/* ---- reply.c: responses ---------------------------------------------------- */

/** Reply with a JSON body (takes j); ct NULL means application/fhir+json. */
void reg_reply_json(struct reg_response *rs, int status, cJSON *j, const char *ct);
/** Reply with a one-issue OperationOutcome. */
void reg_reply_oo(struct reg_response *rs, int status, const char *code, const char *detail, const char *msg,
                  const char *expr);
/** A storage failure as 500. */
void reg_reply_err(struct reg_response *rs, const struct vax_error *err);
/** A FHIR-INVALID mapping error as 422 naming the field. */
void reg_reply_invalid(struct reg_response *rs, const struct vax_error *err);
/** 404 for type/id; returns false. */
bool reg_not_found(struct ctx *x, const char *type, const char *id);
/** 405 naming the methods the URL takes. */
void reg_method_not_allowed(struct reg_response *rs, const char *allow);
/** ETag, Location (type/id/_history/version) and Last-Modified. */
void reg_version_headers(struct reg_response *rs, const char *type, const char *id, long version,
                         int64_t updated);
/** A new Bundle of the given type with a fresh id. */
cJSON *reg_bundle_new(const char *type);

/** A growing text document (SOAP envelopes, the device approval page). */
struct reg_buf {
	char *s;
	size_t n, cap;
};
/** Append s as it is. */
void reg_buf_put(struct reg_buf *b, const char *s);
/** Append s as XML/HTML text (& < > " ' escaped, CR as a reference). */
void reg_buf_text(struct reg_buf *b, const char *s);

/* ---- reply.c: requests ----------------------------------------------------- */

/** A query parameter's value, NULL if absent. */
const char *reg_param(const struct reg_request *rq, const char *key);
/** The request's day (UTC). */
vax_date reg_today(const struct reg_request *rq);
/** 1-64 letters, digits, '-' or '.'. */
bool reg_valid_id(const char *id);
/** The served resource type named t (a static string), else NULL. */
const char *reg_known_type(const char *t);
/** The resource types served, in the CapabilityStatement's order. */
extern const char *const reg_types[];
extern const size_t reg_ntypes;
/** "W/\"3\"", "\"3\"" or "3" -> 3; -1 if unreadable. */
long reg_parse_etag(const char *s);
/** Split a query string ("a=1&b=2", a leading '?' allowed) into buf and ps;
 * false if it has more than REG_MAX_PARAMS parameters. */
bool reg_query_params(const char *qs, struct reg_param *ps, int *np, char *buf, size_t len);
/** URL helpers: decode in place ('+' is a space); encode into a malloc'd string. */
void reg_url_decode(char *s);
char *reg_url_encode(const char *s);
/** An operation's parameter: a POSTed Parameters' value[x] string for
 * name, else the query's; NULL if neither has it. */
const char *reg_op_param(struct ctx *x, const cJSON *body, const char *name);
/** Audit one access by the session (not Organization reads). */
void reg_audit(struct ctx *x, const char *action, const char *type, const char *id);
const char *reg_version(void);

/* ---- crud.c ------------------------------------------------------------------ */

void reg_read(struct ctx *x);    /* GET /{type}/{id} and /{type}/{id}/_history/{vid} */
void reg_history(struct ctx *x); /* GET /{type}/{id}/_history */
void reg_create(struct ctx *x);  /* POST /{type} */
void reg_update(struct ctx *x);  /* PUT /{type}/{id} */
void reg_delete(struct ctx *x);  /* DELETE /{type}/{id} */
/** The current version, visible to this session; replies 404/410 otherwise. */
bool reg_load(struct ctx *x, const char *type, const char *id, long version, struct store_res *r);
/** May this session read resources of type (the school role sees no RelatedPerson or Consent)? */
bool reg_may_read(struct ctx *x, const char *type);
/** Group (school lists) belong to one organization and are visible to it only. */
bool reg_owner_scoped(const char *type);

/* ---- accept.c ---------------------------------------------------------------- */

/** Check an incoming resource (a create when cur is NULL, else an update of
 * cur) and give the form to store (*out): all of it, or a refusal. *uuid
 * receives the record's UUID identifier if it has one. False after
 * replying. */
bool reg_accept(struct ctx *x, const char *type, const cJSON *in, const struct store_res *cur, cJSON **out,
                char *uuid);
/** Resolve a patient reference (Patient/id or the client's urn:uuid) to an
 * existing Patient id and its birth date (dob may be NULL). False after
 * replying 422 naming path. */
bool reg_resolve_patient(struct ctx *x, const char *ref_id, const char *uuid, char *out, size_t len,
                         vax_date *dob, const char *path);
/** The current resource of type whose identifier is urn:uuid:<uuid>: 1
 * found (id copied), 0 none, -1 error. */
int reg_find_by_uuid(struct ctx *x, const char *type, const char *uuid, char *id, size_t len);

/* ---- registry_id.c, lots.c -------------------------------------------------- */

/** Give a new client its registry ID, or keep the stored one on an update
 * (what the sender put there is replaced). False after replying. */
bool reg_registry_id_apply(struct ctx *x, const struct client *c, cJSON *res, bool create);
/** Check an incoming lot (Medication), kept as sent if good. False after replying. */
bool reg_lot_check(struct ctx *x, const cJSON *in);
/** A dose given here with a lot number: its lot's doses on hand change by
 * delta (-1 recorded, +1 deleted), in the caller's transaction. */
void reg_lots_dose(struct ctx *x, const cJSON *imm, int delta);

/* ---- search.c ---------------------------------------------------------------- */

void reg_search(struct ctx *x);      /* GET /{type} */
void reg_search_post(struct ctx *x); /* POST /{type}/_search (a form body) */

/** One value of a parameter that lists values (a,b: either one). */
struct reg_alt {
	enum store_cond_kind kind;
	const char *key;
	char v1[200], v2[200];
};
#define REG_MAX_ALT 40

/** A search turned into a store query (If-None-Exist uses it too). */
struct reg_search {
	struct store_query q;
	char buf[STORE_MAX_COND][2][200];
	int count, offset;
	const char *elements;
	const char *summary;
	bool quick_id;
	bool total_none; /* _total=none: the Bundle carries no total */
	/* one parameter may list values (searches only): the query runs once
	 * per alternative (q plus that condition) and the matches are merged */
	int nalt;
	struct reg_alt alt[REG_MAX_ALT];
	char listed[32];           /* the listing parameter's name */
	char ignored[256];         /* parameters left out under Prefer: handling=lenient, "a,b" */
	const char *revinclude[6]; /* _revinclude values taken (include.c) */
	int n_revinclude;
};

/** Parameters -> store query for If-None-Exist (no lists, every parameter
 * understood); false after replying 400. */
bool reg_search_build(struct ctx *x, const char *type, const struct reg_param *ps, int np,
                      struct reg_search *s);
/** Add one condition; false if there are too many. */
bool reg_search_cond(struct reg_search *s, enum store_cond_kind k, const char *key, const char *v1,
                     const char *v2);
/** True if key is a search parameter of type (besides _id and the result parameters). */
bool reg_search_param_known(const char *type, const char *key);
/** _elements and _summary: never send PHI that was not asked for. */
void reg_subset(cJSON *res, const char *type, const char *elements, const char *summary);
/** A stored resource as it goes out: the text itself (a raw item) when
 * _elements and _summary cut nothing, else parsed and cut. */
cJSON *reg_stored_json(const char *json, const char *type, const char *elements, const char *summary);

/* ---- include.c: _revinclude --------------------------------------------------- */

#define REG_INCLUDED_MAX  2000 /* resources _revinclude may add to one page */
#define REG_FORECASTS_MAX 50   /* clients on one page whose forecast _revinclude computes */
/** Take one _revinclude value for a search of type; false after replying 400. */
bool reg_revinclude_parse(struct ctx *x, const char *type, const char *v, struct reg_search *s);
/** Append the resources s->revinclude asks for, for the n clients found;
 * false after replying (too costly, store failure). */
bool reg_revinclude_add(struct ctx *x, const struct reg_search *s, const char (*ids)[65], int n,
                        cJSON *entries);

/* ---- bundle.c, the operations, metadata ------------------------------------- */

void reg_bundle(struct ctx *x);            /* POST / */
void reg_op_match(struct ctx *x);          /* POST /Patient/$match */
void reg_op_immds(struct ctx *x);          /* POST /$immds-forecast */
void reg_op_school(struct ctx *x);         /* GET|POST /Group/{id}/$school-compliance */
void reg_metadata(struct ctx *x);          /* GET /metadata */
void reg_op_summary(struct ctx *x);        /* GET|POST /Organization/{id}/$provider-summary */
void reg_op_recall(struct ctx *x);         /* POST /Patient/$recall */
void reg_op_school_report(struct ctx *x);  /* POST /Group/{id}/$school-report */
void reg_school_reports(struct ctx *x);    /* GET /Group/$school-reports */
void reg_school_report_get(struct ctx *x); /* GET /Group/$school-reports/{id} */
/** The school compliance answer for list gid (grade and date from the
 * request), or NULL after replying an error. */
cJSON *reg_school_run(struct ctx *x, const char *gid, const cJSON *body);

/* ---- client_read.c ------------------------------------------------------------ */

/** A client and every dose of theirs, for the reports. */
struct reg_history {
	struct client c;
	struct immunization *imms; /* each with its registry id */
	char (*org)[33];           /* the organization that recorded each */
	vax_date *received;        /* the day the registry first had each */
	size_t n, cap;
};

/** Read client pid (its current version; patient may hand it over already
 * read) and every dose: 1 read, 0 no such client, -1 a storage failure. */
int reg_history_read(struct ctx *x, const char *pid, const struct store_res *patient, struct reg_history *h);
void reg_history_free(struct reg_history *h);

/* ---- conformance.c: the definitions served ---------------------------------- */

void reg_conformance_read(struct ctx *x);   /* GET /StructureDefinition/{id}, /OperationDefinition/{id} */
void reg_conformance_search(struct ctx *x); /* GET /StructureDefinition, /OperationDefinition (by url) */
/** The StructureDefinition and OperationDefinition entries of the
 * CapabilityStatement's rest.resource (each lists the definitions). */
void reg_conformance_list(cJSON *rest_resources);
/** Has the project extension url a StructureDefinition here? */
bool reg_extension_defined(const char *url);
/** Add to where (a rest or one of its resources; type NULL: the system
 * level) an "operation" entry for each operation defined here on that
 * level, by its definition's canonical URL; those that need CDSi's data or
 * the school requirements only when loaded. */
void reg_conformance_ops(const char *type, bool cdsi, bool school, cJSON *where);

/* ---- routes_auth.c ------------------------------------------------------------ */

void reg_auth_confidentiality(struct ctx *x); /* GET /auth/confidentiality */
void reg_auth_token(struct ctx *x);           /* POST /auth/token */
void reg_auth_switch(struct ctx *x);          /* POST /auth/switch */
void reg_auth_password(struct ctx *x);        /* POST /auth/password */
void reg_auth_reset(struct ctx *x);           /* POST /auth/password-reset */
void reg_auth_reset_confirm(struct ctx *x);   /* POST /auth/password-reset/confirm */
void reg_auth_logout(struct ctx *x);          /* POST /auth/logout */
/** An RFC 6749 error answer for the /auth endpoints (status 4xx). */
void reg_auth_error(struct reg_response *rs, int status, const char *error, const char *desc);
/** Check the bearer token; fills x->ss or replies 401 and returns false. */
bool reg_authenticate(struct ctx *x);
/** Answer with a new token for u at org in role (the token endpoint's answer). */
void reg_auth_issue(struct ctx *x, const struct store_user *u, const char *org, const char *role);
/** An /auth/ body (form or JSON) as a JSON object, NULL if neither; free with
 * reg_auth_wipe_fields(), which wipes the values first. */
cJSON *reg_auth_read_fields(const struct reg_request *rq);
void reg_auth_wipe_fields(cJSON *f);

/* ---- routes_oauth.c -------------------------------------------------------------- */

void reg_oauth_smart(struct ctx *x);         /* GET /.well-known/smart-configuration */
void reg_oauth_device(struct ctx *x);        /* POST /auth/device */
void reg_oauth_activate_page(struct ctx *x); /* GET /auth/activate */
void reg_oauth_activate(struct ctx *x);      /* POST /auth/activate */
void reg_oauth_revoke(struct ctx *x);        /* POST /auth/revoke */
/** The grants of POST /auth/token other than the password: refresh_token and
 * the device code. False if grant is neither (nothing replied). */
bool reg_oauth_grant(struct ctx *x, const cJSON *f, const char *grant);
/** Add a refresh token for u at org to a token answer (see routes_oauth.c);
 * family and *ends get its family and when that ends ("", 0: none added). */
void reg_oauth_refresh_add(struct ctx *x, cJSON *answer, const struct store_user *u, const char *org,
                           const char *role, char family[65], int64_t *ends);

/* ---- routes_hl7.c, soap.c: HL7 v2 (they answer maintenance themselves) ------ */

void reg_hl7v2(struct ctx *x); /* POST /hl7v2 */
void reg_soap(struct ctx *x);  /* GET /iis?wsdl, POST /iis */

#endif
