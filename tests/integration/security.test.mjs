// security.test.mjs: the security suite (issue 11/11), black-box over the real server. Every route
// without a session (walked from `chatlings routes`), another player's ids (IDOR, checked in
// PostgreSQL), no CSRF token, markup and SQL in text fields, malformed and oversized bodies, path
// traversal on static and blob routes, open redirects on sign-in, and a 429 on every rate class.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { randomUUID, randomBytes } from 'node:crypto';
import { client, psql, psqlValue, runChatlings, freePort, startServer } from './harness.mjs';
import { startOwnServer, signedIn, uname, player, assertError, HIGH_LIMITS } from './players.mjs';
import { startProvider } from './oidc-provider.mjs';

let srv, provider, tmp, routes, creatureIds;
const SECRET = `TOPSECRET-${randomBytes(6).toString('hex')}`;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlings-security-'));
  const root = path.join(tmp, 'static');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>index</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET); // next to the static root: never served
  fs.mkdirSync(path.join(tmp, 'blobs'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'blobs', 'secret.txt'), SECRET);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  provider = await startProvider({ redirectUris: [`${origin}/auth/callback`] });
  srv = await startServer({
    listen: `127.0.0.1:${port}`,
    env: {
      CHATLINGS_PUBLIC_URL: origin, CHATLINGS_RATE_LIMITS: HIGH_LIMITS, CHATLINGS_VISITOR_ONE_IN: '0',
      CHATLINGS_STATIC_DIR: root, CHATLINGS_BLOB_DIR: path.join(tmp, 'blobs'),
      CHATLINGS_OIDC_ISSUER: provider.issuer, CHATLINGS_OIDC_CLIENT_ID: provider.clientId,
      CHATLINGS_OIDC_CLIENT_SECRET: provider.clientSecret,
    },
  });
  srv.origin = origin;
  const r = await runChatlings(['routes']);
  assert.equal(r.code, 0, r.stderr);
  routes = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(routes.length > 50, 'the route table was listed');
  creatureIds = (await psql('SELECT id FROM creatures WHERE is_active AND deleted_at IS NULL ORDER BY id LIMIT 20')).map((x) => x[0]);
});
after(async () => {
  await srv?.stop();
  await provider?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- helpers ----

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A concrete path for a route pattern: every :param gets a plausible value. */
function fill(pattern) {
  return pattern.replace(/:([a-z_]+)/g, (_, name) => {
    if (name === 'board') return 'rarity';
    if (name === 'n') return '1';
    if (name === 'message_id') return '1';
    if (name === 'dead_id') return '1-0';
    if (name === 'channel_id') return 'UCabcdefghijklmnopqrstuv';
    if (name === 'creature_id') return creatureIds[0];
    return randomUUID();
  });
}

/** One request written by hand: head is the request line and headers (with the blank line);
 * whatever is answered before the server closes is read back. */
function rawRequest(url, head, { timeoutMs = 5000 } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    const chunks = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`raw request timed out: ${head.split('\r\n')[0]}`)); }, timeoutMs);
    s.on('connect', () => s.write(head));
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    });
  });
}

/** A GET written by hand (fetch would normalise ../ and %2e away). */
function rawGet(url, target, opts) {
  return rawRequest(url, `GET ${target} HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: close\r\n\r\n`, opts);
}

/** A signed-in admin on the admin listener (its own origin and cookie). */
async function newAdmin() {
  const { user, name } = await signedIn(srv, uname('adm'));
  const g = await runChatlings(['admin', 'grant-admin', name]);
  assert.equal(g.code, 0, g.stderr);
  const c = client(srv.adminUrl);
  let csrf = null;
  const h = (extra = {}) => ({ origin: srv.adminUrl, ...(csrf ? { 'x-csrf-token': csrf } : {}), ...extra });
  const r = await c.post('/api/dev/login', { username: name }, { headers: h() });
  assert.equal(r.status, 200, r.text);
  csrf = r.json.csrf_token;
  return {
    user, name, c,
    get: (p) => c.get(p),
    request: (method, p, body, extra) => c.request(method, p, body, { headers: h(extra) }),
    post: (p, body = {}) => c.post(p, body, { headers: h() }),
    patch: (p, body = {}) => c.patch(p, body, { headers: h() }),
  };
}

async function giveChatlings(userId, n) {
  await psql(`INSERT INTO user_collections (user_id, creature_id, source)
    SELECT '${userId}', id, 'admin' FROM creatures WHERE is_active AND deleted_at IS NULL
      AND id NOT IN (SELECT creature_id FROM user_collections WHERE user_id = '${userId}')
    ORDER BY random() LIMIT ${n}`);
}

/** Everything of a player's that another player might reach by id, as one comparable string. */
async function rowsOf(userId) {
  const q = (sql) => psql(sql).then((r) => JSON.stringify(r));
  return [
    await q(`SELECT creature_id, status, glow FROM user_collections WHERE user_id = '${userId}' ORDER BY creature_id`),
    await q(`SELECT current_creature_id, username, motes FROM users WHERE id = '${userId}'`),
    await q(`SELECT * FROM user_teams WHERE user_id = '${userId}'`),
    await q(`SELECT creature_id, owned, has_manager, last_collected_ms FROM idle_businesses WHERE user_id = '${userId}' ORDER BY creature_id`),
    await q(`SELECT * FROM idle_wallets WHERE user_id = '${userId}'`),
    await q(`SELECT id, read_at FROM notifications WHERE user_id = '${userId}' ORDER BY id`),
    await q(`SELECT video_id, creature_id FROM youtube_likes WHERE user_id = '${userId}' ORDER BY video_id`),
    await q(`SELECT id, hidden_at FROM chat_messages WHERE user_id = '${userId}' ORDER BY id`),
  ].join('\n');
}

const is5xx = (s) => s >= 500;

// ---- 1. no session ----

test('every session, pending and admin route without a session is 401; public ones never 5xx', async () => {
  let checked = 0;
  for (const r of routes) {
    const base = r.listener === 'admin' ? srv.adminUrl : srv.url;
    const p = fill(r.pattern);
    const headers = { origin: r.listener === 'admin' ? srv.adminUrl : srv.origin };
    const body = STATE_CHANGING.has(r.method) ? {} : undefined;
    const res = await client(base).request(r.method, p, body, { headers });
    const what = `${r.listener} ${r.method} ${r.pattern} -> ${res.status} ${res.text.slice(0, 200)}`;
    if (r.auth === 'public') {
      assert.ok(!is5xx(res.status), what);
    } else {
      assert.equal(res.status, 401, what);
      assert.equal(res.json?.error?.code, 'unauthorized', what);
    }
    checked++;
  }
  assert.ok(checked >= routes.length);
});

test('a forged or expired session cookie is no session (401)', async () => {
  for (const cookie of ['__Host-chatlings=' + 'A'.repeat(43), '__Host-chatlings=../../etc/passwd',
    '__Host-chatlings=' + "' OR 1=1 --", '__Host-chatlings=' + 'x'.repeat(5000)]) {
    const r = await fetch(`${srv.url}/api/user/me`, { headers: { cookie } });
    assert.equal(r.status, 401, cookie);
  }
});

// ---- 2. CSRF ----

test('every state-changing session route refuses a request without the CSRF token (403)', async () => {
  const { p } = await signedIn(srv);
  const admin = await newAdmin();
  let checked = 0;
  for (const r of routes) {
    if (!STATE_CHANGING.has(r.method) || r.auth === 'public' || r.auth === 'pending') continue;
    const pth = fill(r.pattern);
    if (r.listener === 'public') {
      // no token, a wrong token, and the right token from a foreign origin
      for (const headers of [{ origin: srv.origin }, { origin: srv.origin, 'x-csrf-token': 'x'.repeat(43) },
        { origin: 'https://evil.example', 'x-csrf-token': p.csrf }, { 'x-csrf-token': p.csrf }]) {
        const res = await p.c.request(r.method, pth, {}, { headers });
        assert.equal(res.status, 403, `${r.method} ${r.pattern} ${JSON.stringify(headers)}: ${res.text}`);
      }
    } else {
      const res = await admin.c.request(r.method, pth, {}, { headers: { origin: srv.adminUrl } });
      assert.equal(res.status, 403, `admin ${r.method} ${r.pattern}: ${res.text}`);
    }
    checked++;
  }
  assert.ok(checked > 30, `checked ${checked} routes`);
  // and the player's session still works with its token
  assert.equal((await p.get('/api/user/me')).status, 200);
});

// ---- 3. IDOR ----

test("player B cannot read or act on player A's resources by id; A's rows stay unchanged", async () => {
  const A = await signedIn(srv, uname('ida'));
  const B = await signedIn(srv, uname('idb'));
  await giveChatlings(A.user.id, 4);
  const aMine = (await psql(`SELECT creature_id FROM user_collections WHERE user_id = '${A.user.id}'`)).map((x) => x[0]);
  const bMine = new Set((await psql(`SELECT creature_id FROM user_collections WHERE user_id = '${B.user.id}'`)).map((x) => x[0]));
  const aOnly = aMine.filter((id) => !bMine.has(id));
  assert.ok(aOnly.length >= 2, 'A owns creatures B does not');
  // A arranges a team, an idle business, a notification, a YouTube like and a chat message.
  assert.equal((await A.p.put('/api/user/team', { creature_ids: aOnly.slice(0, 2) })).status, 200);
  const buy = await A.p.post('/api/idle-game/buy', { creature_id: aOnly[0] });
  assert.ok([200, 201, 409].includes(buy.status), buy.text);
  const notif = await psqlValue(`INSERT INTO notifications (user_id, category, title, body)
    VALUES ('${A.user.id}', 'system', 'for A', 'only A') RETURNING id`);
  const video = `v${randomBytes(5).toString('hex')}`;
  await psql(`INSERT INTO youtube_likes (user_id, video_id, creature_id) VALUES ('${A.user.id}', '${video}', '${aOnly[0]}')`);
  const room = await psqlValue(`INSERT INTO chatrooms (title, topic) VALUES ('Security', 'idor') RETURNING id`);
  const msg = await A.p.post(`/api/chatrooms/${room}/messages`, { text: 'a line by A' });
  assert.equal(msg.status, 201, msg.text);
  const before = await rowsOf(A.user.id);

  const ok = (r, what) => assert.ok([400, 403, 404, 409].includes(r.status), `${what}: ${r.status} ${r.text}`);
  ok(await B.p.put('/api/user/current-chatling', { creature_id: aOnly[0] }), 'current chatling with A\'s creature');
  ok(await B.p.put('/api/user/team', { creature_ids: aOnly.slice(0, 2) }), 'team of A\'s creatures');
  for (const action of ['buy', 'hire', 'collect']) {
    ok(await B.p.post(`/api/idle-game/${action}`, { creature_id: aOnly[0] }), `idle ${action} on A's business`);
  }
  ok(await B.p.post(`/api/user/runaways/${aOnly[1]}/recover`), 'recover A\'s chatling');
  const mark = await B.p.post('/api/user/notifications/read', { ids: [Number(notif)] });
  assert.equal(mark.status, 200, mark.text);
  assert.equal(mark.json.marked, 0, 'nothing of A marked');
  // B's own reads never show A's things
  const coll = await B.p.get('/api/user/collection?limit=100');
  assert.equal(coll.status, 200);
  assert.ok(!aOnly.some((id) => coll.text.includes(id)), 'A\'s creatures are not in B\'s collection');
  const notes = await B.p.get('/api/user/notifications');
  assert.ok(!notes.text.includes('only A'));
  const likes = await B.p.get('/api/youtube/likes');
  assert.equal(likes.status, 200, likes.text);
  assert.ok(!likes.text.includes(video));
  // a report by B is B's own act: A's message is not hidden by it
  const rep = await B.p.post(`/api/chatrooms/${room}/messages/${msg.json.message.id}/report`, { reason: 'idor check' });
  assert.equal(rep.status, 201, rep.text);
  // an admin route with a player's session is 401 on the admin listener (no admin cookie) and
  // the player's cookie does not open it
  const hide = await B.p.c.request('POST', `/api/admin/chat/messages/${msg.json.message.id}/hide`, {},
    { headers: { origin: srv.origin, 'x-csrf-token': B.p.csrf } });
  assert.equal(hide.status, 404, 'admin routes do not exist on the public listener');
  const adminC = client(srv.adminUrl);
  const h2 = await adminC.request('POST', `/api/admin/chat/messages/${msg.json.message.id}/hide`, {},
    { headers: { origin: srv.adminUrl, cookie: `__Host-chatlings=${B.p.token()}` } });
  assert.equal(h2.status, 401, h2.text);
  // a non-admin signed in on the admin listener is 403
  const c = client(srv.adminUrl);
  const lr = await c.post('/api/dev/login', { username: B.name }, { headers: { origin: srv.adminUrl } });
  assert.equal(lr.status, 200, lr.text);
  const h3 = await c.request('POST', `/api/admin/chat/messages/${msg.json.message.id}/hide`, {},
    { headers: { origin: srv.adminUrl, 'x-csrf-token': lr.json.csrf_token } });
  assert.equal(h3.status, 403, h3.text);

  assert.equal(await rowsOf(A.user.id), before, "A's rows are unchanged");
});

// ---- 4. markup and SQL in text fields ----

const NASTY = [
  `<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `'; DROP TABLE users; --`,
  `' OR '1'='1`, `Robert'); DELETE FROM user_collections;--`, `\\u0000 $1 %s %n {{7*7}} \${7*7}`,
];

test('markup and SQL in every text field: stored verbatim, returned JSON-escaped, never executed', async () => {
  const usersBefore = Number(await psqlValue('SELECT count(*) FROM users'));
  // usernames: refused by validation (400), never a 500 and never a row
  for (const s of NASTY) {
    const p = player(srv);
    const r = await p.login(s);
    assert.ok([400, 409].includes(r.status), `${s}: ${r.status} ${r.text}`);
    const { p: q } = await signedIn(srv);
    const pr = await q.patch('/api/user/me', { username: s });
    assert.ok([400, 409].includes(pr.status), `${s}: ${pr.status} ${pr.text}`);
  }
  assert.ok(Number(await psqlValue('SELECT count(*) FROM users')) >= usersBefore, 'users intact');

  const A = await signedIn(srv);
  const B = await signedIn(srv);
  const admin = await newAdmin();
  const room = await psqlValue(`INSERT INTO chatrooms (title, topic) VALUES ('Markup', 'sql') RETURNING id`);
  for (const s of NASTY) {
    // chat text
    const m = await A.p.post(`/api/chatrooms/${room}/messages`, { text: s });
    assert.equal(m.status, 201, m.text);
    assert.ok(!/<script>|<img/.test(m.text), 'markup is escaped in the JSON');
    assert.equal(m.json.message.text, s);
    assert.equal(await psqlValue(`SELECT body FROM chat_messages WHERE id = ${Number(m.json.message.id)}`), s);
    // report reason
    const rep = await B.p.post(`/api/chatrooms/${room}/messages/${m.json.message.id}/report`, { reason: s });
    assert.equal(rep.status, 201, rep.text);
    assert.equal(await psqlValue(`SELECT reason FROM chat_reports WHERE message_id = ${Number(m.json.message.id)}`), s);
    // attitude: numbers only
    const at = await A.p.put('/api/user/chat-attitude', { enthusiasm: s, criticism: 0, humour: 0 });
    assertError(at, 400, 'bad_request');
    // admin fields: a chatroom's title and topic, a mute reason
    const pa = await admin.patch(`/api/admin/chatrooms/${room}`, { title: s.slice(0, 100), topic: s });
    assert.ok([200, 400].includes(pa.status), pa.text);
    if (pa.status === 200) {
      assert.ok(!/<script>|<img/.test(pa.text));
      const [[title, topic]] = await psql(`SELECT title, topic FROM chatrooms WHERE id = '${room}'`);
      assert.deepEqual([title, topic], [s.slice(0, 100), s]);
    }
    const mu = await admin.post('/api/admin/chat/mutes', { username: B.name, minutes: 1, reason: s });
    assert.ok([200, 400].includes(mu.status), mu.text);
  }
  const history = await B.p.get(`/api/chatrooms/${room}/messages`);
  assert.equal(history.status, 200, history.text);
  assert.match(history.headers.get('content-type'), /^application\/json/);
  assert.ok(!/<script>|<img/.test(history.text), 'history is JSON-escaped');
  const reports = await admin.get('/api/admin/chat/reports');
  assert.equal(reports.status, 200);
  assert.ok(!/<script>|<img/.test(reports.text));
  for (const s of NASTY) assert.ok(reports.json.reports.some((x) => x.reason === s), `reason ${s} returned verbatim`);
  // the tables the payloads name are all still there
  assert.equal(await psqlValue("SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'user_collections')"), '2');
  // catalogue search with SQL in the query string
  for (const s of NASTY) {
    const r = await fetch(`${srv.url}/api/creatures?q=${encodeURIComponent(s)}&rarity=${encodeURIComponent(s)}`);
    assert.ok(!is5xx(r.status), `q=${s}: ${r.status}`);
  }
});

// ---- 5. malformed and oversized bodies ----

test('malformed, nested, oversized and mistyped bodies: 400/413/415, never 500', async () => {
  const { p } = await signedIn(srv);
  const deep = '['.repeat(10000) + ']'.repeat(10000);
  const deepObj = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
  const cases = [
    ['not JSON', 'this is not json', 'application/json', [400]],
    ['truncated', '{"ids": [1, 2', 'application/json', [400]],
    ['JSON array', '[1,2,3]', 'application/json', [400]],
    ['JSON string', '"x"', 'application/json', [400]],
    ['deep array', deep, 'application/json', [400]],
    ['deep object', deepObj, 'application/json', [400]],
    ['duplicate keys', '{"all":true,"all":false}', 'application/json', [400]],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json', [400]],
    ['NUL inside', '{"ids":[1]}\u0000', 'application/json', [400]],
    ['wrong type', '{"all":true}', 'text/plain', [415]],
    ['form', 'all=true', 'application/x-www-form-urlencoded', [415]],
    ['2 MB', '{"x":"' + 'a'.repeat(2 << 20) + '"}', 'application/json', [413]],
  ];
  let got413 = 0;
  for (const route of [['POST', '/api/user/notifications/read'], ['PUT', '/api/user/team'], ['PATCH', '/api/user/me'],
    ['PUT', '/api/user/chat-attitude']]) {
    for (const [what, body, ct, want] of cases) {
      let r;
      try {
        r = await p.c.request(route[0], route[1], body, { headers: { origin: srv.origin, 'x-csrf-token': p.csrf, 'content-type': ct } });
      } catch (err) {
        // a server may close the connection on an oversized body after answering 413
        if (what === '2 MB') continue;
        throw err;
      }
      assert.ok(want.includes(r.status), `${route.join(' ')} ${what}: ${r.status} ${r.text.slice(0, 200)}`);
      if (r.status === 413) got413++;
    }
  }
  // Sent whole, a 2 MB body may meet the reset of the server's early 413 before the answer
  // can be read; announced by its length alone, the answer is always readable.
  const announced = await rawRequest(srv.url, `POST /api/user/notifications/read HTTP/1.1\r\nHost: ${new URL(srv.url).host}\r\n` +
    `Cookie: __Host-chatlings=${p.token()}\r\nOrigin: ${srv.origin}\r\nX-CSRF-Token: ${p.csrf}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${(2 << 20) + 8}\r\nConnection: close\r\n\r\n`);
  if (announced.status === 413) got413++;
  assert.ok(got413 >= 1, 'a 2 MB body was answered 413 at least once');
  // the server is fine afterwards
  assert.equal((await p.get('/api/user/me')).status, 200);
});

// ---- 6. path traversal ----

test('path traversal on static and blob routes never reaches a file outside (400/404)', async () => {
  const targets = [
    '/../secret.txt', '/../../../../etc/passwd', '/assets/../../secret.txt', '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/%252e%252e%252fsecret.txt',
    '/..%2fsecret.txt', '/..%5csecret.txt', '/..\\secret.txt', '/assets/..\\..\\secret.txt',
    '/secret.txt%00.js', '/assets/app.js%00', '/%00', '/%c0%ae%c0%ae/secret.txt', '//etc/passwd',
    '/artwork/..%2f..%2fsecret.txt', '/artwork/../secret.txt', '/thumbs/%2e%2e%2fsecret.txt',
    '/thumbs/..%5c..%5csecret.txt', '/avatars/..%2f..%2f/1', '/avatars/%2e%2e/%2e%2e', '/artwork/secret.txt%00',
    '/artwork/%252e%252e%252fsecret.txt', '/thumbs/....//....//secret.txt', '/avatars/../../secret.txt/1',
  ];
  for (const t of targets) {
    const r = await rawGet(srv.url, t);
    assert.ok(r.status >= 200 && r.status < 500, `${t}: ${r.status}`);
    assert.ok(!r.text.includes(SECRET), `${t} served a file outside the roots`);
    assert.ok(!r.text.includes('root:x:0:0'), `${t} served /etc/passwd`);
    if (r.status === 200) {
      // only the SPA fallback (the index page) may answer 200 for an unknown path
      assert.ok(r.text.includes('<title>index</title>'), `${t}: 200 with something other than the index`);
    } else {
      assert.ok([400, 404, 301, 302, 308].includes(r.status) || r.status === 405, `${t}: ${r.status}`);
    }
  }
  // the real file is still served
  assert.equal((await rawGet(srv.url, '/assets/app.js')).status, 200);
});

// ---- 7. open redirects ----

test('sign-in redirects only to the configured issuer or fixed local paths', async () => {
  const evil = ['https://evil.example/', '//evil.example', '/\\evil.example', 'https:evil.example', 'javascript:alert(1)'];
  const params = ['redirect', 'redirect_uri', 'return_to', 'returnTo', 'next', 'url', 'continue', 'dest', 'state', 'r'];
  const allowed = (loc) => {
    if (!loc) return true;
    if (loc.startsWith(provider.issuer + '/')) return true;
    return /^\/(?!\/|\\)[A-Za-z0-9/_\-?=&.]*$/.test(loc) || loc.startsWith(srv.origin + '/');
  };
  for (const e of evil) {
    for (const name of params) {
      const qs = `${name}=${encodeURIComponent(e)}`;
      for (const p of [`/auth/login?${qs}`, `/auth/callback?${qs}&code=x&state=y`]) {
        const r = await fetch(`${srv.url}${p}`, { redirect: 'manual' });
        assert.ok(!is5xx(r.status), `${p}: ${r.status}`);
        const loc = r.headers.get('location');
        assert.ok(allowed(loc), `${p} redirected to ${loc}`);
        if (loc?.startsWith(provider.issuer)) {
          // the provider's redirect_uri is ours, never the one the request named
          const ru = new URL(loc).searchParams.get('redirect_uri');
          assert.equal(ru, `${srv.origin}/auth/callback`);
        }
      }
    }
  }
  // the same on the admin listener's sign-in
  for (const e of evil) {
    const r = await fetch(`${srv.adminUrl}/auth/login?next=${encodeURIComponent(e)}`, { redirect: 'manual' });
    assert.ok(!is5xx(r.status), `admin login: ${r.status}`);
    const loc = r.headers.get('location');
    assert.ok(!loc || !loc.includes('evil.example'), `admin login redirected to ${loc}`);
  }
});

// ---- 8. rate limits ----

test('each rate class answers 429 with Retry-After', async () => {
  const s = await startOwnServer({ CHATLINGS_TRUST_PROXY: '1', CHATLINGS_RATE_LIMITS: 'signin=3/60,write=3/60,read=3/60,chat=3/60' });
  try {
    const ip = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
    const hit = async (fn, what) => {
      let last;
      for (let i = 0; i < 6; i++) {
        last = await fn();
        if (last.status === 429) break;
      }
      assertError(last, 429, 'rate_limited');
      assert.ok(Number(last.headers.get('retry-after')) >= 1, `${what}: Retry-After ${last.headers.get('retry-after')}`);
    };
    // signin: dev login from one address
    const sip = ip();
    await hit(() => player(s).login(uname(), { 'x-forwarded-for': sip }), 'signin');
    // read and write: one player from its own address
    const rip = ip();
    const p = player(s);
    const lr = await p.login(uname(), { 'x-forwarded-for': rip });
    assert.equal(lr.status, 200, lr.text);
    await hit(() => p.c.get('/api/user/me', { headers: { 'x-forwarded-for': rip } }), 'read');
    const wip = ip();
    const q = player(s);
    assert.equal((await q.login(uname(), { 'x-forwarded-for': wip })).status, 200);
    await hit(() => q.post('/api/user/notifications/read', { all: true }, { 'x-forwarded-for': wip }), 'write');
    // chat: the chat class on chat messages
    const cip = ip();
    const c = player(s);
    assert.equal((await c.login(uname(), { 'x-forwarded-for': cip })).status, 200);
    const room = await psqlValue(`INSERT INTO chatrooms (title, topic) VALUES ('Limits', 'rate') RETURNING id`);
    await hit(() => c.post(`/api/chatrooms/${room}/messages`, { text: 'hello' }, { 'x-forwarded-for': cip }), 'chat');
    // another address is not limited by these counters
    const other = player(s);
    assert.equal((await other.login(uname(), { 'x-forwarded-for': ip() })).status, 200);
  } finally {
    await s.stop();
  }
});
