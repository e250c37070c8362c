// SPDX-License-Identifier: LGPL-2.1-or-later
/* vfiohook: look at PCI devices and IOMMU groups, move devices between
 * drivers by hand, and ask what the hook would do for a domain. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"
#include "vfiohook.h"

static const char *prog = "vfiohook";

struct config {
	const char *root;	/* --root: a captured or fabricated tree */
	int verbose;
	bool slot;		/* --slot */
	const char *method;	/* --method */
	unsigned int seconds, attempts;
	const char *xml;	/* --xml */
	unsigned int wait_ms;	/* --wait-ms */
};

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

/* The library's line says what failed; add nothing but the program name. */
static void __attribute__((noreturn)) die_lib(struct vfh_ctx *ctx, int err, const char *what)
{
	const char *msg = vfh_ctx_errmsg(ctx);

	if (*msg)
		die("%s", msg);
	die("%s: %s", what, strerror(-err));
}

static void print_help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Look at PCI devices and IOMMU groups, move devices between drivers,\n"
	       "and check what the libvirt hook will do for a domain.\n"
	       "\n"
	       "Devices:\n"
	       "  list                       every PCI device: address, class, ids, group, driver\n"
	       "  show ADDR                  one device in detail\n"
	       "  group ADDR                 ADDR's IOMMU group: members, viability, companions\n"
	       "  bind ADDR DRIVER           move ADDR to DRIVER (driver_override + probe)\n"
	       "  restore ADDR DRIVER [OVR]  hand ADDR back to DRIVER ('-' for none), with\n"
	       "                             driver_override OVR (default: cleared)\n"
	       "  unbind ADDR                detach ADDR from its driver\n"
	       "  remove-rescan ADDR         remove ADDR (--slot: its whole slot), rescan, and\n"
	       "                             put every function back on its driver\n"
	       "  reset ADDR                 reset ADDR (--method auto: the kernel's\n"
	       "                             reset_method; suspend: remove, S3, rescan)\n"
	       "Domains:\n"
	       "  check DOMAIN               validate DOMAIN's INI file and this host for it\n"
	       "  plan DOMAIN                the steps prepare would take, without taking them\n"
	       "  status [DOMAIN]            what the journals under /run/vfiohook hold\n"
	       "  recover DOMAIN             undo DOMAIN's journal now (what release does)\n"
	       "\n"
	       "Options:\n"
	       "  -r, --root DIR      work on the tree below DIR instead of the live system\n"
	       "      --slot          remove-rescan: every function of the slot\n"
	       "      --method M      reset: auto (default) or suspend\n"
	       "      --seconds N     reset --method suspend: RTC wake alarm (default 2)\n"
	       "      --attempts N    reset --method suspend: suspends to try (default 3)\n"
	       "      --xml FILE      plan, check: the domain XML (default: none, devices\n"
	       "                      must then be listed in the INI file)\n"
	       "      --wait-ms N     bound of every wait for the kernel (default 10000)\n"
	       "  -v, --verbose       say each step (twice: debug)\n"
	       "  -h, --help          this help\n"
	       "  -V, --version       the version\n"
	       "\n"
	       "ADDR is DDDD:BB:SS.F or BB:SS.F.  See vfiohook(8).\n", prog);
}

static unsigned int parse_uint(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 1000000)
		die_usage("invalid %s '%s'", what, s);
	return (unsigned int)v;
}

static int parse_config(int argc, char **argv, struct config *cfg)
{
	enum { OPT_SLOT = 256, OPT_METHOD, OPT_SECONDS, OPT_ATTEMPTS, OPT_XML, OPT_WAIT };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "slot", no_argument, NULL, OPT_SLOT },
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "attempts", required_argument, NULL, OPT_ATTEMPTS },
		{ "xml", required_argument, NULL, OPT_XML },
		{ "wait-ms", required_argument, NULL, OPT_WAIT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->method = "auto";
	while ((c = getopt_long(argc, argv, "r:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cfg->root = optarg;
			break;
		case OPT_SLOT:
			cfg->slot = true;
			break;
		case OPT_METHOD:
			if (strcmp(optarg, "auto") && strcmp(optarg, "suspend"))
				die_usage("invalid --method '%s' (auto or suspend)", optarg);
			cfg->method = optarg;
			break;
		case OPT_SECONDS:
			cfg->seconds = parse_uint(optarg, "--seconds");
			break;
		case OPT_ATTEMPTS:
			cfg->attempts = parse_uint(optarg, "--attempts");
			break;
		case OPT_XML:
			cfg->xml = optarg;
			break;
		case OPT_WAIT:
			cfg->wait_ms = parse_uint(optarg, "--wait-ms");
			if (!cfg->wait_ms)
				die_usage("%s", "--wait-ms must be at least 1");
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			print_help();
			exit(EXIT_SUCCESS);
		case 'V':
			printf("%s %s\n", prog, VFH_VERSION);
			exit(EXIT_SUCCESS);
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			exit(2);
		}
	}
	return optind;
}

static void log_stderr(void *data, int prio, const char *file, int line, const char *fn,
		       const char *fmt, va_list args)
{
	(void)data;
	(void)file;
	(void)line;
	(void)fn;
	/* errors come back through errmsg and are printed once, by die_lib() */
	if (prio <= LOG_ERR)
		return;
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

static struct vfh_pci_addr addr_arg(const char *s)
{
	struct vfh_pci_addr a;

	if (vfh_pci_addr_parse(s, &a) < 0)
		die_usage("invalid PCI address '%s' (DDDD:BB:SS.F or BB:SS.F)", s);
	return a;
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void need_args(int argc, int min, int max, const char *usage)
{
	if (argc < min || argc > max)
		die_usage("usage: %s %s", prog, usage);
}

static int cmd_list(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_addr *addrs;
	size_t n;
	int r;

	(void)cfg;
	(void)argv;
	need_args(argc, 1, 1, "list");
	r = vfh_pci_list(ctx, &addrs, &n);
	if (r < 0)
		die_lib(ctx, r, "listing PCI devices");
	for (size_t i = 0; i < n; i++) {
		struct vfh_pci_info info;
		char a[VFH_PCI_ADDR_MAX], group[16], vendor[128], device[128];

		vfh_pci_addr_format(&addrs[i], a, sizeof(a));
		r = vfh_pci_info_read(ctx, &addrs[i], &info);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", prog, vfh_ctx_errmsg(ctx));
			continue;
		}
		if (info.iommu_group >= 0)
			snprintf(group, sizeof(group), "%d", info.iommu_group);
		else
			strcpy(group, "-");
		vfh_pci_names(ctx, &info, vendor, sizeof(vendor), device, sizeof(device));
		printf("%s %06x %04x:%04x group=%s driver=%s", a, info.class, info.vendor,
		       info.device, group, or_dash(info.driver));
		if (*vendor || *device)
			printf("  %s%s%s", vendor, *vendor && *device ? " " : "", device);
		putchar('\n');
	}
	free(addrs);
	return 0;
}

static void print_info(struct vfh_ctx *ctx, const struct vfh_pci_info *info)
{
	char a[VFH_PCI_ADDR_MAX], vendor[128], device[128];

	vfh_pci_addr_format(&info->addr, a, sizeof(a));
	vfh_pci_names(ctx, info, vendor, sizeof(vendor), device, sizeof(device));
	printf("address:          %s\n", a);
	printf("name:             %s %s\n", *vendor ? vendor : "?", *device ? device : "?");
	printf("ids:              %04x:%04x (subsystem %04x:%04x)\n", info->vendor, info->device,
	       info->subsystem_vendor, info->subsystem_device);
	printf("class:            %06x%s%s\n", info->class, info->is_bridge ? " (bridge)" : "",
	       info->is_display ? " (display)" : "");
	printf("driver:           %s\n", or_dash(info->driver));
	printf("driver_override:  %s\n", or_dash(info->driver_override));
	if (info->iommu_group >= 0)
		printf("iommu_group:      %d\n", info->iommu_group);
	else
		printf("iommu_group:      - (no IOMMU: enable it in firmware and on the kernel "
		       "command line)\n");
	printf("reset_method:     %s\n", or_dash(info->reset_method));
	if (info->boot_vga >= 0)
		printf("boot_vga:         %d\n", info->boot_vga);
}

static int cmd_show(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_info info;
	struct vfh_pci_addr a;
	int r;

	(void)cfg;
	need_args(argc, 2, 2, "show ADDR");
	a = addr_arg(argv[1]);
	r = vfh_pci_info_read(ctx, &a, &info);
	if (r < 0)
		die_lib(ctx, r, argv[1]);
	print_info(ctx, &info);
	return 0;
}

static int cmd_group(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_addr a, *members, *blockers, *comp;
	size_t n, nb, nc;
	struct vfh_pci_info info;
	int r;

	(void)cfg;
	need_args(argc, 2, 2, "group ADDR");
	a = addr_arg(argv[1]);
	r = vfh_pci_info_read(ctx, &a, &info);
	if (r < 0)
		die_lib(ctx, r, argv[1]);
	if (info.iommu_group < 0)
		die("%s has no IOMMU group: enable the IOMMU (intel_iommu=on or amd_iommu=on, "
		    "VT-d/AMD-Vi in firmware)", argv[1]);
	r = vfh_iommu_group_members(ctx, info.iommu_group, &members, &n);
	if (r < 0)
		die_lib(ctx, r, "listing the group");
	r = vfh_iommu_group_viable(ctx, info.iommu_group, NULL, 0, &blockers, &nb);
	if (r < 0)
		die_lib(ctx, r, "checking the group");
	printf("group %d: %s\n", info.iommu_group, r ? "viable" : "not viable");
	for (size_t i = 0; i < n; i++) {
		struct vfh_pci_info m;
		char s[VFH_PCI_ADDR_MAX];
		bool blocks = false;

		vfh_pci_addr_format(&members[i], s, sizeof(s));
		for (size_t j = 0; j < nb; j++)
			blocks |= vfh_pci_addr_eq(&blockers[j], &members[i]);
		if (vfh_pci_info_read(ctx, &members[i], &m) < 0)
			continue;
		printf("  %s %06x driver=%s%s%s\n", s, m.class, or_dash(m.driver),
		       m.is_bridge ? " bridge" : "", blocks ? " blocks" : "");
	}
	r = vfh_pci_companions(ctx, &a, &comp, &nc);
	if (r < 0)
		die_lib(ctx, r, "listing companions");
	for (size_t i = 0; i < nc; i++) {
		char s[VFH_PCI_ADDR_MAX];

		vfh_pci_addr_format(&comp[i], s, sizeof(s));
		printf("companion %s\n", s);
	}
	free(members);
	free(blockers);
	free(comp);
	return 0;
}

static int cmd_bind(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_binding prior;
	struct vfh_pci_addr a;
	int r;

	(void)cfg;
	need_args(argc, 3, 3, "bind ADDR DRIVER");
	a = addr_arg(argv[1]);
	r = vfh_pci_bind(ctx, &a, argv[2], &prior);
	if (r < 0)
		die_lib(ctx, r, "bind");
	printf("%s: was driver=%s override=%s, now %s\n", argv[1], or_dash(prior.driver),
	       or_dash(prior.driver_override), argv[2]);
	return 0;
}

static int cmd_restore(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_binding prior = { 0 };
	struct vfh_pci_addr a;
	int r;

	(void)cfg;
	need_args(argc, 3, 4, "restore ADDR DRIVER [OVERRIDE]");
	a = addr_arg(argv[1]);
	if (strcmp(argv[2], "-") != 0)
		snprintf(prior.driver, sizeof(prior.driver), "%s", argv[2]);
	if (argc == 4 && strcmp(argv[3], "-") != 0)
		snprintf(prior.driver_override, sizeof(prior.driver_override), "%s", argv[3]);
	r = vfh_pci_restore(ctx, &a, &prior);
	if (r < 0)
		die_lib(ctx, r, "restore");
	return 0;
}

static int cmd_unbind(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_addr a;
	int r;

	(void)cfg;
	need_args(argc, 2, 2, "unbind ADDR");
	a = addr_arg(argv[1]);
	r = vfh_pci_unbind(ctx, &a);
	if (r < 0)
		die_lib(ctx, r, "unbind");
	return 0;
}

static int cmd_remove_rescan(struct vfh_ctx *ctx, int argc, char **argv,
			     const struct config *cfg)
{
	struct vfh_pci_removed *removed;
	struct vfh_pci_addr a;
	size_t n;
	int r;

	need_args(argc, 2, 2, "remove-rescan ADDR [--slot]");
	a = addr_arg(argv[1]);
	r = vfh_pci_remove(ctx, &a, cfg->slot ? VFH_REMOVE_SLOT : 0, &removed, &n);
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
	return 0;
}

static int cmd_reset(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct vfh_pci_addr a;
	int r;

	need_args(argc, 2, 2, "reset ADDR [--method auto|suspend]");
	a = addr_arg(argv[1]);
	if (strcmp(cfg->method, "suspend") == 0) {
		struct vfh_suspend_opts o = { cfg->seconds, cfg->attempts, -1 };
		struct vfh_suspend_report rep;

		r = vfh_pci_suspend_reset(ctx, &a, &o, &rep);
		printf("%s: attempts=%u suspended=%s functions=%u restored=%u\n", argv[1],
		       rep.attempts, rep.suspended ? "yes" : "no", rep.devices, rep.restored);
	} else {
		r = vfh_pci_reset(ctx, &a);
	}
	if (r < 0)
		die_lib(ctx, r, "reset");
	return 0;
}

/* ---- domains */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	size_t cap = 65536, n = 0;
	char *buf;

	if (!f)
		die("%s: %s", path, strerror(errno));
	buf = malloc(cap);
	if (!buf)
		die("out of memory");
	/* one byte more than the engine takes tells it the file is too large */
	for (size_t got; n <= ENG_XML_MAX && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			die("out of memory");
	}
	if (n > ENG_XML_MAX)
		n = (size_t)ENG_XML_MAX + 1;
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static void domain_arg(const char *name)
{
	if (!eng_domain_ok(name))
		die("'%s' is not a domain name vfiohook manages (letters, digits, _ . + : @ -; "
		    "no leading . or -)", name);
}

/* Loads DOMAIN's INI and, with --xml, its domain XML. */
static void load_domain(struct vfh_ctx *ctx, const char *domain, const struct config *cfg,
			struct hook_config *hc, struct domain_xml *dom, bool *have_dom)
{
	struct eng_err e;
	int r;

	domain_arg(domain);
	r = eng_config_load(ctx, domain, hc, &e);
	if (r == -ENOENT) {
		char path[512];

		eng_ini_path(vfh_ctx_get_root(ctx, VFH_ROOT_ETC), domain, path, sizeof(path));
		die("%s: no INI file (%s): vfiohook leaves this domain alone", domain, path);
	}
	if (r < 0)
		die("%s", e.msg);
	*have_dom = false;
	if (cfg->xml) {
		size_t len;
		char *xml = read_file(cfg->xml, &len);

		struct eng_err xe = { 0 };

		r = eng_domxml_parse(xml, len, dom, &xe);
		free(xml);
		if (r < 0)
			die("%s: %s", cfg->xml, xe.msg);
		*have_dom = true;
	} else if (hc->from_xml) {
		fprintf(stderr, "%s: %s says passthrough = auto: without --xml only the devices it "
			"lists are planned\n", prog, hc->path);
	}
}

/* The plan prepare would build for DOMAIN; dies with the reason when the
 * INI file is wrong or the host refuses.  The caller frees all three. */
static void domain_plan(struct vfh_ctx *ctx, const char *domain, const struct config *cfg,
			struct hook_config *hc, struct domain_xml *dom, struct plan *plan,
			bool say_valid)
{
	struct eng_err e = { 0 };
	bool have_dom;

	load_domain(ctx, domain, cfg, hc, dom, &have_dom);
	if (say_valid) {
		printf("%s: valid\n", hc->path);
		fflush(stdout);
	}
	if (eng_plan_build(ctx, domain, hc, have_dom ? dom : NULL, plan, &e) < 0)
		die("%s", e.msg);
}

static int cmd_plan(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct hook_config hc;
	struct domain_xml dom = { 0 };
	struct plan plan;

	need_args(argc, 2, 2, "plan DOMAIN [--xml FILE]");
	domain_plan(ctx, argv[1], cfg, &hc, &dom, &plan, false);
	printf("%s: prepare would take %zu step%s (release undoes them in reverse):\n", argv[1],
	       plan.n, plan.n == 1 ? "" : "s");
	for (size_t i = 0; i < plan.n; i++) {
		char desc[256];

		/* capture only reads: it shows what each step would replace */
		eng_step_capture(ctx, &plan.steps[i]);
		eng_step_describe(&plan.steps[i], desc, sizeof(desc));
		printf("%3zu. %s\n", i + 1, desc);
	}
	eng_plan_free(&plan);
	eng_config_free(&hc);
	eng_domxml_free(&dom);
	return 0;
}

static int cmd_check(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct hook_config hc;
	struct domain_xml dom = { 0 };
	struct plan plan;

	need_args(argc, 2, 2, "check DOMAIN [--xml FILE]");
	domain_plan(ctx, argv[1], cfg, &hc, &dom, &plan, true);
	if (plan.n == 0) {
		char why[1024];

		eng_config_why_idle(&hc, cfg->xml ? &dom : NULL, why, sizeof(why));
		printf("%s: %s\n", argv[1], why);
	} else {
		printf("%s: this host can run its plan (%zu steps; 'vfiohook plan %s' lists them)\n",
		       argv[1], plan.n, argv[1]);
	}
	eng_plan_free(&plan);
	eng_config_free(&hc);
	eng_domxml_free(&dom);
	return 0;
}

static void print_journal(struct vfh_ctx *ctx, const char *domain)
{
	struct journal j;
	int r = eng_journal_open(ctx, domain, false, &j);

	if (r == -ENOENT) {
		printf("%s: no journal (nothing held)\n", domain);
		return;
	}
	if (r < 0) {
		printf("%s: journal unreadable: %s\n", domain, *j.why ? j.why : strerror(-r));
		return;
	}
	printf("%s: %s, %zu step%s to undo\n", domain, j.prepared ? "prepared" : "prepare did not "
	       "finish", eng_journal_pending(&j), eng_journal_pending(&j) == 1 ? "" : "s");
	for (size_t i = 0; i < j.n; i++) {
		char desc[256];

		eng_step_describe(&j.e[i].step, desc, sizeof(desc));
		printf("%3zu. %-7s %s\n", i + 1, j.e[i].undone ? "undone" : j.e[i].done ? "done" :
		       "begun", desc);
	}
	eng_journal_close(&j);
}

static int cmd_status(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	char **doms;
	size_t n;
	int r;

	(void)cfg;
	need_args(argc, 1, 2, "status [DOMAIN]");
	if (argc == 2) {
		domain_arg(argv[1]);
		print_journal(ctx, argv[1]);
		return 0;
	}
	r = eng_journal_list(ctx, &doms, &n);
	if (r < 0)
		die("cannot list journals: %s", strerror(-r));
	if (n == 0)
		printf("no journals: vfiohook holds nothing\n");
	for (size_t i = 0; i < n; i++)
		print_journal(ctx, doms[i]);
	free(doms);
	return 0;
}

static int cmd_recover(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg)
{
	struct eng_err res;

	(void)cfg;
	need_args(argc, 2, 2, "recover DOMAIN");
	domain_arg(argv[1]);
	eng_log_open(ctx);
	eng_log_context(argv[1], "recover");
	vfh_ctx_set_log_fn(ctx, log_stderr, NULL);
	if (eng_run_release(ctx, argv[1], &res) < 0)
		die("%s", res.msg);
	printf("%s: nothing left to undo\n", argv[1]);
	return 0;
}

struct command {
	const char *name;
	int (*run)(struct vfh_ctx *ctx, int argc, char **argv, const struct config *cfg);
};

static const struct command commands[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "group", cmd_group },
	{ "bind", cmd_bind },
	{ "restore", cmd_restore },
	{ "unbind", cmd_unbind },
	{ "remove-rescan", cmd_remove_rescan },
	{ "reset", cmd_reset },
	{ "plan", cmd_plan },
	{ "check", cmd_check },
	{ "status", cmd_status },
	{ "recover", cmd_recover },
};

int main(int argc, char **argv)
{
	struct config cfg;
	struct vfh_ctx *ctx;
	int first, r;

	/* GNU getopt permutes: options may come before or after the command
	 * and its arguments ("remove-rescan 01:00.0 --slot") */
	first = parse_config(argc, argv, &cfg);
	if (first >= argc)
		die_usage("%s", "no command");
	ctx = vfh_ctx_new();
	if (!ctx)
		die("out of memory");
	if (cfg.root && (r = vfh_ctx_set_prefix(ctx, cfg.root)) < 0)
		die("invalid --root '%s': %s", cfg.root, strerror(-r));
	if (cfg.wait_ms)
		vfh_ctx_set_wait_ms(ctx, cfg.wait_ms);
	vfh_ctx_set_log_fn(ctx, log_stderr, NULL);
	if (cfg.verbose)
		vfh_ctx_set_log_priority(ctx, cfg.verbose > 1 ? LOG_DEBUG : LOG_INFO);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[first], commands[i].name) == 0) {
			r = commands[i].run(ctx, argc - first, argv + first, &cfg);
			vfh_ctx_unref(ctx);
			return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
		}
	}
	vfh_ctx_unref(ctx);
	die_usage("unknown command '%s'", argv[first]);
}
