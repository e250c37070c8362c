# SPDX-License-Identifier: LGPL-2.1-or-later
# Remove + rescan of the multi-function VGA+audio slot on the real kernel:
# both functions leave the bus, come back as new devices, and end on the
# drivers (and overrides) they had.
# vm:

before=$(snapshot)

mark $GPU; mark $AUDIO
check "remove-rescan the slot of $GPU" $VFIOHOOK remove-rescan --slot $GPU
check "$GPU was re-created" fresh $GPU
check "$AUDIO was re-created with it (--slot)" fresh $AUDIO
same "$GPU back on bochs-drm" "$(drv $GPU)" bochs-drm
same "$AUDIO back on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
same "the host is as before" "$(snapshot)" "$before"

# only the one function without --slot
mark $GPU; mark $AUDIO
check "remove-rescan $AUDIO alone" $VFIOHOOK remove-rescan $AUDIO
check "$AUDIO was re-created" fresh $AUDIO
refuse "$GPU was left alone" fresh $GPU
same "$AUDIO back on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel

# a slot on vfio-pci comes back on vfio-pci with its override, not on the
# host driver the kernel would pick after a rescan
check "bind $GPU to vfio-pci" $VFIOHOOK bind $GPU vfio-pci
check "bind $AUDIO to vfio-pci" $VFIOHOOK bind $AUDIO vfio-pci
mark $GPU; mark $AUDIO
check "remove-rescan the vfio-pci slot" $VFIOHOOK remove-rescan --slot $GPU
check "$GPU was re-created (vfio-pci)" fresh $GPU
same "$GPU back on vfio-pci" "$(drv $GPU)" vfio-pci
same "$AUDIO back on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "$GPU override back to vfio-pci" "$(ovr $GPU)" vfio-pci
same "the kernel finds group $(grp $GPU) viable" "$($KSTATUS /dev/vfio/$(grp $GPU))" viable
check "restore $AUDIO" $VFIOHOOK restore $AUDIO snd_hda_intel
check "restore $GPU" $VFIOHOOK restore $GPU bochs-drm
same "the host is as before at the end" "$(snapshot)" "$before"

# a remove that cannot happen leaves nothing half-done
refuse "remove-rescan of a missing device fails" $VFIOHOOK remove-rescan 0000:07:1f.7
has "and says which device" "$LAST_OUT" "0000:07:1f.7"
