/*
 * zkadmin_user.h — SCRAM users in ZooKeeper, as Kafka's kafka-configs.sh
 * --alter --entity-type users --add-config 'SCRAM-SHA-256=[...]' writes
 * them: /config/users/<user> (common/zkjson_user.h) plus a change
 * notification /config/changes/config_change_<seq>.
 *
 * Thread: the caller's (blocking ZooKeeper calls). Errors as zkadmin.h:
 * fjord_err_t with errstr; ZooKeeper failures are FJORD_ERR__ZOOKEEPER.
 */
#ifndef FJORD_ZKADMIN_USER_H
#define FJORD_ZKADMIN_USER_H

#include <stddef.h>
#include <zookeeper/zookeeper.h>

#include "fjord.h"

/* A user name that can be a znode: 1..255 bytes, no '/', no control
 * character, not "." or "..". 0 or -1 with errstr. */
int zkadmin_user_validate_name(const char *user, char *errstr, size_t n);
/* Creates or updates the user's credential for each mechanism in mask
 * (bit 0 SCRAM-SHA-256, bit 1 SCRAM-SHA-512) from password with a fresh
 * random salt; the user's other mechanism, if any, is kept. iterations in
 * SCRAM_ITER_MIN..SCRAM_ITER_MAX. A concurrent writer makes it retry. */
fjord_err_t zkadmin_user_upsert(zhandle_t *zh, const char *user, const char *password, int mask,
                                int iterations, char *errstr, size_t n);
/* Deletes /config/users/<user>; FJORD_ERR__INVALID_ARG when it does not exist. */
fjord_err_t zkadmin_user_delete(zhandle_t *zh, const char *user, char *errstr, size_t n);
/* The users that hold a SCRAM credential, sorted; *usersp malloc'd (each
 * name too; free both), *cntp its length. */
fjord_err_t zkadmin_user_list(zhandle_t *zh, char ***usersp, int *cntp, char *errstr, size_t n);

#endif /* FJORD_ZKADMIN_USER_H */
