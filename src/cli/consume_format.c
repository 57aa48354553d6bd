/*
 * consume_format.c — prints one consumed record in the form `fjord consume`
 * was asked for. Three forms, compared with Kafka's tools:
 *
 *   text (default): tab-separated columns, each only when asked for:
 *       [CreateTime:MS | LogAppendTime:MS | NO_TIMESTAMP]   --print-timestamp
 *       [partition:offset]                                 --print-offset
 *       [k1:v1,k2:v2 | NO_HEADERS]                         --print-headers
 *       [key]                                              --print-key
 *       value
 *     as kafka-console-consumer's print.timestamp / print.headers print
 *     them. A null key or value prints as nothing, as kcat prints it; a
 *     header with a null value prints its name alone (no ':').
 *   json: one object per line {topic, partition, offset, timestamp, key,
 *     value, headers:[{key, value}]}; null keys, values and header values are
 *     JSON null. Without --encoding base64 a record that is not valid UTF-8
 *     cannot be JSON text: an error naming the record (never mangled).
 *   -F FORMAT: kcat's format strings (CONSUME_FORMAT_TOKENS). %k and %s of a
 *     null key/value print nothing; %K and %S print -1 for them (kcat's
 *     sizes), so a tombstone is told from an empty value. %h prints
 *     k1=v1,k2=v2 (a null header value: the name alone, no '=').
 *
 * --encoding base64 applies to keys, values and header values in every form.
 * Main thread only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/consume_format.h"

int consume_format_check(const char *fmt, char *errstr, size_t errstr_size)
{
	const char *p;

	for (p = fmt; *p; p++) {
		if (*p == '%') {
			if (!p[1] || !strchr("tpokKsSTh%", p[1])) {
				snprintf(errstr, errstr_size,
				         "unknown format token '%%%.1s' (known: %s)", p + 1,
				         CONSUME_FORMAT_TOKENS);
				return -1;
			}
			p++;
		} else if (*p == '\\') {
			if (!p[1] || !strchr("ntr\\", p[1])) {
				snprintf(errstr, errstr_size,
				         "unknown escape '\\%.1s' (known: \\n \\t \\r \\\\)",
				         p + 1);
				return -1;
			}
			p++;
		}
	}
	return 0;
}

/* Writes bytes raw or in base64; nothing for NULL. Returns 0 or -1 (memory). */
static int consume_format_bytes(FILE *out, const void *p, size_t len, int base64)
{
	char *b;

	if (!p)
		return 0;
	if (!base64) {
		fwrite(p, 1, len, out);
		return 0;
	}
	b = cli_base64_encode(p, len);
	if (!b)
		return -1;
	fputs(b, out);
	free(b);
	return 0;
}

/* Writes the headers as name<sep>value joined by ','; a null value prints
 * the name alone. Returns 0 or -1 (memory). */
static int consume_format_headers(FILE *out, const fjord_message_t *m, char sep, int base64)
{
	size_t i;

	for (i = 0; i < m->header_cnt; i++) {
		if (i)
			fputc(',', out);
		fputs(m->headers[i].name, out);
		if (!m->headers[i].value)
			continue;
		fputc(sep, out);
		if (consume_format_bytes(out, m->headers[i].value, m->headers[i].value_len,
		                         base64) < 0)
			return -1;
	}
	return 0;
}

/* -F: the format string was checked by consume_format_check(). */
static int consume_format_fmt(const struct consume_format *f, const fjord_message_t *m, FILE *out)
{
	const char *p;

	for (p = f->fmt; *p; p++) {
		if (*p == '\\') {
			p++;
			fputc(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : '\\', out);
			continue;
		}
		if (*p != '%') {
			fputc(*p, out);
			continue;
		}
		switch (*++p) {
		case 't':
			fputs(m->topic ? m->topic : "", out);
			break;
		case 'p':
			fprintf(out, "%d", (int)m->partition);
			break;
		case 'o':
			fprintf(out, "%lld", (long long)m->offset);
			break;
		case 'T':
			fprintf(out, "%lld", (long long)m->timestamp);
			break;
		case 'k':
			if (consume_format_bytes(out, m->key, m->key_len, f->base64) < 0)
				return -1;
			break;
		case 's':
			if (consume_format_bytes(out, m->value, m->value_len, f->base64) < 0)
				return -1;
			break;
		case 'K':
			fprintf(out, "%lld", m->key ? (long long)m->key_len : -1LL);
			break;
		case 'S':
			fprintf(out, "%lld", m->value ? (long long)m->value_len : -1LL);
			break;
		case 'h':
			if (consume_format_headers(out, m, '=', f->base64) < 0)
				return -1;
			break;
		default: /* '%' */
			fputc('%', out);
			break;
		}
	}
	return 0;
}

static int consume_format_text(const struct consume_format *f, const fjord_message_t *m, FILE *out)
{
	if (f->print_timestamp) {
		if (m->timestamp < 0)
			fputs("NO_TIMESTAMP\t", out);
		else
			fprintf(out, "%s:%lld\t",
			        m->timestamp_type == FJORD_TIMESTAMP_LOG_APPEND_TIME
			            ? "LogAppendTime"
			            : "CreateTime",
			        (long long)m->timestamp);
	}
	if (f->print_offset)
		fprintf(out, "%d:%lld\t", (int)m->partition, (long long)m->offset);
	if (f->print_headers) {
		if (!m->header_cnt)
			fputs("NO_HEADERS", out);
		else if (consume_format_headers(out, m, ':', f->base64) < 0)
			return -1;
		fputc('\t', out);
	}
	if (f->print_key) {
		if (consume_format_bytes(out, m->key, m->key_len, f->base64) < 0)
			return -1;
		fputc('\t', out);
	}
	if (consume_format_bytes(out, m->value, m->value_len, f->base64) < 0)
		return -1;
	fputc('\n', out);
	return 0;
}

/* JSON string for bytes (base64 or UTF-8), JSON null for NULL. Sets *bad
 * when the bytes are not valid UTF-8 (returns NULL then). */
static json_t *consume_format_json_bytes(const void *p, size_t len, int base64, int *bad)
{
	json_t *s;
	char *b;

	if (!p)
		return json_null();
	if (!base64) {
		s = json_stringn(p, len);
		if (!s)
			*bad = 1;
		return s;
	}
	b = cli_base64_encode(p, len);
	if (!b)
		return NULL;
	s = json_string(b);
	free(b);
	return s;
}

/* Returns 0, 1 when the record is not valid UTF-8 (printed), -1 (memory). */
static int consume_format_json(const struct consume_format *f, const fjord_message_t *m, FILE *out)
{
	json_t *obj, *hdrs;
	int bad = 0;
	size_t i;

	obj = json_object();
	if (!obj)
		return -1;
	json_object_set_new(obj, "topic", json_string(m->topic ? m->topic : ""));
	json_object_set_new(obj, "partition", json_integer(m->partition));
	json_object_set_new(obj, "offset", json_integer(m->offset));
	json_object_set_new(obj, "timestamp", json_integer(m->timestamp));
	json_object_set_new(obj, "key",
	                    consume_format_json_bytes(m->key, m->key_len, f->base64, &bad));
	json_object_set_new(obj, "value",
	                    consume_format_json_bytes(m->value, m->value_len, f->base64, &bad));
	hdrs = json_array();
	for (i = 0; i < m->header_cnt; i++) {
		json_t *h = json_object(), *name = json_string(m->headers[i].name);

		if (!name)
			bad = 1; /* header name not UTF-8 */
		json_object_set_new(h, "key", name);
		json_object_set_new(h, "value",
		                    consume_format_json_bytes(m->headers[i].value,
		                                              m->headers[i].value_len, f->base64,
		                                              &bad));
		json_array_append_new(hdrs, h);
	}
	json_object_set_new(obj, "headers", hdrs);
	if (bad) {
		json_decref(obj);
		fprintf(stderr,
		        "fjord consume: record %s [%d] offset %lld is not valid UTF-8 and cannot "
		        "be printed as JSON text; use --encoding base64\n",
		        m->topic ? m->topic : "", (int)m->partition, (long long)m->offset);
		return 1;
	}
	return cli_json_print(obj, 0, out) < 0 ? -1 : 0;
}

int consume_format_print(const struct consume_format *f, const fjord_message_t *m, FILE *out)
{
	int rc;

	if (f->fmt)
		rc = consume_format_fmt(f, m, out);
	else if (f->format == CLI_FORMAT_JSON)
		rc = consume_format_json(f, m, out);
	else
		rc = consume_format_text(f, m, out);
	if (rc > 0)
		return -1;
	if (rc < 0)
		fprintf(stderr,
		        "fjord consume: cannot format record %s [%d] offset %lld (out of memory)\n",
		        m->topic ? m->topic : "", (int)m->partition, (long long)m->offset);
	return rc;
}
