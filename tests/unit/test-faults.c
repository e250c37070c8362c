// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fault matrix, generated from the table of step kinds
 * (eng_step_kinds[]): for every kind, its first step in a plan that has
 * every kind fails at apply, fails at undo, or is the last thing a hook
 * SIGKILLed right after it did, or that and then a libvirtd restart (the
 * reconnect phase, which must change nothing); after the rollback, or the
 * release and `vfiohook recover` that follow, the host is what it was
 * before prepare.
 * A new kind is covered once the scenario below makes a step of it: the
 * test fails, naming the kind, until it does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "hooktest.h"

#define JDIR "run/vfiohook/vm"
#define FAULT "run/vfiohook-test.fault"

/* Hosts, INI files and domain XMLs whose plans between them have a step of
 * every kind: the single-GPU desktop booted through UEFI (efifb), with
 * resets and a sound server holding the HDMI audio; and a workstation giving a VM hugepages per node, a Looking
 * Glass file and isolated CPUs. */
static const struct scenario_def {
	const char *fixture, *extra, *ini, *xml;
} scenarios[] = {
	{ "efifb", "module vfio_pci state=live\n"
	  /* a desktop user's sound server holds the HDMI audio */
	  "file dev/snd dir=1\nfile dev/snd/controlC0\n"
	  "proc 2231 comm=pipewire uid=1000 fd=dev/snd/controlC0\n"
	  "unit user/1000/pipewire.service active=1 pid=2231\n",
	  "[devices]\npassthrough = auto\nreset = auto\n"
	  "[single-gpu]\nstop_units = display-manager.service\nunload_modules = bochs\n"
	  "[holders]\nwhen_held = stop\nstop_user_units = pipewire.service\n",
	  NULL },
	{ "desktop", "module vfio_pci state=live\nunit irqbalance.service active=1\n",
	  "[cpus]\nisolate = auto\nrt_runtime = unlimited\ngovernor = performance\n"
	  "[looking-glass]\nowner = 0\ngroup = 0\n",
	  "<domain><name>vm</name><memory unit='MiB'>512</memory>"
	  "<memoryBacking><hugepages/></memoryBacking>"
	  "<numatune><memory nodeset='1'/></numatune>"
	  "<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/></cputune>"
	  "<devices><shmem name='looking-glass'><model type='ivshmem-plain'/>"
	  "<size unit='M'>32</size></shmem></devices></domain>" },
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

enum fault { FAIL_APPLY, FAIL_UNDO, KILL_AFTER, RESTART, FAULT__COUNT };
static const char *const fault_names[FAULT__COUNT] = { "fail-apply", "fail-undo",
							"kill-after", "restart" };

struct scenario {
	const struct scenario_def *def;
	struct hook_config cfg;
	struct domain_xml dom;
};

static void scenario_load(struct scenario *sc, const struct scenario_def *def)
{
	static const char *const gpu[] = { "0000:01:00.0", NULL };

	sc->def = def;
	t_config(&sc->cfg, def->ini);
	t_domxml(&sc->dom, def->xml ? def->xml : t_xml_with(gpu));
}

static void scenario_free(struct scenario *sc)
{
	eng_config_free(&sc->cfg);
	eng_domxml_free(&sc->dom);
}

static struct t *fresh(const struct scenario_def *def)
{
	void *state = NULL;

	t_setup(&state, def->fixture, def->extra);
	return state;
}

static void done_with(struct t *t)
{
	void *state = t;

	t_teardown(&state);
}

/* Index of the first step of kind ops in the plan, -1 if none. */
static int first_of(const struct plan *plan, const struct step_ops *ops)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->steps[i].ops == ops)
			return (int)i;
	return -1;
}

/* The scenario whose plan has a step of kind ops, or NULL. */
static const struct scenario_def *scenario_of(const struct step_ops *ops)
{
	for (size_t i = 0; i < N_SCENARIOS; i++) {
		struct t *t = fresh(&scenarios[i]);
		struct scenario sc;
		struct plan plan;
		struct eng_err e = { 0 };
		bool has;

		scenario_load(&sc, &scenarios[i]);
		if (eng_plan_build(t->ctx, "vm", &sc.cfg, &sc.dom, &plan, &e) < 0)
			fail_msg("scenario %zu does not plan: %s", i, e.msg);
		has = first_of(&plan, ops) >= 0;
		eng_plan_free(&plan);
		scenario_free(&sc);
		done_with(t);
		if (has)
			return &scenarios[i];
	}
	return NULL;
}

/* Every kind has a step in a scenario's plan. */
static void test_scenario_covers_every_kind(void **state)
{
	(void)state;
	for (size_t k = 0; eng_step_kinds[k]; k++)
		if (!scenario_of(eng_step_kinds[k]))
			fail_msg("step kind '%s' has no step in the fault scenarios of %s: make a "
				 "scenario's host, INI or XML produce one", eng_step_kinds[k]->name,
				 __FILE__);
}

/* What a SIGKILL right after the first step of `ops` leaves: every step
 * up to it captured, journaled, applied and marked done, nothing after.
 * (The real kill is proven through the hook binary and in the guest.) */
static int kill_after(struct t *t, struct scenario *sc, const struct step_ops *ops, char *why,
		      size_t len)
{
	struct plan plan;
	struct journal j;
	struct eng_err e = { 0 };
	int k, r = 0;

	if (eng_plan_build(t->ctx, "vm", &sc->cfg, &sc->dom, &plan, &e) < 0) {
		snprintf(why, len, "plan: %s", e.msg);
		return -1;
	}
	k = first_of(&plan, ops);
	if (eng_journal_create(t->ctx, "vm", &j) < 0) {
		eng_plan_free(&plan);
		snprintf(why, len, "cannot create the journal");
		return -1;
	}
	for (int i = 0; i <= k && r == 0; i++) {
		struct step *s = &plan.steps[i];

		if ((r = eng_step_capture(t->ctx, s)) == 0 && (r = eng_journal_begin(&j, s)) == 0 &&
		    (r = eng_step_apply(t->ctx, s)) == 0)
			r = eng_journal_done(&j, (size_t)i);
		if (r < 0)
			snprintf(why, len, "step %d: %s", i + 1, vfh_ctx_errmsg(t->ctx));
	}
	eng_journal_close(&j);
	eng_plan_free(&plan);
	return r;
}

/* The lines of a not in b ("-") and of b not in a ("+"). */
static void line_diff(const char *a, const char *b, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "the host differs:");
	const char *texts[2] = { a, b }, *signs = "-+";

	for (int side = 0; side < 2 && used < len; side++) {
		const char *p = texts[side], *other = texts[!side];

		while (*p && used < len) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			bool found = false;

			for (const char *q = other; *q;) {
				const char *qn = strchr(q, '\n');
				size_t m = qn ? (size_t)(qn - q) : strlen(q);

				if (m == n && strncmp(p, q, n) == 0) {
					found = true;
					break;
				}
				q += m + (qn != NULL);
			}
			if (!found)
				used += (size_t)snprintf(out + used, len - used, "\n    %c %.*s",
							 signs[side], (int)n, p);
			p += n + (nl != NULL);
		}
	}
}

/* Runs one cell of the matrix on a fresh host; returns whether the host
 * came back as it was, with why not in `why`. */
static bool run_case(const struct step_ops *ops, enum fault f, char *why, size_t len)
{
	const struct scenario_def *def = scenario_of(ops);
	struct t *t;
	struct scenario sc;
	struct eng_err res;
	char *before, fault[64];
	bool ok = false;

	if (!def) {
		snprintf(why, len, "no scenario has a step of this kind");
		return false;
	}
	t = fresh(def);
	before = strdup(t_snapshot(t->fx));
	scenario_load(&sc, def);
	snprintf(fault, sizeof(fault), "%s=%s\n", fault_names[f], ops->name);
	switch (f) {
	case FAIL_APPLY:
		fx_write(t->fx, FAULT, fault);
		if (eng_run_prepare(t->ctx, "vm", &sc.cfg, &sc.dom, &res) != -EIO) {
			snprintf(why, len, "prepare did not fail: '%s'", res.msg);
			goto out;
		}
		if (!strstr(res.msg, "the host was put back as it was")) {
			snprintf(why, len, "prepare: '%s'", res.msg);
			goto out;
		}
		break;
	case FAIL_UNDO:
		if (eng_run_prepare(t->ctx, "vm", &sc.cfg, &sc.dom, &res) < 0) {
			snprintf(why, len, "prepare: %s", res.msg);
			goto out;
		}
		fx_write(t->fx, FAULT, fault);
		if (eng_run_stopped(t->ctx, "vm", &res) < 0 && !ops->undo_best_effort) {
			/* a kind undone at stopped keeps its entry for release */
		}
		if (eng_run_release(t->ctx, "vm", &res) == 0 && !ops->undo_best_effort) {
			snprintf(why, len, "release succeeded though undoing %s failed", ops->name);
			goto out;
		}
		if (!ops->undo_best_effort && !fx_exists(t->fx, JDIR)) {
			snprintf(why, len, "the journal is gone though %s was not undone", ops->name);
			goto out;
		}
		/* fixed: `vfiohook recover` is a release */
		fx_delete(t->fx, FAULT);
		if (eng_run_release(t->ctx, "vm", &res) < 0) {
			snprintf(why, len, "recover: %s", res.msg);
			goto out;
		}
		break;
	case KILL_AFTER:
		if (kill_after(t, &sc, ops, why, len) < 0)
			goto out;
		if (eng_run_release(t->ctx, "vm", &res) < 0) {
			snprintf(why, len, "release after the kill: %s", res.msg);
			goto out;
		}
		break;
	case RESTART: {
		char *mid;

		if (kill_after(t, &sc, ops, why, len) < 0)
			goto out;
		mid = strdup(t_snapshot(t->fx));
		/* libvirtd restarted: reconnect only looks (a half-done
		 * prepare is for release to put back) */
		eng_run_reconnect(t->ctx, "vm", &sc.cfg, &res);
		if (strcmp(t_snapshot(t->fx), mid) != 0) {
			line_diff(mid, t_snapshot(t->fx), why, len);
			free(mid);
			goto out;
		}
		free(mid);
		if (!fx_exists(t->fx, JDIR)) {
			snprintf(why, len, "reconnect removed the journal");
			goto out;
		}
		if (eng_run_release(t->ctx, "vm", &res) < 0) {
			snprintf(why, len, "release after the restart: %s", res.msg);
			goto out;
		}
		break;
	}
	case FAULT__COUNT:
		break;
	}
	if (fx_exists(t->fx, JDIR)) {
		snprintf(why, len, "a journal is left behind");
		goto out;
	}
	if (strcmp(t_snapshot(t->fx), before) != 0) {
		line_diff(before, t_snapshot(t->fx), why, len);
		goto out;
	}
	ok = true;
out:
	scenario_free(&sc);
	free(before);
	done_with(t);
	return ok;
}

/* The matrix, printed as a table, every cell run even when one fails. */
static void test_matrix(void **state)
{
	char failures[32768] = "";
	size_t used = 0, cells = 0;

	(void)state;
	print_message("fault matrix: kind x fault -> host restored\n");
	print_message("  %-14s %-11s %-11s %-11s %-11s\n", "kind", fault_names[0], fault_names[1],
		      fault_names[2], fault_names[3]);
	for (size_t k = 0; eng_step_kinds[k]; k++) {
		const char *cell[FAULT__COUNT];

		for (int f = 0; f < FAULT__COUNT; f++) {
			char why[2048] = "";

			cells++;
			if (run_case(eng_step_kinds[k], (enum fault)f, why, sizeof(why))) {
				cell[f] = "yes";
				continue;
			}
			cell[f] = "NO";
			used += (size_t)snprintf(failures + used, sizeof(failures) - used,
						 "  %s x %s: %s\n", eng_step_kinds[k]->name,
						 fault_names[f], why);
			if (used >= sizeof(failures))
				used = sizeof(failures) - 1;
		}
		print_message("  %-14s %-11s %-11s %-11s %-11s\n", eng_step_kinds[k]->name, cell[0],
			      cell[1], cell[2], cell[3]);
	}
	assert_true(cells >= FAULT__COUNT * 12);
	if (*failures)
		fail_msg("cells where the host was not restored:\n%s", failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_covers_every_kind),
		cmocka_unit_test(test_matrix),
	};

	t_init();
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
