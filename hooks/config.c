// SPDX-License-Identifier: LGPL-2.1-or-later
/* The per-domain INI file: read through inih with a reader that counts
 * lines, validated strictly, every complaint as "path:line: ...". */
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

#include "engine.h"

enum section { SEC_NONE, SEC_DEVICES, SEC_DEVICE, SEC_SINGLE_GPU };

struct seen_key {
	enum section sec;
	int dev;		/* index into cfg->dev for SEC_DEVICE */
	char name[32];
	int line;
};

struct parser {
	struct hook_config *cfg;
	const char *path;
	FILE *f;
	int line;		/* of the text inih is looking at */
	bool too_long;
	char *err;
	size_t errlen;
	int err_line;		/* first error; 0 = none */
	/* from the reader, which sees section headers inih keeps to itself */
	enum section sec;
	int dev;
	bool has_devices, has_single_gpu, passthrough_set;
	struct seen_key *seen;
	size_t n_seen;
};

static void perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err_line)
		return;
	p->err_line = line ? line : -1;
	n = line ? snprintf(p->err, p->errlen, "%s:%d: ", p->path, line)
		 : snprintf(p->err, p->errlen, "%s: ", p->path);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- values */

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_uint_range(const char *v, unsigned int lo, unsigned int hi, unsigned int *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return false;
	*out = (unsigned int)n;
	return true;
}

static bool name_ok(const char *v, size_t max, const char *extra)
{
	size_t n = strlen(v);

	if (n == 0 || n >= max || v[0] == '-' || v[0] == '.')
		return false;
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && !strchr(extra, *c))
			return false;
	return true;
}

/* Splits a list on spaces and commas; calls fn for each word. */
static int each_word(struct parser *p, const char *v, const char *key,
		     int (*fn)(struct parser *p, const char *word, void *data), void *data)
{
	char buf[256], *save, *w;
	int count = 0;

	if (strlen(v) >= sizeof(buf)) {
		perr(p, p->line, "%s: value too long", key);
		return -EINVAL;
	}
	strcpy(buf, v);
	for (w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		int r = fn(p, w, data);

		if (r < 0)
			return r;
		count++;
	}
	if (count == 0) {
		perr(p, p->line, "%s: empty list", key);
		return -EINVAL;
	}
	return 0;
}

static int add_listed(struct parser *p, const char *w, void *data)
{
	struct hook_config *c = p->cfg;
	struct vfh_pci_addr a, *na;
	int *nl;

	(void)data;
	if (strcmp(w, "auto") == 0) {
		if (c->from_xml) {
			perr(p, p->line, "passthrough: 'auto' given twice");
			return -EINVAL;
		}
		c->from_xml = true;
		return 0;
	}
	if (vfh_pci_addr_parse(w, &a) < 0) {
		perr(p, p->line, "passthrough: '%s' is neither 'auto' nor a PCI address "
		     "(DDDD:BB:SS.F, see lspci -D)", w);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_listed; i++)
		if (vfh_pci_addr_eq(&c->listed[i], &a)) {
			perr(p, p->line, "passthrough: %s listed twice", w);
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

struct strv {
	char ***v;
	size_t *n;
	const char *what;
	size_t max;
	const char *extra;
};

static int add_name(struct parser *p, const char *w, void *data)
{
	struct strv *s = data;
	char **nv, *copy;

	if (strlen(w) >= s->max) {
		perr(p, p->line, "'%.20s...' is too long for a %s (at most %zu characters)", w,
		     s->what, s->max - 1);
		return -EINVAL;
	}
	if (!name_ok(w, s->max, s->extra)) {
		perr(p, p->line, "'%s' is not a valid %s", w, s->what);
		return -EINVAL;
	}
	for (size_t i = 0; i < *s->n; i++)
		if (strcmp((*s->v)[i], w) == 0) {
			perr(p, p->line, "%s %s listed twice", s->what, w);
			return -EINVAL;
		}
	copy = strdup(w);
	nv = copy ? realloc(*s->v, (*s->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	*s->v = nv;
	nv[(*s->n)++] = copy;
	return 0;
}

static int add_unit(struct parser *p, const char *w, void *data)
{
	if (!strchr(w, '.')) {
		perr(p, p->line, "stop_units: '%s' needs its type suffix (%s.service)", w, w);
		return -EINVAL;
	}
	return add_name(p, w, data);
}

/* ---- keys shared by [devices] and [device ADDR] */

static int device_key(struct parser *p, struct dev_conf *d, const char *name,
		      const char *value, bool *known)
{
	*known = true;
	if (strcmp(name, "driver") == 0) {
		if (!name_ok(value, VFH_NAME_MAX, "")) {
			perr(p, p->line, "driver: '%s' is not a driver name (vfio-pci, pci-stub...)",
			     value);
			return -EINVAL;
		}
		strcpy(d->driver, value);
	} else if (strcmp(name, "reset") == 0) {
		if (strcmp(value, "none") == 0)
			d->reset = RESET_NONE;
		else if (strcmp(value, "auto") == 0)
			d->reset = RESET_AUTO;
		else if (strcmp(value, "suspend") == 0)
			d->reset = RESET_SUSPEND;
		else {
			perr(p, p->line, "reset: '%s' is not one of none, auto, suspend", value);
			return -EINVAL;
		}
	} else if (strcmp(name, "reset_at") == 0) {
		if (strcmp(value, "release") == 0)
			d->reset_at = RESET_AT_RELEASE;
		else if (strcmp(value, "prepare") == 0)
			d->reset_at = RESET_AT_PREPARE;
		else if (strcmp(value, "both") == 0)
			d->reset_at = RESET_AT_PREPARE | RESET_AT_RELEASE;
		else {
			perr(p, p->line, "reset_at: '%s' is not one of release, prepare, both", value);
			return -EINVAL;
		}
	} else if (strcmp(name, "suspend_seconds") == 0) {
		if (!parse_uint_range(value, 1, 60, &d->suspend_seconds)) {
			perr(p, p->line, "suspend_seconds: '%s' is not a number of seconds from 1 "
			     "to 60", value);
			return -EINVAL;
		}
	} else if (strcmp(name, "suspend_attempts") == 0) {
		if (!parse_uint_range(value, 1, 10, &d->suspend_attempts)) {
			perr(p, p->line, "suspend_attempts: '%s' is not a number from 1 to 10", value);
			return -EINVAL;
		}
	} else {
		*known = false;
	}
	return 0;
}

static int bool_key(struct parser *p, const char *name, const char *value, bool *out)
{
	if (!parse_bool(value, out)) {
		perr(p, p->line, "%s: '%s' is not yes or no", name, value);
		return -EINVAL;
	}
	return 0;
}

static int devices_key(struct parser *p, const char *name, const char *value)
{
	struct hook_config *c = p->cfg;
	bool known;
	int r = device_key(p, &c->defaults, name, value, &known);

	if (r < 0 || known) {
		if (r == 0 && strcmp(name, "driver") == 0)
			strcpy(c->driver, value);
		return r;
	}
	if (strcmp(name, "passthrough") == 0) {
		p->passthrough_set = true;
		return each_word(p, value, name, add_listed, NULL);
	}
	if (strcmp(name, "take_group") == 0)
		return bool_key(p, name, value, &c->take_group);
	if (strcmp(name, "take_companions") == 0)
		return bool_key(p, name, value, &c->take_companions);
	if (strcmp(name, "wait_ms") == 0) {
		if (!parse_uint_range(value, 100, 600000, &c->wait_ms)) {
			perr(p, p->line, "wait_ms: '%s' is not a number of milliseconds from 100 "
			     "to 600000", value);
			return -EINVAL;
		}
		return 0;
	}
	perr(p, p->line, "unknown key '%s' in [devices] (passthrough, driver, take_group, "
	     "take_companions, reset, reset_at, suspend_seconds, suspend_attempts, wait_ms)",
	     name);
	return -EINVAL;
}

static int single_gpu_key(struct parser *p, const char *name, const char *value)
{
	struct hook_config *c = p->cfg;

	if (strcmp(name, "enabled") == 0)
		return bool_key(p, name, value, &c->single_gpu);
	if (strcmp(name, "unbind_vtconsoles") == 0)
		return bool_key(p, name, value, &c->unbind_vtconsoles);
	if (strcmp(name, "unbind_framebuffers") == 0)
		return bool_key(p, name, value, &c->unbind_framebuffers);
	if (strcmp(name, "stop_units") == 0) {
		/* the limit is what a journaled step can hold */
		struct strv s = { &c->stop_units, &c->n_units, "unit name", 128, ".@:\\" };

		return each_word(p, value, name, add_unit, &s);
	}
	if (strcmp(name, "unload_modules") == 0) {
		struct strv s = { &c->unload_modules, &c->n_modules, "module name", 56, "" };

		return each_word(p, value, name, add_name, &s);
	}
	perr(p, p->line, "unknown key '%s' in [single-gpu] (enabled, stop_units, "
	     "unbind_vtconsoles, unbind_framebuffers, unload_modules)", name);
	return -EINVAL;
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	struct seen_key *ns;
	int r = 0;

	(void)section;	/* the reader tracked it, with its line */
	if (p->err_line)
		return 1;	/* report the first error only */
	if (p->sec == SEC_NONE) {
		perr(p, p->line, "'%s' is outside any section: put it under [devices], "
		     "[device ADDRESS] or [single-gpu]", name);
		return 0;
	}
	if (!*value) {
		perr(p, p->line, "%s has no value", name);
		return 0;
	}
	for (size_t i = 0; i < p->n_seen; i++) {
		struct seen_key *k = &p->seen[i];

		if (k->sec == p->sec && k->dev == p->dev && strcmp(k->name, name) == 0) {
			perr(p, p->line, "'%s' given twice in this section (first at line %d)",
			     name, k->line);
			return 0;
		}
	}
	ns = realloc(p->seen, (p->n_seen + 1) * sizeof(*ns));
	if (!ns)
		return 0;
	p->seen = ns;
	ns[p->n_seen].sec = p->sec;
	ns[p->n_seen].dev = p->dev;
	snprintf(ns[p->n_seen].name, sizeof(ns[p->n_seen].name), "%s", name);
	ns[p->n_seen++].line = p->line;

	switch (p->sec) {
	case SEC_DEVICES:
		r = devices_key(p, name, value);
		break;
	case SEC_DEVICE: {
		bool known;

		r = device_key(p, &p->cfg->dev[p->dev], name, value, &known);
		if (r == 0 && !known) {
			perr(p, p->line, "unknown key '%s' in [device ...] (driver, reset, "
			     "reset_at, suspend_seconds, suspend_attempts)", name);
			r = -EINVAL;
		}
		break;
	}
	case SEC_SINGLE_GPU:
		r = single_gpu_key(p, name, value);
		break;
	case SEC_NONE:
		break;
	}
	if (r == -ENOMEM)
		perr(p, p->line, "out of memory");
	return r == 0;
}

/* A "[...]" header, seen by the reader with its line number. */
static void on_section(struct parser *p, const char *text)
{
	struct hook_config *c = p->cfg;
	const char *end = strchr(text, ']');
	char name[128];
	size_t n;

	if (!end || (size_t)(end - text - 1) >= sizeof(name)) {
		perr(p, p->line, "malformed section header");
		return;
	}
	n = (size_t)(end - text - 1);
	memcpy(name, text + 1, n);
	name[n] = '\0';
	if (strcmp(name, "devices") == 0) {
		if (p->has_devices)
			perr(p, p->line, "[devices] given twice");
		p->has_devices = true;
		p->sec = SEC_DEVICES;
	} else if (strcmp(name, "single-gpu") == 0) {
		if (p->has_single_gpu)
			perr(p, p->line, "[single-gpu] given twice");
		p->has_single_gpu = true;
		c->single_gpu = true;
		p->sec = SEC_SINGLE_GPU;
	} else if (strncmp(name, "device ", 7) == 0) {
		struct vfh_pci_addr a;
		struct dev_conf *nd;
		const char *s = name + 7;

		while (*s == ' ')
			s++;
		if (vfh_pci_addr_parse(s, &a) < 0) {
			perr(p, p->line, "[device %s]: not a PCI address (DDDD:BB:SS.F)", s);
			return;
		}
		for (size_t i = 0; i < c->n_dev; i++)
			if (vfh_pci_addr_eq(&c->dev[i].addr, &a)) {
				perr(p, p->line, "[device %s] given twice (first at line %d)", s,
				     c->dev[i].line);
				return;
			}
		nd = realloc(c->dev, (c->n_dev + 1) * sizeof(*nd));
		if (!nd) {
			perr(p, p->line, "out of memory");
			return;
		}
		c->dev = nd;
		memset(&nd[c->n_dev], 0, sizeof(*nd));
		nd[c->n_dev].addr = a;
		nd[c->n_dev].line = p->line;
		nd[c->n_dev].reset = RESET_UNSET;
		p->dev = (int)c->n_dev++;
		p->sec = SEC_DEVICE;
	} else {
		perr(p, p->line, "unknown section [%s] ([devices], [device ADDRESS], "
		     "[single-gpu])", name);
	}
}

/* inih's reader: one line per call, with leading blanks removed (so an
 * indented line is never a continuation), and the line counted. */
static char *reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	char *s;
	size_t n;

	if (!fgets(str, num, p->f))
		return NULL;
	p->line++;
	n = strlen(str);
	if (n > 0 && str[n - 1] != '\n' && !feof(p->f)) {
		perr(p, p->line, "line longer than %d characters", num - 2);
		/* swallow the rest of it */
		for (int c; (c = fgetc(p->f)) != EOF && c != '\n';)
			;
		str[0] = '\0';
		return str;
	}
	s = str;
	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;	/* a byte-order mark, as editors on Windows write */
	for (; *s == ' ' || *s == '\t'; s++)
		;
	if (s != str)
		memmove(str, s, strlen(s) + 1);
	if (str[0] == '[')
		on_section(p, str);
	return str;
}

static void config_defaults(struct hook_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->driver, "vfio-pci");
	cfg->take_group = true;
	cfg->take_companions = true;
	cfg->unbind_vtconsoles = true;
	cfg->unbind_framebuffers = true;
	cfg->defaults.reset = RESET_NONE;
	cfg->defaults.reset_at = RESET_AT_RELEASE;
	cfg->defaults.suspend_seconds = 2;
	cfg->defaults.suspend_attempts = 3;
}

int eng_config_parse(FILE *f, const char *path, struct hook_config *cfg, char *err, size_t errlen)
{
	struct parser p = { .cfg = cfg, .path = path, .f = f, .err = err, .errlen = errlen };
	int r;

	config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if (errlen)
		err[0] = '\0';
	r = ini_parse_stream(reader, &p, on_value, &p);
	/* inih goes on after a syntax error: the earliest complaint wins */
	if (r > 0 && (!p.err_line || r < p.err_line)) {
		p.err_line = 0;
		perr(&p, r, "expected 'key = value', '[section]' or a comment");
	}
	if (r < 0 && !p.err_line)
		perr(&p, 0, "cannot be read");
	if (!p.err_line) {
		if (!p.has_devices && !p.has_single_gpu)
			perr(&p, 0, "nothing to do: add a [devices] section with passthrough = auto "
			     "(see vfiohook.ini(5))");
		else if (p.has_devices && !p.passthrough_set)
			perr(&p, 0, "[devices] needs passthrough = auto, or a list of addresses");
	}
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
	free(p.seen);
	if (p.err_line) {
		eng_config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

/* The directory and the file must be root's and writable by root alone:
 * whoever can write them decides what a root hook does to the host. */
static int check_owner(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (st->st_uid != 0) {
		snprintf(err, errlen, "%s: refused: owned by uid %u, not root (chown root:root %s)",
			 path, (unsigned)st->st_uid, path);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: refused: group- or world-writable (mode %04o; chmod "
			 "go-w %s)", path, (unsigned)(st->st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

int eng_config_load(struct vfh_ctx *ctx, const char *domain, struct hook_config *cfg,
		char *err, size_t errlen)
{
	char path[512], dir[512];
	struct stat st;
	FILE *f;
	int fd, r;

	memset(cfg, 0, sizeof(*cfg));
	if (!eng_domain_ok(domain)) {
		snprintf(err, errlen, "domain name not usable in a file name");
		return -EINVAL;
	}
	r = eng_ini_path(vfh_ctx_get_root(ctx, VFH_ROOT_ETC), domain, path, sizeof(path));
	if (r < 0) {
		snprintf(err, errlen, "%s: path too long", domain);
		return r;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			return r;
		snprintf(err, errlen, "%s: %s", path, r == -ELOOP ? "refused: a symlink (put the "
			 "file itself there)" : strerror(-r));
		return r == -ELOOP ? -EPERM : r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: refused: not a regular file", path);
		close(fd);
		return -EPERM;
	}
	r = check_owner(path, &st, err, errlen);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (r == 0 && stat(dir, &st) == 0)
		r = check_owner(dir, &st, err, errlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = eng_config_parse(f, path, cfg, err, errlen);
	fclose(f);
	return r;
}

void eng_config_free(struct hook_config *cfg)
{
	for (size_t i = 0; i < cfg->n_units; i++)
		free(cfg->stop_units[i]);
	for (size_t i = 0; i < cfg->n_modules; i++)
		free(cfg->unload_modules[i]);
	free(cfg->stop_units);
	free(cfg->unload_modules);
	free(cfg->listed);
	free(cfg->listed_line);
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
	strcpy(out->driver, cfg->driver);
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
