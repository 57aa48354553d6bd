/*
 * pbuild.h — building protobuf-c messages over an arena.
 *
 * Owner: common core. Nearly every fjord request and response is a list of
 * topics, each a list of partitions (ListOffsets, OffsetForLeaderEpoch,
 * Fetch, Produce, Metadata, ...). protobuf-c wants each repeated message
 * field as an array of pointers to initialised messages; pbuild_array()
 * makes that in one call from the arena: n messages of the descriptor's
 * type, each initialised with the descriptor's defaults, and the pointer
 * array to them. The caller sets the fields and the count field itself.
 *
 *     arena_t ar;
 *     arena_init(&ar, 0);
 *     Fjord__ListOffsetsTopicResponse **topics =
 *         pbuild_array(&ar, &fjord__list_offsets_topic_response__descriptor, n);
 *     ...
 *     arena_free(&ar);   // after the message was packed
 *
 * Threads: as the arena's.
 */
#ifndef FJORD_PBUILD_H
#define FJORD_PBUILD_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "common/arena.h"

/*
 * Answers a request topic for topic and partition for partition, the shape
 * of every fjord topic list: a topic message has `string topic` and
 * `repeated <P> partitions`; a partition message has `int32 partition` and,
 * in a response, `ErrorCode error`. For each request topic it builds a
 * response topic (resp_topic_desc) of the same name, and for each request
 * partition a response partition with the same `partition`, whose `error`
 * is what fill() returns (fill sets the other fields). Topic names are
 * borrowed from the request. Returns the response's topic pointer array (n
 * as in the request), or NULL when out of memory (nothing to free but the
 * arena) or when the descriptors lack those fields (a programming error;
 * unit test 0007 checks every pair fjord uses).
 */
typedef int pbuild_fill_fn(void *arg, const char *topic, const ProtobufCMessage *req_part,
                           ProtobufCMessage *resp_part);
void *pbuild_answer(arena_t *a, ProtobufCMessage *const *req_topics, size_t n_topics,
                    const ProtobufCMessageDescriptor *resp_topic_desc, pbuild_fill_fn *fill,
                    void *arg);

/*
 * A topic list of n_topics topic messages (topic_desc: `string topic`,
 * `repeated <P> partitions`), each with parts_per_topic initialised
 * partition messages and n_partitions set; the caller sets the names and
 * the partitions' fields. A follower's request, one topic entry per
 * partition it fetches, is pbuild_topics(a, desc, n, 1). Returns the topic
 * pointer array or NULL (out of memory, or topic_desc lacks the fields).
 */
void *pbuild_topics(arena_t *a, const ProtobufCMessageDescriptor *topic_desc, size_t n_topics,
                    size_t parts_per_topic);

/*
 * A client's request topic list for n partitions sorted by topic (names[i]
 * is partition i's topic, borrowed): one topic entry per run of equal
 * names, holding that run's partition messages. *n_topicsp gets the
 * number of topic entries and parts[0..n) (the caller's array) the
 * partition messages in input order, for the caller to fill. Returns the
 * topic pointer array or NULL (out of memory, or a descriptor without the
 * fields).
 */
void *pbuild_grouped(arena_t *a, const ProtobufCMessageDescriptor *topic_desc,
                     const char *const *names, size_t n, size_t *n_topicsp,
                     ProtobufCMessage **parts);

/* n initialised messages of type desc and a pointer array to them (with a
 * NULL after the last), as a void * to assign to the field's typed
 * `Type **`. NULL when out of memory. n == 0 gives an empty array. */
void *pbuild_array(arena_t *a, const ProtobufCMessageDescriptor *desc, size_t n);

#endif
