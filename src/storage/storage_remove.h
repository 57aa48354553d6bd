/*
 * storage_remove.h — how the storage library gets rid of files.
 *
 * Retention, truncation and topic deletion never unlink on the loop thread
 * by themselves: they rename what goes (a segment file to "*.deleted", a
 * partition directory to "<t>-<p>.<hex>-delete") and hand the new name to
 * a deleter. The broker's deleter queues the removal for its background
 * thread; the default one removes at once (unit tests, tools).
 */
#ifndef FJORD_STORAGE_REMOVE_H
#define FJORD_STORAGE_REMOVE_H

/*
 * Receives a path renamed to "*.deleted" (a segment file) or a partition
 * directory renamed to "<t>-<p>.<hex>-delete" (logmgr_delete). Called on the
 * loop thread; path is freed when the callback returns (copy it to queue
 * the removal for a background thread, which then calls storage_remove_path).
 */
typedef void storage_deleter_fn(const char *path, void *arg);

/* Removes a file, or a directory recursively. Thread-safe (touches no
 * shared state). Returns 0 or -errno. */
int storage_remove_path(const char *path);

/* The default deleter: storage_remove_path at once, a warning on failure;
 * arg is unused. */
void storage_default_deleter(const char *path, void *arg);

#endif
