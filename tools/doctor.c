// SPDX-License-Identifier: LGPL-2.1-or-later
/* The host doctor (`vfiohook check` without a domain): one verdict per
 * thing passthrough needs, each failure with its fix.  Every read goes
 * through the context's roots, so it runs against a --root tree too. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>
#include <systemd/sd-messages.h>

#include "cli.h"

/* ROOT/rel's first line (or all of it, up to len), 0 or -errno */
static int read_text(struct vfh_ctx *ctx, enum vfh_root root, char *buf, size_t len,
		     const char *rel)
{
	char path[1024];
	FILE *f;
	size_t n;

	if (vfh_ctx_path(ctx, root, path, sizeof(path), "%s", rel) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || strchr(" \t\n,[", p[-1])) && strchr(" \t\n,]", p[n]))
			return true;
	return false;
}

/* ---- IOMMU */

/* Interrupt remapping as the running kernel has it: the irqchips of
 * /proc/interrupts (the chip column after the per-CPU counts) are the
 * remapping ones, IR-IO-APIC and IR-PCI-MSI (from 6.2 IR-PCI-MSIX-ADDR and
 * the like), when it is on.  1 on, 0 off (x86's plain IO-APIC or PCI-MSI
 * chips only), -ENODATA when it names neither (not x86: ARM's ITS
 * isolates MSIs under other names), -errno unread.  chips: the IR ones,
 * each once, without a device's address. */
static int irq_remapping(struct vfh_ctx *ctx, char *chips, size_t len)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	bool ir = false, plain = false;
	FILE *f;

	*chips = 0;
	if (vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), "interrupts") < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *chip;
		size_t l;

		/* "  24:  100  0  IR-PCI-MSI 524288-edge  nvme0q0": an irq's
		 * number, not NMI: or LOC: */
		p += strspn(p, " ");
		l = strspn(p, "0123456789");
		if (!l || p[l] != ':')
			continue;
		for (p += l + 1;;) {
			p += strspn(p, " \t");
			l = strcspn(p, " \t\n");
			if (!l || strspn(p, "0123456789") != l)
				break;
			p += l;
		}
		if (!l)
			continue;
		chip = p;
		chip[l] = 0;
		if (strncmp(chip, "IR-", 3) == 0) {
			char base[64];

			/* IR-PCI-MSIX-0000:01:00.0 is IR-PCI-MSIX's */
			snprintf(base, sizeof(base), "%s", chip);
			for (char *d = base; (d = strchr(d, '-')); d++) {
				struct vfh_pci_addr a;

				if (vfh_pci_addr_parse(d + 1, &a) == 0) {
					*d = 0;
					break;
				}
			}
			if (!word_in(chips, base) && strlen(chips) + strlen(base) + 3 < len)
				snprintf(chips + strlen(chips), len - strlen(chips), "%s%s",
					 *chips ? ", " : "", base);
			ir = true;
		} else if (strncmp(chip, "IO-APIC", 7) == 0 || strncmp(chip, "PCI-MSI", 7) == 0) {
			plain = true;
		}
	}
	free(line);
	fclose(f);
	return ir ? 1 : plain ? 0 : -ENODATA;
}

/* Without interrupt remapping vfio_iommu_type1 refuses to attach a group
 * ("No interrupt remapping support"): the VM fails to start, unless
 * allow_unsafe_interrupts lets a guest's device write MSIs the host takes
 * as its own. */
#define IR_FIX "turn on interrupt remapping: VT-d (Intel) or AMD-Vi (AMD) in the firmware, " \
	"intel_iommu=on or amd_iommu=on on the kernel command line%s, and reboot"
#define UNSAFE_FIX "only as a last resort, on hardware without it: " \
	"vfio_iommu_type1.allow_unsafe_interrupts=1, which lets a guest forge interrupts to " \
	"the host (its device's MSI writes go unchecked)"

static void remapping(struct vfh_ctx *ctx, const char *cmdline, struct onode *arr)
{
	char chips[256], fix[1024], v[16] = "";
	const char *intremap = strstr(cmdline, "intremap=off") ? ", without intremap=off" : "";
	bool unsafe = read_text(ctx, VFH_ROOT_SYS, v, sizeof(v), "module/vfio_iommu_type1/"
				"parameters/allow_unsafe_interrupts") == 0 && v[0] == 'Y';
	int r = irq_remapping(ctx, chips, sizeof(chips));

	if (r == 1) {
		finding(arr, "ok", "interrupt remapping", NULL, "on (IR-* irqchips in "
			ENG_PROC_SHOWN "interrupts: %s)", chips);
		if (unsafe)
			finding(arr, "warn", "interrupt remapping", "remove "
				"vfio_iommu_type1.allow_unsafe_interrupts=1 (kernel command line or "
				"/etc/modprobe.d)", "allow_unsafe_interrupts is on, and not needed: "
				"should remapping go off, a guest could forge interrupts to the host");
		return;
	}
	if (r == 0) {
		snprintf(fix, sizeof(fix), IR_FIX "%s", intremap, unsafe ? "; then remove "
			 "vfio_iommu_type1.allow_unsafe_interrupts=1" : "; " UNSAFE_FIX);
		if (unsafe)
			finding(arr, "warn", "interrupt remapping", fix, "off (no IR-* irqchip in "
				ENG_PROC_SHOWN "interrupts): VFIO takes devices only because "
				"allow_unsafe_interrupts is on, and a guest can forge interrupts to "
				"the host");
		else
			finding(arr, "fail", "interrupt remapping", fix, "off (no IR-* irqchip in "
				ENG_PROC_SHOWN "interrupts%s): VFIO refuses to give a device to a VM "
				"without it", *intremap ? ", intremap=off on the kernel command line" :
				"");
		return;
	}
	/* /proc/interrupts unread or naming no x86 irqchip: only what the
	 * kernel command line and vfio's parameter say */
	if (*intremap)
		finding(arr, "warn", "interrupt remapping", "remove intremap=off from the kernel "
			"command line", "turned off (intremap=off): VFIO refuses devices unless "
			"unsafe interrupts are allowed");
	if (unsafe)
		finding(arr, "warn", "interrupt remapping", "remove "
			"vfio_iommu_type1.allow_unsafe_interrupts=1 once the firmware enables "
			"interrupt remapping", "allow_unsafe_interrupts is on: a guest can "
			"forge interrupts to the host");
}

static void iommu(struct vfh_ctx *ctx, struct onode *arr)
{
	char cmdline[4096] = "";
	char path[512];
	DIR *d;
	struct dirent *de;
	int units = 0;

	read_text(ctx, VFH_ROOT_PROC, cmdline, sizeof(cmdline), "cmdline");
	if (!cli_iommu_on(ctx)) {
		finding(arr, "fail", "iommu", IOMMU_OFF_FIX, "off: the kernel made no IOMMU "
			"groups%s", strstr(cmdline, "iommu=") ? " (the kernel command line names "
			"an iommu option: check it)" : "");
		return;
	}
	/* the IOMMU units (dmar0, AMD-Vi0, ...) */
	if (vfh_ctx_path(ctx, VFH_ROOT_SYS, path, sizeof(path), "class/iommu") == 0 &&
	    (d = opendir(path))) {
		while ((de = readdir(d)))
			units += de->d_name[0] != '.';
		closedir(d);
	}
	if (units)
		finding(arr, "ok", "iommu", NULL, "on (%d unit%s)%s", units, units == 1 ? "" : "s",
			strstr(cmdline, "iommu=pt") ? ", passthrough mode for host devices" : "");
	else
		finding(arr, "ok", "iommu", NULL, "on: the kernel made IOMMU groups%s",
			strstr(cmdline, "iommu=pt") ? ", passthrough mode for host devices" : "");
	remapping(ctx, cmdline, arr);
}

/* ---- modules */

static void modules(struct vfh_ctx *ctx, struct onode *arr)
{
	static const char *const mods[] = { "vfio", "vfio_iommu_type1", "vfio_pci" };
	char missing[128] = "";

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		char path[512];
		struct stat st;

		/* sys/module/NAME: loaded, or built in */
		if (vfh_module_loaded(ctx, mods[i]) == 1 ||
		    (vfh_ctx_path(ctx, VFH_ROOT_SYS, path, sizeof(path), "module/%s", mods[i]) == 0 &&
		     stat(path, &st) == 0))
			continue;
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			 *missing ? ", " : "", mods[i]);
	}
	if (*missing)
		finding(arr, "warn", "vfio", "modprobe vfio-pci now to see that it loads (the hook "
			"loads it at prepare)", "not loaded yet: %s", missing);
	else
		finding(arr, "ok", "vfio", NULL, "vfio, vfio_iommu_type1, vfio_pci loaded");
}

/* ---- the hook and libvirtd */

/* The newest start time (seconds since the epoch) of a running libvirtd or
 * virtqemud, and its name; 0 when none runs. */
static double daemon_start(struct vfh_ctx *ctx, char *name, size_t len, int *pid_out)
{
	char path[512], stat_text[1024], btime_text[8192];
	const char *bt;
	double best = 0, boot;
	long hz = sysconf(_SC_CLK_TCK);
	struct dirent *de;
	DIR *d;

	if (read_text(ctx, VFH_ROOT_PROC, btime_text, sizeof(btime_text), "stat") < 0 ||
	    !(bt = strstr(btime_text, "\nbtime ")))
		return 0;
	/* btime is whole seconds: on the live system, now minus the uptime
	 * (hundredths) places the boot, and so the start, to 10 ms */
	boot = strtod(bt + 7, NULL);
	if (vfh_ctx_is_live(ctx)) {
		char up[64];
		struct timespec now;

		if (read_text(ctx, VFH_ROOT_PROC, up, sizeof(up), "uptime") == 0 &&
		    clock_gettime(CLOCK_REALTIME, &now) == 0)
			boot = (double)now.tv_sec + now.tv_nsec / 1e9 - strtod(up, NULL);
	}
	if (vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), ".") < 0 || !(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		char rel[300], comm[64] = "";
		const char *p;
		unsigned long long start;

		if (!strchr("123456789", de->d_name[0]))
			continue;
		snprintf(rel, sizeof(rel), "%s/comm", de->d_name);
		if (read_text(ctx, VFH_ROOT_PROC, comm, sizeof(comm), rel) < 0)
			continue;
		comm[strcspn(comm, "\n")] = 0;
		if (strcmp(comm, "libvirtd") != 0 && strcmp(comm, "virtqemud") != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/stat", de->d_name);
		/* field 22, counted after the ")" that ends comm */
		if (read_text(ctx, VFH_ROOT_PROC, stat_text, sizeof(stat_text), rel) < 0 ||
		    !(p = strrchr(stat_text, ')')))
			continue;
		if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			   "%*d %*d %*d %llu", &start) != 1)
			continue;
		if (boot + (double)start / (double)hz > best) {
			best = boot + (double)start / (double)hz;
			snprintf(name, len, "%s", comm);
			*pid_out = atoi(de->d_name);
		}
	}
	closedir(d);
	return best;
}

/* When systemd last reloaded UNIT (libvirtd.service) successfully, from
 * the system journal: systemd logs each finished reload job with
 * MESSAGE_ID=SD_MESSAGE_UNIT_RELOADED, UNIT= and JOB_RESULT= (done, or
 * failed when ExecReload= failed); _PID=1 (set by journald, not by the
 * sender) keeps out entries any process could log with the same fields.
 * The journal is the one below the context's root: the live system's, or
 * ROOT/var/log/journal and ROOT/run/log/journal under --root ROOT (none
 * there: nothing read, never this machine's).  1 and *at (microseconds
 * since the epoch) found, 0 the journal read but no such reload in it,
 * -errno no journal readable. */
static int last_reload(struct vfh_ctx *ctx, const char *unit, uint64_t *at)
{
	char match[128];
	uint64_t from, to;
	sd_journal *j = NULL;
	int r;

	if (vfh_ctx_is_live(ctx)) {
		r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	} else {
		/* --root ROOT made every root ROOT/<default>: ROOT is /etc's parent */
		const char *etc = vfh_ctx_get_root(ctx, VFH_ROOT_ETC);
		size_t l = etc ? strlen(etc) : 0;
		char prefix[512];

		if (l < 5 || strcmp(etc + l - 4, "/etc") != 0 || l - 4 >= sizeof(prefix))
			return -ENOENT;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(l - 4), etc);
		/* SD_JOURNAL_OS_ROOT: PREFIX/var/log/journal and PREFIX/run/log/journal,
		 * either missing being no error */
		r = sd_journal_open_directory(&j, prefix, SD_JOURNAL_OS_ROOT);
	}
	if (r < 0)
		return r;
	/* no file readable (none there, or not root nor in systemd-journal) */
	r = sd_journal_get_cutoff_realtime_usec(j, &from, &to);
	if (r <= 0) {
		sd_journal_close(j);
		return r < 0 ? r : -ENOENT;
	}
	snprintf(match, sizeof(match), "UNIT=%s", unit);
	if ((r = sd_journal_add_match(j, "MESSAGE_ID=" SD_MESSAGE_UNIT_RELOADED_STR, 0)) < 0 ||
	    (r = sd_journal_add_match(j, match, 0)) < 0 ||
	    (r = sd_journal_add_match(j, "JOB_RESULT=done", 0)) < 0 ||
	    (r = sd_journal_add_match(j, "_PID=1", 0)) < 0 ||
	    (r = sd_journal_seek_tail(j)) < 0 ||
	    (r = sd_journal_previous(j)) < 0) {
		sd_journal_close(j);
		return r;
	}
	if (r > 0)
		r = sd_journal_get_realtime_usec(j, at) < 0 ? 0 : 1;
	sd_journal_close(j);
	return r;
}

static void hook(struct vfh_ctx *ctx, struct onode *arr)
{
	static const char *const where[] = { "libvirt/hooks/qemu.d/vfiohook", "libvirt/hooks/qemu" };
	char path[512], dname[64] = "", fix[1400];
	struct stat st;
	bool found = false;
	double started;
	int pid = 0;

	for (size_t i = 0; i < 2 && !found; i++) {
		if (vfh_ctx_path(ctx, VFH_ROOT_ETC, path, sizeof(path), "%s", where[i]) < 0 ||
		    lstat(path, &st) < 0)
			continue;
		found = true;
		/* messages name the path on the host checked, not below --root */
		snprintf(path, sizeof(path), "/etc/%s", where[i]);
		if (S_ISLNK(st.st_mode)) {
			finding(arr, "fail", "hook", "install it as a file (make install puts it "
				"there), not a symlink", "%s is a symlink: AppArmor's libvirtd profile "
				"only runs files below /etc/libvirt/hooks", path);
			return;
		}
		if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) {
			snprintf(fix, sizeof(fix), "chmod 0755 %s", path);
			finding(arr, "fail", "hook", S_ISREG(st.st_mode) ? fix : "make install",
				"%s is %s: libvirtd skips it", path, S_ISREG(st.st_mode) ?
				"not executable" : "not a regular file");
			return;
		}
		if (st.st_uid != 0 || (st.st_mode & 022)) {
			snprintf(fix, sizeof(fix), "chown root %s; chmod go-w %s", path, path);
			finding(arr, "fail", "hook", fix, "%s is writable by others than root: "
				"whoever can write it runs code as root", path);
			return;
		}
		finding(arr, "ok", "hook", NULL, "installed: %s", path);
	}
	if (!found) {
		finding(arr, "fail", "hook", "make install RELOAD=yes (puts it in "
			"/etc/libvirt/hooks/qemu.d/vfiohook and reloads libvirtd)",
			"not installed where libvirtd looks (/etc/libvirt/hooks/qemu or qemu.d/)");
		return;
	}
	started = daemon_start(ctx, dname, sizeof(dname), &pid);
	if (started == 0) {
		finding(arr, "warn", "libvirtd", "systemctl start libvirtd", "not running: "
			"domains cannot start (the hook is read when it starts)");
		return;
	}
	/* libvirtd looks for hooks when it starts and when it reloads (SIGHUP,
	 * systemctl reload, as make install RELOAD=yes does): a hook that came
	 * later is never run ("group N is not viable" at the VM start).  A
	 * reload leaves the process's start time as it was: systemd's journal
	 * tells when it happened. */
	{
		double m = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		double c = (double)st.st_ctim.tv_sec + st.st_ctim.tv_nsec / 1e9;
		double changed = m > c ? m : c;
		char unit[80];
		uint64_t at = 0;
		int r;

		if (changed <= started) {
			finding(arr, "ok", dname, NULL, "started after the hook was installed "
				"(pid %d): it runs it", pid);
			return;
		}
		snprintf(unit, sizeof(unit), "%s.service", dname);
		r = last_reload(ctx, unit, &at);
		if (r > 0 && (double)at / 1e6 > changed) {
			time_t t = (time_t)(at / 1000000);
			struct tm tm;
			char hms[16] = "?";

			if (localtime_r(&t, &tm))
				strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
			finding(arr, "ok", dname, NULL, "reloaded after the hook was installed "
				"(at %s): it runs it", hms);
			return;
		}
		/* reload is enough; a restart also drops the clients' connections
		 * (virsh, virt-manager) and runs every running domain's reconnect */
		snprintf(fix, sizeof(fix), "systemctl reload %s (or restart it: systemctl "
			 "restart %s)", dname, dname);
		if (r >= 0)
			finding(arr, "fail", "hook", fix, "installed after %s (pid %d) started, "
				"and %s not reloaded since: it does not run the hook until it "
				"reloads", dname, pid, unit);
		else
			finding(arr, "fail", "hook", fix, "installed after %s (pid %d) started: it "
				"does not run the hook until it reloads or restarts (no systemd "
				"journal readable to show a reload)", dname, pid);
	}
}

static void ini_dir(struct vfh_ctx *ctx, struct onode *arr)
{
	char dir[512], fix[2400];
	struct stat st;
	struct dirent *de;
	DIR *d;
	int bad = 0, n = 0;

	char shown[128] = "/etc/" VFH_CONF_DIR;

	if (vfh_ctx_path(ctx, VFH_ROOT_ETC, dir, sizeof(dir), "%s", VFH_CONF_DIR) < 0)
		return;
	if (lstat(dir, &st) < 0) {
		snprintf(fix, sizeof(fix), "install -d -m 0755 %s, then one DOMAIN.ini per domain "
			 "(vfiohook.ini(5))", shown);
		finding(arr, "warn", "domains", fix, "no %s: vfiohook manages no domain", shown);
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(fix, sizeof(fix), "chown root:root %s; chmod 0755 %s", shown, shown);
		finding(arr, "fail", "domains", fix, "%s is %s: the hook refuses files others "
			"could change", shown, !S_ISDIR(st.st_mode) ? "not a directory" :
			st.st_uid ? "not owned by root" : "group- or world-writable");
		return;
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char path[1024];

		if (l < 5 || strcmp(de->d_name + l - 4, ".ini") != 0)
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
			snprintf(fix, sizeof(fix), "chown root %s/%s; chmod 0644 %s/%s", shown,
				 de->d_name, shown, de->d_name);
			finding(arr, "fail", de->d_name, fix, "%s: the hook refuses it, "
				"and that domain's start fails until it is fixed",
				!S_ISREG(st.st_mode) ? "not a regular file" : st.st_uid ?
				"not owned by root" : "group- or world-writable");
			bad++;
		}
	}
	closedir(d);
	if (!bad)
		finding(arr, "ok", "domains", NULL, "%d INI file%s in %s, root's, not writable by "
			"others", n, n == 1 ? "" : "s", shown);
}

/* ---- memory */

static void hugepages(struct vfh_ctx *ctx, struct onode *arr)
{
	uint64_t *sizes, def = 0;
	int *nodes;
	size_t ns, nn;

	if (vfh_hugepage_sizes(ctx, &sizes, &ns) < 0) {
		finding(arr, "warn", "hugepages", "a kernel with CONFIG_HUGETLBFS",
			"the kernel has no hugetlb support");
		return;
	}
	vfh_hugepage_default_size(ctx, &def);
	if (vfh_numa_nodes(ctx, &nodes, &nn) < 0) {
		nodes = NULL;
		nn = 0;
	}
	for (size_t i = 0; i < ns; i++) {
		char mnt[512], what[32], fix[512], free_text[512] = "";
		int r = vfh_hugetlbfs_mount(ctx, sizes[i], mnt, sizeof(mnt));

		snprintf(what, sizeof(what), "hugepages %s", sizes[i] >= 1048576 ? "1G" :
			 sizes[i] == 2048 ? "2M" : "other");
		if (sizes[i] != 2048 && sizes[i] != 1048576)
			snprintf(what, sizeof(what), "hugepages %lluk", (unsigned long long)sizes[i]);
		for (size_t k = 0; k < nn; k++) {
			struct vfh_hugepage_pool p;

			if (vfh_hugepages_read(ctx, nodes[k], sizes[i], &p) == 0)
				snprintf(free_text + strlen(free_text), sizeof(free_text) - strlen(free_text),
					 "%snode %d: %llu of %llu free", k ? ", " : "", nodes[k],
					 (unsigned long long)p.free, (unsigned long long)p.nr);
		}
		if (r == 1) {
			finding(arr, "ok", what, NULL, "hugetlbfs at %s; %s", mnt, free_text);
		} else {
			snprintf(fix, sizeof(fix), "mkdir -p /dev/hugepages%s && mount -t hugetlbfs "
				 "-o pagesize=%s none /dev/hugepages%s (libvirt needs one mount per "
				 "size it backs guests with; /etc/fstab keeps it)",
				 sizes[i] == def ? "" : "1G", sizes[i] >= 1048576 ? "1G" : "2M",
				 sizes[i] == def ? "" : "1G");
			finding(arr, "warn", what, fix, "no hugetlbfs mounted for this size: a domain "
				"backed by it fails to start; %s", free_text);
		}
	}
	free(sizes);
	free(nodes);
}

/* ---- CPUs, power, security */

static void cgroup(struct vfh_ctx *ctx, struct onode *arr)
{
	char ctl[512] = "";

	if (read_text(ctx, VFH_ROOT_CGROUP, ctl, sizeof(ctl), "cgroup.controllers") < 0) {
		finding(arr, "warn", "cgroup", "boot with systemd.unified_cgroup_hierarchy=1 "
			"(cgroup v2)", "no cgroup v2 at the cgroup root: [cpus] isolate is refused");
		return;
	}
	if (!word_in(ctl, "cpuset")) {
		finding(arr, "warn", "cgroup", "enable the cpuset controller (a kernel with "
			"CONFIG_CPUSETS; systemd enables it for AllowedCPUs=)", "cgroup v2 without "
			"the cpuset controller: [cpus] isolate is refused");
		return;
	}
	finding(arr, "ok", "cgroup", NULL, "v2 with cpuset: [cpus] isolate can work");
}

static void sleep_state(struct vfh_ctx *ctx, struct onode *arr)
{
	int r = vfh_power_can_deep_sleep(ctx);

	if (r == 1)
		finding(arr, "ok", "mem_sleep", NULL, "deep (S3) offered: reset = suspend can work");
	else
		finding(arr, "warn", "mem_sleep", "enable S3 in the firmware and boot with "
			"mem_sleep_default=deep (only for reset = suspend)", "S3 (deep) is not offered: "
			"reset = suspend is refused; s2idle does not power a card down");
}

static void security(struct vfh_ctx *ctx, struct onode *arr)
{
	char v[16] = "";

	if (read_text(ctx, VFH_ROOT_SYS, v, sizeof(v), "module/apparmor/parameters/enabled") == 0 &&
	    v[0] == 'Y')
		finding(arr, "ok", "apparmor", NULL, "enabled: the hook must be a file below "
			"/etc/libvirt/hooks; Looking Glass needs '/dev/shm/looking-glass rw,' in "
			"/etc/apparmor.d/local/abstractions/libvirt-qemu");
	if (read_text(ctx, VFH_ROOT_SYS, v, sizeof(v), "fs/selinux/enforce") == 0 && v[0] == '1')
		finding(arr, "warn", "selinux", "setsebool -P domain_can_mmap_files 1 for Looking "
			"Glass; keep the hook labelled: restorecon -R /etc/libvirt/hooks",
			"enforcing: the hook runs confined as virtd_t");
}

int doctor_run(struct vfh_ctx *ctx, struct onode *doc)
{
	struct onode *arr = (struct onode *)o_get(doc, "findings");
	int fails = 0;

	iommu(ctx, arr);
	modules(ctx, arr);
	hook(ctx, arr);
	ini_dir(ctx, arr);
	hugepages(ctx, arr);
	cgroup(ctx, arr);
	sleep_state(ctx, arr);
	security(ctx, arr);
	for (size_t i = 0; i < arr->n; i++)
		fails += strcmp(o_gets(arr->kid[i], "verdict"), "fail") == 0;
	return fails;
}
