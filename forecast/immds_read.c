/* forecast/immds_read.c - a registry's $immds-forecast answer read for the
 * screen (see immds.h, immds_read_answer). Outside input: nothing is
 * trusted, text is copied cut to its field, and an answer without a
 * recommendation is refused with IMMDS-ANSWER. */
#include "forecast/immds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define LOINC_SYSTEM "http://loinc.org"

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Printable text only, cut to the field. */
static void copy_text(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p && n + 1 < len; p++)
		dst[n++] = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
	dst[n] = '\0';
}

/* A CodeableConcept in words: its text, else its first coding's display,
 * else that coding's code. */
static const char *concept_words(const cJSON *cc)
{
	const char *t = str_of(cc, "text");
	if (t && *t)
		return t;
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cc, "coding"), 0);
	const char *d = str_of(c, "display");
	return d && *d ? d : str_of(c, "code");
}

/* The code of a concept's first coding in system (any system when NULL). */
static const char *concept_code(const cJSON *cc, const char *system)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
	{
		const char *s = str_of(c, "system");
		if (!system || (s && !strcmp(s, system)))
			return str_of(c, "code");
	}
	return NULL;
}

static vax_date day_of(const char *s)
{
	char buf[DATE_ISO_LEN];
	vax_date d = DATE_NONE;
	if (!s || strlen(s) < 10)
		return DATE_NONE;
	memcpy(buf, s, 10);
	buf[10] = '\0';
	return date_parse_iso(buf, &d) == DATE_OK ? d : DATE_NONE;
}

static int positive(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 100 ? (int)v->valuedouble : 0;
}

static void read_recommendation(const cJSON *r, struct immds_rec *out)
{
	memset(out, 0, sizeof *out);
	out->earliest = out->due = out->overdue = out->latest = DATE_NONE;
	const char *g = concept_words(cJSON_GetObjectItemCaseSensitive(r, "targetDisease"));
	if (!g)
		g = concept_words(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "vaccineCode"), 0));
	copy_text(out->group, sizeof out->group, g ? g : "?");
	const cJSON *fs = cJSON_GetObjectItemCaseSensitive(r, "forecastStatus");
	const char *code = concept_code(fs, NULL);
	out->complete = code && (!strcmp(code, "complete") || !strcmp(code, "immune"));
	const char *words = concept_words(fs);
	copy_text(out->status, sizeof out->status, words ? words : "");
	out->dose = positive(r, "doseNumberPositiveInt");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "dateCriterion"))
	{
		const char *lc = concept_code(cJSON_GetObjectItemCaseSensitive(c, "code"), LOINC_SYSTEM);
		vax_date d = day_of(str_of(c, "value"));
		if (!lc)
			continue;
		if (!strcmp(lc, "30981-5"))
			out->earliest = d;
		else if (!strcmp(lc, "30980-7"))
			out->due = d;
		else if (!strcmp(lc, "59778-1"))
			out->overdue = d;
		else if (!strcmp(lc, "59777-3"))
			out->latest = d;
	}
}

static void read_evaluation(const cJSON *r, struct immds_eval *out)
{
	memset(out, 0, sizeof *out);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r, "immunizationEvent");
	copy_text(out->ref, sizeof out->ref, str_of(ev, "reference"));
	const char *code = concept_code(cJSON_GetObjectItemCaseSensitive(r, "doseStatus"), NULL);
	out->valid = code && !strcmp(code, "valid");
	out->dose = positive(r, "doseNumberPositiveInt");
	out->series = positive(r, "seriesDosesPositiveInt");
}

bool immds_read_answer(const cJSON *params, struct immds_answer *out, struct vax_error *err)
{
	memset(out, 0, sizeof *out);
	const char *rt = str_of(params, "resourceType");
	if (!rt || strcmp(rt, "Parameters"))
		return error_set(err, "IMMDS-ANSWER",
		                 "The registry's forecast is not a Parameters resource.");
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter"))
	{
		const char *name = str_of(p, "name");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resource");
		const char *type = str_of(res, "resourceType");
		if (!name || !type)
			continue;
		if (!strcmp(name, "evaluation") && !strcmp(type, "ImmunizationEvaluation") &&
		    out->nevals < IMMDS_ANSWER_MAX) {
			out->evals = xrealloc(out->evals, (out->nevals + 1) * sizeof *out->evals);
			read_evaluation(res, &out->evals[out->nevals++]);
		} else if (!strcmp(name, "recommendation") && !strcmp(type, "ImmunizationRecommendation")) {
			const cJSON *r;
			out->have_recommendation = true;
			cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(res, "recommendation"))
			{
				if (out->nrecs >= IMMDS_ANSWER_MAX)
					break;
				out->recs = xrealloc(out->recs, (out->nrecs + 1) * sizeof *out->recs);
				read_recommendation(r, &out->recs[out->nrecs++]);
			}
		}
	}
	if (!out->have_recommendation) {
		immds_answer_free(out);
		return error_set(err, "IMMDS-ANSWER", "The registry's forecast has no recommendation.");
	}
	return true;
}

const struct immds_eval *immds_answer_eval(const struct immds_answer *a, const char *ref)
{
	/* the first valid evaluation of the dose, else its first one */
	const struct immds_eval *first = NULL;
	for (size_t i = 0; i < a->nevals; i++) {
		if (strcmp(a->evals[i].ref, ref))
			continue;
		if (a->evals[i].valid)
			return &a->evals[i];
		if (!first)
			first = &a->evals[i];
	}
	return first;
}

void immds_answer_free(struct immds_answer *a)
{
	free(a->recs);
	free(a->evals);
	memset(a, 0, sizeof *a);
}
