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

int vfh_hook_main(int argc, char **argv, const char *xml, size_t xml_len)
{
	const char *domain = argv[1], *op = argv[2];
	struct eng_err res = { 0 };
	struct hook_config cfg;
	struct vfh_ctx *ctx;
	char err[900];
	int r, rc = 0;

	if (argc < 3 || !eng_domain_ok(domain))
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

	/* stopped and release follow the journal, never the INI file: an INI
	 * edited or broken while the VM ran must not keep the devices away */
	if (strcmp(op, "stopped") == 0) {
		if (eng_run_stopped(ctx, domain, &res) < 0)
			rc = fail(&res);
		goto out;
	}
	if (strcmp(op, "release") == 0) {
		if (eng_run_release(ctx, domain, &res) < 0)
			rc = fail(&res);
		goto out;
	}
	if (strcmp(op, "prepare") != 0 && strcmp(op, "reconnect") != 0)
		goto out;

	r = eng_config_load(ctx, domain, &cfg, err, sizeof(err));
	if (strcmp(op, "reconnect") == 0) {
		/* a failing reconnect makes libvirt kill the running VM: only look */
		eng_run_reconnect(ctx, domain, r == 0 ? &cfg : NULL, &res);
		if (r == 0)
			eng_config_free(&cfg);
		goto out;
	}
	if (r == -ENOENT)
		goto out;	/* removed since the front looked */
	if (r < 0) {
		snprintf(res.msg, sizeof(res.msg), "%s", err);
		rc = fail(&res);
		goto out;
	}
	if (cfg.wait_ms)
		vfh_ctx_set_wait_ms(ctx, cfg.wait_ms);
	{
		struct domain_xml dom = { 0 };

		r = cfg.from_xml ? eng_domxml_parse(xml, xml_len, &dom, err, sizeof(err)) : 0;
		if (r < 0) {
			snprintf(res.msg, sizeof(res.msg), "%s: %s", domain, err);
			rc = fail(&res);
		} else if (eng_run_prepare(ctx, domain, &cfg, cfg.from_xml ? &dom : NULL, &res) < 0) {
			rc = fail(&res);
		}
		eng_domxml_free(&dom);
	}
	eng_config_free(&cfg);
out:
	vfh_ctx_unref(ctx);
	closelog();
	return rc;
}
