/*
 * admin_refused.c — fjord_admin_list_refused(): the controller's refusal
 * markers under /admin/errors, as the operator sees them with zkCli.sh.
 *
 * A marker /admin/errors<P> says the controller refused the znode P (a
 * malformed or impossible value an operator or tool wrote):
 *   {"version":1,"znode":"<P>","error":"...","refused_version":N,
 *    "timestamp":"<ms>"}
 * (written by the broker's controller_markers.c; docs/zookeeper.md). This
 * file only reads them: it walks /admin/errors and decodes every node that
 * has a value. Intermediate nodes ("/admin/errors/config") have none.
 *
 * Thread: the calling app thread (blocking ZooKeeper calls), under the
 * handle's zk_lock as a reader. Ownership: the list and its strings are
 * the caller's (fjord_refused_list_destroy).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/zkutil.h"
#include "common/zkpath.h"
#include "common/numparse.h"

typedef struct admin_refused_walk {
	zhandle_t *zh;
	fjord_refused_t *v;
	int cnt, cap;
	int oom;
} admin_refused_walk_t;

/* Fills r from a marker's JSON; an undecodable value still yields an entry
 * whose error says so (the operator should see it either way). */
static void admin_refused_decode(const char *path, const char *buf, int len, fjord_refused_t *r)
{
	json_error_t jerr;
	json_t *root = buf && len > 0 ? json_loadb(buf, (size_t)len, 0, &jerr) : NULL;
	json_t *v;
	char msg[300];

	r->znode = strdup(path + strlen(ZKPATH_ERRORS));
	r->marker = strdup(path);
	r->refused_version = -1;
	r->timestamp_ms = -1;
	if (!root || !json_is_object(root)) {
		snprintf(msg, sizeof(msg), "(unreadable marker: %s)",
		         root ? "not a JSON object" : jerr.text);
		r->error = strdup(msg);
		json_decref(root);
		return;
	}
	v = json_object_get(root, "error");
	r->error =
	    strdup(json_is_string(v) ? json_string_value(v) : "(no \"error\" in the marker)");
	v = json_object_get(root, "znode");
	if (json_is_string(v)) {
		free(r->znode);
		r->znode = strdup(json_string_value(v));
	}
	v = json_object_get(root, "refused_version");
	if (json_is_integer(v))
		r->refused_version = (int32_t)json_integer_value(v);
	v = json_object_get(root, "timestamp");
	if (json_is_string(v) &&
	    num_parse_i64(json_string_value(v), 0, INT64_MAX, &r->timestamp_ms) < 0)
		r->timestamp_ms = -1;
	json_decref(root);
}

static int admin_refused_visit(const char *path, void *arg)
{
	admin_refused_walk_t *w = arg;
	char *buf = NULL;
	int len = 0, rc;

	if (!strcmp(path, ZKPATH_ERRORS))
		return ZOK;
	rc = zkutil_get(w->zh, path, NULL, NULL, &buf, &len, NULL);
	if (rc == ZNONODE)
		return ZOK; /* removed meanwhile */
	if (rc != ZOK)
		return rc;
	if (!buf || len <= 0) {
		free(buf);
		return ZOK; /* an intermediate node */
	}
	if (w->cnt == w->cap) {
		int cap = w->cap ? w->cap * 2 : 8;
		fjord_refused_t *v = realloc(w->v, (size_t)cap * sizeof(*v));

		if (!v) {
			free(buf);
			w->oom = 1;
			return ZSYSTEMERROR;
		}
		w->v = v;
		w->cap = cap;
	}
	memset(&w->v[w->cnt], 0, sizeof(w->v[w->cnt]));
	admin_refused_decode(path, buf, len, &w->v[w->cnt]);
	free(buf);
	if (!w->v[w->cnt].znode || !w->v[w->cnt].marker || !w->v[w->cnt].error) {
		w->cnt++;
		w->oom = 1;
		return ZSYSTEMERROR;
	}
	w->cnt++;
	return ZOK;
}

static int admin_refused_cmp(const void *a, const void *b)
{
	return strcmp(((const fjord_refused_t *)a)->znode, ((const fjord_refused_t *)b)->znode);
}

fjord_err_t fjord_admin_list_refused(fjord_t *fj, fjord_refused_t **listp, int *cntp, char *errstr,
                                     size_t errstr_size)
{
	admin_refused_walk_t w;
	int rc;

	fj_errstr(errstr, errstr_size, "%s", "");
	if (!fj || !listp || !cntp) {
		fj_errstr(errstr, errstr_size, "NULL handle or result pointer");
		return FJORD_ERR__INVALID_ARG;
	}
	*listp = NULL;
	*cntp = 0;
	if (!fj->zk_mode) {
		fj_errstr(errstr, errstr_size,
		          "listing refused znodes needs zookeeper.connect (this handle uses "
		          "bootstrap.servers only)");
		return FJORD_ERR__NOT_IMPLEMENTED;
	}
	memset(&w, 0, sizeof(w));
	pthread_rwlock_rdlock(&fj->zk_lock);
	w.zh = fj->zh;
	rc = zkutil_walk_postorder(w.zh, ZKPATH_ERRORS, admin_refused_visit, &w);
	pthread_rwlock_unlock(&fj->zk_lock);
	if (rc != ZOK) {
		fjord_refused_list_destroy(w.v, w.cnt);
		if (w.oom) {
			fj_errstr(errstr, errstr_size, "out of memory");
			return FJORD_ERR__FAIL;
		}
		fj_errstr(errstr, errstr_size, "cannot read %s from ZooKeeper: %s", ZKPATH_ERRORS,
		          zkutil_err2str(rc));
		return FJORD_ERR__TRANSPORT;
	}
	if (w.cnt > 1)
		qsort(w.v, (size_t)w.cnt, sizeof(*w.v), admin_refused_cmp);
	*listp = w.v;
	*cntp = w.cnt;
	return FJORD_ERR_NO_ERROR;
}

void fjord_refused_list_destroy(fjord_refused_t *list, int cnt)
{
	int i;

	for (i = 0; list && i < cnt; i++) {
		free(list[i].znode);
		free(list[i].marker);
		free(list[i].error);
	}
	free(list);
}
