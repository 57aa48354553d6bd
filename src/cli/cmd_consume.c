/*
 * cmd_consume.c — `fjord consume TOPIC|^REGEX...`: prints records, one per
 * line (the forms are in consume_format.c).
 *
 * Manual assignment (no consumer group, nothing committed): every partition
 * of each topic given — a name starting with '^' is a POSIX extended regex
 * matched against the topics that exist when the command starts, as
 * fjord_subscribe() matches one — or partition -p of each. Where each
 * partition starts (-o, as kcat's -o):
 *   end (default)  only new records
 *   beginning      the log start offset (also -B / --from-beginning)
 *   N              offset N (an offset that does not exist is an error)
 *   -N             the last N records: max(log start, high watermark - N)
 *   s@TIME         the first record with timestamp >= TIME (also --from-time
 *                  TIME; cli_parse_time forms); the end when there is none
 * It stops after -n COUNT records; with -e/--exit when every assigned
 * partition has reached its end (the high watermark at the moment it got
 * there: records produced later to a partition that already reached it are
 * printed only while others are still being read), as kcat's -e. A
 * partition reaches its end with a _PARTITION_EOF event (an empty fetch at
 * the high watermark) or, without a group, with a record that leaves no lag
 * behind the high watermark of the latest fetch response
 * (fjord_consumer_lag), so a partition written to all the time ends too;
 * else it
 * runs until SIGINT/SIGTERM. Each of those exits 0. A corrupt record batch
 * (CORRUPT_MESSAGE: failed its CRC-32C here, or the broker knows the range
 * is corrupt) stops it with exit 1 and a message naming topic, partition and
 * offset; records are never printed from it.
 *
 * With -g GROUP the command joins the consumer group instead (subscribe,
 * names and patterns as given): the group's assignment decides the
 * partitions, each starts at the group's committed offset (else
 * auto.offset.reset; -B / -o beginning make that "earliest", -o end
 * "latest"), offsets are committed as the SDK's enable.auto.commit says, and
 * on exit fjord_close() leaves the group (committing first with auto commit)
 * before the exit code 0. -e then waits for an assignment and stops when
 * every partition assigned reached its end, judged by _PARTITION_EOF alone:
 * the group's partitions are added one claim at a time, and an empty fetch
 * (fetch.wait.max.ms after the partition's last record) leaves the claims of
 * one rebalance time to finish, where a record with no lag could end the
 * first partition before the others are assigned. So in a group a
 * partition written to all the time can keep -e from stopping. Rebalance
 * events are reported on stderr. -p and the other -o forms do not apply to a group.
 *
 * Main thread only; each polled message is destroyed after printing.
 */
#include "config.h"

#include <getopt.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cli/consume_format.h"

/* How -o / -B / --from-time chose the start. */
enum consume_start { CONSUME_END, CONSUME_BEGINNING, CONSUME_ABSOLUTE, CONSUME_LAST, CONSUME_TIME };

struct consume_opts {
	char **topics; /* names and ^patterns, argv */
	int topic_cnt;
	const char *group; /* -g: join this consumer group */
	enum consume_start start;
	int start_given;
	int64_t start_value; /* offset, N of -N, or timestamp ms */
	long long partition; /* -1: all */
	long long count;     /* 0: unlimited */
	int exit_at_end;     /* -e */
	struct consume_format fmt;
};

static void consume_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: fjord consume TOPIC|^REGEX... [OPTIONS]\n"
	    "\n"
	    "Prints records (values one per line by default) until COUNT records, the end\n"
	    "of every partition (-e) or SIGINT/SIGTERM. Starts at the end of each partition\n"
	    "unless told otherwise. A TOPIC starting with ^ is a regular expression (POSIX\n"
	    "extended) matched against every topic.\n"
	    "  -o, --offset OFFSET        where each partition starts: beginning, end,\n"
	    "                             N (offset N), -N (the last N records),\n"
	    "                             s@TIME (first record at or after TIME)\n"
	    "  -B, --from-beginning       the same as -o beginning\n"
	    "      --from-time TIME       the same as -o s@TIME; TIME is epoch ms, or\n"
	    "                             YYYY-MM-DDTHH:MM[:SS[.sss]] with Z, +HH:MM,\n"
	    "                             -HH:MM, +HHMM, or no zone (local time)\n"
	    "  -e, --exit                 exit when every partition reached its end\n"
	    "  -p, --partition P          only partition P (default: all partitions)\n"
	    "  -g, --group GROUP          join consumer group GROUP (partitions from the\n"
	    "                             group, start at its committed offsets, commit)\n"
	    "  -n, --count COUNT          exit after COUNT records\n"
	    "  -K, --print-key            print the key before the value (tab-separated)\n"
	    "  -O, --print-offset         print partition:offset first (tab-separated)\n"
	    "      --print-timestamp      print CreateTime:MS (or LogAppendTime:MS) first\n"
	    "      --print-headers        print the headers (k:v,... or NO_HEADERS)\n"
	    "  -F, --format-string FMT    print each record as FMT (kcat's -f): %%t topic,\n"
	    "                             %%p partition, %%o offset, %%k key, %%s value,\n"
	    "                             %%K / %%S key / value size (-1: null), %%T timestamp\n"
	    "                             (ms), %%h headers (k=v,...), %%%%, \\n \\t \\r \\\\\n"
	    "  -f, --format text|json     output format (default text; JSON has every field)\n"
	    "  -E, --encoding base64      print keys, values and header values in base64\n"
	    "  -h, --help                 print this help\n");
}

/* Sets the start once; -B, -o and --from-time exclude each other. */
static int consume_set_start(struct consume_opts *o, enum consume_start s, int64_t v)
{
	if (o->start_given++) {
		fprintf(stderr, "fjord consume: give one of --offset, --from-beginning, "
		                "--from-time\n");
		return -1;
	}
	o->start = s;
	o->start_value = v;
	return 0;
}

static int consume_parse_time(struct consume_opts *o, const char *s)
{
	char errstr[512];
	int64_t ms;

	if (cli_parse_time(s, &ms, errstr, sizeof(errstr)) < 0) {
		fprintf(stderr, "fjord consume: %s\n", errstr);
		return -1;
	}
	return consume_set_start(o, CONSUME_TIME, ms);
}

/* Parses the argument of -o. Returns 0 or -1 (printed). */
static int consume_parse_offset(struct consume_opts *o, const char *s)
{
	long long v;

	if (!strcmp(s, "beginning"))
		return consume_set_start(o, CONSUME_BEGINNING, 0);
	if (!strcmp(s, "end"))
		return consume_set_start(o, CONSUME_END, 0);
	if (!strncmp(s, "s@", 2))
		return consume_parse_time(o, s + 2);
	if (s[0] == '-') {
		if (cli_parse_int(s + 1, 1, INT64_MAX, &v) == 0)
			return consume_set_start(o, CONSUME_LAST, v);
	} else if (cli_parse_int(s, 0, INT64_MAX, &v) == 0) {
		return consume_set_start(o, CONSUME_ABSOLUTE, v);
	}
	fprintf(stderr, "fjord consume: invalid offset '%s' (beginning, end, N, -N or s@TIME)\n",
	        s);
	return -1;
}

static int consume_parse(int argc, char **argv, struct consume_opts *o)
{
	enum { O_FROM_TIME = 256, O_PRINT_TS, O_PRINT_HDRS };
	static const struct option opts[] = {
		{ "from-beginning", no_argument, NULL, 'B' },
		{ "offset", required_argument, NULL, 'o' },
		{ "from-time", required_argument, NULL, O_FROM_TIME },
		{ "exit", no_argument, NULL, 'e' },
		{ "partition", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "group", required_argument, NULL, 'g' },
		{ "print-key", no_argument, NULL, 'K' },
		{ "print-offset", no_argument, NULL, 'O' },
		{ "print-timestamp", no_argument, NULL, O_PRINT_TS },
		{ "print-headers", no_argument, NULL, O_PRINT_HDRS },
		{ "format-string", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'f' },
		{ "encoding", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char errstr[512];
	int c, format_given = 0;

	o->start = CONSUME_END;
	o->partition = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "Bo:ep:n:g:KOF:f:E:h", opts, NULL)) != -1) {
		switch (c) {
		case 'B':
			if (consume_set_start(o, CONSUME_BEGINNING, 0) < 0)
				return -1;
			break;
		case 'o':
			if (consume_parse_offset(o, optarg) < 0)
				return -1;
			break;
		case O_FROM_TIME:
			if (consume_parse_time(o, optarg) < 0)
				return -1;
			break;
		case 'e':
			o->exit_at_end = 1;
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
			o->fmt.print_key = 1;
			break;
		case 'O':
			o->fmt.print_offset = 1;
			break;
		case O_PRINT_TS:
			o->fmt.print_timestamp = 1;
			break;
		case O_PRINT_HDRS:
			o->fmt.print_headers = 1;
			break;
		case 'F':
			if (consume_format_check(optarg, errstr, sizeof(errstr)) < 0) {
				fprintf(stderr, "fjord consume: --format-string: %s\n", errstr);
				return -1;
			}
			o->fmt.fmt = optarg;
			break;
		case 'f':
			if (cli_parse_format("consume", optarg, &o->fmt.format) < 0)
				return -1;
			format_given = 1;
			break;
		case 'E':
			if (strcmp(optarg, "base64")) {
				fprintf(stderr, "fjord consume: invalid --encoding '%s' (base64)\n",
				        optarg);
				return -1;
			}
			o->fmt.base64 = 1;
			break;
		case 'h':
			consume_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fjord consume: expected at least one TOPIC or ^REGEX\n");
		return -1;
	}
	o->topics = argv + optind;
	o->topic_cnt = argc - optind;
	for (c = 0; c < o->topic_cnt; c++) {
		regex_t re;

		if (o->exit_at_end && !strcmp(o->topics[c], "base64"))
			fprintf(stderr, "fjord consume: note: -e is --exit now; for base64 output "
			                "use -E base64 (--encoding base64)\n");
		if (!*o->topics[c]) {
			fprintf(stderr, "fjord consume: empty topic name\n");
			return -1;
		}
		if (o->topics[c][0] != '^')
			continue;
		if (regcomp(&re, o->topics[c], REG_EXTENDED | REG_NOSUB) != 0) {
			fprintf(stderr,
			        "fjord consume: '%s' is not a valid regular expression (POSIX "
			        "extended)\n",
			        o->topics[c]);
			return -1;
		}
		regfree(&re);
	}
	if (o->fmt.fmt && format_given) {
		fprintf(stderr, "fjord consume: --format-string and --format exclude each other\n");
		return -1;
	}
	if (o->group &&
	    (o->partition >= 0 || (o->start != CONSUME_END && o->start != CONSUME_BEGINNING))) {
		fprintf(stderr,
		        "fjord consume: --partition, --from-time and --offset other than beginning "
		        "or end do not apply with --group (the group assigns partitions and starts "
		        "at its committed offsets; see 'fjord group reset-offsets')\n");
		return -1;
	}
	return 0;
}

/* Joins the group with a subscription to the topics. 0 or -1 (printed). */
static int consume_subscribe(const struct cli_ctx *ctx, fjord_t *fj, const struct consume_opts *o)
{
	fjord_topic_partition_list_t *topics = fjord_topic_partition_list_new(o->topic_cnt);
	fjord_metadata_t *md;
	fjord_err_t err;
	int i;

	if (!topics) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	for (i = 0; i < o->topic_cnt; i++) {
		/* A name must exist (a typo would wait for ever); a pattern may
		 * match topics created later. */
		if (o->topics[i][0] != '^') {
			if (cli_topic_metadata(ctx, fj, o->topics[i], &md) < 0) {
				fjord_topic_partition_list_destroy(topics);
				return -1;
			}
			fjord_metadata_destroy(md);
		}
		if (!fjord_topic_partition_list_add(topics, o->topics[i], -1)) {
			fprintf(stderr, "fjord: out of memory\n");
			fjord_topic_partition_list_destroy(topics);
			return -1;
		}
	}
	err = fjord_subscribe(fj, topics);
	fjord_topic_partition_list_destroy(topics);
	if (err) {
		fprintf(stderr, "fjord: cannot join group '%s': %s\n", o->group,
		        fjord_err2str(err));
		return -1;
	}
	return 0;
}

/* Adds partitions of topic t to parts (-p: only that one). 0 or -1 (printed). */
static int consume_add_topic(const struct consume_opts *o, const fjord_metadata_topic_t *t,
                             fjord_topic_partition_list_t *parts)
{
	int i;

	if (o->partition >= t->partition_cnt) {
		fprintf(stderr,
		        "fjord: topic '%s' has %d partition(s); partition %lld does not exist\n",
		        t->topic, t->partition_cnt, o->partition);
		return -1;
	}
	for (i = 0; i < t->partition_cnt; i++) {
		if (o->partition >= 0 && i != o->partition)
			continue;
		if (fjord_topic_partition_list_find(parts, t->topic, t->partitions[i].id))
			continue; /* named twice, or by a name and a pattern */
		if (t->partitions[i].leader < 0)
			fprintf(stderr,
			        "fjord: warning: partition %d of topic '%s' has no leader "
			        "(offline); waiting for one\n",
			        (int)t->partitions[i].id, t->topic);
		if (!fjord_topic_partition_list_add(parts, t->topic, t->partitions[i].id)) {
			fprintf(stderr, "fjord: out of memory\n");
			return -1;
		}
	}
	return 0;
}

/* Lists the partitions to read: each named topic (it must exist) and every
 * topic a pattern matches now. Returns 0 or -1 (printed). */
static int consume_partitions(const struct cli_ctx *ctx, fjord_t *fj, const struct consume_opts *o,
                              fjord_topic_partition_list_t *parts)
{
	fjord_metadata_t *md = NULL;
	fjord_err_t err;
	int i, j, rc = -1;

	for (i = 0; i < o->topic_cnt; i++) {
		const char *name = o->topics[i];
		int matched = 0;
		regex_t re;

		if (name[0] != '^') {
			if (cli_topic_metadata(ctx, fj, name, &md) < 0)
				goto out;
			if (consume_add_topic(o, &md->topics[0], parts) < 0)
				goto out;
			fjord_metadata_destroy(md);
			md = NULL;
			continue;
		}
		err = fjord_metadata(fj, NULL, &md, ctx->timeout_ms);
		if (err) {
			cli_report_error(ctx, "metadata of all topics", err, NULL);
			goto out;
		}
		if (regcomp(&re, name, REG_EXTENDED | REG_NOSUB) != 0)
			goto out; /* consume_parse() compiled it */
		for (j = 0; j < md->topic_cnt; j++) {
			const fjord_metadata_topic_t *t = &md->topics[j];

			if (t->err || t->partition_cnt < 1 || regexec(&re, t->topic, 0, NULL, 0))
				continue;
			matched = 1;
			if (consume_add_topic(o, t, parts) < 0) {
				regfree(&re);
				goto out;
			}
		}
		regfree(&re);
		fjord_metadata_destroy(md);
		md = NULL;
		if (!matched) {
			fprintf(stderr, "fjord: no topic matches '%s'\n", name);
			goto out;
		}
	}
	rc = 0;
out:
	if (md)
		fjord_metadata_destroy(md);
	return rc;
}

/* Fills each element's offset with where it starts. 0 or -1 (printed). */
static int consume_resolve_start(const struct cli_ctx *ctx, fjord_t *fj,
                                 const struct consume_opts *o, fjord_topic_partition_list_t *parts)
{
	fjord_err_t err;
	int i;

	for (i = 0; i < parts->cnt; i++) {
		fjord_topic_partition_t *e = &parts->elems[i];
		int64_t low, high;

		switch (o->start) {
		case CONSUME_END:
			e->offset = FJORD_OFFSET_END;
			break;
		case CONSUME_BEGINNING:
			e->offset = FJORD_OFFSET_BEGINNING;
			break;
		case CONSUME_ABSOLUTE:
			e->offset = o->start_value;
			break;
		case CONSUME_TIME:
			e->offset = o->start_value; /* replaced below */
			break;
		case CONSUME_LAST:
			err = fjord_query_watermark_offsets(fj, e->topic, e->partition, &low, &high,
			                                    ctx->timeout_ms);
			if (err) {
				char what[300];

				snprintf(what, sizeof(what), "watermarks of %s [%d]", e->topic,
				         (int)e->partition);
				cli_report_error(ctx, what, err, NULL);
				return -1;
			}
			e->offset = high - o->start_value > low ? high - o->start_value : low;
			break;
		}
	}
	if (o->start != CONSUME_TIME)
		return 0;
	err = fjord_offsets_for_times(fj, parts, ctx->timeout_ms);
	if (err) {
		cli_report_error(ctx, "offsets for the time", err, NULL);
		return -1;
	}
	for (i = 0; i < parts->cnt; i++)
		if (parts->elems[i].offset < 0) /* no record at or after it */
			parts->elems[i].offset = FJORD_OFFSET_END;
	return 0;
}

/* Assigns the partitions to read. Returns 0 or -1 (printed). */
static int consume_assign(const struct cli_ctx *ctx, fjord_t *fj, const struct consume_opts *o)
{
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(16);
	fjord_err_t err;
	int rc = -1;

	if (!parts) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	if (consume_partitions(ctx, fj, o, parts) < 0 ||
	    consume_resolve_start(ctx, fj, o, parts) < 0)
		goto out;
	err = fjord_assign(fj, parts);
	if (err) {
		fprintf(stderr, "fjord: cannot assign partitions: %s\n", fjord_err2str(err));
		goto out;
	}
	rc = 0;
out:
	fjord_topic_partition_list_destroy(parts);
	return rc;
}

/* Marks (reached = 1) or clears (0) that a partition reached its end in
 * `ends` (each element's offset is the flag). Returns 0 or -1 (memory). */
static int consume_mark_end(fjord_topic_partition_list_t *ends, const fjord_message_t *m,
                            int reached)
{
	fjord_topic_partition_t *e;

	if (!m->topic)
		return 0;
	e = fjord_topic_partition_list_find(ends, m->topic, m->partition);
	if (!e && reached)
		e = fjord_topic_partition_list_add(ends, m->topic, m->partition);
	if (!e)
		return reached ? -1 : 0;
	e->offset = reached;
	return 0;
}

/* Without a group, after record m: marks its partition as having reached
 * its end when the
 * record was the last one below the high watermark of the latest fetch
 * response (lag 0). Without this a partition that is written to all the
 * time would never see an empty fetch, hence no _PARTITION_EOF, and -e
 * would not stop. Returns 1 when it newly marked one, 0 otherwise, -1 on
 * out of memory. */
static int consume_record_at_end(fjord_t *fj, fjord_topic_partition_list_t *ends,
                                 const fjord_message_t *m)
{
	const fjord_topic_partition_t *e;
	int64_t lag = -1;

	if (!m->topic)
		return 0;
	e = fjord_topic_partition_list_find(ends, m->topic, m->partition);
	if (e && e->offset == 1)
		return 0; /* already there */
	if (fjord_consumer_lag(fj, m->topic, m->partition, &lag, NULL) != FJORD_ERR_NO_ERROR ||
	    lag != 0)
		return 0;
	return consume_mark_end(ends, m, 1) < 0 ? -1 : 1;
}

/* 1 when there is an assignment and each of its partitions reached its end. */
static int consume_all_ended(fjord_t *fj, const fjord_topic_partition_list_t *ends)
{
	fjord_topic_partition_list_t *a = NULL;
	int i, done;

	if (fjord_assignment(fj, &a) != FJORD_ERR_NO_ERROR)
		return 0;
	done = a->cnt > 0;
	for (i = 0; done && i < a->cnt; i++) {
		const fjord_topic_partition_t *e =
		    fjord_topic_partition_list_find(ends, a->elems[i].topic, a->elems[i].partition);
		done = e && e->offset == 1;
	}
	fjord_topic_partition_list_destroy(a);
	return done;
}

/* Reports a rebalance event from poll on stderr; 1 if m was one. A revoked
 * or lost partition no longer counts as having reached its end. */
static int consume_group_event(const struct consume_opts *o, const fjord_message_t *m,
                               fjord_topic_partition_list_t *ends)
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
	if (m->err != FJORD_ERR__ASSIGN_PARTITIONS && m->topic)
		consume_mark_end(ends, m, 0);
	fprintf(stderr, "fjord consume: group '%s': partition %s/%d %s\n", o->group ? o->group : "",
	        m->topic ? m->topic : "", (int)m->partition, what);
	return 1;
}

/* The running group consume, for consume_rebalance_cb(): its group and the
 * partitions that reached their end (-e). */
static const char *consume_group_name;
static fjord_topic_partition_list_t *consume_group_ends;

/* The SDK handles rebalances itself (fjord.h); this reports them on stderr,
 * one line per partition, and a revoked or lost partition no longer counts
 * as having reached its end. callback.mode=poll: it runs inside
 * fjord_consumer_poll() on the main thread, which owns the ends list. */
static void consume_rebalance_cb(fjord_t *fj, fjord_rebalance_event_t ev,
                                 const fjord_topic_partition_list_t *parts, void *opaque)
{
	const char *what = ev == FJORD_REBALANCE_ASSIGN   ? "assigned"
	                   : ev == FJORD_REBALANCE_REVOKE ? "revoked"
	                                                  : "lost (session expired)";
	int i;

	(void)fj;
	(void)opaque;
	for (i = 0; i < parts->cnt; i++) {
		fjord_topic_partition_t *e;

		fprintf(stderr, "fjord consume: group '%s': partition %s/%d %s\n",
		        consume_group_name ? consume_group_name : "", parts->elems[i].topic,
		        (int)parts->elems[i].partition, what);
		if (ev != FJORD_REBALANCE_ASSIGN && consume_group_ends &&
		    (e = fjord_topic_partition_list_find(consume_group_ends, parts->elems[i].topic,
		                                         parts->elems[i].partition)) != NULL)
			e->offset = 0;
	}
}

/* Sets the properties the options imply. Returns the conf or NULL (printed). */
static fjord_conf_t *consume_conf(const struct cli_ctx *ctx, const struct consume_opts *o)
{
	fjord_conf_t *conf = cli_conf_new(ctx);
	int given = cli_prop_given(ctx, "auto.offset.reset");

	if (!conf)
		return NULL;
	/* An explicit offset that does not exist is an error, not a silent jump
	 * to the end (unless -X auto.offset.reset says otherwise). */
	if ((o->start == CONSUME_ABSOLUTE && !given &&
	     cli_conf_set(conf, "auto.offset.reset", "error") < 0) ||
	    (o->exit_at_end && cli_conf_set(conf, "enable.partition.eof", "true") < 0) ||
	    (o->group && cli_conf_set(conf, "group.id", o->group) < 0) ||
	    (o->group && o->start_given && !given &&
	     cli_conf_set(conf, "auto.offset.reset",
	                  o->start == CONSUME_BEGINNING ? "earliest" : "latest") < 0)) {
		fjord_conf_destroy(conf);
		return NULL;
	}
	return conf;
}

/* Reports an error event; returns 1 when it is fatal (exit 1). */
static int consume_error_event(const fjord_message_t *m)
{
	/* A corrupt batch is retriable for the SDK (another replica may hold it
	 * intact) but the tool must not wait on it silently nor skip it: it
	 * stops with an error naming the offset (exit 1); --offset past it goes
	 * on. */
	int fatal = !fjord_err_is_retriable(m->err) || m->err == FJORD_ERR_CORRUPT_MESSAGE;
	const char *topic = m->topic ? m->topic : "";

	if (m->offset >= 0)
		fprintf(stderr, "fjord consume: %s: %s [%d] offset %lld: %s%s%s\n",
		        fatal ? "error" : "warning", topic, (int)m->partition, (long long)m->offset,
		        fjord_err2str(m->err), m->errstr ? ": " : "", m->errstr ? m->errstr : "");
	else
		fprintf(stderr, "fjord consume: %s: %s [%d]: %s%s%s\n", fatal ? "error" : "warning",
		        topic, (int)m->partition, fjord_err2str(m->err), m->errstr ? ": " : "",
		        m->errstr ? m->errstr : "");
	return fatal;
}

int cmd_consume(struct cli_ctx *ctx, int argc, char **argv)
{
	struct consume_opts o;
	fjord_topic_partition_list_t *ends = NULL;
	fjord_conf_t *conf;
	fjord_t *fj = NULL;
	int64_t last_flush_us = 0;
	long long seen = 0;
	int rc, done = 0;

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
	ends = fjord_topic_partition_list_new(16);
	if (!ends) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	conf = consume_conf(ctx, &o);
	if (!conf)
		goto out;
	if (o.group) {
		consume_group_name = o.group;
		consume_group_ends = ends;
		fjord_conf_set_rebalance_cb(conf, consume_rebalance_cb);
		if (cli_conf_set(conf, "callback.mode", "poll") < 0) {
			fjord_conf_destroy(conf);
			goto out;
		}
	}
	fj = cli_handle_new(ctx, FJORD_CONSUMER, conf);
	if (!fj)
		goto out;
	if ((o.group ? consume_subscribe(ctx, fj, &o) : consume_assign(ctx, fj, &o)) < 0)
		goto out;

	cli_signals_install();
	while (!done && !cli_stop_requested() && (!o.count || seen < o.count)) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);

		/* Flush when idle and at least every 100 ms, so a pipe reader sees
		 * records promptly without a write per record at high rates. */
		if (!m || cli_now_us() - last_flush_us > 100000) {
			fflush(stdout);
			last_flush_us = cli_now_us();
		}
		if (!m)
			continue;
		if (m->err == FJORD_ERR__PARTITION_EOF) {
			/* Without -e (-X enable.partition.eof=true) it is ignored. */
			if (o.exit_at_end && consume_mark_end(ends, m, 1) < 0) {
				fprintf(stderr, "fjord: out of memory\n");
				fjord_message_destroy(m);
				goto out;
			}
			done = o.exit_at_end && consume_all_ended(fj, ends);
			fjord_message_destroy(m);
			continue;
		}
		if (consume_group_event(&o, m, ends)) {
			fjord_message_destroy(m);
			continue;
		}
		if (m->err) {
			int fatal = consume_error_event(m);

			fjord_message_destroy(m);
			if (fatal)
				goto out;
			continue;
		}
		if (consume_format_print(&o.fmt, m, stdout) < 0) {
			fjord_message_destroy(m);
			goto out;
		}
		seen++;
		if (o.exit_at_end && !o.group) {
			int r = consume_record_at_end(fj, ends, m);

			if (r < 0) {
				fprintf(stderr, "fjord: out of memory\n");
				fjord_message_destroy(m);
				goto out;
			}
			if (r > 0)
				done = consume_all_ended(fj, ends);
		}
		fjord_message_destroy(m);
	}
	rc = CLI_EXIT_OK;
out:
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "fjord consume: cannot write to stdout\n");
		rc = CLI_EXIT_ERROR;
	}
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
	if (ends)
		fjord_topic_partition_list_destroy(ends);
	return rc;
}
