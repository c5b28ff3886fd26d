// SPDX-License-Identifier: GPL-2.0
/*
 * Who may open the devices is the administrator's choice: without the udev
 * rule (the guest runs no udevd) the kernel creates /dev/zeropool and
 * /dev/pagesplice root-only, and an unprivileged user's open() is refused.
 * The rule itself is checked where DKMS installs it (tests/modprobe-check).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/zptest.h"

#define NOBODY 65534

static void check_root_only(const char *dev)
{
	struct stat st;

	if (stat(dev, &st)) {
		tap_ok(false, "%s exists", dev);
		return;
	}
	tap_ok((st.st_mode & 07777) == 0600, "%s is mode 0600 (%o)", dev,
	       st.st_mode & 07777);
	tap_ok(st.st_uid == 0 && st.st_gid == 0, "%s belongs to root:root", dev);
}

/* errno of open(@dev) by uid/gid nobody, 0 if it opened. */
static int open_as_nobody(const char *dev)
{
	int status, fd;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(255);
		fd = open(dev, O_RDWR);
		_exit(fd < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	tap_init(argv[0]);
	zp_load_on_zeropool("pagesplice", "pagesplice");
	check_root_only("/dev/zeropool");
	check_root_only("/dev/pagesplice");
	tap_ok(open_as_nobody("/dev/zeropool") == EACCES,
	       "an unprivileged open of /dev/zeropool fails with EACCES");
	tap_ok(open_as_nobody("/dev/pagesplice") == EACCES,
	       "an unprivileged open of /dev/pagesplice fails with EACCES");
	zp_unload_quiet("pagesplice");
	zp_unload_quiet("zeropool");
	return tap_done();
}
