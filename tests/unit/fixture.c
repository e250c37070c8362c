// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixture builder: a spec file in, a sysfs/procfs-shaped tree out.
 *
 * Spec format (tests/unit/fixtures/NAME.fx).  One object per line:
 *
 *     kind name key=value key="value with spaces" ...
 *
 * '#' starts a comment line.  "include OTHER" reads OTHER.fx at that point.
 * A later line for a kind and name already defined adds to or replaces its
 * keys; "drop kind name" removes it.  "power" and "iommu" have no name.
 *
 *  pci ADDR        parent=ADDR (the bridge it sits behind; none: a root bus)
 *                  id=VVVV:DDDD subsys=VVVV:DDDD class=0xCCSSPP
 *                  hdr=N|none (config header type; default from the class:
 *                    1 for 0x0604/0x0609, 2 for 0x0607, else 0; bit 7 is
 *                    added on function 0 of a multi-function slot; none: no
 *                    config file)
 *                  group=N (IOMMU group)  driver=NAME (bound now)
 *                  native=NAME (what its id table matches; default: driver)
 *                  override=NAME  reset="pm bus" (reset_method; none when
 *                  absent, and then no reset file)  boot_vga=0|1 (VGA only)
 *                  fb=1 (its native driver registers a framebuffer: a DRM
 *                    driver's fbdev emulation)
 *  pcidriver NAME  module=MOD (a PCI driver; without module: built in)
 *  module NAME     state=live|builtin|absent (absent: modprobe can load it)
 *                  refcnt=N holders=a,b drivers=x,y (PCI drivers it registers)
 *  platform DEV    driver=NAME bound=0|1 fb=1 (a framebuffer while bound:
 *                  efi-framebuffer, simple-framebuffer)
 *  vtcon N         name="(M) frame buffer device" bound=0|1 (bound: holds
 *                  the VTs; "(M)"/"(S)" as the kernel shows a modular or a
 *                  system console driver, "frame buffer" in the name is
 *                  fbcon; the fake kernel's rules are in fakekernel.c)
 *  power           mem_sleep="s2idle [deep]" state="freeze mem disk" success=N
 *  rtc N           (a wake-capable RTC: class/rtc/rtcN/wakealarm)
 *  iommu           enabled=0 (no kernel/iommu_groups at all)
 *  mount MNT       dev=MAJ:MIN fs=TYPE src=SOURCE root=/ opts=rw
 *  route IFACE     dest=HEX mask=HEX gw=HEX (defaults: a default route)
 *  route6 IFACE    dest=HEX32 plen=HEX2 (defaults: a default route)
 *  block NAME      dev=MAJ:MIN, then pci=ADDR path=SUBDIRS (a disk below
 *                  that controller), or parent=DISK (a partition), or
 *                  slaves=a,b (a dm/md device)
 *  net IFACE       pci=ADDR (a NIC), or lower=a,b (bridge, bond: virtual)
 *  virtio NAME     pci=ADDR tag=MOUNT_TAG
 *  swap DEV        (a line of /proc/swaps, "partition")
 *  dev PATH        target=LINK (a symlink below PREFIX/dev: mapper/swap)
 *  unit NAME       active=0|1 (a systemd unit, for the fake systemd)
 *
 * The tree: PREFIX/{sys,proc,dev,run,etc}, what vfh_ctx_set_prefix()
 * expects. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

/* ------------------------------------------------------------ file helpers */

static bool rel_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.') || n == 0)
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

void fx_abs(const struct fx *fx, char *buf, size_t len, const char *rel)
{
	int n;

	if (!rel_ok(rel)) {
		fx_fail("refusing path '%s' (absolute, empty or with '..')", rel);
		return;
	}
	n = snprintf(buf, len, "%s/%s", fx->root, rel);
	if (n < 0 || (size_t)n >= len)
		fx_fail("path too long: %s", rel);
}

/* rel := printf(fmt), abs := the fixture's path for it (FX_REL and
 * PATH_MAX sized buffers) */
static void fx_vabs(const struct fx *fx, char *rel, char *abs, const char *fmt, va_list ap)
{
	vsnprintf(rel, FX_REL, fmt, ap);
	fx_abs(fx, abs, PATH_MAX, rel);
}

/* mkdir -p, below `from` characters of abs that exist already (the
 * fixture root: nothing above it is ever touched) */
static void mkdirs_abs(const char *abs, size_t from)
{
	char tmp[PATH_MAX];
	size_t n = strlen(abs);

	if (n >= sizeof(tmp) || from > n)
		fx_fail("path too long: %s", abs);
	/* the parent is usually there: one call */
	if (mkdir(abs, 0755) == 0 || errno == EEXIST)
		return;
	memcpy(tmp, abs, n + 1);
	for (char *p = tmp + from + 1; p < tmp + n && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			fx_fail("mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		fx_fail("mkdir %s: %s", tmp, strerror(errno));
}

void fx_mkdirs(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	mkdirs_abs(abs, strlen(fx->root));
}

static void parent_dirs(struct fx *fx, const char *rel)
{
	char dir[FX_REL];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		fx_mkdirs(fx, "%s", dir);
	}
}

void fx_putb(struct fx *fx, const char *rel, const void *data, size_t len)
{
	char abs[PATH_MAX];
	int fd;

	fx_abs(fx, abs, sizeof(abs), rel);
	fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == ENOENT) {
		parent_dirs(fx, rel);
		fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0) {
		fx_fail("create %s: %s", rel, strerror(errno));
		return;
	}
	if (len && write(fd, data, len) != (ssize_t)len)
		fx_fail("write %s: %s", rel, strerror(errno));
	close(fd);
}

void fx_putf(struct fx *fx, const char *rel, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		fx_fail("content too long for %s", rel);
	fx_putb(fx, rel, buf, (size_t)n);
}

static size_t split(char *s, char **parts, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(s, "/"); tok && n < max; tok = strtok(NULL, "/"))
		parts[n++] = tok;
	return n;
}

void fx_symlink(struct fx *fx, const char *linkrel, const char *targetrel)
{
	char l[FX_REL], t[FX_REL], rel[FX_REL * 2] = "", abs[PATH_MAX];
	char *lp[64], *tp[64];
	size_t nl, nt, c = 0;

	if (!rel_ok(linkrel) || !rel_ok(targetrel))
		fx_fail("refusing link %s -> %s", linkrel, targetrel);
	snprintf(l, sizeof(l), "%s", linkrel);
	snprintf(t, sizeof(t), "%s", targetrel);
	nl = split(l, lp, 64) - 1;	/* the link's directory */
	nt = split(t, tp, 64);
	/* through the common ancestor, keeping at least one component of
	 * the target, as sysfs_create_link() spells them */
	while (c < nl && c + 1 < nt && strcmp(lp[c], tp[c]) == 0)
		c++;
	for (size_t i = c; i < nl; i++)
		strcat(rel, "../");
	for (size_t i = c; i < nt; i++) {
		strcat(rel, tp[i]);
		if (i + 1 < nt)
			strcat(rel, "/");
	}
	fx_abs(fx, abs, sizeof(abs), linkrel);
	if (symlink(rel, abs) == 0)
		return;
	if (errno == ENOENT)
		parent_dirs(fx, linkrel);
	else if (unlink(abs) < 0 && errno != ENOENT)
		fx_fail("unlink %s: %s", linkrel, strerror(errno));
	if (symlink(rel, abs) < 0)
		fx_fail("symlink %s -> %s: %s", linkrel, rel, strerror(errno));
}

void fx_remove(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	if (remove(abs) < 0 && errno != ENOENT)
		fx_fail("remove %s: %s", rel, strerror(errno));
}

/* nftw() has no user data: the tree being walked, checked on every path */
static const char *walk_root;
static size_t walk_len;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (strncmp(path, walk_root, walk_len) != 0 ||
	    (path[walk_len] != '/' && path[walk_len] != '\0')) {
		fail_msg("fixture: refusing to remove %s outside %s", path, walk_root);
		return -1;
	}
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

static void rmtree_abs(const char *abs, const char *limit)
{
	struct stat st;

	if (lstat(abs, &st) < 0)
		return;
	walk_root = limit;
	walk_len = strlen(limit);
	if (nftw(abs, rm_one, 32, FTW_DEPTH | FTW_PHYS) != 0)
		fx_fail("cannot remove %s: %s", abs, strerror(errno));
	walk_root = NULL;
}

void fx_rmtree(struct fx *fx, const char *rel)
{
	char abs[PATH_MAX];

	fx_abs(fx, abs, sizeof(abs), rel);
	rmtree_abs(abs, fx->root);
}

/* ----------------------------------------------------------------- spec */

static const struct {
	const char *kind;
	bool named;
	const char *keys;
} kinds[] = {
	{ "pci", true, " parent id subsys class hdr group driver native override reset boot_vga fb " },
	{ "pcidriver", true, " module " },
	{ "module", true, " state refcnt holders drivers " },
	{ "platform", true, " driver bound fb " },
	{ "vtcon", true, " name bound " },
	{ "power", false, " mem_sleep state success " },
	{ "rtc", true, " " },
	{ "iommu", false, " enabled " },
	{ "mount", true, " dev fs src root opts " },
	{ "route", true, " dest mask gw " },
	{ "route6", true, " dest plen " },
	{ "block", true, " dev pci path parent slaves " },
	{ "net", true, " pci lower " },
	{ "virtio", true, " pci tag " },
	{ "swap", true, " " },
	{ "dev", true, " target " },
	{ "unit", true, " active " },
};

static int kind_index(const char *kind)
{
	for (size_t i = 0; i < VFH_ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return (int)i;
	return -1;
}

const char *fx_ent_get(const struct fx_ent *e, const char *key)
{
	for (size_t i = 0; i < e->nkv; i++)
		if (strcmp(e->kv[i].key, key) == 0)
			return e->kv[i].val;
	return NULL;
}

const struct fx_ent *fx_find_ent(const struct fx *fx, const char *kind, const char *name)
{
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, kind) == 0 && strcmp(fx->ents[i].name, name) == 0)
			return &fx->ents[i];
	return NULL;
}

static void ent_free(struct fx_ent *e)
{
	for (size_t i = 0; i < e->nkv; i++) {
		free(e->kv[i].key);
		free(e->kv[i].val);
	}
	free(e->kv);
}

static void ent_set(struct fx_ent *e, const char *key, const char *val)
{
	for (size_t i = 0; i < e->nkv; i++)
		if (strcmp(e->kv[i].key, key) == 0) {
			free(e->kv[i].val);
			e->kv[i].val = strdup(val);
			return;
		}
	e->kv = realloc(e->kv, (e->nkv + 1) * sizeof(*e->kv));
	if (!e->kv)
		fx_fail("out of memory");
	e->kv[e->nkv].key = strdup(key);
	e->kv[e->nkv].val = strdup(val);
	e->nkv++;
}

/* Splits a line into words; "..." groups a value with spaces (the quotes
 * are dropped).  In place. */
static int tokenize(char *s, char **tok, int max)
{
	int n = 0;
	char *out = s;

	while (*s) {
		bool quoted = false;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (n == max)
			return -1;
		tok[n++] = out;
		while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
			if (*s == '"')
				quoted = !quoted;
			else
				*out++ = *s;
			s++;
		}
		if (quoted)
			return -1;
		if (*s)
			s++;
		*out++ = '\0';
	}
	return n;
}

static void load_spec(struct fx *fx, const char *name, int depth);

static void spec_line(struct fx *fx, char *line, const char *file, int lineno, int depth)
{
	char *tok[40];
	int n = tokenize(line, tok, 40), k, first;
	const char *ename = "";
	struct fx_ent *e = NULL;

	if (n < 0)
		fx_fail("%s:%d: unbalanced quote or too many words", file, lineno);
	if (n == 0)
		return;
	if (strcmp(tok[0], "include") == 0) {
		if (n != 2)
			fx_fail("%s:%d: include takes one name", file, lineno);
		load_spec(fx, tok[1], depth + 1);
		return;
	}
	if (strcmp(tok[0], "drop") == 0) {
		if (n != 3)
			fx_fail("%s:%d: drop takes a kind and a name", file, lineno);
		for (size_t i = 0; i < fx->nents; i++)
			if (strcmp(fx->ents[i].kind, tok[1]) == 0 &&
			    strcmp(fx->ents[i].name, tok[2]) == 0) {
				ent_free(&fx->ents[i]);
				memmove(&fx->ents[i], &fx->ents[i + 1],
					(fx->nents - i - 1) * sizeof(*fx->ents));
				fx->nents--;
				return;
			}
		fx_fail("%s:%d: drop: no %s %s", file, lineno, tok[1], tok[2]);
		return;
	}
	k = kind_index(tok[0]);
	if (k < 0)
		fx_fail("%s:%d: unknown kind '%s'", file, lineno, tok[0]);
	first = 1;
	if (kinds[k].named) {
		if (n < 2 || strchr(tok[1], '='))
			fx_fail("%s:%d: %s needs a name", file, lineno, tok[0]);
		ename = tok[1];
		first = 2;
	}
	if (strlen(ename) >= sizeof(e->name))
		fx_fail("%s:%d: name too long", file, lineno);
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, tok[0]) == 0 && strcmp(fx->ents[i].name, ename) == 0)
			e = &fx->ents[i];
	if (!e) {
		fx->ents = realloc(fx->ents, (fx->nents + 1) * sizeof(*fx->ents));
		if (!fx->ents)
			fx_fail("out of memory");
		e = &fx->ents[fx->nents++];
		memset(e, 0, sizeof(*e));
		snprintf(e->kind, sizeof(e->kind), "%s", tok[0]);
		snprintf(e->name, sizeof(e->name), "%s", ename);
	}
	e->line = lineno;
	snprintf(e->file, sizeof(e->file), "%s", file);
	for (int i = first; i < n; i++) {
		char *eq = strchr(tok[i], '='), key[40];

		if (!eq || eq == tok[i] || (size_t)(eq - tok[i]) >= sizeof(key) - 2)
			fx_fail("%s:%d: '%s' is not key=value", file, lineno, tok[i]);
		snprintf(key, sizeof(key), " %.*s ", (int)(eq - tok[i]), tok[i]);
		if (!strstr(kinds[k].keys, key))
			fx_fail("%s:%d: unknown key%sfor %s", file, lineno, key, tok[0]);
		*eq = '\0';
		ent_set(e, tok[i], eq + 1);
	}
}

static void spec_text(struct fx *fx, char *text, const char *file, int depth)
{
	int lineno = 0;
	char *save, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || !*p)
			continue;
		spec_line(fx, line, file, lineno, depth);
	}
}

static void load_spec(struct fx *fx, const char *name, int depth)
{
	char path[PATH_MAX], *text;
	struct stat st;
	FILE *f;

	if (depth > 4)
		fx_fail("includes nested too deep at %s", name);
	if (!*name || strchr(name, '/') || name[0] == '.')
		fx_fail("bad fixture name '%s'", name);
	snprintf(path, sizeof(path), "%s/%s.fx", fx_dir(), name);
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0) {
		fx_fail("cannot read %s: %s", path, strerror(errno));
		return;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text || fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		fx_fail("cannot read %s", path);
	fclose(f);
	spec_text(fx, text, name, depth);
	free(text);
}

/* ---------------------------------------------------------------- model */

static unsigned long num(const struct fx_ent *e, const char *key, unsigned long def)
{
	const char *v = fx_ent_get(e, key);
	char *end;
	unsigned long n;

	if (!v)
		return def;
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || end == v || *end)
		fx_fail("%s:%d: %s=%s is not a number", e->file, e->line, key, v);
	return n;
}

static void copy_name(char *dst, const char *src, const struct fx_ent *e)
{
	if (strlen(src) >= FX_NAME)
		fx_fail("%s:%d: name '%s' too long", e->file, e->line, src);
	strcpy(dst, src);
}

static struct fk_driver *add_driver(struct fx *fx, const char *name, bool platform,
				    const struct fx_ent *e)
{
	struct fk_driver *d = fk_driver_find(fx, name, platform);

	if (d)
		return d;
	if (fx->ndrv == FX_MAX_DRV)
		fx_fail("too many drivers");
	d = &fx->drv[fx->ndrv++];
	copy_name(d->name, name, e);
	d->platform = platform;
	d->module = -1;
	d->registered = true;
	return d;
}

static void ids(const struct fx_ent *e, const char *key, uint16_t *a, uint16_t *b)
{
	const char *v = fx_ent_get(e, key);
	unsigned int x, y;
	char extra;

	*a = *b = 0;
	if (!v)
		return;
	if (sscanf(v, "%4x:%4x%c", &x, &y, &extra) != 2)
		fx_fail("%s:%d: %s=%s is not VVVV:DDDD", e->file, e->line, key, v);
	*a = (uint16_t)x;
	*b = (uint16_t)y;
}

static void model_pci(struct fx *fx, const struct fx_ent *e)
{
	struct fk_pci *d;
	const char *v;

	if (fx->npci == FX_MAX_PCI)
		fx_fail("too many PCI devices");
	d = &fx->pci[fx->npci++];
	memset(d, 0, sizeof(*d));
	if (vfh_pci_addr_parse(e->name, &d->a) < 0)
		fx_fail("%s:%d: bad PCI address %s", e->file, e->line, e->name);
	vfh_pci_addr_format(&d->a, d->addr, sizeof(d->addr));
	if (strcmp(d->addr, e->name) != 0)
		fx_fail("%s:%d: write the address as the kernel does: %s", e->file, e->line, d->addr);
	ids(e, "id", &d->vendor, &d->device);
	ids(e, "subsys", &d->svendor, &d->sdevice);
	d->class = (uint32_t)num(e, "class", 0);
	d->group = fx_ent_get(e, "group") ? (int)num(e, "group", 0) : -1;
	d->boot_vga = (int)num(e, "boot_vga", 0);
	d->fb = num(e, "fb", 0) != 0;
	d->parent = -1;
	v = fx_ent_get(e, "reset");
	if (v)
		copy_name(d->reset, v, e);
	v = fx_ent_get(e, "hdr");
	if (v && strcmp(v, "none") == 0)
		d->hdr = -1;
	else if (v)
		d->hdr = (int)num(e, "hdr", 0);
	else if ((d->class >> 8) == 0x0604 || (d->class >> 8) == 0x0609)
		d->hdr = 1;
	else if ((d->class >> 8) == 0x0607)
		d->hdr = 2;
	else
		d->hdr = 0;
	v = fx_ent_get(e, "driver");
	if (v && *v) {
		copy_name(d->driver, v, e);
		add_driver(fx, v, false, e);
	}
	v = fx_ent_get(e, "native");
	if (!v)
		v = fx_ent_get(e, "driver");
	if (v && *v) {
		copy_name(d->native, v, e);
		add_driver(fx, v, false, e);
	}
	v = fx_ent_get(e, "override");
	if (v && *v)
		copy_name(d->override, v, e);
	d->present = true;
}

static void pci_dirs(struct fx *fx)
{
	for (size_t i = 0; i < fx->npci; i++) {
		const struct fx_ent *e = fx_find_ent(fx, "pci", fx->pci[i].addr);
		const char *p = fx_ent_get(e, "parent");

		if (!p)
			continue;
		for (size_t j = 0; j < fx->npci; j++)
			if (strcmp(fx->pci[j].addr, p) == 0)
				fx->pci[i].parent = (int)j;
		if (fx->pci[i].parent < 0 || fx->pci[i].parent == (int)i)
			fx_fail("%s:%d: parent %s is not a PCI device of the fixture", e->file,
				e->line, p);
	}
	for (size_t i = 0; i < fx->npci; i++) {
		struct fk_pci *d = &fx->pci[i];
		int chain[FX_MAX_PCI], n = 0;
		int n_out;

		for (int j = (int)i; j >= 0; j = fx->pci[j].parent) {
			if (n == 16)
				fx_fail("parent loop at %s", d->addr);
			chain[n++] = j;
		}
		n_out = snprintf(d->dir, sizeof(d->dir), "sys/devices/pci%04x:%02x",
				 fx->pci[chain[n - 1]].a.domain, fx->pci[chain[n - 1]].a.bus);
		for (int j = n - 1; j >= 0; j--)
			n_out += snprintf(d->dir + n_out, sizeof(d->dir) - (size_t)n_out, "/%s",
					  fx->pci[chain[j]].addr);
		if ((size_t)n_out >= sizeof(d->dir))
			fx_fail("device path too long: %s", d->addr);
		/* function 0 of a multi-function slot says so in its header */
		if (d->hdr >= 0 && d->a.func == 0)
			for (size_t j = 0; j < fx->npci; j++)
				if (j != i && vfh_pci_addr_same_slot(&fx->pci[j].a, &d->a))
					d->hdr |= 0x80;
	}
}

static void model_module(struct fx *fx, const struct fx_ent *e)
{
	struct fk_module *m;
	const char *v;

	if (fx->nmod == FX_MAX_MOD)
		fx_fail("too many modules");
	m = &fx->mod[fx->nmod++];
	memset(m, 0, sizeof(*m));
	copy_name(m->name, e->name, e);
	if (strchr(m->name, '-'))
		fx_fail("%s:%d: module names use '_' as the kernel shows them", e->file, e->line);
	v = fx_ent_get(e, "state");
	if (!v || strcmp(v, "live") == 0)
		m->state = MOD_LIVE;
	else if (strcmp(v, "builtin") == 0)
		m->state = MOD_BUILTIN;
	else if (strcmp(v, "absent") == 0)
		m->state = MOD_ABSENT;
	else
		fx_fail("%s:%d: state=%s", e->file, e->line, v);
	m->refcnt = (int)num(e, "refcnt", 0);
	v = fx_ent_get(e, "holders");
	if (v)
		snprintf(m->holders, sizeof(m->holders), "%s", v);
}

static void model_module_drivers(struct fx *fx, const struct fx_ent *e)
{
	const char *v = fx_ent_get(e, "drivers");
	char buf[256], *save, *tok;
	int mi = (int)(fk_module_find(fx, e->name) - fx->mod);

	if (!v)
		return;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct fk_driver *d = add_driver(fx, tok, false, e);

		d->module = mi;
	}
}

static void parse_power(struct fx *fx, const struct fx_ent *e)
{
	const char *ms = fx_ent_get(e, "mem_sleep"), *st = fx_ent_get(e, "state");

	fx->has_mem_sleep = ms != NULL;
	fx->noffered = 0;
	fx->mem_sleep = -1;
	if (ms) {
		char buf[128], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", ms);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			size_t n = strlen(tok);

			if (fx->noffered == 4 || n >= 16)
				fx_fail("mem_sleep=%s", ms);
			if (tok[0] == '[' && tok[n - 1] == ']') {
				tok[n - 1] = '\0';
				tok++;
				fx->mem_sleep = fx->noffered;
			}
			snprintf(fx->offered[fx->noffered++], 16, "%s", tok);
		}
	}
	snprintf(fx->state, sizeof(fx->state), "%s", st ? st : "");
	fx->success = num(e, "success", 0);
}

static void build_model(struct fx *fx)
{
	const struct fx_ent *e;

	fx->iommu = true;
	fx->autoprobe = true;
	e = fx_find_ent(fx, "iommu", "");
	if (e)
		fx->iommu = num(e, "enabled", 1) != 0;
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, "module") == 0)
			model_module(fx, &fx->ents[i]);
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, "module") == 0)
			model_module_drivers(fx, &fx->ents[i]);
	for (size_t i = 0; i < fx->nmod; i++) {
		char buf[256], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", fx->mod[i].holders);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!fk_module_find(fx, tok))
				fx_fail("module %s: holder %s is not a module of the fixture",
					fx->mod[i].name, tok);
	}
	for (size_t i = 0; i < fx->nents; i++) {
		struct fx_ent *pe = &fx->ents[i];
		struct fk_driver *d;
		const char *m;

		if (strcmp(pe->kind, "pcidriver") != 0)
			continue;
		d = add_driver(fx, pe->name, false, pe);
		m = fx_ent_get(pe, "module");
		if (m) {
			if (!fk_module_find(fx, m))
				fx_fail("%s:%d: no module %s", pe->file, pe->line, m);
			d->module = (int)(fk_module_find(fx, m) - fx->mod);
		}
	}
	for (size_t i = 0; i < fx->nents; i++)
		if (strcmp(fx->ents[i].kind, "pci") == 0)
			model_pci(fx, &fx->ents[i]);
	pci_dirs(fx);
	for (size_t i = 0; i < fx->ndrv; i++) {
		struct fk_driver *d = &fx->drv[i];

		d->registered = d->module < 0 || fx->mod[d->module].state != MOD_ABSENT;
	}
	for (size_t i = 0; i < fx->npci; i++) {
		struct fk_driver *d;

		if (!*fx->pci[i].driver)
			continue;
		d = fk_driver_find(fx, fx->pci[i].driver, false);
		if (!d->registered)
			fx_fail("%s is bound to %s, whose module %s is not loaded", fx->pci[i].addr,
				d->name, fx->mod[d->module].name);
	}
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *pe = &fx->ents[i];
		const char *v;

		if (strcmp(pe->kind, "platform") == 0) {
			struct fk_platform *p;

			if (fx->nplat == FX_MAX_PLAT)
				fx_fail("too many platform devices");
			p = &fx->plat[fx->nplat++];
			copy_name(p->name, pe->name, pe);
			v = fx_ent_get(pe, "driver");
			if (!v)
				fx_fail("%s:%d: platform device without driver=", pe->file, pe->line);
			copy_name(p->native, v, pe);
			add_driver(fx, v, true, pe);
			if (num(pe, "bound", 1))
				strcpy(p->driver, p->native);
			p->fb = num(pe, "fb", 0) != 0;
		} else if (strcmp(pe->kind, "vtcon") == 0) {
			struct fk_vtcon *c;

			if (fx->nvtcon == FX_MAX_VTCON)
				fx_fail("too many vtcons");
			c = &fx->vtcon[fx->nvtcon++];
			c->index = atoi(pe->name);
			v = fx_ent_get(pe, "name");
			snprintf(c->name, sizeof(c->name), "%s", v ? v : "(S) dummy device");
			c->bound = num(pe, "bound", 0) != 0;
		} else if (strcmp(pe->kind, "rtc") == 0) {
			struct fk_rtc *r;

			if (fx->nrtc == FX_MAX_RTC)
				fx_fail("too many rtcs");
			r = &fx->rtc[fx->nrtc++];
			r->index = atoi(pe->name);
			snprintf(r->dir, sizeof(r->dir), "sys/devices/pnp0/00:%02d/rtc/rtc%d",
				 r->index + 4, r->index);
		} else if (strcmp(pe->kind, "unit") == 0) {
			struct fk_unit *u;

			if (fx->nunit == FX_MAX_UNIT)
				fx_fail("too many units");
			u = &fx->unit[fx->nunit++];
			snprintf(u->name, sizeof(u->name), "%s", pe->name);
			u->active = num(pe, "active", 0) != 0;
		} else if (strcmp(pe->kind, "power") == 0) {
			parse_power(fx, pe);
		}
	}
	for (size_t i = 0; i < fx->nvtcon; i++) {
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= fx->vtcon[i].index == fx->vtcon[j].index;
		if (dup || fx->vtcon[i].index < 0 || fx->vtcon[i].index > 15)
			fx_fail("vtcon%d: one per index, 0 to 15 (MAX_NR_CON_DRIVER)",
				fx->vtcon[i].index);
	}
	fk_fb_init(fx);
}

/* ------------------------------------------------------------ rendering */

static void render_config(struct fx *fx, const struct fk_pci *d)
{
	unsigned char c[64] = { 0 };
	char rel[FX_REL + 16];
	int sec = 0, sub = 0;

	c[0] = d->vendor & 0xff;
	c[1] = d->vendor >> 8;
	c[2] = d->device & 0xff;
	c[3] = d->device >> 8;
	c[4] = 0x07;
	c[6] = 0x10;
	c[9] = d->class & 0xff;
	c[10] = (d->class >> 8) & 0xff;
	c[11] = (d->class >> 16) & 0xff;
	c[0x0e] = (unsigned char)d->hdr;
	if ((d->hdr & 0x7f) == 0) {
		c[0x2c] = d->svendor & 0xff;
		c[0x2d] = d->svendor >> 8;
		c[0x2e] = d->sdevice & 0xff;
		c[0x2f] = d->sdevice >> 8;
	} else if ((d->hdr & 0x7f) == 1) {
		for (size_t i = 0; i < fx->npci; i++) {
			int b = fx->pci[i].a.bus;

			for (int p = fx->pci[i].parent; p >= 0; p = fx->pci[p].parent)
				if (&fx->pci[p] == d) {
					if (!sec || b < sec)
						sec = b;
					if (b > sub)
						sub = b;
				}
		}
		c[0x18] = d->a.bus;
		c[0x19] = (unsigned char)sec;
		c[0x1a] = (unsigned char)sub;
	}
	snprintf(rel, sizeof(rel), "%s/config", d->dir);
	fx_putb(fx, rel, c, sizeof(c));
}

#define DEVF(fx, d, attr, ...) do {                                     \
		char rel_[FX_REL + 32];                                  \
		snprintf(rel_, sizeof(rel_), "%s/%s", (d)->dir, attr);   \
		fx_putf(fx, rel_, __VA_ARGS__);                          \
	} while (0)

void fx_render_override(struct fx *fx, const struct fk_pci *d)
{
	DEVF(fx, d, "driver_override", "%s\n", *d->override ? d->override : "(null)");
}

/* The attribute files, as pci-sysfs.c shows them. */
void fx_render_pci_attrs(struct fx *fx, const struct fk_pci *d)
{
	DEVF(fx, d, "vendor", "0x%04x\n", d->vendor);
	DEVF(fx, d, "device", "0x%04x\n", d->device);
	DEVF(fx, d, "subsystem_vendor", "0x%04x\n", d->svendor);
	DEVF(fx, d, "subsystem_device", "0x%04x\n", d->sdevice);
	DEVF(fx, d, "class", "0x%06x\n", d->class);
	DEVF(fx, d, "enable", "1\n");
	DEVF(fx, d, "numa_node", "-1\n");
	DEVF(fx, d, "remove", "%s", "");
	DEVF(fx, d, "rescan", "%s", "");
	fx_render_override(fx, d);
	if (d->hdr >= 0)
		render_config(fx, d);
	/* pci_dev_reset_attr_is_visible(): no method, no file */
	if (*d->reset) {
		DEVF(fx, d, "reset_method", "%s\n", d->reset);
		DEVF(fx, d, "reset", "%s", "");
	}
	/* boot_vga exists for VGA-class devices only */
	if ((d->class >> 8) == 0x0300)
		DEVF(fx, d, "boot_vga", "%d\n", d->boot_vga);
}

void fx_render_pci(struct fx *fx, struct fk_pci *d)
{
	char rel[FX_REL + 64];

	fx_mkdirs(fx, "%s", d->dir);
	fx_render_pci_attrs(fx, d);
	snprintf(rel, sizeof(rel), "%s/subsystem", d->dir);
	fx_symlink(fx, rel, "sys/bus/pci");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", d->addr);
	fx_symlink(fx, rel, d->dir);
	if (fx->iommu && d->group >= 0) {
		char grp[64];

		snprintf(grp, sizeof(grp), "sys/kernel/iommu_groups/%d", d->group);
		fx_mkdirs(fx, "%s/devices", grp);
		snprintf(rel, sizeof(rel), "%s/type", grp);
		fx_putf(fx, rel, "DMA\n");
		snprintf(rel, sizeof(rel), "%s/iommu_group", d->dir);
		fx_symlink(fx, rel, grp);
		snprintf(rel, sizeof(rel), "%s/devices/%s", grp, d->addr);
		fx_symlink(fx, rel, d->dir);
	}
}

static void block_dir(struct fx *fx, const struct fx_ent *e, char *buf, size_t len, int depth)
{
	const char *pci = fx_ent_get(e, "pci"), *parent = fx_ent_get(e, "parent");

	if (depth > 4)
		fx_fail("block %s: parents nested too deep", e->name);
	if (parent) {
		const struct fx_ent *pe = fx_find_ent(fx, "block", parent);
		char pdir[FX_REL];

		if (!pe)
			fx_fail("%s:%d: no block %s", e->file, e->line, parent);
		block_dir(fx, pe, pdir, sizeof(pdir), depth + 1);
		snprintf(buf, len, "%s/%s", pdir, e->name);
	} else if (pci) {
		const struct fk_pci *d = fk_pci_find(fx, pci);
		const char *path = fx_ent_get(e, "path");

		if (!d)
			fx_fail("%s:%d: no PCI device %s", e->file, e->line, pci);
		snprintf(buf, len, "%s/%s/%s", d->dir, path ? path : "block", e->name);
	} else {
		snprintf(buf, len, "sys/devices/virtual/block/%s", e->name);
	}
}

/* The PCI device a block device sits on, "" for a virtual one. */
static const char *block_pci(struct fx *fx, const struct fx_ent *e)
{
	for (int depth = 0; e && depth < 5; depth++) {
		const char *pci = fx_ent_get(e, "pci"), *parent = fx_ent_get(e, "parent");

		if (pci)
			return pci;
		e = parent ? fx_find_ent(fx, "block", parent) : NULL;
	}
	return "";
}

static void net_dir(struct fx *fx, const struct fx_ent *e, char *buf, size_t len)
{
	const char *pci = fx_ent_get(e, "pci");

	if (pci) {
		const struct fk_pci *d = fk_pci_find(fx, pci);

		if (!d)
			fx_fail("%s:%d: no PCI device %s", e->file, e->line, pci);
		snprintf(buf, len, "%s/net/%s", d->dir, e->name);
	} else {
		snprintf(buf, len, "sys/devices/virtual/net/%s", e->name);
	}
}

static void render_block(struct fx *fx, const struct fx_ent *e)
{
	char dir[FX_REL], rel[FX_REL + 64];
	const char *dev = fx_ent_get(e, "dev"), *slaves = fx_ent_get(e, "slaves");

	if (!dev)
		fx_fail("%s:%d: block %s without dev=", e->file, e->line, e->name);
	block_dir(fx, e, dir, sizeof(dir), 0);
	fx_mkdirs(fx, "%s", dir);
	snprintf(rel, sizeof(rel), "%s/dev", dir);
	fx_putf(fx, rel, "%s\n", dev);
	if (fx_ent_get(e, "parent")) {
		snprintf(rel, sizeof(rel), "%s/partition", dir);
		fx_putf(fx, rel, "1\n");
	}
	snprintf(rel, sizeof(rel), "sys/class/block/%s", e->name);
	fx_symlink(fx, rel, dir);
	snprintf(rel, sizeof(rel), "sys/dev/block/%s", dev);
	fx_symlink(fx, rel, dir);
	if (slaves) {
		char buf[256], *save, *tok;

		fx_mkdirs(fx, "%s/slaves", dir);
		snprintf(buf, sizeof(buf), "%s", slaves);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct fx_ent *se = fx_find_ent(fx, "block", tok);
			char sdir[FX_REL];

			if (!se)
				fx_fail("%s:%d: slave %s is not a block device", e->file, e->line, tok);
			block_dir(fx, se, sdir, sizeof(sdir), 0);
			/* a slave whose controller is off the bus has no link */
			if (!fx_exists(fx, "%s", sdir))
				continue;
			snprintf(rel, sizeof(rel), "%s/slaves/%s", dir, tok);
			fx_symlink(fx, rel, sdir);
		}
	}
}

static void render_net(struct fx *fx, const struct fx_ent *e)
{
	char dir[FX_REL], rel[FX_REL + 64];
	const char *pci = fx_ent_get(e, "pci"), *lower = fx_ent_get(e, "lower");

	net_dir(fx, e, dir, sizeof(dir));
	fx_mkdirs(fx, "%s", dir);
	snprintf(rel, sizeof(rel), "%s/operstate", dir);
	fx_putf(fx, rel, "up\n");
	if (pci) {
		snprintf(rel, sizeof(rel), "%s/device", dir);
		fx_symlink(fx, rel, fk_pci_find(fx, pci)->dir);
	}
	snprintf(rel, sizeof(rel), "sys/class/net/%s", e->name);
	fx_symlink(fx, rel, dir);
	if (lower) {
		char buf[256], *save, *tok;

		snprintf(buf, sizeof(buf), "%s", lower);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct fx_ent *le = fx_find_ent(fx, "net", tok);
			char ldir[FX_REL];

			if (!le)
				fx_fail("%s:%d: lower %s is not a net device", e->file, e->line, tok);
			net_dir(fx, le, ldir, sizeof(ldir));
			if (!fx_exists(fx, "%s", ldir))
				continue;
			snprintf(rel, sizeof(rel), "%s/lower_%s", dir, tok);
			fx_symlink(fx, rel, ldir);
		}
	}
}

static void render_virtio(struct fx *fx, const struct fx_ent *e)
{
	const char *pci = fx_ent_get(e, "pci"), *tag = fx_ent_get(e, "tag");
	const struct fk_pci *d = pci ? fk_pci_find(fx, pci) : NULL;
	char dir[FX_REL + 192], rel[FX_REL + 256];

	if (!d)
		fx_fail("%s:%d: virtio %s needs pci= a device of the fixture", e->file, e->line,
			e->name);
	snprintf(dir, sizeof(dir), "%s/%s", d->dir, e->name);
	fx_mkdirs(fx, "%s", dir);
	if (tag) {
		snprintf(rel, sizeof(rel), "%s/mount_tag", dir);
		fx_putf(fx, rel, "%s\n", tag);
	}
	snprintf(rel, sizeof(rel), "sys/bus/virtio/devices/%s", e->name);
	fx_symlink(fx, rel, dir);
}

/* What lives inside a PCI device's directory (its disks, NICs, virtio
 * devices) comes and goes with it. */
void fx_render_pci_children(struct fx *fx, const struct fk_pci *d)
{
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];
		const char *pci = fx_ent_get(e, "pci");

		if (strcmp(e->kind, "block") == 0 && strcmp(block_pci(fx, e), d->addr) == 0)
			render_block(fx, e);
		else if (pci && strcmp(pci, d->addr) == 0 && strcmp(e->kind, "net") == 0)
			render_net(fx, e);
		else if (pci && strcmp(pci, d->addr) == 0 && strcmp(e->kind, "virtio") == 0)
			render_virtio(fx, e);
	}
}

/* Virtual devices (bridges, dm) link to the ones above: render them last,
 * and again when those come back. */
void fx_render_virtual(struct fx *fx)
{
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];

		if (strcmp(e->kind, "net") == 0 && !fx_ent_get(e, "pci"))
			render_net(fx, e);
		else if (strcmp(e->kind, "block") == 0 && !*block_pci(fx, e))
			render_block(fx, e);
		else if (strcmp(e->kind, "virtio") == 0 && !fx_ent_get(e, "pci"))
			fx_fail("%s:%d: virtio %s needs pci=", e->file, e->line, e->name);
	}
}

void fx_render_driver_dir(struct fx *fx, const struct fk_driver *drv)
{
	static const char *const attrs[] = { "bind", "unbind", "uevent", "new_id", "remove_id" };
	char dir[FX_REL], rel[FX_REL + 32];

	snprintf(dir, sizeof(dir), "sys/bus/%s/drivers/%s", drv->platform ? "platform" : "pci",
		 drv->name);
	fx_mkdirs(fx, "%s", dir);
	for (size_t i = 0; i < VFH_ARRAY_SIZE(attrs); i++) {
		if (drv->platform && i > 2)
			break;
		snprintf(rel, sizeof(rel), "%s/%s", dir, attrs[i]);
		fx_putf(fx, rel, "%s", "");
	}
	if (drv->module >= 0) {
		char target[FX_REL];

		snprintf(rel, sizeof(rel), "%s/module", dir);
		snprintf(target, sizeof(target), "sys/module/%s", fx->mod[drv->module].name);
		fx_mkdirs(fx, "%s", target);
		fx_symlink(fx, rel, target);
	}
}

void fx_render_module(struct fx *fx, const struct fk_module *m)
{
	char dir[FX_REL], rel[FX_REL + 64], buf[256], *save, *tok;

	snprintf(dir, sizeof(dir), "sys/module/%s", m->name);
	if (m->state == MOD_ABSENT) {
		fx_rmtree(fx, dir);
		return;
	}
	fx_mkdirs(fx, "%s/parameters", dir);
	if (m->state == MOD_BUILTIN)
		return;
	snprintf(rel, sizeof(rel), "%s/initstate", dir);
	fx_putf(fx, rel, "live\n");
	snprintf(rel, sizeof(rel), "%s/refcnt", dir);
	fx_putf(fx, rel, "%d\n", m->refcnt);
	snprintf(rel, sizeof(rel), "%s/holders", dir);
	fx_rmtree(fx, rel);
	fx_mkdirs(fx, "%s/holders", dir);
	snprintf(buf, sizeof(buf), "%s", m->holders);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char target[FX_REL];

		snprintf(rel, sizeof(rel), "%s/holders/%s", dir, tok);
		snprintf(target, sizeof(target), "sys/module/%s", tok);
		fx_mkdirs(fx, "%s", target);
		fx_symlink(fx, rel, target);
	}
	for (size_t i = 0; i < fx->ndrv; i++) {
		const struct fk_driver *d = &fx->drv[i];
		char target[FX_REL];

		if (d->module < 0 || &fx->mod[d->module] != m || !d->registered)
			continue;
		snprintf(rel, sizeof(rel), "%s/drivers/pci:%s", dir, d->name);
		snprintf(target, sizeof(target), "sys/bus/pci/drivers/%s", d->name);
		fx_symlink(fx, rel, target);
	}
}

void fx_render_vtcon(struct fx *fx, const struct fk_vtcon *c)
{
	char dir[FX_REL], rel[FX_REL + 32];

	snprintf(dir, sizeof(dir), "sys/devices/virtual/vtconsole/vtcon%d", c->index);
	snprintf(rel, sizeof(rel), "%s/name", dir);
	fx_putf(fx, rel, "%s\n", c->name);
	snprintf(rel, sizeof(rel), "%s/bind", dir);
	fx_putf(fx, rel, "%d\n", c->bound);
	snprintf(rel, sizeof(rel), "sys/class/vtconsole/vtcon%d", c->index);
	fx_symlink(fx, rel, dir);
}

void fx_render_platform(struct fx *fx, const struct fk_platform *p)
{
	char dir[FX_REL], rel[FX_REL + 64], target[FX_REL];
	const struct fk_driver *drv = fk_driver_find(fx, p->native, true);

	snprintf(dir, sizeof(dir), "sys/devices/platform/%s", p->name);
	fx_mkdirs(fx, "%s", dir);
	snprintf(rel, sizeof(rel), "%s/driver_override", dir);
	fx_putf(fx, rel, "(null)\n");
	snprintf(rel, sizeof(rel), "%s/modalias", dir);
	fx_putf(fx, rel, "platform:%s\n", p->native);
	snprintf(rel, sizeof(rel), "sys/bus/platform/devices/%s", p->name);
	fx_symlink(fx, rel, dir);
	fx_render_driver_dir(fx, drv);
	/* both links, or neither */
	for (size_t i = 0; i < fx->ndrv; i++)
		if (fx->drv[i].platform)
			fx_remove(fx, "sys/bus/platform/drivers/%s/%s", fx->drv[i].name, p->name);
	snprintf(rel, sizeof(rel), "%s/driver", dir);
	if (*p->driver) {
		snprintf(target, sizeof(target), "sys/bus/platform/drivers/%s", p->driver);
		fx_symlink(fx, rel, target);
		snprintf(rel, sizeof(rel), "%s/%s", target, p->name);
		fx_symlink(fx, rel, dir);
	} else {
		fx_remove(fx, "%s", rel);
	}
}

void fx_render_power(struct fx *fx)
{
	if (!fx_find_ent(fx, "power", ""))
		return;
	if (fx->has_mem_sleep) {
		char buf[128] = "";

		for (int i = 0; i < fx->noffered; i++) {
			char one[24];

			snprintf(one, sizeof(one), i == fx->mem_sleep ? "[%s]" : "%s", fx->offered[i]);
			if (i)
				strcat(buf, " ");
			strcat(buf, one);
		}
		fx_putf(fx, "sys/power/mem_sleep", "%s\n", buf);
	}
	fx_putf(fx, "sys/power/state", "%s\n", fx->state);
	fx_putf(fx, "sys/power/suspend_stats/success", "%lu\n", fx->success);
	fx_putf(fx, "sys/power/suspend_stats/fail", "%lu\n", fx->fail);
	fx_putf(fx, "sys/power/suspend_stats/last_failed_dev", "%s\n", fx->last_failed_dev);
}

void fx_render_rtc(struct fx *fx, const struct fk_rtc *r)
{
	char rel[FX_REL + 32];

	snprintf(rel, sizeof(rel), "%s/name", r->dir);
	fx_putf(fx, rel, "rtc_cmos\n");
	snprintf(rel, sizeof(rel), "%s/wakealarm", r->dir);
	/* rtc-sysfs shows the alarm only while it is armed */
	if (r->armed)
		fx_putf(fx, rel, "%lu\n", r->alarm);
	else
		fx_putf(fx, rel, "%s", "");
	snprintf(rel, sizeof(rel), "sys/class/rtc/rtc%d", r->index);
	fx_symlink(fx, rel, r->dir);
}

/* Where a relative link at linkrel points, as a fixture-relative path. */
static void link_target(const char *linkrel, const char *target, char *out, size_t len)
{
	char buf[FX_REL * 2], *parts[64], *save, *tok;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s/../%s", linkrel, target);
	for (tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, "..") == 0) {
			if (n == 0)
				fx_fail("link %s -> %s leaves the fixture", linkrel, target);
			n--;
		} else if (strcmp(tok, ".") != 0 && n < 64) {
			parts[n++] = tok;
		}
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s%s", i ? "/" : "", parts[i]);
	}
}

static void render_proc(struct fx *fx)
{
	char mi[8192] = "", rt[4096], r6[4096] = "", sw[2048];
	int id = 21, root_id = 1;
	size_t n;

	snprintf(rt, sizeof(rt), "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
		 "Mask\t\tMTU\tWindow\tIRTT\n");
	snprintf(sw, sizeof(sw), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < fx->nents; i++) {
		const struct fx_ent *e = &fx->ents[i];

		if (strcmp(e->kind, "mount") == 0) {
			const char *dev = fx_ent_get(e, "dev"), *fs = fx_ent_get(e, "fs");
			const char *src = fx_ent_get(e, "src"), *root = fx_ent_get(e, "root");
			const char *opts = fx_ent_get(e, "opts");

			if (!dev || !fs || !src)
				fx_fail("%s:%d: mount needs dev=, fs= and src=", e->file, e->line);
			n = strlen(mi);
			snprintf(mi + n, sizeof(mi) - n, "%d %d %s %s %s %s shared:%d - %s %s %s\n",
				 id, strcmp(e->name, "/") == 0 ? 1 : root_id, dev, root ? root : "/",
				 e->name, opts ? opts : "rw,relatime", id - 20, fs, src,
				 opts ? opts : "rw");
			if (strcmp(e->name, "/") == 0)
				root_id = id;
			id++;
		} else if (strcmp(e->kind, "route") == 0) {
			const char *dest = fx_ent_get(e, "dest"), *mask = fx_ent_get(e, "mask");
			const char *gw = fx_ent_get(e, "gw");
			bool dflt = !dest || strcmp(dest, "00000000") == 0;

			n = strlen(rt);
			snprintf(rt + n, sizeof(rt) - n, "%s\t%s\t%s\t%04X\t0\t0\t100\t%s\t0\t0\t0\n",
				 e->name, dest ? dest : "00000000",
				 gw ? gw : (dflt ? "0102A8C0" : "00000000"), dflt ? 3 : 1,
				 mask ? mask : "00000000");
		} else if (strcmp(e->kind, "route6") == 0) {
			const char *dest = fx_ent_get(e, "dest"), *plen = fx_ent_get(e, "plen");

			n = strlen(r6);
			snprintf(r6 + n, sizeof(r6) - n, "%s %s 00000000000000000000000000000000 00 "
				 "fe800000000000000000000000000001 00000400 00000001 00000000 "
				 "00000003 %8s\n",
				 dest ? dest : "00000000000000000000000000000000", plen ? plen : "00",
				 e->name);
		} else if (strcmp(e->kind, "swap") == 0) {
			n = strlen(sw);
			snprintf(sw + n, sizeof(sw) - n, "%s\tpartition\t8388604\t0\t-2\n", e->name);
		} else if (strcmp(e->kind, "dev") == 0) {
			const char *target = fx_ent_get(e, "target");
			char abs[PATH_MAX], rel[FX_REL], node[FX_REL];

			if (!target || target[0] == '/')
				fx_fail("%s:%d: dev %s needs a relative target=", e->file, e->line,
					e->name);
			snprintf(rel, sizeof(rel), "dev/%s", e->name);
			fx_abs(fx, abs, sizeof(abs), rel);
			parent_dirs(fx, rel);
			if (symlink(target, abs) < 0)
				fx_fail("symlink %s: %s", rel, strerror(errno));
			/* a plain file stands for the device node it names */
			link_target(rel, target, node, sizeof(node));
			if (strncmp(node, "dev/", 4) != 0)
				fx_fail("%s:%d: dev %s leaves dev/", e->file, e->line, e->name);
			if (!fx_exists(fx, "%s", node))
				fx_putf(fx, node, "%s", "");
		}
	}
	fx_putf(fx, "proc/self/mountinfo", "%s", mi);
	fx_putf(fx, "proc/net/route", "%s", rt);
	fx_putf(fx, "proc/net/ipv6_route", "%s", r6);
	fx_putf(fx, "proc/swaps", "%s", sw);
}

static int by_depth(const void *a, const void *b)
{
	const struct fk_pci *x = *(const struct fk_pci *const *)a;
	const struct fk_pci *y = *(const struct fk_pci *const *)b;
	int dx = 0, dy = 0;

	for (const char *p = x->dir; *p; p++)
		dx += *p == '/';
	for (const char *p = y->dir; *p; p++)
		dy += *p == '/';
	return dx != dy ? dx - dy : vfh_pci_addr_cmp(&x->a, &y->a);
}

static void render_all(struct fx *fx)
{
	static const char *const dirs[] = {
		"sys/bus/pci/devices", "sys/bus/pci/drivers", "sys/bus/pci/slots",
		"sys/bus/platform/devices", "sys/bus/platform/drivers", "sys/bus/virtio/devices",
		"sys/class/vtconsole", "sys/class/rtc", "sys/class/net", "sys/class/block",
		"sys/dev/block", "sys/dev/char", "sys/devices/virtual", "sys/devices/platform",
		"sys/module", "sys/fs/cgroup", "proc/self", "proc/net", "dev", "run", "etc",
	};
	struct fk_pci *order[FX_MAX_PCI];

	for (size_t i = 0; i < VFH_ARRAY_SIZE(dirs); i++)
		fx_mkdirs(fx, "%s", dirs[i]);
	if (fx->iommu)
		fx_mkdirs(fx, "sys/kernel/iommu_groups");
	else
		fx_mkdirs(fx, "sys/kernel");
	fx_putf(fx, "sys/bus/pci/drivers_probe", "%s", "");
	fx_putf(fx, "sys/bus/pci/drivers_autoprobe", "1\n");
	fx_putf(fx, "sys/bus/pci/rescan", "%s", "");
	fx_putf(fx, "sys/bus/pci/resource_alignment", "\n");
	fx_render_power(fx);
	for (size_t i = 0; i < fx->nrtc; i++)
		fx_render_rtc(fx, &fx->rtc[i]);
	for (size_t i = 0; i < fx->ndrv; i++)
		if (fx->drv[i].registered && !fx->drv[i].platform)
			fx_render_driver_dir(fx, &fx->drv[i]);
	for (size_t i = 0; i < fx->nmod; i++)
		fx_render_module(fx, &fx->mod[i]);
	for (size_t i = 0; i < fx->npci; i++)
		order[i] = &fx->pci[i];
	qsort(order, fx->npci, sizeof(order[0]), by_depth);
	for (size_t i = 0; i < fx->npci; i++) {
		char drv[FX_NAME];

		fx_render_pci(fx, order[i]);
		snprintf(drv, sizeof(drv), "%s", order[i]->driver);
		order[i]->driver[0] = '\0';
		fk_pci_set_driver(fx, order[i], drv);
	}
	for (size_t i = 0; i < fx->npci; i++)
		fx_render_pci_children(fx, order[i]);
	fx_render_virtual(fx);
	for (size_t i = 0; i < fx->nvtcon; i++)
		fx_render_vtcon(fx, &fx->vtcon[i]);
	for (size_t i = 0; i < fx->nplat; i++)
		fx_render_platform(fx, &fx->plat[i]);
	render_proc(fx);
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
	load_spec(fx, name, 0);
	if (extra) {
		char *copy = strdup(extra);

		spec_text(fx, copy, "(extra)", 0);
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
		rmtree_abs(fx->root, fx->root);
	else
		fprintf(stderr, "fixture: not removing %s: not a fixture root\n", fx->root);
	for (size_t i = 0; i < fx->nents; i++)
		ent_free(&fx->ents[i]);
	free(fx->ents);
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

static char *ring(struct fx *fx)
{
	return fx->ring[fx->ringpos++ % VFH_ARRAY_SIZE(fx->ring)];
}

const char *fx_read(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX], *buf = ring(fx);
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	fd = open(abs, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(fx->ring[0]) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

const char *fx_readlink(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX], *buf = ring(fx);
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	n = readlink(abs, buf, sizeof(fx->ring[0]) - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

bool fx_exists(struct fx *fx, const char *fmt, ...)
{
	char rel[FX_REL], abs[PATH_MAX];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	fx_vabs(fx, rel, abs, fmt, ap);
	va_end(ap);
	return lstat(abs, &st) == 0;
}

void fx_write(struct fx *fx, const char *rel, const char *content)
{
	char abs[PATH_MAX];
	int fd;

	/* through symlinks, as a test means "this attribute of that device" */
	fx_abs(fx, abs, sizeof(abs), rel);
	fd = open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fx_fail("create %s: %s", rel, strerror(errno));
		return;
	}
	if (*content && write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		fx_fail("write %s: %s", rel, strerror(errno));
	close(fd);
}

void fx_delete(struct fx *fx, const char *rel)
{
	fx_rmtree(fx, rel);
}

/* ---- coherence */

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
	else if (strncmp(real, walk_root, check_rootlen) != 0 || real[check_rootlen] != '/')
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
	char *name = ring(fx);
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
	walk_root = fx->root;
	check_rootlen = strlen(fx->root);
	nftw(fx->root, check_one, 32, FTW_PHYS);
	walk_root = NULL;
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
