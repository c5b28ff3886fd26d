// SPDX-License-Identifier: GPL-2.0
/*
 * JSON output through json-c: the commands keep a streaming interface
 * (open, add, close) and json-c builds the document and writes it, so
 * escaping and number syntax are a kept library's.  What json-c does not
 * do is check that text is UTF-8 (it copies bytes >= 0x80 through), and
 * kernel strings (a comm, a cgroup path) are bytes: every string and key
 * goes through zp_utf8_clean() first.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "utf8.h"
#include "zpctl.h"

void zp_json_init(struct zp_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

char *zp_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = zp_xmalloc(strlen(s) * 3 + 1), *o = out;
	int n;

	while (*p) {
		n = zp_utf8_len(p);
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			/* U+FFFD REPLACEMENT CHARACTER for each bad byte */
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	return out;
}

static struct json_object *zp_json_top(struct zp_json *j)
{
	return j->depth ? j->stack[j->depth - 1] : NULL;
}

/* Puts @val under @key in the open object, or at the end of the array. */
static void zp_json_add(struct zp_json *j, const char *key,
			struct json_object *val)
{
	struct json_object *top = zp_json_top(j);
	char *k;

	if (!top) {
		json_object_put(j->root);
		j->root = val;
		return;
	}
	if (json_object_is_type(top, json_type_array)) {
		json_object_array_add(top, val);
		return;
	}
	k = zp_utf8_clean(key ? key : "");
	json_object_object_add(top, k, val);
	free(k);
}

static void zp_json_open(struct zp_json *j, const char *key,
			 struct json_object *o)
{
	zp_json_add(j, key, o);
	if (j->depth < ZP_JSON_MAX_DEPTH)
		j->stack[j->depth++] = o;
}

void zp_json_obj(struct zp_json *j, const char *key)
{
	zp_json_open(j, key, json_object_new_object());
}

void zp_json_arr(struct zp_json *j, const char *key)
{
	zp_json_open(j, key, json_object_new_array());
}

void zp_json_end_obj(struct zp_json *j)
{
	if (j->depth)
		j->depth--;
}

void zp_json_end_arr(struct zp_json *j)
{
	zp_json_end_obj(j);
}

void zp_json_str(struct zp_json *j, const char *key, const char *val)
{
	char *v = zp_utf8_clean(val);

	zp_json_add(j, key, json_object_new_string(v));
	free(v);
}

void zp_json_int_text(struct zp_json *j, const char *key, const char *digits)
{
	bool neg = digits[0] == '-';
	char *end;

	/* JSON has no leading zeros: "007" stays text, as does past 64 bits */
	if (zp_is_int(digits) && !(digits[neg] == '0' && digits[neg + 1])) {
		errno = 0;
		if (neg) {
			long long v = strtoll(digits, &end, 10);

			if (!errno && !*end) {
				zp_json_add(j, key, json_object_new_int64(v));
				return;
			}
		} else {
			unsigned long long v = strtoull(digits, &end, 10);

			if (!errno && !*end) {
				zp_json_u64(j, key, v);
				return;
			}
		}
	}
	zp_json_str(j, key, digits);
}

void zp_json_u64(struct zp_json *j, const char *key, uint64_t val)
{
	zp_json_add(j, key, json_object_new_uint64(val));
}

void zp_json_double(struct zp_json *j, const char *key, double val)
{
	char buf[64];

	if (!isfinite(val)) {
		zp_json_add(j, key, NULL);	/* JSON has no NaN */
	} else if (val == (double)(long long)val && fabs(val) < 1e15) {
		zp_json_add(j, key, json_object_new_int64((long long)val));
	} else {
		snprintf(buf, sizeof(buf), "%.9g", val);
		zp_json_add(j, key, json_object_new_double_s(val, buf));
	}
}

void zp_json_bool(struct zp_json *j, const char *key, bool val)
{
	zp_json_add(j, key, json_object_new_boolean(val));
}

void zp_json_null(struct zp_json *j, const char *key)
{
	zp_json_add(j, key, NULL);
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
	fputs(json_object_to_json_string_ext(j->root,
					     (j->compact ? JSON_C_TO_STRING_PLAIN :
					      JSON_C_TO_STRING_PRETTY) |
					     JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE),
	      j->f);
	fputc('\n', j->f);
	json_object_put(j->root);
	j->root = NULL;
	j->depth = 0;
}
