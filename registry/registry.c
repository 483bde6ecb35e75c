/* registry/registry.c - the registry object (store, code tables,
 * configuration) and maintenance mode; see routes.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "registry/routes_int.h"

struct registry {
	struct store *st;
	const struct codes *codes;
	struct registry_config cfg;
	atomic_int forced;
	/* maintenance as the store has it (every server of a registry sees
	 * it), looked up at most once a second: second and retry seconds */
	atomic_llong maint_checked;
	atomic_int maint_retry;
};

struct registry *registry_new(struct store *st, const struct codes *codes, const struct registry_config *cfg)
{
	struct registry *a = calloc(1, sizeof *a);
	if (!a)
		abort();
	a->st = st;
	a->codes = codes;
	a->cfg = *cfg;
	if (a->cfg.token_ttl <= 0)
		a->cfg.token_ttl = 900;
	if (a->cfg.reset_ttl <= 0)
		a->cfg.reset_ttl = 86400;
	if (a->cfg.session_max <= 0)
		a->cfg.session_max = 43200;
	if (a->cfg.login_delay <= 0)
		a->cfg.login_delay = 15;
	if (a->cfg.refresh_ttl <= 0)
		a->cfg.refresh_ttl = 8 * 3600;
	if (a->cfg.device_ttl <= 0)
		a->cfg.device_ttl = 600;
	if (a->cfg.device_interval <= 0)
		a->cfg.device_interval = 5;
	if (a->cfg.page_max <= 0)
		a->cfg.page_max = 200;
	atomic_init(&a->forced, -1);
	return a;
}

void registry_free(struct registry *a)
{
	free(a);
}

struct store *reg_store(struct registry *a)
{
	return a->st;
}

const struct registry_config *reg_cfg(struct registry *a)
{
	return &a->cfg;
}

const struct codes *reg_codes(struct registry *a)
{
	return a->codes;
}

void registry_set_maintenance(struct registry *a, int forced)
{
	atomic_store(&a->forced, forced);
}

bool registry_in_maintenance(struct registry *a, int64_t now, int *retry_after)
{
	int forced = atomic_load(&a->forced);
	*retry_after = 0;
	if (forced == 0)
		return false;
	if (forced == 1) {
		*retry_after = 300;
		return true;
	}
	if (a->cfg.datadir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/maintenance", a->cfg.datadir);
		FILE *f = fopen(path, "r");
		if (f) {
			/* the flag file may hold the expected duration in seconds */
			int secs = 0;
			if (fscanf(f, "%d", &secs) != 1 || secs <= 0 || secs > 7 * 86400)
				secs = 600;
			fclose(f);
			*retry_after = secs;
			return true;
		}
	}
	/* set for the whole registry (vaxregd maintenance on with a database) */
	if (atomic_load(&a->maint_checked) != now) {
		char v[32];
		int got = a->st ? store_setting_get(a->st, "maintenance", v, sizeof v, NULL) : 0;
		int secs = got == 1 ? atoi(v) : 0;
		atomic_store(&a->maint_retry, got == 1 ? (secs > 0 && secs <= 7 * 86400 ? secs : 600) : 0);
		atomic_store(&a->maint_checked, now);
	}
	if (atomic_load(&a->maint_retry) > 0) {
		*retry_after = atomic_load(&a->maint_retry);
		return true;
	}
	if (a->cfg.maint_start >= 0 && a->cfg.maint_end >= 0 && a->cfg.maint_start != a->cfg.maint_end) {
		int m = (int)((now % 86400) / 60), s = a->cfg.maint_start, e = a->cfg.maint_end;
		bool in = s < e ? (m >= s && m < e) : (m >= s || m < e);
		if (in) {
			int left = (e - m + 1440) % 1440;
			*retry_after = left * 60 - (int)(now % 60);
			if (*retry_after <= 0)
				*retry_after = 60;
			return true;
		}
	}
	return false;
}
