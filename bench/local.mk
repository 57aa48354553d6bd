# bench: benchmark programs built with make (not installed).
# fjord-bench-groups: consumer group rebalance latency and throughput
# (driven by bench/groups; members are threads of one process).
noinst_PROGRAMS += bench/fjord-bench-groups
bench_fjord_bench_groups_SOURCES = bench/bench_groups.c
bench_fjord_bench_groups_LDADD = src/client/libfjord.la -lpthread
