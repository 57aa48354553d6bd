/*
 * sasl_client.h — the client's side of a SASL login, after the handshake:
 * the auth_bytes of each SaslAuthenticate and the check of the broker's
 * answers (PLAIN: one message; SCRAM: client-first, then client-final from
 * server-first, then the server-final signature checked, so a broker that
 * does not hold the credential is refused). Used by the SDK (client/bsasl.c)
 * and the broker's replica fetcher (inter-broker SASL).
 *
 * Thread: the owner's; no shared state. Ownership: out buffers are
 * malloc'd, the caller frees them; sasl_client_free wipes the secrets.
 */
#ifndef FJORD_COMMON_SASL_CLIENT_H
#define FJORD_COMMON_SASL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/sasl.h"

typedef struct sasl_client sasl_client_t;

/* NULL when out of memory. user and password are copied. */
sasl_client_t *sasl_client_new(sasl_mech_t mech, const char *user, const char *password);
void sasl_client_free(sasl_client_t *sc);
/*
 * One step. The first call (in NULL) gives the first auth_bytes; each later
 * call takes the broker's auth_bytes of the answer to the previous one.
 * Returns 0 with *out and *outlen to send next, 1 when the login is complete
 * (nothing to send), -1 with why (a sentence) on failure.
 */
int sasl_client_step(sasl_client_t *sc, const uint8_t *in, size_t inlen, uint8_t **out,
                     size_t *outlen, char *why, size_t whysz);

#endif /* FJORD_COMMON_SASL_CLIENT_H */
