/*
 * fuzz_endpoint — the listener endpoint parser (src/common/endpoint.c),
 * `NAME://host:port` and comma-separated lists of them, as read from
 * `listeners`, `advertised.listeners` and a broker znode's "endpoints".
 *
 * The input is the text. endpoint_parse and endpoint_list_parse read it;
 * what is accepted is checked against the syntax endpoint.h promises (an
 * upper-case name of [A-Z0-9_], no '/' in the host, a port 0..65535, no
 * repeated name in a list), formatted with endpoint_format, parsed again
 * and compared, and copied with endpoint_list_copy; endpoint_find,
 * endpoint_names and endpoint_host_is_loopback run over the result.
 *
 * FUZZ_OPTIONS: -max_len=1024
 * FUZZ_SOURCES: src/common/endpoint.c src/common/numparse.c
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/endpoint.h"
#include "support.h"

#define ERRSZ 512

/* What a parsed endpoint must look like (endpoint.h). */
static void fuzz_check_ep(const endpoint_t *ep)
{
	FUZZ_CHECK(ep->name && ep->host, "endpoint without name or host");
	FUZZ_CHECK(endpoint_name_valid(ep->name), "invalid name \"%s\" accepted", ep->name);
	for (const char *p = ep->name; *p; p++)
		FUZZ_CHECK(!islower((unsigned char)*p), "name \"%s\" not upper-case", ep->name);
	FUZZ_CHECK(!strchr(ep->host, '/'), "host \"%s\" holds a '/'", ep->host);
	FUZZ_CHECK(ep->port >= 0 && ep->port <= 65535, "port %d", ep->port);
}

/* Formats ep and parses that: the same endpoint comes back. */
static void fuzz_format_roundtrip(const endpoint_t *ep)
{
	char errstr[ERRSZ] = "";
	endpoint_t again;
	char *s = endpoint_format(ep);

	FUZZ_CHECK(s != NULL, "endpoint_format failed");
	FUZZ_CHECK(endpoint_parse(s, &again, errstr, sizeof(errstr)) == 0,
	           "\"%s\" (name \"%s\" host \"%s\" port %d) does not parse: %s", s, ep->name,
	           ep->host, ep->port, errstr);
	FUZZ_CHECK(strcmp(again.name, ep->name) == 0 && strcmp(again.host, ep->host) == 0 &&
	               again.port == ep->port,
	           "\"%s\" parses as name \"%s\" host \"%s\" port %d, was \"%s\" \"%s\" %d", s,
	           again.name, again.host, again.port, ep->name, ep->host, ep->port);
	endpoint_clear(&again);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errstr[ERRSZ] = "", names[256];
	endpoint_t ep, *eps = NULL, *copy = NULL;
	int cnt = 0;

	fuzz_init();
	char *text = fuzz_strndup(data, size);

	if (endpoint_parse(text, &ep, errstr, sizeof(errstr)) == 0) {
		fuzz_check_ep(&ep);
		fuzz_format_roundtrip(&ep);
		(void)endpoint_host_is_loopback(ep.host);
		endpoint_clear(&ep);
	} else {
		FUZZ_CHECK(!ep.name && !ep.host && errstr[0], "refused without a message");
	}

	errstr[0] = '\0';
	if (endpoint_list_parse(text, &eps, &cnt, errstr, sizeof(errstr)) == 0) {
		FUZZ_CHECK(cnt >= 1 && eps, "an empty list accepted");
		for (int i = 0; i < cnt; i++) {
			fuzz_check_ep(&eps[i]);
			FUZZ_CHECK(endpoint_find(eps, i, eps[i].name) == NULL,
			           "name %s listed twice", eps[i].name);
			FUZZ_CHECK(endpoint_find(eps, cnt, eps[i].name) == &eps[i],
			           "endpoint_find does not find %s", eps[i].name);
			fuzz_format_roundtrip(&eps[i]);
		}
		FUZZ_CHECK(endpoint_list_copy(eps, cnt, &copy) == 0, "endpoint_list_copy failed");
		for (int i = 0; i < cnt; i++)
			FUZZ_CHECK(strcmp(copy[i].name, eps[i].name) == 0 &&
			               strcmp(copy[i].host, eps[i].host) == 0 &&
			               copy[i].port == eps[i].port,
			           "copy of endpoint %d differs", i);
		endpoint_names(eps, cnt, names, sizeof(names));
		FUZZ_CHECK(strlen(names) < sizeof(names), "endpoint_names overflowed");
		endpoint_list_free(copy, cnt);
		endpoint_list_free(eps, cnt);
	} else {
		FUZZ_CHECK(!eps && cnt == 0 && errstr[0], "refused without a message");
	}
	free(text);
	return 0;
}
