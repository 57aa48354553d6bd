/*
 * bsasl.c — the SDK's SASL login on a broker connection
 * (security.protocol=sasl_plaintext, or sasl_ssl inside TLS):
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
 * The mechanism's steps (PLAIN's message; SCRAM's messages and the check
 * of the broker's signature) are common/sasl_client.c, shared with the
 * broker's replica fetcher; this file is the SDK's handshake around them.
 *
 * Thread: the handle's I/O thread only. Ownership: bconn owns the bsasl_t
 * (bsasl_free when the connection closes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/sasl.h"
#include "common/sasl_client.h"

struct bsasl {
	int handshaken; /* SaslHandshake answered: SaslAuthenticate steps follow */
	sasl_mech_t mech;
	sasl_client_t *sc;
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
	sasl_client_free(s->sc);
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
	const fj_conf_values_t *v = bconn_handle(bc)->cv_conf;
	bsasl_t *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mech = (sasl_mech_t)v->sasl_mechanism;
	s->sc = sasl_client_new(s->mech, v->sasl_username, v->sasl_password);
	if (!s->sc || bsasl_send_handshake(bc, s) < 0) {
		bsasl_free(s);
		return NULL;
	}
	return s;
}

/* The next step of the mechanism: 0 sent, 1 done, -1 failed. */
static int bsasl_step(bconn_t *bc, bsasl_t *s, const ProtobufCBinaryData *in, char *why,
                      size_t whysz)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	int rc = sasl_client_step(s->sc, in ? in->data : NULL, in ? in->len : 0, &out, &outlen, why,
	                          whysz);

	if (rc == 0 && bsasl_send_auth(bc, out, outlen) < 0) {
		snprintf(why, whysz, "out of memory");
		rc = -1;
	}
	free(out);
	return rc;
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
	if (!s->handshaken) {
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
		s->handshaken = 1;
		return bsasl_step(bc, s, NULL, why, whysz) < 0 ? -1 : 0;
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
	return bsasl_step(bc, s, &ar->auth_bytes, why, whysz);
}
