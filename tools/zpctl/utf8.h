/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What is valid UTF-8 (RFC 3629): one definition for the JSON writer, which
 * replaces the rest, and for the tests' JSON checker, which refuses it.
 */
#ifndef _ZPCTL_UTF8_H
#define _ZPCTL_UTF8_H

/* Length of the valid UTF-8 sequence at @p, or 0 (RFC 3629 rules). */
static inline int zp_utf8_len(const unsigned char *p)
{
	int n, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong, surrogates, past U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

#endif /* _ZPCTL_UTF8_H */
