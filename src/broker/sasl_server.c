/*
 * sasl_server.c — SaslHandshake and SaslAuthenticate on the broker (see
 * sasl_server.h for what a connection may do when).
 *
 * States of one connection (c->sasl; NULL until the first handshake):
 *
 *   HANDSHAKE  --SaslHandshake(enabled mechanism)-->  AUTH
 *   AUTH       --PLAIN: "\0user\0password"--> PLAIN_CHECK --checked on bg--> DONE
 *   AUTH       --SCRAM client-first--> server-first   SCRAM_FINAL
 *   SCRAM_FINAL --client-final, proof checked--> server-final  DONE
 *   any failure --> FAILED (answered; the next request closes)
 *
 * A handshake naming a mechanism that is not enabled answers
 * UNSUPPORTED_SASL_MECHANISM with the enabled list and leaves the state as
 * it was, so the client may try another (as Kafka). A second handshake or
 * an Authenticate out of turn answers ILLEGAL_SASL_STATE and fails the
 * connection.
 *
 * PLAIN is checked against the user's SCRAM credential (docs/security.md):
 * the password is run through PBKDF2 with the stored salt and iterations
 * and the StoredKey compared, first for SCRAM-SHA-256 (the cheaper), then
 * SCRAM-SHA-512: the password of either credential logs in. That PBKDF2 costs milliseconds, so it
 * runs on the bg thread (sasl_plain_work), never on the loop.
 *
 * Every failure tells the client only "Authentication failed: invalid
 * credentials" (unknown user and wrong password look the same); the
 * broker's log says which. The SCRAM exchange uses the credential of the
 * moment client-first arrived; a credential changed in between applies to
 * the next login.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/sasl_server.h"
#include "broker/sasl_users.h"
#include "common/flog.h"
#include "common/sasl.h"
#include "common/scram.h"

typedef enum sasl_state {
	SASL_HANDSHAKE = 0,
	SASL_AUTH,
	SASL_SCRAM_FINAL,
	SASL_PLAIN_CHECK, /* PLAIN's password check runs on the bg thread */
	SASL_DONE,
	SASL_FAILED,
} sasl_state_t;

#define SASL_FAIL_MSG "Authentication failed: invalid credentials"

typedef struct sasl_conn {
	sasl_state_t state;
	sasl_mech_t mech;
	char user[SCRAM_NAME_MAX + 1];
	/* SCRAM, between server-first and client-final. */
	scram_cred_t cred;
	char nonce[SCRAM_NONCE_MAX + 1]; /* client + server nonce */
	char gs2[64];                    /* the client's gs2 header, for c= (as long as
	                                  * scram_client_final_t.channel_binding) */
	size_t gs2_len;
	char *auth_msg; /* client-first-bare "," server-first "," (client-final appended) */
	size_t auth_len, auth_cap;
} sasl_conn_t;

void sasl_conn_free(sasl_conn_t *s)
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

static int sasl_listener_is_sasl(const conn_t *c)
{
	return SEC_PROTO_IS_SASL(c->b->conf.lsn[c->listener].proto);
}

int sasl_server_gate(conn_t *c, const Fjord__Request *req)
{
	const char *why;

	if (req->api == FJORD__API_KEY__SASL_HANDSHAKE ||
	    req->api == FJORD__API_KEY__SASL_AUTHENTICATE) {
		if (sasl_listener_is_sasl(c))
			return 0;
		why = "SASL request on a listener without SASL";
	} else if (!sasl_listener_is_sasl(c) || (c->sasl && c->sasl->state == SASL_DONE)) {
		return 0;
	} else if (c->sasl && c->sasl->state == SASL_FAILED) {
		why = "request after a failed authentication";
	} else if (req->api == FJORD__API_KEY__API_VERSIONS) {
		return 0;
	} else {
		why = "request before authentication";
	}
	c->b->metrics.sasl_closed_unauthenticated++;
	flog(LOG_INFO, "sasl",
	     "closing connection from %s on listener %s: %s (%s, correlation id %d)", c->peer,
	     c->b->conf.lsn[c->listener].name, why, api_name(req->api), req->correlation_id);
	return -1;
}

int sasl_server_frame_refused(conn_t *c, uint32_t frame_len)
{
	if (!sasl_listener_is_sasl(c) || (c->sasl && c->sasl->state == SASL_DONE) ||
	    frame_len <= (uint32_t)c->b->conf.sasl_server_max_receive_size)
		return 0;
	c->b->metrics.sasl_closed_unauthenticated++;
	flog(LOG_INFO, "sasl",
	     "closing connection from %s on listener %s: a %u-byte frame before the login "
	     "(sasl.server.max.receive.size %d)",
	     c->peer, c->b->conf.lsn[c->listener].name, frame_len,
	     c->b->conf.sasl_server_max_receive_size);
	return 1;
}

/* --------------------------------------------------------------- handshake */

int handle_sasl_handshake(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                          size_t payload_len)
{
	Fjord__SaslHandshakeResponse body = FJORD__SASL_HANDSHAKE_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	unsigned mask = c->b->conf.sasl_mechs;
	char *names[SASL_MECH_CNT];
	const char *want = req->sasl_handshake->mechanism ? req->sasl_handshake->mechanism : "";
	sasl_mech_t mech;

	(void)payload, (void)payload_len;
	if (!slot)
		return -1;
	for (int m = 0; m < SASL_MECH_CNT; m++)
		if (mask & (1u << m))
			names[body.n_mechanisms++] = (char *)sasl_mech_name((sasl_mech_t)m);
	body.mechanisms = names;
	if (!c->sasl && !(c->sasl = calloc(1, sizeof(*c->sasl))))
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                               "out of memory");
	if (c->sasl->state != SASL_HANDSHAKE) {
		c->sasl->state = SASL_FAILED;
		body.error = FJORD__ERROR_CODE__ILLEGAL_SASL_STATE;
	} else if (sasl_mech_parse(want, 0, &mech) < 0 || !(mask & (1u << mech))) {
		flog(LOG_INFO, "sasl", "%s: SASL mechanism \"%.64s\" is not enabled", c->peer,
		     want);
		body.error = FJORD__ERROR_CODE__UNSUPPORTED_SASL_MECHANISM;
	} else {
		c->sasl->mech = mech;
		c->sasl->state = SASL_AUTH;
	}
	resp.body_case = FJORD__RESPONSE__BODY_SASL_HANDSHAKE;
	resp.sasl_handshake = &body;
	return conn_slot_respond(slot, &resp, NULL);
}

/* --------------------------------------------------------------- authenticate */

/* The credential a SCRAM login checks. NULL: no such user, or none for
 * this mechanism. */
static const scram_cred_t *sasl_server_cred(conn_t *c, sasl_mech_t mech, const char *user,
                                            scram_mech_t *smp)
{
	const zkjson_user_t *u = sasl_users_find(c->b->sasl_users, user);
	scram_mech_t sm;

	if (!u || sasl_mech_scram(mech, &sm) < 0 || !u->has[sm])
		return NULL;
	*smp = sm;
	return &u->cred[sm];
}

static void sasl_server_succeed(conn_t *c, sasl_conn_t *s)
{
	c->b->metrics.sasl_logins_ok++;
	s->state = SASL_DONE;
	snprintf(c->principal, sizeof(c->principal), "User:%s", s->user);
	flog(LOG_INFO, "sasl", "%s authenticated as %s (%s)", c->peer, c->principal,
	     sasl_mech_name(s->mech));
}

/* PLAIN's password check, off the loop: PBKDF2 with the stored salt and
 * iterations costs milliseconds (about 5 ms for SCRAM-SHA-256 at 4096
 * iterations, 9 ms for SCRAM-SHA-512 on a loaded 2-core machine), which
 * the event loop must not spend. The job runs on the bg thread (bg.h) and
 * answers through the request's slot; a connection closed meanwhile
 * cancels it through the slot's cancel hook (the job then only frees
 * itself). */
typedef struct sasl_plain_job {
	conn_slot_t *slot;  /* NULL once cancelled */
	zkjson_user_t user; /* the user's credentials (a copy) */
	char password[SASL_PLAIN_FIELD_MAX + 1];
	int ok; /* scram_cred_check_password's result */
} sasl_plain_job_t;

static void sasl_plain_job_free(sasl_plain_job_t *job)
{
	OPENSSL_cleanse(job, sizeof(*job));
	free(job);
}

/* bg thread. */
static int sasl_plain_work(void *arg)
{
	sasl_plain_job_t *job = arg;

	/* The password of either credential logs in; SCRAM-SHA-256 first
	 * (the cheaper). */
	job->ok = 0;
	for (int m = 0; m < SCRAM_MECH_CNT && job->ok == 0; m++)
		if (job->user.has[m])
			job->ok = scram_cred_check_password((scram_mech_t)m, &job->user.cred[m],
			                                    job->password);
	OPENSSL_cleanse(job->password, sizeof(job->password));
	return 0;
}

/* Loop thread: the connection went away first. */
static void sasl_plain_cancel(void *arg)
{
	((sasl_plain_job_t *)arg)->slot = NULL;
}

static int sasl_server_answer(conn_t *c, conn_slot_t *slot, sasl_conn_t *s, Fjord__ErrorCode err,
                              const char *why, char *out, size_t outlen);

/* Loop thread: the check is done. */
static void sasl_plain_done(void *arg, int rc)
{
	sasl_plain_job_t *job = arg;
	conn_slot_t *slot = job->slot;

	(void)rc;
	if (slot) {
		conn_t *c = slot->conn;
		sasl_conn_t *s = c->sasl;
		slot->cancel = NULL;
		if (s->state != SASL_PLAIN_CHECK) {
			/* Another request meanwhile failed the login. */
			sasl_server_answer(c, slot, s, FJORD__ERROR_CODE__ILLEGAL_SASL_STATE,
			                   "request during the PLAIN check", NULL, 0);
		} else if (job->ok == 1) {
			sasl_server_succeed(c, s);
			sasl_server_answer(c, slot, s, FJORD__ERROR_CODE__NONE, NULL, NULL, 0);
		} else {
			sasl_server_answer(
			    c, slot, s, FJORD__ERROR_CODE__SASL_AUTHENTICATION_FAILED,
			    job->ok < 0 ? "password check failed (OpenSSL)" : "wrong password",
			    NULL, 0);
		}
	}
	sasl_plain_job_free(job);
}

/* PLAIN: one message. 0: the check runs on the bg thread and answers
 * later (state SASL_PLAIN_CHECK); -1 failed now (*why for the log). */
static int sasl_server_plain(conn_t *c, sasl_conn_t *s, conn_slot_t *slot,
                             const ProtobufCBinaryData *in, const char **why, char *err,
                             size_t errsz)
{
	sasl_plain_job_t *job = calloc(1, sizeof(*job));
	const zkjson_user_t *u;

	if (!job) {
		*why = "out of memory";
		return -1;
	}
	if (sasl_plain_parse(in->data, in->len, s->user, job->password, err, errsz) < 0) {
		*why = err;
		goto fail;
	}
	u = sasl_users_find(c->b->sasl_users, s->user);
	if (!u) {
		*why = "unknown user";
		goto fail;
	}
	job->user = *u;
	job->slot = slot;
	slot->cancel = sasl_plain_cancel;
	slot->cancel_arg = job;
	if (bg_submit(c->b->bg, sasl_plain_work, sasl_plain_done, job) != 0) {
		slot->cancel = NULL;
		*why = "cannot queue the password check (out of memory or stopping)";
		goto fail;
	}
	s->state = SASL_PLAIN_CHECK;
	return 0;
fail:
	sasl_plain_job_free(job);
	return -1;
}

/* SCRAM client-first: answers server-first in *out (malloc'd). */
static int sasl_server_scram_first(conn_t *c, sasl_conn_t *s, const ProtobufCBinaryData *in,
                                   char **out, size_t *outlen, const char **why, char *err,
                                   size_t errsz)
{
	scram_client_first_t cf;
	const scram_cred_t *cred;
	scram_mech_t sm;
	char snonce[33], salt[4 * SCRAM_SALT_MAX / 3 + 8], *sfirst;
	size_t bare_len;
	int w;

	if (scram_parse_client_first((const char *)in->data, in->len, &cf, err, errsz) < 0) {
		*why = err;
		return -1;
	}
	snprintf(s->user, sizeof(s->user), "%s", cf.user);
	cred = sasl_server_cred(c, s->mech, cf.user, &sm);
	if (!cred) {
		*why = "unknown user, or no credential for this mechanism";
		return -1;
	}
	s->cred = *cred;
	if (scram_nonce(snonce) < 0 ||
	    scram_b64_encode(cred->salt, cred->salt_len, salt, sizeof(salt)) < 0) {
		*why = "random nonce failed (OpenSSL)";
		return -1;
	}
	w = snprintf(s->nonce, sizeof(s->nonce), "%s%s", cf.nonce, snonce);
	if (w < 0 || (size_t)w >= sizeof(s->nonce)) {
		*why = "client nonce too long";
		return -1;
	}
	if (cf.gs2_len > sizeof(s->gs2)) {
		*why = "gs2 header (authzid) too long";
		return -1;
	}
	memcpy(s->gs2, in->data, cf.gs2_len);
	s->gs2_len = cf.gs2_len;
	bare_len = in->len - cf.bare_off;
	sfirst = malloc(SCRAM_MSG_MAX + 1);
	if (!sfirst) {
		*why = "out of memory";
		return -1;
	}
	w = snprintf(sfirst, SCRAM_MSG_MAX + 1, "r=%s,s=%s,i=%d", s->nonce, salt, cred->iterations);
	if (w < 0 || w > SCRAM_MSG_MAX) {
		free(sfirst);
		*why = "server-first-message too long";
		return -1;
	}
	/* AuthMessage so far: client-first-bare "," server-first ","; then
	 * client-final-without-proof, shorter than a whole message
	 * (SCRAM_MSG_MAX, which the parser enforces). */
	s->auth_cap = bare_len + 1 + (size_t)w + 1 + SCRAM_MSG_MAX;
	s->auth_msg = malloc(s->auth_cap);
	if (!s->auth_msg) {
		free(sfirst);
		*why = "out of memory";
		return -1;
	}
	memcpy(s->auth_msg, in->data + cf.bare_off, bare_len);
	s->auth_msg[bare_len] = ',';
	memcpy(s->auth_msg + bare_len + 1, sfirst, (size_t)w);
	s->auth_msg[bare_len + 1 + (size_t)w] = ',';
	s->auth_len = bare_len + 1 + (size_t)w + 1;
	*out = sfirst;
	*outlen = (size_t)w;
	s->state = SASL_SCRAM_FINAL;
	return 0;
}

/* SCRAM client-final: checks the proof, answers server-final in *out. */
static int sasl_server_scram_final(conn_t *c, sasl_conn_t *s, const ProtobufCBinaryData *in,
                                   char **out, size_t *outlen, const char **why, char *err,
                                   size_t errsz)
{
	scram_client_final_t cfin;
	scram_mech_t sm;
	uint8_t sig[SCRAM_KEY_MAX];
	char *sfinal;
	int ok;

	if (scram_parse_client_final((const char *)in->data, in->len, &cfin, err, errsz) < 0) {
		*why = err;
		return -1;
	}
	if (cfin.channel_binding_len != s->gs2_len ||
	    memcmp(cfin.channel_binding, s->gs2, s->gs2_len) != 0) {
		*why = "channel binding differs from the gs2 header";
		return -1;
	}
	if (strcmp(cfin.nonce, s->nonce) != 0) {
		*why = "nonce differs from the server's";
		return -1;
	}
	sasl_mech_scram(s->mech, &sm);
	if (cfin.without_proof_len > s->auth_cap - s->auth_len) {
		*why = "client-final-message too long";
		return -1;
	}
	memcpy(s->auth_msg + s->auth_len, in->data, cfin.without_proof_len);
	s->auth_len += cfin.without_proof_len;
	ok = scram_server_verify(sm, &s->cred, s->auth_msg, s->auth_len, cfin.proof, cfin.proof_len,
	                         sig);
	if (ok != 1) {
		*why = ok < 0 ? "proof check failed (OpenSSL)" : "wrong password (proof mismatch)";
		return -1;
	}
	sfinal = malloc(4 * SCRAM_KEY_MAX / 3 + 8);
	if (!sfinal) {
		*why = "out of memory";
		return -1;
	}
	memcpy(sfinal, "v=", 2);
	*outlen = 2 + (size_t)scram_b64_encode(sig, scram_key_len(sm), sfinal + 2,
	                                       4 * SCRAM_KEY_MAX / 3 + 6);
	*out = sfinal;
	sasl_server_succeed(c, s);
	return 0;
}

/* Answers a SaslAuthenticate: logs and counts a failure (and fails the
 * connection's login); out (may be NULL) is the mechanism's next message. */
static int sasl_server_answer(conn_t *c, conn_slot_t *slot, sasl_conn_t *s, Fjord__ErrorCode err,
                              const char *why, char *out, size_t outlen)
{
	Fjord__SaslAuthenticateResponse body = FJORD__SASL_AUTHENTICATE_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;

	body.error = err;
	if (err == FJORD__ERROR_CODE__ILLEGAL_SASL_STATE) {
		body.error_message = (char *)"SaslAuthenticate out of turn";
	} else if (err != FJORD__ERROR_CODE__NONE) {
		c->b->metrics.sasl_logins_failed++;
		body.error_message = (char *)SASL_FAIL_MSG;
	}
	if (err != FJORD__ERROR_CODE__NONE) {
		if (s)
			s->state = SASL_FAILED;
		flog(LOG_NOTICE, "sasl", "%s: authentication of \"%s\" with %s failed: %s", c->peer,
		     s ? s->user : "", s ? sasl_mech_name(s->mech) : "?", why ? why : "?");
	}
	body.auth_bytes.data = (uint8_t *)out;
	body.auth_bytes.len = outlen;
	resp.body_case = FJORD__RESPONSE__BODY_SASL_AUTHENTICATE;
	resp.sasl_authenticate = &body;
	return conn_slot_respond(slot, &resp, NULL);
}

int handle_sasl_authenticate(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                             size_t payload_len)
{
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	sasl_conn_t *s = c->sasl;
	const ProtobufCBinaryData *in = &req->sasl_authenticate->auth_bytes;
	const char *why = NULL;
	char err[256], *out = NULL;
	size_t outlen = 0;
	int rc;

	(void)payload, (void)payload_len;
	if (!slot)
		return -1;
	if (!s || (s->state != SASL_AUTH && s->state != SASL_SCRAM_FINAL))
		return sasl_server_answer(c, slot, s, FJORD__ERROR_CODE__ILLEGAL_SASL_STATE,
		                          "SaslAuthenticate out of turn", NULL, 0);
	if (s->mech == SASL_MECH_PLAIN)
		rc = sasl_server_plain(c, s, slot, in, &why, err, sizeof(err));
	else if (s->state == SASL_AUTH)
		rc = sasl_server_scram_first(c, s, in, &out, &outlen, &why, err, sizeof(err));
	else
		rc = sasl_server_scram_final(c, s, in, &out, &outlen, &why, err, sizeof(err));
	if (rc == 0 && s->state == SASL_PLAIN_CHECK)
		return 0; /* answered by sasl_plain_done */
	rc = sasl_server_answer(c, slot, s,
	                        rc < 0 ? FJORD__ERROR_CODE__SASL_AUTHENTICATION_FAILED
	                               : FJORD__ERROR_CODE__NONE,
	                        why, out, outlen);
	free(out);
	return rc;
}
