/*
 * kproto.h — speaking Apache Kafka's wire protocol by hand in tests, to a
 * broker's Kafka listener (kafka.listener.names): requests framed with
 * header v1 around a body built with common/kwire.h, responses read whole
 * and checked against the correlation id. Used to send every advertised
 * version and what a real client never would (bad headers, unknown apis).
 *
 * Test-child only; fds and buffers returned are the caller's.
 */
#ifndef FJORD_TEST_KPROTO_H
#define FJORD_TEST_KPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/kwire.h"

/* Frames and sends one request: size, api, version, correlation id, client
 * id "fjord-test", then body's bytes (body may be NULL: empty). 0 or -1. */
int kp_send(int fd, int16_t api, int16_t version, int32_t corr, const kw_writer_t *body);
/* Reads one response within timeout_ms (scaled) and checks its correlation
 * id is corr (a Check failure otherwise). Returns the body after the
 * correlation id (malloc'd; *lenp its length), or NULL when the connection
 * closed or nothing came. */
uint8_t *kp_recv(int fd, int32_t corr, size_t *lenp, int timeout_ms);
/* kp_send + kp_recv on fd; a Check failure when no response came. The
 * reader r is set over the returned body (free it after reading). */
uint8_t *kp_call(int fd, int16_t api, int16_t version, const kw_writer_t *body, kw_reader_t *r);

#endif /* FJORD_TEST_KPROTO_H */
