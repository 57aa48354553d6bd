/*
 * fuzz_frame_request — the bytes a client sends a broker, read as the
 * broker reads them (src/broker/conn.c): frames cut with frame_parse(),
 * each header unpacked with fjord__request__unpack(), then the checks a
 * request passes before its handler runs (api_check(), src/broker/api.c)
 * and, for a produce whose records_len add up to its payload, the batch
 * validation plog_append() starts with (rb_iter with CRC checks over each
 * partition's bytes).
 *
 * The input is a connection's byte stream: frames follow one another until
 * one is refused or incomplete. Properties checked besides "no crash, no
 * leak, no undefined behaviour":
 *   - frame_parse is resumable: every shorter prefix of a frame it accepts
 *     answers FRAME_AGAIN, and a refused prefix is refused from its first 8
 *     bytes on;
 *   - a decoded header without unknown fields packs again, and that
 *     encoding unpacks and packs to the same bytes (protobuf-c's generated
 *     code and runtime agree);
 *   - api_check accepts only a body matching the api key at a supported
 *     version, and names the row it accepted.
 *
 * FUZZ_OPTIONS: -max_len=65536
 * FUZZ_SOURCES: src/common/frame.c src/broker/api.c src/common/record_batch.c
 * FUZZ_SOURCES: proto/fjord.pb-c.c protobuf-c.c
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/api.h"
#include "common/frame.h"
#include "common/record_batch.h"
#include "fjord.pb-c.h"
#include "support.h"

/* socket.request.max.bytes' default (src/broker/broker_conf.c). */
#define FUZZ_MAX_FRAME (100u * 1024 * 1024)

/* frame_parse on shorter views of a frame it accepted whole. */
static void fuzz_frame_prefixes(const uint8_t *buf, const frame_t *whole)
{
	size_t cuts[] = { 0, 1, 3, 4, 7, 8, whole->total_len / 2, whole->total_len - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		frame_t f;
		const char *msg = NULL;
		size_t n = cuts[i];

		if (n >= whole->total_len)
			continue;
		frame_status_t st = frame_parse(buf, n, FUZZ_MAX_FRAME, &f, &msg);
		FUZZ_CHECK(st == FRAME_AGAIN, "prefix of %zu of a %zu-byte frame: status %d (%s)",
		           n, whole->total_len, (int)st, msg ? msg : "");
		if (n >= FRAME_PREFIX_SIZE)
			FUZZ_CHECK(f.total_len == whole->total_len &&
			               f.payload_off == whole->payload_off &&
			               f.payload_len == whole->payload_len,
			           "prefix of %zu bytes reads another frame layout", n);
	}
}

/* 1 when m or a message inside it kept unknown fields. */
static int fuzz_has_unknown(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (m->n_unknown_fields)
		return 1;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(const void *)(base + f->quantifier_offset);
			ProtobufCMessage *const *v =
			    *(ProtobufCMessage *const *const *)(const void *)(base + f->offset);
			for (size_t j = 0; j < n; j++)
				if (fuzz_has_unknown(v[j]))
					return 1;
		} else {
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(const uint32_t *)(const void *)(base + f->quantifier_offset) != f->id)
				continue;
			const ProtobufCMessage *sub =
			    *(const ProtobufCMessage *const *)(const void *)(base + f->offset);
			if (sub && fuzz_has_unknown(sub))
				return 1;
		}
	}
	return 0;
}

/* Packs req, unpacks that and packs again: the two encodings agree. A
 * request holding unknown fields is left out: protobuf-c 1.4 keeps and
 * re-emits an unknown field numbered 0 when its tag came as a two-byte
 * varint, and refuses it as one byte on the next unpack (the broker never
 * packs a request; the SDK packs only its own). */
static void fuzz_request_repack(const Fjord__Request *req)
{
	if (fuzz_has_unknown(&req->base))
		return;
	size_t n1 = fjord__request__get_packed_size(req);
	uint8_t *b1 = malloc(n1 ? n1 : 1);
	FUZZ_CHECK(b1 != NULL, "out of memory");
	FUZZ_CHECK(fjord__request__pack(req, b1) == n1, "pack wrote another size than announced");
	Fjord__Request *again = fjord__request__unpack(NULL, n1, b1);
	FUZZ_CHECK(again != NULL, "a packed request (%zu bytes) does not unpack", n1);
	size_t n2 = fjord__request__get_packed_size(again);
	uint8_t *b2 = malloc(n2 ? n2 : 1);
	FUZZ_CHECK(b2 != NULL, "out of memory");
	fjord__request__pack(again, b2);
	FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0, "re-encoding differs (%zu bytes, then %zu)",
	           n1, n2);
	FUZZ_CHECK(again->api == req->api && again->body_case == req->body_case &&
	               again->correlation_id == req->correlation_id,
	           "round trip changed the envelope");
	fjord__request__free_unpacked(again, NULL);
	free(b1);
	free(b2);
}

/* What handle_produce does with the payload before the log is involved:
 * the partitions' records_len must add up to it; then each partition's
 * bytes are validated batch by batch, as plog_append does first. */
static void fuzz_produce_payload(const Fjord__ProduceRequest *pr, const uint8_t *payload,
                                 size_t payload_len)
{
	uint64_t sum = 0;
	size_t off = 0;

	for (size_t i = 0; i < pr->n_topics; i++)
		for (size_t j = 0; j < pr->topics[i]->n_partitions; j++)
			sum += pr->topics[i]->partitions[j]->records_len;
	if (sum != payload_len)
		return; /* INVALID_REQUEST, nothing appended */
	for (size_t i = 0; i < pr->n_topics; i++) {
		for (size_t j = 0; j < pr->topics[i]->n_partitions; j++) {
			size_t len = pr->topics[i]->partitions[j]->records_len;
			rb_iter_t it;
			const uint8_t *batch;
			size_t bsize, seen = 0;
			int r;

			rb_iter_init(&it, payload + off, len, 1, 0);
			while ((r = rb_iter_next(&it, &batch, &bsize)) == 1) {
				FUZZ_CHECK(batch == payload + off + seen &&
				               bsize >= RB_HEADER_SIZE && seen + bsize <= len,
				           "rb_iter handed out a batch outside its buffer");
				FUZZ_CHECK(
				    rb_validate(batch, bsize, NULL) == FJORD_ERR_NO_ERROR,
				    "rb_iter(validate=1) passed a batch rb_validate refuses");
				seen += bsize;
			}
			FUZZ_CHECK(r == -1 || seen == len, "clean end before the end of the data");
			off += len;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	fuzz_init();
	while (off < size) {
		const uint8_t *buf = data + off;
		size_t len = size - off;
		const char *msg = NULL;
		frame_t f;

		frame_status_t st = frame_parse(buf, len, FUZZ_MAX_FRAME, &f, &msg);
		if (st == FRAME_ERROR) {
			FUZZ_CHECK(msg != NULL, "FRAME_ERROR without a reason");
			frame_t g;
			/* Refused from its first 8 bytes already (conn.c relies on it). */
			if (len > FRAME_PREFIX_SIZE)
				FUZZ_CHECK(frame_parse(buf, FRAME_PREFIX_SIZE, FUZZ_MAX_FRAME, &g,
				                       NULL) == FRAME_ERROR,
				           "refused only after its 8-byte prefix");
			break;
		}
		if (st == FRAME_AGAIN)
			break;
		FUZZ_CHECK(f.total_len <= len && f.payload_off + f.payload_len == f.total_len &&
		               f.header_off == FRAME_PREFIX_SIZE,
		           "FRAME_OK with an inconsistent layout");
		fuzz_frame_prefixes(buf, &f);

		Fjord__Request *req =
		    fjord__request__unpack(NULL, f.header_len, buf + f.header_off);
		if (!req)
			break; /* conn.c closes the connection */
		fuzz_request_repack(req);
		const api_def_t *d = NULL;
		const char *why = NULL;
		Fjord__ErrorCode err = api_check(req, &d, &why);
		if (err == FJORD__ERROR_CODE__NONE) {
			FUZZ_CHECK(d && d->key == req->api && d->body == req->body_case &&
			               req->api_version >= d->min_version &&
			               req->api_version <= d->max_version,
			           "api_check accepted api %d body %d", (int)req->api,
			           (int)req->body_case);
			if (req->body_case == FJORD__REQUEST__BODY_PRODUCE)
				fuzz_produce_payload(req->produce, buf + f.payload_off,
				                     f.payload_len);
		} else {
			FUZZ_CHECK(err == FJORD__ERROR_CODE__UNSUPPORTED_VERSION ||
			               err == FJORD__ERROR_CODE__INVALID_REQUEST,
			           "api_check answered %d", (int)err);
			FUZZ_CHECK(why != NULL, "api_check refused without a reason");
		}
		fjord__request__free_unpacked(req, NULL);
		off += f.total_len;
	}
	return 0;
}
