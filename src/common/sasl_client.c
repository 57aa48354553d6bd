/*
 * sasl_client.c — a client's SASL login steps (see sasl_client.h).
 *
 * States: START --first step--> PLAIN_SENT (done at the next step) or
 * SCRAM_FIRST_SENT --server-first--> SCRAM_FINAL_SENT --server-final
 * checked--> done. The SCRAM client nonce is 24 random bytes in base64;
 * the broker's nonce must extend it; the gs2 header is "n,," (no channel
 * binding, no authzid), so c= is "biws".
 *
 * Thread: the owner's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/sasl_client.h"
#include "common/scram.h"

typedef enum sasl_client_state {
	SASL_CLIENT_START = 0,
	SASL_CLIENT_PLAIN_SENT,
	SASL_CLIENT_SCRAM_FIRST_SENT,
	SASL_CLIENT_SCRAM_FINAL_SENT,
	SASL_CLIENT_DONE,
} sasl_client_state_t;

#define SASL_CLIENT_AUTH_MAX (3 * SCRAM_MSG_MAX)

struct sasl_client {
	sasl_client_state_t state;
	sasl_mech_t mech;
	char *user, *password;
	char cnonce[33];
	char auth_msg[SASL_CLIENT_AUTH_MAX]; /* the AuthMessage being built */
	size_t auth_len;
	uint8_t server_sig[SCRAM_KEY_MAX]; /* what server-final must say */
};

sasl_client_t *sasl_client_new(sasl_mech_t mech, const char *user, const char *password)
{
	sasl_client_t *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->mech = mech;
	sc->user = strdup(user ? user : "");
	sc->password = strdup(password ? password : "");
	if (!sc->user || !sc->password) {
		sasl_client_free(sc);
		return NULL;
	}
	return sc;
}

void sasl_client_free(sasl_client_t *sc)
{
	if (!sc)
		return;
	if (sc->password) {
		OPENSSL_cleanse(sc->password, strlen(sc->password));
		free(sc->password);
	}
	free(sc->user);
	OPENSSL_cleanse(sc, sizeof(*sc));
	free(sc);
}

static int sasl_client_out(const void *data, size_t len, uint8_t **out, size_t *outlen)
{
	*out = malloc(len ? len : 1);
	if (!*out)
		return -1;
	memcpy(*out, data, len);
	*outlen = len;
	return 0;
}

/* The first auth_bytes: PLAIN's message or SCRAM's client-first. */
static int sasl_client_first(sasl_client_t *sc, uint8_t **out, size_t *outlen, char *why,
                             size_t whysz)
{
	char user[3 * SCRAM_NAME_MAX + 1], msg[SCRAM_MSG_MAX + 1];
	uint8_t plain[SASL_PLAIN_MAX];
	int len, rc;

	if (sc->mech == SASL_MECH_PLAIN) {
		len = sasl_plain_build(sc->user, sc->password, plain, sizeof(plain));
		if (len < 0) {
			snprintf(why, whysz, "SASL user or password empty or longer than %d bytes",
			         SASL_PLAIN_FIELD_MAX);
			return -1;
		}
		sc->state = SASL_CLIENT_PLAIN_SENT;
		rc = sasl_client_out(plain, (size_t)len, out, outlen);
		OPENSSL_cleanse(plain, sizeof(plain));
		return rc < 0 ? (snprintf(why, whysz, "out of memory"), -1) : 0;
	}
	if (!*sc->user || strlen(sc->user) > SCRAM_NAME_MAX ||
	    scram_escape_name(sc->user, user, sizeof(user)) < 0 || scram_nonce(sc->cnonce) < 0) {
		snprintf(why, whysz,
		         "SASL user name empty or longer than %d bytes (or no random "
		         "nonce)",
		         SCRAM_NAME_MAX);
		return -1;
	}
	len = snprintf(msg, sizeof(msg), "n,,n=%s,r=%s", user, sc->cnonce);
	if (len < 0 || (size_t)len >= sizeof(msg)) {
		snprintf(why, whysz, "SCRAM client-first too long");
		return -1;
	}
	/* AuthMessage starts with client-first-bare (after "n,,"). */
	memcpy(sc->auth_msg, msg + 3, (size_t)len - 3);
	sc->auth_len = (size_t)len - 3;
	sc->state = SASL_CLIENT_SCRAM_FIRST_SENT;
	if (sasl_client_out(msg, (size_t)len, out, outlen) < 0) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	return 0;
}

/* server-first → client-final. */
static int sasl_client_final(sasl_client_t *sc, const uint8_t *in, size_t inlen, uint8_t **out,
                             size_t *outlen, char *why, size_t whysz)
{
	scram_server_first_t sf;
	scram_mech_t sm;
	uint8_t salted[SCRAM_KEY_MAX], proof[SCRAM_KEY_MAX];
	char err[256], proof64[4 * SCRAM_KEY_MAX / 3 + 8], final[SCRAM_MSG_MAX + 1];
	int wp, rc = -1;

	sasl_mech_scram(sc->mech, &sm);
	if (scram_parse_server_first((const char *)in, inlen, &sf, err, sizeof(err)) < 0) {
		snprintf(why, whysz, "%s", err);
		return -1;
	}
	if (strncmp(sf.nonce, sc->cnonce, strlen(sc->cnonce)) != 0 ||
	    strlen(sf.nonce) == strlen(sc->cnonce)) {
		snprintf(why, whysz, "the broker's nonce does not extend ours");
		return -1;
	}
	/* AuthMessage: + "," server-first "," client-final-without-proof. */
	wp = snprintf(sc->auth_msg + sc->auth_len, sizeof(sc->auth_msg) - sc->auth_len,
	              ",%.*s,c=biws,r=%s", (int)inlen, (const char *)in, sf.nonce);
	if (wp < 0 || (size_t)wp >= sizeof(sc->auth_msg) - sc->auth_len) {
		snprintf(why, whysz, "SCRAM messages too long");
		return -1;
	}
	sc->auth_len += (size_t)wp;
	if (scram_salted_password(sm, sc->password, strlen(sc->password), sf.salt, sf.salt_len,
	                          sf.iterations, salted) < 0 ||
	    scram_client_proof(sm, salted, sc->auth_msg, sc->auth_len, proof, sc->server_sig) < 0 ||
	    scram_b64_encode(proof, scram_key_len(sm), proof64, sizeof(proof64)) < 0) {
		snprintf(why, whysz, "SCRAM key derivation failed (OpenSSL)");
		goto out;
	}
	wp = snprintf(final, sizeof(final), "c=biws,r=%s,p=%s", sf.nonce, proof64);
	if (wp < 0 || (size_t)wp >= sizeof(final)) {
		snprintf(why, whysz, "SCRAM client-final too long");
		goto out;
	}
	sc->state = SASL_CLIENT_SCRAM_FINAL_SENT;
	if (sasl_client_out(final, (size_t)wp, out, outlen) < 0) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	return rc;
}

/* server-final: the broker's signature must be ours. */
static int sasl_client_check(sasl_client_t *sc, const uint8_t *in, size_t inlen, char *why,
                             size_t whysz)
{
	scram_server_final_t sf;
	scram_mech_t sm;
	char err[256];

	sasl_mech_scram(sc->mech, &sm);
	if (scram_parse_server_final((const char *)in, inlen, &sf, err, sizeof(err)) < 0) {
		snprintf(why, whysz, "%s", err);
		return -1;
	}
	if (sf.error[0]) {
		snprintf(why, whysz, "broker refused: %s", sf.error);
		return -1;
	}
	if (sf.signature_len != scram_key_len(sm) ||
	    CRYPTO_memcmp(sf.signature, sc->server_sig, sf.signature_len) != 0) {
		snprintf(why, whysz,
		         "the broker's SCRAM signature is wrong (it does not hold "
		         "this user's credential)");
		return -1;
	}
	sc->state = SASL_CLIENT_DONE;
	return 1;
}

int sasl_client_step(sasl_client_t *sc, const uint8_t *in, size_t inlen, uint8_t **out,
                     size_t *outlen, char *why, size_t whysz)
{
	*out = NULL;
	*outlen = 0;
	switch (sc->state) {
	case SASL_CLIENT_START:
		return sasl_client_first(sc, out, outlen, why, whysz);
	case SASL_CLIENT_PLAIN_SENT:
		sc->state = SASL_CLIENT_DONE;
		return 1;
	case SASL_CLIENT_SCRAM_FIRST_SENT:
		return sasl_client_final(sc, in, inlen, out, outlen, why, whysz);
	case SASL_CLIENT_SCRAM_FINAL_SENT:
		return sasl_client_check(sc, in, inlen, why, whysz);
	default:
		snprintf(why, whysz, "SASL login steps out of order");
		return -1;
	}
}
