/*
 * bench_cleaner.c — log cleaner throughput: one compaction pass over a
 * partition log written in a temp dir.
 *
 *   fjord-bench-cleaner RECORDS KEYS SIZE CODEC [SEGMENT_BYTES]
 *
 * Appends RECORDS updates (keys "key-<n % KEYS>", SIZE-byte values) in
 * batches of 100 records with CODEC (none, gzip, snappy, lz4, zstd) to a
 * log with SEGMENT_BYTES segments (default 104857600), rolls, then times
 * one pass (job, log_cleaner_clean, install) with a 128 MiB offset map.
 * Writing the log is not timed. Prints one JSON line: bytes read (a pass
 * reads the log twice: the map, then the rewrite) and written, records
 * removed, seconds, MB/s of bytes read and of log size (10^6 bytes), and
 * records per second. The pages are in the page cache (just written): this measures
 * the cleaner's CPU path, the upper bound of what a disk-bound pass does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/record_batch.h"
#include "common/record_validate.h"
#include "storage/log_cleaner.h"
#include "storage/plog.h"

static void bench_die(const char *what)
{
	fprintf(stderr, "fjord-bench-cleaner: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		bench_die("usage: fjord-bench-cleaner RECORDS KEYS SIZE CODEC [SEGMENT_BYTES]");
	long records = atol(argv[1]), keys = atol(argv[2]), size = atol(argv[3]);
	int codec = rb_codec_from_name(argv[4]);
	long long segment_bytes = argc > 5 ? atoll(argv[5]) : 104857600LL;
	if (records <= 0 || keys <= 0 || size < 0 || codec < 0 || segment_bytes < 1024)
		bench_die("bad arguments");

	char dir[] = "/tmp/fjord-bench-cleaner-XXXXXX";
	if (!mkdtemp(dir))
		bench_die("mkdtemp");
	char errstr[512];
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = segment_bytes;
	cfg.cleanup_policy = LOG_CLEANUP_COMPACT;
	plog_t *plog = NULL;
	if (plog_open(dir, "bench", 0, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)) < 0)
		bench_die(errstr);

	char *val = malloc((size_t)size + 1);
	memset(val, 'v', (size_t)size);
	record_scratch_t scratch;
	record_scratch_init(&scratch, 0);
	rb_builder_t b;
	rb_builder_init(&b, (rb_codec_t)codec, -1);
	for (long i = 0; i < records;) {
		rb_builder_reset(&b);
		for (int j = 0; j < 100 && i < records; j++, i++) {
			char key[32];
			int kl = snprintf(key, sizeof(key), "key-%ld", i % keys);
			if (rb_builder_add(&b, fj_now_ms(), key, (size_t)kl, val, (size_t)size,
			                   NULL, 0) < 0)
				bench_die("builder");
		}
		const uint8_t *batch;
		size_t len;
		if (rb_builder_finish(&b, &batch, &len) != 0)
			bench_die("finish");
		uint8_t *copy = malloc(len);
		memcpy(copy, batch, len);
		plog_append_info_t info;
		if (plog_append_leader(plog, copy, len, 0, &scratch, &info, errstr, sizeof(errstr)))
			bench_die(errstr);
		free(copy);
	}
	plog_roll(plog);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	int64_t log_bytes = plog_size_bytes(plog);

	cleaner_job_t job;
	cleaner_result_t res;
	cleaner_map_t map;
	if (cleaner_map_init(&map, 128u << 20) < 0)
		bench_die("map");
	int64_t t0 = fj_mono_us();
	if (plog_cleaner_job(plog, fj_now_ms(), 0, 0, 86400000, &job) != 1)
		bench_die("nothing to clean");
	if (log_cleaner_clean(&job, &map, NULL, &res, errstr, sizeof(errstr)) < 0)
		bench_die(errstr);
	if (plog_cleaner_install(plog, &job, &res) != 1)
		bench_die("install");
	double secs = (double)(fj_mono_us() - t0) / 1e6;
	printf("{\"records\":%ld,\"keys\":%ld,\"size\":%ld,\"codec\":\"%s\",\"log_bytes\":%lld,"
	       "\"bytes_read\":%lld,\"bytes_written\":%lld,\"records_removed\":%lld,"
	       "\"seconds\":%.3f,\"read_mb_per_s\":%.1f,\"log_mb_per_s\":%.1f,"
	       "\"records_per_s\":%.0f}\n",
	       records, keys, size, argv[4], (long long)log_bytes, (long long)res.stats.bytes_read,
	       (long long)res.stats.bytes_written, (long long)res.stats.records_removed, secs,
	       (double)res.stats.bytes_read / 1e6 / secs, (double)log_bytes / 1e6 / secs,
	       (double)records / secs);
	cleaner_result_free(&res);
	cleaner_job_free(&job);
	cleaner_map_free(&map);
	plog_close(plog, 0);
	rb_builder_destroy(&b);
	record_scratch_free(&scratch);
	free(val);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		bench_die("cleanup");
	return 0;
}
