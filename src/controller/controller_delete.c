/*
 * controller_delete.c — the controller's topic deletion: carries out
 * /admin/delete_topics/<topic>.
 *
 * One fenced zoo_multi deletes, children before parents, every znode of
 * the topic (its state znodes, /brokers/topics/<t> with its subtree,
 * /config/topics/<t>) and the marker itself. Being one multi, a deletion is
 * never half-done in ZooKeeper: either everything is gone or nothing is,
 * and a controller that dies before it runs leaves the marker for its
 * successor, whose first pass carries it out. Brokers delete their logs
 * when the topic leaves their metadata snapshot.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "controller/controller_int.h"
#include "common/flog.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

typedef struct controller_ops {
	int cnt, cap;
	zoo_op_t *ops;
	char **paths; /* owned; ops point into them */
} controller_ops_t;

static int controller_ops_delete(controller_ops_t *o, const char *path)
{
	if (o->cnt == o->cap) {
		int cap = o->cap ? o->cap * 2 : 16;
		zoo_op_t *ops = realloc(o->ops, (size_t)cap * sizeof(*ops));
		char **paths;

		if (!ops)
			return -1;
		o->ops = ops;
		paths = realloc(o->paths, (size_t)cap * sizeof(*paths));
		if (!paths)
			return -1;
		o->paths = paths;
		o->cap = cap;
	}
	if (!(o->paths[o->cnt] = strdup(path)))
		return -1;
	o->cnt++;
	return 0;
}

static void controller_ops_free(controller_ops_t *o)
{
	int i;

	for (i = 0; i < o->cnt; i++)
		free(o->paths[i]);
	free(o->paths);
	free(o->ops);
}

static int controller_ops_add_delete(const char *path, void *arg)
{
	return controller_ops_delete(arg, path) < 0 ? ZSYSTEMERROR : ZOK;
}

/* Adds path's subtree to o, children before parents (ZNONODE: nothing). */
static int controller_ops_subtree(controller_t *c, controller_ops_t *o, const char *path)
{
	return zkutil_walk_postorder(c->zh, path, controller_ops_add_delete, o);
}

int controller_delete_topic(controller_t *c, const char *topic)
{
	controller_ops_t o = { 0, 0, NULL, NULL };
	zoo_op_result_t *res = NULL;
	char path[ZKPATH_MAX];
	int rc, i;

	if ((rc = controller_ops_delete(&o, ZKPATH_CONTROLLER_EPOCH)) <
	    0) { /* slot for the check */
		rc = ZSYSTEMERROR;
		goto out;
	}
	zkpath_topic(path, topic);
	if ((rc = controller_ops_subtree(c, &o, path)) != ZOK)
		goto out;
	zkpath_topic_config(path, topic);
	if ((rc = controller_ops_subtree(c, &o, path)) != ZOK)
		goto out;
	zkpath_delete_topic(path, topic);
	if ((rc = controller_ops_subtree(c, &o, path)) != ZOK)
		goto out;
	res = calloc((size_t)o.cnt, sizeof(*res));
	if (!res) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (i = 1; i < o.cnt; i++)
		zoo_delete_op_init(&o.ops[i], o.paths[i], -1);
	rc = controller_multi(c, o.cnt, o.ops, res);
	if (rc == 0)
		flog(LOG_NOTICE, "controller", "deleted topic %s (%d znodes)", topic, o.cnt - 1);
out:
	free(res);
	controller_ops_free(&o);
	return rc;
}
