# src/broker: fjordd, the broker daemon (event loop, connections, API
# dispatch and handlers, metrics and HTTP, the broker's ZooKeeper side).
# Replication adds its sources in replication/local.mk; storage and the
# controller are libraries of their own (src/storage, src/controller).
bin_PROGRAMS += src/broker/fjordd
src_broker_fjordd_SOURCES = \
	src/broker/main.c \
	src/broker/broker.c src/broker/broker.h \
	src/broker/broker_conf.c src/broker/broker_conf.h \
	src/broker/loop.c src/broker/loop.h \
	src/broker/bg.c src/broker/bg.h \
	src/broker/cleaner.c src/broker/cleaner.h \
	src/broker/logdirs.c src/broker/logdirs.h \
	src/broker/server.c \
	src/broker/advertise.c src/broker/advertise.h \
	src/broker/conn.c src/broker/conn.h \
	src/broker/broker_tls.c src/broker/broker_tls.h \
	src/broker/conn_quota.c src/broker/conn_quota.h \
	src/broker/reqmem.c src/broker/reqmem.h \
	src/broker/api.c src/broker/api.h \
	src/broker/authz.c src/broker/authz.h \
	src/broker/sasl_server.c src/broker/sasl_server.h \
	src/broker/sasl_users.c src/broker/sasl_users.h \
	src/broker/handle_api_versions.c \
	src/broker/handle_metadata.c \
	src/broker/handle_produce.c \
	src/broker/handle_fetch.c \
	src/broker/handle_list_offsets.c \
	src/broker/handle_offset_for_leader_epoch.c \
	src/broker/handle_create_topics.c \
	src/broker/handle_delete_topics.c \
	src/broker/topic_admin.c src/broker/topic_admin.h \
	src/broker/producer_ids.c src/broker/producer_ids.h \
	src/broker/handle_init_producer_id.c \
	src/broker/kafka/kafka.h \
	src/broker/kafka/kafka_dispatch.c \
	src/broker/kafka/kafka_codec.h \
	src/broker/kafka/kafka_decode.c \
	src/broker/kafka/kafka_encode.c \
	src/broker/kafka/kafka_translate.c \
	src/broker/kafka/kafka_create_partitions.c \
	src/broker/kafka/kafka_group_codec.h \
	src/broker/kafka/kafka_group_codec.c \
	src/broker/kafka/kafka_group.c \
	src/broker/kafka/kafka_offsets.c \
	src/broker/kafka/kgroup.h \
	src/broker/kafka/kgroup.c \
	src/broker/kafka/kgroup_zk.c \
	src/broker/fetch_wait.c src/broker/fetch_wait.h \
	src/broker/metrics.c src/broker/metrics.h \
	src/broker/http.c \
	src/broker/zk_broker.c src/broker/zk_broker.h
src_broker_fjordd_LDADD = src/controller/libfjordcontroller.la src/storage/libfjordstorage.la \
	src/common/libfjordcommon.la proto/libfjordproto.la $(FJORD_EXT_LIBS)
