/*
 * fuzz_kafka_request — the bytes a Kafka client sends a Kafka listener,
 * read as the broker reads them (src/broker/kafka/): requests cut by their
 * int32 size (conn.c), each header decoded with kdec_header() and each body
 * of a translated API with kdec_request() (CreatePartitions, native, with
 * kdec_create_partitions()) — at the version the header names and at every
 * other version of that API, so every layout sees every input — and, for
 * what decodes, the refusals and answers the listener writes from a decoded
 * request (kafka_codec.h). The group coordinator's bodies (OffsetCommit,
 * OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup,
 * SyncGroup, DescribeGroups, ListGroups) go through kafka_group_codec.c's
 * decoders at the header's version and every other version 0..7, and the
 * ConsumerProtocol assignment decoder runs on every bytes field a decoded
 * JoinGroup or SyncGroup carries, and on the raw body.
 *
 * Properties checked besides "no crash, no leak, no undefined behaviour":
 *   - a Produce that decodes hands out one records pointer per partition,
 *     each inside the body with its records_len, their sum within it;
 *   - a decoded request's counts are within what the body could hold;
 *   - a decoded CreatePartitions names every topic (no NULL name);
 *   - the refusal writers never fail on a decoded request;
 *   - a decoded group request's counts are within the body, its strings
 *     are there (no NULL where the layout has no null) and its byte fields
 *     add up to no more than the body;
 *   - a group decode holds memory in proportion to the body (under ASan:
 *     FUZZ_MEM_PER_BYTE per byte, FUZZ_MEM_BASE besides), not its square;
 *   - a decoded assignment used no more than its bytes and round-trips:
 *     written back with kww_*, it is the bytes it was read from.
 *
 * FUZZ_OPTIONS: -max_len=65536
 * FUZZ_SOURCES: src/common/kwire.c src/broker/kafka/kafka_decode.c
 * FUZZ_SOURCES: src/broker/kafka/kafka_encode.c proto/fjord.pb-c.c
 * FUZZ_SOURCES: src/broker/kafka/kafka_group_codec.c
 */
#include "config.h"

#include <string.h>

#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"
#include "broker/kafka/kafka_group_codec.h"
#include "common/arena.h"
#include "common/bytes.h"
#include "common/kwire.h"
#include "support.h"

/* Under ASan (the fuzzing build; not the coverage one) a group decode's
 * memory is measured: the allocator's count of live bytes before and after
 * (the arena frees nothing until arena_free). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/allocator_interface.h>
#define FUZZ_LIVE_BYTES() __sanitizer_get_current_allocated_bytes()
#endif
#endif
#ifndef FUZZ_LIVE_BYTES
#define FUZZ_LIVE_BYTES() ((size_t)0)
#endif

/* What a decode may hold per byte of body, and besides: the structures
 * cost a small multiple of the bytes that describe them, never their
 * square (the arena's chunks and alignment included). */
#define FUZZ_MEM_PER_BYTE 64
#define FUZZ_MEM_BASE (64u * 1024)

/* socket.request.max.bytes' default (src/broker/broker_conf.c). */
#define FUZZ_MAX_FRAME (100u * 1024 * 1024)

static const int16_t fuzz_apis[] = { KAFKA_PRODUCE,          KAFKA_FETCH,
	                             KAFKA_LIST_OFFSETS,     KAFKA_METADATA,
	                             KAFKA_CREATE_TOPICS,    KAFKA_DELETE_TOPICS,
	                             KAFKA_INIT_PRODUCER_ID, KAFKA_CREATE_PARTITIONS };

static const int16_t fuzz_group_apis[] = { KAFKA_OFFSET_COMMIT,    KAFKA_OFFSET_FETCH,
	                                   KAFKA_FIND_COORDINATOR, KAFKA_JOIN_GROUP,
	                                   KAFKA_HEARTBEAT,        KAFKA_LEAVE_GROUP,
	                                   KAFKA_SYNC_GROUP,       KAFKA_DESCRIBE_GROUPS,
	                                   KAFKA_LIST_GROUPS };

/* A ConsumerProtocol assignment: decoded, then written back. */
static void fuzz_assignment(const uint8_t *buf, size_t len)
{
	kgc_assignment_t a;
	kw_writer_t w;
	arena_t ar;

	arena_init(&ar, 0);
	kww_init(&w);
	if (kgc_assignment(buf, len, &ar, &a) == 0) {
		FUZZ_CHECK(a.used <= len, "an assignment used %zu of %zu bytes", a.used, len);
		FUZZ_CHECK((size_t)a.n <= len / 6, "%d topics in a %zu-byte assignment", (int)a.n,
		           len);
		kww_i16(&w, a.version);
		kww_i32(&w, a.n);
		for (int32_t t = 0; t < a.n; t++) {
			const kgc_assign_topic_t *at = &a.topics[t];
			FUZZ_CHECK(at->name != NULL, "assignment topic %d has no name", (int)t);
			FUZZ_CHECK((size_t)at->n <= len / 4, "%d partitions in %zu bytes",
			           (int)at->n, len);
			kww_i16(&w, at->name_len);
			kww_raw(&w, at->name, (size_t)at->name_len);
			kww_i32(&w, at->n);
			for (int32_t p = 0; p < at->n; p++)
				kww_i32(&w, at->partitions[p]);
		}
		FUZZ_CHECK(!w.err, "out of memory");
		FUZZ_CHECK(w.len == a.used && !memcmp(w.buf, buf, w.len),
		           "an assignment of %zu bytes read does not write back as them (%zu)",
		           a.used, w.len);
	}
	kww_free(&w);
	arena_free(&ar);
}

/* n byte fields of lens[i] bytes: each decoded as an assignment; their
 * sum within the body. */
static void fuzz_group_bytes(uint8_t *const *p, const int32_t *lens, int32_t n, size_t len)
{
	size_t sum = 0;

	for (int32_t i = 0; i < n; i++) {
		FUZZ_CHECK(p[i] != NULL && lens[i] >= 0, "bytes field %d missing", (int)i);
		sum += (size_t)lens[i];
		fuzz_assignment(p[i], (size_t)lens[i]);
	}
	FUZZ_CHECK(sum <= len, "bytes fields add up to %zu in a %zu-byte body", sum, len);
}

/* A group API's body at version v. */
static void fuzz_group_decode(int16_t api, int16_t v, const uint8_t *body, size_t len)
{
	kw_reader_t r;
	arena_t ar;
	const char *what = NULL;
	int rc = -1;

	size_t live = FUZZ_LIVE_BYTES();

	arena_init(&ar, 0);
	kwr_init(&r, body, len);
	switch (api) {
	case KAFKA_JOIN_GROUP: {
		kgc_join_t d;
		rc = kgc_join_group(v, &r, &ar, &d);
		what = d.what;
		if (rc == 0) {
			FUZZ_CHECK(d.group && d.member_id && d.protocol_type, "JoinGroup: a NULL");
			FUZZ_CHECK((size_t)d.proto_cnt <= len / 6, "%d protocols in %zu bytes",
			           (int)d.proto_cnt, len);
			for (int32_t i = 0; i < d.proto_cnt; i++)
				FUZZ_CHECK(d.names[i] != NULL, "protocol %d has no name", (int)i);
			fuzz_group_bytes(d.meta, d.lens, d.proto_cnt, len);
		}
		break;
	}
	case KAFKA_SYNC_GROUP: {
		kgc_sync_t d;
		rc = kgc_sync_group(v, &r, &ar, &d);
		what = d.what;
		if (rc == 0) {
			FUZZ_CHECK(d.group && d.member_id, "SyncGroup: a NULL");
			FUZZ_CHECK((size_t)d.cnt <= len / 6, "%d assignments in %zu bytes",
			           (int)d.cnt, len);
			for (int32_t i = 0; i < d.cnt; i++)
				FUZZ_CHECK(d.ids[i] != NULL, "assignment %d has no member", (int)i);
			fuzz_group_bytes(d.assign, d.lens, d.cnt, len);
		}
		break;
	}
	case KAFKA_HEARTBEAT:
	case KAFKA_LEAVE_GROUP: {
		kgc_member_t d;
		rc = (api == KAFKA_HEARTBEAT ? kgc_heartbeat : kgc_leave_group)(v, &r, &ar, &d);
		what = d.what;
		if (rc == 0)
			FUZZ_CHECK(d.group && d.member_id, "Heartbeat/LeaveGroup: a NULL");
		break;
	}
	case KAFKA_FIND_COORDINATOR: {
		kgc_find_t d;
		rc = kgc_find_coordinator(v, &r, &ar, &d);
		what = d.what;
		if (rc == 0)
			FUZZ_CHECK(d.key != NULL, "FindCoordinator without a key");
		break;
	}
	case KAFKA_LIST_GROUPS: {
		kgc_list_t d;
		rc = kgc_list_groups(v, &r, &d);
		what = d.what;
		if (rc == 0)
			FUZZ_CHECK(len == 0, "ListGroups decoded a %zu-byte body", len);
		break;
	}
	case KAFKA_DESCRIBE_GROUPS: {
		kgc_describe_t d;
		rc = kgc_describe_groups(v, &r, &ar, &d);
		what = d.what;
		if (rc == 0) {
			FUZZ_CHECK((size_t)d.n <= len / 2, "%d groups in %zu bytes", (int)d.n, len);
			for (int32_t i = 0; i < d.n; i++)
				FUZZ_CHECK(d.names[i] != NULL, "group %d has no name", (int)i);
		}
		break;
	}
	case KAFKA_OFFSET_COMMIT:
	case KAFKA_OFFSET_FETCH: {
		kgc_offsets_t d;
		int commit = api == KAFKA_OFFSET_COMMIT;
		rc = (commit ? kgc_offset_commit : kgc_offset_fetch)(v, &r, &ar, &d);
		what = d.what;
		if (rc == 0) {
			FUZZ_CHECK(d.group && d.member_id, "OffsetCommit/Fetch: a NULL");
			FUZZ_CHECK(!d.all || (!commit && v >= 2 && d.n == 0),
			           "all partitions asked where the layout cannot");
			FUZZ_CHECK((size_t)d.n <= len / (commit ? 14 : 4),
			           "%d partitions in a %zu-byte body", d.n, len);
			for (int i = 0; i < d.n; i++)
				FUZZ_CHECK(d.o[i].topic != NULL, "partition %d has no topic", i);
		}
		break;
	}
	default:
		FUZZ_CHECK(0, "api %d is not a group API", api);
	}
	if (rc != 0)
		FUZZ_CHECK(what != NULL, "group api %d v%d refused without saying what", api, v);
	live = FUZZ_LIVE_BYTES() - live;
	FUZZ_CHECK(live <= FUZZ_MEM_PER_BYTE * len + FUZZ_MEM_BASE,
	           "group api %d v%d held %zu bytes decoding a %zu-byte body", api, v, live, len);
	arena_free(&ar);
}

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
			for (size_t i = 0; i < sizeof(fuzz_group_apis) / sizeof(fuzz_group_apis[0]);
			     i++) {
				if (fuzz_group_apis[i] != h.api_key)
					continue;
				fuzz_group_decode(h.api_key, h.api_version, body, len);
				for (int16_t v = 0; v <= 7; v++)
					if (v != h.api_version)
						fuzz_group_decode(h.api_key, v, body, len);
				fuzz_assignment(body, len);
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
