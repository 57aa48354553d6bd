/*
 * 0093-unit-scram — SCRAM (src/common/scram.c) and the /config/users codec
 * (src/common/zkjson_user.c) without a broker.
 *
 * RFC 7677's published SCRAM-SHA-256 exchange (user "user", password
 * "pencil") is replayed byte for byte: the client's proof and the server's
 * signature computed from the password must be the RFC's, the server's
 * check of the RFC's proof against the credential derived from the
 * password must pass, and a proof with one bit flipped must fail. Then the
 * same for SCRAM-SHA-512 as a round trip (no published vector), the PLAIN
 * check against a stored credential, Kafka's credential text, the users
 * znode JSON, malformed messages refused with a reason, and the SDK's
 * checks of its SASL properties (fjord_new without a broker).
 */
#include <stdlib.h>
#include <string.h>

#include "common/scram.h"
#include "common/zkjson_user.h"
#include "test.h"

/* RFC 7677, section 3. */
#define T0093_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define T0093_SERVER_FIRST                                                                         \
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define T0093_CLIENT_FINAL                                                                         \
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9z" \
	"jfMHgsqmmiz7AndVQ="
#define T0093_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

START_TEST(t0093_rfc7677_vector)
{
	scram_client_first_t cf;
	scram_server_first_t sf;
	scram_client_final_t cfin;
	scram_server_final_t sfin;
	scram_cred_t cred;
	uint8_t salted[SCRAM_KEY_MAX], proof[SCRAM_KEY_MAX], sig[SCRAM_KEY_MAX],
	    sig2[SCRAM_KEY_MAX];
	char err[256], auth[1024], b64[128];
	int alen;

	ck_assert_int_eq(scram_parse_client_first(T0093_CLIENT_FIRST, strlen(T0093_CLIENT_FIRST),
	                                          &cf, err, sizeof(err)),
	                 0);
	ck_assert_str_eq(cf.user, "user");
	ck_assert_str_eq(cf.nonce, "rOprNGfwEbeRWgbNEkqO");
	ck_assert_int_eq(cf.bare_off, 3);
	ck_assert_int_eq(scram_parse_server_first(T0093_SERVER_FIRST, strlen(T0093_SERVER_FIRST),
	                                          &sf, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(sf.iterations, 4096);
	ck_assert_int_eq(sf.salt_len, 16);
	ck_assert_int_eq(strncmp(sf.nonce, cf.nonce, strlen(cf.nonce)), 0);
	ck_assert_int_eq(scram_parse_client_final(T0093_CLIENT_FINAL, strlen(T0093_CLIENT_FINAL),
	                                          &cfin, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(cfin.channel_binding_len, 3);
	ck_assert_int_eq(memcmp(cfin.channel_binding, "n,,", 3), 0);
	ck_assert_int_eq(cfin.proof_len, 32);

	/* The AuthMessage, as both sides build it. */
	alen = snprintf(auth, sizeof(auth), "%s,%s,%.*s", T0093_CLIENT_FIRST + cf.bare_off,
	                T0093_SERVER_FIRST, (int)cfin.without_proof_len, T0093_CLIENT_FINAL);

	/* Client side: the proof from the password is the RFC's. */
	ck_assert_int_eq(scram_salted_password(SCRAM_SHA_256, "pencil", 6, sf.salt, sf.salt_len,
	                                       sf.iterations, salted),
	                 0);
	ck_assert_int_eq(scram_client_proof(SCRAM_SHA_256, salted, auth, (size_t)alen, proof, sig),
	                 0);
	ck_assert_int_eq(memcmp(proof, cfin.proof, 32), 0);
	ck_assert_int_eq(scram_b64_encode(sig, 32, b64, sizeof(b64)), 44);
	ck_assert_str_eq(b64, T0093_SERVER_FINAL + 2);

	/* Server side: the stored credential accepts the RFC's proof and
	 * signs as the RFC does; a flipped bit is refused. */
	ck_assert_int_eq(
	    scram_cred_derive(SCRAM_SHA_256, "pencil", sf.salt, sf.salt_len, 4096, &cred), 0);
	ck_assert_int_eq(scram_server_verify(SCRAM_SHA_256, &cred, auth, (size_t)alen, cfin.proof,
	                                     cfin.proof_len, sig2),
	                 1);
	ck_assert_int_eq(memcmp(sig, sig2, 32), 0);
	ck_assert_int_eq(scram_parse_server_final(T0093_SERVER_FINAL, strlen(T0093_SERVER_FINAL),
	                                          &sfin, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(sfin.signature_len, 32);
	ck_assert_int_eq(memcmp(sfin.signature, sig2, 32), 0);
	cfin.proof[7] ^= 0x10;
	ck_assert_int_eq(scram_server_verify(SCRAM_SHA_256, &cred, auth, (size_t)alen, cfin.proof,
	                                     cfin.proof_len, sig2),
	                 0);
	/* A proof of the wrong length is refused, not read past. */
	ck_assert_int_eq(
	    scram_server_verify(SCRAM_SHA_256, &cred, auth, (size_t)alen, cfin.proof, 31, sig2), 0);
	/* PLAIN against the credential. */
	ck_assert_int_eq(scram_cred_check_password(SCRAM_SHA_256, &cred, "pencil"), 1);
	ck_assert_int_eq(scram_cred_check_password(SCRAM_SHA_256, &cred, "pencil "), 0);
	ck_assert_int_eq(scram_cred_check_password(SCRAM_SHA_256, &cred, ""), 0);
}
END_TEST

START_TEST(t0093_sha512_round_trip)
{
	scram_cred_t cred;
	uint8_t salted[SCRAM_KEY_MAX], proof[SCRAM_KEY_MAX], sig[SCRAM_KEY_MAX],
	    sig2[SCRAM_KEY_MAX];
	const char *auth = "n=alice,r=abc,r=abcdef,s=QUJD,i=4096,c=biws,r=abcdef";

	ck_assert_int_eq(scram_cred_new(SCRAM_SHA_512, "s3cret", 4096, &cred), 0);
	ck_assert_int_eq(cred.salt_len, SCRAM_SALT_LEN);
	ck_assert_int_eq(scram_salted_password(SCRAM_SHA_512, "s3cret", 6, cred.salt, cred.salt_len,
	                                       cred.iterations, salted),
	                 0);
	ck_assert_int_eq(scram_client_proof(SCRAM_SHA_512, salted, auth, strlen(auth), proof, sig),
	                 0);
	ck_assert_int_eq(
	    scram_server_verify(SCRAM_SHA_512, &cred, auth, strlen(auth), proof, 64, sig2), 1);
	ck_assert_int_eq(memcmp(sig, sig2, 64), 0);
	/* Another password's proof fails. */
	ck_assert_int_eq(scram_salted_password(SCRAM_SHA_512, "s3creT", 6, cred.salt, cred.salt_len,
	                                       cred.iterations, salted),
	                 0);
	ck_assert_int_eq(scram_client_proof(SCRAM_SHA_512, salted, auth, strlen(auth), proof, sig),
	                 0);
	ck_assert_int_eq(
	    scram_server_verify(SCRAM_SHA_512, &cred, auth, strlen(auth), proof, 64, sig2), 0);
	/* Two credentials of one password differ (random salt). */
	{
		scram_cred_t c2;
		ck_assert_int_eq(scram_cred_new(SCRAM_SHA_512, "s3cret", 4096, &c2), 0);
		ck_assert_int_ne(memcmp(c2.salt, cred.salt, SCRAM_SALT_LEN), 0);
		ck_assert_int_eq(scram_cred_check_password(SCRAM_SHA_512, &c2, "s3cret"), 1);
	}
}
END_TEST

static void t0093_bad(int which, const char *msg, const char *want)
{
	char err[256] = "";
	int rc;
	union {
		scram_client_first_t cf;
		scram_server_first_t sf;
		scram_client_final_t cfin;
		scram_server_final_t sfin;
	} u;

	if (which == 0)
		rc = scram_parse_client_first(msg, strlen(msg), &u.cf, err, sizeof(err));
	else if (which == 1)
		rc = scram_parse_server_first(msg, strlen(msg), &u.sf, err, sizeof(err));
	else if (which == 2)
		rc = scram_parse_client_final(msg, strlen(msg), &u.cfin, err, sizeof(err));
	else
		rc = scram_parse_server_final(msg, strlen(msg), &u.sfin, err, sizeof(err));
	ck_assert_msg(rc == -1, "accepted \"%s\"", msg);
	ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\" for \"%s\"", err, want, msg);
}

START_TEST(t0093_malformed)
{
	scram_client_first_t cf;
	char err[256], big[SCRAM_MSG_MAX + 10];

	t0093_bad(0, "", "length");
	t0093_bad(0, "p=tls-unique,,n=user,r=abc", "channel binding");
	t0093_bad(0, "n,,r=abc,n=user", "n=");
	t0093_bad(0, "n,,n=us=2Xer,r=abc", "escape");
	t0093_bad(0, "n,,n=user", "r=");
	t0093_bad(0, "n,,n=user,r=a b", "printable");
	t0093_bad(0, "n,,n=,r=abc", "empty user");
	t0093_bad(0, "n,a=bob,n=alice,r=abc", "authzid");
	t0093_bad(0, "n,,n=user,r=abc,m=x", "mandatory");
	t0093_bad(0, "n,,n=user,r=abc,", "extension");
	t0093_bad(0, "n,", "gs2");
	memset(big, 'a', sizeof(big));
	memcpy(big, "n,,n=", 5);
	big[sizeof(big) - 1] = '\0';
	t0093_bad(0, big, "length");
	t0093_bad(1, "r=abc,s=!!!!,i=4096", "salt");
	t0093_bad(1, "r=abc,s=QUJD,i=100", "4096");
	t0093_bad(1, "r=abc,s=QUJD,i=99999999", "iteration");
	t0093_bad(1, "r=abc,s=QUJD", "i=");
	t0093_bad(1, "e=unknown-user", "server error");
	t0093_bad(2, "c=biws,r=abc", "proof");
	t0093_bad(2, "c=biws,r=abc,p=AAAA,x=1", "after the proof");
	t0093_bad(2, "c=b,r=abc,p=AAAA", "channel binding");
	t0093_bad(2, "c=biws,r=abc,p=A===", "proof");
	t0093_bad(3, "x=1", "v= or e=");
	t0093_bad(3, "v=@@@@", "signature");

	/* Escapes and an authzid equal to the user are fine. */
	ck_assert_int_eq(
	    scram_parse_client_first("y,a=a=2Cb,n=a=2Cb,r=xyz", 23, &cf, err, sizeof(err)), 0);
	ck_assert_str_eq(cf.user, "a,b");
	{
		char esc[32];
		ck_assert_int_eq(scram_escape_name("a,b=c", esc, sizeof(esc)), 9);
		ck_assert_str_eq(esc, "a=2Cb=3Dc");
		ck_assert_int_eq(scram_escape_name("abcdef", esc, 4), -1);
	}
	/* The parser reads only len bytes: a prefix of a valid message is
	 * judged on its own. */
	ck_assert_int_eq(scram_parse_client_first(T0093_CLIENT_FIRST, 10, &cf, err, sizeof(err)),
	                 -1);
}
END_TEST

START_TEST(t0093_cred_text_and_znode)
{
	static const char rfc_user[] =
	    "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,"
	    "server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,iterations=4096\"}}";
	zkjson_user_t u, u2;
	char err[256], *enc, *enc2, text[512];
	uint8_t salt[16];

	/* The stored and server keys of RFC 7677's exchange (computed from
	 * "pencil"), in the format Kafka's kafka-configs.sh writes. */
	ck_assert_int_eq(zkjson_user_decode(rfc_user, strlen(rfc_user), &u, err, sizeof(err)), 0);
	ck_assert_int_eq(u.has[SCRAM_SHA_256], 1);
	ck_assert_int_eq(u.has[SCRAM_SHA_512], 0);
	ck_assert_int_eq(scram_cred_check_password(SCRAM_SHA_256, &u.cred[SCRAM_SHA_256], "pencil"),
	                 1);
	ck_assert_int_eq(scram_b64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof(salt)), 16);
	enc = zkjson_user_encode(&u);
	ck_assert_ptr_nonnull(enc);
	ck_assert_str_eq(enc, rfc_user);
	free(enc);

	/* Both mechanisms; round trip. */
	ck_assert_int_eq(scram_cred_new(SCRAM_SHA_512, "pw", 8192, &u.cred[SCRAM_SHA_512]), 0);
	u.has[SCRAM_SHA_512] = 1;
	enc = zkjson_user_encode(&u);
	ck_assert_ptr_nonnull(enc);
	ck_assert_int_eq(zkjson_user_decode(enc, strlen(enc), &u2, err, sizeof(err)), 0);
	enc2 = zkjson_user_encode(&u2);
	ck_assert_str_eq(enc, enc2);
	ck_assert_int_eq(u2.cred[SCRAM_SHA_512].iterations, 8192);
	free(enc);
	free(enc2);
	ck_assert_int_eq(scram_cred_format(SCRAM_SHA_256, &u.cred[0], text, sizeof(text)) > 0, 1);
	ck_assert_int_eq(scram_cred_format(SCRAM_SHA_256, &u.cred[0], text, 20), -1);

	/* Refusals name what is wrong; other config keys are ignored. */
	{
		static const struct {
			const char *json, *want;
		} bad[] = {
			{ "{\"version\":1}", "config" },
			{ "{\"version\":1,\"config\":{}}", "no SCRAM" },
			{ "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":5}}", "string" },
			{ "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=QUJD\"}}", "needs" },
			{ "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=QUJD,stored_key="
			  "QUJD,"
			  "server_key=QUJD,iterations=4096\"}}",
			  "stored_key" },
			{ "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt="
			  "W22ZaJ0SNY7soEsUEjb6gQ==,"
			  "stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,"
			  "server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,iterations=10\"}"
			  "}",
			  "iterations 10" },
			{ "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=QUJD,salt=QUJD\"}}",
			  "twice" },
			{ "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"pepper=QUJD\"}}",
			  "unknown" },
			{ "not json", "invalid JSON" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			err[0] = '\0';
			ck_assert_int_eq(zkjson_user_decode(bad[i].json, strlen(bad[i].json), &u,
			                                    err, sizeof(err)),
			                 -1);
			ck_assert_msg(strstr(err, bad[i].want), "error \"%s\" lacks \"%s\"", err,
			              bad[i].want);
			ck_assert_int_eq(u.has[0] + u.has[1], 0);
		}
	}
	{
		static const char extra[] =
		    "{\"version\":1,\"config\":{\"producer_byte_rate\":\"1024\",\"SCRAM-SHA-256\":"
		    "\"iterations=4096,salt=W22ZaJ0SNY7soEsUEjb6gQ==,"
		    "server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,"
		    "stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=\"}}";
		ck_assert_int_eq(zkjson_user_decode(extra, strlen(extra), &u, err, sizeof(err)), 0);
		ck_assert_int_eq(u.has[SCRAM_SHA_256], 1);
	}
	enc = zkjson_user_change_encode("alice");
	ck_assert_str_eq(enc, "{\"version\":2,\"entity_path\":\"users/alice\"}");
	free(enc);
}
END_TEST

/* fjord_new's verdict on a producer with these SASL properties. */
static fjord_t *t0093_new(const char *proto, const char *mech, const char *user, const char *pw,
                          char *errstr, size_t n)
{
	fjord_conf_t *conf = fjord_conf_new();
	fjord_t *fj;

	ck_assert(fjord_conf_set(conf, "bootstrap.servers", "127.0.0.1:9", errstr, n) ==
	          FJORD_CONF_OK);
	ck_assert(fjord_conf_set(conf, "security.protocol", proto, errstr, n) == FJORD_CONF_OK);
	if (mech)
		ck_assert(fjord_conf_set(conf, "sasl.mechanism", mech, errstr, n) == FJORD_CONF_OK);
	if (user)
		ck_assert(fjord_conf_set(conf, "sasl.username", user, errstr, n) == FJORD_CONF_OK);
	if (pw)
		ck_assert(fjord_conf_set(conf, "sasl.password", pw, errstr, n) == FJORD_CONF_OK);
	fj = fjord_new(FJORD_PRODUCER, conf, errstr, n);
	if (!fj)
		fjord_conf_destroy(conf);
	return fj;
}

START_TEST(t0093_sdk_conf)
{
	char errstr[512];
	fjord_conf_t *conf = fjord_conf_new();
	fjord_t *fj;

	/* Mechanism names: librdkafka's plural key too; unknown ones refused. */
	ck_assert_int_eq(
	    fjord_conf_set(conf, "sasl.mechanisms", "scram-sha-256", errstr, sizeof(errstr)),
	    FJORD_CONF_OK);
	ck_assert_int_eq(fjord_conf_set(conf, "sasl.mechanism", "GSSAPI", errstr, sizeof(errstr)),
	                 FJORD_CONF_INVALID);
	fjord_conf_destroy(conf);

	fj = t0093_new("sasl_plaintext", NULL, "alice", NULL, errstr, sizeof(errstr));
	ck_assert_ptr_null(fj);
	ck_assert_msg(strstr(errstr, "sasl.username and sasl.password"), "%s", errstr);
	fj = t0093_new("SASL_PLAINTEXT", "PLAIN", NULL, "pw", errstr, sizeof(errstr));
	ck_assert_ptr_null(fj);
	fj = t0093_new("sasl_ssl", NULL, "alice", NULL, errstr, sizeof(errstr));
	ck_assert_ptr_null(fj);
	ck_assert_msg(strstr(errstr, "sasl.username and sasl.password"), "%s", errstr);
	fj = t0093_new("sasl_ssl", NULL, "alice", "pw", errstr, sizeof(errstr));
	ck_assert_msg(fj != NULL, "sasl_ssl refused: %s", errstr);
	fjord_destroy(fj);
	fj = t0093_new("sasl_plaintext", "SCRAM-SHA-512", "alice", "pw", errstr, sizeof(errstr));
	ck_assert_msg(fj != NULL, "sasl_plaintext refused: %s", errstr);
	fjord_destroy(fj);
}
END_TEST

void test_0093(TCase *tc)
{
	tcase_add_test(tc, t0093_sdk_conf);
	tcase_add_test(tc, t0093_rfc7677_vector);
	tcase_add_test(tc, t0093_sha512_round_trip);
	tcase_add_test(tc, t0093_malformed);
	tcase_add_test(tc, t0093_cred_text_and_znode);
}
