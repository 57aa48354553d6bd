/*
 * kafka_group_codec.c — the group coordinator's request bodies and the
 * ConsumerProtocol assignment, Kafka's layouts read into plain structures
 * (kafka_group_codec.h). Layouts, per API (non-flexible versions):
 *
 *   JoinGroup v0-5      group, session_timeout_ms, rebalance_timeout_ms
 *                       (v1+), member_id, group_instance_id (v5, nullable),
 *                       protocol_type, protocols [name, metadata]
 *   SyncGroup v0-3      group, generation, member_id, group_instance_id
 *                       (v3, nullable), assignments [member_id, assignment]
 *   Heartbeat v0-3      group, generation, member_id, group_instance_id
 *                       (v3, nullable)
 *   LeaveGroup v0-1     group, member_id
 *   FindCoordinator v0-2  key, key_type (v1+, int8)
 *   ListGroups v0       (empty)
 *   DescribeGroups v0   groups [name]
 *   OffsetCommit v0-7   group, generation (v1+), member_id (v1+),
 *                       group_instance_id (v7, nullable), retention_time_ms
 *                       (v2-4, int64), topics [name, partitions [partition,
 *                       offset (int64), timestamp (v1, int64), leader_epoch
 *                       (v6+), metadata (nullable)]]
 *   OffsetFetch v1-5    group, topics [name, partitions [partition]]
 *                       (v2+: null topics = every committed partition)
 *
 *   ConsumerProtocol assignment  version (int16), topics [topic,
 *                       partitions [int32]], user_data (bytes; not read)
 *
 * The layouts do not change past the versions named; a version beyond them
 * decodes as the newest (the broker's table, kafka_dispatch.c, refuses
 * versions it does not serve before a decoder runs). Every array's count
 * is bounded by the bytes left (kwire.h) with each element's smallest
 * size, so no count sizes an allocation the frame could not describe;
 * OffsetCommit's partitions, gathered over its topics, grow geometrically.
 *
 * Thread: any.
 */
#include "config.h"

#include <string.h>

#include "broker/kafka/kafka_group_codec.h"

/* A copy of len bytes in ar (one byte for none): NULL out of memory. */
static uint8_t *kgc_copy(arena_t *ar, const uint8_t *p, int32_t len)
{
	uint8_t *c;

	if (len <= 0)
		return arena_alloc(ar, 1);
	if ((c = arena_alloc(ar, (size_t)len)))
		memcpy(c, p, (size_t)len);
	return c;
}

/* The end of a decode: 0 when r read without error to the end. */
static int kgc_done(kw_reader_t *r, const char **what, const char *name)
{
	if (r->err) {
		*what = name;
		return -1;
	}
	if (kwr_left(r) != 0) {
		*what = "bytes left over after the body";
		return -1;
	}
	return 0;
}

/* n name/bytes pairs: [string, bytes] (JoinGroup's protocols, SyncGroup's
 * assignments). */
static int kgc_pairs(kw_reader_t *r, arena_t *ar, int32_t n, char ***names, uint8_t ***bytes,
                     int32_t **lens)
{
	*names = arena_calloc(ar, (size_t)n + 1, sizeof(char *));
	*bytes = arena_calloc(ar, (size_t)n + 1, sizeof(uint8_t *));
	*lens = arena_calloc(ar, (size_t)n + 1, sizeof(int32_t));
	if (!*names || !*bytes || !*lens)
		return -1;
	for (int32_t i = 0; i < n && !r->err; i++) {
		const uint8_t *p;
		(*names)[i] = kwr_str(r, ar, 0);
		p = kwr_bytes(r, &(*lens)[i], 0);
		if (!r->err && !((*bytes)[i] = kgc_copy(ar, p, (*lens)[i])))
			return -1;
	}
	return 0;
}

int kgc_join_group(int16_t v, kw_reader_t *r, arena_t *ar, kgc_join_t *d)
{
	memset(d, 0, sizeof(*d));
	d->what = "JoinGroup";
	d->group = kwr_str(r, ar, 0);
	d->session_ms = kwr_i32(r);
	d->rebalance_ms = v >= 1 ? kwr_i32(r) : d->session_ms;
	d->member_id = kwr_str(r, ar, 0);
	if (v >= 5)
		d->instance_id = kwr_str(r, ar, 1);
	d->protocol_type = kwr_str(r, ar, 0);
	/* A protocol is at least an empty name and empty metadata. */
	d->proto_cnt = kwr_array(r, 6, 0);
	if (r->err)
		return kgc_done(r, &d->what, "JoinGroup's group, member and protocol type");
	if (kgc_pairs(r, ar, d->proto_cnt, &d->names, &d->meta, &d->lens) != 0) {
		d->what = "out of memory";
		return -1;
	}
	return kgc_done(r, &d->what, "JoinGroup's protocols");
}

int kgc_sync_group(int16_t v, kw_reader_t *r, arena_t *ar, kgc_sync_t *d)
{
	memset(d, 0, sizeof(*d));
	d->what = "SyncGroup";
	d->group = kwr_str(r, ar, 0);
	d->generation = kwr_i32(r);
	d->member_id = kwr_str(r, ar, 0);
	if (v >= 3)
		d->instance_id = kwr_str(r, ar, 1);
	d->cnt = kwr_array(r, 6, 0);
	if (r->err)
		return kgc_done(r, &d->what, "SyncGroup's group and member");
	if (kgc_pairs(r, ar, d->cnt, &d->ids, &d->assign, &d->lens) != 0) {
		d->what = "out of memory";
		return -1;
	}
	return kgc_done(r, &d->what, "SyncGroup's assignments");
}

static int kgc_member(int16_t v, kw_reader_t *r, arena_t *ar, kgc_member_t *d, int has_gen)
{
	memset(d, 0, sizeof(*d));
	d->group = kwr_str(r, ar, 0);
	if (has_gen)
		d->generation = kwr_i32(r);
	d->member_id = kwr_str(r, ar, 0);
	if (has_gen && v >= 3)
		d->instance_id = kwr_str(r, ar, 1);
	return kgc_done(r, &d->what, has_gen ? "Heartbeat" : "LeaveGroup");
}

int kgc_heartbeat(int16_t v, kw_reader_t *r, arena_t *ar, kgc_member_t *d)
{
	return kgc_member(v, r, ar, d, 1);
}

int kgc_leave_group(int16_t v, kw_reader_t *r, arena_t *ar, kgc_member_t *d)
{
	return kgc_member(v, r, ar, d, 0);
}

int kgc_find_coordinator(int16_t v, kw_reader_t *r, arena_t *ar, kgc_find_t *d)
{
	memset(d, 0, sizeof(*d));
	d->key = kwr_str(r, ar, 0);
	if (v >= 1)
		d->key_type = kwr_i8(r);
	return kgc_done(r, &d->what, "FindCoordinator");
}

int kgc_list_groups(int16_t v, kw_reader_t *r, kgc_list_t *d)
{
	(void)v;
	memset(d, 0, sizeof(*d));
	return kgc_done(r, &d->what, "ListGroups");
}

int kgc_describe_groups(int16_t v, kw_reader_t *r, arena_t *ar, kgc_describe_t *d)
{
	(void)v;
	memset(d, 0, sizeof(*d));
	d->n = kwr_array(r, 2, 0);
	if (r->err)
		return kgc_done(r, &d->what, "DescribeGroups' groups");
	if (!(d->names = arena_calloc(ar, (size_t)d->n + 1, sizeof(char *)))) {
		d->what = "out of memory";
		return -1;
	}
	for (int32_t i = 0; i < d->n; i++)
		d->names[i] = kwr_str(r, ar, 0);
	return kgc_done(r, &d->what, "DescribeGroups' groups");
}

/* Reads topics [name, partitions [partition, ...]] into d->o. */
static int kgc_offsets_topics(int16_t v, kw_reader_t *r, arena_t *ar, kgc_offsets_t *d, int commit)
{
	/* A partition's smallest size: a fetch's is its index; a commit's
	 * adds offset, timestamp (v1), leader epoch (v6+) and a null
	 * metadata string. */
	size_t pmin = commit ? 4 + 8 + (v == 1 ? 8 : 0) + (v >= 6 ? 4 : 0) + 2 : 4;
	int32_t nt = kwr_array(r, 6, !commit && v >= 2);
	size_t cap = 0;

	if (r->err)
		return -1;
	if (nt < 0) {
		d->all = 1;
		return 0;
	}
	for (int32_t t = 0; t < nt && !r->err; t++) {
		char *topic = kwr_str(r, ar, 0);
		int32_t np = kwr_array(r, pmin, 0);
		if (r->err)
			return -1;
		if ((size_t)d->n + (size_t)np > cap) {
			/* Doubling: a body of many topics costs its size, not
			 * its size squared. */
			size_t ncap = cap ? cap * 2 : 8;
			kgc_offset_t *no;
			while (ncap < (size_t)d->n + (size_t)np)
				ncap *= 2;
			if (!(no = arena_calloc(ar, ncap, sizeof(*no)))) {
				d->what = "out of memory";
				return -1;
			}
			if (d->n)
				memcpy(no, d->o, (size_t)d->n * sizeof(*no));
			d->o = no;
			cap = ncap;
		}
		for (int32_t p = 0; p < np && !r->err; p++) {
			kgc_offset_t *o = &d->o[d->n++];
			o->topic = topic;
			o->partition = kwr_i32(r);
			o->offset = -1;
			if (!commit)
				continue;
			o->offset = kwr_i64(r);
			if (v == 1)
				(void)kwr_i64(r); /* commit timestamp */
			if (v >= 6)
				(void)kwr_i32(r); /* committed leader epoch */
			(void)kwr_str(r, ar, 1);  /* metadata */
		}
	}
	return r->err ? -1 : 0;
}

int kgc_offset_commit(int16_t v, kw_reader_t *r, arena_t *ar, kgc_offsets_t *d)
{
	memset(d, 0, sizeof(*d));
	d->what = "OffsetCommit's topics and partitions";
	d->group = kwr_str(r, ar, 0);
	d->generation = -1;
	d->member_id = "";
	if (v >= 1) {
		d->generation = kwr_i32(r);
		d->member_id = kwr_str(r, ar, 0);
	}
	if (v >= 7)
		(void)kwr_str(r, ar, 1); /* group_instance_id */
	if (v >= 2 && v <= 4)
		(void)kwr_i64(r); /* retention_time_ms */
	if (!r->err && kgc_offsets_topics(v, r, ar, d, 1) != 0 && !r->err)
		return -1; /* out of memory */
	return kgc_done(r, &d->what, d->what);
}

int kgc_offset_fetch(int16_t v, kw_reader_t *r, arena_t *ar, kgc_offsets_t *d)
{
	memset(d, 0, sizeof(*d));
	d->what = "OffsetFetch's topics and partitions";
	d->group = kwr_str(r, ar, 0);
	d->generation = -1;
	d->member_id = "";
	if (!r->err && kgc_offsets_topics(v, r, ar, d, 0) != 0 && !r->err)
		return -1; /* out of memory */
	return kgc_done(r, &d->what, d->what);
}

int kgc_assignment(const uint8_t *buf, size_t len, arena_t *ar, kgc_assignment_t *a)
{
	kw_reader_t r;

	memset(a, 0, sizeof(*a));
	kwr_init(&r, buf, len);
	a->version = kwr_i16(&r);
	/* A topic is at least an empty name and an empty partition list. */
	a->n = kwr_array(&r, 6, 0);
	if (r.err)
		return -1;
	if (!(a->topics = arena_calloc(ar, (size_t)a->n + 1, sizeof(*a->topics))))
		return -1;
	for (int32_t t = 0; t < a->n && !r.err; t++) {
		kgc_assign_topic_t *at = &a->topics[t];
		const uint8_t *at_name = r.p;
		at->name = kwr_str(&r, ar, 0);
		at->name_len = r.err ? 0 : (int16_t)(r.p - at_name - 2);
		at->n = kwr_array(&r, 4, 0);
		if (r.err)
			break;
		if (!(at->partitions = arena_calloc(ar, (size_t)at->n + 1, sizeof(int32_t))))
			return -1;
		for (int32_t p = 0; p < at->n; p++)
			at->partitions[p] = kwr_i32(&r);
	}
	if (r.err)
		return -1;
	a->used = len - kwr_left(&r);
	return 0;
}
