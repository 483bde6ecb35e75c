/* forecast/cdsi_data.c - read CDC's CDSi supporting data XML (libxml2).
 *
 * All file access of the forecast module is here: cdsi_data_load() reads a
 * directory once and the engine never touches a file again. Elements are
 * looked up by name, not position, and unknown elements are ignored, so a
 * CDC release that adds fields still loads.
 */
#include "config.h"
#include "forecast/cdsi.h"
#include "forecast/cdsi_model.h"
#include "sys/fileio.h"

#include <ctype.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#ifndef VAX_DATADIR
#define VAX_DATADIR "/usr/local/share/vaxdesk"
#endif

/* Loading context: the file being read, for error messages. */
struct ld {
	const char *file;
	struct vax_error *err;
	bool failed;
};

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);
	if (!p)
		abort();
	return p;
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

static size_t count_children(const xmlNode *n, const char *name)
{
	size_t k = 0;
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			k++;
	return k;
}

/* Trimmed text of an element into buf ("" if absent). */
static const char *text(const xmlNode *n, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!n)
		return buf;
	xmlChar *s = xmlNodeGetContent(n);
	if (!s)
		return buf;
	const char *p = (const char *)s;
	while (isspace((unsigned char)*p))
		p++;
	size_t l = strlen(p);
	while (l && isspace((unsigned char)p[l - 1]))
		l--;
	if (l >= len)
		l = len - 1;
	memcpy(buf, p, l);
	buf[l] = '\0';
	xmlFree(s);
	return buf;
}

static const char *ctext(const xmlNode *n, const char *name, char *buf, size_t len)
{
	return text(child(n, name), buf, len);
}

static bool absent(const char *s)
{
	return !*s || strcasecmp(s, "n/a") == 0;
}

static void fail(struct ld *ld, const char *what, const char *value)
{
	if (ld->failed)
		return;
	ld->failed = true;
	error_set(ld->err, "CDSI-DATA",
	          "%s: %s \"%s\" is not understood; the CDSi supporting "
	          "data file may be damaged or from an unsupported release",
	          ld->file, what, value);
}

static struct cdsi_span span(struct ld *ld, const xmlNode *n, const char *name)
{
	char buf[96];
	struct cdsi_span s = {0};
	ctext(n, name, buf, sizeof buf);
	if (absent(buf))
		return s;
	if (!date_span_parse(buf, &s.sp)) {
		fail(ld, name, buf);
		return s;
	}
	s.set = true;
	return s;
}

/* Dates appear as YYYYMMDD (effective, seasonal) or MM/DD/YYYY (immunity). */
static vax_date xdate(struct ld *ld, const xmlNode *n, const char *name)
{
	char buf[32];
	vax_date d;
	ctext(n, name, buf, sizeof buf);
	if (absent(buf))
		return DATE_NONE;
	if (date_parse_compact(buf, &d) == DATE_OK || date_parse_us(buf, &d) == DATE_OK ||
	    date_parse_iso(buf, &d) == DATE_OK)
		return d;
	fail(ld, name, buf);
	return DATE_NONE;
}

static int xint(struct ld *ld, const xmlNode *n, const char *name, int dflt)
{
	char buf[32], *end;
	ctext(n, name, buf, sizeof buf);
	if (absent(buf))
		return dflt;
	long v = strtol(buf, &end, 10);
	if (*end) {
		fail(ld, name, buf);
		return dflt;
	}
	return (int)v;
}

static bool yes(const xmlNode *n, const char *name)
{
	char buf[16];
	ctext(n, name, buf, sizeof buf);
	return buf[0] == 'Y' || buf[0] == 'y';
}

static void cvx_list(struct ld *ld, const char *s, struct cdsi_cvx_list *out)
{
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == ';' || *p == ',';
	out->cvx = xcalloc(cap, sizeof *out->cvx);
	out->n = 0;
	const char *p = s;
	while (*p) {
		while (*p == ' ' || *p == ';' || *p == ',')
			p++;
		if (!*p)
			break;
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p) {
			fail(ld, "vaccine type list", s);
			return;
		}
		out->cvx[out->n++] = (int)v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p && *p != ';' && *p != ',') {
			fail(ld, "vaccine type list", s);
			return;
		}
	}
}

static void load_interval(struct ld *ld, const xmlNode *n, struct cdsi_interval *iv)
{
	char buf[512];
	iv->from_previous = yes(n, "fromPrevious");
	iv->from_target_dose = xint(ld, n, "fromTargetDose", 0);
	ctext(n, "fromMostRecent", buf, sizeof buf);
	if (!absent(buf))
		cvx_list(ld, buf, &iv->from_most_recent);
	/* <fromRelevantObs> holds <text> and <code> (or nothing) */
	const xmlNode *obs = child(n, "fromRelevantObs");
	if (child(obs, "code"))
		ctext(obs, "code", iv->from_obs, sizeof iv->from_obs);
	else
		text(obs, iv->from_obs, sizeof iv->from_obs);
	if (absent(iv->from_obs))
		iv->from_obs[0] = '\0';
	iv->abs_min = span(ld, n, "absMinInt");
	iv->min = span(ld, n, "minInt");
	iv->earliest_rec = span(ld, n, "earliestRecInt");
	iv->latest_rec = span(ld, n, "latestRecInt");
	ctext(n, "intervalPriority", buf, sizeof buf);
	iv->priority = !absent(buf);
	iv->effective = xdate(ld, n, "effectiveDate");
	iv->cessation = xdate(ld, n, "cessationDate");
}

static void load_vaccine(struct ld *ld, const xmlNode *n, struct cdsi_vaccine *v)
{
	v->cvx = xint(ld, n, "cvx", -1);
	ctext(n, "vaccineType", v->type, sizeof v->type);
	v->begin_age = span(ld, n, "beginAge");
	v->end_age = span(ld, n, "endAge");
	ctext(n, "mvx", v->mvx, sizeof v->mvx);
	if (absent(v->mvx))
		v->mvx[0] = '\0';
	v->forecast = yes(n, "forecastVaccineType");
}

static void load_condition(struct ld *ld, const xmlNode *n, struct cdsi_condition *c)
{
	char buf[512];
	ctext(n, "conditionType", buf, sizeof buf);
	if (strcasecmp(buf, "Age") == 0)
		c->type = COND_AGE;
	else if (strcasecmp(buf, "Completed Series") == 0)
		c->type = COND_COMPLETED_SERIES;
	else if (strcasecmp(buf, "Interval") == 0)
		c->type = COND_INTERVAL;
	else if (strncasecmp(buf, "Vaccine Count", 13) == 0)
		c->type = COND_COUNT;
	else
		c->type = COND_UNKNOWN; /* never met: safer than skipping a dose */
	c->start = xdate(ld, n, "startDate");
	c->end = xdate(ld, n, "endDate");
	c->begin_age = span(ld, n, "beginAge");
	c->end_age = span(ld, n, "endAge");
	c->interval = span(ld, n, "interval");
	c->dose_count = xint(ld, n, "doseCount", 0);
	c->valid_only = strcasecmp(ctext(n, "doseType", buf, sizeof buf), "Valid") == 0;
	ctext(n, "doseCountLogic", buf, sizeof buf);
	c->logic = strncasecmp(buf, "greater", 7) == 0 ? COUNT_GREATER
	           : strncasecmp(buf, "less", 4) == 0  ? COUNT_LESS
	                                               : COUNT_EQUAL;
	ctext(n, "vaccineTypes", buf, sizeof buf);
	if (!absent(buf))
		cvx_list(ld, buf, &c->vaccines);
	ctext(n, "seriesGroups", buf, sizeof buf);
	for (char *p = buf; *p && c->n_series_groups < 8;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p) {
			p++;
			continue;
		}
		c->series_groups[c->n_series_groups++] = (int)v;
		p = end;
	}
}

static void load_skip(struct ld *ld, const xmlNode *n, struct cdsi_skip *sk)
{
	char buf[64];
	ctext(n, "context", buf, sizeof buf);
	sk->context = strcasecmp(buf, "Evaluation") == 0 ? CTX_EVALUATION
	              : strcasecmp(buf, "Forecast") == 0 ? CTX_FORECAST
	              : strcasecmp(buf, "Both") == 0     ? CTX_BOTH
	                                                 : 0;
	sk->and_logic = strcasecmp(ctext(n, "setLogic", buf, sizeof buf), "AND") == 0;
	sk->sets = xcalloc(count_children(n, "set"), sizeof *sk->sets);
	for (xmlNode *s = n->children; s; s = s->next) {
		if (!is(s, "set"))
			continue;
		struct cdsi_skip_set *set = &sk->sets[sk->nsets++];
		ctext(s, "setDescription", set->description, sizeof set->description);
		set->effective = xdate(ld, s, "effectiveDate");
		set->cessation = xdate(ld, s, "cessationDate");
		set->and_logic = strcasecmp(ctext(s, "conditionLogic", buf, sizeof buf), "AND") == 0;
		set->conds = xcalloc(count_children(s, "condition"), sizeof *set->conds);
		for (xmlNode *c = s->children; c; c = c->next)
			if (is(c, "condition"))
				load_condition(ld, c, &set->conds[set->nconds++]);
	}
}

static void load_series_dose(struct ld *ld, const xmlNode *n, struct cdsi_series_dose *sd)
{
	char buf[64];
	ctext(n, "doseNumber", buf, sizeof buf);
	const char *digits = buf;
	while (*digits && !isdigit((unsigned char)*digits))
		digits++;
	sd->number = atoi(digits);
	sd->ages = xcalloc(count_children(n, "age"), sizeof *sd->ages);
	sd->intervals = xcalloc(count_children(n, "interval"), sizeof *sd->intervals);
	sd->allow_intervals = xcalloc(count_children(n, "allowableInterval"), sizeof *sd->allow_intervals);
	sd->preferable = xcalloc(count_children(n, "preferableVaccine"), sizeof *sd->preferable);
	sd->allowable = xcalloc(count_children(n, "allowableVaccine"), sizeof *sd->allowable);
	sd->skips = xcalloc(count_children(n, "conditionalSkip"), sizeof *sd->skips);
	size_t ninadv = count_children(n, "inadvertentVaccine");
	sd->inadvertent.cvx = xcalloc(ninadv, sizeof(int));
	sd->season_start = sd->season_end = DATE_NONE;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "age")) {
			struct cdsi_age *a = &sd->ages[sd->nages++];
			a->abs_min = span(ld, c, "absMinAge");
			a->min = span(ld, c, "minAge");
			a->earliest_rec = span(ld, c, "earliestRecAge");
			a->latest_rec = span(ld, c, "latestRecAge");
			a->max = span(ld, c, "maxAge");
			a->effective = xdate(ld, c, "effectiveDate");
			a->cessation = xdate(ld, c, "cessationDate");
		} else if (is(c, "interval") && c->children) {
			/* an empty <interval/> means "no interval" */
			load_interval(ld, c, &sd->intervals[sd->nintervals++]);
		} else if (is(c, "allowableInterval") && c->children) {
			load_interval(ld, c, &sd->allow_intervals[sd->nallow_intervals++]);
		} else if (is(c, "preferableVaccine")) {
			load_vaccine(ld, c, &sd->preferable[sd->npreferable++]);
		} else if (is(c, "allowableVaccine")) {
			load_vaccine(ld, c, &sd->allowable[sd->nallowable++]);
		} else if (is(c, "inadvertentVaccine")) {
			sd->inadvertent.cvx[sd->inadvertent.n++] = xint(ld, c, "cvx", -1);
		} else if (is(c, "conditionalSkip") && c->children) {
			load_skip(ld, c, &sd->skips[sd->nskips++]);
		} else if (is(c, "recurringDose")) {
			sd->recurring = yes(n, "recurringDose");
		} else if (is(c, "seasonalRecommendation")) {
			sd->season_start = xdate(ld, c, "startDate");
			sd->season_end = xdate(ld, c, "endDate");
		}
	}
}

static void load_series(struct ld *ld, const xmlNode *n, struct cdsi_series *s)
{
	char buf[128];
	ctext(n, "seriesName", s->name, sizeof s->name);
	ctext(n, "targetDisease", s->target_disease, sizeof s->target_disease);
	ctext(n, "vaccineGroup", s->vaccine_group, sizeof s->vaccine_group);
	ctext(n, "seriesType", buf, sizeof buf);
	if (strcasecmp(buf, "Standard") == 0)
		s->type = SERIES_STANDARD;
	else if (strcasecmp(buf, "Risk") == 0)
		s->type = SERIES_RISK;
	else if (strncasecmp(buf, "Evaluation", 10) == 0)
		s->type = SERIES_EVAL_ONLY;
	else
		fail(ld, "seriesType", buf);
	ctext(n, "equivalentSeriesGroups", buf, sizeof buf);
	for (char *p = buf; *p && s->n_equivalent < 8;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p) {
			p++;
			continue;
		}
		s->equivalent_groups[s->n_equivalent++] = (int)v;
		p = end;
	}
	for (xmlNode *c = n->children; c; c = c->next)
		if (is(c, "requiredGender") && s->n_gender < 3) {
			text(c, s->required_gender[s->n_gender], sizeof s->required_gender[0]);
			if (s->required_gender[s->n_gender][0])
				s->n_gender++;
		}
	const xmlNode *sel = child(n, "selectSeries");
	s->default_series = yes(sel, "defaultSeries");
	s->product_path = yes(sel, "productPath");
	ctext(sel, "seriesGroupName", s->series_group_name, sizeof s->series_group_name);
	s->series_group = xint(ld, sel, "seriesGroup", 1);
	ctext(sel, "seriesPriority", buf, sizeof buf);
	s->priority = buf[0] ? (char)toupper((unsigned char)buf[0]) : 'A';
	s->preference = xint(ld, sel, "seriesPreference", 1);
	s->min_age_start = span(ld, sel, "minAgeToStart");
	s->max_age_start = span(ld, sel, "maxAgeToStart");

	s->indications = xcalloc(count_children(n, "indication"), sizeof *s->indications);
	s->doses = xcalloc(count_children(n, "seriesDose"), sizeof *s->doses);
	for (xmlNode *c = n->children; c; c = c->next) {
		if (is(c, "indication") && child(c, "observationCode")) {
			struct cdsi_indication *in = &s->indications[s->nindications++];
			ctext(child(c, "observationCode"), "code", in->code, sizeof in->code);
			in->begin_age = span(ld, c, "beginAge");
			in->end_age = span(ld, c, "endAge");
		} else if (is(c, "seriesDose")) {
			load_series_dose(ld, c, &s->doses[s->ndoses++]);
		}
	}
}

static void load_contra(struct ld *ld, const xmlNode *n, struct cdsi_antigen *a)
{
	/* antigen-level ones under <vaccineGroup>, vaccine-level under <vaccine> */
	const xmlNode *parts[2] = {child(n, "vaccineGroup"), child(n, "vaccine")};
	a->contra = xcalloc(count_children(parts[0], "contraindication") +
	                        count_children(parts[1], "contraindication"),
	                    sizeof *a->contra);
	for (int pi = 0; pi < 2; pi++) {
		for (xmlNode *c = parts[pi] ? parts[pi]->children : NULL; c; c = c->next) {
			if (!is(c, "contraindication"))
				continue;
			struct cdsi_contraindication *ci = &a->contra[a->ncontra++];
			ctext(c, "observationCode", ci->code, sizeof ci->code);
			ci->begin_age = span(ld, c, "beginAge");
			ci->end_age = span(ld, c, "endAge");
			if (pi == 1) {
				size_t k = count_children(c, "contraindicatedVaccine");
				ci->vaccines.cvx = xcalloc(k, sizeof(int));
				ci->vaccine_begin = xcalloc(k, sizeof *ci->vaccine_begin);
				ci->vaccine_end = xcalloc(k, sizeof *ci->vaccine_end);
				for (xmlNode *v = c->children; v; v = v->next) {
					if (!is(v, "contraindicatedVaccine"))
						continue;
					ci->vaccine_begin[ci->vaccines.n] = span(ld, v, "beginAge");
					ci->vaccine_end[ci->vaccines.n] = span(ld, v, "endAge");
					ci->vaccines.cvx[ci->vaccines.n++] = xint(ld, v, "cvx", -1);
				}
			}
		}
	}
}

static void load_immunity(struct ld *ld, const xmlNode *n, struct cdsi_antigen *a)
{
	a->immunity_birth = DATE_NONE;
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		if (is(c, "clinicalHistory") && a->n_immunity < 8) {
			ctext(c, "guidelineCode", a->immunity_codes[a->n_immunity], 8);
			a->n_immunity++;
		} else if (is(c, "dateOfBirth")) {
			a->immunity_birth = xdate(ld, c, "immunityBirthDate");
			ctext(c, "birthCountry", a->immunity_country, sizeof a->immunity_country);
			for (xmlNode *e = c->children; e; e = e->next)
				if (is(e, "exclusion") && a->n_exclusions < 8)
					ctext(e, "exclusionCode", a->immunity_exclusions[a->n_exclusions++],
					      8);
		}
	}
}

/* FNV-1a, 64 bits: the rules' identity (cdsi_data_rules) is no secret,
 * only a way to tell two copies of the data apart. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211u;
	return h;
}

/* Parse a file; NULL with err set if it is missing or not well-formed XML.
 * Its name and bytes go into *hash. */
static xmlDoc *read_xml(const char *path, const char *root, uint64_t *hash, struct vax_error *err)
{
	char *buf;
	size_t n;
	/* (fileio_read caps a file far below what xmlReadMemory's int takes) */
	if (!fileio_read(path, &buf, &n, NULL)) {
		error_set(err, "CDSI-DATA-MISSING",
		          "%s: cannot be read; install the CDSi supporting "
		          "data or set VAXDESK_DATADIR",
		          path);
		return NULL;
	}
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	*hash = fnv(*hash, base, strlen(base) + 1);
	*hash = fnv(*hash, buf, n);
	xmlDoc *doc =
	    xmlReadMemory(buf, (int)n, path, NULL,
	                  XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	free(buf);
	if (!doc) {
		const xmlError *xe = xmlGetLastError();
		error_set(err, "CDSI-DATA-XML", "%s: not well-formed XML (line %d: %s)", path,
		          xe ? xe->line : 0, xe && xe->message ? xe->message : "parse error");
		size_t l = strlen(err ? err->message : "");
		if (err && l && err->message[l - 1] == '\n')
			err->message[l - 1] = '\0';
		return NULL;
	}
	xmlNode *r = xmlDocGetRootElement(doc);
	if (!r || strcmp((const char *)r->name, root) != 0) {
		error_set(err, "CDSI-DATA-XML", "%s: root element is <%s>, expected <%s>", path,
		          r ? (const char *)r->name : "(none)", root);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static bool load_antigen(const char *path, struct cdsi_antigen *a, uint64_t *hash, struct vax_error *err)
{
	xmlDoc *doc = read_xml(path, "antigenSupportingData", hash, err);
	if (!doc)
		return false;
	struct ld ld = {.file = path, .err = err};
	xmlNode *root = xmlDocGetRootElement(doc);
	size_t pl = strlen(path); /* keep the end: the file name matters most */
	const char *tail = pl < sizeof a->file ? path : path + pl - (sizeof a->file - 1);
	memcpy(a->file, tail, strlen(tail) + 1);
	load_immunity(&ld, child(root, "immunity"), a);
	if (child(root, "contraindications"))
		load_contra(&ld, child(root, "contraindications"), a);
	a->series = xcalloc(count_children(root, "series"), sizeof *a->series);
	for (xmlNode *c = root->children; c; c = c->next)
		if (is(c, "series"))
			load_series(&ld, c, &a->series[a->nseries++]);
	if (!ld.failed && a->nseries == 0) {
		error_set(err, "CDSI-DATA", "%s: no <series> element", path);
		ld.failed = true;
	}
	if (!ld.failed)
		snprintf(a->name, sizeof a->name, "%s", a->series[0].target_disease);
	for (size_t i = 0; i < a->nseries; i++)
		for (size_t k = 0; k < a->series[i].ndoses; k++)
			for (size_t m = 0; m < a->series[i].doses[k].nskips; m++)
				for (size_t x = 0; x < a->series[i].doses[k].skips[m].nsets; x++)
					for (size_t y = 0; y < a->series[i].doses[k].skips[m].sets[x].nconds;
					     y++)
						if (a->series[i].doses[k].skips[m].sets[x].conds[y].type ==
						    COND_COMPLETED_SERIES)
							a->uses_completed_series = true;
	xmlFreeDoc(doc);
	return !ld.failed;
}

int cdsi_data_antigen_index(const struct cdsi_data *d, const char *name)
{
	for (size_t i = 0; i < d->nantigens; i++)
		if (strcasecmp(d->antigens[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int cmp_cvx(const void *a, const void *b)
{
	const struct cdsi_cvx_entry *x = a, *y = b;
	return (x->cvx > y->cvx) - (x->cvx < y->cvx);
}

static int cmp_conflict(const void *a, const void *b)
{
	const struct cdsi_conflict *x = a, *y = b;
	if (x->previous != y->previous)
		return (x->previous > y->previous) - (x->previous < y->previous);
	return (x->current > y->current) - (x->current < y->current);
}

size_t cdsi_data_conflicts(const struct cdsi_data *d, int previous, const struct cdsi_conflict **first)
{
	size_t lo = 0, hi = d->nconflicts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->conflicts[mid].previous < previous)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < d->nconflicts && d->conflicts[end].previous == previous)
		end++;
	*first = &d->conflicts[lo];
	return end - lo;
}

static bool load_schedule(const char *path, struct cdsi_data *d, uint64_t *hash, struct vax_error *err)
{
	xmlDoc *doc = read_xml(path, "scheduleSupportingData", hash, err);
	if (!doc)
		return false;
	struct ld ld = {.file = path, .err = err};
	char buf[160];
	xmlNode *root = xmlDocGetRootElement(doc);

	xmlNode *lv = child(root, "liveVirusConflicts");
	d->conflicts = xcalloc(count_children(lv, "liveVirusConflict"), sizeof *d->conflicts);
	for (xmlNode *c = lv ? lv->children : NULL; c; c = c->next) {
		if (!is(c, "liveVirusConflict"))
			continue;
		struct cdsi_conflict *k = &d->conflicts[d->nconflicts++];
		k->previous = xint(&ld, child(c, "previous"), "cvx", -1);
		k->current = xint(&ld, child(c, "current"), "cvx", -1);
		k->begin = span(&ld, c, "conflictBeginInterval");
		k->min_end = span(&ld, c, "minConflictEndInterval");
		k->end = span(&ld, c, "conflictEndInterval");
	}

	/* sorted by previous vaccine so the engine finds a dose's conflicts
	 * with a binary search */
	qsort(d->conflicts, d->nconflicts, sizeof *d->conflicts, cmp_conflict);

	xmlNode *groups = child(root, "vaccineGroups");
	d->groups = xcalloc(count_children(groups, "vaccineGroup"), sizeof *d->groups);
	for (xmlNode *c = groups ? groups->children : NULL; c; c = c->next) {
		if (!is(c, "vaccineGroup"))
			continue;
		struct cdsi_group *g = &d->groups[d->ngroups++];
		ctext(c, "name", g->name, sizeof g->name);
		g->administer_full = yes(c, "administerFullVaccineGroup");
	}
	xmlNode *gmap = child(root, "vaccineGroupToAntigenMap");
	for (xmlNode *c = gmap ? gmap->children : NULL; c; c = c->next) {
		if (!is(c, "vaccineGroupMap"))
			continue;
		ctext(c, "name", buf, sizeof buf);
		int gi = cdsi_group_find(d, buf);
		if (gi < 0) {
			fail(&ld, "vaccineGroupMap name", buf);
			continue;
		}
		struct cdsi_group *g = &d->groups[gi];
		for (xmlNode *a = c->children; a; a = a->next) {
			if (!is(a, "antigen"))
				continue;
			text(a, buf, sizeof buf);
			int ai = cdsi_data_antigen_index(d, buf);
			if (ai < 0) {
				fail(&ld, "antigen (no AntigenSupportingData file for it)", buf);
				continue;
			}
			if (g->nantigens < 4)
				g->antigens[g->nantigens++] = ai;
		}
	}

	xmlNode *cmap = child(root, "cvxToAntigenMap");
	d->cvx = xcalloc(count_children(cmap, "cvxMap"), sizeof *d->cvx);
	for (xmlNode *c = cmap ? cmap->children : NULL; c; c = c->next) {
		if (!is(c, "cvxMap"))
			continue;
		struct cdsi_cvx_entry *e = &d->cvx[d->ncvx++];
		e->cvx = xint(&ld, c, "cvx", -1);
		ctext(c, "shortDescription", e->description, sizeof e->description);
		e->assoc = xcalloc(count_children(c, "association"), sizeof *e->assoc);
		for (xmlNode *a = c->children; a; a = a->next) {
			if (!is(a, "association"))
				continue;
			ctext(a, "antigen", buf, sizeof buf);
			int ai = cdsi_data_antigen_index(d, buf);
			if (ai < 0)
				continue; /* an antigen CDC maps but does not define yet */
			struct cdsi_assoc *as = &e->assoc[e->nassoc++];
			as->antigen = ai;
			as->begin_age = span(&ld, a, "associationBeginAge");
			as->end_age = span(&ld, a, "associationEndAge");
		}
	}
	qsort(d->cvx, d->ncvx, sizeof *d->cvx, cmp_cvx);

	xmlNode *obs = child(root, "observations");
	d->observations = xcalloc(count_children(obs, "observation"), sizeof *d->observations);
	for (xmlNode *c = obs ? obs->children : NULL; c; c = c->next) {
		if (!is(c, "observation"))
			continue;
		struct cdsi_observation *o = &d->observations[d->nobservations++];
		ctext(c, "observationCode", o->code, sizeof o->code);
		ctext(c, "observationTitle", o->title, sizeof o->title);
	}
	if (!ld.failed && (d->ngroups == 0 || d->ncvx == 0)) {
		error_set(err, "CDSI-DATA", "%s: no vaccine groups or CVX map", path);
		ld.failed = true;
	}
	xmlFreeDoc(doc);
	return !ld.failed;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct cdsi_data *cdsi_data_load(const char *dir, struct vax_error *err)
{
	DIR *dh = opendir(dir);
	if (!dh) {
		error_set(err, "CDSI-DATA-MISSING",
		          "%s: CDSi supporting data directory cannot be "
		          "opened; install it or set VAXDESK_DATADIR",
		          dir);
		return NULL;
	}
	/* read in name order so results never depend on directory order */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "AntigenSupportingData", 21) != 0 || l < 4 ||
		    strcmp(de->d_name + l - 4, ".xml") != 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				abort();
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof *names, cmp_str);

	struct cdsi_data *d = xcalloc(1, sizeof *d);
	bool ok = true;
	if (n == 0) {
		error_set(err, "CDSI-DATA-MISSING", "%s: no AntigenSupportingData*.xml files", dir);
		ok = false;
	}
	d->antigens = xcalloc(n, sizeof *d->antigens);
	char path[4096];
	uint64_t hash = 14695981039346656037u;
	for (size_t i = 0; ok && i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		ok = load_antigen(path, &d->antigens[d->nantigens++], &hash, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (ok) {
		snprintf(path, sizeof path, "%s/ScheduleSupportingData.xml", dir);
		ok = load_schedule(path, d, &hash, err);
	}
	/* the engine's release and the data it was given: two ends that say
	 * the same evaluate the same history alike */
	snprintf(d->rules, sizeof d->rules, "vaxdesk-cdsi/%s+%016llx", PACKAGE_VERSION,
	         (unsigned long long)hash);
	if (!ok) {
		cdsi_data_free(d);
		return NULL;
	}
	return d;
}

static void free_series(struct cdsi_series *s)
{
	for (size_t i = 0; i < s->ndoses; i++) {
		struct cdsi_series_dose *sd = &s->doses[i];
		for (size_t k = 0; k < sd->nintervals; k++)
			free(sd->intervals[k].from_most_recent.cvx);
		for (size_t k = 0; k < sd->nallow_intervals; k++)
			free(sd->allow_intervals[k].from_most_recent.cvx);
		for (size_t k = 0; k < sd->nskips; k++) {
			for (size_t m = 0; m < sd->skips[k].nsets; m++) {
				for (size_t c = 0; c < sd->skips[k].sets[m].nconds; c++)
					free(sd->skips[k].sets[m].conds[c].vaccines.cvx);
				free(sd->skips[k].sets[m].conds);
			}
			free(sd->skips[k].sets);
		}
		free(sd->ages);
		free(sd->intervals);
		free(sd->allow_intervals);
		free(sd->preferable);
		free(sd->allowable);
		free(sd->inadvertent.cvx);
		free(sd->skips);
	}
	free(s->doses);
	free(s->indications);
}

void cdsi_data_free(struct cdsi_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nantigens; i++) {
		struct cdsi_antigen *a = &d->antigens[i];
		for (size_t k = 0; k < a->nseries; k++)
			free_series(&a->series[k]);
		free(a->series);
		for (size_t k = 0; k < a->ncontra; k++) {
			free(a->contra[k].vaccines.cvx);
			free(a->contra[k].vaccine_begin);
			free(a->contra[k].vaccine_end);
		}
		free(a->contra);
	}
	free(d->antigens);
	free(d->conflicts);
	for (size_t i = 0; i < d->ncvx; i++)
		free(d->cvx[i].assoc);
	free(d->cvx);
	free(d->groups);
	free(d->observations);
	free(d);
}

const char *cdsi_data_rules(const struct cdsi_data *d)
{
	return d->rules;
}

char *cdsi_data_dir(char *buf, size_t len)
{
	const char *base = getenv("VAXDESK_DATADIR");
	snprintf(buf, len, "%s/cdsi", base && *base ? base : VAX_DATADIR);
	return buf;
}

const struct cdsi_cvx_entry *cdsi_data_cvx(const struct cdsi_data *d, int cvx)
{
	struct cdsi_cvx_entry key = {.cvx = cvx};
	return bsearch(&key, d->cvx, d->ncvx, sizeof key, cmp_cvx);
}

size_t cdsi_group_count(const struct cdsi_data *d)
{
	return d->ngroups;
}

const char *cdsi_group_name(const struct cdsi_data *d, size_t i)
{
	return i < d->ngroups ? d->groups[i].name : NULL;
}

int cdsi_group_find(const struct cdsi_data *d, const char *name)
{
	for (size_t i = 0; i < d->ngroups; i++)
		if (strcasecmp(d->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *cdsi_cvx_description(const struct cdsi_data *d, int cvx)
{
	const struct cdsi_cvx_entry *e = cdsi_data_cvx(d, cvx);
	return e ? e->description : NULL;
}

bool cdsi_group_vaccine(const struct cdsi_data *d, size_t group, int cvx, int dose)
{
	if (group >= d->ngroups)
		return false;
	const struct cdsi_group *g = &d->groups[group];
	/* the first antigen decides: a vaccine for a group carries each of them */
	for (size_t a = 0; a < g->nantigens && a < 1; a++) {
		const struct cdsi_antigen *ag = &d->antigens[g->antigens[a]];
		for (size_t s = 0; s < ag->nseries; s++)
			for (size_t k = 0; k < ag->series[s].ndoses; k++) {
				const struct cdsi_series_dose *sd = &ag->series[s].doses[k];
				if (dose > 0 && sd->number != dose)
					continue;
				for (size_t p = 0; p < sd->npreferable; p++)
					if (sd->preferable[p].cvx == cvx)
						return true;
			}
	}
	return false;
}

const char *cdsi_observation_title(const struct cdsi_data *d, const char *code)
{
	for (size_t i = 0; i < d->nobservations; i++)
		if (strcmp(d->observations[i].code, code) == 0)
			return d->observations[i].title;
	return NULL;
}
