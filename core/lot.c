/* core/lot.c - see lot.h. */
#include "core/lot.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/fhir.h"
#include "core/text.h"

#define EXT_DOSES   FHIR_EXT "doses-on-hand"
#define EXT_FUNDING FHIR_EXT "funding-source"
#define CS_FUNDING  FHIR_CS "funding-source"

void lot_init(struct vax_lot *l)
{
	memset(l, 0, sizeof *l);
	l->expiry = DATE_NONE;
	l->active = true;
}

static bool bad(struct vax_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool bad(struct vax_error *err, const char *path, const char *fmt, ...)
{
	char msg[VAX_ERROR_MSG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return error_set(err, "FHIR-INVALID", "%s: %s", path, msg);
}

/* A string member copied into dst; absent is fine, too long or not a string is not. */
static bool str(const cJSON *o, const char *key, const char *path, char *dst, size_t n, struct vax_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return true;
	if (!cJSON_IsString(v))
		return bad(err, path, "must be a string.");
	if (strlen(v->valuestring) >= n)
		return bad(err, path, "is longer than %zu characters.", n - 1);
	snprintf(dst, n, "%s", v->valuestring);
	return true;
}

static bool read_code(const cJSON *j, struct vax_lot *l, struct vax_error *err)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code"), *c;
	const cJSON *codings = cJSON_GetObjectItemCaseSensitive(code, "coding");
	if (!cJSON_IsArray(codings))
		return bad(err, "Medication.code", "a lot names its vaccine (a CVX coding).");
	cJSON_ArrayForEach(c, codings)
	{
		const cJSON *sys = cJSON_GetObjectItemCaseSensitive(c, "system");
		if (!cJSON_IsString(sys))
			continue;
		if (!strcmp(sys->valuestring, FHIR_SYS_CVX) &&
		    !str(c, "code", "Medication.code.coding.code", l->cvx, sizeof l->cvx, err))
			return false;
		if (!strcmp(sys->valuestring, FHIR_SYS_NDC) &&
		    !str(c, "code", "Medication.code.coding.code", l->ndc, sizeof l->ndc, err))
			return false;
	}
	if (!l->cvx[0])
		return bad(err, "Medication.code", "a lot names its vaccine (a CVX coding).");
	return true;
}

static bool read_extensions(const cJSON *j, struct vax_lot *l, struct vax_error *err)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "extension"))
	{
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(x, "url");
		if (!cJSON_IsString(url))
			continue;
		if (!strcmp(url->valuestring, EXT_DOSES)) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, "valueInteger");
			if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1000000 ||
			    v->valuedouble != (double)(int)v->valuedouble)
				return bad(err, "Medication.extension",
				           "doses-on-hand is a whole number, 0 or more.");
			l->doses = (int)v->valuedouble;
		} else if (!strcmp(url->valuestring, EXT_FUNDING)) {
			const cJSON *cc = cJSON_GetObjectItemCaseSensitive(x, "valueCodeableConcept");
			const cJSON *c0 =
			    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cc, "coding"), 0);
			if (!str(c0, "code", "Medication.extension", l->funding, sizeof l->funding, err))
				return false;
		}
	}
	return true;
}

bool lot_from_json(const cJSON *j, struct vax_lot *l, struct vax_error *err)
{
	lot_init(l);
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(j, "resourceType");
	if (!cJSON_IsObject(j) || !cJSON_IsString(rt) || strcmp(rt->valuestring, "Medication"))
		return bad(err, "Medication.resourceType", "must be \"Medication\".");
	if (!str(j, "id", "Medication.id", l->id, sizeof l->id, err) ||
	    !str(cJSON_GetObjectItemCaseSensitive(j, "meta"), "versionId", "Medication.meta.versionId",
	         l->version, sizeof l->version, err) ||
	    !read_code(j, l, err))
		return false;
	const cJSON *man = cJSON_GetObjectItemCaseSensitive(j, "manufacturer");
	if (!str(cJSON_GetObjectItemCaseSensitive(man, "identifier"), "value",
	         "Medication.manufacturer.identifier.value", l->mvx, sizeof l->mvx, err))
		return false;
	const cJSON *batch = cJSON_GetObjectItemCaseSensitive(j, "batch");
	if (!str(batch, "lotNumber", "Medication.batch.lotNumber", l->lot, sizeof l->lot, err))
		return false;
	if (!l->lot[0])
		return bad(err, "Medication.batch.lotNumber", "a lot needs its lot number.");
	char exp[40] = "";
	if (!str(batch, "expirationDate", "Medication.batch.expirationDate", exp, sizeof exp, err))
		return false;
	if (exp[0] && date_parse_iso(exp, &l->expiry) != DATE_OK)
		return bad(err, "Medication.batch.expirationDate", "not a date (YYYY-MM-DD).");
	char status[24] = "active";
	if (!str(j, "status", "Medication.status", status, sizeof status, err))
		return false;
	if (strcmp(status, "active") && strcmp(status, "inactive") && strcmp(status, "entered-in-error"))
		return bad(err, "Medication.status", "must be active, inactive or entered-in-error.");
	l->active = !strcmp(status, "active");
	return read_extensions(j, l, err);
}

void lot_set_doses(cJSON *j, int doses)
{
	cJSON *ext = cJSON_GetObjectItemCaseSensitive(j, "extension"), *x;
	if (!cJSON_IsArray(ext)) {
		cJSON_DeleteItemFromObjectCaseSensitive(j, "extension");
		ext = cJSON_AddArrayToObject(j, "extension");
	}
	cJSON_ArrayForEach(x, ext)
	{
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(x, "url");
		if (cJSON_IsString(url) && !strcmp(url->valuestring, EXT_DOSES)) {
			cJSON_DeleteItemFromObjectCaseSensitive(x, "valueInteger");
			cJSON_AddNumberToObject(x, "valueInteger", doses);
			return;
		}
	}
	x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "url", EXT_DOSES);
	cJSON_AddNumberToObject(x, "valueInteger", doses);
	cJSON_AddItemToArray(ext, x);
}

cJSON *lot_to_json(const struct vax_lot *l)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "resourceType", "Medication");
	if (l->id[0])
		cJSON_AddStringToObject(j, "id", l->id);
	if (l->version[0])
		cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "meta"), "versionId", l->version);
	cJSON *ext = cJSON_AddArrayToObject(j, "extension");
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "url", EXT_DOSES);
	cJSON_AddNumberToObject(d, "valueInteger", l->doses);
	cJSON_AddItemToArray(ext, d);
	if (l->funding[0]) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "url", EXT_FUNDING);
		cJSON *cc = cJSON_AddObjectToObject(f, "valueCodeableConcept");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(cc, "coding"),
		                     fhir_coding(CS_FUNDING, l->funding, NULL));
		cJSON_AddItemToArray(ext, f);
	}
	cJSON *code = cJSON_AddObjectToObject(j, "code");
	cJSON *codings = cJSON_AddArrayToObject(code, "coding");
	cJSON_AddItemToArray(codings, fhir_coding(FHIR_SYS_CVX, l->cvx, NULL));
	if (l->ndc[0])
		cJSON_AddItemToArray(codings, fhir_coding(FHIR_SYS_NDC, l->ndc, NULL));
	cJSON_AddStringToObject(j, "status", l->active ? "active" : "inactive");
	if (l->mvx[0]) {
		cJSON *id = cJSON_AddObjectToObject(cJSON_AddObjectToObject(j, "manufacturer"), "identifier");
		cJSON_AddStringToObject(id, "system", FHIR_SYS_MVX);
		cJSON_AddStringToObject(id, "value", l->mvx);
	}
	cJSON *batch = cJSON_AddObjectToObject(j, "batch");
	cJSON_AddStringToObject(batch, "lotNumber", l->lot);
	char iso[DATE_ISO_LEN];
	if (l->expiry != DATE_NONE)
		cJSON_AddStringToObject(batch, "expirationDate", date_format_iso(l->expiry, iso));
	return j;
}

const char *lot_refusal(const struct vax_lot *l, vax_date day, char *buf, size_t len)
{
	char d[DATE_US_LEN];
	if (l->expiry != DATE_NONE && l->expiry < day) {
		snprintf(buf, len, "lot %s expired on %s", l->lot, date_format_us(l->expiry, d));
		return buf;
	}
	if (!l->active) {
		snprintf(buf, len, "lot %s is taken out of use", l->lot);
		return buf;
	}
	if (l->doses <= 0) {
		snprintf(buf, len, "lot %s has no doses left", l->lot);
		return buf;
	}
	return NULL;
}

bool lot_usable(const struct vax_lot *l, vax_date day)
{
	char b[64];
	return lot_refusal(l, day, b, sizeof b) == NULL;
}

const char *lot_number_check(const char *lot)
{
	static const char *const placeholders[] = {"NA",   "N/A", "UNK",  "UNKNOWN",
	                                           "NONE", "LOT", "TEST", "NOLOT"};
	char t[64];
	snprintf(t, sizeof t, "%s", lot);
	text_trim(t);
	if (!t[0])
		return NULL;
	for (size_t i = 0; i < sizeof placeholders / sizeof *placeholders; i++)
		if (!strcasecmp(t, placeholders[i]))
			return "Type the lot number printed on the vial, not a placeholder.";
	size_t n = strlen(t), digits = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (isdigit(c))
			digits++;
		else if (!isalpha(c) && c != '-')
			return "A lot number has letters, digits and hyphens only.";
	}
	if (n < 3)
		return "A lot number has at least 3 characters.";
	if (!digits)
		return "A lot number has at least one digit.";
	return NULL;
}

static void lot_key(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (; *in && o + 1 < len; in++)
		if (isalnum((unsigned char)*in))
			out[o++] = (char)toupper((unsigned char)*in);
	out[o] = '\0';
}

bool lot_number_same(const char *a, const char *b)
{
	char x[64], y[64];
	lot_key(a, x, sizeof x);
	lot_key(b, y, sizeof y);
	return x[0] && !strcmp(x, y);
}

/* ---- registry IDs ----------------------------------------------------------- */

char regid_check_digit(const char *digits)
{
	size_t n = strlen(digits);
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)digits[n - 1 - i]))
			return '\0';
		int d = digits[n - 1 - i] - '0';
		/* Luhn: from the right, every other digit (starting with the
		 * rightmost, since the check digit will follow) is doubled */
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return n ? (char)('0' + (10 - sum % 10) % 10) : '\0';
}

bool regid_normalize(const char *s, char out[REGID_LEN])
{
	size_t o = 0;
	for (; *s; s++) {
		if (*s == ' ' || *s == '-')
			continue;
		if (!isdigit((unsigned char)*s) || o == REGID_DIGITS)
			return false;
		out[o++] = *s;
	}
	out[o] = '\0';
	return o == REGID_DIGITS;
}

bool regid_valid(const char *s)
{
	char d[REGID_LEN];
	if (!regid_normalize(s, d))
		return false;
	char last = d[REGID_DIGITS - 1];
	d[REGID_DIGITS - 1] = '\0';
	return regid_check_digit(d) == last;
}

void regid_make(unsigned long eight, char out[REGID_LEN])
{
	eight = 10000000ul + eight % 90000000ul; /* 8 digits, never a leading 0 */
	snprintf(out, REGID_LEN, "%08lu", eight);
	out[8] = regid_check_digit(out);
	out[9] = '\0';
}

const char *regid_of(const struct client *c)
{
	for (int i = 0; i < c->n_ident; i++)
		if (!strcmp(c->ident[i].type, "SR") && !strcmp(c->ident[i].system, REGID_SYSTEM))
			return c->ident[i].value;
	return "";
}
