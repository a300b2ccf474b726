// Black-box tests of the first public API against the real binary, PostgreSQL and Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, psql } from './harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

test('healthz and readyz', async () => {
  const h = await api(srv.url, '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.json, { status: 'ok' });
  assert.match(h.headers.get('x-request-id'), /^[0-9a-f]{20}$/);
  const r = await api(srv.url, '/readyz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
});

test('catalogue lists active creatures with paging and a total', async () => {
  const r = await api(srv.url, '/api/creatures');
  assert.equal(r.status, 200);
  assert.equal(r.json.page, 1);
  assert.equal(r.json.limit, 20);
  assert.equal(r.json.creatures.length, 20);
  assert.ok(r.json.total >= 1900, `total ${r.json.total}`);
  const c = r.json.creatures[0];
  for (const k of ['id', 'name', 'short_name', 'body_type', 'rarity', 'colour_scheme', 'overall'])
    assert.ok(k in c, `missing ${k}`);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const p2 = await api(srv.url, '/api/creatures?page=2&limit=100');
  assert.equal(p2.json.creatures.length, 100);
  assert.notEqual(p2.json.creatures[0].id, c.id);
  const past = await api(srv.url, '/api/creatures?page=100000&limit=100');
  assert.equal(past.status, 200);
  assert.equal(past.json.creatures.length, 0);
  assert.equal(past.json.total, r.json.total);
});

test('catalogue filters by rarity, body type and name', async () => {
  const epic = await api(srv.url, '/api/creatures?rarity=Epic&limit=100');
  assert.equal(epic.status, 200);
  assert.ok(epic.json.creatures.length > 0);
  assert.ok(epic.json.creatures.every((c) => c.rarity === 'Epic'));
  const mage = await api(srv.url, '/api/creatures?body_type=Mage&limit=100');
  assert.ok(mage.json.creatures.every((c) => c.body_type === 'Mage'));
  const name = epic.json.creatures[0].name;
  const q = await api(srv.url, `/api/creatures?q=${encodeURIComponent(name.slice(0, 4).toLowerCase())}`);
  assert.ok(q.json.creatures.some((c) => c.name === name));
  const none = await api(srv.url, '/api/creatures?q=%25%25_');
  assert.equal(none.status, 200);
  assert.equal(none.json.total, 0, 'LIKE wildcards are literal');
});

test('catalogue refuses bad parameters with 400', async () => {
  for (const qs of ['limit=101', 'limit=0', 'page=0', 'page=abc', 'rarity=Shiny', 'rarity=epic',
                    'body_type=Unicorn', 'q=' + 'x'.repeat(65), 'q=%zz']) {
    const r = await api(srv.url, `/api/creatures?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.equal(r.json.error.code, 'bad_request', qs);
    assert.equal(typeof r.json.error.message, 'string');
  }
});

test('creature details: traits, derived scores, cache, 400 and 404', async () => {
  const list = await api(srv.url, '/api/creatures?limit=1');
  const id = list.json.creatures[0].id;
  await psql(`SELECT 1`); // the harness can reach the database
  const d = await api(srv.url, `/api/creature/${id}/details`);
  assert.equal(d.status, 200);
  const c = d.json.creature;
  assert.equal(c.id, id);
  const traits = Object.values(c.traits);
  assert.equal(traits.length, 8);
  assert.ok(traits.every((t) => Number.isInteger(t) && t >= 0 && t <= 100));
  const mean = (a, b) => Math.round(((a + b) / 2) * 10) / 10;
  assert.equal(c.scores.ability, mean(c.traits.creativity, c.traits.curiosity));
  assert.equal(c.scores.strength, mean(c.traits.energy, c.traits.confidence));
  const all = traits.reduce((s, t) => s + t, 0) / 8;
  assert.ok(Math.abs(c.scores.overall - all) <= 0.05 + 1e-9);
  const again = await api(srv.url, `/api/creature/${id.toUpperCase()}/details`);
  assert.deepEqual(again.json, d.json);

  const bad = await api(srv.url, '/api/creature/not-a-uuid/details');
  assert.equal(bad.status, 400);
  const sql = await api(srv.url, `/api/creature/${encodeURIComponent("' OR 1=1 --")}/details`);
  assert.equal(sql.status, 400);
  const unknown = await api(srv.url, '/api/creature/00000000-0000-4000-8000-000000000000/details');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.code, 'not_found');
});

test('reference data: 20 body types with profiles, 8 traits', async () => {
  const b = await api(srv.url, '/api/body-types');
  assert.equal(b.status, 200);
  assert.equal(b.json.body_types.length, 20);
  assert.equal(b.json.body_types[0].name, 'Floof');
  assert.equal(Object.keys(b.json.body_types[0].profile).length, 8);
  const t = await api(srv.url, '/api/traits');
  assert.deepEqual(t.json.traits.map((x) => x.name),
    ['Friendliness', 'Playfulness', 'Creativity', 'Empathy', 'Energy', 'Confidence', 'Humor', 'Curiosity']);
});

test('unknown routes are 404, wrong methods 405 with Allow, all in the JSON envelope', async () => {
  const nf = await api(srv.url, '/api/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, 'not_found');
  const na = await api(srv.url, '/api/creatures', { method: 'DELETE' });
  assert.equal(na.status, 405);
  assert.equal(na.headers.get('allow'), 'GET, HEAD');
  assert.equal(na.json.error.code, 'method_not_allowed');
});

test('HEAD on a GET route answers like GET without the body', async () => {
  const get = await api(srv.url, '/api/body-types');
  const head = await api(srv.url, '/api/body-types', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers.get('content-type'), get.headers.get('content-type'));
  assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(get.text)));
  assert.equal((await api(srv.url, '/api/nope', { method: 'HEAD' })).status, 404);
});

test('every request leaves one JSON access-log line with id, route, status and duration', async () => {
  const r = await api(srv.url, '/api/traits');
  const id = r.headers.get('x-request-id');
  await new Promise((res) => setTimeout(res, 100));
  const line = srv.logs().split('\n').find((l) => l.includes(id));
  assert.ok(line, 'log line for the request');
  const entry = JSON.parse(line);
  assert.equal(entry.event, 'request');
  assert.equal(entry.route, '/api/traits');
  assert.equal(entry.status, 200);
  assert.equal(typeof entry.duration_ms, 'number');
});
