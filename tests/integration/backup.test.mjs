// The backup drill, on a throwaway PostgreSQL cluster (never the shared test stack): continuous
// WAL archiving through `chatlings wal-archive`, a base backup into the blob store, more writes,
// then a point-in-time restore to a moment between them that must hold exactly the rows of that
// moment. Also: logical backup + restore, the 35-day retention, and archive_command's rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN } from './harness.mjs';
import { makeCluster, pgTempDir, asPg, appendCluster, removeDir, chownPg } from './pgcluster.mjs';

let work;      // temp dir owned by the postgres OS user
let blobs;     // the blob store's root (filesystem driver)
let primary;
let restored;

// The binary runs as the cluster's OS user (archive_command does anyway), with the test's
// sanitizer settings, so its files in the blob store all have one owner.
const SAN = ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']
  .filter((k) => process.env[k]).map((k) => [k, process.env[k]]);
const chatlingsEnv = (extra = {}) => ({
  CHATLINGS_BLOB_DRIVER: 'fs', CHATLINGS_BLOB_DIR: blobs, CHATLINGS_LOG_LEVEL: 'warn', ...Object.fromEntries(SAN), ...extra,
});
async function chatlings(args, extra = {}) {
  return asPg(BIN, args, { env: chatlingsEnv(extra), cwd: work, timeout: 180000 });
}

before(async () => {
  work = await pgTempDir('chatlings-drill-');
  blobs = path.join(work, 'blobs');
  await asPg('mkdir', ['-p', blobs]);
  const archiveEnv = Object.entries(chatlingsEnv()).map(([k, v]) => `${k}=${v}`).join(' ');
  primary = await makeCluster({
    dir: path.join(work, 'primary'),
    // what deploy/postgresql/archiving.conf sets in production
    conf: `
archive_mode = on
archive_command = 'env ${archiveEnv} ${BIN} wal-archive "%p" "%f"'
archive_timeout = 60
`,
  });
});

after(async () => {
  await restored?.stop();
  await primary?.stop();
  await removeDir(work);
});

test('point-in-time restore brings back exactly the rows of that moment', { timeout: 240000 }, async () => {
  await primary.start();
  await primary.psql(`CREATE TABLE drill (id int PRIMARY KEY, phase text NOT NULL,
                        at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await primary.psql(`INSERT INTO drill (id, phase) SELECT g, 'a' FROM generate_series(1, 100) g`);

  // the base backup, in several parts to exercise the multi-part path
  const base = JSON.parse((await chatlings(['backup', '--base', '--part-mb', '1'],
    { DATABASE_URL: primary.url() })).stdout);
  assert.equal(base.kind, 'base');
  assert.ok(base.parts >= 2, `parts: ${base.parts}`);
  assert.match(base.start_wal, /^[0-9A-F]{24}$/);

  await primary.psql(`INSERT INTO drill (id, phase) SELECT g, 'b' FROM generate_series(101, 200) g`);
  await sleep(1100);
  const target = await primary.psqlValue(
    `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || 'Z'`);
  await sleep(1100);
  await primary.psql(`INSERT INTO drill (id, phase) SELECT g, 'c' FROM generate_series(201, 300) g`);
  // close the segment now instead of waiting for archive_timeout, and wait for the archiver
  const seg = await primary.psqlValue('SELECT pg_walfile_name(pg_switch_wal())');
  await primary.until(async () => {
    const last = await primary.psqlValue('SELECT last_archived_wal FROM pg_stat_archiver');
    return last && last >= seg;
  }, { what: `archiving of ${seg}` });
  assert.equal(await primary.psqlValue('SELECT failed_count FROM pg_stat_archiver'), '0',
    (await primary.log()).slice(-2000));
  const walBlobs = await readdir(path.join(blobs, 'backups/wal'));
  assert.ok(walBlobs.includes(`${seg}.gz`), walBlobs.join(' '));

  // restore into a new data directory and let it replay up to the target
  const rdir = path.join(work, 'restored');
  await asPg('mkdir', ['-p', rdir]);
  const out = JSON.parse((await chatlings(['restore', '--to', target, '--target-dir', path.join(rdir, 'data')])).stdout);
  assert.equal(out.restored, `base/${base.stamp}`);
  restored = await makeCluster({ dir: rdir, init: false });
  // the base carries the primary's settings: another port; and the drill's archive is the primary's
  await appendCluster(restored.data, `\nport = ${restored.port}\narchive_mode = off\n`, 'postgresql.auto.conf');
  await restored.start(Object.fromEntries(SAN));
  await restored.until(async () => (await restored.psqlValue('SELECT pg_is_in_recovery()')) === 'f',
    { what: 'recovery to end and promotion' });
  const [count, max, late] = (await restored.psql(
    `SELECT count(*), max(id), count(*) FILTER (WHERE phase = 'c') FROM drill`))[0];
  assert.deepEqual([count, max, late], ['200', '200', '0']);
  const log = await restored.log();
  assert.match(log, /recovery stopping before commit/);
  await restored.stop();
});

test('restore refuses a time before the first base backup, and a non-empty directory', async () => {
  const dir = path.join(work, 'nope');
  await assert.rejects(chatlings(['restore', '--to', '2001-01-01 00:00:00Z', '--target-dir', dir]),
    /no base backup finished before that time/);
  await assert.rejects(chatlings(['restore', '--to', '2001-01-01 00:00:00+02', '--target-dir', dir]),
    /wants a UTC time/);
  await assert.rejects(chatlings(['restore', '--target-dir', primary.data]), /not empty/);
});

test('logical backup, retention of 35 days, and restore into another database', { timeout: 120000 }, async () => {
  // old and recent backups as the store would hold them
  const now = Date.now();
  const stamp = (daysAgo) => new Date(now - daysAgo * 86400e3).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const put = async (name, text) => {
    const p = path.join(blobs, 'backups', name);
    await asPg('mkdir', ['-p', path.dirname(p)]);
    await writeFile(p, text);
    await chownPg(p);
  };
  const old = stamp(40);
  const recent = stamp(30);
  await put(`base/${old}/base.tar.0000`, 'x');
  await put(`base/${old}/manifest.json`, JSON.stringify({ kind: 'base', stamp: old, started: 1, finished: 2, parts: 1, bytes: 1, sha256: 'x', start_wal: '000000010000000000000000' }));
  await put(`logical/${recent}/dump.0000`, 'x');
  await put(`logical/${recent}/manifest.json`, JSON.stringify({ kind: 'logical', stamp: recent, started: 1, finished: 2, parts: 1, bytes: 1, sha256: 'x', start_wal: '' }));
  await put('wal/000000010000000000000000.gz', 'x'); // older than every base backup kept

  const r = JSON.parse((await chatlings(['backup'], { DATABASE_URL: primary.url() })).stdout);
  assert.equal(r.kind, 'logical');
  assert.equal(r.pruned_backups, 1);
  assert.equal(r.pruned_wal, 1);
  assert.ok(!existsSync(path.join(blobs, 'backups/base', old)) ||
    (await readdir(path.join(blobs, 'backups/base', old))).length === 0, 'the 40-day-old backup is gone');
  assert.ok(existsSync(path.join(blobs, 'backups/logical', recent, 'manifest.json')), 'the 30-day-old one stays');
  assert.ok(!existsSync(path.join(blobs, 'backups/wal/000000010000000000000000.gz')));

  const list = (await chatlings(['backup', '--list'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(list.some((b) => b.kind === 'base'));
  assert.ok(list.some((b) => b.kind === 'logical' && b.stamp === r.stamp));

  await primary.psql('CREATE DATABASE drill_copy');
  const res = JSON.parse((await chatlings(['restore', '--logical', '--stamp', r.stamp,
    '--database', primary.url('drill_copy')])).stdout);
  assert.equal(res.restored, `logical/${r.stamp}`);
  assert.equal(await primary.psqlValue('SELECT count(*) FROM drill', 'drill_copy'), '300');
});

test('wal-archive: the same segment twice is fine, different contents are refused', async () => {
  const seg = path.join(work, '0000000A0000000000000001');
  await asPg('sh', ['-c', `head -c 65536 /dev/urandom > '${seg}'`]);
  await chatlings(['wal-archive', seg, '0000000A0000000000000001']);
  await chatlings(['wal-archive', seg, '0000000A0000000000000001']);
  await asPg('cp', [seg, `${seg}.first`]);
  await asPg('sh', ['-c', `head -c 65536 /dev/urandom > '${seg}'`]);
  await assert.rejects(chatlings(['wal-archive', seg, '0000000A0000000000000001']), /already archived with different contents/);
  await assert.rejects(chatlings(['wal-archive', seg, '../../etc/passwd']), /not a WAL file name/);
  // restore_command: absent is exit 1 (the end of the archive), present is restored as archived
  const dst = path.join(work, 'restored-seg');
  await assert.rejects(chatlings(['wal-restore', '0000000A0000000000000009', dst]), (e) => e.code === 1);
  await chatlings(['wal-restore', '0000000A0000000000000001', dst]);
  await asPg('cmp', [`${seg}.first`, dst]);
});
