/*
 * endpoint.c — parsing and formatting of `NAME://host:port` listener
 * endpoints (see endpoint.h for the syntax and who uses it).
 *
 * Threads: any. Ownership: as endpoint.h says.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/endpoint.h"
#include "common/numparse.h"

int endpoint_name_valid(const char *name)
{
	const char *p;

	if (!name || !*name)
		return 0;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return 1;
}

int endpoint_parse(const char *s, endpoint_t *ep, char *errstr, size_t n)
{
	const char *sep = strstr(s, "://"), *hp, *colon;
	int32_t port;
	size_t i;

	memset(ep, 0, sizeof(*ep));
	if (!sep || sep == s) {
		snprintf(errstr, n, "expected NAME://host:port");
		return -1;
	}
	ep->name = strndup(s, (size_t)(sep - s));
	if (!ep->name) {
		snprintf(errstr, n, "out of memory");
		return -1;
	}
	if (!endpoint_name_valid(ep->name)) {
		snprintf(errstr, n, "listener name \"%s\" may hold only A-Z, 0-9 and _", ep->name);
		goto fail;
	}
	for (i = 0; ep->name[i]; i++)
		ep->name[i] = (char)toupper((unsigned char)ep->name[i]);
	hp = sep + 3;
	if (*hp == '[') {
		const char *rb = strchr(hp, ']');
		if (!rb || rb[1] != ':') {
			snprintf(errstr, n, "expected NAME://[v6-address]:port");
			goto fail;
		}
		ep->host = strndup(hp + 1, (size_t)(rb - hp - 1));
		colon = rb + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon) {
			snprintf(errstr, n, "expected NAME://host:port (no port)");
			goto fail;
		}
		ep->host = strndup(hp, (size_t)(colon - hp));
	}
	if (!ep->host) {
		snprintf(errstr, n, "out of memory");
		goto fail;
	}
	/* No host or address holds '[' or ']': "[[]:1" would give host "[",
	 * which endpoint_format() writes as "NAME://[:1", refused here. */
	if (strchr(ep->host, '/') || strpbrk(ep->host, "[]") ||
	    (hp[0] != '[' && strchr(ep->host, ':'))) {
		snprintf(errstr, n, "bad host \"%s\" (write IPv6 addresses as [addr])", ep->host);
		goto fail;
	}
	if (!isdigit((unsigned char)colon[1]) || num_parse_i32(colon + 1, 0, 65535, &port) < 0) {
		snprintf(errstr, n, "bad port \"%s\" (0-65535)", colon + 1);
		goto fail;
	}
	ep->port = (int)port;
	return 0;
fail:
	endpoint_clear(ep);
	return -1;
}

int endpoint_list_parse(const char *list, endpoint_t **epsp, int *cntp, char *errstr, size_t n)
{
	char *copy = strdup(list ? list : ""), *tok, *save = NULL;
	endpoint_t *eps = NULL;
	int cnt = 0, rc = -1;
	char msg[200];

	*epsp = NULL;
	*cntp = 0;
	if (!copy) {
		snprintf(errstr, n, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e;
		endpoint_t *grown;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		e = tok + strlen(tok);
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*tok)
			continue;
		grown = realloc(eps, sizeof(*eps) * (size_t)(cnt + 1));
		if (!grown) {
			snprintf(errstr, n, "out of memory");
			goto out;
		}
		eps = grown;
		if (endpoint_parse(tok, &eps[cnt], msg, sizeof(msg)) != 0) {
			snprintf(errstr, n, "\"%s\": %s", tok, msg);
			goto out;
		}
		cnt++;
		if (endpoint_find(eps, cnt - 1, eps[cnt - 1].name)) {
			snprintf(errstr, n, "\"%s\": listener name %s is used twice", tok,
			         eps[cnt - 1].name);
			goto out;
		}
	}
	if (cnt == 0) {
		snprintf(errstr, n, "no listener given (expected NAME://host:port[,...])");
		goto out;
	}
	*epsp = eps;
	*cntp = cnt;
	eps = NULL;
	cnt = 0;
	rc = 0;
out:
	endpoint_list_free(eps, cnt);
	free(copy);
	return rc;
}

char *endpoint_format(const endpoint_t *ep)
{
	char *s = NULL;
	int v6 = strchr(ep->host, ':') != NULL;

	if (asprintf(&s, "%s://%s%s%s:%d", ep->name, v6 ? "[" : "", ep->host, v6 ? "]" : "",
	             ep->port) < 0)
		return NULL;
	return s;
}

int endpoint_list_copy(const endpoint_t *src, int cnt, endpoint_t **dstp)
{
	endpoint_t *d;
	int i;

	*dstp = NULL;
	if (cnt <= 0)
		return 0;
	d = calloc((size_t)cnt, sizeof(*d));
	if (!d)
		return -1;
	for (i = 0; i < cnt; i++) {
		d[i].name = strdup(src[i].name);
		d[i].host = strdup(src[i].host);
		d[i].port = src[i].port;
		d[i].protocol = src[i].protocol;
		if (!d[i].name || !d[i].host) {
			endpoint_list_free(d, i + 1);
			return -1;
		}
	}
	*dstp = d;
	return 0;
}

const endpoint_t *endpoint_find(const endpoint_t *eps, int cnt, const char *name)
{
	int i;

	if (!name)
		return NULL;
	for (i = 0; i < cnt; i++)
		if (strcasecmp(eps[i].name, name) == 0)
			return &eps[i];
	return NULL;
}

void endpoint_names(const endpoint_t *eps, int cnt, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (cnt <= 0) {
		snprintf(buf, size, "none");
		return;
	}
	for (i = 0; i < cnt && off < size; i++) {
		int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", eps[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

int endpoint_host_is_loopback(const char *host)
{
	if (!host)
		return 0;
	return strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0 ||
	       strcmp(host, "::1") == 0 || strncmp(host, "127.", 4) == 0;
}

void endpoint_clear(endpoint_t *ep)
{
	free(ep->name);
	free(ep->host);
	memset(ep, 0, sizeof(*ep));
}

void endpoint_list_free(endpoint_t *eps, int cnt)
{
	int i;

	for (i = 0; i < cnt; i++)
		endpoint_clear(&eps[i]);
	free(eps);
}
