# tests/fuzz: libFuzzer targets of fjord's parsers, built only by
# `configure --enable-fuzzing` (CC=clang) and run by `scripts/check --fuzz`
# (docs/testing.md, "Fuzzing").
#
# Every tests/fuzz/fuzz_<what>.c is one target, tests/fuzz/fuzz_<what>,
# found by its file name: adding a target is adding that one file (its seeds
# go in tests/fuzz/corpus/<what>/). The pattern rule below compiles and links
# each one against the same libraries; a static archive contributes only the
# objects a target uses. `make fuzz-targets` builds them all.
EXTRA_DIST += tests/fuzz

if FUZZING
# The helpers the targets share, the request checks of the broker
# (src/broker/api.c, with stand-ins for the broker functions it references),
# the Kafka listener's codecs (src/broker/kafka/kafka_decode.c, kafka_encode.c,
# kafka_group_codec.c), the SDK's property table (src/client/conf.c, as
# fjord-conf-doc builds it), its offline segment reader and the CLI's time
# parser. Their own CFLAGS give their objects names apart from fjordd's.
noinst_LIBRARIES += tests/fuzz/libfuzzsupport.a
tests_fuzz_libfuzzsupport_a_SOURCES = tests/fuzz/support.c tests/fuzz/support.h \
	tests/fuzz/broker_standins.c \
	src/broker/api.c src/client/conf.c src/client/strutil.c src/client/debug.c \
	src/broker/kafka/kafka_decode.c src/broker/kafka/kafka_encode.c \
	src/broker/kafka/kafka_group_codec.c \
	src/client/segment_reader.c src/cli/timeparse.c
tests_fuzz_libfuzzsupport_a_CFLAGS = $(AM_CFLAGS)

FUZZ_TARGET_SRCS = $(wildcard $(top_srcdir)/tests/fuzz/fuzz_*.c)
FUZZ_TARGETS = $(patsubst $(top_srcdir)/tests/fuzz/%.c,tests/fuzz/%,$(FUZZ_TARGET_SRCS))
FUZZ_LIBS = tests/fuzz/libfuzzsupport.a src/storage/libfjordstorage.la \
	src/common/libfjordcommon.la proto/libfjordproto.la

if FUZZ_PROTOBUF_C_SRC
# protobuf-c's runtime compiled from the source of the very version the
# system links (scripts/fetch-protobuf-c-src checks that its header is the
# installed one), so its unpacker is instrumented like our code: coverage
# and ASan. It is third-party code: our warning flags are not applied to it,
# nor is UBSan (FUZZ_PBC_SAN_EXCEPT), which finds undefined behaviour in
# 1.4.1 that we cannot fix and the system library has too (docs/testing.md,
# "Fuzzing": `desc->fields + 0` on a NULL fields array, a left shift of 127
# by 25 in parse_tag_and_wiretype on a 5-byte tag).
FUZZ_PBC_OBJ = tests/fuzz/protobuf-c-runtime.o
FUZZ_EXT_LIBS = $(filter-out $(PROTOBUF_C_LIBS),$(FJORD_EXT_LIBS))
$(FUZZ_PBC_OBJ): $(PROTOBUF_C_SRC)/protobuf-c/protobuf-c.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CC) -std=gnu11 -g -O2 $(SAN_CFLAGS) $(FUZZ_PBC_SAN_EXCEPT) \
		-I$(PROTOBUF_C_SRC)/protobuf-c -c -o $@ $(PROTOBUF_C_SRC)/protobuf-c/protobuf-c.c
else
FUZZ_PBC_OBJ =
FUZZ_EXT_LIBS = $(FJORD_EXT_LIBS)
endif

all-local: fuzz-targets
fuzz-targets: $(FUZZ_TARGETS) tests/fuzz/make_seeds
.PHONY: fuzz-targets
# `make fuzz-targets` does not go through BUILT_SOURCES (only all, check and
# install do): what includes the generated protobuf header waits for it.
$(tests_fuzz_libfuzzsupport_a_OBJECTS) $(tests_fuzz_make_seeds_OBJECTS): proto/fjord.pb-c.h

# One object and one program per fuzz_<what>.c; dependencies on headers are
# tracked as automake does it (.deps/*.Po).
tests/fuzz/fuzz_%: $(top_srcdir)/tests/fuzz/fuzz_%.c proto/fjord.pb-c.h $(FUZZ_LIBS) $(FUZZ_PBC_OBJ)
	@$(MKDIR_P) tests/fuzz/$(DEPDIR)
	$(AM_V_CC)$(COMPILE) -I$(top_srcdir)/tests/fuzz -MT $@.o -MD -MP \
		-MF tests/fuzz/$(DEPDIR)/$(@F).Po -c -o $@.o $<
	$(AM_V_CCLD)$(LINK) $(FUZZ_LDFLAGS) $@.o $(FUZZ_LIBS) $(FUZZ_PBC_OBJ) $(FUZZ_EXT_LIBS)
-include $(wildcard tests/fuzz/$(DEPDIR)/fuzz_*.Po)

# make_seeds writes the seed corpora of tests/fuzz/corpus/ (committed; run
# it again after changing it: tests/fuzz/make_seeds $(top_srcdir)/tests/fuzz/corpus).
noinst_PROGRAMS += tests/fuzz/make_seeds
tests_fuzz_make_seeds_SOURCES = tests/fuzz/make_seeds.c
tests_fuzz_make_seeds_CFLAGS = $(AM_CFLAGS)
tests_fuzz_make_seeds_LDADD = src/storage/libfjordstorage.la src/common/libfjordcommon.la \
	proto/libfjordproto.la $(FUZZ_PBC_OBJ) $(FUZZ_EXT_LIBS)

CLEANFILES += $(FUZZ_TARGETS) $(FUZZ_TARGETS:=.o) $(FUZZ_PBC_OBJ)
endif
