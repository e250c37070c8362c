# SPDX-License-Identifier: LGPL-2.1-or-later
# A device held by a user's sound server, under systemd and a real
# libvirtd: [holders] when_held = stop has the hook stop the stand-in
# sound server (a unit of the user's own manager, user@UID.service, that
# keeps the HDMI-audio function's ALSA control device open, as pipewire
# does) through that manager's private socket; the start goes on, and the
# unit runs again, holding the device again, after destroy.  With the
# default policy the same start fails at once naming the process.  (The
# single-GPU case: t-hook-held-single-gpu.sh.)
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
# (about a second under TCG on a loaded machine: the scan of /proc; a
# blocked unbind never returns)
check "the refusing step failed at once (${ms:-?} ms)" test -n "$ms" -a "${ms:-99999}" -lt 10000
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
