# src/broker/replication: a partition's role on this broker (leader or
# follower, HW, follower LEOs, acks=all waits), ISR shrink and expand, and
# the replica fetcher. Part of fjordd: it includes the broker object
# (src/broker/broker.h), storage and common; the API handlers include it.
src_broker_fjordd_SOURCES += \
	src/broker/replication/partition.c src/broker/replication/partition.h \
	src/broker/replication/partition_isr.c \
	src/broker/replication/replica_fetcher.c src/broker/replication/replica_fetcher.h
