# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo's helpers (tests/vm/t-demo.sh, tests/vm/t-demo-single.sh), sourced
# after lib.sh: every check shows on screen as well as in the results, each
# command a user would type is shown with its output and its time.

export PATH=/usr/local/sbin:$PATH
T0=$(cut -d' ' -f1 /proc/uptime)
ts() { awk -v t0="$T0" '{ printf "%5.1f", $1 - t0 }' /proc/uptime; }
say() { printf '\n[%s s] == %s\n' "$(ts)" "$*"; }
# every check shows on screen too
pass() { report "ok - $1"; echo "      ok - $1"; }
fail() { report "not ok - $1${2:+: $2}"; echo "      NOT OK - $1${2:+: $2}"; }
# check/refuse as lib.sh's, without the log line (the screen shows enough)
check() { _n=$1; shift; if _o=$("$@" 2>&1); then pass "$_n"; else fail "$_n" "$(echo "$_o" | tail -3 | tr '\n' ' ')"; fi; LAST_OUT=$_o; }
refuse() { _n=$1; shift; if _o=$("$@" 2>&1); then fail "$_n" "succeeded: $(echo "$_o" | tail -2 | tr '\n' ' ')"; else pass "$_n"; fi; LAST_OUT=$_o; }
# run NAME CMD...: shows the command and its output as a user would see
# them, and checks that it succeeds
run() {
	_n=$1; shift
	printf '[%s s] # %s\n' "$(ts)" "$*"
	_o=$("$@" 2>&1); _rc=$?
	[ -n "$_o" ] && printf '%s\n' "$_o" | sed 's/^/    /'
	if [ $_rc -eq 0 ]; then pass "$_n"; else fail "$_n" "exit $_rc: $(echo "$_o" | tail -2 | tr '\n' ' ')"; fi
	LAST_OUT=$_o
}
# timed NAME CMD...: run, with the wall time of CMD
timed() {
	_t=$(cut -d' ' -f1 /proc/uptime)
	run "$@"
	echo "    ($(awk -v t="$_t" '{ printf "%.2f", $1 - t }' /proc/uptime) s)"
}
drivers() {
	for _a in $GPU $AUDIO; do
		printf '    %s %-24s driver %-14s IOMMU group %s\n' $_a "$(lspci_name $_a)" "$(drv $_a)" "$(grp $_a)"
	done
}
# what the hook changes on the host's PCI side: the displays' and audio's
# drivers and overrides, the consoles' binds, the VFIO group nodes (the
# whole-host snapshot of lib.sh costs a minute under TCG)
SEC=$(for d in $D/*; do case $(cat $d/vendor):$(cat $d/class) in 0x1234:0x0380*) basename $d ;; esac; done | head -1)
host_state() {
	for _a in $GPU $AUDIO $SEC; do echo "$_a $(drv $_a) $(ovr $_a)"; done
	for _v in /sys/class/vtconsole/vtcon*; do echo "${_v##*/} $(cat $_v/bind)"; done
	ls /dev/vfio | grep -v '^vfio$' | tr '\n' ' '
}
lspci_name() { case $(cat $D/$1/class) in 0x0300*) echo "VGA (the GPU)" ;; 0x0403*) echo "audio (its HDMI audio)" ;; *) cat $D/$1/class ;; esac; }
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
host_res() {
	echo "    hugepages (2 MiB): $(cat $HP)"
	echo "    system.slice may run on: $(cg_file system.slice cpuset.cpus.effective) (AllowedCPUs='$(systemctl show -P AllowedCPUs system.slice)')"
	echo "    unbound workqueues on CPUs: $(wq_mask workqueue)"
}
hist() { journalctl -q -t vfiohook VFIOHOOK_DOMAIN=$1 --no-pager -o cat; }
# DOMAIN's lines that are a step or a phase's end (they carry DURATION_MS)
steps() {
	journalctl -q -t vfiohook VFIOHOOK_DOMAIN=$1 ${2:+VFIOHOOK_PHASE=$2} --no-pager -o export |
		awk '/^MESSAGE=/ { m = substr($0, 9) } /^DURATION_MS=/ { d = 1 }
		     /^$/ { if (d) print "    " m; m = ""; d = 0 }'
}
# the journal's fields of DOMAIN's step lines: "PHASE STEP DURATION_MS"
fields() {
	journalctl -q -t vfiohook VFIOHOOK_DOMAIN=$1 --no-pager -o export |
		awk -F= '/^VFIOHOOK_PHASE=/ { p = $2 } /^STEP=/ { s = $2 } /^DURATION_MS=/ { d = $2 }
			 /^$/ { if (s != "") print p, s, d; p = s = d = "" }'
}

# install_release: the release build installed by `make install RELOAD=yes`
# into the guest, libvirtd running before it (as on a user's machine)
install_release() {
	# the guest's /usr/local is the host's, read-only: a writable layer on it
	mkdir -p /tmp/ul/u /tmp/ul/w
	mount -t overlay overlay -o lowerdir=/usr/local,upperdir=/tmp/ul/u,workdir=/tmp/ul/w /usr/local
	sed -i 's/^#*user = .*/user = "root"/; s/^#*group = .*/group = "root"/' /etc/libvirt/qemu.conf
	mountpoint -q /dev/hugepages || { mkdir -p /dev/hugepages; mount -t hugetlbfs -o pagesize=2M hugetlbfs /dev/hugepages; }
	sed -i 's|^#*hugetlbfs_mount = .*|hugetlbfs_mount = "/dev/hugepages"|' /etc/libvirt/qemu.conf
	check "libvirtd runs (no hook yet)" start_libvirtd_only
	refuse "no hook installed yet" test -e /etc/libvirt/hooks/qemu.d/vfiohook

	say "make install (the release build; libvirtd is running)"
	# (without RELOAD=yes, install ends saying so: tests/build-check)
	run "make install RELOAD=yes" make -s -C "$VFH_TREE" O="$VFH_BUILD/release" install RELOAD=yes
	has "RELOAD=yes reloads libvirtd" "$LAST_OUT" "systemctl reload libvirtd"
	same "the hook is in qemu.d, 0755 root" "$(stat -c '%a %U' /etc/libvirt/hooks/qemu.d/vfiohook)" "755 root"
	same "the INI directory, 0755 root" "$(stat -c '%a %U' /etc/libvirt/hooks/vfiohook)" "755 root"
}
