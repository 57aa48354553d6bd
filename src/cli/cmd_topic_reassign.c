/*
 * cmd_topic_reassign.c — `fjord topic reassign`: partition reassignment,
 * as Kafka's kafka-reassign-partitions tool does it in ZooKeeper mode.
 *
 *   --plan FILE|-            writes the plan (Kafka's JSON) through
 *                            fjord_admin_reassign_partitions and prints it;
 *   --plan FILE --wait       ...then polls fjord_admin_reassignment_status
 *                            until no plan is pending, printing each
 *                            partition's progress, and exits as --verify;
 *   --verify --plan FILE     per-partition status; exit 0 when every
 *                            partition has its target replicas, 1 otherwise;
 *   --generate --topic T --brokers 1,2,3
 *                            prints a proposed plan moving every partition
 *                            of T onto those brokers (same replication
 *                            factor, leaders and followers spread round-
 *                            robin as topic creation does), writing nothing.
 * The plan file is read with jansson into fjord_reassignment_t entries; its
 * strict checks are the SDK's (the controller's own codec). Output: text for
 * people, --format json for scripts. Needs -z. Exit codes: 0 done, 1
 * refused / failed / not done, 2 usage. Main thread only; everything is
 * freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

#define REASSIGN_POLL_MS 500
#define REASSIGN_MAX_BROKERS 1024

struct reassign_opts {
	const char *plan; /* --plan FILE or "-" */
	int wait, verify, generate;
	const char *topic; /* --generate */
	int32_t brokers[REASSIGN_MAX_BROKERS];
	int broker_cnt;
	enum cli_format format;
};

/* A plan read from a file: entries point into root's strings and ids. */
struct reassign_plan {
	json_t *root;
	int cnt;
	fjord_reassignment_t *parts;
	int32_t *ids;
};

static void reassign_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: fjord topic reassign --plan FILE|- [--wait] [--format text|json]\n"
	    "       fjord topic reassign --verify --plan FILE|- [--format text|json]\n"
	    "       fjord topic reassign --generate --topic NAME --brokers 1,2,3 "
	    "[--format text|json]\n"
	    "\n"
	    "  -p, --plan FILE|-       the plan, Kafka's JSON: {\"version\":1,\"partitions\":\n"
	    "                          [{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,1,2]}]}\n"
	    "                          (- reads standard input); without --verify it is written\n"
	    "                          to /admin/reassign_partitions for the controller\n"
	    "  -w, --wait              after writing, wait until the controller is done,\n"
	    "                          printing progress (exit 0 when every partition moved)\n"
	    "  -v, --verify            show where each partition of the plan stands (exit 0\n"
	    "                          when every partition has its target replicas)\n"
	    "  -g, --generate          print a proposed plan for --topic on --brokers\n"
	    "  -t, --topic NAME        the topic of --generate\n"
	    "  -b, --brokers IDS       comma-separated broker ids for --generate\n"
	    "  -f, --format text|json  output format\n"
	    "  -h, --help              print this help\n"
	    "\n"
	    "A running reassignment cannot be changed or cancelled (as in Kafka's ZooKeeper\n"
	    "mode): write the next plan once the previous one is done.\n");
}

static int reassign_parse_brokers(const char *s, struct reassign_opts *o)
{
	const char *p = s;

	while (*p) {
		char buf[16];
		long long v;
		size_t n = strcspn(p, ",");
		int i;

		if (n == 0 || n >= sizeof(buf) || o->broker_cnt >= REASSIGN_MAX_BROKERS)
			return -1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (cli_parse_int(buf, 0, INT32_MAX, &v) < 0)
			return -1;
		for (i = 0; i < o->broker_cnt; i++)
			if (o->brokers[i] == (int32_t)v)
				return -1;
		o->brokers[o->broker_cnt++] = (int32_t)v;
		p += n;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return o->broker_cnt > 0 ? 0 : -1;
}

static int reassign_parse(int argc, char **argv, struct reassign_opts *o)
{
	static const struct option opts[] = {
		{ "plan", required_argument, NULL, 'p' },
		{ "wait", no_argument, NULL, 'w' },
		{ "verify", no_argument, NULL, 'v' },
		{ "generate", no_argument, NULL, 'g' },
		{ "topic", required_argument, NULL, 't' },
		{ "brokers", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:wvgt:b:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->plan = optarg;
			break;
		case 'w':
			o->wait = 1;
			break;
		case 'v':
			o->verify = 1;
			break;
		case 'g':
			o->generate = 1;
			break;
		case 't':
			o->topic = optarg;
			break;
		case 'b':
			if (reassign_parse_brokers(optarg, o) < 0) {
				fprintf(stderr,
				        "fjord topic reassign: --brokers expects distinct broker "
				        "ids like 1,2,3, got '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case 'f':
			if (cli_parse_format("topic reassign", optarg, &o->format) < 0)
				return -1;
			break;
		case 'h':
			reassign_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fjord topic reassign: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->generate + o->verify > 1 || (o->generate && (o->plan || o->wait)) ||
	    (o->verify && o->wait)) {
		fprintf(stderr, "fjord topic reassign: choose one of --plan [--wait], --verify "
		                "--plan, --generate\n");
		return -1;
	}
	if (o->generate && (!o->topic || !o->broker_cnt)) {
		fprintf(stderr, "fjord topic reassign: --generate needs --topic and --brokers\n");
		return -1;
	}
	if (!o->generate && (o->topic || o->broker_cnt)) {
		fprintf(stderr, "fjord topic reassign: --topic and --brokers go with --generate\n");
		return -1;
	}
	if (!o->generate && !o->plan) {
		fprintf(stderr, "fjord topic reassign: missing --plan FILE (or --generate)\n");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ plan file */

static void reassign_plan_free(struct reassign_plan *p)
{
	free(p->parts);
	free(p->ids);
	json_decref(p->root);
	memset(p, 0, sizeof(*p));
}

/* Reads Kafka's plan JSON from path ("-": stdin). Shape errors are reported
 * here; values (ranges, duplicates) are checked by the SDK. 0 or -1. */
static int reassign_plan_read(const char *path, struct reassign_plan *p)
{
	json_error_t jerr;
	json_t *arr;
	size_t i, j, total = 0, k = 0;

	memset(p, 0, sizeof(*p));
	p->root = !strcmp(path, "-") ? json_loadf(stdin, 0, &jerr) : json_load_file(path, 0, &jerr);
	if (!p->root) {
		fprintf(stderr, "fjord: cannot read the plan %s: %s (line %d)\n",
		        !strcmp(path, "-") ? "from standard input" : path, jerr.text, jerr.line);
		return -1;
	}
	arr = json_object_get(p->root, "partitions");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		fprintf(stderr, "fjord: the plan needs a non-empty \"partitions\" array\n");
		goto fail;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i), *r = json_object_get(e, "replicas");

		if (!json_is_object(e) || !json_is_string(json_object_get(e, "topic")) ||
		    !json_is_integer(json_object_get(e, "partition")) || !json_is_array(r)) {
			fprintf(stderr,
			        "fjord: the plan's partitions[%zu] needs \"topic\" (string), "
			        "\"partition\" (integer) and \"replicas\" (array)\n",
			        i);
			goto fail;
		}
		for (j = 0; j < json_array_size(r); j++) {
			json_int_t v = json_integer_value(json_array_get(r, j));

			if (!json_is_integer(json_array_get(r, j)) || v < 0 || v > INT32_MAX) {
				fprintf(stderr,
				        "fjord: the plan's partitions[%zu].replicas[%zu] is not "
				        "a broker id\n",
				        i, j);
				goto fail;
			}
		}
		total += json_array_size(r);
	}
	if (json_array_size(arr) > INT32_MAX / 2) {
		fprintf(stderr, "fjord: the plan is too large\n");
		goto fail;
	}
	p->cnt = (int)json_array_size(arr);
	p->parts = calloc((size_t)p->cnt, sizeof(*p->parts));
	p->ids = calloc(total + 1, sizeof(*p->ids));
	if (!p->parts || !p->ids) {
		fprintf(stderr, "fjord: out of memory\n");
		goto fail;
	}
	for (i = 0; i < (size_t)p->cnt; i++) {
		json_t *e = json_array_get(arr, i), *r = json_object_get(e, "replicas");
		json_int_t part = json_integer_value(json_object_get(e, "partition"));

		p->parts[i].topic = json_string_value(json_object_get(e, "topic"));
		/* Out-of-range partitions become -1: the SDK names the entry. */
		p->parts[i].partition = part < 0 || part > INT32_MAX ? -1 : (int32_t)part;
		p->parts[i].replicas = &p->ids[k];
		p->parts[i].replica_cnt = (int)json_array_size(r);
		for (j = 0; j < json_array_size(r); j++)
			p->ids[k++] = (int32_t)json_integer_value(json_array_get(r, j));
	}
	return 0;
fail:
	reassign_plan_free(p);
	return -1;
}

static json_t *reassign_ids_json(const int32_t *ids, int cnt)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < cnt; i++)
		json_array_append_new(a, json_integer(ids[i]));
	return a;
}

/* Kafka's plan JSON of parts (new reference). */
static json_t *reassign_plan_json(const fjord_reassignment_t *parts, int cnt)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; i < cnt; i++)
		json_array_append_new(
		    arr, json_pack("{s:s, s:i, s:o}", "topic", parts[i].topic, "partition",
		                   (json_int_t)parts[i].partition, "replicas",
		                   reassign_ids_json(parts[i].replicas, parts[i].replica_cnt)));
	return json_pack("{s:i, s:o}", "version", 1, "partitions", arr);
}

/* Compact JSON text of v (consumed); malloc'd, NULL when out of memory. */
static char *reassign_dump(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(v);
	return s;
}

/* ------------------------------------------------------------ status */

static const char *reassign_state_name(fjord_reassignment_state_t s)
{
	switch (s) {
	case FJORD_REASSIGNMENT_DONE:
		return "done";
	case FJORD_REASSIGNMENT_IN_PROGRESS:
		return "in_progress";
	case FJORD_REASSIGNMENT_NOT_STARTED:
		return "not_started";
	case FJORD_REASSIGNMENT_UNKNOWN:
		return "unknown_partition";
	}
	return "unknown";
}

/* Prints the statuses; returns how many partitions are not done. */
static int reassign_print_status(const struct reassign_plan *p,
                                 const fjord_reassignment_status_t *st, int pending,
                                 enum cli_format format)
{
	static const char *const hdr[] = { "topic",  "partition", "status", "replicas",
		                           "target", "leader",    "isr" };
	struct cli_table *tab;
	json_t *arr;
	int i, not_done = 0;

	for (i = 0; i < p->cnt; i++)
		not_done += st[i].state != FJORD_REASSIGNMENT_DONE;
	if (format == CLI_FORMAT_JSON) {
		arr = json_array();
		for (i = 0; i < p->cnt; i++)
			json_array_append_new(
			    arr,
			    json_pack(
			        "{s:s, s:i, s:s, s:o, s:o, s:i, s:o}", "topic", st[i].topic,
			        "partition", (json_int_t)st[i].partition, "status",
			        reassign_state_name(st[i].state), "replicas",
			        reassign_ids_json(st[i].replicas, st[i].replica_cnt), "target",
			        reassign_ids_json(p->parts[i].replicas, p->parts[i].replica_cnt),
			        "leader", (json_int_t)st[i].leader, "isr",
			        reassign_ids_json(st[i].isr, st[i].isr_cnt)));
		if (cli_json_print(json_pack("{s:o, s:b, s:b}", "partitions", arr, "plan_pending",
		                             pending, "done", not_done == 0),
		                   1, stdout) < 0)
			fprintf(stderr, "fjord: cannot write JSON output\n");
		return not_done;
	}
	tab = cli_table_new(7, hdr);
	for (i = 0; i < p->cnt; i++) {
		char part[16], reps[512], target[512], leader[16], isr[512];
		const char *row[7] = { st[i].topic, part,   reassign_state_name(st[i].state),
			               reps,        target, leader,
			               isr };

		snprintf(part, sizeof(part), "%d", (int)st[i].partition);
		cli_format_id_list(reps, sizeof(reps), st[i].replicas, st[i].replica_cnt);
		cli_format_id_list(target, sizeof(target), p->parts[i].replicas,
		                   p->parts[i].replica_cnt);
		if (st[i].leader < 0)
			snprintf(leader, sizeof(leader), "none");
		else
			snprintf(leader, sizeof(leader), "%d", (int)st[i].leader);
		cli_format_id_list(isr, sizeof(isr), st[i].isr, st[i].isr_cnt);
		cli_table_add(tab, row);
	}
	cli_table_print_free(tab, stdout);
	if (not_done == 0)
		printf("reassignment complete: %d partition(s) have their target replicas\n",
		       p->cnt);
	else if (pending)
		printf("reassignment in progress: %d of %d partition(s) not done yet\n", not_done,
		       p->cnt);
	else
		printf("%d of %d partition(s) do not have their target replicas and no plan is "
		       "pending (refused? the controller's log and /admin/errors say why)\n",
		       not_done, p->cnt);
	return not_done;
}

static int reassign_status(struct cli_ctx *ctx, fjord_t *fj, const struct reassign_plan *p,
                           fjord_reassignment_status_t **stp, int *pendingp)
{
	char errstr[512] = "";
	fjord_err_t err;

	err = fjord_admin_reassignment_status(fj, p->parts, p->cnt, stp, pendingp, errstr,
	                                      sizeof(errstr));
	if (err) {
		cli_report_error(ctx, "cannot read the reassignment status", err, errstr);
		return -1;
	}
	return 0;
}

static void reassign_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* --wait: polls until no plan is pending, printing each partition's status
 * when it changes (text) and the final statuses. */
static int reassign_wait(struct cli_ctx *ctx, fjord_t *fj, const struct reassign_plan *p,
                         enum cli_format format)
{
	fjord_reassignment_status_t *st = NULL;
	int *last = calloc((size_t)p->cnt, sizeof(*last));
	int pending = 1, i, not_done;

	if (!last) {
		fprintf(stderr, "fjord: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	for (i = 0; i < p->cnt; i++)
		last[i] = -1;
	cli_signals_install();
	for (;;) {
		if (reassign_status(ctx, fj, p, &st, &pending) < 0) {
			free(last);
			return CLI_EXIT_ERROR;
		}
		for (i = 0; format == CLI_FORMAT_TEXT && i < p->cnt; i++) {
			char reps[512], isr[512];

			if ((int)st[i].state == last[i])
				continue;
			last[i] = (int)st[i].state;
			cli_format_id_list(reps, sizeof(reps), st[i].replicas, st[i].replica_cnt);
			cli_format_id_list(isr, sizeof(isr), st[i].isr, st[i].isr_cnt);
			fprintf(stderr, "%s-%d: %s (replicas %s, isr %s)\n", st[i].topic,
			        (int)st[i].partition, reassign_state_name(st[i].state), reps, isr);
		}
		if (!pending || cli_stop_requested())
			break;
		fjord_reassignment_status_destroy(st, p->cnt);
		st = NULL;
		reassign_sleep_ms(REASSIGN_POLL_MS);
	}
	free(last);
	if (pending)
		fprintf(stderr, "fjord: stopped waiting; the reassignment goes on\n");
	not_done = reassign_print_status(p, st, pending, format);
	fjord_reassignment_status_destroy(st, p->cnt);
	return not_done ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* ------------------------------------------------------------ verbs */

static int reassign_execute(struct cli_ctx *ctx, fjord_t *fj, const struct reassign_opts *o)
{
	struct reassign_plan p;
	fjord_reassignment_status_t *st = NULL;
	char errstr[512] = "";
	fjord_err_t err;
	int rc, pending = 0;

	if (reassign_plan_read(o->plan, &p) < 0)
		return CLI_EXIT_ERROR;
	if (o->verify) {
		if (reassign_status(ctx, fj, &p, &st, &pending) < 0) {
			rc = CLI_EXIT_ERROR;
		} else {
			rc = reassign_print_status(&p, st, pending, o->format) ? CLI_EXIT_ERROR
			                                                       : CLI_EXIT_OK;
			fjord_reassignment_status_destroy(st, p.cnt);
		}
		reassign_plan_free(&p);
		return rc;
	}
	err = fjord_admin_reassign_partitions(fj, p.parts, p.cnt, errstr, sizeof(errstr));
	if (err) {
		cli_report_error(ctx, "cannot start the reassignment", err, errstr);
		reassign_plan_free(&p);
		return CLI_EXIT_ERROR;
	}
	if (o->format == CLI_FORMAT_TEXT) {
		char *s = reassign_dump(reassign_plan_json(p.parts, p.cnt));

		printf("reassignment of %d partition(s) started; plan:\n%s\n", p.cnt, s ? s : "");
		free(s);
	} else if (!o->wait) {
		cli_json_print(reassign_plan_json(p.parts, p.cnt), 1, stdout);
	}
	fflush(stdout);
	rc = o->wait ? reassign_wait(ctx, fj, &p, o->format) : CLI_EXIT_OK;
	reassign_plan_free(&p);
	return rc;
}

/* --generate: Kafka's rack-unaware spread over the given brokers (sorted),
 * starting at the first: partition i's first replica is broker i % n and
 * its followers follow it, shifted by one more every n partitions. */
static int reassign_generate(struct cli_ctx *ctx, fjord_t *fj, struct reassign_opts *o)
{
	fjord_metadata_t *md = NULL;
	const fjord_metadata_topic_t *t;
	fjord_reassignment_t *cur = NULL, *prop = NULL;
	int32_t *ids = NULL, *b = o->brokers;
	int n = o->broker_cnt, rf, i, j, rc = CLI_EXIT_ERROR;

	if (cli_topic_metadata(ctx, fj, o->topic, &md) < 0)
		return CLI_EXIT_ERROR;
	t = &md->topics[0];
	rf = t->partition_cnt > 0 ? t->partitions[0].replica_cnt : 0;
	if (rf < 1 || rf > n) {
		fprintf(stderr,
		        "fjord: topic '%s' has replication factor %d; --brokers lists %d "
		        "broker(s)\n",
		        o->topic, rf, n);
		goto out;
	}
	for (i = 1; i < n; i++) /* insertion sort: a few ids */
		for (j = i; j > 0 && b[j - 1] > b[j]; j--) {
			int32_t x = b[j];

			b[j] = b[j - 1];
			b[j - 1] = x;
		}
	cur = calloc((size_t)t->partition_cnt, sizeof(*cur));
	prop = calloc((size_t)t->partition_cnt, sizeof(*prop));
	ids = calloc((size_t)t->partition_cnt * (size_t)rf, sizeof(*ids));
	if (!cur || !prop || !ids) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	for (i = 0; i < t->partition_cnt; i++) {
		const fjord_metadata_partition_t *mp = &t->partitions[i];
		int32_t *r = &ids[(size_t)i * (size_t)rf];
		int shift = n > 1 ? (i / n) % (n - 1) : 0;

		cur[i].topic = prop[i].topic = t->topic;
		cur[i].partition = prop[i].partition = mp->id;
		cur[i].replicas = mp->replicas;
		cur[i].replica_cnt = mp->replica_cnt;
		r[0] = b[i % n];
		for (j = 1; j < rf; j++)
			r[j] = b[(i % n + 1 + (shift + j - 1) % (n - 1)) % n];
		prop[i].replicas = r;
		prop[i].replica_cnt = rf;
	}
	if (o->format == CLI_FORMAT_JSON) {
		cli_json_print(reassign_plan_json(prop, t->partition_cnt), 1, stdout);
	} else {
		char *s1 = reassign_dump(reassign_plan_json(cur, t->partition_cnt));
		char *s2 = reassign_dump(reassign_plan_json(prop, t->partition_cnt));

		printf("Current partition replica assignment:\n%s\n\n"
		       "Proposed partition reassignment configuration:\n%s\n",
		       s1 ? s1 : "", s2 ? s2 : "");
		free(s1);
		free(s2);
	}
	rc = CLI_EXIT_OK;
out:
	free(cur);
	free(prop);
	free(ids);
	fjord_metadata_destroy(md);
	return rc;
}

int cmd_topic_reassign(struct cli_ctx *ctx, int argc, char **argv)
{
	struct reassign_opts *o = calloc(1, sizeof(*o));
	fjord_t *fj;
	int rc;

	if (!o) {
		fprintf(stderr, "fjord: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	rc = cli_admin_begin(ctx, reassign_parse(argc, argv, o), reassign_usage, &fj);
	if (!fj)
		goto out;
	rc = o->generate ? reassign_generate(ctx, fj, o) : reassign_execute(ctx, fj, o);
	fjord_destroy(fj);
out:
	free(o);
	return rc;
}
