// SPDX-License-Identifier: LGPL-2.1-or-later
/* The per-domain INI file (hooks/config.c): the input is the file's
 * bytes, given to eng_config_parse() as eng_config_load() gives it the
 * file once its owner and mode are checked.  A file it takes holds only
 * values the tables allow; a file it refuses is refused with
 * "PATH:LINE: ..." or "PATH: ...". */
#include <errno.h>
#include <vfiohook.h>

#include "engine.h"
#include "fuzz.h"

#define PATH "/etc/libvirt/hooks/vfiohook/fuzz.ini"

static void check(const struct hook_config *cfg)
{
	struct vfh_cpuset cpus;
	struct dev_conf d;
	char buf[1024];

	for (size_t i = 0; i < cfg->n_listed; i++) {
		FUZZ_ASSERT(cfg->listed[i].slot <= 0x1f && cfg->listed[i].func <= 7, "listed %zu", i);
		FUZZ_ASSERT(cfg->listed_line[i] > 0, "listed %zu without a line", i);
		eng_config_device(cfg, &cfg->listed[i], &d);
		FUZZ_ASSERT(d.driver[0] && memchr(d.driver, '\0', sizeof(d.driver)), "driver");
		FUZZ_ASSERT(d.suspend_seconds >= 1 && d.suspend_seconds <= 60 &&
			    d.suspend_attempts >= 1 && d.suspend_attempts <= 10, "suspend bounds");
	}
	for (size_t i = 0; i < cfg->n_units; i++)
		FUZZ_ASSERT(strlen(cfg->stop_units[i]) < 128 && strchr(cfg->stop_units[i], '.'),
			    "unit '%s'", cfg->stop_units[i]);
	for (size_t i = 0; i < cfg->n_modules; i++)
		FUZZ_ASSERT(strlen(cfg->unload_modules[i]) < 56, "module '%s'", cfg->unload_modules[i]);
	FUZZ_ASSERT(cfg->wait_ms >= 100 && cfg->wait_ms <= 600000, "wait_ms %u", cfg->wait_ms);
	FUZZ_ASSERT(cfg->hugepage_attempts >= 1 && cfg->hugepage_attempts <= 10, "attempts");
	FUZZ_ASSERT(cfg->lg_mode <= 0777, "mode %o", cfg->lg_mode);
	if (cfg->isolate == ISOLATE_LIST)
		FUZZ_ASSERT(vfh_cpuset_parse_list(cfg->isolate_cpus, 0, &cpus) == 0, "isolate '%s'",
			    cfg->isolate_cpus);
	eng_config_why_idle(cfg, NULL, buf, sizeof(buf));
	FUZZ_ASSERT(strstr(buf, PATH), "why idle: %s", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hook_config cfg;
	struct eng_err e = { 0 };
	FILE *f;
	int r;

	/* fmemopen() wants a buffer of at least one byte */
	f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
	FUZZ_ASSERT(f, "fmemopen: %s", strerror(errno));
	r = eng_config_parse(f, PATH, &cfg, &e);
	fclose(f);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM, "%d", r);
		FUZZ_ASSERT(strncmp(e.msg, PATH ":", strlen(PATH) + 1) == 0, "message '%s'", e.msg);
		FUZZ_ASSERT(strchr(e.msg, '\n') == NULL, "a message of more than one line: '%s'",
			    e.msg);
		return 0;
	}
	check(&cfg);
	eng_config_free(&cfg);
	return 0;
}
