#!/usr/bin/python3
# An independent model of the TDX measurements c2d predicts, written from
# the specifications (Microsoft Authenticode PE hashing, QEMU's
# x86_load_linux, the TDX module's MRTD records, the OVMF GUIDed table),
# not from c2d's C code; tests/host/measure.sh compares the two.
#   tdx_model.py mkkernel OUT SIZE       a PE32+ bzImage-like kernel, random body
#   tdx_model.py mktdvf OUT              a TDVF image: BFV (extended), CFV, TD_HOB, TEMP_MEM
#   tdx_model.py rtmr12 DIR MEMORY MODE  kernel_authenticode rtmr1 rtmr2 (MODE patched|as-is)
#   tdx_model.py mrtd FW ORDER           MRTD (ORDER single-pass|two-pass)
import hashlib, os, struct, sys, uuid

def authenticode(d):
    pe = struct.unpack_from('<I', d, 0x3c)[0]
    nsec, optlen = struct.unpack_from('<H', d, pe + 6)[0], struct.unpack_from('<H', d, pe + 20)[0]
    opt = pe + 24
    plus = struct.unpack_from('<H', d, opt)[0] == 0x20b
    dirs = opt + (112 if plus else 96)
    ndir = struct.unpack_from('<I', d, opt + (108 if plus else 92))[0]
    hdrs = struct.unpack_from('<I', d, opt + 60)[0]
    cks = opt + 64
    h = hashlib.sha384(d[:cks])
    cert = 0
    if ndir > 4:
        cd = dirs + 32
        cert = struct.unpack_from('<I', d, cd + 4)[0]
        h.update(d[cks + 4:cd]); h.update(d[cd + 8:hdrs])
    else:
        h.update(d[cks + 4:hdrs])
    secs = []
    for i in range(nsec):
        s = opt + optlen + 40 * i
        size, off = struct.unpack_from('<II', d, s + 16)
        if size:
            secs.append((off, size))
    total = hdrs
    for off, size in sorted(secs, key=lambda x: x[0]):
        h.update(d[off:off + size]); total += size
    if len(d) > total:
        h.update(d[total:len(d) - cert])
    return h.digest()

def qemu_patch(k, cmdline, initrd_len, mem):
    k = bytearray(k)
    proto = struct.unpack_from('<H', k, 0x206)[0]
    assert k[0x202:0x206] == b'HdrS' and proto >= 0x202 and k[0x211] & 1
    real, cmd = 0x10000, 0x20000
    if proto >= 0x20c and struct.unpack_from('<H', k, 0x236)[0] & 0x40:
        imax = 0xffffffff
    else:
        imax = struct.unpack_from('<I', k, 0x22c)[0]
    lowmem = 0x80000000 if mem >= 0xb0000000 else 0xb0000000
    below = lowmem if mem >= lowmem else mem
    if imax >= below - 0x28000:
        imax = below - 0x28000 - 1
    struct.pack_into('<I', k, 0x228, cmd)
    assert 'vga=' not in cmdline
    k[0x210] = 0xb0
    k[0x211] |= 0x80
    struct.pack_into('<H', k, 0x224, cmd - real - 0x200)
    struct.pack_into('<II', k, 0x218, (imax - initrd_len) & ~4095, initrd_len)
    return bytes(k)

def replay(digests):
    r = bytes(48)
    for x in digests:
        r = hashlib.sha384(r + x).digest()
    return r

H = lambda b: hashlib.sha384(b).digest()

def rtmr12(dirname, mem, mode):
    k = open(os.path.join(dirname, 'bzImage'), 'rb').read()
    i = open(os.path.join(dirname, 'initrd.cpio'), 'rb').read()
    c = open(os.path.join(dirname, 'cmdline'), 'rb').read().decode('ascii')
    auth = authenticode(qemu_patch(k, c, len(i), mem) if mode == 'patched' else k)
    r1 = replay([auth, H(b'Calling EFI Application from Boot Option'), H(bytes(4)),
                 H(b'Exit Boot Services Invocation'), H(b'Exit Boot Services Returned with Success')])
    r2 = replay([H((c + ' initrd=initrd\0').encode('utf-16-le')), H(i)])
    print(auth.hex(), r1.hex(), r2.hex())

def mkkernel(out, size):
    k = bytearray(os.urandom(size))
    k[0:0x200] = bytes(0x200)
    k[0:2] = b'MZ'
    struct.pack_into('<I', k, 0x3c, 0x80)
    k[0x80:0x84] = b'PE\0\0'
    struct.pack_into('<HH', k, 0x84, 0x8664, 2)
    struct.pack_into('<H', k, 0x94, 240)
    opt = 0x98
    struct.pack_into('<H', k, opt, 0x20b)
    struct.pack_into('<I', k, opt + 60, 0x200)
    struct.pack_into('<I', k, opt + 108, 6)
    s = opt + 240
    k[s:s + 8] = b'.setup\0\0'; struct.pack_into('<II', k, s + 16, 0x800, 0x200)
    k[s + 40:s + 48] = b'.text\0\0\0'; struct.pack_into('<II', k, s + 56, size - 0xa00, 0xa00)
    k[0x1f1] = 4
    k[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', k, 0x206, 0x20f)
    k[0x210:0x260] = bytes(0x50)
    k[0x211] = 1
    struct.pack_into('<I', k, 0x22c, 0x7fffffff)
    struct.pack_into('<H', k, 0x236, 0x40)
    open(out, 'wb').write(k)

def mktdvf(out):
    size, meta = 0x8000, 0x6000
    fw = bytearray(os.urandom(size))
    secs = [(0x1000, 0x3000, 0xFFFFD000, 0x3000, 0, 1), (0x4000, 0x1000, 0xFFFFC000, 0x1000, 1, 0),
            (0, 0, 0x809000, 0x2000, 2, 0), (0, 0, 0x800000, 0x9000, 3, 0), (0, 0, 0x1000000, 0x10000, 4, 2)]
    fw[meta:meta + 16] = b'TDVF' + struct.pack('<III', 16 + 32 * len(secs), 1, len(secs))
    for n, s in enumerate(secs):
        struct.pack_into('<IIQQII', fw, meta + 16 + 32 * n, *s)
    end = size - 32
    fw[end - 16:end] = uuid.UUID('96b582de-1fb2-45f7-baea-a366c55a082d').bytes_le
    struct.pack_into('<H', fw, end - 18, 18 + 22)
    fw[end - 34:end - 18] = uuid.UUID('e47a6535-984a-4798-865e-4685a7bf8ec2').bytes_le
    struct.pack_into('<I', fw, end - 40, size - meta)
    struct.pack_into('<H', fw, end - 36, 22)
    open(out, 'wb').write(fw)

FOOTER = uuid.UUID('96b582de-1fb2-45f7-baea-a366c55a082d').bytes_le
TDX_META = uuid.UUID('e47a6535-984a-4798-865e-4685a7bf8ec2').bytes_le

def tdvf_metadata(fw):
    # OVMF's GUIDed table ends 32 bytes before the image's end: a footer
    # entry (u16 table length, GUID), preceded by entries that each end in
    # (u16 entry length, GUID) with their data before. Walk back to the
    # TDX metadata offset entry (u32: the metadata's distance from the end).
    end = len(fw) - 32
    if fw[end - 16:end] != FOOTER:
        sys.exit('no OVMF GUIDed table footer')
    start = end - struct.unpack_from('<H', fw, end - 18)[0]
    p = end - 18
    while p - 18 >= start:
        guid, elen = fw[p - 16:p], struct.unpack_from('<H', fw, p - 18)[0]
        if guid == TDX_META:
            return len(fw) - struct.unpack_from('<I', fw, p - 22)[0]
        if elen < 18:
            sys.exit('bad GUIDed table entry')
        p -= elen
    sys.exit('no TDX metadata entry')

def mrtd(path, order):
    fw = open(path, 'rb').read()
    meta = tdvf_metadata(fw)
    n = struct.unpack_from('<I', fw, meta + 12)[0]
    h = hashlib.sha384()
    add = lambda gpa: h.update(b'MEM.PAGE.ADD'.ljust(16, b'\0') + struct.pack('<Q', gpa) + bytes(104))
    def ext(gpa, content):
        for c in range(16):
            h.update(b'MR.EXTEND'.ljust(16, b'\0') + struct.pack('<Q', gpa + 256 * c) + bytes(104))
            h.update(content[256 * c:256 * c + 256])
    for i in range(n):
        off, raw, addr, size, typ, attr = struct.unpack_from('<IIQQII', fw, meta + 16 + 32 * i)
        pages = range(size // 4096)
        if order == 'two-pass':
            for p in pages:
                if not attr & 2: add(addr + 4096 * p)
            for p in pages:
                if attr & 1: ext(addr + 4096 * p, fw[off + 4096 * p:])
        else:
            for p in pages:
                if not attr & 2: add(addr + 4096 * p)
                if attr & 1: ext(addr + 4096 * p, fw[off + 4096 * p:])
    print(h.hexdigest())

cmd = sys.argv[1]
if cmd == 'mkkernel': mkkernel(sys.argv[2], int(sys.argv[3]))
elif cmd == 'mktdvf': mktdvf(sys.argv[2])
elif cmd == 'rtmr12': rtmr12(sys.argv[2], int(sys.argv[3]), sys.argv[4])
elif cmd == 'mrtd': mrtd(sys.argv[2], sys.argv[3])
else: sys.exit('unknown command')
