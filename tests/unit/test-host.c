// SPDX-License-Identifier: LGPL-2.1-or-later
/* The host's resources through the phases (hooks/plan-host.c and the
 * kinds hugepages, shm-file, cpu-isolate, cpumask, rt-runtime) on the
 * desktop fixture: what a running domain holds, what two domains hold in
 * any order, the host exactly as before after, and every refusal with
 * nothing changed. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "testlib.h"
#include "hooktest.h"
#include "syslogcap.h"

#define NODE1 "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"
#define NODE0 "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
#define CG "sys/fs/cgroup/"

static int setup(void **state)
{
	t_syslog_clear();
	return t_setup(state, "desktop", "unit irqbalance.service active=1\n");
}

/* A raw cgroup v2 host: the same without systemd's units */
static int setup_raw(void **state)
{
	t_syslog_clear();
	return t_setup(state, "desktop", "drop unit system.slice\ndrop unit user.slice\n"
		       "drop unit init.scope\ndrop unit machine.slice\n");
}

/* CPUs 2-3 without a cpufreq policy, as in most VMs */
static int setup_nocpufreq(void **state)
{
	t_syslog_clear();
	return t_setup(state, "desktop", "unit irqbalance.service active=1\ncpus nocpufreq=2-3\n");
}

static int setup_boot_pages(void **state)
{
	t_syslog_clear();
	return t_setup(state, "desktop", "hugepages 1/2048 nr=8 max=1024 after_compact=256\n");
}

static char *xml_of(const char *body)
{
	char *x = malloc(4096);

	assert_non_null(x);
	snprintf(x, 4096, "<domain><name>vm</name>%s</domain>", body);
	return x;
}

static int prepare(struct t *t, const char *domain, const char *ini, const char *body,
		   struct eng_err *res)
{
	struct hook_config cfg;
	struct domain_xml dom = { 0 };
	char *xml = xml_of(body);
	int r;

	t_config(&cfg, ini);
	t_domxml(&dom, xml);
	free(xml);
	r = eng_run_prepare(t->ctx, domain, &cfg, &dom, res);
	eng_config_free(&cfg);
	eng_domxml_free(&dom);
	return r;
}

static void prepare_ok(struct t *t, const char *domain, const char *ini, const char *body)
{
	struct eng_err res;

	if (prepare(t, domain, ini, body, &res) < 0)
		fail_msg("prepare %s: %d: %s", domain, res.err, res.msg);
}

static void release_ok(struct t *t, const char *domain)
{
	struct eng_err res;

	if (eng_run_release(t->ctx, domain, &res) < 0)
		fail_msg("release %s: %d: %s", domain, res.err, res.msg);
	assert_false(fx_exists(t->fx, "run/vfiohook/%s", domain));
}

static const char *num(struct t *t, const char *rel)
{
	const char *v = fx_read(t->fx, "%s", rel);

	assert_non_null(v);
	return v;
}

static void assert_same_host(struct t *t, char *before)
{
	assert_text(t_snapshot(t->fx), before, "the host after release");
	free(before);
}

#define PAGES(mib, node) "<memory unit='MiB'>" #mib "</memory><memoryBacking><hugepages/>" \
	"</memoryBacking><numatune><memory mode='strict' nodeset='" #node "'/></numatune>"

/* ---- hugepages */

static void test_hugepages_cycle(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));

	prepare_ok(t, "vm", "# only a comment: managed all the same\n", PAGES(512, 1));
	assert_string_equal(num(t, NODE1), "256\n");
	assert_string_equal(num(t, NODE0), "0\n");
	release_ok(t, "vm");
	assert_string_equal(num(t, NODE1), "0\n");
	assert_same_host(t, before);
}

/* A domain adds its own and takes back only those: any order, exact. */
static void test_hugepages_interleaved(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));

	prepare_ok(t, "a", "", PAGES(256, 1));
	assert_string_equal(num(t, NODE1), "136\n");	/* 8 at boot + 128 */
	prepare_ok(t, "b", "", PAGES(128, 1));
	assert_string_equal(num(t, NODE1), "200\n");
	release_ok(t, "a");
	assert_string_equal(num(t, NODE1), "72\n");
	release_ok(t, "b");
	/* what the host reserved at boot is never touched */
	assert_string_equal(num(t, NODE1), "8\n");
	assert_same_host(t, before);
}

/* Fragmented: compaction gets what a plain write does not; still short,
 * nothing is left half-reserved and the numbers are said. */
static void test_hugepages_fragmented(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));
	struct eng_err res;

	/* max=1024 now, 256 more after compaction: 1100 pages need it */
	prepare_ok(t, "vm", "", PAGES(2200, 1));
	assert_string_equal(num(t, NODE1), "1100\n");
	release_ok(t, "vm");
	assert_same_host(t, before);
	before = strdup(t_snapshot(t->fx));
	assert_int_equal(prepare(t, "vm", "", PAGES(4096, 1), &res), -ENOMEM);
	assert_contains(res.msg, "reserve 2048 hugepages of 2048 kB on node 1");
	assert_contains(res.msg, "the host was put back as it was");
	assert_false(fx_exists(t->fx, "run/vfiohook/vm"));
	assert_same_host(t, before);
}

static void test_hugepages_refused(void **state)
{
	static const char *const cases[][2] = {
		{ "<memory unit='GiB'>1</memory><memoryBacking><hugepages><page size='1' "
		  "unit='G'/></hugepages></memoryBacking>",
		  "vm: refused: libvirt backs the domain with 1048576 kB hugepages but no hugetlbfs "
		  "of that size is mounted; mount one (mount -t hugetlbfs -o pagesize=1G hugetlbfs "
		  "/dev/hugepages1G) or set hugepages = off in [memory] and reserve them yourself" },
		{ "<memory unit='MiB'>64</memory><memoryBacking><hugepages><page size='4' "
		  "unit='M'/></hugepages></memoryBacking>",
		  "vm: hugepages for the domain XML's <memoryBacking>: " },
		{ PAGES(64, 5), "vm: hugepages for the domain XML's <memoryBacking>: " },
		/* more than the node's memory (8 GiB in desktop.fx): refused
		 * before anything is tried */
		{ PAGES(16384, 1),
		  "vm: refused: the domain needs 8192 hugepages of 2048 kB (16384 MiB) on NUMA "
		  "node 1, which has 8192 MiB of memory in all; lower <memory>, or spread it over "
		  "more nodes (<numatune>, <numa> cells)" },
		{ "<memoryBacking><hugepages/></memoryBacking>",
		  "vm: domain XML: <memoryBacking><hugepages> without <memory>: how much?" },
	};
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eng_err res;

		if (prepare(t, "vm", "", cases[i][0], &res) == 0)
			fail_msg("case %zu planned", i);
		if (strncmp(res.msg, cases[i][1], strlen(cases[i][1])) != 0)
			fail_msg("case %zu:\n  got  %s\n  want %s...", i, res.msg, cases[i][1]);
	}
	assert_false(fx_exists(t->fx, "run/vfiohook/vm"));
	assert_no_writes(t->fx);
	assert_same_host(t, before);
}

/* hugepages = off: the pool is the admin's */
static void test_hugepages_off(void **state)
{
	struct t *t = *state;

	prepare_ok(t, "vm", "[memory]\nhugepages = off\n", PAGES(512, 1));
	assert_string_equal(num(t, NODE1), "0\n");
	assert_false(fx_exists(t->fx, "run/vfiohook/vm"));
}

/* pages = N: N pages instead of what <memory> works out, over the same
 * nodes; with pools of two sizes it cannot say which. */
static void test_hugepages_count(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));
	struct eng_err res;

	prepare_ok(t, "vm", "[memory]\npages = 300\n", PAGES(512, 1));
	assert_string_equal(num(t, NODE1), "300\n");
	release_ok(t, "vm");
	prepare_ok(t, "vm", "[memory]\npages = 5\n", PAGES(512, 0-1));
	assert_string_equal(num(t, NODE0), "3\n");
	assert_string_equal(num(t, NODE1), "2\n");
	release_ok(t, "vm");
	assert_same_host(t, before);
	before = strdup(t_snapshot(t->fx));
	fk_log_clear(t->fx);
	assert_int_equal(prepare(t, "vm", "[memory]\npages = 64\n",
				 "<memory unit='MiB'>1024</memory><cpu><numa>"
				 "<cell id='0' cpus='0' memory='512' unit='MiB'/>"
				 "<cell id='1' cpus='1' memory='512' unit='MiB'/></numa></cpu>"
				 "<memoryBacking><hugepages><page size='2' unit='M' nodeset='0'/>"
				 "<page size='1' unit='G' nodeset='1'/></hugepages></memoryBacking>",
				 &res), -EINVAL);
	assert_contains(res.msg, "[memory] pages = 64, but the domain XML uses hugepages of "
			"2048 kB and of 1048576 kB: which?");
	assert_no_writes(t->fx);
	assert_same_host(t, before);
}

/* hugepages = keep: the pages stay after a stop and the next start adds
 * only what the free ones lack; another domain's come and go as usual. */
static void test_hugepages_keep(void **state)
{
	struct t *t = *state;

	prepare_ok(t, "vm", "[memory]\nhugepages = keep\n", PAGES(512, 1));
	assert_string_equal(num(t, NODE1), "256\n");
	release_ok(t, "vm");
	assert_string_equal(num(t, NODE1), "256\n");	/* kept */
	prepare_ok(t, "vm", "[memory]\nhugepages = keep\n", PAGES(512, 1));
	assert_string_equal(num(t, NODE1), "256\n");	/* nothing added */
	prepare_ok(t, "b", "", PAGES(128, 1));
	assert_string_equal(num(t, NODE1), "320\n");
	release_ok(t, "vm");
	release_ok(t, "b");
	assert_string_equal(num(t, NODE1), "256\n");
	/* a bigger domain adds the difference */
	prepare_ok(t, "vm", "[memory]\nhugepages = keep\n", PAGES(1024, 1));
	assert_string_equal(num(t, NODE1), "512\n");
	release_ok(t, "vm");
	assert_string_equal(num(t, NODE1), "512\n");
	/* back to auto: the next stop gives back what that start added */
	prepare_ok(t, "vm", "", PAGES(512, 1));
	assert_string_equal(num(t, NODE1), "768\n");
	release_ok(t, "vm");
	assert_string_equal(num(t, NODE1), "512\n");
}

/* ---- the Looking Glass file */

#define SHM(size) "<devices><shmem name='looking-glass'><model type='ivshmem-plain'/>" \
	"<size unit='M'>" #size "</size></shmem></devices>"

static void test_shm_file(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));
	struct stat st;

	fx_write(t->fx, "etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
	fx_write(t->fx, "etc/group", "root:x:0:\nkvm:x:104:alice\n");
	before = (free(before), strdup(t_snapshot(t->fx)));
	prepare_ok(t, "vm", "[looking-glass]\nowner = alice\n", SHM(32));
	assert_int_equal(lstat(t_abs(t->fx, "dev/shm/looking-glass"), &st), 0);
	assert_int_equal(st.st_size, 32 << 20);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 104);
	assert_int_equal(st.st_mode & 07777, 0660);
	release_ok(t, "vm");
	assert_false(fx_exists(t->fx, "dev/shm/looking-glass"));
	assert_same_host(t, before);
	/* kept, when asked */
	prepare_ok(t, "vm", "[looking-glass]\nowner = alice\nkeep = yes\n", SHM(32));
	release_ok(t, "vm");
	assert_true(fx_exists(t->fx, "dev/shm/looking-glass"));
}

static void test_shm_refused(void **state)
{
	static const char *const cases[][3] = {
		{ "[looking-glass]\nowner = bob\n", SHM(32),
		  "[looking-glass] owner 'bob' is no user of this host (/etc/passwd)" },
		{ "[looking-glass]\ngroup = games\n", SHM(32),
		  "[looking-glass] group 'games' is no group of this host (/etc/group): set group = "
		  "in [looking-glass]" },
		{ "", "<devices><shmem name='lg'><model type='ivshmem-plain'/></shmem></devices>",
		  "vm: <shmem name='lg'> has no <size>: add one" },
		{ "", "<devices><shmem name='.hidden'><size unit='M'>4</size></shmem></devices>",
		  "vm: refused: <shmem name='.hidden'>: " },
	};
	struct t *t = *state;
	char *before;

	fx_write(t->fx, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	fx_write(t->fx, "etc/group", "root:x:0:\nkvm:x:104:\n");
	before = strdup(t_snapshot(t->fx));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eng_err res;

		if (prepare(t, "vm", cases[i][0], cases[i][1], &res) == 0)
			fail_msg("case %zu planned", i);
		if (!strstr(res.msg, cases[i][2]))
			fail_msg("case %zu:\n  got  %s\n  want ...%s...", i, res.msg, cases[i][2]);
	}
	assert_no_writes(t->fx);
	assert_same_host(t, before);
}

/* ---- CPU isolation */

#define PINS(cpus) "<vcpu>1</vcpu><cputune><vcpupin vcpu='0' cpuset='" cpus "'/></cputune>"
#define ISOLATE "[cpus]\nisolate = auto\n"

static void test_isolate_systemd(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));

	prepare_ok(t, "vm", ISOLATE "rt_runtime = unlimited\n",
		   "<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' "
		   "cpuset='3'/></cputune>");
	/* the host's slices on 0-1, libvirt's machine.slice left alone */
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "system.slice"), 0x3);
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "user.slice"), 0x3);
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "init.scope"), 0x3);
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "machine.slice"), 0);
	assert_string_equal(num(t, CG "system.slice/cpuset.cpus.effective"), "0-1\n");
	assert_string_equal(num(t, CG "machine.slice/cpuset.cpus.effective"), "0-3\n");
	/* IRQs off 2-3; one only there goes to what the host keeps; the
	 * managed one stays */
	assert_string_equal(num(t, "proc/irq/9/smp_affinity_list"), "0-1\n");
	assert_string_equal(num(t, "proc/irq/26/smp_affinity_list"), "0-1\n");
	assert_string_equal(num(t, "proc/irq/24/smp_affinity_list"), "0\n");
	/* 8 possible CPUs: the ones not online keep what they had */
	assert_string_equal(num(t, "proc/irq/default_smp_affinity"), "f3\n");
	assert_string_equal(num(t, "sys/devices/virtual/workqueue/cpumask"), "f3\n");
	assert_string_equal(num(t, "proc/sys/kernel/sched_rt_runtime_us"), "-1\n");
	assert_int_equal(fk_unit_active(t->fx, "irqbalance.service"), 0);
	release_ok(t, "vm");
	assert_same_host(t, before);
}

/* Two domains with different CPUs: while both run the host keeps the rest;
 * one stopping gives back only its own. */
static void test_isolate_two_domains(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));

	prepare_ok(t, "a", ISOLATE, PINS("2"));
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "system.slice"), 0xb);	/* 0,1,3 */
	assert_string_equal(num(t, "proc/irq/25/smp_affinity_list"), "0-1,3\n");
	prepare_ok(t, "b", ISOLATE, PINS("3"));
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "system.slice"), 0x3);
	assert_string_equal(num(t, "proc/irq/25/smp_affinity_list"), "0-1\n");
	assert_int_equal(fk_unit_active(t->fx, "irqbalance.service"), 0);
	release_ok(t, "a");
	/* a's CPU back, b's still kept off; irqbalance still stopped */
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "system.slice"), 0x7);	/* 0-2 */
	assert_string_equal(num(t, "proc/irq/25/smp_affinity_list"), "0-2\n");
	assert_int_equal(fk_unit_active(t->fx, "irqbalance.service"), 0);
	release_ok(t, "b");
	assert_same_host(t, before);
}

static void test_isolate_refused(void **state)
{
	struct t *t = *state;
	char *before;
	struct eng_err res;

	prepare_ok(t, "a", ISOLATE, PINS("2-3"));
	before = strdup(t_snapshot(t->fx));
	fk_log_clear(t->fx);
	assert_int_equal(prepare(t, "b", ISOLATE, PINS("3"), &res), -EBUSY);
	assert_string_equal(res.msg, "b: refused: CPUs 3 are isolated for domain 'a' already; pin "
			    "this domain elsewhere or shut that one down first");
	/* with a's 2-3, 0-1 would leave the host no CPU */
	assert_true(prepare(t, "b", "[cpus]\nisolate = 0-1\n", "", &res) < 0);
	assert_contains(res.msg, "refused: [cpus] isolate in");
	assert_true(prepare(t, "b", "[cpus]\nisolate = 5\n", "", &res) < 0);
	assert_contains(res.msg, "refused: [cpus] isolate in");
	assert_int_equal(prepare(t, "b", ISOLATE, "", &res), -EINVAL);
	assert_contains(res.msg, "[cpus] isolate = auto, but the domain XML pins no CPU");
	assert_no_writes(t->fx);
	assert_same_host(t, before);
	release_ok(t, "a");
}

#define GOV(n) "sys/devices/system/cpu/cpufreq/policy" #n "/scaling_governor"

/* governor = performance on the isolated CPUs only, the one before put
 * back; a governor the CPUs do not offer: refused, nothing changed. */
static void test_isolate_governor(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));
	struct eng_err res;

	prepare_ok(t, "vm", ISOLATE "governor = performance\n", PINS("2-3"));
	assert_string_equal(num(t, GOV(2)), "performance\n");
	assert_string_equal(num(t, GOV(3)), "performance\n");
	assert_string_equal(num(t, GOV(0)), "schedutil\n");
	release_ok(t, "vm");
	assert_string_equal(num(t, GOV(2)), "schedutil\n");
	assert_same_host(t, before);
	before = strdup(t_snapshot(t->fx));
	assert_true(prepare(t, "vm", ISOLATE "governor = ondemand\n", PINS("2"), &res) < 0);
	assert_contains(res.msg, "CPU 2 does not offer the cpufreq governor 'ondemand' (it offers: "
			"performance powersave schedutil)");
	assert_false(fx_exists(t->fx, "run/vfiohook/vm"));
	assert_same_host(t, before);
}

/* Isolated CPUs without cpufreq: nothing to set, said in the log. */
static void test_isolate_governor_none(void **state)
{
	struct t *t = *state;

	prepare_ok(t, "vm", ISOLATE "governor = performance\n", PINS("2-3"));
	assert_false(fx_exists(t->fx, GOV(2)));
	assert_string_equal(num(t, GOV(0)), "schedutil\n");
	assert_contains(t_syslog(), "[cpus] governor = performance: the isolated CPUs 2-3 have no "
			"cpufreq policy");
	assert_int_equal(fk_unit_allowed_cpus(t->fx, "system.slice"), 0x3);
	release_ok(t, "vm");
}

/* Without systemd: the host's top-level cgroups directly, the cpuset
 * controller enabled for them and disabled again after. */
static void test_isolate_raw(void **state)
{
	struct t *t = *state;
	char *before = strdup(t_snapshot(t->fx));

	prepare_ok(t, "vm", ISOLATE "irqs = no\nworkqueues = no\n", PINS("2-3"));
	assert_string_equal(num(t, CG "cgroup.subtree_control"), "cpuset cpu io memory pids\n");
	assert_string_equal(num(t, CG "system.slice/cpuset.cpus"), "0-1\n");
	assert_string_equal(num(t, CG "init.scope/cpuset.cpus"), "0-1\n");
	/* libvirt's cgroup is not the host's */
	assert_string_equal(num(t, CG "machine.slice/cpuset.cpus"), "\n");
	assert_string_equal(num(t, "proc/irq/9/smp_affinity_list"), "0-3\n");
	release_ok(t, "vm");
	assert_same_host(t, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_ON(test_hugepages_cycle, setup),
		T_ON(test_hugepages_interleaved, setup_boot_pages),
		T_ON(test_hugepages_fragmented, setup),
		T_ON(test_hugepages_refused, setup),
		T_ON(test_hugepages_off, setup),
		T_ON(test_hugepages_count, setup),
		T_ON(test_hugepages_keep, setup),
		T_ON(test_shm_file, setup),
		T_ON(test_shm_refused, setup),
		T_ON(test_isolate_systemd, setup),
		T_ON(test_isolate_two_domains, setup),
		T_ON(test_isolate_refused, setup),
		T_ON(test_isolate_governor, setup),
		T_ON(test_isolate_governor_none, setup_nocpufreq),
		T_ON(test_isolate_raw, setup_raw),
	};

	t_init();
	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
