/* tests/fuzz/replay.c - a main() for fuzz targets in ordinary builds: runs
 * LLVMFuzzerTestOneInput once per file named on the command line (or per
 * file in a named directory), as libFuzzer does when given files. So the
 * corpus, including every crash ever found, is replayed by `make check`. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sys/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	char *buf;
	size_t len;
	struct vax_error err = {0};
	if (!fileio_read(path, &buf, &len, &err)) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	/* a copy of exactly len bytes, so ASan sees reads past the end */
	uint8_t *exact = malloc(len ? len : 1);
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad += run_file(argv[i]);
			files++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char *p = fileio_join(argv[i], e->d_name);
			bad += run_file(p);
			files++;
			free(p);
		}
		if (d)
			closedir(d);
	}
	printf("%s: replayed %d inputs\n", argv[0], files);
	return bad ? 1 : 0;
}
