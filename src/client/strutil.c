/*
 * strutil.c — the SDK's two string helpers: a NULL-tolerant strdup and the
 * errstr filler every setter uses. Kept apart from handle.c so small tools
 * (fjord-conf-doc) can link conf.c without the whole handle.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

char *fj_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void fj_errstr(char *errstr, size_t n, const char *fmt, ...)
{
	va_list ap;
	if (!errstr || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errstr, n, fmt, ap);
	va_end(ap);
}
