/* tests/api/fhir_interop.c - the client's standard FHIR use against a real
 * server over TLS: CRUD, search, conditional create, If-Match, delete,
 * transaction with per-entry outcomes, a batch of reads, OperationOutcome
 * on a bad resource.
 *
 *   fhir_interop BASE_URL CA_FILE [TOKEN]
 *
 * Run by tests/api/medplum.sh (Medplum's FHIR engine) and by the vaxregd
 * integration script. Prints one line per check; exit 0 if all pass.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_client.h"
#include "api/http.h"
#include "api/response.h"
#include "core/fhir.h"
#include "core/immunization.h"
#include "core/lot.h"
#include "core/uuid.h"

static int failures, checks;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	checks++;
	if (!ok)
		failures++;
}

static struct api_conn *conn;

/* Send and wait (this is a test tool; the terminal never waits). */
static const struct api_result *run(struct api_req *r)
{
	if (!r) {
		fprintf(stderr, "fhir_interop: request could not be built\n");
		exit(2);
	}
	return api_req_wait(r, 20000);
}

static const char *outcome_of(const struct api_result *res)
{
	static char buf[600];
	snprintf(buf, sizeof buf, "%ld %s %s", res->status, api_class_name(res->cls), res->err.message);
	return buf;
}

static void new_client(struct client *c, const char *family)
{
	client_init(c);
	uuid_v4(c->uuid);
	snprintf(c->name.family, sizeof c->name.family, "%s", family);
	snprintf(c->name.given, sizeof c->name.given, "Ana");
	c->dob = date_from_ymd(2019, 3, 14);
	c->sex = SEX_FEMALE;
	c->n_addr = 1;
	snprintf(c->addr[0].line1, sizeof c->addr[0].line1, "100 Main St");
	snprintf(c->addr[0].city, sizeof c->addr[0].city, "Austin");
	snprintf(c->addr[0].state, sizeof c->addr[0].state, "TX");
	snprintf(c->addr[0].zip, sizeof c->addr[0].zip, "78701");
	snprintf(c->addr[0].county, sizeof c->addr[0].county, "Travis");
}

/* A dose given here to a child: everything the registry's rules ask for. */
static cJSON *new_shot(const char *uuid, const char *patient_id, const char *patient_uuid, const char *cvx,
                       vax_date given)
{
	struct immunization im;
	imm_init(&im);
	snprintf(im.uuid, sizeof im.uuid, "%s", uuid);
	if (patient_id)
		snprintf(im.client_id, sizeof im.client_id, "%s", patient_id);
	if (patient_uuid)
		snprintf(im.client_uuid, sizeof im.client_uuid, "%s", patient_uuid);
	snprintf(im.cvx, sizeof im.cvx, "%s", cvx);
	snprintf(im.lot, sizeof im.lot, "LOT123A");
	snprintf(im.route, sizeof im.route, "IM");
	snprintf(im.site, sizeof im.site, "LT");
	snprintf(im.funding, sizeof im.funding, "VXC1");
	snprintf(im.vfc, sizeof im.vfc, "V02");
	im.dose_ul = 500;
	im.date_given = given;
	return fhir_immunization_to_json(&im);
}

static char *version_of(const struct api_result *res, const cJSON *j, char *buf, size_t len)
{
	return api_fhir_version(res, j, buf, len);
}

static void crud(void)
{
	struct vax_error err = {0};
	struct client c;
	new_client(&c, "Interopcrud");
	cJSON *pj = fhir_patient_to_json(&c);

	/* conditional create, twice: the second is a no-op */
	struct api_req *r = api_fhir_create_req(conn, "Patient", pj, c.uuid, &err);
	const struct api_result *res = run(r);
	check(res->cls == API_OK && res->status == 201, "create Patient (conditional): %s", outcome_of(res));
	cJSON *created = api_fhir_read_resource(res, "Patient", &err);
	check(created != NULL, "created Patient parses: %s", err.message);
	char id[80] = "", ver[80] = "";
	const cJSON *idj = cJSON_GetObjectItemCaseSensitive(created, "id");
	if (cJSON_IsString(idj))
		snprintf(id, sizeof id, "%s", idj->valuestring);
	version_of(res, created, ver, sizeof ver);
	check(id[0] && ver[0], "server assigned id and version (%s, %s)", id, ver);
	check(res->location[0] != '\0', "Location header present");
	const char *h2 = getenv("VAX_INTEROP_HTTP2");
	if (h2 && !strcmp(h2, "1"))
		check(res->http_version == 20, "HTTP/2 negotiated (got %ld)", res->http_version);
	api_req_free(r);

	r = api_fhir_create_req(conn, "Patient", pj, c.uuid, &err);
	res = run(r);
	check(res->cls == API_OK && res->status == 200, "create again with the same UUID is a no-op: %s",
	      outcome_of(res));
	cJSON *again = api_fhir_read_resource(res, "Patient", &err);
	const cJSON *id2 = cJSON_GetObjectItemCaseSensitive(again, "id");
	check(cJSON_IsString(id2) && !strcmp(id2->valuestring, id), "... and returns the same record");
	cJSON_Delete(again);
	api_req_free(r);

	/* search by the UUID identifier finds exactly one */
	char ident[128];
	snprintf(ident, sizeof ident, "urn:ietf:rfc:3986|urn:uuid:%s", c.uuid);
	struct api_fhir_param sp[] = {
	    {"identifier", ident}, {"_count", "10"}, {"_elements", "name,birthDate"}};
	r = api_fhir_search_req(conn, "Patient", sp, 3, &err);
	res = run(r);
	struct api_bundle b;
	bool ok = api_fhir_read_bundle(res, &b, &err);
	check(ok && !strcmp(b.type, "searchset"), "search by identifier: %s", ok ? b.type : err.message);
	int matches = 0;
	for (int i = 0; ok && i < b.n; i++)
		if (!strcmp(b.entry[i].resource_type, "Patient") && !strcmp(b.entry[i].id, id))
			matches++;
	check(ok && matches == 1 && b.n == 1, "exactly one match (%d of %d)", matches, ok ? b.n : -1);
	api_bundle_free(&b);
	api_req_free(r);

	/* read */
	r = api_fhir_read_req(conn, "Patient", id, NULL, &err);
	res = run(r);
	cJSON *read = api_fhir_read_resource(res, "Patient", &err);
	check(read != NULL, "read Patient/%s: %s", id, outcome_of(res));
	char rver[80];
	version_of(res, read, rver, sizeof rver);
	check(!strcmp(rver, ver), "read version equals created version");
	api_req_free(r);

	/* update with If-Match: current version passes, stale one conflicts */
	cJSON *name0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(read, "name"), 0);
	cJSON_ReplaceItemInObjectCaseSensitive(name0, "family", cJSON_CreateString("Interopcrud-Updated"));
	r = api_fhir_update_req(conn, "Patient", id, read, ver, &err);
	res = run(r);
	check(res->cls == API_OK, "update with If-Match current version: %s", outcome_of(res));
	char nver[80] = "";
	cJSON *upd = api_fhir_read_resource(res, "Patient", &err);
	version_of(res, upd, nver, sizeof nver);
	check(nver[0] && strcmp(nver, ver) != 0, "update made a new version (%s)", nver);
	cJSON_Delete(upd);
	api_req_free(r);

	r = api_fhir_update_req(conn, "Patient", id, read, ver, &err);
	res = run(r);
	check(res->cls == API_CONFLICT && !strcmp(res->err.code, "API-PRECONDITION"),
	      "update with a stale version is a conflict: %s", outcome_of(res));
	api_req_free(r);

	/* a resource the server refuses (wrong type for the endpoint):
	 * REJECTED with its OperationOutcome */
	cJSON *bad = cJSON_Parse("{\"resourceType\":\"Immunization\",\"status\":\"completed\"}");
	r = api_fhir_create_req(conn, "Patient", bad, NULL, &err);
	res = run(r);
	check(res->cls == API_REJECTED && strstr(res->err.message, "The registry says:"),
	      "invalid Patient rejected with a reason: %s", outcome_of(res));
	cJSON_Delete(bad);
	api_req_free(r);

	/* immunization for the patient, then delete it */
	char pref[120];
	snprintf(pref, sizeof pref, "Patient/%s", id);
	char iuuid[40];
	uuid_v4(iuuid);
	cJSON *imm = new_shot(iuuid, id, NULL, "08", date_from_ymd(2019, 3, 15));
	r = api_fhir_create_req(conn, "Immunization", imm, iuuid, &err);
	res = run(r);
	check(res->cls == API_OK && res->status == 201, "create Immunization: %s", outcome_of(res));
	cJSON *ic = api_fhir_read_resource(res, "Immunization", &err);
	char iid[80] = "";
	const cJSON *iidj = cJSON_GetObjectItemCaseSensitive(ic, "id");
	if (cJSON_IsString(iidj))
		snprintf(iid, sizeof iid, "%s", iidj->valuestring);
	cJSON_Delete(ic);
	api_req_free(r);

	struct api_fhir_param ip[] = {{"patient", pref}, {"_count", "50"}};
	r = api_fhir_search_req(conn, "Immunization", ip, 2, &err);
	res = run(r);
	ok = api_fhir_read_bundle(res, &b, &err);
	check(ok && b.n == 1 && !strcmp(b.entry[0].id, iid), "Immunization?patient= finds the shot (%d)",
	      ok ? b.n : -1);
	api_bundle_free(&b);
	api_req_free(r);

	r = api_fhir_delete_req(conn, "Immunization", iid, &err);
	res = run(r);
	check(res->cls == API_OK, "delete Immunization: %s", outcome_of(res));
	api_req_free(r);
	r = api_fhir_read_req(conn, "Immunization", iid, NULL, &err);
	res = run(r);
	check(res->cls == API_NOT_FOUND, "deleted Immunization is gone: %s", outcome_of(res));
	api_req_free(r);

	r = api_fhir_read_req(conn, "Patient", "no-such-id-123", NULL, &err);
	res = run(r);
	check(res->cls == API_NOT_FOUND, "read of an unknown id: %s", outcome_of(res));
	api_req_free(r);

	cJSON_Delete(imm);
	cJSON_Delete(read);
	cJSON_Delete(created);
	cJSON_Delete(pj);
}

/* A lot on hand as vaxdesk writes it (core/lot.h): a Medication the engine
 * validates against R4 on create, read back the same, and updated. */
static void lots(void)
{
	struct vax_error err = {0};
	struct vax_lot l;
	lot_init(&l);
	snprintf(l.cvx, sizeof l.cvx, "10");
	snprintf(l.mvx, sizeof l.mvx, "PMC");
	snprintf(l.ndc, sizeof l.ndc, "49281-0860-10");
	snprintf(l.lot, sizeof l.lot, "IPV26A");
	snprintf(l.funding, sizeof l.funding, "VXC1");
	l.expiry = date_from_ymd(2027, 3, 31);
	l.doses = 10;
	cJSON *j = lot_to_json(&l);
	struct api_req *r = api_fhir_create_req(conn, "Medication", j, NULL, &err);
	const struct api_result *res = run(r);
	check(res->cls == API_OK && res->status == 201, "create a lot (Medication): %s", outcome_of(res));
	cJSON *created = api_fhir_read_resource(res, "Medication", &err);
	struct vax_lot back;
	bool ok = created && lot_from_json(created, &back, &err);
	check(ok && !strcmp(back.lot, "IPV26A") && back.doses == 10 && !strcmp(back.funding, "VXC1") &&
	          !strcmp(back.mvx, "PMC") && back.expiry == l.expiry && back.active,
	      "the lot reads back as written: %s", ok ? "" : err.message);
	api_req_free(r);
	if (ok) {
		char ver[API_VERSION_LEN];
		version_of(res, created, ver, sizeof ver);
		back.doses = 9;
		back.active = false;
		cJSON *u = lot_to_json(&back);
		r = api_fhir_update_req(conn, "Medication", back.id, u, ver, &err);
		res = run(r);
		check(res->cls == API_OK, "update the lot (a dose used, then out of use): %s",
		      outcome_of(res));
		api_req_free(r);
		cJSON_Delete(u);
	}
	cJSON_Delete(created);
	cJSON_Delete(j);
}

/* A transaction as the outbox sends it: a new patient (urn:uuid) and a
 * shot that references it, both conditional; sent twice. The fullUrls are
 * fresh UUIDs, not the records' identifiers: Medplum replaces every string
 * equal to a fullUrl, identifier values included. */
static void transaction(void)
{
	struct vax_error err = {0};
	struct client c;
	new_client(&c, "Interoptx");
	char puuid[40], iuuid[40], pfull[40], ifull[40];
	snprintf(puuid, sizeof puuid, "%s", c.uuid);
	uuid_v4(iuuid);
	uuid_v4(pfull);
	uuid_v4(ifull);
	cJSON *pj = fhir_patient_to_json(&c);
	cJSON *bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
	cJSON_AddStringToObject(bundle, "type", "transaction");
	cJSON *entries = cJSON_AddArrayToObject(bundle, "entry");
	char full[64], cond[160];

	cJSON *e = cJSON_CreateObject();
	snprintf(full, sizeof full, "urn:uuid:%s", pfull);
	char full_patient[64];
	snprintf(full_patient, sizeof full_patient, "%s", full);
	cJSON_AddStringToObject(e, "fullUrl", full);
	cJSON_AddItemToObject(e, "resource", pj);
	cJSON *rq = cJSON_AddObjectToObject(e, "request");
	cJSON_AddStringToObject(rq, "method", "POST");
	cJSON_AddStringToObject(rq, "url", "Patient");
	snprintf(cond, sizeof cond, "identifier=urn:ietf:rfc:3986|urn:uuid:%s", puuid);
	cJSON_AddStringToObject(rq, "ifNoneExist", cond);
	cJSON_AddItemToArray(entries, e);

	e = cJSON_CreateObject();
	snprintf(full, sizeof full, "urn:uuid:%s", ifull);
	cJSON_AddStringToObject(e, "fullUrl", full);
	cJSON *shot = new_shot(iuuid, NULL, puuid, "20", date_from_ymd(2019, 5, 15));
	/* in a transaction the patient is referenced by its entry's fullUrl */
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(shot, "patient"), "reference",
	                                       cJSON_CreateString(full_patient));
	cJSON_AddItemToObject(e, "resource", shot);
	rq = cJSON_AddObjectToObject(e, "request");
	cJSON_AddStringToObject(rq, "method", "POST");
	cJSON_AddStringToObject(rq, "url", "Immunization");
	snprintf(cond, sizeof cond, "identifier=urn:ietf:rfc:3986|urn:uuid:%s", iuuid);
	cJSON_AddStringToObject(rq, "ifNoneExist", cond);
	cJSON_AddItemToArray(entries, e);

	/* a server that says it takes gzip bodies (RFC 7694: vaxregd) gets
	 * the upload compressed, and it is read the same */
	bool gzip_up = getenv("VAX_INTEROP_GZIP_UP") && !strcmp(getenv("VAX_INTEROP_GZIP_UP"), "1");
	char *plain = cJSON_PrintUnformatted(bundle);
	size_t plain_len = plain ? strlen(plain) : 0;
	free(plain);
	for (int round = 0; round < 2; round++) {
		struct api_req *r = api_fhir_bundle_req(conn, bundle, &err);
		const struct api_result *res = run(r);
		if (gzip_up)
			check(res->bytes.sent < plain_len,
			      "the transaction went up compressed (%llu bytes sent, %zu plain)",
			      (unsigned long long)res->bytes.sent, plain_len);
		struct api_bundle b;
		bool ok = api_fhir_read_bundle(res, &b, &err);
		check(ok, "transaction round %d: %s", round + 1, ok ? b.type : err.message);
		struct api_fhir_outcome out[4];
		int n = ok ? api_fhir_entry_outcomes(&b, out, 4, &err) : -1;
		check(n == 2, "two per-entry outcomes (%d) %s", n, n < 0 ? err.message : "");
		for (int i = 0; i < n; i++)
			check(out[i].cls == API_OK && out[i].status == (round == 0 ? 201 : 200) &&
			          out[i].id[0],
			      "entry %d: %d %s/%s %s", i + 1, out[i].status, out[i].type, out[i].id,
			      out[i].err.message);
		api_bundle_free(&b);
		api_req_free(r);
	}

	/* the shot references the server's id for the patient, not the urn */
	char ident[128];
	snprintf(ident, sizeof ident, "urn:ietf:rfc:3986|urn:uuid:%s", iuuid);
	struct api_fhir_param sp[] = {{"identifier", ident}};
	struct api_req *r = api_fhir_search_req(conn, "Immunization", sp, 1, &err);
	const struct api_result *res = run(r);
	struct api_bundle b;
	bool ok = api_fhir_read_bundle(res, &b, &err);
	const cJSON *pat =
	    ok && b.n == 1 ? cJSON_GetObjectItemCaseSensitive(b.entry[0].resource, "patient") : NULL;
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(pat, "reference");
	check(cJSON_IsString(ref) && !strncmp(ref->valuestring, "Patient/", 8),
	      "one shot after two sends, patient reference resolved (%s)",
	      cJSON_IsString(ref) ? ref->valuestring : "none");
	api_bundle_free(&b);
	api_req_free(r);
	cJSON_Delete(bundle);
}

/* Three clients of one family, searched two per page: the next link is
 * followed until it ends; every client seen once. Servers that do not page
 * (Medplum's in-memory engine gives no links) are only required to page
 * when VAX_INTEROP_PAGING=1. */
static void paging(void)
{
	struct vax_error err = {0};
	char family[40], uuid[40];
	uuid_v4(uuid);
	snprintf(family, sizeof family, "Pager%.8s", uuid);
	for (int i = 0; i < 3; i++) {
		struct client c;
		new_client(&c, family);
		for (char *p = family + 5; *p; p++)
			if (*p >= '0' && *p <= '9')
				*p = (char)('a' + (*p - '0'));
		snprintf(c.name.family, sizeof c.name.family, "%s", family);
		struct api_req *r = api_fhir_create_patient_req(conn, &c, &err);
		const struct api_result *res = run(r);
		check(res->cls == API_OK, "create client %d of 3 for paging: %s", i + 1, outcome_of(res));
		api_req_free(r);
	}
	struct api_fhir_param sp[] = {{"family", family}, {"_count", "2"}, {"_elements", "name"}};
	struct api_req *r = api_fhir_search_req(conn, "Patient", sp, 3, &err);
	int seen = 0, pages = 0;
	bool required = getenv("VAX_INTEROP_PAGING") && !strcmp(getenv("VAX_INTEROP_PAGING"), "1");
	while (r && pages < 5) {
		const struct api_result *res = run(r);
		struct api_bundle b;
		if (!api_fhir_read_bundle(res, &b, &err)) {
			check(false, "page %d: %s", pages + 1, err.message);
			api_req_free(r);
			return;
		}
		pages++;
		for (int i = 0; i < b.n; i++)
			if (!strcmp(b.entry[i].resource_type, "Patient"))
				seen++;
		api_req_free(r);
		r = api_fhir_next_req(conn, &b, &err);
		check(r || !error_isset(&err), "next link stays on the registry %s", err.message);
		api_bundle_free(&b);
	}
	api_req_free(r);
	if (required || pages > 1)
		check(pages == 2 && seen == 3, "paging: %d clients over %d pages of 2", seen, pages);
	else
		printf("info: this server sent no next link (%d clients in %d page)\n", seen, pages);
}

/* A screen's reads in one batch Bundle: each answer as if asked alone, in
 * the order asked; a read that fails fails alone. */
static void batch(void)
{
	struct vax_error err = {0};
	struct client c;
	new_client(&c, "Interopbatch");
	snprintf(c.name.given, sizeof c.name.given, "Bea");
	struct api_req *r = api_fhir_create_patient_req(conn, &c, &err);
	const struct api_result *res = run(r);
	check(res->cls == API_OK, "create a client to read in a batch: %s", outcome_of(res));
	api_req_free(r);
	struct api_fhir_param sp[] = {{"family", "Interopbatch"}, {"given", "Bea"}, {"_count", "5"}};
	struct api_fhir_param lp[] = {{"_count", "5"}};
	char *search = api_fhir_search_path("Patient", sp, 3, &err);
	char *lots = api_fhir_search_path("Medication", lp, 1, &err);
	const char *paths[3] = {search, lots, "/Patient/00000000-0000-4000-8000-000000000000"};
	r = api_fhir_batch_get_req(conn, paths, 3, &err);
	res = run(r);
	check(res->cls == API_OK, "a batch of three reads: %s", outcome_of(res));
	struct api_result one;
	char *body = NULL;
	bool ok = api_fhir_batch_entry(res, 0, &one, &body, &err);
	struct api_bundle b;
	memset(&b, 0, sizeof b);
	int found = 0;
	if (ok && one.cls == API_OK && api_fhir_read_bundle(&one, &b, &err))
		for (int i = 0; i < b.n; i++)
			found += !strcmp(b.entry[i].resource_type, "Patient");
	check(ok && one.cls == API_OK && b.type && !strcmp(b.type, "searchset") && found == 1,
	      "the batch's search answers as a search alone (%d client%s) %s", found, found == 1 ? "" : "s",
	      err.message);
	api_bundle_free(&b);
	free(body);
	ok = api_fhir_batch_entry(res, 1, &one, &body, &err);
	memset(&b, 0, sizeof b);
	check(ok && one.cls == API_OK && api_fhir_read_bundle(&one, &b, &err) && b.type &&
	          !strcmp(b.type, "searchset"),
	      "the batch's lots read answers as a searchset %s", err.message);
	api_bundle_free(&b);
	free(body);
	ok = api_fhir_batch_entry(res, 2, &one, &body, &err);
	check(ok && one.cls == API_NOT_FOUND && one.status == 404,
	      "the batch's read of no client fails alone (404): %s", ok ? outcome_of(&one) : err.message);
	free(body);
	check(!api_fhir_batch_entry(res, 3, &one, &body, &err) && !body && error_isset(&err),
	      "no fourth answer to three reads: %s", err.message);
	api_req_free(r);
	/* an answer that is no batch-response is never taken for one */
	r = api_fhir_get_req(conn, search, &err);
	res = run(r);
	error_clear(&err);
	check(res->cls == API_OK && !api_fhir_batch_entry(res, 0, &one, &body, &err) && error_isset(&err),
	      "a search's answer is not read as a batch's: %s", err.message);
	api_req_free(r);
	free(search);
	free(lots);
}

/* $match with the same demographics finds the client, graded. */
static void match(void)
{
	struct vax_error err = {0};
	struct client c;
	new_client(&c, "Interopmatch");
	struct api_req *r = api_fhir_create_patient_req(conn, &c, &err);
	const struct api_result *res = run(r);
	check(res->cls == API_OK, "create client for $match: %s", outcome_of(res));
	api_req_free(r);
	uuid_v4(c.uuid); /* a different record typed elsewhere */
	cJSON *pj = fhir_patient_to_json(&c);
	r = api_fhir_match_req(conn, pj, 5, false, &err);
	res = run(r);
	struct api_bundle b;
	bool ok = api_fhir_read_bundle(res, &b, &err);
	check(ok && b.n >= 1 && b.entry[0].score > 0 && b.entry[0].match_grade[0],
	      "$match: %d candidates, best score %.2f grade '%s' %s", ok ? b.n : -1,
	      ok && b.n ? b.entry[0].score : -1.0, ok && b.n ? b.entry[0].match_grade : "",
	      ok ? "" : err.message);
	api_bundle_free(&b);
	api_req_free(r);
	cJSON_Delete(pj);
}

/* GET read as a conditional request: the second time a 304 that comes back
 * as the answer kept from the first, with fewer bytes; after a change the
 * new version; after the token changes, nothing kept is sent. */
static void conditional(void)
{
	struct vax_error err = {0};
	struct client c;
	new_client(&c, "Interopcond");
	struct api_req *r = api_fhir_create_patient_req(conn, &c, &err);
	const struct api_result *res = run(r);
	struct client made;
	check(api_fhir_read_patient(res, &made, &err), "create client to read again: %s", err.message);
	api_req_free(r);
	char path[160];
	snprintf(path, sizeof path, "/Patient/%s", made.id);
	uint64_t first_bytes = 0;
	char *first = NULL;
	for (int round = 0; round < 3; round++) {
		if (round == 2) {
			/* changed meanwhile: the new version comes whole */
			snprintf(made.name.given, sizeof made.name.given, "Changed");
			struct api_req *u = api_fhir_update_patient_req(conn, &made, &err);
			check(run(u)->cls == API_OK, "update between the reads");
			api_req_free(u);
		}
		r = api_req_new(conn, "GET", path, &err);
		api_req_conditional(r);
		res = run(r);
		check(res->cls == API_OK && res->status == 200, "conditional read %d: %s", round + 1,
		      outcome_of(res));
		if (round == 0) {
			check(!res->not_modified && res->etag[0], "first read: whole, with an ETag (%s)",
			      res->etag);
			first_bytes = res->bytes.received;
			first = strdup(res->body);
		} else if (round == 1) {
			check(res->not_modified, "second read: not modified");
			check(first && !strcmp(res->body, first), "... and the body is the one kept");
			check(res->bytes.received < first_bytes / 2, "... for %llu bytes instead of %llu",
			      (unsigned long long)res->bytes.received, (unsigned long long)first_bytes);
		} else {
			check(!res->not_modified && strstr(res->body, "Changed"),
			      "after the change: the new version");
		}
		api_req_free(r);
	}
	free(first);
	/* another login: the connection forgets what it kept */
	api_conn_set_token(conn, "another-token");
	r = api_req_new(conn, "GET", path, &err);
	api_req_conditional(r);
	res = run(r);
	check(!res->not_modified, "nothing kept across a change of token (%ld)", res->status);
	api_req_free(r);
}

/* The TCP connection opened ahead (api_conn_warm) carries the next
 * request: a connection of its own, so nothing pooled serves it instead. */
static void warm(const char *base, const char *ca, const char *token)
{
	struct vax_error err = {0};
	struct api_conn_config cfg = {.base_url = base, .ca_file = ca};
	struct api_conn *c = api_conn_new(&cfg, &err);
	check(c != NULL, "a second connection: %s", err.message);
	if (!c)
		return;
	api_conn_set_token(c, token);
	check(api_conn_warm(c), "warming starts");
	check(!api_conn_warm(c), "... once");
	for (int i = 0; i < 50; i++)
		api_pump(c, 20); /* the connect completes meanwhile */
	check(!api_conn_warm(c), "a warm connection is ready: no second one");
	for (int round = 0; round < 2; round++) {
		struct api_req *r = api_req_new(c, "GET", "/metadata", &err);
		const struct api_result *res = api_req_wait(r, 10000);
		check(res->cls == API_OK && strstr(res->body, "CapabilityStatement"),
		      "request %d after warming: %s", round + 1, outcome_of(res));
		api_req_free(r);
	}
	check(!api_conn_warm(c), "no warming just after a request");
	api_conn_free(c);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fhir_interop BASE_URL CA_FILE [TOKEN]\n");
		return 2;
	}
	struct vax_error err = {0};
	struct api_conn_config cfg = {.base_url = argv[1], .ca_file = argv[2]};
	conn = api_conn_new(&cfg, &err);
	if (!conn) {
		fprintf(stderr, "fhir_interop: %s\n", err.message);
		return 2;
	}
	api_conn_set_token(conn, argc > 3 ? argv[3] : "interop-test");
	crud();
	lots();
	transaction();
	batch();
	paging();
	if (getenv("VAX_INTEROP_MATCH") && !strcmp(getenv("VAX_INTEROP_MATCH"), "1"))
		match();
	if (getenv("VAX_INTEROP_CONDITIONAL") && !strcmp(getenv("VAX_INTEROP_CONDITIONAL"), "1"))
		warm(argv[1], argv[2], argc > 3 ? argv[3] : "interop-test");
	if (getenv("VAX_INTEROP_CONDITIONAL") && !strcmp(getenv("VAX_INTEROP_CONDITIONAL"), "1"))
		conditional(); /* last: it changes the token */
	struct api_bytes t = api_conn_bytes(conn);
	printf("%d checks, %d failed; %llu requests, %llu bytes sent, %llu received\n", checks, failures,
	       (unsigned long long)t.requests, (unsigned long long)t.sent, (unsigned long long)t.received);
	api_conn_free(conn);
	return failures ? 1 : 0;
}
