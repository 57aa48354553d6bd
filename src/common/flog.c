/*
 * flog.c — level filter, sink switch and the default stderr sink.
 *
 * The level is an atomic int so the common "not enabled" path takes no lock.
 * The sink and its opaque are swapped together under a mutex and read as a
 * pair under the same mutex, then called without it, so a slow sink never
 * blocks other threads from changing the sink and a sink may itself log
 * (it will be called again, recursively, by that thread only). The default
 * sink builds the whole line first and writes it with one fputs(), which
 * stdio locks, so lines from different threads never interleave.
 */
#include "common/flog.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int flog_level = LOG_INFO;
static pthread_mutex_t flog_lock = PTHREAD_MUTEX_INITIALIZER;
static flog_sink_t flog_sink = flog_stderr_sink;
static void *flog_opaque;

static const char *const flog_level_names[] = {
	"EMERG", "ALERT", "CRIT", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG",
};

const char *flog_level_name(int level)
{
	if (level < 0)
		level = 0;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	return flog_level_names[level];
}

void flog_set_level(int level)
{
	atomic_store(&flog_level, level);
}

int flog_get_level(void)
{
	return atomic_load(&flog_level);
}

void flog_set_sink(flog_sink_t sink, void *opaque)
{
	pthread_mutex_lock(&flog_lock);
	flog_sink = sink ? sink : flog_stderr_sink;
	flog_opaque = sink ? opaque : NULL;
	pthread_mutex_unlock(&flog_lock);
}

void flog_stderr_sink(int level, const char *fac, const char *line, void *opaque)
{
	char out[FLOG_LINE_MAX + 128];
	struct timespec ts;
	struct tm tm;

	(void)opaque;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s [%s] %s\n",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         ts.tv_nsec / 1000000, flog_level_name(level), fac ? fac : "-", line);
	fputs(out, stderr);
}

/* Formats one line: cut at FLOG_LINE_MAX with "...", no trailing newline.
 * The attribute lets clang's -Wformat-nonliteral see fmt is a caller's
 * checked format (gcc does not ask). */
static void flog_format(char *line, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void flog_format(char *line, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(line, size, fmt, ap);

	if (n < 0) {
		snprintf(line, size, "(unformattable log message: %s)", fmt);
		n = (int)strlen(line);
	} else if ((size_t)n >= size) {
		memcpy(line + size - 4, "...", 4);
		n = (int)size - 1;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
}

void flog(int level, const char *fac, const char *fmt, ...)
{
	char line[FLOG_LINE_MAX];
	flog_sink_t sink;
	void *opaque;
	va_list ap;

	if (level > atomic_load(&flog_level))
		return;
	va_start(ap, fmt);
	flog_format(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&flog_lock);
	sink = flog_sink;
	opaque = flog_opaque;
	pthread_mutex_unlock(&flog_lock);
	sink(level, fac, line, opaque);
}

void flog_to(const flog_target_t *t, int level, const char *fac, const char *fmt, ...)
{
	char line[FLOG_LINE_MAX];
	flog_sink_t sink;
	void *opaque;
	va_list ap;

	if (level > (t ? t->level : atomic_load(&flog_level)))
		return;
	va_start(ap, fmt);
	flog_format(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (t) {
		t->sink(level, fac, line, t->opaque);
		return;
	}
	pthread_mutex_lock(&flog_lock);
	sink = flog_sink;
	opaque = flog_opaque;
	pthread_mutex_unlock(&flog_lock);
	sink(level, fac, line, opaque);
}
