# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for tests/vm/t-*.sh, sourced by guest.sh inside the test guest.
# Every check writes one TAP line to ttyS1; checks look at real state
# (driver links, sysfs attributes, /dev/vfio, what virsh reports).

RESULTS=${RESULTS:-/dev/ttyS1}
report() { printf '%s\n' "$*" > "$RESULTS"; }
pass() { report "ok - $1"; }
fail() { report "not ok - $1${2:+: $2}"; }

# check NAME CMD...: passes when CMD succeeds; its output goes to the log
# and stays in $LAST_OUT.  (Helpers use _-prefixed names: shell variables
# are global, and tests have their own.)
check() {
	_n=$1; shift
	if _o=$("$@" 2>&1); then pass "$_n"; else fail "$_n" "$(echo "$_o" | tail -3 | tr '\n' ' ')"; fi
	echo "[$_n] $*: $_o"
	LAST_OUT=$_o
}
# refuse NAME CMD...: passes when CMD fails
refuse() {
	_n=$1; shift
	if _o=$("$@" 2>&1); then fail "$_n" "succeeded: $(echo "$_o" | tail -2 | tr '\n' ' ')"; else pass "$_n"; fi
	echo "[$_n] $*: $_o"
	LAST_OUT=$_o
}
# same NAME GOT WANT (multi-line values: the first differing line is shown,
# the whole diff goes to the log)
same() {
	if [ "$2" = "$3" ]; then pass "$1"; return; fi
	case "$2$3" in
	*"
"*)	printf '%s\n' "$3" > /tmp/.want; printf '%s\n' "$2" > /tmp/.got
		echo "[$1] diff want got:"; diff /tmp/.want /tmp/.got
		fail "$1" "$(diff /tmp/.want /tmp/.got | grep '^[<>]' | head -2 | tr '\n' ' ')" ;;
	*)	fail "$1" "got '$2', want '$3'" ;;
	esac
}
# has NAME HAYSTACK NEEDLE
has() {
	case "$2" in *"$3"*) pass "$1" ;; *) fail "$1" "'$3' not in: $(echo "$2" | head -3 | tr '\n' ' ')" ;; esac
}

D=/sys/bus/pci/devices
# (few processes: each costs ~10 ms in a TCG guest, and tests call these
# often)
drv() { if [ -e $D/$1/driver ]; then _l=$(readlink $D/$1/driver); echo "${_l##*/}"; else echo -; fi; }
ovr() { read -r v < $D/$1/driver_override; [ "$v" = "(null)" ] && v=-; echo "$v"; }
grp() { basename "$(readlink $D/$1/iommu_group)"; }
# devs VENDOR:DEVICE [CLASS-PREFIX]: every matching address
devs() {
	for d in $D/*; do
		[ "$(cat $d/vendor):$(cat $d/device)" = "0x${1%%:*}:0x${1##*:}" ] || continue
		[ -z "${2:-}" ] || case $(cat $d/class) in 0x$2*) ;; *) continue ;; esac
		basename $d
	done
}
dev() { devs "$@" | head -1; }
# settle: every PCI device with a loaded matching driver is bound (bare
# guest: modprobe binds synchronously; systemd guest: wait for udev)
settle() { command -v udevadm >/dev/null && [ -S /run/udev/control ] && udevadm settle -t 30; true; }

# the state a test must leave as it found it: driver, override of every
# PCI device, vtconsole binds, /dev/vfio
# (; not &&: a driver link that goes while ls runs, a VF's failed probe,
# must not drop the overrides)
snapshot() {
	(cd $D && for _a in *; do echo "dev $_a"; done; ls -l */driver 2>/dev/null; grep -H . */driver_override) |
		awk '$1 == "dev" { order[++n] = $2; drv[$2] = "-"; next }
			/ -> / { split($(NF - 2), k, "/"); m = split($NF, p, "/"); drv[k[1]] = p[m]; next }
			{ i = index($0, "/driver_override:"); a = substr($0, 1, i - 1); v = substr($0, i + 17)
			  ovr[a] = (v == "(null)" ? "-" : v) }
			END { for (i = 1; i <= n; i++) print order[i], drv[order[i]], ovr[order[i]] }'
	for _v in /sys/class/vtconsole/vtcon*; do read -r _b < $_v/bind; echo "${_v##*/} $_b"; done
	# group nodes only: /dev/vfio/vfio stays once the module is loaded
	_l=
	for _f in /dev/vfio/*; do
		[ -e "$_f" ] && [ "${_f##*/}" != vfio ] && _l="$_l${_f##*/} "
	done
	echo "$_l"
}

GPU=$(dev 1234:1111 0300) AUDIO=${GPU%.*}.1
NIC1=$(devs 8086:10d3 | sed -n 1p) NIC2=$(devs 8086:10d3 | sed -n 2p)
E1000_1=$(devs 8086:100e | sed -n 1p) E1000_2=$(devs 8086:100e | sed -n 2p)

# the kernel's own verdict on a VFIO group
KSTATUS=$VFH_BUILD/tests/vm/vfio-group-status

# stage DIR BIN...: a tmpfs root with busybox, BINs and their libraries and
# this file, for what must run after a suspend to RAM: virtio-9p (the shared
# root, the tree) does not survive S3, and anything touching it hangs.
stage() {
	r=$1; shift
	mkdir -p $r && mount -t tmpfs tmpfs $r || return 1
	mkdir -p $r/bin $r/proc $r/sys $r/dev $r/tmp
	cp /bin/busybox $r/bin/ || return 1
	for a in $(/bin/busybox --list); do [ $a = busybox ] || ln -sf busybox $r/bin/$a; done
	for b in "$@"; do
		cp "$b" $r/bin/ || return 1
		for l in $(ldd "$b" | grep -o '/[^ ]*'); do
			mkdir -p $r$(dirname $l) && cp -L $l $r$l || return 1
		done
	done
	cp "$VFH_TREE/tests/vm/lib.sh" $r/lib.sh
	mount --bind /proc $r/proc && mount --rbind /sys $r/sys && mount --bind /dev $r/dev
}
# quit: end the guest from anywhere (no 9p needed): QEMU's isa-debug-exit
quit() { printf '\001' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null; }

# mark ADDR / fresh ADDR: broken_parity_status is 0 on a new pci_dev; a 1
# written to the old one tells a device re-created by remove + rescan from
# one that stayed
mark() { echo 1 > $D/$1/broken_parity_status; }
fresh() { [ "$(cat $D/$1/broken_parity_status)" = 0 ]; }

# ---- libvirt

# libvirtd as the tests need it: QEMU run as root (no dynamic ownership of
# /dev/vfio in this guest), vfiohook's test-build hook installed in qemu.d
# (not as hooks/qemu: the layout most users have next to other hooks).
start_libvirtd() {
	sed -i 's/^#*user = .*/user = "root"/; s/^#*group = .*/group = "root"/' /etc/libvirt/qemu.conf
	mkdir -p /etc/libvirt/hooks/qemu.d /etc/libvirt/hooks/vfiohook
	cp "$HOOK" /etc/libvirt/hooks/qemu.d/vfiohook
	chmod 755 /etc/libvirt/hooks/qemu.d/vfiohook
	start_libvirtd_only
}
# the daemon alone, hooks as they are
start_libvirtd_only() {
	if [ "$VFH_INIT" = systemd ]; then
		systemctl restart libvirtd.service || return 1
	else
		mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu
		virtlogd -d
		(libvirtd > /var/log/libvirtd.out 2>&1 &)
	fi
	# bounded: 10 s for the daemon to answer
	for i in $(seq 50); do virsh -q list >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}
stop_libvirtd() {
	if [ "$VFH_INIT" = systemd ]; then systemctl stop libvirtd.service; return; fi
	pkill -x libvirtd
	for i in $(seq 50); do pgrep -x libvirtd >/dev/null || return 0; sleep 0.2; done
	return 1
}

# display_manager: a stand-in display-manager.service (a process that
# waits), started; what [single-gpu] stop_units stops.  No start limit:
# the fault matrix stops and starts it more often than systemd's default
# burst allows.
display_manager() {
	printf '[Unit]\nDescription=stand-in display manager\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sleep infinity\n' \
		> /etc/systemd/system/display-manager.service
	systemctl daemon-reload && systemctl start display-manager.service
}

# ini NAME <<EOF ... EOF: a domain's INI file, root-owned 0644
ini() { cat > /etc/libvirt/hooks/vfiohook/$1.ini; chmod 644 /etc/libvirt/hooks/vfiohook/$1.ini; }

# domain NAME ADDR...: defines a small TCG domain with managed PCI hostdevs
domain() {
	_d=$1; shift
	{
		echo "<domain type='qemu'><name>$_d</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
		echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
		for a in "$@"; do
			_b=$(echo $a | cut -d: -f2); _s=$(echo $a | cut -d: -f3 | cut -d. -f1); _f=${a##*.}
			echo "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
			echo "<address domain='0x0000' bus='0x$_b' slot='0x$_s' function='0x$_f'/></source></hostdev>"
		done
		echo "</devices></domain>"
	} > /tmp/$_d.xml
	virsh -q define /tmp/$_d.xml > /dev/null
}
state() { virsh -q domstate "$1" 2>/dev/null | head -1; }
journal_of() { cat /run/vfiohook/$1/journal 2>/dev/null; }
# the hook's syslog lines (bare guest: busybox syslogd; systemd: journald)
hooklog() {
	if [ "$VFH_INIT" = systemd ]; then journalctl -q -t vfiohook --no-pager; else grep vfiohook /var/log/messages; fi
}

# xdomain NAME DOMAIN-XML [DEVICES-XML]: defines a small TCG domain with
# DOMAIN-XML inside <domain> (vcpu, memoryBacking, numatune, cputune...;
# <memory> 64 MiB and <vcpu>1 unless given) and DEVICES-XML in <devices>
xdomain() {
	{
		echo "<domain type='qemu'><name>$1</name>"
		case "$2" in *"<memory unit="*|*"<memory>"*) ;; *) echo "<memory unit='MiB'>64</memory>" ;; esac
		case "$2" in *"<vcpu>"*|*"<vcpu "*) ;; *) echo "<vcpu>1</vcpu>" ;; esac
		echo "$2<os><type arch='x86_64' machine='q35'>hvm</type></os>"
		echo "<devices>${3:-}</devices></domain>"
	} > /tmp/$1.xml
	virsh -q define /tmp/$1.xml > /dev/null
}
# qemu_of NAME: the PID of the domain's QEMU
qemu_of() { pgrep -f "guest=$1," | head -1; }

# ---- CPU isolation

# expand LIST: "0-2,5" -> "0 1 2 5"
expand() {
	echo "$1" | tr ',' '\n' | while IFS=- read _a _b; do [ -n "$_a" ] && seq $_a ${_b:-$_a}; done | tr '\n' ' '
}
# meets LIST "CPU...": LIST holds one of the CPUs
meets() {
	for _c in $(expand "$1"); do for _w in $2; do [ $_c = $_w ] && return 0; done; done
	return 1
}
# strays "CPU..." CGROUP-PREFIX: the tasks outside CGROUP-PREFIX (the VMs'
# cgroup, e.g. /machine) allowed on any of the CPUs, one per line.  Kernel
# threads are skipped: they are per-CPU workers or follow the workqueue
# and IRQ masks, which are checked apart (PF_KTHREAD in /proc/PID/stat's
# flags, not an empty cgroup: kernel threads are in the root cgroup).
strays() {
	for _t in /proc/[0-9]*/task/[0-9]*; do
		read -r _cg < $_t/cgroup 2>/dev/null || continue
		case "$_cg" in "0::$2"*) continue ;; esac
		read -r _st < $_t/stat 2>/dev/null || continue
		set -- "$1" "$2" ${_st##*) }
		[ $(( $9 & 0x200000 )) -eq 0 ] || continue
		_l=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' $_t/status 2>/dev/null)
		[ -n "$_l" ] && meets "$_l" "$1" && echo "$_t $(cat $_t/comm 2>/dev/null) [$_l] $_cg"
	done
	true
}
# irq_strays "CPU..." DOMAIN...: the IRQs allowed on any of the CPUs that
# the kernel did not refuse to move: a refused one was planned (the
# journal of one of the DOMAINs has its step), reads back its prior
# affinity, and the hook logged that it stays.
irq_strays() {
	_cpus=$1; shift
	_log=$(hooklog)
	for _d in /proc/irq/[0-9]*; do
		_n=${_d##*/}
		_l=$(cat $_d/smp_affinity_list 2>/dev/null) || continue
		meets "$_l" "$_cpus" || continue
		_ok=
		for _dom in "$@"; do
			journal_of $_dom | grep -q "cpumask what=irq$_n .*prior=$_l\( \|$\)" && _ok=1
		done
		if [ -n "$_ok" ] && echo "$_log" | grep -q "IRQ $_n cannot be moved"; then
			echo "irq$_n [$_l] refused by the kernel" >> /tmp/irq-refused
			continue
		fi
		echo "irq$_n [$_l] $(cat $_d/../../interrupts 2>/dev/null | sed -n "s/^ *$_n: .*  //p" | head -1)"
	done
	true
}
# wq_mask NAME: the workqueue cpumask (unbound: "workqueue", "writeback")
# as a CPU list
wq_mask() {
	case $1 in
	workqueue) _f=/sys/devices/virtual/workqueue/cpumask ;;
	writeback) _f=/sys/bus/workqueue/devices/writeback/cpumask ;;
	esac
	_v=$(tr -d ',\n' < $_f) || return 1
	_v=$((0x$_v)) _i=0 _o=
	while [ $_v -ne 0 ]; do
		[ $((_v & 1)) -eq 1 ] && _o="$_o$_i "
		_v=$((_v >> 1)) _i=$((_i + 1))
	done
	echo "$_o"
}
# irqs_now: every IRQ's affinity, the default and the workqueue masks
irqs_now() {
	grep -H . /proc/irq/[0-9]*/smp_affinity_list | sed 's|^/proc/irq/\([0-9]*\)/smp_affinity_list:|\1 |' | sort -n
	echo "default $(cat /proc/irq/default_smp_affinity)"
	echo "workqueue $(cat /sys/devices/virtual/workqueue/cpumask)"
	echo "writeback $(cat /sys/bus/workqueue/devices/writeback/cpumask)"
	echo "rt_runtime $(cat /proc/sys/kernel/sched_rt_runtime_us)"
}
# cg_file CGROUP FILE: its content, "-" when it does not exist
cg_file() { cat /sys/fs/cgroup/$1/$2 2>/dev/null || echo -; }
