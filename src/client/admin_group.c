/*
 * admin_group.c — consumer group administration: list, describe (with lag),
 * alter offsets, delete. Everything is read from and written to ZooKeeper
 * under /consumers/<group>/ (layout in docs/zookeeper.md and docs/groups.md,
 * written by the group members themselves, src/client/cgrp*.c):
 *
 *   ids/<member>          ephemeral sequential, member JSON (zkjson_member)
 *   assignment            generation, leader, strategy, rebalance time/reason
 *   owners/<topic>/<p>    ephemeral, the member that owns the partition now
 *   offsets/<topic>/<p>   persistent, committed offset as decimal text
 *
 * describe: members (joined_ms = the member znode's ctime), the assignment
 * summary, and one row per partition that the group has an offset, an owner
 * or an assignment entry for, with the log end offset (high watermark, asked
 * of the leader with fjord_query_watermark_offsets) and the lag in records
 * (HW - committed, or HW - log start when nothing is committed) and in time:
 * the age of the record at the committed offset, read by a short-lived
 * internal consumer (manual assignment, no group) that stops as soon as it
 * has one record per lagging partition or the call's time is up (-1 then).
 *
 * A Kafka clients' group (docs/groups.md, "Kafka clients' groups") has no
 * ids/ children: its members, generation, leader and protocol are read from
 * the coordinator broker's ephemeral coordinator znode (JSON), and each
 * member's assignment fills the partitions' owner column.
 *
 * alter offsets and delete are refused with FJORD_ERR_NON_EMPTY_GROUP while
 * /consumers/<g>/ids has children, or the coordinator znode lists members
 * of a Kafka clients' group: live members own their offsets (a member
 * commits with a check on its owner znode, so it could overwrite a reset).
 * The check and the writes are not one transaction (ZooKeeper cannot check
 * a child count in a multi); a member joining in between may start from the
 * old offsets, which is why operators stop the consumers first.
 *
 * Thread: the calling app thread; blocking ZooKeeper calls under the
 * handle's zk_lock (read side), never from a watcher. Needs zookeeper.connect.
 * Ownership: results are malloc'd and freed with the matching destroy.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/zkjson.h"
#include "common/zkutil.h"
#include "common/zkpath.h"
#include "common/numparse.h"

/* One partition of a description while it is being built. */
typedef struct ag_part {
	char *topic;
	int32_t partition;
	char *owner;
	char *assigned;
	int64_t committed;
} ag_part_t;

typedef struct ag_parts {
	int cnt, size;
	ag_part_t *v;
} ag_parts_t;

/* The handle can do group administration. */
static fjord_err_t ag_check_handle(fjord_t *fj, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "%s", "");
	return admin_zk_ready(fj, "group administration", errstr, n);
}

/* ag_check_handle() plus a group id that is one znode name. */
static fjord_err_t ag_check(fjord_t *fj, const char *group, char *errstr, size_t n)
{
	fjord_err_t err = ag_check_handle(fj, errstr, n);
	size_t len;

	if (err)
		return err;
	len = group ? strlen(group) : 0;
	if (!len || len > 249 || strchr(group, '/') || !strcmp(group, ".") ||
	    !strcmp(group, "..")) {
		fj_errstr(errstr, n,
		          "invalid group id '%s' (1..249 characters, no '/', not . or ..)",
		          group ? group : "(null)");
		return FJORD_ERR__INVALID_ARG;
	}
	return FJORD_ERR_NO_ERROR;
}

static fjord_err_t ag_zkerr(int rc, const char *what, const char *path, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "ZooKeeper: %s %s: %s", what, path, zkutil_err2str(rc));
	return FJORD_ERR__ZOOKEEPER;
}

/* The coordinator znode of a Kafka clients' group, parsed (*jsp NULL when
 * there is none or it does not parse). Returns ZOK or a ZooKeeper error. */
static int ag_read_coordinator(zhandle_t *zh, const char *group, json_t **jsp)
{
	char path[ZKPATH_MAX], *buf = NULL;
	int len = 0, rc;

	*jsp = NULL;
	zkpath_group_sub(path, group, "coordinator");
	rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);
	if (rc == ZNONODE)
		return ZOK;
	if (rc == ZOK && buf)
		*jsp = json_loadb(buf, (size_t)len, 0, NULL);
	free(buf);
	return rc;
}

/* Number of live members (children of ids, or the members a Kafka clients'
 * group's coordinator znode lists), 0 when the group or ids is missing, or
 * -1 with errstr on a ZooKeeper failure. */
static int ag_member_count(zhandle_t *zh, const char *group, char *errstr, size_t n)
{
	struct String_vector sv;
	char path[ZKPATH_MAX];
	json_t *js;
	int rc, cnt;

	zkpath_group_sub(path, group, "ids");
	rc = zkutil_children(zh, path, NULL, NULL, &sv);
	if (rc != ZOK && rc != ZNONODE) {
		ag_zkerr(rc, "list", path, errstr, n);
		return -1;
	}
	cnt = 0;
	if (rc == ZOK) {
		cnt = sv.count;
		deallocate_String_vector(&sv);
	}
	if (cnt > 0)
		return cnt;
	rc = ag_read_coordinator(zh, group, &js);
	if (rc != ZOK) {
		ag_zkerr(rc, "read", zkpath_group_sub(path, group, "coordinator"), errstr, n);
		return -1;
	}
	if (js) {
		cnt = (int)json_array_size(json_object_get(js, "members"));
		json_decref(js);
	}
	return cnt;
}

/* ------------------------------------------------------------------ list */

fjord_err_t fjord_admin_list_groups(fjord_t *fj, char ***groupsp, int *cntp, int timeout_ms)
{
	struct String_vector sv;
	fjord_err_t err;
	char **v;
	int rc, i;

	(void)timeout_ms; /* bounded by the ZooKeeper session timeout */
	if (!groupsp || !cntp)
		return FJORD_ERR__INVALID_ARG;
	*groupsp = NULL;
	*cntp = 0;
	err = ag_check_handle(fj, NULL, 0);
	if (err)
		return err;
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = zkutil_children(fj->zh, ZKPATH_CONSUMERS, NULL, NULL, &sv);
	pthread_rwlock_unlock(&fj->zk_lock);
	if (rc == ZNONODE)
		return FJORD_ERR_NO_ERROR;
	if (rc != ZOK)
		return FJORD_ERR__ZOOKEEPER;
	v = calloc((size_t)sv.count + 1, sizeof(*v));
	for (i = 0; v && i < sv.count; i++)
		if (!(v[i] = strdup(sv.data[i]))) {
			fjord_admin_group_list_destroy(v, i);
			v = NULL;
		}
	deallocate_String_vector(&sv);
	if (!v)
		return FJORD_ERR__FAIL;
	*groupsp = v;
	*cntp = i;
	return FJORD_ERR_NO_ERROR;
}

void fjord_admin_group_list_destroy(char **groups, int cnt)
{
	int i;
	for (i = 0; groups && i < cnt; i++)
		free(groups[i]);
	free(groups);
}

/* ------------------------------------------------------------------ describe */

static ag_part_t *ag_part_get(ag_parts_t *ps, const char *topic, int32_t partition)
{
	ag_part_t *p;
	int i;

	for (i = 0; i < ps->cnt; i++)
		if (ps->v[i].partition == partition && !strcmp(ps->v[i].topic, topic))
			return &ps->v[i];
	if (ps->cnt == ps->size) {
		int size = ps->size ? ps->size * 2 : 16;
		ag_part_t *nv = realloc(ps->v, (size_t)size * sizeof(*nv));
		if (!nv)
			return NULL;
		ps->v = nv;
		ps->size = size;
	}
	p = &ps->v[ps->cnt];
	memset(p, 0, sizeof(*p));
	p->topic = strdup(topic);
	if (!p->topic)
		return NULL;
	p->partition = partition;
	p->committed = -1;
	ps->cnt++;
	return p;
}

static int ag_part_cmp(const void *a, const void *b)
{
	const ag_part_t *x = a, *y = b;
	int c = strcmp(x->topic, y->topic);
	return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Walks /consumers/<g>/<kind>/<topic>/<p> (kind "offsets" or "owners") and
 * records each value. Malformed names or values are skipped (an operator may
 * have written them by hand; describe shows what it can). Returns ZOK or a
 * ZooKeeper error. */
static int ag_read_tree(zhandle_t *zh, const char *group, const char *kind, ag_parts_t *ps)
{
	struct String_vector topics, parts;
	char path[ZKPATH_MAX], dir[ZKPATH_MAX];
	int rc, t, i;

	zkpath_group_sub(path, group, kind);
	rc = zkutil_children(zh, path, NULL, NULL, &topics);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	for (t = 0; t < topics.count && rc == ZOK; t++) {
		zkpath_group_topic(path, group, kind, topics.data[t]);
		rc = zkutil_children(zh, path, NULL, NULL, &parts);
		if (rc == ZNONODE) {
			rc = ZOK;
			continue;
		}
		if (rc != ZOK)
			break;
		for (i = 0; i < parts.count && rc == ZOK; i++) {
			int64_t pnum, off;
			ag_part_t *p;
			char *buf = NULL;

			if (num_parse_i64_blanks(parts.data[i], 0, INT64_MAX, &pnum) < 0 ||
			    pnum > INT32_MAX)
				continue;
			zkpath_child(path, zkpath_group_topic(dir, group, kind, topics.data[t]),
			             parts.data[i]);
			rc = zkutil_get(zh, path, NULL, NULL, &buf, NULL, NULL);
			if (rc == ZNONODE) {
				rc = ZOK; /* went away meanwhile */
				continue;
			}
			if (rc != ZOK)
				break;
			if (!strcmp(kind, "offsets")
			        ? num_parse_i64_blanks(buf, 0, INT64_MAX, &off) == 0
			        : buf && *buf) {
				p = ag_part_get(ps, topics.data[t], (int32_t)pnum);
				if (!p)
					rc = ZSYSTEMERROR;
				else if (!strcmp(kind, "offsets"))
					p->committed = off;
				else if (!p->owner && !(p->owner = strdup(buf)))
					rc = ZSYSTEMERROR;
			}
			free(buf);
		}
		deallocate_String_vector(&parts);
	}
	deallocate_String_vector(&topics);
	return rc;
}

/* Reads the members. Returns ZOK or a ZooKeeper error. */
static int ag_read_members(zhandle_t *zh, fjord_group_description_t *d)
{
	struct String_vector sv;
	char path[ZKPATH_MAX];
	int rc, i;

	zkpath_group_sub(path, d->group, "ids");
	rc = zkutil_children(zh, path, NULL, NULL, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	d->members = calloc((size_t)sv.count + 1, sizeof(*d->members));
	if (!d->members) {
		deallocate_String_vector(&sv);
		return ZSYSTEMERROR;
	}
	for (i = 0; i < sv.count; i++) {
		fjord_group_member_t *m = &d->members[d->member_cnt];
		zkjson_member_t zm;
		struct Stat st;
		char *buf = NULL;
		int len = 0, k;

		zkpath_member(path, d->group, sv.data[i]);
		rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, &st);
		if (rc == ZNONODE) {
			rc = ZOK; /* left meanwhile */
			continue;
		}
		if (rc != ZOK)
			break;
		d->member_cnt++;
		m->member_id = strdup(sv.data[i]);
		m->joined_ms = st.ctime;
		memset(&zm, 0, sizeof(zm));
		if (buf && zkjson_member_decode(buf, (size_t)len, &zm, NULL, 0) == 0) {
			m->client_id = fj_strdup(zm.client_id);
			m->host = fj_strdup(zm.host);
			m->topics = calloc((size_t)zm.topic_cnt + 1, sizeof(*m->topics));
			for (k = 0; m->topics && k < zm.topic_cnt; k++)
				if ((m->topics[m->topic_cnt] = strdup(zm.topics[k])) != NULL)
					m->topic_cnt++;
			zkjson_member_clear(&zm);
		}
		free(buf);
		if (!m->member_id) {
			rc = ZSYSTEMERROR;
			break;
		}
	}
	deallocate_String_vector(&sv);
	return rc;
}

static char *ag_json_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? strdup(v) : NULL;
}

/* A Kafka clients' group (no fjord members): members, generation, leader,
 * protocol and assignments from the coordinator znode. ZOK or an error. */
static int ag_read_kafka(zhandle_t *zh, fjord_group_description_t *d, ag_parts_t *ps)
{
	json_t *js, *ms;
	const char *ts;
	int rc = ag_read_coordinator(zh, d->group, &js);

	if (rc != ZOK || !js)
		return rc;
	ms = json_object_get(js, "members");
	d->generation = (int32_t)json_integer_value(json_object_get(js, "generation"));
	free(d->leader);
	d->leader = ag_json_str(js, "leader");
	free(d->strategy);
	d->strategy = ag_json_str(js, "protocol");
	if ((ts = json_string_value(json_object_get(js, "timestamp"))))
		d->last_rebalance_ms = strtoll(ts, NULL, 10);
	free(d->last_rebalance_reason);
	d->last_rebalance_reason = NULL;
	{
		char why[64];
		snprintf(why, sizeof(why), "Kafka clients' group, coordinator broker %lld",
		         (long long)json_integer_value(json_object_get(js, "broker")));
		d->last_rebalance_reason = strdup(why);
	}
	if (json_array_size(ms) > 0) {
		free(d->members); /* an empty ids/ left an empty array */
		d->members = NULL;
	}
	if (json_array_size(ms) > 0 &&
	    !(d->members = calloc(json_array_size(ms) + 1, sizeof(*d->members))))
		rc = ZSYSTEMERROR;
	for (size_t i = 0; rc == ZOK && i < json_array_size(ms); i++) {
		json_t *m = json_array_get(ms, i), *as = json_object_get(m, "assignment"), *parts;
		fjord_group_member_t *fm = &d->members[d->member_cnt];
		const char *topic;
		if (!(fm->member_id = ag_json_str(m, "id")))
			continue;
		d->member_cnt++;
		fm->client_id = ag_json_str(m, "client_id");
		fm->host = ag_json_str(m, "host");
		fm->joined_ms = d->last_rebalance_ms;
		fm->topics = calloc(json_object_size(as) + 1, sizeof(*fm->topics));
		json_object_foreach (as, topic, parts) {
			size_t k;
			json_t *pv;
			if (fm->topics && (fm->topics[fm->topic_cnt] = strdup(topic)))
				fm->topic_cnt++;
			json_array_foreach (parts, k, pv) {
				ag_part_t *p =
				    ag_part_get(ps, topic, (int32_t)json_integer_value(pv));
				if (!p || (!p->owner && !(p->owner = strdup(fm->member_id))))
					rc = ZSYSTEMERROR;
			}
		}
	}
	json_decref(js);
	return rc;
}

/* Reads the assignment summary and its entries. Returns ZOK or an error. */
static int ag_read_assignment(zhandle_t *zh, fjord_group_description_t *d, ag_parts_t *ps)
{
	zkjson_group_assignment_t ga;
	char path[ZKPATH_MAX];
	char *buf = NULL;
	int rc, len = 0, i;

	zkpath_group_sub(path, d->group, "assignment");
	rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	memset(&ga, 0, sizeof(ga));
	if (buf && zkjson_group_assignment_decode(buf, (size_t)len, &ga, NULL, 0) == 0) {
		d->generation = (int32_t)ga.generation;
		d->leader = fj_strdup(ga.leader);
		d->strategy = fj_strdup(ga.strategy);
		d->last_rebalance_ms = ga.timestamp > 0 ? ga.timestamp : -1;
		d->last_rebalance_reason = fj_strdup(ga.reason);
		for (i = 0; i < ga.cnt; i++) {
			ag_part_t *p = ag_part_get(ps, ga.topics[i], ga.partitions[i]);
			if (!p || (!p->assigned && !(p->assigned = strdup(ga.members[i])))) {
				rc = ZSYSTEMERROR;
				break;
			}
		}
		zkjson_group_assignment_clear(&ga);
	}
	free(buf);
	return rc;
}

/* Fills lag_ms of every partition with 0 < lag: reads the record at the
 * committed offset (or the log start) with an internal consumer and takes
 * its age. Leaves -1 where it cannot tell within the time given. */
static void ag_lag_ms(fjord_t *fj, fjord_group_description_t *d, const int64_t *start,
                      int timeout_ms)
{
	fjord_topic_partition_list_t *parts;
	fjord_conf_t *conf;
	fjord_t *c;
	char client_id[160];
	int64_t deadline;
	int i, pending = 0;

	parts = fjord_topic_partition_list_new(d->partition_cnt + 1);
	if (!parts)
		return;
	for (i = 0; i < d->partition_cnt; i++)
		if (d->partitions[i].lag > 0 && start[i] >= 0) {
			fjord_topic_partition_list_add(parts, d->partitions[i].topic,
			                               d->partitions[i].partition)
			    ->offset = start[i];
			pending++;
		}
	conf = pending ? fjord_conf_new() : NULL;
	snprintf(client_id, sizeof(client_id), "%s-lag",
	         fj->cv_conf->client_id ? fj->cv_conf->client_id : "fjord");
	if (!conf ||
	    fjord_conf_set(conf, "zookeeper.connect", fj->cv_conf->zookeeper_connect, NULL, 0) ||
	    fjord_conf_set(conf, "client.id", client_id, NULL, 0) ||
	    fjord_conf_set(conf, "auto.offset.reset", "error", NULL, 0) ||
	    (fj->cv_conf->bootstrap_servers &&
	     fjord_conf_set(conf, "bootstrap.servers", fj->cv_conf->bootstrap_servers, NULL, 0))) {
		if (conf)
			fjord_conf_destroy(conf);
		fjord_topic_partition_list_destroy(parts);
		return;
	}
	c = fjord_new(FJORD_CONSUMER, conf, NULL, 0);
	if (!c) {
		fjord_conf_destroy(conf);
		fjord_topic_partition_list_destroy(parts);
		return;
	}
	deadline = fj_mono_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
	if (fjord_assign(c, parts) == FJORD_ERR_NO_ERROR) {
		while (pending > 0 && fj_mono_ms() < deadline) {
			fjord_message_t *m = fjord_consumer_poll(c, 100);
			fjord_topic_partition_t *tp;
			if (!m)
				continue;
			tp = m->topic
			         ? fjord_topic_partition_list_find(parts, m->topic, m->partition)
			         : NULL;
			/* opaque marks a partition as answered (record or error). */
			if (tp && !tp->opaque) {
				for (i = 0; i < d->partition_cnt; i++) {
					fjord_group_partition_t *gp = &d->partitions[i];
					if (gp->partition == m->partition &&
					    !strcmp(gp->topic, m->topic) && !m->err &&
					    m->timestamp >= 0) {
						int64_t age = fj_now_ms() - m->timestamp;
						gp->lag_ms = age > 0 ? age : 1;
					}
				}
				tp->opaque = tp;
				pending--;
			}
			fjord_message_destroy(m);
		}
	}
	fjord_destroy(c);
	fjord_topic_partition_list_destroy(parts);
}

static void ag_parts_free(ag_parts_t *ps)
{
	int i;
	for (i = 0; i < ps->cnt; i++) {
		free(ps->v[i].topic);
		free(ps->v[i].owner);
		free(ps->v[i].assigned);
	}
	free(ps->v);
}

fjord_err_t fjord_admin_describe_group(fjord_t *fj, const char *group,
                                       fjord_group_description_t **descp, int timeout_ms)
{
	fjord_group_description_t *d = NULL;
	ag_parts_t ps;
	struct Stat st;
	char path[ZKPATH_MAX];
	int64_t *start = NULL;
	fjord_err_t err;
	int rc, i;

	if (!descp)
		return FJORD_ERR__INVALID_ARG;
	*descp = NULL;
	err = ag_check(fj, group, NULL, 0);
	if (err)
		return err;
	memset(&ps, 0, sizeof(ps));
	d = calloc(1, sizeof(*d));
	if (!d || !(d->group = strdup(group))) {
		free(d);
		return FJORD_ERR__FAIL;
	}
	d->generation = -1;
	d->last_rebalance_ms = -1;

	pthread_rwlock_rdlock(&fj->zk_lock);
	zkpath_group(path, group);
	rc = zoo_exists(fj->zh, path, 0, &st);
	if (rc == ZOK)
		rc = ag_read_members(fj->zh, d);
	if (rc == ZOK)
		rc = ag_read_assignment(fj->zh, d, &ps);
	if (rc == ZOK)
		rc = ag_read_tree(fj->zh, group, "offsets", &ps);
	if (rc == ZOK)
		rc = ag_read_tree(fj->zh, group, "owners", &ps);
	if (rc == ZOK && d->member_cnt == 0)
		rc = ag_read_kafka(fj->zh, d, &ps);
	pthread_rwlock_unlock(&fj->zk_lock);
	if (rc != ZOK) {
		err = rc == ZNONODE        ? FJORD_ERR_GROUP_ID_NOT_FOUND
		      : rc == ZSYSTEMERROR ? FJORD_ERR__FAIL
		                           : FJORD_ERR__ZOOKEEPER;
		goto fail;
	}
	for (i = 0; i < d->member_cnt; i++)
		d->members[i].is_leader = d->leader && !strcmp(d->leader, d->members[i].member_id);

	qsort(ps.v, (size_t)ps.cnt, sizeof(*ps.v), ag_part_cmp);
	d->partitions = calloc((size_t)ps.cnt + 1, sizeof(*d->partitions));
	start = calloc((size_t)ps.cnt + 1, sizeof(*start));
	if (!d->partitions || !start) {
		err = FJORD_ERR__FAIL;
		goto fail;
	}
	for (i = 0; i < ps.cnt; i++) {
		fjord_group_partition_t *gp = &d->partitions[i];
		int64_t low = -1, high = -1;

		gp->topic = ps.v[i].topic;
		ps.v[i].topic = NULL;
		gp->partition = ps.v[i].partition;
		gp->owner = ps.v[i].owner; /* the owner znode, not the assignment: the truth */
		ps.v[i].owner = NULL;
		gp->committed = ps.v[i].committed;
		d->partition_cnt = i + 1;
		gp->log_end_offset = -1;
		gp->lag = -1;
		gp->lag_ms = -1;
		start[i] = -1;
		if (fjord_query_watermark_offsets(fj, gp->topic, gp->partition, &low, &high,
		                                  timeout_ms) != FJORD_ERR_NO_ERROR)
			continue;
		gp->log_end_offset = high;
		start[i] = gp->committed >= 0 ? gp->committed : low;
		if (start[i] < low)
			start[i] = low; /* committed records removed by retention */
		gp->lag = high > start[i] ? high - start[i] : 0;
		if (gp->lag == 0)
			gp->lag_ms = 0;
		d->total_lag += gp->lag;
	}
	ag_lag_ms(fj, d, start, timeout_ms);
	free(start);
	ag_parts_free(&ps);
	*descp = d;
	return FJORD_ERR_NO_ERROR;
fail:
	free(start);
	ag_parts_free(&ps);
	fjord_group_description_destroy(d);
	return err;
}

void fjord_group_description_destroy(fjord_group_description_t *d)
{
	int i, k;

	if (!d)
		return;
	for (i = 0; i < d->member_cnt; i++) {
		fjord_group_member_t *m = &d->members[i];
		free(m->member_id);
		free(m->client_id);
		free(m->host);
		for (k = 0; k < m->topic_cnt; k++)
			free(m->topics[k]);
		free(m->topics);
	}
	free(d->members);
	for (i = 0; i < d->partition_cnt; i++) {
		free(d->partitions[i].topic);
		free(d->partitions[i].owner);
	}
	free(d->partitions);
	free(d->group);
	free(d->leader);
	free(d->strategy);
	free(d->last_rebalance_reason);
	free(d);
}

/* ------------------------------------------------------------------ alter, delete */

fjord_err_t fjord_admin_alter_group_offsets(fjord_t *fj, const char *group,
                                            const fjord_topic_partition_list_t *offsets,
                                            int timeout_ms, char *errstr, size_t errstr_size)
{
	char path[ZKPATH_MAX], val[24];
	fjord_err_t err;
	int i, rc = ZOK, members;

	(void)timeout_ms; /* bounded by the ZooKeeper session timeout */
	err = ag_check(fj, group, errstr, errstr_size);
	if (err)
		return err;
	if (!offsets) {
		fj_errstr(errstr, errstr_size, "NULL offsets list");
		return FJORD_ERR__INVALID_ARG;
	}
	for (i = 0; i < offsets->cnt; i++) {
		const fjord_topic_partition_t *tp = &offsets->elems[i];
		if (!tp->topic || !*tp->topic || strchr(tp->topic, '/') || tp->partition < 0 ||
		    tp->offset < -1) {
			fj_errstr(errstr, errstr_size,
			          "invalid entry %d: a topic, a partition >= 0 and an offset >= 0 "
			          "(or -1 to remove) are needed",
			          i);
			return FJORD_ERR__INVALID_ARG;
		}
	}
	pthread_rwlock_rdlock(&fj->zk_lock);
	members = ag_member_count(fj->zh, group, errstr, errstr_size);
	if (members < 0) {
		err = FJORD_ERR__ZOOKEEPER;
		goto out;
	}
	if (members > 0) {
		fj_errstr(errstr, errstr_size,
		          "group '%s' has %d live member(s); stop its consumers first", group,
		          members);
		err = FJORD_ERR_NON_EMPTY_GROUP;
		goto out;
	}
	for (i = 0; i < offsets->cnt && rc == ZOK; i++) {
		const fjord_topic_partition_t *tp = &offsets->elems[i];
		zkpath_offset(path, group, tp->topic, (int)tp->partition);
		if (tp->offset == -1) {
			rc = zoo_delete(fj->zh, path, -1);
			if (rc == ZNONODE)
				rc = ZOK;
			continue;
		}
		snprintf(val, sizeof(val), "%lld", (long long)tp->offset);
		rc = zoo_set(fj->zh, path, val, (int)strlen(val), -1);
		if (rc == ZNONODE)
			rc = zkutil_create_recursive(fj->zh, path, val, (int)strlen(val));
		if (rc == ZNODEEXISTS) /* created meanwhile by somebody else: set it */
			rc = zoo_set(fj->zh, path, val, (int)strlen(val), -1);
	}
	if (rc != ZOK)
		err = ag_zkerr(rc, "write", path, errstr, errstr_size);
out:
	pthread_rwlock_unlock(&fj->zk_lock);
	return err;
}

static int ag_delete_node(const char *path, void *arg)
{
	int rc = zoo_delete(arg, path, -1);
	return rc == ZNONODE ? ZOK : rc;
}

/* Deletes path and everything below it. Returns ZOK or an error
 * (ZNOTEMPTY when a child appeared meanwhile). */
static int ag_delete_tree(zhandle_t *zh, const char *path)
{
	return zkutil_walk_postorder(zh, path, ag_delete_node, zh);
}

fjord_err_t fjord_admin_delete_group(fjord_t *fj, const char *group, int timeout_ms, char *errstr,
                                     size_t errstr_size)
{
	char path[ZKPATH_MAX];
	struct Stat st;
	fjord_err_t err;
	int rc, members;

	(void)timeout_ms; /* bounded by the ZooKeeper session timeout */
	err = ag_check(fj, group, errstr, errstr_size);
	if (err)
		return err;
	zkpath_group(path, group);
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = zoo_exists(fj->zh, path, 0, &st);
	if (rc == ZNONODE) {
		fj_errstr(errstr, errstr_size, "group '%s' does not exist", group);
		err = FJORD_ERR_GROUP_ID_NOT_FOUND;
		goto out;
	}
	if (rc != ZOK) {
		err = ag_zkerr(rc, "read", path, errstr, errstr_size);
		goto out;
	}
	members = ag_member_count(fj->zh, group, errstr, errstr_size);
	if (members != 0) {
		if (members > 0)
			fj_errstr(errstr, errstr_size,
			          "group '%s' has %d live member(s); stop its consumers first",
			          group, members);
		err = members > 0 ? FJORD_ERR_NON_EMPTY_GROUP : FJORD_ERR__ZOOKEEPER;
		goto out;
	}
	rc = ag_delete_tree(fj->zh, path);
	if (rc == ZNOTEMPTY && ag_member_count(fj->zh, group, NULL, 0) > 0) {
		fj_errstr(errstr, errstr_size,
		          "a member joined group '%s' while it was being "
		          "deleted; stop its consumers first",
		          group);
		err = FJORD_ERR_NON_EMPTY_GROUP;
	} else if (rc != ZOK) {
		err = ag_zkerr(rc, "delete", path, errstr, errstr_size);
	}
out:
	pthread_rwlock_unlock(&fj->zk_lock);
	return err;
}
