// redis_cluster.test.mjs: the server and a worker on a 3-master, 3-replica Redis Cluster
// (REDIS_URL=redis+cluster://..., scripts/redis-cluster.sh): sessions, caches, rate limits,
// leaderboards and queue jobs work across masters, then the master holding the job queue
// fails over under load and no job is lost, and players see errors only during the switch.
// Skips (with a message) when redis-cli has no --cluster. Ports: CHATLINGS_TEST_CLUSTER_PORT..+5 (24300).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, api, runChatlings, startWorker } from './harness.mjs';
import { startOwnServer, signedIn } from './players.mjs';

const execFileP = promisify(execFile);
const BASE = Number(process.env.CHATLINGS_TEST_CLUSTER_PORT || 24300);
const SCRIPT = path.join(ROOT, 'scripts/redis-cluster.sh');
const run = randomBytes(4).toString('hex');
const QUIET = 'youtube_sweep=off,leaderboard_rollover=off,daily_box_ready=off,cleanup=off,' +
  'chatrooms_open_daily=off,push_deliver=off';

let dir, url, skipWhy = null, srv, worker;

const cli = async (port, ...args) => (await execFileP('redis-cli', ['-p', String(port), '--raw', ...args])).stdout.trim();
const anyNode = (...args) => execFileP('redis-cli', ['-c', '-p', String(BASE), '--raw', ...args]).then((r) => r.stdout.trim());

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chatlings-cluster-'));
  try {
    url = (await execFileP(SCRIPT, ['start', dir, String(BASE)], { timeout: 30000 })).stdout.trim();
  } catch (e) {
    if (e.code === 3) { skipWhy = `no Redis Cluster support here: ${String(e.stderr).trim()}`; return; }
    throw e;
  }
  const env = { REDIS_URL: url };
  srv = await startOwnServer(env);
  worker = await startWorker({ env: { ...env, CHATLINGS_WORKER_THREADS: '2', CHATLINGS_WORKER_SCHEDULE: QUIET,
    CHATLINGS_QUEUE_RECLAIM_IDLE_MS: '3000' }, readyLog: /worker \(development\) running/ });
});

after(async () => {
  if (srv) await srv.stop();
  if (worker) await worker.stop();
  if (dir) {
    await execFileP(SCRIPT, ['stop', dir]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

async function enqueue(k, env) {
  const r = await runChatlings(['worker', 'enqueue', 'test.sleep', JSON.stringify({ key: k, ms: 0 })], { env });
  assert.equal(r.code, 0, r.stderr);
}
const done = async (k) => Number((await anyNode('GET', `test:job:${k}:done`)) || 0);

test('sessions, caches, rate limits and leaderboards on a cluster', async (t) => {
  if (skipWhy) return t.skip(skipWhy);
  // masters serving slots (a node that is failing or still handshaking serves none)
  const masters = (await cli(BASE, 'CLUSTER', 'NODES')).split('\n').map((l) => l.trim().split(' '))
    .filter((f) => f.length > 8 && f[2].split(',').includes('master') && !f[2].includes('fail')).length;
  assert.equal(masters, 3);
  for (let i = 0; i < 5; i++) {
    const { p, user } = await signedIn(srv);                 // sess:* and user:*:sessions
    const me = await p.get('/api/user/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user?.id ?? me.json.id, user.id);
  }
  const list = await api(srv.url, '/api/creatures?limit=3');
  assert.equal(list.status, 200, list.text);
  if (list.json.creatures?.length) {
    const id = list.json.creatures[0].id;
    for (let i = 0; i < 2; i++) assert.equal((await api(srv.url, `/api/creature/${id}/details`)).status, 200);
    assert.equal(await anyNode('EXISTS', `creature:${id}:metadata`), '1');
  }
  const lb = await api(srv.url, '/api/leaderboard/rarity');
  assert.equal(lb.status, 200, lb.text);
  // rate-limit counters were written (rl:*) on some master
  let rl = 0;
  for (let i = 0; i < 3; i++) rl += Number(await cli(BASE + i, 'EVAL', "return #redis.call('KEYS','rl:*')", '0'));
  assert.ok(rl > 0, 'rate-limit counters in the cluster');
});

test('queue jobs survive a master failover under load', async (t) => {
  if (skipWhy) return t.skip(skipWhy);
  const env = { REDIS_URL: url };
  const slot = Number(await cli(BASE, 'CLUSTER', 'KEYSLOT', 'queue:{default}'));
  const keys = [];
  for (let i = 0; i < 10; i++) { keys.push(`c${run}_${i}`); await enqueue(keys.at(-1), env); }
  // the queue's master, and one of its replicas
  const nodes = (await cli(BASE, 'CLUSTER', 'NODES')).split('\n').map((l) => l.split(' '));
  const owner = nodes.find((n) => n[2].includes('master') && n.slice(8).some((r) => {
    const [a, b = a] = r.split('-').map(Number); return slot >= a && slot <= b;
  }));
  const replica = nodes.find((n) => n[3] === owner[0]);
  assert.ok(replica, 'the queue master has a replica');
  const replicaPort = Number(replica[1].split(':')[1].split('@')[0]);

  // load: players reading while the failover happens
  let stop = false, errors = 0, firstErr = 0, lastErr = 0, ok = 0;
  const { p } = await signedIn(srv);
  const load = (async () => {
    while (!stop) {
      const r = await p.get('/api/user/me');
      if (r.status === 200) ok++; else { errors++; lastErr = Date.now(); firstErr ||= Date.now(); }
      await sleep(20);
    }
  })();
  await sleep(300);
  await cli(replicaPort, 'CLUSTER', 'FAILOVER');
  for (let i = 0; i < 50 && !(await cli(replicaPort, 'ROLE')).startsWith('master'); i++) await sleep(100);
  assert.ok((await cli(replicaPort, 'ROLE')).startsWith('master'), 'the replica took over');
  for (let i = 10; i < 20; i++) { keys.push(`c${run}_${i}`); await enqueue(keys.at(-1), env); }
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const counts = await Promise.all(keys.map(done));
    if (counts.every((c) => c >= 1)) break;
    await sleep(200);
  }
  stop = true;
  await load;
  const counts = await Promise.all(keys.map(done));
  assert.deepEqual(counts.map((c) => c >= 1), keys.map(() => true), 'every job ran');
  assert.ok(ok > 10, `player requests went through (${ok})`);
  assert.ok(errors === 0 || lastErr - firstErr < 5000, `errors only during the switch (${errors} in ${lastErr - firstErr} ms)`);
  assert.equal((await api(srv.url, '/readyz')).status, 200);
});

test('pub/sub: a PUBLISH on one master reaches a subscriber on another', async (t) => {
  if (skipWhy) return t.skip(skipWhy);
  const { spawn } = await import('node:child_process');
  const sub = spawn('redis-cli', ['-p', String(BASE + 1), 'PSUBSCRIBE', 'chatlings:topic:*']);
  let out = '';
  sub.stdout.on('data', (d) => { out += d; });
  await sleep(300);
  await cli(BASE, 'PUBLISH', `chatlings:topic:test${run}`, 'hello');
  for (let i = 0; i < 30 && !out.includes('hello'); i++) await sleep(100);
  sub.kill();
  assert.ok(out.includes('hello'), 'message broadcast across the cluster');
});
