/*
 * handle_api_versions.c — ApiVersions: which APIs and versions this broker
 * speaks, its version string and broker id. Loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "fjord.h"

static const Fjord__ApiKey api_versions_supported[] = {
	FJORD__API_KEY__API_VERSIONS, FJORD__API_KEY__METADATA,
	FJORD__API_KEY__PRODUCE,      FJORD__API_KEY__FETCH,
	FJORD__API_KEY__LIST_OFFSETS, FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH,
};
#define API_VERSIONS_CNT (sizeof(api_versions_supported) / sizeof(api_versions_supported[0]))

int handle_api_versions(conn_t *c, const Fjord__Request *req)
{
	Fjord__ApiVersionRange ranges[API_VERSIONS_CNT];
	Fjord__ApiVersionRange *rptrs[API_VERSIONS_CNT];
	Fjord__ApiVersionsResponse body = FJORD__API_VERSIONS_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	size_t i;

	if (!slot)
		return -1;
	for (i = 0; i < API_VERSIONS_CNT; i++) {
		fjord__api_version_range__init(&ranges[i]);
		ranges[i].api = api_versions_supported[i];
		ranges[i].min_version = 0;
		ranges[i].max_version = API_MAX_VERSION;
		rptrs[i] = &ranges[i];
	}
	body.n_apis = API_VERSIONS_CNT;
	body.apis = rptrs;
	body.broker_version = (char *)"fjord " FJORD_VERSION_STR;
	body.broker_id = c->b->conf.broker_id;
	resp.body_case = FJORD__RESPONSE__BODY_API_VERSIONS;
	resp.api_versions = &body;
	return conn_slot_respond(slot, &resp, NULL);
}
