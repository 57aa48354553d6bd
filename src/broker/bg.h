/*
 * bg.h — fjordd's background thread for blocking file work.
 *
 * One thread with a FIFO job queue (mutex + condition variable). The loop
 * thread submits jobs; the bg thread runs each job's `work` function (which
 * may block: fsync, unlink, rmdir) and then, if the job has a `done`
 * function, posts done(arg, rc) back to the loop with loop_post(), so
 * completion handling always runs on the loop thread.
 *
 * Jobs run in submission order, one at a time. bg_stop() finishes every
 * queued job (a clean shutdown wants its fsyncs) and joins the thread;
 * `done` callbacks of jobs that finish during bg_stop() are still posted
 * and run when the loop drains its queue.
 *
 * Ownership: bg_fsync() takes ownership of the fd it is given (a dup() of
 * a segment fd, so the segment may be closed meanwhile) and closes it.
 * bg_remove_tree() copies the path.
 */
#ifndef FJORD_BROKER_BG_H
#define FJORD_BROKER_BG_H

#include "broker/loop.h"

typedef struct bg bg_t;

/* work runs on the bg thread; done (optional) on the loop thread. */
typedef int(bg_work_fn)(void *arg);
typedef void(bg_done_fn)(void *arg, int rc);

bg_t *bg_start(loop_t *loop);
/* Loop thread. 0, or -1 (out of memory / stopped: nothing runs). */
int bg_submit(bg_t *bg, bg_work_fn *work, bg_done_fn *done, void *arg);
/* fsync(fd) then close(fd); done(arg, 0 or -errno). Takes fd always. */
int bg_fsync(bg_t *bg, int fd, bg_done_fn *done, void *arg);
/* Removes a file or a directory tree (storage_remove_path) off the loop. */
int bg_remove_tree(bg_t *bg, const char *path, bg_done_fn *done, void *arg);
/* Jobs queued and not yet finished (for /metrics). */
int bg_pending(bg_t *bg);
/* Runs what is queued, joins, frees. Loop thread. NULL is fine. */
void bg_stop(bg_t *bg);

#endif /* FJORD_BROKER_BG_H */
