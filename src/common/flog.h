/*
 * flog.h — fjord's logging: one call, one line.
 *
 * Owner: common core. Levels are syslog's (LOG_EMERG 0 .. LOG_DEBUG 7 from
 * <syslog.h>); a call above the current level (default LOG_INFO) costs one
 * atomic load. `fac` is a short facility word naming the subsystem
 * ("produce", "zk", "controller"). The message is formatted into a stack
 * buffer (long lines are cut at FLOG_LINE_MAX with "...") and handed to the
 * sink with a trailing newline removed.
 *
 * The default sink writes to stderr, one line per call, e.g.
 *   2026-11-21T13:32:21.123Z INFO  [produce] message
 * Thread-safe: any thread may log, set the level or change the sink. A sink
 * runs on the logging thread, may be called concurrently from several
 * threads, and must not call flog_set_sink().
 */
#ifndef FJORD_FLOG_H
#define FJORD_FLOG_H

#include <syslog.h>

#define FLOG_LINE_MAX 4096

typedef void (*flog_sink_t)(int level, const char *fac, const char *line, void *opaque);

void flog(int level, const char *fac, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * A module that serves one of several clients in a process (zkmeta inside
 * an SDK handle) logs to its owner's target instead of the process-wide
 * sink, so the application's log callback and log level see its lines:
 * flog_to(t, ...) drops lines above t->level and hands the rest to
 * t->sink(level, fac, line, t->opaque), on the logging thread. t NULL is
 * flog(). The sink must be thread-safe; t must outlive the module.
 */
typedef struct flog_target {
	flog_sink_t sink;
	void *opaque;
	int level;
} flog_target_t;

void flog_to(const flog_target_t *t, int level, const char *fac, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void flog_set_level(int level);
int flog_get_level(void);
/* sink NULL restores the default stderr sink. */
void flog_set_sink(flog_sink_t sink, void *opaque);
/* "EMERG", "ALERT", "CRIT", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG". */
const char *flog_level_name(int level);
/* The default sink, for sinks that want to add to it. */
void flog_stderr_sink(int level, const char *fac, const char *line, void *opaque);

#endif /* FJORD_FLOG_H */
