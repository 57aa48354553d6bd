/*
 * bsasl.c — the SDK's SASL login on a broker connection
 * (security.protocol=sasl_plaintext; sasl_ssl once TLS is in the build):
 * SaslHandshake with sasl.mechanism, then SaslAuthenticate with PLAIN's one
 * message or SCRAM's two (RFC 5802/7677, common/scram.h), right after the
 * connection is up and before any queued request.
 *
 * How it sits in bconn.c: when the transport reports the connection up,
 * bconn puts it in the AUTH state and calls bsasl_start(). Requests the
 * application queued meanwhile stay held by bconn (not written) until
 * bconn_auth_done(). bsasl writes its own frames with bconn_auth_send()
 * (not on the request queue) and bconn hands every response frame that
 * arrives in AUTH state to bsasl_on_response(). Failure closes the
 * connection and fails the held requests with the error: a wrong password
 * is FJORD_ERR_SASL_AUTHENTICATION_FAILED with the broker's message, which
 * is not retriable; it also goes to the application's error callback, and
 * fjord_produce() refuses new records with it until a later login on any
 * connection succeeds (bsasl records it in h->auth_err).
 *
 * The client checks the broker too: SCRAM's server-final signature must be
 * the one the password predicts, or the login fails (a broker without the
 * credential cannot pretend to have it).
 *
 * Thread: the handle's I/O thread only. Ownership: bconn owns the bsasl_t
 * (bsasl_free when the connection closes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client/client_int.h"
#include "common/sasl.h"
#include "common/scram.h"

typedef enum bsasl_state {
	BSASL_HANDSHAKE = 0, /* SaslHandshake sent */
	BSASL_PLAIN,         /* PLAIN message sent */
	BSASL_SCRAM_FIRST,   /* client-first sent */
	BSASL_SCRAM_FINAL,   /* client-final sent */
} bsasl_state_t;

struct bsasl {
	bsasl_state_t state;
	sasl_mech_t mech;
	char cnonce[33];
	char *auth_msg; /* client-first-bare "," server-first "," client-final-without-proof */
	size_t auth_len;
	uint8_t server_sig[SCRAM_KEY_MAX]; /* what server-final must say */
};

int bsasl_wanted(const fjord_t *h)
{
	int p = h->cv_conf->security_protocol;

	return p == CONF_SEC_SASL_PLAINTEXT || p == CONF_SEC_SASL_SSL;
}

void bsasl_free(bsasl_t *s)
{
	if (!s)
		return;
	if (s->auth_msg) {
		OPENSSL_cleanse(s->auth_msg, s->auth_len);
		free(s->auth_msg);
	}
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

static int bsasl_send_handshake(bconn_t *bc, bsasl_t *s)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__SaslHandshakeRequest body = FJORD__SASL_HANDSHAKE_REQUEST__INIT;

	body.mechanism = (char *)sasl_mech_name(s->mech);
	req.api = FJORD__API_KEY__SASL_HANDSHAKE;
	req.body_case = FJORD__REQUEST__BODY_SASL_HANDSHAKE;
	req.sasl_handshake = &body;
	return bconn_auth_send(bc, &req);
}

static int bsasl_send_auth(bconn_t *bc, const void *bytes, size_t len)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__SaslAuthenticateRequest body = FJORD__SASL_AUTHENTICATE_REQUEST__INIT;

	body.auth_bytes.data = (uint8_t *)bytes;
	body.auth_bytes.len = len;
	req.api = FJORD__API_KEY__SASL_AUTHENTICATE;
	req.body_case = FJORD__REQUEST__BODY_SASL_AUTHENTICATE;
	req.sasl_authenticate = &body;
	return bconn_auth_send(bc, &req);
}

bsasl_t *bsasl_start(bconn_t *bc)
{
	fjord_t *h = bconn_handle(bc);
	bsasl_t *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mech = (sasl_mech_t)h->cv_conf->sasl_mechanism;
	if (bsasl_send_handshake(bc, s) < 0) {
		bsasl_free(s);
		return NULL;
	}
	return s;
}

/* After the handshake: the first SaslAuthenticate. */
static int bsasl_first(bconn_t *bc, bsasl_t *s, char *why, size_t whysz)
{
	const fj_conf_values_t *v = bconn_handle(bc)->cv_conf;
	char user[3 * SCRAM_NAME_MAX + 1], *msg;
	uint8_t plain[SASL_PLAIN_MAX];
	int len, rc;

	if (s->mech == SASL_MECH_PLAIN) {
		len = sasl_plain_build(v->sasl_username, v->sasl_password, plain, sizeof(plain));
		if (len < 0) {
			snprintf(why, whysz, "sasl.username or sasl.password longer than %d bytes",
			         SASL_PLAIN_FIELD_MAX);
			return -1;
		}
		s->state = BSASL_PLAIN;
		rc = bsasl_send_auth(bc, plain, (size_t)len);
		OPENSSL_cleanse(plain, sizeof(plain));
		return rc;
	}
	if (strlen(v->sasl_username) > SCRAM_NAME_MAX ||
	    scram_escape_name(v->sasl_username, user, sizeof(user)) < 0 ||
	    scram_nonce(s->cnonce) < 0) {
		snprintf(why, whysz, "sasl.username longer than %d bytes (or no random nonce)",
		         SCRAM_NAME_MAX);
		return -1;
	}
	msg = malloc(SCRAM_MSG_MAX + 1);
	if (!msg) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	len = snprintf(msg, SCRAM_MSG_MAX + 1, "n,,n=%s,r=%s", user, s->cnonce);
	/* AuthMessage starts with client-first-bare (after "n,,"). */
	s->auth_msg = malloc(3 * SCRAM_MSG_MAX);
	if (!s->auth_msg) {
		free(msg);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	memcpy(s->auth_msg, msg + 3, (size_t)len - 3);
	s->auth_len = (size_t)len - 3;
	s->state = BSASL_SCRAM_FIRST;
	rc = bsasl_send_auth(bc, msg, (size_t)len);
	free(msg);
	return rc;
}

/* server-first → client-final. */
static int bsasl_scram_final(bconn_t *bc, bsasl_t *s, const ProtobufCBinaryData *in, char *why,
                             size_t whysz)
{
	const fj_conf_values_t *v = bconn_handle(bc)->cv_conf;
	scram_server_first_t sf;
	scram_mech_t sm;
	uint8_t salted[SCRAM_KEY_MAX], proof[SCRAM_KEY_MAX];
	char err[256], proof64[4 * SCRAM_KEY_MAX / 3 + 8], *final = NULL;
	int wp, rc = -1;
	size_t kl;

	sasl_mech_scram(s->mech, &sm);
	kl = scram_key_len(sm);
	if (scram_parse_server_first((const char *)in->data, in->len, &sf, err, sizeof(err)) < 0) {
		snprintf(why, whysz, "%s", err);
		return -1;
	}
	if (strncmp(sf.nonce, s->cnonce, strlen(s->cnonce)) != 0 ||
	    strlen(sf.nonce) == strlen(s->cnonce)) {
		snprintf(why, whysz, "the broker's nonce does not extend ours");
		return -1;
	}
	/* AuthMessage: + "," server-first "," client-final-without-proof. */
	wp = snprintf(s->auth_msg + s->auth_len, 3 * SCRAM_MSG_MAX - s->auth_len,
	              ",%.*s,c=biws,r=%s", (int)in->len, (const char *)in->data, sf.nonce);
	if (wp < 0 || (size_t)wp >= 3 * SCRAM_MSG_MAX - s->auth_len) {
		snprintf(why, whysz, "SCRAM messages too long");
		return -1;
	}
	s->auth_len += (size_t)wp;
	if (scram_salted_password(sm, v->sasl_password, strlen(v->sasl_password), sf.salt,
	                          sf.salt_len, sf.iterations, salted) < 0 ||
	    scram_client_proof(sm, salted, s->auth_msg, s->auth_len, proof, s->server_sig) < 0 ||
	    scram_b64_encode(proof, kl, proof64, sizeof(proof64)) < 0) {
		snprintf(why, whysz, "SCRAM key derivation failed (OpenSSL)");
		goto out;
	}
	final = malloc(SCRAM_MSG_MAX + 1);
	if (!final) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	wp = snprintf(final, SCRAM_MSG_MAX + 1, "c=biws,r=%s,p=%s", sf.nonce, proof64);
	if (wp < 0 || wp > SCRAM_MSG_MAX) {
		snprintf(why, whysz, "SCRAM client-final too long");
		goto out;
	}
	s->state = BSASL_SCRAM_FINAL;
	rc = bsasl_send_auth(bc, final, (size_t)wp);
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	free(final);
	return rc;
}

/* server-final: the broker's signature must be ours. */
static int bsasl_scram_check(bsasl_t *s, const ProtobufCBinaryData *in, char *why, size_t whysz)
{
	scram_server_final_t sf;
	scram_mech_t sm;
	char err[256];

	sasl_mech_scram(s->mech, &sm);
	if (scram_parse_server_final((const char *)in->data, in->len, &sf, err, sizeof(err)) < 0) {
		snprintf(why, whysz, "%s", err);
		return -1;
	}
	if (sf.error[0]) {
		snprintf(why, whysz, "broker refused: %s", sf.error);
		return -1;
	}
	if (sf.signature_len != scram_key_len(sm) ||
	    CRYPTO_memcmp(sf.signature, s->server_sig, sf.signature_len) != 0) {
		snprintf(why, whysz,
		         "the broker's SCRAM signature is wrong (it does not hold "
		         "this user's credential)");
		return -1;
	}
	return 0;
}

int bsasl_on_response(bconn_t *bc, bsasl_t *s, const Fjord__Response *resp, fjord_err_t *errp,
                      char *why, size_t whysz)
{
	*errp = FJORD_ERR_SASL_AUTHENTICATION_FAILED;
	if (resp->error != FJORD__ERROR_CODE__NONE) {
		/* Request-level refusal: an older broker without SASL answers
		 * UNSUPPORTED_VERSION. */
		*errp = (fjord_err_t)resp->error;
		snprintf(why, whysz, "broker refused the SASL request: %s%s%s",
		         fjord_err2str(*errp),
		         resp->error_message && *resp->error_message ? ": " : "",
		         resp->error_message ? resp->error_message : "");
		return -1;
	}
	if (s->state == BSASL_HANDSHAKE) {
		const Fjord__SaslHandshakeResponse *hs = resp->sasl_handshake;
		if (resp->body_case != FJORD__RESPONSE__BODY_SASL_HANDSHAKE || !hs) {
			*errp = FJORD_ERR__BAD_MSG;
			snprintf(why, whysz, "unexpected answer to SaslHandshake");
			return -1;
		}
		if (hs->error != FJORD__ERROR_CODE__NONE) {
			size_t o = 0;
			*errp = (fjord_err_t)hs->error;
			o += (size_t)snprintf(why, whysz, "SASL mechanism %s: %s (broker enables:",
			                      sasl_mech_name(s->mech), fjord_err2str(*errp));
			for (size_t i = 0; i < hs->n_mechanisms && o < whysz; i++)
				o += (size_t)snprintf(why + o, whysz - o, " %s", hs->mechanisms[i]);
			if (o < whysz)
				snprintf(why + o, whysz - o, ")");
			return -1;
		}
		return bsasl_first(bc, s, why, whysz) < 0 ? -1 : 0;
	}
	const Fjord__SaslAuthenticateResponse *ar = resp->sasl_authenticate;
	if (resp->body_case != FJORD__RESPONSE__BODY_SASL_AUTHENTICATE || !ar) {
		*errp = FJORD_ERR__BAD_MSG;
		snprintf(why, whysz, "unexpected answer to SaslAuthenticate");
		return -1;
	}
	if (ar->error != FJORD__ERROR_CODE__NONE) {
		*errp = (fjord_err_t)ar->error;
		snprintf(why, whysz, "%s",
		         ar->error_message && *ar->error_message ? ar->error_message
		                                                 : fjord_err2str(*errp));
		return -1;
	}
	switch (s->state) {
	case BSASL_PLAIN:
		return 1;
	case BSASL_SCRAM_FIRST:
		return bsasl_scram_final(bc, s, &ar->auth_bytes, why, whysz) < 0 ? -1 : 0;
	case BSASL_SCRAM_FINAL:
		return bsasl_scram_check(s, &ar->auth_bytes, why, whysz) < 0 ? -1 : 1;
	default:
		snprintf(why, whysz, "SASL state out of order");
		return -1;
	}
}
