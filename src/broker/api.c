/*
 * api.c — request decode checks and dispatch to the per-API handlers.
 *
 * The header has already been unpacked by conn.c. Here: a header that
 * names no api (api 0, e.g. an empty header, which decodes as all defaults)
 * is malformed (INVALID_REQUEST); otherwise the api key must name a known
 * API at a supported version (else UNSUPPORTED_VERSION: a newer client's
 * api, whose body we cannot even see) and the oneof body must match the api
 * key (else INVALID_REQUEST). Every one of these answers with the request's
 * correlation id and keeps the connection. Those checks are api_check(),
 * which needs no connection or broker, so the fuzz target of the request
 * decoder (tests/fuzz/) runs it as is.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/sasl_server.h"
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
	{ FJORD__API_KEY__SASL_HANDSHAKE, "sasl_handshake", FJORD__REQUEST__BODY_SASL_HANDSHAKE, 0,
	  API_MAX_VERSION, handle_sasl_handshake },
	{ FJORD__API_KEY__SASL_AUTHENTICATE, "sasl_authenticate",
	  FJORD__REQUEST__BODY_SASL_AUTHENTICATE, 0, API_MAX_VERSION, handle_sasl_authenticate },
	{ FJORD__API_KEY__CREATE_TOPICS, "create_topics", FJORD__REQUEST__BODY_CREATE_TOPICS, 0,
	  API_MAX_VERSION, handle_create_topics },
	{ FJORD__API_KEY__DELETE_TOPICS, "delete_topics", FJORD__REQUEST__BODY_DELETE_TOPICS, 0,
	  API_MAX_VERSION, handle_delete_topics },
	{ FJORD__API_KEY__INIT_PRODUCER_ID, "init_producer_id",
	  FJORD__REQUEST__BODY_INIT_PRODUCER_ID, 0, API_MAX_VERSION, handle_init_producer_id },
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

Fjord__ErrorCode api_check(const Fjord__Request *req, const api_def_t **defp, const char **errmsg)
{
	const api_def_t *d = api_find(req->api);

	*defp = d;
	if (req->api == FJORD__API_KEY__API_UNSPECIFIED) {
		*errmsg = "request header names no api";
		return FJORD__ERROR_CODE__INVALID_REQUEST;
	}
	if (!d || req->api_version < d->min_version || req->api_version > d->max_version) {
		*errmsg = "unsupported api or api version";
		return FJORD__ERROR_CODE__UNSUPPORTED_VERSION;
	}
	if (req->body_case != d->body) {
		*errmsg = "request body does not match the api key";
		return FJORD__ERROR_CODE__INVALID_REQUEST;
	}
	*errmsg = NULL;
	return FJORD__ERROR_CODE__NONE;
}

int api_dispatch(conn_t *c, const Fjord__Request *req, const uint8_t *payload, size_t payload_len)
{
	const api_def_t *d;
	const char *errmsg;
	Fjord__ErrorCode err;
	conn_slot_t *slot;

	metrics_count_request(&c->b->metrics, req->api);
	/* SASL listeners: nothing but the login before the login. */
	if (sasl_server_gate(c, req) != 0)
		return -1;
	err = api_check(req, &d, &errmsg);
	if (err == FJORD__ERROR_CODE__NONE)
		return d->handle(c, req, payload, payload_len);
	if (err == FJORD__ERROR_CODE__UNSUPPORTED_VERSION)
		flog(LOG_INFO, "api", "%s: unsupported api %d version %d (correlation id %d)",
		     c->peer, (int)req->api, req->api_version, req->correlation_id);
	slot = conn_slot_new(c, req->correlation_id, req->api);
	if (!slot)
		return -1;
	return conn_slot_respond_error(slot, err, errmsg);
}
