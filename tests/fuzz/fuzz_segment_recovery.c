/*
 * fuzz_segment_recovery — crash recovery of a partition log (src/storage/,
 * through its public API only: plog.h, storage_remove.h).
 *
 * The input becomes the only segment file (00000000000000000000.log) of a
 * fresh partition directory, which is opened as after a crash
 * (plog_open with needs_recovery=1, recovery point 0). Then, whatever the
 * bytes were:
 *   - the open succeeds (a corrupt tail is cut, never refused whole);
 *   - plog_read from the log start to the log end offset hands out whole
 *     batches that pass rb_validate, with strictly increasing offsets, the
 *     first one holding the offset asked for; an offset reads as corrupt
 *     only inside a corrupt range recovery kept (plog_corrupt_range_at),
 *     and the batches read plus the corrupt ranges' bytes cover every byte
 *     the log says it holds (plog_size_bytes): nothing else is unreadable;
 *   - an append afterwards succeeds at the log end offset and reads back;
 *   - closed and recovered again, the log keeps exactly what it held.
 *
 * One directory per process (made in LLVMFuzzerInitialize under $TMPDIR,
 * removed at exit); its partition directory is removed before each input.
 * The plog's clock is fixed, so nothing depends on the time of the run.
 *
 * FUZZ_OPTIONS: -max_len=131072
 * FUZZ_SOURCES: src/storage/log_recovery.c src/storage/log_segment.c src/storage/plog.c
 * FUZZ_SOURCES: src/storage/offset_index.c src/storage/time_index.c src/storage/log_corrupt.c
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/record_batch.h"
#include "storage/plog.h"
#include "storage/storage_remove.h"
#include "support.h"

#define ERRSZ 512

static char fuzz_base[4096]; /* this process's directory */
static char fuzz_dir[4200];  /* its partition directory, <base>/fz-0 */

static void fuzz_cleanup(void)
{
	if (fuzz_base[0])
		storage_remove_path(fuzz_base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(fuzz_base, sizeof(fuzz_base), "%s/fjord-fuzz-segment-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_base)) {
		perror("fuzz_segment_recovery: mkdtemp");
		exit(1);
	}
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fz-0", fuzz_base);
	atexit(fuzz_cleanup);
	return 0;
}

static int64_t fuzz_clock(void *arg)
{
	(void)arg;
	return 1700000000000;
}

static void fuzz_config(log_config_t *cfg)
{
	log_config_defaults(cfg);
	cfg->index_interval_bytes = 256; /* several index entries per input */
}

static plog_t *fuzz_open(void)
{
	char errstr[ERRSZ] = "";
	log_config_t cfg;
	plog_t *plog = NULL;

	fuzz_config(&cfg);
	int rc = plog_open(fuzz_dir, "fz", 0, &cfg, 0, -1, 1, &plog, errstr, sizeof(errstr));
	FUZZ_CHECK(rc == 0 && plog, "recovery refused the log: %s", errstr);
	plog_set_clock(plog, fuzz_clock, NULL);
	return plog;
}

/* Reads the whole log back; returns the bytes read. */
static int64_t fuzz_read_all(plog_t *plog)
{
	int64_t off = plog_log_start_offset(plog), leo = plog_log_end_offset(plog);
	int64_t last = -1, bytes = 0;
	uint8_t *buf = NULL;
	size_t cap = 0;

	FUZZ_CHECK(off <= leo, "log start %lld after log end %lld", (long long)off, (long long)leo);
	while (off < leo) {
		plog_read_t rd;
		fjord_err_t err = plog_read(plog, off, 1 << 20, leo, &rd);
		if (err == FJORD_ERR_CORRUPT_MESSAGE) {
			/* Only an offset a kept corrupt range holds reads as
			 * corrupt; the reader goes on past the range. */
			int64_t first = -1, lastc = -1;
			FUZZ_CHECK(plog_corrupt_range_at(plog, off, &first, &lastc) == 1 &&
			               first <= off && off <= lastc,
			           "read at %lld (log end %lld) corrupt outside a corrupt range",
			           (long long)off, (long long)leo);
			FUZZ_CHECK(first > last, "corrupt range %lld..%lld after offset %lld",
			           (long long)first, (long long)lastc, (long long)last);
			last = lastc;
			off = lastc + 1;
			continue;
		}
		FUZZ_CHECK(err == FJORD_ERR_NO_ERROR, "read at %lld of %lld: %s", (long long)off,
		           (long long)leo, fjord_err2str(err));
		FUZZ_CHECK(rd.length > 0 && rd.next_offset > off,
		           "read at %lld (log end %lld) made no progress", (long long)off,
		           (long long)leo);
		if (rd.length > cap) {
			free(buf);
			cap = rd.length;
			buf = malloc(cap);
			FUZZ_CHECK(buf != NULL, "out of memory");
		}
		ssize_t n = pread(rd.fd, buf, rd.length, (off_t)rd.position);
		FUZZ_CHECK(n == (ssize_t)rd.length, "pread: %s", n < 0 ? strerror(errno) : "short");

		rb_iter_t it;
		const uint8_t *batch;
		size_t bsize;
		int r, first = 1;
		rb_iter_init(&it, buf, rd.length, 1, 0);
		while ((r = rb_iter_next(&it, &batch, &bsize)) == 1) {
			int64_t base = rb_base_offset(batch), end = rb_last_offset(batch);
			FUZZ_CHECK(base > last && end >= base, "batch %lld..%lld after offset %lld",
			           (long long)base, (long long)end, (long long)last);
			if (first)
				FUZZ_CHECK(end >= off && base == rd.first_offset,
				           "read at %lld began with batch %lld..%lld, said %lld",
				           (long long)off, (long long)base, (long long)end,
				           (long long)rd.first_offset);
			FUZZ_CHECK(end < leo, "batch %lld..%lld at or past the log end %lld",
			           (long long)base, (long long)end, (long long)leo);
			first = 0;
			last = end;
		}
		FUZZ_CHECK(r == 0, "recovered log holds a bad batch near offset %lld: %s",
		           (long long)off, it.errmsg ? it.errmsg : "?");
		bytes += (int64_t)rd.length;
		off = rd.next_offset;
	}
	free(buf);
	return bytes + plog_corrupt_bytes(plog);
}

/* One small valid batch, appended where the log ends. */
static void fuzz_append_one(plog_t *plog)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	int64_t leo = plog_log_end_offset(plog);
	plog_append_info_t info;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	FUZZ_CHECK(rb_builder_add(&b, 1700000000000, "k", 1, "after recovery", 14, NULL, 0) == 0 &&
	               rb_builder_finish(&b, &batch, &len) == 0,
	           "building a batch failed");
	uint8_t *copy = malloc(len);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, batch, len);
	fjord_err_t err = plog_append(plog, copy, len, 1, 1, &info);
	FUZZ_CHECK(err == FJORD_ERR_NO_ERROR, "append after recovery: %s", fjord_err2str(err));
	FUZZ_CHECK(info.first_offset == leo && plog_log_end_offset(plog) == leo + 1,
	           "appended at %lld, log end was %lld", (long long)info.first_offset,
	           (long long)leo);
	free(copy);
	rb_builder_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4300];

	fuzz_init();
	int rc = storage_remove_path(fuzz_dir);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT, "cannot clear %s: %s", fuzz_dir, strerror(-rc));
	FUZZ_CHECK(mkdir(fuzz_dir, 0755) == 0, "mkdir %s: %s", fuzz_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%020d.log", fuzz_dir, 0);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "write %s", path);
	close(fd);

	plog_t *plog = fuzz_open();
	int64_t held = fuzz_read_all(plog);
	FUZZ_CHECK(held == plog_size_bytes(plog), "read %lld bytes of a log of %lld",
	           (long long)held, (long long)plog_size_bytes(plog));
	FUZZ_CHECK((size_t)held <= size, "the log grew in recovery: %lld of %zu bytes",
	           (long long)held, size);
	fuzz_append_one(plog);
	int64_t leo = plog_log_end_offset(plog), bytes = plog_size_bytes(plog);
	FUZZ_CHECK(fuzz_read_all(plog) == bytes, "the appended batch does not read back");
	plog_close(plog, 0);

	/* A second recovery of what the first one left changes nothing. */
	plog = fuzz_open();
	FUZZ_CHECK(plog_log_end_offset(plog) == leo && plog_size_bytes(plog) == bytes,
	           "second recovery: log end %lld, %lld bytes; was %lld, %lld bytes",
	           (long long)plog_log_end_offset(plog), (long long)plog_size_bytes(plog),
	           (long long)leo, (long long)bytes);
	FUZZ_CHECK(fuzz_read_all(plog) == bytes, "second recovery: bytes unreadable");
	plog_close(plog, 0);
	return 0;
}
