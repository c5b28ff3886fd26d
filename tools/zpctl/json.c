// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer: two-space indentation, one key a line. */
#include <math.h>
#include <string.h>

#include "zpctl.h"

void zp_json_init(struct zp_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

void zp_json_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Comma, newline, indentation and "key": before a value. */
static void zp_json_key(struct zp_json *j, const char *key)
{
	int i;

	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	j->first[j->depth] = false;
	if (key) {
		zp_json_escape(j->f, key);
		fputs(": ", j->f);
	}
}

static void zp_json_open(struct zp_json *j, const char *key, char c)
{
	zp_json_key(j, key);
	fputc(c, j->f);
	if (j->depth < ZP_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void zp_json_close(struct zp_json *j, char c)
{
	bool empty = j->first[j->depth];
	int i;

	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void zp_json_obj(struct zp_json *j, const char *key)
{
	zp_json_open(j, key, '{');
}

void zp_json_arr(struct zp_json *j, const char *key)
{
	zp_json_open(j, key, '[');
}

void zp_json_end_obj(struct zp_json *j)
{
	zp_json_close(j, '}');
}

void zp_json_end_arr(struct zp_json *j)
{
	zp_json_close(j, ']');
}

void zp_json_str(struct zp_json *j, const char *key, const char *val)
{
	zp_json_key(j, key);
	zp_json_escape(j->f, val);
}

void zp_json_int_text(struct zp_json *j, const char *key, const char *digits)
{
	zp_json_key(j, key);
	/* JSON has no leading zeros: "007" stays text */
	if (zp_is_int(digits) &&
	    !(digits[digits[0] == '-'] == '0' && digits[(digits[0] == '-') + 1]))
		fputs(digits, j->f);
	else
		zp_json_escape(j->f, digits);
}

void zp_json_u64(struct zp_json *j, const char *key, uint64_t val)
{
	zp_json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void zp_json_double(struct zp_json *j, const char *key, double val)
{
	zp_json_key(j, key);
	if (!isfinite(val))
		fputs("null", j->f);
	else if (val == (double)(long long)val && fabs(val) < 1e15)
		fprintf(j->f, "%lld", (long long)val);
	else
		fprintf(j->f, "%.9g", val);
}

void zp_json_bool(struct zp_json *j, const char *key, bool val)
{
	zp_json_key(j, key);
	fputs(val ? "true" : "false", j->f);
}

void zp_json_null(struct zp_json *j, const char *key)
{
	zp_json_key(j, key);
	fputs("null", j->f);
}

void zp_json_auto(struct zp_json *j, const char *key, const char *val)
{
	if (!val)
		zp_json_null(j, key);
	else if (zp_is_int(val))
		zp_json_int_text(j, key, val);
	else
		zp_json_str(j, key, val);
}

void zp_json_done(struct zp_json *j)
{
	fputc('\n', j->f);
}
