# SPDX-License-Identifier: LGPL-2.1-or-later
# The single-GPU host booted through UEFI: the firmware's framebuffer on
# the VGA is efi-framebuffer.0, bound to efifb, with fbcon on it, and the
# GPU's own driver is not loaded (boot --uefi keeps bochs away).  A cycle
# unbinds fbcon and efifb, so that nothing holds the GPU's memory while
# the VM has it.  On this kernel (6.1) vfio-pci, taking the boot GPU,
# removes the firmware framebuffer's platform device itself
# (aperture_remove_conflicting_pci_devices(), kernels >= 6.0): there is
# nothing to bind back after; release says so, puts everything else back,
# and the GPU's own driver brings the console back.
# vm: systemd uefi

P=/sys/bus/platform/devices/efi-framebuffer.0
pdrv() { if [ -e $P/driver ]; then basename "$(readlink $P/driver)"; else echo -; fi; }
fbcons_bound() {
	for v in /sys/class/vtconsole/vtcon*; do
		grep -q "frame buffer" $v/name && [ "$(cat $v/bind)" = 1 ] && basename $v
	done
}
check "the stand-in display manager starts" display_manager
check "the firmware's framebuffer is a platform device" test -e $P
same "efi-framebuffer.0 is bound to efifb" "$(pdrv)" efi-framebuffer
has "its framebuffer is registered" "$(cat /proc/fb)" "EFI VGA"
check "fbcon is bound on it" test -n "$(fbcons_bound)"
refuse "bochs is not loaded" test -d /sys/module/bochs
same "$GPU has no driver" "$(drv $GPU)" -
before=$(snapshot)

check "libvirtd starts with the hook" start_libvirtd
ini efifb <<INI
[devices]
passthrough = auto
[single-gpu]
stop_units = display-manager.service
INI
check "define a domain with the only GPU" domain efifb $GPU
check "its plan unbinds efi-framebuffer.0" sh -c "$VFIOHOOK plan efifb --xml /tmp/efifb.xml | grep 'unbind efi-framebuffer.0 from efi-framebuffer'"
check "virsh start efifb" virsh start efifb
same "efi-framebuffer.0 is unbound" "$(pdrv)" -
refuse "no framebuffer is left" grep -q . /proc/fb
same "$GPU is on vfio-pci" "$(drv $GPU)" vfio-pci
same "the display manager is stopped" "$(systemctl is-active display-manager.service)" inactive
refuse "vfio-pci removed efi-framebuffer.0 (kernel >= 6.0)" test -e $P
check "virsh destroy efifb" virsh destroy efifb
refuse "efi-framebuffer.0 stays gone until a reboot" test -e $P
has "release says there was nothing to bind back" "$(hooklog)" \
	"efifb: efi-framebuffer.0 is gone (removed by the driver that took the boot GPU"
same "$GPU has no driver again" "$(drv $GPU)" -
same "the display manager runs again" "$(systemctl is-active display-manager.service)" active
refuse "no journal is left" test -e /run/vfiohook/efifb
same "the PCI devices are as before" "$(snapshot | grep -v '^vtcon')" "$(echo "$before" | grep -v '^vtcon')"
# the GPU's own driver (kept from loading at boot) brings a console back
check "modprobe bochs" modprobe bochs
same "$GPU is on bochs-drm" "$(drv $GPU)" bochs-drm
has "its framebuffer is registered" "$(cat /proc/fb)" "bochs"
check "fbcon is bound on it" test -n "$(fbcons_bound)"
