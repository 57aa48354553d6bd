/*
 * frame.c — the resumable parser and writer of fjord's frame prefix
 * (layout in frame.h and docs/protocol.md).
 *
 * frame_parse() never reads past `len`, keeps no state (call it again with
 * more bytes) and decides as early as it can: frame_len is judged from the
 * first 4 bytes and header_len from the first 8, so a peer announcing a huge
 * frame is refused before any of its body is buffered. Pure functions; any
 * thread.
 */
#include "common/frame.h"

#include "common/bytes.h"

frame_status_t frame_parse(const uint8_t *buf, size_t len, size_t max_frame, frame_t *f,
                           const char **errmsg)
{
	const char *msg = NULL;
	frame_status_t st = FRAME_AGAIN;

	if (len < 4)
		goto out;
	uint32_t frame_len = be32_read(buf);
	if ((size_t)frame_len > max_frame) {
		msg = "frame too large (exceeds socket.request.max.bytes)";
		st = FRAME_ERROR;
		goto out;
	}
	if (frame_len < 4) {
		msg = "frame too short for its header length field";
		st = FRAME_ERROR;
		goto out;
	}
	if (len < FRAME_PREFIX_SIZE)
		goto out;
	uint32_t header_len = be32_read(buf + 4);
	if (header_len > frame_len - 4) {
		msg = "header length exceeds frame";
		st = FRAME_ERROR;
		goto out;
	}
	if (header_len > FRAME_MAX_HEADER) {
		msg = "header too large";
		st = FRAME_ERROR;
		goto out;
	}
	f->frame_len = frame_len;
	f->header_len = header_len;
	f->total_len = (size_t)frame_len + 4;
	f->header_off = FRAME_PREFIX_SIZE;
	f->payload_off = FRAME_PREFIX_SIZE + (size_t)header_len;
	f->payload_len = (size_t)frame_len - 4 - header_len;
	st = len >= f->total_len ? FRAME_OK : FRAME_AGAIN;
out:
	if (errmsg)
		*errmsg = msg;
	return st;
}

void frame_write_prefix(uint8_t out[FRAME_PREFIX_SIZE], size_t header_len, size_t payload_len)
{
	be32_write(out, (uint32_t)(4 + header_len + payload_len));
	be32_write(out + 4, (uint32_t)header_len);
}
