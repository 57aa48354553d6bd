/*
 * segment_fd.h — a segment's .log file descriptor, shared by reference
 * count.
 *
 * Why: a Fetch answer is a range of a segment file that libevent sends
 * with sendfile(2) whenever the client reads, which may be long after the
 * handler returned. Meanwhile the segment may roll, be truncated, or be
 * deleted by retention, which closes it. Giving each answer a dup() of the
 * fd kept the file alive but cost one descriptor per pending answer, so a
 * client pipelining fetches it never read could exhaust the broker's fd
 * limit. Instead the segment and every answer in flight hold a reference
 * to one shared descriptor; it is closed when the last of them lets go
 * (the file itself stays readable after a rename or unlink until then).
 *
 * Guarantees: segment_fd_get() returns the same open descriptor for the
 * object's whole life; the descriptor is closed exactly once, by the
 * segment_fd_unref() that drops the last reference.
 *
 * Thread: the event-loop thread only (the count is not atomic). The
 * broker's background fsync works on its own dup (plog_flush_begin).
 */
#ifndef FJORD_STORAGE_SEGMENT_FD_H
#define FJORD_STORAGE_SEGMENT_FD_H

typedef struct segment_fd segment_fd_t;

/* Wraps fd with one reference (the caller's). Takes ownership of fd only
 * on success; NULL when out of memory (fd is then still the caller's). */
segment_fd_t *segment_fd_new(int fd);
/* Adds a reference. */
void segment_fd_ref(segment_fd_t *sfd);
/* Drops a reference; the last one closes the descriptor and frees the
 * object. NULL is a no-op. */
void segment_fd_unref(segment_fd_t *sfd);
/* The descriptor (valid while the caller holds a reference). */
int segment_fd_get(const segment_fd_t *sfd);

#endif /* FJORD_STORAGE_SEGMENT_FD_H */
