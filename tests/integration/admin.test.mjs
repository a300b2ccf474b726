// admin.test.mjs: the admin portal's listener, black-box. Access needs both the admin role and
// an address inside CHATLINGS_ADMIN_ALLOW: a player gets 403 on every admin route (walking
// `chatlings routes`), an admin from outside the list gets 403 on everything, admin routes exist
// on no other listener, and the admin origin has its own cookie and its own CSRF origin. Every
// action leaves its audit row (who, what, before, after, ip), and a suspended player's sessions
// end at once. Sign-in on the admin origin runs through the OIDC tests' provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  startServer, api, client, psql, psqlValue, runChatlings, freePort, TEST_REDIS_URL,
} from './harness.mjs';
import { HIGH_LIMITS, uname, signedIn, assertError } from './players.mjs';
import { beginLogin, authorizeAtProvider, finishLogin, startProvider } from './oidc-provider.mjs';

const execFileP = promisify(execFile);
const ADMIN_COOKIE = '__Host-chatlings-admin';

let srv;
let provider;

before(async () => {
  const port = await freePort();
  const adminPort = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  provider = await startProvider({ redirectUris: [`${publicUrl}/auth/callback`, `${adminUrl}/auth/callback`] });
  srv = await startServer({
    listen: `127.0.0.1:${port}`,
    env: {
      CHATLINGS_PUBLIC_URL: publicUrl,
      CHATLINGS_RATE_LIMITS: HIGH_LIMITS,
      CHATLINGS_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      CHATLINGS_OIDC_ISSUER: provider.issuer,
      CHATLINGS_OIDC_CLIENT_ID: provider.clientId,
      CHATLINGS_OIDC_CLIENT_SECRET: provider.clientSecret,
    },
  });
  srv.origin = publicUrl; // what players.mjs's helpers send as Origin
  assert.equal(srv.adminUrl, adminUrl);
});

after(async () => {
  await srv?.stop();
  await provider?.stop();
});

/** A browser on the admin origin: keeps its cookies, sends Origin and X-CSRF-Token. */
function adminBrowser(base = srv.adminUrl, origin = base) {
  const c = client(base);
  let csrf = null;
  const headers = (extra = {}) => ({ origin, ...(csrf ? { 'x-csrf-token': csrf } : {}), ...extra });
  const remember = (r) => { if (r.json?.csrf_token) csrf = r.json.csrf_token; return r; };
  return {
    c,
    get csrf() { return csrf; },
    cookie: () => c.cookie(),
    login: async (username) => remember(await c.post('/api/dev/login', { username }, { headers: headers() })),
    get: (p) => c.get(p),
    post: (p, body = {}, extra) => c.post(p, body, { headers: headers(extra) }),
    put: (p, body = {}, extra) => c.put(p, body, { headers: headers(extra) }),
    patch: (p, body = {}, extra) => c.patch(p, body, { headers: headers(extra) }),
    del: (p, extra) => c.del(p, { headers: headers(extra) }),
  };
}

/** A new player made an administrator with the CLI, signed in on the admin origin. */
async function newAdmin(prefix = 'adm') {
  const { user, name } = await signedIn(srv, uname(prefix));
  const g = await runChatlings(['admin', 'grant-admin', name]);
  assert.equal(g.code, 0, g.stderr);
  const a = adminBrowser();
  const r = await a.login(name);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.is_admin, true);
  assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  return { a, user, name };
}

/** A creature of the test's own (inactive, far past the catalogue's seq range), with 8 traits. */
async function ownCreature() {
  const id = randomUUID();
  const seq = 900000000 + Math.floor(Math.random() * 90000000);
  const name = `Admintest ${randomBytes(4).toString('hex')}`;
  await psql(`INSERT INTO creatures (id, seq, name, short_name, body_type_id, rarity, colour_scheme, vibe, is_active)
    VALUES ('${id}', ${seq}, '${name}', 'Adt', 3, 'Common', 'Test Grey', 'made by admin.test.mjs', false);
    INSERT INTO creature_traits (creature_id, trait_id, score) SELECT '${id}', t, 50 FROM generate_series(1, 8) t`);
  return { id, name };
}

/** The audit rows of target, oldest first, as objects. */
async function auditRows(target) {
  const rows = await psql(`SELECT actor_user_id, action, before::text, after::text, host(ip), created_at > now() - interval '5 minutes'
    FROM audit_log WHERE target = '${target}' ORDER BY id`);
  return rows.map(([actor, action, before, after, ip, recent]) => ({
    actor, action, before: before && JSON.parse(before), after: after && JSON.parse(after), ip, recent: recent === 't',
  }));
}

function assertAudit(row, { actor, action, ip = '127.0.0.1' }) {
  assert.equal(row.actor, actor, `actor of ${row.action}`);
  assert.equal(row.action, action);
  assert.equal(row.ip, ip, `ip of ${row.action}`);
  assert.ok(row.recent, `created_at of ${row.action}`);
}

// ---------------------------------------------------------------------------------------------

test('chatlings routes lists the admin table; no admin route exists on the public listener', async () => {
  const res = await runChatlings(['routes']);
  assert.equal(res.code, 0, res.stderr);
  const routes = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const admin = routes.filter((r) => r.listener === 'admin');
  assert.ok(admin.length >= 25, `only ${admin.length} admin routes`);
  const seen = new Set();
  for (const r of admin) {
    const k = `${r.method} ${r.pattern}`;
    assert.ok(!seen.has(k), `${k} is twice in the admin table`);
    seen.add(k);
  }
  for (const r of routes.filter((x) => x.listener === 'public')) {
    assert.notEqual(r.auth, 'admin', `${r.method} ${r.pattern} is an admin route on the public table`);
    assert.ok(!r.pattern.startsWith('/api/admin/'), `${r.method} ${r.pattern} is on the public table`);
  }
  for (const r of admin.filter((x) => x.pattern.startsWith('/api/admin/') && x.pattern !== '/api/admin/session')) {
    assert.ok(r.auth === 'admin' || (r.pattern === '/api/admin/logout' && r.auth === 'session'),
      `${r.method} ${r.pattern} is ${r.auth}`);
  }
  // and the public listener does not answer them at all
  const onPublic = await api(srv.url, '/api/admin/dashboard');
  assert.equal(onPublic.status, 404);
});

test('a player gets 403 on every admin route; anonymous gets 401', async () => {
  const res = await runChatlings(['routes']);
  const routes = res.stdout.trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.listener === 'admin' && r.auth === 'admin');
  const { name } = await signedIn(srv, uname('plain'));
  const p = adminBrowser();
  const li = await p.login(name); // development sign-in admits any player on the admin origin
  assert.equal(li.status, 200, li.text);
  assert.equal(li.json.user.is_admin, false);
  const fill = (pattern) => pattern
    .replace(':channel_id', 'UCtest')
    .replace(':dead_id', '1-0')
    .replace(/^\/api\/admin\/body-types\/:id$/, '/api/admin/body-types/1')
    .replace(/:[A-Za-z_]+/g, () => randomUUID());
  let checked = 0;
  for (const r of routes) {
    const write = !['GET', 'HEAD'].includes(r.method);
    const path = fill(r.pattern);
    const body = write ? {} : undefined;
    const plain = await p.c.request(r.method, path, body, { headers: { origin: srv.adminUrl, 'x-csrf-token': p.csrf } });
    assert.equal(plain.status, 403, `${r.method} ${r.pattern} as a player: ${plain.status} ${plain.text}`);
    assert.equal(plain.json?.error?.code, 'forbidden');
    const anon = await api(srv.adminUrl, path, { method: r.method, body, headers: { origin: srv.adminUrl } });
    assert.equal(anon.status, 401, `${r.method} ${r.pattern} anonymous: ${anon.status} ${anon.text}`);
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} admin routes walked`);
  // nothing changed hands: the player is still no admin, and no audit row names them as actor
  assert.equal(await psqlValue(`SELECT is_admin FROM users WHERE lower(username) = lower('${name}')`), 'f');
  assert.equal(await psqlValue(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_user_id
    WHERE lower(u.username) = lower('${name}')`), '0');
});

test("a player's own cookie from the players' app is no session on the admin origin", async () => {
  const { p } = await signedIn(srv, uname('cookie'));
  const r = await api(srv.adminUrl, '/api/admin/dashboard', { cookie: p.c.cookie() });
  assertError(r, 401, 'unauthorized');
  const s = await api(srv.adminUrl, '/api/admin/session', { cookie: p.c.cookie() });
  assert.equal(s.json.signed_in, false);
});

test('an admin from outside CHATLINGS_ADMIN_ALLOW gets 403 on everything, files included', async (t) => {
  const { a } = await newAdmin('far');
  assert.equal((await a.get('/api/admin/dashboard')).status, 200, 'the session works from inside the list');
  // a second instance (same Redis: the same sessions) that admits 10.0.0.0/8 only; we are 127.0.0.1
  const far = await startServer({ t, env: { CHATLINGS_ADMIN_ALLOW: '10.0.0.0/8', CHATLINGS_RATE_LIMITS: HIGH_LIMITS } });
  const cookie = a.cookie();
  for (const [method, path] of [['GET', '/api/admin/dashboard'], ['GET', '/api/admin/session'], ['GET', '/healthz'],
    ['GET', '/api/admin/players'], ['GET', '/auth/login'], ['POST', '/api/dev/login'], ['POST', '/api/admin/logout'],
    ['PATCH', `/api/admin/creatures/${randomUUID()}`], ['OPTIONS', '/api/admin/dashboard']]) {
    const r = await api(far.adminUrl, path, {
      method, cookie,
      ...(['POST', 'PATCH'].includes(method) ? { body: { username: 'x' } } : {}),
      headers: { origin: far.adminUrl, 'x-csrf-token': a.csrf },
    });
    assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text}`);
    assert.equal(r.json?.error?.code, 'forbidden');
  }
  // the front end's files are not served outside the list either (the router's plain 404)
  const page = await api(far.adminUrl, '/', { headers: { accept: 'text/html' } });
  assert.equal(page.status, 404);
  // the same admin and cookie still work on the first instance
  assert.equal((await a.get('/api/admin/dashboard')).status, 200);
  // and the public listener of the far instance is unaffected
  assert.equal((await api(far.url, '/healthz')).status, 200);
});

test('a bad CHATLINGS_ADMIN_ALLOW stops the start with a message', async () => {
  for (const bad of ['10.0.0.1/8', '10.0.0.0/33', 'localhost', ' ', '127.0.0.1/32,,::1/128']) {
    const r = await runChatlings(['serve'], {
      env: { CHATLINGS_ADMIN_ALLOW: bad, CHATLINGS_LISTEN: `127.0.0.1:${await freePort()}` },
      timeoutMs: 20000,
    });
    assert.notEqual(r.code, 0, `serve started with CHATLINGS_ADMIN_ALLOW=${bad}`);
    assert.match(r.stdout + r.stderr, /CHATLINGS_ADMIN_ALLOW/);
  }
});

test('CSRF on the admin origin: own Origin and the session token, nothing else', async () => {
  const { a } = await newAdmin('csrf');
  const { id } = await ownCreature();
  const path = `/api/admin/creatures/${id}`;
  const send = (headers) => api(srv.adminUrl, path, { method: 'PATCH', body: { short_name: 'Zz' }, cookie: a.cookie(), headers });
  for (const [why, headers] of [
    ['no Origin', { 'x-csrf-token': a.csrf }],
    ["the players' origin", { origin: srv.origin, 'x-csrf-token': a.csrf }],
    ['a foreign origin', { origin: 'https://evil.example', 'x-csrf-token': a.csrf }],
    ['no token', { origin: srv.adminUrl }],
    ['a wrong token', { origin: srv.adminUrl, 'x-csrf-token': 'x'.repeat(43) }],
  ]) {
    const r = await send(headers);
    assert.equal(r.status, 403, `${why}: ${r.status} ${r.text}`);
  }
  assert.equal((await send({ origin: srv.adminUrl, 'x-csrf-token': a.csrf })).status, 200);
  // no CORS on the admin listener, even for a preflight
  const pre = await api(srv.adminUrl, path, { method: 'OPTIONS', headers: { origin: srv.origin, 'access-control-request-method': 'PATCH' } });
  assert.equal(pre.status, 403);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
  // the cookie: __Host-, HttpOnly, Secure, SameSite=Strict
  const b = adminBrowser();
  const raw = await api(srv.adminUrl, '/api/dev/login', { body: { username: (await signedIn(srv, uname('ck'))).name }, headers: { origin: srv.adminUrl } });
  const sc = raw.headers.getSetCookie().find((l) => l.startsWith(`${ADMIN_COOKIE}=`));
  assert.ok(sc, 'admin cookie set');
  for (const attr of [/;\s*HttpOnly/i, /;\s*Secure/i, /;\s*SameSite=Strict/i, /;\s*Path=\//i]) assert.match(sc, attr);
  assert.doesNotMatch(sc, /Domain=/i);
  void b;
});

test('every creature and body-type action leaves its audit row and drops the cache', async () => {
  const { a, user } = await newAdmin('cre');
  const { id, name } = await ownCreature();
  const target = `creature:${id}`;
  const cacheKey = `creature:${id}:metadata`;
  const redis = (...args) => execFileP('redis-cli', ['-u', TEST_REDIS_URL, ...args]).then((r) => r.stdout.trim());

  const got = await a.get(`/api/admin/creatures/${id}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.json.creature.name, name);
  assert.equal(got.json.creature.is_active, false);
  const search = await a.get(`/api/admin/creatures?q=${encodeURIComponent(name.slice(10))}&status=inactive`);
  assert.deepEqual(search.json.creatures.map((c) => c.id), [id]);

  const steps = [
    ['creature_rename', () => a.patch(`/api/admin/creatures/${id}`, { name: `${name} Two` })],
    ['creature_set_rarity', () => a.patch(`/api/admin/creatures/${id}`, { rarity: 'Legendary' })],
    ['creature_activate', () => a.patch(`/api/admin/creatures/${id}`, { is_active: true })],
    ['creature_reroll_traits', () => a.post(`/api/admin/creatures/${id}/reroll-traits`)],
    ['creature_deactivate', () => a.patch(`/api/admin/creatures/${id}`, { is_active: false })],
    ['creature_delete', () => a.del(`/api/admin/creatures/${id}`)],
    ['creature_restore', () => a.post(`/api/admin/creatures/${id}/restore`)],
    ['creature_delete', () => a.del(`/api/admin/creatures/${id}`)],
  ];
  for (const [action, step] of steps) {
    await redis('SET', cacheKey, '{"stale":true}', 'EX', '600');
    const r = await step();
    assert.equal(r.status, 200, `${action}: ${r.text}`);
    assert.equal(await redis('EXISTS', cacheKey), '0', `${action} dropped ${cacheKey}`);
  }
  const rows = await auditRows(target);
  assert.deepEqual(rows.map((r) => r.action), steps.map(([action]) => action));
  for (const r of rows) assertAudit(r, { actor: user.id, action: r.action });
  assert.deepEqual([rows[0].before.name, rows[0].after.name], [name, `${name} Two`]);
  assert.deepEqual([rows[1].before.rarity, rows[1].after.rarity], ['Common', 'Legendary']);
  assert.deepEqual([rows[2].before.is_active, rows[2].after.is_active], [false, true]);
  assert.deepEqual(Object.values(rows[3].before.traits), Array(8).fill(50));
  const fresh = Object.values(rows[3].after.traits);
  assert.equal(fresh.length, 8);
  // Legendary: body type base + 20 + noise within +-12, clamped
  const base = (await psql('SELECT base_score FROM body_type_traits WHERE body_type_id = 3 ORDER BY trait_id')).map((x) => Number(x[0]));
  const keys = ['friendliness', 'playfulness', 'creativity', 'empathy', 'energy', 'confidence', 'humor', 'curiosity'];
  keys.forEach((k, i) => {
    const v = rows[3].after.traits[k];
    assert.ok(v >= Math.max(0, Math.min(100, base[i] + 20 - 12)) && v <= Math.min(100, base[i] + 20 + 12), `${k} = ${v}`);
  });
  assert.equal(rows[5].before.deleted_at, null);
  assert.match(rows[5].after.deleted_at, /^\d{4}-/);
  assert.equal(rows[5].after.owners, 0);
  assert.equal(rows[6].after.deleted_at, null);
  // conflicts and bad input change nothing and write no row
  const other = await psqlValue("SELECT name FROM creatures WHERE seq = 1");
  assertError(await a.patch(`/api/admin/creatures/${id}`, { name: other.toUpperCase() }), 409, 'conflict');
  assertError(await a.patch(`/api/admin/creatures/${id}`, { rarity: 'Shiny' }), 400, 'bad_request');
  assertError(await a.patch(`/api/admin/creatures/${id}`, {}), 400, 'bad_request');
  assertError(await a.patch(`/api/admin/creatures/${randomUUID()}`, { name: 'Nobody' }), 404, 'not_found');
  assertError(await a.del(`/api/admin/creatures/${id}`), 409, 'conflict');
  assert.equal((await auditRows(target)).length, steps.length);

  // body types: description and profile, then back as they were
  const bt = (await a.get('/api/admin/body-types')).json.body_types.find((b) => b.id === 3);
  const desc = `${bt.description} (edited)`;
  const profile = { ...bt.profile, humor: (bt.profile.humor + 7) % 101 };
  const e1 = await a.patch('/api/admin/body-types/3', { description: desc, profile });
  assert.equal(e1.status, 200, e1.text);
  assert.equal(e1.json.body_type.description, desc);
  assert.deepEqual(e1.json.body_type.profile, profile);
  const e2 = await a.patch('/api/admin/body-types/3', { description: bt.description, profile: bt.profile });
  assert.equal(e2.status, 200, e2.text);
  assertError(await a.patch('/api/admin/body-types/3', { profile: { humor: 5 } }), 400, 'bad_request');
  assertError(await a.patch('/api/admin/body-types/99', { description: 'x' }), 404, 'not_found');
  const btRows = (await auditRows('body_type:3')).slice(-2);
  assert.deepEqual(btRows.map((r) => r.action), ['body_type_update', 'body_type_update']);
  for (const r of btRows) assertAudit(r, { actor: user.id, action: 'body_type_update' });
  assert.equal(btRows[0].after.description, desc);
  assert.equal(btRows[0].after.profile.humor, profile.humor);
  assert.equal(btRows[1].after.description, bt.description);
});

test('soft delete shows the players affected first, and they keep the creature', async () => {
  const { a } = await newAdmin('aff');
  const { id } = await ownCreature();
  const owners = [];
  for (let i = 0; i < 2; i++) {
    const { user, name } = await signedIn(srv, uname('own'));
    await psql(`INSERT INTO user_collections (user_id, creature_id, source) VALUES ('${user.id}', '${id}', 'admin')`);
    owners.push(name);
  }
  const aff = await a.get(`/api/admin/creatures/${id}/affected`);
  assert.equal(aff.status, 200, aff.text);
  assert.equal(aff.json.owners, 2);
  assert.deepEqual(aff.json.players.map((p) => p.username).sort(), owners.sort());
  const del = await a.del(`/api/admin/creatures/${id}`);
  assert.equal(del.status, 200);
  assert.equal(await psqlValue(`SELECT count(*) FROM user_collections WHERE creature_id = '${id}'`), '2');
  const row = (await auditRows(`creature:${id}`)).at(-1);
  assert.equal(row.after.owners, 2);
  assert.equal((await api(srv.url, `/api/creature/${id}/details`)).status, 404, 'gone from the catalogue');
});

test('creator chatlings, chatrooms and job retries leave their audit rows', async () => {
  const { a, user } = await newAdmin('con');
  const { id } = await ownCreature();
  const channel = `UC${randomBytes(8).toString('hex')}`;
  const put = await a.put(`/api/admin/creators/${channel}`, { creature_id: id, channel_title: 'Test <b>channel</b>' });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.creator.channel_title, 'Test <b>channel</b>');
  const list = await a.get(`/api/admin/creators?q=${channel}`);
  assert.equal(list.json.creators.length, 1);
  assert.equal(list.json.creators[0].creature.id, id);
  assert.ok((await a.put(`/api/admin/creators/${channel}`, { creature_id: id })).status === 200);
  assertError(await a.put(`/api/admin/creators/bad%20id`, { creature_id: id }), 400, 'bad_request');
  assertError(await a.put(`/api/admin/creators/${channel}`, { creature_id: randomUUID() }), 404, 'not_found');
  assert.equal((await a.del(`/api/admin/creators/${channel}`)).status, 204);
  assertError(await a.del(`/api/admin/creators/${channel}`), 404, 'not_found');
  const cRows = await auditRows(`channel:${channel}`);
  assert.deepEqual(cRows.map((r) => r.action), ['creator_map', 'creator_map', 'creator_unmap']);
  for (const r of cRows) assertAudit(r, { actor: user.id, action: r.action });
  assert.equal(cRows[0].before, null);
  assert.equal(cRows[0].after.creature_id, id);
  assert.equal(cRows[1].before.channel_title, 'Test <b>channel</b>');
  assert.equal(cRows[2].after, null);

  const open = await a.post('/api/admin/chatrooms', { title: 'Admin test room', topic: 'Testing', closes_in_hours: 2 });
  assert.equal(open.status, 201, open.text);
  const room = open.json.chatroom;
  assert.equal(room.open, true);
  const feat = await a.patch(`/api/admin/chatrooms/${room.id}`, { youtube_video_id: 'dQw4w9WgXcQ' });
  assert.equal(feat.json.chatroom.youtube_video_id, 'dQw4w9WgXcQ');
  assertError(await a.patch(`/api/admin/chatrooms/${room.id}`, { youtube_video_id: 'not a video' }), 400, 'bad_request');
  const close = await a.patch(`/api/admin/chatrooms/${room.id}`, { is_active: false });
  assert.equal(close.json.chatroom.open, false);
  const rRows = await auditRows(`chatroom:${room.id}`);
  assert.deepEqual(rRows.map((r) => r.action), ['chatroom_open', 'chatroom_feature_video', 'chatroom_close']);
  for (const r of rRows) assertAudit(r, { actor: user.id, action: r.action });
  assert.equal(rRows[1].after.youtube_video_id, 'dQw4w9WgXcQ');
  assert.equal(rRows[2].before.is_active, true);
  assert.equal(rRows[2].after.is_active, false);

  // a dead letter, as the worker's queue writes one, retried from the portal
  const jobId = randomBytes(16).toString('hex');
  const deadId = (await execFileP('redis-cli', ['-u', TEST_REDIS_URL, 'XADD', 'queue:{default}:dead', '*', 'id', jobId,
    'type', 'admin.test.noop', 'payload', '{}', 'attempt', '5', 'enqueued_at', String(Date.now()),
    'failed_at', String(Date.now()), 'error', 'it broke'])).stdout.trim();
  const jobs = await a.get('/api/admin/jobs');
  assert.equal(jobs.status, 200, jobs.text);
  assert.ok(jobs.json.queues[0].dead >= 1);
  const dead = jobs.json.dead.find((d) => d.dead_id === deadId);
  assert.equal(dead.job_id, jobId);
  assert.equal(dead.error, 'it broke');
  const retry = await a.post(`/api/admin/jobs/dead/${deadId}/retry`);
  assert.equal(retry.status, 200, retry.text);
  assertError(await a.post(`/api/admin/jobs/dead/${deadId}/retry`), 404, 'not_found');
  const jRows = await auditRows(`job:${jobId}`);
  assert.deepEqual(jRows.map((r) => r.action), ['job_retry']);
  assertAudit(jRows[0], { actor: user.id, action: 'job_retry' });
  assert.equal(jRows[0].before.dead_id, deadId);
  // the retried job is back in the stream: take it out again so no worker of another test runs it
  const entries = (await execFileP('redis-cli', ['-u', TEST_REDIS_URL, '--no-raw', 'XRANGE', 'queue:{default}', '-', '+'])).stdout;
  assert.match(entries, new RegExp(jobId));
  const ids = [...entries.matchAll(/"(\d+-\d+)"/g)].map((m) => m[1]);
  for (const sid of ids) {
    const one = (await execFileP('redis-cli', ['-u', TEST_REDIS_URL, 'XRANGE', 'queue:{default}', sid, sid])).stdout;
    if (one.includes(jobId)) await execFileP('redis-cli', ['-u', TEST_REDIS_URL, 'XDEL', 'queue:{default}', sid]);
  }
});

test("suspending a player ends every session at once; their next request is 401", async () => {
  const { a, user: adminUser } = await newAdmin('sus');
  const { p, user, name } = await signedIn(srv, uname('bad'));
  const second = await signedIn(srv, name); // a second device
  assert.equal((await p.get('/api/user/me')).status, 200);
  assert.equal((await second.p.get('/api/user/me')).status, 200);

  assertError(await a.post(`/api/admin/players/${user.id}/suspend`, {}), 400, 'bad_request'); // a reason is required
  const s = await a.post(`/api/admin/players/${user.id}/suspend`, { reason: 'spam in chat' });
  assert.equal(s.status, 200, s.text);
  assert.match(s.json.player.suspended_at, /^\d{4}-/);
  assert.equal(s.json.player.suspended_reason, 'spam in chat');
  assertError(await p.get('/api/user/me'), 401, 'unauthorized');
  assertError(await second.p.get('/api/user/me'), 401, 'unauthorized');
  assertError(await p.login(name), 403, 'forbidden');
  // suspending again is harmless: no second audit row
  assert.equal((await a.post(`/api/admin/players/${user.id}/suspend`, { reason: 'again' })).status, 200);

  const list = await a.get(`/api/admin/players?q=${name}&status=suspended`);
  assert.deepEqual(list.json.players.map((x) => x.id), [user.id]);
  const view = await a.get(`/api/admin/players/${user.id}`);
  assert.equal(view.json.player.username, name);
  assert.equal(view.json.player.recent_admin_actions[0].action, 'player_suspend');

  const u = await a.post(`/api/admin/players/${user.id}/unsuspend`);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.player.suspended_at, null);
  assert.equal((await p.login(name)).status, 200);
  assert.equal((await p.get('/api/user/me')).status, 200);

  const g = await a.put(`/api/admin/players/${user.id}/admin`, { is_admin: true });
  assert.equal(g.json.player.is_admin, true);
  const rv = await a.put(`/api/admin/players/${user.id}/admin`, { is_admin: false });
  assert.equal(rv.json.player.is_admin, false);
  assertError(await a.post(`/api/admin/players/${adminUser.id}/suspend`, { reason: 'oops' }), 409, 'conflict');
  assertError(await a.put(`/api/admin/players/${adminUser.id}/admin`, { is_admin: false }), 409, 'conflict');

  const rows = await auditRows(`user:${user.id}`);
  assert.deepEqual(rows.map((r) => r.action), ['player_suspend', 'player_unsuspend', 'grant_admin', 'revoke_admin']);
  for (const r of rows) assertAudit(r, { actor: adminUser.id, action: r.action });
  assert.equal(rows[0].before.suspended_at, null);
  assert.equal(rows[0].after.suspended_reason, 'spam in chat');
  assert.deepEqual([rows[2].before.is_admin, rows[2].after.is_admin], [false, true]);

  // an admin who is suspended (by another admin) loses the portal at once too
  const { a: a2, user: admin2 } = await newAdmin('sus2');
  assert.equal((await a.post(`/api/admin/players/${admin2.id}/suspend`, { reason: 'test' })).status, 200);
  assertError(await a2.get('/api/admin/dashboard'), 401, 'unauthorized');
  // a revoked admin keeps the session but loses every admin route
  const { a: a3, user: admin3 } = await newAdmin('rev');
  assert.equal((await a.put(`/api/admin/players/${admin3.id}/admin`, { is_admin: false })).status, 200);
  assertError(await a3.get('/api/admin/dashboard'), 403, 'forbidden');
});

test('the audit log filters by actor, action, target and date range', async () => {
  const { a, user, name } = await newAdmin('aud');
  const { id } = await ownCreature();
  await a.patch(`/api/admin/creatures/${id}`, { short_name: 'Aud' });
  await a.post(`/api/admin/creatures/${id}/reroll-traits`);
  const byActor = await a.get(`/api/admin/audit?actor=${name.toUpperCase()}`);
  assert.equal(byActor.status, 200, byActor.text);
  const mine = byActor.json.entries;
  assert.deepEqual(mine.map((e) => e.action), ['creature_reroll_traits', 'creature_rename', 'admin_sign_in']);
  assert.ok(mine.every((e) => e.actor.id === user.id && e.actor.username === name && e.ip === '127.0.0.1'));
  const byId = await a.get(`/api/admin/audit?actor=${user.id}&action=creature_`);
  assert.deepEqual(byId.json.entries.map((e) => e.action), ['creature_reroll_traits', 'creature_rename']);
  const byTarget = await a.get(`/api/admin/audit?target=creature:${id}&limit=1`);
  assert.equal(byTarget.json.entries.length, 1);
  assert.equal(byTarget.json.entries[0].action, 'creature_reroll_traits');
  const next = await a.get(`/api/admin/audit?target=creature:${id}&limit=1&before=${byTarget.json.next_before}`);
  assert.equal(next.json.entries[0].action, 'creature_rename');
  const today = new Date().toISOString().slice(0, 10);
  const inRange = await a.get(`/api/admin/audit?actor=${user.id}&from=${today}&to=${today}`);
  assert.equal(inRange.json.entries.length, 3);
  const past = await a.get(`/api/admin/audit?actor=${user.id}&to=2000-01-01`);
  assert.equal(past.json.entries.length, 0);
  const cli = await a.get('/api/admin/audit?actor=cli&action=grant_admin&limit=200');
  assert.ok(cli.json.entries.some((e) => e.target === `user:${user.id}` && e.actor === null));
  for (const bad of ['from=yesterday', 'to=2026-02-30', 'from=2026-01-01T25:00Z', 'limit=0', 'before=-1']) {
    assertError(await a.get(`/api/admin/audit?${bad}`), 400, 'bad_request');
  }
});

test('the dashboard has live figures', async () => {
  const { a } = await newAdmin('dash');
  const d = await a.get('/api/admin/dashboard');
  assert.equal(d.status, 200, d.text);
  assert.ok(d.json.players.total >= 1);
  assert.ok(d.json.players.admins >= 1);
  for (const s of ['starter', 'daily_box', 'visitor', 'encounter', 'youtube', 'event', 'admin']) {
    assert.equal(typeof d.json.finds[s].last_24h, 'number', s);
  }
  assert.ok(d.json.finds.starter.last_24h >= 1);
  assert.equal(typeof d.json.queue.dead, 'number');
  assert.ok(d.json.http.requests > 0);
  assert.ok(d.json.http.p95_ms > 0);
  assert.equal(typeof d.json.http.error_rate, 'number');
  assert.ok(d.json.http.buckets.length > 5);
});

test('sign-in on the admin origin through the provider: admins only', async () => {
  const { user, name } = await signedIn(srv, uname('oidc'));
  const subject = `admin-sub-${randomBytes(4).toString('hex')}`;
  await psql(`UPDATE users SET google_id = '${subject}' WHERE id = '${user.id}'`);

  const flow = async () => {
    const { browser, authUrl } = await beginLogin(srv.adminUrl);
    const u = new URL(authUrl);
    assert.equal(u.searchParams.get('redirect_uri'), `${srv.adminUrl}/auth/callback`);
    const callback = await authorizeAtProvider(authUrl, subject);
    assert.ok(callback.startsWith(`${srv.adminUrl}/auth/callback`), callback);
    const res = await finishLogin(callback, browser);
    return { res, cookie: browser.jar.get(ADMIN_COOKIE) };
  };
  const refused = await flow();
  assert.equal(refused.res.status, 302);
  assert.equal(refused.res.location, '/?signin=not_admin');
  assert.equal(refused.cookie, undefined, 'no session for a player');

  await runChatlings(['admin', 'grant-admin', name]);
  const ok = await flow();
  assert.equal(ok.res.status, 302);
  assert.equal(ok.res.location, '/');
  assert.ok(ok.cookie, 'admin session cookie set');
  const s = await api(srv.adminUrl, '/api/admin/session', { cookie: `${ADMIN_COOKIE}=${ok.cookie}` });
  assert.equal(s.json.signed_in, true);
  assert.equal(s.json.user.id, user.id);
  assert.equal((await api(srv.adminUrl, '/api/admin/dashboard', { cookie: `${ADMIN_COOKIE}=${ok.cookie}` })).status, 200);
  const rows = await auditRows(`user:${user.id}`);
  assert.equal(rows.at(-1).action, 'admin_sign_in');
  assert.equal(rows.at(-1).after.method, 'oidc');
  // a replayed callback does nothing
  const again = await api(srv.adminUrl, '/auth/callback?state=' + 'A'.repeat(43) + '&code=x');
  assert.equal(again.status, 302);
  assert.equal(again.headers.get('location'), '/?signin=expired');
});

test('logout ends the admin session', async () => {
  const { a } = await newAdmin('out');
  assert.equal((await a.post('/api/admin/logout')).status, 204);
  assertError(await a.get('/api/admin/dashboard'), 401, 'unauthorized');
});
