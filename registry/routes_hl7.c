/* registry/routes_hl7.c - see routes_hl7.h */
#include "registry/routes_hl7.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/fhir.h"
#include "core/rules.h"
#include "core/text.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "forecast/cdsi.h"
#include "hl7/batch.h"
#include "hl7/query.h"
#include "hl7/vxu.h"
#include "registry/auth.h"
#include "registry/dedup.h"
#include "registry/routes_int.h"
#include "registry/soap.h"

#define REG_APP  "VAXREGD"
#define CT_FHIRJ "application/fhir+json"

/* Name-based UUIDs (RFC 4122 version 5) of ORC-3 live under this namespace. */
static const unsigned char orc_namespace[16] = {0x8a, 0x3e, 0x51, 0x0c, 0x2d, 0x7f, 0x4b, 0x19,
                                                0x9e, 0x60, 0x1f, 0x44, 0xc3, 0x7a, 0x55, 0x02};

struct job {
	struct registry *a;
	const char *bearer;
	int64_t now;
	struct store_session ss;
};

/* ---- sessions --------------------------------------------------------------------- */

static bool session_of(struct registry *a, const char *bearer, int64_t now, struct store_session *ss)
{
	if (!bearer || strncasecmp(bearer, "Bearer ", 7) != 0 || strlen(bearer + 7) != AUTH_TOKEN_LEN - 1)
		return false;
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(bearer + 7, hash);
	return store_token_get(reg_store(a), hash, now, ss, NULL) == 1;
}

bool reg_hl7_system_session(struct registry *a, const char *username, const char *org, int64_t now,
                            char *bearer, size_t cap)
{
	struct store *st = reg_store(a);
	char name[128];
	if (store_org_get(st, org, name, sizeof name, NULL) != 1)
		return false;
	struct store_user u;
	if (store_user_get(st, username, &u, NULL) != 1) {
		memset(&u, 0, sizeof u);
		snprintf(u.username, sizeof u.username, "%s", username);
		/* no password hash verifies against "!": the account cannot log in */
		snprintf(u.hash, sizeof u.hash, "!");
		if (!store_user_add(st, &u, NULL) && store_user_get(st, username, &u, NULL) != 1)
			return false;
	}
	char token[AUTH_TOKEN_LEN], hash[AUTH_TOKEN_LEN];
	auth_random_token(token);
	auth_token_hash(token, hash);
	struct store_session ss = {.user_id = u.id, .expires = now + 3600};
	snprintf(ss.username, sizeof ss.username, "%s", username);
	snprintf(ss.org, sizeof ss.org, "%s", org);
	snprintf(ss.role, sizeof ss.role, "provider");
	if (!store_token_add(st, hash, &ss, NULL))
		return false;
	snprintf(bearer, cap, "Bearer %s", token);
	OPENSSL_cleanse(token, sizeof token);
	return true;
}

void reg_hl7_end_session(struct registry *a, const char *bearer, int64_t now)
{
	(void)now;
	if (!bearer || strlen(bearer) < 8)
		return;
	char hash[AUTH_TOKEN_LEN];
	auth_token_hash(bearer + 7, hash);
	store_token_delete(reg_store(a), hash, NULL);
}

/* ---- the FHIR handlers, called as the sender ------------------------------------------ */

static int call(struct job *j, const char *method, const char *path, const struct reg_param *ps, int np,
                const char *if_match, const cJSON *body, cJSON **out)
{
	struct reg_request rq;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = path;
	for (int i = 0; i < np && i < REG_MAX_PARAMS; i++)
		rq.param[rq.n_param++] = ps[i];
	rq.authorization = j->bearer;
	rq.if_match = if_match;
	rq.content_type = CT_FHIRJ;
	rq.base = "";
	rq.now = j->now;
	rq.admitted = true; /* began before any maintenance: finish it */
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	rq.body = text;
	rq.body_len = text ? strlen(text) : 0;
	struct reg_response rs;
	registry_handle(j->a, &rq, &rs);
	free(text);
	if (out)
		*out = rs.body ? cJSON_Parse(rs.body) : NULL;
	reg_response_free(&rs);
	return rs.status;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The first resource of a searchset (its id copied), or NULL. */
static cJSON *first_entry(cJSON *bundle, char *id, size_t cap)
{
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(bundle, "entry"), 0);
	cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
	if (r && jstr(r, "id"))
		snprintf(id, cap, "%s", jstr(r, "id"));
	return r;
}

static int search_one(struct job *j, const char *type, const char *key, const char *value, cJSON **res,
                      char *id, size_t cap)
{
	struct reg_param p[2] = {{key, value}, {"_count", "2"}};
	cJSON *b = NULL;
	char path[64];
	snprintf(path, sizeof path, "/%s", type);
	int st = call(j, "GET", path, p, 2, NULL, NULL, &b);
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(b, "total");
	int n = st == 200 && cJSON_IsNumber(total) ? total->valueint : 0;
	*res = NULL;
	if (n == 1) {
		cJSON *r = first_entry(b, id, cap);
		*res = cJSON_Duplicate(r, true);
	}
	cJSON_Delete(b);
	return st != 200 ? -1 : n;
}

/* ---- the client ------------------------------------------------------------------------ */

static bool same_name(const struct person_name *a, const struct person_name *b)
{
	return !strcmp(a->family, b->family) && !strcmp(a->given, b->given) &&
	       !strcmp(a->middle, b->middle) && !strcmp(a->suffix, b->suffix);
}

static bool same_address(const struct address *a, const struct address *b)
{
	return !strcmp(a->line1, b->line1) && !strcmp(a->line2, b->line2) && !strcmp(a->city, b->city) &&
	       !strcmp(a->state, b->state) && !strcmp(a->zip, b->zip) && !strcmp(a->county, b->county);
}

#define SET_IF(dst, src)                                                                                     \
	do {                                                                                                 \
		if ((src)[0] && strcmp((dst), (src))) {                                                      \
			snprintf((dst), sizeof(dst), "%s", (src));                                           \
			changed = true;                                                                      \
		}                                                                                            \
	} while (0)

/* What a message adds to the registry's client: sent values replace, absent
 * ones never erase; a new address becomes current and the old one history;
 * vital-records fields stay as the registry has them when locked. */
static bool merge_client(struct client *cur, const struct client *in, const char *org, int64_t now)
{
	bool changed = false;
	if (!cur->vital_records_lock) {
		if ((in->name.family[0] || in->name.given[0]) && !same_name(&cur->name, &in->name)) {
			if (cur->name.family[0] && cur->n_aka < CLIENT_AKA_MAX)
				cur->aka[cur->n_aka++] = cur->name; /* the old name stays findable */
			cur->name = in->name;
			changed = true;
		}
		if (in->dob != DATE_NONE && in->dob != cur->dob)
			cur->dob = in->dob, changed = true;
		if (in->sex != SEX_NONE && in->sex != cur->sex)
			cur->sex = in->sex, changed = true;
	}
	SET_IF(cur->mother_maiden, in->mother_maiden);
	SET_IF(cur->mother_given, in->mother_given);
	SET_IF(cur->ethnicity, in->ethnicity);
	SET_IF(cur->email, in->email);
	SET_IF(cur->primary_provider, in->primary_provider);
	if (in->n_race && (in->n_race != cur->n_race || memcmp(in->race, cur->race, sizeof in->race))) {
		memcpy(cur->race, in->race, sizeof in->race);
		cur->n_race = in->n_race;
		changed = true;
	}
	if (in->n_addr && (cur->n_addr == 0 || !same_address(&cur->addr[0], &in->addr[0]))) {
		int keep = cur->n_addr < CLIENT_ADDR_MAX ? cur->n_addr : CLIENT_ADDR_MAX - 1;
		memmove(&cur->addr[1], &cur->addr[0], (size_t)keep * sizeof cur->addr[0]);
		cur->addr[0] = in->addr[0];
		cur->addr[0].entered = (struct capture){.at = now};
		snprintf(cur->addr[0].entered.org, sizeof cur->addr[0].entered.org, "%s", org);
		snprintf(cur->addr[0].entered.user, sizeof cur->addr[0].entered.user, "hl7");
		cur->n_addr = keep + 1;
		changed = true;
	}
	for (int i = 0; i < in->n_phone; i++) {
		bool have = false;
		for (int k = 0; k < cur->n_phone; k++)
			have |= !strcmp(cur->phone[k].number, in->phone[i].number);
		if (!have && cur->n_phone < CLIENT_PHONE_MAX)
			cur->phone[cur->n_phone++] = in->phone[i], changed = true;
	}
	for (int i = 0; i < in->n_ident; i++) {
		bool have = false;
		for (int k = 0; k < cur->n_ident; k++)
			have |= !strcmp(cur->ident[k].value, in->ident[i].value) &&
			        !strcmp(cur->ident[k].system, in->ident[i].system);
		if (!have && cur->n_ident < CLIENT_IDENT_MAX)
			cur->ident[cur->n_ident++] = in->ident[i], changed = true;
	}
	for (int i = 0; i < in->n_comment; i++) {
		bool have = false;
		for (int k = 0; k < cur->n_comment; k++)
			have |= cur->comment[k].kind == in->comment[i].kind &&
			        !strcmp(cur->comment[k].code, in->comment[i].code) &&
			        cur->comment[k].begin == in->comment[i].begin;
		if (!have && cur->n_comment < CLIENT_COMMENT_MAX)
			cur->comment[cur->n_comment++] = in->comment[i], changed = true;
	}
	if (in->multiple_birth && in->multiple_birth != cur->multiple_birth)
		cur->multiple_birth = in->multiple_birth, changed = true;
	if (in->deceased && !cur->deceased)
		cur->deceased = true, changed = true;
	return changed;
}

/* Patient/$match: the ids of the candidates graded certain (and probable,
 * unless certain_only), up to max; returns how many there are, -1 on failure. */
static int match_ids(struct job *j, const struct client *c, bool certain_only, char (*ids)[VAX_ID_LEN],
                     int max)
{
	cJSON *params = cJSON_CreateObject();
	cJSON_AddStringToObject(params, "resourceType", "Parameters");
	cJSON *arr = cJSON_AddArrayToObject(params, "parameter");
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", "resource");
	cJSON_AddItemToObject(p, "resource", fhir_patient_to_json(c));
	cJSON_AddItemToArray(arr, p);
	if (certain_only) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", "onlyCertainMatches");
		cJSON_AddBoolToObject(p, "valueBoolean", true);
		cJSON_AddItemToArray(arr, p);
	}
	cJSON *b = NULL;
	int st = call(j, "POST", "/Patient/$match", NULL, 0, NULL, params, &b);
	cJSON_Delete(params);
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(b, "entry"))
	{
		const cJSON *x =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		                           cJSON_GetObjectItemCaseSensitive(e, "search"), "extension"),
		                       0);
		const char *grade = jstr(x, "valueCode");
		const char *id = jstr(cJSON_GetObjectItemCaseSensitive(e, "resource"), "id");
		if (grade && id &&
		    (!strcmp(grade, "certain") || (!certain_only && !strcmp(grade, "probable")))) {
			if (n < max)
				snprintf(ids[n], VAX_ID_LEN, "%s", id);
			n++;
		}
	}
	cJSON_Delete(b);
	return st == 200 ? n : -1;
}

/* Find the client; 1 found (*cur filled), 0 none, -1 the registry failed. */
static int find_client(struct job *j, const struct client *c, char *id, size_t cap, cJSON **cur)
{
	*cur = NULL;
	id[0] = '\0';
	if (c->id[0]) {
		char path[128];
		snprintf(path, sizeof path, "/Patient/%.64s", c->id);
		int st = call(j, "GET", path, NULL, 0, NULL, NULL, cur);
		if (st == 200) {
			snprintf(id, cap, "%s", c->id);
			return 1;
		}
		cJSON_Delete(*cur);
		*cur = NULL;
	}
	char term[300];
	if (c->uuid[0]) {
		snprintf(term, sizeof term, FHIR_SYS_UUID "|urn:uuid:%s", c->uuid);
		int n = search_one(j, "Patient", "identifier", term, cur, id, cap);
		if (n == 1)
			return 1;
		cJSON_Delete(*cur);
		*cur = NULL;
	}
	for (int i = 0; i < c->n_ident; i++) {
		snprintf(term, sizeof term, "%s|%s", c->ident[i].system, c->ident[i].value);
		int n = search_one(j, "Patient", "identifier", term, cur, id, cap);
		if (n == 1)
			return 1;
		cJSON_Delete(*cur);
		*cur = NULL;
	}
	if (!c->name.family[0] || c->dob == DATE_NONE)
		return 0;
	char found[1][VAX_ID_LEN];
	int n = match_ids(j, c, true, found, 1);
	if (n == 1) {
		snprintf(id, cap, "%s", found[0]);
		char path[128];
		snprintf(path, sizeof path, "/Patient/%.64s", id);
		return call(j, "GET", path, NULL, 0, NULL, NULL, cur) == 200 ? 1 : -1;
	}
	id[0] = '\0';
	return n < 0 ? -1 : 0;
}

static void version_of(const cJSON *res, char *etag, size_t cap)
{
	const char *v = jstr(cJSON_GetObjectItemCaseSensitive(res, "meta"), "versionId");
	snprintf(etag, cap, "W/\"%s\"", v ? v : "0");
}

static void fail_all(struct hl7_issues *is, const char *seg, int seq, const char *code, const char *what)
{
	struct hl7_loc l = {"", seq, 0, 0, 0};
	snprintf(l.seg, sizeof l.seg, "%s", seg);
	hl7_issue_add(is, &l, HL7_INTERNAL, 'E', HL7_APP_NONE, code, NULL, "%s", what);
}

/* Store the client: an id when it is in the registry (created or updated). */
static bool store_client(struct job *j, struct hl7_vxu *v, char *pid, size_t cap, vax_date *dob,
                         struct hl7_issues *is)
{
	struct client *c = &v->client;
	/* an identifier without an assigning authority is the sender's own */
	for (int i = 0; i < c->n_ident; i++)
		if (!c->ident[i].system[0])
			snprintf(c->ident[i].system, sizeof c->ident[i].system, "%s", j->ss.org);
	cJSON *cur = NULL;
	int f = find_client(j, c, pid, cap, &cur);
	if (f < 0) {
		fail_all(is, "PID", 1, "REGISTRY",
		         "The registry could not look the client up; send it again.");
		return false;
	}
	struct hl7_where w = {0};
	if (f == 1) {
		struct client have;
		struct vax_error err = {0};
		if (!fhir_patient_from_json(cur, &have, &err)) {
			cJSON_Delete(cur);
			fail_all(is, "PID", 1, "REGISTRY",
			         "The registry's copy of this client could not be read.");
			return false;
		}
		*dob = have.dob;
		if (merge_client(&have, c, j->ss.org, j->now)) {
			char etag[80], path[128];
			version_of(cur, etag, sizeof etag);
			snprintf(path, sizeof path, "/Patient/%s", pid);
			cJSON *body = fhir_patient_to_json(&have);
			cJSON_AddStringToObject(body, "id", pid);
			cJSON *out = NULL;
			int st = call(j, "PUT", path, NULL, 0, etag, body, &out);
			cJSON_Delete(body);
			if (st >= 300) {
				hl7_issues_from_outcome(is, out, &w);
				cJSON_Delete(out);
				cJSON_Delete(cur);
				return false;
			}
			*dob = have.dob;
			cJSON_Delete(out);
		}
		cJSON_Delete(cur);
		return true;
	}
	/* a new client */
	c->id[0] = c->version[0] = '\0';
	if (!c->capture.at) {
		c->capture.at = j->now;
		snprintf(c->capture.org, sizeof c->capture.org, "%s", j->ss.org);
		text_copy(c->capture.user, sizeof c->capture.user, j->ss.username);
	}
	cJSON *body = fhir_patient_to_json(c), *out = NULL;
	int st = call(j, "POST", "/Patient", NULL, 0, NULL, body, &out);
	cJSON_Delete(body);
	if (st >= 300) {
		hl7_issues_from_outcome(is, out, &w);
		cJSON_Delete(out);
		return false;
	}
	snprintf(pid, cap, "%s", jstr(out, "id") ? jstr(out, "id") : "");
	*dob = c->dob;
	cJSON_Delete(out);
	return pid[0] != '\0';
}

/* ---- doses ------------------------------------------------------------------------------ */

static void uuid_v5(const char *name, char out[VAX_UUID_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, orc_namespace, sizeof orc_namespace);
	EVP_DigestUpdate(ctx, name, strlen(name));
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	md[6] = (unsigned char)((md[6] & 0x0F) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3F) | 0x80);
	snprintf(out, VAX_UUID_LEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
	         md[13], md[14], md[15]);
}

/* The client's doses in the registry (a history query's answer). */
static int client_doses(struct job *j, const char *pid, struct immunization **out)
{
	char ref[96];
	snprintf(ref, sizeof ref, "Patient/%.64s", pid);
	struct reg_param p[2] = {{"patient", ref}, {"_count", "200"}};
	cJSON *b = NULL;
	int st = call(j, "GET", "/Immunization", p, 2, NULL, NULL, &b);
	int n = 0;
	*out = NULL;
	if (st == 200) {
		int cap = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "entry"));
		*out = xcalloc((size_t)cap + 1, sizeof **out);
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(b, "entry"))
		{
			if (fhir_immunization_from_json(cJSON_GetObjectItemCaseSensitive(e, "resource"),
			                                &(*out)[n], NULL))
				n++;
		}
	}
	cJSON_Delete(b);
	return n;
}

static void store_dose(struct job *j, struct hl7_dose *d, const char *pid, struct hl7_issues *is)
{
	struct immunization *im = &d->im;
	if (!im->uuid[0] && d->order_id[0]) {
		char name[400];
		snprintf(name, sizeof name, "%s|%s|%s", j->ss.org, d->order_ns, d->order_id);
		uuid_v5(name, im->uuid);
	}
	if (!im->uuid[0])
		uuid_v4(im->uuid);
	/* the NDC in the code system's form (messages often write 11 digits as
	 * 5-4-2 with dashes): the label's 10 digits when CDC's table has it; one
	 * it does not have, beside a CVX code, is left out and the ACK says so
	 * (the CVX code is the vaccine); alone, the rules refuse it */
	if (im->ndc[0]) {
		const struct ndc_info *ni = reg_codes(j->a) ? codes_ndc(reg_codes(j->a), im->ndc) : NULL;
		if (ni) {
			snprintf(im->ndc, sizeof im->ndc, "%s", ni->ndc10);
		} else if (im->cvx[0] && reg_codes(j->a)) {
			struct hl7_loc l = {"RXA", d->where.rxa_seq, 5, 1, 4};
			hl7_issue_add(
			    is, &l, HL7_TABLE_VALUE, 'W', HL7_APP_TABLE_VALUE, "V-NDC-UNKNOWN", im->ndc,
			    "RXA-5: NDC %s is not in CDC's table of vaccine NDCs; the dose is recorded "
			    "by its CVX code %s without it.",
			    im->ndc, im->cvx);
			im->ndc[0] = '\0';
		}
	}
	snprintf(im->client_id, sizeof im->client_id, "%s", pid);
	im->client_uuid[0] = '\0';
	im->id[0] = im->version[0] = '\0';
	/* the registry decides who recorded a dose: the login's organization
	 * (recorded-by); the message's entering organization (ORC-17) and user
	 * stand in the capture only when that is the login's organization, else
	 * the login is the one who recorded it */
	if (strcasecmp(im->org, j->ss.org)) {
		snprintf(im->org, sizeof im->org, "%s", j->ss.org);
		im->org_name[0] = '\0';
	}
	if (strcasecmp(im->capture.org, j->ss.org)) {
		snprintf(im->capture.org, sizeof im->capture.org, "%s", j->ss.org);
		text_copy(im->capture.user, sizeof im->capture.user, j->ss.username);
	}
	if (!im->capture.at)
		im->capture.at = j->now;
	if (!im->capture.user[0])
		text_copy(im->capture.user, sizeof im->capture.user, j->ss.username);
	char term[128], id[VAX_ID_LEN] = "";
	snprintf(term, sizeof term, FHIR_SYS_UUID "|urn:uuid:%s", im->uuid);
	cJSON *cur = NULL;
	int n = search_one(j, "Immunization", "identifier", term, &cur, id, sizeof id);
	cJSON *body = NULL, *out = NULL;
	int st;
	if (n < 0) {
		cJSON_Delete(cur);
		fail_all(is, "RXA", d->where.rxa_seq, "REGISTRY",
		         "The registry could not look the dose up; send it again.");
		return;
	}
	if (n == 1) {
		/* the same ORC-3 again: this dose, updated */
		char etag[80], path[128];
		version_of(cur, etag, sizeof etag);
		snprintf(path, sizeof path, "/Immunization/%s", id);
		body = fhir_immunization_to_json(im);
		cJSON_AddStringToObject(body, "id", id);
		st = call(j, "PUT", path, NULL, 0, etag, body, &out);
	} else if (im->entered_in_error) {
		struct hl7_loc l = {"RXA", d->where.rxa_seq, 21, 1, 0};
		hl7_issue_add(is, &l, HL7_UNKNOWN_KEY, 'W', HL7_APP_NONE, "HL7-NO-DOSE", d->order_id,
		              "RXA-21 asks to delete a dose the registry does not have (ORC-3 '%s').",
		              d->order_id);
		cJSON_Delete(cur);
		return;
	} else {
		body = fhir_immunization_to_json(im);
		st = call(j, "POST", "/Immunization", NULL, 0, NULL, body, &out);
	}
	char dup[96];
	if (st == 422 && dedup_outcome_of(out, dup, sizeof dup)) {
		/* the registry's duplicate check (registry/dedup.h), as the rule it is */
		struct rule_report rep = {.n = 1, .v[0] = {.rule = RULE_DUPLICATE_SHOT}};
		snprintf(rep.v[0].detail, sizeof rep.v[0].detail, "the registry's %s", dup);
		hl7_issues_from_rules(is, &rep, &d->where);
	} else if (st >= 300) {
		hl7_issues_from_outcome(is, out, &d->where);
	}
	cJSON_Delete(body);
	cJSON_Delete(out);
	cJSON_Delete(cur);
}

/* ---- one message --------------------------------------------------------------------------- */

/* The dose an issue's segment belongs to (by position), or -1 for the client. */
static int dose_of_issue(const struct hl7_msg *m, const struct hl7_vxu *v, const struct hl7_issue *i)
{
	if (strcmp(i->loc.seg, "RXA") && strcmp(i->loc.seg, "RXR") && strcmp(i->loc.seg, "OBX") &&
	    strcmp(i->loc.seg, "ORC"))
		return -1;
	int seg = -1, k = 0;
	for (int s = 0; s < hl7_nseg(m); s++)
		if (!strcmp(hl7_seg_id(m, s), i->loc.seg) && ++k == i->loc.seq) {
			seg = s;
			break;
		}
	int best = -2;
	for (int d = 0; d < v->n_dose; d++) {
		int rxa = -1, kk = 0;
		for (int s = 0; s < hl7_nseg(m); s++)
			if (!strcmp(hl7_seg_id(m, s), "RXA") && ++kk == v->dose[d].where.rxa_seq) {
				rxa = s;
				break;
			}
		/* a dose owns its RXA and what follows it; its ORC is just before */
		if (rxa >= 0 && (seg >= rxa || (seg == rxa - 1 && !strcmp(i->loc.seg, "ORC"))))
			best = d;
	}
	return best;
}

static bool same_loc(const struct hl7_loc *a, const struct hl7_loc *b)
{
	return !strcmp(a->seg, b->seg) && a->seq == b->seq && a->field == b->field;
}

/* Add src's issues to is, leaving out repeats, and a "missing" where is
 * already names an error at that very place ("PID-7 is not a date" says
 * more than "enter the date of birth"). */
static void add_new(struct hl7_issues *is, const struct hl7_issues *src)
{
	for (int i = 0; i < src->n; i++) {
		bool dup = false;
		for (int k = 0; k < is->n; k++)
			dup |= same_loc(&is->v[k].loc, &src->v[i].loc) &&
			       ((is->v[k].loc.comp == src->v[i].loc.comp &&
			         !strcmp(is->v[k].code, src->v[i].code)) ||
			        (is->v[k].severity == 'E' && src->v[i].hl7_code == HL7_REQUIRED));
		if (!dup)
			hl7_issue_add(is, &src->v[i].loc, src->v[i].hl7_code, src->v[i].severity,
			              src->v[i].app_code, src->v[i].code, src->v[i].diag, "%s",
			              src->v[i].text);
	}
}

/* What the rules say of a dose that will not be stored: all is said at once. */
static void check_only(struct job *j, const struct hl7_vxu *v, int d, struct hl7_issues *is)
{
	struct rule_ctx rc = {.today = (vax_date)(j->now / 86400), .codes = reg_codes(j->a)};
	struct rule_report rep;
	rules_report_init(&rep);
	rules_check_immunization(&rc, v->client.dob, &v->dose[d].im, &rep);
	struct hl7_issues got = {0};
	hl7_issues_from_rules(&got, &rep, &v->dose[d].where);
	add_new(is, &got);
}

/* What the registry refused of a record kept beside the doses (an NK1, the
 * consent of PD1-12): warnings, the doses stand. at, if not NULL, is where
 * issues the outcome puts on the client (PID) are said instead. */
static void add_warnings(struct hl7_issues *is, const cJSON *out, const struct hl7_where *w,
                         const struct hl7_loc *at)
{
	struct hl7_issues got = {0};
	hl7_issues_from_outcome(&got, out, w);
	for (int k = 0; k < got.n; k++) {
		got.v[k].severity = 'W';
		if (at && !strcmp(got.v[k].loc.seg, "PID"))
			got.v[k].loc = *at;
	}
	add_new(is, &got);
}

/* NK1: the client's responsible persons, kept as RelatedPerson (reminder
 * letters are addressed to them). One the registry has already (same name
 * and relationship) takes what the message adds and is never doubled, so a
 * message sent again changes nothing. A problem with one is said at its NK1
 * and does not stop the doses. */
static void store_responsible(struct job *j, const struct hl7_vxu *v, const char *pid, struct hl7_issues *is)
{
	const struct client *c = &v->client;
	if (!c->n_resp)
		return;
	char ref[VAX_ID_LEN + 16];
	snprintf(ref, sizeof ref, "Patient/%s", pid);
	struct reg_param p[2] = {{"patient", ref}, {"_count", "100"}};
	cJSON *have = NULL;
	if (call(j, "GET", "/RelatedPerson", p, 2, NULL, NULL, &have) != 200) {
		cJSON_Delete(have);
		struct hl7_loc l = {"NK1", 1, 0, 0, 0};
		hl7_issue_add(is, &l, HL7_INTERNAL, 'W', HL7_APP_NONE, "REGISTRY", NULL,
		              "The registry could not read the client's responsible persons; they were not "
		              "stored.");
		return;
	}
	for (int i = 0; i < c->n_resp; i++) {
		const struct responsible_person *in = &c->resp[i];
		struct hl7_where w = {.nk1_seq = i + 1};
		const cJSON *e, *found = NULL;
		struct responsible_person cur;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(have, "entry"))
		{
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
			memset(&cur, 0, sizeof cur);
			if (r && fhir_related_person_from_json(r, &cur, NULL, 0, NULL) &&
			    same_name(&cur.name, &in->name) && !strcmp(cur.relationship, in->relationship)) {
				found = r;
				break;
			}
		}
		cJSON *body = NULL, *out = NULL;
		int st = 0;
		if (found) {
			bool changed = false;
			if (in->phone.number[0] &&
			    (strcmp(cur.phone.number, in->phone.number) || cur.phone.use != in->phone.use)) {
				cur.phone = in->phone;
				changed = true;
			}
			if (in->address.line1[0] && !same_address(&cur.address, &in->address)) {
				cur.address = in->address;
				changed = true;
			}
			if (!changed)
				continue;
			char etag[80], path[128];
			const char *id = jstr(found, "id");
			version_of(found, etag, sizeof etag);
			snprintf(path, sizeof path, "/RelatedPerson/%s", id ? id : "");
			body = fhir_related_person_to_json(&cur, ref);
			cJSON_AddStringToObject(body, "id", id ? id : "");
			st = call(j, "PUT", path, NULL, 0, etag, body, &out);
		} else {
			body = fhir_related_person_to_json(in, ref);
			st = call(j, "POST", "/RelatedPerson", NULL, 0, NULL, body, &out);
		}
		if (st >= 300)
			add_warnings(is, out, &w, NULL);
		cJSON_Delete(body);
		cJSON_Delete(out);
	}
	cJSON_Delete(have);
}

/* PD1-12 and PD1-13: whether the client's record may be shared, kept as the
 * client's Consent (the one the registry has takes the message's answer and
 * date; none yet, a new one). A problem is said at the PD1 and does not stop
 * the doses. */
static void store_consent(struct job *j, const struct hl7_vxu *v, const char *pid, struct hl7_issues *is)
{
	const struct consent *in = &v->client.consent;
	if (in->minor == CONSENT_UNKNOWN && in->adult == CONSENT_UNKNOWN)
		return;
	char ref[VAX_ID_LEN + 16];
	snprintf(ref, sizeof ref, "Patient/%s", pid);
	struct reg_param p[2] = {{"patient", ref}, {"_count", "2"}};
	cJSON *have = NULL, *body = NULL, *out = NULL;
	struct hl7_loc pd1 = {"PD1", 1, 12, 0, 0};
	if (call(j, "GET", "/Consent", p, 2, NULL, NULL, &have) != 200) {
		cJSON_Delete(have);
		hl7_issue_add(is, &pd1, HL7_INTERNAL, 'W', HL7_APP_NONE, "REGISTRY", NULL,
		              "The registry could not read the client's consent; PD1-12 was not stored.");
		return;
	}
	char id[VAX_ID_LEN] = "";
	cJSON *found = first_entry(have, id, sizeof id);
	struct consent cur;
	memset(&cur, 0, sizeof cur);
	int st = 0;
	if (found && fhir_consent_from_json(found, &cur, NULL, 0, NULL)) {
		struct consent was = cur;
		if (in->minor != CONSENT_UNKNOWN)
			cur.minor = in->minor;
		if (in->adult != CONSENT_UNKNOWN)
			cur.adult = in->adult;
		if (in->date != DATE_NONE)
			cur.date = in->date;
		if (cur.minor == was.minor && cur.adult == was.adult && cur.date == was.date) {
			cJSON_Delete(have);
			return;
		}
		char etag[80], path[128];
		version_of(found, etag, sizeof etag);
		snprintf(path, sizeof path, "/Consent/%s", id);
		body = fhir_consent_to_json(&cur, ref);
		cJSON_AddStringToObject(body, "id", id);
		st = call(j, "PUT", path, NULL, 0, etag, body, &out);
	} else {
		cur = *in;
		if (!cur.source[0])
			snprintf(cur.source, sizeof cur.source, "HL7 PD1-12");
		body = fhir_consent_to_json(&cur, ref);
		st = call(j, "POST", "/Consent", NULL, 0, NULL, body, &out);
	}
	if (st >= 300) {
		struct hl7_where w = {0};
		add_warnings(is, out, &w, &pd1);
	}
	cJSON_Delete(body);
	cJSON_Delete(out);
	cJSON_Delete(have);
}

static void answer_vxu(struct job *j, const struct hl7_msg *m, struct hl7_vxu *v, struct hl7_issues *is)
{
	*is = v->issues;
	/* an NDC written 5-4-2 with dashes, as messages often have it, is the
	 * code system's 11 digits (store_dose takes the label's form when CDC
	 * lists it) */
	for (int d = 0; d < v->n_dose; d++)
		codes_ndc_undash(v->dose[d].im.ndc);
	/* the client first: without it no dose can be stored */
	bool client_bad = false;
	for (int i = 0; i < v->issues.n; i++)
		if (v->issues.v[i].severity == 'E' && dose_of_issue(m, v, &v->issues.v[i]) < 0)
			client_bad = true;
	char pid[VAX_ID_LEN] = "";
	vax_date dob = DATE_NONE;
	struct hl7_issues got = {0};
	if (client_bad) {
		struct rule_ctx rc = {.today = (vax_date)(j->now / 86400), .codes = reg_codes(j->a)};
		struct rule_report rep;
		rules_report_init(&rep);
		rules_check_client(&rc, &v->client, &rep);
		struct hl7_where w = {0};
		hl7_issues_from_rules(&got, &rep, &w);
	}
	if (client_bad || !store_client(j, v, pid, sizeof pid, &dob, &got)) {
		add_new(is, &got);
		for (int d = 0; d < v->n_dose; d++) {
			struct hl7_loc l = {"RXA", v->dose[d].where.rxa_seq, 0, 0, 0};
			hl7_issue_add(is, &l, HL7_INTERNAL, 'E', HL7_APP_NONE, "HL7-CLIENT-REFUSED", NULL,
			              "The dose was not stored because the client (PID) was not accepted.");
			check_only(j, v, d, is);
		}
		return;
	}
	store_responsible(j, v, pid, is);
	store_consent(j, v, pid, is);
	for (int d = 0; d < v->n_dose; d++) {
		bool bad = false;
		for (int i = 0; i < v->issues.n; i++)
			if (v->issues.v[i].severity == 'E' && dose_of_issue(m, v, &v->issues.v[i]) == d)
				bad = true;
		if (bad) {
			check_only(j, v, d, is);
			continue;
		}
		struct hl7_issues di = {0};
		store_dose(j, &v->dose[d], pid, &di);
		add_new(is, &di);
	}
}

static void control_id(char *buf, size_t cap)
{
	uuid_v4(buf);
	(void)cap;
}

/* ---- queries (QBP^Q11 Z34/Z44) ------------------------------------------------------------ */

static bool read_client(struct job *j, const char *id, struct client *c)
{
	char path[128];
	snprintf(path, sizeof path, "/Patient/%.64s", id);
	cJSON *r = NULL;
	bool ok = call(j, "GET", path, NULL, 0, NULL, NULL, &r) == 200 && fhir_patient_from_json(r, c, NULL);
	cJSON_Delete(r);
	return ok;
}

/* The CDSi evaluation and forecast of the doses (the engine $immds-forecast runs). */
static void forecast(struct job *j, const struct client *c, const struct immunization *im, int n,
                     struct hl7_eval **ev, int *nev, struct hl7_forecast **fc, int *nfc,
                     struct hl7_issues *is)
{
	*ev = NULL, *fc = NULL, *nev = *nfc = 0;
	const struct cdsi_data *cd = reg_cfg(j->a)->cdsi;
	if (!cd || c->dob == DATE_NONE) {
		struct hl7_loc l = {"QPD", 1, 1, 1, 0};
		hl7_issue_add(is, &l, HL7_OK, 'W', HL7_APP_NONE, "HL7-NO-FORECAST", NULL, "%s",
		              cd ? "No forecast: the client has no date of birth."
		                 : "No forecast: this registry has no CDSi supporting data loaded.");
		return;
	}
	struct cdsi_dose *doses = xcalloc((size_t)n + 1, sizeof *doses);
	int *back = xcalloc((size_t)n + 1, sizeof *back), nd = 0;
	for (int i = 0; i < n; i++) {
		if (im[i].refused || im[i].entered_in_error || im[i].date_given == DATE_NONE ||
		    atoi(im[i].cvx) <= 0)
			continue;
		doses[nd].date = im[i].date_given;
		doses[nd].cvx = atoi(im[i].cvx);
		snprintf(doses[nd].mvx, sizeof doses[nd].mvx, "%.7s", im[i].mvx);
		doses[nd].lot_expiration = im[i].expiration;
		doses[nd].substandard = im[i].subpotent;
		back[nd++] = i;
	}
	struct cdsi_patient p = {.dob = c->dob,
	                         .gender = c->sex == SEX_FEMALE ? 'F'
	                                   : c->sex == SEX_MALE ? 'M'
	                                                        : 'U',
	                         .doses = doses,
	                         .ndoses = (size_t)nd};
	struct cdsi_result res = {0};
	struct vax_error err = {0};
	if (cdsi_evaluate(cd, &p, (vax_date)(j->now / 86400), -1, &res, &err)) {
		size_t ne = 0;
		for (size_t g = 0; g < res.ngroups; g++)
			ne += res.groups[g].nevals;
		*fc = xcalloc(res.ngroups + 1, sizeof **fc);
		*ev = xcalloc(ne + 1, sizeof **ev);
		for (size_t g = 0; g < res.ngroups; g++) {
			const struct cdsi_group_result *gr = &res.groups[g];
			struct hl7_forecast *f = &(*fc)[(*nfc)++];
			text_copy(f->group, sizeof f->group, cdsi_group_name(cd, (size_t)gr->group));
			f->dose_number = gr->dose_number;
			f->earliest = gr->earliest;
			f->due = gr->recommended;
			f->overdue = gr->past_due;
			f->latest = gr->latest;
			text_copy(f->status, sizeof f->status, cdsi_series_status_name(gr->status));
			for (size_t k = 0; k < gr->nevals; k++) {
				const struct cdsi_dose_eval *de = &gr->evals[k];
				if (de->status == CDSI_EVAL_NONE || de->dose >= (size_t)nd)
					continue;
				struct hl7_eval *e = &(*ev)[(*nev)++];
				e->dose = back[de->dose];
				text_copy(e->group, sizeof e->group, f->group);
				e->dose_number = de->dose_number;
				e->valid = de->status == CDSI_EVAL_VALID;
				if (!e->valid)
					text_copy(e->reason, sizeof e->reason,
					          cdsi_eval_reason_text(de->reason));
			}
		}
		cdsi_result_free(&res);
	} else {
		struct hl7_loc l = {"QPD", 1, 1, 1, 0};
		hl7_issue_add(is, &l, HL7_OK, 'W', HL7_APP_NONE, "HL7-NO-FORECAST", NULL, "No forecast: %s",
		              err.message);
	}
	free(doses);
	free(back);
}

static char *answer_qbp(struct job *j, const struct hl7_msg *m, const char *cid, size_t *out_len, char *code)
{
	struct hl7_qbp *q = xmalloc(sizeof *q);
	struct hl7_write_opts o = {.sending_app = REG_APP,
	                           .sending_facility = j->ss.org,
	                           .control_id = cid,
	                           .registry_ns = REG_APP,
	                           .now = j->now};
	struct hl7_rsp r = {.status = "OK"};
	struct client *clients = NULL;
	struct immunization *doses = NULL;
	struct hl7_eval *ev = NULL;
	struct hl7_forecast *fc = NULL;
	if (!hl7_qbp_read(m, q, REG_APP)) {
		r.status = "AR";
	} else {
		char id[VAX_ID_LEN] = "";
		cJSON *cur = NULL;
		int f = find_client(j, &q->who, id, sizeof id, &cur);
		cJSON_Delete(cur);
		int max = q->max_results > 0 && q->max_results < 100 ? q->max_results : 10;
		if (f < 0) {
			fail_all(&q->issues, "QPD", 1, "REGISTRY",
			         "The registry could not search; send the query again.");
			r.status = "AE";
		} else if (f == 1) {
			clients = xcalloc(1, sizeof *clients);
			if (read_client(j, id, &clients[0])) {
				r.n_clients = 1;
				int n = client_doses(j, id, &doses), k = 0;
				for (int i = 0; i < n; i++)
					if (!doses[i].entered_in_error)
						doses[k++] = doses[i];
				r.n_doses = k;
				if (!strcmp(q->profile, "Z44"))
					forecast(j, &clients[0], doses, k, &ev, &r.n_evals, &fc,
					         &r.n_forecast, &q->issues);
			} else {
				r.status = "NF";
			}
		} else {
			char(*ids)[VAX_ID_LEN] = xcalloc((size_t)max + 1, sizeof *ids);
			int n = q->who.name.family[0] ? match_ids(j, &q->who, false, ids, max + 1) : 0;
			if (n <= 0) {
				r.status = "NF";
			} else if (n > max) {
				r.status = "TM";
			} else {
				clients = xcalloc((size_t)n, sizeof *clients);
				for (int i = 0; i < n; i++)
					if (read_client(j, ids[i], &clients[r.n_clients]))
						r.n_clients++;
				if (!r.n_clients)
					r.status = "NF";
			}
			free(ids);
		}
	}
	r.clients = clients;
	r.doses = doses;
	r.evals = ev;
	r.forecast = fc;
	r.issues = &q->issues;
	char *t = hl7_rsp_write(&o, q, &r, out_len);
	snprintf(code, 4, "%s", !strcmp(r.status, "AR") ? "AR" : hl7_issues_errors(&q->issues) ? "AE" : "AA");
	free(clients);
	free(doses);
	free(ev);
	free(fc);
	free(q);
	return t;
}

/* One message (not a batch) in, its answer out. */
static char *answer_one(struct job *j, const char *text, size_t len, size_t *out_len, char *code)
{
	struct vax_error err = {0};
	struct hl7_msg *m = hl7_parse(text, len, &err);
	char cid[VAX_UUID_LEN];
	control_id(cid, sizeof cid);
	struct hl7_issues is = {0};
	struct hl7_header req;
	memset(&req, 0, sizeof req);
	if (!m) {
		struct hl7_loc l = {"MSH", 1, 0, 0, 0};
		hl7_issue_add(&is, &l, HL7_SEGMENT_SEQUENCE, 'E', HL7_APP_NONE, err.code, NULL, "%s",
		              err.message);
		snprintf(code, 4, "AR");
		return hl7_ack_write(&req, REG_APP, "", cid, "AR", &is, j->now, out_len);
	}
	hl7_header_read(m, &req, &is);
	char *answer = NULL;
	if (!strcmp(req.type, "QBP")) {
		answer = answer_qbp(j, m, cid, out_len, code);
	} else if (!hl7_issues_reject(&is)) {
		struct hl7_vxu *v = xmalloc(sizeof *v);
		bool ok = hl7_vxu_read(m, v, REG_APP);
		if (ok && req.sending_facility[0] && strcmp(req.sending_facility, j->ss.org) != 0) {
			struct hl7_loc l = {"MSH", 1, 4, 1, 0};
			hl7_issue_add(
			    &v->issues, &l, HL7_INTERNAL, 'E', HL7_APP_NONE, "HL7-FACILITY",
			    req.sending_facility,
			    "MSH-4 names facility '%s', but this login sends for organization '%s'.",
			    req.sending_facility, j->ss.org);
			ok = false;
		}
		if (ok)
			answer_vxu(j, m, v, &is);
		else
			is = v->issues;
		free(v);
	}
	if (!answer) {
		const char *c = hl7_ack_code(&is);
		snprintf(code, 4, "%s", c);
		answer = hl7_ack_write(&req, REG_APP, j->ss.org, cid, c, &is, j->now, out_len);
	}
	hl7_free(&m);
	return answer;
}

static int ack_rank(const char *c)
{
	return !strcmp(c, "AR") ? 2 : !strcmp(c, "AE") ? 1 : 0;
}

char *reg_hl7_answer(struct registry *a, const char *bearer, const char *text, size_t len, int64_t now,
                     size_t *out_len, char *ack_code)
{
	struct job j = {.a = a, .bearer = bearer, .now = now};
	char code[4] = "AR";
	if (!session_of(a, bearer, now, &j.ss)) {
		struct hl7_issues is = {0};
		struct hl7_loc l = {"MSH", 1, 0, 0, 0};
		hl7_issue_add(&is, &l, HL7_INTERNAL, 'E', HL7_APP_NONE, "AUTH-EXPIRED", NULL,
		              "The session has ended; log in again.");
		struct hl7_header req;
		memset(&req, 0, sizeof req);
		if (ack_code)
			snprintf(ack_code, 4, "AR");
		return hl7_ack_write(&req, REG_APP, "", "0", "AR", &is, now, out_len);
	}
	/* a batch file (FHS/BHS, or several MSH) is answered with a batch */
	size_t skip = 0;
	while (skip < len &&
	       (text[skip] == '\r' || text[skip] == '\n' || text[skip] == ' ' || text[skip] == 0x0B))
		skip++;
	bool batch = len - skip >= 3 && (!memcmp(text + skip, "FHS", 3) || !memcmp(text + skip, "BHS", 3));
	struct hl7_batch b;
	struct vax_error err = {0};
	if (!batch) {
		/* several MSH in one body is a batch without headers */
		const char *p = text + skip;
		int msh = 0;
		for (size_t i = skip; i + 4 <= len; i++)
			if ((i == skip || text[i - 1] == '\r' || text[i - 1] == '\n') &&
			    !memcmp(text + i, "MSH", 3))
				msh++;
		batch = msh > 1;
		(void)p;
	}
	if (!batch) {
		char *t = answer_one(&j, text, len, out_len, code);
		if (ack_code)
			snprintf(ack_code, 4, "%s", code);
		return t;
	}
	if (!hl7_batch_read(text, len, &b, &err)) {
		struct hl7_issues is = {0};
		struct hl7_loc l = {"FHS", 1, 0, 0, 0};
		hl7_issue_add(&is, &l, HL7_SEGMENT_SEQUENCE, 'E', HL7_APP_NONE, err.code, NULL, "%s",
		              err.message);
		struct hl7_header req;
		memset(&req, 0, sizeof req);
		if (ack_code)
			snprintf(ack_code, 4, "AR");
		char cid[VAX_UUID_LEN];
		control_id(cid, sizeof cid);
		return hl7_ack_write(&req, REG_APP, j.ss.org, cid, "AR", &is, now, out_len);
	}
	char **answers = xcalloc((size_t)b.n + 1, sizeof *answers);
	size_t *lens = xcalloc((size_t)b.n + 1, sizeof *lens);
	int worst = 0;
	for (int i = 0; i < b.n; i++) {
		answers[i] = answer_one(&j, b.msg[i].text, b.msg[i].len, &lens[i], code);
		if (ack_rank(code) > worst)
			worst = ack_rank(code);
	}
	char cid[VAX_UUID_LEN];
	control_id(cid, sizeof cid);
	struct hl7_batch_header h = {.sending_app = REG_APP,
	                             .sending_facility = j.ss.org,
	                             .receiving_app = b.sending_app,
	                             .receiving_facility = b.sending_facility,
	                             .control_id = cid,
	                             .reference = b.control_id,
	                             .now = now};
	char *out = hl7_batch_write(&h, answers, lens, b.n, out_len);
	for (int i = 0; i < b.n; i++)
		free(answers[i]);
	free(answers);
	free(lens);
	hl7_batch_free(&b);
	if (ack_code)
		snprintf(ack_code, 4, "%s", worst == 2 ? "AR" : worst == 1 ? "AE" : "AA");
	return out;
}

/* ---- HTTP ------------------------------------------------------------------------------------- */

static void reply_text(struct reg_response *rs, int status, char *body, const char *ct)
{
	free(rs->body);
	rs->status = status;
	rs->body = body;
	rs->content_type = ct;
}

/* An ACK refusing a message as a whole (maintenance, wrong content type). */
static char *refusal(const char *text, size_t len, const char *code, const char *msg, int64_t now)
{
	struct hl7_header req;
	memset(&req, 0, sizeof req);
	struct vax_error err;
	struct hl7_msg *m = text && len ? hl7_parse(text, len, &err) : NULL;
	struct hl7_issues scratch = {0};
	if (m)
		hl7_header_read(m, &req, &scratch);
	hl7_free(&m);
	struct hl7_issues is = {0};
	struct hl7_loc l = {"MSH", 1, 0, 0, 0};
	hl7_issue_add(&is, &l, HL7_INTERNAL, 'E', HL7_APP_NONE, code, NULL, "%s", msg);
	char cid[VAX_UUID_LEN];
	control_id(cid, sizeof cid);
	size_t n;
	return hl7_ack_write(&req, REG_APP, "", cid, "AR", &is, now, &n);
}

#define MAINT_MSG                                                                                            \
	"The registry is down for scheduled maintenance; send the message again after Retry-After seconds."

void reg_hl7v2(struct ctx *x)
{
	struct registry *a = x->a;
	const struct reg_request *rq = x->rq;
	struct reg_response *rs = x->rs;
	int retry;
	if (!rq->admitted && registry_in_maintenance(a, rq->now, &retry)) {
		reply_text(rs, 503, refusal(rq->body, rq->body_len, "MAINTENANCE", MAINT_MSG, rq->now),
		           CT_HL7);
		rs->retry_after = retry;
		return;
	}
	const char *ct = rq->content_type ? rq->content_type : "";
	if (strncasecmp(ct, CT_HL7, strlen(CT_HL7)) != 0 &&
	    strncasecmp(ct, "x-application/hl7-v2+er7", 24) != 0) {
		reg_reply_oo(rs, 415, "not-supported", "CONTENT-TYPE",
		             "Send the message as Content-Type: application/hl7-v2.", NULL);
		return;
	}
	if (!rq->body_len) {
		reg_reply_oo(rs, 400, "structure", "HL7-EMPTY", "The body holds no HL7 message.", NULL);
		return;
	}
	size_t n;
	char code[4];
	char *t = reg_hl7_answer(a, rq->authorization, rq->body, rq->body_len, rq->now, &n, code);
	reply_text(rs, 200, t, CT_HL7);
}
