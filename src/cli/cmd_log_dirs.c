/*
 * cmd_log_dirs.c — `fjord log dirs --metrics HOST:PORT[,...] [--broker ID]`:
 * sizes per broker, per log dir and per partition, as kafka-log-dirs.sh
 * --describe shows them.
 *
 * The numbers come from each broker's HTTP /metrics endpoint through the
 * SDK's fjord_broker_log_dirs() (include/fjord.h): brokers do not register
 * their http.listener in ZooKeeper, so the endpoints are given with
 * --metrics (or $FJORD_METRICS). --broker ID keeps the broker with that id
 * (its fjord_broker_info). A broker that cannot be read is reported on
 * stderr (and with its error in JSON), the others are still printed, and the
 * exit code is 1.
 *
 * Text: a table of dirs (BROKER DIR STATE PARTITIONS SIZE) and one of
 * partitions (BROKER DIR TOPIC PARTITION SIZE), sizes in bytes. JSON: one
 * object {brokers:[{broker, endpoint, size, error, log_dirs:[{path, state,
 * size, partitions:[{topic, partition, size}]}]}]}.
 *
 * Main thread only; everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define LOG_DIRS_MAX_ENDPOINTS 64

static void log_dirs_usage(FILE *out)
{
	fprintf(out, "Usage: fjord log dirs --metrics HOST:PORT[,HOST:PORT...] [--broker ID]\n"
	             "             [--format text|json]\n"
	             "\n"
	             "Prints each broker's log dirs and the size of every partition in them, read\n"
	             "from the brokers' /metrics (their http.listener, which ZooKeeper does not\n"
	             "list, so name them).\n"
	             "  -m, --metrics LIST         the brokers' http.listener addresses (default:\n"
	             "                             $FJORD_METRICS)\n"
	             "  -B, --broker ID            only the broker with this broker.id\n"
	             "  -f, --format text|json     output format (default text)\n"
	             "  -h, --help                 print this help\n");
}

static const char *log_dirs_state(const fjord_log_dir_t *d)
{
	return d->offline ? "offline" : d->full ? "full" : "online";
}

static json_t *log_dirs_json(const char *endpoint, const fjord_broker_log_dirs_t *b,
                             const char *error)
{
	json_t *o = json_object(), *dirs = json_array();
	int i, k;

	json_object_set_new(o, "broker", b ? json_integer(b->broker_id) : json_null());
	json_object_set_new(o, "endpoint", json_string(endpoint));
	json_object_set_new(o, "size", b ? json_integer(b->size_bytes) : json_null());
	json_object_set_new(o, "error", error ? json_string(error) : json_null());
	for (i = 0; b && i < b->dir_cnt; i++) {
		const fjord_log_dir_t *d = &b->dirs[i];
		json_t *jd = json_object(), *ps = json_array();

		json_object_set_new(jd, "path", json_string(d->path));
		json_object_set_new(jd, "state", json_string(log_dirs_state(d)));
		json_object_set_new(jd, "size", json_integer(d->size_bytes));
		for (k = 0; k < d->partition_cnt; k++) {
			json_t *jp = json_object();

			json_object_set_new(jp, "topic", json_string(d->partitions[k].topic));
			json_object_set_new(jp, "partition",
			                    json_integer(d->partitions[k].partition));
			json_object_set_new(jp, "size", json_integer(d->partitions[k].size_bytes));
			json_array_append_new(ps, jp);
		}
		json_object_set_new(jd, "partitions", ps);
		json_array_append_new(dirs, jd);
	}
	json_object_set_new(o, "log_dirs", dirs);
	return o;
}

static void log_dirs_text(fjord_broker_log_dirs_t *const *bs, int n)
{
	static const char *const dh[] = { "broker", "dir", "state", "partitions", "size" };
	static const char *const ph[] = { "broker", "dir", "topic", "partition", "size" };
	struct cli_table *td = cli_table_new(5, dh), *tp = cli_table_new(5, ph);
	char id[16], cnt[16], size[24], part[16];
	int i, j, k;

	for (i = 0; i < n; i++) {
		if (!bs[i])
			continue;
		snprintf(id, sizeof(id), "%d", (int)bs[i]->broker_id);
		for (j = 0; j < bs[i]->dir_cnt; j++) {
			const fjord_log_dir_t *d = &bs[i]->dirs[j];
			const char *row[5] = { id, d->path, log_dirs_state(d), cnt, size };

			snprintf(cnt, sizeof(cnt), "%d", d->partition_cnt);
			snprintf(size, sizeof(size), "%lld", (long long)d->size_bytes);
			if (td)
				cli_table_add(td, row);
			for (k = 0; k < d->partition_cnt; k++) {
				const char *prow[5] = { id, d->path, d->partitions[k].topic, part,
					                size };

				snprintf(part, sizeof(part), "%d", (int)d->partitions[k].partition);
				snprintf(size, sizeof(size), "%lld",
				         (long long)d->partitions[k].size_bytes);
				if (tp)
					cli_table_add(tp, prow);
			}
		}
	}
	if (td)
		cli_table_print_free(td, stdout);
	printf("\n");
	if (tp)
		cli_table_print_free(tp, stdout);
}

int cmd_log_dirs(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "metrics", required_argument, NULL, 'm' },
		{ "broker", required_argument, NULL, 'B' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	fjord_broker_log_dirs_t *bs[LOG_DIRS_MAX_ENDPOINTS] = { 0 };
	char *eps[LOG_DIRS_MAX_ENDPOINTS], *list = NULL, *tok, *save = NULL;
	char errs[LOG_DIRS_MAX_ENDPOINTS][512];
	enum cli_format format = CLI_FORMAT_TEXT;
	const char *metrics = getenv("FJORD_METRICS");
	long long broker = -1;
	int c, i, n = 0, failed = 0, shown = 0, rc = CLI_EXIT_ERROR;

	optind = 0;
	while ((c = getopt_long(argc, argv, "m:B:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			metrics = optarg;
			break;
		case 'B':
			if (cli_parse_int(optarg, 0, INT32_MAX, &broker) < 0) {
				fprintf(stderr, "fjord log dirs: invalid --broker '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'f':
			if (cli_parse_format("log dirs", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			log_dirs_usage(stdout);
			return CLI_EXIT_OK;
		default:
			log_dirs_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fjord log dirs: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!metrics || !*metrics) {
		fprintf(stderr, "fjord log dirs: give the brokers' http.listener addresses with "
		                "--metrics HOST:PORT,... (or FJORD_METRICS): brokers do not list "
		                "them in ZooKeeper\n");
		return CLI_EXIT_USAGE;
	}
	list = strdup(metrics);
	if (!list) {
		fprintf(stderr, "fjord: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == LOG_DIRS_MAX_ENDPOINTS) {
			fprintf(stderr, "fjord log dirs: at most %d endpoints\n",
			        LOG_DIRS_MAX_ENDPOINTS);
			free(list);
			return CLI_EXIT_USAGE;
		}
		eps[n++] = tok;
	}
	for (i = 0; i < n; i++) {
		fjord_err_t err;

		errs[i][0] = '\0';
		err = fjord_broker_log_dirs(eps[i], ctx->timeout_ms, &bs[i], errs[i],
		                            sizeof(errs[i]));
		if (err == FJORD_ERR__INVALID_ARG) {
			fprintf(stderr, "fjord log dirs: %s\n", errs[i]);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
		if (err) {
			fprintf(stderr, "fjord log dirs: broker at %s: %s (%s)\n", eps[i], errs[i],
			        fjord_err2name(err));
			failed++;
			continue;
		}
		if (broker >= 0 && bs[i]->broker_id != broker) {
			fjord_broker_log_dirs_destroy(bs[i]);
			bs[i] = NULL;
			continue;
		}
		shown++;
	}
	if (broker >= 0 && !shown && !failed) {
		fprintf(stderr, "fjord log dirs: no broker %lld among %s\n", broker, metrics);
		goto out;
	}
	if (format == CLI_FORMAT_JSON) {
		json_t *o = json_object(), *a = json_array();

		for (i = 0; i < n; i++)
			if (bs[i] || errs[i][0])
				json_array_append_new(
				    a, log_dirs_json(eps[i], bs[i], bs[i] ? NULL : errs[i]));
		json_object_set_new(o, "brokers", a);
		if (cli_json_print(o, 1, stdout) < 0)
			goto out;
	} else {
		log_dirs_text(bs, n);
	}
	rc = failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
out:
	for (i = 0; i < n; i++)
		fjord_broker_log_dirs_destroy(bs[i]);
	free(list);
	return rc;
}
