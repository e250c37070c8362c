// SPDX-License-Identifier: LGPL-2.1-or-later
/* lib/pciaddr.c: a PCI address as the INI file, the domain XML's
 * conversion and the CLI give it.  What parses formats back to an address
 * that parses to the same one. */
#include <errno.h>
#include <vfiohook.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfh_pci_addr a, b;
	char buf[VFH_PCI_ADDR_MAX], small[8];
	char *s = fuzz_cstr(data, size);

	if (!s)
		return 0;
	if (vfh_pci_addr_parse(s, &a) == 0) {
		FUZZ_ASSERT(vfh_pci_addr_format(&a, buf, sizeof(buf)) == 0, "%s", s);
		FUZZ_ASSERT(strlen(buf) < VFH_PCI_ADDR_MAX, "%s", buf);
		FUZZ_ASSERT(vfh_pci_addr_parse(buf, &b) == 0, "%s -> %s", s, buf);
		FUZZ_ASSERT(vfh_pci_addr_eq(&a, &b) && vfh_pci_addr_cmp(&a, &b) == 0,
			    "%s -> %s", s, buf);
		FUZZ_ASSERT(a.slot <= 0x1f && a.func <= 7, "%s", s);
		FUZZ_ASSERT(vfh_pci_addr_format(&a, small, sizeof(small)) == -ENOSPC, "%s", s);
	}
	free(s);
	return 0;
}
