/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's engine: per-domain INI, domain XML, the plan of reversible
 * steps and its journal.  Shared by the hook (hooks/) and the CLI (tools/);
 * not installed. */
#ifndef VFH_ENGINE_H
#define VFH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vfiohook.h"

#define VFH_CONF_DIR "libvirt/hooks/vfiohook"	/* below the etc root */
#define VFH_RUN_DIR "vfiohook"			/* below the run root */
#define VFH_DOMAIN_MAX 200
#define VFH_ENGINE_SYMBOL "vfh_hook_main"
/* The largest domain XML the hook reads (libvirt's own are a few KiB):
 * the front reads one byte more, so the engine can tell it was cut. */
#define ENG_XML_MAX (64u << 20)

/* ------------------------------------------------------------- errors -- */

/* The engine's one error object, as the library's context is for lib/:
 * a -errno and one line saying what happened and what to do.  Every engine
 * call that can fail takes one; the caller prints msg as it is. */
struct eng_err {
	int err;		/* 0 or -errno */
	char msg[1024];
};

void eng_err_clear(struct eng_err *e);
/* Sets e (replacing what it held) and returns err, so that callers can
 * `return eng_fail(e, -EINVAL, "...")`. */
int eng_fail(struct eng_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with the library's line for its last failure on ctx (or
 * strerror(err) when the library set none) after the prefix: "PREFIX: why". */
int eng_fail_lib(struct eng_err *e, struct vfh_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The library's line for its last failure on ctx, or strerror(err). */
const char *eng_why(struct vfh_ctx *ctx, int err);

/* ------------------------------------------------------------- names -- */
/* These need nothing but libc: the hook's front uses them before it loads
 * anything else. */

/* A domain name we accept as part of a path: 1..200 bytes of
 * [A-Za-z0-9_.+:@-], not starting with '.' or '-'.  libvirt allows more;
 * such domains are never managed (no INI file can be named for them). */
bool eng_domain_ok(const char *name);

/* ETC_ROOT/libvirt/hooks/vfiohook/DOMAIN.ini, for a name that passed
 * eng_domain_ok().  -ENAMETOOLONG, -EINVAL. */
int eng_ini_path(const char *etc_root, const char *domain, char *buf, size_t len);
/* RUN_ROOT/vfiohook/DOMAIN/journal, same rules. */
int eng_journal_path(const char *run_root, const char *domain, char *buf, size_t len);

/* The hook's phases, in the order libvirt runs them (see
 * vfiohook-hook(8)).  A step kind says in which phase it is applied and in
 * which it is undone. */
enum eng_phase {
	ENG_PREPARE,		/* before QEMU starts: take devices and resources */
	ENG_STOPPED,		/* QEMU gone, managed devices still on vfio-pci */
	ENG_RELEASE,		/* libvirt handed managed devices back: undo */
	ENG_RECONNECT,		/* libvirtd restarted while the domain runs: look */
	ENG_PHASE__COUNT
};
const char *eng_phase_name(enum eng_phase p);

/* The libvirt operations the engine acts in, as data: the front decides
 * "not ours" from this table before it loads anything. */
struct eng_op {
	const char *name;	/* libvirt's word: "prepare" */
	enum eng_phase phase;
	/* true: driven by the INI file (prepare, reconnect); false: by the
	 * journal alone, so that an INI edited, broken or removed while the
	 * VM ran cannot keep its devices (stopped, release) */
	bool reads_ini;
};
/* The operation named op, or NULL for one the engine does nothing in
 * (start, started, migrate, restore...). */
const struct eng_op *eng_op_find(const char *op);

/* ------------------------------------------------------------ config -- */

enum reset_kind { RESET_UNSET = -1, RESET_NONE = 0, RESET_AUTO, RESET_SUSPEND };
enum { RESET_AT_PREPARE = 1, RESET_AT_RELEASE = 2 };

/* Per-device settings; "unset" fields fall back to [devices]. */
struct dev_conf {
	struct vfh_pci_addr addr;
	int line;			/* of its [device ...] header */
	char driver[VFH_NAME_MAX];	/* "" = unset */
	int reset;			/* enum reset_kind */
	int reset_at;			/* 0 = unset */
	unsigned int suspend_seconds;	/* 0 = unset */
	unsigned int suspend_attempts;	/* 0 = unset */
};

/* The INI's sections, in eng_sections[]'s order (hooks/conftab.h). */
enum eng_section_id {
	ENG_SEC_DEVICES, ENG_SEC_DEVICE, ENG_SEC_SINGLE_GPU, ENG_SEC_HOLDERS, ENG_SEC_MEMORY,
	ENG_SEC_CPUS, ENG_SEC_LOOKING_GLASS, ENG_SEC__COUNT
};

struct hook_config {
	char path[512];
	/* the line of each section's header (the first [device ...]'s), 0
	 * when the file has none: what the file asks for, beside the
	 * defaults, for eng_config_why_idle() */
	int section_line[ENG_SEC__COUNT];
	/* [devices] */
	bool from_xml;			/* passthrough includes "auto" */
	struct vfh_pci_addr *listed;	/* explicit addresses */
	int *listed_line;
	size_t n_listed;
	bool take_group;		/* default yes */
	bool take_companions;		/* default yes */
	struct dev_conf defaults;	/* driver, reset, reset_at, suspend_* */
	unsigned int wait_ms;		/* default 10000, the library's */
	unsigned int write_ms;		/* default 10000, the library's */
	/* controllers the host is presumed to need (a mount that cannot be
	 * traced: ZFS, a network filesystem) that the user says are free */
	struct vfh_pci_addr *free;
	size_t n_free;
	/* [device ADDR] */
	struct dev_conf *dev;
	size_t n_dev;
	/* [single-gpu] */
	bool single_gpu;
	char **stop_units;
	size_t n_units;
	bool unbind_vtconsoles;		/* default yes */
	bool unbind_framebuffers;	/* default yes */
	char **unload_modules;
	size_t n_modules;
	/* [holders] */
	int when_held;			/* HELD_REFUSE, HELD_STOP */
	int when_held_line;		/* where it is set, 0: the default */
	char **held_units;		/* system units */
	size_t n_held_units;
	char **held_user_units;		/* units of the user's own manager */
	size_t n_held_user_units;
	char held_user[64];		/* "auto": the holders' owners */
	unsigned int held_wait_s;	/* default 5 */
	/* [memory] */
	int hugepages;			/* HUGEPAGES_AUTO, _OFF, _KEEP */
	unsigned int hugepage_count;	/* pages =; 0: what the XML works out */
	bool drop_caches;		/* default no */
	unsigned int hugepage_attempts;	/* default 3 */
	/* [cpus] */
	int isolate;			/* ISOLATE_NO, ISOLATE_AUTO, ISOLATE_LIST */
	char isolate_cpus[128];		/* ISOLATE_LIST: a kernel CPU list */
	bool isolate_irqs;		/* default yes */
	bool isolate_workqueues;	/* default yes */
	int rt_runtime;			/* RT_RUNTIME_KEEP, RT_RUNTIME_UNLIMITED */
	char governor[32];		/* the isolated CPUs' cpufreq governor; "": leave */
	/* [looking-glass] */
	char lg_owner[64];		/* default root */
	char lg_group[64];		/* default kvm */
	unsigned int lg_mode;		/* default 0660 */
	bool lg_keep;			/* default no */
};

enum { HELD_REFUSE, HELD_STOP };
enum { HUGEPAGES_AUTO, HUGEPAGES_OFF, HUGEPAGES_KEEP };
enum { ISOLATE_NO, ISOLATE_AUTO, ISOLATE_LIST };
enum { RT_RUNTIME_KEEP, RT_RUNTIME_UNLIMITED };

/* Every section is optional: a file holding only comments manages its
 * domain and (until the domain XML or the file asks for something) does
 * nothing; eng_config_why_idle() says so.  The keys and their defaults
 * are hooks/conftab.h's tables. */

/* Loads DOMAIN's INI file below the context's etc root.  Returns 0, -ENOENT
 * when there is none (the domain is not managed, e left clear), or another
 * -errno with one line in e: "PATH:LINE: what is wrong" or "PATH: why it is
 * refused" (not root-owned, group/world-writable, not a regular file). */
int eng_config_load(struct vfh_ctx *ctx, const char *domain, struct hook_config *cfg,
		    struct eng_err *e);
/* Parses an already opened file (for tests and `vfiohook check FILE`). */
int eng_config_parse(FILE *f, const char *path, struct hook_config *cfg, struct eng_err *e);
void eng_config_free(struct hook_config *cfg);
/* The effective settings of one device. */
void eng_config_device(const struct hook_config *cfg, const struct vfh_pci_addr *a,
		   struct dev_conf *out);

struct domain_xml;
/* With an explicit passthrough list (no "auto"), every PCI <hostdev> of
 * the domain must be among the devices going to the VM (taken: what the
 * list brings with its groups and slots).  -EINVAL with a line naming the
 * hostdev, the file and what to add. */
int eng_config_check_hostdevs(const struct hook_config *cfg, const struct domain_xml *dom,
			      const struct vfh_pci_addr *taken, size_t n, struct eng_err *e);
/* For a plan with no step: one line saying that the domain is left alone,
 * why (naming cfg->path) and what to add, for each section the file has
 * ([memory] without the domain's <hugepages/>, [looking-glass] without a
 * <shmem>, [cpus] isolating nothing...), or for its devices when it has
 * nothing else.  dom: the domain XML, NULL when it was not given. */
void eng_config_why_idle(const struct hook_config *cfg, const struct domain_xml *dom,
			 char *buf, size_t len);

/* ------------------------------------------------------------ domxml -- */

struct hostdev {
	struct vfh_pci_addr addr;
	bool managed;
	bool interface;		/* an <interface type='hostdev'> (SR-IOV VF) */
};

/* <memoryBacking><hugepages><page size= nodeset=/> */
struct dom_pages {
	uint64_t size_kib;	/* in KiB */
	char nodeset[256];	/* guest NUMA cells it is for; "" all */
};

/* <numatune><memnode cellid= nodeset=/>: the host nodes of a guest cell */
struct dom_memnode {
	unsigned int cell;
	char nodeset[256];
};

/* <cpu><numa><cell id= memory=/> */
struct dom_cell {
	unsigned int id;
	uint64_t memory;	/* bytes */
};

/* <cputune><vcpupin vcpu= cpuset=/>, <emulatorpin/>, <iothreadpin/> */
struct dom_pin {
	char kind[16];		/* "vcpupin", "emulatorpin", "iothreadpin" */
	unsigned int id;	/* vcpu or iothread; 0 for the emulator */
	char cpuset[256];	/* as written: "2-3,^3" */
};

/* <shmem name=><model type=/><size unit=/></shmem> (Looking Glass) */
struct dom_shmem {
	char name[256];
	char model[32];		/* "ivshmem-plain", ...; "" when not given */
	uint64_t size;		/* bytes; 0 when not given */
	bool server;		/* backed by an ivshmem server, not a file */
};

/* What the hook needs of the domain XML.  Lists, counts and sets are as
 * written; they are checked against the host when the plan is built. */
struct domain_xml {
	char name[256];
	struct hostdev *hostdevs;
	size_t n_hostdevs, cap_hostdevs;
	uint64_t memory;		/* <memory>, bytes; 0 when absent */
	unsigned int vcpus;		/* <vcpu> */
	char vcpu_cpuset[256];		/* <vcpu cpuset=>; "" none */
	bool hugepages;			/* <memoryBacking><hugepages> */
	struct dom_pages *pages;
	size_t n_pages, cap_pages;
	char numa_nodeset[256];		/* <numatune><memory nodeset=> */
	char numa_mode[16];		/* its mode=; "" when not given */
	struct dom_memnode *memnodes;
	size_t n_memnodes, cap_memnodes;
	struct dom_cell *cells;
	size_t n_cells, cap_cells;
	struct dom_pin *pins;
	size_t n_pins, cap_pins;
	bool rt_vcpus;			/* a <vcpusched scheduler='fifo|rr'> */
	struct dom_shmem *shmems;
	size_t n_shmems, cap_shmems;
	bool balloon;			/* a <memballoon> other than model='none' */
};

/* Parses the domain XML libvirt writes on the hook's stdin (no network,
 * no entities, no DTD).  -EINVAL with one line in e ("domain XML: ..."). */
int eng_domxml_parse(const char *buf, size_t len, struct domain_xml *dom, struct eng_err *e);
void eng_domxml_free(struct domain_xml *dom);
/* libvirt's scaled integers: text (decimal digits) in unit (b, bytes, KB,
 * k, KiB, MB... TiB; "" for deflt), in bytes.  -EINVAL for an unknown
 * unit, anything but digits, or more than 2^64 - 1 bytes. */
int eng_size_parse(const char *text, const char *unit, uint64_t deflt, uint64_t *bytes);

/* ----------------------------------------------- what the domain wants -- */

/* A set of CPUs or NUMA nodes, as libvirt writes them ("0-3,^2,8"). */
#define ENG_SET_MAX 1024
struct eng_set {
	uint64_t bits[ENG_SET_MAX / 64];
};
/* -EINVAL for anything else than N, N-M, ^N items separated by commas (an
 * empty result too), -ERANGE past ENG_SET_MAX. */
int eng_set_parse(const char *s, struct eng_set *set);
bool eng_set_has(const struct eng_set *set, unsigned int i);
unsigned int eng_set_count(const struct eng_set *set);
/* The first member after `after` (-1 for the first), -1 when none. */
int eng_set_next(const struct eng_set *set, int after);

/* Hugepages of one size on one host node (-1: any node). */
struct eng_pages {
	int node;
	uint64_t size_kib;
	uint64_t count;
};
/* The hugepages the domain XML asks for (nothing without <memoryBacking>
 * <hugepages>), merged per node and size; default_kib is the host's
 * default page size.  *out: free() it. */
int eng_hugepages_wanted(const struct domain_xml *dom, uint64_t default_kib,
			 struct eng_pages **out, size_t *n, struct eng_err *e);

/* ------------------------------------------------------ CPU isolation -- */

/* The CPUs isolated for the running domains: the union of their journals'
 * "isolate" claims, `self`'s excluded (NULL: everyone's). */
int eng_isolated(struct vfh_ctx *ctx, const char *self, struct vfh_cpuset *out);
/* base (the prior affinity or CPU list; empty: the online CPUs) minus the
 * CPUs isolated for the other domains, and minus `mine` (a list) when
 * with_mine.  When nothing of base is left, the CPUs the host keeps.
 * -ENOSPC when the host would keep none. */
int eng_isolated_minus(struct vfh_ctx *ctx, const char *self, const char *mine, bool with_mine,
		       const struct vfh_cpuset *base, struct vfh_cpuset *out);
/* The claim every isolation step makes: its domain's isolated CPUs. */
struct claim;
size_t eng_claim_isolate(const char *isolated, struct claim *out);

/* -------------------------------------------------------------- steps -- */

/* What a step holds on the host while it is applied: the ledger adds up
 * every live journal's claims.  Exclusive claims (a device, a file) have
 * one holder; counted ones (hugepages) add up their amounts. */
struct claim {
	char type[16];		/* "pci", "unit", "module", "vtcon", "fb" ... */
	char key[128];		/* "0000:01:00.0", a unit, a module ... */
	uint64_t amount;	/* counted claims; 0 for exclusive ones */
	bool exclusive;
};
#define STEP_CLAIMS_MAX 8

/* The journal's "key=value" fields of one step, written by its kind. */
struct kv_out {
	char *buf;
	size_t len, used;
	int err;		/* first failure: -ENAMETOOLONG */
};
void kv_put(struct kv_out *o, const char *key, const char *val);
void kv_put_uint(struct kv_out *o, const char *key, unsigned long val);
/* Parsers for decode(): 0, or -EINVAL for a value out of range. */
int kv_uint(const char *val, unsigned long max, unsigned long *out);
int kv_bool(const char *val, bool *out);
int kv_str(const char *val, char *dst, size_t len);	/* -EINVAL if too long */

#define STEP_WHAT_MAX 128
#define STEP_DATA_MAX 320

struct step;

/* One kind of step: every kind is one file under hooks/steps/ with one
 * `const struct step_ops` listed in eng_step_kinds[] (hooks/step.c).
 * Nothing outside a kind's own file looks inside its data. */
struct step_ops {
	const char *name;		/* the journal's word: "pci-bind" */
	enum eng_phase apply_at;	/* ENG_PREPARE for every kind today */
	enum eng_phase undo_at;		/* ENG_RELEASE, or ENG_STOPPED */
	/* a failed undo is logged and counted as done, never retried (a
	 * reset that failed cannot be retried into success later) */
	bool undo_best_effort;
	/* whether `what` names something this kind can act on */
	bool (*what_ok)(const char *what);
	/* reads the prior state the undo will need (and nothing else) */
	int (*capture)(struct vfh_ctx *ctx, struct step *s);
	int (*apply)(struct vfh_ctx *ctx, struct step *s);
	/* puts back the captured state; safe on a step that was only partly
	 * applied, or not at all */
	int (*undo)(struct vfh_ctx *ctx, const struct step *s);
	/* one line: "bind 0000:01:00.0 to vfio-pci (was bochs-drm)" */
	void (*describe)(const struct step *s, char *buf, size_t len);
	/* its own fields, for the journal; decode gets one key at a time and
	 * answers -ENOENT for a key it does not know */
	void (*encode)(const struct step *s, struct kv_out *o);
	int (*decode)(struct step *s, const char *key, const char *val);
	/* what it holds while applied (may be NULL: nothing); returns how
	 * many claims it wrote, at most STEP_CLAIMS_MAX */
	size_t (*claims)(const struct step *s, struct claim *out);
	/* reconnect: whether what it applied is still so (1), or not (0,
	 * with why); may be NULL */
	int (*verify)(struct vfh_ctx *ctx, const struct step *s, char *why, size_t len);
	/* A host resource several running domains may change at once (a
	 * slice's AllowedCPUs, an IRQ's affinity, a unit two domains stop):
	 * a later domain's capture copies the first one's prior state (the
	 * original), and only the last domain out puts it back; one that
	 * leaves before calls refresh, which sets what the domains still
	 * holding it want (NULL: leave it as it is). */
	bool shared;
	/* shared kinds: copies the prior state of peer's data into s's */
	void (*adopt)(struct step *s, const struct step *peer);
	int (*refresh)(struct vfh_ctx *ctx, const struct step *s);
};

struct step {
	const struct step_ops *ops;
	char what[STEP_WHAT_MAX];	/* unit, "vtcon1", device, address, module */
	bool captured;			/* prior state read and journaled */
	/* whose step it is (set by the plan and the journal reader, never
	 * written): kinds that share a host resource between domains ask the
	 * ledger about the others */
	char domain[VFH_DOMAIN_MAX + 1];
	_Alignas(max_align_t) unsigned char data[STEP_DATA_MAX];	/* the kind's */
};

/* The kind's data of a step; each kind file states STEP_DATA_FITS(type)
 * once, so that the data is checked at compile time to fit. */
#define STEP_DATA_FITS(type) \
	_Static_assert(sizeof(type) <= STEP_DATA_MAX, #type " is too large for a step")
#define STEP_DATA(s, type) ((type *)(void *)(s)->data)
#define STEP_CDATA(s, type) ((const type *)(const void *)(s)->data)

/* Another domain's live step of the same kind on the same `what` (begun,
 * not undone): 1 with a copy in peer, 0 when none, -errno. */
int eng_step_peer(struct vfh_ctx *ctx, const struct step *s, struct step *peer);

/* Every kind, in the order prepare applies them; NULL-terminated. */
extern const struct step_ops *const eng_step_kinds[];
const struct step_ops *eng_step_kind_find(const char *name);

/* Shared by the kinds whose data starts with a `struct step_toggle`: the
 * thing they turn off (a unit, a console, a module...) was on before. */
struct step_toggle {
	bool was_on;
};
bool eng_toggle_was_on(const struct step *s);
void eng_toggle_set(struct step *s, bool was_on);
void eng_toggle_encode(const struct step *s, struct kv_out *o);
int eng_toggle_decode(struct step *s, const char *key, const char *val);
/* One exclusive claim of type on the step's `what`, when held. */
size_t eng_claim_what(const struct step *s, const char *type, bool held, struct claim *out);
/* Toggles two domains may share (a unit both stop): a counted claim of
 * type on `what` while it was on before, and adopt copying the peer's
 * was_on (the original state; the last one out turns it back on). */
size_t eng_toggle_claims_shared(const struct step *s, const char *type, struct claim *out);
void eng_toggle_adopt(struct step *s, const struct step *peer);

/* How messages and ledger keys show a node of the host's /dev, and
 * messages a file of its /proc: only shown, never opened (the library's
 * path layer opens files, below its roots). */
#define ENG_DEV_SHOWN "/dev/"
#define ENG_PROC_SHOWN "/proc/"

/* The kinds (hooks/steps/): */
extern const struct step_ops eng_step_unit_stop, eng_step_user_unit_stop, eng_step_vtcon_unbind,
	eng_step_fb_unbind, eng_step_pci_bind, eng_step_module_unload, eng_step_reset;
extern const struct step_ops eng_step_hugepages, eng_step_shm_file, eng_step_cpu_isolate,
	eng_step_cpumask, eng_step_governor, eng_step_rt_runtime;

/* A new step of a kind with its `what` (-ENAMETOOLONG, -EINVAL when the
 * kind refuses it); the kind's constructors below fill in the rest. */
int eng_step_init(struct step *s, const struct step_ops *ops, const char *what);
int eng_step_init_fb_unbind(struct step *s, const char *device, const char *driver);
int eng_step_init_pci_bind(struct step *s, const char *addr, const char *driver);
/* Before the unbind, wait at most ms for the processes holding the
 * device's nodes to let go (after [holders] or [single-gpu] stopped what
 * held them); 0, the default: refuse at once when held. */
void eng_step_pci_bind_held_wait(struct step *s, unsigned int ms);
/* A unit of uid's own systemd manager (what "UID:UNIT") */
int eng_step_init_user_unit_stop(struct step *s, unsigned int uid, const char *unit);
int eng_step_init_reset(struct step *s, const char *addr, int reset, int reset_at,
			unsigned int seconds, unsigned int attempts);
int eng_step_init_hugepages(struct step *s, int node, uint64_t size_kb, uint64_t count,
			    unsigned int attempts, bool drop_caches, bool keep);
/* A hugepages step's pool (node, page size), its pages and keep;
 * -EINVAL for a step of another kind. */
int eng_step_hugepages_get(const struct step *s, int *node, uint64_t *size_kb, uint64_t *count,
			   bool *keep);
int eng_step_init_shm_file(struct step *s, const char *name, uint64_t size, uint32_t uid,
			   uint32_t gid, uint32_t mode, bool keep);
/* target: a systemd unit (system.slice), or without systemd a top-level
 * cgroup; isolated: the domain's CPUs as a kernel list */
int eng_step_init_cpu_isolate(struct step *s, const char *target, bool systemd,
			      const char *isolated);
/* what: "irqN", "irq-default", "workqueue" or "writeback" */
int eng_step_init_cpumask(struct step *s, const char *what, const char *isolated);
int eng_step_init_rt_runtime(struct step *s, long us);
/* cpu's cpufreq governor */
int eng_step_init_governor(struct step *s, unsigned int cpu, const char *governor);

/* Sets one of the kind's own fields as the journal spells it ("was_on",
 * "1"): -ENOENT for a field the kind does not have, -EINVAL for a bad
 * value. */
int eng_step_set_field(struct step *s, const char *key, const char *val);

void eng_step_describe(const struct step *s, char *buf, size_t len);
/* Captures the prior state (for a shared kind, the original another
 * domain recorded when one still holds it). */
int eng_step_capture(struct vfh_ctx *ctx, struct step *s);
int eng_step_apply(struct vfh_ctx *ctx, struct step *s);
int eng_step_undo(struct vfh_ctx *ctx, const struct step *s);
/* The step's fields as the journal writes them: " key=value ..." */
int eng_step_encode(const struct step *s, char *buf, size_t len);
size_t eng_step_claims(const struct step *s, struct claim *out);

/* --------------------------------------------------------------- plan -- */

struct plan {
	struct step *steps;
	size_t n, cap;
};

/* Appends a step; -ENOMEM. */
int eng_plan_add(struct plan *plan, const struct step *s);

/* Builds prepare's plan from the INI and the domain XML (dom may be NULL
 * when the INI lists every device), checking the host: devices present,
 * IOMMU on, groups viable once taken, nothing the host needs, the boot
 * display only with [single-gpu], nothing another domain's journal holds.
 * -errno with one line in e that says what to do. */
int eng_plan_build(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		   const struct domain_xml *dom, struct plan *plan, struct eng_err *e);
void eng_plan_free(struct plan *plan);
/* The host-resource parts of the plan (hooks/plan-host.c), each appending
 * its steps or refusing with one line in e. */
int eng_plan_memory(struct vfh_ctx *ctx, const struct hook_config *cfg,
		    const struct domain_xml *dom, struct plan *plan, struct eng_err *e);
int eng_plan_shm(struct vfh_ctx *ctx, const struct hook_config *cfg,
		 const struct domain_xml *dom, struct plan *plan, struct eng_err *e);
/* [holders] when_held = stop: the units that let go of the devices when
 * a process holds one of their nodes (none when nothing holds them). */
int eng_plan_holders(struct vfh_ctx *ctx, const struct hook_config *cfg,
		     const struct vfh_pci_addr *devs, size_t n, struct plan *plan,
		     struct eng_err *e);
int eng_plan_cpus(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		  const struct domain_xml *dom, struct plan *plan, struct eng_err *e);

/* ------------------------------------------------------------ journal -- */

/* A journal: the steps a prepare took, each with its prior state, written
 * (and fsync'ed) before the step is applied; the source of truth for
 * stopped, release and recovery after a crash.  Its format is described
 * at the top of hooks/journal.c. */
#define JOURNAL_VERSION 2
#define JOURNAL_MAX_BYTES (1u << 20)

struct journal_entry {
	struct step step;
	bool begun;		/* intent recorded: maybe applied */
	bool done;		/* applied */
	bool undone;		/* put back */
	/* in doubt: a write of the step (its apply or undo) did not return
	 * within the write bound; its process, and that process's start time
	 * (clock ticks after boot, /proc/PID/stat), so that a later replay
	 * can tell whether the write is still in flight */
	int doubt_pid;
	unsigned long long doubt_start;
};

struct journal {
	char domain[VFH_DOMAIN_MAX + 1];
	char dir[512];		/* for messages */
	int vdirfd;		/* RUN/vfiohook, -1 when closed */
	int dirfd;		/* RUN/vfiohook/DOMAIN, -1 when closed */
	int fd;			/* open for appending, -1 when read-only */
	int version;		/* of the file read (1: vfiohook 0.1.0) */
	bool prepared;		/* prepare completed */
	struct journal_entry *e;
	size_t n, cap;
	/* why the journal was refused: "line 3: ..." */
	char why[256];
};

/* Creates DOMAIN's journal (its directory mode 0700 below RUN/vfiohook),
 * replacing nothing: -EEXIST if one is there.  An empty directory left by
 * a crash between mkdir and the journal's creation is taken over. */
int eng_journal_create(struct vfh_ctx *ctx, const char *domain, struct journal *j);
/* Opens an existing journal for replay (appending undo records).
 * -ENOENT when there is none (an empty directory a crash left is removed
 * when writable).  -EBADMSG with j->why for a corrupt journal, -EPERM for
 * anything that is not a regular file in a real directory. */
int eng_journal_open(struct vfh_ctx *ctx, const char *domain, bool writable,
		     struct journal *j);
/* Records, each fsync'ed before returning. */
int eng_journal_begin(struct journal *j, const struct step *s);	/* new entry */
int eng_journal_done(struct journal *j, size_t idx);
int eng_journal_undone(struct journal *j, size_t idx);
int eng_journal_prepared(struct journal *j);
/* "doubt IDX pid=PID start=TICKS": the step's write did not return. */
int eng_journal_doubt(struct journal *j, size_t idx, int pid, unsigned long long start);
/* Removes the journal once nothing in it is left to undo. */
int eng_journal_remove(struct journal *j);
void eng_journal_close(struct journal *j);
/* Entries still to undo (begun and not undone). */
size_t eng_journal_pending(const struct journal *j);

/* Every domain that has a journal directory: names in one allocation,
 * free(). */
int eng_journal_list(struct vfh_ctx *ctx, char ***domains, size_t *n);

/* ------------------------------------------------------------- ledger -- */

/* The union of the claims of every live journal: who holds this device,
 * these pages, these CPUs, this file. */
struct ledger_claim {
	struct claim c;
	char domain[VFH_DOMAIN_MAX + 1];
};

struct ledger {
	struct ledger_claim *v;
	size_t n, cap;
	/* a journal that cannot be read may hold anything */
	char unreadable[VFH_DOMAIN_MAX + 1];
	int unreadable_err;
};

/* Reads every journal but `self`'s (NULL: all).  A journal that cannot be
 * read is named in l->unreadable with its error; the others are still
 * read.  -errno only when the journals cannot be listed. */
int eng_ledger_load(struct vfh_ctx *ctx, const char *self, struct ledger *l);
/* The domain holding an exclusive claim (type, key), or NULL. */
const char *eng_ledger_holder(const struct ledger *l, const char *type, const char *key);
/* The sum of the counted claims (type, key) over every domain. */
uint64_t eng_ledger_sum(const struct ledger *l, const char *type, const char *key);
void eng_ledger_free(struct ledger *l);

/* --------------------------------------------------------------- lock -- */

/* Serialises hooks of every domain: flock on RUN/vfiohook/lock, waiting
 * at most LOCK_WAIT_S seconds.  Returns an fd, or -errno with e set. */
#define LOCK_WAIT_S 120
int eng_lock(struct vfh_ctx *ctx, struct eng_err *e);
void eng_unlock(int fd);

/* ---------------------------------------------------------------- run -- */


/* Fault injection for tests (compiled into the test build only), read
 * from RUN/vfiohook-test.fault, one per line:
 *   fail-at=K  kill-at=K       the Kth step of prepare (1-based) fails /
 *                              SIGKILL once it is done
 *   fail-apply=KIND  kill-after=KIND  the first step of that kind
 *   fail-undo=KIND             undoing every step of that kind fails
 * The fault matrix (tests/unit/test-faults.c) generates these from
 * eng_step_kinds[]. */
struct faults {
	int fail_at;		/* 1-based step index, 0 = none */
	int kill_at;
	char fail_apply[32], kill_after[32], fail_undo[32];	/* kind names */
};
void eng_faults_load(struct vfh_ctx *ctx, struct faults *f);

int eng_run_prepare(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		const struct domain_xml *dom, struct eng_err *res);
/* Undoes what belongs to `stopped` (resets while on vfio-pci). */
int eng_run_stopped(struct vfh_ctx *ctx, const char *domain, struct eng_err *res);
/* Undoes the whole journal and removes it; no journal: nothing to do. */
int eng_run_release(struct vfh_ctx *ctx, const char *domain, struct eng_err *res);
/* Checks a running domain's journal; never changes anything. */
int eng_run_reconnect(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		  struct eng_err *res);

/* ---------------------------------------------------------------- log -- */

/* The journal (structured fields, see log.c) when journald's socket is in
 * the run root, else syslog, with ident "vfiohook"; the library's log goes
 * there too. */
void eng_log_open(struct vfh_ctx *ctx);
/* The domain and phase every following line carries (VFIOHOOK_DOMAIN=,
 * VFIOHOOK_PHASE=); NULL or "" leaves the field out. */
void eng_log_context(const char *domain, const char *phase);
/* true when eng_log_open() found journald */
bool eng_log_journald(void);
void eng_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A step's line: STEP=step (1-based, 0: none) and DURATION_MS=ms (< 0: none). */
void eng_log_step(int prio, size_t step, double ms, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
double eng_now_ms(void);

#endif
