/*
 * compress.h — the record-batch codecs: gzip (zlib, gzip format), snappy
 * (libsnappy's C API; written raw, read raw or in the xerial framing of the
 * Java client), LZ4 (frame format, liblz4's LZ4F API) and zstd (libzstd).
 * Unknown codec ids are refused.
 *
 * Owner: common core. Used by record_batch.c (builder and reader) and by
 * anyone else who needs a batch codec.
 *
 * Buffers: both directions APPEND to a caller-owned growable buffer
 * (*bufp, capacity *capp, used length *lenp), which grows geometrically
 * with realloc and is meant to be reused across calls; the caller frees
 * *bufp. On failure *lenp is restored to its value at entry (the buffer may
 * have grown). Codec contexts are cached per thread and freed at thread
 * exit, so any thread may call these functions concurrently.
 *
 * Decompression writes at most max_out bytes; a stream that would produce
 * more (a zip bomb, or a corrupt length) fails with FJORD_ERR__BAD_COMPRESSION.
 *
 * Codec ids are the batch attribute values (rb_codec_t): 0 none, 1 gzip,
 * 2 snappy, 3 lz4, 4 zstd.
 */
#ifndef FJORD_COMPRESS_H
#define FJORD_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "fjord.h"

/* 1 if codec can be compressed and decompressed here (none, gzip, snappy,
 * lz4, zstd). */
int compress_codec_supported(int codec);

/*
 * Compresses in_len bytes with codec at level (-1: the codec's default;
 * otherwise clamped to the codec's range). Returns 0,
 * FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE (unknown, or none),
 * FJORD_ERR__FAIL (out of memory or a library error); *errmsg (may be NULL)
 * gets a static reason.
 */
fjord_err_t compress_data(int codec, int level, const void *in, size_t in_len, uint8_t **bufp,
                          size_t *capp, size_t *lenp, const char **errmsg);

/*
 * Decompresses one complete compressed blob. Returns 0,
 * FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE, FJORD_ERR__BAD_COMPRESSION
 * (corrupt, truncated, or more than max_out bytes), FJORD_ERR__FAIL (out of
 * memory).
 */
fjord_err_t decompress_data(int codec, const void *in, size_t in_len, size_t max_out,
                            uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg);

#endif /* FJORD_COMPRESS_H */
