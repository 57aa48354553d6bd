/*
 * fuzz_producer_snapshot — the producer-state snapshot parser
 * (src/storage/producer_snapshot.c, psnap_decode), which reads
 * "<offset>.snapshot" files from a partition directory at open.
 *
 * Whatever the bytes: psnap_decode returns 0 or -1 without reading outside
 * the input (an exact-size copy, so ASan sees any overread); on -1 the
 * state is empty; on 0 the producer ids are strictly increasing, every
 * entry holds at most PSTATE_RETAINED_BATCHES batches, the offset is >= 0,
 * and encoding the state again at that offset gives back the input byte
 * for byte (the format has one encoding per state).
 *
 * FUZZ_OPTIONS: -max_len=4096
 * FUZZ_SOURCES: src/storage/producer_snapshot.c src/storage/producer_state.c
 */
#include <stdlib.h>
#include <string.h>

#include "storage/producer_snapshot.h"
#include "storage/producer_state.h"
#include "support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	producer_state_t ps;
	int64_t offset = -1;
	char errstr[256];
	uint8_t *copy = fuzz_memdup(data, size);

	fuzz_init();
	pstate_init(&ps);
	int r = psnap_decode(copy, size, &ps, &offset, errstr, sizeof(errstr));
	FUZZ_CHECK(r == 0 || r == -1, "psnap_decode returned %d", r);
	if (r < 0) {
		FUZZ_CHECK(ps.cnt == 0, "a refused snapshot left %zu producers", ps.cnt);
	} else {
		uint8_t *again = NULL;
		size_t len = 0;
		FUZZ_CHECK(offset >= 0, "offset %lld", (long long)offset);
		for (size_t i = 0; i < ps.cnt; i++) {
			FUZZ_CHECK(ps.entries[i].producer_id >= 0, "negative producer id");
			FUZZ_CHECK(i == 0 ||
			               ps.entries[i - 1].producer_id < ps.entries[i].producer_id,
			           "producer ids out of order at %zu", i);
			FUZZ_CHECK(ps.entries[i].batch_cnt >= 0 &&
			               ps.entries[i].batch_cnt <= PSTATE_RETAINED_BATCHES,
			           "batch count %d", (int)ps.entries[i].batch_cnt);
		}
		FUZZ_CHECK(psnap_encode(&ps, offset, &again, &len) == 0, "encode failed");
		FUZZ_CHECK(len == size && memcmp(again, copy, size) == 0,
		           "re-encoding gives %zu bytes for %zu", len, size);
		free(again);
	}
	pstate_destroy(&ps);
	free(copy);
	return 0;
}
