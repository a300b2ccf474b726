// azurite.test.mjs: the Azure Blob driver against Azurite (npm azurite@3.35.0, started here):
// Shared Key round trips through `chatlings blob`, a SAS URL that Azurite honours, tiers and the
// lifecycle rule, the server keeping thumbnails there, and managed identity against a fake
// instance-metadata endpoint (Azurite takes bearer tokens only over HTTPS, so a small fake blob
// endpoint checks the Authorization header instead).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, freePort, runChatlings, startServer, psql } from './harness.mjs';

const ACCOUNT = 'devstoreaccount1';
// Azurite's published development key (not a secret)
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

let azurite, port, env, tmp, azLog = '';

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlings-azurite-'));
  port = await freePort();
  const bin = path.join(ROOT, 'tests/integration/node_modules/azurite/dist/src/blob/main.js');
  azurite = spawn(process.execPath, [bin, '--blobHost', '127.0.0.1', '--blobPort', String(port),
    '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry'], {
    cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'],
  });
  azurite.stdout.on('data', (d) => { azLog += d; });
  azurite.stderr.on('data', (d) => { azLog += d; });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/${ACCOUNT}?comp=list`);
      await r.arrayBuffer();
      break; // any answer (403 without a signature) means it is up
    } catch {
      if (azurite.exitCode !== null) throw new Error(`azurite exited:\n${azLog}`);
      await sleep(100);
    }
  }
  env = {
    CHATLINGS_BLOB_DRIVER: 'azure',
    CHATLINGS_AZURE_STORAGE_ACCOUNT: ACCOUNT,
    CHATLINGS_AZURE_STORAGE_KEY: KEY,
    CHATLINGS_AZURE_BLOB_ENDPOINT: `http://127.0.0.1:${port}/${ACCOUNT}`,
  };
  const r = await runChatlings(['blob', 'ensure-containers'], { env });
  assert.equal(r.code, 0, r.stderr + azLog);
});

after(async () => {
  azurite?.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
});

const blob = (args, e = env) => runChatlings(['blob', ...args], { env: e });

test('put, head, list, get, set-tier, delete through Shared Key', async () => {
  const file = path.join(tmp, 'pic.bin');
  const bytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => i % 251));
  fs.writeFileSync(file, bytes);
  let r = await blob(['put', 'artwork', 'creatures/t1/pic.png', file, '--type', 'image/png']);
  assert.equal(r.code, 0, r.stderr);
  const put = JSON.parse(r.stdout);
  assert.match(put.etag, /^"0x[0-9A-F]+"$/);
  r = await blob(['head', 'artwork', 'creatures/t1/pic.png']);
  const head = JSON.parse(r.stdout);
  assert.deepEqual([head.size, head.content_type, head.tier, head.etag], [70000, 'image/png', 'Hot', put.etag]);
  r = await blob(['list', 'artwork', 'creatures/t1/']);
  const listed = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(listed.map((b) => b.name), ['creatures/t1/pic.png']);
  assert.equal(listed[0].size, 70000);
  const out = path.join(tmp, 'got.bin');
  r = await blob(['get', 'artwork', 'creatures/t1/pic.png', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.readFileSync(out).equals(bytes));
  r = await blob(['set-tier', 'artwork', 'creatures/t1/pic.png', 'Cool']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse((await blob(['head', 'artwork', 'creatures/t1/pic.png'])).stdout).tier, 'Cool');
  assert.equal((await blob(['delete', 'artwork', 'creatures/t1/pic.png'])).code, 0);
  assert.equal((await blob(['head', 'artwork', 'creatures/t1/pic.png'])).code, 3);
  assert.equal((await blob(['get', 'artwork', 'creatures/t1/nothing.png', out])).code, 3);
});

test('a wrong key is refused by the service', async () => {
  const bad = { ...env, CHATLINGS_AZURE_STORAGE_KEY: Buffer.alloc(64, 7).toString('base64') };
  const r = await blob(['list', 'artwork'], bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /403/);
});

test('a SAS URL reads the blob without a key; a tampered one does not', async () => {
  const file = path.join(tmp, 'sas.txt');
  fs.writeFileSync(file, 'shared for a while');
  assert.equal((await blob(['put', 'assets', 'docs/sas.txt', file])).code, 0);
  const r = await blob(['sas', 'assets', 'docs/sas.txt', '--ttl', '600']);
  assert.equal(r.code, 0, r.stderr);
  const url = r.stdout.trim();
  assert.match(url, /[?&]sig=/);
  const ok = await fetch(url);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), 'shared for a while');
  const tampered = url.replace('docs/sas.txt', 'docs/other.txt');
  assert.equal((await fetch(tampered)).status, 403);
  const noSig = url.replace(/&sig=[^&]*/, '');
  assert.ok([403, 401].includes((await fetch(noSig)).status));
});

test('lifecycle moves old backups and logs to Cool', async () => {
  const file = path.join(tmp, 'l.log');
  fs.writeFileSync(file, 'line\n');
  assert.equal((await blob(['put', 'logs', 'app/1.log', file])).code, 0);
  assert.equal((await blob(['put', 'thumbs', 'x/keep.png', file])).code, 0);
  const later = String(Math.round(Date.now() / 1000 + 91 * 86400));
  const r = await blob(['lifecycle', '--now', later]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.driver, 'azure');
  assert.ok(rep.cooled >= 1);
  assert.equal(JSON.parse((await blob(['head', 'logs', 'app/1.log'])).stdout).tier, 'Cool');
  assert.equal(JSON.parse((await blob(['head', 'thumbs', 'x/keep.png'])).stdout).tier, 'Hot');
});

test('the server keeps thumbnails in Azure blob storage', async () => {
  const [[id]] = await psql('SELECT id FROM creatures ORDER BY seq DESC OFFSET 20 LIMIT 1');
  await psql(`UPDATE creatures SET thumb_key = NULL WHERE id = '${id}'`);
  const srv = await startServer({ env });
  try {
    const r = await fetch(`${srv.url}/thumbs/${id}`, { headers: { accept: 'image/webp' } });
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get('content-type'), 'image/webp');
    const etag = r.headers.get('etag');
    assert.match(etag, /^"0x[0-9A-F]+"$/); // Azure's own ETag
    await r.arrayBuffer();
    const again = await fetch(`${srv.url}/thumbs/${id}`, { headers: { accept: 'image/webp', 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const listed = await blob(['list', 'thumbs', `creatures/${id}/`]);
    const names = listed.stdout.trim().split('\n').map((l) => JSON.parse(l).name).sort();
    assert.equal(names.length, 2);
    assert.match(names[0], /\.png$/);
    assert.match(names[1], /\.webp$/);
  } finally {
    await srv.stop();
  }
});

test('managed identity: a token from the metadata endpoint, sent as a bearer token', async () => {
  const imdsHits = [];
  const blobHits = [];
  const imds = http.createServer((req, res) => {
    imdsHits.push({ url: req.url, metadata: req.headers.metadata });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      access_token: 'fake-token-123', expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource: 'https://storage.azure.com/', token_type: 'Bearer',
    }));
  });
  const store = http.createServer((req, res) => {
    blobHits.push({ method: req.method, url: req.url, auth: req.headers.authorization, version: req.headers['x-ms-version'] });
    req.resume();
    req.on('end', () => {
      res.statusCode = req.method === 'PUT' ? 201 : 200;
      res.setHeader('etag', '"0xFAKE"');
      res.end();
    });
  });
  await new Promise((r) => imds.listen(0, '127.0.0.1', r));
  await new Promise((r) => store.listen(0, '127.0.0.1', r));
  try {
    const mi = {
      CHATLINGS_BLOB_DRIVER: 'azure',
      CHATLINGS_AZURE_STORAGE_ACCOUNT: 'prodaccount',
      CHATLINGS_AZURE_STORAGE_KEY: '',
      CHATLINGS_AZURE_BLOB_ENDPOINT: `http://127.0.0.1:${store.address().port}`,
      CHATLINGS_AZURE_IDENTITY_ENDPOINT: `http://127.0.0.1:${imds.address().port}`,
      CHATLINGS_AZURE_CLIENT_ID: 'client-abc',
    };
    const r = await blob(['ensure-containers'], mi);
    assert.equal(r.code, 0, r.stderr);
    // one token for all six containers (cached), asked for the storage resource
    assert.equal(imdsHits.length, 1);
    assert.equal(imdsHits[0].metadata, 'true');
    assert.match(imdsHits[0].url, /^\/metadata\/identity\/oauth2\/token\?api-version=2018-02-01&resource=https%3A%2F%2Fstorage\.azure\.com%2F&client_id=client-abc$/);
    assert.equal(blobHits.length, 6);
    for (const h of blobHits) {
      assert.equal(h.auth, 'Bearer fake-token-123');
      assert.equal(h.version, '2021-08-06');
      assert.equal(h.method, 'PUT');
    }
    // no key, no SAS
    const sas = await blob(['sas', 'assets', 'a.txt'], mi);
    assert.equal(sas.code, 1);
  } finally {
    imds.close();
    store.close();
  }
});
