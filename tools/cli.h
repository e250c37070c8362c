/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The vfiohook command: its table of commands, the options they take,
 * and the report every reporting command builds as data (struct onode)
 * before a human or a JSON formatter prints it. */
#ifndef VFH_CLI_H
#define VFH_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "vfiohook.h"

/* Exit statuses (vfiohook(8)). */
enum { EXIT_OK = 0, EXIT_FINDING = 1, EXIT_USAGE = 2 };

/* The schema version of every --json document ("schema" member). */
#define CLI_JSON_SCHEMA 1

extern const char *prog;

/* ------------------------------------------------------------ options -- */

/* Every option any command takes; a command lists the ones it takes. */
enum opt_id {
	OPT_NONE = 0,
	OPT_SLOT = 256,
	OPT_METHOD,
	OPT_SECONDS,
	OPT_ATTEMPTS,
	OPT_XML,
	OPT_CONNECT,
	OPT_WAIT,
	OPT_RES,
};

struct opt_spec {
	enum opt_id id;
	const char *name;	/* long name, without "--" */
	const char *arg;	/* its argument's name, NULL for a flag */
	const char *help;	/* one line */
};

struct opts {
	/* global */
	const char *root;
	int verbose;
	bool json;
	bool color;		/* stdout is a terminal and NO_COLOR is unset */
	unsigned int wait_ms;
	/* per command */
	bool slot;
	const char *method;
	unsigned int seconds, attempts;
	const char *xml;
	const char *connect;	/* libvirt URI */
	unsigned int res_w, res_h;	/* --resolution WxH */
};

/* What a command's positional arguments are (for help and completion). */
enum arg_kind { ARG_NONE, ARG_ADDR, ARG_DOMAIN, ARG_DRIVER, ARG_JOURNAL };

struct command {
	const char *name;
	const char *args;		/* "ADDR DRIVER [OVERRIDE]" */
	int min_args, max_args;
	enum arg_kind kinds[3];		/* of each positional argument */
	int (*run)(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
	const char *help;		/* one line */
	const enum opt_id *opts;	/* the options it takes, 0-terminated */
	bool reports;			/* takes --json */
};

extern const struct command cli_commands[];
extern const size_t cli_n_commands;
extern const struct opt_spec cli_opt_specs[];

/* ----------------------------------------------------------- messages -- */

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* exit 2 with "Try 'vfiohook [CMD] --help'." */
void die_usage(const char *cmd, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void die_lib(struct vfh_ctx *ctx, int err, const char *what) __attribute__((noreturn));
/* the library's log on stderr (errors excepted: die_lib() prints them) */
void log_stderr(void *data, int prio, const char *file, int line, const char *fn,
		const char *fmt, va_list args) __attribute__((format(printf, 6, 0)));
struct vfh_pci_addr addr_arg(const char *cmd, const char *s);
void domain_arg(const char *name);

/* ------------------------------------------------------------- report -- */

enum otype { O_OBJ, O_ARR, O_STR, O_INT, O_BOOL, O_NULL };

struct onode {
	enum otype t;
	char *key;		/* member name inside an object, else NULL */
	char *s;
	long long i;
	bool b;
	struct onode **kid;
	size_t n, cap;
};

/* A new document: {"schema": 1, "command": cmd}. */
struct onode *o_doc(const char *cmd);
struct onode *o_obj(struct onode *parent, const char *key);
struct onode *o_arr(struct onode *parent, const char *key);
void o_str(struct onode *parent, const char *key, const char *val);	/* NULL: null */
void o_strf(struct onode *parent, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void o_int(struct onode *parent, const char *key, long long val);
void o_bool(struct onode *parent, const char *key, bool val);
void o_null(struct onode *parent, const char *key);
void o_free(struct onode *n);

/* Reading a document back (for the human formatters). */
const struct onode *o_get(const struct onode *obj, const char *key);
const char *o_gets(const struct onode *obj, const char *key);	/* "" when absent/null */
long long o_geti(const struct onode *obj, const char *key);	/* -1 when absent/null */
bool o_getb(const struct onode *obj, const char *key);

void o_print_json(FILE *f, const struct onode *n);

/* Prints doc with `human` or as JSON (--json), then frees it. */
void o_emit(struct onode *doc, const struct opts *o,
	    void (*human)(const struct onode *doc, const struct opts *o));

/* ANSI colour for a verdict word ("ok", "warn", "fail") when o->color. */
const char *c_on(const struct opts *o, const char *verdict);
const char *c_off(const struct opts *o);
/* Copies s into buf, cut to width columns with "..." when longer. */
const char *fit(const char *s, size_t width, char *buf, size_t len);
#define COLS 80
/* text after head, wrapped to COLS, continuation lines indented as far */
void print_wrapped(const char *head, const char *text);
/* head, then text wrapped to COLS, continuation lines indented by 2 (a
 * head as long as a domain name) */
void print_hanging(const char *head, const char *text);
/* the same as print_wrapped, the cursor already at column indent */
void wrap_at(size_t indent, const char *text);

/* ----------------------------------------------------------- commands -- */

int cmd_list(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_show(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_group(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_groups(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_bind(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_restore(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_unbind(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_remove_rescan(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_reset(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_plan(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_check(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_status(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);
int cmd_recover(struct vfh_ctx *ctx, int argc, char **argv, const struct opts *o);

bool cli_iommu_on(struct vfh_ctx *ctx);
#define IOMMU_OFF_FIX "turn on VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware, add " \
	"intel_iommu=on (Intel; AMD's IOMMU is on by default, amd_iommu=on does no harm) " \
	"to the kernel command line, and reboot"

/* The host doctor (check without a domain): its findings into doc's
 * "findings" array; returns how many failed. */
int doctor_run(struct vfh_ctx *ctx, struct onode *doc);
/* Adds one finding {"verdict", "what", "detail", "fix"} to arr. */
void finding(struct onode *arr, const char *verdict, const char *what, const char *fix,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The domain XML: from --xml FILE, else from libvirt (read-only
 * connection, --connect URI or libvirt's default).  Returns a malloc'ed
 * buffer (NUL-terminated) and its length; dies with one line. */
char *domain_xml_fetch(const char *domain, const struct opts *o, size_t *len);
/* Advice on the domain XML: findings with the XML to add into arr. */
void xml_advice(struct vfh_ctx *ctx, const char *xml, size_t len, const struct domain_xml *dom,
		const struct hook_config *hc, const struct opts *o, struct onode *arr);
/* Advice on the plan against the host as it is now (hugepages against
 * free memory): warnings into arr. */
void plan_advice(struct vfh_ctx *ctx, const struct plan *plan, struct onode *arr);

#endif
