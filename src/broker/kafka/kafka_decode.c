/*
 * kafka_decode.c — the request header and the bodies of the translated
 * APIs, Kafka's layouts read into fjord's request structures
 * (kafka_codec.h). Layouts, per API (non-flexible versions):
 *
 *   Metadata v0-4       topics (v0: [] = all; v1+: null = all),
 *                       allow_auto_topic_creation (v4; before: allowed)
 *   Produce v0-7        transactional_id (v3+), acks, timeout_ms,
 *                       topics [name, partitions [index, records]]
 *   Fetch v4-11         replica_id, max_wait_ms, min_bytes, max_bytes,
 *                       isolation_level, session_id + epoch (v7+), topics
 *                       [name, partitions [index, current_leader_epoch
 *                       (v9+), fetch_offset, log_start_offset (v5+),
 *                       partition_max_bytes]], forgotten topics (v7+),
 *                       rack_id (v11)
 *   ListOffsets v1-2    replica_id, isolation_level (v2), topics [name,
 *                       partitions [index, timestamp]]
 *   CreateTopics v0-4   topics [name, num_partitions, replication_factor
 *                       (int16), assignments [index, broker_ids], configs
 *                       [name, value]], timeout_ms, validate_only (v1+)
 *   DeleteTopics v0-1   topics, timeout_ms
 *   InitProducerId v0-1 transactional_id, transaction_timeout_ms
 *   CreatePartitions v0-1  topics [name, count, assignments (nullable)
 *                       [broker_ids]], timeout_ms, validate_only (native:
 *                       kdec_create_partitions, its own structures)
 *
 * Every array's count is bounded by the bytes left (kwire.h), so no count
 * sizes an allocation the frame could not describe.
 *
 * Thread: any.
 */
#include "config.h"

#include <string.h>

#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"

int kdec_header(kw_reader_t *r, arena_t *ar, kafka_header_t *h)
{
	h->api_key = kwr_i16(r);
	h->api_version = kwr_i16(r);
	h->correlation_id = kwr_i32(r);
	h->client_id = kwr_str(r, ar, 1);
	return r->err ? -1 : 0;
}

/* n zeroed pointers (none for n <= 0); -1 out of memory. */
static int kdec_ptrs(arena_t *ar, int32_t n, void *pp)
{
	void **out = pp;

	*out = NULL;
	if (n <= 0)
		return 0;
	*out = arena_calloc(ar, (size_t)n, sizeof(void *));
	return *out ? 0 : -1;
}

static int kdec_metadata(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	Fjord__MetadataRequest *mr = &d->u.metadata;
	int32_t n = kwr_array(r, 2, v >= 1), i;

	fjord__metadata_request__init(mr);
	if (kdec_ptrs(ar, n, &mr->topics) != 0)
		return -1;
	for (i = 0; i < n && !r->err; i++)
		mr->topics[i] = kwr_str(r, ar, 0);
	mr->n_topics = n > 0 ? (size_t)n : 0;
	d->allow_create = v >= 4 ? kwr_i8(r) != 0 : 1;
	mr->all_topics = n < 0 || (v == 0 && n == 0);
	d->req.body_case = FJORD__REQUEST__BODY_METADATA;
	d->req.metadata = mr;
	d->what = "topics";
	return 0;
}

static int kdec_produce(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	static uint8_t empty[1];
	Fjord__ProduceRequest *pr = &d->u.produce;
	uint8_t ***trec = NULL; /* per topic, its partitions' bytes */
	size_t nrec = 0, k = 0;
	int32_t nt, np, i, j;

	fjord__produce_request__init(pr);
	d->what = "topics and partitions";
	if (v >= 3)
		d->txn = kwr_str(r, ar, 1);
	pr->acks = kwr_i16(r);
	pr->timeout_ms = kwr_i32(r);
	nt = kwr_array(r, 6, 0);
	if (kdec_ptrs(ar, nt, &pr->topics) != 0 || kdec_ptrs(ar, nt, &trec) != 0)
		return -1;
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__ProduceTopicData *td = arena_alloc(ar, sizeof(*td));
		if (!td)
			return -1;
		fjord__produce_topic_data__init(td);
		pr->topics[i] = td;
		td->topic = kwr_str(r, ar, 0);
		np = kwr_array(r, 8, 0);
		if (kdec_ptrs(ar, np, &td->partitions) != 0 || kdec_ptrs(ar, np, &trec[i]) != 0)
			return -1;
		for (j = 0; j < np && !r->err; j++) {
			Fjord__ProducePartitionData *pd = arena_alloc(ar, sizeof(*pd));
			const uint8_t *bytes;
			int32_t len;
			if (!pd)
				return -1;
			fjord__produce_partition_data__init(pd);
			td->partitions[j] = pd;
			pd->partition = kwr_i32(r);
			bytes = kwr_bytes(r, &len, 1);
			pd->records_len = len > 0 ? (uint32_t)len : 0;
			trec[i][j] = len > 0 && bytes ? (uint8_t *)bytes : empty;
		}
		td->n_partitions = np > 0 ? (size_t)np : 0;
		nrec += td->n_partitions;
	}
	pr->n_topics = nt > 0 ? (size_t)nt : 0;
	if (r->err)
		return 0; /* kdec_request sees it */
	if (!(d->records = arena_calloc(ar, nrec + 1, sizeof(*d->records))))
		return -1;
	for (i = 0; i < nt; i++)
		for (j = 0; j < (int32_t)pr->topics[i]->n_partitions; j++)
			d->records[k++] = trec[i][j];
	d->req.body_case = FJORD__REQUEST__BODY_PRODUCE;
	d->req.produce = pr;
	return 0;
}

static int kdec_fetch(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	Fjord__FetchRequest *fr = &d->u.fetch;
	int32_t nt, np, i, j;

	fjord__fetch_request__init(fr);
	d->what = "topics and partitions";
	fr->replica_id = kwr_i32(r);
	fr->max_wait_ms = kwr_i32(r);
	fr->min_bytes = kwr_i32(r);
	fr->max_bytes = kwr_i32(r);
	(void)kwr_i8(r); /* isolation_level: both read to the HW */
	if (v >= 7) {
		d->session_id = kwr_i32(r);
		(void)kwr_i32(r); /* session_epoch */
	}
	nt = kwr_array(r, 6, 0);
	if (kdec_ptrs(ar, nt, &fr->topics) != 0)
		return -1;
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__FetchTopic *ft = arena_alloc(ar, sizeof(*ft));
		if (!ft)
			return -1;
		fjord__fetch_topic__init(ft);
		fr->topics[i] = ft;
		ft->topic = kwr_str(r, ar, 0);
		np = kwr_array(r, 16, 0);
		if (kdec_ptrs(ar, np, &ft->partitions) != 0)
			return -1;
		for (j = 0; j < np && !r->err; j++) {
			Fjord__FetchPartition *fp = arena_alloc(ar, sizeof(*fp));
			if (!fp)
				return -1;
			fjord__fetch_partition__init(fp);
			ft->partitions[j] = fp;
			fp->partition = kwr_i32(r);
			fp->current_leader_epoch = v >= 9 ? kwr_i32(r) : -1;
			fp->fetch_offset = kwr_i64(r);
			fp->log_start_offset = v >= 5 ? kwr_i64(r) : -1;
			fp->partition_max_bytes = kwr_i32(r);
		}
		ft->n_partitions = np > 0 ? (size_t)np : 0;
	}
	fr->n_topics = nt > 0 ? (size_t)nt : 0;
	if (v >= 7) {
		int32_t nf = kwr_array(r, 6, 0);
		for (i = 0; i < nf && !r->err; i++) {
			(void)kwr_str(r, ar, 0);
			np = kwr_array(r, 4, 0);
			kwr_skip(r, (size_t)(np > 0 ? np : 0) * 4);
		}
	}
	if (v >= 11)
		(void)kwr_str(r, ar, 1); /* rack_id: no rack-aware reads */
	d->req.body_case = FJORD__REQUEST__BODY_FETCH;
	d->req.fetch = fr;
	return 0;
}

static int kdec_list_offsets(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	Fjord__ListOffsetsRequest *lr = &d->u.list_offsets;
	int32_t nt, np, i, j;

	fjord__list_offsets_request__init(lr);
	d->what = "topics and partitions";
	lr->replica_id = kwr_i32(r);
	if (v >= 2)
		(void)kwr_i8(r); /* isolation_level */
	nt = kwr_array(r, 6, 0);
	if (kdec_ptrs(ar, nt, &lr->topics) != 0)
		return -1;
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__ListOffsetsTopic *t = arena_alloc(ar, sizeof(*t));
		if (!t)
			return -1;
		fjord__list_offsets_topic__init(t);
		lr->topics[i] = t;
		t->topic = kwr_str(r, ar, 0);
		np = kwr_array(r, 12, 0);
		if (kdec_ptrs(ar, np, &t->partitions) != 0)
			return -1;
		for (j = 0; j < np && !r->err; j++) {
			Fjord__ListOffsetsPartition *p = arena_alloc(ar, sizeof(*p));
			if (!p)
				return -1;
			fjord__list_offsets_partition__init(p);
			t->partitions[j] = p;
			p->partition = kwr_i32(r);
			p->timestamp = kwr_i64(r);
			p->current_leader_epoch = -1;
		}
		t->n_partitions = np > 0 ? (size_t)np : 0;
	}
	lr->n_topics = nt > 0 ? (size_t)nt : 0;
	d->req.body_case = FJORD__REQUEST__BODY_LIST_OFFSETS;
	d->req.list_offsets = lr;
	return 0;
}

static int kdec_create_topics(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	Fjord__CreateTopicsRequest *cr = &d->u.create_topics;
	int32_t nt, i, k, n;

	fjord__create_topics_request__init(cr);
	d->what = "topics";
	nt = kwr_array(r, 16, 0);
	if (kdec_ptrs(ar, nt, &cr->topics) != 0)
		return -1;
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__CreatableTopic *t = arena_alloc(ar, sizeof(*t));
		if (!t)
			return -1;
		fjord__creatable_topic__init(t);
		cr->topics[i] = t;
		t->name = kwr_str(r, ar, 0);
		t->num_partitions = kwr_i32(r);
		t->replication_factor = kwr_i16(r);
		n = kwr_array(r, 8, 0);
		d->manual |= n > 0;
		for (k = 0; k < n && !r->err; k++) {
			int32_t nb;
			(void)kwr_i32(r);
			nb = kwr_array(r, 4, 0);
			kwr_skip(r, (size_t)(nb > 0 ? nb : 0) * 4);
		}
		n = kwr_array(r, 4, 0);
		if (kdec_ptrs(ar, n, &t->configs) != 0)
			return -1;
		for (k = 0; k < n && !r->err; k++) {
			Fjord__CreatableTopicConfig *cc = arena_alloc(ar, sizeof(*cc));
			if (!cc)
				return -1;
			fjord__creatable_topic_config__init(cc);
			t->configs[k] = cc;
			cc->name = kwr_str(r, ar, 0);
			cc->value = kwr_str(r, ar, 1);
			if (!cc->value)
				cc->value = (char *)"";
		}
		t->n_configs = n > 0 ? (size_t)n : 0;
	}
	cr->n_topics = nt > 0 ? (size_t)nt : 0;
	(void)kwr_i32(r); /* timeout_ms: answered once ZooKeeper holds it */
	if (v >= 1)
		d->validate_only = kwr_i8(r) != 0;
	d->req.body_case = FJORD__REQUEST__BODY_CREATE_TOPICS;
	d->req.create_topics = cr;
	return 0;
}

static int kdec_delete_topics(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	Fjord__DeleteTopicsRequest *dr = &d->u.delete_topics;
	int32_t n = kwr_array(r, 2, 0), i;

	(void)v;
	fjord__delete_topics_request__init(dr);
	d->what = "topics";
	if (kdec_ptrs(ar, n, &dr->topics) != 0)
		return -1;
	for (i = 0; i < n && !r->err; i++)
		dr->topics[i] = kwr_str(r, ar, 0);
	dr->n_topics = n > 0 ? (size_t)n : 0;
	(void)kwr_i32(r); /* timeout_ms */
	d->req.body_case = FJORD__REQUEST__BODY_DELETE_TOPICS;
	d->req.delete_topics = dr;
	return 0;
}

static int kdec_init_producer_id(kw_reader_t *r, int16_t v, arena_t *ar, kdec_t *d)
{
	Fjord__InitProducerIdRequest *ir = &d->u.init_producer_id;

	(void)v;
	fjord__init_producer_id_request__init(ir);
	d->what = "transactional id";
	d->txn = kwr_str(r, ar, 1);
	(void)kwr_i32(r); /* transaction_timeout_ms */
	ir->producer_id = -1;
	ir->producer_epoch = -1;
	d->req.body_case = FJORD__REQUEST__BODY_INIT_PRODUCER_ID;
	d->req.init_producer_id = ir;
	return 0;
}

int kdec_request(int16_t api, int16_t v, kw_reader_t *r, arena_t *ar, kdec_t *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	fjord__request__init(&d->req);
	switch (api) {
	case KAFKA_METADATA:
		rc = kdec_metadata(r, v, ar, d);
		break;
	case KAFKA_PRODUCE:
		rc = kdec_produce(r, v, ar, d);
		break;
	case KAFKA_FETCH:
		rc = kdec_fetch(r, v, ar, d);
		break;
	case KAFKA_LIST_OFFSETS:
		rc = kdec_list_offsets(r, v, ar, d);
		break;
	case KAFKA_CREATE_TOPICS:
		rc = kdec_create_topics(r, v, ar, d);
		break;
	case KAFKA_DELETE_TOPICS:
		rc = kdec_delete_topics(r, v, ar, d);
		break;
	case KAFKA_INIT_PRODUCER_ID:
		rc = kdec_init_producer_id(r, v, ar, d);
		break;
	default:
		d->what = "not a translated api";
		return -1;
	}
	if (rc != 0) {
		d->what = "out of memory";
		return -1;
	}
	return r->err || kwr_left(r) != 0 ? -1 : 0;
}

int kdec_create_partitions(int16_t v, kw_reader_t *r, arena_t *ar, kdec_create_partitions_t *d)
{
	int32_t nt, i, k, n;

	(void)v; /* v1 only changed how throttling is reported */
	memset(d, 0, sizeof(*d));
	d->what = "topics";
	/* name (2) + count (4) + assignments (4) at least. */
	nt = kwr_array(r, 10, 0);
	if (nt > 0 && !(d->topics = arena_calloc(ar, (size_t)nt, sizeof(*d->topics)))) {
		d->what = "out of memory";
		return -1;
	}
	for (i = 0; i < nt && !r->err; i++) {
		kdec_cp_topic_t *t = &d->topics[i];
		t->name = kwr_str(r, ar, 0);
		t->count = kwr_i32(r);
		n = kwr_array(r, 4, 1);
		t->manual = n >= 0;
		for (k = 0; k < n && !r->err; k++) {
			int32_t nb = kwr_array(r, 4, 0);
			kwr_skip(r, (size_t)(nb > 0 ? nb : 0) * 4);
		}
	}
	d->n_topics = nt > 0 ? nt : 0;
	d->timeout_ms = kwr_i32(r);
	d->validate_only = kwr_i8(r) != 0;
	return r->err || kwr_left(r) != 0 ? -1 : 0;
}
