/* cache/lots.c - see lots.h. */
#include "cache/lots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "core/xalloc.h"
#include "sys/fileio.h"

void cache_lots_free(struct cache_lots *l)
{
	free(l->lot);
	l->lot = NULL;
	l->n = 0;
	l->as_of = 0;
}

static void add(struct cache_lots *l, const struct vax_lot *one)
{
	if (l->n >= LOT_MAX)
		return;
	l->lot = xrealloc(l->lot, (size_t)(l->n + 1) * sizeof *l->lot);
	l->lot[l->n++] = *one;
}

bool cache_lots_from_bundle(const struct api_bundle *b, int64_t as_of, struct cache_lots *out,
                            struct vax_error *err)
{
	struct cache_lots l = {.as_of = as_of};
	for (int i = 0; i < b->n; i++) {
		const struct api_entry *e = &b->entry[i];
		if (!e->resource || strcmp(e->resource_type, "Medication"))
			continue;
		struct vax_lot one;
		if (!lot_from_json(e->resource, &one, err)) {
			cache_lots_free(&l);
			return false;
		}
		add(&l, &one);
	}
	cache_lots_free(out);
	*out = l;
	return true;
}

static char *path_for(const char *dir, const char *org)
{
	char name[96];
	size_t o = (size_t)snprintf(name, sizeof name, "lots-");
	/* an org code is letters and digits; anything else stays out of a file name */
	for (const char *p = org; *p && o + 6 < sizeof name; p++)
		name[o++] = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
		                ? *p
		                : '_';
	snprintf(name + o, sizeof name - o, ".json");
	return fileio_join(dir, name);
}

bool cache_lots_load(const char *dir, const char *org, struct cache_lots *out, struct vax_error *err)
{
	cache_lots_free(out);
	char *path = path_for(dir, org);
	struct stat st;
	if (stat(path, &st) != 0) {
		free(path);
		return true; /* never read here yet */
	}
	char *buf = NULL;
	size_t len = 0;
	bool ok = fileio_read(path, &buf, &len, err);
	cJSON *j = ok ? cJSON_ParseWithLength(buf, len) : NULL;
	free(buf);
	if (ok && !j)
		ok = error_set(err, "LOTS-FILE",
		               "%s is not a lots file; it will be read again from the registry.", path);
	free(path);
	if (!ok)
		return false;
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "as_of"), *m;
	out->as_of = cJSON_IsNumber(at) ? (int64_t)at->valuedouble : 0;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(j, "lots"))
	{
		struct vax_lot one;
		if (lot_from_json(m, &one, NULL))
			add(out, &one);
	}
	cJSON_Delete(j);
	return true;
}

bool cache_lots_save(const char *dir, const char *org, const struct cache_lots *l, struct vax_error *err)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "as_of", (double)l->as_of);
	cJSON *arr = cJSON_AddArrayToObject(j, "lots");
	for (int i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, lot_to_json(&l->lot[i]));
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	char *path = path_for(dir, org);
	bool ok = text && fileio_write_atomic(path, text, strlen(text), 0600, err);
	free(text);
	free(path);
	return ok;
}

bool cache_lots_use(struct cache_lots *l, const char *id, const char *lot, const char *cvx, int n)
{
	for (int i = 0; i < l->n; i++) {
		struct vax_lot *x = &l->lot[i];
		bool hit = id && id[0]
		               ? !strcmp(x->id, id)
		               : lot && lot_number_same(x->lot, lot) && (!cvx || !strcmp(x->cvx, cvx));
		if (!hit)
			continue;
		x->doses = x->doses > n ? x->doses - n : 0;
		return true;
	}
	return false;
}
