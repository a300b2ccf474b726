// nginx.test.mjs: Debian's nginx running deploy/nginx/chatlings.conf (made local by
// deploy/nginx/local-conf.sh: loopback ports, a self-signed certificate from
// scripts/gen-tls-certs.sh) in front of the app, checked from the outside: TLS 1.2+, HTTP/2,
// the cache rules, brotli/gzip, the CSP of pages, WebSocket proxying, the body limit, the
// redirect to HTTPS and the per-IP rate limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, freePort, startServer } from './harness.mjs';

const execFileP = promisify(execFile);
const NGINX = '/usr/sbin/nginx';
const PAGE_CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const HSTS = 'max-age=31536000; includeSubDomains';
const APP_JS = Array.from({ length: 400 }, (_, i) => `export const line${i} = ${i};`).join('\n');

let tmp, app, ngx, ngxLog = '', ca, ports;

before(async () => {
  if (!fs.existsSync(NGINX)) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlings-nginx-'));
  const dist = path.join(tmp, 'dist');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.mkdirSync(path.join(dist, 'user/components'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Chatlings</title>');
  fs.writeFileSync(path.join(dist, 'assets/app.9f8e7d.js'), APP_JS);
  fs.writeFileSync(path.join(dist, 'assets/app.9f8e7d.js.gz'), zlib.gzipSync(APP_JS));
  fs.writeFileSync(path.join(dist, 'assets/app.9f8e7d.js.br'), zlib.brotliCompressSync(APP_JS));
  fs.writeFileSync(path.join(dist, 'user/components/card.js'), 'export const card = 1;');
  const certs = path.join(tmp, 'certs');
  await execFileP(path.join(ROOT, 'scripts/gen-tls-certs.sh'), [certs]);
  ca = fs.readFileSync(path.join(certs, 'ca.crt'));

  app = await startServer({ env: { CHATLINGS_STATIC_DIR: dist, CHATLINGS_TRUST_PROXY: '1',
    CHATLINGS_BLOB_DIR: path.join(tmp, 'blobs') } });
  ports = { tls: await freePort(), plain: await freePort(), redirect: await freePort() };
  const prefix = path.join(tmp, 'nginx');
  await execFileP(path.join(ROOT, 'deploy/nginx/local-conf.sh'),
    [prefix, String(app.port), String(ports.tls), String(ports.plain), String(ports.redirect), dist, certs]);
  ngx = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  ngx.stdout.on('data', (d) => { ngxLog += d; });
  ngx.stderr.on('data', (d) => { ngxLog += d; });
  for (let i = 0; i < 100; i++) {
    if (ngx.exitCode !== null) throw new Error(`nginx exited:\n${ngxLog}`);
    try {
      const r = await fetch(`http://127.0.0.1:${ports.plain}/healthz`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch { /* not yet */ }
    await sleep(100);
  }
});

after(async () => {
  if (ngx && ngx.exitCode === null) {
    ngx.kill('SIGQUIT');
    await Promise.race([new Promise((r) => ngx.once('exit', r)), sleep(5000)]);
    if (ngx.exitCode === null) ngx.kill('SIGKILL');
  }
  await app?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** An HTTP/2 request over TLS; resolves { status, headers, body }. */
function h2(session, p, headers = {}, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': p, ':method': method, ...headers });
    const chunks = [];
    let head;
    req.on('response', (h) => { head = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status: head[':status'], headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    if (body) req.end(body); else req.end();
  });
}

function skipWithout(t) {
  if (!fs.existsSync(NGINX)) { t.skip('nginx is not installed (scripts/deps.sh installs it)'); return true; }
  return false;
}

test('TLS 1.2 or later only, HTTP/2 offered by ALPN', async (t) => {
  if (skipWithout(t)) return;
  const ok = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: ports.tls, ca, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] },
      () => { resolve({ proto: s.getProtocol(), alpn: s.alpnProtocol }); s.end(); });
    s.on('error', reject);
  });
  assert.ok(['TLSv1.2', 'TLSv1.3'].includes(ok.proto), ok.proto);
  assert.equal(ok.alpn, 'h2');
  const tls12 = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: ports.tls, ca, servername: 'localhost', maxVersion: 'TLSv1.2' },
      () => { resolve(s.getProtocol()); s.end(); });
    s.on('error', reject);
  });
  assert.equal(tls12, 'TLSv1.2');
  const old = await new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: ports.tls, ca, servername: 'localhost',
      minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' },
    () => { resolve(s.getProtocol()); s.end(); });
    s.on('error', () => resolve('refused'));
  });
  assert.equal(old, 'refused');
});

test('static assets from disk: cache rules, brotli/gzip variants, page CSP, HSTS', async (t) => {
  if (skipWithout(t)) return;
  const s = http2.connect(`https://localhost:${ports.tls}`, { ca });
  try {
    const br = await h2(s, '/assets/app.9f8e7d.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(zlib.brotliDecompressSync(br.body).toString(), APP_JS);
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers['content-security-policy'], PAGE_CSP);
    assert.equal(br.headers['strict-transport-security'], HSTS);
    assert.equal(br.headers['x-content-type-options'], 'nosniff');
    assert.match(br.headers.vary || '', /accept-encoding/i);
    const gz = await h2(s, '/assets/app.9f8e7d.js', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(zlib.gunzipSync(gz.body).toString(), APP_JS);
    const plain = await h2(s, '/assets/app.9f8e7d.js');
    assert.equal(plain.body.toString(), APP_JS);
    assert.ok(plain.headers.etag);
    const nm = await h2(s, '/assets/app.9f8e7d.js', { 'if-none-match': plain.headers.etag });
    assert.equal(nm.status, 304);
    const comp = await h2(s, '/user/components/card.js');
    assert.equal(comp.headers['cache-control'], 'public, max-age=86400');
    // a missing asset falls through to the app: its JSON 404, not nginx's page
    const miss = await h2(s, '/assets/missing.js');
    assert.equal(miss.status, 404);
    assert.equal(JSON.parse(miss.body).error.code, 'not_found');
  } finally {
    s.close();
  }
});

test('pages and the API through the proxy keep the app headers, compressed', async (t) => {
  if (skipWithout(t)) return;
  const s = http2.connect(`https://localhost:${ports.tls}`, { ca });
  try {
    const page = await h2(s, '/', { 'accept-encoding': 'gzip' });
    assert.equal(page.status, 200);
    assert.equal(page.headers['cache-control'], 'public, max-age=3600');
    assert.equal(page.headers['content-security-policy'], PAGE_CSP);
    assert.equal(page.headers['strict-transport-security'], HSTS); // exactly once
    assert.match(page.headers['x-request-id'], /^[0-9a-f]{20}$/);
    const spa = await h2(s, '/collection/7', { accept: 'text/html' });
    assert.equal(spa.status, 200);
    assert.match(spa.body.toString(), /Chatlings/);
    const api = await h2(s, '/api/traits', { 'accept-encoding': 'gzip' });
    assert.equal(api.status, 200);
    assert.equal(api.headers['cache-control'], 'no-store');
    assert.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.equal(api.headers['content-encoding'], 'gzip');
    assert.ok(Array.isArray(JSON.parse(zlib.gunzipSync(api.body)).traits));
    const apiBr = await h2(s, '/api/traits', { 'accept-encoding': 'br' });
    assert.equal(apiBr.headers['content-encoding'], 'br');
    const art = await h2(s, '/avatars/8a7f0c4e-1111-4222-8333-444455556666/1');
    assert.equal(art.status, 200);
    assert.equal(art.headers['content-type'], 'image/svg+xml');
  } finally {
    s.close();
  }
});

test('WebSocket upgrades on /ws reach the app', async (t) => {
  if (skipWithout(t)) return;
  const res = await new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: ports.tls, path: '/ws', ca, servername: 'localhost',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('response', (r) => { const c = []; r.on('data', (d) => c.push(d)); r.on('end', () => resolve({ status: r.statusCode, body: Buffer.concat(c).toString() })); });
    req.on('upgrade', (r, sock) => { sock.destroy(); resolve({ status: r.statusCode, body: '' }); });
    req.on('error', reject);
    req.end();
  });
  // no session: the app itself refuses it with its JSON error (nginx passed the upgrade on)
  assert.equal(res.status, 401, res.body);
  assert.equal(JSON.parse(res.body).error.code, 'unauthorized');
});

test('bodies over the limit stop at nginx; plain HTTP redirects to HTTPS', async (t) => {
  if (skipWithout(t)) return;
  const s = http2.connect(`https://localhost:${ports.tls}`, { ca });
  try {
    const big = await h2(s, '/api/auth/logout', { 'content-type': 'application/json' }, 'POST',
      Buffer.alloc(2 * 1024 * 1024, 0x20));
    assert.equal(big.status, 413);
  } finally {
    s.close();
  }
  const redirect = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: ports.redirect, path: '/collection?x=1', headers: { host: 'chatlings.example' } },
      (r) => { r.resume(); resolve(r); }).on('error', reject);
  });
  assert.equal(redirect.statusCode, 301);
  assert.equal(redirect.headers.location, 'https://chatlings.example/collection?x=1');
});

test('the per-IP rate limit answers 429', async (t) => {
  if (skipWithout(t)) return;
  const s = http2.connect(`https://localhost:${ports.tls}`, { ca });
  try {
    const all = await Promise.all(Array.from({ length: 150 }, () => h2(s, '/api/body-types')));
    const limited = all.filter((r) => r.status === 429).length;
    const ok = all.filter((r) => r.status === 200).length;
    assert.ok(limited > 0, 'some requests were limited');
    assert.ok(ok >= 30, `the burst went through (${ok})`); // burst + refill; exact count depends on timing
  } finally {
    s.close();
  }
  app.assertNoSanitizerReport();
});
