/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZEROPOOL_VERSION_H
#define _ZEROPOOL_VERSION_H

/* Version of the module set; also in dkms.conf (PACKAGE_VERSION). */
#define ZEROPOOL_VERSION "0.1.0"

#endif /* _ZEROPOOL_VERSION_H */
