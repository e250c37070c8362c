# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests/vm/guest.sh in the guest tests/bench/guestbench boots
# (--numa, --systemd unless BENCH_INIT=bare).  Prints figures on the results port; a part that
# cannot run says why and the next one still runs.
read PAGES HROUNDS VROUNDS PARTS < /mnt/args
# the parts to run (BENCH_PARTS; all by default)
want() { case " ${PARTS:-1 2 3 4 5} " in *" $1 "*) return 0 ;; esac; return 1; }
B=$VFH_BUILD
out() { tee -a "$RESULTS"; }
P1=/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# median of the numbers on stdin
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

{
	echo "guest: $(nproc) CPUs ($(grep -c '^processor' /proc/cpuinfo) online), kernel $(uname -r)," \
		"init $VFH_INIT, nodes: $(for n in /sys/devices/system/node/node[0-9]*; do
			printf '%s %s MiB; ' ${n##*/} $(( $(sed -n 's/.*MemTotal: *\([0-9]*\).*/\1/p' $n/meminfo) / 1024 )); done)"
	echo "guest: $(libvirtd --version), $(qemu-system-x86_64 --version | head -1)"
} | out

# ---- 1. hugepages on a fragmented node
if want 1; then
echo > "$RESULTS"
t0=$(ms)
if ! "$B/hugebench" 1 "$PAGES" 3 "$HROUNDS" 50 40 1 "$B/cache.bin" > /tmp/huge.out; then
	echo "hugebench failed:" | out
fi
out < /tmp/huge.out
echo "(hugepages part: $(( ($(ms) - t0) / 1000 )) s)" | out
fi

# ---- 2. what prepare adds to virsh start / destroy
# the bench domain, for 2 and 3
if want 2 || want 3; then
echo > "$RESULTS"
echo 0 > $P1
HOOK=$B/hooks/vfiohook-qemu
# libvirt backs guests with hugepages from a hugetlbfs (systemd mounts one)
grep -q ' hugetlbfs ' /proc/mounts || { mkdir -p /dev/hugepages; mount -t hugetlbfs hugetlbfs /dev/hugepages; }
echo "virsh bench: starting libvirtd $(date +%T)" >&2
if ! start_libvirtd; then
	echo "virsh bench: libvirtd did not start" | out
	PARTS=$(echo " $PARTS " | sed 's/ [23] / /g')
fi
cat > /tmp/bench.xml <<XML
<domain type='qemu'><name>bench</name><memory unit='MiB'>64</memory>
<memoryBacking><hugepages/></memoryBacking>
<vcpu placement='static'>2</vcpu>
<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/></cputune>
<numatune><memory mode='strict' nodeset='1'/></numatune>
<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>
XML
virsh -q define /tmp/bench.xml > /dev/null
INI=/etc/libvirt/hooks/vfiohook/bench.ini
# without systemd the guest's processes sit in the root cgroup, where
# [cpus] is refused: pages only
if [ "$VFH_INIT" = systemd ]; then INITEXT='[cpus]\nisolate = auto\n'; else INITEXT='[memory]\nhugepages = auto\n'; fi
fi
if want 2; then
# what (b) holds while it runs: node 1's pool, the CPUs host work keeps to
held() {
	if [ "$VFH_INIT" = systemd ]; then
		echo "node 1 pool $(cat $P1), system.slice AllowedCPUs $(systemctl show -p AllowedCPUs --value system.slice)"
	else
		echo "node 1 pool $(cat $P1), cpuset.cpus of the top-level cgroups:" \
			$(for c in /sys/fs/cgroup/*/cpuset.cpus; do printf '%s=%s ' $(basename $(dirname $c)) "$(cat $c)"; done)
	fi
}
# one start + destroy; appends "START DESTROY" (ms) to /tmp/times.$1
one() {
	if [ $1 = a ]; then
		rm -f $INI
		echo 32 > $P1	# by hand, as the user does today
	else
		printf "$INITEXT" | ini bench
	fi
	echo "virsh bench: start ($1) $(date +%T)" >&2
	t0=$(ms)
	# bounded: a start that hangs says so instead of eating the guest's time
	if ! timeout 120 virsh -q start bench > /tmp/start.out 2>&1; then
		echo "virsh bench: start ($1) failed: $(tail -2 /tmp/start.out | tr '\n' ' ')" | out
		tail -20 /var/log/libvirt/qemu/bench.log >&2
		hooklog | tail -20 >&2
		return 1
	fi
	t1=$(ms)
	# what (b) holds while it runs: the pages reserved, the CPUs isolated
	[ $1 = b ] && held > /tmp/held
	timeout 120 virsh -q destroy bench > /dev/null 2>&1 || { echo "virsh bench: destroy ($1) failed" | out; return 1; }
	t2=$(ms)
	echo "$((t1 - t0)) $((t2 - t1))" >> /tmp/times.$1
	[ $1 = a ] && echo 0 > $P1
	[ $1 = b ] && echo "node 1 pool $(cat $P1)" > /tmp/after
	return 0
}
rm -f /tmp/times.a /tmp/times.b
ok=1
one a > /dev/null && one b > /dev/null || ok=0	# warm-up, not counted
rm -f /tmp/times.a /tmp/times.b
skip=$(hooklog | wc -l)
r=0
while [ $ok = 1 ] && [ $r -lt "$VROUNDS" ]; do
	r=$((r + 1))
	# alternate which goes first: drift hits both alike
	if [ $((r % 2)) = 1 ]; then one a && one b || ok=0; else one b && one a || ok=0; fi
done
if [ $ok = 1 ]; then
	sa=$(cut -d' ' -f1 /tmp/times.a | median) da=$(cut -d' ' -f2 /tmp/times.a | median)
	sb=$(cut -d' ' -f1 /tmp/times.b | median) db=$(cut -d' ' -f2 /tmp/times.b | median)
	logs=$(hooklog | tail -n +$((skip + 1)))
	prep=$(echo "$logs" | sed -n 's/.*bench prepare: \([0-9]*\) steps in \([0-9.]*\) ms.*/\2/p' | median)
	steps=$(echo "$logs" | sed -n 's/.*bench prepare: \([0-9]*\) steps in.*/\1/p' | sort -u | tr '\n' ' ')
	undo=$(echo "$logs" | sed -n 's/.*bench [a-z]*: undo step [0-9]* (.*): done in \([0-9.]*\) ms.*/\1/p' |
		awk -v r="$VROUNDS" '{s+=$1} END {printf "%.1f", s / r}')
	{
		echo "virsh start/destroy of a 64 MiB TCG domain, 32 hugepages of 2 MiB on node 1, 2 vCPUs pinned to 2-3, $VROUNDS interleaved rounds (+1 warm-up)"
		echo "(a) no vfiohook INI, pages reserved by hand beforehand; (b) INI '$(printf "$INITEXT" | tr '\n' ' ')', pages reserved by the hook"
		printf '%-28s %12s %12s %10s\n' "" "(a) median ms" "(b) median ms" "(b)/(a)"
		printf '%-28s %12s %12s %10s\n' "virsh start" "$sa" "$sb" "$(awk "BEGIN {printf \"%.2fx\", $sb / $sa}")"
		printf '%-28s %12s %12s %10s\n' "virsh destroy" "$da" "$db" "$(awk "BEGIN {printf \"%.2fx\", $db / $da}")"
		echo "the hook's own share, from its syslog: prepare ${steps:-?}steps in ${prep} ms (median); undo steps ${undo} ms per stop (mean)"
		echo "while (b) ran: $(cat /tmp/held 2>/dev/null); once destroyed: $(cat /tmp/after 2>/dev/null)"
		echo "all start/destroy ms (a): $(tr '\n' ';' < /tmp/times.a)"
		echo "all start/destroy ms (b): $(tr '\n' ';' < /tmp/times.b)"
	} | out
fi
fi

# ---- 3. the hook's peak RSS, per phase, for a managed domain and one it
# does not manage (the same domain without its INI file)
if want 3; then
echo > "$RESULTS"
rm -f /tmp/hook-rss.log
cp $B/rsswrap /etc/libvirt/hooks/qemu.d/vfiohook && chmod 755 /etc/libvirt/hooks/qemu.d/vfiohook
printf "$INITEXT" | ini bench
for r in 1 2 3; do
	timeout 120 virsh -q start bench > /dev/null 2>&1 && timeout 120 virsh -q destroy bench > /dev/null 2>&1
done
rm -f $INI
timeout 120 virsh -q start bench > /dev/null 2>&1 && timeout 120 virsh -q destroy bench > /dev/null 2>&1
cp $HOOK /etc/libvirt/hooks/qemu.d/vfiohook
if [ -s /tmp/hook-rss.log ]; then
	{
		echo "peak RSS of the hook (kB, max over 3 cycles), from wait4() around it:"
		for ph in prepare start started stopped release; do
			m=$(awk -v p=$ph '$1 == "bench" && $2 == p {print $3}' /tmp/hook-rss.log | head -n -1 | sort -n | tail -1)
			u=$(awk -v p=$ph '$1 == "bench" && $2 == p {print $3}' /tmp/hook-rss.log | tail -1)
			printf '  %-8s managed %6s   not managed %6s\n' $ph "${m:--}" "${u:--}"
		done
	} | out
else
	echo "peak RSS: the wrapper recorded nothing" | out
fi
fi

# ---- 4. a whole passthrough cycle of the only GPU, three ways
# The same domain (the VGA and its audio function, managed hostdevs), the
# host's only display: (a) libvirt's managed hostdevs alone, no hook; (b)
# the single-GPU guides' scripts (bash, run by a dispatcher of their
# kind: stop the display manager, unbind the vtcons, unload the GPU
# driver, virsh nodedev-detach; and back in reverse); (c) vfiohook.
# Timed: virsh start until it returns (the domain runs); virsh destroy
# until every device is back on its host driver and the console bound
# again (bounded: 60 s).
if want 4; then
echo > "$RESULTS"
HOOK=$B/hooks/vfiohook-qemu
start_libvirtd || echo "passthrough cycle: libvirtd did not start" | out
fbcon=$(for v in /sys/class/vtconsole/vtcon*; do grep -q "frame buffer" $v/name && basename $v; done | head -1)
gdrv=$(drv $GPU) adrv=$(drv $AUDIO)
display_manager
nd() { echo "pci_$(echo $1 | tr ':.' '__')"; }
mkdir -p /tmp/guide/dispatch.d/gpu/prepare/begin /tmp/guide/dispatch.d/gpu/release/end
cp "$VFH_TREE/tests/bench/dispatcher.sh" /tmp/guide/qemu
cat > /tmp/guide/dispatch.d/gpu/prepare/begin/start.sh <<SH
#!/bin/bash
set -x
systemctl stop display-manager
echo 0 > /sys/class/vtconsole/vtcon0/bind
echo 0 > /sys/class/vtconsole/vtcon1/bind
modprobe -r bochs
virsh nodedev-detach $(nd $GPU)
virsh nodedev-detach $(nd $AUDIO)
modprobe vfio-pci
SH
cat > /tmp/guide/dispatch.d/gpu/release/end/revert.sh <<SH
#!/bin/bash
set -x
virsh nodedev-reattach $(nd $GPU)
virsh nodedev-reattach $(nd $AUDIO)
modprobe -r vfio-pci
echo 1 > /sys/class/vtconsole/vtcon0/bind
echo 1 > /sys/class/vtconsole/vtcon1/bind
modprobe bochs
systemctl start display-manager
SH
chmod 755 /tmp/guide/qemu /tmp/guide/dispatch.d/gpu/*/*/*.sh
domain gpu $GPU $AUDIO
# drivers: both functions back on their host drivers; console: fbcon
# bound again and (b, c) the display manager running.  Polled every
# 0.2 s, bounded: 60 s for the drivers, then 20 s for the console.
poll() { _n=$1; shift; for _i in $(seq $_n); do "$@" && return 0; sleep 0.2; done; return 1; }
drivers_back() { [ "$(drv $GPU)" = "$gdrv" ] && [ "$(drv $AUDIO)" = "$adrv" ]; }
console_back() {
	[ "$(cat /sys/class/vtconsole/$fbcon/bind 2>/dev/null)" = 1 ] &&
		{ [ $WAY = a ] || [ "$(systemctl is-active display-manager.service)" = active ]; }
}
# install WAY: the hook (or none) for that way; libvirtd reloads hooks
# only when it starts
install_way() {
	rm -rf /etc/libvirt/hooks/qemu /etc/libvirt/hooks/qemu.d/vfiohook /etc/libvirt/hooks/dispatch.d
	rm -f /etc/libvirt/hooks/vfiohook/gpu.ini
	case $1 in
	b) cp /tmp/guide/qemu /etc/libvirt/hooks/qemu; cp -r /tmp/guide/dispatch.d /etc/libvirt/hooks/ ;;
	c) cp $HOOK /etc/libvirt/hooks/qemu.d/vfiohook
	   printf '[devices]\npassthrough = auto\n[single-gpu]\nstop_units = display-manager.service\nunload_modules = bochs\n' | ini gpu ;;
	esac
	systemctl restart libvirtd.service
	poll 50 virsh -q list > /dev/null 2>&1
}
# cycle WAY: appends "START DRIVERS CONSOLE" (ms; CONSOLE "-" when it did
# not come back within its bound) to /tmp/cycle.WAY
cycle() {
	WAY=$1
	t0=$(ms)
	if ! timeout 120 virsh -q start gpu > /tmp/start.out 2>&1; then
		echo "cycle ($1): start failed: $(tail -2 /tmp/start.out | tr '\n' ' ')" | out
		timeout 60 virsh -q destroy gpu >/dev/null 2>&1; poll 300 drivers_back
		return 1
	fi
	t1=$(ms)
	[ "$(drv $GPU)" = vfio-pci ] || echo "cycle ($1): $GPU on $(drv $GPU) while the domain runs" | out
	timeout 120 virsh -q destroy gpu > /dev/null 2>&1
	if ! poll 300 drivers_back; then
		echo "cycle ($1): drivers not back within 60 s: $GPU on $(drv $GPU), $AUDIO on $(drv $AUDIO)" | out
		return 1
	fi
	t2=$(ms)
	if poll 100 console_back; then c=$(( $(ms) - t1 )); else c=-; fi
	echo "$((t1 - t0)) $((t2 - t1)) $c" >> /tmp/cycle.$1
}
rm -f /tmp/cycle.a /tmp/cycle.b /tmp/cycle.c
for w in a b c; do
	install_way $w
	cycle $w	# warm-up, not counted
	rm -f /tmp/cycle.$w
	for r in $(seq "$VROUNDS"); do cycle $w; done
	# whatever a way left: the next starts from the host as it was
	systemctl start display-manager.service
done
install_way none
systemctl stop display-manager.service
{
	echo "a whole passthrough cycle of the host's only GPU (VGA + its audio function, managed hostdevs), $VROUNDS rounds each (+1 warm-up):"
	echo "  (a) libvirt's managed hostdevs alone; (b) the single-GPU guides' scripts (bash dispatcher, display manager, vtcons, modprobe -r, virsh nodedev-detach/-reattach); (c) vfiohook ([single-gpu], same units and module)"
	echo "  start: virsh start until it returns; drivers: virsh destroy until both functions are on their host drivers; console: until fbcon is bound again (and the display manager runs, (b) and (c)); '-': not within 20 s more"
	printf '  %-8s %14s %14s %14s %10s %10s\n' "" "(a) median ms" "(b) median ms" "(c) median ms" "(c)/(a)" "(c)/(b)"
	for col in 1 2 3; do
		for w in a b c; do
			eval m$w=$(cut -d' ' -f$col /tmp/cycle.$w 2>/dev/null | grep -v -- - | median)
			[ "$(cut -d' ' -f$col /tmp/cycle.$w 2>/dev/null | grep -c -- -)" -gt 0 ] && eval m$w=-
		done
		ratio() { case "$1$2" in *-*) echo - ;; *) awk "BEGIN {printf \"%.2fx\", $1 / $2}" ;; esac; }
		printf '  %-8s %14s %14s %14s %10s %10s\n' "$(echo start drivers console | cut -d' ' -f$col)" "$ma" "$mb" "$mc" \
			"$(ratio "$mc" "$ma")" "$(ratio "$mc" "$mb")"
	done
	for w in a b c; do echo "  all start/drivers/console ms ($w): $(tr '\n' ';' < /tmp/cycle.$w 2>/dev/null)"; done
} | out
fi

# ---- 5. the suspend reset: its wall time against the wake delay asked
# (the RTC alarm); the guest really sleeps in S3.  Last: 9p is dead after
# a suspend, so it runs from a tmpfs root and ends the guest itself.
if want 5; then
echo > "$RESULTS"
if stage /tmp/s3 $B/tools/vfiohook; then
	cat > /tmp/s3/post.sh <<POST
export PATH=/bin
RESULTS=$RESULTS
. /lib.sh
for s in 1 2 3 1 2 3; do
	read -r t0 _ < /proc/uptime
	/bin/vfiohook reset --method suspend --seconds \$s \$GPU > /tmp/reset.out 2>&1 || { echo "suspend reset (\$s s) failed: \$(tail -1 /tmp/reset.out)" > \$RESULTS; break; }
	read -r t1 _ < /proc/uptime
	echo "\$s \$(awk -v a=\$t0 -v b=\$t1 'BEGIN { printf "%d", (b - a) * 1000 }')" >> /tmp/suspend.times
done
{
	echo "the suspend reset of the VGA + audio slot (vfiohook reset --method suspend --seconds N; S3 with an RTC wake), wall time from /proc/uptime (counts the sleep), 2 rounds each:"
	printf '  %-12s %s\n' "wake delay" "whole reset, ms (each round)"
	for s in 1 2 3; do printf '  %-12s %s\n' "\$s s" "\$(awk -v s=\$s '\$1 == s { printf "%s ", \$2 }' /tmp/suspend.times)"; done
	echo "  (what is not the delay: suspend and resume of the guest, the slot removed and rescanned, drivers probing)"
} > \$RESULTS
report VFH-END
quit
POST
	chroot /tmp/s3 /bin/sh /post.sh > /tmp/s3/post.log 2>&1
fi
echo "suspend part: the guest did not end itself (see guest.log)" | out
fi
