/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny JSON reader for the tests of zpctl (host and guest): checks that
 * a text is one valid JSON value and fetches a member by its dotted path
 * ("stats.pool.max_pages").  Header-only so tests/zpctl/t_zpctl.c can use it.
 */
#ifndef _ZPCTL_JSONCK_H
#define _ZPCTL_JSONCK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "../utf8.h"

static const char *jck_value(const char *p, int depth);

static const char *jck_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *jck_string(const char *p)
{
	int n;

	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		n = zp_utf8_len((const unsigned char *)p);
		if (!n)
			return NULL;
		if (n > 1) {
			p += n;
			continue;
		}
		if (*p == '\\') {
			p++;
			if (!*p || !strchr("\"\\/bfnrtu", *p))
				return NULL;
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *jck_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *jck_container(const char *p, int depth, char close)
{
	bool obj = close == '}';

	p = jck_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = jck_string(p);
			if (!p)
				return NULL;
			p = jck_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = jck_value(jck_ws(p), depth + 1);
		if (!p)
			return NULL;
		p = jck_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = jck_ws(p);
	}
}

static const char *jck_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = jck_ws(p);
	switch (*p) {
	case '{':
		return jck_container(p, depth, '}');
	case '[':
		return jck_container(p, depth, ']');
	case '"':
		return jck_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return jck_number(p);
	}
}

/* True when @text is exactly one JSON value (whitespace around it). */
static inline bool jck_valid(const char *text)
{
	const char *end = jck_value(text, 0);

	return end && !*jck_ws(end);
}

/* The start of the value at dotted @path ("a.b.c"), or NULL. */
static inline const char *jck_find(const char *text, const char *path)
{
	const char *p = jck_ws(text), *dot, *key;
	size_t klen;

	if (!jck_valid(text))
		return NULL;
	for (;;) {
		dot = strchr(path, '.');
		klen = dot ? (size_t)(dot - path) : strlen(path);
		if (*p != '{')
			return NULL;
		p = jck_ws(p + 1);
		for (;;) {
			if (*p != '"')
				return NULL;
			key = p + 1;
			p = jck_ws(jck_string(p));
			p = jck_ws(p + 1);	/* past ':' */
			if ((size_t)(strchr(key, '"') - key) == klen &&
			    !strncmp(key, path, klen))
				break;
			p = jck_ws(jck_value(p, 0));
			if (*p != ',')
				return NULL;
			p = jck_ws(p + 1);
		}
		if (!dot)
			return p;
		path = dot + 1;
	}
}

/*
 * Copies the value at dotted @path into @out: numbers, true, false and
 * null as written, strings without their quotes (escapes kept), objects
 * and arrays as their raw text.  False when absent or @text is invalid.
 */
static inline bool jck_get(const char *text, const char *path, char *out,
			   size_t len)
{
	const char *p = jck_find(text, path), *end;
	size_t n;

	if (!p)
		return false;
	end = jck_value(p, 0);
	if (*p == '"') {
		p++;
		end--;
	}
	n = end - p;
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* True when the value at @path is a JSON string (not a number etc.). */
static inline bool jck_is_string(const char *text, const char *path)
{
	const char *p = jck_find(text, path);

	return p && *p == '"';
}

#endif /* _ZPCTL_JSONCK_H */
