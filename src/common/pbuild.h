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

/* n initialised messages of type desc and a pointer array to them (with a
 * NULL after the last), as a void * to assign to the field's typed
 * `Type **`. NULL when out of memory. n == 0 gives an empty array. */
void *pbuild_array(arena_t *a, const ProtobufCMessageDescriptor *desc, size_t n);

#endif
