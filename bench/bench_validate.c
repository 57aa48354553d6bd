/*
 * bench_validate.c — what the leader's record validation costs per record,
 * against the batch check (CRC) it already did.
 *
 *   fjord-bench-validate RECORDS SIZE CODEC MODE [BATCH_BYTES]
 *
 * Builds RECORDS records of SIZE-byte values (keys "key-N", as `fjord perf
 * produce` writes them) into batches of at most BATCH_BYTES uncompressed
 * bytes (default 1000000, the SDK's batch.size) with CODEC (none, gzip, lz4,
 * zstd), then checks every batch the way a leader does: MODE "batch" runs
 * rb_validate only (header and CRC-32C: what every append did before record
 * validation), "records" runs rb_validate and record_validate with one
 * reused scratch buffer (what plog_append_leader does now). Building is not
 * timed. Prints one JSON line: records, batches, ns per record and MB/s of
 * batch bytes checked. Run both modes under `valgrind --tool=callgrind` for
 * instruction counts that do not depend on the machine's load
 * (bench/RESULTS.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/record_batch.h"
#include "common/record_validate.h"

typedef struct bench_batch {
	uint8_t *bytes;
	size_t len;
} bench_batch_t;

static void bench_die(const char *what)
{
	fprintf(stderr, "fjord-bench-validate: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr,
		        "usage: fjord-bench-validate RECORDS SIZE CODEC MODE [BATCH_BYTES]\n"
		        "  CODEC none|gzip|lz4|zstd, MODE batch|records\n");
		return 2;
	}
	long records = strtol(argv[1], NULL, 10);
	long size = strtol(argv[2], NULL, 10);
	int codec = rb_codec_from_name(argv[3]);
	int with_records = !strcmp(argv[4], "records");
	long batch_bytes = argc > 5 ? strtol(argv[5], NULL, 10) : 1000000;
	if (records <= 0 || size < 0 || codec < 0 || batch_bytes <= 0 ||
	    (!with_records && strcmp(argv[4], "batch")))
		bench_die("bad arguments");

	char *value = malloc((size_t)size + 1);
	bench_batch_t *batches = NULL;
	size_t batch_cnt = 0, batch_cap = 0, total_bytes = 0;
	rb_builder_t b;
	if (!value)
		bench_die("out of memory");
	memset(value, 'x', (size_t)size);
	rb_builder_init(&b, (rb_codec_t)codec, -1);
	int64_t ts = fj_now_ms();
	for (long i = 0; i < records || b.count > 0;) {
		char key[32];
		int klen = snprintf(key, sizeof(key), "key-%ld", i);
		int full = b.count > 0 && (i >= records || rb_builder_size(&b) + (size_t)size + 64 >
		                                               (size_t)batch_bytes);
		if (full) {
			const uint8_t *bp;
			size_t bl;
			if (rb_builder_finish(&b, &bp, &bl) != 0)
				bench_die("cannot finish a batch");
			if (batch_cnt == batch_cap) {
				batch_cap = batch_cap ? batch_cap * 2 : 64;
				batches = realloc(batches, batch_cap * sizeof(*batches));
				if (!batches)
					bench_die("out of memory");
			}
			batches[batch_cnt].bytes = malloc(bl);
			if (!batches[batch_cnt].bytes)
				bench_die("out of memory");
			memcpy(batches[batch_cnt].bytes, bp, bl);
			batches[batch_cnt].len = bl;
			total_bytes += bl;
			batch_cnt++;
			rb_builder_reset(&b);
			continue;
		}
		if (rb_builder_add(&b, ts + i % 100, key, (size_t)klen, value, (size_t)size, NULL,
		                   0) != 0)
			bench_die("cannot add a record");
		i++;
	}
	rb_builder_destroy(&b);

	record_scratch_t sc;
	record_scratch_init(&sc, 0);
	char why[256];
	int64_t t0 = fj_mono_us();
	for (size_t i = 0; i < batch_cnt; i++) {
		const char *msg = NULL;
		if (rb_validate(batches[i].bytes, batches[i].len, &msg) != FJORD_ERR_NO_ERROR)
			bench_die(msg ? msg : "bad batch");
		if (with_records && record_validate(batches[i].bytes, batches[i].len, &sc, NULL,
		                                    why, sizeof(why)) != FJORD_ERR_NO_ERROR)
			bench_die(why);
	}
	int64_t us = fj_mono_us() - t0;
	printf("{\"mode\":\"%s\",\"codec\":\"%s\",\"records\":%ld,\"batches\":%zu,"
	       "\"ns_per_record\":%.1f,\"mb_per_sec\":%.1f}\n",
	       argv[4], rb_codec_name((rb_codec_t)codec), records, batch_cnt,
	       (double)us * 1000.0 / (double)records,
	       us > 0 ? (double)total_bytes / (double)us : 0.0);
	record_scratch_free(&sc);
	for (size_t i = 0; i < batch_cnt; i++)
		free(batches[i].bytes);
	free(batches);
	free(value);
	return 0;
}
