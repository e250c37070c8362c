// SPDX-License-Identifier: LGPL-2.1-or-later
/* prepare's plan: which devices go (with their IOMMU groups and slot
 * companions), what must let go of them first, and the safety checks that
 * refuse to take what the host needs. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

struct builder {
	struct vfh_ctx *ctx;
	const struct hook_config *cfg;
	struct plan *plan;
	struct eng_err *e;
	struct vfh_pci_addr *devs;	/* the set going to the VM */
	size_t n, cap;
};

#define berr(b, r, ...) eng_fail((b)->e, r, __VA_ARGS__)

static bool has(const struct vfh_pci_addr *v, size_t n, const struct vfh_pci_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (vfh_pci_addr_eq(&v[i], a))
			return true;
	return false;
}

int eng_plan_add(struct plan *plan, const struct step *s)
{
	if (plan->n == plan->cap) {
		size_t cap = plan->cap ? plan->cap * 2 : 8;
		struct step *ns = realloc(plan->steps, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		plan->steps = ns;
		plan->cap = cap;
	}
	plan->steps[plan->n++] = *s;
	return 0;
}

/* Adds a step made by one of the kinds' constructors (r is what it
 * returned): a name too long for a step is refused, never shortened, as a
 * shortened unit or module name would act on something else. */
static int add(struct builder *b, int r, const struct step *s)
{
	char d[256];

	if (r == 0)
		r = eng_plan_add(b->plan, s);
	if (r == 0)
		return 0;
	if (r == -ENOMEM)
		return berr(b, r, "out of memory");
	snprintf(d, sizeof(d), "%s", s->what);
	return berr(b, r, "'%.128s' cannot be the subject of a step (too long, or not a valid "
		    "name for it)", d);
}

/* Adds a device, then (as configured) the rest of its IOMMU group and the
 * other functions of its slot, until nothing new comes in. */
static int take(struct builder *b, const struct vfh_pci_addr *a, const char *why)
{
	struct vfh_pci_info info;
	char s[VFH_PCI_ADDR_MAX];
	int r;

	if (has(b->devs, b->n, a))
		return 0;
	vfh_pci_addr_format(a, s, sizeof(s));
	r = vfh_pci_info_read(b->ctx, a, &info);
	if (r == -ENODEV)
		return berr(b, r, "%s (%s) is not on this host: check the address with lspci -D",
			    s, why);
	if (r < 0)
		return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
	if (info.iommu_group < 0)
		return berr(b, -ENODEV, "%s has no IOMMU group: turn the IOMMU on (VT-d/AMD-Vi in "
			    "the firmware, intel_iommu=on or amd_iommu=on on the kernel command line)",
			    s);
	/* bridges stay with the host: VFIO accepts them in a group as they are */
	if (info.is_bridge)
		return 0;
	/* a PF's driver disables its VFs when it lets go: every VF, in use
	 * by the host or another VM, would vanish */
	if (info.sriov_numvfs > 0)
		return berr(b, -EBUSY, "%s (%s) is an SR-IOV physical function with %d virtual "
			    "function%s enabled: taking it from its driver removes them.  Give "
			    "the VM a virtual function (<interface type='hostdev'> or <hostdev> "
			    "with its address), or write 0 to its sriov_numvfs first", s, why,
			    info.sriov_numvfs, info.sriov_numvfs == 1 ? "" : "s");
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct vfh_pci_addr *nv = realloc(b->devs, cap * sizeof(*nv));

		if (!nv)
			return berr(b, -ENOMEM, "out of memory or a name too long");
		b->devs = nv;
		b->cap = cap;
	}
	b->devs[b->n++] = *a;

	if (b->cfg->take_group) {
		struct vfh_pci_addr *m;
		size_t nm;
		char whybuf[64];

		r = vfh_iommu_group_members(b->ctx, info.iommu_group, &m, &nm);
		if (r < 0)
			return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
		snprintf(whybuf, sizeof(whybuf), "IOMMU group %d of %s", info.iommu_group, s);
		for (size_t i = 0; i < nm && r == 0; i++)
			r = take(b, &m[i], whybuf);
		free(m);
		if (r < 0)
			return r;
	}
	if (b->cfg->take_companions) {
		struct vfh_pci_addr *c;
		size_t nc;
		char whybuf[64];

		r = vfh_pci_companions(b->ctx, a, &c, &nc);
		if (r < 0)
			return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
		snprintf(whybuf, sizeof(whybuf), "in the slot of %s", s);
		for (size_t i = 0; i < nc && r == 0; i++)
			r = take(b, &c[i], whybuf);
		free(c);
	}
	return r;
}

/* Refuses what the host needs: its disks' and mounts' controllers, its
 * default-route NICs. */
static int check_host_needs(struct builder *b)
{
	struct vfh_host_need *needs;
	size_t n;
	int r = vfh_host_needs(b->ctx, &needs, &n);

	if (r < 0)
		return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
	for (size_t i = 0; i < n; i++) {
		char s[VFH_PCI_ADDR_MAX];

		if (!has(b->devs, b->n, &needs[i].addr))
			continue;
		vfh_pci_addr_format(&needs[i].addr, s, sizeof(s));
		if (needs[i].presumed) {
			/* fail closed, unless the user knows this one is free */
			if (has(b->cfg->free, b->cfg->n_free, &needs[i].addr))
				continue;
			r = berr(b, -EBUSY, "refused: %s would go to the VM with the devices in %s, "
				 "but the host may need it: %s, so every such controller is kept; "
				 "if %s holds nothing the host uses, add 'free = %s' to [devices]",
				 s, b->cfg->path, needs[i].why, s, s);
			break;
		}
		r = berr(b, -EBUSY, "refused: %s would go to the VM with the devices in %s, but "
			 "the host needs it (%s); pass through a device in another IOMMU group",
			 s, b->cfg->path, needs[i].why);
		break;
	}
	free(needs);
	return r;
}

/* The boot display only goes when the INI says the host gives up its
 * console ([single-gpu]); a second GPU left on the host is fine. */
static int check_boot_display(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct vfh_pci_info info;
		char s[VFH_PCI_ADDR_MAX];
		int left;

		/* a boot VGA already off the host's drivers is not showing the
		 * host's console */
		if (vfh_pci_info_read(b->ctx, &b->devs[i], &info) < 0 || info.boot_vga != 1 ||
		    vfh_driver_is_vfio_ok(info.driver))
			continue;
		if (b->cfg->single_gpu)
			return 0;
		left = vfh_displays_remaining(b->ctx, b->devs, b->n);
		if (left < 0)
			return berr(b, left, "%s", vfh_ctx_errmsg(b->ctx));
		if (left > 0)
			return 0;
		vfh_pci_addr_format(&b->devs[i], s, sizeof(s));
		return berr(b, -EBUSY, "refused: %s is the host's boot display and no other GPU "
			    "would be left; add a [single-gpu] section to %s to hand the host's "
			    "only GPU to the VM", s, b->cfg->path);
	}
	return 0;
}

static int check_groups_viable(struct builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct vfh_pci_addr *bl;
		struct vfh_pci_info info;
		size_t nb;
		int r;

		if (vfh_pci_info_read(b->ctx, &b->devs[i], &info) < 0)
			continue;
		r = vfh_iommu_group_viable(b->ctx, info.iommu_group, b->devs, b->n, &bl, &nb);
		if (r < 0)
			return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
		if (r == 0) {
			char s[VFH_PCI_ADDR_MAX], o[VFH_PCI_ADDR_MAX];

			vfh_pci_addr_format(&b->devs[i], s, sizeof(s));
			vfh_pci_addr_format(&bl[0], o, sizeof(o));
			free(bl);
			return berr(b, -EBUSY, "refused: IOMMU group %d of %s also holds %s, which "
				    "would stay on its host driver and make the group unusable; set "
				    "take_group = yes in %s or list it in passthrough",
				    info.iommu_group, s, o, b->cfg->path);
		}
		free(bl);
	}
	return 0;
}

/* Nothing the plan takes may be held by another domain: the ledger of
 * every other journal's claims says who holds what. */
static int check_not_held(struct builder *b, const char *domain)
{
	struct ledger l;
	char dir[512];
	int r = eng_ledger_load(b->ctx, domain, &l);

	if (r < 0)
		return berr(b, r, "cannot read the other domains' journals: %s", strerror(-r));
	if (*l.unreadable) {
		vfh_ctx_path(b->ctx, VFH_ROOT_RUN, dir, sizeof(dir), VFH_RUN_DIR "/%s", l.unreadable);
		r = berr(b, l.unreadable_err, "refused: the journal of domain '%s' cannot be read "
			 "(%s), and it may hold these devices; inspect %s, then run 'vfiohook "
			 "recover %s'", l.unreadable, strerror(-l.unreadable_err), dir, l.unreadable);
		eng_ledger_free(&l);
		return r;
	}
	for (size_t i = 0; i < b->plan->n && r == 0; i++) {
		struct claim c[STEP_CLAIMS_MAX];
		size_t nc;
		const char *holder = NULL;

		memset(c, 0, sizeof(c));
		nc = eng_step_claims(&b->plan->steps[i], c);
		for (size_t k = 0; k < nc && !holder; k++)
			if (c[k].exclusive)
				holder = eng_ledger_holder(&l, c[k].type, c[k].key);
		if (!holder)
			continue;
		vfh_ctx_path(b->ctx, VFH_ROOT_RUN, dir, sizeof(dir), VFH_RUN_DIR "/%s", holder);
		r = berr(b, -EBUSY, "refused: %s is held by domain '%s' (its journal in %s); "
			 "shut that domain down first", b->plan->steps[i].what, holder, dir);
	}
	eng_ledger_free(&l);
	return r;
}

/* A directory below the sys root, or NULL (absent, unreadable). */
static DIR *sys_dir(struct builder *b, const char *what, const char *name, const char *sub)
{
	char path[1024];

	if (vfh_ctx_path(b->ctx, VFH_ROOT_SYS, path, sizeof(path), "%s/%s/%s", what, name,
			 sub) < 0)
		return NULL;
	return opendir(path);
}

static void modname(const char *in, char *out, size_t len)
{
	snprintf(out, len, "%s", in);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* unload_modules, before anything changes: what would make an unload fail
 * half-way (a module using it that is not unloaded before it) or take a
 * device the host keeps (another device it drives, and whatever holds that
 * device's nodes) is refused now, named.  Its users count (refcnt) is
 * only known once the devices are off it: the step itself refuses then. */
static int check_modules(struct builder *b)
{
	const struct hook_config *c = b->cfg;
	int r = 0;

	for (size_t i = 0; i < c->n_modules && r == 0; i++) {
		char mod[VFH_NAME_MAX];
		struct dirent *de;
		DIR *d;

		modname(c->unload_modules[i], mod, sizeof(mod));
		d = sys_dir(b, "module", mod, "holders");
		while (d && r == 0 && (de = readdir(d))) {
			bool before = false;

			if (de->d_name[0] == '.')
				continue;
			for (size_t j = 0; j < i && !before; j++) {
				char o[VFH_NAME_MAX];

				modname(c->unload_modules[j], o, sizeof(o));
				before = strcmp(o, de->d_name) == 0;
			}
			if (!before)
				r = berr(b, -EBUSY, "refused: module %s is in use by module %s, which "
					 "%s does not unload before it: list %s before %s in "
					 "unload_modules", mod, de->d_name, c->path, de->d_name,
					 c->unload_modules[i]);
		}
		if (d)
			closedir(d);
		d = sys_dir(b, "module", mod, "drivers");
		while (d && r == 0 && (de = readdir(d))) {
			struct dirent *dv;
			DIR *dd;

			if (strncmp(de->d_name, "pci:", 4) != 0)
				continue;
			dd = sys_dir(b, "bus/pci/drivers", de->d_name + 4, "");
			while (dd && r == 0 && (dv = readdir(dd))) {
				struct vfh_pci_addr a;
				struct vfh_holder *h = NULL;
				char who[256] = "";
				size_t n = 0;

				if (vfh_pci_addr_parse(dv->d_name, &a) < 0 || has(b->devs, b->n, &a))
					continue;
				if (vfh_pci_holders(b->ctx, &a, &h, &n) == 0 && n)
					snprintf(who, sizeof(who), "; %d (%s)%s uses it", h[0].pid,
						 h[0].comm, n > 1 ? " and others" : "");
				free(h);
				r = berr(b, -EBUSY, "refused: module %s also drives %s (driver %s), "
					 "which stays with the host%s: unloading it would take that device "
					 "away too; remove %s from unload_modules in %s", mod, dv->d_name,
					 de->d_name + 4, who, c->unload_modules[i], c->path);
			}
			if (dd)
				closedir(dd);
		}
		if (d)
			closedir(d);
	}
	return r;
}

static int single_gpu_release_steps(struct builder *b)
{
	const struct hook_config *c = b->cfg;
	struct step s;
	int r;

	for (size_t i = 0; i < c->n_units; i++)
		if ((r = add(b, eng_step_init(&s, &eng_step_unit_stop, c->stop_units[i]), &s)) < 0)
			return r;
	if (c->unbind_vtconsoles) {
		struct vfh_vtcon *cons;
		size_t n;

		r = vfh_vtcon_list(b->ctx, &cons, &n);
		if (r < 0)
			return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
		for (size_t i = 0; i < n; i++) {
			char what[16];

			if (!cons[i].is_framebuffer)
				continue;
			snprintf(what, sizeof(what), "vtcon%d", cons[i].index);
			if ((r = add(b, eng_step_init(&s, &eng_step_vtcon_unbind, what), &s)) < 0) {
				free(cons);
				return r;
			}
		}
		free(cons);
	}
	if (c->unbind_framebuffers) {
		struct vfh_platform_dev *devs;
		size_t n;

		r = vfh_fb_platform_list(b->ctx, &devs, &n);
		if (r < 0)
			return berr(b, r, "%s", vfh_ctx_errmsg(b->ctx));
		for (size_t i = 0; i < n; i++)
			if ((r = add(b, eng_step_init_fb_unbind(&s, devs[i].device, devs[i].driver),
				     &s)) < 0) {
				free(devs);
				return r;
			}
		free(devs);
	}
	return 0;
}

int eng_plan_build(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		   const struct domain_xml *dom, struct plan *plan, struct eng_err *e)
{
	/* cppcheck 2.10 (ctu) takes the caller's uninitialised plan for a
	 * read: only its address is kept, and it is cleared below */
	// cppcheck-suppress ctuuninitvar
	struct builder b = { ctx, cfg, plan, e, NULL, 0, 0 };
	struct step st;
	int r = 0;

	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < cfg->n_listed && r == 0; i++) {
		char why[600];

		snprintf(why, sizeof(why), "passthrough in %s:%d", cfg->path, cfg->listed_line[i]);
		r = take(&b, &cfg->listed[i], why);
	}
	if (cfg->from_xml && dom)
		for (size_t i = 0; i < dom->n_hostdevs && r == 0; i++)
			r = take(&b, &dom->hostdevs[i].addr, "a <hostdev> of the domain");
	if (r == 0)
		r = eng_config_check_hostdevs(cfg, dom, b.devs, b.n, e);
	if (r < 0)
		goto fail;
	if (b.n > 1)
		qsort(b.devs, b.n, sizeof(*b.devs), vfh_pci_addr_cmp);

	if ((r = check_host_needs(&b)) < 0 || (r = check_boot_display(&b)) < 0 ||
	    (r = check_groups_viable(&b)) < 0 || (cfg->single_gpu && (r = check_modules(&b)) < 0))
		goto fail;

	/* the host's memory and files first: what fails most often, before
	 * any device moved */
	if ((r = eng_plan_memory(ctx, cfg, dom, plan, e)) < 0 ||
	    (r = eng_plan_shm(ctx, cfg, dom, plan, e)) < 0)
		goto fail;

	/* free the devices from the host's hold, then move them, then unload
	 * what held them, then reset */
	if ((r = eng_plan_holders(ctx, cfg, b.devs, b.n, plan, e)) < 0 ||
	    (cfg->single_gpu && (r = single_gpu_release_steps(&b)) < 0))
		goto fail;
	for (size_t i = 0; i < b.n; i++) {
		struct dev_conf d;
		char s[VFH_PCI_ADDR_MAX];

		eng_config_device(cfg, &b.devs[i], &d);
		vfh_pci_addr_format(&b.devs[i], s, sizeof(s));
		r = eng_step_init_pci_bind(&st, s, d.driver);
		/* something was asked to let go of the devices: give it the
		 * bound to do so; else a holder is refused at once */
		if (r == 0 && (cfg->single_gpu || cfg->when_held == HELD_STOP))
			eng_step_pci_bind_held_wait(&st, cfg->held_wait_s * 1000);
		if ((r = add(&b, r, &st)) < 0)
			goto fail;
	}
	for (size_t i = 0; cfg->single_gpu && i < cfg->n_modules; i++)
		if ((r = add(&b, eng_step_init(&st, &eng_step_module_unload, cfg->unload_modules[i]),
			     &st)) < 0)
			goto fail;
	for (size_t i = 0; i < b.n; i++) {
		struct dev_conf d;
		char a[VFH_PCI_ADDR_MAX];
		bool dup = false;

		eng_config_device(cfg, &b.devs[i], &d);
		if (d.reset == RESET_NONE)
			continue;
		/* a suspend reset takes the whole slot: once per slot */
		for (size_t j = 0; d.reset == RESET_SUSPEND && j < i; j++) {
			struct dev_conf o;

			eng_config_device(cfg, &b.devs[j], &o);
			dup |= o.reset == RESET_SUSPEND && vfh_pci_addr_same_slot(&b.devs[j], &b.devs[i]);
		}
		if (dup)
			continue;
		vfh_pci_addr_format(&b.devs[i], a, sizeof(a));
		r = eng_step_init_reset(&st, a, d.reset, d.reset_at, d.suspend_seconds,
					d.suspend_attempts);
		if ((r = add(&b, r, &st)) < 0)
			goto fail;
		if (d.reset == RESET_AUTO) {
			/* a reset that cannot happen would fail every release */
			if (vfh_pci_reset_supported(ctx, &b.devs[i]) == 0) {
				r = berr(&b, -EOPNOTSUPP, "refused: %s asks for reset = auto but the "
					 "kernel has no reset method for it (no FLR, PM or bus reset); "
					 "choose reset = none or suspend for it in %s", a, cfg->path);
				goto fail;
			}
		}
		if (d.reset == RESET_SUSPEND && vfh_power_can_deep_sleep(ctx) == 0) {
			r = berr(&b, -EOPNOTSUPP, "refused: %s asks for reset = suspend but this host "
				 "cannot suspend to RAM (no 'deep' in /sys/power/mem_sleep); enable S3 "
				 "in the firmware and boot with mem_sleep_default=deep, or choose "
				 "another reset in %s", a, cfg->path);
			goto fail;
		}
	}
	/* host work off the VM's CPUs last: nothing else runs after it */
	if ((r = eng_plan_cpus(ctx, domain, cfg, dom, plan, e)) < 0)
		goto fail;
	for (size_t i = 0; i < plan->n; i++)
		snprintf(plan->steps[i].domain, sizeof(plan->steps[i].domain), "%s", domain);
	/* every claim of the plan against the other domains' journals */
	if ((r = check_not_held(&b, domain)) < 0)
		goto fail;
	free(b.devs);
	return 0;
fail:
	free(b.devs);
	eng_plan_free(plan);
	return r;
}

void eng_plan_free(struct plan *plan)
{
	free(plan->steps);
	plan->steps = NULL;
	plan->n = plan->cap = 0;
}
