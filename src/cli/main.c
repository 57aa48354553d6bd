/*
 * main.c — entry point of `fjord`: global options, dispatch, and the helpers
 * every subcommand shares (configuration, handle creation, error wording).
 *
 *   fjord [-z ZK | --zookeeper ZK] [-b BROKERS] [-X key=value]... [--timeout MS]
 *         SUBCOMMAND ...
 *
 * The cluster comes from -z (or $FJORD_ZOOKEEPER: a ZooKeeper connect string,
 * chroot allowed) and/or -b (or $FJORD_BROKERS: bootstrap.servers). -X passes
 * any SDK property through; the SDK validates it and its refusal is an error.
 * Global options stop at the subcommand's name ('+' in the optstring), so each
 * subcommand parses its own options with getopt_long.
 *
 * Runs on the main thread only. Nothing here allocates memory that outlives a
 * call except the handles and configs returned to the caller.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static volatile sig_atomic_t cli_stop_flag;

static void main_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: fjord [GLOBAL OPTIONS] SUBCOMMAND [ARGS]\n"
	    "\n"
	    "Global options:\n"
	    "  -z, --zookeeper ZK    ZooKeeper connect string, e.g. zk1:2181,zk2:2181/fjord\n"
	    "                        (default: $FJORD_ZOOKEEPER)\n"
	    "  -b, --brokers LIST    bootstrap brokers host:port,... (default: $FJORD_BROKERS)\n"
	    "      --bootstrap-server LIST  the same as -b (Kafka's tools' name)\n"
	    "  -X, --property K=V    set any SDK property (repeatable)\n"
	    "      --timeout MS      bound on every cluster call (default %d)\n"
	    "      --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n"
	    "\n"
	    "Subcommands:\n"
	    "  topic create|list|describe|describe-config|delete|alter|reassign\n"
	    "                                      manage topics, their configs and replicas\n"
	    "  produce TOPIC                       write stdin lines as records\n"
	    "  consume TOPIC [-g GROUP]            print records (as a group member with -g)\n"
	    "  group list|describe|reset-offsets|delete\n"
	    "                                      manage consumer groups\n"
	    "  acl add|remove|list                 Kafka's ACLs in ZooKeeper (-z)\n"
	    "  user create|delete|list             SCRAM users for SASL logins\n"
	    "  cluster                             show brokers and the controller\n"
	    "  perf produce|consume|e2e TOPIC      measure throughput and latency\n"
	    "  log dump FILE...|dirs               read segment files; log dir sizes\n"
	    "  offsets TOPIC [--time T]            offsets per partition (earliest, latest,\n"
	    "                                      by time)\n"
	    "  leader-election --preferred         move leaders back to preferred replicas\n"
	    "\n"
	    "-z, -X, --bootstrap-server and --timeout may also follow the subcommand.\n"
	    "Run 'fjord SUBCOMMAND --help' for a subcommand's options.\n"
	    "Exit codes: 0 success, 1 error, 2 usage error.\n",
	    CLI_DEFAULT_TIMEOUT_MS);
}

int cli_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_format(const char *prog, const char *s, enum cli_format *out)
{
	if (!strcmp(s, "text")) {
		*out = CLI_FORMAT_TEXT;
		return 0;
	}
	if (!strcmp(s, "json")) {
		*out = CLI_FORMAT_JSON;
		return 0;
	}
	fprintf(stderr, "fjord %s: invalid --format '%s' (text or json)\n", prog, s);
	return -1;
}

int64_t cli_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cli_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void main_on_signal(int sig)
{
	(void)sig;
	if (cli_stop_flag < 100)
		cli_stop_flag++;
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking reads return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cli_stop_requested(void)
{
	return (int)cli_stop_flag;
}

int cli_check_cluster(const struct cli_ctx *ctx)
{
	if (ctx->zookeeper || ctx->brokers)
		return 0;
	fprintf(stderr, "fjord: no cluster given: use -z ZK or -b BROKERS "
	                "(or set FJORD_ZOOKEEPER / FJORD_BROKERS)\n");
	return -1;
}

int cli_conf_set(fjord_conf_t *conf, const char *name, const char *value)
{
	char errstr[512] = "";

	if (fjord_conf_set(conf, name, value, errstr, sizeof(errstr)) != FJORD_CONF_OK) {
		fprintf(stderr, "fjord: property %s=%s refused: %s\n", name, value,
		        errstr[0] ? errstr : "invalid");
		return -1;
	}
	return 0;
}

fjord_conf_t *cli_conf_new(const struct cli_ctx *ctx)
{
	fjord_conf_t *conf = fjord_conf_new();
	int i;

	if (!conf) {
		fprintf(stderr, "fjord: out of memory\n");
		return NULL;
	}
	/* The CLI's own defaults, before -X so that -X can override them. The
	 * ZooKeeper session timeout also bounds the SDK's initial connect, so it
	 * follows --timeout (the SDK's minimum is 1000 ms). */
	if (cli_conf_set(conf, "client.id", "fjord-cli") < 0)
		goto fail;
	/* Warnings and errors only: the SDK's informational lines (rebalances,
	 * retries) would mix into every command's stderr. -X log_level=6 shows
	 * them. */
	if (cli_conf_set(conf, "log_level", "4") < 0)
		goto fail;
	if (ctx->zookeeper) {
		char ms[24];

		snprintf(ms, sizeof(ms), "%d", ctx->timeout_ms < 1000 ? 1000 : ctx->timeout_ms);
		if (cli_conf_set(conf, "zookeeper.connect", ctx->zookeeper) < 0 ||
		    cli_conf_set(conf, "zookeeper.session.timeout.ms", ms) < 0)
			goto fail;
	}
	if (ctx->brokers && cli_conf_set(conf, "bootstrap.servers", ctx->brokers) < 0)
		goto fail;
	for (i = 0; i < ctx->prop_cnt; i++)
		if (cli_conf_set(conf, ctx->prop_names[i], ctx->prop_values[i]) < 0)
			goto fail;
	return conf;
fail:
	fjord_conf_destroy(conf);
	return NULL;
}

int cli_prop_given(const struct cli_ctx *ctx, const char *name)
{
	int i;

	for (i = 0; i < ctx->prop_cnt; i++)
		if (!strcmp(ctx->prop_names[i], name))
			return 1;
	return 0;
}

fjord_t *cli_handle_new(const struct cli_ctx *ctx, fjord_type_t type, fjord_conf_t *conf)
{
	char errstr[512] = "";
	fjord_t *fj;

	if (!conf)
		return NULL;
	fj = fjord_new(type, conf, errstr, sizeof(errstr));
	if (!fj) {
		if (ctx->zookeeper)
			fprintf(stderr,
			        "fjord: cannot create client (ZooKeeper '%s', timeout %d ms): "
			        "%s\n",
			        ctx->zookeeper, ctx->timeout_ms,
			        errstr[0] ? errstr : "unknown error");
		else
			fprintf(stderr, "fjord: cannot create client: %s\n",
			        errstr[0] ? errstr : "unknown error");
		fjord_conf_destroy(conf);
	}
	return fj;
}

int cli_admin_begin(const struct cli_ctx *ctx, int parse_rc, void (*usage)(FILE *), fjord_t **fjp)
{
	*fjp = NULL;
	if (parse_rc) {
		if (parse_rc < 0)
			usage(stderr);
		return parse_rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;
	*fjp = cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
	return *fjp ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

void cli_report_error(const struct cli_ctx *ctx, const char *what, fjord_err_t err,
                      const char *detail)
{
	const char *reason = detail && *detail ? detail : fjord_err2str(err);

	if (err == FJORD_ERR__ZOOKEEPER ||
	    (err == FJORD_ERR__TIMED_OUT && ctx->zookeeper && !ctx->brokers))
		fprintf(stderr, "fjord: %s: ZooKeeper at '%s' not reachable within %d ms: %s\n",
		        what, ctx->zookeeper ? ctx->zookeeper : "?", ctx->timeout_ms, reason);
	else if (err == FJORD_ERR__ALL_BROKERS_DOWN || err == FJORD_ERR__TRANSPORT)
		fprintf(stderr, "fjord: %s: no broker reachable%s%s: %s\n", what,
		        ctx->brokers ? " at " : "", ctx->brokers ? ctx->brokers : "", reason);
	else
		fprintf(stderr, "fjord: %s: %s (%s)\n", what, reason, fjord_err2name(err));
}

int cli_no_cluster_here(const struct cli_ctx *ctx, fjord_t *fj)
{
	char others[4096], errstr[512], first[512];
	const char *slash, *p;
	int found = 1, hlen, shown, cnt = 1;

	if (!ctx->zookeeper || fjord_zookeeper_locate(fj, &found, others, sizeof(others), errstr,
	                                              sizeof(errstr)) != FJORD_ERR_NO_ERROR)
		return 0;
	if (found)
		return 0;
	if (!others[0]) {
		fprintf(stderr,
		        "fjord: no fjord cluster at ZooKeeper '%s' (no /cluster/id under that "
		        "path, nor under any chroot of that ensemble): has a broker started "
		        "with this zookeeper.connect?\n",
		        ctx->zookeeper);
		return 1;
	}
	/* The SDK lists the closest path first; show a few. */
	for (p = others; (p = strstr(p, ", ")) != NULL; p += 2)
		cnt++;
	for (p = others, shown = 0; shown < 5 && (p = strstr(p, ", ")) != NULL; p += 2)
		shown++;
	if (p)
		others[p - others] = '\0';
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(others, ","), others);
	slash = strchr(ctx->zookeeper, '/');
	hlen = slash ? (int)(slash - ctx->zookeeper) : (int)strlen(ctx->zookeeper);
	fprintf(stderr,
	        "fjord: no fjord cluster at ZooKeeper '%s' (no /cluster/id under that path); "
	        "ZooKeeper paths holding one: %s",
	        ctx->zookeeper, others);
	if (cnt > 5)
		fprintf(stderr, " and %d more", cnt - 5);
	fprintf(stderr, " (try -z %.*s%s)\n", hlen, ctx->zookeeper,
	        strcmp(first, "/") ? first : "");
	return 1;
}

int cli_topic_metadata(const struct cli_ctx *ctx, fjord_t *fj, const char *topic,
                       fjord_metadata_t **mdp)
{
	fjord_metadata_t *md = NULL;
	fjord_err_t err;
	char what[300];

	*mdp = NULL;
	snprintf(what, sizeof(what), "metadata for topic '%s'", topic);
	err = fjord_metadata(fj, topic, &md, ctx->timeout_ms);
	if (err == FJORD_ERR__UNKNOWN_TOPIC || err == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION) {
		if (!cli_no_cluster_here(ctx, fj))
			fprintf(stderr, "fjord: topic '%s' does not exist\n", topic);
		return -1;
	}
	if (err) {
		cli_report_error(ctx, what, err, NULL);
		return -1;
	}
	if (md->topic_cnt < 1 || md->topics[0].err == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION ||
	    md->topics[0].err == FJORD_ERR__UNKNOWN_TOPIC || md->topics[0].partition_cnt < 1) {
		if (!cli_no_cluster_here(ctx, fj))
			fprintf(stderr, "fjord: topic '%s' does not exist\n", topic);
		fjord_metadata_destroy(md);
		return -1;
	}
	if (md->topics[0].err) {
		cli_report_error(ctx, what, md->topics[0].err, NULL);
		fjord_metadata_destroy(md);
		return -1;
	}
	*mdp = md;
	return 0;
}

/* Splits "-X name=value" into ctx; returns 0 or -1 on a malformed pair. */
static int main_add_prop(struct cli_ctx *ctx, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t nlen;
	char *buf;

	if (!eq || eq == arg) {
		fprintf(stderr, "fjord: -X expects name=value, got '%s'\n", arg);
		return -1;
	}
	if (ctx->prop_cnt >= CLI_MAX_PROPS) {
		fprintf(stderr, "fjord: too many -X properties (max %d)\n", CLI_MAX_PROPS);
		return -1;
	}
	nlen = (size_t)(eq - arg);
	if (nlen >= sizeof(ctx->prop_buf[0])) {
		fprintf(stderr, "fjord: -X property name too long\n");
		return -1;
	}
	buf = ctx->prop_buf[ctx->prop_cnt];
	memcpy(buf, arg, nlen);
	buf[nlen] = '\0';
	ctx->prop_names[ctx->prop_cnt] = buf;
	ctx->prop_values[ctx->prop_cnt] = eq + 1;
	ctx->prop_cnt++;
	return 0;
}

/* Takes the global options that may also follow the subcommand's name out
 * of argv[1..argc-1] (so "fjord consume t -X k=v" works as Kafka's and
 * kcat's tools allow): -X/--property, -z/--zookeeper, --bootstrap-server and
 * --timeout, with their value attached or next. -b is not among them: a
 * subcommand may use it (topic reassign --brokers). "--" ends the scan.
 * Returns the new argc, or -1 after printing a usage error. */
static int main_hoist_globals(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char *name; /* long form, or NULL */
		char shrt;        /* short form, or 0 */
		char key;
	} g[] = {
		{ "property", 'X', 'X' },
		{ "zookeeper", 'z', 'z' },
		{ "bootstrap-server", 0, 'b' },
		{ "timeout", 0, 'T' },
	};
	int i, out = 1, k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		long long v;
		size_t nl;
		int hit = -1;

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		for (k = 0; hit < 0 && k < (int)(sizeof(g) / sizeof(g[0])); k++) {
			if (g[k].shrt && a[0] == '-' && a[1] == g[k].shrt) {
				hit = k;
				val = a[2] ? a + 2 : NULL;
			} else if (g[k].name && a[0] == '-' && a[1] == '-' &&
			           !strncmp(a + 2, g[k].name, nl = strlen(g[k].name)) &&
			           (a[2 + nl] == '\0' || a[2 + nl] == '=')) {
				hit = k;
				val = a[2 + nl] == '=' ? a + 3 + nl : NULL;
			}
		}
		if (hit < 0) {
			argv[out++] = argv[i];
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fjord: %s needs a value\n", a);
				return -1;
			}
			val = argv[++i];
		}
		switch (g[hit].key) {
		case 'X':
			if (main_add_prop(ctx, val) < 0)
				return -1;
			break;
		case 'z':
			ctx->zookeeper = val;
			break;
		case 'b':
			ctx->brokers = val;
			break;
		case 'T':
			if (cli_parse_int(val, 1, INT_MAX, &v) < 0) {
				fprintf(stderr,
				        "fjord: invalid --timeout '%s' (milliseconds > 0)\n", val);
				return -1;
			}
			ctx->timeout_ms = (int)v;
			break;
		}
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zookeeper", required_argument, NULL, 'z' },
		{ "brokers", required_argument, NULL, 'b' },
		{ "bootstrap-server", required_argument, NULL, 'b' },
		{ "property", required_argument, NULL, 'X' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct cli_ctx ctx;
	const char *sub;
	long long v;
	int c;

	ctx.zookeeper = getenv("FJORD_ZOOKEEPER");
	ctx.brokers = getenv("FJORD_BROKERS");
	if (ctx.zookeeper && !*ctx.zookeeper)
		ctx.zookeeper = NULL;
	if (ctx.brokers && !*ctx.brokers)
		ctx.brokers = NULL;
	ctx.timeout_ms = CLI_DEFAULT_TIMEOUT_MS;

	while ((c = getopt_long(argc, argv, "+z:b:X:h", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			ctx.zookeeper = optarg;
			break;
		case 'b':
			ctx.brokers = optarg;
			break;
		case 'X':
			if (main_add_prop(&ctx, optarg) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'T':
			if (cli_parse_int(optarg, 1, INT_MAX, &v) < 0) {
				fprintf(stderr,
				        "fjord: invalid --timeout '%s' (milliseconds > 0)\n",
				        optarg);
				return CLI_EXIT_USAGE;
			}
			ctx.timeout_ms = (int)v;
			break;
		case 'V':
			printf("fjord %s (libfjord %s)\n", FJORD_VERSION_STR, fjord_version_str());
			return CLI_EXIT_OK;
		case 'h':
			main_usage(stdout);
			return CLI_EXIT_OK;
		default:
			main_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[optind];
	argc -= optind;
	argv += optind;
	argc = main_hoist_globals(&ctx, argc, argv);
	if (argc < 0)
		return CLI_EXIT_USAGE;
	if (!strcmp(sub, "help")) {
		main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(sub, "topic"))
		return cmd_topic(&ctx, argc, argv);
	if (!strcmp(sub, "produce"))
		return cmd_produce(&ctx, argc, argv);
	if (!strcmp(sub, "consume"))
		return cmd_consume(&ctx, argc, argv);
	if (!strcmp(sub, "group"))
		return cmd_group(&ctx, argc, argv);
	if (!strcmp(sub, "acl"))
		return cmd_acl(&ctx, argc, argv);
	if (!strcmp(sub, "user"))
		return cmd_user(&ctx, argc, argv);
	if (!strcmp(sub, "cluster"))
		return cmd_cluster(&ctx, argc, argv);
	if (!strcmp(sub, "perf"))
		return cmd_perf(&ctx, argc, argv);
	if (!strcmp(sub, "log"))
		return cmd_log(&ctx, argc, argv);
	if (!strcmp(sub, "offsets"))
		return cmd_offsets(&ctx, argc, argv);
	if (!strcmp(sub, "leader-election"))
		return cmd_leader_election(&ctx, argc, argv);
	fprintf(stderr, "fjord: unknown subcommand '%s' (try 'fjord --help')\n", sub);
	return CLI_EXIT_USAGE;
}
