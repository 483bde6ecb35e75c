/* tests/testutil.c - see testutil.h */
#include "tests/testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forecast/cdsi.h"
#include "forecast/school.h"

const char *testutil_datadir(void)
{
	const char *d = getenv("VAXDESK_DATADIR");
	return d && *d ? d : "data";
}

const char *testutil_srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

void testutil_load_schedules(struct cdsi_data **cdsi, struct school_reqs **texas)
{
	char dir[4096], path[4096];
	struct vax_error err = {0};
	snprintf(dir, sizeof dir, "%s/cdsi", testutil_datadir());
	snprintf(path, sizeof path, "%s/texas/school-requirements.txt", testutil_datadir());
	*cdsi = cdsi_data_load(dir, &err);
	*texas = *cdsi ? school_load(path, *cdsi, &err) : NULL;
	if (!*texas) {
		fprintf(stderr, "cannot load the schedule data: %s\n", err.message);
		abort();
	}
}

char *testutil_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *path;
	if (asprintf(&path, "%s/vaxtest.XXXXXX", base && *base ? base : "/tmp") < 0)
		abort();
	if (!mkdtemp(path))
		abort();
	return path;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

void testutil_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *testutil_write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (len && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
	return path;
}
