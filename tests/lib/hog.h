/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memory hog in a child process, for pressure tests: whatever the
 * modules hold must not make the kernel OOM-kill what survives without them.
 */
#ifndef _ZP_HOG_H
#define _ZP_HOG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Forks a child that writes every page of @bytes of private anonymous
 * memory and exits.  True if it exited 0; *status is its wait status.
 */
bool hog_run(size_t bytes, int *status);

#endif /* _ZP_HOG_H */
