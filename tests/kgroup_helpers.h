/*
 * kgroup_helpers.h — what the tests of the Kafka group coordinator with
 * real clients (0126 kcat, 0127 kafka-python) share: client processes,
 * counting what they printed, and reading the group's znodes with zkCli.
 *
 * Test-child only.
 */
#ifndef FJORD_TEST_KGROUP_HELPERS_H
#define FJORD_TEST_KGROUP_HELPERS_H

#include <sys/types.h>

#include "test.h"

/* The extra broker properties of a KAFKA listener and a short ZooKeeper
 * session (keys main had before the coordinator, so the tests run there too). */
#define TEST_KG_PROPS                                                                              \
	"listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"                                  \
	"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,KAFKA:PLAINTEXT\n"                     \
	"kafka.listener.names=KAFKA\n"                                                             \
	"zookeeper.session.timeout.ms=4000\n"

/* Runs cmd with /bin/sh in a child that dies with the test. */
pid_t test_kg_spawn(const char *cmd);
/* SIGTERM, then reaps; returns the exit status (-1: killed by a signal). */
int test_kg_stop(pid_t pid);
/* "127.0.0.1:P,..." of every running broker's KAFKA listener. */
void test_kg_bootstrap(test_cluster_t *c, char *buf, size_t n);
/* Distinct "msg=N" (0 <= N < max) in the files; per[k] gets the count of
 * such lines in files[k]. */
int test_kg_distinct(char files[][600], int nfiles, int max, int *per);
/* Sum of /consumers/<g>/offsets/<t>/<p> for p < parts (zkCli); -1 when one
 * is missing. */
long long test_kg_committed(test_cluster_t *c, const char *group, const char *topic, int parts);
/* The broker id in /consumers/<g>/coordinator (zkCli), -1 when none. */
int test_kg_coordinator(test_cluster_t *c, const char *group);

#endif
