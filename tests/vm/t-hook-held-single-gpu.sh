# SPDX-License-Identifier: LGPL-2.1-or-later
# Single-GPU mode, under systemd and a real libvirtd: after the display
# manager (a stand-in unit) stopped, a process still holding the GPU's DRM
# card (a compositor left in the user's session) is waited for, bounded by
# [holders] wait_seconds, then named; everything done so far is put back,
# the display manager running again, and the holder is not killed.
# vm: systemd

check "the stand-in display manager starts" display_manager
check "libvirtd starts with the hook" start_libvirtd
check "define a domain with the only GPU" domain gpu $GPU
drmcard=$(ls /sys/bus/pci/devices/$GPU/drm/ | grep '^card' | head -1)
check "the GPU has a DRM card (/dev/dri/$drmcard)" test -c /dev/dri/$drmcard
sleep 3600 < /dev/dri/$drmcard &
dholder=$!
before=$(snapshot)
ini gpu <<INI
[devices]
passthrough = auto

[single-gpu]
stop_units = display-manager.service

[holders]
wait_seconds = 2
INI
refuse "single-GPU: virsh start gpu while a process holds /dev/dri/$drmcard" virsh start gpu
has "the error names the process" "$LAST_OUT" "$GPU is still held by $dholder (sleep)"
# the step's own time, as the hook logs it
ms=$(hooklog | sed -n "s/.*gpu prepare: step [0-9]*\/[0-9]* (bind $GPU .*) failed after \([0-9]*\)\..*/\1/p" | tail -1)
check "the bind step failed after the wait bound of 2 s, not before, not long after (${ms:-?} ms)" \
	test -n "$ms" -a "${ms:-0}" -ge 2000 -a "${ms:-0}" -lt 10000
same "the display manager runs again" "$(systemctl is-active display-manager.service)" active
same "the host is as before" "$(snapshot)" "$before"
refuse "no journal is left" test -e /run/vfiohook/gpu
check "the holder still runs (nothing was killed)" kill -0 $dholder
kill $dholder; wait $dholder 2>/dev/null
systemctl stop display-manager.service
