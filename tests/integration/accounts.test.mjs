// Player accounts and the security baseline, black-box: development sign-in and the starter,
// username rules, sessions (fresh token at every sign-in, logout, account deletion), the data
// export, CSRF, cookie attributes, the route table's authorisation levels, rate limits,
// security headers, CORS and the admin CLI. Sign-up runs through the OIDC tests' provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, api, client, psql, psqlValue, runChatlings, freePort } from './harness.mjs';
import {
  HIGH_LIMITS, startOwnServer, uname as sharedUname, player as sharedPlayer, signedIn as sharedSignedIn, assertError,
} from './players.mjs';

const CORS_ORIGIN = 'https://app.chatlings.test';

let srv;
let ORIGIN;

before(async () => {
  srv = await startOwnServer({ CHATLINGS_CORS_ORIGINS: CORS_ORIGIN });
  ORIGIN = srv.origin;
});
after(async () => { await srv?.stop(); });

const uname = (prefix = 'acc') => sharedUname(prefix);
const player = (url = srv.url, origin = ORIGIN) => sharedPlayer({ url, origin }, origin);
const signedIn = (name = uname()) => sharedSignedIn(srv, name);

test('status without a session', async () => {
  const r = await api(srv.url, '/api/auth/status');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { signed_in: false, pending: false, csrf_token: null, username: null, dev_login: true });
});

test('dev login creates the player with exactly one Common starter, its current chatling', async () => {
  const name = uname('Star');
  const p = player();
  const r = await p.login(name);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, true);
  const u = r.json.user;
  assert.equal(u.username, name);
  assert.match(u.id, /^[0-9a-f-]{36}$/);
  assert.equal(u.email, null);
  assert.equal(u.motes, 110, 'players start with 100 motes; the starter unlocks collect_1 (10 points)');
  assert.equal(u.is_admin, false);
  assert.equal(u.avatar_n, null);
  assert.match(u.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(u.current_creature.rarity, 'Common');
  assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);

  const rows = await psql(`SELECT uc.creature_id, uc.source, uc.found_count, c.rarity, c.is_active,
      c.deleted_at IS NULL, u.current_creature_id, u.google_id
    FROM user_collections uc JOIN creatures c ON c.id = uc.creature_id JOIN users u ON u.id = uc.user_id
    WHERE uc.user_id = '${u.id}'`);
  assert.equal(rows.length, 1, 'exactly one creature');
  const [cid, source, found, rarity, active, notDeleted, current, googleId] = rows[0];
  assert.deepEqual([source, found, rarity, active, notDeleted], ['starter', '1', 'Common', 't', 't']);
  assert.equal(current, cid);
  assert.equal(u.current_creature.id, cid);
  assert.equal(googleId, null);
  assert.equal(await psqlValue(`SELECT count(*) FROM telemetry_events
    WHERE user_id = '${u.id}' AND name = 'creature_collected' AND properties->>'creature_id' = '${cid}'`), '1');
  assert.equal(await psqlValue(`SELECT count(*) FROM notifications
    WHERE user_id = '${u.id}' AND category = 'creature_found' AND data->>'creature_id' = '${cid}'`), '1');

  // the same name in another case signs into the same player, with no second starter
  const again = await player().login(name.toUpperCase());
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.created, false);
  assert.equal(again.json.user.id, u.id);
  assert.equal(await psqlValue(`SELECT count(*) FROM user_collections WHERE user_id = '${u.id}'`), '1');

  const me = await p.get('/api/user/me');
  assert.equal(me.status, 200);
  assert.deepEqual(me.json.user, u);
  assert.equal(me.json.csrf_token, r.json.csrf_token);
  const st = await p.get('/api/auth/status');
  assert.deepEqual(st.json, { signed_in: true, pending: false, csrf_token: r.json.csrf_token, username: name, dev_login: true });
});

test('starters are spread over the Commons', async () => {
  const ids = new Set();
  for (let i = 0; i < 6; i++) {
    const { user } = await signedIn(uname('spread'));
    ids.add(user.current_creature.id);
  }
  assert.ok(ids.size >= 4, `6 players got only ${ids.size} different starters`);
});

test('username rules: length, alphabet and bad words are 400; taken names are 409 ignoring case', async () => {
  const bad = ['ab', 'x'.repeat(21), 'two words', 'dash-name', 'émile', 'semi;colon', 'fuck_this', 'B1TCH_x',
    'sh1thead99', '', ' padded '];
  for (const username of bad) {
    assertError(await player().login(username), 400, 'bad_request');
  }
  for (const body of [{}, { username: 42 }, { username: null }, { name: 'valid_name' }]) {
    const r = await player().c.post('/api/dev/login', body, { headers: { origin: ORIGIN } });
    assertError(r, 400, 'bad_request');
  }
  const notJson = await api(srv.url, '/api/dev/login', {
    method: 'POST', body: 'username=abc', headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
  });
  assertError(notJson, 415, 'unsupported_media_type');
  const msg = await player().login('ab');
  assert.match(msg.json.error.message, /at least 3/);
  assert.match((await player().login('fuck_you')).json.error.message, /not allowed/);
  // innocent names containing rude substrings are fine
  assert.equal((await player().login(uname('Scunthorpe').slice(0, 20))).status, 200);

  const { name: takenName } = await signedIn(uname('Taken'));
  const { p, user } = await signedIn(uname('Renamer'));
  for (const username of bad) {
    assertError(await p.patch('/api/user/me', { username }), 400, 'bad_request');
  }
  assertError(await p.patch('/api/user/me', { username: takenName.toLowerCase() }), 409, 'conflict');
  assertError(await p.patch('/api/user/me', { username: takenName.toUpperCase() }), 409, 'conflict');
  // a new case of one's own name is a rename, and the profile (cached) shows it at once
  const before = await p.get('/api/user/me');
  assert.equal(before.json.user.username, user.username);
  const mine = await p.patch('/api/user/me', { username: user.username.toUpperCase() });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.user.username, user.username.toUpperCase());
  const fresh = uname('Renamed');
  const renamed = await p.patch('/api/user/me', { username: fresh });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal((await p.get('/api/user/me')).json.user.username, fresh);
  assert.equal((await p.get('/api/auth/status')).json.username, fresh);
  assert.equal(await psqlValue(`SELECT username FROM users WHERE id = '${user.id}'`), fresh);
});

test('signup needs a pending provider sign-in: 401 without one', async () => {
  const anon = await api(srv.url, '/api/auth/signup', { body: { username: uname() }, headers: { origin: ORIGIN } });
  assertError(anon, 401, 'unauthorized');
  // a player session is not a pending sign-in either
  const { p } = await signedIn();
  assertError(await p.post('/api/auth/signup', { username: uname() }), 401, 'unauthorized');
});

test('signup through a pending provider sign-in: validation, the player, a fresh session, one per identity', async (t) => {
  // the provider stand-in and its helpers belong to the OIDC tests; loaded here only
  const { startProvider, loginThroughProvider } = await import('./oidc-provider.mjs');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const provider = await startProvider({ redirectUris: [`${origin}/auth/callback`] });
  let oidcSrv;
  try {
    oidcSrv = await startServer({
      listen: `127.0.0.1:${port}`,
      env: {
        CHATLINGS_OIDC_ISSUER: provider.issuer,
        CHATLINGS_OIDC_CLIENT_ID: provider.clientId,
        CHATLINGS_OIDC_CLIENT_SECRET: provider.clientSecret,
        CHATLINGS_PUBLIC_URL: origin,
        CHATLINGS_RATE_LIMITS: HIGH_LIMITS,
      },
    });
    if ((await api(oidcSrv.url, '/auth/login')).status === 404) {
      t.skip('/auth/login is not in the route table yet');
      return;
    }
    const subject = `acc-${randomBytes(5).toString('hex')}`;
    const pendingA = await loginThroughProvider(oidcSrv.url, subject);
    const pendingB = await loginThroughProvider(oidcSrv.url, subject);
    const status = async (cookie) => (await api(oidcSrv.url, '/api/auth/status', { cookie })).json;
    const stA = await status(pendingA);
    assert.equal(stA.pending, true);
    assert.equal(stA.signed_in, false);
    assert.match(stA.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    const csrfB = (await status(pendingB)).csrf_token;
    const signup = (cookie, csrf, username) => api(oidcSrv.url, '/api/auth/signup', {
      body: { username }, cookie, headers: { origin, 'x-csrf-token': csrf },
    });

    assertError(await signup(pendingA, stA.csrf_token, 'no'), 400, 'bad_request');
    assertError(await signup(pendingA, stA.csrf_token, 'fuck_off'), 400, 'bad_request');
    assertError(await signup(pendingA, 'wrong', uname()), 403, 'forbidden');
    const { name: taken } = await signedIn(uname('Taken'));
    assertError(await signup(pendingA, stA.csrf_token, taken.toUpperCase()), 409, 'conflict');
    assert.equal((await status(pendingA)).pending, true, 'a refused signup keeps the pending sign-in');

    // two signups for one identity at once (two tabs): exactly one player
    const nameA = uname('Signup');
    const nameB = uname('Signup');
    const [ra, rb] = await Promise.all([signup(pendingA, stA.csrf_token, nameA), signup(pendingB, csrfB, nameB)]);
    const won = ra.status === 201 ? ra : rb;
    const lost = ra.status === 201 ? rb : ra;
    assert.equal(won.status, 201, won.text);
    assertError(lost, 409, 'conflict');
    assert.equal(await psqlValue(`SELECT count(*) FROM users WHERE google_id = '${subject}'`), '1');

    const u = won.json.user;
    assert.equal(u.email, `${subject}@example.test`);
    assert.equal(won.json.starter.rarity, 'Common');
    assert.deepEqual(u.current_creature, won.json.starter);
    assert.match(won.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    const rows = await psql(`SELECT u.google_id, o.provider, o.subject, o.email,
        (SELECT count(*) FROM user_collections WHERE user_id = u.id),
        (SELECT count(*) FROM notifications WHERE user_id = u.id AND category = 'creature_found'),
        (SELECT count(*) FROM telemetry_events WHERE user_id = u.id AND name = 'creature_collected')
      FROM users u JOIN oauth_accounts o ON o.user_id = u.id WHERE u.id = '${u.id}'`);
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0][0], rows[0][2], rows[0][3], rows[0][4], rows[0][5], rows[0][6]],
      [subject, subject, `${subject}@example.test`, '1', '1', '1']);

    // a new session replaced the pending one (no fixation)
    const set = won.headers.getSetCookie()[0];
    const fresh = set.split(';')[0];
    assert.match(fresh, /^__Host-chatlings=[A-Za-z0-9_-]{43}$/);
    const pendingWon = ra.status === 201 ? pendingA : pendingB;
    assert.notEqual(fresh, pendingWon);
    const dead = await status(pendingWon);
    assert.equal(dead.pending, false);
    assert.equal(dead.signed_in, false);
    const me = await api(oidcSrv.url, '/api/user/me', { cookie: fresh });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.id, u.id);
    assert.equal(me.json.csrf_token, won.json.csrf_token);

    // the next provider sign-in lands in the player directly
    const again = await loginThroughProvider(oidcSrv.url, subject);
    const st = await status(again);
    assert.equal(st.signed_in, true);
    assert.equal(st.username, u.username);
  } finally {
    await oidcSrv?.stop();
    await provider.stop();
  }
});

test('every sign-in issues a new session token; the one from before is dead', async () => {
  const name = uname('Fix');
  const p = player();
  await p.login(name);
  const first = p.token();
  const firstCsrf = p.csrf;
  assert.ok(first);
  // signing in again while carrying the old cookie (as a browser would)
  const r = await p.login(name);
  assert.equal(r.status, 200, r.text);
  const second = p.token();
  assert.notEqual(second, first);
  assert.notEqual(p.csrf, firstCsrf);
  assertError(await api(srv.url, '/api/user/me', { cookie: `__Host-chatlings=${first}` }), 401, 'unauthorized');
  assert.equal((await api(srv.url, '/api/user/me', { cookie: `__Host-chatlings=${second}` })).status, 200);
  // signing in as someone else replaces the session too
  const other = uname('Other');
  const r2 = await p.login(other);
  assert.equal(r2.json.user.username, other);
  assertError(await api(srv.url, '/api/user/me', { cookie: `__Host-chatlings=${second}` }), 401, 'unauthorized');
});

test('the session cookie: __Host- prefix, HttpOnly, SameSite=Lax, Path=/, Secure, 7 days', async () => {
  const r = await api(srv.url, '/api/dev/login', { body: { username: uname() }, headers: { origin: ORIGIN } });
  const cookies = r.headers.getSetCookie();
  assert.equal(cookies.length, 1);
  const [pair, ...attrs] = cookies[0].split(';').map((s) => s.trim());
  assert.match(pair, /^__Host-chatlings=[A-Za-z0-9_-]{43}$/);
  const lower = attrs.map((a) => a.toLowerCase());
  for (const a of ['httponly', 'samesite=lax', 'path=/', 'secure', 'max-age=604800']) assert.ok(lower.includes(a), a);
  assert.ok(!lower.some((a) => a.startsWith('domain=')), '__Host- cookies carry no Domain');
});

test('logout ends the session and clears the cookie', async () => {
  const { p } = await signedIn();
  const token = p.token();
  assertError(await p.post('/api/auth/logout', {}, { 'x-csrf-token': 'wrong' }), 403, 'forbidden');
  const r = await p.post('/api/auth/logout');
  assert.equal(r.status, 204, r.text);
  assert.match(r.headers.getSetCookie()[0], /^__Host-chatlings=; .*Max-Age=0/);
  assertError(await api(srv.url, '/api/user/me', { cookie: `__Host-chatlings=${token}` }), 401, 'unauthorized');
  const st = await api(srv.url, '/api/auth/status', { cookie: `__Host-chatlings=${token}` });
  assert.equal(st.json.signed_in, false);
  assertError(await p.post('/api/auth/logout'), 401, 'unauthorized');
});

/** Every column that references users(id), found through the catalog, so new tables count. */
async function userReferences() {
  return psql(`SELECT cl.relname, a.attname FROM pg_constraint con
    JOIN pg_class cl ON cl.oid = con.conrelid
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
    WHERE con.contype = 'f' AND con.confrelid = 'users'::regclass`);
}

test('deleting the account removes its data and ends every session', async () => {
  const name = uname('Leaving');
  const a = player();
  const b = player();
  const u = (await a.login(name)).json.user;
  assert.equal((await b.login(name.toLowerCase())).json.user.id, u.id);
  assert.equal((await a.get('/api/user/me')).status, 200);
  assert.equal((await b.get('/api/user/me')).status, 200);
  // rows that reach the account from other tables
  await psql(`INSERT INTO oauth_accounts (user_id, provider, subject, email) VALUES ('${u.id}', 'test', '${u.id}', 'x@example.test');
    INSERT INTO youtube_likes (user_id, video_id, title) VALUES ('${u.id}', 'vid_${u.id.slice(0, 8)}', 'a title');
    INSERT INTO youtube_connections (user_id, refresh_token_enc) VALUES ('${u.id}', 'v1.00000000.AAAA');
    INSERT INTO audit_log (actor_user_id, action, target) VALUES ('${u.id}', 'test_action', 'test');`);

  const refs = await userReferences();
  assert.ok(refs.length >= 8, `found ${refs.length} references to users`);
  assertError(await a.del('/api/user/me', { 'x-csrf-token': 'nope' }), 403, 'forbidden');
  const r = await a.del('/api/user/me');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { deleted: true });
  assert.match(r.headers.getSetCookie()[0], /Max-Age=0/);
  assertError(await a.get('/api/user/me'), 401, 'unauthorized');
  assertError(await b.get('/api/user/me'), 401, 'unauthorized');
  assertError(await b.get('/api/user/export'), 401, 'unauthorized');

  assert.equal(await psqlValue(`SELECT count(*) FROM users WHERE id = '${u.id}'`), '0');
  for (const [table, column] of refs) {
    assert.equal(await psqlValue(`SELECT count(*) FROM "${table}" WHERE "${column}" = '${u.id}'`), '0', `${table}.${column}`);
  }
  // the audit log keeps its row, without the actor
  const kept = await psqlValue(`SELECT count(*) FROM audit_log WHERE action = 'test_action' AND actor_user_id IS NULL
    AND target = 'test'`);
  assert.ok(Number(kept) >= 1, 'audit_log row kept');
  // the name is free again: a new player, a new id
  const again = await player().login(name);
  assert.equal(again.json.created, true);
  assert.notEqual(again.json.user.id, u.id);
});

test('the export holds the personal data, as an attachment, without tokens', async () => {
  const { p, user } = await signedIn(uname('Export'));
  await psql(`INSERT INTO achievements (id, name, description, points, category, threshold)
      VALUES ('test_export', 'Export test', 'for the export test', 1, 'test', 1) ON CONFLICT DO NOTHING;
    INSERT INTO user_achievements (user_id, achievement_id, progress) VALUES ('${user.id}', 'test_export', 1);
    INSERT INTO youtube_likes (user_id, video_id, title) VALUES ('${user.id}', 'vid_export', '<b>Liked</b> & "quoted"');
    INSERT INTO youtube_connections (user_id, channel_id, refresh_token_enc) VALUES ('${user.id}', 'UC123', 'v1.00000000.SECRETVALUE');
    INSERT INTO oauth_accounts (user_id, provider, subject, email) VALUES ('${user.id}', 'test', 'sub-${user.id}', 'e@example.test');
    INSERT INTO purchases (user_id, item_id, price) VALUES ('${user.id}', 'extra_box', 150);
    INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
      VALUES ('${user.id}', 'https://push.example.test/e/${user.id}', 'KEYSECRETP256' || repeat('x', 74), 'KEYSECRETAUTH' || repeat('y', 9), 'TestAgent');
    INSERT INTO push_preferences (user_id, runaway) VALUES ('${user.id}', false);
    INSERT INTO chat_attitudes (user_id, enthusiasm, criticism, humour) VALUES ('${user.id}', 3, 1, 2);
    INSERT INTO user_teams (user_id, creature_ids) VALUES ('${user.id}', ARRAY['${user.current_creature.id}']::uuid[]);`);
  const r = await p.get('/api/user/export');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="chatlings-export\.json"$/);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const e = r.json;
  assert.match(e.exported_at, /Z$/);
  assert.equal(e.profile.id, user.id);
  assert.equal(e.profile.username, user.username);
  assert.equal(e.collection.length, 1);
  assert.equal(e.collection[0].creature_id, user.current_creature.id);
  assert.equal(e.collection[0].source, 'starter');
  assert.equal(e.collection[0].found_count, 1);
  // the starter's find, and the collect_1 achievement it unlocked
  assert.deepEqual(e.notifications.map((n) => n.category), ['creature_found', 'achievement']);
  assert.equal(e.notifications[0].data.creature_id, user.current_creature.id);
  assert.deepEqual(e.telemetry_events.map((t) => t.name), ['creature_collected', 'achievement_unlocked']);
  assert.deepEqual(e.achievements.map((a) => a.achievement_id), ['collect_1', 'test_export']);
  assert.equal(e.youtube_likes[0].title, '<b>Liked</b> & "quoted"');
  assert.ok(!r.text.includes('<b>'), 'markup is escaped in the JSON text');
  assert.equal(e.youtube_connection.channel_id, 'UC123');
  assert.equal(e.youtube_connection.status, 'active');
  assert.ok(!r.text.includes('SECRETVALUE'), 'no tokens in the export');
  assert.deepEqual(e.oauth_accounts.map((o) => [o.provider, o.email]), [['test', 'e@example.test']]);
  // everything else the game keeps about the player
  assert.deepEqual(e.purchases.map((x) => [x.item_id, x.price]), [['extra_box', 150]]);
  assert.deepEqual(e.push_subscriptions.map((x) => [x.endpoint, x.user_agent]), [[`https://push.example.test/e/${user.id}`, 'TestAgent']]);
  assert.ok(!r.text.includes('KEYSECRET'), "no browser push keys in the export");
  assert.equal(e.push_preferences.runaway, false);
  assert.equal(e.push_preferences.creature_found, true);
  assert.deepEqual([e.chat_attitude.enthusiasm, e.chat_attitude.criticism, e.chat_attitude.humour], [3, 1, 2]);
  assert.deepEqual(e.team.creature_ids, [user.current_creature.id]);
  for (const k of ['daily_boxes', 'daily_visitors', 'encounters', 'idle_businesses', 'runaway_recoveries',
    'leaderboard_history', 'chat_messages', 'chat_reads']) assert.ok(Array.isArray(e[k]), `${k} is a list`);
  assert.equal(e.chat_mute, null);
});

test('CSRF: state changes need our Origin and, with a session, the session token', async () => {
  // anonymous sign-in: Origin only (login CSRF)
  assertError(await api(srv.url, '/api/dev/login', { body: { username: uname() } }), 403, 'forbidden');
  assertError(await api(srv.url, '/api/dev/login', { body: { username: uname() }, headers: { origin: 'https://evil.test' } }),
    403, 'forbidden');
  const { p } = await signedIn();
  const cookie = p.c.cookie();
  const rename = (headers) => api(srv.url, '/api/user/me', { method: 'PATCH', body: { username: uname() }, cookie, headers });
  assertError(await rename({ 'x-csrf-token': p.csrf }), 403, 'forbidden');                              // no Origin
  assertError(await rename({ origin: 'https://evil.test', 'x-csrf-token': p.csrf }), 403, 'forbidden'); // foreign Origin
  assertError(await rename({ origin: 'null', 'x-csrf-token': p.csrf }), 403, 'forbidden');
  assertError(await rename({ origin: ORIGIN }), 403, 'forbidden');                                       // no token
  assertError(await rename({ origin: ORIGIN, 'x-csrf-token': p.csrf.slice(0, -1) + (p.csrf.endsWith('A') ? 'B' : 'A') }),
    403, 'forbidden');
  const ok = await rename({ origin: ORIGIN, 'x-csrf-token': p.csrf });
  assert.equal(ok.status, 200, ok.text);
  // a same-origin fetch that sends no Origin proves itself with Sec-Fetch-Site
  const sfs = await rename({ 'sec-fetch-site': 'same-origin', 'x-csrf-token': p.csrf });
  assert.equal(sfs.status, 200, sfs.text);
  assertError(await rename({ 'sec-fetch-site': 'cross-site', 'x-csrf-token': p.csrf }), 403, 'forbidden');
  // reads need neither
  assert.equal((await api(srv.url, '/api/user/me', { cookie })).status, 200);
});

test('route walk: session routes are 401 anonymous, admin routes 403 for a plain player', async () => {
  const res = await runChatlings(['routes']);
  assert.equal(res.code, 0, res.stderr);
  const routes = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(routes.length >= 10);
  for (const r of routes) {
    for (const k of ['listener', 'method', 'pattern', 'auth', 'rate']) assert.ok(k in r, `${k} in ${JSON.stringify(r)}`);
  }
  const has = (m, p) => routes.some((r) => r.method === m && r.pattern === p);
  assert.ok(has('GET', '/api/user/me') && has('DELETE', '/api/user/me') && has('POST', '/api/auth/signup'));
  assert.equal(routes.find((r) => r.pattern === '/api/dev/login').auth, 'public');
  assert.equal(routes.find((r) => r.pattern === '/api/auth/signup').auth, 'pending');
  assert.equal(routes.find((r) => r.pattern === '/api/auth/signup').rate, 'signin');

  const { p, name } = await signedIn(uname('Walker'));
  // the admin listener has its own origin and cookie: the same player signs in there too
  const ap = sharedPlayer({ url: srv.adminUrl, origin: srv.adminUrl }, srv.adminUrl);
  const al = await ap.login(name);
  assert.equal(al.status, 200, al.text);
  const fill = (pattern) => pattern.replace(/:[A-Za-z_]+/g, () => randomUUID());
  const base = (r) => (r.listener === 'admin' ? srv.adminUrl : srv.url);
  const send = (r, extra = {}) => {
    const write = !['GET', 'HEAD'].includes(r.method);
    return api(base(r), fill(r.pattern), {
      method: r.method,
      ...(write ? { body: {} } : {}),
      headers: { origin: r.listener === 'admin' ? srv.adminUrl : ORIGIN, ...extra.headers },
      cookie: extra.cookie,
    });
  };
  let checked = 0;
  for (const r of routes) {
    if (r.auth === 'session' || r.auth === 'pending' || r.auth === 'admin') {
      const anon = await send(r);
      assert.equal(anon.status, 401, `${r.method} ${r.pattern} anonymous: ${anon.status} ${anon.text}`);
      assert.equal(anon.json?.error?.code, 'unauthorized');
      checked++;
    }
    if (r.auth === 'admin') {
      const plain = await send(r, { cookie: ap.c.cookie(), headers: { 'x-csrf-token': ap.csrf } });
      assert.equal(plain.status, 403, `${r.method} ${r.pattern} as a player: ${plain.status} ${plain.text}`);
      assert.equal(plain.json?.error?.code, 'forbidden');
    }
  }
  assert.ok(checked >= 5, `only ${checked} protected routes`);
  // our player still works after the walk (the walk ended no session)
  assert.equal((await p.get('/api/user/me')).status, 200);
});

test('rate limit: the 4th sign-in within the window is 429 with Retry-After and RateLimit-*', async () => {
  // fixed one-minute windows: do not start right before a boundary
  const inWindow = (Date.now() / 1000) % 60;
  if (inWindow > 54) await sleep((61 - inWindow) * 1000);
  const limited = await startOwnServer({ CHATLINGS_RATE_LIMITS: 'signin=3/60', CHATLINGS_TRUST_PROXY: '1' });
  try {
    // a client IP of its own (through the trusted proxy header), so no other test's counters count
    const ip = `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
    const hit = () => api(limited.url, '/api/dev/login', {
      body: { username: uname('Rl') }, headers: { origin: limited.origin, 'x-forwarded-for': ip },
    });
    for (let i = 1; i <= 3; i++) {
      const r = await hit();
      assert.equal(r.status, 200, `request ${i}: ${r.text}`);
      assert.equal(r.headers.get('ratelimit-limit'), '3');
      assert.equal(r.headers.get('ratelimit-remaining'), String(3 - i));
    }
    const r = await hit();
    assertError(r, 429, 'rate_limited');
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(r.headers.get('ratelimit-limit'), '3');
    assert.equal(r.headers.get('ratelimit-remaining'), '0');
    assert.equal(Number(r.headers.get('ratelimit-reset')), retry);
    // another client is not affected
    const other = await api(limited.url, '/api/dev/login', {
      body: { username: uname('Rl') }, headers: { origin: limited.origin, 'x-forwarded-for': `${ip.split('.').slice(0, 3).join('.')}.251` },
    });
    assert.equal(other.status, 200, other.text);
  } finally {
    await limited.stop();
  }
});

test('security headers on API responses', async () => {
  const { p } = await signedIn();
  for (const r of [await api(srv.url, '/api/auth/status'), await p.get('/api/user/me'),
    await api(srv.url, '/api/user/me')]) {
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('strict-transport-security'), null, 'HSTS only in production');
  }
});

test('CORS: only configured origins are allowed, with credentials; preflight', async () => {
  const ok = await api(srv.url, '/api/auth/status', { headers: { origin: CORS_ORIGIN } });
  assert.equal(ok.headers.get('access-control-allow-origin'), CORS_ORIGIN);
  assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
  assert.match(ok.headers.get('vary') || '', /origin/i);
  const evil = await api(srv.url, '/api/auth/status', { headers: { origin: 'https://evil.test' } });
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const own = await api(srv.url, '/api/auth/status', { headers: { origin: ORIGIN } });
  assert.equal(own.headers.get('access-control-allow-origin'), null, 'same-origin needs no CORS');

  const pre = await api(srv.url, '/api/user/me', {
    method: 'OPTIONS',
    headers: { origin: CORS_ORIGIN, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'content-type, x-csrf-token' },
  });
  assert.equal(pre.status, 204, pre.text);
  assert.equal(pre.headers.get('access-control-allow-origin'), CORS_ORIGIN);
  assert.match(pre.headers.get('access-control-allow-methods'), /PATCH/);
  assert.match(pre.headers.get('access-control-allow-headers'), /x-csrf-token/i);
  const badPre = await api(srv.url, '/api/user/me', {
    method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'DELETE' },
  });
  assert.equal(badPre.headers.get('access-control-allow-origin'), null);
  assert.notEqual(badPre.status, 204);

  // the allowed origin may change state too, with the session's token
  const { p } = await signedIn();
  const r = await p.patch('/api/user/me', { username: uname('Cors') }, { origin: CORS_ORIGIN });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('access-control-allow-origin'), CORS_ORIGIN);
});

test('admin CLI: grant-admin / revoke-admin ignore case, audit, and refuse unknown names', async () => {
  const { p, user, name } = await signedIn(uname('Boss'));
  assert.equal((await p.get('/api/user/me')).json.user.is_admin, false); // now cached
  const g = await runChatlings(['admin', 'grant-admin', name.toUpperCase()]);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /now an administrator/);
  assert.equal((await p.get('/api/user/me')).json.user.is_admin, true, 'the cached profile was dropped');
  const audit = await psql(`SELECT actor_user_id, before->>'is_admin', after->>'is_admin' FROM audit_log
    WHERE action = 'grant_admin' AND target = 'user:${user.id}'`);
  assert.deepEqual(audit, [[null, 'false', 'true']]);

  const again = await runChatlings(['admin', 'grant-admin', name]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already/);

  const rv = await runChatlings(['admin', 'revoke-admin', name.toLowerCase()]);
  assert.equal(rv.code, 0, rv.stderr);
  assert.equal((await p.get('/api/user/me')).json.user.is_admin, false);
  assert.equal(await psqlValue(`SELECT count(*) FROM audit_log WHERE action = 'revoke_admin' AND target = 'user:${user.id}'`), '1');

  const unknown = await runChatlings(['admin', 'grant-admin', uname('nobody')]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no player is named/);
  const usage = await runChatlings(['admin', 'grant-admin']);
  assert.equal(usage.code, 2);
  const rot = await runChatlings(['admin', 'rotate-token-key'], { env: { CHATLINGS_TOKEN_KEY_OLD: '' } });
  assert.equal(rot.code, 2);
  assert.match(rot.stderr, /CHATLINGS_TOKEN_KEY_OLD/);
});

test('production: dev login does not exist (404 like an unknown route)', async () => {
  const port = await freePort();
  const prod = await startServer({
    listen: `127.0.0.1:${port}`,
    env: {
      CHATLINGS_ENV: 'production',
      CHATLINGS_SESSION_SECRET: randomBytes(32).toString('hex'),
      CHATLINGS_TOKEN_KEY: randomBytes(32).toString('base64'),
      CHATLINGS_PUBLIC_URL: 'https://chatlings.test',
      CHATLINGS_RATE_LIMITS: HIGH_LIMITS,
    },
  });
  try {
    const headers = { origin: 'https://chatlings.test' };
    const r = await api(prod.url, '/api/dev/login', { body: { username: uname('Prod') }, headers });
    const unknown = await api(prod.url, '/api/no/such/route', { body: { username: 'x' }, headers });
    assert.equal(r.status, 404, r.text);
    assert.deepEqual(r.json, unknown.json);
    assert.deepEqual(r.json, { error: { code: 'not_found', message: 'no such resource' } });
    assert.equal(r.headers.getSetCookie().length, 0);
    assert.match(r.headers.get('strict-transport-security') || '', /max-age=\d+/);
    // the route is left out of the table in production, so no check before the 404 can reveal it
    const http = await api(prod.url, '/api/dev/login', { body: { username: uname() }, headers: { origin: `http://127.0.0.1:${port}` } });
    assert.equal(http.status, 404);
  } finally {
    await prod.stop();
  }
});
