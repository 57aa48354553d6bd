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

int api_dispatch(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                 size_t payload_len);

int handle_api_versions(conn_t *c, const Fjord__Request *req);
int handle_metadata(conn_t *c, const Fjord__Request *req);
int handle_produce(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                   size_t payload_len);
int handle_fetch(conn_t *c, const Fjord__Request *req);
int handle_list_offsets(conn_t *c, const Fjord__Request *req);
int handle_offset_for_leader_epoch(conn_t *c, const Fjord__Request *req);

/* Name of an api for logs and metric labels ("produce", ...). */
const char *api_name(Fjord__ApiKey api);

#endif /* FJORD_BROKER_API_H */
