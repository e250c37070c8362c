// SPDX-License-Identifier: LGPL-2.1-or-later
/* A write into a driver that does not return (one stuck in remove): the
 * library cuts it off at the context's write bound with a line naming the
 * file, leaves the write in flight in its own process holding nothing of
 * ours; prepare stops there with the step marked in doubt in the journal;
 * release refuses while the write is still in flight, and gives the host
 * back once it has returned. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testlib.h"
#include "hooktest.h"

#define NIC "0000:00:03.0"
#define GPU "0000:01:00.0"
#define DM "display-manager.service"
#define FAULT "run/vfiohook-test.fault"
#define FIFO "run/vfiohook-test.release"
#define JDIR "run/vfiohook/vm"
#define BOUND_MS 300
/* how late after the bound a cut-off may come on a loaded test machine */
#define SLACK_MS 3000

static int setup_host(void **state)
{
	return t_setup(state, "guest", "module vfio_pci state=live\n");
}

/* The seam: the write of `rel` waits for the release FIFO. */
static void block_write(struct t *t, const char *rel)
{
	char fault[256];

	t_mkdirs(t->fx, "run");
	assert_int_equal(mkfifo(t_abs(t->fx, FIFO), 0600), 0);
	snprintf(fault, sizeof(fault), "block-write=%s\n", rel);
	fx_write(t->fx, FAULT, fault);
	assert_int_equal(vfh_ctx_set_write_ms(t->ctx, BOUND_MS), 0);
	assert_int_equal(vfh_ctx_get_write_ms(t->ctx), BOUND_MS);
}

/* The driver "returns": the blocked writer goes on and writes. */
static void release_writer(struct t *t, pid_t pid)
{
	int fd = open(t_abs(t->fx, FIFO), O_WRONLY | O_CLOEXEC), st;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void assert_elapsed(long long t0)
{
	long long took = vfh_now_ms() - t0;

	print_message("# cut off after %lld ms (bound %d ms)\n", took, BOUND_MS);
	assert_true(took >= BOUND_MS);
	assert_true(took < BOUND_MS + SLACK_MS);
}

static void test_bind_cut_off_at_the_bound(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	int fds = t_open_fds();
	long long t0;
	pid_t pid;

	block_write(t, "bus/pci/drivers/e1000e/unbind");
	assert_int_equal(vfh_ctx_stuck_writer(t->ctx), 0);
	t0 = vfh_now_ms();
	assert_int_equal(vfh_pci_bind(t->ctx, &a, "vfio-pci", NULL), -ETIME);
	assert_elapsed(t0);
	assert_contains(vfh_ctx_errmsg(t->ctx), "writing " NIC " to ");
	assert_contains(vfh_ctx_errmsg(t->ctx), "/sys/bus/pci/drivers/e1000e/unbind did not return "
			"within 300 ms (the write bound): the driver is stuck in remove (process ");
	/* no roll-back: another write to a device its driver holds would
	 * block as well; the override stays as the journal will say */
	assert_writes(t->fx, { "@modprobe", "vfio_pci" },
		      { DEV(NIC, "driver_override"), "vfio-pci" });
	assert_driver(t->fx, NIC, "e1000e");
	assert_string_equal(fx_read(t->fx, DEV(NIC, "driver_override")), "vfio-pci\n");
	/* the writer is still in the kernel, and holds no descriptor of ours */
	pid = vfh_ctx_stuck_writer(t->ctx);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(t_open_fds(), fds);
	/* when the driver returns, the write is made after all */
	release_writer(t, pid);
	assert_string_equal(fx_read(t->fx, DRV("e1000e", "unbind")), NIC);
}

/* No seam: the kernel file itself blocks (a FIFO where the attribute
 * was), and the bound applies just the same. */
static void test_a_file_that_blocks(void **state)
{
	struct t *t = *state;
	struct vfh_pci_addr a = t_addr(NIC);
	const char *path;
	long long t0;
	pid_t pid;
	int fd, st;

	assert_int_equal(vfh_ctx_set_write_ms(t->ctx, BOUND_MS), 0);
	fx_delete(t->fx, "sys/bus/pci/drivers/e1000e/unbind");
	path = t_abs(t->fx, "sys/bus/pci/drivers/e1000e/unbind");
	assert_int_equal(mkfifo(path, 0600), 0);
	t0 = vfh_now_ms();
	assert_int_equal(vfh_pci_unbind(t->ctx, &a), -ETIME);
	assert_elapsed(t0);
	assert_contains(vfh_ctx_errmsg(t->ctx), "the driver is stuck in remove");
	pid = vfh_ctx_stuck_writer(t->ctx);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(fd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fx_delete(t->fx, "sys/bus/pci/drivers/e1000e/unbind");
	fx_write(t->fx, "sys/bus/pci/drivers/e1000e/unbind", "");
}

static void test_bound_refuses_zero(void **state)
{
	struct t *t = *state;

	assert_int_equal(vfh_ctx_get_write_ms(t->ctx), VFH_WRITE_MS_DEFAULT);
	assert_int_equal(vfh_ctx_set_write_ms(t->ctx, 0), -EINVAL);
	assert_contains(vfh_ctx_errmsg(t->ctx), "write bound of 0 ms");
	assert_int_equal(vfh_ctx_get_write_ms(t->ctx), VFH_WRITE_MS_DEFAULT);
}

/* The writer lives in the real kernel, the fixture's proc root is fake:
 * the next pids of the fake proc lead to the real ones, so that the
 * engine sees the writer (and sees it end) as on a live host. */
#define PIDS_AHEAD 3000
static pid_t pids_from;

static void real_pids_ahead(struct t *t)
{
	pid_t next = fork();
	char rel[64], real[64];

	assert_true(next >= 0);
	if (next == 0)
		_exit(0);
	waitpid(next, NULL, 0);
	pids_from = next + 1;
	for (pid_t p = next + 1; p < next + 1 + PIDS_AHEAD; p++) {
		snprintf(rel, sizeof(rel), "proc/%d", (int)p);
		snprintf(real, sizeof(real), "/proc/%d", (int)p);
		if (symlink(real, t_abs(t->fx, rel)) < 0)
			fail_msg("symlink %s: %s", rel, strerror(errno));
	}
}

static void real_pids_gone(struct t *t)
{
	char rel[64];

	for (pid_t p = pids_from; p < pids_from + PIDS_AHEAD; p++) {
		snprintf(rel, sizeof(rel), "proc/%d", (int)p);
		unlink(t_abs(t->fx, rel));
	}
}

static int run_prepare(struct t *t, const char *ini, struct eng_err *res)
{
	static const char *const gpu[] = { GPU, NULL };
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	int r;

	t_config(&cfg, ini);
	t_domxml(&dom, t_xml_with(gpu));
	r = eng_run_prepare(t->ctx, "vm", &cfg, &dom, res);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	return r;
}

/* The single-GPU plan stuck at the GPU's unbind (step 3 of 7). */
static void test_prepare_stuck_then_recover(void **state)
{
	struct t *t = *state;
	struct eng_err res;
	char *before = strdup(t_snapshot(t->fx)), *stuck;
	struct hook_config cfg;
	long long t0;
	pid_t pid;

	t_config(&cfg, "[devices]\nwrite_ms = 2500\n");
	assert_int_equal(cfg.write_ms, 2500);
	eng_config_free(&cfg);
	block_write(t, "bus/pci/drivers/bochs-drm/unbind");
	real_pids_ahead(t);
	t0 = vfh_now_ms();
	assert_int_equal(run_prepare(t, "[devices]\npassthrough = auto\nreset = auto\n"
				     "[single-gpu]\nstop_units = " DM "\nunload_modules = bochs\n",
				     &res), -ETIME);
	assert_elapsed(t0);
	assert_contains(res.msg, "vm: step 3 of 7 (bind " GPU " to vfio-pci (was bochs-drm)): "
			"writing " GPU " to ");
	assert_contains(res.msg, "/sys/bus/pci/drivers/bochs-drm/unbind did not return within "
			"300 ms (the write bound): the driver is stuck in remove");
	assert_contains(res.msg, "; nothing else was changed or put back");
	assert_contains(res.msg, "says where things stand: run 'vfiohook recover vm' once the "
			"write has returned (or after a reboot)");
	/* the journal: steps 1 and 2 done, step 3 begun and in doubt */
	pid = vfh_ctx_stuck_writer(t->ctx);
	assert_true(pid > 0);
	if (!fx_exists(t->fx, "proc/%d", (int)pid))
		fail_msg("the writer's pid %d is past the %d pids prepared", (int)pid, PIDS_AHEAD);
	{
		char want[64];

		snprintf(want, sizeof(want), "\ndoubt 2 pid=%d start=", (int)pid);
		assert_contains(fx_read(t->fx, JDIR "/journal"), want);
		assert_contains(fx_read(t->fx, JDIR "/journal"), "\ndone 1\nbegin 2 pci-bind ");
	}
	assert_contains(t_snapshot(t->fx), "unit " DM " active=0");
	stuck = strdup(t_snapshot(t->fx));
	/* libvirt's stopped and release (or `vfiohook recover`) while the
	 * write is still in flight: refused at once, nothing touched */
	t0 = vfh_now_ms();
	assert_int_equal(eng_run_stopped(t->ctx, "vm", &res), -EBUSY);
	assert_int_equal(eng_run_release(t->ctx, "vm", &res), -EBUSY);
	assert_true(vfh_now_ms() - t0 < BOUND_MS);
	assert_contains(res.msg, "step 3 (bind " GPU " to vfio-pci (was bochs-drm)) is in doubt: "
			"its write to the kernel has not returned yet");
	assert_contains(res.msg, "run 'vfiohook recover vm' once fixed");
	assert_text(t_snapshot(t->fx), stuck, "the host after a refused release");
	free(stuck);
	assert_true(fx_exists(t->fx, JDIR "/journal"));
	/* the driver returns: recover gives everything back */
	release_writer(t, pid);
	if (eng_run_release(t->ctx, "vm", &res) < 0)
		fail_msg("recover: %s", res.msg);
	assert_false(fx_exists(t->fx, JDIR));
	assert_text(t_snapshot(t->fx), before, "the host after recover");
	free(before);
	real_pids_gone(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_cut_off_at_the_bound),
		T(test_a_file_that_blocks),
		T(test_bound_refuses_zero),
		T_ON(test_prepare_stuck_then_recover, setup_host),
	};

	t_init();
	return cmocka_run_group_tests_name("stuck", tests, NULL, NULL);
}
