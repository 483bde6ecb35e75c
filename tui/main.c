/* tui/main.c - vaxdesk entry point. */
#include "config.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vaxdesk [OPTION]...\n"
		"Record immunizations in a state registry, online or offline.\n"
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
			printf("vaxdesk %s\n", PACKAGE_VERSION);
			return 0;
		}
		fprintf(stderr, "vaxdesk: unknown option '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	usage(stdout);
	return 0;
}
