// SPDX-License-Identifier: GPL-2.0
/*
 * Aligned text tables.  A column is right-aligned when every body cell in
 * it looks like a number or is "-" (and one at least is a number), so that
 * digits line up.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "zpctl.h"

struct zp_table {
	int ncols;
	int nrows;		/* including the header row */
	int cur;		/* next cell of the last row */
	char **cells;		/* nrows * ncols, NULL for empty */
};

struct zp_table *zp_table_new(int ncols, ...)
{
	struct zp_table *t = zp_xmalloc(sizeof(*t));
	va_list ap;
	int i;

	t->ncols = ncols;
	t->nrows = 1;
	t->cells = zp_xmalloc(ncols * sizeof(char *));
	va_start(ap, ncols);
	for (i = 0; i < ncols; i++)
		t->cells[i] = zp_xstrdup(va_arg(ap, const char *));
	va_end(ap);
	t->cur = ncols;
	return t;
}

void zp_table_row(struct zp_table *t)
{
	size_t n = (size_t)(t->nrows + 1) * t->ncols;

	t->cells = zp_xrealloc(t->cells, n * sizeof(char *));
	memset(t->cells + (size_t)t->nrows * t->ncols, 0,
	       t->ncols * sizeof(char *));
	t->nrows++;
	t->cur = 0;
}

void zp_table_cell(struct zp_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (t->nrows < 2 || t->cur >= t->ncols)
		return;	/* a programming error; drop rather than overflow */
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->cells[(size_t)(t->nrows - 1) * t->ncols + t->cur++] = s;
}

int zp_table_rows(const struct zp_table *t)
{
	return t->nrows - 1;
}

static bool zp_looks_numeric(const char *s)
{
	char *end;

	if (!s || !*s || !strcmp(s, "-"))
		return true;
	strtod(s, &end);
	if (end == s)
		return false;
	/*
	 * allow a unit-less ratio "1.23x", and a number flagged with one
	 * mark ("1.2*", "0.4!"; unflagged ones of the column end in ' ')
	 */
	return !*end || (strchr("x*! ", end[0]) && !end[1]);
}

void zp_table_print(const struct zp_table *t, FILE *f, const char *indent)
{
	int *width = zp_xmalloc(t->ncols * sizeof(int));
	bool *right = zp_xmalloc(t->ncols * sizeof(bool));
	bool number;
	int r, c;

	for (c = 0; c < t->ncols; c++) {
		right[c] = true;
		number = false;
		for (r = 0; r < t->nrows; r++) {
			const char *s = t->cells[(size_t)r * t->ncols + c];
			int len = s ? (int)strlen(s) : 0;

			if (len > width[c])
				width[c] = len;
			if (!r)
				continue;
			if (!zp_looks_numeric(s))
				right[c] = false;
			else if (s && *s && strcmp(s, "-"))
				number = true;
		}
		/* a column of placeholders only is text */
		right[c] = right[c] && number;
	}
	for (r = 0; r < t->nrows; r++) {
		fputs(indent ? indent : "", f);
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[(size_t)r * t->ncols + c];
			bool last = c == t->ncols - 1;

			if (!s)
				s = "";
			if (right[c])
				fprintf(f, "%*s", width[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", width[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	free(width);
	free(right);
}

void zp_table_free(struct zp_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < (size_t)t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
