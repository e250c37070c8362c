# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo's second part (`make demo` boots a second guest for it; the
# real-kernel tier runs it as a test: every line it shows is checked).
# Single-GPU style in a systemd guest with one display and a real libvirtd:
# `make install` of the release build, then the host's only GPU (VGA + its
# audio function) handed to a domain through the installed hook: the
# display manager (a stand-in unit) stops, the framebuffer console lets
# go, the GPU driver's module is unloaded; after the VM all of it is back.
# Shown as in the first part: the plan, each step with its time, drivers
# and consoles before, during and after, the journal gone after.  (The
# real-kernel tier's single-GPU test: the sanitized build's single-GPU
# paths run in t-soak.sh and t-hook-held-single-gpu.sh.)
# vm: systemd

. "$VFH_TREE/tests/vm/demo-lib.sh"

say "vfiohook demo, single-GPU style: a QEMU/TCG guest with one display (systemd, libvirtd $(libvirtd --version | awk '{ print $NF }'))"
check "a stand-in display manager runs on the host's only display" display_manager
fbcon=$(for v in /sys/class/vtconsole/vtcon*; do grep -q "frame buffer" $v/name && basename $v; done | head -1)
check "the framebuffer console is on the GPU ($fbcon)" test -n "$fbcon"
# fbcon leaves its vtcon while no framebuffer exists: consoles by name
fbcons_bound() {
	for v in /sys/class/vtconsole/vtcon*; do
		grep -q "frame buffer" $v/name && [ "$(cat $v/bind)" = 1 ] && basename $v
	done
}
consoles() {
	for v in /sys/class/vtconsole/vtcon*; do
		[ -e $v/name ] && printf '%s (%s, bind %s) ' ${v##*/} "$(sed 's/^([^)]*) *//' $v/name)" "$(cat $v/bind)"
	done
}
# what a user of the only GPU sees change: its drivers, the display
# manager, the consoles, the framebuffer, the driver's module
console() {
	drivers
	echo "    display-manager.service: $(systemctl is-active display-manager.service)"
	_c=$(consoles); echo "    consoles: ${_c:-none registered}"
	echo "    /proc/fb: $(cat /proc/fb | tr '\n' ' ')"
	echo "    module bochs: $( [ -d /sys/module/bochs ] && echo loaded || echo not loaded)"
}

install_release

say "domain win10 gets the only GPU (managed hostdev); the INI asks for single-GPU mode"
domain win10 $GPU
ini win10 <<INI
[devices]
passthrough = auto
[single-gpu]
stop_units = display-manager.service
unload_modules = bochs
INI
echo "    /etc/libvirt/hooks/vfiohook/win10.ini:"; sed 's/^/      /' /etc/libvirt/hooks/vfiohook/win10.ini
before=$(host_state)
echo "    before:"; console
run "vfiohook plan win10" vfiohook plan win10 --xml /tmp/win10.xml
nsteps=$(echo "$LAST_OUT" | sed -n 's/.*would take \([0-9]*\) steps.*/\1/p')
has "the plan stops the display manager" "$LAST_OUT" "display-manager.service"
has "the plan unbinds the console" "$LAST_OUT" "$fbcon"
timed "virsh start win10 (through the installed hook)" virsh start win10
same "win10 runs" "$(state win10)" running
echo "    during:"; console
same "$GPU on vfio-pci" "$(drv $GPU)" vfio-pci
same "$AUDIO (same group) on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "the display manager is stopped" "$(systemctl is-active display-manager.service)" inactive
same "no framebuffer console is bound (fbcon let go of the GPU)" "$(fbcons_bound)" ""
same "no framebuffer left on the GPU" "$(cat /proc/fb)" ""
refuse "the GPU driver's module is unloaded" test -d /sys/module/bochs
has "win10's journal holds the unit stop" "$(journal_of win10)" "unit-stop what=display-manager.service"
say "each step, with its time (journalctl -t vfiohook VFIOHOOK_DOMAIN=win10, lines with DURATION_MS)"
steps win10
same "journald: prepare's steps STEP=1..$nsteps in order, each with VFIOHOOK_PHASE and DURATION_MS" \
	"$(fields win10 | awk '$1 == "prepare" && $3 ~ /^[0-9]+\.[0-9]$/ { print $2 }' | tr '\n' ' ')" "$(seq -s ' ' 1 $nsteps) "
timed "virsh destroy win10" virsh destroy win10
echo "    after:"; console
same "drivers, overrides, consoles: as before" "$(host_state)" "$before"
same "$fbcon bound again (fbcon back on the GPU)" "$(cat /sys/class/vtconsole/$fbcon/bind 2>&1)" 1
same "the display manager runs again" "$(systemctl is-active display-manager.service)" active
has "the framebuffer is back" "$(cat /proc/fb)" "bochs"
refuse "win10's journal is gone" test -e /run/vfiohook/win10
say "release, step by step"
steps win10 release
same "journald: release's undo steps STEP=$nsteps..1 in order, each with DURATION_MS" \
	"$(fields win10 | awk '$1 == "release" && $3 ~ /^[0-9]+\.[0-9]$/ { print $2 }' | tr '\n' ' ')" "$(seq -s ' ' $nsteps -1 1) "
say "done: the host's only GPU went to the VM and came back, console and display manager with it"
