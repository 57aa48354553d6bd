/*
 * handle_api_versions.c — ApiVersions: which APIs and versions this broker
 * speaks (api.c's table), its version string and broker id. Loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "common/pbuild.h"
#include "fjord.h"

int handle_api_versions(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                        size_t payload_len)
{
	Fjord__ApiVersionsResponse body = FJORD__API_VERSIONS_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	arena_t ar;
	int rc;

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	arena_init(&ar, 0);
	body.apis = pbuild_array(&ar, &fjord__api_version_range__descriptor, api_def_cnt);
	if (!body.apis) {
		arena_free(&ar);
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                               "out of memory");
	}
	body.n_apis = api_def_cnt;
	for (size_t i = 0; i < api_def_cnt; i++) {
		body.apis[i]->api = api_defs[i].key;
		body.apis[i]->min_version = api_defs[i].min_version;
		body.apis[i]->max_version = api_defs[i].max_version;
	}
	body.broker_version = (char *)"fjord " FJORD_VERSION_STR;
	body.broker_id = c->b->conf.broker_id;
	resp.body_case = FJORD__RESPONSE__BODY_API_VERSIONS;
	resp.api_versions = &body;
	rc = conn_slot_respond(slot, &resp, NULL);
	arena_free(&ar);
	return rc;
}
