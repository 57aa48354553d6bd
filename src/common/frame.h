/*
 * frame.h — fjord's length-framed envelope (see proto/fjord.proto).
 *
 * Owner: common core. Used by the broker's connection reader and by the
 * SDK's broker connections.
 *
 *   offset  size        field
 *   0       4           frame_len   big-endian; bytes after this field
 *   4       4           header_len  big-endian; protobuf Request/Response
 *   8       header_len  header
 *   8+hl    frame_len - 4 - header_len   payload (record batches)
 *
 * The parser is resumable in nginx's style: it looks at what has arrived
 * and answers FRAME_OK (a whole frame is there), FRAME_AGAIN (need more
 * bytes) or FRAME_ERROR (can never be valid: close the connection).
 */
#ifndef FJORD_FRAME_H
#define FJORD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_PREFIX_SIZE 8 /* frame_len + header_len */
#define FRAME_MAX_HEADER (16u * 1024 * 1024)

typedef enum frame_status {
	FRAME_OK = 0,
	FRAME_AGAIN = 1,
	FRAME_ERROR = -1,
} frame_status_t;

typedef struct frame {
	uint32_t frame_len; /* as on the wire */
	uint32_t header_len;
	size_t total_len;   /* 4 + frame_len: bytes the whole frame occupies */
	size_t header_off;  /* == FRAME_PREFIX_SIZE */
	size_t payload_off; /* header_off + header_len */
	size_t payload_len;
} frame_t;

/*
 * Looks at the first `len` bytes of a stream. max_frame bounds frame_len
 * (socket.request.max.bytes on the broker). On FRAME_ERROR *errmsg names
 * the reason ("frame too large", "header length exceeds frame", ...).
 * FRAME_AGAIN is returned as soon as the 8-byte prefix is known to be sane
 * but the rest has not arrived, so an oversized frame is refused from its
 * first 8 bytes.
 */
frame_status_t frame_parse(const uint8_t *buf, size_t len, size_t max_frame, frame_t *f,
                           const char **errmsg);

/* Writes the 8-byte prefix for a header of header_len and a payload of
 * payload_len bytes. */
void frame_write_prefix(uint8_t out[FRAME_PREFIX_SIZE], size_t header_len, size_t payload_len);

#endif /* FJORD_FRAME_H */
