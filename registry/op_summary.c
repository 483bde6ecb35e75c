/* registry/op_summary.c - GET|POST /Organization/{id}/$provider-summary:
 * how an organization reports to the registry over a period (timeliness,
 * completeness, 4:3:1:3:3:1:4 coverage at 24-35 months, data-quality
 * errors), computed by print/summary.h over the registry's records and
 * answered as a Parameters resource.
 *
 * An organization sees its own summary only. The doses rated are the ones
 * it recorded (their owner in the store); the coverage cohort is the
 * clients it registered (the Patient's owner) who are active with it.
 * Every client whose record is read for the summary is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "print/summary.h"
#include "registry/routes_int.h"

/* Longest period one request may cover: a summary reads every dose in it. */
#define MAX_PERIOD_DAYS 731

struct ids {
	char (*id)[65];
	size_t n, cap;
};

static void ids_add(struct ids *s, const char *id)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->id = xrealloc(s->id, s->cap * sizeof *s->id);
	}
	snprintf(s->id[s->n++], sizeof s->id[0], "%.64s", id);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Sort and drop repeats. */
static void ids_unique(struct ids *s)
{
	if (!s->n)
		return;
	qsort(s->id, s->n, sizeof *s->id, id_cmp);
	size_t k = 1;
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(s->id[i], s->id[k - 1]))
			memcpy(s->id[k++], s->id[i], sizeof s->id[0]);
	s->n = k;
}

/* The patient of each of the organization's doses in the period. */
static bool dose_patient(void *u, const char *id, const struct store_res *r, int64_t created)
{
	(void)id, (void)created;
	cJSON *j = r->json ? cJSON_Parse(r->json) : NULL;
	const cJSON *ref =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "patient"), "reference");
	if (cJSON_IsString(ref) && !strncmp(ref->valuestring, "Patient/", 8) && ref->valuestring[8])
		ids_add(u, ref->valuestring + 8);
	cJSON_Delete(j);
	return true;
}

struct cohort {
	struct ctx *x;
	struct summary *s;
	struct ids *read;
	bool failed;
};

static bool cohort_client(void *u, const char *id, const struct store_res *r, int64_t created)
{
	(void)created;
	struct cohort *c = u;
	struct reg_history h;
	int got = reg_history_read(c->x, id, r, &h);
	if (got < 0) {
		c->failed = true;
		return false;
	}
	if (got == 0)
		return true;
	if (summary_in_cohort(c->s, &h.c)) {
		ids_add(c->read, id);
		summary_add_cohort(c->s, reg_cfg(c->x->a)->cdsi, &h.c, h.imms, h.n, NULL);
	}
	reg_history_free(&h);
	return true;
}

/* start/end from the request: a date each, the end by default today and
 * the start three months before it. False after replying 400. */
static bool period(struct ctx *x, vax_date *from, vax_date *to)
{
	const char *ss = reg_op_param(x, x->body, "start"), *es = reg_op_param(x, x->body, "end");
	*to = reg_today(x->rq);
	if (es && date_parse_iso(es, to) != DATE_OK) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "end: give the day as YYYY-MM-DD.",
		             "end");
		return false;
	}
	*from = date_add_days(date_add_months(*to, 0, -3), 1);
	if (ss && date_parse_iso(ss, from) != DATE_OK) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "start: give the day as YYYY-MM-DD.",
		             "start");
		return false;
	}
	if (*from > *to) {
		reg_reply_oo(x->rs, 400, "invalid", "SEARCH-PARAM", "start: the period starts after it ends.",
		             "start");
		return false;
	}
	if (date_diff_days(*from, *to) >= MAX_PERIOD_DAYS) {
		reg_reply_oo(x->rs, 400, "too-costly", "SEARCH-PARAM",
		             "start: a provider summary covers at most two years; ask for a shorter period.",
		             "start");
		return false;
	}
	return true;
}

void reg_op_summary(struct ctx *x)
{
	if (strcmp(x->ss.role, "provider") && strcmp(x->ss.role, "view")) {
		char msg[200];
		snprintf(msg, sizeof msg, "Your role (%s) may not see provider summaries.", x->ss.role);
		reg_reply_oo(x->rs, 403, "forbidden", "ACCESS-ROLE", msg, NULL);
		return;
	}
	if (strcmp(x->id, x->ss.org)) {
		reg_reply_oo(
		    x->rs, 403, "forbidden", "ACCESS-ORG",
		    "An organization sees its own provider summary only; switch to that organization.", NULL);
		return;
	}
	const struct cdsi_data *cdsi = reg_cfg(x->a)->cdsi;
	if (!cdsi) {
		reg_reply_oo(x->rs, 501, "not-supported", "SUMMARY-NODATA",
		             "This registry has no CDSi supporting data loaded, so it cannot evaluate doses.",
		             NULL);
		return;
	}
	vax_date from, to;
	if (!period(x, &from, &to))
		return;
	struct summary *s = xcalloc(1, sizeof *s);
	summary_init(s, x->ss.org, from, to);
	struct store *st = reg_store(x->a);
	char lo[DATE_ISO_LEN], hi[DATE_ISO_LEN];
	struct ids patients = {0}, read = {0};
	struct vax_error err = {0};

	/* the organization's doses given in the period, client by client */
	struct store_query q = {.type = "Immunization", .n = 2};
	q.cond[0] = (struct store_cond){.kind = SC_OWNER, .value = x->ss.org};
	q.cond[1] = (struct store_cond){.kind = SC_RANGE,
	                                .key = "date",
	                                .value = date_format_iso(from, lo),
	                                .value2 = date_format_iso(to, hi)};
	bool ok = store_walk(st, &q, dose_patient, &patients, &err);
	ids_unique(&patients);
	for (size_t i = 0; ok && i < patients.n; i++) {
		struct reg_history h;
		int got = reg_history_read(x, patients.id[i], NULL, &h);
		if (got < 0)
			ok = false;
		if (got <= 0)
			continue;
		bool *mine = xcalloc(h.n + 1, sizeof *mine);
		for (size_t k = 0; k < h.n; k++)
			mine[k] = !strcmp(h.org[k], x->ss.org);
		summary_add_doses(s, cdsi, reg_codes(x->a), reg_today(x->rq), &h.c, patients.id[i], h.imms,
		                  h.n, mine, h.received, NULL);
		ids_add(&read, patients.id[i]);
		free(mine);
		reg_history_free(&h);
	}

	/* the coverage cohort: the organization's clients born 24-35 months
	 * before the period's end */
	if (ok) {
		vax_date first, last;
		summary_cohort_births(s, &first, &last);
		struct store_query cq = {.type = "Patient", .n = 2};
		cq.cond[0] = (struct store_cond){.kind = SC_OWNER, .value = x->ss.org};
		cq.cond[1] = (struct store_cond){.kind = SC_RANGE,
		                                 .key = "birthdate",
		                                 .value = date_format_iso(first, lo),
		                                 .value2 = date_format_iso(last, hi)};
		struct cohort c = {.x = x, .s = s, .read = &read};
		ok = store_walk(st, &cq, cohort_client, &c, &err) && !c.failed;
	}
	if (!ok) {
		if (!err.message[0])
			error_set(&err, "STORE", "The registry database failed.");
		reg_reply_err(x->rs, &err);
	} else {
		ids_unique(&read);
		if (read.n)
			store_audit_many(st, x->ss.username, x->ss.org, "provider-summary", "Patient",
			                 (const char(*)[65])read.id, (int)read.n, x->rq->now, NULL);
		reg_reply_json(x->rs, 200, summary_to_json(s), CT_FHIR);
	}
	free(patients.id);
	free(read.id);
	free(s);
}
