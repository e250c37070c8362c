# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo (`make demo` streams it; the real-kernel tier runs it as a test:
# every line it shows is checked).  In a systemd guest with a real libvirtd:
# `make install` of the release build, the daemon reloaded as install asks,
# then the main job through the installed hook: a domain with the GPU-like
# VGA (+ its audio function, same IOMMU group), 64 MiB of hugepages and its
# vCPU on CPU 1, two-GPU style (the second display stays with the host).
# Not here yet: single-GPU style.  In this guest (a second display at boot)
# unbinding fbcon fails ("vtcon1 is still bound after writing 0 to its
# bind file") and the hook refuses the start, putting everything back; with
# one display (t-hook-single-gpu.sh) it works.  Shown: the plan,
# each step with its time, drivers, hugepages and CPUs before, during and
# after, `vfiohook status` while it runs, the journal gone after, and the
# hook's history in the systemd journal.
# vm: systemd second-gpu
# vm-timeout: 1200

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

say "vfiohook demo: a QEMU/TCG guest (systemd, libvirtd $(libvirtd --version | awk '{ print $NF }'), kernel $(uname -r))"
echo "    a GPU-like VGA and its audio function share one IOMMU group; a second display stays with the host"
drivers
same "the GPU and its audio function share one IOMMU group" "$(grp $AUDIO)" "$(grp $GPU)"

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

say "two-GPU style: domain win11 gets the VGA (managed hostdev), 64 MiB of hugepages, its vCPU on CPU 1"
xdomain win11 "<memoryBacking><hugepages/></memoryBacking><numatune><memory mode='strict' nodeset='0'/></numatune><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>" \
	"<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x$(echo $GPU | cut -d: -f2)' slot='0x$(echo $GPU | cut -d: -f3 | cut -d. -f1)' function='0x0'/></source></hostdev>"
ini win11 <<INI
[devices]
passthrough = auto
[memory]
hugepages = auto
[cpus]
isolate = auto
INI
echo "    /etc/libvirt/hooks/vfiohook/win11.ini:"; sed 's/^/      /' /etc/libvirt/hooks/vfiohook/win11.ini
before=$(host_state) res_before=$(host_res)
echo "    before:"; drivers; echo "$res_before"
run "vfiohook plan win11" vfiohook plan win11 --xml /tmp/win11.xml
nsteps=$(echo "$LAST_OUT" | sed -n 's/.*would take \([0-9]*\) steps.*/\1/p')
has "the plan binds the audio function too" "$LAST_OUT" "$AUDIO to vfio-pci"
has "the plan reserves the hugepages" "$LAST_OUT" "reserve 32 hugepages"
timed "virsh start win11 (through the installed hook)" virsh start win11
same "win11 runs" "$(state win11)" running
echo "    during:"; drivers; host_res
same "$GPU on vfio-pci" "$(drv $GPU)" vfio-pci
same "$AUDIO (not in the XML: same group) on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "32 hugepages reserved for it" "$(cat $HP)" 32
same "host work kept off CPU 1 (system.slice)" "$(cg_file system.slice cpuset.cpus.effective)" 0
run "vfiohook status" vfiohook status
has "status shows win11's journal" "$LAST_OUT" "win11"
say "each step, with its time (journalctl -t vfiohook VFIOHOOK_DOMAIN=win11, lines with DURATION_MS)"
steps win11
has "journald has win11's steps" "$(hist win11)" "win11 prepare: step 1/"
same "journald: each of the $nsteps prepare steps has VFIOHOOK_PHASE, STEP and DURATION_MS" \
	"$(fields win11 | awk '$1 == "prepare" && $2 >= 1 && $3 ~ /^[0-9]+\.[0-9]$/' | wc -l)" "$nsteps"
timed "virsh destroy win11" virsh destroy win11
echo "    after:"; drivers; host_res
same "drivers, overrides, consoles: as before" "$(host_state)" "$before"
same "hugepages, CPUs, workqueues: as before" "$(host_res)" "$res_before"
refuse "win11's journal is gone" test -e /run/vfiohook/win11
say "release, step by step"
steps win11 release
same "journald: each of the $nsteps undo steps of release has STEP and DURATION_MS" \
	"$(fields win11 | awk '$1 == "release" && $2 >= 1 && $3 ~ /^[0-9]+\.[0-9]$/' | wc -l)" "$nsteps"

say "done: journalctl -t vfiohook VFIOHOOK_DOMAIN=NAME is one VM's history"
