// SPDX-License-Identifier: GPL-2.0-or-later
//
// pgsort series' long rows (one per group and sample) in DuckDB, as the
// README loads them: two "hosts" (the real 6.12.118 leak-cache excerpt, and
// its first 10 samples), the csv and the ndjson. Checks: every (host,
// sample) total equals the sum of nr_base_pages of that show_handles file
// (awk); csv and ndjson hold the same rows; the README's "which stacks grow
// on both hosts" (regr_slope of pages over time) names the tmpfs and slab
// leaks and not the anonymous sawtooth.
//
// usage: node series.mjs PGSORT SERIES_DIR WORKDIR
// SERIES_DIR: show_handles.*.txt, show_stacks_handles.059.txt, index.tsv.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [pgsort, dir, work] = process.argv.slice(2);
if (!pgsort || !dir || !work) {
	console.error('usage: node series.mjs PGSORT SERIES_DIR WORKDIR');
	process.exit(2);
}
let duckdb;
try {
	duckdb = await import('@duckdb/node-api');
} catch (e) {
	console.error(`duckdb: @duckdb/node-api is not installed (${e.code || e.message}).\n` +
		'Run `npm ci --prefix tests/duckdb` from the source tree, then run the tests again.');
	process.exit(1);
}
let passed = 0, failed = 0;
function check(ok, what) {
	if (ok) passed++; else { failed++; console.log('FAIL ' + what); }
	return ok;
}
const run = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
mkdirSync(work, { recursive: true });

const samples = readdirSync(dir).filter((f) => /^show_handles\.\d+\.txt$/.test(f)).sort()
	.map((f) => join(dir, f));
const times = run('awk', ['-F\t', 'NR > 1 { print $3 }', join(dir, 'index.tsv')]).toString();
const hosts = { web1: samples.length, web2: 10 };
const want = new Map();	// "host sample" -> awk's pages
for (const [host, n] of Object.entries(hosts)) {
	const tf = join(work, `${host}.times`);
	writeFileSync(tf, times.split('\n').slice(0, n).join('\n') + '\n');
	const args = ['series', '--stacks', join(dir, 'show_stacks_handles.059.txt'), '--times', tf,
		...samples.slice(0, n)];
	writeFileSync(join(work, `${host}.csv`), run(pgsort, [...args, '--format=csv']));
	writeFileSync(join(work, `${host}.ndjson`), run(pgsort, [...args, '--format=ndjson']));
	samples.slice(0, n).forEach((f, i) => want.set(`${host} ${i}`,
		run('awk', ['$1 == "nr_base_pages:" { s += $2 } END { print s + 0 }', f]).toString().trim()));
}

const db = await duckdb.DuckDBInstance.create(':memory:');
const con = await db.connect();
const sql = async (q) => (await con.runAndReadAll(q)).getRowObjectsJson();
const lit = (s) => "'" + s.replace(/'/g, "''") + "'";
const cols = `{'group': 'UBIGINT', 'sample': 'UBIGINT', 'time': 'DOUBLE', 'pages': 'UBIGINT',
	'bytes': 'UBIGINT', 'score': 'DOUBLE', 'stacktrace': 'VARCHAR'}`;
// The README's statements.
await sql(`CREATE TABLE s AS
	SELECT 'web1' AS host, * FROM read_csv(${lit(join(work, 'web1.csv'))}, header = true, columns = ${cols})
	UNION ALL
	SELECT 'web2' AS host, * FROM read_csv(${lit(join(work, 'web2.csv'))}, header = true, columns = ${cols})`);
await sql(`CREATE TABLE n AS
	SELECT 'web1' AS host, * FROM read_json(${lit(join(work, 'web1.ndjson'))}, format = 'newline_delimited')
	UNION ALL
	SELECT 'web2' AS host, * FROM read_json(${lit(join(work, 'web2.ndjson'))}, format = 'newline_delimited')`);

const got = await sql(`SELECT host, sample, sum(pages) AS p FROM s GROUP BY ALL ORDER BY ALL`);
check(got.length === want.size, `csv: ${got.length} (host, sample) pairs, want ${want.size}`);
const bad = got.filter((r) => want.get(`${r.host} ${r.sample}`) !== String(r.p));
check(bad.length === 0, 'csv: pages per sample = awk\'s nr_base_pages' +
	(bad.length ? `; e.g. ${bad[0].host} ${bad[0].sample}: SQL ${bad[0].p}, awk ${want.get(`${bad[0].host} ${bad[0].sample}`)}` : ''));
const [d] = await sql(`SELECT
	(SELECT count(*) FROM (SELECT host, "group", sample, time, pages, bytes, score, stacktrace FROM s
		EXCEPT ALL SELECT host, "group", sample, time, pages, bytes, score,
		array_to_string(stacktrace, ';') FROM n)) AS a,
	(SELECT count(*) FROM n) AS nn, (SELECT count(*) FROM s) AS ns`);
check(d.a === '0' && d.nn === d.ns, `csv and ndjson hold the same rows (${d.a} differ; ${d.ns} vs ${d.nn})`);
const [b] = await sql(`SELECT count(*) FILTER (WHERE bytes <> pages * 4096) AS bad FROM s`);
check(b.bad === '0', 'every row: bytes = pages x 4096');

// Which stacks grow on both hosts (pages per hour, least-squares slope).
const both = await sql(`SELECT stacktrace, min(per_hour) AS slowest FROM (
		SELECT host, stacktrace, regr_slope(pages, time) * 3600 AS per_hour
		FROM s GROUP BY host, stacktrace)
	WHERE per_hour > 0 GROUP BY stacktrace HAVING count(*) = 2
	ORDER BY slowest DESC`);
const has = (re) => both.some((r) => re.test(r.stacktrace));
check(has(/shmem_alloc_folio.*shmem_write_begin/), 'grow on both: the tmpfs write leak');
check(has(/shmem_alloc_inode/), 'grow on both: the inode slab leak');
check(has(/kmem_cache_alloc_lru_noprof[^;]*;__d_alloc/), 'grow on both: the dentry slab leak');
check(!has(/vma_alloc_folio_noprof[^;]*;do_huge_pmd_anonymous_page/), 'grow on both: not the THP sawtooth');
check(both.length > 0 && /shmem_write_begin/.test(both[0].stacktrace),
	`grow on both: fastest first is the tmpfs leak (${both.length} stacks)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
