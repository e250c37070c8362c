# SPDX-License-Identifier: LGPL-2.1-or-later
# A device held by a user's sound server, under systemd and a real
# libvirtd: [holders] when_held = stop has the hook stop the stand-in
# sound server (a unit of the user's own manager, user@UID.service, that
# keeps the HDMI-audio function's ALSA control device open, as pipewire
# does) through that manager's private socket; the start goes on, and the
# unit runs again, holding the device again, after destroy.  With the
# default policy the same start fails at once naming the process.  In
# single-GPU mode a process holding the GPU's DRM card that nothing stops
# is named once the wait bound expires, and everything (the display
# manager included) is put back.
# vm: systemd second-gpu

U=vfhuser UID_=4242
card=$(ls /sys/bus/pci/devices/$AUDIO/sound/ | head -1)
ctl=/dev/snd/controlC${card#card}
check "the audio function has an ALSA control device ($ctl)" test -c "$ctl"
check "a desktop user ($U, uid $UID_, in group audio)" \
	useradd -m -d /tmp/$U -u $UID_ -G audio $U
mkdir -p /etc/systemd/user
cat > /etc/systemd/user/vfh-sound.service <<UNIT
[Unit]
Description=stand-in sound server: keeps the HDMI audio's control device open
[Service]
ExecStart=/bin/sh -c 'exec sleep infinity < $ctl'
UNIT
systemctl daemon-reload
check "the user's manager starts (user@$UID_.service)" systemctl start user@$UID_.service
usys() { runuser -u $U -- env XDG_RUNTIME_DIR=/run/user/$UID_ systemctl --user "$@"; }
check "the stand-in sound server starts in the user's manager" usys start vfh-sound.service
holder=$(usys show -p MainPID --value vfh-sound.service)
check "it runs as $U and holds $ctl (pid $holder)" \
	sh -c "[ \"\$(stat -c %U /proc/$holder)\" = $U ] && ls -l /proc/$holder/fd | grep -q $ctl"
before=$(snapshot)

check "libvirtd starts with the hook" start_libvirtd
check "define a domain with the VGA as managed hostdev" domain gpu $GPU

# the default policy: refused at once, nothing changed, nothing stopped
ini gpu <<INI
[devices]
passthrough = auto
INI
t0=$(date +%s)
refuse "with the default policy, virsh start gpu is refused" virsh start gpu
t1=$(date +%s)
has "the error names the sound server" "$LAST_OUT" "is held by $holder (sleep)"
# the step's own time, as the hook logs it (virsh's includes libvirt's
# work under TCG)
ms=$(hooklog | sed -n 's/.*gpu prepare: step [0-9]*\/[0-9]* (bind .*) failed after \([0-9]*\)\..*/\1/p' | tail -1)
check "the refusing step failed within a second (${ms:-?} ms)" test -n "$ms" -a "${ms:-99999}" -lt 1000
check "virsh returned at once, not after a blocked unbind ($((t1 - t0)) s)" test $((t1 - t0)) -lt 60
same "the host is as before" "$(snapshot)" "$before"
same "the sound server still runs" "$(usys is-active vfh-sound.service)" active

# when_held = stop: the user's unit is stopped, the start goes on
ini gpu <<INI
[devices]
passthrough = auto

[holders]
when_held = stop
stop_user_units = vfh-sound.service
INI
t0=$(date +%s%N)
check "with when_held = stop, virsh start gpu" virsh start gpu
t1=$(date +%s%N)
echo "start with the sound server stopped: $(( (t1 - t0) / 1000000 )) ms"
same "the domain runs" "$(state gpu)" running
same "$AUDIO on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "the sound server is stopped" "$(usys is-active vfh-sound.service)" inactive
check "its process is gone" sh -c "! kill -0 $holder"
has "the journal holds the user unit's stop" "$(journal_of gpu)" \
	"user-unit-stop what=$UID_:vfh-sound.service"
check "virsh destroy gpu" virsh destroy gpu
same "$AUDIO back on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
same "the sound server runs again" "$(usys is-active vfh-sound.service)" active
holder2=$(usys show -p MainPID --value vfh-sound.service)
check "and holds $ctl again (pid $holder2)" sh -c "ls -l /proc/$holder2/fd | grep -q $ctl"
refuse "no journal is left" test -e /run/vfiohook/gpu
same "the host is as before after" "$(snapshot)" "$before"

# single-GPU: a process holding the GPU's DRM card that no unit stops
cat > /etc/systemd/system/display-manager.service <<UNIT
[Unit]
Description=stand-in display manager
[Service]
ExecStart=/bin/sleep infinity
UNIT
systemctl daemon-reload
check "the stand-in display manager starts" systemctl start display-manager.service
drmcard=$(ls /sys/bus/pci/devices/$GPU/drm/ | grep '^card' | head -1)
check "the GPU has a DRM card (/dev/dri/$drmcard)" test -c /dev/dri/$drmcard
sleep 3600 < /dev/dri/$drmcard &
dholder=$!
before=$(snapshot)
ini gpu <<INI
[devices]
passthrough = $GPU

[single-gpu]
stop_units = display-manager.service

[holders]
wait_seconds = 2
INI
t0=$(date +%s%N)
refuse "single-GPU: virsh start gpu while a process holds /dev/dri/$drmcard" virsh start gpu
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
has "the error names the process" "$LAST_OUT" "$GPU is still held by $dholder (sleep)"
check "after the wait bound of 2 s, not before, and not long after ($ms ms)" \
	test $ms -ge 2000 -a $ms -lt 30000
same "the display manager runs again" "$(systemctl is-active display-manager.service)" active
same "the host is as before" "$(snapshot)" "$before"
refuse "no journal is left" test -e /run/vfiohook/gpu
check "the holder still runs (nothing was killed)" kill -0 $dholder
kill $dholder; wait $dholder 2>/dev/null
systemctl stop display-manager.service
