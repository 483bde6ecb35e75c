/* sys/codeload.c - see codeload.h */
#include "sys/codeload.h"

#include <stdlib.h>

#include "sys/fileio.h"

bool codeload_dir(struct codes *c, const char *dir, struct vax_error *err)
{
	for (int t = 0; t < CODES_TABLE_COUNT; t++) {
		char *path = fileio_join(dir, codes_table_file((enum codes_table)t));
		char *buf = NULL;
		size_t len;
		bool ok = fileio_read(path, &buf, &len, err) &&
		          codes_parse(c, (enum codes_table)t, path, buf, len, err);
		free(buf);
		free(path);
		if (!ok)
			return false;
	}
	return true;
}

struct codes *codeload_default(struct vax_error *err)
{
	struct codes *c = codes_new();
	char *dir = fileio_join(fileio_datadir(), "codes");
	bool ok = codeload_dir(c, dir, err);
	free(dir);
	if (!ok)
		codes_free(&c);
	return c;
}
