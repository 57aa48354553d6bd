/*
 * segment_fd.c — a segment's .log descriptor shared by reference count
 * (see segment_fd.h). Event-loop thread only.
 */
#include "storage/segment_fd.h"

#include <stdlib.h>
#include <unistd.h>

struct segment_fd {
	int fd;
	unsigned refs;
};

segment_fd_t *segment_fd_new(int fd)
{
	segment_fd_t *sfd = malloc(sizeof(*sfd));

	if (!sfd)
		return NULL;
	sfd->fd = fd;
	sfd->refs = 1;
	return sfd;
}

void segment_fd_ref(segment_fd_t *sfd)
{
	sfd->refs++;
}

void segment_fd_unref(segment_fd_t *sfd)
{
	if (!sfd || --sfd->refs > 0)
		return;
	close(sfd->fd);
	free(sfd);
}

int segment_fd_get(const segment_fd_t *sfd)
{
	return sfd->fd;
}
