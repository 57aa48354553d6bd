/*
 * fuzz_storage_faults — the fault-rule parser of src/storage/storage_io.c
 * (the text of FJORD_FAULT_FILE, docs/testing.md "Disk faults").
 *
 * A test file, but a parser all the same: it must never read past its
 * input (the text is not NUL-terminated), and every rule it accepts must be
 * well formed: a known errno, a non-empty operation mask within
 * SIO_OP_ALL, an absolute NUL-terminated prefix without a trailing slash
 * (except "/" itself). A rule it accepts, armed, must match its own prefix
 * and a path below it, and not a sibling that only shares the prefix's
 * characters.
 *
 * FUZZ_OPTIONS: -max_len=4096
 * FUZZ_SOURCES: src/storage/storage_io.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/storage_io.h"
#include "support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sio_fault_rule_t rules[SIO_FAULT_MAX];
	char errstr[256] = "", path[SIO_FAULT_PREFIX_MAX + 16];
	uint8_t *copy;
	int n;

	fuzz_init();
	copy = fuzz_memdup(data, size);
	n = sio_fault_parse((const char *)copy, size, rules, SIO_FAULT_MAX, errstr, sizeof(errstr));
	free(copy);
	if (n < 0) {
		FUZZ_CHECK(errstr[0] != '\0', "refused without a message");
		return 0;
	}
	FUZZ_CHECK(n <= SIO_FAULT_MAX, "%d rules", n);
	for (int i = 0; i < n; i++) {
		const sio_fault_rule_t *r = &rules[i];
		size_t len = strnlen(r->prefix, sizeof(r->prefix));
		FUZZ_CHECK(r->err == EIO || r->err == ENOSPC || r->err == EROFS || r->err == EDQUOT,
		           "rule %d: errno %d", i, r->err);
		FUZZ_CHECK(r->ops != 0 && (r->ops & ~SIO_OP_ALL) == 0, "rule %d: ops %#x", i,
		           r->ops);
		FUZZ_CHECK(len < sizeof(r->prefix), "rule %d: prefix not terminated", i);
		FUZZ_CHECK(len >= 1 && r->prefix[0] == '/', "rule %d: prefix not absolute", i);
		FUZZ_CHECK(len == 1 || r->prefix[len - 1] != '/', "rule %d: trailing slash", i);
		FUZZ_CHECK(memchr(r->prefix, '\n', len) == NULL, "rule %d: a newline in the prefix",
		           i);

		/* Armed alone, it matches itself and what lies below it. */
		sio_fault_set(r, 1);
		int op = r->ops & -r->ops; /* its lowest operation */
		FUZZ_CHECK(sio_fault_check(op, r->prefix) == -r->err, "rule %d: misses its prefix",
		           i);
		snprintf(path, sizeof(path), "%s/x.log", len == 1 ? "" : r->prefix);
		FUZZ_CHECK(sio_fault_check(op, path) == -r->err, "rule %d: misses %s", i, path);
		if (len > 1) {
			snprintf(path, sizeof(path), "%sx", r->prefix);
			FUZZ_CHECK(sio_fault_check(op, path) == 0,
			           "rule %d: matches the sibling %s", i, path);
		}
	}
	sio_fault_set(NULL, 0);
	return 0;
}
