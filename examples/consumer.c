/*
 * consumer.c — the smallest useful libfjord consumer.
 *
 *   examples/consumer BROKERS TOPIC PARTITION [COUNT]
 *
 * Reads one partition from its beginning (manual assignment, no consumer
 * group) and prints "offset: value" for COUNT records (default 10), or until
 * no record arrives for 10 seconds. It shows conf_new / fjord_new, assign
 * with a starting offset, poll (a returned message may be an event carrying an
 * error), message_destroy, destroy.
 * Outside the tree, against an installed libfjord (docs/sdk.md):
 *   cc consumer.c $(pkg-config --cflags --libs libfjord)
 */
#include <stdio.h>
#include <stdlib.h>

#include "fjord.h"

int main(int argc, char **argv)
{
	fjord_topic_partition_list_t *parts;
	int count = 10, got = 0, idle_ms = 0;
	char errstr[512];
	fjord_conf_t *conf;
	fjord_t *fj;

	if (argc < 4) {
		fprintf(stderr, "usage: %s BROKERS TOPIC PARTITION [COUNT]\n", argv[0]);
		return 2;
	}
	if (argc > 4)
		count = atoi(argv[4]);
	if (count < 1) {
		fprintf(stderr, "COUNT must be a positive number\n");
		return 2;
	}

	conf = fjord_conf_new();
	if (fjord_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof(errstr))) {
		fprintf(stderr, "config: %s\n", errstr);
		fjord_conf_destroy(conf);
		return 1;
	}
	fj = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	if (!fj) {
		fprintf(stderr, "cannot create consumer: %s\n", errstr);
		fjord_conf_destroy(conf);
		return 1;
	}

	/* Read TOPIC/PARTITION from the log start offset. */
	parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, argv[2], atoi(argv[3]))->offset =
	    FJORD_OFFSET_BEGINNING;
	if (fjord_assign(fj, parts)) {
		fprintf(stderr, "assign failed\n");
		fjord_topic_partition_list_destroy(parts);
		fjord_destroy(fj);
		return 1;
	}
	fjord_topic_partition_list_destroy(parts);

	while (got < count && idle_ms < 10000) {
		fjord_message_t *msg = fjord_consumer_poll(fj, 500);

		if (!msg) {
			idle_ms += 500;
			continue;
		}
		idle_ms = 0;
		if (msg->err) /* an event, e.g. an unknown topic */
			fprintf(stderr, "consumer error: %s\n", fjord_err2str(msg->err));
		else
			printf("%lld: %.*s\n", (long long)msg->offset, (int)msg->value_len,
			       msg->value ? (const char *)msg->value : "");
		if (!msg->err)
			got++;
		fjord_message_destroy(msg);
	}
	fjord_destroy(fj);
	return got == count ? 0 : 1;
}
