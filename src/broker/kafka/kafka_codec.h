/*
 * kafka_codec.h — Kafka's request bodies decoded into fjord's request
 * structures, and fjord's responses encoded in Kafka's layouts, for the
 * translated APIs (kafka.h). Pure: no connection, no broker; the fuzz
 * target tests/fuzz/fuzz_kafka_request.c runs both directions as they are.
 *
 * Decoding reads a body that is all there (kwire.h: every length and count
 * is bounded by the bytes left) into structures allocated in an arena;
 * byte fields (a Produce partition's records) point into the body. A body
 * must decode whole: an error or a byte left over fails it, with what in
 * d->what.
 *
 * Encoding writes to w; a Fetch answer's records are moved from payload
 * into out between the bytes of w (w is flushed to out first), so file
 * ranges stay file ranges. What is left in w afterwards is the tail of the
 * answer.
 *
 * Thread: any (the broker calls them on its loop thread).
 */
#ifndef FJORD_BROKER_KAFKA_CODEC_H
#define FJORD_BROKER_KAFKA_CODEC_H

#include <stdint.h>

#include <event2/buffer.h>

#include "common/arena.h"
#include "common/kwire.h"
#include "fjord.pb-c.h"

/* A request header v1. */
typedef struct kafka_header {
	int16_t api_key, api_version;
	int32_t correlation_id;
	const char *client_id; /* NULL when null */
} kafka_header_t;

/* Reads the header; 0, or -1 when it does not decode. */
int kdec_header(kw_reader_t *r, arena_t *ar, kafka_header_t *h);

/* A translated request, decoded. */
typedef struct kdec {
	Fjord__Request req; /* body_case and body set; header fields left to the caller */
	union {
		Fjord__MetadataRequest metadata;
		Fjord__ProduceRequest produce;
		Fjord__FetchRequest fetch;
		Fjord__ListOffsetsRequest list_offsets;
		Fjord__CreateTopicsRequest create_topics;
		Fjord__DeleteTopicsRequest delete_topics;
		Fjord__InitProducerIdRequest init_producer_id;
	} u;
	uint8_t **records;  /* Produce: each partition's bytes, in request order */
	const char *txn;    /* Produce v3+, InitProducerId: the transactional id */
	int allow_create;   /* Metadata: may create the named topics */
	int32_t session_id; /* Fetch v7+: not 0 asks for an incremental fetch */
	int manual;         /* CreateTopics: a manual replica assignment */
	int validate_only;  /* CreateTopics v1+ */
	const char *what;   /* on failure: what did not decode */
} kdec_t;

/* Decodes the body of Kafka api `api` at version v. 0, or -1 (d->what);
 * -1 also for an api that is not translated. */
int kdec_request(int16_t api, int16_t v, kw_reader_t *r, arena_t *ar, kdec_t *d);

/* CreatePartitions v0-1 (a native API: fjord's protocol has no twin, so
 * its own structures). A topic asking for a manual assignment has manual
 * set (the broker ids are read and skipped). */
typedef struct kdec_cp_topic {
	const char *name;
	int32_t count; /* the new total */
	int manual;    /* assignments was not null */
} kdec_cp_topic_t;

typedef struct kdec_create_partitions {
	kdec_cp_topic_t *topics; /* in the arena */
	int32_t n_topics;
	int32_t timeout_ms;
	int validate_only;
	const char *what; /* on failure: what did not decode */
} kdec_create_partitions_t;

/* Decodes a CreatePartitions body (v0-1, one layout). 0, or -1 (d->what). */
int kdec_create_partitions(int16_t v, kw_reader_t *r, arena_t *ar, kdec_create_partitions_t *d);

/* One topic's answer of CreatePartitions: error is a Kafka code, message
 * NULL or "" for none (written as null). */
typedef struct kenc_topic_result {
	const char *name;
	int16_t error;
	const char *message;
} kenc_topic_result_t;

/* CreatePartitions v0-1: throttle_time_ms 0, results [name, error,
 * message]. */
void kenc_create_partitions(int16_t v, const kenc_topic_result_t *res, size_t n, kw_writer_t *w);

/* Encodes resp (the fjord handler's answer, its body set) as Kafka api
 * `api` version v answers. 0, or -1 (a body that is not that api's, out of
 * memory, the payload shorter than the records it lists). */
int kenc_response(int16_t api, int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                  kw_writer_t *w, struct evbuffer *out);

/* The answers given without a handler. Every partition of pr refused with
 * err (Produce v0-2, a transactional id); every topic of cr refused with
 * INVALID_REQUEST and why (manual assignment, validate_only); a
 * transactional InitProducerId; an incremental Fetch of an unknown
 * session; ApiVersions (its table: the api keys and version ranges). */
void kenc_produce_refused(int16_t v, const Fjord__ProduceRequest *pr, int16_t err, kw_writer_t *w);
void kenc_create_topics_refused(int16_t v, const Fjord__CreateTopicsRequest *cr, const char *why,
                                kw_writer_t *w);
void kenc_init_producer_id_refused(int16_t err, kw_writer_t *w);
void kenc_fetch_session_refused(int16_t err, kw_writer_t *w);
void kenc_api_versions(int16_t v, int16_t err, const int16_t (*ranges)[3], size_t n,
                       kw_writer_t *w);

#endif /* FJORD_BROKER_KAFKA_CODEC_H */
