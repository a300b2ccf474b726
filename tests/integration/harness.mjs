// harness.mjs: black-box test helpers. Starts the real chatlings binary (CHATLINGS_BIN, the ASan
// build under make test) against the test stack that scripts/test.sh started (TEST_* variables),
// talks to it over HTTP, and fails a test when the process printed a sanitizer report.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const execFileP = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.CHATLINGS_BIN || path.join(ROOT, 'build/asan/chatlings');
export const STACK_DIR = process.env.CHATLINGS_TEST_STACK_DIR || path.join(ROOT, 'var/test');
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL || 'postgresql://chatlings@127.0.0.1:25432/chatlings';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:26379/0';
export const TEST_REDIS_TLS_URL = process.env.TEST_REDIS_TLS_URL || 'rediss://127.0.0.1:26380/0';
export const TEST_REDIS_CA_FILE =
  process.env.TEST_REDIS_CA_FILE || path.join(STACK_DIR, 'redis/tls/ca.crt');

// What the binary needs to reach the test stack; a test's own env is merged over it.
export function stackEnv() {
  return {
    CHATLINGS_ENV: 'development',
    // Rate-limit counters are per client IP and shared through Redis by every server of the
    // run, and every test comes from 127.0.0.1: servers get high limits unless a test about
    // limits sets its own.
    CHATLINGS_RATE_LIMITS: 'signin=100000/60,write=100000/60,read=100000/60,chat=100000/60',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    CHATLINGS_MIGRATIONS_DIR: path.join(ROOT, 'db/migrations'),
  };
}

// ---------------------------------------------------------------------------------------------
// Sanitizer reports

const SANITIZER_PATTERNS = [
  /ERROR: AddressSanitizer/,
  /ERROR: LeakSanitizer/,
  /runtime error:/,
  /SUMMARY: UndefinedBehaviorSanitizer/,
];

/** The first sanitizer report in text (with some context), or null. */
export function sanitizerReport(text) {
  for (const re of SANITIZER_PATTERNS) {
    const m = re.exec(text);
    if (m) return text.slice(Math.max(0, m.index - 200), m.index + 3000);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Ports

// Each test process starts its scan at its own offset, so two runners in parallel rarely meet.
let nextPort = 18080 + (process.pid % 100) * 20;
const handedOut = new Set();

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A loopback TCP port nobody listens on, never the same twice in this process. */
export async function freePort() {
  for (let i = 0; i < 2000; i++) {
    const p = nextPort++;
    if (nextPort > 28000) nextPort = 18080;
    if (handedOut.has(p)) continue;
    if (await portFree(p)) {
      handedOut.add(p);
      return p;
    }
  }
  throw new Error('no free port found in 18080..28000');
}

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set();
const CRASH_SIGNALS = new Set(['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE']);
// A failing test must not leave servers behind: whatever is still running dies with the runner.
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// The output of one process. logs() (or logs.all) is everything so far, stdout and stderr
// interleaved as they arrived; logs.stdout / logs.stderr apart; logs.json() the JSON log records.
function makeLogs() {
  const logs = () => logs.all;
  logs.stdout = '';
  logs.stderr = '';
  logs.all = '';
  logs.toString = () => logs.all;
  logs.json = () => {
    const out = [];
    for (const line of logs.all.split('\n')) {
      const t = line.trim();
      if (!t.startsWith('{')) continue;
      try { out.push(JSON.parse(t)); } catch { /* not a log record */ }
    }
    return out;
  };
  logs.tail = (n = 40) => logs.all.split('\n').slice(-n).join('\n');
  return logs;
}

/**
 * Spawns `BIN role ...args` with the stack env. Returns a handle:
 * { proc, logs, exited (Promise<{code, signal}>), waitForLog(re, ms), stop({signal, timeoutMs}) }.
 * stop({signal, timeoutMs, expectClean}) sends the signal (SIGTERM), waits, KILLs after timeoutMs
 * and then throws; it also throws when the output holds a sanitizer report, when the process died
 * of a crash signal (SIGABRT, SIGSEGV, ...), or when it did not exit 0 after SIGTERM/SIGINT
 * (unless expectClean: false). It resolves with {code, signal}.
 * With opts.t (a node:test context) stop() also runs in t.after(), so a forgotten or failed test
 * still checks the process.
 */
export function spawnChatlings(role, { args = [], env = {}, t } = {}) {
  const logs = makeLogs();
  const proc = spawn(BIN, [role, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...stackEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  const waiters = new Set();
  const onData = (which) => (chunk) => {
    const s = chunk.toString();
    logs[which] += s;
    logs.all += s;
    for (const w of waiters) w();
  };
  proc.stdout.on('data', onData('stdout'));
  proc.stderr.on('data', onData('stderr'));
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    proc.once('error', (err) => {
      logs.all += `\n[harness] spawn failed: ${err.message}\n`;
      exitInfo = { code: null, signal: null, error: err };
      live.delete(proc);
      resolve(exitInfo);
    });
    proc.once('close', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(proc);
      for (const w of waiters) w();
      resolve(exitInfo);
    });
  });

  const handle = {
    role, proc, logs, exited,
    get exitInfo() { return exitInfo; },

    /** Resolves with the match when re appears in the output; rejects on timeout or exit. */
    waitForLog(re, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(logs.all);
          if (m) { done(); resolve(m); return; }
          if (exitInfo) { done(); reject(new Error(`${role} exited (${fmtExit(exitInfo)}) before ${re}:\n${logs.tail()}`)); }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`timeout waiting for ${re} in ${role} output:\n${logs.tail()}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },

    async stop({ signal = 'SIGTERM', timeoutMs = 10000, expectClean = true } = {}) {
      let sent = false;
      if (!exitInfo) {
        sent = true;
        proc.kill(signal);
        const res = await Promise.race([exited, sleep(timeoutMs, null, { ref: false })]);
        if (!res) {
          proc.kill('SIGKILL');
          await exited;
          throw new Error(`${role} did not exit within ${timeoutMs} ms of ${signal}:\n${logs.tail()}`);
        }
      }
      handle.assertNoSanitizerReport();
      // A crash is never a good way to go, whoever asked it to stop.
      if (CRASH_SIGNALS.has(exitInfo.signal)) {
        throw new Error(`chatlings ${role} crashed (${exitInfo.signal}):\n${logs.tail()}`);
      }
      // Asked to stop gracefully, it must finish its work and exit 0.
      if (sent && expectClean && (signal === 'SIGTERM' || signal === 'SIGINT') && exitInfo.code !== 0) {
        throw new Error(`chatlings ${role} exited (${fmtExit(exitInfo)}) after ${signal}, expected code 0:\n${logs.tail()}`);
      }
      return exitInfo;
    },

    assertNoSanitizerReport() {
      const rep = sanitizerReport(logs.all);
      if (rep) throw new Error(`sanitizer report from chatlings ${role}:\n${rep}`);
    },
  };
  if (t) t.after(() => handle.stop());
  return handle;
}

function fmtExit(e) {
  return e.error ? e.error.message : e.signal ? `signal ${e.signal}` : `code ${e.code}`;
}

/** Polls url until it answers 200, the process exits, or timeoutMs passes. */
export async function waitHttp(url, { timeoutMs = 10000, handle } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (handle?.exitInfo) {
      throw new Error(`chatlings ${handle.role} exited (${fmtExit(handle.exitInfo)}) before ${url} answered:\n${handle.logs.tail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.cause?.code || err.message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})` +
    (handle ? `:\n${handle.logs.tail()}` : ''));
}

function hostPort(listen) {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

/**
 * Starts `chatlings serve` on free loopback ports (public, admin, ops) and waits for /healthz.
 * opts: env (merged over the stack env), listen ('127.0.0.1:PORT'), args, t (node:test context),
 * healthTimeoutMs (10 s).
 * Returns { url, adminUrl, opsUrl, proc, logs, exited, waitForLog, stop() }.
 */
export async function startServer({ env = {}, listen, args = [], t, healthTimeoutMs = 10000 } = {}) {
  listen = listen || env.CHATLINGS_LISTEN || `127.0.0.1:${await freePort()}`;
  const adminListen = env.CHATLINGS_ADMIN_LISTEN || `127.0.0.1:${await freePort()}`;
  const opsListen = env.CHATLINGS_OPS_LISTEN || `127.0.0.1:${await freePort()}`;
  const handle = spawnChatlings('serve', {
    args, t,
    env: {
      ...env,
      CHATLINGS_LISTEN: listen,
      CHATLINGS_ADMIN_LISTEN: adminListen,
      CHATLINGS_OPS_LISTEN: opsListen,
    },
  });
  const url = `http://${listen}`;
  try {
    await waitHttp(`${url}/healthz`, { timeoutMs: healthTimeoutMs, handle });
  } catch (err) {
    if (!handle.exitInfo) { handle.proc.kill('SIGKILL'); await handle.exited; }
    throw err;
  }
  return Object.assign(handle, {
    url,
    adminUrl: `http://${adminListen}`,
    opsUrl: `http://${opsListen}`,
    port: hostPort(listen).port,
  });
}

/**
 * Starts `chatlings worker`. opts: env, args, t, readyLog (a RegExp to wait for in its output),
 * settleMs (without readyLog: how long it must stay up before it counts as started, 300 ms).
 */
export async function startWorker({ env = {}, args = [], t, readyLog, settleMs = 300 } = {}) {
  const handle = spawnChatlings('worker', { env, args, t });
  if (readyLog) {
    await handle.waitForLog(readyLog);
  } else {
    await Promise.race([handle.exited, sleep(settleMs, null, { ref: false })]);
    if (handle.exitInfo) {
      throw new Error(`chatlings worker exited at start (${fmtExit(handle.exitInfo)}):\n${handle.logs.tail()}`);
    }
  }
  return handle;
}

/**
 * Runs a one-shot subcommand (migrate, seed, config, ...) to completion.
 * Returns { code, signal, stdout, stderr }; throws on a sanitizer report or a crash signal.
 */
export async function runChatlings(args, { env = {}, timeoutMs = 120000 } = {}) {
  const h = spawnChatlings(args[0], { args: args.slice(1), env });
  const res = await Promise.race([h.exited, sleep(timeoutMs, null, { ref: false })]);
  if (!res) {
    h.proc.kill('SIGKILL');
    await h.exited;
    throw new Error(`chatlings ${args.join(' ')} timed out after ${timeoutMs} ms:\n${h.logs.tail()}`);
  }
  h.assertNoSanitizerReport();
  if (CRASH_SIGNALS.has(res.signal)) {
    throw new Error(`chatlings ${args.join(' ')} crashed (${res.signal}):\n${h.logs.tail()}`);
  }
  return { code: res.code, signal: res.signal, stdout: h.logs.stdout, stderr: h.logs.stderr };
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * One request. opts: method, body (object → JSON, string/Buffer as is), headers, cookie,
 * redirect ('manual' by default), timeoutMs.
 * Returns { status, headers, json (parsed body or null), text }.
 */
export async function api(url, p = '/', opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body = opts.body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(url + p, {
    method: opts.method || (body !== undefined ? 'POST' : 'GET'),
    headers,
    body,
    redirect: opts.redirect || 'manual',
    signal: AbortSignal.timeout(opts.timeoutMs || 10000),
  });
  const text = await res.text();
  let json = null;
  try { json = text.length ? JSON.parse(text) : null; } catch { json = null; }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * A client that keeps cookies between requests (a signed-in player):
 *   const c = client(srv.url); await c.post('/api/dev/login', {username: 'ana'}); await c.get('/api/user/me')
 */
export function client(url) {
  const jar = new Map();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const req = async (method, p, body, opts = {}) => {
    const headers = { ...(opts.headers || {}) };
    const ck = cookieHeader();
    if (ck) headers.cookie = ck;
    const res = await api(url, p, { ...opts, method, body, headers });
    for (const sc of res.headers.getSetCookie?.() || []) {
      const [pair, ...attrs] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) jar.delete(name); else jar.set(name, value);
    }
    return res;
  };
  return {
    jar,
    cookie: cookieHeader,
    get: (p, opts) => req('GET', p, undefined, opts),
    post: (p, body = {}, opts) => req('POST', p, body, opts),
    put: (p, body = {}, opts) => req('PUT', p, body, opts),
    patch: (p, body = {}, opts) => req('PATCH', p, body, opts),
    del: (p, opts) => req('DELETE', p, undefined, opts),
    request: req,
  };
}

// ---------------------------------------------------------------------------------------------
// The test stack (fault tests): scripts/stack.sh on var/test

function portOf(u) { return new URL(u).port; }

async function stack(action) {
  const args = [action, STACK_DIR, portOf(TEST_DATABASE_URL), portOf(TEST_REDIS_URL), portOf(TEST_REDIS_TLS_URL)];
  try {
    await execFileP(path.join(ROOT, 'scripts/stack.sh'), args, { cwd: ROOT, timeout: 120000 });
  } catch (err) {
    throw new Error(`scripts/stack.sh ${action} failed: ${err.stderr || err.message}`);
  }
}
export const pgStop = () => stack('pg-stop');
export const pgStart = () => stack('pg-start');
export const redisStop = () => stack('redis-stop');
export const redisStart = () => stack('redis-start');

// ---------------------------------------------------------------------------------------------
// Direct database access (to arrange state and to check what the server wrote)

const FS = '\x1f';
const RS = '\x1e';

/**
 * Runs SQL through the psql client against TEST_DATABASE_URL (or opts.url).
 * Returns the rows of the last statement's output as arrays of strings (NULL as null).
 */
export async function psql(sql, { url = TEST_DATABASE_URL } = {}) {
  let out;
  try {
    out = await execFileP('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-F', FS, '-R', RS,
      '-P', 'null=\x01', '-d', url, '-c', sql], { timeout: 60000, maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`psql failed: ${err.stderr || err.message}\nSQL: ${sql}`);
  }
  const text = out.stdout.replace(/\n$/, '');
  if (!text) return [];
  return text.split(RS).filter((r) => r !== '' && r !== '\n')
    .map((r) => r.replace(/^\n/, '').split(FS).map((v) => (v === '\x01' ? null : v)));
}

/** The first column of the first row, or null when there is no row. */
export async function psqlValue(sql, opts) {
  const rows = await psql(sql, opts);
  return rows.length ? rows[0][0] : null;
}

/** Waits until some session holds an ACCESS EXCLUSIVE lock on table (a psql started to block
 * the server's queries), so a test never races the lock it set up. */
export async function waitForTableLock(table, { timeoutMs = 10000 } = {}) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const n = await psqlValue(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = '${table}' AND l.mode = 'AccessExclusiveLock' AND l.granted`);
    if (n !== '0') return;
    await sleep(25);
  }
  throw new Error(`no lock on ${table} within ${timeoutMs} ms`);
}
