// SPDX-License-Identifier: LGPL-2.1-or-later
/* The domain XML on the hook's stdin (hooks/domxml.c): the PCI hostdevs
 * libvirt writes, and what an XML must never make the hook do: fetch a
 * file or a URL, expand entities without bound. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>

#include "testlib.h"
#include "hooktest.h"

static int parse(const char *xml, struct domain_xml *dom, char *err, size_t errlen)
{
	struct eng_err e = { 0 };
	int r = eng_domxml_parse(xml, strlen(xml), dom, &e);

	snprintf(err, errlen, "%s", e.msg);
	return r;
}

static int parse_len(const char *xml, size_t len, struct domain_xml *dom, char *err,
		     size_t errlen)
{
	struct eng_err e = { 0 };
	int r = eng_domxml_parse(xml, len, dom, &e);

	snprintf(err, errlen, "%s", e.msg);
	return r;
}

static void assert_hostdev(const struct domain_xml *dom, size_t i, const char *addr, bool managed)
{
	struct vfh_pci_addr want = t_addr(addr);
	char got[VFH_PCI_ADDR_MAX];

	assert_true(i < dom->n_hostdevs);
	vfh_pci_addr_format(&dom->hostdevs[i].addr, got, sizeof(got));
	if (!vfh_pci_addr_eq(&dom->hostdevs[i].addr, &want))
		fail_msg("hostdev %zu is %s, want %s", i, got, addr);
	assert_int_equal(dom->hostdevs[i].managed, managed);
}

/* As `virsh dumpxml` shows a running domain */
static const char live_xml[] =
	"<domain type='kvm' id='3'>\n"
	"  <name>win11</name>\n"
	"  <uuid>6a5d8b2e-0000-4000-8000-000000000001</uuid>\n"
	"  <memory unit='KiB'>8388608</memory>\n"
	"  <devices>\n"
	"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
	"    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/w.qcow2'/>"
	"<target dev='vda' bus='virtio'/>"
	"<address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>\n"
	"    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	"      <driver name='vfio'/>\n"
	"      <source>\n"
	"        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
	"      </source>\n"
	"      <alias name='hostdev0'/>\n"
	"      <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>\n"
	"    </hostdev>\n"
	"    <hostdev mode='subsystem' type='pci' managed='no'>\n"
	"      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source>\n"
	"    </hostdev>\n"
	"    <hostdev mode='subsystem' type='pci'>\n"
	"      <source><address domain='0x10000' bus='0xe0' slot='0x1d' function='0x7'/></source>\n"
	"    </hostdev>\n"
	"    <hostdev mode='subsystem' type='usb' managed='yes'>\n"
	"      <source><vendor id='0x046d'/><product id='0xc52b'/>"
	"<address bus='1' device='4'/></source>\n"
	"    </hostdev>\n"
	"    <hostdev mode='capabilities' type='storage'>\n"
	"      <source><block>/dev/sdf1</block></source>\n"
	"    </hostdev>\n"
	"    <hostdev mode='subsystem' type='scsi_host'>\n"
	"      <source protocol='vhost' wwpn='naa.5001405df3e54061'/>\n"
	"    </hostdev>\n"
	"    <interface type='hostdev' managed='yes'>\n"
	"      <source><address type='pci' domain='0x0000' bus='0x03' slot='0x00' "
	"function='0x0'/></source>\n"
	"    </interface>\n"
	"  </devices>\n"
	"</domain>\n";

static void test_hostdevs(void **state)
{
	struct domain_xml dom;

	(void)state;
	t_domxml(&dom, live_xml);
	assert_string_equal(dom.name, "win11");
	/* the PCI ones only; the guest-side <address> is not the source; an
	 * SR-IOV <interface type='hostdev'> is a PCI device the domain takes */
	assert_int_equal(dom.n_hostdevs, 4);
	assert_hostdev(&dom, 0, "0000:01:00.0", true);
	assert_hostdev(&dom, 1, "0000:01:00.1", false);
	assert_hostdev(&dom, 2, "10000:e0:1d.7", false);
	assert_hostdev(&dom, 3, "0000:03:00.0", true);
	assert_false(dom.hostdevs[2].interface);
	assert_true(dom.hostdevs[3].interface);
	eng_domxml_free(&dom);
	assert_null(dom.hostdevs);
	assert_int_equal(dom.n_hostdevs, 0);
}

static void test_decimal_and_defaults(void **state)
{
	struct domain_xml dom;

	(void)state;
	/* plain decimal is what a hand-written XML may hold; no domain: 0 */
	t_domxml(&dom, "<domain><devices><hostdev mode='subsystem' type='pci' managed='yes'>"
		 "<source><address bus='2' slot='31' function='7'/></source></hostdev>"
		 "</devices></domain>");
	assert_string_equal(dom.name, "");
	assert_int_equal(dom.n_hostdevs, 1);
	assert_hostdev(&dom, 0, "0000:02:1f.7", true);
	eng_domxml_free(&dom);
	/* the largest of each field */
	t_domxml(&dom, "<domain><devices><hostdev mode='subsystem' type='pci'><source>"
		 "<address domain='0xffffffff' bus='0xff' slot='0x1f' function='0x7'/></source>"
		 "</hostdev></devices></domain>");
	assert_hostdev(&dom, 0, "ffffffff:ff:1f.7", false);
	eng_domxml_free(&dom);
}

static void test_no_hostdevs(void **state)
{
	struct domain_xml dom;

	(void)state;
	t_domxml(&dom, "<domain type='kvm'><name>plain</name><devices><disk/></devices></domain>");
	assert_string_equal(dom.name, "plain");
	assert_int_equal(dom.n_hostdevs, 0);
	assert_null(dom.hostdevs);
	eng_domxml_free(&dom);
	t_domxml(&dom, "<domain/>");
	assert_int_equal(dom.n_hostdevs, 0);
	eng_domxml_free(&dom);
	/* hostdevs outside <devices> are not the domain's */
	t_domxml(&dom, "<domain><hostdev mode='subsystem' type='pci'><source><address bus='1' "
		 "slot='0' function='0'/></source></hostdev><metadata><devices><hostdev "
		 "mode='subsystem' type='pci'><source><address bus='1' slot='0' function='0'/>"
		 "</source></hostdev></devices></metadata></domain>");
	assert_int_equal(dom.n_hostdevs, 0);
	eng_domxml_free(&dom);
}

#define HD(attrs) "<domain><devices><hostdev mode='subsystem' type='pci'><source>" \
	"<address " attrs "/></source></hostdev></devices></domain>"
#define BAD(field, max) "domain XML: a PCI <hostdev>: its source address has a bad " field \
	" (at most " max ")"

static void test_out_of_range(void **state)
{
	static const char *const bad[][2] = {
		{ HD("bus='0x100' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("bus='256' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("bus='1' slot='0x20' function='0'"), BAD("slot", "0x1f") },
		{ HD("bus='1' slot='32' function='0'"), BAD("slot", "0x1f") },
		{ HD("bus='1' slot='0' function='8'"), BAD("function", "0x7") },
		{ HD("domain='0x100000000' bus='1' slot='0' function='0'"),
		  BAD("domain", "0xffffffff") },
		{ HD("bus='-1' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("domain='-1' bus='1' slot='0' function='0'"), BAD("domain", "0xffffffff") },
		{ HD("bus='' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("bus='0x' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("bus='1x' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("bus='one' slot='0' function='0'"), BAD("bus", "0xff") },
		{ HD("bus='99999999999999999999999' slot='0' function='0'"), BAD("bus", "0xff") },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct domain_xml dom;
		char err[512];
		int r = parse(bad[i][0], &dom, err, sizeof(err));

		if (r != -EINVAL || strcmp(err, bad[i][1]) != 0)
			fail_msg("%s: %d '%s', want '%s'", bad[i][0], r, err, bad[i][1]);
		assert_null(dom.hostdevs);
		assert_int_equal(dom.n_hostdevs, 0);
	}
}

/* Hand-written XML, read as libvirt reads it: a missing address field is
 * 0, a hostdev without mode= is mode='subsystem', and every <devices>
 * element counts. */
static void test_as_libvirt_reads_it(void **state)
{
	struct domain_xml dom;

	(void)state;
	t_domxml(&dom, HD("slot='2'"));
	assert_int_equal(dom.n_hostdevs, 1);
	assert_hostdev(&dom, 0, "0000:00:02.0", false);
	eng_domxml_free(&dom);
	t_domxml(&dom, "<domain><devices><hostdev type='pci' managed='yes'><source><address "
		 "bus='3'/></source></hostdev></devices><devices><hostdev mode='subsystem' "
		 "type='pci'><source><address bus='4' function='1'/></source></hostdev>"
		 "<hostdev mode='capabilities' type='pci'><source><address bus='5'/></source>"
		 "</hostdev></devices></domain>");
	assert_int_equal(dom.n_hostdevs, 2);
	assert_hostdev(&dom, 0, "0000:03:00.0", true);
	assert_hostdev(&dom, 1, "0000:04:00.1", false);
	eng_domxml_free(&dom);
	/* a VF pool or a USB source of <interface type='hostdev'>: not a PCI
	 * address of ours */
	t_domxml(&dom, "<domain><devices><interface type='hostdev'><source><address "
		 "type='usb' bus='1' device='2'/></source></interface></devices></domain>");
	assert_int_equal(dom.n_hostdevs, 0);
	eng_domxml_free(&dom);
}

/* What the domain asks of the host: hugepages and their sizes per guest
 * cell, NUMA placement, pinned CPUs, real-time vCPUs, shared-memory files,
 * the balloon. */
static void test_resources(void **state)
{
	struct domain_xml dom;

	(void)state;
	t_domxml(&dom,
		 "<domain type='kvm'><name>rt</name>\n"
		 "<memory unit='GiB'>4</memory><currentMemory unit='KiB'>1</currentMemory>\n"
		 "<vcpu placement='static' cpuset='2-5,^4'>2</vcpu>\n"
		 "<memoryBacking><hugepages><page size='1' unit='G' nodeset='0'/>"
		 "<page size='2048' nodeset='1'/></hugepages><locked/></memoryBacking>\n"
		 "<numatune><memory mode='strict' nodeset='0-1'/>"
		 "<memnode cellid='0' mode='strict' nodeset='0'/>"
		 "<memnode cellid='1' mode='preferred' nodeset='1'/></numatune>\n"
		 "<cpu><numa><cell id='0' cpus='0' memory='2' unit='GiB'/>"
		 "<cell id='1' cpus='1' memory='2097152'/></numa></cpu>\n"
		 "<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/>"
		 "<emulatorpin cpuset='4-5'/><iothreadpin iothread='1' cpuset='5'/>"
		 "<vcpusched vcpus='0-1' scheduler='fifo' priority='1'/></cputune>\n"
		 "<devices><shmem name='looking-glass'><model type='ivshmem-plain'/>"
		 "<size unit='M'>32</size></shmem>"
		 "<shmem name='plain'><size>4194304</size></shmem>"
		 "<memballoon model='virtio'/></devices></domain>");
	assert_string_equal(dom.name, "rt");
	assert_int_equal(dom.memory, 4ULL << 30);
	assert_int_equal(dom.vcpus, 2);
	assert_string_equal(dom.vcpu_cpuset, "2-5,^4");
	assert_true(dom.hugepages);
	assert_int_equal(dom.n_pages, 2);
	assert_int_equal(dom.pages[0].size_kib, 1048576);
	assert_string_equal(dom.pages[0].nodeset, "0");
	assert_int_equal(dom.pages[1].size_kib, 2048);
	assert_string_equal(dom.pages[1].nodeset, "1");
	assert_string_equal(dom.numa_mode, "strict");
	assert_string_equal(dom.numa_nodeset, "0-1");
	assert_int_equal(dom.n_memnodes, 2);
	assert_int_equal(dom.memnodes[1].cell, 1);
	assert_string_equal(dom.memnodes[1].nodeset, "1");
	assert_int_equal(dom.n_cells, 2);
	assert_int_equal(dom.cells[0].memory, 2ULL << 30);
	assert_int_equal(dom.cells[1].memory, 2ULL << 30);
	assert_int_equal(dom.n_pins, 4);
	assert_string_equal(dom.pins[0].kind, "vcpupin");
	assert_int_equal(dom.pins[1].id, 1);
	assert_string_equal(dom.pins[1].cpuset, "3");
	assert_string_equal(dom.pins[2].kind, "emulatorpin");
	assert_string_equal(dom.pins[2].cpuset, "4-5");
	assert_string_equal(dom.pins[3].kind, "iothreadpin");
	assert_int_equal(dom.pins[3].id, 1);
	assert_true(dom.rt_vcpus);
	assert_int_equal(dom.n_shmems, 2);
	assert_string_equal(dom.shmems[0].name, "looking-glass");
	assert_string_equal(dom.shmems[0].model, "ivshmem-plain");
	assert_int_equal(dom.shmems[0].size, 32ULL << 20);
	/* libvirt's unit for a <shmem> size is bytes */
	assert_int_equal(dom.shmems[1].size, 4194304);
	assert_true(dom.balloon);
	eng_domxml_free(&dom);
	assert_null(dom.pages);
	assert_int_equal(dom.n_pins, 0);

	/* none of it: nothing asked; <hugepages/> alone: the default size */
	t_domxml(&dom, "<domain><memory>1048576</memory><memoryBacking><hugepages/>"
		 "</memoryBacking><devices><memballoon model='none'/></devices></domain>");
	assert_int_equal(dom.memory, 1ULL << 30);
	assert_true(dom.hugepages);
	assert_int_equal(dom.n_pages, 0);
	assert_false(dom.balloon);
	assert_false(dom.rt_vcpus);
	assert_int_equal(dom.n_shmems, 0);
	eng_domxml_free(&dom);
	/* KB is 1000, k and KiB 1024 */
	t_domxml(&dom, "<domain><memory unit='KB'>1000</memory></domain>");
	assert_int_equal(dom.memory, 1000000);
	eng_domxml_free(&dom);
}

static void test_resources_refused(void **state)
{
	static const char *const bad[][2] = {
		{ "<domain><memory unit='parsecs'>1</memory></domain>",
		  "domain XML: <memory> '1' (unit 'parsecs') is not a size libvirt accepts" },
		{ "<domain><memory>-1</memory></domain>",
		  "domain XML: <memory> '-1' (unit '') is not a size libvirt accepts" },
		{ "<domain><memory unit='TiB'>99999999999</memory></domain>",
		  "domain XML: <memory> '99999999999' (unit 'TiB') is not a size libvirt accepts" },
		{ "<domain><memoryBacking><hugepages><page size='2x'/></hugepages></memoryBacking>"
		  "</domain>",
		  "domain XML: <hugepages><page size='2x' unit=''> is not a page size" },
		{ "<domain><memoryBacking><hugepages><page unit='M'/></hugepages></memoryBacking>"
		  "</domain>",
		  "domain XML: <hugepages><page size='' unit='M'> is not a page size" },
		{ "<domain><memoryBacking><hugepages><page size='2' unit='M' nodeset='0;rm'/>"
		  "</hugepages></memoryBacking></domain>",
		  "domain XML: <hugepages><page> nodeset='0;rm' is not a CPU or node list (like "
		  "0-3,8)" },
		{ "<domain><vcpu cpuset='all'>2</vcpu></domain>",
		  "domain XML: <vcpu> cpuset='all' is not a CPU or node list (like 0-3,8)" },
		{ "<domain><vcpu>two</vcpu></domain>",
		  "domain XML: <vcpu> 'two' is not a number of vCPUs" },
		{ "<domain><cputune><vcpupin cpuset='1'/></cputune></domain>",
		  "domain XML: a <vcpupin> without a valid vcpu=" },
		{ "<domain><cputune><emulatorpin/></cputune></domain>",
		  "domain XML: a <emulatorpin> without cpuset=" },
		{ "<domain><numatune><memnode nodeset='0'/></numatune></domain>",
		  "domain XML: a <numatune><memnode> without a valid cellid" },
		{ "<domain><devices><shmem><size>1</size></shmem></devices></domain>",
		  "domain XML: a <shmem> without a usable name" },
		{ "<domain><devices><shmem name='lg'><size unit='M'>x</size></shmem></devices>"
		  "</domain>",
		  "domain XML: <shmem> <size> 'x' (unit 'M') is not a size libvirt accepts" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct domain_xml dom;
		char err[512];
		int r = parse(bad[i][0], &dom, err, sizeof(err));

		if (r != -EINVAL || strcmp(err, bad[i][1]) != 0)
			fail_msg("%s:\n  got  %d '%s'\n  want '%s'", bad[i][0], r, err, bad[i][1]);
		assert_null(dom.pages);
		assert_null(dom.pins);
		assert_null(dom.shmems);
	}
}

static void test_missing_source(void **state)
{
	static const char *const bad[] = {
		"<domain><devices><hostdev mode='subsystem' type='pci'/></devices></domain>",
		"<domain><devices><hostdev mode='subsystem' type='pci'><source/></hostdev>"
		"</devices></domain>",
		/* the guest-side address is not a source */
		"<domain><devices><hostdev mode='subsystem' type='pci'><address type='pci' "
		"domain='0' bus='1' slot='0' function='0'/></hostdev></devices></domain>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct domain_xml dom;
		char err[512];

		assert_int_equal(parse(bad[i], &dom, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "domain XML: a PCI <hostdev> without <source><address>");
	}
}

/* one bad hostdev among good ones: nothing is kept */
static void test_bad_after_good(void **state)
{
	struct domain_xml dom;
	char err[512];

	(void)state;
	assert_int_equal(parse("<domain><devices><hostdev mode='subsystem' type='pci'><source>"
			       "<address bus='1' slot='0' function='0'/></source></hostdev>"
			       "<hostdev mode='subsystem' type='pci'><source><address bus='1' "
			       "slot='0' function='9'/></source></hostdev></devices></domain>",
			       &dom, err, sizeof(err)), -EINVAL);
	assert_null(dom.hostdevs);
	assert_int_equal(dom.n_hostdevs, 0);
}

static void test_not_a_domain(void **state)
{
	struct domain_xml dom;
	char err[512];

	(void)state;
	assert_int_equal(parse_len("", 0, &dom, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "domain XML: empty stdin");
	assert_int_equal(parse("<network><name>default</name></network>", &dom, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "domain XML: the root element is not <domain>");
	assert_int_equal(parse("<x:domain xmlns:x='urn:x'/>", &dom, err, sizeof(err)), 0);
	eng_domxml_free(&dom);
	/* not XML at all: one line, with where it broke */
	assert_int_equal(parse("this is not xml\n", &dom, err, sizeof(err)), -EINVAL);
	assert_contains(err, "domain XML on stdin does not parse (line 1: ");
	assert_null(strchr(err, '\n'));
	assert_int_equal(parse("<domain>\n<devices>\n</domain>\n", &dom, err, sizeof(err)),
			 -EINVAL);
	/* libxml2's last complaint is the one kept (the end of the data, here) */
	assert_contains(err, "domain XML on stdin does not parse (line ");
	assert_null(strchr(err, '\n'));
	assert_int_equal(dom.n_hostdevs, 0);
	/* cut short by a dying libvirtd */
	assert_int_equal(parse_len(live_xml, 200, &dom, err, sizeof(err)), -EINVAL);
	assert_contains(err, "does not parse");
}

static void test_too_large(void **state)
{
	size_t len = (64u << 20) + 1;
	char *big = malloc(len);
	struct domain_xml dom;
	char err[512];

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);
	assert_int_equal(parse_len(big, len, &dom, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "domain XML: larger than 64 MiB (the hook's bound): is this a "
			    "libvirt domain XML?");
	free(big);
}

/* An external entity must neither be read nor show up: the hook runs as
 * root and its stdin is not to be trusted with the host's files.  inotify
 * tells whether the file was even opened. */
static void test_external_entity_not_fetched(void **state)
{
	struct t *t = *state;
	const char *secret = t_abs(t->fx, "etc/secret");
	char xml[4096], err[512];
	struct domain_xml dom;
	int ino, wd, r;
	char ev[4096];

	fx_write(t->fx, "etc/secret", "TOPSECRET-4711");
	fx_write(t->fx, "etc/hostdev.xml", "<hostdev mode='subsystem' type='pci'><source>"
		 "<address bus='0x05' slot='0' function='0'/></source></hostdev>");
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ino >= 0);
	wd = inotify_add_watch(ino, secret, IN_OPEN | IN_ACCESS);
	assert_true(wd >= 0);
	assert_true(inotify_add_watch(ino, t_abs(t->fx, "etc/hostdev.xml"), IN_OPEN | IN_ACCESS) >= 0);
	snprintf(xml, sizeof(xml),
		 "<?xml version='1.0'?>\n"
		 "<!DOCTYPE domain [\n"
		 "  <!ENTITY xxe SYSTEM 'file://%s'>\n"
		 "  <!ENTITY dev SYSTEM 'file://%s'>\n"
		 "  <!ENTITY %% remote SYSTEM 'file://%s'>\n"
		 "]>\n"
		 "<domain><name>&xxe;</name><devices>&dev;</devices></domain>\n",
		 secret, t_abs(t->fx, "etc/hostdev.xml"), secret);
	r = parse(xml, &dom, err, sizeof(err));
	if (r == 0) {
		assert_null(strstr(dom.name, "TOPSECRET"));
		assert_int_equal(dom.n_hostdevs, 0);
		eng_domxml_free(&dom);
	} else {
		assert_int_equal(r, -EINVAL);
		assert_null(strstr(err, "TOPSECRET"));
	}
	if (read(ino, ev, sizeof(ev)) > 0)
		fail_msg("the XML parser opened a file an entity named");
	close(ino);
}

/* The same through the other door: an external DTD */
static void test_external_dtd_not_fetched(void **state)
{
	struct t *t = *state;
	char xml[4096], err[512], ev[4096];
	struct domain_xml dom;
	int ino, r;

	fx_write(t->fx, "etc/evil.dtd", "<!ENTITY xxe 'INJECTED'>");
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ino >= 0);
	assert_true(inotify_add_watch(ino, t_abs(t->fx, "etc/evil.dtd"), IN_OPEN | IN_ACCESS) >= 0);
	snprintf(xml, sizeof(xml), "<!DOCTYPE domain SYSTEM 'file://%s'>\n"
		 "<domain><name>&xxe;</name></domain>\n", t_abs(t->fx, "etc/evil.dtd"));
	r = parse(xml, &dom, err, sizeof(err));
	if (r == 0) {
		assert_null(strstr(dom.name, "INJECTED"));
		eng_domxml_free(&dom);
	}
	if (read(ino, ev, sizeof(ev)) > 0)
		fail_msg("the XML parser opened an external DTD");
	close(ino);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Billion laughs: refused, or expanded no further than a name's worth,
 * and quickly either way. */
static void test_billion_laughs(void **state)
{
	static const char bomb[] =
		"<?xml version='1.0'?>\n"
		"<!DOCTYPE domain [\n"
		" <!ENTITY l0 'lol'>\n"
		" <!ENTITY l1 '&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;'>\n"
		" <!ENTITY l2 '&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;'>\n"
		" <!ENTITY l3 '&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;'>\n"
		" <!ENTITY l4 '&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;'>\n"
		" <!ENTITY l5 '&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;'>\n"
		" <!ENTITY l6 '&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;'>\n"
		" <!ENTITY l7 '&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;'>\n"
		" <!ENTITY l8 '&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;'>\n"
		" <!ENTITY l9 '&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;'>\n"
		"]>\n"
		"<domain><name>&l9;</name><devices><hostdev mode='subsystem' type='pci'>"
		"<source><address bus='&l9;' slot='0' function='0'/></source></hostdev>"
		"</devices></domain>\n";
	struct domain_xml dom;
	char err[512];
	double t0 = now_s();
	int r;

	(void)state;
	r = parse(bomb, &dom, err, sizeof(err));
	if (now_s() - t0 > 2.0)
		fail_msg("billion laughs took %.1f s", now_s() - t0);
	if (r == 0) {
		assert_true(strlen(dom.name) < sizeof(dom.name));
		eng_domxml_free(&dom);
	} else {
		assert_int_equal(r, -EINVAL);
		assert_null(strchr(err, '\n'));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostdevs),
		cmocka_unit_test(test_decimal_and_defaults),
		cmocka_unit_test(test_no_hostdevs),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_as_libvirt_reads_it),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_resources_refused),
		cmocka_unit_test(test_missing_source),
		cmocka_unit_test(test_bad_after_good),
		cmocka_unit_test(test_not_a_domain),
		cmocka_unit_test(test_too_large),
		T(test_external_entity_not_fetched),
		T(test_external_dtd_not_fetched),
		cmocka_unit_test(test_billion_laughs),
	};

	t_init();
	return cmocka_run_group_tests_name("domxml", tests, NULL, NULL);
}
