// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture builder: a spec file in, a sysfs/procfs-shaped tree out.
 *
 * Spec format (tests/unit/fixtures/NAME.fx).  One object per line:
 *
 *     kind name key=value key="value with spaces" ...
 *
 * '#' starts a comment line.  "include OTHER" reads OTHER.fx at that point.
 * A later line for a kind and name already defined adds to or replaces its
 * keys; "drop kind name" removes it.  Some kinds ("power", "iommu") have no
 * name.  Each kind's keys are described at the top of the file that
 * builds it, named next to fx_kinds[] below.
 *
 * The tree: PREFIX/{sys,proc,dev,run,etc}, what vfh_ctx_set_prefix()
 * expects.  This file is the core: the kinds table, building and rendering
 * through it, fx_new()/fx_free()/fx_attach().  The spec reader is
 * fx-spec.c, the file helpers fx-tree.c, the coherence check fx-check.c. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fixture-int.h"

#define MARKER ".vfh-fixture"

void fx_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("fixture: %s", msg);
}

/* In build order: a row's lines are added only once the rows above it are
 * built (a pci line's driver= names drivers that modules and pcidriver
 * lines made); render() runs in the same order once all are built.
 *
 * Where each kind is built, and its keys described:
 *     iommu, pcidriver, pci                       fx-pci.c
 *     module                                      fx-module.c
 *     platform                                    fx-fb.c
 *     vtcon                                       fx-vt.c
 *     power, rtc                                  fx-power.c
 *     unit                                        fx-systemd.c
 *     cpus                                        fx-cpu.c
 *     cgroup                                      fx-cgroup.c
 *     irq, interrupts                             fx-irq.c
 *     mount, route, route6, block, net, virtio,
 *     swap, dev                                   fx-host.c
 *     node, hugepages, hugetlb                    fx-hugepages.c
 *     file, proc                                  fx-proc.c */
const struct fx_kind fx_kinds[] = {
	{ "iommu", false, " enabled ", NULL, fx_iommu_build, fx_iommu_render },
	{ "module", true, " state refcnt holders drivers ", fx_module_add, fx_module_build,
	  fx_module_render },
	{ "pcidriver", true, " module ", fx_pcidriver_add, NULL, NULL },
	{ "pci", true, " parent id subsys class hdr group driver native override reset boot_vga fb nodes physfn numvfs ",
	  fx_pci_add, fx_pci_build, fx_pci_render },
	{ "platform", true, " driver bound fb ", fx_platform_add, NULL, fx_platform_render },
	{ "vtcon", true, " name bound ", fx_vtcon_add, fx_vtcon_build, fx_vtcon_render },
	{ "power", false, " mem_sleep state success ", fx_power_add, NULL, fx_render_power },
	{ "rtc", true, " ", fx_rtc_add, NULL, fx_rtc_render },
	{ "unit", true, " active pid ", fx_unit_add, NULL, NULL },
	/* cgroups and IRQs render what the CPUs allow: after them */
	{ "cpus", false, " online present possible isolated governors governor nocpufreq wq "
	  "writeback rt_runtime rt_period ", fx_cpus_add, NULL, fx_render_cpus },
	{ "cgroup", true, " controllers subtree cpus tasks ", fx_cgroup_add, NULL, fx_render_cgroups },
	{ "irq", true, " name affinity effective managed percpu chip ", fx_irq_add, NULL, NULL },
	{ "interrupts", false, " remap ", fx_interrupts_add, fx_irq_build, fx_render_irqs },
	/* fbcon's hold on the framebuffers of everything above */
	{ NULL, false, NULL, NULL, fk_fb_init, NULL },
	{ "mount", true, " dev fs src root opts ", NULL, NULL, fx_mount_render },
	{ "route", true, " dest mask gw ", NULL, NULL, fx_route_render },
	{ "route6", true, " dest plen ", NULL, NULL, fx_route6_render },
	{ "block", true, " dev pci path parent slaves ", NULL, NULL, fx_block_render },
	{ "net", true, " pci lower ", NULL, NULL, fx_net_render },
	{ "virtio", true, " pci tag ", NULL, NULL, fx_virtio_render },
	{ "swap", true, " ", NULL, NULL, fx_swap_render },
	{ "dev", true, " target ", NULL, NULL, fx_dev_render },
	{ "node", true, " memfree_kb cpus ", fx_node_add, NULL, NULL },
	{ "hugepages", true, " nr used surplus resv max after_compact after_drop ",
	  fx_hugepages_add, NULL, NULL },
	{ "hugetlb", false, " default ", fx_hugetlb_add, fx_hugepages_build, fx_hugepages_render },
	{ "file", true, " size mode uid gid dir link ", NULL, NULL, fx_file_render },
	{ "proc", true, " comm uid fd maps ", NULL, NULL, fx_proc_render },
};
const size_t fx_nkinds = VFH_ARRAY_SIZE(fx_kinds);

const struct fx_kind *fx_kind_find(const char *kind)
{
	for (size_t i = 0; i < fx_nkinds; i++)
		if (fx_kinds[i].kind && strcmp(fx_kinds[i].kind, kind) == 0)
			return &fx_kinds[i];
	return NULL;
}

static void build_model(struct fx *fx)
{
	for (size_t k = 0; k < fx_nkinds; k++) {
		const struct fx_kind *row = &fx_kinds[k];

		for (size_t i = 0; row->kind && row->add && i < fx->nents; i++)
			if (strcmp(fx->ents[i].kind, row->kind) == 0)
				row->add(fx, &fx->ents[i]);
		if (row->build)
			row->build(fx);
	}
}

static void render_all(struct fx *fx)
{
	/* the roots a context points at, whatever the spec holds */
	static const char *const dirs[] = {
		"sys/devices/virtual", "sys/fs/cgroup", "proc/self", "proc/net", "dev", "run", "etc",
	};

	for (size_t i = 0; i < VFH_ARRAY_SIZE(dirs); i++)
		fx_mkdirs(fx, "%s", dirs[i]);
	for (size_t k = 0; k < fx_nkinds; k++)
		if (fx_kinds[k].render)
			fx_kinds[k].render(fx);
}

void *fx_state(struct fx *fx, const char *key, size_t size)
{
	size_t i;

	for (i = 0; i < FX_MAX_STATE && fx->priv[i].key; i++)
		if (strcmp(fx->priv[i].key, key) == 0)
			return fx->priv[i].data;
	if (i == FX_MAX_STATE)
		fx_fail("too many subsystem states (FX_MAX_STATE)");
	fx->priv[i].data = calloc(1, size);
	if (!fx->priv[i].data)
		fx_fail("out of memory");
	fx->priv[i].key = key;
	return fx->priv[i].data;
}

/* ----------------------------------------------------------- public API */

const char *fx_dir(void)
{
	static char dir[PATH_MAX + 32];
	const char *env = getenv("VFH_FIXTURES");
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n;

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	/* the test programs live in BUILD/tests/unit/; the sources are above */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
			*slash = '\0';
			snprintf(probe, sizeof(probe), "%s/tests/unit/fixtures/guest.fx", exe);
			if (access(probe, R_OK) == 0) {
				snprintf(dir, sizeof(dir), "%s/tests/unit/fixtures", exe);
				return dir;
			}
		}
	}
	snprintf(dir, sizeof(dir), "tests/unit/fixtures");
	return dir;
}

int fx_check_prefix(const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (!path || !*path)
		return -EINVAL;
	if (!realpath(path, real))
		return -errno;
	if (strcmp(real, "/") == 0)
		return -EPERM;
	if (stat(real, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Fixtures not freed when the process ends (a test failed between
 * fx_new() and fx_free(): cmocka jumped out of it) are removed then. */
static struct fx *live[32];

static void free_leftovers(void)
{
	for (size_t i = 0; i < VFH_ARRAY_SIZE(live); i++)
		if (live[i])
			fx_free(live[i]);
}

static void track(struct fx *fx, bool add)
{
	static bool registered;

	if (add && !registered) {
		atexit(free_leftovers);
		registered = true;
	}
	for (size_t i = 0; i < VFH_ARRAY_SIZE(live); i++)
		if (add ? !live[i] : live[i] == fx) {
			live[i] = add ? fx : NULL;
			return;
		}
}

struct fx *fx_new_with(const char *name, const char *extra)
{
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX], abs[PATH_MAX];
	struct fx *fx = calloc(1, sizeof(*fx));
	int r;

	if (!fx) {
		fx_fail("out of memory");
		return NULL;
	}
	snprintf(fx->name, sizeof(fx->name), "%s", name);
	/* a fixture is some 600 small files made and removed per test: on a
	 * tmpfs that costs nothing, on a journaling disk seconds per program */
	if (!tmp || *tmp != '/')
		tmp = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(templ, sizeof(templ), "%s/vfh-fx.XXXXXX", tmp);
	if (!mkdtemp(templ)) {
		fx_fail("mkdtemp %s: %s", templ, strerror(errno));
		return NULL;
	}
	r = fx_check_prefix(templ);
	if (r < 0 || !realpath(templ, abs) || strlen(abs) >= sizeof(fx->root) - 64) {
		fx_fail("refusing fixture root %s: %s", templ, strerror(r < 0 ? -r : EINVAL));
		return NULL;
	}
	strcpy(fx->root, abs);
	track(fx, true);
	fx_putf(fx, MARKER, "%s\n", name);
	fx_load_spec(fx, name, 0);
	if (extra) {
		char *copy = strdup(extra);

		fx_spec_text(fx, copy, "(extra)", 0);
		free(copy);
	}
	build_model(fx);
	render_all(fx);
	return fx;
}

struct fx *fx_new(const char *name)
{
	return fx_new_with(name, NULL);
}

void fx_free(struct fx *fx)
{
	char marker[PATH_MAX];

	if (!fx)
		return;
	track(fx, false);
	snprintf(marker, sizeof(marker), "%s/%s", fx->root, MARKER);
	/* only ever a tree this builder made */
	if (fx_check_prefix(fx->root) == 0 && access(marker, F_OK) == 0)
		fx_rmtree_abs(fx->root, fx->root);
	else
		fprintf(stderr, "fixture: not removing %s: not a fixture root\n", fx->root);
	fx_ents_free(fx);
	for (size_t i = 0; i < FX_MAX_STATE; i++)
		free(fx->priv[i].data);
	for (size_t i = 0; i < fx->nlog; i++) {
		free(fx->log[i].path);
		free(fx->log[i].val);
	}
	free(fx->log);
	free(fx->dump);
	free(fx);
}

void fx_attach(struct fx *fx, struct vfh_ctx *ctx)
{
	int r = vfh_ctx_set_prefix(ctx, fx->root);
	size_t n = strlen(fx->root);

	if (r < 0)
		fx_fail("vfh_ctx_set_prefix(%s): %s", fx->root, strerror(-r));
	for (int i = 0; i < VFH_ROOT__COUNT; i++) {
		const char *root = vfh_ctx_get_root(ctx, (enum vfh_root)i);

		if (strncmp(root, fx->root, n) != 0 || root[n] != '/')
			fx_fail("root %d is %s, outside the fixture %s", i, root, fx->root);
	}
	if (vfh_ctx_is_live(ctx))
		fx_fail("context still live after fx_attach");
	vfh_ctx_set_test_ops(ctx, &fk_ops, fx);
}

const char *fx_root(const struct fx *fx)
{
	return fx->root;
}
