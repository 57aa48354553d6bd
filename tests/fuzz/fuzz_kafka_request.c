/*
 * fuzz_kafka_request — the bytes a Kafka client sends a Kafka listener,
 * read as the broker reads them (src/broker/kafka/): requests cut by their
 * int32 size (conn.c), each header decoded with kdec_header() and each body
 * of a translated API with kdec_request() (CreatePartitions, native, with
 * kdec_create_partitions()) — at the version the header names and at every
 * other version of that API, so every layout sees every input — and, for
 * what decodes, the refusals and answers the listener writes from a decoded
 * request (kafka_codec.h).
 *
 * Properties checked besides "no crash, no leak, no undefined behaviour":
 *   - a Produce that decodes hands out one records pointer per partition,
 *     each inside the body with its records_len, their sum within it;
 *   - a decoded request's counts are within what the body could hold;
 *   - a decoded CreatePartitions names every topic (no NULL name);
 *   - the refusal writers never fail on a decoded request.
 *
 * FUZZ_OPTIONS: -max_len=65536
 * FUZZ_SOURCES: src/common/kwire.c src/broker/kafka/kafka_decode.c
 * FUZZ_SOURCES: src/broker/kafka/kafka_encode.c proto/fjord.pb-c.c
 */
#include "config.h"

#include <string.h>

#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"
#include "common/arena.h"
#include "common/bytes.h"
#include "common/kwire.h"
#include "support.h"

/* socket.request.max.bytes' default (src/broker/broker_conf.c). */
#define FUZZ_MAX_FRAME (100u * 1024 * 1024)

static const int16_t fuzz_apis[] = { KAFKA_PRODUCE,          KAFKA_FETCH,
	                             KAFKA_LIST_OFFSETS,     KAFKA_METADATA,
	                             KAFKA_CREATE_TOPICS,    KAFKA_DELETE_TOPICS,
	                             KAFKA_INIT_PRODUCER_ID, KAFKA_CREATE_PARTITIONS };

static void fuzz_check_produce(const kdec_t *d, const uint8_t *body, size_t len)
{
	const Fjord__ProduceRequest *pr = &d->u.produce;
	size_t k = 0, sum = 0;

	FUZZ_CHECK(d->records != NULL, "a decoded Produce without records pointers");
	for (size_t i = 0; i < pr->n_topics; i++)
		for (size_t j = 0; j < pr->topics[i]->n_partitions; j++, k++) {
			size_t n = pr->topics[i]->partitions[j]->records_len;
			const uint8_t *p = d->records[k];
			FUZZ_CHECK(p != NULL, "partition %zu has no records pointer", k);
			if (n > 0)
				FUZZ_CHECK(p >= body && p + n <= body + len,
				           "partition %zu's %zu bytes lie outside the body", k, n);
			sum += n;
		}
	FUZZ_CHECK(sum <= len, "records add up to %zu bytes in a %zu-byte body", sum, len);
}

/* CreatePartitions: decoded, then answered with one result per topic. */
static void fuzz_create_partitions(int16_t v, const uint8_t *body, size_t len)
{
	kdec_create_partitions_t d;
	kenc_topic_result_t *res;
	arena_t ar;
	kw_reader_t r;
	kw_writer_t w;

	arena_init(&ar, 0);
	kww_init(&w);
	kwr_init(&r, body, len);
	if (kdec_create_partitions(v, &r, &ar, &d) == 0) {
		FUZZ_CHECK((size_t)d.n_topics <= len / 10, "%d topics in a %zu-byte body",
		           (int)d.n_topics, len);
		res = arena_calloc(&ar, (size_t)d.n_topics + 1, sizeof(*res));
		FUZZ_CHECK(res != NULL, "out of memory");
		for (int32_t i = 0; i < d.n_topics; i++) {
			FUZZ_CHECK(d.topics[i].name != NULL, "topic %d has no name", (int)i);
			res[i].name = d.topics[i].name;
			res[i].error = d.topics[i].manual ? 42 : 37;
			res[i].message = d.validate_only ? "fuzz" : NULL;
		}
		kenc_create_partitions(v, res, (size_t)d.n_topics, &w);
		FUZZ_CHECK(!w.err, "a CreatePartitions answer could not be written");
	} else {
		FUZZ_CHECK(d.what != NULL, "CreatePartitions v%d refused without saying what", v);
	}
	kww_free(&w);
	arena_free(&ar);
}

static void fuzz_decode(int16_t api, int16_t v, const uint8_t *body, size_t len)
{
	arena_t ar;
	kw_reader_t r;
	kw_writer_t w;
	kdec_t d;

	if (api == KAFKA_CREATE_PARTITIONS) {
		fuzz_create_partitions(v, body, len);
		return;
	}
	arena_init(&ar, 0);
	kww_init(&w);
	kwr_init(&r, body, len);
	if (kdec_request(api, v, &r, &ar, &d) == 0) {
		FUZZ_CHECK(d.req.body_case != FJORD__REQUEST__BODY__NOT_SET,
		           "api %d v%d decoded without a body", api, v);
		switch (api) {
		case KAFKA_PRODUCE:
			fuzz_check_produce(&d, body, len);
			kenc_produce_refused(v, &d.u.produce, 43, &w);
			break;
		case KAFKA_METADATA:
			FUZZ_CHECK(d.u.metadata.n_topics <= len / 2, "more topics than bytes");
			break;
		case KAFKA_CREATE_TOPICS:
			kenc_create_topics_refused(v, &d.u.create_topics, "fuzz", &w);
			break;
		case KAFKA_INIT_PRODUCER_ID:
			kenc_init_producer_id_refused(53, &w);
			break;
		case KAFKA_FETCH:
			kenc_fetch_session_refused(70, &w);
			break;
		default:
			break;
		}
		FUZZ_CHECK(!w.err, "a refusal could not be written");
	} else {
		FUZZ_CHECK(d.what != NULL, "api %d v%d refused without saying what", api, v);
	}
	kww_free(&w);
	arena_free(&ar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	fuzz_init();
	while (size - off >= 4) {
		uint32_t n = be32_read(data + off);
		kafka_header_t h;
		kw_reader_t r;
		arena_t ar;

		/* conn.c: a size below a header, or above the limit, closes. */
		if (n < 10 || n > FUZZ_MAX_FRAME || n > size - off - 4)
			break;
		arena_init(&ar, 0);
		kwr_init(&r, data + off + 4, n);
		if (kdec_header(&r, &ar, &h) == 0) {
			const uint8_t *body = r.p;
			size_t len = kwr_left(&r);
			for (size_t i = 0; i < sizeof(fuzz_apis) / sizeof(fuzz_apis[0]); i++) {
				if (fuzz_apis[i] != h.api_key)
					continue;
				fuzz_decode(h.api_key, h.api_version, body, len);
				for (int16_t v = 0; v <= 11; v++)
					if (v != h.api_version)
						fuzz_decode(h.api_key, v, body, len);
			}
			/* Not translated: refused, never read. */
			if (h.api_key == KAFKA_API_VERSIONS) {
				kw_writer_t w;
				int16_t ranges[1][3] = { { 18, 0, 2 } };
				kww_init(&w);
				kenc_api_versions(h.api_version, 0, (const int16_t(*)[3])ranges, 1,
				                  &w);
				FUZZ_CHECK(!w.err, "ApiVersions could not be written");
				kww_free(&w);
			}
		}
		arena_free(&ar);
		off += 4 + (size_t)n;
	}
	return 0;
}
