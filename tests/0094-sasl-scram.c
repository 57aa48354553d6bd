/*
 * 0094-sasl-scram — SASL logins against a real broker and a real
 * ZooKeeper: one broker with a PLAINTEXT listener (inter-broker, the
 * harness's checks) and a SASL_PLAINTEXT one, sasl.enabled.mechanisms =
 * PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.
 *
 * t0094_logins: user alice is created with `fjord user create` (both
 * mechanisms) and dave with fjord_admin_upsert_scram_user() (SCRAM-SHA-256
 * only, so his SCRAM-SHA-512 login fails); `fjord user list` shows both.
 * SCRAM-SHA-256 and SCRAM-SHA-512 clients
 * each produce T0094_MSGS records with acks=all over the SASL listener and
 * a SCRAM consumer reads all of them back (count, order, no duplicate). A
 * wrong password gets SASL_AUTHENTICATION_FAILED (metadata call and every
 * record) and the partition's high watermark shows nothing was appended;
 * PLAIN with the right password produces, with a wrong one fails the same
 * way. A raw client that sends Metadata or Produce on the SASL listener
 * without logging in is disconnected (ApiVersions is still answered),
 * while the PLAINTEXT listener serves it. A raw client speaking SCRAM
 * itself checks the broker's side alone: a mechanism not enabled is
 * answered UNSUPPORTED_SASL_MECHANISM with the enabled list, Authenticate
 * before Handshake ILLEGAL_SASL_STATE, a proof with one bit flipped
 * SASL_AUTHENTICATION_FAILED (and the next request closes the
 * connection), the right proof a server signature that verifies, after
 * which Metadata is served. A frame announced larger than
 * sasl.server.max.receive.size (default 512 KiB) before the login closes
 * the connection at its prefix. /metrics counts logins by result and the
 * connections closed before a login.
 *
 * t0094_user_changes: user carol is created the way an operator does with
 * zkCli.sh (the test computes Kafka's credential JSON and runs `create
 * /config/users/carol '...'`) and logs in; her password changed with zkCli
 * `set`, then with `fjord user create` (an update), takes effect for the
 * next login (old refused, new accepted) without a restart; deleted with
 * `fjord user delete` she can no longer log in, and deleting her again is
 * an error. Each change left Kafka's change notification under
 * /config/changes.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scram.h"
#include "common/zkjson_user.h"
#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0094_MSGS 300
#define T0094_COMMAS 90 /* a user name of 90 commas (escaped =2C in SCRAM) */
#define T0094_EXTRA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0\n"                         \
	"inter.broker.listener.name=PLAINTEXT\n"                                                   \
	"sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512\n"

/* Kafka's /config/users/<user> JSON for password (both mechanisms). */
static char *t0094_user_json(const char *password)
{
	zkjson_user_t u;

	memset(&u, 0, sizeof(u));
	for (int m = 0; m < SCRAM_MECH_CNT; m++) {
		ck_assert_int_eq(scram_cred_new((scram_mech_t)m, password, 4096, &u.cred[m]), 0);
		u.has[m] = 1;
	}
	char *json = zkjson_user_encode(&u);
	ck_assert_ptr_nonnull(json);
	return json;
}

/* zkCli.sh <verb> /config/users/<user> ['<json>']. */
static void t0094_zkcli_user(test_cluster_t *c, const char *verb, const char *user,
                             const char *json)
{
	char cmd[2048];
	int st = -1;

	snprintf(cmd, sizeof(cmd), "%s /config/users/%s%s%s%s", verb, user, json ? " '" : "",
	         json ? json : "", json ? "'" : "");
	char *out = test_zkcli(c, cmd, &st);
	test_say("zkCli %s /config/users/%s: status %d", verb, user, st);
	ck_assert_msg(st == 0, "zkCli %s failed: %s", verb, out ? out : "");
	free(out);
}

/* Runs `fjord -z ZK <args>`, expects the exit code and want in its output. */
static void t0094_cli(test_cluster_t *c, const char *args, int want_exit, const char *want)
{
	char cmd[1024];
	int ex = -1;

	snprintf(cmd, sizeof(cmd), "%s -z %s %s", test_cli_path(), c->zk_connect, args);
	char *out = test_run(cmd, &ex);
	test_say("fjord %s: exit %d", args, ex);
	ck_assert_msg(ex == want_exit && out && strstr(out, want),
	              "fjord %s: exit %d (want %d), output lacks \"%s\":\n%s", args, ex, want_exit,
	              want, out ? out : "");
	free(out);
}

/* A bootstrap-mode admin handle on the SASL listener asks for metadata:
 * the login's result. */
static fjord_err_t t0094_login(int port, const char *mech, const char *user, const char *pw)
{
	char bootstrap[64], errstr[512];
	fjord_metadata_t *md = NULL;
	fjord_conf_t *conf = fjord_conf_new();
	fjord_err_t err;

	snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%d", port);
	ck_assert(fjord_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	ck_assert(fjord_conf_set(conf, "security.protocol", "SASL_PLAINTEXT", errstr,
	                         sizeof(errstr)) == FJORD_CONF_OK);
	/* librdkafka's plural spelling is accepted too. */
	ck_assert(fjord_conf_set(conf, "sasl.mechanisms", mech, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	ck_assert(fjord_conf_set(conf, "sasl.username", user, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	ck_assert(fjord_conf_set(conf, "sasl.password", pw, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	fjord_t *fj = fjord_new(FJORD_ADMIN, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "fjord_new: %s", errstr);
	err = fjord_metadata(fj, NULL, &md, (int)(10000 * test_timeout_multiplier()));
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return err;
}

typedef struct t0094_login_arg {
	int port;
	const char *mech, *user, *pw;
	fjord_err_t want;
} t0094_login_arg_t;

static int t0094_login_is(void *arg)
{
	t0094_login_arg_t *a = arg;
	return t0094_login(a->port, a->mech, a->user, a->pw) == a->want;
}

/* Waits until the broker's credential store has caught up: the login
 * gives want. */
static void t0094_expect_login(int port, const char *mech, const char *user, const char *pw,
                               fjord_err_t want)
{
	t0094_login_arg_t a = { port, mech, user, pw, want };
	ck_assert_msg(test_wait_until(t0094_login_is, &a, 20000), "%s login of %s/%s never gave %s",
	              mech, user, pw, fjord_err2name(want));
}

typedef struct t0094_dr {
	atomic_int ok, failed, first_err;
} t0094_dr_t;

static void t0094_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0094_dr_t *st = opaque;
	int zero = 0;

	(void)fj;
	if (msg->err == FJORD_ERR_NO_ERROR) {
		atomic_fetch_add(&st->ok, 1);
		return;
	}
	atomic_fetch_add(&st->failed, 1);
	atomic_compare_exchange_strong(&st->first_err, &zero, (int)msg->err);
}

/* Produces records first..first+cnt-1 (the verifier's key shape) with acks=all
 * over the SASL listener; returns how many were acknowledged. Records refused
 * at fjord_produce() or in their delivery report count in *failedp, the
 * first error in *errp. */
static int t0094_produce(test_cluster_t *c, const char *topic, int first, int cnt, const char *mech,
                         const char *pw, int *failedp, fjord_err_t *errp)
{
	t0094_dr_t st;
	char key[128];
	fjord_conf_t *conf =
	    test_conf(c, "client.listener", "SASL_PLAINTEXT", "security.protocol", "sasl_plaintext",
	              "sasl.mechanism", mech, "sasl.username", "alice", "sasl.password", pw, "acks",
	              "all", "message.timeout.ms", "20000", NULL);
	char errstr[512];
	int refused = 0;

	atomic_init(&st.ok, 0);
	atomic_init(&st.failed, 0);
	atomic_init(&st.first_err, 0);
	fjord_conf_set_dr_msg_cb(conf, t0094_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "producer: %s", errstr);
	for (int i = first; i < first + cnt; i++) {
		int klen = snprintf(key, sizeof(key), "testid=%s, partition=0, msg=%d",
		                    harness_current.num, i);
		fjord_err_t err =
		    fjord_produce(p, topic, 0, key, (size_t)klen, "v", 1, NULL, 0, 0, NULL);
		if (err != FJORD_ERR_NO_ERROR) {
			int zero = 0;
			refused++;
			atomic_compare_exchange_strong(&st.first_err, &zero, (int)err);
		}
	}
	ck_assert_int_eq(fjord_flush(p, (int)(60000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
	ck_assert_int_eq(atomic_load(&st.ok) + atomic_load(&st.failed) + refused, cnt);
	*failedp = atomic_load(&st.failed) + refused;
	*errp = (fjord_err_t)atomic_load(&st.first_err);
	test_say("%s: %d acknowledged, %d failed (%s)", mech, atomic_load(&st.ok), *failedp,
	         fjord_err2name(*errp));
	return atomic_load(&st.ok);
}

/* The partition's high watermark asked over PLAINTEXT. */
static int64_t t0094_high(test_cluster_t *c, const char *topic)
{
	fjord_t *fj = test_consumer_new(c, NULL);
	int64_t lo = -1, hi = -1;

	ck_assert_int_eq(fjord_query_watermark_offsets(fj, topic, 0, &lo, &hi,
	                                               (int)(10000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(fj);
	return hi;
}

/* A SCRAM consumer on the SASL listener reads everything. */
static void t0094_consume(test_cluster_t *c, const char *topic, int expected)
{
	fjord_t *fj =
	    test_consumer_new(c, "client.listener", "SASL_PLAINTEXT", "security.protocol",
	                      "sasl_plaintext", "sasl.mechanism", "SCRAM-SHA-256", "sasl.username",
	                      "alice", "sasl.password", "alice-secret", NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	test_msgver_t *mv = test_msgver_new(1);
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	int got = 0;

	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(fj, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	while (got < expected && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_NO_ERROR) {
			test_msgver_add(mv, m);
			got++;
		} else if (m->err != FJORD_ERR__PARTITION_EOF) {
			test_say("consumer event: %s", fjord_err2name(m->err));
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(fj);
	test_msgver_verify(mv, "SASL consumer", expected);
}

/* Raw requests without a login on the SASL listener. */
static void t0094_raw_unauthenticated(int sasl_port, int plain_port, const char *topic)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__MetadataRequest md = FJORD__METADATA_REQUEST__INIT;
	Fjord__Response *resp;
	int fd;

	req.api = FJORD__API_KEY__METADATA;
	req.body_case = FJORD__REQUEST__BODY_METADATA;
	req.metadata = &md;
	md.all_topics = 1;

	/* Metadata first thing: closed, no answer. */
	fd = raw_connect(sasl_port);
	ck_assert_int_ge(fd, 0);
	req.correlation_id = 1;
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	ck_assert_msg(raw_wait_closed(fd, (int)(5000 * test_timeout_multiplier())),
	              "the SASL listener answered Metadata before a login");
	close(fd);

	/* A 1 MiB frame announced before the login: closed at its prefix. */
	{
		uint8_t prefix[8] = { 0, 0x10, 0, 0, 0, 0, 0, 16 };
		fd = raw_connect(sasl_port);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(raw_send(fd, prefix, sizeof(prefix)), 0);
		ck_assert_msg(raw_wait_closed(fd, (int)(5000 * test_timeout_multiplier())),
		              "a 1 MiB frame was read before the login");
		close(fd);
	}

	/* ApiVersions is answered, then Produce closes. */
	fd = raw_connect(sasl_port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_send_api_versions(fd, 2), 0);
	resp = raw_recv_response(fd, (int)(5000 * test_timeout_multiplier()));
	ck_assert_msg(resp && resp->error == FJORD__ERROR_CODE__NONE,
	              "ApiVersions not answered before a login");
	fjord__response__free_unpacked(resp, NULL);
	close(fd);
	ck_assert_int_eq(raw_produce_one(sasl_port, topic, 0, "raw", "unauthenticated"), -1000);

	/* The PLAINTEXT listener of the same broker serves the same request. */
	fd = raw_connect(plain_port);
	ck_assert_int_ge(fd, 0);
	req.correlation_id = 3;
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	resp = raw_recv_response(fd, (int)(5000 * test_timeout_multiplier()));
	ck_assert_msg(resp && resp->body_case == FJORD__RESPONSE__BODY_METADATA,
	              "the PLAINTEXT listener did not answer Metadata");
	fjord__response__free_unpacked(resp, NULL);
	close(fd);
}

/* One raw request/response on fd; the response (caller frees) or NULL. */
static Fjord__Response *t0094_raw_call(int fd, Fjord__Request *req, int32_t corr)
{
	req->correlation_id = corr;
	ck_assert_int_eq(raw_send_request(fd, req, NULL, 0), 0);
	return raw_recv_response(fd, (int)(5000 * test_timeout_multiplier()));
}

static Fjord__Response *t0094_raw_handshake(int fd, const char *mech, int32_t corr)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__SaslHandshakeRequest hs = FJORD__SASL_HANDSHAKE_REQUEST__INIT;

	hs.mechanism = (char *)mech;
	req.api = FJORD__API_KEY__SASL_HANDSHAKE;
	req.body_case = FJORD__REQUEST__BODY_SASL_HANDSHAKE;
	req.sasl_handshake = &hs;
	return t0094_raw_call(fd, &req, corr);
}

static Fjord__Response *t0094_raw_auth(int fd, const char *bytes, size_t len, int32_t corr)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__SaslAuthenticateRequest ar = FJORD__SASL_AUTHENTICATE_REQUEST__INIT;

	ar.auth_bytes.data = (uint8_t *)bytes;
	ar.auth_bytes.len = len;
	req.api = FJORD__API_KEY__SASL_AUTHENTICATE;
	req.body_case = FJORD__REQUEST__BODY_SASL_AUTHENTICATE;
	req.sasl_authenticate = &ar;
	return t0094_raw_call(fd, &req, corr);
}

/* A SCRAM-SHA-256 login of alice written by hand; flip != 0 corrupts the
 * proof, pad > 0 puts an extension of pad bytes into client-final (the
 * message stays below the 2048-byte bound). Returns the connection
 * (logged in, or refused). */
static int t0094_raw_scram(int port, int flip, int pad)
{
	static const char cfirst[] = "n,,n=alice,r=t0094clientnonce";
	Fjord__Response *resp;
	scram_server_first_t sf;
	uint8_t salted[SCRAM_KEY_MAX], proof[SCRAM_KEY_MAX], sig[SCRAM_KEY_MAX];
	char err[256], auth[4096], final[2048], proof64[128], ext[2048];
	int fd = raw_connect(port), alen, flen;

	ck_assert_int_ge(fd, 0);
	resp = t0094_raw_handshake(fd, "SCRAM-SHA-256", 10);
	ck_assert_msg(resp && resp->sasl_handshake && resp->sasl_handshake->error == 0,
	              "SaslHandshake refused");
	fjord__response__free_unpacked(resp, NULL);
	resp = t0094_raw_auth(fd, cfirst, strlen(cfirst), 11);
	ck_assert_msg(resp && resp->sasl_authenticate && resp->sasl_authenticate->error == 0,
	              "client-first refused");
	const ProtobufCBinaryData *sfirst = &resp->sasl_authenticate->auth_bytes;
	ck_assert_int_eq(scram_parse_server_first((const char *)sfirst->data, sfirst->len, &sf, err,
	                                          sizeof(err)),
	                 0);
	ck_assert_int_eq(strncmp(sf.nonce, "t0094clientnonce", 16), 0);
	memset(ext, 'x', sizeof(ext));
	ext[0] = '\0';
	if (pad > 0) {
		memcpy(ext, ",x=", 3);
		ext[pad] = '\0';
	}
	alen = snprintf(auth, sizeof(auth), "n=alice,r=t0094clientnonce,%.*s,c=biws,r=%s%s",
	                (int)sfirst->len, (const char *)sfirst->data, sf.nonce, ext);
	fjord__response__free_unpacked(resp, NULL);
	ck_assert_int_eq(scram_salted_password(SCRAM_SHA_256, "alice-secret", 12, sf.salt,
	                                       sf.salt_len, sf.iterations, salted),
	                 0);
	ck_assert_int_eq(scram_client_proof(SCRAM_SHA_256, salted, auth, (size_t)alen, proof, sig),
	                 0);
	proof[3] ^= (uint8_t)flip;
	ck_assert_int_eq(scram_b64_encode(proof, 32, proof64, sizeof(proof64)), 44);
	flen = snprintf(final, sizeof(final), "c=biws,r=%s%s,p=%s", sf.nonce, ext, proof64);
	resp = t0094_raw_auth(fd, final, (size_t)flen, 12);
	ck_assert_msg(resp && resp->sasl_authenticate, "no answer to client-final");
	if (flip) {
		ck_assert_int_eq(resp->sasl_authenticate->error,
		                 FJORD__ERROR_CODE__SASL_AUTHENTICATION_FAILED);
		ck_assert_msg(
		    resp->sasl_authenticate->error_message &&
		        strstr(resp->sasl_authenticate->error_message, "invalid credentials"),
		    "no message with the refusal");
	} else {
		char want[128];
		ck_assert_int_eq(resp->sasl_authenticate->error, 0);
		ck_assert_int_eq(scram_b64_encode(sig, 32, want + 2, sizeof(want) - 2), 44);
		memcpy(want, "v=", 2);
		ck_assert_int_eq(resp->sasl_authenticate->auth_bytes.len, 46);
		ck_assert_int_eq(memcmp(resp->sasl_authenticate->auth_bytes.data, want, 46), 0);
	}
	fjord__response__free_unpacked(resp, NULL);
	return fd;
}

/* The broker's side of the protocol, without the SDK. */
static void t0094_raw_sasl(int port)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__MetadataRequest md = FJORD__METADATA_REQUEST__INIT;
	Fjord__Response *resp;
	int fd;

	req.api = FJORD__API_KEY__METADATA;
	req.body_case = FJORD__REQUEST__BODY_METADATA;
	req.metadata = &md;

	/* A mechanism the broker does not have: refused, the list given. */
	fd = raw_connect(port);
	ck_assert_int_ge(fd, 0);
	resp = t0094_raw_handshake(fd, "GSSAPI", 1);
	ck_assert_msg(resp && resp->sasl_handshake, "no answer to SaslHandshake(GSSAPI)");
	ck_assert_int_eq(resp->sasl_handshake->error,
	                 FJORD__ERROR_CODE__UNSUPPORTED_SASL_MECHANISM);
	ck_assert_int_eq(resp->sasl_handshake->n_mechanisms, 3);
	ck_assert_str_eq(resp->sasl_handshake->mechanisms[1], "SCRAM-SHA-256");
	fjord__response__free_unpacked(resp, NULL);
	close(fd);

	/* A long authzid (the user of 90 commas, escaped: 270 bytes):
	 * refused, nothing overrun. */
	{
		char first[1024];
		int n = snprintf(first, sizeof(first), "n,a=");
		for (int i = 0; i < T0094_COMMAS; i++)
			n += snprintf(first + n, sizeof(first) - (size_t)n, "=2C");
		n += snprintf(first + n, sizeof(first) - (size_t)n, ",n=");
		for (int i = 0; i < T0094_COMMAS; i++)
			n += snprintf(first + n, sizeof(first) - (size_t)n, "=2C");
		n += snprintf(first + n, sizeof(first) - (size_t)n, ",r=abc");
		fd = raw_connect(port);
		ck_assert_int_ge(fd, 0);
		resp = t0094_raw_handshake(fd, "SCRAM-SHA-256", 1);
		fjord__response__free_unpacked(resp, NULL);
		resp = t0094_raw_auth(fd, first, (size_t)n, 2);
		ck_assert_msg(resp && resp->sasl_authenticate, "no answer to a long authzid");
		ck_assert_int_eq(resp->sasl_authenticate->error,
		                 FJORD__ERROR_CODE__SASL_AUTHENTICATION_FAILED);
		fjord__response__free_unpacked(resp, NULL);
		close(fd);
	}

	/* Authenticate before Handshake. */
	fd = raw_connect(port);
	ck_assert_int_ge(fd, 0);
	resp = t0094_raw_auth(fd, "x", 1, 1);
	ck_assert_msg(resp && resp->sasl_authenticate, "no answer to an early SaslAuthenticate");
	ck_assert_int_eq(resp->sasl_authenticate->error, FJORD__ERROR_CODE__ILLEGAL_SASL_STATE);
	fjord__response__free_unpacked(resp, NULL);
	close(fd);

	/* A PLAIN check still running on the broker's bg thread when the
	 * client goes away: the answer is dropped, the broker goes on (the
	 * logins below). */
	for (int i = 0; i < 5; i++) {
		static const char plain[] = "\0alice\0alice-secret";
		Fjord__Request ar_req = FJORD__REQUEST__INIT;
		Fjord__SaslAuthenticateRequest ar = FJORD__SASL_AUTHENTICATE_REQUEST__INIT;
		fd = raw_connect(port);
		ck_assert_int_ge(fd, 0);
		resp = t0094_raw_handshake(fd, "PLAIN", 1);
		ck_assert_msg(resp && resp->sasl_handshake && resp->sasl_handshake->error == 0,
		              "PLAIN handshake refused");
		fjord__response__free_unpacked(resp, NULL);
		ar.auth_bytes.data = (uint8_t *)plain;
		ar.auth_bytes.len = sizeof(plain) - 1;
		ar_req.api = FJORD__API_KEY__SASL_AUTHENTICATE;
		ar_req.body_case = FJORD__REQUEST__BODY_SASL_AUTHENTICATE;
		ar_req.sasl_authenticate = &ar;
		ar_req.correlation_id = 2;
		ck_assert_int_eq(raw_send_request(fd, &ar_req, NULL, 0), 0);
		close(fd);
	}

	/* A wrong proof: refused, then nothing is served. */
	fd = t0094_raw_scram(port, 0x10, 0);
	req.correlation_id = 20;
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	ck_assert_msg(raw_wait_closed(fd, (int)(5000 * test_timeout_multiplier())),
	              "a refused connection was served");
	close(fd);

	/* The right proof: the broker's signature verifies, Metadata is served. */
	fd = t0094_raw_scram(port, 0, 0);
	resp = t0094_raw_call(fd, &req, 21);
	ck_assert_msg(resp && resp->body_case == FJORD__RESPONSE__BODY_METADATA,
	              "Metadata not served after the login");
	fjord__response__free_unpacked(resp, NULL);
	close(fd);

	/* A client-final carrying an extension almost as long as a message
	 * may be: part of the AuthMessage, accepted. */
	fd = t0094_raw_scram(port, 0, 1900);
	resp = t0094_raw_call(fd, &req, 22);
	ck_assert_msg(resp && resp->body_case == FJORD__RESPONSE__BODY_METADATA,
	              "Metadata not served after the login");
	fjord__response__free_unpacked(resp, NULL);
	close(fd);
}

START_TEST(t0094_logins)
{
	test_cluster_t *c = test_cluster_new(1, T0094_EXTRA);
	const char *topic = test_topic_name("sasl");
	int sasl_port = test_listener_port(c, 0, "SASL_PLAINTEXT");
	int failed = 0, total = 0;
	fjord_err_t err;
	char *json = t0094_user_json("alice-secret");

	test_create_topic(c, topic, 1, 1);
	free(json);
	t0094_cli(c, "user create alice --password alice-secret", 0,
	          "SCRAM-SHA-256 and SCRAM-SHA-512");
	{
		fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), NULL, 0);
		char errstr[256];
		ck_assert_ptr_nonnull(admin);
		ck_assert_int_eq(fjord_admin_upsert_scram_user(admin, "dave", "dave-pw",
		                                               FJORD_SCRAM_SHA_256, 8192, errstr,
		                                               sizeof(errstr)),
		                 FJORD_ERR_NO_ERROR);
		char commas[T0094_COMMAS + 1];
		memset(commas, ',', T0094_COMMAS);
		commas[T0094_COMMAS] = '\0';
		ck_assert_int_eq(fjord_admin_upsert_scram_user(admin, commas, "commas-pw", 0, 0,
		                                               errstr, sizeof(errstr)),
		                 FJORD_ERR_NO_ERROR);
		ck_assert_int_eq(
		    fjord_admin_upsert_scram_user(admin, "a/b", "pw", 0, 0, errstr, sizeof(errstr)),
		    FJORD_ERR__INVALID_ARG);
		ck_assert_int_eq(fjord_admin_upsert_scram_user(admin, "eve", "pw", 0, 100, errstr,
		                                               sizeof(errstr)),
		                 FJORD_ERR__INVALID_ARG);
		fjord_destroy(admin);
	}
	t0094_cli(c, "user list", 0, ",\nalice\ndave\n"); /* ...the commas' line ends ",\n" */
	{
		/* The SDK escapes ',' in SCRAM user names. */
		char commas[T0094_COMMAS + 1];
		memset(commas, ',', T0094_COMMAS);
		commas[T0094_COMMAS] = '\0';
		t0094_expect_login(sasl_port, "SCRAM-SHA-256", commas, "commas-pw",
		                   FJORD_ERR_NO_ERROR);
	}
	t0094_expect_login(sasl_port, "SCRAM-SHA-256", "dave", "dave-pw", FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t0094_login(sasl_port, "SCRAM-SHA-512", "dave", "dave-pw"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	t0094_expect_login(sasl_port, "SCRAM-SHA-256", "alice", "alice-secret", FJORD_ERR_NO_ERROR);

	/* Right password, both SCRAM mechanisms. */
	total += t0094_produce(c, topic, total, T0094_MSGS, "SCRAM-SHA-256", "alice-secret",
	                       &failed, &err);
	ck_assert_int_eq(failed, 0);
	total += t0094_produce(c, topic, total, T0094_MSGS, "SCRAM-SHA-512", "alice-secret",
	                       &failed, &err);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(total, 2 * T0094_MSGS);

	/* Wrong password: refused, nothing appended. */
	ck_assert_int_eq(t0094_login(sasl_port, "SCRAM-SHA-256", "alice", "alice-secreT"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(t0094_login(sasl_port, "SCRAM-SHA-512", "bob", "alice-secret"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(
	    t0094_produce(c, topic, total, 50, "SCRAM-SHA-512", "wrong", &failed, &err), 0);
	ck_assert_int_eq(failed, 50);
	ck_assert_int_eq(err, FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(fjord_err_is_retriable(err), 0);
	ck_assert_int_eq(t0094_high(c, topic), total);

	/* PLAIN, checked against the SCRAM credential. */
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "alice", "alice-secret"),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "alice", "alice"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	total += t0094_produce(c, topic, total, 50, "PLAIN", "alice-secret", &failed, &err);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(t0094_produce(c, topic, total, 20, "PLAIN", "nope", &failed, &err), 0);
	ck_assert_int_eq(err, FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(t0094_high(c, topic), total);

	t0094_consume(c, topic, total);
	t0094_raw_unauthenticated(sasl_port, c->brokers[0].port, topic);
	t0094_raw_sasl(sasl_port);
	{
		char *body = NULL;
		long long ok = -1, bad = -1, closed = -1;
		ck_assert_int_eq(harness_http_get(c->brokers[0].http_port, "/metrics", &body, 5000),
		                 200);
		char *at = strstr(body, "fjord_sasl_authentications_total{result=\"ok\"} ");
		if (at)
			ok = atoll(strchr(at, '}') + 2);
		at = strstr(body, "fjord_sasl_authentications_total{result=\"failed\"} ");
		if (at)
			bad = atoll(strchr(at, '}') + 2);
		at = strstr(body, "\nfjord_sasl_unauthenticated_closed_total ");
		if (at)
			closed = atoll(at + strlen("\nfjord_sasl_unauthenticated_closed_total "));
		test_say("metrics: %lld logins ok, %lld failed, %lld closed before a login", ok,
		         bad, closed);
		/* Failed: 2 SCRAM + 1 PLAIN logins, 2 producers, 1 raw proof. */
		ck_assert_int_ge(bad, 6);
		ck_assert_int_ge(ok, 5);
		/* Metadata, Produce, the 1 MiB frame, the request after a refusal. */
		ck_assert_int_ge(closed, 4);
		free(body);
	}
	ck_assert_int_eq(t0094_high(c, topic), total);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0094_user_changes)
{
	test_cluster_t *c = test_cluster_new(1, T0094_EXTRA);
	int sasl_port = test_listener_port(c, 0, "SASL_PLAINTEXT");
	char *json = t0094_user_json("first-pw");

	t0094_zkcli_user(c, "create", "carol", json);
	free(json);
	t0094_expect_login(sasl_port, "SCRAM-SHA-512", "carol", "first-pw", FJORD_ERR_NO_ERROR);

	/* A new password: the old one stops working, the new one works. */
	json = t0094_user_json("second-pw");
	t0094_zkcli_user(c, "set", "carol", json);
	free(json);
	t0094_expect_login(sasl_port, "SCRAM-SHA-512", "carol", "first-pw",
	                   FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(t0094_login(sasl_port, "SCRAM-SHA-512", "carol", "second-pw"),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "carol", "second-pw"), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "carol", "first-pw"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	/* The same through the CLI (an update of an existing user). */
	t0094_cli(
	    c, "user create carol --password third-pw --mechanism SCRAM-SHA-512 --iterations 8192",
	    0, "SCRAM-SHA-512 credential written");
	t0094_expect_login(sasl_port, "SCRAM-SHA-512", "carol", "second-pw",
	                   FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(t0094_login(sasl_port, "SCRAM-SHA-512", "carol", "third-pw"),
	                 FJORD_ERR_NO_ERROR);
	/* SCRAM-SHA-256 kept the zkCli credential. */
	ck_assert_int_eq(t0094_login(sasl_port, "SCRAM-SHA-256", "carol", "second-pw"),
	                 FJORD_ERR_NO_ERROR);
	/* PLAIN takes the password of either credential. */
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "carol", "second-pw"), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "carol", "third-pw"), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "carol", "first-pw"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);

	/* Deleted: no login at all. */
	t0094_cli(c, "user delete carol", 0, "user carol deleted");
	t0094_cli(c, "user delete carol", 1, "no user");
	{
		int st = -1;
		char *out = test_zkcli(c, "ls /config/changes", &st);
		ck_assert_msg(out && strstr(out, "config_change_"), "no change notification: %s",
		              out ? out : "");
		free(out);
	}
	t0094_expect_login(sasl_port, "SCRAM-SHA-256", "carol", "second-pw",
	                   FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	ck_assert_int_eq(t0094_login(sasl_port, "PLAIN", "carol", "second-pw"),
	                 FJORD_ERR_SASL_AUTHENTICATION_FAILED);
	test_cluster_destroy(c);
}
END_TEST

void test_0094(TCase *tc)
{
	tcase_add_test(tc, t0094_logins);
	tcase_add_test(tc, t0094_user_changes);
}
