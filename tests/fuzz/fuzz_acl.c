/*
 * fuzz_acl — the decoder of a /kafka-acl/<Type>/<name> znode
 * (src/common/acl.c, acl_list_decode) over arbitrary bytes, the round trip
 * of what decodes (decode, encode, decode, encode: the lists equal, the
 * encodings identical), and the authorizer's decision over the decoded
 * list, which must never allow what a matching Deny forbids.
 *
 * FUZZ_OPTIONS: -max_len=16384
 * FUZZ_SOURCES: src/common/acl.c
 */
#include <stdlib.h>
#include <string.h>

#include "common/acl.h"
#include "support.h"

#define ERRSZ 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errstr[ERRSZ];
	acl_list_t l, l2;
	acl_set_t *s;
	char *copy, *e1, *e2;
	int i;

	fuzz_init();
	copy = (char *)fuzz_memdup(data, size);
	if (acl_list_decode(copy, size, &l, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!l.entries && l.cnt == 0 && errstr[0], "refused without a message");
		free(copy);
		return 0;
	}
	free(copy);
	e1 = acl_list_encode(&l);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_CHECK(acl_list_decode(e1, strlen(e1), &l2, errstr, sizeof(errstr)) == 0,
	           "our own encoding is refused: %s", errstr);
	FUZZ_CHECK(l.cnt == l2.cnt, "entry count changed: %s", e1);
	for (i = 0; i < l.cnt; i++)
		FUZZ_CHECK(!strcmp(l.entries[i].principal, l2.entries[i].principal) &&
		               !strcmp(l.entries[i].host, l2.entries[i].host) &&
		               l.entries[i].op == l2.entries[i].op &&
		               l.entries[i].deny == l2.entries[i].deny,
		           "entry %d changed: %s", i, e1);
	e2 = acl_list_encode(&l2);
	FUZZ_CHECK(e2 && !strcmp(e1, e2), "encodings differ:\n  %s\n  %s", e1, e2 ? e2 : "");
	free(e1);
	free(e2);
	acl_list_clear(&l2);

	/* Every Deny entry denies its own principal, host and operation. */
	s = acl_set_new();
	FUZZ_CHECK(s != NULL, "out of memory");
	acl_list_t keep = { 0, NULL };
	for (i = 0; i < l.cnt; i++)
		FUZZ_CHECK(acl_list_add(&keep, &l.entries[i]) == 1, "copy failed");
	FUZZ_CHECK(acl_set_put(s, ACL_RES_TOPIC, "t", &keep, NULL) == 0, "put failed");
	acl_set_finish(s);
	for (i = 0; i < l.cnt; i++) {
		const acl_entry_t *e = &l.entries[i];
		const char *host = strcmp(e->host, "*") ? e->host : "10.1.2.3";
		if (e->deny && !strchr(e->principal, '*'))
			FUZZ_CHECK(!acl_authorize(s, ACL_RES_TOPIC, "t", e->principal, host,
			                          e->op == ACL_OP_ALL ? ACL_OP_READ : e->op, 1),
			           "entry %d denies, yet the decision allows", i);
	}
	acl_set_free(s);
	acl_list_clear(&l);
	return 0;
}
