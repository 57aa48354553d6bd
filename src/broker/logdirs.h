/*
 * logdirs.h — what fjordd does when a log dir fills up or fails.
 *
 * Storage decides what an I/O error means (storage/log_dir.h): a full dir
 * refuses appends and comes back by itself once space returns; a failed
 * dir (a disk error) is offline for good in this process. This module is
 * the broker's half:
 *   - a dir going offline: the broker puts the ephemeral
 *     /brokers/offline_replicas/<id> listing every partition it can no
 *     longer host, and the controller moves their leadership to in-sync
 *     replicas on other brokers and takes this broker out of their ISR (as
 *     Kafka's JBOD does); the replica fetcher stops fetching for them. When
 *     every dir is offline the broker stops (exit status 3).
 *   - /health and /metrics show each dir's state;
 *   - tests arm storage fault rules (storage_io.h) from the file named by the
 *     environment variable FJORD_FAULT_FILE, re-read whenever it changes.
 *
 * Thread: loop thread only (the zkb write's result comes back by loop_post).
 */
#ifndef FJORD_BROKER_LOGDIRS_H
#define FJORD_BROKER_LOGDIRS_H

struct broker;
struct evbuffer;

/* Exit status of a broker whose every log dir failed. */
#define LOGDIRS_EXIT_ALL_OFFLINE 3

/* After logmgr_open: watches the dirs' health, reads FJORD_FAULT_FILE.
 * 0 or -1 (out of memory). */
int logdirs_start(struct broker *b);
/* Cron: re-reads the fault file when it changed; retries a failed write of
 * the offline replicas. */
void logdirs_cron(struct broker *b);
void logdirs_stop(struct broker *b);
/* Appends ,"log_dirs":[{"path":..,"state":"online|full|offline",...}] to a
 * JSON object being written. */
void logdirs_health_json(struct broker *b, struct evbuffer *out);
/* Partitions listed in the last offline-replicas write (for /metrics). */
int logdirs_offline_replicas(const struct broker *b);

#endif /* FJORD_BROKER_LOGDIRS_H */
