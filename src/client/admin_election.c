/*
 * admin_election.c — preferred leader election from the SDK
 * (fjord_admin_elect_preferred_leaders), as Kafka's
 * kafka-leader-election.sh --election-type preferred does in ZooKeeper mode.
 *
 * What: the partitions asked for (or every partition of every topic) are
 * looked up in the metadata; those already led by their preferred replica
 * (the first of the assignment) are reported ALREADY and left out. The others
 * go into Kafka's plan {"version":1,"partitions":[...]} (zkjson_admin_plan,
 * the controller's own codec), created as /admin/preferred_replica_election.
 * The controller (src/controller/controller_preferred.c) moves each
 * leadership it may move and deletes the znode. The call then waits, bounded
 * by timeout_ms, until the znode is gone and every planned partition is led
 * by its preferred replica, or the znode has been gone for
 * ADMIN_ELECTION_SETTLE_MS (what did not move then was skipped by the
 * controller: the preferred replica is down or out of the ISR). Each
 * partition's outcome is read from the metadata at the end.
 *
 * Guarantees: nothing is written when an argument is wrong or a partition
 * does not exist; an election already pending (the znode exists) is never
 * overwritten (FJORD_ERR__STATE). FJORD_ERR__TIMED_OUT: the plan was written
 * and the controller had not consumed it within timeout_ms; the results say
 * where each partition stood.
 * Thread: the calling app thread (blocking ZooKeeper calls under zk_lock's
 * read side, dropped while sleeping). Ownership: the result array is the
 * caller's (fjord_election_results_destroy).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/zkacl.h"
#include "common/zkjson_admin.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

#define ADMIN_ELECTION_SETTLE_MS 1000
#define ADMIN_ELECTION_POLL_MS 100

static fjord_err_t election_zkerr(int rc, const char *what, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "ZooKeeper: %s %s: %s", what, ZKPATH_PREFERRED_ELECTION,
	          zkutil_err2str(rc));
	return FJORD_ERR__ZOOKEEPER;
}

static const fjord_metadata_partition_t *election_find(const fjord_metadata_t *md,
                                                       const char *topic, int32_t partition)
{
	int i;

	for (i = 0; i < md->topic_cnt; i++) {
		const fjord_metadata_topic_t *t = &md->topics[i];

		if (strcmp(t->topic, topic) || t->err)
			continue;
		for (int p = 0; p < t->partition_cnt; p++)
			if (t->partitions[p].id == partition)
				return &t->partitions[p];
	}
	return NULL;
}

static int election_is_preferred(const fjord_metadata_partition_t *p)
{
	return p->replica_cnt > 0 && p->leader >= 0 && p->leader == p->replicas[0];
}

/* Fills res[i] (topic, partition set) from md; planned entries that are not
 * led by their preferred replica become NOT_ELECTED (or, before the write,
 * are what the plan holds). Returns how many planned ones are not preferred. */
static int election_outcomes(const fjord_metadata_t *md, fjord_election_result_t *res, int cnt)
{
	int i, pending = 0;

	for (i = 0; i < cnt; i++) {
		const fjord_metadata_partition_t *p =
		    election_find(md, res[i].topic, res[i].partition);

		if (!p)
			continue; /* vanished meanwhile: keep what it was */
		res[i].leader = p->leader;
		res[i].preferred = p->replica_cnt > 0 ? p->replicas[0] : -1;
		if (res[i].outcome == FJORD_ELECTION_ALREADY ||
		    res[i].outcome == FJORD_ELECTION_UNKNOWN)
			continue;
		if (election_is_preferred(p)) {
			res[i].outcome = FJORD_ELECTION_ELECTED;
		} else {
			res[i].outcome = FJORD_ELECTION_NOT_ELECTED;
			pending++;
		}
	}
	return pending;
}

/* The result list: every asked-for partition (parts), or every partition of
 * md. Returns 0 or an error (errstr set). */
static fjord_err_t election_results_new(const fjord_metadata_t *md,
                                        const fjord_topic_partition_list_t *parts,
                                        fjord_election_result_t **resp, int *cntp, char *errstr,
                                        size_t n)
{
	fjord_election_result_t *res;
	int cnt = 0, i, k = 0;

	if (parts) {
		cnt = parts->cnt;
	} else {
		for (i = 0; i < md->topic_cnt; i++)
			cnt += md->topics[i].err ? 0 : md->topics[i].partition_cnt;
	}
	res = calloc((size_t)(cnt ? cnt : 1), sizeof(*res));
	if (!res) {
		fj_errstr(errstr, n, "out of memory");
		return FJORD_ERR__FAIL;
	}
	for (i = 0; parts && i < parts->cnt; i++) {
		res[k].topic = strdup(parts->elems[i].topic);
		res[k++].partition = parts->elems[i].partition;
	}
	for (i = 0; !parts && i < md->topic_cnt; i++) {
		const fjord_metadata_topic_t *t = &md->topics[i];

		for (int p = 0; !t->err && p < t->partition_cnt; p++) {
			res[k].topic = strdup(t->topic);
			res[k++].partition = t->partitions[p].id;
		}
	}
	for (i = 0; i < cnt; i++) {
		if (!res[i].topic) {
			fjord_election_results_destroy(res, cnt);
			fj_errstr(errstr, n, "out of memory");
			return FJORD_ERR__FAIL;
		}
		res[i].leader = res[i].preferred = -1;
	}
	*resp = res;
	*cntp = cnt;
	return FJORD_ERR_NO_ERROR;
}

void fjord_election_results_destroy(fjord_election_result_t *results, int cnt)
{
	int i;

	for (i = 0; results && i < cnt; i++)
		free(results[i].topic);
	free(results);
}

const char *fjord_election_outcome_name(fjord_election_outcome_t outcome)
{
	switch (outcome) {
	case FJORD_ELECTION_ELECTED:
		return "elected";
	case FJORD_ELECTION_ALREADY:
		return "already-preferred";
	case FJORD_ELECTION_NOT_ELECTED:
		return "not-elected";
	case FJORD_ELECTION_UNKNOWN:
		return "unknown-partition";
	}
	return "?";
}

/* Writes the plan of the NOT_ELECTED entries. */
static fjord_err_t election_write(fjord_t *fj, const fjord_election_result_t *res, int cnt,
                                  char *errstr, size_t n)
{
	zkjson_admin_plan_t plan = { 0, NULL, NULL };
	char *json = NULL;
	fjord_err_t e = FJORD_ERR_NO_ERROR;
	int i, rc;

	plan.topics = calloc((size_t)cnt, sizeof(*plan.topics));
	plan.partitions = calloc((size_t)cnt, sizeof(*plan.partitions));
	if (!plan.topics || !plan.partitions) {
		fj_errstr(errstr, n, "out of memory");
		e = FJORD_ERR__FAIL;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		if (res[i].outcome != FJORD_ELECTION_NOT_ELECTED)
			continue;
		plan.topics[plan.cnt] = res[i].topic; /* borrowed */
		plan.partitions[plan.cnt++] = res[i].partition;
	}
	if (!(json = zkjson_admin_plan_encode(&plan))) {
		fj_errstr(errstr, n, "out of memory");
		e = FJORD_ERR__FAIL;
		goto out;
	}
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = zkutil_create_recursive(fj->zh, ZKPATH_ADMIN, NULL, -1);
	if (rc == ZOK)
		rc = zoo_create(fj->zh, ZKPATH_PREFERRED_ELECTION, json, (int)strlen(json),
		                zkacl_of(fj->zh, ZKPATH_PREFERRED_ELECTION), 0, NULL, 0);
	pthread_rwlock_unlock(&fj->zk_lock);
	if (rc == ZNODEEXISTS) {
		fj_errstr(errstr, n,
		          "a preferred leader election is in progress (%s exists); try again "
		          "once the controller has removed it",
		          ZKPATH_PREFERRED_ELECTION);
		e = FJORD_ERR__STATE;
	} else if (rc != ZOK) {
		e = election_zkerr(rc, "create", errstr, n);
	}
out:
	free(json);
	free(plan.topics);
	free(plan.partitions);
	return e;
}

fjord_err_t fjord_admin_elect_preferred_leaders(fjord_t *fj,
                                                const fjord_topic_partition_list_t *parts,
                                                int timeout_ms, fjord_election_result_t **resultsp,
                                                int *cntp, char *errstr, size_t errstr_size)
{
	int64_t deadline = fj_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0), gone_at = -1;
	fjord_election_result_t *res = NULL;
	fjord_metadata_t *md = NULL;
	int cnt = 0, i, planned = 0, rc;
	fjord_err_t e;

	if (resultsp)
		*resultsp = NULL;
	if (cntp)
		*cntp = 0;
	fj_errstr(errstr, errstr_size, "%s", "");
	if (!resultsp || !cntp || (parts && parts->cnt < 1)) {
		fj_errstr(errstr, errstr_size,
		          "results and count are needed, and a non-empty list");
		return FJORD_ERR__INVALID_ARG;
	}
	if ((e = admin_zk_ready(fj, "preferred leader election", errstr, errstr_size)))
		return e;
	for (i = 0; parts && i < parts->cnt; i++) {
		const fjord_topic_partition_t *tp = &parts->elems[i];

		if (!tp->topic || tp->partition < 0) {
			fj_errstr(errstr, errstr_size, "entry %d: no topic or a negative partition",
			          i);
			return FJORD_ERR__INVALID_ARG;
		}
		/* The controller refuses a plan naming a partition twice. */
		for (int j = 0; j < i; j++) {
			if (parts->elems[j].topic && !strcmp(parts->elems[j].topic, tp->topic) &&
			    parts->elems[j].partition == tp->partition) {
				fj_errstr(errstr, errstr_size, "%s-%d is listed twice", tp->topic,
				          (int)tp->partition);
				return FJORD_ERR__INVALID_ARG;
			}
		}
	}
	if ((e = fjord_metadata(fj, NULL, &md, timeout_ms > 0 ? timeout_ms : 1))) {
		fj_errstr(errstr, errstr_size, "cannot read the metadata: %s", fjord_err2str(e));
		return e;
	}
	if ((e = election_results_new(md, parts, &res, &cnt, errstr, errstr_size)))
		goto out;
	for (i = 0; i < cnt; i++) {
		const fjord_metadata_partition_t *p =
		    election_find(md, res[i].topic, res[i].partition);

		if (!p) {
			fj_errstr(errstr, errstr_size, "%s-%d: no such topic or partition",
			          res[i].topic, (int)res[i].partition);
			e = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
			goto out;
		}
		if (election_is_preferred(p)) {
			res[i].outcome = FJORD_ELECTION_ALREADY;
		} else {
			res[i].outcome = FJORD_ELECTION_NOT_ELECTED;
			planned++;
		}
	}
	election_outcomes(md, res, cnt);
	if (!planned)
		goto out; /* nothing to move: nothing written */
	if ((e = election_write(fj, res, cnt, errstr, errstr_size)))
		goto out;

	for (;;) {
		struct timespec nap = { 0, ADMIN_ELECTION_POLL_MS * 1000000L };
		struct Stat zst;
		int pending;

		pthread_rwlock_rdlock(&fj->zk_lock);
		rc = zoo_exists(fj->zh, ZKPATH_PREFERRED_ELECTION, 0, &zst);
		pthread_rwlock_unlock(&fj->zk_lock);
		if (rc != ZOK && rc != ZNONODE) {
			e = election_zkerr(rc, "check", errstr, errstr_size);
			goto out;
		}
		if (rc == ZNONODE && gone_at < 0)
			gone_at = fj_mono_ms();
		fjord_metadata_destroy(md);
		md = NULL;
		if (fjord_metadata(fj, NULL, &md, ADMIN_ELECTION_POLL_MS * 10) ==
		    FJORD_ERR_NO_ERROR) {
			pending = election_outcomes(md, res, cnt);
			if (gone_at >= 0 &&
			    (!pending || fj_mono_ms() - gone_at >= ADMIN_ELECTION_SETTLE_MS))
				break;
		}
		if (fj_mono_ms() >= deadline) {
			if (gone_at < 0) {
				fj_errstr(errstr, errstr_size,
				          "the controller did not act on %s within %d ms (is "
				          "a controller running?)",
				          ZKPATH_PREFERRED_ELECTION, timeout_ms);
				e = FJORD_ERR__TIMED_OUT;
			}
			break;
		}
		nanosleep(&nap, NULL);
	}
out:
	if (md)
		fjord_metadata_destroy(md);
	if (e && e != FJORD_ERR__TIMED_OUT) {
		fjord_election_results_destroy(res, cnt);
		return e;
	}
	*resultsp = res;
	*cntp = cnt;
	return e;
}
