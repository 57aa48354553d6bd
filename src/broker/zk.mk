# src/broker ZooKeeper side (registration, controller): added to fjordd.
src_broker_fjordd_SOURCES += \
	src/broker/zk_broker.c src/broker/zk_broker.h \
	src/broker/controller.c src/broker/controller.h \
	src/broker/controller_int.h src/broker/controller_elect.c \
	src/broker/controller_delete.c src/broker/controller_preferred.c \
	src/broker/controller_markers.c \
	src/broker/controller_reassign.c
