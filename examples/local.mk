# examples: minimal producer and consumer built with `make` (not installed).
noinst_PROGRAMS += examples/producer examples/consumer
examples_producer_SOURCES = examples/producer.c
examples_producer_LDADD = src/client/libfjord.la
examples_consumer_SOURCES = examples/consumer.c
examples_consumer_LDADD = src/client/libfjord.la
