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
drv() { if [ -e $D/$1/driver ]; then basename "$(readlink $D/$1/driver)"; else echo -; fi; }
ovr() { v=$(cat $D/$1/driver_override); [ "$v" = "(null)" ] && v=-; echo "$v"; }
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
snapshot() {
	for d in $D/*; do a=$(basename $d); echo "$a $(drv $a) $(ovr $a)"; done
	for v in /sys/class/vtconsole/vtcon*; do echo "$(basename $v) $(cat $v/bind)"; done
	# group nodes only: /dev/vfio/vfio stays once the module is loaded
	ls /dev/vfio 2>/dev/null | grep -v '^vfio$' | tr '\n' ' '; echo
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
