/*
 * arena.c — the bump allocator (arena.h).
 */
#include "common/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	arena_chunk_t *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN (alignof(max_align_t))

static void *arena_pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void arena_pb_free(void *data, void *ptr)
{
	(void)data;
	(void)ptr;
}

void arena_init(arena_t *a, size_t chunk_size)
{
	a->chunks = NULL;
	a->chunk_size = chunk_size ? chunk_size : ARENA_CHUNK_DEFAULT;
	a->pb.alloc = arena_pb_alloc;
	a->pb.free = arena_pb_free;
	a->pb.allocator_data = a;
}

void *arena_alloc(arena_t *a, size_t size)
{
	arena_chunk_t *c = a->chunks;
	size_t need;

	if (size == 0 || size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (!c || c->size - c->used < need) {
		size_t cap = need > a->chunk_size ? need : a->chunk_size;
		if (cap > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->size = cap;
		c->used = 0;
		/* A piece bigger than a chunk gets a chunk of its own behind the
		 * current one, so the current one's free space is not wasted. */
		if (a->chunks && need > a->chunk_size) {
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	void *p = c->data + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

void *arena_calloc(arena_t *a, size_t n, size_t size)
{
	if (n == 0 || size > SIZE_MAX / n)
		return NULL;
	return arena_alloc(a, n * size);
}

char *arena_strdup(arena_t *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = arena_alloc(a, len);
	if (d)
		memcpy(d, s, len);
	return d;
}

ProtobufCAllocator *arena_allocator(arena_t *a)
{
	return &a->pb;
}

void arena_free(arena_t *a)
{
	arena_chunk_t *c = a->chunks, *next;
	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
}
