/*
 * debug.c — the `debug` property: which areas of the SDK log their debug
 * lines, as librdkafka's debug contexts.
 *
 * What: `debug` is a comma list of contexts (all, generic, broker, topic,
 * metadata, producer, msg, consumer, cgrp, fetch, protocol, security).
 * debug_parse() turns it into a bit mask (conf.c validates it when set and
 * keeps the mask in fj_conf_values_t.debug_mask); debug_fac_ctx() maps a
 * log line's facility (the `fac` of the log callback: BROKER, FETCH, ...)
 * to its context, so handle_log() lets a FJ_LOG_DEBUG line through when its
 * context is on, whatever log_level says. Every SDK log line already names
 * its facility, so no call site needs to know about contexts.
 * Guarantees: an unknown context is refused with a message that lists the
 * valid ones; the empty value (the default) turns everything off.
 * Threads: pure functions, any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/props.h"

static const struct {
	const char *name;
	unsigned bit;
} debug_ctxs[] = {
	{ "generic", FJ_DBG_GENERIC },   { "broker", FJ_DBG_BROKER },     { "topic", FJ_DBG_TOPIC },
	{ "metadata", FJ_DBG_METADATA }, { "producer", FJ_DBG_PRODUCER }, { "msg", FJ_DBG_MSG },
	{ "consumer", FJ_DBG_CONSUMER }, { "cgrp", FJ_DBG_CGRP },         { "fetch", FJ_DBG_FETCH },
	{ "protocol", FJ_DBG_PROTOCOL }, { "security", FJ_DBG_SECURITY },
};
#define DEBUG_CTX_CNT (sizeof(debug_ctxs) / sizeof(debug_ctxs[0]))

/* Facilities of the SDK's log lines and the context each belongs to. */
static const struct {
	const char *fac;
	unsigned bit;
} debug_facs[] = {
	{ "BROKER", FJ_DBG_BROKER },     { "METADATA", FJ_DBG_METADATA },
	{ "ZK", FJ_DBG_METADATA },       { "TOPIC", FJ_DBG_TOPIC },
	{ "PRODUCE", FJ_DBG_PRODUCER },  { "IDEMPOTENCE", FJ_DBG_PRODUCER },
	{ "MSG", FJ_DBG_MSG },           { "CONSUMER", FJ_DBG_CONSUMER },
	{ "OFFSET", FJ_DBG_CONSUMER },   { "CGRP", FJ_DBG_CGRP },
	{ "FETCH", FJ_DBG_FETCH },       { "PROTOCOL", FJ_DBG_PROTOCOL },
	{ "SASL", FJ_DBG_SECURITY },     { "SSL", FJ_DBG_SECURITY },
	{ "SECURITY", FJ_DBG_SECURITY },
};

int debug_parse(const char *value, unsigned *maskp, char *errstr, size_t errstr_size)
{
	unsigned mask = 0;
	char *copy = strdup(value ? value : ""), *save = NULL, *tok;
	if (!copy) {
		fj_errstr(errstr, errstr_size, "debug: out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *item = props_list_item(tok);
		size_t i;
		if (!*item)
			continue;
		if (!strcmp(item, "all")) {
			mask |= FJ_DBG_ALL;
			continue;
		}
		for (i = 0; i < DEBUG_CTX_CNT; i++)
			if (!strcmp(item, debug_ctxs[i].name))
				break;
		if (i == DEBUG_CTX_CNT) {
			fj_errstr(
			    errstr, errstr_size,
			    "debug: unknown context \"%s\" (valid: all, generic, broker, topic, "
			    "metadata, producer, msg, consumer, cgrp, fetch, protocol, security)",
			    item);
			free(copy);
			return -1;
		}
		mask |= debug_ctxs[i].bit;
	}
	free(copy);
	*maskp = mask;
	return 0;
}

unsigned debug_fac_ctx(const char *fac)
{
	size_t i;
	for (i = 0; fac && i < sizeof(debug_facs) / sizeof(debug_facs[0]); i++)
		if (!strcmp(fac, debug_facs[i].fac))
			return debug_facs[i].bit;
	return FJ_DBG_GENERIC;
}
