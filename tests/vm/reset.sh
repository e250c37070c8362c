# SPDX-License-Identifier: LGPL-2.1-or-later
# Between two tests of one guest boot (sourced by guest.sh): put back what
# a test may leave behind by design (a running libvirtd, its domains, units
# and files it created, modules it loaded, the logs it read), then compare
# the guest with the state taken before the first test.  guest.sh only
# runs the next test in this boot when the two are equal; otherwise the
# host side (tests/vm/run) boots a fresh guest for the tests still to run.
#
# /etc is an overlay (see boot): its upper layer, at /run/vfh-etc/u, holds
# every file a test wrote there; the host's own /etc is visible at
# /run/vfh-etc/lower, and guest.sh copies the upper layer to
# /run/vfh-etc/base before the first test.  Files a test created are
# removed, files it changed are copied back.

ETC_U=/run/vfh-etc/u ETC_L=/run/vfh-etc/lower ETC_B=/run/vfh-etc/base

# etc_state: each path of /etc that differs from the host's own (lower
# layer), and how (tests/vm/etc-state.c: one process, not several a path)
etc_state() { $VFH_BUILD/tests/vm/etc-state $ETC_U $ETC_L /etc; }

# units_active: the systemd units running (none in the bare guest); the
# test service itself is "activating" and not among them
units_active() {
	[ "$VFH_INIT" = systemd ] || return 0
	systemctl list-units --all --state=active --plain --no-legend \
		--type=service,scope,slice,socket,mount,target,path,timer 2>/dev/null |
		awk '{print $1}' | grep -v '^session-' | sort
}

# procs: the user-space processes, by name (kernel threads and this
# script's own shells apart)
procs() {
	for _s in /proc/[0-9]*/stat; do
		read -r _st < $_s 2>/dev/null || continue
		set -- ${_st##*) }
		[ $(( $7 & 0x200000 )) -eq 0 ] || continue
		read -r _c < ${_s%stat}comm 2>/dev/null || continue
		case $_c in sh|sort|awk|grep|cat|md5sum|sed|find|stat|cut|tr|"(udev-worker)"|systemd-userwor) continue ;; esac
		echo "proc $_c"
	done | sort
}

# guest_state: all that a test must not carry into the next one
guest_state() {
	snapshot
	grep -H . $D/*/broken_parity_status
	echo "mem_sleep $(cat /sys/power/mem_sleep) wakealarm $(cat /sys/class/rtc/rtc0/wakealarm)"
	echo "default $(cat /proc/irq/default_smp_affinity)"
	grep -H . /sys/devices/virtual/workqueue/cpumask /sys/bus/workqueue/devices/writeback/cpumask \
		/proc/sys/kernel/sched_rt_runtime_us /sys/devices/system/node/node*/hugepages/hugepages-*/nr_hugepages
	find /sys/fs/cgroup -name cpuset.cpus -o -name cpuset.cpus.partition | sort | xargs grep -H . /dev/null
	find /sys/fs/cgroup -mindepth 1 -type d | grep -v '/session-[0-9]*\.scope' | sort
	echo "modules $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
	awk '{print $2, $3}' /proc/mounts
	echo "shm $(ls -A /dev/shm | tr '\n' ' ')"
	echo "journals $(ls -A /run/vfiohook 2>/dev/null | tr '\n' ' ')"
	echo "hook log lines $(hooklog 2>/dev/null | wc -l)"
	echo "hooks $(ls -A /etc/libvirt/hooks 2>/dev/null | tr '\n' ' ')"
	etc_state
	units_active
	procs
}

# _wait_gone NAME: bounded (10 s) wait for the processes called NAME to end
_wait_gone() {
	for _i in $(seq 50); do pgrep -x "$1" >/dev/null || return 0; sleep 0.2; done
	pkill -9 -x "$1"
}

# guest_reset: what a test leaves by design, put back.  $BASE_MODULES,
# $BASE_MOUNTS, $BASE_CGROUPS, $BASE_UNITS and $BASE_MEM_SLEEP are the baseline's, $ETC_B its /etc.
_tick() { echo "     reset: $1 (at $(cut -d' ' -f1 /proc/uptime) s)"; }
guest_reset() {
	# domains: destroyed through libvirtd, so the hook releases what it
	# holds (10 s bound on each virsh)
	if pgrep -x libvirtd >/dev/null; then
		for _d in $(timeout 10 virsh list --all --name 2>/dev/null); do
			timeout 60 virsh destroy "$_d" >/dev/null 2>&1
			timeout 10 virsh undefine --nvram "$_d" >/dev/null 2>&1 ||
				timeout 10 virsh undefine "$_d" >/dev/null 2>&1
		done
	fi
	_tick "domains destroyed, libvirtd stopped"
	if [ "$VFH_INIT" = systemd ]; then
		systemctl stop libvirtd.service virtlogd.service virtlockd.service >/dev/null 2>&1
		# units a test started
		for _u in $(units_active); do
			case " $BASE_UNITS " in *" $_u "*) ;; *) systemctl stop "$_u" >/dev/null 2>&1 ;; esac
		done
	else
		pkill -x libvirtd; _wait_gone libvirtd
		pkill -x virtlogd; _wait_gone virtlogd
	fi
	_tick "stray processes"
	pkill -f '^qemu-system' ; _wait_gone qemu-system-x86
	pkill -x sleep
	rm -rf /run/vfiohook /var/lib/libvirt/qemu/* /var/log/libvirt/qemu/* /var/run/libvirt/qemu/*
	_tick "/etc, the boot's units"
	# /etc: each path in the upper layer goes back to what it was before
	# the first test: the copy then taken, else the host's own, else gone
	$VFH_BUILD/tests/vm/etc-state $ETC_U $ETC_L /etc $ETC_B
	if [ "$VFH_INIT" = systemd ]; then
		systemctl daemon-reload
		# what ran before the first test runs again, afresh (libvirtd:
		# its domains gone, the hooks as they were)
		_now=" $(units_active | tr '\n' ' ') "
		for _u in $BASE_UNITS; do
			case "$_now" in *" $_u "*) ;; *) systemctl start "$_u" >/dev/null 2>&1 ;; esac
		done
	fi
	_tick "cgroups"
	# cgroups a test (or libvirtd) made, deepest first
	find /sys/fs/cgroup -mindepth 1 -type d | sort -r | while read -r _c; do
		case " $BASE_CGROUPS " in *" $_c "*) ;; *) rmdir "$_c" 2>/dev/null ;; esac
	done
	_tick "mounts"
	# mounts a test made, newest first
	awk '{print $2}' /proc/mounts | tac | while read -r _m; do
		case " $BASE_MOUNTS " in *" $_m "*) ;; *) umount -l "$_m" ;; esac
	done
	_tick "files, sleep state, marks"
	rm -rf /tmp/* /dev/shm/* 2>/dev/null
	# what t-suspend-refused.sh selects
	echo "$BASE_MEM_SLEEP" > /sys/power/mem_sleep
	echo 0 > /sys/class/rtc/rtc0/wakealarm
	# mark ADDR (lib.sh) is a test's own
	for _d in $D/*; do echo 0 > $_d/broken_parity_status; done
	_tick "modules"
	# modules a test loaded (vfio-pci stays loaded once used)
	for _i in 1 2; do
		for _m in $(cut -d' ' -f1 /proc/modules); do
			case " $BASE_MODULES " in *" $_m "*) ;; *) modprobe -r "$_m" 2>/dev/null ;; esac
		done
	done
	_tick "logs"
	# the logs: a test reads the hook's lines, never an earlier test's
	if [ "$VFH_INIT" = systemd ]; then
		# rotated, the old files are archives: removed whole
		journalctl --rotate >/dev/null 2>&1
		rm -f /run/log/journal/*/*@*.journal /var/log/journal/*/*@*.journal
	else
		: > /var/log/messages
	fi
	_tick "udev"
	settle
}
