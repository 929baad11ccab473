// SPDX-License-Identifier: GPL-2.0-or-later
//
// Past one machine: pgsort's ndjson and csv rows are what a fleet feeds to an
// existing engine. This loads both, from a fine cull of a real 6.12 dump, into
// DuckDB and checks that SQL's totals per key equal pgsort's own coarser culls
// (JSON), and that the grand totals equal an awk count of the raw dump.
//
// usage: node check.mjs PGSORT DUMP WORKDIR (DUMP may be zstd-compressed: .zst)
// Needs `npm ci --prefix tests/duckdb` (the pinned @duckdb/node-api, which
// ships DuckDB's engine); without it the test fails and says so.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [pgsort, input, work] = process.argv.slice(2);
if (!pgsort || !input || !work) {
	console.error('usage: node check.mjs PGSORT DUMP WORKDIR');
	process.exit(2);
}

let duckdb;
try {
	duckdb = await import('@duckdb/node-api');
} catch (e) {
	console.error(`duckdb: @duckdb/node-api is not installed (${e.code || e.message}).\n` +
		'Run `npm ci --prefix tests/duckdb` from the source tree (the README\'s first ' +
		'command and .ci/run do), then run the tests again.');
	process.exit(1);
}

let passed = 0, failed = 0;
function check(ok, what) {
	if (ok) {
		passed++;
	} else {
		failed++;
		console.log('FAIL ' + what);
	}
	return ok;
}

const dump = join(work, 'page_owner.txt');
const csv = join(work, 'fine.csv');
const ndjson = join(work, 'fine.ndjson');
const run = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });

mkdirSync(work, { recursive: true });
try {
	writeFileSync(dump, input.endsWith('.zst') ? run('zstd', ['-dcq', input]) : readFileSync(input));
} catch (e) {
	console.error(`duckdb: cannot read ${input}: ${e.message}`);
	process.exit(1);
}

// The independent count: records and 2^order pages of the raw text.
const awk = run('awk', ['-f', join(here, '..', 'compat', 'totals.awk'), dump]).toString().split(/\s+/);
const records = BigInt(awk[awk.indexOf('records') + 1]);
const pages = BigInt(awk[awk.indexOf('pages') + 1]);
const pageSize = 4096n;

// One fine cull, written both ways; the JSON of coarser culls to compare with.
const fine = ['--cull=pid,name,stacktrace,order', '--sort=-m'];
writeFileSync(csv, run(pgsort, ['--format=csv', ...fine, dump]));
writeFileSync(ndjson, run(pgsort, ['--format=ndjson', ...fine, dump]));
const pgsortGroups = (key) => JSON.parse(run(pgsort, ['--format=json', `--cull=${key}`, dump])).groups;
const fineGroups = pgsortGroups('pid,name,stacktrace,order').length;

const db = await duckdb.DuckDBInstance.create(':memory:');
const con = await db.connect();
const sql = async (q) => (await con.runAndReadAll(q)).getRowObjectsJson();
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";

// The README's loading statements: CSV with its types spelled out (nulls are
// empty fields, "" an empty text), ndjson by DuckDB's own detection.
await sql(`CREATE TABLE c AS SELECT * FROM read_csv(${lit(csv)}, header = true,
	allow_quoted_nulls = false, columns = {'times': 'UBIGINT', 'pages': 'UBIGINT',
	'bytes': 'UBIGINT', 'pid': 'INTEGER', 'name': 'VARCHAR', 'stacktrace': 'VARCHAR',
	'migrate_reason': 'VARCHAR', 'slab_cache_page': 'BOOLEAN', 'memcg': 'VARCHAR',
	'memcg_objcg': 'BOOLEAN', 'memcg_offline': 'BOOLEAN', 'order': 'UTINYINT'})`);
await sql(`CREATE TABLE n AS SELECT * FROM read_json(${lit(ndjson)}, format = 'newline_delimited')`);
// The same rows: the ndjson's stacktrace array joined as CSV joins it.
await sql(`CREATE VIEW nv AS SELECT times, pages, bytes, pid, name,
	array_to_string(stacktrace, ';') AS stacktrace, migrate_reason, slab_cache_page, memcg,
	memcg_objcg, memcg_offline, "order" FROM n`);

for (const t of ['c', 'nv']) {
	const what = t === 'c' ? 'csv' : 'ndjson';
	const [r] = await sql(`SELECT count(*) AS g, sum(times) AS t, sum(pages) AS p,
		sum(bytes) AS b, count(*) FILTER (WHERE bytes <> pages * 4096) AS bad FROM ${t}`);
	check(BigInt(r.g) === BigInt(fineGroups), `${what}: ${r.g} rows = pgsort's ${fineGroups} groups`);
	check(BigInt(r.t) === records, `${what}: sum(times) ${r.t} = awk's records ${records}`);
	check(BigInt(r.p) === pages, `${what}: sum(pages) ${r.p} = awk's pages ${pages}`);
	check(BigInt(r.b) === pages * pageSize, `${what}: sum(bytes) ${r.b} = awk's pages x 4096`);
	check(BigInt(r.bad) === 0n, `${what}: every row's bytes = pages x 4096`);
}
const [diff] = await sql(`SELECT (SELECT count(*) FROM (FROM c EXCEPT ALL FROM nv)) AS a,
	(SELECT count(*) FROM (FROM nv EXCEPT ALL FROM c)) AS b`);
check(diff.a === '0' && diff.b === '0', `csv and ndjson hold the same rows (${diff.a}, ${diff.b} differ)`);

// The trailer lines after a block's frames, as awk reads the raw dump
// (formats.md 2.7): blocks per (migrate reason, slab, memcg, objcg, offline).
const trailerAwk = `BEGIN { RS = ""; FS = "\\n" }
/^Page allocated/ {
	mr = ""; slab = "false"; mc = ""; ob = ""; off = ""
	for (i = 2; i <= NF; i++) {
		if (index($i, "Page has been migrated, last migrate reason: ") == 1)
			mr = substr($i, 46)
		else if ($i == "Slab cache page")
			slab = "true"
		else if ($i ~ /^Charged /) {
			mc = $i; ob = (mc ~ /^Charged \\(via objcg\\)/) ? "true" : "false"
			off = (mc ~ / to offlined? memcg /) ? "true" : "false"
			sub(/^Charged (\\(via objcg\\) )?to (offlined? )?memcg /, "", mc)
		}
	}
	n[mr "\\t" slab "\\t" mc "\\t" ob "\\t" off]++
}
END { for (k in n) print k "\\t" n[k] }`;
const trailerWant = new Map(run('awk', [trailerAwk, dump]).toString().split('\n').filter(Boolean)
	.map((l) => { const f = l.split('\t'); return [f.slice(0, 5).join('|'), f[5]]; }));
check([...trailerWant.keys()].some((k) => !k.startsWith('|false|')), 'awk: the dump has trailer lines');
for (const t of ['c', 'nv']) {
	const got = new Map();
	for (const r of await sql(`SELECT coalesce(migrate_reason, '') AS mr, slab_cache_page AS s,
			coalesce(memcg, '') AS m, memcg_objcg AS o, memcg_offline AS f, sum(times) AS t
			FROM ${t} GROUP BY ALL`)) {
		const b = (v) => v === null ? '' : String(v);
		got.set([r.mr, b(r.s), r.m, b(r.o), b(r.f)].join('|'), String(r.t));
	}
	const bad = [...trailerWant].filter(([k, v]) => got.get(k) !== v);
	check(got.size === trailerWant.size && bad.length === 0,
		`${t === 'c' ? 'csv' : 'ndjson'}: blocks per trailer = awk's (${got.size} vs ${trailerWant.size})` +
		(bad.length ? `; e.g. ${bad[0][0]}: awk ${bad[0][1]}, SQL ${got.get(bad[0][0])}` : ''));
}

// SQL per key against pgsort's own cull by that key; stacktrace groups by
// the frames and the trailers, as page_owner_sort's stacktrace text does.
const trailerCols = ['migrate_reason', 'slab_cache_page', 'memcg', 'memcg_objcg', 'memcg_offline'];
for (const key of ['name', 'order', 'stacktrace', 'pid', 'pid,name', 'name,order']) {
	const cols = key.split(',').flatMap((c) => c === 'stacktrace' ? [c, ...trailerCols] : [c]);
	const want = new Map();
	for (const g of pgsortGroups(key)) {
		const k = JSON.stringify(cols.map((c) => Array.isArray(g[c]) ? g[c].join(';') : g[c]));
		want.set(k, `${g.times}/${g.pages}/${g.bytes}`);
	}
	const sel = cols.map((c) => `"${c}"`).join(', ');
	for (const t of ['c', 'nv']) {
		const got = new Map();
		for (const r of await sql(`SELECT ${sel}, sum(times) AS t, sum(pages) AS p, sum(bytes) AS b
				FROM ${t} GROUP BY ALL`)) {
			const k = JSON.stringify(cols.map((c) => (c === 'pid' || c === 'order') ? Number(r[c]) : r[c]));
			got.set(k, `${r.t}/${r.p}/${r.b}`);
		}
		const bad = [...want].filter(([k, v]) => got.get(k) !== v);
		check(got.size === want.size && bad.length === 0,
			`${t === 'c' ? 'csv' : 'ndjson'}: GROUP BY ${key}: ${got.size} groups, pgsort --cull=${key} ` +
			`${want.size}` + (bad.length ? `; e.g. ${bad[0][0]}: pgsort ${bad[0][1]}, SQL ${got.get(bad[0][0])}` : ''));
	}
}

con.closeSync();
console.log(`duckdb: ${fineGroups} groups of ${records} records, ${pages} pages`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
