/* registry/registry_id.c - the short human registry ID each client gets
 * (core/lot.h: 8 digits and a Luhn check digit), as a Patient identifier
 * of type SR in the system REGID_SYSTEM.
 *
 * The registry gives it when the client is created and keeps it for good:
 * an update cannot change or drop it (what was sent is replaced by the
 * stored one), and a client created before IDs existed gets one at its
 * next update. IDs are drawn at random and checked against the identifier
 * index inside the write transaction, so two clients never share one and
 * the number says nothing about the client. Quick search finds a client
 * by it through the ordinary identifier search. */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/fhir.h"
#include "core/lot.h"
#include "registry/routes_int.h"

/* 1 taken, 0 free, -1 store error */
static int taken(struct ctx *x, const char *id)
{
	struct reg_search s;
	memset(&s, 0, sizeof s);
	s.q.type = "Patient";
	s.q.count = 1;
	char term[160];
	snprintf(term, sizeof term, REGID_SYSTEM "|%s", id);
	reg_search_cond(&s, SC_TERM, "identifier", term, NULL);
	struct store_res r;
	char ids[1][65];
	long total = 0;
	struct vax_error err = {0};
	int n = store_search(reg_store(x->a), &s.q, &r, ids, &total, &err);
	if (n > 0)
		store_res_free(&r);
	return n < 0 ? -1 : total > 0;
}

static bool fresh_id(struct ctx *x, char out[REGID_LEN])
{
	for (int tries = 0; tries < 32; tries++) {
		unsigned long r = 0;
		if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
			break;
		regid_make(r, out);
		int t = taken(x, out);
		if (t == 0)
			return true;
		if (t < 0)
			break;
	}
	reg_reply_oo(x->rs, 500, "exception", "REGISTRY-ID", "The registry could not give the client an ID.",
	             NULL);
	return false;
}

/* The ID the stored client has, "" if none. */
static void stored_id(struct ctx *x, char out[REGID_LEN])
{
	out[0] = '\0';
	struct store_res r;
	struct vax_error err = {0};
	if (!x->id || store_read(reg_store(x->a), "Patient", x->id, 0, &r, &err) <= 0)
		return;
	cJSON *j = r.json ? cJSON_Parse(r.json) : NULL;
	struct client c;
	if (j && fhir_patient_from_json(j, &c, NULL))
		snprintf(out, REGID_LEN, "%.9s", regid_of(&c));
	cJSON_Delete(j);
	store_res_free(&r);
}

bool reg_registry_id_apply(struct ctx *x, const struct client *c, cJSON *res, bool create)
{
	/* the registry's own: whatever a sender put there is not taken (like
	 * id and meta, the one element of a client not kept as sent) */
	int others = 0;
	for (int i = 0; i < c->n_ident; i++)
		others += strcmp(c->ident[i].system, REGID_SYSTEM) != 0;
	cJSON *ids = cJSON_GetObjectItemCaseSensitive(res, "identifier");
	for (cJSON *e = cJSON_IsArray(ids) ? ids->child : NULL, *next; e; e = next) {
		next = e->next;
		const cJSON *sys = cJSON_GetObjectItemCaseSensitive(e, "system");
		if (cJSON_IsString(sys) && !strcmp(sys->valuestring, REGID_SYSTEM))
			cJSON_Delete(cJSON_DetachItemViaPointer(ids, e));
	}
	char id[REGID_LEN] = "";
	if (!create)
		stored_id(x, id);
	if (!id[0] && !fresh_id(x, id))
		return false;
	if (others >= CLIENT_IDENT_MAX) {
		reg_reply_oo(x->rs, 422, "invalid", "FHIR-INVALID",
		             "Patient.identifier: has more identifiers than the registry keeps.",
		             "Patient.identifier");
		return false;
	}
	if (!cJSON_IsArray(ids))
		ids = cJSON_AddArrayToObject(res, "identifier");
	cJSON *ri = cJSON_CreateObject();
	cJSON *coding = cJSON_CreateObject();
	cJSON_AddStringToObject(coding, "system", FHIR_SYS_V2_0203);
	cJSON_AddStringToObject(coding, "code", "SR");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(ri, "type"), "coding"), coding);
	cJSON_AddStringToObject(ri, "system", REGID_SYSTEM);
	cJSON_AddStringToObject(ri, "value", id);
	cJSON_AddItemToArray(ids, ri);
	return true;
}
