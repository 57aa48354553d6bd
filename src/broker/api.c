/*
 * api.c — request decode checks and dispatch to the per-API handlers.
 *
 * The header has already been unpacked by conn.c. Here: a header that
 * names no api (api 0, e.g. an empty header, which decodes as all defaults)
 * is malformed (INVALID_REQUEST); otherwise the api key must name a known
 * API at a supported version (else UNSUPPORTED_VERSION: a newer client's
 * api, whose body we cannot even see) and the oneof body must match the api
 * key (else INVALID_REQUEST). Every one of these answers
 * with the request's correlation id and keeps the connection.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "common/flog.h"

const api_def_t api_defs[] = {
	{ FJORD__API_KEY__API_VERSIONS, "api_versions", FJORD__REQUEST__BODY_API_VERSIONS, 0,
	  API_MAX_VERSION, handle_api_versions },
	{ FJORD__API_KEY__METADATA, "metadata", FJORD__REQUEST__BODY_METADATA, 0, API_MAX_VERSION,
	  handle_metadata },
	{ FJORD__API_KEY__PRODUCE, "produce", FJORD__REQUEST__BODY_PRODUCE, 0, API_MAX_VERSION,
	  handle_produce },
	{ FJORD__API_KEY__FETCH, "fetch", FJORD__REQUEST__BODY_FETCH, 0, API_MAX_VERSION,
	  handle_fetch },
	{ FJORD__API_KEY__LIST_OFFSETS, "list_offsets", FJORD__REQUEST__BODY_LIST_OFFSETS, 0,
	  API_MAX_VERSION, handle_list_offsets },
	{ FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH, "offset_for_leader_epoch",
	  FJORD__REQUEST__BODY_OFFSET_FOR_LEADER_EPOCH, 0, API_MAX_VERSION,
	  handle_offset_for_leader_epoch },
};
const size_t api_def_cnt = sizeof(api_defs) / sizeof(api_defs[0]);

const api_def_t *api_find(Fjord__ApiKey api)
{
	for (size_t i = 0; i < api_def_cnt; i++)
		if (api_defs[i].key == api)
			return &api_defs[i];
	return NULL;
}

const char *api_name(Fjord__ApiKey api)
{
	const api_def_t *d = api_find(api);
	return d ? d->name : "unknown";
}

int api_dispatch(conn_t *c, const Fjord__Request *req, const uint8_t *payload, size_t payload_len)
{
	const api_def_t *d = api_find(req->api);
	conn_slot_t *slot;

	metrics_count_request(&c->b->metrics, req->api);
	if (req->api == FJORD__API_KEY__API_UNSPECIFIED) {
		flog(LOG_INFO, "api", "%s: request header names no api (correlation id %d)",
		     c->peer, req->correlation_id);
		slot = conn_slot_new(c, req->correlation_id, req->api);
		if (!slot)
			return -1;
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__INVALID_REQUEST,
		                               "request header names no api");
	}
	if (!d || req->api_version < d->min_version || req->api_version > d->max_version) {
		flog(LOG_INFO, "api", "%s: unsupported api %d version %d (correlation id %d)",
		     c->peer, (int)req->api, req->api_version, req->correlation_id);
		slot = conn_slot_new(c, req->correlation_id, req->api);
		if (!slot)
			return -1;
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNSUPPORTED_VERSION,
		                               "unsupported api or api version");
	}
	if (req->body_case != d->body) {
		slot = conn_slot_new(c, req->correlation_id, req->api);
		if (!slot)
			return -1;
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__INVALID_REQUEST,
		                               "request body does not match the api key");
	}
	return d->handle(c, req, payload, payload_len);
}
