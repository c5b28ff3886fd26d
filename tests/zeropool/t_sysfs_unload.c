// SPDX-License-Identifier: GPL-2.0
/*
 * A stats file held open across the unload of its module: the unload goes
 * through, later reads fail cleanly (ENODEV), close is fine.  The harness
 * fails the run if the kernel logs anything on the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../lib/zptest.h"

int main(int argc, char **argv)
{
	char buf[64];
	ssize_t n;
	int fd, wfd, err;

	tap_init(argv[0]);
	zp_load_zeropool(NULL);

	fd = open(ZP_SYSFS "/pool/hits", O_RDONLY);
	wfd = open(ZP_SYSFS "/pool/high_watermark", O_WRONLY);
	tap_ok(fd >= 0 && wfd >= 0, "stats files open");
	n = read(fd, buf, sizeof(buf));
	tap_ok(n > 0, "a counter reads while loaded");

	err = zp_mod_unload("zeropool");
	tap_ok(!err, "unload succeeds with files open (%s)",
	       err ? strerror(-err) : "ok");

	n = pread(fd, buf, sizeof(buf), 0);
	tap_ok(n < 0 && errno == ENODEV, "read after unload fails with ENODEV");
	n = write(wfd, "10", 2);
	tap_ok(n < 0 && errno == ENODEV, "write after unload fails with ENODEV");
	tap_ok(!close(fd) && !close(wfd), "close after unload succeeds");

	zp_load_zeropool(NULL);
	tap_ok(zp_get("pool/hits") == 0, "reloaded module starts a fresh tree");
	zp_unload_quiet("zeropool");
	return tap_done();
}
