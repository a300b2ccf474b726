// Scale-out: two web instances and two workers over one PostgreSQL and one Redis, behind nginx
// on loopback (deploy/nginx/chatlings.conf with its ports, TLS and paths rewritten for the test;
// a minimal proxy when that file is missing or does not load here). The instances must behave
// as one: sessions and CSRF tokens made on one work on the other, a scheduled job runs once
// across the workers, and chat said through the proxy reaches players on both instances.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, writeFile, rm, mkdir, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startServer, startWorker, freePort, waitHttp, psqlValue, ROOT } from './harness.mjs';
import { player, uname, HIGH_LIMITS } from './players.mjs';

const execFileP = promisify(execFile);
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
let dir;
let front;   // { url, origin } of nginx
let a;
let b;
let nginx;
let proxyKind = 'none';

/** deploy/nginx/chatlings.conf made to run here: plain HTTP on a loopback port, both instances
 * upstream, no brotli (a module that may not be installed), the front end's root in dir. */
function rewrite(conf, port, upstreams, root) {
  let c = conf.replace(/server 127\.0\.0\.1:8080[^;]*;/, upstreams.map((u) => `server ${u} max_fails=0;`).join('\n    '));
  c = c.replace(/server \{\s*listen 80;[\s\S]*?\n\}\n/, '');
  c = c.replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${port};`);
  c = c.replace(/^\s*listen \[::\]:443.*$/m, '');
  c = c.replace(/^\s*ssl_.*$/gm, '');
  c = c.replace(/^\s*brotli.*$/gm, '');
  c = c.replace(/\/srv\/chatlings\/web\/dist/g, root);
  return c;
}

function minimal(port, upstreams) {
  return `
upstream chatlings_app { ${upstreams.map((u) => `server ${u};`).join(' ')} keepalive 16; }
map $http_upgrade $chatlings_connection { default upgrade; '' ''; }
server {
    listen 127.0.0.1:${port};
    location / {
        proxy_pass http://chatlings_app;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Connection $chatlings_connection;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_read_timeout 3600s;
    }
}
`;
}

async function writeMain(site) {
  await writeFile(path.join(dir, 'site.conf'), site);
  const main = `
daemon off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/site.conf;
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), main);
  try {
    await execFileP(NGINX, ['-t', '-q', '-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')]);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'chatlings-scaleout-'));
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'web'));
  const port = await freePort();
  front = { url: `http://127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };
  const env = { CHATLINGS_PUBLIC_URL: front.origin, CHATLINGS_TRUST_PROXY: '1', CHATLINGS_RATE_LIMITS: HIGH_LIMITS };
  a = await startServer({ env });
  b = await startServer({ env });
  if (!NGINX) return;
  const upstreams = [a.url, b.url].map((u) => u.replace('http://', ''));
  const shipped = path.join(ROOT, 'deploy/nginx/chatlings.conf');
  if (existsSync(shipped) && await writeMain(rewrite(await readFile(shipped, 'utf8'), port, upstreams, path.join(dir, 'web')))) {
    proxyKind = 'deploy/nginx/chatlings.conf';
  } else if (await writeMain(minimal(port, upstreams))) {
    proxyKind = 'minimal';
  } else {
    throw new Error(`nginx does not accept the test config:\n${await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`);
  }
  nginx = spawn(NGINX, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await waitHttp(`${front.url}/healthz`, { timeoutMs: 10000 });
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGQUIT');
    await Promise.race([new Promise((r) => nginx.once('exit', r)), sleep(5000)]);
    if (nginx.exitCode === null) nginx.kill('SIGKILL');
  }
  await a?.stop();
  await b?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const served = (srv, route) => srv.logs.json()
  .filter((r) => r.event === 'request' && r.method === 'GET' && r.route === route && r.status === 200).length;

test('through nginx, one session is served by both instances', async (t) => {
  if (!nginx) { t.skip('nginx is not installed'); return; }
  t.diagnostic(`proxy config: ${proxyKind}`);
  const p = player(front);
  const login = await p.login(uname('so'));
  assert.equal(login.status, 200, login.text);
  const before = [served(a, '/api/user/me'), served(b, '/api/user/me')];
  for (let i = 0; i < 10; i++) {
    const r = await p.get('/api/user/me');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, login.json.user.id);
  }
  // a write through the proxy: the CSRF token of the session works wherever it lands
  for (let i = 0; i < 4; i++) {
    const r = await p.patch('/api/user/me', { username: uname('sr') });
    assert.equal(r.status, 200, r.text);
  }
  await sleep(100); // access-log lines are written after the response
  const onA = served(a, '/api/user/me') - before[0];
  const onB = served(b, '/api/user/me') - before[1];
  assert.equal(onA + onB, 10);
  assert.ok(onA > 0 && onB > 0, `round robin should use both instances (a: ${onA}, b: ${onB})`);
});

test('a session made on one instance works on the other, and a logout there ends it', async () => {
  const p = player(a, a.url);
  const login = await p.login(uname('sa'));
  assert.equal(login.status, 200, login.text);
  // the same cookie and CSRF token, sent to the other instance
  const onB = player(b, b.url);
  onB.c.jar.set('__Host-chatlings', p.token());
  onB.csrf = p.csrf;
  const me = await onB.get('/api/user/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.id, login.json.user.id);
  const out = await onB.post('/api/auth/logout');
  assert.ok(out.status === 200 || out.status === 204, out.text);
  assert.equal((await p.get('/api/user/me')).status, 401);
});

test('two workers: each scheduled run executes once', async (t) => {
  const env = { CHATLINGS_WORKER_SCHEDULE: 'daily_box_ready=2s', CHATLINGS_WORKER_THREADS: '2', CHATLINGS_LOG_LEVEL: 'debug' };
  const runs0 = Number(await psqlValue("SELECT coalesce((SELECT runs FROM job_schedules WHERE name = 'daily_box_ready'), 0)"));
  const w1 = await startWorker({ t, env, readyLog: /worker \(development\) running/ });
  const w2 = await startWorker({ t, env, readyLog: /worker \(development\) running/ });
  if (!/running: \d+ threads/.test(w1.logs())) {
    // the job-queue worker (src/worker/) is not wired into `chatlings worker` in this build
    t.skip('this worker has no job queue / scheduler yet');
    return;
  }
  await sleep(6500);
  await w1.stop();
  await w2.stop();
  const runs = Number(await psqlValue("SELECT runs FROM job_schedules WHERE name = 'daily_box_ready'")) - runs0;
  const done = [w1, w2].flatMap((w) => [...w.logs().matchAll(/job ([0-9a-f]{32}) type=daily_box_ready attempt=1/g)].map((m) => m[1]));
  // at t = 0, 2, 4, 6 s: 3 or 4 runs, not twice that; each one executed by exactly one worker
  assert.ok(runs >= 3 && runs <= 4, `daily_box_ready was scheduled ${runs} times in 6.5 s by two workers`);
  assert.equal(new Set(done).size, done.length, `a job ran twice: ${done.join(' ')}`);
  assert.ok(done.length >= runs - 1 && done.length <= runs, `${done.length} executions for ${runs} runs`);
});

/** A signed-in player's socket through srv (the proxy or an instance), joined to room. */
async function joined(srv, origin, room) {
  const p = player({ url: srv.url, origin });
  assert.equal((await p.login(uname('ws'))).status, 200);
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws`, { headers: { cookie: p.c.cookie(), origin } });
  ws.frames = [];
  ws.on('message', (d) => ws.frames.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); ws.on('unexpected-response', (q, r) => reject(new Error(`HTTP ${r.statusCode}`))); });
  ws.send(JSON.stringify({ type: 'join', room }));
  await frameOf(ws, (f) => f.type === 'joined');
  return ws;
}
async function frameOf(ws, pred, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const f = ws.frames.find(pred);
    if (f) return f;
    await sleep(20);
  }
  throw new Error(`no frame within ${timeoutMs} ms: ${JSON.stringify(ws.frames).slice(0, 300)}`);
}

test('chat said through the proxy reaches players on both instances', async (t) => {
  if (!nginx) { t.skip('nginx is not installed'); return; }
  const room = await psqlValue("INSERT INTO chatrooms (title, topic) VALUES ('Scale-out room', 'testing') RETURNING id");
  const viaProxy = await joined(front, front.origin, room);
  const onA = await joined(a, a.url, room);
  const onB = await joined(b, b.url, room);
  viaProxy.send(JSON.stringify({ type: 'say', room, text: 'hello from behind nginx', ref: 'x1' }));
  const sent = await frameOf(viaProxy, (f) => f.type === 'sent' && f.ref === 'x1');
  for (const ws of [onA, onB]) await frameOf(ws, (f) => f.type === 'message' && f.message.id === sent.id);
  for (const ws of [viaProxy, onA, onB]) ws.close();
});
