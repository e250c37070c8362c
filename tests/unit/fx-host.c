// SPDX-License-Identifier: LGPL-2.1-or-later
/* What host-needs reads: mounts, routes, swaps, device nodes, and the
 * disks, NICs and virtio devices behind PCI devices.
 *
 *  mount MNT       dev=MAJ:MIN fs=TYPE src=SOURCE root=/ opts=rw
 *  route IFACE     dest=HEX mask=HEX gw=HEX (defaults: a default route)
 *  route6 IFACE    dest=HEX32 plen=HEX2 (defaults: a default route)
 *  block NAME      dev=MAJ:MIN, then pci=ADDR path=SUBDIRS (a disk below
 *                  that controller), or parent=DISK (a partition), or
 *                  slaves=a,b (a dm/md device)
 *  net IFACE       pci=ADDR (a NIC), or lower=a,b (bridge, bond: virtual)
 *  virtio NAME     pci=ADDR tag=MOUNT_TAG
 *  swap DEV        (a line of /proc/swaps, "partition")
 *  dev PATH        target=LINK (a symlink below PREFIX/dev: mapper/swap)
 *
 * Disks, NICs and virtio devices are rendered with their PCI device
 * (fx-pci.c calls in here, and so does a rescan). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture-int.h"

static void block_dir(struct fx *fx, const struct fx_ent *e, char *buf, size_t len, int depth)
{
	const char *pci = fx_ent_get(e, "pci"), *parent = fx_ent_get(e, "parent");

	if (depth > 4)
		fx_fail("block %s: parents nested too deep", e->name);
	if (parent) {
		const struct fx_ent *pe = fx_find_ent(fx, "block", parent);
		char pdir[FX_REL];

		if (!pe)
			fx_fail("%s:%d: no block %s", e->file, e->line, parent);
		block_dir(fx, pe, pdir, sizeof(pdir), depth + 1);
		snprintf(buf, len, "%s/%s", pdir, e->name);
	} else if (pci) {
		const struct fk_pci *d = fk_pci_find(fx, pci);
		const char *path = fx_ent_get(e, "path");

		if (!d)
			fx_fail("%s:%d: no PCI device %s", e->file, e->line, pci);
		snprintf(buf, len, "%s/%s/%s", d->dir, path ? path : "block", e->name);
	} else {
		snprintf(buf, len, "sys/devices/virtual/block/%s", e->name);
	}
}

/* The PCI device a block device sits on, "" for a virtual one. */
static const char *block_pci(struct fx *fx, const struct fx_ent *e)
{
	for (int depth = 0; e && depth < 5; depth++) {
		const char *pci = fx_ent_get(e, "pci"), *parent = fx_ent_get(e, "parent");

		if (pci)
			return pci;
		e = parent ? fx_find_ent(fx, "block", parent) : NULL;
	}
	return "";
}

static void net_dir(struct fx *fx, const struct fx_ent *e, char *buf, size_t len)
{
	const char *pci = fx_ent_get(e, "pci");

	if (pci) {
		const struct fk_pci *d = fk_pci_find(fx, pci);

		if (!d)
			fx_fail("%s:%d: no PCI device %s", e->file, e->line, pci);
		snprintf(buf, len, "%s/net/%s", d->dir, e->name);
	} else {
		snprintf(buf, len, "sys/devices/virtual/net/%s", e->name);
	}
}

static void render_block(struct fx *fx, const struct fx_ent *e)
{
	char dir[FX_REL], rel[FX_REL + 64];
	const char *dev = fx_ent_get(e, "dev"), *slaves = fx_ent_get(e, "slaves");

	if (!dev)
		fx_fail("%s:%d: block %s without dev=", e->file, e->line, e->name);
	block_dir(fx, e, dir, sizeof(dir), 0);
	fx_mkdirs(fx, "%s", dir);
	snprintf(rel, sizeof(rel), "%s/dev", dir);
	fx_putf(fx, rel, "%s\n", dev);
	if (fx_ent_get(e, "parent")) {
		snprintf(rel, sizeof(rel), "%s/partition", dir);
		fx_putf(fx, rel, "1\n");
	}
	snprintf(rel, sizeof(rel), "sys/class/block/%s", e->name);
	fx_symlink(fx, rel, dir);
	snprintf(rel, sizeof(rel), "sys/dev/block/%s", dev);
	fx_symlink(fx, rel, dir);
	if (slaves) {
		char buf[256], *save, *tok;

		fx_mkdirs(fx, "%s/slaves", dir);
		snprintf(buf, sizeof(buf), "%s", slaves);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct fx_ent *se = fx_find_ent(fx, "block", tok);
			char sdir[FX_REL];

			if (!se)
				fx_fail("%s:%d: slave %s is not a block device", e->file, e->line, tok);
			block_dir(fx, se, sdir, sizeof(sdir), 0);
			/* a slave whose controller is off the bus has no link */
			if (!fx_exists(fx, "%s", sdir))
				continue;
			snprintf(rel, sizeof(rel), "%s/slaves/%s", dir, tok);
			fx_symlink(fx, rel, sdir);
		}
	}
}

static void render_net(struct fx *fx, const struct fx_ent *e)
{
	char dir[FX_REL], rel[FX_REL + 64];
	const char *pci = fx_ent_get(e, "pci"), *lower = fx_ent_get(e, "lower");

	net_dir(fx, e, dir, sizeof(dir));
	fx_mkdirs(fx, "%s", dir);
	snprintf(rel, sizeof(rel), "%s/operstate", dir);
	fx_putf(fx, rel, "up\n");
	if (pci) {
		snprintf(rel, sizeof(rel), "%s/device", dir);
		fx_symlink(fx, rel, fk_pci_find(fx, pci)->dir);
	}
	snprintf(rel, sizeof(rel), "sys/class/net/%s", e->name);
	fx_symlink(fx, rel, dir);
	if (lower) {
		char buf[256], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", lower);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct fx_ent *le = fx_find_ent(fx, "net", tok);
			char ldir[FX_REL];

			if (!le)
				fx_fail("%s:%d: lower %s is not a net device", e->file, e->line, tok);
			net_dir(fx, le, ldir, sizeof(ldir));
			if (!fx_exists(fx, "%s", ldir))
				continue;
			snprintf(rel, sizeof(rel), "%s/lower_%s", dir, tok);
			fx_symlink(fx, rel, ldir);
		}
	}
}

static void render_virtio(struct fx *fx, const struct fx_ent *e)
{
	const char *pci = fx_ent_get(e, "pci"), *tag = fx_ent_get(e, "tag");
	const struct fk_pci *d = pci ? fk_pci_find(fx, pci) : NULL;
	char dir[FX_REL + 192], rel[FX_REL + 256];

	if (!d)
		fx_fail("%s:%d: virtio %s needs pci= a device of the fixture", e->file, e->line,
			e->name);
	snprintf(dir, sizeof(dir), "%s/%s", d->dir, e->name);
	fx_mkdirs(fx, "%s", dir);
	if (tag) {
		snprintf(rel, sizeof(rel), "%s/mount_tag", dir);
		fx_putf(fx, rel, "%s\n", tag);
	}
	snprintf(rel, sizeof(rel), "sys/bus/virtio/devices/%s", e->name);
	fx_symlink(fx, rel, dir);
}

/* What lives inside a PCI device's directory (its disks, NICs, virtio
 * devices) comes and goes with it. */
void fx_render_pci_children(struct fx *fx, const struct fk_pci *d)
{
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];
		const char *pci = fx_ent_get(e, "pci");

		if (strcmp(e->kind, "block") == 0 && strcmp(block_pci(fx, e), d->addr) == 0)
			render_block(fx, e);
		else if (pci && strcmp(pci, d->addr) == 0 && strcmp(e->kind, "net") == 0)
			render_net(fx, e);
		else if (pci && strcmp(pci, d->addr) == 0 && strcmp(e->kind, "virtio") == 0)
			render_virtio(fx, e);
	}
}

/* Virtual devices (bridges, dm) link to the ones above: render them last,
 * and again when those come back. */
void fx_render_virtual(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];

		if (strcmp(e->kind, "net") == 0 && !fx_ent_get(e, "pci"))
			render_net(fx, e);
		else if (strcmp(e->kind, "block") == 0 && !*block_pci(fx, e))
			render_block(fx, e);
		else if (strcmp(e->kind, "virtio") == 0 && !fx_ent_get(e, "pci"))
			fx_fail("%s:%d: virtio %s needs pci=", e->file, e->line, e->name);
	}
}

/* Where a relative link at linkrel points, as a fixture-relative path. */
static void link_target(const char *linkrel, const char *target, char *out, size_t len)
{
	char buf[FX_REL * 2], *parts[64], *save, *tok;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s/../%s", linkrel, target);
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, "..") == 0) {
			if (n == 0)
				fx_fail("link %s -> %s leaves the fixture", linkrel, target);
			n--;
		} else if (strcmp(tok, ".") != 0 && n < 64) {
			parts[n++] = tok;
		}
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s%s", i ? "/" : "", parts[i]);
	}
}

/* /proc/self/mountinfo, the root mount first in its parent ids */
void fx_mount_render(struct fx *fx)
{
	char mi[8192] = "";
	int id = 21, root_id = 1;
	size_t n;

	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];
		const char *dev = fx_ent_get(e, "dev"), *fs = fx_ent_get(e, "fs");
		const char *src = fx_ent_get(e, "src"), *root = fx_ent_get(e, "root");
		const char *opts = fx_ent_get(e, "opts");

		if (strcmp(e->kind, "mount") != 0)
			continue;
		if (!dev || !fs || !src)
			fx_fail("%s:%d: mount needs dev=, fs= and src=", e->file, e->line);
		n = strlen(mi);
		snprintf(mi + n, sizeof(mi) - n, "%d %d %s %s %s %s shared:%d - %s %s %s\n",
			 id, strcmp(e->name, "/") == 0 ? 1 : root_id, dev, root ? root : "/",
			 e->name, opts ? opts : "rw,relatime", id - 20, fs, src,
			 opts ? opts : "rw");
		if (strcmp(e->name, "/") == 0)
			root_id = id;
		id++;
	}
	fx_putf(fx, "proc/self/mountinfo", "%s", mi);
}

void fx_route_render(struct fx *fx)
{
	char rt[4096];
	size_t n;

	snprintf(rt, sizeof(rt), "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
		 "Mask\t\tMTU\tWindow\tIRTT\n");
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];
		const char *dest = fx_ent_get(e, "dest"), *mask = fx_ent_get(e, "mask");
		const char *gw = fx_ent_get(e, "gw");
		bool dflt = !dest || strcmp(dest, "00000000") == 0;

		if (strcmp(e->kind, "route") != 0)
			continue;
		n = strlen(rt);
		snprintf(rt + n, sizeof(rt) - n, "%s\t%s\t%s\t%04X\t0\t0\t100\t%s\t0\t0\t0\n",
			 e->name, dest ? dest : "00000000",
			 gw ? gw : (dflt ? "0102A8C0" : "00000000"), dflt ? 3 : 1,
			 mask ? mask : "00000000");
	}
	fx_putf(fx, "proc/net/route", "%s", rt);
}

void fx_route6_render(struct fx *fx)
{
	char r6[4096] = "";
	size_t n;

	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];
		const char *dest = fx_ent_get(e, "dest"), *plen = fx_ent_get(e, "plen");

		if (strcmp(e->kind, "route6") != 0)
			continue;
		n = strlen(r6);
		snprintf(r6 + n, sizeof(r6) - n, "%s %s 00000000000000000000000000000000 00 "
			 "fe800000000000000000000000000001 00000400 00000001 00000000 "
			 "00000003 %8s\n",
			 dest ? dest : "00000000000000000000000000000000", plen ? plen : "00",
			 e->name);
	}
	fx_putf(fx, "proc/net/ipv6_route", "%s", r6);
}

void fx_swap_render(struct fx *fx)
{
	char sw[2048];
	size_t n;

	snprintf(sw, sizeof(sw), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < fx->nents; i++) {
		if (strcmp(fx->ents[i].kind, "swap") != 0)
			continue;
		n = strlen(sw);
		snprintf(sw + n, sizeof(sw) - n, "%s\tpartition\t8388604\t0\t-2\n",
			 fx->ents[i].name);
	}
	fx_putf(fx, "proc/swaps", "%s", sw);
}

void fx_dev_render(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];
		const char *target = fx_ent_get(e, "target");
		char abs[PATH_MAX], rel[FX_REL], node[FX_REL];

		if (strcmp(e->kind, "dev") != 0)
			continue;
		if (!target || target[0] == '/')
			fx_fail("%s:%d: dev %s needs a relative target=", e->file, e->line, e->name);
		snprintf(rel, sizeof(rel), "dev/%s", e->name);
		fx_abs(fx, abs, sizeof(abs), rel);
		fx_parent_dirs(fx, rel);
		if (symlink(target, abs) < 0)
			fx_fail("symlink %s: %s", rel, strerror(errno));
		/* a plain file stands for the device node it names */
		link_target(rel, target, node, sizeof(node));
		if (strncmp(node, "dev/", 4) != 0)
			fx_fail("%s:%d: dev %s leaves dev/", e->file, e->line, e->name);
		if (!fx_exists(fx, "%s", node))
			fx_putf(fx, node, "%s", "");
	}
}

/* The class directories are there even when no device is */
void fx_block_render(struct fx *fx)
{
	fx_mkdirs(fx, "sys/class/block");
	fx_mkdirs(fx, "sys/dev/block");
	fx_mkdirs(fx, "sys/dev/char");
}

void fx_net_render(struct fx *fx)
{
	fx_mkdirs(fx, "sys/class/net");
}

void fx_virtio_render(struct fx *fx)
{
	fx_mkdirs(fx, "sys/bus/virtio/devices");
}
