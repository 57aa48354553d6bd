/*
 * support.c — the helpers of support.h for the libFuzzer targets.
 */
#include "support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flog.h"

static void fuzz_drop_log(int level, const char *fac, const char *line, void *opaque)
{
	(void)level;
	(void)fac;
	(void)line;
	(void)opaque;
}

void fuzz_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	flog_set_sink(fuzz_drop_log, NULL);
	flog_set_level(LOG_EMERG);
}

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		fuzz_fail(__FILE__, __LINE__, "malloc", "out of memory copying %zu bytes", size);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

uint8_t *fuzz_memdup(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		fuzz_fail(__FILE__, __LINE__, "malloc", "out of memory copying %zu bytes", size);
	if (size)
		memcpy(p, data, size);
	return p;
}

uint8_t fuzz_in_u8(fuzz_in_t *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}
