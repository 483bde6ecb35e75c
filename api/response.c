/* api/response.c - see response.h */
#include "api/response.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/text.h"

cJSON *api_json_parse(const char *body, size_t len, struct vax_error *err)
{
	if (!body || len == 0) {
		error_set(err, "API-PROTO-EMPTY",
		          "The registry sent an empty answer where data was expected.");
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		error_set(err, "API-PROTO-MALFORMED", "The registry's answer is not valid JSON.");
		return NULL;
	}
	return j;
}

static char *clean(char *dst, size_t len, const char *src, bool keep_newlines)
{
	size_t o = 0;
	bool blank = true; /* drop leading blanks */
	if (!len)
		return dst;
	if (!src)
		src = "";
	const unsigned char *s = (const unsigned char *)src;
	while (*s) {
		uint32_t cp;
		size_t n = text_utf8_decode((const char *)s, strnlen((const char *)s, 4), &cp);
		if (n == 0) {
			s++;
			n = 1;
			if (o + 1 >= len)
				break;
			dst[o++] = '?';
			blank = false;
			continue;
		}
		/* C0, DEL and C1 (0xC2 0x80..0x9F: CSI and friends) are controls */
		bool c1 = n == 2 && s[0] == 0xc2 && s[1] <= 0x9f;
		bool c0 = n == 1 && (*s < 0x20 || *s == 0x7f);
		if (c0 && keep_newlines && *s == '\n') {
			if (o + 1 >= len)
				break;
			while (o && dst[o - 1] == ' ')
				o--;
			dst[o++] = '\n';
			blank = true;
			s++;
			continue;
		}
		/* a control, like a space, is one blank between words */
		if (c1 || c0 || (n == 1 && *s == ' ')) {
			s += n;
			if (!blank) {
				if (o + 1 >= len)
					break;
				dst[o++] = ' ';
				blank = true;
			}
			continue;
		}
		if (o + n >= len)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
		blank = false;
	}
	while (o && (dst[o - 1] == ' ' || dst[o - 1] == '\n'))
		o--;
	dst[o] = '\0';
	return dst;
}

char *api_text_clean(char *dst, size_t len, const char *src)
{
	return clean(dst, len, src, false);
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static const char *str_or_empty(const cJSON *o, const char *name)
{
	const char *s = str_of(o, name);
	return s ? s : "";
}

static void append(char *buf, size_t len, size_t *o, const char *text)
{
	if (!*text || *o + 1 >= len)
		return;
	char tmp[512];
	api_text_clean(tmp, sizeof tmp, text);
	if (!tmp[0])
		return;
	int n = snprintf(buf + *o, len - *o, "%s%s", *o ? "; " : "", tmp);
	if (n < 0)
		return;
	if ((size_t)n >= len - *o) {
		/* cut at a character boundary */
		size_t end = len - 1;
		while (end > *o && ((unsigned char)buf[end] & 0xc0) == 0x80)
			end--;
		buf[end] = '\0';
		*o = end;
	} else {
		*o += (size_t)n;
	}
}

bool api_outcome_text_json(const cJSON *oo, char *buf, size_t buflen)
{
	if (!buflen)
		return false;
	buf[0] = '\0';
	const char *rt = str_of(oo, "resourceType");
	if (!rt || strcmp(rt, "OperationOutcome") != 0)
		return false;
	const cJSON *issues = cJSON_GetObjectItemCaseSensitive(oo, "issue");
	if (!cJSON_IsArray(issues))
		return false;
	size_t o = 0;
	int shown = 0;
	/* Two passes: what stopped the request first, then warnings. */
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *is;
		cJSON_ArrayForEach(is, issues)
		{
			if (!cJSON_IsObject(is) || shown >= 4)
				continue;
			const char *sev = str_or_empty(is, "severity");
			bool serious = !strcmp(sev, "error") || !strcmp(sev, "fatal");
			if (serious != (pass == 0))
				continue;
			if (!strcmp(sev, "information"))
				continue;
			const char *text = str_of(is, "diagnostics");
			if (!text)
				text = str_of(cJSON_GetObjectItemCaseSensitive(is, "details"), "text");
			if (!text) {
				const cJSON *coding = cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(is, "details"), "coding");
				if (cJSON_IsArray(coding))
					text = str_of(cJSON_GetArrayItem(coding, 0), "display");
			}
			if (!text)
				text = str_of(is, "code");
			if (!text)
				continue;
			append(buf, buflen, &o, text);
			shown++;
		}
	}
	return o > 0;
}

bool api_outcome_text(const char *body, size_t len, char *buf, size_t buflen)
{
	if (buflen)
		buf[0] = '\0';
	if (!body || !len || !buflen)
		return false;
	cJSON *j = cJSON_ParseWithLength(body, len);
	bool ok = j && api_outcome_text_json(j, buf, buflen);
	cJSON_Delete(j);
	return ok;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	api_text_clean(dst, len, src);
}

/* Wipe a string value in the tree before cJSON_Delete frees it. */
static void wipe_item(cJSON *o, const char *name)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (cJSON_IsString(v) && v->valuestring)
		OPENSSL_cleanse(v->valuestring, strlen(v->valuestring));
}

static bool bool_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsTrue(v) || (cJSON_IsString(v) && v->valuestring && !strcmp(v->valuestring, "true"));
}

static long num_of(const cJSON *o, const char *name, long dflt, long max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	double d;
	if (cJSON_IsNumber(v))
		d = v->valuedouble;
	else if (cJSON_IsString(v) && v->valuestring && *v->valuestring)
		d = strtod(v->valuestring, NULL);
	else
		return dflt;
	if (!isfinite(d) || d < 0)
		return dflt;
	return d > (double)max ? max : (long)d;
}

/* A token is base64url, hex or a JWT: printable ASCII with no blanks, so it
 * can go in a header line as it is. */
static bool token_chars_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

bool api_token_parse(const char *body, size_t len, struct api_token *t, struct vax_error *err)
{
	memset(t, 0, sizeof *t);
	t->password_expires_in_days = -1;
	cJSON *j = api_json_parse(body, len, err);
	if (!j)
		return false;
	bool ok = false;
	const char *tok = str_of(j, "access_token");
	const char *type = str_of(j, "token_type");
	if (!tok || !token_chars_ok(tok) || strlen(tok) >= sizeof t->access_token) {
		error_set(err, "API-PROTO-TOKEN", "The registry's login answer has no usable access token.");
		goto out;
	}
	if (type && strcasecmp(type, "bearer") != 0) {
		error_set(err, "API-PROTO-TOKEN", "The registry issued a token of an unknown type.");
		goto out;
	}
	memcpy(t->access_token, tok, strlen(tok) + 1);
	snprintf(t->token_type, sizeof t->token_type, "Bearer");
	const char *rt = str_of(j, "refresh_token");
	if (rt && token_chars_ok(rt) && strlen(rt) < sizeof t->refresh_token)
		memcpy(t->refresh_token, rt, strlen(rt) + 1);
	t->expires_in = num_of(j, "expires_in", 0, 366L * 86400);
	t->refresh_expires_in = num_of(j, "refresh_expires_in", 0, 366L * 86400);
	copy_str(t->org_code, sizeof t->org_code, str_or_empty(j, "org_code"));
	copy_str(t->org_name, sizeof t->org_name, str_or_empty(j, "org_name"));
	copy_str(t->username, sizeof t->username, str_or_empty(j, "username"));
	/* SMART: the user's FHIR resource, as a reference (Medplum) or a URL */
	const cJSON *prof = cJSON_GetObjectItemCaseSensitive(j, "profile");
	copy_str(t->profile, sizeof t->profile,
	         cJSON_IsObject(prof) ? str_or_empty(prof, "reference") : str_or_empty(j, "fhirUser"));
	copy_str(t->profile_name, sizeof t->profile_name,
	         cJSON_IsObject(prof) ? str_or_empty(prof, "display") : "");
	copy_str(t->role, sizeof t->role, str_or_empty(j, "role"));
	copy_str(t->forecast_rules, sizeof t->forecast_rules, str_or_empty(j, "forecast_rules"));
	t->reset_required = bool_of(j, "reset_required");
	t->confidentiality_required = bool_of(j, "confidentiality_required");
	t->password_expires_in_days = num_of(j, "password_expires_in_days", -1, 100000);
	const cJSON *orgs = cJSON_GetObjectItemCaseSensitive(j, "organizations");
	const cJSON *o;
	if (!cJSON_IsArray(orgs))
		orgs = NULL;
	cJSON_ArrayForEach(o, orgs)
	{
		if (t->n_orgs >= API_ORGS_MAX)
			break;
		const char *code = str_of(o, "code");
		if (!code || !*code)
			continue;
		copy_str(t->orgs[t->n_orgs].code, sizeof t->orgs[0].code, code);
		copy_str(t->orgs[t->n_orgs].name, sizeof t->orgs[0].name, str_or_empty(o, "name"));
		t->n_orgs++;
	}
	ok = true;
out:
	wipe_item(j, "access_token");
	wipe_item(j, "refresh_token");
	cJSON_Delete(j);
	return ok;
}

void api_token_wipe(struct api_token *t)
{
	OPENSSL_cleanse(t->access_token, sizeof t->access_token);
	OPENSSL_cleanse(t->refresh_token, sizeof t->refresh_token);
}

bool api_token_error_parse(const char *body, size_t len, struct api_token_error *e)
{
	memset(e, 0, sizeof *e);
	e->attempts_remaining = -1;
	if (!body || !len)
		return false;
	cJSON *j = cJSON_ParseWithLength(body, len);
	const char *code = j ? str_of(j, "error") : NULL;
	if (!code) {
		cJSON_Delete(j);
		return false;
	}
	copy_str(e->error, sizeof e->error, code);
	copy_str(e->description, sizeof e->description, str_or_empty(j, "error_description"));
	e->attempts_remaining = (int)num_of(j, "attempts_remaining", -1, 1000);
	e->reset_required = bool_of(j, "reset_required");
	e->retry_after = (int)num_of(j, "retry_after", 0, 86400);
	e->confidentiality_required = bool_of(j, "confidentiality_required");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "captcha");
	if (cJSON_IsString(c) && c->valuestring && *c->valuestring) {
		e->captcha = true;
		copy_str(e->challenge, sizeof e->challenge, c->valuestring);
	} else if (cJSON_IsObject(c)) {
		e->captcha = true;
		const char *q = str_of(c, "question");
		copy_str(e->challenge, sizeof e->challenge, q ? q : str_or_empty(c, "text"));
	} else if (cJSON_IsTrue(c)) {
		e->captcha = true;
	}
	cJSON_Delete(j);
	return true;
}

bool api_confidentiality_parse(const char *body, size_t len, const char *content_type, char **text,
                               char *version, size_t version_len, struct vax_error *err)
{
	*text = NULL;
	if (version_len)
		version[0] = '\0';
	if (!body || !len) {
		error_set(err, "API-PROTO-EMPTY", "The registry sent no confidentiality statement.");
		return false;
	}
	const char *src = NULL;
	cJSON *j = NULL;
	if (content_type && strstr(content_type, "json")) {
		j = api_json_parse(body, len, err);
		if (!j)
			return false;
		src = str_of(j, "text");
		if (!src) {
			cJSON_Delete(j);
			return error_set(err, "API-PROTO-MALFORMED",
			                 "The confidentiality statement from the registry has no text.");
		}
		if (version_len)
			copy_str(version, version_len, str_or_empty(j, "version"));
	}
	char *raw = NULL;
	if (!src) {
		raw = strndup(body, len);
		if (!raw) {
			return error_set(err, "API-NOMEM", "Out of memory.");
		}
		src = raw;
	}
	size_t cap = strlen(src) + 1;
	*text = malloc(cap);
	if (*text)
		clean(*text, cap, src, true);
	free(raw);
	cJSON_Delete(j);
	if (!*text)
		return error_set(err, "API-NOMEM", "Out of memory.");
	return true;
}

/* ---- Bundle ------------------------------------------------------------- */

void api_bundle_free(struct api_bundle *b)
{
	if (!b)
		return;
	cJSON_Delete(b->root);
	free(b->entry);
	memset(b, 0, sizeof *b);
}

static int parse_status(const char *s)
{
	/* "201 Created" or "201" */
	if (!s)
		return 0;
	int v = 0, n = 0;
	while (*s >= '0' && *s <= '9' && n < 3)
		v = v * 10 + (*s++ - '0'), n++;
	return n == 3 && v >= 100 && v <= 599 ? v : 0;
}

bool api_bundle_parse(const char *body, size_t len, struct api_bundle *b, struct vax_error *err)
{
	memset(b, 0, sizeof *b);
	b->total = -1;
	b->root = api_json_parse(body, len, err);
	if (!b->root)
		return false;
	const char *rt = str_of(b->root, "resourceType");
	if (!rt || strcmp(rt, "Bundle") != 0)
		return error_set(err, "API-PROTO-NOT-BUNDLE",
		                 "The registry sent a %s where a Bundle was expected.",
		                 rt && strlen(rt) < 40 && token_chars_ok(rt) ? rt : "non-FHIR answer");
	b->type = str_or_empty(b->root, "type");
	b->total = num_of(b->root, "total", -1, 1L << 30);
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(b->root, "link");
	const cJSON *l;
	if (!cJSON_IsArray(links))
		links = NULL;
	cJSON_ArrayForEach(l, links)
	{
		const char *rel = str_of(l, "relation");
		const char *url = str_of(l, "url");
		if (rel && url && !strcmp(rel, "next") && token_chars_ok(url))
			b->next = url;
	}
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(b->root, "entry");
	if (entries && !cJSON_IsArray(entries))
		return error_set(err, "API-PROTO-MALFORMED",
		                 "The registry's Bundle has a malformed entry list.");
	int n = entries ? cJSON_GetArraySize(entries) : 0;
	if (n > 0) {
		b->entry = calloc((size_t)n, sizeof *b->entry);
		if (!b->entry)
			return error_set(err, "API-NOMEM", "Out of memory reading the registry's answer.");
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, entries)
	{
		if (!cJSON_IsObject(e))
			continue;
		struct api_entry *x = &b->entry[b->n++];
		x->score = -1;
		x->full_url = str_or_empty(e, "fullUrl");
		x->resource_type = x->id = x->mode = x->match_grade = x->location = x->etag = "";
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (cJSON_IsObject(res)) {
			x->resource = res;
			x->resource_type = str_or_empty(res, "resourceType");
			x->id = str_or_empty(res, "id");
		}
		const cJSON *search = cJSON_GetObjectItemCaseSensitive(e, "search");
		if (cJSON_IsObject(search)) {
			x->mode = str_or_empty(search, "mode");
			const cJSON *sc = cJSON_GetObjectItemCaseSensitive(search, "score");
			if (cJSON_IsNumber(sc) && isfinite(sc->valuedouble))
				x->score = sc->valuedouble;
			const cJSON *ext, *exts = cJSON_GetObjectItemCaseSensitive(search, "extension");
			if (!cJSON_IsArray(exts))
				exts = NULL;
			cJSON_ArrayForEach(ext, exts)
			{
				const char *url = str_of(ext, "url");
				if (url && strstr(url, "match-grade"))
					x->match_grade = str_or_empty(ext, "valueCode");
			}
		}
		const cJSON *resp = cJSON_GetObjectItemCaseSensitive(e, "response");
		if (cJSON_IsObject(resp)) {
			x->status = parse_status(str_of(resp, "status"));
			x->location = str_or_empty(resp, "location");
			x->etag = str_or_empty(resp, "etag");
			const cJSON *oo = cJSON_GetObjectItemCaseSensitive(resp, "outcome");
			if (cJSON_IsObject(oo))
				x->outcome = oo;
		}
	}
	return true;
}

static void copy_part(char *dst, size_t len, const char *s, size_t n)
{
	if (!dst || !len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

bool api_ref_split(const char *ref, char *type, size_t tl, char *id, size_t il, char *version, size_t vl)
{
	copy_part(type, tl, "", 0);
	copy_part(id, il, "", 0);
	copy_part(version, vl, "", 0);
	if (!ref || !*ref)
		return false;
	/* Find "<Type>/<id>" : the last capitalised segment followed by an id,
	 * optionally "/_history/<vid>". */
	const char *segs[64];
	size_t lens[64];
	int n = 0;
	const char *p = ref;
	const char *q = strchr(p, '?');
	size_t total = q ? (size_t)(q - p) : strlen(p);
	const char *end = p + total;
	while (p < end && n < 64) {
		const char *s = memchr(p, '/', (size_t)(end - p));
		size_t l = s ? (size_t)(s - p) : (size_t)(end - p);
		segs[n] = p;
		lens[n] = l;
		n++;
		p += l + (s ? 1 : 0);
		if (!s)
			break;
	}
	for (int i = n - 2; i >= 0; i--) {
		if (lens[i] == 0 || lens[i + 1] == 0 || segs[i][0] < 'A' || segs[i][0] > 'Z' ||
		    (lens[i + 1] == 8 && !strncmp(segs[i + 1], "_history", 8)))
			continue;
		if (lens[i + 1] >= il || lens[i] >= tl)
			return false;
		copy_part(type, tl, segs[i], lens[i]);
		copy_part(id, il, segs[i + 1], lens[i + 1]);
		if (i + 3 < n && lens[i + 2] == 8 && !strncmp(segs[i + 2], "_history", 8))
			copy_part(version, vl, segs[i + 3], lens[i + 3]);
		return true;
	}
	return false;
}
