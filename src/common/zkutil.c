/*
 * zkutil.c — connecting to ZooKeeper, recursive create, growing reads, and
 * the live-object set that makes watchers safe to outlive their objects.
 *
 * Connecting: zookeeper_init2() returns at once and connects in the
 * background; zkutil_connect() polls zoo_state() until the session is
 * connected (or the deadline passes), so it needs no cooperation from the
 * caller's watcher. A chroot that does not exist makes every call on the
 * chrooted handle fail with "no node", so with create_chroot the chroot is
 * created first through a handle without it (and logged at INFO with its
 * path: a typo in zookeeper.connect then shows as a new, empty chroot).
 *
 * The client's own log lines (WARN and above, through a per-handle
 * callback) are handed to flog() at DEBUG: while ZooKeeper is unreachable the
 * client logs every reconnect attempt, which would bury the one clear error
 * zkutil_connect() and the session watchers report themselves. Raise the log
 * level to debug to see them.
 *
 * Credentials (zookeeper.auth, common/zkacl.h): zkutil_connect_acl() adds
 * them with zoo_add_auth on every handle it opens, before any other
 * request, and waits for ZooKeeper to take them; the handle is then bound
 * to its zkacl_t, so zkutil_create_recursive() and every other create
 * gives the znode the ACL of that identity (zkacl_of). A new session after
 * an expiry is a new handle and goes through the same path; after a mere
 * reconnect the client library resends the credentials itself.
 *
 * Threads: any thread except the ZooKeeper completion thread (see zkutil.h).
 * zkutil_live_* may be called from any thread including watchers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/flog.h"
#include "common/zkacl.h"
#include "common/zkutil.h"

static int zkutil_create_path(zhandle_t *zh, const char *path, const char *value, int len,
                              const struct ACL_vector *acl);

static void zkutil_log_cb(const char *message)
{
	flog(LOG_DEBUG, "zookeeper", "%s", message);
}

int zkutil_parse_connect(const char *connect, char **hostsp, char **chrootp, char *errstr, size_t n)
{
	const char *slash;
	size_t hlen;

	*hostsp = NULL;
	*chrootp = NULL;
	if (!connect || !*connect) {
		snprintf(errstr, n, "zookeeper.connect is empty");
		return -1;
	}
	slash = strchr(connect, '/');
	hlen = slash ? (size_t)(slash - connect) : strlen(connect);
	if (hlen == 0 || !memchr(connect, ':', hlen)) {
		snprintf(errstr, n,
		         "zookeeper.connect \"%s\": expected host:port[,host:port...][/chroot]",
		         connect);
		return -1;
	}
	if (slash &&
	    (strstr(slash, "//") || (strlen(slash) > 1 && slash[strlen(slash) - 1] == '/'))) {
		snprintf(errstr, n, "zookeeper.connect \"%s\": malformed chroot \"%s\"", connect,
		         slash);
		return -1;
	}
	*hostsp = strndup(connect, hlen);
	if (slash && strcmp(slash, "/") != 0)
		*chrootp = strdup(slash);
	if (!*hostsp || (slash && strcmp(slash, "/") != 0 && !*chrootp)) {
		free(*hostsp);
		free(*chrootp);
		*hostsp = *chrootp = NULL;
		snprintf(errstr, n, "out of memory");
		return -1;
	}
	return 0;
}

static int64_t zkutil_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* zoo_add_auth's completion: the outcome is read from the session state
 * (ZOO_AUTH_FAILED_STATE) and from the barrier call that follows, so it
 * keeps nothing and may run at any time, even after the handle is gone. */
static void zkutil_auth_done(int rc, const void *data)
{
	(void)rc;
	(void)data;
}

/* Authenticates zh with za's credentials (none: nothing to do). The auth
 * packet is queued before any other request of the session, and ZooKeeper
 * answers a session's requests in order, so the reply to one zoo_exists
 * says the credentials were taken: a refusal closes the session in
 * ZOO_AUTH_FAILED_STATE. Returns ZOK or ZAUTHFAILED / the barrier's code. */
static int zkutil_auth(zhandle_t *zh, const zkacl_t *za)
{
	const char *scheme = zkacl_auth_scheme(za), *cred = zkacl_auth_credentials(za);
	struct Stat st;
	int rc;

	if (!scheme)
		return ZOK;
	rc = zoo_add_auth(zh, scheme, cred, (int)strlen(cred), zkutil_auth_done, NULL);
	if (rc != ZOK)
		return rc;
	rc = zoo_exists(zh, "/", 0, &st);
	if (zoo_state(zh) == ZOO_AUTH_FAILED_STATE || rc == ZAUTHFAILED)
		return ZAUTHFAILED;
	return rc == ZNONODE ? ZOK : rc;
}

/* Opens a handle on connect (hosts[/chroot]), authenticates it with za's
 * credentials, binds it to za and waits for CONNECTED, giving up early once
 * *cancel (may be NULL) is set. *zrcp: ZOK, ZAUTHFAILED (the credentials
 * were refused), or ZOPERATIONTIMEOUT (not reached, cancelled). */
static zhandle_t *zkutil_open(const char *connect, int session_timeout_ms, int timeout_ms,
                              const zkacl_t *za, watcher_fn watcher, void *ctx,
                              const atomic_int *cancel, int *zrcp, char *errstr, size_t n)
{
	int64_t deadline = zkutil_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	zhandle_t *zh;
	struct timespec nap = { 0, 10 * 1000000 };
	int rc = ZOPERATIONTIMEOUT;

	*zrcp = ZOPERATIONTIMEOUT;
	zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
	zh = zookeeper_init2(connect, watcher, session_timeout_ms, NULL, ctx, 0, zkutil_log_cb);
	if (!zh) {
		snprintf(errstr, n, "cannot use ZooKeeper connect string \"%s\": %s", connect,
		         strerror(errno));
		return NULL;
	}
	for (;;) {
		int st = zoo_state(zh);

		if (st == ZOO_CONNECTED_STATE) {
			rc = zkutil_auth(zh, za);
			if (rc == ZOK && zkacl_bind(zh, za) < 0)
				rc = ZSYSTEMERROR;
			if (rc == ZOK) {
				*zrcp = ZOK;
				return zh;
			}
			break;
		}
		if (st == ZOO_AUTH_FAILED_STATE) {
			rc = ZAUTHFAILED;
			break;
		}
		if (st == ZOO_EXPIRED_SESSION_STATE)
			break;
		if (zkutil_mono_ms() >= deadline || (cancel && atomic_load(cancel)))
			break;
		nanosleep(&nap, NULL);
	}
	zookeeper_close(zh);
	if (rc == ZAUTHFAILED) {
		*zrcp = ZAUTHFAILED;
		snprintf(errstr, n,
		         "ZooKeeper at %s refused the credentials of zookeeper.auth (scheme %s, "
		         "user \"%s\"): authentication failed",
		         connect, za && zkacl_auth_scheme(za) ? zkacl_auth_scheme(za) : "none",
		         zkacl_auth_user(za));
	} else if (cancel && atomic_load(cancel)) {
		snprintf(errstr, n, "connecting to ZooKeeper at %s cancelled", connect);
	} else if (rc != ZOPERATIONTIMEOUT) {
		snprintf(errstr, n, "cannot open a session at ZooKeeper %s: %s", connect,
		         zkutil_err2str(rc));
	} else {
		snprintf(errstr, n, "cannot reach ZooKeeper at %s within %d ms", connect,
		         timeout_ms);
	}
	return NULL;
}

zhandle_t *zkutil_connect(const char *connect, int session_timeout_ms, int timeout_ms,
                          int create_chroot, watcher_fn watcher, void *ctx, char *errstr, size_t n)
{
	return zkutil_connect_acl(connect, session_timeout_ms, timeout_ms, create_chroot, NULL,
	                          watcher, ctx, NULL, NULL, errstr, n);
}

zhandle_t *zkutil_connect_cancel(const char *connect, int session_timeout_ms, int timeout_ms,
                                 int create_chroot, watcher_fn watcher, void *ctx,
                                 const atomic_int *cancel, char *errstr, size_t n)
{
	return zkutil_connect_acl(connect, session_timeout_ms, timeout_ms, create_chroot, NULL,
	                          watcher, ctx, cancel, NULL, errstr, n);
}

zhandle_t *zkutil_connect_acl(const char *connect, int session_timeout_ms, int timeout_ms,
                              int create_chroot, const zkacl_t *za, watcher_fn watcher, void *ctx,
                              const atomic_int *cancel, int *zrcp, char *errstr, size_t n)
{
	char *hosts = NULL, *chroot = NULL;
	zhandle_t *zh = NULL, *root = NULL;
	struct Stat st;
	int rc, zrc = ZBADARGUMENTS;

	if (zkutil_parse_connect(connect, &hosts, &chroot, errstr, n) < 0)
		goto out;
	if (create_chroot && chroot) {
		root = zkutil_open(hosts, session_timeout_ms, timeout_ms, za, NULL, NULL, cancel,
		                   &zrc, errstr, n);
		if (!root)
			goto out;
		rc = zoo_exists(root, chroot, 0, &st);
		if (rc == ZNONODE) {
			rc = zkutil_create_path(root, chroot, NULL, -1, zkacl_for_chroot(za));
			if (rc == ZOK)
				flog(LOG_INFO, "zookeeper", "created the missing chroot %s on %s",
				     chroot, hosts);
		}
		if (rc != ZOK) {
			zrc = rc;
			snprintf(errstr, n, "cannot create ZooKeeper chroot %s at %s: %s", chroot,
			         hosts, zkutil_err2str(rc));
			goto out;
		}
	}
	zh = zkutil_open(connect, session_timeout_ms, timeout_ms, za, watcher, ctx, cancel, &zrc,
	                 errstr, n);
out:
	if (root)
		zkutil_close(root);
	free(hosts);
	free(chroot);
	if (zrcp)
		*zrcp = zrc;
	return zh;
}

void zkutil_close(zhandle_t *zh)
{
	if (!zh)
		return;
	zkacl_unbind(zh);
	zookeeper_close(zh);
}

/* zoo_create of one znode. ZooKeeper checks the parent's ACL before it
 * looks whether the znode exists, so an identity without create rights on
 * a parent hears "not authenticated" for a znode that is already there;
 * that answer is turned into ZNODEEXISTS when the znode exists. */
static int zkutil_create_one(zhandle_t *zh, const char *path, const char *value, int len,
                             const struct ACL_vector *acl)
{
	struct Stat st;
	int rc = zoo_create(zh, path, value, len, acl, 0, NULL, 0);

	if (rc == ZNOAUTH && zoo_exists(zh, path, 0, &st) == ZOK)
		rc = ZNODEEXISTS;
	return rc;
}

/* zkutil_create_recursive with one ACL for every znode (acl) or each
 * znode's own (acl NULL: zkacl_of). */
static int zkutil_create_path(zhandle_t *zh, const char *path, const char *value, int len,
                              const struct ACL_vector *acl)
{
	char *p = strdup(path);
	char *s;
	int rc = ZOK;

	if (!p)
		return ZSYSTEMERROR;
	if (p[0] != '/' || p[1] == '\0') {
		rc = ZBADARGUMENTS;
		goto out;
	}
	/* Parents first: each may already exist. */
	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		rc = zkutil_create_one(zh, p, NULL, -1, acl ? acl : zkacl_of(zh, p));
		*s = '/';
		if (rc != ZOK && rc != ZNODEEXISTS)
			goto out;
	}
	rc = zkutil_create_one(zh, p, value, value ? len : -1, acl ? acl : zkacl_of(zh, p));
	if (rc == ZNODEEXISTS)
		rc = ZOK;
out:
	free(p);
	return rc;
}

int zkutil_create_recursive(zhandle_t *zh, const char *path, const char *value, int len)
{
	return zkutil_create_path(zh, path, value, len, NULL);
}

int zkutil_get(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx, char **bufp,
               int *lenp, struct Stat *stat)
{
	struct Stat st;
	int cap = 1024;
	char *buf = NULL;
	int rc;

	*bufp = NULL;
	if (lenp)
		*lenp = 0;
	for (;;) {
		int len = cap;
		char *nb = realloc(buf, (size_t)cap + 1);

		if (!nb) {
			rc = ZSYSTEMERROR;
			goto fail;
		}
		buf = nb;
		if (watcher)
			rc = zoo_wget(zh, path, watcher, ctx, buf, &len, &st);
		else
			rc = zoo_get(zh, path, 0, buf, &len, &st);
		if (rc != ZOK)
			goto fail;
		if (st.dataLength <= cap) {
			/* len is -1 for a znode created without data. */
			if (len < 0) {
				free(buf);
				buf = NULL;
				len = 0;
			} else {
				buf[len] = '\0';
			}
			*bufp = buf;
			if (lenp)
				*lenp = len;
			if (stat)
				*stat = st;
			return ZOK;
		}
		/* Truncated: the value grew past our buffer; read again. */
		cap = st.dataLength;
	}
fail:
	free(buf);
	return rc;
}

static int zkutil_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int zkutil_children(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx,
                    struct String_vector *sv)
{
	int rc;

	memset(sv, 0, sizeof(*sv));
	if (watcher)
		rc = zoo_wget_children(zh, path, watcher, ctx, sv);
	else
		rc = zoo_get_children(zh, path, 0, sv);
	if (rc == ZOK && sv->count > 1)
		qsort(sv->data, (size_t)sv->count, sizeof(char *), zkutil_strcmp);
	return rc;
}

const char *zkutil_err2str(int rc)
{
	return zerror(rc);
}

int zkutil_walk_postorder(zhandle_t *zh, const char *path, int (*fn)(const char *path, void *arg),
                          void *arg)
{
	struct String_vector sv;
	int rc, i;

	rc = zkutil_children(zh, path, NULL, NULL, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	for (i = 0; i < sv.count && rc == ZOK; i++) {
		size_t len = strlen(path) + strlen(sv.data[i]) + 2;
		char *child = malloc(len);

		if (!child) {
			rc = ZSYSTEMERROR;
			break;
		}
		snprintf(child, len, "%s/%s", strcmp(path, "/") ? path : "", sv.data[i]);
		rc = zkutil_walk_postorder(zh, child, fn, arg);
		free(child);
	}
	deallocate_String_vector(&sv);
	return rc == ZOK ? fn(path, arg) : rc;
}

char *zkutil_timestamp(char *buf, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, n, "%lld", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	return buf;
}

/* ------------------------------------------------------------ seen set */

int zkutil_seen_first(zkutil_seen_t *s, const char *path, int64_t mzxid)
{
	char key[1100];
	char **keys;
	int i;

	snprintf(key, sizeof(key), "%s@%lld", path, (long long)mzxid);
	for (i = 0; i < s->cnt; i++)
		if (!strcmp(s->keys[i], key))
			return 0;
	if (s->cnt >= 1024)
		zkutil_seen_clear(s);
	keys = realloc(s->keys, (size_t)(s->cnt + 1) * sizeof(*keys));
	if (!keys)
		return 1;
	s->keys = keys;
	if ((s->keys[s->cnt] = strdup(key)))
		s->cnt++;
	return 1;
}

void zkutil_seen_clear(zkutil_seen_t *s)
{
	int i;

	for (i = 0; i < s->cnt; i++)
		free(s->keys[i]);
	free(s->keys);
	s->keys = NULL;
	s->cnt = 0;
}

/* ------------------------------------------------------------ live set */

static pthread_mutex_t zkutil_live_lock = PTHREAD_MUTEX_INITIALIZER;
static const void **zkutil_live_objs;
static size_t zkutil_live_cnt, zkutil_live_cap;

int zkutil_live_add(const void *obj)
{
	int r = 0;

	pthread_mutex_lock(&zkutil_live_lock);
	if (zkutil_live_cnt == zkutil_live_cap) {
		size_t cap = zkutil_live_cap ? zkutil_live_cap * 2 : 16;
		const void **objs = realloc(zkutil_live_objs, cap * sizeof(*objs));

		if (!objs) {
			r = -1;
			goto out;
		}
		zkutil_live_objs = objs;
		zkutil_live_cap = cap;
	}
	zkutil_live_objs[zkutil_live_cnt++] = obj;
out:
	pthread_mutex_unlock(&zkutil_live_lock);
	return r;
}

void zkutil_live_remove(const void *obj)
{
	size_t i;

	pthread_mutex_lock(&zkutil_live_lock);
	for (i = 0; i < zkutil_live_cnt; i++) {
		if (zkutil_live_objs[i] == obj) {
			zkutil_live_objs[i] = zkutil_live_objs[--zkutil_live_cnt];
			break;
		}
	}
	pthread_mutex_unlock(&zkutil_live_lock);
}

int zkutil_live_run(const void *obj, void (*fn)(void *obj, void *arg), void *arg)
{
	size_t i;
	int ran = 0;

	pthread_mutex_lock(&zkutil_live_lock);
	for (i = 0; i < zkutil_live_cnt; i++) {
		if (zkutil_live_objs[i] == obj) {
			fn((void *)obj, arg);
			ran = 1;
			break;
		}
	}
	pthread_mutex_unlock(&zkutil_live_lock);
	return ran;
}
