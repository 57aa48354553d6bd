# src/common: framing, record-batch codec, CRC32C, murmur2, properties and
# config tables, logging, error names, consumer-group assignors, and the
# ZooKeeper side every part shares (connection helpers, znode JSON codecs,
# metadata snapshots, topic administration). Linked into fjordd and libfjord.
noinst_LTLIBRARIES += src/common/libfjordcommon.la
src_common_libfjordcommon_la_SOURCES = \
	src/common/bytes.h \
	src/common/varint.h \
	src/common/crc32c.c src/common/crc32c.h \
	src/common/murmur2.c src/common/murmur2.h \
	src/common/frame.c src/common/frame.h \
	src/common/kwire.c src/common/kwire.h \
	src/common/err.c \
	src/common/flog.c src/common/flog.h \
	src/common/compress.c src/common/compress.h \
	src/common/record_batch.c src/common/record_batch.h \
	src/common/record_validate.c src/common/record_validate.h \
	src/common/props.c src/common/props_parse.c src/common/props.h \
	src/common/cleanup_policy.c src/common/cleanup_policy.h \
	src/common/assignor.c src/common/assignor.h \
	src/common/arena.c src/common/arena.h \
	src/common/pbuild.c src/common/pbuild.h \
	src/common/numparse.c src/common/numparse.h \
	src/common/deadline.c src/common/deadline.h \
	src/common/zkutil.c src/common/zkutil.h \
	src/common/zkacl.c src/common/zkacl.h \
	src/common/zkpath.c src/common/zkpath.h \
	src/common/zkjson.c src/common/zkjson.h \
	src/common/zkjson_admin.c src/common/zkjson_admin.h src/common/zkjson_int.h \
	src/common/zkjson_user.c src/common/zkjson_user.h \
	src/common/pid_block.c src/common/pid_block.h \
	src/common/scram.c src/common/scram.h \
	src/common/sasl.c src/common/sasl.h \
	src/common/sasl_client.c src/common/sasl_client.h \
	src/common/cview.c src/common/cview.h \
	src/common/endpoint.c src/common/endpoint.h \
	src/common/zkmeta.c src/common/zkmeta.h src/common/zkmeta_int.h \
	src/common/zkmeta_update.c \
	src/common/zkadmin.c src/common/zkadmin.h \
	src/common/acl.c src/common/acl.h \
	src/common/acl_zk.c src/common/acl_zk.h \
	src/common/zkadmin_user.c src/common/zkadmin_user.h \
	src/common/tls_ctx.c src/common/tls_ctx.h
src_common_libfjordcommon_la_LIBADD = proto/libfjordproto.la
