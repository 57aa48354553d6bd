/*
 * api.h — request dispatch and the per-API handlers.
 *
 * Thread: loop thread only.
 *
 * api_dispatch() gets one decoded Request header plus the frame's raw
 * payload (valid only during the call: handlers that answer later copy
 * nothing from it, they only keep offsets and state). It checks that the
 * api matches the body, counts the request and calls the handler, which
 * answers through a conn slot (now or later). Returns 0, or -1 when the
 * connection must be closed (an acks=0 produce that failed).
 */
#ifndef FJORD_BROKER_API_H
#define FJORD_BROKER_API_H

#include <stddef.h>
#include <stdint.h>

#include "broker/conn.h"
#include "fjord.pb-c.h"

#define API_MAX_VERSION 0

int api_dispatch(conn_t *c, const Fjord__Request *req, const uint8_t *payload, size_t payload_len);

/* A handler: the request and the frame's payload (only Produce has one). */
typedef int api_handler_fn(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                           size_t payload_len);

api_handler_fn handle_api_versions, handle_metadata, handle_produce, handle_fetch,
    handle_list_offsets, handle_offset_for_leader_epoch, handle_sasl_handshake,
    handle_sasl_authenticate, handle_create_topics, handle_delete_topics, handle_init_producer_id;

/* The Produce core both protocols share: records[i] is the i-th
 * partition's bytes in request order (records_len of them; writable: the
 * offsets are patched in place; alive until the call returns). Answers
 * through a slot of its own unless acks=0; returns as a handler does.
 * handle_produce() locates the partitions in fjord's payload, the Kafka
 * listener in Kafka's request (broker/kafka/kafka_produce.c). */
int produce_run(conn_t *c, const Fjord__Request *req, uint8_t *const *records);

/* One row per API the broker speaks: the one list that dispatch,
 * ApiVersions, logs and metric labels all read (api.c). */
typedef struct api_def {
	Fjord__ApiKey key;
	const char *name;              /* logs and metric labels ("produce", ...) */
	Fjord__Request__BodyCase body; /* the oneof case a request must carry */
	int32_t min_version, max_version;
	api_handler_fn *handle;
} api_def_t;

/* The table, in api key order, and its length. */
extern const api_def_t api_defs[];
extern const size_t api_def_cnt;

/* The row of an api key, or NULL for one the broker does not speak. */
const api_def_t *api_find(Fjord__ApiKey api);

/* Name of an api for logs and metric labels ("produce", ...; "unknown"). */
const char *api_name(Fjord__ApiKey api);

/*
 * The checks a decoded request passes before its handler runs: the api key
 * names an API of the table at a version it supports (else
 * FJORD__ERROR_CODE__UNSUPPORTED_VERSION) and the oneof body is the one that
 * API takes (else FJORD__ERROR_CODE__INVALID_REQUEST). Returns
 * FJORD__ERROR_CODE__NONE, or the error with a static message in *errmsg.
 * *defp is the API's row (NULL for an unknown api key). Pure, no connection
 * needed: api_dispatch() calls it, and so does tests/fuzz/fuzz_frame_request.c.
 */
Fjord__ErrorCode api_check(const Fjord__Request *req, const api_def_t **defp, const char **errmsg);

#endif /* FJORD_BROKER_API_H */
