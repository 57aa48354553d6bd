/*
 * scram.c — SCRAM-SHA-256/512 (RFC 5802, RFC 7677) with OpenSSL's
 * PKCS5_PBKDF2_HMAC, HMAC and EVP digests: key derivation, Kafka's stored
 * credential text, and the four messages (see scram.h).
 *
 *   SaltedPassword  := Hi(Normalize(password), salt, i)      (PBKDF2-HMAC)
 *   ClientKey       := HMAC(SaltedPassword, "Client Key")
 *   StoredKey       := H(ClientKey)
 *   ServerKey       := HMAC(SaltedPassword, "Server Key")
 *   AuthMessage     := client-first-bare "," server-first "," client-final-without-proof
 *   ClientSignature := HMAC(StoredKey, AuthMessage)
 *   ClientProof     := ClientKey XOR ClientSignature
 *   ServerSignature := HMAC(ServerKey, AuthMessage)
 *
 * The server keeps only salt, iterations, StoredKey and ServerKey; it
 * checks a proof by recovering ClientKey = proof XOR ClientSignature and
 * comparing H(ClientKey) with StoredKey. Passwords are used as given (no
 * SASLprep), as Kafka does.
 *
 * Parsing: a message is a comma-separated list of "x=value" attributes in
 * a fixed order; parsers read exactly len bytes (never a NUL), refuse
 * anything longer than SCRAM_MSG_MAX, and every value has a bound. All
 * secret comparisons go through CRYPTO_memcmp.
 *
 * Thread: any; pure functions (the random salt and nonce come from
 * OpenSSL's RAND_bytes).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/numparse.h"
#include "common/scram.h"

static const char *const scram_mech_names[SCRAM_MECH_CNT] = { "SCRAM-SHA-256", "SCRAM-SHA-512" };

const char *scram_mech_name(scram_mech_t mech)
{
	return (unsigned)mech < SCRAM_MECH_CNT ? scram_mech_names[mech] : "?";
}

int scram_mech_parse(const char *name, scram_mech_t *out)
{
	for (int i = 0; i < SCRAM_MECH_CNT; i++) {
		if (strcmp(name, scram_mech_names[i]) == 0) {
			*out = (scram_mech_t)i;
			return 0;
		}
	}
	return -1;
}

size_t scram_key_len(scram_mech_t mech)
{
	return mech == SCRAM_SHA_512 ? 64 : 32;
}

static const EVP_MD *scram_md(scram_mech_t mech)
{
	return mech == SCRAM_SHA_512 ? EVP_sha512() : EVP_sha256();
}

/* ------------------------------------------------------------ base64 */

int scram_b64_encode(const uint8_t *in, size_t len, char *out, size_t n)
{
	size_t need = 4 * ((len + 2) / 3) + 1;

	if (n < need || len > (size_t)INT32_MAX / 2)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static int scram_b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int scram_b64_decode(const char *in, size_t len, uint8_t *out, size_t n)
{
	size_t o = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = in[i + k];
			if (c == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad) /* "=" then a letter */
				return -1;
			if ((v[k] = scram_b64_val(c)) < 0)
				return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		             (uint32_t)v[3];
		size_t take = 3 - (size_t)pad;
		if (o + take > n)
			return -1;
		out[o++] = (uint8_t)(w >> 16);
		if (take > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (take > 2)
			out[o++] = (uint8_t)w;
	}
	return (int)o;
}

/* ------------------------------------------------------------ keys */

int scram_salted_password(scram_mech_t mech, const char *password, size_t password_len,
                          const uint8_t *salt, size_t salt_len, int iterations, uint8_t *out)
{
	if (iterations < 1 || iterations > SCRAM_ITER_MAX || salt_len > SCRAM_SALT_MAX ||
	    password_len > INT32_MAX)
		return -1;
	return PKCS5_PBKDF2_HMAC(password, (int)password_len, salt, (int)salt_len, iterations,
	                         scram_md(mech), (int)scram_key_len(mech), out) == 1
	           ? 0
	           : -1;
}

static int scram_hmac(scram_mech_t mech, const uint8_t *key, const void *data, size_t len,
                      uint8_t *out)
{
	unsigned int olen = 0;

	return HMAC(scram_md(mech), key, (int)scram_key_len(mech), data, len, out, &olen) &&
	               olen == scram_key_len(mech)
	           ? 0
	           : -1;
}

static int scram_hash(scram_mech_t mech, const uint8_t *in, uint8_t *out)
{
	unsigned int olen = 0;

	return EVP_Digest(in, scram_key_len(mech), out, &olen, scram_md(mech), NULL) == 1 &&
	               olen == scram_key_len(mech)
	           ? 0
	           : -1;
}

/* ClientKey, StoredKey, ServerKey of a salted password (any may be NULL). */
static int scram_keys(scram_mech_t mech, const uint8_t *salted, uint8_t *client_key,
                      uint8_t *stored_key, uint8_t *server_key)
{
	uint8_t ck[SCRAM_KEY_MAX];
	int rc = -1;

	if (scram_hmac(mech, salted, "Client Key", 10, ck) < 0)
		goto out;
	if (client_key)
		memcpy(client_key, ck, scram_key_len(mech));
	if (stored_key && scram_hash(mech, ck, stored_key) < 0)
		goto out;
	if (server_key && scram_hmac(mech, salted, "Server Key", 10, server_key) < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	return rc;
}

int scram_cred_derive(scram_mech_t mech, const char *password, const uint8_t *salt, size_t salt_len,
                      int iterations, scram_cred_t *out)
{
	uint8_t salted[SCRAM_KEY_MAX];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (salt_len > SCRAM_SALT_MAX ||
	    scram_salted_password(mech, password, strlen(password), salt, salt_len, iterations,
	                          salted) < 0)
		goto out;
	if (scram_keys(mech, salted, NULL, out->stored_key, out->server_key) < 0)
		goto out;
	memcpy(out->salt, salt, salt_len);
	out->salt_len = salt_len;
	out->iterations = iterations;
	rc = 0;
out:
	OPENSSL_cleanse(salted, sizeof(salted));
	return rc;
}

int scram_cred_new(scram_mech_t mech, const char *password, int iterations, scram_cred_t *out)
{
	uint8_t salt[SCRAM_SALT_LEN];

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	return scram_cred_derive(mech, password, salt, sizeof(salt), iterations, out);
}

int scram_cred_check_password(scram_mech_t mech, const scram_cred_t *cred, const char *password)
{
	scram_cred_t derived;
	int rc;

	if (scram_cred_derive(mech, password, cred->salt, cred->salt_len, cred->iterations,
	                      &derived) < 0)
		return -1;
	rc = CRYPTO_memcmp(derived.stored_key, cred->stored_key, scram_key_len(mech)) == 0;
	OPENSSL_cleanse(&derived, sizeof(derived));
	return rc;
}

int scram_cred_format(scram_mech_t mech, const scram_cred_t *cred, char *buf, size_t n)
{
	char salt[4 * SCRAM_SALT_MAX / 3 + 8], sk[4 * SCRAM_KEY_MAX / 3 + 8],
	    svk[4 * SCRAM_KEY_MAX / 3 + 8];
	int w;

	if (scram_b64_encode(cred->salt, cred->salt_len, salt, sizeof(salt)) < 0 ||
	    scram_b64_encode(cred->stored_key, scram_key_len(mech), sk, sizeof(sk)) < 0 ||
	    scram_b64_encode(cred->server_key, scram_key_len(mech), svk, sizeof(svk)) < 0)
		return -1;
	w = snprintf(buf, n, "salt=%s,stored_key=%s,server_key=%s,iterations=%d", salt, sk, svk,
	             cred->iterations);
	return w < 0 || (size_t)w >= n ? -1 : w;
}

/* ------------------------------------------------------------ attributes */

/* The next "name=value" of a comma-separated list at *pos: *namep the
 * attribute name (the part before '=', nlen long), the value and its
 * length. 1 found, 0 at the end, -1 malformed (no '=', empty name). */
static int scram_next(const char *msg, size_t len, size_t *pos, const char **namep, size_t *nlen,
                      const char **valp, size_t *vlen)
{
	size_t p = *pos, end, eq;

	if (p > len)
		return 0;
	end = p;
	while (end < len && msg[end] != ',')
		end++;
	for (eq = p; eq < end && msg[eq] != '='; eq++)
		;
	if (eq == end || eq == p)
		return -1;
	*namep = msg + p;
	*nlen = eq - p;
	*valp = msg + eq + 1;
	*vlen = end - eq - 1;
	*pos = end + 1; /* past the comma; > len after the last one */
	return 1;
}

/* The next attribute, which must be the one-letter `want`. */
static int scram_expect(const char *msg, size_t len, size_t *pos, char want, const char **valp,
                        size_t *vlen, const char *what, char *errstr, size_t n)
{
	const char *name;
	size_t nlen;
	int rc = scram_next(msg, len, pos, &name, &nlen, valp, vlen);

	if (rc == 1 && nlen == 1 && name[0] == want)
		return 0;
	snprintf(errstr, n, "%s: expected attribute %c=", what, want);
	return -1;
}

/* A printable nonce without ',' (RFC 5802 "printable"). */
static int scram_copy_nonce(const char *v, size_t vlen, char *out, const char *what, char *errstr,
                            size_t n)
{
	if (vlen == 0 || vlen > SCRAM_NONCE_MAX) {
		snprintf(errstr, n, "%s: nonce length %zu outside 1..%d", what, vlen,
		         SCRAM_NONCE_MAX);
		return -1;
	}
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == ',') {
			snprintf(errstr, n, "%s: nonce has a character that is not printable",
			         what);
			return -1;
		}
	}
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return 0;
}

/* Unescapes a saslname (=2C → ',', =3D → '='); no NUL, no bare '='. */
static int scram_unescape_name(const char *v, size_t vlen, char *out, const char *what,
                               char *errstr, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < vlen; i++) {
		char c = v[i];
		if (c == '=') {
			if (i + 3 <= vlen && v[i + 1] == '2' && v[i + 2] == 'C')
				c = ',';
			else if (i + 3 <= vlen && v[i + 1] == '3' && v[i + 2] == 'D')
				c = '=';
			else {
				snprintf(errstr, n, "%s: bad escape in the user name", what);
				return -1;
			}
			i += 2;
		} else if (c == '\0') {
			snprintf(errstr, n, "%s: NUL in the user name", what);
			return -1;
		}
		if (o >= SCRAM_NAME_MAX) {
			snprintf(errstr, n, "%s: user name longer than %d bytes", what,
			         SCRAM_NAME_MAX);
			return -1;
		}
		out[o++] = c;
	}
	if (o == 0) {
		snprintf(errstr, n, "%s: empty user name", what);
		return -1;
	}
	out[o] = '\0';
	return 0;
}

int scram_escape_name(const char *name, char *out, size_t n)
{
	size_t o = 0;

	for (const char *p = name; *p; p++) {
		const char *rep = *p == ',' ? "=2C" : *p == '=' ? "=3D" : NULL;
		size_t rl = rep ? 3 : 1;
		if (o + rl >= n)
			return -1;
		if (rep)
			memcpy(out + o, rep, 3);
		else
			out[o] = *p;
		o += rl;
	}
	if (o >= n)
		return -1;
	out[o] = '\0';
	return (int)o;
}

static int scram_check_len(size_t len, const char *what, char *errstr, size_t n)
{
	if (len == 0 || len > SCRAM_MSG_MAX) {
		snprintf(errstr, n, "%s: length %zu outside 1..%d", what, len, SCRAM_MSG_MAX);
		return -1;
	}
	return 0;
}

int scram_parse_client_first(const char *msg, size_t len, scram_client_first_t *out, char *errstr,
                             size_t n)
{
	static const char what[] = "SCRAM client-first-message";
	const char *v, *name;
	size_t vlen, nlen, pos = 0, authz_len;
	const char *authz;
	char authz_name[SCRAM_NAME_MAX + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if (scram_check_len(len, what, errstr, n) < 0)
		return -1;
	/* gs2-cbind-flag: "n" (no channel binding) or "y" (client could, thinks
	 * the server cannot); "p=" (binding required) is refused. */
	if (len < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') {
		snprintf(errstr, n,
		         "%s: channel binding is not supported (gs2 header must start "
		         "with \"n,\" or \"y,\")",
		         what);
		return -1;
	}
	pos = 2;
	authz = msg + pos;
	while (pos < len && msg[pos] != ',')
		pos++;
	if (pos >= len) {
		snprintf(errstr, n, "%s: gs2 header not terminated", what);
		return -1;
	}
	authz_len = (size_t)(msg + pos - authz);
	pos++;
	out->gs2_len = pos;
	out->bare_off = pos;
	if (authz_len > 0 && (authz_len < 2 || authz[0] != 'a' || authz[1] != '=')) {
		snprintf(errstr, n, "%s: malformed authzid", what);
		return -1;
	}
	if (scram_expect(msg, len, &pos, 'n', &v, &vlen, what, errstr, n) < 0 ||
	    scram_unescape_name(v, vlen, out->user, what, errstr, n) < 0)
		return -1;
	if (authz_len > 0) {
		if (scram_unescape_name(authz + 2, authz_len - 2, authz_name, what, errstr, n) < 0)
			return -1;
		if (strcmp(authz_name, out->user) != 0) {
			snprintf(errstr, n, "%s: authzid differs from the user name", what);
			return -1;
		}
	}
	if (scram_expect(msg, len, &pos, 'r', &v, &vlen, what, errstr, n) < 0 ||
	    scram_copy_nonce(v, vlen, out->nonce, what, errstr, n) < 0)
		return -1;
	/* Extensions (Kafka's "tokenauth=true" among them) are well-formed
	 * attributes; a mandatory one ("m=") is not supported. */
	while ((rc = scram_next(msg, len, &pos, &name, &nlen, &v, &vlen)) == 1) {
		if (nlen == 1 && name[0] == 'm') {
			snprintf(errstr, n, "%s: mandatory extension not supported", what);
			return -1;
		}
	}
	if (rc < 0) {
		snprintf(errstr, n, "%s: malformed extension", what);
		return -1;
	}
	return 0;
}

int scram_parse_server_first(const char *msg, size_t len, scram_server_first_t *out, char *errstr,
                             size_t n)
{
	static const char what[] = "SCRAM server-first-message";
	const char *v;
	size_t vlen, pos = 0;
	char num[16];
	int32_t it;
	int d;

	memset(out, 0, sizeof(*out));
	if (scram_check_len(len, what, errstr, n) < 0)
		return -1;
	if (len >= 2 && msg[0] == 'e' && msg[1] == '=') {
		snprintf(errstr, n, "%s: server error %.*s", what, (int)(len > 100 ? 100 : len - 2),
		         msg + 2);
		return -1;
	}
	if (scram_expect(msg, len, &pos, 'r', &v, &vlen, what, errstr, n) < 0 ||
	    scram_copy_nonce(v, vlen, out->nonce, what, errstr, n) < 0)
		return -1;
	if (scram_expect(msg, len, &pos, 's', &v, &vlen, what, errstr, n) < 0)
		return -1;
	d = scram_b64_decode(v, vlen, out->salt, sizeof(out->salt));
	if (d <= 0) {
		snprintf(errstr, n, "%s: bad salt", what);
		return -1;
	}
	out->salt_len = (size_t)d;
	if (scram_expect(msg, len, &pos, 'i', &v, &vlen, what, errstr, n) < 0)
		return -1;
	if (vlen == 0 || vlen >= sizeof(num)) {
		snprintf(errstr, n, "%s: bad iteration count", what);
		return -1;
	}
	memcpy(num, v, vlen);
	num[vlen] = '\0';
	if (num_parse_i32(num, SCRAM_ITER_MIN, SCRAM_ITER_MAX, &it) < 0) {
		snprintf(errstr, n, "%s: iteration count %s outside %d..%d", what, num,
		         SCRAM_ITER_MIN, SCRAM_ITER_MAX);
		return -1;
	}
	out->iterations = it;
	return 0; /* extensions after i= are ignored (RFC 5802) */
}

int scram_parse_client_final(const char *msg, size_t len, scram_client_final_t *out, char *errstr,
                             size_t n)
{
	static const char what[] = "SCRAM client-final-message";
	const char *v, *name;
	size_t vlen, nlen, pos = 0, before;
	int d, rc;

	memset(out, 0, sizeof(*out));
	if (scram_check_len(len, what, errstr, n) < 0)
		return -1;
	if (scram_expect(msg, len, &pos, 'c', &v, &vlen, what, errstr, n) < 0)
		return -1;
	d = scram_b64_decode(v, vlen, out->channel_binding, sizeof(out->channel_binding));
	if (d < 0) {
		snprintf(errstr, n, "%s: bad channel binding", what);
		return -1;
	}
	out->channel_binding_len = (size_t)d;
	if (scram_expect(msg, len, &pos, 'r', &v, &vlen, what, errstr, n) < 0 ||
	    scram_copy_nonce(v, vlen, out->nonce, what, errstr, n) < 0)
		return -1;
	/* Extensions, then p= last. */
	for (;;) {
		before = pos;
		rc = scram_next(msg, len, &pos, &name, &nlen, &v, &vlen);
		if (rc <= 0) {
			snprintf(errstr, n, "%s: missing proof", what);
			return -1;
		}
		if (nlen == 1 && name[0] == 'p')
			break;
	}
	if (pos <= len) {
		snprintf(errstr, n, "%s: attributes after the proof", what);
		return -1;
	}
	out->without_proof_len = before - 1; /* without the comma before p= */
	d = scram_b64_decode(v, vlen, out->proof, sizeof(out->proof));
	if (d <= 0) {
		snprintf(errstr, n, "%s: bad proof", what);
		return -1;
	}
	out->proof_len = (size_t)d;
	return 0;
}

int scram_parse_server_final(const char *msg, size_t len, scram_server_final_t *out, char *errstr,
                             size_t n)
{
	static const char what[] = "SCRAM server-final-message";
	const char *v, *name;
	size_t vlen, nlen, pos = 0;
	int d;

	memset(out, 0, sizeof(*out));
	if (scram_check_len(len, what, errstr, n) < 0)
		return -1;
	if (scram_next(msg, len, &pos, &name, &nlen, &v, &vlen) != 1 || nlen != 1 ||
	    (name[0] != 'v' && name[0] != 'e')) {
		snprintf(errstr, n, "%s: expected v= or e=", what);
		return -1;
	}
	if (name[0] == 'e') {
		size_t k = vlen < sizeof(out->error) - 1 ? vlen : sizeof(out->error) - 1;
		if (k == 0) {
			snprintf(errstr, n, "%s: empty error", what);
			return -1;
		}
		for (size_t i = 0; i < k; i++)
			out->error[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
		out->error[k] = '\0';
		return 0;
	}
	d = scram_b64_decode(v, vlen, out->signature, sizeof(out->signature));
	if (d <= 0) {
		snprintf(errstr, n, "%s: bad server signature", what);
		return -1;
	}
	out->signature_len = (size_t)d;
	return 0;
}

int scram_nonce(char *out)
{
	uint8_t raw[24];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	return scram_b64_encode(raw, sizeof(raw), out, 33) == 32 ? 0 : -1;
}

int scram_client_proof(scram_mech_t mech, const uint8_t *salted, const char *auth_msg,
                       size_t auth_len, uint8_t *proof, uint8_t *server_sig)
{
	uint8_t ck[SCRAM_KEY_MAX], sk[SCRAM_KEY_MAX], svk[SCRAM_KEY_MAX], sig[SCRAM_KEY_MAX];
	size_t kl = scram_key_len(mech);
	int rc = -1;

	if (scram_keys(mech, salted, ck, sk, svk) < 0 ||
	    scram_hmac(mech, sk, auth_msg, auth_len, sig) < 0 ||
	    scram_hmac(mech, svk, auth_msg, auth_len, server_sig) < 0)
		goto out;
	for (size_t i = 0; i < kl; i++)
		proof[i] = ck[i] ^ sig[i];
	rc = 0;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	OPENSSL_cleanse(svk, sizeof(svk));
	return rc;
}

int scram_server_verify(scram_mech_t mech, const scram_cred_t *cred, const char *auth_msg,
                        size_t auth_len, const uint8_t *proof, size_t proof_len,
                        uint8_t *server_sig)
{
	uint8_t sig[SCRAM_KEY_MAX], ck[SCRAM_KEY_MAX], sk[SCRAM_KEY_MAX];
	size_t kl = scram_key_len(mech);
	int rc = -1;

	if (proof_len != kl)
		return 0;
	if (scram_hmac(mech, cred->stored_key, auth_msg, auth_len, sig) < 0)
		goto out;
	for (size_t i = 0; i < kl; i++)
		ck[i] = proof[i] ^ sig[i];
	if (scram_hash(mech, ck, sk) < 0)
		goto out;
	if (CRYPTO_memcmp(sk, cred->stored_key, kl) != 0) {
		rc = 0;
		goto out;
	}
	if (scram_hmac(mech, cred->server_key, auth_msg, auth_len, server_sig) < 0)
		goto out;
	rc = 1;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	return rc;
}

/* ------------------------------------------------------------ credential text */

int scram_cred_parse(scram_mech_t mech, const char *s, size_t len, scram_cred_t *out, char *errstr,
                     size_t n)
{
	const char *name, *v;
	size_t nlen, vlen, pos = 0, kl = scram_key_len(mech);
	int seen = 0, rc, d;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > SCRAM_MSG_MAX) {
		snprintf(errstr, n, "%s credential: length %zu outside 1..%d",
		         scram_mech_name(mech), len, SCRAM_MSG_MAX);
		return -1;
	}
	while ((rc = scram_next(s, len, &pos, &name, &nlen, &v, &vlen)) == 1) {
		int bit;
		if (nlen == 4 && memcmp(name, "salt", 4) == 0)
			bit = 1;
		else if (nlen == 10 && memcmp(name, "stored_key", 10) == 0)
			bit = 2;
		else if (nlen == 10 && memcmp(name, "server_key", 10) == 0)
			bit = 4;
		else if (nlen == 10 && memcmp(name, "iterations", 10) == 0)
			bit = 8;
		else {
			snprintf(errstr, n, "%s credential: unknown key \"%.*s\"",
			         scram_mech_name(mech), (int)(nlen > 40 ? 40 : nlen), name);
			return -1;
		}
		if (seen & bit) {
			snprintf(errstr, n, "%s credential: \"%.*s\" given twice",
			         scram_mech_name(mech), (int)nlen, name);
			return -1;
		}
		seen |= bit;
		if (bit == 1) {
			d = scram_b64_decode(v, vlen, out->salt, sizeof(out->salt));
			if (d <= 0)
				goto bad;
			out->salt_len = (size_t)d;
		} else if (bit == 2 || bit == 4) {
			uint8_t *dst = bit == 2 ? out->stored_key : out->server_key;
			if (scram_b64_decode(v, vlen, dst, SCRAM_KEY_MAX) != (int)kl)
				goto bad;
		} else {
			char num[16];
			int32_t it;
			if (vlen == 0 || vlen >= sizeof(num))
				goto bad;
			memcpy(num, v, vlen);
			num[vlen] = '\0';
			if (num_parse_i32(num, SCRAM_ITER_MIN, SCRAM_ITER_MAX, &it) < 0) {
				snprintf(errstr, n, "%s credential: iterations %s outside %d..%d",
				         scram_mech_name(mech), num, SCRAM_ITER_MIN,
				         SCRAM_ITER_MAX);
				return -1;
			}
			out->iterations = it;
		}
		continue;
	bad:
		snprintf(errstr, n, "%s credential: bad value of \"%.*s\"", scram_mech_name(mech),
		         (int)nlen, name);
		return -1;
	}
	if (rc < 0) {
		snprintf(errstr, n, "%s credential: malformed (expected key=value,...)",
		         scram_mech_name(mech));
		return -1;
	}
	if (seen != 15) {
		snprintf(errstr, n,
		         "%s credential: needs salt, stored_key, server_key and iterations",
		         scram_mech_name(mech));
		return -1;
	}
	return 0;
}
