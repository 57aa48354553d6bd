# src/controller: libfjordcontroller, the controller's passes over ZooKeeper
# (elections, epoch fencing, topic deletion, preferred election, leader
# rebalance, reassignment, refusal markers). It includes only src/common;
# fjordd's ZooKeeper worker (src/broker/zk_broker.c) drives it.
noinst_LTLIBRARIES += src/controller/libfjordcontroller.la
src_controller_libfjordcontroller_la_SOURCES = \
	src/controller/controller.c src/controller/controller.h \
	src/controller/controller_int.h \
	src/controller/controller_elect.c \
	src/controller/controller_delete.c \
	src/controller/controller_preferred.c \
	src/controller/controller_markers.c \
	src/controller/controller_offline.c \
	src/controller/controller_reassign.c
src_controller_libfjordcontroller_la_LIBADD = src/common/libfjordcommon.la
