/* registry/op_school_reports.c - school compliance reports the registry
 * keeps ("Check School Reports"):
 *
 *   POST /Group/{id}/$school-report     run $school-compliance and keep the
 *                                       answer (201, Location of the report)
 *   GET  /Group/$school-reports         the organization's reports, newest
 *                                       first: list, grade, date, counts
 *   GET  /Group/$school-reports/{id}    one report as it was run
 *
 * Each answers a Parameters resource (fhir_parameters_from_tree() of the
 * report, or of the list: a "report" parameter for each). A report belongs
 * to the organization that ran it and is visible to it only. It is kept as
 * two records: the whole answer, and a small one the list reads, so listing
 * never parses a 2,000-student report. ranAt is the instant the store
 * stamped on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fhir.h"
#include "core/uuid.h"
#include "core/xalloc.h"
#include "registry/routes_int.h"

#define REPORT_TYPE "SchoolReport"
#define INFO_TYPE   "SchoolReportInfo"
#define LIST_MAX    200

/* A FHIR operation answers FHIR: the plain tree as Parameters. */
static void reply_parameters(struct ctx *x, int status, cJSON *tree)
{
	reg_reply_json(x->rs, status, fhir_parameters_from_tree(tree), CT_FHIR);
	cJSON_Delete(tree);
}

static bool may(struct ctx *x)
{
	if (!strcmp(x->ss.role, "school") || !strcmp(x->ss.role, "provider"))
		return true;
	char msg[200];
	snprintf(msg, sizeof msg, "Your role (%s) may not run or read school compliance reports.",
	         x->ss.role);
	reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
	return false;
}

/* When a report was run: the instant the store stamped on it (meta). */
static void ran_at_from_meta(cJSON *j)
{
	const cJSON *at =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "meta"), "lastUpdated");
	if (cJSON_IsString(at) && !cJSON_GetObjectItemCaseSensitive(j, "ranAt"))
		cJSON_AddStringToObject(j, "ranAt", at->valuestring);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "meta");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "resourceType");
}

/* The fields the list shows, copied from the answer. */
static cJSON *info_of(const cJSON *report)
{
	static const char *const keep[] = {"id",    "group",     "name",  "grade", "date",
	                                   "total", "compliant", "ranBy", "seq"};
	cJSON *info = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(report, keep[i]);
		if (v)
			cJSON_AddItemToObject(info, keep[i], cJSON_Duplicate(v, false));
	}
	return info;
}

void reg_op_school_report(struct ctx *x)
{
	if (!may(x))
		return;
	cJSON *rep = reg_school_run(x, x->id, x->body);
	if (!rep)
		return;
	char id[UUID_STR_LEN];
	uuid_v4(id);
	cJSON_AddStringToObject(rep, "id", id);
	cJSON_AddStringToObject(rep, "ranBy", x->ss.username);
	struct store *st = reg_store(x->a);
	struct vax_error err = {0};
	bool ok = store_begin(st, &err);
	/* the organization's how-many-th report: orders two run in one second */
	struct store_query q = {.type = INFO_TYPE, .n = 1, .count = 0};
	q.cond[0] = (struct store_cond){.kind = SC_OWNER, .value = x->ss.org};
	long before = 0;
	ok = ok && store_search(st, &q, NULL, NULL, &before, &err) >= 0;
	cJSON_AddNumberToObject(rep, "seq", (double)before + 1);
	cJSON *info = info_of(rep);
	ok = ok && store_write(st, REPORT_TYPE, id, x->ss.org, rep, false, x->rq->now, NULL, &err) &&
	     store_write(st, INFO_TYPE, id, x->ss.org, info, false, x->rq->now, NULL, &err) &&
	     store_commit(st, &err);
	cJSON_Delete(info);
	if (!ok) {
		store_rollback(st);
		cJSON_Delete(rep);
		reg_reply_err(x->rs, &err);
		return;
	}
	ran_at_from_meta(rep);
	reg_audit(x, "school-report", "Group", x->id);
	reply_parameters(x, 201, rep);
	snprintf(x->rs->location, sizeof x->rs->location, "Group/$school-reports/%s", id);
}

struct infos {
	cJSON **j;
	size_t n, cap;
};

static bool add_info(void *u, const char *id, const struct store_res *r, int64_t created)
{
	(void)id, (void)created;
	struct infos *in = u;
	cJSON *j = r->json ? cJSON_Parse(r->json) : NULL;
	if (!j)
		return true;
	ran_at_from_meta(j);
	if (in->n == in->cap) {
		in->cap = in->cap ? 2 * in->cap : 32;
		in->j = xrealloc(in->j, in->cap * sizeof *in->j);
	}
	in->j[in->n++] = j;
	return true;
}

static double seq(const cJSON *j)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "seq");
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int newest_first(const void *a, const void *b)
{
	double x = seq(*(cJSON *const *)a), y = seq(*(cJSON *const *)b);
	return (x < y) - (x > y);
}

void reg_school_reports(struct ctx *x)
{
	if (!may(x))
		return;
	struct store_query q = {.type = INFO_TYPE, .n = 1};
	q.cond[0] = (struct store_cond){.kind = SC_OWNER, .value = x->ss.org};
	struct infos in = {0};
	struct vax_error err = {0};
	if (!store_walk(reg_store(x->a), &q, add_info, &in, &err)) {
		for (size_t i = 0; i < in.n; i++)
			cJSON_Delete(in.j[i]);
		free(in.j);
		reg_reply_err(x->rs, &err);
		return;
	}
	if (in.n)
		qsort(in.j, in.n, sizeof *in.j, newest_first);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "total", (double)in.n);
	cJSON *list = cJSON_AddArrayToObject(out, "reports");
	for (size_t i = 0; i < in.n; i++) {
		if (i < LIST_MAX)
			cJSON_AddItemToArray(list, in.j[i]);
		else
			cJSON_Delete(in.j[i]);
	}
	free(in.j);
	reply_parameters(x, 200, out);
}

void reg_school_report_get(struct ctx *x)
{
	if (!may(x))
		return;
	struct store_res r;
	struct vax_error err = {0};
	int found = store_read(reg_store(x->a), REPORT_TYPE, x->id, 0, &r, &err);
	if (found < 0) {
		reg_reply_err(x->rs, &err);
		return;
	}
	/* another organization's report does not exist for this one */
	if (!found || r.deleted || strcmp(r.org, x->ss.org)) {
		if (found)
			store_res_free(&r);
		reg_reply_oo(x->rs, 404, "not-found", "NOT-FOUND", "There is no such school report.", NULL);
		return;
	}
	cJSON *j = cJSON_Parse(r.json);
	store_res_free(&r);
	ran_at_from_meta(j);
	reg_audit(x, "read", REPORT_TYPE, x->id);
	reply_parameters(x, 200, j);
}
