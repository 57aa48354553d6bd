/*
 * cmd_consume.c — `fjord consume TOPIC`: prints records, one per line.
 *
 * Manual assignment (no consumer group, nothing committed): every partition
 * of the topic, or the one given with -p, starting at the end (only new
 * records), at the beginning (--from-beginning) or at --offset N. Stops after
 * -n COUNT records, else runs until SIGINT/SIGTERM and then exits 0. A
 * corrupt record batch (CORRUPT_MESSAGE: failed its CRC-32C here, or the
 * broker knows the range is corrupt) stops it with exit 1 and a message
 * naming topic, partition and offset; records are never printed from it.
 *
 * With -g GROUP the command joins the consumer group instead (subscribe):
 * the group's assignment decides the partitions, each starts at the group's
 * committed offset (else auto.offset.reset; --from-beginning makes that
 * "earliest"), offsets are committed as the SDK's enable.auto.commit says,
 * and on exit (COUNT reached, SIGINT, SIGTERM) fjord_close() leaves the group
 * (committing first with auto commit) before the exit code 0. Rebalance
 * events are reported on stderr. -p and --offset do not apply to a group.
 *
 * Text output: the value, preceded (tab-separated) by "partition:offset" with
 * --print-offset and by the key with --print-key (empty for a null key).
 * JSON output: one object per line {topic, partition, offset, timestamp, key,
 * value, headers:[{key, value}]}; null keys/values are JSON null. With
 * --encoding base64 keys, values and header values are base64; without it, a
 * record that is not valid UTF-8 cannot be put in JSON and is an error that
 * names the record and suggests --encoding base64 (data is never mangled).
 *
 * Main thread only; each polled message is destroyed after printing.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct consume_opts {
	const char *topic;
	const char *group;   /* -g: join this consumer group */
	int64_t start;       /* FJORD_OFFSET_END / _BEGINNING or absolute */
	long long partition; /* -1: all */
	long long count;     /* 0: unlimited */
	int print_key;
	int print_offset;
	int base64;
	enum cli_format format;
};

static void consume_usage(FILE *out)
{
	fprintf(out, "Usage: fjord consume TOPIC [OPTIONS]\n"
	             "\n"
	             "Prints records (values one per line by default) until COUNT records or\n"
	             "SIGINT/SIGTERM. Starts at the end of each partition unless told otherwise.\n"
	             "  -B, --from-beginning       start at the log start offset\n"
	             "  -o, --offset N             start at offset N\n"
	             "  -p, --partition P          only partition P (default: all partitions)\n"
	             "  -g, --group GROUP          join consumer group GROUP (partitions from the\n"
	             "                             group, start at its committed offsets, commit)\n"
	             "  -n, --count COUNT          exit after COUNT records\n"
	             "  -K, --print-key            print the key before the value (tab-separated)\n"
	             "  -O, --print-offset         print partition:offset first (tab-separated)\n"
	             "  -f, --format text|json     output format (default text)\n"
	             "  -e, --encoding base64      print keys and values in base64\n"
	             "  -h, --help                 print this help\n");
}

/* Writes bytes as text (raw) or base64. Returns 0 or -1 (no memory). */
static int consume_write_bytes(FILE *out, const void *p, size_t len, int base64)
{
	char *b;

	if (!p)
		return 0;
	if (!base64) {
		fwrite(p, 1, len, out);
		return 0;
	}
	b = cli_base64_encode(p, len);
	if (!b)
		return -1;
	fputs(b, out);
	free(b);
	return 0;
}

/* JSON string for bytes (base64 or UTF-8), json null for NULL. Sets *bad when
 * the bytes are not valid UTF-8 (returns NULL then). */
static json_t *consume_json_bytes(const void *p, size_t len, int base64, int *bad)
{
	json_t *s;
	char *b;

	if (!p)
		return json_null();
	if (!base64) {
		s = json_stringn(p, len);
		if (!s)
			*bad = 1;
		return s;
	}
	b = cli_base64_encode(p, len);
	if (!b)
		return NULL;
	s = json_string(b);
	free(b);
	return s;
}

/* Prints one record. Returns 0, or -1 after printing why (fatal). */
static int consume_print(const struct consume_opts *o, const fjord_message_t *m)
{
	json_t *obj, *hdrs;
	int bad = 0;
	size_t i;

	if (o->format == CLI_FORMAT_TEXT) {
		if (o->print_offset)
			printf("%d:%lld\t", (int)m->partition, (long long)m->offset);
		if (o->print_key) {
			if (consume_write_bytes(stdout, m->key, m->key_len, o->base64) < 0)
				goto nomem;
			putchar('\t');
		}
		if (consume_write_bytes(stdout, m->value, m->value_len, o->base64) < 0)
			goto nomem;
		putchar('\n');
		return 0;
	}

	obj = json_object();
	json_object_set_new(obj, "topic", json_string(m->topic ? m->topic : o->topic));
	json_object_set_new(obj, "partition", json_integer(m->partition));
	json_object_set_new(obj, "offset", json_integer(m->offset));
	json_object_set_new(obj, "timestamp", json_integer(m->timestamp));
	json_object_set_new(obj, "key", consume_json_bytes(m->key, m->key_len, o->base64, &bad));
	json_object_set_new(obj, "value",
	                    consume_json_bytes(m->value, m->value_len, o->base64, &bad));
	hdrs = json_array();
	for (i = 0; i < m->header_cnt; i++) {
		json_t *h = json_object(), *name = json_string(m->headers[i].name);

		if (!name)
			bad = 1; /* header name not UTF-8 */
		json_object_set_new(h, "key", name);
		json_object_set_new(h, "value",
		                    consume_json_bytes(m->headers[i].value, m->headers[i].value_len,
		                                       o->base64, &bad));
		json_array_append_new(hdrs, h);
	}
	json_object_set_new(obj, "headers", hdrs);
	if (bad) {
		json_decref(obj);
		fprintf(stderr,
		        "fjord consume: record %d:%lld is not valid UTF-8 and cannot be "
		        "printed as JSON text; use --encoding base64\n",
		        (int)m->partition, (long long)m->offset);
		return -1;
	}
	if (cli_json_print(obj, 0, stdout) < 0)
		goto nomem;
	return 0;
nomem:
	fprintf(stderr, "fjord consume: cannot format record %d:%lld (out of memory)\n",
	        (int)m->partition, (long long)m->offset);
	return -1;
}

static int consume_parse(int argc, char **argv, struct consume_opts *o)
{
	static const struct option opts[] = {
		{ "from-beginning", no_argument, NULL, 'B' },
		{ "offset", required_argument, NULL, 'o' },
		{ "partition", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "group", required_argument, NULL, 'g' },
		{ "print-key", no_argument, NULL, 'K' },
		{ "print-offset", no_argument, NULL, 'O' },
		{ "format", required_argument, NULL, 'f' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_start = 0;
	long long v;

	o->start = FJORD_OFFSET_END;
	o->partition = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "Bo:p:n:g:KOf:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'B':
		case 'o':
			if (have_start++) {
				fprintf(stderr, "fjord consume: --from-beginning and --offset "
				                "exclude each other\n");
				return -1;
			}
			if (c == 'B') {
				o->start = FJORD_OFFSET_BEGINNING;
			} else if (cli_parse_int(optarg, 0, INT64_MAX, &v) < 0) {
				fprintf(stderr, "fjord consume: invalid offset '%s'\n", optarg);
				return -1;
			} else {
				o->start = v;
			}
			break;
		case 'p':
			if (cli_parse_int(optarg, 0, INT32_MAX, &o->partition) < 0) {
				fprintf(stderr, "fjord consume: invalid partition '%s'\n", optarg);
				return -1;
			}
			break;
		case 'n':
			if (cli_parse_int(optarg, 1, INT64_MAX, &o->count) < 0) {
				fprintf(stderr, "fjord consume: invalid count '%s'\n", optarg);
				return -1;
			}
			break;
		case 'g':
			if (!*optarg) {
				fprintf(stderr, "fjord consume: empty --group\n");
				return -1;
			}
			o->group = optarg;
			break;
		case 'K':
			o->print_key = 1;
			break;
		case 'O':
			o->print_offset = 1;
			break;
		case 'f':
			if (cli_parse_format("consume", optarg, &o->format) < 0)
				return -1;
			break;
		case 'e':
			if (strcmp(optarg, "base64")) {
				fprintf(stderr, "fjord consume: invalid --encoding '%s' (base64)\n",
				        optarg);
				return -1;
			}
			o->base64 = 1;
			break;
		case 'h':
			consume_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fjord consume: expected exactly one TOPIC\n");
		return -1;
	}
	o->topic = argv[optind];
	if (o->group && (o->partition >= 0 || o->start >= 0)) {
		fprintf(stderr,
		        "fjord consume: --partition and --offset do not apply with --group "
		        "(the group assigns partitions and starts at its committed offsets; see "
		        "'fjord group reset-offsets')\n");
		return -1;
	}
	return 0;
}

/* Joins the group with a subscription to the topic. 0 or -1 (printed). */
static int consume_subscribe(fjord_t *fj, const struct consume_opts *o)
{
	fjord_topic_partition_list_t *topics = fjord_topic_partition_list_new(1);
	fjord_err_t err;

	if (!topics) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	fjord_topic_partition_list_add(topics, o->topic, -1);
	err = fjord_subscribe(fj, topics);
	fjord_topic_partition_list_destroy(topics);
	if (err) {
		fprintf(stderr, "fjord: cannot join group '%s' with topic '%s': %s\n", o->group,
		        o->topic, fjord_err2str(err));
		return -1;
	}
	return 0;
}

/* Reports a rebalance event from poll on stderr; 1 if m was one. */
static int consume_group_event(const struct consume_opts *o, const fjord_message_t *m)
{
	const char *what;

	if (m->err == FJORD_ERR__ASSIGN_PARTITIONS)
		what = "assigned";
	else if (m->err == FJORD_ERR__REVOKE_PARTITIONS)
		what = "revoked";
	else if (m->err == FJORD_ERR__ASSIGNMENT_LOST)
		what = "lost (session expired)";
	else
		return 0;
	fprintf(stderr, "fjord consume: group '%s': partition %s/%d %s\n", o->group ? o->group : "",
	        m->topic ? m->topic : o->topic, (int)m->partition, what);
	return 1;
}

/* The group of the running consume, for consume_rebalance_cb(). */
static const char *consume_group_name;

/* The SDK handles rebalances itself (fjord.h); this only reports them on
 * stderr, one line per partition as consume_group_event(). Runs on the
 * SDK's callback thread. */
static void consume_rebalance_cb(fjord_t *fj, fjord_rebalance_event_t ev,
                                 const fjord_topic_partition_list_t *parts, void *opaque)
{
	const char *what = ev == FJORD_REBALANCE_ASSIGN   ? "assigned"
	                   : ev == FJORD_REBALANCE_REVOKE ? "revoked"
	                                                  : "lost (session expired)";
	int i;
	(void)fj;
	(void)opaque;
	for (i = 0; i < parts->cnt; i++)
		fprintf(stderr, "fjord consume: group '%s': partition %s/%d %s\n",
		        consume_group_name ? consume_group_name : "", parts->elems[i].topic,
		        (int)parts->elems[i].partition, what);
}

/* Assigns the partitions to read. Returns 0 or -1 (printed). */
static int consume_assign(fjord_t *fj, const struct consume_opts *o,
                          const fjord_metadata_topic_t *t)
{
	fjord_topic_partition_list_t *parts;
	fjord_err_t err;
	int i;

	if (o->partition >= t->partition_cnt) {
		fprintf(stderr,
		        "fjord: topic '%s' has %d partition(s); partition %lld does not "
		        "exist\n",
		        o->topic, t->partition_cnt, o->partition);
		return -1;
	}
	parts = fjord_topic_partition_list_new(t->partition_cnt);
	if (!parts) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	for (i = 0; i < t->partition_cnt; i++) {
		if (o->partition >= 0 && i != o->partition)
			continue;
		if (t->partitions[i].leader < 0)
			fprintf(stderr,
			        "fjord: warning: partition %d of topic '%s' has no leader "
			        "(offline); waiting for one\n",
			        i, o->topic);
		fjord_topic_partition_list_add(parts, o->topic, i)->offset = o->start;
	}
	err = fjord_assign(fj, parts);
	fjord_topic_partition_list_destroy(parts);
	if (err) {
		fprintf(stderr, "fjord: cannot assign partitions of '%s': %s\n", o->topic,
		        fjord_err2str(err));
		return -1;
	}
	return 0;
}

int cmd_consume(struct cli_ctx *ctx, int argc, char **argv)
{
	struct consume_opts o;
	fjord_metadata_t *md = NULL;
	fjord_conf_t *conf;
	fjord_t *fj = NULL;
	int64_t last_flush_us = 0;
	long long seen = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = consume_parse(argc, argv, &o);
	if (rc) {
		if (rc < 0)
			consume_usage(stderr);
		return rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;
	rc = CLI_EXIT_ERROR;
	/* An explicit --offset that does not exist is an error, not a silent
	 * jump to the end (unless -X auto.offset.reset says otherwise). */
	conf = cli_conf_new(ctx);
	if (conf && o.start >= 0 && !cli_prop_given(ctx, "auto.offset.reset") &&
	    cli_conf_set(conf, "auto.offset.reset", "error") < 0) {
		fjord_conf_destroy(conf);
		goto out;
	}
	if (conf && o.group &&
	    (cli_conf_set(conf, "group.id", o.group) < 0 ||
	     (o.start == FJORD_OFFSET_BEGINNING && !cli_prop_given(ctx, "auto.offset.reset") &&
	      cli_conf_set(conf, "auto.offset.reset", "earliest") < 0))) {
		fjord_conf_destroy(conf);
		goto out;
	}
	if (conf && o.group) {
		consume_group_name = o.group;
		fjord_conf_set_rebalance_cb(conf, consume_rebalance_cb);
	}
	fj = cli_handle_new(ctx, FJORD_CONSUMER, conf);
	if (!fj)
		goto out;
	if (cli_topic_metadata(ctx, fj, o.topic, &md) < 0 ||
	    (o.group ? consume_subscribe(fj, &o) : consume_assign(fj, &o, &md->topics[0])) < 0)
		goto out;

	cli_signals_install();
	while (!cli_stop_requested() && (!o.count || seen < o.count)) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);

		/* Flush when idle and at least every 100 ms, so a pipe reader sees
		 * records promptly without a write per record at high rates. */
		if (!m || cli_now_us() - last_flush_us > 100000) {
			fflush(stdout);
			last_flush_us = cli_now_us();
		}
		if (!m)
			continue;
		if (m->err == FJORD_ERR__PARTITION_EOF || consume_group_event(&o, m)) {
			fjord_message_destroy(m);
			continue;
		}
		if (m->err) {
			/* A corrupt batch is retriable for the SDK (another replica
			 * may hold it intact) but the tool must not wait on it
			 * silently nor skip it: it stops with an error naming the
			 * offset (exit 1); --offset past it goes on. */
			int fatal =
			    !fjord_err_is_retriable(m->err) || m->err == FJORD_ERR_CORRUPT_MESSAGE;

			if (m->offset >= 0)
				fprintf(stderr, "fjord consume: %s: %s [%d] offset %lld: %s%s%s\n",
				        fatal ? "error" : "warning", m->topic ? m->topic : o.topic,
				        (int)m->partition, (long long)m->offset,
				        fjord_err2str(m->err), m->errstr ? ": " : "",
				        m->errstr ? m->errstr : "");
			else
				fprintf(stderr, "fjord consume: %s: %s [%d]: %s%s%s\n",
				        fatal ? "error" : "warning", m->topic ? m->topic : o.topic,
				        (int)m->partition, fjord_err2str(m->err),
				        m->errstr ? ": " : "", m->errstr ? m->errstr : "");
			fjord_message_destroy(m);
			if (fatal)
				goto out;
			continue;
		}
		if (consume_print(&o, m) < 0) {
			fjord_message_destroy(m);
			goto out;
		}
		fjord_message_destroy(m);
		seen++;
	}
	rc = CLI_EXIT_OK;
out:
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "fjord consume: cannot write to stdout\n");
		rc = CLI_EXIT_ERROR;
	}
	if (md)
		fjord_metadata_destroy(md);
	if (fj && o.group) {
		/* Leave the group now (commits first with enable.auto.commit), so
		 * the next member starts where this one stopped. */
		fjord_err_t err = fjord_close(fj, ctx->timeout_ms, NULL);
		if (err)
			fprintf(stderr, "fjord consume: leaving group '%s': %s\n", o.group,
			        fjord_err2str(err));
	}
	if (fj)
		fjord_destroy(fj);
	return rc;
}
