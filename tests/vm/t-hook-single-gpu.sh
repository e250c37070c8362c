# SPDX-License-Identifier: LGPL-2.1-or-later
# The single-GPU workstation under systemd and a real libvirtd: the host's
# only GPU goes to the VM; the display manager (a stand-in unit) stops, the
# framebuffer console lets go, the GPU driver's module is unloaded; after
# the VM, all of it comes back: the console on its vtcon, the module, the
# display manager.
# vm: systemd

check "the stand-in display manager starts" display_manager
# fbcon may leave its vtcon while no framebuffer exists: look by name
fbcons_bound() {
	for v in /sys/class/vtconsole/vtcon*; do
		grep -q "frame buffer" $v/name && [ "$(cat $v/bind)" = 1 ] && basename $v
	done
}
fbcon=$(for v in /sys/class/vtconsole/vtcon*; do grep -q "frame buffer" $v/name && basename $v; done | head -1)
check "a framebuffer console exists ($fbcon)" test -n "$fbcon"
same "$fbcon is bound before" "$(cat /sys/class/vtconsole/$fbcon/bind)" 1
has "the GPU's framebuffer is registered" "$(cat /proc/fb)" "bochs"
check "the GPU's module is loaded" test -d /sys/module/bochs
before=$(snapshot)

check "libvirtd starts with the hook" start_libvirtd
ini single <<INI
[devices]
passthrough = auto

[single-gpu]
stop_units = display-manager.service
unload_modules = bochs
INI
check "define a domain with the only GPU" domain single $GPU
check "virsh start single" virsh start single
same "the domain runs" "$(state single)" running
same "$GPU on vfio-pci" "$(drv $GPU)" vfio-pci
same "$AUDIO on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "the display manager is stopped" "$(systemctl is-active display-manager.service)" inactive
same "no framebuffer console is bound" "$(fbcons_bound)" ""
same "no framebuffer is left on the GPU" "$(cat /proc/fb)" ""
refuse "the GPU's module is unloaded" test -d /sys/module/bochs
has "the journal holds the unit stop" "$(journal_of single)" "unit-stop what=display-manager.service"
has "the hook logged each step to the journal" "$(hooklog)" "single prepare: step 1/"

check "virsh destroy single" virsh destroy single
same "$GPU back on bochs-drm" "$(drv $GPU)" bochs-drm
same "$AUDIO back on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
check "the GPU's module is back" test -d /sys/module/bochs
same "$fbcon bound again (fbcon back on its vtcon)" "$(cat /sys/class/vtconsole/$fbcon/bind)" 1
has "the framebuffer is back" "$(cat /proc/fb)" "bochs"
same "the display manager runs again" "$(systemctl is-active display-manager.service)" active
refuse "the journal is gone" test -e /run/vfiohook/single
# journald: one domain's history by its field; each step with its number
# and duration as fields (prepare's steps, then release's undo steps)
jfields() {
	journalctl -q -t vfiohook VFIOHOOK_DOMAIN=single -o export |
		awk -F= '/^VFIOHOOK_PHASE=/ { p = $2 } /^STEP=/ { s = $2 } /^DURATION_MS=/ { d = $2 }
			 /^$/ { if (s != "") print p, s, d; p = s = d = "" }'
}
n=$(hooklog | sed -n 's/.*single prepare: step 1\/\([0-9]*\) .*/\1/p' | head -1)
has "journalctl -t vfiohook VFIOHOOK_DOMAIN=single: its steps" "$(journalctl -q -t vfiohook VFIOHOOK_DOMAIN=single -o cat)" "single prepare: step $n/$n"
same "each of the $n prepare steps: STEP=1..$n with DURATION_MS" "$(jfields | awk '$1 == "prepare" && $3 ~ /^[0-9]+\.[0-9]$/ { print $2 }' | tr '\n' ' ')" "$(seq -s ' ' 1 $n) "
same "each undo step of release: STEP=$n..1 with DURATION_MS" "$(jfields | awk '$1 == "release" && $3 ~ /^[0-9]+\.[0-9]$/ { print $2 }' | tr '\n' ' ')" "$(seq -s ' ' $n -1 1) "
same "the host is as before" "$(snapshot)" "$before"
