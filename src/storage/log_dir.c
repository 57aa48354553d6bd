/*
 * log_dir.c — a log directory's health (states in log_dir.h).
 *
 * Logging is per episode, not per error: a full disk refuses every append
 * until space returns, and one line when it fills plus one when it drains
 * say all there is to say (the counters keep the number).
 */
#include "storage/log_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/flog.h"

void log_dir_init(log_dir_t *ld, const char *path)
{
	memset(ld, 0, sizeof(*ld));
	ld->path = path;
	ld->full_since_ms = -1;
}

void log_dir_clear(log_dir_t *ld)
{
	free(ld->err_what);
	ld->err_what = NULL;
}

sio_err_kind_t log_dir_error(log_dir_t *ld, int err, const char *what, const char *path)
{
	sio_err_kind_t kind = sio_err_kind(err);

	if (err < 0)
		err = -err;
	switch (kind) {
	case SIO_ERR_SPACE:
		ld->space_errors++;
		ld->full_refused++;
		if (ld->full_since_ms < 0 && !ld->offline) {
			ld->full_since_ms = fj_now_ms();
			ld->full_refused = 1;
			flog(LOG_ERR, "storage",
			     "log dir %s is full (%s %s: %s): appends to its partitions fail with "
			     "KAFKA_STORAGE_ERROR until space is freed; reads go on",
			     ld->path, what, path, strerror(err));
		}
		break;
	case SIO_ERR_DISK:
		log_dir_fail(ld, err, what, path);
		break;
	default:
		break;
	}
	return kind;
}

void log_dir_fail(log_dir_t *ld, int err, const char *what, const char *path)
{
	char buf[600];

	if (err < 0)
		err = -err;
	ld->disk_errors++;
	if (ld->offline)
		return;
	ld->offline = 1;
	ld->err = err;
	ld->full_since_ms = -1;
	snprintf(buf, sizeof(buf), "%s %s", what, path);
	free(ld->err_what);
	ld->err_what = strdup(buf);
	flog(LOG_CRIT, "storage",
	     "log dir %s failed (%s %s: %s): its partitions are offline on this broker until "
	     "it restarts",
	     ld->path, what, path, strerror(err));
	if (ld->on_offline)
		ld->on_offline(ld, ld->on_offline_arg);
}

void log_dir_append_ok(log_dir_t *ld)
{
	if (ld->full_since_ms < 0)
		return;
	flog(LOG_NOTICE, "storage",
	     "log dir %s takes appends again (it was full for %lld ms, %llu appends refused)",
	     ld->path, (long long)(fj_now_ms() - ld->full_since_ms),
	     (unsigned long long)ld->full_refused);
	ld->full_since_ms = -1;
}

const char *log_dir_state_name(const log_dir_t *ld)
{
	if (ld->offline)
		return "offline";
	return ld->full_since_ms >= 0 ? "full" : "online";
}
