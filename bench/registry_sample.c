/* bench/registry_sample.c - what bench/state_scale.sh asks a seeded
 * registry for: a spread sample of its clients, written as the request
 * lists wrk's script reads (bench/state_scale.lua), one request a line.
 *
 *   registry_sample DATA OUTDIR [N]
 *
 * OUTDIR/ids        client ids (reads, histories, companions, new doses)
 * OUTDIR/search     Basic search queries: family, given and DOB as vaxdesk
 *                   sends them (URL-encoded)
 * OUTDIR/match      $match bodies: Parameters with the client as typed at a
 *                   desk (name, DOB, sex), on one line each
 * Reads through the store (either backend), never over the API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "registry/store.h"

static void url_put(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

static FILE *out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: registry_sample DATA OUTDIR [N]\n");
		return 2;
	}
	int want = argc > 3 ? atoi(argv[3]) : 2000;
	struct vax_error err = {0};
	struct store *st = store_open(argv[1], &err);
	if (!st) {
		fprintf(stderr, "registry_sample: %s\n", err.message);
		return 1;
	}
	struct store_query q = {.type = "Patient", .count = 0};
	long total = 0;
	char id1[1][65];
	struct store_res one;
	if (store_search(st, &q, &one, id1, &total, &err) < 0 || total <= 0) {
		fprintf(stderr, "registry_sample: no clients (%s)\n", err.message);
		return 1;
	}
	FILE *fi = out(argv[2], "ids"), *fs = out(argv[2], "search"), *fm = out(argv[2], "match");
	/* pages of 100 spread over the whole sort order */
	int pages = (want + 99) / 100, got = 0;
	struct store_res *r = calloc(100, sizeof *r);
	char(*ids)[65] = calloc(100, sizeof *ids);
	for (int p = 0; p < pages; p++) {
		q.count = 100;
		q.offset = (int)((total - 100 > 0 ? total - 100 : 0) * p / (pages > 1 ? pages - 1 : 1));
		int n = store_search(st, &q, r, ids, &total, &err);
		for (int i = 0; i < n; i++) {
			cJSON *j = cJSON_Parse(r[i].json);
			store_res_free(&r[i]);
			const cJSON *name =
			    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "name"), 0);
			const cJSON *fam = cJSON_GetObjectItemCaseSensitive(name, "family");
			const cJSON *giv =
			    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(name, "given"), 0);
			const cJSON *dob = cJSON_GetObjectItemCaseSensitive(j, "birthDate");
			const cJSON *sex = cJSON_GetObjectItemCaseSensitive(j, "gender");
			if (!cJSON_IsString(fam) || !cJSON_IsString(giv) || !cJSON_IsString(dob)) {
				cJSON_Delete(j);
				continue;
			}
			fprintf(fi, "%s\n", ids[i]);
			fputs("family=", fs);
			url_put(fs, fam->valuestring);
			fputs("&given=", fs);
			url_put(fs, giv->valuestring);
			fprintf(fs, "&birthdate=%s\n", dob->valuestring);
			cJSON *pt = cJSON_CreateObject();
			cJSON_AddStringToObject(pt, "resourceType", "Patient");
			cJSON *nm = cJSON_AddArrayToObject(pt, "name");
			cJSON *n0 = cJSON_CreateObject();
			cJSON_AddStringToObject(n0, "family", fam->valuestring);
			cJSON *g = cJSON_AddArrayToObject(n0, "given");
			cJSON_AddItemToArray(g, cJSON_CreateString(giv->valuestring));
			cJSON_AddItemToArray(nm, n0);
			if (cJSON_IsString(sex))
				cJSON_AddStringToObject(pt, "gender", sex->valuestring);
			cJSON_AddStringToObject(pt, "birthDate", dob->valuestring);
			cJSON *params = cJSON_CreateObject();
			cJSON_AddStringToObject(params, "resourceType", "Parameters");
			cJSON *pa = cJSON_AddArrayToObject(params, "parameter");
			cJSON *p0 = cJSON_CreateObject();
			cJSON_AddStringToObject(p0, "name", "resource");
			cJSON_AddItemToObject(p0, "resource", pt);
			cJSON_AddItemToArray(pa, p0);
			char *text = cJSON_PrintUnformatted(params);
			fprintf(fm, "%s\n", text);
			cJSON_free(text);
			cJSON_Delete(params);
			cJSON_Delete(j);
			got++;
		}
	}
	free(r);
	free(ids);
	fclose(fi);
	fclose(fs);
	fclose(fm);
	store_close(st);
	printf("%d clients sampled of %ld\n", got, total);
	return got > 0 ? 0 : 1;
}
