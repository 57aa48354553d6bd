/*
 * harness_int.h — what the harness files share with each other and with the
 * runner (tests/main.c). Tests include only tests/test.h.
 *
 * Process model: the runner (main) is single-threaded and never holds a
 * ZooKeeper handle or SDK client; it starts the shared ZooKeeper and brokers
 * as child processes, then Check forks one child per test function. Every
 * process the harness starts gets PR_SET_PDEATHSIG(SIGKILL), so nothing
 * outlives the process that started it.
 */
#ifndef FJORD_TEST_HARNESS_INT_H
#define FJORD_TEST_HARNESS_INT_H

/* The exit status of a process in which a sanitizer found an error: a leak
 * at exit, or an ASan/UBSan report. scripts/check --sanitizers sets it with
 * LSAN_OPTIONS=exitcode=23 (ASan's default, 1, is also fjordd's own exit
 * status for a failed start). */
#define HARNESS_SANITIZER_EXITCODE 23

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "test.h"

/* The test now running (set by the runner before Check forks it). */
typedef struct harness_test {
	const char *num;  /* "0020" */
	const char *name; /* "broker-config-and-registration" */
	int flags;
	int64_t start_ms; /* test_now_ms() when it began */
	char tmpdir[600]; /* its scratch dir under the run dir */
} harness_test_t;

extern harness_test_t harness_current;
/* The runner's pid, and whether Check runs tests without forking. */
extern pid_t harness_runner_pid;
extern int harness_nofork;
/* 1 when this process may create ZooKeeper handles or SDK clients: a test
 * child, or the runner itself under CK_FORK=no (nothing forks after). */
int harness_clients_allowed(void);

/* The run directory (<builddir>/tests/run-<pid>), created by
 * harness_init(). */
const char *harness_run_dir(void);
/* Finds the build dir from /proc/self/exe and creates the run dir.
 * Returns 0 or -1 with a message on stderr. */
int harness_init(void);
/* Removes a directory tree (the run dir after a passing run). */
int harness_rmtree(const char *path);
/* Prints the last `lines` lines of a file to stderr under a banner. */
void harness_print_tail(const char *path, int lines);
/* Prints the tails of every *.log file below dir. */
void harness_print_logs_below(const char *dir, int lines);

/* Forks and execs argv with stdout and stderr appended to logfile (NULL:
 * inherited), stdin from /dev/null, and PR_SET_PDEATHSIG(SIGKILL).
 * Returns the pid or -1. */
pid_t harness_spawn(char *const argv[], const char *logfile);
/* 1 while pid (our child) runs; 0 after it exited (reaped, *statusp set). */
int harness_child_alive(pid_t pid, int *statusp);
/* Sends sig, waits up to timeout_ms (scaled) for exit, then SIGKILLs.
 * Returns the wait status. */
int harness_child_stop(pid_t pid, int sig, int timeout_ms);
/* Sleeps ms milliseconds (poll intervals inside wait loops only). */
void harness_sleep_ms(int ms);
/* What /proc says about a running process (a broker): its open file
 * descriptors (entries of /proc/<pid>/fd), its resident memory (VmRSS of
 * /proc/<pid>/status, KiB) and the CPU time it has used (utime + stime of
 * /proc/<pid>/stat, ms). -1 when it cannot be read. */
int harness_proc_fd_count(pid_t pid);
long harness_proc_rss_kb(pid_t pid);
long harness_proc_cpu_ms(pid_t pid);
/* A free TCP port on 127.0.0.1 found by binding to port 0 (racy by nature:
 * callers retry on a clash). */
int harness_free_port(void);
/* Connects to 127.0.0.1:port, sends req, reads the whole reply (until EOF
 * or timeout) into a malloc'd NUL-terminated buffer. NULL on failure. */
char *harness_tcp_exchange(int port, const char *req, size_t req_len, int timeout_ms);
/* GET path over HTTP/1.0 from 127.0.0.1:port; returns the status code and
 * the body (malloc'd, may be NULL) in *bodyp. -1 on connection failure. */
int harness_http_get(int port, const char *path, char **bodyp, int timeout_ms);
/* snprintf that reports truncation: 0, or -1 with a message on stderr. */
int harness_path(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reads a whole file (malloc'd, NUL-terminated); NULL if absent. */
char *harness_read_file(const char *path, size_t *lenp);
/* Writes a whole file; 0 or -1. */
int harness_write_file(const char *path, const char *data);

/* ZooKeeper server (tests/zk_server.c). */
typedef struct harness_zk {
	pid_t pid;
	int port;
	char dir[600];
} harness_zk_t;
/* 0, -1 on failure, -2 when java or ZooKeeper is not installed. */
int harness_zk_start(harness_zk_t *zk, const char *parent_dir);
void harness_zk_stop(harness_zk_t *zk);
/* Sends a four-letter word; returns the reply (malloc'd) or NULL. */
char *harness_zk_4lw(int port, const char *word);

/* Clusters (tests/cluster.c). */
/* Starts the runner's shared cluster: ZooKeeper and, when broker_cnt > 0,
 * that many brokers. 0, -1 on failure, -2 when ZooKeeper is missing. */
int harness_shared_start(int broker_cnt);
/* Stops the shared cluster; returns how many brokers exited with
 * HARNESS_SANITIZER_EXITCODE (e.g. LeakSanitizer found leaks). */
int harness_shared_stop(void);
/* Port of the runner's ZooKeeper, -1 when there is none. */
int harness_shared_zk_port(void);
/* Prints the tail of every broker log of the shared cluster. */
void harness_shared_print_logs(int lines);
/* Writes props, starts broker i of c and waits until it is ready (ports
 * file, /ready, and in test children its /brokers/ids znode). 0 or -1. */
int harness_broker_start(test_cluster_t *c, int i);

#endif /* FJORD_TEST_HARNESS_INT_H */
