/* registry/metadata.c - GET /metadata: the CapabilityStatement. */
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "registry/routes_int.h"

/* ---- CapabilityStatement ------------------------------------------------------ */

void reg_metadata(struct ctx *x)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "resourceType", "CapabilityStatement");
	cJSON_AddStringToObject(c, "status", "active");
	char date[DATE_ISO_LEN];
	date_format_iso(reg_today(x->rq), date);
	cJSON_AddStringToObject(c, "date", date);
	cJSON_AddStringToObject(c, "kind", "instance");
	cJSON *sw = cJSON_AddObjectToObject(c, "software");
	cJSON_AddStringToObject(sw, "name", "vaxregd");
	cJSON_AddStringToObject(sw, "version", reg_version());
	/* an instance's statement names the instance (cpb-14) */
	cJSON *impl = cJSON_AddObjectToObject(c, "implementation");
	cJSON_AddStringToObject(impl, "description", "vaxregd immunization registry");
	if (x->rq->base && *x->rq->base)
		cJSON_AddStringToObject(impl, "url", x->rq->base);
	cJSON_AddStringToObject(c, "fhirVersion", "4.0.1");
	cJSON *fmt = cJSON_AddArrayToObject(c, "format");
	cJSON_AddItemToArray(fmt, cJSON_CreateString("application/fhir+json"));
	cJSON *rest = cJSON_AddArrayToObject(c, "rest");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToArray(rest, r);
	cJSON_AddStringToObject(r, "mode", "server");
	cJSON *sec = cJSON_AddObjectToObject(r, "security");
	cJSON_AddStringToObject(
	    sec, "description",
	    "SMART on FHIR discovery at /.well-known/smart-configuration: OAuth2 password "
	    "grant (with org_code), device grant (RFC 8628) and refresh tokens at "
	    "/auth/token; bearer tokens bound to one organization.");
	cJSON *svc = cJSON_CreateObject(), *cd = cJSON_CreateObject();
	cJSON_AddStringToObject(cd, "system",
	                        "http://terminology.hl7.org/CodeSystem/restful-security-service");
	cJSON_AddStringToObject(cd, "code", "SMART-on-FHIR");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(svc, "coding"), cd);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(sec, "service"), svc);
	/* the SMART oauth-uris extension, for clients that read it here */
	cJSON *ou = cJSON_CreateObject();
	cJSON_AddStringToObject(ou, "url",
	                        "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
	cJSON *oue = cJSON_AddArrayToObject(ou, "extension");
	static const char *const uris[][2] = {{"token", "/auth/token"}, {"revoke", "/auth/revoke"}};
	for (size_t i = 0; i < sizeof uris / sizeof *uris; i++) {
		char u[512];
		snprintf(u, sizeof u, "%s%s", x->rq->base ? x->rq->base : "", uris[i][1]);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", uris[i][0]);
		cJSON_AddStringToObject(e, "valueUri", u);
		cJSON_AddItemToArray(oue, e);
	}
	cJSON_AddItemToArray(cJSON_AddArrayToObject(sec, "extension"), ou);
	cJSON *ress = cJSON_AddArrayToObject(r, "resource");
	bool cdsi = reg_cfg(x->a)->cdsi != NULL, school = reg_cfg(x->a)->school != NULL;
	for (size_t i = 0; i < reg_ntypes; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", reg_types[i]);
		cJSON *ia = cJSON_AddArrayToObject(o, "interaction");
		static const char *ro[] = {"read", "vread", "history-instance", "search-type"};
		static const char *rw[] = {"read",   "vread", "history-instance", "search-type", "create",
		                           "update", "delete"};
		bool writable = strcmp(reg_types[i], "Organization") != 0;
		const char **l = writable ? rw : ro;
		int nl = writable ? 7 : 4;
		for (int k = 0; k < nl; k++) {
			cJSON *it = cJSON_CreateObject();
			cJSON_AddStringToObject(it, "code", l[k]);
			cJSON_AddItemToArray(ia, it);
		}
		cJSON_AddStringToObject(o, "versioning", "versioned-update");
		cJSON_AddBoolToObject(o, "conditionalCreate", writable);
		cJSON *sp = cJSON_AddArrayToObject(o, "searchParam");
		static const char *all[] = {"_id",
		                            "family",
		                            "given",
		                            "birthdate",
		                            "gender",
		                            "identifier",
		                            "address-postalcode",
		                            "quick",
		                            "patient",
		                            "date",
		                            "status",
		                            "vaccine-code",
		                            "member",
		                            "name"};
		for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
			if (strcmp(all[k], "_id") && !reg_search_param_known(reg_types[i], all[k]))
				continue;
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", all[k]);
			cJSON_AddStringToObject(
			    p, "type",
			    !strcmp(all[k], "birthdate") || !strcmp(all[k], "date")   ? "date"
			    : !strcmp(all[k], "patient") || !strcmp(all[k], "member") ? "reference"
			    : !strcmp(all[k], "family") || !strcmp(all[k], "given") ||
			            !strcmp(all[k], "name") || !strcmp(all[k], "quick") ||
			            !strcmp(all[k], "address-postalcode")
			        ? "string"
			        : "token");
			cJSON_AddItemToArray(sp, p);
		}
		if (!strcmp(reg_types[i], "Patient")) {
			static const char *const rev[] = {"Immunization:patient", "RelatedPerson:patient",
			                                  "Consent:patient"}; /* include.c */
			cJSON_AddItemToObject(o, "searchRevInclude", cJSON_CreateStringArray(rev, 3));
			cJSON *ops = cJSON_AddArrayToObject(o, "operation");
			cJSON *op = cJSON_CreateObject();
			cJSON_AddStringToObject(op, "name", "match");
			cJSON_AddStringToObject(op, "definition",
			                        "http://hl7.org/fhir/OperationDefinition/Patient-match");
			cJSON_AddItemToArray(ops, op);
		}
		reg_conformance_ops(reg_types[i], cdsi, school, o);
		cJSON_AddItemToArray(ress, o);
	}
	reg_conformance_list(ress);
	reg_conformance_ops(NULL, cdsi, school, r);
	cJSON *inter = cJSON_AddArrayToObject(r, "interaction");
	cJSON *t1 = cJSON_CreateObject(), *t2 = cJSON_CreateObject();
	cJSON_AddStringToObject(t1, "code", "transaction");
	cJSON_AddStringToObject(t2, "code", "batch");
	cJSON_AddItemToArray(inter, t1);
	cJSON_AddItemToArray(inter, t2);
	reg_reply_json(x->rs, 200, c, CT_FHIR);
}
