#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the test guest (started by tests/vm/boot): prepares the guest,
# runs one test file and reports on ttyS1.  Refuses to run anywhere else:
# the tests rebind drivers and suspend the machine.
grep -qw vfiohook.testguest=1 /proc/cmdline || {
	echo "guest.sh: not in the vfiohook test guest (no vfiohook.testguest=1 on the kernel command line); refusing" >&2
	exit 1
}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
arg() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
VFH_TREE=$(arg vfh.tree) VFH_BUILD=$(arg vfh.build) VFH_TEST=$(arg vfh.test) VFH_INIT=$(arg vfh.init)
export VFH_TREE VFH_BUILD VFH_TEST VFH_INIT
export VFIOHOOK=$VFH_BUILD/tools/vfiohook HOOK=$VFH_BUILD/hooks/vfiohook-qemu
export ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# results: one TAP line per check on the second serial port (survives S3)
stty -F /dev/ttyS1 raw -echo -opost 2>/dev/null
. "$VFH_TREE/tests/vm/lib.sh"
if [ "$VFH_INIT" = bare ]; then
	# no udev here: load what modalias would have loaded (vfio-pci is left
	# to the library, which loads it itself)
	for m in bochs snd_hda_intel e1000e e1000; do modprobe $m; done
	busybox syslogd -O /var/log/messages
fi
settle
cd /tmp
. "$VFH_TREE/tests/vm/$VFH_TEST"
report "VFH-END"
