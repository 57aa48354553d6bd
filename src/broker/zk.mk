# src/broker ZooKeeper side (registration, controller): added to fjordd.
src_broker_fjordd_SOURCES += \
	src/broker/zk_broker.c src/broker/zk_broker.h \
	src/broker/controller.c src/broker/controller.h
