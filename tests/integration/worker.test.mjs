// worker.test.mjs: `chatlings worker` as a black box: jobs run once, retries back off, the last
// attempt goes to the dead letters (and can be retried from there), several workers share one
// queue, a worker killed with SIGKILL in the middle of a job loses it to another worker, a long
// job that renews its claim is not taken from a live worker, SIGTERM finishes the job in hand,
// schedules run once across workers, and the queue's keys never carry a TTL (volatile-lru).
// Uses the development-only job types test.sleep and test.fail (src/worker/jobs.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_REDIS_URL, psqlValue, runChatlings, startWorker } from './harness.mjs';
import { startFakeAppInsights } from './fake-appinsights.mjs';

const execFileP = promisify(execFile);
const run = randomBytes(4).toString('hex');
const key = (name) => `${name}_${run}`;

// Everything but the schedules a test asks for is off, so the tests see only their own jobs.
const QUIET = 'youtube_sweep=off,leaderboard_ensure=off,leaderboard_rollover=off,daily_box_ready=off,cleanup=off,' +
  'chatrooms_open_daily=off,push_deliver=off';
const workerEnv = (extra = {}) => ({
  CHATLINGS_WORKER_THREADS: '2',
  CHATLINGS_QUEUE_RECLAIM_IDLE_MS: '1500',
  CHATLINGS_WORKER_SCHEDULE: QUIET,
  ...extra,
});
const READY = /worker \(development\) running/;

async function redisCli(...args) {
  const u = new URL(TEST_REDIS_URL);
  const { stdout } = await execFileP('redis-cli', ['-h', u.hostname, '-p', u.port, '--no-raw', ...args]);
  return stdout.trim();
}
async function redisRaw(...args) {
  const u = new URL(TEST_REDIS_URL);
  const { stdout } = await execFileP('redis-cli', ['-h', u.hostname, '-p', u.port, '--raw', ...args]);
  return stdout.trim();
}
const counter = async (k, what) => Number((await redisRaw('GET', `test:job:${k}:${what}`)) || 0);

async function enqueue(type, payload = {}, ...extra) {
  const r = await runChatlings(['worker', 'enqueue', type, JSON.stringify(payload), ...extra]);
  assert.equal(r.code, 0, r.stderr);
}

async function stats() {
  const r = await runChatlings(['worker', 'stats']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Dead letters whose payload mentions needle. */
async function deadLetters(needle) {
  const out = await redisRaw('XRANGE', 'queue:{default}:dead', '-', '+');
  const lines = out.split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === 'payload' && lines[i + 1]?.includes(needle)) {
      // the entry id is the nearest line above that looks like one
      let j = i;
      while (j >= 0 && !/^\d+-\d+$/.test(lines[j])) j--;
      const fields = {};
      for (let k = j + 1; k < lines.length && !/^\d+-\d+$/.test(lines[k]); k += 2) fields[lines[k]] = lines[k + 1];
      found.push({ ...fields, entry: lines[j] });
    }
  }
  return found;
}

/** The pid of the worker process holding the job whose test key is k (from XPENDING). */
async function holderPid() {
  const out = await redisRaw('XPENDING', 'queue:{default}', 'workers', '-', '+', '10');
  const m = /:(\d+):\d+:[0-9a-f]{8}/.exec(out);
  return m ? Number(m[1]) : null;
}

// Each test's workers are stopped when it ends, pass or fail, so that none of them takes the
// next test's jobs.
async function worker(t, extra = {}) {
  const w = await startWorker({ env: workerEnv(extra), readyLog: READY });
  t.after(async () => { if (!w.exitInfo) await w.stop({ expectClean: false }).catch(() => {}); });
  return w;
}

test('the queue is Redis Streams that never expire, on a volatile-lru Redis', async (t) => {
  const policy = await redisRaw('CONFIG', 'GET', 'maxmemory-policy');
  assert.match(policy, /volatile-lru/);
  await enqueue('test.fail', { key: key('ttl'), fail: 0 }, '--delay-ms', '600000');
  assert.equal(await redisRaw('TYPE', 'queue:{default}'), 'stream');
  assert.equal(await redisRaw('TTL', 'queue:{default}'), '-1');
  assert.equal(await redisRaw('TTL', 'queue:{default}:delayed'), '-1');
  await redisRaw('DEL', 'queue:{default}:delayed');
});

test('a job runs once and is acknowledged', async (t) => {
  const w = await worker(t);
  const k = key('once');
  await enqueue('test.sleep', { key: k, ms: 50 });
  await waitFor('the job', async () => (await counter(k, 'done')) === 1);
  await sleep(300);
  assert.equal(await counter(k, 'started'), 1);
  await waitFor('nothing pending', async () => (await stats()).pending === 0);
  await w.stop();
});

test('a failing job is retried with backoff, then succeeds', async (t) => {
  const w = await worker(t);
  const k = key('retry');
  await enqueue('test.fail', { key: k, fail: 1 });
  await waitFor('two runs', async () => (await counter(k, 'runs')) === 2, 20000);
  const times = (await redisRaw('LRANGE', `test:job:${k}:times`, '0', '-1')).split('\n').map(Number);
  const gap = times[1] - times[0];
  // first backoff: 2 s plus up to 20 % jitter, promoted within a second of being due
  assert.ok(gap >= 1900 && gap < 4500, `retry after ${gap} ms`);
  await sleep(300);
  assert.equal(await counter(k, 'runs'), 2);
  assert.match(w.logs(), /job_retry.*test\.fail/);
  await w.stop();
});

test('after the last attempt the job is a dead letter, and can be retried from there', async (t) => {
  const w = await worker(t);
  const k = key('dead');
  await enqueue('test.fail', { key: k, fail: 3, retry_ms: 100 });
  await waitFor('the dead letter', async () => (await deadLetters(k)).length === 1, 15000);
  assert.equal(await counter(k, 'runs'), 3); // max_attempts of test.fail
  const [d] = await deadLetters(k);
  assert.equal(d.type, 'test.fail');
  assert.equal(d.attempt, '3');
  assert.match(d.error, /gave up after 3 attempts/);

  // a job that can never work goes there at once
  const kp = key('permanent');
  await enqueue('test.fail', { key: kp, fail: 1, permanent: true });
  await waitFor('permanent failure', async () => (await deadLetters(kp)).length === 1);
  assert.equal(await counter(kp, 'runs'), 1);

  // an unknown type and a payload that is not JSON: dead letters, and the worker carries on
  const ku = key('unknown');
  await enqueue('no.such.type', { key: ku });
  await redisRaw('XADD', 'queue:{default}', '*', 'id', `bad${run}`, 'type', 'test.sleep', 'payload', `{not json ${run}`,
    'attempt', '1', 'enqueued_at', String(Date.now()));
  await waitFor('unknown type dead', async () => (await deadLetters(ku)).length === 1);
  await waitFor('bad payload dead', async () => (await deadLetters(`{not json ${run}`)).length === 1);

  // retry-dead puts it back with a fresh attempt count: it fails 0 more times now (runs > fail)
  const r = await runChatlings(['worker', 'retry-dead', d.entry]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor('the retried job', async () => (await counter(k, 'runs')) === 4);
  assert.equal((await deadLetters(k)).length, 0);
  await sleep(300);
  assert.equal(await counter(k, 'runs'), 4);
  await w.stop();
});

test('several workers share the queue: every job runs exactly once', async (t) => {
  const a = await worker(t);
  const b = await worker(t);
  const k = key('many');
  await enqueue('test.sleep', { key: k, ms: 5 }, '--count', '200');
  await waitFor('200 jobs', async () => (await counter(k, 'done')) === 200, 30000);
  await sleep(300);
  assert.equal(await counter(k, 'started'), 200);
  await waitFor('nothing pending', async () => (await stats()).pending === 0);
  await a.stop();
  await b.stop();
});

test('kill -9 in the middle of a job: another worker takes it over and finishes it', async (t) => {
  const a = await worker(t, { CHATLINGS_WORKER_THREADS: '1' });
  const b = await worker(t, { CHATLINGS_WORKER_THREADS: '1' });
  const k = key('killed');
  await enqueue('test.sleep', { key: k, ms: 2500 });
  await waitFor('the job to start', async () => (await counter(k, 'started')) === 1);
  const pid = await waitFor('the holder', holderPid);
  const victim = pid === a.proc.pid ? a : b;
  const survivor = victim === a ? b : a;
  assert.ok(pid === a.proc.pid || pid === b.proc.pid, `holder ${pid} is one of ours`);
  victim.proc.kill('SIGKILL');
  await victim.exited;
  // the survivor reclaims it once it has been idle for 1.5 s, and runs it again
  await waitFor('the job to finish elsewhere', async () => (await counter(k, 'done')) === 1, 15000);
  assert.equal(await counter(k, 'started'), 2);
  assert.match(survivor.logs(), /job_reclaimed/);
  await waitFor('nothing pending', async () => (await stats()).pending === 0);
  await survivor.stop();
});

test('a long job that renews its claim is not taken from a live worker', async (t) => {
  const a = await worker(t, { CHATLINGS_WORKER_THREADS: '1' });
  const b = await worker(t, { CHATLINGS_WORKER_THREADS: '1' });
  const k = key('touch');
  await enqueue('test.sleep', { key: k, ms: 4000, touch: true });
  await waitFor('the job', async () => (await counter(k, 'done')) === 1, 15000);
  assert.equal(await counter(k, 'started'), 1);
  assert.doesNotMatch(a.logs() + b.logs(), /job_reclaimed/);
  await a.stop();
  await b.stop();
});

test('SIGTERM: the job in hand finishes, the process exits 0, nothing is lost', async (t) => {
  const w = await worker(t, { CHATLINGS_WORKER_THREADS: '1' });
  const k = key('term');
  await enqueue('test.sleep', { key: k, ms: 1500 });
  await waitFor('the job to start', async () => (await counter(k, 'started')) === 1);
  await enqueue('test.sleep', { key: k, ms: 10 }, '--count', '3');
  const t0 = Date.now();
  const res = await w.stop({ timeoutMs: 10000 }); // throws unless it exits 0
  assert.equal(res.code, 0);
  assert.equal(await counter(k, 'done'), 1, 'the job in hand finished before exit');
  assert.ok(Date.now() - t0 < 5000);
  // the rest is still queued (or was released back) for the next worker
  const next = await worker(t);
  await waitFor('the rest', async () => (await counter(k, 'done')) === 4);
  assert.equal(await counter(k, 'started'), 4);
  await next.stop();
});

test('a schedule runs once per slot across workers; a missed run runs once', async (t) => {
  await psqlValue("DELETE FROM job_schedules WHERE name IN ('daily_box_ready', 'cleanup') RETURNING 1");
  // the cleanup ran an hour ago and is due every minute: 60 missed slots, one run
  await psqlValue(`INSERT INTO job_schedules (name, last_run_ms, last_run_at, runs)
                   VALUES ('cleanup', (extract(epoch FROM now() - interval '1 hour') * 1000)::bigint,
                           now() - interval '1 hour', 0) RETURNING 1`);
  const sched = `${QUIET.replace('daily_box_ready=off', 'daily_box_ready=2s').replace('cleanup=off', 'cleanup=1m')}`;
  const a = await worker(t, { CHATLINGS_WORKER_SCHEDULE: sched });
  const b = await worker(t, { CHATLINGS_WORKER_SCHEDULE: sched });
  await sleep(6500);
  const runs = Number(await psqlValue("SELECT runs FROM job_schedules WHERE name = 'daily_box_ready'"));
  // two workers, 6.5 s, every 2 s: 3 or 4 runs (t = 0, 2, 4, 6), not twice that
  assert.ok(runs >= 3 && runs <= 4, `daily_box_ready ran ${runs} times`);
  assert.equal(await psqlValue("SELECT runs FROM job_schedules WHERE name = 'cleanup'"), '1');
  const cleanups = (a.logs() + b.logs()).match(/"event":"cleanup"/g) || [];
  assert.equal(cleanups.length, 1);
  await a.stop();
  await b.stop();
});

test('bad schedule overrides stop the worker at start', async (t) => {
  const r = await runChatlings(['worker'], { env: { CHATLINGS_WORKER_SCHEDULE: 'nope=5m' }, timeoutMs: 20000 });
  assert.equal(r.code, 78);
  assert.match(r.stderr, /no schedule named .{0,2}nope/);
});

test('Application Insights: every job is an operation of the worker role, a dead one an exception too', async (t) => {
  const ai = await startFakeAppInsights();
  t.after(() => ai.close());
  const w = await worker(t, {
    CHATLINGS_APPINSIGHTS_CONNECTION_STRING: ai.connectionString,
    CHATLINGS_APPINSIGHTS_INTERVAL_MS: '200',
  });
  const ok = key('ai_ok');
  const bad = key('ai_dead');
  await enqueue('test.sleep', { key: ok, ms: 5 });
  await enqueue('test.fail', { key: bad, fail: 1, permanent: true });
  await enqueue('cleanup'); // a job that talks to PostgreSQL
  const [done] = await ai.waitFor((it) => it.data.baseType === 'RequestData' && it.data.baseData.name === 'JOB test.sleep');
  assert.equal(done.tags['ai.cloud.role'], 'chatlings-worker');
  assert.equal(done.data.baseData.responseCode, '200');
  assert.equal(done.data.baseData.success, true);
  const [dead] = await ai.waitFor((it) => it.data.baseType === 'RequestData' && it.data.baseData.name === 'JOB test.fail');
  assert.equal(dead.data.baseData.responseCode, '500');
  assert.equal(dead.data.baseData.success, false);
  await ai.waitFor((it) => it.data.baseType === 'ExceptionData');
  // the statements the jobs ran are dependencies of the same role
  await ai.waitFor((it) => it.data.baseType === 'RemoteDependencyData' && it.tags['ai.cloud.role'] === 'chatlings-worker');
  await ai.waitFor((it) => it.data.baseType === 'RequestData' && it.data.baseData.name === 'JOB cleanup');
  await w.stop();
  assert.ok(!w.logs.all.includes(ai.ikey), 'the instrumentation key is not logged');
});
