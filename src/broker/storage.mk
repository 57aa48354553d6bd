# src/broker log storage: segments, indexes, partition logs, recovery,
# retention, checkpoints. A library so unit tests link it without fjordd.
noinst_LTLIBRARIES += src/broker/libfjordstorage.la
src_broker_libfjordstorage_la_SOURCES = \
	src/broker/log_config.c src/broker/log_config.h \
	src/broker/offset_index.c src/broker/offset_index.h \
	src/broker/time_index.c src/broker/time_index.h \
	src/broker/log_segment.c src/broker/log_segment.h \
	src/broker/checkpoint.c src/broker/checkpoint.h \
	src/broker/epoch_cache.c src/broker/epoch_cache.h \
	src/broker/plog.c src/broker/plog.h src/broker/plog_int.h \
	src/broker/log_recovery.c \
	src/broker/log_retention.c \
	src/broker/logmgr.c src/broker/logmgr.h
src_broker_libfjordstorage_la_LIBADD = src/common/libfjordcommon.la
