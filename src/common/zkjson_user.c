/*
 * zkjson_user.c — jansson codec of /config/users/<user> (a user's SCRAM
 * credentials, Kafka's format) and of its change notification; see
 * zkjson_user.h for the shapes.
 *
 * Decoding is strict about what fjord uses (each SCRAM-SHA-* value must be a
 * string that scram_cred_parse accepts; at least one of them) and ignores
 * the rest of "config", as a Kafka broker does with keys it does not know
 * of. Encoding writes the mechanisms in a fixed order.
 *
 * Threads: none of its own; pure functions.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zkjson_int.h"
#include "common/zkjson_user.h"

#define ZKJSON_USER_KIND "user credentials"

char *zkjson_user_encode(const zkjson_user_t *u)
{
	json_t *root = json_object(), *cfg = json_object();
	char buf[SCRAM_MSG_MAX];
	int any = 0;

	if (!root || !cfg)
		goto fail;
	if (json_object_set_new(root, "version", json_integer(1)) < 0)
		goto fail;
	for (int m = 0; m < SCRAM_MECH_CNT; m++) {
		if (!u->has[m])
			continue;
		if (scram_cred_format((scram_mech_t)m, &u->cred[m], buf, sizeof(buf)) < 0 ||
		    json_object_set_new(cfg, scram_mech_name((scram_mech_t)m), json_string(buf)) <
		        0)
			goto fail;
		any = 1;
	}
	if (!any || json_object_set_new(root, "config", cfg) < 0) {
		cfg = NULL;
		goto fail;
	}
	return zkjson_dump(root);
fail:
	json_decref(cfg);
	json_decref(root);
	return NULL;
}

int zkjson_user_decode(const char *buf, size_t len, zkjson_user_t *u, char *errstr, size_t n)
{
	json_t *root, *cfg;
	int any = 0, rc = -1;

	memset(u, 0, sizeof(*u));
	root = zkjson_load(buf, len, ZKJSON_USER_KIND, errstr, n);
	if (!root)
		return -1;
	cfg = zkjson_get_object(root, "config", ZKJSON_USER_KIND, errstr, n);
	if (!cfg)
		goto out;
	for (int m = 0; m < SCRAM_MECH_CNT; m++) {
		const char *name = scram_mech_name((scram_mech_t)m);
		json_t *v = json_object_get(cfg, name);
		char err[256];
		if (!v)
			continue;
		if (!json_is_string(v)) {
			snprintf(errstr, n, "%s: \"%s\" must be a string", ZKJSON_USER_KIND, name);
			goto out;
		}
		if (scram_cred_parse((scram_mech_t)m, json_string_value(v), json_string_length(v),
		                     &u->cred[m], err, sizeof(err)) < 0) {
			snprintf(errstr, n, "%s: %s", ZKJSON_USER_KIND, err);
			goto out;
		}
		u->has[m] = 1;
		any = 1;
	}
	if (!any) {
		snprintf(errstr, n,
		         "%s: \"config\" holds no SCRAM-SHA-256 or SCRAM-SHA-512 credential",
		         ZKJSON_USER_KIND);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		memset(u, 0, sizeof(*u));
	json_decref(root);
	return rc;
}

char *zkjson_user_change_encode(const char *user)
{
	json_t *root = json_object();
	char *path = malloc(strlen(user) + 7);

	if (!root || !path)
		goto fail;
	snprintf(path, strlen(user) + 7, "users/%s", user);
	if (json_object_set_new(root, "version", json_integer(2)) < 0 ||
	    json_object_set_new(root, "entity_path", json_string(path)) < 0)
		goto fail;
	free(path);
	return zkjson_dump(root);
fail:
	free(path);
	json_decref(root);
	return NULL;
}
