#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the test guest (started by tests/vm/boot): prepares the guest,
# runs its test files one after the other and reports on ttyS1, each
# test's lines between "VFH-BEGIN NAME" and "VFH-END NAME SECONDS".
# Between two tests it puts the guest back (reset.sh) and goes on only
# when the guest equals the state taken before the first test; else it
# says "VFH-DIRTY NAME: what differs" and ends, and the host boots a fresh
# guest for the rest.  Refuses to run anywhere else:
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
	for m in bochs snd_hda_intel e1000e e1000 nvme; do modprobe $m; done
	busybox syslogd -O /var/log/messages
fi
settle
cd /tmp
. "$VFH_TREE/tests/vm/reset.sh"
# what every libvirt test sets the same way, done once before the baseline
sed -i 's/^#*user = .*/user = "root"/; s/^#*group = .*/group = "root"/' /etc/libvirt/qemu.conf
left=$(echo "$VFH_TEST" | tr ',' ' ')
# one test: nothing to put back after it
if [ "$left" != "${left%% *}" ]; then
	rm -rf $ETC_B; cp -a $ETC_U $ETC_B
	BASE_MODULES=$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')
	BASE_MOUNTS=$(awk '{print $2}' /proc/mounts | tr '\n' ' ')
	BASE_UNITS=$(units_active | tr '\n' ' ')
	BASE_CGROUPS=$(find /sys/fs/cgroup -mindepth 1 -type d | tr '\n' ' ')
	BASE_MEM_SLEEP=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/power/mem_sleep)
	echo "==== taking the guest's state (at $(cut -d' ' -f1 /proc/uptime) s)"
	base=$(guest_state)
	echo "$base" > /tmp/.vfh-base
fi
for t in $left; do
	left=${left#$t}; left=${left# }
	echo "==== $t (at $(cut -d' ' -f1 /proc/uptime) s)"
	report "VFH-BEGIN $t"
	_t0=$(cut -d. -f1 /proc/uptime)
	# a subshell: the test's variables, functions and traps stay its own
	( . "$VFH_TREE/tests/vm/$t" )
	report "VFH-END $t $(( $(cut -d. -f1 /proc/uptime) - _t0 ))"
	[ -n "$left" ] || break
	echo "==== reset after $t (at $(cut -d' ' -f1 /proc/uptime) s)"
	guest_reset
	now=$(guest_state)
	if [ "$now" != "$base" ]; then
		echo "$now" > /tmp/.vfh-now
		diff /tmp/.vfh-base /tmp/.vfh-now
		report "VFH-DIRTY $t: $(diff /tmp/.vfh-base /tmp/.vfh-now | grep '^[<>]' | head -3 | tr '\n' ' ')"
		break
	fi
	rm -f /tmp/.vfh-now
	echo "==== the guest is as it booted (at $(cut -d' ' -f1 /proc/uptime) s)"
	echo "$base" > /tmp/.vfh-base
done
