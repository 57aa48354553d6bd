/*
 * hist.c — latency histogram for `fjord perf`, in microseconds.
 *
 * Log-linear buckets (the HdrHistogram idea, written small): values below 64
 * have one bucket each; above, each power of two is split into 64 linear
 * sub-buckets, so a reported percentile is within 1/64 (1.6%) of the true
 * value. Values are clamped to [0, 2^40) us (about 12 days). Recording is
 * O(1) with no allocation; count, max and sum are exact.
 *
 * Not thread-safe: the caller serialises access (perf produce records from
 * the SDK's callback thread under its own mutex).
 */
#include "config.h"

#include <stdlib.h>

#include "cli/cli.h"

#define HIST_SUB_BITS 6
#define HIST_SUB (1 << HIST_SUB_BITS) /* 64 sub-buckets */
#define HIST_MAX_EXP 40               /* values < 2^40 */
#define HIST_BUCKETS (HIST_SUB * (HIST_MAX_EXP - HIST_SUB_BITS + 1))

struct cli_hist {
	uint64_t counts[HIST_BUCKETS];
	uint64_t total;
	int64_t max;
	double sum;
};

struct cli_hist *cli_hist_new(void)
{
	return calloc(1, sizeof(struct cli_hist));
}

void cli_hist_free(struct cli_hist *h)
{
	free(h);
}

static int hist_index(uint64_t v)
{
	int e;

	if (v < HIST_SUB)
		return (int)v;
	e = 63 - __builtin_clzll(v); /* floor(log2 v) >= HIST_SUB_BITS */
	return HIST_SUB * (e - HIST_SUB_BITS + 1) + (int)((v >> (e - HIST_SUB_BITS)) - HIST_SUB);
}

/* Midpoint of a bucket's value range: the value reported for it. */
static int64_t hist_value(int idx)
{
	int e;
	uint64_t lo, width;

	if (idx < HIST_SUB)
		return idx;
	e = idx / HIST_SUB + HIST_SUB_BITS - 1;
	width = 1ull << (e - HIST_SUB_BITS);
	lo = ((uint64_t)(idx % HIST_SUB) + HIST_SUB) << (e - HIST_SUB_BITS);
	return (int64_t)(lo + width / 2);
}

void cli_hist_record(struct cli_hist *h, int64_t value_us)
{
	uint64_t v = value_us < 0 ? 0 : (uint64_t)value_us;

	if (v >= (1ull << HIST_MAX_EXP))
		v = (1ull << HIST_MAX_EXP) - 1;
	h->counts[hist_index(v)]++;
	h->total++;
	h->sum += (double)v;
	if ((int64_t)v > h->max)
		h->max = (int64_t)v;
}

uint64_t cli_hist_count(const struct cli_hist *h)
{
	return h->total;
}

int64_t cli_hist_percentile(const struct cli_hist *h, double p)
{
	uint64_t rank, seen = 0;
	int i;

	if (!h->total)
		return 0;
	if (p <= 0)
		p = 0.0001;
	if (p > 100)
		p = 100;
	rank = (uint64_t)((p / 100.0) * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank >= h->total)
		return h->max; /* the top sample is known exactly */
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			int64_t v = hist_value(i);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

int64_t cli_hist_max(const struct cli_hist *h)
{
	return h->max;
}

double cli_hist_mean(const struct cli_hist *h)
{
	return h->total ? h->sum / (double)h->total : 0.0;
}
