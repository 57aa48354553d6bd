/*
 * 0102-http-listener-default — a broker started without http.listener
 * serves /metrics, /health and /ready on 127.0.0.1:9095 only (the default
 * since issue 10: the endpoints have no authentication, so they are not
 * offered to the network unless an operator says so; docs/operations.md).
 *
 *  - the ports file says http.port=9095, and /metrics answers 200 on
 *    127.0.0.1;
 *  - the kernel's table of listening sockets (/proc/net/tcp and tcp6)
 *    holds 127.0.0.1:9095 and no wildcard (0.0.0.0 or ::) socket on 9095;
 *  - connecting to port 9095 of each non-loopback IPv4 address of this
 *    machine is refused (skipped, and said, when it has none).
 * The port is fixed by the default, so a run fails with a clear message
 * when something else already listens on 127.0.0.1:9095.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_int.h"
#include "test.h"

#define T0102_PORT 9095

/* Listening sockets on port in a /proc/net/tcp{,6} file: counts those whose
 * local address is loopback and those that are a wildcard. */
static void t0102_scan(const char *file, int port, int *loopbackp, int *wildcardp)
{
	char *text = harness_read_file(file, NULL), *save = NULL, *line;
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[64];
		unsigned lport, st;
		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", addr, &lport,
		           &st) != 3 ||
		    (int)lport != port || st != 0x0A /* LISTEN */)
			continue;
		test_say("%s: listening socket %s:%u", file, addr, lport);
		if (!strcmp(addr, "0100007F") || !strcmp(addr, "00000000000000000000000001000000"))
			(*loopbackp)++;
		else if (strspn(addr, "0") == strlen(addr))
			(*wildcardp)++;
	}
	free(text);
}

START_TEST(t0102_http_default)
{
	test_cluster_t *c = test_cluster_new(0, NULL);
	char props[700], ports[700], log[700], *text = NULL, *body = NULL;
	int port = 0, http_port = 0, st = 0, loopback = 0, wildcard = 0, tried = 0;
	struct ifaddrs *ifs = NULL;

	/* Nobody else may hold the port, or the broker could not bind it. */
	int probe = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(T0102_PORT) };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(probe, (struct sockaddr *)&sin, sizeof(sin)) < 0,
	              "something already listens on 127.0.0.1:%d: this test needs the port",
	              T0102_PORT);
	close(probe);

	ck_assert(harness_path(props, sizeof(props), "%s/default.properties", test_tmpdir()) == 0);
	ck_assert(harness_path(ports, sizeof(ports), "%s/default.ports", test_tmpdir()) == 0);
	ck_assert(harness_path(log, sizeof(log), "%s/default-broker.log", test_tmpdir()) == 0);
	ck_assert(asprintf(&text,
	                   "broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/data\n"
	                   "zookeeper.connect=%s\n",
	                   test_tmpdir(), c->zk_connect) > 0);
	ck_assert(harness_write_file(props, text) == 0);
	free(text);
	char *argv[] = { (char *)test_fjordd_path(), props, "--ports-file", ports, NULL };
	pid_t pid = harness_spawn(argv, log);
	ck_assert(pid > 0);
	int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		ck_assert_msg(harness_child_alive(pid, &st), "fjordd exited during start-up");
		if ((text = harness_read_file(ports, NULL)))
			break;
		harness_sleep_ms(20);
	}
	ck_assert_msg(text, "no ports file %s", ports);
	ck_assert(sscanf(text, "port=%d\nhttp.port=%d", &port, &http_port) == 2);
	free(text);
	test_say("broker ports: client %d, http %d", port, http_port);
	ck_assert_int_eq(http_port, T0102_PORT);
	ck_assert_int_eq(harness_http_get(T0102_PORT, "/metrics", &body, 10000), 200);
	ck_assert_msg(body && strstr(body, "fjord_broker_info"), "/metrics: %s", body);
	free(body);

	t0102_scan("/proc/net/tcp", T0102_PORT, &loopback, &wildcard);
	t0102_scan("/proc/net/tcp6", T0102_PORT, &loopback, &wildcard);
	ck_assert_msg(loopback == 1 && wildcard == 0,
	              "port %d: %d loopback and %d wildcard listening sockets (expected 1 and 0)",
	              T0102_PORT, loopback, wildcard);

	ck_assert_int_eq(getifaddrs(&ifs), 0);
	for (struct ifaddrs *ifa = ifs; ifa; ifa = ifa->ifa_next) {
		char name[INET_ADDRSTRLEN];
		struct sockaddr_in to;
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET)
			continue;
		to = *(struct sockaddr_in *)ifa->ifa_addr;
		if ((ntohl(to.sin_addr.s_addr) >> 24) == 127)
			continue;
		to.sin_port = htons(T0102_PORT);
		inet_ntop(AF_INET, &to.sin_addr, name, sizeof(name));
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int r = connect(fd, (struct sockaddr *)&to, sizeof(to));
		int e = errno;
		close(fd);
		test_say("connect %s:%d (%s): %s", name, T0102_PORT, ifa->ifa_name,
		         r == 0 ? "accepted" : strerror(e));
		ck_assert_msg(r < 0, "/metrics port reachable on %s:%d", name, T0102_PORT);
		tried++;
	}
	freeifaddrs(ifs);
	if (!tried)
		test_say("this machine has no non-loopback IPv4 address: checked /proc/net only");

	st = harness_child_stop(pid, SIGTERM, 30000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fjordd stopped with status 0x%x", st);
	test_cluster_destroy(c);
}
END_TEST

void test_0102(TCase *tc)
{
	tcase_add_test(tc, t0102_http_default);
}
