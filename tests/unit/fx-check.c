// SPDX-License-Identifier: LGPL-2.1-or-later
/* Is the tree coherent?  Every symlink resolves inside the fixture, and
 * each PCI device's driver, group and bus links agree with each other and
 * with the fake kernel's model: what a test relies on after the library
 * and the fake kernel both changed it. */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture-int.h"

/* nftw() has no user data: the walk's fixture root and first problem */
static const char *check_root;
static char check_err[1024];
static size_t check_rootlen;

static int check_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char real[PATH_MAX];

	(void)st;
	(void)ftw;
	if (flag != FTW_SL || check_err[0])
		return 0;
	if (!realpath(path, real))
		snprintf(check_err, sizeof(check_err), "dangling symlink %.900s", path + check_rootlen);
	else if (strncmp(real, check_root, check_rootlen) != 0 || real[check_rootlen] != '/')
		snprintf(check_err, sizeof(check_err), "symlink %.400s leaves the fixture (%.400s)",
			 path + check_rootlen, real);
	check_err[sizeof(check_err) - 1] = '\0';
	return 0;
}

#define CHECK_FAIL(...) do {                                          \
		snprintf(check_err, sizeof(check_err), __VA_ARGS__);     \
		return check_err;                                        \
	} while (0)

/* realpath of a fixture-relative path, relative again; NULL if dangling
 * or outside */
/* realpath of a fixture-relative path, relative again; NULL if dangling
 * or outside */
static const char *resolve_in(struct fx *fx, const char *rel, char *out, size_t len)
{
	char abs[PATH_MAX], real[PATH_MAX];
	size_t n = strlen(fx->root);

	fx_abs(fx, abs, sizeof(abs), rel);
	if (!realpath(abs, real) || strncmp(real, fx->root, n) != 0 || real[n] != '/')
		return NULL;
	snprintf(out, len, "%s", real + n + 1);
	return out;
}

static const char *driver_of(struct fx *fx, const char *addr, char *name, size_t len)
{
	char rel[FX_REL], dev[FX_REL], back[FX_REL];
	const char *link, *slash;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", addr);
	if (!resolve_in(fx, rel, dev, sizeof(dev)))
		CHECK_FAIL("bus/pci/devices/%s is missing or dangles", addr);
	link = fx_readlink(fx, "%s/driver", rel);
	if (!link) {
		name[0] = '\0';
		return NULL;
	}
	slash = strrchr(link, '/');
	snprintf(name, len, "%s", slash ? slash + 1 : link);
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/%s", name, addr);
	if (!resolve_in(fx, rel, back, sizeof(back)) || strcmp(back, dev) != 0)
		CHECK_FAIL("%s/driver names %s but drivers/%s/%s does not lead back", addr, name,
			   name, addr);
	return NULL;
}

const char *fx_driver(struct fx *fx, const char *addr)
{
	char *name = fx_ring(fx);
	const char *err;

	if (!fx_exists(fx, "sys/bus/pci/devices/%s", addr))
		return NULL;
	err = driver_of(fx, addr, name, sizeof(fx->ring[0]));
	if (err)
		fx_fail("%s", err);
	return name;
}

void fx_check(struct fx *fx)
{
	const char *msg = fx_check_msg(fx);

	if (msg)
		fx_fail("%s", msg);
}

const char *fx_check_msg(struct fx *fx)
{
	check_err[0] = '\0';
	check_root = fx->root;
	check_rootlen = strlen(fx->root);
	nftw(fx->root, check_one, 32, FTW_PHYS);
	check_root = NULL;
	if (check_err[0])
		return check_err;
	for (size_t i = 0; i < fx->npci; i++) {
		struct fk_pci *d = &fx->pci[i];
		char rel[FX_REL], out[FX_REL], drv[FX_NAME];
		const char *err;

		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", d->addr);
		if (!d->present) {
			if (fx_exists(fx, "%s", rel) || fx_exists(fx, "%s", d->dir))
				CHECK_FAIL("%s was removed but is still in the tree", d->addr);
			continue;
		}
		if (!resolve_in(fx, rel, out, sizeof(out)) || strcmp(out, d->dir) != 0)
			CHECK_FAIL("bus/pci/devices/%s does not lead to %s", d->addr, d->dir);
		err = driver_of(fx, d->addr, drv, sizeof(drv));
		if (err)
			return err;
		if (strcmp(drv, d->driver) != 0)
			CHECK_FAIL("%s: the tree says driver '%s', the kernel '%s'", d->addr, drv,
				   d->driver);
		if (fx->iommu && d->group >= 0) {
			char want[64];

			snprintf(want, sizeof(want), "sys/kernel/iommu_groups/%d", d->group);
			snprintf(rel, sizeof(rel), "%s/iommu_group", d->dir);
			if (!resolve_in(fx, rel, out, sizeof(out)) || strcmp(out, want) != 0)
				CHECK_FAIL("%s/iommu_group does not lead to %s", d->addr, want);
			snprintf(rel, sizeof(rel), "%s/devices/%s", want, d->addr);
			if (!resolve_in(fx, rel, out, sizeof(out)) || strcmp(out, d->dir) != 0)
				CHECK_FAIL("%s/devices/%s does not lead back", want, d->addr);
		}
	}
	return NULL;
}
