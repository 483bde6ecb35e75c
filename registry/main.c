/* registry/main.c - vaxregd entry point. */
#include "config.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vaxregd [OPTION]...\n"
		"The vaxdesk immunization registry server (FHIR R4 over HTTPS).\n"
		"\n"
		"  -h, --help     show this help and exit\n"
		"  -V, --version  show the version and exit\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			printf("vaxregd %s\n", PACKAGE_VERSION);
			return 0;
		}
		fprintf(stderr, "vaxregd: unknown option '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	usage(stderr);
	return 2;
}
