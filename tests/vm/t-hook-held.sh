# SPDX-License-Identifier: LGPL-2.1-or-later
# A device something on the host still holds: a process with the
# HDMI-audio-like function's ALSA control device open (as a sound server
# keeps it) makes the kernel's unbind from snd_hda_intel block until it lets
# go.  The hook must not write it: the start fails at once naming the
# process, and the host is left as it was; once the process is gone the
# same start works.
# vm: second-gpu

before=$(snapshot)
card=$(ls /sys/bus/pci/devices/$AUDIO/sound/ | head -1)
check "the audio function has an ALSA card ($card)" test -n "$card"
check "its control device node exists" test -c /dev/snd/controlC${card#card}
# the holder: a process with the control device open, as pipewire does
sleep 3600 < /dev/snd/controlC${card#card} &
holder=$!
check "libvirtd starts with the hook" start_libvirtd
ini gpu <<INI
[devices]
passthrough = auto
INI
check "define a domain with the VGA as managed hostdev" domain gpu $GPU
t0=$(date +%s)
refuse "virsh start gpu while a process holds the audio function" virsh start gpu
t1=$(date +%s)
has "the error names the process" "$LAST_OUT" "is held by $holder (sleep)"
has "and says what to do" "$LAST_OUT" "stop it first"
check "the refusal came at once, not after a blocked unbind ($((t1 - t0)) s)" test $((t1 - t0)) -lt 30
same "$AUDIO still on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
same "$GPU back on bochs-drm" "$(drv $GPU)" bochs-drm
refuse "no journal is left" test -e /run/vfiohook/gpu
same "the host is as before" "$(snapshot)" "$before"
check "the holder still runs (nothing was killed)" kill -0 $holder
kill $holder; wait $holder 2>/dev/null
check "without the holder, virsh start gpu" virsh start gpu
same "$AUDIO on vfio-pci" "$(drv $AUDIO)" vfio-pci
check "virsh destroy gpu" virsh destroy gpu
same "the host is as before after" "$(snapshot)" "$before"
