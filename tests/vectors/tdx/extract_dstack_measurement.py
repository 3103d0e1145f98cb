#!/usr/bin/python3
# Writes dstack_tdx-lite-measurement.txt from dstack_tdx-lite-getquote.json:
# the fields of vm_config.tdx_measurement.measurement (base64 CBOR, decoded
# by the minimal CBOR reader below: maps, text and byte strings, small
# unsigned integers, all this document uses), the RTMR0 event digests that
# come from QEMU or firmware and cannot be recomputed here, the memory size
# and the quote (hex). tests/unit/test_tdxmeasure.c reads the result.
#   usage: extract_dstack_measurement.py getquote.json > measurement.txt
import base64, json, sys

def cbor(b, i=0):
    major, info = b[i] >> 5, b[i] & 31
    i += 1
    if info < 24:
        n = info
    elif info in (24, 25, 26, 27):
        k = 1 << (info - 24)
        n = int.from_bytes(b[i:i + k], 'big')
        i += k
    else:
        raise ValueError('unsupported CBOR item at %d' % (i - 1))
    if major == 0:
        return n, i
    if major in (2, 3):
        s = b[i:i + n]
        return (s if major == 2 else s.decode()), i + n
    if major == 5:
        m = {}
        for _ in range(n):
            k, i = cbor(b, i)
            m[k], i = cbor(b, i)
        return m, i
    raise ValueError('unsupported CBOR major type %d' % major)

d = json.load(open(sys.argv[1]))
vm = d['vm_config'] if isinstance(d['vm_config'], dict) else json.loads(d['vm_config'])
m, end = cbor(base64.b64decode(vm['tdx_measurement']['measurement']))
assert end == len(base64.b64decode(vm['tdx_measurement']['measurement']))
log = d['event_log'] if isinstance(d['event_log'], list) else json.loads(d['event_log'])
rtmr0 = [e['digest'] for e in log if e['imr'] == 0]
print('# from dstack_tdx-lite-getquote.json by extract_dstack_measurement.py')
print('memory_size', vm['memory_size'])
print('ovmf_variant', m['tdvf']['ovmf'])
print('qemu_version', vm['qemu_version'])
print('cmdline_sha384', m['image']['cmdline_sha384'].hex())
print('kernel_authenticode', m['image']['kernel_authenticode'].hex())
print('initrd_sha384', m['image']['initrd_sha384'].hex())
print('mrtd_single_pass', m['tdvf']['mrtd']['single_pass'].hex())
print('mrtd_two_pass', m['tdvf']['mrtd']['two_pass'].hex())
print('td_hob_witness', m['tdvf']['td_hob'].hex())
print('rtmr0_td_hob', rtmr0[0])
print('rtmr0_cfv', rtmr0[1])
print('rtmr0_acpi_loader', rtmr0[8])
print('rtmr0_acpi_rsdp', rtmr0[9])
print('rtmr0_acpi_tables', rtmr0[10])
print('quote', d['quote'])
