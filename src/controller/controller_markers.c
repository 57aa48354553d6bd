/*
 * controller_markers.c — refusal markers: what the controller writes under
 * /admin/errors when it refuses a znode an operator (or a tool) wrote, and
 * removes when the znode is fixed or gone.
 *
 * A refused znode P gets the marker /admin/errors<P> (so
 * /config/topics/orders -> /admin/errors/config/topics/orders) holding
 *   {"version":1,"znode":"<P>","error":"<why>","refused_version":<P's
 *    dataVersion, -1 when it no longer exists>,"timestamp":"<ms>"}
 * Only the controller writes markers (one writer), each write fenced by the
 * controller epoch like every other controller write, so a deposed
 * controller writes none. Markers live in ZooKeeper, so they survive a
 * controller failover.
 *
 * Life of a marker:
 *  - written by controller_warn_once(), which fires once per (path, mzxid):
 *    a refused znode is reported once per modification, not at each pass;
 *  - a persistent znode's marker (assignment, config, state, ...) is removed
 *    when the znode is accepted again (the code that accepts it calls
 *    controller_marker_clear) or when the znode no longer exists (checked at
 *    each pass by controller_markers_sweep: one exists call per marker, and
 *    markers are few);
 *  - a one-shot plan's marker (/admin/preferred_replica_election,
 *    /admin/reassign_partitions: the controller removes the refused plan)
 *    stays until the next plan of that kind is accepted, or the operator
 *    deletes it.
 *
 * The controller keeps the set of markers it knows in memory (seeded at the
 * first pass of each epoch by walking /admin/errors), so clearing a path
 * that has no marker costs no ZooKeeper call. A marker whose write failed
 * (connection loss) stays pending in the set and is written at the next
 * sweep.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls),
 * except controller_refused_total(), which any thread may call.
 * Ownership: the set's strings are the set's; callers keep theirs.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "controller/controller_int.h"
#include "common/flog.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

/* One known marker: the refused znode's path; json is the value still to
 * be written (NULL once it is in ZooKeeper). */
typedef struct controller_marker {
	char *src;
	char *json;
} controller_marker_t;

struct controller_markers {
	int cnt, cap;
	controller_marker_t *v;
};

static uint64_t controller_refused_counter;

uint64_t controller_refused_total(void)
{
	return __atomic_load_n(&controller_refused_counter, __ATOMIC_RELAXED);
}

static void controller_marker_path(const char *src, char *out, size_t n)
{
	snprintf(out, n, "%s%s", ZKPATH_ERRORS, src);
}

/* The one-shot plans the controller removes after reading them. */
static int controller_marker_one_shot(const char *src)
{
	return !strcmp(src, ZKPATH_PREFERRED_ELECTION) || !strcmp(src, ZKPATH_REASSIGN);
}

static controller_markers_t *controller_markers_get(controller_t *c)
{
	if (!c->markers)
		c->markers = calloc(1, sizeof(*c->markers));
	return c->markers;
}

static int controller_markers_find(const controller_markers_t *m, const char *src)
{
	int i;

	for (i = 0; m && i < m->cnt; i++)
		if (!strcmp(m->v[i].src, src))
			return i;
	return -1;
}

/* Adds src (or finds it); returns its index or -1 out of memory. */
static int controller_markers_add(controller_markers_t *m, const char *src)
{
	int i = controller_markers_find(m, src);

	if (i >= 0)
		return i;
	if (m->cnt == m->cap) {
		int cap = m->cap ? m->cap * 2 : 8;
		controller_marker_t *v = realloc(m->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	if (!(m->v[m->cnt].src = strdup(src)))
		return -1;
	m->v[m->cnt].json = NULL;
	return m->cnt++;
}

static void controller_markers_remove(controller_markers_t *m, int i)
{
	free(m->v[i].src);
	free(m->v[i].json);
	m->v[i] = m->v[--m->cnt];
}

void controller_markers_free(controller_t *c)
{
	controller_markers_t *m = c->markers;

	if (!m)
		return;
	while (m->cnt > 0)
		controller_markers_remove(m, m->cnt - 1);
	free(m->v);
	free(m);
	c->markers = NULL;
	c->markers_epoch = 0;
}

/* Writes mk's pending value (create with parents, or set). 0 or a
 * controller_multi result; the value stays pending unless written. */
static int controller_marker_write(controller_t *c, controller_marker_t *mk)
{
	char mpath[ZKPATH_MAX], parent[ZKPATH_MAX], *slash;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	int rc, attempt;

	controller_marker_path(mk->src, mpath, sizeof(mpath));
	snprintf(parent, sizeof(parent), "%s", mpath);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	for (attempt = 0; attempt < 2; attempt++) {
		struct Stat st;

		rc = zoo_exists(c->zh, mpath, 0, &st);
		if (rc == ZOK) {
			zoo_set_op_init(&ops[1], mpath, mk->json, (int)strlen(mk->json), -1, NULL);
		} else if (rc == ZNONODE) {
			rc = zkutil_create_recursive(c->zh, parent, NULL, -1);
			if (rc != ZOK)
				return rc;
			zoo_create_op_init(&ops[1], mpath, mk->json, (int)strlen(mk->json),
			                   zkacl_of(c->zh, mpath), 0, NULL, 0);
		} else {
			return rc;
		}
		rc = controller_multi(c, 2, ops, res);
		if (rc != CONTROLLER_AGAIN)
			break; /* AGAIN: created or deleted meanwhile, look again */
	}
	if (rc == 0) {
		free(mk->json);
		mk->json = NULL;
	}
	return rc;
}

static char *controller_marker_encode(const char *src, const char *err, int32_t version)
{
	char ts[32];
	json_t *root;
	char *s;

	root = json_pack("{s:i, s:s, s:s, s:I, s:s}", "version", 1, "znode", src, "error", err,
	                 "refused_version", (json_int_t)version, "timestamp",
	                 zkutil_timestamp(ts, sizeof(ts)));
	if (!root)
		return NULL;
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

void controller_warn_once(controller_t *c, const char *path, int64_t mzxid, const char *err)
{
	controller_markers_t *m;
	char mpath[ZKPATH_MAX];
	struct Stat st;
	int i, rc;

	if (!zkutil_seen_first(&c->warned, path, mzxid))
		return;
	__atomic_add_fetch(&controller_refused_counter, 1, __ATOMIC_RELAXED);
	controller_marker_path(path, mpath, sizeof(mpath));
	flog(LOG_WARNING, "controller", "refusing %s: %s (see %s)", path, err, mpath);
	rc = zoo_exists(c->zh, path, 0, &st);
	m = controller_markers_get(c);
	if (!m || (i = controller_markers_add(m, path)) < 0)
		return; /* out of memory: the log line is all there is */
	free(m->v[i].json);
	m->v[i].json = controller_marker_encode(path, err, rc == ZOK ? st.version : -1);
	if (!m->v[i].json)
		return;
	rc = controller_marker_write(c, &m->v[i]);
	if (rc != 0 && rc != CONTROLLER_DEPOSED)
		flog(LOG_INFO, "controller", "cannot write %s yet (%s); retrying at the next pass",
		     mpath, zkutil_err2str(rc));
}

/* After a marker's deletion: removes the parents it leaves empty (no
 * value, no children, not a known marker), up to /admin/errors (kept), so a
 * deleted topic leaves nothing behind. Best effort. */
static void controller_marker_prune(controller_t *c, const char *mpath)
{
	char path[ZKPATH_MAX], *slash;
	size_t root = strlen(ZKPATH_ERRORS);
	zoo_op_t ops[2];
	zoo_op_result_t res[2];

	snprintf(path, sizeof(path), "%s", mpath);
	while ((slash = strrchr(path, '/')) && (size_t)(slash - path) > root) {
		struct Stat st;

		*slash = '\0';
		if (controller_markers_find(c->markers, path + root) >= 0)
			return;
		if (zoo_exists(c->zh, path, 0, &st) != ZOK || st.dataLength > 0 ||
		    st.numChildren > 0)
			return;
		zoo_delete_op_init(&ops[1], path, st.version);
		if (controller_multi(c, 2, ops, res) != 0)
			return;
	}
}

/* Deletes marker i from ZooKeeper (fenced) and from the set. */
static int controller_marker_delete(controller_t *c, int i)
{
	controller_markers_t *m = c->markers;
	char mpath[ZKPATH_MAX];
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	int rc;

	controller_marker_path(m->v[i].src, mpath, sizeof(mpath));
	zoo_delete_op_init(&ops[1], mpath, -1);
	rc = controller_multi(c, 2, ops, res);
	if (rc == CONTROLLER_AGAIN)
		rc = 0; /* already gone (an operator deleted it) */
	if (rc == 0) {
		flog(LOG_NOTICE, "controller", "%s is accepted or gone: removed %s", m->v[i].src,
		     mpath);
		controller_markers_remove(m, i);
		controller_marker_prune(c, mpath);
	}
	return rc;
}

void controller_marker_clear(controller_t *c, const char *path)
{
	int i = controller_markers_find(c->markers, path);

	if (i >= 0)
		controller_marker_delete(c, i);
}

/* ------------------------------------------------------------ seeding */

typedef struct controller_seed {
	controller_markers_t *m;
	size_t root_len;
} controller_seed_t;

/* Post-order: children come before their parent, so a node that prefixes a
 * path already recorded is an intermediate one ("/admin/errors/config"). */
static int controller_seed_visit(const char *path, void *arg)
{
	controller_seed_t *s = arg;
	const char *src = path + s->root_len;
	size_t len = strlen(src);
	int i;

	if (!*src)
		return ZOK;
	for (i = 0; i < s->m->cnt; i++)
		if (!strncmp(s->m->v[i].src, src, len) && s->m->v[i].src[len] == '/')
			return ZOK;
	return controller_markers_add(s->m, src) < 0 ? ZSYSTEMERROR : ZOK;
}

/* Re-reads the markers of ZooKeeper at the first pass of an epoch. */
static int controller_markers_seed(controller_t *c)
{
	controller_seed_t s;
	controller_markers_t *m;
	int rc, i;

	if (c->markers_epoch == c->epoch && c->markers)
		return ZOK;
	/* Pending writes of an earlier epoch are dropped: the znodes are
	 * checked afresh and refused again if still wrong. */
	controller_markers_free(c);
	zkutil_seen_clear(&c->warned);
	if (!(m = controller_markers_get(c)))
		return ZSYSTEMERROR;
	s.m = m;
	s.root_len = strlen(ZKPATH_ERRORS);
	rc = zkutil_walk_postorder(c->zh, ZKPATH_ERRORS, controller_seed_visit, &s);
	if (rc != ZOK) {
		controller_markers_free(c);
		return rc;
	}
	for (i = 0; i < m->cnt; i++)
		flog(LOG_INFO, "controller", "refusal marker %s%s is in place", ZKPATH_ERRORS,
		     m->v[i].src);
	c->markers_epoch = c->epoch;
	return ZOK;
}

/* ------------------------------------------------------------ sweep */

int controller_markers_begin(controller_t *c)
{
	return controller_markers_seed(c);
}

int controller_markers_sweep(controller_t *c)
{
	controller_markers_t *m = c->markers;
	int i, rc;

	for (i = 0; m && i < m->cnt; i++) {
		struct Stat st;

		if (m->v[i].json) {
			rc = controller_marker_write(c, &m->v[i]);
			if (rc == CONTROLLER_DEPOSED)
				return rc;
		}
		if (controller_marker_one_shot(m->v[i].src))
			continue;
		rc = zoo_exists(c->zh, m->v[i].src, 0, &st);
		if (rc == ZNONODE) {
			rc = controller_marker_delete(c, i);
			if (rc == CONTROLLER_DEPOSED)
				return rc;
			if (rc == 0)
				i--; /* the last entry moved into i */
		} else if (rc != ZOK) {
			return rc;
		}
	}
	return 0;
}
