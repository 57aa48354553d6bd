/*
 * cli.h — shared declarations of the `fjord` command-line tool.
 *
 * The CLI is a thin program over the public SDK (include/fjord.h) and uses
 * nothing else from the tree, as curl's tool uses only libcurl. main.c parses
 * the global options into a struct cli_ctx and dispatches to one subcommand
 * (cmd_*.c); each subcommand parses its own options with getopt_long, builds
 * an SDK handle through cli_handle_new(), writes data to stdout and
 * diagnostics to stderr, and returns an exit code:
 *   CLI_EXIT_OK (0) success, CLI_EXIT_ERROR (1) error, CLI_EXIT_USAGE (2) usage.
 *
 * Threads: the CLI's own code runs on the main thread. The only code that runs
 * elsewhere is the producer delivery-report callbacks (SDK callback thread);
 * each command that registers one documents what that callback touches.
 *
 * Ownership: struct cli_ctx points into argv/environ and is never freed.
 * Handles returned by cli_handle_new() belong to the caller (fjord_destroy).
 */
#ifndef FJORD_CLI_H
#define FJORD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fjord.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1
#define CLI_EXIT_USAGE 2

#define CLI_DEFAULT_TIMEOUT_MS 10000
#define CLI_MAX_PROPS 128

/* Global options, shared by every subcommand. */
struct cli_ctx {
	const char *zookeeper; /* -z / FJORD_ZOOKEEPER, or NULL */
	const char *brokers;   /* -b / FJORD_BROKERS, or NULL */
	int timeout_ms;        /* --timeout: bound on every cluster call */
	int prop_cnt;          /* -X name=value pairs, in command-line order */
	const char *prop_names[CLI_MAX_PROPS];
	const char *prop_values[CLI_MAX_PROPS];
	char prop_buf[CLI_MAX_PROPS][256];
};

/* Output format shared by listings, consume and perf. */
enum cli_format { CLI_FORMAT_TEXT = 0, CLI_FORMAT_JSON = 1 };

/* Subcommands: argv[0] is the subcommand's name; optind is reset inside. */
int cmd_topic(struct cli_ctx *ctx, int argc, char **argv);
int cmd_produce(struct cli_ctx *ctx, int argc, char **argv);
int cmd_consume(struct cli_ctx *ctx, int argc, char **argv);
int cmd_cluster(struct cli_ctx *ctx, int argc, char **argv);
int cmd_perf(struct cli_ctx *ctx, int argc, char **argv);
int cmd_perf_produce(struct cli_ctx *ctx, int argc, char **argv);
int cmd_perf_consume(struct cli_ctx *ctx, int argc, char **argv);
int cmd_group(struct cli_ctx *ctx, int argc, char **argv);
int cmd_acl(struct cli_ctx *ctx, int argc, char **argv);
int cmd_user(struct cli_ctx *ctx, int argc, char **argv);
/* `group reset-offsets`: argv[0] is "reset-offsets" (cmd_group_reset.c). */
int cmd_group_reset(struct cli_ctx *ctx, int argc, char **argv);
/* `topic alter`: argv[0] is "alter" (cmd_topic_alter.c). */
int cmd_topic_alter(struct cli_ctx *ctx, int argc, char **argv);
/* `topic reassign`: argv[0] is "reassign" (cmd_topic_reassign.c). */
int cmd_topic_reassign(struct cli_ctx *ctx, int argc, char **argv);

/* ---- cmd_group.c: what the group verbs share */

/* An admin handle for group commands; groups live in ZooKeeper, so without
 * -z it prints a usage error and returns NULL (as it does, with the reason,
 * when the handle cannot be created). prog names the command in messages. */
fjord_t *cli_group_handle(const struct cli_ctx *ctx, const char *prog);
/* Formats ms since the epoch as UTC ISO 8601 with milliseconds
 * ("2026-11-21T10:00:00.000Z"), "-" when negative. Returns buf. */
char *cli_format_time_ms(int64_t ms, char *buf, size_t n);

/* ---- cmd_perf.c: what perf produce and perf consume share */

/* Outcome of a perf run; hist holds latencies in microseconds. */
struct cli_perf_result {
	const char *mode; /* "produce" or "consume" */
	const char *topic;
	uint64_t records; /* successfully produced / consumed */
	uint64_t failed;  /* produce only */
	uint64_t bytes;   /* key + value bytes of those records */
	double seconds;
	const struct cli_hist *hist;
	const char *latency_kind; /* what the latency measures */
};
/* Prints the result (table-like text or one JSON object) on stdout.
 * Returns 0 or -1 (cannot write). MB = 10^6 bytes. */
int cli_perf_report(const struct cli_perf_result *r, enum cli_format format);
/* Prints a progress line on stderr when at least CLI_PERF_PROGRESS_US passed
 * since *last_us (updated). `done` counts records so far out of `total`. */
#define CLI_PERF_PROGRESS_US 3000000
void cli_perf_progress(const char *mode, int64_t start_us, int64_t *last_us, uint64_t done,
                       uint64_t total, uint64_t *last_done);

/* ---- handles (main.c) */

/* Checks that -z/-b (or their environment variables) name a cluster; returns
 * 0, or -1 after printing a usage error (exit with CLI_EXIT_USAGE). */
int cli_check_cluster(const struct cli_ctx *ctx);

/* Builds a configuration: the CLI's defaults (client.id=fjord-cli;
 * zookeeper.connect with zookeeper.session.timeout.ms following --timeout,
 * since it also bounds the SDK's connect; bootstrap.servers), then every -X
 * property, so -X overrides the defaults. Returns NULL after printing why
 * (a property the SDK refuses). */
fjord_conf_t *cli_conf_new(const struct cli_ctx *ctx);
/* Sets one property chosen by a subcommand flag (after -X: explicit flags
 * win). Returns 0, or -1 after printing the SDK's reason. */
int cli_conf_set(fjord_conf_t *conf, const char *name, const char *value);
/* 1 if -X set property `name`. */
int cli_prop_given(const struct cli_ctx *ctx, const char *name);
/* Creates a handle and takes ownership of conf in every case (destroyed on
 * failure). Returns NULL after printing why. */
fjord_t *cli_handle_new(const struct cli_ctx *ctx, fjord_type_t type, fjord_conf_t *conf);

/* The start of an admin subcommand once its options are parsed (parse_rc:
 * 0 go on, > 0 help was printed, < 0 bad usage: usage() is then printed to
 * stderr): checks -z/-b and opens an admin handle. Go on only when *fjp is
 * set (the caller destroys it); otherwise return the exit code this
 * returns (CLI_EXIT_OK after --help). */
int cli_admin_begin(const struct cli_ctx *ctx, int parse_rc, void (*usage)(FILE *), fjord_t **fjp);

/* Prints "fjord: <what>: <reason>" for a failed cluster call, naming the
 * ZooKeeper or broker address when the error is about reaching it. */
void cli_report_error(const struct cli_ctx *ctx, const char *what, fjord_err_t err,
                      const char *detail);
/* With -z: when the connect string's path holds no fjord cluster, prints
 * which chroots of that ensemble do (fjord_zookeeper_locate) and returns 1;
 * 0 otherwise (a cluster is there, no -z, or it could not tell). */
int cli_no_cluster_here(const struct cli_ctx *ctx, fjord_t *fj);
/* Fetches one topic's metadata and checks it exists. On success *mdp holds
 * it (caller frees). On failure prints a clear error ("topic 'x' does not
 * exist", or that -z names no cluster) and returns -1. */
int cli_topic_metadata(const struct cli_ctx *ctx, fjord_t *fj, const char *topic,
                       fjord_metadata_t **mdp);

/* ---- small parsers (main.c) */

/* Parses a base-10 integer in [min, max]; returns 0 or -1 (nothing printed). */
int cli_parse_int(const char *s, long long min, long long max, long long *out);
/* Parses "text"/"json"; returns 0 or -1 after printing a usage error. */
int cli_parse_format(const char *prog, const char *s, enum cli_format *out);
/* Monotonic clock in microseconds. */
int64_t cli_now_us(void);
/* Wall clock in milliseconds since the epoch. */
int64_t cli_wall_ms(void);

/* Signal handling for long-running commands: SIGINT/SIGTERM count up a flag
 * (no SA_RESTART, so a blocking read returns EINTR); cli_stop_requested()
 * returns how many signals arrived (0: keep going). */
void cli_signals_install(void);
int cli_stop_requested(void);

/* ---- output.c: tables for people, JSON for scripts */

struct cli_table;
/* Column headers are printed upper-case; ncols <= 16. */
struct cli_table *cli_table_new(int ncols, const char *const *headers);
/* Appends a row of ncols strings (copied). Returns 0 or -1 (out of memory). */
int cli_table_add(struct cli_table *t, const char *const *cells);
/* Prints aligned columns separated by two spaces, then frees the table. */
void cli_table_print_free(struct cli_table *t, FILE *out);
/* Formats an int32 list as "1,2,3" into buf. */
void cli_format_id_list(char *buf, size_t size, const int32_t *ids, int cnt);
/* Prints a jansson value (pretty when `pretty`) followed by a newline, and
 * releases the caller's reference. Returns 0 or -1 (cannot encode/write). */
int cli_json_print(json_t *v, int pretty, FILE *out);

/* ---- encoding.c: base64 (RFC 4648, standard alphabet, padded) */

/* Encodes len bytes; returns a malloc'd NUL-terminated string or NULL. */
char *cli_base64_encode(const void *src, size_t len);
/* Decodes a padded (or unpadded) base64 string of slen chars into a malloc'd
 * buffer (*outp, *outlenp). Returns 0, or -1 on invalid input / no memory. */
int cli_base64_decode(const char *src, size_t slen, unsigned char **outp, size_t *outlenp);

/* ---- hist.c: latency histogram in microseconds */

struct cli_hist;
struct cli_hist *cli_hist_new(void);
void cli_hist_free(struct cli_hist *h);
void cli_hist_record(struct cli_hist *h, int64_t value_us);
uint64_t cli_hist_count(const struct cli_hist *h);
/* Value at percentile p (0 < p <= 100), within 1/64 relative precision;
 * 0 when empty. */
int64_t cli_hist_percentile(const struct cli_hist *h, double p);
int64_t cli_hist_max(const struct cli_hist *h);
double cli_hist_mean(const struct cli_hist *h);

/* ---- timeparse.c: points in time (consume and group areas, helper H1) */

/* The forms cli_parse_time() accepts, for help texts and errors. */
#define CLI_TIME_FORMS                                                                             \
	"epoch milliseconds, or YYYY-MM-DDTHH:MM[:SS[.sss]] followed by Z, +HH:MM, -HH:MM, "       \
	"+HHMM or nothing (local time)"
/* Parses a point in time (CLI_TIME_FORMS) into ms since the epoch. Returns
 * 0, or -1 with one line in errstr naming the accepted forms (*msp is left
 * as it was). A time without a zone is local time (TZ). */
int cli_parse_time(const char *s, int64_t *msp, char *errstr, size_t errstr_size);
/* ---- H3 (issue 13): perf --throughput and e2e, log dump and log dirs */

/* Sleeps until record number `sent` (0-based) of a run that started at
 * start_us is due at `rate` records/s (rate >= 1). Returns 0 when it is
 * due, -1 when a stop was requested (cli_stop_requested) meanwhile. */
int cli_perf_throttle(int64_t start_us, uint64_t sent, long long rate);
/* `perf e2e`: argv[0] is "e2e" (perf_e2e.c). */
int cmd_perf_e2e(struct cli_ctx *ctx, int argc, char **argv);
/* `fjord log dump|dirs` (cmd_log.c). */
int cmd_log(struct cli_ctx *ctx, int argc, char **argv);
/* `log dirs`: argv[0] is "dirs" (cmd_log_dirs.c). */
int cmd_log_dirs(struct cli_ctx *ctx, int argc, char **argv);
/* ---- H2 (issue 13): topic describe-config, offsets, leader-election */

/* `fjord offsets TOPIC ...` (cmd_offsets.c). */
int cmd_offsets(struct cli_ctx *ctx, int argc, char **argv);
/* `fjord leader-election --preferred ...` (cmd_leader_election.c). */
int cmd_leader_election(struct cli_ctx *ctx, int argc, char **argv);
/* `topic describe-config`: argv[0] is "describe-config" (cmd_topic_config.c). */
int cmd_topic_describe_config(struct cli_ctx *ctx, int argc, char **argv);

#endif /* FJORD_CLI_H */
