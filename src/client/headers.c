/*
 * headers.c — record header helpers: look a header up in a consumed message
 * (fjord_headers_get_last, as librdkafka's rd_kafka_header_get_last) and build
 * a header list to produce with (fjord_headers_t).
 *
 * What: a fjord_headers_t owns copies of every name and value it was given
 * and keeps them as a fjord_header_t array, which fjord_headers_array()
 * hands to fjord_produce() as is (produce copies again, so the list may be
 * destroyed or reused right after). Lookups compare names byte for byte
 * (Kafka header names are case-sensitive) and return the LAST match, since
 * a later header of the same name overrides an earlier one by convention.
 * Guarantees: values are returned as stored, with their length (a value may
 * hold NUL bytes); a null value comes back as NULL with length 0.
 * Threads: none of its own; a fjord_headers_t is used by one thread at a
 * time, a message's headers are read-only.
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

struct fjord_headers_s {
	fjord_header_t *arr; /* name and value point into one allocation each */
	size_t cnt, cap;
};

fjord_headers_t *fjord_headers_new(size_t initial_cnt)
{
	fjord_headers_t *hs = calloc(1, sizeof(*hs));
	if (!hs)
		return NULL;
	hs->cap = initial_cnt ? initial_cnt : 4;
	hs->arr = calloc(hs->cap, sizeof(*hs->arr));
	if (!hs->arr) {
		free(hs);
		return NULL;
	}
	return hs;
}

fjord_err_t fjord_headers_add(fjord_headers_t *hs, const char *name, const void *value,
                              size_t value_len)
{
	size_t nlen;
	char *buf;
	if (!hs || !name || (!value && value_len))
		return FJORD_ERR__INVALID_ARG;
	if (hs->cnt == hs->cap) {
		size_t ncap = hs->cap * 2;
		fjord_header_t *na = realloc(hs->arr, ncap * sizeof(*na));
		if (!na)
			return FJORD_ERR__FAIL;
		hs->arr = na;
		hs->cap = ncap;
	}
	nlen = strlen(name);
	/* name, NUL, then the value: freed as one with the name pointer. */
	buf = malloc(nlen + 1 + value_len + (value_len == 0));
	if (!buf)
		return FJORD_ERR__FAIL;
	memcpy(buf, name, nlen + 1);
	if (value_len)
		memcpy(buf + nlen + 1, value, value_len);
	hs->arr[hs->cnt].name = buf;
	hs->arr[hs->cnt].value = value ? buf + nlen + 1 : NULL;
	hs->arr[hs->cnt].value_len = value ? value_len : 0;
	hs->cnt++;
	return FJORD_ERR_NO_ERROR;
}

const fjord_header_t *fjord_headers_array(const fjord_headers_t *hs, size_t *cntp)
{
	if (cntp)
		*cntp = hs ? hs->cnt : 0;
	return hs && hs->cnt ? hs->arr : NULL;
}

size_t fjord_headers_cnt(const fjord_headers_t *hs)
{
	return hs ? hs->cnt : 0;
}

void fjord_headers_destroy(fjord_headers_t *hs)
{
	size_t i;
	if (!hs)
		return;
	for (i = 0; i < hs->cnt; i++)
		free((void *)hs->arr[i].name);
	free(hs->arr);
	free(hs);
}

fjord_err_t fjord_headers_get_last(const fjord_message_t *msg, const char *name,
                                   const void **valuep, size_t *sizep)
{
	size_t i;
	if (!msg || !name)
		return FJORD_ERR__INVALID_ARG;
	for (i = msg->header_cnt; i > 0; i--) {
		const fjord_header_t *hd = &msg->headers[i - 1];
		if (hd->name && !strcmp(hd->name, name)) {
			if (valuep)
				*valuep = hd->value;
			if (sizep)
				*sizep = hd->value ? hd->value_len : 0;
			return FJORD_ERR_NO_ERROR;
		}
	}
	return FJORD_ERR__NOENT;
}
