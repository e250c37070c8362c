// SPDX-License-Identifier: LGPL-2.1-or-later
/* Asks the kernel itself whether a VFIO group is viable (every device in it
 * on a VFIO-compatible driver), so the tests can hold the library's own
 * verdict against the kernel's.  Prints "viable" or "not viable".
 * usage: vfio-group-status /dev/vfio/N */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

int main(int argc, char **argv)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio-group-status /dev/vfio/N\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vfio-group-status: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0) {
		fprintf(stderr, "vfio-group-status: VFIO_GROUP_GET_STATUS: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", (st.flags & VFIO_GROUP_FLAGS_VIABLE) ? "viable" : "not viable");
	close(fd);
	return 0;
}
