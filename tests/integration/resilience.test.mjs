// Dependencies that go away and come back, limits and shutdown: the server answers 503 quickly,
// never crashes, and recovers by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  startServer, api, psql, runChatlings, pgStop, pgStart, redisStop, redisStart,
  TEST_DATABASE_URL, TEST_REDIS_URL, TEST_REDIS_TLS_URL, TEST_REDIS_CA_FILE,
  waitForTableLock,
} from './harness.mjs';

const execFileP = promisify(execFile);
let srv;
let ids;

before(async () => {
  srv = await startServer();
  const r = await api(srv.url, '/api/creatures?limit=5');
  ids = r.json.creatures.map((c) => c.id);
});
after(async () => { await srv?.stop(); });

async function eventually(fn, { timeoutMs = 15000, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(200);
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${last})`);
}

// Resolves when a child process has exited, even if it already had.
function exited(proc) {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.on('exit', resolve));
}

async function redisCli(...args) {
  const u = new URL(TEST_REDIS_URL);
  const { stdout } = await execFileP('redis-cli', ['-h', u.hostname, '-p', u.port, ...args]);
  return stdout.trim();
}

test('PostgreSQL down: 503 within about 2 s, cached reads still work, recovery by itself', async () => {
  const cached = ids[0];
  assert.equal((await api(srv.url, `/api/creature/${cached}/details`)).status, 200); // warm the cache
  await redisCli('DEL', `creature:${ids[1]}:metadata`);
  await pgStop();
  try {
    const t0 = Date.now();
    const r = await api(srv.url, '/api/creatures');
    const elapsed = Date.now() - t0;
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'unavailable');
    assert.ok(!/postgres|libpq|connection to server/i.test(r.text), 'no internals in the message');
    assert.ok(elapsed < 3000, `503 took ${elapsed} ms`);
    assert.ok(r.headers.get('retry-after'));
    const ready = await api(srv.url, '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.checks.postgres, 'down');
    assert.equal(ready.json.checks.redis, 'ok');
    assert.equal((await api(srv.url, `/api/creature/${cached}/details`)).status, 200, 'cached details served');
    assert.equal((await api(srv.url, `/api/creature/${ids[1]}/details`)).status, 503, 'uncached details need the database');
  } finally {
    await pgStart();
  }
  await eventually(async () => (await api(srv.url, '/api/creatures')).status === 200, { what: 'catalogue back' });
  assert.equal((await api(srv.url, '/readyz')).status, 200);
});

test('Redis down: the cache is bypassed, nothing crashes, it reconnects by itself', async () => {
  await redisStop();
  try {
    for (const id of ids) {
      const r = await api(srv.url, `/api/creature/${id}/details`);
      assert.equal(r.status, 200, 'details straight from PostgreSQL');
      assert.equal(r.json.creature.id, id);
    }
    const ready = await api(srv.url, '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.checks.redis, 'down');
  } finally {
    await redisStart();
  }
  await eventually(async () => (await api(srv.url, '/readyz')).status === 200, { what: 'readyz after Redis' });
  await redisCli('DEL', `creature:${ids[2]}:metadata`);
  await api(srv.url, `/api/creature/${ids[2]}/details`);
  await eventually(async () => (await redisCli('EXISTS', `creature:${ids[2]}:metadata`)) === '1',
    { what: 'cache written again', timeoutMs: 5000 });
  const ttl = Number(await redisCli('TTL', `creature:${ids[2]}:metadata`));
  assert.ok(ttl > 3500 && ttl <= 3600, `creature metadata TTL ${ttl}`);
});

test('Redis over TLS (rediss://) with a CA file', async () => {
  const tls = await startServer({ env: { REDIS_URL: TEST_REDIS_TLS_URL, REDIS_CA_FILE: TEST_REDIS_CA_FILE } });
  try {
    const ready = await api(tls.url, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.checks.redis, 'ok');
    await redisCli('DEL', `creature:${ids[3]}:metadata`);
    assert.equal((await api(tls.url, `/api/creature/${ids[3]}/details`)).status, 200);
    assert.equal(await redisCli('EXISTS', `creature:${ids[3]}:metadata`), '1', 'written through the TLS port');
  } finally {
    await tls.stop();
  }
});

test('a body over the limit is refused with 413', async () => {
  const small = await startServer({ env: { CHATLINGS_BODY_LIMIT: '2048' } });
  try {
    const r = await api(small.url, '/api/creatures', {
      method: 'POST', body: 'x'.repeat(10000), headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 413);
  } finally {
    await small.stop();
  }
});

test('a client that never finishes its headers is cut off after the header timeout', async () => {
  const s = await startServer({ env: { CHATLINGS_HEADER_TIMEOUT_MS: '500' } });
  try {
    const closed = await new Promise((resolve, reject) => {
      const sock = net.connect(s.port, '127.0.0.1', () => sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
      const t0 = Date.now();
      sock.on('close', () => resolve(Date.now() - t0));
      sock.on('error', () => {});
      setTimeout(() => { sock.destroy(); reject(new Error('still open after 5 s')); }, 5000);
    });
    assert.ok(closed >= 400 && closed < 3000, `closed after ${closed} ms`);
  } finally {
    await s.stop();
  }
});

test('a full pool gives 503s, never a hang, and recovers', async () => {
  const s = await startServer({ env: { DB_POOL_MAX: '2', DB_POOL_MIN: '1', DB_STATEMENT_TIMEOUT_MS: '1500' } });
  // An exclusive lock makes every catalogue query wait: two hold the pool, the rest queue for it.
  const locker = spawn('psql', ['-X', '-q', '-d', TEST_DATABASE_URL, '-c',
    'BEGIN; LOCK TABLE creatures IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;']);
  try {
    await waitForTableLock('creatures');
    const t0 = Date.now();
    const timed = async () => {
      const r = await api(s.url, '/api/creatures?limit=3');
      return { ...r, ms: Date.now() - t0 };
    };
    const results = await Promise.all(Array.from({ length: 8 }, timed));
    // Each request either gets a connection (then its statement times out at 1.5 s, or the lock
    // lifts) or waits at most 2 s for one: never an answer other than 503/200, never a hang.
    for (const r of results) {
      assert.ok(r.status === 503 || r.status === 200, `status ${r.status}`);
      if (r.status === 503) assert.equal(r.json.error.code, 'unavailable');
      assert.ok(r.ms < 6000, `answered after ${r.ms} ms`);
    }
    assert.ok(results.filter((r) => r.status === 503).length >= 4, 'the requests stuck behind the lock got 503');
  } finally {
    await exited(locker);
    await eventually(async () => (await api(s.url, '/api/creatures?limit=3')).status === 200, { what: 'pool recovered' });
    await s.stop();
  }
});

test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
  const s = await startServer();
  await redisCli('DEL', `creature:${ids[4]}:metadata`);
  const locker = spawn('psql', ['-X', '-q', '-d', TEST_DATABASE_URL, '-c',
    'BEGIN; LOCK TABLE creatures IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT;']);
  await waitForTableLock('creatures');
  const inflight = api(s.url, `/api/creature/${ids[4]}/details`);
  await sleep(300);
  s.proc.kill('SIGTERM');
  const r = await inflight;
  assert.equal(r.status, 200, 'the request that was running when SIGTERM came still succeeds');
  const exit = await s.exited;
  assert.equal(exit.code, 0);
  await exited(locker);
  await s.stop();
});

test('several loop threads (SO_REUSEPORT) serve the same port', async () => {
  const s = await startServer({ env: { CHATLINGS_LOOP_THREADS: '2' } });
  try {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => api(s.url, `/api/creature/${ids[i % 5]}/details`)));
    assert.ok(results.every((r) => r.status === 200));
  } finally {
    await s.stop();
  }
});

test('migrate is a no-op the second time and seed is idempotent', async () => {
  await runChatlings(['migrate']);
  const before = await psql('SELECT count(*) FROM schema_migrations');
  const { code, stdout } = await runChatlings(['migrate']);
  assert.equal(code, 0);
  assert.match(stdout, /applied 0 migrations/);
  assert.deepEqual(await psql('SELECT count(*) FROM schema_migrations'), before);
  const seed = await runChatlings(['seed']);
  assert.equal(seed.code, 0);
  assert.match(seed.stdout, /already seeded/);
});
