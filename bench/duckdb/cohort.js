// The second reference for make bench: cohort-stats's cells computed by
// DuckDB (its native build, bench/duckdb/package-lock.json) from the same
// CSVs, loaded into an in-memory table with the same types (categories as
// ENUMs), on the same two threads. The query is the analysis's: the cell
// (site, CKD stage, age band, sex), its rows, outcomes, missing eGFRs and
// the sum of eGFR clamped to [0, 200] on the 2^-8 lattice, rounded toward
// zero (guest/analysis/rowmath.h), and the pooled cells as sums over sites.
// Prints JSON: the outputs as `c2d run --json` has them, and the median
// time of RUNS executions of the query on the loaded table (load apart).
//   node cohort.js MODULES_DIR RUNS THREADS CSV...
'use strict';
const path = require('path');
const [modules, runsArg, threadsArg, ...csvs] = process.argv.slice(2);
const duckdb = require(require.resolve('@duckdb/node-api', { paths: [path.resolve(modules)] }));

const SITES = ['A', 'B', 'C', 'D', 'X'];
const STAGES = ['G1', 'G2', 'G3a', 'G3b', 'G4', 'G5'];
const SEXES = ['F', 'M'];
const BANDS = 4;
const BAND_FROM = [40, 60, 75];   // cohort_stats.h: 18-39 holds every age below 40

const list = (xs) => xs.map((x) => `'${x}'`).join(', ');
const band = BAND_FROM.map((a) => `(age >= ${a})::INTEGER`).join(' + ');
const QUERY = `
SELECT enum_code(site) AS site, enum_code(ckd_stage) AS stage, ${band} AS band, enum_code(sex) AS sex,
       count(*) AS n, sum(outcome::INTEGER) AS outcome, count(*) - count(egfr) AS egfr_null,
       coalesce(sum(trunc(least(greatest(egfr, 0), 200) * 256)::BIGINT), 0) AS egfr_sum
FROM cohort GROUP BY ALL`;

function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
	const runs = Number(runsArg);
	const db = await duckdb.DuckDBInstance.create(':memory:', { threads: threadsArg });
	const con = await db.connect();
	await con.run(`SET threads = ${Number(threadsArg)}`);
	await con.run(`CREATE TYPE site_t AS ENUM (${list(SITES)})`);
	await con.run(`CREATE TYPE stage_t AS ENUM (${list(STAGES)})`);
	await con.run(`CREATE TYPE sex_t AS ENUM (${list(SEXES)})`);
	const t0 = process.hrtime.bigint();
	await con.run(`CREATE TABLE cohort AS
		SELECT age::BIGINT AS age, sex::sex_t AS sex, egfr::DOUBLE AS egfr,
		       ckd_stage::stage_t AS ckd_stage, outcome::BOOLEAN AS outcome, site::site_t AS site
		FROM read_csv([${list(csvs)}], header = true, all_varchar = true)`);
	const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
	// The query once, then the timed runs: the cells of each must be the same.
	let rows = null;
	const times = [];
	for (let i = 0; i <= runs; i++) {
		const a = process.hrtime.bigint();
		const r = await con.runAndReadAll(QUERY);
		const b = process.hrtime.bigint();
		if (i > 0)
			times.push(Number(b - a) / 1e9);
		const got = JSON.stringify(r.getRowsJS().map((x) => x.map(Number)).sort((p, q) => {
			for (let k = 0; k < 4; k++)
				if (p[k] !== q[k])
					return p[k] - q[k];
			return 0;
		}));
		if (rows !== null && got !== rows)
			throw new Error('two runs of the query gave different cells');
		rows = got;
	}
	const cells = SITES.length * STAGES.length * BANDS * SEXES.length;
	const pooled = STAGES.length * BANDS * SEXES.length;
	const out = {};
	for (const k of ['rows', 'outcome', 'egfr_null', 'egfr_sum']) {
		out['site_' + k] = new Array(cells).fill(0);
		out['pooled_' + k] = new Array(pooled).fill(0);
	}
	let total = 0;
	for (const [site, stage, b, sex, n, outcome, eNull, eSum] of JSON.parse(rows)) {
		const c = ((stage * BANDS + b) * SEXES.length) + sex;
		const vals = { rows: n, outcome, egfr_null: eNull, egfr_sum: eSum };
		for (const k of Object.keys(vals)) {
			out['site_' + k][site * pooled + c] += vals[k];
			out['pooled_' + k][c] += vals[k];
		}
		total += n;
	}
	for (const v of Object.values(out))
		if (!v.every(Number.isSafeInteger))
			throw new Error('a cell is beyond 2^53: compare as strings');
	const order = ['site_rows', 'site_outcome', 'site_egfr_null', 'site_egfr_sum',
		'pooled_rows', 'pooled_outcome', 'pooled_egfr_null', 'pooled_egfr_sum'];
	const outputs = {};
	for (const k of order)
		outputs[k] = out[k];
	const version = (await con.runAndReadAll('SELECT version()')).getRowsJS()[0][0];
	const threads = (await con.runAndReadAll("SELECT current_setting('threads')")).getRowsJS()[0][0];
	console.log(JSON.stringify({ rows: total, outputs, load_s: loadS, query_s: median(times),
		duckdb: version, threads: Number(threads) }));
}

main().catch((e) => {
	console.error(`bench/duckdb/cohort.js: ${e.message}`);
	process.exit(1);
});
