/*
 * producer_state.c — the idempotent producers of one partition log: the
 * leader's sequence and epoch checks, and learning stored batches (see
 * producer_state.h for the contract, docs/storage.md "Producer state").
 *
 * A sorted array keyed by producer id: lookups are a binary search, an
 * insert or an expiry moves the tail. Producers are few per partition
 * compared with batches, and the array holds one fixed-size entry per
 * producer, so memory never grows with the data. Event-loop thread only.
 */
#include "storage/producer_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/record_batch.h"

void pstate_init(producer_state_t *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void pstate_clear(producer_state_t *ps)
{
	ps->cnt = 0;
}

void pstate_destroy(producer_state_t *ps)
{
	free(ps->entries);
	memset(ps, 0, sizeof(*ps));
}

/* Index of producer_id's entry, or of where it would go (with *found 0). */
static size_t pstate_search(const producer_state_t *ps, int64_t producer_id, int *found)
{
	size_t lo = 0, hi = ps->cnt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ps->entries[mid].producer_id < producer_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < ps->cnt && ps->entries[lo].producer_id == producer_id;
	return lo;
}

const pstate_entry_t *pstate_find(const producer_state_t *ps, int64_t producer_id)
{
	int found;
	size_t i = pstate_search(ps, producer_id, &found);
	return found ? &ps->entries[i] : NULL;
}

/* The sequence after seq: sequences wrap from INT32_MAX to 0. */
static int32_t pstate_next_seq(int32_t seq)
{
	return seq == INT32_MAX ? 0 : seq + 1;
}

fjord_err_t pstate_check(const producer_state_t *ps, const pstate_append_t *a,
                         const pstate_batch_t **dupp, char *errstr, size_t errstr_size)
{
	const pstate_entry_t *e = pstate_find(ps, a->producer_id);

	*dupp = NULL;
	if (a->epoch < 0 || a->first_seq < 0) {
		snprintf(errstr, errstr_size,
		         "idempotent batch of producer %" PRId64 " with epoch %d and baseSequence "
		         "%" PRId32 ": both must be >= 0",
		         a->producer_id, (int)a->epoch, a->first_seq);
		return FJORD_ERR_INVALID_RECORD;
	}
	if (!e) {
		if (a->first_seq == 0)
			return FJORD_ERR_NO_ERROR;
		snprintf(errstr, errstr_size,
		         "producer %" PRId64 " is unknown to this partition (no state, or it "
		         "expired) and its batch starts at sequence %" PRId32 ", not 0",
		         a->producer_id, a->first_seq);
		return FJORD_ERR_UNKNOWN_PRODUCER_ID;
	}
	if (a->epoch < e->epoch) {
		snprintf(errstr, errstr_size,
		         "producer %" PRId64 " epoch %d is older than the current epoch %d",
		         a->producer_id, (int)a->epoch, (int)e->epoch);
		return FJORD_ERR_INVALID_PRODUCER_EPOCH;
	}
	if (a->epoch > e->epoch) {
		if (a->first_seq == 0)
			return FJORD_ERR_NO_ERROR;
		snprintf(errstr, errstr_size,
		         "producer %" PRId64 " new epoch %d must start at sequence 0, not "
		         "%" PRId32,
		         a->producer_id, (int)a->epoch, a->first_seq);
		return FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
	}
	for (int32_t i = 0; i < e->batch_cnt; i++) {
		const pstate_batch_t *b = &e->batches[i];
		if (b->first_seq == a->first_seq && b->last_seq == a->last_seq) {
			*dupp = b;
			return FJORD_ERR_NO_ERROR;
		}
	}
	if (e->batch_cnt == 0) /* an entry exists only with a batch; be safe */
		return a->first_seq == 0 ? FJORD_ERR_NO_ERROR : FJORD_ERR_UNKNOWN_PRODUCER_ID;
	int32_t want = pstate_next_seq(e->batches[e->batch_cnt - 1].last_seq);
	if (a->first_seq != want) {
		snprintf(errstr, errstr_size,
		         "producer %" PRId64 " epoch %d: batch starts at sequence %" PRId32
		         ", expected %" PRId32,
		         a->producer_id, (int)a->epoch, a->first_seq, want);
		return FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
	}
	return FJORD_ERR_NO_ERROR;
}

void pstate_set_max(producer_state_t *ps, size_t max)
{
	ps->max_cnt = max;
}

/* Room for one more entry: 0 or -ENOMEM. */
static int pstate_reserve(producer_state_t *ps)
{
	size_t cap;
	pstate_entry_t *ne;

	if (ps->cnt < ps->cap)
		return 0;
	cap = ps->cap ? ps->cap * 2 : 8;
	ne = realloc(ps->entries, cap * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	ps->entries = ne;
	ps->cap = cap;
	return 0;
}

/* Drops the producer whose last batch lies lowest in the log. */
static void pstate_evict_one(producer_state_t *ps)
{
	size_t victim = 0;
	int64_t lowest = INT64_MAX;

	for (size_t j = 0; j < ps->cnt; j++) {
		const pstate_entry_t *e = &ps->entries[j];
		int64_t last = e->batch_cnt ? e->batches[e->batch_cnt - 1].last_offset : -1;
		if (last < lowest) {
			lowest = last;
			victim = j;
		}
	}
	memmove(&ps->entries[victim], &ps->entries[victim + 1],
	        (ps->cnt - victim - 1) * sizeof(ps->entries[0]));
	ps->cnt--;
	ps->evicted++;
}

int pstate_update(producer_state_t *ps, const pstate_append_t *a, int64_t first_offset,
                  int64_t last_offset, int64_t timestamp_ms)
{
	int found;
	size_t i = pstate_search(ps, a->producer_id, &found);
	pstate_entry_t *e;

	if (!found) {
		if (pstate_reserve(ps) < 0)
			return -ENOMEM;
		if (ps->max_cnt && ps->cnt >= ps->max_cnt) {
			while (ps->cnt >= ps->max_cnt)
				pstate_evict_one(ps);
			i = pstate_search(ps, a->producer_id, &found);
		}
		memmove(&ps->entries[i + 1], &ps->entries[i],
		        (ps->cnt - i) * sizeof(ps->entries[0]));
		ps->cnt++;
		e = &ps->entries[i];
		memset(e, 0, sizeof(*e));
		e->producer_id = a->producer_id;
		e->epoch = a->epoch;
	}
	e = &ps->entries[i];
	if (e->epoch != a->epoch) {
		e->epoch = a->epoch;
		e->batch_cnt = 0;
	}
	if (e->batch_cnt == PSTATE_RETAINED_BATCHES) {
		memmove(&e->batches[0], &e->batches[1],
		        (PSTATE_RETAINED_BATCHES - 1) * sizeof(e->batches[0]));
		e->batch_cnt--;
	}
	e->batches[e->batch_cnt++] = (pstate_batch_t){ .first_seq = a->first_seq,
		                                       .last_seq = a->last_seq,
		                                       .first_offset = first_offset,
		                                       .last_offset = last_offset };
	e->last_timestamp = timestamp_ms;
	return 0;
}

int pstate_update_from_header(producer_state_t *ps, const uint8_t *hdr, int64_t now_ms)
{
	pstate_append_t a;
	int64_t ts = rb_max_timestamp(hdr);

	a.producer_id = rb_producer_id(hdr);
	if (a.producer_id < 0)
		return 0;
	a.epoch = rb_producer_epoch(hdr);
	a.first_seq = rb_base_sequence(hdr);
	a.last_seq = rb_last_sequence(hdr);
	return pstate_update(ps, &a, rb_base_offset(hdr), rb_last_offset(hdr),
	                     ts >= 0 ? ts : now_ms);
}

int pstate_load_entry(producer_state_t *ps, const pstate_entry_t *e)
{
	if (e->batch_cnt < 0 || e->batch_cnt > PSTATE_RETAINED_BATCHES ||
	    (ps->cnt > 0 && ps->entries[ps->cnt - 1].producer_id >= e->producer_id))
		return -EINVAL;
	if (pstate_reserve(ps) < 0)
		return -ENOMEM;
	ps->entries[ps->cnt++] = *e;
	return 0;
}

size_t pstate_expire(producer_state_t *ps, int64_t now_ms, int64_t expiration_ms)
{
	size_t kept = 0, gone;
	for (size_t i = 0; i < ps->cnt; i++) {
		if (now_ms - ps->entries[i].last_timestamp > expiration_ms)
			continue;
		if (kept != i)
			ps->entries[kept] = ps->entries[i];
		kept++;
	}
	gone = ps->cnt - kept;
	ps->cnt = kept;
	return gone;
}
