# SPDX-License-Identifier: LGPL-2.1-or-later
# Suspend reset refused when the host only offers s2idle... here the guest
# offers deep; the test makes "deep" vanish by hiding mem_sleep behind a
# bind mount that reads "[s2idle]", the way a host without S3 shows it.
# vm:

before=$(snapshot)
success=$(cat /sys/power/suspend_stats/success)
mark $GPU; mark $AUDIO
echo "[s2idle]" > /tmp/mem_sleep
mount --bind /tmp/mem_sleep /sys/power/mem_sleep
refuse "suspend reset refused without deep sleep" $VFIOHOOK reset --method suspend $GPU
has "the refusal names deep sleep (S3)" "$LAST_OUT" "deep"
has "and says what to do" "$LAST_OUT" "mem_sleep_default=deep"
umount /sys/power/mem_sleep
same "no suspend happened" "$(cat /sys/power/suspend_stats/success)" "$success"
refuse "$GPU was not removed" fresh $GPU
refuse "$AUDIO was not removed" fresh $AUDIO
same "the host is as before" "$(snapshot)" "$before"

# s2idle selected while deep is offered: the library selects deep for the
# suspend and puts s2idle back (checked without suspending: an impossible
# RTC makes it stop before anything is removed)
echo s2idle > /sys/power/mem_sleep
same "s2idle selected" "$(cat /sys/power/mem_sleep)" "[s2idle] deep"
refuse "an alarm beyond 60 s is refused before anything changes" $VFIOHOOK reset --method suspend $GPU --seconds 99
same "mem_sleep still s2idle after a refusal" "$(cat /sys/power/mem_sleep)" "[s2idle] deep"
refuse "nothing removed after a refusal" fresh $GPU
