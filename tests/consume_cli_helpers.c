/*
 * consume_cli_helpers.c — the fixture and the CLI runner of the `fjord
 * consume` tests (0131-0133); see consume_cli_helpers.h.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consume_cli_helpers.h"

#define CC_MAX_PARTS 8

typedef struct cc_dr {
	atomic_int ok;
	atomic_int bad; /* failed, or acknowledged at an unexpected offset */
} cc_dr_t;

/* msg->opaque encodes partition * 100 + i. */
static void cc_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	cc_dr_t *st = opaque;
	int idx = (int)(intptr_t)msg->opaque;

	(void)fj;
	if (msg->err == FJORD_ERR_NO_ERROR && msg->partition == idx / 100 &&
	    msg->offset == idx % 100)
		atomic_fetch_add(&st->ok, 1);
	else
		atomic_fetch_add(&st->bad, 1);
}

void cc_produce_fixture(test_cluster_t *c, const char *topic, int partitions)
{
	fjord_conf_t *conf = test_conf(c, NULL);
	cc_dr_t st;
	fjord_t *p;
	char errstr[256];
	int part, i;

	ck_assert_int_le(partitions, CC_MAX_PARTS);
	atomic_init(&st.ok, 0);
	atomic_init(&st.bad, 0);
	/* One record in flight per partition: offsets follow the order. */
	ck_assert_int_eq(fjord_conf_set(conf, "max.in.flight.requests.per.connection", "1", errstr,
	                                sizeof(errstr)),
	                 FJORD_CONF_OK);
	fjord_conf_set_dr_msg_cb(conf, cc_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p != NULL, "producer: %s", errstr);
	for (part = 0; part < partitions; part++) {
		for (i = 0; i < CC_PER_PART; i++) {
			fjord_header_t hdrs[2] = { { "h1", "a", 1 }, { "h2", NULL, 0 } };
			char key[32], value[32];
			fjord_err_t err;

			snprintf(key, sizeof(key), "k%d-%d", part, i);
			snprintf(value, sizeof(value), "v%d-%d", part, i);
			err = fjord_produce(
			    p, topic, part, i == 3 ? NULL : key, i == 3 ? 0 : strlen(key),
			    i == 4 ? NULL : value, i == 4 ? 0 : strlen(value), i == 0 ? hdrs : NULL,
			    i == 0 ? 2 : 0, cc_ts(part, i), (void *)(intptr_t)(part * 100 + i));
			ck_assert_msg(err == FJORD_ERR_NO_ERROR, "produce %d/%d: %s", part, i,
			              fjord_err2name(err));
			/* Wait for each report: the offsets are then certain. */
			ck_assert_int_eq(fjord_flush(p, (int)(30000 * test_timeout_multiplier())),
			                 FJORD_ERR_NO_ERROR);
		}
	}
	fjord_destroy(p);
	test_say("fixture %s: %d acknowledged at their offsets, %d not", topic, atomic_load(&st.ok),
	         atomic_load(&st.bad));
	ck_assert_int_eq(atomic_load(&st.bad), 0);
	ck_assert_int_eq(atomic_load(&st.ok), partitions * CC_PER_PART);
}

/* Reads a whole file (a new string; "" when missing). */
static char *cc_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	ck_assert_int_ge(n, 0);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	if (n > 0)
		ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

char *cc_run(test_cluster_t *c, const char *env, int *exitp, char **errp, const char *fmt, ...)
{
	static int seq;
	char *args = NULL, *full = NULL, *out, *err, errpath[600];
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	snprintf(errpath, sizeof(errpath), "%s/cc-stderr-%d", test_tmpdir(), ++seq);
	ck_assert(asprintf(&full, "%s%s%s -z %s --timeout 15000 %s 2>%s", env ? env : "",
	                   env ? " " : "", test_cli_path(), c->zk_connect, args, errpath) > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	err = cc_slurp(errpath);
	test_say("$ %s\n=> exit %d\n--- stdout\n%s--- stderr\n%s", full, *exitp, out, err);
	if (errp)
		*errp = err;
	else
		free(err);
	free(args);
	free(full);
	return out;
}

int cc_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int cc_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *cc_sorted(const char *s)
{
	char *copy = strdup(s), *line, *nl, **v, *res;
	int n = cc_lines(s) + 1, cnt = 0, i;

	ck_assert_ptr_nonnull(copy);
	v = calloc((size_t)n, sizeof(*v));
	res = calloc(1, strlen(s) + 2);
	ck_assert(v && res);
	/* Empty lines count (a null value prints one). */
	for (line = copy; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		v[cnt++] = line;
	}
	qsort(v, (size_t)cnt, sizeof(*v), cc_cmp);
	for (i = 0; i < cnt; i++) {
		strcat(res, v[i]);
		strcat(res, "\n");
	}
	free(v);
	free(copy);
	return res;
}
