/*
 * cmd_user.c — `fjord user create|delete|list`: SCRAM users for SASL logins
 * (docs/security.md, "SASL"), as Kafka's kafka-configs.sh --entity-type
 * users --add-config 'SCRAM-SHA-256=[iterations=N,password=P]' does.
 *
 *   fjord -z ZK user create NAME --password P [--mechanism SCRAM-SHA-256|SCRAM-SHA-512|both]
 *                                [--iterations N]
 *   fjord -z ZK user delete NAME
 *   fjord -z ZK user list
 *
 * Users live in ZooKeeper (/config/users/<name>): -z is required. create
 * also updates an existing user (its other mechanism is kept). Each verb
 * makes one SDK admin call. Exit codes: 0, 1 (error, e.g. deleting a user
 * that does not exist), 2 (usage). Main thread only.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"

static void user_usage(FILE *out)
{
	fprintf(out,
	        "Usage: fjord user create NAME --password P [--mechanism M] [--iterations N]\n"
	        "       fjord user delete NAME\n"
	        "       fjord user list\n"
	        "\n"
	        "SCRAM users for SASL logins, kept in ZooKeeper: -z (or FJORD_ZOOKEEPER) is\n"
	        "required. create also updates an existing user.\n"
	        "  -p, --password P       the password (create)\n"
	        "  -m, --mechanism M      SCRAM-SHA-256, SCRAM-SHA-512 or both (default both)\n"
	        "  -i, --iterations N     PBKDF2 iterations, 4096..16384 (default 4096)\n"
	        "  -h, --help             print this help\n");
}

int cmd_user(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password", required_argument, NULL, 'p' },
		{ "mechanism", required_argument, NULL, 'm' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb, *name = NULL, *password = NULL;
	int mech = FJORD_SCRAM_SHA_256 | FJORD_SCRAM_SHA_512, c, rc = CLI_EXIT_OK;
	long long iterations = 4096;
	char errstr[512] = "";
	fjord_err_t err;
	fjord_t *fj;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		user_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	verb = argv[1];
	if (strcmp(verb, "create") && strcmp(verb, "delete") && strcmp(verb, "list")) {
		fprintf(stderr, "fjord user: unknown verb '%s' (create, delete, list)\n", verb);
		return CLI_EXIT_USAGE;
	}
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "p:m:i:h", opts, NULL)) != -1) {
		if (c != 'h' && strcmp(verb, "create") != 0) {
			fprintf(stderr, "fjord user %s: options are for create only\n", verb);
			return CLI_EXIT_USAGE;
		}
		switch (c) {
		case 'p':
			password = optarg;
			break;
		case 'm':
			if (!strcasecmp(optarg, "SCRAM-SHA-256"))
				mech = FJORD_SCRAM_SHA_256;
			else if (!strcasecmp(optarg, "SCRAM-SHA-512"))
				mech = FJORD_SCRAM_SHA_512;
			else if (!strcasecmp(optarg, "both"))
				mech = FJORD_SCRAM_SHA_256 | FJORD_SCRAM_SHA_512;
			else {
				fprintf(
				    stderr,
				    "fjord user create: --mechanism: '%s' is not SCRAM-SHA-256, "
				    "SCRAM-SHA-512 or both\n",
				    optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'i':
			if (cli_parse_int(optarg, 4096, 16384, &iterations) < 0) {
				fprintf(
				    stderr,
				    "fjord user create: --iterations: '%s' is not in 4096..16384\n",
				    optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			user_usage(stdout);
			return CLI_EXIT_OK;
		default:
			user_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc - 1)
		name = argv[1 + optind];
	if (strcmp(verb, "list") == 0 ? name != NULL : (!name || optind != argc - 2)) {
		fprintf(stderr, "fjord user %s: %s\n", verb,
		        strcmp(verb, "list") == 0 ? "takes no NAME" : "expected exactly one NAME");
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(verb, "create") && !password) {
		fprintf(stderr, "fjord user create: --password is required\n");
		return CLI_EXIT_USAGE;
	}
	if (!ctx->zookeeper) {
		fprintf(stderr, "fjord user: users live in ZooKeeper: use -z ZK (or set "
		                "FJORD_ZOOKEEPER)\n");
		return CLI_EXIT_USAGE;
	}
	fj = cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
	if (!fj)
		return CLI_EXIT_ERROR;
	if (!strcmp(verb, "create")) {
		err = fjord_admin_upsert_scram_user(fj, name, password, mech, (int)iterations,
		                                    errstr, sizeof(errstr));
		if (!err)
			printf("user %s: %s%s%s credential written\n", name,
			       mech & FJORD_SCRAM_SHA_256 ? "SCRAM-SHA-256" : "",
			       mech == 3 ? " and " : "",
			       mech & FJORD_SCRAM_SHA_512 ? "SCRAM-SHA-512" : "");
	} else if (!strcmp(verb, "delete")) {
		err = fjord_admin_delete_scram_user(fj, name, errstr, sizeof(errstr));
		if (!err)
			printf("user %s deleted\n", name);
	} else {
		char **users = NULL;
		int cnt = 0;
		err = fjord_admin_list_scram_users(fj, &users, &cnt, errstr, sizeof(errstr));
		for (int i = 0; !err && i < cnt; i++)
			printf("%s\n", users[i]);
		fjord_admin_scram_user_list_destroy(users, cnt);
	}
	if (err) {
		char what[300];
		snprintf(what, sizeof(what), "%s user%s%s", verb, name ? " " : "s",
		         name ? name : "");
		cli_report_error(ctx, what, err, errstr);
		rc = CLI_EXIT_ERROR;
	}
	fjord_destroy(fj);
	return rc;
}
