# src/cli: the fjord command-line tool (uses only the public SDK API).
bin_PROGRAMS += src/cli/fjord
src_cli_fjord_SOURCES = src/cli/cli.h \
	src/cli/main.c \
	src/cli/output.c \
	src/cli/encoding.c \
	src/cli/hist.c \
	src/cli/cmd_topic.c \
	src/cli/cmd_cluster.c \
	src/cli/cmd_produce.c \
	src/cli/cmd_consume.c \
	src/cli/cmd_group.c \
	src/cli/cmd_acl.c \
	src/cli/cmd_group_reset.c \
	src/cli/cmd_perf.c \
	src/cli/perf_produce.c \
	src/cli/perf_consume.c
src_cli_fjord_SOURCES += src/cli/cmd_topic_alter.c
src_cli_fjord_SOURCES += src/cli/cmd_topic_reassign.c
src_cli_fjord_SOURCES += src/cli/cmd_user.c
# consume's output forms and the CLI's one time parser (helper H1, issue 13):
src_cli_fjord_SOURCES += src/cli/consume_format.h src/cli/consume_format.c src/cli/timeparse.c
src_cli_fjord_SOURCES += src/cli/cmd_offsets.c
src_cli_fjord_SOURCES += src/cli/cmd_leader_election.c
src_cli_fjord_SOURCES += src/cli/cmd_topic_config.c
src_cli_fjord_LDADD = src/client/libfjord.la $(JANSSON_LIBS) -lpthread
src_cli_fjord_SOURCES += src/cli/perf_e2e.c
src_cli_fjord_SOURCES += src/cli/cmd_log.c
src_cli_fjord_SOURCES += src/cli/cmd_log_dirs.c
