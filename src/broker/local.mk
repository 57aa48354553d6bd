# src/broker: fjordd, the broker daemon (event loop, connections, APIs,
# partition roles, metrics). Storage is libfjordstorage (storage.mk); the
# ZooKeeper side appends its sources in zk.mk.
bin_PROGRAMS += src/broker/fjordd
src_broker_fjordd_SOURCES = \
	src/broker/main.c \
	src/broker/broker.c src/broker/broker.h \
	src/broker/broker_conf.c src/broker/broker_conf.h \
	src/broker/loop.c src/broker/loop.h \
	src/broker/bg.c src/broker/bg.h \
	src/broker/server.c \
	src/broker/advertise.c src/broker/advertise.h \
	src/broker/conn.c src/broker/conn.h \
	src/broker/api.c src/broker/api.h \
	src/broker/handle_api_versions.c \
	src/broker/handle_metadata.c \
	src/broker/handle_produce.c \
	src/broker/handle_fetch.c \
	src/broker/handle_list_offsets.c \
	src/broker/handle_offset_for_leader_epoch.c \
	src/broker/fetch_wait.c src/broker/fetch_wait.h \
	src/broker/partition.c src/broker/partition.h \
	src/broker/partition_isr.c \
	src/broker/replica_fetcher.c src/broker/replica_fetcher.h \
	src/broker/metrics.c src/broker/metrics.h \
	src/broker/http.c
src_broker_fjordd_LDADD = src/broker/libfjordstorage.la src/common/libfjordcommon.la \
	proto/libfjordproto.la $(FJORD_EXT_LIBS)
