# SPDX-License-Identifier: LGPL-2.1-or-later
# The suspend-based reset of the VGA+audio slot on the real kernel: both
# functions leave the bus, the guest really sleeps in S3 and wakes on its
# RTC alarm, both come back as new devices on their original drivers.
# Runs from a tmpfs chroot (9p is dead after S3) and ends the guest itself.
# vm:
# vm-boot: last

check "the guest offers deep sleep" grep -qw deep /sys/power/mem_sleep
check "stage a tmpfs root for after the resume" stage /tmp/s3 $VFIOHOOK $KSTATUS
cat > /tmp/s3/post.sh <<POST
export VFH_TREE=/ VFH_BUILD=/ PATH=/bin ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS
. /lib.sh
VFIOHOOK=/bin/vfiohook KSTATUS=/bin/vfio-group-status
before=\$(snapshot)
success=\$(cat /sys/power/suspend_stats/success)
mark \$GPU; mark \$AUDIO
check "suspend reset of \$GPU" \$VFIOHOOK -v reset --method suspend --seconds 2 \$GPU
has "the CLI reports the suspend" "\$LAST_OUT" "suspended=yes"
has "two functions removed and restored" "\$LAST_OUT" "functions=2 restored=2"
same "suspend_stats/success moved by one" "\$(cat /sys/power/suspend_stats/success)" "\$((success + 1))"
check "\$GPU was re-created" fresh \$GPU
check "\$AUDIO was re-created" fresh \$AUDIO
same "\$GPU on its original driver" "\$(drv \$GPU)" bochs-drm
same "\$AUDIO on its original driver" "\$(drv \$AUDIO)" snd_hda_intel
same "the wake alarm is cleared" "\$(cat /sys/class/rtc/rtc0/wakealarm)" ""
same "the host is as before" "\$(snapshot)" "\$before"
# back to back, the shortest delay: the second sleeps as the first did
success=\$(cat /sys/power/suspend_stats/success)
check "a second suspend reset right after the first (1 s)" \$VFIOHOOK -v reset --method suspend --seconds 1 \$GPU
has "the second reports its suspend" "\$LAST_OUT" "suspended=yes"
same "suspend_stats/success moved by one again" "\$(cat /sys/power/suspend_stats/success)" "\$((success + 1))"
same "\$GPU on its original driver after the second" "\$(drv \$GPU)" bochs-drm
same "the host is as before after the second" "\$(snapshot)" "\$before"
echo "== kernel's PM lines"; dmesg | grep -iE "PM:|wakeup|wake-up|rtc|suspend" | tail -40
sed 's/^/# /' /post.log > \$RESULTS
report VFH-END
quit
POST
# stdout must not be the 9p guest.log: writing there after S3 hangs
chroot /tmp/s3 /bin/sh /post.sh > /tmp/s3/post.log 2>&1
# not reached when the chroot ended the guest
fail "the guest was still running after the suspend test" "see console.log"
