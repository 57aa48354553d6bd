/*
 * producer_snapshot.c — encoding, decoding and writing producer-state
 * snapshots (format and guarantees in producer_snapshot.h,
 * docs/storage.md "Producer state snapshots"). The decoder is a bounded
 * parser of bytes from disk: every length is checked against what is left
 * before it is read, and tests/fuzz/fuzz_producer_snapshot.c feeds it
 * arbitrary input.
 */
#include "storage/producer_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "storage/checkpoint.h"
#include "storage/log_segment.h"
#include "storage/storage_io.h"

#define PSNAP_MAGIC "FJPS"
#define PSNAP_HEADER_SIZE 18
#define PSNAP_ENTRY_SIZE 19
#define PSNAP_BATCH_SIZE 24
#define PSNAP_CRC_SIZE 4
/* A snapshot larger than this is refused unread (no partition has that
 * many producers: 64 MiB is over a million of them). */
#define PSNAP_MAX_SIZE (64u << 20)

int psnap_encode(const producer_state_t *ps, int64_t offset, uint8_t **bufp, size_t *lenp)
{
	size_t len = PSNAP_HEADER_SIZE + PSNAP_CRC_SIZE, pos;
	uint8_t *buf;

	for (size_t i = 0; i < ps->cnt; i++)
		len += PSNAP_ENTRY_SIZE + (size_t)ps->entries[i].batch_cnt * PSNAP_BATCH_SIZE;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, PSNAP_MAGIC, 4);
	be16_write(buf + 4, PSNAP_VERSION);
	be64_write(buf + 6, (uint64_t)offset);
	be32_write(buf + 14, (uint32_t)ps->cnt);
	pos = PSNAP_HEADER_SIZE;
	for (size_t i = 0; i < ps->cnt; i++) {
		const pstate_entry_t *e = &ps->entries[i];
		be64_write(buf + pos, (uint64_t)e->producer_id);
		be16_write(buf + pos + 8, (uint16_t)e->epoch);
		be64_write(buf + pos + 10, (uint64_t)e->last_timestamp);
		buf[pos + 18] = (uint8_t)e->batch_cnt;
		pos += PSNAP_ENTRY_SIZE;
		for (int32_t k = 0; k < e->batch_cnt; k++) {
			const pstate_batch_t *b = &e->batches[k];
			be32_write(buf + pos, (uint32_t)b->first_seq);
			be32_write(buf + pos + 4, (uint32_t)b->last_seq);
			be64_write(buf + pos + 8, (uint64_t)b->first_offset);
			be64_write(buf + pos + 16, (uint64_t)b->last_offset);
			pos += PSNAP_BATCH_SIZE;
		}
	}
	be32_write(buf + pos, crc32c(0, buf, pos));
	*bufp = buf;
	*lenp = len;
	return 0;
}

int psnap_decode(const uint8_t *buf, size_t len, producer_state_t *ps, int64_t *offsetp,
                 char *errstr, size_t errstr_size)
{
	size_t pos, end, cnt;
	int r;

	pstate_clear(ps);
	if (len < PSNAP_HEADER_SIZE + PSNAP_CRC_SIZE) {
		snprintf(errstr, errstr_size, "%zu bytes is too short for a snapshot", len);
		return -1;
	}
	if (memcmp(buf, PSNAP_MAGIC, 4) != 0) {
		snprintf(errstr, errstr_size, "bad magic");
		return -1;
	}
	if (be16_read(buf + 4) != PSNAP_VERSION) {
		snprintf(errstr, errstr_size, "unknown version %u", (unsigned)be16_read(buf + 4));
		return -1;
	}
	end = len - PSNAP_CRC_SIZE;
	if (crc32c(0, buf, end) != be32_read(buf + end)) {
		snprintf(errstr, errstr_size, "CRC mismatch");
		return -1;
	}
	*offsetp = be64_read_i(buf + 6);
	if (*offsetp < 0) {
		snprintf(errstr, errstr_size, "negative offset %" PRId64, *offsetp);
		return -1;
	}
	cnt = be32_read(buf + 14);
	pos = PSNAP_HEADER_SIZE;
	for (size_t i = 0; i < cnt; i++) {
		pstate_entry_t e;
		memset(&e, 0, sizeof(e));
		if (end - pos < PSNAP_ENTRY_SIZE) {
			snprintf(errstr, errstr_size, "producer %zu of %zu: truncated", i, cnt);
			goto fail;
		}
		e.producer_id = be64_read_i(buf + pos);
		e.epoch = be16_read_i(buf + pos + 8);
		e.last_timestamp = be64_read_i(buf + pos + 10);
		e.batch_cnt = buf[pos + 18];
		pos += PSNAP_ENTRY_SIZE;
		if (e.producer_id < 0 || e.batch_cnt > PSTATE_RETAINED_BATCHES) {
			snprintf(errstr, errstr_size,
			         "producer %zu: id %" PRId64 " or batch count %d out of range", i,
			         e.producer_id, (int)e.batch_cnt);
			goto fail;
		}
		if ((end - pos) / PSNAP_BATCH_SIZE < (size_t)e.batch_cnt) {
			snprintf(errstr, errstr_size, "producer %zu: truncated batches", i);
			goto fail;
		}
		for (int32_t k = 0; k < e.batch_cnt; k++) {
			pstate_batch_t *b = &e.batches[k];
			b->first_seq = be32_read_i(buf + pos);
			b->last_seq = be32_read_i(buf + pos + 4);
			b->first_offset = be64_read_i(buf + pos + 8);
			b->last_offset = be64_read_i(buf + pos + 16);
			pos += PSNAP_BATCH_SIZE;
		}
		r = pstate_load_entry(ps, &e);
		if (r == -ENOMEM) {
			snprintf(errstr, errstr_size, "out of memory");
			pstate_clear(ps);
			return -ENOMEM;
		}
		if (r < 0) {
			snprintf(errstr, errstr_size, "producer %zu: id %" PRId64 " out of order",
			         i, e.producer_id);
			goto fail;
		}
	}
	if (pos != end) {
		snprintf(errstr, errstr_size, "%zu bytes after the last producer", end - pos);
		goto fail;
	}
	return 0;
fail:
	pstate_clear(ps);
	return -1;
}

int psnap_write(const char *dir, int64_t offset, const producer_state_t *ps)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char *path = segment_file_name(dir, offset, PSNAP_SUFFIX);
	int ret = path ? psnap_encode(ps, offset, &buf, &len) : -ENOMEM;

	if (ret == 0)
		ret = checkpoint_write_atomic(path, buf, len);
	free(buf);
	free(path);
	return ret;
}

int psnap_read(const char *path, producer_state_t *ps, int64_t *offsetp, char *errstr,
               size_t errstr_size)
{
	struct stat st;
	uint8_t *buf = NULL;
	int ret = -1;
	int fd = sio_open(path, O_RDONLY | O_CLOEXEC, 0);

	pstate_clear(ps);
	if (fd < 0) {
		snprintf(errstr, errstr_size, "cannot open: %s", strerror(-fd));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(errstr, errstr_size, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > PSNAP_MAX_SIZE) {
		snprintf(errstr, errstr_size, "%lld bytes is larger than any snapshot",
		         (long long)st.st_size);
		goto out;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!buf) {
		snprintf(errstr, errstr_size, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ssize_t n = sio_pread(fd, buf, (size_t)st.st_size, 0, path);
	if (n != (ssize_t)st.st_size) {
		snprintf(errstr, errstr_size, "short read: %s",
		         n < 0 ? strerror((int)-n) : "file changed");
		goto out;
	}
	ret = psnap_decode(buf, (size_t)st.st_size, ps, offsetp, errstr, errstr_size);
out:
	free(buf);
	close(fd);
	return ret;
}
