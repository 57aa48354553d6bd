/*
 * cgrp_owner.c — partition ownership and committed offsets of a group
 * member: claim, release, commit, committed, auto-commit.
 *
 * What: a partition assigned to this member is first PENDING; it becomes
 * OWNED once this member created /consumers/<g>/owners/<t>/<p> (EPHEMERAL,
 * value = member id). While the previous owner still holds that znode the
 * claim waits on a watch of it (the previous owner releases as soon as it
 * sees the new generation, or its session expires). Only then does fetching
 * start, from /consumers/<g>/offsets/<t>/<p> (decimal text; an operator may
 * set it with zkCli) or, without one, from auto.offset.reset. So a partition
 * never has two owners, and never two fetching members.
 * Release (the partition moved away, unsubscribe, close): stop fetching,
 * commit its position when enable.auto.commit=true, delete the owner znode.
 * Session loss: everything is dropped without a commit (LOST).
 * Commit: one zoo_multi per commit call: for each partition a check of our
 * owner znode's version plus a set (or create) of its offset znode. A
 * partition not OWNED by this member is refused with FJORD_ERR__FENCED
 * without touching ZooKeeper; an expired session cannot write at all
 * (every ZooKeeper call fails), which is the fencing guarantee. Positions
 * are what poll returned (the offset after the last delivered record), so
 * auto-commit gives at-least-once delivery.
 * Thread: the group worker (cgrp_int.h); fjord_commit()/fjord_committed()
 * run on application threads and hand requests to the worker.
 */
#include <stdlib.h>
#include <string.h>

#include "client/cgrp_int.h"
#include "common/bytes.h"
#include "common/zkutil.h"
#include "common/numparse.h"
#include "common/zkpath.h"

#define CGRP_SYNC_EXTRA_MS 10000 /* a sync call waits session.timeout.ms + this */

cgrp_part_t *cgrp_part_find(cgrp_t *cg, const char *topic, int32_t partition)
{
	int i;
	for (i = 0; i < cg->part_cnt; i++)
		if (cg->parts[i].partition == partition && !strcmp(cg->parts[i].topic, topic))
			return &cg->parts[i];
	return NULL;
}

static void cgrp_owner_note(cgrp_t *cg, int rc, const char *what, const char *topic,
                            int32_t partition)
{
	if (cgrp_zk_session_lost(rc)) {
		pthread_mutex_lock(&cg->lock);
		cg->expired = 1;
		pthread_mutex_unlock(&cg->lock);
	}
	cgrp_log(cg, FJ_LOG_WARNING, "%s %s [%d]: %s", what, topic, (int)partition,
	         zkutil_err2str(rc));
}

/* Parses an offsets znode: decimal text, surrounding blanks allowed. */
static int cgrp_parse_offset(const char *buf, int len, int64_t *out)
{
	if (!buf || len <= 0)
		return -1;
	return num_parse_i64_blanks_n(buf, (size_t)len, 0, INT64_MAX, out);
}

/* ------------------------------------------------------------ commit */

/* Commits l's offsets for the partitions we own, in one zoo_multi. Fills
 * each element's err; returns the first error (0 when all succeeded). */
static fjord_err_t cgrp_commit_list(cgrp_t *cg, fjord_topic_partition_list_t *l)
{
	int n = l->cnt, i, cnt, attempt;
	zoo_op_t *ops = calloc((size_t)n * 2 + 1, sizeof(*ops));
	zoo_op_result_t *res = calloc((size_t)n * 2 + 1, sizeof(*res));
	char(*paths)[2][ZKPATH_MAX] = calloc((size_t)n + 1, sizeof(*paths));
	char(*vals)[24] = calloc((size_t)n + 1, sizeof(*vals));
	int *idx = calloc((size_t)n * 2 + 1, sizeof(int));
	/* Result buffers for every op: the ZooKeeper client writes the new
	 * stat / created path back and misbehaves when they are NULL. */
	struct Stat *stats = calloc((size_t)n + 1, sizeof(*stats));
	char(*created)[ZKPATH_MAX] = calloc((size_t)n + 1, sizeof(*created));
	fjord_err_t first = FJORD_ERR_NO_ERROR;

	if (!ops || !res || !paths || !vals || !idx || !stats || !created) {
		for (i = 0; i < n; i++)
			l->elems[i].err = FJORD_ERR__FAIL;
		first = FJORD_ERR__FAIL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		fjord_topic_partition_t *e = &l->elems[i];
		cgrp_part_t *cp = e->topic ? cgrp_part_find(cg, e->topic, e->partition) : NULL;
		e->err = !cp || cp->state != CGP_OWNED ? FJORD_ERR__FENCED
		         : e->offset < 0               ? FJORD_ERR__INVALID_ARG
		         : !cg->zh                     ? FJORD_ERR__ZOOKEEPER
		                                       : FJORD_ERR_NO_ERROR;
	}
	for (attempt = 0; attempt < 3; attempt++) {
		int rc;
		cnt = 0;
		for (i = 0; i < n; i++) {
			fjord_topic_partition_t *e = &l->elems[i];
			cgrp_part_t *cp;
			if (e->err)
				continue;
			cp = cgrp_part_find(cg, e->topic, e->partition);
			zkpath_owner(paths[i][0], cg->group, e->topic, e->partition);
			zkpath_offset(paths[i][1], cg->group, e->topic, e->partition);
			snprintf(vals[i], sizeof(vals[i]), "%lld", (long long)e->offset);
			zoo_check_op_init(&ops[cnt], paths[i][0], cp->owner_version);
			idx[cnt++] = i;
			if (cp->offset_exists)
				zoo_set_op_init(&ops[cnt], paths[i][1], vals[i],
				                (int)strlen(vals[i]), -1, &stats[i]);
			else
				zoo_create_op_init(
				    &ops[cnt], paths[i][1], vals[i], (int)strlen(vals[i]),
				    zkacl_of(cg->zh, paths[i][1]), 0, created[i], ZKPATH_MAX);
			idx[cnt++] = i;
		}
		if (cnt == 0)
			break;
		rc = zoo_multi(cg->zh, cnt, ops, res);
		if (rc == ZOK) {
			for (i = 0; i < cnt; i += 2) {
				fjord_topic_partition_t *e = &l->elems[idx[i]];
				cgrp_part_t *cp = cgrp_part_find(cg, e->topic, e->partition);
				cp->committed = e->offset;
				cp->offset_exists = 1;
			}
			break;
		}
		if (cgrp_zk_session_lost(rc) || rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
			for (i = 0; i < cnt; i += 2)
				l->elems[idx[i]].err = cgrp_zk_session_lost(rc)
				                           ? FJORD_ERR__ASSIGNMENT_LOST
				                           : FJORD_ERR__ZOOKEEPER;
			cgrp_owner_note(cg, rc, "commit", l->elems[idx[0]].topic,
			                l->elems[idx[0]].partition);
			break;
		}
		/* One op failed (the others report ZRUNTIMEINCONSISTENCY). */
		for (i = 0; i < cnt; i++) {
			fjord_topic_partition_t *e = &l->elems[idx[i]];
			cgrp_part_t *cp = cgrp_part_find(cg, e->topic, e->partition);
			int r = res[i].err;
			if (r == ZOK || r == ZRUNTIMEINCONSISTENCY)
				continue;
			if (i % 2 == 0) {
				/* Our owner znode changed or vanished: not ours any more. */
				e->err = FJORD_ERR__FENCED;
			} else if (r == ZNONODE && !cp->offset_exists) {
				/* The parent offsets/<t> is missing. */
				char parent[ZKPATH_MAX];
				zkpath_group_topic(parent, cg->group, "offsets", e->topic);
				zkutil_create_recursive(cg->zh, parent, NULL, 0);
			} else if (r == ZNONODE || r == ZNODEEXISTS) {
				cp->offset_exists = r == ZNODEEXISTS; /* raced with an operator */
			} else {
				e->err = FJORD_ERR__ZOOKEEPER;
			}
			cgrp_owner_note(cg, r, "commit", e->topic, e->partition);
		}
		/* Every failure either set an err or changed the op: go again. */
	}
	for (i = 0; i < n; i++)
		if (l->elems[i].err && !first)
			first = l->elems[i].err;
out:
	free(ops);
	free(res);
	free(paths);
	free(vals);
	free(idx);
	free(stats);
	free(created);
	return first;
}

typedef struct cgrp_commit_call {
	fjord_err_t err;
	fjord_topic_partition_list_t *offsets;
} cgrp_commit_call_t;

static void cgrp_commit_cb_serve(fjord_t *h, void *arg)
{
	cgrp_commit_call_t *cc = arg;
	if (h->conf->commit_cb)
		h->conf->commit_cb(h, cc->err, cc->offsets, h->conf->opaque);
	fjord_topic_partition_list_destroy(cc->offsets);
	free(cc);
}

/* Reports a commit's outcome to the offset commit callback, if any.
 * Takes ownership of l. */
static void cgrp_commit_report(cgrp_t *cg, fjord_err_t err, fjord_topic_partition_list_t *l)
{
	cgrp_commit_call_t *cc;
	if (!cg->h->conf->commit_cb || !(cc = calloc(1, sizeof(*cc)))) {
		fjord_topic_partition_list_destroy(l);
		return;
	}
	cc->err = err;
	cc->offsets = l;
	if (cbq_push_call(cg->h, cgrp_commit_cb_serve, cc) < 0) {
		fjord_topic_partition_list_destroy(l);
		free(cc);
	}
}

/* The positions of owned partitions that moved since their last commit. */
static fjord_topic_partition_list_t *cgrp_positions(cgrp_t *cg, int only_changed)
{
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(cg->part_cnt + 1);
	int i;
	for (i = 0; l && i < cg->part_cnt; i++) {
		cgrp_part_t *cp = &cg->parts[i];
		int64_t pos;
		fjord_topic_partition_t *e;
		if (cp->state != CGP_OWNED)
			continue;
		pos = consumer_part_position(cg->h, cp->topic, cp->partition);
		if (pos < 0 || (only_changed && pos == cp->committed))
			continue;
		e = fjord_topic_partition_list_add(l, cp->topic, cp->partition);
		if (!e) {
			fjord_topic_partition_list_destroy(l);
			return NULL;
		}
		e->offset = pos;
	}
	return l;
}

void cgrp_owner_autocommit(cgrp_t *cg)
{
	fjord_topic_partition_list_t *l = cgrp_positions(cg, 1);
	fjord_err_t err;
	if (!l || l->cnt == 0) {
		fjord_topic_partition_list_destroy(l);
		return;
	}
	err = cgrp_commit_list(cg, l);
	if (err)
		cgrp_log(cg, FJ_LOG_WARNING, "auto-commit: %s", fjord_err2str(err));
	cgrp_commit_report(cg, err, l);
}

/* ------------------------------------------------------------ claim/release */

static void cgrp_part_drop(cgrp_t *cg, cgrp_part_t *cp)
{
	free(cp->topic);
	*cp = cg->parts[--cg->part_cnt];
}

/* Creates our owner znode (or finds it ours) and starts fetching.
 * 1 claimed, 0 still held by another member (watched), -1 error. */
static int cgrp_claim(cgrp_t *cg, cgrp_part_t *cp)
{
	char path[ZKPATH_MAX], opath[ZKPATH_MAX];
	struct Stat st;
	char *buf = NULL;
	int len = 0, rc;
	int64_t start = FJORD_OFFSET_INVALID;

	zkpath_owner(path, cg->group, cp->topic, cp->partition);
	rc = zoo_create(cg->zh, path, cg->member_id, (int)strlen(cg->member_id),
	                zkacl_of(cg->zh, path), ZOO_EPHEMERAL, NULL, 0);
	if (rc == ZNONODE) {
		char parent[ZKPATH_MAX];
		zkpath_group_topic(parent, cg->group, "owners", cp->topic);
		zkutil_create_recursive(cg->zh, parent, NULL, 0);
		rc = zoo_create(cg->zh, path, cg->member_id, (int)strlen(cg->member_id),
		                zkacl_of(cg->zh, path), ZOO_EPHEMERAL, NULL, 0);
	}
	if (rc == ZOK) {
		cp->owner_version = 0;
	} else if (rc == ZNODEEXISTS) {
		rc = zkutil_get(cg->zh, path, cgrp_watcher, cg, &buf, &len, &st);
		if (rc == ZNONODE)
			return -1; /* released just now: try again soon */
		if (rc != ZOK) {
			cgrp_owner_note(cg, rc, "read owner of", cp->topic, cp->partition);
			return -1;
		}
		if (!buf || strcmp(buf, cg->member_id) || st.ephemeralOwner != cg->session_id) {
			cgrp_log(cg, FJ_LOG_DEBUG, "%s [%d] still owned by %s: waiting", cp->topic,
			         (int)cp->partition, buf ? buf : "?");
			free(buf);
			return 0;
		}
		free(buf);
		buf = NULL;
		cp->owner_version = st.version;
	} else {
		cgrp_owner_note(cg, rc, "claim", cp->topic, cp->partition);
		return -1;
	}
	cp->state = CGP_OWNED;
	cp->committed = -1;
	cp->offset_exists = 0;
	zkpath_offset(opath, cg->group, cp->topic, cp->partition);
	rc = zkutil_get(cg->zh, opath, NULL, NULL, &buf, &len, NULL);
	if (rc == ZOK) {
		cp->offset_exists = 1;
		if (cgrp_parse_offset(buf, len, &start) == 0)
			cp->committed = start;
		else
			cgrp_log(cg, FJ_LOG_WARNING,
			         "%s [%d]: committed offset \"%.*s\" is not a "
			         "decimal offset: using auto.offset.reset",
			         cp->topic, (int)cp->partition, len > 40 ? 40 : len,
			         buf ? buf : "");
	} else if (rc == ZNONODE) {
		/* The first commit creates the offset znode: make its parent now. */
		char parent[ZKPATH_MAX];
		zkpath_group_topic(parent, cg->group, "offsets", cp->topic);
		zkutil_create_recursive(cg->zh, parent, NULL, 0);
	} else {
		cgrp_owner_note(cg, rc, "read committed offset of", cp->topic, cp->partition);
	}
	free(buf);
	if (consumer_part_add(cg->h, cp->topic, cp->partition,
	                      start >= 0 ? start : FJORD_OFFSET_INVALID) < 0)
		cgrp_log(cg, FJ_LOG_ERR, "out of memory starting %s [%d]", cp->topic,
		         (int)cp->partition);
	return 1;
}

/* Stops, commits (commit && auto-commit) and releases cp; appends it to
 * `revoked` when it was owned. Does not remove cp from cg->parts. */
static void cgrp_release(cgrp_t *cg, cgrp_part_t *cp, int commit,
                         fjord_topic_partition_list_t *revoked)
{
	char path[ZKPATH_MAX];
	int64_t pos;
	int rc;
	if (cp->state != CGP_OWNED)
		return;
	pos = consumer_part_remove(cg->h, cp->topic, cp->partition);
	if (commit && cg->h->cv_conf->enable_auto_commit && pos >= 0 && pos != cp->committed &&
	    cg->zh) {
		fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(1);
		fjord_topic_partition_t *e =
		    l ? fjord_topic_partition_list_add(l, cp->topic, cp->partition) : NULL;
		if (e) {
			fjord_err_t err;
			e->offset = pos;
			err = cgrp_commit_list(cg, l);
			if (err)
				cgrp_log(cg, FJ_LOG_WARNING, "commit on revoke of %s [%d]: %s",
				         cp->topic, (int)cp->partition, fjord_err2str(err));
			cgrp_commit_report(cg, err, l);
		} else {
			fjord_topic_partition_list_destroy(l);
		}
	}
	if (cg->zh) {
		zkpath_owner(path, cg->group, cp->topic, cp->partition);
		rc = zoo_delete(cg->zh, path, cp->owner_version);
		if (rc != ZOK && rc != ZNONODE)
			cgrp_owner_note(cg, rc, "release", cp->topic, cp->partition);
	}
	if (revoked) {
		fjord_topic_partition_t *e =
		    fjord_topic_partition_list_add(revoked, cp->topic, cp->partition);
		if (e)
			e->offset = pos;
	}
}

int cgrp_owner_reconcile(cgrp_t *cg, const zkjson_group_assignment_t *ga)
{
	fjord_topic_partition_list_t *revoked = fjord_topic_partition_list_new(4);
	fjord_topic_partition_list_t *assigned = fjord_topic_partition_list_new(4);
	int i, j, ret = 0, pending = 0;

	if (!revoked || !assigned) {
		ret = -1;
		goto out;
	}
	/* Release what was taken from us. */
	for (i = 0; i < cg->part_cnt;) {
		cgrp_part_t *cp = &cg->parts[i];
		int keep = 0;
		for (j = 0; j < ga->cnt && !keep; j++)
			keep = ga->partitions[j] == cp->partition &&
			       !strcmp(ga->topics[j], cp->topic) &&
			       !strcmp(ga->members[j], cg->member_id);
		if (keep) {
			i++;
			continue;
		}
		cgrp_release(cg, cp, 1, revoked);
		cgrp_part_drop(cg, cp);
	}
	/* Add what is new to us. */
	for (j = 0; j < ga->cnt; j++) {
		cgrp_part_t *cp;
		if (strcmp(ga->members[j], cg->member_id) ||
		    cgrp_part_find(cg, ga->topics[j], ga->partitions[j]))
			continue;
		if (cg->part_cnt == cg->part_cap) {
			int cap = cg->part_cap ? cg->part_cap * 2 : 16;
			cgrp_part_t *np = realloc(cg->parts, (size_t)cap * sizeof(*np));
			if (!np) {
				ret = -1;
				break;
			}
			cg->parts = np;
			cg->part_cap = cap;
		}
		cp = &cg->parts[cg->part_cnt];
		memset(cp, 0, sizeof(*cp));
		cp->topic = fj_strdup(ga->topics[j]);
		if (!cp->topic) {
			ret = -1;
			break;
		}
		cp->partition = ga->partitions[j];
		cp->state = CGP_PENDING;
		cp->committed = -1;
		cg->part_cnt++;
	}
	/* Claim the pending ones (a watch wakes us for those still held). */
	for (i = 0; i < cg->part_cnt; i++) {
		cgrp_part_t *cp = &cg->parts[i];
		int rc;
		if (cp->state != CGP_PENDING)
			continue;
		rc = cgrp_claim(cg, cp);
		if (rc == 1) {
			fjord_topic_partition_t *e =
			    fjord_topic_partition_list_add(assigned, cp->topic, cp->partition);
			if (e)
				e->offset =
				    cp->committed >= 0 ? cp->committed : FJORD_OFFSET_INVALID;
		} else if (rc < 0) {
			ret = -1;
		} else {
			pending = 1;
		}
	}
	if (pending && !cg->next_retry_ms)
		cg->next_retry_ms = fj_mono_ms() + 1000; /* in case a watch was missed */
out:
	if (revoked)
		cgrp_emit(cg, FJORD_REBALANCE_REVOKE, revoked);
	if (assigned)
		cgrp_emit(cg, FJORD_REBALANCE_ASSIGN, assigned);
	fjord_topic_partition_list_destroy(revoked);
	fjord_topic_partition_list_destroy(assigned);
	return ret;
}

void cgrp_owner_release_all(cgrp_t *cg)
{
	fjord_topic_partition_list_t *revoked = fjord_topic_partition_list_new(cg->part_cnt + 1);
	while (cg->part_cnt > 0) {
		cgrp_part_t *cp = &cg->parts[cg->part_cnt - 1];
		cgrp_release(cg, cp, 1, revoked);
		cgrp_part_drop(cg, cp);
	}
	if (revoked)
		cgrp_emit(cg, FJORD_REBALANCE_REVOKE, revoked);
	fjord_topic_partition_list_destroy(revoked);
}

void cgrp_owner_lose_all(cgrp_t *cg)
{
	fjord_topic_partition_list_t *lost = fjord_topic_partition_list_new(cg->part_cnt + 1);
	while (cg->part_cnt > 0) {
		cgrp_part_t *cp = &cg->parts[cg->part_cnt - 1];
		if (cp->state == CGP_OWNED) {
			int64_t pos = consumer_part_remove(cg->h, cp->topic, cp->partition);
			fjord_topic_partition_t *e =
			    lost ? fjord_topic_partition_list_add(lost, cp->topic, cp->partition)
			         : NULL;
			if (e)
				e->offset = pos;
		}
		cgrp_part_drop(cg, cp);
	}
	if (lost)
		cgrp_emit(cg, FJORD_REBALANCE_LOST, lost);
	fjord_topic_partition_list_destroy(lost);
}

/* ------------------------------------------------------------ requests */

void cgrp_req_unref(cgrp_req_t *rq)
{
	if (atomic_fetch_sub(&rq->refcnt, 1) != 1)
		return;
	fjord_topic_partition_list_destroy(rq->parts);
	if (rq->w) {
		hwait_unref(rq->w);
		hwait_unref(rq->w); /* both sides' references */
	}
	free(rq);
}

static void cgrp_committed_read(cgrp_t *cg, fjord_topic_partition_list_t *l)
{
	int i;
	for (i = 0; i < l->cnt; i++) {
		fjord_topic_partition_t *e = &l->elems[i];
		char path[ZKPATH_MAX], *buf = NULL;
		int len = 0, rc;
		e->offset = FJORD_OFFSET_INVALID;
		e->err = FJORD_ERR_NO_ERROR;
		if (!e->topic || e->partition < 0) {
			e->err = FJORD_ERR__INVALID_ARG;
			continue;
		}
		zkpath_offset(path, cg->group, e->topic, e->partition);
		rc = zkutil_get(cg->zh, path, NULL, NULL, &buf, &len, NULL);
		if (rc == ZOK && cgrp_parse_offset(buf, len, &e->offset) < 0)
			e->err = FJORD_ERR__BAD_MSG;
		else if (rc != ZOK && rc != ZNONODE)
			e->err = cgrp_zk_session_lost(rc) ? FJORD_ERR__ASSIGNMENT_LOST
			                                  : FJORD_ERR__ZOOKEEPER;
		free(buf);
	}
}

void cgrp_req_serve(cgrp_t *cg, cgrp_req_t *rq)
{
	int i, lost;
	pthread_mutex_lock(&cg->lock);
	lost = cg->lost_pending;
	if (rq->type == CGREQ_COMMIT)
		cg->lost_pending = 0;
	pthread_mutex_unlock(&cg->lock);
	if (!cg->zh) {
		rq->err = FJORD_ERR__ZOOKEEPER;
	} else if (rq->type == CGREQ_COMMITTED) {
		cgrp_committed_read(cg, rq->parts);
		rq->err = FJORD_ERR_NO_ERROR;
		for (i = 0; i < rq->parts->cnt && !rq->err; i++)
			rq->err = rq->parts->elems[i].err;
	} else {
		if (!rq->parts)
			rq->parts = cgrp_positions(cg, 0);
		if (!rq->parts)
			rq->err = FJORD_ERR__FAIL;
		else if (rq->parts->cnt == 0)
			rq->err = lost ? FJORD_ERR__ASSIGNMENT_LOST : FJORD_ERR__NO_OFFSET;
		else
			rq->err = cgrp_commit_list(cg, rq->parts);
		if (rq->err == FJORD_ERR__FENCED && lost)
			rq->err = FJORD_ERR__ASSIGNMENT_LOST;
		if (rq->parts) {
			fjord_topic_partition_list_t *copy =
			    fjord_topic_partition_list_new(rq->parts->cnt + 1);
			for (i = 0; copy && i < rq->parts->cnt; i++) {
				fjord_topic_partition_t *e = fjord_topic_partition_list_add(
				    copy, rq->parts->elems[i].topic, rq->parts->elems[i].partition);
				if (e) {
					e->offset = rq->parts->elems[i].offset;
					e->err = rq->parts->elems[i].err;
				}
			}
			if (copy)
				cgrp_commit_report(cg, rq->err, copy);
		}
	}
	if (rq->w)
		hwait_done(rq->w, rq->err);
	cgrp_req_unref(rq);
}

/* Hands a request to the worker; for sync calls waits and copies results
 * (offsets and errs) back into `parts`. */
static fjord_err_t cgrp_req_run(fjord_t *fj, int type, fjord_topic_partition_list_t *parts,
                                int copy_offsets, int async, int timeout_ms)
{
	cgrp_t *cg = fj->cg;
	cgrp_req_t *rq = calloc(1, sizeof(*rq));
	fjord_err_t err;
	int i;
	if (!rq)
		return FJORD_ERR__FAIL;
	rq->type = type;
	rq->async = async;
	if (parts) {
		rq->parts = fjord_topic_partition_list_new(parts->cnt + 1);
		for (i = 0; rq->parts && i < parts->cnt; i++) {
			fjord_topic_partition_t *e;
			if (!parts->elems[i].topic) {
				fjord_topic_partition_list_destroy(rq->parts);
				free(rq);
				return FJORD_ERR__INVALID_ARG;
			}
			e = fjord_topic_partition_list_add(rq->parts, parts->elems[i].topic,
			                                   parts->elems[i].partition);
			if (!e)
				break;
			e->offset = parts->elems[i].offset;
		}
		if (!rq->parts || rq->parts->cnt != parts->cnt) {
			fjord_topic_partition_list_destroy(rq->parts);
			free(rq);
			return FJORD_ERR__FAIL;
		}
	}
	if (!async && !(rq->w = hwait_new())) {
		fjord_topic_partition_list_destroy(rq->parts);
		free(rq);
		return FJORD_ERR__FAIL;
	}
	atomic_store(&rq->refcnt, async ? 1 : 2);
	pthread_mutex_lock(&cg->lock);
	if (cg->stop) {
		pthread_mutex_unlock(&cg->lock);
		rq->err = FJORD_ERR__STATE;
		if (!async)
			atomic_store(&rq->refcnt, 1);
		cgrp_req_unref(rq);
		return FJORD_ERR__STATE;
	}
	STAILQ_INSERT_TAIL(&cg->reqs, rq, link);
	pthread_cond_broadcast(&cg->cond);
	pthread_mutex_unlock(&cg->lock);
	if (async)
		return FJORD_ERR_NO_ERROR;
	if (!hwait_wait(rq->w, timeout_ms)) {
		cgrp_req_unref(rq);
		return FJORD_ERR__TIMED_OUT;
	}
	err = rq->err;
	for (i = 0; parts && rq->parts && i < parts->cnt && i < rq->parts->cnt; i++) {
		parts->elems[i].err = rq->parts->elems[i].err;
		if (copy_offsets)
			parts->elems[i].offset = rq->parts->elems[i].offset;
	}
	cgrp_req_unref(rq);
	return err;
}

fjord_err_t fjord_commit(fjord_t *fj, const fjord_topic_partition_list_t *offsets, int async)
{
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (!fj->cg)
		return FJORD_ERR__INVALID_ARG; /* no group.id */
	/* Per-element errors are written back (documented in fjord.h). */
	return cgrp_req_run(fj, CGREQ_COMMIT, (fjord_topic_partition_list_t *)offsets, 0, async,
	                    fj->cv_conf->session_timeout_ms + CGRP_SYNC_EXTRA_MS);
}

fjord_err_t fjord_committed(fjord_t *fj, fjord_topic_partition_list_t *parts, int timeout_ms)
{
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (!fj->cg || !parts)
		return FJORD_ERR__INVALID_ARG;
	if (parts->cnt == 0)
		return FJORD_ERR_NO_ERROR;
	return cgrp_req_run(fj, CGREQ_COMMITTED, parts, 1, 0, timeout_ms);
}
