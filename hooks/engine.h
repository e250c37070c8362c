/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's engine: per-domain INI, domain XML, the plan of reversible
 * steps and its journal.  Shared by the hook (hooks/) and the CLI (tools/);
 * not installed. */
#ifndef VFH_ENGINE_H
#define VFH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "vfiohook.h"

#define VFH_CONF_DIR "libvirt/hooks/vfiohook"	/* below the etc root */
#define VFH_RUN_DIR "vfiohook"			/* below the run root */
#define VFH_DOMAIN_MAX 200
#define VFH_ENGINE_SYMBOL "vfh_hook_main"

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

struct hook_config {
	char path[512];
	/* [devices] */
	bool from_xml;			/* passthrough includes "auto" */
	struct vfh_pci_addr *listed;	/* explicit addresses */
	int *listed_line;
	size_t n_listed;
	char driver[VFH_NAME_MAX];	/* default vfio-pci */
	bool take_group;		/* default yes */
	bool take_companions;		/* default yes */
	struct dev_conf defaults;	/* reset, reset_at, suspend_* */
	unsigned int wait_ms;		/* 0 = library default */
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
};

/* Loads DOMAIN's INI file below the context's etc root.  Returns 0, -ENOENT
 * when there is none (the domain is not managed), or another -errno with
 * one line in err: "PATH:LINE: what is wrong" or "PATH: why it is refused"
 * (not root-owned, group/world-writable, not a regular file). */
int eng_config_load(struct vfh_ctx *ctx, const char *domain, struct hook_config *cfg,
		char *err, size_t errlen);
/* Parses an already opened file (for tests and `vfiohook check FILE`). */
int eng_config_parse(FILE *f, const char *path, struct hook_config *cfg, char *err,
		 size_t errlen);
void eng_config_free(struct hook_config *cfg);
/* The effective settings of one device. */
void eng_config_device(const struct hook_config *cfg, const struct vfh_pci_addr *a,
		   struct dev_conf *out);

/* ------------------------------------------------------------ domxml -- */

struct hostdev {
	struct vfh_pci_addr addr;
	bool managed;
};

struct domain_xml {
	char name[256];
	struct hostdev *hostdevs;
	size_t n_hostdevs;
};

/* Parses the domain XML libvirt writes on the hook's stdin (no network,
 * no entities, no DTD).  -EINVAL with a line in err. */
int eng_domxml_parse(const char *buf, size_t len, struct domain_xml *dom, char *err,
		 size_t errlen);
void eng_domxml_free(struct domain_xml *dom);

/* -------------------------------------------------------------- steps -- */

enum step_kind {
	STEP_UNIT_STOP,		/* systemd unit stopped; undo: started */
	STEP_VTCON_UNBIND,	/* framebuffer console unbound; undo: bound */
	STEP_FB_UNBIND,		/* firmware framebuffer unbound; undo: bound */
	STEP_PCI_BIND,		/* device moved to a driver; undo: original back */
	STEP_MODULE_UNLOAD,	/* module unloaded; undo: loaded */
	STEP_RESET,		/* device reset, at prepare and/or before release */
	STEP__COUNT
};

struct step {
	enum step_kind kind;
	char what[128];		/* unit, "vtcon1", "efi-framebuffer.0", address,
				   module */
	char target[VFH_NAME_MAX]; /* driver to bind / platform driver */
	/* STEP_RESET */
	int reset;		/* RESET_AUTO, RESET_SUSPEND */
	int reset_at;		/* RESET_AT_* mask */
	unsigned int seconds, attempts;
	/* the state before apply, captured and journaled first */
	bool captured;
	bool was_on;		/* unit active, vtcon bound, fb bound, module loaded */
	struct vfh_pci_binding prior;
};

const char *eng_step_kind_name(enum step_kind k);
int eng_step_kind_parse(const char *s);
/* "bind 0000:01:00.0 to vfio-pci (was bochs-drm)" */
void eng_step_describe(const struct step *s, char *buf, size_t len);
/* Reads the prior state the undo will need. */
int eng_step_capture(struct vfh_ctx *ctx, struct step *s);
int eng_step_apply(struct vfh_ctx *ctx, struct step *s);
/* Puts back the captured state; safe on a step that was only partly
 * applied, or not at all. */
int eng_step_undo(struct vfh_ctx *ctx, const struct step *s);
/* Whether undo belongs to the `stopped` phase (devices still on vfio-pci). */
bool eng_step_undo_at_stopped(const struct step *s);
/* Whether a failed undo is logged and counted as done (not retried). */
bool eng_step_undo_best_effort(const struct step *s);

/* --------------------------------------------------------------- plan -- */

struct plan {
	struct step *steps;
	size_t n;
};

/* Builds prepare's plan from the INI and the domain XML (dom may be NULL
 * when the INI lists every device), checking the host: devices present,
 * IOMMU on, groups viable once taken, nothing the host needs, the boot
 * display only with [single-gpu], nothing held by another domain's
 * journal.  -errno with one line in err that says what to do. */
int eng_plan_build(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
	       const struct domain_xml *dom, struct plan *plan, char *err, size_t errlen);
void eng_plan_free(struct plan *plan);

/* ------------------------------------------------------------ journal -- */

/* A journal: the steps a prepare took, each with its prior state, written
 * (and fsync'ed) before the step is applied; the source of truth for
 * stopped, release and recovery after a crash. */
struct journal_entry {
	struct step step;
	bool begun;		/* intent recorded: maybe applied */
	bool done;		/* applied */
	bool undone;		/* put back */
};

struct journal {
	char domain[VFH_DOMAIN_MAX + 1];
	char dir[512];
	int fd;			/* open for appending, -1 when read-only */
	bool prepared;		/* prepare completed */
	struct journal_entry *e;
	size_t n;
};

/* Creates DOMAIN's journal (its directory mode 0700 below RUN/vfiohook),
 * replacing nothing: -EEXIST if one is there. */
int eng_journal_create(struct vfh_ctx *ctx, const char *domain, struct journal *j);
/* Opens an existing journal for replay (appending undo records).
 * -ENOENT when there is none. */
int eng_journal_open(struct vfh_ctx *ctx, const char *domain, bool writable,
		 struct journal *j);
/* Records, each fsync'ed before returning. */
int eng_journal_begin(struct journal *j, const struct step *s);	/* new entry */
int eng_journal_done(struct journal *j, size_t idx);
int eng_journal_undone(struct journal *j, size_t idx);
int eng_journal_prepared(struct journal *j);
/* Removes the journal once nothing in it is left to undo. */
int eng_journal_remove(struct journal *j);
void eng_journal_close(struct journal *j);
/* Entries still to undo (begun and not undone). */
size_t eng_journal_pending(const struct journal *j);

/* Every domain that has a journal: names in one allocation, free(). */
int eng_journal_list(struct vfh_ctx *ctx, char ***domains, size_t *n);
/* The domain (other than `self`) whose journal still holds addr bound
 * away from the host; "" when none.  A journal that cannot be read may
 * hold anything: its domain is named and its error returned. */
int eng_journal_holder(struct vfh_ctx *ctx, const char *self, const struct vfh_pci_addr *addr,
		   char *domain, size_t len);

/* --------------------------------------------------------------- lock -- */

/* Serialises hooks of every domain: flock on RUN/vfiohook/lock, waiting
 * at most LOCK_WAIT_S seconds.  Returns an fd, or -errno. */
#define LOCK_WAIT_S 120
int eng_lock(struct vfh_ctx *ctx, char *err, size_t errlen);
void eng_unlock(int fd);

/* ---------------------------------------------------------------- run -- */


/* Hooks for tests (compiled into the test build only): fail or SIGKILL at
 * step K, read from RUN/vfiohook-test.fault ("fail-at=K" / "kill-at=K"). */
struct faults {
	int fail_at;		/* 1-based step index, 0 = none */
	int kill_at;
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

/* syslog with ident "vfiohook"; the library's log goes there too. */
void eng_log_open(struct vfh_ctx *ctx);
void eng_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double eng_now_ms(void);

#endif
