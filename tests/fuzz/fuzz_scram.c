/*
 * fuzz_scram — the SCRAM message parsers and Kafka's credential text
 * (src/common/scram.c) and the /config/users/<user> codec
 * (src/common/zkjson_user.c) and the PLAIN message (src/common/sasl.c) over
 * arbitrary bytes. Every parser must refuse
 * with a message or accept values inside their bounds; a users znode that
 * decodes must encode and decode to the same bytes.
 *
 * The first input byte names the kind: 'c' client-first, 's' server-first,
 * 'f' client-final, 'v' server-final, 'k' credential text, 'u' users znode, 'p' PLAIN
 * (another byte picks one by its value).
 *
 * FUZZ_OPTIONS: -max_len=4096
 * FUZZ_SOURCES: src/common/scram.c src/common/zkjson_user.c src/common/sasl.c
 */
#include <stdlib.h>
#include <string.h>

#include "common/sasl.h"
#include "common/scram.h"
#include "common/zkjson_user.h"
#include "support.h"

#define ERRSZ 512

static void fuzz_client_first(const char *buf, size_t len)
{
	scram_client_first_t cf;
	char errstr[ERRSZ] = "";

	if (scram_parse_client_first(buf, len, &cf, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(cf.user[0] && strlen(cf.user) <= SCRAM_NAME_MAX, "bad user");
	FUZZ_CHECK(cf.nonce[0] && strlen(cf.nonce) <= SCRAM_NONCE_MAX, "bad nonce");
	FUZZ_CHECK(cf.bare_off >= 3 && cf.bare_off < len, "bare offset %zu of %zu", cf.bare_off,
	           len);
}

static void fuzz_server_first(const char *buf, size_t len)
{
	scram_server_first_t sf;
	char errstr[ERRSZ] = "";

	if (scram_parse_server_first(buf, len, &sf, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(sf.iterations >= SCRAM_ITER_MIN && sf.iterations <= SCRAM_ITER_MAX,
	           "iterations %d", sf.iterations);
	FUZZ_CHECK(sf.salt_len > 0 && sf.salt_len <= SCRAM_SALT_MAX, "salt %zu", sf.salt_len);
}

static void fuzz_client_final(const char *buf, size_t len)
{
	scram_client_final_t cf;
	char errstr[ERRSZ] = "";

	if (scram_parse_client_final(buf, len, &cf, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(cf.without_proof_len < len, "without-proof %zu of %zu", cf.without_proof_len,
	           len);
	FUZZ_CHECK(cf.proof_len > 0 && cf.proof_len <= SCRAM_KEY_MAX, "proof %zu", cf.proof_len);
}

static void fuzz_server_final(const char *buf, size_t len)
{
	scram_server_final_t sf;
	char errstr[ERRSZ] = "";

	if (scram_parse_server_final(buf, len, &sf, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(sf.error[0] || (sf.signature_len > 0 && sf.signature_len <= SCRAM_KEY_MAX),
	           "neither error nor signature");
}

static void fuzz_cred(const char *buf, size_t len)
{
	scram_cred_t c, c2;
	char errstr[ERRSZ] = "", text[SCRAM_MSG_MAX];
	int w;

	for (int m = 0; m < SCRAM_MECH_CNT; m++) {
		if (scram_cred_parse((scram_mech_t)m, buf, len, &c, errstr, sizeof(errstr)) < 0) {
			FUZZ_CHECK(errstr[0], "refused without a message");
			continue;
		}
		w = scram_cred_format((scram_mech_t)m, &c, text, sizeof(text));
		FUZZ_CHECK(w > 0, "format failed");
		FUZZ_CHECK(scram_cred_parse((scram_mech_t)m, text, (size_t)w, &c2, errstr,
		                            sizeof(errstr)) == 0,
		           "our own text is refused: %s", errstr);
		FUZZ_CHECK(memcmp(&c, &c2, sizeof(c)) == 0, "credential changed: %s", text);
	}
}

static void fuzz_user(const char *buf, size_t len)
{
	zkjson_user_t u, u2;
	char errstr[ERRSZ] = "";
	char *e1, *e2;

	if (zkjson_user_decode(buf, len, &u, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	e1 = zkjson_user_encode(&u);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_CHECK(zkjson_user_decode(e1, strlen(e1), &u2, errstr, sizeof(errstr)) == 0,
	           "our own encoding is refused: %s", errstr);
	e2 = zkjson_user_encode(&u2);
	FUZZ_CHECK(e2 && strcmp(e1, e2) == 0, "encodings differ:\n  %s\n  %s", e1, e2 ? e2 : "");
	free(e1);
	free(e2);
}

static void fuzz_plain(const char *buf, size_t len)
{
	char user[SASL_PLAIN_FIELD_MAX + 1], pw[SASL_PLAIN_FIELD_MAX + 1];
	char errstr[ERRSZ] = "";
	uint8_t again[SASL_PLAIN_MAX];
	int w;

	if (sasl_plain_parse((const uint8_t *)buf, len, user, pw, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(user[0] && pw[0], "empty user or password accepted");
	w = sasl_plain_build(user, pw, again, sizeof(again));
	FUZZ_CHECK(w > 0, "an accepted message does not build again");
}

static const struct {
	char tag;
	void (*fn)(const char *buf, size_t len);
} fuzz_kinds[] = {
	{ 'c', fuzz_client_first }, { 's', fuzz_server_first }, { 'f', fuzz_client_final },
	{ 'v', fuzz_server_final }, { 'k', fuzz_cred },         { 'u', fuzz_user },
	{ 'p', fuzz_plain },
};
#define FUZZ_KIND_CNT (sizeof(fuzz_kinds) / sizeof(fuzz_kinds[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k;

	fuzz_init();
	if (size == 0)
		return 0;
	for (k = 0; k < FUZZ_KIND_CNT && fuzz_kinds[k].tag != (char)data[0]; k++)
		;
	if (k == FUZZ_KIND_CNT)
		k = data[0] % FUZZ_KIND_CNT;
	char *copy = (char *)fuzz_memdup(data + 1, size - 1);
	fuzz_kinds[k].fn(copy, size - 1);
	free(copy);
	return 0;
}
