/*
 * 0007-unit-arena — the arena allocator and the protobuf builder on it.
 *
 * Pieces are zeroed, aligned and disjoint across chunk boundaries; a piece
 * larger than a chunk works and does not strand the current chunk; size
 * overflow gives NULL; the arena is reusable after arena_free; protobuf-c
 * unpacks into it through arena_allocator(); pbuild_array gives n
 * initialised messages that pack to what hand-built ones pack to;
 * pbuild_answer mirrors a request's topics and partitions; pbuild_topics
 * builds a topic list with k partitions each.
 */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "common/arena.h"
#include "common/pbuild.h"
#include "fjord.pb-c.h"
#include "test.h"

START_TEST(arena_pieces)
{
	arena_t ar;
	unsigned char *prev = NULL;

	arena_init(&ar, 256);
	for (int i = 1; i <= 200; i++) {
		unsigned char *p = arena_alloc(&ar, (size_t)i);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
		for (int k = 0; k < i; k++)
			ck_assert_uint_eq(p[k], 0);
		memset(p, 0xee, (size_t)i); /* overwrites nothing handed out before */
		if (prev)
			ck_assert_uint_eq(prev[0], 0xee);
		prev = p;
	}
	/* Bigger than a chunk: its own chunk, the current one stays in use. */
	unsigned char *small1 = arena_alloc(&ar, 8);
	unsigned char *big = arena_alloc(&ar, 10000);
	unsigned char *small2 = arena_alloc(&ar, 8);
	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(small2);
	ck_assert_ptr_eq(small2, small1 + alignof(max_align_t) * ((8 + alignof(max_align_t) - 1) /
	                                                          alignof(max_align_t)));
	memset(big, 1, 10000);
	ck_assert_ptr_null(arena_alloc(&ar, 0));
	ck_assert_ptr_null(arena_calloc(&ar, SIZE_MAX / 2, 4));
	ck_assert_ptr_null(arena_alloc(&ar, SIZE_MAX));
	ck_assert_str_eq(arena_strdup(&ar, "orders"), "orders");
	arena_free(&ar);
	ck_assert_ptr_null(ar.chunks);
	ck_assert_ptr_nonnull(arena_alloc(&ar, 16)); /* reusable */
	arena_free(&ar);
}
END_TEST

START_TEST(arena_protobuf)
{
	arena_t ar;
	Fjord__ListOffsetsResponse body = FJORD__LIST_OFFSETS_RESPONSE__INIT;
	Fjord__ListOffsetsTopicResponse t = FJORD__LIST_OFFSETS_TOPIC_RESPONSE__INIT, *tp = &t;
	Fjord__ListOffsetsPartitionResponse p[3], *pp[3];
	uint8_t a[256], b[256];
	size_t alen, blen;

	/* By hand. */
	for (int i = 0; i < 3; i++) {
		fjord__list_offsets_partition_response__init(&p[i]);
		p[i].partition = i;
		p[i].offset = 100 + i;
		pp[i] = &p[i];
	}
	t.topic = "orders";
	t.partitions = pp;
	t.n_partitions = 3;
	body.topics = &tp;
	body.n_topics = 1;
	alen = fjord__list_offsets_response__pack(&body, a);

	/* With pbuild_array. */
	arena_init(&ar, 64);
	Fjord__ListOffsetsResponse built = FJORD__LIST_OFFSETS_RESPONSE__INIT;
	built.topics = pbuild_array(&ar, &fjord__list_offsets_topic_response__descriptor, 1);
	ck_assert_ptr_nonnull(built.topics);
	ck_assert_ptr_null(built.topics[1]);
	built.n_topics = 1;
	built.topics[0]->topic = "orders";
	built.topics[0]->partitions =
	    pbuild_array(&ar, &fjord__list_offsets_partition_response__descriptor, 3);
	ck_assert_ptr_nonnull(built.topics[0]->partitions);
	built.topics[0]->n_partitions = 3;
	for (int i = 0; i < 3; i++) {
		/* Initialised with the descriptor's defaults, not just zeroed. */
		ck_assert_ptr_eq(built.topics[0]->partitions[i]->base.descriptor,
		                 &fjord__list_offsets_partition_response__descriptor);
		built.topics[0]->partitions[i]->partition = i;
		built.topics[0]->partitions[i]->offset = 100 + i;
	}
	blen = fjord__list_offsets_response__pack(&built, b);
	ck_assert_uint_eq(alen, blen);
	ck_assert_int_eq(memcmp(a, b, alen), 0);
	void **empty = pbuild_array(&ar, &fjord__epoch_end_offset__descriptor, 0);
	ck_assert_ptr_nonnull(empty);
	ck_assert_ptr_null(empty[0]);

	/* Unpack into the arena: freed with it (ASan sees no leak, no double free). */
	Fjord__ListOffsetsResponse *u =
	    fjord__list_offsets_response__unpack(arena_allocator(&ar), alen, a);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->topics[0]->topic, "orders");
	ck_assert_int_eq(u->topics[0]->partitions[2]->offset, 102);
	fjord__list_offsets_response__free_unpacked(u, arena_allocator(&ar)); /* a no-op */
	arena_free(&ar);
}
END_TEST

/* fill for pbuild_answer: offset = 1000 * topic's first letter + partition,
 * error NOT_LEADER for partition 7; counts its calls. */
static int fill_offsets(void *arg, const char *topic, const ProtobufCMessage *req_part,
                        ProtobufCMessage *resp_part)
{
	const Fjord__ListOffsetsPartition *q = (const Fjord__ListOffsetsPartition *)req_part;
	Fjord__ListOffsetsPartitionResponse *r = (Fjord__ListOffsetsPartitionResponse *)resp_part;
	(*(int *)arg)++;
	ck_assert_int_eq(r->partition, q->partition); /* copied before fill runs */
	r->offset = 1000 * topic[0] + q->partition;
	r->timestamp = q->timestamp;
	return q->partition == 7 ? FJORD__ERROR_CODE__NOT_LEADER : FJORD__ERROR_CODE__NONE;
}

static int fill_none(void *arg, const char *topic, const ProtobufCMessage *req_part,
                     ProtobufCMessage *resp_part)
{
	(void)arg, (void)topic, (void)req_part, (void)resp_part;
	return 0;
}

START_TEST(pbuild_answer_walk)
{
	arena_t ar;
	Fjord__ListOffsetsPartition qp[3];
	Fjord__ListOffsetsPartition *qa[] = { &qp[0], &qp[1] }, *qb[] = { &qp[2] };
	Fjord__ListOffsetsTopic qt[2] = { FJORD__LIST_OFFSETS_TOPIC__INIT,
		                          FJORD__LIST_OFFSETS_TOPIC__INIT };
	Fjord__ListOffsetsTopic *qts[] = { &qt[0], &qt[1] };
	int calls = 0;

	for (int i = 0; i < 3; i++) {
		fjord__list_offsets_partition__init(&qp[i]);
		qp[i].partition = i == 1 ? 7 : i;
		qp[i].timestamp = -2;
	}
	qt[0].topic = "a";
	qt[0].partitions = qa;
	qt[0].n_partitions = 2;
	qt[1].topic = "b";
	qt[1].partitions = qb;
	qt[1].n_partitions = 1;
	arena_init(&ar, 128);
	Fjord__ListOffsetsTopicResponse **rt =
	    pbuild_answer(&ar, (ProtobufCMessage *const *)qts, 2,
	                  &fjord__list_offsets_topic_response__descriptor, fill_offsets, &calls);
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(calls, 3);
	ck_assert_str_eq(rt[0]->topic, "a");
	ck_assert_str_eq(rt[1]->topic, "b");
	ck_assert_uint_eq(rt[0]->n_partitions, 2);
	ck_assert_uint_eq(rt[1]->n_partitions, 1);
	ck_assert_int_eq(rt[0]->partitions[0]->partition, 0);
	ck_assert_int_eq(rt[0]->partitions[0]->offset, 1000 * 'a');
	ck_assert_int_eq(rt[0]->partitions[0]->error, FJORD__ERROR_CODE__NONE);
	ck_assert_int_eq(rt[0]->partitions[1]->partition, 7);
	ck_assert_int_eq(rt[0]->partitions[1]->error, FJORD__ERROR_CODE__NOT_LEADER);
	ck_assert_int_eq(rt[1]->partitions[0]->offset, 1000 * 'b' + 2);
	ck_assert_int_eq(rt[1]->partitions[0]->timestamp, -2);

	/* Every request/response topic pair the broker answers with it. */
	Fjord__OffsetForLeaderEpochTopic et = FJORD__OFFSET_FOR_LEADER_EPOCH_TOPIC__INIT,
	                                 *ets = &et;
	Fjord__OffsetForLeaderEpochPartition ep = FJORD__OFFSET_FOR_LEADER_EPOCH_PARTITION__INIT,
	                                     *eps = &ep;
	et.topic = "c";
	et.partitions = &eps;
	et.n_partitions = 1;
	ep.partition = 4;
	Fjord__OffsetForLeaderEpochTopicResponse **er = pbuild_answer(
	    &ar, (ProtobufCMessage *const *)&ets, 1,
	    &fjord__offset_for_leader_epoch_topic_response__descriptor, fill_none, NULL);
	ck_assert_ptr_nonnull(er);
	ck_assert_int_eq(er[0]->partitions[0]->partition, 4);
	/* Fetch and Produce: their request topics against their response topics. */
	Fjord__FetchTopic ftq = FJORD__FETCH_TOPIC__INIT, *ftqs = &ftq;
	Fjord__FetchPartition fpq = FJORD__FETCH_PARTITION__INIT, *fpqs = &fpq;
	ftq.topic = "f";
	ftq.partitions = &fpqs;
	ftq.n_partitions = 1;
	fpq.partition = 9;
	Fjord__FetchTopicResponse **fr =
	    pbuild_answer(&ar, (ProtobufCMessage *const *)&ftqs, 1,
	                  &fjord__fetch_topic_response__descriptor, fill_none, NULL);
	ck_assert_ptr_nonnull(fr);
	ck_assert_int_eq(fr[0]->partitions[0]->partition, 9);
	Fjord__ProduceTopicData ptq = FJORD__PRODUCE_TOPIC_DATA__INIT, *ptqs = &ptq;
	Fjord__ProducePartitionData ppq = FJORD__PRODUCE_PARTITION_DATA__INIT, *ppqs = &ppq;
	ptq.topic = "p";
	ptq.partitions = &ppqs;
	ptq.n_partitions = 1;
	ppq.partition = 3;
	Fjord__ProduceTopicResponse **pr =
	    pbuild_answer(&ar, (ProtobufCMessage *const *)&ptqs, 1,
	                  &fjord__produce_topic_response__descriptor, fill_none, NULL);
	ck_assert_ptr_nonnull(pr);
	ck_assert_int_eq(pr[0]->partitions[0]->partition, 3);
	ck_assert_str_eq(pr[0]->topic, "p");
	/* A descriptor without topic/partitions is refused, not walked. */
	ck_assert_ptr_null(pbuild_answer(&ar, (ProtobufCMessage *const *)qts, 2,
	                                 &fjord__list_offsets_response__descriptor, fill_none,
	                                 NULL));
	/* A follower's request: a topic entry per partition. */
	Fjord__FetchTopic **ft = pbuild_topics(&ar, &fjord__fetch_topic__descriptor, 3, 1);
	ck_assert_ptr_nonnull(ft);
	ck_assert_ptr_null(ft[3]);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(ft[i]->n_partitions, 1);
		ck_assert_ptr_eq(ft[i]->partitions[0]->base.descriptor,
		                 &fjord__fetch_partition__descriptor);
		ck_assert_ptr_null(ft[i]->partitions[1]);
	}
	ck_assert_ptr_ne(ft[0]->partitions[0], ft[1]->partitions[0]);
	ck_assert_ptr_null(pbuild_topics(&ar, &fjord__fetch_partition__descriptor, 1, 1));
	/* A client's request: runs of one topic share a topic entry. */
	const char *names[] = { "a", "a", "b", "c", "c", "c" };
	ProtobufCMessage *gp[6];
	size_t gnt = 0;
	Fjord__ProduceTopicData **gt =
	    pbuild_grouped(&ar, &fjord__produce_topic_data__descriptor, names, 6, &gnt, gp);
	ck_assert_ptr_nonnull(gt);
	ck_assert_uint_eq(gnt, 3);
	ck_assert_str_eq(gt[0]->topic, "a");
	ck_assert_uint_eq(gt[0]->n_partitions, 2);
	ck_assert_str_eq(gt[1]->topic, "b");
	ck_assert_uint_eq(gt[1]->n_partitions, 1);
	ck_assert_str_eq(gt[2]->topic, "c");
	ck_assert_uint_eq(gt[2]->n_partitions, 3);
	ck_assert_ptr_null(gt[3]);
	ck_assert_ptr_eq(gp[0], (ProtobufCMessage *)gt[0]->partitions[0]);
	ck_assert_ptr_eq(gp[2], (ProtobufCMessage *)gt[1]->partitions[0]);
	ck_assert_ptr_eq(gp[5], (ProtobufCMessage *)gt[2]->partitions[2]);
	/* No topics: an empty answer. */
	void **none = pbuild_answer(&ar, NULL, 0, &fjord__list_offsets_topic_response__descriptor,
	                            fill_none, NULL);
	ck_assert_ptr_nonnull(none);
	ck_assert_ptr_null(none[0]);
	arena_free(&ar);
}
END_TEST

void test_0007(TCase *tc);

void test_0007(TCase *tc)
{
	tcase_add_test(tc, arena_pieces);
	tcase_add_test(tc, arena_protobuf);
	tcase_add_test(tc, pbuild_answer_walk);
}
