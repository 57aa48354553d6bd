/*
 * cmd_log.c — `fjord log dump FILE...`, like kafka-dump-log.sh, and the
 * dispatch to `fjord log dirs` (cmd_log_dirs.c).
 *
 * dump reads segment files offline through the SDK's segment reader
 * (fjord_segment_*, include/fjord.h); no cluster is needed. For a .log file
 * it prints every batch (base and last offset, count, base/max timestamp,
 * producer id/epoch/sequence, codec, size, position, CRC and whether it is
 * valid), and with --print every record of the intact batches (offset,
 * timestamp, key, value, headers); for .index and .timeindex files every
 * entry, flagging entries that do not strictly increase (the broker writes
 * them increasing, docs/storage.md). A corrupt batch (CRC mismatch, bad
 * header, torn tail) is reported where it lies and the dump goes on where
 * the reader can (fjord.h, "segment files"). Exit 0 when every file was
 * clean, 1 when any was corrupt or could not be read, 2 on a usage error.
 *
 * Text: one line per batch or entry, "key: value" pairs as kafka-dump-log
 * prints them; a record line starts with "| ". Keys, values and header
 * values are printed as text with bytes outside printable ASCII escaped as
 * \xNN and a backslash doubled (null prints as "null"). JSON: one object
 * per file per line, {file, kind, base_offset, size, batches:[{...,
 * records:[...]}] or entries:[...], corrupt}; a key/value/header value that
 * is not UTF-8 is given as key_base64/value_base64 instead of key/value.
 *
 * Main thread only; everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct log_dump_opts {
	int print;
	enum cli_format format;
};

static void log_usage(FILE *out)
{
	fprintf(out,
	        "Usage: fjord log dump FILE... [--print] [--format text|json]\n"
	        "       fjord log dirs --metrics HOST:PORT,... [--broker ID] [--format text|json]\n"
	        "\n"
	        "dump: reads segment files (.log, .index, .timeindex) offline and prints\n"
	        "their batches or entries, checking each batch's CRC; exit 1 if anything was\n"
	        "corrupt or unreadable.\n"
	        "  -p, --print                also print each record of a .log file\n"
	        "  -f, --format text|json     output format (default text)\n"
	        "  -h, --help                 print this help\n"
	        "dirs: log dir and partition sizes per broker, from the brokers' /metrics\n"
	        "('fjord log dirs --help' for its options).\n");
}

/* Prints len bytes as text, escaping what is not printable ASCII. */
static void log_print_bytes(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	if (!p) {
		fputs("null", stdout);
		return;
	}
	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			putchar(s[i]);
		else if (s[i] == '\\')
			fputs("\\\\", stdout);
		else
			printf("\\x%02x", s[i]);
	}
}

/* Sets name (UTF-8 text) or name_base64 on obj; null stays null. */
static void log_json_bytes(json_t *obj, const char *name, const void *p, size_t len)
{
	json_t *v;
	char b64name[64];
	char *b64;

	if (!p) {
		json_object_set_new(obj, name, json_null());
		return;
	}
	v = json_stringn(p, len);
	if (v) {
		json_object_set_new(obj, name, v);
		return;
	}
	snprintf(b64name, sizeof(b64name), "%s_base64", name);
	b64 = cli_base64_encode(p, len);
	json_object_set_new(obj, b64name, b64 ? json_string(b64) : json_null());
	free(b64);
}

static void log_print_record_text(const fjord_message_t *r)
{
	size_t i;

	printf("| offset: %lld %s: %lld key: ", (long long)r->offset,
	       r->timestamp_type == FJORD_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime"
	                                                            : "CreateTime",
	       (long long)r->timestamp);
	log_print_bytes(r->key, r->key_len);
	fputs(" value: ", stdout);
	log_print_bytes(r->value, r->value_len);
	fputs(" headers:", stdout);
	for (i = 0; i < r->header_cnt; i++) {
		printf("%s%s=", i ? "," : " ", r->headers[i].name);
		log_print_bytes(r->headers[i].value, r->headers[i].value_len);
	}
	putchar('\n');
}

static json_t *log_record_json(const fjord_message_t *r)
{
	json_t *o = json_object(), *hs = json_array();
	size_t i;

	json_object_set_new(o, "offset", json_integer(r->offset));
	json_object_set_new(o, "timestamp", json_integer(r->timestamp));
	json_object_set_new(o, "timestamp_type",
	                    json_string(r->timestamp_type == FJORD_TIMESTAMP_LOG_APPEND_TIME
	                                    ? "LogAppendTime"
	                                    : "CreateTime"));
	log_json_bytes(o, "key", r->key, r->key_len);
	log_json_bytes(o, "value", r->value, r->value_len);
	for (i = 0; i < r->header_cnt; i++) {
		json_t *h = json_object();

		log_json_bytes(h, "key", r->headers[i].name, strlen(r->headers[i].name));
		log_json_bytes(h, "value", r->headers[i].value, r->headers[i].value_len);
		json_array_append_new(hs, h);
	}
	json_object_set_new(o, "headers", hs);
	return o;
}

static json_t *log_batch_json(const fjord_segment_batch_t *b)
{
	json_t *o = json_object();

	json_object_set_new(o, "position", json_integer(b->position));
	json_object_set_new(o, "size", json_integer((json_int_t)b->size));
	json_object_set_new(o, "base_offset", json_integer(b->base_offset));
	json_object_set_new(o, "last_offset", json_integer(b->last_offset));
	json_object_set_new(o, "count", json_integer(b->record_count));
	json_object_set_new(o, "base_timestamp", json_integer(b->base_timestamp));
	json_object_set_new(o, "max_timestamp", json_integer(b->max_timestamp));
	json_object_set_new(o, "timestamp_type",
	                    json_string(b->timestamp_type == FJORD_TIMESTAMP_LOG_APPEND_TIME
	                                    ? "LogAppendTime"
	                                    : "CreateTime"));
	json_object_set_new(o, "partition_leader_epoch", json_integer(b->partition_leader_epoch));
	json_object_set_new(o, "producer_id", json_integer(b->producer_id));
	json_object_set_new(o, "producer_epoch", json_integer(b->producer_epoch));
	json_object_set_new(o, "base_sequence", json_integer(b->base_sequence));
	json_object_set_new(o, "codec", json_string(b->codec));
	json_object_set_new(o, "transactional", json_boolean(b->transactional));
	json_object_set_new(o, "control", json_boolean(b->control));
	json_object_set_new(o, "crc", json_integer(b->crc));
	json_object_set_new(o, "crc_valid", json_boolean(b->crc_valid));
	json_object_set_new(o, "error", b->err ? json_string(b->errstr) : json_null());
	return o;
}

static void log_print_batch_text(const fjord_segment_batch_t *b)
{
	printf("baseOffset: %lld lastOffset: %lld count: %d baseTimestamp: %lld "
	       "maxTimestamp: %lld producerId: %lld producerEpoch: %d baseSequence: %d "
	       "partitionLeaderEpoch: %d isTransactional: %s isControl: %s codec: %s "
	       "size: %zu position: %lld crc: %u isValid: %s",
	       (long long)b->base_offset, (long long)b->last_offset, (int)b->record_count,
	       (long long)b->base_timestamp, (long long)b->max_timestamp, (long long)b->producer_id,
	       (int)b->producer_epoch, (int)b->base_sequence, (int)b->partition_leader_epoch,
	       b->transactional ? "true" : "false", b->control ? "true" : "false", b->codec,
	       b->size, (long long)b->position, (unsigned)b->crc,
	       !b->err && b->crc_valid ? "true" : "false");
	if (b->err)
		printf(" error: %s", b->errstr);
	putchar('\n');
}

/* Dumps the batches (and records) of a .log file into jb (JSON) or stdout.
 * Returns how many problems were found. */
static int log_dump_batches(fjord_segment_t *seg, const struct log_dump_opts *o, json_t *jb)
{
	fjord_segment_batch_t b;
	fjord_message_t r;
	int bad = 0, rc;

	while (fjord_segment_next_batch(seg, &b) == 1) {
		json_t *jbatch = NULL, *jrecs = NULL;

		if (b.err)
			bad++;
		if (jb) {
			jbatch = log_batch_json(&b);
			json_array_append_new(jb, jbatch);
		} else {
			log_print_batch_text(&b);
		}
		if (!o->print || b.err)
			continue;
		if (jbatch) {
			jrecs = json_array();
			json_object_set_new(jbatch, "records", jrecs);
		}
		while ((rc = fjord_segment_next_record(seg, &r)) == 1) {
			if (jrecs)
				json_array_append_new(jrecs, log_record_json(&r));
			else
				log_print_record_text(&r);
		}
		if (rc < 0) {
			bad++;
			if (jbatch)
				json_object_set_new(jbatch, "error", json_string(r.errstr));
			else
				printf("| error: %s\n", r.errstr);
		}
	}
	return bad;
}

/* Dumps the entries of a .index / .timeindex file. Returns the problems. */
static int log_dump_entries(fjord_segment_t *seg, json_t *je)
{
	int timeindex = fjord_segment_kind(seg) == FJORD_SEGMENT_TIMEINDEX;
	int64_t prev_key = -1, prev_offset = -1;
	fjord_segment_entry_t e;
	char errstr[256];
	int bad = 0, rc;

	while ((rc = fjord_segment_next_entry(seg, &e, errstr, sizeof(errstr))) == 1) {
		int64_t key = timeindex ? e.timestamp : e.file_position;
		/* Both fields strictly increase (docs/storage.md); a time index's
		 * offsets only need not decrease. */
		int ok = prev_offset < 0 ||
		         (key > prev_key &&
		          (timeindex ? e.offset >= prev_offset : e.offset > prev_offset));

		if (!ok)
			bad++;
		if (je) {
			json_t *o = json_object();

			json_object_set_new(o, "position", json_integer(e.position));
			json_object_set_new(o, "offset", json_integer(e.offset));
			if (timeindex)
				json_object_set_new(o, "timestamp", json_integer(e.timestamp));
			else
				json_object_set_new(o, "file_position",
				                    json_integer(e.file_position));
			json_object_set_new(o, "error",
			                    ok ? json_null()
			                       : json_string("entry does not increase over the "
			                                     "previous one"));
			json_array_append_new(je, o);
		} else if (timeindex) {
			printf("timestamp: %lld offset: %lld%s\n", (long long)e.timestamp,
			       (long long)e.offset,
			       ok ? "" : " error: entry does not increase over the previous one");
		} else {
			printf("offset: %lld position: %lld%s\n", (long long)e.offset,
			       (long long)e.file_position,
			       ok ? "" : " error: entry does not increase over the previous one");
		}
		prev_key = key;
		prev_offset = e.offset;
	}
	if (rc < 0) {
		bad++;
		if (je) {
			json_t *o = json_object();
			json_object_set_new(o, "error", json_string(errstr));
			json_array_append_new(je, o);
		} else {
			printf("error: %s\n", errstr);
		}
	}
	return bad;
}

/* Dumps one file. Returns 0 when clean, 1 when corrupt or unreadable. */
static int log_dump_file(const char *path, const struct log_dump_opts *o)
{
	static const char *const kinds[] = { "log", "index", "timeindex" };
	fjord_segment_t *seg;
	char errstr[512] = "";
	json_t *jf = NULL, *jl = NULL;
	fjord_err_t err;
	int bad;

	err = fjord_segment_open(path, &seg, errstr, sizeof(errstr));
	if (err) {
		fprintf(stderr, "fjord log dump: %s\n", errstr);
		return 1;
	}
	if (o->format == CLI_FORMAT_JSON) {
		jf = json_object();
		jl = json_array();
		json_object_set_new(jf, "file", json_string(path));
		json_object_set_new(jf, "kind", json_string(kinds[fjord_segment_kind(seg)]));
		json_object_set_new(jf, "base_offset",
		                    json_integer(fjord_segment_base_offset(seg)));
		json_object_set_new(jf, "size", json_integer(fjord_segment_size(seg)));
	} else {
		printf("Dumping %s (%s, base offset %lld, %lld bytes)\n", path,
		       kinds[fjord_segment_kind(seg)], (long long)fjord_segment_base_offset(seg),
		       (long long)fjord_segment_size(seg));
	}
	if (fjord_segment_kind(seg) == FJORD_SEGMENT_LOG)
		bad = log_dump_batches(seg, o, jl);
	else
		bad = log_dump_entries(seg, jl);
	if (jf) {
		json_object_set_new(
		    jf, fjord_segment_kind(seg) == FJORD_SEGMENT_LOG ? "batches" : "entries", jl);
		json_object_set_new(jf, "corrupt", json_integer(bad));
		if (cli_json_print(jf, 0, stdout) < 0)
			bad++;
	}
	fjord_segment_close(seg);
	if (bad)
		fprintf(stderr, "fjord log dump: %s: %d problem(s) found\n", path, bad);
	return bad ? 1 : 0;
}

static int log_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct log_dump_opts o = { 0, CLI_FORMAT_TEXT };
	int c, i, bad = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "pf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.print = 1;
			break;
		case 'f':
			if (cli_parse_format("log dump", optarg, &o.format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			log_usage(stdout);
			return CLI_EXIT_OK;
		default:
			log_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fjord log dump: expected at least one FILE\n");
		return CLI_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++)
		bad |= log_dump_file(argv[i], &o);
	if (fflush(stdout) == EOF)
		return CLI_EXIT_ERROR;
	return bad ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

int cmd_log(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		log_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "dump"))
		return log_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dirs"))
		return cmd_log_dirs(ctx, argc - 1, argv + 1);
	fprintf(stderr, "fjord log: unknown verb '%s' (dump or dirs)\n", argv[1]);
	return CLI_EXIT_USAGE;
}
