/*
 * endpoint.h — named listener endpoints, Kafka's `NAME://host:port`.
 *
 * Owner: common core. One parser for the three places that read the
 * syntax: the broker's `listeners` / `advertised.listeners`, the
 * "endpoints" array of a /brokers/ids/<id> znode, and the snapshots built
 * from it (cview brokers keep their whole endpoint list).
 *
 * Syntax: NAME is [A-Za-z0-9_]+, compared case-insensitively and stored
 * upper-case; host may be empty (the caller decides whether that is
 * allowed) or a bracketed IPv6 address ("[::1]"); port is 0..65535.
 *
 * Threads: pure functions, any thread.
 * Ownership: an endpoint_t owns its name and host; endpoint_clear() and
 * endpoint_list_free() release them. Functions that fail leave nothing
 * allocated in their outputs.
 */
#ifndef FJORD_ENDPOINT_H
#define FJORD_ENDPOINT_H

#include <stddef.h>

typedef struct endpoint {
	char *name; /* listener name, upper-case */
	char *host; /* "" allowed by the parser */
	int port;
	/* Its security protocol's name (a static string, never freed), as the
	 * broker registers it in listener_security_protocol_map; NULL:
	 * PLAINTEXT. Parsers leave it NULL. */
	const char *protocol;
} endpoint_t;

/* Parses one "NAME://host:port". 0, or -1 with errstr saying what is wrong
 * (without the input, which the caller names). */
int endpoint_parse(const char *s, endpoint_t *ep, char *errstr, size_t n);
/* Parses a comma-separated list (spaces around entries ignored). Rejects an
 * empty list and repeated names. On error errstr quotes the bad entry.
 * *epsp is malloc'd (free with endpoint_list_free). */
int endpoint_list_parse(const char *list, endpoint_t **epsp, int *cntp, char *errstr, size_t n);
/* "NAME://host:port" ("[v6]" when host holds a ':'), malloc'd; NULL on OOM. */
char *endpoint_format(const endpoint_t *ep);
/* Deep copy of a list; 0 or -1 (out of memory, nothing allocated). */
int endpoint_list_copy(const endpoint_t *src, int cnt, endpoint_t **dstp);
/* The endpoint named name (case-insensitive), or NULL. */
const endpoint_t *endpoint_find(const endpoint_t *eps, int cnt, const char *name);
/* Writes "A, B, C" (the names of the list) into buf; "none" when empty. */
void endpoint_names(const endpoint_t *eps, int cnt, char *buf, size_t size);
/* 1 when host is a loopback name or address: localhost, 127.x.x.x, ::1. */
int endpoint_host_is_loopback(const char *host);
/* 1 when name is a valid listener name ([A-Za-z0-9_]+). */
int endpoint_name_valid(const char *name);
void endpoint_clear(endpoint_t *ep);
void endpoint_list_free(endpoint_t *eps, int cnt);

#endif /* FJORD_ENDPOINT_H */
