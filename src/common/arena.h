/*
 * arena.h — a bump allocator for memory that dies all at once.
 *
 * Owner: common core. A request's response skeleton, a request being built
 * by a client, a decoded message: many small allocations whose lifetime is
 * one function call. An arena hands them out from large chunks and frees
 * them together with arena_free(), so the code that builds them has no
 * per-piece free and no parallel arrays to keep in step.
 *
 * Memory from arena_alloc() is zeroed and aligned for any type. A chunk
 * larger than the arena's chunk size is allocated on its own when a piece
 * needs it. Out of memory: arena_alloc() returns NULL (the SDK and the
 * broker answer with an error; nothing aborts here).
 *
 * arena_allocator() gives the arena to protobuf-c as a ProtobufCAllocator
 * (for unpack): its free is a no-op, everything goes with arena_free().
 *
 * Threads: an arena belongs to one thread at a time; no locking.
 */
#ifndef FJORD_ARENA_H
#define FJORD_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

typedef struct arena_chunk arena_chunk_t;

typedef struct arena {
	arena_chunk_t *chunks; /* newest first */
	size_t chunk_size;
	ProtobufCAllocator pb; /* allocator_data is the arena */
} arena_t;

#define ARENA_CHUNK_DEFAULT 4096

/* Prepares an empty arena (no allocation until the first piece);
 * chunk_size 0 means ARENA_CHUNK_DEFAULT. */
void arena_init(arena_t *a, size_t chunk_size);

/* size zeroed bytes, or NULL when out of memory (or size is 0). */
void *arena_alloc(arena_t *a, size_t size);

/* n * size zeroed bytes; NULL on overflow, out of memory or n == 0. */
void *arena_calloc(arena_t *a, size_t n, size_t size);

/* A copy of s in the arena, or NULL. */
char *arena_strdup(arena_t *a, const char *s);

/* The arena as protobuf-c's allocator; valid while the arena lives. */
ProtobufCAllocator *arena_allocator(arena_t *a);

/* Frees every piece; the arena is empty again and may be reused. */
void arena_free(arena_t *a);

#endif
