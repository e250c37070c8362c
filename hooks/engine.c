// SPDX-License-Identifier: LGPL-2.1-or-later
/* The engine's entry point, loaded by the hook's front only for a domain
 * that has an INI file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine.h"

int vfh_hook_main(int argc, char **argv, const char *xml, size_t xml_len)
	__attribute__((visibility("default")));

/* One line on stderr: libvirt appends it to the error virsh shows. */
static int fail(const struct eng_err *res)
{
	fprintf(stderr, "vfiohook: %s\n", res->msg);
	eng_log(LOG_ERR, "%s", res->msg);
	return 1;
}

/* Each phase with what it needs: stopped and release follow the journal,
 * never the INI file (an INI edited or broken while the VM ran must not
 * keep the devices away); prepare and reconnect read it. */
static int phase_prepare(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
			 const char *xml, size_t len, struct eng_err *res)
{
	struct domain_xml dom = { 0 };
	struct eng_err xe = { 0 };
	bool have_dom;
	int r;

	if (cfg->wait_ms)
		vfh_ctx_set_wait_ms(ctx, cfg->wait_ms);
	if (cfg->write_ms)
		vfh_ctx_set_write_ms(ctx, cfg->write_ms);
	/* passthrough = auto needs it; an explicit list is checked against
	 * the domain's hostdevs when it is there */
	have_dom = cfg->from_xml || (xml && len > 0);
	r = have_dom ? eng_domxml_parse(xml, len, &dom, &xe) : 0;
	if (r < 0)
		eng_fail(res, r, "%s: %s", domain, xe.msg);
	else
		r = eng_run_prepare(ctx, domain, cfg, have_dom ? &dom : NULL, res);
	eng_domxml_free(&dom);
	return r;
}

static int phase_stopped(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
			 const char *xml, size_t len, struct eng_err *res)
{
	return eng_run_stopped(ctx, domain, res);
}

static int phase_release(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
			 const char *xml, size_t len, struct eng_err *res)
{
	return eng_run_release(ctx, domain, res);
}

/* a failing reconnect makes libvirt kill the running VM: it only looks,
 * and never fails */
static int phase_reconnect(struct vfh_ctx *ctx, const char *domain,
			   const struct hook_config *cfg, const char *xml, size_t len,
			   struct eng_err *res)
{
	eng_run_reconnect(ctx, domain, cfg, res);
	return 0;
}

typedef int (*phase_fn)(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
			const char *xml, size_t len, struct eng_err *res);

static const phase_fn phases[ENG_PHASE__COUNT] = {
	[ENG_PREPARE] = phase_prepare,
	[ENG_STOPPED] = phase_stopped,
	[ENG_RELEASE] = phase_release,
	[ENG_RECONNECT] = phase_reconnect,
};

int vfh_hook_main(int argc, char **argv, const char *xml, size_t xml_len)
{
	const char *domain = argv[1];
	const struct eng_op *op = argc >= 3 ? eng_op_find(argv[2]) : NULL;
	struct eng_err res = { 0 };
	struct hook_config cfg;
	bool have_cfg = false;
	struct vfh_ctx *ctx;
	int r, rc = 0;

	if (!op || !eng_domain_ok(domain))
		return 0;
	ctx = vfh_ctx_new();
	if (!ctx) {
		fprintf(stderr, "vfiohook: %s: out of memory\n", domain);
		return 1;
	}
#ifdef VFH_TEST_BUILD
	{
		const char *root = secure_getenv("VFIOHOOK_ROOT");

		if (root && *root && vfh_ctx_set_prefix(ctx, root) < 0) {
			fprintf(stderr, "vfiohook: bad VFIOHOOK_ROOT\n");
			vfh_ctx_unref(ctx);
			return 1;
		}
	}
#endif
	eng_log_open(ctx);
	eng_log_context(domain, op->name);

	if (op->reads_ini) {
		struct eng_err ce;

		r = eng_config_load(ctx, domain, &cfg, &ce);
		have_cfg = r == 0;
		if (r < 0 && op->phase == ENG_PREPARE) {
			if (r != -ENOENT) {	/* -ENOENT: removed since the front looked */
				res = ce;
				rc = fail(&res);
			}
			goto out;
		}
	}
	if (phases[op->phase](ctx, domain, have_cfg ? &cfg : NULL, xml, xml_len, &res) < 0)
		rc = fail(&res);
	if (have_cfg)
		eng_config_free(&cfg);
out:
	vfh_ctx_unref(ctx);
	closelog();
	return rc;
}
