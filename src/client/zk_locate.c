/*
 * zk_locate.c — fjord_zookeeper_locate(): does the handle's ZooKeeper path
 * hold a fjord cluster, and if not, which chroots of the same ensemble do.
 *
 * A connect string without the chroot a cluster lives under (the local
 * cluster's "/fjord", say) is valid: the session opens, the paths are simply
 * empty, and a tool would print an empty cluster or say that every topic
 * "does not exist". This call lets the tool say what is wrong instead. A
 * fjord cluster is recognised by its /cluster/id znode, which the first
 * broker to start writes (docs/zookeeper.md).
 *
 * When the handle's path has no /cluster/id, a second, short session without
 * the chroot (same hosts, same zookeeper.auth) looks at the ensemble's root
 * and at each child of the root (at most FJ_LOCATE_MAX_CHILDREN of them) for a
 * /cluster/id. Those found are listed closest to the asked-for chroot first
 * (the longest common prefix: a typo's intended path leads), then by name.
 * Nothing is written.
 *
 * Thread: the calling app thread (blocking ZooKeeper calls); the handle's
 * session is used under its zk_lock as a reader.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

#define FJ_LOCATE_MAX_CHILDREN 256

/* Appends "path" to the comma-separated list out (truncated, never
 * overflowed). */
static void zk_locate_append(char *out, size_t n, const char *path)
{
	size_t len = strlen(out);

	if (len + (len ? 2 : 0) + strlen(path) + 1 > n)
		return;
	snprintf(out + len, n - len, "%s%s", len ? ", " : "", path);
}

/* Length of the common prefix of a and b. */
static size_t zk_locate_common(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

static const char *zk_locate_want; /* the handle's chroot, for the sort (one scan at a time) */
static pthread_mutex_t zk_locate_lock = PTHREAD_MUTEX_INITIALIZER;

/* Closest to the chroot asked for first (a typo shows its intended path
 * first), then by name. */
static int zk_locate_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t cx = zk_locate_common(x, zk_locate_want), cy = zk_locate_common(y, zk_locate_want);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x, y);
}

/* Fills others from a session on the bare hosts; returns a ZooKeeper code. */
static int zk_locate_scan(fjord_t *fj, const char *hosts, const char *chroot, int timeout_ms,
                          char *others, size_t n, char *errstr, size_t errstr_size)
{
	struct String_vector kids = { 0, NULL };
	char *found[FJ_LOCATE_MAX_CHILDREN + 1];
	int32_t i, cnt = 0;
	zhandle_t *zh;
	char path[512];
	int rc;

	zh = zkutil_connect_acl(hosts, timeout_ms, timeout_ms, 0, fj->zkacl, NULL, NULL, NULL, &rc,
	                        errstr, errstr_size);
	if (!zh)
		return rc == ZOK ? ZOPERATIONTIMEOUT : rc;
	if (zoo_exists(zh, ZKPATH_CLUSTER_ID, 0, NULL) == ZOK && (found[cnt] = strdup("/")))
		cnt++;
	rc = zkutil_children(zh, "/", NULL, NULL, &kids);
	for (i = 0; rc == ZOK && i < kids.count && i < FJ_LOCATE_MAX_CHILDREN; i++) {
		if (!strcmp(kids.data[i], "zookeeper"))
			continue;
		snprintf(path, sizeof(path), "/%s%s", kids.data[i], ZKPATH_CLUSTER_ID);
		if (zoo_exists(zh, path, 0, NULL) == ZOK) {
			snprintf(path, sizeof(path), "/%s", kids.data[i]);
			if ((found[cnt] = strdup(path)) != NULL)
				cnt++;
		}
	}
	if (kids.data)
		deallocate_String_vector(&kids);
	zkutil_close(zh);
	pthread_mutex_lock(&zk_locate_lock);
	zk_locate_want = chroot ? chroot : "/";
	qsort(found, (size_t)cnt, sizeof(found[0]), zk_locate_cmp);
	pthread_mutex_unlock(&zk_locate_lock);
	for (i = 0; i < cnt; i++) {
		zk_locate_append(others, n, found[i]);
		free(found[i]);
	}
	return rc;
}

fjord_err_t fjord_zookeeper_locate(fjord_t *fj, int *foundp, char *others, size_t others_size,
                                   char *errstr, size_t errstr_size)
{
	const fj_conf_values_t *v;
	char *hosts = NULL, *chroot = NULL;
	int rc;

	fj_errstr(errstr, errstr_size, "%s", "");
	if (!fj || !foundp || !others || !others_size) {
		fj_errstr(errstr, errstr_size, "NULL handle or result pointer");
		return FJORD_ERR__INVALID_ARG;
	}
	*foundp = 0;
	others[0] = '\0';
	if (!fj->zk_mode) {
		fj_errstr(errstr, errstr_size,
		          "locating a cluster needs zookeeper.connect (this handle uses "
		          "bootstrap.servers only)");
		return FJORD_ERR__NOT_IMPLEMENTED;
	}
	v = fj->cv_conf;
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = zoo_exists(fj->zh, ZKPATH_CLUSTER_ID, 0, NULL);
	pthread_rwlock_unlock(&fj->zk_lock);
	if (rc == ZOK) {
		*foundp = 1;
		return FJORD_ERR_NO_ERROR;
	}
	if (rc != ZNONODE) {
		fj_errstr(errstr, errstr_size, "cannot read %s from ZooKeeper: %s",
		          ZKPATH_CLUSTER_ID, zkutil_err2str(rc));
		return FJORD_ERR__ZOOKEEPER;
	}
	if (zkutil_parse_connect(v->zookeeper_connect, &hosts, &chroot, errstr, errstr_size) < 0)
		return FJORD_ERR__INVALID_ARG;
	rc = zk_locate_scan(fj, hosts, chroot, v->zk_session_timeout_ms, others, others_size,
	                    errstr, errstr_size);
	free(hosts);
	free(chroot);
	if (rc != ZOK) {
		if (!errstr || !errstr[0])
			fj_errstr(errstr, errstr_size, "cannot list the ZooKeeper root: %s",
			          zkutil_err2str(rc));
		return FJORD_ERR__ZOOKEEPER;
	}
	return FJORD_ERR_NO_ERROR;
}
