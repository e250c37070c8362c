// SPDX-License-Identifier: LGPL-2.1-or-later
/* Advice on a domain's XML for what vfiohook's INI asks of it: each
 * finding names what is missing and gives the XML to add. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cli.h"

static int count(xmlXPathContextPtr xp, const char *expr)
{
	xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, xp);
	int n = r && r->nodesetval ? r->nodesetval->nodeNr : 0;

	xmlXPathFreeObject(r);
	return n;
}

/* The Looking Glass size for a resolution: two frames of 32-bit pixels
 * plus 10 MiB, rounded up to a power of two (its documented formula). */
static uint64_t lg_size(unsigned int w, unsigned int h)
{
	uint64_t need = (uint64_t)w * h * 4 * 2 + (10ull << 20), p = 1;

	while (p < need)
		p <<= 1;
	return p;
}

static void nvidia(struct vfh_ctx *ctx, xmlXPathContextPtr xp, const struct domain_xml *dom,
		   struct onode *arr)
{
	char gpus[256] = "";

	for (size_t i = 0; i < dom->n_hostdevs; i++) {
		struct vfh_pci_info info;
		char a[VFH_PCI_ADDR_MAX];

		if (vfh_pci_info_read(ctx, &dom->hostdevs[i].addr, &info) < 0 || !info.is_display ||
		    info.vendor != 0x10de)
			continue;
		vfh_pci_addr_format(&info.addr, a, sizeof(a));
		snprintf(gpus + strlen(gpus), sizeof(gpus) - strlen(gpus), "%s%s", *gpus ? ", " : "",
			 a);
	}
	if (!*gpus)
		return;
	if (count(xp, "/domain/features/hyperv/vendor_id[@state='on']") &&
	    count(xp, "/domain/features/kvm/hidden[@state='on']"))
		return;
	finding(arr, "warn", "nvidia", "add under <features>:\n"
		"<hyperv><vendor_id state='on' value='0123456789ab'/></hyperv>\n"
		"<kvm><hidden state='on'/></kvm>",
		"NVIDIA GPU %s passed without <hyperv><vendor_id> and <kvm><hidden>: older "
		"NVIDIA drivers stop with code 43 when they see a hypervisor", gpus);
}

static void looking_glass(xmlXPathContextPtr xp, const struct domain_xml *dom,
			  const struct opts *o, struct onode *arr)
{
	if (!dom->n_shmems)
		return;
	if (!count(xp, "/domain/devices/channel[@type='spicevmc']"))
		finding(arr, "warn", "looking-glass", "add under <devices>:\n"
			"<channel type='spicevmc'>\n"
			"  <target type='virtio' name='com.redhat.spice.0'/>\n"
			"</channel>",
			"<shmem name='%s'> without a spicevmc channel: Looking Glass has no "
			"clipboard and no SPICE input", dom->shmems[0].name);
	if (o->res_w) {
		uint64_t need = lg_size(o->res_w, o->res_h);

		for (size_t i = 0; i < dom->n_shmems; i++) {
			char fix[512];

			if (dom->shmems[i].server || dom->shmems[i].size >= need)
				continue;
			snprintf(fix, sizeof(fix), "in <shmem name='%s'>:\n<size unit='M'>%llu</size>",
				 dom->shmems[i].name, (unsigned long long)(need >> 20));
			finding(arr, "fail", "looking-glass", fix, "<shmem name='%s'> is %llu MiB; "
				"%ux%u needs %llu MiB (w*h*4*2 + 10 MiB, a power of two)",
				dom->shmems[i].name, (unsigned long long)(dom->shmems[i].size >> 20),
				o->res_w, o->res_h, (unsigned long long)(need >> 20));
		}
	}
}

static void memory(xmlXPathContextPtr xp, const struct domain_xml *dom, struct onode *arr)
{
	(void)xp;
	if (dom->hugepages && dom->balloon)
		finding(arr, "warn", "memballoon", "replace the <memballoon> with:\n"
			"<memballoon model='none'/>", "hugepages with a memory balloon: the balloon "
			"cannot give hugepage-backed memory back, it only costs");
}

/* The CPUs the vCPUs are to be pinned on, as the INI names them: its
 * isolate list, or with isolate = auto the <vcpu cpuset=> the vCPUs float
 * over (what auto would isolate).  *from says so; false: none named. */
static bool named_cpus(const struct domain_xml *dom, const struct hook_config *hc,
		       struct eng_set *set, char *from, size_t len)
{
	if (hc->isolate == ISOLATE_LIST && eng_set_parse(hc->isolate_cpus, set) == 0) {
		snprintf(from, len, "[cpus] isolate (%s)", hc->isolate_cpus);
		return true;
	}
	if (hc->isolate == ISOLATE_AUTO && *dom->vcpu_cpuset &&
	    eng_set_parse(dom->vcpu_cpuset, set) == 0) {
		snprintf(from, len, "<vcpu cpuset='%s'>", dom->vcpu_cpuset);
		return true;
	}
	return false;
}

/* One <vcpupin> per vCPU of the domain: on the CPUs the INI names, in
 * order, one each; CPU (a placeholder the text explains) for a vCPU they
 * do not cover.  Returns malloc()ed text. */
static char *vcpupin_fix(const struct domain_xml *dom, const struct hook_config *hc,
			 unsigned int vcpus)
{
	struct eng_set set;
	char from[320], *fix;
	size_t len = 1024 + (size_t)vcpus * 48, n;
	bool named = named_cpus(dom, hc, &set, from, sizeof(from));
	unsigned int have = named ? eng_set_count(&set) : 0;
	int cpu = -1;

	if (!(fix = malloc(len)))
		die("out of memory");
	if (named && have >= vcpus)
		n = (size_t)snprintf(fix, len, "add under <cputune>, one per vCPU (%u), on %s:", vcpus, from);
	else if (named)
		n = (size_t)snprintf(fix, len, "add under <cputune>, one per vCPU (%u); %s names %u "
				     "CPU%s for %u vCPUs: add %u more to it and put them where CPU "
				     "stands below:", vcpus, from, have, have == 1 ? "" : "s", vcpus,
				     vcpus - have);
	else
		n = (size_t)snprintf(fix, len, "add under <cputune>, one per vCPU (%u); CPU below "
				     "stands for a host CPU you choose, a different one for each vCPU "
				     "and not CPU 0 (isolate = auto isolates the CPUs they name):",
				     vcpus);
	for (unsigned int v = 0; v < vcpus && n < len; v++) {
		char c[16] = "CPU";

		if (v < have && (cpu = eng_set_next(&set, cpu)) >= 0)
			snprintf(c, sizeof(c), "%d", cpu);
		n += (size_t)snprintf(fix + n, len - n, "\n<vcpupin vcpu='%u' cpuset='%s'/>", v, c);
	}
	return fix;
}

static void cpus(xmlXPathContextPtr xp, const struct domain_xml *dom,
		 const struct hook_config *hc, struct onode *arr)
{
	bool isolate = hc->isolate != ISOLATE_NO;
	bool sched = count(xp, "/domain/cputune/vcpusched") > 0;
	/* libvirt's default without <vcpu>: one */
	unsigned int vcpus = dom->vcpus ? dom->vcpus : 1;
	char fix[256], range[32];

	if (isolate && !count(xp, "/domain/cputune/vcpupin")) {
		char *pins = vcpupin_fix(dom, hc, vcpus);

		finding(arr, "warn", "cpus", pins, "[cpus] isolate without <vcpupin>: the vCPUs "
			"float over every CPU; isolate keeps the host off CPUs no vCPU is held to");
		free(pins);
	}
	if (vcpus > 1)
		snprintf(range, sizeof(range), "0-%u", vcpus - 1);
	else
		snprintf(range, sizeof(range), "0");
	snprintf(fix, sizeof(fix), "add under <cputune>:\n"
		 "<vcpusched vcpus='%s' scheduler='fifo' priority='1'/>", range);
	if ((isolate || hc->rt_runtime == RT_RUNTIME_UNLIMITED) && !sched)
		finding(arr, "warn", "cpus", fix, "%s without <vcpusched>: the vCPU threads stay "
			"SCHED_OTHER, so host threads still preempt them",
			isolate ? "[cpus] isolate" : "rt_runtime");
}

static void unmanaged(const struct domain_xml *dom, const struct hook_config *hc,
		      struct onode *arr)
{
	if (hc->from_xml)
		return;
	for (size_t i = 0; i < dom->n_hostdevs; i++) {
		char a[VFH_PCI_ADDR_MAX], fix[1024];
		bool listed = false;

		if (dom->hostdevs[i].managed)
			continue;
		for (size_t k = 0; k < hc->n_listed; k++)
			listed |= vfh_pci_addr_eq(&hc->listed[k], &dom->hostdevs[i].addr);
		if (listed)
			continue;
		vfh_pci_addr_format(&dom->hostdevs[i].addr, a, sizeof(a));
		snprintf(fix, sizeof(fix), "add %s to passthrough in %s, or set managed='yes' on "
			 "its <hostdev>", a, hc->path);
		finding(arr, "fail", "hostdev", fix, "%s is managed='no' and not passed by "
			"vfiohook: nobody moves it to vfio-pci, QEMU fails to start", a);
	}
}

void xml_advice(struct vfh_ctx *ctx, const char *xml, size_t len, const struct domain_xml *dom,
		const struct hook_config *hc, const struct opts *o, struct onode *arr)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr xp;
	size_t before = arr->n;

	if (!doc)
		return;	/* the engine parsed it already and said why */
	xp = xmlXPathNewContext(doc);
	if (xp) {
		nvidia(ctx, xp, dom, arr);
		looking_glass(xp, dom, o, arr);
		memory(xp, dom, arr);
		cpus(xp, dom, hc, arr);
		unmanaged(dom, hc, arr);
		xmlXPathFreeContext(xp);
	}
	xmlFreeDoc(doc);
	if (arr->n == before)
		finding(arr, "ok", "domain XML", NULL, "nothing to add for what the INI file asks");
}

/* The hugepages the plan reserves at start against the node's free
 * memory now: the kernel finds what is not free by reclaim and
 * compaction, or not at all.  A warning: memory comes and goes. */
void plan_advice(struct vfh_ctx *ctx, const struct plan *plan, struct onode *arr)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct vfh_hugepage_pool pool;
		uint64_t size, pages, add, memfree;
		char where[32];
		bool keep;
		int node;

		if (eng_step_hugepages_get(&plan->steps[i], &node, &size, &pages, &keep) < 0 ||
		    vfh_hugepages_read(ctx, node, size, &pool) < 0 ||
		    vfh_numa_memfree(ctx, node, &memfree) < 0)
			continue;
		/* keep: the pool's free pages count; otherwise every page is new */
		add = keep ? (pages > pool.free ? pages - pool.free : 0) : pages;
		if (add * size <= memfree)
			continue;
		if (node == VFH_NODE_ALL)
			snprintf(where, sizeof(where), "the host");
		else
			snprintf(where, sizeof(where), "node %d", node);
		finding(arr, "warn", "hugepages", keep ? "free memory before the domain starts" :
			"free memory before the domain starts, or reserve the pages at boot "
			"(hugepages= on the kernel command line) and set hugepages = keep in "
			"[memory]", "%" PRIu64 " new hugepages of %" PRIu64 " kB (%" PRIu64 " MiB) "
			"at start, and %s has %" PRIu64 " MiB free now: the rest must come from "
			"reclaim and compaction, which may fall short", add, size,
			add * size >> 10, where, memfree >> 10);
	}
}
