// static.test.mjs: the front end's files served by the C server itself (src/http/static.c):
// cache rules, the pages' own CSP, ETag/304, ranges, pre-compressed variants by
// Accept-Encoding, the SPA fallback, and no way out of the root (raw request lines, so that no
// client library cleans the path first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import zlib from 'node:zlib';
import { startServer } from './harness.mjs';

const PAGE_CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const APP_JS = Array.from({ length: 300 }, (_, i) => `console.log("chatlings line ${i}");`).join('\n');

let tmp, root, srv;

function write(rel, data) {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlings-static-'));
  root = path.join(tmp, 'dist');
  fs.mkdirSync(path.join(tmp, 'outside'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'outside', 'secret.txt'), SECRET);
  write('index.html', '<!doctype html><title>Chatlings</title><script type="module" src="/assets/app.1234abcd.js"></script>');
  write('assets/app.1234abcd.js', APP_JS);
  write('assets/app.1234abcd.js.gz', zlib.gzipSync(APP_JS));
  write('assets/app.1234abcd.js.br', zlib.brotliCompressSync(APP_JS));
  write('assets/style.5678.css', 'body{margin:0}');
  write('user/components/card.js', 'export const card = 1;');
  write('sw.js', 'self.addEventListener("fetch", () => {});');
  write('about/index.html', '<!doctype html><title>About</title>');
  write('.env', SECRET);
  write('assets/.hidden', SECRET);
  write('assets/plain.js', 'export const plain = 1;');
  // symlinks: one that stays inside (fine), ones that lead outside (never followed)
  fs.symlinkSync('app.1234abcd.js', path.join(root, 'assets/inner.js'));
  fs.symlinkSync(path.join(tmp, 'outside', 'secret.txt'), path.join(root, 'assets/leak.js'));
  fs.symlinkSync('../../outside', path.join(root, 'assets/out'));
  fs.symlinkSync(path.join(tmp, 'outside', 'secret.txt'), path.join(root, 'assets/plain.js.gz'));
  srv = await startServer({ env: { CHATLINGS_STATIC_DIR: root, CHATLINGS_BLOB_DIR: path.join(tmp, 'blobs') } });
});

after(async () => {
  await srv?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One raw HTTP/1.1 request: the request target goes on the wire exactly as given. */
function raw(target, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(5000, () => { sock.destroy(); reject(new Error(`timeout on ${target}`)); });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const buf = Buffer.concat(chunks);
      const sep = buf.indexOf('\r\n\r\n');
      const head = buf.subarray(0, sep).toString('latin1').split('\r\n');
      const status = Number(head[0].split(' ')[1]);
      const h = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        h[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers: h, body: buf.subarray(sep + 4) });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n${extra}\r\n`);
  });
}

test('cache rules follow the Front Door rules', async () => {
  const cases = [
    ['/assets/app.1234abcd.js', 'public, max-age=31536000, immutable', 'text/javascript; charset=utf-8'],
    ['/assets/style.5678.css', 'public, max-age=31536000, immutable', 'text/css; charset=utf-8'],
    ['/user/components/card.js', 'public, max-age=86400', 'text/javascript; charset=utf-8'],
    ['/index.html', 'public, max-age=3600', 'text/html; charset=utf-8'],
    ['/', 'public, max-age=3600', 'text/html; charset=utf-8'],
    ['/about/', 'public, max-age=3600', 'text/html; charset=utf-8'],
    ['/sw.js', 'no-cache', 'text/javascript; charset=utf-8'],
  ];
  for (const [p, cc, type] of cases) {
    const r = await fetch(srv.url + p);
    await r.arrayBuffer();
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('cache-control'), cc, p);
    assert.equal(r.headers.get('content-type'), type, p);
    assert.match(r.headers.get('x-request-id') || '', /^[0-9a-f]{20}$/, p);
  }
  // the API stays no-store, and never gets the page policy
  const api = await fetch(`${srv.url}/api/traits`);
  await api.arrayBuffer();
  assert.equal(api.headers.get('cache-control'), 'no-store');
});

test('static pages carry their own CSP, the API keeps its own, never both', async () => {
  const page = await raw('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-security-policy'], PAGE_CSP);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'strict-origin-when-cross-origin');
  const js = await raw('/assets/app.1234abcd.js');
  assert.equal(js.headers['content-security-policy'], PAGE_CSP);
  const api = await raw('/healthz');
  assert.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
  // a miss is the API's JSON 404: no-store, the strict policy
  const miss = await raw('/assets/missing.js');
  assert.equal(miss.status, 404);
  assert.equal(miss.headers['cache-control'], 'no-store');
  assert.equal(miss.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
  assert.equal(JSON.parse(miss.body.toString()).error.code, 'not_found');
  // the count of CSP headers on a page: exactly one (raw parse keeps the last; count by hand)
  const sock = await raw('/index.html');
  assert.ok(sock.headers['content-security-policy']);
});

test('ETag and 304, and ranges', async () => {
  const r1 = await fetch(`${srv.url}/assets/app.1234abcd.js`, { headers: { 'accept-encoding': 'identity' } });
  const body = await r1.text();
  assert.equal(body, APP_JS);
  const etag = r1.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  const r2 = await fetch(`${srv.url}/assets/app.1234abcd.js`, {
    headers: { 'accept-encoding': 'identity', 'if-none-match': etag },
  });
  assert.equal(r2.status, 304);
  assert.equal((await r2.text()).length, 0);
  assert.equal(r2.headers.get('etag'), etag);
  assert.equal(r2.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const r3 = await fetch(`${srv.url}/assets/app.1234abcd.js`, {
    headers: { 'accept-encoding': 'identity', 'if-none-match': '"something-else"' },
  });
  assert.equal(r3.status, 200);
  await r3.arrayBuffer();
  const r4 = await raw('/assets/app.1234abcd.js', { Range: 'bytes=0-9' });
  assert.equal(r4.status, 206);
  assert.equal(r4.body.toString(), APP_JS.slice(0, 10));
  assert.equal(r4.headers['content-range'], `bytes 0-9/${Buffer.byteLength(APP_JS)}`);
  const head = await raw('/assets/app.1234abcd.js', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(APP_JS)));
});

test('pre-compressed variants are chosen by Accept-Encoding, with Vary', async () => {
  const br = await raw('/assets/app.1234abcd.js', { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers.vary.toLowerCase(), 'accept-encoding');
  assert.equal(zlib.brotliDecompressSync(br.body).toString(), APP_JS);
  const gz = await raw('/assets/app.1234abcd.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(zlib.gunzipSync(gz.body).toString(), APP_JS);
  assert.notEqual(gz.headers.etag, br.headers.etag);
  const plain = await raw('/assets/app.1234abcd.js');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary.toLowerCase(), 'accept-encoding');
  assert.equal(plain.body.toString(), APP_JS);
  // a file without variants is sent as it is
  const css = await raw('/assets/style.5678.css', { 'Accept-Encoding': 'gzip, br' });
  assert.equal(css.headers['content-encoding'], undefined);
  assert.equal(css.body.toString(), 'body{margin:0}');
});

test('SPA fallback: an unknown route that wants HTML gets index.html', async () => {
  const spa = await raw('/collection/42', { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
  assert.equal(spa.status, 200);
  assert.match(spa.body.toString(), /<title>Chatlings<\/title>/);
  assert.equal(spa.headers['cache-control'], 'public, max-age=3600');
  assert.equal(spa.headers['content-security-policy'], PAGE_CSP);
  // not for files (a dot in the last segment), not without text/html, not for the API
  assert.equal((await raw('/collection/42.png', { Accept: 'text/html' })).status, 404);
  assert.equal((await raw('/collection/42', { Accept: 'application/json' })).status, 404);
  const api = await raw('/api/nope', { Accept: 'text/html' });
  assert.equal(api.status, 404);
  assert.equal(api.headers['content-type'], 'application/json');
  // only GET and HEAD
  assert.equal((await raw('/index.html', {}, 'POST')).status, 404);
});

test('no path leads outside the root', async () => {
  const attempts = [
    '/../outside/secret.txt',
    '/assets/../../outside/secret.txt',
    '/%2e%2e/outside/secret.txt',
    '/%2E%2E/%2e%2e/etc/passwd',
    '/assets/%2e%2e/%2e%2e/outside/secret.txt',
    '/.%2e/outside/secret.txt',
    '/assets%2f..%2f..%2foutside%2fsecret.txt',
    '/assets/..%2f..%2foutside/secret.txt',
    '/assets/..%5c..%5coutside%5csecret.txt',
    '/assets\\..\\..\\outside\\secret.txt',
    '/index.html%00.js',
    '/outside%00/secret.txt',
    '//etc/passwd',
    '/etc/passwd',
    `/${encodeURIComponent(path.join(tmp, 'outside', 'secret.txt'))}`,
    `http://127.0.0.1:${'0'}/../outside/secret.txt`,
    '/assets/leak.js',
    '/assets/out/secret.txt',
    '/.env',
    '/assets/.hidden',
    '/%2eenv',
    '/assets/%2ehidden',
  ];
  for (const target of attempts) {
    const r = await raw(target.replace(':0/', `:${srv.port}/`));
    assert.ok(r.status === 404 || r.status === 400, `${target} -> ${r.status}`);
    assert.ok(!r.body.toString().includes(SECRET), `${target} leaked the secret`);
    assert.ok(!r.body.toString().includes('root:x:0:0'), `${target} leaked /etc/passwd`);
  }
  // a pre-compressed variant that is a symlink outside refuses the request rather than leak
  const v = await raw('/assets/plain.js', { 'Accept-Encoding': 'gzip' });
  assert.equal(v.status, 404);
  assert.ok(!v.body.includes(Buffer.from(SECRET)));
  // ...while without gzip the plain file itself is fine
  const p = await raw('/assets/plain.js');
  assert.equal(p.status, 200);
  assert.equal(p.body.toString(), 'export const plain = 1;');
  // a symlink that stays inside is followed
  const inner = await raw('/assets/inner.js');
  assert.equal(inner.status, 200);
  assert.equal(inner.body.toString(), APP_JS);
});

test('the server keeps serving after a burst of bad paths', async () => {
  const r = await fetch(`${srv.url}/assets/style.5678.css`);
  assert.equal(await r.text(), 'body{margin:0}');
  srv.assertNoSanitizerReport();
});
