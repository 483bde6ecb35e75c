/* core/fhir.c - see fhir.h. The mapping itself is documented field by field
 * in doc/extensions.md; keep the two in step. */
#include "core/fhir.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/vocab.h"

#define EXT_RACE      "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
#define EXT_ETHNICITY "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity"
#define EXT_MAIDEN    "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName"
#define SYS_RACE      "urn:oid:2.16.840.1.113883.6.238"
#define SYS_ORG       FHIR_CS "organization-code"
#define SYS_V3_ROLE   "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

/* ---- small helpers ------------------------------------------------------ */

static bool invalid(struct vax_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool invalid(struct vax_error *err, const char *path, const char *fmt, ...)
{
	char sentence[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sentence, sizeof sentence, fmt, ap);
	va_end(ap);
	return error_set(err, "FHIR-INVALID", "%s: %s", path, sentence);
}

/* Copy at most n-1 bytes, never splitting a UTF-8 sequence. */
static void scopy(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/* A string member: absent or null leaves dst "" and succeeds; any other
 * type, an empty string or one too long for the field is an error. */
static bool get_str(const cJSON *o, const char *key, const char *path, char *dst, size_t n,
                    struct vax_error *err)
{
	dst[0] = '\0';
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return true;
	char p[160];
	snprintf(p, sizeof p, "%s.%s", path, key);
	if (!cJSON_IsString(v) || !v->valuestring)
		return invalid(err, p, "must be a string.");
	size_t len = strlen(v->valuestring);
	if (len >= n) {
		char lim[32];
		snprintf(lim, sizeof lim, "%zu", n - 1);
		return invalid(err, p, "is longer than the registry allows (%s bytes).", lim);
	}
	memcpy(dst, v->valuestring, len + 1);
	return true;
}

static bool get_date(const cJSON *o, const char *key, const char *path, vax_date *out, struct vax_error *err)
{
	*out = DATE_NONE;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return true;
	char p[160];
	snprintf(p, sizeof p, "%s.%s", path, key);
	if (!cJSON_IsString(v) || !v->valuestring)
		return invalid(err, p, "must be a date string (YYYY-MM-DD).");
	enum date_status st = date_parse_iso(v->valuestring, out);
	if (st != DATE_OK) {
		*out = DATE_NONE;
		return invalid(err, p, "%s", date_strerror(st));
	}
	return true;
}

static bool get_bool(const cJSON *o, const char *key, const char *path, bool *out, struct vax_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsBool(v)) {
		char p[160];
		snprintf(p, sizeof p, "%s.%s", path, key);
		return invalid(err, p, "must be true or false.");
	}
	*out = cJSON_IsTrue(v);
	return true;
}

/* An array member (absent = empty); anything else is an error. */
static bool get_array(const cJSON *o, const char *key, const char *path, const cJSON **out,
                      struct vax_error *err)
{
	*out = NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsArray(v)) {
		char p[160];
		snprintf(p, sizeof p, "%s.%s", path, key);
		return invalid(err, p, "must be a list.");
	}
	*out = v;
	return true;
}

static bool want_object(const cJSON *v, const char *path, struct vax_error *err)
{
	if (!cJSON_IsObject(v))
		return invalid(err, path, "must be an object.");
	return true;
}

static void put_str(cJSON *o, const char *key, const char *s)
{
	if (s && *s)
		cJSON_AddStringToObject(o, key, s);
}

static void put_date(cJSON *o, const char *key, vax_date d)
{
	char buf[DATE_ISO_LEN];
	if (d != DATE_NONE && *date_format_iso(d, buf))
		cJSON_AddStringToObject(o, key, buf);
}

cJSON *fhir_coding(const char *system, const char *code, const char *display)
{
	cJSON *c = cJSON_CreateObject();
	put_str(c, "system", system);
	put_str(c, "code", code);
	put_str(c, "display", display);
	return c;
}

static cJSON *codeable(const char *system, const char *code)
{
	cJSON *cc = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(cc, "coding");
	cJSON_AddItemToArray(arr, fhir_coding(system, code, NULL));
	return cc;
}

/* The code of the first coding of a CodeableConcept (with the given system
 * if system is not NULL). */
static bool get_code(const cJSON *o, const char *key, const char *path, const char *system, char *dst,
                     size_t n, struct vax_error *err)
{
	dst[0] = '\0';
	const cJSON *cc = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cc || cJSON_IsNull(cc))
		return true;
	char p[160];
	snprintf(p, sizeof p, "%s.%s", path, key);
	if (!want_object(cc, p, err))
		return false;
	const cJSON *arr;
	if (!get_array(cc, "coding", p, &arr, err))
		return false;
	const cJSON *c;
	cJSON_ArrayForEach(c, arr)
	{
		char cp[176];
		snprintf(cp, sizeof cp, "%s.coding", p);
		if (!want_object(c, cp, err))
			return false;
		char sys[256];
		if (!get_str(c, "system", cp, sys, sizeof sys, err))
			return false;
		if (system && strcmp(sys, system) != 0)
			continue;
		return get_str(c, "code", cp, dst, n, err);
	}
	return true;
}

static void add_ext(cJSON *exts, const char *url, const char *type, cJSON *value)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "url", url);
	cJSON_AddItemToObject(e, type, value);
	cJSON_AddItemToArray(exts, e);
}

static void add_ext_str(cJSON *exts, const char *name, const char *s)
{
	char url[160];
	if (!s || !*s)
		return;
	snprintf(url, sizeof url, FHIR_EXT "%s", name);
	add_ext(exts, url, "valueString", cJSON_CreateString(s));
}

static void add_ext_bool(cJSON *exts, const char *name, bool b)
{
	char url[160];
	snprintf(url, sizeof url, FHIR_EXT "%s", name);
	add_ext(exts, url, "valueBoolean", cJSON_CreateBool(b));
}

static void add_ext_date(cJSON *exts, const char *name, vax_date d)
{
	char url[160], buf[DATE_ISO_LEN];
	if (d == DATE_NONE || !*date_format_iso(d, buf))
		return;
	snprintf(url, sizeof url, FHIR_EXT "%s", name);
	add_ext(exts, url, "valueDate", cJSON_CreateString(buf));
}

/* Unix seconds <-> FHIR instant, without the C library's time zone state. */
static void format_instant(int64_t t, char *buf, size_t len)
{
	int64_t days = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int y, m, d;
	date_to_ymd((vax_date)days, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
	         (int)(rem % 60));
}

static bool parse_instant(const char *s, int64_t *out)
{
	vax_date d;
	int hh = 0, mm = 0, ss = 0;
	if (date_parse_iso(s, &d) != DATE_OK)
		return false;
	if (strlen(s) > 10) {
		char z[8] = "";
		if (sscanf(s + 10, "T%2d:%2d:%2d%7s", &hh, &mm, &ss, z) < 3 || hh > 23 || mm > 59 || ss > 60)
			return false;
	}
	*out = (int64_t)d * 86400 + hh * 3600 + mm * 60 + ss;
	return true;
}

static cJSON *capture_ext(const struct capture *cap)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "url", FHIR_EXT "capture");
	cJSON *sub = cJSON_AddArrayToObject(e, "extension");
	if (cap->user[0])
		add_ext(sub, "user", "valueString", cJSON_CreateString(cap->user));
	if (cap->org[0])
		add_ext(sub, "org", "valueString", cJSON_CreateString(cap->org));
	if (cap->workstation[0])
		add_ext(sub, "workstation", "valueString", cJSON_CreateString(cap->workstation));
	if (cap->at) {
		char buf[32];
		format_instant(cap->at, buf, sizeof buf);
		add_ext(sub, "at", "valueInstant", cJSON_CreateString(buf));
	}
	return e;
}

static bool capture_empty(const struct capture *cap)
{
	return !cap->user[0] && !cap->org[0] && !cap->workstation[0] && !cap->at;
}

static bool read_capture(const cJSON *e, const char *path, struct capture *cap, struct vax_error *err)
{
	const cJSON *sub, *x;
	if (!get_array(e, "extension", path, &sub, err))
		return false;
	cJSON_ArrayForEach(x, sub)
	{
		if (!want_object(x, path, err))
			return false;
		char url[32];
		if (!get_str(x, "url", path, url, sizeof url, err))
			return false;
		if (!strcmp(url, "user")) {
			if (!get_str(x, "valueString", path, cap->user, sizeof cap->user, err))
				return false;
		} else if (!strcmp(url, "org")) {
			if (!get_str(x, "valueString", path, cap->org, sizeof cap->org, err))
				return false;
		} else if (!strcmp(url, "workstation")) {
			if (!get_str(x, "valueString", path, cap->workstation, sizeof cap->workstation, err))
				return false;
		} else if (!strcmp(url, "at")) {
			char buf[40];
			if (!get_str(x, "valueInstant", path, buf, sizeof buf, err))
				return false;
			if (buf[0] && !parse_instant(buf, &cap->at))
				return invalid(err, path, "'at' is not an instant (YYYY-MM-DDThh:mm:ssZ).");
		}
	}
	return true;
}

/* The project extension name of an extension url, or NULL if it is not ours. */
static const char *our_ext(const char *url)
{
	size_t n = strlen(FHIR_EXT);
	return strncmp(url, FHIR_EXT, n) == 0 ? url + n : NULL;
}

static const char *jstring(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool check_type(const cJSON *j, const char *type, struct vax_error *err)
{
	if (!cJSON_IsObject(j))
		return invalid(err, type, "the body is not a JSON object.");
	const char *rt = jstring(j, "resourceType");
	if (!rt || strcmp(rt, type) != 0) {
		char p[64];
		snprintf(p, sizeof p, "%s.resourceType", type);
		return invalid(err, p, "must be \"%s\".", type);
	}
	return true;
}

static bool read_meta(const cJSON *j, const char *path, char *id, size_t idn, char *ver, size_t vn,
                      struct vax_error *err)
{
	if (!get_str(j, "id", path, id, idn, err))
		return false;
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	ver[0] = '\0';
	if (meta && !cJSON_IsNull(meta)) {
		char p[64];
		snprintf(p, sizeof p, "%s.meta", path);
		if (!want_object(meta, p, err) || !get_str(meta, "versionId", p, ver, vn, err))
			return false;
	}
	return true;
}

static void write_meta(cJSON *j, const char *id, const char *ver)
{
	put_str(j, "id", id);
	if (ver && *ver) {
		cJSON *meta = cJSON_AddObjectToObject(j, "meta");
		cJSON_AddStringToObject(meta, "versionId", ver);
	}
}

static void put_uuid_ident(cJSON *idents, const char *uuid)
{
	char buf[64];
	if (!uuid || !*uuid)
		return;
	cJSON *i = cJSON_CreateObject();
	cJSON_AddStringToObject(i, "system", FHIR_SYS_UUID);
	snprintf(buf, sizeof buf, "urn:uuid:%s", uuid);
	cJSON_AddStringToObject(i, "value", buf);
	cJSON_AddItemToArray(idents, i);
}

/* A value "urn:uuid:<36>" -> the uuid; false if it is not one. */
static bool take_uuid(const char *v, char out[VAX_UUID_LEN])
{
	if (strncmp(v, "urn:uuid:", 9) != 0 || strlen(v + 9) != 36)
		return false;
	for (const char *p = v + 9; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != '-')
			return false;
	memcpy(out, v + 9, 37);
	return true;
}

/* ---- names, addresses, telecom ---------------------------------------- */

static cJSON *name_json(const struct person_name *n, const char *use)
{
	cJSON *o = cJSON_CreateObject();
	put_str(o, "use", use);
	put_str(o, "family", n->family);
	if (n->given[0] || n->middle[0]) {
		cJSON *g = cJSON_AddArrayToObject(o, "given");
		if (n->given[0])
			cJSON_AddItemToArray(g, cJSON_CreateString(n->given));
		if (n->middle[0])
			cJSON_AddItemToArray(g, cJSON_CreateString(n->middle));
	}
	if (n->suffix[0]) {
		cJSON *s = cJSON_AddArrayToObject(o, "suffix");
		cJSON_AddItemToArray(s, cJSON_CreateString(n->suffix));
	}
	return o;
}

static bool read_name(const cJSON *o, const char *path, struct person_name *n, struct vax_error *err)
{
	memset(n, 0, sizeof *n);
	if (!want_object(o, path, err) || !get_str(o, "family", path, n->family, sizeof n->family, err))
		return false;
	const cJSON *given, *suffix, *g;
	if (!get_array(o, "given", path, &given, err) || !get_array(o, "suffix", path, &suffix, err))
		return false;
	char p[160];
	snprintf(p, sizeof p, "%s.given", path);
	int i = 0;
	cJSON_ArrayForEach(g, given)
	{
		if (!cJSON_IsString(g))
			return invalid(err, p, "must be a list of strings.");
		if (i == 0) {
			if (strlen(g->valuestring) >= sizeof n->given)
				return invalid(err, p, "is longer than the registry allows.");
			scopy(n->given, sizeof n->given, g->valuestring);
		} else {
			/* further given names are middle names, space separated */
			size_t have = strlen(n->middle);
			if (have + 1 + strlen(g->valuestring) >= sizeof n->middle)
				return invalid(err, p, "is longer than the registry allows.");
			if (have)
				strcat(n->middle, " ");
			strcat(n->middle, g->valuestring);
		}
		i++;
	}
	const cJSON *s = suffix ? suffix->child : NULL;
	if (s) {
		snprintf(p, sizeof p, "%s.suffix", path);
		if (!cJSON_IsString(s))
			return invalid(err, p, "must be a list of strings.");
		if (strlen(s->valuestring) >= sizeof n->suffix)
			return invalid(err, p, "is longer than the registry allows.");
		scopy(n->suffix, sizeof n->suffix, s->valuestring);
	}
	return true;
}

static cJSON *address_json(const struct address *a, const char *use)
{
	cJSON *o = cJSON_CreateObject();
	put_str(o, "use", use);
	if (a->line1[0] || a->line2[0]) {
		cJSON *l = cJSON_AddArrayToObject(o, "line");
		if (a->line1[0])
			cJSON_AddItemToArray(l, cJSON_CreateString(a->line1));
		if (a->line2[0])
			cJSON_AddItemToArray(l, cJSON_CreateString(a->line2));
	}
	put_str(o, "city", a->city);
	put_str(o, "district", a->county);
	put_str(o, "state", a->state);
	put_str(o, "postalCode", a->zip);
	if (a->since != DATE_NONE) {
		cJSON *p = cJSON_AddObjectToObject(o, "period");
		put_date(p, "start", a->since);
	}
	if (!capture_empty(&a->entered)) {
		cJSON *e = cJSON_AddArrayToObject(o, "extension");
		cJSON_AddItemToArray(e, capture_ext(&a->entered));
	}
	return o;
}

static bool read_address(const cJSON *o, const char *path, struct address *a, struct vax_error *err)
{
	memset(a, 0, sizeof *a);
	a->since = DATE_NONE;
	if (!want_object(o, path, err))
		return false;
	const cJSON *lines, *l, *exts, *x;
	if (!get_array(o, "line", path, &lines, err))
		return false;
	char p[160];
	snprintf(p, sizeof p, "%s.line", path);
	int i = 0;
	cJSON_ArrayForEach(l, lines)
	{
		if (!cJSON_IsString(l))
			return invalid(err, p, "must be a list of strings.");
		char *dst = i == 0 ? a->line1 : a->line2;
		if (i > 1 || strlen(l->valuestring) >= sizeof a->line1)
			return invalid(err, p, "has more or longer lines than the registry keeps (2 lines).");
		scopy(dst, sizeof a->line1, l->valuestring);
		i++;
	}
	if (!get_str(o, "city", path, a->city, sizeof a->city, err) ||
	    !get_str(o, "district", path, a->county, sizeof a->county, err) ||
	    !get_str(o, "state", path, a->state, sizeof a->state, err) ||
	    !get_str(o, "postalCode", path, a->zip, sizeof a->zip, err))
		return false;
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(o, "period");
	if (period) {
		snprintf(p, sizeof p, "%s.period", path);
		if (!want_object(period, p, err) || !get_date(period, "start", p, &a->since, err))
			return false;
	}
	if (!get_array(o, "extension", path, &exts, err))
		return false;
	cJSON_ArrayForEach(x, exts)
	{
		const char *url = jstring(x, "url");
		if (url && !strcmp(url, FHIR_EXT "capture") && !read_capture(x, path, &a->entered, err))
			return false;
	}
	return true;
}

static const char *phone_use_str(enum phone_use u)
{
	return u == PHONE_MOBILE ? "mobile" : u == PHONE_WORK ? "work" : "home";
}

static cJSON *phone_json(const struct phone *ph)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "system", "phone");
	put_str(t, "value", ph->number);
	cJSON_AddStringToObject(t, "use", phone_use_str(ph->use));
	return t;
}

static bool read_phone(const cJSON *t, const char *path, struct phone *ph, struct vax_error *err)
{
	char use[16];
	memset(ph, 0, sizeof *ph);
	if (!get_str(t, "value", path, ph->number, sizeof ph->number, err) ||
	    !get_str(t, "use", path, use, sizeof use, err))
		return false;
	ph->use = !strcmp(use, "mobile") ? PHONE_MOBILE : !strcmp(use, "work") ? PHONE_WORK : PHONE_HOME;
	return true;
}

/* ---- Patient ----------------------------------------------------------- */

static const char *gender_str(enum sex s)
{
	switch (s) {
	case SEX_FEMALE:
		return "female";
	case SEX_MALE:
		return "male";
	case SEX_NONBINARY:
		return "other";
	default:
		return "unknown";
	}
}

static const char *org_status_str[] = {"active", "inactive", "moved", "lost", "deceased"};
static const char *comment_kind_str[] = {"reaction", "immunity", "contraindication", "other"};

static int index_of(const char *s, const char **tab, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, tab[i]))
			return i;
	return -1;
}

/* US Core race and ethnicity: the OMB categories (and "unknown" /
 * "asked, declined" from v3 NullFlavor) go in ombCategory, any other CDC
 * race and ethnicity code in detailed, the words in text. */
#define SYS_NULLFLAVOR "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
static bool omb_category(const char *code, bool ethnicity)
{
	static const char *race[] = {"1002-5", "2028-9", "2054-5", "2076-8", "2106-3"};
	static const char *eth[] = {"2135-2", "2186-5"};
	const char **l = ethnicity ? eth : race;
	size_t n = ethnicity ? 2 : 5;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(code, l[i]))
			return true;
	return false;
}

static bool read_race(const cJSON *x, struct client *c, bool ethnicity, struct vax_error *err)
{
	const char *path = ethnicity ? "Patient.extension(ethnicity)" : "Patient.extension(race)";
	const cJSON *sub, *s;
	if (!get_array(x, "extension", path, &sub, err))
		return false;
	cJSON_ArrayForEach(s, sub)
	{
		const char *url = jstring(s, "url");
		bool omb = url && !strcmp(url, "ombCategory");
		if (!url || (!omb && strcmp(url, "detailed") != 0))
			continue;
		const cJSON *vc = cJSON_GetObjectItemCaseSensitive(s, "valueCoding");
		char code[16], sys[80] = "";
		if (!vc || !want_object(vc, path, err) ||
		    !get_str(vc, "code", path, code, sizeof code, err) ||
		    !get_str(vc, "system", path, sys, sizeof sys, err))
			return vc ? false : invalid(err, path, "%s needs a valueCoding.", url);
		bool null_flavor =
		    !strcmp(sys, SYS_NULLFLAVOR) && (!strcmp(code, "UNK") || !strcmp(code, "ASKU"));
		/* an OMB category is one of the five (two) or unknown/declined;
		 * any other CDC code is a detailed one, never a category */
		if (omb && !null_flavor && (strcmp(sys, SYS_RACE) || !omb_category(code, ethnicity)))
			return invalid(
			    err, path,
			    "ombCategory takes the OMB %s categories only (system %s, or UNK/ASKU of "
			    "%s); '%s' goes in detailed.",
			    ethnicity ? "ethnicity" : "race", SYS_RACE, SYS_NULLFLAVOR, code);
		if (!omb && strcmp(sys, SYS_RACE))
			return invalid(err, path, "detailed codes are CDC race and ethnicity codes (%s).",
			               SYS_RACE);
		if (strlen(code) >= 8)
			return invalid(err, path, "race/ethnicity code '%s' is too long.", code);
		/* the registry keeps the OMB categories and the detailed codes its
		 * forms offer ("Other race"); any other CDC code ("2108-9") stays in
		 * the record as sent, shaped like CDC's codes */
		if (!omb && !vocab_find(ethnicity ? VOCAB_ETHNICITY : VOCAB_RACE, code)) {
			if (strlen(code) != 6 || strspn(code, "0123456789") != 4 || code[4] != '-' ||
			    !isdigit((unsigned char)code[5]))
				return invalid(err, path,
				               "'%s' is not a CDC race and ethnicity code (NNNN-N).", code);
			continue;
		}
		if (ethnicity) {
			scopy(c->ethnicity, sizeof c->ethnicity, code);
		} else {
			if (c->n_race >= CLIENT_RACE_MAX)
				return invalid(err, path,
				               "has more race categories than the registry keeps.");
			scopy(c->race[c->n_race++], 8, code);
		}
	}
	return true;
}

static bool read_comment(const cJSON *x, struct client *c, struct vax_error *err)
{
	const char *path = "Patient.extension(comment)";
	if (c->n_comment >= CLIENT_COMMENT_MAX)
		return invalid(err, path, "has more comments than the registry keeps.");
	struct client_comment *cm = &c->comment[c->n_comment];
	memset(cm, 0, sizeof *cm);
	cm->begin = cm->end = DATE_NONE;
	const cJSON *sub, *s;
	if (!get_array(x, "extension", path, &sub, err))
		return false;
	cJSON_ArrayForEach(s, sub)
	{
		const char *url = jstring(s, "url");
		if (!url)
			continue;
		if (!strcmp(url, "kind")) {
			char k[24];
			if (!get_str(s, "valueCode", path, k, sizeof k, err))
				return false;
			int i = index_of(k, comment_kind_str, 4);
			if (i < 0)
				return invalid(
				    err, path,
				    "kind '%s' is not reaction, immunity, contraindication or other.", k);
			cm->kind = (enum comment_kind)i;
		} else if (!strcmp(url, "code")) {
			if (!get_str(s, "valueCode", path, cm->code, sizeof cm->code, err))
				return false;
		} else if (!strcmp(url, "text")) {
			if (!get_str(s, "valueString", path, cm->text, sizeof cm->text, err))
				return false;
		} else if (!strcmp(url, "begin")) {
			if (!get_date(s, "valueDate", path, &cm->begin, err))
				return false;
		} else if (!strcmp(url, "end")) {
			if (!get_date(s, "valueDate", path, &cm->end, err))
				return false;
		}
	}
	c->n_comment++;
	return true;
}

static bool read_patient_ext(const cJSON *x, struct client *c, struct vax_error *err)
{
	const char *path = "Patient.extension";
	if (!want_object(x, path, err))
		return false;
	const char *url = jstring(x, "url");
	if (!url)
		return invalid(err, path, "every extension needs a url.");
	if (!strcmp(url, EXT_RACE))
		return read_race(x, c, false, err);
	if (!strcmp(url, EXT_ETHNICITY))
		return read_race(x, c, true, err);
	if (!strcmp(url, EXT_MAIDEN))
		return get_str(x, "valueString", path, c->mother_maiden, sizeof c->mother_maiden, err);
	const char *n = our_ext(url);
	if (!n)
		return true; /* someone else's: ignored, as FHIR allows */
	char p[160];
	snprintf(p, sizeof p, "Patient.extension(%s)", n);
	if (!strcmp(n, "mother-given"))
		return get_str(x, "valueString", p, c->mother_given, sizeof c->mother_given, err);
	if (!strcmp(n, "org-status")) {
		char s[16];
		if (!get_str(x, "valueCode", p, s, sizeof s, err))
			return false;
		int i = index_of(s, org_status_str, 5);
		if (i < 0)
			return invalid(err, p, "'%s' is not active, inactive, moved, lost or deceased.", s);
		c->org_status = (enum org_status)i;
		return true;
	}
	if (!strcmp(n, "org-status-reason"))
		return get_str(x, "valueString", p, c->org_status_reason, sizeof c->org_status_reason, err);
	if (!strcmp(n, "primary-provider"))
		return get_str(x, "valueString", p, c->primary_provider, sizeof c->primary_provider, err);
	if (!strcmp(n, "tracking-schedule"))
		return get_str(x, "valueString", p, c->tracking_schedule, sizeof c->tracking_schedule, err);
	if (!strcmp(n, "reminder-recall"))
		return get_bool(x, "valueBoolean", p, &c->reminder_recall, err);
	if (!strcmp(n, "last-notice"))
		return get_date(x, "valueDate", p, &c->last_notice, err);
	if (!strcmp(n, "no-viable-address"))
		return get_bool(x, "valueBoolean", p, &c->no_viable_address, err);
	if (!strcmp(n, "vital-records-lock"))
		return get_bool(x, "valueBoolean", p, &c->vital_records_lock, err);
	if (!strcmp(n, "note"))
		return get_str(x, "valueString", p, c->note, sizeof c->note, err);
	if (!strcmp(n, "comment"))
		return read_comment(x, c, err);
	if (!strcmp(n, "capture"))
		return read_capture(x, p, &c->capture, err);
	return true;
}

bool fhir_patient_from_json(const cJSON *j, struct client *c, struct vax_error *err)
{
	client_init(c);
	if (!check_type(j, "Patient", err))
		return false;
	if (!read_meta(j, "Patient", c->id, sizeof c->id, c->version, sizeof c->version, err))
		return false;

	const cJSON *arr, *x;
	if (!get_array(j, "identifier", "Patient", &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		const char *p = "Patient.identifier";
		char sys[VAX_NAME_LEN], val[VAX_NAME_LEN];
		if (!want_object(x, p, err) || !get_str(x, "system", p, sys, sizeof sys, err) ||
		    !get_str(x, "value", p, val, sizeof val, err))
			return false;
		if (!strcmp(sys, FHIR_SYS_UUID)) {
			if (!take_uuid(val, c->uuid))
				return invalid(
				    err, p, "a urn:ietf:rfc:3986 identifier must be urn:uuid: and a UUID.");
			continue;
		}
		if (c->n_ident >= CLIENT_IDENT_MAX)
			return invalid(err, p, "has more identifiers than the registry keeps.");
		struct identifier *id = &c->ident[c->n_ident];
		if (!val[0])
			return invalid(err, "Patient.identifier.value", "an identifier needs a value.");
		if (strlen(val) >= sizeof id->value)
			return invalid(err, "Patient.identifier.value",
			               "is longer than the registry allows.");
		scopy(id->system, sizeof id->system, sys);
		scopy(id->value, sizeof id->value, val);
		if (!get_code(x, "type", p, NULL, id->type, sizeof id->type, err))
			return false;
		c->n_ident++;
	}

	if (!get_array(j, "name", "Patient", &arr, err))
		return false;
	/* the client's name is the official one, else the first that is not a
	 * former name or nickname; every other name is an AKA */
	int main_i = -1, i = 0, fallback = -1;
	cJSON_ArrayForEach(x, arr)
	{
		const char *use = jstring(x, "use");
		if (use && !strcmp(use, "official") && main_i < 0)
			main_i = i;
		if (fallback < 0 && (!use || !strcmp(use, "usual") || !strcmp(use, "temp")))
			fallback = i;
		i++;
	}
	if (main_i < 0)
		main_i = fallback >= 0 ? fallback : 0;
	i = 0;
	cJSON_ArrayForEach(x, arr)
	{
		struct person_name n;
		if (!read_name(x, "Patient.name", &n, err))
			return false;
		if (i++ == main_i)
			c->name = n;
		else if (!client_add_aka(c, &n))
			return invalid(err, "Patient.name", "has more names than the registry keeps.");
	}

	char g[16];
	if (!get_str(j, "gender", "Patient", g, sizeof g, err))
		return false;
	if (!strcmp(g, "female"))
		c->sex = SEX_FEMALE;
	else if (!strcmp(g, "male"))
		c->sex = SEX_MALE;
	else if (!strcmp(g, "other"))
		c->sex = SEX_NONBINARY;
	else if (!strcmp(g, "unknown"))
		c->sex = SEX_UNKNOWN;
	else if (!g[0])
		c->sex = SEX_NONE;
	else
		return invalid(err, "Patient.gender", "'%s' is not female, male, other or unknown.", g);

	if (!get_date(j, "birthDate", "Patient", &c->dob, err))
		return false;
	if (!get_bool(j, "deceasedBoolean", "Patient", &c->deceased, err))
		return false;
	if (cJSON_GetObjectItemCaseSensitive(j, "deceasedDateTime"))
		c->deceased = true;
	const cJSON *mb = cJSON_GetObjectItemCaseSensitive(j, "multipleBirthInteger");
	if (mb) {
		if (!cJSON_IsNumber(mb) || mb->valuedouble < 0 || mb->valuedouble > 20 ||
		    mb->valuedouble != floor(mb->valuedouble))
			return invalid(err, "Patient.multipleBirthInteger",
			               "must be a birth order from 1 to 20.");
		c->multiple_birth = (int)mb->valuedouble;
	}

	if (!get_array(j, "address", "Patient", &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		if (c->n_addr >= CLIENT_ADDR_MAX)
			return invalid(err, "Patient.address", "has more addresses than the registry keeps.");
		if (!read_address(x, "Patient.address", &c->addr[c->n_addr], err))
			return false;
		c->n_addr++;
	}

	if (!get_array(j, "telecom", "Patient", &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		char sys[16];
		if (!want_object(x, "Patient.telecom", err) ||
		    !get_str(x, "system", "Patient.telecom", sys, sizeof sys, err))
			return false;
		if (!strcmp(sys, "email")) {
			if (!get_str(x, "value", "Patient.telecom", c->email, sizeof c->email, err))
				return false;
		} else if (!strcmp(sys, "phone")) {
			if (c->n_phone >= CLIENT_PHONE_MAX)
				return invalid(err, "Patient.telecom",
				               "has more phone numbers than the registry keeps.");
			if (!read_phone(x, "Patient.telecom", &c->phone[c->n_phone], err))
				return false;
			c->n_phone++;
		}
	}

	if (!get_array(j, "extension", "Patient", &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr) if (!read_patient_ext(x, c, err)) return false;
	return true;
}

static cJSON *race_ext(const char *url, const char *codes[], int n, bool ethnicity)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "url", url);
	cJSON *sub = cJSON_AddArrayToObject(e, "extension");
	char text[256] = "";
	for (int i = 0; i < n; i++) {
		bool unknown = !strcmp(codes[i], "UNK") || !strcmp(codes[i], "ASKU");
		cJSON *cd = fhir_coding(unknown ? SYS_NULLFLAVOR : SYS_RACE, codes[i], NULL);
		const char *words = unknown ? (!strcmp(codes[i], "UNK") ? "Unknown" : "Asked but no answer")
		                            : vocab_label(ethnicity ? VOCAB_ETHNICITY : VOCAB_RACE, codes[i]);
		if (words && *words)
			cJSON_AddStringToObject(cd, "display", words);
		add_ext(sub, unknown || omb_category(codes[i], ethnicity) ? "ombCategory" : "detailed",
		        "valueCoding", cd);
		size_t o = strlen(text);
		snprintf(text + o, sizeof text - o, "%s%s", o ? ", " : "",
		         words && *words ? words : codes[i]);
	}
	add_ext(sub, "text", "valueString", cJSON_CreateString(text));
	return e;
}

cJSON *fhir_patient_to_json(const struct client *c)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Patient");
	write_meta(j, c->id, c->version);

	cJSON *ids = cJSON_CreateArray();
	put_uuid_ident(ids, c->uuid);
	for (int i = 0; i < c->n_ident; i++) {
		const struct identifier *id = &c->ident[i];
		cJSON *o = cJSON_CreateObject();
		if (id->type[0])
			cJSON_AddItemToObject(o, "type", codeable(FHIR_SYS_V2_0203, id->type));
		put_str(o, "system", id->system);
		put_str(o, "value", id->value);
		cJSON_AddItemToArray(ids, o);
	}
	if (cJSON_GetArraySize(ids))
		cJSON_AddItemToObject(j, "identifier", ids);
	else
		cJSON_Delete(ids);

	cJSON *names = cJSON_AddArrayToObject(j, "name");
	cJSON_AddItemToArray(names, name_json(&c->name, "official"));
	for (int i = 0; i < c->n_aka; i++)
		cJSON_AddItemToArray(names, name_json(&c->aka[i], "old"));

	cJSON *tel = cJSON_CreateArray();
	for (int i = 0; i < c->n_phone; i++)
		cJSON_AddItemToArray(tel, phone_json(&c->phone[i]));
	if (c->email[0]) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "system", "email");
		cJSON_AddStringToObject(t, "value", c->email);
		cJSON_AddItemToArray(tel, t);
	}
	if (cJSON_GetArraySize(tel))
		cJSON_AddItemToObject(j, "telecom", tel);
	else
		cJSON_Delete(tel);

	if (c->sex != SEX_NONE)
		cJSON_AddStringToObject(j, "gender", gender_str(c->sex));
	put_date(j, "birthDate", c->dob);
	if (c->deceased)
		cJSON_AddBoolToObject(j, "deceasedBoolean", true);
	if (c->multiple_birth)
		cJSON_AddNumberToObject(j, "multipleBirthInteger", c->multiple_birth);
	if (c->n_addr) {
		cJSON *addrs = cJSON_AddArrayToObject(j, "address");
		for (int i = 0; i < c->n_addr; i++)
			cJSON_AddItemToArray(addrs, address_json(&c->addr[i], i == 0 ? "home" : "old"));
	}

	cJSON *ext = cJSON_CreateArray();
	if (c->n_race) {
		const char *codes[CLIENT_RACE_MAX];
		for (int i = 0; i < c->n_race; i++)
			codes[i] = c->race[i];
		cJSON_AddItemToArray(ext, race_ext(EXT_RACE, codes, c->n_race, false));
	}
	if (c->ethnicity[0]) {
		const char *codes[1] = {c->ethnicity};
		cJSON_AddItemToArray(ext, race_ext(EXT_ETHNICITY, codes, 1, true));
	}
	if (c->mother_maiden[0])
		add_ext(ext, EXT_MAIDEN, "valueString", cJSON_CreateString(c->mother_maiden));
	add_ext_str(ext, "mother-given", c->mother_given);
	{
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", FHIR_EXT "org-status");
		cJSON_AddStringToObject(
		    e, "valueCode", org_status_str[c->org_status <= ORG_STATUS_DECEASED ? c->org_status : 0]);
		cJSON_AddItemToArray(ext, e);
	}
	add_ext_str(ext, "org-status-reason", c->org_status_reason);
	add_ext_str(ext, "primary-provider", c->primary_provider);
	add_ext_str(ext, "tracking-schedule", c->tracking_schedule);
	add_ext_bool(ext, "reminder-recall", c->reminder_recall);
	add_ext_date(ext, "last-notice", c->last_notice);
	if (c->no_viable_address)
		add_ext_bool(ext, "no-viable-address", true);
	if (c->vital_records_lock)
		add_ext_bool(ext, "vital-records-lock", true);
	add_ext_str(ext, "note", c->note);
	for (int i = 0; i < c->n_comment; i++) {
		const struct client_comment *cm = &c->comment[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", FHIR_EXT "comment");
		cJSON *sub = cJSON_AddArrayToObject(e, "extension");
		add_ext(sub, "kind", "valueCode",
		        cJSON_CreateString(comment_kind_str[cm->kind <= COMMENT_OTHER ? cm->kind : 3]));
		if (cm->code[0])
			add_ext(sub, "code", "valueCode", cJSON_CreateString(cm->code));
		if (cm->text[0])
			add_ext(sub, "text", "valueString", cJSON_CreateString(cm->text));
		char buf[DATE_ISO_LEN];
		if (cm->begin != DATE_NONE && *date_format_iso(cm->begin, buf))
			add_ext(sub, "begin", "valueDate", cJSON_CreateString(buf));
		if (cm->end != DATE_NONE && *date_format_iso(cm->end, buf))
			add_ext(sub, "end", "valueDate", cJSON_CreateString(buf));
		cJSON_AddItemToArray(ext, e);
	}
	if (!capture_empty(&c->capture))
		cJSON_AddItemToArray(ext, capture_ext(&c->capture));
	cJSON_AddItemToObject(j, "extension", ext);
	return j;
}

/* ---- Immunization ------------------------------------------------------ */

static bool read_reference(const cJSON *o, const char *key, const char *path, char *ref, size_t refn,
                           char *ident_uuid, struct vax_error *err)
{
	ref[0] = '\0';
	if (ident_uuid)
		ident_uuid[0] = '\0';
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!r || cJSON_IsNull(r))
		return true;
	char p[160];
	snprintf(p, sizeof p, "%s.%s", path, key);
	if (!want_object(r, p, err) || !get_str(r, "reference", p, ref, refn, err))
		return false;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "identifier");
	if (id && ident_uuid) {
		char sys[64], val[64];
		if (!want_object(id, p, err) || !get_str(id, "system", p, sys, sizeof sys, err) ||
		    !get_str(id, "value", p, val, sizeof val, err))
			return false;
		if (!strcmp(sys, FHIR_SYS_UUID) && !take_uuid(val, ident_uuid))
			return invalid(err, p, "identifier is not a urn:uuid.");
	}
	return true;
}

static bool read_imm_ext(const cJSON *x, struct immunization *im, struct vax_error *err)
{
	if (!want_object(x, "Immunization.extension", err))
		return false;
	const char *url = jstring(x, "url");
	const char *n = url ? our_ext(url) : NULL;
	if (!n)
		return true;
	char p[160];
	snprintf(p, sizeof p, "Immunization.extension(%s)", n);
	if (!strcmp(n, "delete-reason"))
		return get_str(x, "valueString", p, im->delete_reason, sizeof im->delete_reason, err);
	if (!strcmp(n, "edit-reason"))
		return get_str(x, "valueString", p, im->edit_reason, sizeof im->edit_reason, err);
	if (!strcmp(n, "org-name")) /* before recorded-by: kept for records of then */
		return get_str(x, "valueString", p, im->org_name, sizeof im->org_name, err);
	if (!strcmp(n, "recorded-by")) {
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(x, "valueReference");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(ref, "identifier");
		if (!want_object(ref, p, err) || (id && !want_object(id, p, err)) ||
		    (id && !get_str(id, "value", p, im->org, sizeof im->org, err)) ||
		    !get_str(ref, "display", p, im->org_name, sizeof im->org_name, err))
			return false;
		return true;
	}
	if (!strcmp(n, "capture"))
		return read_capture(x, p, &im->capture, err);
	return true;
}

bool fhir_immunization_from_json(const cJSON *j, struct immunization *im, struct vax_error *err)
{
	const char *P = "Immunization";
	imm_init(im);
	if (!check_type(j, P, err))
		return false;
	if (!read_meta(j, P, im->id, sizeof im->id, im->version, sizeof im->version, err))
		return false;

	const cJSON *arr, *x;
	if (!get_array(j, "identifier", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		char sys[VAX_NAME_LEN], val[VAX_NAME_LEN];
		if (!want_object(x, "Immunization.identifier", err) ||
		    !get_str(x, "system", "Immunization.identifier", sys, sizeof sys, err) ||
		    !get_str(x, "value", "Immunization.identifier", val, sizeof val, err))
			return false;
		if (!strcmp(sys, FHIR_SYS_UUID) && !take_uuid(val, im->uuid))
			return invalid(err, "Immunization.identifier",
			               "a urn:ietf:rfc:3986 identifier must be urn:uuid: and a UUID.");
	}

	char status[24];
	if (!get_str(j, "status", P, status, sizeof status, err))
		return false;
	if (!strcmp(status, "not-done"))
		im->refused = true;
	else if (!strcmp(status, "entered-in-error"))
		im->entered_in_error = true;
	else if (strcmp(status, "completed") != 0)
		return invalid(err, "Immunization.status",
		               "must be completed, not-done or entered-in-error.");
	if (!get_code(j, "statusReason", P, NULL, im->refusal_reason, sizeof im->refusal_reason, err))
		return false;
	if (!get_bool(j, "isSubpotent", P, &im->subpotent, err))
		return false;

	if (!get_code(j, "vaccineCode", P, FHIR_SYS_CVX, im->cvx, sizeof im->cvx, err) ||
	    !get_code(j, "vaccineCode", P, FHIR_SYS_NDC, im->ndc, sizeof im->ndc, err))
		return false;

	char ref[VAX_ID_LEN + 16];
	if (!read_reference(j, "patient", P, ref, sizeof ref, im->client_uuid, err))
		return false;
	const char *pid = fhir_ref_id(ref, "Patient");
	if (pid) {
		scopy(im->client_id, sizeof im->client_id, pid);
	} else if (!strncmp(ref, "urn:uuid:", 9)) {
		if (!take_uuid(ref, im->client_uuid))
			return invalid(err, "Immunization.patient", "urn:uuid reference is not a UUID.");
	} else if (ref[0]) {
		return invalid(err, "Immunization.patient", "must reference a Patient.");
	}

	char occ[40];
	if (!get_str(j, "occurrenceDateTime", P, occ, sizeof occ, err))
		return false;
	if (occ[0]) {
		enum date_status st = date_parse_iso(occ, &im->date_given);
		if (st != DATE_OK) {
			im->date_given = DATE_NONE;
			return invalid(err, "Immunization.occurrenceDateTime", "%s", date_strerror(st));
		}
	}
	bool primary = true;
	if (!get_bool(j, "primarySource", P, &primary, err))
		return false;
	im->historical = !primary;
	char origin[16];
	if (!get_code(j, "reportOrigin", P, NULL, origin, sizeof origin, err))
		return false;
	/* R4's own immunization-origin codes, as NIP001 says them */
	static const char *const r4_origin[][2] = {
	    {"provider", "02"}, {"record", "03"}, {"recall", "04"}, {"school", "07"}};
	for (size_t k = 0; k < sizeof r4_origin / sizeof *r4_origin; k++)
		if (!strcmp(origin, r4_origin[k][0]))
			scopy(origin, sizeof origin, r4_origin[k][1]);
	if (origin[0]) {
		if (strlen(origin) >= sizeof im->info_source)
			return invalid(err, "Immunization.reportOrigin", "'%s' is not an NIP001 code.",
			               origin);
		scopy(im->info_source, sizeof im->info_source, origin);
	} else if (im->historical) {
		im->info_source[0] = '\0';
	}

	const cJSON *man = cJSON_GetObjectItemCaseSensitive(j, "manufacturer");
	if (man) {
		if (!want_object(man, "Immunization.manufacturer", err))
			return false;
		const cJSON *mid = cJSON_GetObjectItemCaseSensitive(man, "identifier");
		if (mid && (!want_object(mid, "Immunization.manufacturer.identifier", err) ||
		            !get_str(mid, "value", "Immunization.manufacturer.identifier", im->mvx,
		                     sizeof im->mvx, err)))
			return false;
	}
	if (!get_str(j, "lotNumber", P, im->lot, sizeof im->lot, err) ||
	    !get_date(j, "expirationDate", P, &im->expiration, err) ||
	    !get_code(j, "site", P, NULL, im->site, sizeof im->site, err) ||
	    !get_code(j, "route", P, NULL, im->route, sizeof im->route, err) ||
	    !get_code(j, "fundingSource", P, NULL, im->funding, sizeof im->funding, err))
		return false;

	const cJSON *dq = cJSON_GetObjectItemCaseSensitive(j, "doseQuantity");
	if (dq) {
		const cJSON *v = want_object(dq, "Immunization.doseQuantity", err)
		                     ? cJSON_GetObjectItemCaseSensitive(dq, "value")
		                     : NULL;
		if (!v || !cJSON_IsNumber(v) || !(v->valuedouble > 0) || v->valuedouble > 100)
			return invalid(err, "Immunization.doseQuantity.value",
			               "must be a volume in mL above 0 and at most 100.");
		im->dose_ul = (int)lround(v->valuedouble * 1000.0);
	}

	if (!get_array(j, "programEligibility", P, &arr, err))
		return false;
	if (arr && arr->child) {
		cJSON *wrap = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(wrap, "e", arr->child);
		bool ok = get_code(wrap, "e", "Immunization.programEligibility", NULL, im->vfc,
		                   sizeof im->vfc, err);
		cJSON_Delete(wrap);
		if (!ok)
			return false;
	}

	if (!get_array(j, "performer", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		const char *pp = "Immunization.performer";
		char fn[8];
		if (!want_object(x, pp, err) || !get_code(x, "function", pp, NULL, fn, sizeof fn, err))
			return false;
		const cJSON *actor = cJSON_GetObjectItemCaseSensitive(x, "actor");
		if (!actor || !want_object(actor, "Immunization.performer.actor", err))
			return actor ? false : invalid(err, pp, "each performer needs an actor.");
		if (!strcmp(fn, "OP") && !im->org[0]) {
			/* the recording organization of records written before recorded-by */
			const cJSON *aid = cJSON_GetObjectItemCaseSensitive(actor, "identifier");
			if (aid && (!want_object(aid, "Immunization.performer.actor.identifier", err) ||
			            !get_str(aid, "value", "Immunization.performer.actor.identifier", im->org,
			                     sizeof im->org, err)))
				return false;
		} else if (!get_str(actor, "display", "Immunization.performer.actor", im->provider,
		                    sizeof im->provider, err)) {
			return false;
		}
	}

	if (!get_array(j, "note", P, &arr, err))
		return false;
	if (arr && arr->child &&
	    (!want_object(arr->child, "Immunization.note", err) ||
	     !get_str(arr->child, "text", "Immunization.note", im->note, sizeof im->note, err)))
		return false;

	if (!get_array(j, "education", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		const char *ep = "Immunization.education";
		if (im->n_vis >= IMM_VIS_MAX)
			return invalid(err, ep, "has more VIS entries than the registry keeps.");
		struct vis_given *v = &im->vis[im->n_vis];
		if (!want_object(x, ep, err) ||
		    !get_str(x, "documentType", ep, v->document, sizeof v->document, err) ||
		    !get_date(x, "publicationDate", ep, &v->edition, err) ||
		    !get_date(x, "presentationDate", ep, &v->presented, err))
			return false;
		im->n_vis++;
	}

	if (!get_array(j, "extension", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr) if (!read_imm_ext(x, im, err)) return false;
	return true;
}

cJSON *fhir_immunization_to_json(const struct immunization *im)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Immunization");
	write_meta(j, im->id, im->version);
	if (im->uuid[0]) {
		cJSON *ids = cJSON_AddArrayToObject(j, "identifier");
		put_uuid_ident(ids, im->uuid);
	}
	cJSON_AddStringToObject(j, "status",
	                        im->entered_in_error ? "entered-in-error"
	                        : im->refused        ? "not-done"
	                                             : "completed");
	if (im->refused && im->refusal_reason[0])
		cJSON_AddItemToObject(j, "statusReason",
		                      codeable(FHIR_CS "refusal-reason", im->refusal_reason));
	cJSON *vc = cJSON_AddObjectToObject(j, "vaccineCode");
	cJSON *codings = cJSON_AddArrayToObject(vc, "coding");
	if (im->cvx[0])
		cJSON_AddItemToArray(codings, fhir_coding(FHIR_SYS_CVX, im->cvx, NULL));
	if (im->ndc[0])
		cJSON_AddItemToArray(codings, fhir_coding(FHIR_SYS_NDC, im->ndc, NULL));
	if (!im->cvx[0] && !im->ndc[0])
		cJSON_AddStringToObject(vc, "text", "unknown");

	cJSON *pat = cJSON_AddObjectToObject(j, "patient");
	char ref[VAX_ID_LEN + 16];
	if (im->client_id[0]) {
		snprintf(ref, sizeof ref, "Patient/%s", im->client_id);
		cJSON_AddStringToObject(pat, "reference", ref);
	} else if (im->client_uuid[0]) {
		snprintf(ref, sizeof ref, "urn:uuid:%s", im->client_uuid);
		cJSON_AddStringToObject(pat, "reference", ref);
	}
	if (im->client_uuid[0]) {
		cJSON *id = cJSON_AddObjectToObject(pat, "identifier");
		cJSON_AddStringToObject(id, "system", FHIR_SYS_UUID);
		snprintf(ref, sizeof ref, "urn:uuid:%s", im->client_uuid);
		cJSON_AddStringToObject(id, "value", ref);
	}
	put_date(j, "occurrenceDateTime", im->date_given);
	cJSON_AddBoolToObject(j, "primarySource", !im->historical);
	if (im->subpotent)
		cJSON_AddBoolToObject(j, "isSubpotent", true);
	if (im->info_source[0])
		cJSON_AddItemToObject(j, "reportOrigin", codeable(FHIR_CS "info-source", im->info_source));
	if (im->mvx[0]) {
		cJSON *m = cJSON_AddObjectToObject(j, "manufacturer");
		cJSON *id = cJSON_AddObjectToObject(m, "identifier");
		cJSON_AddStringToObject(id, "system", FHIR_SYS_MVX);
		cJSON_AddStringToObject(id, "value", im->mvx);
	}
	put_str(j, "lotNumber", im->lot);
	put_date(j, "expirationDate", im->expiration);
	if (im->site[0])
		cJSON_AddItemToObject(j, "site", codeable(FHIR_SYS_V2_0163, im->site));
	if (im->route[0])
		cJSON_AddItemToObject(j, "route", codeable(FHIR_SYS_V2_0162, im->route));
	if (im->dose_ul > 0) {
		cJSON *q = cJSON_AddObjectToObject(j, "doseQuantity");
		cJSON_AddNumberToObject(q, "value", im->dose_ul / 1000.0);
		cJSON_AddStringToObject(q, "unit", "mL");
		cJSON_AddStringToObject(q, "system", "http://unitsofmeasure.org");
		cJSON_AddStringToObject(q, "code", "mL");
	}
	if (im->provider[0]) {
		cJSON *perf = cJSON_AddArrayToObject(j, "performer");
		cJSON *p = cJSON_CreateObject();
		cJSON_AddItemToObject(p, "function",
		                      codeable("http://terminology.hl7.org/CodeSystem/v2-0443", "AP"));
		cJSON *a = cJSON_AddObjectToObject(p, "actor");
		cJSON_AddStringToObject(a, "display", im->provider);
		cJSON_AddItemToArray(perf, p);
	}
	if (im->note[0]) {
		cJSON *n = cJSON_AddArrayToObject(j, "note");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "text", im->note);
		cJSON_AddItemToArray(n, o);
	}
	if (im->n_vis) {
		cJSON *ed = cJSON_AddArrayToObject(j, "education");
		for (int i = 0; i < im->n_vis; i++) {
			cJSON *o = cJSON_CreateObject();
			put_str(o, "documentType", im->vis[i].document);
			put_date(o, "publicationDate", im->vis[i].edition);
			put_date(o, "presentationDate", im->vis[i].presented);
			cJSON_AddItemToArray(ed, o);
		}
	}
	if (im->funding[0])
		cJSON_AddItemToObject(j, "fundingSource", codeable(FHIR_CS "funding-source", im->funding));
	if (im->vfc[0]) {
		cJSON *pe = cJSON_AddArrayToObject(j, "programEligibility");
		cJSON_AddItemToArray(pe, codeable(FHIR_SYS_V2_0064, im->vfc));
	}
	cJSON *ext = cJSON_CreateArray();
	add_ext_str(ext, "delete-reason", im->delete_reason);
	add_ext_str(ext, "edit-reason", im->edit_reason);
	if (im->org[0]) {
		/* the organization that recorded the dose is no performer (v2-0443
		 * has no such role): an extension of its own, set by the registry */
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", FHIR_EXT "recorded-by");
		cJSON *vr = cJSON_AddObjectToObject(e, "valueReference");
		cJSON *id = cJSON_AddObjectToObject(vr, "identifier");
		cJSON_AddStringToObject(id, "system", SYS_ORG);
		cJSON_AddStringToObject(id, "value", im->org);
		put_str(vr, "display", im->org_name);
		cJSON_AddItemToArray(ext, e);
	}
	if (!capture_empty(&im->capture))
		cJSON_AddItemToArray(ext, capture_ext(&im->capture));
	if (cJSON_GetArraySize(ext))
		cJSON_AddItemToObject(j, "extension", ext);
	else
		cJSON_Delete(ext);
	return j;
}

/* ---- RelatedPerson, Consent --------------------------------------------- */

/* The urn:uuid identifier of a RelatedPerson or Consent (other systems are
 * kept by no field and ignored). */
static bool read_uuid_ident(const cJSON *j, const char *P, char uuid[VAX_UUID_LEN], struct vax_error *err)
{
	const cJSON *arr, *x;
	char path[40];
	snprintf(path, sizeof path, "%s.identifier", P);
	if (!get_array(j, "identifier", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		char sys[VAX_NAME_LEN], val[VAX_NAME_LEN];
		if (!want_object(x, path, err) || !get_str(x, "system", path, sys, sizeof sys, err) ||
		    !get_str(x, "value", path, val, sizeof val, err))
			return false;
		if (!strcmp(sys, FHIR_SYS_UUID) && !take_uuid(val, uuid))
			return invalid(err, path,
			               "a urn:ietf:rfc:3986 identifier must be urn:uuid: and a UUID.");
	}
	return true;
}

bool fhir_related_person_from_json(const cJSON *j, struct responsible_person *rp, char *patient_ref,
                                   size_t ref_len, struct vax_error *err)
{
	const char *P = "RelatedPerson";
	memset(rp, 0, sizeof *rp);
	rp->address.since = DATE_NONE;
	if (!check_type(j, P, err) ||
	    !read_meta(j, P, rp->id, sizeof rp->id, rp->version, sizeof rp->version, err) ||
	    !read_uuid_ident(j, P, rp->uuid, err))
		return false;
	bool active = true;
	if (!get_bool(j, "active", P, &active, err))
		return false;
	rp->removed = !active;
	char ref[VAX_ID_LEN + 16];
	if (!read_reference(j, "patient", P, ref, sizeof ref, NULL, err))
		return false;
	if (!ref[0])
		return invalid(err, "RelatedPerson.patient",
		               "a responsible person must name the client (patient).");
	if (patient_ref)
		scopy(patient_ref, ref_len, ref);
	const cJSON *arr, *x;
	if (!get_array(j, "name", P, &arr, err))
		return false;
	if (arr && arr->child && !read_name(arr->child, "RelatedPerson.name", &rp->name, err))
		return false;
	if (!get_array(j, "relationship", P, &arr, err))
		return false;
	if (arr && arr->child) {
		/* HL7 v2 table 0063 or v3 RoleCode, as sent: the system says which */
		const cJSON *c0 =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(arr->child, "coding"), 0);
		const char *sys = jstring(c0, "system");
		if (c0 && (!sys || (strcmp(sys, FHIR_SYS_V2_0063) && strcmp(sys, SYS_V3_ROLE))))
			return invalid(
			    err, "RelatedPerson.relationship",
			    "a relationship is coded in HL7 v2 table 0063 (%s) or v3 RoleCode (%s).",
			    FHIR_SYS_V2_0063, SYS_V3_ROLE);
		rp->relationship_v3 = sys && !strcmp(sys, SYS_V3_ROLE);
		cJSON *wrap = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(wrap, "relationship", arr->child);
		bool ok =
		    get_code(wrap, "relationship", P, NULL, rp->relationship, sizeof rp->relationship, err);
		cJSON_Delete(wrap);
		if (!ok)
			return false;
	}
	if (!get_array(j, "telecom", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		const char *sys = jstring(x, "system");
		if (sys && !strcmp(sys, "phone")) {
			if (!read_phone(x, "RelatedPerson.telecom", &rp->phone, err))
				return false;
			break;
		}
	}
	if (!get_array(j, "address", P, &arr, err))
		return false;
	if (arr && arr->child && !read_address(arr->child, "RelatedPerson.address", &rp->address, err))
		return false;
	return true;
}

cJSON *fhir_related_person_to_json(const struct responsible_person *rp, const char *patient_ref)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "RelatedPerson");
	write_meta(j, rp->id, rp->version);
	if (rp->uuid[0])
		put_uuid_ident(cJSON_AddArrayToObject(j, "identifier"), rp->uuid);
	if (rp->removed)
		cJSON_AddBoolToObject(j, "active", false);
	cJSON *p = cJSON_AddObjectToObject(j, "patient");
	put_str(p, "reference", patient_ref);
	if (rp->relationship[0]) {
		cJSON *r = cJSON_AddArrayToObject(j, "relationship");
		cJSON_AddItemToArray(
		    r, codeable(rp->relationship_v3 ? SYS_V3_ROLE : FHIR_SYS_V2_0063, rp->relationship));
	}
	cJSON *n = cJSON_AddArrayToObject(j, "name");
	cJSON_AddItemToArray(n, name_json(&rp->name, NULL));
	if (rp->phone.number[0]) {
		cJSON *t = cJSON_AddArrayToObject(j, "telecom");
		cJSON_AddItemToArray(t, phone_json(&rp->phone));
	}
	if (rp->address.line1[0] || rp->address.city[0] || rp->address.zip[0]) {
		cJSON *a = cJSON_AddArrayToObject(j, "address");
		cJSON_AddItemToArray(a, address_json(&rp->address, "home"));
	}
	return j;
}

static const char *consent_str[] = {"unknown", "granted", "refused", "withdrawn"};

static bool read_consent_status(const cJSON *x, const char *path, enum consent_status *out,
                                struct vax_error *err)
{
	char s[16];
	if (!get_str(x, "valueCode", path, s, sizeof s, err))
		return false;
	int i = index_of(s, consent_str, 4);
	if (i < 0)
		return invalid(err, path, "'%s' is not unknown, granted, refused or withdrawn.", s);
	*out = (enum consent_status)i;
	return true;
}

bool fhir_consent_from_json(const cJSON *j, struct consent *cs, char *patient_ref, size_t ref_len,
                            struct vax_error *err)
{
	const char *P = "Consent";
	memset(cs, 0, sizeof *cs);
	cs->date = DATE_NONE;
	if (!check_type(j, P, err) ||
	    !read_meta(j, P, cs->id, sizeof cs->id, cs->version, sizeof cs->version, err) ||
	    !read_uuid_ident(j, P, cs->uuid, err))
		return false;
	char ref[VAX_ID_LEN + 16];
	if (!read_reference(j, "patient", P, ref, sizeof ref, NULL, err))
		return false;
	if (!ref[0])
		return invalid(err, "Consent.patient", "a consent must name the client (patient).");
	if (patient_ref)
		scopy(patient_ref, ref_len, ref);
	char dt[40];
	if (!get_str(j, "dateTime", P, dt, sizeof dt, err))
		return false;
	if (strlen(dt) > 10 && dt[10] == 'T')
		dt[10] = '\0'; /* a dateTime counts by its day */
	if (dt[0] && date_parse_iso(dt, &cs->date) != DATE_OK)
		return invalid(err, "Consent.dateTime", "is not a date.");
	const cJSON *arr, *x;
	if (!get_array(j, "extension", P, &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		const char *url = jstring(x, "url");
		const char *n = url ? our_ext(url) : NULL;
		if (!n)
			continue;
		if (!strcmp(n, "consent-minor") &&
		    !read_consent_status(x, "Consent.extension(consent-minor)", &cs->minor, err))
			return false;
		if (!strcmp(n, "consent-adult") &&
		    !read_consent_status(x, "Consent.extension(consent-adult)", &cs->adult, err))
			return false;
		if (!strcmp(n, "disaster-retention") &&
		    !get_bool(x, "valueBoolean", "Consent.extension(disaster-retention)",
		              &cs->disaster_retention, err))
			return false;
		if (!strcmp(n, "consent-source") &&
		    !get_str(x, "valueString", "Consent.extension(consent-source)", cs->source,
		             sizeof cs->source, err))
			return false;
	}
	if (cs->minor == CONSENT_UNKNOWN && cs->adult == CONSENT_UNKNOWN) {
		/* a plain R4 Consent without our answers: its status and
		 * provision say what was decided */
		const char *st = jstring(j, "status");
		const char *pt = jstring(cJSON_GetObjectItemCaseSensitive(j, "provision"), "type");
		bool deny = pt && !strcmp(pt, "deny");
		if (st && !strcmp(st, "active"))
			cs->minor = deny ? CONSENT_REFUSED : CONSENT_GRANTED;
		else if (st && !strcmp(st, "rejected"))
			cs->minor = CONSENT_REFUSED;
		else if (st && !strcmp(st, "inactive"))
			cs->minor = CONSENT_WITHDRAWN;
	}
	return true;
}

cJSON *fhir_consent_to_json(const struct consent *cs, const char *patient_ref)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Consent");
	write_meta(j, cs->id, cs->version);
	if (cs->uuid[0])
		put_uuid_ident(cJSON_AddArrayToObject(j, "identifier"), cs->uuid);
	/* Active while either consent stands granted; a refusal or withdrawal
	 * of the one that applies makes the whole consent rejected/inactive. */
	enum consent_status cur = cs->adult != CONSENT_UNKNOWN ? cs->adult : cs->minor;
	cJSON_AddStringToObject(j, "status",
	                        cur == CONSENT_GRANTED     ? "active"
	                        : cur == CONSENT_REFUSED   ? "rejected"
	                        : cur == CONSENT_WITHDRAWN ? "inactive"
	                                                   : "proposed");
	cJSON *scope = cJSON_AddObjectToObject(j, "scope");
	cJSON *sc = cJSON_AddArrayToObject(scope, "coding");
	cJSON_AddItemToArray(
	    sc, fhir_coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", NULL));
	cJSON *cat = cJSON_AddArrayToObject(j, "category");
	cJSON_AddItemToArray(cat, codeable(FHIR_CS "consent-category", "registry-participation"));
	/* R4 wants a policy (ppc-1): participation is opt-in, as ImmTrac2 has it */
	cJSON_AddItemToObject(j, "policyRule",
	                      codeable("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN"));
	cJSON *p = cJSON_AddObjectToObject(j, "patient");
	put_str(p, "reference", patient_ref);
	put_date(j, "dateTime", cs->date);
	cJSON *ext = cJSON_AddArrayToObject(j, "extension");
	char url[160];
	snprintf(url, sizeof url, FHIR_EXT "consent-minor");
	add_ext(ext, url, "valueCode",
	        cJSON_CreateString(consent_str[cs->minor <= CONSENT_WITHDRAWN ? cs->minor : 0]));
	snprintf(url, sizeof url, FHIR_EXT "consent-adult");
	add_ext(ext, url, "valueCode",
	        cJSON_CreateString(consent_str[cs->adult <= CONSENT_WITHDRAWN ? cs->adult : 0]));
	add_ext_bool(ext, "disaster-retention", cs->disaster_retention);
	add_ext_str(ext, "consent-source", cs->source);
	return j;
}

/* ---- the whole client (local store form) ------------------------------- */

cJSON *fhir_client_to_json(const struct client *c)
{
	cJSON *j = fhir_patient_to_json(c);
	if (!c->n_resp && !client_consent_recorded(&c->consent))
		return j;
	cJSON *con = cJSON_AddArrayToObject(j, "contained");
	for (int i = 0; i < c->n_resp && i < CLIENT_RESP_MAX; i++)
		cJSON_AddItemToArray(con, fhir_related_person_to_json(&c->resp[i], "#"));
	if (client_consent_recorded(&c->consent))
		cJSON_AddItemToArray(con, fhir_consent_to_json(&c->consent, "#"));
	return j;
}

bool fhir_client_from_json(const cJSON *j, struct client *c, struct vax_error *err)
{
	if (!fhir_patient_from_json(j, c, err))
		return false;
	const cJSON *arr, *x;
	if (!get_array(j, "contained", "Patient", &arr, err))
		return false;
	cJSON_ArrayForEach(x, arr)
	{
		const char *rt = jstring(x, "resourceType");
		if (rt && !strcmp(rt, "RelatedPerson") && c->n_resp < CLIENT_RESP_MAX) {
			if (!fhir_related_person_from_json(x, &c->resp[c->n_resp], NULL, 0, err))
				return false;
			c->n_resp++;
		} else if (rt && !strcmp(rt, "Consent")) {
			if (!fhir_consent_from_json(x, &c->consent, NULL, 0, err))
				return false;
		}
	}
	return true;
}

/* ---- OperationOutcome --------------------------------------------------- */

void fhir_outcome_add(cJSON *oo, const char *severity, const char *code, const char *detail_code,
                      const char *message, const char *expression)
{
	cJSON *issues = cJSON_GetObjectItemCaseSensitive(oo, "issue");
	if (!issues)
		issues = cJSON_AddArrayToObject(oo, "issue");
	cJSON *i = cJSON_CreateObject();
	cJSON_AddStringToObject(i, "severity", severity);
	cJSON_AddStringToObject(i, "code", code);
	cJSON *d = cJSON_AddObjectToObject(i, "details");
	if (detail_code && *detail_code) {
		cJSON *c = cJSON_AddArrayToObject(d, "coding");
		cJSON_AddItemToArray(c, fhir_coding(FHIR_CS "outcome", detail_code, NULL));
	}
	put_str(d, "text", message);
	put_str(i, "diagnostics", message);
	if (expression && *expression) {
		cJSON *e = cJSON_AddArrayToObject(i, "expression");
		cJSON_AddItemToArray(e, cJSON_CreateString(expression));
	}
	cJSON_AddItemToArray(issues, i);
}

cJSON *fhir_outcome_new(const char *severity, const char *code, const char *detail_code, const char *message,
                        const char *expression)
{
	cJSON *oo = cJSON_CreateObject();
	cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
	fhir_outcome_add(oo, severity, code, detail_code, message, expression);
	return oo;
}

/* Where each rule field (core/rules.h: the names forms use) lives in a
 * resource, as FHIRPath: the one place internal names meet FHIR. The
 * client's current address is the first; a name part may sit in any name. */
static const struct {
	const char *resource, *field, *path;
} rule_paths[] = {
    {"Patient", "name", "Patient.name"},
    {"Patient", "name.family", "Patient.name.family"},
    {"Patient", "name.given", "Patient.name.given"},
    {"Patient", "name.middle", "Patient.name.given"},
    {"Patient", "aka.family", "Patient.name.family"},
    {"Patient", "aka.given", "Patient.name.given"},
    {"Patient", "aka.middle", "Patient.name.given"},
    {"Patient", "mother_maiden", "Patient.extension('" EXT_MAIDEN "')"},
    {"Patient", "mother_given", "Patient.extension('" FHIR_EXT "mother-given')"},
    {"Patient", "dob", "Patient.birthDate"},
    {"Patient", "sex", "Patient.gender"},
    {"Patient", "address.county", "Patient.address[0].district"},
    {"Patient", "address.zip", "Patient.address[0].postalCode"},
    {"Patient", "address.state", "Patient.address[0].state"},
    {"Patient", "phone", "Patient.telecom.where(system = 'phone')"},
    {"Patient", "race", "Patient.extension('" EXT_RACE "')"},
    {"Patient", "ethnicity", "Patient.extension('" EXT_ETHNICITY "')"},
    {"Immunization", "date_given", "Immunization.occurrenceDateTime"},
    {"Immunization", "expiration", "Immunization.expirationDate"},
    {"Immunization", "cvx", "Immunization.vaccineCode"},
    {"Immunization", "ndc", "Immunization.vaccineCode"},
    {"Immunization", "mvx", "Immunization.manufacturer"},
    {"Immunization", "lot", "Immunization.lotNumber"},
    {"Immunization", "funding", "Immunization.fundingSource"},
    {"Immunization", "vfc", "Immunization.programEligibility"},
    {"Immunization", "route", "Immunization.route"},
    {"Immunization", "site", "Immunization.site"},
    {"Immunization", "refusal_reason", "Immunization.statusReason"},
    {"Immunization", "info_source", "Immunization.reportOrigin"},
    {"RelatedPerson", "resp.name", "RelatedPerson.name"},
    {"RelatedPerson", "resp.family", "RelatedPerson.name.family"},
    {"RelatedPerson", "resp.given", "RelatedPerson.name.given"},
    {"RelatedPerson", "resp.middle", "RelatedPerson.name.given"},
    {"RelatedPerson", "resp.relationship", "RelatedPerson.relationship"},
    {"RelatedPerson", "resp.phone", "RelatedPerson.telecom.where(system = 'phone')"},
    {"RelatedPerson", "resp.zip", "RelatedPerson.address[0].postalCode"},
    {"RelatedPerson", "resp.state", "RelatedPerson.address[0].state"},
    {"Consent", "consent", "Consent"},
    {"Consent", "consent.adult", "Consent.extension('" FHIR_EXT "consent-adult')"},
    {"Consent", "consent.date", "Consent.dateTime"},
};

const char *fhir_rule_path(const char *resource, const char *field)
{
	for (size_t i = 0; i < sizeof rule_paths / sizeof *rule_paths; i++)
		if (!strcmp(rule_paths[i].resource, resource) && !strcmp(rule_paths[i].field, field))
			return rule_paths[i].path;
	return NULL;
}

const char *fhir_path_field(const char *path)
{
	for (size_t i = 0; path && i < sizeof rule_paths / sizeof *rule_paths; i++)
		if (!strcmp(rule_paths[i].path, path))
			return rule_paths[i].field;
	return NULL;
}

cJSON *fhir_outcome_from_rules(const struct rule_report *rep, const char *resource)
{
	cJSON *oo = cJSON_CreateObject();
	cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
	cJSON_AddArrayToObject(oo, "issue");
	for (int i = 0; i < rep->n; i++) {
		const struct rule_violation *v = &rep->v[i];
		char msg[512], expr[160];
		if (v->detail[0])
			snprintf(msg, sizeof msg, "%s (%s)", rule_message(v->rule), v->detail);
		else
			snprintf(msg, sizeof msg, "%s", rule_message(v->rule));
		const char *path = fhir_rule_path(resource, v->field ? v->field : rule_field(v->rule));
		snprintf(expr, sizeof expr, "%s", path ? path : resource);
		fhir_outcome_add(oo, rule_severity(v->rule) == RULE_ERROR ? "error" : "warning",
		                 "business-rule", rule_code(v->rule), msg, expr);
	}
	return oo;
}

bool fhir_outcome_read(const cJSON *j, struct vax_error *err)
{
	const char *rt = jstring(j, "resourceType");
	if (!rt || strcmp(rt, "OperationOutcome") != 0)
		return false;
	const cJSON *issues = cJSON_GetObjectItemCaseSensitive(j, "issue"), *i, *pick = NULL;
	cJSON_ArrayForEach(i, issues)
	{
		const char *sev = jstring(i, "severity");
		if (!pick)
			pick = i;
		if (sev && (!strcmp(sev, "error") || !strcmp(sev, "fatal"))) {
			pick = i;
			break;
		}
	}
	if (!pick)
		return error_set(err, "FHIR-OUTCOME", "The server reported a problem without details."), true;
	const char *code = jstring(pick, "code");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(pick, "details");
	const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "coding"), 0);
	if (jstring(c0, "code"))
		code = jstring(c0, "code");
	const char *msg = jstring(pick, "diagnostics");
	if (!msg)
		msg = jstring(d, "text");
	error_set(err, code ? code : "FHIR-OUTCOME", "%s", msg ? msg : "The server reported a problem.");
	return true;
}

char *fhir_error_path(const struct vax_error *err, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!err || strcmp(err->code, "FHIR-INVALID") != 0)
		return buf;
	const char *colon = strstr(err->message, ": ");
	if (!colon)
		return buf;
	size_t n = (size_t)(colon - err->message);
	/* "Patient.extension(race)" (the messages' short form) is
	 * Patient.extension('<url>') in FHIRPath */
	const char *ext = memchr(err->message, '(', n);
	if (ext && ext > err->message + 10 && !strncmp(ext - 10, ".extension", 10) &&
	    err->message[n - 1] == ')') {
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(err->message + n - 1 - ext - 1), ext + 1);
		const char *url = !strcmp(name, "race")        ? EXT_RACE
		                  : !strcmp(name, "ethnicity") ? EXT_ETHNICITY
		                                               : NULL;
		snprintf(buf, len, "%.*s('%s%s')", (int)(ext - err->message), err->message,
		         url ? "" : FHIR_EXT, url ? url : name);
		return buf;
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, err->message, n);
	buf[n] = '\0';
	return buf;
}

/* ---- Parameters <-> a plain JSON tree ----------------------------------- */

static bool looks_like_date(const char *s)
{
	vax_date d;
	return strlen(s) == 10 && date_parse_iso(s, &d) == DATE_OK;
}

/* An instant as the registry writes one: YYYY-MM-DDThh:mm:ssZ. */
static bool looks_like_instant(const char *s)
{
	char day[11];
	if (strlen(s) != 20 || s[10] != 'T' || s[19] != 'Z')
		return false;
	snprintf(day, sizeof day, "%.10s", s);
	return looks_like_date(day) && strspn(s + 11, "0123456789:") == 8;
}

/* "Patient/<id>" and the like (never a label such as "Tdap/Td"). */
static bool looks_like_reference(const char *s)
{
	static const char *types[] = {"Patient/", "Group/", "Immunization/", "Organization/"};
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		size_t n = strlen(types[i]);
		if (!strncmp(s, types[i], n) && s[n] && !strchr(s + n, '/'))
			return true;
	}
	return false;
}

/* One member of a tree as parameters of list (parameter or part). */
static void tree_member(cJSON *list, const cJSON *m)
{
	if (cJSON_IsArray(m)) {
		/* "students": [{...}] -> repeated "student" with parts */
		char name[64];
		size_t n = strlen(m->string);
		snprintf(name, sizeof name, "%.*s", (int)(n > 1 && m->string[n - 1] == 's' ? n - 1 : n),
		         m->string);
		const cJSON *e;
		cJSON_ArrayForEach(e, m)
		{
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", name);
			cJSON *parts = cJSON_AddArrayToObject(p, "part");
			const cJSON *c;
			cJSON_ArrayForEach(c, e) tree_member(parts, c);
			cJSON_AddItemToArray(list, p);
		}
		return;
	}
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", m->string);
	if (cJSON_IsBool(m)) {
		cJSON_AddBoolToObject(p, "valueBoolean", cJSON_IsTrue(m));
	} else if (cJSON_IsNumber(m)) {
		if (m->valuedouble == floor(m->valuedouble) && fabs(m->valuedouble) < 2e9)
			cJSON_AddNumberToObject(p, "valueInteger", m->valuedouble);
		else
			cJSON_AddNumberToObject(p, "valueDecimal", m->valuedouble);
	} else if (cJSON_IsString(m)) {
		const char *v = m->valuestring;
		if (looks_like_reference(v))
			cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "valueReference"), "reference", v);
		else if (looks_like_date(v))
			cJSON_AddStringToObject(p, "valueDate", v);
		else if (looks_like_instant(v))
			cJSON_AddStringToObject(p, "valueInstant", v);
		else if (!strcmp(m->string, "status"))
			cJSON_AddStringToObject(p, "valueCode", v);
		else
			cJSON_AddStringToObject(p, "valueString", v);
	} else {
		cJSON_Delete(p);
		return;
	}
	cJSON_AddItemToArray(list, p);
}

void fhir_keep_elements(cJSON *res, const char *keep, const char *also)
{
	cJSON *c = res ? res->child : NULL;
	while (c) {
		cJSON *next = c->next;
		if (!c->string || (strcmp(c->string, "resourceType") && !text_in_list(keep, c->string) &&
		                   !text_in_list(also, c->string)))
			cJSON_Delete(cJSON_DetachItemViaPointer(res, c));
		c = next;
	}
}

cJSON *fhir_parameters_from_tree(const cJSON *tree)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "resourceType", "Parameters");
	cJSON *list = cJSON_AddArrayToObject(out, "parameter");
	const cJSON *m;
	cJSON_ArrayForEach(m, tree) tree_member(list, m);
	return out;
}

static void params_to_tree(const cJSON *list, cJSON *tree)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, list)
	{
		const char *name = jstring(p, "name");
		if (!name)
			continue;
		const cJSON *parts = cJSON_GetObjectItemCaseSensitive(p, "part");
		if (parts) {
			char plural[72];
			snprintf(plural, sizeof plural, "%ss", name);
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(tree, plural);
			if (!arr)
				arr = cJSON_AddArrayToObject(tree, plural);
			cJSON *o = cJSON_CreateObject();
			params_to_tree(parts, o);
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		const cJSON *v;
		cJSON_ArrayForEach(v, p)
		{
			if (!v->string || strncmp(v->string, "value", 5))
				continue;
			if (!strcmp(v->string, "valueReference"))
				cJSON_AddStringToObject(
				    tree, name, jstring(v, "reference") ? jstring(v, "reference") : "");
			else if (cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v))
				cJSON_AddItemToObject(tree, name, cJSON_Duplicate(v, false));
			break;
		}
	}
}

cJSON *fhir_parameters_to_tree(const cJSON *params)
{
	cJSON *tree = cJSON_CreateObject();
	params_to_tree(cJSON_GetObjectItemCaseSensitive(params, "parameter"), tree);
	return tree;
}

/* ---- references -------------------------------------------------------- */

bool fhir_patient_retired(const cJSON *j, char *replaced_by, size_t len)
{
	if (replaced_by && len)
		replaced_by[0] = '\0';
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(j, "link"))
	{
		const char *t = jstring(l, "type");
		const char *ref = jstring(cJSON_GetObjectItemCaseSensitive(l, "other"), "reference");
		if (t && !strcmp(t, "replaced-by")) {
			if (replaced_by && len)
				scopy(replaced_by, len, ref ? ref : "");
			return true;
		}
	}
	return cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "active"));
}

const char *fhir_ref_id(const char *ref, const char *type)
{
	size_t n = strlen(type);
	if (!ref || strncmp(ref, type, n) != 0 || ref[n] != '/' || !ref[n + 1])
		return NULL;
	if (strchr(ref + n + 1, '/'))
		return NULL;
	return ref + n + 1;
}
