/* sys/config.c - see config.h */
#include "sys/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "sys/fileio.h"

void config_defaults(struct config *cfg, const char *workstation)
{
	memset(cfg, 0, sizeof *cfg);
	text_copy(cfg->workstation, sizeof cfg->workstation, workstation ? workstation : "workstation");
	cfg->idle_lock_minutes = 15;
	cfg->cache_retention_days = 90;
	cfg->connect_timeout_seconds = 10;
	cfg->auto_sync = true;
	text_copy(cfg->registry_state, sizeof cfg->registry_state, "TX");
	cfg->sync_batch = 1000;
	cfg->registry_forecast = CONFIG_FORECAST_YES;
}

static void report(struct config *cfg, const char *label, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(struct config *cfg, const char *label, int line, const char *fmt, ...)
{
	if (cfg->n_errors >= CONFIG_MAX_ERRORS) {
		cfg->n_errors_dropped++;
		return;
	}
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(cfg->errors[cfg->n_errors++], sizeof cfg->errors[0], "%s:%d: %s", label, line, msg);
}

static bool parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return false;
	*out = (int)n;
	return true;
}

/* sha256//<44 base64 chars>, several joined by ';' as libcurl takes them */
static bool pin_ok(const char *v)
{
	while (*v) {
		if (strncmp(v, "sha256//", 8))
			return false;
		v += 8;
		size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
		if (n != 44)
			return false;
		v += n;
		if (*v == ';')
			v++;
		else if (*v)
			return false;
	}
	return true;
}

enum kind { K_URL, K_PATH, K_PIN, K_NAME, K_INT, K_BOOL, K_PRINTER, K_PAPER, K_FORECAST };

static const struct setting {
	const char *key;
	enum kind kind;
	size_t off;
	size_t size;
	int lo, hi;
} settings[] = {
    {"registry_url", K_URL, offsetof(struct config, registry_url), CONFIG_STR_LEN, 0, 0},
    {"ca_file", K_PATH, offsetof(struct config, ca_file), CONFIG_STR_LEN, 0, 0},
    {"pinned_pubkey", K_PIN, offsetof(struct config, pinned_pubkey), CONFIG_STR_LEN, 0, 0},
    {"workstation", K_NAME, offsetof(struct config, workstation), 64, 0, 0},
    {"keys", K_PATH, offsetof(struct config, keys), CONFIG_STR_LEN, 0, 0},
    {"idle_lock_minutes", K_INT, offsetof(struct config, idle_lock_minutes), 0, 1, 240},
    {"cache_retention_days", K_INT, offsetof(struct config, cache_retention_days), 0, 1, 3650},
    {"connect_timeout_seconds", K_INT, offsetof(struct config, connect_timeout_seconds), 0, 1, 300},
    {"auto_sync", K_BOOL, offsetof(struct config, auto_sync), 0, 0, 0},
    {"client_id", K_NAME, offsetof(struct config, client_id), 128, 0, 0},
    {"client_secret_file", K_PATH, offsetof(struct config, client_secret_file), CONFIG_STR_LEN, 0, 0},
    {"token_file", K_PATH, offsetof(struct config, token_file), CONFIG_STR_LEN, 0, 0},
    {"organization", K_NAME, offsetof(struct config, organization), 64, 0, 0},
    {"registry_forecast", K_FORECAST, offsetof(struct config, registry_forecast), 0, 0, 0},
    {"registry_state", K_NAME, offsetof(struct config, registry_state), 3, 0, 0},
    {"sync_batch", K_INT, offsetof(struct config, sync_batch), 0, 1, 5000},
    {"printer", K_PRINTER, offsetof(struct config, printer), 128, 0, 0},
    {"paper", K_PAPER, offsetof(struct config, paper_a4), 0, 0, 0},
    {"print_dir", K_PATH, offsetof(struct config, print_dir), CONFIG_STR_LEN, 0, 0},
};

static void apply(struct config *cfg, const char *label, int line, const char *key, const char *val)
{
	const struct setting *s = NULL;
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		if (!strcmp(settings[i].key, key))
			s = &settings[i];
	if (!s) {
		report(cfg, label, line, "unknown setting '%s'", key);
		return;
	}
	char *field = (char *)cfg + s->off;
	switch (s->kind) {
	case K_INT:
		if (!parse_int(val, s->lo, s->hi, (int *)(void *)field))
			report(cfg, label, line, "%s must be a whole number from %d to %d", key, s->lo,
			       s->hi);
		return;
	case K_BOOL: {
		bool yes = text_ieq(val, "yes") || text_ieq(val, "true") || text_ieq(val, "on");
		bool no = text_ieq(val, "no") || text_ieq(val, "false") || text_ieq(val, "off");
		if (yes || no)
			*(bool *)(void *)field = yes;
		else
			report(cfg, label, line, "%s must be yes or no", key);
		return;
	}
	case K_FORECAST: {
		bool yes = text_ieq(val, "yes") || text_ieq(val, "true") || text_ieq(val, "on");
		bool no = text_ieq(val, "no") || text_ieq(val, "false") || text_ieq(val, "off");
		if (yes || no || text_ieq(val, "always"))
			*(int *)(void *)field = yes  ? CONFIG_FORECAST_YES
			                        : no ? CONFIG_FORECAST_NO
			                             : CONFIG_FORECAST_ALWAYS;
		else
			report(cfg, label, line, "%s must be yes, no or always", key);
		return;
	}
	case K_PAPER:
		if (text_ieq(val, "letter") || text_ieq(val, "a4"))
			*(bool *)(void *)field = text_ieq(val, "a4");
		else
			report(cfg, label, line, "paper must be letter or a4");
		return;
	case K_PRINTER:
		/* a CUPS destination name: printable, no space, '/' or '#' */
		for (const char *p = val; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == '/' || *p == '#' || *p == 0x7f) {
				report(cfg, label, line,
				       "printer must be a CUPS printer name (no spaces, '/' or '#')");
				return;
			}
		break;
	case K_URL:
		/* the registry holds PHI: plain http is never accepted */
		if (strncmp(val, "https://", 8) || !val[8]) {
			report(cfg, label, line, "registry_url must start with https://");
			return;
		}
		break;
	case K_PIN:
		if (!pin_ok(val)) {
			report(cfg, label, line,
			       "pinned_pubkey must be sha256//<base64 of 32 bytes> (several joined by ';')");
			/* without it the connection would go unpinned: never silently */
			if (!cfg->fatal[0])
				snprintf(
				    cfg->fatal, sizeof cfg->fatal,
				    "%s:%d: pinned_pubkey is not sha256//<base64 of 32 bytes>: fix or remove "
				    "the line (vaxdesk never connects without the pin it was given)",
				    label, line);
			return;
		}
		break;
	case K_PATH:
	case K_NAME:
		break;
	}
	if (strlen(val) >= s->size) {
		report(cfg, label, line, "%s is too long (at most %zu characters)", key, s->size - 1);
		return;
	}
	if (!text_utf8_valid(val)) {
		report(cfg, label, line, "%s is not valid UTF-8 text", key);
		return;
	}
	strcpy(field, val);
}

int config_parse(struct config *cfg, const char *label, const char *buf, size_t len)
{
	int before = cfg->n_errors + cfg->n_errors_dropped;
	const char *p = buf, *end = buf + len;
	int line = 0;
	while (p < end) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;
		if (n > 1000) {
			report(cfg, label, line, "line is too long");
			p = next;
			continue;
		}
		char ln[1001];
		memcpy(ln, p, n);
		ln[n] = '\0';
		p = next;
		if (memchr(ln, '\0', n)) {
			report(cfg, label, line, "line contains a NUL byte");
			continue;
		}
		if (n && ln[n - 1] == '\r')
			ln[n - 1] = '\0';
		char *s = text_trim(ln);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			report(cfg, label, line, "expected 'key = value'");
			continue;
		}
		*eq = '\0';
		char *key = text_trim(s), *val = text_trim(eq + 1);
		if (!*key) {
			report(cfg, label, line, "expected 'key = value'");
			continue;
		}
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		apply(cfg, label, line, key, val);
	}
	return cfg->n_errors + cfg->n_errors_dropped - before;
}

int config_load(struct config *cfg, const char *path)
{
	char *buf;
	size_t len;
	struct vax_error err = {0};
	if (!fileio_read(path, &buf, &len, &err)) {
		if (!strcmp(err.code, "FILE-OPEN") && strstr(err.message, "No such file"))
			return 0;
		report(cfg, path, 0, "%s", err.message);
		return 1;
	}
	int n = config_parse(cfg, path, buf, len);
	free(buf);
	return n;
}

void config_default_org(const struct config *cfg, char *buf, size_t len)
{
	if (cfg->organization[0]) {
		snprintf(buf, len, "%s", cfg->organization);
		return;
	}
	const char *h = strstr(cfg->registry_url, "://");
	h = h ? h + 3 : cfg->registry_url;
	snprintf(buf, len, "%.*s", (int)strcspn(h, "/?#"), h);
}

char *config_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char *p;
	if (x && *x)
		p = fileio_join(x, "vaxdesk/vaxdesk.conf");
	else {
		char *base = fileio_join(home && *home ? home : ".", ".config");
		p = fileio_join(base, "vaxdesk/vaxdesk.conf");
		free(base);
	}
	return p;
}
