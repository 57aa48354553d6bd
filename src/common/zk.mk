# src/common ZooKeeper helpers and znode JSON codecs (added to libfjordcommon).
src_common_libfjordcommon_la_SOURCES += \
	src/common/zkutil.c src/common/zkutil.h \
	src/common/zkjson.c src/common/zkjson.h \
	src/common/zkjson_admin.c src/common/zkjson_admin.h src/common/zkjson_int.h \
	src/common/cview.c src/common/cview.h \
	src/common/endpoint.c src/common/endpoint.h \
	src/common/zkmeta.c src/common/zkmeta.h \
	src/common/zkadmin.c src/common/zkadmin.h
