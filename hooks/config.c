// SPDX-License-Identifier: LGPL-2.1-or-later
/* The per-domain INI file: read through inih with a reader that counts
 * lines (and sees what inih cannot say: encodings, line endings, inline
 * comments), keys parsed from the tables of hooks/conftab.h, every
 * complaint as "path:line: ...". */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <ini.h>

#include "conftab.h"

struct seen_key {
	int instance;		/* of a section header */
	const char *name;	/* the table's */
	int line;
};

struct ini {
	struct hook_config *cfg;
	const char *path;
	FILE *f;
	int line;		/* of the text inih is looking at */
	struct eng_err *e;
	int err_line;		/* first error; 0 = none, -1 = the whole file */
	bool stop;		/* the file is not text to read on */
	/* from the reader, which sees section headers inih keeps to itself */
	const struct eng_section *sec;	/* NULL: before any header, or a refused one */
	void *base;			/* what sec's keys fill */
	int instance;			/* headers read so far */
	int *opened;			/* per section: line of its header, 0 = none */
	struct seen_key *seen;
	size_t n_seen;
};

static void perr(struct ini *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct ini *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err_line)
		return;
	p->err_line = line ? line : -1;
	p->e->err = -EINVAL;
	n = line ? snprintf(p->e->msg, sizeof(p->e->msg), "%s:%d: ", p->path, line)
		 : snprintf(p->e->msg, sizeof(p->e->msg), "%s: ", p->path);
	if (n < 0 || (size_t)n >= sizeof(p->e->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(p->e->msg + n, sizeof(p->e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void *field(void *base, size_t off)
{
	return (char *)base + off;
}

/* "Passthrough" -> "passthrough"; false when there was nothing to lower */
static bool lowered(const char *s, char *buf, size_t len)
{
	bool changed = false;
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++) {
		buf[i] = (char)tolower((unsigned char)s[i]);
		changed |= buf[i] != s[i];
	}
	buf[i] = '\0';
	return changed && !s[i];
}

/* ---- the typed parsers */

int eng_key_bool(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	bool *out = field(base, k->off);

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	perr(p, p->line, "%s: '%s' is not yes or no", k->name, v);
	return -EINVAL;
}

int eng_key_uint(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	unsigned int *out = field(base, k->off);
	unsigned long n = 0;
	char *end = NULL;

	errno = 0;
	if (isdigit((unsigned char)*v))
		n = strtoul(v, &end, 10);
	if (!end || errno || *end || n < k->lo || n > k->hi) {
		perr(p, p->line, "%s: '%s' is not a number%s%s from %u to %u", k->name, v,
		     k->unit ? " of " : "", k->unit ? k->unit : "", k->lo, k->hi);
		return -EINVAL;
	}
	*out = (unsigned int)n;
	return 0;
}

/* "none, auto, suspend" */
static void enum_names(const struct eng_enum *e, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; e->name && n < len; e++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", e->name);
}

int eng_key_enum(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	char names[256], low[64];

	for (const struct eng_enum *e = k->values; e->name; e++)
		if (strcmp(v, e->name) == 0) {
			*(int *)field(base, k->off) = e->value;
			return 0;
		}
	enum_names(k->values, names, sizeof(names));
	if (lowered(v, low, sizeof(low)))
		for (const struct eng_enum *e = k->values; e->name; e++)
			if (strcmp(low, e->name) == 0) {
				perr(p, p->line, "%s: '%s' is not one of %s: names are lower-case "
				     "(did you mean '%s'?)", k->name, v, names, low);
				return -EINVAL;
			}
	perr(p, p->line, "%s: '%s' is not one of %s", k->name, v, names);
	return -EINVAL;
}

static bool name_ok(const char *v, size_t max, const char *extra)
{
	size_t n = strlen(v);

	if (n == 0 || n >= max || v[0] == '-' || v[0] == '.')
		return false;
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' &&
		    !strchr(extra ? extra : "", *c))
			return false;
	return true;
}

int eng_key_name(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	if (!name_ok(v, k->max, k->extra)) {
		perr(p, p->line, "%s: '%s' is not a %s%s", k->name, v, k->what,
		     k->example ? k->example : "");
		return -EINVAL;
	}
	strcpy(field(base, k->off), v);
	return 0;
}

/* Splits a list on blanks and commas; calls fn for each word. */
static int each_word(struct ini *p, const struct eng_key *k, void *base, const char *v,
		     int (*fn)(struct ini *p, const struct eng_key *k, void *base, const char *w))
{
	char buf[256], *save, *w;
	int count = 0;

	if (strlen(v) >= sizeof(buf)) {
		perr(p, p->line, "%s: value too long", k->name);
		return -EINVAL;
	}
	strcpy(buf, v);
	for (w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		int r = fn(p, k, base, w);

		if (r < 0)
			return r;
		count++;
	}
	if (count == 0) {
		perr(p, p->line, "%s: empty list", k->name);
		return -EINVAL;
	}
	return 0;
}

static int add_name(struct ini *p, const struct eng_key *k, void *base, const char *w)
{
	char ***v = field(base, k->off), **nv, *copy;
	size_t *n = field(base, k->off_n);

	if (k->need_suffix && !strchr(w, '.')) {
		perr(p, p->line, "%s: '%s' needs its type suffix (%s.service)", k->name, w, w);
		return -EINVAL;
	}
	if (strlen(w) >= k->max) {
		perr(p, p->line, "'%.20s...' is too long for a %s (at most %zu characters)", w,
		     k->what, k->max - 1);
		return -EINVAL;
	}
	if (!name_ok(w, k->max, k->extra)) {
		perr(p, p->line, "'%s' is not a valid %s", w, k->what);
		return -EINVAL;
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], w) == 0) {
			perr(p, p->line, "%s %s listed twice", k->what, w);
			return -EINVAL;
		}
	copy = strdup(w);
	nv = copy ? realloc(*v, (*n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	*v = nv;
	nv[(*n)++] = copy;
	return 0;
}

int eng_key_names(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	return each_word(p, k, base, v, add_name);
}

static int add_listed(struct ini *p, const struct eng_key *k, void *base, const char *w)
{
	struct hook_config *c = base;
	struct vfh_pci_addr a, *na;
	int *nl;

	if (strcmp(w, "auto") == 0) {
		if (c->from_xml) {
			perr(p, p->line, "%s: 'auto' given twice", k->name);
			return -EINVAL;
		}
		c->from_xml = true;
		return 0;
	}
	if (vfh_pci_addr_parse(w, &a) < 0) {
		perr(p, p->line, "%s: '%s' is neither 'auto' nor a PCI address (DDDD:BB:SS.F, see "
		     "lspci -D)%s", k->name, w, strcasecmp(w, "auto") == 0 ? ": names are "
		     "lower-case (did you mean 'auto'?)" : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_listed; i++)
		if (vfh_pci_addr_eq(&c->listed[i], &a)) {
			perr(p, p->line, "%s: %s listed twice", k->name, w);
			return -EINVAL;
		}
	na = realloc(c->listed, (c->n_listed + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	c->listed = na;
	nl = realloc(c->listed_line, (c->n_listed + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	c->listed_line = nl;
	c->listed[c->n_listed] = a;
	c->listed_line[c->n_listed++] = p->line;
	return 0;
}

int eng_key_addrs(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	return each_word(p, k, base, v, add_listed);
}

static int add_free(struct ini *p, const struct eng_key *k, void *base, const char *w)
{
	struct hook_config *c = base;
	struct vfh_pci_addr a, *na;

	if (vfh_pci_addr_parse(w, &a) < 0) {
		perr(p, p->line, "%s: '%s' is not a PCI address (DDDD:BB:SS.F, see lspci -D)",
		     k->name, w);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_free; i++)
		if (vfh_pci_addr_eq(&c->free[i], &a)) {
			perr(p, p->line, "%s: %s listed twice", k->name, w);
			return -EINVAL;
		}
	na = realloc(c->free, (c->n_free + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	c->free = na;
	c->free[c->n_free++] = a;
	return 0;
}

int eng_key_free_addrs(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	return each_word(p, k, base, v, add_free);
}

/* ---- the tables */

static const struct eng_enum reset_values[] = {
	{ "none", RESET_NONE }, { "auto", RESET_AUTO }, { "suspend", RESET_SUSPEND }, { NULL, 0 }
};
static const struct eng_enum reset_at_values[] = {
	{ "release", RESET_AT_RELEASE }, { "prepare", RESET_AT_PREPARE },
	{ "both", RESET_AT_PREPARE | RESET_AT_RELEASE }, { NULL, 0 }
};

/* The keys [devices] and [device ADDRESS] share: OFF is where the struct
 * dev_conf is in the section's struct, D whether they have defaults. */
#define DEVICE_DRIVER(OFF, D) \
	{ .name = "driver", .parse = eng_key_name, .off = (OFF) + offsetof(struct dev_conf, driver), \
	  .def = (D) ? "vfio-pci" : NULL, .help = "The driver the devices are bound to.", \
	  .what = "driver name", .max = VFH_NAME_MAX, .example = " (vfio-pci, pci-stub...)" }
#define DEVICE_RESET(OFF, D) \
	{ .name = "reset", .parse = eng_key_enum, .off = (OFF) + offsetof(struct dev_conf, reset), \
	  .def = (D) ? "none" : NULL, .help = "How devices are reset.", \
	  .values = reset_values }, \
	{ .name = "reset_at", .parse = eng_key_enum, \
	  .off = (OFF) + offsetof(struct dev_conf, reset_at), .def = (D) ? "release" : NULL, \
	  .help = "When devices are reset.", .values = reset_at_values }, \
	{ .name = "suspend_seconds", .parse = eng_key_uint, \
	  .off = (OFF) + offsetof(struct dev_conf, suspend_seconds), .def = (D) ? "2" : NULL, \
	  .help = "The RTC alarm of a suspend reset, 1 to 60.", \
	  .lo = 1, .hi = 60, .unit = "seconds" }, \
	{ .name = "suspend_attempts", .parse = eng_key_uint, \
	  .off = (OFF) + offsetof(struct dev_conf, suspend_attempts), .def = (D) ? "3" : NULL, \
	  .help = "Suspends tried before giving up, 1 to 10.", .lo = 1, .hi = 10 }

#define HC(f) offsetof(struct hook_config, f)

static const struct eng_key devices_keys[] = {
	{ .name = "passthrough", .parse = eng_key_addrs,
	  .help = "The devices that go to the VM." },
	DEVICE_DRIVER(HC(defaults), 1),
	{ .name = "take_group", .parse = eng_key_bool, .off = HC(take_group), .def = "yes",
	  .help = "Take every endpoint of each device's IOMMU group along." },
	{ .name = "take_companions", .parse = eng_key_bool, .off = HC(take_companions),
	  .def = "yes", .help = "Take the other functions of each device's slot along." },
	DEVICE_RESET(HC(defaults), 1),
	{ .name = "wait_ms", .parse = eng_key_uint, .off = HC(wait_ms), .def = "10000",
	  .help = "The bound of every wait for the kernel, 100 to 600000.",
	  .lo = 100, .hi = 600000, .unit = "milliseconds" },
	{ .name = "write_ms", .parse = eng_key_uint, .off = HC(write_ms), .def = "10000",
	  .help = "The bound of every write into a driver, 100 to 600000.",
	  .lo = 100, .hi = 600000, .unit = "milliseconds" },
	{ .name = "free", .parse = eng_key_free_addrs,
	  .help = "Controllers the host is presumed to need that are free to take." },
};

static const struct eng_key device_keys[] = {
	DEVICE_DRIVER(0, 0),
	DEVICE_RESET(0, 0),
};

static const struct eng_key single_gpu_keys[] = {
	{ .name = "enabled", .parse = eng_key_bool, .off = HC(single_gpu), .def = "yes",
	  .help = "Whether the host gives its only GPU away (the section says yes)." },
	/* the limit is what a journaled step can hold */
	{ .name = "stop_units", .parse = eng_key_names, .off = HC(stop_units), .off_n = HC(n_units),
	  .help = "systemd units stopped before and started again after.",
	  .what = "unit name", .max = 128, .extra = ".@:\\", .need_suffix = true },
	{ .name = "unbind_vtconsoles", .parse = eng_key_bool, .off = HC(unbind_vtconsoles),
	  .def = "yes", .help = "Unbind the framebuffer console, and bind it again after." },
	{ .name = "unbind_framebuffers", .parse = eng_key_bool, .off = HC(unbind_framebuffers),
	  .def = "yes", .help = "Unbind the firmware framebuffers, and bind them again after." },
	{ .name = "unload_modules", .parse = eng_key_names, .off = HC(unload_modules),
	  .off_n = HC(n_modules), .help = "Modules unloaded once the devices are off them.",
	  .what = "module name", .max = 56 },
};

static const struct eng_enum when_held_values[] = {
	{ "refuse", HELD_REFUSE }, { "stop", HELD_STOP }, { NULL, 0 }
};

/* when_held: also where, for the checks once the file is read */
static int key_when_held(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	int r = eng_key_enum(p, k, base, v);

	if (r == 0)
		((struct hook_config *)base)->when_held_line = p->line;
	return r;
}

/* user = auto | NAME | UID */
static int key_held_user(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	if (strcmp(v, "auto") == 0) {
		strcpy(((struct hook_config *)base)->held_user, v);
		return 0;
	}
	return eng_key_name(p, k, base, v);
}

static const struct eng_key holders_keys[] = {
	{ .name = "when_held", .parse = key_when_held, .off = HC(when_held), .def = "refuse",
	  .help = "What to do when a process on the host holds a device's nodes.",
	  .values = when_held_values },
	{ .name = "stop_units", .parse = eng_key_names, .off = HC(held_units),
	  .off_n = HC(n_held_units), .help = "System units stopped when a device is held.",
	  .what = "unit name", .max = 128, .extra = ".@:\\", .need_suffix = true },
	{ .name = "stop_user_units", .parse = eng_key_names, .off = HC(held_user_units),
	  .off_n = HC(n_held_user_units),
	  .help = "Units of the user's own systemd manager stopped when a device is held.",
	  .what = "unit name", .max = 100, .extra = ".@:\\", .need_suffix = true },
	{ .name = "user", .parse = key_held_user, .off = HC(held_user), .def = "auto",
	  .help = "Whose user units: auto (the owners of the holding processes), a name or a uid.",
	  .what = "user name or uid", .max = 64, .extra = "." },
	{ .name = "wait_seconds", .parse = eng_key_uint, .off = HC(held_wait_s), .def = "5",
	  .help = "The bound of the wait for the holders to let go, 1 to 60.",
	  .lo = 1, .hi = 60, .unit = "seconds" },
};

static const struct eng_enum hugepages_values[] = {
	{ "auto", HUGEPAGES_AUTO }, { "off", HUGEPAGES_OFF }, { "keep", HUGEPAGES_KEEP },
	{ NULL, 0 }
};

static const struct eng_key memory_keys[] = {
	{ .name = "hugepages", .parse = eng_key_enum, .off = HC(hugepages), .def = "auto",
	  .help = "Reserve the hugepages the domain XML asks for while it runs.",
	  .values = hugepages_values },
	{ .name = "pages", .parse = eng_key_uint, .off = HC(hugepage_count),
	  .help = "How many pages to add instead of what the domain XML's memory needs.",
	  .lo = 1, .hi = 1u << 30, .unit = "pages" },
	{ .name = "drop_caches", .parse = eng_key_bool, .off = HC(drop_caches), .def = "no",
	  .help = "May drop the page cache when compaction alone cannot free the pages." },
	{ .name = "attempts", .parse = eng_key_uint, .off = HC(hugepage_attempts), .def = "3",
	  .help = "Tries to reserve the pages, compacting memory between them, 1 to 10.",
	  .lo = 1, .hi = 10 },
};

/* isolate = no | auto | CPULIST */
static int key_isolate(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	struct hook_config *c = base;
	struct vfh_cpuset cpus;

	if (strcmp(v, "no") == 0 || strcmp(v, "auto") == 0) {
		c->isolate = v[0] == 'n' ? ISOLATE_NO : ISOLATE_AUTO;
		return 0;
	}
	if (vfh_cpuset_parse_list(v, 0, &cpus) < 0 || strlen(v) >= sizeof(c->isolate_cpus)) {
		perr(p, p->line, "%s: '%s' is neither no, auto nor a CPU list (like 2-3 or 2,6)",
		     k->name, v);
		return -EINVAL;
	}
	c->isolate = ISOLATE_LIST;
	strcpy(c->isolate_cpus, v);
	return 0;
}

static const struct eng_enum rt_runtime_values[] = {
	{ "keep", RT_RUNTIME_KEEP }, { "unlimited", RT_RUNTIME_UNLIMITED }, { NULL, 0 }
};

static const struct eng_key cpus_keys[] = {
	{ .name = "isolate", .parse = key_isolate, .def = "no",
	  .help = "Keep host work off these CPUs while the domain runs." },
	{ .name = "irqs", .parse = eng_key_bool, .off = HC(isolate_irqs), .def = "yes",
	  .help = "Move the IRQs that can move off the isolated CPUs, and stop irqbalance." },
	{ .name = "workqueues", .parse = eng_key_bool, .off = HC(isolate_workqueues),
	  .def = "yes", .help = "Keep unbound and writeback workqueues off the isolated CPUs." },
	{ .name = "rt_runtime", .parse = eng_key_enum, .off = HC(rt_runtime), .def = "keep",
	  .help = "kernel.sched_rt_runtime_us while the domain runs.",
	  .values = rt_runtime_values },
	{ .name = "governor", .parse = eng_key_name, .off = HC(governor),
	  .help = "The isolated CPUs' cpufreq governor while the domain runs.",
	  .what = "cpufreq governor name", .max = 32,
	  .example = " (performance, schedutil...)" },
};

/* mode = 0660: octal permission bits */
static int key_mode(struct ini *p, const struct eng_key *k, void *base, const char *v)
{
	unsigned long m;
	char *end;

	errno = 0;
	m = *v >= '0' && *v <= '7' ? strtoul(v, &end, 8) : 0;
	if (!(*v >= '0' && *v <= '7') || errno || *end || m > 0777) {
		perr(p, p->line, "%s: '%s' is not a permission mode in octal (like 0660)", k->name, v);
		return -EINVAL;
	}
	*(unsigned int *)field(base, k->off) = (unsigned int)m;
	return 0;
}

static const struct eng_key looking_glass_keys[] = {
	{ .name = "owner", .parse = eng_key_name, .off = HC(lg_owner), .def = "root",
	  .help = "The user who owns /dev/shm/NAME: the one who runs the client.",
	  .what = "user name or uid", .max = 64, .extra = "." },
	{ .name = "group", .parse = eng_key_name, .off = HC(lg_group), .def = "kvm",
	  .help = "Its group.", .what = "group name or gid", .max = 64, .extra = "." },
	{ .name = "mode", .parse = key_mode, .off = HC(lg_mode), .def = "0660",
	  .help = "Its permissions, in octal." },
	{ .name = "keep", .parse = eng_key_bool, .off = HC(lg_keep), .def = "no",
	  .help = "Leave the file in place when the domain stops." },
};

static void *open_config(struct ini *p, const char *arg)
{
	(void)arg;
	return p->cfg;
}

static void *open_single_gpu(struct ini *p, const char *arg)
{
	(void)arg;
	p->cfg->single_gpu = true;	/* the section says yes; enabled = no, no */
	return p->cfg;
}

static void *open_device(struct ini *p, const char *arg)
{
	struct hook_config *c = p->cfg;
	struct vfh_pci_addr a;
	struct dev_conf *nd;

	while (*arg == ' ')
		arg++;
	if (vfh_pci_addr_parse(arg, &a) < 0) {
		perr(p, p->line, "[device %s]: not a PCI address (DDDD:BB:SS.F)", arg);
		return NULL;
	}
	for (size_t i = 0; i < c->n_dev; i++)
		if (vfh_pci_addr_eq(&c->dev[i].addr, &a)) {
			perr(p, p->line, "[device %s] given twice (first at line %d)", arg,
			     c->dev[i].line);
			return NULL;
		}
	nd = realloc(c->dev, (c->n_dev + 1) * sizeof(*nd));
	if (!nd) {
		perr(p, p->line, "out of memory");
		return NULL;
	}
	c->dev = nd;
	nd += c->n_dev++;
	memset(nd, 0, sizeof(*nd));
	nd->addr = a;
	nd->line = p->line;
	nd->reset = RESET_UNSET;
	return nd;
}

#define KEYS(t) t, sizeof(t) / sizeof(t[0])

const struct eng_section eng_sections[] = {
	[ENG_SEC_DEVICES] = { "devices", "[devices]", false, NULL, KEYS(devices_keys),
			      open_config },
	[ENG_SEC_DEVICE] = { "device", "[device ADDRESS]", true, "[devices]", KEYS(device_keys),
			     open_device },
	[ENG_SEC_SINGLE_GPU] = { "single-gpu", "[single-gpu]", false, NULL,
				 KEYS(single_gpu_keys), open_single_gpu },
	[ENG_SEC_HOLDERS] = { "holders", "[holders]", false, NULL, KEYS(holders_keys),
			      open_config },
	[ENG_SEC_MEMORY] = { "memory", "[memory]", false, NULL, KEYS(memory_keys), open_config },
	[ENG_SEC_CPUS] = { "cpus", "[cpus]", false, NULL, KEYS(cpus_keys), open_config },
	[ENG_SEC_LOOKING_GLASS] = { "looking-glass", "[looking-glass]", false, NULL,
				    KEYS(looking_glass_keys), open_config },
};
const size_t eng_n_sections = sizeof(eng_sections) / sizeof(eng_sections[0]);
_Static_assert(sizeof(eng_sections) / sizeof(eng_sections[0]) == ENG_SEC__COUNT,
	       "eng_sections[] has one entry per enum eng_section_id");

/* ---- sections and keys */

static const struct eng_key *find_key(const struct eng_section *s, const char *name)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

/* The section a header's text names; *arg: what follows its name. */
static const struct eng_section *find_section(const char *name, const char **arg)
{
	for (size_t i = 0; i < eng_n_sections; i++) {
		const struct eng_section *s = &eng_sections[i];
		size_t n = strlen(s->name);

		if (strncmp(name, s->name, n) != 0)
			continue;
		if (!s->takes_address && !name[n]) {
			*arg = "";
			return s;
		}
		if (s->takes_address && name[n] == ' ') {
			*arg = name + n + 1;
			return s;
		}
	}
	return NULL;
}

static void unknown_key(struct ini *p, const char *name)
{
	char keys[512], low[64];
	size_t n = 0;

	if (lowered(name, low, sizeof(low)) && find_key(p->sec, low)) {
		perr(p, p->line, "unknown key '%s' in %s: names are lower-case (did you mean '%s'?)",
		     name, p->sec->shown, low);
		return;
	}
	for (size_t i = 0; i < p->sec->n_keys && n < sizeof(keys); i++)
		n += (size_t)snprintf(keys + n, sizeof(keys) - n, "%s%s", i ? ", " : "",
				      p->sec->keys[i].name);
	perr(p, p->line, "unknown key '%s' in %s (%s)", name, p->sec->shown, keys);
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct ini *p = user;
	const struct eng_key *k;
	struct seen_key *ns;
	int r;

	(void)section;	/* the reader tracked it, with its line */
	if (p->err_line)
		return 1;	/* report the first error only */
	if (!p->sec) {
		perr(p, p->line, "'%s' is outside any section: put it under [devices], "
		     "[device ADDRESS] or [single-gpu]", name);
		return 0;
	}
	k = find_key(p->sec, name);
	if (!k) {
		unknown_key(p, name);
		return 0;
	}
	if (!*value) {
		perr(p, p->line, "%s has no value", name);
		return 0;
	}
	for (size_t i = 0; i < p->n_seen; i++) {
		struct seen_key *s = &p->seen[i];

		if (s->instance == p->instance && s->name == k->name) {
			perr(p, p->line, "'%s' given twice in this section (first at line %d)",
			     name, s->line);
			return 0;
		}
	}
	ns = realloc(p->seen, (p->n_seen + 1) * sizeof(*ns));
	if (!ns) {
		perr(p, p->line, "out of memory");
		return 0;
	}
	p->seen = ns;
	ns[p->n_seen++] = (struct seen_key){ p->instance, k->name, p->line };
	r = k->parse(p, k, p->base, value);
	if (r == -ENOMEM)
		perr(p, p->line, "out of memory");
	return r == 0;
}

/* A "[...]" header, seen by the reader with its line number. */
static void on_section(struct ini *p, const char *text)
{
	const struct eng_section *s;
	const char *end = strchr(text, ']'), *arg;
	char name[128], low[128], list[256];
	size_t n;
	int idx;

	p->sec = NULL;
	p->instance++;
	if (!end || (size_t)(end - text - 1) >= sizeof(name)) {
		perr(p, p->line, "malformed section header");
		return;
	}
	n = (size_t)(end - text - 1);
	memcpy(name, text + 1, n);
	name[n] = '\0';
	s = find_section(name, &arg);
	if (!s) {
		if (lowered(name, low, sizeof(low)) && find_section(low, &arg)) {
			perr(p, p->line, "unknown section [%s]: names are lower-case (did you mean "
			     "[%s]?)", name, low);
			return;
		}
		n = 0;
		for (size_t i = 0; i < eng_n_sections && n < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
					      eng_sections[i].shown);
		perr(p, p->line, "unknown section [%s] (%s)", name, list);
		return;
	}
	idx = (int)(s - eng_sections);
	if (!s->takes_address) {
		if (p->opened[idx]) {
			perr(p, p->line, "%s given twice", s->shown);
			return;
		}
		p->opened[idx] = p->line;
	}
	p->base = s->open(p, arg);
	if (p->base) {
		p->sec = s;
		if (!p->cfg->section_line[idx])
			p->cfg->section_line[idx] = p->line;
	}
}

/* Every other byte a NUL, and only those: ASCII as UTF-16 */
static bool alternating_nuls(const char *s, size_t n)
{
	for (size_t par = 0; par < 2; par++) {
		bool ok = true;

		for (size_t i = 0; i < n && ok; i++)
			ok = (i % 2 == par) == (s[i] == '\0');
		if (ok)
			return true;
	}
	return false;
}

/* The next line of the file into str (at most num - 2 characters), or
 * NULL at its end.  What inih cannot tell is said here: a file that is
 * not UTF-8 (or ASCII) text with LF or CRLF line endings. */
static bool read_line(struct ini *p, char *str, int num)
{
	size_t n = 0, max = (size_t)num - 2;
	bool nul = false, cr = false;
	int c;

	c = getc(p->f);
	if (c == EOF)
		return false;
	p->line++;
	for (; c != EOF && c != '\n'; c = getc(p->f)) {
		if (c == '\r') {
			int d = getc(p->f);

			if (d == '\n' || d == EOF)
				break;
			ungetc(d, p->f);
			cr = true;	/* a line ended by a CR alone: an old Mac's */
		}
		nul |= c == '\0';
		if (n < max)
			str[n] = (char)c;
		n++;
	}
	str[n < max ? n : max] = '\0';
	/* UTF-16 starts with a byte-order mark FF FE / FE FF, or puts a NUL
	 * beside every ASCII character (a line of LE text after the first
	 * starts with the NUL of the newline before) */
	if ((p->line == 1 && n >= 2 && ((str[0] == '\xff' && str[1] == '\xfe') ||
					(str[0] == '\xfe' && str[1] == '\xff'))) ||
	    (nul && alternating_nuls(str, n < max ? n : max))) {
		perr(p, 0, "is UTF-16 text; save it as UTF-8");
		p->stop = true;
	} else if (nul) {
		perr(p, p->line, "contains a NUL byte (is this a text file?)");
		p->stop = true;
	} else if (cr) {
		perr(p, 0, "uses CR line endings; save it with LF (or CRLF) line endings");
		p->stop = true;
	} else if (n > max) {
		perr(p, p->line, "line longer than %zu characters", max);
		str[0] = '\0';	/* refused, not cut: a cut line could change a value */
	}
	return true;
}

/* "key: value" (inih's other separator), which we do not take: the first
 * of '=' and ':' is a ':' after something shaped like a key */
static bool colon_pair(struct ini *p, const char *s)
{
	size_t k = strcspn(s, "=:"), v;

	if (s[k] != ':' || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < k; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	for (v = k + 1; s[v] == ' ' || s[v] == '\t'; v++)
		;
	perr(p, p->line, "use '%.*s = %s', not '%s': the separator is '='", (int)k, s, s + v, s);
	return true;
}

/* inih's reader: one line per call, with leading blanks removed (so an
 * indented line is never a continuation), inline comments removed, and the
 * line counted. */
static char *reader(char *str, int num, void *stream)
{
	struct ini *p = stream;
	char *s;

	if (p->stop || !read_line(p, str, num))
		return NULL;
	if (p->stop)
		return NULL;
	s = str;
	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;	/* a UTF-8 byte-order mark, as editors on Windows write */
	for (; *s == ' ' || *s == '\t'; s++)
		;
	if (s != str)
		memmove(str, s, strlen(s) + 1);
	if (str[0] == '#' || str[0] == ';')
		return str;
	/* a comment after blanks: " # GPU", " ; GPU" */
	for (s = str; *s; s++)
		if ((*s == '#' || *s == ';') && s > str && (s[-1] == ' ' || s[-1] == '\t')) {
			while (s > str && (s[-1] == ' ' || s[-1] == '\t'))
				s--;
			*s = '\0';
			break;
		}
	if (str[0] == '[')
		on_section(p, str);
	else if (str[0] && colon_pair(p, str))
		str[0] = '\0';
	return str;
}

/* Every section's defaults, parsed from the tables as if they were in the
 * file; [device ADDRESS] has none of its own. */
static void config_defaults(struct ini *p)
{
	struct hook_config *cfg = p->cfg;

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < eng_n_sections; i++) {
		const struct eng_section *s = &eng_sections[i];

		for (size_t j = 0; !s->takes_address && j < s->n_keys; j++)
			if (s->keys[j].def)
				s->keys[j].parse(p, &s->keys[j], cfg, s->keys[j].def);
	}
	/* enabled = yes is the default of a [single-gpu] that is there */
	cfg->single_gpu = false;
}

int eng_config_parse(FILE *f, const char *path, struct hook_config *cfg, struct eng_err *e)
{
	int opened[sizeof(eng_sections) / sizeof(eng_sections[0])] = { 0 };
	struct ini p = { .cfg = cfg, .path = path, .f = f, .e = e, .opened = opened };
	int r;

	eng_err_clear(e);
	config_defaults(&p);
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	r = ini_parse_stream(reader, &p, on_value, &p);
	/* inih goes on after a syntax error: the earliest complaint wins */
	if (r > 0 && (!p.err_line || r < p.err_line)) {
		p.err_line = 0;
		perr(&p, r, "expected 'key = value', '[section]' or a comment");
	}
	if (r < 0 && !p.err_line)
		perr(&p, 0, "cannot be read");
	if (!p.err_line && ferror(f))
		perr(&p, 0, "cannot be read");
	for (size_t i = 0; !p.err_line && i < cfg->n_dev; i++) {
		bool listed = cfg->from_xml;

		for (size_t j = 0; j < cfg->n_listed; j++)
			listed |= vfh_pci_addr_eq(&cfg->listed[j], &cfg->dev[i].addr);
		if (!listed) {
			char a[VFH_PCI_ADDR_MAX];

			vfh_pci_addr_format(&cfg->dev[i].addr, a, sizeof(a));
			perr(&p, cfg->dev[i].line, "[device %s] is not passed through: add it to "
			     "passthrough in [devices]", a);
		}
	}
	if (!p.err_line && cfg->when_held == HELD_STOP && !cfg->n_held_units &&
	    !cfg->n_held_user_units)
		perr(&p, cfg->when_held_line, "when_held = stop, but [holders] names nothing to "
		     "stop: add stop_user_units (a sound server: pipewire.socket pipewire.service "
		     "wireplumber.service) or stop_units");
	if (!p.err_line && cfg->when_held == HELD_REFUSE &&
	    (cfg->n_held_units || cfg->n_held_user_units))
		perr(&p, cfg->when_held_line, "[holders] names units to stop, but when_held = "
		     "refuse never stops them: add when_held = stop to [holders]");
	free(p.seen);
	if (p.err_line) {
		eng_config_free(cfg);
		return e->err;
	}
	return 0;
}

/* ---- what the file asks of the domain's XML */

int eng_config_check_hostdevs(const struct hook_config *cfg, const struct domain_xml *dom,
			      const struct vfh_pci_addr *taken, size_t n, struct eng_err *e)
{
	eng_err_clear(e);
	if (cfg->from_xml || cfg->n_listed == 0 || !dom)
		return 0;
	for (size_t i = 0; i < dom->n_hostdevs; i++) {
		const struct vfh_pci_addr *a = &dom->hostdevs[i].addr;
		char s[VFH_PCI_ADDR_MAX];
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = vfh_pci_addr_eq(&taken[j], a);
		if (found)
			continue;
		vfh_pci_addr_format(a, s, sizeof(s));
		return eng_fail(e, -EINVAL, "refused: the domain's PCI <hostdev> %s is not among the "
				"devices %s passes through (passthrough at line %d); add %s to "
				"passthrough, or write passthrough = auto", s, cfg->path,
				cfg->listed_line[0], s);
	}
	return 0;
}

/* Appends to an idle message: printf into what is left of buf. */
static void idle_add(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void idle_add(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r;
}

/* The file's next reason: "PATH does this; add that" for the first, ". It
 * also does this; add that" for the others. */
static void idle_reason(const struct hook_config *cfg, char *buf, size_t len, size_t *n,
			int *k, const char *text)
{
	if (*k == 0)
		idle_add(buf, len, n, "%s %s", cfg->path, text);
	else
		idle_add(buf, len, n, ". It also %s", text);
	(*k)++;
}

/* An ivshmem-plain file the hook would make ([looking-glass]). */
static bool has_shm_file(const struct domain_xml *dom)
{
	for (size_t i = 0; i < dom->n_shmems; i++)
		if (!dom->shmems[i].server && (!*dom->shmems[i].model ||
					       strcmp(dom->shmems[i].model, "ivshmem-plain") == 0))
			return true;
	return false;
}

static const char *hugepages_name(int v)
{
	return v == HUGEPAGES_KEEP ? "keep" : v == HUGEPAGES_OFF ? "off" : "auto";
}

void eng_config_why_idle(const struct hook_config *cfg, const struct domain_xml *dom,
			 char *buf, size_t len)
{
	const int *sec = cfg->section_line;
	bool memory = sec[ENG_SEC_MEMORY] && cfg->hugepages != HUGEPAGES_OFF;
	bool lg = sec[ENG_SEC_LOOKING_GLASS];
	/* sections asking for something of the host besides devices */
	bool resources = sec[ENG_SEC_MEMORY] || sec[ENG_SEC_CPUS] || lg;
	const char *name = dom && *dom->name ? dom->name : "DOMAIN";
	char text[512], pages[48] = "";
	size_t n = 0;
	int k = 0;

	if (len)
		buf[0] = '\0';
	if (cfg->hugepage_count)
		snprintf(pages, sizeof(pages), ", pages = %u", cfg->hugepage_count);

	/* what only the domain XML can tell: say what the file takes from it */
	if (!dom && (cfg->from_xml || memory || lg)) {
		const char *whose = "the domain's";
		int items = (int)cfg->from_xml + (int)memory + (int)lg, i = 0;

		idle_add(buf, len, &n, "nothing to do without the domain XML: %s ", cfg->path);
		if (cfg->from_xml) {
			idle_add(buf, len, &n, "takes %s PCI <hostdev>s (passthrough = auto)", whose);
			whose = "its";
			i++;
		}
		if (memory) {
			idle_add(buf, len, &n, "%sreserves the hugepages of %s <memoryBacking> "
				 "(hugepages = %s%s)", i ? (i + 1 < items ? ", " : " and ") : "",
				 whose, hugepages_name(cfg->hugepages), pages);
			whose = "its";
			i++;
		}
		if (lg)
			idle_add(buf, len, &n, "%smakes the file of %s <shmem> ([looking-glass])",
				 i ? " and " : "", whose);
		idle_add(buf, len, &n, "; give the XML to see %s", items == 1 && lg ? "it" : "them");
		k = 1;
	} else {
		idle_add(buf, len, &n, "nothing to do: ");
	}
	/* devices (unless said above): alone for a file with nothing else,
	 * with the others when it asks for some */
	if (k) {
		;
	} else if (cfg->from_xml && dom && dom->n_hostdevs == 0) {
		idle_reason(cfg, buf, len, &n, &k, "takes the domain's PCI <hostdev>s (passthrough "
			    "= auto) and the domain has none; add the devices to the domain "
			    "(virt-manager: Add Hardware > PCI Host Device)");
	} else if ((cfg->from_xml || cfg->n_listed) && resources) {
		idle_reason(cfg, buf, len, &n, &k, "passes through only devices that take no step "
			    "on this host (bridges stay with the host; see vfiohook.ini(5))");
	} else if (!cfg->from_xml && !cfg->n_listed && !resources) {
		idle_reason(cfg, buf, len, &n, &k, "passes no device through; add 'passthrough = "
			    "auto' under [devices] to take the domain's PCI <hostdev>s, or list their "
			    "addresses (see vfiohook.ini(5))");
	}
	if (memory && dom && !dom->hugepages) {
		snprintf(text, sizeof(text), "asks for hugepages = %s%s, and the domain does not "
			 "use hugepages; add <memoryBacking><hugepages/></memoryBacking> to the "
			 "domain XML (virsh edit %s)", hugepages_name(cfg->hugepages), pages, name);
		idle_reason(cfg, buf, len, &n, &k, text);
	} else if (sec[ENG_SEC_MEMORY] && !memory) {
		idle_reason(cfg, buf, len, &n, &k, "leaves hugepages to you (hugepages = off in "
			    "[memory])");
	}
	if (sec[ENG_SEC_CPUS] && cfg->isolate == ISOLATE_NO)
		idle_reason(cfg, buf, len, &n, &k, "isolates no CPU (isolate = no in [cpus]), and "
			    "[cpus] acts on the isolated CPUs only; add isolate = auto to [cpus] to "
			    "isolate the CPUs the domain's <vcpupin>s name, or list them (isolate = "
			    "2-3)");
	if (lg && dom && !has_shm_file(dom)) {
		snprintf(text, sizeof(text), "asks for a Looking Glass file ([looking-glass]), and "
			 "the domain has no <shmem> of model ivshmem-plain; add <shmem "
			 "name='looking-glass'><model type='ivshmem-plain'/><size unit='M'>32</size>"
			 "</shmem> under <devices> in the domain XML (virsh edit %s)", name);
		idle_reason(cfg, buf, len, &n, &k, text);
	}
	if (!k)	/* devices that stay (bridges), or nothing this host needs done */
		idle_add(buf, len, &n, "what %s asks for takes no step on this host (bridges stay "
			 "with the host; see vfiohook.ini(5))", cfg->path);
}

/* ---- the file below /etc */

/* The directory and the file must be root's and writable by root alone:
 * whoever can write them decides what a root hook does to the host. */
static int check_owner(const char *path, const struct stat *st, struct eng_err *e)
{
	if (st->st_uid != 0)
		return eng_fail(e, -EPERM, "%s: refused: owned by uid %u, not root (chown "
				"root:root %s)", path, (unsigned)st->st_uid, path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return eng_fail(e, -EPERM, "%s: refused: group- or world-writable (mode %04o; "
				"chmod go-w %s)", path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

int eng_config_load(struct vfh_ctx *ctx, const char *domain, struct hook_config *cfg,
		    struct eng_err *e)
{
	char path[512], dir[512];
	struct stat st;
	FILE *f;
	int fd, r;

	memset(cfg, 0, sizeof(*cfg));
	eng_err_clear(e);
	if (!eng_domain_ok(domain))
		return eng_fail(e, -EINVAL, "domain name not usable in a file name");
	r = eng_ini_path(vfh_ctx_get_root(ctx, VFH_ROOT_ETC), domain, path, sizeof(path));
	if (r < 0)
		return eng_fail(e, r, "%s: path too long", domain);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return r;
		if (r == -ELOOP)
			return eng_fail(e, -EPERM, "%s: refused: a symlink (put the file itself "
					"there)", path);
		return eng_fail(e, r, "%s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return eng_fail(e, -EPERM, "%s: refused: not a regular file", path);
	}
	r = check_owner(path, &st, e);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (r == 0 && stat(dir, &st) == 0)
		r = check_owner(dir, &st, e);
	if (r < 0) {
		close(fd);
		return r;
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		return eng_fail(e, r, "%s: %s", path, strerror(-r));
	}
	r = eng_config_parse(f, path, cfg, e);
	fclose(f);
	return r;
}

void eng_config_free(struct hook_config *cfg)
{
	for (size_t i = 0; i < cfg->n_units; i++)
		free(cfg->stop_units[i]);
	for (size_t i = 0; i < cfg->n_modules; i++)
		free(cfg->unload_modules[i]);
	for (size_t i = 0; i < cfg->n_held_units; i++)
		free(cfg->held_units[i]);
	for (size_t i = 0; i < cfg->n_held_user_units; i++)
		free(cfg->held_user_units[i]);
	free(cfg->held_units);
	free(cfg->held_user_units);
	cfg->held_units = cfg->held_user_units = NULL;
	cfg->n_held_units = cfg->n_held_user_units = 0;
	free(cfg->stop_units);
	free(cfg->unload_modules);
	free(cfg->listed);
	free(cfg->listed_line);
	free(cfg->free);
	cfg->free = NULL;
	cfg->n_free = 0;
	free(cfg->dev);
	cfg->stop_units = cfg->unload_modules = NULL;
	cfg->listed = NULL;
	cfg->listed_line = NULL;
	cfg->dev = NULL;
	cfg->n_units = cfg->n_modules = cfg->n_listed = cfg->n_dev = 0;
}

void eng_config_device(const struct hook_config *cfg, const struct vfh_pci_addr *a,
		   struct dev_conf *out)
{
	*out = cfg->defaults;
	out->addr = *a;
	for (size_t i = 0; i < cfg->n_dev; i++) {
		const struct dev_conf *d = &cfg->dev[i];

		if (!vfh_pci_addr_eq(&d->addr, a))
			continue;
		if (*d->driver)
			strcpy(out->driver, d->driver);
		if (d->reset != RESET_UNSET)
			out->reset = d->reset;
		if (d->reset_at)
			out->reset_at = d->reset_at;
		if (d->suspend_seconds)
			out->suspend_seconds = d->suspend_seconds;
		if (d->suspend_attempts)
			out->suspend_attempts = d->suspend_attempts;
		out->line = d->line;
	}
}
