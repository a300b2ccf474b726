// artwork.test.mjs: creature pictures, thumbnails and avatars over HTTP (ETag/304, cache
// headers, PNG or WebP by Accept, the CDN redirect), the admin upload checked by content, and
// the CLI: `artwork render-thumbs` and `blob lifecycle` on the filesystem driver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, runChatlings, psql, psqlValue } from './harness.mjs';
import { startOwnServer, signedIn, player, uname } from './players.mjs';

let tmp, srv, ids;

const isPng = (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
const isWebp = (b) => b.subarray(0, 4).toString() === 'RIFF' && b.subarray(8, 12).toString() === 'WEBP';
const pngSize = (b) => [b.readUInt32BE(16), b.readUInt32BE(20)];

async function get(url, headers = {}) {
  const r = await fetch(url, { headers, redirect: 'manual' });
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlings-art-'));
  // creatures no other test file touches (far down the catalogue order)
  const rows = await psql('SELECT id FROM creatures ORDER BY seq DESC LIMIT 8');
  ids = rows.map((r) => r[0]);
  assert.equal(ids.length, 8, 'the test database has a catalogue');
  srv = await startOwnServer({ CHATLINGS_BLOB_DIR: path.join(tmp, 'blobs') });
});

after(async () => {
  await srv?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('GET /artwork/:id is the generated SVG with an ETag, and 304 on If-None-Match', async () => {
  const r = await get(`${srv.url}/artwork/${ids[0]}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/svg+xml');
  assert.equal(r.headers.get('cache-control'), 'public, max-age=86400');
  assert.match(r.body.toString(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.doesNotMatch(r.body.toString(), /<script|on[a-z]+=/i);
  const etag = r.headers.get('etag');
  assert.match(etag, /^"g1-[0-9a-f]{16}"$/);
  // the same creature draws the same picture: same ETag from a second request
  const again = await get(`${srv.url}/artwork/${ids[0]}`);
  assert.equal(again.headers.get('etag'), etag);
  assert.ok(again.body.equals(r.body));
  for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
    const nm = await get(`${srv.url}/artwork/${ids[0]}`, { 'if-none-match': inm });
    assert.equal(nm.status, 304, inm);
    assert.equal(nm.body.length, 0);
    assert.equal(nm.headers.get('etag'), etag);
  }
  assert.equal((await get(`${srv.url}/artwork/${ids[0]}`, { 'if-none-match': '"other"' })).status, 200);
  // a different creature, a different picture
  const other = await get(`${srv.url}/artwork/${ids[1]}`);
  assert.notEqual(other.headers.get('etag'), etag);
});

test('bad and unknown ids', async () => {
  assert.equal((await get(`${srv.url}/artwork/not-a-uuid`)).status, 400);
  assert.equal((await get(`${srv.url}/thumbs/..%2f..%2fetc%2fpasswd`)).status, 400);
  const r = await get(`${srv.url}/artwork/00000000-0000-4000-8000-000000000000`);
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body).error.code, 'not_found');
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('GET /thumbs/:id: 200x200 PNG, or WebP when accepted; Vary: Accept; 304', async () => {
  const png = await get(`${srv.url}/thumbs/${ids[2]}`);
  assert.equal(png.status, 200, png.body.toString());
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.ok(isPng(png.body));
  assert.deepEqual(pngSize(png.body), [200, 200]);
  assert.equal(png.headers.get('vary'), 'Accept');
  assert.equal(png.headers.get('cache-control'), 'public, max-age=86400');
  const webp = await get(`${srv.url}/thumbs/${ids[2]}`, { accept: 'image/avif,image/webp,*/*' });
  assert.equal(webp.headers.get('content-type'), 'image/webp');
  assert.ok(isWebp(webp.body));
  assert.notEqual(webp.headers.get('etag'), png.headers.get('etag'));
  const nm = await get(`${srv.url}/thumbs/${ids[2]}`, { 'if-none-match': png.headers.get('etag') });
  assert.equal(nm.status, 304);
  // rendering recorded the thumbnail's key
  const key = await psqlValue(`SELECT thumb_key FROM creatures WHERE id = '${ids[2]}'`);
  assert.match(key, new RegExp(`^creatures/${ids[2]}/[0-9a-f]{16}$`));
  assert.ok(fs.existsSync(path.join(tmp, 'blobs', 'thumbs', `${key}.png`)));
  assert.ok(fs.existsSync(path.join(tmp, 'blobs', 'thumbs', `${key}.webp`)));
});

test('GET /avatars/:user_id/:n: nine different candidates, deterministic', async () => {
  const uid = '8a7f0c4e-1111-4222-8333-444455556666';
  const seen = new Set();
  for (let n = 0; n < 9; n++) {
    const r = await get(`${srv.url}/avatars/${uid}/${n}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/svg+xml');
    seen.add(r.body.toString());
    const again = await get(`${srv.url}/avatars/${uid}/${n}`, { 'if-none-match': r.headers.get('etag') });
    assert.equal(again.status, 304);
  }
  assert.equal(seen.size, 9);
  assert.equal((await get(`${srv.url}/avatars/${uid}/9`)).status, 400);
  assert.equal((await get(`${srv.url}/avatars/${uid}/-1`)).status, 400);
  assert.equal((await get(`${srv.url}/avatars/nope/1`)).status, 400);
});

test('with a CDN configured, stored pictures are a 302 to it; drawn ones are served here', async () => {
  const cdn = await startServer({
    env: { CHATLINGS_BLOB_DIR: path.join(tmp, 'blobs'), CHATLINGS_CDN_BASE_URL: 'https://cdn.example.test/' },
  });
  try {
    // ids[2] has thumbnails from the test above
    const key = await psqlValue(`SELECT thumb_key FROM creatures WHERE id = '${ids[2]}'`);
    const r = await get(`${cdn.url}/thumbs/${ids[2]}`, { accept: 'image/webp' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), `https://cdn.example.test/thumbs/${key}.webp`);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=300');
    const p = await get(`${cdn.url}/thumbs/${ids[2]}`);
    assert.equal(p.headers.get('location'), `https://cdn.example.test/thumbs/${key}.png`);
    // no upload: the drawing comes from this server
    const a = await get(`${cdn.url}/artwork/${ids[3]}`);
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-type'), 'image/svg+xml');
  } finally {
    await cdn.stop();
  }
});

test('chatlings artwork render-thumbs renders what is missing', async () => {
  const env = { CHATLINGS_BLOB_DIR: path.join(tmp, 'cli-blobs') };
  await psql(`UPDATE creatures SET thumb_key = NULL WHERE id IN ('${ids[4]}', '${ids[5]}')`);
  const before = Number(await psqlValue('SELECT count(*) FROM creatures WHERE thumb_key IS NULL'));
  const r = await runChatlings(['artwork', 'render-thumbs', '--limit', '3'], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(out.rendered, Math.min(3, before));
  assert.equal(out.failed, 0);
  const after = Number(await psqlValue('SELECT count(*) FROM creatures WHERE thumb_key IS NULL'));
  assert.ok(after <= before - out.rendered, `${before} -> ${after}`);
  assert.equal((await runChatlings(['artwork', 'render-thumbs', '--limit', '0'], { env })).code, 2);
  const svg = await runChatlings(['artwork', 'svg', ids[0]], { env });
  assert.equal(svg.code, 0);
  assert.match(svg.stdout, /^<svg /);
});

test('chatlings blob lifecycle: Cool after 90 days, soft-deleted kept 7 days (filesystem)', async () => {
  const env = { CHATLINGS_BLOB_DIR: path.join(tmp, 'life-blobs') };
  const file = path.join(tmp, 'app.log');
  fs.writeFileSync(file, 'a log line\n');
  assert.equal((await runChatlings(['blob', 'put', 'logs', '2026/01/app.log', file], { env })).code, 0);
  assert.equal((await runChatlings(['blob', 'put', 'backups', 'db.sql.gz', file], { env })).code, 0);
  assert.equal((await runChatlings(['blob', 'put', 'artwork', 'keep.png', file], { env })).code, 0);
  assert.equal((await runChatlings(['blob', 'delete', 'backups', 'db.sql.gz'], { env })).code, 0);
  const head = async (c, n) => JSON.parse((await runChatlings(['blob', 'head', c, n], { env })).stdout);
  const now = Date.now() / 1000;
  const run = async (days) =>
    JSON.parse((await runChatlings(['blob', 'lifecycle', '--now', String(Math.round(now + days * 86400))], { env })).stdout);
  let rep = await run(3);
  assert.deepEqual([rep.cooled, rep.purged], [0, 0]);
  assert.equal((await head('logs', '2026/01/app.log')).tier, 'Hot');
  // within the retention a deleted blob comes back
  assert.equal((await runChatlings(['blob', 'undelete', 'backups', 'db.sql.gz'], { env })).code, 0);
  assert.equal((await runChatlings(['blob', 'delete', 'backups', 'db.sql.gz'], { env })).code, 0);
  rep = await run(91);
  assert.equal(rep.cooled, 1); // the log; the backup is deleted
  assert.equal(rep.purged, 1); // the second deletion (the first one was restored)
  assert.equal((await head('logs', '2026/01/app.log')).tier, 'Cool');
  assert.equal((await head('artwork', 'keep.png')).tier, 'Hot');
  const gone = await runChatlings(['blob', 'undelete', 'backups', 'db.sql.gz'], { env });
  assert.equal(gone.code, 3);
  // names that could leave the store never reach it
  const bad = await runChatlings(['blob', 'put', 'logs', '../../escape.txt', file], { env });
  assert.notEqual(bad.code, 0);
  assert.ok(!fs.existsSync(path.join(tmp, 'escape.txt')));
});

test('admin upload: checked by content and size, not by name or declared type', async (t) => {
  // an administrator signed in on the admin listener (own origin, own cookie, CSRF token)
  const name = uname('artadm');
  await signedIn(srv, name);
  assert.equal((await runChatlings(['admin', 'grant-admin', name])).code, 0);
  const adm = player({ url: srv.adminUrl, origin: srv.adminUrl });
  const login = await adm.login(name);
  if (login.status === 404) {
    t.skip('no admin dev login on this build');
    return;
  }
  assert.equal(login.status, 200, login.text);
  const id = ids[6];
  const upload = (body, type) =>
    adm.c.request('POST', `/api/admin/creatures/${id}/artwork`, body, {
      headers: { origin: srv.adminUrl, 'x-csrf-token': adm.csrf, 'content-type': type },
    });
  // a real PNG (one of our thumbnails), declared as JPEG: accepted, and stored as a PNG
  const png = (await get(`${srv.url}/thumbs/${ids[7]}`)).body;
  assert.ok(isPng(png));
  const r = await upload(png, 'image/jpeg');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.artwork.content_type, 'image/png');
  assert.match(r.json.artwork.art_key, /\.png$/);
  assert.deepEqual([r.json.artwork.width, r.json.artwork.height], [200, 200]);
  // the public route now serves those bytes, and fresh thumbnails of them
  const art = await get(`${srv.url}/artwork/${id}`);
  assert.equal(art.status, 200);
  assert.equal(art.headers.get('content-type'), 'image/png');
  assert.ok(art.body.equals(png));
  const th = await get(`${srv.url}/thumbs/${id}`, { accept: 'image/webp' });
  assert.ok(isWebp(th.body));
  // the action is in the audit log
  const audit = await psqlValue(`SELECT count(*) FROM audit_log WHERE action = 'creature.artwork' AND target = '${id}'`);
  assert.ok(Number(audit) >= 1);
  // WebP is fine too
  const webp = (await get(`${srv.url}/thumbs/${ids[7]}`, { accept: 'image/webp' })).body;
  const w = await upload(webp, 'image/webp');
  assert.equal(w.status, 201, w.text);
  assert.equal(w.json.artwork.content_type, 'image/webp');
  // an HTML page that claims to be a PNG: refused
  const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');
  const h = await upload(html, 'image/png');
  assert.equal(h.status, 415, h.text);
  assert.equal(h.json.error.code, 'unsupported_media_type');
  // SVG (scriptable) is not an accepted upload either
  const svg = (await get(`${srv.url}/artwork/${ids[0]}`)).body;
  assert.equal((await upload(svg, 'image/svg+xml')).status, 415);
  // a damaged PNG: the header parses, the pixels do not
  const broken = await upload(png.subarray(0, Math.floor(png.length * 0.6)), 'image/png');
  assert.equal(broken.status, 400, broken.text);
  // not an image type at all
  assert.equal((await upload(png, 'text/plain')).status, 415);
  // larger than the body limit (1 MiB): refused before any handler runs. libh2o answers 413 and
  // closes without reading the rest, so a client still sending may see the reset first.
  const huge = Buffer.concat([png, Buffer.alloc(1100 * 1024)]);
  let hugeStatus;
  try {
    hugeStatus = (await upload(huge, 'image/png')).status;
  } catch (err) {
    hugeStatus = err.cause?.code;
  }
  assert.ok([413, 'ECONNRESET', 'EPIPE'].includes(hugeStatus), `oversized upload: ${hugeStatus}`);
  // the public listener does not take admin routes, and players are not admins
  const p = await signedIn(srv);
  const pub = await p.p.c.request('POST', `/api/admin/creatures/${id}/artwork`, png, {
    headers: { origin: srv.origin, 'x-csrf-token': p.p.csrf, 'content-type': 'image/png' },
  });
  assert.ok(pub.status === 404 || pub.status === 403, `public listener answered ${pub.status}`);
  // the last good upload is still what is served
  const still = await get(`${srv.url}/artwork/${id}`);
  assert.equal(still.headers.get('content-type'), 'image/webp');
  // put the drawing back for other runs
  await psql(`UPDATE creatures SET art_key = NULL, thumb_key = NULL WHERE id = '${id}'`);
});
