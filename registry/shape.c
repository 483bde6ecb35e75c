/* registry/shape.c - see shape.h. */
#include "registry/shape.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 200
#define EXPR_MAX_LEN 300
#define DEPTH_MAX    24

static int cmp_path(const void *k, const void *e)
{
	return strcmp(k, ((const struct shape_element *)e)->path);
}

static const struct shape_element *find(const char *path)
{
	return bsearch(path, shape_elements, shape_nelements, sizeof *shape_elements, cmp_path);
}

static bool fail(struct vax_error *err, const char *code, const char *expr, const char *why)
{
	return error_set(err, code, "%s: %s", expr, why);
}

/* The element key names under typepath, resolving value[x] choices: *type
 * receives the one type chosen. NULL if R4 has no such element. */
static const struct shape_element *lookup(const char *typepath, const char *key, char *type, size_t len)
{
	char path[PATH_MAX_LEN];
	snprintf(path, sizeof path, "%s.%s", typepath, key);
	const struct shape_element *e = find(path);
	if (e) {
		snprintf(type, len, "%s", e->types);
		return strchr(e->types, '|') ? NULL : e;
	}
	/* deceasedBoolean -> deceased[x] with type boolean */
	for (size_t i = 1; key[i]; i++) {
		if (!isupper((unsigned char)key[i]))
			continue;
		snprintf(path, sizeof path, "%s.%.*s[x]", typepath, (int)i, key);
		if (!(e = find(path)))
			continue;
		char want[64];
		snprintf(want, sizeof want, "%c%s", tolower((unsigned char)key[i]), key + i + 1);
		for (const char *t = e->types; *t;) {
			size_t n = strcspn(t, "|");
			/* a choice's type is written capitalised: valueString, valueCodeableConcept */
			if (n == strlen(want) && !strncasecmp(t, want, n)) {
				snprintf(type, len, "%.*s", (int)n, t);
				return e;
			}
			t += n + (t[n] == '|');
		}
		return NULL;
	}
	return NULL;
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY, YYYY-MM or YYYY-MM-DD; *rest after it. */
static bool date_part(const char *s, const char **rest)
{
	if (!digits(s, 4))
		return false;
	s += 4;
	if (*s == '-') {
		if (!digits(s + 1, 2) || s[1] > '1' || (s[1] == '1' && s[2] > '2') ||
		    (s[1] == '0' && s[2] == '0'))
			return false;
		s += 3;
		if (*s == '-') {
			if (!digits(s + 1, 2) || s[1] > '3' || (s[1] == '0' && s[2] == '0') ||
			    (s[1] == '3' && s[2] > '1'))
				return false;
			s += 3;
		}
	}
	*rest = s;
	return true;
}

/* hh:mm:ss(.fff) */
static bool time_part(const char *s, const char **rest)
{
	if (!digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' || !digits(s + 6, 2) ||
	    s[0] > '2' || s[3] > '5' || s[6] > '6')
		return false;
	s += 8;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	*rest = s;
	return true;
}

static bool zone(const char *s)
{
	if (!strcmp(s, "Z"))
		return true;
	return (s[0] == '+' || s[0] == '-') && digits(s + 1, 2) && s[3] == ':' && digits(s + 4, 2) && !s[6];
}

static bool date_time(const char *s, bool instant)
{
	const char *r;
	if (!date_part(s, &r))
		return false;
	if (!*r)
		return !instant;
	if (r - s != 10 || *r != 'T' || !time_part(r + 1, &r))
		return false;
	return zone(r);
}

/* One primitive value of type t. */
static bool primitive(const cJSON *v, const char *t, const char *expr, struct vax_error *err)
{
	if (!strcmp(t, "boolean"))
		return cJSON_IsBool(v) ? true : fail(err, "FHIR-INVALID", expr, "must be true or false.");
	if (!strcmp(t, "integer") || !strcmp(t, "positiveInt") || !strcmp(t, "unsignedInt")) {
		double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
		if (!cJSON_IsNumber(v) || d != floor(d) || d > 2147483647.0 || d < -2147483648.0)
			return fail(err, "FHIR-INVALID", expr, "must be a whole number.");
		if ((t[0] == 'p' && d < 1) || (t[0] == 'u' && d < 0))
			return fail(err, "FHIR-INVALID", expr,
			            t[0] == 'p' ? "must be 1 or more." : "must be 0 or more.");
		return true;
	}
	if (!strcmp(t, "decimal"))
		return cJSON_IsNumber(v) ? true : fail(err, "FHIR-INVALID", expr, "must be a number.");
	if (!cJSON_IsString(v))
		return fail(err, "FHIR-INVALID", expr, "must be a string.");
	const char *s = v->valuestring;
	if (!*s)
		return fail(err, "FHIR-INVALID", expr, "must not be empty (leave the element out instead).");
	if (!strcmp(t, "date")) {
		const char *r;
		return date_part(s, &r) && !*r ? true
		                               : fail(err, "FHIR-INVALID", expr, "not a date (YYYY-MM-DD).");
	}
	if (!strcmp(t, "dateTime") || !strcmp(t, "instant"))
		return date_time(s, t[0] == 'i')
		           ? true
		           : fail(err, "FHIR-INVALID", expr,
		                  t[0] == 'i' ? "not an instant (YYYY-MM-DDThh:mm:ssZ)."
		                              : "not a date or date and time with a zone.");
	if (!strcmp(t, "time")) {
		const char *r;
		return time_part(s, &r) && !*r ? true
		                               : fail(err, "FHIR-INVALID", expr, "not a time (hh:mm:ss).");
	}
	if (!strcmp(t, "code") && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1])))
		return fail(err, "FHIR-INVALID", expr, "a code has no leading or trailing spaces.");
	if (!strcmp(t, "id")) {
		size_t n = strlen(s);
		bool ok = n <= 64;
		for (const char *p = s; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.';
		return ok ? true
		          : fail(err, "FHIR-INVALID", expr, "an id has 1-64 letters, digits, '-' or '.'.");
	}
	if (!strcmp(t, "uri") || !strcmp(t, "url") || !strcmp(t, "canonical") || !strcmp(t, "oid") ||
	    !strcmp(t, "uuid")) {
		for (const char *p = s; *p; p++)
			if (isspace((unsigned char)*p))
				return fail(err, "FHIR-INVALID", expr, "a URI has no spaces.");
	}
	return true;
}

static bool is_primitive(const char *t)
{
	return islower((unsigned char)t[0]);
}

static bool object(const cJSON *o, const char *typepath, const char *expr, int depth, bool is_resource,
                   struct vax_error *err);

/* A resource inside another (contained): only the types served. */
static bool resource(const cJSON *v, const char *expr, int depth, struct vax_error *err)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(v, "resourceType");
	static const char *served[] = {"Patient", "Immunization", "RelatedPerson",
	                               "Consent", "Group",        "Organization"};
	for (size_t i = 0; cJSON_IsString(rt) && i < sizeof served / sizeof *served; i++)
		if (!strcmp(rt->valuestring, served[i]))
			return object(v, served[i], expr, depth + 1, true, err);
	return fail(
	    err, "FHIR-INVALID", expr,
	    "a contained resource must be one of the types this registry serves (Patient, Immunization, "
	    "RelatedPerson, Consent, Group, Organization).");
}

static bool value(const cJSON *v, const char *type, const struct shape_element *e, const char *expr,
                  int depth, struct vax_error *err)
{
	if (is_primitive(type))
		return primitive(v, type, expr, err);
	if (!cJSON_IsObject(v))
		return fail(err, "FHIR-INVALID", expr, "must be an object.");
	if (!strcmp(type, "Resource"))
		return resource(v, expr, depth, err);
	if (type[0] == '@')
		return object(v, type + 1, expr, depth + 1, false, err);
	if (!strcmp(type, "BackboneElement") || !strcmp(type, "Element"))
		return object(v, e->path, expr, depth + 1, false, err);
	return object(v, type, expr, depth + 1, false, err);
}

/* Every required child of typepath is there (or its primitive extension). */
static bool required(const cJSON *o, const char *typepath, const char *expr, struct vax_error *err)
{
	size_t n = strlen(typepath);
	for (size_t i = 0; i < shape_nelements; i++) {
		const struct shape_element *e = &shape_elements[i];
		if (e->min == 0 || strncmp(e->path, typepath, n) || e->path[n] != '.' ||
		    strchr(e->path + n + 1, '.'))
			continue;
		const char *name = e->path + n + 1;
		size_t len = strlen(name);
		bool choice = len > 3 && !strcmp(name + len - 3, "[x]");
		bool found = false;
		const cJSON *c;
		cJSON_ArrayForEach(c, o)
		{
			const char *k = c->string[0] == '_' ? c->string + 1 : c->string;
			if (choice ? !strncmp(k, name, len - 3) && isupper((unsigned char)k[len - 3])
			           : !strcmp(k, name))
				found = true;
		}
		if (!found) {
			char x[EXPR_MAX_LEN];
			snprintf(x, sizeof x, "%s.%.*s", expr, (int)(choice ? len - 3 : len), name);
			return fail(err, "FHIR-INVALID", x, "is required.");
		}
	}
	return true;
}

static bool object(const cJSON *o, const char *typepath, const char *expr, int depth, bool is_resource,
                   struct vax_error *err)
{
	if (depth > DEPTH_MAX)
		return fail(err, "FHIR-INVALID", expr, "is nested too deeply.");
	if (!o->child)
		return fail(err, "FHIR-INVALID", expr, "must not be empty (leave the element out instead).");
	const cJSON *c;
	cJSON_ArrayForEach(c, o)
	{
		const char *key = c->string;
		char x[EXPR_MAX_LEN], type[64];
		snprintf(x, sizeof x, "%s.%s", expr, key);
		if (is_resource && !strcmp(key, "resourceType"))
			continue;
		if (!strcmp(key, "modifierExtension"))
			return fail(
			    err, "FHIR-MODIFIER", x,
			    "this registry knows no modifier extension, so it cannot keep the record without "
			    "changing its meaning.");
		if (!strcmp(key, "implicitRules"))
			return fail(err, "FHIR-MODIFIER", x,
			            "this registry cannot follow rules it does not know (implicitRules).");
		bool ext = key[0] == '_';
		const struct shape_element *e = lookup(typepath, ext ? key + 1 : key, type, sizeof type);
		if (!e)
			return fail(err, "FHIR-INVALID", x,
			            cJSON_IsNull(c) ? "null is not a FHIR value."
			                            : "FHIR R4 has no such element here.");
		if (ext && !is_primitive(type))
			return fail(err, "FHIR-INVALID", x, "only a primitive element has '_' extensions.");
		if (cJSON_IsArray(c) != e->many)
			return fail(err, "FHIR-INVALID", x,
			            e->many ? "must be a list." : "must be a single value, not a list.");
		const cJSON *items = e->many ? c->child : c;
		if (e->many && !items)
			return fail(err, "FHIR-INVALID", x,
			            "must not be an empty list (leave it out instead).");
		int i = 0;
		for (const cJSON *v = items; v; v = e->many ? v->next : NULL, i++) {
			char xi[EXPR_MAX_LEN + 16];
			if (e->many)
				snprintf(xi, sizeof xi, "%s[%d]", x, i);
			else
				snprintf(xi, sizeof xi, "%s", x);
			if (ext ? !(cJSON_IsNull(v) || object(v, "Element", xi, depth + 1, false, err))
			        : !value(v, type, e, xi, depth, err))
				return ext && cJSON_IsNull(v) ? true : false;
		}
	}
	return required(o, typepath, expr, err);
}

bool shape_check(const cJSON *res, const char *type, struct vax_error *err)
{
	if (!cJSON_IsObject(res))
		return fail(err, "FHIR-INVALID", type, "the body is not a JSON object.");
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(res, "resourceType");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, type)) {
		char x[64];
		snprintf(x, sizeof x, "%s.resourceType", type);
		char why[96];
		snprintf(why, sizeof why, "must be \"%s\".", type);
		return fail(err, "FHIR-INVALID", x, why);
	}
	return object(res, type, type, 0, true, err);
}
