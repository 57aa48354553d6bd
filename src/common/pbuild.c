/*
 * pbuild.c — protobuf-c message arrays over an arena (pbuild.h).
 */
#include "common/pbuild.h"

#include <stdint.h>
#include <string.h>

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

/* The fields pbuild_answer reads and writes, found once per call. */
typedef struct pbuild_tp_fields {
	const ProtobufCFieldDescriptor *topic, *parts;
} pbuild_tp_fields_t;

static int pbuild_tp_fields(const ProtobufCMessageDescriptor *d, pbuild_tp_fields_t *f)
{
	f->topic = protobuf_c_message_descriptor_get_field_by_name(d, "topic");
	f->parts = protobuf_c_message_descriptor_get_field_by_name(d, "partitions");
	return f->topic && f->topic->type == PROTOBUF_C_TYPE_STRING && f->parts &&
	               f->parts->label == PROTOBUF_C_LABEL_REPEATED &&
	               f->parts->type == PROTOBUF_C_TYPE_MESSAGE
	           ? 0
	           : -1;
}

#define PBUILD_AT(msg, off, type) ((type *)((char *)(msg) + (off)))

void *pbuild_answer(arena_t *a, ProtobufCMessage *const *req_topics, size_t n_topics,
                    const ProtobufCMessageDescriptor *resp_topic_desc, pbuild_fill_fn *fill,
                    void *arg)
{
	pbuild_tp_fields_t qf, rf;
	const ProtobufCMessageDescriptor *rp_desc;
	const ProtobufCFieldDescriptor *r_part, *r_err, *q_part = NULL;
	ProtobufCMessage **topics;

	if (pbuild_tp_fields(resp_topic_desc, &rf) < 0)
		return NULL;
	rp_desc = rf.parts->descriptor;
	r_part = protobuf_c_message_descriptor_get_field_by_name(rp_desc, "partition");
	r_err = protobuf_c_message_descriptor_get_field_by_name(rp_desc, "error");
	if (!r_part || !r_err)
		return NULL;
	topics = pbuild_array(a, resp_topic_desc, n_topics);
	for (size_t i = 0; topics && i < n_topics; i++) {
		const ProtobufCMessage *qt = req_topics[i];
		ProtobufCMessage *rt = topics[i];
		if (i == 0 && pbuild_tp_fields(qt->descriptor, &qf) < 0)
			return NULL;
		const char *name = *PBUILD_AT(qt, qf.topic->offset, char *);
		size_t n = *PBUILD_AT(qt, qf.parts->quantifier_offset, size_t);
		ProtobufCMessage **qparts = *PBUILD_AT(qt, qf.parts->offset, ProtobufCMessage **);
		ProtobufCMessage **rparts = pbuild_array(a, rp_desc, n);
		if (!rparts)
			return NULL;
		*PBUILD_AT(rt, rf.topic->offset, const char *) = name;
		*PBUILD_AT(rt, rf.parts->offset, ProtobufCMessage **) = rparts;
		*PBUILD_AT(rt, rf.parts->quantifier_offset, size_t) = n;
		for (size_t j = 0; j < n; j++) {
			if (!q_part) {
				q_part = protobuf_c_message_descriptor_get_field_by_name(
				    qparts[j]->descriptor, "partition");
				if (!q_part)
					return NULL;
			}
			memcpy(PBUILD_AT(rparts[j], r_part->offset, int32_t),
			       PBUILD_AT(qparts[j], q_part->offset, int32_t), sizeof(int32_t));
			*PBUILD_AT(rparts[j], r_err->offset, int) =
			    fill(arg, name, qparts[j], rparts[j]);
		}
	}
	return topics;
}

void *pbuild_topics(arena_t *a, const ProtobufCMessageDescriptor *topic_desc, size_t n_topics,
                    size_t parts_per_topic)
{
	pbuild_tp_fields_t f;
	ProtobufCMessage **topics;

	if (pbuild_tp_fields(topic_desc, &f) < 0)
		return NULL;
	topics = pbuild_array(a, topic_desc, n_topics);
	for (size_t i = 0; topics && i < n_topics; i++) {
		ProtobufCMessage **parts = pbuild_array(a, f.parts->descriptor, parts_per_topic);
		if (!parts)
			return NULL;
		*PBUILD_AT(topics[i], f.parts->offset, ProtobufCMessage **) = parts;
		*PBUILD_AT(topics[i], f.parts->quantifier_offset, size_t) = parts_per_topic;
	}
	return topics;
}

void *pbuild_grouped(arena_t *a, const ProtobufCMessageDescriptor *topic_desc,
                     const char *const *names, size_t n, size_t *n_topicsp,
                     ProtobufCMessage **parts)
{
	pbuild_tp_fields_t f;
	ProtobufCMessage **topics;
	size_t nt = 0, i, j;

	*n_topicsp = 0;
	if (pbuild_tp_fields(topic_desc, &f) < 0)
		return NULL;
	for (i = 0; i < n; i++)
		nt += i == 0 || strcmp(names[i - 1], names[i]) != 0;
	topics = pbuild_array(a, topic_desc, nt);
	for (i = 0, nt = 0; topics && i < n; i = j, nt++) {
		for (j = i + 1; j < n && strcmp(names[j], names[i]) == 0; j++)
			;
		ProtobufCMessage **run = pbuild_array(a, f.parts->descriptor, j - i);
		if (!run)
			return NULL;
		memcpy(&parts[i], run, (j - i) * sizeof(*run));
		*PBUILD_AT(topics[nt], f.topic->offset, const char *) = names[i];
		*PBUILD_AT(topics[nt], f.parts->offset, ProtobufCMessage **) = run;
		*PBUILD_AT(topics[nt], f.parts->quantifier_offset, size_t) = j - i;
	}
	if (topics)
		*n_topicsp = nt;
	return topics;
}
