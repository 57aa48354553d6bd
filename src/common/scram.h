/*
 * scram.h — SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677): the key
 * derivation, the credential Kafka stores in /config/users/<user>, and the
 * parsers and builders of the four SCRAM messages. The broker's side
 * (broker/sasl_server.c), the SDK's (client/bsasl.c) and the admin calls
 * that create users (client/admin_user.c) all use it.
 *
 * Thread: any; no state. Every parser is bounded (SCRAM_MSG_MAX) and never
 * reads past its input; messages are not NUL-terminated.
 */
#ifndef FJORD_COMMON_SCRAM_H
#define FJORD_COMMON_SCRAM_H

#include <stddef.h>
#include <stdint.h>

typedef enum scram_mech {
	SCRAM_SHA_256 = 0,
	SCRAM_SHA_512 = 1,
} scram_mech_t;
#define SCRAM_MECH_CNT 2

#define SCRAM_KEY_MAX 64  /* SHA-512's output */
#define SCRAM_SALT_MAX 64 /* bytes of salt we accept (Kafka writes 32) */
#define SCRAM_SALT_LEN 32 /* bytes of salt we create */
/* Kafka's bounds for a credential's iterations (ScramMechanism). */
#define SCRAM_ITER_MIN 4096
#define SCRAM_ITER_MAX 16384
#define SCRAM_ITER_DEFAULT 4096
/* A SCRAM message longer than this is refused (RFC 5802 messages are a
 * few hundred bytes; this bounds what one peer makes the other parse). */
#define SCRAM_MSG_MAX 2048
#define SCRAM_NAME_MAX 256  /* a user name, unescaped */
#define SCRAM_NONCE_MAX 512 /* client + server nonce */

/* "SCRAM-SHA-256" / "SCRAM-SHA-512". */
const char *scram_mech_name(scram_mech_t mech);
/* 0 and *out for a mechanism name (exact, as SASL names are), else -1. */
int scram_mech_parse(const char *name, scram_mech_t *out);
/* Digest length: 32 or 64. */
size_t scram_key_len(scram_mech_t mech);

/* One stored credential: what /config/users/<user> holds per mechanism. */
typedef struct scram_cred {
	uint8_t salt[SCRAM_SALT_MAX];
	size_t salt_len;
	uint8_t stored_key[SCRAM_KEY_MAX];
	uint8_t server_key[SCRAM_KEY_MAX];
	int iterations;
} scram_cred_t;

/* SaltedPassword := Hi(password, salt, i) (PBKDF2-HMAC). out holds
 * scram_key_len(mech) bytes. 0 or -1. */
int scram_salted_password(scram_mech_t mech, const char *password, size_t password_len,
                          const uint8_t *salt, size_t salt_len, int iterations, uint8_t *out);
/* The credential of a password with the given salt and iterations. 0 or -1
 * (salt too long, iterations outside 1..SCRAM_ITER_MAX, OpenSSL failure). */
int scram_cred_derive(scram_mech_t mech, const char *password, const uint8_t *salt, size_t salt_len,
                      int iterations, scram_cred_t *out);
/* The same with a fresh random salt of SCRAM_SALT_LEN bytes. */
int scram_cred_new(scram_mech_t mech, const char *password, int iterations, scram_cred_t *out);
/* Kafka's text form: "salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>".
 * Returns the length written (NUL-terminated), or -1 when n is too small. */
int scram_cred_format(scram_mech_t mech, const scram_cred_t *cred, char *buf, size_t n);
/* Parses Kafka's text form (keys in any order, each once; iterations in
 * SCRAM_ITER_MIN..SCRAM_ITER_MAX; key lengths the digest's). 0, or -1 with
 * errstr naming what is wrong. */
int scram_cred_parse(scram_mech_t mech, const char *s, size_t len, scram_cred_t *out, char *errstr,
                     size_t n);
/* 1 when password derives cred's StoredKey (PLAIN against a SCRAM
 * credential; compared in constant time), 0 when not, -1 on failure. */
int scram_cred_check_password(scram_mech_t mech, const scram_cred_t *cred, const char *password);

/* ------------------------------------------------------------ messages */

/* client-first-message: gs2-header "n,," or "y,," (an authzid "a=" must
 * equal the user name), then client-first-message-bare
 * "n=<user>,r=<nonce>[,extensions]". */
typedef struct scram_client_first {
	char user[SCRAM_NAME_MAX + 1]; /* unescaped (=2C, =3D) */
	char nonce[SCRAM_NONCE_MAX + 1];
	size_t gs2_len;  /* the gs2 header's length ("n,," : 3) */
	size_t bare_off; /* client-first-message-bare within the message */
} scram_client_first_t;

/* server-first-message "r=<nonce>,s=<salt b64>,i=<iterations>". */
typedef struct scram_server_first {
	char nonce[SCRAM_NONCE_MAX + 1];
	uint8_t salt[SCRAM_SALT_MAX];
	size_t salt_len;
	int iterations;
} scram_server_first_t;

/* client-final-message "c=<b64 gs2 header>,r=<nonce>,p=<proof b64>". */
typedef struct scram_client_final {
	uint8_t channel_binding[64]; /* decoded c= (the gs2 header, no cb data) */
	size_t channel_binding_len;
	char nonce[SCRAM_NONCE_MAX + 1];
	uint8_t proof[SCRAM_KEY_MAX];
	size_t proof_len;
	size_t without_proof_len; /* client-final-message-without-proof */
} scram_client_final_t;

/* server-final-message "v=<signature b64>" or "e=<error>". */
typedef struct scram_server_final {
	uint8_t signature[SCRAM_KEY_MAX];
	size_t signature_len;
	char error[128]; /* non-empty: the server's e= */
} scram_server_final_t;

/* Each parser: 0, or -1 with errstr saying what is malformed. */
int scram_parse_client_first(const char *msg, size_t len, scram_client_first_t *out, char *errstr,
                             size_t n);
int scram_parse_server_first(const char *msg, size_t len, scram_server_first_t *out, char *errstr,
                             size_t n);
int scram_parse_client_final(const char *msg, size_t len, scram_client_final_t *out, char *errstr,
                             size_t n);
int scram_parse_server_final(const char *msg, size_t len, scram_server_final_t *out, char *errstr,
                             size_t n);

/* A nonce of 32 printable characters (base64 of 24 random bytes, no ','),
 * NUL-terminated; out holds 33 bytes. 0 or -1. */
int scram_nonce(char *out);

/* The client's proof and the server signature it expects, from the salted
 * password and the AuthMessage (client-first-bare "," server-first ","
 * client-final-without-proof). Both outputs hold scram_key_len bytes. */
int scram_client_proof(scram_mech_t mech, const uint8_t *salted, const char *auth_msg,
                       size_t auth_len, uint8_t *proof, uint8_t *server_sig);
/* The server's check of a proof against a stored credential: 1 valid (and
 * server_sig filled), 0 invalid, -1 failure. Compares in constant time. */
int scram_server_verify(scram_mech_t mech, const scram_cred_t *cred, const char *auth_msg,
                        size_t auth_len, const uint8_t *proof, size_t proof_len,
                        uint8_t *server_sig);

/* Base64 (RFC 4648, padded). Encode: NUL-terminated, returns the length or
 * -1 when n is too small. Decode: strict (no whitespace, padding right),
 * returns the decoded length or -1. */
int scram_b64_encode(const uint8_t *in, size_t len, char *out, size_t n);
int scram_b64_decode(const char *in, size_t len, uint8_t *out, size_t n);

/* A SASL name with ',' and '=' escaped as =2C and =3D (RFC 5802 saslname).
 * Returns the length or -1 when n is too small. */
int scram_escape_name(const char *name, char *out, size_t n);

#endif /* FJORD_COMMON_SCRAM_H */
