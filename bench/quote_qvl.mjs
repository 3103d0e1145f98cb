// The reference of bench-quote (bench/quote.c): Phala's dcap-qvl, its
// WebAssembly build from npm (@phala/dcap-qvl-web, pinned by
// contracts/package-lock.json, installed into out/deps/npm), verifying the
// same quote with the same collateral at the same time. Prints the same
// lines as bench-quote: "verdict STATUS ADVISORIES" (sorted, comma-
// separated, or -; "refused" when dcap-qvl throws) and "full NS", the
// median of five runs of N verifications, in nanoseconds of the process's
// CPU time (user and system, as bench-quote counts its own) per quote (with
// N 0, the verdict alone: tests/host/qvl.sh).
//
//   node bench/quote_qvl.mjs NPMDIR QUOTE COLLATERAL TIME [N]
//
// The module is instantiated synchronously from its .wasm file: its
// default loader would fetch() it by URL.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [npm, quoteFile, colFile, time, nArg] = process.argv.slice(2);
if (time === undefined) {
	console.error('usage: node quote_qvl.mjs NPMDIR QUOTE COLLATERAL TIME [N]');
	process.exit(1);
}
const pkg = `${npm}/node_modules/@phala/dcap-qvl-web`;
const qvl = await import(pathToFileURL(`${pkg}/dcap-qvl-web.js`).href);
qvl.initSync({ module: readFileSync(`${pkg}/dcap-qvl-web_bg.wasm`) });

const quote = readFileSync(quoteFile);
const colText = readFileSync(colFile, 'utf8');
const at = Date.parse(time);
if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(time) || Number.isNaN(at)) {
	console.error(`quote_qvl: ${time}: not YYYY-MM-DDTHH:MM:SSZ`);
	process.exit(1);
}
const now = BigInt(at / 1000);
const n = nArg === undefined ? 100 : Number(nArg);
if (!Number.isInteger(n) || n < 0) {
	console.error(`quote_qvl: ${nArg}: not a count`);
	process.exit(1);
}

// The collateral object is what js_verify takes; parsing its JSON text is
// part of each call, as bench-quote's "full" parses it each time.
const verify = () => qvl.js_verify(quote, JSON.parse(colText), now);

let verdict;
try {
	const r = verify();
	const adv = [...(r.advisory_ids ?? [])].sort();
	verdict = `${r.status} ${adv.length ? adv.join(',') : '-'}`;
} catch (e) {
	verdict = 'refused -';
	console.error(`quote_qvl: dcap-qvl refuses: ${e}`);
}
console.log(`verdict ${verdict}`);
if (n === 0)
	process.exit(0);

const t = [];
for (let k = 0; k < 5; k++) {
	const t0 = process.cpuUsage();
	for (let i = 0; i < n; i++) {
		try { verify(); } catch { /* a refusal costs what it costs */ }
	}
	const d = process.cpuUsage(t0);
	t.push((d.user + d.system) * 1000 / n);
}
t.sort((a, b) => a - b);
console.log(`full ${Math.round(t[2])}`);
