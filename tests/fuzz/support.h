/*
 * support.h — what the libFuzzer targets of tests/fuzz/ share.
 *
 * A target is one file, fuzz_<what>.c, defining LLVMFuzzerTestOneInput
 * (and, if it needs set-up, LLVMFuzzerInitialize). Its opening comment
 * carries lines scripts/check --fuzz reads (each kind may repeat; the
 * lines are joined):
 *
 *   FUZZ_OPTIONS: libFuzzer flags for this target (-max_len=N, ...)
 *   FUZZ_SOURCES: the files it exercises, for the line-coverage report
 *                 (proto/... in the build tree; protobuf-c.c the runtime)
 *
 * Rules every target keeps: deterministic (no clock, no randomness, no
 * state carried from one input to the next that changes the outcome),
 * leak-free (ASan's leak detection is on), fast per input, and silent
 * (fuzz_init() sends fjord's log lines nowhere). A property the code
 * promises (a round trip agrees, a recovered log reads back whole) is
 * checked with FUZZ_CHECK, which prints what broke and aborts, so
 * libFuzzer saves the input like any crash.
 */
#ifndef FJORD_TESTS_FUZZ_SUPPORT_H
#define FJORD_TESTS_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Call first in every LLVMFuzzerTestOneInput (cheap after the first call):
 * logs go to a sink that drops them. */
void fuzz_init(void);

/* Prints file:line, the condition and the message to stderr and aborts. */
void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                         \
	} while (0)

/* A NUL-terminated malloc'd copy of the input (caller frees; never NULL:
 * out of memory aborts, which libFuzzer reports as such). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* An exact-size malloc'd copy, not NUL-terminated, so that ASan sees a
 * read past the end (the caller frees; never NULL). */
uint8_t *fuzz_memdup(const uint8_t *data, size_t size);

/* A cursor over the input, for targets that take it apart. */
typedef struct fuzz_in {
	const uint8_t *p;
	size_t left;
} fuzz_in_t;

/* The next byte (0 when none is left). */
uint8_t fuzz_in_u8(fuzz_in_t *in);

#endif /* FJORD_TESTS_FUZZ_SUPPORT_H */
