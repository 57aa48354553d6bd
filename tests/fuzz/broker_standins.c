/*
 * broker_standins.c — link-time stand-ins for the broker functions that
 * src/broker/api.c refers to, so fuzz_frame_request can run api_check()
 * (pure) without linking fjordd. api.c's table names each API's handler
 * and api_dispatch() answers through a connection; the target calls
 * neither, so each stand-in aborts if it is ever reached.
 *
 * When an API is added to api_defs[] (api.c), add its handler here too:
 * the fuzz build's link names the one missing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "broker/api.h"
#include "broker/metrics.h"
#include "broker/sasl_server.h"

static void standin_reached(const char *fn) __attribute__((noreturn));

static void standin_reached(const char *fn)
{
	fprintf(stderr, "fuzz: broker stand-in %s() reached: only api_check() may run here\n", fn);
	abort();
}

#define STANDIN_HANDLER(name)                                                                      \
	int name(conn_t *c, const Fjord__Request *req, const uint8_t *payload, size_t payload_len) \
	{                                                                                          \
		(void)c;                                                                           \
		(void)req;                                                                         \
		(void)payload;                                                                     \
		(void)payload_len;                                                                 \
		standin_reached(#name);                                                            \
	}

STANDIN_HANDLER(handle_api_versions)
STANDIN_HANDLER(handle_metadata)
STANDIN_HANDLER(handle_produce)
STANDIN_HANDLER(handle_fetch)
STANDIN_HANDLER(handle_list_offsets)
STANDIN_HANDLER(handle_offset_for_leader_epoch)
STANDIN_HANDLER(handle_create_topics)
STANDIN_HANDLER(handle_delete_topics)
STANDIN_HANDLER(handle_init_producer_id)
STANDIN_HANDLER(handle_sasl_handshake)
STANDIN_HANDLER(handle_sasl_authenticate)

int sasl_server_gate(conn_t *c, const Fjord__Request *req)
{
	(void)c;
	(void)req;
	standin_reached("sasl_server_gate");
}

void metrics_count_request(metrics_t *m, Fjord__ApiKey api)
{
	(void)m;
	(void)api;
	standin_reached("metrics_count_request");
}

conn_slot_t *conn_slot_new(conn_t *c, int32_t correlation_id, Fjord__ApiKey api)
{
	(void)c;
	(void)correlation_id;
	(void)api;
	standin_reached("conn_slot_new");
}

int conn_slot_respond_error(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg)
{
	(void)slot;
	(void)err;
	(void)msg;
	standin_reached("conn_slot_respond_error");
}
