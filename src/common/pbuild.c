/*
 * pbuild.c — protobuf-c message arrays over an arena (pbuild.h).
 */
#include "common/pbuild.h"

#include <stdint.h>

void *pbuild_array(arena_t *a, const ProtobufCMessageDescriptor *desc, size_t n)
{
	ProtobufCMessage **ptrs;
	unsigned char *msgs = NULL;

	if (n >= SIZE_MAX / sizeof(*ptrs))
		return NULL;
	ptrs = arena_calloc(a, n + 1, sizeof(*ptrs));
	if (!ptrs)
		return NULL;
	if (n > 0) {
		msgs = arena_calloc(a, n, desc->sizeof_message);
		if (!msgs)
			return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		ptrs[i] = (ProtobufCMessage *)(msgs + i * desc->sizeof_message);
		desc->message_init(ptrs[i]);
	}
	return ptrs;
}
