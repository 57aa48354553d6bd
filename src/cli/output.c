/*
 * output.c — how the CLI shows results: aligned tables with upper-case
 * headers for people, JSON (jansson) for scripts.
 *
 * A table buffers its rows (copies of the caller's strings) so it can size
 * the columns, prints them, and frees everything in cli_table_print_free().
 * If a row cannot be stored (out of memory) the table remembers it and prints
 * a note on stderr instead of silently dropping data. Main thread only.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define OUTPUT_MAX_COLS 16

struct cli_table {
	int ncols;
	char *headers[OUTPUT_MAX_COLS];
	char **cells; /* nrows * ncols strings */
	size_t nrows;
	size_t cap;
	int lost; /* rows that could not be stored */
};

static char *output_strdup_upper(const char *s)
{
	char *d = strdup(s ? s : "");
	char *p;

	for (p = d; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return d;
}

struct cli_table *cli_table_new(int ncols, const char *const *headers)
{
	struct cli_table *t;
	int i;

	if (ncols < 1 || ncols > OUTPUT_MAX_COLS)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	for (i = 0; i < ncols; i++) {
		t->headers[i] = output_strdup_upper(headers[i]);
		if (!t->headers[i])
			goto fail;
	}
	return t;
fail:
	for (i = 0; i < ncols; i++)
		free(t->headers[i]);
	free(t);
	return NULL;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	size_t base;
	int i;

	if (!t)
		return -1;
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->cells, ncap * (size_t)t->ncols * sizeof(*n));

		if (!n) {
			t->lost++;
			return -1;
		}
		t->cells = n;
		t->cap = ncap;
	}
	base = t->nrows * (size_t)t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + (size_t)i] = strdup(cells[i] ? cells[i] : "");
		if (!t->cells[base + (size_t)i]) {
			while (i-- > 0)
				free(t->cells[base + (size_t)i]);
			t->lost++;
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

static void output_row(FILE *out, int ncols, char *const *row, const size_t *width)
{
	int i;

	for (i = 0; i < ncols; i++) {
		if (i == ncols - 1)
			fprintf(out, "%s\n", row[i]);
		else
			fprintf(out, "%-*s  ", (int)width[i], row[i]);
	}
}

void cli_table_print_free(struct cli_table *t, FILE *out)
{
	size_t width[OUTPUT_MAX_COLS];
	size_t r;
	int i;

	if (!t) {
		fprintf(stderr, "fjord: out of memory while building a table\n");
		return;
	}
	for (i = 0; i < t->ncols; i++)
		width[i] = strlen(t->headers[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			size_t l = strlen(t->cells[r * (size_t)t->ncols + (size_t)i]);

			if (l > width[i])
				width[i] = l;
		}
	output_row(out, t->ncols, t->headers, width);
	for (r = 0; r < t->nrows; r++)
		output_row(out, t->ncols, &t->cells[r * (size_t)t->ncols], width);
	if (t->lost)
		fprintf(stderr, "fjord: out of memory: %d row(s) not shown\n", t->lost);

	for (r = 0; r < t->nrows * (size_t)t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	for (i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t);
}

void cli_format_id_list(char *buf, size_t size, const int32_t *ids, int cnt)
{
	size_t used = 0;
	int i;

	if (!size)
		return;
	buf[0] = '\0';
	for (i = 0; i < cnt && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%d", i ? "," : "", (int)ids[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int cli_json_print(json_t *v, int pretty, FILE *out)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
	int rc;

	if (!v)
		return -1;
	flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
	rc = json_dumpf(v, out, flags);
	json_decref(v);
	if (rc < 0 || fputc('\n', out) == EOF)
		return -1;
	return 0;
}
