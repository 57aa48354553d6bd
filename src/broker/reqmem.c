/*
 * reqmem.c — the request memory budget (see reqmem.h). Loop thread only.
 *
 * The queue is singly linked with a tail pointer; leaving from the middle
 * (a waiting connection closed) walks it, which is fine: the queue only
 * holds connections that are stalled anyway.
 */
#include "config.h"

#include <stddef.h>

#include "broker/reqmem.h"

void reqmem_init(reqmem_t *rm, int64_t limit)
{
	rm->limit = limit;
	rm->in_use = 0;
	rm->head = rm->tail = NULL;
	rm->wait_cnt = 0;
}

void reqmem_claim_init(reqmem_claim_t *claim, reqmem_granted_fn *granted)
{
	claim->next = NULL;
	claim->want = claim->held = 0;
	claim->waiting = 0;
	claim->granted = granted;
}

int reqmem_reserve(reqmem_t *rm, reqmem_claim_t *claim, int64_t bytes)
{
	if (bytes > rm->limit)
		bytes = rm->limit;
	/* First come, first served: nobody overtakes a waiting claim. */
	if (!rm->head && rm->in_use + bytes <= rm->limit) {
		claim->held = bytes;
		rm->in_use += bytes;
		return 1;
	}
	claim->want = bytes;
	claim->waiting = 1;
	claim->next = NULL;
	if (rm->tail)
		rm->tail->next = claim;
	else
		rm->head = claim;
	rm->tail = claim;
	rm->wait_cnt++;
	return 0;
}

/* Grants from the head while the head fits. */
static void reqmem_grant(reqmem_t *rm)
{
	while (rm->head && rm->in_use + rm->head->want <= rm->limit) {
		reqmem_claim_t *claim = rm->head;

		rm->head = claim->next;
		if (!rm->head)
			rm->tail = NULL;
		rm->wait_cnt--;
		claim->next = NULL;
		claim->waiting = 0;
		claim->held = claim->want;
		claim->want = 0;
		rm->in_use += claim->held;
		claim->granted(claim);
	}
}

void reqmem_release(reqmem_t *rm, reqmem_claim_t *claim)
{
	if (claim->held == 0)
		return;
	rm->in_use -= claim->held;
	claim->held = 0;
	reqmem_grant(rm);
}

void reqmem_forget(reqmem_t *rm, reqmem_claim_t *claim)
{
	if (claim->waiting) {
		reqmem_claim_t **pp = &rm->head, *prev = NULL;

		while (*pp && *pp != claim) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		if (*pp) {
			*pp = claim->next;
			if (rm->tail == claim)
				rm->tail = prev;
			rm->wait_cnt--;
		}
		claim->next = NULL;
		claim->waiting = 0;
		claim->want = 0;
		/* The head may have changed to one that fits. */
		reqmem_grant(rm);
		return;
	}
	reqmem_release(rm, claim);
}
