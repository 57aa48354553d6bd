/*
 * admin_config.c — fjord_admin_alter_topic_config(): topic config overrides.
 *
 * What: checks the handle, then hands the change to
 * zkadmin_alter_topic_config(), which validates every name and value before
 * it writes and rewrites /config/topics/<t> with a version-conditional
 * multi-op. Brokers see the new value through their zkmeta watches and
 * apply it to the topic's logs (docs/operations.md, "Changing a topic's
 * configuration"); this call does not wait for them.
 * Ownership: the caller's arrays are only read. Requires zookeeper.connect.
 * Thread: the calling app thread (blocking ZooKeeper calls under the
 * handle's zk_lock, read side, as the other admin calls).
 */
#include <string.h>

#include "client/client_int.h"
#include "common/zkadmin.h"

fjord_err_t fjord_admin_alter_topic_config(fjord_t *fj, const char *topic, const char *const *set,
                                           int set_cnt, const char *const *del_keys, int del_cnt,
                                           char *errstr, size_t errstr_size)
{
	fjord_err_t err;

	fj_errstr(errstr, errstr_size, "%s", "");
	if (!fj || !topic) {
		fj_errstr(errstr, errstr_size, "NULL handle or topic");
		return FJORD_ERR__INVALID_ARG;
	}
	if ((err = admin_zk_ready(fj, "topic administration", errstr, errstr_size)))
		return err;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_alter_topic_config(fj->zh, topic, set, set_cnt, del_keys, del_cnt, errstr,
	                                 errstr_size);
	pthread_rwlock_unlock(&fj->zk_lock);
	return err;
}
