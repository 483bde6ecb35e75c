/* core/error.c - see error.h */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool error_set(struct vax_error *err, const char *code, const char *fmt, ...)
{
	if (!err)
		return false;
	snprintf(err->code, sizeof err->code, "%s", code ? code : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}

void error_clear(struct vax_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

bool error_isset(const struct vax_error *err)
{
	return err && (err->code[0] || err->message[0]);
}
