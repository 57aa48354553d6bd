/*
 * producer.c — the smallest useful libfjord producer.
 *
 *   examples/producer BROKERS TOPIC [RECORD]...
 *
 * Sends each RECORD (or "hello 0".."hello 9" when none are given) to TOPIC,
 * waits for every delivery report, and exits 0 only when all records were
 * acknowledged. It shows the SDK's lifecycle: conf_new / conf_set, register a
 * delivery-report callback, fjord_new (which takes ownership of the conf),
 * produce (asynchronous), flush, destroy.
 * Outside the tree, against an installed libfjord (docs/sdk.md):
 *   cc producer.c $(pkg-config --cflags --libs libfjord)
 */
#include <stdio.h>
#include <string.h>

#include "fjord.h"

/* Called once per record on the SDK's callback thread. */
static void on_delivery(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	int *failed = opaque;

	(void)fj;
	if (msg->err) {
		fprintf(stderr, "delivery failed: %s\n", fjord_err2str(msg->err));
		__atomic_add_fetch(failed, 1, __ATOMIC_RELAXED);
		return;
	}
	printf("delivered to partition %d at offset %lld\n", (int)msg->partition,
	       (long long)msg->offset);
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = { "hello 0", "hello 1", "hello 2", "hello 3",
		                                "hello 4", "hello 5", "hello 6", "hello 7",
		                                "hello 8", "hello 9" };
	const char *const *records = defaults;
	char errstr[512];
	int count = 10, failed = 0, i;
	fjord_conf_t *conf;
	fjord_t *fj;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BROKERS TOPIC [RECORD]...\n", argv[0]);
		return 2;
	}
	if (argc > 3) {
		records = (const char *const *)&argv[3];
		count = argc - 3;
	}

	/* 1. Configure with Kafka property names. */
	conf = fjord_conf_new();
	if (fjord_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof(errstr)) ||
	    fjord_conf_set(conf, "acks", "all", errstr, sizeof(errstr))) {
		fprintf(stderr, "config: %s\n", errstr);
		fjord_conf_destroy(conf);
		return 1;
	}
	fjord_conf_set_dr_msg_cb(conf, on_delivery);
	fjord_conf_set_opaque(conf, &failed);

	/* 2. Create the producer; on success it owns conf. */
	fj = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	if (!fj) {
		fprintf(stderr, "cannot create producer: %s\n", errstr);
		fjord_conf_destroy(conf);
		return 1;
	}

	/* 3. Produce: never blocks; a full queue is back-pressure, so wait and retry. */
	for (i = 0; i < count; i++) {
		fjord_err_t err;

		while ((err = fjord_produce(fj, argv[2], FJORD_PARTITION_UA, NULL, 0, records[i],
		                            strlen(records[i]), NULL, 0, 0, NULL)) ==
		       FJORD_ERR__QUEUE_FULL)
			fjord_flush(fj, 100);
		if (err) {
			fprintf(stderr, "produce: %s\n", fjord_err2str(err));
			failed++;
		}
	}

	/* 4. Wait for the delivery reports, then free the handle. */
	if (fjord_flush(fj, 30000))
		fprintf(stderr, "flush: some records are still outstanding\n");
	fjord_destroy(fj); /* reports anything left as failed before returning */
	return __atomic_load_n(&failed, __ATOMIC_RELAXED) ? 1 : 0;
}
