/*
 * storage_remove.c — removal of files and directory trees (storage_remove.h).
 * Any thread: it touches no shared state.
 */
#define _GNU_SOURCE /* nftw */
#include "storage/storage_remove.h"

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/flog.h"

static int storage_remove_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int storage_remove_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	int r = nftw(path, storage_remove_cb, 16, FTW_DEPTH | FTW_PHYS);
	return r < 0 ? -errno : -r;
}

void storage_default_deleter(const char *path, void *arg)
{
	(void)arg;
	int ret = storage_remove_path(path);
	if (ret < 0)
		flog(LOG_WARNING, "storage", "cannot remove %s: %s", path, strerror(-ret));
}
