/*
 * admin_user.c — the public calls that manage SCRAM users
 * (fjord_admin_upsert_scram_user, fjord_admin_delete_scram_user,
 * fjord_admin_list_scram_users): checks the handle and hands the work to
 * common/zkadmin_user.c, which writes /config/users/<user> in Kafka's
 * format with a change notification. Brokers pick the change up through
 * their watches for the next login; these calls do not wait for them.
 *
 * Requires zookeeper.connect. Thread: the calling app thread (blocking
 * ZooKeeper calls under the handle's zk_lock, read side, as every admin
 * call).
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/scram.h"
#include "common/zkadmin_user.h"

static fjord_err_t admin_user_check(fjord_t *fj, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "%s", "");
	return admin_zk_ready(fj, "user administration", errstr, n);
}

fjord_err_t fjord_admin_upsert_scram_user(fjord_t *fj, const char *user, const char *password,
                                          int mechanisms, int iterations, char *errstr,
                                          size_t errstr_size)
{
	fjord_err_t err = admin_user_check(fj, errstr, errstr_size);

	if (err)
		return err;
	if (mechanisms == 0)
		mechanisms = FJORD_SCRAM_SHA_256 | FJORD_SCRAM_SHA_512;
	if (iterations <= 0)
		iterations = SCRAM_ITER_DEFAULT;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_user_upsert(fj->zh, user, password, mechanisms, iterations, errstr,
	                          errstr_size);
	pthread_rwlock_unlock(&fj->zk_lock);
	return err;
}

fjord_err_t fjord_admin_delete_scram_user(fjord_t *fj, const char *user, char *errstr,
                                          size_t errstr_size)
{
	fjord_err_t err = admin_user_check(fj, errstr, errstr_size);

	if (err)
		return err;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_user_delete(fj->zh, user, errstr, errstr_size);
	pthread_rwlock_unlock(&fj->zk_lock);
	return err;
}

fjord_err_t fjord_admin_list_scram_users(fjord_t *fj, char ***usersp, int *cntp, char *errstr,
                                         size_t errstr_size)
{
	fjord_err_t err = admin_user_check(fj, errstr, errstr_size);

	if (!usersp || !cntp)
		return FJORD_ERR__INVALID_ARG;
	*usersp = NULL;
	*cntp = 0;
	if (err)
		return err;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_user_list(fj->zh, usersp, cntp, errstr, errstr_size);
	pthread_rwlock_unlock(&fj->zk_lock);
	return err;
}

void fjord_admin_scram_user_list_destroy(char **users, int cnt)
{
	for (int i = 0; i < cnt; i++)
		free(users[i]);
	free(users);
}
