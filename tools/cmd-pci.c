// SPDX-License-Identifier: LGPL-2.1-or-later
/* Commands on PCI devices and IOMMU groups: list, show, group, groups
 * (reports), bind, restore, unbind, remove-rescan, reset (actions). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The device as a report object; info must have been read. */
static struct onode *dev_node(struct vfh_ctx *ctx, struct onode *parent, const char *key,
			      const struct vfh_pci_info *info)
{
	struct onode *d = o_obj(parent, key);
	char a[VFH_PCI_ADDR_MAX], vendor[128] = "", device[128] = "";

	vfh_pci_addr_format(&info->addr, a, sizeof(a));
	vfh_pci_names(ctx, info, vendor, sizeof(vendor), device, sizeof(device));
	o_str(d, "address", a);
	o_strf(d, "class", "%06x", info->class);
	o_strf(d, "ids", "%04x:%04x", info->vendor, info->device);
	o_strf(d, "subsystem", "%04x:%04x", info->subsystem_vendor, info->subsystem_device);
	o_str(d, "vendor_name", *vendor ? vendor : NULL);
	o_str(d, "device_name", *device ? device : NULL);
	o_str(d, "driver", *info->driver ? info->driver : NULL);
	o_str(d, "driver_override", *info->driver_override ? info->driver_override : NULL);
	if (info->iommu_group >= 0)
		o_int(d, "iommu_group", info->iommu_group);
	else
		o_null(d, "iommu_group");
	o_str(d, "reset_method", *info->reset_method ? info->reset_method : NULL);
	o_bool(d, "bridge", info->is_bridge);
	o_bool(d, "display", info->is_display);
	o_bool(d, "boot_vga", info->boot_vga == 1);
	return d;
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

/* a line without its trailing blanks (a table's empty last column) */
static void puts_trimmed(char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = 0;
	puts(line);
}

static void names(const struct onode *d, char *buf, size_t len)
{
	const char *v = o_gets(d, "vendor_name"), *n = o_gets(d, "device_name");

	snprintf(buf, len, "%s%s%s", v, *v && *n ? " " : "", n);
}

/* ---- list */

static void list_human(const struct onode *doc, const struct opts *o)
{
	const struct onode *devs = o_get(doc, "devices");
	int dw = 6;

	(void)o;
	for (size_t i = 0; i < devs->n; i++) {
		int l = (int)strlen(or_dash(o_gets(devs->kid[i], "driver")));

		dw = l > dw ? l : dw;
	}
	printf("%-12s %-6s %-9s %-3s %-*s NAME\n", "ADDRESS", "CLASS", "IDS", "GRP", dw, "DRIVER");
	for (size_t i = 0; i < devs->n; i++) {
		const struct onode *d = devs->kid[i];
		const char *name = *o_gets(d, "device_name") ? o_gets(d, "device_name") :
				   o_gets(d, "vendor_name");
		char cut[256], group[16] = "-", line[512];
		int used = 12 + 1 + 6 + 1 + 9 + 1 + 3 + 1 + dw + 1;

		if (o_geti(d, "iommu_group") >= 0)
			snprintf(group, sizeof(group), "%lld", o_geti(d, "iommu_group"));
		snprintf(line, sizeof(line), "%-12s %-6s %-9s %-3s %-*s %s", o_gets(d, "address"),
			 o_gets(d, "class"), o_gets(d, "ids"), group, dw, or_dash(o_gets(d, "driver")),
			 fit(name, used < COLS ? (size_t)(COLS - used) : 4, cut, sizeof(cut)));
		puts_trimmed(line);
	}
}

int cmd_list(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_addr *addrs;
	struct onode *doc = o_doc("list"), *devs = o_arr(doc, "devices");
	size_t n;
	int r, bad = 0;

	(void)argc;
	(void)argv;
	r = vfh_pci_list(ctx, &addrs, &n);
	if (r < 0)
		die_lib(ctx, r, "listing PCI devices");
	for (size_t i = 0; i < n; i++) {
		struct vfh_pci_info info;

		r = vfh_pci_info_read(ctx, &addrs[i], &info);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, vfh_ctx_errmsg(ctx));
			bad = 1;
			continue;
		}
		dev_node(ctx, devs, NULL, &info);
	}
	free(addrs);
	o_emit(doc, o, list_human);
	return bad ? EXIT_FINDING : EXIT_OK;
}

/* ---- show */

static void show_human(const struct onode *doc, const struct opts *o)
{
	const struct onode *d = o_get(doc, "device");
	const char *v = o_gets(d, "vendor_name"), *n = o_gets(d, "device_name");

	(void)o;
	printf("address:          %s\n", o_gets(d, "address"));
	printf("name:             %s %s\n", *v ? v : "?", *n ? n : "?");
	printf("ids:              %s (subsystem %s)\n", o_gets(d, "ids"), o_gets(d, "subsystem"));
	printf("class:            %s%s%s\n", o_gets(d, "class"),
	       o_getb(d, "bridge") ? " (bridge)" : "", o_getb(d, "display") ? " (display)" : "");
	printf("driver:           %s\n", or_dash(o_gets(d, "driver")));
	printf("driver_override:  %s\n", or_dash(o_gets(d, "driver_override")));
	if (o_geti(d, "iommu_group") >= 0)
		printf("iommu_group:      %lld\n", o_geti(d, "iommu_group"));
	else
		printf("iommu_group:      - (no IOMMU: 'vfiohook groups' says how to turn it on)\n");
	printf("reset_method:     %s\n", or_dash(o_gets(d, "reset_method")));
	if (o_getb(d, "display"))
		printf("boot_vga:         %d\n", o_getb(d, "boot_vga"));
}

int cmd_show(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_info info;
	struct vfh_pci_addr a = addr_arg("show", argv[0]);
	struct onode *doc;
	int r;

	(void)argc;
	r = vfh_pci_info_read(ctx, &a, &info);
	if (r < 0)
		die_lib(ctx, r, argv[0]);
	doc = o_doc("show");
	dev_node(ctx, doc, "device", &info);
	o_emit(doc, o, show_human);
	return EXIT_OK;
}

/* ---- group, groups */

struct host_view {
	struct vfh_host_need *needs;
	size_t n_needs;
};

/* One group as a report object: members with their marks, and the
 * verdict on giving it to a VM as it is. */
static void group_node(struct vfh_ctx *ctx, struct onode *parent, const char *key, int group,
		       const struct host_view *hv)
{
	struct vfh_pci_addr *members, *blockers = NULL;
	size_t n, nb = 0, endpoints = 0, moving = 0;
	struct onode *g = o_obj(parent, key), *devs;
	const char *verdict = "movable";
	char why[512] = "", boot[VFH_PCI_ADDR_MAX] = "";
	int r, viable;

	r = vfh_iommu_group_members(ctx, group, &members, &n);
	if (r < 0)
		die_lib(ctx, r, "listing the group");
	viable = vfh_iommu_group_viable(ctx, group, NULL, 0, &blockers, &nb);
	if (viable < 0)
		die_lib(ctx, viable, "checking the group");
	o_int(g, "group", group);
	o_bool(g, "viable", viable == 1);
	devs = o_arr(g, "devices");
	for (size_t i = 0; i < n; i++) {
		struct vfh_pci_info info;
		struct vfh_pci_addr *comp = NULL;
		size_t nc = 0;
		struct onode *d, *marks;
		bool blocks = false;

		if (vfh_pci_info_read(ctx, &members[i], &info) < 0)
			continue;
		for (size_t j = 0; j < nb; j++)
			blocks |= vfh_pci_addr_eq(&blockers[j], &members[i]);
		d = dev_node(ctx, devs, NULL, &info);
		marks = o_arr(d, "marks");
		if (info.is_display)
			o_str(marks, NULL, "gpu");
		if (info.boot_vga == 1) {
			o_str(marks, NULL, "boot-vga");
			vfh_pci_addr_format(&info.addr, boot, sizeof(boot));
		}
		if (info.is_bridge)
			o_str(marks, NULL, "bridge");
		else
			endpoints++;
		if (blocks) {
			o_str(marks, NULL, "blocks");
			moving++;
		}
		/* a function that shares its slot with a GPU goes with it */
		if (!info.is_display && vfh_pci_companions(ctx, &info.addr, &comp, &nc) == 0) {
			for (size_t j = 0; j < nc; j++) {
				struct vfh_pci_info ci;
				char s[VFH_PCI_ADDR_MAX];

				if (vfh_pci_info_read(ctx, &comp[j], &ci) == 0 && ci.is_display) {
					vfh_pci_addr_format(&comp[j], s, sizeof(s));
					o_str(marks, NULL, "companion");
					o_str(d, "companion_of", s);
					break;
				}
			}
		}
		free(comp);
		for (size_t j = 0; j < hv->n_needs; j++)
			if (vfh_pci_addr_eq(&hv->needs[j].addr, &members[i])) {
				char s[VFH_PCI_ADDR_MAX];

				o_str(marks, NULL, "host-needs");
				o_str(d, "host_needs", hv->needs[j].why);
				vfh_pci_addr_format(&members[i], s, sizeof(s));
				if (strcmp(verdict, "host-needs") != 0)
					snprintf(why, sizeof(why), "no VM: the host needs %s (%s)", s,
						 hv->needs[j].why);
				verdict = "host-needs";
			}
	}
	if (strcmp(verdict, "host-needs") == 0) {
		/* why says it */
	} else if (endpoints == 0) {
		verdict = "bridges-only";
		snprintf(why, sizeof(why), "bridges only, nothing to give");
	} else if (*boot && vfh_displays_remaining(ctx, members, n) == 0) {
		verdict = "boot-display";
		snprintf(why, sizeof(why), "only with [single-gpu]: %s is the only display",
			 boot);
	} else if (viable == 1) {
		verdict = "ready";
		snprintf(why, sizeof(why), "can go to a VM as it is");
	} else {
		snprintf(why, sizeof(why), "the hook moves %zu device%s to vfio-pci", moving,
			 moving == 1 ? "" : "s");
	}
	o_str(g, "verdict", verdict);
	o_str(g, "why", why);
	free(members);
	free(blockers);
}

static const char *mark_text(const struct onode *d, char *buf, size_t len)
{
	const struct onode *marks = o_get(d, "marks");

	*buf = 0;
	for (size_t i = 0; marks && i < marks->n; i++) {
		const char *m = marks->kid[i]->s;
		char one[64];

		if (strcmp(m, "gpu") == 0)
			snprintf(one, sizeof(one), "GPU");
		else if (strcmp(m, "boot-vga") == 0)
			snprintf(one, sizeof(one), "boot VGA");
		else if (strcmp(m, "companion") == 0)
			snprintf(one, sizeof(one), "with %s", o_gets(d, "companion_of"));
		else if (strcmp(m, "host-needs") == 0)
			snprintf(one, sizeof(one), "host: %s", o_gets(d, "host_needs"));
		else
			snprintf(one, sizeof(one), "%s", m);
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", *buf ? ", " : "", one);
	}
	return buf;
}

static void group_human(const struct onode *g, const struct opts *o)
{
	const struct onode *devs = o_get(g, "devices");
	const char *v = o_gets(g, "verdict");
	const char *word = strcmp(v, "ready") == 0 || strcmp(v, "movable") == 0 ? "ok" :
			   strcmp(v, "boot-display") == 0 ? "warn" : "fail";

	/* "viable": VFIO can open the group now; then what it takes */
	printf("group %lld: %s%s: %s%s\n", o_geti(g, "group"), c_on(o, word),
	       o_getb(g, "viable") ? "viable" : "not viable", o_gets(g, "why"), c_off(o));
	for (size_t i = 0; i < devs->n; i++) {
		const struct onode *d = devs->kid[i];
		char marks[256], name[256], cut[256];

		char line[512];

		snprintf(line, sizeof(line), "  %-12s %-6s %-9s %-13s %-5s %s", o_gets(d, "address"),
			 o_gets(d, "class"), o_gets(d, "ids"), or_dash(o_gets(d, "driver")),
			 or_dash(o_gets(d, "reset_method")), mark_text(d, marks, sizeof(marks)));
		puts_trimmed(line);
		names(d, name, sizeof(name));
		if (*name)
			printf("  %12s %s\n", "", fit(name, COLS - 15, cut, sizeof(cut)));
	}
}

/* The IOMMU is on when the kernel made at least one IOMMU group. */
bool cli_iommu_on(struct vfh_ctx *ctx)
{
	char dir[512];
	struct dirent *de;
	bool any = false;
	DIR *d;

	if (vfh_ctx_path(ctx, VFH_ROOT_SYS, dir, sizeof(dir), "kernel/iommu_groups") < 0)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!any && (de = readdir(d)))
		any = de->d_name[0] != '.';
	closedir(d);
	return any;
}

static void host_view_load(struct vfh_ctx *ctx, struct host_view *hv)
{
	if (vfh_host_needs(ctx, &hv->needs, &hv->n_needs) < 0) {
		hv->needs = NULL;
		hv->n_needs = 0;
	}
}

static void group_one_human(const struct onode *doc, const struct opts *o)
{
	const struct onode *comp = o_get(doc, "companions");

	group_human(o_get(doc, "group"), o);
	for (size_t i = 0; comp && i < comp->n; i++)
		printf("companion %s\n", comp->kid[i]->s);
}

int cmd_group(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_addr a = addr_arg("group", argv[0]), *comp;
	struct vfh_pci_info info;
	struct host_view hv;
	struct onode *doc, *arr;
	size_t nc;
	int r;

	(void)argc;
	r = vfh_pci_info_read(ctx, &a, &info);
	if (r < 0)
		die_lib(ctx, r, argv[0]);
	if (info.iommu_group < 0)
		die("%s has no IOMMU group: enable the IOMMU (intel_iommu=on or amd_iommu=on, "
		    "VT-d/AMD-Vi in firmware)", argv[0]);
	host_view_load(ctx, &hv);
	doc = o_doc("group");
	group_node(ctx, doc, "group", info.iommu_group, &hv);
	free(hv.needs);
	r = vfh_pci_companions(ctx, &a, &comp, &nc);
	if (r < 0)
		die_lib(ctx, r, "listing companions");
	arr = o_arr(doc, "companions");
	for (size_t i = 0; i < nc; i++) {
		char s[VFH_PCI_ADDR_MAX];

		vfh_pci_addr_format(&comp[i], s, sizeof(s));
		o_str(arr, NULL, s);
	}
	free(comp);
	o_emit(doc, o, group_one_human);
	return EXIT_OK;
}

static void groups_human(const struct onode *doc, const struct opts *o)
{
	const struct onode *gs = o_get(doc, "groups");

	if (!o_getb(doc, "iommu")) {
		printf("%sfail%s  the IOMMU is off: no IOMMU groups, nothing can be passed through\n",
		       c_on(o, "fail"), c_off(o));
		print_wrapped("      fix: ", o_gets(doc, "fix"));
		return;
	}
	for (size_t i = 0; i < gs->n; i++) {
		if (i)
			putchar('\n');
		group_human(gs->kid[i], o);
	}
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int cmd_groups(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_addr *addrs;
	struct onode *doc = o_doc("groups"), *gs;
	struct host_view hv;
	int *groups, r;
	size_t n, ng = 0;
	bool on = cli_iommu_on(ctx);

	(void)argc;
	(void)argv;
	o_bool(doc, "iommu", on);
	if (!on) {
		o_str(doc, "fix", IOMMU_OFF_FIX);
		o_arr(doc, "groups");
		o_emit(doc, o, groups_human);
		return EXIT_FINDING;
	}
	r = vfh_pci_list(ctx, &addrs, &n);
	if (r < 0)
		die_lib(ctx, r, "listing PCI devices");
	groups = calloc(n + 1, sizeof(*groups));
	if (!groups)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		struct vfh_pci_info info;
		bool seen = false;

		if (vfh_pci_info_read(ctx, &addrs[i], &info) < 0 || info.iommu_group < 0)
			continue;
		for (size_t j = 0; j < ng; j++)
			seen |= groups[j] == info.iommu_group;
		if (!seen)
			groups[ng++] = info.iommu_group;
	}
	qsort(groups, ng, sizeof(*groups), int_cmp);
	host_view_load(ctx, &hv);
	gs = o_arr(doc, "groups");
	for (size_t i = 0; i < ng; i++)
		group_node(ctx, gs, NULL, groups[i], &hv);
	free(hv.needs);
	free(groups);
	free(addrs);
	o_emit(doc, o, groups_human);
	return EXIT_OK;
}

/* ---- actions */

int cmd_bind(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_binding prior;
	struct vfh_pci_addr a = addr_arg("bind", argv[0]);
	int r;

	(void)argc;
	(void)o;
	r = vfh_pci_bind(ctx, &a, argv[1], &prior);
	if (r < 0)
		die_lib(ctx, r, "bind");
	printf("%s: was driver=%s override=%s, now %s\n", argv[0], or_dash(prior.driver),
	       or_dash(prior.driver_override), argv[1]);
	return EXIT_OK;
}

int cmd_restore(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_binding prior = { 0 };
	struct vfh_pci_addr a = addr_arg("restore", argv[0]);
	int r;

	(void)o;
	if (strcmp(argv[1], "-") != 0)
		snprintf(prior.driver, sizeof(prior.driver), "%s", argv[1]);
	if (argc == 3 && strcmp(argv[2], "-") != 0)
		snprintf(prior.driver_override, sizeof(prior.driver_override), "%s", argv[2]);
	r = vfh_pci_restore(ctx, &a, &prior);
	if (r < 0)
		die_lib(ctx, r, "restore");
	return EXIT_OK;
}

int cmd_unbind(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_addr a = addr_arg("unbind", argv[0]);
	int r;

	(void)argc;
	(void)o;
	r = vfh_pci_unbind(ctx, &a);
	if (r < 0)
		die_lib(ctx, r, "unbind");
	return EXIT_OK;
}

int cmd_remove_rescan(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_removed *removed;
	struct vfh_pci_addr a = addr_arg("remove-rescan", argv[0]);
	size_t n;
	int r;

	(void)argc;
	r = vfh_pci_remove(ctx, &a, o->slot ? VFH_REMOVE_SLOT : 0, &removed, &n);
	if (r < 0)
		die_lib(ctx, r, "remove");
	r = vfh_pci_rescan(ctx, removed, n);
	if (r < 0) {
		free(removed);
		die_lib(ctx, r, "rescan");
	}
	for (size_t i = n; i-- > 0;) {
		char s[VFH_PCI_ADDR_MAX];

		vfh_pci_addr_format(&removed[i].addr, s, sizeof(s));
		printf("%s back on %s\n", s, or_dash(removed[i].binding.driver));
	}
	free(removed);
	return EXIT_OK;
}

int cmd_reset(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o)
{
	struct vfh_pci_addr a = addr_arg("reset", argv[0]);
	int r;

	(void)argc;
	if (strcmp(o->method, "suspend") == 0) {
		struct vfh_suspend_opts so = { o->seconds, o->attempts, -1 };
		struct vfh_suspend_report rep;

		r = vfh_pci_suspend_reset(ctx, &a, &so, &rep);
		printf("%s: attempts=%u suspended=%s functions=%u restored=%u\n", argv[0],
		       rep.attempts, rep.suspended ? "yes" : "no", rep.devices, rep.restored);
	} else {
		r = vfh_pci_reset(ctx, &a);
	}
	if (r < 0)
		die_lib(ctx, r, "reset");
	return EXIT_OK;
}
