# Shared by qemu/run and qemu/run-tdx (sourced): how a c2d image's channels
# are attached. Both launchers must give the guest the same devices in the
# same order, or init would see a different machine under TDX than in tests.

# qarg WORD...: appends each word to $qargs, shell-quoted, for a later
# `eval "set -- $qargs"` (POSIX sh has no arrays).
qarg() {
	for a; do
		qargs="$qargs '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
	done
}

# c2d_channels STATUS_CHARDEV_SPEC DISKS PORTS: the virtio-serial bus with
# the c2d.status port first, then each NAME=SOCKET port as a listening unix
# socket, then each disk read-only as virtio-blk (vda, vdb, ... in order).
# DISKS and PORTS are newline-separated lists.
c2d_channels() {
	qarg -device virtio-serial-pci,id=vser \
		-chardev "$1" -device virtserialport,bus=vser.0,chardev=status,name=c2d.status
	_i=0
	_old_ifs=$IFS
	IFS='
'
	for _p in $3; do
		qarg -chardev "socket,id=port$_i,path=${_p#*=},server=on,wait=off" \
			-device "virtserialport,bus=vser.0,chardev=port$_i,name=${_p%%=*}"
		_i=$((_i + 1))
	done
	_i=0
	for _d in $2; do
		qarg -drive "file=$_d,format=raw,if=none,id=disk$_i,readonly=on" \
			-device "virtio-blk-pci,drive=disk$_i"
		_i=$((_i + 1))
	done
	IFS=$_old_ifs
}

# The newline-separated list helpers for option parsing.
nl='
'
