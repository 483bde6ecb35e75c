/* api/fhir_client.h - FHIR R4 operations on the registry.
 *
 * Each operation has two halves, so the terminal never waits:
 *   api_fhir_*_req()  builds a ready request (send it with api_req_send()
 *                     and a callback, or poll it);
 *   api_fhir_read_*() interprets the api_result in the callback.
 * Resource bodies go through core/fhir.h, the mapping vaxregd uses too.
 *
 * Requests ask only for what the screen shows: searches take _elements,
 * _summary and _count from the caller (DESIGN.md section 4: no PHI that
 * was not asked for). Creates are conditional on the record's UUID
 * identifier (If-None-Exist), so a resend is a no-op; updates carry
 * If-Match with the opaque version.
 */
#ifndef VAX_API_FHIR_CLIENT_H
#define VAX_API_FHIR_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "api/http.h"
#include "api/response.h"
#include "core/client.h"
#include "core/error.h"
#include "core/immunization.h"

/** Versions are opaque; other servers use UUIDs (Medplum), so the api
 * keeps room for more than core's VAX_VERSION_LEN. */
#define API_VERSION_LEN 72

/** One search parameter; the value is percent-encoded when sent. */
struct api_fhir_param {
	const char *name;
	const char *value;
};

/** GET /{type}/{id}; elements ("name,birthDate") may be NULL. */
struct api_req *api_fhir_read_req(struct api_conn *c, const char *type, const char *id, const char *elements,
                                  struct vax_error *err);
/** GET /{type}?params. */
struct api_req *api_fhir_search_req(struct api_conn *c, const char *type, const struct api_fhir_param *p,
                                    int n, struct vax_error *err);
/** The path of GET /{type}?params ("/Patient?family=..."), malloc'd; NULL
 * with err set when the type is not one or the search too long. */
char *api_fhir_search_path(const char *type, const struct api_fhir_param *p, int n, struct vax_error *err);
/** GET of a registry path ("/Patient?...", as api_fhir_search_path makes). */
struct api_req *api_fhir_get_req(struct api_conn *c, const char *path, struct vax_error *err);
/** POST / with a batch Bundle of GETs of these paths: what a screen needs
 * in one round trip. Read each answer with api_fhir_batch_entry(). */
struct api_req *api_fhir_batch_get_req(struct api_conn *c, const char *const *paths, int n,
                                       struct vax_error *err);
/** The answer to a batch's i-th request (0-based), as if it had been sent
 * alone: status and class, and its resource (or a refusal's OperationOutcome)
 * as the body, which *owned holds (free it). False with err set when res is
 * no batch-response with an entry i (a registry that takes no batch). */
bool api_fhir_batch_entry(const struct api_result *res, int i, struct api_result *out, char **owned,
                          struct vax_error *err);
/** GET the next page of a searchset; NULL (err unset) if there is none. */
struct api_req *api_fhir_next_req(struct api_conn *c, const struct api_bundle *b, struct vax_error *err);
/** POST /{type}, conditional on the identifier urn:ietf:rfc:3986|urn:uuid:{uuid}
 * (uuid NULL: unconditional). The resource is serialized, not kept. */
struct api_req *api_fhir_create_req(struct api_conn *c, const char *type, const cJSON *resource,
                                    const char *uuid, struct vax_error *err);
/** PUT /{type}/{id} with If-Match: W/"{version}" (version NULL or "": none). */
struct api_req *api_fhir_update_req(struct api_conn *c, const char *type, const char *id,
                                    const cJSON *resource, const char *version, struct vax_error *err);
/** DELETE /{type}/{id}. */
struct api_req *api_fhir_delete_req(struct api_conn *c, const char *type, const char *id,
                                    struct vax_error *err);
/** POST / with a transaction or batch Bundle. Its urn:uuid fullUrls are
 * made fresh for this request (api_fhir_bundle_localize), so a resend never
 * repeats one and none is ever a record's identifier. */
struct api_req *api_fhir_bundle_req(struct api_conn *c, const cJSON *bundle, struct vax_error *err);
/** Give every urn:uuid fullUrl of the Bundle a fresh UUID and make the
 * references to it within the Bundle follow. A fullUrl only names an entry
 * inside one Bundle: a server may rewrite it wherever the string appears
 * (Medplum does, identifiers and ifNoneExist included), so one equal to a
 * record's identifier would cost the resend its conditional create. What
 * makes a resend a no-op is ifNoneExist on the identifier alone. */
void api_fhir_bundle_localize(cJSON *bundle);
/** POST /Patient/$match (Parameters: resource, count, onlyCertainMatches). */
struct api_req *api_fhir_match_req(struct api_conn *c, const cJSON *patient, int count, bool only_certain,
                                   struct vax_error *err);
/** POST /$immds-forecast (ImmDS IG: assessmentDate, patient, immunization*).
 * assessment_date is "YYYY-MM-DD". */
struct api_req *api_fhir_forecast_req(struct api_conn *c, const char *assessment_date, const cJSON *patient,
                                      const cJSON *const *imms, int n_imms, struct vax_error *err);

/* Typed conveniences over core/fhir.h. */
struct api_req *api_fhir_create_patient_req(struct api_conn *c, const struct client *cl,
                                            struct vax_error *err);
struct api_req *api_fhir_update_patient_req(struct api_conn *c, const struct client *cl,
                                            struct vax_error *err);
struct api_req *api_fhir_create_immunization_req(struct api_conn *c, const struct immunization *im,
                                                 struct vax_error *err);
struct api_req *api_fhir_update_immunization_req(struct api_conn *c, const struct immunization *im,
                                                 struct vax_error *err);

/** The error of a finished request, or a protocol error if a 2xx body is
 * unusable: true if res is API_OK. Copies res->err into err otherwise. */
bool api_fhir_ok(const struct api_result *res, struct vax_error *err);

/** Parse a single resource of `type` from a result; the caller frees it.
 * NULL with err set (the transport's error, or API-PROTO-*). */
cJSON *api_fhir_read_resource(const struct api_result *res, const char *type, struct vax_error *err);
/** Parse a Bundle result (searchset, transaction-response, $match). */
bool api_fhir_read_bundle(const struct api_result *res, struct api_bundle *b, struct vax_error *err);
/** Version from an ETag (W/"3" -> 3) or meta.versionId; "" if none. */
char *api_fhir_version(const struct api_result *res, const cJSON *resource, char *buf, size_t len);

/** Read a Patient / Immunization result into core types, id and version
 * filled from the resource, ETag or Location. */
bool api_fhir_read_patient(const struct api_result *res, struct client *cl, struct vax_error *err);
bool api_fhir_read_immunization(const struct api_result *res, struct immunization *im, struct vax_error *err);

/** What the registry's CapabilityStatement offers beyond the basics
 * vaxdesk needs from every server. */
struct api_capability {
	bool known; /* a CapabilityStatement with a rest part was read */
	bool match; /* Patient/$match */
	bool immds; /* $immds-forecast (HL7 ImmDS IG) */
};
/** Read a CapabilityStatement (GET /metadata). False (c->known false) if it
 * is not one. */
bool api_capability_parse(const char *body, size_t len, struct api_capability *c);

/** What happened to one entry of a transaction or batch. */
struct api_fhir_outcome {
	enum api_class cls; /* API_OK for 2xx */
	int status;
	char type[32];
	char id[VAX_ID_LEN];
	char version[API_VERSION_LEN];
	struct vax_error err; /* the entry's OperationOutcome, for people */
};

/** Per-entry outcomes of a transaction/batch-response, in request order.
 * out has room for max; returns the number filled, -1 on a bad Bundle. */
int api_fhir_entry_outcomes(const struct api_bundle *b, struct api_fhir_outcome *out, int max,
                            struct vax_error *err);

#endif
