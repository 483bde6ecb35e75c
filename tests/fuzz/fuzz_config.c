/* tests/fuzz/fuzz_config.c - vaxdesk.conf parser on any bytes. */
#include <stdint.h>

#include "sys/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	config_defaults(&cfg, "fuzz");
	config_parse(&cfg, "fuzz.conf", (const char *)data, size);
	return 0;
}
