/*
 * props.c — the configuration-table engine: defaults, validated setters,
 * getters, copy/free and the Markdown reference (see props.h for the types).
 *
 * Every setter parses into a local first and stores only on success, so a
 * rejected value leaves the old one in place. Error messages follow one
 * pattern: Invalid value "<v>" for property <name>: expected <what>.
 * Thread-agnostic: callers serialise access to the struct they pass.
 */
#include "common/props.h"
#include "common/numparse.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROPS_FIELD(obj, def, type) ((type *)(void *)((char *)(obj) + (def)->offset))
#define PROPS_CFIELD(obj, def, type)                                                               \
	((const type *)(const void *)((const char *)(obj) + (def)->offset))

static void props_err(char *errstr, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void props_err(char *errstr, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!errstr || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errstr, size, fmt, ap);
	va_end(ap);
}

static const char *props_type_name(prop_type_t type)
{
	switch (type) {
	case PROP_INT:
		return "int";
	case PROP_INT64:
		return "long";
	case PROP_STR:
		return "string";
	case PROP_BOOL:
		return "boolean";
	case PROP_ENUM:
		return "enum";
	case PROP_DOUBLE:
		return "double";
	}
	return "?";
}

/* "a, b, c" of an enum's values, into buf. */
static void props_enum_list(const prop_def_t *def, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; def->enum_values && def->enum_values[i]; i++) {
		int n = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", def->enum_values[i]);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

const prop_def_t *props_find(const prop_def_t *defs, const char *name)
{
	if (!name)
		return NULL;
	for (const prop_def_t *d = defs; d->name; d++)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* strtoll of the whole string (surrounding blanks allowed). */
static int props_parse_int(const char *s, int64_t *out)
{
	return num_parse_i64_blanks(s, INT64_MIN, INT64_MAX, out);
}

static int props_parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v))
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int props_set_def(const prop_def_t *def, void *obj, const char *value, char *errstr,
                  size_t errstr_size)
{
	char list[512];
	int64_t iv;
	double dv;

	if (!value) {
		if (def->type == PROP_STR) {
			free(*PROPS_FIELD(obj, def, char *));
			*PROPS_FIELD(obj, def, char *) = NULL;
			return PROPS_OK;
		}
		props_err(errstr, errstr_size, "Property %s needs a value", def->name);
		return PROPS_INVALID;
	}
	switch (def->type) {
	case PROP_INT:
	case PROP_INT64: {
		int64_t lo = def->min, hi = def->max;
		if (def->type == PROP_INT) {
			lo = lo < INT_MIN ? INT_MIN : lo;
			hi = hi > INT_MAX ? INT_MAX : hi;
		}
		if (props_parse_int(value, &iv) < 0 || iv < lo || iv > hi) {
			props_err(errstr, errstr_size,
			          "Invalid value \"%s\" for property %s: expected an integer in "
			          "%" PRId64 "..%" PRId64,
			          value, def->name, lo, hi);
			return PROPS_INVALID;
		}
		if (def->type == PROP_INT)
			*PROPS_FIELD(obj, def, int) = (int)iv;
		else
			*PROPS_FIELD(obj, def, int64_t) = iv;
		return PROPS_OK;
	}
	case PROP_DOUBLE:
		if (props_parse_double(value, &dv) < 0 || dv < (double)def->min ||
		    dv > (double)def->max) {
			props_err(errstr, errstr_size,
			          "Invalid value \"%s\" for property %s: expected a number in "
			          "%" PRId64 "..%" PRId64,
			          value, def->name, def->min, def->max);
			return PROPS_INVALID;
		}
		*PROPS_FIELD(obj, def, double) = dv;
		return PROPS_OK;
	case PROP_BOOL:
		if (!strcasecmp(value, "true") || !strcmp(value, "1")) {
			*PROPS_FIELD(obj, def, int) = 1;
		} else if (!strcasecmp(value, "false") || !strcmp(value, "0")) {
			*PROPS_FIELD(obj, def, int) = 0;
		} else {
			props_err(errstr, errstr_size,
			          "Invalid value \"%s\" for property %s: expected true or false",
			          value, def->name);
			return PROPS_INVALID;
		}
		return PROPS_OK;
	case PROP_ENUM:
		for (int i = 0; def->enum_values && def->enum_values[i]; i++) {
			if (!strcasecmp(value, def->enum_values[i])) {
				*PROPS_FIELD(obj, def, int) = i;
				return PROPS_OK;
			}
		}
		props_enum_list(def, list, sizeof(list));
		props_err(errstr, errstr_size,
		          "Invalid value \"%s\" for property %s: expected one of: %s", value,
		          def->name, list);
		return PROPS_INVALID;
	case PROP_STR: {
		char *copy = strdup(value);
		if (!copy) {
			props_err(errstr, errstr_size, "Out of memory setting property %s",
			          def->name);
			return PROPS_INVALID;
		}
		free(*PROPS_FIELD(obj, def, char *));
		*PROPS_FIELD(obj, def, char *) = copy;
		return PROPS_OK;
	}
	}
	props_err(errstr, errstr_size, "Property %s has an unknown type", def->name);
	return PROPS_INVALID;
}

int props_set(const prop_def_t *defs, void *obj, const char *name, const char *value, char *errstr,
              size_t errstr_size)
{
	const prop_def_t *def = props_find(defs, name);

	if (!def) {
		props_err(errstr, errstr_size, "No such configuration property: \"%s\"",
		          name ? name : "(null)");
		return PROPS_UNKNOWN;
	}
	return props_set_def(def, obj, value, errstr, errstr_size);
}

int props_set_defaults(const prop_def_t *defs, void *obj, char *errstr, size_t errstr_size)
{
	for (const prop_def_t *d = defs; d->name; d++) {
		if (!d->defval && d->type != PROP_STR) {
			props_err(errstr, errstr_size, "Property %s has no default", d->name);
			return PROPS_INVALID;
		}
		int r = props_set_def(d, obj, d->defval, errstr, errstr_size);
		if (r != PROPS_OK)
			return r;
	}
	return PROPS_OK;
}

int props_get_def(const prop_def_t *def, const void *obj, char *dest, size_t *dest_size)
{
	char tmp[64];
	const char *s = tmp;

	switch (def->type) {
	case PROP_INT:
		snprintf(tmp, sizeof(tmp), "%d", *PROPS_CFIELD(obj, def, int));
		break;
	case PROP_INT64:
		snprintf(tmp, sizeof(tmp), "%" PRId64, *PROPS_CFIELD(obj, def, int64_t));
		break;
	case PROP_DOUBLE:
		snprintf(tmp, sizeof(tmp), "%g", *PROPS_CFIELD(obj, def, double));
		break;
	case PROP_BOOL:
		s = *PROPS_CFIELD(obj, def, int) ? "true" : "false";
		break;
	case PROP_ENUM: {
		int v = *PROPS_CFIELD(obj, def, int);
		s = "";
		for (int i = 0; def->enum_values && def->enum_values[i]; i++)
			if (i == v)
				s = def->enum_values[i];
		break;
	}
	case PROP_STR:
		s = *PROPS_CFIELD(obj, def, char *);
		if (!s)
			s = "";
		break;
	default:
		s = "";
		break;
	}
	size_t need = strlen(s) + 1;
	if (dest && *dest_size > 0) {
		size_t n = need <= *dest_size ? need - 1 : *dest_size - 1;
		memcpy(dest, s, n);
		dest[n] = '\0';
	}
	*dest_size = need;
	return PROPS_OK;
}

int props_get(const prop_def_t *defs, const void *obj, const char *name, char *dest,
              size_t *dest_size)
{
	const prop_def_t *def = props_find(defs, name);

	if (!def)
		return PROPS_UNKNOWN;
	return props_get_def(def, obj, dest, dest_size);
}

void props_free(const prop_def_t *defs, void *obj)
{
	for (const prop_def_t *d = defs; d->name; d++) {
		if (d->type != PROP_STR)
			continue;
		free(*PROPS_FIELD(obj, d, char *));
		*PROPS_FIELD(obj, d, char *) = NULL;
	}
}

int props_copy(const prop_def_t *defs, void *dst, const void *src)
{
	int r = PROPS_OK;

	for (const prop_def_t *d = defs; d->name; d++) {
		switch (d->type) {
		case PROP_INT:
		case PROP_BOOL:
		case PROP_ENUM:
			*PROPS_FIELD(dst, d, int) = *PROPS_CFIELD(src, d, int);
			break;
		case PROP_INT64:
			*PROPS_FIELD(dst, d, int64_t) = *PROPS_CFIELD(src, d, int64_t);
			break;
		case PROP_DOUBLE:
			*PROPS_FIELD(dst, d, double) = *PROPS_CFIELD(src, d, double);
			break;
		case PROP_STR: {
			const char *s = *PROPS_CFIELD(src, d, char *);
			char *copy = s ? strdup(s) : NULL;
			if (s && !copy)
				r = PROPS_INVALID;
			free(*PROPS_FIELD(dst, d, char *));
			*PROPS_FIELD(dst, d, char *) = copy;
			break;
		}
		}
	}
	return r;
}

/* Writes s with Markdown table metacharacters escaped. */
static void props_md_cell(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else if (*s == '\n')
			fputc(' ', fp);
		else
			fputc(*s, fp);
	}
}

void props_write_markdown(const prop_def_t *defs, FILE *fp, const char *const *scope_names,
                          int scope_cnt)
{
	char range[512];

	/* A table without scopes (fjordd's) gets no Scope column. */
	if (scope_cnt > 0) {
		fputs("| Property | Type | Default | Range | Scope | Description |\n", fp);
		fputs("|---|---|---|---|---|---|\n", fp);
	} else {
		fputs("| Property | Type | Default | Range | Description |\n", fp);
		fputs("|---|---|---|---|---|\n", fp);
	}
	for (const prop_def_t *d = defs; d->name; d++) {
		range[0] = '\0';
		switch (d->type) {
		case PROP_INT:
		case PROP_INT64:
		case PROP_DOUBLE:
			snprintf(range, sizeof(range), "%" PRId64 " .. %" PRId64, d->min, d->max);
			break;
		case PROP_BOOL:
			snprintf(range, sizeof(range), "true, false");
			break;
		case PROP_ENUM:
			props_enum_list(d, range, sizeof(range));
			break;
		case PROP_STR:
			break;
		}
		fputs("| `", fp);
		props_md_cell(fp, d->name);
		fprintf(fp, "` | %s | ", props_type_name(d->type));
		if (d->defval && *d->defval) {
			fputc('`', fp);
			props_md_cell(fp, d->defval);
			fputc('`', fp);
		}
		fputs(" | ", fp);
		props_md_cell(fp, range);
		int first = 1;
		if (scope_cnt > 0)
			fputs(" | ", fp);
		for (int i = 0; i < scope_cnt && i < (int)(sizeof(unsigned) * 8); i++) {
			if (!(d->scope & (1u << i)) || !scope_names || !scope_names[i])
				continue;
			fprintf(fp, "%s%s", first ? "" : ", ", scope_names[i]);
			first = 0;
		}
		fputs(" | ", fp);
		props_md_cell(fp, d->doc);
		fputs(" |\n", fp);
	}
}

char *props_list_item(char *tok)
{
	char *e;

	while (*tok == ' ')
		tok++;
	e = tok + strlen(tok);
	while (e > tok && e[-1] == ' ')
		*--e = '\0';
	return tok;
}
