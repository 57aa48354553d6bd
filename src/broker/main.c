/*
 * main.c — fjordd's command line.
 *
 *   fjordd server.properties [--override key=value ...] [--ports-file PATH]
 *   fjordd --version | --help | --help-config
 *
 * Loads the configuration (file, then overrides; an unknown key or a bad
 * value stops start-up naming the key and file:line), starts the broker
 * (broker.c has the order), announces the bound ports on stdout and in the
 * ports file, runs until SIGTERM/SIGINT and exits 0 after a clean shutdown.
 * SIGPIPE is ignored process-wide: libevent writes with writev/sendfile,
 * which cannot take MSG_NOSIGNAL, and a vanished peer must cost only its
 * connection. Thread: main (becomes the loop thread).
 *
 * Memory: glibc's mmap threshold is fixed at start-up (mallopt), which
 * turns off its dynamic threshold. Left dynamic, freeing one large
 * request buffer raised the threshold to that size, so later frames of up
 * to 32 MiB came from the heap and fragmented it, and the broker's RSS
 * stayed high long after the requests were gone. Fixed, every buffer of
 * MAIN_MMAP_THRESHOLD or more (a large frame is one, conn.c) is its own
 * mapping, returned to the system when freed (docs/operations.md,
 * "Limits and faults").
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "storage/storage.h"
#include "common/flog.h"
#include "fjord.h"

/* glibc's initial default, kept fixed (see above). */
#define MAIN_MMAP_THRESHOLD (128 * 1024)

static void main_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: fjordd server.properties [--override key=value ...] [--ports-file PATH]\n"
	    "       fjordd --version | --help | --help-config\n"
	    "\n"
	    "  --override key=value  set a broker property (wins over the file)\n"
	    "  --ports-file PATH     once registered, write \"port=N\\nhttp.port=M\\n\" (N: the\n"
	    "                        first listener) and \"listener.NAME.port=P\\n\" per listener\n"
	    "  --help-config         print every broker property as a Markdown table\n");
}

/* "port=" is the first listener's bound port (what single-listener readers
 * expect); every listener then gets "listener.<NAME>.port=N". */
static int main_write_ports(const char *path, const broker_t *b)
{
	char buf[4096];
	size_t off;
	int i;

	off = (size_t)snprintf(buf, sizeof(buf), "port=%d\nhttp.port=%d\n", b->port, b->http_port);
	for (i = 0; i < b->bound_cnt && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "listener.%s.port=%d\n",
		                        b->conf.lsn[i].name, b->bound[i].port);
	if (off >= sizeof(buf))
		return -ENAMETOOLONG;
	return checkpoint_write_atomic(path, buf, off);
}

int main(int argc, char **argv)
{
	broker_t b;
	const char *props_file = NULL, *ports_file = NULL;
	char errstr[512];
	int i, rc;

	memset(&b, 0, sizeof(b));
	mallopt(M_MMAP_THRESHOLD, MAIN_MMAP_THRESHOLD);
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("fjordd %s\n", FJORD_VERSION_STR);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--help-config") == 0) {
		broker_conf_print_markdown(stdout);
		return 0;
	}
	if (broker_conf_init(&b.conf) != 0)
		return 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--override") == 0 || strcmp(argv[i], "--ports-file") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fjordd: %s needs an argument\n", argv[i]);
				goto fail_usage;
			}
			if (argv[i][2] == 'p') {
				ports_file = argv[++i];
			} else {
				char *kv = argv[++i], *eq = strchr(kv, '=');
				if (!eq || eq == kv) {
					fprintf(stderr,
					        "fjordd: --override wants key=value, got \"%s\"\n",
					        kv);
					goto fail_usage;
				}
				/* Overrides apply after the file: remember and apply below. */
				continue;
			}
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "fjordd: unknown option %s\n", argv[i]);
			goto fail_usage;
		} else if (!props_file) {
			props_file = argv[i];
		} else {
			fprintf(stderr, "fjordd: more than one properties file (%s, %s)\n",
			        props_file, argv[i]);
			goto fail_usage;
		}
	}
	if (!props_file) {
		fprintf(stderr, "fjordd: no properties file given\n");
		goto fail_usage;
	}
	if (broker_conf_load_file(&b.conf, props_file, errstr, sizeof(errstr)) != 0) {
		flog(LOG_ERR, "config", "%s", errstr);
		goto fail;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--override") == 0) {
			char *kv = argv[++i], *eq = strchr(kv, '=');
			*eq = '\0';
			rc = broker_conf_set(&b.conf, kv, eq + 1, errstr, sizeof(errstr));
			*eq = '=';
			if (rc != 0) {
				flog(LOG_ERR, "config", "--override %s: %s", kv, errstr);
				goto fail;
			}
		} else if (strcmp(argv[i], "--ports-file") == 0) {
			i++;
		}
	}
	if (broker_conf_finish(&b.conf, errstr, sizeof(errstr)) != 0) {
		flog(LOG_ERR, "config", "%s: %s", props_file, errstr);
		goto fail;
	}

	signal(SIGPIPE, SIG_IGN);
	rc = broker_start(&b, errstr, sizeof(errstr));
	if (rc == BROKER_START_STOPPED) {
		broker_free(&b);
		flog(LOG_INFO, "broker", "stopped");
		return 0;
	}
	if (rc != 0) {
		flog(LOG_ERR, "broker", "start-up failed: %s", errstr);
		broker_free(&b);
		return rc == BROKER_START_CONFIG ? 2 : 1;
	}
	if (ports_file && (rc = main_write_ports(ports_file, &b)) != 0) {
		flog(LOG_ERR, "broker", "cannot write ports file %s: %s", ports_file,
		     strerror(-rc));
		broker_free(&b);
		return 1;
	}
	flog(LOG_NOTICE, "broker", "broker %d listening on %s:%d (http %s:%d)", b.conf.broker_id,
	     b.host, b.port, b.http_host, b.http_port);
	rc = broker_run(&b);
	broker_free(&b);
	flog(LOG_INFO, "broker", "stopped");
	return rc;

fail_usage:
	main_usage(stderr);
fail:
	broker_conf_free(&b.conf);
	return 2;
}
