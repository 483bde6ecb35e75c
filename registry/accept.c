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
#include "registry/shape.h"

/* Find a current resource by an index term; 1 found (id copied), 0 none, -1 error. */
static int find_by_term(struct ctx *x, const char *type, const char *key, const char *value, char *id,
                        size_t len)
{
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = type;
	s.q.count = 1;
	reg_search_cond(&s, SC_TERM, key, value, NULL);
	/* another organization's school list is not found, nor its id told */
	if (reg_owner_scoped(type))
		reg_search_cond(&s, SC_OWNER, NULL, x->ss.org, NULL);
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
	cJSON *p = cJSON_Parse(r.json);
	store_res_free(&r);
	/* a client merged into another record takes no more: the one in use does */
	char merged[96];
	if (p && fhir_patient_retired(p, merged, sizeof merged) && merged[0]) {
		char msg[240];
		snprintf(msg, sizeof msg, "This client's record was merged into %s: record it for that one.",
		         merged);
		cJSON_Delete(p);
		reg_reply_oo(x->rs, 422, "business-rule", "REF-MERGED", msg, path);
		return false;
	}
	if (dob) {
		*dob = DATE_NONE;
		const cJSON *bd = cJSON_GetObjectItemCaseSensitive(p, "birthDate");
		if (cJSON_IsString(bd))
			date_parse_iso(bd->valuestring, dob);
	}
	cJSON_Delete(p);
	snprintf(out, len, "%s", id);
	return true;
}

/* The form to store: the resource as sent, less what the store assigns
 * (id, meta.versionId, meta.lastUpdated). */
static cJSON *stored_copy(const cJSON *in)
{
	cJSON *j = cJSON_Duplicate(in, true);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "id");
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "versionId");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "lastUpdated");
	if (meta && !meta->child)
		cJSON_DeleteItemFromObjectCaseSensitive(j, "meta");
	return j;
}

/* Point a reference object at Patient/<pid> (a urn:uuid or absolute URL
 * of the same client becomes the registry's own reference). */
static void set_patient_ref(cJSON *refobj, const char *pid)
{
	char fixed[VAX_ID_LEN + 16];
	snprintf(fixed, sizeof fixed, "Patient/%s", pid);
	cJSON *r = cJSON_GetObjectItemCaseSensitive(refobj, "reference");
	if (cJSON_IsString(r))
		cJSON_SetValuestring(r, fixed);
	else if (cJSON_IsObject(refobj))
		cJSON_AddStringToObject(refobj, "reference", fixed);
}

static const cJSON *our_ext(const cJSON *res, const char *name)
{
	char url[160];
	snprintf(url, sizeof url, FHIR_EXT "%s", name);
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "extension"))
	{
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "url");
		if (cJSON_IsString(u) && !strcmp(u->valuestring, url))
			return e;
	}
	return NULL;
}

static const char *sub_str(const cJSON *ext, const char *name, const char *key)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(ext, "extension"))
	{
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "url");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
		if (cJSON_IsString(u) && !strcmp(u->valuestring, name) && cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

/* The server, not the client, decides who recorded a record: a capture
 * extension (who typed it, where, when) must name this session's
 * organization and its user or a user of that organization, or be the one
 * already stored. */
static bool capture_ok(struct ctx *x, const char *type, const cJSON *in, const cJSON *stored)
{
	const cJSON *cap = our_ext(in, "capture");
	if (!cap)
		return true;
	if (stored) {
		const cJSON *old = our_ext(stored, "capture");
		if (old && cJSON_Compare(old, cap, true))
			return true;
	}
	const char *user = sub_str(cap, "user", "valueString"), *org = sub_str(cap, "org", "valueString");
	char expr[120];
	snprintf(expr, sizeof expr, "%s.extension('" FHIR_EXT "capture')", type);
	/* another user of this organization may have typed it (offline, or on a
	 * system that sends through an HL7 account) */
	bool colleague = false;
	struct store_user u;
	char role[16];
	if (user && strcmp(user, x->ss.username) && store_user_get(reg_store(x->a), user, &u, NULL) == 1)
		colleague = store_member_role(reg_store(x->a), u.id, x->ss.org, role, sizeof role, NULL) == 1;
	if ((user && strcmp(user, x->ss.username) && !colleague) || (org && strcasecmp(org, x->ss.org))) {
		reg_reply_oo(x->rs, 422, "business-rule", "CAPTURE-FORGED",
		             "The capture of a record names the organization that sends it (this session's) "
		             "and one of its users.",
		             expr);
		return false;
	}
	return true;
}

/* The organization that recorded a dose (the recorded-by extension) is this
 * session's on a create and never changes after; absent, the registry adds
 * it. */
static bool recorded_by(struct ctx *x, cJSON *res, const char *stored_org)
{
	const char *org = stored_org ? stored_org : x->ss.org;
	char url[160];
	snprintf(url, sizeof url, FHIR_EXT "recorded-by");
	cJSON *e, *exts = cJSON_GetObjectItemCaseSensitive(res, "extension");
	cJSON_ArrayForEach(e, exts)
	{
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "url");
		if (!cJSON_IsString(u) || strcmp(u->valuestring, url))
			continue;
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(e, "valueReference");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(ref, "identifier"), "value");
		if (!cJSON_IsString(id) || strcasecmp(id->valuestring, org)) {
			reg_reply_oo(
			    x->rs, 422, "business-rule", "RECORDED-BY",
			    stored_org
			        ? "The organization that recorded a dose does not change."
			        : "A dose is recorded by the organization of the session that sends it.",
			    "Immunization.extension('" FHIR_EXT "recorded-by')");
			return false;
		}
		return true;
	}
	if (!exts)
		exts = cJSON_AddArrayToObject(res, "extension");
	char name[128] = "";
	store_org_get(reg_store(x->a), org, name, sizeof name, NULL);
	cJSON *ext = cJSON_CreateObject();
	cJSON_AddStringToObject(ext, "url", url);
	cJSON *ref = cJSON_AddObjectToObject(ext, "valueReference");
	cJSON *idf = cJSON_AddObjectToObject(ref, "identifier");
	cJSON_AddStringToObject(idf, "system", FHIR_CS "organization-code");
	cJSON_AddStringToObject(idf, "value", org);
	if (name[0])
		cJSON_AddStringToObject(ref, "display", name);
	cJSON_AddItemToArray(exts, ext);
	return true;
}

/* A Consent whose status or provision says something else than its answers
 * (the consent-minor/-adult extensions) would be read two ways: refused. */
static bool consent_agrees(struct ctx *x, const cJSON *in, const struct consent *cs)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(in, "status");
	enum consent_status cur = cs->adult != CONSENT_UNKNOWN ? cs->adult : cs->minor;
	const char *want = cur == CONSENT_GRANTED     ? "active"
	                   : cur == CONSENT_REFUSED   ? "rejected"
	                   : cur == CONSENT_WITHDRAWN ? "inactive"
	                                              : "proposed";
	const cJSON *pt =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(in, "provision"), "type");
	bool deny = cJSON_IsString(pt) && !strcmp(pt->valuestring, "deny");
	bool plain_refusal =
	    deny && cur == CONSENT_REFUSED && cJSON_IsString(st) && !strcmp(st->valuestring, "active");
	if (cJSON_IsString(st) && (!strcmp(st->valuestring, want) || plain_refusal) &&
	    !(deny && cur == CONSENT_GRANTED))
		return true;
	reg_reply_oo(x->rs, 422, "business-rule", "CONSENT-STATUS",
	             "Consent.status (and provision.type) must say what the consent answers say: active for "
	             "granted, rejected for refused, inactive for withdrawn, proposed while unknown.",
	             "Consent.status");
	return false;
}

/* Only registry participation (scope patient-privacy) is kept as a Consent. */
static bool consent_scope_ok(struct ctx *x, const cJSON *in)
{
	const cJSON *c;
	cJSON_ArrayForEach(
	    c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(in, "scope"), "coding"))
	{
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
		if (cJSON_IsString(code) && !strcmp(code->valuestring, "patient-privacy"))
			return true;
	}
	reg_reply_oo(x->rs, 422, "not-supported", "CONSENT-SCOPE",
	             "This registry keeps registry-participation consents only (scope patient-privacy).",
	             "Consent.scope");
	return false;
}

/* A school list: a list of persons (type person, actual true) whose members
 * are clients of the registry; quantity, when sent, counts them. */
static bool group_ok(struct ctx *x, cJSON *g)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "name");
	if (!cJSON_IsString(name) || strlen(name->valuestring) > 200)
		return reg_reply_oo(x->rs, 422, "required", "FHIR-INVALID",
		                    "Group.name: a school list needs a name (up to 200 characters).",
		                    "Group.name"),
		       false;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(g, "type"),
	            *act = cJSON_GetObjectItemCaseSensitive(g, "actual");
	if (strcmp(t->valuestring, "person") || !cJSON_IsTrue(act))
		return reg_reply_oo(
		           x->rs, 422, "not-supported", "GROUP-KIND",
		           "A school list is a Group of persons (type person) that lists them (actual true).",
		           "Group.type"),
		       false;
	const cJSON *ch;
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(g, "characteristic"))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ch, "exclude")))
			return reg_reply_oo(x->rs, 422, "not-supported", "GROUP-KIND",
			                    "A school list is its members: a characteristic that excludes "
			                    "cannot be kept.",
			                    "Group.characteristic.exclude"),
			       false;
	}
	cJSON *m;
	int count = 0, i = 0;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(g, "member"))
	{
		cJSON *ent = cJSON_GetObjectItemCaseSensitive(m, "entity");
		cJSON *ref = cJSON_GetObjectItemCaseSensitive(ent, "reference");
		char pid[VAX_ID_LEN], ruuid[VAX_UUID_LEN] = "", expr[64];
		snprintf(expr, sizeof expr, "Group.member[%d].entity", i++);
		const char *rid = cJSON_IsString(ref) ? fhir_ref_id(ref->valuestring, "Patient") : NULL;
		if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "urn:uuid:", 9))
			snprintf(ruuid, sizeof ruuid, "%.36s", ref->valuestring + 9);
		if (!reg_resolve_patient(x, rid, ruuid, pid, sizeof pid, NULL, expr))
			return false;
		set_patient_ref(ent, pid);
		count++;
	}
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(g, "quantity");
	if (q && (int)q->valuedouble != count)
		return reg_reply_oo(x->rs, 422, "invalid", "FHIR-INVALID",
		                    "Group.quantity: must be the number of members.", "Group.quantity"),
		       false;
	if (!q)
		cJSON_AddNumberToObject(g, "quantity", count);
	return true;
}

bool reg_accept(struct ctx *x, const char *type, const cJSON *in, const struct store_res *cur, cJSON **out,
                char *uuid)
{
	struct vax_error err = {0};
	bool create = cur == NULL;
	struct rule_ctx rc = {.today = reg_today(x->rq), .codes = reg_codes(x->a), .new_record = create};
	uuid[0] = '\0';
	*out = NULL;
	if (!strcmp(type, "Organization")) {
		reg_reply_oo(x->rs, 405, "not-supported", "READ-ONLY",
		             "This resource type is read-only on this registry.", NULL);
		return false;
	}
	/* lossless or refused: only a well-formed R4 resource with nothing the
	 * registry cannot honour is kept, and then all of it */
	if (!shape_check(in, type, &err)) {
		char path[200];
		snprintf(path, sizeof path, "%.*s", (int)strcspn(err.message, ":"), err.message);
		reg_reply_oo(x->rs, 422, strcmp(err.code, "FHIR-MODIFIER") ? "structure" : "not-supported",
		             err.code, err.message, path);
		return false;
	}
	cJSON *stored = cur && cur->json ? cJSON_Parse(cur->json) : NULL;
	bool ok = capture_ok(x, type, in, stored);
	cJSON_Delete(stored);
	if (!ok)
		return false;
	cJSON *res = stored_copy(in);
	if (!strcmp(type, "Patient")) {
		struct client c;
		if (!fhir_patient_from_json(in, &c, &err))
			goto invalid;
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_client(&rc, &c, &rep);
		if (!reply_rules(x, &rep, "Patient"))
			goto refused;
		if (!reg_registry_id_apply(x, &c, res, create))
			goto refused;
		snprintf(uuid, VAX_UUID_LEN, "%s", c.uuid);
	} else if (!strcmp(type, "Medication")) {
		if (!reg_lot_check(x, in)) /* a lot on hand (registry/lots.c) */
			goto refused;
	} else if (!strcmp(type, "Immunization")) {
		struct immunization im;
		if (!fhir_immunization_from_json(in, &im, &err))
			goto invalid;
		vax_date dob;
		char pid[VAX_ID_LEN];
		if (!reg_resolve_patient(x, im.client_id, im.client_uuid, pid, sizeof pid, &dob,
		                         "Immunization.patient"))
			goto refused;
		set_patient_ref(cJSON_GetObjectItemCaseSensitive(res, "patient"), pid);
		if (!recorded_by(x, res, cur ? cur->org : NULL))
			goto refused;
		struct rule_report rep;
		rules_report_init(&rep);
		/* an entered-in-error or refused record is not a dose: only shape checks apply */
		if (!im.entered_in_error)
			rules_check_immunization(&rc, dob, &im, &rep);
		if (!reply_rules(x, &rep, "Immunization"))
			goto refused;
		snprintf(uuid, VAX_UUID_LEN, "%s", im.uuid);
	} else if (!strcmp(type, "RelatedPerson") || !strcmp(type, "Consent")) {
		char ref[VAX_ID_LEN + 16], pid[VAX_ID_LEN];
		struct responsible_person rp;
		struct consent cs;
		bool consent = !strcmp(type, "Consent");
		if (!(consent ? fhir_consent_from_json(in, &cs, ref, sizeof ref, &err)
		              : fhir_related_person_from_json(in, &rp, ref, sizeof ref, &err)))
			goto invalid;
		if (consent && (!consent_scope_ok(x, in) || !consent_agrees(x, in, &cs)))
			goto refused;
		char ruuid[VAX_UUID_LEN] = "";
		if (!strncmp(ref, "urn:uuid:", 9))
			snprintf(ruuid, sizeof ruuid, "%.36s", ref + 9);
		char expr[40];
		snprintf(expr, sizeof expr, "%s.patient", type);
		vax_date dob = DATE_NONE;
		if (!reg_resolve_patient(x, fhir_ref_id(ref, "Patient"), ruuid, pid, sizeof pid, &dob, expr))
			goto refused;
		set_patient_ref(cJSON_GetObjectItemCaseSensitive(res, "patient"), pid);
		struct rule_report rep;
		rules_report_init(&rep);
		if (consent)
			rules_check_consent(&rc, dob, &cs, &rep);
		else
			rules_check_responsible(&rp, &rep);
		if (!reply_rules(x, &rep, type))
			goto refused;
		snprintf(uuid, VAX_UUID_LEN, "%s", consent ? cs.uuid : rp.uuid);
	} else if (!strcmp(type, "Group")) {
		if (!group_ok(x, res))
			goto refused;
	}
	*out = res;
	return true;
invalid:
	reg_reply_invalid(x->rs, &err);
refused:
	cJSON_Delete(res);
	return false;
}
