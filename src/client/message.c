/*
 * message.c — lifetime of consumed messages (see consumer_int.h).
 *
 * A record message belongs to a refcounted chunk: the chunk holds one
 * reference per message not yet destroyed, and frees the payload copy, the
 * decompressed buffers and the message array with the last one. An event
 * message is a single allocation (message + topic + errstr text).
 * Thread: any; chunks do not point back to the handle, so a message may be
 * destroyed after its handle.
 */
#include <stdlib.h>
#include <string.h>

#include "client/consumer_int.h"

void cchunk_unref(cchunk_t *ck)
{
	int i;
	if (!ck || atomic_fetch_sub(&ck->refcnt, 1) != 1)
		return;
	for (i = 0; i < ck->msg_cnt; i++)
		free(ck->msgs[i].hdrs);
	for (i = 0; i < ck->dbuf_cnt; i++)
		free(ck->dbufs[i]);
	free(ck->dbufs);
	free(ck->msgs);
	free(ck->payload);
	free(ck);
}

cmsg_t *cmsg_event_new(const char *topic, int32_t partition, int64_t offset, fjord_err_t err,
                       const char *errstr)
{
	size_t tl = strlen(topic) + 1, el = errstr ? strlen(errstr) + 1 : 0;
	cmsg_t *cm = calloc(1, sizeof(*cm) + tl + el);
	char *p;
	if (!cm)
		return NULL;
	p = (char *)(cm + 1);
	memcpy(p, topic, tl);
	cm->m.topic = p;
	if (errstr) {
		memcpy(p + tl, errstr, el);
		cm->m.errstr = p + tl;
	}
	cm->m.err = err;
	cm->m.partition = partition;
	cm->m.offset = offset;
	cm->m.timestamp = -1;
	return cm;
}

void cmsg_free(cmsg_t *cm)
{
	if (!cm)
		return;
	if (cm->ck)
		cchunk_unref(cm->ck); /* the message array lives in the chunk */
	else
		free(cm);
}

void fjord_message_destroy(fjord_message_t *msg)
{
	cmsg_free((cmsg_t *)msg);
}
