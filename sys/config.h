/* sys/config.h - vaxdesk.conf: `key = value` lines (see vaxdesk.conf(5)).
 *
 * A bad line never stops the program: it is reported as file:line: message
 * and the default stays; except a bad pinned_pubkey, whose default (no pin)
 * would be weaker than what was asked: it is also put in cfg->fatal, and
 * the programs refuse to start. The parser works on a buffer (and is fuzzed that
 * way); config_load() adds the file reading. */
#ifndef VAX_SYS_CONFIG_H
#define VAX_SYS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define CONFIG_MAX_ERRORS 32
#define CONFIG_STR_LEN    512

/* registry_forecast: no; yes, unless the registry forecasts with the rules
 * this workstation has (the same answer, not downloaded); always. */
enum { CONFIG_FORECAST_NO, CONFIG_FORECAST_YES, CONFIG_FORECAST_ALWAYS };

struct config {
	char registry_url[CONFIG_STR_LEN];
	char ca_file[CONFIG_STR_LEN];
	char pinned_pubkey[CONFIG_STR_LEN];
	char workstation[64];
	char keys[CONFIG_STR_LEN]; /* extra keymap: "vi" or a keys file */
	int idle_lock_minutes;
	int cache_retention_days;
	int connect_timeout_seconds;
	/* signing in besides a person's password (vaxdesk.conf(5)) */
	char client_id[128];                     /* this workstation's OAuth client id ("" = vaxdesk) */
	char client_secret_file[CONFIG_STR_LEN]; /* its secret: client credentials */
	char token_file[CONFIG_STR_LEN];         /* a bearer token set up for it */
	char organization[64];                   /* the organization a sign-in without one works for */
	/* show the registry's $immds-forecast where it has one: CONFIG_FORECAST_YES
	 * (the default) when its rules differ from the workstation's */
	int registry_forecast;
	bool auto_sync;                 /* send the outbox by itself when online (default yes) */
	int sync_batch;                 /* records in one upload Bundle (default 1000, cache/sync.h) */
	char printer[128];              /* CUPS destination for lp; "" = CUPS's default */
	bool paper_a4;                  /* A4 instead of US Letter */
	char print_dir[CONFIG_STR_LEN]; /* where documents are saved; "" = the home folder */
	char registry_state[3];         /* the registry's state: new addresses start there (default TX) */

	/* a bad setting that must stop start-up (file:line: message), "" if none */
	char fatal[256];
	/* what was wrong with the file, for the screen to show after it opens */
	char errors[CONFIG_MAX_ERRORS][256];
	int n_errors;
	int n_errors_dropped;
};

/** Set every setting to its default; workstation from the caller (host name). */
void config_defaults(struct config *cfg, const char *workstation);
/** Apply the settings in buf; label names the file in messages. Returns the
 * number of bad lines (also in cfg->n_errors). */
int config_parse(struct config *cfg, const char *label, const char *buf, size_t len);
/** Read and apply a file. A missing file is not an error (defaults apply);
 * an unreadable one is reported in cfg->errors. */
int config_load(struct config *cfg, const char *path);
/** The organization a sign-in that names none works for: organization, else
 * the registry's host (a stable name for its records on this workstation). */
void config_default_org(const struct config *cfg, char *buf, size_t len);
/** $XDG_CONFIG_HOME/vaxdesk/vaxdesk.conf (or ~/.config/...); malloc'd. */
char *config_default_path(void);

#endif
