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
	char path[512], buf[96];
	FILE *fp;

	if (vfh_ctx_path(ctx, VFH_ROOT_RUN, path, sizeof(path), "vfiohook-test.fault") < 0)
		return;
	fp = fopen(path, "re");
	if (!fp)
		return;
	while (fgets(buf, sizeof(buf), fp)) {
		sscanf(buf, "fail-at=%d", &f->fail_at);
		sscanf(buf, "kill-at=%d", &f->kill_at);
		sscanf(buf, "fail-apply=%31s", f->fail_apply);
		sscanf(buf, "kill-after=%31s", f->kill_after);
		sscanf(buf, "fail-undo=%31s", f->fail_undo);
	}
	fclose(fp);
	eng_log(LOG_WARNING, "test build: fault injection fail-at=%d kill-at=%d fail-apply=%s "
		"kill-after=%s fail-undo=%s", f->fail_at, f->kill_at, f->fail_apply, f->kill_after,
		f->fail_undo);
#else
	(void)ctx;
#endif
}

/* The start time (clock ticks after boot) of process pid while it lives,
 * 0 once it is gone or has ended (a zombie): a writer left in the kernel
 * by a write that did not return is known by its pid and this. */
static unsigned long long proc_start(struct vfh_ctx *ctx, int pid)
{
	char path[512], buf[1024], *p, *save;
	unsigned long long start = 0;
	size_t n;
	FILE *f;

	if (pid <= 0 || vfh_ctx_path(ctx, VFH_ROOT_PROC, path, sizeof(path), "%d/stat", pid) < 0)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name in parentheses may hold anything: count after its end */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p = strtok_r(p + 1, " ", &save);	/* field 3: the state */
	if (!p || *p == 'Z' || *p == 'X')
		return 0;
	for (int field = 4; field <= 22 && (p = strtok_r(NULL, " ", &save)); field++)
		if (field == 22)
			start = strtoull(p, NULL, 10);
	return start;
}

/* Marks the journal's step idx in doubt after a write that did not return
 * (-ETIME): records the writer left in the kernel.  0 or -errno. */
static int mark_doubt(struct vfh_ctx *ctx, struct journal *j, size_t idx)
{
	int pid = (int)vfh_ctx_stuck_writer(ctx);

	return eng_journal_doubt(j, idx, pid > 0 ? pid : 1, pid > 0 ? proc_start(ctx, pid) : 0);
}

/* A step whose write may still be in flight: 1 with its description in
 * buf, 0 when none. */
static int in_flight(struct vfh_ctx *ctx, const struct journal *j, char *buf, size_t len)
{
	for (size_t i = 0; i < j->n; i++) {
		const struct journal_entry *e = &j->e[i];
		char desc[256];

		if (!e->begun || e->undone || !e->doubt_pid || !e->doubt_start ||
		    proc_start(ctx, e->doubt_pid) != e->doubt_start)
			continue;
		eng_step_describe(&e->step, desc, sizeof(desc));
		snprintf(buf, len, "step %zu (%s) is in doubt: its write to the kernel has not "
			 "returned yet (process %d still waits in it: the driver is stuck, "
			 "journalctl -k shows the hung task); nothing was changed", i + 1, desc,
			 e->doubt_pid);
		return 1;
	}
	return 0;
}

/* Undoes the journal's pending entries that belong to `phase`, from the
 * end: release (and a rollback) undoes every one, stopped only the kinds
 * undone while the devices are still on vfio-pci, skipping the others.
 * Returns 0, or the first error with its description in `failed`. */
static int replay(struct vfh_ctx *ctx, struct journal *j, enum eng_phase phase,
		  const char *phase_name, char *failed, size_t flen)
{
	struct faults faults;
	int first = 0;

	/* undoing anything while a write is still blocked in a driver would
	 * block as well, or be undone by that write when it returns */
	if (in_flight(ctx, j, failed, flen))
		return -EBUSY;
	eng_faults_load(ctx, &faults);
	for (size_t i = j->n; i-- > 0;) {
		struct journal_entry *e = &j->e[i];
		const struct step_ops *ops = e->step.ops;
		char desc[256];
		double t0;
		int r;

		if (!e->begun || e->undone)
			continue;
		if (phase == ENG_STOPPED && ops->undo_at != ENG_STOPPED)
			continue;
		eng_step_describe(&e->step, desc, sizeof(desc));
		t0 = eng_now_ms();
		vfh_ctx_clear_error(ctx);
		if (*faults.fail_undo && strcmp(faults.fail_undo, ops->name) == 0)
			r = -EIO;	/* injected (test build) */
		else
			r = eng_step_undo(ctx, &e->step);
		if (r == -ETIME) {
			/* stuck in the kernel: every later write near it would
			 * be too; the journal keeps the rest */
			int d = mark_doubt(ctx, j, i);

			eng_log(LOG_ERR, "%s %s: undo step %zu (%s): %s", j->domain, phase_name, i + 1,
				desc, eng_why(ctx, r));
			snprintf(failed, flen, "undoing step %zu (%s): %s; the step is in doubt%s",
				 i + 1, desc, eng_why(ctx, r), d < 0 ? " (and the journal could not "
				 "say so)" : "");
			return first ? first : r;
		}
		if (r < 0 && ops->undo_best_effort) {
			eng_log(LOG_ERR, "%s %s: %s failed: %s; the device is given back "
				"anyway and may need a reboot to work", j->domain, phase_name, desc,
				eng_why(ctx, r));
			r = eng_journal_undone(j, i);
			if (r == 0)
				continue;
		}
		if (r == 0)
			r = eng_journal_undone(j, i);
		if (r < 0) {
			double ms = eng_now_ms() - t0;

			eng_log_step(LOG_ERR, i + 1, ms, "%s %s: undo step %zu (%s) failed after %.1f ms: "
				     "%s", j->domain, phase_name, i + 1, desc, ms, eng_why(ctx, r));
			if (!first) {
				first = r;
				snprintf(failed, flen, "undoing step %zu (%s) failed: %s", i + 1, desc,
					 eng_why(ctx, r));
			}
			continue;
		}
		double ms = eng_now_ms() - t0;

		eng_log_step(LOG_INFO, i + 1, ms, "%s %s: undo step %zu (%s): done in %.1f ms",
			     j->domain, phase_name, i + 1, desc, ms);
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
	int lock;

	eng_err_clear(res);
	lock = eng_lock(ctx, res);
	if (lock < 0) {
		char msg[sizeof(res->msg)];

		snprintf(msg, sizeof(msg), "%s", res->msg);
		eng_fail(res, lock, "%s: %s", domain, msg);
	}
	return lock;
}

/* "cannot be read (why)" for a journal eng_journal_open() refused. */
static const char *unreadable(const struct journal *j, int r)
{
	return *j->why ? j->why : strerror(-r);
}

/* The journal directory's path, for messages. */
static const char *jdir(struct vfh_ctx *ctx, const char *domain, char *buf, size_t len)
{
	if (vfh_ctx_path(ctx, VFH_ROOT_RUN, buf, len, VFH_RUN_DIR "/%s", domain) < 0)
		snprintf(buf, len, "the run directory");
	return buf;
}

/* A phase's last line, with its whole duration (DURATION_MS, no STEP). */
static void log_total(const char *domain, const char *phase, size_t steps, double start)
{
	double ms = eng_now_ms() - start;

	if (steps)
		eng_log_step(LOG_INFO, 0, ms, "%s %s: %zu steps in %.1f ms", domain, phase, steps, ms);
	else
		eng_log_step(LOG_INFO, 0, ms, "%s %s: done in %.1f ms", domain, phase, ms);
}

static bool injected(const char *fault, const struct step *s)
{
	return *fault && strcmp(fault, s->ops->name) == 0;
}

int eng_run_prepare(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		    const struct domain_xml *dom, struct eng_err *res)
{
	struct plan plan;
	struct journal j;
	struct faults faults;
	struct eng_err perr;
	char err[1024], dir[512];
	double start = eng_now_ms();
	bool fail_apply_done = false, kill_after_done = false;
	int lock, r;

	lock = lock_for(ctx, domain, res);
	if (lock < 0)
		return lock;
	jdir(ctx, domain, dir, sizeof(dir));
	/* a journal left by an earlier start that never released (the host
	 * was not rebooted in between): put that back before anything else */
	r = eng_journal_open(ctx, domain, true, &j);
	if (r == 0) {
		eng_log(LOG_WARNING, "%s prepare: a journal from an earlier start is still there; "
			"undoing it first", domain);
		r = replay(ctx, &j, ENG_RELEASE, "prepare", err, sizeof(err));
		if (r == 0)
			r = finish(&j);
		else
			eng_journal_close(&j);
		if (r < 0) {
			eng_fail(res, r, "%s: the journal of an earlier start could not be undone (%s); "
				 "fix that, then run 'vfiohook recover %s'", domain, err, domain);
			goto out;
		}
	} else if (r != -ENOENT) {
		eng_fail(res, r, "%s: cannot read its journal in %s (%s); inspect it, then run "
			 "'vfiohook recover %s'", domain, dir, unreadable(&j, r), domain);
		goto out;
	}

	eng_err_clear(&perr);
	r = eng_plan_build(ctx, domain, cfg, dom, &plan, &perr);
	if (r < 0) {
		eng_fail(res, r, "%s: %s", domain, perr.msg);
		goto out;
	}
	if (plan.n == 0) {
		eng_config_why_idle(cfg, dom, err, sizeof(err));
		eng_log(LOG_INFO, "%s prepare: %s", domain, err);
		eng_plan_free(&plan);
		goto out;
	}
	r = eng_journal_create(ctx, domain, &j);
	if (r < 0) {
		eng_fail(res, r, "%s: cannot create its journal in %s: %s", domain, dir,
			 *j.why ? j.why : strerror(-r));
		eng_journal_close(&j);
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
			if (faults.fail_at == (int)i + 1 ||
			    (!fail_apply_done && injected(faults.fail_apply, s))) {
				fail_apply_done = true;
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
		if (r == -ETIME) {
			/* A write into a driver did not return: the device stays
			 * locked by it, and undoing the other steps could block
			 * on it too (restarting a display manager on that GPU).
			 * Stop here; the journal tells where things stand. */
			int d = mark_doubt(ctx, &j, j.n - 1);

			eng_journal_close(&j);
			eng_log(LOG_ERR, "%s prepare: step %zu/%zu (%s) in doubt after %.1f ms: %s",
				domain, i + 1, plan.n, desc, eng_now_ms() - t0, err);
			eng_fail(res, r, "%s: step %zu of %zu (%s): %s; nothing else was changed or put "
				 "back (other writes near that device would block as well); the journal "
				 "in %s says where things stand%s: run 'vfiohook recover %s' once the "
				 "write has returned (or after a reboot)", domain, i + 1, plan.n, desc, err,
				 dir, d < 0 ? " (but could not mark the step in doubt)" : "", domain);
			eng_plan_free(&plan);
			goto out;
		}
		if (r < 0) {
			char undo[512] = "";
			int u;

			double ms = eng_now_ms() - t0;

			eng_log_step(LOG_ERR, i + 1, ms, "%s prepare: step %zu/%zu (%s) failed after %.1f "
				     "ms: %s", domain, i + 1, plan.n, desc, ms, err);
			u = replay(ctx, &j, ENG_RELEASE, "prepare", undo, sizeof(undo));
			if (u == 0)
				u = finish(&j);
			else
				eng_journal_close(&j);
			if (u == 0)
				eng_fail(res, r, "%s: step %zu of %zu (%s) failed: %s; the host was put back "
					 "as it was", domain, i + 1, plan.n, desc, err);
			else
				eng_fail(res, r, "%s: step %zu of %zu (%s) failed: %s; and %s: run "
					 "'vfiohook recover %s' once fixed", domain, i + 1, plan.n, desc,
					 err, undo, domain);
			eng_plan_free(&plan);
			goto out;
		}
		double ms = eng_now_ms() - t0;

		eng_log_step(LOG_INFO, i + 1, ms, "%s prepare: step %zu/%zu %s: done in %.1f ms",
			     domain, i + 1, plan.n, desc, ms);
		if (faults.kill_at == (int)i + 1 ||
		    (!kill_after_done && injected(faults.kill_after, s))) {
			kill_after_done = true;
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
		log_total(domain, "prepare", plan.n, start);
	eng_plan_free(&plan);
out:
	eng_unlock(lock);
	return res->err;
}

static int replay_phase(struct vfh_ctx *ctx, const char *domain, enum eng_phase phase,
			struct eng_err *res)
{
	const char *name = eng_phase_name(phase);
	double start = eng_now_ms();
	struct journal j;
	char err[1024] = "", dir[512];
	int lock, r;

	lock = lock_for(ctx, domain, res);
	if (lock < 0)
		return lock;
	jdir(ctx, domain, dir, sizeof(dir));
	r = eng_journal_open(ctx, domain, true, &j);
	if (r == -ENOENT) {
		/* a second release, a release after a failed prepare that was
		 * rolled back, a domain started before vfiohook: nothing of ours */
		eng_log(LOG_DEBUG, "%s %s: no journal, nothing to undo", domain, name);
		eng_unlock(lock);
		return 0;
	}
	if (r < 0) {
		eng_fail(res, r, "%s: its journal in %s cannot be read (%s); the devices may still "
			 "be on vfio-pci: inspect it, fix or remove it, then run 'vfiohook recover %s'",
			 domain, dir, unreadable(&j, r), domain);
		eng_unlock(lock);
		return r;
	}
	r = replay(ctx, &j, phase, name, err, sizeof(err));
	if (phase == ENG_RELEASE) {
		int f = finish(&j);

		if (r == 0 && f < 0)
			snprintf(err, sizeof(err), "removing the journal failed: %s", strerror(-f));
		if (r == 0)
			r = f;
	} else {
		eng_journal_close(&j);
	}
	if (r < 0)
		eng_fail(res, r, "%s: %s: %s; what is left is kept in %s: run 'vfiohook recover %s' "
			 "once fixed", domain, name, err, dir, domain);
	else
		log_total(domain, name, 0, start);
	eng_unlock(lock);
	return r;
}

int eng_run_stopped(struct vfh_ctx *ctx, const char *domain, struct eng_err *res)
{
	return replay_phase(ctx, domain, ENG_STOPPED, res);
}

int eng_run_release(struct vfh_ctx *ctx, const char *domain, struct eng_err *res)
{
	return replay_phase(ctx, domain, ENG_RELEASE, res);
}

int eng_run_reconnect(struct vfh_ctx *ctx, const char *domain, const struct hook_config *cfg,
		      struct eng_err *res)
{
	struct journal j;
	size_t drift = 0;
	int r;

	eng_err_clear(res);
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
			unreadable(&j, r));
		return 0;
	}
	if (!j.prepared)
		eng_log(LOG_WARNING, "%s reconnect: its journal says prepare never finished", domain);
	/* every step still applied is checked by its kind */
	for (size_t i = 0; i < j.n; i++) {
		const struct step *s = &j.e[i].step;
		char why[300];

		if (!j.e[i].begun || j.e[i].undone || !s->ops->verify)
			continue;
		if (s->ops->verify(ctx, s, why, sizeof(why)) == 0) {
			eng_log(LOG_WARNING, "%s reconnect: %s", domain, why);
			drift++;
		}
	}
	eng_journal_close(&j);
	if (drift)
		eng_log(LOG_WARNING, "%s reconnect: %zu step%s no longer as the journal says; "
			"nothing changed (release will still put everything back)", domain, drift,
			drift == 1 ? "" : "s");
	else
		eng_log(LOG_INFO, "%s reconnect: journal consistent, nothing changed", domain);
	return 0;
}
