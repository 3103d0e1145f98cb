#!/bin/sh
# c2d quote replay on dstack's real GetQuote answer (tests/vectors/tdx).
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
v=$top/tests/vectors/tdx/dstack_tdx-lite-getquote.json
expect_rc 0 "$c2d" quote replay "$v"
expect_out '^events +29 \(9 dstack runtime events'
[ "$(grep -Ec '^rtmr[0-3] +match +[0-9a-f]{96}$' "$T/out")" = 4 ] || { cat "$T/out" >&2; fail "four matches"; }
# The replayed RTMRs are the quote's, as c2d quote show reads them.
jq -r .quote "$v" | xxd -r -p >"$T/quote.bin"
expect_rc 0 "$c2d" quote show --json "$T/quote.bin"
jq -r '.td_report.rtmr[]' "$T/out" >"$T/rtmr.quote"
expect_rc 0 "$c2d" quote replay --json "$v"
jq -r '.rtmr[].replayed' "$T/out" >"$T/rtmr.replayed"
cmp -s "$T/rtmr.quote" "$T/rtmr.replayed" || fail "replayed RTMRs differ from c2d quote show's"
[ "$(jq -r .match "$T/out")" = true ] || fail "--json match"
ok "dstack's event log replays to its quote's RTMR0-3, text and JSON"

# A runtime event's payload changed: its recomputed digest no longer
# matches the logged one (if given) or the quote; with a logged digest it is
# refused by name.
jq '.event_log |= (fromjson | .[22].event_payload = "00" + .[22].event_payload[2:] | tojson)' "$v" >"$T/payload.json"
expect_rc 1 "$c2d" quote replay "$T/payload.json"
expect_out '^rtmr3 +MISMATCH'
expect_out '^rtmr0 +match'
expect_out "^c2d quote: $T/payload.json: the event log does not replay to the quote \(1 of 4 RTMRs differ\)$"
jq '.event_log |= (fromjson | .[22].digest = "0bdd53f6ce1e789e3dd5c3ee89da1ab0c7b300226c2323f00e56856419787f13dac4465beeb6467a2c10dd74d89080d3" | .[22].event_payload = "00" + .[22].event_payload[2:] | tojson)' "$v" >"$T/named.json"
expect_rc 1 "$c2d" quote replay "$T/named.json"
expect_out "^c2d quote: $T/named.json: event_log: event 22 \(compose-hash\): logged digest is not the digest of its name and payload$"
ok "a changed runtime payload is refused, naming the event"

# A boot event's digest changed: RTMR1 no longer matches.
jq '.event_log |= (fromjson | .[11].digest = ("00" + .[11].digest[2:]) | tojson)' "$v" >"$T/boot.json"
rc=0
"$c2d" quote replay --json "$T/boot.json" >"$T/boot.out" 2>"$T/boot.err" || rc=$?
[ "$rc" = 1 ] || fail "a boot digest mismatch exited $rc, expected 1"
[ "$(jq -r '[.rtmr[].match] | map(tostring) | join(",")' "$T/boot.out")" = "true,false,true,true" ] ||
	fail "only RTMR1 should differ"
grep -q 'does not replay to the quote (1 of 4 RTMRs differ)$' "$T/boot.err" || fail "mismatch message"
ok "a changed boot digest is an RTMR mismatch (exit 1)"

# Malformed input: exit 3 naming the file.
printf '{"quote": "04", ' >"$T/bad.json"
expect_rc 3 "$c2d" quote replay "$T/bad.json"
expect_out "^c2d quote: $T/bad.json:1:[0-9]+: "
jq '.event_log |= (fromjson | .[5].imr = 7 | tojson)' "$v" >"$T/imr.json"
expect_rc 3 "$c2d" quote replay "$T/imr.json"
expect_out "^c2d quote: $T/imr.json: event_log: event 5: \"imr\" 7 is outside 0..3$"
jq '.quote = .quote[0:1000]' "$v" >"$T/short.json"
expect_rc 3 "$c2d" quote replay "$T/short.json"
expect_out "^c2d quote: $T/short.json: quote: quote offset 48: TD report body truncated"
expect_rc 2 "$c2d" quote replay
expect_rc 2 "$c2d" quote replay --ccel "$T/x"
expect_rc 0 "$c2d" quote replay --help
ok "malformed JSON, fields and quotes exit 3 naming the file; usage errors exit 2"

# The binary path: a CCEL (TCG2) log written here by an independent Python
# writer from the same events, firmware fill after it, and the binary quote.
/usr/bin/python3 - "$v" "$T/ccel.bin" <<'PY'
import hashlib, json, struct, sys
d = json.load(open(sys.argv[1]))
spec = b"Spec ID Event03\0" + struct.pack("<IBBBBI", 0, 0, 2, 0, 2, 1) + struct.pack("<HH", 0x0C, 48) + b"\0"
out = struct.pack("<II", 0, 3) + bytes(20) + struct.pack("<I", len(spec)) + spec
for e in json.loads(d["event_log"]):
    payload = bytes.fromhex(e["event_payload"])
    if e["event_type"] == 0x08000001:
        data = struct.pack("<I", e["event_type"]) + b":" + e["event"].encode() + b":" + payload
        digest = hashlib.sha384(data).digest()
    else:
        data, digest = payload, bytes.fromhex(e["digest"])
    out += struct.pack("<IIIH", e["imr"] + 1, e["event_type"], 1, 0x0C) + digest
    out += struct.pack("<I", len(data)) + data
open(sys.argv[2], "wb").write(out + b"\xff" * 4096)
PY
expect_rc 0 "$c2d" quote replay --ccel "$T/ccel.bin" --quote "$T/quote.bin"
[ "$(grep -Ec '^rtmr[0-3] +match ' "$T/out")" = 4 ] || { cat "$T/out" >&2; fail "CCEL: four matches"; }
head -c 2000 "$T/ccel.bin" >"$T/ccel.cut"
expect_rc 3 "$c2d" quote replay --ccel "$T/ccel.cut" --quote "$T/quote.bin"
expect_out "^c2d quote: $T/ccel.cut: event log offset [0-9]+: record [0-9]+: "
ok "a binary CCEL log replays to the same RTMRs; a truncated one exits 3 naming the record"

# A real firmware's binary log: what TDVF wrote in a Google COS TDX guest
# (its Spec ID record carries index 1, as TDVF writes it) replays to RTMR0-3
# of that guest's quote. A digest changed in one record is a mismatch of
# exactly the register that record names (the record at offset 9378 names
# CC index 2, RTMR1; its SHA-384 digest starts 14 bytes in).
cos=$top/tests/vectors/tdx/gotdx_ccel_data.dat
cosq=$top/tests/vectors/tdx/gotdx_cos-113-tdx-quote.dat
expect_rc 0 "$c2d" quote replay --ccel "$cos" --quote "$cosq"
expect_out '^events +43 '
[ "$(grep -Ec '^rtmr[0-3] +match ' "$T/out")" = 4 ] || { cat "$T/out" >&2; fail "COS: four matches"; }
cp "$cos" "$T/cos.bin"
[ "$(od -An -tu4 -j9378 -N4 "$T/cos.bin" | tr -d ' ')" = 2 ] || fail "COS: the record at 9378 is not RTMR1's"
printf '\125' | dd of="$T/cos.bin" bs=1 seek=$((9378 + 14 + 5)) conv=notrunc 2>/dev/null
cmp -s "$cos" "$T/cos.bin" && fail "COS: the byte did not change"
rc=0
"$c2d" quote replay --json --ccel "$T/cos.bin" --quote "$cosq" >"$T/cos.out" 2>"$T/cos.err" || rc=$?
[ "$rc" = 1 ] || fail "a changed firmware digest exited $rc, expected 1"
[ "$(jq -r '[.rtmr[].match] | map(tostring) | join(",")' "$T/cos.out")" = "true,false,true,true" ] ||
	fail "only RTMR1 should differ"
grep -q 'does not replay to the quote (1 of 4 RTMRs differ)$' "$T/cos.err" || fail "COS mismatch message"
ok "a real TDVF log (Google COS) replays to its quote's RTMR0-3; a changed digest is RTMR1's mismatch"
