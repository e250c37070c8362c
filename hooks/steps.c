// SPDX-License-Identifier: LGPL-2.1-or-later
/* The kinds of step a plan is made of: each captures the state it will
 * change, applies its change, and puts the captured state back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "engine.h"

static const char *const kind_names[STEP__COUNT] = {
	[STEP_UNIT_STOP] = "unit-stop",
	[STEP_VTCON_UNBIND] = "vtcon-unbind",
	[STEP_FB_UNBIND] = "fb-unbind",
	[STEP_PCI_BIND] = "pci-bind",
	[STEP_MODULE_UNLOAD] = "module-unload",
	[STEP_RESET] = "reset",
};

const char *eng_step_kind_name(enum step_kind k)
{
	return (unsigned)k < STEP__COUNT ? kind_names[k] : "?";
}

int eng_step_kind_parse(const char *s)
{
	for (int i = 0; i < STEP__COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -EINVAL;
}

static int vtcon_index(const char *what)
{
	char *end;
	long v;

	if (strncmp(what, "vtcon", 5) != 0)
		return -EINVAL;
	v = strtol(what + 5, &end, 10);
	return (*end || end == what + 5 || v < 0 || v > 63) ? -EINVAL : (int)v;
}

static int addr_of(const struct step *s, struct vfh_pci_addr *a)
{
	return vfh_pci_addr_parse(s->what, a);
}

static const char *reset_name(int r)
{
	return r == RESET_SUSPEND ? "suspend" : r == RESET_AUTO ? "function" : "no";
}

void eng_step_describe(const struct step *s, char *buf, size_t len)
{
	const char *was = s->captured && *s->prior.driver ? s->prior.driver : "no driver";

	switch (s->kind) {
	case STEP_UNIT_STOP:
		snprintf(buf, len, "stop %s", s->what);
		break;
	case STEP_VTCON_UNBIND:
		snprintf(buf, len, "unbind the framebuffer console %s", s->what);
		break;
	case STEP_FB_UNBIND:
		snprintf(buf, len, "unbind %s from %s", s->what, s->target);
		break;
	case STEP_PCI_BIND:
		if (s->captured)
			snprintf(buf, len, "bind %s to %s (was %s)", s->what, s->target, was);
		else
			snprintf(buf, len, "bind %s to %s", s->what, s->target);
		break;
	case STEP_MODULE_UNLOAD:
		snprintf(buf, len, "unload module %s", s->what);
		break;
	case STEP_RESET:
		snprintf(buf, len, "%s reset of %s %s", reset_name(s->reset), s->what,
			 s->reset_at == RESET_AT_PREPARE ? "at prepare" :
			 s->reset_at == RESET_AT_RELEASE ? "before release" :
			 "at prepare and before release");
		break;
	default:
		snprintf(buf, len, "unknown step");
	}
}

int eng_step_capture(struct vfh_ctx *ctx, struct step *s)
{
	struct vfh_pci_addr a;
	struct vfh_vtcon *cons;
	size_t n;
	int r;

	switch (s->kind) {
	case STEP_UNIT_STOP:
		r = vfh_unit_is_active(ctx, s->what);
		if (r < 0)
			return r;
		s->was_on = r;
		break;
	case STEP_VTCON_UNBIND:
		r = vfh_vtcon_list(ctx, &cons, &n);
		if (r < 0)
			return r;
		s->was_on = false;
		for (size_t i = 0; i < n; i++)
			if (cons[i].index == vtcon_index(s->what))
				s->was_on = cons[i].bound;
		free(cons);
		break;
	case STEP_FB_UNBIND: {
		struct vfh_platform_dev *devs;

		r = vfh_fb_platform_list(ctx, &devs, &n);
		if (r < 0)
			return r;
		s->was_on = false;
		for (size_t i = 0; i < n; i++)
			if (strcmp(devs[i].device, s->what) == 0 &&
			    strcmp(devs[i].driver, s->target) == 0)
				s->was_on = true;
		free(devs);
		break;
	}
	case STEP_PCI_BIND:
		if (addr_of(s, &a) < 0)
			return -EINVAL;
		r = vfh_pci_binding_read(ctx, &a, &s->prior);
		if (r < 0)
			return r;
		break;
	case STEP_MODULE_UNLOAD:
		r = vfh_module_loaded(ctx, s->what);
		if (r < 0)
			return r;
		s->was_on = r;
		break;
	case STEP_RESET:
		break;
	default:
		return -EINVAL;
	}
	s->captured = true;
	return 0;
}

static int do_reset(struct vfh_ctx *ctx, const struct step *s)
{
	struct vfh_pci_addr a;

	if (addr_of(s, &a) < 0)
		return -EINVAL;
	if (s->reset == RESET_SUSPEND) {
		struct vfh_suspend_opts o = { s->seconds, s->attempts, -1 };

		return vfh_pci_suspend_reset(ctx, &a, &o, NULL);
	}
	return vfh_pci_reset(ctx, &a);
}

int eng_step_apply(struct vfh_ctx *ctx, struct step *s)
{
	struct vfh_pci_addr a;

	switch (s->kind) {
	case STEP_UNIT_STOP:
		return s->was_on ? vfh_unit_stop(ctx, s->what) : 0;
	case STEP_VTCON_UNBIND:
		return s->was_on ? vfh_vtcon_set_bound(ctx, vtcon_index(s->what), false) : 0;
	case STEP_FB_UNBIND:
		return s->was_on ? vfh_platform_unbind(ctx, s->target, s->what) : 0;
	case STEP_PCI_BIND:
		if (addr_of(s, &a) < 0)
			return -EINVAL;
		return vfh_pci_bind(ctx, &a, s->target, NULL);
	case STEP_MODULE_UNLOAD:
		return s->was_on ? vfh_module_unload(ctx, s->what) : 0;
	case STEP_RESET:
		return (s->reset_at & RESET_AT_PREPARE) ? do_reset(ctx, s) : 0;
	default:
		return -EINVAL;
	}
}

/* fbcon unregisters itself when the last framebuffer goes and comes back
 * (maybe under another vtconN) when one is registered again: bind the
 * framebuffer console wherever it now is. */
static int rebind_fbcon(struct vfh_ctx *ctx, const struct step *s)
{
	struct vfh_vtcon *cons;
	size_t n;
	int idx = -1, r;

	r = vfh_vtcon_list(ctx, &cons, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!cons[i].is_framebuffer)
			continue;
		if (idx < 0 || cons[i].index == vtcon_index(s->what))
			idx = cons[i].index;
		if (cons[i].bound && cons[i].index == idx) {
			free(cons);
			return 0;	/* the kernel bound it already */
		}
	}
	free(cons);
	if (idx < 0) {
		eng_log(LOG_WARNING, "no framebuffer console to bind back (was %s): is the GPU's "
			 "driver back?", s->what);
		return 0;
	}
	return vfh_vtcon_set_bound(ctx, idx, true);
}

int eng_step_undo(struct vfh_ctx *ctx, const struct step *s)
{
	struct vfh_pci_addr a;
	int r;

	if (!s->captured)
		return 0;	/* never got as far as reading the state: nothing done */
	switch (s->kind) {
	case STEP_UNIT_STOP:
		if (!s->was_on)
			return 0;
		r = vfh_unit_is_active(ctx, s->what);
		return r == 1 ? 0 : r < 0 ? r : vfh_unit_start(ctx, s->what);
	case STEP_VTCON_UNBIND:
		return s->was_on ? rebind_fbcon(ctx, s) : 0;
	case STEP_FB_UNBIND: {
		char path[512];

		if (!s->was_on)
			return 0;
		/* a GPU driver that took over the firmware framebuffer removes
		 * its platform device: then there is nothing to rebind */
		if (vfh_ctx_path(ctx, VFH_ROOT_SYS, path, sizeof(path),
				 "bus/platform/devices/%s", s->what) == 0 && access(path, F_OK) != 0)
			return 0;
		return vfh_platform_bind(ctx, s->target, s->what);
	}
	case STEP_PCI_BIND:
		if (addr_of(s, &a) < 0)
			return -EINVAL;
		r = vfh_pci_restore(ctx, &a, &s->prior);
		if (r == -ENODEV) {
			/* off the bus (a reset that died half-way, a surprise
			 * removal): bring it back, then put its driver back */
			struct vfh_pci_removed gone = { a, s->prior };

			r = vfh_pci_rescan(ctx, &gone, 1);
		}
		return r;
	case STEP_MODULE_UNLOAD:
		return s->was_on ? vfh_module_load(ctx, s->what) : 0;
	case STEP_RESET:
		return (s->reset_at & RESET_AT_RELEASE) ? do_reset(ctx, s) : 0;
	default:
		return -EINVAL;
	}
}

bool eng_step_undo_at_stopped(const struct step *s)
{
	return s->kind == STEP_RESET && (s->reset_at & RESET_AT_RELEASE);
}

bool eng_step_undo_best_effort(const struct step *s)
{
	/* a reset that failed cannot be retried into success later, and the
	 * device must go back to its driver all the same */
	return s->kind == STEP_RESET;
}
