/*
 * deadline.h — timed condition-variable waits on the monotonic clock.
 *
 * Owner: common core. pthread_cond_timedwait measures its deadline on the
 * clock the condition variable was made with, CLOCK_REALTIME unless told
 * otherwise, so a wall-clock step (NTP, an operator's `date -s`) would
 * stretch or cut every timeout: fjord_consumer_poll, fjord_flush, a
 * consumer group's leave on close. Every timed wait in fjord goes through
 * here instead: the condition variable is made with CLOCK_MONOTONIC
 * (deadline_cond_init), and deadlines for pthread_cond_timedwait are taken
 * on the same clock (deadline_after_ms).
 *
 * Threads: any; no state.
 */
#ifndef FJORD_DEADLINE_H
#define FJORD_DEADLINE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* pthread_cond_init with CLOCK_MONOTONIC. 0 or the pthread error. */
int deadline_cond_init(pthread_cond_t *cond);

/* Now (CLOCK_MONOTONIC) plus ms (negative counts as 0), normalised. */
void deadline_after_ms(struct timespec *ts, int64_t ms);

#endif
