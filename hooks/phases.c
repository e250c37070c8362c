// SPDX-License-Identifier: LGPL-2.1-or-later
/* The phases: prepare applies the plan step by step, journaling each before
 * it happens and undoing everything on the first failure; stopped and
 * release replay the journal backwards; reconnect only looks. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "engine.h"

void eng_faults_load(struct vfh_ctx *ctx, struct faults *f)
{
	memset(f, 0, sizeof(*f));
#ifdef VFH_TEST_BUILD
	char path[512], buf[64];
	FILE *fp;

	if (vfh_ctx_path(ctx, VFH_ROOT_RUN, path, sizeof(path), "vfiohook-test.fault") < 0)
		return;
	fp = fopen(path, "re");
	if (!fp)
		return;
	while (fgets(buf, sizeof(buf), fp)) {
		sscanf(buf, "fail-at=%d", &f->fail_at);
		sscanf(buf, "kill-at=%d", &f->kill_at);
	}
	fclose(fp);
	eng_log(LOG_WARNING, "test build: fault injection fail-at=%d kill-at=%d", f->fail_at,
		 f->kill_at);
#else
	(void)ctx;
#endif
}

/* Undoes the journal's pending entries from the end.  With only_stopped,
 * stops at the first entry that does not belong to `stopped`.  Returns 0,
 * or the first error with its description in `failed`. */
static int replay(struct vfh_ctx *ctx, struct journal *j, const char *phase, bool only_stopped,
		  char *failed, size_t flen)
{
	int first = 0;

	for (size_t i = j->n; i-- > 0;) {
		struct journal_entry *e = &j->e[i];
		char desc[256];
		double t0;
		int r;

		if (!e->begun || e->undone)
			continue;
		if (only_stopped && !eng_step_undo_at_stopped(&e->step))
			break;
		eng_step_describe(&e->step, desc, sizeof(desc));
		t0 = eng_now_ms();
		vfh_ctx_clear_error(ctx);
		r = eng_step_undo(ctx, &e->step);
		if (r < 0 && eng_step_undo_best_effort(&e->step)) {
			eng_log(LOG_ERR, "%s %s: %s failed: %s; the device is given back "
				 "anyway and may need a reboot to work", j->domain, phase, desc,
				 eng_why(ctx, r));
			r = eng_journal_undone(j, i);
			if (r == 0)
				continue;
		}
		if (r == 0)
			r = eng_journal_undone(j, i);
		if (r < 0) {
			eng_log(LOG_ERR, "%s %s: undo step %zu (%s) failed after %.1f ms: %s", j->domain,
				 phase, i + 1, desc, eng_now_ms() - t0, eng_why(ctx, r));
			if (!first) {
				first = r;
				snprintf(failed, flen, "undoing step %zu (%s) failed: %s", i + 1, desc,
					 eng_why(ctx, r));
			}
			continue;
		}
		eng_log(LOG_INFO, "%s %s: undo step %zu (%s): done in %.1f ms", j->domain, phase,
			 i + 1, desc, eng_now_ms() - t0);
	}
	return first;
}

/* Leaves no journal behind once nothing is pending. */
static int finish(struct journal *j)
{
	int r = 0;

	if (eng_journal_pending(j) == 0)
		r = eng_journal_remove(j);
	eng_journal_close(j);
	return r;
}

/* Clears res and takes the lock every phase that changes something holds. */
static int lock_for(struct vfh_ctx *ctx, const char *domain, struct eng_err *res)
{
	char err[512];
	int lock;

	memset(res, 0, sizeof(*res));
	lock = eng_lock(ctx, err, sizeof(err));
	if (lock < 0)
		eng_fail(res, lock, "%s: %s", domain, err);
	return lock;
}

int eng_run_prepare(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		const struct domain_xml *dom, struct eng_err *res)
{
	struct plan plan;
	struct journal j;
	struct faults faults;
	char err[1024];
	double start = eng_now_ms();
	int lock, r;

	lock = lock_for(ctx, domain, res);
	if (lock < 0)
		return lock;
	/* a journal left by an earlier start that never released (the host
	 * was not rebooted in between): put that back before anything else */
	r = eng_journal_open(ctx, domain, true, &j);
	if (r == 0) {
		eng_log(LOG_WARNING, "%s prepare: a journal from an earlier start is still there; "
			 "undoing it first", domain);
		r = replay(ctx, &j, "prepare", false, err, sizeof(err));
		if (r == 0)
			r = finish(&j);
		else
			eng_journal_close(&j);
		if (r < 0) {
			eng_fail(res, r, "%s: the journal of an earlier start could not be undone (%s); fix "
			    "that, then run 'vfiohook recover %s'", domain, err, domain);
			goto out;
		}
	} else if (r != -ENOENT) {
		eng_fail(res, r, "%s: cannot read its journal in /run/vfiohook/%s (%s); inspect it, "
		    "then run 'vfiohook recover %s'", domain, domain, strerror(-r), domain);
		goto out;
	}

	r = eng_plan_build(ctx, domain, cfg, dom, &plan, err, sizeof(err));
	if (r < 0) {
		eng_fail(res, r, "%s: %s", domain, err);
		goto out;
	}
	if (plan.n == 0) {
		eng_log(LOG_INFO, "%s prepare: nothing to do", domain);
		eng_plan_free(&plan);
		goto out;
	}
	r = eng_journal_create(ctx, domain, &j);
	if (r < 0) {
		eng_fail(res, r, "%s: cannot create its journal in /run/vfiohook: %s", domain,
		    strerror(-r));
		eng_plan_free(&plan);
		goto out;
	}
	eng_faults_load(ctx, &faults);
	for (size_t i = 0; i < plan.n; i++) {
		struct step *s = &plan.steps[i];
		char desc[256];
		double t0 = eng_now_ms();

		vfh_ctx_clear_error(ctx);
		r = eng_step_capture(ctx, s);
		if (r == 0)
			r = eng_journal_begin(&j, s);
		eng_step_describe(s, desc, sizeof(desc));
		if (r == 0) {
			if (faults.fail_at == (int)i + 1) {
				r = -EIO;
				snprintf(err, sizeof(err), "injected failure (test build)");
			} else {
				r = eng_step_apply(ctx, s);
				snprintf(err, sizeof(err), "%s", eng_why(ctx, r));
			}
		} else {
			snprintf(err, sizeof(err), "%s", eng_why(ctx, r));
		}
		if (r == 0)
			r = eng_journal_done(&j, j.n - 1);
		if (r < 0) {
			char undo[512] = "";
			int u;

			eng_log(LOG_ERR, "%s prepare: step %zu/%zu (%s) failed after %.1f ms: %s", domain,
				 i + 1, plan.n, desc, eng_now_ms() - t0, err);
			u = replay(ctx, &j, "prepare", false, undo, sizeof(undo));
			if (u == 0)
				u = finish(&j);
			else
				eng_journal_close(&j);
			if (u == 0)
				eng_fail(res, r, "%s: step %zu of %zu (%s) failed: %s; the host was put back as "
				    "it was", domain, i + 1, plan.n, desc, err);
			else
				eng_fail(res, r, "%s: step %zu of %zu (%s) failed: %s; and %s: run 'vfiohook "
				    "recover %s' once fixed", domain, i + 1, plan.n, desc, err, undo,
				    domain);
			eng_plan_free(&plan);
			goto out;
		}
		eng_log(LOG_INFO, "%s prepare: step %zu/%zu %s: done in %.1f ms", domain, i + 1,
			 plan.n, desc, eng_now_ms() - t0);
		if (faults.kill_at == (int)i + 1) {
			eng_log(LOG_WARNING, "%s prepare: test build: SIGKILL after step %zu", domain,
				 i + 1);
			raise(SIGKILL);
		}
	}
	r = eng_journal_prepared(&j);
	eng_journal_close(&j);
	if (r < 0)
		eng_fail(res, r, "%s: cannot write its journal: %s", domain, strerror(-r));
	else
		eng_log(LOG_INFO, "%s prepare: %zu steps in %.1f ms", domain, plan.n,
			 eng_now_ms() - start);
	eng_plan_free(&plan);
out:
	eng_unlock(lock);
	return res->err;
}

static int replay_phase(struct vfh_ctx *ctx, const char *domain, const char *phase,
			bool only_stopped, struct eng_err *res)
{
	struct journal j;
	char err[1024] = "";
	int lock, r;

	lock = lock_for(ctx, domain, res);
	if (lock < 0)
		return lock;
	r = eng_journal_open(ctx, domain, true, &j);
	if (r == -ENOENT) {
		/* a second release, a release after a failed prepare that was
		 * rolled back, a domain started before vfiohook: nothing of ours */
		eng_log(LOG_DEBUG, "%s %s: no journal, nothing to undo", domain, phase);
		eng_unlock(lock);
		return 0;
	}
	if (r < 0) {
		eng_fail(res, r, "%s: its journal in /run/vfiohook/%s cannot be read (%s); the devices "
		    "may still be on vfio-pci: inspect it, fix or remove it, then run 'vfiohook "
		    "recover %s'", domain, domain, strerror(-r), domain);
		eng_unlock(lock);
		return r;
	}
	r = replay(ctx, &j, phase, only_stopped, err, sizeof(err));
	if (!only_stopped) {
		int f = finish(&j);

		if (r == 0 && f < 0)
			snprintf(err, sizeof(err), "removing the journal failed: %s", strerror(-f));
		if (r == 0)
			r = f;
	} else {
		eng_journal_close(&j);
	}
	if (r < 0)
		eng_fail(res, r, "%s: %s: %s; what is left is kept in /run/vfiohook/%s: run 'vfiohook "
		    "recover %s' once fixed", domain, phase, err, domain, domain);
	else
		eng_log(LOG_INFO, "%s %s: done", domain, phase);
	eng_unlock(lock);
	return r;
}

int eng_run_stopped(struct vfh_ctx *ctx, const char *domain, struct eng_err *res)
{
	return replay_phase(ctx, domain, "stopped", true, res);
}

int eng_run_release(struct vfh_ctx *ctx, const char *domain, struct eng_err *res)
{
	return replay_phase(ctx, domain, "release", false, res);
}

int eng_run_reconnect(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		  struct eng_err *res)
{
	struct journal j;
	int r;

	memset(res, 0, sizeof(*res));
	r = eng_journal_open(ctx, domain, false, &j);
	if (r == -ENOENT) {
		if (cfg && (cfg->n_listed || cfg->from_xml || cfg->single_gpu))
			eng_log(LOG_WARNING, "%s reconnect: running without a vfiohook journal (started "
				 "before vfiohook was installed, or /run was cleared); nothing will be "
				 "put back when it stops", domain);
		return 0;
	}
	if (r < 0) {
		eng_log(LOG_WARNING, "%s reconnect: its journal cannot be read (%s)", domain,
			 strerror(-r));
		return 0;
	}
	if (!j.prepared)
		eng_log(LOG_WARNING, "%s reconnect: its journal says prepare never finished", domain);
	for (size_t i = 0; i < j.n; i++) {
		const struct step *s = &j.e[i].step;
		struct vfh_pci_addr a;
		struct vfh_pci_binding now;

		if (s->kind != STEP_PCI_BIND || j.e[i].undone || vfh_pci_addr_parse(s->what, &a) < 0)
			continue;
		if (vfh_pci_binding_read(ctx, &a, &now) < 0 || strcmp(now.driver, s->target) != 0)
			eng_log(LOG_WARNING, "%s reconnect: %s is on %s, the journal says %s", domain,
				 s->what, *now.driver ? now.driver : "no driver", s->target);
	}
	eng_journal_close(&j);
	eng_log(LOG_INFO, "%s reconnect: journal consistent, nothing changed", domain);
	return 0;
}
