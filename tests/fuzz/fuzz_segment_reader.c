/*
 * fuzz_segment_reader — the SDK's offline reader of segment files
 * (src/client/segment_reader.c, what `fjord log dump` runs) on any bytes.
 *
 * The first input byte picks the kind of file (.log, .index, .timeindex) and
 * whether its name carries a base offset; the rest is the file, written to a
 * scratch file of this process. Every batch, every record of an intact
 * batch and every index entry is walked, as `log dump --print` does. What
 * the reader promises: batches are reported at increasing positions inside
 * the file and each claims at least a batch header; a batch reported intact
 * has a valid CRC; index entries are whole entries inside the file; the walk
 * ends.
 *
 * FUZZ_OPTIONS: -max_len=4096
 * FUZZ_SOURCES: src/client/segment_reader.c src/common/record_batch.c
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fjord.h"
#include "support.h"

static char fuzz_dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzz_segment_reader.%d", (int)getpid());
	mkdir(fuzz_dir, 0700);
	return 0;
}

static void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	FUZZ_CHECK(fd >= 0, "cannot create %s", path);
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size, "cannot write %s", path);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const suffix[] = { ".log", ".index", ".timeindex" };
	fjord_segment_t *seg = NULL;
	char path[128], errstr[256];
	fjord_err_t err;
	int kind, named, steps = 0;

	fuzz_init();
	if (size == 0)
		return 0;
	kind = data[0] % 3;
	named = (data[0] >> 2) & 1;
	snprintf(path, sizeof(path), "%s/%s%s", fuzz_dir, named ? "00000000000000000042" : "x",
	         suffix[kind]);
	fuzz_write(path, data + 1, size - 1);
	err = fjord_segment_open(path, &seg, errstr, sizeof(errstr));
	FUZZ_CHECK(err == FJORD_ERR_NO_ERROR, "open of a readable %s file failed: %s", suffix[kind],
	           errstr);
	FUZZ_CHECK(fjord_segment_size(seg) == (int64_t)(size - 1), "size %lld, file %zu",
	           (long long)fjord_segment_size(seg), size - 1);
	FUZZ_CHECK(fjord_segment_base_offset(seg) == (named ? 42 : -1), "base offset %lld",
	           (long long)fjord_segment_base_offset(seg));
	if (kind == 0) {
		fjord_segment_batch_t b;
		int64_t last_pos = -1;

		while (fjord_segment_next_batch(seg, &b) == 1) {
			fjord_message_t rec;
			int r;

			FUZZ_CHECK(++steps <= (int)size, "the batch walk does not end");
			FUZZ_CHECK(b.position > last_pos && b.position < (int64_t)(size - 1),
			           "batch at %lld after %lld in %zu bytes", (long long)b.position,
			           (long long)last_pos, size - 1);
			last_pos = b.position;
			if (b.err)
				continue;
			FUZZ_CHECK(b.crc_valid, "an intact batch at %lld has a bad CRC",
			           (long long)b.position);
			FUZZ_CHECK(b.position + (int64_t)b.size <= (int64_t)(size - 1),
			           "an intact batch runs past the file");
			while ((r = fjord_segment_next_record(seg, &rec)) == 1)
				FUZZ_CHECK(++steps <= (int)size * 2,
				           "the record walk does not end");
			FUZZ_CHECK(r == 0 || rec.err, "a failed record walk gave no error");
		}
	} else {
		fjord_segment_entry_t e;
		int64_t esize = kind == 1 ? 8 : 12;
		int r;

		while ((r = fjord_segment_next_entry(seg, &e, errstr, sizeof(errstr))) == 1) {
			FUZZ_CHECK(++steps <= (int)size, "the entry walk does not end");
			FUZZ_CHECK(e.position % esize == 0 &&
			               e.position + esize <= (int64_t)(size - 1),
			           "entry at %lld in %zu bytes", (long long)e.position, size - 1);
		}
		FUZZ_CHECK(r == 0 || ((size - 1) % (size_t)esize) != 0,
		           "a partial entry reported in a file of whole entries");
	}
	fjord_segment_close(seg);
	unlink(path);
	return 0;
}
