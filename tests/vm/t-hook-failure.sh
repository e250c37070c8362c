# SPDX-License-Identifier: LGPL-2.1-or-later
# Failure at every step of prepare, through a real libvirtd under systemd:
# the test build of the hook fails step k (or is SIGKILLed right after it)
# when /run/vfiohook-test.fault says so.  For every k, virsh start fails
# with the hook's one line and the host ends exactly as before: devices on
# their drivers, console bound, module loaded, unit running, no journal.
# vm: systemd

display_manager
host() {
	snapshot
	echo "dm $(systemctl is-active display-manager.service)"
	echo "bochs $(test -d /sys/module/bochs && echo loaded)"
	echo "journals $(ls /run/vfiohook 2>/dev/null | grep -v '^lock$' | tr '\n' ' ')"
}
before=$(host)
check "libvirtd starts with the hook" start_libvirtd
ini fail <<INI
[devices]
passthrough = auto
[device $NIC2]
reset = auto
reset_at = both
[single-gpu]
stop_units = display-manager.service
unload_modules = bochs
INI
check "define a domain with the GPU and a NIC" domain fail $GPU $NIC2
# the plan, as the CLI shows it, tells how many steps there are
plan=$($VFIOHOOK plan fail --xml /tmp/fail.xml)
echo "$plan"
n=$(echo "$plan" | grep -c '^ *[0-9]*\. ')
check "the plan has every kind of step (7)" test "$n" -eq 7

k=1
while [ $k -le $n ]; do
	echo "fail-at=$k" > /run/vfiohook-test.fault
	out=$(virsh start fail 2>&1)
	case "$out" in
	*"step $k of $n"*"put back as it was"*) pass "failure at step $k: virsh shows the hook's line" ;;
	*) fail "failure at step $k: virsh shows the hook's line" "$(echo "$out" | tr '\n' ' ')" ;;
	esac
	same "failure at step $k: the host is as before" "$(host)" "$before"
	echo "kill-at=$k" > /run/vfiohook-test.fault
	refuse "SIGKILL after step $k: virsh start fails" virsh start fail
	same "SIGKILL after step $k: release put the host back" "$(host)" "$before"
	k=$((k + 1))
done
rm -f /run/vfiohook-test.fault
check "without a fault the domain starts" virsh start fail
same "the NIC is on vfio-pci" "$(drv $NIC2)" vfio-pci
check "and is destroyed" virsh destroy fail
same "the host is as before at the end" "$(host)" "$before"
