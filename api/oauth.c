/* api/oauth.c - see oauth.h */
#include "api/oauth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "api/response.h"

#define GRANT_DEVICE "urn:ietf:params:oauth:grant-type:device_code"

void api_smart_default(struct api_smart *s)
{
	memset(s, 0, sizeof *s);
	s->grants = API_GRANT_PASSWORD;
	snprintf(s->token_endpoint, sizeof s->token_endpoint, "/auth/token");
	s->org_code = true;
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* An endpoint of the configuration: https on the registry's origin, no
 * controls or blanks; "" when absent. False if present and unusable. */
static bool endpoint(const cJSON *j, const char *name, const char *origin, char *out, size_t len,
                     struct vax_error *err)
{
	const char *u = str_of(j, name);
	out[0] = '\0';
	if (!u)
		return true;
	size_t ol = strlen(origin);
	bool on_origin = ol && strncasecmp(u, origin, ol) == 0 && (u[ol] == '/' || u[ol] == '\0');
	if (!on_origin)
		return error_set(err, "API-OAUTH-ORIGIN",
		                 "The registry's %s is on another server than the registry itself; vaxdesk "
		                 "sends passwords and tokens only to the registry.",
		                 name);
	if (strlen(u) >= len)
		return error_set(err, "API-PROTO-SMART", "The registry's %s is too long.", name);
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return error_set(err, "API-PROTO-SMART", "The registry's %s is not a URL.", name);
	snprintf(out, len, "%s", u);
	return true;
}

bool api_smart_parse(const char *body, size_t len, const char *origin, struct api_smart *s,
                     struct vax_error *err)
{
	api_smart_default(s);
	cJSON *j = api_json_parse(body, len, err);
	if (!j)
		return false;
	struct api_smart t;
	memset(&t, 0, sizeof t);
	t.published = true;
	bool ok = endpoint(j, "token_endpoint", origin, t.token_endpoint, sizeof t.token_endpoint, err) &&
	          endpoint(j, "device_authorization_endpoint", origin, t.device_endpoint,
	                   sizeof t.device_endpoint, err) &&
	          endpoint(j, "revocation_endpoint", origin, t.revocation_endpoint,
	                   sizeof t.revocation_endpoint, err);
	if (ok && !t.token_endpoint[0])
		ok = error_set(err, "API-PROTO-SMART",
		               "The registry's sign-in configuration names no token endpoint.");
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(j, "grant_types_supported"))
	{
		const char *v = cJSON_GetStringValue(g);
		if (!v)
			continue;
		t.grants |= !strcmp(v, "password")             ? API_GRANT_PASSWORD
		            : !strcmp(v, GRANT_DEVICE)         ? API_GRANT_DEVICE
		            : !strcmp(v, "refresh_token")      ? API_GRANT_REFRESH
		            : !strcmp(v, "client_credentials") ? API_GRANT_CLIENT
		                                               : 0u;
	}
	if (!t.device_endpoint[0])
		t.grants &= ~API_GRANT_DEVICE; /* the grant without its endpoint is no use */
	const cJSON *m;
	bool methods = false;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(j, "token_endpoint_auth_methods_supported"))
	{
		methods = true;
		const char *v = cJSON_GetStringValue(m);
		if (v && !strcmp(v, "client_secret_post"))
			t.secret_post = true;
	}
	if (!methods)
		t.secret_post = true; /* RFC 8414 2: client_secret_basic is the default, post is as common */
	t.org_code = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "org_code_required"));
	cJSON_Delete(j);
	if (ok)
		*s = t;
	return ok;
}

bool api_device_parse(const char *body, size_t len, struct api_device *d, struct vax_error *err)
{
	memset(d, 0, sizeof *d);
	cJSON *j = api_json_parse(body, len, err);
	if (!j)
		return false;
	const char *dc = str_of(j, "device_code"), *uc = str_of(j, "user_code");
	const char *uri = str_of(j, "verification_uri"), *full = str_of(j, "verification_uri_complete");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(j, "interval");
	bool ok = dc && *dc && strlen(dc) < sizeof d->device_code && uc && *uc && uri && *uri &&
	          strlen(uri) < sizeof d->uri && cJSON_IsNumber(exp) && exp->valuedouble > 0;
	for (const char *p = dc; ok && *p; p++)
		ok = (unsigned char)*p > 0x20 && *p != 0x7f;
	if (ok) {
		snprintf(d->device_code, sizeof d->device_code, "%s", dc);
		api_text_clean(d->user_code, sizeof d->user_code, uc);
		api_text_clean(d->uri, sizeof d->uri, uri);
		if (full && strlen(full) < sizeof d->uri_complete)
			api_text_clean(d->uri_complete, sizeof d->uri_complete, full);
		d->expires_in = exp->valuedouble > 86400 ? 86400 : (long)exp->valuedouble;
		d->interval = cJSON_IsNumber(iv) && iv->valuedouble >= 1 && iv->valuedouble <= 300
		                  ? (long)iv->valuedouble
		                  : 5; /* RFC 8628 3.2: 5 when not given */
	} else {
		error_set(err, "API-PROTO-DEVICE",
		          "The registry's answer to a device sign-in is not usable.");
	}
	cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "device_code");
	if (cJSON_IsString(c) && c->valuestring)
		OPENSSL_cleanse(c->valuestring, strlen(c->valuestring));
	cJSON_Delete(j);
	return ok;
}

void api_device_wipe(struct api_device *d)
{
	OPENSSL_cleanse(d, sizeof *d);
}

bool api_secret_file_read(const char *path, char *buf, size_t len, struct vax_error *err)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno == ELOOP ? "API-SECRET-MODE" : "API-SECRET-READ",
		                 errno == ELOOP
		                     ? "%s is a symbolic link; point the setting at the file itself."
		                     : "Cannot read %s: %s.",
		                 path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, "API-SECRET-READ", "%s is not a regular file.", path);
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return error_set(
		    err, "API-SECRET-MODE",
		    "%s can be read by others (mode %03o) or is not yours: it holds a secret, so "
		    "vaxdesk uses it only when it is yours alone (chmod 600).",
		    path, (unsigned)(st.st_mode & 0777));
	}
	size_t n = 0;
	ssize_t r;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	char more;
	bool whole = n + 1 < len || read(fd, &more, 1) <= 0;
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!whole && strlen(buf) + 1 >= len) {
		OPENSSL_cleanse(buf, len);
		return error_set(err, "API-SECRET-READ", "%s holds a secret longer than vaxdesk takes.",
		                 path);
	}
	/* blanks around it are not part of a token or secret */
	size_t b = strspn(buf, " \t");
	memmove(buf, buf + b, strlen(buf + b) + 1);
	for (size_t e = strlen(buf); e > 0 && (buf[e - 1] == ' ' || buf[e - 1] == '\t'); e--)
		buf[e - 1] = '\0';
	bool ok = buf[0] != '\0';
	for (const char *p = buf; ok && *p; p++)
		ok = (unsigned char)*p > 0x20 && *p != 0x7f;
	if (!ok) {
		OPENSSL_cleanse(buf, len);
		return error_set(err, "API-SECRET-READ", "%s holds no usable secret on its first line.",
		                 path);
	}
	return true;
}
