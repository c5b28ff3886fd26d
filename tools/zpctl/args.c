// SPDX-License-Identifier: GPL-2.0
/*
 * Module arguments, modprobe style: "zeropool max_pages=4096 pagesplice"
 * gives max_pages=4096 to zeropool; "zeropool.max_pages=4096" names its
 * module itself and may stand anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "zpctl.h"

static struct zp_modspec *zp_spec_get(struct zp_modspec *specs, int *n,
				      const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(specs[i].name, name))
			return &specs[i];
	memset(&specs[*n], 0, sizeof(specs[*n]));
	specs[*n].name = zp_modules[zp_module_index(name)];
	return &specs[(*n)++];
}

static int zp_spec_add_param(struct zp_modspec *spec, const char *param,
			     char *err, size_t errlen)
{
	size_t used = strlen(spec->params);

	if (used + strlen(param) + 2 > sizeof(spec->params)) {
		snprintf(err, errlen, "%s: parameters too long", spec->name);
		return -1;
	}
	if (used)
		strcat(spec->params, " ");
	strcat(spec->params, param);
	return 0;
}

static bool zp_valid_param(const char *s)
{
	const char *eq = strchr(s, '=');
	const char *p;

	if (!eq || eq == s)
		return false;
	for (p = s; p < eq; p++)
		if (!(*p == '_' || *p == '.' || *p == '-' ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

int zp_parse_modspecs(int argc, char **argv, struct zp_modspec *specs,
		      char *err, size_t errlen)
{
	struct zp_modspec *last = NULL;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		const char *eq = strchr(w, '=');
		const char *dot = strchr(w, '.');

		if (!eq) {
			if (zp_module_index(w) < 0) {
				snprintf(err, errlen,
					 "unknown module '%s' (the modules are zeropool, pagesplice, ptshare, bte_offload)",
					 w);
				return -1;
			}
			last = zp_spec_get(specs, &n, w);
			continue;
		}
		if (!zp_valid_param(w)) {
			snprintf(err, errlen, "bad module parameter '%s' (want NAME=VALUE)",
				 w);
			return -1;
		}
		if (dot && dot < eq) {
			char mod[64];
			size_t len = dot - w;

			if (len >= sizeof(mod))
				len = sizeof(mod) - 1;
			memcpy(mod, w, len);
			mod[len] = '\0';
			if (zp_module_index(mod) < 0) {
				snprintf(err, errlen, "unknown module '%s' in '%s'",
					 mod, w);
				return -1;
			}
			if (zp_spec_add_param(zp_spec_get(specs, &n, mod),
					      dot + 1, err, errlen))
				return -1;
			continue;
		}
		if (!last) {
			snprintf(err, errlen,
				 "parameter '%s' comes before any module name", w);
			return -1;
		}
		if (zp_spec_add_param(last, w, err, errlen))
			return -1;
	}
	return n;
}

void zp_sort_modspecs(struct zp_modspec *specs, int n, bool reverse)
{
	struct zp_modspec tmp;
	int i, j;

	/* insertion sort: n <= ZP_NR_MODULES */
	for (i = 1; i < n; i++) {
		tmp = specs[i];
		for (j = i; j > 0; j--) {
			int a = zp_module_index(specs[j - 1].name);
			int b = zp_module_index(tmp.name);

			if (reverse ? a >= b : a <= b)
				break;
			specs[j] = specs[j - 1];
		}
		specs[j] = tmp;
	}
}
