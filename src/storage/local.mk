# src/storage: libfjordstorage, a partition log's segments, indexes,
# recovery, retention, checkpoints, leader-epoch cache and the log manager.
# It includes nothing of the broker; unit tests link it without fjordd.
noinst_LTLIBRARIES += src/storage/libfjordstorage.la
src_storage_libfjordstorage_la_SOURCES = \
	src/storage/log_config.c src/storage/log_config.h \
	src/storage/storage_io.c src/storage/storage_io.h \
	src/storage/log_dir.c src/storage/log_dir.h \
	src/storage/offset_index.c src/storage/offset_index.h \
	src/storage/time_index.c src/storage/time_index.h \
	src/storage/segment_fd.c src/storage/segment_fd.h \
	src/storage/log_segment.c src/storage/log_segment.h \
	src/storage/checkpoint.c src/storage/checkpoint.h \
	src/storage/epoch_cache.c src/storage/epoch_cache.h \
	src/storage/plog.c src/storage/plog.h src/storage/plog_int.h \
	src/storage/producer_state.c src/storage/producer_state.h \
	src/storage/producer_snapshot.c src/storage/producer_snapshot.h \
	src/storage/storage.h \
	src/storage/storage_remove.c src/storage/storage_remove.h \
	src/storage/log_recovery.c \
	src/storage/log_corrupt.c \
	src/storage/log_retention.c \
	src/storage/log_cleaner.c src/storage/log_cleaner.h \
	src/storage/log_cleaner_swap.c \
	src/storage/logmgr.c src/storage/logmgr.h
src_storage_libfjordstorage_la_LIBADD = src/common/libfjordcommon.la
