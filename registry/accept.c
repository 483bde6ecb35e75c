/* registry/accept.c - what a create or update is checked against before it
 * is stored: the FHIR mapping (core/fhir.h), the validation rules
 * (core/rules.h) and the references it makes; the stored form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/immunization.h"
#include "core/rules.h"
#include "registry/routes_int.h"

/* Find a current resource by an index term; 1 found (id copied), 0 none, -1 error. */
static int find_by_term(struct ctx *x, const char *type, const char *key, const char *value, char *id,
                        size_t len)
{
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = type;
	s.q.count = 1;
	reg_search_cond(&s, SC_TERM, key, value, NULL);
	struct store_res r;
	char ids[1][65];
	long total = 0;
	struct vax_error err = {0};
	int n = store_search(reg_store(x->a), &s.q, &r, ids, &total, &err);
	if (n < 0)
		return -1;
	if (n > 0) {
		store_res_free(&r);
		snprintf(id, len, "%s", ids[0]);
		return 1;
	}
	return 0;
}

int reg_find_by_uuid(struct ctx *x, const char *type, const char *uuid, char *id, size_t len)
{
	char term[80];
	snprintf(term, sizeof term, FHIR_SYS_UUID "|urn:uuid:%s", uuid);
	return find_by_term(x, type, "identifier", term, id, len);
}

static bool reply_rules(struct ctx *x, const struct rule_report *rep, const char *resource)
{
	if (!rules_has_errors(rep))
		return true;
	reg_reply_json(x->rs, 422, fhir_outcome_from_rules(rep, resource), CT_FHIR);
	return false;
}

/* Resolve a patient reference (Patient/id or urn:uuid) to an existing
 * Patient id and its birth date. */
bool reg_resolve_patient(struct ctx *x, const char *ref_id, const char *uuid, char *out, size_t len,
                         vax_date *dob, const char *path)
{
	char id[VAX_ID_LEN] = "";
	if (ref_id && *ref_id)
		snprintf(id, sizeof id, "%s", ref_id);
	else if (uuid && *uuid && reg_find_by_uuid(x, "Patient", uuid, id, sizeof id) < 0)
		return reg_reply_oo(x->rs, 500, "exception", "STORE", "The registry database failed.", NULL),
		       false;
	if (!id[0]) {
		reg_reply_oo(x->rs, 422, "invalid", "REF-MISSING",
		             "The record must name a client already in the registry (patient).", path);
		return false;
	}
	struct store_res r;
	struct vax_error err = {0};
	int found = store_read(reg_store(x->a), "Patient", id, 0, &r, &err);
	if (found <= 0 || r.deleted) {
		store_res_free(&r);
		reg_reply_oo(x->rs, 422, "invalid", "REF-UNKNOWN",
		             "The client this record names (patient) is not in the registry.", path);
		return false;
	}
	if (dob) {
		*dob = DATE_NONE;
		cJSON *p = cJSON_Parse(r.json);
		const cJSON *bd = cJSON_GetObjectItemCaseSensitive(p, "birthDate");
		if (cJSON_IsString(bd))
			date_parse_iso(bd->valuestring, dob);
		cJSON_Delete(p);
	}
	store_res_free(&r);
	snprintf(out, len, "%s", id);
	return true;
}

bool reg_accept(struct ctx *x, const char *type, const cJSON *in, bool create, cJSON **out, char *uuid)
{
	struct vax_error err = {0};
	struct rule_ctx rc = {.today = reg_today(x->rq), .codes = reg_codes(x->a), .new_record = create};
	uuid[0] = '\0';
	*out = NULL;
	if (!strcmp(type, "Patient")) {
		struct client c;
		if (!fhir_patient_from_json(in, &c, &err))
			return reg_reply_invalid(x->rs, &err), false;
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_client(&rc, &c, &rep);
		if (!reply_rules(x, &rep, "Patient"))
			return false;
		c.id[0] = c.version[0] = '\0';
		snprintf(uuid, VAX_UUID_LEN, "%s", c.uuid);
		*out = fhir_patient_to_json(&c);
		return true;
	}
	if (!strcmp(type, "Immunization")) {
		struct immunization im;
		if (!fhir_immunization_from_json(in, &im, &err))
			return reg_reply_invalid(x->rs, &err), false;
		vax_date dob;
		if (!reg_resolve_patient(x, im.client_id, im.client_uuid, im.client_id, sizeof im.client_id,
		                         &dob, "Immunization.patient"))
			return false;
		if (!im.org[0]) {
			snprintf(im.org, sizeof im.org, "%s", x->ss.org);
			store_org_get(reg_store(x->a), im.org, im.org_name, sizeof im.org_name, NULL);
		}
		struct rule_report rep;
		rules_report_init(&rep);
		/* an entered-in-error or refused record is not a dose: only shape checks apply */
		if (!im.entered_in_error)
			rules_check_immunization(&rc, dob, &im, &rep);
		if (!reply_rules(x, &rep, "Immunization"))
			return false;
		im.id[0] = im.version[0] = '\0';
		snprintf(uuid, VAX_UUID_LEN, "%s", im.uuid);
		*out = fhir_immunization_to_json(&im);
		return true;
	}
	if (!strcmp(type, "RelatedPerson") || !strcmp(type, "Consent")) {
		char ref[VAX_ID_LEN + 16], pid[VAX_ID_LEN], fixed[VAX_ID_LEN + 16];
		struct responsible_person rp;
		struct consent cs;
		bool ok = !strcmp(type, "Consent")
		              ? fhir_consent_from_json(in, &cs, ref, sizeof ref, &err)
		              : fhir_related_person_from_json(in, &rp, ref, sizeof ref, &err);
		if (!ok)
			return reg_reply_invalid(x->rs, &err), false;
		char ruuid[VAX_UUID_LEN] = "";
		if (!strncmp(ref, "urn:uuid:", 9))
			snprintf(ruuid, sizeof ruuid, "%.36s", ref + 9);
		char expr[40];
		snprintf(expr, sizeof expr, "%s.patient", type);
		vax_date dob = DATE_NONE;
		if (!reg_resolve_patient(x, fhir_ref_id(ref, "Patient"), ruuid, pid, sizeof pid, &dob, expr))
			return false;
		snprintf(fixed, sizeof fixed, "Patient/%s", pid);
		struct rule_report rep;
		rules_report_init(&rep);
		if (!strcmp(type, "Consent"))
			rules_check_consent(&rc, dob, &cs, &rep);
		else
			rules_check_responsible(&rp, &rep);
		if (!reply_rules(x, &rep, type))
			return false;
		if (!strcmp(type, "Consent")) {
			cs.id[0] = '\0';
			snprintf(uuid, VAX_UUID_LEN, "%s", cs.uuid);
			*out = fhir_consent_to_json(&cs, fixed);
		} else {
			rp.id[0] = '\0';
			rp.removed = false;
			snprintf(uuid, VAX_UUID_LEN, "%s", rp.uuid);
			*out = fhir_related_person_to_json(&rp, fixed);
		}
		return true;
	}
	if (!strcmp(type, "Group")) {
		if (!cJSON_IsObject(in))
			return reg_reply_oo(x->rs, 400, "structure", "FHIR-INVALID",
			                    "The body is not a JSON object.", NULL),
			       false;
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(in, "resourceType");
		if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Group"))
			return reg_reply_oo(x->rs, 422, "invalid", "FHIR-INVALID",
			                    "Group.resourceType: must be \"Group\".", "Group.resourceType"),
			       false;
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "name");
		if (!cJSON_IsString(name) || !*name->valuestring || strlen(name->valuestring) > 200)
			return reg_reply_oo(x->rs, 422, "required", "FHIR-INVALID",
			                    "Group.name: a school list needs a name (up to 200 characters).",
			                    "Group.name"),
			       false;
		cJSON *g = cJSON_Duplicate(in, true);
		cJSON_DeleteItemFromObjectCaseSensitive(g, "type");
		cJSON_DeleteItemFromObjectCaseSensitive(g, "actual");
		cJSON_DeleteItemFromObjectCaseSensitive(g, "quantity");
		cJSON_AddStringToObject(g, "type", "person");
		cJSON_AddBoolToObject(g, "actual", true);
		cJSON *members = cJSON_GetObjectItemCaseSensitive(g, "member"), *m;
		if (members && !cJSON_IsArray(members)) {
			cJSON_Delete(g);
			return reg_reply_oo(x->rs, 422, "invalid", "FHIR-INVALID",
			                    "Group.member: must be a list.", "Group.member"),
			       false;
		}
		int count = 0;
		cJSON_ArrayForEach(m, members)
		{
			cJSON *ent = cJSON_GetObjectItemCaseSensitive(m, "entity");
			cJSON *ref = cJSON_GetObjectItemCaseSensitive(ent, "reference");
			char pid[VAX_ID_LEN], ruuid[VAX_UUID_LEN] = "";
			const char *rid =
			    cJSON_IsString(ref) ? fhir_ref_id(ref->valuestring, "Patient") : NULL;
			if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "urn:uuid:", 9))
				snprintf(ruuid, sizeof ruuid, "%.36s", ref->valuestring + 9);
			if (!reg_resolve_patient(x, rid, ruuid, pid, sizeof pid, NULL,
			                         "Group.member.entity")) {
				cJSON_Delete(g);
				return false;
			}
			char fixed[VAX_ID_LEN + 16];
			snprintf(fixed, sizeof fixed, "Patient/%s", pid);
			cJSON_SetValuestring(ref, fixed);
			count++;
		}
		cJSON_AddNumberToObject(g, "quantity", count);
		*out = g;
		return true;
	}
	reg_reply_oo(x->rs, 405, "not-supported", "READ-ONLY",
	             "This resource type is read-only on this registry.", NULL);
	return false;
}
