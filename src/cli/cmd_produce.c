/*
 * cmd_produce.c — `fjord produce TOPIC`: one record per stdin line, or one
 * record holding a whole file (--value-file).
 *
 * A line is split at the first occurrence of the key separator (-k SEP) into
 * key and value (a line without SEP has a null key); --key K gives every
 * record the key K instead. With --encoding base64 both parts are base64 and
 * are decoded before sending. The trailing newline is not part of the record.
 * A value equal to --null-marker STR (or an empty one with -Z, kcat's flag)
 * is sent as a null value: a tombstone. Every record carries the -H headers
 * (in command-line order) and the --timestamp (0: now, set by the SDK).
 * Records go out asynchronously; on QUEUE_FULL the
 * tool waits for deliveries (fjord_flush with a short timeout) and retries.
 *
 * Guarantee: exit 0 only when every line was acknowledged (delivery report
 * with err 0). Otherwise stderr says how many failed and the first error, and
 * the exit code is 1. SIGINT/SIGTERM stop reading stdin; outstanding records
 * are still awaited up to --timeout (a second signal gives up at once).
 *
 * Threads: the main thread reads and produces; produce_dr_cb runs on the SDK
 * callback thread and touches only struct produce_state (atomics, plus the
 * first-error text under its mutex).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define PRODUCE_MAX_HEADERS 64

/* What is the same for every record of one run. */
struct produce_opts {
	const char *topic;
	int32_t partition;
	const char *sep;       /* -k, or NULL */
	const char *fixed_key; /* --key or --key-file's content, or NULL */
	size_t fixed_key_len;
	const char *null_marker;
	int null_empty; /* -Z */
	int base64;
	int64_t timestamp; /* --timestamp; 0: now */
	fjord_header_t headers[PRODUCE_MAX_HEADERS];
	size_t header_cnt;
	char *header_names[PRODUCE_MAX_HEADERS]; /* owned: names cut from "K=V" */
};

struct produce_state {
	atomic_ullong acked;
	atomic_ullong failed;
	pthread_mutex_t lock;
	char first_error[512]; /* under lock */
};

static void produce_usage(FILE *out)
{
	fprintf(out,
	        "Usage: fjord produce TOPIC [OPTIONS] < lines\n"
	        "\n"
	        "Writes one record per stdin line; exits 0 only when every record was\n"
	        "acknowledged.\n"
	        "  -k, --key-separator SEP    split each line into KEY SEP VALUE at the first SEP\n"
	        "  -p, --partition N          write to partition N (default: key hash, or\n"
	        "                             sticky partitioning for null keys)\n"
	        "  -a, --acks 0|1|all         acknowledgements required (default: SDK's, all)\n"
	        "  -c, --compression CODEC    none, gzip, snappy, lz4 or zstd\n"
	        "  -e, --encoding base64      keys and values on stdin are base64\n"
	        "  -K, --key K                every record has key K (instead of -k)\n"
	        "      --key-file FILE        every record's key is FILE's content, as it is\n"
	        "  -H, --header K=V           add header K with value V to every record\n"
	        "                             (repeatable, kept in order)\n"
	        "  -t, --timestamp MS         record timestamp, ms since the epoch\n"
	        "                             (default: the time of sending)\n"
	        "  -N, --null-marker STR      a value equal to STR is sent as null (tombstone)\n"
	        "  -Z, --null-empty           an empty value is sent as null (kcat's -Z)\n"
	        "  -f, --value-file FILE      send one record whose value is FILE's content\n"
	        "                             (stdin is not read)\n"
	        "  -h, --help                 print this help\n");
}

static void produce_note_error(struct produce_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void produce_note_error(struct produce_state *st, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&st->lock);
	if (!st->first_error[0]) {
		va_start(ap, fmt);
		vsnprintf(st->first_error, sizeof(st->first_error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&st->lock);
}

static void produce_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	struct produce_state *st = opaque;

	(void)fj;
	if (!msg->err) {
		atomic_fetch_add(&st->acked, 1);
		return;
	}
	atomic_fetch_add(&st->failed, 1);
	produce_note_error(st, "partition %d: %s%s%s", (int)msg->partition, fjord_err2str(msg->err),
	                   msg->errstr ? ": " : "", msg->errstr ? msg->errstr : "");
}

/* Checks the target partition(s) have a leader. Returns 0 or -1 (printed). */
static int produce_check_leaders(const fjord_metadata_topic_t *t, const char *topic,
                                 long long partition)
{
	int i, online = 0;

	if (partition >= 0) {
		if (partition >= t->partition_cnt) {
			fprintf(stderr,
			        "fjord: topic '%s' has %d partition(s); partition %lld "
			        "does not exist\n",
			        topic, t->partition_cnt, partition);
			return -1;
		}
		if (t->partitions[partition].leader < 0) {
			fprintf(stderr,
			        "fjord: partition %lld of topic '%s' has no leader "
			        "(offline)\n",
			        partition, topic);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < t->partition_cnt; i++)
		online += t->partitions[i].leader >= 0;
	if (!online) {
		fprintf(stderr, "fjord: no partition of topic '%s' has a leader (all offline)\n",
		        topic);
		return -1;
	}
	if (online < t->partition_cnt)
		fprintf(stderr, "fjord: warning: %d of %d partitions of topic '%s' are offline\n",
		        t->partition_cnt - online, t->partition_cnt, topic);
	return 0;
}

/* Enqueues one record, waiting while the queue is full. Returns the SDK's
 * final answer (0 on success). */
static fjord_err_t produce_one(fjord_t *fj, const struct produce_opts *po, const void *key,
                               size_t key_len, const void *val, size_t val_len)
{
	fjord_err_t err;

	for (;;) {
		err = fjord_produce(fj, po->topic, po->partition, key, key_len, val, val_len,
		                    po->header_cnt ? po->headers : NULL, po->header_cnt,
		                    po->timestamp, NULL);
		if (err != FJORD_ERR__QUEUE_FULL || cli_stop_requested() > 1)
			return err;
		fjord_flush(fj, 10);
	}
}

/* Produces one stdin line; a failure before the SDK accepted the record is
 * counted in st->failed here (no delivery report will follow). */
static void produce_line(fjord_t *fj, struct produce_state *st, const struct produce_opts *po,
                         char *line, size_t len, unsigned long long lineno)
{
	unsigned char *kbuf = NULL, *vbuf = NULL;
	const void *key = NULL, *val = line;
	size_t key_len = 0, val_len = len;
	const char *sep = po->sep;
	fjord_err_t err;

	if (po->fixed_key) {
		key = po->fixed_key;
		key_len = po->fixed_key_len;
	} else if (sep) {
		char *s = memmem(line, len, sep, strlen(sep));

		if (s) {
			key = line;
			key_len = (size_t)(s - line);
			val = s + strlen(sep);
			val_len = len - key_len - strlen(sep);
		}
	}
	/* The marker is compared with the value as written, before base64. */
	if ((po->null_marker && val_len == strlen(po->null_marker) &&
	     !memcmp(val, po->null_marker, val_len)) ||
	    (po->null_empty && !val_len))
		val = NULL;
	if (po->base64) {
		if (key && key != po->fixed_key &&
		    cli_base64_decode(key, key_len, &kbuf, &key_len) < 0) {
			atomic_fetch_add(&st->failed, 1);
			produce_note_error(st, "line %llu: key is not valid base64", lineno);
			goto out;
		}
		if (val && cli_base64_decode(val, val_len, &vbuf, &val_len) < 0) {
			atomic_fetch_add(&st->failed, 1);
			produce_note_error(st, "line %llu: value is not valid base64", lineno);
			goto out;
		}
		if (key && key != po->fixed_key)
			key = kbuf;
		if (val)
			val = vbuf;
	}
	if (!val)
		val_len = 0;
	err = produce_one(fj, po, key, key_len, val, val_len);
	if (err) {
		atomic_fetch_add(&st->failed, 1);
		produce_note_error(st, "line %llu: %s", lineno, fjord_err2str(err));
	}
out:
	free(kbuf);
	free(vbuf);
}

/* Adds one -H K=V to po (the name is copied, the value points into argv).
 * Returns 0, or -1 after printing a usage error. */
static int produce_add_header(struct produce_opts *po, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg) {
		fprintf(stderr, "fjord produce: invalid --header '%s' (expected NAME=VALUE)\n",
		        arg);
		return -1;
	}
	if (po->header_cnt == PRODUCE_MAX_HEADERS) {
		fprintf(stderr, "fjord produce: at most %d headers\n", PRODUCE_MAX_HEADERS);
		return -1;
	}
	po->header_names[po->header_cnt] = strndup(arg, (size_t)(eq - arg));
	if (!po->header_names[po->header_cnt]) {
		fprintf(stderr, "fjord produce: out of memory\n");
		return -1;
	}
	po->headers[po->header_cnt].name = po->header_names[po->header_cnt];
	po->headers[po->header_cnt].value = eq + 1;
	po->headers[po->header_cnt].value_len = strlen(eq + 1);
	po->header_cnt++;
	return 0;
}

/* Reads all of path into *bufp / *lenp (malloc'd). Returns 0, or -1 after
 * printing why. */
static int produce_read_file(const char *path, char **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, len = 0, n;
	char *buf = NULL, *nb;

	if (!f) {
		fprintf(stderr, "fjord produce: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "fjord produce: out of memory reading '%s'\n",
				        path);
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "fjord produce: reading '%s': %s\n", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	free(buf);
	fclose(f);
	return -1;
}

int cmd_produce(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-separator", required_argument, NULL, 'k' },
		{ "partition", required_argument, NULL, 'p' },
		{ "acks", required_argument, NULL, 'a' },
		{ "compression", required_argument, NULL, 'c' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'K' },
		{ "header", required_argument, NULL, 'H' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "null-marker", required_argument, NULL, 'N' },
		{ "null-empty", no_argument, NULL, 'Z' },
		{ "value-file", required_argument, NULL, 'f' },
		{ "key-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *acks = NULL, *codec = NULL, *value_file = NULL, *key_file = NULL;
	char *key_buf = NULL;
	long long partition = -1, ts;
	int c, rc = CLI_EXIT_ERROR;
	struct produce_opts po;
	struct produce_state st;
	fjord_metadata_t *md = NULL;
	unsigned long long lineno = 0, total;
	size_t cap = 0, undelivered = 0, i;
	char *line = NULL;
	fjord_conf_t *conf;
	fjord_t *fj = NULL;
	ssize_t n;

	memset(&po, 0, sizeof(po));
	memset(&st, 0, sizeof(st));
	atomic_init(&st.acked, 0);
	atomic_init(&st.failed, 0);
	pthread_mutex_init(&st.lock, NULL);

	optind = 0;
	while ((c = getopt_long(argc, argv, "k:p:a:c:e:K:H:t:N:Zf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (!*optarg) {
				fprintf(stderr, "fjord produce: empty key separator\n");
				goto usage;
			}
			po.sep = optarg;
			break;
		case 'p':
			if (cli_parse_int(optarg, 0, INT32_MAX, &partition) < 0) {
				fprintf(stderr, "fjord produce: invalid partition '%s'\n", optarg);
				goto usage;
			}
			break;
		case 'a':
			if (strcmp(optarg, "0") && strcmp(optarg, "1") && strcmp(optarg, "all") &&
			    strcmp(optarg, "-1")) {
				fprintf(stderr,
				        "fjord produce: invalid --acks '%s' (0, 1 or all)\n",
				        optarg);
				goto usage;
			}
			acks = optarg;
			break;
		case 'c':
			if (strcmp(optarg, "none") && strcmp(optarg, "gzip") &&
			    strcmp(optarg, "snappy") && strcmp(optarg, "lz4") &&
			    strcmp(optarg, "zstd")) {
				fprintf(stderr,
				        "fjord produce: invalid --compression '%s' "
				        "(none, gzip, snappy, lz4, zstd)\n",
				        optarg);
				goto usage;
			}
			codec = optarg;
			break;
		case 'e':
			if (strcmp(optarg, "base64")) {
				fprintf(stderr, "fjord produce: invalid --encoding '%s' (base64)\n",
				        optarg);
				goto usage;
			}
			po.base64 = 1;
			break;
		case 'K':
			po.fixed_key = optarg;
			po.fixed_key_len = strlen(optarg);
			break;
		case 'F':
			key_file = optarg;
			break;
		case 'H':
			if (produce_add_header(&po, optarg) < 0)
				goto usage;
			break;
		case 't':
			if (cli_parse_int(optarg, 1, INT64_MAX, &ts) < 0) {
				fprintf(stderr,
				        "fjord produce: invalid --timestamp '%s' (ms since the "
				        "epoch, > 0)\n",
				        optarg);
				goto usage;
			}
			po.timestamp = ts;
			break;
		case 'N':
			po.null_marker = optarg;
			break;
		case 'Z':
			po.null_empty = 1;
			break;
		case 'f':
			value_file = optarg;
			break;
		case 'h':
			produce_usage(stdout);
			rc = CLI_EXIT_OK;
			goto out;
		default:
			goto usage_full;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fjord produce: expected exactly one TOPIC\n");
		goto usage_full;
	}
	if ((po.sep ? 1 : 0) + (po.fixed_key ? 1 : 0) + (key_file ? 1 : 0) > 1) {
		fprintf(stderr, "fjord produce: --key, --key-file and --key-separator exclude "
		                "each other\n");
		goto usage;
	}
	if (value_file && (po.sep || po.base64 || po.null_marker || po.null_empty)) {
		fprintf(stderr, "fjord produce: --value-file takes the file as it is: no -k, "
		                "--encoding, --null-marker or -Z\n");
		goto usage;
	}
	po.topic = argv[optind];
	po.partition = (int32_t)partition;
	if (cli_check_cluster(ctx) < 0)
		goto usage;
	if (key_file) {
		if (produce_read_file(key_file, &key_buf, &po.fixed_key_len) < 0)
			goto out;
		po.fixed_key = key_buf;
	}

	conf = cli_conf_new(ctx);
	if (!conf || (acks && cli_conf_set(conf, "acks", acks) < 0) ||
	    (codec && cli_conf_set(conf, "compression.type", codec) < 0)) {
		if (conf)
			fjord_conf_destroy(conf);
		goto out;
	}
	fjord_conf_set_dr_msg_cb(conf, produce_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	fj = cli_handle_new(ctx, FJORD_PRODUCER, conf);
	if (!fj)
		goto out;
	if (cli_topic_metadata(ctx, fj, po.topic, &md) < 0 ||
	    produce_check_leaders(&md->topics[0], po.topic, partition) < 0)
		goto out;

	cli_signals_install();
	if (value_file) {
		size_t len;

		if (produce_read_file(value_file, &line, &len) < 0)
			goto out;
		lineno = 1;
		produce_line(fj, &st, &po, line, len, lineno);
	}
	while (!value_file && !cli_stop_requested()) {
		errno = 0;
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			if (errno == EINTR)
				continue; /* loop condition sees the signal */
			if (ferror(stdin)) {
				fprintf(stderr, "fjord produce: reading stdin: %s\n",
				        strerror(errno));
				atomic_fetch_add(&st.failed, 1);
				produce_note_error(&st, "stdin read error: %s", strerror(errno));
			}
			break;
		}
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		produce_line(fj, &st, &po, line, (size_t)n, lineno);
	}

	/* Wait for the outstanding delivery reports, giving up on a second signal
	 * or after --timeout without progress. */
	{
		int64_t last_progress = cli_now_us();
		int last_outq = fjord_outq_len(fj);

		while (fjord_outq_len(fj) > 0 && cli_stop_requested() < 2) {
			int q;

			fjord_flush(fj, 200);
			q = fjord_outq_len(fj);
			if (q < last_outq) {
				last_outq = q;
				last_progress = cli_now_us();
			} else if (cli_now_us() - last_progress > (int64_t)ctx->timeout_ms * 1000) {
				fprintf(stderr,
				        "fjord produce: no delivery progress for %d ms "
				        "(--timeout); giving up on %d outstanding record(s)\n",
				        ctx->timeout_ms, q);
				break;
			}
		}
	}
	fjord_close(fj, 0, &undelivered);

	total = lineno;
	if (atomic_load(&st.acked) == total && !atomic_load(&st.failed)) {
		rc = CLI_EXIT_OK;
	} else {
		unsigned long long failed = total - atomic_load(&st.acked);

		fprintf(stderr, "fjord produce: %llu of %llu record(s) failed%s%s\n", failed, total,
		        st.first_error[0] ? "; first error: " : "", st.first_error);
	}
	goto out;
usage_full:
	produce_usage(stderr);
usage:
	rc = CLI_EXIT_USAGE;
out:
	if (md)
		fjord_metadata_destroy(md);
	if (fj)
		fjord_destroy(fj);
	free(line);
	free(key_buf);
	for (i = 0; i < po.header_cnt; i++)
		free(po.header_names[i]);
	pthread_mutex_destroy(&st.lock);
	return rc;
}
