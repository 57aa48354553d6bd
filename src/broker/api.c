/*
 * api.c — request decode checks and dispatch to the per-API handlers.
 *
 * The header has already been unpacked by conn.c. Here: the api key must
 * name a known API at a supported version (else UNSUPPORTED_VERSION) and
 * the oneof body must match the api key (else INVALID_REQUEST); both
 * answer with the request's correlation id and keep the connection.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "common/flog.h"

const char *api_name(Fjord__ApiKey api)
{
	switch (api) {
	case FJORD__API_KEY__API_VERSIONS: return "api_versions";
	case FJORD__API_KEY__METADATA: return "metadata";
	case FJORD__API_KEY__PRODUCE: return "produce";
	case FJORD__API_KEY__FETCH: return "fetch";
	case FJORD__API_KEY__LIST_OFFSETS: return "list_offsets";
	case FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH: return "offset_for_leader_epoch";
	default: return "unknown";
	}
}

/* The oneof case each api must carry. */
static Fjord__Request__BodyCase api_body_case(Fjord__ApiKey api)
{
	switch (api) {
	case FJORD__API_KEY__API_VERSIONS: return FJORD__REQUEST__BODY_API_VERSIONS;
	case FJORD__API_KEY__METADATA: return FJORD__REQUEST__BODY_METADATA;
	case FJORD__API_KEY__PRODUCE: return FJORD__REQUEST__BODY_PRODUCE;
	case FJORD__API_KEY__FETCH: return FJORD__REQUEST__BODY_FETCH;
	case FJORD__API_KEY__LIST_OFFSETS: return FJORD__REQUEST__BODY_LIST_OFFSETS;
	case FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH:
		return FJORD__REQUEST__BODY_OFFSET_FOR_LEADER_EPOCH;
	default: return FJORD__REQUEST__BODY__NOT_SET;
	}
}

int api_dispatch(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                 size_t payload_len)
{
	Fjord__Request__BodyCase want = api_body_case(req->api);
	conn_slot_t *slot;

	metrics_count_request(&c->b->metrics, req->api);
	if (want == FJORD__REQUEST__BODY__NOT_SET || req->api_version < 0 ||
	    req->api_version > API_MAX_VERSION) {
		flog(LOG_INFO, "api", "%s: unsupported api %d version %d (correlation id %d)",
		     c->peer, (int)req->api, req->api_version, req->correlation_id);
		slot = conn_slot_new(c, req->correlation_id, req->api);
		if (!slot)
			return -1;
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNSUPPORTED_VERSION,
		                               "unsupported api or api version");
	}
	if (req->body_case != want) {
		slot = conn_slot_new(c, req->correlation_id, req->api);
		if (!slot)
			return -1;
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__INVALID_REQUEST,
		                               "request body does not match the api key");
	}
	switch (req->api) {
	case FJORD__API_KEY__API_VERSIONS: return handle_api_versions(c, req);
	case FJORD__API_KEY__METADATA: return handle_metadata(c, req);
	case FJORD__API_KEY__PRODUCE: return handle_produce(c, req, payload, payload_len);
	case FJORD__API_KEY__FETCH: return handle_fetch(c, req);
	case FJORD__API_KEY__LIST_OFFSETS: return handle_list_offsets(c, req);
	case FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH: return handle_offset_for_leader_epoch(c, req);
	default: return -1; /* unreachable: api_body_case() filtered */
	}
}
