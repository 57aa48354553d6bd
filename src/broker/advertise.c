/*
 * advertise.c — the advertised endpoints of the broker's listeners and the
 * start-up resolution check (see advertise.h).
 *
 * Why a check: a broker that registers a name nobody can resolve looks
 * healthy while every client and follower fails to reach it; saying which
 * advertised entry is wrong at start-up is the cheapest place to find it.
 * Only the inter-broker listener stops start-up: clients of another
 * listener may live on a network where the name does resolve (the docker
 * host's own name for EXTERNAL, for instance).
 *
 * Thread: main thread during start-up.
 */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "broker/advertise.h"
#include "broker/broker.h"
#include "common/flog.h"

#define ADVERTISE_RETRY_MS 500

int advertise_build(broker_t *b, char *errstr, size_t errstr_size)
{
	char name[256];
	int i;

	b->adv = calloc((size_t)b->conf.lsn_cnt, sizeof(*b->adv));
	if (!b->adv) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	b->adv_cnt = b->conf.lsn_cnt;
	for (i = 0; i < b->conf.lsn_cnt; i++) {
		const broker_listener_t *bl = &b->conf.lsn[i];
		const char *h = bl->adv_host;

		if (!h) {
			h = bl->host;
			if (!*h || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0) {
				if (gethostname(name, sizeof(name)) != 0) {
					snprintf(errstr, errstr_size,
					         "listener %s: cannot determine a host to "
					         "advertise: set "
					         "advertised.listeners",
					         bl->name);
					return -1;
				}
				name[sizeof(name) - 1] = '\0';
				h = name;
			}
		}
		b->adv[i].name = strdup(bl->name);
		b->adv[i].host = strdup(h);
		b->adv[i].port = bl->adv_port > 0 ? bl->adv_port : b->bound[i].port;
		b->adv[i].protocol = sec_proto_name(bl->proto);
		if (!b->adv[i].name || !b->adv[i].host) {
			snprintf(errstr, errstr_size, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* 0 when host resolves; else the getaddrinfo code. */
static int advertise_resolve(const char *host)
{
	struct addrinfo hints, *ai = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (ai)
		freeaddrinfo(ai);
	return rc;
}

int advertise_check(broker_t *b, int wait_ms, char *errstr, size_t errstr_size)
{
	struct timespec nap = { 0, ADVERTISE_RETRY_MS * 1000000L };
	int i;

	for (i = 0; i < b->adv_cnt; i++) {
		const endpoint_t *ep = &b->adv[i];
		char *shown = endpoint_format(ep);
		int waited = 0, rc = advertise_resolve(ep->host);

		if (rc == 0) {
			free(shown);
			continue;
		}
		flog(LOG_WARNING, "broker",
		     "advertised.listeners: %s: host \"%s\" does not resolve "
		     "here: %s",
		     shown ? shown : ep->name, ep->host, gai_strerror(rc));
		if (i != b->conf.ibl) {
			free(shown);
			continue;
		}
		flog(LOG_NOTICE, "broker",
		     "%s is the inter-broker listener: retrying its host for "
		     "up to %d ms",
		     ep->name, wait_ms);
		/* Even "no such name" is retried: in docker it is what a name not
		 * registered yet gives. */
		while (rc != 0 && waited < wait_ms) {
			nanosleep(&nap, NULL);
			waited += ADVERTISE_RETRY_MS;
			rc = advertise_resolve(ep->host);
		}
		if (rc != 0) {
			snprintf(
			    errstr, errstr_size,
			    "advertised.listeners: %s: host \"%s\" does not resolve here (%s) and "
			    "%s is the inter-broker listener (inter.broker.listener.name): other "
			    "brokers could not reach this one",
			    shown ? shown : ep->name, ep->host, gai_strerror(rc), ep->name);
			free(shown);
			return -1;
		}
		flog(LOG_NOTICE, "broker", "advertised.listeners: %s: host \"%s\" resolves now",
		     shown ? shown : ep->name, ep->host);
		free(shown);
	}
	return 0;
}
