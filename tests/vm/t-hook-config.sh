# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad INI files through a real libvirtd: each class of mistake makes virsh
# start fail with the hook's "file:line: what" line and leaves the host
# alone; files anyone but root could have written are refused; a domain
# name that could reach the filesystem never does; a domain without an INI
# file is not touched at all.
# vm:

before=$(snapshot)
check "libvirtd starts with the hook" start_libvirtd
check "define a domain with a NIC" domain cfg $NIC2
F=/etc/libvirt/hooks/vfiohook/cfg.ini

# bad NAME EXPECTED <<INI: virsh start must fail showing EXPECTED
bad() {
	ini cfg
	_out=$(virsh start cfg 2>&1)
	case "$_out" in
	*"$2"*) pass "$1" ;;
	*) fail "$1" "$(echo "$_out" | tail -2 | tr '\n' ' ')" ;;
	esac
	same "$1: the host is untouched" "$(snapshot)" "$before"
}
bad "unknown section" "$F:4: unknown section [devicez]" <<INI
[devices]
passthrough = auto

[devicez]
INI
bad "unknown key" "$F:3: unknown key 'pasthrough' in [devices]" <<INI
# a typo
[devices]
pasthrough = auto
INI
bad "bad value" "$F:3: reset: 'sometimes' is not one of none, auto, suspend" <<INI
[devices]
passthrough = auto
reset = sometimes
INI
bad "bad address" "$F:2: passthrough: '0000:03:00' is neither 'auto' nor a PCI address" <<INI
[devices]
passthrough = 0000:03:00
INI
bad "bad address in a section name" "$F:3: [device 03:00.9]: not a PCI address" <<INI
[devices]
passthrough = auto
[device 03:00.9]
INI
bad "a key given twice" "$F:3: 'driver' given twice in this section (first at line 2)" <<INI
[devices]
driver = vfio-pci
driver = pci-stub
passthrough = auto
INI
bad "a line that is not key = value" "$F:2: expected 'key = value'" <<INI
[devices]
passthrough auto
INI
bad "a key outside any section" "$F:1: 'passthrough' is outside any section" <<INI
passthrough = auto
INI
bad "a bad boolean" "$F:3: take_group: 'perhaps' is not yes or no" <<INI
[devices]
passthrough = auto
take_group = perhaps
INI
bad "a unit without its suffix" "$F:4: stop_units: 'gdm' needs its type suffix (gdm.service)" <<INI
[devices]
passthrough = auto
[single-gpu]
stop_units = gdm
INI
bad "a device section for a device not passed through" "$F:3: [device 0000:05:00.0] is not passed through" <<INI
[devices]
passthrough = $NIC2
[device 0000:05:00.0]
reset = auto
INI

# who may write the file decides what root does to the host
ini cfg <<INI
[devices]
passthrough = auto
INI
chmod 666 $F
refuse "a world-writable INI is refused" virsh start cfg
has "with the reason and the fix" "$LAST_OUT" "group- or world-writable (mode 0666; chmod go-w $F)"
chmod 620 $F
refuse "a group-writable INI is refused" virsh start cfg
chmod 644 $F; chown 1000 $F
refuse "an INI not owned by root is refused" virsh start cfg
has "naming the owner" "$LAST_OUT" "owned by uid 1000, not root"
chown 0 $F; mv $F /tmp/real.ini; ln -s /tmp/real.ini $F
refuse "a symlinked INI is refused" virsh start cfg
has "saying so" "$LAST_OUT" "a symlink"
rm $F; mv /tmp/real.ini $F; chmod 777 /etc/libvirt/hooks/vfiohook
refuse "a world-writable INI directory is refused" virsh start cfg
chmod 755 /etc/libvirt/hooks/vfiohook
same "the host is untouched by the refusals" "$(snapshot)" "$before"
check "with everything right, the domain starts" virsh start cfg
same "$NIC2 on vfio-pci" "$(drv $NIC2)" vfio-pci
# an INI broken while the VM runs must not keep the devices away: release
# follows the journal
echo "garbage" >> $F
check "virsh destroy with a broken INI" virsh destroy cfg
same "the host is as before after release" "$(snapshot)" "$before"

# Domain names: the release build's hook, as installed, under strace.  A
# name that is not a plain file name never reaches a file system call; a
# domain without INI costs one lstat and nothing else.
REL=$VFH_BUILD/release/hooks/vfiohook-qemu
export ASAN_OPTIONS=detect_leaks=0
for name in '../../../tmp/x' 'a/b' '..' '.hidden' 'a..b'; do
	mkdir -p /tmp/x; echo "[devices]" > /tmp/x.ini
	strace -f -qq -e trace=%file,write -o /tmp/st $REL "$name" prepare begin - < /tmp/cfg.xml
	rc=$?
	same "name '$name': exit 0 (not ours)" "$rc" 0
	# the name inside a path argument: right after a quote or a slash
	if grep -v '^[0-9]* *execve' /tmp/st | grep -F -e "\"$name" -e "/$name" > /tmp/hits; then
		fail "name '$name' never reaches the filesystem" "$(head -2 /tmp/hits | tr '\n' ' ')"
	else
		pass "name '$name' never reaches the filesystem"
	fi
done
strace -f -qq -e trace=%file,%desc -o /tmp/st $REL nosuch prepare begin - < /tmp/cfg.xml > /tmp/stdout
same "a domain without INI: exit 0" "$?" 0
same "a domain without INI: nothing on stdout" "$(cat /tmp/stdout)" ""
same "a domain without INI: one look at its INI path" "$(grep -c 'vfiohook/nosuch.ini' /tmp/st)" 1
same "a domain without INI: no write, no open for writing, no /sys /run /dev" \
	"$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|mkdir|unlink|rename|"/sys|"/run|"/dev' /tmp/st)" ""
check "a domain without INI: the domain XML is drained to its end" grep -q 'read(0, "", 65536) *= 0' /tmp/st
