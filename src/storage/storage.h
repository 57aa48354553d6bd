/*
 * storage.h — the storage library's public face: what the broker uses.
 *
 * libfjordstorage (src/storage) keeps partition logs on disk: segments of
 * Kafka record batches with sparse offset and time indexes, recovery of a
 * torn or corrupt tail, time and size retention, checkpoint files and the
 * leader-epoch cache (the byte layouts are in docs/storage.md). It includes
 * only src/common, never the broker; the broker includes only this header.
 *
 *   logmgr.h          every log dir of a broker, the partition logs in them
 *   log_dir.h         a log dir's health: online, full, offline
 *   storage_io.h      storage's system calls: error kinds, fault injection
 *   plog.h            one partition log: append, read, roll, truncate, flush
 *   log_cleaner.h     log compaction: a pass (any thread) and its install
 *   log_config.h      per-log settings and their topic overrides
 *   segment_fd.h      a segment file's descriptor, shared with pending reads
 *   checkpoint.h      atomically written checkpoint files
 *   storage_remove.h  the deleter hook and file removal
 *
 * The other headers (log_segment.h, offset_index.h, time_index.h,
 * epoch_cache.h, plog_int.h) are the library's insides; unit tests may use
 * them. Threads: the event-loop thread, except fsync and file removal,
 * which the broker runs on its background thread (see plog.h).
 */
#ifndef FJORD_STORAGE_STORAGE_H
#define FJORD_STORAGE_STORAGE_H

#include "storage/checkpoint.h"
#include "storage/log_cleaner.h"
#include "storage/log_config.h"
#include "storage/log_dir.h"
#include "storage/logmgr.h"
#include "storage/plog.h"
#include "storage/segment_fd.h"
#include "storage/storage_remove.h"

#endif
