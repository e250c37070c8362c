// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel's side of what host-needs reads: the class devices
 * (disks, NICs, virtio) of a PCI device leave with it.  Nothing here is
 * written to: mounts, routes and swaps only shape the tree (fx-host.c). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture-int.h"

/* Links into a subtree that went away go with it, as the kernel removes
 * the class devices (net, block, virtio) of a removed device. */
static void sweep_dir(struct fx *fx, const char *rel, const char *prefix)
{
	char abs[PATH_MAX], path[PATH_MAX * 2 + 2], real[PATH_MAX];
	struct dirent *de;
	DIR *d;

	fx_abs(fx, abs, sizeof(abs), rel);
	d = opendir(abs);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", abs, de->d_name);
		if (!realpath(path, real) && errno == ENOENT)
			fx_remove(fx, "%s/%s", rel, de->d_name);
	}
	closedir(d);
}

void fk_host_sweep(struct fx *fx)
{
	static const char *const dirs[] = {
		"sys/class/net", "sys/class/block", "sys/dev/block", "sys/bus/virtio/devices",
	};
	char abs[PATH_MAX], rel[FX_REL];
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < VFH_ARRAY_SIZE(dirs); i++)
		sweep_dir(fx, dirs[i], "");
	fx_abs(fx, abs, sizeof(abs), "sys/devices/virtual/net");
	if ((d = opendir(abs))) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(rel, sizeof(rel), "sys/devices/virtual/net/%s", de->d_name);
				sweep_dir(fx, rel, "lower_");
			}
		closedir(d);
	}
	fx_abs(fx, abs, sizeof(abs), "sys/devices/virtual/block");
	if ((d = opendir(abs))) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(rel, sizeof(rel), "sys/devices/virtual/block/%s/slaves",
					 de->d_name);
				sweep_dir(fx, rel, "");
			}
		closedir(d);
	}
}
