/*
 * encoding.c — base64 (RFC 4648, standard alphabet) for `--encoding base64`,
 * so binary keys and values round-trip through produce and consume (none of
 * the project's libraries offers it).
 *
 * Encoding always pads. Decoding accepts padded or unpadded input, rejects any
 * character outside the alphabet, misplaced '=' and impossible lengths; it
 * never reads past slen. Results are malloc'd and owned by the caller.
 * Pure functions, any thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char encoding_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cli_base64_encode(const void *src, size_t len)
{
	const unsigned char *in = src;
	size_t olen = 4 * ((len + 2) / 3);
	char *out = malloc(olen + 1);
	size_t i, o = 0;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = encoding_alphabet[(v >> 18) & 63];
		out[o++] = encoding_alphabet[(v >> 12) & 63];
		out[o++] = encoding_alphabet[(v >> 6) & 63];
		out[o++] = encoding_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = encoding_alphabet[(v >> 18) & 63];
		out[o++] = encoding_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? encoding_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int encoding_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int cli_base64_decode(const char *src, size_t slen, unsigned char **outp, size_t *outlenp)
{
	unsigned char *out = NULL;
	size_t data_len = slen, i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	/* Strip up to two '=' of padding; padding is only valid on a full quad. */
	if (slen >= 1 && src[slen - 1] == '=') {
		if (slen % 4)
			return -1;
		data_len--;
		if (slen >= 2 && src[slen - 2] == '=')
			data_len--;
	}
	if (data_len % 4 == 1)
		return -1;
	out = malloc(data_len / 4 * 3 + 3);
	if (!out)
		return -1;
	for (i = 0; i < data_len; i++) {
		int v = encoding_value(src[i]);

		if (v < 0)
			goto fail;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero in canonical base64. */
	if (acc)
		goto fail;
	*outp = out;
	*outlenp = o;
	return 0;
fail:
	free(out);
	return -1;
}
