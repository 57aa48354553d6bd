# bench: benchmark programs built with make (not installed).
# fjord-bench-groups: consumer group rebalance latency and throughput
# (driven by bench/groups; members are threads of one process).
noinst_PROGRAMS += bench/fjord-bench-groups
bench_fjord_bench_groups_SOURCES = bench/bench_groups.c
bench_fjord_bench_groups_LDADD = src/client/libfjord.la -lpthread

# fjord-bench-zkmeta: ZooKeeper reads and snapshot latency per partition-state
# change of a metadata reader (driven by bench/zkmeta).
noinst_PROGRAMS += bench/fjord-bench-zkmeta
bench_fjord_bench_zkmeta_SOURCES = bench/bench_zkmeta.c
bench_fjord_bench_zkmeta_LDADD = src/common/libfjordcommon.la proto/libfjordproto.la \
	$(FJORD_EXT_LIBS)

# fjord-bench-validate: the leader's record validation per record against the
# batch (CRC) check alone (bench/RESULTS.md, "Record validation").
noinst_PROGRAMS += bench/fjord-bench-validate
bench_fjord_bench_validate_SOURCES = bench/bench_validate.c
bench_fjord_bench_validate_LDADD = src/common/libfjordcommon.la proto/libfjordproto.la \
	$(FJORD_EXT_LIBS)

# fjord-bench-cleaner: the log cleaner's throughput over one pass
# (bench/RESULTS.md, "Log compaction").
noinst_PROGRAMS += bench/fjord-bench-cleaner
bench_fjord_bench_cleaner_SOURCES = bench/bench_cleaner.c
bench_fjord_bench_cleaner_LDADD = src/storage/libfjordstorage.la src/common/libfjordcommon.la \
	proto/libfjordproto.la $(FJORD_EXT_LIBS)
