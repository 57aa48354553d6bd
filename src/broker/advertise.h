/*
 * advertise.h — what each listener advertises, and the start-up check that
 * the advertised hosts resolve.
 *
 * Owner: broker start-up (main thread, before the loop serves clients).
 * Ownership: b->adv (one endpoint per conf.lsn entry, same index) is the
 * broker's; broker_free() releases it with endpoint_list_free().
 */
#ifndef FJORD_BROKER_ADVERTISE_H
#define FJORD_BROKER_ADVERTISE_H

#include <stddef.h>

struct broker;

/* Fills b->adv after the listeners are bound: advertised.listeners' entry,
 * else the listener's host (this machine's hostname when it is a wildcard)
 * and, for port 0, the bound port. 0 or -1 with errstr. */
int advertise_build(struct broker *b, char *errstr, size_t errstr_size);

/* Resolves every advertised host with getaddrinfo. A host that does not
 * resolve is logged as
 *   advertised.listeners: EXTERNAL://foo:19092: host "foo" does not resolve
 *   here: <reason>
 * and start-up goes on, except for the inter-broker listener, whose host is
 * retried for up to wait_ms (in docker a container's own name appears a
 * moment after start): still unresolved, it returns -1 with errstr saying
 * why (other brokers could not reach this one). 0 otherwise. */
int advertise_check(struct broker *b, int wait_ms, char *errstr, size_t errstr_size);

#endif /* FJORD_BROKER_ADVERTISE_H */
