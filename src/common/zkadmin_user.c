/*
 * zkadmin_user.c — SCRAM users in ZooKeeper (see zkadmin_user.h).
 *
 * An upsert reads the user's znode (if any), replaces the credentials of
 * the mechanisms asked for and writes it back conditionally on the version
 * it read (create when it did not exist); a lost race starts again, so two
 * admins updating one user's two mechanisms at once both land. Every
 * change is followed by Kafka's change notification (a sequential
 * /config/changes/config_change_ node) so Kafka's own tools and brokers
 * sharing the ensemble see it; fjord brokers watch the users directly.
 *
 * Thread: the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/scram.h"
#include "common/zkadmin_user.h"
#include "common/zkjson_user.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

#define ZKADMIN_USER_RETRIES 5

static fjord_err_t zkadmin_user_zkerr(int rc, const char *what, const char *user, char *errstr,
                                      size_t n)
{
	snprintf(errstr, n, "ZooKeeper error while %s user \"%s\": %s", what, user,
	         zkutil_err2str(rc));
	return FJORD_ERR__ZOOKEEPER;
}

int zkadmin_user_validate_name(const char *user, char *errstr, size_t n)
{
	size_t len = user ? strlen(user) : 0;

	if (len == 0 || len > 255) {
		snprintf(errstr, n, "user name must be 1..255 bytes");
		return -1;
	}
	if (strcmp(user, ".") == 0 || strcmp(user, "..") == 0 || strchr(user, '/')) {
		snprintf(errstr, n, "user name \"%s\" cannot be a znode name (no '/', '.' or '..')",
		         user);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)user[i] < 0x20 || user[i] == 0x7f) {
			snprintf(errstr, n, "user name has a control character");
			return -1;
		}
	}
	return 0;
}

/* Kafka's change notification for users/<user>; errors are reported but
 * the change itself stands (fjord brokers do not need it). */
static fjord_err_t zkadmin_user_notify(zhandle_t *zh, const char *user, char *errstr, size_t n)
{
	char *json = zkjson_user_change_encode(user);
	int rc;

	if (!json) {
		snprintf(errstr, n, "out of memory");
		return FJORD_ERR__FAIL;
	}
	rc = zkutil_create_recursive(zh, ZKPATH_CONFIG_CHANGES, NULL, -1);
	if (rc == ZOK)
		rc = zoo_create(
		    zh, ZKPATH_CONFIG_CHANGES "/config_change_", json, (int)strlen(json),
		    zkacl_of(zh, ZKPATH_CONFIG_CHANGES "/config_change_"), ZOO_SEQUENCE, NULL, 0);
	free(json);
	if (rc != ZOK)
		return zkadmin_user_zkerr(rc, "notifying the change of", user, errstr, n);
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t zkadmin_user_upsert(zhandle_t *zh, const char *user, const char *password, int mask,
                                int iterations, char *errstr, size_t n)
{
	char path[ZKPATH_MAX];
	int attempt;

	if (zkadmin_user_validate_name(user, errstr, n) < 0)
		return FJORD_ERR__INVALID_ARG;
	if (!password || !*password) {
		snprintf(errstr, n, "empty password");
		return FJORD_ERR__INVALID_ARG;
	}
	if (mask <= 0 || mask > 3) {
		snprintf(errstr, n, "mechanisms must name SCRAM-SHA-256, SCRAM-SHA-512 or both");
		return FJORD_ERR__INVALID_ARG;
	}
	if (iterations < SCRAM_ITER_MIN || iterations > SCRAM_ITER_MAX) {
		snprintf(errstr, n, "iterations %d outside %d..%d", iterations, SCRAM_ITER_MIN,
		         SCRAM_ITER_MAX);
		return FJORD_ERR__INVALID_ARG;
	}
	zkpath_user_config(path, user);
	for (attempt = 0; attempt < ZKADMIN_USER_RETRIES; attempt++) {
		zkjson_user_t u;
		struct Stat st;
		char *buf = NULL, *json, err[256];
		int len = 0, rc;

		memset(&u, 0, sizeof(u));
		rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, &st);
		if (rc != ZOK && rc != ZNONODE)
			return zkadmin_user_zkerr(rc, "reading", user, errstr, n);
		/* An existing znode that does not decode (quotas only, or
		 * damaged) is rewritten with just the new credentials. */
		if (rc == ZOK && buf &&
		    zkjson_user_decode(buf, (size_t)len, &u, err, sizeof(err)) < 0)
			memset(&u, 0, sizeof(u));
		free(buf);
		for (int m = 0; m < SCRAM_MECH_CNT; m++) {
			if (!(mask & (1 << m)))
				continue;
			if (scram_cred_new((scram_mech_t)m, password, iterations, &u.cred[m]) < 0) {
				snprintf(errstr, n, "cannot derive the SCRAM credential (OpenSSL)");
				return FJORD_ERR__FAIL;
			}
			u.has[m] = 1;
		}
		json = zkjson_user_encode(&u);
		memset(&u, 0, sizeof(u));
		if (!json) {
			snprintf(errstr, n, "out of memory");
			return FJORD_ERR__FAIL;
		}
		if (rc == ZNONODE) {
			rc = zkutil_create_recursive(zh, ZKPATH_CONFIG_USERS, NULL, -1);
			if (rc == ZOK)
				rc = zoo_create(zh, path, json, (int)strlen(json),
				                zkacl_of(zh, path), 0, NULL, 0);
		} else {
			rc = zoo_set(zh, path, json, (int)strlen(json), st.version);
		}
		free(json);
		if (rc == ZOK)
			return zkadmin_user_notify(zh, user, errstr, n);
		if (rc != ZNODEEXISTS && rc != ZBADVERSION && rc != ZNONODE)
			return zkadmin_user_zkerr(rc, "writing", user, errstr, n);
	}
	snprintf(errstr, n, "user \"%s\" kept changing under us; try again", user);
	return FJORD_ERR__FAIL;
}

fjord_err_t zkadmin_user_delete(zhandle_t *zh, const char *user, char *errstr, size_t n)
{
	char path[ZKPATH_MAX];
	int rc;

	if (zkadmin_user_validate_name(user, errstr, n) < 0)
		return FJORD_ERR__INVALID_ARG;
	rc = zoo_delete(zh, zkpath_user_config(path, user), -1);
	if (rc == ZNONODE) {
		snprintf(errstr, n, "no user \"%s\"", user);
		return FJORD_ERR__INVALID_ARG;
	}
	if (rc != ZOK)
		return zkadmin_user_zkerr(rc, "deleting", user, errstr, n);
	return zkadmin_user_notify(zh, user, errstr, n);
}

fjord_err_t zkadmin_user_list(zhandle_t *zh, char ***usersp, int *cntp, char *errstr, size_t n)
{
	struct String_vector sv = { 0, NULL };
	char **users = NULL;
	int cnt = 0, rc;
	fjord_err_t err = FJORD_ERR_NO_ERROR;

	*usersp = NULL;
	*cntp = 0;
	rc = zkutil_children(zh, ZKPATH_CONFIG_USERS, NULL, NULL, &sv);
	if (rc == ZNONODE)
		return FJORD_ERR_NO_ERROR;
	if (rc != ZOK)
		return zkadmin_user_zkerr(rc, "listing", "*", errstr, n);
	users = calloc(sv.count > 0 ? (size_t)sv.count : 1, sizeof(*users));
	if (!users) {
		err = FJORD_ERR__FAIL;
		snprintf(errstr, n, "out of memory");
		goto out;
	}
	for (int i = 0; i < sv.count; i++) {
		char path[ZKPATH_MAX], e[256], *buf = NULL;
		zkjson_user_t u;
		int len = 0;

		rc = zkutil_get(zh, zkpath_user_config(path, sv.data[i]), NULL, NULL, &buf, &len,
		                NULL);
		if (rc == ZNONODE)
			continue;
		if (rc != ZOK) {
			err = zkadmin_user_zkerr(rc, "reading", sv.data[i], errstr, n);
			free(buf);
			goto out;
		}
		rc = zkjson_user_decode(buf, (size_t)len, &u, e, sizeof(e));
		free(buf);
		memset(&u, 0, sizeof(u));
		if (rc < 0)
			continue; /* quotas only, or not a credential */
		if (!(users[cnt] = strdup(sv.data[i]))) {
			err = FJORD_ERR__FAIL;
			snprintf(errstr, n, "out of memory");
			goto out;
		}
		cnt++;
	}
out:
	deallocate_String_vector(&sv);
	if (err != FJORD_ERR_NO_ERROR) {
		for (int i = 0; i < cnt; i++)
			free(users[i]);
		free(users);
		return err;
	}
	*usersp = users;
	*cntp = cnt;
	return FJORD_ERR_NO_ERROR;
}
