/*
 * fuzz_pid_block — the decoder of /latest_producer_id_block
 * (src/common/pid_block.c) over arbitrary bytes, and the round trip of what
 * decodes: what it accepts keeps its invariants (broker >= 0,
 * 0 <= block_start <= block_end), every refusal has a message and a zeroed
 * block, and decode, encode, decode, encode gives equal blocks and
 * identical encodings.
 *
 * FUZZ_OPTIONS: -max_len=4096
 * FUZZ_SOURCES: src/common/pid_block.c
 */
#include <stdlib.h>
#include <string.h>

#include "common/pid_block.h"
#include "support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errstr[512];
	pid_block_t blk, blk2;
	char *copy, *e1, *e2;

	fuzz_init();
	copy = (char *)fuzz_memdup(data, size);
	errstr[0] = '\0';
	if (pid_block_decode(copy, size, &blk, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		FUZZ_CHECK(blk.broker == 0 && blk.block_start == 0 && blk.block_end == 0,
		           "a refused block is not zeroed");
		free(copy);
		return 0;
	}
	FUZZ_CHECK(blk.broker >= 0 && blk.block_start >= 0 && blk.block_start <= blk.block_end,
	           "accepted broker %d block %lld..%lld", (int)blk.broker,
	           (long long)blk.block_start, (long long)blk.block_end);
	e1 = pid_block_encode(&blk);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_CHECK(pid_block_decode(e1, strlen(e1), &blk2, errstr, sizeof(errstr)) == 0,
	           "our own encoding is refused: %s (%s)", errstr, e1);
	FUZZ_CHECK(blk.broker == blk2.broker && blk.block_start == blk2.block_start &&
	               blk.block_end == blk2.block_end,
	           "block changed: %s", e1);
	e2 = pid_block_encode(&blk2);
	FUZZ_CHECK(e2 && strcmp(e1, e2) == 0, "encodings differ:\n  %s\n  %s", e1,
	           e2 ? e2 : "(null)");
	free(e1);
	free(e2);
	free(copy);
	return 0;
}
