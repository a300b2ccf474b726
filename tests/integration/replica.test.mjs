// DATABASE_READ_URL: read-only queries go to a streaming replica (made here with pg_basebackup,
// on its own ports), and to the primary while the replica is down.
// The proof that a read came from the replica: with replay paused there, a change made on the
// primary is not visible through the API; with replay resumed (or the replica down), it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, api, runChatlings, TEST_REDIS_URL } from './harness.mjs';
import { makeCluster, pgTempDir, asPg, appendCluster, removeDir, PG_BIN } from './pgcluster.mjs';

const execFileP = promisify(execFile);
let work;
let primary;
let replica;
let srv;
// A Redis database of its own: this catalogue has the same ids as the shared stack's, and the
// shared stack's cached creatures must not answer for it.
const redisUrl = (() => { const u = new URL(TEST_REDIS_URL); u.pathname = '/9'; return u.toString(); })();

async function count(q) {
  const r = await api(srv.url, `/api/creatures?q=${encodeURIComponent(q)}&limit=5`);
  assert.equal(r.status, 200, r.text);
  return r.json.creatures.length;
}

async function eventually(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn().catch((e) => e.message);
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${last})`);
}

before(async () => {
  work = await pgTempDir('chatlings-replica-');
  primary = await makeCluster({ dir: path.join(work, 'primary') });
  await primary.start();
  const env = { DATABASE_URL: primary.url() };
  for (const args of [['migrate'], ['seed', '--creatures', '50']]) {
    const r = await runChatlings(args, { env });
    assert.equal(r.code, 0, r.stderr);
  }
  // the replica: a base backup of the primary that follows it (-R writes primary_conninfo)
  const rdir = path.join(work, 'replica');
  await asPg('mkdir', ['-p', rdir]);
  await asPg(path.join(PG_BIN, 'pg_basebackup'), ['-d', `host=127.0.0.1 port=${primary.port} user=postgres`,
    '-D', path.join(rdir, 'data'), '-R', '-X', 'stream', '-c', 'fast']);
  replica = await makeCluster({ dir: rdir, init: false });
  await appendCluster(replica.data, `\nport = ${replica.port}\nhot_standby = on\n`, 'postgresql.auto.conf');
  await replica.start();
  await replica.until(async () => (await replica.psqlValue('SELECT pg_is_in_recovery()')) === 't', { what: 'standby' });
  const u = new URL(redisUrl);
  await execFileP('redis-cli', ['-h', u.hostname, '-p', u.port, '-n', '9', 'FLUSHDB']);
  srv = await startServer({
    env: { DATABASE_URL: primary.url(), DATABASE_READ_URL: replica.url(), REDIS_URL: redisUrl, DB_POOL_MIN: '1' },
  });
});

after(async () => {
  await srv?.stop();
  await replica?.stop();
  await primary?.stop();
  await removeDir(work);
});

test('reads go to the replica', async () => {
  await replica.psql('SELECT pg_wal_replay_pause()');
  await primary.psql(`UPDATE creatures SET name = 'Replicaprobe One' WHERE seq = 1`);
  assert.equal(await primary.psqlValue(`SELECT count(*) FROM creatures WHERE name = 'Replicaprobe One'`), '1');
  assert.equal(await count('replicaprobe one'), 0, 'replay is paused: the replica does not have it yet');
  await replica.psql('SELECT pg_wal_replay_resume()');
  await eventually(async () => (await count('replicaprobe one')) === 1, 'the change through the replica');
  const m = await (await fetch(`${srv.opsUrl}/metrics`)).text();
  assert.match(m, /chatlings_db_pool_open_connections\{pool="replica"\} [1-9]/);
});

test('replica down: reads fall back to the primary; replica back: reads return to it', async () => {
  await primary.psql(`UPDATE creatures SET name = 'Replicaprobe Two' WHERE seq = 2`);
  await eventually(async () => (await count('replicaprobe two')) === 1, 'replicated');
  await replica.stop();
  const t0 = Date.now();
  assert.equal(await count('replicaprobe two'), 1);
  assert.ok(Date.now() - t0 < 3000, `fallback took ${Date.now() - t0} ms`);
  // the next reads skip the replica for a while instead of trying it every time
  for (let i = 0; i < 5; i++) assert.equal(await count('replicaprobe'), 2);
  await srv.waitForLog(/read replica unavailable/);

  await replica.start();
  await replica.until(async () => (await replica.psqlValue('SELECT pg_is_in_recovery()')) === 't', { what: 'standby again' });
  await replica.psql('SELECT pg_wal_replay_pause()');
  await primary.psql(`UPDATE creatures SET name = 'Replicaprobe Three' WHERE seq = 3`);
  // within the retry interval (5 s) reads are back on the paused replica: the change is not seen
  await eventually(async () => (await count('replicaprobe three')) === 0, 'reads back on the replica');
  await replica.psql('SELECT pg_wal_replay_resume()');
});
