/*
 * cmd_cluster.c — `fjord cluster [describe]`: cluster id, brokers,
 * controller id and epoch, topic count, and the znodes the controller
 * refused (its markers under /admin/errors), as a table or as one JSON
 * object.
 *
 * One admin handle, one metadata call for all topics bounded by --timeout,
 * one read of /admin/errors (fjord_admin_list_refused; without
 * zookeeper.connect it is skipped with a note on stderr). Refusals do not
 * change the exit code: they are the operator's to read and fix.
 * Main thread only; everything allocated here is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void cluster_usage(FILE *out)
{
	fprintf(out, "Usage: fjord cluster [describe] [--format text|json]\n"
	             "\n"
	             "Shows the cluster id, the live brokers, the controller and its epoch,\n"
	             "the number of topics, and the znodes the controller refused (markers\n"
	             "under /admin/errors, see docs/operations.md).\n"
	             "  -f, --format text|json   output format (default text)\n"
	             "  -h, --help               print this help\n");
}

static void cluster_refused_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || !gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "-");
}

static json_t *cluster_refused_json(const fjord_refused_t *r, int cnt)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < cnt; i++) {
		json_t *o = json_object();
		char when[32];

		cluster_refused_time(r[i].timestamp_ms, when, sizeof(when));
		json_object_set_new(o, "znode", json_string(r[i].znode));
		json_object_set_new(o, "marker", json_string(r[i].marker));
		json_object_set_new(o, "error", json_string(r[i].error));
		json_object_set_new(o, "refused_version", json_integer(r[i].refused_version));
		json_object_set_new(o, "timestamp_ms",
		                    r[i].timestamp_ms >= 0 ? json_integer(r[i].timestamp_ms)
		                                           : json_null());
		json_object_set_new(o, "time",
		                    r[i].timestamp_ms >= 0 ? json_string(when) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static void cluster_refused_text(const fjord_refused_t *r, int cnt)
{
	int i;

	if (cnt == 0) {
		printf("\nREFUSED: none\n");
		return;
	}
	printf("\nREFUSED (%d; markers under /admin/errors, see docs/operations.md):\n", cnt);
	for (i = 0; i < cnt; i++) {
		char when[32];

		cluster_refused_time(r[i].timestamp_ms, when, sizeof(when));
		printf("  %s  (since %s)\n    %s\n", r[i].znode, when, r[i].error);
	}
}

static int cluster_print_json(const fjord_metadata_t *md, const fjord_refused_t *refused,
                              int refused_cnt, int refused_ok)
{
	json_t *o = json_object(), *brokers = json_array(), *ctl = json_object();
	int i;

	json_object_set_new(o, "cluster_id",
	                    md->cluster_id ? json_string(md->cluster_id) : json_null());
	json_object_set_new(ctl, "id",
	                    md->controller_id >= 0 ? json_integer(md->controller_id) : json_null());
	json_object_set_new(ctl, "epoch",
	                    md->controller_epoch >= 0 ? json_integer(md->controller_epoch)
	                                              : json_null());
	json_object_set_new(o, "controller", ctl);
	for (i = 0; i < md->broker_cnt; i++) {
		const fjord_metadata_broker_t *b = &md->brokers[i];
		json_t *jb = json_object();

		json_object_set_new(jb, "id", json_integer(b->id));
		json_object_set_new(jb, "host", json_string(b->host ? b->host : ""));
		json_object_set_new(jb, "port", json_integer(b->port));
		json_object_set_new(jb, "rack", b->rack ? json_string(b->rack) : json_null());
		json_object_set_new(jb, "controller", json_boolean(b->id == md->controller_id));
		json_array_append_new(brokers, jb);
	}
	json_object_set_new(o, "brokers", brokers);
	json_object_set_new(o, "topic_count", json_integer(md->topic_cnt));
	json_object_set_new(o, "refused",
	                    refused_ok ? cluster_refused_json(refused, refused_cnt) : json_null());
	return cli_json_print(o, 1, stdout);
}

static void cluster_print_text(const fjord_metadata_t *md)
{
	static const char *const hdr[] = { "id", "host", "port", "rack", "controller" };
	struct cli_table *tab;
	int i;

	printf("CLUSTER ID: %s\n", md->cluster_id ? md->cluster_id : "(unknown)");
	if (md->controller_id >= 0 && md->controller_epoch >= 0)
		printf("CONTROLLER: %d (epoch %d)\n", (int)md->controller_id,
		       (int)md->controller_epoch);
	else if (md->controller_id >= 0)
		printf("CONTROLLER: %d (epoch unknown)\n", (int)md->controller_id);
	else
		printf("CONTROLLER: none\n");
	printf("TOPICS: %d\n\n", md->topic_cnt);
	tab = cli_table_new(5, hdr);
	for (i = 0; i < md->broker_cnt; i++) {
		const fjord_metadata_broker_t *b = &md->brokers[i];
		char id[16], port[16];
		const char *row[5] = { id, b->host ? b->host : "", port, b->rack ? b->rack : "-",
			               b->id == md->controller_id ? "*" : "" };

		snprintf(id, sizeof(id), "%d", (int)b->id);
		snprintf(port, sizeof(port), "%d", b->port);
		cli_table_add(tab, row);
	}
	cli_table_print_free(tab, stdout);
}

int cmd_cluster(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_format format = CLI_FORMAT_TEXT;
	fjord_metadata_t *md = NULL;
	fjord_refused_t *refused = NULL;
	char errstr[512];
	int rc = CLI_EXIT_OK, c, refused_cnt = 0, refused_ok = 0;
	fjord_err_t err;
	fjord_t *fj;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("cluster", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			cluster_usage(stdout);
			return CLI_EXIT_OK;
		default:
			cluster_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "describe"))
		optind++;
	if (optind < argc) {
		fprintf(stderr, "fjord cluster: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;
	fj = cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
	if (!fj)
		return CLI_EXIT_ERROR;
	err = fjord_metadata(fj, NULL, &md, ctx->timeout_ms);
	if (err) {
		cli_report_error(ctx, "cannot read cluster metadata", err, NULL);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (md->broker_cnt == 0 && cli_no_cluster_here(ctx, fj)) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (fjord_admin_list_refused(fj, &refused, &refused_cnt, errstr, sizeof(errstr)) ==
	    FJORD_ERR_NO_ERROR)
		refused_ok = 1;
	else
		fprintf(stderr, "fjord cluster: refused znodes not shown: %s\n", errstr);
	if (format == CLI_FORMAT_JSON) {
		if (cluster_print_json(md, refused, refused_cnt, refused_ok) < 0) {
			fprintf(stderr, "fjord: cannot write JSON output\n");
			rc = CLI_EXIT_ERROR;
		}
	} else {
		cluster_print_text(md);
		if (refused_ok)
			cluster_refused_text(refused, refused_cnt);
	}
out:
	fjord_refused_list_destroy(refused, refused_cnt);
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return rc;
}
