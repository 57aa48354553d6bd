# src/client: libfjord, the C SDK (public header include/fjord.h).
include_HEADERS += include/fjord.h
lib_LTLIBRARIES += src/client/libfjord.la
src_client_libfjord_la_SOURCES = \
	src/client/client_int.h \
	src/client/consumer_int.h \
	src/client/conf.c \
	src/client/debug.c \
	src/client/handle.c \
	src/client/cbq.c \
	src/client/bconn.c \
	src/client/bsasl.c \
	src/client/bconn_tls.c \
	src/client/metadata.c \
	src/client/metadata_conv.c \
	src/client/metadata_zk.c \
	src/client/producer_int.h \
	src/client/producer.c \
	src/client/produce_send.c \
	src/client/producer_idem.c \
	src/client/partitioner.c \
	src/client/consumer.c \
	src/client/consumer_pause.c \
	src/client/cgrp_int.h \
	src/client/cgrp.c \
	src/client/cgrp_member.c \
	src/client/cgrp_owner.c \
	src/client/fetch.c \
	src/client/offsets.c \
	src/client/admin.c \
	src/client/tplist.c \
	src/client/message.c \
	src/client/headers.c \
	src/client/stats.c \
	src/client/strutil.c
src_client_libfjord_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
# Both shared and static (libfjord.a), unlike AM_LIBTOOLFLAGS' PIC-only.
src_client_libfjord_la_LIBTOOLFLAGS =
# pkg-config metadata: `pkg-config --cflags --libs libfjord` (docs/sdk.md).
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = libfjord.pc
EXTRA_DIST += libfjord.pc.in
DISTCLEANFILES = libfjord.pc
src_client_libfjord_la_LDFLAGS = -version-info 0:0:0 -export-symbols-regex '^fjord_[a-z]'
# libfjordcommon.la already carries proto/libfjordproto.la (its own LIBADD);
# listing both would define the protobuf descriptors twice.
src_client_libfjord_la_LIBADD = src/common/libfjordcommon.la $(FJORD_EXT_LIBS)
# fjord-conf-doc: the SDK property table as Markdown (docs/configuration.md).
noinst_PROGRAMS += src/client/fjord-conf-doc
src_client_fjord_conf_doc_SOURCES = src/client/conf_doc.c src/client/conf.c \
	src/client/debug.c src/client/strutil.c
src_client_fjord_conf_doc_LDADD = src/common/libfjordcommon.la $(FJORD_EXT_LIBS)
src_client_libfjord_la_SOURCES += src/client/admin_group.c
src_client_libfjord_la_SOURCES += src/client/admin_reassign.c
src_client_libfjord_la_SOURCES += src/client/admin_config.c
src_client_libfjord_la_SOURCES += src/client/admin_user.c
src_client_libfjord_la_SOURCES += src/client/admin_refused.c
src_client_libfjord_la_SOURCES += src/client/zk_locate.c
src_client_libfjord_la_SOURCES += src/client/admin_acl.c
src_client_libfjord_la_SOURCES += src/client/admin_broker.c
src_client_libfjord_la_SOURCES += src/client/segment_reader.c
src_client_libfjord_la_SOURCES += src/client/log_dirs.c
src_client_libfjord_la_SOURCES += src/client/admin_election.c
src_client_libfjord_la_SOURCES += src/client/admin_describe_config.c
