/*
 * compress.c — gzip, snappy, LZ4 frame and zstd for record batches.
 *
 * Every codec compresses a whole batch's records in one call (the builder
 * has them all in memory), and decompresses into a growable buffer:
 * output space starts near a guess and doubles, never beyond max_out + 1
 * bytes; producing that extra byte is how a stream longer than max_out is
 * detected, so data of exactly max_out bytes still succeeds.
 *
 * Contexts (z_streams, ZSTD_CCtx/DCtx, LZ4F_dctx) are expensive to set up,
 * so each thread keeps its own in a compress_tls record, created on first
 * use and freed by a pthread key destructor at thread exit. A context that
 * saw an error is reset (zlib, zstd) or recreated (LZ4F) before reuse.
 *
 * Wire formats, as Kafka's clients write them: gzip is RFC 1952 (zlib with
 * windowBits 15+16; concatenated members are accepted); LZ4 is the LZ4
 * frame format with 64 KiB independent blocks; zstd is a standard zstd
 * frame with the content size in its header. Snappy is written raw (one
 * snappy block for the whole blob, as librdkafka writes it) and read in
 * either framing Kafka clients use: raw, or the xerial/snappy-java framing of
 * the Java client (a 16-byte header: the magic 0x82 "SNAPPY" 0x00, an int32
 * version and an int32 compatible version, then blocks of a big-endian int32
 * length and a raw snappy block). Snappy needs no context: its blocks carry
 * their uncompressed length up front, which is checked against max_out
 * before any output space is allocated.
 */
#include "common/compress.h"

#include <lz4frame.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "common/bytes.h"
#include "common/record_batch.h"

typedef struct compress_tls {
	z_stream def;
	int def_init, def_level;
	z_stream inf;
	int inf_init;
	ZSTD_CCtx *zcctx;
	ZSTD_DCtx *zdctx;
	LZ4F_dctx *lz4dctx;
} compress_tls_t;

static pthread_key_t compress_key;
static pthread_once_t compress_once = PTHREAD_ONCE_INIT;
static int compress_key_ok;

static void compress_tls_free(void *arg)
{
	compress_tls_t *t = arg;

	if (!t)
		return;
	if (t->def_init)
		deflateEnd(&t->def);
	if (t->inf_init)
		inflateEnd(&t->inf);
	ZSTD_freeCCtx(t->zcctx);
	ZSTD_freeDCtx(t->zdctx);
	if (t->lz4dctx)
		LZ4F_freeDecompressionContext(t->lz4dctx);
	free(t);
}

static void compress_key_init(void)
{
	compress_key_ok = pthread_key_create(&compress_key, compress_tls_free) == 0;
}

static compress_tls_t *compress_tls_get(void)
{
	compress_tls_t *t;

	pthread_once(&compress_once, compress_key_init);
	if (!compress_key_ok)
		return NULL;
	t = pthread_getspecific(compress_key);
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (pthread_setspecific(compress_key, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* Makes room for `need` bytes in total (exactly: the callers choose the
 * geometric growth, so the limit of a decompression is never overshot). */
static int compress_reserve(uint8_t **bufp, size_t *capp, size_t need)
{
	uint8_t *nb;

	if (need <= *capp)
		return 0;
	nb = realloc(*bufp, need);
	if (!nb)
		return -1;
	*bufp = nb;
	*capp = need;
	return 0;
}

/* Next output window for a decompressor: grows the buffer so that it holds
 * more free space, but never more than start + max_out + 1 in total.
 * Returns 0, or -1 (no memory), or 1 (the limit is already reached). */
static int compress_grow_out(uint8_t **bufp, size_t *capp, size_t used, size_t start,
                             size_t max_out, size_t guess)
{
	size_t limit = start + max_out + 1;
	size_t want;

	if (used >= limit)
		return 1;
	if (*capp > used)
		return 0; /* free space left */
	want = (*capp) * 2;
	if (guess < 4096)
		guess = 4096;
	if (want < used + guess)
		want = used + guess;
	if (want > limit)
		want = limit;
	return compress_reserve(bufp, capp, want);
}

int compress_codec_supported(int codec)
{
	return codec == RB_CODEC_NONE || codec == RB_CODEC_GZIP || codec == RB_CODEC_SNAPPY ||
	       codec == RB_CODEC_LZ4 || codec == RB_CODEC_ZSTD;
}

/* ------------------------------------------------------------ gzip */

static fjord_err_t compress_gzip(compress_tls_t *t, int level, const void *in, size_t in_len,
                                 uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg)
{
	if (level < 0 || level > 9)
		level = level < 0 ? Z_DEFAULT_COMPRESSION : 9;
	if (t->def_init && t->def_level != level) {
		deflateEnd(&t->def);
		t->def_init = 0;
	}
	if (!t->def_init) {
		memset(&t->def, 0, sizeof(t->def));
		if (deflateInit2(&t->def, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
		    Z_OK) {
			*errmsg = "gzip: deflateInit2 failed";
			return FJORD_ERR__FAIL;
		}
		t->def_init = 1;
		t->def_level = level;
	} else {
		deflateReset(&t->def);
	}
	if (in_len > UINT_MAX) {
		*errmsg = "gzip: input too large";
		return FJORD_ERR__FAIL;
	}
	size_t bound = deflateBound(&t->def, (uLong)in_len);
	if (compress_reserve(bufp, capp, *lenp + bound) < 0) {
		*errmsg = "out of memory";
		return FJORD_ERR__FAIL;
	}
	t->def.next_in = (Bytef *)(uintptr_t)in;
	t->def.avail_in = (uInt)in_len;
	t->def.next_out = *bufp + *lenp;
	t->def.avail_out = (uInt)(bound > UINT_MAX ? UINT_MAX : bound);
	if (deflate(&t->def, Z_FINISH) != Z_STREAM_END) {
		*errmsg = "gzip: deflate did not finish";
		return FJORD_ERR__FAIL;
	}
	*lenp += t->def.total_out;
	return FJORD_ERR_NO_ERROR;
}

static fjord_err_t decompress_gzip(compress_tls_t *t, const void *in, size_t in_len, size_t max_out,
                                   uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg)
{
	size_t start = *lenp, used = *lenp;
	int zr;

	if (!t->inf_init) {
		memset(&t->inf, 0, sizeof(t->inf));
		if (inflateInit2(&t->inf, 15 + 16) != Z_OK) {
			*errmsg = "gzip: inflateInit2 failed";
			return FJORD_ERR__FAIL;
		}
		t->inf_init = 1;
	} else {
		inflateReset(&t->inf);
	}
	if (in_len > UINT_MAX) {
		*errmsg = "gzip: input too large";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	t->inf.next_in = (Bytef *)(uintptr_t)in;
	t->inf.avail_in = (uInt)in_len;
	for (;;) {
		int g = compress_grow_out(bufp, capp, used, start, max_out, in_len * 4);
		if (g < 0) {
			*errmsg = "out of memory";
			return FJORD_ERR__FAIL;
		}
		if (g > 0) {
			*errmsg = "gzip: decompressed size exceeds the limit";
			return FJORD_ERR__BAD_COMPRESSION;
		}
		size_t room = *capp - used;
		if (room > start + max_out + 1 - used)
			room = start + max_out + 1 - used;
		if (room > UINT_MAX)
			room = UINT_MAX;
		t->inf.next_out = *bufp + used;
		t->inf.avail_out = (uInt)room;
		zr = inflate(&t->inf, Z_NO_FLUSH);
		used += room - t->inf.avail_out;
		if (zr == Z_STREAM_END) {
			if (t->inf.avail_in == 0)
				break;
			inflateReset(&t->inf); /* another gzip member follows */
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && t->inf.avail_out == 0)
			continue; /* output full: grow */
		*errmsg = zr == Z_BUF_ERROR ? "gzip: truncated stream" : "gzip: corrupt stream";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	if (used - start > max_out) {
		*errmsg = "gzip: decompressed size exceeds the limit";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	*lenp = used;
	return FJORD_ERR_NO_ERROR;
}

/* ------------------------------------------------------------ snappy */

/* The xerial framing: 8 bytes of magic, int32 version, int32 compatible
 * version, then (int32 length, raw snappy block)*. */
static const uint8_t compress_xerial_magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };
#define COMPRESS_XERIAL_HEADER 16

static fjord_err_t compress_snappy(const void *in, size_t in_len, uint8_t **bufp, size_t *capp,
                                   size_t *lenp, const char **errmsg)
{
	size_t bound = snappy_max_compressed_length(in_len);
	size_t n = bound;

	if (compress_reserve(bufp, capp, *lenp + bound) < 0) {
		*errmsg = "out of memory";
		return FJORD_ERR__FAIL;
	}
	if (snappy_compress(in, in_len, (char *)*bufp + *lenp, &n) != SNAPPY_OK) {
		*errmsg = "snappy: compression failed";
		return FJORD_ERR__FAIL;
	}
	*lenp += n;
	return FJORD_ERR_NO_ERROR;
}

/* Appends one raw snappy block, at most `room` bytes of output (the budget
 * left under max_out). The block's stated length is checked against room
 * before the buffer grows, so a corrupt or hostile length never allocates. */
static fjord_err_t decompress_snappy_block(const uint8_t *in, size_t in_len, size_t room,
                                           uint8_t **bufp, size_t *capp, size_t *lenp,
                                           const char **errmsg)
{
	size_t ulen, n;

	if (snappy_uncompressed_length((const char *)in, in_len, &ulen) != SNAPPY_OK) {
		*errmsg = "snappy: corrupt block length";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	if (ulen > room) {
		*errmsg = "snappy: decompressed size exceeds the limit";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	if (ulen == 0) {
		/* Nothing to write (and *bufp may still be NULL). */
		if (snappy_validate_compressed_buffer((const char *)in, in_len) != SNAPPY_OK) {
			*errmsg = "snappy: corrupt block";
			return FJORD_ERR__BAD_COMPRESSION;
		}
		return FJORD_ERR_NO_ERROR;
	}
	if (*lenp + ulen > *capp) {
		/* Geometric growth, capped at what this block needs beyond the
		 * doubled capacity: a reused buffer settles at its largest use. */
		size_t want = *capp * 2;
		if (want < *lenp + ulen)
			want = *lenp + ulen;
		if (compress_reserve(bufp, capp, want) < 0) {
			*errmsg = "out of memory";
			return FJORD_ERR__FAIL;
		}
	}
	n = ulen;
	if (snappy_uncompress((const char *)in, in_len, (char *)*bufp + *lenp, &n) != SNAPPY_OK ||
	    n != ulen) {
		*errmsg = "snappy: corrupt or truncated block";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	*lenp += n;
	return FJORD_ERR_NO_ERROR;
}

static fjord_err_t decompress_snappy(const void *in, size_t in_len, size_t max_out, uint8_t **bufp,
                                     size_t *capp, size_t *lenp, const char **errmsg)
{
	const uint8_t *src = in;
	size_t start = *lenp, pos;
	fjord_err_t err;

	if (in_len < COMPRESS_XERIAL_HEADER ||
	    memcmp(src, compress_xerial_magic, sizeof(compress_xerial_magic)) != 0)
		return decompress_snappy_block(src, in_len, max_out, bufp, capp, lenp, errmsg);

	/* xerial: the two version fields are not checked (snappy-java writes
	 * 1 and 1 and no other value has ever been defined), the blocks are. */
	for (pos = COMPRESS_XERIAL_HEADER; pos < in_len;) {
		if (in_len - pos < 4) {
			*errmsg = "snappy: truncated xerial block length";
			return FJORD_ERR__BAD_COMPRESSION;
		}
		uint32_t blen = be32_read(src + pos);
		pos += 4;
		if (blen > in_len - pos) {
			*errmsg = "snappy: xerial block runs past the data";
			return FJORD_ERR__BAD_COMPRESSION;
		}
		err = decompress_snappy_block(src + pos, blen, max_out - (*lenp - start), bufp,
		                              capp, lenp, errmsg);
		if (err)
			return err;
		pos += blen;
	}
	return FJORD_ERR_NO_ERROR;
}

/* ------------------------------------------------------------ lz4 */

static fjord_err_t compress_lz4(int level, const void *in, size_t in_len, uint8_t **bufp,
                                size_t *capp, size_t *lenp, const char **errmsg)
{
	LZ4F_preferences_t prefs;

	memset(&prefs, 0, sizeof(prefs));
	prefs.frameInfo.blockSizeID = LZ4F_max64KB;
	prefs.frameInfo.blockMode = LZ4F_blockIndependent;
	prefs.frameInfo.contentSize = in_len;
	prefs.compressionLevel = level < 0 ? 0 : (level > 12 ? 12 : level);

	size_t bound = LZ4F_compressFrameBound(in_len, &prefs);
	if (compress_reserve(bufp, capp, *lenp + bound) < 0) {
		*errmsg = "out of memory";
		return FJORD_ERR__FAIL;
	}
	size_t n = LZ4F_compressFrame(*bufp + *lenp, bound, in, in_len, &prefs);
	if (LZ4F_isError(n)) {
		*errmsg = "lz4: compression failed";
		return FJORD_ERR__FAIL;
	}
	*lenp += n;
	return FJORD_ERR_NO_ERROR;
}

static fjord_err_t decompress_lz4(compress_tls_t *t, const void *in, size_t in_len, size_t max_out,
                                  uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg)
{
	const uint8_t *src = in;
	size_t start = *lenp, used = *lenp, consumed = 0;
	size_t hint = 1;
	fjord_err_t err = FJORD_ERR_NO_ERROR;

	if (!t->lz4dctx &&
	    LZ4F_isError(LZ4F_createDecompressionContext(&t->lz4dctx, LZ4F_VERSION))) {
		t->lz4dctx = NULL;
		*errmsg = "lz4: cannot create context";
		return FJORD_ERR__FAIL;
	}
	while (consumed < in_len) {
		int g = compress_grow_out(bufp, capp, used, start, max_out, in_len * 4);
		if (g < 0) {
			*errmsg = "out of memory";
			err = FJORD_ERR__FAIL;
			goto out;
		}
		if (g > 0) {
			*errmsg = "lz4: decompressed size exceeds the limit";
			err = FJORD_ERR__BAD_COMPRESSION;
			goto out;
		}
		size_t room = *capp - used;
		if (room > start + max_out + 1 - used)
			room = start + max_out + 1 - used;
		size_t src_sz = in_len - consumed;
		hint =
		    LZ4F_decompress(t->lz4dctx, *bufp + used, &room, src + consumed, &src_sz, NULL);
		if (LZ4F_isError(hint)) {
			*errmsg = "lz4: corrupt frame";
			err = FJORD_ERR__BAD_COMPRESSION;
			goto out;
		}
		used += room;
		consumed += src_sz;
		if (room == 0 && src_sz == 0 && *capp > used) {
			/* No progress despite input and output space: never spin. */
			*errmsg = "lz4: decoder made no progress";
			err = FJORD_ERR__BAD_COMPRESSION;
			goto out;
		}
	}
	/* Drain output still buffered inside the context. */
	while (hint != 0) {
		int g = compress_grow_out(bufp, capp, used, start, max_out, 4096);
		if (g != 0) {
			*errmsg =
			    g < 0 ? "out of memory" : "lz4: decompressed size exceeds the limit";
			err = g < 0 ? FJORD_ERR__FAIL : FJORD_ERR__BAD_COMPRESSION;
			goto out;
		}
		size_t room = *capp - used;
		if (room > start + max_out + 1 - used)
			room = start + max_out + 1 - used;
		size_t src_sz = 0;
		hint =
		    LZ4F_decompress(t->lz4dctx, *bufp + used, &room, src + in_len, &src_sz, NULL);
		if (LZ4F_isError(hint)) {
			*errmsg = "lz4: corrupt frame";
			err = FJORD_ERR__BAD_COMPRESSION;
			goto out;
		}
		used += room;
		if (room == 0 && hint != 0) {
			*errmsg = "lz4: truncated frame";
			err = FJORD_ERR__BAD_COMPRESSION;
			goto out;
		}
	}
	if (used - start > max_out) {
		*errmsg = "lz4: decompressed size exceeds the limit";
		err = FJORD_ERR__BAD_COMPRESSION;
		goto out;
	}
	*lenp = used;
out:
	if (err) {
		/* The context's state is unknown after an error: start afresh. */
		LZ4F_freeDecompressionContext(t->lz4dctx);
		t->lz4dctx = NULL;
	}
	return err;
}

/* ------------------------------------------------------------ zstd */

static fjord_err_t compress_zstd(compress_tls_t *t, int level, const void *in, size_t in_len,
                                 uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg)
{
	if (!t->zcctx && !(t->zcctx = ZSTD_createCCtx())) {
		*errmsg = "zstd: cannot create context";
		return FJORD_ERR__FAIL;
	}
	if (level < 0)
		level = ZSTD_CLEVEL_DEFAULT;
	if (level > ZSTD_maxCLevel())
		level = ZSTD_maxCLevel();
	size_t bound = ZSTD_compressBound(in_len);
	if (compress_reserve(bufp, capp, *lenp + bound) < 0) {
		*errmsg = "out of memory";
		return FJORD_ERR__FAIL;
	}
	size_t n = ZSTD_compressCCtx(t->zcctx, *bufp + *lenp, bound, in, in_len, level);
	if (ZSTD_isError(n)) {
		*errmsg = "zstd: compression failed";
		return FJORD_ERR__FAIL;
	}
	*lenp += n;
	return FJORD_ERR_NO_ERROR;
}

static fjord_err_t decompress_zstd(compress_tls_t *t, const void *in, size_t in_len, size_t max_out,
                                   uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg)
{
	size_t start = *lenp, used = *lenp;
	unsigned long long csize;
	size_t zr = 1;

	if (!t->zdctx && !(t->zdctx = ZSTD_createDCtx())) {
		*errmsg = "zstd: cannot create context";
		return FJORD_ERR__FAIL;
	}
	csize = ZSTD_getFrameContentSize(in, in_len);
	if (csize == ZSTD_CONTENTSIZE_ERROR) {
		*errmsg = "zstd: not a zstd frame";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	if (csize != ZSTD_CONTENTSIZE_UNKNOWN && csize > max_out) {
		*errmsg = "zstd: decompressed size exceeds the limit";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	/* Size the first window from the header when it is there; the stream
	 * loop below also covers frames without a size and several frames. */
	size_t guess = csize != ZSTD_CONTENTSIZE_UNKNOWN ? (size_t)csize + 1 : in_len * 4;
	ZSTD_DCtx_reset(t->zdctx, ZSTD_reset_session_only);
	ZSTD_inBuffer zin = { in, in_len, 0 };
	for (;;) {
		int g = compress_grow_out(bufp, capp, used, start, max_out, guess);
		if (g != 0) {
			*errmsg =
			    g < 0 ? "out of memory" : "zstd: decompressed size exceeds the limit";
			return g < 0 ? FJORD_ERR__FAIL : FJORD_ERR__BAD_COMPRESSION;
		}
		size_t room = *capp - used;
		if (room > start + max_out + 1 - used)
			room = start + max_out + 1 - used;
		ZSTD_outBuffer zout = { *bufp + used, room, 0 };
		zr = ZSTD_decompressStream(t->zdctx, &zout, &zin);
		used += zout.pos;
		if (ZSTD_isError(zr)) {
			*errmsg = "zstd: corrupt frame";
			ZSTD_DCtx_reset(t->zdctx, ZSTD_reset_session_only);
			return FJORD_ERR__BAD_COMPRESSION;
		}
		if (zr == 0 && zin.pos == zin.size)
			break; /* last frame complete, input used up */
		if (zin.pos == zin.size && zout.pos < zout.size) {
			*errmsg = "zstd: truncated frame";
			ZSTD_DCtx_reset(t->zdctx, ZSTD_reset_session_only);
			return FJORD_ERR__BAD_COMPRESSION;
		}
	}
	if (used - start > max_out) {
		*errmsg = "zstd: decompressed size exceeds the limit";
		return FJORD_ERR__BAD_COMPRESSION;
	}
	*lenp = used;
	return FJORD_ERR_NO_ERROR;
}

/* ------------------------------------------------------------ dispatch */

static const char *compress_refusal(int codec)
{
	if (codec == RB_CODEC_NONE)
		return "codec 'none' has nothing to compress";
	return "unknown compression codec";
}

/* Both directions: decompress when unpack, else compress (max_out unused). */
static fjord_err_t compress_run(int codec, int unpack, int level, size_t max_out, const void *in,
                                size_t in_len, uint8_t **bufp, size_t *capp, size_t *lenp,
                                const char **errmsg)
{
	const char *msg = NULL;
	size_t len0 = *lenp;
	compress_tls_t *t = compress_tls_get();
	fjord_err_t err;

	if (!t) {
		msg = "out of memory";
		err = FJORD_ERR__FAIL;
		goto out;
	}
	switch (codec) {
	case RB_CODEC_GZIP:
		err = unpack ? decompress_gzip(t, in, in_len, max_out, bufp, capp, lenp, &msg)
		             : compress_gzip(t, level, in, in_len, bufp, capp, lenp, &msg);
		break;
	case RB_CODEC_SNAPPY:
		err = unpack ? decompress_snappy(in, in_len, max_out, bufp, capp, lenp, &msg)
		             : compress_snappy(in, in_len, bufp, capp, lenp, &msg);
		break;
	case RB_CODEC_LZ4:
		err = unpack ? decompress_lz4(t, in, in_len, max_out, bufp, capp, lenp, &msg)
		             : compress_lz4(level, in, in_len, bufp, capp, lenp, &msg);
		break;
	case RB_CODEC_ZSTD:
		err = unpack ? decompress_zstd(t, in, in_len, max_out, bufp, capp, lenp, &msg)
		             : compress_zstd(t, level, in, in_len, bufp, capp, lenp, &msg);
		break;
	default:
		msg = compress_refusal(codec);
		err = FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE;
		break;
	}
out:
	if (err)
		*lenp = len0;
	if (errmsg)
		*errmsg = msg;
	return err;
}

fjord_err_t compress_data(int codec, int level, const void *in, size_t in_len, uint8_t **bufp,
                          size_t *capp, size_t *lenp, const char **errmsg)
{
	return compress_run(codec, 0, level, 0, in, in_len, bufp, capp, lenp, errmsg);
}

fjord_err_t decompress_data(int codec, const void *in, size_t in_len, size_t max_out,
                            uint8_t **bufp, size_t *capp, size_t *lenp, const char **errmsg)
{
	return compress_run(codec, 1, 0, max_out, in, in_len, bufp, capp, lenp, errmsg);
}
