// SPDX-License-Identifier: LGPL-2.1-or-later
/* vfiohook: look at PCI devices and IOMMU groups, check the host and a
 * domain, move devices between drivers by hand, and ask what the hook
 * would do.  The command table below is the one source of the commands,
 * their options, their help and the shell completion (__complete). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"

const char *prog = "vfiohook";
/* global: still reachable when a command ends the process with die() */
static struct vfh_ctx *the_ctx;

/* Global options, taken before the command or among its arguments. */
static const struct option global_opts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, 'j' },
	{ "wait-ms", required_argument, NULL, OPT_WAIT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};
#define N_GLOBAL (sizeof(global_opts) / sizeof(global_opts[0]) - 1)

const struct opt_spec cli_opt_specs[] = {
	{ OPT_SLOT, "slot", NULL, "every function of the slot, not only ADDR" },
	{ OPT_METHOD, "method", "M", "auto (the kernel's reset_method) or suspend" },
	{ OPT_SECONDS, "seconds", "N", "--method suspend: RTC wake alarm (default 2)" },
	{ OPT_ATTEMPTS, "attempts", "N", "--method suspend: suspends to try (default 3)" },
	{ OPT_XML, "xml", "FILE", "the domain XML from FILE ('-': stdin), not libvirt" },
	{ OPT_CONNECT, "connect", "URI", "libvirt URI to read the domain XML from" },
	{ OPT_RES, "resolution", "WxH", "Looking Glass: the guest's largest resolution" },
	{ OPT_NONE, NULL, NULL, NULL },
};

static const enum opt_id no_opts[] = { OPT_NONE };
static const enum opt_id slot_opts[] = { OPT_SLOT, OPT_NONE };
static const enum opt_id reset_opts[] = { OPT_METHOD, OPT_SECONDS, OPT_ATTEMPTS, OPT_NONE };
static const enum opt_id plan_opts[] = { OPT_XML, OPT_CONNECT, OPT_NONE };
static const enum opt_id check_opts[] = { OPT_XML, OPT_CONNECT, OPT_RES, OPT_NONE };

const struct command cli_commands[] = {
	{ "list", "", 0, 0, { ARG_NONE }, cmd_list,
	  "every PCI device: address, class, ids, group, driver, name", no_opts, true },
	{ "show", "ADDR", 1, 1, { ARG_ADDR }, cmd_show,
	  "one device in detail", no_opts, true },
	{ "group", "ADDR", 1, 1, { ARG_ADDR }, cmd_group,
	  "ADDR's IOMMU group: members, viability, companions", no_opts, true },
	{ "groups", "", 0, 0, { ARG_NONE }, cmd_groups,
	  "every IOMMU group, its devices, and whether it can go to a VM", no_opts, true },
	{ "check", "[DOMAIN]", 0, 1, { ARG_DOMAIN }, cmd_check,
	  "without DOMAIN: this host; with: DOMAIN's INI, XML and plan", check_opts, true },
	{ "plan", "DOMAIN", 1, 1, { ARG_DOMAIN }, cmd_plan,
	  "the steps prepare would take, without taking them", plan_opts, true },
	{ "status", "[DOMAIN]", 0, 1, { ARG_JOURNAL }, cmd_status,
	  "what the journals under /run/vfiohook hold", no_opts, true },
	{ "recover", "DOMAIN", 1, 1, { ARG_JOURNAL }, cmd_recover,
	  "undo DOMAIN's journal now (what release does)", no_opts, false },
	{ "bind", "ADDR DRIVER", 2, 2, { ARG_ADDR, ARG_DRIVER }, cmd_bind,
	  "move ADDR to DRIVER (driver_override + probe)", no_opts, false },
	{ "restore", "ADDR DRIVER [OVERRIDE]", 2, 3, { ARG_ADDR, ARG_DRIVER }, cmd_restore,
	  "hand ADDR back to DRIVER ('-': none), override OVERRIDE", no_opts, false },
	{ "unbind", "ADDR", 1, 1, { ARG_ADDR }, cmd_unbind,
	  "detach ADDR from its driver", no_opts, false },
	{ "remove-rescan", "ADDR", 1, 1, { ARG_ADDR }, cmd_remove_rescan,
	  "remove ADDR, rescan, put each function back on its driver", slot_opts, false },
	{ "reset", "ADDR", 1, 1, { ARG_ADDR }, cmd_reset,
	  "reset ADDR (--method auto or suspend)", reset_opts, false },
};
const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FINDING);
}

void die_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s%s%s --help'.\n", prog, cmd ? " " : "", cmd ? cmd : "");
	exit(EXIT_USAGE);
}

/* The library's line says what failed; add nothing but the program name. */
void die_lib(struct vfh_ctx *ctx, int err, const char *what)
{
	const char *msg = vfh_ctx_errmsg(ctx);

	if (*msg)
		die("%s", msg);
	die("%s: %s", what, strerror(-err));
}

struct vfh_pci_addr addr_arg(const char *cmd, const char *s)
{
	struct vfh_pci_addr a;

	if (vfh_pci_addr_parse(s, &a) < 0)
		die_usage(cmd, "invalid PCI address '%s' (DDDD:BB:SS.F or BB:SS.F)", s);
	return a;
}

void domain_arg(const char *name)
{
	if (!eng_domain_ok(name))
		die("'%s' is not a domain name vfiohook manages (letters, digits, _ . + : @ -; "
		    "no leading . or -)", name);
}

static const struct opt_spec *spec_of(enum opt_id id)
{
	for (const struct opt_spec *s = cli_opt_specs; s->name; s++)
		if (s->id == id)
			return s;
	return NULL;
}

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < cli_n_commands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

static void print_help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Look at PCI devices and IOMMU groups, check this host and a domain,\n"
	       "move devices between drivers, and see what the libvirt hook will do.\n"
	       "\n"
	       "Commands:\n", prog);
	for (size_t i = 0; i < cli_n_commands; i++) {
		const struct command *c = &cli_commands[i];
		char head[40];

		snprintf(head, sizeof(head), "%s %s", c->name, c->args);
		printf("  %-24s %s\n", head, c->help);
	}
	printf("\n"
	       "Options (every command):\n"
	       "  -r, --root DIR      work on the tree below DIR instead of the live system\n"
	       "  -j, --json          reporting commands: JSON (schema in vfiohook(8))\n"
	       "      --wait-ms N     bound of every wait for the kernel (default 10000)\n"
	       "  -v, --verbose       say each step (twice: debug)\n"
	       "  -h, --help          this help; 'COMMAND --help': the command's\n"
	       "  -V, --version       the version\n"
	       "\n"
	       "ADDR is DDDD:BB:SS.F or BB:SS.F.  Exit status: 0 ok, 1 a finding or a\n"
	       "failure (one line on stderr says why), 2 a usage error.  See vfiohook(8).\n");
}

static void print_command_help(const struct command *c)
{
	printf("Usage: %s %s%s%s%s\n\n%c%s.\n", prog, c->name, *c->opts ? " [OPTIONS]" : "",
	       *c->args ? " " : "", c->args, c->help[0] - 'a' + 'A', c->help + 1);
	if (*c->opts || c->reports)
		printf("\nOptions:\n");
	for (const enum opt_id *id = c->opts; *id; id++) {
		const struct opt_spec *s = spec_of(*id);
		char head[40];

		snprintf(head, sizeof(head), "--%s%s%s", s->name, s->arg ? " " : "", s->arg ? s->arg : "");
		printf("  %-18s %s\n", head, s->help);
	}
	if (c->reports)
		printf("  %-18s %s\n", "-j, --json", "the report as JSON (vfiohook(8))");
	printf("\nGlobal options (--root, --verbose, --wait-ms): '%s --help'.\n", prog);
}

static unsigned int parse_uint(const char *cmd, const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 1000000)
		die_usage(cmd, "invalid %s '%s'", what, s);
	return (unsigned int)v;
}

/* 1 when it was a global option (handled), 0 when not */
static int global_opt(int c, const char *cmd, struct opts *o)
{
	switch (c) {
	case 'r':
		o->root = optarg;
		return 1;
	case 'v':
		o->verbose++;
		return 1;
	case 'j':
		o->json = true;
		return 1;
	case OPT_WAIT:
		o->wait_ms = parse_uint(cmd, optarg, "--wait-ms");
		if (!o->wait_ms)
			die_usage(cmd, "%s", "--wait-ms must be at least 1");
		return 1;
	case 'V':
		printf("%s %s\n", prog, VFH_VERSION);
		exit(EXIT_OK);
	}
	return 0;
}

static void command_opt(const struct command *cmd, int c, struct opts *o)
{
	const char *n = cmd->name;

	switch (c) {
	case OPT_SLOT:
		o->slot = true;
		break;
	case OPT_METHOD:
		if (strcmp(optarg, "auto") && strcmp(optarg, "suspend"))
			die_usage(n, "invalid --method '%s' (auto or suspend)", optarg);
		o->method = optarg;
		break;
	case OPT_SECONDS:
		o->seconds = parse_uint(n, optarg, "--seconds");
		break;
	case OPT_ATTEMPTS:
		o->attempts = parse_uint(n, optarg, "--attempts");
		break;
	case OPT_XML:
		o->xml = optarg;
		break;
	case OPT_CONNECT:
		o->connect = optarg;
		break;
	case OPT_RES: {
		unsigned int w, h;
		char end;

		if (sscanf(optarg, "%ux%u%c", &w, &h, &end) != 2 || !w || !h || w > 16384 ||
		    h > 16384)
			die_usage(n, "invalid --resolution '%s' (WxH, e.g. 2560x1440)", optarg);
		o->res_w = w;
		o->res_h = h;
		break;
	}
	}
}

/* An option the command refused: say whether it exists elsewhere. */
static void __attribute__((noreturn)) refused(const struct command *cmd, const char *arg)
{
	char name[64];
	const char *eq;
	size_t len;

	if (strncmp(arg, "--", 2) != 0)
		die_usage(cmd->name, "%s does not take the option '%s'", cmd->name, arg);
	eq = strchr(arg, '=');
	len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	snprintf(name, sizeof(name), "%.*s", (int)len, arg + 2);
	if (strcmp(name, "json") == 0)
		die_usage(cmd->name, "%s does not take --json: it reports nothing but success "
			  "or one line on failure", cmd->name);
	for (const struct opt_spec *s = cli_opt_specs; s->name; s++) {
		if (strcmp(s->name, name) != 0)
			continue;
		char users[256] = "";

		for (size_t i = 0; i < cli_n_commands; i++)
			for (const enum opt_id *id = cli_commands[i].opts; *id; id++)
				if (*id == s->id)
					snprintf(users + strlen(users), sizeof(users) - strlen(users),
						 "%s%s", *users ? ", " : "", cli_commands[i].name);
		die_usage(cmd->name, "%s does not take --%s (it is for: %s)", cmd->name, name, users);
	}
	die_usage(cmd->name, "unknown option '%s'", arg);
}

/* getopt_long for one command: its options and the global ones. */
static int parse_command(const struct command *cmd, int argc, char **argv, struct opts *o)
{
	struct option lo[N_GLOBAL + 16];
	size_t n = 0;
	int c;

	for (size_t i = 0; i < N_GLOBAL; i++)
		if (cmd->reports || strcmp(global_opts[i].name, "json") != 0)
			lo[n++] = global_opts[i];
	for (const enum opt_id *id = cmd->opts; *id; id++) {
		const struct opt_spec *s = spec_of(*id);

		lo[n++] = (struct option){ s->name, s->arg ? required_argument : no_argument,
					   NULL, (int)s->id };
	}
	lo[n] = (struct option){ 0 };
	/* GNU getopt permutes: options may come before or after the
	 * arguments ("remove-rescan 01:00.0 --slot"); optind 0 starts afresh */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, cmd->reports ? ":r:vjhV" : ":r:vhV", lo, NULL)) != -1) {
		if (c == 'h') {
			print_command_help(cmd);
			exit(EXIT_OK);
		}
		if (c == '?') {
			char sh[3] = { '-', (char)optopt, 0 };

			refused(cmd, optopt ? sh : argv[optind - 1]);
		}
		if (c == ':')
			die_usage(cmd->name, "option '%s' needs an argument", argv[optind - 1]);
		if (!global_opt(c, cmd->name, o))
			command_opt(cmd, c, o);
	}
	return optind;
}

void log_stderr(void *data, int prio, const char *file, int line, const char *fn,
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

/* ---- completion: `vfiohook [--root DIR] __complete WORD...` prints the
 * candidates for the last WORD (possibly empty), one a line. */

static void complete_prefix(const char *word, const char *cand)
{
	if (strncmp(cand, word, strlen(word)) == 0)
		printf("%s\n", cand);
}

static void complete_arg(struct vfh_ctx *ctx, enum arg_kind kind, const char *word)
{
	char dir[512];

	if (kind == ARG_ADDR) {
		struct vfh_pci_addr *a;
		size_t n;

		if (vfh_pci_list(ctx, &a, &n) < 0)
			return;
		for (size_t i = 0; i < n; i++) {
			char s[VFH_PCI_ADDR_MAX];

			vfh_pci_addr_format(&a[i], s, sizeof(s));
			complete_prefix(word, s);
		}
		free(a);
	} else if (kind == ARG_DOMAIN || kind == ARG_JOURNAL) {
		DIR *d;
		struct dirent *de;
		bool ini = kind == ARG_DOMAIN;

		if (ini)
			vfh_ctx_path(ctx, VFH_ROOT_ETC, dir, sizeof(dir), "%s", VFH_CONF_DIR);
		else
			vfh_ctx_path(ctx, VFH_ROOT_RUN, dir, sizeof(dir), "%s", VFH_RUN_DIR);
		d = opendir(dir);
		if (!d)
			return;
		while ((de = readdir(d))) {
			char name[256];
			size_t l = strlen(de->d_name);

			snprintf(name, sizeof(name), "%s", de->d_name);
			if (ini) {
				if (l < 5 || strcmp(name + l - 4, ".ini") != 0)
					continue;
				name[l - 4] = 0;
			}
			if (eng_domain_ok(name))
				complete_prefix(word, name);
		}
		closedir(d);
	} else if (kind == ARG_DRIVER) {
		complete_prefix(word, "vfio-pci");
		complete_prefix(word, "pci-stub");
	}
}

static int complete(struct vfh_ctx *ctx, int argc, char **argv)
{
	const char *word = argc ? argv[argc - 1] : "";
	const struct command *cmd = argc > 1 ? command_find(argv[0]) : NULL;
	int pos = 0;

	if (argc <= 1) {
		for (size_t i = 0; i < cli_n_commands; i++)
			complete_prefix(word, cli_commands[i].name);
		if (*word == '-')
			for (size_t i = 0; i < N_GLOBAL; i++)
				printf("--%s\n", global_opts[i].name);
		return 0;
	}
	if (!cmd)
		return 0;
	if (*word == '-') {
		for (size_t i = 0; i < N_GLOBAL; i++)
			if (cmd->reports || strcmp(global_opts[i].name, "json") != 0) {
				char s[64];

				snprintf(s, sizeof(s), "--%s", global_opts[i].name);
				complete_prefix(word, s);
			}
		for (const enum opt_id *id = cmd->opts; *id; id++) {
			char s[64];

			snprintf(s, sizeof(s), "--%s", spec_of(*id)->name);
			complete_prefix(word, s);
		}
		return 0;
	}
	/* the previous word an option that takes an argument: a file, the shell's job */
	if (argc >= 3 && argv[argc - 2][0] == '-') {
		for (const enum opt_id *id = cmd->opts; *id; id++) {
			const struct opt_spec *s = spec_of(*id);

			if (s->arg && strcmp(argv[argc - 2] + 2, s->name) == 0) {
				if (s->id == OPT_METHOD) {
					complete_prefix(word, "auto");
					complete_prefix(word, "suspend");
				}
				return 0;
			}
		}
		if (!strcmp(argv[argc - 2], "--root") || !strcmp(argv[argc - 2], "-r") ||
		    !strcmp(argv[argc - 2], "--wait-ms"))
			return 0;
	}
	for (int i = 1; i < argc - 1; i++)
		if (argv[i][0] != '-')
			pos++;
	if (pos < 3)
		complete_arg(ctx, cmd->kinds[pos], word);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct opts o = { .method = "auto" };
	int c, r, cmd_at;
	const char *nc = getenv("NO_COLOR");

	/* global options before the command */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:r:vjhV", global_opts, NULL)) != -1) {
		if (c == 'h') {
			print_help();
			exit(EXIT_OK);
		}
		if (c == '?')
			die_usage(NULL, "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			die_usage(NULL, "option '%s' needs an argument", argv[optind - 1]);
		global_opt(c, NULL, &o);
	}
	if (optind >= argc)
		die_usage(NULL, "%s", "no command");
	cmd_at = optind;
	if (strcmp(argv[cmd_at], "__complete") == 0) {
		the_ctx = vfh_ctx_new();
		if (!the_ctx)
			return EXIT_OK;
		if (o.root && vfh_ctx_set_prefix(the_ctx, o.root) < 0)
			return EXIT_OK;
		r = complete(the_ctx, argc - cmd_at - 1, argv + cmd_at + 1);
		vfh_ctx_unref(the_ctx);
		return r;
	}
	cmd = command_find(argv[cmd_at]);
	if (!cmd)
		die_usage(NULL, "unknown command '%s'", argv[cmd_at]);
	{
		char **cargv = argv + cmd_at;
		int cargc = argc - cmd_at, first_arg, na;

		first_arg = parse_command(cmd, cargc, cargv, &o);
		na = cargc - first_arg;
		if (na < cmd->min_args || na > cmd->max_args)
			die_usage(cmd->name, "usage: %s %s%s%s", prog, cmd->name, *cmd->args ? " " : "",
				  cmd->args);
		if (o.json && !cmd->reports)
			die_usage(cmd->name, "%s does not take --json: it reports nothing but success "
				  "or one line on failure", cmd->name);
		the_ctx = vfh_ctx_new();
		if (!the_ctx)
			die("out of memory");
		if (o.root && (r = vfh_ctx_set_prefix(the_ctx, o.root)) < 0)
			die("invalid --root '%s': %s", o.root, strerror(-r));
		if (o.wait_ms)
			vfh_ctx_set_wait_ms(the_ctx, o.wait_ms);
		vfh_ctx_set_log_fn(the_ctx, log_stderr, NULL);
		if (o.verbose)
			vfh_ctx_set_log_priority(the_ctx, o.verbose > 1 ? LOG_DEBUG : LOG_INFO);
		o.color = isatty(STDOUT_FILENO) && !(nc && *nc) && !o.json;
		r = cmd->run(the_ctx, na, cargv + first_arg, &o);
	}
	vfh_ctx_unref(the_ctx);
	return r;
}
