# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests/vm/guest.sh in the guest tests/bench/guestbench boots
# (--numa, --systemd unless BENCH_INIT=bare).  Prints figures on the results port; a part that
# cannot run says why and the next one still runs.
read PAGES HROUNDS VROUNDS < /mnt/args
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
echo > "$RESULTS"
t0=$(ms)
if ! "$B/hugebench" 1 "$PAGES" 3 "$HROUNDS" 50 40 1 "$B/cache.bin" > /tmp/huge.out; then
	echo "hugebench failed:" | out
fi
out < /tmp/huge.out
echo "(hugepages part: $(( ($(ms) - t0) / 1000 )) s)" | out

# ---- 2. what prepare adds to virsh start / destroy
echo > "$RESULTS"
echo 0 > $P1
HOOK=$B/hooks/vfiohook-qemu
# libvirt backs guests with hugepages from a hugetlbfs (systemd mounts one)
grep -q ' hugetlbfs ' /proc/mounts || { mkdir -p /dev/hugepages; mount -t hugetlbfs hugetlbfs /dev/hugepages; }
echo "virsh bench: starting libvirtd $(date +%T)" >&2
if ! start_libvirtd; then
	echo "virsh bench: libvirtd did not start" | out
	return 0
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

# ---- 3. the hook's peak RSS, per phase, for a managed domain and one it
# does not manage (the same domain without its INI file)
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
